//! Reading a saved world back: every table in the order its rows were first written.

use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension};

use super::drain::{role_from, ActionRow, GroupRow, MetaRow};
use super::{open_error, Store};
use crate::state::{Action, Group, Media};
use crate::table::Table;
use crate::world::{World, STATE_VERSION};

impl Store {
    /// Reads every table back into a world (rows in the order they were first written).
    pub(super) fn load(&mut self) -> Result<World, String> {
        let path = self.path.clone();
        let bad = |what: &str, e: String| {
            format!(
                "the state file {} has a row it cannot read ({what}: {e}); it was left untouched",
                path.display()
            )
        };
        let sql = |e: rusqlite::Error| open_error(&path, e);
        let mut w = World::empty();
        let meta: Option<String> = self
            .conn
            .query_row("SELECT v FROM meta WHERE k = 'world'", [], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        let meta: MetaRow = match meta {
            Some(m) => serde_json::from_str(&m).map_err(|e| bad("meta", e.to_string()))?,
            None => return Err(bad("meta", "missing".into())),
        };
        if meta.version != STATE_VERSION {
            return Err(bad("meta", format!("version {}", meta.version)));
        }
        w.tenant = meta.tenant;
        w.next_region = meta.next_region;
        w.clock_offset_ms = meta.clock_offset_ms;
        w.last_instant = meta.last_instant;
        w.seed = meta.seed;
        w.last_sms_id = meta.last_sms_id;

        fn rows<T: serde::de::DeserializeOwned>(
            conn: &Connection,
            table: &str,
        ) -> Result<Vec<(String, T)>, String> {
            let mut st = conn
                .prepare(&format!("SELECT k, v FROM {table} ORDER BY rowid"))
                .map_err(|e| e.to_string())?;
            let it = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(|e| e.to_string())?;
            let mut out = Vec::new();
            for row in it {
                let (k, v) = row.map_err(|e| e.to_string())?;
                let value = serde_json::from_str(&v).map_err(|e| format!("{table} {k}: {e}"))?;
                out.push((k, value));
            }
            Ok(out)
        }
        let c = &self.conn;
        w.connectors = rows(c, "connectors")
            .map_err(|e| bad("connectors", e))?
            .into_iter()
            .collect();
        *w.users_table() = rows(c, "users")
            .map_err(|e| bad("users", e))?
            .into_iter()
            .collect();
        w.refresh_tokens = rows(c, "refresh_tokens")
            .map_err(|e| bad("refresh_tokens", e))?
            .into_iter()
            .collect();
        w.access_tokens = rows(c, "access_tokens")
            .map_err(|e| bad("access_tokens", e))?
            .into_iter()
            .collect();
        w.oauth_codes = rows(c, "oauth_codes")
            .map_err(|e| bad("oauth_codes", e))?
            .into_iter()
            .collect();
        let sms: Vec<(String, crate::state::Sms)> = rows(c, "sms").map_err(|e| bad("sms", e))?;
        w.sms = sms.into_iter().map(|(_, s)| (s.id, s)).collect();
        w.messages = rows(c, "messages")
            .map_err(|e| bad("messages", e))?
            .into_iter()
            .collect();
        w.reactions = rows(c, "reactions")
            .map_err(|e| bad("reactions", e))?
            .into_iter()
            .collect();
        w.webhooks = rows(c, "webhooks")
            .map_err(|e| bad("webhooks", e))?
            .into_iter()
            .collect();

        let groups: Vec<(String, GroupRow)> = rows(c, "groups").map_err(|e| bad("groups", e))?;
        w.groups = groups
            .into_iter()
            .map(|(k, g)| {
                (
                    k,
                    Group {
                        id: g.id,
                        name: g.name,
                        image_url: g.image_url,
                        welcome_message: g.welcome_message,
                        group_type: g.group_type,
                        mapped_to_tenant: g.mapped_to_tenant,
                        members: Table::new(),
                        subscribers: Table::new(),
                        sub_groups: g.sub_groups,
                        parents: g.parents,
                        created_at: g.created_at,
                    },
                )
            })
            .collect();
        {
            let mut st = c
                .prepare("SELECT g, u, role FROM members ORDER BY rowid")
                .map_err(sql)?;
            let it = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(sql)?;
            for row in it {
                let (g, u, role) = row.map_err(sql)?;
                let role = role_from(&role).ok_or_else(|| bad("members", role.clone()))?;
                if let Some(group) = w.groups.get_mut_quiet(&g) {
                    group.members.insert(u, role);
                }
            }
            let mut st = c
                .prepare("SELECT g, u FROM subscribers ORDER BY rowid")
                .map_err(sql)?;
            let it = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(sql)?;
            for row in it {
                let (g, u) = row.map_err(sql)?;
                if let Some(group) = w.groups.get_mut_quiet(&g) {
                    group.subscribers.insert(u, ());
                }
            }
        }

        let actions: Vec<(String, ActionRow)> =
            rows(c, "actions").map_err(|e| bad("actions", e))?;
        w.actions = actions
            .into_iter()
            .map(|(k, a)| {
                (
                    k,
                    Action {
                        id: a.id,
                        group_id: a.group_id,
                        action_type: a.action_type,
                        package_id: a.package_id,
                        sender_id: a.sender_id,
                        sent_at: a.sent_at,
                        body: a.body,
                        recipients: a.recipients,
                        responses: Table::new(),
                    },
                )
            })
            .collect();
        {
            let mut st = c
                .prepare("SELECT a, k, v FROM responses ORDER BY rowid")
                .map_err(sql)?;
            let it = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(sql)?;
            for row in it {
                let (a, k, v) = row.map_err(sql)?;
                let resp = serde_json::from_str(&v).map_err(|e| bad("responses", e.to_string()))?;
                if let Some(action) = w.actions.get_mut_quiet(&a) {
                    action.responses.insert(k, resp);
                }
            }
            let mut st = c
                .prepare(
                    "SELECT k, file_name, mime, uploaded_by, uploaded_at, bytes FROM media ORDER BY rowid",
                )
                .map_err(sql)?;
            let it = st
                .query_map([], |r| {
                    Ok(Media {
                        id: r.get(0)?,
                        file_name: r.get(1)?,
                        mime: r.get(2)?,
                        uploaded_by: r.get(3)?,
                        uploaded_at: r.get(4)?,
                        bytes: Bytes::from(r.get::<_, Vec<u8>>(5)?),
                    })
                })
                .map_err(sql)?;
            let mut media = Vec::new();
            for row in it {
                let m = row.map_err(sql)?;
                media.push((m.id.clone(), m));
            }
            w.media = media.into_iter().collect();
        }
        w.reindex();
        w.clear_changes();
        Ok(w)
    }
}
