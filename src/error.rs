//! Error codes, the error value every call rejects with, mapping HTTP answers to it, and redaction.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Stable error codes (their strings are part of the JS API).
///
/// Besides the base set, three statuses get their own code because a caller acts differently on
/// them: 409 `conflict`, 413 `too_large` (also an answer over `maxResponseBytes`), 415
/// `unsupported_media` (also used when a file's type is refused before upload). A redirect the
/// client will not follow is `redirect_refused`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    UnsupportedMedia,
    TooLarge,
    Throttled,
    Timeout,
    Aborted,
    Network,
    Server,
    InvalidResponse,
    RelocationLoop,
    RedirectRefused,
    NotSignedIn,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::UnsupportedMedia => "unsupported_media",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Throttled => "throttled",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Aborted => "aborted",
            ErrorCode::Network => "network",
            ErrorCode::Server => "server",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::RelocationLoop => "relocation_loop",
            ErrorCode::RedirectRefused => "redirect_refused",
            ErrorCode::NotSignedIn => "not_signed_in",
        }
    }

    /// The code for a non-2xx status. Unlisted 4xx are the caller's request (`invalid_input`);
    /// 408 is `timeout`; any 5xx is `server`; anything else (1xx, 3xx, nonsense) `invalid_response`.
    pub fn for_status(status: u16) -> ErrorCode {
        match status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 | 410 => ErrorCode::NotFound,
            408 => ErrorCode::Timeout,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::TooLarge,
            415 => ErrorCode::UnsupportedMedia,
            429 => ErrorCode::Throttled,
            400..=499 => ErrorCode::InvalidInput,
            500..=599 => ErrorCode::Server,
            _ => ErrorCode::InvalidResponse,
        }
    }

    /// The code for the platform's own `errorCode`, when it is one the project knows
    /// (docs/platform.md, errors and choice E1); others leave the status to decide.
    pub fn for_platform(code: &str) -> Option<ErrorCode> {
        let known = [
            ("InvalidToken", ErrorCode::Unauthorized),
            ("Unauthenticated", ErrorCode::Unauthorized),
            ("InvalidParameters", ErrorCode::InvalidInput),
            ("Forbidden", ErrorCode::Forbidden),
            ("NotFound", ErrorCode::NotFound),
            ("Conflict", ErrorCode::Conflict),
            ("PayloadTooLarge", ErrorCode::TooLarge),
            ("UnsupportedMediaType", ErrorCode::UnsupportedMedia),
            ("TooManyRequests", ErrorCode::Throttled),
        ];
        known
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(code))
            .map(|(_, c)| *c)
    }
}

/// The platform's `errorCode`s that say the access token was refused: a new one may cure the call.
pub const TOKEN_REFUSED: &[&str] = &["InvalidToken", "Unauthenticated"];

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What every failed call rejects with. `status` is 0 when no HTTP answer was involved;
/// `retry_after` is in seconds; `field` names the offending input or body field;
/// `platform_code` is the server's own `errorCode` as it sent it (e.g. `InvalidToken`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub status: u16,
    pub retry_after: Option<f64>,
    pub operation: String,
    pub field: Option<String>,
    pub platform_code: Option<String>,
}

impl Error {
    pub fn new(code: ErrorCode, operation: &str, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            status: 0,
            retry_after: None,
            operation: operation.to_string(),
            field: None,
            platform_code: None,
        }
    }

    /// An `invalid_input` refusal naming `field`; the message reads `"{field} {problem}"`.
    pub fn invalid(operation: &str, field: &str, problem: &str) -> Error {
        let mut e = Error::new(
            ErrorCode::InvalidInput,
            operation,
            format!("{field} {problem}"),
        );
        e.field = Some(field.to_string());
        e
    }

    pub fn with_status(mut self, status: u16) -> Error {
        self.status = status;
        self
    }

    pub fn with_field(mut self, field: &str) -> Error {
        self.field = Some(field.to_string());
        self
    }

    pub fn with_retry_after(mut self, seconds: Option<f64>) -> Error {
        self.retry_after = seconds;
        self
    }

    /// The same error with every secret in the message, field and platform code replaced by
    /// `[redacted]`.
    pub fn redacted(mut self, secrets: &[&str]) -> Error {
        self.message = redact(&self.message, secrets);
        self.field = self.field.map(|f| redact(&f, secrets));
        self.platform_code = self.platform_code.map(|c| redact(&c, secrets));
        self
    }

    /// `{code, message, status, retryAfter, operation, field, platformCode}` for the JS side.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}", self.operation, self.message, self.code)?;
        if self.status != 0 {
            write!(f, ", HTTP {}", self.status)?;
        }
        f.write_str("]")
    }
}

impl std::error::Error for Error {}

/// Longest piece of a server's text kept in a message.
const MAX_SERVER_TEXT: usize = 300;

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_SERVER_TEXT).collect();
    if s.chars().nth(MAX_SERVER_TEXT).is_some() {
        out.push('…');
    }
    out
}

/// A property of `v` by name in any case (the platform's ASP.NET service wrote `errorCode`; a .NET
/// client reads `ErrorCode` as the same).
fn prop<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    let obj = v.as_object()?;
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, x)| x)
    })
}

/// What an error body says, each piece clipped.
#[derive(Debug, Default, PartialEq)]
struct Said {
    message: Option<String>,
    field: Option<String>,
    platform_code: Option<String>,
}

/// What an error body says, read leniently.
///
/// The platform's shape (docs/platform.md, errors): `{"errorCode", "message",
/// "errorCategoryKey", "field"?}`, names in any case. Also read: the emulator's earlier
/// `{"error": {"code", "message", "field"?}}`, `{"error": "text"}`,
/// `{"message"|"error_description": "text"}` and a plain-text body. HTML pages and empty bodies
/// give nothing (the caller falls back to the status line).
fn parse_body(body: &str) -> Said {
    let trimmed = body.trim();
    if trimmed.is_empty() || trimmed.starts_with('<') {
        return Said::default();
    }
    let Some(v) = crate::parse_json(trimmed) else {
        return Said {
            message: Some(clip(trimmed)),
            ..Said::default()
        };
    };
    let err = prop(&v, "error");
    if let Some(inner @ Value::Object(_)) = err {
        let message = text_of(prop(inner, "message")).or_else(|| text_of(prop(inner, "code")));
        return Said {
            message: message.map(|m| clip(&m)),
            field: text_of(prop(inner, "field")).map(|f| clip(&f)),
            platform_code: None,
        };
    }
    let platform_code = text_of(prop(&v, "errorCode"));
    let message = text_of(prop(&v, "message"))
        .or_else(|| text_of(prop(&v, "error_description")))
        .or_else(|| text_of(err))
        .or_else(|| platform_code.clone());
    Said {
        message: message.map(|m| clip(&m)),
        field: text_of(prop(&v, "field")).map(|f| clip(&f)),
        platform_code: platform_code.map(|c| clip(&c)),
    }
}

/// Whether an error body is the platform's refusal of the access token (`errorCode`
/// `InvalidToken` or `Unauthenticated`), whatever its status (choice E1).
pub fn is_token_refused(body: &str) -> bool {
    parse_body(body)
        .platform_code
        .is_some_and(|c| TOKEN_REFUSED.iter().any(|t| t.eq_ignore_ascii_case(&c)))
}

/// The error for a non-2xx answer: the code from the platform's `errorCode` when it is a known
/// one, else from the status; message, field and the raw `errorCode` from the body.
/// The message is `"HTTP {status} {reason}: {server text}"`, the server's text clipped to 300
/// characters: redact the body first (see [`redact`]), so a secret cut in two by the clip cannot
/// leave its first characters behind.
pub fn from_http(operation: &str, status: u16, body: &str) -> Error {
    let said = parse_body(body);
    let line = format!("HTTP {status} {}", reason(status));
    let line = line.trim_end();
    let message = match said.message {
        Some(t) => format!("{line}: {t}"),
        None => line.to_string(),
    };
    let code = said
        .platform_code
        .as_deref()
        .and_then(ErrorCode::for_platform)
        .unwrap_or_else(|| ErrorCode::for_status(status));
    Error {
        code,
        message,
        status,
        retry_after: None,
        operation: operation.to_string(),
        field: said.field,
        platform_code: said.platform_code,
    }
}

/// `s` with each non-empty secret replaced by `[redacted]`, the longest first (so a secret that
/// contains another is not left half-replaced).
pub fn redact(s: &str, secrets: &[&str]) -> String {
    let mut left: Vec<&str> = secrets.iter().copied().filter(|x| !x.is_empty()).collect();
    let mut out = s.to_string();
    // A handful of secrets: picking the longest each time is cheaper in the wasm than a sort.
    while let Some((i, _)) = left.iter().enumerate().max_by_key(|(_, x)| x.len()) {
        let secret = left.swap_remove(i);
        let mut rest = out.as_str();
        let mut done = String::new();
        while let Some(i) = crate::find(rest, secret) {
            done.push_str(rest.get(..i).unwrap_or_default());
            done.push_str("[redacted]");
            rest = rest.get(i + secret.len()..).unwrap_or_default();
        }
        if !done.is_empty() {
            done.push_str(rest);
            out = done;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_have_stable_strings() {
        let all = [
            (ErrorCode::InvalidInput, "invalid_input"),
            (ErrorCode::Unauthorized, "unauthorized"),
            (ErrorCode::Forbidden, "forbidden"),
            (ErrorCode::NotFound, "not_found"),
            (ErrorCode::Conflict, "conflict"),
            (ErrorCode::UnsupportedMedia, "unsupported_media"),
            (ErrorCode::TooLarge, "too_large"),
            (ErrorCode::Throttled, "throttled"),
            (ErrorCode::Timeout, "timeout"),
            (ErrorCode::Aborted, "aborted"),
            (ErrorCode::Network, "network"),
            (ErrorCode::Server, "server"),
            (ErrorCode::InvalidResponse, "invalid_response"),
            (ErrorCode::RelocationLoop, "relocation_loop"),
            (ErrorCode::RedirectRefused, "redirect_refused"),
            (ErrorCode::NotSignedIn, "not_signed_in"),
        ];
        for (code, s) in all {
            assert_eq!(code.as_str(), s);
            assert_eq!(serde_json::to_value(code).ok(), Some(json!(s)));
        }
    }

    #[test]
    fn statuses_map_to_codes() {
        let cases = [
            (400, ErrorCode::InvalidInput),
            (401, ErrorCode::Unauthorized),
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (405, ErrorCode::InvalidInput),
            (408, ErrorCode::Timeout),
            (409, ErrorCode::Conflict),
            (413, ErrorCode::TooLarge),
            (415, ErrorCode::UnsupportedMedia),
            (422, ErrorCode::InvalidInput),
            (429, ErrorCode::Throttled),
            (500, ErrorCode::Server),
            (503, ErrorCode::Server),
            (302, ErrorCode::InvalidResponse),
            (0, ErrorCode::InvalidResponse),
        ];
        for (status, code) in cases {
            assert_eq!(ErrorCode::for_status(status), code, "{status}");
        }
    }

    #[test]
    fn emulator_error_body() {
        let body = r#"{"error":{"code":"InvalidInput","message":"members[1]: is not E.164","field":"members[1]"}}"#;
        let e = from_http("addMembers", 400, body);
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.status, 400);
        assert_eq!(e.operation, "addMembers");
        assert_eq!(e.field.as_deref(), Some("members[1]"));
        assert_eq!(e.message, "HTTP 400 Bad Request: members[1]: is not E.164");
    }

    #[test]
    fn platform_error_body() {
        // The three answers the C# client knows (CS:Util/ErrorConstant.cs), as the emulator sends them.
        let expired = r#"{"errorCode":"InvalidToken","message":"Invalid token. Failure reason:Token validation failed due to unknown reason!","errorCategoryKey":"AuthException"}"#;
        let e = from_http("listGroups", 401, expired);
        assert_eq!(e.code, ErrorCode::Unauthorized);
        assert_eq!(e.platform_code.as_deref(), Some("InvalidToken"));
        assert_eq!(
            e.message,
            "HTTP 401 Unauthorized: Invalid token. Failure reason:Token validation failed due to unknown reason!"
        );
        assert!(is_token_refused(expired));
        let secret = r#"{"errorCode":"Unauthenticated","message":"Dont have correct applicationId and secret in header!","errorCategoryKey":"AuthException"}"#;
        let e = from_http("accessToken", 401, secret);
        assert_eq!(
            (e.code, e.platform_code.as_deref()),
            (ErrorCode::Unauthorized, Some("Unauthenticated"))
        );
        let bad = r#"{"errorCode":"InvalidParameters","message":"members[1]: is not E.164","errorCategoryKey":"ValidationException","field":"members[1]"}"#;
        let e = from_http("addMembers", 400, bad);
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.field.as_deref(), Some("members[1]"));
        assert_eq!(e.message, "HTTP 400 Bad Request: members[1]: is not E.164");
        assert!(!is_token_refused(bad));
        // The code wins over the status; names are read in any case (a .NET writer's PascalCase).
        let e = from_http(
            "postMessage",
            400,
            r#"{"ErrorCode":"InvalidToken","Message":"expired","ErrorCategoryKey":"AuthException"}"#,
        );
        assert_eq!(e.code, ErrorCode::Unauthorized);
        assert_eq!(e.message, "HTTP 400 Bad Request: expired");
        assert!(is_token_refused(r#"{"ErrorCode":"invalidtoken"}"#));
        // An unknown code keeps the status's code, and is handed on as sent.
        let e = from_http("x", 503, r#"{"errorCode":"DbDown","errorCategoryKey":"X"}"#);
        assert_eq!(e.code, ErrorCode::Server);
        assert_eq!(e.platform_code.as_deref(), Some("DbDown"));
        assert_eq!(e.message, "HTTP 503 Service Unavailable: DbDown");
        for body in [
            "",
            "<html>",
            "{}",
            "[]",
            r#"{"errorCode":7}"#,
            r#"{"error":{"code":"InvalidToken"}}"#,
        ] {
            assert!(!is_token_refused(body), "{body}");
        }
        // Redaction reaches the new field too.
        let e = from_http(
            "x",
            400,
            r#"{"errorCode":"tok-123 bad","message":"tok-123"}"#,
        )
        .redacted(&["tok-123"]);
        assert_eq!(e.platform_code.as_deref(), Some("[redacted] bad"));
        assert_eq!(e.message, "HTTP 400 Bad Request: [redacted]");
    }

    #[test]
    fn lenient_bodies() {
        let msg = |status, body| from_http("x", status, body).message;
        assert_eq!(
            msg(403, r#"{"error":{"code":"Forbidden"}}"#),
            "HTTP 403 Forbidden: Forbidden"
        );
        assert_eq!(
            msg(404, r#"{"error":"no such group"}"#),
            "HTTP 404 Not Found: no such group"
        );
        assert_eq!(
            msg(500, r#"{"Message":"An error has occurred."}"#),
            "HTTP 500 Internal Server Error: An error has occurred."
        );
        assert_eq!(
            msg(
                400,
                r#"{"error":"invalid_grant","error_description":"code used"}"#
            ),
            "HTTP 400 Bad Request: code used"
        );
        assert_eq!(
            msg(502, "upstream down\n"),
            "HTTP 502 Bad Gateway: upstream down"
        );
        assert_eq!(
            msg(502, "<html><body>bad</body></html>"),
            "HTTP 502 Bad Gateway"
        );
        assert_eq!(msg(418, ""), "HTTP 418");
        assert_eq!(msg(400, "[1,2]"), "HTTP 400 Bad Request");
        let long = "x".repeat(1000);
        assert_eq!(
            msg(500, &long).chars().count(),
            "HTTP 500 Internal Server Error: ".len() + 301
        );
        assert_eq!(from_http("x", 400, r#"{"error":{"field":7}}"#).field, None);
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("token abc and abc", &["abc", ""]),
            "token [redacted] and [redacted]"
        );
        assert_eq!(redact("nothing", &[]), "nothing");
        let e = from_http(
            "accessToken",
            401,
            r#"{"error":{"message":"refresh token r-123 revoked"}}"#,
        )
        .redacted(&["r-123", "s3cret"]);
        assert_eq!(
            e.message,
            "HTTP 401 Unauthorized: refresh token [redacted] revoked"
        );
        assert_eq!(redact("abcdef", &["abc", "abcdef"]), "[redacted]");
    }

    #[test]
    fn a_secret_at_the_clip_point_leaves_nothing_when_redacted_first() {
        let token = "tok-0123456789abcdefghij";
        for pad in [280, 290, 295, 299, 300] {
            let body = format!("{}{token} trailing", "x".repeat(pad));
            // Clipping first (the old order) leaves a piece of the token behind.
            let late = from_http("listGroups", 400, &body).redacted(&[token]);
            if pad < 300 {
                assert!(late.message.contains(&token[..300 - pad]), "{pad}");
            }
            let e = from_http("listGroups", 400, &redact(&body, &[token]));
            assert!(!e.message.contains("tok-"), "{pad}: {}", e.message);
            let json = format!(r#"{{"error":{{"message":"{body}","field":"{body}"}}}}"#);
            let e = from_http("listGroups", 400, &redact(&json, &[token]));
            assert!(!e.message.contains("tok-"), "{pad}: {}", e.message);
            assert!(!e.field.unwrap_or_default().contains("tok-"), "{pad}");
        }
    }

    #[test]
    fn display_and_json() {
        let e = Error::invalid("addMembers", "members[2]", "must be an E.164 phone number");
        assert_eq!(
            e.to_string(),
            "addMembers: members[2] must be an E.164 phone number [invalid_input]"
        );
        let e = from_http("getGroup", 404, "").with_retry_after(Some(1.5));
        assert_eq!(
            e.to_string(),
            "getGroup: HTTP 404 Not Found [not_found, HTTP 404]"
        );
        assert_eq!(
            e.to_json(),
            json!({"code": "not_found", "message": "HTTP 404 Not Found", "status": 404,
                   "retryAfter": 1.5, "operation": "getGroup", "field": null,
                   "platformCode": null})
        );
    }
}
