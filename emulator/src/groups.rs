//! Groups and sub-groups (docs/platform.md#groups, #sub-groups): creating and listing groups, the
//! `Group` object, and the group hierarchy.

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::events::{emit, Target};
use crate::hierarchy::{self, View};
use crate::input::{
    one_of, opt_array, opt_bool, opt_str, phones, query_flag, req_str, JsonBody, QueryMap,
};
use crate::paths::{GroupPath, Params, SubGroupPath};
use crate::shared::AppState;
use crate::state::{Group, OrgRole, Role};
use crate::world::World;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", post(create).get(list))
        .route("/groups/{groupId}", get(get_one))
        .route(
            "/groups/{groupId}/subGroups",
            post(create_sub_group)
                .put(add_sub_groups)
                .get(list_sub_groups),
        )
        .route(
            "/groups/{groupId}/subGroups/{subGroupId}",
            delete(remove_sub_group),
        )
}

/// The `Group` object of docs/platform.md#the-group-object. Without `detail`, the short form
/// `GET /groups` answers by default: groupId, groupName, groupImageUrl, groupType, callerRole,
/// hasSubGroups, hasParentGroups. With it, every field of the `GET /groups` sample (choice G4).
///
/// `callerRole` is the caller's role as `Caller::role_in` resolves it (an admin of an ancestor, an
/// organisation admin or a group token counts as "Admin"). A group the caller does not itself reach
/// but sees through the hierarchy (a member of a parent reading its sub-groups) shows "Member": a
/// read view, never admin rights.
pub fn group_json(view: &mut View<'_>, g: &Group, detail: bool) -> Value {
    let w = view.w;
    let role = view.role(g).unwrap_or(Role::Member);
    let sub_count = g
        .sub_groups
        .iter()
        .filter(|s| w.groups.contains_key(*s))
        .count();
    let parent_count = g
        .parents
        .iter()
        .filter(|p| w.groups.contains_key(*p))
        .count();
    let mut out = Map::new();
    out.insert("groupId".into(), json!(g.id));
    out.insert("groupName".into(), json!(g.name));
    out.insert("groupImageUrl".into(), json!(g.image_url));
    out.insert("hasSubGroups".into(), json!(sub_count > 0));
    out.insert("hasParentGroups".into(), json!(parent_count > 0));
    if detail {
        out.insert("isMappedToTenant".into(), json!(g.mapped_to_tenant));
    }
    out.insert("groupType".into(), json!(g.group_type));
    if detail {
        let counts = w
            .groups
            .get_key_value(&g.id)
            .map(|(id, _)| view.user_count(id))
            .unwrap_or_default();
        let unprovisioned_here = g
            .members
            .keys()
            .filter(|u| w.users().get(*u).is_some_and(|u| !u.provisioned))
            .count();
        out.insert("userCount".into(), json!(counts.users));
        out.insert("uniqueUserCount".into(), json!(counts.users));
        out.insert("currentLevelUserCount".into(), json!(g.members.len()));
        out.insert(
            "currentLevelUnProvisionedUserCount".into(),
            json!(unprovisioned_here),
        );
        out.insert("unProvisionedUserCount".into(), json!(counts.unprovisioned));
    }
    out.insert("callerRole".into(), json!(role.as_str()));
    if detail {
        out.insert("currentLevelSubGroupCount".into(), json!(sub_count));
        out.insert("currentLevelParentGroupCount".into(), json!(parent_count));
        out.insert("isDuplicate".into(), json!(false));
        out.insert("isEditable".into(), json!(role == Role::Admin));
        out.insert("isDetailsReadable".into(), json!(true));
        out.insert("welcomeMessage".into(), json!(g.welcome_message));
    }
    Value::Object(out)
}

/// Groups in a stable order: oldest first, then by name.
pub(crate) fn sorted(mut groups: Vec<&Group>) -> Vec<&Group> {
    groups.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.name.cmp(&b.name))
    });
    groups
}

/// The welcome message: required (the spec has no `?` on it) but it may be empty.
fn welcome(body: &Value) -> ApiResult<String> {
    opt_str(body, &["welcomeMessage"], "welcomeMessage")?
        .ok_or_else(|| ApiError::missing("welcomeMessage"))
}

/// The most numbers a group or sub-group is created with (the swagger's description of both calls).
pub const MAX_CREATION_MEMBERS: usize = 100;

/// `members` of a group or sub-group creation: E.164 numbers, at most `MAX_CREATION_MEMBERS`.
fn creation_members(body: &Value) -> ApiResult<Vec<String>> {
    let members = phones(body, &["members"], "members", false)?;
    if members.len() > MAX_CREATION_MEMBERS {
        return Err(ApiError::invalid(
            "members",
            format!(
                "lists {} numbers; a group is created with at most {MAX_CREATION_MEMBERS} (add more with PUT …/members)",
                members.len()
            ),
        ));
    }
    Ok(members)
}

/// Adds `mobiles` as plain members (unknown numbers become unprovisioned organisation users);
/// returns whether every one is a member afterwards.
fn add_plain_members(w: &mut World, group_id: &str, mobiles: &[String]) -> bool {
    let mut all = true;
    for m in mobiles {
        let uid = w.ensure_user(m, OrgRole::User);
        match w.groups.get_mut_inner(group_id) {
            Some(g) => {
                if g.role_of(&uid).is_none() {
                    g.members.insert(uid, Role::Member);
                }
            }
            None => all = false,
        }
    }
    all
}

fn new_group(
    w: &mut World,
    name: String,
    image_url: String,
    welcome_message: String,
    group_type: &str,
    mapped: bool,
) -> String {
    let id = crate::state::new_id();
    let created_at = w.instant();
    w.groups.insert(
        id.clone(),
        Group {
            id: id.clone(),
            name,
            image_url,
            welcome_message,
            group_type: group_type.to_string(),
            mapped_to_tenant: mapped,
            members: Default::default(),
            subscribers: Default::default(),
            sub_groups: Vec::new(),
            parents: Vec::new(),
            created_at,
        },
    );
    id
}

/// `POST /groups` {name, welcomeMessage, members?, groupType?} → `{groupName, groupId, membersAdded}`.
///
/// The caller becomes the group's admin. `membersAdded` is true when every listed number is a member
/// afterwards (choice A1 of docs/platform.md; the caller's own number counts as added). The group is an organisation group
/// (`isMappedToTenant`) when its creator is one of the organisation's own users (not an outside
/// number). A group token acts inside its one group only, so it may not create groups (403).
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("groupinfo.write")?;
    if caller.group_limit.is_some() {
        return Err(ApiError::forbidden(
            "a group token acts in its own group only and may not create groups",
        ));
    }
    let name = req_str(&body, &["name"], "name")?;
    let welcome_message = welcome(&body)?;
    let members = creation_members(&body)?;
    let group_type = match opt_str(&body, &["groupType"], "groupType")? {
        None => "Group",
        Some(t) => one_of(&t, &["Group", "ConnectGroup"]).ok_or_else(|| {
            ApiError::invalid("groupType", "must be \"Group\" or \"ConnectGroup\"")
        })?,
    }
    .to_string();
    let out = {
        let mut w = state.world();
        let creator = w
            .users()
            .get(&caller.user_id)
            .ok_or_else(ApiError::invalid_token)?;
        let mapped = creator.org_role != OrgRole::External;
        let caller_mobile = creator.mobile.clone();
        let id = new_group(
            &mut w,
            name.clone(),
            String::new(),
            welcome_message,
            &group_type,
            mapped,
        );
        if let Some(g) = w.groups.get_mut(&id) {
            g.members.insert(caller.user_id.clone(), Role::Admin);
        }
        let others: Vec<String> = members
            .into_iter()
            .filter(|m| *m != caller_mobile)
            .collect();
        let all_added = add_plain_members(&mut w, &id, &others);
        json!({"groupName": name, "groupId": id, "membersAdded": all_added})
    };
    Ok(Json(out))
}

/// `GET /groups?showDetail&fetchAllGroups` → `{groups: [Group]}`.
///
/// The groups the caller is a member of; with `fetchAllGroups`, every group the caller reaches
/// (sub-groups it administers through a parent, and every organisation group for an organisation
/// admin). A group token lists its one group.
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("groupinfo.read")?;
    let detail = query_flag(&q, "showDetail")?;
    let all = query_flag(&q, "fetchAllGroups")?;
    let w = state.world();
    let mut view = View::new(&w, &caller);
    let picked: Vec<&Group> = match &caller.group_limit {
        Some(gid) => w.groups.get(gid).into_iter().collect(),
        None => w
            .groups
            .values()
            .filter(|g| {
                if all {
                    view.role(g).is_some()
                } else {
                    g.role_of(&caller.user_id).is_some()
                }
            })
            .collect(),
    };
    let groups: Vec<Value> = sorted(picked)
        .into_iter()
        .map(|g| group_json(&mut view, g, detail))
        .collect();
    Ok(Json(json!({ "groups": groups })))
}

/// `GET /groups/{groupId}` → `{groups: [Group]}` with the one group, every field.
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
) -> ApiResult<Json<Value>> {
    caller.need("groupinfo.read")?;
    let gid = p.group_id;
    let w = state.world();
    let (g, _) = caller.reach(&w, &gid)?;
    let mut view = View::new(&w, &caller);
    Ok(Json(json!({ "groups": [group_json(&mut view, g, true)] })))
}

/// `POST /groups/{groupId}/subGroups` {groupName, groupImageUrl?, members?, welcomeMessage,
/// addUserToGroup?} → `{groupId, groupName}`. `name` stands for `groupName` when that is absent (the
/// swagger's and the exported scripts' body; choice G3); their `groupType` is ignored.
///
/// Admins of the parent only. With `addUserToGroup` (default true) the caller joins the new group as
/// its admin; without, it still administers it through the parent. The sub-group is an organisation
/// group when its parent is. Emits GroupAdded on the parent.
async fn create_sub_group(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("groupinfo.write")?;
    let parent = p.group_id;
    {
        let w = state.world();
        caller.admin_of(&w, &parent)?;
        hierarchy::check_depth(hierarchy::depth(&w, &parent) + 1, "groupId")?;
    }
    // `name` is how the swagger and the exported scripts spell it (choice G3).
    let name = req_str(&body, &["groupName", "name"], "groupName")?;
    let image =
        opt_str(&body, &["groupImageUrl", "groupImageURL"], "groupImageUrl")?.unwrap_or_default();
    let welcome_message = welcome(&body)?;
    let members = creation_members(&body)?;
    let add_caller = opt_bool(&body, &["addUserToGroup"], "addUserToGroup")?.unwrap_or(true);
    let (out, events) = {
        let mut w = state.world();
        let mapped = caller.admin_of(&w, &parent)?.mapped_to_tenant;
        hierarchy::check_depth(hierarchy::depth(&w, &parent) + 1, "groupId")?;
        let caller_mobile = w.user_mobile(&caller.user_id);
        let id = new_group(
            &mut w,
            name.clone(),
            image,
            welcome_message,
            "Group",
            mapped,
        );
        if let Some(g) = w.groups.get_mut(&id) {
            g.parents.push(parent.clone());
            if add_caller {
                g.members.insert(caller.user_id.clone(), Role::Admin);
            }
        }
        if let Some(pg) = w.groups.get_mut(&parent) {
            pg.sub_groups.push(id.clone());
        }
        let others: Vec<String> = if add_caller {
            members
                .into_iter()
                .filter(|m| *m != caller_mobile)
                .collect()
        } else {
            members
        };
        add_plain_members(&mut w, &id, &others);
        let data = json!({"groupId": id, "groupName": name});
        let n = emit(
            &mut w,
            Target::group(&parent),
            "GroupAdded",
            data,
            &caller.user_id,
        );
        (json!({"groupId": id, "groupName": name}), n)
    };
    if events > 0 {
        state.wake_webhooks();
    }
    Ok(Json(out))
}

/// `PUT /groups/{groupId}/subGroups` {subGroups: [groupId]} → `{result: true}`.
///
/// Makes existing groups sub-groups of this one. The caller must administer this group and each
/// listed group. A group cannot be its own sub-group, nor take one of its ancestors (a cycle): 400
/// naming `subGroups[i]`. Already a sub-group: accepted, nothing changes. Emits GroupAdded on this
/// group for each newly added one.
async fn add_sub_groups(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("groupinfo.update")?;
    let parent = p.group_id;
    {
        let w = state.world();
        caller.admin_of(&w, &parent)?;
    }
    let list = opt_array(&body, &["subGroups"], "subGroups")?
        .ok_or_else(|| ApiError::missing("subGroups"))?;
    if list.is_empty() {
        return Err(ApiError::invalid(
            "subGroups",
            "must list at least one group id",
        ));
    }
    let mut ids: Vec<(usize, String)> = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let Value::String(s) = item else {
            return Err(ApiError::invalid(
                format!("subGroups[{i}]"),
                "must be a group id string",
            ));
        };
        if !ids.iter().any(|(_, x)| x == s) {
            ids.push((i, s.clone()));
        }
    }
    let events = {
        let mut w = state.world();
        for (i, sid) in &ids {
            let at = format!("subGroups[{i}]");
            if !w.groups.contains_key(sid) {
                return Err(ApiError {
                    field: Some(at),
                    ..ApiError::not_found(format!("no group {sid}"))
                });
            }
            if *sid == parent {
                return Err(ApiError::invalid(at, "a group cannot be its own sub-group"));
            }
            if hierarchy::is_at_or_above(&w, sid, &parent) {
                return Err(ApiError::invalid(
                    at,
                    "that group is above this one in the hierarchy: adding it would make a cycle",
                ));
            }
            // Every new link starts at `parent`, so each one is checked on its own.
            hierarchy::check_depth(
                hierarchy::depth(&w, &parent) + hierarchy::height(&w, sid),
                &at,
            )?;
            caller.admin_of(&w, sid).map_err(|e| ApiError {
                field: Some(at.clone()),
                ..e
            })?;
        }
        let mut events = 0;
        for (_, sid) in &ids {
            let already = w
                .groups
                .get(&parent)
                .is_some_and(|g| g.sub_groups.contains(sid));
            if already {
                continue;
            }
            if let Some(pg) = w.groups.get_mut(&parent) {
                pg.sub_groups.push(sid.clone());
            }
            let mut name = String::new();
            if let Some(sg) = w.groups.get_mut(sid) {
                if !sg.parents.contains(&parent) {
                    sg.parents.push(parent.clone());
                }
                name = sg.name.clone();
            }
            let data = json!({"groupId": sid, "groupName": name});
            events += emit(
                &mut w,
                Target::group(&parent),
                "GroupAdded",
                data,
                &caller.user_id,
            );
        }
        events
    };
    if events > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({ "result": true })))
}

/// One group being listed with its sub-groups: its own fields, the sub-groups still to list, and
/// those already listed.
struct Frame<'w> {
    id: &'w str,
    value: Value,
    subs: std::vec::IntoIter<&'w Group>,
    done: Vec<Value>,
}

/// A group with its direct sub-groups under `subGroups`; with `deep`, each nested the same way down
/// to `MAX_DEPTH` levels. Built with a stack of its own (never recursion); a group is not listed
/// below itself; more than `MAX_LISTED` entries is a 400.
fn with_sub_groups<'w>(view: &mut View<'w>, g: &'w Group, deep: bool) -> ApiResult<Value> {
    let w = view.w;
    let mut listed = 1usize;
    let mut open = |view: &mut View<'w>,
                    g: &'w Group,
                    path: &[Frame<'w>]|
     -> ApiResult<Frame<'w>> {
        let subs: Vec<&Group> = g
            .sub_groups
            .iter()
            .filter(|s| **s != g.id && !path.iter().any(|f| f.id == s.as_str()))
            .filter_map(|s| w.groups.get(s))
            .collect();
        let subs = sorted(subs);
        listed = listed.saturating_add(subs.len());
        if listed > hierarchy::MAX_LISTED {
            return Err(ApiError::bad_request(format!(
                "this hierarchy lists more than {} groups in one answer; read it level by level (without fetchAllGroups)",
                hierarchy::MAX_LISTED
            )));
        }
        Ok(Frame {
            id: g.id.as_str(),
            value: group_json(view, g, true),
            subs: subs.into_iter(),
            done: Vec::new(),
        })
    };
    let mut stack: Vec<Frame<'w>> = Vec::new();
    let root = open(view, g, &stack)?;
    stack.push(root);
    loop {
        let level = stack.len();
        let Some(top) = stack.last_mut() else {
            return Err(ApiError::with_status(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            ));
        };
        match top.subs.next() {
            Some(sub) if deep && level + 1 < hierarchy::MAX_DEPTH => {
                let frame = open(view, sub, &stack)?;
                stack.push(frame);
            }
            Some(sub) if deep => {
                // The last level: listed, not opened (a hierarchy saved before the limit existed
                // may go deeper).
                let mut v = group_json(view, sub, true);
                v["subGroups"] = json!([]);
                top.done.push(v);
            }
            Some(sub) => {
                let v = group_json(view, sub, true);
                top.done.push(v);
            }
            None => {
                let Some(mut frame) = stack.pop() else {
                    continue;
                };
                frame.value["subGroups"] = Value::Array(frame.done);
                match stack.last_mut() {
                    Some(parent) => parent.done.push(frame.value),
                    None => return Ok(frame.value),
                }
            }
        }
    }
}

/// `GET /groups/{groupId}/subGroups?fetchAllGroups` → `{groups: [group]}`, the connector page's
/// shape (choice G2): the group (every field) with `subGroups: [Group]`, the direct sub-groups, or
/// with `fetchAllGroups` the whole hierarchy, each sub-group carrying its own `subGroups`.
async fn list_sub_groups(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    caller.need("groupinfo.read")?;
    let gid = p.group_id;
    let deep = query_flag(&q, "fetchAllGroups")?;
    let w = state.world();
    let (g, _) = caller.reach(&w, &gid)?;
    let mut view = View::new(&w, &caller);
    let tree = with_sub_groups(&mut view, g, deep)?;
    Ok(Json(json!({ "groups": [tree] })))
}

/// `DELETE /groups/{groupId}/subGroups/{subGroupId}` → `{result: true}`: the sub-group becomes a
/// group of its own again (nothing is deleted). 404 when it is not a sub-group of this group.
/// Emits GroupRemoved on this group.
async fn remove_sub_group(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<SubGroupPath>,
) -> ApiResult<Json<Value>> {
    caller.need("groupinfo.remove")?;
    let parent = p.group_id;
    let sid = p.sub_group_id;
    let events = {
        let mut w = state.world();
        let pg = caller.admin_of(&w, &parent)?;
        if !pg.sub_groups.contains(&sid) {
            return Err(ApiError::not_found(format!(
                "{sid} is not a sub-group of {parent}"
            )));
        }
        if let Some(pg) = w.groups.get_mut(&parent) {
            pg.sub_groups.retain(|s| *s != sid);
        }
        let mut name = String::new();
        if let Some(sg) = w.groups.get_mut(&sid) {
            sg.parents.retain(|x| *x != parent);
            name = sg.name.clone();
        }
        let data = json!({"groupId": sid, "groupName": name});
        emit(
            &mut w,
            Target::group(&parent),
            "GroupRemoved",
            data,
            &caller.user_id,
        )
    };
    if events > 0 {
        state.wake_webhooks();
    }
    Ok(Json(json!({ "result": true })))
}
