//! The dev API's webhook receiver routes: `GET` echoes a validation token or lists an inbox,
//! `POST` keeps an event, `DELETE` clears an inbox (the bounded store is `crate::inbox`).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::inbox::Refused;
use crate::input::RawBody;
use crate::paths::{InboxPath, Params};
use crate::shared::AppState;

/// The built-in webhook receiver: echoes `validationToken`, or lists what was received, newest first.
pub(crate) async fn get(
    State(state): State<AppState>,
    Params(InboxPath { name }): Params<InboxPath>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(token) = q.get("validationToken") {
        return (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            token.clone(),
        )
            .into_response();
    }
    let events = state
        .inbox
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .list(&name);
    Json(json!({ "name": name, "events": events })).into_response()
}

pub(crate) async fn post(
    State(state): State<AppState>,
    Params(InboxPath { name }): Params<InboxPath>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<Value>> {
    let now = state.now();
    let parsed: Value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let token = headers
        .get("kz-callback-token")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let event = json!({
        "receivedAt": now,
        "headers": {"kz-callback-token": token},
        "body": parsed,
    });
    let kept = state
        .inbox
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(&name, &event);
    match kept {
        Ok(()) => Ok(Json(json!({ "received": true }))),
        Err(Refused::EventTooLarge) => Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLarge",
            Refused::EventTooLarge.message(),
        )),
        Err(Refused::NameTooLong) => Err(ApiError::invalid("name", Refused::NameTooLong.message())),
        Err(e) => Err(ApiError::new(
            axum::http::StatusCode::INSUFFICIENT_STORAGE,
            "InsufficientStorage",
            e.message(),
        )),
    }
}

pub(crate) async fn clear(
    State(state): State<AppState>,
    Params(InboxPath { name }): Params<InboxPath>,
) -> Json<Value> {
    state
        .inbox
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear(&name);
    Json(json!({ "result": true }))
}
