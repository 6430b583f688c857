//! The dev API under `/_emulator/`: the seed, the SMS outbox, relocation, the clock, faults, the request log, a webhook inbox, and token grants.

mod inbox;

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::{endpoint_url, origin_of};
use crate::clock::iso;
use crate::error::{ApiError, ApiResult};
use crate::faults::Fault;
use crate::input::{opt_bool, opt_i64, req_str, JsonBody};
use crate::paths::{ConnectorGroupPath, ConnectorPath, Params};
use crate::shared::AppState;
use crate::state::{
    new_id, random_token, Connector, LoggedRequest, OrgRole, RateLimit, TokenKind, ALL_SCOPES,
    MAX_ADVANCE_MS, MAX_INSTANT,
};
use crate::tokens::issue_refresh_token;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/seed", get(seed))
        .route("/export", get(export))
        .route("/sms", get(sms))
        .route("/relocate", post(relocate))
        .route("/clock", get(clock).post(advance_clock))
        .route(
            "/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/requests", get(requests).delete(clear_requests))
        .route(
            "/inbox/{name}",
            get(inbox::get).post(inbox::post).delete(inbox::clear),
        )
        .route("/userToken", post(user_token))
        .route("/grant", post(grant))
        .route("/duplicates", post(add_duplicates))
        .route("/connectors", post(add_connector))
        .route(
            "/connectors/{id}",
            put(set_connector).delete(delete_connector),
        )
        .route(
            "/connectors/{id}/groups/{groupId}",
            delete(remove_from_group),
        )
}

/// The demo tenant as JSON: what a developer needs to sign in.
async fn seed(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let origin = origin_of(&headers, &state.origin);
    let w = state.world();
    let demo = w.connectors.values().find(|c| c.name == "Demo connector");
    let role = |r: OrgRole| match r {
        OrgRole::OrgAdmin => "OrganisationAdmin",
        OrgRole::User => "User",
        OrgRole::External => "External",
        OrgRole::Bot => "Bot",
    };
    let users: Vec<Value> = w
        .users()
        .values()
        .filter(|u| matches!(u.org_role, OrgRole::OrgAdmin | OrgRole::User))
        .map(|u| {
            let admin_of: Vec<&str> = w
                .groups
                .values()
                .filter(|g| g.role_of(&u.id) == Some(crate::state::Role::Admin))
                .map(|g| g.name.as_str())
                .collect();
            let r = if u.org_role == OrgRole::OrgAdmin {
                "OrganisationAdmin"
            } else if !admin_of.is_empty() {
                "GroupAdmin"
            } else {
                role(u.org_role)
            };
            json!({"id": u.id, "mobileNumber": u.mobile, "name": u.name, "role": r, "adminOf": admin_of})
        })
        .collect();
    let groups: Vec<Value> = w
        .groups
        .values()
        .map(|g| {
            json!({
                "groupId": g.id, "groupName": g.name, "isPublic": g.is_public(),
                "groupType": g.group_type, "parentGroupIds": g.parents,
                "memberCount": g.members.len(), "subscriberCount": g.subscribers.len(),
            })
        })
        .collect();
    let connectors: Vec<Value> = w
        .connectors
        .values()
        .map(|c| {
            json!({"applicationId": c.id, "applicationSecret": c.secret, "name": c.name,
                   "active": c.active, "scopes": c.scopes})
        })
        .collect();
    let s = &w.seed;
    Json(json!({
        "tenant": {"tenantId": w.tenant.id, "name": w.tenant.name},
        "applicationId": demo.map(|c| c.id.clone()),
        "applicationSecret": demo.map(|c| c.secret.clone()),
        "authUrl": format!("{origin}/v1"),
        "oauthUrl": format!("{origin}/api/Oauth"),
        "endpointUrl": endpoint_url(&origin, crate::access::DEFAULT_REGION),
        "connectors": connectors,
        "users": users,
        "groups": groups,
        "mainGroupId": s.main_group_id,
        "publicGroupId": s.public_group_id,
        "groupRefreshToken": s.group_refresh_token,
        "groupTokenGroupId": s.group_token_group_id,
        "userRefreshToken": s.user_refresh_token,
        "userTokenMobileNumber": s.user_token_mobile,
        "limits": {
            "connectorCallsPerMinute": state.config.connector_limit,
            "tenantCallsPerMinute": state.config.tenant_limit,
        },
    }))
}

/// `GET /_emulator/export` → the whole world as a JSON snapshot (media included, base64), which
/// `--import FILE` starts from.
async fn export(State(state): State<AppState>) -> Response {
    let text = serde_json::to_vec(&*state.world());
    match text {
        Ok(t) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"kaizala-world.json\"",
                ),
            ],
            t,
        )
            .into_response(),
        Err(e) => {
            ApiError::bad_request(format!("the world could not be written: {e}")).into_response()
        }
    }
}

/// `GET /_emulator/sms?mobileNumber=…` → the PINs sent to that number, newest first.
async fn sms(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let mobile = q
        .get("mobileNumber")
        .map(|s| s.trim().to_string())
        .ok_or_else(|| ApiError::missing("mobileNumber"))?;
    let w = state.world();
    let messages: Vec<Value> = w
        .sms
        .values()
        .rev()
        .filter(|s| s.mobile == mobile)
        .map(|s| {
            json!({
                "mobileNumber": s.mobile, "pin": s.pin, "applicationId": s.application_id,
                "text": format!("{} is your Kaizala PIN. It expires in 10 minutes.", s.pin),
                "sentAt": s.sent_at, "used": s.used,
            })
        })
        .collect();
    Ok(Json(json!({ "messages": messages })))
}

/// `POST /_emulator/relocate {mobileNumber}` → the user's new endpoint URL; the old one answers 308.
async fn relocate(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let mobile = req_str(&body, &["mobileNumber"], "mobileNumber")?;
    let origin = origin_of(&headers, &state.origin);
    let (old, region) = {
        let mut w = state.world();
        let id = w
            .user_id_by_mobile(&mobile)
            .ok_or_else(|| ApiError::not_found(format!("no user {mobile}")))?;
        let region = format!("inc-{:03}", w.next_region);
        w.next_region = w
            .next_region
            .checked_add(1)
            .ok_or_else(|| ApiError::bad_request("no region is left to move the user to"))?;
        w.touch();
        let old = w
            .users()
            .get(&id)
            .map(|u| u.region.clone())
            .unwrap_or_default();
        if let Some(mut u) = w.user_mut(&id) {
            u.set_region(region.clone());
        }
        (old, region)
    };
    Ok(Json(json!({
        "mobileNumber": mobile,
        "previousEndpointUrl": endpoint_url(&origin, &old),
        "endpointUrl": endpoint_url(&origin, &region),
    })))
}

async fn clock(State(state): State<AppState>) -> Json<Value> {
    let w = state.world();
    Json(json!({"now": w.now(), "iso": iso(w.now()), "offsetMs": w.clock_offset_ms}))
}

/// `POST /_emulator/clock {advanceMs}` moves the emulator's clock forward.
async fn advance_clock(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let ms = opt_i64(&body, &["advanceMs"], "advanceMs")?
        .ok_or_else(|| ApiError::missing("advanceMs"))?;
    if ms < 0 {
        return Err(ApiError::invalid(
            "advanceMs",
            "the clock only moves forward",
        ));
    }
    if ms > MAX_ADVANCE_MS {
        return Err(ApiError::invalid(
            "advanceMs",
            format!("moves the clock at most {MAX_ADVANCE_MS} ms (100 years) at a time"),
        ));
    }
    let out = {
        let mut w = state.world();
        let past_end = w.now().checked_add(ms).is_none_or(|t| t > MAX_INSTANT);
        if past_end {
            return Err(ApiError::invalid(
                "advanceMs",
                format!(
                    "would move the clock past {}, its last instant",
                    iso(MAX_INSTANT)
                ),
            ));
        }
        w.clock_offset_ms = w.clock_offset_ms.saturating_add(ms);
        w.touch();
        json!({"now": w.now(), "iso": iso(w.now()), "offsetMs": w.clock_offset_ms})
    };
    state.wake_webhooks();
    Ok(Json(out))
}

/// The longest planned delay of a call.
const MAX_FAULT_DELAY_MS: u64 = 10 * 60 * 1000;

async fn list_faults(State(state): State<AppState>) -> Json<Value> {
    let f = state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Json(json!({ "faults": f }))
}

/// `POST /_emulator/faults` with one fault, or `{faults: [...]}`.
async fn add_faults(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let list: Vec<Value> = match body.get("faults") {
        Some(Value::Array(a)) => a.clone(),
        _ => vec![body],
    };
    let mut parsed = Vec::new();
    for (i, v) in list.into_iter().enumerate() {
        let f: Fault = serde_json::from_value(v)
            .map_err(|e| ApiError::invalid(format!("faults[{i}]"), e.to_string()))?;
        if f.path.is_empty() {
            return Err(ApiError::missing("path"));
        }
        if f.count == 0 {
            return Err(ApiError::invalid("count", "must be at least 1"));
        }
        if f.status.is_some_and(|s| !(100..=599).contains(&s)) {
            return Err(ApiError::invalid("status", "must be an HTTP status"));
        }
        if f.delay_ms.is_some_and(|ms| ms > MAX_FAULT_DELAY_MS) {
            return Err(ApiError::invalid(
                "delayMs",
                format!("must be at most {MAX_FAULT_DELAY_MS} (10 minutes)"),
            ));
        }
        parsed.push(f);
    }
    let n = parsed.len();
    state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(parsed);
    Ok(Json(json!({ "added": n })))
}

async fn clear_faults(State(state): State<AppState>) -> Json<Value> {
    state
        .faults
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    Json(json!({ "result": true }))
}

/// `GET /_emulator/requests` → the last `LOG_CAPACITY` platform calls received, in order.
async fn requests(State(state): State<AppState>) -> Json<Value> {
    let log: Vec<LoggedRequest> = state
        .log
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .cloned()
        .collect();
    Json(json!({ "requests": log }))
}

async fn clear_requests(State(state): State<AppState>) -> Json<Value> {
    state.log.lock().unwrap_or_else(|e| e.into_inner()).clear();
    Json(json!({ "result": true }))
}

/// `POST /_emulator/userToken {applicationId, mobileNumber}`: the user generates a user token for
/// the connector (what the portal did). A new one kills the previous one.
async fn user_token(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let app = req_str(&body, &["applicationId"], "applicationId")?;
    let mobile = req_str(&body, &["mobileNumber"], "mobileNumber")?;
    let out = {
        let mut w = state.world();
        let user = w
            .user_by_mobile(&mobile)
            .filter(|u| matches!(u.org_role, OrgRole::OrgAdmin | OrgRole::User))
            .map(|u| u.id.clone())
            .ok_or_else(|| ApiError::not_found(format!("no organisation user {mobile}")))?;
        let token = issue_refresh_token(&mut w, &app, TokenKind::User, &user)?;
        let exp = w.refresh_tokens.get(&token).map(|t| t.expires_at);
        json!({"refreshToken": token, "refreshTokenExpiry": exp})
    };
    Ok(Json(out))
}

/// `POST /_emulator/grant {applicationId, groupId, mobileNumber?}`: a group admin (by default the
/// group's first admin) grants the connector to the group — a group token.
async fn grant(State(state): State<AppState>, JsonBody(body): JsonBody) -> ApiResult<Json<Value>> {
    let app = req_str(&body, &["applicationId"], "applicationId")?;
    let group = req_str(&body, &["groupId"], "groupId")?;
    let mobile = body
        .get("mobileNumber")
        .and_then(Value::as_str)
        .map(str::to_string);
    let out = {
        let mut w = state.world();
        let g = w
            .groups
            .get(&group)
            .ok_or_else(|| ApiError::not_found(format!("no group {group}")))?;
        let admin = match &mobile {
            Some(m) => {
                let id = w
                    .user_id_by_mobile(m)
                    .ok_or_else(|| ApiError::not_found(format!("no user {m}")))?;
                if g.role_of(&id) != Some(crate::state::Role::Admin) {
                    return Err(ApiError::forbidden(
                        "only a group admin may grant a connector to the group",
                    ));
                }
                id
            }
            None => g
                .members
                .iter()
                .find(|(_, role)| **role == crate::state::Role::Admin)
                .map(|(id, _)| id.clone())
                .ok_or_else(|| ApiError::bad_request("the group has no admin"))?,
        };
        let token = issue_refresh_token(
            &mut w,
            &app,
            TokenKind::Group {
                group_id: group.clone(),
            },
            &admin,
        )?;
        let exp = w.refresh_tokens.get(&token).map(|t| t.expires_at);
        json!({"refreshToken": token, "refreshTokenExpiry": exp, "groupId": group})
    };
    Ok(Json(out))
}

/// `POST /_emulator/duplicates {count, webhookId?}`: the next `count` successful deliveries (to that
/// webhook, or to any) are sent once more, as when a receiver's answer is lost (at-least-once: docs/platform.md#delivery).
async fn add_duplicates(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let count = opt_i64(&body, &["count"], "count")?.unwrap_or(1);
    let count = u32::try_from(count)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| ApiError::invalid("count", "must be at least 1"))?;
    let key = match body.get("webhookId") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(id)) if state.world().webhooks.contains_key(id) => id.clone(),
        Some(Value::String(id)) => return Err(ApiError::not_found(format!("no webhook {id}"))),
        Some(_) => return Err(ApiError::invalid("webhookId", "must be a string")),
    };
    let mut d = state.duplicates.lock().unwrap_or_else(|e| e.into_inner());
    let n = d.entry(key).or_insert(0);
    *n = n.saturating_add(count);
    Ok(Json(json!({ "result": true })))
}

/// `POST /_emulator/connectors {name, scopes?, active?, rateLimit?: {calls, windowMs}}` → a new
/// connector's id and secret. `rateLimit` gives it a throttle of its own (tests of client-side
/// rate limiting that should not wait a minute).
async fn add_connector(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let name = req_str(&body, &["name"], "name")?;
    let scopes: Vec<String> = match body.get("scopes") {
        None | Some(Value::Null) => ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
        Some(Value::Array(a)) => {
            let mut out = Vec::new();
            for (i, s) in a.iter().enumerate() {
                match s.as_str() {
                    Some(s) if ALL_SCOPES.contains(&s) => out.push(s.to_string()),
                    _ => {
                        return Err(ApiError::invalid(
                            format!("scopes[{i}]"),
                            "is not a platform scope",
                        ))
                    }
                }
            }
            out
        }
        Some(_) => return Err(ApiError::invalid("scopes", "must be an array")),
    };
    let active = opt_bool(&body, &["active"], "active")?.unwrap_or(true);
    let rate_limit = match body.get("rateLimit") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let n = |k: &str| {
                v.get(k)
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| {
                        ApiError::invalid(format!("rateLimit.{k}"), "must be a whole number ≥ 1")
                    })
            };
            Some(RateLimit {
                calls: n("calls")?,
                window_ms: n("windowMs")?,
            })
        }
    };
    let c = Connector {
        id: new_id(),
        secret: random_token(),
        name,
        active,
        scopes,
        removed_from: Vec::new(),
        rate_limit,
    };
    let out = json!({"applicationId": c.id, "applicationSecret": c.secret, "name": c.name, "active": c.active, "scopes": c.scopes, "rateLimit": c.rate_limit});
    state.world().connectors.insert(c.id.clone(), c);
    Ok(Json(out))
}

/// `PUT /_emulator/connectors/{id} {active}`: activate or deactivate.
async fn set_connector(
    State(state): State<AppState>,
    Params(ConnectorPath { id }): Params<ConnectorPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let active = opt_bool(&body, &["active", "Active"], "active")?
        .ok_or_else(|| ApiError::missing("active"))?;
    {
        let mut w = state.world();
        let c = w
            .connectors
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("no connector {id}")))?;
        c.active = active;
        if active {
            c.removed_from.clear();
        }
    }
    Ok(Json(json!({ "result": true })))
}

/// `DELETE /_emulator/connectors/{id}`: deleting a connector kills all its tokens.
async fn delete_connector(
    State(state): State<AppState>,
    Params(ConnectorPath { id }): Params<ConnectorPath>,
) -> ApiResult<Json<Value>> {
    {
        let mut w = state.world();
        w.connectors
            .remove(&id)
            .ok_or_else(|| ApiError::not_found(format!("no connector {id}")))?;
        w.refresh_tokens.retain(|_, t| t.application_id != id);
        w.access_tokens.retain(|_, t| t.application_id != id);
    }
    Ok(Json(json!({ "result": true })))
}

/// `DELETE /_emulator/connectors/{id}/groups/{groupId}`: a group admin removes the connector from a
/// group; its group tokens there die, and a deactivated connector cannot come back until reactivated.
async fn remove_from_group(
    State(state): State<AppState>,
    Params(ConnectorGroupPath {
        id,
        group_id: group,
    }): Params<ConnectorGroupPath>,
) -> ApiResult<Json<Value>> {
    {
        let mut w = state.world();
        let c = w
            .connectors
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("no connector {id}")))?;
        if !c.active && !c.removed_from.contains(&group) {
            c.removed_from.push(group.clone());
        }
        let gid = group.clone();
        w.refresh_tokens.retain(|_, t| {
            !(t.application_id == id
                && t.kind
                    == TokenKind::Group {
                        group_id: gid.clone(),
                    })
        });
        w.access_tokens.retain(|_, t| {
            !(t.application_id == id && t.group_id.as_deref() == Some(group.as_str()))
        });
    }
    Ok(Json(json!({ "result": true })))
}
