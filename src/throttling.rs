//! Keeping under the platform's throttle (100 calls a minute per connector: docs/platform.md#hosts-and-urls)
//! by queueing calls in the client.
//!
//! A sliding window of call starts: a call may start when fewer than `calls` others started in the
//! `window_ms` before it. Starts are reserved in order, so concurrent callers queue fairly. The
//! window is widened by a tenth to absorb the time a request spends on the wire (the platform
//! counts arrivals, not starts).

use serde_json::Value;
use std::collections::VecDeque;

/// Calls per connector per minute (docs/platform.md#hosts-and-urls).
pub const DEFAULT_CALLS: u32 = 100;
pub const DEFAULT_WINDOW_MS: i64 = 60_000;

/// The `rateLimit` option: `{calls, windowMs}` or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub calls: u32,
    pub window_ms: i64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            calls: DEFAULT_CALLS,
            window_ms: DEFAULT_WINDOW_MS,
        }
    }
}

/// Reads the `rateLimit` option: absent → the platform's 100 a minute; `false` → off;
/// `{calls?, windowMs?}` → those (each defaulting as above).
pub fn parse_option(op: &str, v: Option<&Value>) -> Result<Option<RateLimit>, crate::Error> {
    let bad = |field: &str, problem: &str| crate::Error::invalid(op, field, problem);
    match v {
        None | Some(Value::Null) | Some(Value::Bool(true)) => Ok(Some(RateLimit::default())),
        Some(Value::Bool(false)) => Ok(None),
        Some(Value::Object(o)) => {
            let int = |key: &str, min: i64, max: i64, default: i64| -> Result<i64, crate::Error> {
                match o.get(key) {
                    None | Some(Value::Null) => Ok(default),
                    Some(n) => n
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && (min as f64..=max as f64).contains(f))
                        .map(|f| f as i64)
                        .ok_or_else(|| {
                            bad(
                                &format!("rateLimit.{key}"),
                                &format!("must be a whole number from {min} to {max}"),
                            )
                        }),
                }
            };
            Ok(Some(RateLimit {
                calls: int("calls", 1, 100_000, i64::from(DEFAULT_CALLS))? as u32,
                window_ms: int("windowMs", 1, 3_600_000, DEFAULT_WINDOW_MS)?,
            }))
        }
        Some(_) => Err(bad("rateLimit", "must be false (off) or {calls, windowMs}")),
    }
}

/// The starts reserved in the last window (and any reserved in the future), oldest first.
#[derive(Debug, Clone)]
pub struct Limiter {
    limit: RateLimit,
    starts: VecDeque<i64>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            starts: VecDeque::new(),
        }
    }

    /// The window with its margin for time on the wire.
    fn window(&self) -> i64 {
        self.limit.window_ms + (self.limit.window_ms / 10).max(1)
    }

    /// Reserves the earliest start at or after `now` that keeps to the limit; returns it. The
    /// caller waits until then (and calls [`Limiter::cancel`] with it if it gives up waiting).
    pub fn reserve(&mut self, now: i64) -> i64 {
        let window = self.window();
        while self.starts.front().is_some_and(|&s| s + window <= now) {
            self.starts.pop_front();
        }
        let calls = self.limit.calls.max(1) as usize;
        let at = if self.starts.len() < calls {
            now
        } else {
            // The start `calls` places back must have left the window.
            let back = self.starts[self.starts.len() - calls];
            (back + window).max(now)
        };
        // Reservations are handed out in increasing order, so the queue stays sorted.
        let at = self.starts.back().map_or(at, |&last| at.max(last));
        self.starts.push_back(at);
        at
    }

    /// Gives back a reservation not used (the call was aborted while it waited).
    pub fn cancel(&mut self, at: i64) {
        if let Some(i) = self.starts.iter().rposition(|&s| s == at) {
            self.starts.remove(i);
        }
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options() {
        let p = |v: Value| parse_option("KaizalaClient", Some(&v));
        assert_eq!(parse_option("K", None), Ok(Some(RateLimit::default())));
        assert_eq!(p(json!(false)), Ok(None));
        assert_eq!(
            p(json!({"calls": 10, "windowMs": 1000})),
            Ok(Some(RateLimit {
                calls: 10,
                window_ms: 1000
            }))
        );
        assert_eq!(
            p(json!({"calls": 10})),
            Ok(Some(RateLimit {
                calls: 10,
                window_ms: 60_000
            }))
        );
        for bad in [json!({"calls": 0}), json!({"windowMs": 1.5}), json!("fast")] {
            let Err(e) = p(bad.clone()) else {
                panic!("{bad} accepted")
            };
            assert!(e.field.is_some_and(|f| f.starts_with("rateLimit")));
        }
    }

    #[test]
    fn no_window_holds_more_than_the_limit() {
        let mut l = Limiter::new(RateLimit {
            calls: 3,
            window_ms: 1000,
        });
        // Ten callers arrive at once: three go now, the rest queue a window (plus margin) apart.
        let starts: Vec<i64> = (0..10).map(|_| l.reserve(0)).collect();
        assert_eq!(
            starts,
            vec![0, 0, 0, 1100, 1100, 1100, 2200, 2200, 2200, 3300]
        );
        for (i, &s) in starts.iter().enumerate() {
            let in_window = starts[..i].iter().filter(|&&t| t > s - 1100).count();
            assert!(in_window < 3, "start {i} at {s}");
        }
        // Much later, the queue has drained.
        assert_eq!(l.reserve(10_000), 10_000);
    }

    #[test]
    fn spaced_calls_never_wait_and_cancelled_slots_return() {
        let mut l = Limiter::new(RateLimit {
            calls: 2,
            window_ms: 100,
        });
        for t in (0..2000).step_by(60) {
            assert_eq!(l.reserve(t), t);
        }
        let mut l = Limiter::new(RateLimit {
            calls: 1,
            window_ms: 100,
        });
        assert_eq!(l.reserve(0), 0);
        let queued = l.reserve(0);
        assert_eq!(queued, 110);
        l.cancel(queued);
        assert_eq!(l.reserve(5), 110, "the cancelled slot is free again");
    }
}
