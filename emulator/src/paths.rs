//! Request paths: which are platform calls, how a path as clients spell it is made canonical
//! before routing, and the path parameters of the routes, typed (one struct per route shape, read
//! by `Params<T>`).
//!
//! Resource routes are nested under `/{region}/v1` and `/v1`, so their parameters may include
//! `region`; the structs name only what a handler uses (serde ignores the rest).

use axum::extract::{FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::Uri;
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

/// Every resource call the emulator serves, as the shape of its path after `v1` (`*` is an id),
/// in the documents' spelling. Served under `/{region}/v1/` and at the auth root `/v1/`.
/// Where two shapes fit one path, the first wins (`reaction/summary` before `reaction/*`), as in
/// the router.
pub const RESOURCE_SHAPES: &[&str] = &[
    "groups",
    "groups/*",
    "groups/*/subGroups",
    "groups/*/subGroups/*",
    "groups/*/members",
    "groups/*/members/*",
    "groups/*/bot",
    "groups/*/subscribers",
    "groups/*/subscribers/add",
    "groups/*/subscribers/remove",
    "groups/*/messages",
    "groups/*/actions",
    "groups/*/actions/*",
    "groups/*/actions/*/responses",
    "groups/*/reaction",
    "groups/*/reaction/summary",
    "groups/*/reaction/*/summary",
    "groups/*/reaction/*",
    "media",
    "media/url",
    "webhook",
    "webhook/*",
    "users/me",
    "bot",
    "bot/*",
    "bot/accessToken/*",
    "tenant/findGroupsByQuery",
];

/// The sign-in calls, served at the auth root only.
pub const AUTH_SHAPES: &[&str] = &[
    "v1/accessToken",
    "v1/generatePin",
    "v1/loginWithPinAndApplicationId",
    "api/Oauth/Authorize",
    "api/oauth/token",
];

/// `inc-` and digits: the first segment of an endpoint URL's path.
pub fn is_region(seg: &str) -> bool {
    seg.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("inc-"))
        && seg.len() > 4
        && seg[4..].bytes().all(|b| b.is_ascii_digit())
}

/// `segs` in the spelling of the first shape they fit (literal segments compared without case),
/// or `None` when none fits.
fn fit(segs: &[&str], shapes: &[&str], prefix: &[&str]) -> Option<Vec<String>> {
    shapes.iter().find_map(|shape| {
        let want: Vec<&str> = prefix.iter().copied().chain(shape.split('/')).collect();
        if want.len() != segs.len() {
            return None;
        }
        want.iter()
            .zip(segs)
            .map(|(w, s)| match *w {
                "*" => Some((*s).to_string()),
                lit if lit.eq_ignore_ascii_case(s) => Some(lit.to_string()),
                _ => None,
            })
            .collect()
    })
}

/// The canonical spelling of a platform path as clients send it (choice R1): literal segments in
/// any case, runs of `/` and a trailing `/` tolerated. Ids keep their spelling. `None` when the
/// path is not a platform call or is canonical already.
pub fn canonical_path(path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let first = *segs.first()?;
    let fitted = if is_region(first) {
        let region = first.to_ascii_lowercase();
        if segs.len() == 1 {
            // The bare endpoint URL.
            vec![region]
        } else {
            let rest = fit(&segs[1..], RESOURCE_SHAPES, &["v1"])?;
            std::iter::once(region).chain(rest).collect()
        }
    } else {
        fit(&segs, RESOURCE_SHAPES, &["v1"]).or_else(|| fit(&segs, AUTH_SHAPES, &[]))?
    };
    let mut out = String::with_capacity(path.len());
    for s in &fitted {
        out.push('/');
        out.push_str(s);
    }
    (out != path).then_some(out)
}

/// The request with its path made canonical (its query kept): runs before routing, so the router
/// only ever sees the documents' spelling.
pub fn canonical_request(mut req: Request) -> Request {
    let Some(path) = canonical_path(req.uri().path()) else {
        return req;
    };
    let pq = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut parts = req.uri().clone().into_parts();
    if let Ok(pq) = pq.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_in_any_case_with_any_slashes() {
        let cases = [
            ("/inc-000//v1/groups", Some("/inc-000/v1/groups")),
            ("/inc-000/v1/groups/", Some("/inc-000/v1/groups")),
            ("/v1/groups/g-1/subgroups", Some("/v1/groups/g-1/subGroups")),
            (
                "/V1/GROUPS/AbC/SUBGROUPS/dEf",
                Some("/v1/groups/AbC/subGroups/dEf"),
            ),
            ("/INC-001/v1/webhook/", Some("/inc-001/v1/webhook")),
            (
                "/v1/groups/x%40y/actions/a/",
                Some("/v1/groups/x%40y/actions/a"),
            ),
            (
                "/v1/groups/g/reaction/SUMMARY",
                Some("/v1/groups/g/reaction/summary"),
            ),
            (
                "/v1/groups/g/reaction/r/Summary",
                Some("/v1/groups/g/reaction/r/summary"),
            ),
            ("/v1/Bot/AccessToken/b", Some("/v1/bot/accessToken/b")),
            ("/v1/bot/accesstoken", None),
            ("/v1/accesstoken", Some("/v1/accessToken")),
            ("/api/oauth/authorize", Some("/api/Oauth/Authorize")),
            ("/api/OAUTH/Token", Some("/api/oauth/token")),
            ("/inc-000/", Some("/inc-000")),
            ("/inc-000/v1/groups", None),
            ("/v1/groups/g/members/m", None),
            ("/v1/nothing/here", None),
            ("/_emulator/seed", None),
            ("/assets/app.js", None),
            ("/", None),
            ("/inc-000/v1/accessToken", None),
        ];
        for (path, want) in cases {
            assert_eq!(canonical_path(path).as_deref(), want, "{path}");
        }
    }
}
