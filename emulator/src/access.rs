//! Who is calling: the access token on a resource call, relocation, throttling, scopes and roles
//! (docs/platform.md#sign-in, #resource-calls-what-the-project-adds-to-the-documents).

use std::collections::HashSet;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::error::{ApiError, ApiResult};
use crate::shared::AppState;
use crate::state::{Group, OrgRole, Role};
use crate::world::World;

/// The principal of a resource call, resolved from its `accessToken` header.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: String,
    pub application_id: String,
    pub scopes: Vec<String>,
    /// A group token reaches this one group only (as its admin).
    pub group_limit: Option<String>,
    /// An organisation admin's own token: manages every organisation group.
    pub org_admin: bool,
    /// `http://host:port` the call came in on (for URLs handed back).
    pub origin: String,
}

/// `http://{Host}` of a request, so URLs handed back work from whichever address the caller used.
pub fn origin_of(headers: &HeaderMap, fallback: &str) -> String {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| fallback.to_string())
}

pub fn endpoint_url(origin: &str, region: &str) -> String {
    format!("{origin}/{region}/")
}

/// The region every user starts in, whose endpoint URL the auth root also serves.
pub const DEFAULT_REGION: &str = "inc-000";

/// The access token of a call: the `accessToken` header, else `Authorization: Bearer` (choice R7).
fn token_of(headers: &HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    if let Some(t) = text("accessToken") {
        return Some(t.to_string());
    }
    let auth = text(axum::http::header::AUTHORIZATION.as_str())?;
    let (scheme, token) = auth.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Inside the `/{region}/v1` and `/v1` nests the URI is stripped of its prefix; the original
        // keeps it (after the path was made canonical, before routing).
        let uri = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|o| o.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let path = uri.path();
        let first = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        // A resource call at the auth root (`{origin}/v1/…`) is served for the default region.
        let at_root = first == "v1";
        let region = if at_root { DEFAULT_REGION } else { first };
        let origin = origin_of(&parts.headers, &state.origin);
        let token = token_of(&parts.headers)
            .ok_or_else(|| ApiError::unauthenticated("the accessToken header is missing"))?;
        let refused = |why: &str| {
            tracing::debug!(why, "access token refused");
            ApiError::invalid_token()
        };
        let caller = {
            let w = state.world.lock().map_err(|_| {
                ApiError::with_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
            })?;
            let now = w.now();
            let at = w
                .access_tokens
                .get(&token)
                .ok_or_else(|| refused("unknown access token"))?;
            if at.expires_at <= now {
                return Err(refused("the access token has expired"));
            }
            if !w.connectors.contains_key(&at.application_id) {
                return Err(refused("the connector of this token was deleted"));
            }
            let user = w
                .users()
                .get(&at.user_id)
                .ok_or_else(|| refused("the user of this token no longer exists"))?;
            if user.region != region {
                let endpoint = endpoint_url(&origin, &user.region);
                return Err(if at_root {
                    // The same call at the user's endpoint, so a client that follows the redirect
                    // by itself lands on it.
                    let rest = uri
                        .path_and_query()
                        .map_or("", |pq| pq.as_str())
                        .trim_start_matches('/');
                    ApiError::relocated(
                        format!("{endpoint}{rest}"),
                        format!("this user's endpoint is {endpoint}"),
                    )
                } else {
                    ApiError::relocated(
                        endpoint.clone(),
                        format!("this user's endpoint moved to {endpoint}"),
                    )
                });
            }
            Caller {
                user_id: at.user_id.clone(),
                application_id: at.application_id.clone(),
                scopes: at.scopes.clone(),
                group_limit: at.group_id.clone(),
                org_admin: at.group_id.is_none() && user.org_role == OrgRole::OrgAdmin,
                origin,
            }
        };
        state.throttle(&caller.application_id)?;
        Ok(caller)
    }
}

impl Caller {
    /// 403 unless the token was granted `scope`.
    pub fn need(&self, scope: &str) -> ApiResult<()> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this token was not granted the {scope} scope"
            )))
        }
    }

    /// Any one of `scopes` (a permission whose read and write scopes both allow a call:
    /// docs/platform.md, choice S1).
    pub fn need_any(&self, scopes: &[&str]) -> ApiResult<()> {
        match scopes.iter().find(|s| self.scopes.iter().any(|x| x == *s)) {
            Some(_) => Ok(()),
            None => Err(ApiError::forbidden(format!(
                "this token was not granted the {} scope",
                scopes.join(" or ")
            ))),
        }
    }

    /// The caller's role in a group, if the token reaches it.
    ///
    /// A group token is admin in its own group only. Otherwise: the caller's membership role; an
    /// admin of an ancestor group administers its sub-groups; an organisation admin administers every
    /// organisation group, member or not.
    pub fn role_in(&self, w: &World, group_id: &str) -> Option<Role> {
        if let Some(limit) = &self.group_limit {
            return (limit == group_id && w.groups.contains_key(group_id)).then_some(Role::Admin);
        }
        let g = w.groups.get(group_id)?;
        let direct = g.role_of(&self.user_id);
        if direct == Some(Role::Admin) {
            return direct;
        }
        if self.org_admin && g.mapped_to_tenant {
            return Some(Role::Admin);
        }
        if self.admin_of_ancestor(w, group_id) {
            return Some(Role::Admin);
        }
        direct
    }

    /// Whether the caller administers a group above `group_id` (walked without recursion, each
    /// group once).
    fn admin_of_ancestor(&self, w: &World, group_id: &str) -> bool {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = vec![group_id];
        while let Some(id) = stack.pop() {
            let Some(g) = w.groups.get(id) else {
                continue;
            };
            for p in &g.parents {
                if !seen.insert(p.as_str()) {
                    continue;
                }
                if let Some(pg) = w.groups.get(p) {
                    if pg.role_of(&self.user_id) == Some(Role::Admin) {
                        return true;
                    }
                    stack.push(p.as_str());
                }
            }
        }
        false
    }

    /// The group, when it exists (404) and the token reaches it (403); returns the caller's role.
    pub fn reach<'w>(&self, w: &'w World, group_id: &str) -> ApiResult<(&'w Group, Role)> {
        let g = w
            .groups
            .get(group_id)
            .ok_or_else(|| ApiError::not_found(format!("no group {group_id}")))?;
        let role = self.role_in(w, group_id).ok_or_else(|| {
            ApiError::forbidden("this token does not reach that group (not a member)")
        })?;
        Ok((g, role))
    }

    /// As `reach`, but only an admin may go on (only admins add or remove anyone:
    /// docs/platform.md#resource-calls-what-the-project-adds-to-the-documents).
    pub fn admin_of<'w>(&self, w: &'w World, group_id: &str) -> ApiResult<&'w Group> {
        let (g, role) = self.reach(w, group_id)?;
        if role != Role::Admin {
            return Err(ApiError::forbidden(
                "only a group admin or an organisation admin may do this",
            ));
        }
        Ok(g)
    }

    /// Tenant-wide calls (bots): an organisation admin's own token only.
    pub fn tenant_admin(&self) -> ApiResult<()> {
        if self.org_admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "only an organisation admin's token may manage the organisation's bots",
            ))
        }
    }
}
