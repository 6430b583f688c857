//! What each platform call is: one record per operation (its HTTP method, path and server, whether it may be sent again, its answer's shape, where a page's items are, how it pages), read by the resource modules, `normalize`, the binding and the package's iterators.
//!
//! A resource module validates a call's arguments and body and asks [`spec`] for the request the
//! record describes; the binding's `methods!` table names the same operations, and a test of the
//! binding checks that the two lists agree.

use crate::request::{path, AuthKind, Base, Method, RequestSpec};

/// What a call's successful answer must be (its 2xx body as JSON; an empty body reads as `{}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Anything: `request`, whose caller knows what it asked for.
    Any,
    /// A JSON object.
    Object,
    /// A JSON object holding this array (a listing).
    Listing(&'static str),
}

/// Where the cursor of the next page comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The answer's `cursor`, present only when there is a next page.
    Field,
    /// The answer's `cursor`; absent, empty or `0` (the starting value) ends paging.
    FieldFromZero,
    /// When `hasMore` is true: the newest `sentAt` on the page in epoch ms + 1 (a number).
    NewestSentAt,
}

/// How a listing pages, and the package's iterator over every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// The iterator's JS name on `KaizalaClient` (`subscribers(groupId, options)`, …).
    pub iterator: &'static str,
    /// How many id arguments come before the options (`groupId`, `referenceId`).
    pub ids: u8,
    /// The option that carries the cursor.
    pub param: &'static str,
    pub cursor: Cursor,
}

/// Where a call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub base: Base,
    /// Under the base (`{endpointUrl}v1/` for resource calls); each `{name}` is an id argument,
    /// in order, percent-encoded.
    pub path: &'static str,
    /// May be sent again when its fate is unknown (5xx, network error, time-out): every method
    /// but POST, and the POSTs that only read.
    pub repeatable: bool,
}

const fn route(method: Method, path: &'static str) -> Route {
    Route {
        method,
        base: Base::Endpoint,
        path,
        repeatable: !matches!(method, Method::Post),
    }
}

const fn get(path: &'static str) -> Route {
    route(Method::Get, path)
}

const fn post(path: &'static str) -> Route {
    route(Method::Post, path)
}

const fn put(path: &'static str) -> Route {
    route(Method::Put, path)
}

const fn delete(path: &'static str) -> Route {
    route(Method::Delete, path)
}

/// A POST that only reads.
const fn reading(mut r: Route) -> Route {
    r.repeatable = true;
    r
}

const fn on(base: Base, mut r: Route) -> Route {
    r.base = base;
    r
}

/// One platform call, by the JS name of its method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub name: &'static str,
    /// `None` for `request`, whose caller names the method and path.
    pub route: Option<Route>,
    pub shape: Shape,
    /// Answers carry actions whose `creationTime` (epoch s) becomes `sentAt` (ISO 8601 UTC).
    pub actions: bool,
    pub paging: Option<Paging>,
}

const fn object(name: &'static str, route: Route) -> Operation {
    Operation {
        name,
        route: Some(route),
        shape: Shape::Object,
        actions: false,
        paging: None,
    }
}

const fn listing(name: &'static str, items: &'static str, route: Route) -> Operation {
    Operation {
        name,
        route: Some(route),
        shape: Shape::Listing(items),
        actions: false,
        paging: None,
    }
}

const fn paged(
    name: &'static str,
    items: &'static str,
    route: Route,
    iterator: &'static str,
    ids: u8,
    param: &'static str,
    cursor: Cursor,
) -> Operation {
    Operation {
        name,
        route: Some(route),
        shape: Shape::Listing(items),
        actions: false,
        paging: Some(Paging {
            iterator,
            ids,
            param,
            cursor,
        }),
    }
}

const fn with_actions(mut op: Operation) -> Operation {
    op.actions = true;
    op
}

/// Every operation of `KaizalaClient`, in the order of the binding's method table.
pub static OPERATIONS: &[Operation] = &[
    object("generatePin", on(Base::Auth, post("generatePin"))),
    object(
        "loginWithPin",
        on(Base::Auth, post("loginWithPinAndApplicationId")),
    ),
    object("completeAuthorization", on(Base::OAuth, post("token"))),
    Operation {
        name: "request",
        route: None,
        shape: Shape::Any,
        actions: false,
        paging: None,
    },
    object("createGroup", post("groups")),
    listing("listGroups", "groups", get("groups")),
    listing("getGroup", "groups", get("groups/{groupId}")),
    object("createSubGroup", post("groups/{groupId}/subGroups")),
    object("addSubGroups", put("groups/{groupId}/subGroups")),
    listing("listSubGroups", "groups", get("groups/{groupId}/subGroups")),
    object(
        "removeSubGroup",
        delete("groups/{groupId}/subGroups/{subGroupId}"),
    ),
    object("addMembers", put("groups/{groupId}/members")),
    listing("listMembers", "members", get("groups/{groupId}/members")),
    object(
        "removeMember",
        delete("groups/{groupId}/members/{memberId}"),
    ),
    object("addSubscribers", put("groups/{groupId}/subscribers/add")),
    paged(
        "listSubscribers",
        "subscribers",
        reading(post("groups/{groupId}/subscribers")),
        "subscribers",
        1,
        "cursor",
        Cursor::Field,
    ),
    object(
        "removeSubscribers",
        put("groups/{groupId}/subscribers/remove"),
    ),
    object("sendMessage", post("groups/{groupId}/messages")),
    listing("listMessages", "messages", get("groups/{groupId}/messages")),
    object("uploadMedia", post("media")),
    object("uploadMediaFromUrl", post("media/url")),
    object("postAction", post("groups/{groupId}/actions")),
    object("postJob", post("groups/{groupId}/actions")),
    object("postPoll", post("groups/{groupId}/actions")),
    object("postSurvey", post("groups/{groupId}/actions")),
    object("postLetsMeet", post("groups/{groupId}/actions")),
    object("postAnnouncement", post("groups/{groupId}/actions")),
    object("postMedia", post("groups/{groupId}/actions")),
    object("postCustomAction", post("groups/{groupId}/actions")),
    with_actions(paged(
        "listActions",
        "actions",
        get("groups/{groupId}/actions"),
        "actions",
        1,
        "fromDate",
        Cursor::NewestSentAt,
    )),
    with_actions(object(
        "getAction",
        get("groups/{groupId}/actions/{actionId}"),
    )),
    object(
        "respondToAction",
        post("groups/{groupId}/actions/{actionId}/responses"),
    ),
    object("addReaction", post("groups/{groupId}/reaction")),
    listing(
        "reactionSummary",
        "summary",
        get("groups/{groupId}/reaction/{referenceId}/summary"),
    ),
    paged(
        "groupReactionSummary",
        "summary",
        get("groups/{groupId}/reaction/summary"),
        "groupReactions",
        1,
        "cursor",
        Cursor::FieldFromZero,
    ),
    paged(
        "reactionDetails",
        "reactionDetails",
        get("groups/{groupId}/reaction/{referenceId}"),
        "reactions",
        2,
        "cursor",
        Cursor::FieldFromZero,
    ),
    object("createWebhook", post("webhook")),
    listing("listWebhooks", "webhooks", get("webhook")),
    object("updateWebhook", put("webhook/{webhookId}")),
    object("deleteWebhook", delete("webhook/{webhookId}")),
    object("me", get("users/me")),
    object("createBot", post("bot")),
    listing("listBots", "bots", get("bot")),
    object("updateBot", put("bot/{botUserId}")),
    object("deleteBot", delete("bot/{botUserId}")),
    object("botAccessToken", get("bot/accessToken/{botUserId}")),
    object("addBotToGroup", post("groups/{groupId}/bot")),
];

/// The request `operation`'s record describes, its path's `{…}` filled with `ids` in order
/// (each percent-encoded); the builder adds the query and body. An operation without a route
/// (or an id missing) gives an empty path, which every send refuses; a test keeps every builder
/// on its record.
pub fn spec(operation: &'static str, ids: &[&str]) -> RequestSpec {
    let Some(r) = find(operation).and_then(|o| o.route) else {
        return RequestSpec::new(operation, Method::Get, String::new());
    };
    let mut ids = ids.iter();
    let mut segments = Vec::new();
    for seg in r.path.split('/') {
        let seg = if seg.starts_with('{') {
            ids.next()
        } else {
            Some(&seg)
        };
        let Some(seg) = seg else {
            return RequestSpec::new(operation, r.method, String::new());
        };
        segments.push(*seg);
    }
    RequestSpec {
        base: r.base,
        repeat_safe: r.repeatable,
        auth: if r.base == Base::Endpoint {
            AuthKind::AccessToken
        } else {
            AuthKind::None
        },
        ..RequestSpec::new(operation, r.method, path(&segments))
    }
}

/// The record of `name`; calls made inside the client (`accessToken`, …) have none and answer
/// objects.
pub fn find(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.name == name)
}

/// The shape of `name`'s answer ([`Shape::Object`] for calls without a record).
pub fn shape(name: &str) -> Shape {
    find(name).map_or(Shape::Object, |o| o.shape)
}

/// Where a page of `name` keeps its items.
pub fn items_key(name: &str) -> Option<&'static str> {
    match shape(name) {
        Shape::Listing(k) => Some(k),
        _ => None,
    }
}

/// How `name` pages, when it does.
pub fn paging(name: &str) -> Option<Paging> {
    find(name).and_then(|o| o.paging)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_and_iterators_are_unique() {
        let names: HashSet<_> = OPERATIONS.iter().map(|o| o.name).collect();
        assert_eq!(names.len(), OPERATIONS.len());
        let iterators: Vec<_> = OPERATIONS
            .iter()
            .filter_map(|o| o.paging.map(|p| p.iterator))
            .collect();
        let unique: HashSet<_> = iterators.iter().collect();
        assert_eq!(unique.len(), iterators.len());
        for i in &iterators {
            assert!(!names.contains(i), "iterator {i} shadows an operation");
        }
    }

    #[test]
    fn every_paged_operation_is_a_listing() {
        for o in OPERATIONS.iter().filter(|o| o.paging.is_some()) {
            assert!(matches!(o.shape, Shape::Listing(_)), "{}", o.name);
        }
    }

    /// The binding's `methods!` table (src/wasm/methods.rs, compiled for wasm only) names the same
    /// operations in the same order.
    #[test]
    fn the_binding_table_names_the_same_operations() {
        let src = include_str!("wasm/methods.rs");
        let table: Vec<&str> = src
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("    \"")?;
                let (name, tail) = rest.split_once('"')?;
                tail.starts_with(" => fn ").then_some(name)
            })
            .collect();
        let ours: Vec<&str> = OPERATIONS.iter().map(|o| o.name).collect();
        assert_eq!(table, ours);
    }

    #[test]
    fn every_route_is_well_formed() {
        for o in OPERATIONS {
            let Some(r) = o.route else {
                assert_eq!(o.name, "request");
                continue;
            };
            assert!(!r.path.is_empty() && !r.path.starts_with('/'), "{}", o.name);
            for seg in r.path.split('/') {
                assert!(!seg.is_empty(), "{}: empty segment", o.name);
                if seg.starts_with('{') {
                    assert!(seg.ends_with('}') && seg.len() > 2, "{}: {seg}", o.name);
                } else {
                    assert!(!seg.contains(['{', '}']), "{}: {seg}", o.name);
                }
            }
            let sign_in = ["generatePin", "loginWithPin", "completeAuthorization"];
            assert_eq!(
                r.base == Base::Endpoint,
                !sign_in.contains(&o.name),
                "{}",
                o.name
            );
            // Only reads are sent again: every POST but the one listing sent as a POST.
            let post_read = o.name == "listSubscribers";
            assert_eq!(
                r.repeatable,
                r.method != Method::Post || post_read,
                "{}",
                o.name
            );
            if let Some(p) = o.paging {
                let ids = r.path.matches('{').count();
                assert_eq!(ids, usize::from(p.ids), "{}", o.name);
            }
        }
    }

    #[test]
    fn specs_follow_their_record() {
        let s = spec("removeMember", &["g/1", "m 2"]);
        assert_eq!(
            (s.method, s.path.as_str(), s.repeat_safe, s.base, s.auth),
            (
                Method::Delete,
                "groups/g%2F1/members/m%202",
                true,
                Base::Endpoint,
                AuthKind::AccessToken
            )
        );
        let s = spec("listSubscribers", &["g1"]);
        assert_eq!((s.method, s.repeat_safe), (Method::Post, true));
        let s = spec("sendMessage", &["g1"]);
        assert_eq!(
            (s.path.as_str(), s.repeat_safe),
            ("groups/g1/messages", false)
        );
        let s = spec("generatePin", &[]);
        assert_eq!(
            (s.base, s.auth, s.path.as_str()),
            (Base::Auth, AuthKind::None, "generatePin")
        );
        // No route, or an id missing: an empty path, which every send refuses.
        assert_eq!(spec("request", &[]).path, "");
        assert_eq!(spec("getGroup", &[]).path, "");
        assert_eq!(spec("noSuchCall", &["x"]).path, "");
        assert!(crate::request::check_path("getGroup", "path", "").is_err());
    }

    #[test]
    fn lookups() {
        assert_eq!(items_key("listSubscribers"), Some("subscribers"));
        assert_eq!(items_key("sendMessage"), None);
        assert_eq!(shape("request"), Shape::Any);
        assert_eq!(shape("accessToken"), Shape::Object);
        assert_eq!(paging("listActions").map(|p| p.param), Some("fromDate"));
        assert_eq!(paging("reactionDetails").map(|p| p.ids), Some(2));
        assert_eq!(paging("listMembers"), None);
        assert!(find("getAction").is_some_and(|o| o.actions));
        assert!(find("listGroups").is_some_and(|o| !o.actions));
    }
}
