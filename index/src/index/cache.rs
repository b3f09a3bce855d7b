//! Ranked answers kept until the index changes. A need's matches are asked for again and again
//! (the officer's list, its pages, the company's own page) while the index stays the same;
//! ranking is deterministic, so the same query record (compared whole, as its JSON), target, k
//! and day over the same index give the same hits. Every change to the index — an upsert, a
//! delete, a commit, a rebuild — moves the generation on and empties the cache, after the
//! change is made; an answer computed while a change was under way is not kept (its generation
//! is stale), so the cache never holds what a fresh ranking would not return.

use super::Hit;
use crate::{Entity, Kind};
use std::collections::HashMap;
use std::sync::Mutex;

/// Answers kept at most; past it the cache starts again empty.
const CAPACITY: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    query: String,
    target: Kind,
    k: usize,
    today: i64,
}

impl Key {
    pub(super) fn new(query: &Entity, target: Kind, k: usize, today: i64) -> Option<Key> {
        Some(Key {
            query: serde_json::to_string(query).ok()?,
            target,
            k,
            today,
        })
    }
}

#[derive(Default)]
pub(super) struct Cache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    answers: HashMap<Key, Vec<Hit>>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation an answer about to be computed belongs to.
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub(super) fn get(&self, key: &Key) -> Option<Vec<Hit>> {
        self.lock().answers.get(key).cloned()
    }

    /// Keeps `hits` when the index has not changed since `generation`.
    pub(super) fn put(&self, generation: u64, key: Key, hits: &[Hit]) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.answers.len() >= CAPACITY {
            inner.answers.clear();
        }
        inner.answers.insert(key, hits.to_vec());
    }

    /// The index changed: nothing kept holds.
    pub(super) fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.answers.clear();
    }
}
