//! The signed-in user and the tenant's bots (docs/platform.md#users-and-bots).

use crate::error::Error;
use crate::operations;
use crate::request::RequestSpec;
use crate::validate::{id, put, Opts};
use serde_json::{Map, Value};

/// `GET users/me`.
pub fn me() -> RequestSpec {
    operations::spec("me", &[])
}

fn bot_fields(o: &Opts, require_name: bool) -> Result<Map<String, Value>, Error> {
    let mut body = Map::new();
    match o.opt_str("name")? {
        Some(n) if !n.trim().is_empty() => put(&mut body, "name", n),
        None if !require_name => {}
        _ => return Err(o.err("name", "is required and must not be empty")),
    }
    if let Some(p) = o.opt_str("profilePic")? {
        put(&mut body, "profilePic", p);
    }
    Ok(body)
}

/// `POST bot` `{name, profilePic?}`. Not repeat-safe.
pub fn create_bot(opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("createBot", opts)?;
    let body = bot_fields(&o, true)?;
    Ok(operations::spec(o.op(), &[]).json(Value::Object(body)))
}

/// `GET bot`.
pub fn list_bots() -> RequestSpec {
    operations::spec("listBots", &[])
}

/// `PUT bot/{botUserId}` `{name?, profilePic?}` (at least one).
pub fn update_bot(bot_user_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("updateBot", opts)?;
    id(o.op(), "botUserId", bot_user_id)?;
    let body = bot_fields(&o, false)?;
    if body.is_empty() {
        return Err(o.err("name", "or profilePic must be given"));
    }
    Ok(operations::spec(o.op(), &[bot_user_id]).json(Value::Object(body)))
}

/// `DELETE bot/{botUserId}`.
pub fn delete_bot(bot_user_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "deleteBot";
    id(OP, "botUserId", bot_user_id)?;
    Ok(operations::spec(OP, &[bot_user_id]))
}

/// `GET bot/accessToken/{botUserId}`: an access-token body for acting as the bot.
pub fn bot_access_token(bot_user_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "botAccessToken";
    id(OP, "botUserId", bot_user_id)?;
    Ok(operations::spec(OP, &[bot_user_id]))
}

/// `POST groups/{groupId}/bot` `{botUserId}`. Not repeat-safe (spec silent on repeats; treated as
/// every other POST).
pub fn add_bot_to_group(group_id: &str, bot_user_id: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "addBotToGroup";
    id(OP, "groupId", group_id)?;
    id(OP, "botUserId", bot_user_id)?;
    Ok(operations::spec(OP, &[group_id])
        .json(crate::object(vec![("botUserId", bot_user_id.into())])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
    use serde_json::json;

    const EP: &str = "http://h:1/inc-000/";

    #[test]
    fn profile() {
        let s = me();
        assert_eq!(
            (s.operation, s.method, s.repeat_safe),
            ("me", Method::Get, true)
        );
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/users/me");
    }

    #[test]
    fn bots() {
        let s = create_bot(&json!({"name": "Helper", "profilePic": "https://x/p.png"}));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!((s.method, s.repeat_safe), (Method::Post, false));
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/bot");
        assert_eq!(
            s.json_body(),
            Some(&json!({"name": "Helper", "profilePic": "https://x/p.png"}))
        );
        assert_eq!(
            create_bot(&json!({})).err().and_then(|e| e.field),
            Some("name".into())
        );
        assert_eq!(url(EP, &list_bots()), "http://h:1/inc-000/v1/bot");
        let s = update_bot("b1", &json!({"profilePic": "p"}));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(
            (s.method, url(EP, &s)),
            (Method::Put, "http://h:1/inc-000/v1/bot/b1".into())
        );
        assert_eq!(s.json_body(), Some(&json!({"profilePic": "p"})));
        assert!(update_bot("b1", &json!({})).is_err());
        assert!(update_bot("b1", &json!({"name": ""})).is_err());
        let s = delete_bot("b1");
        assert_eq!(
            s.map(|s| (s.method, url(EP, &s))).ok(),
            Some((Method::Delete, "http://h:1/inc-000/v1/bot/b1".into()))
        );
        let s = bot_access_token("b 1");
        assert_eq!(
            s.map(|s| (s.method, url(EP, &s))).ok(),
            Some((
                Method::Get,
                "http://h:1/inc-000/v1/bot/accessToken/b%201".into()
            ))
        );
        let s = add_bot_to_group("g1", "b1");
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!((s.operation, s.repeat_safe), ("addBotToGroup", false));
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g1/bot");
        assert_eq!(s.json_body(), Some(&json!({"botUserId": "b1"})));
        assert_eq!(
            add_bot_to_group("g1", "").err().and_then(|e| e.field),
            Some("botUserId".into())
        );
    }
}
