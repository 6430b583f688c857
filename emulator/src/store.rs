//! `--data FILE`: the world in SQLite, a row per entity. A save writes only the rows that changed
//! since the last one, in one transaction; a file another emulator holds, or one this emulator
//! cannot read as its own, stops start-up and is left as it is.
//!
//! Durability: the database runs in WAL mode with `synchronous=FULL`, so a transaction is on disk
//! (the WAL fsynced) when its commit returns, and a call is answered only after that. `NORMAL` would
//! also survive the emulator being killed (the OS still holds what was written), but not the
//! machine losing power; saves of concurrent calls share a commit, which keeps FULL affordable.
//! Locking: `locking_mode=EXCLUSIVE` plus a write at opening, so the file stays locked for as long
//! as this emulator runs and a second one is refused.

use std::collections::{BTreeMap, HashSet};
use std::hash::Hash;
use std::io::Read;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock::system_now;
use crate::state::{Action, Group, Media, Ms, Role, SeedInfo, Tenant};
use crate::table::{Changed, Table};
use crate::world::{World, STATE_VERSION};

/// `PRAGMA user_version` of the database this emulator writes.
pub const SCHEMA_VERSION: i64 = 1;
/// `PRAGMA application_id`: "KZLA", so another program's SQLite file is recognised as such.
const APPLICATION_ID: i64 = 0x4B5A_4C41;

/// Tables of `(k TEXT PRIMARY KEY, v TEXT)`: one JSON row per entity.
const ROW_TABLES: &[&str] = &[
    "meta",
    "connectors",
    "users",
    "groups",
    "refresh_tokens",
    "access_tokens",
    "oauth_codes",
    "sms",
    "messages",
    "actions",
    "reactions",
    "webhooks",
];

/// One change to write.
#[derive(Debug)]
pub enum Op {
    Put {
        table: &'static str,
        key: String,
        value: String,
    },
    Delete {
        table: &'static str,
        key: String,
    },
    /// Empties a table (before it is written whole).
    Clear(&'static str),
    Member {
        group: String,
        user: String,
        role: Option<Role>,
    },
    ClearMembers(String),
    Subscriber {
        group: String,
        user: String,
        present: bool,
    },
    ClearSubscribers(String),
    Response {
        action: String,
        key: String,
        value: Option<String>,
    },
    ClearResponses(String),
    Media(Box<Media>),
}

impl Op {
    /// The table the op writes, for the statistics.
    fn table(&self) -> &'static str {
        match self {
            Op::Put { table, .. } | Op::Delete { table, .. } | Op::Clear(table) => table,
            Op::Member { .. } | Op::ClearMembers(_) => "members",
            Op::Subscriber { .. } | Op::ClearSubscribers(_) => "subscribers",
            Op::Response { .. } | Op::ClearResponses(_) => "responses",
            Op::Media(_) => "media",
        }
    }
}

/// What one save writes.
#[derive(Debug, Default)]
pub struct Batch {
    pub ops: Vec<Op>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Rows written so far, per table (the tests count them to show what a change costs).
pub type Stats = BTreeMap<&'static str, u64>;

/// The fields of the world outside its tables.
#[derive(Debug, Serialize, Deserialize)]
struct MetaRow {
    version: u32,
    tenant: Tenant,
    next_region: u32,
    clock_offset_ms: Ms,
    last_instant: Ms,
    seed: SeedInfo,
    last_sms_id: u64,
}

/// A group's own fields (its members and subscribers are rows of their own).
#[derive(Debug, Serialize, Deserialize)]
struct GroupRow {
    id: String,
    name: String,
    image_url: String,
    welcome_message: String,
    group_type: String,
    mapped_to_tenant: bool,
    sub_groups: Vec<String>,
    parents: Vec<String>,
    created_at: Ms,
}

/// An action's own fields (its responses are rows of their own).
#[derive(Debug, Serialize, Deserialize)]
struct ActionRow {
    id: String,
    group_id: String,
    action_type: String,
    package_id: Option<String>,
    sender_id: String,
    sent_at: Ms,
    body: serde_json::Value,
    recipients: Vec<String>,
}

fn group_row(g: &Group) -> GroupRow {
    GroupRow {
        id: g.id.clone(),
        name: g.name.clone(),
        image_url: g.image_url.clone(),
        welcome_message: g.welcome_message.clone(),
        group_type: g.group_type.clone(),
        mapped_to_tenant: g.mapped_to_tenant,
        sub_groups: g.sub_groups.clone(),
        parents: g.parents.clone(),
        created_at: g.created_at,
    }
}

fn action_row(a: &Action) -> ActionRow {
    ActionRow {
        id: a.id.clone(),
        group_id: a.group_id.clone(),
        action_type: a.action_type.clone(),
        package_id: a.package_id.clone(),
        sender_id: a.sender_id.clone(),
        sent_at: a.sent_at,
        body: a.body.clone(),
        recipients: a.recipients.clone(),
    }
}

fn json<T: Serialize>(v: &T) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| format!("cannot write a row: {e}"))
}

fn role_text(r: Role) -> &'static str {
    r.as_str()
}

fn role_from(s: &str) -> Option<Role> {
    match s {
        "Admin" => Some(Role::Admin),
        "Member" => Some(Role::Member),
        _ => None,
    }
}

/// The keys to visit for a table's changes: every key for `All`, else the changed and the
/// inner-changed ones.
fn keys_of<K: Hash + Eq + Clone, V>(
    t: &Table<K, V>,
    changed: &Changed<K>,
    inner: HashSet<K>,
) -> Vec<(K, bool)> {
    match changed {
        Changed::All => t.keys().map(|k| (k.clone(), true)).collect(),
        Changed::Keys(keys) => {
            let mut out: Vec<(K, bool)> = keys.iter().map(|k| (k.clone(), true)).collect();
            out.extend(
                inner
                    .into_iter()
                    .filter(|k| !keys.contains(k))
                    .map(|k| (k, false)),
            );
            out
        }
    }
}

/// The ops of a table of JSON rows.
fn drain_rows<K: Hash + Eq + Clone + ToString, V: Serialize>(
    ops: &mut Vec<Op>,
    table: &'static str,
    t: &mut Table<K, V>,
) -> Result<(), String> {
    let (changed, _) = t.take_changed();
    if let Changed::All = changed {
        ops.push(Op::Clear(table));
    }
    for (k, _) in keys_of(t, &changed, HashSet::new()) {
        match t.get(&k) {
            Some(v) => ops.push(Op::Put {
                table,
                key: k.to_string(),
                value: json(v)?,
            }),
            None => ops.push(Op::Delete {
                table,
                key: k.to_string(),
            }),
        }
    }
    Ok(())
}

/// The ops of a nested table (a group's members, …): `clear` then every row for `All`, else the
/// changed rows; `row` makes a row's op (`None` = removed).
fn drain_nested<V>(
    ops: &mut Vec<Op>,
    t: &mut Table<String, V>,
    clear: impl FnOnce() -> Op,
    row: impl Fn(&String, Option<&V>) -> Result<Op, String>,
) -> Result<(), String> {
    let (changed, _) = t.take_changed();
    if let Changed::All = changed {
        ops.push(clear());
    }
    for (k, _) in keys_of(t, &changed, HashSet::new()) {
        ops.push(row(&k, t.get(&k))?);
    }
    Ok(())
}

fn drain_group(ops: &mut Vec<Op>, id: &str, g: &mut Group, own: bool) -> Result<(), String> {
    if own {
        ops.push(Op::Put {
            table: "groups",
            key: id.to_string(),
            value: json(&group_row(g))?,
        });
    }
    let gid = id.to_string();
    drain_nested(
        ops,
        &mut g.members,
        || Op::ClearMembers(gid.clone()),
        |u, r| {
            Ok(Op::Member {
                group: gid.clone(),
                user: u.clone(),
                role: r.copied(),
            })
        },
    )?;
    drain_nested(
        ops,
        &mut g.subscribers,
        || Op::ClearSubscribers(gid.clone()),
        |u, r| {
            Ok(Op::Subscriber {
                group: gid.clone(),
                user: u.clone(),
                present: r.is_some(),
            })
        },
    )
}

fn drain_action(ops: &mut Vec<Op>, id: &str, a: &mut Action, own: bool) -> Result<(), String> {
    if own {
        ops.push(Op::Put {
            table: "actions",
            key: id.to_string(),
            value: json(&action_row(a))?,
        });
    }
    let aid = id.to_string();
    drain_nested(
        ops,
        &mut a.responses,
        || Op::ClearResponses(aid.clone()),
        |k, r| {
            Ok(Op::Response {
                action: aid.clone(),
                key: k.clone(),
                value: r.map(json).transpose()?,
            })
        },
    )
}

/// Takes every change out of the world (which then has none) as the ops that save them.
pub fn drain(w: &mut World) -> Result<Batch, String> {
    let mut ops = Vec::new();
    if w.take_meta_changed() {
        let meta = MetaRow {
            version: w.version,
            tenant: w.tenant.clone(),
            next_region: w.next_region,
            clock_offset_ms: w.clock_offset_ms,
            last_instant: w.last_instant,
            seed: w.seed.clone(),
            last_sms_id: w.last_sms_id,
        };
        ops.push(Op::Put {
            table: "meta",
            key: "world".into(),
            value: json(&meta)?,
        });
    }
    drain_rows(&mut ops, "connectors", &mut w.connectors)?;
    drain_rows(&mut ops, "users", w.users_table())?;
    drain_rows(&mut ops, "refresh_tokens", &mut w.refresh_tokens)?;
    drain_rows(&mut ops, "access_tokens", &mut w.access_tokens)?;
    drain_rows(&mut ops, "oauth_codes", &mut w.oauth_codes)?;
    drain_rows(&mut ops, "sms", &mut w.sms)?;
    drain_rows(&mut ops, "messages", &mut w.messages)?;
    drain_rows(&mut ops, "reactions", &mut w.reactions)?;
    drain_rows(&mut ops, "webhooks", &mut w.webhooks)?;

    let (changed, inner) = w.groups.take_changed();
    if let Changed::All = changed {
        ops.push(Op::Clear("groups"));
        ops.push(Op::Clear("members"));
        ops.push(Op::Clear("subscribers"));
    }
    for (id, own) in keys_of(&w.groups, &changed, inner) {
        match w.groups.get_mut_quiet(&id) {
            Some(g) => {
                if matches!(changed, Changed::All) {
                    g.members.mark_all();
                    g.subscribers.mark_all();
                }
                drain_group(&mut ops, &id, g, own)?;
            }
            None => {
                ops.push(Op::Delete {
                    table: "groups",
                    key: id.clone(),
                });
                ops.push(Op::ClearMembers(id.clone()));
                ops.push(Op::ClearSubscribers(id));
            }
        }
    }

    let (changed, inner) = w.actions.take_changed();
    if let Changed::All = changed {
        ops.push(Op::Clear("actions"));
        ops.push(Op::Clear("responses"));
    }
    for (id, own) in keys_of(&w.actions, &changed, inner) {
        match w.actions.get_mut_quiet(&id) {
            Some(a) => {
                if matches!(changed, Changed::All) {
                    a.responses.mark_all();
                }
                drain_action(&mut ops, &id, a, own)?;
            }
            None => {
                ops.push(Op::Delete {
                    table: "actions",
                    key: id.clone(),
                });
                ops.push(Op::ClearResponses(id));
            }
        }
    }

    // Media rows are written when a file is stored and never again.
    let (changed, _) = w.media.take_changed();
    if let Changed::All = changed {
        ops.push(Op::Clear("media"));
    }
    for (id, _) in keys_of(&w.media, &changed, HashSet::new()) {
        match w.media.get(&id) {
            Some(m) => ops.push(Op::Media(Box::new(m.clone()))),
            None => ops.push(Op::Delete {
                table: "media",
                key: id,
            }),
        }
    }
    Ok(Batch { ops })
}

/// An open `--data` database, locked for this emulator.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    stats: Stats,
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

fn in_use(path: &Path) -> String {
    format!(
        "the state file {} is in use by another emulator (or another program); stop it, or pass another --data",
        path.display()
    )
}

/// Turns an SQLite error at opening into the message start-up stops with.
fn open_error(path: &Path, e: rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => in_use(path),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => format!(
            "the state file {} is corrupt ({e}); it was left untouched — move it away or pass another --data to start afresh",
            path.display()
        ),
        _ => format!("cannot open the state file {}: {e}", path.display()),
    }
}

impl Store {
    /// Opens (or creates, mode 0600) the database at `path`, locks it, and reads the world it
    /// holds (`None` for a new, empty file). Refuses, touching nothing: a file another emulator
    /// holds, a JSON state file of an older emulator, a corrupt file, another program's database,
    /// and a database of another schema version.
    pub fn open(path: &Path) -> Result<(Store, Option<World>), String> {
        check_header(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
        let err = |e: rusqlite::Error| open_error(path, e);
        conn.busy_timeout(std::time::Duration::ZERO).map_err(err)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(err)?;
        // Reads first: nothing is written to a file that is not ours.
        let app: i64 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(err)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(err)?;
        let fresh = tables == 0 && app == 0 && version == 0;
        if !fresh {
            if app != APPLICATION_ID {
                return Err(format!(
                    "the state file {} is an SQLite database of another program; it was left untouched — pass another --data",
                    path.display()
                ));
            }
            if version != SCHEMA_VERSION {
                let age = if version < SCHEMA_VERSION {
                    "an older"
                } else {
                    "a newer"
                };
                return Err(format!(
                    "the state file {} was written by {age} emulator (format {version}; this one reads format {SCHEMA_VERSION}); it was left untouched",
                    path.display()
                ));
            }
            let check: String = conn
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(err)?;
            if check != "ok" {
                return Err(format!(
                    "the state file {} is corrupt ({check}); it was left untouched — move it away or pass another --data to start afresh",
                    path.display()
                ));
            }
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "the state file {} could not be put in WAL mode (it is in {mode} mode)",
                path.display()
            ));
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            stats: Stats::new(),
        };
        if fresh {
            store.create_schema().map_err(err)?;
        }
        // A world is there once its first save is committed (a start-up that failed before it
        // leaves an empty database, which is taken as new).
        let saved: bool = store
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM meta WHERE k = 'world')",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        let world = if saved { Some(store.load()?) } else { None };
        // A write now takes the exclusive lock for as long as this emulator runs.
        store
            .conn
            .execute(
                "INSERT INTO meta (k, v) VALUES ('opened', ?1) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                params![system_now().to_string()],
            )
            .map_err(err)?;
        Ok((store, world))
    }

    fn create_schema(&mut self) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        for t in ROW_TABLES {
            tx.execute_batch(&format!(
                "CREATE TABLE {t} (k TEXT PRIMARY KEY NOT NULL, v TEXT NOT NULL);"
            ))?;
        }
        tx.execute_batch(
            "CREATE TABLE members (g TEXT NOT NULL, u TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (g, u));
             CREATE TABLE subscribers (g TEXT NOT NULL, u TEXT NOT NULL, PRIMARY KEY (g, u));
             CREATE TABLE responses (a TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (a, k));
             CREATE TABLE media (k TEXT PRIMARY KEY NOT NULL, file_name TEXT NOT NULL, mime TEXT NOT NULL,
                                 uploaded_by TEXT NOT NULL, uploaded_at INTEGER NOT NULL, bytes BLOB NOT NULL);",
        )?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()
    }

    /// Reads every table back into a world (rows in the order they were first written).
    fn load(&mut self) -> Result<World, String> {
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

    /// Writes a batch in one transaction; it is on disk when this returns `Ok`.
    pub fn write(&mut self, batch: &Batch) -> Result<(), String> {
        let path = self.path.display().to_string();
        let fail = |e: rusqlite::Error| format!("cannot write the state file {path}: {e}");
        let tx = self.conn.transaction().map_err(fail)?;
        for op in &batch.ops {
            match op {
                Op::Put { table, key, value } => {
                    tx.prepare_cached(&format!(
                        "INSERT INTO {table} (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
                    ))
                    .and_then(|mut s| s.execute(params![key, value]))
                    .map_err(fail)?;
                }
                Op::Delete { table, key } => {
                    tx.prepare_cached(&format!("DELETE FROM {table} WHERE k = ?1"))
                        .and_then(|mut s| s.execute(params![key]))
                        .map_err(fail)?;
                }
                Op::Clear(table) => {
                    tx.execute(&format!("DELETE FROM {table}"), [])
                        .map_err(fail)?;
                }
                Op::Member { group, user, role } => {
                    match role {
                        Some(r) => tx.prepare_cached(
                            "INSERT INTO members (g, u, role) VALUES (?1, ?2, ?3) ON CONFLICT (g, u) DO UPDATE SET role = excluded.role",
                        )
                        .and_then(|mut s| s.execute(params![group, user, role_text(*r)])),
                        None => tx
                            .prepare_cached("DELETE FROM members WHERE g = ?1 AND u = ?2")
                            .and_then(|mut s| s.execute(params![group, user])),
                    }
                    .map_err(fail)?;
                }
                Op::ClearMembers(g) => {
                    tx.prepare_cached("DELETE FROM members WHERE g = ?1")
                        .and_then(|mut s| s.execute(params![g]))
                        .map_err(fail)?;
                }
                Op::Subscriber {
                    group,
                    user,
                    present,
                } => {
                    if *present {
                        tx.prepare_cached(
                            "INSERT INTO subscribers (g, u) VALUES (?1, ?2) ON CONFLICT (g, u) DO NOTHING",
                        )
                    } else {
                        tx.prepare_cached("DELETE FROM subscribers WHERE g = ?1 AND u = ?2")
                    }
                    .and_then(|mut s| s.execute(params![group, user]))
                    .map_err(fail)?;
                }
                Op::ClearSubscribers(g) => {
                    tx.prepare_cached("DELETE FROM subscribers WHERE g = ?1")
                        .and_then(|mut s| s.execute(params![g]))
                        .map_err(fail)?;
                }
                Op::Response { action, key, value } => {
                    match value {
                        Some(v) => tx.prepare_cached(
                            "INSERT INTO responses (a, k, v) VALUES (?1, ?2, ?3) ON CONFLICT (a, k) DO UPDATE SET v = excluded.v",
                        )
                        .and_then(|mut s| s.execute(params![action, key, v])),
                        None => tx
                            .prepare_cached("DELETE FROM responses WHERE a = ?1 AND k = ?2")
                            .and_then(|mut s| s.execute(params![action, key])),
                    }
                    .map_err(fail)?;
                }
                Op::ClearResponses(a) => {
                    tx.prepare_cached("DELETE FROM responses WHERE a = ?1")
                        .and_then(|mut s| s.execute(params![a]))
                        .map_err(fail)?;
                }
                Op::Media(m) => {
                    tx.prepare_cached(
                        "INSERT INTO media (k, file_name, mime, uploaded_by, uploaded_at, bytes)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (k) DO UPDATE SET file_name = excluded.file_name, mime = excluded.mime,
                           uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at, bytes = excluded.bytes",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            m.id,
                            m.file_name,
                            m.mime,
                            m.uploaded_by,
                            m.uploaded_at,
                            m.bytes.as_ref()
                        ])
                    })
                    .map_err(fail)?;
                }
            }
        }
        tx.commit().map_err(fail)?;
        for op in &batch.ops {
            *self.stats.entry(op.table()).or_default() += 1;
        }
        Ok(())
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// Refuses, before SQLite opens it, a file that is not an SQLite database (an older emulator's
/// JSON state, or anything else); creates a missing file, readable by its owner only.
fn check_header(path: &Path) -> Result<(), String> {
    match std::fs::File::open(path) {
        Ok(mut f) => {
            let mut head = Vec::with_capacity(16);
            f.by_ref()
                .take(16)
                .read_to_end(&mut head)
                .map_err(|e| format!("cannot read the state file {}: {e}", path.display()))?;
            if head.is_empty() || head.as_slice() == SQLITE_HEADER {
                return Ok(());
            }
            if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                return Err(format!(
                    "the state file {} holds the JSON state of an older emulator; it was left untouched — carry it over with --import {} --data NEW-FILE",
                    path.display(),
                    path.display()
                ));
            }
            Err(format!(
                "the state file {} is not an emulator database, or is corrupt; it was left untouched — move it away or pass another --data to start afresh",
                path.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_private(path),
        Err(e) => Err(format!(
            "cannot read the state file {}: {e}",
            path.display()
        )),
    }
}

/// Creates an empty file that only its owner may read and write.
fn create_private(path: &Path) -> Result<(), String> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map(|_| ())
        .map_err(|e| format!("cannot create the state file {}: {e}", path.display()))
}
