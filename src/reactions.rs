//! Reactions (docs/platform.md#reactions): add a like or comment, per-message and per-group summaries, details.

use crate::error::Error;
use crate::operations;
use crate::request::RequestSpec;
use crate::validate::{id, message, put, Opts};
use serde_json::{Map, Value};

pub const REACTION_TYPES: [&str; 2] = ["Like", "Comment"];

/// `sourceGroupId` from the options; when absent, the group itself (the message was posted there).
fn source_group<'a>(o: &Opts<'a>, group_id: &'a str) -> Result<&'a str, Error> {
    match o.opt_str("sourceGroupId")? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(o.err("sourceGroupId", "must not be empty")),
        None => Ok(group_id),
    }
}

/// A cursor given as a string or a number, as a query value.
fn cursor(o: &Opts) -> Result<Option<String>, Error> {
    match o.get("cursor") {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(o.err("cursor", "must be a string or a number")),
    }
}

/// `POST groups/{groupId}/reaction` `{referenceId, sourceGroupId, reactionType, comment?}`;
/// `comment` is required (≤ 4000 chars) for `Comment`. Not repeat-safe.
pub fn add_reaction(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("addReaction", opts)?;
    id(o.op(), "groupId", group_id)?;
    let mut body = Map::new();
    put(&mut body, "referenceId", o.req_str("referenceId")?);
    put(&mut body, "sourceGroupId", source_group(&o, group_id)?);
    let t = o.req_str("reactionType")?;
    crate::validate::one_of(o.op(), "reactionType", t, &REACTION_TYPES)?;
    put(&mut body, "reactionType", t);
    match (t, o.opt_str("comment")?) {
        ("Comment", c) => {
            let c = c.unwrap_or_default();
            message(o.op(), "comment", c)?;
            put(&mut body, "comment", c);
        }
        (_, Some(_)) => return Err(o.err("comment", "is only for reactionType Comment")),
        _ => {}
    }
    Ok(operations::spec(o.op(), &[group_id]).json(Value::Object(body)))
}

/// `GET groups/{groupId}/reaction/{referenceId}/summary?sourceGroupId=`.
pub fn reaction_summary(
    group_id: &str,
    reference_id: &str,
    opts: &Value,
) -> Result<RequestSpec, Error> {
    let o = Opts::new("reactionSummary", opts)?;
    id(o.op(), "groupId", group_id)?;
    id(o.op(), "referenceId", reference_id)?;
    let src = source_group(&o, group_id)?;
    Ok(operations::spec(o.op(), &[group_id, reference_id]).query("sourceGroupId", src))
}

/// `GET groups/{groupId}/reaction/summary?sourceGroupId=&cursor=` (cursor omitted when not given).
pub fn group_reaction_summary(group_id: &str, opts: &Value) -> Result<RequestSpec, Error> {
    let o = Opts::new("groupReactionSummary", opts)?;
    id(o.op(), "groupId", group_id)?;
    let mut spec =
        operations::spec(o.op(), &[group_id]).query("sourceGroupId", source_group(&o, group_id)?);
    if let Some(c) = cursor(&o)? {
        spec = spec.query("cursor", c);
    }
    Ok(spec)
}

/// `GET groups/{groupId}/reaction/{referenceId}?sourceGroupId=&reactionType=&cursor=`.
pub fn reaction_details(
    group_id: &str,
    reference_id: &str,
    opts: &Value,
) -> Result<RequestSpec, Error> {
    let o = Opts::new("reactionDetails", opts)?;
    id(o.op(), "groupId", group_id)?;
    id(o.op(), "referenceId", reference_id)?;
    let mut spec = operations::spec(o.op(), &[group_id, reference_id])
        .query("sourceGroupId", source_group(&o, group_id)?);
    if let Some(t) = o.opt_one_of("reactionType", &REACTION_TYPES)? {
        spec = spec.query("reactionType", t);
    }
    if let Some(c) = cursor(&o)? {
        spec = spec.query("cursor", c);
    }
    Ok(spec)
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
    fn adding() {
        let s = add_reaction("g1", &json!({"referenceId": "m1", "reactionType": "Like"}));
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(
            (s.operation, s.method, s.repeat_safe),
            ("addReaction", Method::Post, false)
        );
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g1/reaction");
        assert_eq!(
            s.json_body(),
            Some(&json!({"referenceId": "m1", "sourceGroupId": "g1", "reactionType": "Like"}))
        );
        let s = add_reaction(
            "g1",
            &json!({"referenceId": "m1", "sourceGroupId": "g0", "reactionType": "Comment", "comment": "nice"}),
        );
        assert_eq!(
            s.ok().and_then(|s| s.json_body().cloned()),
            Some(
                json!({"referenceId": "m1", "sourceGroupId": "g0", "reactionType": "Comment", "comment": "nice"})
            )
        );
        let f = |v: Value| field(add_reaction("g1", &v));
        assert_eq!(
            f(json!({"referenceId": "m1", "reactionType": "Comment"})),
            Some("comment".into())
        );
        assert_eq!(
            f(json!({"referenceId": "m1", "reactionType": "Like", "comment": "x"})),
            Some("comment".into())
        );
        assert_eq!(
            f(json!({"referenceId": "m1", "reactionType": "like"})),
            Some("reactionType".into())
        );
        assert_eq!(
            f(json!({"reactionType": "Like"})),
            Some("referenceId".into())
        );
        assert_eq!(
            f(json!({"referenceId": "m1", "reactionType": "Like", "sourceGroupId": ""})),
            Some("sourceGroupId".into())
        );
    }

    #[test]
    fn reading() {
        let s = reaction_summary("g1", "m1", &Value::Null);
        assert_eq!(
            s.map(|s| url(EP, &s)).ok().as_deref(),
            Some("http://h:1/inc-000/v1/groups/g1/reaction/m1/summary?sourceGroupId=g1")
        );
        let s = group_reaction_summary(
            "g1",
            &json!({"sourceGroupId": "g0", "cursor": 1700000000000_i64}),
        );
        assert_eq!(s.map(|s| url(EP, &s)).ok().as_deref(), Some("http://h:1/inc-000/v1/groups/g1/reaction/summary?sourceGroupId=g0&cursor=1700000000000"));
        let s = reaction_details(
            "g1",
            "m1",
            &json!({"reactionType": "Comment", "cursor": "c 2"}),
        );
        let Ok(s) = s else { panic!("{s:?}") };
        assert!(s.repeat_safe);
        assert_eq!(url(EP, &s), "http://h:1/inc-000/v1/groups/g1/reaction/m1?sourceGroupId=g1&reactionType=Comment&cursor=c%202");
        assert_eq!(
            field(reaction_details(
                "g1",
                "m1",
                &json!({"reactionType": "Love"})
            )),
            Some("reactionType".into())
        );
        assert_eq!(
            field(reaction_details("g1", "m1", &json!({"cursor": true}))),
            Some("cursor".into())
        );
        assert_eq!(
            field(reaction_summary("g1", "", &Value::Null)),
            Some("referenceId".into())
        );
    }
}
