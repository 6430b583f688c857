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
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What every failed call rejects with. `status` is 0 when no HTTP answer was involved;
/// `retry_after` is in seconds; `field` names the offending input or body field.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub status: u16,
    pub retry_after: Option<f64>,
    pub operation: String,
    pub field: Option<String>,
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

    /// The same error with every secret in the message and field replaced by `[redacted]`.
    pub fn redacted(mut self, secrets: &[&str]) -> Error {
        self.message = redact(&self.message, secrets);
        self.field = self.field.map(|f| redact(&f, secrets));
        self
    }

    /// `{code, message, status, retryAfter, operation, field}` for the JS side.
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

/// Message and field found in an error body, read leniently.
///
/// Assumed shape (the emulator's): `{"error": {"code", "message", "field"?}}`. Also read:
/// `{"error": "text"}`, `{"message"|"Message"|"error_description": "text"}` and a plain-text
/// body. HTML pages and empty bodies give nothing (the caller falls back to the status line).
fn parse_body(body: &str) -> (Option<String>, Option<String>) {
    let trimmed = body.trim();
    if trimmed.is_empty() || trimmed.starts_with('<') {
        return (None, None);
    }
    let Ok(v) = serde_json::from_str::<Value>(trimmed) else {
        return (Some(clip(trimmed)), None);
    };
    let err = v.get("error");
    if let Some(inner @ Value::Object(_)) = err {
        let message = text_of(inner.get("message"))
            .or_else(|| text_of(inner.get("Message")))
            .or_else(|| text_of(inner.get("code")));
        return (
            message.map(|m| clip(&m)),
            text_of(inner.get("field")).map(|f| clip(&f)),
        );
    }
    let message = text_of(v.get("message"))
        .or_else(|| text_of(v.get("Message")))
        .or_else(|| text_of(v.get("error_description")))
        .or_else(|| text_of(err));
    (message.map(|m| clip(&m)), None)
}

/// The error for a non-2xx answer: code from the status, message and field from the body.
/// The message is `"HTTP {status} {reason}: {server text}"`, the server's text clipped to 300
/// characters: redact the body first (see [`redact`]), so a secret cut in two by the clip cannot
/// leave its first characters behind.
pub fn from_http(operation: &str, status: u16, body: &str) -> Error {
    let (text, field) = parse_body(body);
    let line = format!("HTTP {status} {}", reason(status));
    let line = line.trim_end();
    let message = match text {
        Some(t) => format!("{line}: {t}"),
        None => line.to_string(),
    };
    Error {
        code: ErrorCode::for_status(status),
        message,
        status,
        retry_after: None,
        operation: operation.to_string(),
        field,
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
        if out.contains(secret) {
            out = out.replace(secret, "[redacted]");
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
                   "retryAfter": 1.5, "operation": "getGroup", "field": null})
        );
    }
}
