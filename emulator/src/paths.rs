//! Request paths: which are platform calls, and the path parameters of the routes, typed (one
//! struct per route shape, read by `Params<T>`).
//!
//! Resource routes are nested under `/{region}/v1`, so their parameters include `region`; the
//! structs name only what a handler uses (serde ignores the rest).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::ApiError;

/// Whether a call is a platform call (logged, faultable) rather than a page or dev-API call.
pub fn is_platform_path(path: &str) -> bool {
    let mut segs = path.trim_start_matches('/').split('/');
    let first = segs.next().unwrap_or_default();
    let second = segs.next().unwrap_or_default();
    first == "v1" || first == "api" || first == "media" || second == "v1"
}

/// A route's path parameters; a path that cannot be read as `T` is refused in the one error shape.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Params(t))
            .map_err(|e| ApiError::bad_request(format!("the path is not valid: {}", e.body_text())))
    }
}

/// `/groups/{groupId}…`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupPath {
    pub group_id: String,
}

/// `/groups/{groupId}/members/{memberId}`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberPath {
    pub group_id: String,
    pub member_id: String,
}

/// `/groups/{groupId}/subGroups/{subGroupId}`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubGroupPath {
    pub group_id: String,
    pub sub_group_id: String,
}

/// `/groups/{groupId}/actions/{actionId}…`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionPath {
    pub group_id: String,
    pub action_id: String,
}

/// `/groups/{groupId}/reaction/{referenceId}…`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferencePath {
    pub group_id: String,
    pub reference_id: String,
}

/// `/webhook/{webhookId}`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookPath {
    pub webhook_id: String,
}

/// `/bot/{botUserId}`, `/bot/accessToken/{botUserId}`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BotPath {
    pub bot_user_id: String,
}

/// `/media/{id}/{fileName}` (the file name is cosmetic and not read).
#[derive(Debug, Deserialize)]
pub struct MediaPath {
    pub id: String,
}

/// `/_emulator/inbox/{name}`
#[derive(Debug, Deserialize)]
pub struct InboxPath {
    pub name: String,
}

/// `/_emulator/connectors/{id}`
#[derive(Debug, Deserialize)]
pub struct ConnectorPath {
    pub id: String,
}

/// `/_emulator/connectors/{id}/groups/{groupId}`
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorGroupPath {
    pub id: String,
    pub group_id: String,
}
