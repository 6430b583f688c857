//! The shared wasm test suite of `KaizalaClient` against a live emulator (run in Chrome and in Node).

use js_sys::{Array, Function, Promise};
use kaizala::KaizalaClient;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const NO_EMULATOR: &str = "KAIZALA_EMULATOR_URL was not set when the tests were compiled; run them through scripts/with-emulator.sh";

fn emu() -> String {
    match option_env!("KAIZALA_EMULATOR_URL") {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => panic!("{NO_EMULATOR}"),
    }
}

// ---- JS helpers --------------------------------------------------------------------------

fn js(v: &Value) -> JsValue {
    use serde::Serialize;
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::UNDEFINED)
}

fn val(v: &JsValue) -> Value {
    if v.is_undefined() {
        return Value::Null;
    }
    serde_wasm_bindgen::from_value(v.clone()).unwrap_or(Value::Null)
}

fn jsfn(args: &str, body: &str) -> Function {
    Function::new_with_args(args, body)
}

fn prop(v: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn prop_str(v: &JsValue, k: &str) -> String {
    prop(v, k).as_string().unwrap_or_default()
}

fn none() -> JsValue {
    JsValue::UNDEFINED
}

fn s(x: &str) -> JsValue {
    JsValue::from_str(x)
}

async fn sleep_ms(ms: u32) {
    let p = jsfn("ms", "return new Promise(r => setTimeout(r, ms))")
        .call1(&JsValue::NULL, &JsValue::from(ms))
        .unwrap_or(JsValue::UNDEFINED);
    let _ = JsFuture::from(Promise::resolve(&p)).await;
}

/// The result of a call that must succeed.
async fn ok(p: Promise) -> Value {
    match JsFuture::from(p).await {
        Ok(v) => val(&v),
        Err(e) => panic!(
            "call failed: {} (code {})",
            prop_str(&e, "message"),
            prop_str(&e, "code")
        ),
    }
}

/// The error of a call that must fail.
async fn fails(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("call succeeded unexpectedly: {:?}", val(&v)),
        Err(e) => e,
    }
}

fn code(e: &JsValue) -> String {
    prop_str(e, "code")
}

/// A KaizalaError's invariant shape.
fn assert_kaizala_error(e: &JsValue, want_code: &str, operation: &str) {
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    assert_eq!(prop_str(e, "name"), "KaizalaError");
    assert_eq!(code(e), want_code, "message: {}", prop_str(e, "message"));
    assert_eq!(prop_str(e, "operation"), operation);
    assert!(prop(e, "status").as_f64().is_some(), "status is a number");
}

// ---- the emulator's dev API ------------------------------------------------------------------

async fn dev(method: &str, path: &str, body: Option<Value>) -> Value {
    use gloo_net::http::RequestBuilder;
    let url = format!("{}/_emulator/{path}", emu());
    let m = match method {
        "POST" => gloo_net::http::Method::POST,
        "DELETE" => gloo_net::http::Method::DELETE,
        _ => gloo_net::http::Method::GET,
    };
    let b = RequestBuilder::new(&url).method(m);
    let req = match body {
        Some(v) => b
            .header("Content-Type", "application/json")
            .body(v.to_string()),
        None => b.build(),
    };
    let resp = match req {
        Ok(r) => r.send().await,
        Err(e) => panic!("dev API request {path}: {e}"),
    };
    let text = match resp {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => panic!("dev API {path} unreachable ({e}); {NO_EMULATOR}"),
    };
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn seed() -> Value {
    dev("GET", "seed", None).await
}

async fn fault(f: Value) {
    dev("POST", "faults", Some(f)).await;
}

async fn clear_faults() {
    dev("DELETE", "faults", None).await;
}

/// The sequence number of the last logged platform call.
async fn mark() -> u64 {
    let log = dev("GET", "requests", None).await;
    log["requests"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|r| r["seq"].as_u64())
        .unwrap_or(0)
}

/// Platform calls logged after `since` matching the method and path suffix.
async fn calls_since(since: u64, method: &str, path_end: &str) -> usize {
    let log = dev("GET", "requests", None).await;
    log["requests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["seq"].as_u64().unwrap_or(0) > since)
                .filter(|r| r["method"] == method)
                .filter(|r| r["path"].as_str().unwrap_or("").ends_with(path_end))
                .count()
        })
        .unwrap_or(0)
}

async fn all_calls_since(since: u64) -> usize {
    let log = dev("GET", "requests", None).await;
    log["requests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["seq"].as_u64().unwrap_or(0) > since)
                .count()
        })
        .unwrap_or(0)
}

async fn pin_for(mobile: &str) -> i64 {
    let sms = dev(
        "GET",
        &format!("sms?mobileNumber={}", mobile.replace('+', "%2B")),
        None,
    )
    .await;
    sms["messages"][0]["pin"]
        .as_i64()
        .unwrap_or_else(|| panic!("no PIN was sent to {mobile}: {sms}"))
}

mod hostile;

// ---- clients -----------------------------------------------------------------------------------

/// Options for the demo connector on the emulator, plus `extra`.
async fn options(extra: Value) -> Value {
    let sd = seed().await;
    let mut o = json!({
        "applicationId": sd["applicationId"],
        "applicationSecret": sd["applicationSecret"],
        "authUrl": sd["authUrl"],
        "oauthUrl": sd["oauthUrl"],
        "storage": "memory",
        // The suite makes far more than 100 calls a minute on one connector; the limiter has a
        // test of its own (`the_rate_limiter_keeps_under_the_throttle`).
        "rateLimit": false,
    });
    if let (Some(m), Value::Object(x)) = (o.as_object_mut(), extra) {
        m.extend(x);
    }
    o
}

fn make(opts: &JsValue) -> KaizalaClient {
    match KaizalaClient::new(opts.clone()) {
        Ok(c) => c,
        Err(e) => panic!("constructor failed: {}", prop_str(&e, "message")),
    }
}

/// A client signed in with the seed's user token (the organisation admin).
async fn admin() -> KaizalaClient {
    let sd = seed().await;
    make(&js(&options(
        json!({"refreshToken": sd["userRefreshToken"]}),
    )
    .await))
}

/// A client built from `opts`, where extra JS values (functions, storage objects) are set on top.
fn make_with(opts: &Value, extra: &[(&str, JsValue)]) -> KaizalaClient {
    let o = js(opts);
    for (k, v) in extra {
        let _ = js_sys::Reflect::set(&o, &s(k), v);
    }
    make(&o)
}

/// An object with getItem/setItem/removeItem over a Map (exposed as `.map`).
fn map_storage() -> JsValue {
    jsfn(
        "",
        "const map = new Map(); return { map, getItem: k => map.has(k) ? map.get(k) : null, \
         setItem: (k, v) => { map.set(k, String(v)); }, removeItem: k => { map.delete(k); } };",
    )
    .call0(&JsValue::NULL)
    .unwrap_or(JsValue::UNDEFINED)
}

async fn new_group(c: &KaizalaClient, name: &str) -> String {
    let g = ok(c.create_group(
        js(&json!({"name": name, "welcomeMessage": "hi", "members": ["+911000000010", "+911000000011"]})),
        none(),
    ))
    .await;
    assert_eq!(g["groupName"], json!(name));
    // A boolean, as the connector page has it: every listed number was added.
    assert_eq!(g["membersAdded"], json!(true), "{g}");
    g["groupId"]
        .as_str()
        .unwrap_or_else(|| panic!("no groupId: {g}"))
        .to_string()
}

// ---- options and errors ------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn bad_options_throw_a_kaizala_error_at_once() {
    for (opts, field) in [
        (json!({}), "applicationId"),
        (json!({"applicationId": "a", "storage": "disk"}), "storage"),
        (json!({"applicationId": "a", "timeoutMs": -1}), "timeoutMs"),
        (
            json!({"applicationId": "a", "authUrl": "ftp://x"}),
            "authUrl",
        ),
        (
            json!({"applicationId": "a", "tokenProvider": 5}),
            "tokenProvider",
        ),
    ] {
        match KaizalaClient::new(js(&opts)) {
            Ok(_) => panic!("accepted {opts}"),
            Err(e) => {
                assert_kaizala_error(&e, "invalid_input", "KaizalaClient");
                assert_eq!(prop_str(&e, "field"), field);
            }
        }
    }
    assert!(KaizalaClient::new(JsValue::from(3)).is_err());
    let codes = kaizala::error_codes();
    for c in [
        "invalid_input",
        "throttled",
        "timeout",
        "aborted",
        "not_signed_in",
    ] {
        assert!(codes.iter().any(|x| x == c), "{c}");
    }
}

/// The global `fetch` is looked up per call (polyfills and mocks apply) in both ways the client
/// starts it: from a microtask of its own in the browser, directly in Node.
#[wasm_bindgen_test]
async fn the_global_fetch_is_looked_up_per_call_and_a_bad_one_fails_cleanly() {
    let c = admin().await;
    ok(c.list_groups(none(), none())).await; // signed in, the token held
    let swap = jsfn(
        "",
        "const real = globalThis.fetch; const seen = []; \
         const fake = (url, init) => { seen.push(String(url) + ' ' + (init && init.method)); \
           return Promise.resolve({ status: 200, not: 'a Response' }); }; \
         return { seen, fake: () => { globalThis.fetch = fake; }, none: () => { globalThis.fetch = undefined; }, \
           restore: () => { globalThis.fetch = real; } };",
    )
    .call0(&JsValue::NULL)
    .unwrap_or(JsValue::UNDEFINED);
    let run = |what: &str| {
        let _ = prop(&swap, what)
            .dyn_into::<Function>()
            .map(|f| f.call0(&JsValue::NULL));
    };
    run("fake");
    let not_a_response = fails(c.list_groups(none(), none())).await;
    run("none");
    let no_fetch = fails(c.list_groups(none(), none())).await;
    run("restore");
    let seen = val(&prop(&swap, "seen"));
    assert_eq!(seen.as_array().map(Vec::len), Some(1), "{seen}");
    let first = seen[0].as_str().unwrap_or_default();
    assert!(
        first.contains("/groups") && first.ends_with(" GET"),
        "{first}"
    );
    assert_kaizala_error(&not_a_response, "invalid_response", "listGroups");
    assert_kaizala_error(&no_fetch, "invalid_input", "listGroups");
    assert!(
        prop_str(&no_fetch, "message").contains("fetch is not a function"),
        "{}",
        prop_str(&no_fetch, "message")
    );
    // The instance still works once fetch is back.
    assert!(ok(c.list_groups(none(), none())).await["groups"].is_array());
}

#[wasm_bindgen_test]
async fn errors_are_instances_of_the_registered_class() {
    let cls = jsfn("", "return class KaizalaError extends Error {}")
        .call0(&JsValue::NULL)
        .unwrap_or(JsValue::UNDEFINED);
    kaizala::set_error_class(cls.clone());
    let c = admin().await;
    let e = fails(c.send_message(s("g"), s(""), none())).await;
    let proto = prop(&cls, "prototype");
    let is = jsfn(
        "e, cls",
        "return e instanceof cls && e instanceof Error && typeof e.stack === 'string'",
    )
    .call2(&JsValue::NULL, &e, &cls)
    .unwrap_or(JsValue::FALSE);
    assert_eq!(is, JsValue::TRUE, "proto {proto:?}");
    assert_kaizala_error(&e, "invalid_input", "sendMessage");
}

#[wasm_bindgen_test]
async fn validation_refuses_before_any_request() {
    let c = admin().await;
    let m = mark().await;
    let e = fails(c.add_members(s("g1"), js(&json!(["+911000000010", "12345"])), none())).await;
    assert_kaizala_error(&e, "invalid_input", "addMembers");
    assert_eq!(prop_str(&e, "field"), "members[1]");
    assert_eq!(prop(&e, "status").as_f64(), Some(0.0));
    let e = fails(c.send_message(s("g1"), s(&"x".repeat(4001)), none())).await;
    assert_eq!(prop_str(&e, "field"), "message");
    let e = fails(c.generate_pin(s("1000000001"), none())).await;
    assert_eq!(prop_str(&e, "field"), "mobileNumber");
    let e = fails(c.get_group(JsValue::from(5), none())).await;
    assert_eq!(prop_str(&e, "field"), "groupId");
    let e = fails(c.upload_media(
        js(&json!([1, 2])),
        js(&json!({"fileName": "a.exe"})),
        none(),
    ))
    .await;
    assert_eq!(code(&e), "unsupported_media");
    let e = fails(c.post_poll(
        s("g1"),
        js(&json!({"question": "q", "choices": []})),
        none(),
    ))
    .await;
    assert_eq!(code(&e), "invalid_input");
    assert_eq!(all_calls_since(m).await, 0, "nothing may be sent");
}

// ---- sign-in -------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn pin_sign_in() {
    let mobile = "+911000000003";
    let c = make(&js(&options(json!({})).await));
    assert!(c.token_info().is_object());
    assert_eq!(val(&c.token_info())["signedIn"], json!(false));
    let e = fails(c.list_groups(none(), none())).await;
    assert_kaizala_error(&e, "not_signed_in", "listGroups");
    assert_eq!(ok(c.generate_pin(s(mobile), none())).await, json!({}));
    let pin = pin_for(mobile).await;
    let r = ok(c.login_with_pin(s(mobile), JsValue::from(pin as f64), none())).await;
    assert!(r["scopes"].as_array().is_some_and(|a| !a.is_empty()), "{r}");
    assert!(r.get("refreshToken").is_none());
    let me = ok(c.me(none())).await;
    assert_eq!(me["mobileNumber"], json!(mobile));
    assert!(me["id"].is_string() && me["name"].is_string(), "{me}");
    let info = val(&c.token_info());
    assert_eq!(info["signedIn"], json!(true));
    assert_eq!(info["hasRefreshToken"], json!(true));
    assert!(info["endpointUrl"].is_string());
    let text = info.to_string();
    assert!(!text.contains("accessToken\":\""), "{text}");
    let token = JsFuture::from(c.access_token(none()))
        .await
        .unwrap_or(JsValue::NULL);
    assert!(token.as_string().is_some_and(|t| !t.is_empty()));
    assert!(!text.contains(&token.as_string().unwrap_or_default()));
    // A wrong PIN is refused by the platform.
    ok(c.generate_pin(s(mobile), none())).await;
    let e = fails(c.login_with_pin(s(mobile), s("1"), none())).await;
    assert_eq!(prop_str(&e, "operation"), "loginWithPin");
    assert!(prop(&e, "status").as_f64().unwrap_or(0.0) >= 400.0);
}

#[wasm_bindgen_test]
async fn refresh_token_sign_in_lists_groups() {
    let c = admin().await;
    let r = ok(c.list_groups(js(&json!({"showDetail": true})), none())).await;
    let groups = r["groups"].as_array().cloned().unwrap_or_default();
    assert!(!groups.is_empty(), "{r}");
    for f in ["groupId", "groupName", "groupType", "userCount"] {
        assert!(groups[0].get(f).is_some(), "{f} in {}", groups[0]);
    }
    let info = val(&c.token_info());
    assert_eq!(info["signedIn"], json!(true));
    assert!(info["scopes"].as_array().is_some_and(|a| !a.is_empty()));
}

#[wasm_bindgen_test]
async fn token_provider_sign_in() {
    let sd = seed().await;
    let provider = jsfn(
        "authUrl, app, secret, rt",
        "let calls = 0; const f = async (info) => { calls++; f.calls = calls; f.info = info; \
         const r = await fetch(authUrl + '/accessToken', {headers: {applicationId: app, applicationSecret: secret, refreshToken: rt}}); \
         const b = await r.json(); return {accessToken: b.accessToken, endpointUrl: b.endpointUrl, accessTokenExpiry: b.accessTokenExpiry}; }; return f;",
    )
    .apply(
        &JsValue::NULL,
        &Array::of4(
            &js(&sd["authUrl"]),
            &js(&sd["applicationId"]),
            &js(&sd["applicationSecret"]),
            &js(&sd["userRefreshToken"]),
        ),
    )
    .unwrap_or(JsValue::UNDEFINED);
    let o = json!({"applicationId": sd["applicationId"], "authUrl": sd["authUrl"], "storage": "memory", "rateLimit": false});
    let c = make_with(&o, &[("tokenProvider", provider.clone())]);
    let r = ok(c.list_groups(none(), none())).await;
    assert!(r["groups"].is_array());
    ok(c.me(none())).await;
    assert_eq!(prop(&provider, "calls").as_f64(), Some(1.0));
    assert_eq!(prop_str(&prop(&provider, "info"), "connection"), "default");
    // A provider that throws surfaces as a KaizalaError of the call.
    let bad = jsfn(
        "",
        "return async () => { throw new Error('server said no'); }",
    )
    .call0(&JsValue::NULL)
    .unwrap_or(JsValue::UNDEFINED);
    let c = make_with(&o, &[("tokenProvider", bad)]);
    let e = fails(c.me(none())).await;
    assert_kaizala_error(&e, "unauthorized", "me");
    assert!(prop_str(&e, "message").contains("server said no"));
}

#[wasm_bindgen_test]
async fn oauth_authorize_url_and_state() {
    let sd = seed().await;
    let c = make(&js(&options(json!({})).await));
    let u = c
        .authorize_url(s("https://app.example/cb"), none())
        .unwrap_or_default();
    let want = format!(
        "{}/Authorize?client_id={}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=",
        sd["oauthUrl"].as_str().unwrap_or(""),
        sd["applicationId"].as_str().unwrap_or("")
    );
    assert!(u.starts_with(&want), "{u}");
    let state = u.rsplit("state=").next().unwrap_or("");
    assert_eq!(state.len(), 32);
    // A redirect carrying another state is refused before any exchange.
    let m = mark().await;
    let e =
        fails(c.complete_authorization(s("https://app.example/cb?code=abc&state=forged"), none()))
            .await;
    assert_kaizala_error(&e, "invalid_input", "completeAuthorization");
    assert_eq!(prop_str(&e, "field"), "state");
    assert_eq!(all_calls_since(m).await, 0);
    let given = c
        .authorize_url(s("https://app.example/cb"), s("mine"))
        .unwrap_or_default();
    assert!(given.ends_with("&state=mine"), "{given}");
    assert!(c.authorize_url(s("/relative"), none()).is_err());
}

#[wasm_bindgen_test]
async fn oauth_code_sign_in() {
    let sd = seed().await;
    let mobile = "+911000000012";
    let c = make(&js(&options(json!({})).await));
    let redirect = format!("{}/_emulator/inbox/oauth-cb", emu());
    let u = c.authorize_url(s(&redirect), none()).unwrap_or_default();
    let state = u.rsplit("state=").next().unwrap_or("").to_string();
    let form = |step: &str, pin: &str| {
        let mut f = format!(
            "client_id={}&redirect_uri={}&state={state}&step={step}&mobileNumber={}",
            sd["applicationId"].as_str().unwrap_or(""),
            js_sys::encode_uri_component(&redirect),
            js_sys::encode_uri_component(mobile)
        );
        if !pin.is_empty() {
            f.push_str(&format!("&pin={pin}"));
        }
        f
    };
    let authorize = format!("{}/Authorize", sd["oauthUrl"].as_str().unwrap_or(""));
    let post = |body: String| {
        gloo_net::http::RequestBuilder::new(&authorize)
            .method(gloo_net::http::Method::POST)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let r = post(form("mobile", "")).map(|r| r.send());
    match r {
        Ok(f) => assert!(f.await.is_ok_and(|r| r.status() == 200)),
        Err(e) => panic!("{e}"),
    }
    let pin = pin_for(mobile).await;
    // The PIN step redirects to redirect_uri?code=…&state=…; fetch follows it to the inbox.
    let landed = match post(form("pin", &pin.to_string())) {
        Ok(req) => match req.send().await {
            Ok(resp) => resp.url(),
            Err(e) => panic!("{e}"),
        },
        Err(e) => panic!("{e}"),
    };
    assert!(
        landed.contains("code=") && landed.contains(&format!("state={state}")),
        "{landed}"
    );
    let info = ok(c.complete_authorization(s(&landed), none())).await;
    assert_eq!(info["signedIn"], json!(true), "{info}");
    assert_eq!(info["hasRefreshToken"], json!(true));
    let me = ok(c.me(none())).await;
    assert_eq!(me["mobileNumber"], json!(mobile));
    // The code is single-use.
    let e = fails(c.complete_authorization(s(&landed), none())).await;
    assert_eq!(prop_str(&e, "operation"), "completeAuthorization");
}

// ---- token storage -------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn tokens_survive_a_new_instance_on_the_same_storage() {
    let sd = seed().await;
    let store = map_storage();
    let changes = Array::new();
    let on_change = jsfn("list", "return info => list.push(info)")
        .call1(&JsValue::NULL, &changes)
        .unwrap_or(JsValue::UNDEFINED);
    let o = options(json!({"refreshToken": sd["userRefreshToken"]})).await;
    let a = make_with(
        &o,
        &[("storage", store.clone()), ("onTokenChange", on_change)],
    );
    ok(a.me(none())).await;
    assert!(changes.length() >= 1);
    let change = val(&changes.get(0));
    assert!(
        change.get("connection").is_some() && change.get("accessToken").is_none(),
        "{change}"
    );
    let key = format!(
        "kaizala:{}:default",
        sd["applicationId"].as_str().unwrap_or("")
    );
    let stored = prop(&store, "map")
        .dyn_into::<js_sys::Map>()
        .map(|m| m.get(&s(&key)))
        .unwrap_or(JsValue::UNDEFINED)
        .as_string()
        .unwrap_or_default();
    assert!(stored.contains("refreshToken"), "{stored}");
    assert!(
        !stored.contains(sd["applicationSecret"].as_str().unwrap_or("?")),
        "the secret is never stored"
    );
    let m = mark().await;
    let o2 = options(json!({})).await;
    let b = make_with(&o2, &[("storage", store)]);
    assert_eq!(val(&b.token_info())["signedIn"], json!(true));
    ok(b.me(none())).await;
    assert_eq!(
        calls_since(m, "GET", "/v1/accessToken").await,
        0,
        "no new mint"
    );
    b.logout();
    assert_eq!(val(&b.token_info())["signedIn"], json!(false));
    let e = fails(b.me(none())).await;
    assert_eq!(code(&e), "not_signed_in");
}

#[wasm_bindgen_test]
async fn a_corrupt_stored_entry_is_discarded() {
    let sd = seed().await;
    let store = map_storage();
    let key = format!(
        "kaizala:{}:default",
        sd["applicationId"].as_str().unwrap_or("")
    );
    let _ = jsfn("st, k", "st.setItem(k, '{\"v\":1,\"applicationId\":')").call2(
        &JsValue::NULL,
        &store,
        &s(&key),
    );
    let c = make_with(&options(json!({})).await, &[("storage", store.clone())]);
    assert_eq!(val(&c.token_info())["signedIn"], json!(false));
    let left = jsfn("st, k", "return st.getItem(k)")
        .call2(&JsValue::NULL, &store, &s(&key))
        .unwrap_or(JsValue::UNDEFINED);
    assert!(left.is_null(), "the corrupt entry is removed");
    let e = fails(c.list_groups(none(), none())).await;
    assert_eq!(code(&e), "not_signed_in");
    // With a refresh token it simply signs in again.
    let _ = jsfn("st, k", "st.setItem(k, 'garbage')").call2(&JsValue::NULL, &store, &s(&key));
    let o = options(json!({"refreshToken": sd["userRefreshToken"]})).await;
    let c = make_with(&o, &[("storage", store)]);
    ok(c.me(none())).await;
}

#[wasm_bindgen_test]
async fn default_storage_and_other_tabs() {
    let sd = seed().await;
    let mut o =
        options(json!({"refreshToken": sd["userRefreshToken"], "connection": "tabs"})).await;
    if let Some(m) = o.as_object_mut() {
        m.remove("storage");
    }
    let c = make(&js(&o));
    ok(c.me(none())).await;
    let key = format!(
        "kaizala:{}:tabs",
        sd["applicationId"].as_str().unwrap_or("")
    );
    // Only browsers have the storage event; Node's default is memory (nothing else to check).
    let has_event = jsfn(
        "",
        "return typeof StorageEvent === 'function' && typeof localStorage === 'object'",
    )
    .call0(&JsValue::NULL)
    .unwrap_or(JsValue::FALSE);
    if has_event != JsValue::TRUE {
        c.logout();
        return;
    }
    let raw = jsfn("k", "return localStorage.getItem(k)")
        .call1(&JsValue::NULL, &s(&key))
        .unwrap_or(JsValue::NULL)
        .as_string()
        .unwrap_or_default();
    let mut other: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    assert!(
        other.is_object(),
        "tokens are in localStorage by default: {raw}"
    );
    let held = val(&c.token_info())["endpointUrl"].clone();
    let updated = other["updatedAt"].as_i64().unwrap_or(0);
    assert!(updated > 0, "tokens are stored with updatedAt: {raw}");
    let dispatch = |entry: &Value| {
        let _ = jsfn(
            "k, v",
            "window.dispatchEvent(new StorageEvent('storage', {key: k, newValue: v}))",
        )
        .call2(&JsValue::NULL, &s(&key), &s(&entry.to_string()));
    };
    // Older than what is held (or of the same age, or without updatedAt): ignored.
    other["endpointUrl"] = json!("http://stale-tab.example/inc-008/");
    for stale in [json!(updated - 1), json!(updated), Value::Null] {
        other["updatedAt"] = stale.clone();
        if stale.is_null() {
            if let Some(m) = other.as_object_mut() {
                m.remove("updatedAt");
            }
        }
        dispatch(&other);
        assert_eq!(val(&c.token_info())["endpointUrl"], held, "{stale}");
    }
    // Newer: adopted.
    other["endpointUrl"] = json!("http://other-tab.example/inc-009/");
    other["updatedAt"] = json!(updated + 1);
    dispatch(&other);
    assert_eq!(
        val(&c.token_info())["endpointUrl"],
        json!("http://other-tab.example/inc-009/")
    );
    let _ = jsfn(
        "k",
        "window.dispatchEvent(new StorageEvent('storage', {key: k, newValue: null}))",
    )
    .call1(&JsValue::NULL, &s(&key));
    assert_eq!(val(&c.token_info())["signedIn"], json!(false));
    c.logout();
}

#[wasm_bindgen_test]
async fn single_flight_refresh() {
    let c = admin().await;
    ok(c.me(none())).await;
    dev(
        "POST",
        "clock",
        Some(json!({"advanceMs": 24 * 3600 * 1000 + 60_000})),
    )
    .await;
    let m = mark().await;
    let all = Array::new();
    for _ in 0..20 {
        all.push(&c.list_groups(none(), none()));
    }
    let r = JsFuture::from(Promise::all(&all)).await;
    assert!(
        r.is_ok(),
        "all 20 calls succeed: {:?}",
        r.err().map(|e| prop_str(&e, "message"))
    );
    assert_eq!(calls_since(m, "GET", "/v1/accessToken").await, 1);
    assert_eq!(
        calls_since(m, "GET", "/v1/groups").await,
        40,
        "20 refused, 20 repeated"
    );
}

// ---- every call --------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn groups_and_members() {
    let c = admin().await;
    let g = new_group(&c, "wasm groups").await;
    let got = ok(c.get_group(s(&g), none())).await;
    assert_eq!(got["groups"][0]["groupId"], json!(g));
    let sub = ok(c.create_sub_group(
        s(&g),
        js(&json!({"groupName": "wasm sub", "welcomeMessage": "w"})),
        none(),
    ))
    .await;
    let sub_id = sub["groupId"].as_str().unwrap_or("").to_string();
    assert_eq!(sub["groupName"], json!("wasm sub"));
    let other = new_group(&c, "wasm other").await;
    let r = ok(c.add_sub_groups(s(&g), js(&json!([other])), none())).await;
    assert!(r.get("result").is_some(), "{r}");
    let subs = ok(c.list_sub_groups(s(&g), js(&json!({"fetchAllGroups": true})), none())).await;
    // The connector page's shape: the group, inside `groups`, with its sub-groups.
    assert_eq!(subs["groups"][0]["groupId"], json!(g), "{subs}");
    let ids: Vec<&str> = subs["groups"][0]["subGroups"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["groupId"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        ids.contains(&sub_id.as_str()) && ids.contains(&other.as_str()),
        "{subs}"
    );
    let r = ok(c.remove_sub_group(s(&g), s(&other), none())).await;
    assert!(r.get("result").is_some());
    assert_eq!(
        ok(c.add_members(s(&g), js(&json!({"members": ["+911000000012"]})), none())).await
            ["result"],
        json!(true)
    );
    let members = ok(c.list_members(s(&g), none())).await;
    let list = members["members"].as_array().cloned().unwrap_or_default();
    let m12 = list
        .iter()
        .find(|m| m["mobileNumber"] == "+911000000012")
        .cloned()
        .unwrap_or(Value::Null);
    for f in ["id", "role", "mobileNumber", "isProvisioned"] {
        assert!(m12.get(f).is_some(), "{f} in {m12}");
    }
    let id = m12["id"].as_str().unwrap_or("").to_string();
    assert_eq!(
        ok(c.remove_member(s(&g), s(&id), none())).await["result"],
        json!(true)
    );
    let e = fails(c.get_group(s("no-such-group"), none())).await;
    assert!(
        ["not_found", "forbidden"].contains(&code(&e).as_str()),
        "{}",
        code(&e)
    );
    assert!(prop(&e, "status").as_f64().unwrap_or(0.0) >= 400.0);
    // The platform's own errorCode rides along, as the server sent it.
    let want = if code(&e) == "not_found" {
        "NotFound"
    } else {
        "Forbidden"
    };
    assert_eq!(prop_str(&e, "platformCode"), want);
}

#[wasm_bindgen_test]
async fn subscribers_and_paging() {
    let sd = seed().await;
    let c = admin().await;
    let pg = sd["publicGroupId"].as_str().unwrap_or("").to_string();
    let added = ok(c.add_subscribers(s(&pg), js(&json!(["+919100000999"])), none())).await;
    assert_eq!(
        added["result"]["+919100000999"]["isAdded"],
        json!(true),
        "{added}"
    );
    let page = ok(c.list_subscribers(s(&pg), js(&json!({"count": 50})), none())).await;
    let first = page["subscribers"].as_array().cloned().unwrap_or_default();
    assert_eq!(first.len(), 50);
    for f in ["id", "mobileNumber", "name", "isProvisioned"] {
        assert!(first[0].get(f).is_some(), "{f}");
    }
    let next = c.next_cursor(s("listSubscribers"), js(&page), none());
    let cursor = next
        .as_string()
        .unwrap_or_else(|| panic!("a next page: {page}"));
    let page2 = ok(c.list_subscribers(s(&pg), js(&json!({"cursor": cursor})), none())).await;
    assert!(page2["subscribers"]
        .as_array()
        .is_some_and(|a| !a.is_empty()));
    let removed = ok(c.remove_subscribers(
        s(&pg),
        js(&json!({"subscribers": ["+919100000999"]})),
        none(),
    ))
    .await;
    assert_eq!(
        removed["result"]["+919100000999"]["isRemoved"],
        json!(true),
        "{removed}"
    );
}

#[wasm_bindgen_test]
async fn messages_and_raw_requests() {
    let c = admin().await;
    let g = new_group(&c, "wasm messages").await;
    let r = ok(c.send_message(s(&g), s("hello from wasm"), none())).await;
    assert!(r["referenceId"].is_string(), "{r}");
    ok(c.send_message(s(&g), js(&json!({"message": "second"})), none())).await;
    let list = ok(c.list_messages(s(&g), js(&json!({"count": 10})), none())).await;
    let texts: Vec<&str> = list["messages"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["text"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        texts.contains(&"hello from wasm") && texts.contains(&"second"),
        "{list}"
    );
    assert!(list["hasMore"].is_boolean());
    let raw = ok(c.request(s("get"), s(&format!("groups/{g}/members")), none())).await;
    assert!(raw["members"].is_array(), "{raw}");
    let raw = ok(c.request(
        s("GET"),
        s("/groups"),
        js(&json!({"query": {"showDetail": true}})),
    ))
    .await;
    assert!(raw["groups"].is_array());
    let e = fails(c.request(s("GET"), s("https://evil.example/x"), none())).await;
    assert_eq!(prop_str(&e, "field"), "path");
}

#[wasm_bindgen_test]
async fn media_uploads() {
    let c = admin().await;
    let g = new_group(&c, "wasm media").await;
    let bytes = js_sys::Uint8Array::from(&[0x89u8, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0][..]);
    let up = ok(c.upload_media(
        bytes.clone().into(),
        js(&json!({"fileName": "pic.png"})),
        none(),
    ))
    .await;
    let res = up["mediaResource"].as_str().unwrap_or("").to_string();
    assert!(!res.is_empty(), "{up}");
    let blob = web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&bytes))
        .map(JsValue::from)
        .unwrap_or(JsValue::NULL);
    let up2 = ok(c.upload_media(
        blob,
        js(&json!({"fileName": "doc", "mimeType": "application/pdf"})),
        none(),
    ))
    .await;
    assert!(up2["mediaResource"].is_string());
    let ab = bytes.buffer();
    ok(c.upload_media(ab.into(), js(&json!({"fileName": "a.mp3"})), none())).await;
    let from_url =
        ok(c.upload_media_from_url(s(&format!("{}/media/{res}/pic.png", emu())), none())).await;
    assert!(from_url["mediaResource"].is_string(), "{from_url}");
    let posted = ok(c.post_media(
        s(&g),
        js(&json!({"mediaResource": res, "caption": "look", "mimeType": "image/png"})),
        none(),
    ))
    .await;
    assert!(posted["referenceId"].is_string(), "{posted}");
}

#[wasm_bindgen_test]
async fn actions_and_responses() {
    let c = admin().await;
    let g = new_group(&c, "wasm actions").await;
    let job = ok(c.post_job(
        s(&g),
        js(&json!({"title": "fix", "assignedTo": ["+911000000001", "+911000000010"], "dueDate": 48})),
        none(),
    ))
    .await;
    let job_id = job["actionId"]
        .as_str()
        .or(job["referenceId"].as_str())
        .unwrap_or("")
        .to_string();
    assert!(!job_id.is_empty(), "{job}");
    let poll = ok(c.post_poll(
        s(&g),
        js(&json!({"question": "tea?", "choices": [{"title": "yes"}, {"title": "no"}]})),
        none(),
    ))
    .await;
    assert!(poll["referenceId"].is_string());
    let questions = json!([{"title": "name", "type": "Text"}, {"title": "pick", "type": "SingleOption", "options": [{"title": "a"}, {"title": "b"}]}]);
    let survey = ok(c.post_survey(
        s(&g),
        js(&json!({"title": "s", "questions": questions})),
        none(),
    ))
    .await;
    let survey_id = survey["actionId"]
        .as_str()
        .or(survey["referenceId"].as_str())
        .unwrap_or("")
        .to_string();
    ok(c.post_lets_meet(
        s(&g),
        js(&json!({"title": "meet", "startingTime": "2030-01-01T10:00:00Z", "duration": 30})),
        none(),
    ))
    .await;
    ok(c.post_announcement(
        s(&g),
        js(&json!({"title": "news", "message": "hello"})),
        none(),
    ))
    .await;
    ok(c.post_action(s(&g), js(&json!({"actionType": "Job", "actionBody": {"title": "t2", "assignedTo": ["+911000000011"]}})), none())).await;
    let custom = ok(c.post_custom_action(
        s(&g),
        s("com.example.pkg"),
        js(&json!({"title": "c", "questions": questions})),
        none(),
    ))
    .await;
    assert!(custom["referenceId"].is_string(), "{custom}");
    let list = ok(c.list_actions(s(&g), js(&json!({"count": 3})), none())).await;
    let items = list["actions"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 3, "{list}");
    for f in [
        "referenceId",
        "actionType",
        "sender",
        "sentAt",
        "actionBody",
    ] {
        assert!(items[0].get(f).is_some(), "{f} in {}", items[0]);
    }
    let next = c.next_cursor(s("listActions"), js(&list), none());
    let from = next
        .as_string()
        .unwrap_or_else(|| panic!("more actions: {list}"));
    let page2 = ok(c.list_actions(s(&g), js(&json!({"fromDate": from})), none())).await;
    assert!(page2["actions"].as_array().is_some_and(|a| !a.is_empty()));
    let got = ok(c.get_action(s(&g), s(&job_id), js(&json!({"getDetails": true})), none())).await;
    assert_eq!(got["actionType"], json!("Job"), "{got}");
    assert!(got["sentAt"].is_string());
    let r = ok(c.respond_to_action(
        s(&g),
        s(&job_id),
        js(&json!({"actionType": "Job", "actionBody": {"isCompleted": true}})),
        none(),
    ))
    .await;
    assert!(r["responseId"].is_string(), "{r}");
    // The job's drill-down as actionDetails.md shows it: one of two assignees done.
    let got = ok(c.get_action(s(&g), s(&job_id), js(&json!({})), none())).await;
    let d = &got["actionDetails"];
    assert_eq!(
        (&d["responseCount"], &d["assigneeCount"], &d["status"]),
        (&json!(1), &json!(2), &json!(false)),
        "{got}"
    );
    assert!(d["dueDate"].is_string(), "{got}");
    let r = ok(c.respond_to_action(s(&g), s(&survey_id), js(&json!({"actionType": "Survey", "questions": questions, "actionBody": {"answers": ["me", "a"]}})), none())).await;
    assert!(r["responseId"].is_string());
    // An answer that does not fit its question is refused locally.
    let e = fails(c.respond_to_action(s(&g), s(&survey_id), js(&json!({"actionType": "Survey", "questions": questions, "actionBody": {"answers": ["me", 5]}})), none())).await;
    assert_eq!(prop_str(&e, "field"), "actionBody.answers[1]");
}

#[wasm_bindgen_test]
async fn reactions() {
    let c = admin().await;
    let g = new_group(&c, "wasm reactions").await;
    let msg = ok(c.send_message(s(&g), s("react to me"), none())).await;
    let rid = msg["referenceId"].as_str().unwrap_or("").to_string();
    let r = ok(c.add_reaction(
        s(&g),
        js(&json!({"referenceId": rid, "reactionType": "Like"})),
        none(),
    ))
    .await;
    assert!(r["reactionId"].is_string(), "{r}");
    ok(c.add_reaction(
        s(&g),
        js(&json!({"referenceId": rid, "reactionType": "Comment", "comment": "nice"})),
        none(),
    ))
    .await;
    let sum = ok(c.reaction_summary(s(&g), s(&rid), none(), none())).await;
    assert_eq!(sum["summary"][0]["referenceId"], json!(rid), "{sum}");
    assert!(sum["summary"][0]["reactionsCountMap"].is_object());
    let all = ok(c.group_reaction_summary(s(&g), js(&json!({"cursor": 0})), none())).await;
    assert!(
        all["summary"].is_array() && all.get("cursor").is_some(),
        "{all}"
    );
    let details =
        ok(c.reaction_details(s(&g), s(&rid), js(&json!({"reactionType": "Like"})), none())).await;
    let d = details["reactionDetails"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !d.is_empty() && d[0]["reactionId"].is_string() && d[0].get("userId").is_some(),
        "{details}"
    );
}

#[wasm_bindgen_test]
async fn webhooks() {
    let c = admin().await;
    let g = new_group(&c, "wasm hooks").await;
    let cb = format!("{}/_emulator/inbox/wasm-hooks", emu());
    let w = ok(c.create_webhook(js(&json!({"objectId": g, "objectType": "Group", "eventTypes": ["TextMessageCreated"], "callBackUrl": cb, "callBackToken": "tok"})), none())).await;
    let id = w["webhookId"].as_str().unwrap_or("").to_string();
    assert!(!id.is_empty(), "{w}");
    let list =
        ok(c.list_webhooks(js(&json!({"objectId": g, "objectType": "Group"})), none())).await;
    let hook = list["webhooks"]
        .as_array()
        .and_then(|a| a.iter().find(|h| h["id"] == id.as_str()).cloned())
        .unwrap_or(Value::Null);
    assert_eq!(hook["callbackUrl"], json!(cb), "{list}");
    assert_eq!(hook["active"], json!(true));
    let r = ok(c.update_webhook(s(&id), js(&json!({"active": false})), none())).await;
    assert_eq!(r["result"], json!(true));
    let r = ok(c.delete_webhook(s(&id), none())).await;
    assert_eq!(r["result"], json!(true));
}

#[wasm_bindgen_test]
async fn bots() {
    let c = admin().await;
    let g = new_group(&c, "wasm bots").await;
    let b = ok(c.create_bot(js(&json!({"name": "wasm bot"})), none())).await;
    let id = b["botUserId"].as_str().unwrap_or("").to_string();
    assert!(!id.is_empty(), "{b}");
    let list = ok(c.list_bots(none())).await;
    assert!(
        list["bots"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["botUserId"] == id.as_str())),
        "{list}"
    );
    assert!(
        ok(c.update_bot(s(&id), js(&json!({"name": "renamed"})), none()))
            .await
            .get("result")
            .is_some()
    );
    let t = ok(c.bot_access_token(s(&id), none())).await;
    assert!(
        t["accessToken"].is_string() && t["endpointUrl"].is_string(),
        "{t}"
    );
    ok(c.add_bot_to_group(s(&g), s(&id), none())).await;
    assert!(ok(c.delete_bot(s(&id), none()))
        .await
        .get("result")
        .is_some());
}

// ---- resilience --------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn unauthorized_refreshes_once_and_retries() {
    clear_faults().await;
    let c = admin().await;
    ok(c.me(none())).await;
    let m = mark().await;
    fault(json!({"path": "/v1/users/me", "method": "GET", "status": 401, "count": 1})).await;
    let me = ok(c.me(none())).await;
    assert!(me["id"].is_string());
    assert_eq!(calls_since(m, "GET", "/v1/accessToken").await, 1);
    assert_eq!(calls_since(m, "GET", "/v1/users/me").await, 2);
    // A second 401 after the refresh is the answer.
    fault(json!({"path": "/v1/users/me", "method": "GET", "status": 401, "count": 2})).await;
    let e = fails(c.me(none())).await;
    assert_kaizala_error(&e, "unauthorized", "me");
    assert_eq!(prop(&e, "status").as_f64(), Some(401.0));
    assert_eq!(prop_str(&e, "platformCode"), "Unauthenticated");
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn relocation_is_followed_and_remembered() {
    let mobile = "+911000000002";
    let c = make(&js(&options(json!({})).await));
    ok(c.generate_pin(s(mobile), none())).await;
    let pin = pin_for(mobile).await;
    ok(c.login_with_pin(s(mobile), s(&pin.to_string()), none())).await;
    ok(c.list_groups(none(), none())).await;
    let moved = dev("POST", "relocate", Some(json!({"mobileNumber": mobile}))).await;
    let new_ep = moved["endpointUrl"].as_str().unwrap_or("").to_string();
    assert!(!new_ep.is_empty(), "{moved}");
    let r = ok(c.list_groups(none(), none())).await;
    assert!(r["groups"].is_array());
    let info = val(&c.token_info());
    assert_eq!(
        info["endpointUrl"]
            .as_str()
            .map(|e| e.trim_end_matches('/')),
        Some(new_ep.trim_end_matches('/'))
    );
    // A POST is relocated too (the old endpoint never applied it).
    let g = new_group(&c, "after relocation").await;
    assert!(!g.is_empty());
}

#[wasm_bindgen_test]
async fn throttling_waits_then_gives_up_with_retry_after() {
    clear_faults().await;
    let c = admin().await;
    ok(c.me(none())).await;
    fault(json!({"path": "/v1/users/me", "method": "GET", "status": 429, "retryAfter": 1, "count": 1})).await;
    let t0 = js_sys::Date::now();
    ok(c.me(none())).await;
    assert!(js_sys::Date::now() - t0 >= 900.0, "waited Retry-After");
    let o =
        options(json!({"refreshToken": seed().await["userRefreshToken"], "maxRetries": 1})).await;
    let c = make(&js(&o));
    ok(c.me(none())).await;
    fault(json!({"path": "/v1/users/me", "method": "GET", "status": 429, "retryAfter": 1, "count": 5})).await;
    let e = fails(c.me(none())).await;
    assert_kaizala_error(&e, "throttled", "me");
    assert_eq!(prop(&e, "status").as_f64(), Some(429.0));
    assert_eq!(prop(&e, "retryAfter").as_f64(), Some(1.0));
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn server_errors_retry_reads_but_never_repeat_a_post() {
    clear_faults().await;
    let c = admin().await;
    let g = new_group(&c, "wasm 5xx").await;
    fault(json!({"path": "/v1/groups", "method": "GET", "status": 503, "count": 2})).await;
    let r = ok(c.list_groups(none(), none())).await;
    assert!(r["groups"].is_array());
    let m = mark().await;
    fault(json!({"path": "/messages", "method": "POST", "status": 500, "count": 3})).await;
    let e = fails(c.send_message(s(&g), s("once"), none())).await;
    assert_kaizala_error(&e, "server", "sendMessage");
    assert_eq!(prop(&e, "status").as_f64(), Some(500.0));
    assert!(prop_str(&e, "message").contains("not repeated"));
    assert_eq!(
        calls_since(m, "POST", "/messages").await,
        1,
        "exactly one POST"
    );
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn a_dropped_connection_on_a_post_is_not_repeated() {
    clear_faults().await;
    let sd = seed().await;
    let attempts = Array::new();
    let on_req = jsfn(
        "list",
        "return info => { if (info.operation === 'sendMessage') list.push(info); }",
    )
    .call1(&JsValue::NULL, &attempts)
    .unwrap_or(JsValue::UNDEFINED);
    let o = options(json!({"refreshToken": sd["userRefreshToken"]})).await;
    let c = make_with(&o, &[("onRequest", on_req)]);
    let g = new_group(&c, "wasm drop").await;
    let m = mark().await;
    fault(json!({"path": "/messages", "method": "POST", "drop": true, "count": 1})).await;
    let e = fails(c.send_message(s(&g), s("dropped"), none())).await;
    assert_kaizala_error(&e, "network", "sendMessage");
    assert_eq!(prop(&e, "status").as_f64(), Some(0.0));
    assert!(prop_str(&e, "message").contains("not repeated"));
    assert_eq!(attempts.length(), 1, "the client sent it once");
    // The emulator cuts the answer off after its first byte, so no layer below fetch re-sends
    // the request either: the platform saw it exactly once.
    let logged = calls_since(m, "POST", "/messages").await;
    assert_eq!(logged, 1, "exactly one POST");
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn a_malformed_body_is_an_invalid_response() {
    clear_faults().await;
    let c = admin().await;
    ok(c.me(none())).await;
    fault(json!({"path": "/v1/users/me", "method": "GET", "body": "{oops", "count": 1})).await;
    let e = fails(c.me(none())).await;
    assert_kaizala_error(&e, "invalid_response", "me");
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn time_outs() {
    clear_faults().await;
    let sd = seed().await;
    let c = make(&js(&options(
        json!({"refreshToken": sd["userRefreshToken"], "timeoutMs": 300, "maxRetries": 0}),
    )
    .await));
    ok(c.me(none())).await;
    fault(json!({"path": "/v1/users/me", "method": "GET", "delayMs": 1500, "count": 1})).await;
    let t0 = js_sys::Date::now();
    let e = fails(c.me(none())).await;
    assert_kaizala_error(&e, "timeout", "me");
    assert!(js_sys::Date::now() - t0 < 1400.0, "gave up at the timeout");
    sleep_ms(1300).await;
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn aborts() {
    clear_faults().await;
    let c = admin().await;
    ok(c.me(none())).await;
    let ctl = web_sys::AbortController::new().unwrap_or_else(|_| panic!("AbortController"));
    let call = js(&json!({}));
    let _ = js_sys::Reflect::set(&call, &s("signal"), &ctl.signal());
    // During the request.
    fault(json!({"path": "/v1/users/me", "method": "GET", "delayMs": 1500, "count": 1})).await;
    let p = c.me(call.clone());
    sleep_ms(100).await;
    ctl.abort();
    let e = fails(p).await;
    assert_kaizala_error(&e, "aborted", "me");
    // Already aborted: nothing is sent.
    let m = mark().await;
    let e = fails(c.list_groups(none(), call)).await;
    assert_eq!(code(&e), "aborted");
    assert_eq!(all_calls_since(m).await, 0);
    // During a back-off wait.
    sleep_ms(1500).await;
    fault(json!({"path": "/v1/users/me", "method": "GET", "status": 429, "retryAfter": 5, "count": 1})).await;
    let ctl = web_sys::AbortController::new().unwrap_or_else(|_| panic!("AbortController"));
    let call = js(&json!({}));
    let _ = js_sys::Reflect::set(&call, &s("signal"), &ctl.signal());
    let t0 = js_sys::Date::now();
    let p = c.me(call);
    sleep_ms(300).await;
    ctl.abort();
    let e = fails(p).await;
    assert_eq!(code(&e), "aborted");
    assert!(js_sys::Date::now() - t0 < 3000.0, "the wait was cut short");
    clear_faults().await;
}

#[wasm_bindgen_test]
async fn hooks_see_calls_but_never_tokens_or_the_secret() {
    let sd = seed().await;
    let seen = Array::new();
    let push = jsfn(
        "list, kind",
        "return info => list.push(Object.assign({kind}, info))",
    );
    let on_req = push
        .call2(&JsValue::NULL, &seen, &s("request"))
        .unwrap_or(JsValue::UNDEFINED);
    let on_resp = push
        .call2(&JsValue::NULL, &seen, &s("response"))
        .unwrap_or(JsValue::UNDEFINED);
    let o = options(json!({"refreshToken": sd["userRefreshToken"]})).await;
    let c = make_with(&o, &[("onRequest", on_req), ("onResponse", on_resp)]);
    ok(c.me(none())).await;
    let token = JsFuture::from(c.access_token(none()))
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    let all = val(&seen.into());
    let text = all.to_string();
    let list = all.as_array().cloned().unwrap_or_default();
    assert_eq!(
        list.len(),
        4,
        "mint + me, request and response each: {text}"
    );
    let resp = list
        .iter()
        .find(|x| x["kind"] == "response" && x["operation"] == "me")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(resp["method"], json!("GET"));
    assert_eq!(resp["status"], json!(200));
    assert!(
        resp["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/v1/users/me")),
        "{resp}"
    );
    assert!(resp["timeMs"].is_number() && resp["retry"] == json!(0));
    for secret in [
        sd["applicationSecret"].as_str(),
        sd["userRefreshToken"].as_str(),
        Some(token.as_str()),
    ] {
        let secret = secret.unwrap_or("?");
        assert!(
            !secret.is_empty() && !text.contains(secret),
            "a secret leaked into {text}"
        );
    }
}

#[wasm_bindgen_test]
async fn error_messages_never_carry_tokens_or_the_secret() {
    clear_faults().await;
    let sd = seed().await;
    let c = admin().await;
    fault(json!({"path": "/v1/accessToken", "method": "GET", "status": 401, "count": 1})).await;
    let e = fails(c.me(none())).await;
    assert_kaizala_error(&e, "unauthorized", "me");
    let all = format!(
        "{} {} {}",
        prop_str(&e, "message"),
        prop_str(&e, "stack"),
        prop_str(&e, "field")
    );
    for secret in [&sd["applicationSecret"], &sd["userRefreshToken"]] {
        assert!(!all.contains(secret.as_str().unwrap_or("?")), "{all}");
    }
    clear_faults().await;
    ok(c.me(none())).await;
}

// ---- the rate limiter (uploads, exports, connections and webhook receivers: tests/package) -------

/// A JS function that keeps every argument it is called with in `.calls`.
fn recorder() -> Function {
    jsfn(
        "",
        "const calls = []; const f = (x) => { calls.push(x); }; f.calls = calls; return f;",
    )
    .call0(&JsValue::NULL)
    .map(JsCast::unchecked_into)
    .unwrap_or_else(|_| jsfn("", ""))
}

fn recorded(f: &Function) -> Vec<Value> {
    val(&prop(f, "calls"))
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_rate_limiter_keeps_under_the_throttle() {
    clear_faults().await;
    let sd = seed().await;
    // A connector the emulator throttles at 4 calls per 600 ms (the platform's rule, scaled down).
    let name = format!("limited {}", js_sys::Date::now());
    let conn = dev(
        "POST",
        "connectors",
        Some(json!({"name": name, "rateLimit": {"calls": 4, "windowMs": 600}})),
    )
    .await;
    let app = conn["applicationId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let rt = dev(
        "POST",
        "userToken",
        Some(json!({"applicationId": app, "mobileNumber": "+911000000001"})),
    )
    .await;
    let base = json!({
        "applicationId": app, "applicationSecret": conn["applicationSecret"],
        "refreshToken": rt["refreshToken"], "authUrl": sd["authUrl"], "storage": "memory",
        "maxRetries": 0,
    });
    let mut limited = base.clone();
    limited["rateLimit"] = json!({"calls": 4, "windowMs": 600});
    let c = make(&js(&limited));
    let since = mark().await;
    // Twelve calls at once (and the token mint): all succeed, none meets a 429.
    let calls: Vec<JsFuture> = (0..12).map(|_| JsFuture::from(c.me(none()))).collect();
    for f in calls {
        if let Err(e) = f.await {
            panic!("a limited call failed: {}", prop_str(&e, "message"));
        }
    }
    let log = dev("GET", "requests", None).await;
    let mine: Vec<&Value> = log["requests"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["seq"].as_u64().unwrap_or(0) > since)
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(mine.len(), 13, "twelve calls and one mint");
    assert!(mine.iter().all(|r| r["status"] == 200), "{mine:?}");
    // Without the limiter the same burst meets the platform's 429 (so the test above can fail).
    let mut off = base.clone();
    off["rateLimit"] = json!(false);
    off["connection"] = json!("unlimited");
    let u = make(&js(&off));
    sleep_ms(700).await;
    // JsFuture::from attaches the handlers at once (no rejection goes unhandled meanwhile).
    let burst: Vec<JsFuture> = (0..8).map(|_| JsFuture::from(u.me(none()))).collect();
    let mut throttled = 0;
    for f in burst {
        if let Err(e) = f.await {
            assert_kaizala_error(&e, "throttled", "me");
            throttled += 1;
        }
    }
    assert!(throttled > 0, "the emulator throttles this connector");
    // An abort while queued gives the turn back and rejects with aborted.
    sleep_ms(700).await;
    let q = make(&js(&limited));
    let first: Vec<Promise> = (0..4).map(|_| q.me(none())).collect();
    let ctl = web_sys::AbortController::new().unwrap_or_else(|_| panic!("AbortController"));
    let call = js(&json!({}));
    let _ = js_sys::Reflect::set(&call, &s("signal"), &ctl.signal());
    let queued = q.me(call);
    ctl.abort();
    assert_kaizala_error(&fails(queued).await, "aborted", "me");
    for p in first {
        ok(p).await;
    }
    // Bad settings are refused at once.
    let mut bad = base.clone();
    bad["rateLimit"] = json!({"calls": 0});
    let e = KaizalaClient::new(js(&bad))
        .err()
        .unwrap_or(JsValue::UNDEFINED);
    assert_eq!(prop_str(&e, "field"), "rateLimit.calls");
}
