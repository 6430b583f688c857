//! Checking a posted action: every built-in type's body, custom packages, and who it goes to (group or subscribers).

use serde_json::{json, Value};

use crate::clock::parse_iso;
use crate::error::{ApiError, ApiResult};
use crate::input::{
    field, one_of, opt_array, opt_bool, opt_f64, opt_i64_or_default, opt_str, phones, req_str,
};
use crate::resources::resolve;
use crate::state::{Group, Role};
use crate::subscribers::listed_recipients;
use crate::world::World;

use super::*;

/// A `mediaResource` this server issued or a live-service one (choice C5 of docs/platform.md), of
/// the right kind when `prefix` is given (a live-service file whose type cannot be told passes).
pub(super) fn check_media(
    w: &World,
    res: &str,
    path: &str,
    prefix: Option<&str>,
    what: &str,
) -> ApiResult<()> {
    let r = resolve(w, res).ok_or_else(|| {
        ApiError::invalid(
            path,
            format!(
                "'{}' is not a known mediaResource (upload the file with POST /media first)",
                clip(res)
            ),
        )
    })?;
    if let (Some(prefix), Some(mime)) = (prefix, r.mime()) {
        if !mime.starts_with(prefix) {
            return Err(ApiError::invalid(
                path,
                format!("is {mime} but {what} needs {prefix}*"),
            ));
        }
    }
    Ok(())
}

/// A value quoted in an error, cut short (live-service blobs run to kilobytes).
fn clip(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

pub(super) fn media_prefix(action_type: &str) -> &'static str {
    match action_type {
        "Image" | "Album" => "image/",
        "Audio" => "audio/",
        "Video" => "video/",
        _ => "application/",
    }
}

/// The longest a due date, poll expiry or validity may be, in hours (100 years).
const MAX_HOURS: f64 = 876_000.0;
/// The longest meeting, in minutes (a year).
const MAX_MEETING_MINUTES: i64 = 525_600;

/// A positive number of hours (`dueDate`, `expiryInHours`, `validity`); 0 is the same as none given
/// (the default applies: choice R6 of docs/platform.md; C# clients send 0 for a value left out).
pub(super) fn opt_hours(body: &Value, names: &[&str], path: &str) -> ApiResult<Option<f64>> {
    match opt_f64(body, names, path)?.filter(|h| *h != 0.0) {
        Some(h) if h > 0.0 && h <= MAX_HOURS => Ok(Some(h)),
        Some(_) => Err(ApiError::invalid(
            path,
            format!("must be a positive number of hours, at most {MAX_HOURS} (100 years)"),
        )),
        None => Ok(None),
    }
}

pub(super) fn location(v: &Value, path: &str) -> ApiResult<Value> {
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
    Ok(json!({"latitude": number(lat), "longitude": number(lon), "name": name}))
}

pub(super) fn question(q: &Value, path: &str) -> ApiResult<Value> {
    if !q.is_object() {
        return Err(ApiError::invalid(
            path,
            "must be an object {title, type, options?}",
        ));
    }
    let title = req_str(q, &["title"], &format!("{path}.title"))?;
    let t = req_str(q, &["type"], &format!("{path}.type"))?;
    let Some(t) = one_of(&t, QUESTION_TYPES) else {
        return Err(ApiError::invalid(
            format!("{path}.type"),
            format!(
                "'{t}' is not a question type; use one of {}",
                QUESTION_TYPES.join(", ")
            ),
        ));
    };
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

pub(super) fn questions(body: &Value, required: bool) -> ApiResult<Option<Vec<Value>>> {
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

pub(super) fn is_string_list(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

pub(super) fn properties(body: &Value) -> ApiResult<Vec<Value>> {
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
        let Some(t) = one_of(&t, PROPERTY_TYPES) else {
            return Err(ApiError::invalid(
                format!("{pp}.type"),
                format!(
                    "'{t}' is not a property type; use one of {}",
                    PROPERTY_TYPES.join(", ")
                ),
            ));
        };
        let value = field(p, &["value"]).cloned().unwrap_or(Value::Null);
        let ok = match t {
            "Text" | "Attachment" => value.is_string(),
            "Numeric" => value.is_number(),
            "DateTime" => {
                value.is_number() || value.as_str().is_some_and(|s| parse_iso(s).is_some())
            }
            "Location" => value.is_object(),
            _ => is_string_list(&value),
        };
        if !ok {
            let want = match t {
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

/// Checks a posted `actionBody` and returns it normalised: the documented spelling of each field,
/// defaults filled in, whole numbers as integers. `recipients` are the subscribers (user ids) it goes
/// to in a public group, empty otherwise; `sender_name` titles an announcement sent without one.
pub(super) fn validate(
    w: &World,
    g: &Group,
    kind: &Kind,
    body: &Value,
    recipients: &[String],
    sender_name: &str,
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
            // Optional, as in both swagger models; the platform titled such announcements
            // "Sent by <sender>" (the event sample; choice C3).
            let title = match opt_str(body, &["title", "Title"], &at("title"))? {
                Some(t) if !t.trim().is_empty() => t,
                _ => format!("Sent by {sender_name}"),
            };
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
            Ok(json!({"title": title, "assignedTo": assigned, "dueDate": number(due)}))
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
            let sender_only = opt_bool(body, &["isSenderOnly"], &at("isSenderOnly"))?.unwrap_or(false);
            Ok(json!({"question": q, "choices": choices, "expiryInHours": number(expiry), "isSenderOnly": sender_only}))
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
            let duration = opt_i64_or_default(body, &["duration", "DurationInMins"], &at("duration"))?
                .unwrap_or(DEFAULT_MEETING_MINUTES);
            if !(1..=MAX_MEETING_MINUTES).contains(&duration) {
                return Err(ApiError::invalid(
                    at("duration"),
                    format!("must be a positive number of minutes, at most {MAX_MEETING_MINUTES} (a year)"),
                ));
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
pub(super) fn survey_common(body: &Value, title_required: bool) -> ApiResult<Value> {
    let mut out = json!({});
    if title_required {
        out["title"] = json!(req_str(body, &["title"], &at("title"))?);
    } else if let Some(t) = opt_str(body, &["title"], &at("title"))? {
        out["title"] = json!(t);
    }
    if let Some(h) = opt_hours(body, &["dueDate"], &at("dueDate"))? {
        out["dueDate"] = number(h);
    }
    for flag in ["isAnonymous", "isSenderOnly", "acceptMultipleResponses"] {
        out[flag] = json!(opt_bool(body, &[flag], &at(flag))?.unwrap_or(false));
    }
    Ok(out)
}

/// A custom package: as a survey (title and questions optional, checked when present) plus `properties`; sent to
/// a public group's subscribers it takes only `{title?, validity? (hours)}`.
pub(super) fn validate_package(body: &Value, to_subscribers: bool) -> ApiResult<Value> {
    if to_subscribers {
        let mut out = json!({});
        if let Some(t) = opt_str(body, &["title"], &at("title"))? {
            out["title"] = json!(t);
        }
        if let Some(h) = opt_hours(body, &["validity"], &at("validity"))? {
            out["validity"] = number(h);
        }
        return Ok(out);
    }
    // A package's own title is its default: the swagger posts one with properties only (choice C4).
    let mut out = survey_common(body, false)?;
    if let Some(qs) = questions(body, false)? {
        out["questions"] = json!(qs);
    }
    out["properties"] = json!(properties(body)?);
    Ok(out)
}

/// Who an action goes to.
pub(super) struct Audience {
    /// The subscribers (user ids) it goes to in a public group; empty = the group.
    pub recipients: Vec<String>,
    /// Listed numbers that are not subscribers (choice E2 of docs/platform.md).
    pub failed: Vec<Value>,
}

/// `subscribers?` / `sendToAllSubscribers?`: the subscribers an action goes to (none = the group).
pub(super) fn audience(w: &World, g: &Group, role: Role, body: &Value) -> ApiResult<Audience> {
    let listed = phones(body, &["subscribers"], "subscribers", false)?;
    let all = opt_bool(body, &["sendToAllSubscribers"], "sendToAllSubscribers")?.unwrap_or(false);
    let none = Audience {
        recipients: Vec::new(),
        failed: Vec::new(),
    };
    if listed.is_empty() && !all {
        return Ok(none);
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
        return Ok(Audience {
            recipients: g.subscribers.keys().cloned().collect(),
            failed: Vec::new(),
        });
    }
    let (recipients, failed) = listed_recipients(w, g, &listed)?;
    Ok(Audience { recipients, failed })
}
