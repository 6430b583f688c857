//! Planned failures (`/_emulator/faults`): what a fault is and which call it hits (the layer that applies them is in `app`).

use axum::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One planned failure (`POST /_emulator/faults`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub path: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub retry_after: Option<Value>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub drop: bool,
    #[serde(default)]
    pub body: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault's path matches a request path that equals it or ends with it, so `/v1/groups`
    /// matches the call in any region.
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()));
        method_ok && (path == self.path || path.ends_with(&self.path))
    }
}

/// Takes the first planned fault matching this call, counting it down (and dropping it at zero).
pub fn take(faults: &mut Vec<Fault>, method: &Method, path: &str) -> Option<Fault> {
    let i = faults.iter().position(|f| f.matches(method, path))?;
    let f = faults[i].clone();
    if faults[i].count <= 1 {
        faults.remove(i);
    } else {
        faults[i].count -= 1;
    }
    Some(f)
}
