//! What the command line sets: the emulator's configuration and its defaults.

use std::path::PathBuf;

/// Everything the command line sets.
#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub static_dir: Option<PathBuf>,
    pub data: Option<PathBuf>,
    /// Start from this JSON snapshot (`GET /_emulator/export`) instead of the demo tenant.
    pub import: Option<PathBuf>,
    pub dev_api: bool,
    /// Calls a minute per connector (100: docs/platform.md#hosts-and-urls).
    pub connector_limit: u32,
    /// Calls a minute per tenant, all connectors together (300: docs/platform.md#hosts-and-urls).
    pub tenant_limit: u32,
    /// The first webhook retry waits this long; each later one twice the one before.
    pub webhook_backoff_ms: u64,
    /// How long one webhook delivery may take before it counts as a failed try.
    pub webhook_timeout_ms: u64,
    /// How long a webhook callback has to echo the validation token.
    pub validation_timeout_ms: u64,
    /// Largest media upload, in bytes (413 above it).
    pub media_limit: usize,
    /// Bytes all stored media may take together (413 past it).
    pub media_quota: usize,
    pub quiet: bool,
    /// Serve `static_dir` cross-origin isolated (COOP `same-origin`, COEP `require-corp`), so a
    /// page's `performance.now()` counts in microseconds rather than Chromium's coarse 100 µs.
    pub cross_origin_isolated: bool,
    /// PINs a number may be sent in an hour without one being used to sign in (429 past it).
    pub pins_per_hour: u32,
    /// Origins besides loopback ones whose pages may call (`*`: any); see `origins`.
    pub allow_origins: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 8080,
            static_dir: None,
            data: None,
            import: None,
            dev_api: true,
            connector_limit: 100,
            tenant_limit: 300,
            // 6 retries at 45.7 min × 2^n add up to 2 days (docs/platform.md#delivery).
            webhook_backoff_ms: 2_742_857,
            validation_timeout_ms: 5_000,
            webhook_timeout_ms: 10_000,
            media_limit: 25 * 1024 * 1024,
            media_quota: 256 * 1024 * 1024,
            quiet: false,
            cross_origin_isolated: false,
            allow_origins: Vec::new(),
            pins_per_hour: 5,
        }
    }
}
