//! What each platform call answers: one record per operation (its answer's shape, where a page's items are, how it pages), read by `normalize`, the binding and the package's iterators.
//!
//! The request side of each call (HTTP method, path, body, whether it may be repeated) is built by
//! its resource module; the binding's `methods!` table names the same operations, and a test of the
//! binding checks that the two lists agree.

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

/// One platform call, by the JS name of its method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub name: &'static str,
    pub shape: Shape,
    /// Answers carry actions whose `creationTime` (epoch s) becomes `sentAt` (ISO 8601 UTC).
    pub actions: bool,
    pub paging: Option<Paging>,
}

const fn object(name: &'static str) -> Operation {
    Operation {
        name,
        shape: Shape::Object,
        actions: false,
        paging: None,
    }
}

const fn listing(name: &'static str, items: &'static str) -> Operation {
    Operation {
        name,
        shape: Shape::Listing(items),
        actions: false,
        paging: None,
    }
}

const fn paged(
    name: &'static str,
    items: &'static str,
    iterator: &'static str,
    ids: u8,
    param: &'static str,
    cursor: Cursor,
) -> Operation {
    Operation {
        name,
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
    object("generatePin"),
    object("loginWithPin"),
    object("completeAuthorization"),
    Operation {
        name: "request",
        shape: Shape::Any,
        actions: false,
        paging: None,
    },
    object("createGroup"),
    listing("listGroups", "groups"),
    listing("getGroup", "groups"),
    object("createSubGroup"),
    object("addSubGroups"),
    listing("listSubGroups", "groups"),
    object("removeSubGroup"),
    object("addMembers"),
    listing("listMembers", "members"),
    object("removeMember"),
    object("addSubscribers"),
    paged(
        "listSubscribers",
        "subscribers",
        "subscribers",
        1,
        "cursor",
        Cursor::Field,
    ),
    object("removeSubscribers"),
    object("sendMessage"),
    listing("listMessages", "messages"),
    object("uploadMedia"),
    object("uploadMediaFromUrl"),
    object("postAction"),
    object("postJob"),
    object("postPoll"),
    object("postSurvey"),
    object("postLetsMeet"),
    object("postAnnouncement"),
    object("postMedia"),
    object("postCustomAction"),
    with_actions(paged(
        "listActions",
        "actions",
        "actions",
        1,
        "fromDate",
        Cursor::NewestSentAt,
    )),
    with_actions(object("getAction")),
    object("respondToAction"),
    object("addReaction"),
    listing("reactionSummary", "summary"),
    paged(
        "groupReactionSummary",
        "summary",
        "groupReactions",
        1,
        "cursor",
        Cursor::FieldFromZero,
    ),
    paged(
        "reactionDetails",
        "reactionDetails",
        "reactions",
        2,
        "cursor",
        Cursor::FieldFromZero,
    ),
    object("createWebhook"),
    listing("listWebhooks", "webhooks"),
    object("updateWebhook"),
    object("deleteWebhook"),
    object("me"),
    object("createBot"),
    listing("listBots", "bots"),
    object("updateBot"),
    object("deleteBot"),
    object("botAccessToken"),
    object("addBotToGroup"),
];

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
