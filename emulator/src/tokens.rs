//! Credentials and tokens: refresh tokens, access tokens with refresh-token rotation, and the
//! routes of sign-in (PINs in `pins`, the OAuth page in `oauth`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::{endpoint_url, origin_of};
use crate::error::{ApiError, ApiResult};
use crate::shared::AppState;
use crate::state::{
    random_token, AccessToken, RefreshToken, TokenKind, ACCESS_TOKEN_LIFE_MS,
    REFRESH_TOKEN_LIFE_MS, ROTATE_AFTER_MS,
};
use crate::world::World;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/accessToken", get(access_token))
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0)) as usize;
    }
    diff == 0
}

/// Hands out a refresh token. A new group token kills the connector's earlier one for that group,
/// and a new user token the connector's earlier user token for that user (docs/platform.md#tokens); PIN and OAuth
/// sign-ins may be held side by side (one per device).
pub fn issue_refresh_token(
    w: &mut World,
    app_id: &str,
    kind: TokenKind,
    user_id: &str,
) -> ApiResult<String> {
    let connector = w
        .connectors
        .get(app_id)
        .ok_or_else(|| ApiError::unauthenticated("unknown applicationId"))?;
    if !connector.active {
        let msg = match &kind {
            TokenKind::Group { .. } => {
                "this connector is deactivated: it cannot get a token for a new group"
            }
            _ => "this connector is deactivated: it cannot sign anyone in until it is reactivated",
        };
        if let TokenKind::Group { group_id } = &kind {
            let had_one = !connector.removed_from.contains(group_id)
                && w.refresh_tokens
                    .values()
                    .any(|t| t.application_id == app_id && t.kind == kind && !t.revoked);
            if !had_one {
                return Err(ApiError::forbidden(msg));
            }
        } else {
            return Err(ApiError::forbidden(msg));
        }
    }
    let scopes = connector.scopes.clone();
    if matches!(kind, TokenKind::Group { .. } | TokenKind::User) {
        let replaced = w.refresh_tokens.keys_where(|t| {
            t.application_id == app_id
                && t.kind == kind
                && !t.revoked
                && (t.user_id == user_id || matches!(kind, TokenKind::Group { .. }))
        });
        for token in replaced {
            if let Some(t) = w.refresh_tokens.get_mut(&token) {
                t.revoked = true;
            }
        }
    }
    if let TokenKind::Group { group_id } = &kind {
        if let Some(c) = w.connectors.get_mut(app_id) {
            c.removed_from.retain(|g| g != group_id);
        }
    }
    let now = w.now();
    let token = random_token();
    w.refresh_tokens.insert(
        token.clone(),
        RefreshToken {
            application_id: app_id.to_string(),
            kind,
            user_id: user_id.to_string(),
            scopes,
            issued_at: now,
            expires_at: now.saturating_add(REFRESH_TOKEN_LIFE_MS),
            revoked: false,
            successor: None,
        },
    );
    Ok(token)
}

/// Mints an access token for `grant` (its `expires_at` is set here: 24 h) and answers with the body
/// of docs/platform.md#get-v1accesstoken-auth-root; `rotated` is the refresh token that replaces the one used, when it is due.
pub fn mint_access_token(
    w: &mut World,
    origin: &str,
    mut grant: AccessToken,
    rotated: Option<String>,
) -> Value {
    let now = w.now();
    let token = random_token();
    grant.expires_at = now.saturating_add(ACCESS_TOKEN_LIFE_MS);
    let expires = grant.expires_at;
    let region = w
        .users()
        .get(&grant.user_id)
        .map(|u| u.region.clone())
        .unwrap_or_else(|| crate::access::DEFAULT_REGION.into());
    let scope = grant.scopes.join(",");
    w.access_tokens.insert(token.clone(), grant);
    // Expired access tokens are forgotten now and then so the map does not grow without end.
    if w.access_tokens.len().is_multiple_of(256) {
        w.access_tokens.retain(|_, t| t.expires_at > now);
    }
    json!({
        "accessToken": token,
        "endpointUrl": endpoint_url(origin, &region),
        "accessTokenExpiry": expires,
        "refreshToken": rotated,
        "scope": scope,
    })
}

fn header_str(headers: &HeaderMap, name: &str) -> ApiResult<String> {
    headers
        .get(name)
        .and_then(|h| h.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid(name, "header is required"))
}

pub(crate) fn check_connector(w: &World, app_id: &str, secret: &str) -> ApiResult<()> {
    match w.connectors.get(app_id) {
        Some(c) if same_secret(&c.secret, secret) => Ok(()),
        _ => Err(ApiError::wrong_secret()),
    }
}

/// `GET /v1/accessToken` with headers applicationId, applicationSecret, refreshToken.
async fn access_token(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let app_id = header_str(&headers, "applicationId")?;
    let secret = header_str(&headers, "applicationSecret")?;
    let refresh = header_str(&headers, "refreshToken")?;
    let origin = origin_of(&headers, &state.origin);
    {
        let w = state.world();
        check_connector(&w, &app_id, &secret)?;
    }
    state.throttle(&app_id)?;
    let mut w = state.world();
    let now = w.now();
    let rt = w
        .refresh_tokens
        .get(&refresh)
        .cloned()
        .filter(|t| t.application_id == app_id)
        .ok_or_else(|| {
            ApiError::refresh_token_refused("the refresh token is not valid for this connector")
        })?;
    if rt.revoked {
        return Err(ApiError::refresh_token_refused(
            "the refresh token was replaced by a newer one and no longer works",
        ));
    }
    if rt.expires_at <= now {
        return Err(ApiError::refresh_token_refused(
            "the refresh token has expired",
        ));
    }
    if !w.users().contains_key(&rt.user_id) {
        return Err(ApiError::refresh_token_refused(
            "the user of this refresh token no longer exists",
        ));
    }
    let group_id = match &rt.kind {
        TokenKind::Group { group_id } => {
            if !w.groups.contains_key(group_id) {
                return Err(ApiError::refresh_token_refused(
                    "the group of this token no longer exists",
                ));
            }
            let removed = w
                .connectors
                .get(&app_id)
                .is_some_and(|c| c.removed_from.contains(group_id));
            if removed {
                return Err(ApiError::forbidden(
                    "this connector was removed from the group",
                ));
            }
            Some(group_id.clone())
        }
        _ => None,
    };
    // From 90 % of its life on, every answer carries the (one) successor that replaces it.
    let mut rotated = None;
    if now >= rt.issued_at.saturating_add(ROTATE_AFTER_MS) {
        let live_successor = rt.successor.clone().filter(|s| {
            w.refresh_tokens
                .get(s)
                .is_some_and(|t| !t.revoked && t.expires_at > now)
        });
        let next = match live_successor {
            Some(s) => s,
            None => {
                let s = random_token();
                w.refresh_tokens.insert(
                    s.clone(),
                    RefreshToken {
                        issued_at: now,
                        expires_at: now.saturating_add(REFRESH_TOKEN_LIFE_MS),
                        revoked: false,
                        successor: None,
                        ..rt.clone()
                    },
                );
                if let Some(old) = w.refresh_tokens.get_mut(&refresh) {
                    old.successor = Some(s.clone());
                }
                s
            }
        };
        rotated = Some(next);
    }
    let grant = AccessToken {
        application_id: app_id,
        refresh_token: Some(refresh),
        user_id: rt.user_id.clone(),
        group_id,
        scopes: rt.scopes.clone(),
        expires_at: 0,
    };
    let body = mint_access_token(&mut w, &origin, grant, rotated);
    Ok(Json(body))
}
