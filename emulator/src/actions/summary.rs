//! Actions as they are read back: each type's summary in a listing's `actionBody`, and the
//! drill-down of one action's `actionDetails` (docs/platform.md#actions, choice C1).

use serde_json::{json, Map, Value};

use crate::clock::iso;
use crate::resources::resolve;
use crate::state::Action;
use crate::world::World;

use super::*;

/// Whole numbers written as floats (bodies saved before they were stored as integers) as integers.
fn whole(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                *v = number(f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole),
        Value::Object(m) => m.values_mut().for_each(whole),
        _ => {}
    }
}

/// The stored body's fields, to start a summary from.
fn stored(a: &Action) -> Map<String, Value> {
    let mut v = a.body.clone();
    whole(&mut v);
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// People who responded (a survey taking several responses from one person counts them once).
pub(super) fn responders(a: &Action) -> usize {
    let mut seen: Vec<&str> = a
        .responses
        .values()
        .map(|r| r.responder_id.as_str())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// A job's assignees and how many of them marked it complete.
pub(super) fn job_progress(w: &World, a: &Action) -> (Vec<String>, usize) {
    let assigned: Vec<String> = a
        .body
        .get("assignedTo")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let done = assigned
        .iter()
        .filter(|mobile| {
            let uid = w.user_id_by_mobile(mobile).unwrap_or_default();
            a.responses
                .values()
                .any(|r| r.responder_id == uid && body_bool(&r.body, "isCompleted"))
        })
        .count();
    (assigned, done)
}

/// The URL of a `mediaResource` (ours or the live service's), when it names a file.
fn url_of(w: &World, res: &str, origin: &str) -> Option<String> {
    resolve(w, res).map(|r| r.url(origin))
}

/// `actionBody` of a listed action: the documented summary of its type (`actions_get.md`) plus the
/// fields a reader needs that the pages do not contradict (a job's `assignedTo` and `dueDate`, a
/// survey's `questions`, media `caption` and `mediaUrl`).
pub(super) fn summary_body(w: &World, a: &Action, origin: &str) -> Value {
    let mut m = stored(a);
    let t = a.action_type.as_str();
    let package = is_package(a);
    if !package && MEDIA_TYPES.contains(&t) {
        if let Some(url) = url_of(w, body_str(&a.body, "mediaResource"), origin) {
            if t == "Image" || t == "Album" {
                m.insert("imageUrl".into(), json!(url));
            }
            m.insert("mediaUrl".into(), json!(url));
        }
        return Value::Object(m);
    }
    if !package && t == "Announcement" {
        let urls: Vec<Value> = m
            .get("mediaResources")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|r| url_of(w, r.as_str()?, origin).map(Value::from))
                    .collect()
            })
            .unwrap_or_default();
        m.insert("mediaUrls".into(), Value::Array(urls));
        return Value::Object(m);
    }
    let mut out = Map::new();
    out.insert("actionId".into(), json!(a.id));
    match t {
        _ if package => {
            out.extend(m);
            out.insert("responseCount".into(), json!(responders(a)));
            if let Some(c) = closes_at(a) {
                out.insert("expiryDate".into(), json!(iso(c)));
            }
        }
        "Job" => {
            let (assigned, done) = job_progress(w, a);
            out.insert("title".into(), json!(body_str(&a.body, "title")));
            out.insert("assigneeCount".into(), json!(assigned.len()));
            out.insert("responseCount".into(), json!(done));
            out.insert(
                "isCompleted".into(),
                json!(!assigned.is_empty() && done == assigned.len()),
            );
            out.insert("dueDate".into(), json!(iso(job_due_at(a))));
            out.insert("assignedTo".into(), json!(assigned));
        }
        "Poll" => {
            out.insert("question".into(), json!(body_str(&a.body, "question")));
            out.insert(
                "isSenderOnly".into(),
                json!(body_bool(&a.body, "isSenderOnly")),
            );
            if let Some(c) = closes_at(a) {
                out.insert("expiryDate".into(), json!(iso(c)));
            }
            let choices: Vec<Value> = a
                .body
                .get("choices")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            let mut v =
                                json!({"title": c.get("title").cloned().unwrap_or(json!(""))});
                            let image = c.get("image").and_then(Value::as_str);
                            if let Some(url) = image.and_then(|r| url_of(w, r, origin)) {
                                v["image"] = json!(url);
                            }
                            v
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.insert("choices".into(), json!(choices));
            out.insert("responseCount".into(), json!(responders(a)));
        }
        "LetsMeet" => {
            for k in [
                "title",
                "startingTime",
                "agenda",
                "duration",
                "isSenderOnly",
                "place",
            ] {
                if let Some(v) = m.remove(k) {
                    out.insert(k.into(), v);
                }
            }
            out.insert("responseCount".into(), json!(responders(a)));
        }
        "Survey" => {
            out.insert("title".into(), json!(body_str(&a.body, "title")));
            out.insert("responseCount".into(), json!(responders(a)));
            if let Some(c) = closes_at(a) {
                out.insert("expiryDate".into(), json!(iso(c)));
            }
            for k in [
                "questions",
                "isAnonymous",
                "isSenderOnly",
                "acceptMultipleResponses",
            ] {
                if let Some(v) = m.remove(k) {
                    out.insert(k.into(), v);
                }
            }
        }
        // Created in the app only (ShareLocation, PhotoWithLocation): as stored.
        _ => return Value::Object(m),
    }
    Value::Object(out)
}
