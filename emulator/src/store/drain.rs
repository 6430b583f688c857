//! What a save writes: the world's changes taken out as row operations (`drain`), and the row
//! shapes of the entities that keep their inner tables apart.

use std::collections::HashSet;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::state::{Action, Group, Media, Ms, Role, SeedInfo, Tenant};
use crate::table::{Changed, Table};
use crate::world::World;

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
    pub(super) fn table(&self) -> &'static str {
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

/// The fields of the world outside its tables.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct MetaRow {
    pub(super) version: u32,
    pub(super) tenant: Tenant,
    pub(super) next_region: u32,
    pub(super) clock_offset_ms: Ms,
    pub(super) last_instant: Ms,
    pub(super) seed: SeedInfo,
    pub(super) last_sms_id: u64,
}

/// A group's own fields (its members and subscribers are rows of their own).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct GroupRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) image_url: String,
    pub(super) welcome_message: String,
    pub(super) group_type: String,
    pub(super) mapped_to_tenant: bool,
    pub(super) sub_groups: Vec<String>,
    pub(super) parents: Vec<String>,
    pub(super) created_at: Ms,
}

/// An action's own fields (its responses are rows of their own).
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ActionRow {
    pub(super) id: String,
    pub(super) group_id: String,
    pub(super) action_type: String,
    pub(super) package_id: Option<String>,
    pub(super) sender_id: String,
    pub(super) sent_at: Ms,
    pub(super) body: serde_json::Value,
    pub(super) recipients: Vec<String>,
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

pub(super) fn role_text(r: Role) -> &'static str {
    r.as_str()
}

pub(super) fn role_from(s: &str) -> Option<Role> {
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
