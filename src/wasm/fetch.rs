//! One HTTP attempt's I/O: fetch (never following a redirect) under its time-out and the caller's
//! signal, the answer read with a size cap, and the sleeps between attempts.

use super::js::{call_method, get, global, set};
use crate::error::{Error, ErrorCode};
use crate::policy::{Facts, MAX_ERROR_BODY_BYTES};
use crate::request::{form_encode, Base, Body, RequestSpec};
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, FormData, Headers, RequestInit, RequestRedirect};

#[wasm_bindgen]
extern "C" {
    /// A `fetch` function (the global one, looked up per call so polyfills and mocks apply).
    type FetchFn;
    /// `fetch.bind(undefined, url, init)`: the call, ready to run with no wasm frame under it.
    #[wasm_bindgen(method, js_name = bind)]
    fn bind_call(this: &FetchFn, this_arg: &JsValue, url: &str, init: &RequestInit) -> Function;
    /// The global `fetch(url, init)`, called directly.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn fetch_with_init(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
    /// `AbortController.prototype.abort`.
    #[wasm_bindgen(extends = Function, is_type_of = JsValue::is_function)]
    type AbortFn;
    /// `abort.bind(controller, reason)`: aborts that controller with that reason when called.
    #[wasm_bindgen(method, js_name = bind)]
    fn bind_abort(this: &AbortFn, ctl: &web_sys::AbortController, reason: &JsValue) -> Function;
    /// A promise's `then` with a plain function (no Rust closure).
    type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    fn then_call(this: &Thenable, f: &Function) -> Promise;
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(f: &JsValue, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

pub fn aborted(op: &str) -> Error {
    Error::new(ErrorCode::Aborted, op, "the call was aborted")
}

pub fn is_aborted(s: Option<&AbortSignal>) -> bool {
    s.is_some_and(AbortSignal::aborted)
}

/// Waits `ms`; an abort of `signal` ends the wait at once (the timer is cleared, the listener removed).
pub async fn sleep(ms: u64, signal: Option<&AbortSignal>, op: &str) -> Result<(), Error> {
    if is_aborted(signal) {
        return Err(aborted(op));
    }
    if ms == 0 {
        return Ok(());
    }
    let mut timer = JsValue::UNDEFINED;
    let mut on_abort: Option<Function> = None;
    let p = Promise::new(&mut |resolve: Function, reject: Function| {
        let r = set_timeout(&resolve, ms as f64);
        match r {
            Ok(t) => timer = t,
            Err(_) => {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
        if let Some(s) = signal {
            let _ = call_method(
                s,
                "addEventListener",
                &[JsValue::from_str("abort"), reject.clone().into()],
            );
            on_abort = Some(reject);
        }
    });
    let r = JsFuture::from(p).await;
    if let (Some(s), Some(f)) = (signal, on_abort) {
        let _ = call_method(
            s,
            "removeEventListener",
            &[JsValue::from_str("abort"), f.into()],
        );
    }
    if r.is_err() {
        clear_timeout(&timer);
        return Err(aborted(op));
    }
    Ok(())
}

/// The signal one attempt runs under: aborted by its own timer or by the caller's signal.
///
/// An `AbortController` whose bound `abort` is both the `setTimeout` callback and the listener on
/// the caller's signal: no Rust closure, and on drop the timer is cleared and the listener removed,
/// so nothing outlives the attempt (unlike `AbortSignal.timeout`, whose timer runs to the end).
struct AttemptSignal {
    ctl: web_sys::AbortController,
    abort: JsValue,
    timer: JsValue,
    user: Option<AbortSignal>,
}

thread_local! {
    /// `AbortController.prototype.abort`, looked up once.
    static ABORT: Option<AbortFn> = get(&get(&get(&global(), "AbortController"), "prototype"), "abort")
        .dyn_into::<AbortFn>()
        .ok();
    /// What an attempt's controller aborts with (see [`AttemptSignal::new`]).
    static ABORT_REASON: JsValue = {
        let e = js_sys::Error::new("the call was aborted");
        e.set_name("AbortError");
        e.into()
    };
}

impl AttemptSignal {
    fn new(ms: u32, user: Option<&AbortSignal>) -> Option<AttemptSignal> {
        let ctl = web_sys::AbortController::new().ok()?;
        // A fixed reason: the listener's event must not become it, and fetch then rejects with a
        // real `Error`. One for every attempt: creating an `Error` captures a stack, the dearest
        // step of a call.
        let reason = ABORT_REASON.with(JsValue::clone);
        let abort: JsValue = ABORT
            .with(|f| f.as_ref().map(|f| f.bind_abort(&ctl, &reason)))?
            .into();
        let timer = set_timeout(&abort, f64::from(ms)).unwrap_or(JsValue::UNDEFINED);
        if let Some(u) = user {
            let _ = call_method(
                u,
                "addEventListener",
                &[JsValue::from_str("abort"), abort.clone()],
            );
        }
        Some(AttemptSignal {
            ctl,
            abort,
            timer,
            user: user.cloned(),
        })
    }

    fn signal(&self) -> AbortSignal {
        self.ctl.signal()
    }

    fn fired(&self) -> bool {
        self.ctl.signal().aborted()
    }
}

impl Drop for AttemptSignal {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(u) = &self.user {
            let _ = call_method(
                u,
                "removeEventListener",
                &[JsValue::from_str("abort"), self.abort.clone()],
            );
        }
    }
}

thread_local! {
    /// Whether fetch is called from a microtask of its own (see [`start_fetch`]): everywhere but
    /// Node, where the extra step costs about 15 µs a call and saves nothing.
    static DEFER_FETCH: bool = get(&get(&get(&global(), "process"), "versions"), "node").is_undefined();
}

/// `fetch(url, init)` with the global `fetch`, looked up per call so polyfills and mocks apply.
///
/// One `Request`, made by fetch itself (building a `Request` first and handing it to fetch makes
/// fetch copy it: in Node that second `Request`, and its second signal, cost as much as the
/// rest of the binding). In browsers fetch is called from a microtask of its own, not from under
/// this wasm call: in Chromium a fetch made with wasm frames on the stack is about 40 µs dearer
/// (as is anything that captures the stack), and `listGroups` went from 1.144 to 1.116 times
/// plain fetch.
fn start_fetch(u: &str, init: &RequestInit) -> Result<Promise, JsValue> {
    if !DEFER_FETCH.with(|d| *d) {
        return fetch_with_init(u, init);
    }
    let f = get(&global(), "fetch");
    if !f.is_function() {
        return Err(js_sys::TypeError::new("fetch is not a function").into());
    }
    let call = f
        .unchecked_ref::<FetchFn>()
        .bind_call(&JsValue::UNDEFINED, u, init);
    Ok(Promise::resolve(&JsValue::UNDEFINED)
        .unchecked_ref::<Thenable>()
        .then_call(&call))
}

/// What one attempt sends, and under which limits.
pub struct Attempt<'a> {
    pub spec: &'a RequestSpec,
    pub url: &'a str,
    pub token: Option<&'a str>,
    pub form: Option<&'a FormData>,
    pub signal: Option<&'a AbortSignal>,
    pub timeout_ms: u32,
    pub max_response_bytes: u64,
}

/// One fetch (never following a redirect): the facts for the policy, and the body text of
/// a 2xx. Bodies are read with a cap: a 2xx up to `maxResponseBytes` (past it the answer is
/// [`Facts::TooLarge`]), an error answer up to [`MAX_ERROR_BODY_BYTES`] (the rest is not
/// read), a redirect not at all.
pub async fn attempt(a: Attempt<'_>) -> Result<(Facts, Option<String>), Error> {
    let Attempt {
        spec,
        url: u,
        token,
        form,
        signal: user,
        timeout_ms,
        max_response_bytes,
    } = a;
    let op = spec.operation;
    let guard = AttemptSignal::new(timeout_ms, user);
    let combined = guard.as_ref().map(AttemptSignal::signal);
    // Which signal ended the attempt, if any.
    let classify = || {
        if is_aborted(user) {
            Facts::Aborted
        } else if guard.as_ref().is_some_and(AttemptSignal::fired) {
            Facts::Timeout
        } else {
            Facts::NetworkError
        }
    };
    // fetch(url, init) makes the only `Request`.
    let fail = |e: JsValue| {
        let what = format!(
            "{}: {}",
            get(&e, "name").as_string().unwrap_or_default(),
            get(&e, "message").as_string().unwrap_or_default()
        );
        Error::new(
            ErrorCode::InvalidInput,
            op,
            format!("the request could not be built: {what}"),
        )
    };
    let init = RequestInit::new();
    init.set_method(spec.method.as_str());
    // Never followed by fetch: a token, a secret or a body must not be carried to wherever
    // a server points; the policy decides (and in browsers sees only that there was one).
    init.set_redirect(RequestRedirect::Manual);
    if spec.base != Base::Endpoint {
        // Sign-in answers carry tokens: never kept in (or served from) an HTTP cache.
        set(&init, "cache", &JsValue::from_str("no-store"));
    }
    init.set_signal(combined.as_ref());
    let headers = Headers::new().map_err(fail)?;
    for (k, v) in &spec.headers {
        headers.set(k, v).map_err(fail)?;
    }
    if let Some(t) = token {
        headers.set("accessToken", t).map_err(fail)?;
    }
    match (&spec.body, form) {
        (Body::Json(v), _) => {
            headers
                .set("Content-Type", "application/json")
                .map_err(fail)?;
            init.set_body(&JsValue::from_str(&v.to_string()));
        }
        (Body::Form(fields), _) => {
            headers
                .set("Content-Type", "application/x-www-form-urlencoded")
                .map_err(fail)?;
            init.set_body(&JsValue::from_str(&form_encode(fields)));
        }
        (Body::Multipart { .. }, Some(f)) => init.set_body(f),
        (Body::Multipart { .. }, None) => {
            return Err(Error::invalid(op, "data", "is required"));
        }
        (Body::None, _) => {}
    }
    init.set_headers(&headers);
    let sent = JsFuture::from(start_fetch(u, &init).map_err(fail)?).await;
    let resp = match sent.map(JsCast::dyn_into::<web_sys::Response>) {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => {
            return Err(Error::new(
                ErrorCode::InvalidResponse,
                op,
                "fetch answered with something that is not a Response",
            ))
        }
        Err(_) => return Ok((classify(), None)),
    };
    if is_aborted(user) {
        cancel_body(&resp);
        return Ok((Facts::Aborted, None));
    }
    let status = resp.status();
    // A browser's `opaqueredirect` answer is the only one with status 0.
    if resp.redirected()
        || (status == 0 && get(&resp, "type").as_string().as_deref() == Some("opaqueredirect"))
    {
        cancel_body(&resp);
        return Ok((Facts::HiddenRedirect, None));
    }
    let headers = resp.headers();
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        cancel_body(&resp);
        let facts = Facts::Response {
            status,
            retry_after: None,
            location: headers.get("location").ok().flatten(),
            body: None,
        };
        return Ok((facts, None));
    }
    // Retry-After only matters to a refusal (`policy::decide` reads it for 408, 429 and 5xx).
    let ok = (200..300).contains(&status);
    let retry_after = if ok {
        None
    } else {
        headers.get("retry-after").ok().flatten()
    };
    let cap = if ok {
        max_response_bytes
    } else {
        max_response_bytes.min(MAX_ERROR_BODY_BYTES)
    };
    let declared = headers
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if ok && declared.is_some_and(|n| n > cap) {
        cancel_body(&resp);
        return Ok((Facts::TooLarge { limit: cap }, None));
    }
    // In Node every header is visible: a `Content-Length` within the cap and no content coding
    // bound the body (fetch reads no more, and refuses a message that also says chunked), so it
    // is read in one step. Anywhere else (a browser may hide the content coding, and a small
    // compressed body can unpack to gigabytes) it goes through the capped stream reader.
    let bounded = !DEFER_FETCH.with(|d| *d)
        && declared.is_some_and(|n| n <= cap)
        && headers
            .get("content-encoding")
            .ok()
            .flatten()
            .is_none_or(|e| e.trim().eq_ignore_ascii_case("identity"));
    let text = if bounded {
        let read = match resp.text() {
            Ok(p) => JsFuture::from(p).await,
            Err(e) => Err(e),
        };
        match read {
            Ok(t) => t.as_string().unwrap_or_default(),
            Err(_) => return Ok((classify(), None)),
        }
    } else {
        match read_capped(&resp, cap, !ok).await {
            Ok(Some(b)) => utf8(b),
            Ok(None) => return Ok((Facts::TooLarge { limit: cap }, None)),
            Err(_) => return Ok((classify(), None)),
        }
    };
    if is_aborted(user) {
        return Ok((Facts::Aborted, None));
    }
    if ok {
        return Ok((
            Facts::Response {
                status,
                retry_after,
                location: None,
                body: None,
            },
            Some(text),
        ));
    }
    let facts = Facts::Response {
        status,
        retry_after,
        location: None,
        body: Some(text),
    };
    Ok((facts, None))
}

/// Bytes as text: UTF-8 (bad sequences replaced), a leading byte-order mark dropped (as
/// `Response.text()` does).
fn utf8(bytes: Vec<u8>) -> String {
    let s = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    match s.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

/// Stops an answer's body from being downloaded (nothing will read it).
fn cancel_body(resp: &web_sys::Response) {
    let body = get(resp, "body");
    if body.is_object() {
        swallow(call_method(&body, "cancel", &[]));
    }
}

/// Ignores the outcome of a promise-returning call (a rejected `cancel()` of a locked or
/// errored stream is of no interest, and must not surface as an unhandled rejection).
fn swallow(r: Result<JsValue, JsValue>) {
    if let Ok(p) = r.and_then(|p| p.dyn_into::<Promise>()) {
        NOOP.with(|f| {
            let _ = p.catch(f);
        });
    }
}

thread_local! {
    /// A function that does nothing (to swallow a promise's rejection).
    static NOOP: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// The body, read chunk by chunk up to `cap` bytes. `Ok(None)`: it is longer (reading stopped
/// and the stream was cancelled), or, with `truncate`, `Ok(Some)` of its first `cap` bytes.
/// `Err`: the stream failed (network error, time-out or abort).
async fn read_capped(
    resp: &web_sys::Response,
    cap: u64,
    truncate: bool,
) -> Result<Option<Vec<u8>>, JsValue> {
    let body = get(resp, "body");
    if !body.is_object() {
        return Ok(Some(Vec::new()));
    }
    let reader = call_method(&body, "getReader", &[])?;
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut out: Vec<u8> = Vec::new();
    loop {
        let next = call_method(&reader, "read", &[])?.dyn_into::<Promise>()?;
        let r = JsFuture::from(next).await?;
        if get(&r, "done").as_bool() == Some(true) {
            return Ok(Some(out));
        }
        let chunk = get(&r, "value").dyn_into::<js_sys::Uint8Array>()?;
        let n = chunk.length() as usize;
        let room = cap.saturating_sub(out.len());
        if n > room {
            swallow(call_method(&reader, "cancel", &[]));
            if !truncate {
                return Ok(None);
            }
            let part = chunk.subarray(0, u32::try_from(room).unwrap_or(u32::MAX));
            out.extend_from_slice(&part.to_vec());
            return Ok(Some(out));
        }
        let start = out.len();
        out.resize(start.saturating_add(n), 0);
        if let Some(dst) = out.get_mut(start..) {
            chunk.copy_to(dst);
        }
    }
}
