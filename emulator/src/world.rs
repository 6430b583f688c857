//! The world: every table of the emulated platform and the fields beside them (clock offset,
//! region counter, seed), with the user index by number and what changed since the last save.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::clock::system_now;
use crate::state::*;
use crate::table::Table;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct World {
    pub version: u32,
    pub tenant: Tenant,
    pub connectors: Table<String, Connector>,
    /// Read with `users()`, changed through `insert_user`, `user_mut` and `remove_user`, which keep
    /// `mobiles` in step.
    users: Table<String, User>,
    /// User ids by mobile number (rebuilt by `reindex`, never saved).
    #[serde(skip)]
    mobiles: HashMap<String, String>,
    pub groups: Table<String, Group>,
    pub refresh_tokens: Table<String, RefreshToken>,
    pub access_tokens: Table<String, AccessToken>,
    /// The SMS outbox by `Sms::id` (written as a list).
    #[serde(with = "sms_list")]
    pub sms: Table<u64, Sms>,
    /// The last `Sms::id` handed out.
    #[serde(default)]
    pub last_sms_id: u64,
    /// Per number, the PINs sent in the last hour that were not used to sign in: (sent at, id).
    /// Kept apart from the SMS outbox, which other numbers' PINs would push out.
    #[serde(skip)]
    pub pin_ledger: HashMap<String, VecDeque<(Ms, u64)>>,
    pub oauth_codes: Table<String, OAuthCode>,
    /// Messages by reference id, oldest first (written as a list).
    #[serde(with = "crate::table::list")]
    pub messages: Table<String, Message>,
    pub actions: Table<String, Action>,
    pub media: Table<String, Media>,
    /// Reactions by id, oldest first (written as a list).
    #[serde(with = "crate::table::list")]
    pub reactions: Table<String, Reaction>,
    pub webhooks: Table<String, Webhook>,
    pub next_region: u32,
    pub clock_offset_ms: Ms,
    /// The last instant handed out for ordering (sentAt values are unique and increasing).
    pub last_instant: Ms,
    pub seed: SeedInfo,
    /// Whether a field outside the tables (the clock, the region counter, …) changed since the last
    /// save; set through `touch`.
    #[serde(skip)]
    meta_changed: bool,
}

pub const STATE_VERSION: u32 = 1;

impl World {
    pub fn empty() -> World {
        World {
            version: STATE_VERSION,
            tenant: Tenant {
                id: new_id(),
                name: String::new(),
            },
            connectors: Table::new(),
            users: Table::new(),
            mobiles: HashMap::new(),
            groups: Table::new(),
            refresh_tokens: Table::new(),
            access_tokens: Table::new(),
            sms: Table::new(),
            last_sms_id: 0,
            pin_ledger: HashMap::new(),
            oauth_codes: Table::new(),
            messages: Table::new(),
            actions: Table::new(),
            media: Table::new(),
            reactions: Table::new(),
            webhooks: Table::new(),
            next_region: 1,
            clock_offset_ms: 0,
            last_instant: 0,
            seed: SeedInfo::default(),
            meta_changed: true,
        }
    }

    pub fn users(&self) -> &Table<String, User> {
        &self.users
    }

    /// Adds (or replaces) a user, keeping the number index in step.
    pub fn insert_user(&mut self, user: User) {
        if let Some(old) = self.users.get(&user.id) {
            if self.mobiles.get(&old.mobile) == Some(&user.id) {
                self.mobiles.remove(&old.mobile);
            }
        }
        if !user.mobile.is_empty() {
            self.mobiles.insert(user.mobile.clone(), user.id.clone());
        }
        self.users.insert(user.id.clone(), user);
    }

    /// A user to change; its number cannot change this way (the index would go stale).
    pub fn user_mut(&mut self, id: &str) -> Option<UserMut<'_>> {
        self.users.get_mut(id).map(UserMut)
    }

    pub fn remove_user(&mut self, id: &str) -> Option<User> {
        let user = self.users.remove(id)?;
        if self.mobiles.get(&user.mobile).is_some_and(|u| u == id) {
            self.mobiles.remove(&user.mobile);
        }
        Some(user)
    }

    /// Rebuilds what is not saved (the number index) after a world was read.
    pub fn reindex(&mut self) {
        self.mobiles = self
            .users()
            .values()
            .filter(|u| !u.mobile.is_empty())
            .map(|u| (u.mobile.clone(), u.id.clone()))
            .collect();
        self.last_sms_id = self
            .last_sms_id
            .max(self.sms.keys().copied().max().unwrap_or(0));
    }

    /// Notes that a field outside the tables changed (so the next save writes it).
    pub fn touch(&mut self) {
        self.meta_changed = true;
    }

    /// Whether anything changed since the last save (`take_meta_changed` and the tables' own).
    pub fn has_changes(&self) -> bool {
        self.meta_changed
            || self.connectors.has_changes()
            || self.users.has_changes()
            || self.groups.has_changes()
            || self.refresh_tokens.has_changes()
            || self.access_tokens.has_changes()
            || self.sms.has_changes()
            || self.oauth_codes.has_changes()
            || self.messages.has_changes()
            || self.actions.has_changes()
            || self.media.has_changes()
            || self.reactions.has_changes()
            || self.webhooks.has_changes()
    }

    pub fn take_meta_changed(&mut self) -> bool {
        std::mem::take(&mut self.meta_changed)
    }

    /// The users table, for the store (which drains and reloads it).
    pub fn users_table(&mut self) -> &mut Table<String, User> {
        &mut self.users
    }

    /// Forgets every change (a world just read from the store, or one nobody saves).
    pub fn clear_changes(&mut self) {
        self.meta_changed = false;
        self.connectors.clear_changed();
        self.users.clear_changed();
        self.groups.clear_changed();
        for g in self.groups.values_mut_quiet() {
            g.members.clear_changed();
            g.subscribers.clear_changed();
        }
        self.refresh_tokens.clear_changed();
        self.access_tokens.clear_changed();
        self.sms.clear_changed();
        self.oauth_codes.clear_changed();
        self.messages.clear_changed();
        self.actions.clear_changed();
        for a in self.actions.values_mut_quiet() {
            a.responses.clear_changed();
        }
        self.media.clear_changed();
        self.reactions.clear_changed();
        self.webhooks.clear_changed();
    }

    /// Every row of every table (and the fields outside them) is to be written at the next save.
    pub fn mark_all(&mut self) {
        self.meta_changed = true;
        self.connectors.mark_all();
        self.users.mark_all();
        self.groups.mark_all();
        self.refresh_tokens.mark_all();
        self.access_tokens.mark_all();
        self.sms.mark_all();
        self.oauth_codes.mark_all();
        self.messages.mark_all();
        self.actions.mark_all();
        self.media.mark_all();
        self.reactions.mark_all();
        self.webhooks.mark_all();
    }

    /// The emulator's clock: real time plus whatever `/_emulator/clock` added.
    pub fn now(&self) -> Ms {
        system_now().saturating_add(self.clock_offset_ms)
    }

    /// A strictly increasing instant, for ordering content by time.
    pub fn instant(&mut self) -> Ms {
        let t = self.now().max(self.last_instant.saturating_add(1));
        self.last_instant = t;
        self.meta_changed = true;
        t
    }

    pub fn user_by_mobile(&self, mobile: &str) -> Option<&User> {
        self.mobiles.get(mobile).and_then(|id| self.users.get(id))
    }

    pub fn user_id_by_mobile(&self, mobile: &str) -> Option<String> {
        self.user_by_mobile(mobile).map(|u| u.id.clone())
    }

    /// The user with that number, created as a not-yet-provisioned outside number when unknown.
    pub fn ensure_user(&mut self, mobile: &str, as_role: OrgRole) -> String {
        if let Some(id) = self.user_id_by_mobile(mobile) {
            return id;
        }
        let id = new_id();
        let tail: String = mobile
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        self.insert_user(User {
            id: id.clone(),
            mobile: mobile.to_string(),
            name: format!("User {tail}"),
            profile_pic: String::new(),
            org_role: as_role,
            region: "inc-000".into(),
            provisioned: false,
            bot: None,
        });
        id
    }

    pub fn user_name(&self, id: &str) -> String {
        self.users
            .get(id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    }

    pub fn user_mobile(&self, id: &str) -> String {
        self.users
            .get(id)
            .map(|u| u.mobile.clone())
            .unwrap_or_default()
    }
}

/// A user being changed: everything but the mobile number (which `World`'s index follows).
pub struct UserMut<'a>(&'a mut User);

impl std::ops::Deref for UserMut<'_> {
    type Target = User;
    fn deref(&self) -> &User {
        self.0
    }
}

impl UserMut<'_> {
    pub fn set_name(&mut self, name: String) {
        self.0.name = name;
    }
    pub fn set_profile_pic(&mut self, pic: String) {
        self.0.profile_pic = pic;
    }
    pub fn set_region(&mut self, region: String) {
        self.0.region = region;
    }
}

/// The SMS outbox, written as a list; entries from before `Sms::id` existed are numbered in order.
mod sms_list {
    use super::{Sms, Table};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Table<u64, Sms>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(t.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Table<u64, Sms>, D::Error> {
        let list = Vec::<Sms>::deserialize(d)?;
        let numbered = list.iter().all(|m| m.id > 0) && list.windows(2).all(|w| w[0].id < w[1].id);
        Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, mut m)| {
                if !numbered {
                    m.id = i as u64 + 1;
                }
                (m.id, m)
            })
            .collect())
    }
}
