//! Users (docs/platform.md#users-and-bots): the signed-in user's profile, and the organisation's bot users with their access tokens.

use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::input::{opt_str, req_str, JsonBody};
use crate::paths::{BotPath, Params};
use crate::shared::AppState;
use crate::state::{new_id, BotInfo, OrgRole, User};
use crate::world::World;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users/me", get(me))
        .route("/bot", get(list_bots).post(create_bot))
        .route("/bot/{botUserId}", put(update_bot).delete(delete_bot))
        .route("/bot/accessToken/{botUserId}", get(bot_access_token))
}

/// `GET /users/me` → `{id, mobileNumber, name, profilePic}`.
async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.need_any(&["profile.read", "profile.write"])?;
    let w = state.world();
    let u = w
        .users()
        .get(&caller.user_id)
        .ok_or_else(|| ApiError::not_found("the signed-in user no longer exists"))?;
    Ok(Json(json!({
        "id": u.id,
        "mobileNumber": u.mobile,
        "name": u.name,
        "profilePic": u.profile_pic,
    })))
}

fn bot_json(w: &World, u: &User) -> Value {
    let (creator_id, status) = u
        .bot
        .as_ref()
        .map(|b| (b.creator_id.clone(), b.status.clone()))
        .unwrap_or_default();
    let creator = w.users().get(&creator_id);
    json!({
        "botUserId": u.id,
        "name": u.name,
        "profilePic": u.profile_pic,
        "tenantId": w.tenant.id,
        "creatorId": creator_id,
        "creator": creator.map(|c| c.mobile.clone()).unwrap_or_default(),
        "creatorName": creator.map(|c| c.name.clone()).unwrap_or_default(),
        "creatorProfilePic": creator.map(|c| c.profile_pic.clone()).unwrap_or_default(),
        "status": status,
    })
}

fn bot<'w>(w: &'w World, id: &str) -> ApiResult<&'w User> {
    w.users()
        .get(id)
        .filter(|u| u.org_role == OrgRole::Bot)
        .ok_or_else(|| ApiError::not_found(format!("no bot {id}")))
}

/// `POST /bot` {name, profilePic?} → the new bot, as listed.
async fn create_bot(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("tenantdata.write")?;
    caller.tenant_admin()?;
    let name = req_str(&body, &["name"], "name")?;
    let pic = opt_str(&body, &["profilePic"], "profilePic")?.unwrap_or_default();
    let mut w = state.world();
    let id = new_id();
    let user = User {
        id: id.clone(),
        mobile: String::new(),
        name,
        profile_pic: pic,
        org_role: OrgRole::Bot,
        region: crate::access::DEFAULT_REGION.into(),
        provisioned: true,
        bot: Some(BotInfo {
            creator_id: caller.user_id.clone(),
            status: "Active".into(),
        }),
    };
    let out = bot_json(&w, &user);
    w.insert_user(user);
    Ok(Json(out))
}

/// `GET /bot` → `{bots: [...]}`.
async fn list_bots(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.need("tenantdata.read")?;
    caller.tenant_admin()?;
    let w = state.world();
    let bots: Vec<Value> = w
        .users()
        .values()
        .filter(|u| u.org_role == OrgRole::Bot)
        .map(|u| bot_json(&w, u))
        .collect();
    Ok(Json(json!({ "bots": bots })))
}

/// `PUT /bot/{botUserId}` {name?, profilePic?} → `{result: true}`.
async fn update_bot(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<BotPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("tenantdata.write")?;
    caller.tenant_admin()?;
    let id = p.bot_user_id;
    let name = opt_str(&body, &["name"], "name")?;
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(ApiError::invalid("name", "must not be empty"));
    }
    let pic = opt_str(&body, &["profilePic"], "profilePic")?;
    let mut w = state.world();
    bot(&w, &id)?;
    if let Some(mut u) = w.user_mut(&id) {
        if let Some(n) = name {
            u.set_name(n);
        }
        if let Some(pp) = pic {
            u.set_profile_pic(pp);
        }
    }
    Ok(Json(json!({ "result": true })))
}

/// `DELETE /bot/{botUserId}` → `{result: true}`; the bot leaves every group.
async fn delete_bot(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<BotPath>,
) -> ApiResult<Json<Value>> {
    caller.need("tenantdata.remove")?;
    caller.tenant_admin()?;
    let id = p.bot_user_id;
    let mut w = state.world();
    bot(&w, &id)?;
    w.remove_user(&id);
    for gid in w.groups.keys_where(|g| g.members.contains_key(&id)) {
        if let Some(g) = w.groups.get_mut_inner(&gid) {
            g.members.remove(&id);
        }
    }
    w.access_tokens.retain(|_, t| t.user_id != id);
    Ok(Json(json!({ "result": true })))
}

/// `GET /bot/accessToken/{botUserId}` → an access-token body for acting as the bot (no refresh token:
/// ask again for a new one).
async fn bot_access_token(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<BotPath>,
) -> ApiResult<Json<Value>> {
    caller.need("tenantdata.read")?;
    caller.tenant_admin()?;
    let id = p.bot_user_id;
    let mut w = state.world();
    bot(&w, &id)?;
    let grant = crate::state::AccessToken {
        application_id: caller.application_id.clone(),
        refresh_token: None,
        user_id: id,
        group_id: None,
        scopes: caller.scopes.clone(),
        expires_at: 0,
    };
    let body = crate::tokens::mint_access_token(&mut w, &caller.origin, grant, None);
    Ok(Json(body))
}
