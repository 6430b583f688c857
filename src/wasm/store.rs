//! Where a connection's tokens are kept: localStorage, sessionStorage, memory, or the app's own object.

use super::js::{call_method, get, global, is_nullish};
use crate::error::Error;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

pub enum Store {
    /// Lives as long as the client (the default where no usable localStorage exists, e.g. Node).
    /// A few keys per connection, so a list of pairs.
    Memory(RefCell<Vec<(String, String)>>),
    /// `localStorage` / `sessionStorage` (`web` true: the `storage` event reports other tabs'
    /// changes) or any object with `getItem/setItem/removeItem`.
    Js { obj: JsValue, web: bool },
}

/// `globalThis[name]` when it exists and really works (a probe write and removal succeed); a
/// missing or throwing getter (Node 25 without `--localstorage-file`) or a refusing store (Safari
/// private mode, quota 0) counts as unavailable.
fn web_storage(name: &str) -> Option<JsValue> {
    let s = get(&global(), name);
    if is_nullish(&s) || !s.is_object() {
        return None;
    }
    let probe = JsValue::from_str("kaizala:probe");
    call_method(&s, "setItem", &[probe.clone(), JsValue::from_str("1")]).ok()?;
    call_method(&s, "removeItem", &[probe]).ok()?;
    Some(s)
}

impl Store {
    /// From the `storage` option: `"local"`, `"session"`, `"memory"`, an object with
    /// `getItem/setItem/removeItem`, or absent (local when usable, else memory).
    pub fn from_option(v: &JsValue) -> Result<Store, Error> {
        const OP: &str = "KaizalaClient";
        let memory = || Store::Memory(RefCell::new(Vec::new()));
        if is_nullish(v) {
            return Ok(web_storage("localStorage")
                .map(|obj| Store::Js { obj, web: true })
                .unwrap_or_else(memory));
        }
        if let Some(s) = v.as_string() {
            let global_name = match s.as_str() {
                "memory" => return Ok(memory()),
                "local" => "localStorage",
                "session" => "sessionStorage",
                _ => {
                    return Err(Error::invalid(
                        OP,
                        "storage",
                        "must be \"local\", \"session\", \"memory\" or an object with getItem/setItem/removeItem",
                    ))
                }
            };
            return web_storage(global_name)
                .map(|obj| Store::Js { obj, web: true })
                .ok_or_else(|| {
                    Error::invalid(
                        OP,
                        "storage",
                        &format!("\"{s}\" is not available here ({global_name} is missing or refuses writes); use \"memory\" or your own object"),
                    )
                });
        }
        let ok = v.is_object()
            && ["getItem", "setItem", "removeItem"]
                .iter()
                .all(|m| get(v, m).is_function());
        if !ok {
            return Err(Error::invalid(
                OP,
                "storage",
                "must be \"local\", \"session\", \"memory\" or an object with getItem/setItem/removeItem",
            ));
        }
        Ok(Store::Js {
            obj: v.clone(),
            web: false,
        })
    }

    /// Whether other tabs' changes arrive as `storage` events.
    pub fn is_web(&self) -> bool {
        matches!(self, Store::Js { web: true, .. })
    }

    /// The stored text; `None` when absent, not a string, or the store throws.
    pub fn get(&self, key: &str) -> Option<String> {
        match self {
            Store::Memory(m) => m
                .borrow()
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone()),
            Store::Js { obj, .. } => call_method(obj, "getItem", &[JsValue::from_str(key)])
                .ok()
                .and_then(|v| v.as_string()),
        }
    }

    /// Best effort: a full or refusing store leaves the in-memory copy as the only one.
    pub fn set(&self, key: &str, value: &str) {
        match self {
            Store::Memory(m) => {
                let mut m = m.borrow_mut();
                m.retain(|(k, _)| k != key);
                m.push((key.to_string(), value.to_string()));
            }
            Store::Js { obj, .. } => {
                let args = [JsValue::from_str(key), JsValue::from_str(value)];
                let _ = call_method(obj, "setItem", &args);
            }
        }
    }

    pub fn remove(&self, key: &str) {
        match self {
            Store::Memory(m) => {
                m.borrow_mut().retain(|(k, _)| k != key);
            }
            Store::Js { obj, .. } => {
                let _ = call_method(obj, "removeItem", &[JsValue::from_str(key)]);
            }
        }
    }
}
