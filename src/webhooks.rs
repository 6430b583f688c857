//! Webhooks (docs/platform.md#webhooks): register, list, update (incl. re-activation), delete. The
//! receiver's helpers (validation token, callback-token check, event envelope) are plain JS in the
//! package (pkg-template/receivers.js).

use crate::error::Error;
use crate::operations;
use crate::request::RequestSpec;
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
    Ok(operations::spec(o.op(), &[]).json(Value::Object(body)))
}

/// `GET webhook?objectId=&objectType=` (only the filters given).
pub fn list_webhooks(opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("listWebhooks", opts)?;
    let mut spec = operations::spec(o.op(), &[]);
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
    Ok(operations::spec(o.op(), &[webhook_id]).json(Value::Object(body)))
}

/// `DELETE webhook/{webhookId}`.
pub fn delete_webhook(webhook_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "deleteWebhook";
    id(OP, "webhookId", webhook_id)?;
    Ok(operations::spec(OP, &[webhook_id]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
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
    fn registers_the_exported_requests_event_types() {
        let spec = create_webhook(&json!({"objectId": "g", "objectType": "Group",
            "eventTypes": ["ActionCreated", "PollCreated", "LetsMeetCreated", "PollResponse", "LetsMeetResponse"],
            "callBackUrl": "https://example.com/hook"}));
        assert!(spec.is_ok(), "{spec:?}");
    }
}
