//! The OAuth sign-in: the sign-in page (number, then PIN, then a redirect with a code) and the
//! code exchange for tokens.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::origin_of;
use crate::error::{ApiError, ApiResult};
use crate::input::RawBody;
use crate::pins::{check_pin, org_user_id, send_pin};
use crate::shared::AppState;
use crate::state::{is_e164, random_token, AccessToken, OAuthCode, TokenKind};
use crate::tokens::{check_connector, issue_refresh_token, mint_access_token};
use crate::world::World;

const CODE_LIFE_MS: i64 = 10 * 60 * 1000;

/// The sign-in page and the code exchange, spelled as the OAuth steps print them (any other case
/// is made canonical before routing: `crate::paths::AUTH_SHAPES`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/Oauth/Authorize",
            get(authorize_page).post(authorize_submit),
        )
        .route("/api/oauth/token", post(oauth_token))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn form_fields(bytes: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

fn page(title: &str, inner: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title} · Kaizala</title>
<style>body{{font-family:system-ui,sans-serif;background:#f4f6fb;margin:0;display:grid;place-items:center;min-height:100vh}}
main{{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 4px 24px #0001;max-width:22rem;width:90%}}
h1{{font-size:1.3rem;margin:0 0 1rem}}label{{display:block;margin:.8rem 0 .3rem;font-weight:600}}
input{{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #ccd;border-radius:8px}}
button{{margin-top:1rem;width:100%;padding:.7rem;font-size:1rem;border:0;border-radius:8px;background:#4b53bc;color:#fff;cursor:pointer}}
.err{{color:#b00020}}.note{{color:#556;font-size:.9rem}}</style></head><body><main><h1>{title}</h1>{inner}</main></body></html>"#
    )
}

fn hidden(f: &HashMap<String, String>) -> String {
    ["client_id", "redirect_uri", "state"]
        .iter()
        .map(|k| {
            format!(
                r#"<input type="hidden" name="{k}" value="{}">"#,
                esc(f.get(*k).map(String::as_str).unwrap_or_default())
            )
        })
        .collect()
}

fn mobile_form(f: &HashMap<String, String>, error: &str) -> String {
    let err = if error.is_empty() {
        String::new()
    } else {
        format!(r#"<p class="err" role="alert">{}</p>"#, esc(error))
    };
    page(
        "Sign in to Kaizala",
        &format!(
            r#"{err}<form method="post">{}<input type="hidden" name="step" value="mobile">
<label for="m">Mobile number</label><input id="m" name="mobileNumber" type="tel" autocomplete="tel" placeholder="+911000000001" value="{}" required autofocus>
<button type="submit">Send PIN</button></form>"#,
            hidden(f),
            esc(f
                .get("mobileNumber")
                .map(String::as_str)
                .unwrap_or_default())
        ),
    )
}

fn pin_form(f: &HashMap<String, String>, mobile: &str, error: &str) -> String {
    let err = if error.is_empty() {
        String::new()
    } else {
        format!(r#"<p class="err" role="alert">{}</p>"#, esc(error))
    };
    page(
        "Enter your PIN",
        &format!(
            r#"{err}<p class="note">A PIN was sent by SMS to {m}. (Emulator: it is listed at <a href="/_emulator/sms?mobileNumber={mq}">/_emulator/sms</a>.)</p>
<form method="post">{h}<input type="hidden" name="step" value="pin"><input type="hidden" name="mobileNumber" value="{m}">
<label for="p">PIN</label><input id="p" name="pin" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<button type="submit">Sign in</button></form>"#,
            h = hidden(f),
            m = esc(mobile),
            mq = esc(&form_urlencoded::byte_serialize(mobile.as_bytes()).collect::<String>()),
        ),
    )
}

/// Checks client_id and redirect_uri; the error is shown on the page (never redirected to an unchecked URI).
fn check_client(w: &World, f: &HashMap<String, String>) -> Result<(String, String), String> {
    let client = f.get("client_id").cloned().unwrap_or_default();
    let redirect = f.get("redirect_uri").cloned().unwrap_or_default();
    match w.connectors.get(&client) {
        None => return Err("unknown client_id".into()),
        Some(c) if !c.active => return Err("this connector is deactivated".into()),
        _ => {}
    }
    let ok = (redirect.starts_with("http://") || redirect.starts_with("https://"))
        && redirect.len() > "https://".len()
        && !redirect.contains(char::is_whitespace);
    if !ok {
        return Err("redirect_uri must be an absolute http(s) URL".into());
    }
    Ok((client, redirect))
}

fn bad_page(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(page(
            "Cannot sign in",
            &format!(r#"<p class="err">{}</p>"#, esc(msg)),
        )),
    )
        .into_response()
}

/// OAuth step 1: `GET Authorize?client_id&redirect_uri&state` shows the sign-in page.
pub(crate) async fn authorize_page(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let checked = check_client(&state.world(), &q);
    match checked {
        Err(e) => bad_page(&e),
        Ok(_) => Html(mobile_form(&q, "")).into_response(),
    }
}

/// The sign-in page's two steps: the mobile number (a PIN is sent), then the PIN (a redirect with a code).
pub(crate) async fn authorize_submit(
    State(state): State<AppState>,
    body: Result<RawBody, ApiError>,
) -> Response {
    let body = match body {
        Ok(RawBody(b)) => b,
        Err(e) => return e.into_response(),
    };
    let f = form_fields(&body);
    let mut w = state.world();
    let (client, redirect) = match check_client(&w, &f) {
        Ok(x) => x,
        Err(e) => return bad_page(&e),
    };
    let mobile = f
        .get("mobileNumber")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if !is_e164(&mobile) {
        return Html(mobile_form(
            &f,
            "Enter the number in international form, e.g. +911000000001.",
        ))
        .into_response();
    }
    let user_id = match org_user_id(&w, &mobile) {
        Ok(u) => u,
        Err(e) => return Html(mobile_form(&f, &e.message)).into_response(),
    };
    if f.get("step").map(String::as_str) != Some("pin") {
        if let Err(e) = send_pin(&mut w, &mobile, &client, state.config.pins_per_hour) {
            let mut resp = Html(mobile_form(&f, &e.message)).into_response();
            *resp.status_mut() = e.status;
            if let Some(s) = e.retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(s));
            }
            return resp;
        }
        return Html(pin_form(&f, &mobile, "")).into_response();
    }
    let pin: i64 = match f.get("pin").and_then(|p| p.trim().parse().ok()) {
        Some(p) => p,
        None => return Html(pin_form(&f, &mobile, "The PIN is a number.")).into_response(),
    };
    if let Err(e) = check_pin(&mut w, &mobile, &client, pin) {
        return Html(pin_form(&f, &mobile, &e.message)).into_response();
    }
    let code = random_token();
    let now = w.now();
    w.oauth_codes.retain(|_, c| c.expires_at > now);
    w.oauth_codes.insert(
        code.clone(),
        OAuthCode {
            application_id: client,
            user_id,
            redirect_uri: redirect.clone(),
            expires_at: now.saturating_add(CODE_LIFE_MS),
        },
    );
    let mut target = redirect;
    target.push(if target.contains('?') { '&' } else { '?' });
    let mut qs = form_urlencoded::Serializer::new(String::new());
    qs.append_pair("code", &code);
    if let Some(s) = f.get("state").filter(|s| !s.is_empty()) {
        qs.append_pair("state", s);
    }
    target.push_str(&qs.finish());
    (StatusCode::FOUND, [(header::LOCATION, target)]).into_response()
}

/// OAuth step 2: `POST /api/oauth/token` form {client_id, client_secret, code} → an access-token body
/// whose `refreshToken` is the new sign-in's refresh token.
pub(crate) async fn oauth_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<Value>> {
    let f = form_fields(&body);
    let get = |k: &str| -> ApiResult<String> {
        f.get(k)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::missing(k))
    };
    let (client, secret, code) = (get("client_id")?, get("client_secret")?, get("code")?);
    let origin = origin_of(&headers, &state.origin);
    check_connector(&state.world(), &client, &secret)?;
    state.throttle(&client)?;
    let mut w = state.world();
    let now = w.now();
    let grant = w
        .oauth_codes
        .remove(&code)
        .filter(|c| c.application_id == client && c.expires_at > now)
        .ok_or_else(|| ApiError::bad_request("code: not valid, already used, or expired"))?;
    let refresh = issue_refresh_token(&mut w, &client, TokenKind::OAuth, &grant.user_id)?;
    let (scopes, rexp) = w
        .refresh_tokens
        .get(&refresh)
        .map(|t| (t.scopes.clone(), t.expires_at))
        .unwrap_or_default();
    let access = AccessToken {
        application_id: client,
        refresh_token: Some(refresh.clone()),
        user_id: grant.user_id,
        group_id: None,
        scopes,
        expires_at: 0,
    };
    let mut body = mint_access_token(&mut w, &origin, access, Some(refresh));
    body["refreshTokenExpiry"] = json!(rexp);
    Ok(Json(body))
}
