//! Sign-in (PIN, refresh token, token provider, OAuth) and token storage across instances and tabs.

use super::*;

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
    let o = admin_options(json!({})).await;
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
    let o = admin_options(json!({})).await;
    let c = make_with(&o, &[("storage", store)]);
    ok(c.me(none())).await;
}

#[wasm_bindgen_test]
async fn default_storage_and_other_tabs() {
    let sd = seed().await;
    let mut o = admin_options(json!({"connection": "tabs"})).await;
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
