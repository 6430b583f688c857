//! What the emulated platform holds, entity by entity: tenant, connectors, users, groups, tokens,
//! messages, actions, media, reactions, webhooks (the `World` that holds them all is in `world`).

use std::collections::VecDeque;

use base64::Engine;
use bytes::Bytes;
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

/// Every scope of docs/platform.md#permissions-and-scopes, in the order the platform lists them.
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
