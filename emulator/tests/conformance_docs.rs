//! The platform documents' sample requests, replayed verbatim against the emulator, and the answers
//! checked field by field against what the documents show.
//!
//! The requests are data (tests/fixtures/docs_samples.json): every request sample of the connector
//! pages (DOC-01…DOC-18, `MicrosoftDocs/kaizala-docs@240c775:Articles/connectors/`) and every request
//! example of the swagger (SW-01…SW-28, `kaizala-docs@12f20ba:Rest-API-docs/kaizala_api_full_swagger.json`),
//! each with its source. A body is sent byte for byte as the document prints it — unquoted names,
//! tabs, U+00A0 and U+202F spaces, CR LF line ends and all; the only changes are the `fill` pairs
//! of the data (sample ids and Postman `{{variables}}` by real ones, a receiver's URL by the
//! emulator's inbox), and what a sample assumes exists is made first with plain calls.
//!
//! The answers are checked against the documents' answer samples and tables (the `ANS-` notes
//! name which) and against docs/platform.md where it records a choice. Every case runs, and a test
//! fails with the list of every sample that did not work, so a run on another build counts them.
//!
//! One sample cannot work verbatim under any faithful reading: the announcement of
//! `actions_post.md` (DOC-08) carries two `MediaResources` cut off mid-way (base64 of
//! `{"Thumbnail":"/9j/…` with no `Files` at all), which name no file. It is asserted as the
//! documented refusal, and replayed once more with an uploaded file in their place.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::replay::{is_platform_error, send, stage, Answer, Sent, Stage};
use common::{Session, MEMBER, ORG_ADMIN};
use kaizala_emulator::clock::parse_iso;
use serde::Deserialize;
use serde_json::{json, Value};

const SAMPLES: &str = include_str!("fixtures/docs_samples.json");
const HOUR: i64 = 60 * 60 * 1000;

#[derive(Deserialize)]
struct Doc {
    cases: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct Case {
    id: String,
    source: String,
    method: String,
    /// `endpoint` (the user's endpoint URL) or `root` (the auth root, `{origin}/v1`).
    base: String,
    path: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    body: Option<String>,
    #[serde(default)]
    fill: Vec<(String, String)>,
}

fn cases() -> HashMap<String, Case> {
    let doc: Doc = serde_json::from_str(SAMPLES).expect("tests/fixtures/docs_samples.json");
    doc.cases.into_iter().map(|c| (c.id.clone(), c)).collect()
}

/// One run: the emulator and its values, the samples, and what did not work.
struct Run {
    st: Stage,
    cases: HashMap<String, Case>,
    failures: Vec<String>,
}

impl Run {
    async fn new() -> Run {
        Run {
            st: stage().await,
            cases: cases(),
            failures: Vec::new(),
        }
    }

    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.st.vars.set(name, value);
    }

    fn var(&self, name: &str) -> String {
        self.st.vars.get(name).to_string()
    }

    /// The sample as it is sent: the fills made (plus `more`, for a variant), its headers — the
    /// swagger's own for its raw requests, else `accessToken` and, with a body, the JSON type.
    fn request(&self, id: &str, token: Option<&str>, more: &[(&str, &str)]) -> Sent {
        let c = &self.cases[id];
        let mut vars = self.st.vars.clone();
        if let Some(t) = token {
            vars.set("token", t);
        }
        let fill = |text: &str| -> String {
            let mut out = text.to_string();
            for (from, to) in &c.fill {
                out = out.replace(from.as_str(), &vars.expand(to));
            }
            for (from, to) in more {
                out = out.replace(from, &vars.expand(to));
            }
            out
        };
        let base = match c.base.as_str() {
            "endpoint" => vars.get("endpointUrl").trim_end_matches('/').to_string(),
            _ => vars.get("origin").to_string(),
        };
        let url = format!("{base}/v1/{}", fill(&vars.expand(&c.path)));
        let headers = if c.headers.is_empty() {
            let mut h = vec![("accessToken".to_string(), vars.get("token").to_string())];
            if c.body.is_some() {
                h.push(("Content-Type".into(), "application/json".into()));
            }
            h
        } else {
            c.headers
                .iter()
                .map(|(k, v)| (k.clone(), fill(v)))
                .collect()
        };
        Sent {
            method: c.method.clone(),
            url,
            query: Vec::new(),
            headers,
            body: c.body.as_deref().map(fill),
        }
    }

    /// Sends sample `id` as the stage's signed-in user (or with `token`).
    async fn replay(&mut self, id: &str, token: Option<&str>) -> Answer {
        self.replay_with(id, token, &[]).await
    }

    async fn replay_with(
        &mut self,
        id: &str,
        token: Option<&str>,
        more: &[(&str, &str)],
    ) -> Answer {
        let r = self.request(id, token, more);
        send(&self.st.e.http, &r).await
    }

    fn fail(&mut self, id: &str, what: String) {
        let source = self.cases.get(id).map_or("", |c| c.source.as_str());
        self.failures.push(format!("{id} ({source}): {what}"));
    }

    fn check(&mut self, id: &str, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.fail(id, what());
        }
    }

    /// A 200 with a JSON object: the answer's body, or Null after recording why not.
    fn ok(&mut self, id: &str, a: &Answer) -> Value {
        let v = a.json();
        if a.status != 200 || !a.is_json() || !v.is_object() {
            self.fail(
                id,
                format!("answered {} {} {}", a.status, a.content_type, a.text),
            );
            return Value::Null;
        }
        v
    }

    /// `v[pointer] == want`.
    fn eq(&mut self, id: &str, v: &Value, pointer: &str, want: Value) {
        let got = v.pointer(pointer).cloned().unwrap_or(Value::Null);
        self.check(id, got == want, || {
            format!("{pointer} is {got}, the documents show {want}")
        });
    }

    /// The object at `pointer` has exactly these keys (an answer sample's fields).
    fn keys(&mut self, id: &str, v: &Value, pointer: &str, want: &[&str]) {
        let got: BTreeSet<String> = v
            .pointer(pointer)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        self.check(id, got == want, || {
            format!("{pointer} has the fields {got:?}, the documents show {want:?}")
        });
    }

    /// The object at `pointer` has at least these keys.
    fn has(&mut self, id: &str, v: &Value, pointer: &str, want: &[&str]) {
        let obj = v.pointer(pointer).and_then(Value::as_object);
        for k in want {
            let ok = obj.is_some_and(|m| m.contains_key(*k));
            self.check(id, ok, || format!("{pointer} has no `{k}`: {v}"));
        }
    }

    /// The date at `pointer` lies `ms` after the one at `from` (both ISO 8601).
    fn after(&mut self, id: &str, v: &Value, pointer: &str, from: &str, ms: i64) {
        let at = |p: &str| v.pointer(p).and_then(Value::as_str).and_then(parse_iso);
        let (a, b) = (at(pointer), at(from));
        self.check(
            id,
            matches!((a, b), (Some(a), Some(b)) if a - b == ms),
            || format!("{pointer} is not {from} + {ms} ms: {v}"),
        );
    }

    /// A call the sample needs made first (plain JSON, as the signed-in admin).
    async fn prepare(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = self.st.e.call(&self.st.admin, method, path, body).await;
        assert_eq!(r.0, 200, "preparing {method} {path}: {}", r.1);
        r.1
    }

    /// The id at `pointer` of a sample's answer; when the sample did not work, the same made with a
    /// plain call (so the samples that build on it are judged on their own).
    async fn id_or(
        &mut self,
        v: &Value,
        pointer: &str,
        method: &str,
        path: &str,
        body: Value,
    ) -> String {
        let got = text(v, pointer);
        if !got.is_empty() {
            return got;
        }
        let made = self.prepare(method, path, Some(body)).await;
        text(&made, pointer)
    }

    /// The newest PIN texted to the signed-in user, one sent with a plain call when none was.
    async fn pin(&mut self) -> String {
        let mobile = self.var("mobile");
        let sms = format!("/_emulator/sms?mobileNumber={}", mobile.replace('+', "%2B"));
        let (_, s) = self.st.e.raw("GET", &sms, None).await;
        if let Some(pin) = s["messages"][0]["pin"].as_i64() {
            return pin.to_string();
        }
        let body = json!({"mobileNumber": mobile, "applicationId": self.var("app")});
        let (st, _) = self.st.e.raw("POST", "/v1/generatePin", Some(body)).await;
        assert_eq!(st, 200, "preparing a PIN");
        let (_, s) = self.st.e.raw("GET", &sms, None).await;
        s["messages"][0]["pin"].as_i64().unwrap().to_string()
    }

    /// The group's listed action with this id (the listing of `GET …/actions`), and the raw text.
    async fn listed(&mut self, group: &str, action: &str) -> (Value, String) {
        let url = format!("{}v1/groups/{group}/actions", self.st.admin.endpoint);
        let resp = self
            .st
            .e
            .http
            .get(url)
            .header("accessToken", &self.st.admin.token)
            .send()
            .await
            .unwrap();
        let text = resp.text().await.unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let a = v["actions"]
            .as_array()
            .and_then(|l| l.iter().find(|a| a["referenceId"] == action).cloned())
            .unwrap_or(Value::Null);
        (a, text)
    }

    async fn upload_picture(&mut self) -> String {
        let part = reqwest::multipart::Part::bytes(common::replay::PNG.to_vec())
            .file_name("sample.png")
            .mime_str("image/png")
            .unwrap();
        let resp = self
            .st
            .e
            .http
            .post(format!("{}v1/media", self.st.admin.endpoint))
            .header("accessToken", &self.st.admin.token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        v["mediaResource"].as_str().unwrap().to_string()
    }

    async fn login(&self, mobile: &str) -> Session {
        self.st.e.login(mobile).await
    }

    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} of the documents' samples did not behave as documented:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The fields of a group in the `GET /groups` sample of groups.md (ANS-05).
const GROUP_SAMPLE: &[&str] = &[
    "groupName",
    "groupId",
    "groupImageUrl",
    "hasSubGroups",
    "hasParentGroups",
    "callerRole",
    "currentLevelSubGroupCount",
    "currentLevelParentGroupCount",
    "userCount",
    "uniqueUserCount",
    "currentLevelUserCount",
    "currentLevelUnProvisionedUserCount",
    "unProvisionedUserCount",
    "isMappedToTenant",
    "groupType",
    "isDuplicate",
    "isEditable",
    "isDetailsReadable",
];

/// groups.md, subGroups.md, members.md: DOC-01, DOC-02, DOC-03.
#[tokio::test]
async fn connector_pages_groups_sub_groups_and_members() {
    let mut r = Run::new().await;

    // DOC-01 → ANS-04 (groups.md "Sample JSON Response"): exactly groupName, groupId, membersAdded (bool).
    let a = r.replay("DOC-01", None).await;
    let v = r.ok("DOC-01", &a);
    r.keys("DOC-01", &v, "", &["groupName", "groupId", "membersAdded"]);
    r.eq("DOC-01", &v, "/groupName", json!("Kaizala Test group"));
    r.eq("DOC-01", &v, "/membersAdded", json!(true));
    let created = r
        .id_or(
            &v,
            "/groupId",
            "POST",
            "groups",
            json!({"name": "Kaizala Test group", "welcomeMessage": "w"}),
        )
        .await;
    r.set("created", created.clone());

    // ANS-05/06: the group read back has every field of the GET /groups sample, typed as there.
    let (_, g) =
        r.st.e
            .call(&r.st.admin, "GET", &format!("groups/{created}"), None)
            .await;
    r.has("DOC-01", &g, "/groups/0", GROUP_SAMPLE);
    for k in [
        "hasSubGroups",
        "hasParentGroups",
        "isMappedToTenant",
        "isDuplicate",
        "isEditable",
        "isDetailsReadable",
    ] {
        let ok = g["groups"][0][k].is_boolean();
        r.check("DOC-01", ok, || format!("{k} is not a boolean: {g}"));
    }
    for k in [
        "userCount",
        "uniqueUserCount",
        "currentLevelUserCount",
        "currentLevelSubGroupCount",
        "currentLevelParentGroupCount",
        "currentLevelUnProvisionedUserCount",
        "unProvisionedUserCount",
    ] {
        let ok = g["groups"][0][k].is_u64();
        r.check("DOC-01", ok, || format!("{k} is not an integer: {g}"));
    }
    r.eq("DOC-01", &g, "/groups/0/groupType", json!("Group"));
    r.eq("DOC-01", &g, "/groups/0/currentLevelUserCount", json!(2));

    // DOC-02 → ANS-08 (subGroups.md): exactly groupId, groupName; addUserToGroup false keeps the
    // caller out; the empty groupImageUrl is no picture.
    let a = r.replay("DOC-02", None).await;
    let v = r.ok("DOC-02", &a);
    r.keys("DOC-02", &v, "", &["groupId", "groupName"]);
    r.eq("DOC-02", &v, "/groupName", json!("Test Group"));
    let sub = text(&v, "/groupId");
    let (_, m) =
        r.st.e
            .call(&r.st.admin, "GET", &format!("groups/{sub}/members"), None)
            .await;
    let numbers: BTreeSet<&str> = m["members"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|x| x["mobileNumber"].as_str())
                .collect()
        })
        .unwrap_or_default();
    r.check(
        "DOC-02",
        numbers == BTreeSet::from(["+919652000000", "+919910000005"]),
        || format!("the sub-group's members are {numbers:?}"),
    );
    // ANS-07 (subGroups.md "Sample JSON Response"): {groups: [{groupName, groupId, groupImageUrl, subGroups: [...]}]}.
    let (st, tree) =
        r.st.e
            .call(
                &r.st.admin,
                "GET",
                &format!("groups/{created}/subGroups"),
                None,
            )
            .await;
    r.check("DOC-02", st == 200, || {
        format!("GET subGroups answered {st}")
    });
    r.keys("DOC-02", &tree, "", &["groups"]);
    r.has(
        "DOC-02",
        &tree,
        "/groups/0",
        &["groupName", "groupId", "groupImageUrl", "subGroups"],
    );
    r.eq("DOC-02", &tree, "/groups/0/groupId", json!(created));
    r.has(
        "DOC-02",
        &tree,
        "/groups/0/subGroups/0",
        &["groupName", "groupId", "groupImageUrl"],
    );
    r.eq(
        "DOC-02",
        &tree,
        "/groups/0/subGroups/0/groupName",
        json!("Test Group"),
    );
    r.eq(
        "DOC-02",
        &tree,
        "/groups/0/subGroups/0/groupImageUrl",
        json!(""),
    );

    // DOC-03 → ANS-10 (members.md): {result: true}; ANS-09: the members listed as
    // {id, role, mobileNumber, isProvisioned (bool)}.
    let a = r.replay("DOC-03", None).await;
    let v = r.ok("DOC-03", &a);
    r.keys("DOC-03", &v, "", &["result"]);
    r.eq("DOC-03", &v, "/result", json!(true));
    let (_, m) =
        r.st.e
            .call(
                &r.st.admin,
                "GET",
                &format!("groups/{created}/members"),
                None,
            )
            .await;
    let added = m["members"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["mobileNumber"] == "+91900000000"))
        .cloned()
        .unwrap_or(Value::Null);
    // (The emulator adds the member's `name`, which the demo page shows.)
    r.has(
        "DOC-03",
        &added,
        "",
        &["id", "role", "mobileNumber", "isProvisioned"],
    );
    r.eq("DOC-03", &added, "/role", json!("Member"));
    r.eq("DOC-03", &added, "/isProvisioned", json!(false));
    r.finish();
}

/// subscribers.md, messages.md: DOC-04, DOC-05, DOC-06.
#[tokio::test]
async fn connector_pages_subscribers_and_messages() {
    let mut r = Run::new().await;
    let public = r.var("public");

    // DOC-04 (unquoted name, U+00A0 spaces) → ANS-11: {result: {number: {isAdded: true}}}.
    let a = r.replay("DOC-04", None).await;
    let v = r.ok("DOC-04", &a);
    r.eq(
        "DOC-04",
        &v,
        "",
        json!({"result": {"+911111111111": {"isAdded": true}, "+911111111112": {"isAdded": true}}}),
    );
    // ANS-12: a page of subscribers {id, mobileNumber, name, profilePic, isProvisioned}.
    let page = r
        .prepare(
            "POST",
            &format!("groups/{public}/subscribers"),
            Some(json!({"count": 50})),
        )
        .await;
    let first = page["subscribers"][0].clone();
    r.keys(
        "DOC-04",
        &first,
        "",
        &["id", "mobileNumber", "name", "profilePic", "isProvisioned"],
    );

    // DOC-05 → ANS-11: {result: {number: {isRemoved: true}}}.
    let a = r.replay("DOC-05", None).await;
    let v = r.ok("DOC-05", &a);
    r.eq(
        "DOC-05",
        &v,
        "",
        json!({"result": {"+911111111111": {"isRemoved": true}, "+911111111112": {"isRemoved": true}}}),
    );

    // DOC-06: its two numbers subscribe first → ANS-13: {referenceId}.
    r.prepare(
        "PUT",
        &format!("groups/{public}/subscribers/add"),
        Some(json!({"subscribers": ["+911999999999", "+911999999998"]})),
    )
    .await;
    let a = r.replay("DOC-06", None).await;
    let v = r.ok("DOC-06", &a);
    r.keys("DOC-06", &v, "", &["referenceId"]);
    r.finish();
}

/// media.md and the announcement of actions_post.md: DOC-07, DOC-08.
#[tokio::test]
async fn connector_pages_media_and_announcement() {
    let mut r = Run::new().await;
    let group = r.var("group");
    let picture = r.upload_picture().await;
    r.set("picture", picture);

    // DOC-07 (the placeholder filled with an upload) → ANS-14 (media.md): {referenceId}; listed
    // as a picture with its imageUrl (actions_get.md).
    let a = r.replay("DOC-07", None).await;
    let v = r.ok("DOC-07", &a);
    r.has("DOC-07", &v, "", &["referenceId"]);
    let (listed, _) = r.listed(&group, &text(&v, "/referenceId")).await;
    r.eq("DOC-07", &listed, "/actionType", json!("Image"));
    r.eq(
        "DOC-07",
        &listed,
        "/actionBody/caption",
        json!("Sample test caption"),
    );
    let url = text(&listed, "/actionBody/imageUrl");
    r.check("DOC-07", url.ends_with("/sample.png"), || {
        format!("imageUrl {url}")
    });

    // DOC-08 verbatim: both MediaResources are cut off (base64 of `{"Thumbnail":"/9j/…` that never
    // reaches `Files`), so they name no file and no faithful reading can post them (choice C5): the
    // platform's refusal, naming the first.
    let a = r.replay("DOC-08", None).await;
    let v = a.json();
    let field = text(&v, "/field");
    r.check(
        "DOC-08",
        a.status == 400
            && is_platform_error(&v)
            && v["errorCode"] == "InvalidParameters"
            && field.eq_ignore_ascii_case("actionBody.MediaResources[0]"),
        || {
            format!(
                "expected the refusal of MediaResources[0], got {} {}",
                a.status, a.text
            )
        },
    );
    // The same sample with an uploaded file in place of each truncated one → ANS-14: {referenceId, actionId}.
    let c = r.cases["DOC-08"].body.clone().unwrap_or_default();
    let blobs: Vec<String> = serde_json::from_str::<Value>(&c).unwrap()["actionBody"]
        ["MediaResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect();
    let a = r
        .replay_with(
            "DOC-08",
            None,
            &[
                (blobs[0].as_str(), "${picture}"),
                (blobs[1].as_str(), "${picture}"),
            ],
        )
        .await;
    let v = r.ok("DOC-08", &a);
    r.keys("DOC-08", &v, "", &["referenceId", "actionId"]);
    r.finish();
}

/// The job of actions_post.md and its response in action_responses.md: DOC-09, DOC-13.
#[tokio::test]
async fn connector_pages_job_and_its_response() {
    let mut r = Run::new().await;
    let group = r.var("group");
    // Assignees are members (choice C6).
    r.prepare(
        "PUT",
        &format!("groups/{group}/members"),
        Some(json!({"members": ["+911111111111", "+911111111112"]})),
    )
    .await;

    // DOC-09 → ANS-14: {referenceId, actionId}.
    let a = r.replay("DOC-09", None).await;
    let v = r.ok("DOC-09", &a);
    r.keys("DOC-09", &v, "", &["referenceId", "actionId"]);
    let job = r
        .id_or(&v, "/actionId", "POST", &format!("groups/{group}/actions"),
            json!({"actionType": "Job", "actionBody": {"title": "test job", "assignedTo": ["+911111111111", "+911111111112"], "dueDate": 10}}))
        .await;
    r.set("job", job.clone());
    // ANS-15 (actions_get.md, the Job sample): actionId, title, assigneeCount, responseCount,
    // isCompleted; the due date 10 hours on; no number comes back as `10.0`.
    let (listed, raw) = r.listed(&group, &job).await;
    r.has(
        "DOC-09",
        &listed,
        "",
        &[
            "referenceId",
            "actionType",
            "sender",
            "sentAt",
            "actionBody",
        ],
    );
    r.eq("DOC-09", &listed, "/actionType", json!("Job"));
    r.has(
        "DOC-09",
        &listed,
        "/actionBody",
        &[
            "actionId",
            "title",
            "assigneeCount",
            "responseCount",
            "isCompleted",
        ],
    );
    r.eq("DOC-09", &listed, "/actionBody/actionId", json!(job));
    r.eq("DOC-09", &listed, "/actionBody/title", json!("test job"));
    r.eq("DOC-09", &listed, "/actionBody/assigneeCount", json!(2));
    r.eq("DOC-09", &listed, "/actionBody/responseCount", json!(0));
    r.eq("DOC-09", &listed, "/actionBody/isCompleted", json!(false));
    r.after(
        "DOC-09",
        &listed,
        "/actionBody/dueDate",
        "/sentAt",
        10 * HOUR,
    );
    r.check("DOC-09", !raw.contains("10.0"), || {
        format!("a number came back as a float: {raw}")
    });

    // DOC-13, sent by an assignee → ANS-17: {responseId}; ANS-16 (actionDetails.md, Job):
    // dueDate, title, status, responseCount, assigneeCount, responses.
    let assignee = r.login("+911111111111").await;
    let a = r.replay("DOC-13", Some(&assignee.token)).await;
    let v = r.ok("DOC-13", &a);
    r.keys("DOC-13", &v, "", &["responseId"]);
    let (_, d) =
        r.st.e
            .call(
                &r.st.admin,
                "GET",
                &format!("groups/{group}/actions/{job}?getDetails=true"),
                None,
            )
            .await;
    r.has(
        "DOC-13",
        &d,
        "",
        &["actionType", "actionDetails", "sender", "sentAt"],
    );
    r.has(
        "DOC-13",
        &d,
        "/actionDetails",
        &[
            "dueDate",
            "title",
            "status",
            "responseCount",
            "assigneeCount",
            "responses",
        ],
    );
    r.eq("DOC-13", &d, "/actionDetails/status", json!(false));
    r.eq("DOC-13", &d, "/actionDetails/responseCount", json!(1));
    r.eq("DOC-13", &d, "/actionDetails/assigneeCount", json!(2));
    r.eq(
        "DOC-13",
        &d,
        "/actionDetails/responses/0/isCompleted",
        json!(true),
    );
    r.after("DOC-13", &d, "/actionDetails/dueDate", "/sentAt", 10 * HOUR);
    r.finish();
}

/// The poll of actions_post.md, listed as actions_get.md shows it: DOC-10.
#[tokio::test]
async fn connector_pages_poll() {
    let mut r = Run::new().await;
    let group = r.var("group");
    // DOC-10 (unquoted names, tabs, a live-service picture for a choice) → ANS-14.
    let a = r.replay("DOC-10", None).await;
    let v = r.ok("DOC-10", &a);
    r.keys("DOC-10", &v, "", &["referenceId", "actionId"]);
    let poll = text(&v, "/actionId");
    // ANS-15: the Poll sample of actions_get.md is the listing of this very poll (its question,
    // choices and picture URL, and an expiryDate 10 hours after sentAt); field by field.
    let (listed, _) = r.listed(&group, &poll).await;
    r.eq("DOC-10", &listed, "/actionType", json!("Poll"));
    r.keys(
        "DOC-10",
        &listed,
        "/actionBody",
        &[
            "actionId",
            "question",
            "isSenderOnly",
            "expiryDate",
            "choices",
            "responseCount",
        ],
    );
    r.eq("DOC-10", &listed, "/actionBody/actionId", json!(poll));
    r.eq(
        "DOC-10",
        &listed,
        "/actionBody/question",
        json!("Do you find Kaizala extensibility easy to use?"),
    );
    r.eq("DOC-10", &listed, "/actionBody/isSenderOnly", json!(false));
    r.after(
        "DOC-10",
        &listed,
        "/actionBody/expiryDate",
        "/sentAt",
        10 * HOUR,
    );
    r.eq(
        "DOC-10",
        &listed,
        "/actionBody/choices",
        json!([
            {"title": "Yes", "image": "https://cdn.kascore.osi.office.net/75e8e7b63d2a4c10cdc30208aa27f1c2987d868a0e764fc742a94f6549d8bdb2.png?sv=2015-12-11&sr=b&sig=4iqswjFVYyqGqyKg6cdMdUQmiAez8sV951UScUmLzLk%3D&st=2017-05-17T07%3A04%3A41Z&se=2291-03-02T08%3A04%3A41Z&sp=r"},
            {"title": "No"},
            {"title": "Not at all"}
        ]),
    );
    r.finish();
}

/// The let's meet of actions_post.md, listed as actions_get.md shows it: DOC-11.
#[tokio::test]
async fn connector_pages_lets_meet() {
    let mut r = Run::new().await;
    let group = r.var("group");
    let a = r.replay("DOC-11", None).await;
    let v = r.ok("DOC-11", &a);
    r.keys("DOC-11", &v, "", &["referenceId", "actionId"]);
    let meet = text(&v, "/actionId");
    // ANS-15 (actions_get.md, the LetsMeet sample of this meeting: the place posted as 15.0/96.0
    // lists as 15/96; `duration` as posted).
    let (listed, _) = r.listed(&group, &meet).await;
    r.eq("DOC-11", &listed, "/actionType", json!("LetsMeet"));
    r.has(
        "DOC-11",
        &listed,
        "/actionBody",
        &[
            "actionId",
            "title",
            "startingTime",
            "agenda",
            "duration",
            "isSenderOnly",
            "place",
        ],
    );
    r.eq(
        "DOC-11",
        &listed,
        "/actionBody/title",
        json!("lets catch up?"),
    );
    r.eq(
        "DOC-11",
        &listed,
        "/actionBody/startingTime",
        json!("2018-01-01T00:00:00Z"),
    );
    r.eq("DOC-11", &listed, "/actionBody/agenda", json!("no agenda"));
    r.eq("DOC-11", &listed, "/actionBody/duration", json!(45));
    r.eq("DOC-11", &listed, "/actionBody/isSenderOnly", json!(false));
    r.eq(
        "DOC-11",
        &listed,
        "/actionBody/place",
        json!({"latitude": 15, "longitude": 96, "name": "MS Building 3"}),
    );
    let whole = listed["actionBody"]["place"]["latitude"].is_i64();
    r.check("DOC-11", whole, || {
        format!("the latitude is not written 15: {listed}")
    });
    r.finish();
}

/// The survey of actions_post.md and its response in action_responses.md: DOC-12, DOC-14.
#[tokio::test]
async fn connector_pages_survey_and_its_response() {
    let mut r = Run::new().await;
    let group = r.var("group");
    let a = r.replay("DOC-12", None).await;
    let v = r.ok("DOC-12", &a);
    r.keys("DOC-12", &v, "", &["referenceId", "actionId"]);
    // The same survey in strict JSON, should the sample not work (DOC-14 answers its questions).
    let strict = json!({"actionType": "Survey", "actionBody": {"isAnonymous": false, "isSenderOnly": false,
        "acceptMultipleResponses": true, "dueDate": 10, "title": "A test survey!!", "questions": [
            {"title": "a test question written here", "type": "Text"},
            {"title": "Single select question", "type": "SingleOption", "options": [{"title": "Opt1"}, {"title": "Opt2"}]},
            {"title": "Multi select question", "type": "MultiOption", "options": [{"title": "MOpt1"}, {"title": "MOpt2"}, {"title": "MOpt3"}]},
            {"title": "Numeric question", "type": "Numeric"},
            {"title": "Location question", "type": "Location"},
            {"title": "DateTime question", "type": "DateTime"},
            {"title": "Image question", "type": "Image"}]}});
    let survey = r
        .id_or(
            &v,
            "/actionId",
            "POST",
            &format!("groups/{group}/actions"),
            strict,
        )
        .await;
    r.set("survey", survey.clone());
    // ANS-15 (actions_get.md, Survey): actionId, title, responseCount, expiryDate.
    let (listed, _) = r.listed(&group, &survey).await;
    r.eq("DOC-12", &listed, "/actionType", json!("Survey"));
    r.has(
        "DOC-12",
        &listed,
        "/actionBody",
        &["actionId", "title", "responseCount", "expiryDate"],
    );
    r.eq(
        "DOC-12",
        &listed,
        "/actionBody/title",
        json!("A test survey!!"),
    );
    r.eq("DOC-12", &listed, "/actionBody/responseCount", json!(0));
    r.after(
        "DOC-12",
        &listed,
        "/actionBody/expiryDate",
        "/sentAt",
        10 * HOUR,
    );
    r.eq(
        "DOC-12",
        &listed,
        "/actionBody/questions/5/type",
        json!("DateTime"),
    );

    // DOC-14 (`Answers`, a location {lt, lg, n}, a live-service picture) → ANS-17: {responseId};
    // ANS-16 (actionDetails.md, Survey): actionId, title, responseCount, expiryDate.
    let a = r.replay("DOC-14", None).await;
    let v = r.ok("DOC-14", &a);
    r.keys("DOC-14", &v, "", &["responseId"]);
    let (_, d) =
        r.st.e
            .call(
                &r.st.admin,
                "GET",
                &format!("groups/{group}/actions/{survey}?getDetails=true"),
                None,
            )
            .await;
    r.has(
        "DOC-14",
        &d,
        "/actionDetails",
        &["actionId", "title", "responseCount", "expiryDate"],
    );
    r.eq("DOC-14", &d, "/actionDetails/responseCount", json!(1));
    r.eq(
        "DOC-14",
        &d,
        "/actionDetails/responses/0/responseName",
        json!("API response"),
    );
    r.eq(
        "DOC-14",
        &d,
        "/actionDetails/responses/0/answers/4",
        json!({"lt": 1, "lg": 1, "n": "cool"}),
    );
    r.finish();
}

/// reactions.md: DOC-15.
#[tokio::test]
async fn connector_pages_reaction() {
    let mut r = Run::new().await;
    let group = r.var("group");
    let m = r
        .prepare(
            "POST",
            &format!("groups/{group}/messages"),
            Some(json!({"message": "react to me"})),
        )
        .await;
    let message = text(&m, "/referenceId");
    r.set("message", message.clone());
    // DOC-15 (its two ids replaced) → ANS-18: {reactionId}.
    let a = r.replay("DOC-15", None).await;
    let v = r.ok("DOC-15", &a);
    r.keys("DOC-15", &v, "", &["reactionId"]);
    // ANS-19 (reactions.md): summary [{referenceId, reactionsCountMap {like, comment}}].
    let (_, s) =
        r.st.e
            .call(
                &r.st.admin,
                "GET",
                &format!("groups/{group}/reaction/{message}/summary?sourceGroupId={group}"),
                None,
            )
            .await;
    r.eq("DOC-15", &s, "/summary/0/referenceId", json!(message));
    r.eq(
        "DOC-15",
        &s,
        "/summary/0/reactionsCountMap",
        json!({"like": 0, "comment": 1}),
    );
    r.finish();
}

/// webHooks.md: DOC-16, DOC-17, DOC-18.
#[tokio::test]
async fn connector_pages_webhooks() {
    let mut r = Run::new().await;
    let group = r.var("group");
    // DOC-16 (objectId and callBackUrl replaced) → ANS-20: {webhookId}.
    let a = r.replay("DOC-16", None).await;
    let v = r.ok("DOC-16", &a);
    r.keys("DOC-16", &v, "", &["webhookId"]);
    let plain = json!({"objectId": group, "objectType": "Group",
        "eventTypes": ["TextMessageCreated"], "callBackUrl": r.var("inbox"),
        "callBackToken": "tokenToBeVerifiedByCallback"});
    let hook = r.id_or(&v, "/webhookId", "POST", "webhook", plain).await;
    r.set("webhook", hook.clone());
    // ANS-21 (webHooks.md "Sample JSON Response" and its table): id, objectId, objectType, events,
    // filters, callbackUrl, callbackToken, ts, validity, active, and callBackContext as registered.
    let list = r
        .prepare(
            "GET",
            &format!("webhook?objectId={group}&objectType=Group"),
            None,
        )
        .await;
    let h = list["webhooks"]
        .as_array()
        .and_then(|l| l.iter().find(|h| h["id"] == hook.as_str()).cloned())
        .unwrap_or(Value::Null);
    r.keys(
        "DOC-16",
        &h,
        "",
        &[
            "id",
            "objectId",
            "objectType",
            "events",
            "filters",
            "callbackUrl",
            "callbackToken",
            "callBackContext",
            "ts",
            "validity",
            "active",
        ],
    );
    r.eq("DOC-16", &h, "/objectId", json!(group));
    r.eq("DOC-16", &h, "/objectType", json!("Group"));
    r.eq(
        "DOC-16",
        &h,
        "/events",
        json!([
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
            "GroupRemoved"
        ]),
    );
    r.eq("DOC-16", &h, "/filters", json!([]));
    r.eq("DOC-16", &h, "/callbackUrl", json!(r.var("inbox")));
    r.eq(
        "DOC-16",
        &h,
        "/callbackToken",
        json!("tokenToBeVerifiedByCallback"),
    );
    r.eq(
        "DOC-16",
        &h,
        "/callBackContext",
        json!("Any data which is required to be returned in callback"),
    );
    r.eq("DOC-16", &h, "/active", json!(true));
    let epochs = h["ts"].is_i64() && h["validity"].as_i64() > h["ts"].as_i64();
    r.check("DOC-16", epochs, || {
        format!("ts and validity are not epoch ms: {h}")
    });

    // DOC-17 (leading spaces, "Active": "true") → {result: true} (choice W5).
    let a = r.replay("DOC-17", None).await;
    let v = r.ok("DOC-17", &a);
    r.eq("DOC-17", &v, "", json!({"result": true}));

    // DOC-18 (U+202F before "Active") re-enables a disabled webhook.
    r.prepare(
        "PUT",
        &format!("webhook/{hook}"),
        Some(json!({"Active": false})),
    )
    .await;
    let a = r.replay("DOC-18", None).await;
    let v = r.ok("DOC-18", &a);
    r.eq("DOC-18", &v, "", json!({"result": true}));
    let list = r
        .prepare(
            "GET",
            &format!("webhook?objectId={group}&objectType=Group"),
            None,
        )
        .await;
    let active = list["webhooks"]
        .as_array()
        .and_then(|l| l.iter().find(|h| h["id"] == hook.as_str()))
        .map(|h| h["active"].clone());
    r.check("DOC-18", active == Some(json!(true)), || {
        format!("not active again: {list}")
    });
    r.finish();
}

/// The swagger's sign-in examples: SW-20, SW-21, SW-24, SW-11, SW-16.
#[tokio::test]
async fn swagger_sign_in() {
    let mut r = Run::new().await;
    // SW-20 (one name unquoted) → ANS-03: `{}` exactly.
    let a = r.replay("SW-20", None).await;
    let v = r.ok("SW-20", &a);
    r.check("SW-20", a.text == "{}", || format!("answered {}", a.text));
    let _ = v;
    let pin = r.pin().await;
    r.set("pin", pin);
    // SW-21 (the PIN sent in place of 8876) → ANS-02: {refreshToken, grantedScope, refreshTokenExpiry}.
    let a = r.replay("SW-21", None).await;
    let v = r.ok("SW-21", &a);
    r.has(
        "SW-21",
        &v,
        "",
        &["refreshToken", "grantedScope", "refreshTokenExpiry"],
    );
    r.check(
        "SW-21",
        v["refreshTokenExpiry"].is_i64()
            && v["grantedScope"]
                .as_str()
                .is_some_and(|s| s.contains("groupinfo.read,")),
        || format!("{v}"),
    );
    if let Some(t) = v["refreshToken"].as_str() {
        r.set("refresh", t);
    }
    // SW-24 → ANS-01: {accessToken, endpointUrl, accessTokenExpiry (ms), scope, refreshToken?}.
    let a = r.replay("SW-24", None).await;
    let v = r.ok("SW-24", &a);
    r.has(
        "SW-24",
        &v,
        "",
        &["accessToken", "endpointUrl", "accessTokenExpiry", "scope"],
    );
    r.check(
        "SW-24",
        v["accessTokenExpiry"]
            .as_i64()
            .is_some_and(|t| t > 1_500_000_000_000),
        || format!("accessTokenExpiry is not epoch ms: {v}"),
    );
    // SW-11 → {} and SW-16 (the PIN sent) → the refresh token's answer.
    let a = r.replay("SW-11", None).await;
    r.ok("SW-11", &a);
    r.check("SW-11", a.text == "{}", || format!("answered {}", a.text));
    let pin = r.pin().await;
    r.set("pin", pin);
    let a = r.replay("SW-16", None).await;
    let v = r.ok("SW-16", &a);
    r.has(
        "SW-16",
        &v,
        "",
        &["refreshToken", "grantedScope", "refreshTokenExpiry"],
    );
    r.finish();
}

/// The swagger's group, member, subscriber, message and action examples, in the order a Postman
/// run of the collection makes them: SW-22, SW-02, SW-02b, SW-01, SW-08, SW-25, SW-04, SW-05,
/// SW-03, SW-13, SW-15, SW-18, SW-10, SW-19, SW-12, SW-27, SW-07, SW-14, SW-28.
#[tokio::test]
async fn swagger_groups_messages_and_actions() {
    let mut r = Run::new().await;
    r.set("mobile2", MEMBER);
    r.set("mobile3", "+919100000099");

    // SW-22 (unquoted names) → its expected answer: exactly groupId, groupName, membersAdded: true.
    let a = r.replay("SW-22", None).await;
    let v = r.ok("SW-22", &a);
    r.keys("SW-22", &v, "", &["groupId", "groupName", "membersAdded"]);
    r.eq("SW-22", &v, "/groupName", json!("Kaizala Test group"));
    r.eq("SW-22", &v, "/membersAdded", json!(true));
    let plain = json!({"name": "Kaizala Test group", "welcomeMessage": "w", "members": [MEMBER]});
    let group = r.id_or(&v, "/groupId", "POST", "groups", plain).await;
    r.set("testGroup", group.clone());

    // SW-02: a managed public group (definitions["Response - Create a group"]: membersAdded a bool).
    let a = r.replay("SW-02", None).await;
    let v = r.ok("SW-02", &a);
    r.eq("SW-02", &v, "/membersAdded", json!(true));
    let plain = json!({"name": "Kaizala Test Public Group", "welcomeMessage": "w", "groupType": "ConnectGroup"});
    let public = r.id_or(&v, "/groupId", "POST", "groups", plain).await;
    r.set("testPublicGroup", public.clone());
    let (_, g) =
        r.st.e
            .call(&r.st.admin, "GET", &format!("groups/{public}"), None)
            .await;
    r.eq("SW-02", &g, "/groups/0/groupType", json!("ConnectGroup"));

    // SW-02b: the same body at `/subgroups` creates a sub-group named by `name` (choice G3).
    let a = r.replay("SW-02b", None).await;
    let v = r.ok("SW-02b", &a);
    r.eq(
        "SW-02b",
        &v,
        "/groupName",
        json!("Kaizala Test Public Group"),
    );

    // SW-01: an existing group becomes a sub-group.
    let other = r
        .prepare(
            "POST",
            "groups",
            Some(json!({"name": "to attach", "welcomeMessage": "w"})),
        )
        .await;
    r.set("testSubGroup", text(&other, "/groupId"));
    let a = r.replay("SW-01", None).await;
    let v = r.ok("SW-01", &a);
    r.eq("SW-01", &v, "/result", json!(true));
    let tree = r
        .prepare("GET", &format!("groups/{group}/subGroups"), None)
        .await;
    let names: Vec<String> = tree["groups"][0]["subGroups"]
        .as_array()
        .map(|l| l.iter().map(|g| text(g, "/groupName")).collect())
        .unwrap_or_default();
    r.check("SW-01", names.contains(&"to attach".to_string()), || {
        format!("sub-groups {names:?}")
    });

    // SW-08 → {result: true}; SW-25 lists the new group.
    let a = r.replay("SW-08", None).await;
    let v = r.ok("SW-08", &a);
    r.eq("SW-08", &v, "/result", json!(true));
    let a = r.replay("SW-25", None).await;
    let v = r.ok("SW-25", &a);
    let listed = v["groups"]
        .as_array()
        .is_some_and(|l| l.iter().any(|g| g["groupId"] == group.as_str()));
    r.check("SW-25", listed, || {
        format!("the new group is not listed: {v}")
    });

    // Actions: each → {referenceId, actionId}.
    for id in [
        "SW-04", "SW-05", "SW-03", "SW-13", "SW-15", "SW-18", "SW-19",
    ] {
        let a = r.replay(id, None).await;
        let v = r.ok(id, &a);
        r.has(id, &v, "", &["referenceId", "actionId"]);
        let path = format!("groups/{group}/actions");
        let made = match id {
            "SW-04" => Some((
                "testAction",
                json!({"actionType": "Job", "actionBody": {"title": "test job", "assignedTo": [ORG_ADMIN], "dueDate": 10}}),
            )),
            "SW-18" => Some((
                "packageAction",
                json!({"id": "25b39b30-0806-4d17-b6a7-a39f21fa52e9", "actionBody": {"title": "override title"}}),
            )),
            _ => None,
        };
        if let Some((k, plain)) = made {
            let got = r.id_or(&v, "/actionId", "POST", &path, plain).await;
            r.set(k, got);
        }
    }
    // The job, the picture and the untitled announcement read back as documented.
    let job_id = r.var("testAction");
    let (job, _) = r.listed(&group, &job_id).await;
    r.eq("SW-04", &job, "/actionBody/assigneeCount", json!(1));
    r.eq("SW-04", &job, "/actionBody/title", json!("test job"));
    // SW-10 → ANS-17: {responseId}.
    let a = r.replay("SW-10", None).await;
    let v = r.ok("SW-10", &a);
    r.keys("SW-10", &v, "", &["responseId"]);
    // SW-12 → ANS-13: {referenceId}.
    let a = r.replay("SW-12", None).await;
    let v = r.ok("SW-12", &a);
    r.keys("SW-12", &v, "", &["referenceId"]);

    // Subscribers of the public group: SW-27 adds, SW-07 (at the auth root) and SW-14 send to
    // them, SW-28 removes.
    let a = r.replay("SW-27", None).await;
    let v = r.ok("SW-27", &a);
    r.eq(
        "SW-27",
        &v,
        "",
        json!({"result": {"+919100000099": {"isAdded": true}}}),
    );
    let a = r.replay("SW-07", None).await;
    let v = r.ok("SW-07", &a);
    r.keys("SW-07", &v, "", &["referenceId"]);
    let a = r.replay("SW-14", None).await;
    let v = r.ok("SW-14", &a);
    r.keys("SW-14", &v, "", &["referenceId", "actionId"]);
    let a = r.replay("SW-28", None).await;
    let v = r.ok("SW-28", &a);
    r.eq(
        "SW-28",
        &v,
        "",
        json!({"result": {"+919100000099": {"isRemoved": true}}}),
    );
    r.finish();
}

/// The swagger's webhook examples: SW-09, SW-17, SW-06, SW-23 (at the auth root, where the swagger
/// puts `POST /webhook`), SW-26.
#[tokio::test]
async fn swagger_webhooks() {
    let mut r = Run::new().await;
    let group = r.var("group");
    r.set("testGroup", group.clone());
    let poll = r
        .prepare(
            "POST",
            &format!("groups/{group}/actions"),
            Some(json!({"actionType": "Poll", "actionBody": {"question": "q", "choices": [{"title": "a"}, {"title": "b"}]}})),
        )
        .await;
    r.set("testAction", text(&poll, "/actionId"));
    let mut hooks = Vec::new();
    for id in ["SW-09", "SW-17", "SW-06", "SW-23"] {
        let a = r.replay(id, None).await;
        let v = r.ok(id, &a);
        r.keys(id, &v, "", &["webhookId"]);
        hooks.push(text(&v, "/webhookId"));
    }
    // SW-26 lists the group's webhook with the context it was registered with.
    let a = r.replay("SW-26", None).await;
    let v = r.ok("SW-26", &a);
    let h = v["webhooks"]
        .as_array()
        .and_then(|l| l.iter().find(|h| h["id"] == hooks[0].as_str()).cloned())
        .unwrap_or(Value::Null);
    r.eq(
        "SW-26",
        &h,
        "/callBackContext",
        json!("Any data which is required to be returned in callback. Current webhook data can be seen by refreshing: https://requestb.in/12786un1?inspect"),
    );
    r.eq("SW-26", &h, "/events/12", json!("GroupRemoved"));
    r.finish();
}

/// Every sample of the data is replayed by one of the tests above.
#[test]
fn every_sample_is_replayed() {
    let src = include_str!("conformance_docs.rs");
    for id in cases().keys() {
        assert!(
            src.contains(&format!("\"{id}\"")),
            "{id} is in the data but no test replays it"
        );
    }
}
