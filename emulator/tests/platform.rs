//! Tokens, sign-in, relocation, throttling, scopes, persistence, CORS, users and bots, and the dev API — over real HTTP.

mod common;

use common::*;
use kaizala_emulator::Config;
use serde_json::{json, Value};

const DAY: i64 = 24 * 60 * 60 * 1000;

async fn pin_for(e: &Emu, mobile: &str) -> i64 {
    let (st, sms) = e
        .raw(
            "GET",
            &format!("/_emulator/sms?mobileNumber={}", mobile.replace('+', "%2B")),
            None,
        )
        .await;
    assert_eq!(st, 200);
    sms["messages"][0]["pin"].as_i64().expect("a PIN was sent")
}

#[tokio::test]
async fn pin_login_then_access_token() {
    let e = emu().await;
    let app = e.app_id();
    let (st, body) = e
        .raw(
            "POST",
            "/v1/generatePin",
            Some(json!({"mobileNumber": MEMBER, "applicationId": app})),
        )
        .await;
    assert_eq!((st, body), (200, json!({})));
    let pin = pin_for(&e, MEMBER).await;

    // A wrong PIN, a PIN that is not a number, and a missing field are refused.
    let wrong = e
        .raw(
            "POST",
            "/v1/loginWithPinAndApplicationId",
            Some(json!({"mobileNumber": MEMBER, "applicationId": app, "pin": (pin % 9000) + 1001})),
        )
        .await;
    assert_error(&wrong, 401);
    let as_string = e
        .raw(
            "POST",
            "/v1/loginWithPinAndApplicationId",
            Some(json!({"mobileNumber": MEMBER, "applicationId": app, "pin": "12a4"})),
        )
        .await;
    assert_error(&as_string, 400);
    assert_eq!(as_string.1["field"], "pin");

    // The PIN as a string of digits, as the exported scripts send it, binds to the number (R5).
    let (st, login) = e
        .raw(
            "POST",
            "/v1/loginWithPinAndApplicationId",
            Some(json!({"mobileNumber": MEMBER, "applicationId": app, "pin": pin.to_string()})),
        )
        .await;
    assert_eq!(st, 200, "{login}");
    let refresh = login["refreshToken"].as_str().unwrap();
    assert!(login["grantedScope"]
        .as_str()
        .unwrap()
        .split(',')
        .any(|s| s == "groupinfo.read"));
    assert!(login["refreshTokenExpiry"].as_i64().unwrap() > 0);

    // The PIN is single use.
    let again = e
        .raw(
            "POST",
            "/v1/loginWithPinAndApplicationId",
            Some(json!({"mobileNumber": MEMBER, "applicationId": app, "pin": pin})),
        )
        .await;
    assert_error(&again, 401);

    let s = e.mint(&app, &e.app_secret(), refresh).await;
    assert!(s.endpoint.ends_with("/inc-000/"), "{}", s.endpoint);
    let (st, me) = e.call(&s, "GET", "users/me", None).await;
    assert_eq!(st, 200);
    assert_eq!(me["mobileNumber"], MEMBER);
    assert_eq!(me["name"], "Deepa Nair");
    assert!(me["id"].is_string() && me.get("profilePic").is_some());
}

#[tokio::test]
async fn generate_pin_refuses_bad_input() {
    let e = emu().await;
    let bad = e
        .raw(
            "POST",
            "/v1/generatePin",
            Some(json!({"mobileNumber": "12345", "applicationId": e.app_id()})),
        )
        .await;
    assert_error(&bad, 400);
    assert_eq!(bad.1["field"], "mobileNumber");
    let resp = e
        .http
        .post(format!("{}/v1/generatePin", e.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("JSON"));
    let unknown = e
        .raw(
            "POST",
            "/v1/generatePin",
            Some(json!({"mobileNumber": MEMBER, "applicationId": "nope"})),
        )
        .await;
    assert_error(&unknown, 401);
}

#[tokio::test]
async fn access_token_refusals() {
    let e = emu().await;
    let rt = e.seed["userRefreshToken"].as_str().unwrap();
    let get = |app: String, secret: String, refresh: String| {
        let http = e.http.clone();
        let url = format!("{}/v1/accessToken", e.url);
        async move {
            let r = http
                .get(url)
                .header("applicationId", app)
                .header("applicationSecret", secret)
                .header("refreshToken", refresh)
                .send()
                .await
                .unwrap();
            let st = r.status().as_u16();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    assert_error(&get(e.app_id(), "wrong".into(), rt.into()).await, 401);
    assert_error(&get(e.app_id(), e.app_secret(), "wrong".into()).await, 401);
    // Another connector's refresh token does not work with this connector.
    let ro = &e.seed["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Read-only connector")
        .unwrap()
        .clone();
    assert_error(
        &get(
            ro["applicationId"].as_str().unwrap().into(),
            ro["applicationSecret"].as_str().unwrap().into(),
            rt.into(),
        )
        .await,
        401,
    );
    let missing = e
        .http
        .get(format!("{}/v1/accessToken", e.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
}

#[tokio::test]
async fn access_tokens_expire_after_a_day_and_refresh_tokens_rotate_at_ninety_percent() {
    let e = emu().await;
    let (app, secret) = (e.app_id(), e.app_secret());
    let (_, rt) = e
        .raw(
            "POST",
            "/_emulator/userToken",
            Some(json!({"applicationId": app, "mobileNumber": MEMBER})),
        )
        .await;
    let refresh = rt["refreshToken"].as_str().unwrap().to_string();
    let first: Value = e
        .http
        .get(format!("{}/v1/accessToken", e.url))
        .header("applicationId", &app)
        .header("applicationSecret", &secret)
        .header("refreshToken", &refresh)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        first["refreshToken"].is_null(),
        "no rotation early in life: {first}"
    );
    assert!(first["scope"].is_string());
    let s = common::Session {
        token: first["accessToken"].as_str().unwrap().into(),
        endpoint: first["endpointUrl"].as_str().unwrap().into(),
    };
    assert_eq!(e.call(&s, "GET", "groups", None).await.0, 200);
    e.advance(DAY + 1000).await;
    assert_error(&e.call(&s, "GET", "groups", None).await, 401);

    // At 329 days (past 90 % of 365) the answer carries the successor, the same one each time.
    e.advance(328 * DAY).await;
    let mint = |r: String| {
        let (http, url, app, secret) = (
            e.http.clone(),
            format!("{}/v1/accessToken", e.url),
            app.clone(),
            secret.clone(),
        );
        async move {
            let resp = http
                .get(url)
                .header("applicationId", app)
                .header("applicationSecret", secret)
                .header("refreshToken", r)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    let (st, a) = mint(refresh.clone()).await;
    assert_eq!(st, 200);
    let next = a["refreshToken"]
        .as_str()
        .expect("rotated refresh token")
        .to_string();
    assert_ne!(next, refresh);
    let (_, b) = mint(refresh.clone()).await;
    assert_eq!(b["refreshToken"].as_str(), Some(next.as_str()));
    // The new one works and does not rotate again; the old one dies at 365 days.
    let (st, c) = mint(next.clone()).await;
    assert_eq!(st, 200);
    assert!(c["refreshToken"].is_null());
    e.advance(40 * DAY).await;
    let (st, _) = mint(refresh.clone()).await;
    assert_eq!(st, 401, "the old refresh token expired");
    assert_eq!(mint(next).await.0, 200);
}

#[tokio::test]
async fn a_regenerated_token_kills_the_old_one() {
    let e = emu().await;
    let group = e.group("North Region");
    let body = json!({"applicationId": e.app_id(), "groupId": group});
    let (_, a) = e.raw("POST", "/_emulator/grant", Some(body.clone())).await;
    let (_, b) = e.raw("POST", "/_emulator/grant", Some(body)).await;
    let (old, new) = (
        a["refreshToken"].as_str().unwrap(),
        b["refreshToken"].as_str().unwrap(),
    );
    let r = e
        .http
        .get(format!("{}/v1/accessToken", e.url))
        .header("applicationId", e.app_id())
        .header("applicationSecret", e.app_secret())
        .header("refreshToken", old)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    e.mint(&e.app_id(), &e.app_secret(), new).await;
}

#[tokio::test]
async fn group_tokens_are_admin_in_their_group_only() {
    let e = emu().await;
    let north = e.group("North Region");
    let south = e.group("South Region");
    let (_, g) = e
        .raw(
            "POST",
            "/_emulator/grant",
            Some(json!({"applicationId": e.app_id(), "groupId": north})),
        )
        .await;
    let s = e
        .mint(
            &e.app_id(),
            &e.app_secret(),
            g["refreshToken"].as_str().unwrap(),
        )
        .await;
    let (st, _) = e
        .call(
            &s,
            "PUT",
            &format!("groups/{north}/members"),
            Some(json!({"members": ["+911000000099"]})),
        )
        .await;
    assert_eq!(st, 200);
    assert_error(
        &e.call(&s, "GET", &format!("groups/{south}/members"), None)
            .await,
        403,
    );
    assert_error(
        &e.call(
            &s,
            "POST",
            "groups",
            Some(json!({"name": "x", "welcomeMessage": "w"})),
        )
        .await,
        403,
    );
}

#[tokio::test]
async fn deactivated_connectors_keep_existing_groups_only() {
    let e = emu().await;
    let paused = e.seed["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Paused connector")
        .unwrap()
        .clone();
    let id = paused["applicationId"].as_str().unwrap().to_string();
    let north = e.group("North Region");
    // Deactivated: no token for a new group, no sign-in.
    assert_error(
        &e.raw(
            "POST",
            "/_emulator/grant",
            Some(json!({"applicationId": id, "groupId": north})),
        )
        .await,
        403,
    );
    assert_error(
        &e.raw(
            "POST",
            "/_emulator/userToken",
            Some(json!({"applicationId": id, "mobileNumber": MEMBER})),
        )
        .await,
        403,
    );
    // Activated, granted, deactivated again: the group keeps working.
    assert_eq!(
        e.raw(
            "PUT",
            &format!("/_emulator/connectors/{id}"),
            Some(json!({"active": true}))
        )
        .await
        .0,
        200
    );
    let (_, g) = e
        .raw(
            "POST",
            "/_emulator/grant",
            Some(json!({"applicationId": id, "groupId": north})),
        )
        .await;
    assert_eq!(
        e.raw(
            "PUT",
            &format!("/_emulator/connectors/{id}"),
            Some(json!({"active": false}))
        )
        .await
        .0,
        200
    );
    let secret = paused["applicationSecret"].as_str().unwrap();
    let s = e
        .mint(&id, secret, g["refreshToken"].as_str().unwrap())
        .await;
    assert_eq!(
        e.call(&s, "GET", &format!("groups/{north}"), None).await.0,
        200
    );
    // Removed from the group while deactivated: no way back until reactivated.
    assert_eq!(
        e.raw(
            "DELETE",
            &format!("/_emulator/connectors/{id}/groups/{north}"),
            None
        )
        .await
        .0,
        200
    );
    assert_error(
        &e.call(&s, "GET", &format!("groups/{north}"), None).await,
        401,
    );
    assert_error(
        &e.raw(
            "POST",
            "/_emulator/grant",
            Some(json!({"applicationId": id, "groupId": north})),
        )
        .await,
        403,
    );
    assert_eq!(
        e.raw(
            "PUT",
            &format!("/_emulator/connectors/{id}"),
            Some(json!({"active": true}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        e.raw(
            "POST",
            "/_emulator/grant",
            Some(json!({"applicationId": id, "groupId": north}))
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn scopes_are_enforced() {
    let e = emu().await;
    let ro = e.seed["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Read-only connector")
        .unwrap()
        .clone();
    let s = e
        .login_with(
            ORG_ADMIN,
            ro["applicationId"].as_str().unwrap(),
            ro["applicationSecret"].as_str().unwrap(),
        )
        .await;
    assert_eq!(e.call(&s, "GET", "groups", None).await.0, 200);
    let refused = e
        .call(
            &s,
            "POST",
            "groups",
            Some(json!({"name": "x", "welcomeMessage": "w"})),
        )
        .await;
    assert_error(&refused, 403);
    assert!(refused.1["message"]
        .as_str()
        .unwrap()
        .contains("groupinfo.write"));
}

#[tokio::test]
async fn relocation_answers_308_with_the_new_endpoint() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let (st, moved) = e
        .raw(
            "POST",
            "/_emulator/relocate",
            Some(json!({"mobileNumber": MEMBER})),
        )
        .await;
    assert_eq!(st, 200);
    let new_endpoint = moved["endpointUrl"].as_str().unwrap().to_string();
    assert_ne!(new_endpoint, s.endpoint);
    let resp = e
        .http
        .get(format!("{}v1/users/me", s.endpoint))
        .header("accessToken", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 308);
    assert_eq!(resp.headers()["location"].to_str().unwrap(), new_endpoint);
    let there = common::Session {
        token: s.token.clone(),
        endpoint: new_endpoint.clone(),
    };
    assert_eq!(e.call(&there, "GET", "users/me", None).await.0, 200);
    // A fresh access token names the new endpoint.
    let again = e.login(MEMBER).await;
    assert_eq!(again.endpoint, new_endpoint);
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() {
    let e = emu_with(Config {
        connector_limit: 5,
        tenant_limit: 8,
        ..test_config()
    })
    .await;
    // Minting counts as one call (a PIN sign-in would count two more).
    let s = e
        .mint(
            &e.app_id(),
            &e.app_secret(),
            e.seed["userRefreshToken"].as_str().unwrap(),
        )
        .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = e
            .http
            .get(format!("{}v1/users/me", s.endpoint))
            .header("accessToken", &s.token)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 200, 429, 429]);
    let secs: u64 = retry_after.unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs));
    // The tenant limit counts all connectors together.
    let ro = e.seed["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Read-only connector")
        .unwrap()
        .clone();
    let (ro_id, ro_secret) = (
        ro["applicationId"].as_str().unwrap(),
        ro["applicationSecret"].as_str().unwrap(),
    );
    let (_, rt) = e
        .raw(
            "POST",
            "/_emulator/userToken",
            Some(json!({"applicationId": ro_id, "mobileNumber": MEMBER})),
        )
        .await;
    let s2 = e
        .mint(ro_id, ro_secret, rt["refreshToken"].as_str().unwrap())
        .await;
    let mut st2 = Vec::new();
    for _ in 0..4 {
        st2.push(e.call(&s2, "GET", "users/me", None).await.0);
    }
    assert_eq!(st2, vec![200, 200, 429, 429], "tenant limit of 8");
    // A minute later the window is free again.
    e.advance(61_000).await;
    assert_eq!(e.call(&s, "GET", "users/me", None).await.0, 200);
}

#[tokio::test]
async fn oauth_sign_in_page_and_code_exchange() {
    let e = emu().await;
    let app = e.app_id();
    let redirect = "http://127.0.0.1:9/callback";
    let page = e
        .http
        .get(format!(
            "{}/api/Oauth/Authorize?{}",
            e.url,
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("client_id", app.as_str()),
                    ("redirect_uri", redirect),
                    ("state", "xyz")
                ])
                .finish()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Mobile number"));
    let form = |extra: Vec<(&str, String)>| {
        let mut f = vec![
            ("client_id", app.clone()),
            ("redirect_uri", redirect.to_string()),
            ("state", "xyz".to_string()),
            ("mobileNumber", MEMBER.to_string()),
        ];
        f.extend(extra.into_iter());
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(f)
            .finish()
    };
    let step1 = e
        .http
        .post(format!("{}/api/Oauth/Authorize", e.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(vec![("step", "mobile".into())]))
        .send()
        .await
        .unwrap();
    assert!(step1.text().await.unwrap().contains("PIN"));
    let pin = pin_for(&e, MEMBER).await;
    let step2 = e
        .http
        .post(format!("{}/api/Oauth/Authorize", e.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(vec![("step", "pin".into()), ("pin", pin.to_string())]))
        .send()
        .await
        .unwrap();
    assert_eq!(step2.status(), 302);
    let loc = step2.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.starts_with("http://127.0.0.1:9/callback?code="),
        "{loc}"
    );
    assert!(loc.ends_with("&state=xyz"));
    let code = loc
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let exchange = |secret: String, code: String| {
        let (http, url, app) = (
            e.http.clone(),
            format!("{}/api/oauth/token", e.url),
            app.clone(),
        );
        async move {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("client_id", app),
                    ("client_secret", secret),
                    ("code", code),
                ])
                .finish();
            let r = http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    assert_error(&exchange("wrong".into(), code.clone()).await, 401);
    let (st, tok) = exchange(e.app_secret(), code.clone()).await;
    assert_eq!(st, 200, "{tok}");
    for k in [
        "accessToken",
        "endpointUrl",
        "accessTokenExpiry",
        "refreshToken",
        "scope",
    ] {
        assert!(!tok[k].is_null(), "{k} in {tok}");
    }
    // A code works once; the refresh token it gave mints access tokens.
    assert_error(&exchange(e.app_secret(), code).await, 400);
    e.mint(&app, &e.app_secret(), tok["refreshToken"].as_str().unwrap())
        .await;
    // An unknown client_id shows an error page, not a redirect.
    let bad = e
        .http
        .get(format!(
            "{}/api/Oauth/Authorize?client_id=nope&redirect_uri=http://x/",
            e.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn bots_are_managed_by_the_organisation_admin() {
    let e = emu().await;
    let admin = e.login(ORG_ADMIN).await;
    let member = e.login(MEMBER).await;
    assert_error(
        &e.call(&member, "POST", "bot", Some(json!({"name": "Helper"})))
            .await,
        403,
    );
    assert_error(&e.call(&admin, "POST", "bot", Some(json!({}))).await, 400);
    let (st, bot) = e
        .call(
            &admin,
            "POST",
            "bot",
            Some(json!({"name": "Helper", "profilePic": "http://x/p.png"})),
        )
        .await;
    assert_eq!(st, 200);
    let id = bot["botUserId"].as_str().unwrap().to_string();
    assert_eq!(bot["name"], "Helper");
    let (_, list) = e.call(&admin, "GET", "bot", None).await;
    let listed = &list["bots"][0];
    for k in [
        "botUserId",
        "name",
        "profilePic",
        "tenantId",
        "creatorId",
        "creator",
        "creatorName",
        "creatorProfilePic",
        "status",
    ] {
        assert!(listed.get(k).is_some(), "{k} in {listed}");
    }
    assert_eq!(listed["creator"], ORG_ADMIN);
    assert_eq!(
        e.call(
            &admin,
            "PUT",
            &format!("bot/{id}"),
            Some(json!({"name": "Helper 2"}))
        )
        .await
        .1,
        json!({"result": true})
    );
    let (st, tok) = e
        .call(&admin, "GET", &format!("bot/accessToken/{id}"), None)
        .await;
    assert_eq!(st, 200);
    let as_bot = common::Session {
        token: tok["accessToken"].as_str().unwrap().into(),
        endpoint: tok["endpointUrl"].as_str().unwrap().into(),
    };
    let (_, me) = e.call(&as_bot, "GET", "users/me", None).await;
    assert_eq!(me["name"], "Helper 2");
    assert_eq!(
        e.call(&admin, "DELETE", &format!("bot/{id}"), None).await.1,
        json!({"result": true})
    );
    assert_error(
        &e.call(&admin, "DELETE", &format!("bot/{id}"), None).await,
        404,
    );
}

#[tokio::test]
async fn cors_allows_loopback_origins_and_the_custom_headers() {
    let e = emu().await;
    let r = e
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/inc-000/v1/groups", e.url),
        )
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "accesstoken,content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:5173");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "accesstoken",
        "applicationid",
        "applicationsecret",
        "refreshtoken",
        "content-type",
    ] {
        assert!(allowed.contains(name), "{name} in {allowed}");
    }
    let s = e.login(MEMBER).await;
    let r = e
        .http
        .get(format!("{}v1/groups", s.endpoint))
        .header("accessToken", &s.token)
        .header("Origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("location") && exposed.contains("retry-after"));
}

#[tokio::test]
async fn state_survives_a_restart_and_a_corrupt_file_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let config = Config {
        data: Some(path.clone()),
        ..test_config()
    };
    let e = emu_with(config.clone()).await;
    let s = e.login(ORG_ADMIN).await;
    let (st, created) = e
        .call(
            &s,
            "POST",
            "groups",
            Some(json!({"name": "Kept", "welcomeMessage": "hi"})),
        )
        .await;
    assert_eq!(st, 200);
    let gid = created["groupId"].as_str().unwrap().to_string();
    let app = e.app_id();
    let secret = e.app_secret();
    let refresh = e.seed["userRefreshToken"].as_str().unwrap().to_string();
    e.running.stop().await;

    let e2 = emu_with(config.clone()).await;
    assert_eq!(e2.app_id(), app, "the same connector after a restart");
    let s2 = e2.mint(&app, &secret, &refresh).await;
    let (st, g) = e2.call(&s2, "GET", &format!("groups/{gid}"), None).await;
    assert_eq!(st, 200);
    assert_eq!(g["groups"][0]["groupName"], "Kept");
    e2.running.stop().await;

    let garbage = b"\x00\x01 not a database at all".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let err = kaizala_emulator::start(config)
        .await
        .err()
        .expect("refuses a corrupt file");
    assert!(err.contains("corrupt"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[tokio::test]
async fn the_dev_api_can_be_turned_off() {
    let e = emu().await;
    assert_eq!(e.raw("GET", "/_emulator/seed", None).await.0, 200);
    let off = kaizala_emulator::start(Config {
        dev_api: false,
        ..test_config()
    })
    .await
    .unwrap();
    let r = reqwest::get(format!("{}/_emulator/seed", off.url))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    off.stop().await;
}

#[tokio::test]
async fn the_seed_describes_the_demo_tenant() {
    let e = emu().await;
    let seed = &e.seed;
    assert!(seed["applicationId"].is_string() && seed["applicationSecret"].is_string());
    let users = seed["users"].as_array().unwrap();
    assert_eq!(users.len(), 15);
    assert_eq!(
        users
            .iter()
            .filter(|u| u["role"] == "OrganisationAdmin")
            .count(),
        1
    );
    assert_eq!(
        users.iter().filter(|u| u["role"] == "GroupAdmin").count(),
        2
    );
    let public = seed["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["isPublic"] == true)
        .unwrap();
    assert_eq!(public["subscriberCount"], 120);
    // Two levels of sub-groups under the root.
    let root = e.group("Contoso Relief");
    let s = e.login(ORG_ADMIN).await;
    let (_, tree) = e
        .call(
            &s,
            "GET",
            &format!("groups/{root}/subGroups?fetchAllGroups=true"),
            None,
        )
        .await;
    let subs = tree["groups"][0]["subGroups"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    assert!(
        subs.iter()
            .all(|g| g["subGroups"].as_array().is_some_and(|a| a.len() == 1)),
        "{tree}"
    );
    // The seeded tokens work.
    e.mint(
        &e.app_id(),
        &e.app_secret(),
        seed["groupRefreshToken"].as_str().unwrap(),
    )
    .await;
    e.mint(
        &e.app_id(),
        &e.app_secret(),
        seed["userRefreshToken"].as_str().unwrap(),
    )
    .await;
    // Seeded content: a poll, a survey and a job with responses.
    let (_, acts) = e
        .call(&s, "GET", &format!("groups/{root}/actions"), None)
        .await;
    let types: Vec<&str> = acts["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["actionType"].as_str())
        .collect();
    for t in ["Poll", "Survey", "Job", "Image"] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
}

#[tokio::test]
async fn faults_and_the_request_log() {
    let e = emu().await;
    let s = e.login(ORG_ADMIN).await;
    let (st, _) = e
        .raw(
            "POST",
            "/_emulator/faults",
            Some(json!({"path": "/v1/users/me", "count": 2, "status": 503, "retryAfter": 7})),
        )
        .await;
    assert_eq!(st, 200);
    let r = e
        .http
        .get(format!("{}v1/users/me", s.endpoint))
        .header("accessToken", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(e.call(&s, "GET", "users/me", None).await.0, 503);
    assert_eq!(
        e.call(&s, "GET", "users/me", None).await.0,
        200,
        "the fault was used up"
    );

    // A replaced body: the call is applied, the answer is not JSON.
    e.raw(
        "POST",
        "/_emulator/faults",
        Some(json!({"path": "/v1/groups", "method": "POST", "count": 1, "body": "{oops"})),
    )
    .await;
    let r = e
        .http
        .post(format!("{}v1/groups", s.endpoint))
        .header("accessToken", &s.token)
        .json(&json!({"name": "Fault group", "welcomeMessage": "w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "{oops");
    // A dropped connection: no answer at all, but the call was applied.
    e.raw(
        "POST",
        "/_emulator/faults",
        Some(json!({"path": "/v1/groups", "method": "POST", "drop": true})),
    )
    .await;
    let dropped = e
        .http
        .post(format!("{}v1/groups", s.endpoint))
        .header("accessToken", &s.token)
        .json(&json!({"name": "Dropped group", "welcomeMessage": "w"}))
        .send()
        .await;
    let failed = match dropped {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed, "the connection was closed without an answer");
    // A delay.
    e.raw(
        "POST",
        "/_emulator/faults",
        Some(json!({"path": "/v1/users/me", "delayMs": 300})),
    )
    .await;
    let t = std::time::Instant::now();
    assert_eq!(e.call(&s, "GET", "users/me", None).await.0, 200);
    assert!(t.elapsed().as_millis() >= 300);

    let (_, log) = e.raw("GET", "/_emulator/requests", None).await;
    let reqs = log["requests"].as_array().unwrap();
    let group_posts: Vec<&Value> = reqs
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/v1/groups"))
        .collect();
    assert_eq!(group_posts.len(), 2);
    assert!(group_posts.iter().all(|r| r["changedState"] == true));
    let mints = reqs
        .iter()
        .filter(|r| r["path"] == "/v1/accessToken")
        .count();
    assert_eq!(mints, 1);
    let me_503 = reqs
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/users/me") && r["status"] == 503)
        .count();
    assert_eq!(me_503, 2);
    assert_eq!(e.raw("DELETE", "/_emulator/faults", None).await.0, 200);
}

#[tokio::test]
async fn the_endpoint_root_answers_after_a_followed_redirect() {
    let e = emu().await;
    let (st, body) = e.raw("GET", "/inc-007/", None).await;
    assert_eq!(st, 200);
    assert!(body["endpointUrl"].as_str().unwrap().ends_with("/inc-007/"));
}

#[tokio::test]
async fn static_files_are_served_beside_the_platform() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>demo</h1>").unwrap();
    std::fs::write(dir.path().join("app.js"), "export const x = 1;").unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets").join("style.css"), "body{}").unwrap();
    let e = emu_with(Config {
        static_dir: Some(dir.path().to_path_buf()),
        ..test_config()
    })
    .await;
    let get = |p: &str| {
        let (http, url) = (e.http.clone(), format!("{}{p}", e.url));
        async move {
            let r = http.get(url).send().await.unwrap();
            let st = r.status().as_u16();
            (st, r.text().await.unwrap())
        }
    };
    assert_eq!(get("/").await, (200, "<h1>demo</h1>".to_string()));
    assert_eq!(get("/index.html").await, (200, "<h1>demo</h1>".to_string()));
    assert_eq!(
        get("/app.js").await,
        (200, "export const x = 1;".to_string())
    );
    assert_eq!(get("/assets/style.css").await, (200, "body{}".to_string()));
    let (st, body) = get("/inc-000/").await;
    assert_eq!(st, 200);
    assert!(body.contains("endpointUrl"));
    let (st, body) = get("/missing.js").await;
    assert_eq!(st, 404);
    assert!(body.contains("\"errorCode\":\"NotFound\""), "{body}");
    // The platform's paths still win.
    assert_eq!(e.raw("GET", "/_emulator/seed", None).await.0, 200);
}

#[tokio::test]
async fn static_files_are_cross_origin_isolated_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>bench</h1>").unwrap();
    let isolation = |config: Config| async move {
        let e = emu_with(config).await;
        let r = e.http.get(format!("{}/", e.url)).send().await.unwrap();
        let h = |k: &str| r.headers().get(k).map(|v| v.to_str().unwrap().to_string());
        let api = e
            .http
            .get(format!("{}/_emulator/seed", e.url))
            .send()
            .await
            .unwrap();
        (
            h("cross-origin-opener-policy"),
            h("cross-origin-embedder-policy"),
            api.headers().contains_key("cross-origin-embedder-policy"),
        )
    };
    let plain = isolation(Config {
        static_dir: Some(dir.path().to_path_buf()),
        ..test_config()
    })
    .await;
    assert_eq!(plain, (None, None, false));
    let isolated = isolation(Config {
        static_dir: Some(dir.path().to_path_buf()),
        cross_origin_isolated: true,
        ..test_config()
    })
    .await;
    assert_eq!(
        isolated,
        (
            Some("same-origin".to_string()),
            Some("require-corp".to_string()),
            false
        )
    );
}

#[tokio::test]
async fn a_connector_made_by_the_dev_api_can_have_a_throttle_of_its_own() {
    let e = emu().await;
    let (st, c) = e
        .raw(
            "POST",
            "/_emulator/connectors",
            Some(json!({"name": "Tight", "rateLimit": {"calls": 3, "windowMs": 400}})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["rateLimit"], json!({"calls": 3, "windowMs": 400}));
    let (id, secret) = (
        c["applicationId"].as_str().unwrap(),
        c["applicationSecret"].as_str().unwrap(),
    );
    let (_, rt) = e
        .raw(
            "POST",
            "/_emulator/userToken",
            Some(json!({"applicationId": id, "mobileNumber": MEMBER})),
        )
        .await;
    // The mint is the first of the three calls.
    let s = e
        .mint(id, secret, rt["refreshToken"].as_str().unwrap())
        .await;
    let mut st = Vec::new();
    for _ in 0..3 {
        st.push(e.call(&s, "GET", "users/me", None).await.0);
    }
    assert_eq!(st, vec![200, 200, 429]);
    // The window passes on the emulator's clock.
    e.advance(401).await;
    assert_eq!(e.call(&s, "GET", "users/me", None).await.0, 200);
    // The seed says what the platform-wide limits are.
    assert_eq!(e.seed["limits"]["connectorCallsPerMinute"], json!(100_000));
    let bad = e
        .raw(
            "POST",
            "/_emulator/connectors",
            Some(json!({"name": "Bad", "rateLimit": {"calls": 0, "windowMs": 400}})),
        )
        .await;
    assert_error(&bad, 400);
    assert_eq!(bad.1["field"], "rateLimit.calls");
}
