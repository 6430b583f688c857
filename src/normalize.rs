//! Reading answers: one spelling for every variant the platform's documents show (docs/platform.md),
//! and paging (items, next cursor) of paged calls.

use crate::error::{Error, ErrorCode};
use crate::time::{iso_from_ms, ms_from_iso};
use serde_json::{Map, Value};

/// (other spelling, the one handed back). When both appear, the one handed back wins.
const RENAMES: [(&str, &str); 12] = [
    ("groupImageURL", "groupImageUrl"),
    ("imageURL", "imageUrl"),
    ("Choices", "choices"),
    ("Place", "place"),
    ("Answers", "answers"),
    ("Message", "message"),
    ("Title", "title"),
    ("MediaResources", "mediaResources"),
    ("DurationInMins", "duration"),
    ("callBackUrl", "callbackUrl"),
    ("callBackToken", "callbackToken"),
    ("Active", "active"),
];

/// Keys whose `"true"`/`"false"` strings become booleans.
const BOOL_KEYS: [&str; 5] = ["result", "isAdded", "isRemoved", "active", "hasMore"];

/// Caller-defined content that is handed back untouched.
const OPAQUE: [&str; 3] = ["callBackContext", "callbackContext", "context"];

/// Epoch seconds or milliseconds to ISO 8601. Values of 1e11 and more are taken as milliseconds
/// (in seconds they would lie beyond the year 5000), smaller ones as seconds.
fn epoch_to_iso(v: &Value) -> Option<String> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        // JSON's number grammar, read by the one JSON reader.
        Value::String(s) => crate::parse_json(s.trim())?.as_f64()?,
        _ => return None,
    };
    if !n.is_finite() || n.abs() > 1e15 {
        return None;
    }
    let ms = if n.abs() >= 1e11 { n } else { n * 1000.0 };
    iso_from_ms(ms.round() as i64)
}

/// `sentAt` from `creationTime` (epoch seconds) when `sentAt` is absent; a numeric `sentAt` also
/// becomes ISO. Unconvertible values are left as they are. Whether anything changed.
fn action_time(m: &mut Map<String, Value>) -> bool {
    let mut changed = false;
    if let Some(iso) = m
        .get("sentAt")
        .filter(|v| !v.is_string())
        .and_then(epoch_to_iso)
    {
        m.insert("sentAt".into(), Value::String(iso));
        changed = true;
    }
    let has_sent = m.get("sentAt").is_some_and(|v| !v.is_null());
    if !has_sent {
        if let Some(iso) = m.get("creationTime").and_then(epoch_to_iso) {
            crate::take(m, "creationTime");
            m.insert("sentAt".into(), Value::String(iso));
            changed = true;
        }
    } else if crate::take(m, "creationTime").is_some() {
        changed = true;
    }
    changed
}

/// Folds every spelling below `v`; whether anything changed.
fn walk(v: &mut Value, actions: bool) -> bool {
    let mut changed = false;
    match v {
        Value::Array(items) => {
            for x in items {
                changed |= walk(x, actions);
            }
        }
        Value::Object(m) => {
            for (alias, canon) in RENAMES {
                if let Some(x) = crate::take(m, alias) {
                    changed = true;
                    if m.get(canon).is_none_or(Value::is_null) {
                        m.insert(canon.to_string(), x);
                    }
                }
            }
            if actions {
                changed |= action_time(m);
            }
            for k in BOOL_KEYS {
                let b = match m.get(k).and_then(Value::as_str) {
                    Some(s) if s.eq_ignore_ascii_case("true") => true,
                    Some(s) if s.eq_ignore_ascii_case("false") => false,
                    _ => continue,
                };
                m.insert(k.to_string(), Value::Bool(b));
                changed = true;
            }
            for (k, x) in m.iter_mut() {
                if !OPAQUE.contains(&k.as_str()) {
                    changed |= walk(x, actions);
                }
            }
        }
        _ => {}
    }
    changed
}

/// A successful answer with every spelling of docs/platform.md folded into the documented one:
/// `groupImageUrl`, `imageUrl`, `choices`, `place`, `answers`, `message`, `title`, `mediaResources`,
/// `duration`, `callbackUrl`, `callbackToken`, `active`; `"true"`/`"false"` → booleans for
/// `result`/`isAdded`/`isRemoved`/`active`/`hasMore`; for `listActions`/`getAction`,
/// `creationTime` (epoch s) → `sentAt` (ISO 8601 UTC); and for `listSubGroups`, the swagger's bare
/// group object wrapped as the connector page answers it, `{groups: [group]}` (choice G2).
pub fn normalize_response(operation: &str, mut v: Value) -> Value {
    normalize(operation, &mut v);
    v
}

/// [`normalize_response`] in place; whether anything changed (when nothing did, the answer is
/// the server's JSON as it came, and the binding hands back the server's own text parsed).
pub fn normalize(operation: &str, v: &mut Value) -> bool {
    let mut changed = walk(v, operations::find(operation).is_some_and(|o| o.actions));
    if operation == "listSubGroups" && v.get("groups").is_none() && v.get("groupId").is_some() {
        let group = std::mem::take(v);
        let mut m = Map::new();
        m.insert("groups".into(), Value::Array(vec![group]));
        *v = Value::Object(m);
        changed = true;
    }
    changed
}

/// What an object must hold for [`normalize`] to change anything below it, as lines the binding
/// reads (`a:` a key with any value, `s:` a key holding a string, `n:` a key holding a number).
/// An answer with none of these at any depth is handed back as it came, without the core's tree.
/// The marks may say more than [`normalize`] folds (a mark is a reason to look, not a fold).
pub fn marks(operation: &str) -> String {
    marks_of(marks_kind(operation))
}

/// Which of the three sets of [`marks`] `operation`'s answers have: 0 the common one, 1 with an
/// action's keys, 2 with `listSubGroups`'s bare `groupId` (the binding keeps each one made).
pub fn marks_kind(operation: &str) -> usize {
    if operation == "listSubGroups" {
        2
    } else {
        usize::from(operations::find(operation).is_some_and(|o| o.actions))
    }
}

/// The [`marks`] of a [`marks_kind`].
pub fn marks_of(kind: usize) -> String {
    let mut out = String::new();
    let mut add = |kind: &str, key: &str| {
        out.push_str(kind);
        out.push_str(key);
        out.push('\n');
    };
    for (alias, _) in RENAMES {
        add("a:", alias);
    }
    for k in BOOL_KEYS {
        add("s:", k);
    }
    if kind == 1 {
        add("a:", "creationTime");
        add("n:", "sentAt");
    }
    // `{groupId, ...}` is wrapped as `{groups: [...]}`.
    if kind == 2 {
        add("a:", "groupId");
    }
    out
}

pub use crate::operations::Shape;
use crate::operations::{self, Cursor};

/// The shape of `operation`'s answer (see [`crate::operations`]): a listing holds its items
/// array (see [`page_items`]), the raw `request` may be anything, every other call answers an
/// object.
pub fn shape(operation: &str) -> Shape {
    operations::shape(operation)
}

/// The kind of a JSON value, as an answer's shape is checked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub fn of(v: &Value) -> Kind {
        match v {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// `invalid_response` when a 2xx answer is not of the operation's [`shape`]: a string, a
/// number or an array where an object is expected, or a listing without its items array.
pub fn check_shape(operation: &str, body: &Value) -> Result<(), Error> {
    check_kinds(operation, Kind::of(body), &|k| body.get(k).map(Kind::of))
}

/// [`check_shape`] from the kinds alone: the answer's, and that of each of its top-level keys
/// (`None` when absent), so the binding can check an answer it has not read into the core's tree.
pub fn check_kinds(
    operation: &str,
    top: Kind,
    key: &dyn Fn(&str) -> Option<Kind>,
) -> Result<(), Error> {
    let bad = |what: String| {
        Err(Error::new(
            ErrorCode::InvalidResponse,
            operation,
            format!("the answer {what}"),
        ))
    };
    match shape(operation) {
        Shape::Any => Ok(()),
        _ if top != Kind::Object => bad(format!("is {} where an object was expected", top.name())),
        Shape::Object => Ok(()),
        // The swagger's answer of GET subGroups, the group itself (normalised to the page's).
        Shape::Listing(_) if operation == "listSubGroups" && key("groupId").is_some() => Ok(()),
        Shape::Listing(items) => match key(items) {
            Some(Kind::Array) => Ok(()),
            None | Some(Kind::Null) => bad(format!("has no `{items}` list")),
            Some(other) => bad(format!(
                "has {} for `{items}` where a list was expected",
                other.name()
            )),
        },
    }
}

/// The items of one page (empty when the operation has no list or the answer lacks it).
pub fn page_items(operation: &str, page: &Value) -> Vec<Value> {
    operations::items_key(operation)
        .and_then(|k| page.get(k))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The option that carries the next-page cursor of a paged call.
pub fn cursor_param(operation: &str) -> Option<&'static str> {
    operations::paging(operation).map(|p| p.param)
}

fn ms_of(action: &Value) -> Option<i64> {
    match action.get("sentAt") {
        Some(Value::String(s)) => ms_from_iso(s),
        _ => action
            .get("creationTime")
            .and_then(epoch_to_iso)
            .and_then(|s| ms_from_iso(&s)),
    }
}

/// The cursor for the page after `page`, or `None` when this was the last. `previous` is the
/// cursor that fetched `page` (an unchanged cursor stops paging, as does an empty page).
///
/// - `listSubscribers`: the answer's `cursor`, present only when there is a next page.
/// - `listActions`: when `hasMore` is true, the newest `sentAt` on the page in epoch ms + 1, as
///   `fromDate` (choice, matching the emulator: the listing runs oldest first from `fromDate`
///   inclusive, so the next page starts just after the newest item seen).
/// - `groupReactionSummary`/`reactionDetails`: the answer's `cursor` (string or number); absent,
///   empty or `0` (the starting value) ends paging.
pub fn next_cursor(operation: &str, page: &Value, previous: Option<&str>) -> Option<String> {
    let cursor = operations::paging(operation)?.cursor;
    let next = match cursor {
        Cursor::Field | Cursor::FieldFromZero => match page.get("cursor")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        },
        Cursor::NewestSentAt => {
            let more = match page.get("hasMore")? {
                Value::Bool(b) => *b,
                Value::String(s) => s.eq_ignore_ascii_case("true"),
                _ => false,
            };
            if !more {
                return None;
            }
            let items = page.get("actions")?.as_array()?;
            items
                .iter()
                .filter_map(ms_of)
                .max()?
                .saturating_add(1)
                .to_string()
        }
    };
    let ends = next.is_empty()
        || (cursor == Cursor::FieldFromZero && next == "0")
        || previous == Some(next.as_str())
        || page_items(operation, page).is_empty();
    (!ends).then_some(next)
}

/// `opts` with the cursor for the next page set (`fromDate` as a number for `listActions`).
pub fn with_cursor(operation: &str, opts: &Value, cursor: &str) -> Value {
    let mut m = opts.as_object().cloned().unwrap_or_default();
    if let Some(key) = cursor_param(operation) {
        let numeric = operations::paging(operation).map(|p| p.cursor) == Some(Cursor::NewestSentAt);
        let v = match (numeric, cursor.parse::<i64>()) {
            (true, Ok(n)) => Value::from(n),
            _ => Value::String(cursor.to_string()),
        };
        m.insert(key.to_string(), v);
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `normalize` says "changed" exactly when the value is not what came in: the binding hands
    /// back the server's own text for an unchanged answer, so a missed change would leak a
    /// spelling the documents fold.
    #[test]
    fn normalize_reports_every_change() {
        let cases = [
            (
                "listGroups",
                json!({"groups": [{"groupId": "g", "groupName": "n"}]}),
                false,
            ),
            (
                "listGroups",
                json!({"groups": [{"groupId": "g", "groupImageURL": "u"}]}),
                true,
            ),
            (
                "listGroups",
                json!({"groups": [{"groupImageURL": null, "groupImageUrl": "u"}]}),
                true,
            ),
            ("addMembers", json!({"result": true}), false),
            ("addMembers", json!({"result": "True"}), true),
            (
                "addSubscribers",
                json!({"result": {"+1": {"isAdded": "false"}}}),
                true,
            ),
            (
                "listActions",
                json!({"actions": [{"sentAt": "2020-01-01T00:00:00.000Z"}], "hasMore": false}),
                false,
            ),
            (
                "listActions",
                json!({"actions": [{"creationTime": 1577836800}], "hasMore": false}),
                true,
            ),
            (
                "listActions",
                json!({"actions": [{"sentAt": 1577836800000_i64}]}),
                true,
            ),
            (
                "listActions",
                json!({"actions": [{"sentAt": "x", "creationTime": 5}]}),
                true,
            ),
            (
                "listActions",
                json!({"actions": [{"sentAt": "x", "creationTime": "soon"}]}),
                true,
            ),
            (
                "listActions",
                json!({"actions": [{"creationTime": "soon"}]}),
                false,
            ),
            (
                "listGroups",
                json!({"groups": [{"creationTime": 5}]}),
                false,
            ),
            (
                "listSubGroups",
                json!({"groupId": "g", "subGroups": []}),
                true,
            ),
            (
                "listSubGroups",
                json!({"groups": [{"groupId": "g"}]}),
                false,
            ),
            (
                "listWebhooks",
                json!({"webhooks": [{"callBackContext": {"Title": "kept"}}]}),
                false,
            ),
            (
                "listWebhooks",
                json!({"webhooks": [{"callBackUrl": "u", "Active": "true"}]}),
                true,
            ),
            ("request", json!([{"deep": [{"Message": "m"}]}]), true),
            ("request", json!("text"), false),
        ];
        for (op, body, want) in cases {
            let mut v = body.clone();
            let changed = normalize(op, &mut v);
            assert_eq!(changed, want, "{op} {body}");
            assert_eq!(
                changed,
                v != body,
                "{op} {body}: reported {changed}, got {v}"
            );
            assert!(
                !changed || marked(&body, &marks(op)),
                "{op} {body}: a fold unmarked"
            );
        }
    }

    /// What the binding's `answer.js` asks of [`marks`], over the core's tree.
    fn marked(v: &Value, marks: &str) -> bool {
        match v {
            Value::Array(items) => items.iter().any(|x| marked(x, marks)),
            Value::Object(m) => m.iter().any(|(k, x)| {
                marks.lines().any(|l| match l.split_once(':') {
                    Some(("a", key)) => key == k,
                    Some(("s", key)) => key == k && x.is_string(),
                    Some(("n", key)) => key == k && x.is_number(),
                    _ => false,
                }) || marked(x, marks)
            }),
            _ => false,
        }
    }

    /// Answers built at random from every key the folds look at (and others), every kind of
    /// value and nesting: whatever [`normalize`] changes, [`marks`] points at.
    #[test]
    fn every_fold_is_marked() {
        let mut keys: Vec<&str> = RENAMES.iter().flat_map(|(a, c)| [*a, *c]).collect();
        keys.extend(BOOL_KEYS);
        keys.extend(OPAQUE);
        keys.extend([
            "sentAt",
            "creationTime",
            "groupId",
            "groups",
            "actions",
            "x",
        ]);
        let scalars = [
            json!(null),
            json!(true),
            json!(5),
            json!(1577836800),
            json!(1.5e12),
            json!("true"),
            json!("False"),
            json!("1577836800"),
            json!("2020-01-01T00:00:00.000Z"),
            json!("x"),
        ];
        // xorshift: a fixed sequence, so a failure repeats.
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        fn build(
            next: &mut dyn FnMut(usize) -> usize,
            keys: &[&str],
            scalars: &[Value],
            depth: u32,
        ) -> Value {
            match next(if depth > 3 { 1 } else { 4 }) {
                0 => scalars[next(scalars.len())].clone(),
                1 => Value::Array(
                    (0..next(3))
                        .map(|_| build(next, keys, scalars, depth + 1))
                        .collect(),
                ),
                _ => Value::Object(
                    (0..next(5))
                        .map(|_| {
                            (
                                keys[next(keys.len())].to_string(),
                                build(next, keys, scalars, depth + 1),
                            )
                        })
                        .collect(),
                ),
            }
        }
        let ops: Vec<&str> = operations::OPERATIONS.iter().map(|o| o.name).collect();
        let mut folded = 0;
        for i in 0..20_000 {
            let op = ops[i % ops.len()];
            let body = build(&mut next, &keys, &scalars, 0);
            let mut v = body.clone();
            if normalize(op, &mut v) {
                folded += 1;
                assert!(marked(&body, &marks(op)), "{op} {body}: a fold unmarked");
            }
        }
        assert!(
            folded > 2_000,
            "only {folded} answers folded: the cases do not reach the folds"
        );
    }

    #[test]
    fn group_spellings() {
        let v = json!({"groups": [{"groupId": "g", "groupImageURL": "u", "subGroups": [{"groupImageURL": "v"}]}]});
        assert_eq!(
            normalize_response("listGroups", v),
            json!({"groups": [{"groupId": "g", "groupImageUrl": "u", "subGroups": [{"groupImageUrl": "v"}]}]})
        );
        let both = json!({"groupImageUrl": "keep", "groupImageURL": "drop"});
        assert_eq!(
            normalize_response("getGroup", both),
            json!({"groupImageUrl": "keep"})
        );
    }

    #[test]
    fn sub_groups_answer_the_connector_pages_shape() {
        let page = json!({"groups": [{"groupId": "g", "groupImageURL": "u",
            "subGroups": [{"groupId": "s", "subGroups": []}]}]});
        let want = json!({"groups": [{"groupId": "g", "groupImageUrl": "u",
            "subGroups": [{"groupId": "s", "subGroups": []}]}]});
        assert_eq!(normalize_response("listSubGroups", page), want);
        // The swagger's shape, the group itself, reads the same.
        let bare = json!({"groupId": "g", "groupImageURL": "u", "subGroups": [{"groupId": "s", "subGroups": []}]});
        assert_eq!(normalize_response("listSubGroups", bare), want);
        assert!(check_shape("listSubGroups", &want).is_ok());
        assert!(check_shape("listSubGroups", &json!({"groupId": "g"})).is_ok());
        assert!(check_shape("listSubGroups", &json!({"subGroups": []})).is_err());
        assert_eq!(page_items("listSubGroups", &want).len(), 1);
    }

    #[test]
    fn results_become_booleans() {
        assert_eq!(
            normalize_response("addMembers", json!({"result": "true"})),
            json!({"result": true})
        );
        assert_eq!(
            normalize_response("deleteWebhook", json!({"result": "False"})),
            json!({"result": false})
        );
        assert_eq!(
            normalize_response("removeMember", json!({"result": true})),
            json!({"result": true})
        );
        assert_eq!(
            normalize_response(
                "addSubscribers",
                json!({"result": {"+911099999999": {"isAdded": "false", "reason": "x"}}})
            ),
            json!({"result": {"+911099999999": {"isAdded": false, "reason": "x"}}})
        );
        assert_eq!(
            normalize_response("x", json!({"result": "maybe"})),
            json!({"result": "maybe"})
        );
    }

    #[test]
    fn action_spellings() {
        let v = json!({"actions": [
            {"referenceId": "r1", "actionType": "Announcement", "creationTime": 1700000000,
             "actionBody": {"Title": "T", "Message": "M", "MediaResources": ["m"]}},
            {"referenceId": "r2", "actionType": "LetsMeet", "sentAt": "2023-11-14T22:13:20.000Z", "creationTime": 5,
             "actionBody": {"title": "t", "DurationInMins": 30}},
            {"referenceId": "r3", "actionType": "Survey", "creationTime": "1700000000123",
             "actionDetails": {"responses": [{"Answers": ["a"]}]}}
        ], "hasMore": "false"});
        assert_eq!(
            normalize_response("listActions", v),
            json!({"actions": [
                {"referenceId": "r1", "actionType": "Announcement", "sentAt": "2023-11-14T22:13:20.000Z",
                 "actionBody": {"title": "T", "message": "M", "mediaResources": ["m"]}},
                {"referenceId": "r2", "actionType": "LetsMeet", "sentAt": "2023-11-14T22:13:20.000Z",
                 "actionBody": {"title": "t", "duration": 30}},
                {"referenceId": "r3", "actionType": "Survey", "sentAt": "2023-11-14T22:13:20.123Z",
                 "actionDetails": {"responses": [{"answers": ["a"]}]}}
            ], "hasMore": false})
        );
        let got = normalize_response("getAction", json!({"actionType": "Job", "creationTime": 0}));
        assert_eq!(
            got,
            json!({"actionType": "Job", "sentAt": "1970-01-01T00:00:00.000Z"})
        );
        // creationTime is only an action field
        let other = normalize_response("listGroups", json!({"creationTime": 5}));
        assert_eq!(other, json!({"creationTime": 5}));
        let bad = normalize_response("getAction", json!({"creationTime": "soon"}));
        assert_eq!(bad, json!({"creationTime": "soon"}));
    }

    #[test]
    fn webhook_spellings() {
        let v = json!({"webhooks": [
            {"id": "w1", "callBackUrl": "https://a", "callBackToken": "t", "Active": "true", "callBackContext": {"Title": "mine"}},
            {"id": "w2", "callbackUrl": "https://listing", "callBackUrl": "https://register", "active": false}
        ]});
        assert_eq!(
            normalize_response("listWebhooks", v),
            json!({"webhooks": [
                {"id": "w1", "callbackUrl": "https://a", "callbackToken": "t", "active": true, "callBackContext": {"Title": "mine"}},
                {"id": "w2", "callbackUrl": "https://listing", "active": false}
            ]})
        );
    }

    #[test]
    fn answers_of_the_wrong_shape_are_invalid() {
        use crate::error::ErrorCode;
        let code = |op: &str, v: Value| check_shape(op, &v).err().map(|e| (e.code, e.message));
        assert_eq!(code("listGroups", json!({"groups": []})), None);
        assert_eq!(code("sendMessage", json!({"referenceId": "r"})), None);
        assert_eq!(code("generatePin", json!({})), None);
        assert_eq!(code("request", json!("anything")), None);
        assert_eq!(code("request", json!([1])), None);
        for (op, v) in [
            ("listGroups", json!("groups")),
            ("listGroups", json!(7)),
            ("listGroups", json!([{"groupId": "g"}])),
            ("listGroups", json!(null)),
            ("listGroups", json!({})),
            ("listGroups", json!({"groups": null})),
            ("listGroups", json!({"groups": {"0": {}}})),
            ("listMembers", json!({"subscribers": []})),
            ("listSubscribers", json!({"cursor": "c"})),
            ("listActions", json!({"hasMore": false})),
            ("listMessages", json!({"hasMore": false})),
            ("getGroup", json!([])),
            ("reactionDetails", json!({"reactionDetails": "x"})),
            ("sendMessage", json!("ok")),
            ("accessToken", json!(["a"])),
            ("me", json!(true)),
        ] {
            let got = code(op, v.clone());
            assert_eq!(
                got.as_ref().map(|g| g.0),
                Some(ErrorCode::InvalidResponse),
                "{op} {v}"
            );
        }
        assert_eq!(
            code("listGroups", json!("x")).map(|g| g.1),
            Some("the answer is a string where an object was expected".into())
        );
        assert_eq!(
            code("listMembers", json!({})).map(|g| g.1),
            Some("the answer has no `members` list".into())
        );
    }

    #[test]
    fn items() {
        let p = json!({"subscribers": [{"id": 1}, {"id": 2}], "cursor": "c"});
        assert_eq!(
            page_items("listSubscribers", &p),
            vec![json!({"id": 1}), json!({"id": 2})]
        );
        assert_eq!(
            page_items("listMembers", &json!({"members": [1]})),
            vec![json!(1)]
        );
        assert_eq!(
            page_items("reactionDetails", &json!({"reactionDetails": [1]})),
            vec![json!(1)]
        );
        assert_eq!(
            page_items("groupReactionSummary", &json!({"summary": [1]})),
            vec![json!(1)]
        );
        assert!(page_items("listMembers", &json!({"members": "x"})).is_empty());
        assert!(page_items("sendMessage", &json!({"referenceId": "r"})).is_empty());
    }

    #[test]
    fn subscriber_cursors() {
        let p = json!({"subscribers": [{"id": 1}], "cursor": "c2"});
        assert_eq!(next_cursor("listSubscribers", &p, None), Some("c2".into()));
        assert_eq!(next_cursor("listSubscribers", &p, Some("c2")), None);
        assert_eq!(
            next_cursor(
                "listSubscribers",
                &json!({"subscribers": [{"id": 1}]}),
                None
            ),
            None
        );
        assert_eq!(
            next_cursor(
                "listSubscribers",
                &json!({"subscribers": [], "cursor": "c3"}),
                None
            ),
            None
        );
        assert_eq!(
            next_cursor(
                "listSubscribers",
                &json!({"subscribers": [1], "cursor": ""}),
                None
            ),
            None
        );
    }

    #[test]
    fn action_cursors() {
        let p = json!({"actions": [
            {"sentAt": "2023-11-14T22:13:20.000Z"},
            {"sentAt": "2023-11-14T22:13:10.500Z"},
            {"creationTime": 1700000005}
        ], "hasMore": true});
        assert_eq!(
            next_cursor("listActions", &p, None),
            Some("1700000005001".into())
        );
        assert_eq!(next_cursor("listActions", &p, Some("1700000005001")), None);
        let done = json!({"actions": [{"sentAt": "2023-11-14T22:13:20.000Z"}], "hasMore": false});
        assert_eq!(next_cursor("listActions", &done, None), None);
        assert_eq!(
            next_cursor(
                "listActions",
                &json!({"actions": [{"sentAt": "2023-11-14T22:13:20.000Z"}]}),
                None
            ),
            None
        );
        assert_eq!(
            next_cursor(
                "listActions",
                &json!({"actions": [], "hasMore": true}),
                None
            ),
            None
        );
        assert_eq!(
            next_cursor(
                "listActions",
                &json!({"actions": [{"x": 1}], "hasMore": "true"}),
                None
            ),
            None
        );
    }

    #[test]
    fn reaction_cursors() {
        let p = json!({"summary": [1], "cursor": 1700000000000_i64});
        assert_eq!(
            next_cursor("groupReactionSummary", &p, Some("0")),
            Some("1700000000000".into())
        );
        assert_eq!(
            next_cursor("groupReactionSummary", &p, Some("1700000000000")),
            None
        );
        assert_eq!(
            next_cursor(
                "reactionDetails",
                &json!({"reactionDetails": [1], "cursor": "c"}),
                None
            ),
            Some("c".into())
        );
        assert_eq!(
            next_cursor(
                "reactionDetails",
                &json!({"reactionDetails": [1], "cursor": ""}),
                None
            ),
            None
        );
        assert_eq!(
            next_cursor(
                "reactionDetails",
                &json!({"reactionDetails": [1], "cursor": 0}),
                None
            ),
            None
        );
        assert_eq!(
            next_cursor("reactionDetails", &json!({"reactionDetails": [1]}), None),
            None
        );
        assert_eq!(
            next_cursor(
                "reactionDetails",
                &json!({"reactionDetails": [], "cursor": "c"}),
                None
            ),
            None
        );
        assert_eq!(
            next_cursor("listGroups", &json!({"groups": [1], "cursor": "c"}), None),
            None
        );
    }

    #[test]
    fn next_page_options() {
        assert_eq!(cursor_param("listActions"), Some("fromDate"));
        assert_eq!(cursor_param("listMembers"), None);
        assert_eq!(
            with_cursor("listActions", &json!({"count": 5}), "1699999990500"),
            json!({"count": 5, "fromDate": 1699999990500_i64})
        );
        assert_eq!(
            with_cursor("listSubscribers", &Value::Null, "c2"),
            json!({"cursor": "c2"})
        );
        assert_eq!(
            with_cursor("listMembers", &json!({"a": 1}), "c2"),
            json!({"a": 1})
        );
    }
}
