//! Group members (docs/platform.md#members): adding, listing and removing members, and adding a bot
//! user to a group (docs/platform.md#users-and-bots).

use axum::extract::State;
use axum::routing::{delete, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{emit, Target};
use crate::input::{phones, req_str, JsonBody};
use crate::paths::{GroupPath, MemberPath, Params};
use crate::shared::AppState;
use crate::state::{OrgRole, Role};
use crate::world::World;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/{groupId}/members", put(add).get(list))
        .route("/groups/{groupId}/members/{memberId}", delete(remove))
        .route("/groups/{groupId}/bot", post(add_bot))
}

/// The MemberAdded / MemberRemoved data for one member (docs/platform.md#event-envelope).
fn member_event(w: &World, user_id: &str, role: Role) -> Value {
    let u = w.users().get(user_id);
    json!({
        "member": u.map(|u| u.mobile.clone()).unwrap_or_default(),
        "memberName": u.map(|u| u.name.clone()).unwrap_or_default(),
        "type": role.as_str(),
        "memberProfilePic": u.map(|u| u.profile_pic.clone()).unwrap_or_default(),
    })
}

/// Adds `user_id` as a Member unless it already belongs; emits MemberAdded when it was new.
/// Returns how many webhook events were queued.
fn join(w: &mut World, group_id: &str, user_id: &str, by: &str) -> usize {
    let Some(g) = w.groups.get_mut_inner(group_id) else {
        return 0;
    };
    if g.role_of(user_id).is_some() {
        return 0;
    }
    g.members.insert(user_id.to_string(), Role::Member);
    let data = member_event(w, user_id, Role::Member);
    emit(w, Target::group(group_id), "MemberAdded", data, by)
}

/// `PUT /groups/{groupId}/members` {members: [phone]} → `{result: true}`.
///
/// Admins only. Numbers the platform does not know become unprovisioned users of the organisation;
/// numbers already in the group are accepted and left as they are. Each new member: MemberAdded.
async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("groupmember.write")?;
    let gid = p.group_id;
    {
        let w = state.world();
        caller.admin_of(&w, &gid)?;
    }
    let mobiles = phones(&body, &["members"], "members", true)?;
    let events = {
        let mut w = state.world();
        caller.admin_of(&w, &gid)?;
        let mut events = 0;
        for m in &mobiles {
            let uid = w.ensure_user(m, OrgRole::User);
            events += join(&mut w, &gid, &uid, &caller.user_id);
        }
        events
    };
    if events > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({ "result": true })))
}

/// `GET /groups/{groupId}/members` → `{members: [{id, role, mobileNumber, isProvisioned, name}]}`,
/// in the order they joined. Any member may read it.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
) -> ApiResult<Json<Value>> {
    caller.need("groupmember.read")?;
    let gid = p.group_id;
    let w = state.world();
    let (g, _) = caller.reach(&w, &gid)?;
    let members: Vec<Value> = g
        .members
        .iter()
        .map(|(user_id, role)| {
            let u = w.users().get(user_id);
            json!({
                "id": user_id,
                "role": role.as_str(),
                "mobileNumber": u.map(|u| u.mobile.clone()).unwrap_or_default(),
                "isProvisioned": u.is_some_and(|u| u.provisioned),
                "name": u.map(|u| u.name.clone()).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({ "members": members })))
}

/// `DELETE /groups/{groupId}/members/{memberId}` → `{result: true}`.
///
/// `memberId` is the member's user id or its E.164 number. Admins only; 404 when not a member.
/// The group's last admin cannot be removed (400): a group is never left without an admin.
/// Emits MemberRemoved.
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<MemberPath>,
) -> ApiResult<Json<Value>> {
    caller.need("groupmember.remove")?;
    let gid = p.group_id;
    let member = p.member_id;
    let events = {
        let mut w = state.world();
        let g = caller.admin_of(&w, &gid)?;
        let uid = if w.users().contains_key(&member) {
            Some(member.clone())
        } else {
            w.user_id_by_mobile(&member)
        };
        let Some((uid, role)) = uid.and_then(|u| g.role_of(&u).map(|r| (u, r))) else {
            return Err(ApiError::not_found(format!(
                "{member} is not a member of this group"
            )));
        };
        let admins = g.members.values().filter(|r| **r == Role::Admin).count();
        if role == Role::Admin && admins <= 1 {
            return Err(ApiError::invalid(
                "memberId",
                "the group's last admin cannot be removed",
            ));
        }
        let data = member_event(&w, &uid, role);
        if let Some(g) = w.groups.get_mut_inner(&gid) {
            g.members.remove(&uid);
        }
        emit(
            &mut w,
            Target::group(&gid),
            "MemberRemoved",
            data,
            &caller.user_id,
        )
    };
    if events > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({ "result": true })))
}

/// `POST /groups/{groupId}/bot` {botUserId} → `{result: true}`: the organisation's bot joins the
/// group as a Member (already there: accepted). Admins only; 404 for an unknown bot. Emits MemberAdded.
async fn add_bot(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("groupmember.write")?;
    let gid = p.group_id;
    {
        let w = state.world();
        caller.admin_of(&w, &gid)?;
    }
    let bot = req_str(&body, &["botUserId"], "botUserId")?;
    let events = {
        let mut w = state.world();
        caller.admin_of(&w, &gid)?;
        if !w
            .users()
            .get(&bot)
            .is_some_and(|u| u.org_role == OrgRole::Bot)
        {
            return Err(ApiError {
                field: Some("botUserId".into()),
                ..ApiError::not_found(format!("no bot {bot}"))
            });
        }
        join(&mut w, &gid, &bot, &caller.user_id)
    };
    if events > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({ "result": true })))
}
