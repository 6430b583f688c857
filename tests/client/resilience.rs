//! What the client does when the platform refuses, throttles, fails, times out or is aborted, its own rate limiter, and what its errors and hooks never show.

use super::*;

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
    let o = admin_options(json!({"maxRetries": 1})).await;
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
    let attempts = Array::new();
    let on_req = jsfn(
        "list",
        "return info => { if (info.operation === 'sendMessage') list.push(info); }",
    )
    .call1(&JsValue::NULL, &attempts)
    .unwrap_or(JsValue::UNDEFINED);
    let o = admin_options(json!({})).await;
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
    let c = make(&js(&admin_options(
        json!({"timeoutMs": 300, "maxRetries": 0}),
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
    let o = admin_options(json!({})).await;
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
