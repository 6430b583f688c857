//! The server: the router, the layers every call passes (CORS, faults, log, persistence), and starting and stopping it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::config::Config;
use crate::error::ApiError;
use crate::shared::{AppState, Shared};

/// Reads that use POST or GET but change nothing, and GETs that do change state.
fn changes_state(method: &Method, path: &str, status: u16) -> bool {
    if !(200..300).contains(&status) {
        return false;
    }
    if method == Method::GET {
        // Minting an access token (or a bot's) creates one.
        return path.ends_with("/v1/accessToken") || path.contains("/v1/bot/accessToken/");
    }
    if method == Method::POST && path.ends_with("/subscribers") {
        return false;
    }
    method == Method::POST || method == Method::PUT || method == Method::DELETE
}

/// Logs every platform call and, with `--data`, answers only once whatever the call changed is
/// committed (a change that could not be saved is a 500, though it was made).
async fn log_and_persist(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let platform = crate::paths::is_platform_path(&path);
    let resp = next.run(req).await;
    if platform && method != Method::OPTIONS {
        let status = resp.status().as_u16();
        let changed = changes_state(&method, &path, status);
        tracing::debug!(%method, path, status, changed, "platform call");
        state.record(&method, &path, status, changed);
    }
    if state.saving.is_some() && state.world().has_changes() {
        if let Err(e) = state.save().await {
            let mut err = ApiError::with_status(StatusCode::INTERNAL_SERVER_ERROR);
            err.message = format!("the change was made but could not be saved to --data: {e}");
            return err.into_response();
        }
    }
    resp
}

/// Applies the planned failures of `/_emulator/faults` (to any path, dev API included except the
/// faults endpoint itself, so a test can make the built-in webhook inbox fail too).
async fn apply_faults(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.method() == Method::OPTIONS || path.starts_with("/_emulator/faults") {
        return next.run(req).await;
    }
    let fault = {
        let mut faults = state.faults.lock().unwrap_or_else(|e| e.into_inner());
        crate::faults::take(&mut faults, req.method(), &path)
    };
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    if let Some(ms) = fault.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let mut resp = match fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        // A planned status answers instead of the handler: nothing is applied.
        Some(status) => {
            let mut e = ApiError::with_status(status);
            e.message = format!("{} (planned by /_emulator/faults)", e.message);
            e.into_response()
        }
        // Otherwise the call really runs, then its answer is replaced or lost.
        None => next.run(req).await,
    };
    if let Some(ra) = &fault.retry_after {
        let text = match ra {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    if fault.drop {
        // The answer is cut off: the status line and the first byte go out, then the connection is
        // closed mid-body. (Closing before any byte would make browsers quietly re-send the request
        // on a reused connection — POSTs included — which is not what a test of "lost answer" wants.)
        let first = futures_util::stream::once(async {
            Ok::<bytes::Bytes, std::io::Error>(bytes::Bytes::from_static(b"{"))
        });
        let cut = futures_util::stream::once(async {
            // Let the first byte leave before the connection is aborted.
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err::<bytes::Bytes, std::io::Error>(std::io::Error::other("dropped by a planned fault"))
        });
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(
            parts,
            Body::from_stream(futures_util::StreamExt::chain(first, cut)),
        );
    }
    if let Some(body) = fault.body {
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(body));
    }
    resp
}

/// The region of a bare endpoint URL path (`/inc-001` or `/inc-001/`), if it is one.
fn region_root(path: &str) -> Option<&str> {
    let name = path.strip_prefix('/')?;
    let name = name.strip_suffix('/').unwrap_or(name);
    crate::paths::is_region(name).then_some(name)
}

/// Every refusal in the one error shape, also those axum makes itself (405 for a method a path
/// does not take, the rejections of its extractors): a client that reads every answer as JSON
/// (as the platform's did) must never meet an empty or plain-text error.
async fn errors_as_json(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    // What axum makes itself is empty or plain text; JSON is ours already, and an HTML page (the
    // OAuth sign-in page's refusals) is for a person in a browser.
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !plain {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let mut err = ApiError::with_status(status);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        // (axum adds the `Allow` header listing what it takes after this layer.)
        let shown: String = path.chars().take(200).collect();
        err.message = format!("{shown} does not take {method}");
    } else {
        // An extractor's rejection is a short plain text: keep it as the message.
        let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let text = text.trim();
        if !text.is_empty() {
            err.message = text.chars().take(300).collect();
        }
    }
    let mut out = err.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::LOCATION] {
        if let Some(v) = parts.headers.get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// `{origin}/{region}/`: what a fetch lands on when it follows a 308 by itself.
fn endpoint_root(state: &Shared, req: &Request, region: &str) -> Response {
    let origin = crate::access::origin_of(req.headers(), &state.origin);
    Json(json!({
        "endpointUrl": crate::access::endpoint_url(&origin, region),
        "message": "this is a Kaizala endpoint URL; resource calls go under v1/"
    }))
    .into_response()
}

/// Anything no route took: a bare endpoint URL, else a file of `--static DIR`, else a 404.
async fn fallback(State(state): State<AppState>, req: Request) -> Response {
    if let Some(region) = region_root(req.uri().path()) {
        let region = region.to_string();
        return endpoint_root(&state, &req, &region);
    }
    match &state.config.static_dir {
        Some(dir) => {
            let serve = tower_http::services::ServeDir::new(dir)
                .append_index_html_on_directories(true)
                .fallback(axum::handler::HandlerWithoutStateExt::into_service(
                    not_found,
                ));
            let mut resp = match tower::ServiceExt::oneshot(serve, req).await {
                Ok(resp) => resp.map(Body::new),
                Err(never) => match never {},
            };
            if state.config.cross_origin_isolated {
                let h = resp.headers_mut();
                h.insert(
                    "cross-origin-opener-policy",
                    axum::http::HeaderValue::from_static("same-origin"),
                );
                h.insert(
                    "cross-origin-embedder-policy",
                    axum::http::HeaderValue::from_static("require-corp"),
                );
            }
            resp
        }
        None => not_found(req).await.into_response(),
    }
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no such call: {} {}",
        req.method(),
        req.uri().path()
    ))
}

pub fn router(state: AppState) -> Router {
    let resources = Router::new()
        .merge(crate::groups::routes())
        .merge(crate::members::routes())
        .merge(crate::subscribers::routes())
        .merge(crate::messages::routes())
        .merge(crate::media::routes(state.config.media_limit))
        .merge(crate::actions::routes())
        .merge(crate::reactions::routes())
        .merge(crate::webhooks::routes())
        .merge(crate::users::routes())
        .merge(crate::tenant::routes());
    let mut app = Router::new()
        .merge(crate::tokens::routes())
        .merge(crate::pins::routes())
        .merge(crate::oauth::routes())
        .merge(crate::media::public_routes())
        .nest("/{region}/v1", resources.clone())
        // The auth root serves resource calls too, for users of the default region (choice R1).
        .nest("/v1", resources);
    if state.config.dev_api {
        app = app.nest("/_emulator", crate::devapi::routes());
    }
    app = app.fallback(fallback);
    app.layer(middleware::from_fn(errors_as_json))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::input::BODY_LIMIT,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), apply_faults))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            log_and_persist,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::origins::guard,
        ))
        .layer(crate::origins::cors(state.config.allow_origins.clone()))
        .with_state(state)
}

/// A running emulator (tests start one on port 0).
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting calls and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        if let Err(e) = self.state.save().await {
            tracing::error!("could not save state: {e}");
        }
        if let Some(s) = &self.state.saving {
            s.close();
        }
    }
}

/// Loads or seeds the world, binds 127.0.0.1:`port`, and serves in the background.
pub async fn start(config: Config) -> Result<Running, String> {
    let (store, loaded) = match &config.data {
        Some(path) => {
            let (store, world) = crate::store::Store::open(path)?;
            (Some(store), world)
        }
        None => (None, None),
    };
    let imported = config
        .import
        .as_deref()
        .map(crate::snapshot::load)
        .transpose()?;
    let (mut world, new) = match (loaded, imported) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "--import starts a new world, but {} already holds one; pass a new --data file",
                config.data.clone().unwrap_or_default().display()
            ))
        }
        (Some(w), None) => (w, false),
        (None, Some(w)) => (w, true),
        (None, None) => (crate::seed::demo_world(), true),
    };
    if new || store.is_none() {
        // A new world is written whole; in memory, tables stop remembering keys at once.
        world.mark_all();
    }
    let saving = store.map(crate::saving::Saving::new);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", config.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let url = format!("http://{addr}");
    let state: AppState = Arc::new(Shared::new(world, config, url.clone(), saving));
    if state.saving.is_some() {
        let s = state.clone();
        tokio::spawn(async move {
            if let Some(saving) = &s.saving {
                crate::saving::writer(saving, &s.world).await;
            }
        });
        state.save().await?;
    }
    // Paths are made canonical before the router sees them (a layer inside the router would run
    // after the route was chosen).
    let app =
        axum::ServiceExt::<Request>::into_make_service(tower::ServiceExt::<Request>::map_request(
            router(state.clone()),
            crate::paths::canonical_request,
        ));
    crate::webhooks::delivery::start_all(&state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("server error: {e}");
        }
    });
    Ok(Running {
        addr,
        url,
        state,
        shutdown: Some(tx),
        task,
    })
}
