//! Outgoing webhooks: registration with callback validation, who may see and manage them,
//! listing, update and removal (delivery is in `delivery`).

pub mod delivery;

use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::routing::{post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::input::{field, one_of, opt_array, opt_bool, opt_i64, opt_str, JsonBody, QueryMap};
use crate::paths::{Params, WebhookPath};
use crate::shared::AppState;
use crate::state::{random_token, Ms, Role, Webhook, DAY_MS, MAX_INSTANT};
use crate::world::World;

/// The event types of docs/platform.md#event-types: the thirteen of the connector pages in their
/// order, then the four the platform's exported requests also subscribe to (choice W2).
pub const EVENT_TYPES: &[&str] = &[
    "ActionCreated",
    "ActionResponse",
    "SurveyCreated",
    "JobCreated",
    "SurveyResponse",
    "JobResponse",
    "TextMessageCreated",
    "AttachmentCreated",
    "Announcement",
    "MemberAdded",
    "MemberRemoved",
    "GroupAdded",
    "GroupRemoved",
    "PollCreated",
    "PollResponse",
    "LetsMeetCreated",
    "LetsMeetResponse",
];

pub const OBJECT_TYPES: &[&str] = &["Group", "Action", "ActionPackage"];

/// Failed tries after which a webhook is disabled: the first try plus 6 retries (docs/platform.md#delivery).
pub const MAX_FAILURES: u32 = 7;

/// A registration without `validity` lasts two years (docs/platform.md#post-v1webhook--register).
pub const DEFAULT_VALIDITY_MS: Ms = 2 * 365 * DAY_MS;

/// The most of a callback's answer to the validation request that is read.
pub const VALIDATION_ANSWER_LIMIT: usize = 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhook", post(register).get(list))
        .route("/webhook/{webhookId}", put(update).delete(remove))
}

// ---------------------------------------------------------------------------------------------
// Reading the fields

fn object_type(body: &Value) -> ApiResult<Option<String>> {
    match opt_str(body, &["objectType", "ObjectType"], "objectType")? {
        None => Ok(None),
        Some(t) => check_object_type(&t).map(Some),
    }
}

fn check_object_type(t: &str) -> ApiResult<String> {
    one_of(t, OBJECT_TYPES).map(str::to_string).ok_or_else(|| {
        ApiError::invalid(
            "objectType",
            format!("'{t}' is not one of Group, Action, ActionPackage"),
        )
    })
}

fn object_id(body: &Value) -> ApiResult<Option<String>> {
    match opt_str(body, &["objectId", "ObjectId"], "objectId")? {
        Some(s) if s.trim().is_empty() => Err(ApiError::invalid("objectId", "must not be empty")),
        other => Ok(other),
    }
}

/// `eventTypes`: at least one, each one of `EVENT_TYPES`; repeats are dropped.
fn event_types(body: &Value) -> ApiResult<Option<Vec<String>>> {
    let Some(list) = opt_array(body, &["eventTypes", "EventTypes"], "eventTypes")? else {
        return Ok(None);
    };
    if list.is_empty() {
        return Err(ApiError::invalid(
            "eventTypes",
            "must list at least one event type",
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let name = format!("eventTypes[{i}]");
        let Value::String(s) = item else {
            return Err(ApiError::invalid(name, "must be an event type name"));
        };
        let Some(s) = one_of(s, EVENT_TYPES) else {
            return Err(ApiError::invalid(
                name,
                format!(
                    "'{s}' is not an event type (one of {})",
                    EVENT_TYPES.join(", ")
                ),
            ));
        };
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(Some(out))
}

/// `callBackUrl` (also read as the listing's `callbackUrl`, choice W1): an absolute http or https URL.
fn callback_url(body: &Value) -> ApiResult<Option<String>> {
    let Some(url) = opt_str(
        body,
        &["callBackUrl", "callbackUrl", "CallBackUrl"],
        "callBackUrl",
    )?
    else {
        return Ok(None);
    };
    let url = url.trim().to_string();
    let parsed = reqwest::Url::parse(&url).map_err(|e| {
        ApiError::invalid(
            "callBackUrl",
            format!("'{url}' is not an absolute URL ({e})"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ApiError::invalid(
            "callBackUrl",
            format!("'{url}' must be an http or https URL"),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::invalid(
            "callBackUrl",
            format!("'{url}' names no host"),
        ));
    }
    Ok(Some(url))
}

/// `callBackToken` (also `callbackToken`): sent back as a header, so it must be a valid header
/// value. An empty string means "no token".
fn callback_token(body: &Value) -> ApiResult<Option<Option<String>>> {
    let Some(t) = opt_str(
        body,
        &["callBackToken", "callbackToken", "CallBackToken"],
        "callBackToken",
    )?
    else {
        return Ok(None);
    };
    if t.is_empty() {
        return Ok(Some(None));
    }
    if HeaderValue::from_str(&t).is_err() || t.chars().any(|c| c.is_control()) {
        return Err(ApiError::invalid(
            "callBackToken",
            "must be printable text (it is sent back in the kz-callback-token header)",
        ));
    }
    Ok(Some(Some(t)))
}

fn callback_context(body: &Value) -> Option<Value> {
    field(
        body,
        &["callBackContext", "callbackContext", "CallBackContext"],
    )
    .cloned()
}

fn validity(body: &Value, now: Ms) -> ApiResult<Option<Ms>> {
    let v = opt_i64(body, &["validity", "Validity"], "validity")?;
    if let Some(v) = v {
        if v > MAX_INSTANT {
            return Err(ApiError::invalid(
                "validity",
                format!(
                    "{v} is beyond {} ({MAX_INSTANT}); it is an expiry time in epoch milliseconds",
                    crate::clock::iso(MAX_INSTANT)
                ),
            ));
        }
        if v <= now {
            return Err(ApiError::invalid(
                "validity",
                format!(
                    "{v} ({}) is in the past; it is an expiry time in epoch milliseconds",
                    crate::clock::iso(v)
                ),
            ));
        }
    }
    Ok(v)
}

/// The object must exist and the caller reach it: a group (its own), an action (its group), or
/// an action package (any id: packages are not stored by the emulator).
fn check_object(w: &World, caller: &Caller, object_type: &str, object_id: &str) -> ApiResult<()> {
    match object_type {
        "Group" => caller.reach(w, object_id).map(|_| ()),
        "Action" => {
            let a = w
                .actions
                .get(object_id)
                .ok_or_else(|| ApiError::not_found(format!("no action {object_id}")))?;
            caller.reach(w, &a.group_id).map(|_| ())
        }
        _ => Ok(()),
    }
}

fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}", ms / 1000)
    } else {
        format!("{:.1}", ms as f64 / 1000.0)
    }
}

/// `GET {callBackUrl}?validationToken=<random>` (docs/platform.md#post-v1webhook--register) must answer 2xx with the token as its body
/// (surrounding whitespace ignored) within the configured time. The world lock is not held here.
async fn validate_callback(state: &AppState, url: &str) -> ApiResult<()> {
    let token = random_token();
    let limit_ms = state.config.validation_timeout_ms;
    let refuse = |detail: String| {
        ApiError::invalid(
            "callBackUrl",
            format!(
                "the callback did not echo the validation token within {} s ({detail})",
                seconds(limit_ms)
            ),
        )
    };
    let mut target = reqwest::Url::parse(url).map_err(|e| refuse(e.to_string()))?;
    target
        .query_pairs_mut()
        .append_pair("validationToken", &token);
    let limit = Duration::from_millis(limit_ms);
    let attempt = async {
        let resp = state
            .http
            .get(target)
            .timeout(limit)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("it answered {status}"));
        }
        // The answer is read up to `VALIDATION_ANSWER_LIMIT` bytes: a token is 43.
        let mut resp = resp;
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
            if body.len() + chunk.len() > VALIDATION_ANSWER_LIMIT {
                return Err(format!(
                    "it answered more than {VALIDATION_ANSWER_LIMIT} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&body);
        if text.trim() != token {
            return Err("it answered 2xx without the token as its body".to_string());
        }
        Ok(())
    };
    match tokio::time::timeout(limit, attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(detail)) => Err(refuse(detail)),
        Err(_) => Err(refuse("no answer in time".to_string())),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        e.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// The calls

/// `POST /webhook` → `{webhookId}`, once the callback has echoed the validation token.
async fn register(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("webhook.write")?;
    let object_id = object_id(&body)?.ok_or_else(|| ApiError::missing("objectId"))?;
    let object_type = object_type(&body)?.ok_or_else(|| ApiError::missing("objectType"))?;
    let event_types = event_types(&body)?.ok_or_else(|| ApiError::missing("eventTypes"))?;
    let url = callback_url(&body)?.ok_or_else(|| ApiError::missing("callBackUrl"))?;
    let token = callback_token(&body)?.flatten();
    let context = callback_context(&body);
    {
        let w = state.world();
        check_object(&w, &caller, &object_type, &object_id)?;
        validity(&body, w.now())?;
    }
    validate_callback(&state, &url).await?;
    let id = {
        let mut w = state.world();
        // Checked again: the world may have changed while the callback was being validated.
        check_object(&w, &caller, &object_type, &object_id)?;
        // Unique and increasing, so the listing (oldest first) has one order.
        let created_at = w.instant();
        let validity =
            validity(&body, created_at)?.unwrap_or(created_at.saturating_add(DEFAULT_VALIDITY_MS));
        let id = crate::state::new_id();
        w.webhooks.insert(
            id.clone(),
            Webhook {
                id: id.clone(),
                application_id: caller.application_id.clone(),
                owner_id: caller.user_id.clone(),
                object_id,
                object_type,
                event_types,
                callback_url: url,
                callback_token: token,
                callback_context: context,
                // The registration takes no filters; listed as an empty list.
                filters: json!([]),
                created_at,
                validity,
                active: true,
                queue: Default::default(),
                delivered: 0,
                dropped: 0,
            },
        );
        id
    };
    delivery::ensure_task(&state, &id);
    Ok(Json(json!({ "webhookId": id })))
}

/// What a caller may do with a registered webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Not even know it exists (another connector's, or an object the caller does not reach).
    None,
    /// See it listed, without its `callbackToken`.
    See,
    /// Change or remove it, and see its `callbackToken`.
    Manage,
}

/// Who may see and manage a webhook. Seeing it takes what registering it took: the same connector,
/// and a token that reaches its object (the group, or the action's group). Managing it takes more,
/// because its `callbackToken` is the receiver's secret and its URL decides where the events go: the
/// user who registered it, or an admin of its object. A webhook on an action package (packages are
/// not stored, so anyone may register one) is seen and managed by whoever registered it and by an
/// organisation admin only.
pub fn access(w: &World, caller: &Caller, h: &Webhook) -> Access {
    if h.application_id != caller.application_id {
        return Access::None;
    }
    let own = h.owner_id == caller.user_id;
    let group = match h.object_type.as_str() {
        "Group" => Some(h.object_id.as_str()),
        "Action" => w.actions.get(&h.object_id).map(|a| a.group_id.as_str()),
        _ => None,
    };
    match group {
        Some(gid) => match caller.role_in(w, gid) {
            None => Access::None,
            Some(Role::Admin) => Access::Manage,
            Some(Role::Member) if own => Access::Manage,
            Some(Role::Member) => Access::See,
        },
        None if own || (caller.org_admin && caller.group_limit.is_none()) => Access::Manage,
        None => Access::None,
    }
}

/// A listed webhook, spelled as the connector page's sample and table (choice W1). `active` is false
/// when disabled or past its validity; `callbackToken` is there only for a caller who may manage the
/// webhook; `callBackContext` is the value registered (null when none was).
fn webhook_json(h: &Webhook, now: Ms, access: Access) -> Value {
    let mut v = json!({
        "id": h.id,
        "objectId": h.object_id,
        "objectType": h.object_type,
        "events": h.event_types,
        "filters": h.filters,
        "callbackUrl": h.callback_url,
        "callBackContext": h.callback_context.clone().unwrap_or(Value::Null),
        "ts": h.created_at,
        "validity": h.validity,
        "active": h.active && h.validity > now,
    });
    if access == Access::Manage {
        v["callbackToken"] = json!(h.callback_token);
    }
    v
}

/// `GET /webhook?objectId=&objectType=` → the caller's connector's webhooks that it may see
/// (`access`), oldest first.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("webhook.read")?;
    let object_id = q.get("objectId").filter(|s| !s.is_empty());
    let object_type = match q.get("objectType").filter(|s| !s.is_empty()) {
        Some(t) => Some(check_object_type(t)?),
        None => None,
    };
    let w = state.world();
    let now = w.now();
    let mut hooks: Vec<(&Webhook, Access)> = w
        .webhooks
        .values()
        .filter(|h| h.application_id == caller.application_id)
        .filter(|h| object_id.is_none_or(|o| *o == h.object_id))
        .filter(|h| object_type.as_ref().is_none_or(|t| *t == h.object_type))
        .map(|h| (h, access(&w, &caller, h)))
        .filter(|(_, a)| *a != Access::None)
        .collect();
    hooks.sort_by(|(a, _), (b, _)| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let list: Vec<Value> = hooks
        .iter()
        .map(|(h, a)| webhook_json(h, now, *a))
        .collect();
    Ok(Json(json!({ "webhooks": list })))
}

/// The webhook, when the caller may manage it: 404 when it may not even see it, 403 when it may
/// only see it.
fn owned<'w>(w: &'w World, caller: &Caller, id: &str) -> ApiResult<&'w Webhook> {
    let h = w
        .webhooks
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("no webhook {id}")))?;
    match access(w, caller, h) {
        Access::Manage => Ok(h),
        Access::See => Err(ApiError::forbidden(
            "only the user who registered this webhook, or an admin of its group, may change or remove it",
        )),
        Access::None => Err(ApiError::not_found(format!("no webhook {id}"))),
    }
}

/// `PUT /webhook/{webhookId}`: any subset of the registration fields, plus `Active` (or `active`).
/// A new callBackUrl is validated again. `Active: true` on a disabled webhook retries its oldest
/// pending event at once.
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<WebhookPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("webhook.update")?;
    let id = p.webhook_id;
    let new_object_id = object_id(&body)?;
    let new_object_type = object_type(&body)?;
    let new_events = event_types(&body)?;
    let new_url = callback_url(&body)?;
    let new_token = callback_token(&body)?;
    let new_context = callback_context(&body);
    let active = opt_bool(&body, &["Active", "active"], "Active")?;
    let target = |h: &Webhook| {
        (
            new_object_type
                .clone()
                .unwrap_or_else(|| h.object_type.clone()),
            new_object_id.clone().unwrap_or_else(|| h.object_id.clone()),
        )
    };
    let url_to_check = {
        let w = state.world();
        let h = owned(&w, &caller, &id)?;
        if new_object_id.is_some() || new_object_type.is_some() {
            let (ot, oi) = target(h);
            check_object(&w, &caller, &ot, &oi)?;
        }
        validity(&body, w.now())?;
        new_url.clone().filter(|u| *u != h.callback_url)
    };
    if let Some(url) = &url_to_check {
        validate_callback(&state, url).await?;
    }
    {
        let mut w = state.world();
        let now = w.now();
        let new_validity = validity(&body, now)?;
        let (ot, oi) = target(owned(&w, &caller, &id)?);
        if new_object_id.is_some() || new_object_type.is_some() {
            check_object(&w, &caller, &ot, &oi)?;
        }
        let h = w
            .webhooks
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("no webhook {id}")))?;
        h.object_type = ot;
        h.object_id = oi;
        if let Some(e) = new_events {
            h.event_types = e;
        }
        if let Some(u) = new_url {
            h.callback_url = u;
        }
        if let Some(t) = new_token {
            h.callback_token = t;
        }
        if let Some(c) = new_context {
            h.callback_context = Some(c);
        }
        if let Some(v) = new_validity {
            h.validity = v;
        }
        match active {
            Some(true) if !h.active => {
                h.active = true;
                if let Some(front) = h.queue.front_mut() {
                    front.failures = 0;
                    front.next_at = now;
                }
            }
            Some(false) => h.active = false,
            _ => {}
        }
    }
    state.wake_webhooks();
    Ok(Json(json!({ "result": true })))
}

/// `DELETE /webhook/{webhookId}` → `{result: true}`; its pending events go with it.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<WebhookPath>,
) -> ApiResult<Json<Value>> {
    caller.need("webhook.remove")?;
    let id = p.webhook_id;
    let mut w = state.world();
    owned(&w, &caller, &id)?;
    w.webhooks.remove(&id);
    Ok(Json(json!({ "result": true })))
}
