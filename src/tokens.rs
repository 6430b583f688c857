//! Token state of one connection: storage format, freshness, applying login / access-token / relocation answers.

use crate::error::{Error, ErrorCode};
use crate::validate::is_http_url;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Refresh this long before the access token expires.
pub const DEFAULT_SKEW_MS: i64 = 5 * 60 * 1000;
/// Assumed access-token life when an answer carries no readable `accessTokenExpiry` (24 h: docs/platform.md#tokens).
pub const ACCESS_TOKEN_LIFE_MS: i64 = 24 * 60 * 60 * 1000;
/// Version of the stored JSON.
pub const STORAGE_VERSION: u64 = 1;

/// Everything held for one named connection. Never holds the connector secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    pub application_id: String,
    pub connection: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub refresh_token_expiry: Option<i64>,
    #[serde(default)]
    pub access_token: Option<String>,
    /// Epoch ms.
    #[serde(default)]
    pub access_token_expiry: Option<i64>,
    /// Normalised with a trailing `/`.
    #[serde(default)]
    pub endpoint_url: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub updated_at: i64,
}

impl Tokens {
    pub fn new(application_id: &str, connection: &str) -> Tokens {
        Tokens {
            application_id: application_id.to_string(),
            connection: connection.to_string(),
            refresh_token: None,
            refresh_token_expiry: None,
            access_token: None,
            access_token_expiry: None,
            endpoint_url: None,
            scopes: Vec::new(),
            updated_at: 0,
        }
    }
}

/// `kaizala:{applicationId}:{connection}`.
pub fn storage_key(application_id: &str, connection: &str) -> String {
    format!("kaizala:{application_id}:{connection}")
}

/// The stored JSON: the [`Tokens`] fields in camelCase plus `"v": 1`.
/// Written out field by field (a test checks it against the derived `Serialize`): the wasm then
/// carries one JSON writer, for `Value`s.
pub fn to_storage(t: &Tokens) -> String {
    let v = crate::object(vec![
        ("applicationId", t.application_id.as_str().into()),
        ("connection", t.connection.as_str().into()),
        ("refreshToken", t.refresh_token.clone().into()),
        ("refreshTokenExpiry", t.refresh_token_expiry.into()),
        ("accessToken", t.access_token.clone().into()),
        ("accessTokenExpiry", t.access_token_expiry.into()),
        ("endpointUrl", t.endpoint_url.clone().into()),
        ("scopes", t.scopes.clone().into()),
        ("updatedAt", t.updated_at.into()),
        ("v", STORAGE_VERSION.into()),
    ]);
    crate::json_text(&v)
}

/// Reads stored JSON back; `None` when corrupt, of another version, or of another
/// applicationId/connection than expected.
pub fn from_storage(s: &str, application_id: &str, connection: &str) -> Option<Tokens> {
    let v = crate::parse_json(s)?;
    if v.get("v").and_then(Value::as_u64) != Some(STORAGE_VERSION) {
        return None;
    }
    let t = tokens_from_value(&v)?;
    (t.application_id == application_id && t.connection == connection).then_some(t)
}

/// What `serde_json::from_value::<Tokens>` accepts, read by hand (the derived deserializer links
/// serde's error formatting, floats included, into the wasm): the two names required; the
/// optional fields absent or `null`; `scopes` and `updatedAt` absent or of their type; a wrong
/// type anywhere refuses the whole entry; unknown fields are ignored.
fn tokens_from_value(v: &Value) -> Option<Tokens> {
    let m = v.as_object()?;
    let string = |k: &str| m.get(k)?.as_str().map(str::to_string);
    let opt_string = |k: &str| match m.get(k) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    };
    let opt_i64 = |k: &str| match m.get(k) {
        None | Some(Value::Null) => Some(None),
        Some(x) => x.as_i64().map(Some),
    };
    let scopes = match m.get("scopes") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()?,
        Some(_) => return None,
    };
    let updated_at = match m.get("updatedAt") {
        None => 0,
        Some(x) => x.as_i64()?,
    };
    Some(Tokens {
        application_id: string("applicationId")?,
        connection: string("connection")?,
        refresh_token: opt_string("refreshToken")?,
        refresh_token_expiry: opt_i64("refreshTokenExpiry")?,
        access_token: opt_string("accessToken")?,
        access_token_expiry: opt_i64("accessTokenExpiry")?,
        endpoint_url: opt_string("endpointUrl")?,
        scopes,
        updated_at,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenState {
    /// Use the access token.
    Valid,
    /// Still usable but expires within the skew: mint a new one now.
    Stale,
    /// No usable access token (absent, expired or no endpoint) but a live refresh token.
    NeedsMint,
    /// Neither a usable access token nor a live refresh token.
    NotSignedIn,
}

fn non_empty(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.is_empty())
}

/// How usable the held tokens are at `now_ms`.
///
/// Choices: an access token without a known expiry counts as valid (the server's 401 will say
/// otherwise); an access token close to expiry with no refresh token to replace it is `Valid`
/// (nothing better exists); a refresh token past its known expiry is dead.
pub fn token_state(t: &Tokens, now_ms: i64, skew_ms: i64) -> TokenState {
    let refresh_alive =
        non_empty(&t.refresh_token) && t.refresh_token_expiry.is_none_or(|e| e > now_ms);
    if non_empty(&t.access_token) && t.endpoint_url.is_some() {
        match t.access_token_expiry {
            None => return TokenState::Valid,
            Some(exp) if exp > now_ms.saturating_add(skew_ms) => return TokenState::Valid,
            Some(exp) if exp > now_ms => {
                return if refresh_alive {
                    TokenState::Stale
                } else {
                    TokenState::Valid
                };
            }
            Some(_) => {}
        }
    }
    if refresh_alive {
        TokenState::NeedsMint
    } else {
        TokenState::NotSignedIn
    }
}

/// What an access-token answer changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenChange {
    /// A new refresh token replaced the held one (persist it!).
    pub rotated: bool,
    pub endpoint_changed: bool,
}

fn bad_answer(op: &str, what: &str) -> Error {
    Error::new(ErrorCode::InvalidResponse, op, format!("the answer {what}"))
}

/// Epoch ms from a number or a string of digits (tolerated).
fn read_ms(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

fn read_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// A token from an answer: sent later as a header value, so one that no header can carry is a
/// bad answer now rather than a request that cannot be built later.
fn read_token<'a>(op: &str, body: &'a Value, key: &str) -> Result<Option<&'a str>, Error> {
    match read_str(body.get(key)) {
        Some(t) if !crate::request::header_value_ok(t) => Err(bad_answer(
            op,
            &format!("carries a token ({key}) that no HTTP header can carry"),
        )),
        t => Ok(t),
    }
}

/// Scopes from a comma- and/or space-separated string (or an array of strings).
pub fn parse_scopes(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => s
            .split([',', ' ', '\t', '\n'])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// `url` as an endpoint URL: absolute http(s), query/fragment dropped, trailing `/`.
pub fn normalize_endpoint(url: &str) -> Option<String> {
    let url = url.trim();
    if !is_http_url(url) {
        return None;
    }
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let base = url.get(..cut).unwrap_or(url);
    Some(if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    })
}

/// Applies `{accessToken, endpointUrl, accessTokenExpiry, refreshToken, scope}` (from `GET
/// /accessToken`, the OAuth token exchange, or a bot token). Nothing changes on error.
///
/// Choices: a missing or unreadable `accessTokenExpiry` means now + 24 h; a missing `endpointUrl`
/// keeps the held one; a missing `scope` keeps the held scopes; a rotated refresh token takes the
/// answer's `refreshTokenExpiry` when present, else its expiry becomes unknown.
pub fn apply_access_token(t: &mut Tokens, body: &Value, now: i64) -> Result<TokenChange, Error> {
    const OP: &str = "accessToken";
    if !body.is_object() {
        return Err(bad_answer(OP, "is not a JSON object"));
    }
    let access =
        read_token(OP, body, "accessToken")?.ok_or_else(|| bad_answer(OP, "has no accessToken"))?;
    let endpoint = match read_str(body.get("endpointUrl")) {
        Some(e) => normalize_endpoint(e).ok_or_else(|| {
            bad_answer(OP, "has an endpointUrl that is not an absolute http(s) URL")
        })?,
        None => t
            .endpoint_url
            .clone()
            .ok_or_else(|| bad_answer(OP, "has no endpointUrl"))?,
    };
    let expiry =
        read_ms(body.get("accessTokenExpiry")).unwrap_or(now.saturating_add(ACCESS_TOKEN_LIFE_MS));
    let mut change = TokenChange {
        rotated: false,
        endpoint_changed: t.endpoint_url.as_deref() != Some(endpoint.as_str()),
    };
    if let Some(r) = read_token(OP, body, "refreshToken")? {
        if t.refresh_token.as_deref() != Some(r) {
            t.refresh_token = Some(r.to_string());
            t.refresh_token_expiry = read_ms(body.get("refreshTokenExpiry"));
            change.rotated = true;
        }
    }
    if let Some(scope) = body.get("scope").filter(|v| !v.is_null()) {
        t.scopes = parse_scopes(scope);
    }
    t.access_token = Some(access.to_string());
    t.access_token_expiry = Some(expiry);
    t.endpoint_url = Some(endpoint);
    t.updated_at = now;
    Ok(change)
}

/// Applies a PIN-login answer `{refreshToken, grantedScope, refreshTokenExpiry}`: the new refresh
/// token replaces everything held (old access token and endpoint are cleared: they may belong to
/// another user).
pub fn apply_login(t: &mut Tokens, body: &Value, now: i64) -> Result<(), Error> {
    const OP: &str = "loginWithPin";
    let refresh = read_token(OP, body, "refreshToken")?
        .ok_or_else(|| bad_answer(OP, "has no refreshToken"))?;
    set_refresh_token(t, refresh, now);
    t.refresh_token_expiry = read_ms(body.get("refreshTokenExpiry"));
    t.scopes = body
        .get("grantedScope")
        .map(parse_scopes)
        .unwrap_or_default();
    Ok(())
}

/// Holds a refresh token handed over directly (a group or user token from the portal); clears
/// the access token, endpoint, scopes and known expiry.
pub fn set_refresh_token(t: &mut Tokens, refresh_token: &str, now: i64) {
    t.refresh_token = Some(refresh_token.to_string());
    t.refresh_token_expiry = None;
    t.access_token = None;
    t.access_token_expiry = None;
    t.endpoint_url = None;
    t.scopes = Vec::new();
    t.updated_at = now;
}

/// Forgets everything but the identity (sign-out).
pub fn clear(t: &mut Tokens, now: i64) {
    *t = Tokens {
        updated_at: now,
        ..Tokens::new(&t.application_id, &t.connection)
    };
}

/// Remembers a new endpoint (trailing `/` added). `Ok(true)` when it changed.
pub fn apply_relocation(t: &mut Tokens, new_endpoint: &str, now: i64) -> Result<bool, Error> {
    let e = normalize_endpoint(new_endpoint).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidResponse,
            "relocation",
            "the new endpoint is not an absolute http(s) URL",
        )
    })?;
    if t.endpoint_url.as_deref() == Some(e.as_str()) {
        return Ok(false);
    }
    t.endpoint_url = Some(e);
    t.updated_at = now;
    Ok(true)
}

/// Splits a URL a call ended at (after a 308) into the endpoint base and whether it named a
/// resource below `v1/`. `http://h:1/inc-001/v1/groups?x=1` → (`http://h:1/inc-001/`, true);
/// `http://h:1/inc-001` → (`http://h:1/inc-001/`, false).
pub fn split_redirect(final_url: &str) -> Option<(String, bool)> {
    let url = normalize_endpoint(final_url)?;
    let path_start = crate::find(&url, "://").map_or(0, |i| i + 3);
    let path_start = url
        .get(path_start..)
        .and_then(|rest| rest.find('/'))
        .map_or(url.len(), |i| path_start + i);
    let path = url.get(path_start..).unwrap_or("/");
    match crate::find(path, "/v1/") {
        Some(i) => {
            let cut = path_start + i + 1;
            let resource = url
                .get(cut + 3..)
                .is_some_and(|r| !r.trim_end_matches('/').is_empty());
            Some((url.get(..cut).unwrap_or(&url).to_string(), resource))
        }
        None => Some((url, false)),
    }
}

/// The endpoint base of a URL a call ended at after a 308 (cut before `v1/`, trailing `/` kept).
pub fn endpoint_from_redirect(final_url: &str) -> Option<String> {
    split_redirect(final_url).map(|(e, _)| e)
}

/// What may be shown about a connection: never a token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    pub connection: String,
    pub application_id: String,
    pub endpoint_url: Option<String>,
    pub access_token_expiry: Option<i64>,
    pub refresh_token_expiry: Option<i64>,
    pub scopes: Vec<String>,
    pub has_refresh_token: bool,
    pub signed_in: bool,
}

impl TokenInfo {
    /// As JSON, field by field (a test checks it against the derived `Serialize`).
    pub fn to_json(&self) -> Value {
        crate::object(vec![
            ("connection", self.connection.as_str().into()),
            ("applicationId", self.application_id.as_str().into()),
            ("endpointUrl", self.endpoint_url.clone().into()),
            ("accessTokenExpiry", self.access_token_expiry.into()),
            ("refreshTokenExpiry", self.refresh_token_expiry.into()),
            ("scopes", self.scopes.clone().into()),
            ("hasRefreshToken", self.has_refresh_token.into()),
            ("signedIn", self.signed_in.into()),
        ])
    }
}

pub fn token_info(t: &Tokens, now_ms: i64) -> TokenInfo {
    TokenInfo {
        connection: t.connection.clone(),
        application_id: t.application_id.clone(),
        endpoint_url: t.endpoint_url.clone(),
        access_token_expiry: t.access_token_expiry,
        refresh_token_expiry: t.refresh_token_expiry,
        scopes: t.scopes.clone(),
        has_refresh_token: non_empty(&t.refresh_token),
        signed_in: token_state(t, now_ms, 0) != TokenState::NotSignedIn,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reading_stored_tokens_by_hand_matches_serde() {
        let base = r#""applicationId":"a","connection":"c""#;
        let cases = [
            format!("{{{base}}}"),
            format!(
                r#"{{{base},"refreshToken":"r","refreshTokenExpiry":5,"accessToken":null,"accessTokenExpiry":-3,"endpointUrl":"https://x/","scopes":["a","b"],"updatedAt":7,"other":1}}"#
            ),
            format!(r#"{{{base},"scopes":null}}"#),
            format!(r#"{{{base},"scopes":[1]}}"#),
            format!(r#"{{{base},"updatedAt":null}}"#),
            format!(r#"{{{base},"updatedAt":1.5}}"#),
            format!(r#"{{{base},"accessTokenExpiry":1.0}}"#),
            format!(r#"{{{base},"accessTokenExpiry":18446744073709551615}}"#),
            format!(r#"{{{base},"refreshToken":3}}"#),
            format!(r#"{{{base},"endpointUrl":true}}"#),
            r#"{"applicationId":"a"}"#.to_string(),
            r#"{"applicationId":1,"connection":"c"}"#.to_string(),
            "[]".to_string(),
        ];
        for c in cases {
            let v: Value = serde_json::from_str(&c).unwrap_or_default();
            let by_serde = serde_json::from_value::<Tokens>(v.clone()).ok();
            assert_eq!(super::tokens_from_value(&v), by_serde, "{c}");
        }
    }

    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000_000;

    fn held() -> Tokens {
        Tokens {
            refresh_token: Some("r1".into()),
            access_token: Some("a1".into()),
            access_token_expiry: Some(NOW + 3_600_000),
            endpoint_url: Some("http://h:1/inc-000/".into()),
            scopes: vec!["groupinfo.read".into()],
            ..Tokens::new("app", "main")
        }
    }

    #[test]
    fn storage_round_trip() {
        assert_eq!(storage_key("app-1", "sales"), "kaizala:app-1:sales");
        let t = held();
        let s = to_storage(&t);
        let v: Value = serde_json::from_str(&s).unwrap_or_default();
        assert_eq!(v["v"], json!(1));
        assert_eq!(v["applicationId"], json!("app"));
        assert_eq!(v["refreshToken"], json!("r1"));
        assert_eq!(v["accessTokenExpiry"], json!(NOW + 3_600_000));
        assert_eq!(from_storage(&s, "app", "main"), Some(t.clone()));
        // The hand-written JSON is the derived one plus `v`.
        for t in [t, Tokens::new("a", "c")] {
            let mut derived = serde_json::to_value(&t).unwrap_or_default();
            if let Value::Object(m) = &mut derived {
                m.insert("v".into(), json!(STORAGE_VERSION));
            }
            let written: Value = serde_json::from_str(&to_storage(&t)).unwrap_or_default();
            assert_eq!(written, derived);
        }
    }

    #[test]
    fn storage_refuses_foreign_or_corrupt() {
        let s = to_storage(&held());
        assert_eq!(from_storage(&s, "other", "main"), None);
        assert_eq!(from_storage(&s, "app", "other"), None);
        assert_eq!(
            from_storage(&s.replace("\"v\":1", "\"v\":2"), "app", "main"),
            None
        );
        assert_eq!(from_storage("{not json", "app", "main"), None);
        assert_eq!(from_storage("null", "app", "main"), None);
        assert_eq!(
            from_storage(
                r#"{"v":1,"applicationId":"app","connection":"main","scopes":"x"}"#,
                "app",
                "main"
            ),
            None
        );
        let minimal = from_storage(
            r#"{"v":1,"applicationId":"app","connection":"main"}"#,
            "app",
            "main",
        );
        assert_eq!(minimal, Some(Tokens::new("app", "main")));
    }

    #[test]
    fn states() {
        let t = held();
        assert_eq!(token_state(&t, NOW, DEFAULT_SKEW_MS), TokenState::Valid);
        assert_eq!(
            token_state(&t, NOW + 3_600_000 - 60_000, DEFAULT_SKEW_MS),
            TokenState::Stale
        );
        assert_eq!(
            token_state(&t, NOW + 3_600_000, DEFAULT_SKEW_MS),
            TokenState::NeedsMint
        );
        let no_access = Tokens {
            access_token: None,
            ..held()
        };
        assert_eq!(
            token_state(&no_access, NOW, DEFAULT_SKEW_MS),
            TokenState::NeedsMint
        );
        let no_endpoint = Tokens {
            endpoint_url: None,
            ..held()
        };
        assert_eq!(
            token_state(&no_endpoint, NOW, DEFAULT_SKEW_MS),
            TokenState::NeedsMint
        );
        let bot = Tokens {
            refresh_token: None,
            ..held()
        };
        assert_eq!(
            token_state(&bot, NOW + 3_600_000 - 60_000, DEFAULT_SKEW_MS),
            TokenState::Valid
        );
        assert_eq!(
            token_state(&bot, NOW + 3_600_000, DEFAULT_SKEW_MS),
            TokenState::NotSignedIn
        );
        assert_eq!(
            token_state(&Tokens::new("a", "c"), NOW, DEFAULT_SKEW_MS),
            TokenState::NotSignedIn
        );
        let dead = Tokens {
            access_token: None,
            refresh_token_expiry: Some(NOW),
            ..held()
        };
        assert_eq!(
            token_state(&dead, NOW, DEFAULT_SKEW_MS),
            TokenState::NotSignedIn
        );
        let unknown_expiry = Tokens {
            access_token_expiry: None,
            ..held()
        };
        assert_eq!(
            token_state(&unknown_expiry, NOW, DEFAULT_SKEW_MS),
            TokenState::Valid
        );
    }

    #[test]
    fn tokens_no_header_can_carry_are_bad_answers() {
        let ep = "http://h:1/inc-002";
        for bad in ["a\r\nX-Evil: 1", "a\u{100}", "a\0"] {
            let mut t = held();
            let code = |r: Result<TokenChange, Error>| r.err().map(|e| e.code);
            let body = json!({"accessToken": bad, "endpointUrl": ep});
            assert_eq!(
                code(apply_access_token(&mut t, &body, NOW)),
                Some(ErrorCode::InvalidResponse)
            );
            let body = json!({"accessToken": "a2", "endpointUrl": ep, "refreshToken": bad});
            assert_eq!(
                code(apply_access_token(&mut t, &body, NOW)),
                Some(ErrorCode::InvalidResponse)
            );
            assert_eq!(t, held(), "a refused answer changes nothing");
            let login = apply_login(&mut t, &json!({"refreshToken": bad}), NOW);
            assert_eq!(
                login.err().map(|e| e.code),
                Some(ErrorCode::InvalidResponse)
            );
            assert_eq!(t, held());
        }
    }

    #[test]
    fn access_token_answer() {
        let mut t = Tokens {
            access_token: None,
            endpoint_url: None,
            ..held()
        };
        let body = json!({"accessToken": "a2", "endpointUrl": "http://h:1/inc-002",
                          "accessTokenExpiry": "1700086400000", "refreshToken": "", "scope": "groupinfo.read, groupmember.write media.read"});
        let change = apply_access_token(&mut t, &body, NOW);
        assert_eq!(
            change.ok(),
            Some(TokenChange {
                rotated: false,
                endpoint_changed: true
            })
        );
        assert_eq!(t.access_token.as_deref(), Some("a2"));
        assert_eq!(t.access_token_expiry, Some(1_700_086_400_000));
        assert_eq!(t.endpoint_url.as_deref(), Some("http://h:1/inc-002/"));
        assert_eq!(t.refresh_token.as_deref(), Some("r1"));
        assert_eq!(
            t.scopes,
            vec!["groupinfo.read", "groupmember.write", "media.read"]
        );
        assert_eq!(t.updated_at, NOW);
    }

    #[test]
    fn access_token_rotation() {
        let mut t = held();
        let body = json!({"accessToken": "a2", "endpointUrl": "http://h:1/inc-000/",
                          "accessTokenExpiry": NOW + 10, "refreshToken": "r2", "scope": null});
        let change = apply_access_token(&mut t, &body, NOW).ok();
        assert_eq!(
            change,
            Some(TokenChange {
                rotated: true,
                endpoint_changed: false
            })
        );
        assert_eq!(t.refresh_token.as_deref(), Some("r2"));
        assert_eq!(t.scopes, vec!["groupinfo.read"]);
        let same = json!({"accessToken": "a3", "refreshToken": "r2"});
        let change = apply_access_token(&mut t, &same, NOW).ok();
        assert_eq!(
            change,
            Some(TokenChange {
                rotated: false,
                endpoint_changed: false
            })
        );
        assert_eq!(t.access_token_expiry, Some(NOW + ACCESS_TOKEN_LIFE_MS));
    }

    #[test]
    fn access_token_refusals_change_nothing() {
        let before = Tokens {
            endpoint_url: None,
            ..held()
        };
        for body in [
            json!({}),
            json!({"accessToken": ""}),
            json!({"accessToken": "a"}),
            json!({"accessToken": "a", "endpointUrl": "inc-000"}),
            json!("x"),
        ] {
            let mut t = before.clone();
            let e = apply_access_token(&mut t, &body, NOW).err();
            assert_eq!(
                e.map(|e| e.code),
                Some(ErrorCode::InvalidResponse),
                "{body}"
            );
            assert_eq!(t, before);
        }
    }

    #[test]
    fn login_answer() {
        let mut t = held();
        let body = json!({"refreshToken": "r9", "grantedScope": "groupinfo.read,textmessage.write", "refreshTokenExpiry": NOW + 5});
        assert!(apply_login(&mut t, &body, NOW).is_ok());
        assert_eq!(t.refresh_token.as_deref(), Some("r9"));
        assert_eq!(t.refresh_token_expiry, Some(NOW + 5));
        assert_eq!(t.access_token, None);
        assert_eq!(t.endpoint_url, None);
        assert_eq!(t.scopes, vec!["groupinfo.read", "textmessage.write"]);
        assert_eq!(token_state(&t, NOW, DEFAULT_SKEW_MS), TokenState::NeedsMint);
        assert!(apply_login(&mut t, &json!({"grantedScope": "x"}), NOW).is_err());
    }

    #[test]
    fn relocation() {
        let mut t = held();
        assert_eq!(
            apply_relocation(&mut t, "http://h:1/inc-007", NOW).ok(),
            Some(true)
        );
        assert_eq!(t.endpoint_url.as_deref(), Some("http://h:1/inc-007/"));
        assert_eq!(
            apply_relocation(&mut t, "http://h:1/inc-007/", NOW).ok(),
            Some(false)
        );
        assert!(apply_relocation(&mut t, "/inc-008/", NOW).is_err());
    }

    #[test]
    fn redirect_endpoints() {
        let cases = [
            ("http://h:1/inc-001/", Some(("http://h:1/inc-001/", false))),
            ("http://h:1/inc-001", Some(("http://h:1/inc-001/", false))),
            (
                "http://h:1/inc-001/v1/groups?x=1",
                Some(("http://h:1/inc-001/", true)),
            ),
            (
                "http://h:1/inc-001/v1/",
                Some(("http://h:1/inc-001/", false)),
            ),
            (
                "https://inc-2.example.net/v1/groups/g/members",
                Some(("https://inc-2.example.net/", true)),
            ),
            (
                "https://inc-2.example.net",
                Some(("https://inc-2.example.net/", false)),
            ),
            ("http://h:1/a/v1/b/v1/c", Some(("http://h:1/a/", true))),
            ("/inc-001/", None),
        ];
        for (url, want) in cases {
            let got = split_redirect(url);
            assert_eq!(got.as_ref().map(|(e, r)| (e.as_str(), *r)), want, "{url}");
            assert_eq!(
                endpoint_from_redirect(url),
                want.map(|(e, _)| e.to_string())
            );
        }
    }

    #[test]
    fn info_never_shows_tokens() {
        let info = token_info(&held(), NOW);
        let s = serde_json::to_string(&info).unwrap_or_default();
        assert!(!s.contains("r1") && !s.contains("a1"));
        assert_eq!(
            serde_json::to_value(&info).ok(),
            Some(
                json!({"connection": "main", "applicationId": "app", "endpointUrl": "http://h:1/inc-000/",
                        "accessTokenExpiry": NOW + 3_600_000, "refreshTokenExpiry": null,
                        "scopes": ["groupinfo.read"], "hasRefreshToken": true, "signedIn": true})
            )
        );
        assert!(!token_info(&Tokens::new("a", "c"), NOW).signed_in);
        for info in [info, token_info(&Tokens::new("a", "c"), NOW)] {
            assert_eq!(serde_json::to_value(&info).ok(), Some(info.to_json()));
        }
    }

    #[test]
    fn clearing() {
        let mut t = held();
        clear(&mut t, NOW);
        assert_eq!(
            t,
            Tokens {
                updated_at: NOW,
                ..Tokens::new("app", "main")
            }
        );
    }
}
