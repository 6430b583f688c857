//! Replaying requests that are written down as data (the community clients' calls in
//! tests/fixtures/): `${name}` values, the fixtures a call needs, sending byte for byte, and
//! reading an answer as a .NET client reads it.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::{Emu, Session, ORG_ADMIN};

/// A tiny PNG, for a file the emulator serves.
pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// The values `${name}` stands for in a request written as data.
#[derive(Default, Clone, Debug)]
pub struct Vars(pub HashMap<String, String>);

impl Vars {
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_string(), value.into());
    }

    pub fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("no value for ${{{name}}}"))
    }

    /// `text` with every `${name}` replaced; an unknown name is a mistake in the data.
    pub fn expand(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let end = after.find('}').expect("a closed ${…}");
            out.push_str(self.get(&after[..end]));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// An emulator with the demo tenant, its organisation admin signed in (the seeded user token),
/// and the values every replay uses.
pub struct Stage {
    pub e: Emu,
    pub admin: Session,
    pub vars: Vars,
}

pub async fn stage() -> Stage {
    let e = super::emu().await;
    let refresh = e.seed["userRefreshToken"].as_str().unwrap().to_string();
    let admin = e.mint(&e.app_id(), &e.app_secret(), &refresh).await;
    let mut vars = Vars::default();
    vars.set("origin", e.url.clone());
    vars.set("endpointUrl", admin.endpoint.clone());
    vars.set("token", admin.token.clone());
    vars.set("app", e.app_id());
    vars.set("secret", e.app_secret());
    vars.set("refresh", refresh);
    vars.set("mobile", ORG_ADMIN);
    vars.set("group", e.group("Contoso Relief"));
    vars.set("public", e.group("Contoso Updates"));
    vars.set("inbox", format!("{}/_emulator/inbox/conformance", e.url));
    Stage { e, admin, vars }
}

impl Stage {
    async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let r = self.e.call(&self.admin, method, path, Some(body)).await;
        assert_eq!(r.0, 200, "fixture {method} {path}: {}", r.1);
        r.1
    }

    /// Makes what a call needs and names it: `pin` (a PIN just sent to the admin's number),
    /// `member` (a member's id in the root group), `bot`, `newgroup` (a group to become a
    /// sub-group), `subgroup` (a sub-group of the root group), `action` (a poll there),
    /// `webhook` (on the root group), `mediafile` (a URL the emulator serves a picture at).
    pub async fn make(&mut self, need: &str) {
        let group = self.vars.get("group").to_string();
        let value = match need {
            "pin" => {
                let body = json!({"mobileNumber": ORG_ADMIN, "applicationId": self.e.app_id()});
                let (st, _) = self.e.raw("POST", "/v1/generatePin", Some(body)).await;
                assert_eq!(st, 200);
                let path = format!(
                    "/_emulator/sms?mobileNumber={}",
                    ORG_ADMIN.replace('+', "%2B")
                );
                let (_, sms) = self.e.raw("GET", &path, None).await;
                sms["messages"][0]["pin"].as_i64().unwrap().to_string()
            }
            "member" => {
                let r = self
                    .e
                    .call(&self.admin, "GET", &format!("groups/{group}/members"), None)
                    .await;
                let members = r.1["members"].as_array().cloned().unwrap_or_default();
                let m = members
                    .iter()
                    .rev()
                    .find(|m| m["role"] == "Member")
                    .unwrap();
                m["id"].as_str().unwrap().to_string()
            }
            "bot" => self.ok("POST", "bot", json!({"name": "fixture bot"})).await["botUserId"]
                .as_str()
                .unwrap()
                .to_string(),
            "newgroup" => {
                let b = json!({"name": "to be a sub-group", "welcomeMessage": "w"});
                self.ok("POST", "groups", b).await["groupId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
            "subgroup" => {
                let b = json!({"groupName": "to remove", "welcomeMessage": "w"});
                self.ok("POST", &format!("groups/{group}/subGroups"), b)
                    .await["groupId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
            "action" => {
                let b = json!({"actionType": "Poll", "actionBody": {"question": "q", "choices": [{"title": "a"}, {"title": "b"}]}});
                self.ok("POST", &format!("groups/{group}/actions"), b).await["actionId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
            "webhook" => {
                let b = json!({"objectId": group, "objectType": "Group",
                    "eventTypes": ["TextMessageCreated"], "callBackUrl": self.vars.get("inbox")});
                self.ok("POST", "webhook", b).await["webhookId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            }
            "mediafile" => {
                let part = reqwest::multipart::Part::bytes(PNG.to_vec())
                    .file_name("picture.png")
                    .mime_str("image/png")
                    .unwrap();
                let resp = self
                    .e
                    .http
                    .post(format!("{}v1/media", self.admin.endpoint))
                    .header("accessToken", &self.admin.token)
                    .multipart(reqwest::multipart::Form::new().part("file", part))
                    .send()
                    .await
                    .unwrap();
                let v: Value = resp.json().await.unwrap();
                let res = v["mediaResource"].as_str().unwrap();
                format!("{}/media/{res}/picture.png", self.e.url)
            }
            other => panic!("no fixture {other}"),
        };
        self.vars.set(need, value);
    }
}

/// A request as the client builds it, ready to send.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub url: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub text: String,
}

impl Answer {
    /// The body as JSON (Null when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn is_json(&self) -> bool {
        self.content_type.starts_with("application/json")
    }
}

/// Sends `r` as it stands: its headers only (the HTTP client adds its own transport headers),
/// its body byte for byte; no redirect is followed.
pub async fn send(http: &reqwest::Client, r: &Sent) -> Answer {
    let m = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
    let mut url = r.url.clone();
    if !r.query.is_empty() {
        let q = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&r.query)
            .finish();
        url = format!("{url}?{q}");
    }
    let mut req = http.request(m.clone(), &url);
    for (k, v) in &r.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    match &r.body {
        Some(b) => req = req.body(b.clone()),
        // A script's `data=""` on a POST, PUT or DELETE still says Content-Length: 0.
        None if m != reqwest::Method::GET => req = req.body(""),
        None => {}
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{} {}: {e}", r.method, r.url));
    let header = |n| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
    let location = header(reqwest::header::LOCATION);
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    Answer {
        status,
        content_type,
        location,
        text,
    }
}

/// The platform's error body: `errorCode`, `message`, `errorCategoryKey`, all non-empty strings.
pub fn is_platform_error(v: &Value) -> bool {
    ["errorCode", "message", "errorCategoryKey"]
        .iter()
        .all(|k| v[*k].as_str().is_some_and(|s| !s.is_empty()))
}

/// A property as Json.NET finds it for a model property: the exact name, else any case.
pub fn json_net_prop<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Whether Json.NET binds `v` to a property of `kind` (`string`, `bool`, `long`, `list`):
/// strings take any scalar; a bool or long takes its own kind, a number, or a string that reads
/// as one, but not null; a list takes an array or null.
pub fn json_net_binds(kind: &str, v: &Value) -> bool {
    match (kind, v) {
        ("string", Value::Object(_) | Value::Array(_)) => false,
        ("string", _) => true,
        ("bool", Value::Bool(_) | Value::Number(_)) => true,
        ("bool", Value::String(s)) => {
            s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false")
        }
        ("long", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        ("long", Value::String(s)) => s.trim().parse::<i64>().is_ok(),
        ("list", Value::Array(_) | Value::Null) => true,
        _ => false,
    }
}
