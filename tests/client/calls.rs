//! Options, errors and every platform call, one test per resource, against the emulator.

use super::*;

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
