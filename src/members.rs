//! Group members (docs/platform.md#members): add, list, remove.

use crate::error::Error;
use crate::groups::list_arg;
use crate::operations;
use crate::request::RequestSpec;
use crate::validate::{id, phone_list};
use serde_json::Value;

/// `PUT groups/{groupId}/members` `{members: [phone]}`; takes the array or `{members}`.
pub fn add_members(group_id: &str, members: &Value) -> Result<RequestSpec, Error> {
    const OP: &str = "addMembers";
    id(OP, "groupId", group_id)?;
    let list = phone_list(OP, "members", list_arg(OP, members, "members")?)?;
    Ok(operations::spec(OP, &[group_id]).json(crate::object(vec![("members", list.into())])))
}

/// `GET groups/{groupId}/members`.
pub fn list_members(group_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "listMembers";
    id(OP, "groupId", group_id)?;
    Ok(operations::spec(OP, &[group_id]))
}

/// `DELETE groups/{groupId}/members/{memberId}` (the member's `id` from the listing).
pub fn remove_member(group_id: &str, member_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "removeMember";
    id(OP, "groupId", group_id)?;
    id(OP, "memberId", member_id)?;
    Ok(operations::spec(OP, &[group_id, member_id]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
    use serde_json::json;

    const EP: &str = "http://h:1/inc-000/";

    #[test]
    fn add() {
        for arg in [
            json!(["+911099999999", "+14155550100"]),
            json!({"members": ["+911099999999", "+14155550100"]}),
        ] {
            let s = add_members("g1", &arg);
            let Ok(s) = s else { panic!("{s:?}") };
            assert_eq!(
                (s.operation, s.method, s.repeat_safe),
                ("addMembers", Method::Put, true)
            );
            assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g1/members");
            assert_eq!(
                s.json_body(),
                Some(&json!({"members": ["+911099999999", "+14155550100"]}))
            );
        }
        let field = |v: Value| add_members("g1", &v).err().and_then(|e| e.field);
        assert_eq!(
            field(json!(["+911099999999", "+911099999999", "0911"])),
            Some("members[2]".into())
        );
        assert_eq!(field(json!([])), Some("members".into()));
        assert_eq!(field(json!({})), Some("members".into()));
        assert_eq!(field(json!("+911099999999")), Some("members".into()));
        assert_eq!(
            add_members("", &json!(["+911099999999"]))
                .err()
                .and_then(|e| e.field),
            Some("groupId".into())
        );
    }

    #[test]
    fn list_and_remove() {
        let s = list_members("g1");
        assert_eq!(
            s.map(|s| (s.method, url(EP, &s))).ok(),
            Some((
                Method::Get,
                "http://h:1/inc-000/v1/groups/g1/members".into()
            ))
        );
        let s = remove_member("g1", "u 1");
        assert_eq!(
            s.map(|s| (s.method, s.repeat_safe, url(EP, &s))).ok(),
            Some((
                Method::Delete,
                true,
                "http://h:1/inc-000/v1/groups/g1/members/u%201".into()
            ))
        );
        assert_eq!(
            remove_member("g1", "").err().and_then(|e| e.field),
            Some("memberId".into())
        );
    }
}
