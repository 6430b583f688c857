//! What to do after each attempt of a call: accept, refresh, relocate, wait and retry, or fail.

use crate::error::{from_http, is_token_refused, Error, ErrorCode};
use crate::origin;
use crate::request::{AuthKind, Base, RequestSpec};
use crate::time::ms_from_http_date;
use crate::tokens::split_redirect;

/// Suggested client timeout per attempt.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
/// Retries of one call, waits after a 429 and back-offs after an error together.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_MAX_TOTAL_WAIT_MS: u64 = 120_000;
/// Relocations allowed for one call; one more is a loop.
pub const MAX_HOPS: u32 = 3;
/// Back-off base and cap for 5xx / network errors / timeouts.
pub const BACKOFF_BASE_MS: u64 = 250;
pub const BACKOFF_CAP_MS: u64 = 10_000;
/// Wait on a 429 without a readable `Retry-After`.
pub const DEFAULT_THROTTLE_WAIT_MS: u64 = 1_000;
/// Largest answer read by default (`maxResponseBytes`): 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// Most of an error answer's body read for its message (the rest is not read).
pub const MAX_ERROR_BODY_BYTES: u64 = 64 * 1024;

/// What one attempt came back with.
#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    Response {
        status: u16,
        /// The raw `Retry-After` header.
        retry_after: Option<String>,
        /// The raw `Location` header of a redirect (fetch is told not to follow any).
        location: Option<String>,
        /// The body text of a non-2xx answer (for the error message), redacted; `None` for 2xx.
        body: Option<String>,
    },
    /// A redirect whose target fetch does not show: a browser's `opaqueredirect` answer to
    /// `redirect: "manual"` (or a fetch that followed one although told not to).
    HiddenRedirect,
    /// A 2xx answer longer than the client's `maxResponseBytes` (by its `Content-Length`, or as
    /// read); it was not read to the end.
    TooLarge {
        limit: u64,
    },
    NetworkError,
    Timeout,
    Aborted,
}

impl Facts {
    /// A plain answer: no `Retry-After`, no `Location`, no body.
    pub fn status(status: u16) -> Facts {
        Facts::Response {
            status,
            retry_after: None,
            location: None,
            body: None,
        }
    }

    /// A 2xx: [`decide`] accepts it without reading the clock ([`Attempt::now_ms`]) or the dice
    /// ([`Attempt::jitter`]), so a caller need not fetch them for it.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            Facts::Response {
                status: 200..=299,
                ..
            }
        )
    }
}

/// The state of one call across its attempts. [`Attempt::record`] advances it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub operation: &'static str,
    pub repeat_safe: bool,
    /// A 401 may be cured by minting a new access token (calls made with an access token).
    pub refreshable: bool,
    /// Sent to the user's endpoint, so a 307/308 may mean relocation. Sign-in calls (auth and
    /// OAuth) are not: any redirect there is refused.
    pub relocatable: bool,
    /// Already refreshed once for this call.
    pub refreshed: bool,
    /// Relocations so far (followed 307/308s and, in browsers, fresh endpoints asked for).
    pub hops: u32,
    pub throttle_retries: u32,
    pub error_retries: u32,
    pub waited_ms: u64,
    pub max_retries: u32,
    pub max_total_wait_ms: u64,
    /// In `[0, 1)`, supplied by the caller (random in production, fixed in tests).
    pub jitter: f64,
    pub now_ms: i64,
    /// Where this attempt was sent (the base a relative `Location` is read against).
    pub endpoint_url: Option<String>,
    /// The connection's endpoint as held when this attempt was sent (handed out by the auth
    /// server, or stored after a call succeeded there): the anchor of [`origin::is_trusted`].
    pub held_endpoint: Option<String>,
    /// The configured `authUrl` (its origin is trusted).
    pub auth_url: Option<String>,
    /// The endpoint this call was relocated to and not yet stored (it is stored once a call
    /// there succeeds).
    pub relocated_to: Option<String>,
}

impl Attempt {
    pub fn new(spec: &RequestSpec) -> Attempt {
        Attempt {
            operation: spec.operation,
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
            held_endpoint: None,
            auth_url: None,
            relocated_to: None,
        }
    }

    /// Retries so far (429 waits and error back-offs together).
    pub fn retries(&self) -> u32 {
        self.throttle_retries.saturating_add(self.error_retries)
    }

    /// Advances the counters for a decision about to be carried out.
    pub fn record(&mut self, d: &Decision) {
        match d {
            // A fresh token comes with the auth server's endpoint, which wins over a relocation.
            Decision::RefreshThenRetry => {
                self.refreshed = true;
                self.relocated_to = None;
            }
            Decision::Remint => {
                self.hops = self.hops.saturating_add(1);
                self.relocated_to = None;
            }
            Decision::Relocate(e) => {
                self.hops = self.hops.saturating_add(1);
                self.relocated_to = Some(e.clone());
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
    /// The answer is the call's result, and it came from this endpoint the call was relocated
    /// to: store it as the connection's endpoint now.
    AcceptFrom(String),
    /// Mint a new access token, then send the call again.
    RefreshThenRetry,
    /// Send the call again at this endpoint (a trusted 307/308); not stored until a call there
    /// succeeds.
    Relocate(String),
    /// A redirect fetch would not show: ask the auth server for a fresh token and its
    /// endpoint, then send the call again there (see [`after_remint`]).
    Remint,
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
        return seconds_to_ms(s);
    }
    let at = ms_from_http_date(s)?;
    Some(u64::try_from(at.saturating_sub(now_ms)).unwrap_or(0))
}

/// `digits[.digits]` seconds as milliseconds, rounded up, capped at ~31 years so nothing can
/// overflow. Integer arithmetic, so the wasm carries no float parser.
fn seconds_to_ms(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() || frac.contains('.') {
        return None;
    }
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(frac) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 9 {
        return Some(1_000_000_000_000);
    }
    let secs: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let (milli, rest) = frac.split_at_checked(frac.len().min(3))?;
    let milli: u64 = format!("{milli:0<3}").parse().ok()?;
    let up = u64::from(rest.bytes().any(|b| b != b'0'));
    Some(secs * 1000 + milli + up)
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

fn relocate(a: &Attempt, endpoint: String) -> Decision {
    if a.hops >= MAX_HOPS {
        return Decision::Fail(Error::new(
            ErrorCode::RelocationLoop,
            a.operation,
            format!(
                "the endpoint moved more than {MAX_HOPS} times during one call; last to {endpoint}"
            ),
        ));
    }
    Decision::Relocate(endpoint)
}

fn refused(a: &Attempt, status: u16, message: String) -> Decision {
    Decision::Fail(Error::new(ErrorCode::RedirectRefused, a.operation, message).with_status(status))
}

/// A 301, 302, 303, 307 or 308 answer (fetch never follows one itself).
fn redirect(a: &Attempt, status: u16, location: Option<&str>) -> Decision {
    let base = a.endpoint_url.as_deref().unwrap_or_default();
    let target = location.and_then(|l| origin::resolve(l, base));
    let to = target.as_ref().map_or_else(
        || "a Location it could not read".to_string(),
        |(o, _)| o.prefix(),
    );
    if !a.relocatable {
        return refused(
            a,
            status,
            format!(
                "HTTP {status}: the server redirected to {to}; sign-in calls never follow a redirect, so nothing was sent there"
            ),
        );
    }
    if !matches!(status, 307 | 308) {
        return refused(
            a,
            status,
            format!(
                "HTTP {status}: the server redirected to {to}; the platform moves an endpoint with 307/308 only, so the call was not sent there and the endpoint did not change"
            ),
        );
    }
    if location.is_none() {
        return Decision::Fail(
            Error::new(
                ErrorCode::InvalidResponse,
                a.operation,
                "the server answered a redirect without a Location",
            )
            .with_status(status),
        );
    }
    let Some((target, url)) = target else {
        return refused(
            a,
            status,
            format!("HTTP {status}: the server redirected to a Location that is not a plain absolute http(s) URL; the call was not sent there and the endpoint did not change"),
        );
    };
    let held = a.held_endpoint.as_deref().and_then(origin::of);
    let current = a.endpoint_url.as_deref().and_then(origin::of);
    let auth = a.auth_url.as_deref().and_then(origin::of);
    let trusted = origin::is_trusted(&target, held.as_ref(), auth.as_ref())
        || current.as_ref() == Some(&target);
    if !trusted {
        return refused(
            a,
            status,
            format!(
                "HTTP {status}: the server redirected to {}, which is not a trusted origin (the endpoint's own, a sibling host of its domain over https, or the authUrl's); the token was not sent there and the endpoint did not change",
                target.prefix()
            ),
        );
    }
    match split_redirect(&url) {
        Some((endpoint, _)) => relocate(a, endpoint),
        None => refused(
            a,
            status,
            format!("HTTP {status}: the server redirected to a URL that names no endpoint"),
        ),
    }
}

/// After a [`Decision::Remint`]: the call is sent again only where the auth server now says the
/// endpoint is. When that is still the endpoint that answered with the hidden redirect, the
/// redirect was not a relocation the platform knows of: the call fails (`redirect_refused`)
/// rather than being sent to the same place again.
pub fn after_remint(a: &Attempt, fresh_endpoint: Option<&str>) -> Option<Error> {
    let same = |x: &str, y: &str| x.trim_end_matches('/') == y.trim_end_matches('/');
    match (a.endpoint_url.as_deref(), fresh_endpoint) {
        (Some(old), Some(new)) if !same(old, new) => None,
        _ => Some(Error::new(
            ErrorCode::RedirectRefused,
            a.operation,
            "the endpoint answered with a redirect whose target is not shown here (fetch in a browser), and the auth server still names the same endpoint; the call was not sent anywhere else",
        )),
    }
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
        from_http(a.operation, status, body)
    } else {
        Error::new(code, a.operation, what)
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
    if a.retries() >= a.max_retries {
        return Decision::Fail(Error {
            message: format!("{} (gave up after {} retries)", base.message, a.retries()),
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
/// Redirects are never followed by fetch. A sign-in call refuses any. A resource call follows a
/// 307/308 to a trusted origin (see [`origin::is_trusted`]) and refuses 301/302/303 (the
/// platform never answers them; following would turn a POST into a GET or send it to a page).
/// A redirect fetch does not show (browsers) asks the auth server for a fresh endpoint. Every
/// path is bounded: at most `max_retries` retries, [`MAX_HOPS`] relocations and one refresh.
pub fn decide(a: &Attempt, f: &Facts) -> Decision {
    let (status, retry_after, location, body) = match f {
        Facts::Aborted => {
            return Decision::Fail(Error::new(
                ErrorCode::Aborted,
                a.operation,
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
        Facts::TooLarge { limit } => {
            return Decision::Fail(Error::new(
                ErrorCode::TooLarge,
                a.operation,
                format!("the answer is larger than maxResponseBytes ({limit} bytes) and was not read; the call itself succeeded"),
            ))
        }
        Facts::HiddenRedirect => {
            if !a.relocatable {
                return refused(
                    a,
                    0,
                    "the server answered with a redirect; sign-in calls never follow a redirect, so nothing was sent on".into(),
                );
            }
            if a.hops >= MAX_HOPS {
                return Decision::Fail(Error::new(
                    ErrorCode::RelocationLoop,
                    a.operation,
                    format!("the endpoint moved more than {MAX_HOPS} times during one call"),
                ));
            }
            return Decision::Remint;
        }
        Facts::Response {
            status,
            retry_after,
            location,
            body,
        } => (
            *status,
            retry_after.as_deref(),
            location.as_deref(),
            body.as_deref().unwrap_or(""),
        ),
    };

    if matches!(status, 301 | 302 | 303 | 307 | 308) {
        return redirect(a, status, location);
    }
    let retry_ms = retry_after.and_then(|r| parse_retry_after(r, a.now_ms));
    match status {
        200..=299 => match &a.relocated_to {
            Some(e) if a.held_endpoint.as_ref() != Some(e) => Decision::AcceptFrom(e.clone()),
            _ => Decision::Accept,
        },
        401 if a.refreshable && !a.refreshed => Decision::RefreshThenRetry,
        // The platform's refusal of the access token, whatever status it came with (choice E1).
        _ if a.refreshable && !a.refreshed && is_token_refused(body) => Decision::RefreshThenRetry,
        429 => {
            let ms = retry_ms.unwrap_or(DEFAULT_THROTTLE_WAIT_MS);
            let over_count = a.retries() >= a.max_retries;
            let over_wait = a.waited_ms.saturating_add(ms) > a.max_total_wait_ms;
            if over_count || over_wait {
                let why = if over_count {
                    format!("still throttled after {} retries", a.retries())
                } else {
                    format!(
                        "waiting {ms} ms more would exceed the {} ms wait limit",
                        a.max_total_wait_ms
                    )
                };
                let e = from_http(a.operation, status, body);
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
        _ => Decision::Fail(from_http(a.operation, status, body)),
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
    const AUTH: &str = "http://h:1/v1";

    fn attempt(repeat_safe: bool) -> Attempt {
        let m = if repeat_safe {
            Method::Get
        } else {
            Method::Post
        };
        let mut a = Attempt::new(&RequestSpec::new("op", m, "groups".into()));
        a.now_ms = NOW;
        a.endpoint_url = Some(EP.into());
        a.held_endpoint = Some(EP.into());
        a.auth_url = Some(AUTH.into());
        a
    }

    fn resp(status: u16, retry_after: Option<&str>, location: Option<&str>) -> Facts {
        Facts::Response {
            status,
            retry_after: retry_after.map(str::to_string),
            location: location.map(str::to_string),
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
        assert_eq!(parse_retry_after("1.", NOW), Some(1_000));
        assert_eq!(parse_retry_after(".25", NOW), Some(250));
        assert_eq!(parse_retry_after("007", NOW), Some(7_000));
        assert_eq!(parse_retry_after("2.0009", NOW), Some(2_001));
        assert_eq!(parse_retry_after(".", NOW), None);
        assert_eq!(
            parse_retry_after("1000000000", NOW),
            Some(1_000_000_000_000)
        );
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

    /// The binding reads neither the clock nor the dice for a 2xx (two crossings saved per
    /// call): whatever they would have said, a 2xx is decided the same.
    #[test]
    fn success_is_decided_without_the_clock_or_the_dice() {
        for relocated in [None, Some("https://elsewhere.example/api/")] {
            let mut base = attempt(true);
            base.relocated_to = relocated.map(str::to_string);
            let want = decide(&base, &Facts::status(200));
            for now_ms in [0, -1, NOW, i64::MAX, i64::MIN] {
                for jitter in [0.0, 0.999, f64::NAN, -1.0] {
                    let mut a = base.clone();
                    a.now_ms = now_ms;
                    a.jitter = jitter;
                    for s in [200, 201, 204, 299] {
                        assert_eq!(decide(&a, &Facts::status(s)), want);
                    }
                }
            }
        }
    }

    #[test]
    fn a_trusted_308_relocates_and_loops_fail() {
        let mut a = attempt(false);
        let f = resp(308, None, Some("http://h:1/inc-001/"));
        let d = decide(&a, &f);
        assert_eq!(d, Decision::Relocate("http://h:1/inc-001/".into()));
        a.record(&d);
        assert_eq!(
            (a.hops, a.relocated_to.as_deref()),
            (1, Some("http://h:1/inc-001/"))
        );
        a.endpoint_url = a.relocated_to.clone();
        for (status, loc, want) in [
            (307, "/inc-002", "http://h:1/inc-002/"),
            (
                308,
                "http://H:1/inc-003/v1/groups?x=1",
                "http://h:1/inc-003/",
            ),
            (308, "//h:1/inc-004/", "http://h:1/inc-004/"),
        ] {
            assert_eq!(
                decide(&a, &resp(status, None, Some(loc))),
                Decision::Relocate(want.into()),
                "{loc}"
            );
        }
        a.hops = MAX_HOPS;
        let e = failed(decide(&a, &f));
        assert_eq!(e.code, ErrorCode::RelocationLoop);
        assert_eq!(
            failed(decide(&attempt(true), &resp(308, None, None))).code,
            ErrorCode::InvalidResponse
        );
    }

    #[test]
    fn a_relocation_is_stored_only_once_a_call_there_succeeded() {
        let mut a = attempt(false);
        let d = decide(&a, &resp(308, None, Some("http://h:1/inc-001/")));
        a.record(&d);
        a.endpoint_url = a.relocated_to.clone();
        for s in [400, 404, 500] {
            assert!(matches!(decide(&a, &Facts::status(s)), Decision::Fail(_)));
        }
        assert_eq!(
            decide(&a, &Facts::status(201)),
            Decision::AcceptFrom("http://h:1/inc-001/".into())
        );
        // A refresh brings the auth server's endpoint, which wins over the relocation.
        let mut b = a.clone();
        b.record(&Decision::RefreshThenRetry);
        assert_eq!(b.relocated_to, None);
        assert_eq!(decide(&b, &Facts::status(200)), Decision::Accept);
        assert_eq!(
            decide(&attempt(true), &Facts::status(200)),
            Decision::Accept
        );
    }

    #[test]
    fn untrusted_or_unreadable_redirect_targets_are_refused() {
        for loc in [
            "http://evil.example/inc-001/",
            "http://h:2/inc-001/",
            "https://h:1/inc-001/",
            "http://h.evil:1/",
            "ftp://h:1/",
            "inc-001/",
            "http://a@h:1/inc-001/",
            "http://evil.example\\@h:1/",
            "javascript:alert(1)",
        ] {
            for status in [307, 308] {
                let e = failed(decide(&attempt(false), &resp(status, None, Some(loc))));
                assert_eq!(
                    (e.code, e.status),
                    (ErrorCode::RedirectRefused, status),
                    "{loc}"
                );
                assert!(e.message.contains("not"), "{}", e.message);
            }
        }
        let e = failed(decide(
            &attempt(true),
            &resp(308, None, Some("https://evil.example:8443/steal?t=1")),
        ));
        assert!(
            e.message.contains("https://evil.example:8443,")
                && !e.message.contains("steal")
                && e.message.contains("endpoint did not change"),
            "{}",
            e.message
        );
    }

    #[test]
    fn see_other_and_friends_are_never_followed() {
        for status in [301, 302, 303] {
            for safe in [true, false] {
                let e = failed(decide(
                    &attempt(safe),
                    &resp(status, None, Some("http://h:1/inc-001/page")),
                ));
                assert_eq!((e.code, e.status), (ErrorCode::RedirectRefused, status));
                assert!(e.message.contains("307/308 only"), "{}", e.message);
            }
        }
    }

    #[test]
    fn sibling_hosts_of_an_https_endpoint_are_trusted() {
        let mut a = attempt(true);
        a.endpoint_url = Some("https://inc-000.KaizalaMessaging.osi.office.net/".into());
        a.held_endpoint = a.endpoint_url.clone();
        a.auth_url = Some("https://api.kaiza.la/v1".into());
        assert_eq!(
            decide(
                &a,
                &resp(
                    308,
                    None,
                    Some("https://inc-001.kaizalamessaging.osi.office.net/v1/groups")
                )
            ),
            Decision::Relocate("https://inc-001.kaizalamessaging.osi.office.net/".into())
        );
        assert_eq!(
            decide(&a, &resp(307, None, Some("https://api.kaiza.la/kms/"))),
            Decision::Relocate("https://api.kaiza.la/kms/".into())
        );
        for bad in [
            "https://evil.kaiza.la/",
            "http://inc-001.kaizalamessaging.osi.office.net/",
            "https://inc-001.kaizalamessaging.osi.office.net.evil.example/",
        ] {
            assert_eq!(
                failed(decide(&a, &resp(308, None, Some(bad)))).code,
                ErrorCode::RedirectRefused,
                "{bad}"
            );
        }
    }

    #[test]
    fn hidden_redirects_ask_the_auth_server_then_stop() {
        let mut a = attempt(false);
        for hop in 0..MAX_HOPS {
            let d = decide(&a, &Facts::HiddenRedirect);
            assert_eq!(d, Decision::Remint, "{hop}");
            a.record(&d);
        }
        assert_eq!(a.hops, MAX_HOPS);
        assert_eq!(
            failed(decide(&a, &Facts::HiddenRedirect)).code,
            ErrorCode::RelocationLoop
        );
        let a = attempt(true);
        assert_eq!(after_remint(&a, Some("http://h:1/inc-001/")), None);
        for same in [Some(EP), Some("http://h:1/inc-000"), None] {
            let e = after_remint(&a, same);
            assert_eq!(e.map(|e| e.code), Some(ErrorCode::RedirectRefused));
        }
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

    /// An answer with a body (as a non-2xx answer comes).
    fn with_body(status: u16, body: &str) -> Facts {
        Facts::Response {
            status,
            retry_after: None,
            location: None,
            body: Some(body.to_string()),
        }
    }

    #[test]
    fn the_platforms_token_refusal_refreshes_once_whatever_its_status() {
        // What the platform answered for an expired token (CS:Util/ErrorConstant.cs): the C#
        // client looks only at these fields, so the status could be anything.
        let expired = r#"{"errorCode":"InvalidToken","message":"Invalid token. Failure reason:Token validation failed due to unknown reason!","errorCategoryKey":"AuthException"}"#;
        assert_eq!(
            decide(&attempt(false), &with_body(500, expired)),
            Decision::RefreshThenRetry
        );
        for status in [400, 401, 403] {
            let mut a = attempt(false);
            let d = decide(&a, &with_body(status, expired));
            assert_eq!(d, Decision::RefreshThenRetry, "{status}");
            a.record(&d);
            let e = failed(decide(&a, &with_body(status, expired)));
            assert_eq!(e.code, ErrorCode::Unauthorized, "{status}");
            assert_eq!(e.platform_code.as_deref(), Some("InvalidToken"));
        }
        let missing = r#"{"errorCode":"Unauthenticated","message":"the accessToken header is missing","errorCategoryKey":"AuthException"}"#;
        assert_eq!(
            decide(&attempt(false), &with_body(403, missing)),
            Decision::RefreshThenRetry
        );
        // Other refusals are not cured by a new token.
        let bad = r#"{"errorCode":"InvalidParameters","message":"name: is required","errorCategoryKey":"ValidationException","field":"name"}"#;
        let e = failed(decide(&attempt(false), &with_body(400, bad)));
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidInput, Some("name"))
        );
        // The token mint itself never refreshes.
        let mut mint = attempt(true);
        mint.refreshable = false;
        let e = failed(decide(&mint, &with_body(400, expired)));
        assert_eq!(e.code, ErrorCode::Unauthorized);
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
            (300, ErrorCode::InvalidResponse),
            (304, ErrorCode::InvalidResponse),
            (302, ErrorCode::RedirectRefused),
            (101, ErrorCode::InvalidResponse),
        ] {
            assert_eq!(failed(decide(&a, &Facts::status(s))).code, code, "{s}");
        }
        let f = Facts::Response {
            status: 403,
            retry_after: None,
            location: None,
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
    fn sign_in_calls_never_follow_a_redirect() {
        let mut mint = RequestSpec::new("accessToken", Method::Get, "accessToken".into());
        mint.base = crate::request::Base::Auth;
        mint.auth = AuthKind::ConnectorCredentials;
        let mut a = Attempt::new(&mint);
        a.endpoint_url = Some("http://h:1/v1/accessToken".into());
        a.auth_url = Some(AUTH.into());
        assert!(!a.relocatable && !a.refreshable);
        assert_eq!(decide(&a, &Facts::status(200)), Decision::Accept);
        for status in [301, 302, 303, 307, 308] {
            for loc in [
                Some("https://elsewhere/"),
                Some("http://h:1/v1/accessToken"),
                None,
            ] {
                let e = failed(decide(&a, &resp(status, None, loc)));
                assert_eq!((e.code, e.status), (ErrorCode::RedirectRefused, status));
                assert!(
                    e.message.contains("sign-in calls never follow"),
                    "{}",
                    e.message
                );
            }
        }
        let e = failed(decide(&a, &Facts::HiddenRedirect));
        assert_eq!(e.code, ErrorCode::RedirectRefused);
        let e = failed(decide(
            &a,
            &resp(308, None, Some("https://elsewhere:8443/x?s=1")),
        ));
        assert!(
            e.message.contains("https://elsewhere:8443;"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_oversized_answer_is_too_large() {
        let e = failed(decide(&attempt(true), &Facts::TooLarge { limit: 1024 }));
        assert_eq!(e.code, ErrorCode::TooLarge);
        assert!(e.message.contains("1024 bytes"), "{}", e.message);
    }

    #[test]
    fn one_call_makes_a_bounded_number_of_requests_whatever_the_server_does() {
        // Every answer a server could give, over and over: the requests one call makes stay
        // within 1 + maxRetries + MAX_HOPS + 1 (the retry after a refresh).
        let answers = [
            resp(308, None, Some("/inc-001/")),
            resp(307, None, Some("http://h:1/inc-002/")),
            resp(429, Some("0"), None),
            resp(503, Some("0"), None),
            Facts::status(401),
            Facts::HiddenRedirect,
            Facts::NetworkError,
            Facts::Timeout,
        ];
        for max_retries in [0, 3, 10] {
            for start in 0..answers.len() {
                for safe in [true, false] {
                    let mut a = attempt(safe);
                    a.max_retries = max_retries;
                    a.jitter = 0.0;
                    let mut sent = 0u32;
                    loop {
                        sent += 1;
                        let f = &answers[(start + sent as usize) % answers.len()];
                        let d = decide(&a, f);
                        a.record(&d);
                        if matches!(d, Decision::Fail(_) | Decision::Accept) {
                            break;
                        }
                        assert!(
                            sent <= 1 + max_retries + MAX_HOPS + 1,
                            "{max_retries} {start}"
                        );
                    }
                    assert!(sent <= 1 + max_retries + MAX_HOPS + 1);
                }
            }
        }
    }

    #[test]
    fn aborted_fails() {
        assert_eq!(
            failed(decide(&attempt(true), &Facts::Aborted)).code,
            ErrorCode::Aborted
        );
    }
}
