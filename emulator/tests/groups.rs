//! Groups, sub-groups, members, subscribers and messages over real HTTP against the demo tenant.
mod common;

use common::*;
use serde_json::{json, Value};

/// Every field of the `GET /groups` sample of the connector page, plus `welcomeMessage` (choice G4).
const GROUP_KEYS: [&str; 19] = [
    "callerRole",
    "currentLevelParentGroupCount",
    "currentLevelSubGroupCount",
    "currentLevelUnProvisionedUserCount",
    "currentLevelUserCount",
    "groupId",
    "groupImageUrl",
    "groupName",
    "groupType",
    "hasParentGroups",
    "hasSubGroups",
    "isDetailsReadable",
    "isDuplicate",
    "isEditable",
    "isMappedToTenant",
    "unProvisionedUserCount",
    "uniqueUserCount",
    "userCount",
    "welcomeMessage",
];

const SHORT_KEYS: [&str; 7] = [
    "callerRole",
    "groupId",
    "groupImageUrl",
    "groupName",
    "groupType",
    "hasParentGroups",
    "hasSubGroups",
];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

fn names(groups: &Value) -> Vec<String> {
    let mut n: Vec<String> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["groupName"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

fn field_of(resp: &(u16, Value)) -> &str {
    resp.1["field"].as_str().unwrap_or_default()
}

/// A call with a raw (possibly malformed) text body.
async fn send_text(emu: &Emu, s: &Session, method: &str, path: &str, body: &str) -> (u16, Value) {
    let url = format!("{}v1/{}", s.endpoint, path);
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let resp = emu
        .http
        .request(m, url)
        .header("accessToken", &s.token)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A group token for `group_id`, granted by its first admin, as an access token.
async fn group_session(emu: &Emu, group_id: &str) -> Session {
    let (st, b) = emu
        .raw(
            "POST",
            "/_emulator/grant",
            Some(json!({"applicationId": emu.app_id(), "groupId": group_id})),
        )
        .await;
    assert_eq!(st, 200, "grant: {b}");
    emu.mint(
        &emu.app_id(),
        &emu.app_secret(),
        b["refreshToken"].as_str().unwrap(),
    )
    .await
}

async fn read_only(emu: &Emu, mobile: &str) -> Session {
    let c = emu.seed["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Read-only connector")
        .expect("read-only connector in the seed")
        .clone();
    emu.login_with(
        mobile,
        c["applicationId"].as_str().unwrap(),
        c["applicationSecret"].as_str().unwrap(),
    )
    .await
}

async fn get_group(emu: &Emu, s: &Session, id: &str) -> Value {
    let r = emu.call(s, "GET", &format!("groups/{id}"), None).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let groups = r.1["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    groups[0].clone()
}

async fn members_of(emu: &Emu, s: &Session, id: &str) -> Vec<Value> {
    let r = emu
        .call(s, "GET", &format!("groups/{id}/members"), None)
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    r.1["members"].as_array().unwrap().clone()
}

#[tokio::test]
async fn create_group_answers_documented_fields() {
    let emu = emu().await;
    let s = emu.login(MEMBER).await;
    let r = emu
        .call(
            &s,
            "POST",
            "groups",
            Some(
                json!({"name": "Van pool", "welcomeMessage": "Rides to the depot",
                        "members": ["+911099999991", MEMBER, "+911000000011"]}),
            ),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(keys(&r.1), ["groupId", "groupName", "membersAdded"]);
    assert_eq!(r.1["groupName"], "Van pool");
    // A boolean, as documented: every listed number is in the group (the caller's own included).
    assert_eq!(r.1["membersAdded"], true);
    let id = r.1["groupId"].as_str().unwrap().to_string();

    let g = get_group(&emu, &s, &id).await;
    assert_eq!(keys(&g), GROUP_KEYS);
    assert_eq!(g["groupId"], id.as_str());
    assert_eq!(g["groupName"], "Van pool");
    assert_eq!(g["groupImageUrl"], "");
    assert_eq!(g["groupType"], "Group");
    assert_eq!(g["callerRole"], "Admin");
    assert_eq!(g["isMappedToTenant"], true);
    assert_eq!(g["hasSubGroups"], false);
    assert_eq!(g["hasParentGroups"], false);
    assert_eq!(g["userCount"], 3);
    assert_eq!(g["currentLevelUserCount"], 3);
    assert_eq!(g["currentLevelSubGroupCount"], 0);
    assert_eq!(g["welcomeMessage"], "Rides to the depot");
    // The sample's other counts and flags: one of the three has never used Kaizala.
    assert_eq!(g["uniqueUserCount"], 3);
    assert_eq!(g["currentLevelUnProvisionedUserCount"], 1);
    assert_eq!(g["unProvisionedUserCount"], 1);
    assert_eq!(g["currentLevelParentGroupCount"], 0);
    assert_eq!(g["isDuplicate"], false);
    assert_eq!(g["isEditable"], true);
    assert_eq!(g["isDetailsReadable"], true);

    let members = members_of(&emu, &s, &id).await;
    let me = members
        .iter()
        .find(|m| m["mobileNumber"] == MEMBER)
        .unwrap();
    assert_eq!(me["role"], "Admin");
    let fresh = members
        .iter()
        .find(|m| m["mobileNumber"] == "+911099999991")
        .unwrap();
    assert_eq!(fresh["role"], "Member");
    assert_eq!(fresh["isProvisioned"], false);

    // A public group.
    let r = emu
        .call(
            &s,
            "POST",
            "groups",
            Some(
                json!({"name": "Bulletin", "welcomeMessage": "News", "groupType": "ConnectGroup"}),
            ),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["membersAdded"], true);
    let g = get_group(&emu, &s, r.1["groupId"].as_str().unwrap()).await;
    assert_eq!(g["groupType"], "ConnectGroup");
}

#[tokio::test]
async fn create_group_refusals() {
    let emu = emu().await;
    let s = emu.login(MEMBER).await;
    let r = send_text(&emu, &s, "POST", "groups", "{\"name\": ").await;
    assert_error(&r, 400);
    let r = emu
        .call(&s, "POST", "groups", Some(json!({"welcomeMessage": "hi"})))
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "name");
    let r = emu
        .call(&s, "POST", "groups", Some(json!({"name": "x"})))
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "welcomeMessage");
    let r = emu
        .call(
            &s,
            "POST",
            "groups",
            Some(json!({"name": "x", "welcomeMessage": "", "members": ["+911099999991", "01099999999"]})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "members[1]");
    let r = emu
        .call(
            &s,
            "POST",
            "groups",
            Some(json!({"name": "x", "welcomeMessage": "", "groupType": "Public"})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "groupType");

    // A group token acts in its own group only.
    let gs = group_session(&emu, &emu.group("Contoso Relief")).await;
    let r = emu
        .call(
            &gs,
            "POST",
            "groups",
            Some(json!({"name": "x", "welcomeMessage": ""})),
        )
        .await;
    assert_error(&r, 403);

    // The read-only connector may not write.
    let ro = read_only(&emu, MEMBER).await;
    let r = emu
        .call(
            &ro,
            "POST",
            "groups",
            Some(json!({"name": "x", "welcomeMessage": ""})),
        )
        .await;
    assert_error(&r, 403);
}

#[tokio::test]
async fn tokens_are_required() {
    let emu = emu().await;
    let s = emu.login(MEMBER).await;
    let url = format!("{}v1/groups", s.endpoint);
    let resp = emu.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert!(body["errorCode"].is_string());
    let bad = Session {
        token: "not-a-token".into(),
        endpoint: s.endpoint.clone(),
    };
    let gid = emu.group("Contoso Relief");
    for (m, p) in [
        ("GET", "groups".to_string()),
        ("GET", format!("groups/{gid}/members")),
        ("POST", format!("groups/{gid}/messages")),
        ("PUT", format!("groups/{gid}/subscribers/add")),
    ] {
        let r = emu.call(&bad, m, &p, Some(json!({}))).await;
        assert_error(&r, 401);
    }
}

#[tokio::test]
async fn list_groups_short_detailed_and_all() {
    let emu = emu().await;
    let s = emu.login(MEMBER).await;
    let r = emu.call(&s, "GET", "groups", None).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(keys(&r.1), ["groups"]);
    assert_eq!(
        names(&r.1["groups"]),
        [
            "Contoso Relief",
            "Contoso Updates",
            "North Field Team",
            "North Region"
        ]
    );
    for g in r.1["groups"].as_array().unwrap() {
        assert_eq!(keys(g), SHORT_KEYS);
    }
    let relief = r.1["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["groupName"] == "Contoso Relief")
        .unwrap();
    assert_eq!(relief["callerRole"], "Member");
    assert_eq!(relief["hasSubGroups"], true);
    assert_eq!(relief["hasParentGroups"], false);
    assert_eq!(relief["groupType"], "Group");

    let r = emu.call(&s, "GET", "groups?showDetail=true", None).await;
    assert_eq!(r.0, 200);
    for g in r.1["groups"].as_array().unwrap() {
        assert_eq!(keys(g), GROUP_KEYS);
    }

    // A member reaches no more with fetchAllGroups.
    let r = emu
        .call(&s, "GET", "groups?fetchAllGroups=true", None)
        .await;
    assert_eq!(names(&r.1["groups"]).len(), 4);

    // The admin of the root administers the South hierarchy through it.
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let r = emu.call(&bilal, "GET", "groups", None).await;
    assert_eq!(
        names(&r.1["groups"]),
        ["Contoso Relief", "North Field Team", "North Region"]
    );
    let r = emu
        .call(
            &bilal,
            "GET",
            "groups?fetchAllGroups=true&showDetail=true",
            None,
        )
        .await;
    assert_eq!(
        names(&r.1["groups"]),
        [
            "Contoso Relief",
            "North Field Team",
            "North Region",
            "South Field Team",
            "South Region"
        ]
    );
    for g in r.1["groups"].as_array().unwrap() {
        assert_eq!(g["callerRole"], "Admin", "{g}");
        assert_eq!(keys(g), GROUP_KEYS);
    }

    // The organisation admin reaches every organisation group.
    let asha = emu.login(ORG_ADMIN).await;
    let r = emu
        .call(&asha, "GET", "groups?fetchAllGroups=true", None)
        .await;
    assert_eq!(names(&r.1["groups"]).len(), 6);

    let r = emu.call(&s, "GET", "groups?showDetail=maybe", None).await;
    assert_error(&r, 400);
}

#[tokio::test]
async fn group_token_sees_its_group_only() {
    let emu = emu().await;
    let root = emu.group("Contoso Relief");
    let gs = group_session(&emu, &root).await;
    let r = emu
        .call(&gs, "GET", "groups?fetchAllGroups=true", None)
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(names(&r.1["groups"]), ["Contoso Relief"]);
    assert_eq!(r.1["groups"][0]["callerRole"], "Admin");
    let g = get_group(&emu, &gs, &root).await;
    assert_eq!(g["groupId"], root.as_str());

    let north = emu.group("North Region");
    let r = emu.call(&gs, "GET", &format!("groups/{north}"), None).await;
    assert_error(&r, 403);
    let r = emu
        .call(
            &gs,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({"members": ["+911099999992"]})),
        )
        .await;
    assert_error(&r, 403);
    let r = emu
        .call(
            &gs,
            "POST",
            &format!("groups/{north}/messages"),
            Some(json!({"message": "hi"})),
        )
        .await;
    assert_error(&r, 403);
    // Inside its group, it is an admin.
    let r = emu
        .call(
            &gs,
            "PUT",
            &format!("groups/{root}/members"),
            Some(json!({"members": ["+911099999992"]})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
}

#[tokio::test]
async fn unknown_group_is_404() {
    let emu = emu().await;
    let s = emu.login(ORG_ADMIN).await;
    let x = "00000000-0000-0000-0000-000000000000";
    for (m, p, b) in [
        ("GET", format!("groups/{x}"), None),
        ("GET", format!("groups/{x}/members"), None),
        (
            "PUT",
            format!("groups/{x}/members"),
            Some(json!({"members": ["+911099999993"]})),
        ),
        ("GET", format!("groups/{x}/subGroups"), None),
        (
            "POST",
            format!("groups/{x}/messages"),
            Some(json!({"message": "hi"})),
        ),
        ("POST", format!("groups/{x}/subscribers"), Some(json!({}))),
        ("DELETE", format!("groups/{x}/members/{MEMBER}"), None),
    ] {
        let r = emu.call(&s, m, &p, b).await;
        assert_error(&r, 404);
    }
}

#[tokio::test]
async fn hierarchy_user_count() {
    let emu = emu().await;
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let root = emu.group("Contoso Relief");
    let north = emu.group("North Region");
    let nft = emu.group("North Field Team");

    let g = get_group(&emu, &bilal, &root).await;
    assert_eq!(g["userCount"], 15);
    assert_eq!(g["currentLevelUserCount"], 15);
    assert_eq!(g["currentLevelSubGroupCount"], 2);
    let g = get_group(&emu, &bilal, &north).await;
    assert_eq!(g["userCount"], 7);
    assert_eq!(g["currentLevelUserCount"], 7);
    assert_eq!(g["hasParentGroups"], true);
    assert_eq!(g["hasSubGroups"], true);

    // Someone new two levels down counts in every group above.
    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{nft}/subGroups"),
            Some(json!({"groupName": "Night shift", "welcomeMessage": "", "members": ["+911099999994"]})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let g = get_group(&emu, &bilal, &north).await;
    assert_eq!(g["userCount"], 8);
    assert_eq!(g["currentLevelUserCount"], 7);
    let g = get_group(&emu, &bilal, &root).await;
    assert_eq!(g["userCount"], 16);
    assert_eq!(g["currentLevelUserCount"], 15);
}

#[tokio::test]
async fn sub_groups_create_list_and_nest() {
    let emu = emu().await;
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let root = emu.group("Contoso Relief");
    let north = emu.group("North Region");

    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/subGroups"),
            Some(
                json!({"groupName": "Drivers", "groupImageURL": "https://example.org/van.png",
                        "welcomeMessage": "Drive safe", "members": ["+911000000013"]}),
            ),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(keys(&r.1), ["groupId", "groupName"]);
    assert_eq!(r.1["groupName"], "Drivers");
    let drivers = r.1["groupId"].as_str().unwrap().to_string();
    let g = get_group(&emu, &bilal, &drivers).await;
    assert_eq!(g["groupImageUrl"], "https://example.org/van.png");
    assert_eq!(g["hasParentGroups"], true);
    assert_eq!(g["isMappedToTenant"], true);
    assert_eq!(g["callerRole"], "Admin");
    assert_eq!(g["currentLevelUserCount"], 2);
    let ms = members_of(&emu, &bilal, &drivers).await;
    let me = ms
        .iter()
        .find(|m| m["mobileNumber"] == GROUP_ADMIN_NORTH)
        .unwrap();
    assert_eq!(me["role"], "Admin");

    // Without addUserToGroup the caller stays out, yet administers it through the parent.
    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/subGroups"),
            Some(
                json!({"groupName": "Mechanics", "welcomeMessage": "", "addUserToGroup": false,
                        "members": ["+911000000014"]}),
            ),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let mech = r.1["groupId"].as_str().unwrap().to_string();
    let ms = members_of(&emu, &bilal, &mech).await;
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0]["mobileNumber"], "+911000000014");
    assert_eq!(get_group(&emu, &bilal, &mech).await["callerRole"], "Admin");

    // Direct sub-groups.
    let r = emu
        .call(&bilal, "GET", &format!("groups/{north}/subGroups"), None)
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    // Wrapped in `groups`, as the connector page shows it (choice G2).
    assert_eq!(keys(&r.1), ["groups"]);
    assert_eq!(r.1["groups"].as_array().unwrap().len(), 1);
    let top = &r.1["groups"][0];
    let mut k = GROUP_KEYS.to_vec();
    k.push("subGroups");
    k.sort();
    assert_eq!(keys(top), k);
    assert_eq!(top["groupId"], north.as_str());
    assert_eq!(top["currentLevelSubGroupCount"], 3);
    assert_eq!(
        names(&top["subGroups"]),
        ["Drivers", "Mechanics", "North Field Team"]
    );
    for sg in top["subGroups"].as_array().unwrap() {
        assert_eq!(keys(sg), GROUP_KEYS, "direct listing does not nest");
    }

    // The whole hierarchy.
    let r = emu
        .call(
            &bilal,
            "GET",
            &format!("groups/{root}/subGroups?fetchAllGroups=true"),
            None,
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let top = &r.1["groups"][0];
    assert_eq!(names(&top["subGroups"]), ["North Region", "South Region"]);
    let n = top["subGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["groupName"] == "North Region")
        .unwrap();
    assert_eq!(
        names(&n["subGroups"]),
        ["Drivers", "Mechanics", "North Field Team"]
    );
    let nft = n["subGroups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["groupName"] == "North Field Team")
        .unwrap();
    assert_eq!(nft["subGroups"], json!([]));

    // A member may read the hierarchy but not add to it.
    let m = emu.login(MEMBER).await;
    let r = emu
        .call(&m, "GET", &format!("groups/{north}/subGroups"), None)
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = emu
        .call(
            &m,
            "POST",
            &format!("groups/{north}/subGroups"),
            Some(json!({"groupName": "Mine", "welcomeMessage": ""})),
        )
        .await;
    assert_error(&r, 403);
    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/subGroups"),
            Some(json!({"welcomeMessage": ""})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "groupName");
}

#[tokio::test]
async fn sub_groups_attach_detach_and_refuse_cycles() {
    let emu = emu().await;
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let root = emu.group("Contoso Relief");
    let north = emu.group("North Region");
    let nft = emu.group("North Field Team");

    let mut made = Vec::new();
    for name in ["Kitchen", "Laundry"] {
        let r = emu
            .call(
                &bilal,
                "POST",
                "groups",
                Some(json!({"name": name, "welcomeMessage": ""})),
            )
            .await;
        assert_eq!(r.0, 200, "{}", r.1);
        made.push(r.1["groupId"].as_str().unwrap().to_string());
    }
    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{nft}/subGroups"),
            Some(json!({"subGroups": made})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, json!({"result": true}));
    let g = get_group(&emu, &bilal, &made[0]).await;
    assert_eq!(g["hasParentGroups"], true);
    let g = get_group(&emu, &bilal, &nft).await;
    assert_eq!(g["currentLevelSubGroupCount"], 2);
    // Adding again changes nothing.
    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{nft}/subGroups"),
            Some(json!({"subGroups": [made[0]]})),
        )
        .await;
    assert_eq!(r.0, 200);
    assert_eq!(
        get_group(&emu, &bilal, &nft).await["currentLevelSubGroupCount"],
        2
    );

    // Cycles: an ancestor under its descendant, or a group under itself.
    for (target, sub) in [(&nft, &root), (&made[0], &north), (&made[0], &made[0])] {
        let r = emu
            .call(
                &bilal,
                "PUT",
                &format!("groups/{target}/subGroups"),
                Some(json!({"subGroups": [sub]})),
            )
            .await;
        assert_error(&r, 400);
        assert_eq!(field_of(&r), "subGroups[0]");
    }
    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{nft}/subGroups"),
            Some(json!({"subGroups": ["00000000-0000-0000-0000-000000000000"]})),
        )
        .await;
    assert_error(&r, 404);
    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{nft}/subGroups"),
            Some(json!({})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "subGroups");
    // A group the caller does not administer.
    let public = emu.group("Contoso Updates");
    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{nft}/subGroups"),
            Some(json!({"subGroups": [public]})),
        )
        .await;
    assert_error(&r, 403);

    // Detach.
    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{nft}/subGroups/{}", made[1]),
            None,
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, json!({"result": true}));
    assert_eq!(
        get_group(&emu, &bilal, &made[1]).await["hasParentGroups"],
        false
    );
    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{nft}/subGroups/{}", made[1]),
            None,
        )
        .await;
    assert_error(&r, 404);
    let m = emu.login(MEMBER).await;
    let r = emu
        .call(
            &m,
            "DELETE",
            &format!("groups/{nft}/subGroups/{}", made[0]),
            None,
        )
        .await;
    assert_error(&r, 403);
}

#[tokio::test]
async fn members_add_list_remove() {
    let emu = emu().await;
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let north = emu.group("North Region");

    let ms = members_of(&emu, &bilal, &north).await;
    assert_eq!(ms.len(), 7);
    for m in &ms {
        assert_eq!(
            keys(m),
            ["id", "isProvisioned", "mobileNumber", "name", "role"]
        );
    }
    let admin = ms
        .iter()
        .find(|m| m["mobileNumber"] == GROUP_ADMIN_NORTH)
        .unwrap();
    assert_eq!(admin["role"], "Admin");
    assert_eq!(admin["name"], "Bilal Khan");
    assert_eq!(admin["isProvisioned"], true);

    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({"members": ["+911099999995", MEMBER, "+911000000020"]})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, json!({"result": true}));
    let ms = members_of(&emu, &bilal, &north).await;
    assert_eq!(ms.len(), 9);
    let fresh = ms
        .iter()
        .find(|m| m["mobileNumber"] == "+911099999995")
        .unwrap();
    assert_eq!(fresh["role"], "Member");
    assert_eq!(fresh["isProvisioned"], false);

    // Any member may read; only admins add or remove.
    let m = emu.login(MEMBER).await;
    assert_eq!(members_of(&emu, &m, &north).await.len(), 9);
    let r = emu
        .call(
            &m,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({"members": ["+911099999996"]})),
        )
        .await;
    assert_error(&r, 403);
    let r = emu
        .call(
            &m,
            "DELETE",
            &format!("groups/{north}/members/+911000000011"),
            None,
        )
        .await;
    assert_error(&r, 403);
    // Not a member at all.
    let south = emu.group("South Region");
    let r = emu
        .call(&m, "GET", &format!("groups/{south}/members"), None)
        .await;
    assert_error(&r, 403);

    // Refusals of the body.
    let r = send_text(
        &emu,
        &bilal,
        "PUT",
        &format!("groups/{north}/members"),
        "{members: [}",
    )
    .await;
    assert_error(&r, 400);
    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "members");
    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({"members": ["+911099999997", "+91 1099999998"]})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "members[1]");

    // Remove by number, then by id.
    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{north}/members/+911099999995"),
            None,
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, json!({"result": true}));
    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{north}/members/+911099999995"),
            None,
        )
        .await;
    assert_error(&r, 404);
    let id = ms
        .iter()
        .find(|m| m["mobileNumber"] == "+911000000020")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{north}/members/{id}"),
            None,
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(members_of(&emu, &bilal, &north).await.len(), 7);
    // The last admin stays.
    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{north}/members/{GROUP_ADMIN_NORTH}"),
            None,
        )
        .await;
    assert_error(&r, 400);

    // The read-only connector reads but may not write.
    let ro = read_only(&emu, GROUP_ADMIN_NORTH).await;
    assert_eq!(members_of(&emu, &ro, &north).await.len(), 7);
    let r = emu
        .call(
            &ro,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({"members": ["+911099999996"]})),
        )
        .await;
    assert_error(&r, 403);
    let r = emu
        .call(
            &ro,
            "DELETE",
            &format!("groups/{north}/members/{MEMBER}"),
            None,
        )
        .await;
    assert_error(&r, 403);
}

#[tokio::test]
async fn bot_joins_a_group() {
    let emu = emu().await;
    let asha = emu.login(ORG_ADMIN).await;
    let r = emu
        .call(&asha, "POST", "bot", Some(json!({"name": "Depot bot"})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let bot = r.1["botUserId"].as_str().unwrap().to_string();
    let north = emu.group("North Region");
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/bot"),
            Some(json!({"botUserId": bot})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1, json!({"result": true}));
    let ms = members_of(&emu, &bilal, &north).await;
    let b = ms
        .iter()
        .find(|m| m["id"] == bot.as_str())
        .expect("bot listed");
    assert_eq!(b["role"], "Member");
    assert_eq!(b["name"], "Depot bot");

    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/bot"),
            Some(json!({"botUserId": "nobody"})),
        )
        .await;
    assert_error(&r, 404);
    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/bot"),
            Some(json!({})),
        )
        .await;
    assert_error(&r, 400);
    let m = emu.login(MEMBER).await;
    let r = emu
        .call(
            &m,
            "POST",
            &format!("groups/{north}/bot"),
            Some(json!({"botUserId": bot})),
        )
        .await;
    assert_error(&r, 403);
}

#[tokio::test]
async fn subscribers_page_through_all() {
    let emu = emu().await;
    let chen = emu.login(GROUP_ADMIN_SOUTH).await;
    let public = emu.group("Contoso Updates");
    let path = format!("groups/{public}/subscribers");

    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let body = match &cursor {
            Some(c) => json!({"cursor": c, "count": 50}),
            None => json!({}),
        };
        let r = emu.call(&chen, "POST", &path, Some(body)).await;
        assert_eq!(r.0, 200, "{}", r.1);
        pages += 1;
        let subs = r.1["subscribers"].as_array().unwrap();
        assert!(subs.len() <= 50);
        for s in subs {
            assert_eq!(
                keys(s),
                ["id", "isProvisioned", "mobileNumber", "name", "profilePic"]
            );
            seen.push(s["mobileNumber"].as_str().unwrap().to_string());
        }
        match r.1.get("cursor") {
            Some(c) => {
                assert_eq!(keys(&r.1), ["cursor", "subscribers"]);
                cursor = Some(c.as_str().unwrap().to_string());
            }
            None => {
                assert_eq!(keys(&r.1), ["subscribers"]);
                assert_eq!(subs.len(), 20);
                break;
            }
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 120);
    let mut uniq = seen.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 120);
    assert_eq!(seen[0], "+919100000001");
    assert_eq!(seen[119], "+919100000120");

    // The first 60 are provisioned.
    let r = emu
        .call(&chen, "POST", &path, Some(json!({"count": 2})))
        .await;
    assert_eq!(r.1["subscribers"].as_array().unwrap().len(), 2);
    assert_eq!(r.1["subscribers"][0]["isProvisioned"], true);
    assert_eq!(r.1["subscribers"][0]["name"], "Subscriber 001");
    assert!(r.1["cursor"].is_string());

    // Over 50 is taken as 50, and so is 0 (choice R6: "not given") or "2" read as its number;
    // less than 0 is refused; so is a made-up cursor.
    let r = emu
        .call(&chen, "POST", &path, Some(json!({"count": 500})))
        .await;
    assert_eq!(r.1["subscribers"].as_array().unwrap().len(), 50);
    let r = emu
        .call(&chen, "POST", &path, Some(json!({"count": 0})))
        .await;
    assert_eq!(r.1["subscribers"].as_array().unwrap().len(), 50);
    let r = emu
        .call(&chen, "POST", &path, Some(json!({"Count": "2"})))
        .await;
    assert_eq!(r.1["subscribers"].as_array().unwrap().len(), 2);
    for count in [-1, -5] {
        let r = emu
            .call(&chen, "POST", &path, Some(json!({"count": count})))
            .await;
        assert_error(&r, 400);
        assert_eq!(field_of(&r), "count");
    }
    let r = emu
        .call(
            &chen,
            "POST",
            &path,
            Some(json!({"cursor": "not-a-cursor!"})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "cursor");

    // Reports are for admins; subscribers exist in public groups only.
    let m = emu.login(MEMBER).await;
    let r = emu.call(&m, "POST", &path, Some(json!({}))).await;
    assert_error(&r, 403);
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let root = emu.group("Contoso Relief");
    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{root}/subscribers"),
            Some(json!({})),
        )
        .await;
    assert_error(&r, 400);
}

#[tokio::test]
async fn subscribers_add_and_remove() {
    let emu = emu().await;
    let chen = emu.login(GROUP_ADMIN_SOUTH).await;
    let public = emu.group("Contoso Updates");
    let add = format!("groups/{public}/subscribers/add");
    let remove = format!("groups/{public}/subscribers/remove");

    let r = emu
        .call(
            &chen,
            "PUT",
            &add,
            Some(json!({"subscribers": ["+919200000001", "+919100000001", "12345"]})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(keys(&r.1), ["result"]);
    assert_eq!(r.1["result"]["+919200000001"], json!({"isAdded": true}));
    assert_eq!(r.1["result"]["+919100000001"]["isAdded"], false);
    assert!(r.1["result"]["+919100000001"]["reason"].is_string());
    assert_eq!(r.1["result"]["12345"]["isAdded"], false);
    assert!(r.1["result"]["12345"]["reason"].is_string());

    let r = emu
        .call(
            &chen,
            "POST",
            &format!("groups/{public}/subscribers"),
            Some(json!({"cursor": "", "count": 50})),
        )
        .await;
    let next = r.1["cursor"].as_str().unwrap().to_string();
    let r = emu
        .call(
            &chen,
            "POST",
            &format!("groups/{public}/subscribers"),
            Some(json!({"cursor": next})),
        )
        .await;
    let next = r.1["cursor"].as_str().unwrap().to_string();
    let r = emu
        .call(
            &chen,
            "POST",
            &format!("groups/{public}/subscribers"),
            Some(json!({"cursor": next})),
        )
        .await;
    let last = r.1["subscribers"].as_array().unwrap();
    assert_eq!(last.len(), 21);
    assert_eq!(last[20]["mobileNumber"], "+919200000001");
    assert_eq!(last[20]["isProvisioned"], false);

    let r = emu
        .call(
            &chen,
            "PUT",
            &remove,
            Some(json!({"subscribers": ["+919200000001", "+919300000001", "x"]})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["result"]["+919200000001"], json!({"isRemoved": true}));
    assert_eq!(r.1["result"]["+919300000001"]["isRemoved"], false);
    assert!(r.1["result"]["+919300000001"]["reason"].is_string());
    assert_eq!(r.1["result"]["x"]["isRemoved"], false);

    // A body without the array; a member; a group that is not public.
    for p in [&add, &remove] {
        let r = emu.call(&chen, "PUT", p, Some(json!({}))).await;
        assert_error(&r, 400);
        assert_eq!(field_of(&r), "subscribers");
        let r = send_text(&emu, &chen, "PUT", p, "not json").await;
        assert_error(&r, 400);
    }
    let m = emu.login(MEMBER).await;
    let r = emu
        .call(
            &m,
            "PUT",
            &add,
            Some(json!({"subscribers": ["+919200000002"]})),
        )
        .await;
    assert_error(&r, 403);
    let south = emu.group("South Region");
    let r = emu
        .call(
            &chen,
            "PUT",
            &format!("groups/{south}/subscribers/add"),
            Some(json!({"subscribers": ["+919200000002"]})),
        )
        .await;
    assert_error(&r, 400);
    let ro = read_only(&emu, GROUP_ADMIN_SOUTH).await;
    let r = emu
        .call(
            &ro,
            "PUT",
            &add,
            Some(json!({"subscribers": ["+919200000002"]})),
        )
        .await;
    assert_error(&r, 403);
}

#[tokio::test]
async fn messages_post_and_list() {
    let emu = emu().await;
    let m = emu.login(MEMBER).await;
    let root = emu.group("Contoso Relief");
    let path = format!("groups/{root}/messages");

    let r = emu
        .call(&m, "POST", &path, Some(json!({"message": "On my way"})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(keys(&r.1), ["referenceId"]);
    let first = r.1["referenceId"].as_str().unwrap().to_string();
    // The alternative spelling.
    let r = emu
        .call(&m, "POST", &path, Some(json!({"Message": "Arrived"})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    // 4000 characters (8000 bytes) is the limit.
    let long: String = "é".repeat(4000);
    let r = emu
        .call(&m, "POST", &path, Some(json!({"message": long})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = emu
        .call(
            &m,
            "POST",
            &path,
            Some(json!({"message": "a".repeat(4001)})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "message");
    let r = emu
        .call(&m, "POST", &path, Some(json!({"text": "hi"})))
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "message");
    let r = send_text(&emu, &m, "POST", &path, "{\"message\": \"unterminated").await;
    assert_error(&r, 400);

    // Subscribers exist only in public groups.
    let r = emu
        .call(
            &m,
            "POST",
            &path,
            Some(json!({"message": "hi", "sendToAllSubscribers": true})),
        )
        .await;
    assert_error(&r, 400);

    // The listing (an emulator extension) shows them in order.
    let r = emu.call(&m, "GET", &path, None).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(keys(&r.1), ["hasMore", "messages"]);
    let msgs = r.1["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 6, "three seeded and three posted");
    assert_eq!(r.1["hasMore"], false);
    let mine = msgs
        .iter()
        .find(|x| x["referenceId"] == first.as_str())
        .unwrap();
    assert_eq!(
        keys(mine),
        ["referenceId", "sender", "senderName", "sentAt", "text"]
    );
    assert_eq!(mine["text"], "On my way");
    assert_eq!(mine["sender"], MEMBER);
    assert_eq!(mine["senderName"], "Deepa Nair");
    assert!(mine["sentAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(msgs[4]["text"], "Arrived");

    let r = emu.call(&m, "GET", &format!("{path}?count=2"), None).await;
    assert_eq!(r.1["messages"].as_array().unwrap().len(), 2);
    assert_eq!(r.1["hasMore"], true);
    let r = emu.call(&m, "GET", &format!("{path}?count=-1"), None).await;
    assert_error(&r, 400);
    // 0 is "not given" (choice R6), and the name is read in any case.
    let r = emu.call(&m, "GET", &format!("{path}?COUNT=0"), None).await;
    assert_eq!(r.1["messages"].as_array().unwrap().len(), 6, "{}", r.1);

    // Not a member of South Region; the read-only connector reads and also posts (its
    // textmessage.read is the text-message permission: choice S1); without it, neither.
    let south = emu.group("South Region");
    let r = emu
        .call(
            &m,
            "POST",
            &format!("groups/{south}/messages"),
            Some(json!({"message": "hi"})),
        )
        .await;
    assert_error(&r, 403);
    let ro = read_only(&emu, MEMBER).await;
    let r = emu.call(&ro, "GET", &path, None).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = emu
        .call(&ro, "POST", &path, Some(json!({"message": "hi"})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let (st, c) = emu
        .raw(
            "POST",
            "/_emulator/connectors",
            Some(json!({"name": "No messages", "scopes": ["groupinfo.read", "action.write"]})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let none = emu
        .login_with(
            MEMBER,
            c["applicationId"].as_str().unwrap(),
            c["applicationSecret"].as_str().unwrap(),
        )
        .await;
    for method in ["GET", "POST"] {
        let r = emu
            .call(&none, method, &path, Some(json!({"message": "hi"})))
            .await;
        assert_error(&r, 403);
    }
}

#[tokio::test]
async fn messages_to_subscribers() {
    let emu = emu().await;
    let public = emu.group("Contoso Updates");
    let path = format!("groups/{public}/messages");
    let chen = emu.login(GROUP_ADMIN_SOUTH).await;
    let m = emu.login(MEMBER).await;

    // A member of the public group may talk in it, but only its admin messages subscribers.
    let r = emu
        .call(&m, "POST", &path, Some(json!({"message": "hello"})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = emu
        .call(
            &m,
            "POST",
            &path,
            Some(json!({"message": "hi all", "sendToAllSubscribers": true})),
        )
        .await;
    assert_error(&r, 403);
    let r = emu
        .call(
            &chen,
            "POST",
            &path,
            Some(json!({"Message": "hi all", "sendToAllSubscribers": true})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert!(r.1["referenceId"].is_string());
    let r = emu
        .call(
            &chen,
            "POST",
            &path,
            Some(json!({"message": "hi you", "subscribers": ["+919100000005", "+919100000007"]})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = emu
        .call(
            &chen,
            "POST",
            &path,
            Some(json!({"message": "hi you", "subscribers": ["+919100000005", MEMBER, "+919999999999"]})),
        )
        .await;
    // Sent to the subscriber; the others are reported beside the referenceId (choice E2).
    assert_eq!(r.0, 200, "{}", r.1);
    assert!(r.1["referenceId"].is_string());
    let failed = r.1["failedResult"].as_array().unwrap();
    assert_eq!(failed.len(), 2, "{}", r.1);
    assert_eq!(failed[0]["subscriber"], MEMBER);
    assert!(failed[0]["subscriberId"].is_string());
    assert_eq!(failed[0]["errorCode"], "NotASubscriber");
    assert!(failed[0]["errorReason"]
        .as_str()
        .unwrap()
        .contains("not a subscriber"));
    assert_eq!(failed[1]["subscriber"], "+919999999999");
    assert_eq!(failed[1]["subscriberId"], Value::Null);
    // None of them a subscriber: refused.
    let r = emu
        .call(
            &chen,
            "POST",
            &path,
            Some(json!({"message": "hi you", "subscribers": [MEMBER]})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "subscribers[0]");
    // Every subscriber reached: no failedResult.
    let r = emu
        .call(
            &chen,
            "POST",
            &path,
            Some(json!({"message": "hi you", "subscribers": ["+919100000005"]})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert!(r.1.get("failedResult").is_none(), "{}", r.1);
    let r = emu
        .call(
            &chen,
            "POST",
            &path,
            Some(json!({"message": "hi you", "subscribers": ["+919100000005", "919100000007"]})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(field_of(&r), "subscribers[1]");
}

/// Polls the built-in inbox until `n` events arrived (or a few seconds passed).
async fn inbox(emu: &Emu, name: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let (_, b) = emu
            .raw("GET", &format!("/_emulator/inbox/{name}"), None)
            .await;
        let events = b["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= n {
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} events arrived at {name}");
}

#[tokio::test]
async fn events_for_members_messages_and_sub_groups() {
    let emu = emu().await;
    let bilal = emu.login(GROUP_ADMIN_NORTH).await;
    let north = emu.group("North Region");
    let r = emu
        .call(
            &bilal,
            "POST",
            "webhook",
            Some(json!({"objectId": north, "objectType": "Group",
                        "eventTypes": ["MemberAdded", "MemberRemoved", "TextMessageCreated",
                                       "GroupAdded", "GroupRemoved"],
                        "callBackUrl": format!("{}/_emulator/inbox/north", emu.url)})),
        )
        .await;
    assert_eq!(r.0, 200, "webhook registration: {}", r.1);

    let r = emu
        .call(
            &bilal,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({"members": ["+911099999990"]})),
        )
        .await;
    assert_eq!(r.0, 200);
    let events = inbox(&emu, "north", 1).await;
    let data = &events[0]["body"]["data"];
    assert_eq!(events[0]["body"]["eventType"], "MemberAdded");
    assert_eq!(data["member"], "+911099999990");
    assert_eq!(data["type"], "Member");
    assert!(data["memberName"].is_string());
    assert!(data["memberProfilePic"].is_string());

    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/messages"),
            Some(json!({"message": "ping"})),
        )
        .await;
    assert_eq!(r.0, 200);
    let events = inbox(&emu, "north", 2).await;
    let ev = events
        .iter()
        .find(|e| e["body"]["eventType"] == "TextMessageCreated")
        .unwrap();
    assert_eq!(ev["body"]["data"], json!({"text": "ping"}));

    let r = emu
        .call(
            &bilal,
            "POST",
            &format!("groups/{north}/subGroups"),
            Some(json!({"groupName": "Relay", "welcomeMessage": ""})),
        )
        .await;
    let sid = r.1["groupId"].as_str().unwrap().to_string();
    let events = inbox(&emu, "north", 3).await;
    let ev = events
        .iter()
        .find(|e| e["body"]["eventType"] == "GroupAdded")
        .unwrap();
    assert_eq!(
        ev["body"]["data"],
        json!({"groupId": sid, "groupName": "Relay"})
    );

    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{north}/subGroups/{sid}"),
            None,
        )
        .await;
    assert_eq!(r.0, 200);
    let r = emu
        .call(
            &bilal,
            "DELETE",
            &format!("groups/{north}/members/+911099999990"),
            None,
        )
        .await;
    assert_eq!(r.0, 200);
    let events = inbox(&emu, "north", 5).await;
    assert!(events
        .iter()
        .any(|e| e["body"]["eventType"] == "GroupRemoved"));
    let ev = events
        .iter()
        .find(|e| e["body"]["eventType"] == "MemberRemoved")
        .unwrap();
    assert_eq!(ev["body"]["data"]["member"], "+911099999990");
}
