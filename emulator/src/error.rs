//! The one error body every refusal uses, as the platform sent it:
//! `{"errorCode", "message", "errorCategoryKey", "field"?}` (docs/platform.md, errors and choice E1).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The message the platform answered for an unknown or expired access token. Clients match on it
/// word for word (the C# client refreshes its token only when it sees exactly this text).
pub const INVALID_TOKEN_MESSAGE: &str =
    "Invalid token. Failure reason:Token validation failed due to unknown reason!";
/// The message of `GET /v1/accessToken` with an unknown `applicationId` or a wrong secret.
pub const WRONG_SECRET_MESSAGE: &str = "Dont have correct applicationId and secret in header!";

/// Each status the emulator answers with: its `errorCode` and `errorCategoryKey` (choice E1).
/// 401 has two codes (`Unauthenticated`, `InvalidToken`); the table holds the one a bare 401 gets.
const CODES: &[(u16, &str, &str)] = &[
    (308, "Relocated", "RedirectionException"),
    (400, "InvalidParameters", "ValidationException"),
    (401, "Unauthenticated", "AuthException"),
    (403, "Forbidden", "PermissionException"),
    (404, "NotFound", "ResourceNotFoundException"),
    (405, "MethodNotAllowed", "ValidationException"),
    (408, "Timeout", "ServiceException"),
    (409, "Conflict", "ValidationException"),
    (413, "PayloadTooLarge", "ValidationException"),
    (415, "UnsupportedMediaType", "ValidationException"),
    (429, "TooManyRequests", "ThrottlingException"),
    (500, "InternalServerError", "ServiceException"),
    (502, "BadGateway", "ServiceException"),
    (503, "ServiceUnavailable", "ServiceException"),
    (504, "GatewayTimeout", "ServiceException"),
    (507, "InsufficientStorage", "ServiceException"),
];

/// The `errorCategoryKey` of an `errorCode`.
pub fn category(code: &str) -> &'static str {
    if code == "InvalidToken" {
        return "AuthException";
    }
    CODES
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or("ServiceException", |(_, _, k)| k)
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// The platform's `errorCode`.
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after: Option<u64>,
    pub location: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
            location: None,
        }
    }

    /// 400 naming the field that is wrong.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        ApiError {
            field: Some(field.clone()),
            ..Self::bad_request(format!("{field}: {message}"))
        }
    }

    pub fn missing(field: &str) -> Self {
        Self::invalid(field, "is required")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidParameters", message)
    }

    /// 401 `Unauthenticated`: no credentials, or sign-in credentials that are not right.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthenticated", message)
    }

    /// 401 `InvalidToken` with the platform's own words: an access token that is unknown, expired,
    /// or whose connector or user is gone. Clients refresh their token on exactly this answer.
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidToken",
            INVALID_TOKEN_MESSAGE,
        )
    }

    /// 401 `InvalidToken` for a refresh token that cannot be used (`message` says why): a new
    /// access token will not help, the user must sign in again.
    pub fn refresh_token_refused(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "InvalidToken", message)
    }

    /// 401 for `GET /v1/accessToken` with an unknown connector or a wrong secret.
    pub fn wrong_secret() -> Self {
        Self::unauthenticated(WRONG_SECRET_MESSAGE)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", message)
    }

    pub fn throttled(retry_after_secs: u64, message: impl Into<String>) -> Self {
        ApiError {
            retry_after: Some(retry_after_secs),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message)
        }
    }

    /// 308 to `location`: the user's endpoint URL, or there with the path that was asked for.
    pub fn relocated(location: String, message: impl Into<String>) -> Self {
        ApiError {
            location: Some(location),
            ..Self::new(StatusCode::PERMANENT_REDIRECT, "Relocated", message)
        }
    }

    /// An error for `status` with the code E1 gives it and the status's reason as its message.
    pub fn with_status(status: StatusCode) -> Self {
        let code = CODES
            .iter()
            .find(|(s, _, _)| *s == status.as_u16())
            .map_or("Error", |(_, c, _)| c);
        Self::new(
            status,
            code,
            status.canonical_reason().unwrap_or("error").to_string(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "errorCode": self.code,
            "message": self.message,
            "errorCategoryKey": category(self.code),
        });
        if let Some(f) = &self.field {
            body["field"] = json!(f);
        }
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if let Some(loc) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            resp.headers_mut().insert(header::LOCATION, loc);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_category_and_401s_are_auth() {
        for (status, code, cat) in CODES {
            assert_eq!(category(code), *cat, "{code}");
            let e = ApiError::with_status(StatusCode::from_u16(*status).unwrap());
            assert_eq!(e.code, *code);
        }
        assert_eq!(category("InvalidToken"), "AuthException");
        assert_eq!(category("Unauthenticated"), "AuthException");
        assert_eq!(ApiError::invalid_token().message, INVALID_TOKEN_MESSAGE);
        assert_eq!(
            ApiError::invalid("name", "is required").code,
            "InvalidParameters"
        );
    }
}
