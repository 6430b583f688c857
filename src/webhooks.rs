//! Webhooks (docs/platform.md#webhooks): register, list, update (incl. re-activation), delete; and, for receivers, the
//! validation token, the callback-token check and the event envelope.

use crate::error::{Error, ErrorCode};
use crate::request::{path, Method, RequestSpec};
use crate::validate::{http_url, id, one_of, put, Opts};
use serde_json::{Map, Value};

pub const OBJECT_TYPES: [&str; 3] = ["Group", "Action", "ActionPackage"];
/// The thirteen event types of the connector pages, then the four the platform's exported requests
/// also subscribe to (docs/platform.md#event-types, choice W2).
pub const EVENT_TYPES: [&str; 17] = [
    "ActionCreated",
    "ActionResponse",
    "SurveyCreated",
    "JobCreated",
    "SurveyResponse",
    "JobResponse",
    "TextMessageCreated",
    "AttachmentCreated",
    "Announcement",
    "MemberAdded",
    "MemberRemoved",
    "GroupAdded",
    "GroupRemoved",
    "PollCreated",
    "PollResponse",
    "LetsMeetCreated",
    "LetsMeetResponse",
];

/// The registration fields present in `o`, checked, spelled as the platform registers them
/// (`callBackUrl`, `callBackToken`, `callBackContext`). Callers may also write the listing
/// spellings `callbackUrl`/`callbackToken`/`callbackContext`.
fn fields(o: &Opts, body: &mut Map<String, Value>) -> Result<(), Error> {
    if let Some(v) = o.opt_str("objectId")? {
        crate::validate::non_empty(o.op(), "objectId", v)?;
        put(body, "objectId", v);
    }
    if let Some(v) = o.opt_one_of("objectType", &OBJECT_TYPES)? {
        put(body, "objectType", v);
    }
    if o.has("eventTypes") {
        let items = o.req_array("eventTypes")?;
        for (i, e) in items.iter().enumerate() {
            let f = format!("eventTypes[{i}]");
            one_of(o.op(), &f, e.as_str().unwrap_or_default(), &EVENT_TYPES)?;
        }
        put(body, "eventTypes", Value::Array(items.clone()));
    }
    for (canon, alias) in [
        ("callBackUrl", "callbackUrl"),
        ("callBackToken", "callbackToken"),
        ("callBackContext", "callbackContext"),
    ] {
        if let Some((v, f)) = o.get_any(&[canon, alias]) {
            if canon != "callBackContext" {
                let s = v
                    .as_str()
                    .ok_or_else(|| Error::invalid(o.op(), &f, "must be a string"))?;
                if canon == "callBackUrl" {
                    http_url(o.op(), &f, s)?;
                }
            }
            body.insert(canon.to_string(), v.clone());
        }
    }
    if let Some(v) = o.opt_int("validity", 0, i64::MAX)? {
        put(body, "validity", v);
    }
    Ok(())
}

/// `POST webhook` `{objectId, objectType, eventTypes, callBackUrl, callBackToken?, callBackContext?,
/// validity?}`. Not repeat-safe.
pub fn create_webhook(opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("createWebhook", opts)?;
    o.req_str("objectId")?;
    o.req_str("objectType")?;
    o.req_array("eventTypes")?;
    if o.get_any(&["callBackUrl", "callbackUrl"]).is_none() {
        return Err(o.err("callBackUrl", "is required"));
    }
    let mut body = Map::new();
    fields(&o, &mut body)?;
    Ok(RequestSpec::new(o.op(), Method::Post, "webhook".into()).json(Value::Object(body)))
}

/// `GET webhook?objectId=&objectType=` (only the filters given).
pub fn list_webhooks(opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("listWebhooks", opts)?;
    let mut spec = RequestSpec::new(o.op(), Method::Get, "webhook".into());
    if let Some(v) = o.opt_str("objectId")? {
        spec = spec.query("objectId", v);
    }
    if let Some(v) = o.opt_one_of("objectType", &OBJECT_TYPES)? {
        spec = spec.query("objectType", v);
    }
    Ok(spec)
}

/// `PUT webhook/{webhookId}`: any subset of the registration fields, plus `Active` (the caller may
/// write `active` or `Active`). An empty update is refused.
pub fn update_webhook(webhook_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("updateWebhook", opts)?;
    id(o.op(), "webhookId", webhook_id)?;
    let mut body = Map::new();
    fields(&o, &mut body)?;
    if let Some((v, f)) = o.get_any(&["Active", "active"]) {
        let b = v
            .as_bool()
            .ok_or_else(|| Error::invalid(o.op(), &f, "must be true or false"))?;
        put(&mut body, "Active", b);
    }
    if body.is_empty() {
        return Err(Error::invalid(
            o.op(),
            "options",
            "must change at least one field",
        ));
    }
    Ok(
        RequestSpec::new(o.op(), Method::Put, path(&["webhook", webhook_id]))
            .json(Value::Object(body)),
    )
}

/// `DELETE webhook/{webhookId}`.
pub fn delete_webhook(webhook_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "deleteWebhook";
    id(OP, "webhookId", webhook_id)?;
    Ok(RequestSpec::new(
        OP,
        Method::Delete,
        path(&["webhook", webhook_id]),
    ))
}

// ---- receiving ------------------------------------------------------------------------------

/// The `validationToken` of the platform's validation GET, from the request URL (absolute, or a
/// path with its query as `node:http` gives it); `None` when the request is not a validation.
pub fn validation_token(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "validationToken")
        .map(|(_, v)| v.into_owned())
}

/// Whether the `kz-callback-token` a delivery carried is the one registered, compared in
/// constant time (a difference in length still shows; the token's content does not).
pub fn verify_callback_token(received: Option<&str>, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    match received {
        Some(r) if !expected.is_empty() => bool::from(r.as_bytes().ct_eq(expected.as_bytes())),
        _ => false,
    }
}

/// The fields each event's `data` must carry (docs/platform.md#event-envelope).
fn data_fields(event_type: &str) -> &'static [&'static str] {
    match event_type {
        "TextMessageCreated" => &["text"],
        "AttachmentCreated" => &["media"],
        "Announcement" => &["title"],
        "JobCreated" => &["actionId", "groupId"],
        "JobResponse" | "SurveyCreated" | "ActionCreated" | "SurveyResponse" | "ActionResponse"
        | "PollCreated" | "PollResponse" | "LetsMeetCreated" | "LetsMeetResponse" => {
            &["actionId", "groupId"]
        }
        "MemberAdded" | "MemberRemoved" => &["member"],
        "GroupAdded" | "GroupRemoved" => &["groupId"],
        _ => &[],
    }
}

/// The files of an event's `media` list named as `AttachmentCreated` names them: the announcement
/// sample's `url`/`fileName` become `mediaUrl`/`mediaFileName` (choice W4 of docs/platform.md).
fn media_names(data: &mut Map<String, Value>) {
    let Some(Value::Array(items)) = data.get_mut("media") else {
        return;
    };
    for item in items.iter_mut() {
        let Value::Object(m) = item else { continue };
        for (alias, canon) in [("url", "mediaUrl"), ("fileName", "mediaFileName")] {
            if let Some(v) = m.remove(alias) {
                if m.get(canon).is_none_or(Value::is_null) {
                    m.insert(canon.to_string(), v);
                }
            }
        }
    }
}

/// A webhook delivery's body checked against the envelope of docs/platform.md#event-envelope: `{objectId, objectType, eventType,
/// eventId, data, context, fromUser, fromUserId, fromUserName, fromUserProfilePic}`. Fields the
/// platform left out come back as `null`; `data` keeps every field sent. A body that is not an
/// event is refused (`invalid_input`, naming the field).
pub fn parse_event(body: &Value) -> Result<Value, Error> {
    const OP: &str = "parseWebhookEvent";
    let not = |field: &str, problem: &str| {
        Error::new(
            ErrorCode::InvalidInput,
            OP,
            format!("not a Kaizala webhook event: {field} {problem}"),
        )
        .with_field(field)
    };
    let o = body
        .as_object()
        .ok_or_else(|| not("body", "must be a JSON object"))?;
    let text = |key: &str| -> Result<String, Error> {
        match o.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(Value::Null) | None => Err(not(key, "is missing")),
            Some(_) => Err(not(key, "must be a non-empty string")),
        }
    };
    let event_type = text("eventType")?;
    if !EVENT_TYPES.contains(&event_type.as_str()) {
        return Err(not(
            "eventType",
            &format!("'{event_type}' is not one of {}", EVENT_TYPES.join(", ")),
        ));
    }
    let event_id = text("eventId")?;
    let object_id = text("objectId")?;
    let object_type = text("objectType")?;
    if !OBJECT_TYPES.contains(&object_type.as_str()) {
        return Err(not(
            "objectType",
            &format!("'{object_type}' is not Group, Action or ActionPackage"),
        ));
    }
    let data = o
        .get("data")
        .and_then(Value::as_object)
        .ok_or_else(|| not("data", "must be an object"))?;
    for f in data_fields(&event_type) {
        if data.get(*f).is_none_or(Value::is_null) {
            return Err(not(
                &format!("data.{f}"),
                &format!("is missing (a {event_type} event carries it)"),
            ));
        }
    }
    let opt = |key: &str| o.get(key).cloned().unwrap_or(Value::Null);
    let mut data = data.clone();
    media_names(&mut data);
    Ok(serde_json::json!({
        "eventType": event_type,
        "eventId": event_id,
        "objectId": object_id,
        "objectType": object_type,
        "data": Value::Object(data),
        "context": opt("context"),
        "fromUser": opt("fromUser"),
        "fromUserId": opt("fromUserId"),
        "fromUserName": opt("fromUserName"),
        "fromUserProfilePic": opt("fromUserProfilePic"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use serde_json::json;

    const EP: &str = "http://h:1/inc-000/";

    fn field(r: Result<RequestSpec, Error>) -> Option<String> {
        r.err().and_then(|e| e.field)
    }

    #[test]
    fn register() {
        let s = create_webhook(
            &json!({"objectId": "g1", "objectType": "Group", "eventTypes": ["TextMessageCreated", "MemberAdded"],
                                       "callbackUrl": "https://me.example/hook", "callBackToken": "t", "callBackContext": {"k": 1}, "validity": 1800000000000_i64}),
        );
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(
            (s.operation, s.method, s.repeat_safe),
            ("createWebhook", Method::Post, false)
        );
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/webhook");
        assert_eq!(
            s.json_body(),
            Some(
                &json!({"objectId": "g1", "objectType": "Group", "eventTypes": ["TextMessageCreated", "MemberAdded"],
                         "callBackUrl": "https://me.example/hook", "callBackToken": "t", "callBackContext": {"k": 1}, "validity": 1800000000000_i64})
            )
        );
        let base = json!({"objectId": "g1", "objectType": "Group", "eventTypes": ["JobCreated"], "callBackUrl": "https://x/h"});
        assert!(create_webhook(&base).is_ok());
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            field(create_webhook(&b))
        };
        assert_eq!(with("objectType", json!("User")), Some("objectType".into()));
        assert_eq!(
            with("eventTypes", json!(["JobCreated", "Bogus"])),
            Some("eventTypes[1]".into())
        );
        assert_eq!(with("eventTypes", json!([])), Some("eventTypes".into()));
        assert_eq!(
            with("callBackUrl", json!("/hook")),
            Some("callBackUrl".into())
        );
        assert_eq!(with("callBackUrl", Value::Null), Some("callBackUrl".into()));
        assert_eq!(with("objectId", json!("")), Some("objectId".into()));
    }

    #[test]
    fn list_update_delete() {
        let s = list_webhooks(&json!({"objectId": "g 1", "objectType": "Group"}));
        assert_eq!(
            s.map(|s| url(EP, &s)).ok().as_deref(),
            Some("http://h:1/inc-000/v1/webhook?objectId=g%201&objectType=Group")
        );
        let s = list_webhooks(&Value::Null);
        assert_eq!(
            s.map(|s| url(EP, &s)).ok().as_deref(),
            Some("http://h:1/inc-000/v1/webhook")
        );
        for key in ["active", "Active"] {
            let s = update_webhook("w1", &json!({ key: true }));
            let Ok(s) = s else { panic!("{s:?}") };
            assert_eq!((s.method, s.repeat_safe), (Method::Put, true));
            assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/webhook/w1");
            assert_eq!(s.json_body(), Some(&json!({"Active": true})));
        }
        let s = update_webhook(
            "w1",
            &json!({"eventTypes": ["JobResponse"], "callbackUrl": "https://x/2"}),
        );
        assert_eq!(
            s.ok().and_then(|s| s.json_body().cloned()),
            Some(json!({"eventTypes": ["JobResponse"], "callBackUrl": "https://x/2"}))
        );
        assert_eq!(
            field(update_webhook("w1", &json!({}))),
            Some("options".into())
        );
        assert_eq!(
            field(update_webhook("w1", &json!({"active": "yes"}))),
            Some("active".into())
        );
        let s = delete_webhook("w1");
        assert_eq!(
            s.map(|s| (s.method, url(EP, &s))).ok(),
            Some((Method::Delete, "http://h:1/inc-000/v1/webhook/w1".into()))
        );
        assert_eq!(field(delete_webhook("")), Some("webhookId".into()));
    }

    #[test]
    fn validation_tokens_from_request_urls() {
        assert_eq!(
            validation_token("/hook?validationToken=a%2Bb+c&x=1").as_deref(),
            Some("a+b c")
        );
        assert_eq!(
            validation_token("https://h/x?y=2&validationToken=t1#frag").as_deref(),
            Some("t1")
        );
        assert_eq!(validation_token("/hook"), None);
        assert_eq!(validation_token("/hook?token=1"), None);
    }

    #[test]
    fn callback_tokens() {
        assert!(verify_callback_token(Some("s3cret"), "s3cret"));
        assert!(!verify_callback_token(Some("s3creT"), "s3cret"));
        assert!(!verify_callback_token(Some("s3cret!"), "s3cret"));
        assert!(!verify_callback_token(None, "s3cret"));
        assert!(!verify_callback_token(Some(""), ""));
    }

    #[test]
    fn events() {
        let body = json!({
            "objectId": "g1", "objectType": "Group", "eventType": "TextMessageCreated",
            "eventId": "e1", "data": {"text": "hi"}, "context": {"n": 1},
            "fromUser": "+911000000001", "fromUserId": "u1", "fromUserName": "Ann",
        });
        let Ok(e) = parse_event(&body) else {
            panic!("refused")
        };
        assert_eq!(e["eventId"], "e1");
        assert_eq!(e["data"]["text"], "hi");
        assert_eq!(e["context"]["n"], 1);
        assert_eq!(e["fromUserProfilePic"], Value::Null);
        for (change, field) in [
            (json!({"eventType": "Nope"}), "eventType"),
            (json!({"eventId": null}), "eventId"),
            (json!({"objectType": "Team"}), "objectType"),
            (json!({"data": "hi"}), "data"),
            (json!({"data": {}}), "data.text"),
        ] {
            let mut b = body.clone();
            for (k, v) in change.as_object().into_iter().flatten() {
                b[k] = v.clone();
            }
            let Err(err) = parse_event(&b) else {
                panic!("{change} accepted")
            };
            assert_eq!(err.code, ErrorCode::InvalidInput);
            assert_eq!(err.field.as_deref(), Some(field));
        }
        assert!(parse_event(&json!([1])).is_err());
    }

    /// The event samples of `kaizala-docs@240c775:Articles/connectors/EventSchema.md` parse, and the
    /// announcement's `url`/`fileName` read as `mediaUrl`/`mediaFileName` (choice W4).
    #[test]
    fn the_documents_event_samples() {
        let announcement = json!({
          "objectId": "8c291050-9be8-45d6-97f5-bb7013930027",
          "objectType": "Group",
          "eventType": "Announcement",
          "eventId": "3e49b367-acf6-48a7-a675-6bf4d372a070",
          "data": {
            "text": "Caption :Testing.",
            "title": "Sent by Robin Richard",
            "media": [
              {
                "url": "https://cdn.inc-000.kms.osi.office.net/contenthost/beb2cfef8732c6cc3b54652c1f6f99d64f529fd9be3d409e2966552639fb791f.jpeg",
                "fileName": "e3c145f1-5e6f-4ee9-bd83-49ec3a1c2550.jpeg"
              }
            ]
          },
         "context": "Any data which is required to be returned in callback",
          "fromUser": "+91xxxxxxxx",
          "fromUserId": "72e91-f3-4e7b-84eb-4e228406fb9b",
          "fromUserName": "Robin Richard",
          "fromUserProfilePic": "https://mobileonlyapps.blob.core.windows.net/72e29591-4e7b-84eb-4e228406fb9b/c34afc0d53614ae29285d08e6409e416.jpg"
        });
        let e = parse_event(&announcement).unwrap();
        assert_eq!(
            e["data"]["media"][0],
            json!({"mediaUrl": "https://cdn.inc-000.kms.osi.office.net/contenthost/beb2cfef8732c6cc3b54652c1f6f99d64f529fd9be3d409e2966552639fb791f.jpeg",
                   "mediaFileName": "e3c145f1-5e6f-4ee9-bd83-49ec3a1c2550.jpeg"})
        );
        assert_eq!(e["data"]["title"], "Sent by Robin Richard");
        let job = json!({
          "objectId": "8c2950-9be8-45d6-97f5-bb7013930027",
          "objectType": "Group",
          "eventType": "JobCreated",
          "eventId": "3e49b367-acf6-48a7-a675-6bf4d372a070",
          "data": {
            "assignedTo": [
              "+919740797266"
            ],
            "title": "Test Job",
            "dueDate": "2018-03-22T18:29:59Z",
            "actionId": "aeb012-31a0-477a-a131-8a1e2791b36e",
            "groupId": "8c291050-9be8-6-97f5-bb7013930027"
          },
         "context": "Any data which is required to be returned in callback",
          "fromUser": "+91xxxxxxxx",
          "fromUserId": "72e91-f3-4e7b-84eb-4e228406fb9b",
          "fromUserName": "Robin Richard",
          "fromUserProfilePic": "https://mobileonlyapps.blob.core.windows.net/72e29591-4e7b-84eb-4e228406fb9b/c34afc0d53614ae29285d08e6409e416.jpg"
        });
        assert_eq!(
            parse_event(&job).unwrap()["data"]["dueDate"],
            "2018-03-22T18:29:59Z"
        );
        // The event types only the exported requests name are events too.
        for t in [
            "PollCreated",
            "PollResponse",
            "LetsMeetCreated",
            "LetsMeetResponse",
        ] {
            let mut ev = job.clone();
            ev["eventType"] = json!(t);
            assert_eq!(parse_event(&ev).unwrap()["eventType"], t);
        }
    }

    #[test]
    fn registers_the_exported_requests_event_types() {
        let spec = create_webhook(&json!({"objectId": "g", "objectType": "Group",
            "eventTypes": ["ActionCreated", "PollCreated", "LetsMeetCreated", "PollResponse", "LetsMeetResponse"],
            "callBackUrl": "https://example.com/hook"}));
        assert!(spec.is_ok(), "{spec:?}");
    }
}
