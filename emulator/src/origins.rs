//! Which web origins may call the emulator: loopback pages by default, others only when
//! `--allow-origin` names them. The CORS layer grants only those, and calls sent from any other
//! origin are refused before they run.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

use crate::error::ApiError;
use crate::shared::AppState;

/// Whether a page at `origin` (the `Origin` header's value) may call: a loopback origin
/// (`http://localhost:*`, `http://127.0.0.1:*`, `http://[::1]:*`, also over https), one listed in
/// `allowed` (compared without case, a trailing `/` ignored), or any when `allowed` holds `*`.
pub fn allowed(origin: &str, allowed: &[String]) -> bool {
    let origin = origin.trim();
    if allowed.iter().any(|a| {
        a == "*"
            || a.trim_end_matches('/')
                .eq_ignore_ascii_case(origin.trim_end_matches('/'))
    }) {
        return true;
    }
    is_loopback(origin)
}

/// `http(s)://` + a loopback host + an optional port, and nothing else.
pub fn is_loopback(origin: &str) -> bool {
    let origin = origin.to_ascii_lowercase();
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let Some((h, tail)) = v6.split_once(']') else {
            return false;
        };
        (h, tail)
    } else {
        match rest.find(':') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        }
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()),
    };
    if !port_ok {
        return false;
    }
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether calls to `path` are guarded: the platform's paths and the dev API (static files are
/// not: a page may be loaded from anywhere, it is what it calls that counts).
fn guarded(path: &str) -> bool {
    crate::paths::is_platform_path(path) || path.starts_with("/_emulator/") || path == "/_emulator"
}

/// Refuses a call whose `Origin` may not call (403, before the call runs): a browser would not
/// let such a page read the answer, but a form or a simple POST would still act without this.
/// Calls without an `Origin` (servers, scripts, same-origin GETs) are not browsers' cross-origin
/// calls and go on. Preflights are left to the CORS layer, which grants nothing to such an origin.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::OPTIONS && guarded(req.uri().path()) {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let text = origin.to_str().unwrap_or_default();
            if !allowed(text, &state.config.allow_origins) {
                let shown: String = text.chars().take(200).collect();
                return ApiError::forbidden(format!(
                    "calls from the origin {shown} are refused; start the emulator with --allow-origin {shown} to let that page call it"
                ))
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// The CORS layer: the allowed origins (as `allowed` decides), the platform's headers, and
/// `Location` and `Retry-After` readable by the page.
pub fn cors(allow: Vec<String>) -> CorsLayer {
    let headers = [
        "accesstoken",
        "applicationid",
        "applicationsecret",
        "refreshtoken",
        "authorization",
        "content-type",
        "kz-callback-token",
    ]
    .map(HeaderName::from_static);
    let origin = if allow.iter().any(|a| a == "*") {
        AllowOrigin::mirror_request()
    } else {
        AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| allowed(o, &allow))
        })
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods(AllowMethods::list([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ]))
        .allow_headers(AllowHeaders::list(headers))
        .expose_headers([header::LOCATION, header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins_are_allowed_and_others_only_when_listed() {
        for o in [
            "http://localhost:5173",
            "http://localhost",
            "http://127.0.0.1:8080",
            "http://127.9.9.9:1",
            "http://[::1]:3000",
            "https://localhost:8443",
            "HTTP://LOCALHOST:1",
        ] {
            assert!(allowed(o, &[]), "{o}");
        }
        for o in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example:80",
            "http://localhost:80/path",
            "http://localhost:",
            "http://localhost:123456",
            "http://[::2]:80",
            "http://10.0.0.1:80",
            "file://",
            "null",
            "",
            "localhost:80",
        ] {
            assert!(!allowed(o, &[]), "{o}");
        }
        let listed = vec!["https://app.example/".to_string(), "null".to_string()];
        assert!(allowed("https://APP.example", &listed));
        assert!(allowed("null", &listed));
        assert!(!allowed("https://app.example.evil", &listed));
        assert!(allowed("https://anything", &["*".to_string()]));
    }
}
