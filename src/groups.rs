//! Groups and sub-groups (docs/platform.md#groups, #sub-groups): create, list, get, sub-group
//! create/add/list/remove.

use crate::error::Error;
use crate::operations;
use crate::request::RequestSpec;
use crate::validate::{id, message, put, Opts};
use serde_json::{Map, Value};

pub const GROUP_TYPES: [&str; 2] = ["Group", "ConnectGroup"];

/// The most numbers a group or sub-group is created with (the swagger's description of both calls;
/// docs/platform.md, choice L2).
pub const MAX_CREATION_MEMBERS: usize = 100;

/// `members` of a creation: E.164 numbers, at most `MAX_CREATION_MEMBERS`.
fn creation_members(o: &Opts) -> Result<Option<Vec<String>>, Error> {
    let m = o.opt_phones("members")?;
    if m.as_ref().is_some_and(|m| m.len() > MAX_CREATION_MEMBERS) {
        return Err(o.err(
            "members",
            &format!("may list at most {MAX_CREATION_MEMBERS} numbers (add more with addMembers)"),
        ));
    }
    Ok(m)
}

/// An array given directly, or found under `key` in an options object.
pub(crate) fn list_arg<'a>(op: &'static str, v: &'a Value, key: &str) -> Result<&'a Value, Error> {
    if v.is_array() {
        return Ok(v);
    }
    if !v.is_object() && !v.is_null() {
        return Err(Error::invalid(op, key, "must be an array"));
    }
    Opts::new(op, v)?
        .get(key)
        .ok_or_else(|| Error::invalid(op, key, "is required"))
}

/// `POST groups` `{name, welcomeMessage, members?, groupType?}`.
pub fn create_group(opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("createGroup", opts)?;
    let mut body = Map::new();
    put(&mut body, "name", o.req_str("name")?);
    let welcome = o.req_str("welcomeMessage")?;
    message(o.op(), "welcomeMessage", welcome)?;
    put(&mut body, "welcomeMessage", welcome);
    if let Some(m) = creation_members(&o)? {
        put(&mut body, "members", m);
    }
    if let Some(t) = o.opt_one_of("groupType", &GROUP_TYPES)? {
        put(&mut body, "groupType", t);
    }
    Ok(operations::spec(o.op(), &[]).json(Value::Object(body)))
}

fn bool_query(mut spec: RequestSpec, o: &Opts, keys: &[&str]) -> Result<RequestSpec, Error> {
    for k in keys {
        if let Some(b) = o.opt_bool(k)? {
            spec = spec.query(k, b.to_string());
        }
    }
    Ok(spec)
}

/// `GET groups?showDetail=&fetchAllGroups=` (only the options given).
pub fn list_groups(opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("listGroups", opts)?;
    let spec = operations::spec(o.op(), &[]);
    bool_query(spec, &o, &["showDetail", "fetchAllGroups"])
}

/// `GET groups/{groupId}`.
pub fn get_group(group_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "getGroup";
    id(OP, "groupId", group_id)?;
    Ok(operations::spec(OP, &[group_id]))
}

/// `POST groups/{groupId}/subGroups` `{groupName, groupImageUrl?, members?, welcomeMessage, addUserToGroup?}`.
pub fn create_sub_group(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("createSubGroup", opts)?;
    id(o.op(), "groupId", group_id)?;
    let mut body = Map::new();
    put(&mut body, "groupName", o.req_str("groupName")?);
    // The connector page's sample sends `"groupImageUrl": ""`: no picture, as when absent.
    let image = o.opt_str("groupImageUrl")?.filter(|u| !u.is_empty());
    if image.is_some() {
        if let Some(u) = o.opt_url("groupImageUrl")? {
            put(&mut body, "groupImageUrl", u);
        }
    }
    if let Some(m) = creation_members(&o)? {
        put(&mut body, "members", m);
    }
    let welcome = o.req_str("welcomeMessage")?;
    message(o.op(), "welcomeMessage", welcome)?;
    put(&mut body, "welcomeMessage", welcome);
    if let Some(b) = o.opt_bool("addUserToGroup")? {
        put(&mut body, "addUserToGroup", b);
    }
    Ok(operations::spec(o.op(), &[group_id]).json(Value::Object(body)))
}

/// `PUT groups/{groupId}/subGroups` `{subGroups: [groupId]}`; takes the array or `{subGroups}`.
pub fn add_sub_groups(group_id: &str, sub_groups: &Value) -> Result<RequestSpec, Error> {
    const OP: &str = "addSubGroups";
    id(OP, "groupId", group_id)?;
    let list = list_arg(OP, sub_groups, "subGroups")?;
    let Some(items) = list.as_array().filter(|a| !a.is_empty()) else {
        return Err(Error::invalid(
            OP,
            "subGroups",
            "must be a non-empty array of group ids",
        ));
    };
    for (i, item) in items.iter().enumerate() {
        let f = format!("subGroups[{i}]");
        match item.as_str() {
            Some(s) if !s.trim().is_empty() => {}
            _ => return Err(Error::invalid(OP, &f, "must be a group id")),
        }
    }
    Ok(operations::spec(OP, &[group_id]).json(crate::object(vec![(
        "subGroups",
        Value::Array(items.clone()),
    )])))
}

/// `GET groups/{groupId}/subGroups?fetchAllGroups=`.
pub fn list_sub_groups(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("listSubGroups", opts)?;
    id(o.op(), "groupId", group_id)?;
    let spec = operations::spec(o.op(), &[group_id]);
    bool_query(spec, &o, &["fetchAllGroups"])
}

/// `DELETE groups/{groupId}/subGroups/{subGroupId}`.
pub fn remove_sub_group(group_id: &str, sub_group_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "removeSubGroup";
    id(OP, "groupId", group_id)?;
    id(OP, "subGroupId", sub_group_id)?;
    Ok(operations::spec(OP, &[group_id, sub_group_id]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
    use serde_json::json;

    const EP: &str = "http://h:1/inc-000/";

    fn ok(r: Result<RequestSpec, Error>) -> RequestSpec {
        match r {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    fn field(r: Result<RequestSpec, Error>) -> Option<String> {
        r.err().and_then(|e| e.field)
    }

    #[test]
    fn create() {
        let s = ok(create_group(
            &json!({"name": "Ops", "welcomeMessage": "hi", "members": ["+911099999999"],
                                         "groupType": "ConnectGroup", "extra": 1}),
        ));
        assert_eq!(
            (s.operation, s.method, s.repeat_safe),
            ("createGroup", Method::Post, false)
        );
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups");
        assert_eq!(
            s.json_body(),
            Some(
                &json!({"name": "Ops", "welcomeMessage": "hi", "members": ["+911099999999"], "groupType": "ConnectGroup"})
            )
        );
        let s = ok(create_group(
            &json!({"name": "Ops", "welcomeMessage": "hi"}),
        ));
        assert_eq!(
            s.json_body(),
            Some(&json!({"name": "Ops", "welcomeMessage": "hi"}))
        );
        assert_eq!(
            field(create_group(&json!({"welcomeMessage": "hi"}))),
            Some("name".into())
        );
        assert_eq!(
            field(create_group(&json!({"name": "n"}))),
            Some("welcomeMessage".into())
        );
        assert_eq!(
            field(create_group(
                &json!({"name": "n", "welcomeMessage": "w", "members": ["+1", "+911099999999"]})
            )),
            Some("members[0]".into())
        );
        assert_eq!(
            field(create_group(
                &json!({"name": "n", "welcomeMessage": "w", "groupType": "group"})
            )),
            Some("groupType".into())
        );
        assert_eq!(
            field(create_group(
                &json!({"name": "n", "welcomeMessage": "x".repeat(4001)})
            )),
            Some("welcomeMessage".into())
        );
    }

    #[test]
    fn list_and_get() {
        let s = ok(list_groups(
            &json!({"showDetail": true, "fetchAllGroups": false}),
        ));
        assert_eq!(
            url(EP, &s),
            "http://h:1/inc-000/v1/groups?showDetail=true&fetchAllGroups=false"
        );
        assert!(s.repeat_safe);
        assert_eq!(
            url(EP, &ok(list_groups(&Value::Null))),
            "http://h:1/inc-000/v1/groups"
        );
        assert_eq!(
            field(list_groups(&json!({"showDetail": "yes"}))),
            Some("showDetail".into())
        );
        let s = ok(get_group("g 1"));
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g%201");
        assert_eq!(field(get_group("")), Some("groupId".into()));
        // An id is one path segment: a slash in it (which a server may decode) is refused.
        assert_eq!(field(get_group("g/1")), Some("groupId".into()));
    }

    #[test]
    fn sub_groups() {
        let s = ok(create_sub_group(
            "g1",
            &json!({"groupName": "Sub", "welcomeMessage": "w", "groupImageUrl": "https://x/i.png",
                                                   "members": ["+911099999999"], "addUserToGroup": true}),
        ));
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g1/subGroups");
        assert!(!s.repeat_safe);
        assert_eq!(
            s.json_body(),
            Some(
                &json!({"groupName": "Sub", "welcomeMessage": "w", "groupImageUrl": "https://x/i.png",
                          "members": ["+911099999999"], "addUserToGroup": true})
            )
        );
        assert_eq!(
            field(create_sub_group(
                "g1",
                &json!({"groupName": "S", "welcomeMessage": "w", "groupImageUrl": "i.png"})
            )),
            Some("groupImageUrl".into())
        );
        // At most 100 numbers at creation.
        let many: Vec<String> = (0..101).map(|i| format!("+9197{i:08}")).collect();
        assert_eq!(
            field(create_group(
                &json!({"name": "n", "welcomeMessage": "w", "members": many})
            )),
            Some("members".into())
        );
        assert_eq!(
            field(create_sub_group(
                "g1",
                &json!({"groupName": "n", "welcomeMessage": "w", "members": many})
            )),
            Some("members".into())
        );
        assert!(
            create_group(&json!({"name": "n", "welcomeMessage": "w", "members": many[..100]}))
                .is_ok()
        );
        // subGroups.md's sample: an empty picture URL is no picture.
        let s = ok(create_sub_group(
            "g1",
            &json!({"groupName": "Test Group", "groupImageUrl": "", "members": ["+919652000000", "+919910000005"],
                    "welcomeMessage": "Hello", "addUserToGroup": false}),
        ));
        assert!(s
            .json_body()
            .is_some_and(|b| b.get("groupImageUrl").is_none()));
        for arg in [json!(["s1", "s2"]), json!({"subGroups": ["s1", "s2"]})] {
            let s = ok(add_sub_groups("g1", &arg));
            assert_eq!((s.method, s.repeat_safe), (Method::Put, true));
            assert_eq!(s.json_body(), Some(&json!({"subGroups": ["s1", "s2"]})));
        }
        assert_eq!(
            field(add_sub_groups("g1", &json!(["s1", ""]))),
            Some("subGroups[1]".into())
        );
        assert_eq!(
            field(add_sub_groups("g1", &json!([]))),
            Some("subGroups".into())
        );
        assert_eq!(
            field(add_sub_groups("g1", &json!({}))),
            Some("subGroups".into())
        );
        let s = ok(list_sub_groups("g1", &json!({"fetchAllGroups": true})));
        assert_eq!(
            url(EP, &s),
            "http://h:1/inc-000/v1/groups/g1/subGroups?fetchAllGroups=true"
        );
        let s = ok(remove_sub_group("g1", "s1"));
        assert_eq!(
            (s.method, url(EP, &s)),
            (
                Method::Delete,
                "http://h:1/inc-000/v1/groups/g1/subGroups/s1".into()
            )
        );
        assert_eq!(
            field(remove_sub_group("g1", " ")),
            Some("subGroupId".into())
        );
    }
}
