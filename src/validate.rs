//! Input checks made before anything leaves: E.164 phones, message length, required strings, URLs, option objects.

use crate::error::Error;
use serde_json::{Map, Value};

/// Longest message the platform takes, in characters (not bytes).
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// E.164: `+`, then 8–15 digits, the first not 0. No spaces or dashes (numbers are not reformatted).
pub fn is_e164(s: &str) -> bool {
    let Some(d) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
}

pub fn phone(op: &str, field: &str, s: &str) -> Result<(), Error> {
    if is_e164(s) {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            field,
            "must be an E.164 phone number: + then 8 to 15 digits with the country code, e.g. +911099999999",
        ))
    }
}

/// A non-empty array of E.164 strings; items are named `field[i]`.
pub fn phone_list(op: &str, field: &str, v: &Value) -> Result<Vec<String>, Error> {
    let Value::Array(items) = v else {
        return Err(Error::invalid(
            op,
            field,
            "must be an array of phone numbers",
        ));
    };
    if items.is_empty() {
        return Err(Error::invalid(op, field, "must not be empty"));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let s = item
            .as_str()
            .ok_or_else(|| Error::invalid(op, &f, "must be a string"))?;
        phone(op, &f, s)?;
        out.push(s.to_string());
    }
    Ok(out)
}

pub fn non_empty(op: &str, field: &str, s: &str) -> Result<(), Error> {
    if s.trim().is_empty() {
        Err(Error::invalid(
            op,
            field,
            "is required and must not be empty",
        ))
    } else {
        Ok(())
    }
}

/// Non-empty and at most 4000 characters.
pub fn message(op: &str, field: &str, s: &str) -> Result<(), Error> {
    non_empty(op, field, s)?;
    let n = s.chars().count();
    if n > MAX_MESSAGE_CHARS {
        return Err(Error::invalid(
            op,
            field,
            &format!("is {n} characters long; at most {MAX_MESSAGE_CHARS} are allowed"),
        ));
    }
    Ok(())
}

/// An absolute `http://` or `https://` URL with a host and no whitespace.
pub fn is_http_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        s.get(8..)
    } else if lower.starts_with("http://") {
        s.get(7..)
    } else {
        None
    };
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty()
        && !host.starts_with(':')
        && !host.starts_with('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub fn http_url(op: &str, field: &str, s: &str) -> Result<(), Error> {
    if is_http_url(s) {
        Ok(())
    } else {
        Err(Error::invalid(op, field, "must be an absolute http(s) URL"))
    }
}

/// An id that goes into a path as one segment: non-empty, not `.` or `..` in any spelling (also
/// percent-encoded), and without `/` or `\` (raw or encoded), so the path cannot leave its
/// place (see [`crate::request::segment_problem`]).
pub fn id(op: &str, field: &str, s: &str) -> Result<(), Error> {
    non_empty(op, field, s)?;
    if s.contains(['/', '\\']) {
        return Err(Error::invalid(op, field, "must not contain / or \\"));
    }
    match crate::request::segment_problem(&crate::request::encode_component(s)) {
        Some(_) => Err(Error::invalid(
            op,
            field,
            "must not be `.` or `..` or contain an encoded / or \\ (in any percent-encoded spelling)",
        )),
        None => Ok(()),
    }
}

/// The caller's options object (or a nested object), read with type checks. `null`/absent
/// options are an empty object; `null` fields count as absent. Errors name fields as
/// `{prefix}.{key}` (or `{key}` at the top).
pub struct Opts<'a> {
    op: &'static str,
    prefix: String,
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Opts<'a> {
    /// Top-level options of a JS call.
    pub fn new(op: &'static str, v: &'a Value) -> Result<Opts<'a>, Error> {
        Opts::nested(op, "", v)
    }

    /// An object found at `prefix` (e.g. `actionBody`, `questions[0]`).
    pub fn nested(op: &'static str, prefix: &str, v: &'a Value) -> Result<Opts<'a>, Error> {
        let map = match v {
            Value::Null => None,
            Value::Object(m) => Some(m),
            _ => {
                let name = if prefix.is_empty() { "options" } else { prefix };
                return Err(Error::invalid(op, name, "must be an object"));
            }
        };
        Ok(Opts {
            op,
            prefix: prefix.to_string(),
            map,
        })
    }

    pub fn op(&self) -> &'static str {
        self.op
    }

    pub fn field(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub fn err(&self, key: &str, problem: &str) -> Error {
        Error::invalid(self.op, &self.field(key), problem)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map?.get(key).filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The first of `keys` present (alternative spellings a caller may use).
    pub fn get_any(&self, keys: &[&str]) -> Option<(&'a Value, String)> {
        keys.iter()
            .find_map(|k| self.get(k).map(|v| (v, self.field(k))))
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.err(key, "must be a string")),
        }
    }

    /// A present, non-blank string.
    pub fn req_str(&self, key: &str) -> Result<&'a str, Error> {
        match self.opt_str(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(self.err(key, "is required and must not be empty")),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.err(key, "must be true or false")),
        }
    }

    /// A finite JSON number.
    pub fn opt_num(&self, key: &str) -> Result<Option<f64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(Some)
                .ok_or_else(|| self.err(key, "must be a number")),
            Some(_) => Err(self.err(key, "must be a number")),
        }
    }

    /// A number greater than zero.
    pub fn opt_positive(&self, key: &str) -> Result<Option<f64>, Error> {
        match self.opt_num(key)? {
            Some(n) if n <= 0.0 => Err(self.err(key, "must be greater than 0")),
            other => Ok(other),
        }
    }

    /// A whole number in `min..=max`.
    pub fn opt_int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, Error> {
        let Some(n) = self.opt_num(key)? else {
            return Ok(None);
        };
        if n.fract() != 0.0 || n < min as f64 || n > max as f64 {
            return Err(self.err(key, &format!("must be a whole number from {min} to {max}")));
        }
        Ok(Some(n as i64))
    }

    pub fn opt_array(&self, key: &str) -> Result<Option<&'a Vec<Value>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(self.err(key, "must be an array")),
        }
    }

    /// A present, non-empty array.
    pub fn req_array(&self, key: &str) -> Result<&'a Vec<Value>, Error> {
        match self.opt_array(key)? {
            Some(a) if !a.is_empty() => Ok(a),
            _ => Err(self.err(key, "is required and must be a non-empty array")),
        }
    }

    /// Optional non-empty array of E.164 numbers.
    pub fn opt_phones(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => phone_list(self.op, &self.field(key), v).map(Some),
        }
    }

    pub fn req_phones(&self, key: &str) -> Result<Vec<String>, Error> {
        match self.get(key) {
            None => Err(self.err(key, "is required")),
            Some(v) => phone_list(self.op, &self.field(key), v),
        }
    }

    /// An optional absolute http(s) URL.
    pub fn opt_url(&self, key: &str) -> Result<Option<&'a str>, Error> {
        let s = self.opt_str(key)?;
        if let Some(u) = s {
            http_url(self.op, &self.field(key), u)?;
        }
        Ok(s)
    }

    /// An optional string that must be one of `allowed`.
    pub fn opt_one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<&'a str>, Error> {
        let s = self.opt_str(key)?;
        if let Some(v) = s {
            one_of(self.op, &self.field(key), v, allowed)?;
        }
        Ok(s)
    }

    /// A nested object at `key` (absent → `None`).
    pub fn opt_object(&self, key: &str) -> Result<Option<Opts<'a>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Opts::nested(self.op, &self.field(key), v).map(Some),
        }
    }
}

/// `s` must be one of `allowed` (case-sensitive, as the platform spells them).
pub fn one_of(op: &str, field: &str, s: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&s) {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            field,
            &format!("must be one of {}", allowed.join(", ")),
        ))
    }
}

/// Inserts `v` into `body` under `key` (small helper for building request bodies).
pub fn put(body: &mut Map<String, Value>, key: &str, v: impl Into<Value>) {
    body.insert(key.to_string(), v.into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    #[test]
    fn e164() {
        for ok in ["+911099999999", "+12345678", "+123456789012345"] {
            assert!(is_e164(ok), "{ok}");
        }
        for bad in [
            "911099999999",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "+91 1099999999",
            "+91-1099999999",
            "",
            "+",
            "++911099999999",
            "+९११०९९९९९९९",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn phone_lists_name_the_item() {
        let e = phone_list(
            "addMembers",
            "members",
            &json!(["+911099999999", "+911099999998", "12"]),
        )
        .err();
        let e = e.as_ref();
        assert_eq!(e.map(|e| e.code), Some(ErrorCode::InvalidInput));
        assert_eq!(e.and_then(|e| e.field.as_deref()), Some("members[2]"));
        assert!(e.is_some_and(|e| e.message.starts_with("members[2] must be an E.164")));
        let e = phone_list("addMembers", "members", &json!(["+911099999999", 5])).err();
        assert_eq!(e.and_then(|e| e.field), Some("members[1]".into()));
        assert!(phone_list("x", "members", &json!([])).is_err());
        assert!(phone_list("x", "members", &json!("+911099999999")).is_err());
        assert_eq!(
            phone_list("x", "m", &json!(["+911099999999"])).ok(),
            Some(vec!["+911099999999".to_string()])
        );
    }

    #[test]
    fn message_length_counts_chars() {
        let ok = "é".repeat(4000);
        assert!(message("sendMessage", "message", &ok).is_ok());
        let long = "é".repeat(4001);
        let e = message("sendMessage", "message", &long).err();
        assert_eq!(e.as_ref().and_then(|e| e.field.as_deref()), Some("message"));
        assert!(e.is_some_and(|e| e.message.contains("4001 characters")));
        assert!(message("sendMessage", "message", "  ").is_err());
    }

    #[test]
    fn urls() {
        for ok in [
            "http://h",
            "https://example.com/x?y=1",
            "HTTPS://a:8080/",
            "http://127.0.0.1:9/cb",
        ] {
            assert!(is_http_url(ok), "{ok}");
        }
        for bad in [
            "",
            "ftp://x",
            "//x",
            "/cb",
            "http://",
            "http:///x",
            "https://a b",
            "example.com",
            "http://:80/",
        ] {
            assert!(!is_http_url(bad), "{bad}");
        }
    }

    #[test]
    fn ids_stay_one_segment() {
        for ok in ["g1", "a b", "+911099999999", "x.y", "...", "%41", "a%zz"] {
            assert!(id("op", "groupId", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " ",
            ".",
            "..",
            "%2e",
            "%2E%2e",
            ".%2E",
            "%2e.",
            "%252e%252e",
            "a/b",
            "a\\b",
            "%2f",
            "a%2Fb",
            "%5c",
            "a%255Cb",
            "/",
        ] {
            let e = id("removeMember", "memberId", bad).err();
            assert_eq!(
                e.as_ref().map(|e| (e.code, e.field.as_deref())),
                Some((ErrorCode::InvalidInput, Some("memberId"))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn opts_reading() {
        let v = json!({"name": "n", "blank": " ", "n": 3, "f": 1.5, "b": true, "nul": null, "arr": [1], "o": {"x": 1}});
        let o = Opts::new("op", &v).ok();
        let Some(o) = o else { panic!("options") };
        assert_eq!(o.req_str("name").ok(), Some("n"));
        assert_eq!(
            o.req_str("blank").err().and_then(|e| e.field),
            Some("blank".into())
        );
        assert!(o.req_str("nul").is_err());
        assert_eq!(o.opt_str("nul").ok(), Some(None));
        assert!(o.opt_str("n").is_err());
        assert_eq!(o.opt_int("n", 1, 50).ok(), Some(Some(3)));
        assert!(o.opt_int("f", 1, 50).is_err());
        assert!(o.opt_int("n", 4, 50).is_err());
        assert_eq!(o.opt_bool("b").ok(), Some(Some(true)));
        assert!(o.opt_bool("name").is_err());
        assert!(o.req_array("missing").is_err());
        let inner = o.opt_object("o").ok().flatten();
        assert_eq!(inner.map(|i| i.field("x")), Some("o.x".into()));
        assert!(Opts::new("op", &json!(null)).is_ok());
        let e = Opts::new("op", &json!([1])).err();
        assert_eq!(e.and_then(|e| e.field), Some("options".into()));
        assert!(o.opt_one_of("name", &["a", "b"]).is_err());
    }
}
