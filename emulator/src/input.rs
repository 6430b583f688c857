//! Reading request bodies, fields and query parameters the way the platform's ASP.NET service
//! did (docs/platform.md, choices R3–R6): lenient JSON, names in any case, values converted to the
//! field's type; typed field access and E.164 lists — each refusal a 400 naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
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

/// Deepest nesting of arrays and objects a body may have (what `serde_json` allows too): the
/// lenient reader recurses, so depth is checked before it runs.
pub const MAX_DEPTH: usize = 128;

pub fn parse_object(bytes: &[u8]) -> ApiResult<Value> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_request(
            "the body is empty: a JSON object is required",
        ));
    }
    // Strict JSON first (most bodies): exact, fast, and with its own depth limit.
    let v: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(strict) if strict.is_syntax() => lenient(bytes)
            .map_err(|why| ApiError::bad_request(format!("the body is not valid JSON: {why}")))?,
        Err(strict) => {
            return Err(ApiError::bad_request(format!(
                "the body is not valid JSON: {strict}"
            )))
        }
    };
    if !v.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    Ok(v)
}

/// Reads what Json.NET's default reader took and strict JSON does not (choice R3): property names
/// without quotes, single-quoted strings, comments, trailing commas, any Unicode white space.
fn lenient(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    if depth(text) > MAX_DEPTH {
        return Err(format!("nested deeper than {MAX_DEPTH} levels"));
    }
    jsonc_parser::parse_to_serde_value(text, &Default::default())
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no value".to_string())
}

/// The deepest nesting of `[` and `{` in `text`, brackets inside strings and comments not counted.
fn depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                while let Some(d) = chars.next() {
                    if d == '\\' {
                        chars.next();
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut star = false;
                for d in chars.by_ref() {
                    if star && d == '/' {
                        break;
                    }
                    star = d == '*';
                }
            }
            '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The first of `names` present (and not null) in `v`, its name in any case (choice R4): an exact
/// spelling first, then one that differs only in case. Only names are compared this way; what a
/// field holds (ids, texts, a webhook's context, answers) is read as sent.
pub fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    let exact = names
        .iter()
        .find_map(|n| v.get(*n).filter(|x| !x.is_null()));
    if exact.is_some() {
        return exact;
    }
    let obj = v.as_object()?;
    names.iter().find_map(|n| {
        obj.iter()
            .find(|(k, x)| k.eq_ignore_ascii_case(n) && !x.is_null())
            .map(|(_, x)| x)
    })
}

/// The spelling in `allowed` of `value`, compared without case (choice R4: enum values in any case
/// are stored and answered as the documents spell them).
pub fn one_of(value: &str, allowed: &[&'static str]) -> Option<&'static str> {
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
}

/// A number as a field holds it: a JSON number, or a string that reads as one (choice R5).
fn number_of(v: &Value) -> Option<serde_json::Number> {
    match v {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || s.len() > 40 {
                return None;
            }
            serde_json::from_str::<serde_json::Number>(s).ok()
        }
        _ => None,
    }
}

/// A required, non-empty string (`path` names it in the error, e.g. `actionBody.title`).
pub fn req_str(v: &Value, names: &[&str], path: &str) -> ApiResult<String> {
    match field(v, names) {
        None => Err(ApiError::missing(path)),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(ApiError::invalid(path, "must not be empty")),
        Some(x) => scalar_text(x).ok_or_else(|| ApiError::invalid(path, "must be a string")),
    }
}

/// A number or boolean where a string is wanted: its text, as Json.NET binds it (choice R5).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn opt_str(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<String>> {
    match field(v, names) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(x) => scalar_text(x)
            .map(Some)
            .ok_or_else(|| ApiError::invalid(path, "must be a string")),
    }
}

/// An optional boolean; `"true"`/`"false"` (any case) and 0/1 are read too (choice R5).
pub fn opt_bool(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<bool>> {
    match field(v, names) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid(path, "must be true or false")),
    }
}

/// An optional number; a numeric string is read as its number (choice R5).
pub fn opt_f64(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<f64>> {
    match field(v, names) {
        None => Ok(None),
        Some(x) => number_of(x)
            .and_then(|n| n.as_f64())
            .map(Some)
            .ok_or_else(|| ApiError::invalid(path, "must be a number")),
    }
}

/// An optional whole number; a numeric string is read as its number (choice R5).
pub fn opt_i64(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<i64>> {
    match field(v, names).map(number_of) {
        None => Ok(None),
        Some(Some(n)) => n
            .as_i64()
            .or_else(|| {
                // A whole number written as a float (`5.0`), within the range a double holds exactly.
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| ApiError::invalid(path, "must be a whole number")),
        Some(None) => Err(ApiError::invalid(path, "must be a whole number")),
    }
}

/// An optional whole number where 0 means "not given" (choice R6: a service binding into an `int`
/// cannot tell an absent value from 0, so 0 gets the default).
pub fn opt_i64_or_default(v: &Value, names: &[&str], path: &str) -> ApiResult<Option<i64>> {
    Ok(opt_i64(v, names, path)?.filter(|n| *n != 0))
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

/// A call's query parameters, looked up by name in any case (choice R4: ASP.NET binds them so).
/// A name given twice counts once, with its first value.
#[derive(Debug, Default, Clone)]
pub struct QueryMap(Vec<(String, String)>);

impl QueryMap {
    pub fn parse(query: &str) -> QueryMap {
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if !out.iter().any(|(seen, _)| seen.eq_ignore_ascii_case(&k)) {
                out.push((k.into_owned(), v.into_owned()));
            }
        }
        QueryMap(out)
    }

    pub fn get(&self, name: &str) -> Option<&String> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryMap::parse(parts.uri.query().unwrap_or_default()))
    }
}

/// A query-string flag (`?showDetail=true`).
pub fn query_flag(q: &QueryMap, name: &str) -> ApiResult<bool> {
    match q.get(name).map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(s) if s == "true" || s == "1" => Ok(true),
        Some(s) if s == "false" || s == "0" || s.is_empty() => Ok(false),
        Some(_) => Err(ApiError::invalid(name, "must be true or false")),
    }
}

pub fn query_i64(q: &QueryMap, name: &str) -> ApiResult<Option<i64>> {
    match q.get(name).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::invalid(name, "must be a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_read_as_json_net_read_them() {
        let ok = |text: &str| parse_object(text.as_bytes()).unwrap();
        assert_eq!(
            ok("{name:\"x\", 'welcomeMessage':'w', members:[\"+91\",],}"),
            json!({"name": "x", "welcomeMessage": "w", "members": ["+91"]})
        );
        assert_eq!(
            ok("{\u{a0}\u{a0}subscribers\u{a0}: [\"+911\"]\n}"),
            json!({"subscribers": ["+911"]})
        );
        assert_eq!(
            ok("{ \n\u{202f} \"Active\": \"true\" \n}"),
            json!({"Active": "true"})
        );
        assert_eq!(ok("\u{feff}{\"a\":1}"), json!({"a": 1}));
        assert_eq!(ok("{ // note\n a /* x */ : 1 }"), json!({"a": 1}));
        // Integers stay integers, whichever reader read them.
        let v = ok("{a:15, b:15.5, c:636674054802000000}");
        assert!(v["a"].is_i64() && v["c"].is_i64() && v["b"].is_f64());
        for bad in ["", "  ", "[1]", "{a:}", "{'a':1", "{a:1}}", "nope"] {
            assert!(parse_object(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let deep = format!("{{a:{}1{}}}", "[".repeat(200), "]".repeat(200));
        let e = parse_object(deep.as_bytes()).unwrap_err();
        assert!(e.message.contains("nested"), "{}", e.message);
        let in_text = format!("{{a:'{}', b:1}}", "[".repeat(200));
        assert_eq!(ok(&in_text)["b"], 1);
    }

    #[test]
    fn names_in_any_case_values_converted() {
        let v = json!({"ActionType": "Job", "actionBody": null, "ACTIONBODY": {"x": 1},
                       "pin": "4299", "count": "5", "flag": 1, "off": "FALSE", "n": 7});
        assert_eq!(field(&v, &["actionType"]), Some(&json!("Job")));
        assert_eq!(field(&v, &["actionBody"]), Some(&json!({"x": 1})));
        assert_eq!(opt_i64(&v, &["pin"], "pin").unwrap(), Some(4299));
        assert_eq!(opt_i64(&v, &["COUNT"], "count").unwrap(), Some(5));
        assert_eq!(opt_bool(&v, &["flag"], "flag").unwrap(), Some(true));
        assert_eq!(opt_bool(&v, &["off"], "off").unwrap(), Some(false));
        assert_eq!(opt_str(&v, &["n"], "n").unwrap().as_deref(), Some("7"));
        assert!(opt_i64(&json!({"a": "4.5"}), &["a"], "a").is_err());
        assert!(opt_i64(&json!({"a": "x"}), &["a"], "a").is_err());
        assert_eq!(
            opt_i64_or_default(&json!({"a": 0}), &["a"], "a").unwrap(),
            None
        );
        assert_eq!(
            one_of("connectgroup", &["Group", "ConnectGroup"]),
            Some("ConnectGroup")
        );
        assert_eq!(one_of("Groups", &["Group", "ConnectGroup"]), None);
    }

    #[test]
    fn query_names_in_any_case() {
        let q = QueryMap::parse("SHOWDETAIL=true&fetchAllGroups=1&count=3&count=9&x=%20y");
        assert!(query_flag(&q, "showDetail").unwrap());
        assert!(query_flag(&q, "fetchallgroups").unwrap());
        assert_eq!(query_i64(&q, "Count").unwrap(), Some(3));
        assert_eq!(q.get("X").map(String::as_str), Some(" y"));
        assert_eq!(q.get("missing"), None);
    }
}
