//! Reactions (docs/platform.md#reactions): likes and comments on messages and actions, their per-reference summaries and details, paged by cursor.

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::input::{one_of, opt_str, query_i64, req_str, JsonBody, QueryMap};
use crate::paths::{GroupPath, Params, ReferencePath};
use crate::shared::AppState;
use crate::state::{new_id, Ms, Reaction};
use crate::world::World;

/// Items per page of the cursor-paged reads.
const PAGE: usize = 20;
const TYPES: &[&str] = &["Like", "Comment"];
const MAX_COMMENT: usize = 4000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/{groupId}/reaction", post(react))
        // The static `summary` segment wins over `{referenceId}` in axum's router.
        .route("/groups/{groupId}/reaction/summary", get(summary_page))
        .route(
            "/groups/{groupId}/reaction/{referenceId}/summary",
            get(summary_one),
        )
        .route("/groups/{groupId}/reaction/{referenceId}", get(details))
}

/// Whether `a` and `b` are the same group or one lies below the other (content of a parent group is
/// seen, and reacted to, from its sub-groups).
fn related(w: &World, a: &str, b: &str) -> bool {
    crate::hierarchy::is_at_or_above(w, a, b) || crate::hierarchy::is_at_or_above(w, b, a)
}

/// 404 unless `reference_id` is a message or an action of `source`.
fn check_reference(w: &World, reference_id: &str, source: &str) -> ApiResult<()> {
    let found = w
        .messages
        .get(reference_id)
        .is_some_and(|m| m.group_id == source)
        || w.actions
            .get(reference_id)
            .is_some_and(|a| a.group_id == source);
    if found {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "no message or action {reference_id} in group {source}"
        )))
    }
}

/// The caller reaches `group_id`; `sourceGroupId` (default: the group itself) exists and is the group
/// or one related to it in the hierarchy.
fn source_group(
    w: &World,
    caller: &Caller,
    group_id: &str,
    given: Option<String>,
) -> ApiResult<String> {
    caller.reach(w, group_id)?;
    let source = given
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| group_id.to_string());
    if !w.groups.contains_key(&source) {
        return Err(ApiError::not_found(format!("no group {source}")));
    }
    if !related(w, group_id, &source) {
        return Err(ApiError::invalid(
            "sourceGroupId",
            "must be this group, or a group above or below it in its hierarchy",
        ));
    }
    Ok(source)
}

fn cursor(q: &QueryMap) -> ApiResult<Ms> {
    let c = query_i64(q, "cursor")?.unwrap_or(0);
    if c < 0 {
        return Err(ApiError::invalid("cursor", "must not be negative"));
    }
    Ok(c)
}

/// `POST /groups/{groupId}/reaction {referenceId, sourceGroupId, reactionType, comment?}` → `{reactionId}`.
/// A second Like by the same user on the same reference returns the first one's id; each Comment is new.
async fn react(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("reaction.write")?;
    let group_id = p.group_id;
    let reference_id = req_str(&body, &["referenceId"], "referenceId")?;
    let source_given = req_str(&body, &["sourceGroupId"], "sourceGroupId")?;
    let reaction_type = req_str(&body, &["reactionType"], "reactionType")?;
    let reaction_type = one_of(&reaction_type, TYPES).map_or(reaction_type, str::to_string);
    if !TYPES.contains(&reaction_type.as_str()) {
        return Err(ApiError::invalid(
            "reactionType",
            format!("'{reaction_type}' is not a reaction type; use Like or Comment"),
        ));
    }
    // A comment sent with a Like is ignored.
    let comment = if reaction_type == "Comment" {
        let c = req_str(&body, &["comment"], "comment")?;
        if c.chars().count() > MAX_COMMENT {
            return Err(ApiError::invalid(
                "comment",
                format!("must be at most {MAX_COMMENT} characters"),
            ));
        }
        Some(c)
    } else {
        opt_str(&body, &["comment"], "comment")?;
        None
    };
    let mut w = state.world();
    let source = source_group(&w, &caller, &group_id, Some(source_given))?;
    check_reference(&w, &reference_id, &source)?;
    if reaction_type == "Like" {
        let earlier = w.reactions.values().find(|r| {
            r.reaction_type == "Like"
                && r.group_id == group_id
                && r.source_group_id == source
                && r.reference_id == reference_id
                && r.user_id == caller.user_id
        });
        if let Some(r) = earlier {
            return Ok(Json(json!({ "reactionId": r.id })));
        }
    }
    let id = new_id();
    let last_modified = w.instant();
    w.reactions.insert(
        id.clone(),
        Reaction {
            id: id.clone(),
            group_id,
            source_group_id: source,
            reference_id,
            user_id: caller.user_id.clone(),
            reaction_type,
            comment,
            last_modified,
        },
    );
    Ok(Json(json!({ "reactionId": id })))
}

/// Reactions made in `group_id` to content of `source`.
fn in_group<'w>(
    w: &'w World,
    group_id: &'w str,
    source: &'w str,
) -> impl Iterator<Item = &'w Reaction> {
    w.reactions
        .values()
        .filter(move |r| r.group_id == group_id && r.source_group_id == source)
}

/// `{referenceId, reactionsCountMap: {like, comment}, lastModified}` (`lastModified` beyond the documented answer: the
/// cursor value of this entry).
fn summary_of(w: &World, group_id: &str, source: &str, reference_id: &str) -> Value {
    let mut like = 0;
    let mut comment = 0;
    let mut last = 0;
    for r in in_group(w, group_id, source).filter(|r| r.reference_id == reference_id) {
        if r.reaction_type == "Like" {
            like += 1;
        } else {
            comment += 1;
        }
        last = last.max(r.last_modified);
    }
    json!({
        "referenceId": reference_id,
        "reactionsCountMap": {"like": like, "comment": comment},
        "lastModified": last,
    })
}

/// `GET /groups/{groupId}/reaction/{referenceId}/summary?sourceGroupId=` → `{summary: [one entry]}`.
async fn summary_one(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ReferencePath>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("reaction.read")?;
    let group_id = p.group_id;
    let reference_id = p.reference_id;
    let w = state.world();
    let source = source_group(&w, &caller, &group_id, q.get("sourceGroupId").cloned())?;
    check_reference(&w, &reference_id, &source)?;
    Ok(Json(json!({
        "summary": [summary_of(&w, &group_id, &source, &reference_id)]
    })))
}

/// `GET /groups/{groupId}/reaction/summary?sourceGroupId=&cursor=` → `{cursor, summary}`: references
/// whose reactions changed after `cursor`, oldest change first, 20 a page; the answer's cursor is the
/// last entry's change time (the given cursor when the page is empty, so a client stops on an empty page).
async fn summary_page(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("reaction.read")?;
    let group_id = p.group_id;
    let after = cursor(&q)?;
    let w = state.world();
    let source = source_group(&w, &caller, &group_id, q.get("sourceGroupId").cloned())?;
    let mut latest: HashMap<&str, Ms> = HashMap::new();
    for r in in_group(&w, &group_id, &source) {
        let e = latest.entry(r.reference_id.as_str()).or_insert(0);
        *e = (*e).max(r.last_modified);
    }
    let mut changed: Vec<(&str, Ms)> = latest.into_iter().filter(|(_, t)| *t > after).collect();
    changed.sort_by_key(|(id, t)| (*t, *id));
    let page: Vec<(&str, Ms)> = changed.into_iter().take(PAGE).collect();
    let next = page.last().map(|(_, t)| *t).unwrap_or(after);
    let summary: Vec<Value> = page
        .iter()
        .map(|(id, _)| summary_of(&w, &group_id, &source, id))
        .collect();
    Ok(Json(json!({"cursor": next, "summary": summary})))
}

/// `GET /groups/{groupId}/reaction/{referenceId}?sourceGroupId=&reactionType=&cursor=` →
/// `{cursor, reactionDetails: [{reactionId, userId, lastModifiedTime, reactionType, comment?}]}`,
/// oldest first, 20 a page, cursor as for the summary.
async fn details(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ReferencePath>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("reaction.read")?;
    let group_id = p.group_id;
    let reference_id = p.reference_id;
    let after = cursor(&q)?;
    let kind = q
        .get("reactionType")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .map(|s| one_of(&s, TYPES).map_or(s, str::to_string));
    if let Some(k) = &kind {
        if !TYPES.contains(&k.as_str()) {
            return Err(ApiError::invalid(
                "reactionType",
                format!("'{k}' is not a reaction type; use Like or Comment"),
            ));
        }
    }
    let w = state.world();
    let source = source_group(&w, &caller, &group_id, q.get("sourceGroupId").cloned())?;
    check_reference(&w, &reference_id, &source)?;
    let mut found: Vec<&Reaction> = in_group(&w, &group_id, &source)
        .filter(|r| r.reference_id == reference_id && r.last_modified > after)
        .filter(|r| kind.as_ref().is_none_or(|k| &r.reaction_type == k))
        .collect();
    found.sort_by_key(|r| r.last_modified);
    let page: Vec<&Reaction> = found.into_iter().take(PAGE).collect();
    let next = page.last().map(|r| r.last_modified).unwrap_or(after);
    let details: Vec<Value> = page
        .iter()
        .map(|r| {
            let mut v = json!({
                "reactionId": r.id,
                "userId": r.user_id,
                "lastModifiedTime": r.last_modified,
                "reactionType": r.reaction_type,
            });
            if let Some(c) = &r.comment {
                v["comment"] = json!(c);
            }
            v
        })
        .collect();
    Ok(Json(json!({"cursor": next, "reactionDetails": details})))
}
