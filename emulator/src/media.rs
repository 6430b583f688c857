//! Media (docs/platform.md#media): multipart uploads, fetching by URL, and the token-free URLs that serve what was stored.

use std::time::Duration;

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::input::{req_str, JsonBody};
use crate::paths::{MediaPath, Params};
use crate::shared::AppState;
use crate::state::Media;
use crate::world::World;

/// The MIME types the platform takes (pictures, audio, video and office documents: docs/platform.md#media).
pub const SUPPORTED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "audio/mpeg",
    "audio/mp3",
    "audio/wav",
    "audio/x-wav",
    "audio/wave",
    "video/mp4",
    "video/3gpp",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

/// How long `POST /media/url` waits for the remote file.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// `POST /media` and `POST /media/url` (relative to `/{region}/v1`); `limit` is the largest file in bytes.
pub fn routes(limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/media",
            post(
                move |State(state): State<AppState>,
                      caller: Caller,
                      mp: Result<Multipart, MultipartRejection>| {
                    upload(state, caller, mp, limit)
                },
            )
            // The size is enforced while reading (413), not by axum's default 2 MB cap.
            .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/media/url",
            post(
                move |State(state): State<AppState>, caller: Caller, JsonBody(body): JsonBody| {
                    from_url(state, caller, body, limit)
                },
            ),
        )
}

/// `GET /media/{id}/{fileName}`: the stored bytes with their type, no token (like the platform's CDN URLs).
pub fn public_routes() -> Router<AppState> {
    Router::new().route("/media/{id}/{fileName}", get(serve))
}

/// The `mediaResource` handed out for a stored file: its id in `World::media` ("kzm-" + a UUID for
/// uploads), so `w.media.get(resource)` finds it.
pub fn resource_of(media_id: &str) -> String {
    media_id.to_string()
}

/// `{origin}/media/{id}/{fileName}` (the name percent-encoded), for listings and webhook events.
pub fn media_url(origin: &str, m: &Media) -> String {
    format!(
        "{}/media/{}/{}",
        origin.trim_end_matches('/'),
        encode_segment(&m.id),
        encode_segment(&m.file_name)
    )
}

/// A MIME type without its parameters, lower-cased (`Image/PNG; q=1` → `image/png`).
pub fn normalize_mime(s: &str) -> String {
    s.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub fn is_supported(mime: &str) -> bool {
    SUPPORTED_TYPES.contains(&mime)
}

/// The type a file name's extension implies, for `POST /media/url` when the server does not say.
pub fn mime_from_extension(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "3gp" | "3gpp" => "video/3gpp",
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => return None,
    })
}

fn extension_for(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "audio/mpeg" | "audio/mp3" => "mp3",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "video/mp4" => "mp4",
        "video/3gpp" => "3gp",
        "application/pdf" => "pdf",
        "application/msword" => "doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.ms-excel" => "xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.ms-powerpoint" => "ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        _ => "bin",
    }
}

/// The last path component of a client-supplied name, without control characters; `file.<ext>` when
/// nothing usable is left.
fn clean_file_name(raw: Option<&str>, mime: &str) -> String {
    let base = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let name: String = base.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        format!("file.{}", extension_for(mime))
    } else {
        name.chars().take(200).collect()
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode_segment(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = s
            .get(i + 1..i + 3)
            .filter(|_| b.get(i) == Some(&b'%'))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(v) => {
                out.push(v);
                i += 3;
            }
            None => {
                out.extend(b.get(i).copied());
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PayloadTooLarge",
        format!("the file is larger than the {limit}-byte limit"),
    )
}

fn unsupported(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UnsupportedMediaType",
        format!("{what}; supported: {}", SUPPORTED_TYPES.join(", ")),
    )
}

fn multipart_error(e: MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::bad_request(format!(
            "the multipart body could not be read: {}",
            e.body_text()
        ))
    }
}

/// Bytes of every stored file together.
pub fn stored_bytes(w: &World) -> usize {
    w.media.values().map(|m| m.bytes.len()).sum()
}

fn quota_full(quota: usize, used: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PayloadTooLarge",
        format!(
            "the media store is full: {used} of its {quota} bytes are used and this file does not fit (start the emulator with a larger --media-quota)"
        ),
    )
}

/// 413 unless the store has room left; otherwise how many bytes it has left.
fn room(state: &AppState) -> ApiResult<usize> {
    let quota = state.config.media_quota;
    let used = stored_bytes(&state.world());
    match quota.checked_sub(used) {
        Some(left) if left > 0 => Ok(left),
        _ => Err(quota_full(quota, used)),
    }
}

/// Keeps the file and answers its opaque `mediaResource` ("kzm-" + a UUID); 413 when it would take
/// the store past its quota.
fn store(
    w: &mut World,
    quota: usize,
    bytes: Vec<u8>,
    mime: String,
    file_name: String,
    user_id: &str,
) -> ApiResult<String> {
    let used = stored_bytes(w);
    if used.saturating_add(bytes.len()) > quota {
        return Err(quota_full(quota, used));
    }
    let id = format!("kzm-{}", uuid::Uuid::new_v4().simple());
    let uploaded_at = w.now();
    w.media.insert(
        id.clone(),
        Media {
            id: id.clone(),
            file_name,
            mime,
            bytes: bytes.into(),
            uploaded_by: user_id.to_string(),
            uploaded_at,
        },
    );
    Ok(id)
}

/// `POST /media`: exactly one file part. A file part is one with a file name or a Content-Type; a
/// request whose only part has neither is treated as a file without a type (415), other plain form
/// fields are ignored. Every part's bytes count against the limit.
async fn upload(
    state: AppState,
    caller: Caller,
    mp: Result<Multipart, MultipartRejection>,
    limit: usize,
) -> ApiResult<Json<Value>> {
    caller.need_any(&["media.write", "media.read"])?;
    let left = room(&state)?;
    let quota = state.config.media_quota;
    // A body that is not multipart at all is a 415, as the media page says (choice R8).
    let mut mp = mp.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!(
                "POST /media takes multipart/form-data with one file part: {}",
                e.body_text()
            ),
        )
    })?;
    let mut file: Option<(String, String, Vec<u8>)> = None;
    let mut parts = 0usize;
    let mut total = 0usize;
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(e, limit))?
    {
        parts += 1;
        let file_name = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(normalize_mime);
        let is_file = file_name.is_some() || content_type.is_some();
        if is_file {
            if file.is_some() {
                return Err(ApiError::bad_request(
                    "POST /media takes exactly one file part; this request has more",
                ));
            }
            let mime = content_type.unwrap_or_default();
            if mime.is_empty() {
                return Err(unsupported("the file part has no Content-Type"));
            }
            if !is_supported(&mime) {
                return Err(unsupported(&format!(
                    "{mime} is not a supported media type"
                )));
            }
            let mut buf = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
                total += chunk.len();
                if total > limit {
                    return Err(too_large(limit));
                }
                if buf.len() + chunk.len() > left {
                    return Err(quota_full(quota, quota - left));
                }
                buf.extend_from_slice(&chunk);
            }
            let name = clean_file_name(file_name.as_deref(), &mime);
            file = Some((mime, name, buf));
        } else {
            while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limit))? {
                total += chunk.len();
                if total > limit {
                    return Err(too_large(limit));
                }
            }
        }
    }
    let Some((mime, name, bytes)) = file else {
        return Err(if parts == 1 {
            unsupported("the part has no Content-Type (send the file with its real MIME type)")
        } else {
            ApiError::bad_request(
                "POST /media needs one file part (with a file name and its MIME type)",
            )
        });
    };
    if bytes.is_empty() {
        return Err(ApiError::bad_request("the file part is empty"));
    }
    let id = {
        let mut w = state.world();
        store(
            &mut w,
            state.config.media_quota,
            bytes,
            mime,
            name,
            &caller.user_id,
        )?
    };
    Ok(Json(json!({ "mediaResource": id })))
}

/// `POST /media/url {mediaUrl}`: the emulator fetches the file itself. Its type is the response's
/// Content-Type; only when that is missing or a generic `application/octet-stream` does the URL's
/// extension decide (so an HTML error page at `x.png` is still refused).
async fn from_url(
    state: AppState,
    caller: Caller,
    body: Value,
    limit: usize,
) -> ApiResult<Json<Value>> {
    caller.need_any(&["media.write", "media.read"])?;
    let left = room(&state)?;
    let quota = state.config.media_quota;
    let raw = req_str(&body, &["mediaUrl"], "mediaUrl")?;
    let url = reqwest::Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| ApiError::invalid("mediaUrl", "must be an absolute http(s) URL"))?;
    let mut resp = state
        .http
        .get(url.clone())
        .timeout(FETCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| ApiError::invalid("mediaUrl", format!("could not be fetched: {e}")))?;
    if !resp.status().is_success() {
        return Err(ApiError::invalid(
            "mediaUrl",
            format!(
                "could not be fetched: the server answered {}",
                resp.status()
            ),
        ));
    }
    let last_segment = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .map(decode_segment)
        .unwrap_or_default();
    let declared = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(normalize_mime)
        .filter(|m| !m.is_empty());
    let mime = match declared {
        Some(m) if m != "application/octet-stream" && m != "binary/octet-stream" => m,
        other => mime_from_extension(&last_segment)
            .map(str::to_string)
            .or(other)
            .unwrap_or_default(),
    };
    if mime.is_empty() {
        return Err(unsupported(
            "the file's type is unknown (no Content-Type and no known extension)",
        ));
    }
    if !is_supported(&mime) {
        return Err(unsupported(&format!(
            "{mime} is not a supported media type"
        )));
    }
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| ApiError::invalid("mediaUrl", format!("reading the file failed: {e}")))?
    {
        if bytes.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        if bytes.len() + chunk.len() > left {
            return Err(quota_full(quota, quota - left));
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.is_empty() {
        return Err(ApiError::invalid("mediaUrl", "the file is empty"));
    }
    let name = clean_file_name(Some(&last_segment), &mime);
    let id = {
        let mut w = state.world();
        store(
            &mut w,
            state.config.media_quota,
            bytes,
            mime,
            name,
            &caller.user_id,
        )?
    };
    Ok(Json(json!({ "mediaResource": id })))
}

/// Serves by id; the file-name segment is cosmetic (any name serves the file, as a CDN key would).
async fn serve(State(state): State<AppState>, Params(p): Params<MediaPath>) -> Response {
    let id = p.id;
    let found = {
        let w = state.world();
        w.media
            .get(&id)
            .map(|m| (m.mime.clone(), m.file_name.clone(), m.bytes.clone()))
    };
    let Some((mime, name, bytes)) = found else {
        return ApiError::not_found(format!("no media {id}")).into_response();
    };
    let mut resp = bytes.into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename*=UTF-8''{}",
        encode_segment(&name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        assert_eq!(normalize_mime("Image/PNG; charset=x"), "image/png");
        assert_eq!(mime_from_extension("a.JPG"), Some("image/jpeg"));
        assert_eq!(mime_from_extension("noext"), None);
        assert_eq!(
            clean_file_name(Some("../../etc/a b.png"), "image/png"),
            "a b.png"
        );
        assert_eq!(clean_file_name(None, "application/pdf"), "file.pdf");
        assert_eq!(encode_segment("a b/é.png"), "a%20b%2F%C3%A9.png");
        assert_eq!(decode_segment("a%20b%2F%C3%A9.png"), "a b/é.png");
        assert_eq!(decode_segment("100%"), "100%");
    }
}
