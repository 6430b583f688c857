//! PIN sign-in: PINs "sent by SMS" (limited per number and hour, void after three wrong
//! tries), and the PIN login that hands out a refresh token.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::input::{opt_i64, req_str, JsonBody};
use crate::shared::AppState;
use crate::state::{is_e164, random_below, OrgRole, Sms, TokenKind};
use crate::tokens::issue_refresh_token;
use crate::world::World;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/generatePin", post(generate_pin))
        .route("/v1/loginWithPinAndApplicationId", post(login_with_pin))
}

/// A PIN is good for 10 minutes and 3 tries: the third wrong one voids it.
const PIN_LIFE_MS: i64 = 10 * 60 * 1000;
pub const PIN_TRIES: u32 = 3;
/// The window of `Config::pins_per_hour`.
const HOUR_MS: i64 = 60 * 60 * 1000;
/// Numbers the PIN ledger follows at most; past that, a PIN for a number it does not follow yet
/// waits until some leave the window (so the ledger cannot be flooded away).
const LEDGER_NUMBERS: usize = 100_000;

pub(crate) fn org_user_id(w: &World, mobile: &str) -> ApiResult<String> {
    match w.user_by_mobile(mobile) {
        Some(u) if matches!(u.org_role, OrgRole::OrgAdmin | OrgRole::User) => Ok(u.id.clone()),
        _ => Err(ApiError::unauthenticated(
            "no user of this organisation has that mobile number",
        )),
    }
}

/// Records a PIN "sent by SMS" (read back at `/_emulator/sms`) — unless `per_hour` PINs were
/// already sent to that number in the last hour without one being used to sign in (429). With 3
/// tries a PIN, that leaves a guesser `3 × per_hour` tries an hour at a 4-digit PIN.
pub(crate) fn send_pin(w: &mut World, mobile: &str, app_id: &str, per_hour: u32) -> ApiResult<()> {
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
pub(crate) fn check_pin(w: &mut World, mobile: &str, app_id: &str, pin: i64) -> ApiResult<()> {
    let now = w.now();
    let waiting = w
        .sms
        .values()
        .rev()
        .find(|s| s.mobile == mobile && s.application_id == app_id)
        .filter(|s| !s.used && s.sent_at.saturating_add(PIN_LIFE_MS) > now)
        .map(|s| s.id)
        .ok_or_else(|| {
            ApiError::unauthenticated("no PIN is waiting for that number: call generatePin first")
        })?;
    let Some(sms) = w.sms.get_mut(&waiting) else {
        return Err(ApiError::unauthenticated(
            "no PIN is waiting for that number",
        ));
    };
    if sms.attempts >= PIN_TRIES {
        return Err(ApiError::unauthenticated(format!(
            "this PIN no longer works after {PIN_TRIES} wrong tries: call generatePin for a new one"
        )));
    }
    if i64::from(sms.pin) != pin {
        sms.attempts = sms.attempts.saturating_add(1);
        if sms.attempts >= PIN_TRIES {
            return Err(ApiError::unauthenticated(format!(
                "wrong PIN; after {PIN_TRIES} wrong tries this PIN no longer works: call generatePin for a new one"
            )));
        }
        return Err(ApiError::unauthenticated("wrong PIN"));
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
pub(crate) async fn generate_pin(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let mobile = mobile_field(&body)?;
    let app_id = req_str(&body, &["applicationId"], "applicationId")?;
    if !state.world().connectors.contains_key(&app_id) {
        return Err(ApiError::unauthenticated("unknown applicationId"));
    }
    state.throttle(&app_id)?;
    let mut w = state.world();
    send_pin(&mut w, &mobile, &app_id, state.config.pins_per_hour)?;
    Ok(Json(json!({})))
}

/// `POST /v1/loginWithPinAndApplicationId` {mobileNumber, applicationId, pin (integer)}.
pub(crate) async fn login_with_pin(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    let mobile = mobile_field(&body)?;
    let app_id = req_str(&body, &["applicationId"], "applicationId")?;
    // An integer in the swagger's model; sent as a string of digits by scripts (choice R5).
    let pin = opt_i64(&body, &["pin"], "pin")
        .map_err(|_| ApiError::invalid("pin", "must be an integer"))?
        .ok_or_else(|| ApiError::missing("pin"))?;
    if !state.world().connectors.contains_key(&app_id) {
        return Err(ApiError::unauthenticated("unknown applicationId"));
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
