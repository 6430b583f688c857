//! The wasm-bindgen surface: the JS class `KaizalaClient`, `setErrorClass` and `errorCodes`.
//!
//! Every promise-returning method is one entry of the table in [`methods`]: the JS class calls them
//! through one export, `__call(index, args)` (the package's `api.js` makes a method of each name
//! `__methods()` lists), and the Rust API has a thin `pub fn` of the same entry (the wasm tests use
//! those). Each entry builds and validates its request before anything is sent (a refusal rejects
//! at once); every call then runs through the one shared path [`KaizalaClient::start`] →
//! [`methods::run`], which clones the shared state (concurrent calls never re-borrow the
//! instance), sends, and rejects with a `KaizalaError` whose `operation` is the method's JS name.
//!
//! **Adding a promise-returning method**: add one entry to `methods!` in `methods.rs` — its doc
//! comment, JS name, Rust name and arguments (the last one is the optional `{signal}`), and a
//! builder that reads the arguments (`c.str`, `c.opts`, `c.signal`) and returns `c.send(signal,
//! spec)` — then declare it in `pkg-template/kaizala.d.ts`. Nothing else: no `#[wasm_bindgen]`
//! attribute (each export costs size in the wasm and in both JS builds). Methods that answer
//! synchronously (`tokenInfo`, `authorizeUrl`, …) stay plain `#[wasm_bindgen]` methods. The
//! multi-request workflows (`importMembers`, …), named connections and the webhook receiver's
//! helpers are plain JS in the package (pkg-template/workflows.js, receivers.js).

mod fetch;
mod js;
mod methods;
mod session;
mod store;

use crate::error::{Error, ErrorCode};
use crate::tokens::{self, Tokens};
use crate::validate::is_http_url;
use crate::{auth, normalize};
pub(crate) use js::parse_json_text;
use js::{error_to_js, from_js, get, global, is_nullish, opt_str_arg, signal_of, str_arg};
use js_sys::{Array, Function, Promise};
use session::{now, Inner};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use store::Store;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Registers the class errors are made instances of (the npm package's `class KaizalaError
/// extends Error`), so `instanceof KaizalaError` and `instanceof Error` both hold.
#[wasm_bindgen(js_name = setErrorClass)]
pub fn set_error_class(cls: JsValue) {
    js::set_error_class(cls);
}

/// Every `code` a `KaizalaError` may carry.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<String> {
    js::CODES.iter().map(|c| c.as_str().to_string()).collect()
}

/// A client for one connection (connector + refresh token) of the Kaizala platform.
#[wasm_bindgen(js_name = KaizalaClient)]
pub struct KaizalaClient {
    inner: Rc<Inner>,
}

const CTOR: &str = "KaizalaClient";

/// The largest `maxResponseBytes` accepted (1 GiB; the wasm's memory ends at 4).
const MAX_RESPONSE_BYTES_LIMIT: f64 = 1_073_741_824.0;

fn opt_string(o: &JsValue, key: &str) -> Result<Option<String>, Error> {
    let v = get(o, key);
    if is_nullish(&v) {
        return Ok(None);
    }
    match v.as_string() {
        Some(s) if !s.trim().is_empty() => Ok(Some(s)),
        _ => Err(Error::invalid(CTOR, key, "must be a non-empty string")),
    }
}

fn opt_fn(o: &JsValue, key: &str) -> Result<Option<Function>, Error> {
    let v = get(o, key);
    if is_nullish(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|_| Error::invalid(CTOR, key, "must be a function"))
}

fn opt_number(o: &JsValue, key: &str, min: f64, max: f64) -> Result<Option<f64>, Error> {
    let v = get(o, key);
    if is_nullish(&v) {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(Error::invalid(
            CTOR,
            key,
            &format!(
                "must be a whole number from {} to {}",
                min as u64, max as u64
            ),
        )),
    }
}

fn url_option(o: &JsValue, key: &str, default: &str) -> Result<String, Error> {
    match opt_string(o, key)? {
        Some(u) if is_http_url(&u) => Ok(u),
        Some(_) => Err(Error::invalid(CTOR, key, "must be an absolute http(s) URL")),
        None => Ok(default.to_string()),
    }
}

/// 128 random bits as hex (Web Crypto when present, else `Math.random`).
fn random_state() -> String {
    let bytes = js_sys::Uint8Array::new_with_length(16);
    let crypto = get(&global(), "crypto");
    let filled = js::call_method(&crypto, "getRandomValues", &[bytes.clone().into()]).is_ok();
    let mut out = String::with_capacity(32);
    for i in 0..16 {
        let b = if filled {
            bytes.get_index(i)
        } else {
            (js_sys::Math::random() * 256.0) as u8
        };
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[wasm_bindgen(js_class = KaizalaClient)]
impl KaizalaClient {
    /// `new KaizalaClient({applicationId, applicationSecret?, refreshToken?, authUrl?, oauthUrl?,
    /// connection?, storage?, tokenProvider?, timeoutMs?, maxRetries?, maxResponseBytes?,
    /// onTokenChange?, onRequest?, onResponse?})`. Throws a KaizalaError (`invalid_input`) for bad options.
    ///
    /// Tokens already stored for the connection win over `refreshToken` (they may hold a rotated
    /// one); to switch to another refresh token call `logout()` first or use another `connection`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<KaizalaClient, JsValue> {
        Self::build(&options).map_err(|e| {
            let secret = get(&options, "applicationSecret").as_string();
            let refresh = get(&options, "refreshToken").as_string();
            let s: Vec<&str> = [secret.as_deref(), refresh.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            error_to_js(&e, &s)
        })
    }

    fn build(o: &JsValue) -> Result<KaizalaClient, Error> {
        if !o.is_object() {
            return Err(Error::invalid(
                CTOR,
                "options",
                "must be an object with at least applicationId",
            ));
        }
        let app_id = opt_string(o, "applicationId")?
            .ok_or_else(|| Error::invalid(CTOR, "applicationId", "is required"))?;
        let secret = opt_string(o, "applicationSecret")?;
        let refresh = opt_string(o, "refreshToken")?;
        let connection = opt_string(o, "connection")?.unwrap_or_else(|| "default".into());
        let auth_url = url_option(o, "authUrl", auth::DEFAULT_AUTH_URL)?;
        let oauth_url = url_option(o, "oauthUrl", auth::DEFAULT_OAUTH_URL)?;
        let store = Store::from_option(&get(o, "storage"))?;
        let provider = opt_fn(o, "tokenProvider")?;
        let timeout_ms = opt_number(o, "timeoutMs", 1.0, 3_600_000.0)?
            .map_or(crate::policy::DEFAULT_TIMEOUT_MS as u32, |n| n as u32);
        let max_retries = opt_number(o, "maxRetries", 0.0, 10.0)?
            .map_or(crate::policy::DEFAULT_MAX_RETRIES, |n| n as u32);
        let max_response_bytes = opt_number(o, "maxResponseBytes", 1.0, MAX_RESPONSE_BYTES_LIMIT)?
            .map_or(crate::policy::DEFAULT_MAX_RESPONSE_BYTES, |n| n as u64);
        let rate_limit = from_js(CTOR, "rateLimit", &get(o, "rateLimit"))?;
        let limiter = crate::throttling::parse_option(CTOR, Some(&rate_limit))?
            .map(|l| session::shared_limiter(&app_id, l));
        let key = tokens::storage_key(&app_id, &connection);
        let inner = Rc::new(Inner {
            tokens: RefCell::new(Tokens::new(&app_id, &connection)),
            retired: RefCell::new(Vec::new()),
            app_id,
            secret,
            connection,
            auth_url,
            oauth_url,
            key,
            store,
            provider,
            timeout_ms,
            max_retries,
            max_response_bytes,
            limiter,
            on_token_change: opt_fn(o, "onTokenChange")?,
            on_request: opt_fn(o, "onRequest")?,
            on_response: opt_fn(o, "onResponse")?,
            refreshing: RefCell::new(None),
            generation: Cell::new(0),
            listener: RefCell::new(None),
            marks: Default::default(),
        });
        let stored = inner.load();
        let live_refresh = stored.as_ref().is_some_and(|t| {
            t.refresh_token.as_deref().is_some_and(|r| !r.is_empty())
                && t.refresh_token_expiry.is_none_or(|e| e > now())
        });
        if let Some(t) = stored {
            *inner.tokens.borrow_mut() = t;
        }
        if let (Some(r), false) = (refresh, live_refresh) {
            tokens::set_refresh_token(&mut inner.tokens.borrow_mut(), &r, now());
            inner.persist();
        }
        let g = global();
        if inner.store.is_web() && get(&g, "addEventListener").is_function() {
            let weak = Rc::downgrade(&inner);
            let cb = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                if let Some(i) = weak.upgrade() {
                    i.on_storage_event(&ev);
                }
            });
            let f: &JsValue = cb.as_ref();
            let _ = js::call_method(
                &g,
                "addEventListener",
                &[JsValue::from_str("storage"), f.clone()],
            );
            *inner.listener.borrow_mut() = Some(cb);
        }
        Ok(KaizalaClient { inner })
    }

    fn reject(&self, e: Error, op: &str) -> Promise {
        Promise::reject(&self.inner.js_error(e, op))
    }

    /// The one path of every promise-returning method: builds the request of the method at `index`
    /// in [`methods::METHODS`] from `args` (a refusal rejects before any I/O), then sends it.
    #[inline(never)]
    fn start(&self, index: usize, args: &methods::Args) -> Promise {
        let Some(&(op, build)) = methods::METHODS.get(index) else {
            return self.reject(
                Error::new(ErrorCode::InvalidInput, "KaizalaClient", "no such method"),
                "KaizalaClient",
            );
        };
        let c = methods::Call {
            op,
            args,
            inner: &self.inner,
        };
        match build(&c) {
            Ok(p) => js::promise(Box::pin(methods::run(self.inner.clone(), op, p))),
            Err(e) => self.reject(e, op),
        }
    }

    /// The Rust side of a table method, by its JS name.
    fn invoke(&self, name: &str, given: &[JsValue]) -> Promise {
        let index = methods::METHODS
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or(usize::MAX);
        let mut args = methods::Args::default();
        for (slot, v) in args.iter_mut().zip(given) {
            *slot = v.clone();
        }
        self.start(index, &args)
    }

    /// `__call(index, args)`: the method `__methods()[index]` with the array `args` (what the
    /// package's class methods call).
    #[wasm_bindgen(js_name = __call)]
    pub fn call(&self, index: u32, args: Array) -> Promise {
        let mut a = methods::Args::default();
        // Only the arguments given are read (one crossing each); the rest stay `undefined`.
        let given = args.length() as usize;
        for (i, slot) in a.iter_mut().enumerate().take(given) {
            *slot = args.get(i as u32);
        }
        self.start(index as usize, &a)
    }

    /// `authorizeUrl(redirectUri, state?)` → the URL to send the browser to (OAuth step 1). A
    /// random `state` is made when none is given; it is stored (key + `":oauth"`) so it survives
    /// the redirect's page load and `completeAuthorization` can check it.
    #[wasm_bindgen(js_name = authorizeUrl)]
    pub fn authorize_url(&self, redirect_uri: JsValue, state: JsValue) -> Result<String, JsValue> {
        const OP: &str = "authorizeUrl";
        let r = (|| {
            let redirect = str_arg(OP, "redirectUri", &redirect_uri)?;
            let state = opt_str_arg(OP, "state", &state)?
                .filter(|s| !s.is_empty())
                .unwrap_or_else(random_state);
            let u = auth::authorize_url(
                &self.inner.oauth_url,
                &self.inner.app_id,
                &redirect,
                Some(&state),
            )?;
            self.inner.store.set(&self.inner.oauth_key(), &state);
            Ok::<_, Error>(u)
        })();
        r.map_err(|e| self.inner.js_error(e, OP))
    }

    /// `accessToken({signal}?)` → a valid access token (string), minted or refreshed as needed.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(&self, call: JsValue) -> Promise {
        const OP: &str = "accessToken";
        if let Err(e) = signal_of(OP, &[&call]) {
            return self.reject(e, OP);
        }
        let inner = self.inner.clone();
        js::promise(Box::pin(async move {
            match inner.access(OP).await {
                Ok((a, _)) => Ok(JsValue::from_str(&a)),
                Err(e) => Err(inner.js_error(e, OP)),
            }
        }))
    }

    /// `tokenInfo()` → `{connection, applicationId, endpointUrl, accessTokenExpiry,
    /// refreshTokenExpiry, scopes, hasRefreshToken, signedIn}` — never a token or the secret.
    #[wasm_bindgen(js_name = tokenInfo)]
    pub fn token_info(&self) -> JsValue {
        self.inner.token_info_js()
    }

    /// `logout()`: forgets this connection's tokens (memory and storage).
    pub fn logout(&self) {
        self.inner.logout();
    }

    /// `nextCursor(operation, page, previous?)` → the cursor of the page after `page` (a string),
    /// or `undefined` at the end. `operation`: listSubscribers, listActions, groupReactionSummary
    /// or reactionDetails (the option to pass it as: `cursor`, or `fromDate` for listActions).
    #[wasm_bindgen(js_name = nextCursor)]
    pub fn next_cursor(&self, operation: JsValue, page: JsValue, previous: JsValue) -> JsValue {
        let op = operation.as_string().unwrap_or_default();
        let Ok(page) = from_js("nextCursor", "page", &page) else {
            return JsValue::UNDEFINED;
        };
        let prev = previous.as_string();
        normalize::next_cursor(&op, &page, prev.as_deref())
            .map_or(JsValue::UNDEFINED, |c| JsValue::from_str(&c))
    }
}

/// The paged operations, for the package's iterators: `[operation, iterator, ids, itemsKey,
/// cursorOption, numericCursor]` each (see [`crate::operations::Paging`]).
#[wasm_bindgen(js_name = __paging)]
pub fn paging_table() -> JsValue {
    use crate::operations::{Cursor, Shape, OPERATIONS};
    let rows = Array::new();
    for o in OPERATIONS {
        if let (Some(p), Shape::Listing(items)) = (o.paging, o.shape) {
            let row = Array::new();
            row.push(&o.name.into());
            row.push(&p.iterator.into());
            row.push(&p.ids.into());
            row.push(&items.into());
            row.push(&p.param.into());
            row.push(&(p.cursor == Cursor::NewestSentAt).into());
            rows.push(&row);
        }
    }
    rows.into()
}

/// The webhook event types and object types the platform knows (`crate::webhooks`), for the
/// package's `parseWebhookEvent`: `"ActionCreated,…;Group,Action,ActionPackage"`.
#[wasm_bindgen(js_name = __webhookTypes)]
pub fn webhook_types() -> String {
    format!(
        "{};{}",
        crate::webhooks::EVENT_TYPES.join(","),
        crate::webhooks::OBJECT_TYPES.join(",")
    )
}

/// The JS names of the promise-returning methods, comma-separated, in `__call` index order.
#[wasm_bindgen(js_name = __methods)]
pub fn method_names() -> String {
    let names: Vec<&str> = methods::METHODS.iter().map(|(n, _)| *n).collect();
    names.join(",")
}
