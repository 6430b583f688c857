//! Subscribers of public groups (docs/platform.md#subscribers): add, list (a read sent as POST), remove.

use crate::error::Error;
use crate::groups::list_arg;
use crate::operations;
use crate::request::RequestSpec;
use crate::validate::{id, phone_list, put, Opts};
use serde_json::{Map, Value};

/// Largest page the platform serves.
pub const MAX_PAGE: i64 = 50;

fn change(op: &'static str, group_id: &str, subscribers: &Value) -> Result<RequestSpec, Error> {
    id(op, "groupId", group_id)?;
    let list = phone_list(op, "subscribers", list_arg(op, subscribers, "subscribers")?)?;
    Ok(operations::spec(op, &[group_id]).json(crate::object(vec![("subscribers", list.into())])))
}

/// `PUT groups/{groupId}/subscribers/add` `{subscribers: [phone]}`.
pub fn add_subscribers(group_id: &str, subscribers: &Value) -> Result<RequestSpec, Error> {
    change("addSubscribers", group_id, subscribers)
}

/// `PUT groups/{groupId}/subscribers/remove` `{subscribers: [phone]}`.
pub fn remove_subscribers(group_id: &str, subscribers: &Value) -> Result<RequestSpec, Error> {
    change("removeSubscribers", group_id, subscribers)
}

/// `POST groups/{groupId}/subscribers` `{cursor?, count? (1–50)}` — a read, so repeat-safe.
pub fn list_subscribers(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("listSubscribers", opts)?;
    id(o.op(), "groupId", group_id)?;
    let mut body = Map::new();
    if let Some(c) = o.opt_str("cursor")?.filter(|c| !c.is_empty()) {
        put(&mut body, "cursor", c);
    }
    if let Some(n) = o.opt_int("count", 1, MAX_PAGE)? {
        put(&mut body, "count", n);
    }
    Ok(operations::spec(o.op(), &[group_id]).json(Value::Object(body)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
    use serde_json::json;

    const EP: &str = "http://h:1/inc-000/";

    #[test]
    fn add_and_remove() {
        let s = add_subscribers("pub", &json!(["+911099999999"]));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!((s.method, s.repeat_safe), (Method::Put, true));
        assert_eq!(
            url(EP, &s),
            "http://h:1/inc-000/v1/groups/pub/subscribers/add"
        );
        assert_eq!(
            s.json_body(),
            Some(&json!({"subscribers": ["+911099999999"]}))
        );
        let s = remove_subscribers("pub", &json!({"subscribers": ["+911099999999"]}));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(s.operation, "removeSubscribers");
        assert_eq!(
            url(EP, &s),
            "http://h:1/inc-000/v1/groups/pub/subscribers/remove"
        );
        assert_eq!(
            s.json_body(),
            Some(&json!({"subscribers": ["+911099999999"]}))
        );
        let e = add_subscribers("pub", &json!(["+911099999999", "x"])).err();
        assert_eq!(e.and_then(|e| e.field), Some("subscribers[1]".into()));
    }

    #[test]
    fn listing_is_a_repeat_safe_post() {
        let s = list_subscribers("pub", &json!({"cursor": "c2", "count": 50}));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!((s.method, s.repeat_safe), (Method::Post, true));
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/pub/subscribers");
        assert_eq!(s.json_body(), Some(&json!({"cursor": "c2", "count": 50})));
        let s = list_subscribers("pub", &Value::Null);
        assert_eq!(s.ok().and_then(|s| s.json_body().cloned()), Some(json!({})));
        for bad in [
            json!({"count": 51}),
            json!({"count": 0}),
            json!({"count": 2.5}),
        ] {
            let e = list_subscribers("pub", &bad).err();
            assert_eq!(e.and_then(|e| e.field), Some("count".into()));
        }
    }
}
