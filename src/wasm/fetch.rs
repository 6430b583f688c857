//! One HTTP attempt and the waits between attempts, each one promise of `attempt.js` (fetch never
//! following a redirect, under its time-out and the caller's signal, the body read with a size
//! cap): the request built here, the answer read back as the policy's facts.

use crate::error::{Error, ErrorCode};
use crate::policy::{Facts, MAX_ERROR_BODY_BYTES};
use crate::request::{form_encode, header_value_ok, Base, Body, RequestSpec};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, FormData};

#[wasm_bindgen(module = "/src/wasm/attempt.js")]
extern "C" {
    /// `kaizalaAttempt(url, method, headers, token, type, text, form, noStore, timeoutMs, signal,
    /// cap, errorCap)`: the whole attempt, never rejecting; its outcome says how it ended. The
    /// request is built on the JS side, from one call's worth of arguments.
    #[wasm_bindgen(js_name = kaizalaAttempt)]
    #[allow(clippy::too_many_arguments)]
    fn attempt_js(
        url: &str,
        method: &str,
        headers: Option<&str>,
        token: Option<&str>,
        content_type: Option<&str>,
        text: Option<&str>,
        form: Option<&FormData>,
        no_store: bool,
        timeout_ms: u32,
        signal: Option<&AbortSignal>,
        cap: f64,
        error_cap: f64,
    ) -> Promise;
    /// What `kaizalaAttempt` resolves with.
    type Outcome;
    /// How the attempt ended (the constants of `attempt.js`).
    #[wasm_bindgen(method, getter)]
    fn k(this: &Outcome) -> u32;
    /// The answer, when one was read (`BODY`) or only its head matters (`HEADERS`).
    #[wasm_bindgen(method, getter)]
    fn r(this: &Outcome) -> Option<web_sys::Response>;
    /// The status of a 2xx (`OK`).
    #[wasm_bindgen(method, getter)]
    fn s(this: &Outcome) -> u16;
    /// The body text (`BODY`, `OK`), or why the request could not be made (`BUILD`).
    #[wasm_bindgen(method, getter)]
    fn t(this: &Outcome) -> Option<String>;
    /// The same text as the JS string it is (not copied).
    #[wasm_bindgen(method, getter, js_name = t)]
    fn t_js(this: &Outcome) -> JsValue;
    /// `kaizalaSleep(ms, signal)`: `true` after `ms`, `false` as soon as `signal` is aborted.
    #[wasm_bindgen(js_name = kaizalaSleep)]
    fn sleep_js(ms: f64, signal: Option<&AbortSignal>) -> Promise;
}

// The outcomes of `attempt.js`.
const BODY: u32 = 0;
const HEADERS: u32 = 1;
const TOO_LARGE: u32 = 2;
const ABORTED: u32 = 3;
const TIMEOUT: u32 = 4;
const NOT_A_RESPONSE: u32 = 6;
const BUILD: u32 = 7;
const HIDDEN: u32 = 8;
const OK: u32 = 9;

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
    let slept = JsFuture::from(sleep_js(ms as f64, signal)).await;
    match slept {
        Ok(v) if v.is_truthy() => Ok(()),
        _ => Err(aborted(op)),
    }
}

/// A 2xx body: the JS string `attempt.js` read, never copied into the wasm (`JSON.parse` reads it).
pub struct OkBody {
    pub js: JsValue,
}

impl OkBody {
    /// Nothing but white space, as `str::trim` counts it (an empty answer reads as `{}`). Asked
    /// only of a text `JSON.parse` refused, so copying it into the wasm costs the common answer
    /// nothing.
    pub fn is_blank(&self) -> bool {
        self.js.as_string().is_none_or(|s| s.trim().is_empty())
    }
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
pub async fn attempt(a: Attempt<'_>) -> Result<(Facts, Option<OkBody>), Error> {
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
    let held = spec.headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if let Some((name, _)) = held
        .chain(token.map(|t| ("accessToken", t)))
        .find(|(_, v)| !header_value_ok(v))
    {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            op,
            format!("the request could not be built: its {name} header holds a character no header may carry"),
        ));
    }
    // The headers the spec holds as `name\nvalue\n…` lines (no value holds a line break: checked
    // above); the names are the client's own.
    let mut lines = String::new();
    for (k, v) in &spec.headers {
        lines.push_str(k);
        lines.push('\n');
        lines.push_str(v);
        lines.push('\n');
    }
    let (content_type, text, form) = match (&spec.body, form) {
        (Body::Json(v), _) => (Some("application/json"), Some(crate::json_text(v)), None),
        (Body::Form(fields), _) => (
            Some("application/x-www-form-urlencoded"),
            Some(form_encode(fields)),
            None,
        ),
        (Body::Multipart { .. }, Some(f)) => (None, None, Some(f)),
        (Body::Multipart { .. }, None) => {
            return Err(Error::invalid(op, "data", "is required"));
        }
        (Body::None, _) => (None, None, None),
    };
    let cap = max_response_bytes as f64;
    let p = attempt_js(
        u,
        spec.method.as_str(),
        Some(lines.as_str()).filter(|l| !l.is_empty()),
        token,
        content_type,
        text.as_deref(),
        form,
        // Sign-in answers carry tokens: never kept in (or served from) an HTTP cache.
        spec.base != Base::Endpoint,
        timeout_ms,
        user,
        cap,
        MAX_ERROR_BODY_BYTES as f64,
    );
    let Ok(out) = JsFuture::from(p).await else {
        return Ok((Facts::NetworkError, None));
    };
    let out: Outcome = out.unchecked_into();
    let k = out.k();
    let resp = if matches!(k, BODY | HEADERS) {
        out.r()
    } else {
        None
    };
    let Some(resp) = resp else {
        return match k {
            TOO_LARGE => Ok((
                Facts::TooLarge {
                    limit: max_response_bytes,
                },
                None,
            )),
            ABORTED => Ok((Facts::Aborted, None)),
            HIDDEN => Ok((Facts::HiddenRedirect, None)),
            TIMEOUT => Ok((Facts::Timeout, None)),
            // A 2xx: its status is all the policy reads of it.
            OK => Ok((Facts::status(out.s()), Some(OkBody { js: out.t_js() }))),
            NOT_A_RESPONSE => Err(Error::new(
                ErrorCode::InvalidResponse,
                op,
                "fetch answered with something that is not a Response",
            )),
            BUILD => Err(Error::new(
                ErrorCode::InvalidInput,
                op,
                format!(
                    "the request could not be built: {}",
                    out.t().unwrap_or_default()
                ),
            )),
            _ => Ok((Facts::NetworkError, None)),
        };
    };
    Ok((facts_of(&resp.into(), &out), None))
}

/// An answer that is not a 2xx (those come without their Response) as the policy's facts. `out`
/// holds the body `attempt.js` read (none for a redirect).
fn facts_of(resp: &gloo_net::http::Response, out: &Outcome) -> Facts {
    let status = resp.status();
    let headers = resp.headers();
    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Facts::Response {
            status,
            retry_after: None,
            location: headers.get("location"),
            body: None,
        };
    }
    // Retry-After only matters to a refusal (`policy::decide` reads it for 408, 429 and 5xx).
    Facts::Response {
        status,
        retry_after: headers.get("retry-after"),
        location: None,
        body: Some(out.t().unwrap_or_default()),
    }
}
