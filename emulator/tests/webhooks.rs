//! Webhooks over real HTTP: validation, delivery of every event type, retries, disabling, validity, listing.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const ALL_EVENTS: &[&str] = &[
    "ActionCreated",
    "ActionResponse",
    "SurveyCreated",
    "JobCreated",
    "SurveyResponse",
    "JobResponse",
    "TextMessageCreated",
    "AttachmentCreated",
    "Announcement",
    "MemberAdded",
    "MemberRemoved",
    "GroupAdded",
    "GroupRemoved",
];

fn inbox_url(emu: &Emu, name: &str) -> String {
    format!("{}/_emulator/inbox/{name}", emu.url)
}

/// The inbox's events, oldest first.
async fn inbox(emu: &Emu, name: &str) -> Vec<Value> {
    let (st, body) = emu
        .raw("GET", &format!("/_emulator/inbox/{name}"), None)
        .await;
    assert_eq!(st, 200, "reading the inbox: {body}");
    let mut events = body["events"].as_array().cloned().unwrap_or_default();
    events.reverse();
    events
}

/// Waits (at most 5 s) until the inbox holds at least `n` events; returns them oldest first.
async fn wait_for(emu: &Emu, name: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let events = inbox(emu, name).await;
        if events.len() >= n {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events = inbox(emu, name).await;
    panic!(
        "inbox {name}: wanted {n} events, got {}: {events:#?}",
        events.len()
    );
}

fn event_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["body"]["eventType"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// The body of the first received event of that type.
fn find<'a>(events: &'a [Value], event_type: &str) -> &'a Value {
    &events
        .iter()
        .find(|e| e["body"]["eventType"] == event_type)
        .unwrap_or_else(|| panic!("no {event_type} among {:?}", event_types(events)))["body"]
}

async fn register(emu: &Emu, s: &Session, body: Value) -> (u16, Value) {
    emu.call(s, "POST", "webhook", Some(body)).await
}

/// Registers a webhook on a group for `events` delivered to inbox `name`; returns its id.
async fn hook_on(
    emu: &Emu,
    s: &Session,
    group: &str,
    name: &str,
    events: &[&str],
    token: Option<&str>,
) -> String {
    let mut body = json!({
        "objectId": group,
        "objectType": "Group",
        "eventTypes": events,
        "callBackUrl": inbox_url(emu, name),
    });
    if let Some(t) = token {
        body["callBackToken"] = json!(t);
    }
    let resp = register(emu, s, body).await;
    assert_eq!(resp.0, 200, "registering: {}", resp.1);
    resp.1["webhookId"].as_str().expect("webhookId").to_string()
}

async fn post_message(emu: &Emu, s: &Session, group: &str, text: &str) -> String {
    let resp = emu
        .call(
            s,
            "POST",
            &format!("groups/{group}/messages"),
            Some(json!({"message": text})),
        )
        .await;
    assert_eq!(resp.0, 200, "posting a message: {}", resp.1);
    resp.1["referenceId"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn listing(emu: &Emu, s: &Session, query: &str) -> Vec<Value> {
    let (st, body) = emu.call(s, "GET", &format!("webhook{query}"), None).await;
    assert_eq!(st, 200, "listing webhooks: {body}");
    body["webhooks"]
        .as_array()
        .cloned()
        .expect("webhooks array")
}

async fn listed(emu: &Emu, s: &Session, id: &str) -> Value {
    listing(emu, s, "")
        .await
        .into_iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("webhook {id} is not listed"))
}

async fn fault_inbox(emu: &Emu, name: &str, count: u32) {
    let (st, body) = emu
        .raw(
            "POST",
            "/_emulator/faults",
            Some(json!({"path": format!("/_emulator/inbox/{name}"), "method": "POST", "count": count, "status": 500})),
        )
        .await;
    assert_eq!(st, 200, "planning a fault: {body}");
}

fn texts(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["body"]["data"]["text"]
                .as_str()
                .unwrap_or("?")
                .to_string()
        })
        .collect()
}

fn connector(emu: &Emu, name: &str) -> (String, String) {
    let c = emu.seed["connectors"]
        .as_array()
        .expect("connectors")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no connector {name}"));
    (
        c["applicationId"].as_str().unwrap().to_string(),
        c["applicationSecret"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn registration_is_refused_unless_the_callback_echoes_the_token() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let body = |url: String| json!({"objectId": g, "objectType": "Group", "eventTypes": ["TextMessageCreated"], "callBackUrl": url});

    // A path that answers 404.
    let resp = register(&emu, &s, body(format!("{}/nowhere", emu.url))).await;
    assert_error(&resp, 400);
    assert_eq!(resp.1["field"], "callBackUrl");
    let msg = resp.1["message"].as_str().unwrap();
    assert!(
        msg.contains("validation token") && msg.contains("2 s"),
        "{msg}"
    );

    // A closed port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let resp = register(&emu, &s, body(format!("http://127.0.0.1:{closed}/hook"))).await;
    assert_error(&resp, 400);
    assert_eq!(resp.1["field"], "callBackUrl");

    // A receiver that answers 500 to the validation GET.
    let (st, _) = emu
        .raw(
            "POST",
            "/_emulator/faults",
            Some(json!({"path": "/_emulator/inbox/flaky", "method": "GET", "count": 1, "status": 500})),
        )
        .await;
    assert_eq!(st, 200);
    assert_error(
        &register(&emu, &s, body(inbox_url(&emu, "flaky"))).await,
        400,
    );

    // Nothing was registered by the refusals.
    assert!(listing(&emu, &s, "").await.is_empty());

    // The inbox echoes; a URL that already has a query gets `&validationToken=`.
    let resp = register(&emu, &s, body(format!("{}?x=1", inbox_url(&emu, "good")))).await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert!(resp.1["webhookId"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn registration_checks_its_fields_and_the_object() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let good = json!({
        "objectId": g, "objectType": "Group", "eventTypes": ["TextMessageCreated", "MemberAdded"],
        "callBackUrl": inbox_url(&emu, "a"),
    });
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    for (body, field) in [
        (without("objectId"), "objectId"),
        (without("objectType"), "objectType"),
        (without("eventTypes"), "eventTypes"),
        (without("callBackUrl"), "callBackUrl"),
        (with("objectType", json!("Channel")), "objectType"),
        (with("eventTypes", json!([])), "eventTypes"),
        (
            with(
                "eventTypes",
                json!(["TextMessageCreated", "MessageDeleted"]),
            ),
            "eventTypes[1]",
        ),
        (
            with("eventTypes", json!("TextMessageCreated")),
            "eventTypes",
        ),
        (with("callBackUrl", json!("not a url")), "callBackUrl"),
        (with("callBackUrl", json!("/relative/path")), "callBackUrl"),
        (
            with("callBackUrl", json!("ftp://example.com/x")),
            "callBackUrl",
        ),
        (with("validity", json!(1_000)), "validity"),
    ] {
        let resp = register(&emu, &s, body.clone()).await;
        assert_error(&resp, 400);
        assert_eq!(resp.1["field"], field, "{body} → {}", resp.1);
    }

    // Unknown objects: 404; a group the caller does not reach: 403.
    assert_error(
        &register(&emu, &s, with("objectId", json!("no-such-group"))).await,
        404,
    );
    let action = json!({
        "objectId": "no-such-action", "objectType": "Action", "eventTypes": ["SurveyResponse"],
        "callBackUrl": inbox_url(&emu, "a"),
    });
    assert_error(&register(&emu, &s, action).await, 404);
    let member = emu.login(MEMBER).await;
    assert_error(
        &register(
            &emu,
            &member,
            with("objectId", json!(emu.group("South Region"))),
        )
        .await,
        403,
    );

    // An action package may be any id; the validity may be given.
    let pkg = json!({
        "objectId": "com.contoso.checkin", "objectType": "ActionPackage", "eventTypes": ["ActionResponse"],
        "callBackUrl": inbox_url(&emu, "a"), "validity": 4_102_444_800_000i64,
    });
    let resp = register(&emu, &s, pkg).await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    let h = listed(&emu, &s, resp.1["webhookId"].as_str().unwrap()).await;
    assert_eq!(h["validity"], 4_102_444_800_000i64);
    assert_eq!(h["objectType"], "ActionPackage");

    // Repeated event types are kept once; the default validity is two years.
    let resp = register(
        &emu,
        &s,
        with("eventTypes", json!(["MemberAdded", "MemberAdded"])),
    )
    .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    let h = listed(&emu, &s, resp.1["webhookId"].as_str().unwrap()).await;
    assert_eq!(h["events"], json!(["MemberAdded"]));
    let two_years = h["validity"].as_i64().unwrap() - h["ts"].as_i64().unwrap();
    assert_eq!(two_years, 730 * 24 * 3600 * 1000);
}

#[tokio::test]
async fn group_events_are_delivered_with_the_envelope_and_token() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let resp = register(
        &emu,
        &s,
        json!({
            "objectId": g, "objectType": "Group", "eventTypes": ALL_EVENTS,
            "callBackUrl": inbox_url(&emu, "relief"), "callBackToken": "s3cret",
            "callBackContext": {"tenant": "contoso", "n": 1},
        }),
    )
    .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    // A second webhook without a token, for the same group and one event type.
    hook_on(&emu, &s, &g, "plain", &["TextMessageCreated"], None).await;

    post_message(&emu, &s, &g, "hello hooks").await;
    let events = wait_for(&emu, "relief", 1).await;
    let e = &events[0];
    assert_eq!(e["headers"]["kz-callback-token"], "s3cret");
    let b = &e["body"];
    assert_eq!(b["eventType"], "TextMessageCreated");
    assert_eq!(b["objectId"], json!(g));
    assert_eq!(b["objectType"], "Group");
    assert!(b["eventId"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(b["data"]["text"], "hello hooks");
    assert_eq!(b["context"], json!({"tenant": "contoso", "n": 1}));
    assert_eq!(b["fromUser"], GROUP_ADMIN_NORTH);
    assert!(b["fromUserId"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(b["fromUserName"], "Bilal Khan");
    assert!(b["fromUserProfilePic"].is_string());

    let plain = wait_for(&emu, "plain", 1).await;
    assert!(
        plain[0]["headers"]["kz-callback-token"].is_null(),
        "{}",
        plain[0]
    );
    assert_eq!(
        plain[0]["body"]["eventId"], b["eventId"],
        "one event, one id"
    );

    // Members in and out.
    let newcomer = "+911099990001";
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("groups/{g}/members"),
            Some(json!({"members": [newcomer]})),
        )
        .await;
    assert_eq!(resp.0, 200, "adding a member: {}", resp.1);
    let events = wait_for(&emu, "relief", 2).await;
    let added = find(&events, "MemberAdded");
    assert_eq!(added["data"]["member"], newcomer);
    assert_eq!(added["objectId"], json!(g));

    let (_, members) = emu
        .call(&s, "GET", &format!("groups/{g}/members"), None)
        .await;
    let member_id = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["mobileNumber"] == newcomer)
        .expect("the newcomer is listed")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = emu
        .call(
            &s,
            "DELETE",
            &format!("groups/{g}/members/{member_id}"),
            None,
        )
        .await;
    assert_eq!(resp.0, 200, "removing a member: {}", resp.1);
    let events = wait_for(&emu, "relief", 3).await;
    assert_eq!(find(&events, "MemberRemoved")["data"]["member"], newcomer);

    // Sub-groups in and out (announced on the parent).
    let resp = emu
        .call(
            &s,
            "POST",
            &format!("groups/{g}/subGroups"),
            Some(json!({"groupName": "East Region", "welcomeMessage": "Welcome"})),
        )
        .await;
    assert_eq!(resp.0, 200, "creating a sub-group: {}", resp.1);
    let sub = resp.1["groupId"].as_str().unwrap().to_string();
    let events = wait_for(&emu, "relief", 4).await;
    let added = find(&events, "GroupAdded");
    assert_eq!(added["data"]["groupId"], json!(sub));
    assert_eq!(added["data"]["groupName"], "East Region");

    let resp = emu
        .call(&s, "DELETE", &format!("groups/{g}/subGroups/{sub}"), None)
        .await;
    assert_eq!(resp.0, 200, "removing a sub-group: {}", resp.1);
    let events = wait_for(&emu, "relief", 5).await;
    assert_eq!(find(&events, "GroupRemoved")["data"]["groupId"], json!(sub));

    assert_eq!(
        event_types(&events),
        [
            "TextMessageCreated",
            "MemberAdded",
            "MemberRemoved",
            "GroupAdded",
            "GroupRemoved"
        ]
    );
    // Every event has its own id.
    let mut ids: Vec<&str> = events
        .iter()
        .map(|e| e["body"]["eventId"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    // The other webhook only listens to messages.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(inbox(&emu, "plain").await.len(), 1);
}

async fn post_action(emu: &Emu, s: &Session, group: &str, body: Value) -> String {
    let resp = emu
        .call(
            s,
            "POST",
            &format!("groups/{group}/actions"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(resp.0, 200, "posting {body}: {}", resp.1);
    resp.1["actionId"]
        .as_str()
        .or(resp.1["referenceId"].as_str())
        .unwrap()
        .to_string()
}

async fn respond(emu: &Emu, s: &Session, group: &str, action: &str, body: Value) -> String {
    let resp = emu
        .call(
            s,
            "POST",
            &format!("groups/{group}/actions/{action}/responses"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(resp.0, 200, "responding {body}: {}", resp.1);
    resp.1["responseId"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn action_events_are_delivered() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    hook_on(&emu, &s, &g, "acts", ALL_EVENTS, Some("tok")).await;

    let survey = post_action(
        &emu,
        &s,
        &g,
        json!({"actionType": "Survey", "actionBody": {
            "title": "Supplies",
            "questions": [
                {"title": "Enough water?", "type": "SingleOption", "options": [{"title": "Yes"}, {"title": "No"}]},
                {"title": "Notes", "type": "Text"}
            ]
        }}),
    )
    .await;
    let events = wait_for(&emu, "acts", 1).await;
    let created = find(&events, "SurveyCreated");
    assert_eq!(created["data"]["actionId"], json!(survey));
    assert_eq!(created["data"]["groupId"], json!(g));

    let response = respond(
        &emu,
        &s,
        &g,
        &survey,
        json!({"actionType": "Survey", "actionBody": {"answers": ["Yes", "all good"]}}),
    )
    .await;
    let events = wait_for(&emu, "acts", 2).await;
    let r = find(&events, "SurveyResponse");
    assert_eq!(r["data"]["actionId"], json!(survey));
    assert_eq!(r["data"]["responseId"], json!(response));
    assert_eq!(r["data"]["responder"], GROUP_ADMIN_NORTH);
    let qs = r["data"]["responseDetails"]["responseWithQuestions"]
        .as_array()
        .expect("questions");
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[0]["title"], "Enough water?");

    let poll = post_action(
        &emu,
        &s,
        &g,
        json!({"actionType": "Poll", "actionBody": {"question": "Meet Friday?", "choices": [{"title": "Yes"}, {"title": "No"}]}}),
    )
    .await;
    let events = wait_for(&emu, "acts", 3).await;
    assert_eq!(
        find(&events, "ActionCreated")["data"]["actionId"],
        json!(poll)
    );
    respond(
        &emu,
        &s,
        &g,
        &poll,
        json!({"actionType": "Poll", "actionBody": {"answers": ["Yes"]}}),
    )
    .await;
    let events = wait_for(&emu, "acts", 4).await;
    assert_eq!(
        find(&events, "ActionResponse")["data"]["actionId"],
        json!(poll)
    );

    let job = post_action(
        &emu,
        &s,
        &g,
        json!({"actionType": "Job", "actionBody": {"title": "Count tents", "assignedTo": [GROUP_ADMIN_NORTH], "dueDate": 48}}),
    )
    .await;
    let events = wait_for(&emu, "acts", 5).await;
    let jc = find(&events, "JobCreated");
    assert_eq!(jc["data"]["actionId"], json!(job));
    assert_eq!(jc["data"]["title"], "Count tents");
    assert_eq!(jc["data"]["assignedTo"], json!([GROUP_ADMIN_NORTH]));
    respond(
        &emu,
        &s,
        &g,
        &job,
        json!({"actionType": "Job", "actionBody": {"isCompleted": true}}),
    )
    .await;
    let events = wait_for(&emu, "acts", 6).await;
    let jr = find(&events, "JobResponse");
    assert_eq!(jr["data"]["actionId"], json!(job));
    assert_eq!(
        jr["data"]["responseDetails"]["response"]["isCompleted"],
        true
    );
    assert_eq!(
        jr["data"]["responseDetails"]["response"]["assignee"],
        GROUP_ADMIN_NORTH
    );

    // An image: upload, then post it.
    let png: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0];
    let part = reqwest::multipart::Part::bytes(png)
        .file_name("tents.png")
        .mime_str("image/png")
        .unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let resp = emu
        .http
        .post(format!("{}v1/media", s.endpoint))
        .header("accessToken", &s.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "uploading");
    let media: Value = resp.json().await.unwrap();
    let resource = media["mediaResource"]
        .as_str()
        .expect("mediaResource")
        .to_string();
    post_action(
        &emu,
        &s,
        &g,
        json!({"actionType": "Image", "actionBody": {"mediaResource": resource, "caption": "Tents"}}),
    )
    .await;
    let events = wait_for(&emu, "acts", 7).await;
    let a = find(&events, "AttachmentCreated");
    assert_eq!(a["data"]["actionType"], "Image");
    assert_eq!(a["data"]["caption"], "Tents");
    let media_list = a["data"]["media"].as_array().expect("media");
    assert_eq!(media_list.len(), 1);
    assert!(media_list[0]["mediaUrl"]
        .as_str()
        .is_some_and(|u| u.starts_with("http")));

    post_action(
        &emu,
        &s,
        &g,
        json!({"actionType": "Announcement", "actionBody": {"title": "Road closed", "message": "Use the north gate"}}),
    )
    .await;
    let events = wait_for(&emu, "acts", 8).await;
    let an = find(&events, "Announcement");
    assert_eq!(an["data"]["title"], "Road closed");
    assert_eq!(an["data"]["text"], "Use the north gate");

    assert_eq!(
        event_types(&events),
        [
            "SurveyCreated",
            "SurveyResponse",
            "ActionCreated",
            "ActionResponse",
            "JobCreated",
            "JobResponse",
            "AttachmentCreated",
            "Announcement"
        ]
    );
    assert!(events
        .iter()
        .all(|e| e["headers"]["kz-callback-token"] == "tok"));
}

#[tokio::test]
async fn action_and_package_webhooks_get_their_responses() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let survey = post_action(
        &emu,
        &s,
        &g,
        json!({"actionType": "Survey", "actionBody": {
            "title": "Check-in", "questions": [{"title": "Where?", "type": "Text"}]
        }}),
    )
    .await;
    let resp = register(
        &emu,
        &s,
        json!({"objectId": survey, "objectType": "Action", "eventTypes": ["SurveyResponse"],
               "callBackUrl": inbox_url(&emu, "one-action")}),
    )
    .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    let resp = register(
        &emu,
        &s,
        json!({"objectId": "com.contoso.checkin", "objectType": "ActionPackage",
               "eventTypes": ["ActionCreated", "ActionResponse"], "callBackUrl": inbox_url(&emu, "pkg")}),
    )
    .await;
    assert_eq!(resp.0, 200, "{}", resp.1);

    // A message in the group does not go to either.
    post_message(&emu, &s, &g, "not for action hooks").await;
    respond(
        &emu,
        &s,
        &g,
        &survey,
        json!({"actionType": "Survey", "actionBody": {"answers": ["Gate 3"]}}),
    )
    .await;
    let events = wait_for(&emu, "one-action", 1).await;
    assert_eq!(event_types(&events), ["SurveyResponse"]);
    assert_eq!(events[0]["body"]["objectType"], "Action");
    assert_eq!(events[0]["body"]["objectId"], json!(survey));

    let pkg_action = post_action(
        &emu,
        &s,
        &g,
        json!({"id": "com.contoso.checkin", "actionBody": {
            "title": "Daily check-in", "questions": [{"title": "Status", "type": "Text"}]
        }}),
    )
    .await;
    respond(
        &emu,
        &s,
        &g,
        &pkg_action,
        json!({"id": "com.contoso.checkin", "actionBody": {"answers": ["ok"]}}),
    )
    .await;
    let events = wait_for(&emu, "pkg", 2).await;
    assert_eq!(event_types(&events), ["ActionCreated", "ActionResponse"]);
    assert_eq!(events[0]["body"]["objectType"], "ActionPackage");
    assert_eq!(events[1]["body"]["data"]["actionId"], json!(pkg_action));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(inbox(&emu, "one-action").await.len(), 1);
}

#[tokio::test]
async fn failed_deliveries_are_retried_and_stay_in_order() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    hook_on(&emu, &s, &g, "retry", &["TextMessageCreated"], None).await;
    fault_inbox(&emu, "retry", 3).await;

    post_message(&emu, &s, &g, "first").await;
    post_message(&emu, &s, &g, "second").await;
    post_message(&emu, &s, &g, "third").await;
    let events = wait_for(&emu, "retry", 3).await;
    assert_eq!(texts(&events), ["first", "second", "third"]);

    // The three failures were retried, not repeated after success: no duplicates turn up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(inbox(&emu, "retry").await.len(), 3);
    let (_, f) = emu.raw("GET", "/_emulator/faults", None).await;
    assert_eq!(
        f["faults"],
        json!([]),
        "all three planned failures were used"
    );
    let h = listing(&emu, &s, "").await;
    assert_eq!(h[0]["active"], true);
}

#[tokio::test]
async fn seven_failed_tries_disable_the_webhook_until_it_is_re_enabled() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let id = hook_on(&emu, &s, &g, "down", &["TextMessageCreated"], None).await;
    fault_inbox(&emu, "down", 7).await;

    post_message(&emu, &s, &g, "one").await;
    // Posted while the first one is being retried: queued behind it.
    post_message(&emu, &s, &g, "two").await;
    post_message(&emu, &s, &g, "three").await;

    // 40 + 80 + 160 + 320 + 640 + 1280 ms of back-off, then the 7th try fails and disables it.
    let mut disabled = false;
    for _ in 0..100 {
        if listed(&emu, &s, &id).await["active"] == false {
            disabled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(disabled, "the webhook was not disabled");
    let (_, f) = emu.raw("GET", "/_emulator/faults", None).await;
    assert_eq!(f["faults"], json!([]), "exactly seven tries were made");
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(inbox(&emu, "down").await.is_empty());

    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{id}"),
            Some(json!({"Active": true})),
        )
        .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert_eq!(resp.1["result"], true);
    let events = wait_for(&emu, "down", 3).await;
    assert_eq!(texts(&events), ["one", "two", "three"]);
    assert_eq!(listed(&emu, &s, &id).await["active"], true);
}

#[tokio::test]
async fn an_expired_webhook_stops_until_its_validity_is_extended() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let id = hook_on(&emu, &s, &g, "valid", &["TextMessageCreated"], None).await;
    let ts = listed(&emu, &s, &id).await["ts"].as_i64().unwrap();
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{id}"),
            Some(json!({"validity": ts + 60_000})),
        )
        .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert_eq!(listed(&emu, &s, &id).await["validity"], ts + 60_000);

    post_message(&emu, &s, &g, "before").await;
    wait_for(&emu, "valid", 1).await;

    emu.advance(120_000).await;
    let h = listed(&emu, &s, &id).await;
    assert_eq!(h["active"], false, "past its validity: {h}");
    post_message(&emu, &s, &g, "while expired").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(inbox(&emu, "valid").await.len(), 1);

    // A validity in the past is refused; a later one revives it.
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{id}"),
            Some(json!({"validity": ts + 90_000})),
        )
        .await;
    assert_error(&resp, 400);
    assert_eq!(resp.1["field"], "validity");
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{id}"),
            Some(json!({"validity": ts + 3_600_000})),
        )
        .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert_eq!(listed(&emu, &s, &id).await["active"], true);
    post_message(&emu, &s, &g, "after").await;
    let events = wait_for(&emu, "valid", 2).await;
    assert_eq!(texts(&events), ["before", "after"]);
}

#[tokio::test]
async fn listing_update_and_delete() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let north = emu.group("North Region");
    let a = hook_on(
        &emu,
        &s,
        &g,
        "a",
        &["TextMessageCreated", "MemberAdded"],
        Some("ta"),
    )
    .await;
    let b = hook_on(&emu, &s, &north, "b", &["GroupAdded"], None).await;
    let resp = register(
        &emu,
        &s,
        json!({"objectId": "com.contoso.pkg", "objectType": "ActionPackage", "eventTypes": ["ActionResponse"],
               "callBackUrl": inbox_url(&emu, "c")}),
    )
    .await;
    let c = resp.1["webhookId"].as_str().unwrap().to_string();

    let all = listing(&emu, &s, "").await;
    let ids: Vec<&str> = all.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [a.as_str(), b.as_str(), c.as_str()], "oldest first");
    let h = &all[0];
    assert_eq!(h["objectId"], json!(g));
    assert_eq!(h["objectType"], "Group");
    assert_eq!(h["events"], json!(["TextMessageCreated", "MemberAdded"]));
    assert!(h.get("filters").is_some());
    assert_eq!(h["callbackUrl"], json!(inbox_url(&emu, "a")));
    assert_eq!(h["callbackToken"], "ta");
    assert!(h["ts"].is_i64());
    assert!(h["validity"].as_i64().unwrap() > h["ts"].as_i64().unwrap());
    assert_eq!(h["active"], true);
    assert!(all[1]["callbackToken"].is_null());

    // Filters.
    let by_id = listing(&emu, &s, &format!("?objectId={north}")).await;
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0]["id"], json!(b));
    let by_type = listing(&emu, &s, "?objectType=ActionPackage").await;
    assert_eq!(by_type.len(), 1);
    assert_eq!(by_type[0]["id"], json!(c));
    assert_eq!(
        listing(&emu, &s, &format!("?objectId={g}&objectType=Group"))
            .await
            .len(),
        1
    );
    assert!(
        listing(&emu, &s, &format!("?objectId={g}&objectType=Action"))
            .await
            .is_empty()
    );
    assert_error(
        &emu.call(&s, "GET", "webhook?objectType=Channel", None)
            .await,
        400,
    );

    // Update: events, token, context and a new (validated) URL.
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{a}"),
            Some(
                json!({"eventTypes": ["TextMessageCreated"], "callBackToken": "tb",
                        "callBackUrl": inbox_url(&emu, "a2"), "callBackContext": "ctx"}),
            ),
        )
        .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert_eq!(resp.1["result"], true);
    let h = listed(&emu, &s, &a).await;
    assert_eq!(h["events"], json!(["TextMessageCreated"]));
    assert_eq!(h["callbackToken"], "tb");
    assert_eq!(h["callbackUrl"], json!(inbox_url(&emu, "a2")));
    post_message(&emu, &s, &g, "moved").await;
    let events = wait_for(&emu, "a2", 1).await;
    assert_eq!(events[0]["headers"]["kz-callback-token"], "tb");
    assert_eq!(events[0]["body"]["context"], "ctx");
    assert!(inbox(&emu, "a").await.is_empty());

    // A new URL that does not echo is refused and changes nothing.
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{a}"),
            Some(json!({"callBackUrl": format!("{}/nowhere", emu.url), "callBackToken": "tc"})),
        )
        .await;
    assert_error(&resp, 400);
    assert_eq!(resp.1["field"], "callBackUrl");
    let h = listed(&emu, &s, &a).await;
    assert_eq!(h["callbackUrl"], json!(inbox_url(&emu, "a2")));
    assert_eq!(h["callbackToken"], "tb");
    assert_error(
        &emu.call(
            &s,
            "PUT",
            &format!("webhook/{a}"),
            Some(json!({"eventTypes": ["Nope"]})),
        )
        .await,
        400,
    );

    // Disabling and re-enabling by hand (both spellings).
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{a}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert_eq!(listed(&emu, &s, &a).await["active"], false);
    let resp = emu
        .call(
            &s,
            "PUT",
            &format!("webhook/{a}"),
            Some(json!({"Active": "true"})),
        )
        .await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert_eq!(listed(&emu, &s, &a).await["active"], true);

    // Delete.
    let resp = emu.call(&s, "DELETE", &format!("webhook/{b}"), None).await;
    assert_eq!(resp.0, 200, "{}", resp.1);
    assert_eq!(resp.1["result"], true);
    let ids: Vec<Value> = listing(&emu, &s, "")
        .await
        .into_iter()
        .map(|h| h["id"].clone())
        .collect();
    assert_eq!(ids, [json!(a), json!(c)]);

    // Unknown ids.
    assert_error(
        &emu.call(&s, "DELETE", &format!("webhook/{b}"), None).await,
        404,
    );
    assert_error(
        &emu.call(
            &s,
            "PUT",
            &format!("webhook/{b}"),
            Some(json!({"Active": true})),
        )
        .await,
        404,
    );
    assert_error(
        &emu.call(&s, "PUT", "webhook/nope", Some(json!({}))).await,
        404,
    );

    // Another user of the same connector sees the connector's webhooks.
    let admin = emu.login(ORG_ADMIN).await;
    assert_eq!(listing(&emu, &admin, "").await.len(), 2);
}

#[tokio::test]
async fn scopes_and_connectors_are_kept_apart() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let id = hook_on(&emu, &s, &g, "mine", &["TextMessageCreated"], None).await;

    let (app, secret) = connector(&emu, "Read-only connector");
    let ro = emu.login_with(GROUP_ADMIN_NORTH, &app, &secret).await;
    // Reading is allowed, but only the Read-only connector's own webhooks (none).
    assert!(listing(&emu, &ro, "").await.is_empty());
    let body = json!({"objectId": g, "objectType": "Group", "eventTypes": ["TextMessageCreated"],
                      "callBackUrl": inbox_url(&emu, "ro")});
    assert_error(&register(&emu, &ro, body).await, 403);
    assert_error(
        &emu.call(
            &ro,
            "PUT",
            &format!("webhook/{id}"),
            Some(json!({"Active": false})),
        )
        .await,
        403,
    );
    assert_error(
        &emu.call(&ro, "DELETE", &format!("webhook/{id}"), None)
            .await,
        403,
    );
    assert_eq!(listed(&emu, &s, &id).await["active"], true);

    // A connector with every scope still cannot touch another connector's webhook: 404.
    let (st, other) = emu
        .raw(
            "POST",
            "/_emulator/connectors",
            Some(json!({"name": "Other connector"})),
        )
        .await;
    assert_eq!(st, 200, "adding a connector: {other}");
    let app = other["applicationId"].as_str().unwrap().to_string();
    let secret = other["applicationSecret"].as_str().unwrap().to_string();
    let o = emu.login_with(GROUP_ADMIN_NORTH, &app, &secret).await;
    assert!(listing(&emu, &o, "").await.is_empty());
    assert_error(
        &emu.call(
            &o,
            "PUT",
            &format!("webhook/{id}"),
            Some(json!({"Active": false})),
        )
        .await,
        404,
    );
    assert_error(
        &emu.call(&o, "DELETE", &format!("webhook/{id}"), None).await,
        404,
    );
    assert_eq!(listed(&emu, &s, &id).await["active"], true);
}

#[tokio::test]
async fn the_dev_api_can_make_a_delivery_arrive_twice() {
    let emu = emu().await;
    let s = emu.login(GROUP_ADMIN_NORTH).await;
    let g = emu.group("Contoso Relief");
    let hook = hook_on(&emu, &s, &g, "twice", &["TextMessageCreated"], None).await;
    let (st, _) = emu
        .raw(
            "POST",
            "/_emulator/duplicates",
            Some(json!({"count": 1, "webhookId": hook})),
        )
        .await;
    assert_eq!(st, 200);
    post_message(&emu, &s, &g, "one").await;
    post_message(&emu, &s, &g, "two").await;
    let events = wait_for(&emu, "twice", 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events_after = inbox(&emu, "twice").await;
    assert_eq!(
        events_after.len(),
        3,
        "only one duplicate: {events_after:#?}"
    );
    let texts: Vec<&str> = events
        .iter()
        .map(|e| e["body"]["data"]["text"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(texts, vec!["one", "one", "two"]);
    assert_eq!(events[0]["body"]["eventId"], events[1]["body"]["eventId"]);
    assert_ne!(events[1]["body"]["eventId"], events[2]["body"]["eventId"]);
    let unknown = emu
        .raw(
            "POST",
            "/_emulator/duplicates",
            Some(json!({"count": 1, "webhookId": "nope"})),
        )
        .await;
    assert_error(&unknown, 404);
}
