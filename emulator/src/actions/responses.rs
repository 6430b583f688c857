//! Responding to an action: a job's completion, a poll's or meeting's answer, a survey's or package's answers, and their events.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::access::Caller;
use crate::clock::iso;
use crate::error::{ApiError, ApiResult};
use crate::events::{emit, emit_as, Target};
use crate::input::{field, opt_array, opt_bool, opt_str, req_object, JsonBody};
use crate::paths::{ActionPath, Params};
use crate::shared::AppState;
use crate::state::{new_id, ActionResponse};
use crate::world::World;

use super::read::find_action;
use super::shape::{
    choice_titles, event_names, is_anonymous, option_titles, profile_pic, questions_of,
    with_questions,
};
use super::validate::{check_media, location};
use super::*;

pub(super) fn first_answer(body: &Value) -> Option<&str> {
    field(body, &["answers", "Answers"])
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
}

/// One string answer from a listed set (a poll choice or Yes/No/Maybe).
pub(super) fn single_choice(body: &Value, allowed: &[String]) -> ApiResult<Value> {
    let path = at("answers");
    let list =
        opt_array(body, &["answers", "Answers"], &path)?.ok_or_else(|| ApiError::missing(&path))?;
    if list.len() != 1 {
        return Err(ApiError::invalid(&path, "must hold exactly one answer"));
    }
    let p0 = format!("{path}[0]");
    let ans = list
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid(&p0, "must be a string"))?;
    if !allowed.iter().any(|c| c == ans) {
        return Err(ApiError::invalid(
            &p0,
            format!("'{ans}' is not one of {}", allowed.join(", ")),
        ));
    }
    Ok(json!({ "answers": [ans] }))
}

/// A survey's or package's response: one answer per question, by index, of the question's type.
pub(super) fn survey_answers(w: &World, questions: &[Value], body: &Value) -> ApiResult<Value> {
    let path = at("answers");
    let list =
        opt_array(body, &["answers", "Answers"], &path)?.ok_or_else(|| ApiError::missing(&path))?;
    if !questions.is_empty() && list.len() != questions.len() {
        return Err(ApiError::invalid(
            &path,
            format!(
                "must hold one answer per question: {} expected, {} given",
                questions.len(),
                list.len()
            ),
        ));
    }
    for (i, (q, ans)) in questions.iter().zip(list.iter()).enumerate() {
        let p = format!("{path}[{i}]");
        let t = q.get("type").and_then(Value::as_str).unwrap_or_default();
        let options = option_titles(q);
        match t {
            "SingleOption" => {
                let s = ans.as_str().ok_or_else(|| {
                    ApiError::invalid(
                        &p,
                        "a SingleOption answer must be a string (an option title)",
                    )
                })?;
                if !options.contains(&s) {
                    return Err(ApiError::invalid(
                        &p,
                        format!("'{s}' is not one of the options {}", options.join(", ")),
                    ));
                }
            }
            "MultiOption" => {
                let items = ans.as_array().ok_or_else(|| {
                    ApiError::invalid(&p, "a MultiOption answer must be an array of option titles")
                })?;
                for (j, item) in items.iter().enumerate() {
                    match item.as_str() {
                        Some(s) if options.contains(&s) => {}
                        Some(s) => {
                            return Err(ApiError::invalid(
                                format!("{p}[{j}]"),
                                format!("'{s}' is not one of the options {}", options.join(", ")),
                            ))
                        }
                        None => {
                            return Err(ApiError::invalid(
                                format!("{p}[{j}]"),
                                "must be a string (an option title)",
                            ))
                        }
                    }
                }
            }
            "Text" if !ans.is_string() => {
                return Err(ApiError::invalid(&p, "a Text answer must be a string"));
            }
            "Image" => {
                let s = ans.as_str().ok_or_else(|| {
                    ApiError::invalid(&p, "an Image answer must be a mediaResource string")
                })?;
                check_media(w, s, &p, Some("image/"), "an Image answer")?;
            }
            "AttachmentList" => {
                let items = ans.as_array().ok_or_else(|| {
                    ApiError::invalid(
                        &p,
                        "an AttachmentList answer must be an array of mediaResource strings",
                    )
                })?;
                for (j, item) in items.iter().enumerate() {
                    let s = item.as_str().ok_or_else(|| {
                        ApiError::invalid(format!("{p}[{j}]"), "must be a mediaResource string")
                    })?;
                    check_media(w, s, &format!("{p}[{j}]"), None, "an attachment")?;
                }
            }
            "Numeric" | "Date" | "DateTime" if !ans.is_number() => {
                let what = if t == "Numeric" {
                    "a number"
                } else {
                    "a number (epoch milliseconds)"
                };
                return Err(ApiError::invalid(
                    &p,
                    format!("a {t} answer must be {what}"),
                ));
            }
            "Location" => {
                let ok = ans.is_object()
                    && ans.get("lt").is_some_and(Value::is_number)
                    && ans.get("lg").is_some_and(Value::is_number)
                    && ans.get("n").is_none_or(|n| n.is_string() || n.is_null());
                if !ok {
                    return Err(ApiError::invalid(
                        &p,
                        "a Location answer must be an object {lt, lg, n}",
                    ));
                }
            }
            _ => {}
        }
    }
    let mut out = json!({ "answers": list });
    if let Some(name) = opt_str(body, &["responseName"], &at("responseName"))? {
        out["responseName"] = json!(name);
    }
    if let Some(loc) = field(body, &["responseLocation"]) {
        out["responseLocation"] = location(loc, &at("responseLocation"))?;
    }
    Ok(out)
}

/// Whether a user may hold one response (a second is 409), many, or one that later posts update.
#[derive(PartialEq)]
pub(super) enum Policy {
    One,
    Many,
    Update,
}

/// `POST /groups/{groupId}/actions/{actionId}/responses` → `{responseId}`.
pub(super) async fn respond(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ActionPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("action.write")?;
    let group_id = p.group_id;
    let action_id = p.action_id;
    let (rid, queued) = {
        let mut w = state.world();
        let now = w.now();
        let a = find_action(&w, &caller, &group_id, &action_id)?.0.clone();
        let kind = kind_of(&body)?;
        match (&kind, &a.package_id) {
            (Kind::Package(pid), Some(apid)) if pid == apid => {}
            (Kind::Builtin(t), None) if *t == a.action_type => {}
            (Kind::Builtin(t), _) => {
                return Err(ApiError::invalid(
                    "actionType",
                    format!("'{t}' does not match this action ({})", a.action_type),
                ))
            }
            (Kind::Package(pid), _) => {
                return Err(ApiError::invalid(
                    "id",
                    format!("'{pid}' does not match this action ({})", a.action_type),
                ))
            }
        }
        let action_body = Value::Object(req_object(&body, &["actionBody"], "actionBody")?.clone());
        let edit = opt_str(&body, &["responseId"], "responseId")?.filter(|s| !s.is_empty());
        let me = caller.user_id.clone();
        let my_mobile = w.user_mobile(&me);
        let package = is_package(&a);
        let t = if package {
            "Package"
        } else {
            a.action_type.as_str()
        };
        if let Some(c) = closes_at(&a) {
            if now > c {
                let what = if t == "Poll" {
                    "poll expired"
                } else {
                    "action is past its due date"
                };
                return Err(ApiError::bad_request(format!(
                    "this {what} at {} and takes no more responses",
                    iso(c)
                )));
            }
        }
        let (stored, policy) = match t {
            "Job" => {
                let assigned = a
                    .body
                    .get("assignedTo")
                    .and_then(Value::as_array)
                    .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(my_mobile.as_str())));
                if !assigned {
                    return Err(ApiError::forbidden("only an assignee of this job (assignedTo) may respond to it"));
                }
                let done = opt_bool(&action_body, &["isCompleted"], &at("isCompleted"))?
                    .ok_or_else(|| ApiError::missing(&at("isCompleted")))?;
                (json!({ "isCompleted": done }), Policy::Update)
            }
            "Poll" => (single_choice(&action_body, &choice_titles(&a))?, Policy::One),
            "LetsMeet" => {
                let allowed: Vec<String> = RSVP.iter().map(|s| s.to_string()).collect();
                (single_choice(&action_body, &allowed)?, Policy::One)
            }
            "Survey" | "Package" => {
                let stored = survey_answers(&w, &questions_of(&a), &action_body)?;
                let policy = if body_bool(&a.body, "acceptMultipleResponses") { Policy::Many } else { Policy::One };
                (stored, policy)
            }
            other => {
                return Err(ApiError::invalid(
                    "actionType",
                    format!("{other} actions take no responses (Job, Poll, LetsMeet, Survey and packages do)"),
                ))
            }
        };
        let existing = match &edit {
            Some(rid) => {
                let r = a.responses.values().find(|r| &r.id == rid).ok_or_else(|| {
                    ApiError::not_found(format!("no response {rid} on this action"))
                })?;
                if r.responder_id != me {
                    return Err(ApiError::forbidden(
                        "that response was made by someone else",
                    ));
                }
                Some(rid.clone())
            }
            None => {
                let mine = a
                    .responses
                    .values()
                    .find(|r| r.responder_id == me)
                    .map(|r| r.id.clone());
                match policy {
                    Policy::Update => mine,
                    Policy::Many => None,
                    Policy::One => {
                        if let Some(rid) = mine {
                            return Err(ApiError::conflict(format!(
                                "you already responded ({rid}); send responseId to change that response"
                            )));
                        }
                        None
                    }
                }
            }
        };
        let t_now = w.instant();
        let is_update = existing.is_some();
        let rid = existing.unwrap_or_else(new_id);
        let Some(stored_action) = w.actions.get_mut_inner(&action_id) else {
            return Err(ApiError::not_found(format!("no action {action_id}")));
        };
        match stored_action.responses.get_mut(&rid) {
            Some(r) => {
                r.body = stored.clone();
                r.updated_at = t_now;
            }
            None => {
                stored_action.responses.insert(
                    rid.clone(),
                    ActionResponse {
                        id: rid.clone(),
                        responder_id: me.clone(),
                        body: stored.clone(),
                        created_at: t_now,
                        updated_at: t_now,
                    },
                );
            }
        }
        let target = Target {
            group_id: &a.group_id,
            action_id: Some(&a.id),
            package_id: a.package_id.as_deref(),
        };
        let queued = if t == "Job" {
            let data = json!({
                "actionId": a.id,
                "groupId": a.group_id,
                "responseId": rid,
                "isUpdateResponse": is_update,
                "responseDetails": {"response": {
                    "assignee": my_mobile,
                    "assigneeName": w.user_name(&me),
                    "assigneeProfilePic": profile_pic(&w, &me),
                    "isCompleted": body_bool(&stored, "isCompleted"),
                }},
            });
            emit(&mut w, target, "JobResponse", data, &me)
        } else {
            let anonymous = is_anonymous(&a);
            let answers = stored.get("answers").and_then(Value::as_array);
            let mut data = json!({
                "actionId": a.id,
                "groupId": a.group_id,
                "responseId": rid,
                "isUpdateResponse": is_update,
                "responder": if anonymous { Value::Null } else { json!(my_mobile) },
                "responderName": if anonymous { Value::Null } else { json!(w.user_name(&me)) },
                "responderProfilePic": if anonymous { Value::Null } else { json!(profile_pic(&w, &me)) },
                "isAnonymous": anonymous,
                "responseDetails": {"responseWithQuestions": with_questions(&w, &caller.origin, &questions_of(&a), answers)},
                "actionType": a.action_type,
            });
            if let Some(pid) = &a.package_id {
                data["packageId"] = json!(pid);
            }
            // An anonymous survey's event does not name its responder in the envelope either.
            let from = if anonymous { "" } else { me.as_str() };
            emit_as(&mut w, target, event_names(&a, false), data, from)
        };
        (rid, queued)
    };
    if queued > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({ "responseId": rid })))
}
