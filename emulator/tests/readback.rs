//! What the emulator answers when things are read back, checked against docs/platform.md: action
//! summaries and details per type, the `actionType` filter, numbers, live-service media resources,
//! untitled announcements and packages, sub-groups created with `name`, and webhook listings and
//! event names.

mod common;

use base64::Engine;
use common::*;
use kaizala_emulator::clock::parse_iso;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const HOUR: i64 = 60 * 60 * 1000;

async fn upload(e: &Emu, s: &Session, mime: &str, name: &str) -> String {
    let part = Part::bytes(PNG.to_vec())
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap();
    let resp = e
        .http
        .post(format!("{}v1/media", s.endpoint))
        .header("accessToken", &s.token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["mediaResource"].as_str().unwrap().to_string()
}

async fn post(e: &Emu, s: &Session, g: &str, body: Value) -> (u16, Value) {
    e.call(s, "POST", &format!("groups/{g}/actions"), Some(body))
        .await
}

async fn action(e: &Emu, s: &Session, g: &str, t: &str, body: Value) -> String {
    let r = post(e, s, g, json!({"actionType": t, "actionBody": body})).await;
    assert_eq!(r.0, 200, "posting {t}: {}", r.1);
    r.1["actionId"].as_str().unwrap().to_string()
}

/// Every action of the group, as listed, by id; and the answer's raw text.
async fn listing(e: &Emu, s: &Session, g: &str, query: &str) -> (Vec<Value>, String) {
    let resp = e
        .http
        .get(format!("{}v1/groups/{g}/actions{query}", s.endpoint))
        .header("accessToken", &s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    (v["actions"].as_array().unwrap().clone(), text)
}

fn by_id<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter()
        .find(|a| a["referenceId"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed"))
}

fn ms(v: &Value) -> i64 {
    parse_iso(v.as_str().unwrap_or_else(|| panic!("not a date: {v}")))
        .unwrap_or_else(|| panic!("not ISO 8601: {v}"))
}

/// The keys of an object, sorted.
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// A `mediaResource` as the live service wrote them: base64 of its JSON.
fn live_resource(action_type: i64, name: &str, url: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(
        json!({"Thumbnail": "/9j/4AAQ", "ActionType": action_type,
               "Files": [{"Id": "e5cf21bf", "Name": name, "Size": 4, "Url": url}]})
        .to_string(),
    )
}

/// Waits for `n` events in a dev-API inbox, oldest first.
async fn inbox(e: &Emu, name: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let (_, body) = e
            .raw("GET", &format!("/_emulator/inbox/{name}"), None)
            .await;
        let events = body["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= n {
            return events
                .into_iter()
                .rev()
                .map(|ev| ev["body"].clone())
                .collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} events arrived in {name}");
}

/// `GET …/actions` lists each type with the summary `actions_get.md` shows inside `actionBody`.
#[tokio::test]
async fn listed_actions_carry_each_types_summary() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let m1 = e.login(MEMBER).await;
    let g = e.group("North Field Team");
    let img = upload(&e, &admin, "image/png", "choice.png").await;

    let job = action(
        &e,
        &admin,
        &g,
        "Job",
        json!({"title": "Count", "assignedTo": [MEMBER, "+911000000011"], "dueDate": 10}),
    )
    .await;
    let r = e
        .call(
            &m1,
            "POST",
            &format!("groups/{g}/actions/{job}/responses"),
            Some(json!({"actionType": "Job", "actionBody": {"isCompleted": true}})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let poll = action(
        &e,
        &admin,
        &g,
        "Poll",
        json!({"question": "Easy?", "isSenderOnly": true, "expiryInHours": 10,
        "choices": [{"title": "Yes", "image": img}, {"title": "No"}]}),
    )
    .await;
    let meet = action(&e, &admin, &g, "LetsMeet", json!({"title": "lets catch up?", "startingTime": "2018-01-01T00:00:00Z",
        "duration": 45, "place": {"latitude": 15.0, "longitude": 96.0, "name": "MS Building 3"}, "agenda": "no agenda", "isSenderOnly": false}))
    .await;
    let survey = action(
        &e,
        &admin,
        &g,
        "Survey",
        json!({"title": "A test survey!!", "dueDate": 10,
        "questions": [{"title": "Q", "type": "Text"}]}),
    )
    .await;
    let pic = action(
        &e,
        &admin,
        &g,
        "Image",
        json!({"mediaResource": img, "caption": "Depot"}),
    )
    .await;

    let (list, text) = listing(&e, &admin, &g, "").await;
    // Whole numbers are answered as integers, as sent (never `10.0` or `15.0`).
    assert!(!text.contains(".0,") && !text.contains(".0}"), "{text}");
    for a in &list {
        for k in [
            "referenceId",
            "actionType",
            "sender",
            "sentAt",
            "actionBody",
        ] {
            assert!(a.get(k).is_some(), "{k} missing in {a}");
        }
    }

    let a = by_id(&list, &job);
    let b = &a["actionBody"];
    assert_eq!(b["actionId"], job.as_str());
    assert_eq!(b["title"], "Count");
    assert_eq!(b["assigneeCount"], 2);
    assert_eq!(b["responseCount"], 1);
    assert_eq!(b["isCompleted"], false);
    assert_eq!(ms(&b["dueDate"]) - ms(&a["sentAt"]), 10 * HOUR);
    assert_eq!(b["assignedTo"], json!([MEMBER, "+911000000011"]));

    let a = by_id(&list, &poll);
    let b = &a["actionBody"];
    assert_eq!(
        keys(b),
        [
            "actionId",
            "choices",
            "expiryDate",
            "isSenderOnly",
            "question",
            "responseCount"
        ]
    );
    assert_eq!(b["actionId"], poll.as_str());
    assert_eq!(b["question"], "Easy?");
    assert_eq!(b["isSenderOnly"], true);
    assert_eq!(ms(&b["expiryDate"]) - ms(&a["sentAt"]), 10 * HOUR);
    assert_eq!(b["choices"][1], json!({"title": "No"}));
    // A choice's image is a URL one can fetch, not the mediaResource.
    let url = b["choices"][0]["image"].as_str().unwrap();
    assert!(url.starts_with(&e.url) && url.contains("/media/"), "{url}");
    assert_eq!(e.http.get(url).send().await.unwrap().status(), 200);

    let b = &by_id(&list, &meet)["actionBody"];
    assert_eq!(b["actionId"], meet.as_str());
    assert_eq!(b["title"], "lets catch up?");
    assert_eq!(b["startingTime"], "2018-01-01T00:00:00Z");
    assert_eq!(b["agenda"], "no agenda");
    assert_eq!(b["isSenderOnly"], false);
    assert!(b["duration"].is_i64() && b["duration"] == 45, "{b}");
    // As the page's sample: posted 15.0, listed 15.
    assert_eq!(
        b["place"],
        json!({"latitude": 15, "longitude": 96, "name": "MS Building 3"})
    );
    assert!(b["place"]["latitude"].is_i64());

    let a = by_id(&list, &survey);
    let b = &a["actionBody"];
    assert_eq!(b["actionId"], survey.as_str());
    assert_eq!(b["title"], "A test survey!!");
    assert_eq!(b["responseCount"], 0);
    assert_eq!(ms(&b["expiryDate"]) - ms(&a["sentAt"]), 10 * HOUR);

    let b = &by_id(&list, &pic)["actionBody"];
    let url = b["imageUrl"].as_str().unwrap();
    assert!(
        url.contains("/media/") && url.ends_with("choice.png"),
        "{b}"
    );
    assert_eq!(b["caption"], "Depot");

    // A photo with its location, as the seed has one (created in the app only).
    let north = e.group("North Region");
    let (list, _) = listing(&e, &admin, &north, "?actionType=PhotoWithLocation").await;
    assert_eq!(list.len(), 1);
    let b = &list[0]["actionBody"];
    assert!(b["latitude"].is_f64() && b["longitude"].is_f64() && b.get("imageUrl").is_some());
}

/// `?actionType=` takes the ids as `actions.md` spells them, in any case (choice C2).
#[tokio::test]
async fn the_action_type_filter_takes_the_documented_ids_in_any_case() {
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let root = e.group("Contoso Relief");
    let north = e.group("North Region");
    for (query, group, want) in [
        ("job", &root, "Job"),
        ("JOB", &root, "Job"),
        ("poll", &root, "Poll"),
        ("survey", &root, "Survey"),
        ("image", &root, "Image"),
        ("photoWithLocation", &north, "PhotoWithLocation"),
        ("sharelocation", &north, "ShareLocation"),
    ] {
        let (list, _) = listing(&e, &s, group, &format!("?actionType={query}")).await;
        assert_eq!(list.len(), 1, "?actionType={query}: {list:?}");
        assert_eq!(list[0]["actionType"], want, "?actionType={query}");
    }
    let g = e.group("North Field Team");
    let meet = action(
        &e,
        &s,
        &g,
        "LetsMeet",
        json!({"title": "R", "startingTime": "2026-12-01T09:30:00Z"}),
    )
    .await;
    let (list, _) = listing(&e, &s, &g, "?actionType=letsmeet").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["referenceId"], meet.as_str());
    // A type that is never listed lists nothing.
    for t in ["Announcement", "video", "Contact"] {
        let (list, _) = listing(&e, &s, &root, &format!("?actionType={t}")).await;
        assert!(list.is_empty(), "?actionType={t}");
    }
}

/// `GET …/actions/{id}` carries `actionDetails` as `actionDetails.md` shows it.
#[tokio::test]
async fn one_action_carries_its_documented_details() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let m1 = e.login(MEMBER).await;
    let g = e.group("North Field Team");
    let job = action(
        &e,
        &admin,
        &g,
        "Job",
        json!({"title": "test job", "assignedTo": [MEMBER], "dueDate": 10}),
    )
    .await;
    let path = format!("groups/{g}/actions/{job}");
    let (st, d) = e.call(&admin, "GET", &path, None).await;
    assert_eq!(st, 200, "{d}");
    for k in ["actionType", "actionDetails", "sender", "sentAt"] {
        assert!(d.get(k).is_some(), "{k} missing in {d}");
    }
    let ad = &d["actionDetails"];
    assert_eq!(ad["title"], "test job");
    assert_eq!(ms(&ad["dueDate"]) - ms(&d["sentAt"]), 10 * HOUR);
    assert_eq!(ad["status"], false);
    assert_eq!(ad["responseCount"], 0);
    assert_eq!(ad["assigneeCount"], 1);
    assert!(
        ad.get("responses").is_none(),
        "responses come with getDetails"
    );
    let r = e
        .call(
            &m1,
            "POST",
            &format!("{path}/responses"),
            Some(json!({"actionType": "Job", "actionBody": {"isCompleted": true}})),
        )
        .await;
    assert_eq!(r.0, 200);
    let (_, d) = e
        .call(&admin, "GET", &format!("{path}?getDetails=true"), None)
        .await;
    let ad = &d["actionDetails"];
    assert_eq!(ad["status"], true);
    assert_eq!(ad["responseCount"], 1);
    assert_eq!(ad["responses"][0]["isCompleted"], true);
    assert_eq!(ad["responses"][0]["responder"], MEMBER);
    // Nothing of the drill-down is left at the top level.
    for k in [
        "responses",
        "completedCount",
        "assignees",
        "closesAt",
        "results",
    ] {
        assert!(d.get(k).is_none(), "{k} at the top level: {d}");
    }

    let survey = action(
        &e,
        &admin,
        &g,
        "Survey",
        json!({"title": "Sample Survey", "questions": [{"title": "Q", "type": "Text"}]}),
    )
    .await;
    let (_, d) = e
        .call(&admin, "GET", &format!("groups/{g}/actions/{survey}"), None)
        .await;
    let ad = &d["actionDetails"];
    assert_eq!(ad["actionId"], survey.as_str());
    assert_eq!(ad["title"], "Sample Survey");
    assert_eq!(ad["responseCount"], 0);
    // Without dueDate, a survey runs the documented default of 24 hours (choice R6).
    assert_eq!(ms(&ad["expiryDate"]) - ms(&d["sentAt"]), 24 * HOUR);
}

/// The live service's `mediaResource` blobs are accepted as references to their `Url`; truncated
/// ones are refused naming the field (choice C5).
#[tokio::test]
async fn live_service_media_resources_are_read_by_their_url() {
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let g = e.group("North Field Team");
    let hook = json!({"objectId": g, "objectType": "Group", "eventTypes": ["AttachmentCreated", "Announcement"],
        "callBackUrl": format!("{}/_emulator/inbox/live", e.url)});
    assert_eq!(e.call(&s, "POST", "webhook", Some(hook)).await.0, 200);

    let picture = live_resource(
        3,
        "test.png",
        "https://cdn.example.net/75e8.png?sv=2015-12-11&sp=r",
    );
    let pic = action(
        &e,
        &s,
        &g,
        "Image",
        json!({"mediaResource": picture, "caption": "From the live service"}),
    )
    .await;
    let poll = action(
        &e,
        &s,
        &g,
        "Poll",
        json!({"question": "Q?", "choices": [{"title": "Yes", "image": picture}, {"title": "No"}]}),
    )
    .await;
    let (list, _) = listing(&e, &s, &g, "").await;
    assert_eq!(
        by_id(&list, &pic)["actionBody"]["imageUrl"],
        "https://cdn.example.net/75e8.png?sv=2015-12-11&sp=r"
    );
    assert_eq!(
        by_id(&list, &poll)["actionBody"]["choices"][0]["image"],
        "https://cdn.example.net/75e8.png?sv=2015-12-11&sp=r"
    );
    let events = inbox(&e, "live", 1).await;
    assert_eq!(
        events[0]["data"]["media"][0],
        json!({"mediaUrl": "https://cdn.example.net/75e8.png?sv=2015-12-11&sp=r", "mediaFileName": "test.png"})
    );

    // An audio file is no picture; a truncated blob names no file.
    let audio = live_resource(5, "15kz-064.mp2", "https://cdn.example.net/a.mp2");
    let r = post(
        &e,
        &s,
        &g,
        json!({"actionType": "Image", "actionBody": {"mediaResource": audio}}),
    )
    .await;
    assert_error(&r, 400);
    let audio_ok = post(
        &e,
        &s,
        &g,
        json!({"actionType": "Audio", "actionBody": {"mediaResource": audio}}),
    )
    .await;
    assert_eq!(audio_ok.0, 200, "{}", audio_ok.1);
    let truncated = &picture[..40];
    let r = post(&e, &s, &g, json!({"actionType": "Announcement", "actionBody": {"message": "M", "mediaResources": [truncated]}})).await;
    assert_error(&r, 400);
}

/// An announcement without a title is "Sent by <sender>" (choice C3); a package needs none (C4);
/// a survey still does.
#[tokio::test]
async fn announcements_and_packages_need_no_title() {
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let g = e.group("North Field Team");
    let hook = json!({"objectId": g, "objectType": "Group", "eventTypes": ["Announcement"],
        "callBackUrl": format!("{}/_emulator/inbox/ann", e.url)});
    assert_eq!(e.call(&s, "POST", "webhook", Some(hook)).await.0, 200);
    action(
        &e,
        &s,
        &g,
        "Announcement",
        json!({"message": "Lets test announcement"}),
    )
    .await;
    let events = inbox(&e, "ann", 1).await;
    assert_eq!(events[0]["data"]["title"], "Sent by Bilal Khan");
    assert_eq!(events[0]["data"]["text"], "Lets test announcement");

    let r = post(
        &e,
        &s,
        &g,
        json!({"id": "com.microsoft.kaizala.miniapps.BdayMessage.12", "actionBody": {"properties": [
        {"name": "name", "value": "TestTitle", "type": "Text"}]}}),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let (_, d) = e
        .call(
            &s,
            "GET",
            &format!("groups/{g}/actions/{}", r.1["actionId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        d["actionDetails"]["properties"][0]["value"], "TestTitle",
        "{d}"
    );
    let r = post(&e, &s, &g, json!({"actionType": "Survey", "actionBody": {"questions": [{"title": "Q", "type": "Text"}]}})).await;
    assert_error(&r, 400);
}

/// `POST …/subGroups` takes the swagger's `name` when `groupName` is absent (choice G3).
#[tokio::test]
async fn sub_groups_are_created_with_name_too() {
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let north = e.group("North Region");
    let r = e
        .call(
            &s,
            "POST",
            &format!("groups/{north}/subGroups"),
            Some(
                json!({"name": "Kaizala Test Public Group", "welcomeMessage": "Welcome",
                        "members": ["+911000000011"], "groupType": "ConnectGroup"}),
            ),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["groupName"], "Kaizala Test Public Group");
    let (_, g) = e
        .call(
            &s,
            "GET",
            &format!("groups/{}", r.1["groupId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(g["groups"][0]["hasParentGroups"], true);
}

/// The four event types of the exported requests register, go out under their own name to a
/// webhook that asked for them and as the generic one to others, once each (choice W2); the
/// listing carries `callBackContext` as registered (W1).
#[tokio::test]
async fn poll_and_meeting_events_and_the_listed_context() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let m1 = e.login(MEMBER).await;
    let g = e.group("North Field Team");
    let specific = json!({"objectId": g, "objectType": "Group",
        "eventTypes": ["PollCreated", "PollResponse", "LetsMeetCreated", "LetsMeetResponse", "ActionCreated", "ActionResponse"],
        "callBackUrl": format!("{}/_emulator/inbox/specific", e.url),
        "callBackContext": {"team": "north", "n": 1}});
    let r = e.call(&admin, "POST", "webhook", Some(specific)).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let generic = json!({"objectId": g, "objectType": "Group", "eventTypes": ["ActionCreated", "ActionResponse"],
        "callBackUrl": format!("{}/_emulator/inbox/generic", e.url),
        "callBackContext": "Any data which is required to be returned in callback"});
    let r = e.call(&admin, "POST", "webhook", Some(generic)).await;
    assert_eq!(r.0, 200, "{}", r.1);

    let (_, list) = e
        .call(
            &admin,
            "GET",
            &format!("webhook?objectId={g}&objectType=Group"),
            None,
        )
        .await;
    let hooks = list["webhooks"].as_array().unwrap();
    assert_eq!(
        hooks[0]["callBackContext"],
        json!({"team": "north", "n": 1})
    );
    assert_eq!(
        hooks[1]["callBackContext"],
        "Any data which is required to be returned in callback"
    );
    assert_eq!(
        hooks[0]["events"],
        json!([
            "PollCreated",
            "PollResponse",
            "LetsMeetCreated",
            "LetsMeetResponse",
            "ActionCreated",
            "ActionResponse"
        ])
    );

    let poll = action(
        &e,
        &admin,
        &g,
        "Poll",
        json!({"question": "Q?", "choices": [{"title": "A"}, {"title": "B"}]}),
    )
    .await;
    let r = e
        .call(
            &m1,
            "POST",
            &format!("groups/{g}/actions/{poll}/responses"),
            Some(json!({"actionType": "Poll", "actionBody": {"answers": ["A"]}})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let meet = action(
        &e,
        &admin,
        &g,
        "LetsMeet",
        json!({"title": "M", "startingTime": "2026-12-01T09:30:00Z"}),
    )
    .await;
    let r = e
        .call(
            &m1,
            "POST",
            &format!("groups/{g}/actions/{meet}/responses"),
            Some(json!({"actionType": "LetsMeet", "actionBody": {"answers": ["Yes"]}})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);

    let names = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|ev| ev["eventType"].as_str().unwrap().to_string())
            .collect()
    };
    let got = inbox(&e, "specific", 4).await;
    assert_eq!(
        names(&got),
        [
            "PollCreated",
            "PollResponse",
            "LetsMeetCreated",
            "LetsMeetResponse"
        ]
    );
    assert_eq!(got[0]["data"]["actionId"], poll.as_str());
    assert_eq!(got[0]["context"], json!({"team": "north", "n": 1}));
    let got = inbox(&e, "generic", 4).await;
    assert_eq!(
        names(&got),
        [
            "ActionCreated",
            "ActionResponse",
            "ActionCreated",
            "ActionResponse"
        ]
    );
    // Each webhook once: nothing more arrives.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, body) = e.raw("GET", "/_emulator/inbox/specific", None).await;
    assert_eq!(body["events"].as_array().unwrap().len(), 4);
}

/// A survey's picture and attachment answers reach webhooks as the event sample shows them:
/// `{mediaUrl, mediaFileName}`, not the `mediaResource` (`EventSchema.md`, SurveyResponse).
#[tokio::test]
async fn survey_events_carry_files_as_urls() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let m1 = e.login(MEMBER).await;
    let g = e.group("North Field Team");
    let hook = json!({"objectId": g, "objectType": "Group", "eventTypes": ["SurveyResponse"],
        "callBackUrl": format!("{}/_emulator/inbox/files", e.url)});
    assert_eq!(e.call(&admin, "POST", "webhook", Some(hook)).await.0, 200);
    let survey = action(
        &e,
        &admin,
        &g,
        "Survey",
        json!({"title": "Proof", "questions": [
        {"title": "Photo", "type": "Image"}, {"title": "Files", "type": "AttachmentList"}]}),
    )
    .await;
    let pic = upload(&e, &m1, "image/png", "proof.png").await;
    let doc = upload(&e, &m1, "application/pdf", "plan.pdf").await;
    let r = e
        .call(
            &m1,
            "POST",
            &format!("groups/{g}/actions/{survey}/responses"),
            Some(json!({"actionType": "Survey", "actionBody": {"answers": [pic, [doc]]}})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let events = inbox(&e, "files", 1).await;
    let qs = &events[0]["data"]["responseDetails"]["responseWithQuestions"];
    assert_eq!(qs[0]["answer"]["mediaFileName"], "proof.png");
    assert!(qs[0]["answer"]["mediaUrl"]
        .as_str()
        .unwrap()
        .ends_with("/proof.png"));
    assert_eq!(qs[1]["answer"][0]["mediaFileName"], "plan.pdf");
}

/// A group or sub-group is created with at most 100 numbers (the swagger's description of both
/// calls; choice L2).
#[tokio::test]
async fn groups_are_created_with_at_most_100_numbers() {
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let numbers = |n: usize| -> Vec<String> { (0..n).map(|i| format!("+9197{i:08}")).collect() };
    let r = e
        .call(
            &s,
            "POST",
            "groups",
            Some(json!({"name": "Big", "welcomeMessage": "w", "members": numbers(100)})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = e
        .call(
            &s,
            "POST",
            "groups",
            Some(json!({"name": "Too big", "welcomeMessage": "w", "members": numbers(101)})),
        )
        .await;
    assert_error(&r, 400);
    assert_eq!(r.1["field"], "members", "{}", r.1);
    let north = e.group("North Region");
    let r = e
        .call(
            &s,
            "POST",
            &format!("groups/{north}/subGroups"),
            Some(json!({"groupName": "Too big", "welcomeMessage": "w", "members": numbers(101)})),
        )
        .await;
    assert_error(&r, 400);
}

/// A permission's read or write scope both allow its calls for text messages, media and the
/// profile (choice S1): the platform's one real grant has `textmessage.read`, `media.read` and
/// `profile.write` only (the swagger's `Response - Refresh Token` example).
#[tokio::test]
async fn the_real_grant_sends_messages_uploads_and_reads_the_profile() {
    let e = emu().await;
    let grant = "groupinfo.read,groupinfo.write,groupinfo.remove,groupinfo.update,groupmember.read,groupmember.write,groupmember.remove,textmessage.read,action.read,action.write,action.update,profile.write,media.read,webhook.read,webhook.write,webhook.remove,webhook.update";
    let scopes: Vec<&str> = grant.split(',').collect();
    let (st, c) = e
        .raw(
            "POST",
            "/_emulator/connectors",
            Some(json!({"name": "Real grant", "scopes": scopes})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let s = e
        .login_with(
            MEMBER,
            c["applicationId"].as_str().unwrap(),
            c["applicationSecret"].as_str().unwrap(),
        )
        .await;
    let g = e.group("North Field Team");
    let r = e
        .call(
            &s,
            "POST",
            &format!("groups/{g}/messages"),
            Some(json!({"message": "hi"})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    upload(&e, &s, "image/png", "granted.png").await;
    let r = e.call(&s, "GET", "users/me", None).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["mobileNumber"], MEMBER);
}
