//! `mediaResource` strings: the ones this server hands out for its uploads, and the live service's
//! (base64 of `{"ActionType", "Files": [{"Id", "Name", "Size", "Url"}]}`) that the documents' samples
//! carry, read as references to their `Url` (docs/platform.md, choice C5).

use base64::Engine;
use serde_json::Value;

use crate::media::{media_url, mime_from_extension};
use crate::state::Media;
use crate::world::World;

/// The longest foreign `mediaResource` decoded (the samples' are about 9 KB; a body is 1 MiB at most).
const MAX_FOREIGN_LEN: usize = 256 * 1024;

/// What a `mediaResource` names.
#[derive(Debug, Clone)]
pub enum Resource<'w> {
    /// A file uploaded here.
    Own(&'w Media),
    /// A file of the live service, known by its URL only.
    Foreign {
        url: String,
        file_name: String,
        /// The type its name or its `ActionType` implies (`image/…`, `audio/…`, …), when either says.
        mime: Option<String>,
    },
}

impl Resource<'_> {
    /// Where the file can be fetched from.
    pub fn url(&self, origin: &str) -> String {
        match self {
            Resource::Own(m) => media_url(origin, m),
            Resource::Foreign { url, .. } => url.clone(),
        }
    }

    pub fn file_name(&self) -> &str {
        match self {
            Resource::Own(m) => &m.file_name,
            Resource::Foreign { file_name, .. } => file_name,
        }
    }

    pub fn mime(&self) -> Option<&str> {
        match self {
            Resource::Own(m) => Some(&m.mime),
            Resource::Foreign { mime, .. } => mime.as_deref(),
        }
    }
}

/// The file `res` names: an upload of this server, or a live-service resource whose first file has
/// an http(s) `Url`. `None` for anything else (unknown ids, truncated or undecodable blobs).
pub fn resolve<'w>(w: &'w World, res: &str) -> Option<Resource<'w>> {
    if let Some(m) = w.media.get(res) {
        return Some(Resource::Own(m));
    }
    foreign(res)
}

/// A property of a live-service object in whatever case it was written (the service wrote PascalCase).
fn prop<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, x)| x)
}

fn foreign(res: &str) -> Option<Resource<'static>> {
    let res = res.trim();
    if res.len() < 8 || res.len() > MAX_FOREIGN_LEN {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(res)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(res))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(res))
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(res))
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    let first = prop(&v, "Files")?.as_array()?.first()?;
    let url = prop(first, "Url")?.as_str()?.trim().to_string();
    let parsed = reqwest::Url::parse(&url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return None;
    }
    let file_name = prop(first, "Name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            parsed
                .path_segments()
                .and_then(|mut s| s.next_back().map(str::to_string))
        })
        .unwrap_or_default();
    let by_type = prop(&v, "ActionType")
        .and_then(Value::as_i64)
        .and_then(|t| match t {
            3 => Some("image/*"),
            5 => Some("audio/*"),
            6 => Some("application/*"),
            10 => Some("video/*"),
            _ => None,
        });
    let mime = mime_from_extension(&file_name)
        .or(by_type)
        .map(str::to_string);
    Some(Resource::Foreign {
        url,
        file_name,
        mime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn blob(v: Value) -> String {
        base64::engine::general_purpose::STANDARD.encode(v.to_string())
    }

    #[test]
    fn live_service_blobs_are_read_by_their_url() {
        let w = World::empty();
        let b = blob(json!({"Thumbnail": "x", "ActionType": 3, "Files": [
            {"Id": "e5", "Name": "test.png", "Size": 4, "Url": "https://cdn.example/75e8.png?sv=1"}]}));
        let r = resolve(&w, &b).expect("a live-service picture");
        assert_eq!(r.url("http://o"), "https://cdn.example/75e8.png?sv=1");
        assert_eq!(r.file_name(), "test.png");
        assert_eq!(r.mime(), Some("image/png"));
        // No name: the URL's last segment, the type from ActionType.
        let b = blob(json!({"ActionType": 10, "Files": [{"Url": "https://cdn.example/v/clip"}]}));
        let r = resolve(&w, &b).unwrap();
        assert_eq!(r.file_name(), "clip");
        assert_eq!(r.mime(), Some("video/*"));
    }

    #[test]
    fn anything_else_is_unknown() {
        let w = World::empty();
        for bad in [
            String::new(),
            "kzm-0000".into(),
            "not base64 at all!".into(),
            // Truncated, as in the announcement sample of the connector pages.
            blob(json!({"Thumbnail": "/9j/4AAQ"}))[..20].to_string(),
            blob(json!({"Files": []})),
            blob(json!({"Files": [{"Name": "a.png"}]})),
            blob(json!({"Files": [{"Url": "javascript:alert(1)"}]})),
            blob(json!({"Files": [{"Url": "file:///etc/passwd"}]})),
            blob(json!(["https://cdn.example/a.png"])),
        ] {
            assert!(resolve(&w, &bad).is_none(), "{bad}");
        }
    }
}
