//! The group hierarchy: its depth limit, bounded iterative walks up and down it, and a per-call view
//! that works out the caller's roles and the head counts once, however many groups an answer shows.

use std::collections::{HashMap, HashSet};

use crate::access::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::{Group, Role};
use crate::world::World;

/// The most levels a hierarchy may have (a group without parents is level 1).
///
/// `GET …/subGroups?fetchAllGroups=true` nests each level in the one before it, two JSON levels a
/// group (an object and its `subGroups` array). Common JSON readers stop at 128 levels (serde_json,
/// the client's reader, among them), so 32 group levels (64 JSON levels plus the envelope) always
/// parse, while any real organisation chart fits with room to spare.
pub const MAX_DEPTH: usize = 32;

/// The most groups one nested answer lists. A group with two parents is listed under each, so a
/// lattice of shared sub-groups could otherwise make an answer exponentially long.
pub const MAX_LISTED: usize = 10_000;

/// How many levels a chain from a top-level group down to `id` has at most (1 for a top-level
/// group). Counting stops past `MAX_DEPTH`: a hierarchy saved before the limit may be deeper.
pub fn depth(w: &World, id: &str) -> usize {
    levels(w, id, |g| &g.parents)
}

/// How many levels `id` and the groups below it span (1 for a group without sub-groups), counted
/// as `depth` is.
pub fn height(w: &World, id: &str) -> usize {
    levels(w, id, |g| &g.sub_groups)
}

/// The longest chain from `id` along `next`, walked a level at a time (never recursively), up to
/// `MAX_DEPTH + 1` levels.
fn levels(w: &World, id: &str, next: impl Fn(&Group) -> &Vec<String>) -> usize {
    let mut frontier: HashSet<&str> = HashSet::new();
    if let Some((key, _)) = w.groups.get_key_value(id) {
        frontier.insert(key.as_str());
    }
    let mut n = 0;
    while !frontier.is_empty() && n <= MAX_DEPTH {
        n += 1;
        let mut following = HashSet::new();
        for gid in &frontier {
            if let Some(g) = w.groups.get(*gid) {
                for other in next(g) {
                    if let Some((key, _)) = w.groups.get_key_value(other) {
                        following.insert(key.as_str());
                    }
                }
            }
        }
        frontier = following;
    }
    n
}

/// 400 unless a chain of `levels` levels is allowed.
pub fn check_depth(levels: usize, field: &str) -> ApiResult<()> {
    if levels > MAX_DEPTH {
        return Err(ApiError::invalid(
            field,
            format!(
                "the hierarchy would be more than {MAX_DEPTH} levels deep (at most {MAX_DEPTH} are allowed)"
            ),
        ));
    }
    Ok(())
}

/// Every group below `id` (not including it), without repeats, in the order a depth-first walk
/// meets them.
pub fn descendants<'w>(w: &'w World, id: &str) -> Vec<&'w str> {
    let mut out: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = Vec::new();
    if let Some((key, g)) = w.groups.get_key_value(id) {
        seen.insert(key.as_str());
        stack.extend(g.sub_groups.iter().rev().map(String::as_str));
    }
    while let Some(next) = stack.pop() {
        let Some((key, g)) = w.groups.get_key_value(next) else {
            continue;
        };
        if !seen.insert(key.as_str()) {
            continue;
        }
        stack.extend(g.sub_groups.iter().rev().map(String::as_str));
        out.push(key.as_str());
    }
    out
}

/// Whether `above` is `below` itself or one of its ancestors.
pub fn is_at_or_above(w: &World, above: &str, below: &str) -> bool {
    if above == below {
        return true;
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = vec![below];
    while let Some(id) = stack.pop() {
        let Some(g) = w.groups.get(id) else {
            continue;
        };
        for p in &g.parents {
            if p == above {
                return true;
            }
            if seen.insert(p.as_str()) {
                stack.push(p.as_str());
            }
        }
    }
    false
}

/// Distinct users in a group and every group below it, and how many of them are not provisioned yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub users: usize,
    pub unprovisioned: usize,
}

fn unprovisioned(w: &World, user_id: &str) -> bool {
    w.users().get(user_id).is_some_and(|u| !u.provisioned)
}

/// The head counts of a group and every group below it.
pub fn user_count(w: &World, id: &str) -> Counts {
    let mut users: HashSet<&str> = HashSet::new();
    let groups = std::iter::once(id).chain(descendants(w, id));
    for gid in groups {
        if let Some(g) = w.groups.get(gid) {
            users.extend(g.members.keys().map(String::as_str));
        }
    }
    Counts {
        users: users.len(),
        unprovisioned: users.iter().filter(|u| unprovisioned(w, u)).count(),
    }
}

/// One call's view of the hierarchy for one caller: the groups it administers through an ancestor
/// are found once, and each group's head count is counted at most once.
pub struct View<'w> {
    pub w: &'w World,
    caller: &'w Caller,
    /// Groups the caller administers because it administers one above them (filled on first use).
    admin_below: Option<HashSet<&'w str>>,
    /// Head counts asked for so far; once a second group's is asked for, every group's is counted
    /// in one pass (`all_user_counts`) and `all_counted` is set.
    counts: HashMap<&'w str, Counts>,
    all_counted: bool,
}

impl<'w> View<'w> {
    pub fn new(w: &'w World, caller: &'w Caller) -> View<'w> {
        View {
            w,
            caller,
            admin_below: None,
            counts: HashMap::new(),
            all_counted: false,
        }
    }

    /// `Caller::role_in`, answered from sets worked out once for the whole call.
    pub fn role(&mut self, g: &Group) -> Option<Role> {
        let caller = self.caller;
        if let Some(limit) = &caller.group_limit {
            return (*limit == g.id).then_some(Role::Admin);
        }
        let direct = g.role_of(&caller.user_id);
        if direct == Some(Role::Admin) || (caller.org_admin && g.mapped_to_tenant) {
            return Some(Role::Admin);
        }
        if self.admin_below().contains(g.id.as_str()) {
            return Some(Role::Admin);
        }
        direct
    }

    fn admin_below(&mut self) -> &HashSet<&'w str> {
        let (w, caller) = (self.w, self.caller);
        self.admin_below.get_or_insert_with(|| {
            let mut below: HashSet<&str> = HashSet::new();
            for g in w.groups.values() {
                if g.role_of(&caller.user_id) == Some(Role::Admin) {
                    below.extend(descendants(w, &g.id));
                }
            }
            below
        })
    }

    /// `user_count`, remembered for the rest of the call. One group is counted by walking down from
    /// it; an answer that shows more than one counts every group at once instead, so a long chain is
    /// not walked again from each of its levels.
    pub fn user_count(&mut self, id: &'w str) -> Counts {
        if let Some(n) = self.counts.get(id) {
            return *n;
        }
        if self.counts.is_empty() || self.all_counted {
            let n = if self.all_counted {
                Counts::default()
            } else {
                user_count(self.w, id)
            };
            self.counts.insert(id, n);
            return n;
        }
        self.counts = all_user_counts(self.w);
        self.all_counted = true;
        self.counts.get(id).copied().unwrap_or_default()
    }
}

/// Every group's head counts (distinct users in it and below it), in one pass over the users: each
/// user counts once in every group at or above the groups it belongs to.
pub fn all_user_counts(w: &World) -> HashMap<&str, Counts> {
    let mut groups_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for g in w.groups.values() {
        for user_id in g.members.keys() {
            groups_of
                .entry(user_id.as_str())
                .or_default()
                .push(g.id.as_str());
        }
    }
    let mut counts: HashMap<&str, Counts> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (user_id, start) in &groups_of {
        let waiting = unprovisioned(w, user_id);
        seen.clear();
        let mut stack: Vec<&str> = start.clone();
        while let Some(id) = stack.pop() {
            let Some((key, g)) = w.groups.get_key_value(id) else {
                continue;
            };
            if !seen.insert(key.as_str()) {
                continue;
            }
            let c = counts.entry(key.as_str()).or_default();
            c.users += 1;
            if waiting {
                c.unprovisioned += 1;
            }
            stack.extend(g.parents.iter().map(String::as_str));
        }
    }
    counts
}
