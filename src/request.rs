//! The description of one HTTP call (method, base, path, query, headers, body, safety) and URL building.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// Which URL the path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Base {
    /// The auth root, default [`crate::auth::DEFAULT_AUTH_URL`]: `{authUrl}/{path}`.
    Auth,
    /// The OAuth host: `{oauth root, last segment lower-cased}/{path}` (see [`oauth_join`]).
    #[serde(rename = "oauth")]
    OAuth,
    /// The user's endpoint: `{endpointUrl}v1/{path}`.
    Endpoint,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Body {
    None,
    /// Sent with `Content-Type: application/json`.
    Json(Value),
    /// Sent as `application/x-www-form-urlencoded` (see [`form_encode`]).
    Form(Vec<(String, String)>),
    /// One file part; the binding supplies the bytes.
    #[serde(rename_all = "camelCase")]
    Multipart {
        file_name: String,
        mime_type: String,
    },
}

/// Which credentials the binding attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AuthKind {
    None,
    /// Header `accessToken` (minted first if needed).
    AccessToken,
    /// The connector credentials are already in `headers` (or the form body).
    ConnectorCredentials,
}

/// One call, fully decided except for I/O. Paths are already percent-encoded (built with [`path`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestSpec {
    /// The JS method name, e.g. `createGroup`.
    pub operation: &'static str,
    pub method: Method,
    pub base: Base,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// May be sent again when its fate is unknown (5xx, network error, timeout).
    pub repeat_safe: bool,
    pub auth: AuthKind,
}

impl RequestSpec {
    /// A resource call with an access token; `repeat_safe` follows the method (POST: false).
    pub fn new(operation: &'static str, method: Method, path: String) -> RequestSpec {
        RequestSpec {
            operation,
            method,
            base: Base::Endpoint,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            repeat_safe: method != Method::Post,
            auth: AuthKind::AccessToken,
        }
    }

    pub fn json(mut self, value: Value) -> RequestSpec {
        self.body = Body::Json(value);
        self
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> RequestSpec {
        self.query.push((key.to_string(), value.into()));
        self
    }

    /// The JSON body, if any (handy for the binding and for tests).
    pub fn json_body(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(value) => Some(value),
            _ => None,
        }
    }

    /// The whole spec as a plain object for the JS side.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn encode_with(s: &str, space_plus: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else if space_plus && b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters (also `/`, so an id stays one segment).
pub fn encode_component(s: &str) -> String {
    encode_with(s, false)
}

/// `application/x-www-form-urlencoded` serialisation (space as `+`).
pub fn form_encode(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode_with(k, true), encode_with(v, true)))
        .collect::<Vec<_>>()
        .join("&")
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a query-string component (`+` is a space; malformed escapes are kept as they are).
pub fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(hex_val);
                let lo = b.get(i + 2).copied().and_then(hex_val);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What is wrong with one `/`-separated segment of a path as it will be sent (already
/// percent-encoded), or `None`. Refused: an empty segment; `.` or `..` in any percent-encoded
/// spelling (`%2e`, `.%2E`, `%252e`…, decoded up to three times, since a server or proxy may
/// decode more than once); an encoded `/` or `\`; and any character a path segment may not hold
/// unescaped (RFC 3986 `pchar`), since a URL parser would rewrite it (a `\` is a `/` to fetch,
/// tabs and newlines are dropped) and the path could leave its place.
pub fn segment_problem(seg: &str) -> Option<&'static str> {
    if seg.is_empty() {
        return Some("has an empty segment");
    }
    let bytes = seg.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let ok = unreserved(b)
            || matches!(
                b,
                b'!' | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            )
            || (b == b'%'
                && bytes.get(i + 1).copied().and_then(hex_val).is_some()
                && bytes.get(i + 2).copied().and_then(hex_val).is_some());
        if !ok {
            return Some(
                "must be percent-encoded (a character in it may not appear in a URL path as it is)",
            );
        }
    }
    const DOTS: &str =
        "has a `.` or `..` segment (in some spelling), which would leave its place in the path";
    if seg == "." || seg == ".." {
        return Some(DOTS);
    }
    if !seg.contains('%') {
        return None;
    }
    let mut s = seg.to_string();
    for _ in 0..3 {
        if s == "." || s == ".." {
            return Some(DOTS);
        }
        if !s.contains('%') {
            break;
        }
        let decoded = decode_path_component(&s);
        if decoded.contains(['/', '\\']) {
            return Some("has an encoded `/` or `\\`, which a server may read as a separator");
        }
        s = decoded;
    }
    (s == "." || s == "..").then_some(DOTS)
}

/// Percent-decoding of a path segment (`+` stays `+`).
fn decode_path_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hi = b.get(i + 1).copied().and_then(hex_val);
        let lo = b.get(i + 2).copied().and_then(hex_val);
        match (c, hi, lo) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Refuses (`invalid_input`, naming `field`) a path with a segment [`segment_problem`] finds
/// wrong. Every call's path passes here before anything is sent.
pub fn check_path(op: &str, field: &str, path: &str) -> Result<(), crate::error::Error> {
    for (i, seg) in path.split('/').enumerate() {
        if let Some(problem) = segment_problem(seg) {
            let shown: String = seg.chars().take(40).collect();
            return Err(crate::error::Error::invalid(
                op,
                field,
                &format!("{problem}: segment {} (\"{shown}\")", i + 1),
            ));
        }
    }
    Ok(())
}

/// Whether fetch can send `v` as a header value: it refuses CR, LF, NUL and any character past
/// U+00FF (a header value is a ByteString). Checked here so that such a value (a token a server
/// handed out, say) is refused as input, not retried as a network failure.
pub fn header_value_ok(v: &str) -> bool {
    v.chars()
        .all(|c| u32::from(c) <= 0xFF && !matches!(c, '\r' | '\n' | '\0'))
}

/// Joins segments with `/`, percent-encoding each one.
pub fn path(segments: &[&str]) -> String {
    let mut p = String::new();
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            p.push('/');
        }
        p.push_str(&encode_component(s));
    }
    p
}

/// The OAuth root as the caller spelled it: trailing `/` and a final `Authorize` or `token`
/// segment removed, so both `https://ds.kaiza.la/api/Oauth` and the full
/// `https://ds.kaiza.la/api/Oauth/Authorize` work.
pub fn oauth_root(oauth_url: &str) -> &str {
    let t = oauth_url.trim_end_matches('/');
    match t.rsplit_once('/') {
        Some((head, last))
            if last.eq_ignore_ascii_case("authorize") || last.eq_ignore_ascii_case("token") =>
        {
            head.trim_end_matches('/')
        }
        _ => t,
    }
}

/// A URL under the OAuth host other than `Authorize`: the platform publishes `…/api/Oauth/Authorize`
/// but `…/api/oauth/token`, so the root's last segment is lower-cased when it reads `oauth` in any
/// case, then `path` is appended. `https://ds.kaiza.la/api/Oauth` + `token` →
/// `https://ds.kaiza.la/api/oauth/token` (the emulator serves the same two spellings).
pub fn oauth_join(oauth_url: &str, path: &str) -> String {
    let root = oauth_root(oauth_url);
    let root = match root.rsplit_once('/') {
        Some((head, last)) if last.eq_ignore_ascii_case("oauth") => format!("{head}/oauth"),
        _ => root.to_string(),
    };
    format!("{root}/{path}")
}

/// The full URL of `spec` against `base_url` (the authUrl, oauthUrl or endpointUrl as the spec's
/// base says). The path is used as built (already encoded); query keys and values are encoded.
pub fn url(base_url: &str, spec: &RequestSpec) -> String {
    let mut u = match spec.base {
        Base::OAuth => oauth_join(base_url, &spec.path),
        base => {
            let mut u = base_url.trim_end_matches('/').to_string();
            u.push_str(if base == Base::Endpoint { "/v1/" } else { "/" });
            u.push_str(&spec.path);
            u
        }
    };
    for (i, (k, v)) in spec.query.iter().enumerate() {
        u.push(if i == 0 { '?' } else { '&' });
        u.push_str(&encode_component(k));
        u.push('=');
        u.push_str(&encode_component(v));
    }
    u
}

#[cfg(test)]
mod tests {

    #[test]
    fn header_values() {
        assert!(header_value_ok("eyJhbGciOi.J9-_~+/="));
        assert!(header_value_ok("caf\u{e9} ok\t"));
        for bad in ["a\r\nX-Evil: 1", "a\nb", "a\0b", "\u{100}", "token\u{2028}"] {
            assert!(!header_value_ok(bad), "{bad:?}");
        }
    }
    use super::*;
    use serde_json::json;

    #[test]
    fn repeat_safety_follows_method() {
        for (m, safe) in [
            (Method::Get, true),
            (Method::Put, true),
            (Method::Delete, true),
            (Method::Post, false),
        ] {
            assert_eq!(RequestSpec::new("x", m, "p".into()).repeat_safe, safe);
        }
    }

    #[test]
    fn encoding() {
        assert_eq!(
            encode_component("a b/c?d&e=f+g~h.i_j-k"),
            "a%20b%2Fc%3Fd%26e%3Df%2Bg~h.i_j-k"
        );
        assert_eq!(encode_component("é"), "%C3%A9");
        assert_eq!(
            path(&["groups", "a/b c", "members"]),
            "groups/a%2Fb%20c/members"
        );
        assert_eq!(
            form_encode(&[
                ("client_id".into(), "a b".into()),
                ("code".into(), "x&y=z".into())
            ]),
            "client_id=a+b&code=x%26y%3Dz"
        );
        assert_eq!(decode_component("a+b%2Fc%C3%A9%zz%4"), "a b/cé%zz%4");
    }

    #[test]
    fn path_segments_stay_in_place() {
        for ok in [
            "groups",
            "groups/g1/members",
            "groups/a%20b/members",
            "groups/%2B911099999999",
            "bot/accessToken/b-1",
            "groups/g.1/..x/x..",
            "groups/...",
            "a:b@c!$&'()*+,;=~_-",
        ] {
            assert_eq!(check_path("request", "path", ok).err(), None, "{ok}");
        }
        for bad in [
            "",
            "groups/",
            "/groups",
            "groups//members",
            ".",
            "..",
            "../../_emulator/seed",
            "groups/g1/..",
            "groups/./x",
            "groups/%2e",
            "groups/%2E%2e",
            "groups/.%2E",
            "groups/%2e./x",
            "groups/%252e%252e",
            "groups/%25252e%25252e",
            "groups/a%2Fb",
            "groups/a%2fb",
            "groups/a%5Cb",
            "groups/a%255cb",
            "groups/a\\..\\b",
            "groups/.\t./x",
            "groups/a b",
            "groups/é",
            "groups/a%zz",
            "groups/a%2",
            "groups/a\nb",
            "groups/a?b",
            "groups/a#b",
        ] {
            let e = check_path("request", "path", bad).err();
            assert_eq!(
                e.as_ref().map(|e| (e.code, e.field.as_deref())),
                Some((crate::error::ErrorCode::InvalidInput, Some("path"))),
                "{bad:?}"
            );
        }
        // Built paths: an id is one segment, so a `/` in it is an encoded slash.
        for id in [".", "..", "%2e", "%2E%2e", ".%2E", "a/b", "a\\b", "%2f", ""] {
            let p = path(&["groups", "g1", "members", id]);
            assert!(check_path("x", "path", &p).is_err(), "{id:?} -> {p}");
        }
        assert!(check_path("x", "path", &path(&["groups", "a b+c"])).is_ok());
    }

    #[test]
    fn urls_per_base() {
        let spec = RequestSpec::new(
            "listActions",
            Method::Get,
            path(&["groups", "g 1", "actions"]),
        )
        .query("actionType", "Job")
        .query("fromDate", "17&x");
        assert_eq!(
            url("http://h:1/inc-001/", &spec),
            "http://h:1/inc-001/v1/groups/g%201/actions?actionType=Job&fromDate=17%26x"
        );
        assert_eq!(
            url("http://h:1/inc-001", &spec),
            "http://h:1/inc-001/v1/groups/g%201/actions?actionType=Job&fromDate=17%26x"
        );
        let mut auth = RequestSpec::new("generatePin", Method::Post, "generatePin".into());
        auth.base = Base::Auth;
        assert_eq!(
            url("https://api.kaiza.la/v1", &auth),
            "https://api.kaiza.la/v1/generatePin"
        );
        assert_eq!(
            url("https://api.kaiza.la/v1/", &auth),
            "https://api.kaiza.la/v1/generatePin"
        );
        let mut tok = RequestSpec::new("exchangeCode", Method::Post, "token".into());
        tok.base = Base::OAuth;
        for root in [
            "https://ds.kaiza.la/api/Oauth",
            "https://ds.kaiza.la/api/Oauth/",
            "https://ds.kaiza.la/api/Oauth/Authorize",
            "https://ds.kaiza.la/api/oauth/token",
        ] {
            assert_eq!(
                url(root, &tok),
                "https://ds.kaiza.la/api/oauth/token",
                "{root}"
            );
        }
        assert_eq!(
            url("http://127.0.0.1:9/custom", &tok),
            "http://127.0.0.1:9/custom/token"
        );
    }

    #[test]
    fn spec_as_json() {
        let spec = RequestSpec::new("createGroup", Method::Post, "groups".into())
            .json(json!({"name": "n"}));
        assert_eq!(
            spec.to_json(),
            json!({"operation": "createGroup", "method": "POST", "base": "endpoint", "path": "groups",
                   "query": [], "headers": [], "body": {"kind": "json", "value": {"name": "n"}},
                   "repeatSafe": false, "auth": "accessToken"})
        );
        let mut m = RequestSpec::new("uploadMedia", Method::Post, "media".into());
        m.body = Body::Multipart {
            file_name: "a.png".into(),
            mime_type: "image/png".into(),
        };
        m.base = Base::OAuth;
        let j = m.to_json();
        assert_eq!(
            j["body"],
            json!({"kind": "multipart", "value": {"fileName": "a.png", "mimeType": "image/png"}})
        );
        assert_eq!(j["base"], json!("oauth"));
    }
}
