//! Bulk import of the lists a municipality or university already keeps: a CSV file of one
//! kind of record, every row validated by the API's own validation and written through
//! [`records::store`] (so consents, the email to each person, the index and the audit are
//! exactly as for one record), in one transaction: the whole file or nothing. A dry run does
//! all of it and rolls back, so its report is what the import would do.
//!
//! Duplicates: an organisation with the same number; a person with the same email (their
//! profile of this kind); a need, offer or procurement of the same organisation with the same
//! title (case aside). They are skipped or updated, as asked; a duplicate later in the same
//! file is found too.

pub mod columns;
mod kinds;
pub mod table;

use crate::config::Settings;
use crate::db::{self, DbConn, DbError, Record, RecordRow, User};
use crate::domain::{Country, FieldErrors, OrgNumber};
use crate::error::AppError;
use crate::policy::Viewer;
use crate::records::{self, store, RecordType};
use columns::Column;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    #[default]
    Skip,
    Update,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub dry_run: bool,
    pub on_duplicate: OnDuplicate,
}

/// What an import did, or (a dry run, or rows with errors) would have done.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Report {
    pub kind: String,
    pub dry_run: bool,
    /// Rows read (rows with every cell empty are not counted).
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub errors: Vec<RowError>,
}

/// The messages of one row, by column; `row` is the row's number as the spreadsheet shows it
/// (the header is row 1).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowError {
    pub row: usize,
    pub fields: BTreeMap<String, Vec<String>>,
}

/// Why nothing was written: the report (a dry run, or rows with errors), or an error of the
/// whole request (a file that cannot be read, a viewer who may not import, the database).
#[derive(Debug)]
pub enum Stopped {
    Report(Report),
    Error(AppError),
}

impl From<AppError> for Stopped {
    fn from(e: AppError) -> Self {
        Stopped::Error(e)
    }
}
impl From<DbError> for Stopped {
    fn from(e: DbError) -> Self {
        Stopped::Error(e.into())
    }
}
impl From<diesel::result::Error> for Stopped {
    fn from(e: diesel::result::Error) -> Self {
        Stopped::Error(e.into())
    }
}

/// The kind a path segment names: `needs` or `need`.
pub fn kind(name: &str) -> Option<Record> {
    Record::ALL
        .into_iter()
        .find(|r| r.name() == name || r.path() == name)
}

/// Imports `file`: run it inside [`db::Db::write`] (one transaction); an `Err` rolls it back.
/// `progress` is told the rows done and the rows in all.
pub fn run(
    conn: &mut DbConn,
    viewer: &Viewer,
    record: Record,
    file: &[u8],
    opts: Options,
    settings: &Settings,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Report, Stopped> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers and admins import").into());
    }
    let t = table::read(&table::decode(file)).map_err(|m| AppError::invalid("file", m))?;
    let cols =
        columns::place_header(record, &t.header).map_err(|m| AppError::invalid("file", m))?;
    use records::{candidate, mentor, need, offer, organisation, procurement};
    let mut job = Job {
        conn,
        viewer,
        cols: &cols,
        opts,
        settings,
        seen: Seen::default(),
    };
    let report = match record {
        Record::Organisation => job.rows::<organisation::Organisation>(&t, progress),
        Record::Need => job.rows::<need::Need>(&t, progress),
        Record::Candidate => job.rows::<candidate::Candidate>(&t, progress),
        Record::Mentor => job.rows::<mentor::Mentor>(&t, progress),
        Record::Offer => job.rows::<offer::Offer>(&t, progress),
        Record::Procurement => job.rows::<procurement::Procurement>(&t, progress),
    }?;
    if opts.dry_run || !report.errors.is_empty() {
        return Err(Stopped::Report(report));
    }
    db::audit(
        job.conn,
        Some(&viewer.user_id),
        "records_imported",
        record.name(),
        None,
        json!({"rows": report.rows, "created": report.created, "updated": report.updated,
               "skipped": report.skipped}),
    )?;
    Ok(report)
}

struct Job<'a> {
    conn: &'a mut DbConn,
    viewer: &'a Viewer,
    cols: &'a [Column],
    opts: Options,
    settings: &'a Settings,
    seen: Seen,
}

/// What one row came to.
enum Done {
    Created,
    Updated,
    Skipped,
}

/// Why one row was not taken: its messages, or an error that stops the whole import.
enum RowFailed {
    Fields(FieldErrors),
    Fatal(AppError),
}

impl From<AppError> for RowFailed {
    fn from(e: AppError) -> Self {
        let one = |field: &str, m: String| RowFailed::Fields(FieldErrors::single(field, m));
        match e {
            AppError::Validation(f) => RowFailed::Fields(f),
            AppError::ConflictOn { field, message } => one(&field, message),
            AppError::Malformed { message, field } => {
                one(field.as_deref().unwrap_or("row"), message)
            }
            AppError::Conflict(m) | AppError::Forbidden(m) => one("row", m),
            AppError::NotFound => one("row", "not found".into()),
            other => RowFailed::Fatal(other),
        }
    }
}

impl From<diesel::result::Error> for RowFailed {
    fn from(e: diesel::result::Error) -> Self {
        RowFailed::Fatal(e.into())
    }
}

impl Job<'_> {
    fn rows<R: RecordType>(
        &mut self,
        t: &table::Table,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Report, Stopped> {
        self.seen.load(self.conn, R::RECORD)?;
        let total = t.rows.len();
        let mut report = Report {
            kind: R::RECORD.path().to_string(),
            dry_run: self.opts.dry_run,
            rows: total,
            ..Report::default()
        };
        for (i, (number, cells)) in t.rows.iter().enumerate() {
            if i % 100 == 0 {
                progress(i, total);
            }
            match self.row::<R>(cells) {
                Ok(Done::Created) => report.created += 1,
                Ok(Done::Updated) => report.updated += 1,
                Ok(Done::Skipped) => report.skipped += 1,
                Err(RowFailed::Fields(f)) => {
                    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
                    for (field, messages) in f.iter() {
                        fields
                            .entry(columns::column_of(self.cols, field))
                            .or_default()
                            .extend(messages.iter().cloned());
                    }
                    report.errors.push(RowError {
                        row: *number,
                        fields,
                    });
                }
                Err(RowFailed::Fatal(e)) => return Err(Stopped::Error(e)),
            }
        }
        progress(total, total);
        Ok(report)
    }

    fn row<R: RecordType>(&mut self, cells: &[String]) -> Result<Done, RowFailed> {
        let body = columns::body(self.cols, cells).map_err(RowFailed::Fields)?;
        let mut json = body.json;
        if let Some(number) = body.org_number {
            let id = self.seen.organisation(&number).ok_or_else(|| {
                AppError::invalid(
                    "organisation_id",
                    "no organisation has this number: import the organisations first",
                )
            })?;
            json.insert("organisation_id".into(), Value::from(id));
        }
        let input: R::Input = crate::error::from_value(Value::Object(json.clone()))?;
        let valid = R::validate(input).map_err(RowFailed::Fields)?;
        let duplicate = self.seen.duplicate(self.conn, R::RECORD, &valid)?;
        match (duplicate, self.opts.on_duplicate) {
            (Some(_), OnDuplicate::Skip) => Ok(Done::Skipped),
            (Some(id), OnDuplicate::Update) => {
                json.remove("person");
                json.remove("consents");
                store::change::<R>(self.conn, self.viewer, &id, Value::Object(json), false)?;
                Ok(Done::Updated)
            }
            (None, _) => {
                let row = store::create::<R>(self.conn, self.viewer, valid, self.settings)?;
                self.seen.add(R::RECORD, &row);
                Ok(Done::Created)
            }
        }
    }
}

/// What is already there, to find duplicates: organisations by number, and records of an
/// organisation by title.
#[derive(Default)]
struct Seen {
    organisations: HashMap<String, String>,
    titled: HashMap<String, String>,
}

/// `SE:556036-0793`: an organisation number as both countries write it (Swedish ones have ten
/// digits, Norwegian nine, so the number alone says which).
fn org_key(number: &str) -> Option<String> {
    [Country::Se, Country::No].into_iter().find_map(|c| {
        OrgNumber::parse(c, number)
            .ok()
            .map(|n| format!("{}:{}", c.as_str(), n.formatted()))
    })
}

fn title_key(row_org: Option<&str>, data: &Value) -> Option<String> {
    let title = data.get("title")?.as_str()?.trim().to_lowercase();
    Some(format!("{}\u{1f}{title}", row_org?))
}

impl Seen {
    fn load(&mut self, conn: &mut DbConn, record: Record) -> Result<(), AppError> {
        if matches!(record, Record::Candidate | Record::Mentor) {
            return Ok(());
        }
        for org in Record::Organisation.all(conn)? {
            self.add(Record::Organisation, &org);
        }
        if record != Record::Organisation {
            for row in record.all(conn)? {
                self.add(record, &row);
            }
        }
        Ok(())
    }

    fn add(&mut self, record: Record, row: &RecordRow) {
        let data: Value = serde_json::from_str(&row.data).unwrap_or_default();
        if record == Record::Organisation {
            if let Some(key) = data
                .get("org_number")
                .and_then(Value::as_str)
                .and_then(org_key)
            {
                self.organisations.insert(key, row.id.clone());
            }
        } else if let Some(key) = title_key(row.organisation_id.as_deref(), &data) {
            self.titled.insert(key, row.id.clone());
        }
    }

    fn organisation(&self, number: &str) -> Option<String> {
        self.organisations.get(&org_key(number)?).cloned()
    }

    /// The id of the record this one duplicates, if any.
    fn duplicate(
        &self,
        conn: &mut DbConn,
        record: Record,
        valid: &records::Valid,
    ) -> Result<Option<String>, AppError> {
        Ok(match record {
            Record::Organisation => valid
                .data
                .get("org_number")
                .and_then(Value::as_str)
                .and_then(|n| self.organisation(n)),
            Record::Candidate | Record::Mentor => {
                let Some(person) = &valid.person else {
                    return Ok(None);
                };
                match User::by_email(conn, person.email.as_str())? {
                    Some(u) => record.owned_by(conn, &u.id)?.first().map(|r| r.id.clone()),
                    None => None,
                }
            }
            _ => title_key(valid.organisation_id.as_deref(), &valid.data)
                .and_then(|k| self.titled.get(&k).cloned()),
        })
    }
}

/// The body of a rejected import's answer: the report beside the API's error envelope.
pub fn rejected(report: &Report) -> Value {
    let mut fields = Map::new();
    for e in &report.errors {
        for (column, messages) in &e.fields {
            fields.insert(format!("rows[{}].{column}", e.row), json!(messages));
        }
    }
    let mut v = serde_json::to_value(report).unwrap_or_default();
    if let Value::Object(o) = &mut v {
        o.insert(
            "error".into(),
            json!({"code": "validation_failed",
                   "message": format!("{} of {} rows have errors: nothing was written",
                                      report.errors.len(), report.rows),
                   "fields": fields}),
        );
    }
    v
}
