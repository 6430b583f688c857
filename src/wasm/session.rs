//! One client's shared state and I/O: held tokens, single-flight refresh, and the fetch/retry pipeline.

use super::js::{call_method, error_from_js, error_to_js, from_js, get, global, notify, to_js};
use super::store::Store;
use crate::error::{Error, ErrorCode};
use crate::policy::{decide, Attempt, Decision, Facts};
use crate::request::{form_encode, url, Base, Body, RequestSpec};
use crate::throttling::{Limiter, RateLimit};
use crate::tokens::{
    apply_access_token, apply_relocation, clear, from_storage, to_storage, token_info, token_state,
    TokenState, Tokens, DEFAULT_SKEW_MS,
};
use js_sys::{Function, Promise};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
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

/// A connector's call queue.
pub type SharedLimiter = Rc<RefCell<Limiter>>;

thread_local! {
    /// One queue per connector and limit, shared by the clients in this JS realm.
    static LIMITERS: RefCell<HashMap<(String, u32, i64), SharedLimiter>> =
        RefCell::new(HashMap::new());
}

/// The queue of calls for connector `app_id` under `limit`.
pub fn shared_limiter(app_id: &str, limit: RateLimit) -> SharedLimiter {
    LIMITERS.with(|m| {
        m.borrow_mut()
            .entry((app_id.to_string(), limit.calls, limit.window_ms))
            .or_insert_with(|| Rc::new(RefCell::new(Limiter::new(limit))))
            .clone()
    })
}

/// Waits for this call's turn under the connector's rate limit; an abort gives the turn back.
async fn take_turn(
    limiter: &Option<SharedLimiter>,
    signal: Option<&AbortSignal>,
    op: &str,
) -> Result<(), Error> {
    let Some(l) = limiter else {
        return Ok(());
    };
    let t = now();
    let at = l.borrow_mut().reserve(t);
    if at > t {
        if let Err(e) = sleep((at - t) as u64, signal, op).await {
            l.borrow_mut().cancel(at);
            return Err(e);
        }
    }
    Ok(())
}

pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// The handler of the global `storage` event.
pub type StorageListener = Closure<dyn FnMut(JsValue)>;

/// Everything one `KaizalaClient` holds. Shared (`Rc`) by the calls in flight; no `RefCell`
/// borrow is ever held across an `.await`.
pub struct Inner {
    pub app_id: String,
    pub secret: Option<String>,
    pub connection: String,
    pub auth_url: String,
    pub oauth_url: String,
    /// `tokens::storage_key(app_id, connection)`.
    pub key: String,
    pub store: Store,
    pub provider: Option<Function>,
    pub timeout_ms: u32,
    pub max_retries: u32,
    /// The connector's call queue (shared by every client of the connector with the same limit).
    pub limiter: Option<SharedLimiter>,
    pub on_token_change: Option<Function>,
    pub on_request: Option<Function>,
    pub on_response: Option<Function>,
    /// The in-memory copy (storage is read at start, before minting, and on `storage` events).
    pub tokens: RefCell<Tokens>,
    /// The refresh in flight, awaited by every call that needs a token meanwhile.
    pub refreshing: RefCell<Option<Promise>>,
    /// Bumped by sign-in and sign-out, so a refresh that started before is not applied after.
    pub generation: Cell<u64>,
    /// The global `storage` listener (removed on drop).
    pub listener: RefCell<Option<StorageListener>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(cb) = self.listener.borrow_mut().take() {
            let f: &JsValue = cb.as_ref();
            let _ = call_method(
                &global(),
                "removeEventListener",
                &[JsValue::from_str("storage"), f.clone()],
            );
        }
    }
}

/// What the held tokens allow right now.
enum Need {
    Use { access: String, endpoint: String },
    Refresh,
    NotSignedIn,
}

fn aborted(op: &str) -> Error {
    Error::new(ErrorCode::Aborted, op, "the call was aborted")
}

fn is_aborted(s: Option<&AbortSignal>) -> bool {
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
/// One `Request`, made by fetch itself (gloo-net's `send` takes a `Request` it has built, which
/// fetch then copies: in Node that second `Request`, and its second signal, cost as much as the
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

/// A 2xx body as JSON (an empty body is `{}`).
fn parse_ok(op: &str, text: &str) -> Result<Value, Error> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_str(t).map_err(|_| {
        Error::new(
            ErrorCode::InvalidResponse,
            op,
            "the answer is not valid JSON",
        )
    })
}

impl Inner {
    /// Every value that must never appear in an error message.
    pub fn secrets(&self) -> Vec<String> {
        let t = self.tokens.borrow();
        [
            self.secret.clone(),
            t.refresh_token.clone(),
            t.access_token.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect()
    }

    /// `e` as the KaizalaError of the JS method `op`, redacted.
    pub fn js_error(&self, mut e: Error, op: &str) -> JsValue {
        e.operation = op.to_string();
        let secrets = self.secrets();
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        error_to_js(&e, &refs)
    }

    pub fn token_info_js(&self) -> JsValue {
        to_js(&token_info(&self.tokens.borrow(), now()))
    }

    fn changed(&self) {
        if self.on_token_change.is_some() {
            notify(&self.on_token_change, &self.token_info_js());
        }
    }

    pub fn persist(&self) {
        let s = to_storage(&self.tokens.borrow());
        self.store.set(&self.key, &s);
    }

    /// Replaces the held tokens (sign-in), stops any refresh in flight from applying, persists.
    pub fn replace_tokens(&self, t: Tokens) {
        self.generation.set(self.generation.get().wrapping_add(1));
        *self.tokens.borrow_mut() = t;
        self.persist();
        self.changed();
    }

    /// Sign-out: forgets this connection's tokens here and in storage.
    pub fn logout(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        clear(&mut self.tokens.borrow_mut(), now());
        self.store.remove(&self.key);
        self.store.remove(&self.oauth_key());
        self.changed();
    }

    /// Where `authorizeUrl` keeps the state it expects back.
    pub fn oauth_key(&self) -> String {
        format!("{}:oauth", self.key)
    }

    /// The stored tokens; a corrupt or foreign entry is removed and read as nothing.
    pub fn load(&self) -> Option<Tokens> {
        let raw = self.store.get(&self.key)?;
        let t = from_storage(&raw, &self.app_id, &self.connection);
        if t.is_none() {
            self.store.remove(&self.key);
        }
        t
    }

    /// A `storage` event from another tab: adopt its tokens for our key (or its sign-out).
    pub fn on_storage_event(&self, ev: &JsValue) {
        let key = get(ev, "key");
        let ours = match key.as_string() {
            Some(k) => k == self.key,
            // `storage.clear()` elsewhere.
            None => key.is_null(),
        };
        let area = get(ev, "storageArea");
        let same_area = match &self.store {
            Store::Js { obj, .. } => area.is_null() || area.is_undefined() || &area == obj,
            Store::Memory(_) => false,
        };
        if !ours || !same_area {
            return;
        }
        match get(ev, "newValue").as_string() {
            None => {
                self.generation.set(self.generation.get().wrapping_add(1));
                clear(&mut self.tokens.borrow_mut(), now());
            }
            Some(s) => match from_storage(&s, &self.app_id, &self.connection) {
                Some(t) => *self.tokens.borrow_mut() = t,
                None => return,
            },
        }
        self.changed();
    }

    fn need(&self, t: &Tokens) -> Need {
        let now = now();
        let usable = |t: &Tokens| match (&t.access_token, &t.endpoint_url) {
            (Some(a), Some(e)) => Need::Use {
                access: a.clone(),
                endpoint: e.clone(),
            },
            _ => Need::Refresh,
        };
        match token_state(t, now, DEFAULT_SKEW_MS) {
            TokenState::Valid => {
                // With a provider there is always a way to a fresher token.
                let near = t
                    .access_token_expiry
                    .is_some_and(|e| e <= now.saturating_add(DEFAULT_SKEW_MS));
                if self.provider.is_some() && near {
                    Need::Refresh
                } else {
                    usable(t)
                }
            }
            TokenState::Stale | TokenState::NeedsMint => Need::Refresh,
            TokenState::NotSignedIn if self.provider.is_some() => Need::Refresh,
            TokenState::NotSignedIn => Need::NotSignedIn,
        }
    }

    fn not_signed_in(&self, op: &str) -> Error {
        Error::new(
            ErrorCode::NotSignedIn,
            op,
            format!(
                "connection \"{}\" holds no usable token; sign in first (loginWithPin, completeAuthorization, the refreshToken option or a tokenProvider)",
                self.connection
            ),
        )
    }

    /// A valid access token and its endpoint, refreshing (single flight) when needed.
    pub async fn access(self: &Rc<Self>, op: &str) -> Result<(String, String), Error> {
        for _ in 0..3 {
            let need = {
                let t = self.tokens.borrow();
                self.need(&t)
            };
            match need {
                Need::Use { access, endpoint } => return Ok((access, endpoint)),
                Need::NotSignedIn => return Err(self.not_signed_in(op)),
                Need::Refresh => self.refresh(None, op).await?,
            }
        }
        Err(Error::new(
            ErrorCode::InvalidResponse,
            op,
            "a fresh access token was obtained but is already expired (check the clock or the token provider)",
        ))
    }

    /// Makes sure a newer access token than `rejected` is held (any token when `None`): joins the
    /// refresh in flight or starts one.
    pub async fn refresh(self: &Rc<Self>, rejected: Option<&str>, op: &str) -> Result<(), Error> {
        if let Some(bad) = rejected {
            if self.tokens.borrow().access_token.as_deref() != Some(bad) {
                return Ok(());
            }
        }
        let p = self.refresh_promise();
        JsFuture::from(p)
            .await
            .map(|_| ())
            .map_err(|v| error_from_js(&v, op, ErrorCode::Network))
    }

    fn refresh_promise(self: &Rc<Self>) -> Promise {
        if let Some(p) = self.refreshing.borrow().as_ref() {
            return p.clone();
        }
        let me = self.clone();
        let done = Rc::new(Cell::new(false));
        let done2 = done.clone();
        let p = future_to_promise(async move {
            let r = me.do_refresh().await;
            done2.set(true);
            *me.refreshing.borrow_mut() = None;
            r.map(|()| JsValue::UNDEFINED)
                .map_err(|e| me.js_error(e, "accessToken"))
        });
        if !done.get() {
            *self.refreshing.borrow_mut() = Some(p.clone());
        }
        p
    }

    async fn do_refresh(self: &Rc<Self>) -> Result<(), Error> {
        const OP: &str = "accessToken";
        let gen = self.generation.get();
        // Another tab (or instance on the same storage) may have refreshed already.
        if let Some(stored) = self.load() {
            let held = self.tokens.borrow().access_token.clone();
            if stored.access_token.is_some()
                && stored.access_token != held
                && matches!(self.need(&stored), Need::Use { .. })
            {
                *self.tokens.borrow_mut() = stored;
                self.changed();
                return Ok(());
            }
        }
        let body = if let Some(provider) = &self.provider {
            let arg = to_js(&json!({"applicationId": self.app_id, "connection": self.connection}));
            let r = provider
                .call1(&JsValue::UNDEFINED, &arg)
                .map_err(|v| error_from_js(&v, OP, ErrorCode::Unauthorized))?;
            let v = JsFuture::from(Promise::resolve(&r))
                .await
                .map_err(|v| error_from_js(&v, OP, ErrorCode::Unauthorized))?;
            from_js(OP, "tokenProvider", &v)?
        } else {
            let (secret, refresh) = {
                let t = self.tokens.borrow();
                (self.secret.clone(), t.refresh_token.clone())
            };
            let Some(secret) = secret else {
                return Err(Error::new(
                    ErrorCode::NotSignedIn,
                    OP,
                    "minting an access token needs applicationSecret (or give a tokenProvider that asks your server)",
                ));
            };
            let spec =
                crate::auth::access_token(&self.app_id, &secret, &refresh.unwrap_or_default())?;
            self.send(spec, None, None).await?
        };
        let mut t = self.tokens.borrow().clone();
        apply_access_token(&mut t, &body, now())?;
        if self.generation.get() != gen {
            return Ok(());
        }
        *self.tokens.borrow_mut() = t;
        self.persist();
        self.changed();
        Ok(())
    }

    fn relocate(&self, endpoint: &str, op: &str) -> Result<(), Error> {
        let moved =
            apply_relocation(&mut self.tokens.borrow_mut(), endpoint, now()).map_err(|mut e| {
                e.operation = op.to_string();
                e
            })?;
        if moved {
            self.persist();
            self.changed();
        }
        Ok(())
    }

    fn report(&self, f: &Option<Function>, spec: &RequestSpec, u: &str, retry: u32, extra: Value) {
        if f.is_none() {
            return;
        }
        let mut v = json!({
            "method": spec.method.as_str(), "url": u, "retry": retry, "operation": spec.operation,
        });
        if let (Value::Object(m), Value::Object(x)) = (&mut v, extra) {
            m.extend(x);
        }
        notify(f, &to_js(&v));
    }

    /// Sends `spec` through tokens, retries, relocation and refresh; the 2xx body as JSON.
    pub async fn send(
        self: &Rc<Self>,
        spec: RequestSpec,
        form: Option<FormData>,
        signal: Option<AbortSignal>,
    ) -> Result<Value, Error> {
        let op = spec.operation;
        let mut attempt = Attempt::new(&spec);
        attempt.max_retries = self.max_retries;
        let mut retry = 0u32;
        loop {
            if is_aborted(signal.as_ref()) {
                return Err(aborted(op));
            }
            let (base, token) = match spec.base {
                Base::Endpoint => {
                    let (a, e) = self.access(op).await?;
                    attempt.endpoint_url = Some(e.clone());
                    (e, Some(a))
                }
                Base::Auth => (self.auth_url.clone(), None),
                Base::OAuth => (self.oauth_url.clone(), None),
            };
            let u = url(&base, &spec);
            take_turn(&self.limiter, signal.as_ref(), op).await?;
            self.report(&self.on_request, &spec, &u, retry, json!({}));
            let t0 = js_sys::Date::now();
            let (facts, ok_body) = self
                .attempt(&spec, &u, token.as_deref(), form.as_ref(), signal.as_ref())
                .await?;
            let status = match &facts {
                Facts::Response { status, .. } => *status,
                _ => 0,
            };
            self.report(
                &self.on_response,
                &spec,
                &u,
                retry,
                json!({"status": status, "timeMs": js_sys::Date::now() - t0}),
            );
            attempt.now_ms = now();
            attempt.jitter = js_sys::Math::random();
            let d = decide(&attempt, &facts);
            attempt.record(&d);
            retry = retry.saturating_add(1);
            match d {
                Decision::Accept => return parse_ok(op, ok_body.as_deref().unwrap_or("")),
                Decision::AcceptFrom(ep) => {
                    self.relocate(&ep, op)?;
                    return parse_ok(op, ok_body.as_deref().unwrap_or(""));
                }
                Decision::RefreshThenRetry => self.refresh(token.as_deref(), op).await?,
                Decision::Relocate(ep) => self.relocate(&ep, op)?,
                Decision::Wait { ms, .. } => sleep(ms, signal.as_ref(), op).await?,
                Decision::Fail(e) => return Err(e),
            }
        }
    }

    /// One fetch: the facts for the policy, and the body text of a 2xx.
    async fn attempt(
        &self,
        spec: &RequestSpec,
        u: &str,
        token: Option<&str>,
        form: Option<&FormData>,
        user: Option<&AbortSignal>,
    ) -> Result<(Facts, Option<String>), Error> {
        let op = spec.operation;
        let guard = AttemptSignal::new(self.timeout_ms, user);
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
        // fetch(url, init) makes the only `Request`; gloo-net reads the `Response`.
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
        init.set_redirect(RequestRedirect::Follow);
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
            Ok(Ok(r)) => gloo_net::http::Response::from(r),
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
            return Ok((Facts::Aborted, None));
        }
        let status = resp.status();
        let headers = resp.headers();
        let redirected_to = if resp.redirected() {
            Some(resp.url())
        } else if matches!(status, 307 | 308) {
            headers.get("location")
        } else {
            None
        };
        // Retry-After only matters to a refusal (`policy::decide` reads it for 408, 429 and 5xx).
        let ok = (200..300).contains(&status);
        let retry_after = if ok { None } else { headers.get("retry-after") };
        let text = match resp.text().await {
            Ok(t) => t,
            Err(_) => return Ok((classify(), None)),
        };
        if is_aborted(user) {
            return Ok((Facts::Aborted, None));
        }
        let facts = Facts::Response {
            status,
            retry_after,
            redirected_to,
            body: (!ok).then(|| text.clone()),
        };
        Ok((facts, ok.then_some(text)))
    }
}
