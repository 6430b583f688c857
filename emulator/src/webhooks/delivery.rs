//! Delivering webhook events: one task per webhook posts its queue in order, retries with back-off
//! and disables the webhook after `MAX_FAILURES` tries; a slow or dead receiver delays only its own
//! webhook's events.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;

use super::MAX_FAILURES;
use crate::shared::AppState;
use crate::state::Ms;

/// The delivery task never sleeps longer than this, so a clock jump (`/_emulator/clock`) is noticed.
const MAX_IDLE_MS: Ms = 250;

/// One event due for delivery: a copy taken under the lock, posted without it.
struct Due {
    url: String,
    token: Option<String>,
    event: Value,
}

/// What a webhook's task does next.
enum Step {
    Deliver(Due),
    /// Nothing is due before this many ms (or nothing is queued, or the webhook is disabled).
    Wait(Ms),
    /// The webhook was removed.
    Stop,
}

fn next_step(state: &AppState, hook_id: &str) -> Step {
    let w = state.world();
    let now = w.now();
    let Some(h) = w.webhooks.get(hook_id) else {
        return Step::Stop;
    };
    if !h.active || h.validity <= now {
        return Step::Wait(MAX_IDLE_MS);
    }
    match h.queue.front() {
        None => Step::Wait(MAX_IDLE_MS),
        Some(front) if front.next_at <= now => Step::Deliver(Due {
            url: h.callback_url.clone(),
            token: h.callback_token.clone(),
            event: front.event.clone(),
        }),
        Some(front) => Step::Wait(front.next_at.saturating_sub(now)),
    }
}

/// Posts one event; true when the callback answered 2xx within `timeout`.
async fn deliver(http: &reqwest::Client, d: &Due, timeout: Duration) -> bool {
    let mut req = http.post(&d.url).timeout(timeout).json(&d.event);
    if let Some(t) = &d.token {
        req = req.header("kz-callback-token", t);
    }
    match tokio::time::timeout(timeout + Duration::from_secs(1), req.send()).await {
        Ok(Ok(resp)) => resp.status().is_success(),
        _ => false,
    }
}

/// Records the outcome of one delivery: 2xx removes the event (unless a duplicate is planned),
/// anything else schedules a retry after `webhook_backoff_ms × 2^(failures−1)`, and the
/// `MAX_FAILURES`th failed try disables the webhook (its event stays at the front for later).
fn record(state: &AppState, hook_id: &str, d: &Due, ok: bool) {
    let backoff = i64::try_from(state.config.webhook_backoff_ms).unwrap_or(i64::MAX);
    let mut w = state.world();
    let now = w.now();
    let Some(h) = w.webhooks.get_mut(hook_id) else {
        return; // removed meanwhile
    };
    // Only if the event is still the one at the front (nothing rearranged the queue meanwhile).
    if !h.queue.front().is_some_and(|f| f.event == d.event) {
        return;
    }
    if ok && state.take_duplicate(hook_id) {
        // At-least-once delivery: as if the receiver's answer was lost, the same event goes again.
        return;
    }
    if ok {
        h.queue.pop_front();
        h.delivered = h.delivered.saturating_add(1);
        return;
    }
    let Some(front) = h.queue.front_mut() else {
        return;
    };
    front.failures = front.failures.saturating_add(1);
    if front.failures >= MAX_FAILURES {
        h.active = false;
        tracing::info!(webhook = %h.id, url = %h.callback_url, "webhook disabled after {MAX_FAILURES} failed tries");
    } else {
        let factor = 1i64 << front.failures.saturating_sub(1).min(40);
        front.next_at = now.saturating_add(backoff.saturating_mul(factor));
    }
}

/// Starts the delivery task of `hook_id` unless it runs already.
pub fn ensure_task(state: &AppState, hook_id: &str) {
    let wake = {
        let mut tasks = state.hook_tasks.lock().unwrap_or_else(|e| e.into_inner());
        if tasks.contains_key(hook_id) {
            return;
        }
        let wake = Arc::new(Notify::new());
        tasks.insert(hook_id.to_string(), wake.clone());
        wake
    };
    tokio::spawn(run(state.clone(), hook_id.to_string(), wake));
}

/// Starts a task for every webhook (at start-up, for webhooks loaded from `--data`).
pub fn start_all(state: &AppState) {
    let ids: Vec<String> = state.world().webhooks.keys().cloned().collect();
    for id in ids {
        ensure_task(state, &id);
    }
}

/// One webhook's task: delivers its due front event, records the outcome and saves, then waits for
/// the next one to fall due (or to be woken by a new event, a re-enabled webhook or a clock jump).
/// It ends when the webhook is removed.
async fn run(state: AppState, hook_id: String, wake: Arc<Notify>) {
    let timeout = Duration::from_millis(state.config.webhook_timeout_ms.max(1));
    loop {
        match next_step(&state, &hook_id) {
            Step::Deliver(d) => {
                let ok = deliver(&state.http, &d, timeout).await;
                record(&state, &hook_id, &d, ok);
                if let Err(e) = state.save().await {
                    tracing::error!("could not save state: {e}");
                }
            }
            Step::Wait(ms) => {
                let ms = u64::try_from(ms.clamp(1, MAX_IDLE_MS)).unwrap_or(1);
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(ms)) => {}
                }
            }
            Step::Stop => {
                let mut tasks = state.hook_tasks.lock().unwrap_or_else(|e| e.into_inner());
                if tasks.get(&hook_id).is_some_and(|n| Arc::ptr_eq(n, &wake)) {
                    tasks.remove(&hook_id);
                }
                return;
            }
        }
    }
}
