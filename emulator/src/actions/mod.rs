//! Actions (docs/platform.md#actions): posting every action type, listing and reading them back, and responses (job, poll, let's meet, survey, packages).

mod read;
mod responses;
mod shape;
mod summary;
mod validate;

use read::{details, list};
use responses::respond;
use shape::emit_created;
use validate::{audience, validate, Audience};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::input::{opt_str, req_object, JsonBody};
use crate::paths::{GroupPath, Params};
use crate::shared::AppState;
use crate::state::{new_id, Action, Ms};

pub(super) const HOUR_MS: f64 = 3_600_000.0;

/// Media actions: one `mediaResource` each.
pub(super) const MEDIA_TYPES: &[&str] = &["Image", "Album", "Audio", "Document", "Video"];
/// Types that can be posted with `actionType`.
pub(super) const POSTABLE: &[&str] = &[
    "Image",
    "Album",
    "Audio",
    "Document",
    "Video",
    "Announcement",
    "Job",
    "Poll",
    "LetsMeet",
    "Survey",
];
/// Created by the apps only; the API reads them back.
pub(super) const READ_ONLY: &[&str] = &["PhotoWithLocation", "ShareLocation"];
/// The "list/get" column of docs/platform.md#action-types (custom packages too).
pub(super) const LISTABLE: &[&str] = &[
    "Image",
    "Job",
    "Poll",
    "LetsMeet",
    "Survey",
    "PhotoWithLocation",
    "ShareLocation",
];
pub(super) const QUESTION_TYPES: &[&str] = &[
    "SingleOption",
    "MultiOption",
    "Text",
    "Image",
    "Numeric",
    "Date",
    "DateTime",
    "Location",
    "AttachmentList",
];
pub(super) const PROPERTY_TYPES: &[&str] = &[
    "Text",
    "Numeric",
    "Location",
    "DateTime",
    "StringList",
    "Attachment",
    "StringSet",
    "AttachmentList",
];
pub(super) const RSVP: &[&str] = &["Yes", "No", "Maybe"];

/// Defaults of a job's and a survey's `dueDate` and a poll's `expiryInHours` (docs/platform.md, choice R6).
pub(super) const DEFAULT_JOB_HOURS: f64 = 24.0;
pub(super) const DEFAULT_SURVEY_HOURS: f64 = 24.0;
pub(super) const DEFAULT_POLL_HOURS: f64 = 720.0;
pub(super) const DEFAULT_MEETING_MINUTES: i64 = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups/{groupId}/actions", post(create).get(list))
        .route("/groups/{groupId}/actions/{actionId}", get(details))
        .route(
            "/groups/{groupId}/actions/{actionId}/responses",
            post(respond),
        )
}

pub(super) fn at(path: &str) -> String {
    format!("actionBody.{path}")
}

/// What a request names: a built-in `actionType` or a custom package `id`.
pub(super) enum Kind {
    Builtin(String),
    Package(String),
}

/// A built-in action type named in any case, in the documents' spelling (choice R4: the ids of
/// the action pages, `job`, `letsmeet`, `photoWithLocation`, are these names case-folded).
pub(super) fn builtin_type(t: &str) -> Option<&'static str> {
    crate::input::one_of(t, POSTABLE).or_else(|| crate::input::one_of(t, READ_ONLY))
}

/// Exactly one of `actionType` / `id`; a built-in type in the documents' spelling.
pub(super) fn kind_of(body: &Value) -> ApiResult<Kind> {
    let t = opt_str(body, &["actionType"], "actionType")?.filter(|s| !s.trim().is_empty());
    let id = opt_str(body, &["id"], "id")?.filter(|s| !s.trim().is_empty());
    match (t, id) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "actionType",
            "give either actionType (a built-in action) or id (a custom action package), not both",
        )),
        (None, None) => Err(ApiError::invalid(
            "actionType",
            "is required (or id, naming a custom action package)",
        )),
        (Some(t), None) => Ok(Kind::Builtin(builtin_type(&t).map_or(t, str::to_string))),
        (None, Some(id)) => Ok(Kind::Package(id)),
    }
}

pub(super) fn is_package(a: &Action) -> bool {
    a.package_id.is_some()
}

pub(super) fn deadline_after(sent_at: Ms, hours: f64) -> Ms {
    sent_at.saturating_add((hours * HOUR_MS).round() as Ms)
}

/// A number as the platform answered it: a whole value as an integer (`15`, never `15.0`: a location
/// posted as `15.0` lists as `15` in docs/platform.md#get-v1groupsgroupidactions--list), any
/// other as it is.
pub(crate) fn number(f: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if f.fract() == 0.0 && f.abs() <= EXACT {
        json!(f as i64)
    } else {
        json!(f)
    }
}

pub(super) fn body_f64(body: &Value, name: &str) -> Option<f64> {
    body.get(name).and_then(Value::as_f64)
}

pub(super) fn body_bool(body: &Value, name: &str) -> bool {
    body.get(name).and_then(Value::as_bool).unwrap_or(false)
}

pub(super) fn body_str<'a>(body: &'a Value, name: &str) -> &'a str {
    body.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// When responses stop being taken: a poll after `expiryInHours` (default 720), a survey after
/// `dueDate` hours (default 24), a package after its `dueDate` (or, sent to subscribers, `validity`)
/// hours when it has one; `None` = never. Read back as `expiryDate`.
pub(super) fn closes_at(a: &Action) -> Option<Ms> {
    if is_package(a) {
        let h = body_f64(&a.body, "dueDate").or_else(|| body_f64(&a.body, "validity"))?;
        return Some(deadline_after(a.sent_at, h));
    }
    match a.action_type.as_str() {
        "Poll" => {
            let h = body_f64(&a.body, "expiryInHours").unwrap_or(DEFAULT_POLL_HOURS);
            Some(deadline_after(a.sent_at, h))
        }
        "Survey" => {
            let h = body_f64(&a.body, "dueDate").unwrap_or(DEFAULT_SURVEY_HOURS);
            Some(deadline_after(a.sent_at, h))
        }
        _ => None,
    }
}

/// When a job falls due: `dueDate` hours (default 24) after it was sent. Read back as `dueDate`.
pub(super) fn job_due_at(a: &Action) -> Ms {
    let h = body_f64(&a.body, "dueDate").unwrap_or(DEFAULT_JOB_HOURS);
    deadline_after(a.sent_at, h)
}

/// `POST /groups/{groupId}/actions` → `{referenceId, actionId, failedResult?}` (one id).
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Params(p): Params<GroupPath>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Value>> {
    caller.need("action.write")?;
    let group_id = p.group_id;
    let (id, queued, failed) = {
        let mut w = state.world();
        let (g, role) = caller.reach(&w, &group_id)?;
        let kind = kind_of(&body)?;
        if let Kind::Package(pid) = &kind {
            if builtin_type(pid).is_some() {
                return Err(ApiError::invalid(
                    "id",
                    format!("'{pid}' is a built-in action type: send it as actionType"),
                ));
            }
        }
        let action_body = Value::Object(req_object(&body, &["actionBody"], "actionBody")?.clone());
        let Audience { recipients, failed } = audience(&w, g, role, &body)?;
        let sender_name = Some(w.user_name(&caller.user_id))
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| w.user_mobile(&caller.user_id));
        let normalized = validate(&w, g, &kind, &action_body, &recipients, &sender_name)?;
        let (action_type, package_id) = match kind {
            Kind::Builtin(t) => (t, None),
            // A package's actionType is its package id (listings and ?actionType= use it).
            Kind::Package(pid) => (pid.clone(), Some(pid)),
        };
        let id = new_id();
        let sent_at = w.instant();
        let action = Action {
            id: id.clone(),
            group_id: group_id.clone(),
            action_type,
            package_id,
            sender_id: caller.user_id.clone(),
            sent_at,
            body: normalized,
            recipients,
            responses: Default::default(),
        };
        let queued = emit_created(&mut w, &action, &caller.origin);
        w.actions.insert(id.clone(), action);
        (id, queued, failed)
    };
    if queued > 0 {
        state.wake_webhooks();
    }
    let mut out = json!({"referenceId": id, "actionId": id});
    if !failed.is_empty() {
        out["failedResult"] = json!(failed);
    }
    Ok(Json(out))
}
