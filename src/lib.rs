//! kaizala: the I/O-free core of a client for the Kaizala connector platform (requests, tokens, decisions).
//!
//! Every call is built by a resource module into a [`RequestSpec`]; the binding (fetch, storage,
//! timers) sends it, describes the outcome as [`policy::Facts`], and follows [`policy::decide`].
//! Successful bodies go through [`normalize::normalize_response`].

pub mod actions;
pub mod auth;
pub mod error;
pub mod groups;
pub mod media;
pub mod members;
pub mod messages;
pub mod normalize;
pub mod operations;
pub mod origin;
pub mod policy;
pub mod reactions;
pub mod request;
pub mod subscribers;
pub mod throttling;
pub mod time;
pub mod tokens;
pub mod users;
pub mod validate;
pub mod webhooks;

/// The wasm-bindgen binding (the JS class `KaizalaClient`); compiled for wasm32 only.
#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::{error_codes, set_error_class, KaizalaClient};

/// A JSON object of `fields`. Not `json!`: it unwraps `to_value` for each interpolation, and
/// that panic path would bring serde_json's error `Debug` (and all of `core::fmt`'s escaping)
/// into the wasm for a failure that cannot happen.
#[inline(never)]
pub(crate) fn object(fields: Vec<(&str, serde_json::Value)>) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (k, v) in fields {
        m.insert(k.to_string(), v);
    }
    serde_json::Value::Object(m)
}

/// Where `needle` first occurs in `hay` (a byte index, always a char boundary). Not `str::find`:
/// core's substring search brings its slicing panic messages, and with them `char`'s `Debug` and
/// Unicode tables, into the wasm. Searched strings are short (URLs, messages).
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

/// `key`'s value, taken out of `m`. Not `Map::remove`: rebuilding the (small) map keeps the
/// B-tree's removal and rebalancing code out of the wasm; the maps are small.
pub(crate) fn take(
    m: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<serde_json::Value> {
    if !m.contains_key(key) {
        return None;
    }
    let mut out = None;
    for (k, v) in std::mem::take(m) {
        if k == key {
            out = Some(v);
        } else {
            m.insert(k, v);
        }
    }
    out
}

/// `v` as JSON text: the client's one JSON writer. Not `Value`'s `Display` (`to_string`), which
/// also carries serde_json's pretty printer; writing a `Value` cannot fail.
pub(crate) fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// JSON text as a value, `None` when it is not JSON. In the wasm the host's `JSON.parse` reads it,
/// so the wasm carries no JSON reader of its own; natively (and in the core's tests) serde_json does.
pub(crate) fn parse_json(text: &str) -> Option<serde_json::Value> {
    #[cfg(target_arch = "wasm32")]
    return wasm::parse_json_text(text);
    #[cfg(not(target_arch = "wasm32"))]
    return serde_json::from_str(text).ok();
}

pub use error::{from_http, redact, Error, ErrorCode};
pub use normalize::{next_cursor, normalize_response, page_items};
pub use policy::{decide, parse_retry_after, Attempt, Decision, Facts};
pub use request::{url, AuthKind, Base, Body, Method, RequestSpec};
pub use tokens::{token_state, TokenChange, TokenInfo, TokenState, Tokens};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn find_is_str_find() {
        let hays = [
            "",
            "a",
            "https://h/v1/x",
            "é://ü/v1/",
            "aaab",
            "ééé",
            "x/v1/v1/",
        ];
        let needles = [
            "",
            "a",
            "://",
            "/v1/",
            "aab",
            "é",
            "éé",
            "ü/",
            "longer than any hay",
        ];
        for h in hays {
            for n in needles {
                assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
            }
        }
    }

    #[test]
    fn redact_replaces_every_occurrence_longest_first() {
        assert_eq!(
            redact("a s3 b s3s3 é", &["s3"]),
            "a [redacted] b [redacted][redacted] é"
        );
        assert_eq!(
            redact("key abcdef", &["abc", "abcdef", ""]),
            "key [redacted]"
        );
        assert_eq!(redact("nothing here", &["zz"]), "nothing here");
        assert_eq!(redact("ééé", &["é"]), "[redacted][redacted][redacted]");
    }

    /// One valid request of every operation that must never be sent twice.
    fn non_repeatable() -> Vec<RequestSpec> {
        let job = json!({"title": "t", "assignedTo": ["+911099999999"]});
        let built = [
            auth::generate_pin("app", "+911099999999"),
            auth::login_with_pin("app", "+911099999999", &json!("1234")),
            auth::exchange_code("app", "sec", "code"),
            groups::create_group(&json!({"name": "n", "welcomeMessage": "w"})),
            groups::create_sub_group("g", &json!({"groupName": "n", "welcomeMessage": "w"})),
            messages::send_message("g", &json!("hi")),
            media::upload_media("a.png", None),
            media::upload_media_from_url(&json!("https://x/a.png")),
            actions::post_action("g", &json!({"actionType": "Job", "actionBody": job})),
            actions::post_job("g", &job),
            actions::post_poll("g", &json!({"question": "q", "choices": [{"title": "a"}]})),
            actions::post_survey(
                "g",
                &json!({"title": "s", "questions": [{"title": "q", "type": "Text"}]}),
            ),
            actions::post_lets_meet(
                "g",
                &json!({"title": "m", "startingTime": "2025-01-01T10:00:00Z"}),
            ),
            actions::post_announcement("g", &json!({"title": "a", "message": "m"})),
            actions::post_media("g", &json!({"actionType": "Image", "mediaResource": "m"})),
            actions::post_custom_action("g", "pkg", &json!({})),
            actions::respond_to_action(
                "g",
                "a",
                &json!({"actionType": "Job", "actionBody": {"isCompleted": true}}),
            ),
            reactions::add_reaction("g", &json!({"referenceId": "r", "reactionType": "Like"})),
            webhooks::create_webhook(
                &json!({"objectId": "g", "objectType": "Group", "eventTypes": ["JobCreated"], "callBackUrl": "https://x/h"}),
            ),
            users::create_bot(&json!({"name": "b"})),
            users::add_bot_to_group("g", "b"),
        ];
        built.into_iter().filter_map(Result::ok).collect()
    }

    #[test]
    fn every_non_repeatable_operation_is_never_sent_twice() {
        let specs = non_repeatable();
        assert_eq!(specs.len(), 21, "every builder above must succeed");
        for spec in specs {
            assert_eq!(spec.method, Method::Post, "{}", spec.operation);
            assert!(!spec.repeat_safe, "{}", spec.operation);
            let a = Attempt::new(&spec);
            for f in [
                Facts::status(500),
                Facts::status(503),
                Facts::NetworkError,
                Facts::Timeout,
            ] {
                match decide(&a, &f) {
                    Decision::Fail(e) => {
                        assert_eq!(e.operation, spec.operation);
                        assert!(e
                            .message
                            .contains("may or may not have been applied and was not repeated"));
                    }
                    other => panic!("{} repeated after {f:?}: {other:?}", spec.operation),
                }
            }
            // A 429 was not applied: waiting and re-sending is allowed.
            assert!(matches!(
                decide(&a, &Facts::status(429)),
                Decision::Wait {
                    throttled: true,
                    ..
                }
            ));
        }
    }

    #[test]
    fn every_id_that_would_leave_its_segment_is_refused_naming_it() {
        let o = json!({});
        for bad in ["..", ".", "%2e%2E", "a/b", ""] {
            let built: Vec<(Result<RequestSpec, Error>, &str)> = vec![
                (groups::get_group(bad), "groupId"),
                (members::remove_member("g", bad), "memberId"),
                (members::list_members(bad), "groupId"),
                (webhooks::delete_webhook(bad), "webhookId"),
                (users::delete_bot(bad), "botUserId"),
                (actions::get_action("g", bad, &o), "actionId"),
                (reactions::reaction_details("g", bad, &o), "referenceId"),
                (subscribers::list_subscribers(bad, &o), "groupId"),
                (groups::remove_sub_group("g", bad), "subGroupId"),
            ];
            for (r, field) in built {
                let e = r.err();
                assert_eq!(
                    e.as_ref().map(|e| (e.code, e.field.as_deref())),
                    Some((ErrorCode::InvalidInput, Some(field))),
                    "{bad:?} {field}"
                );
            }
        }
    }

    /// What a hostile server may answer, through every pure function that reads answers: none
    /// may panic (a panic is a trap in the wasm, which breaks every client in the page).
    #[test]
    fn no_answer_makes_the_core_panic() {
        let big = "9".repeat(400);
        let values = [
            json!(null),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(f64::MAX),
            json!(-f64::MAX),
            json!(1e-300),
            json!(""),
            json!("\u{0}\u{feff}é"),
            json!(big),
            json!([]),
            json!({}),
            json!([[[[]]]]),
        ];
        let ops = [
            "listGroups",
            "getGroup",
            "listSubscribers",
            "listActions",
            "getAction",
            "groupReactionSummary",
            "reactionDetails",
            "listWebhooks",
            "accessToken",
            "request",
        ];
        for v in &values {
            let mut bodies = vec![v.clone()];
            for k in [
                "groups",
                "subscribers",
                "actions",
                "summary",
                "reactionDetails",
                "cursor",
                "hasMore",
                "creationTime",
                "sentAt",
                "accessToken",
                "endpointUrl",
                "accessTokenExpiry",
                "refreshTokenExpiry",
                "scope",
                "result",
                "error",
            ] {
                bodies.push(json!({ k: v }));
                bodies.push(json!({ k: [v, {"sentAt": v, "creationTime": v}], "hasMore": true }));
            }
            for body in &bodies {
                for op in ops {
                    let n = normalize_response(op, body.clone());
                    let _ = next_cursor(op, &n, Some("0"));
                    let _ = page_items(op, &n);
                    let _ = normalize::check_shape(op, &n);
                }
                let mut t = tokens::Tokens::new("a", "c");
                let _ = tokens::apply_access_token(&mut t, body, i64::MAX);
                let _ = tokens::apply_access_token(&mut t, body, i64::MIN);
                let _ = tokens::apply_login(&mut t, body, 0);
                let text = body.to_string();
                let _ = tokens::from_storage(&text, "a", "c");
                for status in [0, 100, 301, 308, 400, 429, 503, 999] {
                    let _ = from_http("x", status, &text);
                }
            }
        }
        for header in [
            "",
            "99999999999999999999",
            "-5",
            "1e400",
            "NaN",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            let _ = parse_retry_after(header, i64::MAX);
            let _ = parse_retry_after(header, i64::MIN);
        }
    }

    #[test]
    fn the_read_only_post_and_other_calls_are_repeat_safe() {
        let safe = [
            subscribers::list_subscribers("g", &Value::Null),
            auth::access_token("app", "sec", "r"),
            groups::list_groups(&Value::Null),
            members::add_members("g", &json!(["+911099999999"])),
            members::remove_member("g", "m"),
            webhooks::update_webhook("w", &json!({"active": true})),
            users::bot_access_token("b"),
        ];
        for spec in safe.into_iter().filter_map(Result::ok) {
            assert!(spec.repeat_safe, "{}", spec.operation);
            let mut a = Attempt::new(&spec);
            a.jitter = 0.0;
            assert_eq!(
                decide(&a, &Facts::status(502)),
                Decision::Wait {
                    ms: 0,
                    throttled: false
                }
            );
        }
    }
}

/// A small-wasm allocator in place of the default dlmalloc: a free list, sorted by address and
/// coalesced on free. Sound as single-threaded: the wasm is built without threads (no atomics).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
