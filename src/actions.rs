//! Actions (docs/platform.md#actions): posting each kind, listing, reading, responding, and answer checks.

use crate::error::Error;
use crate::media::action_type_for_mime;
use crate::operations;
use crate::request::RequestSpec;
use crate::time::ms_from_iso;
use crate::validate::{id, message, one_of, put, Opts};
use serde_json::{Map, Value};

pub const MEDIA_TYPES: [&str; 5] = ["Image", "Album", "Audio", "Document", "Video"];
/// Every `actionType` that can be posted.
pub const POST_TYPES: [&str; 10] = [
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
/// Types that only appear in listings.
pub const READ_ONLY_TYPES: [&str; 2] = ["PhotoWithLocation", "ShareLocation"];
pub const QUESTION_TYPES: [&str; 9] = [
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
pub const PROPERTY_TYPES: [&str; 8] = [
    "Text",
    "Numeric",
    "Location",
    "DateTime",
    "StringList",
    "Attachment",
    "StringSet",
    "AttachmentList",
];

/// A built-in `actionType` or a custom package `id`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind<'a> {
    Type(&'a str),
    Package(&'a str),
}

/// `actionType` (one of `allowed`) or `id` — exactly one of them.
fn kind_of<'a>(o: &Opts<'a>, allowed: &[&str]) -> Result<Kind<'a>, Error> {
    let t = o.opt_str("actionType")?;
    let p = o.opt_str("id")?;
    match (t, p) {
        (Some(_), Some(_)) => Err(o.err("id", "cannot be given together with actionType")),
        (Some(t), None) => {
            one_of(o.op(), &o.field("actionType"), t, allowed)?;
            Ok(Kind::Type(t))
        }
        (None, Some(p)) if !p.trim().is_empty() => Ok(Kind::Package(p)),
        _ => Err(o.err(
            "actionType",
            "is required (or id, for a custom action package)",
        )),
    }
}

fn copy(o: &Opts, body: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if let Some(v) = o.get(k) {
            body.insert((*k).to_string(), v.clone());
        }
    }
}

/// Each item of `key` as an object, with its own field prefix (`choices[1]`).
fn each_object<'a>(o: &Opts<'a>, key: &str, items: &'a [Value]) -> Result<Vec<Opts<'a>>, Error> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let f = format!("{}[{i}]", o.field(key));
            if v.is_object() {
                Opts::nested(o.op(), &f, v)
            } else {
                Err(Error::invalid(o.op(), &f, "must be an object"))
            }
        })
        .collect()
}

fn strings(o: &Opts, key: &str) -> Result<(), Error> {
    if let Some(items) = o.opt_array(key)? {
        for (i, v) in items.iter().enumerate() {
            if v.as_str().is_none_or(|s| s.trim().is_empty()) {
                let f = format!("{}[{i}]", o.field(key));
                return Err(Error::invalid(o.op(), &f, "must be a non-empty string"));
            }
        }
    }
    Ok(())
}

/// `{latitude, longitude, name?}` with coordinates in range.
fn location(o: &Opts, key: &str) -> Result<(), Error> {
    if let Some(p) = o.opt_object(key)? {
        for (k, max) in [("latitude", 90u8), ("longitude", 180)] {
            let max_f = f64::from(max);
            match p.opt_num(k)? {
                Some(v) if (-max_f..=max_f).contains(&v) => {}
                Some(_) => return Err(p.err(k, &format!("must be between -{max} and {max}"))),
                None => return Err(p.err(k, "is required")),
            }
        }
        p.opt_str("name")?;
    }
    Ok(())
}

/// Survey questions: `{title, type, isInvisible?, options?: [{title}]}`, options required for the
/// two option types.
fn questions(o: &Opts, required: bool) -> Result<(), Error> {
    let items = if required {
        o.req_array("questions")?
    } else {
        match o.opt_array("questions")? {
            Some(a) => a,
            None => return Ok(()),
        }
    };
    for q in each_object(o, "questions", items)? {
        q.req_str("title")?;
        let t = q.req_str("type")?;
        one_of(q.op(), &q.field("type"), t, &QUESTION_TYPES)?;
        q.opt_bool("isInvisible")?;
        let options = if matches!(t, "SingleOption" | "MultiOption") {
            Some(q.req_array("options")?)
        } else {
            q.opt_array("options")?
        };
        for opt in each_object(&q, "options", options.map_or(&[][..], |v| v))? {
            opt.req_str("title")?;
        }
    }
    Ok(())
}

fn properties(o: &Opts) -> Result<(), Error> {
    if let Some(items) = o.opt_array("properties")? {
        for p in each_object(o, "properties", items)? {
            p.req_str("name")?;
            let t = p.req_str("type")?;
            one_of(p.op(), &p.field("type"), t, &PROPERTY_TYPES)?;
            if !p.has("value") {
                return Err(p.err("value", "is required"));
            }
        }
    }
    Ok(())
}

const SURVEY_KEYS: [&str; 6] = [
    "title",
    "questions",
    "dueDate",
    "isAnonymous",
    "isSenderOnly",
    "acceptMultipleResponses",
];

/// Checks `actionBody` for `kind` and returns it with only the documented fields.
/// `validity` (hours) is kept when the action goes to a public group's subscribers.
fn action_body(b: &Opts, kind: Kind, to_subscribers: bool) -> Result<Map<String, Value>, Error> {
    let mut body = Map::new();
    match kind {
        Kind::Type("Image" | "Album" | "Audio" | "Document" | "Video") => {
            b.req_str("mediaResource")?;
            b.opt_str("caption")?;
            copy(b, &mut body, &["mediaResource", "caption"]);
        }
        Kind::Type("Announcement") => {
            // Optional: the platform titles it "Sent by <sender>" (choice C3 of docs/platform.md).
            b.opt_str("title")?;
            message(
                b.op(),
                &b.field("message"),
                b.opt_str("message")?.unwrap_or_default(),
            )?;
            strings(b, "mediaResources")?;
            copy(b, &mut body, &["title", "message", "mediaResources"]);
        }
        Kind::Type("Job") => {
            b.req_str("title")?;
            b.req_phones("assignedTo")?;
            b.opt_positive("dueDate")?;
            copy(b, &mut body, &["title", "assignedTo", "dueDate"]);
        }
        Kind::Type("Poll") => {
            b.req_str("question")?;
            for c in each_object(b, "choices", b.req_array("choices")?)? {
                c.req_str("title")?;
                c.opt_str("image")?;
            }
            b.opt_positive("expiryInHours")?;
            b.opt_bool("isSenderOnly")?;
            copy(
                b,
                &mut body,
                &["question", "choices", "expiryInHours", "isSenderOnly"],
            );
        }
        Kind::Type("LetsMeet") => {
            b.req_str("title")?;
            if ms_from_iso(b.req_str("startingTime")?).is_none() {
                return Err(b.err(
                    "startingTime",
                    "must be an ISO 8601 date-time, e.g. 2025-05-01T10:00:00Z",
                ));
            }
            b.opt_positive("duration")?;
            location(b, "place")?;
            b.opt_str("agenda")?;
            b.opt_bool("isSenderOnly")?;
            copy(
                b,
                &mut body,
                &[
                    "title",
                    "startingTime",
                    "duration",
                    "place",
                    "agenda",
                    "isSenderOnly",
                ],
            );
        }
        Kind::Type(_) => {
            // Survey (the only other postable type; kind_of refused the rest).
            b.req_str("title")?;
            questions(b, true)?;
            survey_flags(b)?;
            copy(b, &mut body, &SURVEY_KEYS);
        }
        Kind::Package(_) => {
            // A package sent to subscribers may carry only {title?, validity?}: nothing required.
            b.opt_str("title")?;
            questions(b, false)?;
            survey_flags(b)?;
            properties(b)?;
            copy(b, &mut body, &SURVEY_KEYS);
            copy(b, &mut body, &["properties"]);
        }
    }
    if to_subscribers {
        b.opt_positive("validity")?;
        copy(b, &mut body, &["validity"]);
    }
    Ok(body)
}

fn survey_flags(b: &Opts) -> Result<(), Error> {
    b.opt_positive("dueDate")?;
    for k in ["isAnonymous", "isSenderOnly", "acceptMultipleResponses"] {
        b.opt_bool(k)?;
    }
    Ok(())
}

/// The shared tail of every post: top-level public-group fields, then the spec.
fn build(
    op: &'static str,
    group_id: &str,
    kind: Kind,
    body: &Opts,
    top: &Opts,
) -> Result<RequestSpec, Error> {
    id(op, "groupId", group_id)?;
    let subscribers = top.opt_phones("subscribers")?;
    let to_all = top.opt_bool("sendToAllSubscribers")?;
    let body = action_body(body, kind, subscribers.is_some() || to_all == Some(true))?;
    let mut m = Map::new();
    match kind {
        Kind::Type(t) => put(&mut m, "actionType", t),
        Kind::Package(p) => put(&mut m, "id", p),
    }
    put(&mut m, "actionBody", Value::Object(body));
    if let Some(s) = subscribers {
        put(&mut m, "subscribers", s);
    }
    if let Some(b) = to_all {
        put(&mut m, "sendToAllSubscribers", b);
    }
    Ok(operations::spec(op, &[group_id]).json(Value::Object(m)))
}

/// `POST groups/{groupId}/actions` `{actionType | id, actionBody, subscribers?, sendToAllSubscribers?}`.
pub fn post_action(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("postAction", opts)?;
    let kind = kind_of(&o, &POST_TYPES)?;
    let body = Opts::nested(
        o.op(),
        "actionBody",
        o.get("actionBody").unwrap_or(&Value::Null),
    )?;
    build(o.op(), group_id, kind, &body, &o)
}

/// A typed post: `opts` holds the actionBody fields plus `subscribers?`/`sendToAllSubscribers?`.
fn post_typed(
    op: &'static str,
    action_type: &str,
    group_id: &str,
    opts: &Value,
) -> Result<RequestSpec, Error> {
    let o = Opts::new(op, opts)?;
    build(op, group_id, Kind::Type(action_type), &o, &o)
}

/// `postJob(groupId, {title, assignedTo, dueDate?, …})`.
pub fn post_job(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    post_typed("postJob", "Job", group_id, opts)
}

/// `postPoll(groupId, {question, choices, expiryInHours?, …})`.
pub fn post_poll(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    post_typed("postPoll", "Poll", group_id, opts)
}

/// `postSurvey(groupId, {title, questions, …})`.
pub fn post_survey(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    post_typed("postSurvey", "Survey", group_id, opts)
}

/// `postLetsMeet(groupId, {title, startingTime, duration?, place?, …})`.
pub fn post_lets_meet(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    post_typed("postLetsMeet", "LetsMeet", group_id, opts)
}

/// `postAnnouncement(groupId, {title, message, mediaResources?, …})`.
pub fn post_announcement(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    post_typed("postAnnouncement", "Announcement", group_id, opts)
}

/// `postMedia(groupId, {mediaResource, caption?, actionType?, mimeType?})`: `actionType` is one of
/// Image/Album/Audio/Document/Video, else inferred from `mimeType` (the upload's type).
pub fn post_media(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("postMedia", opts)?;
    let t = match o.opt_str("actionType")? {
        Some(t) => {
            one_of(o.op(), "actionType", t, &MEDIA_TYPES)?;
            t
        }
        None => match o.opt_str("mimeType")? {
            Some(m) => action_type_for_mime(m)
                .ok_or_else(|| o.err("mimeType", "is not a supported media type"))?,
            None => {
                return Err(o.err(
                    "actionType",
                    "is required (Image, Album, Audio, Document or Video), or give mimeType",
                ))
            }
        },
    };
    build(o.op(), group_id, Kind::Type(t), &o, &o)
}

/// `postCustomAction(groupId, packageId, {title?, questions?, properties?, …})` → `{id, actionBody}`.
pub fn post_custom_action(
    group_id: &str,
    package_id: &str,
    opts: &Value,
) -> Result<RequestSpec, Error> {
    const OP: &str = "postCustomAction";
    id(OP, "packageId", package_id)?;
    let o = Opts::new(OP, opts)?;
    build(OP, group_id, Kind::Package(package_id), &o, &o)
}

/// `GET groups/{groupId}/actions?actionType=&fromDate=&count=`. `fromDate` (epoch ms) may be a
/// number or a string of digits (as [`crate::normalize::next_cursor`] hands it back).
pub fn list_actions(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("listActions", opts)?;
    id(o.op(), "groupId", group_id)?;
    let mut spec = operations::spec(o.op(), &[group_id]);
    if let Some(t) = o.opt_str("actionType")? {
        crate::validate::non_empty(o.op(), "actionType", t)?;
        spec = spec.query("actionType", t);
    }
    let from = match o.get("fromDate") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        Some(Value::String(_)) => return Err(o.err("fromDate", "must be epoch milliseconds")),
        _ => o.opt_int("fromDate", 0, i64::MAX)?.map(|n| n.to_string()),
    };
    if let Some(f) = from {
        spec = spec.query("fromDate", f);
    }
    if let Some(n) = o.opt_int("count", 1, 1_000_000)? {
        spec = spec.query("count", n.to_string());
    }
    Ok(spec)
}

/// `GET groups/{groupId}/actions/{actionId}?getDetails=`.
pub fn get_action(group_id: &str, action_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("getAction", opts)?;
    id(o.op(), "groupId", group_id)?;
    id(o.op(), "actionId", action_id)?;
    let mut spec = operations::spec(o.op(), &[group_id, action_id]);
    if let Some(b) = o.opt_bool("getDetails")? {
        spec = spec.query("getDetails", b.to_string());
    }
    Ok(spec)
}

fn check_answers(
    op: &'static str,
    field: &str,
    questions: &Value,
    answers: &Value,
) -> Result<(), Error> {
    let Value::Array(qs) = questions else {
        return Err(Error::invalid(op, "questions", "must be an array"));
    };
    let Value::Array(ans) = answers else {
        return Err(Error::invalid(
            op,
            field,
            "must be an array with one answer per question",
        ));
    };
    if qs.len() != ans.len() {
        return Err(Error::invalid(
            op,
            field,
            &format!(
                "must hold one answer per question: {} questions, {} answers",
                qs.len(),
                ans.len()
            ),
        ));
    }
    for (i, (q, a)) in qs.iter().zip(ans).enumerate() {
        let f = format!("{field}[{i}]");
        let bad = |what: &str| Err(Error::invalid(op, &f, &format!("must be {what}")));
        let is_str = |v: &Value| v.as_str().is_some();
        match q.get("type").and_then(Value::as_str).unwrap_or_default() {
            "SingleOption" | "Text" | "Image" if !is_str(a) => return bad("a string"),
            "MultiOption" | "AttachmentList"
                if !a.as_array().is_some_and(|x| x.iter().all(is_str)) =>
            {
                return bad("an array of strings")
            }
            "Numeric" | "Date" | "DateTime" if !a.is_number() => return bad("a number"),
            "Location"
                if !(a.get("lt").is_some_and(Value::is_number)
                    && a.get("lg").is_some_and(Value::is_number)
                    && a.get("n").is_none_or(|n| n.is_string() || n.is_null())) =>
            {
                return bad("a location {lt, lg, n}")
            }
            "SingleOption" | "MultiOption" => {
                let titles: Vec<&str> = q
                    .get("options")
                    .and_then(Value::as_array)
                    .map(|o| {
                        o.iter()
                            .filter_map(|x| x.get("title").and_then(Value::as_str).or(x.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                let picked: Vec<&Value> = match a {
                    Value::Array(x) => x.iter().collect(),
                    one => vec![one],
                };
                let unknown = picked.iter().any(|p| {
                    !titles.is_empty() && !p.as_str().is_some_and(|s| titles.contains(&s))
                });
                if unknown {
                    return bad(&format!("among the options ({})", titles.join(", ")));
                }
            }
            _ if a.is_null()
                && !q
                    .get("isInvisible")
                    .and_then(Value::as_bool)
                    .unwrap_or(false) =>
            {
                return bad("an answer (not null)")
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks survey/package `answers` against the action's `questions`: one per question, by index;
/// a string for SingleOption/Text/Image, strings for MultiOption/AttachmentList, a number for
/// Numeric/Date/DateTime, `{lt, lg, n}` for Location. Errors name `answers[i]`.
pub fn validate_answers(questions: &Value, answers: &Value) -> Result<(), Error> {
    check_answers("respondToAction", "answers", questions, answers)
}

/// `POST groups/{groupId}/actions/{actionId}/responses` `{actionType | id, responseId?, actionBody}`.
/// A Job takes `{isCompleted}`; a Survey or package `{responseName?, responseLocation?, answers}`
/// (checked against `opts.questions` when given; `questions` is not sent). Other types' bodies go
/// as given. Not repeat-safe.
pub fn respond_to_action(
    group_id: &str,
    action_id: &str,
    opts: &Value,
) -> Result<RequestSpec, Error> {
    let o = Opts::new("respondToAction", opts)?;
    id(o.op(), "groupId", group_id)?;
    id(o.op(), "actionId", action_id)?;
    let all: Vec<&str> = POST_TYPES.iter().chain(&READ_ONLY_TYPES).copied().collect();
    let kind = kind_of(&o, &all)?;
    let b = Opts::nested(
        o.op(),
        "actionBody",
        o.get("actionBody").unwrap_or(&Value::Null),
    )?;
    let body = match kind {
        Kind::Type("Job") => {
            if b.opt_bool("isCompleted")?.is_none() {
                return Err(b.err("isCompleted", "is required (true or false)"));
            }
            let mut m = Map::new();
            copy(&b, &mut m, &["isCompleted"]);
            Value::Object(m)
        }
        Kind::Type("Survey") | Kind::Package(_) => {
            b.opt_str("responseName")?;
            location(&b, "responseLocation")?;
            b.req_array("answers")?;
            if let (Some(q), Some(a)) = (o.get("questions"), b.get("answers")) {
                check_answers(o.op(), &b.field("answers"), q, a)?;
            }
            let mut m = Map::new();
            copy(&b, &mut m, &["responseName", "responseLocation", "answers"]);
            Value::Object(m)
        }
        Kind::Type(_) => match o.get("actionBody") {
            Some(v) => v.clone(),
            None => return Err(o.err("actionBody", "is required")),
        },
    };
    let mut m = Map::new();
    match kind {
        Kind::Type(t) => put(&mut m, "actionType", t),
        Kind::Package(p) => put(&mut m, "id", p),
    }
    if let Some(r) = o.opt_str("responseId")? {
        crate::validate::non_empty(o.op(), "responseId", r)?;
        put(&mut m, "responseId", r);
    }
    put(&mut m, "actionBody", body);
    Ok(operations::spec(o.op(), &[group_id, action_id]).json(Value::Object(m)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
    use serde_json::json;

    const EP: &str = "http://h:1/inc-000/";

    fn body(r: Result<RequestSpec, Error>) -> Value {
        match r {
            Ok(s) => {
                assert_eq!((s.method, s.repeat_safe), (Method::Post, false));
                s.json_body().cloned().unwrap_or_default()
            }
            Err(e) => panic!("{e}"),
        }
    }

    fn field(r: Result<RequestSpec, Error>) -> Option<String> {
        r.err().and_then(|e| e.field)
    }

    fn survey_questions() -> Value {
        json!([
            {"title": "Pick", "type": "SingleOption", "options": [{"title": "A"}, {"title": "B"}]},
            {"title": "Many", "type": "MultiOption", "options": [{"title": "A"}]},
            {"title": "Say", "type": "Text"},
            {"title": "N", "type": "Numeric"},
            {"title": "Where", "type": "Location"},
            {"title": "Files", "type": "AttachmentList"},
            {"title": "When", "type": "DateTime"}
        ])
    }

    #[test]
    fn post_action_generic() {
        let s = post_action(
            "g1",
            &json!({"actionType": "Job", "actionBody": {"title": "Fix", "assignedTo": ["+911099999999"], "dueDate": 48, "junk": 1}}),
        );
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(s.operation, "postAction");
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g1/actions");
        assert_eq!(
            s.json_body(),
            Some(
                &json!({"actionType": "Job", "actionBody": {"title": "Fix", "assignedTo": ["+911099999999"], "dueDate": 48}})
            )
        );
        assert_eq!(
            field(post_action("g1", &json!({"actionBody": {}}))),
            Some("actionType".into())
        );
        assert_eq!(
            field(post_action(
                "g1",
                &json!({"actionType": "Dance", "actionBody": {}})
            )),
            Some("actionType".into())
        );
        assert_eq!(
            field(post_action(
                "g1",
                &json!({"actionType": "ShareLocation", "actionBody": {}})
            )),
            Some("actionType".into())
        );
        assert_eq!(
            field(post_action(
                "g1",
                &json!({"actionType": "Job", "id": "p", "actionBody": {}})
            )),
            Some("id".into())
        );
        assert_eq!(
            field(post_action("g1", &json!({"actionType": "Job"}))),
            Some("actionBody.title".into())
        );
        assert_eq!(
            field(post_action(
                "g1",
                &json!({"actionType": "Job", "actionBody": 3})
            )),
            Some("actionBody".into())
        );
        assert_eq!(
            field(post_action(
                "g1",
                &json!({"actionType": "Job", "actionBody": {"title": "t", "assignedTo": ["+911099999999", "911"]}})
            )),
            Some("actionBody.assignedTo[1]".into())
        );
        assert_eq!(
            field(post_action(
                "",
                &json!({"actionType": "Job", "actionBody": {"title": "t", "assignedTo": ["+911099999999"]}})
            )),
            Some("groupId".into())
        );
    }

    #[test]
    fn public_group_fields() {
        let b = body(post_action(
            "pub",
            &json!({"id": "com.pkg", "actionBody": {"title": "T", "validity": 12},
                                                "sendToAllSubscribers": true}),
        ));
        assert_eq!(
            b,
            json!({"id": "com.pkg", "actionBody": {"title": "T", "validity": 12}, "sendToAllSubscribers": true})
        );
        let b = body(post_job(
            "pub",
            &json!({"title": "T", "assignedTo": ["+911099999999"], "subscribers": ["+14155550100"], "validity": 2}),
        ));
        assert_eq!(
            b,
            json!({"actionType": "Job", "actionBody": {"title": "T", "assignedTo": ["+911099999999"], "validity": 2},
                   "subscribers": ["+14155550100"]})
        );
        // validity is only for subscriber sends
        let b = body(post_job(
            "g",
            &json!({"title": "T", "assignedTo": ["+911099999999"], "validity": 2}),
        ));
        assert_eq!(b["actionBody"].get("validity"), None);
        assert_eq!(
            field(post_job(
                "pub",
                &json!({"title": "T", "assignedTo": ["+911099999999"], "subscribers": ["x"]})
            )),
            Some("subscribers[0]".into())
        );
    }

    #[test]
    fn typed_posts() {
        let b = body(post_poll(
            "g",
            &json!({"question": "Lunch?", "choices": [{"title": "Yes"}, {"title": "No", "image": "m1"}], "expiryInHours": 24}),
        ));
        assert_eq!(
            b,
            json!({"actionType": "Poll", "actionBody": {"question": "Lunch?", "choices": [{"title": "Yes"}, {"title": "No", "image": "m1"}], "expiryInHours": 24}})
        );
        assert_eq!(
            field(post_poll("g", &json!({"question": "Q", "choices": []}))),
            Some("choices".into())
        );
        assert_eq!(
            field(post_poll(
                "g",
                &json!({"question": "Q", "choices": [{"title": ""}]})
            )),
            Some("choices[0].title".into())
        );
        assert_eq!(
            field(post_poll(
                "g",
                &json!({"question": "Q", "choices": ["Yes"]})
            )),
            Some("choices[0]".into())
        );
        assert_eq!(
            field(post_poll(
                "g",
                &json!({"question": "Q", "choices": [{"title": "a"}], "expiryInHours": 0})
            )),
            Some("expiryInHours".into())
        );

        let b = body(post_lets_meet(
            "g",
            &json!({"title": "Sync", "startingTime": "2025-05-01T10:00:00Z", "duration": 45,
                                                 "place": {"latitude": 17.4, "longitude": 78.5, "name": "HQ"}, "agenda": "a", "isSenderOnly": false}),
        ));
        assert_eq!(b["actionType"], json!("LetsMeet"));
        assert_eq!(
            b["actionBody"],
            json!({"title": "Sync", "startingTime": "2025-05-01T10:00:00Z", "duration": 45,
                                           "place": {"latitude": 17.4, "longitude": 78.5, "name": "HQ"}, "agenda": "a", "isSenderOnly": false})
        );
        assert_eq!(
            field(post_lets_meet(
                "g",
                &json!({"title": "S", "startingTime": "tomorrow"})
            )),
            Some("startingTime".into())
        );
        assert_eq!(
            field(post_lets_meet(
                "g",
                &json!({"title": "S", "startingTime": "2025-05-01T10:00:00Z", "place": {"latitude": 91, "longitude": 0}})
            )),
            Some("place.latitude".into())
        );
        assert_eq!(
            field(post_lets_meet(
                "g",
                &json!({"title": "S", "startingTime": "2025-05-01T10:00:00Z", "place": {"latitude": 1}})
            )),
            Some("place.longitude".into())
        );

        let b = body(post_announcement(
            "g",
            &json!({"title": "News", "message": "Hello", "mediaResources": ["m1"]}),
        ));
        assert_eq!(
            b,
            json!({"actionType": "Announcement", "actionBody": {"title": "News", "message": "Hello", "mediaResources": ["m1"]}})
        );
        // The swagger's announcement has no title (the platform gives it one).
        assert_eq!(
            body(post_announcement(
                "g",
                &json!({"message": "Lets test announcement"})
            )),
            json!({"actionType": "Announcement", "actionBody": {"message": "Lets test announcement"}})
        );
        assert_eq!(
            field(post_announcement(
                "g",
                &json!({"title": "N", "message": "x".repeat(4001)})
            )),
            Some("message".into())
        );
        assert_eq!(
            field(post_announcement(
                "g",
                &json!({"title": "N", "message": "m", "mediaResources": [""]})
            )),
            Some("mediaResources[0]".into())
        );

        let b = body(post_survey(
            "g",
            &json!({"title": "S", "questions": survey_questions(), "isAnonymous": true, "dueDate": 24}),
        ));
        assert_eq!(b["actionBody"]["questions"], survey_questions());
        assert_eq!(b["actionBody"]["isAnonymous"], json!(true));
        assert_eq!(
            field(post_survey("g", &json!({"title": "S", "questions": []}))),
            Some("questions".into())
        );
        assert_eq!(
            field(post_survey(
                "g",
                &json!({"title": "S", "questions": [{"title": "q", "type": "SingleOption"}]})
            )),
            Some("questions[0].options".into())
        );
        assert_eq!(
            field(post_survey(
                "g",
                &json!({"title": "S", "questions": [{"title": "q", "type": "Essay"}]})
            )),
            Some("questions[0].type".into())
        );
        assert_eq!(
            field(post_survey(
                "g",
                &json!({"title": "S", "questions": [{"title": "q", "type": "MultiOption", "options": [{}]}]})
            )),
            Some("questions[0].options[0].title".into())
        );
    }

    #[test]
    fn media_posts() {
        for t in MEDIA_TYPES {
            let b = body(post_media(
                "g",
                &json!({"actionType": t, "mediaResource": "m1", "caption": "c"}),
            ));
            assert_eq!(
                b,
                json!({"actionType": t, "actionBody": {"mediaResource": "m1", "caption": "c"}})
            );
        }
        let b = body(post_media(
            "g",
            &json!({"mimeType": "application/pdf", "mediaResource": "m1"}),
        ));
        assert_eq!(
            b,
            json!({"actionType": "Document", "actionBody": {"mediaResource": "m1"}})
        );
        assert_eq!(
            field(post_media("g", &json!({"mediaResource": "m1"}))),
            Some("actionType".into())
        );
        assert_eq!(
            field(post_media(
                "g",
                &json!({"actionType": "Job", "mediaResource": "m1"})
            )),
            Some("actionType".into())
        );
        assert_eq!(
            field(post_media(
                "g",
                &json!({"mimeType": "text/plain", "mediaResource": "m1"})
            )),
            Some("mimeType".into())
        );
        assert_eq!(
            field(post_media("g", &json!({"actionType": "Image"}))),
            Some("mediaResource".into())
        );
    }

    #[test]
    fn custom_packages() {
        let b = body(post_custom_action(
            "g",
            "com.pkg.v1",
            &json!({"title": "Inspect", "questions": survey_questions(),
            "properties": [{"name": "site", "type": "Text", "value": "A"}]}),
        ));
        assert_eq!(b["id"], json!("com.pkg.v1"));
        assert_eq!(
            b["actionBody"]["properties"],
            json!([{"name": "site", "type": "Text", "value": "A"}])
        );
        assert_eq!(b.get("actionType"), None);
        assert_eq!(
            field(post_custom_action(
                "g",
                "p",
                &json!({"properties": [{"name": "x", "type": "Blob", "value": 1}]})
            )),
            Some("properties[0].type".into())
        );
        assert_eq!(
            field(post_custom_action(
                "g",
                "p",
                &json!({"properties": [{"name": "x", "type": "Text"}]})
            )),
            Some("properties[0].value".into())
        );
        assert_eq!(
            field(post_custom_action("g", "", &json!({}))),
            Some("packageId".into())
        );
    }

    #[test]
    fn listing_and_reading() {
        let s = list_actions(
            "g1",
            &json!({"actionType": "Survey", "fromDate": 1700000000000_i64, "count": 10}),
        );
        let Ok(s) = s else { panic!("{s:?}") };
        assert!(s.repeat_safe);
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g1/actions?actionType=Survey&fromDate=1700000000000&count=10");
        let s = list_actions("g1", &json!({"fromDate": "1700000000000"}));
        assert_eq!(
            s.map(|s| url(EP, &s)).ok().as_deref(),
            Some("http://h:1/inc-000/v1/groups/g1/actions?fromDate=1700000000000")
        );
        assert_eq!(
            field(list_actions("g1", &json!({"fromDate": "yesterday"}))),
            Some("fromDate".into())
        );
        assert_eq!(
            field(list_actions("g1", &json!({"count": 0}))),
            Some("count".into())
        );
        let s = get_action("g1", "a1", &json!({"getDetails": true}));
        assert_eq!(
            s.map(|s| url(EP, &s)).ok().as_deref(),
            Some("http://h:1/inc-000/v1/groups/g1/actions/a1?getDetails=true")
        );
        assert_eq!(
            field(get_action("g1", "", &Value::Null)),
            Some("actionId".into())
        );
    }

    #[test]
    fn answers() {
        let good =
            json!(["A", ["A"], "hi", 3, {"lt": 1.0, "lg": 2.0, "n": "x"}, [], 1700000000000_i64]);
        assert!(validate_answers(&survey_questions(), &good).is_ok());
        let f = |a: Value| {
            validate_answers(&survey_questions(), &a)
                .err()
                .and_then(|e| e.field)
        };
        assert_eq!(f(json!(["A"])), Some("answers".into()));
        let mut bad = good.clone();
        bad[0] = json!(1);
        assert_eq!(f(bad), Some("answers[0]".into()));
        let mut bad = good.clone();
        bad[0] = json!("C");
        assert_eq!(f(bad), Some("answers[0]".into()));
        let mut bad = good.clone();
        bad[1] = json!(["A", "Z"]);
        assert_eq!(f(bad), Some("answers[1]".into()));
        let mut bad = good.clone();
        bad[1] = json!("A");
        assert_eq!(f(bad), Some("answers[1]".into()));
        let mut bad = good.clone();
        bad[3] = json!("3");
        assert_eq!(f(bad), Some("answers[3]".into()));
        let mut bad = good.clone();
        bad[4] = json!({"lt": 1});
        assert_eq!(f(bad), Some("answers[4]".into()));
        assert!(validate_answers(
            &json!([{"title": "?", "type": "Other"}]),
            &json!([{"x": 1}])
        )
        .is_ok());
        assert!(
            validate_answers(&json!([{"title": "?", "type": "Other"}]), &json!([null])).is_err()
        );
        assert!(validate_answers(&json!({}), &json!([])).is_err());
    }

    #[test]
    fn responding() {
        let s = respond_to_action(
            "g1",
            "a1",
            &json!({"actionType": "Job", "actionBody": {"isCompleted": true}}),
        );
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!((s.operation, s.repeat_safe), ("respondToAction", false));
        assert_eq!(
            url(EP, &s),
            "http://h:1/inc-000/v1/groups/g1/actions/a1/responses"
        );
        assert_eq!(
            s.json_body(),
            Some(&json!({"actionType": "Job", "actionBody": {"isCompleted": true}}))
        );
        let b = body(respond_to_action(
            "g1",
            "a1",
            &json!({"actionType": "Survey", "responseId": "r1", "questions": [{"title": "t", "type": "Text"}],
            "actionBody": {"answers": ["x"], "responseName": "me", "responseLocation": {"latitude": 1, "longitude": 2}}}),
        ));
        assert_eq!(
            b,
            json!({"actionType": "Survey", "responseId": "r1",
            "actionBody": {"answers": ["x"], "responseName": "me", "responseLocation": {"latitude": 1, "longitude": 2}}})
        );
        let b = body(respond_to_action(
            "g1",
            "a1",
            &json!({"id": "com.pkg", "actionBody": {"answers": [1]}}),
        ));
        assert_eq!(b, json!({"id": "com.pkg", "actionBody": {"answers": [1]}}));
        let b = body(respond_to_action(
            "g1",
            "a1",
            &json!({"actionType": "Poll", "actionBody": {"choice": 1}}),
        ));
        assert_eq!(
            b,
            json!({"actionType": "Poll", "actionBody": {"choice": 1}})
        );
        let f = |v: Value| field(respond_to_action("g1", "a1", &v));
        assert_eq!(
            f(json!({"actionType": "Job", "actionBody": {}})),
            Some("actionBody.isCompleted".into())
        );
        assert_eq!(
            f(json!({"actionType": "Survey", "actionBody": {}})),
            Some("actionBody.answers".into())
        );
        assert_eq!(
            f(
                json!({"actionType": "Survey", "questions": [{"title": "t", "type": "Numeric"}], "actionBody": {"answers": ["x"]}})
            ),
            Some("actionBody.answers[0]".into())
        );
        assert_eq!(f(json!({"actionType": "Poll"})), Some("actionBody".into()));
        assert_eq!(f(json!({"actionBody": {}})), Some("actionType".into()));
    }
}
