//! Media uploads (docs/platform.md#media) and the MIME types the platform takes.

use crate::error::{Error, ErrorCode};
use crate::operations;
use crate::request::{Body, RequestSpec};
use crate::validate::{non_empty, Opts};
use serde_json::Value;

/// (extension, MIME type) for every supported file type.
const TYPES: [(&str, &str); 17] = [
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("mp3", "audio/mpeg"),
    ("wav", "audio/wav"),
    ("mp4", "video/mp4"),
    ("3gp", "video/3gpp"),
    ("3gpp", "video/3gpp"),
    ("pdf", "application/pdf"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
];

/// The MIME type for a file name's extension (case-insensitive), when supported.
pub fn mime_for_file_name(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    TYPES
        .iter()
        .find(|(e, _)| e.eq_ignore_ascii_case(ext))
        .map(|(_, m)| *m)
}

/// Bare type, lower-cased, without parameters (`Image/PNG; x=y` → `image/png`).
fn essence(mime: &str) -> String {
    mime.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub fn is_supported_mime(mime: &str) -> bool {
    let m = essence(mime);
    TYPES.iter().any(|(_, t)| *t == m)
}

/// The media `actionType` a supported MIME type is posted as (`Album` is never inferred).
pub fn action_type_for_mime(mime: &str) -> Option<&'static str> {
    let m = essence(mime);
    if !is_supported_mime(&m) {
        return None;
    }
    Some(match m.split('/').next().unwrap_or_default() {
        "image" => "Image",
        "audio" => "Audio",
        "video" => "Video",
        _ => "Document",
    })
}

/// `POST media`, multipart with one file part (the binding adds the bytes). The MIME type is the
/// one given, else the file name's. Unsupported types are refused here with `unsupported_media`
/// (the platform would answer 415). Not repeat-safe.
pub fn upload_media(file_name: &str, mime_type: Option<&str>) -> Result<RequestSpec, Error> {
    const OP: &str = "uploadMedia";
    non_empty(OP, "fileName", file_name)?;
    let (mime, field) = match mime_type.filter(|m| !m.trim().is_empty()) {
        Some(m) => (Some(essence(m)), "mimeType"),
        None => (
            mime_for_file_name(file_name).map(str::to_string),
            "fileName",
        ),
    };
    let Some(mime) = mime.filter(|m| is_supported_mime(m)) else {
        return Err(Error::new(
            ErrorCode::UnsupportedMedia,
            OP,
            format!(
                "{field} names an unsupported file type; supported: images (jpeg, png, gif, webp), audio (mp3, wav), video (mp4, 3gpp), documents (pdf, doc(x), xls(x), ppt(x))"
            ),
        )
        .with_field(field));
    };
    let mut spec = operations::spec(OP, &[]);
    spec.body = Body::Multipart {
        file_name: file_name.to_string(),
        mime_type: mime,
    };
    Ok(spec)
}

/// `POST media/url` `{mediaUrl}`; `opts` is the URL or `{mediaUrl}`. Not repeat-safe.
pub fn upload_media_from_url(opts: &Value) -> Result<RequestSpec, Error> {
    const OP: &str = "uploadMediaFromUrl";
    let wrapped;
    let opts = if opts.is_string() {
        wrapped = crate::object(vec![("mediaUrl", opts.clone())]);
        &wrapped
    } else {
        opts
    };
    let o = Opts::new(OP, opts)?;
    let url = o.req_str("mediaUrl")?;
    crate::validate::http_url(OP, "mediaUrl", url)?;
    Ok(operations::spec(OP, &[]).json(crate::object(vec![("mediaUrl", url.into())])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use crate::request::Method;
    use serde_json::json;

    #[test]
    fn mime_table() {
        assert_eq!(mime_for_file_name("a.JPG"), Some("image/jpeg"));
        assert_eq!(
            mime_for_file_name("report.final.docx"),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert_eq!(mime_for_file_name("clip.3gp"), Some("video/3gpp"));
        assert_eq!(mime_for_file_name("song.mp3"), Some("audio/mpeg"));
        assert_eq!(mime_for_file_name("x.exe"), None);
        assert_eq!(mime_for_file_name("noext"), None);
        assert!(is_supported_mime("Image/PNG; charset=x"));
        assert!(is_supported_mime("application/vnd.ms-powerpoint"));
        assert!(!is_supported_mime("text/plain"));
        assert!(!is_supported_mime("image/svg+xml"));
        assert_eq!(action_type_for_mime("image/gif"), Some("Image"));
        assert_eq!(action_type_for_mime("audio/wav"), Some("Audio"));
        assert_eq!(action_type_for_mime("video/mp4"), Some("Video"));
        assert_eq!(action_type_for_mime("application/pdf"), Some("Document"));
        assert_eq!(action_type_for_mime("text/html"), None);
    }

    #[test]
    fn upload() {
        let s = upload_media("pic.png", None);
        let Ok(s) = s else { panic!("{s:?}") };
        assert_eq!(
            (s.operation, s.method, s.repeat_safe),
            ("uploadMedia", Method::Post, false)
        );
        assert_eq!(
            url("http://h:1/inc-000/", &s),
            "http://h:1/inc-000/v1/media"
        );
        assert_eq!(
            s.body,
            Body::Multipart {
                file_name: "pic.png".into(),
                mime_type: "image/png".into()
            }
        );
        let s = upload_media("blob", Some("Application/PDF"));
        assert_eq!(
            s.ok().map(|s| s.body),
            Some(Body::Multipart {
                file_name: "blob".into(),
                mime_type: "application/pdf".into()
            })
        );
        let e = upload_media("x.txt", None).err();
        assert_eq!(
            e.as_ref().map(|e| e.code),
            Some(ErrorCode::UnsupportedMedia)
        );
        assert_eq!(e.and_then(|e| e.field), Some("fileName".into()));
        let e = upload_media("x.png", Some("text/plain")).err();
        assert_eq!(e.and_then(|e| e.field), Some("mimeType".into()));
        assert_eq!(
            upload_media("", None).err().map(|e| e.code),
            Some(ErrorCode::InvalidInput)
        );
    }

    #[test]
    fn from_url() {
        for arg in [
            json!("https://x.example/a.png"),
            json!({"mediaUrl": "https://x.example/a.png"}),
        ] {
            let s = upload_media_from_url(&arg);
            let Ok(s) = s else { panic!("{s:?}") };
            assert!(!s.repeat_safe);
            assert_eq!(
                url("http://h:1/inc-000/", &s),
                "http://h:1/inc-000/v1/media/url"
            );
            assert_eq!(
                s.json_body(),
                Some(&json!({"mediaUrl": "https://x.example/a.png"}))
            );
        }
        let e = upload_media_from_url(&json!("a.png")).err();
        assert_eq!(e.and_then(|e| e.field), Some("mediaUrl".into()));
    }
}
