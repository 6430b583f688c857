//! Credentials and tokens (§2): PIN login, access tokens with refresh-token rotation, and the OAuth sign-in page.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::{endpoint_url, origin_of};
use crate::error::{ApiError, ApiResult};
use crate::input::{req_str, JsonBody, RawBody};
use crate::shared::AppState;
use crate::state::{
    is_e164, random_below, random_token, AccessToken, OAuthCode, OrgRole, RefreshToken, Sms,
    TokenKind, ACCESS_TOKEN_LIFE_MS, REFRESH_TOKEN_LIFE_MS, ROTATE_AFTER_MS,
};
use crate::world::World;

/// A PIN is good for 10 minutes and 3 tries: the third wrong one voids it.
const PIN_LIFE_MS: i64 = 10 * 60 * 1000;
pub const PIN_TRIES: u32 = 3;
/// The window of `Config::pins_per_hour`.
const HOUR_MS: i64 = 60 * 60 * 1000;
/// Numbers the PIN ledger follows at most; past that, a PIN for a number it does not follow yet
/// waits until some leave the window (so the ledger cannot be flooded away).
const LEDGER_NUMBERS: usize = 100_000;
const CODE_LIFE_MS: i64 = 10 * 60 * 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/generatePin", post(generate_pin))
        .route("/v1/loginWithPinAndApplicationId", post(login_with_pin))
        .route("/v1/accessToken", get(access_token))
        .route(
            "/api/Oauth/Authorize",
            get(authorize_page).post(authorize_submit),
        )
        .route(
            "/api/oauth/authorize",
            get(authorize_page).post(authorize_submit),
        )
        .route("/api/oauth/token", post(oauth_token))
        .route("/api/Oauth/token", post(oauth_token))
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= (a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0)) as usize;
    }
    diff == 0
}

/// Hands out a refresh token. A new group token kills the connector's earlier one for that group,
/// and a new user token the connector's earlier user token for that user (§2); PIN and OAuth
/// sign-ins may be held side by side (one per device).
pub fn issue_refresh_token(
    w: &mut World,
    app_id: &str,
    kind: TokenKind,
    user_id: &str,
) -> ApiResult<String> {
    let connector = w
        .connectors
        .get(app_id)
        .ok_or_else(|| ApiError::unauthorized("unknown applicationId"))?;
    if !connector.active {
        let msg = match &kind {
            TokenKind::Group { .. } => {
                "this connector is deactivated: it cannot get a token for a new group"
            }
            _ => "this connector is deactivated: it cannot sign anyone in until it is reactivated",
        };
        if let TokenKind::Group { group_id } = &kind {
            let had_one = !connector.removed_from.contains(group_id)
                && w.refresh_tokens
                    .values()
                    .any(|t| t.application_id == app_id && t.kind == kind && !t.revoked);
            if !had_one {
                return Err(ApiError::forbidden(msg));
            }
        } else {
            return Err(ApiError::forbidden(msg));
        }
    }
    let scopes = connector.scopes.clone();
    if matches!(kind, TokenKind::Group { .. } | TokenKind::User) {
        let replaced = w.refresh_tokens.keys_where(|t| {
            t.application_id == app_id
                && t.kind == kind
                && !t.revoked
                && (t.user_id == user_id || matches!(kind, TokenKind::Group { .. }))
        });
        for token in replaced {
            if let Some(t) = w.refresh_tokens.get_mut(&token) {
                t.revoked = true;
            }
        }
    }
    if let TokenKind::Group { group_id } = &kind {
        if let Some(c) = w.connectors.get_mut(app_id) {
            c.removed_from.retain(|g| g != group_id);
        }
    }
    let now = w.now();
    let token = random_token();
    w.refresh_tokens.insert(
        token.clone(),
        RefreshToken {
            application_id: app_id.to_string(),
            kind,
            user_id: user_id.to_string(),
            scopes,
            issued_at: now,
            expires_at: now.saturating_add(REFRESH_TOKEN_LIFE_MS),
            revoked: false,
            successor: None,
        },
    );
    Ok(token)
}

/// Mints an access token for `grant` (its `expires_at` is set here: 24 h) and answers with the §2
/// body; `rotated` is the refresh token that replaces the one used, when it is due.
pub fn mint_access_token(
    w: &mut World,
    origin: &str,
    mut grant: AccessToken,
    rotated: Option<String>,
) -> Value {
    let now = w.now();
    let token = random_token();
    grant.expires_at = now.saturating_add(ACCESS_TOKEN_LIFE_MS);
    let expires = grant.expires_at;
    let region = w
        .users()
        .get(&grant.user_id)
        .map(|u| u.region.clone())
        .unwrap_or_else(|| "inc-000".into());
    let scope = grant.scopes.join(",");
    w.access_tokens.insert(token.clone(), grant);
    // Expired access tokens are forgotten now and then so the map does not grow without end.
    if w.access_tokens.len().is_multiple_of(256) {
        w.access_tokens.retain(|_, t| t.expires_at > now);
    }
    json!({
        "accessToken": token,
        "endpointUrl": endpoint_url(origin, &region),
        "accessTokenExpiry": expires,
        "refreshToken": rotated,
        "scope": scope,
    })
}

fn header_str(headers: &HeaderMap, name: &str) -> ApiResult<String> {
    headers
        .get(name)
        .and_then(|h| h.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid(name, "header is required"))
}

fn check_connector(w: &World, app_id: &str, secret: &str) -> ApiResult<()> {
    match w.connectors.get(app_id) {
        Some(c) if same_secret(&c.secret, secret) => Ok(()),
        _ => Err(ApiError::unauthorized(
            "unknown applicationId or wrong applicationSecret",
        )),
    }
}

/// `GET /v1/accessToken` with headers applicationId, applicationSecret, refreshToken.
async fn access_token(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let app_id = header_str(&headers, "applicationId")?;
    let secret = header_str(&headers, "applicationSecret")?;
    let refresh = header_str(&headers, "refreshToken")?;
    let origin = origin_of(&headers, &state.origin);
    {
        let w = state.world();
        check_connector(&w, &app_id, &secret)?;
    }
    state.throttle(&app_id)?;
    let mut w = state.world();
    let now = w.now();
    let rt = w
        .refresh_tokens
        .get(&refresh)
        .cloned()
        .filter(|t| t.application_id == app_id)
        .ok_or_else(|| {
            ApiError::unauthorized("the refresh token is not valid for this connector")
        })?;
    if rt.revoked {
        return Err(ApiError::unauthorized(
            "the refresh token was replaced by a newer one and no longer works",
        ));
    }
    if rt.expires_at <= now {
        return Err(ApiError::unauthorized("the refresh token has expired"));
    }
    if !w.users().contains_key(&rt.user_id) {
        return Err(ApiError::unauthorized(
            "the user of this refresh token no longer exists",
        ));
    }
    let group_id = match &rt.kind {
        TokenKind::Group { group_id } => {
            if !w.groups.contains_key(group_id) {
                return Err(ApiError::unauthorized(
                    "the group of this token no longer exists",
                ));
            }
            let removed = w
                .connectors
                .get(&app_id)
                .is_some_and(|c| c.removed_from.contains(group_id));
            if removed {
                return Err(ApiError::forbidden(
                    "this connector was removed from the group",
                ));
            }
            Some(group_id.clone())
        }
        _ => None,
    };
    // From 90 % of its life on, every answer carries the (one) successor that replaces it.
    let mut rotated = None;
    if now >= rt.issued_at.saturating_add(ROTATE_AFTER_MS) {
        let live_successor = rt.successor.clone().filter(|s| {
            w.refresh_tokens
                .get(s)
                .is_some_and(|t| !t.revoked && t.expires_at > now)
        });
        let next = match live_successor {
            Some(s) => s,
            None => {
                let s = random_token();
                w.refresh_tokens.insert(
                    s.clone(),
                    RefreshToken {
                        issued_at: now,
                        expires_at: now.saturating_add(REFRESH_TOKEN_LIFE_MS),
                        revoked: false,
                        successor: None,
                        ..rt.clone()
                    },
                );
                if let Some(old) = w.refresh_tokens.get_mut(&refresh) {
                    old.successor = Some(s.clone());
                }
                s
            }
        };
        rotated = Some(next);
    }
    let grant = AccessToken {
        application_id: app_id,
        refresh_token: Some(refresh),
        user_id: rt.user_id.clone(),
        group_id,
        scopes: rt.scopes.clone(),
        expires_at: 0,
    };
    let body = mint_access_token(&mut w, &origin, grant, rotated);
    Ok(Json(body))
}

fn org_user_id(w: &World, mobile: &str) -> ApiResult<String> {
    match w.user_by_mobile(mobile) {
        Some(u) if matches!(u.org_role, OrgRole::OrgAdmin | OrgRole::User) => Ok(u.id.clone()),
        _ => Err(ApiError::unauthorized(
            "no user of this organisation has that mobile number",
        )),
    }
}

/// Records a PIN "sent by SMS" (read back at `/_emulator/sms`) — unless `per_hour` PINs were
/// already sent to that number in the last hour without one being used to sign in (429). With 3
/// tries a PIN, that leaves a guesser `3 × per_hour` tries an hour at a 4-digit PIN.
fn send_pin(w: &mut World, mobile: &str, app_id: &str, per_hour: u32) -> ApiResult<()> {
    let now = w.now();
    if w.pin_ledger.len() >= LEDGER_NUMBERS {
        w.pin_ledger.retain(|_, sent| {
            sent.back()
                .is_some_and(|(at, _)| at.saturating_add(HOUR_MS) > now)
        });
    }
    let known = w.pin_ledger.contains_key(mobile);
    if !known && w.pin_ledger.len() >= LEDGER_NUMBERS {
        return Err(ApiError::throttled(
            60,
            "too many numbers asked for PINs in the last hour; try again later",
        ));
    }
    let sent = w.pin_ledger.entry(mobile.to_string()).or_default();
    while sent
        .front()
        .is_some_and(|(at, _)| at.saturating_add(HOUR_MS) <= now)
    {
        sent.pop_front();
    }
    if sent.len() >= per_hour as usize {
        let oldest = sent.front().map(|(at, _)| *at).unwrap_or(now);
        let wait_ms = oldest.saturating_add(HOUR_MS).saturating_sub(now).max(1);
        let wait = u64::try_from(wait_ms).unwrap_or(1).div_ceil(1000);
        return Err(ApiError::throttled(
            wait,
            format!(
                "{per_hour} PINs were sent to this number in the last hour without one being used to sign in; try again in {wait} s"
            ),
        ));
    }
    w.last_sms_id = w.last_sms_id.saturating_add(1);
    let id = w.last_sms_id;
    if let Some(sent) = w.pin_ledger.get_mut(mobile) {
        sent.push_back((now, id));
    }
    w.sms.insert(
        id,
        Sms {
            id,
            mobile: mobile.to_string(),
            pin: 1000 + random_below(9000),
            application_id: app_id.to_string(),
            sent_at: now,
            used: false,
            attempts: 0,
        },
    );
    w.touch();
    while w.sms.len() > 1000 {
        w.sms.pop_first();
    }
    Ok(())
}

/// Checks a PIN against the newest one sent to that number for that connector; single use, and
/// void after `PIN_TRIES` wrong tries.
fn check_pin(w: &mut World, mobile: &str, app_id: &str, pin: i64) -> ApiResult<()> {
    let now = w.now();
    let waiting = w
        .sms
        .values()
        .rev()
        .find(|s| s.mobile == mobile && s.application_id == app_id)
        .filter(|s| !s.used && s.sent_at.saturating_add(PIN_LIFE_MS) > now)
        .map(|s| s.id)
        .ok_or_else(|| {
            ApiError::unauthorized("no PIN is waiting for that number: call generatePin first")
        })?;
    let Some(sms) = w.sms.get_mut(&waiting) else {
        return Err(ApiError::unauthorized("no PIN is waiting for that number"));
    };
    if sms.attempts >= PIN_TRIES {
        return Err(ApiError::unauthorized(format!(
            "this PIN no longer works after {PIN_TRIES} wrong tries: call generatePin for a new one"
        )));
    }
    if i64::from(sms.pin) != pin {
        sms.attempts = sms.attempts.saturating_add(1);
        if sms.attempts >= PIN_TRIES {
            return Err(ApiError::unauthorized(format!(
                "wrong PIN; after {PIN_TRIES} wrong tries this PIN no longer works: call generatePin for a new one"
            )));
        }
        return Err(ApiError::unauthorized("wrong PIN"));
    }
    sms.used = true;
    let id = sms.id;
    // A PIN used to sign in no longer counts against the number's hourly PINs.
    if let Some(sent) = w.pin_ledger.get_mut(mobile) {
        sent.retain(|(_, i)| *i != id);
    }
    Ok(())
}

fn mobile_field(body: &Value) -> ApiResult<String> {
    let mobile = req_str(body, &["mobileNumber"], "mobileNumber")?;
    if !is_e164(&mobile) {
        return Err(ApiError::invalid(
            "mobileNumber",
            format!("'{mobile}' is not an E.164 phone number (e.g. +911099999999)"),
        ));
    }
    Ok(mobile)
}

/// `POST /v1/generatePin` {mobileNumber, applicationId} → `{}`.
async fn generate_pin(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let mobile = mobile_field(&body)?;
    let app_id = req_str(&body, &["applicationId"], "applicationId")?;
    if !state.world().connectors.contains_key(&app_id) {
        return Err(ApiError::unauthorized("unknown applicationId"));
    }
    state.throttle(&app_id)?;
    let mut w = state.world();
    send_pin(&mut w, &mobile, &app_id, state.config.pins_per_hour)?;
    Ok(Json(json!({})))
}

/// `POST /v1/loginWithPinAndApplicationId` {mobileNumber, applicationId, pin (integer)}.
async fn login_with_pin(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let mobile = mobile_field(&body)?;
    let app_id = req_str(&body, &["applicationId"], "applicationId")?;
    let pin = match body.get("pin") {
        None | Some(Value::Null) => return Err(ApiError::missing("pin")),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| ApiError::invalid("pin", "must be an integer"))?,
        Some(_) => return Err(ApiError::invalid("pin", "must be an integer")),
    };
    if !state.world().connectors.contains_key(&app_id) {
        return Err(ApiError::unauthorized("unknown applicationId"));
    }
    state.throttle(&app_id)?;
    let mut w = state.world();
    let user_id = org_user_id(&w, &mobile)?;
    check_pin(&mut w, &mobile, &app_id, pin)?;
    let token = issue_refresh_token(&mut w, &app_id, TokenKind::Pin, &user_id)?;
    let rt = w.refresh_tokens.get(&token).cloned();
    let (scopes, expiry) = rt.map(|t| (t.scopes, t.expires_at)).unwrap_or_default();
    Ok(Json(json!({
        "refreshToken": token,
        "grantedScope": scopes.join(","),
        "refreshTokenExpiry": expiry,
    })))
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
async fn authorize_page(
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
async fn authorize_submit(
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
async fn oauth_token(
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
