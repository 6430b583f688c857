//! Webhook events: building the envelope of docs/platform.md#event-envelope and queueing it on every
//! active webhook that listens.

use serde_json::{json, Value};

use crate::state::{new_id, PendingEvent};
use crate::world::World;

/// What an event is about: its group, and (for action events) the action and its package.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub group_id: &'a str,
    pub action_id: Option<&'a str>,
    pub package_id: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub fn group(group_id: &'a str) -> Self {
        Target {
            group_id,
            action_id: None,
            package_id: None,
        }
    }
}

/// Events a webhook holds while its callback is down; later ones are dropped (and counted) until it
/// catches up.
pub const MAX_QUEUE: usize = 1000;

/// Queues `event_type` with `data` on every active, unexpired webhook registered for the target's
/// group, action or action package and listening to that event type. Returns how many were queued;
/// the caller wakes the delivery task (`Shared::wake_webhooks`) once the world lock is released.
pub fn emit(
    w: &mut World,
    target: Target,
    event_type: &str,
    data: Value,
    from_user_id: &str,
) -> usize {
    emit_as(w, target, &[event_type], data, from_user_id)
}

/// `emit` of one event known by several names, most specific first (`PollCreated`, then
/// `ActionCreated`): each listening webhook gets it once, under the first name it subscribed to
/// (docs/platform.md, choice W2).
pub fn emit_as(
    w: &mut World,
    target: Target,
    names: &[&str],
    data: Value,
    from_user_id: &str,
) -> usize {
    let now = w.now();
    let event_id = new_id();
    let (from_mobile, from_name, from_pic) = w
        .users()
        .get(from_user_id)
        .map(|u| (u.mobile.clone(), u.name.clone(), u.profile_pic.clone()))
        .unwrap_or_default();
    let listening = w.webhooks.keys_where(|hook| {
        hook.active
            && hook.validity > now
            && hook.event_types.iter().any(|t| names.contains(&t.as_str()))
            && match hook.object_type.as_str() {
                "Group" => hook.object_id == target.group_id,
                "Action" => target.action_id == Some(hook.object_id.as_str()),
                "ActionPackage" => target.package_id == Some(hook.object_id.as_str()),
                _ => false,
            }
    });
    let mut queued = 0;
    for id in listening {
        let Some(hook) = w.webhooks.get_mut(&id) else {
            continue;
        };
        if hook.queue.len() >= MAX_QUEUE {
            hook.dropped = hook.dropped.saturating_add(1);
            if hook.dropped == 1 || hook.dropped.is_multiple_of(1000) {
                tracing::warn!(webhook = %hook.id, url = %hook.callback_url, dropped = hook.dropped,
                    "the webhook's queue holds {MAX_QUEUE} undelivered events; newer events are dropped");
            }
            continue;
        }
        let Some(event_type) = names
            .iter()
            .find(|n| hook.event_types.iter().any(|t| t == *n))
        else {
            continue;
        };
        let event = json!({
            "objectId": hook.object_id,
            "objectType": hook.object_type,
            "eventType": event_type,
            "eventId": event_id,
            "data": data,
            "context": hook.callback_context.clone().unwrap_or(Value::Null),
            "fromUser": from_mobile,
            "fromUserId": from_user_id,
            "fromUserName": from_name,
            "fromUserProfilePic": from_pic,
        });
        hook.queue.push_back(PendingEvent {
            event,
            failures: 0,
            next_at: now,
        });
        queued += 1;
    }
    queued
}
