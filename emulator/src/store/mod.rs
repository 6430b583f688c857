//! `--data FILE`: the world in SQLite (what a save writes is in `drain`, reading it back in
//! `load`), a row per entity. A save writes only the rows that changed
//! since the last one, in one transaction; a file another emulator holds, or one this emulator
//! cannot read as its own, stops start-up and is left as it is.
//!
//! Durability: the database runs in WAL mode with `synchronous=FULL`, so a transaction is on disk
//! (the WAL fsynced) when its commit returns, and a call is answered only after that. `NORMAL` would
//! also survive the emulator being killed (the OS still holds what was written), but not the
//! machine losing power; saves of concurrent calls share a commit, which keeps FULL affordable.
//! Locking: `locking_mode=EXCLUSIVE` plus a write at opening, so the file stays locked for as long
//! as this emulator runs and a second one is refused.

mod drain;
mod load;

pub use drain::{drain, Batch, Op};

use drain::role_text;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, ErrorCode, OpenFlags};

use crate::clock::system_now;
use crate::world::World;

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

/// Rows written so far, per table (the tests count them to show what a change costs).
pub type Stats = BTreeMap<&'static str, u64>;

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
pub(super) fn open_error(path: &Path, e: rusqlite::Error) -> String {
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
