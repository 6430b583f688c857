//! The emulated platform's whole state (the "world"): tenant, connectors, users, groups, tokens, content.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::table::{Keyed, Table};

/// Epoch milliseconds.
pub type Ms = i64;

pub const DAY_MS: Ms = 24 * 60 * 60 * 1000;
/// The last instant the emulator's clock may show (9999-12-31T23:59:59.999Z): every date the
/// platform hands out stays a four-digit year, and adding any lifetime to it cannot overflow.
pub const MAX_INSTANT: Ms = 253_402_300_799_999;
/// The most `/_emulator/clock` moves the clock in one call (100 years).
pub const MAX_ADVANCE_MS: Ms = 100 * 365 * DAY_MS;
pub const ACCESS_TOKEN_LIFE_MS: Ms = DAY_MS;
pub const REFRESH_TOKEN_LIFE_MS: Ms = 365 * DAY_MS;
/// A refresh token is rotated once 90 % of its life has passed (328.5 days).
pub const ROTATE_AFTER_MS: Ms = REFRESH_TOKEN_LIFE_MS / 10 * 9;

/// Every scope of §2, in the order the platform lists them.
pub const ALL_SCOPES: &[&str] = &[
    "groupinfo.read",
    "groupinfo.write",
    "groupinfo.remove",
    "groupinfo.update",
    "groupmember.read",
    "groupmember.write",
    "groupmember.remove",
    "groupmember.update",
    "textmessage.read",
    "textmessage.write",
    "action.read",
    "action.write",
    "action.update",
    "profile.read",
    "profile.write",
    "media.read",
    "media.write",
    "webhook.read",
    "webhook.write",
    "webhook.remove",
    "webhook.update",
    "tenantdata.read",
    "tenantdata.write",
    "tenantdata.remove",
    "reaction.read",
    "reaction.write",
];

/// A random, unguessable token: 32 bytes from the OS, base64url.
pub fn random_token() -> String {
    let mut buf = [0u8; 32];
    // The OS random source only fails on a broken system; fall back to a v4 UUID pair then.
    if getrandom::fill(&mut buf).is_err() {
        let a = uuid::Uuid::new_v4();
        let b = uuid::Uuid::new_v4();
        buf[..16].copy_from_slice(a.as_bytes());
        buf[16..].copy_from_slice(b.as_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A random number in `0..n` (n > 0).
pub fn random_below(n: u32) -> u32 {
    let mut buf = [0u8; 4];
    let _ = getrandom::fill(&mut buf);
    u32::from_le_bytes(buf) % n.max(1)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Connector {
    pub id: String,
    pub secret: String,
    pub name: String,
    pub active: bool,
    pub scopes: Vec<String>,
    /// Groups the connector was removed from while deactivated: no token there until reactivated.
    #[serde(default)]
    pub removed_from: Vec<String>,
    /// A throttle of its own instead of `--connector-limit` a minute (dev API, for tests).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

/// `calls` per `window_ms` for one connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    pub calls: u32,
    pub window_ms: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrgRole {
    OrgAdmin,
    User,
    /// A number known to the platform but not a user of this organisation (e.g. a subscriber).
    External,
    Bot,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub mobile: String,
    pub name: String,
    pub profile_pic: String,
    pub org_role: OrgRole,
    pub region: String,
    pub provisioned: bool,
    #[serde(default)]
    pub bot: Option<BotInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BotInfo {
    pub creator_id: String,
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Member => "Member",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Membership {
    pub user_id: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub image_url: String,
    pub welcome_message: String,
    /// "Group" or "ConnectGroup" (a managed public group).
    pub group_type: String,
    pub mapped_to_tenant: bool,
    /// Members by user id, in the order they joined (written as a list of `Membership`).
    #[serde(with = "members")]
    pub members: Table<String, Role>,
    /// Subscriber user ids of a public group, in the order they subscribed (written as a list).
    #[serde(with = "subscribers")]
    pub subscribers: Table<String, ()>,
    pub sub_groups: Vec<String>,
    pub parents: Vec<String>,
    pub created_at: Ms,
}

impl Group {
    pub fn is_public(&self) -> bool {
        self.group_type == "ConnectGroup"
    }
    pub fn role_of(&self, user_id: &str) -> Option<Role> {
        self.members.get(user_id).copied()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    /// Granted by a group admin: admin rights in that one group.
    Group {
        group_id: String,
    },
    /// Generated by a user: every group the user belongs to (tenant-wide for an organisation admin).
    User,
    Pin,
    OAuth,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshToken {
    pub application_id: String,
    pub kind: TokenKind,
    pub user_id: String,
    pub scopes: Vec<String>,
    pub issued_at: Ms,
    pub expires_at: Ms,
    pub revoked: bool,
    /// The token that replaces this one once 90 % of its life has passed.
    #[serde(default)]
    pub successor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessToken {
    pub application_id: String,
    pub refresh_token: Option<String>,
    pub user_id: String,
    pub group_id: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: Ms,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sms {
    /// Numbers the PINs in the order they were sent.
    #[serde(default)]
    pub id: u64,
    pub mobile: String,
    pub pin: u32,
    pub application_id: String,
    pub sent_at: Ms,
    pub used: bool,
    pub attempts: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuthCode {
    pub application_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub expires_at: Ms,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub reference_id: String,
    pub group_id: String,
    pub sender_id: String,
    pub text: String,
    pub sent_at: Ms,
    /// Subscribers (user ids) a public-group message went to; empty for a group message.
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionResponse {
    pub id: String,
    pub responder_id: String,
    pub body: Value,
    pub created_at: Ms,
    pub updated_at: Ms,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Action {
    pub id: String,
    pub group_id: String,
    /// The platform's actionType; for a custom package, the package id is in `package_id`.
    pub action_type: String,
    pub package_id: Option<String>,
    pub sender_id: String,
    pub sent_at: Ms,
    pub body: Value,
    pub recipients: Vec<String>,
    /// Responses by id, oldest first (written as a list).
    #[serde(with = "crate::table::list")]
    pub responses: Table<String, ActionResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Media {
    pub id: String,
    pub file_name: String,
    pub mime: String,
    #[serde(with = "b64")]
    pub bytes: Bytes,
    pub uploaded_by: String,
    pub uploaded_at: Ms,
}

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(bytes::Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reaction {
    pub id: String,
    pub group_id: String,
    pub source_group_id: String,
    pub reference_id: String,
    pub user_id: String,
    /// "Like" or "Comment".
    pub reaction_type: String,
    pub comment: Option<String>,
    pub last_modified: Ms,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingEvent {
    pub event: Value,
    /// Failed deliveries so far.
    pub failures: u32,
    /// Not before this instant (emulator clock).
    pub next_at: Ms,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub application_id: String,
    pub owner_id: String,
    pub object_id: String,
    pub object_type: String,
    pub event_types: Vec<String>,
    pub callback_url: String,
    pub callback_token: Option<String>,
    pub callback_context: Option<Value>,
    pub filters: Value,
    pub created_at: Ms,
    pub validity: Ms,
    pub active: bool,
    pub queue: VecDeque<PendingEvent>,
    pub delivered: u64,
    /// Events not queued because the queue was full (`events::MAX_QUEUE`).
    #[serde(default)]
    pub dropped: u64,
}

/// One call seen by the emulator (the dev API's request log).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub seq: u64,
    pub at: Ms,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub changed_state: bool,
}

/// What the seed handed out, for `/_emulator/seed`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SeedInfo {
    pub group_refresh_token: String,
    pub group_token_group_id: String,
    pub user_refresh_token: String,
    pub user_token_mobile: String,
    pub main_group_id: String,
    pub public_group_id: String,
}

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

impl Keyed for Message {
    type Key = String;
    fn key(&self) -> String {
        self.reference_id.clone()
    }
}

impl Keyed for Reaction {
    type Key = String;
    fn key(&self) -> String {
        self.id.clone()
    }
}

impl Keyed for ActionResponse {
    type Key = String;
    fn key(&self) -> String {
        self.id.clone()
    }
}

/// A group's members, written as `[{user_id, role}]` in the order they joined.
mod members {
    use super::{Membership, Role, Table};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Table<String, Role>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(t.iter().map(|(user_id, role)| Membership {
            user_id: user_id.clone(),
            role: *role,
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Table<String, Role>, D::Error> {
        let list = Vec::<Membership>::deserialize(d)?;
        Ok(list.into_iter().map(|m| (m.user_id, m.role)).collect())
    }
}

/// A public group's subscribers, written as a list of user ids.
mod subscribers {
    use super::Table;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Table<String, ()>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(t.keys())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Table<String, ()>, D::Error> {
        let list = Vec::<String>::deserialize(d)?;
        Ok(list.into_iter().map(|id| (id, ())).collect())
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

pub fn system_now() -> Ms {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| Ms::try_from(d.as_millis()).unwrap_or(MAX_INSTANT))
        .unwrap_or(0)
}

/// ISO 8601 UTC with milliseconds, e.g. `2026-11-23T08:00:00.000Z`.
pub fn iso(ms: Ms) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)` to epoch ms.
pub fn parse_iso(s: &str) -> Option<Ms> {
    let b = s.as_bytes();
    if b.len() < 16 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |a: usize, n: usize| -> Option<i64> { s.get(a..a + n)?.parse().ok() };
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if !matches!(b.get(10), Some(b'T') | Some(b' ')) {
        return None;
    }
    let (h, mi) = (num(11, 2)?, num(14, 2)?);
    let mut i = 16;
    let mut sec = 0;
    let mut ms = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
            let frac = s.get(start..end)?;
            let padded = format!("{:0<3}", frac.get(..3.min(frac.len()))?);
            ms = padded.parse().ok()?;
            i = end;
        }
    }
    let offset_min = match b.get(i) {
        None | Some(b'Z') => 0,
        Some(b'+') | Some(b'-') => {
            let sign = if b[i] == b'-' { -1 } else { 1 };
            let oh = num(i + 1, 2)?;
            let om = if b.get(i + 3) == Some(&b':') {
                num(i + 4, 2)?
            } else {
                num(i + 3, 2).unwrap_or(0)
            };
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    Some(((days * 86_400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + ms)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// E.164: `+`, a non-zero digit, then 7 to 14 more digits.
pub fn is_e164(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&rest.len())
        && rest.bytes().all(|c| c.is_ascii_digit())
        && !rest.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips() {
        let t = 1_795_392_000_123; // 2026-11-23T...
        assert_eq!(parse_iso(&iso(t)), Some(t));
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            parse_iso("2024-02-29T12:30:00+05:30"),
            parse_iso("2024-02-29T07:00:00Z")
        );
        assert_eq!(parse_iso("not a date"), None);
    }

    #[test]
    fn e164() {
        assert!(is_e164("+911099999999"));
        assert!(!is_e164("911099999999"));
        assert!(!is_e164("+0123456789"));
        assert!(!is_e164("+12"));
        assert!(!is_e164("+91 1099999999"));
    }

    #[test]
    fn tokens_are_random() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }
}
