//! The client against a misbehaving platform (tests/support/hostile-server.mjs): redirects, loops, huge bodies, token echoes, bad paths and shapes.

use super::*;
use std::cell::Cell;

const NO_HOSTILE: &str = "KAIZALA_HOSTILE_URL was not set when the tests were compiled; run them through scripts/with-hostile.sh";

fn hostile_url() -> String {
    match option_env!("KAIZALA_HOSTILE_URL") {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => panic!("{NO_HOSTILE}"),
    }
}

fn foreign_url() -> String {
    match option_env!("KAIZALA_FOREIGN_URL") {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => panic!("{NO_HOSTILE}"),
    }
}

thread_local! {
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

/// A scenario of its own: `(id, root)`, the root being `{hostile}/s/{id}/{mode}`.
fn scenario(mode: &str) -> (String, String) {
    let n = NEXT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let id = format!("{}-{n}", js_sys::Date::now() as u64);
    let root = format!("{}/s/{id}/{mode}", hostile_url());
    (id, root)
}

const SECRET: &str = "sec-0123456789abcdefghijklmnopqrstuvwxyz";
const REFRESH: &str = "rt-0123456789abcdefghijklmnopqrstuvwxyz";

fn hostile_options(root: &str, extra: Value) -> Value {
    let mut o = json!({
        "applicationId": "app-hostile",
        "applicationSecret": SECRET,
        "refreshToken": REFRESH,
        "authUrl": format!("{root}/v1"),
        "oauthUrl": format!("{root}/api/Oauth"),
        "storage": "memory",
        "rateLimit": false,
        "timeoutMs": 20000,
    });
    if let (Some(m), Value::Object(x)) = (o.as_object_mut(), extra) {
        m.extend(x);
    }
    o
}

fn hostile_client(root: &str) -> KaizalaClient {
    make(&js(&hostile_options(root, json!({}))))
}

/// Every request the scenario's servers received (preflights included).
async fn requests(id: &str) -> Vec<Value> {
    let url = format!("{}/log/{id}", hostile_url());
    let text = match gloo_net::http::Request::get(&url).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => panic!("hostile server unreachable ({e}); {NO_HOSTILE}"),
    };
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    v["requests"].as_array().cloned().unwrap_or_default()
}

/// Requests (preflights left out) on `server` ("A" or "B") whose path contains `part`.
fn count(log: &[Value], server: &str, method: &str, part: &str) -> usize {
    log.iter()
        .filter(|r| r["server"] == server && r["method"] != "OPTIONS")
        .filter(|r| method.is_empty() || r["method"] == method)
        .filter(|r| r["path"].as_str().unwrap_or("").contains(part))
        .count()
}

/// Nothing at all (not even a preflight) reached the foreign origin.
fn nothing_went_abroad(log: &[Value]) {
    let abroad: Vec<&Value> = log.iter().filter(|r| r["server"] == "B").collect();
    assert!(
        abroad.is_empty(),
        "requests reached the foreign origin {}: {abroad:?}",
        foreign_url()
    );
}

fn is_browser() -> bool {
    jsfn(
        "",
        "return !(typeof process === 'object' && process.versions && process.versions.node)",
    )
    .call0(&JsValue::NULL)
    .ok()
    .and_then(|v| v.as_bool())
    .unwrap_or(false)
}

fn message(e: &JsValue) -> String {
    prop_str(e, "message")
}

fn endpoint(c: &KaizalaClient) -> Value {
    val(&c.token_info())["endpointUrl"].clone()
}

/// None of the secrets (nor the first characters of one) appear in `text`.
fn no_secret_in(text: &str, secrets: &[&str]) {
    for secret in secrets {
        let head: String = secret.chars().take(4).collect();
        assert!(
            !head.is_empty() && !text.contains(&head),
            "{head}… appears in: {text}"
        );
    }
}

#[wasm_bindgen_test]
async fn sign_in_calls_never_follow_a_redirect() {
    for status in [301, 302, 303, 307, 308] {
        let (id, root) = scenario(&format!("auth{status}"));
        let c = hostile_client(&root);
        // Minting (the secret and the refresh token in headers).
        let e = fails(c.list_groups(none(), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "listGroups");
        assert!(
            message(&e).contains("redirect") && message(&e).contains("sign-in"),
            "{}",
            message(&e)
        );
        no_secret_in(&message(&e), &[SECRET, REFRESH]);
        let e = fails(c.access_token(none())).await;
        assert_kaizala_error(&e, "redirect_refused", "accessToken");
        // PIN sign-in (the PIN in the body).
        let e = fails(c.generate_pin(s("+911099999999"), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "generatePin");
        let e = fails(c.login_with_pin(s("+911099999999"), s("4321"), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "loginWithPin");
        // The OAuth code exchange (the secret and the code in the form).
        let e = fails(c.complete_authorization(s("code-1234567890"), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "completeAuthorization");
        let info = val(&c.token_info());
        assert_eq!(
            info["endpointUrl"],
            Value::Null,
            "nothing was accepted: {info}"
        );
        assert_eq!(
            info["signedIn"],
            json!(true),
            "the refresh token is still held"
        );
        let log = requests(&id).await;
        nothing_went_abroad(&log);
        // Each sign-in call went out once (no retry after a redirect).
        assert_eq!(count(&log, "A", "GET", "/v1/accessToken"), 2, "{log:?}");
        assert_eq!(count(&log, "A", "POST", "/v1/generatePin"), 1);
        assert_eq!(count(&log, "A", "POST", "/v1/loginWithPin"), 1);
        assert_eq!(count(&log, "A", "POST", "/api/oauth/token"), 1);
    }
}

#[wasm_bindgen_test]
async fn a_redirect_to_a_foreign_origin_is_refused() {
    for status in [307, 308] {
        let (id, root) = scenario(&format!("foreign{status}"));
        let c = hostile_client(&root);
        let e = fails(c.list_groups(none(), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "listGroups");
        let before = endpoint(&c);
        assert_eq!(before, json!(format!("{root}/ep0/")));
        let e = fails(c.send_message(s("g1"), s("a message body"), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "sendMessage");
        if !is_browser() {
            // Node sees the Location: the message names where it pointed (the host, no path).
            assert!(
                message(&e).contains(&foreign_url()) && !message(&e).contains("steal"),
                "{}",
                message(&e)
            );
        }
        assert_eq!(endpoint(&c), before, "the endpoint did not change");
        let log = requests(&id).await;
        nothing_went_abroad(&log);
        assert_eq!(count(&log, "A", "POST", "/messages"), 1, "{log:?}");
        assert_eq!(count(&log, "A", "GET", "/ep0/v1/groups"), 1, "{log:?}");
    }
}

#[wasm_bindgen_test]
async fn a_post_answered_with_see_other_is_never_sent_again() {
    for status in [301, 302, 303] {
        let (id, root) = scenario(&format!("see{status}"));
        let c = hostile_client(&root);
        ok(c.access_token(none())).await; // signed in; the endpoint known
        let before = endpoint(&c);
        let e = fails(c.send_message(s("g1"), s("only once"), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "sendMessage");
        let e = fails(c.list_groups(none(), none())).await;
        assert_kaizala_error(&e, "redirect_refused", "listGroups");
        assert_eq!(endpoint(&c), before, "the page did not become the endpoint");
        let log = requests(&id).await;
        assert_eq!(count(&log, "A", "POST", "/messages"), 1, "{log:?}");
        assert_eq!(count(&log, "A", "", "/page"), 0, "{log:?}");
    }
}

#[wasm_bindgen_test]
async fn an_endless_relocation_ends_after_three_moves() {
    let (id, root) = scenario("hop");
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    assert_kaizala_error(&e, "relocation_loop", "listGroups");
    let log = requests(&id).await;
    // 1 + 3 relocations, whatever the server does.
    assert_eq!(count(&log, "A", "GET", "/v1/groups"), 4, "{log:?}");
    // Node follows the trusted 308s itself; a browser asks the auth server once per move.
    let mints = if is_browser() { 4 } else { 1 };
    assert_eq!(count(&log, "A", "GET", "/v1/accessToken"), mints, "{log:?}");
    // The endpoint the auth server handed out last; no relocation was stored.
    assert_eq!(endpoint(&c), json!(format!("{root}/ep{mints}/")));
}

#[wasm_bindgen_test]
async fn a_relocation_is_kept_only_after_a_call_there_succeeded() {
    let (_, root) = scenario("relocfail");
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    // Node follows the trusted 308 and meets the 404 there; a browser cannot see where the 308
    // points and the auth server still names ep0.
    let want = if is_browser() {
        "redirect_refused"
    } else {
        "not_found"
    };
    assert_kaizala_error(&e, want, "listGroups");
    assert_eq!(endpoint(&c), json!(format!("{root}/ep0/")));
    if !is_browser() {
        let (_, root) = scenario("relocok");
        let c = hostile_client(&root);
        ok(c.list_groups(none(), none())).await;
        assert_eq!(endpoint(&c), json!(format!("{root}/ep1/")));
    }
}

#[wasm_bindgen_test]
async fn huge_answers_are_too_large_and_nothing_traps() {
    let (_, root) = scenario("huge");
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    assert_kaizala_error(&e, "too_large", "listGroups");
    assert!(message(&e).contains("16777216"), "{}", message(&e));
    // No Content-Length, a body that never ends: read up to the limit, then stopped.
    let (_, root) = scenario("endless");
    let c = make(&js(&hostile_options(
        &root,
        json!({"maxResponseBytes": 1048576}),
    )));
    let e = fails(c.list_groups(none(), none())).await;
    assert_kaizala_error(&e, "too_large", "listGroups");
    assert!(message(&e).contains("1048576"), "{}", message(&e));
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    assert_kaizala_error(&e, "too_large", "listGroups");
    // Nesting and numbers past what JSON parsing takes are invalid answers, not a crash.
    for mode in ["deep", "bignum"] {
        let (_, root) = scenario(mode);
        let c = hostile_client(&root);
        let e = fails(c.list_groups(none(), none())).await;
        assert_kaizala_error(&e, "invalid_response", "listGroups");
    }
    // An answer of exactly the limit is read; one byte over is not.
    let (_, root) = scenario("sized");
    let c = make(&js(&hostile_options(
        &root,
        json!({"maxResponseBytes": 2000}),
    )));
    let r = ok(c.list_groups(none(), none())).await;
    assert_eq!(r["groups"].as_array().map(Vec::len), Some(994));
    let c = make(&js(&hostile_options(
        &root,
        json!({"maxResponseBytes": 1999}),
    )));
    assert_kaizala_error(
        &fails(c.list_groups(none(), none())).await,
        "too_large",
        "listGroups",
    );
    let (_, root) = scenario("plain");
    // Deeply nested input from the caller is refused, not a stack overflow.
    let deep = jsfn(
        "",
        "let o = {}; const top = o; for (let i = 0; i < 100000; i++) { o.x = {}; o = o.x; } return {body: top};",
    )
    .call0(&JsValue::NULL)
    .unwrap_or(JsValue::UNDEFINED);
    let e = fails(c.request(s("POST"), s("groups"), deep.clone())).await;
    assert_kaizala_error(&e, "invalid_input", "request");
    let cyclic = jsfn("", "const o = {}; o.self = o; return {body: o};")
        .call0(&JsValue::NULL)
        .unwrap_or(JsValue::UNDEFINED);
    let e = fails(c.request(s("POST"), s("groups"), cyclic)).await;
    assert_kaizala_error(&e, "invalid_input", "request");
    // The wasm is alive: the same client, and a new one, still work.
    let c = hostile_client(&root);
    assert_eq!(
        ok(c.list_groups(none(), none())).await,
        json!({"groups": []})
    );
    for bad in [0.0, -1.0, 1.5, 2e9] {
        let o = js(&hostile_options(&root, json!({"maxResponseBytes": bad})));
        match KaizalaClient::new(o) {
            Ok(_) => panic!("maxResponseBytes {bad} was accepted"),
            Err(e) => assert_kaizala_error(&e, "invalid_input", "KaizalaClient"),
        }
    }
}

#[wasm_bindgen_test]
async fn tokens_a_server_echoes_never_reach_a_message() {
    // The token exactly where the server's text is clipped (300 characters), and around it.
    for pad in [280, 290, 295, 299, 300] {
        let (_, root) = scenario("echo");
        let c = hostile_client(&root);
        let e = fails(c.request(s("GET"), s("groups"), js(&json!({"query": {"pad": pad}})))).await;
        assert_kaizala_error(&e, "invalid_input", "request");
        let token = JsFuture::from(c.access_token(none()))
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        assert!(token.starts_with("at-"), "{token}");
        no_secret_in(&message(&e), &[&token]);
    }
    // In the field the server names.
    let (_, root) = scenario("echofield");
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    let token = JsFuture::from(c.access_token(none()))
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    no_secret_in(&message(&e), &[&token]);
    no_secret_in(&prop_str(&e, "field"), &[&token]);
    // In every field of the platform's error shape, the raw errorCode included.
    let (_, root) = scenario("echocode");
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    let token = JsFuture::from(c.access_token(none()))
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    assert!(token.starts_with("at-"), "{token}");
    for key in ["message", "field", "platformCode"] {
        no_secret_in(&prop_str(&e, key), &[&token]);
    }
    assert!(
        prop_str(&e, "platformCode").starts_with("Bad"),
        "{}",
        message(&e)
    );
    // The access token a refresh has just replaced.
    let (id, root) = scenario("echoold");
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    assert_kaizala_error(&e, "invalid_input", "listGroups");
    let log = requests(&id).await;
    let sent: Vec<String> = log
        .iter()
        .filter(|r| r["path"].as_str().unwrap_or("").contains("/v1/groups"))
        .filter_map(|r| r["accessToken"].as_str().map(str::to_string))
        .collect();
    assert_eq!(sent.len(), 2, "{log:?}");
    assert_ne!(sent[0], sent[1], "a refresh happened");
    no_secret_in(&message(&e), &[&sent[0], &sent[1]]);
    // The secret and refresh token the auth server echoes, in the message and the field.
    let (_, root) = scenario("echoauth");
    let c = hostile_client(&root);
    let e = fails(c.list_groups(none(), none())).await;
    no_secret_in(&message(&e), &[SECRET, REFRESH]);
    no_secret_in(&prop_str(&e, "field"), &[SECRET, REFRESH]);
    // The hooks: an endpoint URL that carries the token (the only free text they hold).
    let (_, root) = scenario("tokenpath");
    let hook = recorder();
    let o = hostile_options(&root, json!({"maxRetries": 0}));
    let c = make_with(
        &o,
        &[
            ("onRequest", hook.clone().into()),
            ("onResponse", hook.clone().into()),
        ],
    );
    assert_kaizala_error(
        &fails(c.list_groups(none(), none())).await,
        "server",
        "listGroups",
    );
    let token = JsFuture::from(c.access_token(none()))
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    let events = recorded(&hook);
    assert_eq!(events.len(), 4, "{events:?}");
    no_secret_in(&json!(events).to_string(), &[&token, SECRET, REFRESH]);
}

#[wasm_bindgen_test]
async fn the_platforms_token_refusal_with_a_400_refreshes_and_retries_once() {
    // The platform's `InvalidToken` answer, with a status other than 401 (the C# client never
    // looks at the status, so nothing says the platform sent 401): a new token, the call again.
    let (id, root) = scenario("platform400");
    let c = hostile_client(&root);
    let v = JsFuture::from(c.list_groups(none(), none()))
        .await
        .expect("the call succeeds after one refresh");
    assert!(prop(&v, "groups").is_array());
    let log = requests(&id).await;
    let sent: Vec<String> = log
        .iter()
        .filter(|r| r["path"].as_str().unwrap_or("").contains("/v1/groups"))
        .filter_map(|r| r["accessToken"].as_str().map(str::to_string))
        .collect();
    assert_eq!(sent.len(), 2, "{log:?}");
    assert_ne!(sent[0], sent[1], "the second call carries a new token");
}

#[wasm_bindgen_test]
async fn paths_that_would_leave_their_place_are_refused_before_anything_is_sent() {
    let (id, root) = scenario("plain");
    let c = hostile_client(&root);
    let raw = [
        ("GET", "../../_emulator/seed"),
        ("GET", "groups/%2e%2e/%2E%2e/x"),
        ("GET", "groups/.%2E/x"),
        ("DELETE", "groups/g1/.."),
        ("DELETE", "groups/g1/"),
        ("GET", "groups//x"),
        ("GET", "groups/a%2Fb"),
        ("GET", "groups\\..\\..\\x"),
        ("GET", ".\t./_emulator/seed"),
    ];
    for (method, path) in raw {
        let e = fails(c.request(s(method), s(path), none())).await;
        assert_kaizala_error(&e, "invalid_input", "request");
        assert_eq!(prop_str(&e, "field"), "path", "{path}");
    }
    for (p, field) in [
        (c.remove_member(s("g1"), s(".."), none()), "memberId"),
        (c.remove_member(s("g1"), s("%2e%2E"), none()), "memberId"),
        (c.remove_member(s(".."), s("m1"), none()), "groupId"),
        (c.delete_webhook(s("."), none()), "webhookId"),
        (c.get_group(s("a/b"), none()), "groupId"),
        (c.delete_bot(s("%2f"), none()), "botUserId"),
        (c.get_action(s("g1"), s(".%2e"), none(), none()), "actionId"),
    ] {
        let e = fails(p).await;
        assert_eq!(code(&e), "invalid_input", "{}", message(&e));
        assert_eq!(prop_str(&e, "field"), field, "{}", message(&e));
    }
    // Not one request: not even a token was minted.
    assert_eq!(requests(&id).await, Vec::<Value>::new());
}

#[wasm_bindgen_test]
async fn answers_of_the_wrong_shape_are_invalid() {
    for mode in ["shapestring", "shapearray", "shapenumber", "shapeempty"] {
        let (_, root) = scenario(mode);
        let c = hostile_client(&root);
        let e = fails(c.list_groups(none(), none())).await;
        assert_kaizala_error(&e, "invalid_response", "listGroups");
        // `request` hands back whatever JSON came.
        ok(c.request(s("GET"), s("groups"), none())).await;
    }
}
