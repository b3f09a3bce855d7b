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
/// How often the feed is read while a gap holds the indexer up.
const GAP_POLL: Duration = Duration::from_millis(50);
/// After a commit that caught up, the indexer rests this long before reading the feed again,
/// even when woken: a change is in the index within this long after its write (plus the
/// step), and a stream of writes is committed in a few batches a second instead of one commit
/// per handful of changes (each commit writes and syncs a segment and sets tantivy merging).
const COMMIT_GAP: Duration = Duration::from_millis(100);

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
        self.sleep_for(POLL);
    }

    fn sleep_for(&self, wait: Duration) {
        let (lock, cvar) = &self.wake;
        let mut woken = lock.lock().unwrap_or_else(|e| e.into_inner());
        if !*woken {
            woken = cvar
                .wait_timeout(woken, wait)
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
                Ok(step) => {
                    if step.caught_up {
                        // Ready once the index has caught up with the feed after the start.
                        self.ready.store(true, Ordering::Release);
                    }
                    match (step.applied, step.caught_up) {
                        (0, true) => self.sleep(),
                        // Waiting for a gap: look again soon, the database decides it.
                        (0, false) => self.sleep_for(GAP_POLL),
                        (_, true) => std::thread::sleep(COMMIT_GAP),
                        // A backlog: its batches are committed one after another.
                        (_, false) => {}
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

/// A reading of the feed's horizon: every number missing below `top` belonged to a
/// transaction that had started by `at` (and, on PostgreSQL, has an id below `xmax`).
#[derive(Clone, Copy)]
struct Sighting {
    top: i64,
    xmax: Option<i64>,
    at: Instant,
}

/// A number passed over as a gap that may still arrive, and the sighting that covers it.
#[derive(Clone, Copy)]
struct Watched {
    seq: i64,
    xmax: Option<i64>,
    at: Instant,
}

/// How many numbers passed over are watched at most (the oldest are dropped beyond it).
const WATCH_MAX: usize = 10_000;
/// How long a number passed over is watched for when the database cannot tell that its
/// transaction ended (a long transaction elsewhere holds the snapshot's `xmin` back).
const WATCH_FOR: Duration = Duration::from_secs(3600);

/// The tail of the change feed. A gap in the numbers (on PostgreSQL, a transaction that took
/// its number and has not committed, or never will) is decided in one of two ways, whichever
/// comes first:
/// - **the database says so**: a gap below a sighting's `top` is dead once the snapshot's
///   `xmin` has passed that sighting's `xmax` (every transaction that could hold it has ended),
///   typically one poll after it is seen, also right after a restart;
/// - **[`GAP_WAIT`] since it was first seen**, counted from the earliest sighting covering it:
///   every gap below one sighting expires together, so however many there are they cost the
///   wait once. Such a gap is passed over but watched (and remembered in the index's commit,
///   across restarts) until the database says its transaction ended: if it commits after all,
///   its change is applied then.
#[derive(Default)]
struct Tail {
    sightings: std::collections::VecDeque<Sighting>,
    watched: Vec<Watched>,
    loaded: bool,
}

/// What one step did.
struct Step {
    applied: usize,
    /// Everything seen was applied: the index is level with the feed as read.
    caught_up: bool,
}

enum Gap {
    /// Its transaction has ended: the number never comes.
    Dead,
    /// Waited for long enough: pass over it, but keep watching.
    PassOver(Watched),
    /// Wait.
    Live,
}

impl Tail {
    fn gap(&self, seq: i64, xmin: Option<i64>, now: Instant) -> Gap {
        let Some(sighting) = self.sightings.iter().find(|s| s.top > seq) else {
            return Gap::Live;
        };
        match (xmin, sighting.xmax) {
            (None, _) => Gap::Dead,
            (Some(xmin), Some(xmax)) if xmin >= xmax => Gap::Dead,
            _ if now.duration_since(sighting.at) >= GAP_WAIT => Gap::PassOver(Watched {
                seq,
                xmax: sighting.xmax,
                at: sighting.at,
            }),
            _ => Gap::Live,
        }
    }

    /// Applies the next batch of changes.
    fn step(&mut self, db: &Db, index: &SearchIndex) -> anyhow::Result<Step> {
        let from = index.applied_seq().unwrap_or(0);
        let mut conn = db.conn()?;
        let now = Instant::now();
        let horizon = db::feed_horizon(&mut conn)?;
        if !self.loaded {
            // Numbers passed over before a restart: watched until this reading's transactions
            // have ended (theirs, if still running, are among them).
            self.loaded = true;
            self.watched = index
                .watched()
                .into_iter()
                .map(|seq| Watched {
                    seq,
                    xmax: horizon.xmax,
                    at: now,
                })
                .collect();
        }
        if self.sightings.back().is_none_or(|s| horizon.top > s.top) {
            self.sightings.push_back(Sighting {
                top: horizon.top,
                xmax: horizon.xmax,
                at: now,
            });
        }
        let mut analyzers = Analyzers::default();
        let mut applied = 0;
        let mut watch_changed = false;
        // First what arrived late among the numbers passed over.
        if !self.watched.is_empty() {
            let seqs: Vec<i64> = self.watched.iter().map(|w| w.seq).collect();
            let late = db::events_among(&mut conn, &seqs)?;
            apply(&mut conn, index, &late, &mut analyzers)?;
            applied += late.len();
            let before = self.watched.len();
            self.watched.retain(|w| {
                let ended = match (horizon.xmin, w.xmax) {
                    (Some(xmin), Some(xmax)) => xmin >= xmax,
                    _ => true,
                };
                !ended
                    && now.duration_since(w.at) < WATCH_FOR
                    && !late.iter().any(|e| e.seq == w.seq)
            });
            watch_changed = self.watched.len() != before;
        }
        let events = db::events_after(&mut conn, from, BATCH)?;
        let read = events.len();
        let mut expected = from + 1;
        let mut last = from;
        let mut blocked = false;
        let mut ready = Vec::with_capacity(events.len());
        'events: for e in events {
            if e.seq > expected {
                let mut passed = Vec::new();
                for seq in expected..e.seq {
                    match self.gap(seq, horizon.xmin, now) {
                        Gap::Dead => {}
                        Gap::PassOver(w) => passed.push(w),
                        Gap::Live => {
                            blocked = true;
                            break 'events;
                        }
                    }
                }
                if !passed.is_empty() {
                    watch_changed = true;
                    self.watched.extend(passed);
                }
            }
            last = e.seq;
            expected = e.seq + 1;
            ready.push(e);
        }
        apply(&mut conn, index, &ready, &mut analyzers)?;
        applied += ready.len();
        if self.watched.len() > WATCH_MAX {
            let excess = self.watched.len() - WATCH_MAX;
            self.watched.drain(..excess);
        }
        if last > from || watch_changed || applied > 0 {
            let watched: Vec<i64> = self.watched.iter().map(|w| w.seq).collect();
            index.commit_watching(last, &watched)?;
        }
        // Sightings wholly below what is applied cover no gap any more.
        while self.sightings.len() > 1 && self.sightings[1].top <= last + 1 {
            self.sightings.pop_front();
        }
        Ok(Step {
            applied,
            caught_up: !blocked && (read as i64) < BATCH,
        })
    }
}

/// Brings the documents of the records these changes name in line with the database: each
/// record read once however many changes name it, and a kind's rows, holds and consents in one
/// query each (not three per change: under a stream of writes these reads were most of the
/// database's work besides the writes themselves).
fn apply(
    conn: &mut DbConn,
    index: &SearchIndex,
    events: &[db::IndexEvent],
    analyzers: &mut Analyzers,
) -> anyhow::Result<()> {
    let mut by_record: Vec<(Record, Vec<String>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in events {
        let Some(record) = Record::ALL.into_iter().find(|r| r.name() == e.entity_kind) else {
            continue;
        };
        if kind_of(record).is_none() || !seen.insert((record, e.entity_id.as_str())) {
            continue;
        }
        match by_record.iter_mut().find(|(r, _)| *r == record) {
            Some((_, ids)) => ids.push(e.entity_id.clone()),
            None => by_record.push((record, vec![e.entity_id.clone()])),
        }
    }
    for (record, ids) in by_record {
        let Some(k) = kind_of(record) else {
            continue;
        };
        let rows = record.find_many(conn, &ids)?;
        let mut indexed = std::collections::HashSet::new();
        for e in entities_of(conn, record, &rows)? {
            indexed.insert(e.id.clone());
            index.upsert(e, analyzers)?;
        }
        for id in ids.iter().filter(|id| !indexed.contains(*id)) {
            index.delete(k, id);
        }
    }
    Ok(())
}

/// A record as the index sees it, read fresh from the database; `None` when it is gone.
pub fn load(conn: &mut DbConn, record: Record, id: &str) -> anyhow::Result<Option<Entity>> {
    let Some(row) = record.find(conn, id)? else {
        return Ok(None);
    };
    load_row(conn, record, &row)
}

/// A row already read, as the index sees it (with its person's consents).
pub fn load_row(
    conn: &mut DbConn,
    record: Record,
    row: &RecordRow,
) -> anyhow::Result<Option<Entity>> {
    Ok(entities_of(conn, record, std::slice::from_ref(row))?.pop())
}

/// `rows` (of `record`) as the index sees them, with their persons' consents and their holds
/// (on hold, by moderation: in the index, matched with no one), each read in one query; rows
/// the index does not keep are left out.
pub fn entities_of(
    conn: &mut DbConn,
    record: Record,
    rows: &[RecordRow],
) -> diesel::QueryResult<Vec<Entity>> {
    let consents = match record {
        Record::Candidate | Record::Mentor => {
            let owners: Vec<String> = rows.iter().map(|r| r.owner_id.clone()).collect();
            db::active_consents_of(conn, &owners)?
        }
        _ => Default::default(),
    };
    entities_with(conn, record, rows, &consents)
}

/// [`entities_of`] with the persons' consents already read (a rebuild reads everyone's at once).
fn entities_with(
    conn: &mut DbConn,
    record: Record,
    rows: &[RecordRow],
    consents: &db::ConsentMap,
) -> diesel::QueryResult<Vec<Entity>> {
    let held = db::holds::held_rows(conn, record, rows)?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let person = consents.get(&row.owner_id).cloned().unwrap_or_default();
            let mut e = entity_of(record, row, person)?;
            e.active &= !held.contains(&row.id);
            Some(e)
        })
        .collect())
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
            index.upsert_batch(entities_with(&mut conn, record, &rows, &consents)?)?;
            done += rows.len() as u64;
            progress(done, total);
        }
    }
    index.commit(seq)?;
    Ok(done)
}
