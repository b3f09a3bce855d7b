//! The six record tables (organisations, needs, candidates, mentors, procurements, offers)
//! through one set of functions: the tables share their columns, so a macro writes the same
//! queries for each and [`Record`] picks the table.

use super::{schema, DbConn, Native};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// Which record table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    Organisation,
    Need,
    Candidate,
    Mentor,
    Procurement,
    Offer,
}

impl Record {
    pub const ALL: [Record; 6] = [
        Record::Organisation,
        Record::Need,
        Record::Candidate,
        Record::Mentor,
        Record::Procurement,
        Record::Offer,
    ];

    /// The singular name used in index events, errors and matches.
    pub fn name(self) -> &'static str {
        match self {
            Record::Organisation => "organisation",
            Record::Need => "need",
            Record::Candidate => "candidate",
            Record::Mentor => "mentor",
            Record::Procurement => "procurement",
            Record::Offer => "offer",
        }
    }

    /// The record of a singular name, as [`Record::name`] writes it.
    pub fn parse(name: &str) -> Option<Record> {
        Record::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The plural of the API's paths (`/api/v1/needs`).
    pub fn path(self) -> &'static str {
        match self {
            Record::Organisation => "organisations",
            Record::Need => "needs",
            Record::Candidate => "candidates",
            Record::Mentor => "mentors",
            Record::Procurement => "procurements",
            Record::Offer => "offers",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = schema::needs)]
#[diesel(treat_none_as_null = true)]
pub struct RecordRow {
    pub id: String,
    pub owner_id: String,
    pub organisation_id: Option<String>,
    pub municipality: String,
    pub county: String,
    pub kind: String,
    pub status: String,
    pub data: String,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// Which rows a viewer may see in a list, decided by the access policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Visible {
    All,
    /// Rows in one of these statuses, or of one of these organisations, or of this owner.
    Where {
        statuses: Vec<String>,
        organisations: Vec<String>,
        owner: Option<String>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub municipality: Option<String>,
    pub county: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub organisation_id: Option<String>,
    /// Rows with an id greater than this (ids are time-ordered).
    pub after: Option<String>,
    pub limit: i64,
}

macro_rules! record_store {
    ($($variant:ident => $table:ident),* $(,)?) => {
        impl Record {
            pub fn find(self, conn: &mut DbConn, id: &str) -> QueryResult<Option<RecordRow>> {
                if !super::plausible_id(id) {
                    return Ok(None);
                }
                match self {$(
                    Record::$variant => schema::$table::table
                        .find(id)
                        .select(schema::$table::all_columns)
                        .first_native::<RecordRow>(conn)
                        .optional(),
                )*}
            }

            /// The rows `owner` owns, oldest first.
            pub fn owned_by(self, conn: &mut DbConn, owner: &str) -> QueryResult<Vec<RecordRow>> {
                match self {$(
                    Record::$variant => schema::$table::table
                        .filter(schema::$table::owner_id.eq(owner))
                        .order(schema::$table::id.asc())
                        .select(schema::$table::all_columns)
                        .load::<RecordRow>(conn),
                )*}
            }

            /// Every row, in id order (an import's look-up of duplicates).
            pub fn all(self, conn: &mut DbConn) -> QueryResult<Vec<RecordRow>> {
                match self {$(
                    Record::$variant => schema::$table::table
                        .order(schema::$table::id.asc())
                        .select(schema::$table::all_columns)
                        .load::<RecordRow>(conn),
                )*}
            }

            /// Rows of `status` not changed since `before` and not waiting for an answer to
            /// "still current?", oldest first (the freshness job).
            pub fn untouched(self, conn: &mut DbConn, status: &str, before: time::PrimitiveDateTime, limit: i64) -> QueryResult<Vec<RecordRow>> {
                use schema::freshness as f;
                match self {$(
                    Record::$variant => schema::$table::table
                        .filter(schema::$table::status.eq(status))
                        .filter(schema::$table::updated_at.le(before))
                        .filter(diesel::dsl::not(diesel::dsl::exists(
                            f::table
                                .filter(f::record_kind.eq(self.name()))
                                .filter(f::record_id.eq(schema::$table::id))
                                .filter(f::answered_at.is_null())
                                .filter(f::stale_at.is_null()),
                        )))
                        .order(schema::$table::updated_at.asc())
                        .limit(limit)
                        .select(schema::$table::all_columns)
                        .load::<RecordRow>(conn),
                )*}
            }

            /// The rows of these ids that exist, in no particular order.
            pub fn find_many(self, conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<RecordRow>> {
                let ids = super::plausible_ids(ids);
                match self {$(
                    Record::$variant => schema::$table::table
                        .filter(schema::$table::id.eq_any(&ids))
                        .select(schema::$table::all_columns)
                        .load::<RecordRow>(conn),
                )*}
            }

            pub fn insert(self, conn: &mut DbConn, row: &RecordRow) -> QueryResult<()> {
                match self {$(
                    Record::$variant => {
                        use schema::$table::dsl as t;
                        diesel::insert_into(t::$table)
                            .values((
                                t::id.eq(&row.id), t::owner_id.eq(&row.owner_id),
                                t::organisation_id.eq(&row.organisation_id),
                                t::municipality.eq(&row.municipality), t::county.eq(&row.county),
                                t::kind.eq(&row.kind), t::status.eq(&row.status),
                                t::data.eq(&row.data), t::created_at.eq(row.created_at),
                                t::updated_at.eq(row.updated_at),
                            ))
                            .execute(conn)
                            .map(drop)
                    }
                )*}
            }

            /// Replaces everything but the id, owner and creation time.
            pub fn update(self, conn: &mut DbConn, row: &RecordRow) -> QueryResult<usize> {
                match self {$(
                    Record::$variant => {
                        use schema::$table::dsl as t;
                        diesel::update(t::$table.find(&row.id))
                            .set((
                                t::organisation_id.eq(&row.organisation_id),
                                t::municipality.eq(&row.municipality), t::county.eq(&row.county),
                                t::kind.eq(&row.kind), t::status.eq(&row.status),
                                t::data.eq(&row.data), t::updated_at.eq(row.updated_at),
                            ))
                            .execute(conn)
                    }
                )*}
            }

            pub fn delete(self, conn: &mut DbConn, id: &str) -> QueryResult<usize> {
                match self {$(
                    Record::$variant => diesel::delete(schema::$table::table.find(id)).execute(conn),
                )*}
            }

            pub fn count(self, conn: &mut DbConn) -> QueryResult<i64> {
                match self {$(
                    Record::$variant => schema::$table::table.count().get_result(conn),
                )*}
            }

            /// Whether a person already has a record of this kind (one profile each).
            pub fn exists_for_owner(self, conn: &mut DbConn, owner: &str) -> QueryResult<bool> {
                match self {$(
                    Record::$variant => {
                        use schema::$table::dsl as t;
                        diesel::select(diesel::dsl::exists(t::$table.filter(t::owner_id.eq(owner))))
                            .get_result(conn)
                    }
                )*}
            }

            /// One page of rows in id order.
            pub fn list(self, conn: &mut DbConn, visible: &Visible, f: &ListFilter) -> QueryResult<Vec<RecordRow>> {
                match self {$(
                    Record::$variant => {
                        use schema::$table::dsl as t;
                        let mut q = t::$table.select(t::$table::all_columns()).into_boxed();
                        match visible {
                            Visible::All => {}
                            Visible::Where { statuses, organisations, owner } => {
                                q = q.filter(
                                    t::status.eq_any(statuses.clone())
                                        .or(t::organisation_id.assume_not_null().eq_any(organisations.clone()))
                                        .or(t::owner_id.eq(owner.clone().unwrap_or_default())),
                                )
                            }
                        }
                        if let Some(v) = &f.municipality { q = q.filter(t::municipality.eq(v.clone())); }
                        if let Some(v) = &f.county { q = q.filter(t::county.eq(v.clone())); }
                        if let Some(v) = &f.status { q = q.filter(t::status.eq(v.clone())); }
                        if let Some(v) = &f.kind { q = q.filter(t::kind.eq(v.clone())); }
                        if let Some(v) = &f.organisation_id { q = q.filter(t::organisation_id.eq(v.clone())); }
                        if let Some(v) = &f.after { q = q.filter(t::id.gt(v.clone())); }
                        q.order(t::id.asc()).limit(f.limit).load::<RecordRow>(conn)
                    }
                )*}
            }
        }
    };
}

record_store!(
    Organisation => organisations,
    Need => needs,
    Candidate => candidates,
    Mentor => mentors,
    Procurement => procurements,
    Offer => offers,
);
