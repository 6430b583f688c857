//! Text messages to a group or to a public group's subscribers (docs/platform.md#messages).

use crate::error::Error;
use crate::operations;
use crate::request::RequestSpec;
use crate::validate::{id, message, put, Opts};
use serde_json::{Map, Value};

/// `POST groups/{groupId}/messages` `{message, sendToAllSubscribers?, subscribers?}`. `opts` is the
/// text itself or `{message, sendToAllSubscribers?, subscribers?}`. Not repeat-safe.
pub fn send_message(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    const OP: &str = "sendMessage";
    id(OP, "groupId", group_id)?;
    let wrapped;
    let opts = if opts.is_string() {
        wrapped = crate::object(vec![("message", opts.clone())]);
        &wrapped
    } else {
        opts
    };
    let o = Opts::new(OP, opts)?;
    let text = o.opt_str("message")?.unwrap_or_default();
    message(OP, "message", text)?;
    let mut body = Map::new();
    put(&mut body, "message", text);
    if let Some(b) = o.opt_bool("sendToAllSubscribers")? {
        put(&mut body, "sendToAllSubscribers", b);
    }
    if let Some(list) = o.opt_phones("subscribers")? {
        put(&mut body, "subscribers", list);
    }
    Ok(operations::spec(OP, &[group_id]).json(Value::Object(body)))
}

/// `GET groups/{groupId}/messages?fromDate=&count=` — an emulator extension, not in the platform's
/// reference: `{messages: [{referenceId, text, sender, senderName, sentAt}], hasMore}`, oldest first
/// from `fromDate` (epoch ms), `count` 1–100.
pub fn list_messages(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("listMessages", opts)?;
    id(o.op(), "groupId", group_id)?;
    let mut spec = operations::spec(o.op(), &[group_id]);
    if let Some(f) = o.opt_int("fromDate", 0, i64::MAX)? {
        spec = spec.query("fromDate", f.to_string());
    }
    if let Some(n) = o.opt_int("count", 1, 100)? {
        spec = spec.query("count", n.to_string());
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
    use serde_json::json;

    #[test]
    fn text_or_options() {
        let s = send_message("g1", &json!("hello"));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(
            (s.operation, s.method, s.repeat_safe),
            ("sendMessage", Method::Post, false)
        );
        assert_eq!(
            url("http://h:1/inc-000/", &s),
            "http://h:1/inc-000/v1/groups/g1/messages"
        );
        assert_eq!(s.json_body(), Some(&json!({"message": "hello"})));
        let s = send_message(
            "pub",
            &json!({"message": "hi", "sendToAllSubscribers": false, "subscribers": ["+911099999999"]}),
        );
        assert_eq!(
            s.ok().and_then(|s| s.json_body().cloned()),
            Some(
                json!({"message": "hi", "sendToAllSubscribers": false, "subscribers": ["+911099999999"]})
            )
        );
    }

    #[test]
    fn refusals() {
        let field = |v: Value| send_message("g1", &v).err().and_then(|e| e.field);
        assert_eq!(field(json!("a".repeat(4001))), Some("message".into()));
        assert_eq!(field(json!("")), Some("message".into()));
        assert_eq!(field(json!({})), Some("message".into()));
        assert_eq!(
            field(json!({"message": "x", "subscribers": ["1099999999"]})),
            Some("subscribers[0]".into())
        );
        assert_eq!(field(json!(5)), Some("options".into()));
        assert!(send_message("g1", &json!("😀".repeat(4000))).is_ok());
    }

    #[test]
    fn listing_is_a_get_with_paging() {
        let s = list_messages("g1", &json!({"fromDate": 17, "count": 5}));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(
            (s.operation, s.method, s.repeat_safe),
            ("listMessages", Method::Get, true)
        );
        assert_eq!(
            url("http://h:1/inc-000/", &s),
            "http://h:1/inc-000/v1/groups/g1/messages?fromDate=17&count=5"
        );
        let field = |v: Value| list_messages("g1", &v).err().and_then(|e| e.field);
        assert_eq!(field(json!({"count": 101})), Some("count".into()));
        assert_eq!(field(json!({"fromDate": "x"})), Some("fromDate".into()));
        assert!(list_messages("g1", &Value::Null).is_ok());
    }
}
