//! Organisation workflows: member uploads, exports, the rate limiter, named connections, webhook receivers.

use super::*;

#[wasm_bindgen_test]
async fn a_thousand_row_import_with_bad_rows_duplicates_and_members_already_there() {
    let c = admin().await;
    let g = new_group(&c, "wasm import").await;
    // A per-run prefix, so a second run of the suite on the same emulator adds new numbers.
    let run = (js_sys::Date::now() as u64 % 90_000) + 10_000;
    let number = |i: usize| format!("+9177{run:05}{i:04}");
    // Eight of the file's numbers are in the group before the upload.
    let before: Vec<String> = (0..8).map(|i| number(i * 100)).collect();
    ok(c.add_members(s(&g), js(&json!(before)), none())).await;
    let at_start = member_numbers(&c, &g).await.len();
    // 1,000 rows: 950 distinct numbers (written in several ways), 25 malformed, 25 repeats.
    let mut csv = String::from("\u{feff}Mobile Number,Name,Team\r\n");
    let mut bad_rows = Vec::new();
    for row in 0..1000usize {
        let line = if row % 40 == 7 {
            bad_rows.push(row + 2);
            match row % 3 {
                0 => "12345,Short,Ops".to_string(),
                1 => "no phone,\"Nobody, really\",Ops".to_string(),
                _ => ",Empty,Ops".to_string(),
            }
        } else if row % 40 == 9 {
            // A repeat of an earlier row, spaced differently.
            let n = number(row - 9);
            format!("{} {},Again,Ops", &n[..3], &n[3..])
        } else {
            format!(
                "{},\"Member, {row}\",\"Team \"\"{}\"\"\"",
                number(row),
                row % 5
            )
        };
        csv.push_str(&line);
        csv.push_str("\r\n");
    }
    let progress = recorder();
    let opts = js(&json!({"batchSize": 100, "fileName": "staff.csv"}));
    let _ = js_sys::Reflect::set(&opts, &s("onProgress"), &progress);
    let r = ok(c.import_members(s(&g), s(&csv), opts)).await;
    assert_eq!(r["status"], "CompletedWithErrors", "{}", r["errorLogCsv"]);
    assert_eq!(r["fileName"], "staff.csv");
    assert_eq!(r["total"], 1000);
    assert_eq!(r["failed"], 25);
    assert_eq!(r["duplicates"], 25);
    assert_eq!(r["alreadyMembers"], 8);
    assert_eq!(r["added"], 1000 - 25 - 25 - 8);
    let rows: Vec<u64> = r["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["row"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(rows, bad_rows.iter().map(|&r| r as u64).collect::<Vec<_>>());
    let log = r["errorLogCsv"].as_str().unwrap_or_default();
    assert!(log.starts_with("row,mobileNumber,reason\r\n"), "{log}");
    assert_eq!(log.trim_end().split("\r\n").count(), 26);
    assert!(log.contains("\r\n9,no phone,"), "{log}");
    // The attributes of a row are kept.
    let m0 = &r["members"][0];
    assert_eq!(m0["name"], "Member, 0");
    assert_eq!(m0["attributes"]["Team"], "Team \"0\"");
    // Progress: a report after reading the file, one per batch; done only grows; the last is whole.
    let events = recorded(&progress);
    assert_eq!(events.len(), 1 + 10, "{events:?}");
    assert_eq!(events[0], json!({"done": 58, "total": 1000, "failed": 25}));
    let dones: Vec<u64> = events.iter().filter_map(|e| e["done"].as_u64()).collect();
    assert!(dones.windows(2).all(|w| w[0] < w[1]), "{dones:?}");
    assert_eq!(
        events[10],
        json!({"done": 1000, "total": 1000, "failed": 25})
    );
    // The group holds exactly what the record says.
    let held = member_numbers(&c, &g).await;
    assert_eq!(held.len(), at_start + 942);
    for row in (0..1000).filter(|r| r % 40 != 7 && r % 40 != 9) {
        assert!(held.contains(&number(row)), "row {row} is missing");
    }
    // The export matches what the group holds.
    let csv_out = ok(c.export_members(s(&g), none())).await;
    let text = csv_out.as_str().unwrap_or_default().to_string();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    // The documented columns first; anything else the platform sends (the emulator adds name) after.
    assert!(
        lines[0].starts_with("id,mobileNumber,role,isProvisioned"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + held.len());
    for n in &held {
        assert!(text.contains(&format!(",{n},")), "{n} is not exported");
    }
    // The same file again is safe: nothing is added, no number in the group is an error.
    let again = ok(c.import_members(s(&g), s(&csv), none())).await;
    assert_eq!(again["added"], 0);
    assert_eq!(again["alreadyMembers"], 950);
    assert_eq!(again["failed"], 25);
    assert_eq!(member_numbers(&c, &g).await.len(), held.len());
}

#[wasm_bindgen_test]
async fn a_failed_batch_does_not_lose_the_rows_after_it() {
    clear_faults().await;
    let c = make(&js(&admin_options(json!({"maxRetries": 0})).await));
    let g = new_group(&c, "wasm import faults").await;
    let at_start = member_numbers(&c, &g).await.len();
    let run = (js_sys::Date::now() as u64 % 90_000) + 10_000;
    let mut csv = String::from("phone,name\n");
    for i in 0..30 {
        csv.push_str(&format!("+9178{run:05}{i:04},N{i}\n"));
    }
    // The first batch meets a server error (and maxRetries 0 lets it fail).
    fault(json!({"path": "/members", "method": "PUT", "status": 503, "count": 1})).await;
    let r = ok(c.import_members(s(&g), s(&csv), js(&json!({"batchSize": 10})))).await;
    clear_faults().await;
    assert_eq!(r["status"], "CompletedWithErrors", "{r}");
    assert_eq!(r["added"], 20);
    assert_eq!(r["failed"], 10);
    assert_eq!(r["errors"][0]["row"], 2);
    assert_eq!(member_numbers(&c, &g).await.len(), at_start + 20);
    // Running it again adds the ten that failed.
    let r = ok(c.import_members(s(&g), s(&csv), none())).await;
    assert_eq!(
        (r["status"].as_str(), r["added"].as_u64()),
        (Some("Completed"), Some(10))
    );
    // A member cannot add members: every row fails and the upload is Failed, after one try.
    let m = make(&js(&options(json!({"connection": "member-import"})).await));
    let mobile = "+911000000011";
    ok(m.generate_pin(s(mobile), none())).await;
    ok(m.login_with_pin(
        s(mobile),
        JsValue::from(pin_for(mobile).await as f64),
        none(),
    ))
    .await;
    let since = mark().await;
    let r = ok(m.import_members(
        s(&g),
        s("phone\n+919999000001\n+919999000002\n"),
        js(&json!({"batchSize": 1})),
    ))
    .await;
    assert_eq!(r["status"], "Failed", "{r}");
    assert_eq!(r["failed"], 2);
    assert_eq!(
        calls_since(since, "PUT", "/members").await,
        1,
        "stopped after the refusal"
    );
    // Bad input is refused before any request.
    let since = mark().await;
    for (csv, opts, field) in [
        ("name\nAnn\n", json!({}), "csv"),
        ("", json!({}), "csv"),
        (
            "phone\n+911000000001\n",
            json!({"batchSize": 0}),
            "batchSize",
        ),
    ] {
        let e = fails(c.import_members(s(&g), s(csv), js(&opts))).await;
        assert_kaizala_error(&e, "invalid_input", "importMembers");
        assert_eq!(prop_str(&e, "field"), field);
    }
    assert_eq!(all_calls_since(since).await, 0);
}

#[wasm_bindgen_test]
async fn a_csv_blob_is_read_with_its_file_name() {
    let c = admin().await;
    let g = new_group(&c, "wasm import blob").await;
    let file = jsfn(
        "text",
        "return typeof File === 'function' ? new File([text], 'from-disk.csv', {type: 'text/csv'}) : new Blob([text]);",
    )
    .call1(&JsValue::NULL, &s("mobile\n+911000000012\n"))
    .unwrap_or(JsValue::UNDEFINED);
    let r = ok(c.import_members(s(&g), file.clone(), none())).await;
    assert_eq!(r["added"], 1);
    let named = prop(&file, "name")
        .as_string()
        .unwrap_or_else(|| "members.csv".into());
    assert_eq!(r["fileName"], json!(named));
}

#[wasm_bindgen_test]
async fn subscriber_export_holds_every_page() {
    let sd = seed().await;
    let c = admin().await;
    let pg = sd["publicGroupId"].as_str().unwrap_or("").to_string();
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let o = match &cursor {
            Some(cur) => json!({"count": 50, "cursor": cur}),
            None => json!({"count": 50}),
        };
        let page = ok(c.list_subscribers(s(&pg), js(&o), none())).await;
        for x in page["subscribers"].as_array().cloned().unwrap_or_default() {
            listed.push(x["mobileNumber"].as_str().unwrap_or("").to_string());
        }
        cursor = c
            .next_cursor(s("listSubscribers"), js(&page), none())
            .as_string();
        if cursor.is_none() {
            break;
        }
    }
    assert!(listed.len() >= 120, "{}", listed.len());
    let text = ok(c.export_subscribers(s(&pg), none())).await;
    let text = text.as_str().unwrap_or_default();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines[0], "id,mobileNumber,name,profilePic,isProvisioned");
    assert_eq!(lines.len(), 1 + listed.len());
    for n in &listed {
        assert!(text.contains(&format!(",{n},")), "{n}");
    }
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

#[wasm_bindgen_test]
async fn named_connections_side_by_side() {
    let sd = seed().await;
    // A storage object that can list its keys (like localStorage).
    let store = jsfn(
        "",
        "const map = new Map(); return { map, get length() { return map.size; }, key: i => [...map.keys()][i] ?? null, \
         getItem: k => map.has(k) ? map.get(k) : null, setItem: (k, v) => { map.set(k, String(v)); }, removeItem: k => { map.delete(k); } };",
    )
    .call0(&JsValue::NULL)
    .unwrap_or(JsValue::UNDEFINED);
    let group_token = sd["groupRefreshToken"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let user_token = sd["userRefreshToken"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let north = make_with(
        &options(json!({"connection": "north", "refreshToken": group_token})).await,
        &[("storage", store.clone())],
    );
    let org = make_with(
        &options(json!({"connection": "org", "refreshToken": user_token})).await,
        &[("storage", store.clone())],
    );
    ok(north.list_groups(none(), none())).await;
    ok(org.list_groups(none(), none())).await;
    let listed = KaizalaClient::connections(store.clone()).unwrap_or(JsValue::UNDEFINED);
    let l = val(&listed);
    let names: Vec<&str> = l
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["north", "org"]);
    assert_eq!(l[0]["applicationId"], sd["applicationId"]);
    assert!(
        l[0]["endpointUrl"]
            .as_str()
            .is_some_and(|u| u.starts_with("http")),
        "{l}"
    );
    assert!(l[0]["scopes"].as_array().is_some_and(|s| !s.is_empty()));
    assert!(l[0]["accessTokenExpiry"].is_number());
    let text = l.to_string();
    let app_secret = sd["applicationSecret"].as_str().unwrap_or("?").to_string();
    for secret in [&group_token, &user_token, &app_secret] {
        assert!(!text.contains(secret.as_str()), "a secret in {text}");
    }
    // A new client resumes a connection by its name alone.
    let again = make_with(
        &options(json!({"connection": "north"})).await,
        &[("storage", store.clone())],
    );
    ok(again.list_groups(none(), none())).await;
    // Forgetting one leaves the other.
    assert_eq!(
        KaizalaClient::remove_connection(s("north"), store.clone()).ok(),
        Some(1)
    );
    let l = val(&KaizalaClient::connections(store.clone()).unwrap_or(JsValue::UNDEFINED));
    assert_eq!(l.as_array().map(Vec::len), Some(1));
    let gone = make_with(
        &options(json!({"connection": "north"})).await,
        &[("storage", store.clone())],
    );
    assert_kaizala_error(
        &fails(gone.list_groups(none(), none())).await,
        "not_signed_in",
        "listGroups",
    );
    // Memory storage is private to a client, so it cannot be listed.
    let e = KaizalaClient::connections(s("memory"))
        .err()
        .unwrap_or(JsValue::UNDEFINED);
    assert_eq!(prop_str(&e, "code"), "invalid_input");
    assert_eq!(prop_str(&e, "field"), "storage");
}

#[wasm_bindgen_test]
async fn webhook_helpers_on_real_deliveries() {
    let c = admin().await;
    let g = new_group(&c, "wasm receiver").await;
    let inbox = format!("wasm-receiver-{}", js_sys::Date::now() as u64);
    let cb = format!("{}/_emulator/inbox/{inbox}", emu());
    let w = ok(c.create_webhook(js(&json!({"objectId": g, "objectType": "Group", "eventTypes": ["TextMessageCreated"], "callBackUrl": cb, "callBackToken": "hook-token-1"})), none())).await;
    let id = w["webhookId"].as_str().unwrap_or_default().to_string();
    // The validation GET the emulator made carried a token the helper reads back.
    assert_eq!(
        webhook_validation_token(s(&format!(
            "/_emulator/inbox/{inbox}?validationToken=abc%2B1"
        )))
        .ok()
        .flatten()
        .as_deref(),
        Some("abc+1")
    );
    assert_eq!(webhook_validation_token(s("/hook")).ok().flatten(), None);
    dev(
        "POST",
        "duplicates",
        Some(json!({"count": 1, "webhookId": id})),
    )
    .await;
    ok(c.send_message(s(&g), s("first"), none())).await;
    ok(c.send_message(s(&g), s("second"), none())).await;
    let mut events = Vec::new();
    for _ in 0..100 {
        let b = dev("GET", &format!("inbox/{inbox}"), None).await;
        events = b["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= 3 {
            break;
        }
        sleep_ms(50).await;
    }
    assert_eq!(events.len(), 3, "one delivery came twice: {events:?}");
    let mut seen = std::collections::HashSet::new();
    let mut texts = Vec::new();
    for e in events.iter().rev() {
        assert_eq!(
            verify_webhook(js(&e["headers"]), s("hook-token-1")).ok(),
            Some(true)
        );
        assert_eq!(
            verify_webhook(js(&e["headers"]), s("hook-token-2")).ok(),
            Some(false)
        );
        let ev = val(&parse_webhook_event(s(&e["body"].to_string())).unwrap_or(JsValue::UNDEFINED));
        assert_eq!(ev["eventType"], "TextMessageCreated");
        if seen.insert(ev["eventId"].as_str().unwrap_or_default().to_string()) {
            texts.push(ev["data"]["text"].as_str().unwrap_or_default().to_string());
        }
    }
    assert_eq!(texts, vec!["first", "second"], "each event once");
    // Headers as a fetch Headers object work too.
    let h = jsfn(
        "",
        "return new Headers({'KZ-Callback-Token': 'hook-token-1'});",
    )
    .call0(&JsValue::NULL)
    .unwrap_or(JsValue::UNDEFINED);
    assert_eq!(verify_webhook(h, s("hook-token-1")).ok(), Some(true));
    // A body that is not an event is refused, naming what is wrong.
    let e = parse_webhook_event(s(r#"{"eventType": "TextMessageCreated"}"#))
        .err()
        .unwrap_or(JsValue::UNDEFINED);
    assert_kaizala_error(&e, "invalid_input", "parseWebhookEvent");
    assert_eq!(prop_str(&e, "field"), "eventId");
    let e = parse_webhook_event(s("not json"))
        .err()
        .unwrap_or(JsValue::UNDEFINED);
    assert_eq!(prop_str(&e, "field"), "body");
}
