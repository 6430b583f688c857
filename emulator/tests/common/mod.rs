//! Shared test support: an emulator on a free port, tokens for the demo tenant's users, JSON calls.
#![allow(dead_code)]

pub mod replay;

use kaizala_emulator::{start, Config, Running};
use serde_json::{json, Value};

pub const ORG_ADMIN: &str = "+911000000001";
pub const GROUP_ADMIN_NORTH: &str = "+911000000002";
pub const GROUP_ADMIN_SOUTH: &str = "+911000000003";
/// The first of the twelve members (+911000000010 … +911000000021).
pub const MEMBER: &str = "+911000000010";
pub const MEMBER_SOUTH: &str = "+911000000016";

pub struct Emu {
    pub running: Running,
    pub url: String,
    pub http: reqwest::Client,
    pub seed: Value,
}

pub fn test_config() -> Config {
    Config {
        port: 0,
        connector_limit: 100_000,
        tenant_limit: 100_000,
        webhook_backoff_ms: 40,
        validation_timeout_ms: 2_000,
        quiet: true,
        ..Config::default()
    }
}

pub async fn emu() -> Emu {
    emu_with(test_config()).await
}

pub async fn emu_with(config: Config) -> Emu {
    let running = start(config).await.expect("emulator starts");
    let url = running.url.clone();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let seed: Value = http
        .get(format!("{url}/_emulator/seed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Emu {
        running,
        url,
        http,
        seed,
    }
}

/// A signed-in user of the demo tenant: an access token and that user's endpoint URL.
pub struct Session {
    pub token: String,
    pub endpoint: String,
}

impl Emu {
    pub fn app_id(&self) -> String {
        self.seed["applicationId"].as_str().unwrap().to_string()
    }
    pub fn app_secret(&self) -> String {
        self.seed["applicationSecret"].as_str().unwrap().to_string()
    }
    /// The id of a seeded group by name ("Contoso Relief", "North Region", "South Region",
    /// "North Field Team", "South Field Team", "Contoso Updates" — the public one).
    pub fn group(&self, name: &str) -> String {
        self.seed["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["groupName"] == name)
            .unwrap_or_else(|| panic!("no seeded group {name}"))["groupId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// `mobile` signed in to the demo connector, with an access token.
    pub async fn login(&self, mobile: &str) -> Session {
        self.login_with(mobile, &self.app_id(), &self.app_secret())
            .await
    }

    /// Signs `mobile` in with a PIN (generatePin, the SMS outbox, loginWithPinAndApplicationId), so
    /// the seeded user and group tokens stay valid.
    pub async fn login_with(&self, mobile: &str, app_id: &str, secret: &str) -> Session {
        let (st, _) = self
            .raw(
                "POST",
                "/v1/generatePin",
                Some(json!({"mobileNumber": mobile, "applicationId": app_id})),
            )
            .await;
        assert_eq!(st, 200, "generatePin for {mobile}");
        let (_, sms) = self
            .raw(
                "GET",
                &format!("/_emulator/sms?mobileNumber={}", mobile.replace('+', "%2B")),
                None,
            )
            .await;
        let pin = sms["messages"][0]["pin"].as_i64().expect("a PIN was sent");
        let (st, login) = self
            .raw(
                "POST",
                "/v1/loginWithPinAndApplicationId",
                Some(json!({"mobileNumber": mobile, "applicationId": app_id, "pin": pin})),
            )
            .await;
        assert_eq!(st, 200, "PIN login for {mobile}: {login}");
        let refresh = login["refreshToken"]
            .as_str()
            .expect("refresh token")
            .to_string();
        self.mint(app_id, secret, &refresh).await
    }

    pub async fn mint(&self, app_id: &str, secret: &str, refresh: &str) -> Session {
        let resp = self
            .http
            .get(format!("{}/v1/accessToken", self.url))
            .header("applicationId", app_id)
            .header("applicationSecret", secret)
            .header("refreshToken", refresh)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "minting an access token");
        let body: Value = resp.json().await.unwrap();
        Session {
            token: body["accessToken"].as_str().unwrap().to_string(),
            endpoint: body["endpointUrl"].as_str().unwrap().to_string(),
        }
    }

    /// A resource call: `path` is relative to `{endpointUrl}v1/`. Returns (status, JSON body or Null).
    pub async fn call(
        &self,
        s: &Session,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}v1/{}", s.endpoint, path.trim_start_matches('/'));
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(m, url).header("accessToken", &s.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A dev-API or other call by absolute path on the emulator's origin.
    pub async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(m, format!("{}{}", self.url, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn advance(&self, ms: i64) {
        let (st, _) = self
            .raw("POST", "/_emulator/clock", Some(json!({"advanceMs": ms})))
            .await;
        assert_eq!(st, 200);
    }
}

/// Asserts a refusal: the status, and the platform's error body: `errorCode`, `message` and
/// `errorCategoryKey`, all strings (docs/platform.md, errors).
pub fn assert_error(resp: &(u16, Value), status: u16) {
    assert_eq!(
        resp.0, status,
        "expected {status}, got {} {}",
        resp.0, resp.1
    );
    for key in ["errorCode", "message", "errorCategoryKey"] {
        assert!(
            resp.1[key].as_str().is_some_and(|s| !s.is_empty()),
            "error body shape ({key}): {}",
            resp.1
        );
    }
}

/// The `field` an error body names (the input to blame), if any.
pub fn error_field(resp: &(u16, Value)) -> Option<&str> {
    resp.1["field"].as_str()
}
