//! Reading actions back: the listing, one action with its responses and results, and who may see them.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::access::Caller;
use crate::clock::iso;
use crate::error::{ApiError, ApiResult};
use crate::input::{query_flag, query_i64, QueryMap};
use crate::paths::{ActionPath, GroupPath, Params};
use crate::shared::AppState;
use crate::state::{Action, Role};
use crate::world::World;

use super::responses::first_answer;
use super::shape::{choice_titles, is_anonymous};
use super::summary::{job_progress, summary_body};
use super::*;

pub(super) fn listable(a: &Action) -> bool {
    is_package(a) || LISTABLE.contains(&a.action_type.as_str())
}

/// A listed action: `{referenceId, actionType, sender, sentAt, actionBody}` as the connector pages
/// show it, plus `actionId`, `senderName` and a package's `packageId`.
pub(super) fn listed(w: &World, a: &Action, origin: &str) -> Value {
    let mut v = json!({
        "referenceId": a.id,
        "actionId": a.id,
        "actionType": a.action_type,
        "sender": w.user_mobile(&a.sender_id),
        "senderName": w.user_name(&a.sender_id),
        "sentAt": iso(a.sent_at),
        "actionBody": summary_body(w, a, origin),
    });
    if let Some(p) = &a.package_id {
        v["packageId"] = json!(p);
    }
    v
}

/// `GET /groups/{groupId}/actions?actionType&fromDate&count`: ascending by sentAt from `fromDate`
/// (epoch ms, inclusive); the next page starts at the last sentAt + 1. A type that cannot be listed
/// lists nothing.
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("action.read")?;
    let group_id = p.group_id;
    let from = query_i64(&q, "fromDate")?.unwrap_or(0);
    // 0 is the same as none given (choice R6).
    let count = query_i64(&q, "count")?.filter(|c| *c != 0).unwrap_or(30);
    if !(1..=100).contains(&count) {
        return Err(ApiError::invalid("count", "must be between 1 and 100"));
    }
    // Built-in types in any case, in the documents' spelling (`job` is `Job`); a package id as sent.
    let filter = q
        .get("actionType")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .map(|s| builtin_type(&s).map_or(s, str::to_string));
    let w = state.world();
    caller.reach(&w, &group_id)?;
    let mut found: Vec<&Action> = w
        .actions
        .values()
        .filter(|a| a.group_id == group_id && listable(a) && a.sent_at >= from)
        .filter(|a| filter.as_ref().is_none_or(|t| &a.action_type == t))
        .collect();
    found.sort_by_key(|a| a.sent_at);
    let has_more = found.len() > count as usize;
    let actions: Vec<Value> = found
        .iter()
        .take(count as usize)
        .map(|a| listed(&w, a, &caller.origin))
        .collect();
    Ok(Json(json!({"actions": actions, "hasMore": has_more})))
}

/// The action in that group, 404 otherwise; the caller must reach the group or be one of its recipients.
pub(super) fn find_action<'w>(
    w: &'w World,
    caller: &Caller,
    group_id: &str,
    action_id: &str,
) -> ApiResult<(&'w Action, Option<Role>)> {
    if !w.groups.contains_key(group_id) {
        return Err(ApiError::not_found(format!("no group {group_id}")));
    }
    let a = w
        .actions
        .get(action_id)
        .filter(|a| a.group_id == group_id)
        .ok_or_else(|| ApiError::not_found(format!("no action {action_id} in group {group_id}")))?;
    match caller.reach(w, group_id) {
        Ok((_, role)) => Ok((a, Some(role))),
        Err(_) if caller.group_limit.is_none() && a.recipients.contains(&caller.user_id) => {
            Ok((a, None))
        }
        Err(e) => Err(e),
    }
}

/// `GET /groups/{groupId}/actions/{actionId}?getDetails` → `{actionType, actionDetails, sender,
/// sentAt}` (plus `referenceId`, `actionId`, `senderName`, `packageId`). `actionDetails` is the
/// listing's summary with, for a job, `status`; with `getDetails`, also `responses`, a poll's or
/// meeting's `results` and a job's `assignees`. A survey, poll or meeting with `isSenderOnly` shows
/// other people's responses to its sender and admins only.
pub(super) async fn details(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ActionPath>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("action.read")?;
    let group_id = p.group_id;
    let action_id = p.action_id;
    let with = query_flag(&q, "getDetails")?;
    let w = state.world();
    let (a, role) = find_action(&w, &caller, &group_id, &action_id)?;
    if !listable(a) {
        return Err(ApiError::invalid(
            "actionId",
            format!(
                "{} actions cannot be read back; only {} and custom packages",
                a.action_type,
                LISTABLE.join(", ")
            ),
        ));
    }
    let mut d = summary_body(&w, a, &caller.origin);
    let job = a.action_type == "Job" && !is_package(a);
    if job {
        d["status"] = d["isCompleted"].clone();
    }
    if with {
        drill_down(&w, a, role, &caller, &mut d);
    }
    let mut out = json!({
        "referenceId": a.id,
        "actionId": a.id,
        "actionType": a.action_type,
        "actionDetails": d,
        "sender": w.user_mobile(&a.sender_id),
        "senderName": w.user_name(&a.sender_id),
        "sentAt": iso(a.sent_at),
    });
    if let Some(pid) = &a.package_id {
        out["packageId"] = json!(pid);
    }
    Ok(Json(out))
}

/// What `getDetails` adds to `actionDetails`: the responses the caller may see, a poll's or
/// meeting's tally, a job's assignees with their state.
fn drill_down(w: &World, a: &Action, role: Option<Role>, caller: &Caller, d: &mut Value) {
    let sees_all = !body_bool(&a.body, "isSenderOnly")
        || a.sender_id == caller.user_id
        || role == Some(Role::Admin);
    let anonymous = is_anonymous(a);
    let responses: Vec<Value> = a
        .responses
        .values()
        .filter(|r| sees_all || r.responder_id == caller.user_id)
        .map(|r| {
            let mut v = match &r.body {
                Value::Object(m) => Value::Object(m.clone()),
                other => json!({ "response": other }),
            };
            v["responseId"] = json!(r.id);
            if anonymous {
                if let Some(m) = v.as_object_mut() {
                    m.remove("responder");
                    m.remove("responderName");
                }
            } else {
                v["responder"] = json!(w.user_mobile(&r.responder_id));
                v["responderName"] = json!(w.user_name(&r.responder_id));
            }
            v["responseTime"] = json!(iso(r.updated_at));
            v
        })
        .collect();
    d["responses"] = json!(responses);
    let tally = |titles: Vec<String>| -> Value {
        let rows: Vec<Value> = titles
            .iter()
            .map(|t| {
                let n = a
                    .responses
                    .values()
                    .filter(|r| first_answer(&r.body) == Some(t.as_str()))
                    .count();
                json!({"title": t, "count": n})
            })
            .collect();
        json!(rows)
    };
    if is_package(a) {
        return;
    }
    match a.action_type.as_str() {
        "Poll" => d["results"] = tally(choice_titles(a)),
        "LetsMeet" => d["results"] = tally(RSVP.iter().map(|s| s.to_string()).collect()),
        "Job" => {
            let (assigned, _) = job_progress(w, a);
            let assignees: Vec<Value> = assigned
                .iter()
                .map(|mobile| {
                    let uid = w.user_id_by_mobile(mobile).unwrap_or_default();
                    let resp = a.responses.values().find(|r| r.responder_id == uid);
                    let done = resp.is_some_and(|r| body_bool(&r.body, "isCompleted"));
                    let mut v = json!({
                        "assignee": mobile,
                        "assigneeName": w.user_name(&uid),
                        "isCompleted": done,
                    });
                    if let Some(r) = resp {
                        v["responseId"] = json!(r.id);
                        v["responseTime"] = json!(iso(r.updated_at));
                    }
                    v
                })
                .collect();
            d["assignees"] = json!(assignees);
        }
        _ => {}
    }
}
