//! The wasm-bindgen surface: the JS class `KaizalaClient`, `setErrorClass` and `errorCodes`.
//!
//! Every async method is a plain exported function that clones the shared state and returns a
//! `Promise` (so concurrent calls never re-borrow the instance), takes an optional last argument
//! `{signal}`, and rejects with a `KaizalaError` whose `operation` is the method's JS name.
//! Requests are built and validated by the core before anything is sent.

mod js;
mod session;
mod store;
mod workflows;

pub use workflows::{parse_webhook_event, verify_webhook, webhook_validation_token};

use crate::error::{Error, ErrorCode};
use crate::request::{Body, Method, RequestSpec};
use crate::tokens::{self, Tokens};
use crate::validate::is_http_url;
use crate::{
    actions, auth, groups, media, members, messages, normalize, reactions, subscribers, users,
    webhooks,
};
use js::{
    error_to_js, from_js, get, global, is_nullish, opt_str_arg, options_from_js, signal_of,
    str_arg, to_js,
};
use js_sys::{Function, Promise};
use serde_json::Value;
use session::{now, Inner};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use store::Store;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

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
            &format!("must be a whole number from {min} to {max}"),
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

/// `data` as a Blob of type `mime`: a Blob/File, ArrayBuffer or any ArrayBuffer view (Uint8Array,
/// Node Buffer).
fn to_blob(op: &str, data: &JsValue, mime: &str) -> Result<web_sys::Blob, Error> {
    let ok = data.is_instance_of::<web_sys::Blob>()
        || data.is_instance_of::<js_sys::ArrayBuffer>()
        || js_sys::ArrayBuffer::is_view(data);
    let bad = || {
        Error::invalid(
            op,
            "data",
            "must be a Blob, File, ArrayBuffer or Uint8Array",
        )
    };
    if !ok {
        return Err(bad());
    }
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    web_sys::Blob::new_with_blob_sequence_and_options(&js_sys::Array::of1(data), &bag)
        .map_err(|_| bad())
}

#[wasm_bindgen(js_class = KaizalaClient)]
impl KaizalaClient {
    /// `new KaizalaClient({applicationId, applicationSecret?, refreshToken?, authUrl?, oauthUrl?,
    /// connection?, storage?, tokenProvider?, timeoutMs?, maxRetries?, onTokenChange?, onRequest?,
    /// onResponse?})`. Throws a KaizalaError (`invalid_input`) for bad options.
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
        let rate_limit = from_js(CTOR, "rateLimit", &get(o, "rateLimit"))?;
        let limiter = crate::throttling::parse_option(CTOR, Some(&rate_limit))?
            .map(|l| session::shared_limiter(&app_id, l));
        let key = tokens::storage_key(&app_id, &connection);
        let inner = Rc::new(Inner {
            tokens: RefCell::new(Tokens::new(&app_id, &connection)),
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
            limiter,
            on_token_change: opt_fn(o, "onTokenChange")?,
            on_request: opt_fn(o, "onRequest")?,
            on_response: opt_fn(o, "onResponse")?,
            refreshing: RefCell::new(None),
            generation: Cell::new(0),
            listener: RefCell::new(None),
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

    /// Builds the request (refusals reject before any I/O), sends it, normalises the answer.
    fn run(
        &self,
        op: &'static str,
        sources: &[&JsValue],
        build: impl FnOnce() -> Result<RequestSpec, Error>,
    ) -> Promise {
        let prepared = signal_of(op, sources).and_then(|s| build().map(|spec| (spec, s)));
        let (spec, signal) = match prepared {
            Ok(x) => x,
            Err(e) => return self.reject(e, op),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            match inner.send(spec, None, signal).await {
                Ok(v) => Ok(to_js(&normalize::normalize_response(op, v))),
                Err(e) => Err(inner.js_error(e, op)),
            }
        })
    }

    // ---- sign-in -------------------------------------------------------------------------

    /// `generatePin(mobileNumber, {signal}?)` → `{}`; the platform texts a PIN to the number.
    #[wasm_bindgen(js_name = generatePin)]
    pub fn generate_pin(&self, mobile_number: JsValue, call: JsValue) -> Promise {
        const OP: &str = "generatePin";
        let app = self.inner.app_id.clone();
        self.run(OP, &[&call], || {
            auth::generate_pin(&app, &str_arg(OP, "mobileNumber", &mobile_number)?)
        })
    }

    /// `loginWithPin(mobileNumber, pin, {signal}?)` → `{grantedScope, scopes, refreshTokenExpiry}`;
    /// the refresh token is kept for this connection (never returned).
    #[wasm_bindgen(js_name = loginWithPin)]
    pub fn login_with_pin(&self, mobile_number: JsValue, pin: JsValue, call: JsValue) -> Promise {
        const OP: &str = "loginWithPin";
        let app = self.inner.app_id.clone();
        let prepared = signal_of(OP, &[&call]).and_then(|s| {
            let m = str_arg(OP, "mobileNumber", &mobile_number)?;
            let pin = from_js(OP, "pin", &pin)?;
            Ok((auth::login_with_pin(&app, &m, &pin)?, s))
        });
        let (spec, signal) = match prepared {
            Ok(x) => x,
            Err(e) => return self.reject(e, OP),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            let r = async {
                let body = inner.send(spec, None, signal).await?;
                let mut t = Tokens::new(&inner.app_id, &inner.connection);
                tokens::apply_login(&mut t, &body, now())?;
                let out = serde_json::json!({
                    "grantedScope": body.get("grantedScope").cloned().unwrap_or(Value::Null),
                    "scopes": t.scopes,
                    "refreshTokenExpiry": t.refresh_token_expiry,
                });
                inner.replace_tokens(t);
                Ok::<_, Error>(out)
            };
            r.await
                .map(|v| to_js(&v))
                .map_err(|e| inner.js_error(e, OP))
        })
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

    /// `completeAuthorization(codeOrRedirectUrl, {signal}?)` → tokenInfo. Checks the `state`
    /// stored by `authorizeUrl`, exchanges the code (needs `applicationSecret`), keeps the tokens.
    #[wasm_bindgen(js_name = completeAuthorization)]
    pub fn complete_authorization(&self, code_or_url: JsValue, call: JsValue) -> Promise {
        const OP: &str = "completeAuthorization";
        let inner = self.inner.clone();
        let prepared = signal_of(OP, &[&call]).and_then(|s| {
            let input = str_arg(OP, "codeOrRedirectUrl", &code_or_url)?;
            let expected = inner.store.get(&inner.oauth_key());
            let code = auth::parse_authorization_result(&input, expected.as_deref())?;
            let secret = inner.secret.clone().ok_or_else(|| {
                Error::new(
                    ErrorCode::NotSignedIn,
                    OP,
                    "exchanging the code needs applicationSecret (do it on your server and hand the page a tokenProvider)",
                )
            })?;
            Ok((auth::exchange_code(&inner.app_id, &secret, &code)?, s))
        });
        let (spec, signal) = match prepared {
            Ok(x) => x,
            Err(e) => return self.reject(e, OP),
        };
        future_to_promise(async move {
            let r = async {
                let body = inner.send(spec, None, signal).await?;
                let mut t = Tokens::new(&inner.app_id, &inner.connection);
                tokens::apply_access_token(&mut t, &body, now())?;
                inner.replace_tokens(t);
                inner.store.remove(&inner.oauth_key());
                Ok::<_, Error>(inner.token_info_js())
            };
            r.await.map_err(|e| inner.js_error(e, OP))
        })
    }

    /// `accessToken({signal}?)` → a valid access token (string), minted or refreshed as needed.
    #[wasm_bindgen(js_name = accessToken)]
    pub fn access_token(&self, call: JsValue) -> Promise {
        const OP: &str = "accessToken";
        if let Err(e) = signal_of(OP, &[&call]) {
            return self.reject(e, OP);
        }
        let inner = self.inner.clone();
        future_to_promise(async move {
            match inner.access(OP).await {
                Ok((a, _)) => Ok(JsValue::from_str(&a)),
                Err(e) => Err(inner.js_error(e, OP)),
            }
        })
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

    // ---- raw calls and paging ------------------------------------------------------------

    /// `request(method, path, {query?, body?, signal?})`: any call under `{endpointUrl}v1/` through
    /// the same token, retry and relocation pipeline. `path` is relative (`groups/g1/members`),
    /// already percent-encoded; POSTs are never re-sent after an unknown fate.
    pub fn request(&self, method: JsValue, path: JsValue, options: JsValue) -> Promise {
        const OP: &str = "request";
        self.run(OP, &[&options], || {
            let m = match str_arg(OP, "method", &method)?
                .to_ascii_uppercase()
                .as_str()
            {
                "GET" => Method::Get,
                "POST" => Method::Post,
                "PUT" => Method::Put,
                "DELETE" => Method::Delete,
                _ => {
                    return Err(Error::invalid(
                        OP,
                        "method",
                        "must be GET, POST, PUT or DELETE",
                    ))
                }
            };
            let p = str_arg(OP, "path", &path)?;
            if p.contains("://") || p.starts_with("//") || p.contains(['?', '#']) {
                return Err(Error::invalid(
                    OP,
                    "path",
                    "must be a path below {endpointUrl}v1/ (put parameters in query)",
                ));
            }
            let p = p.trim_start_matches('/');
            let p = p.strip_prefix("v1/").unwrap_or(p).to_string();
            let mut spec = RequestSpec::new(OP, m, p);
            match from_js(OP, "query", &get(&options, "query"))? {
                Value::Null => {}
                Value::Object(q) => {
                    for (k, v) in q {
                        let v = match v {
                            Value::String(s) => s,
                            Value::Null => continue,
                            Value::Number(_) | Value::Bool(_) => v.to_string(),
                            _ => {
                                return Err(Error::invalid(
                                    OP,
                                    &format!("query.{k}"),
                                    "must be a string, number or boolean",
                                ))
                            }
                        };
                        spec = spec.query(&k, v);
                    }
                }
                _ => return Err(Error::invalid(OP, "query", "must be an object")),
            }
            match from_js(OP, "body", &get(&options, "body"))? {
                Value::Null => {}
                b => spec = spec.json(b),
            }
            Ok(spec)
        })
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

    // ---- groups ---------------------------------------------------------------------------

    /// `createGroup({name, welcomeMessage, members?, groupType?}, {signal}?)` → `{groupName, groupId, membersAdded}`.
    #[wasm_bindgen(js_name = createGroup)]
    pub fn create_group(&self, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "createGroup";
        self.run(OP, &[&call, &options], || {
            groups::create_group(&options_from_js(OP, "options", &options)?)
        })
    }

    /// `listGroups({showDetail?, fetchAllGroups?}?, {signal}?)` → `{groups}`.
    #[wasm_bindgen(js_name = listGroups)]
    pub fn list_groups(&self, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "listGroups";
        self.run(OP, &[&call, &options], || {
            groups::list_groups(&options_from_js(OP, "options", &options)?)
        })
    }

    /// `getGroup(groupId, {signal}?)` → `{groups: [Group]}`.
    #[wasm_bindgen(js_name = getGroup)]
    pub fn get_group(&self, group_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "getGroup";
        self.run(OP, &[&call], || {
            groups::get_group(&str_arg(OP, "groupId", &group_id)?)
        })
    }

    /// `createSubGroup(groupId, {groupName, welcomeMessage, groupImageUrl?, members?, addUserToGroup?}, {signal}?)` → `{groupId, groupName}`.
    #[wasm_bindgen(js_name = createSubGroup)]
    pub fn create_sub_group(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "createSubGroup";
        self.run(OP, &[&call, &options], || {
            groups::create_sub_group(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "options", &options)?,
            )
        })
    }

    /// `addSubGroups(groupId, [groupId] | {subGroups}, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = addSubGroups)]
    pub fn add_sub_groups(&self, group_id: JsValue, sub_groups: JsValue, call: JsValue) -> Promise {
        const OP: &str = "addSubGroups";
        self.run(OP, &[&call], || {
            groups::add_sub_groups(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "subGroups", &sub_groups)?,
            )
        })
    }

    /// `listSubGroups(groupId, {fetchAllGroups?}?, {signal}?)` → the group with `subGroups`.
    #[wasm_bindgen(js_name = listSubGroups)]
    pub fn list_sub_groups(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "listSubGroups";
        self.run(OP, &[&call, &options], || {
            groups::list_sub_groups(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "options", &options)?,
            )
        })
    }

    /// `removeSubGroup(groupId, subGroupId, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = removeSubGroup)]
    pub fn remove_sub_group(
        &self,
        group_id: JsValue,
        sub_group_id: JsValue,
        call: JsValue,
    ) -> Promise {
        const OP: &str = "removeSubGroup";
        self.run(OP, &[&call], || {
            groups::remove_sub_group(
                &str_arg(OP, "groupId", &group_id)?,
                &str_arg(OP, "subGroupId", &sub_group_id)?,
            )
        })
    }

    // ---- members and subscribers ----------------------------------------------------------

    /// `addMembers(groupId, [phone] | {members}, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = addMembers)]
    pub fn add_members(&self, group_id: JsValue, members_: JsValue, call: JsValue) -> Promise {
        const OP: &str = "addMembers";
        self.run(OP, &[&call], || {
            members::add_members(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "members", &members_)?,
            )
        })
    }

    /// `listMembers(groupId, {signal}?)` → `{members: [{id, role, mobileNumber, isProvisioned}]}`.
    #[wasm_bindgen(js_name = listMembers)]
    pub fn list_members(&self, group_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "listMembers";
        self.run(OP, &[&call], || {
            members::list_members(&str_arg(OP, "groupId", &group_id)?)
        })
    }

    /// `removeMember(groupId, memberId, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = removeMember)]
    pub fn remove_member(&self, group_id: JsValue, member_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "removeMember";
        self.run(OP, &[&call], || {
            members::remove_member(
                &str_arg(OP, "groupId", &group_id)?,
                &str_arg(OP, "memberId", &member_id)?,
            )
        })
    }

    /// `addSubscribers(groupId, [phone] | {subscribers}, {signal}?)` → `{result: {phone: {isAdded}}}`.
    #[wasm_bindgen(js_name = addSubscribers)]
    pub fn add_subscribers(&self, group_id: JsValue, list: JsValue, call: JsValue) -> Promise {
        const OP: &str = "addSubscribers";
        self.run(OP, &[&call], || {
            subscribers::add_subscribers(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "subscribers", &list)?,
            )
        })
    }

    /// `listSubscribers(groupId, {cursor?, count?}?, {signal}?)` → `{subscribers, cursor?}`.
    #[wasm_bindgen(js_name = listSubscribers)]
    pub fn list_subscribers(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "listSubscribers";
        self.run(OP, &[&call, &options], || {
            subscribers::list_subscribers(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "options", &options)?,
            )
        })
    }

    /// `removeSubscribers(groupId, [phone] | {subscribers}, {signal}?)` → `{result: {phone: {isRemoved}}}`.
    #[wasm_bindgen(js_name = removeSubscribers)]
    pub fn remove_subscribers(&self, group_id: JsValue, list: JsValue, call: JsValue) -> Promise {
        const OP: &str = "removeSubscribers";
        self.run(OP, &[&call], || {
            subscribers::remove_subscribers(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "subscribers", &list)?,
            )
        })
    }

    // ---- messages and media ---------------------------------------------------------------

    /// `sendMessage(groupId, text | {message, sendToAllSubscribers?, subscribers?}, {signal}?)` → `{referenceId}`.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&self, group_id: JsValue, message: JsValue, call: JsValue) -> Promise {
        const OP: &str = "sendMessage";
        self.run(OP, &[&call, &message], || {
            messages::send_message(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "message", &message)?,
            )
        })
    }

    /// `listMessages(groupId, {fromDate?, count?}?, {signal}?)` → `{messages: [{referenceId, text,
    /// sender, senderName, sentAt}], hasMore}`. An emulator extension (`GET groups/{id}/messages`):
    /// the platform's reference has no message listing.
    #[wasm_bindgen(js_name = listMessages)]
    pub fn list_messages(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "listMessages";
        self.run(OP, &[&call, &options], || {
            messages::list_messages(
                &str_arg(OP, "groupId", &group_id)?,
                &options_from_js(OP, "options", &options)?,
            )
        })
    }

    /// `uploadMedia(data, {fileName, mimeType?}, {signal}?)` → `{mediaResource}`. `data`: Blob,
    /// File, ArrayBuffer, Uint8Array or Node Buffer; the type comes from the file name when not
    /// given; unsupported types are refused (`unsupported_media`) before upload.
    #[wasm_bindgen(js_name = uploadMedia)]
    pub fn upload_media(&self, data: JsValue, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "uploadMedia";
        let prepared = signal_of(OP, &[&call, &options]).and_then(|s| {
            let name = match get(&options, "fileName").as_string() {
                Some(n) if !n.trim().is_empty() => n,
                _ => return Err(Error::invalid(OP, "fileName", "is required")),
            };
            let mime = opt_str_arg(OP, "mimeType", &get(&options, "mimeType"))?;
            let spec = media::upload_media(&name, mime.as_deref())?;
            let Body::Multipart { mime_type, .. } = &spec.body else {
                return Err(Error::invalid(OP, "fileName", "could not be prepared"));
            };
            let blob = to_blob(OP, &data, mime_type)?;
            let form = web_sys::FormData::new().map_err(|_| {
                Error::new(
                    ErrorCode::InvalidInput,
                    OP,
                    "FormData is not available here",
                )
            })?;
            form.append_with_blob_and_filename("file", &blob, &name)
                .map_err(|_| Error::invalid(OP, "data", "could not be added to the form"))?;
            Ok((spec, form, s))
        });
        let (spec, form, signal) = match prepared {
            Ok(x) => x,
            Err(e) => return self.reject(e, OP),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            match inner.send(spec, Some(form), signal).await {
                Ok(v) => Ok(to_js(&normalize::normalize_response(OP, v))),
                Err(e) => Err(inner.js_error(e, OP)),
            }
        })
    }

    /// `uploadMediaFromUrl(url | {mediaUrl}, {signal}?)` → `{mediaResource}`.
    #[wasm_bindgen(js_name = uploadMediaFromUrl)]
    pub fn upload_media_from_url(&self, media_url: JsValue, call: JsValue) -> Promise {
        const OP: &str = "uploadMediaFromUrl";
        self.run(OP, &[&call, &media_url], || {
            media::upload_media_from_url(&options_from_js(OP, "mediaUrl", &media_url)?)
        })
    }

    // ---- actions --------------------------------------------------------------------------

    /// `postAction(groupId, {actionType | id, actionBody, subscribers?, sendToAllSubscribers?}, {signal}?)` → `{referenceId, actionId?}`.
    #[wasm_bindgen(js_name = postAction)]
    pub fn post_action(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with("postAction", actions::post_action, group_id, options, call)
    }

    /// `postJob(groupId, {title, assignedTo, dueDate?, …}, {signal}?)` → `{referenceId, actionId}`.
    #[wasm_bindgen(js_name = postJob)]
    pub fn post_job(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with("postJob", actions::post_job, group_id, options, call)
    }

    /// `postPoll(groupId, {question, choices, expiryInHours?, …}, {signal}?)` → `{referenceId, actionId}`.
    #[wasm_bindgen(js_name = postPoll)]
    pub fn post_poll(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with("postPoll", actions::post_poll, group_id, options, call)
    }

    /// `postSurvey(groupId, {title, questions, …}, {signal}?)` → `{referenceId, actionId}`.
    #[wasm_bindgen(js_name = postSurvey)]
    pub fn post_survey(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with("postSurvey", actions::post_survey, group_id, options, call)
    }

    /// `postLetsMeet(groupId, {title, startingTime, duration?, place?, …}, {signal}?)` → `{referenceId, actionId}`.
    #[wasm_bindgen(js_name = postLetsMeet)]
    pub fn post_lets_meet(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with(
            "postLetsMeet",
            actions::post_lets_meet,
            group_id,
            options,
            call,
        )
    }

    /// `postAnnouncement(groupId, {title, message, mediaResources?, …}, {signal}?)` → `{referenceId, actionId}`.
    #[wasm_bindgen(js_name = postAnnouncement)]
    pub fn post_announcement(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with(
            "postAnnouncement",
            actions::post_announcement,
            group_id,
            options,
            call,
        )
    }

    /// `postMedia(groupId, {mediaResource, caption?, actionType? | mimeType?}, {signal}?)` → `{referenceId, actionId}`.
    #[wasm_bindgen(js_name = postMedia)]
    pub fn post_media(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with("postMedia", actions::post_media, group_id, options, call)
    }

    fn post_with(
        &self,
        op: &'static str,
        f: fn(&str, &Value) -> Result<RequestSpec, Error>,
        group_id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        self.run(op, &[&call, &options], || {
            f(
                &str_arg(op, "groupId", &group_id)?,
                &options_from_js(op, "options", &options)?,
            )
        })
    }

    /// `postCustomAction(groupId, packageId, {title?, questions?, properties?, …}, {signal}?)` → `{referenceId, actionId}`.
    #[wasm_bindgen(js_name = postCustomAction)]
    pub fn post_custom_action(
        &self,
        group_id: JsValue,
        package_id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        const OP: &str = "postCustomAction";
        self.run(OP, &[&call, &options], || {
            actions::post_custom_action(
                &str_arg(OP, "groupId", &group_id)?,
                &str_arg(OP, "packageId", &package_id)?,
                &options_from_js(OP, "options", &options)?,
            )
        })
    }

    /// `listActions(groupId, {actionType?, fromDate?, count?}?, {signal}?)` → `{actions, hasMore}`.
    #[wasm_bindgen(js_name = listActions)]
    pub fn list_actions(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with(
            "listActions",
            actions::list_actions,
            group_id,
            options,
            call,
        )
    }

    /// `getAction(groupId, actionId, {getDetails?}?, {signal}?)` → `{actionType, actionDetails, sender, sentAt}`.
    #[wasm_bindgen(js_name = getAction)]
    pub fn get_action(
        &self,
        group_id: JsValue,
        action_id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        self.with_two(
            "getAction",
            actions::get_action,
            "actionId",
            group_id,
            action_id,
            options,
            call,
        )
    }

    /// `respondToAction(groupId, actionId, {actionType | id, responseId?, actionBody, questions?}, {signal}?)` → `{responseId}`.
    #[wasm_bindgen(js_name = respondToAction)]
    pub fn respond_to_action(
        &self,
        group_id: JsValue,
        action_id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        self.with_two(
            "respondToAction",
            actions::respond_to_action,
            "actionId",
            group_id,
            action_id,
            options,
            call,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn with_two(
        &self,
        op: &'static str,
        f: fn(&str, &str, &Value) -> Result<RequestSpec, Error>,
        second: &'static str,
        group_id: JsValue,
        id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        self.run(op, &[&call, &options], || {
            f(
                &str_arg(op, "groupId", &group_id)?,
                &str_arg(op, second, &id)?,
                &options_from_js(op, "options", &options)?,
            )
        })
    }

    // ---- reactions ------------------------------------------------------------------------

    /// `addReaction(groupId, {referenceId, reactionType, sourceGroupId?, comment?}, {signal}?)` → `{reactionId}`.
    #[wasm_bindgen(js_name = addReaction)]
    pub fn add_reaction(&self, group_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        self.post_with(
            "addReaction",
            reactions::add_reaction,
            group_id,
            options,
            call,
        )
    }

    /// `reactionSummary(groupId, referenceId, {sourceGroupId?}?, {signal}?)` → `{summary: [{referenceId, reactionsCountMap}]}`.
    #[wasm_bindgen(js_name = reactionSummary)]
    pub fn reaction_summary(
        &self,
        group_id: JsValue,
        reference_id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        self.with_two(
            "reactionSummary",
            reactions::reaction_summary,
            "referenceId",
            group_id,
            reference_id,
            options,
            call,
        )
    }

    /// `groupReactionSummary(groupId, {sourceGroupId?, cursor?}?, {signal}?)` → `{cursor, summary}`.
    #[wasm_bindgen(js_name = groupReactionSummary)]
    pub fn group_reaction_summary(
        &self,
        group_id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        self.post_with(
            "groupReactionSummary",
            reactions::group_reaction_summary,
            group_id,
            options,
            call,
        )
    }

    /// `reactionDetails(groupId, referenceId, {sourceGroupId?, reactionType?, cursor?}?, {signal}?)` → `{cursor, reactionDetails}`.
    #[wasm_bindgen(js_name = reactionDetails)]
    pub fn reaction_details(
        &self,
        group_id: JsValue,
        reference_id: JsValue,
        options: JsValue,
        call: JsValue,
    ) -> Promise {
        self.with_two(
            "reactionDetails",
            reactions::reaction_details,
            "referenceId",
            group_id,
            reference_id,
            options,
            call,
        )
    }

    // ---- webhooks -------------------------------------------------------------------------

    /// `createWebhook({objectId, objectType, eventTypes, callBackUrl, callBackToken?, callBackContext?, validity?}, {signal}?)` → `{webhookId}`.
    #[wasm_bindgen(js_name = createWebhook)]
    pub fn create_webhook(&self, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "createWebhook";
        self.run(OP, &[&call, &options], || {
            webhooks::create_webhook(&options_from_js(OP, "options", &options)?)
        })
    }

    /// `listWebhooks({objectId?, objectType?}?, {signal}?)` → `{webhooks}`.
    #[wasm_bindgen(js_name = listWebhooks)]
    pub fn list_webhooks(&self, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "listWebhooks";
        self.run(OP, &[&call, &options], || {
            webhooks::list_webhooks(&options_from_js(OP, "options", &options)?)
        })
    }

    /// `updateWebhook(webhookId, {…registration fields, active?}, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = updateWebhook)]
    pub fn update_webhook(&self, webhook_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "updateWebhook";
        self.run(OP, &[&call, &options], || {
            webhooks::update_webhook(
                &str_arg(OP, "webhookId", &webhook_id)?,
                &options_from_js(OP, "options", &options)?,
            )
        })
    }

    /// `deleteWebhook(webhookId, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = deleteWebhook)]
    pub fn delete_webhook(&self, webhook_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "deleteWebhook";
        self.run(OP, &[&call], || {
            webhooks::delete_webhook(&str_arg(OP, "webhookId", &webhook_id)?)
        })
    }

    // ---- users and bots -------------------------------------------------------------------

    /// `me({signal}?)` → `{id, mobileNumber, name, profilePic}`.
    pub fn me(&self, call: JsValue) -> Promise {
        self.run("me", &[&call], || Ok(users::me()))
    }

    /// `createBot({name, profilePic?}, {signal}?)` → `{botUserId, name, …}`.
    #[wasm_bindgen(js_name = createBot)]
    pub fn create_bot(&self, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "createBot";
        self.run(OP, &[&call, &options], || {
            users::create_bot(&options_from_js(OP, "options", &options)?)
        })
    }

    /// `listBots({signal}?)` → `{bots}`.
    #[wasm_bindgen(js_name = listBots)]
    pub fn list_bots(&self, call: JsValue) -> Promise {
        self.run("listBots", &[&call], || Ok(users::list_bots()))
    }

    /// `updateBot(botUserId, {name?, profilePic?}, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = updateBot)]
    pub fn update_bot(&self, bot_user_id: JsValue, options: JsValue, call: JsValue) -> Promise {
        const OP: &str = "updateBot";
        self.run(OP, &[&call, &options], || {
            users::update_bot(
                &str_arg(OP, "botUserId", &bot_user_id)?,
                &options_from_js(OP, "options", &options)?,
            )
        })
    }

    /// `deleteBot(botUserId, {signal}?)` → `{result}`.
    #[wasm_bindgen(js_name = deleteBot)]
    pub fn delete_bot(&self, bot_user_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "deleteBot";
        self.run(OP, &[&call], || {
            users::delete_bot(&str_arg(OP, "botUserId", &bot_user_id)?)
        })
    }

    /// `botAccessToken(botUserId, {signal}?)` → `{accessToken, endpointUrl, accessTokenExpiry, …}` for acting as the bot.
    #[wasm_bindgen(js_name = botAccessToken)]
    pub fn bot_access_token(&self, bot_user_id: JsValue, call: JsValue) -> Promise {
        const OP: &str = "botAccessToken";
        self.run(OP, &[&call], || {
            users::bot_access_token(&str_arg(OP, "botUserId", &bot_user_id)?)
        })
    }

    /// `addBotToGroup(groupId, botUserId, {signal}?)` → the platform's answer.
    #[wasm_bindgen(js_name = addBotToGroup)]
    pub fn add_bot_to_group(
        &self,
        group_id: JsValue,
        bot_user_id: JsValue,
        call: JsValue,
    ) -> Promise {
        const OP: &str = "addBotToGroup";
        self.run(OP, &[&call], || {
            users::add_bot_to_group(
                &str_arg(OP, "groupId", &group_id)?,
                &str_arg(OP, "botUserId", &bot_user_id)?,
            )
        })
    }
}
