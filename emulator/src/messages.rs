//! Text messages (docs/platform.md#messages): posting to a group or to a public group's subscribers, and (an emulator extension) listing them.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::clock::iso;
use crate::error::{ApiError, ApiResult};
use crate::events::{emit, Target};
use crate::input::{field, opt_bool, phones, query_i64, JsonBody, QueryMap};
use crate::paths::{GroupPath, Params};
use crate::shared::AppState;
use crate::state::{new_id, Message, Role};
use crate::subscribers::listed_recipients;

/// Longest message, in characters (not bytes).
pub const MAX_MESSAGE_CHARS: usize = 4000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/groups/{groupId}/messages", post(send).get(list))
}

/// `POST /groups/{groupId}/messages` {message, sendToAllSubscribers?, subscribers?: [phone]} →
/// `{referenceId, failedResult?}`.
///
/// Any member may post. `sendToAllSubscribers` (true) or a non-empty `subscribers` list sends the
/// message to subscribers instead: public groups only (400 elsewhere), and only by the group's admin
/// (403). Listed numbers that are not subscribers are reported in `failedResult` (choice E2 of
/// docs/platform.md); none a subscriber is a 400. With both, every subscriber gets it. Emits
/// TextMessageCreated {text}. Sending takes the text-message permission's read or write scope (S1).
async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need_any(&["textmessage.write", "textmessage.read"])?;
    let gid = p.group_id;
    {
        let w = state.world();
        caller.reach(&w, &gid)?;
    }
    let text = match field(&body, &["message", "Message"]) {
        None => return Err(ApiError::missing("message")),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(ApiError::invalid("message", "must not be empty"))
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::invalid("message", "must be a string")),
    };
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(ApiError::invalid(
            "message",
            format!("is {chars} characters long; at most {MAX_MESSAGE_CHARS} are allowed"),
        ));
    }
    let to_all =
        opt_bool(&body, &["sendToAllSubscribers"], "sendToAllSubscribers")?.unwrap_or(false);
    let listed = phones(&body, &["subscribers"], "subscribers", false)?;
    let mut failed: Vec<Value> = Vec::new();
    let (reference_id, events) = {
        let mut w = state.world();
        let (g, role) = caller.reach(&w, &gid)?;
        let mut recipients: Vec<String> = Vec::new();
        if to_all || !listed.is_empty() {
            if !g.is_public() {
                return Err(ApiError::invalid(
                    if to_all {
                        "sendToAllSubscribers"
                    } else {
                        "subscribers"
                    },
                    "only a public group (groupType ConnectGroup) has subscribers",
                ));
            }
            if role != Role::Admin {
                return Err(ApiError::forbidden(
                    "only the public group's admin may message its subscribers",
                ));
            }
            if to_all {
                recipients = g.subscribers.keys().cloned().collect();
            } else {
                (recipients, failed) = listed_recipients(&w, g, &listed)?;
            }
        }
        let reference_id = new_id();
        let sent_at = w.instant();
        w.messages.insert(
            reference_id.clone(),
            Message {
                reference_id: reference_id.clone(),
                group_id: gid.clone(),
                sender_id: caller.user_id.clone(),
                text: text.clone(),
                sent_at,
                recipients,
            },
        );
        let n = emit(
            &mut w,
            Target::group(&gid),
            "TextMessageCreated",
            json!({ "text": text }),
            &caller.user_id,
        );
        (reference_id, n)
    };
    if events > 0 {
        state.wake_webhooks();
    }
    let mut out = json!({ "referenceId": reference_id });
    if !failed.is_empty() {
        out["failedResult"] = json!(failed);
    }
    Ok(Json(out))
}

/// `GET /groups/{groupId}/messages?fromDate=<epoch ms>&count=<n>` →
/// `{messages: [{referenceId, text, sender, senderName, sentAt}], hasMore}`.
///
/// An emulator extension, not in the platform's spec, so a page can show what was sent. It pages
/// like the action listing: ascending by `sentAt` from `fromDate` (inclusive, default 0), `count`
/// default 30 (1..=100, else 400), `hasMore` when more remain; the next page starts at the last
/// `sentAt` + 1 ms. Any member may read it.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("textmessage.read")?;
    let gid = p.group_id;
    let from = query_i64(&q, "fromDate")?.unwrap_or(0);
    let count = query_i64(&q, "count")?.filter(|c| *c != 0).unwrap_or(30);
    if !(1..=100).contains(&count) {
        return Err(ApiError::invalid("count", "must be between 1 and 100"));
    }
    let w = state.world();
    caller.reach(&w, &gid)?;
    let mut found: Vec<&Message> = w
        .messages
        .values()
        .filter(|m| m.group_id == gid && m.sent_at >= from)
        .collect();
    found.sort_by_key(|m| m.sent_at);
    let has_more = found.len() > count as usize;
    let messages: Vec<Value> = found
        .into_iter()
        .take(count as usize)
        .map(|m| {
            json!({
                "referenceId": m.reference_id,
                "text": m.text,
                "sender": w.user_mobile(&m.sender_id),
                "senderName": w.user_name(&m.sender_id),
                "sentAt": iso(m.sent_at),
            })
        })
        .collect();
    Ok(Json(json!({ "messages": messages, "hasMore": has_more })))
}
