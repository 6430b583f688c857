//! Subscribers of public groups (docs/platform.md#subscribers): adding, paging through and removing
//! them, and who of a listed set a message or action reaches.

use axum::extract::State;
use axum::routing::{post, put};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::input::{opt_array, opt_i64_or_default, opt_str, parse_object, JsonBody, RawBody};
use crate::paths::{GroupPath, Params};
use crate::shared::AppState;
use crate::state::{is_e164, Group, OrgRole};
use crate::table::Table;
use crate::world::World;

/// Largest (and default) page of `POST /groups/{groupId}/subscribers`.
const PAGE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/{groupId}/subscribers", post(list))
        .route("/groups/{groupId}/subscribers/add", put(add))
        .route("/groups/{groupId}/subscribers/remove", put(remove))
}

/// The group exists (404), the caller administers it (403), and it is a public group (400).
fn public_admin(w: &World, caller: &Caller, gid: &str) -> ApiResult<()> {
    let g = caller.admin_of(w, gid)?;
    if !g.is_public() {
        return Err(ApiError::bad_request(
            "subscribers belong to public groups (groupType ConnectGroup) only",
        ));
    }
    Ok(())
}

/// The `subscribers` array of an add/remove body (400 when absent, not an array, or empty).
fn subscriber_list(body: &Value) -> ApiResult<Vec<Value>> {
    let list = opt_array(body, &["subscribers"], "subscribers")?
        .ok_or_else(|| ApiError::missing("subscribers"))?;
    if list.is_empty() {
        return Err(ApiError::invalid(
            "subscribers",
            "must list at least one phone number",
        ));
    }
    Ok(list.clone())
}

/// Whom a message or action sent to listed `subscribers` of `g` reaches: the user ids of the listed
/// numbers that subscribe to it, and a `failedResult` entry `{subscriber, subscriberId, errorReason,
/// errorCode}` for each other (docs/platform.md, choice E2). `mobiles` are checked E.164 numbers in
/// the order sent. None reached is a 400 naming the first.
pub fn listed_recipients(
    w: &World,
    g: &Group,
    mobiles: &[String],
) -> ApiResult<(Vec<String>, Vec<Value>)> {
    let mut reached: Vec<String> = Vec::new();
    let mut failed: Vec<Value> = Vec::new();
    for m in mobiles {
        let uid = w.user_id_by_mobile(m);
        match uid.filter(|u| g.subscribers.contains_key(u)) {
            Some(u) => {
                if !reached.contains(&u) {
                    reached.push(u);
                }
            }
            None => failed.push(json!({
                "subscriber": m,
                "subscriberId": w.user_id_by_mobile(m),
                "errorReason": format!("{m} is not a subscriber of this group"),
                "errorCode": "NotASubscriber",
            })),
        }
    }
    if reached.is_empty() {
        let first = mobiles.first().cloned().unwrap_or_default();
        return Err(ApiError::invalid(
            "subscribers[0]",
            format!("{first} is not a subscriber of this group (none of the listed numbers is)"),
        ));
    }
    Ok((reached, failed))
}

/// The key a number is answered under: the string as sent (other JSON values as their text).
fn key_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn outcome(flag: &str, ok: bool, reason: Option<&str>) -> Value {
    let mut o = Map::new();
    o.insert(flag.into(), json!(ok));
    if let Some(r) = reason {
        o.insert("reason".into(), json!(r));
    }
    Value::Object(o)
}

/// The shared shape of add and remove: scope, a public group the caller administers, the
/// `subscribers` list, and one verdict per distinct entry under `flag` (`isAdded` / `isRemoved`):
/// a malformed number is refused by itself, a well-formed one goes to `apply`.
async fn change(
    state: &AppState,
    caller: &Caller,
    gid: &str,
    body: &Value,
    scope: &str,
    flag: &str,
    mut apply: impl FnMut(&mut World, &str, &str) -> Value,
) -> ApiResult<Json<Value>> {
    caller.need(scope)?;
    {
        let w = state.world();
        public_admin(&w, caller, gid)?;
    }
    let list = subscriber_list(body)?;
    let mut w = state.world();
    public_admin(&w, caller, gid)?;
    let mut result = Map::new();
    for item in &list {
        let key = key_of(item);
        if result.contains_key(&key) {
            continue;
        }
        let verdict = match item.as_str().filter(|s| is_e164(s)) {
            None => outcome(
                flag,
                false,
                Some("not an E.164 phone number (e.g. +911099999999)"),
            ),
            Some(mobile) => apply(&mut w, gid, mobile),
        };
        result.insert(key, verdict);
    }
    Ok(Json(json!({ "result": result })))
}

/// `PUT /groups/{groupId}/subscribers/add` {subscribers: [phone]} →
/// `{result: {"+91…": {isAdded: true}}}`.
///
/// Admins of a public group only. Each number is answered on its own: a malformed number or one that
/// already subscribes gets `{isAdded: false, reason}`, and the call still succeeds. Unknown numbers
/// become unprovisioned outside users. A number listed twice is answered once.
async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let scope = "groupmember.write";
    change(
        &state,
        &caller,
        &p.group_id,
        &body,
        scope,
        "isAdded",
        |w, gid, mobile| {
            let uid = w.ensure_user(mobile, OrgRole::External);
            match w.groups.get(gid) {
                Some(g) if g.subscribers.contains_key(&uid) => {
                    outcome("isAdded", false, Some("already a subscriber of this group"))
                }
                Some(_) => {
                    if let Some(g) = w.groups.get_mut_inner(gid) {
                        g.subscribers.insert(uid, ());
                    }
                    outcome("isAdded", true, None)
                }
                None => outcome("isAdded", false, Some("the group no longer exists")),
            }
        },
    )
    .await
}

/// `PUT /groups/{groupId}/subscribers/remove` {subscribers: [phone]} →
/// `{result: {"+91…": {isRemoved: true}}}`, with a reason where false (malformed, not a subscriber).
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let scope = "groupmember.remove";
    change(
        &state,
        &caller,
        &p.group_id,
        &body,
        scope,
        "isRemoved",
        |w, gid, mobile| {
            let uid = w.user_id_by_mobile(mobile).filter(|u| {
                w.groups
                    .get(gid)
                    .is_some_and(|g| g.subscribers.contains_key(u))
            });
            match uid {
                Some(uid) => {
                    if let Some(g) = w.groups.get_mut_inner(gid) {
                        g.subscribers.remove(&uid);
                    }
                    outcome("isRemoved", true, None)
                }
                None => outcome("isRemoved", false, Some("not a subscriber of this group")),
            }
        },
    )
    .await
}

/// The opaque paging cursor: base64url of `o:<index of the next subscriber>`.
fn encode_cursor(next: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("o:{next}"))
}

fn decode_cursor(c: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c.trim_end_matches('='))
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("o:")?.parse().ok()
}

/// `POST /groups/{groupId}/subscribers` {cursor?, count?} →
/// `{subscribers: [{id, mobileNumber, name, profilePic, isProvisioned}], cursor?}`.
///
/// A read, despite POST: subscriber lists are reports, so admins of the public group only. `count`
/// defaults to 50; above 50 it is taken as 50; 0 or less is a 400. `cursor` (from the previous page)
/// is present only when a next page exists; a cursor this emulator did not hand out is a 400. An
/// empty body reads the first page.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    RawBody(body): RawBody,
) -> ApiResult<Json<Value>> {
    caller.need("groupmember.read")?;
    let gid = p.group_id;
    {
        let w = state.world();
        public_admin(&w, &caller, &gid)?;
    }
    let body = if body.iter().all(|b| b.is_ascii_whitespace()) {
        json!({})
    } else {
        parse_object(&body)?
    };
    let count = match opt_i64_or_default(&body, &["count"], "count")? {
        None => PAGE,
        Some(n) if n <= 0 => return Err(ApiError::invalid("count", "must be at least 1")),
        Some(n) => n.min(PAGE),
    } as usize;
    let start = match opt_str(&body, &["cursor"], "cursor")? {
        None => 0,
        Some(c) if c.is_empty() => 0,
        Some(c) => decode_cursor(&c)
            .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor this call handed out"))?,
    };
    let w = state.world();
    public_admin(&w, &caller, &gid)?;
    let empty = Table::new();
    let subs = w.groups.get(&gid).map(|g| &g.subscribers).unwrap_or(&empty);
    let page: Vec<Value> = subs
        .keys()
        .skip(start)
        .take(count)
        .map(|id| {
            let u = w.users().get(id);
            json!({
                "id": id,
                "mobileNumber": u.map(|u| u.mobile.clone()).unwrap_or_default(),
                "name": u.map(|u| u.name.clone()).unwrap_or_default(),
                "profilePic": u.map(|u| u.profile_pic.clone()).unwrap_or_default(),
                "isProvisioned": u.is_some_and(|u| u.provisioned),
            })
        })
        .collect();
    let mut out = json!({ "subscribers": page });
    let next = start.saturating_add(count);
    if next < subs.len() {
        out["cursor"] = json!(encode_cursor(next));
    }
    Ok(Json(out))
}
