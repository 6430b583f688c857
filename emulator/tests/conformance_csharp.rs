//! The community C# client (PankajMS1987/Kaizala-API-DLL@c105c27) and the C# walkthrough in the
//! platform's docs (kaizala-docs@b87e116:Articles/Samples/Gettingstartedwith.docx), call by call,
//! against the emulator. Their requests are data (tests/fixtures/csharp_client.json: URL as the
//! client formats it, headers, the body JsonConvert writes); this file plays the client's part
//! around them as its source does it:
//!
//! - every answer is read with `ReadAsAsync<T>` (`CS:Util/APICallHandler.cs`): it needs a JSON
//!   content type and a JSON object, whatever the status, and binds the model's properties in any
//!   case (Json.NET);
//! - a call worked when `ErrorCode` is empty (`CS:Exceptions/ErrorValidator.cs`,
//!   `IsResponseValid`); the token expired when `ErrorCategoryKey`, `ErrorCode` and `Message`
//!   contain the three strings of `CS:Util/ErrorConstant.cs` (`IsAccessTokenExpired`), and then the
//!   client mints a new token and sends the call once more (`CS:Services/*.cs`);
//! - `API_ROOT` (`https://api.kaiza.la`) is the only thing changed: the emulator's origin.
//!
//! Two methods cannot work as written: `DeleteBotUser` throws while formatting its URL, before
//! anything is sent, and `UpdateBotUser` sends no bot id (`PUT {API_ROOT}/v1/bot`). Their tests say
//! so and assert what the emulator makes of what is (or would be) sent.

mod common;

use std::collections::HashMap;

use common::replay::{
    is_platform_error, json_net_binds, json_net_prop, send, stage, Answer, Sent, Stage, Vars,
};
use common::ORG_ADMIN;
use serde::Deserialize;
use serde_json::{Map, Value};

const CLIENT: &str = include_str!("fixtures/csharp_client.json");

/// `CS:Util/ErrorConstant.cs`, the strings the client matches on.
const INVALID_TOKEN_STRING: &str = "InvalidToken";
const AUTH_EXCEPTION_STRING: &str = "AuthException";
const INVALID_TOKEN_MESSAGE_STRING: &str =
    "Invalid token. Failure reason:Token validation failed due to unknown reason!";
const UNAUTHETICATED_ERROR_CODE_STRING: &str = "Unauthenticated";
const INCORRECT_APPID_SECRET_STRING: &str = "Dont have correct applicationId and secret in header!";
/// `CS:Util/Constants.cs` `MAX_SUBSCRIBER_COUNT`.
const MAX_SUBSCRIBER_COUNT: usize = 30;

#[derive(Deserialize)]
struct Doc {
    csharp: HashMap<String, Call>,
    models: HashMap<String, Vec<(String, String)>>,
    walkthrough: HashMap<String, Call>,
}

#[derive(Deserialize, Clone)]
struct Call {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    #[serde(default)]
    reads: Option<String>,
}

fn doc() -> Doc {
    serde_json::from_str(CLIENT).expect("tests/fixtures/csharp_client.json")
}

/// An answer as `ReadAsAsync<T>` left it: the model's properties (and `ErrorDetails`'), or why
/// the client would have thrown instead.
#[derive(Debug)]
struct Read {
    answer: Answer,
    fields: Map<String, Value>,
}

impl Read {
    fn text(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }

    /// `ErrorValidator.IsResponseValid`.
    fn is_response_valid(&self) -> bool {
        self.text("ErrorCode").is_none_or(str::is_empty)
    }

    /// `ErrorValidator.IsAccessTokenExpired`, which throws a NullReferenceException on an error
    /// without a category (or, past the first two checks, without a message).
    fn is_access_token_expired(&self) -> Result<bool, String> {
        let code = self.text("ErrorCode").unwrap_or_default();
        if code.is_empty() {
            return Ok(false);
        }
        let npe = |what: &str| format!("NullReferenceException: no {what} in {}", self.answer.text);
        let category = self
            .text("ErrorCategoryKey")
            .ok_or_else(|| npe("ErrorCategoryKey"))?;
        if !category.contains(AUTH_EXCEPTION_STRING) || !code.contains(INVALID_TOKEN_STRING) {
            return Ok(false);
        }
        let message = self.text("Message").ok_or_else(|| npe("Message"))?;
        Ok(message.contains(INVALID_TOKEN_MESSAGE_STRING))
    }
}

/// The client's side of the conversation: its session (`CS:KaizalaSession.cs`) and its calls.
struct Client<'a> {
    doc: &'a Doc,
    st: &'a Stage,
    /// `KaizalaSession.AccessToken` and `ApiRoot` (the endpoint URL as answered).
    access_token: String,
    api_end_point: String,
    refresh_token: String,
    /// Every request sent, in order (method and URL).
    sent: Vec<(String, String)>,
}

impl<'a> Client<'a> {
    /// `new KaizalaSession(appId, appSecret, refreshToken)`: mints its first access token.
    async fn session(doc: &'a Doc, st: &'a Stage) -> Client<'a> {
        let mut c = Client {
            doc,
            st,
            access_token: String::new(),
            api_end_point: String::new(),
            refresh_token: st.vars.get("refresh").to_string(),
            sent: Vec::new(),
        };
        c.generate_access_token().await.expect("the session starts");
        c
    }

    /// One call as `APICallHandler` makes it, read as `ReadAsAsync<T>` reads it.
    async fn call(&mut self, name: &str, values: &[(&str, &str)]) -> Result<Read, String> {
        let call = self
            .doc
            .csharp
            .get(name)
            .or_else(|| self.doc.walkthrough.get(name))
            .unwrap_or_else(|| panic!("no call {name}"))
            .clone();
        let mut vars = self.st.vars.clone();
        vars.set("API_ROOT", self.st.e.url.clone());
        vars.set("EndpointUrl", self.api_end_point.clone());
        vars.set("token", self.access_token.clone());
        vars.set("refresh", self.refresh_token.clone());
        for (k, v) in values {
            vars.set(k, *v);
        }
        let sent = Sent {
            method: call.method.clone(),
            url: vars.expand(&call.url),
            query: Vec::new(),
            headers: call
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), vars.expand(v)))
                .collect(),
            body: call.body.as_deref().map(|b| vars.expand(b)),
        };
        self.sent.push((sent.method.clone(), sent.url.clone()));
        let answer = send(&self.st.e.http, &sent).await;
        read(
            self.doc,
            call.reads.as_deref().unwrap_or("ErrorDetails"),
            answer,
        )
    }

    /// `KaizalaSession.GenerateAccessToken`: any ErrorCode stops it (`AuthenticationException`).
    async fn generate_access_token(&mut self) -> Result<(), String> {
        let r = self.call("GetAccessToken", &[]).await?;
        if let Some(code) = r.text("ErrorCode") {
            return Err(format!(
                "AuthenticationException({code}, {})",
                r.text("Message").unwrap_or_default()
            ));
        }
        self.access_token = r.text("AccessToken").unwrap_or_default().to_string();
        self.api_end_point = r.text("EndpointUrl").unwrap_or_default().to_string();
        if let Some(rt) = r.text("RefreshToken").filter(|t| !t.is_empty()) {
            self.refresh_token = rt.to_string();
        }
        Ok(())
    }

    /// A call, and once more with a new token when the answer says the token expired; `again`
    /// names the call the client sends then (SendSingleMessage sends it to API_ROOT).
    async fn with_refresh(
        &mut self,
        name: &str,
        again: &str,
        values: &[(&str, &str)],
    ) -> Result<Read, String> {
        let r = self.call(name, values).await?;
        if !r.is_response_valid() && r.is_access_token_expired()? {
            self.generate_access_token().await?;
            return self.call(again, values).await;
        }
        Ok(r)
    }

    /// `IContentCreationAPIStub.SendMessage`: one call per 30 subscribers, each refreshed once.
    async fn send_message(
        &mut self,
        group: &str,
        text: &str,
        subscribers: Option<&[String]>,
    ) -> Vec<Result<Read, String>> {
        let batches: Vec<String> = match subscribers {
            None | Some([]) => vec!["null".into()],
            Some(all) => all
                .chunks(MAX_SUBSCRIBER_COUNT)
                .map(|c| serde_json::to_string(c).unwrap())
                .collect(),
        };
        let mut out = Vec::new();
        for subs in batches {
            let values = [
                ("group", group),
                ("text", text),
                ("subscribers", subs.as_str()),
                ("all", "false"),
            ];
            out.push(
                self.with_refresh("SendMessage", "SendMessageRetry", &values)
                    .await,
            );
        }
        out
    }
}

/// `ReadAsAsync<T>` with Json.NET: a JSON content type and a JSON object, each of the model's
/// properties (found in any case) of a type Json.NET binds.
fn read(doc: &Doc, model: &str, answer: Answer) -> Result<Read, String> {
    let is_json = ["application/json", "text/json"]
        .iter()
        .any(|t| answer.content_type.starts_with(t));
    if !is_json {
        return Err(format!(
            "ReadAsAsync<{model}> throws on the content type {:?} (HTTP {} {})",
            answer.content_type, answer.status, answer.text
        ));
    }
    let Value::Object(obj) = answer.json() else {
        return Err(format!(
            "ReadAsAsync<{model}> gives no object (HTTP {} {:?}): NullReferenceException",
            answer.status, answer.text
        ));
    };
    let mut fields = Map::new();
    for (name, kind) in doc.models["ErrorDetails"].iter().chain(&doc.models[model]) {
        if let Some(v) = json_net_prop(&obj, name) {
            if !json_net_binds(kind, v) {
                return Err(format!(
                    "Json.NET cannot bind {v} to {model}.{name} ({kind})"
                ));
            }
            if !v.is_null() {
                fields.insert(name.clone(), v.clone());
            }
        }
    }
    Ok(Read { answer, fields })
}

fn ok(r: Result<Read, String>, what: &str) -> Read {
    let r = r.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        r.is_response_valid(),
        "{what}: ErrorCode {:?} (HTTP {} {})",
        r.text("ErrorCode"),
        r.answer.status,
        r.answer.text
    );
    r
}

/// What `/_emulator/export` holds for a message (a list of them) or an action (keyed by id).
async fn message(st: &Stage, reference_id: &str) -> Value {
    let (_, world) = st.e.raw("GET", "/_emulator/export", None).await;
    world["messages"]
        .as_array()
        .and_then(|l| l.iter().find(|m| m["reference_id"] == reference_id))
        .cloned()
        .unwrap_or(Value::Null)
}

async fn action(st: &Stage, id: &str) -> Value {
    let (_, world) = st.e.raw("GET", "/_emulator/export", None).await;
    world["actions"][id].clone()
}

/// A bool as Json.NET binds one (a number is true when it is not 0).
fn json_net_bool(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => s.to_ascii_lowercase().parse().ok(),
        _ => None,
    }
}

fn subscriber(i: usize) -> String {
    format!("+9191000000{i:02}")
}

#[tokio::test]
async fn the_session_starts_and_reads_the_token_answer() {
    let doc = doc();
    let st = stage().await;
    let c = Client::session(&doc, &st).await;
    assert!(!c.access_token.is_empty());
    assert_eq!(c.api_end_point, st.vars.get("endpointUrl"));
    assert!(c.api_end_point.ends_with('/'));
    assert_eq!(
        c.sent,
        [("GET".into(), format!("{}/v1/accessToken", st.e.url))]
    );
}

#[tokio::test]
async fn a_wrong_secret_stops_the_session_with_the_platforms_words() {
    let doc = doc();
    let mut st = stage().await;
    st.vars.set("secret", "not-the-secret");
    let mut c = Client {
        doc: &doc,
        st: &st,
        access_token: String::new(),
        api_end_point: String::new(),
        refresh_token: st.vars.get("refresh").to_string(),
        sent: Vec::new(),
    };
    let e = c.generate_access_token().await.unwrap_err();
    assert_eq!(
        e,
        format!("AuthenticationException({UNAUTHETICATED_ERROR_CODE_STRING}, {INCORRECT_APPID_SECRET_STRING})")
    );
}

#[tokio::test]
async fn send_message_at_the_endpoint_url_as_answered() {
    let doc = doc();
    let st = stage().await;
    let mut c = Client::session(&doc, &st).await;
    let group = st.vars.get("group").to_string();
    let rs = c.send_message(&group, "hello from C#", None).await;
    assert_eq!(rs.len(), 1);
    let r = ok(rs.into_iter().next().unwrap(), "SendMessage");
    let id = r.text("ReferenceId").expect("ReferenceId").to_string();
    // The endpoint URL ends in /, so the client's path has a double slash.
    assert!(c.sent[1].1.contains("/inc-000//v1/groups/"), "{:?}", c.sent);
    let m = message(&st, &id).await;
    assert_eq!(m["text"], "hello from C#");
    assert_eq!(m["recipients"], serde_json::json!([]), "to the whole group");
}

#[tokio::test]
async fn send_message_to_listed_subscribers_in_calls_of_thirty() {
    let doc = doc();
    let mut st = stage().await;
    st.vars.set("group", st.vars.get("public").to_string());
    let mut c = Client::session(&doc, &st).await;
    let group = st.vars.get("group").to_string();
    let numbers: Vec<String> = (1..=31).map(subscriber).collect();
    let rs = c
        .send_message(&group, "to subscribers", Some(&numbers))
        .await;
    assert_eq!(rs.len(), 2, "30, then 1");
    let mut sizes = Vec::new();
    for r in rs {
        let r = ok(r, "SendMessage to subscribers");
        let m = message(&st, r.text("ReferenceId").unwrap()).await;
        // Subscribers (in PascalCase) is read: the message goes to them, not to the group.
        sizes.push(m["recipients"].as_array().map_or(0, Vec::len));
    }
    assert_eq!(sizes, [30, 1]);
}

#[tokio::test]
async fn send_action_announcement_and_survey_as_the_models_write_them() {
    let doc = doc();
    let st = stage().await;
    let mut c = Client::session(&doc, &st).await;
    let group = st.vars.get("group").to_string();
    let values = [
        ("group", group.as_str()),
        ("title", "Test Title"),
        ("text", "Test Body"),
        ("media", "null"),
        ("subscribers", "null"),
        ("all", "false"),
    ];
    let r = ok(
        c.with_refresh("SendActionAnnouncement", "SendActionAnnouncement", &values)
            .await,
        "SendAction Announcement",
    );
    let id = r.text("ActionId").expect("ActionId").to_string();
    assert_eq!(r.text("ReferenceId"), Some(id.as_str()));
    let a = action(&st, &id).await;
    assert_eq!(a["action_type"], "Announcement", "{a}");
    assert_eq!(a["body"]["title"], "Test Title", "{a}");
    assert_eq!(a["body"]["message"], "Test Body", "{a}");
    // Every QuestionType, DueDate 0 ("none"), and each Visibility the model allows.
    for visibility in ["null", "\"0\"", "\"1\""] {
        let values = [
            ("group", group.as_str()),
            ("title", "Survey from C#"),
            ("visibility", visibility),
        ];
        let r = ok(
            c.with_refresh("SendActionSurvey", "SendActionSurvey", &values)
                .await,
            "SendAction Survey",
        );
        let a = action(&st, r.text("ActionId").unwrap()).await;
        assert_eq!(a["action_type"], "Survey", "{a}");
        let types: Vec<&str> = a["body"]["questions"]
            .as_array()
            .map(|q| q.iter().filter_map(|q| q["type"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            types,
            [
                "Text",
                "SingleOption",
                "MultiOption",
                "Numeric",
                "Location",
                "DateTime",
                "Image"
            ],
            "{a}"
        );
        assert_eq!(a["body"]["questions"][1]["options"][1]["title"], "B", "{a}");
    }
}

#[tokio::test]
async fn create_group_at_the_auth_root() {
    let doc = doc();
    let st = stage().await;
    let mut c = Client::session(&doc, &st).await;
    let values = [("title", "Group from C#"), ("text", "Welcome")];
    let r = ok(c.call("CreateGroup", &values).await, "CreateGroup");
    assert_eq!(c.sent[1].1, format!("{}/v1/groups", st.e.url));
    assert_eq!(r.text("groupName"), Some("Group from C#"));
    assert_eq!(json_net_bool(r.fields.get("membersAdded")), Some(true));
    let id = r.text("groupId").unwrap();
    let m =
        st.e.call(&st.admin, "GET", &format!("groups/{id}/members"), None)
            .await;
    assert!(m.1["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["mobileNumber"] == "+911000000010"));
}

#[tokio::test]
async fn bots_are_created_listed_given_tokens_added_and_speak() {
    let doc = doc();
    let st = stage().await;
    let mut c = Client::session(&doc, &st).await;
    let r = ok(
        c.with_refresh("CreateBotUser", "CreateBotUser", &[("title", "C# bot")])
            .await,
        "CreateBotUser",
    );
    let bot = r.text("BotUserId").expect("BotUserId").to_string();
    let r = ok(
        c.with_refresh("GetBotUsers", "GetBotUsers", &[]).await,
        "GetBotUsers",
    );
    let bots = r.fields["Bots"].as_array().unwrap();
    let listed = bots
        .iter()
        .find(|b| {
            json_net_prop(b.as_object().unwrap(), "BotUserId") == Some(&Value::from(bot.clone()))
        })
        .expect("the new bot is listed");
    for (name, kind) in &doc.models["Bot"] {
        let v = json_net_prop(listed.as_object().unwrap(), name);
        assert!(
            v.is_some_and(|v| json_net_binds(kind, v)),
            "Bot.{name}: {listed}"
        );
    }
    let group = st.vars.get("group").to_string();
    let values = [("bot", bot.as_str()), ("group", group.as_str())];
    ok(
        c.with_refresh("AddBotUserToGroup", "AddBotUserToGroup", &values)
            .await,
        "AddBotUserToGroup",
    );
    let r = ok(
        c.with_refresh("GenerateBotAccessToken", "GenerateBotAccessToken", &values)
            .await,
        "GenerateAccessToken(bot)",
    );
    assert!(r.fields["accessTokenExpiry"].is_i64());
    // A BotUserSession: the bot's token, the owner's endpoint (CS:BotUserSession.cs).
    let mut as_bot = Client {
        access_token: r.text("accessToken").unwrap().to_string(),
        api_end_point: c.api_end_point.clone(),
        refresh_token: String::new(),
        sent: Vec::new(),
        ..c
    };
    let rs = as_bot.send_message(&group, "from the bot", None).await;
    let r = ok(rs.into_iter().next().unwrap(), "a bot's SendMessage");
    let m = message(&st, r.text("ReferenceId").unwrap()).await;
    assert_eq!(m["sender_id"], bot.as_str(), "{m}");
}

#[tokio::test]
async fn update_bot_user_sends_no_id_and_reads_the_refusal() {
    // CS:Services/BotAPIStubImpl.cs UpdateBotUser formats CREATE_BOT_USER_URL: `PUT {API_ROOT}/v1/bot`
    // with no bot id can never update a bot. What the client gets is a refusal it can read.
    let doc = doc();
    let st = stage().await;
    let mut c = Client::session(&doc, &st).await;
    let r = c
        .with_refresh("UpdateBotUser", "UpdateBotUser", &[("title", "renamed")])
        .await
        .expect("the answer is read, not thrown on");
    assert_eq!(r.answer.status, 405);
    assert!(is_platform_error(&r.answer.json()), "{}", r.answer.text);
    assert!(!r.is_response_valid());
    assert_eq!(r.text("ErrorCode"), Some("MethodNotAllowed"));
    assert_eq!(r.is_access_token_expired(), Ok(false));
}

#[tokio::test]
async fn delete_bot_user_sends_nothing_but_the_call_it_means_works() {
    // CS:Services/BotAPIStubImpl.cs DeleteBotUser formats UPDATE_BOT_USER_URL ("{0}/v1/bot/{1}")
    // with one argument: string.Format throws a FormatException before any request is made. The
    // call it means, `DELETE {API_ROOT}/v1/bot/{id}` with its headers, works.
    let doc = doc();
    let mut st = stage().await;
    st.make("bot").await;
    let c = Client::session(&doc, &st).await;
    let sent = Sent {
        method: "DELETE".into(),
        url: format!("{}/v1/bot/{}", st.e.url, st.vars.get("bot")),
        query: Vec::new(),
        headers: vec![
            ("Accept".into(), "application/json".into()),
            ("accessToken".into(), c.access_token.clone()),
        ],
        body: None,
    };
    let r = ok(
        read(&doc, "CreateBotUserResponse", send(&st.e.http, &sent).await),
        "DELETE bot",
    );
    assert_eq!(r.answer.status, 200);
}

#[tokio::test]
async fn an_expired_token_is_read_refreshed_and_the_call_sent_again() {
    let doc = doc();
    let st = stage().await;
    let mut c = Client::session(&doc, &st).await;
    let group = st.vars.get("group").to_string();
    let first = c.access_token.clone();
    st.e.advance(25 * 3600 * 1000).await;

    // SendMessage: the expiry answer, a new token, the message again (at API_ROOT).
    let rs = c.send_message(&group, "after a day", None).await;
    let r = ok(rs.into_iter().next().unwrap(), "SendMessage after expiry");
    assert!(r.text("ReferenceId").is_some());
    assert_ne!(c.access_token, first, "a new token was minted");
    let urls: Vec<&str> = c.sent.iter().map(|(_, u)| u.as_str()).collect();
    assert_eq!(urls.len(), 4, "{urls:?}");
    assert!(urls[1].contains("/inc-000//v1/groups/"));
    assert!(urls[2].ends_with("/v1/accessToken"));
    assert_eq!(urls[3], format!("{}/v1/groups/{group}/messages", st.e.url));

    // What the expired token was answered with, as the client matched it.
    st.e.advance(25 * 3600 * 1000).await;
    let values = [
        ("group", group.as_str()),
        ("text", "m"),
        ("subscribers", "null"),
        ("all", "false"),
    ];
    let r = c.call("SendMessage", &values).await.unwrap();
    assert_eq!(r.answer.status, 401);
    assert_eq!(r.text("ErrorCode"), Some(INVALID_TOKEN_STRING));
    assert_eq!(r.text("ErrorCategoryKey"), Some(AUTH_EXCEPTION_STRING));
    assert_eq!(r.text("Message"), Some(INVALID_TOKEN_MESSAGE_STRING));
    assert_eq!(r.is_access_token_expired(), Ok(true));

    // SendAction refreshes and sends to the endpoint again; a bot call to API_ROOT.
    let values = [
        ("group", group.as_str()),
        ("title", "T"),
        ("text", "B"),
        ("media", "null"),
        ("subscribers", "null"),
        ("all", "false"),
    ];
    ok(
        c.with_refresh("SendActionAnnouncement", "SendActionAnnouncement", &values)
            .await,
        "SendAction after expiry",
    );
    st.e.advance(25 * 3600 * 1000).await;
    ok(
        c.with_refresh("GetBotUsers", "GetBotUsers", &[]).await,
        "GetBotUsers after expiry",
    );
    // CreateGroup does not refresh: the client hands the expiry answer back, readable.
    st.e.advance(25 * 3600 * 1000).await;
    let r = c
        .call("CreateGroup", &[("title", "G"), ("text", "W")])
        .await
        .unwrap();
    assert!(!r.is_response_valid());
    assert_eq!(r.is_access_token_expired(), Ok(true));
}

#[tokio::test]
async fn a_bot_session_renews_its_token_through_its_owner() {
    // CS:BotUserSession.cs GenerateAccessToken and CS:Services/BotAPIStubImpl.cs
    // GenerateAccessToken: the bot's token is asked for with the owner's token, which is renewed
    // first when it expired.
    let doc = doc();
    let mut st = stage().await;
    st.make("bot").await;
    let mut owner = Client::session(&doc, &st).await;
    let group = st.vars.get("group").to_string();
    let bot = st.vars.get("bot").to_string();
    let values = [("bot", bot.as_str()), ("group", group.as_str())];
    ok(
        owner.call("AddBotUserToGroup", &values).await,
        "AddBotUserToGroup",
    );
    st.e.advance(25 * 3600 * 1000).await;
    let r = ok(
        owner
            .with_refresh("GenerateBotAccessToken", "GenerateBotAccessToken", &values)
            .await,
        "the bot's token with an expired owner token",
    );
    let mut as_bot = Client {
        access_token: r.text("accessToken").unwrap().to_string(),
        api_end_point: owner.api_end_point.clone(),
        refresh_token: String::new(),
        sent: Vec::new(),
        ..owner
    };
    let rs = as_bot.send_message(&group, "bot after renewal", None).await;
    ok(rs.into_iter().next().unwrap(), "the bot's SendMessage");
}

#[tokio::test]
async fn a_user_of_another_region_is_sent_on_from_the_auth_root() {
    // The client calls API_ROOT for groups and bots; for a user whose endpoint is not the default
    // one the auth root answers 308 with the same call at the user's endpoint, which HttpClient
    // follows with the same method, headers and body.
    let doc = doc();
    let st = stage().await;
    let (status, moved) =
        st.e.raw(
            "POST",
            "/_emulator/relocate",
            Some(serde_json::json!({"mobileNumber": ORG_ADMIN})),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    let mut c = Client::session(&doc, &st).await;
    assert!(c.api_end_point.contains("/inc-001/"), "{}", c.api_end_point);
    let r = c
        .call("CreateGroup", &[("title", "moved"), ("text", "w")])
        .await
        .unwrap();
    assert_eq!(r.answer.status, 308);
    let location = r.answer.location.clone().expect("Location");
    assert_eq!(location, format!("{}v1/groups", c.api_end_point));
    let call = &doc.csharp["CreateGroup"];
    let mut vars = Vars::default();
    vars.set("token", c.access_token.clone());
    vars.set("title", "moved");
    vars.set("text", "w");
    let again = Sent {
        method: call.method.clone(),
        url: location,
        query: Vec::new(),
        headers: call
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), vars.expand(v)))
            .collect(),
        body: call.body.as_deref().map(|b| vars.expand(b)),
    };
    let r = ok(
        read(&doc, "CreateGroupResponse", send(&st.e.http, &again).await),
        "CreateGroup at the user's endpoint",
    );
    assert_eq!(r.text("groupName"), Some("moved"));
}

#[tokio::test]
async fn the_walkthrough_signs_in_creates_a_group_and_posts_to_it() {
    // kaizala-docs@b87e116:Articles/Samples/Gettingstartedwith.docx, steps 3 to 7 (RestSharp):
    // unquoted property names, lower-case headers, `endpointUrl + "/v1/groups"`.
    let doc = doc();
    let mut st = stage().await;
    st.vars.set("API_ROOT", st.e.url.clone());
    st.vars.set("mobile2", "+911000000011");
    let step = |name: &str, st: &Stage| {
        let call = &doc.walkthrough[name];
        Sent {
            method: call.method.clone(),
            url: st.vars.expand(&call.url),
            query: Vec::new(),
            headers: call
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), st.vars.expand(v)))
                .collect(),
            body: call.body.as_deref().map(|b| st.vars.expand(b)),
        }
    };
    let a = send(&st.e.http, &step("generatePin", &st)).await;
    assert_eq!(
        (a.status, a.json()),
        (200, serde_json::json!({})),
        "{}",
        a.text
    );
    let (_, sms) =
        st.e.raw(
            "GET",
            &format!(
                "/_emulator/sms?mobileNumber={}",
                ORG_ADMIN.replace('+', "%2B")
            ),
            None,
        )
        .await;
    st.vars.set(
        "pin",
        sms["messages"][0]["pin"].as_i64().unwrap().to_string(),
    );
    let a = send(&st.e.http, &step("loginWithPinAndApplicationId", &st)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    st.vars
        .set("refresh", a.json()["refreshToken"].as_str().unwrap());
    let a = send(&st.e.http, &step("accessToken", &st)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let t = a.json();
    st.vars.set("token", t["accessToken"].as_str().unwrap());
    st.vars
        .set("endpointUrl", t["endpointUrl"].as_str().unwrap());
    let a = send(&st.e.http, &step("createGroup", &st)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let created = a.json();
    assert_eq!(created["groupName"], "Kaizala Test group");
    assert_eq!(
        json_net_bool(created.get("membersAdded")),
        Some(true),
        "{created}"
    );
    st.vars.set("group", created["groupId"].as_str().unwrap());
    let a = send(&st.e.http, &step("sendMessage", &st)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert!(a.json()["referenceId"].is_string());
}

#[test]
fn every_call_is_a_case() {
    let doc = doc();
    let mut calls: Vec<&str> = doc.csharp.keys().map(String::as_str).collect();
    calls.sort_unstable();
    assert_eq!(
        calls,
        [
            "AddBotUserToGroup",
            "CreateBotUser",
            "CreateGroup",
            "GenerateBotAccessToken",
            "GetAccessToken",
            "GetBotUsers",
            "SendActionAnnouncement",
            "SendActionSurvey",
            "SendMessage",
            "SendMessageRetry",
            "UpdateBotUser",
        ]
    );
    let mut steps: Vec<&str> = doc.walkthrough.keys().map(String::as_str).collect();
    steps.sort_unstable();
    assert_eq!(
        steps,
        [
            "accessToken",
            "createGroup",
            "generatePin",
            "loginWithPinAndApplicationId",
            "sendMessage"
        ]
    );
    for call in doc.csharp.values() {
        let model = call.reads.as_deref().unwrap();
        assert!(doc.models.contains_key(model), "{model}");
    }
}
