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

/// Options signed in with the seed's user token (the organisation admin), plus `extra`.
async fn admin_options(extra: Value) -> Value {
    let mut o = options(json!({"refreshToken": seed().await["userRefreshToken"]})).await;
    if let (Some(m), Value::Object(x)) = (o.as_object_mut(), extra) {
        m.extend(x);
    }
    o
}

/// A client signed in with the seed's user token (the organisation admin).
async fn admin() -> KaizalaClient {
    make(&js(&admin_options(json!({})).await))
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

// ---- shared by the areas -----------------------------------------------------------------------

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

mod calls;
mod hostile;
mod resilience;
mod signin;
