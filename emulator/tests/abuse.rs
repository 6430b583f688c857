//! The emulator under unfriendly use: deep hierarchies, other groups' webhooks, foreign origins,
//! PIN guessing, growing logs and bodies, quotas, the clock, and slow webhook receivers.

mod common;

use common::*;
use kaizala_emulator::hierarchy::{MAX_DEPTH, MAX_LISTED};
use kaizala_emulator::state::{Group, Role};
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
                body["message"]
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
    assert_eq!(nesting(&tree["groups"][0]), MAX_DEPTH);
    assert_eq!(tree["groups"][0]["userCount"], 1);

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
    assert_eq!(joined.1["field"], "subGroups[0]");
    // One level less fits.
    let (st, second) = e
        .call(&s, "GET", &format!("groups/{top}/subGroups"), None)
        .await;
    assert_eq!(st, 200);
    let below_top = second["groups"][0]["subGroups"][0]["groupId"]
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
                members: [(uid.clone(), Role::Member)].into_iter().collect(),
                subscribers: Default::default(),
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
    assert_eq!(nesting(&tree["groups"][0]), MAX_DEPTH);
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
        answer.1["message"]
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
    assert_eq!(body["groups"][0]["subGroups"].as_array().unwrap().len(), 2);
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
    for _ in 0..800 {
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

// ---- origins -----------------------------------------------------------------------------------

/// (status, Access-Control-Allow-Origin) of a call from `origin`.
async fn from_origin(
    e: &Emu,
    method: reqwest::Method,
    url: &str,
    origin: &str,
    token: Option<&str>,
) -> (u16, Option<String>) {
    let mut req = e.http.request(method.clone(), url).header("Origin", origin);
    if method == reqwest::Method::OPTIONS {
        req = req
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "accesstoken,content-type");
    }
    if let Some(t) = token {
        req = req.header("accessToken", t);
    }
    if method == reqwest::Method::POST {
        req = req.json(&json!({"path": "/v1/groups", "status": 503}));
    }
    let r = req.send().await.unwrap();
    let acao = r
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), acao)
}

#[tokio::test]
async fn a_foreign_origin_gets_no_grant_and_cannot_drive_the_emulator() {
    use reqwest::Method;
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let groups = format!("{}v1/groups", s.endpoint);
    let seed = format!("{}/_emulator/seed", e.url);
    let faults = format!("{}/_emulator/faults", e.url);
    let evil = "https://evil.example";

    for url in [&groups, &seed, &faults] {
        let (_, acao) = from_origin(&e, Method::OPTIONS, url, evil, None).await;
        assert_eq!(acao, None, "preflight of {url} from {evil}");
    }
    let (st, acao) = from_origin(&e, Method::GET, &seed, evil, None).await;
    assert_eq!((st, acao), (403, None), "the seed, read from {evil}");
    let (st, acao) = from_origin(&e, Method::GET, &groups, evil, Some(&s.token)).await;
    assert_eq!((st, acao), (403, None), "a platform call from {evil}");
    let (st, acao) = from_origin(&e, Method::POST, &faults, evil, None).await;
    assert_eq!((st, acao), (403, None), "planning a fault from {evil}");
    let (_, planned) = e.raw("GET", "/_emulator/faults", None).await;
    assert_eq!(planned["faults"], json!([]), "no fault was planned");

    // Loopback pages (a dev server, wasm-pack's test server, the emulator's own pages) may call.
    for origin in [
        "http://localhost:5173",
        "http://127.0.0.1:41234",
        "http://[::1]:8000",
        e.url.as_str(),
    ] {
        let (st, acao) = from_origin(&e, Method::GET, &groups, origin, Some(&s.token)).await;
        assert_eq!((st, acao.as_deref()), (200, Some(origin)), "{origin}");
        let (_, acao) = from_origin(&e, Method::OPTIONS, &seed, origin, None).await;
        assert_eq!(acao.as_deref(), Some(origin), "preflight from {origin}");
    }
    // No Origin at all (a server, a script): goes on.
    assert_eq!(e.raw("GET", "/_emulator/seed", None).await.0, 200);

    // --allow-origin names others, or `*` all.
    let listed = emu_with(kaizala_emulator::Config {
        allow_origins: vec!["https://app.example".into()],
        ..test_config()
    })
    .await;
    let seed2 = format!("{}/_emulator/seed", listed.url);
    let (st, acao) = from_origin(&listed, Method::GET, &seed2, "https://app.example", None).await;
    assert_eq!((st, acao.as_deref()), (200, Some("https://app.example")));
    let (st, acao) = from_origin(&listed, Method::GET, &seed2, evil, None).await;
    assert_eq!((st, acao), (403, None));
    let any = emu_with(kaizala_emulator::Config {
        allow_origins: vec!["*".into()],
        ..test_config()
    })
    .await;
    let seed3 = format!("{}/_emulator/seed", any.url);
    let (st, acao) = from_origin(&any, Method::GET, &seed3, evil, None).await;
    assert_eq!((st, acao.as_deref()), (200, Some(evil)));
}

// ---- PINs --------------------------------------------------------------------------------------

async fn last_pin(e: &Emu, mobile: &str) -> i64 {
    let (_, sms) = e
        .raw(
            "GET",
            &format!("/_emulator/sms?mobileNumber={}", mobile.replace('+', "%2B")),
            None,
        )
        .await;
    sms["messages"][0]["pin"].as_i64().expect("a PIN was sent")
}

async fn generate_pin(e: &Emu, mobile: &str) -> (u16, Value) {
    e.raw(
        "POST",
        "/v1/generatePin",
        Some(json!({"mobileNumber": mobile, "applicationId": e.app_id()})),
    )
    .await
}

async fn login_pin(e: &Emu, mobile: &str, pin: i64) -> (u16, Value) {
    e.raw(
        "POST",
        "/v1/loginWithPinAndApplicationId",
        Some(json!({"mobileNumber": mobile, "applicationId": e.app_id(), "pin": pin})),
    )
    .await
}

/// A PIN that is not `pin`, different for each `i`.
fn wrong(pin: i64, i: i64) -> i64 {
    let guess = 1000 + (pin - 1000 + 1 + i).rem_euclid(9000);
    assert_ne!(guess, pin);
    guess
}

#[tokio::test]
async fn pins_cannot_be_guessed() {
    let e = emu().await;
    let target = ORG_ADMIN;
    // Three wrong tries void the PIN: the right one no longer works.
    assert_eq!(generate_pin(&e, target).await.0, 200);
    let pin = last_pin(&e, target).await;
    for i in 0..3 {
        assert_error(&login_pin(&e, target, wrong(pin, i)).await, 401);
    }
    assert_error(&login_pin(&e, target, pin).await, 401);

    // A guesser who asks for a new PIN after each three misses runs out of PINs for the hour.
    let mut issued = 1;
    let mut guesses = 3;
    let mut refused = None;
    for _ in 0..100 {
        let (st, body) = generate_pin(&e, target).await;
        if st == 429 {
            refused = Some(body);
            break;
        }
        assert_eq!(st, 200, "{body}");
        issued += 1;
        let pin = last_pin(&e, target).await;
        for i in 0..3 {
            assert_error(&login_pin(&e, target, wrong(pin, i)).await, 401);
            guesses += 1;
        }
    }
    let refused = refused.expect("PINs stop being issued");
    assert_eq!(refused["errorCode"], "TooManyRequests");
    assert_eq!(issued, 5);
    assert_eq!(guesses, 15);

    // Signing in with a PIN frees its place: a number that signs in is never held back.
    for _ in 0..8 {
        assert_eq!(generate_pin(&e, MEMBER).await.0, 200);
        let pin = last_pin(&e, MEMBER).await;
        assert_eq!(login_pin(&e, MEMBER, pin).await.0, 200);
    }
}

#[tokio::test]
async fn pins_cannot_be_guessed_through_the_sign_in_page() {
    let e = emu().await;
    let app = e.app_id();
    let post = |fields: Vec<(&'static str, String)>| {
        let mut f = vec![
            ("client_id", app.clone()),
            ("redirect_uri", "http://127.0.0.1:9/cb".to_string()),
            ("mobileNumber", ORG_ADMIN.to_string()),
        ];
        f.extend(fields);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(f)
            .finish();
        let req = e
            .http
            .post(format!("{}/api/Oauth/Authorize", e.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let mut issued = 0;
    let mut signed_in = false;
    for _ in 0..100 {
        let (st, page) = post(vec![("step", "mobile".into())]).await;
        if st == 429 {
            assert!(page.contains("try again in"), "{page}");
            break;
        }
        assert_eq!(st, 200);
        issued += 1;
        let pin = last_pin(&e, ORG_ADMIN).await;
        for i in 0..3 {
            let (st, _) = post(vec![
                ("step", "pin".into()),
                ("pin", wrong(pin, i).to_string()),
            ])
            .await;
            signed_in |= st == 302;
        }
        // The right PIN after three wrong ones: voided.
        let (st, page) = post(vec![("step", "pin".into()), ("pin", pin.to_string())]).await;
        assert_ne!(st, 302, "signed in with a voided PIN");
        assert!(page.contains("no longer works"), "{page}");
    }
    assert!(!signed_in);
    assert_eq!(issued, 5, "PINs a number is sent in an hour");
}

// ---- memory ------------------------------------------------------------------------------------

async fn hammer(url: &str, paths: Vec<String>) {
    use futures_util::StreamExt;
    let http = reqwest::Client::new();
    futures_util::stream::iter(paths)
        .map(|p| {
            let http = http.clone();
            let u = format!("{url}{p}");
            async move {
                let r = http.get(u).send().await.unwrap();
                let _ = r.bytes().await;
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
}

#[tokio::test]
async fn the_request_log_is_a_bounded_ring_of_clipped_paths() {
    let e = emu().await;
    let long = format!("/v1/{}", "x".repeat(8000));
    let n = kaizala_emulator::shared::LOG_CAPACITY + 50;
    hammer(&e.url, vec![long.clone(); n]).await;
    let (st, log) = e.raw("GET", "/_emulator/requests", None).await;
    assert_eq!(st, 200);
    let calls = log["requests"].as_array().unwrap();
    assert_eq!(calls.len(), kaizala_emulator::shared::LOG_CAPACITY);
    assert_eq!(
        calls.last().unwrap()["seq"],
        n as u64,
        "the newest are kept"
    );
    for c in calls {
        let path = c["path"].as_str().unwrap();
        assert!(
            path.chars().count() <= kaizala_emulator::shared::LOG_PATH_CHARS + 1,
            "{}",
            path.len()
        );
    }

    // Without the dev API (the log's only reader) nothing is kept at all.
    let off = emu_with(kaizala_emulator::Config {
        dev_api: false,
        ..test_config()
    })
    .await;
    hammer(&off.url, vec![long; 200]).await;
    assert_eq!(off.running.state.log.lock().unwrap().len(), 0);
}

#[tokio::test]
async fn bodies_past_the_limit_are_413() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let big = json!({"name": "x".repeat(2 * 1024 * 1024), "welcomeMessage": ""});
    let r = e.call(&s, "POST", "groups", Some(big)).await;
    assert_error(&r, 413);
    // The webhook inbox keeps events up to 64 KiB.
    let r = e
        .raw(
            "POST",
            "/_emulator/inbox/big",
            Some(json!({"data": "y".repeat(100 * 1024)})),
        )
        .await;
    assert_error(&r, 413);
}

/// Serves `GET /?validationToken=…` with a body of `total` bytes (not the token), counting what
/// the reader actually pulled.
async fn flooding_callback(
    total: usize,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let counter = counter.clone();
            async move {
                let chunk = bytes::Bytes::from(vec![b'a'; 64 * 1024]);
                let stream = futures_util::stream::iter(0..total / chunk.len()).map(move |_| {
                    counter.fetch_add(chunk.len(), Ordering::Relaxed);
                    Ok::<_, std::io::Error>(chunk.clone())
                });
                axum::body::Body::from_stream(stream)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, sent)
}

#[tokio::test]
async fn a_validation_answer_is_read_up_to_a_kilobyte() {
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let total = 256 * 1024 * 1024;
    let (url, sent) = flooding_callback(total).await;
    let (st, body) = e
        .call(
            &s,
            "POST",
            "webhook",
            Some(json!({
                "objectId": e.group("North Region"), "objectType": "Group",
                "eventTypes": ["TextMessageCreated"], "callBackUrl": url,
            })),
        )
        .await;
    assert_error(&(st, body.clone()), 400);
    assert!(
        body["message"].as_str().unwrap().contains("1024 bytes"),
        "{body}"
    );
    let pulled = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        pulled < total / 4,
        "the emulator read on: {pulled} of {total} bytes were pulled"
    );
}

#[tokio::test]
async fn the_media_store_has_a_quota() {
    let e = emu_with(kaizala_emulator::Config {
        media_quota: 100_000,
        ..test_config()
    })
    .await;
    let s = e.login(MEMBER).await;
    let upload = |size: usize| {
        let part = reqwest::multipart::Part::bytes(vec![0u8; size])
            .file_name("f.png")
            .mime_str("image/png")
            .unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        let req = e
            .http
            .post(format!("{}v1/media", s.endpoint))
            .header("accessToken", &s.token)
            .multipart(form);
        async move {
            let r = req.send().await.unwrap();
            let st = r.status().as_u16();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_eq!(upload(60_000).await.0, 200);
    let full = upload(60_000).await;
    assert_error(&full, 413);
    assert!(
        full.1["message"]
            .as_str()
            .unwrap()
            .contains("--media-quota"),
        "{}",
        full.1
    );
    assert_eq!(upload(30_000).await.0, 200, "what still fits is taken");
}

// ---- the clock and numbers ---------------------------------------------------------------------

#[tokio::test]
async fn the_clock_and_numbers_never_wrap() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let (_, before) = e.raw("GET", "/_emulator/clock", None).await;
    for huge in [json!(9223372036854775807i64), json!(1e300), json!(-1)] {
        let r = e
            .raw(
                "POST",
                "/_emulator/clock",
                Some(json!({ "advanceMs": huge })),
            )
            .await;
        assert_error(&r, 400);
    }
    let (_, after) = e.raw("GET", "/_emulator/clock", None).await;
    assert_eq!(
        after["offsetMs"], before["offsetMs"],
        "refused moves change nothing"
    );

    // Moving forward as far as allowed: the clock stops at its end, and never goes back.
    let step = kaizala_emulator::state::MAX_ADVANCE_MS;
    let mut last = after["now"].as_i64().unwrap();
    let mut stopped = false;
    for _ in 0..200 {
        let r = e
            .raw(
                "POST",
                "/_emulator/clock",
                Some(json!({ "advanceMs": step })),
            )
            .await;
        if r.0 == 400 {
            stopped = true;
            break;
        }
        let now = r.1["now"].as_i64().unwrap();
        assert!(now > last, "the clock went back: {last} then {now}");
        assert!(now <= kaizala_emulator::state::MAX_INSTANT);
        last = now;
    }
    assert!(stopped, "the clock stops before it wraps");
    // Tokens minted before still expire.
    assert_error(&e.call(&s, "GET", "groups", None).await, 401);

    // Other numbers: out of range is a 400, never a wrapped value.
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let g = e.group("North Region");
    let actions = format!("groups/{g}/actions");
    let post = |body: Value| e.call(&s, "POST", &actions, Some(body));
    let poll = json!({"actionType": "Poll", "actionBody": {
        "question": "q", "choices": [{"title": "a"}, {"title": "b"}], "expiryInHours": 1e300}});
    assert_error(&post(poll).await, 400);
    let meet = json!({"actionType": "LetsMeet", "actionBody": {
        "title": "t", "startingTime": "2030-01-01T10:00:00Z", "duration": 9223372036854775807i64}});
    assert_error(&post(meet).await, 400);
    let hook = e
        .call(
            &s,
            "POST",
            "webhook",
            Some(
                json!({"objectId": g, "objectType": "Group", "eventTypes": ["TextMessageCreated"],
                        "callBackUrl": format!("{}/_emulator/inbox/n", e.url),
                        "validity": 9223372036854775807i64}),
            ),
        )
        .await;
    assert_error(&hook, 400);
}

// ---- slow receivers ----------------------------------------------------------------------------

/// A webhook receiver that echoes validation requests but never answers an event: it counts the
/// events it was sent and the connections closed on it (by the sender giving up).
async fn stuck_receiver() -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let posts = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (p, c) = (posts.clone(), closed.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (p, c) = (p.clone(), c.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                if let Some(rest) = text.strip_prefix("GET ") {
                    let token = rest
                        .split_whitespace()
                        .next()
                        .and_then(|t| t.split("validationToken=").nth(1))
                        .unwrap_or_default()
                        .to_string();
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{token}",
                        token.len()
                    );
                    let _ = sock.write_all(answer.as_bytes()).await;
                    return;
                }
                p.fetch_add(1, Ordering::SeqCst);
                // Never answer; notice when the sender gives up and closes the connection.
                loop {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
                c.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    (url, posts, closed)
}

#[tokio::test]
async fn a_stuck_receiver_delays_only_its_own_events() {
    use std::sync::atomic::Ordering;
    let e = emu_with(kaizala_emulator::Config {
        webhook_timeout_ms: 120_000,
        ..test_config()
    })
    .await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let g = e.group("North Region");
    let (stuck_url, posts, closed) = stuck_receiver().await;
    let (st, body) = e
        .call(
            &s,
            "POST",
            "webhook",
            Some(
                json!({"objectId": g, "objectType": "Group", "eventTypes": ["TextMessageCreated"],
                        "callBackUrl": stuck_url}),
            ),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    register_on(&e, &s, &g, "healthy", "t").await;
    for text in ["one", "two", "three"] {
        let (st, _) = e
            .call(
                &s,
                "POST",
                &format!("groups/{g}/messages"),
                Some(json!({ "message": text })),
            )
            .await;
        assert_eq!(st, 200);
    }
    // The healthy receiver gets all three while the stuck one still holds the first.
    let mut events = Vec::new();
    for _ in 0..2400 {
        events = e.raw("GET", "/_emulator/inbox/healthy", None).await.1["events"]
            .as_array()
            .unwrap()
            .clone();
        if events.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(events.len(), 3, "the healthy receiver's events: {events:?}");
    assert_eq!(
        closed.load(Ordering::SeqCst),
        0,
        "the stuck delivery was given up first"
    );
    assert_eq!(
        posts.load(Ordering::SeqCst),
        1,
        "the stuck receiver got its first event only"
    );
}
