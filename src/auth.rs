//! Sign-in calls: PIN login, minting access tokens, the OAuth authorize URL, code parsing and exchange.

use crate::error::{Error, ErrorCode};
use crate::operations;
use crate::request::{
    decode_component, encode_component, oauth_root, AuthKind, Base, Body, Method, RequestSpec,
};
use crate::validate::{http_url, non_empty, phone};
use serde_json::Value;

pub const DEFAULT_AUTH_URL: &str = "https://api.kaiza.la/v1";
pub const DEFAULT_OAUTH_URL: &str = "https://ds.kaiza.la/api/Oauth";

fn auth_spec(operation: &'static str, method: Method, path: &str) -> RequestSpec {
    RequestSpec {
        base: Base::Auth,
        auth: AuthKind::None,
        ..RequestSpec::new(operation, method, path.to_string())
    }
}

/// `POST {authUrl}/generatePin` `{mobileNumber, applicationId}`. Not repeat-safe (sends an SMS).
pub fn generate_pin(application_id: &str, mobile_number: &str) -> Result<RequestSpec, Error> {
    const OP: &str = "generatePin";
    non_empty(OP, "applicationId", application_id)?;
    phone(OP, "mobileNumber", mobile_number)?;
    Ok(operations::spec(OP, &[]).json(crate::object(vec![
        ("mobileNumber", mobile_number.into()),
        ("applicationId", application_id.into()),
    ])))
}

/// The PIN as the integer the platform wants: a JSON non-negative integer, or a string of 1–9
/// ASCII digits (surrounding spaces ignored).
pub fn parse_pin(pin: &Value) -> Result<u64, Error> {
    let bad = || Error::invalid("loginWithPin", "pin", "must be the PIN's digits, e.g. 1234");
    match pin {
        Value::Number(n) => n.as_u64().filter(|p| *p <= 999_999_999).ok_or_else(bad),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// `POST {authUrl}/loginWithPinAndApplicationId` `{mobileNumber, applicationId, pin}` (pin an
/// integer). Not repeat-safe (a PIN is single-use).
pub fn login_with_pin(
    application_id: &str,
    mobile_number: &str,
    pin: &Value,
) -> Result<RequestSpec, Error> {
    const OP: &str = "loginWithPin";
    non_empty(OP, "applicationId", application_id)?;
    phone(OP, "mobileNumber", mobile_number)?;
    let pin = parse_pin(pin)?;
    Ok(operations::spec(OP, &[]).json(crate::object(vec![
        ("mobileNumber", mobile_number.into()),
        ("applicationId", application_id.into()),
        ("pin", pin.into()),
    ])))
}

/// `GET {authUrl}/accessToken` with headers `applicationId`, `applicationSecret`, `refreshToken`.
pub fn access_token(
    application_id: &str,
    application_secret: &str,
    refresh_token: &str,
) -> Result<RequestSpec, Error> {
    const OP: &str = "accessToken";
    non_empty(OP, "applicationId", application_id)?;
    non_empty(OP, "applicationSecret", application_secret)?;
    if refresh_token.is_empty() {
        return Err(Error::new(
            ErrorCode::NotSignedIn,
            OP,
            "no refresh token is held for this connection; sign in first",
        ));
    }
    let mut spec = auth_spec(OP, Method::Get, "accessToken");
    spec.auth = AuthKind::ConnectorCredentials;
    spec.headers = vec![
        ("applicationId".into(), application_id.into()),
        ("applicationSecret".into(), application_secret.into()),
        ("refreshToken".into(), refresh_token.into()),
    ];
    Ok(spec)
}

/// The browser URL of OAuth step 1: `{oauth root}/Authorize?client_id=…&redirect_uri=…[&state=…]`.
/// `oauth_url` may be the root (`https://ds.kaiza.la/api/Oauth`) or the full Authorize URL.
pub fn authorize_url(
    oauth_url: &str,
    client_id: &str,
    redirect_uri: &str,
    state: Option<&str>,
) -> Result<String, Error> {
    const OP: &str = "authorizeUrl";
    http_url(OP, "oauthUrl", oauth_url)?;
    non_empty(OP, "clientId", client_id)?;
    http_url(OP, "redirectUri", redirect_uri)?;
    let mut u = format!(
        "{}/Authorize?client_id={}&redirect_uri={}",
        oauth_root(oauth_url),
        encode_component(client_id),
        encode_component(redirect_uri)
    );
    if let Some(s) = state.filter(|s| !s.is_empty()) {
        u.push_str("&state=");
        u.push_str(&encode_component(s));
    }
    Ok(u)
}

/// Query (and fragment) parameters of a URL or a bare `a=b&c=d` string, decoded.
fn params(s: &str) -> Vec<(String, String)> {
    let start = s.find('?').map_or(0, |i| i + 1);
    let rest = s.get(start..).unwrap_or_default();
    rest.split(['&', '#'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

/// The authorization code from what the redirect delivered: either the bare code, or the full
/// redirect URL / query string carrying `code=…&state=…`. With a URL, `state` must equal
/// `expected_state` when one is given; `error=` parameters become a refusal (`access_denied` →
/// `forbidden`, others `invalid_input`).
pub fn parse_authorization_result(
    code_or_redirect_url: &str,
    expected_state: Option<&str>,
) -> Result<String, Error> {
    const OP: &str = "completeAuthorization";
    let input = code_or_redirect_url.trim();
    let has = |s| crate::find(input, s).is_some();
    let looks_like_url = has("://") || input.starts_with('?') || has("code=") || has("error=");
    if !looks_like_url {
        non_empty(OP, "code", input)?;
        return Ok(input.to_string());
    }
    let ps = params(input);
    let get = |k: &str| ps.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if let Some(err) = get("error") {
        let desc = get("error_description").unwrap_or_default();
        let code = if err == "access_denied" {
            ErrorCode::Forbidden
        } else {
            ErrorCode::InvalidInput
        };
        let msg = if desc.is_empty() {
            format!("authorization was refused: {err}")
        } else {
            format!("authorization was refused: {err}: {desc}")
        };
        return Err(Error::new(code, OP, msg));
    }
    if let Some(want) = expected_state.filter(|s| !s.is_empty()) {
        if get("state") != Some(want) {
            return Err(Error::invalid(
                OP,
                "state",
                "does not match the state this sign-in started with (possible forgery); start again",
            ));
        }
    }
    match get("code") {
        Some(c) if !c.trim().is_empty() => Ok(c.to_string()),
        _ => Err(Error::invalid(OP, "code", "is missing from the redirect")),
    }
}

/// OAuth step 2: `POST {oauth}/token` as a form with `client_id`, `client_secret`, `code`.
/// Not repeat-safe (a code is single-use). The answer is an access-token body.
pub fn exchange_code(
    client_id: &str,
    client_secret: &str,
    code: &str,
) -> Result<RequestSpec, Error> {
    const OP: &str = "completeAuthorization";
    non_empty(OP, "clientId", client_id)?;
    non_empty(OP, "clientSecret", client_secret)?;
    non_empty(OP, "code", code)?;
    Ok(RequestSpec {
        base: Base::OAuth,
        auth: AuthKind::ConnectorCredentials,
        body: Body::Form(vec![
            ("client_id".into(), client_id.into()),
            ("client_secret".into(), client_secret.into()),
            ("code".into(), code.into()),
        ]),
        ..operations::spec(OP, &[])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::url;
    use serde_json::json;

    fn field(r: Result<impl std::fmt::Debug, Error>) -> Option<String> {
        r.err().and_then(|e| e.field)
    }

    #[test]
    fn pin_generation() {
        let spec = generate_pin("app-1", "+911099999999");
        let Ok(spec) = spec else { panic!("{spec:?}") };
        assert_eq!(
            url(DEFAULT_AUTH_URL, &spec),
            "https://api.kaiza.la/v1/generatePin"
        );
        assert_eq!(
            (spec.method, spec.repeat_safe, spec.auth),
            (Method::Post, false, AuthKind::None)
        );
        assert_eq!(
            spec.json_body(),
            Some(&json!({"mobileNumber": "+911099999999", "applicationId": "app-1"}))
        );
        assert_eq!(
            field(generate_pin("app-1", "911099999999")),
            Some("mobileNumber".into())
        );
        assert_eq!(
            field(generate_pin("", "+911099999999")),
            Some("applicationId".into())
        );
    }

    #[test]
    fn pin_login_sends_an_integer() {
        for pin in [json!("1234"), json!(" 1234 "), json!(1234)] {
            let spec = login_with_pin("app", "+911099999999", &pin);
            let Ok(spec) = spec else { panic!("{spec:?}") };
            assert_eq!(spec.path, "loginWithPinAndApplicationId");
            assert!(!spec.repeat_safe);
            assert_eq!(
                spec.json_body(),
                Some(
                    &json!({"mobileNumber": "+911099999999", "applicationId": "app", "pin": 1234})
                )
            );
        }
        for bad in [
            json!("12a4"),
            json!(""),
            json!(-1),
            json!(12.5),
            json!(null),
            json!("1234567890"),
            json!([1]),
        ] {
            assert_eq!(
                field(login_with_pin("app", "+911099999999", &bad)),
                Some("pin".into()),
                "{bad}"
            );
        }
        assert_eq!(parse_pin(&json!("0042")).ok(), Some(42));
    }

    #[test]
    fn minting_uses_headers() {
        let spec = access_token("app", "sec", "r1");
        let Ok(spec) = spec else { panic!("{spec:?}") };
        assert_eq!(
            url("http://127.0.0.1:8080/v1/", &spec),
            "http://127.0.0.1:8080/v1/accessToken"
        );
        assert_eq!(
            (spec.method, spec.repeat_safe, spec.auth),
            (Method::Get, true, AuthKind::ConnectorCredentials)
        );
        assert_eq!(spec.body, Body::None);
        assert_eq!(
            spec.headers,
            vec![
                ("applicationId".to_string(), "app".to_string()),
                ("applicationSecret".to_string(), "sec".to_string()),
                ("refreshToken".to_string(), "r1".to_string()),
            ]
        );
        assert_eq!(
            access_token("app", "sec", "").err().map(|e| e.code),
            Some(ErrorCode::NotSignedIn)
        );
        assert_eq!(
            field(access_token("app", "", "r")),
            Some("applicationSecret".into())
        );
    }

    #[test]
    fn authorize_urls() {
        let want = "https://ds.kaiza.la/api/Oauth/Authorize?client_id=app%201&redirect_uri=https%3A%2F%2Fme.example%2Fcb%3Fx%3D1&state=s%2B1";
        for root in [
            DEFAULT_OAUTH_URL,
            "https://ds.kaiza.la/api/Oauth/",
            "https://ds.kaiza.la/api/Oauth/Authorize",
        ] {
            let got = authorize_url(root, "app 1", "https://me.example/cb?x=1", Some("s+1"));
            assert_eq!(got.ok().as_deref(), Some(want), "{root}");
        }
        let no_state = authorize_url("http://127.0.0.1:9/api/Oauth", "a", "http://l/cb", None);
        assert_eq!(no_state.ok().as_deref(), Some("http://127.0.0.1:9/api/Oauth/Authorize?client_id=a&redirect_uri=http%3A%2F%2Fl%2Fcb"));
        assert_eq!(
            field(authorize_url(DEFAULT_OAUTH_URL, "a", "/cb", None)),
            Some("redirectUri".into())
        );
    }

    #[test]
    fn authorization_results() {
        let ok = |s, st| parse_authorization_result(s, st).ok();
        assert_eq!(ok("  abc123 ", Some("st")), Some("abc123".into()));
        assert_eq!(
            ok("https://me.example/cb?code=c%2B1&state=st", Some("st")),
            Some("c+1".into())
        );
        assert_eq!(
            ok("https://me.example/cb?state=st&code=c1#frag", Some("st")),
            Some("c1".into())
        );
        assert_eq!(ok("?code=c1", None), Some("c1".into()));
        assert_eq!(ok("code=c1&state=x", None), Some("c1".into()));
        let err = |s, st| parse_authorization_result(s, st).err();
        let e = err("https://me.example/cb?code=c1&state=other", Some("st"));
        assert_eq!(e.and_then(|e| e.field), Some("state".into()));
        let e = err("https://me.example/cb?code=c1", Some("st"));
        assert_eq!(e.and_then(|e| e.field), Some("state".into()));
        let e = err(
            "https://me.example/cb?error=access_denied&error_description=user+said+no",
            Some("st"),
        );
        assert_eq!(e.as_ref().map(|e| e.code), Some(ErrorCode::Forbidden));
        assert_eq!(
            e.map(|e| e.message),
            Some("authorization was refused: access_denied: user said no".into())
        );
        let e = err("https://me.example/cb?error=server_error", None);
        assert_eq!(e.map(|e| e.code), Some(ErrorCode::InvalidInput));
        let e = err("https://me.example/cb?state=st", Some("st"));
        assert_eq!(e.and_then(|e| e.field), Some("code".into()));
        assert!(err("", None).is_some());
    }

    #[test]
    fn code_exchange_is_a_form_post() {
        let spec = exchange_code("app", "sec", "c1");
        let Ok(spec) = spec else { panic!("{spec:?}") };
        assert_eq!(
            url(DEFAULT_OAUTH_URL, &spec),
            "https://ds.kaiza.la/api/oauth/token"
        );
        assert_eq!(
            url("http://127.0.0.1:9/api/Oauth/Authorize", &spec),
            "http://127.0.0.1:9/api/oauth/token"
        );
        assert!(!spec.repeat_safe);
        assert_eq!(
            spec.body,
            Body::Form(vec![
                ("client_id".into(), "app".into()),
                ("client_secret".into(), "sec".into()),
                ("code".into(), "c1".into()),
            ])
        );
        assert_eq!(field(exchange_code("app", "sec", " ")), Some("code".into()));
    }
}
