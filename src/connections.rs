//! Named connections (pkg-template/README.md#named-connections): the token entries side by side in one
//! storage, listed without a token or secret.

use crate::tokens::{from_storage, storage_key, token_info, TokenInfo};
use serde::Serialize;

/// What `KaizalaClient.connections()` shows of one stored connection.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub name: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Whether a storage key may hold a connection (`kaizala:{applicationId}:{connection}`).
pub fn is_connection_key(key: &str) -> bool {
    key.strip_prefix("kaizala:")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(app, name)| !app.is_empty() && !name.is_empty() && !name.ends_with(":oauth"))
}

/// The connection stored under `key`, when the entry is whole and really is the one its key names.
pub fn read(key: &str, stored: &str, now_ms: i64) -> Option<Connection> {
    if !is_connection_key(key) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(stored).ok()?;
    let app = v.get("applicationId")?.as_str()?;
    let name = v.get("connection")?.as_str()?;
    if storage_key(app, name) != key {
        return None;
    }
    let t = from_storage(stored, app, name)?;
    Some(Connection {
        name: name.to_string(),
        info: token_info(&t, now_ms),
    })
}

/// Every connection among `entries` (key, stored text), sorted by name, then applicationId.
pub fn list<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    now_ms: i64,
) -> Vec<Connection> {
    let mut out: Vec<Connection> = entries
        .into_iter()
        .filter_map(|(k, v)| read(k, v, now_ms))
        .collect();
    out.sort_by(|a, b| {
        (a.name.as_str(), a.info.application_id.as_str())
            .cmp(&(b.name.as_str(), b.info.application_id.as_str()))
    });
    out
}

/// The keys to remove to forget connection `name` (of any connector, or of `application_id`
/// only), with their OAuth state entries.
pub fn keys_of(keys: &[String], name: &str, application_id: Option<&str>) -> Vec<String> {
    keys.iter()
        .filter(|k| {
            let Some(rest) = k.strip_prefix("kaizala:") else {
                return false;
            };
            let Some((app, conn)) = rest.split_once(':') else {
                return false;
            };
            let conn = conn.strip_suffix(":oauth").unwrap_or(conn);
            conn == name && application_id.is_none_or(|a| a == app)
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{to_storage, Tokens};

    const NOW: i64 = 1_700_000_000_000;

    fn stored(app: &str, name: &str) -> (String, String) {
        let t = Tokens {
            refresh_token: Some("secret-refresh".into()),
            access_token: Some("secret-access".into()),
            access_token_expiry: Some(NOW + 1000),
            endpoint_url: Some("http://h/inc-000/".into()),
            scopes: vec!["groupinfo.read".into()],
            ..Tokens::new(app, name)
        };
        (storage_key(app, name), to_storage(&t))
    }

    #[test]
    fn lists_whole_entries_only_and_never_a_token() {
        let a = stored("app1", "sales");
        let b = stored("app1", "north:group");
        let c = stored("app2", "default");
        let moved = (storage_key("app1", "other"), a.1.clone());
        let entries = [
            (a.0.as_str(), a.1.as_str()),
            (b.0.as_str(), b.1.as_str()),
            (c.0.as_str(), c.1.as_str()),
            ("kaizala:app1:sales:oauth", "state123"),
            ("kaizala:app1:broken", "{not json"),
            (moved.0.as_str(), moved.1.as_str()),
            ("theme", "dark"),
        ];
        let l = list(entries, NOW);
        let names: Vec<&str> = l.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["default", "north:group", "sales"]);
        let json = serde_json::to_string(&l).unwrap_or_default();
        assert!(!json.contains("secret"), "{json}");
        assert!(json.contains("\"endpointUrl\":\"http://h/inc-000/\""));
        assert!(json.contains("\"name\":\"sales\""));
    }

    #[test]
    fn forgetting_a_connection() {
        let keys: Vec<String> = [
            "kaizala:a:sales",
            "kaizala:a:sales:oauth",
            "kaizala:b:sales",
            "kaizala:a:salesforce",
            "x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            keys_of(&keys, "sales", None),
            vec![
                "kaizala:a:sales",
                "kaizala:a:sales:oauth",
                "kaizala:b:sales"
            ]
        );
        assert_eq!(keys_of(&keys, "sales", Some("b")), vec!["kaizala:b:sales"]);
    }
}
