//! The six kinds of record the API keeps, each with its request body and its validation into
//! the normalised form that is stored (`data`) and the columns the service filters on.

pub mod candidate;
pub mod check;
pub mod mentor;
pub mod need;
pub mod offer;
pub mod organisation;
pub mod procurement;
pub mod store;

pub use candidate::CandidateInput;
pub use mentor::MentorInput;
pub use need::NeedInput;
pub use offer::OfferInput;
pub use organisation::OrganisationInput;
pub use procurement::ProcurementInput;

use crate::db::Record;
use crate::domain::{Email, FieldErrors, Municipality};
use check::Check;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use utoipa::ToSchema;

pub const LOCALES: &[&str] = &["sv", "nb", "en"];
pub const PURPOSES: &[&str] = &[
    "matching_ktp",
    "matching_mentoring",
    "matching_procurement",
    "contact",
];
/// What people receive because they asked for it (off by default): the weekly digest and
/// newsletters. Only the person gives these (an officer attests matching and contact only).
pub const LETTERS: &[&str] = &["digest", "newsletter"];
/// Every purpose a person may give or withdraw themselves.
pub const ALL_PURPOSES: &[&str] = &[
    "matching_ktp",
    "matching_mentoring",
    "matching_procurement",
    "contact",
    "digest",
    "newsletter",
];
/// The version of the consent texts people agree to; stored with each consent.
pub const CONSENT_TEXT_VERSION: &str = "2026-11-v1";

/// A record's request body, validated.
#[derive(Debug, Clone)]
pub struct Valid {
    /// The normalised record, stored as `data` and shown back.
    pub data: serde_json::Value,
    /// `None` when the record takes its organisation's municipality (offers).
    pub municipality: Option<Municipality>,
    pub kind: String,
    pub status: String,
    pub organisation_id: Option<String>,
    /// The person a profile is for, when an officer creates it for them.
    pub person: Option<Person>,
    pub consents: Vec<String>,
}

/// The person behind a candidate or mentor profile that an officer records for them.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    /// `sv`, `nb` or `en`: the language of the emails they get.
    pub locale: String,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub email: Email,
    pub phone: Option<String>,
    pub locale: String,
}

/// What each kind of record declares about itself.
pub trait RecordType: 'static {
    const RECORD: Record;
    /// The collection's path segment under `/api/v1/`.
    const PATH: &'static str;
    /// Kinds of organisation this record may belong to (empty: it belongs to none).
    const ORGANISATION_KINDS: &'static [&'static str];
    /// Statuses; the first is the default.
    const STATUSES: &'static [&'static str];
    /// Fields of `data` shown only to the person and to officers.
    const PRIVATE_FIELDS: &'static [&'static str] = &[];
    type Input: DeserializeOwned + Serialize + ToSchema + Send + 'static;

    fn validate(input: Self::Input) -> Result<Valid, FieldErrors>;

    /// The stored record, typed: validation stores the normalised body, so it reads back as
    /// the same type (`None` only for a row this version did not write).
    fn stored(row: &crate::db::RecordRow) -> Option<Self::Input> {
        serde_json::from_str(&row.data).ok()
    }

    /// Whether a change may move the record from its stored status to `to` (checked before
    /// anything is written; the same status always may).
    fn check_status_change(
        _conn: &mut crate::db::DbConn,
        _row: &crate::db::RecordRow,
        _to: &str,
    ) -> Result<(), crate::error::AppError> {
        Ok(())
    }

    /// What a change of status writes beside the record, in the same transaction.
    fn after_status_change(
        _conn: &mut crate::db::DbConn,
        _row: &crate::db::RecordRow,
    ) -> Result<(), crate::error::AppError> {
        Ok(())
    }
}

/// The status given, checked, or the default.
fn status(c: &mut Check, value: &Option<String>, allowed: &[&str]) -> String {
    match value {
        Some(s) => c.one_of("status", s, allowed),
        None => allowed.first().copied().unwrap_or_default().to_string(),
    }
}

fn person(c: &mut Check, p: &Option<PersonInput>) -> Option<Person> {
    let p = p.as_ref()?;
    Some(Person {
        name: c.line("person.name", &p.name, 200),
        email: c.errors.take("person.email", Email::parse(&p.email))?,
        phone: c.opt_line("person.phone", &p.phone, 40),
        locale: c.one_of("person.locale", &p.locale, LOCALES),
    })
}
