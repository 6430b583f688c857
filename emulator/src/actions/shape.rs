//! What an action looks like from outside: its questions as `responseWithQuestions`, media entries, and the creation events of webhooks.

use serde_json::{json, Value};

use crate::events::{emit_as, Target};
use crate::resources::resolve;
use crate::state::Action;
use crate::world::World;

use super::*;

/// The questions an action asks, in the shape of `responseWithQuestions` (without answers): a poll's
/// question and choices, a meeting's Yes/No/Maybe, a survey's or package's own questions.
pub(super) fn questions_of(a: &Action) -> Vec<Value> {
    if is_package(a) || a.action_type == "Survey" {
        return a
            .body
            .get("questions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
    }
    match a.action_type.as_str() {
        "Poll" => {
            let options: Vec<Value> = choice_titles(a)
                .into_iter()
                .map(|t| json!({ "title": t }))
                .collect();
            vec![json!({
                "title": body_str(&a.body, "question"),
                "type": "SingleOption",
                "options": options,
                "isInvisible": false,
            })]
        }
        "LetsMeet" => vec![json!({
            "title": body_str(&a.body, "title"),
            "type": "SingleOption",
            "options": RSVP.iter().map(|t| json!({ "title": t })).collect::<Vec<_>>(),
            "isInvisible": false,
        })],
        _ => Vec::new(),
    }
}

pub(super) fn choice_titles(a: &Action) -> Vec<String> {
    a.body
        .get("choices")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("title").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn option_titles(q: &Value) -> Vec<&str> {
    q.get("options")
        .and_then(Value::as_array)
        .map(|os| {
            os.iter()
                .filter_map(|o| o.get("title").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

/// `[{title, type, options, answer, isInvisible}]`; with no questions (a package without any), one
/// untitled entry per answer. A picture or attachment answer is given as the event sample shows
/// one, `{mediaUrl, mediaFileName}` (a list of them for an `AttachmentList`).
pub(super) fn with_questions(
    w: &World,
    origin: &str,
    questions: &[Value],
    answers: Option<&Vec<Value>>,
) -> Vec<Value> {
    if questions.is_empty() {
        return answers
            .map(|a| {
                a.iter()
                    .map(|ans| json!({"title": "", "type": "", "options": [], "answer": ans, "isInvisible": false}))
                    .collect()
            })
            .unwrap_or_default();
    }
    let file = |v: &Value| -> Value {
        v.as_str()
            .and_then(|r| media_entry(w, origin, r))
            .unwrap_or_else(|| v.clone())
    };
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let t = q.get("type").and_then(Value::as_str).unwrap_or_default();
            let answer = answers
                .and_then(|a| a.get(i))
                .cloned()
                .unwrap_or(Value::Null);
            let answer = match (t, &answer) {
                ("Image", Value::String(_)) => file(&answer),
                ("AttachmentList", Value::Array(items)) => {
                    Value::Array(items.iter().map(file).collect())
                }
                _ => answer,
            };
            json!({
                "title": q.get("title").cloned().unwrap_or(json!("")),
                "type": q.get("type").cloned().unwrap_or(json!("")),
                "options": q.get("options").cloned().unwrap_or(json!([])),
                "answer": answer,
                "isInvisible": q.get("isInvisible").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

/// A file of an event's `media` list (our uploads and live-service resources alike).
pub(super) fn media_entry(w: &World, origin: &str, res: &str) -> Option<Value> {
    resolve(w, res).map(|r| json!({"mediaUrl": r.url(origin), "mediaFileName": r.file_name()}))
}

/// The names an action's creation or response event goes by, most specific first: a poll's and a
/// meeting's own (`PollCreated`, `LetsMeetResponse`…) before the generic one (choice W2).
pub(super) fn event_names(a: &Action, created: bool) -> &'static [&'static str] {
    match (a.action_type.as_str(), is_package(a), created) {
        ("Poll", false, true) => &["PollCreated", "ActionCreated"],
        ("Poll", false, false) => &["PollResponse", "ActionResponse"],
        ("LetsMeet", false, true) => &["LetsMeetCreated", "ActionCreated"],
        ("LetsMeet", false, false) => &["LetsMeetResponse", "ActionResponse"],
        ("Survey", false, true) => &["SurveyCreated"],
        ("Survey", false, false) => &["SurveyResponse"],
        (_, _, true) => &["ActionCreated"],
        (_, _, false) => &["ActionResponse"],
    }
}

pub(super) fn profile_pic(w: &World, user_id: &str) -> String {
    w.users()
        .get(user_id)
        .map(|u| u.profile_pic.clone())
        .unwrap_or_default()
}

pub(super) fn is_anonymous(a: &Action) -> bool {
    body_bool(&a.body, "isAnonymous")
}

/// Queues the creation event of a new action (not yet in `w.actions`; docs/platform.md#event-envelope).
/// Returns how many.
pub(super) fn emit_created(w: &mut World, a: &Action, origin: &str) -> usize {
    let target = Target {
        group_id: &a.group_id,
        action_id: Some(&a.id),
        package_id: a.package_id.as_deref(),
    };
    let t = a.action_type.as_str();
    let (names, data): (&[&str], Value) = if MEDIA_TYPES.contains(&t) && !is_package(a) {
        let media: Vec<Value> = media_entry(w, origin, body_str(&a.body, "mediaResource"))
            .into_iter()
            .collect();
        (
            &["AttachmentCreated"],
            json!({"media": media, "actionType": t, "caption": body_str(&a.body, "caption")}),
        )
    } else if t == "Announcement" && !is_package(a) {
        let media: Vec<Value> = a
            .body
            .get("mediaResources")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|r| media_entry(w, origin, r.as_str()?))
                    .collect()
            })
            .unwrap_or_default();
        (
            &["Announcement"],
            json!({"title": body_str(&a.body, "title"), "text": body_str(&a.body, "message"), "media": media}),
        )
    } else if t == "Job" && !is_package(a) {
        (
            &["JobCreated"],
            json!({
                "actionId": a.id,
                "groupId": a.group_id,
                "title": body_str(&a.body, "title"),
                // The posted dueDate is in hours; the event carries the instant it falls due, as the
                // event sample writes it (ISO 8601; choice W3).
                "dueDate": crate::clock::iso(job_due_at(a)),
                "assignedTo": a.body.get("assignedTo").cloned().unwrap_or(json!([])),
            }),
        )
    } else {
        let mut data = json!({
            "actionId": a.id,
            "groupId": a.group_id,
            "responseId": null,
            "isUpdateResponse": false,
            "responder": w.user_mobile(&a.sender_id),
            "responderName": w.user_name(&a.sender_id),
            "responderProfilePic": profile_pic(w, &a.sender_id),
            "isAnonymous": is_anonymous(a),
            "responseDetails": {"responseWithQuestions": with_questions(w, origin, &questions_of(a), None)},
            // Beyond the event schema, so a listener can tell a poll from a meeting or a package.
            "actionType": t,
        });
        if let Some(p) = &a.package_id {
            data["packageId"] = json!(p);
        }
        (event_names(a, true), data)
    };
    emit_as(w, target, names, data, &a.sender_id)
}
