//! A small least-recently-used cache, so that a map panning back and forth does not warp the
//! same window twice (rendered pictures) or measure a scene's stretch again (stretch limits).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;

/// Values by key, at most `capacity` of them; the least recently used goes first.
pub(crate) struct LruCache<K, V> {
    capacity: usize,
    entries: Mutex<Entries<K, V>>,
}

struct Entries<K, V> {
    values: HashMap<K, V>,
    /// Keys from least to most recently used.
    order: VecDeque<K>,
}

impl<K: Hash + Eq + Clone, V: Clone> LruCache<K, V> {
    /// An empty cache holding up to `capacity` values.
    pub(crate) fn new(capacity: usize) -> LruCache<K, V> {
        LruCache {
            capacity,
            entries: Mutex::new(Entries {
                values: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The value kept for `key`, if any; it becomes the most recently used.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let mut entries = self.entries.lock().ok()?;
        let value = entries.values.get(key)?.clone();
        entries.order.retain(|k| k != key);
        entries.order.push_back(key.clone());
        Some(value)
    }

    /// The value kept for `key`, or else `make()`, kept; in one step, so that callers racing
    /// for the same key share one value.
    pub(crate) fn get_or_put(&self, key: K, make: impl FnOnce() -> V) -> V {
        if let Some(value) = self.get(&key) {
            return value;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return make();
        };
        if let Some(value) = entries.values.get(&key) {
            return value.clone();
        }
        let value = make();
        entries.values.insert(key.clone(), value.clone());
        entries.order.push_back(key);
        Self::trim(&mut entries, self.capacity);
        value
    }

    /// Keeps `value` for `key`, dropping the least recently used beyond capacity.
    pub(crate) fn put(&self, key: K, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.values.insert(key.clone(), value).is_some() {
            entries.order.retain(|k| *k != key);
        }
        entries.order.push_back(key);
        Self::trim(&mut entries, self.capacity);
    }

    fn trim(entries: &mut Entries<K, V>, capacity: usize) {
        while entries.order.len() > capacity {
            if let Some(oldest) = entries.order.pop_front() {
                entries.values.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_value_goes_first() {
        let cache = LruCache::new(2);
        cache.put(1, "one");
        cache.put(2, "two");
        assert_eq!(cache.get(&1), Some("one"));
        cache.put(3, "three");
        assert_eq!(cache.get(&2), None);
        assert_eq!(cache.get(&1), Some("one"));
        assert_eq!(cache.get(&3), Some("three"));
        cache.put(3, "drei");
        assert_eq!(cache.get(&3), Some("drei"));
        assert_eq!(cache.get_or_put(3, || "trois"), "drei");
        assert_eq!(cache.get_or_put(4, || "four"), "four");
        assert_eq!(cache.get(&1), None, "dropped beyond capacity");
    }
}
