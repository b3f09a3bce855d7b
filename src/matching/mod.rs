//! Ranked, explained matches for each track, in both directions, and free-text search. The
//! index ranks (on a blocking thread, holding no database connection); the database has the
//! last word: unless it holds no change the index has not applied, every hit is read back
//! before it is shown and must still pass the track's eligibility rule
//! ([`heartland_index::Entity::open_to`]), so a withdrawn, deleted or erased record never
//! appears even while the index lags.

use crate::db::{DbConn, Native, Record};
use crate::error::AppError;
use crate::policy::Viewer;
use crate::search::entity::record_of;
use crate::services::Services;
use diesel::prelude::*;
use heartland_index::rank::{day_number, track_of};
use heartland_index::{Entity, Hit, Kind, Track};
use std::collections::HashSet;

pub mod cohort;

/// Hits asked of the index at most for one page, however many the database turns away. It
/// also bounds how deep a list can be paged: an offset past it is an empty last page, so no
/// allocation is ever sized by what a client sends.
pub const MAX_FETCH: usize = 5000;
/// Search hits read back from the database per round.
const SEARCH_CHECK_CHUNK: usize = 200;

/// Today as the ranking counts days.
pub fn today() -> i64 {
    day_number(&time::OffsetDateTime::now_utc().date().to_string()).unwrap_or(0)
}

/// Which of `ids` (records of `kind`) are open to `track` in the database now. Read in two
/// queries, however many ids.
pub fn still_open(
    conn: &mut DbConn,
    kind: Kind,
    ids: &[String],
    track: Track,
) -> Result<HashSet<String>, AppError> {
    let record = record_of(kind);
    let rows = record.find_many(conn, ids)?;
    Ok(crate::search::entities_of(conn, record, &rows)?
        .into_iter()
        .filter(|e| e.open_to(track).is_ok())
        .map(|e| e.id)
        .collect())
}

/// How far back an introduction counts as recent exposure.
pub const EXPOSURE_DAYS: i64 = 180;

/// Exposure: of two equally good matches (the same score), the one introduced less often in
/// the last [`EXPOSURE_DAYS`] comes first, so that no one absorbs every introduction; then by
/// id, as before. Only hits that tie are reordered; a better score always comes first.
fn least_exposed_first(conn: &mut DbConn, mut hits: Vec<Hit>) -> Result<Vec<Hit>, AppError> {
    let tied: Vec<String> = hits
        .windows(2)
        .filter(|w| w[0].score == w[1].score)
        .flat_map(|w| [w[0].id.clone(), w[1].id.clone()])
        .collect();
    if tied.is_empty() {
        return Ok(hits);
    }
    use crate::db::schema::introductions as t;
    let since = crate::db::now() - time::Duration::days(EXPOSURE_DAYS);
    let pairs: Vec<(String, String)> = t::table
        .filter(t::created_at.ge(since))
        .filter(t::a_id.eq_any(&tied).or(t::b_id.eq_any(&tied)))
        .select((t::a_id, t::b_id))
        .load_native(conn)?;
    let count = |id: &str| pairs.iter().filter(|(a, b)| a == id || b == id).count();
    let mut start = 0;
    while start < hits.len() {
        let mut end = start + 1;
        while end < hits.len() && hits[end].score == hits[start].score {
            end += 1;
        }
        if end - start > 1 {
            hits[start..end].sort_by(|x, y| {
                count(&x.id)
                    .cmp(&count(&y.id))
                    .then_with(|| x.id.cmp(&y.id))
            });
        }
        start = end;
    }
    Ok(hits)
}

/// The hits still open in the database, in exposure order (which reads nothing more unless
/// two hits tie).
///
/// `level` is how far the index the hits come from had followed the change feed (every change
/// numbered up to it applied, none passed over; [`heartland_index::index::Kept`]). When the
/// database holds no change numbered after it, nothing the index read has changed since: the
/// ranking applied the same rule ([`Entity::open_to`]) to the same records, and the hits are
/// taken as they are — one look at the feed's newest number instead of reading every hit's
/// row, its person's consents and its holds again. Every write of a row, a consent or a hold
/// writes its change in the same transaction (`records::store::journal`), so a change the
/// index has not applied is always seen here, and then every hit is read back as before.
fn recheck(
    c: &mut DbConn,
    target: Kind,
    track: Track,
    hits: Vec<Hit>,
    level: Option<i64>,
) -> Result<Vec<Hit>, AppError> {
    let current = match level {
        Some(level) => crate::db::last_event_seq(c)? <= level,
        None => false,
    };
    let open = if current {
        hits
    } else {
        let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
        let ok = still_open(c, target, &ids, track)?;
        hits.into_iter().filter(|h| ok.contains(&h.id)).collect()
    };
    least_exposed_first(c, open)
}

/// How many hits the first round asks of the index for a page.
fn first_fetch(limit: usize, offset: usize) -> usize {
    offset
        .saturating_add(limit)
        .saturating_add(11)
        .min(MAX_FETCH)
}

/// A round's answer: the page and whether there are more, once enough hits are open (or the
/// index has no more); `None` when the next round must ask for more.
fn page_of(
    open: Vec<Hit>,
    fetched: usize,
    fetch: usize,
    limit: usize,
    offset: usize,
) -> Option<(Vec<Hit>, bool)> {
    let want = offset.saturating_add(limit).saturating_add(1);
    let exhausted = fetched < fetch;
    let valid: Vec<Hit> = open.into_iter().take(want).collect();
    (valid.len() >= want || exhausted || fetch >= MAX_FETCH).then(|| {
        let more = valid.len() > offset.saturating_add(limit);
        (valid.into_iter().skip(offset).take(limit).collect(), more)
    })
}

/// `query`'s matches among `target` from `offset`, at most `limit`, and whether there are
/// more: ranks until enough hits are still open in the database (or there are no more).
pub async fn ranked(
    services: &Services,
    query: Entity,
    target: Kind,
    limit: usize,
    offset: usize,
) -> Result<(Vec<Hit>, bool), AppError> {
    let track = track_of(query.kind(), target)
        .ok_or_else(|| anyhow::anyhow!("no track between these kinds"))?;
    if offset >= MAX_FETCH {
        return Ok((Vec::new(), false));
    }
    let query = std::sync::Arc::new(query);
    let mut fetch = first_fetch(limit, offset);
    loop {
        let (search, q) = (services.search.clone(), query.clone());
        // An answer the index keeps is taken here; ranking goes to a blocking thread.
        let (hits, level) = match search.index.cached_matches(&q, target, fetch, today()) {
            Some(kept) => (kept.hits, kept.level),
            None => tokio::task::spawn_blocking(move || {
                search.index.matches(&q, target, fetch, today())
            })
            .await
            .map_err(|e| anyhow::anyhow!(e))?
            .map(|hits| (hits, None))
            .map_err(|e| anyhow::anyhow!(e))?,
        };
        let fetched = hits.len();
        // One trip to the database: what is still open.
        let open = services
            .db
            .read(move |c| recheck(c, target, track, hits, level))
            .await?;
        if let Some(page) = page_of(open, fetched, fetch, limit, offset) {
            return Ok(page);
        }
        fetch = (fetch * 2).min(MAX_FETCH);
    }
}

/// The best `n` matches of a record the caller has already read and shown to the viewer (its
/// own page, `search::load_row`); none when it is not in any track.
pub async fn top(
    services: &Services,
    query: Option<Entity>,
    target: Kind,
    n: usize,
) -> Result<Vec<Hit>, AppError> {
    match query {
        Some(query) => Ok(ranked(services, query, target, n, 0).await?.0),
        None => Ok(Vec::new()),
    }
}

/// A record's matches among `target`, for who may ask: officers, and whoever may change the
/// record itself (the company of a need, the person of a profile, the supplier of an offer)
/// unless `officers_only`. `viewer` says who asks, read on the same connection as the record.
#[allow(clippy::too_many_arguments)]
pub async fn of_record(
    services: &Services,
    viewer: impl FnOnce(&mut DbConn) -> Result<Viewer, AppError> + Send + 'static,
    record: Record,
    id: String,
    target: Kind,
    officers_only: bool,
    limit: usize,
    offset: usize,
) -> Result<(Vec<Hit>, bool), AppError> {
    let search = services.search.clone();
    // A few rows by key and, when the index keeps the answer, a look at the feed: short.
    let (query, first) = services
        .db
        .read_short(move |conn| -> Result<_, AppError> {
            let viewer = viewer(conn)?;
            let row = record.find(conn, &id)?.ok_or(AppError::NotFound)?;
            viewer.view_of(record, &row).ok_or(AppError::NotFound)?;
            if !(viewer.is_officer() || (!officers_only && viewer.may_change(record, &row))) {
                return Err(AppError::forbidden(
                    "only officers and the record's owner see its matches",
                ));
            }
            let query = crate::search::load_row(conn, record, &row)?.ok_or(AppError::NotFound)?;
            // When the index keeps the first round's answer, it is re-checked on this same
            // connection: one trip to the database for the whole page.
            let fetch = first_fetch(limit, offset);
            let first = match (track_of(query.kind(), target), offset < MAX_FETCH) {
                (Some(track), true) => search
                    .index
                    .cached_matches(&query, target, fetch, today())
                    .map(|kept| {
                        let fetched = kept.hits.len();
                        recheck(conn, target, track, kept.hits, kept.level)
                            .map(|open| page_of(open, fetched, fetch, limit, offset))
                    })
                    .transpose()?
                    .flatten(),
                _ => None,
            };
            Ok((query, first))
        })
        .await?;
    match first {
        Some(page) => Ok(page),
        None => ranked(services, query, target, limit, offset).await,
    }
}

/// The hits of a free-text search that still exist and that the viewer may see, from `offset`,
/// at most `limit`; and whether there are more.
pub async fn search_visible(
    services: &Services,
    viewer: Viewer,
    text: String,
    kinds: Vec<Kind>,
    offset: usize,
    limit: usize,
) -> Result<(Vec<Hit>, bool), AppError> {
    if offset >= MAX_FETCH {
        return Ok((Vec::new(), false));
    }
    let search = services.search.clone();
    let hits = tokio::task::spawn_blocking(move || search.index.search(&text, &kinds, MAX_FETCH))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!(e))?;
    services
        .db
        .read(move |conn| -> Result<(Vec<Hit>, bool), AppError> {
            let want = offset + limit + 1;
            let mut shown = Vec::new();
            // In chunks, one query per kind each, stopping once the page is full.
            for chunk in hits.chunks(SEARCH_CHECK_CHUNK) {
                let visible = visible_hits(conn, &viewer, chunk)?;
                shown.extend(
                    chunk
                        .iter()
                        .filter(|h| visible.contains(&(h.kind, h.id.clone())))
                        .cloned(),
                );
                if shown.len() >= want {
                    shown.truncate(want);
                    break;
                }
            }
            let more = shown.len() > offset + limit;
            Ok((shown.into_iter().skip(offset).take(limit).collect(), more))
        })
        .await
}

/// Which of `hits` still exist and may be seen by the viewer, read kind by kind.
fn visible_hits(
    conn: &mut DbConn,
    viewer: &Viewer,
    hits: &[Hit],
) -> Result<HashSet<(Kind, String)>, AppError> {
    let mut out = HashSet::new();
    for kind in Kind::ALL {
        let ids: Vec<String> = hits
            .iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let record = record_of(kind);
        for row in record.find_many(conn, &ids)? {
            if viewer.view_of(record, &row).is_some() {
                out.insert((kind, row.id));
            }
        }
    }
    Ok(out)
}
