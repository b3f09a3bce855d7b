//! Holds: what keeps an organisation or an account out of matching and out of what others
//! see (`unverified`: an organisation that registered itself, until an officer verifies it;
//! `suspended`: an officer's decision), and the reports people make on what they see.

use super::schema::{abuse_reports as r, holds as h};
use super::{now, DbConn, Native, Record, RecordRow};
use diesel::prelude::*;
use std::collections::HashSet;
use time::PrimitiveDateTime;

pub const ORGANISATION: &str = "organisation";
pub const USER: &str = "user";
pub const UNVERIFIED: &str = "unverified";
pub const SUSPENDED: &str = "suspended";

/// Puts a hold on; `false` when it was on already (so doing it twice does it once).
pub fn put(
    conn: &mut DbConn,
    kind: &str,
    id: &str,
    reason: &str,
    note: &str,
    by: Option<&str>,
) -> QueryResult<bool> {
    let there: bool = diesel::select(diesel::dsl::exists(
        h::table
            .filter(h::subject_kind.eq(kind))
            .filter(h::subject_id.eq(id))
            .filter(h::reason.eq(reason)),
    ))
    .get_result(conn)?;
    if there {
        return Ok(false);
    }
    let n = diesel::insert_into(h::table)
        .values((
            h::subject_kind.eq(kind),
            h::subject_id.eq(id),
            h::reason.eq(reason),
            h::note.eq(note),
            h::since.eq(now()),
            h::by_user.eq(by),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

/// Lifts a hold; `false` when there was none.
pub fn lift(conn: &mut DbConn, kind: &str, id: &str, reason: &str) -> QueryResult<bool> {
    let n = diesel::delete(
        h::table
            .filter(h::subject_kind.eq(kind))
            .filter(h::subject_id.eq(id))
            .filter(h::reason.eq(reason)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// The holds on one subject: (reason, note, since).
pub fn on(
    conn: &mut DbConn,
    kind: &str,
    id: &str,
) -> QueryResult<Vec<(String, String, PrimitiveDateTime)>> {
    h::table
        .filter(h::subject_kind.eq(kind))
        .filter(h::subject_id.eq(id))
        .order(h::reason.asc())
        .select((h::reason, h::note, h::since))
        .load(conn)
}

/// Which of these subjects (organisation or user ids) have a hold, of any reason.
pub fn held_among(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    // One or two subjects (a record's owner and organisation, as a page reads them): a query of
    // a fixed shape, prepared once per connection; an `IN` list of any length is not (SQLite
    // parses and plans it again each time).
    if ids.len() <= 2 {
        // Not empty (above): the first and the last, the same one when there is one.
        let (a, b) = (&ids[0], &ids[ids.len() - 1]);
        let some: Vec<String> = h::table
            .filter(h::subject_id.eq(a).or(h::subject_id.eq(b)))
            .select(h::subject_id)
            .distinct()
            .load_native(conn)?;
        return Ok(some.into_iter().collect());
    }
    let mut found = HashSet::new();
    for chunk in ids.chunks(5000) {
        let some: Vec<String> = h::table
            .filter(h::subject_id.eq_any(chunk))
            .select(h::subject_id)
            .distinct()
            .load(conn)?;
        found.extend(some);
    }
    Ok(found)
}

/// The rows (of `record`) on hold: their organisation's or their owner's (or, for an
/// organisation, its own). One query, however many rows.
pub fn held_rows(
    conn: &mut DbConn,
    record: Record,
    rows: &[RecordRow],
) -> QueryResult<HashSet<String>> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.owner_id.clone()).collect();
    ids.extend(rows.iter().filter_map(|r| r.organisation_id.clone()));
    if record == Record::Organisation {
        ids.extend(rows.iter().map(|r| r.id.clone()));
    }
    ids.sort();
    ids.dedup();
    let held = held_among(conn, &ids)?;
    if held.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(rows
        .iter()
        .filter(|r| {
            held.contains(&r.owner_id)
                || r.organisation_id.as_ref().is_some_and(|o| held.contains(o))
                || (record == Record::Organisation && held.contains(&r.id))
        })
        .map(|r| r.id.clone())
        .collect())
}

/// Every subject with a hold of `reason` and `kind`, oldest first: (id, note, since).
pub fn all_of(
    conn: &mut DbConn,
    kind: &str,
    reason: &str,
) -> QueryResult<Vec<(String, String, PrimitiveDateTime)>> {
    h::table
        .filter(h::subject_kind.eq(kind))
        .filter(h::reason.eq(reason))
        .order(h::since.asc())
        .select((h::subject_id, h::note, h::since))
        .load(conn)
}

/// A report someone made on what they saw.
#[derive(Debug, Clone, Queryable)]
pub struct Report {
    pub id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub municipality: String,
    pub reporter_id: Option<String>,
    pub reason: String,
    pub created_at: PrimitiveDateTime,
    pub resolved_at: Option<PrimitiveDateTime>,
    pub resolved_by: Option<String>,
}

pub fn add_report(
    conn: &mut DbConn,
    subject_kind: &str,
    subject_id: &str,
    municipality: &str,
    reporter: Option<&str>,
    reason: &str,
) -> QueryResult<String> {
    let id = super::new_id();
    diesel::insert_into(r::table)
        .values((
            r::id.eq(&id),
            r::subject_kind.eq(subject_kind),
            r::subject_id.eq(subject_id),
            r::municipality.eq(municipality),
            r::reporter_id.eq(reporter),
            r::reason.eq(reason),
            r::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Open reports in these municipalities (`None`: everywhere), oldest first.
pub fn open_reports(conn: &mut DbConn, places: Option<&[String]>) -> QueryResult<Vec<Report>> {
    let mut q = r::table
        .filter(r::resolved_at.is_null())
        .order(r::created_at.asc())
        .into_boxed();
    if let Some(p) = places {
        q = q.filter(r::municipality.eq_any(p.to_vec()));
    }
    q.limit(500).load(conn)
}

/// The open report `reporter` made on `subject`, if any.
pub fn open_report_by(
    conn: &mut DbConn,
    subject: &str,
    reporter: &str,
) -> QueryResult<Option<String>> {
    r::table
        .filter(r::subject_id.eq(subject))
        .filter(r::reporter_id.eq(reporter))
        .filter(r::resolved_at.is_null())
        .select(r::id)
        .first(conn)
        .optional()
}

/// The reasons held on each of these subjects.
pub fn reasons_among(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, Vec<String>>> {
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    for chunk in ids.chunks(5000) {
        let rows: Vec<(String, String)> = h::table
            .filter(h::subject_id.eq_any(chunk))
            .select((h::subject_id, h::reason))
            .load(conn)?;
        for (id, reason) in rows {
            out.entry(id).or_default().push(reason);
        }
    }
    Ok(out)
}

pub fn find_report(conn: &mut DbConn, id: &str) -> QueryResult<Option<Report>> {
    r::table.find(id).first(conn).optional()
}

/// Marks a report dealt with; `false` when it was already.
pub fn resolve_report(conn: &mut DbConn, id: &str, by: &str) -> QueryResult<bool> {
    let n = diesel::update(r::table.find(id).filter(r::resolved_at.is_null()))
        .set((r::resolved_at.eq(Some(now())), r::resolved_by.eq(Some(by))))
        .execute(conn)?;
    Ok(n > 0)
}
