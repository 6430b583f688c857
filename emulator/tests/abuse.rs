//! The emulator under unfriendly use: deep hierarchies, other groups' webhooks, foreign origins,
//! PIN guessing, growing logs and bodies, quotas, the clock, and slow webhook receivers.

mod common;

use common::*;
use kaizala_emulator::hierarchy::{MAX_DEPTH, MAX_LISTED};
use kaizala_emulator::state::{Group, Membership, Role};
use serde_json::{json, Value};

/// How many levels of `subGroups` a nested answer has (the group itself is level 1).
fn nesting(v: &Value) -> usize {
    let mut depth = 0;
    let mut level = vec![v];
    while !level.is_empty() {
        depth += 1;
        level = level
            .iter()
            .filter_map(|g| g["subGroups"].as_array())
            .flatten()
            .collect();
    }
    depth
}

async fn create_group(e: &Emu, s: &Session, name: &str) -> String {
    let (st, body) = e
        .call(
            s,
            "POST",
            "groups",
            Some(json!({"name": name, "welcomeMessage": ""})),
        )
        .await;
    assert_eq!(st, 200, "creating {name}: {body}");
    body["groupId"].as_str().unwrap().to_string()
}

async fn create_sub_group(e: &Emu, s: &Session, parent: &str, name: &str) -> (u16, Value) {
    e.call(
        s,
        "POST",
        &format!("groups/{parent}/subGroups"),
        Some(json!({"groupName": name, "welcomeMessage": ""})),
    )
    .await
}

#[tokio::test]
async fn a_chain_of_sub_groups_stops_at_the_depth_limit() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let top = create_group(&e, &s, "Level 1").await;
    let mut last = top.clone();
    let mut refused = None;
    // A plain member tries to build a chain 4,000 deep; the first level past the limit is refused.
    for level in 2..=4000usize {
        let (st, body) = create_sub_group(&e, &s, &last, &format!("Level {level}")).await;
        if st != 200 {
            assert_error(&(st, body.clone()), 400);
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&MAX_DEPTH.to_string()),
                "{body}"
            );
            refused = Some(level);
            break;
        }
        assert!(
            level <= MAX_DEPTH,
            "level {level} was accepted; the limit is {MAX_DEPTH}"
        );
        last = body["groupId"].as_str().unwrap().to_string();
    }
    assert_eq!(refused, Some(MAX_DEPTH + 1));

    // The whole legal chain reads back nested to the last level, with its head counts.
    let (st, tree) = e
        .call(
            &s,
            "GET",
            &format!("groups/{top}/subGroups?fetchAllGroups=true"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{tree}");
    assert_eq!(nesting(&tree), MAX_DEPTH);
    assert_eq!(tree["userCount"], 1);

    // Hanging the chain under another group would make it deeper than the limit: refused too.
    let other = create_group(&e, &s, "Above").await;
    let joined = e
        .call(
            &s,
            "PUT",
            &format!("groups/{other}/subGroups"),
            Some(json!({ "subGroups": [top] })),
        )
        .await;
    assert_error(&joined, 400);
    assert_eq!(joined.1["error"]["field"], "subGroups[0]");
    // One level less fits.
    let (st, second) = e
        .call(&s, "GET", &format!("groups/{top}/subGroups"), None)
        .await;
    assert_eq!(st, 200);
    let below_top = second["subGroups"][0]["groupId"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, body) = e
        .call(
            &s,
            "PUT",
            &format!("groups/{other}/subGroups"),
            Some(json!({ "subGroups": [below_top] })),
        )
        .await;
    assert_eq!(st, 200, "{body}");
}

/// Adds a chain of `len` groups below `parent` straight into the world, as a state file written
/// before the depth limit existed could hold. Returns the chain's ids, top first.
fn legacy_chain(e: &Emu, parent: &str, len: usize, member: &str) -> Vec<String> {
    let mut w = e.running.state.world();
    let uid = w.user_id_by_mobile(member).unwrap();
    let mut ids = Vec::with_capacity(len);
    let mut above = parent.to_string();
    for i in 0..len {
        let id = format!("legacy-{i}");
        let created_at = w.instant();
        w.groups.insert(
            id.clone(),
            Group {
                id: id.clone(),
                name: format!("Legacy {i}"),
                image_url: String::new(),
                welcome_message: String::new(),
                group_type: "Group".into(),
                mapped_to_tenant: true,
                members: vec![Membership {
                    user_id: uid.clone(),
                    role: Role::Member,
                }],
                subscribers: Vec::new(),
                sub_groups: Vec::new(),
                parents: vec![above.clone()],
                created_at,
            },
        );
        if let Some(g) = w.groups.get_mut(&above) {
            g.sub_groups.push(id.clone());
        }
        ids.push(id.clone());
        above = id;
    }
    ids
}

#[tokio::test]
async fn a_chain_saved_before_the_limit_is_walked_without_recursion() {
    let e = emu().await;
    let root = e.group("Contoso Relief");
    let chain = legacy_chain(&e, &root, 4000, MEMBER);
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let org = e.login(ORG_ADMIN).await;

    // The nested listing stops at the limit instead of following 4,000 levels.
    let (st, tree) = e
        .call(
            &admin,
            "GET",
            &format!("groups/{root}/subGroups?fetchAllGroups=true"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{tree}");
    assert_eq!(nesting(&tree), MAX_DEPTH);
    let (st, top) = e
        .call(&admin, "GET", &format!("groups/{}", chain[0]), None)
        .await;
    assert_eq!(st, 200, "{top}");
    assert_eq!(
        top["groups"][0]["callerRole"], "Admin",
        "admin through the root"
    );

    // Every group the organisation admin reaches, with head counts, in one answer.
    let (st, all) = e
        .call(
            &org,
            "GET",
            "groups?fetchAllGroups=true&showDetail=true",
            None,
        )
        .await;
    assert_eq!(st, 200);
    assert!(all["groups"].as_array().unwrap().len() > 4000);

    // The bottom of the chain: its admin is found 4,000 levels up; a reaction looks up and down.
    let bottom = chain.last().unwrap();
    let (st, body) = e
        .call(
            &admin,
            "PUT",
            &format!("groups/{bottom}/members"),
            Some(json!({"members": [MEMBER_SOUTH]})),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let (st, body) = e
        .call(
            &admin,
            "POST",
            &format!("groups/{bottom}/messages"),
            Some(json!({"message": "from the bottom"})),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let reference = body["referenceId"].as_str().unwrap().to_string();
    let (st, body) = e
        .call(
            &admin,
            "POST",
            &format!("groups/{root}/reaction"),
            Some(
                json!({"referenceId": reference, "sourceGroupId": bottom, "reactionType": "Like"}),
            ),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    // A deeper link is still refused.
    assert_error(&create_sub_group(&e, &admin, bottom, "Deeper").await, 400);
}

#[tokio::test]
async fn shared_sub_groups_cannot_make_an_answer_explode() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    // A lattice 20 levels deep, two groups a level, each level a sub-group of both above it: legal
    // depth, but 2^20 ways down.
    let top = create_group(&e, &s, "Lattice").await;
    let mut level = vec![top.clone()];
    for i in 0..20 {
        let a = create_group(&e, &s, &format!("L{i}a")).await;
        let b = create_group(&e, &s, &format!("L{i}b")).await;
        for parent in &level {
            let (st, body) = e
                .call(
                    &s,
                    "PUT",
                    &format!("groups/{parent}/subGroups"),
                    Some(json!({ "subGroups": [a, b] })),
                )
                .await;
            assert_eq!(st, 200, "{body}");
        }
        level = vec![a, b];
    }
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        e.call(
            &s,
            "GET",
            &format!("groups/{top}/subGroups?fetchAllGroups=true"),
            None,
        ),
    )
    .await
    .expect("the answer comes without walking every path");
    assert_error(&answer, 400);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&MAX_LISTED.to_string()),
        "{}",
        answer.1
    );
    // One level at a time still works.
    let (st, body) = e
        .call(&s, "GET", &format!("groups/{top}/subGroups"), None)
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["subGroups"].as_array().unwrap().len(), 2);
}

// ---- webhooks ----------------------------------------------------------------------------------

fn inbox_url(e: &Emu, name: &str) -> String {
    format!("{}/_emulator/inbox/{name}", e.url)
}

async fn register_on(e: &Emu, s: &Session, group: &str, inbox: &str, token: &str) -> String {
    let (st, body) = e
        .call(
            s,
            "POST",
            "webhook",
            Some(json!({
                "objectId": group, "objectType": "Group",
                "eventTypes": ["TextMessageCreated"],
                "callBackUrl": inbox_url(e, inbox),
                "callBackToken": token,
            })),
        )
        .await;
    assert_eq!(st, 200, "registering: {body}");
    body["webhookId"].as_str().unwrap().to_string()
}

async fn group_token(e: &Emu, group: &str) -> Session {
    let (st, grant) = e
        .raw(
            "POST",
            "/_emulator/grant",
            Some(json!({"applicationId": e.app_id(), "groupId": group})),
        )
        .await;
    assert_eq!(st, 200, "{grant}");
    e.mint(
        &e.app_id(),
        &e.app_secret(),
        grant["refreshToken"].as_str().unwrap(),
    )
    .await
}

async fn listed(e: &Emu, s: &Session) -> Vec<Value> {
    let (st, body) = e.call(s, "GET", "webhook", None).await;
    assert_eq!(st, 200, "{body}");
    body["webhooks"].as_array().unwrap().clone()
}

#[tokio::test]
async fn webhooks_of_another_group_cannot_be_seen_changed_or_removed() {
    let e = emu().await;
    let south = e.group("South Region");
    let north = e.group("North Region");
    let chen = e.login(GROUP_ADMIN_SOUTH).await;
    let hook = register_on(&e, &chen, &south, "south", "south-secret").await;

    let north_member = e.login(MEMBER).await;
    let north_token = group_token(&e, &north).await;
    for (who, s) in [
        ("a North member", &north_member),
        ("a North group token", &north_token),
    ] {
        let seen = listed(&e, s).await;
        assert!(
            seen.iter().all(|h| h["id"] != hook.as_str()),
            "{who} lists South's webhook: {seen:?}"
        );
        assert!(
            !serde_json::to_string(&seen)
                .unwrap()
                .contains("south-secret"),
            "{who} sees South's callbackToken"
        );
        let (st, body) = e
            .call(
                s,
                "GET",
                &format!("webhook?objectId={south}&objectType=Group"),
                None,
            )
            .await;
        assert_eq!(st, 200);
        assert_eq!(body["webhooks"], json!([]), "{who}");
        let update = e
            .call(
                s,
                "PUT",
                &format!("webhook/{hook}"),
                Some(json!({"callBackUrl": inbox_url(&e, "stolen")})),
            )
            .await;
        assert_error(&update, 404);
        assert_error(
            &e.call(s, "DELETE", &format!("webhook/{hook}"), None).await,
            404,
        );
    }

    // South's events still go to South's receiver only.
    let (st, _) = e
        .call(
            &chen,
            "POST",
            &format!("groups/{south}/messages"),
            Some(json!({"message": "for South"})),
        )
        .await;
    assert_eq!(st, 200);
    let mut got = Value::Null;
    for _ in 0..200 {
        got = e.raw("GET", "/_emulator/inbox/south", None).await.1;
        if !got["events"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(
        got["events"][0]["headers"]["kz-callback-token"],
        "south-secret"
    );
    let stolen = e.raw("GET", "/_emulator/inbox/stolen", None).await.1;
    assert_eq!(stolen["events"], json!([]));

    // A plain member of South sees the webhook but not its secret, and cannot change it.
    let south_member = e.login(MEMBER_SOUTH).await;
    let seen = listed(&e, &south_member).await;
    let mine = seen
        .iter()
        .find(|h| h["id"] == hook.as_str())
        .expect("listed");
    assert!(mine.get("callbackToken").is_none(), "{mine}");
    assert_error(
        &e.call(
            &south_member,
            "PUT",
            &format!("webhook/{hook}"),
            Some(json!({"Active": false})),
        )
        .await,
        403,
    );
    assert_error(
        &e.call(&south_member, "DELETE", &format!("webhook/{hook}"), None)
            .await,
        403,
    );

    // The one who registered it (and the organisation admin) still manage it.
    let seen = listed(&e, &chen).await;
    let mine = seen
        .iter()
        .find(|h| h["id"] == hook.as_str())
        .expect("listed");
    assert_eq!(mine["callbackToken"], "south-secret");
    let org = e.login(ORG_ADMIN).await;
    let (st, body) = e
        .call(
            &org,
            "PUT",
            &format!("webhook/{hook}"),
            Some(json!({"Active": false})),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let (st, _) = e
        .call(&chen, "DELETE", &format!("webhook/{hook}"), None)
        .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn action_package_webhooks_belong_to_who_registered_them() {
    let e = emu().await;
    let chen = e.login(GROUP_ADMIN_SOUTH).await;
    let (st, body) = e
        .call(
            &chen,
            "POST",
            "webhook",
            Some(json!({
                "objectId": "com.contoso.package", "objectType": "ActionPackage",
                "eventTypes": ["ActionResponse"],
                "callBackUrl": inbox_url(&e, "pkg"),
                "callBackToken": "pkg-secret",
            })),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let hook = body["webhookId"].as_str().unwrap().to_string();
    let other = e.login(MEMBER).await;
    assert!(listed(&e, &other).await.is_empty());
    assert_error(
        &e.call(&other, "DELETE", &format!("webhook/{hook}"), None)
            .await,
        404,
    );
    assert_eq!(listed(&e, &chen).await[0]["callbackToken"], "pkg-secret");
}
