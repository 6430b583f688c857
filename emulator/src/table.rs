//! `Table`: rows by key in the order they were added, remembering which keys changed since the
//! last save, so `--data` writes only the rows a change touched.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::Hash;

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which rows changed since the last save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed<K: Hash + Eq> {
    /// These keys were added, changed or removed.
    Keys(HashSet<K>),
    /// Every row is to be written again (a new store, or more changes than rows).
    All,
}

impl<K: Hash + Eq> Default for Changed<K> {
    fn default() -> Self {
        Changed::Keys(HashSet::new())
    }
}

impl<K: Hash + Eq> Changed<K> {
    pub fn is_empty(&self) -> bool {
        matches!(self, Changed::Keys(k) if k.is_empty())
    }
}

/// Rows by key, in insertion order. Every way to change a row marks its key; reads do not.
#[derive(Debug, Clone)]
pub struct Table<K: Hash + Eq, V> {
    rows: IndexMap<K, V>,
    changed: Changed<K>,
    /// Rows whose own fields did not change, only tables inside them (`get_mut_inner`).
    inner: HashSet<K>,
}

impl<K: Hash + Eq, V> Default for Table<K, V> {
    fn default() -> Self {
        Table {
            rows: IndexMap::new(),
            changed: Changed::default(),
            inner: HashSet::new(),
        }
    }
}

/// Marks `key` changed; past as many marks as rows (and a floor), it is cheaper to say "all":
/// a table that nobody saves (no `--data`) then stops remembering keys at all.
fn mark<K: Hash + Eq>(changed: &mut Changed<K>, key: K, rows: usize) {
    if let Changed::Keys(keys) = changed {
        if keys.len() >= rows.max(1024) {
            *changed = Changed::All;
        } else {
            keys.insert(key);
        }
    }
}

impl<K: Hash + Eq + Clone, V> Table<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.rows.get(key)
    }

    pub fn get_key_value<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.rows.get_key_value(key)
    }

    pub fn contains_key<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.rows.contains_key(key)
    }

    pub fn iter(&self) -> indexmap::map::Iter<'_, K, V> {
        self.rows.iter()
    }

    pub fn keys(&self) -> indexmap::map::Keys<'_, K, V> {
        self.rows.keys()
    }

    pub fn values(&self) -> indexmap::map::Values<'_, K, V> {
        self.rows.values()
    }

    pub fn first(&self) -> Option<(&K, &V)> {
        self.rows.first()
    }

    /// The row to change; its key is marked.
    pub fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let n = self.rows.len();
        let (_, k, v) = self.rows.get_full_mut(key)?;
        mark(&mut self.changed, k.clone(), n);
        Some(v)
    }

    /// A row whose tables inside are to change, not its own fields: its key is marked as such, so
    /// a save writes the inner tables' changes without the row itself.
    pub fn get_mut_inner<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let (_, k, v) = self.rows.get_full_mut(key)?;
        if !matches!(self.changed, Changed::All) {
            self.inner.insert(k.clone());
        }
        Some(v)
    }

    /// A row to read its inner tables' changes from, for the store: marks nothing.
    pub fn get_mut_quiet<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.rows.get_mut(key)
    }

    /// Every row, for the store: marks nothing.
    pub fn values_mut_quiet(&mut self) -> indexmap::map::ValuesMut<'_, K, V> {
        self.rows.values_mut()
    }

    /// Adds or replaces a row (a new key goes last).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        mark(&mut self.changed, key.clone(), self.rows.len() + 1);
        self.rows.insert(key, value)
    }

    /// Removes a row, keeping the others in order.
    pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let n = self.rows.len();
        let (k, v) = self.rows.shift_remove_entry(key)?;
        mark(&mut self.changed, k, n);
        Some(v)
    }

    /// Removes the first (oldest) row.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        let n = self.rows.len();
        let (k, v) = self.rows.shift_remove_index(0)?;
        mark(&mut self.changed, k.clone(), n);
        Some((k, v))
    }

    /// Keeps the rows `keep` says yes to; the others are removed (and marked).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let n = self.rows.len();
        let changed = &mut self.changed;
        self.rows.retain(|k, v| {
            let kept = keep(k, v);
            if !kept {
                mark(changed, k.clone(), n);
            }
            kept
        });
    }

    /// Every row is to be written again.
    pub fn mark_all(&mut self) {
        self.changed = Changed::All;
    }

    pub fn has_changes(&self) -> bool {
        !self.changed.is_empty() || !self.inner.is_empty()
    }

    /// What changed since the last call, and the rows only whose inner tables changed (and nothing,
    /// from now on).
    pub fn take_changed(&mut self) -> (Changed<K>, HashSet<K>) {
        (
            std::mem::take(&mut self.changed),
            std::mem::take(&mut self.inner),
        )
    }

    /// Forgets what changed (rows just read from the store).
    pub fn clear_changed(&mut self) {
        self.changed = Changed::default();
        self.inner.clear();
    }

    /// For `Table::values_mut`-like walks that change only some rows: the keys of the rows `pick`
    /// says yes to, to be changed one by one with `get_mut`.
    pub fn keys_where(&self, mut pick: impl FnMut(&V) -> bool) -> Vec<K> {
        self.rows
            .iter()
            .filter(|(_, v)| pick(v))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// A table built whole is new throughout: every row is to be written.
impl<K: Hash + Eq + Clone, V> FromIterator<(K, V)> for Table<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Table {
            rows: iter.into_iter().collect(),
            changed: Changed::All,
            inner: HashSet::new(),
        }
    }
}

/// A table is written as its map (`{key: row}`), as the JSON snapshot always had it.
impl<K: Hash + Eq + Serialize, V: Serialize> Serialize for Table<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.rows.serialize(s)
    }
}

impl<'de, K: Hash + Eq + Clone + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de>
    for Table<K, V>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IndexMap::<K, V>::deserialize(d).map(|rows| Table {
            rows,
            changed: Changed::All,
            inner: HashSet::new(),
        })
    }
}

/// A row that carries its own key, for tables the JSON snapshot writes as a list.
pub trait Keyed {
    type Key: Hash + Eq + Clone;
    fn key(&self) -> Self::Key;
}

/// `#[serde(with = "list")]`: a table written as the list of its rows, read back keyed by
/// `Keyed::key` (a later row with a key already seen replaces the earlier one).
pub mod list {
    use super::*;

    pub fn serialize<V: Keyed + Serialize, S: Serializer>(
        t: &Table<V::Key, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(t.values())
    }

    pub fn deserialize<'de, V: Keyed + Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Table<V::Key, V>, D::Error> {
        let rows = Vec::<V>::deserialize(d)?;
        Ok(rows.into_iter().map(|v| (v.key(), v)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_remembered_by_key() {
        let mut t: Table<String, u32> = Table::new();
        t.insert("a".into(), 1);
        t.insert("b".into(), 2);
        t.insert("c".into(), 3);
        assert!(t.has_changes());
        let _ = t.take_changed();
        assert!(!t.has_changes());
        let _ = t.get("a");
        let _ = t.values().count();
        assert!(!t.has_changes(), "reads mark nothing");
        if let Some(v) = t.get_mut("b") {
            *v = 20;
        }
        t.remove("a");
        t.retain(|_, v| *v != 3);
        let (Changed::Keys(keys), _) = t.take_changed() else {
            panic!("keys expected");
        };
        let mut keys: Vec<String> = keys.into_iter().collect();
        keys.sort();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(t.values().copied().collect::<Vec<_>>(), [20]);
    }

    #[test]
    fn many_changes_become_all_and_order_is_kept() {
        let mut t: Table<u32, u32> = Table::new();
        for i in 0..3000 {
            t.insert(i, i);
        }
        assert!(matches!(t.take_changed().0, Changed::Keys(k) if k.len() == 3000));
        t.retain(|k, _| *k < 1500);
        t.retain(|k, _| *k < 100);
        assert_eq!(
            t.take_changed().0,
            Changed::All,
            "more marks than rows: all"
        );
        t.remove(&5);
        let order: Vec<u32> = t.keys().take(6).copied().collect();
        assert_eq!(order, [0, 1, 2, 3, 4, 6]);
        assert_eq!(t.pop_first(), Some((0, 0)));
    }
}
