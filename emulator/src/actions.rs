//! Actions (§4): posting every action type, listing and reading them back, and responses (job, poll, let's meet, survey, packages).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{emit, Target};
use crate::input::{
    field, opt_array, opt_bool, opt_f64, opt_i64, opt_str, phones, query_flag, query_i64,
    req_object, req_str, JsonBody,
};
use crate::paths::{ActionPath, GroupPath, Params};
use crate::shared::AppState;
use crate::state::{iso, new_id, parse_iso, Action, ActionResponse, Group, Ms, Role, World};

const HOUR_MS: f64 = 3_600_000.0;

/// Media actions: one `mediaResource` each.
const MEDIA_TYPES: &[&str] = &["Image", "Album", "Audio", "Document", "Video"];
/// Types that can be posted with `actionType`.
const POSTABLE: &[&str] = &[
    "Image",
    "Album",
    "Audio",
    "Document",
    "Video",
    "Announcement",
    "Job",
    "Poll",
    "LetsMeet",
    "Survey",
];
/// Created by the apps only; the API reads them back.
const READ_ONLY: &[&str] = &["PhotoWithLocation", "ShareLocation"];
/// §4's "list/get" column (custom packages too).
const LISTABLE: &[&str] = &[
    "Image",
    "Job",
    "Poll",
    "LetsMeet",
    "Survey",
    "PhotoWithLocation",
    "ShareLocation",
];
const QUESTION_TYPES: &[&str] = &[
    "SingleOption",
    "MultiOption",
    "Text",
    "Image",
    "Numeric",
    "Date",
    "DateTime",
    "Location",
    "AttachmentList",
];
const PROPERTY_TYPES: &[&str] = &[
    "Text",
    "Numeric",
    "Location",
    "DateTime",
    "StringList",
    "Attachment",
    "StringSet",
    "AttachmentList",
];
const RSVP: &[&str] = &["Yes", "No", "Maybe"];

const DEFAULT_JOB_HOURS: f64 = 24.0;
const DEFAULT_POLL_HOURS: f64 = 720.0;
const DEFAULT_MEETING_MINUTES: i64 = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/{groupId}/actions", post(create).get(list))
        .route("/groups/{groupId}/actions/{actionId}", get(details))
        .route(
            "/groups/{groupId}/actions/{actionId}/responses",
            post(respond),
        )
}

fn at(path: &str) -> String {
    format!("actionBody.{path}")
}

/// What a request names: a built-in `actionType` or a custom package `id`.
enum Kind {
    Builtin(String),
    Package(String),
}

/// Exactly one of `actionType` / `id`.
fn kind_of(body: &Value) -> ApiResult<Kind> {
    let t = opt_str(body, &["actionType"], "actionType")?.filter(|s| !s.trim().is_empty());
    let id = opt_str(body, &["id"], "id")?.filter(|s| !s.trim().is_empty());
    match (t, id) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "actionType",
            "give either actionType (a built-in action) or id (a custom action package), not both",
        )),
        (None, None) => Err(ApiError::invalid(
            "actionType",
            "is required (or id, naming a custom action package)",
        )),
        (Some(t), None) => Ok(Kind::Builtin(t)),
        (None, Some(id)) => Ok(Kind::Package(id)),
    }
}

fn is_package(a: &Action) -> bool {
    a.package_id.is_some()
}

fn deadline_after(sent_at: Ms, hours: f64) -> Ms {
    sent_at.saturating_add((hours * HOUR_MS).round() as Ms)
}

fn body_f64(body: &Value, name: &str) -> Option<f64> {
    body.get(name).and_then(Value::as_f64)
}

fn body_bool(body: &Value, name: &str) -> bool {
    body.get(name).and_then(Value::as_bool).unwrap_or(false)
}

fn body_str<'a>(body: &'a Value, name: &str) -> &'a str {
    body.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// When responses stop being taken: a poll after `expiryInHours` (default 720), a survey or package
/// after `dueDate` hours (a package sent to subscribers: `validity` hours); `None` = never.
fn closes_at(a: &Action) -> Option<Ms> {
    if a.action_type == "Poll" && !is_package(a) {
        let h = body_f64(&a.body, "expiryInHours").unwrap_or(DEFAULT_POLL_HOURS);
        return Some(deadline_after(a.sent_at, h));
    }
    if a.action_type == "Survey" || is_package(a) {
        let h = body_f64(&a.body, "dueDate").or_else(|| body_f64(&a.body, "validity"))?;
        return Some(deadline_after(a.sent_at, h));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Validation of posted bodies
// ---------------------------------------------------------------------------------------------

/// A `mediaResource` that exists and (when `prefix` is given) is of the right kind.
fn check_media(
    w: &World,
    res: &str,
    path: &str,
    prefix: Option<&str>,
    what: &str,
) -> ApiResult<()> {
    let m = w.media.get(res).ok_or_else(|| {
        ApiError::invalid(
            path,
            format!(
                "'{res}' is not a known mediaResource (upload the file with POST /media first)"
            ),
        )
    })?;
    if let Some(prefix) = prefix {
        if !m.mime.starts_with(prefix) {
            return Err(ApiError::invalid(
                path,
                format!("is {} but {what} needs {prefix}*", m.mime),
            ));
        }
    }
    Ok(())
}

fn media_prefix(action_type: &str) -> &'static str {
    match action_type {
        "Image" | "Album" => "image/",
        "Audio" => "audio/",
        "Video" => "video/",
        _ => "application/",
    }
}

/// A positive number of hours (`dueDate`, `expiryInHours`, `validity`).
fn opt_hours(body: &Value, names: &[&str], path: &str) -> ApiResult<Option<f64>> {
    match opt_f64(body, names, path)? {
        Some(h) if h > 0.0 && h.is_finite() => Ok(Some(h)),
        Some(_) => Err(ApiError::invalid(
            path,
            "must be a positive number of hours",
        )),
        None => Ok(None),
    }
}

fn location(v: &Value, path: &str) -> ApiResult<Value> {
    if !v.is_object() {
        return Err(ApiError::invalid(
            path,
            "must be an object {latitude, longitude, name?}",
        ));
    }
    let lat = opt_f64(v, &["latitude"], &format!("{path}.latitude"))?
        .ok_or_else(|| ApiError::missing(&format!("{path}.latitude")))?;
    let lon = opt_f64(v, &["longitude"], &format!("{path}.longitude"))?
        .ok_or_else(|| ApiError::missing(&format!("{path}.longitude")))?;
    if !(-90.0..=90.0).contains(&lat) {
        return Err(ApiError::invalid(
            format!("{path}.latitude"),
            "must be between -90 and 90",
        ));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(ApiError::invalid(
            format!("{path}.longitude"),
            "must be between -180 and 180",
        ));
    }
    let name = opt_str(v, &["name"], &format!("{path}.name"))?.unwrap_or_default();
    Ok(json!({"latitude": lat, "longitude": lon, "name": name}))
}

fn question(q: &Value, path: &str) -> ApiResult<Value> {
    if !q.is_object() {
        return Err(ApiError::invalid(
            path,
            "must be an object {title, type, options?}",
        ));
    }
    let title = req_str(q, &["title"], &format!("{path}.title"))?;
    let t = req_str(q, &["type"], &format!("{path}.type"))?;
    if !QUESTION_TYPES.contains(&t.as_str()) {
        return Err(ApiError::invalid(
            format!("{path}.type"),
            format!(
                "'{t}' is not a question type; use one of {}",
                QUESTION_TYPES.join(", ")
            ),
        ));
    }
    let invisible = opt_bool(q, &["isInvisible"], &format!("{path}.isInvisible"))?.unwrap_or(false);
    let opts_path = format!("{path}.options");
    let mut options = Vec::new();
    if t == "SingleOption" || t == "MultiOption" {
        let list = opt_array(q, &["options"], &opts_path)?.ok_or_else(|| {
            ApiError::invalid(&opts_path, format!("is required for a {t} question"))
        })?;
        if list.is_empty() {
            return Err(ApiError::invalid(
                &opts_path,
                "must list at least one option",
            ));
        }
        for (j, o) in list.iter().enumerate() {
            let op = format!("{opts_path}[{j}]");
            if !o.is_object() {
                return Err(ApiError::invalid(&op, "must be an object {title}"));
            }
            let title = req_str(o, &["title"], &format!("{op}.title"))?;
            if options.iter().any(|x: &Value| x["title"] == title.as_str()) {
                return Err(ApiError::invalid(
                    format!("{op}.title"),
                    format!("'{title}' is listed twice"),
                ));
            }
            options.push(json!({ "title": title }));
        }
    }
    Ok(json!({"title": title, "type": t, "isInvisible": invisible, "options": options}))
}

fn questions(body: &Value, required: bool) -> ApiResult<Option<Vec<Value>>> {
    let path = at("questions");
    let Some(list) = opt_array(body, &["questions"], &path)? else {
        return if required {
            Err(ApiError::missing(&path))
        } else {
            Ok(None)
        };
    };
    if required && list.is_empty() {
        return Err(ApiError::invalid(&path, "must list at least one question"));
    }
    list.iter()
        .enumerate()
        .map(|(i, q)| question(q, &format!("{path}[{i}]")))
        .collect::<ApiResult<Vec<_>>>()
        .map(Some)
}

fn is_string_list(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

fn properties(body: &Value) -> ApiResult<Vec<Value>> {
    let path = at("properties");
    let Some(list) = opt_array(body, &["properties"], &path)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, p) in list.iter().enumerate() {
        let pp = format!("{path}[{i}]");
        if !p.is_object() {
            return Err(ApiError::invalid(
                &pp,
                "must be an object {name, type, value}",
            ));
        }
        let name = req_str(p, &["name"], &format!("{pp}.name"))?;
        let t = req_str(p, &["type"], &format!("{pp}.type"))?;
        if !PROPERTY_TYPES.contains(&t.as_str()) {
            return Err(ApiError::invalid(
                format!("{pp}.type"),
                format!(
                    "'{t}' is not a property type; use one of {}",
                    PROPERTY_TYPES.join(", ")
                ),
            ));
        }
        let value = p.get("value").cloned().unwrap_or(Value::Null);
        let ok = match t.as_str() {
            "Text" | "Attachment" => value.is_string(),
            "Numeric" => value.is_number(),
            "DateTime" => {
                value.is_number() || value.as_str().is_some_and(|s| parse_iso(s).is_some())
            }
            "Location" => value.is_object(),
            _ => is_string_list(&value),
        };
        if !ok {
            let want = match t.as_str() {
                "Text" | "Attachment" => "a string",
                "Numeric" => "a number",
                "DateTime" => "epoch milliseconds or an ISO 8601 string",
                "Location" => "an object {latitude, longitude, name}",
                _ => "an array of strings",
            };
            return Err(ApiError::invalid(
                format!("{pp}.value"),
                format!("a {t} property's value must be {want}"),
            ));
        }
        out.push(json!({"name": name, "type": t, "value": value}));
    }
    Ok(out)
}

/// Checks a posted `actionBody` and returns it normalised: the first §8 spelling, defaults filled in.
/// `recipients` are the subscribers (user ids) it goes to in a public group, empty otherwise.
fn validate(
    w: &World,
    g: &Group,
    kind: &Kind,
    body: &Value,
    recipients: &[String],
) -> ApiResult<Value> {
    let t = match kind {
        Kind::Package(_) => return validate_package(body, !recipients.is_empty()),
        Kind::Builtin(t) => t.as_str(),
    };
    if READ_ONLY.contains(&t) {
        return Err(ApiError::invalid(
            "actionType",
            format!("{t} actions are created in the app only; the API reads them back but cannot post them"),
        ));
    }
    if MEDIA_TYPES.contains(&t) {
        let res = req_str(body, &["mediaResource"], &at("mediaResource"))?;
        check_media(
            w,
            &res,
            &at("mediaResource"),
            Some(media_prefix(t)),
            &format!("an {t} action"),
        )?;
        let mut out = json!({ "mediaResource": res });
        if let Some(c) = opt_str(body, &["caption"], &at("caption"))? {
            out["caption"] = json!(c);
        }
        return Ok(out);
    }
    match t {
        "Announcement" => {
            let title = req_str(body, &["title", "Title"], &at("title"))?;
            let message = req_str(body, &["message", "Message"], &at("message"))?;
            let path = at("mediaResources");
            let mut media = Vec::new();
            for (i, m) in opt_array(body, &["mediaResources", "MediaResources"], &path)?
                .map(|a| a.as_slice())
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let p = format!("{path}[{i}]");
                let res = m.as_str().ok_or_else(|| ApiError::invalid(&p, "must be a mediaResource string"))?;
                check_media(w, res, &p, None, "an announcement")?;
                media.push(json!(res));
            }
            Ok(json!({"title": title, "message": message, "mediaResources": media}))
        }
        "Job" => {
            let title = req_str(body, &["title"], &at("title"))?;
            let path = at("assignedTo");
            let assigned = phones(body, &["assignedTo"], &path, true)?;
            let raw = opt_array(body, &["assignedTo"], &path)?.cloned().unwrap_or_default();
            for m in &assigned {
                let reaches = w
                    .user_id_by_mobile(m)
                    .is_some_and(|u| g.role_of(&u).is_some() || recipients.contains(&u));
                if !reaches {
                    let i = raw.iter().position(|v| v.as_str() == Some(m)).unwrap_or_default();
                    return Err(ApiError::invalid(
                        format!("{path}[{i}]"),
                        format!("{m} is not a member of this group"),
                    ));
                }
            }
            let due = opt_hours(body, &["dueDate"], &at("dueDate"))?.unwrap_or(DEFAULT_JOB_HOURS);
            Ok(json!({"title": title, "assignedTo": assigned, "dueDate": due}))
        }
        "Poll" => {
            let q = req_str(body, &["question"], &at("question"))?;
            let path = at("choices");
            let list = opt_array(body, &["choices"], &path)?.ok_or_else(|| ApiError::missing(&path))?;
            if list.len() < 2 {
                return Err(ApiError::invalid(&path, "a poll needs at least two choices"));
            }
            let mut choices: Vec<Value> = Vec::new();
            for (i, c) in list.iter().enumerate() {
                let cp = format!("{path}[{i}]");
                if !c.is_object() {
                    return Err(ApiError::invalid(&cp, "must be an object {title, image?}"));
                }
                let title = req_str(c, &["title"], &format!("{cp}.title"))?;
                if choices.iter().any(|x| x["title"] == title.as_str()) {
                    return Err(ApiError::invalid(format!("{cp}.title"), format!("'{title}' is listed twice")));
                }
                let mut choice = json!({ "title": title });
                if let Some(img) = opt_str(c, &["image"], &format!("{cp}.image"))? {
                    check_media(w, &img, &format!("{cp}.image"), Some("image/"), "a choice image")?;
                    choice["image"] = json!(img);
                }
                choices.push(choice);
            }
            let expiry = opt_hours(body, &["expiryInHours"], &at("expiryInHours"))?.unwrap_or(DEFAULT_POLL_HOURS);
            Ok(json!({"question": q, "choices": choices, "expiryInHours": expiry}))
        }
        "LetsMeet" => {
            let title = req_str(body, &["title"], &at("title"))?;
            let start = req_str(body, &["startingTime"], &at("startingTime"))?;
            if parse_iso(&start).is_none() {
                return Err(ApiError::invalid(
                    at("startingTime"),
                    "must be an ISO 8601 date-time such as 2026-11-23T09:30:00Z",
                ));
            }
            let duration = opt_i64(body, &["duration", "DurationInMins"], &at("duration"))?
                .unwrap_or(DEFAULT_MEETING_MINUTES);
            if duration <= 0 {
                return Err(ApiError::invalid(at("duration"), "must be a positive number of minutes"));
            }
            let mut out = json!({"title": title, "startingTime": start, "duration": duration});
            if let Some(place) = field(body, &["place"]) {
                out["place"] = location(place, &at("place"))?;
            }
            if let Some(agenda) = opt_str(body, &["agenda"], &at("agenda"))? {
                out["agenda"] = json!(agenda);
            }
            out["isSenderOnly"] = json!(opt_bool(body, &["isSenderOnly"], &at("isSenderOnly"))?.unwrap_or(false));
            Ok(out)
        }
        "Survey" => {
            let mut out = survey_common(body, true)?;
            out["questions"] = json!(questions(body, true)?.unwrap_or_default());
            Ok(out)
        }
        other => Err(ApiError::invalid(
            "actionType",
            format!(
                "'{other}' is not an action type; post one of {} (or id for a custom action package)",
                POSTABLE.join(", ")
            ),
        )),
    }
}

/// A survey's fields other than its questions (also a package's).
fn survey_common(body: &Value, title_required: bool) -> ApiResult<Value> {
    let mut out = json!({});
    if title_required {
        out["title"] = json!(req_str(body, &["title"], &at("title"))?);
    } else if let Some(t) = opt_str(body, &["title"], &at("title"))? {
        out["title"] = json!(t);
    }
    if let Some(h) = opt_hours(body, &["dueDate"], &at("dueDate"))? {
        out["dueDate"] = json!(h);
    }
    for flag in ["isAnonymous", "isSenderOnly", "acceptMultipleResponses"] {
        out[flag] = json!(opt_bool(body, &[flag], &at(flag))?.unwrap_or(false));
    }
    Ok(out)
}

/// A custom package: as a survey (questions optional, checked when present) plus `properties`; sent to
/// a public group's subscribers it takes only `{title?, validity? (hours)}`.
fn validate_package(body: &Value, to_subscribers: bool) -> ApiResult<Value> {
    if to_subscribers {
        let mut out = json!({});
        if let Some(t) = opt_str(body, &["title"], &at("title"))? {
            out["title"] = json!(t);
        }
        if let Some(h) = opt_hours(body, &["validity"], &at("validity"))? {
            out["validity"] = json!(h);
        }
        return Ok(out);
    }
    let mut out = survey_common(body, true)?;
    if let Some(qs) = questions(body, false)? {
        out["questions"] = json!(qs);
    }
    out["properties"] = json!(properties(body)?);
    Ok(out)
}

/// `subscribers?` / `sendToAllSubscribers?`: the subscriber user ids an action goes to (empty = the group).
fn audience(w: &World, g: &Group, role: Role, body: &Value) -> ApiResult<Vec<String>> {
    let listed = phones(body, &["subscribers"], "subscribers", false)?;
    let all = opt_bool(body, &["sendToAllSubscribers"], "sendToAllSubscribers")?.unwrap_or(false);
    if listed.is_empty() && !all {
        return Ok(Vec::new());
    }
    let name = if all {
        "sendToAllSubscribers"
    } else {
        "subscribers"
    };
    if !g.is_public() {
        return Err(ApiError::invalid(
            name,
            "only a public group (groupType ConnectGroup) has subscribers",
        ));
    }
    if role != Role::Admin {
        return Err(ApiError::forbidden(
            "only an admin of the public group may send to its subscribers",
        ));
    }
    if all && !listed.is_empty() {
        return Err(ApiError::invalid(
            "subscribers",
            "give either subscribers or sendToAllSubscribers, not both",
        ));
    }
    if all {
        if g.subscribers.is_empty() {
            return Err(ApiError::invalid(name, "the group has no subscribers"));
        }
        return Ok(g.subscribers.clone());
    }
    let raw = opt_array(body, &["subscribers"], "subscribers")?
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for m in &listed {
        match w.user_id_by_mobile(m).filter(|u| g.subscribers.contains(u)) {
            Some(u) => out.push(u),
            None => {
                let i = raw
                    .iter()
                    .position(|v| v.as_str() == Some(m))
                    .unwrap_or_default();
                return Err(ApiError::invalid(
                    format!("subscribers[{i}]"),
                    format!("{m} is not a subscriber of this group"),
                ));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Questions, answers and event data
// ---------------------------------------------------------------------------------------------

/// The questions an action asks, in the shape of `responseWithQuestions` (without answers): a poll's
/// question and choices, a meeting's Yes/No/Maybe, a survey's or package's own questions.
fn questions_of(a: &Action) -> Vec<Value> {
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

fn choice_titles(a: &Action) -> Vec<String> {
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

fn option_titles(q: &Value) -> Vec<&str> {
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
/// untitled entry per answer.
fn with_questions(questions: &[Value], answers: Option<&Vec<Value>>) -> Vec<Value> {
    if questions.is_empty() {
        return answers
            .map(|a| {
                a.iter()
                    .map(|ans| json!({"title": "", "type": "", "options": [], "answer": ans, "isInvisible": false}))
                    .collect()
            })
            .unwrap_or_default();
    }
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            json!({
                "title": q.get("title").cloned().unwrap_or(json!("")),
                "type": q.get("type").cloned().unwrap_or(json!("")),
                "options": q.get("options").cloned().unwrap_or(json!([])),
                "answer": answers.and_then(|a| a.get(i)).cloned().unwrap_or(Value::Null),
                "isInvisible": q.get("isInvisible").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

fn media_entry(w: &World, origin: &str, res: &str) -> Option<Value> {
    w.media.get(res).map(
        |m| json!({"mediaUrl": crate::media::media_url(origin, m), "mediaFileName": m.file_name}),
    )
}

fn is_anonymous(a: &Action) -> bool {
    body_bool(&a.body, "isAnonymous")
}

/// Queues the creation event of §5 for a new action (not yet in `w.actions`). Returns how many.
fn emit_created(w: &mut World, a: &Action, origin: &str) -> usize {
    let target = Target {
        group_id: &a.group_id,
        action_id: Some(&a.id),
        package_id: a.package_id.as_deref(),
    };
    let t = a.action_type.as_str();
    let (event, data) = if MEDIA_TYPES.contains(&t) && !is_package(a) {
        let media: Vec<Value> = media_entry(w, origin, body_str(&a.body, "mediaResource"))
            .into_iter()
            .collect();
        (
            "AttachmentCreated",
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
            "Announcement",
            json!({"title": body_str(&a.body, "title"), "text": body_str(&a.body, "message"), "media": media}),
        )
    } else if t == "Job" && !is_package(a) {
        let hours = body_f64(&a.body, "dueDate").unwrap_or(DEFAULT_JOB_HOURS);
        (
            "JobCreated",
            json!({
                "actionId": a.id,
                "groupId": a.group_id,
                "title": body_str(&a.body, "title"),
                // The posted dueDate is in hours; the event carries the instant it falls due (epoch ms).
                "dueDate": deadline_after(a.sent_at, hours),
                "assignedTo": a.body.get("assignedTo").cloned().unwrap_or(json!([])),
            }),
        )
    } else {
        let event = if t == "Survey" && !is_package(a) {
            "SurveyCreated"
        } else {
            "ActionCreated"
        };
        let mut data = json!({
            "actionId": a.id,
            "groupId": a.group_id,
            "responseId": null,
            "isUpdateResponse": false,
            "responder": w.user_mobile(&a.sender_id),
            "responderName": w.user_name(&a.sender_id),
            "isAnonymous": is_anonymous(a),
            "responseDetails": {"responseWithQuestions": with_questions(&questions_of(a), None)},
            // Beyond §5, so a listener can tell a poll from a meeting or a package.
            "actionType": t,
        });
        if let Some(p) = &a.package_id {
            data["packageId"] = json!(p);
        }
        (event, data)
    };
    emit(w, target, event, data, &a.sender_id)
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// `POST /groups/{groupId}/actions` → `{referenceId, actionId}` (one id).
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("action.write")?;
    let group_id = p.group_id;
    let (id, queued) = {
        let mut w = state.world();
        let (g, role) = caller.reach(&w, &group_id)?;
        let kind = kind_of(&body)?;
        if let Kind::Package(pid) = &kind {
            if POSTABLE.contains(&pid.as_str()) || READ_ONLY.contains(&pid.as_str()) {
                return Err(ApiError::invalid(
                    "id",
                    format!("'{pid}' is a built-in action type: send it as actionType"),
                ));
            }
        }
        let action_body = Value::Object(req_object(&body, &["actionBody"], "actionBody")?.clone());
        let recipients = audience(&w, g, role, &body)?;
        let normalized = validate(&w, g, &kind, &action_body, &recipients)?;
        let (action_type, package_id) = match kind {
            Kind::Builtin(t) => (t, None),
            // A package's actionType is its package id (listings and ?actionType= use it).
            Kind::Package(pid) => (pid.clone(), Some(pid)),
        };
        let id = new_id();
        let sent_at = w.instant();
        let action = Action {
            id: id.clone(),
            group_id: group_id.clone(),
            action_type,
            package_id,
            sender_id: caller.user_id.clone(),
            sent_at,
            body: normalized,
            recipients,
            responses: Vec::new(),
        };
        let queued = emit_created(&mut w, &action, &caller.origin);
        w.actions.insert(id.clone(), action);
        (id, queued)
    };
    if queued > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({"referenceId": id, "actionId": id})))
}

fn listable(a: &Action) -> bool {
    is_package(a) || LISTABLE.contains(&a.action_type.as_str())
}

/// The stored body as handed back: media actions also carry `mediaUrl`.
fn public_body(w: &World, a: &Action, origin: &str) -> Value {
    let mut body = a.body.clone();
    if !is_package(a) && MEDIA_TYPES.contains(&a.action_type.as_str()) {
        let found = w.media.get(body_str(&a.body, "mediaResource"));
        if let (Some(m), Some(obj)) = (found, body.as_object_mut()) {
            obj.insert("mediaUrl".into(), json!(crate::media::media_url(origin, m)));
        }
    }
    body
}

fn summary(w: &World, a: &Action, origin: &str) -> Value {
    let mut v = json!({
        "referenceId": a.id,
        "actionId": a.id,
        "actionType": a.action_type,
        "sender": w.user_mobile(&a.sender_id),
        "senderName": w.user_name(&a.sender_id),
        "sentAt": iso(a.sent_at),
        "actionBody": public_body(w, a, origin),
    });
    if let Some(p) = &a.package_id {
        v["packageId"] = json!(p);
    }
    v
}

/// `GET /groups/{groupId}/actions?actionType&fromDate&count`: ascending by sentAt from `fromDate`
/// (epoch ms, inclusive); the next page starts at the last sentAt + 1.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    caller.need("action.read")?;
    let group_id = p.group_id;
    let from = query_i64(&q, "fromDate")?.unwrap_or(0);
    let count = query_i64(&q, "count")?.unwrap_or(30);
    if !(1..=100).contains(&count) {
        return Err(ApiError::invalid("count", "must be between 1 and 100"));
    }
    let filter = q
        .get("actionType")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    if let Some(t) = &filter {
        if POSTABLE.contains(&t.as_str()) && !LISTABLE.contains(&t.as_str()) {
            return Err(ApiError::invalid(
                "actionType",
                format!(
                    "{t} actions cannot be listed; listable: {} and custom packages",
                    LISTABLE.join(", ")
                ),
            ));
        }
    }
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
        .map(|a| summary(&w, a, &caller.origin))
        .collect();
    Ok(Json(json!({"actions": actions, "hasMore": has_more})))
}

/// The action in that group, 404 otherwise; the caller must reach the group or be one of its recipients.
fn find_action<'w>(
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

/// `GET /groups/{groupId}/actions/{actionId}?getDetails` → `{actionType, actionDetails, sender, sentAt}`;
/// with details also `responses`, a poll's `results`, a job's `completedCount`/`assigneeCount`/`assignees`.
/// A survey or meeting with `isSenderOnly` shows other people's responses to its sender and admins only.
async fn details(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<ActionPath>,
    Query(q): Query<HashMap<String, String>>,
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
    let mut out = json!({
        "referenceId": a.id,
        "actionId": a.id,
        "actionType": a.action_type,
        "actionDetails": public_body(&w, a, &caller.origin),
        "sender": w.user_mobile(&a.sender_id),
        "senderName": w.user_name(&a.sender_id),
        "sentAt": iso(a.sent_at),
    });
    if let Some(pid) = &a.package_id {
        out["packageId"] = json!(pid);
    }
    if let Some(c) = closes_at(a) {
        out["closesAt"] = json!(iso(c));
    }
    if !with {
        return Ok(Json(out));
    }
    let sees_all = !body_bool(&a.body, "isSenderOnly")
        || a.sender_id == caller.user_id
        || role == Some(Role::Admin);
    let anonymous = is_anonymous(a);
    let responses: Vec<Value> = a
        .responses
        .iter()
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
    out["responses"] = json!(responses);
    if a.action_type == "Poll" && !is_package(a) {
        let results: Vec<Value> = choice_titles(a)
            .iter()
            .map(|t| {
                let n = a
                    .responses
                    .iter()
                    .filter(|r| first_answer(&r.body) == Some(t.as_str()))
                    .count();
                json!({"title": t, "count": n})
            })
            .collect();
        out["results"] = json!(results);
    }
    if a.action_type == "LetsMeet" && !is_package(a) {
        let results: Vec<Value> = RSVP
            .iter()
            .map(|t| {
                let n = a
                    .responses
                    .iter()
                    .filter(|r| first_answer(&r.body) == Some(*t))
                    .count();
                json!({"title": t, "count": n})
            })
            .collect();
        out["results"] = json!(results);
    }
    if a.action_type == "Job" && !is_package(a) {
        let assigned: Vec<String> = a
            .body
            .get("assignedTo")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let assignees: Vec<Value> = assigned
            .iter()
            .map(|mobile| {
                let uid = w.user_id_by_mobile(mobile).unwrap_or_default();
                let resp = a.responses.iter().find(|r| r.responder_id == uid);
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
        let completed = assignees
            .iter()
            .filter(|v| v["isCompleted"] == true)
            .count();
        out["completedCount"] = json!(completed);
        out["assigneeCount"] = json!(assigned.len());
        out["assignees"] = json!(assignees);
    }
    Ok(Json(out))
}

fn first_answer(body: &Value) -> Option<&str> {
    field(body, &["answers", "Answers"])
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
}

/// One string answer from a listed set (a poll choice or Yes/No/Maybe).
fn single_choice(body: &Value, allowed: &[String]) -> ApiResult<Value> {
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
fn survey_answers(w: &World, questions: &[Value], body: &Value) -> ApiResult<Value> {
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
enum Policy {
    One,
    Many,
    Update,
}

/// `POST /groups/{groupId}/actions/{actionId}/responses` → `{responseId}`.
async fn respond(
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
                let r = a.responses.iter().find(|r| &r.id == rid).ok_or_else(|| {
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
                    .iter()
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
        let Some(stored_action) = w.actions.get_mut(&action_id) else {
            return Err(ApiError::not_found(format!("no action {action_id}")));
        };
        match stored_action.responses.iter_mut().find(|r| r.id == rid) {
            Some(r) => {
                r.body = stored.clone();
                r.updated_at = t_now;
            }
            None => stored_action.responses.push(ActionResponse {
                id: rid.clone(),
                responder_id: me.clone(),
                body: stored.clone(),
                created_at: t_now,
                updated_at: t_now,
            }),
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
                "isAnonymous": anonymous,
                "responseDetails": {"responseWithQuestions": with_questions(&questions_of(&a), answers)},
                "actionType": a.action_type,
            });
            if let Some(pid) = &a.package_id {
                data["packageId"] = json!(pid);
            }
            let event = if t == "Survey" {
                "SurveyResponse"
            } else {
                "ActionResponse"
            };
            // An anonymous survey's event does not name its responder in the envelope either.
            let from = if anonymous { "" } else { me.as_str() };
            emit(&mut w, target, event, data, from)
        };
        (rid, queued)
    };
    if queued > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({ "responseId": rid })))
}
