//! Ranked answers kept until the index changes. A need's matches are asked for again and again
//! (the officer's list, its pages, the company's own page) while the index stays the same;
//! ranking is deterministic, so the same query record (compared whole, as its JSON), target, k
//! and day over the same index give the same hits. Every change to the index — an upsert, a
//! delete, a commit, a rebuild — moves the generation on and empties the cache, after the
//! change is made; an answer computed while a change was under way is not kept (its generation
//! is stale), so the cache never holds what a fresh ranking would not return.
//!
//! A kept answer also says how far the index it came from had followed the change feed
//! ([`Kept::level`]): every change numbered up to it was applied, none passed over. A caller
//! that finds no newer change in the database knows the answer is as fresh as the database.

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
    /// Every change numbered up to this is in the index of this generation, and no number below
    /// it was passed over as a gap still watched for; `None` when that is not known.
    level: Option<i64>,
    answers: HashMap<Key, Vec<Hit>>,
}

/// An answer the cache kept, and the level of the index it was ranked on.
#[derive(Debug, Clone)]
pub struct Kept {
    pub hits: Vec<Hit>,
    /// Every change of the feed numbered up to this was applied to the index the hits come
    /// from (which may hold newer ones too); `None` when that is not known (a gap passed over
    /// is still watched for, or the index is being rebuilt).
    pub level: Option<i64>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation an answer about to be computed belongs to.
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub(super) fn get(&self, key: &Key) -> Option<Kept> {
        let inner = self.lock();
        let hits = inner.answers.get(key)?.clone();
        Some(Kept {
            hits,
            level: inner.level,
        })
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

    /// The index changed: nothing kept holds. Records added or removed between commits only
    /// make it newer than its level, which stays.
    pub(super) fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.answers.clear();
    }

    /// The index changed and is now at `level` (see [`Inner::level`]); nothing kept holds.
    pub(super) fn invalidate_at(&self, level: Option<i64>) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.level = level;
        inner.answers.clear();
    }
}
