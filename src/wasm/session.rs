//! One client's shared state: held tokens, single-flight refresh, and the retry pipeline over [`fetch`] attempts.

use super::fetch::{self, aborted, is_aborted, sleep, OkBody};
use super::js::{
    call_method, error_from_js, error_to_js, from_js, get, global, notify, promise, read_answer,
    to_js, tree_of, Read,
};
use super::store::Store;
use crate::error::redact;
use crate::error::{Error, ErrorCode};
use crate::normalize::{check_kinds, check_shape};
use crate::policy::{after_remint, decide, Attempt, Decision, Facts};
use crate::request::{check_path, url, Base, Body, RequestSpec};
use crate::throttling::{Limiter, RateLimit};
use crate::tokens::{
    apply_access_token, apply_relocation, clear, from_storage, to_storage, token_info, token_state,
    TokenState, Tokens, DEFAULT_SKEW_MS,
};
use js_sys::{Function, Promise};
use serde_json::Value;
use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, FormData};

/// A connector's call queue.
pub type SharedLimiter = Rc<RefCell<Limiter>>;

/// Connector, calls, window.
type LimiterKey = (String, u32, i64);

thread_local! {
    /// One queue per connector and limit, shared by the clients in this JS realm.
    /// A page has a connector or two, so a list.
    static LIMITERS: RefCell<Vec<(LimiterKey, SharedLimiter)>> =
        const { RefCell::new(Vec::new()) };
}

/// The queue of calls for connector `app_id` under `limit`.
pub fn shared_limiter(app_id: &str, limit: RateLimit) -> SharedLimiter {
    LIMITERS.with(|m| {
        let key = (app_id.to_string(), limit.calls, limit.window_ms);
        let mut m = m.borrow_mut();
        if let Some((_, l)) = m.iter().find(|(k, _)| *k == key) {
            return l.clone();
        }
        let l = Rc::new(RefCell::new(Limiter::new(limit)));
        m.push((key, l.clone()));
        l
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
    /// The largest answer read (`maxResponseBytes`).
    pub max_response_bytes: u64,
    /// The connector's call queue (shared by every client of the connector with the same limit).
    pub limiter: Option<SharedLimiter>,
    pub on_token_change: Option<Function>,
    pub on_request: Option<Function>,
    pub on_response: Option<Function>,
    /// The in-memory copy (storage is read at start, before minting, and on `storage` events).
    pub tokens: RefCell<Tokens>,
    /// Tokens this client held before (replaced by a refresh, a rotation, a sign-in or a
    /// sign-out), newest last: a server may still echo one, so they are redacted too.
    pub retired: RefCell<Vec<String>>,
    /// The refresh in flight, awaited by every call that needs a token meanwhile.
    pub refreshing: RefCell<Option<Promise>>,
    /// Bumped by sign-in and sign-out, so a refresh that started before is not applied after.
    pub generation: Cell<u64>,
    /// The global `storage` listener (removed on drop).
    pub listener: RefCell<Option<StorageListener>>,
    /// Each set of [`crate::normalize::marks`] as one JS string, made on first use: the scan
    /// keeps its table by it, and the string is not built, copied out and hashed per answer.
    pub marks: [OnceCell<JsValue>; 3],
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

impl Inner {
    /// Every value that must never appear in an error message or a hook's payload: the secret,
    /// the tokens held now and those held before.
    pub fn secrets(&self) -> Vec<String> {
        let t = self.tokens.borrow();
        let mut out: Vec<String> = [
            self.secret.clone(),
            t.refresh_token.clone(),
            t.access_token.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect();
        out.extend(self.retired.borrow().iter().cloned());
        out
    }

    /// Replaces the held tokens, remembering the ones let go (see [`Inner::retired`]).
    pub fn set_tokens(&self, t: Tokens) {
        let old = self.tokens.replace(t);
        let mut retired = self.retired.borrow_mut();
        for gone in [old.access_token, old.refresh_token].into_iter().flatten() {
            if !gone.is_empty() && !retired.contains(&gone) {
                if retired.len() >= MAX_RETIRED {
                    retired.remove(0);
                }
                retired.push(gone);
            }
        }
    }

    /// `e` as the KaizalaError of the JS method `op`, redacted.
    pub fn js_error(&self, mut e: Error, op: &str) -> JsValue {
        e.operation = op.to_string();
        let secrets = self.secrets();
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        error_to_js(&e, &refs)
    }

    pub fn token_info_js(&self) -> JsValue {
        to_js(&token_info(&self.tokens.borrow(), now()).to_json())
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
        self.set_tokens(t);
        self.persist();
        self.changed();
    }

    /// Sign-out: forgets this connection's tokens here and in storage.
    pub fn logout(&self) {
        self.generation.set(self.generation.get().wrapping_add(1));
        let mut t = self.tokens.borrow().clone();
        clear(&mut t, now());
        self.set_tokens(t);
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

    /// A `storage` event from another tab: adopt its tokens for our key when they are newer
    /// (`updatedAt`) than the ones held, or its sign-out. An older entry (another tab writing
    /// what it read before, or an entry without `updatedAt`) is ignored.
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
                let mut t = self.tokens.borrow().clone();
                clear(&mut t, now());
                self.set_tokens(t);
            }
            Some(s) => match from_storage(&s, &self.app_id, &self.connection) {
                Some(t) if t.updated_at > self.tokens.borrow().updated_at => self.set_tokens(t),
                _ => return,
            },
        }
        self.changed();
    }

    /// The marks of `op`'s answers, as the JS string [`read_answer`] takes.
    fn marks_js(&self, op: &str) -> &JsValue {
        let k = crate::normalize::marks_kind(op).min(2);
        self.marks[k].get_or_init(|| crate::normalize::marks_of(k).into())
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
        self.access_within(op, 3).await
    }

    /// [`Inner::access`] with at most `rounds` refreshes. Past them a token that is still valid
    /// but close to expiry is used as it is; an expired one is an error.
    async fn access_within(
        self: &Rc<Self>,
        op: &str,
        rounds: u32,
    ) -> Result<(String, String), Error> {
        let mut left = rounds;
        loop {
            let need = {
                let t = self.tokens.borrow();
                match self.need(&t) {
                    Need::Refresh if left == 0 => match (&t.access_token, &t.endpoint_url) {
                        (Some(a), Some(e))
                            if t.access_token_expiry.is_none_or(|x| x > now()) =>
                        {
                            Need::Use {
                                access: a.clone(),
                                endpoint: e.clone(),
                            }
                        }
                        _ => {
                            return Err(Error::new(
                                ErrorCode::InvalidResponse,
                                op,
                                "a fresh access token was obtained but is already expired (check the clock or the token provider)",
                            ))
                        }
                    },
                    n => n,
                }
            };
            match need {
                Need::Use { access, endpoint } => return Ok((access, endpoint)),
                Need::NotSignedIn => return Err(self.not_signed_in(op)),
                Need::Refresh => {
                    left -= 1;
                    self.refresh(None, op).await?;
                }
            }
        }
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
        let p = promise(Box::pin(async move {
            let r = me.do_refresh().await;
            done2.set(true);
            *me.refreshing.borrow_mut() = None;
            r.map(|()| JsValue::UNDEFINED)
                .map_err(|e| me.js_error(e, "accessToken"))
        }));
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
            let newer = stored.updated_at > self.tokens.borrow().updated_at;
            if stored.access_token.is_some()
                && stored.access_token != held
                && newer
                && matches!(self.need(&stored), Need::Use { .. })
            {
                self.set_tokens(stored);
                self.changed();
                return Ok(());
            }
        }
        let body = if let Some(provider) = &self.provider {
            let arg = to_js(&crate::object(vec![
                ("applicationId", self.app_id.as_str().into()),
                ("connection", self.connection.as_str().into()),
            ]));
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
            self.send(spec, None, None).await?.into_value()
        };
        let mut t = self.tokens.borrow().clone();
        apply_access_token(&mut t, &body, now())?;
        if self.generation.get() != gen {
            return Ok(());
        }
        self.set_tokens(t);
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

    /// `answer`: the status and the time taken, for `onResponse`.
    fn report(
        &self,
        f: &Option<Function>,
        spec: &RequestSpec,
        u: &str,
        retry: u32,
        answer: Option<(u16, f64)>,
    ) {
        if f.is_none() {
            return;
        }
        // A URL carries no token the client put there, but an endpoint handed out or a caller's
        // query could: redacted like a message.
        let secrets = self.secrets();
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let mut fields = vec![
            ("method", spec.method.as_str().into()),
            ("url", redact(u, &refs).into()),
            ("retry", retry.into()),
            ("operation", spec.operation.into()),
        ];
        if let Some((status, ms)) = answer {
            fields.push(("status", status.into()));
            fields.push(("timeMs", ms.into()));
        }
        notify(f, &to_js(&crate::object(fields)));
    }

    /// Sends `spec` through tokens, retries, relocation and refresh; the 2xx body as JSON, of the
    /// shape the operation answers (see [`check_shape`]), and as the JS string it came as.
    ///
    /// Bounded whatever the servers do: at most 1 + `maxRetries` + 3 relocations + 1 (the
    /// retry after a refresh) requests for the call, one refresh after a 401 (plus a mint when
    /// no token is held), and, in browsers, one request for a fresh endpoint per relocation.
    pub async fn send(
        self: &Rc<Self>,
        spec: RequestSpec,
        form: Option<FormData>,
        signal: Option<AbortSignal>,
    ) -> Result<Answer, Error> {
        let op = spec.operation;
        check_path(op, "path", &spec.path)?;
        let mut attempt = Attempt::new(&spec);
        attempt.max_retries = self.max_retries;
        attempt.auth_url = Some(self.auth_url.clone());
        let mut retry = 0u32;
        // Refreshes the token lookup itself may make in this call (one; the 401 refresh and the
        // fresh endpoints of hidden redirects are the policy's).
        let mut lookups = 1u32;
        loop {
            if is_aborted(signal.as_ref()) {
                return Err(aborted(op));
            }
            let (base, token) = match spec.base {
                Base::Endpoint => {
                    let (a, held) = self.access_within(op, lookups).await?;
                    lookups = 0;
                    let e = attempt.relocated_to.clone().unwrap_or_else(|| held.clone());
                    attempt.held_endpoint = Some(held);
                    (e, Some(a))
                }
                Base::Auth => (self.auth_url.clone(), None),
                Base::OAuth => (self.oauth_url.clone(), None),
            };
            let u = url(&base, &spec);
            attempt.endpoint_url = Some(if spec.base == Base::Endpoint {
                base
            } else {
                u.clone()
            });
            take_turn(&self.limiter, signal.as_ref(), op).await?;
            self.report(&self.on_request, &spec, &u, retry, None);
            // Timed only for an onResponse hook.
            let t0 = self.on_response.as_ref().map(|_| js_sys::Date::now());
            let (mut facts, ok_body) = fetch::attempt(fetch::Attempt {
                spec: &spec,
                url: &u,
                token: token.as_deref(),
                form: form.as_ref(),
                signal: signal.as_ref(),
                timeout_ms: self.timeout_ms,
                max_response_bytes: self.max_response_bytes,
            })
            .await?;
            // An error answer's text is redacted before anything reads (and clips) it: every
            // secret this client holds or held, and those the request itself carried.
            if let Facts::Response {
                body: Some(text), ..
            } = &mut facts
            {
                let mut secrets = self.secrets();
                secrets.extend(spec_secrets(&spec));
                let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
                *text = redact(text, &refs);
            }
            let status = match &facts {
                Facts::Response { status, .. } => *status,
                _ => 0,
            };
            self.report(
                &self.on_response,
                &spec,
                &u,
                retry,
                t0.map(|t0| (status, js_sys::Date::now() - t0)),
            );
            // The common answer (a 2xx) does without both crossings.
            if !facts.is_success() {
                attempt.now_ms = now();
                attempt.jitter = js_sys::Math::random();
            }
            let d = decide(&attempt, &facts);
            attempt.record(&d);
            retry = retry.saturating_add(1);
            match d {
                Decision::Accept => return accepted(op, self.marks_js(op), ok_body),
                Decision::AcceptFrom(ep) => {
                    let v = accepted(op, self.marks_js(op), ok_body)?;
                    self.relocate(&ep, op)?;
                    return Ok(v);
                }
                Decision::RefreshThenRetry => self.refresh(token.as_deref(), op).await?,
                Decision::Remint => {
                    self.refresh(token.as_deref(), op).await?;
                    let fresh = self.tokens.borrow().endpoint_url.clone();
                    if let Some(e) = after_remint(&attempt, fresh.as_deref()) {
                        return Err(e);
                    }
                }
                Decision::Relocate(_) => {}
                Decision::Wait { ms, .. } => sleep(ms, signal.as_ref(), op).await?,
                Decision::Fail(e) => return Err(e),
            }
        }
    }
}

/// How many tokens let go are remembered for redaction.
const MAX_RETIRED: usize = 16;

/// The secrets a request itself carries (the connector secret and refresh token in headers, the
/// PIN, the OAuth code and client secret in the body): a server echoing one in its error text
/// must not put it in a message.
fn spec_secrets(spec: &RequestSpec) -> Vec<String> {
    let mut out: Vec<String> = spec
        .headers
        .iter()
        .filter(|(k, _)| k != "applicationId")
        .map(|(_, v)| v.clone())
        .collect();
    match &spec.body {
        Body::Form(fields) => out.extend(
            fields
                .iter()
                .filter(|(k, _)| k != "client_id")
                .map(|(_, v)| v.clone()),
        ),
        Body::Json(v) => {
            if let Some(pin) = v.get("pin") {
                out.push(match pin {
                    Value::String(p) => p.clone(),
                    other => crate::json_text(other),
                });
            }
        }
        _ => {}
    }
    out.retain(|s| !s.is_empty());
    out
}

/// A successful answer, of the shape the operation answers.
pub enum Answer {
    /// Nothing in it for the core to fold: the JS value `JSON.parse` read, handed back as it is.
    Clean(JsValue),
    /// The core's tree of it, and the JS value it was read from (none for an empty body, which
    /// reads as `{}`).
    Tree(Value, Option<JsValue>),
}

impl Answer {
    /// The answer as the core's tree.
    pub fn into_value(self) -> Value {
        match self {
            Answer::Tree(v, _) => v,
            // The scan already refused what the tree would.
            Answer::Clean(js) => tree_of(&js).unwrap_or_default(),
        }
    }
}

/// A 2xx body as the JSON value the operation answers: an empty body is `{}`, anything not
/// JSON or not of the operation's shape is `invalid_response`.
fn accepted(op: &str, marks: &JsValue, body: Option<OkBody>) -> Result<Answer, Error> {
    let empty = || {
        let value = Value::Object(Default::default());
        check_shape(op, &value)?;
        Ok(Answer::Tree(value, None))
    };
    let Some(b) = body else {
        return empty();
    };
    let items = crate::operations::items_key(op);
    // Read first: `JSON.parse` refuses a blank text, so only a refused one is checked for it.
    let Some(read) = read_answer(&b.js, marks, items.unwrap_or_default()) else {
        if b.is_blank() {
            return empty();
        }
        return Err(Error::new(
            ErrorCode::InvalidResponse,
            op,
            "the answer is not valid JSON",
        ));
    };
    Ok(match read {
        Read::Clean(js, top, listed) => {
            // The items key is the only one asked of a clean answer: `listSubGroups`'s bare
            // `groupId` is marked, so an answer with one is never clean.
            check_kinds(op, top, &|k| if Some(k) == items { listed } else { None })?;
            Answer::Clean(js)
        }
        Read::Tree(value, js) => {
            check_shape(op, &value)?;
            Answer::Tree(value, Some(js))
        }
    })
}
