//! The log of who read a person's full profile or contact details. Only the service writes it
//! (no route changes it); the person sees it in their export; it goes with the person.

use super::schema::{reads as r, users as u};
use super::{new_id, now, DbConn};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// One read as the person's export shows it.
#[derive(Debug, Clone)]
pub struct Read {
    pub reader_name: String,
    pub reader_role: String,
    pub what: String,
    pub at: PrimitiveDateTime,
}

/// Records that `reader` read the full data of each of `persons` (the reader's own left out),
/// at `what` (the page or endpoint).
pub fn log(conn: &mut DbConn, persons: &[String], reader: &str, what: &str) -> QueryResult<()> {
    let persons: Vec<&String> = persons.iter().filter(|p| p.as_str() != reader).collect();
    if persons.is_empty() {
        return Ok(());
    }
    let (name, role): (String, String) = u::table
        .find(reader)
        .select((u::display_name, u::role))
        .first(conn)?;
    let at = now();
    let what: String = what.chars().take(200).collect();
    let mut seen = std::collections::HashSet::new();
    for p in persons {
        if !seen.insert(p) {
            continue;
        }
        diesel::insert_into(r::table)
            .values((
                r::id.eq(new_id()),
                r::person_id.eq(p),
                r::reader_id.eq(reader),
                r::reader_name.eq(&name),
                r::reader_role.eq(&role),
                r::what.eq(&what),
                r::read_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The reads of `person`'s data, oldest first.
pub fn of(conn: &mut DbConn, person: &str) -> QueryResult<Vec<Read>> {
    let rows: Vec<(String, String, String, PrimitiveDateTime)> = r::table
        .filter(r::person_id.eq(person))
        .order((r::read_at.asc(), r::id.asc()))
        .select((r::reader_name, r::reader_role, r::what, r::read_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(reader_name, reader_role, what, at)| Read {
            reader_name,
            reader_role,
            what,
            at,
        })
        .collect())
}

/// How many reads of `person` there are (what erasure keeps, as a count).
pub fn count(conn: &mut DbConn, person: &str) -> QueryResult<i64> {
    r::table
        .filter(r::person_id.eq(person))
        .count()
        .get_result(conn)
}
