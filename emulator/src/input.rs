//! Reading request bodies and fields: JSON parsing, typed field access, E.164 lists — each refusal a 400 naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::state::is_e164;

/// Largest body of any call but a media upload (413 above it).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A body's bytes, at most `BODY_LIMIT` (413 past it, in the one error shape).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "PayloadTooLarge",
                        format!("the body is larger than the {BODY_LIMIT}-byte limit"),
                    )
                } else {
                    ApiError::bad_request(format!("could not read the body: {}", e.body_text()))
                }
            })
    }
}

/// A JSON object body. Malformed JSON, or anything but an object, is a 400 naming what is wrong.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        parse_object(&bytes).map(JsonBody)
    }
}

pub fn parse_object(bytes: &[u8]) -> ApiResult<Value> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_request(
            "the body is empty: a JSON object is required",
        ));
    }
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    Ok(v)
}

/// The first of `names` present (and not null) in `v`: how §8's alternative spellings are read.
pub fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| v.get(*n).filter(|x| !x.is_null()))
}

/// A required, non-empty string (`path` names it in the error, e.g. `actionBody.title`).
pub fn req_str(v: &Value, names: &[&str], path: &str) -> ApiResult<String> {
    match field(v, names) {
        None => Err(ApiError::missing(path)),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(ApiError::invalid(path, "must not be empty")),
        Some(_) => Err(ApiError::invalid(path, "must be a string")),
    }
}

pub fn opt_str(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<String>> {
    match field(v, names) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(path, "must be a string")),
    }
}

/// An optional boolean; `"true"`/`"false"` strings are read too (§8: `result: "true"`).
pub fn opt_bool(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<bool>> {
    match field(v, names) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid(path, "must be true or false")),
    }
}

pub fn opt_f64(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<f64>> {
    match field(v, names) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(path, "must be a number")),
        Some(_) => Err(ApiError::invalid(path, "must be a number")),
    }
}

pub fn opt_i64(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<i64>> {
    match field(v, names) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                // A whole number written as a float (`5.0`), within the range a double holds exactly.
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| ApiError::invalid(path, "must be a whole number")),
        Some(_) => Err(ApiError::invalid(path, "must be a whole number")),
    }
}

pub fn opt_array<'a>(
    v: &'a Value,
    names: &[&str],
    path: &str,
) -> ApiResult<Option<&'a Vec<Value>>> {
    match field(v, names) {
        None => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(ApiError::invalid(path, "must be an array")),
    }
}

pub fn req_object<'a>(
    v: &'a Value,
    names: &[&str],
    path: &str,
) -> ApiResult<&'a Map<String, Value>> {
    match field(v, names) {
        None => Err(ApiError::missing(path)),
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(ApiError::invalid(path, "must be an object")),
    }
}

/// A list of E.164 phone numbers; each bad entry is named, e.g. `members[2]`.
pub fn phones(v: &Value, names: &[&str], path: &str, required: bool) -> ApiResult<Vec<String>> {
    let Some(list) = opt_array(v, names, path)? else {
        return if required {
            Err(ApiError::missing(path))
        } else {
            Ok(Vec::new())
        };
    };
    if required && list.is_empty() {
        return Err(ApiError::invalid(
            path,
            "must list at least one phone number",
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let Value::String(s) = item else {
            return Err(ApiError::invalid(p, "must be a phone number string"));
        };
        if !is_e164(s) {
            return Err(ApiError::invalid(
                p,
                format!("'{s}' is not an E.164 phone number (e.g. +911099999999)"),
            ));
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// A query-string flag (`?showDetail=true`).
pub fn query_flag(q: &std::collections::HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match q.get(name).map(|s| s.to_ascii_lowercase()) {
        None => Ok(false),
        Some(s) if s == "true" || s == "1" => Ok(true),
        Some(s) if s == "false" || s == "0" || s.is_empty() => Ok(false),
        Some(_) => Err(ApiError::invalid(name, "must be true or false")),
    }
}

pub fn query_i64(
    q: &std::collections::HashMap<String, String>,
    name: &str,
) -> ApiResult<Option<i64>> {
    match q.get(name) {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(name, "must be a whole number")),
    }
}
