//! The `kaizala-emulator` command: parses flags, starts the server, stops on Ctrl-C.

use std::path::PathBuf;

use clap::Parser;
use kaizala_emulator::{start, Config};

/// The Kaizala connector platform on localhost: auth, resources, webhooks and a dev API.
#[derive(Parser, Debug)]
#[command(name = "kaizala-emulator", version)]
struct Args {
    /// Port to listen on, on 127.0.0.1. 0 takes a free port (printed at start).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Also serve this folder's files at / (the demo page).
    #[arg(long = "static", value_name = "DIR")]
    static_dir: Option<PathBuf>,
    /// Keep state in this SQLite database across restarts (created if missing; each change is
    /// committed before it is answered; one emulator at a time).
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// Start from this JSON snapshot (from GET /_emulator/export, or an older emulator's state
    /// file) instead of the demo tenant; with --data, into a new database only.
    #[arg(long, value_name = "FILE")]
    import: Option<PathBuf>,
    /// Turn off the /_emulator/ dev API (its paths then answer 404).
    #[arg(long)]
    no_dev_api: bool,
    /// Calls a minute allowed per connector before 429.
    #[arg(long, default_value_t = 100)]
    connector_limit: u32,
    /// Calls a minute allowed per tenant (all connectors together) before 429.
    #[arg(long, default_value_t = 300)]
    tenant_limit: u32,
    /// Wait before the first webhook retry, in ms; each later retry waits twice as long
    /// (the default spreads 6 retries over 2 days; tests use e.g. 50).
    #[arg(long, default_value_t = 2_742_857)]
    webhook_backoff_ms: u64,
    /// How long one webhook delivery may take before it counts as a failed try, in ms.
    #[arg(long, default_value_t = 10_000)]
    webhook_timeout_ms: u64,
    /// How long a webhook callback has to echo the validation token, in ms.
    #[arg(long, default_value_t = 5_000)]
    validation_timeout_ms: u64,
    /// Largest media upload in bytes (larger ones get 413).
    #[arg(long, default_value_t = 25 * 1024 * 1024)]
    media_limit: usize,
    /// Bytes all stored media may take together (uploads past it get 413).
    #[arg(long, default_value_t = 256 * 1024 * 1024)]
    media_quota: usize,
    /// Print only the listening line, and warnings and errors (on stderr).
    #[arg(long)]
    quiet: bool,
    /// Also log every platform call (method, path, status) on stderr.
    #[arg(long, conflicts_with = "quiet")]
    verbose: bool,
    /// Serve the --static files cross-origin isolated (COOP/COEP headers), for fine-grained
    /// `performance.now()` in benchmarks.
    #[arg(long)]
    cross_origin_isolated: bool,
    /// PINs one number may be sent in an hour without one being used to sign in (then 429).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pins_per_hour: u32,
    /// Also let pages from ORIGIN call the emulator (repeatable; `*` for any origin). Loopback
    /// origins (http://localhost:*, http://127.0.0.1:*, http://[::1]:*) always may.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
}

#[tokio::main]
async fn main() {
    let a = Args::parse();
    let level = if a.quiet {
        tracing::Level::WARN
    } else if a.verbose {
        tracing::Level::DEBUG
    } else {
        tracing::Level::INFO
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = Config {
        port: a.port,
        static_dir: a.static_dir,
        data: a.data,
        import: a.import,
        dev_api: !a.no_dev_api,
        connector_limit: a.connector_limit,
        tenant_limit: a.tenant_limit,
        webhook_backoff_ms: a.webhook_backoff_ms,
        validation_timeout_ms: a.validation_timeout_ms,
        webhook_timeout_ms: a.webhook_timeout_ms,
        media_limit: a.media_limit,
        media_quota: a.media_quota,
        quiet: a.quiet,
        cross_origin_isolated: a.cross_origin_isolated,
        allow_origins: a.allow_origin,
        pins_per_hour: a.pins_per_hour,
    };
    let quiet = config.quiet;
    let dev_api = config.dev_api;
    let running = match start(config).await {
        Ok(r) => r,
        Err(e) => {
            // A start-up refusal is the command's answer, not a log line.
            eprintln!("kaizala-emulator: {e}");
            std::process::exit(1);
        }
    };
    println!("Kaizala emulator listening on {}", running.url);
    if !quiet {
        println!("  auth:      {}/v1", running.url);
        println!("  oauth:     {}/api/Oauth/Authorize", running.url);
        if dev_api {
            println!("  demo seed: {}/_emulator/seed", running.url);
        }
        println!("Press Ctrl-C to stop.");
    }
    shutdown_signal().await;
    running.stop().await;
}

/// Ctrl-C, or SIGTERM from a test runner or `make`.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
