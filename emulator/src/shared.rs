//! The state every handler shares (`AppState`): the world behind its lock, the configuration, the throttle, the request log, planned faults, duplicates, the dev inbox and the HTTP client.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::Method;

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::faults::Fault;
use crate::inbox::Inboxes;
use crate::saving::Saving;
use crate::state::{LoggedRequest, Ms};
use crate::world::World;

#[derive(Default)]
pub struct Throttle {
    per_connector: HashMap<String, VecDeque<Ms>>,
    tenant: VecDeque<Ms>,
}

pub struct Shared {
    pub world: Mutex<World>,
    pub config: Config,
    /// `http://127.0.0.1:port`, for when a request has no Host header.
    pub origin: String,
    /// The last `LOG_CAPACITY` platform calls (empty without the dev API, which is its only reader).
    pub log: Mutex<VecDeque<LoggedRequest>>,
    seq: AtomicU64,
    pub faults: Mutex<Vec<Fault>>,
    pub throttle: Mutex<Throttle>,
    /// Successful webhook deliveries still to be sent once more (`POST /_emulator/duplicates`):
    /// per webhook id, or for any webhook under `""`.
    pub duplicates: Mutex<HashMap<String, u32>>,
    pub inbox: Mutex<Inboxes>,
    /// The running delivery task of each webhook, by id, with what wakes it.
    pub hook_tasks: Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
    pub http: reqwest::Client,
    /// The `--data` database and its writer (`None`: the world lives in memory only).
    pub saving: Option<Saving>,
}

pub type AppState = Arc<Shared>;

/// Calls the request log keeps (the oldest goes first).
pub const LOG_CAPACITY: usize = 10_000;
/// A logged path is clipped to this many characters.
pub const LOG_PATH_CHARS: usize = 256;

impl Shared {
    pub fn new(world: World, config: Config, origin: String, saving: Option<Saving>) -> Shared {
        Shared {
            world: Mutex::new(world),
            config,
            origin,
            log: Mutex::new(VecDeque::new()),
            seq: AtomicU64::new(0),
            faults: Mutex::new(Vec::new()),
            throttle: Mutex::new(Throttle::default()),
            duplicates: Mutex::new(HashMap::new()),
            inbox: Mutex::new(Inboxes::default()),
            hook_tasks: Mutex::new(HashMap::new()),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            saving,
        }
    }

    /// The world, locked. A poisoned lock (a panic elsewhere) still yields the data.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now(&self) -> Ms {
        self.world().now()
    }

    /// Counts one call against the connector's and the tenant's minute (or the connector's own
    /// window, when the dev API gave it one); 429 past either limit.
    pub fn throttle(&self, application_id: &str) -> ApiResult<()> {
        let (now, own) = {
            let w = self.world();
            let own = w.connectors.get(application_id).and_then(|c| c.rate_limit);
            (w.now(), own)
        };
        let tenant_window: Ms = 60_000;
        let (conn_limit, conn_window) = match own {
            Some(l) => (l.calls, Ms::from(l.window_ms.max(1))),
            None => (self.config.connector_limit, tenant_window),
        };
        let mut t = self.throttle.lock().unwrap_or_else(|e| e.into_inner());
        let Throttle {
            per_connector,
            tenant,
        } = &mut *t;
        let conn = per_connector.entry(application_id.to_string()).or_default();
        for (q, window) in [(&mut *conn, conn_window), (&mut *tenant, tenant_window)] {
            while q
                .front()
                .is_some_and(|&at| at.saturating_add(window) <= now || at > now)
            {
                q.pop_front();
            }
        }
        let wait = |q: &VecDeque<Ms>, window: Ms| -> u64 {
            let oldest = q.front().copied().unwrap_or(now);
            u64::try_from(oldest.saturating_add(window).saturating_sub(now).max(1))
                .unwrap_or(1)
                .div_ceil(1000)
        };
        if conn.len() as u64 >= conn_limit as u64 {
            let per = if own.is_some() {
                format!("{} ms", conn_window)
            } else {
                "minute".to_string()
            };
            return Err(ApiError::throttled(
                wait(conn, conn_window),
                format!("more than {conn_limit} calls a {per} for this connector"),
            ));
        }
        if tenant.len() as u64 >= self.config.tenant_limit as u64 {
            return Err(ApiError::throttled(
                wait(tenant, tenant_window),
                format!(
                    "more than {} calls a minute for this tenant",
                    self.config.tenant_limit
                ),
            ));
        }
        conn.push_back(now);
        tenant.push_back(now);
        Ok(())
    }

    /// Whether this successful delivery to `hook_id` is to be sent once more (and counts it).
    pub fn take_duplicate(&self, hook_id: &str) -> bool {
        let mut d = self.duplicates.lock().unwrap_or_else(|e| e.into_inner());
        for key in [hook_id, ""] {
            if let Some(n) = d.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    d.remove(key);
                }
                return true;
            }
        }
        false
    }

    /// Wakes every webhook's delivery task (after queueing events, re-enabling a webhook, or a clock jump).
    pub fn wake_webhooks(&self) {
        let tasks = self.hook_tasks.lock().unwrap_or_else(|e| e.into_inner());
        for wake in tasks.values() {
            wake.notify_one();
        }
    }

    /// With `--data`, waits until every change made so far is committed to the database.
    pub async fn save(&self) -> Result<(), String> {
        match &self.saving {
            Some(s) => s.save().await,
            None => Ok(()),
        }
    }

    /// Adds a call to the request log (a ring of the last `LOG_CAPACITY`, paths clipped to
    /// `LOG_PATH_CHARS`); nothing is kept without the dev API.
    pub fn record(&self, method: &Method, path: &str, status: u16, changed_state: bool) {
        if !self.config.dev_api {
            return;
        }
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let at = self.now();
        let path = match path.char_indices().nth(LOG_PATH_CHARS) {
            Some((cut, _)) => format!("{}…", &path[..cut]),
            None => path.to_string(),
        };
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        while log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(LoggedRequest {
            seq,
            at,
            method: method.as_str().chars().take(16).collect(),
            path,
            status,
            changed_state,
        });
    }
}
