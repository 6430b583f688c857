//! The platform's wire as its ASP.NET service spoke it (docs/platform.md, choices R1–R8, E1):
//! every refusal in the one error body, paths in any case and with any slashes, resource calls at
//! the auth root, `Authorization: Bearer`, bodies and queries read as Json.NET and ASP.NET read
//! them, and user data kept as sent.

mod common;

use std::time::Duration;

use common::replay::{send, Sent};
use common::*;
use serde_json::{json, Value};

/// Sends `body` as text (not re-encoded) to `url`.
async fn raw_text(
    e: &Emu,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String, Value) {
    let sent = Sent {
        method: method.into(),
        url: url.into(),
        query: Vec::new(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.map(str::to_string),
    };
    let a = send(&e.http, &sent).await;
    let json = a.json();
    (a.status, a.content_type, json)
}

/// A refusal as the platform sent it: JSON, the three properties, this code and category.
fn platform_refusal(got: &(u16, String, Value), status: u16, code: &str, category: &str) {
    let (st, ct, body) = got;
    assert_eq!(*st, status, "{body}");
    assert!(ct.starts_with("application/json"), "{ct}: {body}");
    assert_eq!(body["errorCode"], code, "{body}");
    assert_eq!(body["errorCategoryKey"], category, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

const INVALID_TOKEN: &str =
    "Invalid token. Failure reason:Token validation failed due to unknown reason!";

#[tokio::test]
async fn every_refusal_is_the_platforms_error_body() {
    let e = emu().await;
    let s = e.login(ORG_ADMIN).await;
    let token = s.token.as_str();
    let ep = s.endpoint.clone();
    let at = [("accessToken", token)];
    let json_ct = ("Content-Type", "application/json");
    let u = |p: &str| format!("{}{p}", e.url);

    // axum's own answers: no route, a method the path does not take.
    let r = raw_text(&e, "GET", &u("/v1/no/such/call"), &at, None).await;
    platform_refusal(&r, 404, "NotFound", "ResourceNotFoundException");
    let r = raw_text(&e, "PUT", &u("/v1/bot"), &at, Some("{}")).await;
    platform_refusal(&r, 405, "MethodNotAllowed", "ValidationException");
    let r = raw_text(&e, "DELETE", &format!("{ep}v1/groups"), &at, None).await;
    platform_refusal(&r, 405, "MethodNotAllowed", "ValidationException");
    // A body that is not JSON even for a lenient reader, one past the size limit, no multipart.
    let hs = [("accessToken", token), json_ct];
    let r = raw_text(&e, "POST", &format!("{ep}v1/groups"), &hs, Some("{name:")).await;
    platform_refusal(&r, 400, "InvalidParameters", "ValidationException");
    let big = format!("{{\"name\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let r = raw_text(&e, "POST", &format!("{ep}v1/groups"), &hs, Some(&big)).await;
    platform_refusal(&r, 413, "PayloadTooLarge", "ValidationException");
    let form = [
        ("accessToken", token),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let r = raw_text(&e, "POST", &format!("{ep}v1/media"), &form, None).await;
    platform_refusal(&r, 415, "UnsupportedMediaType", "ValidationException");
    // A content check names its field.
    let r = raw_text(
        &e,
        "PUT",
        &format!("{ep}v1/groups/{}/members", e.group("Contoso Relief")),
        &hs,
        Some(r#"{"members":["12345"]}"#),
    )
    .await;
    platform_refusal(&r, 400, "InvalidParameters", "ValidationException");
    assert_eq!(r.2["field"], "members[0]");

    // Tokens: missing, unknown, expired (the last two in the words clients match on).
    let r = raw_text(&e, "GET", &format!("{ep}v1/groups"), &[], None).await;
    platform_refusal(&r, 401, "Unauthenticated", "AuthException");
    let r = raw_text(
        &e,
        "GET",
        &format!("{ep}v1/groups"),
        &[("accessToken", "nope")],
        None,
    )
    .await;
    platform_refusal(&r, 401, "InvalidToken", "AuthException");
    assert_eq!(r.2["message"], INVALID_TOKEN);
    let app = e.app_id();
    let refresh = e.seed["userRefreshToken"].as_str().unwrap().to_string();
    let wrong = [
        ("applicationId", app.as_str()),
        ("applicationSecret", "wrong"),
        ("refreshToken", refresh.as_str()),
    ];
    let r = raw_text(&e, "GET", &u("/v1/accessToken"), &wrong, None).await;
    platform_refusal(&r, 401, "Unauthenticated", "AuthException");
    assert_eq!(
        r.2["message"],
        "Dont have correct applicationId and secret in header!"
    );
    let secret = e.app_secret();
    let unknown = [
        ("applicationId", app.as_str()),
        ("applicationSecret", secret.as_str()),
        ("refreshToken", "nope"),
    ];
    let r = raw_text(&e, "GET", &u("/v1/accessToken"), &unknown, None).await;
    platform_refusal(&r, 401, "InvalidToken", "AuthException");
    let r = raw_text(&e, "GET", &u("/v1/accessToken"), &[], None).await;
    platform_refusal(&r, 400, "InvalidParameters", "ValidationException");

    // A page of another origin, refused before the call runs.
    let foreign = [("accessToken", token), ("Origin", "https://evil.example")];
    let r = raw_text(&e, "GET", &format!("{ep}v1/groups"), &foreign, None).await;
    platform_refusal(&r, 403, "Forbidden", "PermissionException");

    e.advance(25 * 3600 * 1000).await;
    let r = raw_text(&e, "GET", &format!("{ep}v1/groups"), &at, None).await;
    platform_refusal(&r, 401, "InvalidToken", "AuthException");
    assert_eq!(r.2["message"], INVALID_TOKEN);
}

#[tokio::test]
async fn paths_in_any_case_with_repeated_or_trailing_slashes() {
    let e = emu().await;
    let s = e.login(ORG_ADMIN).await;
    let g = e.group("Contoso Relief");
    let ep = s.endpoint.trim_end_matches('/').to_string();
    let at = [("accessToken", s.token.as_str())];
    for path in [
        format!("{ep}//v1/groups"),
        format!("{ep}/v1/groups/"),
        format!("{ep}///V1//GROUPS//"),
        format!("{ep}/v1/groups/{g}/subgroups"),
        format!("{ep}/v1/Groups/{g}/SubGroups/"),
        format!("{ep}/v1/groups/{g}/MEMBERS"),
        format!("{}/INC-000/v1/users/ME", e.url),
    ] {
        let (st, _, body) = raw_text(&e, "GET", &path, &at, None).await;
        assert_eq!(st, 200, "{path}: {body}");
    }
    // The printed path of the action page, with its trailing slash.
    let posted = e
        .call(
            &s,
            "POST",
            &format!("groups/{g}/actions"),
            Some(
                json!({"actionType": "Job", "actionBody": {"title": "t", "assignedTo": [MEMBER]}}),
            ),
        )
        .await;
    let id = posted.1["actionId"].as_str().unwrap();
    let path = format!("{ep}/v1/groups/{g}/actions/{id}/");
    assert_eq!(raw_text(&e, "GET", &path, &at, None).await.0, 200);
    // Ids keep their spelling: another case names another (here: no) group.
    let path = format!("{ep}/v1/groups/{}/members", g.to_uppercase());
    assert_eq!(raw_text(&e, "GET", &path, &at, None).await.0, 404);
    // Sign-in calls in any case too.
    let hs = [
        ("applicationId", e.app_id()),
        ("applicationSecret", e.app_secret()),
        (
            "refreshToken",
            e.seed["userRefreshToken"].as_str().unwrap().to_string(),
        ),
    ];
    let hs: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let path = format!("{}//v1/ACCESSTOKEN/", e.url);
    assert_eq!(raw_text(&e, "GET", &path, &hs, None).await.0, 200);
    // OAuth, printed as /api/Oauth/Authorize and /api/oauth/token: either spelling reaches both.
    let page = format!(
        "{}/api/oauth/authorize?client_id={}&redirect_uri=http://127.0.0.1:1/cb",
        e.url,
        e.app_id()
    );
    let r = e.http.get(&page).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<form"));
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = raw_text(
        &e,
        "POST",
        &format!("{}/api/Oauth/Token", e.url),
        &form,
        Some("code=nope"),
    )
    .await;
    assert!(r.0 == 400 || r.0 == 401, "{} {}", r.0, r.2);
    assert!(r.2["errorCode"].is_string(), "{}", r.2);
}

#[tokio::test]
async fn resource_calls_at_the_auth_root_or_a_308_to_the_users_endpoint() {
    let e = emu().await;
    let s = e.login(ORG_ADMIN).await;
    let at = [("accessToken", s.token.as_str())];
    let (st, _, body) = raw_text(&e, "GET", &format!("{}/v1/groups", e.url), &at, None).await;
    assert_eq!(st, 200, "{body}");
    assert!(body["groups"].as_array().is_some_and(|g| !g.is_empty()));

    // A user of another region: the same call at their endpoint, query kept.
    let (st, _) = e
        .raw(
            "POST",
            "/_emulator/relocate",
            Some(json!({"mobileNumber": MEMBER})),
        )
        .await;
    assert_eq!(st, 200);
    let m = e.login(MEMBER).await;
    assert!(m.endpoint.ends_with("/inc-001/"), "{}", m.endpoint);
    let root_call = format!("{}/v1/groups?showDetail=true", e.url);
    let mat = [("accessToken", m.token.as_str())];
    let got = raw_text(&e, "GET", &root_call, &mat, None).await;
    platform_refusal(&got, 308, "Relocated", "RedirectionException");
    let resp = e
        .http
        .get(&root_call)
        .header("accessToken", &m.token)
        .send()
        .await
        .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("{}v1/groups?showDetail=true", m.endpoint));
    let (st, _, body) = raw_text(&e, "GET", &location, &mat, None).await;
    assert_eq!(st, 200, "{body}");
    assert!(body["groups"][0].get("userCount").is_some(), "{body}");
}

#[tokio::test]
async fn an_authorization_bearer_token_is_an_access_token() {
    let e = emu().await;
    let s = e.login(ORG_ADMIN).await;
    let bearer = format!("Bearer {}", s.token);
    let hs = [("Authorization", bearer.as_str())];
    let (st, _, body) = raw_text(&e, "GET", &format!("{}v1/groups", s.endpoint), &hs, None).await;
    assert_eq!(st, 200, "{body}");
    let bad = [("Authorization", "Basic Zm9vOmJhcg==")];
    let r = raw_text(&e, "GET", &format!("{}v1/groups", s.endpoint), &bad, None).await;
    platform_refusal(&r, 401, "Unauthenticated", "AuthException");
    // A page may send it.
    let r = e
        .http
        .request(reqwest::Method::OPTIONS, format!("{}v1/groups", s.endpoint))
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
}

#[tokio::test]
async fn bodies_and_queries_are_read_as_json_net_and_asp_net_read_them() {
    let e = emu().await;
    let s = e.login(ORG_ADMIN).await;
    let ep = s.endpoint.clone();
    let g = e.group("Contoso Relief");
    let hs = [
        ("accessToken", s.token.as_str()),
        ("Content-Type", "application/json"),
    ];
    let post = |path: String, body: &'static str| {
        let e = &e;
        let hs = &hs;
        async move { raw_text(e, "POST", &path, hs, Some(body)).await }
    };

    // Names in any case, unquoted or single-quoted, comments, trailing commas, Unicode spaces,
    // and an enum value in any case.
    let (st, _, body) = post(
        format!("{ep}v1/groups"),
        "{\u{a0}Name:'Lenient', // a comment\n 'WELCOMEMESSAGE':\"hi\",\u{202f}groupType:'connectgroup',}",
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let lenient = body["groupId"].as_str().unwrap().to_string();
    let one = e.call(&s, "GET", &format!("groups/{lenient}"), None).await;
    assert_eq!(one.1["groups"][0]["groupName"], "Lenient");
    assert_eq!(one.1["groups"][0]["groupType"], "ConnectGroup");

    // Numbers and booleans from strings, 0 as "not given", a type named in lower case.
    let (st, _, body) = post(
        format!("{ep}v1/groups/{g}/actions"),
        r#"{"ActionType":"letsmeet","ActionBody":{"Title":"Sync","StartingTime":"2026-12-01T09:30:00Z","Duration":"0","IsSenderOnly":"true","Place":{"Latitude":"15","Longitude":96,"Name":"Depot"}}}"#,
    )
    .await;
    assert_eq!(st, 200, "{body}");
    let (_, world) = e.raw("GET", "/_emulator/export", None).await;
    let a = &world["actions"][body["actionId"].as_str().unwrap()];
    assert_eq!(a["action_type"], "LetsMeet", "{a}");
    assert_eq!(a["body"]["duration"], 30, "{a}");
    assert_eq!(a["body"]["isSenderOnly"], true, "{a}");
    assert_eq!(a["body"]["place"]["name"], "Depot", "{a}");

    // Query names in any case; an enum in the query in any case.
    let r = raw_text(
        &e,
        "GET",
        &format!("{ep}v1/groups?SHOWDETAIL=TRUE"),
        &hs[..1],
        None,
    )
    .await;
    assert!(r.2["groups"][0].get("userCount").is_some(), "{}", r.2);
    let r = raw_text(
        &e,
        "GET",
        &format!("{ep}v1/groups/{g}/actions?ACTIONTYPE=letsmeet"),
        &hs[..1],
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.2);
    let kinds: Vec<&str> = r.2["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["actionType"].as_str())
        .collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| *k == "LetsMeet"),
        "{kinds:?}"
    );

    // Content checks stay.
    let (st, _, body) = post(
        format!("{ep}v1/groups"),
        "{name:'x', welcomeMessage:'w', groupType:'Hub'}",
    )
    .await;
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["field"], "groupType");
    let (st, _, body) = post(format!("{ep}v1/groups"), "{welcomeMessage:'w'}").await;
    assert_eq!((st, body["field"].as_str()), (400, Some("name")));
    let (st, _, body) = post(
        format!("{ep}v1/groups/{g}/actions"),
        "{actionType:'Job', actionBody:{title:'t', assignedTo:['1000000010'], dueDate:'soon'}}",
    )
    .await;
    assert_eq!(st, 400, "{body}");
}

#[tokio::test]
async fn user_data_keeps_its_case() {
    // Only the platform's names are read in any case: a webhook's context comes back as sent.
    let e = emu().await;
    let s = e.login(ORG_ADMIN).await;
    let g = e.group("Contoso Relief");
    let inbox = format!("{}/_emulator/inbox/case", e.url);
    let body = format!(
        "{{objectId:'{g}', ObjectType:'group', EventTypes:['textmessagecreated'], CallBackUrl:'{inbox}', \
         callBackContext:{{MyKey:'A', mykey:'b', Nested:{{InnerKey:1}}}}}}"
    );
    let hs = [
        ("accessToken", s.token.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (st, _, r) = raw_text(
        &e,
        "POST",
        &format!("{}v1/webhook", s.endpoint),
        &hs,
        Some(&body),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let sent = e
        .call(
            &s,
            "POST",
            &format!("groups/{g}/messages"),
            Some(json!({"message": "hi"})),
        )
        .await;
    assert_eq!(sent.0, 200);
    let mut events = Vec::new();
    for _ in 0..100 {
        let (_, got) = e.raw("GET", "/_emulator/inbox/case", None).await;
        events = got["events"].as_array().cloned().unwrap_or_default();
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let event = &events.first().expect("an event arrived")["body"];
    assert_eq!(event["eventType"], "TextMessageCreated", "{event}");
    assert_eq!(
        event["context"],
        json!({"MyKey": "A", "mykey": "b", "Nested": {"InnerKey": 1}}),
        "{event}"
    );
}
