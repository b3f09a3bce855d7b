//! The indexer: the only writer of the search index. It tails `index_events` in sequence
//! order, reads each changed record from the database (the truth), upserts or deletes it, and
//! commits with the last applied sequence number as the commit's payload. At start it resumes
//! from that number, or rebuilds from the database when the index is missing, unreadable or of
//! an older schema.

pub mod entity;

use crate::db::{self, Db, DbConn, ListFilter, Record, RecordRow, Visible};
use entity::{entity_of, kind_of};
use heartland_index::index::Opened;
use heartland_index::vocabulary::Analyzers;
use heartland_index::{Entity, Kind, SearchIndex};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Changes applied per commit at most.
const BATCH: i64 = 500;
/// How long a gap in the sequence (a transaction not yet committed, on PostgreSQL) is waited
/// for before it is taken to be a rolled-back one.
const GAP_WAIT: Duration = Duration::from_secs(5);
/// How often the feed is read when nothing wakes the indexer (other processes write too).
const POLL: Duration = Duration::from_millis(250);

pub struct Search {
    pub index: Arc<SearchIndex>,
    wake: (Mutex<bool>, Condvar),
    ready: AtomicBool,
    stopping: AtomicBool,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Search {
    /// Opens the index in `dir` and starts the indexer thread.
    pub fn start(db: Db, dir: &Path) -> anyhow::Result<Arc<Search>> {
        let (index, opened) = SearchIndex::open(dir).map_err(|e| {
            anyhow::anyhow!("cannot open the search index in {}: {e}", dir.display())
        })?;
        let search = Arc::new(Search {
            index: Arc::new(index),
            wake: (Mutex::new(false), Condvar::new()),
            ready: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            thread: Mutex::new(None),
        });
        let s = search.clone();
        let handle = std::thread::Builder::new()
            .name("indexer".into())
            .spawn(move || s.run(db, opened))?;
        *search.thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        Ok(search)
    }

    /// Stops the indexer after the change it is applying, and waits for it: a process must not
    /// exit with the indexer inside a database call.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        self.wake();
        let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Tells the indexer that something changed.
    pub fn wake(&self) {
        let (lock, cvar) = &self.wake;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cvar.notify_one();
    }

    /// Whether the first rebuild or replay is done.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    fn sleep(&self) {
        let (lock, cvar) = &self.wake;
        let mut woken = lock.lock().unwrap_or_else(|e| e.into_inner());
        if !*woken {
            woken = cvar
                .wait_timeout(woken, POLL)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
        *woken = false;
    }

    fn run(self: Arc<Self>, db: Db, opened: Opened) {
        if opened == Opened::Rebuild {
            while !self.stopping() {
                match rebuild(&db, &self.index, |_, _| {}) {
                    Ok(n) => {
                        tracing::info!(documents = n, "search index rebuilt");
                        break;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "search index rebuild failed; retrying");
                        std::thread::sleep(Duration::from_secs(2));
                    }
                }
            }
        }
        let mut tail = Tail::default();
        while !self.stopping() {
            match tail.step(&db, &self.index) {
                Ok(applied) => {
                    self.ready.store(true, Ordering::Release);
                    if applied == 0 {
                        self.sleep();
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "indexing failed; retrying");
                    self.sleep();
                }
            }
        }
    }
}

/// Gaps in the sequence seen so far, with when they were first seen.
#[derive(Default)]
struct Tail {
    gaps: HashMap<i64, Instant>,
}

impl Tail {
    /// Applies the next batch of changes; returns how many were applied.
    fn step(&mut self, db: &Db, index: &SearchIndex) -> anyhow::Result<usize> {
        let from = index.applied_seq().unwrap_or(0);
        let mut conn = db.conn()?;
        let events = db::events_after(&mut conn, from, BATCH)?;
        let mut expected = from + 1;
        let mut last = from;
        let mut analyzers = Analyzers::default();
        let mut applied = 0;
        for e in events {
            if e.seq > expected && !self.gaps_expired(expected, e.seq) {
                break;
            }
            apply(
                &mut conn,
                index,
                &e.entity_kind,
                &e.entity_id,
                &mut analyzers,
            )?;
            applied += 1;
            last = e.seq;
            expected = e.seq + 1;
        }
        if last > from {
            index.commit(last)?;
            self.gaps.retain(|seq, _| *seq > last);
        }
        Ok(applied)
    }

    /// Whether every missing number in `from..to` has been missing for [`GAP_WAIT`].
    fn gaps_expired(&mut self, from: i64, to: i64) -> bool {
        let now = Instant::now();
        (from..to).all(|seq| now.duration_since(*self.gaps.entry(seq).or_insert(now)) >= GAP_WAIT)
    }
}

/// Brings one record's document in line with the database.
fn apply(
    conn: &mut DbConn,
    index: &SearchIndex,
    kind: &str,
    id: &str,
    analyzers: &mut Analyzers,
) -> anyhow::Result<()> {
    let Some(record) = Record::ALL.into_iter().find(|r| r.name() == kind) else {
        return Ok(());
    };
    let Some(k) = kind_of(record) else {
        return Ok(());
    };
    match load(conn, record, id)? {
        Some(entity) => index.upsert(entity, analyzers)?,
        None => index.delete(k, id),
    }
    Ok(())
}

/// A record as the index sees it, read fresh from the database; `None` when it is gone.
pub fn load(conn: &mut DbConn, record: Record, id: &str) -> anyhow::Result<Option<Entity>> {
    let Some(row) = record.find(conn, id)? else {
        return Ok(None);
    };
    let consents = person_consents(conn, record, &row)?;
    Ok(entity_of(record, &row, consents))
}

fn person_consents(
    conn: &mut DbConn,
    record: Record,
    row: &RecordRow,
) -> anyhow::Result<Vec<String>> {
    Ok(match record {
        Record::Candidate | Record::Mentor => db::active_consents(conn, &row.owner_id)?,
        _ => Vec::new(),
    })
}

/// Rebuilds the whole index from the database; `progress(done, total)` is told along the way.
/// Changes made while it runs are replayed afterwards from the feed.
pub fn rebuild(
    db: &Db,
    index: &SearchIndex,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<u64> {
    let mut conn = db.conn()?;
    let seq = db::last_event_seq(&mut conn)?;
    let consents = db::all_active_consents(&mut conn)?;
    index.clear()?;
    let mut total = 0;
    for kind in Kind::ALL {
        total += entity::record_of(kind).count(&mut conn)? as u64;
    }
    let mut done = 0;
    for kind in Kind::ALL {
        let record = entity::record_of(kind);
        let mut filter = ListFilter {
            limit: 1000,
            ..ListFilter::default()
        };
        loop {
            let rows = record.list(&mut conn, &Visible::All, &filter)?;
            let Some(last) = rows.last() else { break };
            filter.after = Some(last.id.clone());
            let batch: Vec<_> = rows
                .iter()
                .filter_map(|row| {
                    let person = consents.get(&row.owner_id).cloned().unwrap_or_default();
                    entity_of(record, row, person)
                })
                .collect();
            index.upsert_batch(batch)?;
            done += rows.len() as u64;
            progress(done, total);
        }
    }
    index.commit(seq)?;
    Ok(done)
}
