//! Media, actions, responses and reactions over real HTTP against a fresh emulator.

mod common;

use common::*;
use kaizala_emulator::clock::parse_iso;
use kaizala_emulator::Config;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const DAY: i64 = 24 * 60 * 60 * 1000;

/// `POST /media` with one file part (`mime` None = a part without a Content-Type).
async fn upload(
    e: &Emu,
    s: &Session,
    bytes: Vec<u8>,
    mime: Option<&str>,
    name: &str,
) -> (u16, Value) {
    let mut part = Part::bytes(bytes).file_name(name.to_string());
    if let Some(m) = mime {
        part = part.mime_str(m).unwrap();
    }
    send_form(e, s, Form::new().part("file", part)).await
}

async fn send_form(e: &Emu, s: &Session, form: Form) -> (u16, Value) {
    let resp = e
        .http
        .post(format!("{}v1/media", s.endpoint))
        .header("accessToken", &s.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn media(e: &Emu, s: &Session, mime: &str, name: &str) -> String {
    let r = upload(e, s, PNG.to_vec(), Some(mime), name).await;
    assert_eq!(r.0, 200, "upload {mime}: {}", r.1);
    r.1["mediaResource"].as_str().unwrap().to_string()
}

/// A 400 naming `field`.
fn refused(resp: &(u16, Value), field: &str) {
    assert_error(resp, 400);
    assert_eq!(resp.1["field"], field, "{}", resp.1);
}

async fn post_action(e: &Emu, s: &Session, g: &str, t: &str, body: Value) -> (u16, Value) {
    e.call(
        s,
        "POST",
        &format!("groups/{g}/actions"),
        Some(json!({"actionType": t, "actionBody": body})),
    )
    .await
}

async fn new_action(e: &Emu, s: &Session, g: &str, t: &str, body: Value) -> String {
    let r = post_action(e, s, g, t, body).await;
    assert_eq!(r.0, 200, "posting {t}: {}", r.1);
    assert_eq!(r.1["referenceId"], r.1["actionId"]);
    r.1["actionId"].as_str().unwrap().to_string()
}

async fn respond(e: &Emu, s: &Session, g: &str, a: &str, t: &str, body: Value) -> (u16, Value) {
    e.call(
        s,
        "POST",
        &format!("groups/{g}/actions/{a}/responses"),
        Some(json!({"actionType": t, "actionBody": body})),
    )
    .await
}

async fn details(e: &Emu, s: &Session, g: &str, a: &str) -> Value {
    let r = e
        .call(
            s,
            "GET",
            &format!("groups/{g}/actions/{a}?getDetails=true"),
            None,
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    r.1
}

fn connector(e: &Emu, name: &str) -> (String, String) {
    let c = e.seed["connectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap();
    (
        c["applicationId"].as_str().unwrap().to_string(),
        c["applicationSecret"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn media_upload_is_served_and_bad_types_are_refused() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let g = e.group("North Field Team");

    let r = upload(&e, &s, PNG.to_vec(), Some("image/png"), "depot photo.png").await;
    assert_eq!(r.0, 200, "{}", r.1);
    let res = r.1["mediaResource"].as_str().unwrap().to_string();
    let id = new_action(
        &e,
        &s,
        &g,
        "Image",
        json!({"mediaResource": res, "caption": "Depot"}),
    )
    .await;
    let d = details(&e, &s, &g, &id).await;
    assert_eq!(d["actionType"], "Image");
    assert_eq!(d["actionDetails"]["caption"], "Depot");
    assert_eq!(d["sender"], MEMBER);
    let url = d["actionDetails"]["mediaUrl"].as_str().unwrap().to_string();
    assert!(url.ends_with("/depot%20photo.png"), "{url}");
    // Served without a token, with its type.
    let got = e.http.get(&url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);
    let missing = e
        .http
        .get(format!("{}/media/kzm-nope/x.png", e.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Beyond axum's default 2 MB body cap, under the 25 MB media limit.
    assert_eq!(
        upload(&e, &s, vec![1u8; 3_000_000], Some("image/jpeg"), "big.jpg")
            .await
            .0,
        200
    );
    // No type, or a type the platform does not take: 415.
    assert_error(&upload(&e, &s, PNG.to_vec(), None, "a.png").await, 415);
    assert_error(
        &upload(&e, &s, b"hello".to_vec(), Some("text/plain"), "a.txt").await,
        415,
    );
    assert_error(
        &upload(
            &e,
            &s,
            PNG.to_vec(),
            Some("application/octet-stream"),
            "a.bin",
        )
        .await,
        415,
    );
    // Not multipart at all: 415, as the media page says (choice R8); no file part, two file parts: 400.
    assert_error(
        &e.call(&s, "POST", "media", Some(json!({"file": "x"})))
            .await,
        415,
    );
    assert_error(&send_form(&e, &s, Form::new()).await, 400);
    let two = Form::new()
        .part(
            "a",
            Part::bytes(PNG.to_vec())
                .file_name("a.png")
                .mime_str("image/png")
                .unwrap(),
        )
        .part(
            "b",
            Part::bytes(PNG.to_vec())
                .file_name("b.png")
                .mime_str("image/png")
                .unwrap(),
        );
    assert_error(&send_form(&e, &s, two).await, 400);
    // A plain form field beside the file is ignored.
    let with_field = Form::new().text("note", "hello").part(
        "file",
        Part::bytes(PNG.to_vec())
            .file_name("c.png")
            .mime_str("image/png")
            .unwrap(),
    );
    assert_eq!(send_form(&e, &s, with_field).await.0, 200);

    // Each media action takes its own kind of file.
    let mp3 = media(&e, &s, "audio/mpeg", "a.mp3").await;
    let pdf = media(&e, &s, "application/pdf", "a.pdf").await;
    let mp4 = media(&e, &s, "video/mp4", "a.mp4").await;
    new_action(&e, &s, &g, "Audio", json!({"mediaResource": mp3})).await;
    new_action(
        &e,
        &s,
        &g,
        "Document",
        json!({"mediaResource": pdf, "caption": "Plan"}),
    )
    .await;
    let video = new_action(&e, &s, &g, "Video", json!({"mediaResource": mp4})).await;
    new_action(&e, &s, &g, "Album", json!({"mediaResource": res})).await;
    refused(
        &post_action(&e, &s, &g, "Image", json!({"mediaResource": mp3})).await,
        "actionBody.mediaResource",
    );
    refused(
        &post_action(&e, &s, &g, "Video", json!({"mediaResource": pdf})).await,
        "actionBody.mediaResource",
    );
    refused(
        &post_action(&e, &s, &g, "Image", json!({"mediaResource": "kzm-unknown"})).await,
        "actionBody.mediaResource",
    );
    refused(
        &post_action(&e, &s, &g, "Audio", json!({"caption": "x"})).await,
        "actionBody.mediaResource",
    );
    // Videos are not read back (docs/platform.md#action-types), nor listed.
    refused(
        &e.call(&s, "GET", &format!("groups/{g}/actions/{video}"), None)
            .await,
        "actionId",
    );
    // Listing a type that cannot be listed lists nothing (choice C2).
    let r = e
        .call(
            &s,
            "GET",
            &format!("groups/{g}/actions?actionType=Video"),
            None,
        )
        .await;
    assert_eq!(r, (200, json!({"actions": [], "hasMore": false})));

    // The media permission is needed: its read scope (the only one the platform's real grant
    // shows) or its write scope (choice S1).
    let (app, secret) = connector(&e, "Read-only connector");
    let ro = e.login_with(MEMBER, &app, &secret).await;
    assert_eq!(
        upload(&e, &ro, PNG.to_vec(), Some("image/png"), "a.png")
            .await
            .0,
        200
    );
    let (st, c) = e
        .raw(
            "POST",
            "/_emulator/connectors",
            Some(json!({"name": "No media", "scopes": ["groupinfo.read", "action.write"]})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let none = e
        .login_with(
            MEMBER,
            c["applicationId"].as_str().unwrap(),
            c["applicationSecret"].as_str().unwrap(),
        )
        .await;
    assert_error(
        &upload(&e, &none, PNG.to_vec(), Some("image/png"), "a.png").await,
        403,
    );
}

#[tokio::test]
async fn media_over_the_limit_is_413() {
    let e = emu_with(Config {
        media_limit: 1024,
        ..test_config()
    })
    .await;
    let s = e.login(MEMBER).await;
    assert_error(
        &upload(&e, &s, vec![7u8; 2048], Some("image/png"), "big.png").await,
        413,
    );
    assert_eq!(
        upload(&e, &s, vec![7u8; 1000], Some("image/png"), "ok.png")
            .await
            .0,
        200
    );
    assert_eq!(
        upload(&e, &s, vec![7u8; 1024], Some("image/png"), "edge.png")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn media_from_url() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let g = e.group("North Field Team");
    let res = media(&e, &s, "image/png", "p.png").await;
    let id = new_action(&e, &s, &g, "Image", json!({"mediaResource": res})).await;
    let url = details(&e, &s, &g, &id).await["actionDetails"]["mediaUrl"]
        .as_str()
        .unwrap()
        .to_string();

    let r = e
        .call(&s, "POST", "media/url", Some(json!({"mediaUrl": url})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let copy = r.1["mediaResource"].as_str().unwrap().to_string();
    assert_ne!(copy, res);
    let id2 = new_action(&e, &s, &g, "Image", json!({"mediaResource": copy})).await;
    let url2 = details(&e, &s, &g, &id2).await["actionDetails"]["mediaUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url2.ends_with("/p.png"), "{url2}");
    assert_eq!(
        e.http
            .get(&url2)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        PNG
    );

    // Unreachable, not found, not a URL: 400 naming mediaUrl. JSON is not a media type: 415.
    refused(
        &e.call(
            &s,
            "POST",
            "media/url",
            Some(json!({"mediaUrl": "http://127.0.0.1:9/x.png"})),
        )
        .await,
        "mediaUrl",
    );
    let gone = format!("{}/media/kzm-nope/x.png", e.url);
    refused(
        &e.call(&s, "POST", "media/url", Some(json!({"mediaUrl": gone})))
            .await,
        "mediaUrl",
    );
    refused(
        &e.call(
            &s,
            "POST",
            "media/url",
            Some(json!({"mediaUrl": "ftp://x/y.png"})),
        )
        .await,
        "mediaUrl",
    );
    refused(
        &e.call(&s, "POST", "media/url", Some(json!({}))).await,
        "mediaUrl",
    );
    let seed = format!("{}/_emulator/seed", e.url);
    assert_error(
        &e.call(&s, "POST", "media/url", Some(json!({"mediaUrl": seed})))
            .await,
        415,
    );

    // Too large.
    let small = emu_with(Config {
        media_limit: 10,
        ..test_config()
    })
    .await;
    let s2 = small.login(MEMBER).await;
    assert_error(
        &small
            .call(&s2, "POST", "media/url", Some(json!({"mediaUrl": url})))
            .await,
        413,
    );
}

#[tokio::test]
async fn every_action_type_is_checked() {
    let e = emu().await;
    let s = e.login(MEMBER).await;
    let g = e.group("North Field Team");

    // Announcement, read in the capitalised spellings of the documents' samples.
    let img = media(&e, &s, "image/png", "a.png").await;
    new_action(
        &e,
        &s,
        &g,
        "Announcement",
        json!({"Title": "Notice", "Message": "Depot closed", "MediaResources": [img]}),
    )
    .await;
    refused(
        &post_action(&e, &s, &g, "Announcement", json!({"title": "Notice"})).await,
        "actionBody.message",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Announcement",
            json!({"title": "N", "message": "M", "mediaResources": ["nope"]}),
        )
        .await,
        "actionBody.mediaResources[0]",
    );

    // Job: assignees must be members of the group.
    let job = new_action(
        &e,
        &s,
        &g,
        "Job",
        json!({"title": "Count", "assignedTo": [MEMBER, "+911000000011"]}),
    )
    .await;
    // The due date reads back as the instant it falls due (24 hours by default), never in hours.
    let d = details(&e, &s, &g, &job).await;
    assert_eq!(
        parse_iso(d["actionDetails"]["dueDate"].as_str().unwrap()).unwrap()
            - parse_iso(d["sentAt"].as_str().unwrap()).unwrap(),
        DAY
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Job",
            json!({"title": "C", "assignedTo": [MEMBER, MEMBER_SOUTH]}),
        )
        .await,
        "actionBody.assignedTo[1]",
    );
    refused(
        &post_action(&e, &s, &g, "Job", json!({"title": "C", "assignedTo": []})).await,
        "actionBody.assignedTo",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Job",
            json!({"title": "C", "assignedTo": ["12345"]}),
        )
        .await,
        "actionBody.assignedTo[0]",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Job",
            json!({"title": "C", "assignedTo": [MEMBER], "dueDate": -1}),
        )
        .await,
        "actionBody.dueDate",
    );
    refused(
        &post_action(&e, &s, &g, "Job", json!({"assignedTo": [MEMBER]})).await,
        "actionBody.title",
    );

    // Poll.
    let poll = new_action(
        &e,
        &s,
        &g,
        "Poll",
        json!({"question": "Day?", "choices": [{"title": "Mon"}, {"title": "Tue", "image": img}]}),
    )
    .await;
    let d = details(&e, &s, &g, &poll).await;
    assert_eq!(
        parse_iso(d["actionDetails"]["expiryDate"].as_str().unwrap()).unwrap()
            - parse_iso(d["sentAt"].as_str().unwrap()).unwrap(),
        30 * DAY
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Poll",
            json!({"question": "Day?", "choices": [{"title": "Mon"}]}),
        )
        .await,
        "actionBody.choices",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Poll",
            json!({"question": "Day?", "choices": [{"title": "Mon"}, {}]}),
        )
        .await,
        "actionBody.choices[1].title",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Poll",
            json!({"choices": [{"title": "A"}, {"title": "B"}]}),
        )
        .await,
        "actionBody.question",
    );

    // Let's meet, with the table's DurationInMins (docs/platform.md#post-v1groupsgroupidactions).
    let meet = new_action(
        &e,
        &s,
        &g,
        "LetsMeet",
        json!({"title": "Review", "startingTime": "2026-12-01T09:30:00Z", "DurationInMins": 45,
               "place": {"latitude": 28.6, "longitude": 77.2, "name": "Depot"}, "agenda": "Stock"}),
    )
    .await;
    let d = details(&e, &s, &g, &meet).await;
    assert_eq!(d["actionDetails"]["duration"], 45);
    assert_eq!(d["actionDetails"]["place"]["name"], "Depot");
    let m2 = new_action(
        &e,
        &s,
        &g,
        "LetsMeet",
        json!({"title": "R", "startingTime": "2026-12-01T09:30:00+05:30"}),
    )
    .await;
    assert_eq!(
        details(&e, &s, &g, &m2).await["actionDetails"]["duration"],
        30
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "LetsMeet",
            json!({"title": "R", "startingTime": "tomorrow"}),
        )
        .await,
        "actionBody.startingTime",
    );
    refused(
        &post_action(&e, &s, &g, "LetsMeet", json!({"title": "R", "startingTime": "2026-12-01T09:30:00Z", "place": {"longitude": 1}})).await,
        "actionBody.place.latitude",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "LetsMeet",
            json!({"title": "R", "startingTime": "2026-12-01T09:30:00Z", "duration": -5}),
        )
        .await,
        "actionBody.duration",
    );
    // 0 is "not given", as a service binding into an int saw it: the default (choice R6).
    let m3 = new_action(
        &e,
        &s,
        &g,
        "LetsMeet",
        json!({"title": "R", "startingTime": "2026-12-01T09:30:00Z", "duration": 0}),
    )
    .await;
    assert_eq!(
        details(&e, &s, &g, &m3).await["actionDetails"]["duration"],
        30
    );

    // Survey.
    let q_ok = json!([{"title": "Pick", "type": "SingleOption", "options": [{"title": "A"}]}, {"title": "Say", "type": "Text"}]);
    new_action(
        &e,
        &s,
        &g,
        "Survey",
        json!({"title": "S", "questions": q_ok}),
    )
    .await;
    refused(
        &post_action(&e, &s, &g, "Survey", json!({"title": "S", "questions": []})).await,
        "actionBody.questions",
    );
    refused(
        &post_action(&e, &s, &g, "Survey", json!({"title": "S"})).await,
        "actionBody.questions",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Survey",
            json!({"title": "S", "questions": [{"title": "Q", "type": "Essay"}]}),
        )
        .await,
        "actionBody.questions[0].type",
    );
    refused(
        &post_action(&e, &s, &g, "Survey", json!({"title": "S", "questions": [{"title": "Q", "type": "Text"}, {"title": "Q2", "type": "MultiOption"}]})).await,
        "actionBody.questions[1].options",
    );
    refused(
        &post_action(&e, &s, &g, "Survey", json!({"title": "S", "questions": [{"title": "Q", "type": "SingleOption", "options": []}]})).await,
        "actionBody.questions[0].options",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "Survey",
            json!({"title": "S", "questions": q_ok, "isAnonymous": "maybe"}),
        )
        .await,
        "actionBody.isAnonymous",
    );

    // A custom action package, sent with id.
    let pkg = |body: Value| json!({"id": "com.contoso.checkin", "actionBody": body});
    let r = e
        .call(&s, "POST", &format!("groups/{g}/actions"), Some(pkg(json!({"title": "Check-in", "properties": [{"name": "crates", "type": "Numeric", "value": 3}, {"name": "tags", "type": "StringList", "value": ["a"]}]}))))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let d = details(&e, &s, &g, r.1["actionId"].as_str().unwrap()).await;
    assert_eq!(d["actionType"], "com.contoso.checkin");
    assert_eq!(d["actionDetails"]["properties"][0]["value"], 3);
    let bad_type =
        pkg(json!({"title": "C", "properties": [{"name": "x", "type": "Blob", "value": 1}]}));
    refused(
        &e.call(&s, "POST", &format!("groups/{g}/actions"), Some(bad_type))
            .await,
        "actionBody.properties[0].type",
    );
    let bad_value =
        pkg(json!({"title": "C", "properties": [{"name": "x", "type": "Numeric", "value": "3"}]}));
    refused(
        &e.call(&s, "POST", &format!("groups/{g}/actions"), Some(bad_value))
            .await,
        "actionBody.properties[0].value",
    );
    let bad_q = pkg(json!({"title": "C", "questions": [{"title": "Q", "type": "Nope"}]}));
    refused(
        &e.call(&s, "POST", &format!("groups/{g}/actions"), Some(bad_q))
            .await,
        "actionBody.questions[0].type",
    );

    // Read-only, unknown, both, neither, no body.
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "PhotoWithLocation",
            json!({"latitude": 1, "longitude": 2}),
        )
        .await,
        "actionType",
    );
    refused(
        &post_action(
            &e,
            &s,
            &g,
            "ShareLocation",
            json!({"latitude": 1, "longitude": 2}),
        )
        .await,
        "actionType",
    );
    refused(
        &post_action(&e, &s, &g, "Dance", json!({})).await,
        "actionType",
    );
    let both = json!({"actionType": "Poll", "id": "com.x", "actionBody": {}});
    refused(
        &e.call(&s, "POST", &format!("groups/{g}/actions"), Some(both))
            .await,
        "actionType",
    );
    refused(
        &e.call(
            &s,
            "POST",
            &format!("groups/{g}/actions"),
            Some(json!({"actionBody": {}})),
        )
        .await,
        "actionType",
    );
    refused(
        &e.call(
            &s,
            "POST",
            &format!("groups/{g}/actions"),
            Some(json!({"actionType": "Poll"})),
        )
        .await,
        "actionBody",
    );

    // Roles, scopes, unknown group.
    let south = e.login(MEMBER_SOUTH).await;
    assert_error(
        &post_action(
            &e,
            &south,
            &g,
            "Job",
            json!({"title": "C", "assignedTo": [MEMBER]}),
        )
        .await,
        403,
    );
    let (app, secret) = connector(&e, "Read-only connector");
    let ro = e.login_with(MEMBER, &app, &secret).await;
    assert_error(
        &post_action(
            &e,
            &ro,
            &g,
            "Job",
            json!({"title": "C", "assignedTo": [MEMBER]}),
        )
        .await,
        403,
    );
    assert_eq!(
        e.call(&ro, "GET", &format!("groups/{g}/actions"), None)
            .await
            .0,
        200
    );
    assert_error(
        &post_action(
            &e,
            &s,
            "no-such-group",
            "Job",
            json!({"title": "C", "assignedTo": [MEMBER]}),
        )
        .await,
        404,
    );
}

#[tokio::test]
async fn listing_filters_and_pages_in_sent_order() {
    let e = emu().await;
    let s = e.login(GROUP_ADMIN_NORTH).await;
    let g = e.group("North Field Team");
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            new_action(
                &e,
                &s,
                &g,
                "Job",
                json!({"title": format!("Job {i}"), "assignedTo": [MEMBER]}),
            )
            .await,
        );
        new_action(
            &e,
            &s,
            &g,
            "Poll",
            json!({"question": format!("Q{i}"), "choices": [{"title": "a"}, {"title": "b"}]}),
        )
        .await;
    }
    let first = details(&e, &s, &g, &ids[0]).await;
    let start = parse_iso(first["sentAt"].as_str().unwrap()).unwrap();

    let mut seen = Vec::new();
    let mut from = start;
    let mut pages = 0;
    loop {
        let r = e
            .call(
                &s,
                "GET",
                &format!("groups/{g}/actions?actionType=Job&fromDate={from}&count=2"),
                None,
            )
            .await;
        assert_eq!(r.0, 200, "{}", r.1);
        pages += 1;
        let list = r.1["actions"].as_array().unwrap().clone();
        for a in &list {
            assert_eq!(a["actionType"], "Job");
            assert_eq!(a["referenceId"], a["actionId"]);
            assert_eq!(a["sender"], GROUP_ADMIN_NORTH);
            assert_eq!(a["senderName"], "Bilal Khan");
            assert!(a["actionBody"]["title"].is_string());
            seen.push(a["actionId"].as_str().unwrap().to_string());
        }
        if r.1["hasMore"] != true {
            break;
        }
        let last = parse_iso(list.last().unwrap()["sentAt"].as_str().unwrap()).unwrap();
        from = last + 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    // Without a filter both types come, ascending.
    let r = e
        .call(
            &s,
            "GET",
            &format!("groups/{g}/actions?fromDate={start}"),
            None,
        )
        .await;
    let all = r.1["actions"].as_array().unwrap();
    assert_eq!(all.len(), 10);
    assert_eq!(r.1["hasMore"], false);
    let times: Vec<i64> = all
        .iter()
        .map(|a| parse_iso(a["sentAt"].as_str().unwrap()).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]));
    // From after the last one: nothing.
    let after = times.last().unwrap() + 1;
    let r = e
        .call(
            &s,
            "GET",
            &format!("groups/{g}/actions?fromDate={after}"),
            None,
        )
        .await;
    assert_eq!(r.1["actions"].as_array().unwrap().len(), 0);
    assert_eq!(r.1["hasMore"], false);

    refused(
        &e.call(&s, "GET", &format!("groups/{g}/actions?count=-1"), None)
            .await,
        "count",
    );
    refused(
        &e.call(&s, "GET", &format!("groups/{g}/actions?count=101"), None)
            .await,
        "count",
    );
    refused(
        &e.call(
            &s,
            "GET",
            &format!("groups/{g}/actions?fromDate=yesterday"),
            None,
        )
        .await,
        "fromDate",
    );
    assert_error(
        &e.call(&s, "GET", &format!("groups/{g}/actions/nope"), None)
            .await,
        404,
    );

    // The seeded content of the main group lists, with the picture's URL.
    let root = e.group("Contoso Relief");
    let r = e
        .call(&s, "GET", &format!("groups/{root}/actions"), None)
        .await;
    let types: Vec<&str> = r.1["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["actionType"].as_str().unwrap())
        .collect();
    for t in ["Poll", "Survey", "Job", "Image"] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    let image = r.1["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["actionType"] == "Image")
        .unwrap()
        .clone();
    let got = e
        .http
        .get(image["actionBody"]["mediaUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    let north = e.group("North Region");
    let r = e
        .call(
            &s,
            "GET",
            &format!("groups/{north}/actions?actionType=PhotoWithLocation"),
            None,
        )
        .await;
    assert_eq!(r.1["actions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn survey_answers_edits_and_multiple_responses() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let m1 = e.login(MEMBER).await;
    let m2 = e.login("+911000000011").await;
    let g = e.group("North Field Team");
    let questions = json!([
        {"title": "Shift", "type": "SingleOption", "options": [{"title": "Day"}, {"title": "Night"}]},
        {"title": "Kits", "type": "MultiOption", "options": [{"title": "Aid"}, {"title": "Water"}]},
        {"title": "Notes", "type": "Text"},
        {"title": "Volunteers", "type": "Numeric"},
        {"title": "Where", "type": "Location"},
        {"title": "When", "type": "DateTime", "isInvisible": true}
    ]);
    let survey = new_action(
        &e,
        &admin,
        &g,
        "Survey",
        json!({"title": "Readiness", "questions": questions}),
    )
    .await;
    let good =
        json!(["Day", ["Aid"], "ok", 4, {"lt": 28.6, "lg": 77.2, "n": "Depot"}, 1795392000000i64]);

    // Wrong types, each named.
    let with = |i: usize, v: Value| {
        let mut a = good.clone();
        a[i] = v;
        json!({ "answers": a })
    };
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", with(0, json!(3))).await,
        "actionBody.answers[0]",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", with(0, json!("Evening"))).await,
        "actionBody.answers[0]",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", with(1, json!("Aid"))).await,
        "actionBody.answers[1]",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", with(1, json!(["Fuel"]))).await,
        "actionBody.answers[1][0]",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", with(2, json!(5))).await,
        "actionBody.answers[2]",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", with(3, json!("4"))).await,
        "actionBody.answers[3]",
    );
    refused(
        &respond(
            &e,
            &m1,
            &g,
            &survey,
            "Survey",
            with(4, json!({"latitude": 1})),
        )
        .await,
        "actionBody.answers[4]",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", with(5, json!("2026-11-23"))).await,
        "actionBody.answers[5]",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", json!({"answers": ["Day"]})).await,
        "actionBody.answers",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Survey", json!({})).await,
        "actionBody.answers",
    );
    refused(
        &respond(&e, &m1, &g, &survey, "Poll", json!({"answers": good})).await,
        "actionType",
    );

    let r = respond(&e, &m1, &g, &survey, "Survey", json!({"answers": good, "responseName": "Deepa", "responseLocation": {"latitude": 1, "longitude": 2}})).await;
    assert_eq!(r.0, 200, "{}", r.1);
    let rid = r.1["responseId"].as_str().unwrap().to_string();
    // A second one is a conflict; the samples' `Answers` is read too.
    assert_error(
        &respond(&e, &m1, &g, &survey, "Survey", json!({"Answers": good})).await,
        409,
    );
    let r2 = respond(&e, &m2, &g, &survey, "Survey", json!({"Answers": good})).await;
    assert_eq!(r2.0, 200, "{}", r2.1);
    let rid2 = r2.1["responseId"].as_str().unwrap().to_string();

    // Edit by responseId: the same id, the new answers.
    let edit = json!({"actionType": "Survey", "responseId": rid, "actionBody": {"answers": with(0, json!("Night"))["answers"], "responseName": "Deepa N."}});
    let path = format!("groups/{g}/actions/{survey}/responses");
    let r = e.call(&m1, "POST", &path, Some(edit)).await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["responseId"], rid.as_str());
    let unknown =
        json!({"actionType": "Survey", "responseId": "nope", "actionBody": {"answers": good}});
    assert_error(&e.call(&m1, "POST", &path, Some(unknown)).await, 404);
    let others =
        json!({"actionType": "Survey", "responseId": rid2, "actionBody": {"answers": good}});
    assert_error(&e.call(&m1, "POST", &path, Some(others)).await, 403);

    let d = &details(&e, &admin, &g, &survey).await["actionDetails"];
    assert_eq!(d["responseCount"], 2);
    let responses = d["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2);
    let mine = responses
        .iter()
        .find(|r| r["responseId"] == rid.as_str())
        .unwrap();
    assert_eq!(mine["responder"], MEMBER);
    assert_eq!(mine["responderName"], "Deepa Nair");
    assert_eq!(mine["answers"][0], "Night");
    assert_eq!(mine["responseName"], "Deepa N.");
    assert!(parse_iso(mine["responseTime"].as_str().unwrap()).is_some());
    // Without getDetails, no responses.
    let plain = e
        .call(&admin, "GET", &format!("groups/{g}/actions/{survey}"), None)
        .await;
    assert!(plain.1.get("responses").is_none());
    assert!(plain.1["actionDetails"].get("responses").is_none());
    assert_eq!(
        plain.1["actionDetails"]["questions"][5]["isInvisible"],
        true
    );

    // Many responses when the survey accepts them; anonymous ones do not name the responder.
    let multi = new_action(
        &e,
        &admin,
        &g,
        "Survey",
        json!({"title": "Daily", "acceptMultipleResponses": true, "isAnonymous": true, "questions": [{"title": "Count", "type": "Numeric"}]}),
    )
    .await;
    let a = respond(&e, &m1, &g, &multi, "Survey", json!({"answers": [1]})).await;
    let b = respond(&e, &m1, &g, &multi, "Survey", json!({"answers": [2]})).await;
    assert_eq!((a.0, b.0), (200, 200));
    assert_ne!(a.1["responseId"], b.1["responseId"]);
    let d = &details(&e, &admin, &g, &multi).await["actionDetails"];
    // Two responses from one person: one responder.
    assert_eq!(d["responseCount"], 1);
    assert_eq!(d["responses"].as_array().unwrap().len(), 2);
    assert!(d["responses"][0].get("responder").is_none());

    // A survey past its due date takes no more responses (emulator clock).
    let due = new_action(
        &e,
        &admin,
        &g,
        "Survey",
        json!({"title": "Soon", "dueDate": 1, "questions": [{"title": "Q", "type": "Text"}]}),
    )
    .await;
    assert_eq!(
        respond(&e, &m1, &g, &due, "Survey", json!({"answers": ["x"]}))
            .await
            .0,
        200
    );
    e.advance(2 * 60 * 60 * 1000).await;
    assert_error(
        &respond(&e, &m2, &g, &due, "Survey", json!({"answers": ["y"]})).await,
        400,
    );

    // A package's questions are checked like a survey's.
    let pkg = e
        .call(
            &admin,
            "POST",
            &format!("groups/{g}/actions"),
            Some(json!({"id": "com.contoso.count", "actionBody": {"title": "Count", "questions": [{"title": "N", "type": "Numeric"}]}})),
        )
        .await;
    let pid = pkg.1["actionId"].as_str().unwrap().to_string();
    let path = format!("groups/{g}/actions/{pid}/responses");
    let wrong = json!({"id": "com.contoso.count", "actionBody": {"answers": ["three"]}});
    refused(
        &e.call(&m1, "POST", &path, Some(wrong)).await,
        "actionBody.answers[0]",
    );
    let right = json!({"id": "com.contoso.count", "actionBody": {"answers": [3]}});
    assert_eq!(e.call(&m1, "POST", &path, Some(right)).await.0, 200);
}

#[tokio::test]
async fn job_completion_counts() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let a1 = e.login(MEMBER).await;
    let a2 = e.login("+911000000011").await;
    let other = e.login("+911000000012").await;
    let g = e.group("North Field Team");
    let job = new_action(
        &e,
        &admin,
        &g,
        "Job",
        json!({"title": "Count blankets", "assignedTo": [MEMBER, "+911000000011"], "dueDate": 48}),
    )
    .await;

    assert_error(
        &respond(&e, &other, &g, &job, "Job", json!({"isCompleted": true})).await,
        403,
    );
    refused(
        &respond(&e, &a1, &g, &job, "Job", json!({"isCompleted": "yes"})).await,
        "actionBody.isCompleted",
    );
    refused(
        &respond(&e, &a1, &g, &job, "Job", json!({})).await,
        "actionBody.isCompleted",
    );
    let r1 = respond(&e, &a1, &g, &job, "Job", json!({"isCompleted": true})).await;
    assert_eq!(r1.0, 200, "{}", r1.1);
    // One response per assignee: a new post updates it.
    let r1b = respond(&e, &a1, &g, &job, "Job", json!({"isCompleted": false})).await;
    assert_eq!(r1b.1["responseId"], r1.1["responseId"]);
    let r1c = respond(&e, &a1, &g, &job, "Job", json!({"isCompleted": true})).await;
    assert_eq!(r1c.1["responseId"], r1.1["responseId"]);
    assert_eq!(
        respond(&e, &a2, &g, &job, "Job", json!({"isCompleted": false}))
            .await
            .0,
        200
    );

    // actionDetails as docs/platform.md#get-v1groupsgroupidactionsactionid--one-action shows a job.
    let full = details(&e, &admin, &g, &job).await;
    let d = &full["actionDetails"];
    assert_eq!(d["title"], "Count blankets");
    assert_eq!(d["responseCount"], 1);
    assert_eq!(d["assigneeCount"], 2);
    assert_eq!(d["status"], false);
    assert_eq!(d["isCompleted"], false);
    assert_eq!(d["responses"].as_array().unwrap().len(), 2);
    let states = d["assignees"].as_array().unwrap();
    assert_eq!(states[0]["assignee"], MEMBER);
    assert_eq!(states[0]["isCompleted"], true);
    assert_eq!(states[1]["isCompleted"], false);

    // The seeded job: one of three done.
    let root = e.group("Contoso Relief");
    let list = e
        .call(
            &admin,
            "GET",
            &format!("groups/{root}/actions?actionType=Job"),
            None,
        )
        .await;
    let seeded = list.1["actions"][0]["actionId"]
        .as_str()
        .unwrap()
        .to_string();
    let d = details(&e, &admin, &root, &seeded).await;
    assert_eq!(d["actionDetails"]["responseCount"], 1);
    assert_eq!(d["actionDetails"]["assigneeCount"], 3);
    // The listing's summary says as much, without the drill-down.
    let b = &list.1["actions"][0]["actionBody"];
    assert_eq!(
        (&b["responseCount"], &b["assigneeCount"], &b["isCompleted"]),
        (&json!(1), &json!(3), &json!(false))
    );

    // Once every assignee is done, the job is complete.
    let r2 = respond(&e, &a2, &g, &job, "Job", json!({"isCompleted": true})).await;
    assert_eq!(r2.0, 200, "{}", r2.1);
    let d = details(&e, &admin, &g, &job).await;
    assert_eq!(d["actionDetails"]["status"], true);
    assert_eq!(d["actionDetails"]["responseCount"], 2);
}

#[tokio::test]
async fn poll_tallies_meetings_and_expiry() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let voters = [
        e.login(MEMBER).await,
        e.login("+911000000011").await,
        e.login("+911000000012").await,
    ];
    let g = e.group("North Field Team");
    let poll = new_action(&e, &admin, &g, "Poll", json!({"question": "Day?", "choices": [{"title": "Mon"}, {"title": "Wed"}, {"title": "Fri"}]})).await;

    refused(
        &respond(
            &e,
            &voters[0],
            &g,
            &poll,
            "Poll",
            json!({"answers": ["Sun"]}),
        )
        .await,
        "actionBody.answers[0]",
    );
    refused(
        &respond(
            &e,
            &voters[0],
            &g,
            &poll,
            "Poll",
            json!({"answers": ["Mon", "Wed"]}),
        )
        .await,
        "actionBody.answers",
    );
    let first = respond(
        &e,
        &voters[0],
        &g,
        &poll,
        "Poll",
        json!({"answers": ["Mon"]}),
    )
    .await;
    assert_eq!(first.0, 200);
    respond(
        &e,
        &voters[1],
        &g,
        &poll,
        "Poll",
        json!({"answers": ["Wed"]}),
    )
    .await;
    respond(
        &e,
        &voters[2],
        &g,
        &poll,
        "Poll",
        json!({"Answers": ["Wed"]}),
    )
    .await;
    assert_error(
        &respond(
            &e,
            &voters[0],
            &g,
            &poll,
            "Poll",
            json!({"answers": ["Fri"]}),
        )
        .await,
        409,
    );
    let d = &details(&e, &admin, &g, &poll).await["actionDetails"];
    assert_eq!(d["responseCount"], 3);
    assert_eq!(
        d["results"],
        json!([{"title": "Mon", "count": 1}, {"title": "Wed", "count": 2}, {"title": "Fri", "count": 0}])
    );
    // Changing the vote by responseId moves the tally.
    let change = json!({"actionType": "Poll", "responseId": first.1["responseId"], "actionBody": {"answers": ["Fri"]}});
    assert_eq!(
        e.call(
            &voters[0],
            "POST",
            &format!("groups/{g}/actions/{poll}/responses"),
            Some(change)
        )
        .await
        .0,
        200
    );
    let d = &details(&e, &admin, &g, &poll).await["actionDetails"];
    assert_eq!(d["results"][0]["count"], 0);
    assert_eq!(d["results"][2]["count"], 1);

    // Let's meet: Yes, No or Maybe.
    let meet = new_action(
        &e,
        &admin,
        &g,
        "LetsMeet",
        json!({"title": "Review", "startingTime": "2026-12-01T09:30:00Z"}),
    )
    .await;
    refused(
        &respond(
            &e,
            &voters[0],
            &g,
            &meet,
            "LetsMeet",
            json!({"answers": ["Perhaps"]}),
        )
        .await,
        "actionBody.answers[0]",
    );
    assert_eq!(
        respond(
            &e,
            &voters[0],
            &g,
            &meet,
            "LetsMeet",
            json!({"answers": ["Yes"]})
        )
        .await
        .0,
        200
    );
    // Media actions take no responses.
    let img = media(&e, &admin, "image/png", "p.png").await;
    let pic = new_action(&e, &admin, &g, "Image", json!({"mediaResource": img})).await;
    refused(
        &respond(&e, &voters[0], &g, &pic, "Image", json!({})).await,
        "actionType",
    );

    // 720 hours later the poll is closed.
    e.advance(31 * DAY).await;
    let late = e.login("+911000000013").await;
    let root = e.group("Contoso Relief");
    let seeded = e
        .call(
            &late,
            "GET",
            &format!("groups/{root}/actions?actionType=Poll"),
            None,
        )
        .await;
    let seeded_poll = seeded.1["actions"][0]["actionId"]
        .as_str()
        .unwrap()
        .to_string();
    let r = respond(
        &e,
        &late,
        &root,
        &seeded_poll,
        "Poll",
        json!({"answers": ["Monday"]}),
    )
    .await;
    assert_error(&r, 400);
    assert!(
        r.1["message"].as_str().unwrap().contains("expired"),
        "{}",
        r.1
    );
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let voter = e.login("+911000000011").await;
    let fresh = new_action(
        &e,
        &admin,
        &g,
        "Poll",
        json!({"question": "Again?", "choices": [{"title": "Y"}, {"title": "N"}]}),
    )
    .await;
    assert_eq!(
        respond(&e, &voter, &g, &fresh, "Poll", json!({"answers": ["Y"]}))
            .await
            .0,
        200
    );
    assert_error(
        &respond(&e, &voter, &g, &poll, "Poll", json!({"answers": ["Y"]})).await,
        400,
    );
}

#[tokio::test]
async fn public_group_actions_to_subscribers() {
    let e = emu().await;
    let chen = e.login(GROUP_ADMIN_SOUTH).await;
    let member = e.login(MEMBER).await;
    let public = e.group("Contoso Updates");
    let path = format!("groups/{public}/actions");
    let poll =
        json!({"question": "Join the drive?", "choices": [{"title": "Yes"}, {"title": "No"}]});

    let r = e
        .call(&chen, "POST", &path, Some(json!({"actionType": "Poll", "actionBody": poll, "subscribers": ["+919100000001", "+919100000002"]})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = e
        .call(&chen, "POST", &path, Some(json!({"id": "com.contoso.signup", "sendToAllSubscribers": true, "actionBody": {"title": "Sign up", "validity": 48}})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let d = details(&e, &chen, &public, r.1["actionId"].as_str().unwrap()).await;
    let ad = &d["actionDetails"];
    assert_eq!(
        (&ad["title"], &ad["validity"], &ad["responseCount"]),
        (&json!("Sign up"), &json!(48), &json!(0))
    );
    assert_eq!(
        parse_iso(ad["expiryDate"].as_str().unwrap()).unwrap()
            - parse_iso(d["sentAt"].as_str().unwrap()).unwrap(),
        2 * DAY
    );
    refused(
        &e.call(&chen, "POST", &path, Some(json!({"id": "com.contoso.signup", "sendToAllSubscribers": true, "actionBody": {"validity": "soon"}}))).await,
        "actionBody.validity",
    );

    // Members of the public group may post to it, but only admins to its subscribers.
    assert_eq!(
        e.call(
            &member,
            "POST",
            &path,
            Some(json!({"actionType": "Poll", "actionBody": poll}))
        )
        .await
        .0,
        200
    );
    assert_error(
        &e.call(
            &member,
            "POST",
            &path,
            Some(json!({"actionType": "Poll", "actionBody": poll, "sendToAllSubscribers": true})),
        )
        .await,
        403,
    );
    // A listed number that subscribes to nothing is reported, the others reached (choice E2).
    let r = e
        .call(&chen, "POST", &path, Some(json!({"actionType": "Poll", "actionBody": poll, "subscribers": ["+919100000001", "+919999999999"]})))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["referenceId"], r.1["actionId"]);
    assert_eq!(r.1["failedResult"][0]["subscriber"], "+919999999999");
    assert_eq!(r.1["failedResult"].as_array().unwrap().len(), 1);
    refused(
        &e.call(
            &chen,
            "POST",
            &path,
            Some(
                json!({"actionType": "Poll", "actionBody": poll, "subscribers": ["+919999999999"]}),
            ),
        )
        .await,
        "subscribers[0]",
    );
    let south = e.group("South Field Team");
    refused(
        &e.call(
            &chen,
            "POST",
            &format!("groups/{south}/actions"),
            Some(json!({"actionType": "Poll", "actionBody": poll, "sendToAllSubscribers": true})),
        )
        .await,
        "sendToAllSubscribers",
    );
}

async fn react(e: &Emu, s: &Session, g: &str, body: Value) -> (u16, Value) {
    e.call(s, "POST", &format!("groups/{g}/reaction"), Some(body))
        .await
}

#[tokio::test]
async fn reactions_like_comment_summary_and_details() {
    let e = emu().await;
    let m1 = e.login(MEMBER).await;
    let m2 = e.login("+911000000011").await;
    let g = e.group("North Field Team");
    let poll = new_action(
        &e,
        &m1,
        &g,
        "Poll",
        json!({"question": "Q", "choices": [{"title": "a"}, {"title": "b"}]}),
    )
    .await;
    let like = |r: &str| json!({"referenceId": r, "sourceGroupId": g, "reactionType": "Like"});

    let a = react(&e, &m1, &g, like(&poll)).await;
    assert_eq!(a.0, 200, "{}", a.1);
    let again = react(&e, &m1, &g, like(&poll)).await;
    assert_eq!(again.1["reactionId"], a.1["reactionId"]);
    assert_eq!(react(&e, &m2, &g, like(&poll)).await.0, 200);
    refused(
        &react(
            &e,
            &m2,
            &g,
            json!({"referenceId": poll, "sourceGroupId": g, "reactionType": "Comment"}),
        )
        .await,
        "comment",
    );
    refused(
        &react(
            &e,
            &m2,
            &g,
            json!({"referenceId": poll, "sourceGroupId": g, "reactionType": "Love"}),
        )
        .await,
        "reactionType",
    );
    refused(
        &react(
            &e,
            &m2,
            &g,
            json!({"referenceId": poll, "reactionType": "Like"}),
        )
        .await,
        "sourceGroupId",
    );
    let c = react(&e, &m2, &g, json!({"referenceId": poll, "sourceGroupId": g, "reactionType": "Comment", "comment": "Count me in"})).await;
    assert_eq!(c.0, 200);
    assert_error(&react(&e, &m2, &g, like("no-such-reference")).await, 404);
    // Not a member of the group: 403.
    let south = e.login(MEMBER_SOUTH).await;
    assert_error(&react(&e, &south, &g, like(&poll)).await, 403);
    // The reference must be in the source group.
    let root = e.group("Contoso Relief");
    assert_error(
        &react(
            &e,
            &m1,
            &g,
            json!({"referenceId": poll, "sourceGroupId": root, "reactionType": "Like"}),
        )
        .await,
        404,
    );

    let r = e
        .call(
            &m1,
            "GET",
            &format!("groups/{g}/reaction/{poll}/summary?sourceGroupId={g}"),
            None,
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["summary"][0]["referenceId"], poll.as_str());
    assert_eq!(
        r.1["summary"][0]["reactionsCountMap"],
        json!({"like": 2, "comment": 1})
    );
    assert_error(
        &e.call(
            &m1,
            "GET",
            &format!("groups/{g}/reaction/nope/summary?sourceGroupId={g}"),
            None,
        )
        .await,
        404,
    );

    let r = e
        .call(
            &m1,
            "GET",
            &format!("groups/{g}/reaction/{poll}?sourceGroupId={g}"),
            None,
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let list = r.1["reactionDetails"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["reactionId"], a.1["reactionId"]);
    assert!(list[0]["userId"].is_string() && list[0]["lastModifiedTime"].is_i64());
    let r = e
        .call(
            &m1,
            "GET",
            &format!("groups/{g}/reaction/{poll}?sourceGroupId={g}&reactionType=Comment"),
            None,
        )
        .await;
    let list = r.1["reactionDetails"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["comment"], "Count me in");
    assert_eq!(r.1["cursor"], list[0]["lastModifiedTime"]);
    refused(
        &e.call(
            &m1,
            "GET",
            &format!("groups/{g}/reaction/{poll}?reactionType=Love"),
            None,
        )
        .await,
        "reactionType",
    );

    // The main group's content seen from a sub-group: react there with sourceGroupId = the parent.
    let r = e
        .call(
            &m1,
            "GET",
            &format!("groups/{root}/actions?actionType=Survey"),
            None,
        )
        .await;
    let survey = r.1["actions"][0]["actionId"].as_str().unwrap().to_string();
    let r = react(
        &e,
        &m1,
        &g,
        json!({"referenceId": survey, "sourceGroupId": root, "reactionType": "Like"}),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    // A text message can be liked too.
    let msg = e
        .call(
            &m1,
            "POST",
            &format!("groups/{g}/messages"),
            Some(json!({"message": "Hello"})),
        )
        .await;
    assert_eq!(msg.0, 200, "{}", msg.1);
    let r = react(&e, &m2, &g, like(msg.1["referenceId"].as_str().unwrap())).await;
    assert_eq!(r.0, 200, "{}", r.1);
}

#[tokio::test]
async fn reaction_summaries_and_details_page_by_cursor() {
    let e = emu().await;
    let s = e.login(MEMBER_SOUTH).await;
    let g = e.group("South Field Team");
    let mut refs = Vec::new();
    for i in 0..21 {
        let id = new_action(
            &e,
            &s,
            &g,
            "Poll",
            json!({"question": format!("Q{i}"), "choices": [{"title": "a"}, {"title": "b"}]}),
        )
        .await;
        let r = react(
            &e,
            &s,
            &g,
            json!({"referenceId": id, "sourceGroupId": g, "reactionType": "Like"}),
        )
        .await;
        assert_eq!(r.0, 200);
        refs.push(id);
    }
    let page =
        |cursor: i64| format!("groups/{g}/reaction/summary?sourceGroupId={g}&cursor={cursor}");
    let p1 = e.call(&s, "GET", &page(0), None).await;
    assert_eq!(p1.0, 200, "{}", p1.1);
    let items = p1.1["summary"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    let got: Vec<&str> = items
        .iter()
        .map(|i| i["referenceId"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        refs[..20].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let c1 = p1.1["cursor"].as_i64().unwrap();
    let p2 = e.call(&s, "GET", &page(c1), None).await;
    assert_eq!(p2.1["summary"].as_array().unwrap().len(), 1);
    assert_eq!(p2.1["summary"][0]["referenceId"], refs[20].as_str());
    let c2 = p2.1["cursor"].as_i64().unwrap();
    let p3 = e.call(&s, "GET", &page(c2), None).await;
    assert_eq!(p3.1["summary"].as_array().unwrap().len(), 0);
    assert_eq!(p3.1["cursor"], c2);
    // A new comment on the first reference brings it back after the cursor.
    react(&e, &s, &g, json!({"referenceId": refs[0], "sourceGroupId": g, "reactionType": "Comment", "comment": "again"})).await;
    let p4 = e.call(&s, "GET", &page(c2), None).await;
    assert_eq!(p4.1["summary"][0]["referenceId"], refs[0].as_str());
    assert_eq!(
        p4.1["summary"][0]["reactionsCountMap"],
        json!({"like": 1, "comment": 1})
    );
    refused(
        &e.call(
            &s,
            "GET",
            &format!("groups/{g}/reaction/summary?cursor=abc"),
            None,
        )
        .await,
        "cursor",
    );

    // Details page the same way.
    let target = &refs[1];
    for i in 0..21 {
        let r = react(&e, &s, &g, json!({"referenceId": target, "sourceGroupId": g, "reactionType": "Comment", "comment": format!("c{i}")})).await;
        assert_eq!(r.0, 200);
    }
    let mut cursor = 0;
    let mut sizes = Vec::new();
    loop {
        let r = e.call(&s, "GET", &format!("groups/{g}/reaction/{target}?sourceGroupId={g}&reactionType=Comment&cursor={cursor}"), None).await;
        assert_eq!(r.0, 200, "{}", r.1);
        let n = r.1["reactionDetails"].as_array().unwrap().len();
        sizes.push(n);
        if n == 0 {
            assert_eq!(r.1["cursor"], cursor);
            break;
        }
        cursor = r.1["cursor"].as_i64().unwrap();
    }
    assert_eq!(sizes, vec![20, 1, 0]);
}

/// Waits for `n` events in a dev-API inbox (newest first).
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

#[tokio::test]
async fn action_events_carry_the_documented_data() {
    let e = emu().await;
    let admin = e.login(GROUP_ADMIN_NORTH).await;
    let m1 = e.login(MEMBER).await;
    let g = e.group("North Field Team");
    let hook = json!({
        "objectId": g, "objectType": "Group",
        "eventTypes": ["AttachmentCreated", "Announcement", "JobCreated", "JobResponse", "SurveyCreated", "SurveyResponse", "ActionCreated", "ActionResponse"],
        "callBackUrl": format!("{}/_emulator/inbox/acts", e.url),
    });
    let r = e.call(&admin, "POST", "webhook", Some(hook)).await;
    assert_eq!(r.0, 200, "{}", r.1);

    let img = media(&e, &m1, "image/png", "pic.png").await;
    new_action(
        &e,
        &m1,
        &g,
        "Image",
        json!({"mediaResource": img, "caption": "Depot"}),
    )
    .await;
    new_action(
        &e,
        &admin,
        &g,
        "Announcement",
        json!({"title": "Notice", "message": "Closed", "mediaResources": [img]}),
    )
    .await;
    let job = new_action(
        &e,
        &admin,
        &g,
        "Job",
        json!({"title": "Count", "assignedTo": [MEMBER]}),
    )
    .await;
    respond(&e, &m1, &g, &job, "Job", json!({"isCompleted": true})).await;
    let survey = new_action(
        &e,
        &admin,
        &g,
        "Survey",
        json!({"title": "S", "questions": [{"title": "Q", "type": "Text"}]}),
    )
    .await;
    respond(&e, &m1, &g, &survey, "Survey", json!({"answers": ["fine"]})).await;
    let poll = new_action(
        &e,
        &admin,
        &g,
        "Poll",
        json!({"question": "Day?", "choices": [{"title": "Mon"}, {"title": "Tue"}]}),
    )
    .await;
    respond(&e, &m1, &g, &poll, "Poll", json!({"answers": ["Tue"]})).await;

    let events = inbox(&e, "acts", 8).await;
    let find = |t: &str| {
        events
            .iter()
            .find(|ev| ev["eventType"] == t)
            .unwrap_or_else(|| panic!("no {t}"))
            .clone()
    };
    let att = find("AttachmentCreated");
    assert_eq!(att["data"]["actionType"], "Image");
    assert_eq!(att["data"]["caption"], "Depot");
    assert_eq!(att["data"]["media"][0]["mediaFileName"], "pic.png");
    assert!(att["data"]["media"][0]["mediaUrl"]
        .as_str()
        .unwrap()
        .contains("/media/"));
    assert_eq!(att["fromUser"], MEMBER);
    let ann = find("Announcement");
    assert_eq!(ann["data"]["text"], "Closed");
    assert_eq!(ann["data"]["media"].as_array().unwrap().len(), 1);
    let jc = find("JobCreated");
    assert_eq!(jc["data"]["actionId"], job.as_str());
    assert_eq!(jc["data"]["groupId"], g.as_str());
    assert_eq!(jc["data"]["assignedTo"], json!([MEMBER]));
    // An ISO 8601 instant, as the event sample writes it (docs/platform.md, choice W3).
    let due = parse_iso(jc["data"]["dueDate"].as_str().unwrap()).unwrap();
    assert!(due > parse_iso("2020-01-01T00:00:00Z").unwrap(), "{jc}");
    let jr = find("JobResponse");
    let mut resp = jr["data"]["responseDetails"]["response"].clone();
    // Every field of the event sample, the profile picture included.
    assert!(resp["assigneeProfilePic"].is_string(), "{resp}");
    resp.as_object_mut().unwrap().remove("assigneeProfilePic");
    assert_eq!(
        resp,
        json!({"assignee": MEMBER, "assigneeName": "Deepa Nair", "isCompleted": true})
    );
    let sc = find("SurveyCreated");
    assert_eq!(sc["data"]["responseId"], Value::Null);
    assert_eq!(sc["data"]["isUpdateResponse"], false);
    assert_eq!(sc["data"]["responder"], GROUP_ADMIN_NORTH);
    assert_eq!(
        sc["data"]["responseDetails"]["responseWithQuestions"],
        json!([{"title": "Q", "type": "Text", "options": [], "answer": null, "isInvisible": false}])
    );
    assert!(sc["data"]["responderProfilePic"].is_string(), "{sc}");
    let sr = find("SurveyResponse");
    assert_eq!(sr["data"]["responder"], MEMBER);
    assert!(sr["data"]["responderProfilePic"].is_string(), "{sr}");
    assert_eq!(
        sr["data"]["responseDetails"]["responseWithQuestions"][0]["answer"],
        "fine"
    );
    assert!(sr["data"]["responseId"].is_string());
    let ac = find("ActionCreated");
    assert_eq!(ac["data"]["actionId"], poll.as_str());
    let ar = find("ActionResponse");
    assert_eq!(
        ar["data"]["responseDetails"]["responseWithQuestions"][0]["answer"],
        "Tue"
    );
    assert_eq!(
        ar["data"]["responseDetails"]["responseWithQuestions"][0]["title"],
        "Day?"
    );
}
