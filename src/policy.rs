//! What to do after each attempt of a call: accept, refresh, relocate, wait and retry, or fail.

use crate::error::{from_http, Error, ErrorCode};
use crate::request::{AuthKind, Base, RequestSpec};
use crate::time::ms_from_http_date;
use crate::tokens::split_redirect;

/// Suggested client timeout per attempt (§1).
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_MAX_TOTAL_WAIT_MS: u64 = 120_000;
/// Relocations allowed for one call; one more is a loop.
pub const MAX_HOPS: u32 = 3;
/// Back-off base and cap for 5xx / network errors / timeouts.
pub const BACKOFF_BASE_MS: u64 = 250;
pub const BACKOFF_CAP_MS: u64 = 10_000;
/// Wait on a 429 without a readable `Retry-After`.
pub const DEFAULT_THROTTLE_WAIT_MS: u64 = 1_000;

/// What one attempt came back with.
#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    Response {
        status: u16,
        /// The raw `Retry-After` header.
        retry_after: Option<String>,
        /// The URL fetch ended at when it followed a redirect, or a 308's `Location`.
        redirected_to: Option<String>,
        /// The body text of a non-2xx answer (for the error message); `None` for 2xx.
        body: Option<String>,
    },
    NetworkError,
    Timeout,
    Aborted,
}

impl Facts {
    /// A plain answer: no `Retry-After`, no redirect, no body.
    pub fn status(status: u16) -> Facts {
        Facts::Response {
            status,
            retry_after: None,
            redirected_to: None,
            body: None,
        }
    }
}

/// The state of one call across its attempts. [`Attempt::record`] advances it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub operation: String,
    pub repeat_safe: bool,
    /// A 401 may be cured by minting a new access token (calls made with an access token).
    pub refreshable: bool,
    /// Sent to the user's endpoint, so a redirect means relocation (auth and OAuth calls: false,
    /// a redirect there is ignored when followed and refused when not).
    pub relocatable: bool,
    /// Already refreshed once for this call.
    pub refreshed: bool,
    pub hops: u32,
    pub throttle_retries: u32,
    pub error_retries: u32,
    pub waited_ms: u64,
    pub max_retries: u32,
    pub max_total_wait_ms: u64,
    /// In `[0, 1)`, supplied by the caller (random in production, fixed in tests).
    pub jitter: f64,
    pub now_ms: i64,
    /// The endpoint this attempt was sent to (to resolve a relative `Location`).
    pub endpoint_url: Option<String>,
}

impl Attempt {
    pub fn new(spec: &RequestSpec) -> Attempt {
        Attempt {
            operation: spec.operation.to_string(),
            repeat_safe: spec.repeat_safe,
            refreshable: spec.auth == AuthKind::AccessToken,
            relocatable: spec.base == Base::Endpoint,
            refreshed: false,
            hops: 0,
            throttle_retries: 0,
            error_retries: 0,
            waited_ms: 0,
            max_retries: DEFAULT_MAX_RETRIES,
            max_total_wait_ms: DEFAULT_MAX_TOTAL_WAIT_MS,
            jitter: 0.5,
            now_ms: 0,
            endpoint_url: None,
        }
    }

    /// Advances the counters for a decision about to be carried out.
    pub fn record(&mut self, d: &Decision) {
        match d {
            Decision::RefreshThenRetry => self.refreshed = true,
            Decision::Relocate(e) => {
                self.hops = self.hops.saturating_add(1);
                self.endpoint_url = Some(e.clone());
            }
            Decision::Wait { ms, throttled } => {
                self.waited_ms = self.waited_ms.saturating_add(*ms);
                if *throttled {
                    self.throttle_retries = self.throttle_retries.saturating_add(1);
                } else {
                    self.error_retries = self.error_retries.saturating_add(1);
                }
            }
            Decision::Accept | Decision::AcceptFrom(_) | Decision::Fail(_) => {}
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The answer is the call's result.
    Accept,
    /// The answer is the call's result, and it came from this (new) endpoint: remember it.
    AcceptFrom(String),
    /// Mint a new access token, then send the call again.
    RefreshThenRetry,
    /// Remember this endpoint and send the call again there.
    Relocate(String),
    /// Wait, then send the call again. `throttled`: a 429 (else an error back-off).
    Wait {
        ms: u64,
        throttled: bool,
    },
    Fail(Error),
}

/// Milliseconds to wait from a `Retry-After` value: delta-seconds (fractions accepted) or an
/// HTTP-date (a past date is 0).
pub fn parse_retry_after(raw: &str, now_ms: i64) -> Option<u64> {
    let s = raw.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let secs: f64 = s.parse().ok()?;
        // Cap absurd values at ~31 years so the conversion cannot overflow.
        return Some((secs.min(1e9) * 1000.0).ceil() as u64);
    }
    let at = ms_from_http_date(s)?;
    Some(u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0))
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// `secs(ms)` as text, exactly as `f64`'s `Display` writes it (`1.5`, `2`, `0.25`), without
/// linking the float formatter into the wasm.
fn secs_text(ms: u64) -> String {
    let (whole, milli) = (ms / 1000, ms % 1000);
    if milli == 0 {
        return whole.to_string();
    }
    let frac = format!("{milli:03}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Full-jitter exponential back-off for the `n`-th retry: uniform in `[0, min(cap, base·2^n))`.
pub fn backoff_ms(n: u32, jitter: f64) -> u64 {
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1u64 << n.min(20))
        .min(BACKOFF_CAP_MS);
    let j = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((ceiling as f64) * j) as u64
}

/// An absolute URL for a `Location` that may be relative to the current endpoint's origin.
fn resolve(location: &str, current: Option<&str>) -> String {
    if location.starts_with('/') && !location.starts_with("//") {
        if let Some(cur) = current {
            let start = cur.find("://").map_or(0, |i| i + 3);
            let end = cur
                .get(start..)
                .and_then(|r| r.find('/'))
                .map_or(cur.len(), |i| start + i);
            return format!("{}{location}", cur.get(..end).unwrap_or(cur));
        }
    }
    location.to_string()
}

fn relocate(a: &Attempt, endpoint: String) -> Decision {
    if a.hops >= MAX_HOPS {
        return Decision::Fail(Error::new(
            ErrorCode::RelocationLoop,
            &a.operation,
            format!(
                "the endpoint moved more than {MAX_HOPS} times during one call; last to {endpoint}"
            ),
        ));
    }
    Decision::Relocate(endpoint)
}

/// A 5xx, network error or timeout: retry only when the call may be repeated.
fn unknown_fate(
    a: &Attempt,
    code: ErrorCode,
    status: u16,
    what: &str,
    hint_ms: Option<u64>,
    body: &str,
) -> Decision {
    let base = if status != 0 {
        from_http(&a.operation, status, body)
    } else {
        Error::new(code, &a.operation, what)
    };
    let base = Error { code, ..base };
    if !a.repeat_safe {
        return Decision::Fail(Error {
            message: format!(
                "{}; the request may or may not have been applied and was not repeated",
                base.message
            ),
            ..base
        });
    }
    if a.error_retries >= a.max_retries {
        return Decision::Fail(Error {
            message: format!(
                "{} (gave up after {} retries)",
                base.message, a.error_retries
            ),
            retry_after: hint_ms.map(secs),
            ..base
        });
    }
    let ms = hint_ms.unwrap_or_else(|| backoff_ms(a.error_retries, a.jitter));
    if a.waited_ms.saturating_add(ms) > a.max_total_wait_ms {
        return Decision::Fail(Error {
            message: format!(
                "{} (retrying would exceed the {} ms wait limit)",
                base.message, a.max_total_wait_ms
            ),
            retry_after: hint_ms.map(secs),
            ..base
        });
    }
    Decision::Wait {
        ms,
        throttled: false,
    }
}

/// The decision after one attempt.
///
/// Redirects: a 307/308 `Location`, or a fetch that followed one, names the user's endpoint. When
/// fetch ended at a bare endpoint root (no resource below `v1/`) its answer is not the call's, so
/// the call is re-sent there whatever the status (safe even for POST: a root is no resource).
/// When fetch ended at the resource itself on another endpoint, the answer is genuine: a 2xx is
/// accepted (and the endpoint remembered); anything else is re-sent there only if re-sending is
/// safe (repeat-safe call, or 401/429 which the platform did not apply), else handled by status.
pub fn decide(a: &Attempt, f: &Facts) -> Decision {
    let (status, retry_after, redirected_to, body) = match f {
        Facts::Aborted => {
            return Decision::Fail(Error::new(
                ErrorCode::Aborted,
                &a.operation,
                "the call was aborted",
            ))
        }
        Facts::NetworkError => {
            return unknown_fate(
                a,
                ErrorCode::Network,
                0,
                "the network request failed",
                None,
                "",
            )
        }
        Facts::Timeout => {
            return unknown_fate(
                a,
                ErrorCode::Timeout,
                0,
                "no answer before the timeout",
                None,
                "",
            )
        }
        Facts::Response {
            status,
            retry_after,
            redirected_to,
            body,
        } => (
            *status,
            retry_after.as_deref(),
            redirected_to.as_deref(),
            body.as_deref().unwrap_or(""),
        ),
    };

    if let Some(to) = redirected_to.filter(|_| a.relocatable) {
        let target = resolve(to, a.endpoint_url.as_deref());
        let Some((endpoint, resource)) = split_redirect(&target) else {
            return Decision::Fail(
                Error::new(
                    ErrorCode::InvalidResponse,
                    &a.operation,
                    "the server redirected to something that is not an http(s) URL",
                )
                .with_status(status),
            );
        };
        let moved = a.endpoint_url.as_deref() != Some(endpoint.as_str());
        if matches!(status, 307 | 308) || !resource {
            return relocate(a, endpoint);
        }
        if moved {
            if (200..300).contains(&status) {
                return Decision::AcceptFrom(endpoint);
            }
            if a.repeat_safe || matches!(status, 401 | 429) {
                return relocate(a, endpoint);
            }
        }
    }

    let retry_ms = retry_after.and_then(|r| parse_retry_after(r, a.now_ms));
    match status {
        200..=299 => Decision::Accept,
        307 | 308 => Decision::Fail(
            Error::new(
                ErrorCode::InvalidResponse,
                &a.operation,
                if a.relocatable {
                    "the server answered a redirect without a Location"
                } else {
                    "the server answered with a redirect, which this call does not follow"
                },
            )
            .with_status(status),
        ),
        401 if a.refreshable && !a.refreshed => Decision::RefreshThenRetry,
        429 => {
            let ms = retry_ms.unwrap_or(DEFAULT_THROTTLE_WAIT_MS);
            let over_count = a.throttle_retries >= a.max_retries;
            let over_wait = a.waited_ms.saturating_add(ms) > a.max_total_wait_ms;
            if over_count || over_wait {
                let why = if over_count {
                    format!("still throttled after {} retries", a.throttle_retries)
                } else {
                    format!(
                        "waiting {ms} ms more would exceed the {} ms wait limit",
                        a.max_total_wait_ms
                    )
                };
                let e = from_http(&a.operation, status, body);
                return Decision::Fail(Error {
                    message: format!("{} ({why}); retry after {} s", e.message, secs_text(ms)),
                    retry_after: Some(secs(ms)),
                    ..e
                });
            }
            Decision::Wait {
                ms,
                throttled: true,
            }
        }
        408 => unknown_fate(a, ErrorCode::Timeout, status, "", retry_ms, body),
        500..=599 => unknown_fate(a, ErrorCode::Server, status, "", retry_ms, body),
        _ => Decision::Fail(from_http(&a.operation, status, body)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secs_text_matches_float_display() {
        for ms in [
            0u64,
            1,
            5,
            10,
            100,
            120,
            999,
            1000,
            1001,
            1500,
            2000,
            2500,
            59_999,
            60_000,
            123_456_789,
        ] {
            assert_eq!(super::secs_text(ms), super::secs(ms).to_string(), "{ms}");
        }
    }

    use super::*;
    use crate::request::{Method, RequestSpec};

    const NOW: i64 = 1_700_000_000_000;
    const EP: &str = "http://h:1/inc-000/";

    fn attempt(repeat_safe: bool) -> Attempt {
        let m = if repeat_safe {
            Method::Get
        } else {
            Method::Post
        };
        let mut a = Attempt::new(&RequestSpec::new("op", m, "groups".into()));
        a.now_ms = NOW;
        a.endpoint_url = Some(EP.into());
        a
    }

    fn resp(status: u16, retry_after: Option<&str>, redirected_to: Option<&str>) -> Facts {
        Facts::Response {
            status,
            retry_after: retry_after.map(str::to_string),
            redirected_to: redirected_to.map(str::to_string),
            body: None,
        }
    }

    fn failed(d: Decision) -> Error {
        match d {
            Decision::Fail(e) => e,
            other => Error::new(
                ErrorCode::InvalidInput,
                "test",
                format!("expected Fail, got {other:?}"),
            ),
        }
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("120", NOW), Some(120_000));
        assert_eq!(parse_retry_after(" 1.5 ", NOW), Some(1_500));
        assert_eq!(parse_retry_after("0", NOW), Some(0));
        assert_eq!(parse_retry_after("0.0001", NOW), Some(1));
        assert_eq!(parse_retry_after("-1", NOW), None);
        assert_eq!(parse_retry_after("1.2.3", NOW), None);
        assert_eq!(parse_retry_after("", NOW), None);
        assert_eq!(parse_retry_after("soon", NOW), None);
        assert_eq!(
            parse_retry_after("99999999999999", NOW),
            Some(1_000_000_000_000)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_767_000),
            Some(10_000)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOW),
            Some(0)
        );
    }

    #[test]
    fn success_is_accepted() {
        for s in [200, 201, 204] {
            assert_eq!(decide(&attempt(false), &Facts::status(s)), Decision::Accept);
        }
    }

    #[test]
    fn location_308_relocates_and_loops_fail() {
        let mut a = attempt(false);
        let f = resp(308, None, Some("http://h:1/inc-001/"));
        let d = decide(&a, &f);
        assert_eq!(d, Decision::Relocate("http://h:1/inc-001/".into()));
        a.record(&d);
        assert_eq!(
            (a.hops, a.endpoint_url.as_deref()),
            (1, Some("http://h:1/inc-001/"))
        );
        assert_eq!(
            decide(&a, &resp(308, None, Some("/inc-002"))),
            Decision::Relocate("http://h:1/inc-002/".into())
        );
        a.hops = MAX_HOPS;
        let e = failed(decide(&a, &f));
        assert_eq!(e.code, ErrorCode::RelocationLoop);
        assert_eq!(
            failed(decide(&attempt(true), &resp(308, None, None))).code,
            ErrorCode::InvalidResponse
        );
        assert_eq!(
            failed(decide(&attempt(true), &resp(308, None, Some("ftp://x/")))).code,
            ErrorCode::InvalidResponse
        );
    }

    #[test]
    fn followed_redirect_to_bare_root_relocates_whatever_the_status() {
        for status in [200, 404, 405, 500] {
            let d = decide(
                &attempt(false),
                &resp(status, None, Some("http://h:1/inc-009/")),
            );
            assert_eq!(
                d,
                Decision::Relocate("http://h:1/inc-009/".into()),
                "{status}"
            );
        }
        // even when it is the same endpoint: the root's answer is not the call's
        let d = decide(&attempt(true), &resp(200, None, Some(EP)));
        assert_eq!(d, Decision::Relocate(EP.into()));
    }

    #[test]
    fn followed_redirect_to_the_resource() {
        let to = Some("http://h:1/inc-009/v1/groups");
        assert_eq!(
            decide(&attempt(false), &resp(200, None, to)),
            Decision::AcceptFrom("http://h:1/inc-009/".into())
        );
        assert_eq!(
            decide(&attempt(true), &resp(404, None, to)),
            Decision::Relocate("http://h:1/inc-009/".into())
        );
        assert_eq!(
            decide(&attempt(false), &resp(401, None, to)),
            Decision::Relocate("http://h:1/inc-009/".into())
        );
        assert_eq!(
            failed(decide(&attempt(false), &resp(400, None, to))).code,
            ErrorCode::InvalidInput
        );
        let e = failed(decide(&attempt(false), &resp(500, None, to)));
        assert!(e.message.contains("may or may not have been applied"));
        // same endpoint, resource path: an ordinary answer
        let same = Some("http://h:1/inc-000/v1/groups");
        assert_eq!(
            decide(&attempt(false), &resp(201, None, same)),
            Decision::Accept
        );
    }

    #[test]
    fn unauthorized_refreshes_once() {
        let mut a = attempt(false);
        let d = decide(&a, &Facts::status(401));
        assert_eq!(d, Decision::RefreshThenRetry);
        a.record(&d);
        assert!(a.refreshed);
        let e = failed(decide(&a, &Facts::status(401)));
        assert_eq!((e.code, e.status), (ErrorCode::Unauthorized, 401));
        let mut mint = attempt(true);
        mint.refreshable = false;
        assert_eq!(
            failed(decide(&mint, &Facts::status(401))).code,
            ErrorCode::Unauthorized
        );
    }

    #[test]
    fn throttling_waits_then_fails_with_retry_after() {
        let mut a = attempt(false);
        let d = decide(&a, &resp(429, Some("2"), None));
        assert_eq!(
            d,
            Decision::Wait {
                ms: 2_000,
                throttled: true
            }
        );
        a.record(&d);
        assert_eq!((a.throttle_retries, a.waited_ms), (1, 2_000));
        assert_eq!(
            decide(&a, &resp(429, None, None)),
            Decision::Wait {
                ms: 1_000,
                throttled: true
            }
        );
        let date = Some("Tue, 14 Nov 2023 22:13:25 GMT");
        assert_eq!(
            decide(&a, &resp(429, date, None)),
            Decision::Wait {
                ms: 5_000,
                throttled: true
            }
        );
        a.throttle_retries = a.max_retries;
        let e = failed(decide(&a, &resp(429, Some("7"), None)));
        assert_eq!(
            (e.code, e.status, e.retry_after),
            (ErrorCode::Throttled, 429, Some(7.0))
        );
        let e = failed(decide(&attempt(true), &resp(429, Some("600"), None)));
        assert_eq!((e.code, e.retry_after), (ErrorCode::Throttled, Some(600.0)));
        assert!(e.message.contains("wait limit"));
    }

    #[test]
    fn repeat_safe_errors_back_off_with_full_jitter() {
        let mut a = attempt(true);
        a.jitter = 0.5;
        let d = decide(&a, &Facts::status(503));
        assert_eq!(
            d,
            Decision::Wait {
                ms: 125,
                throttled: false
            }
        );
        a.record(&d);
        assert_eq!(
            decide(&a, &Facts::NetworkError),
            Decision::Wait {
                ms: 250,
                throttled: false
            }
        );
        a.error_retries = 2;
        assert_eq!(
            decide(&a, &Facts::Timeout),
            Decision::Wait {
                ms: 500,
                throttled: false
            }
        );
        assert_eq!(
            decide(&a, &resp(503, Some("3"), None)),
            Decision::Wait {
                ms: 3_000,
                throttled: false
            }
        );
        a.error_retries = 3;
        let e = failed(decide(&a, &Facts::status(502)));
        assert_eq!((e.code, e.status), (ErrorCode::Server, 502));
        assert_eq!(
            failed(decide(&a, &Facts::NetworkError)).code,
            ErrorCode::Network
        );
        assert_eq!(failed(decide(&a, &Facts::Timeout)).code, ErrorCode::Timeout);
        assert_eq!(backoff_ms(10, 0.999_999), 9_999);
        assert_eq!(backoff_ms(u32::MAX, 1.0), 10_000);
        assert_eq!(backoff_ms(0, f64::NAN), 0);
        assert_eq!(backoff_ms(3, 0.0), 0);
    }

    #[test]
    fn total_wait_cap_fails() {
        let mut a = attempt(true);
        a.waited_ms = a.max_total_wait_ms - 100;
        a.jitter = 0.9;
        let e = failed(decide(&a, &Facts::status(500)));
        assert_eq!(e.code, ErrorCode::Server);
        assert!(e.message.contains("wait limit"));
    }

    #[test]
    fn non_repeatable_never_twice() {
        let a = attempt(false);
        for (f, code) in [
            (Facts::status(500), ErrorCode::Server),
            (Facts::status(503), ErrorCode::Server),
            (Facts::status(408), ErrorCode::Timeout),
            (Facts::NetworkError, ErrorCode::Network),
            (Facts::Timeout, ErrorCode::Timeout),
        ] {
            let e = failed(decide(&a, &f));
            assert_eq!(e.code, code);
            assert!(
                e.message
                    .ends_with("the request may or may not have been applied and was not repeated"),
                "{}",
                e.message
            );
        }
        // 429 was not applied: retried even for POST
        assert_eq!(
            decide(&a, &resp(429, None, None)),
            Decision::Wait {
                ms: 1_000,
                throttled: true
            }
        );
    }

    #[test]
    fn client_errors_fail_with_their_code() {
        let a = attempt(true);
        for (s, code) in [
            (400, ErrorCode::InvalidInput),
            (403, ErrorCode::Forbidden),
            (404, ErrorCode::NotFound),
            (409, ErrorCode::Conflict),
            (413, ErrorCode::TooLarge),
            (415, ErrorCode::UnsupportedMedia),
            (422, ErrorCode::InvalidInput),
            (302, ErrorCode::InvalidResponse),
            (101, ErrorCode::InvalidResponse),
        ] {
            assert_eq!(failed(decide(&a, &Facts::status(s))).code, code, "{s}");
        }
        let f = Facts::Response {
            status: 403,
            retry_after: None,
            redirected_to: None,
            body: Some(
                r#"{"error":{"code":"Forbidden","message":"missing scope groupinfo.write"}}"#
                    .into(),
            ),
        };
        let e = failed(decide(&a, &f));
        assert_eq!(
            e.message,
            "HTTP 403 Forbidden: missing scope groupinfo.write"
        );
        assert_eq!(e.operation, "op");
    }

    #[test]
    fn auth_calls_do_not_relocate() {
        let mut mint = RequestSpec::new("accessToken", Method::Get, "accessToken".into());
        mint.base = crate::request::Base::Auth;
        mint.auth = AuthKind::ConnectorCredentials;
        let a = Attempt::new(&mint);
        assert!(!a.relocatable && !a.refreshable);
        assert_eq!(
            decide(
                &a,
                &resp(200, None, Some("https://api.kaiza.la/v1/accessToken"))
            ),
            Decision::Accept
        );
        let e = failed(decide(&a, &resp(308, None, Some("https://elsewhere/"))));
        assert_eq!((e.code, e.status), (ErrorCode::InvalidResponse, 308));
    }

    #[test]
    fn aborted_fails() {
        assert_eq!(
            failed(decide(&attempt(true), &Facts::Aborted)).code,
            ErrorCode::Aborted
        );
    }
}
