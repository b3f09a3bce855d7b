//! Newsletters written by officers: a subject and a body in Swedish, Norwegian and English (any
//! of them; each reader gets theirs, else English, else the first written), in a small safe
//! markup (`domain::markup`), sent to a segment — roles, tracks, municipalities or counties, the
//! readers' language — of the people who asked for newsletters (the consent purpose
//! `newsletter`, off by default) and whose address delivers. A draft first, with the number
//! it would reach; sending queues one email per reader through the outbox, spaced to
//! `newsletter_per_minute`, each with its one-click unsubscribe. Sent ones make the public
//! archive. An officer's newsletter reaches only people in their municipalities.

pub mod segment;

use crate::config::Settings;
use crate::db::schema::newsletters as n;
use crate::db::{self, DbConn};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::policy::Viewer;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::PrimitiveDateTime;
use utoipa::ToSchema;

pub use segment::Segment;

pub const LANGUAGES: [&str; 3] = ["sv", "nb", "en"];
const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 20_000;

/// Text in each language written (`sv`, `nb`, `en`).
pub type Texts = BTreeMap<String, String>;

/// `POST /api/v1/newsletters`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsletterInput {
    /// `{"sv": "…", "nb": "…", "en": "…"}`: at least one language.
    #[schema(value_type = Object)]
    pub subject: Texts,
    /// The same languages as the subject; paragraphs, `- ` lists, `**bold**`, links.
    #[schema(value_type = Object)]
    pub body: Texts,
    #[serde(default)]
    pub segment: Segment,
}

/// A newsletter as the API and the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct Newsletter {
    pub id: String,
    pub subject: Texts,
    pub body: Texts,
    pub segment: Segment,
    pub status: String,
    pub recipients: i64,
    pub created_at: PrimitiveDateTime,
    pub sent_at: Option<PrimitiveDateTime>,
    pub author_id: Option<String>,
}

impl Newsletter {
    /// The language of this newsletter a reader of `locale` gets.
    pub fn language_for(&self, locale: &str) -> String {
        pick_language(&self.subject, locale)
    }

    pub fn json(&self) -> Value {
        let at = crate::error::rfc3339;
        json!({
            "id": self.id, "subject": self.subject, "body": self.body, "segment": self.segment,
            "status": self.status, "recipients": self.recipients,
            "created_at": at(self.created_at), "sent_at": self.sent_at.map(at),
        })
    }
}

/// The reader's language if written, else English, else the first written.
pub fn pick_language(texts: &Texts, locale: &str) -> String {
    [locale, "en"]
        .into_iter()
        .find(|l| texts.get(*l).is_some_and(|t| !t.trim().is_empty()))
        .map(str::to_string)
        .or_else(|| texts.keys().next().cloned())
        .unwrap_or_else(|| "en".into())
}

fn texts(errors: &mut FieldErrors, field: &str, given: &Texts, max: usize) -> Texts {
    let mut out = Texts::new();
    for (lang, text) in given {
        let key = format!("{field}.{lang}");
        if !LANGUAGES.contains(&lang.as_str()) {
            errors.add(
                key,
                "is not a language newsletters are written in: use sv, nb or en",
            );
            continue;
        }
        let t = text.trim();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > max {
            errors.add(key, format!("is longer than {max} characters"));
        } else if field == "subject" && t.contains(['\n', '\r']) {
            errors.add(key, "must be one line");
        } else {
            out.insert(lang.clone(), t.to_string());
        }
    }
    out
}

/// The input validated: (subject, body, segment), or every field that is wrong.
pub fn validate(input: &NewsletterInput) -> Result<(Texts, Texts, Segment), AppError> {
    let mut errors = FieldErrors::new();
    let subject = texts(&mut errors, "subject", &input.subject, MAX_SUBJECT);
    let body = texts(&mut errors, "body", &input.body, MAX_BODY);
    if subject.is_empty() && errors.is_empty() {
        errors.add("subject", "write it in at least one of sv, nb, en");
    }
    for lang in subject.keys() {
        if !body.contains_key(lang) {
            errors.add(
                format!("body.{lang}"),
                "is missing: the subject is written in this language",
            );
        }
    }
    for lang in body.keys() {
        if !subject.contains_key(lang) {
            errors.add(
                format!("subject.{lang}"),
                "is missing: the body is written in this language",
            );
        }
    }
    let segment = input.segment.validated(&mut errors);
    if errors.is_empty() {
        Ok((subject, body, segment))
    } else {
        Err(AppError::Validation(errors))
    }
}

fn only_staff(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.is_officer() {
        Ok(())
    } else {
        Err(AppError::forbidden("only officers write newsletters"))
    }
}

type Row = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    i32,
    PrimitiveDateTime,
    Option<PrimitiveDateTime>,
);

fn of_row(r: Row) -> Newsletter {
    let (id, author_id, subject, body, segment, status, recipients, created_at, sent_at) = r;
    Newsletter {
        id,
        author_id,
        subject: serde_json::from_str(&subject).unwrap_or_default(),
        body: serde_json::from_str(&body).unwrap_or_default(),
        segment: serde_json::from_str(&segment).unwrap_or_default(),
        status,
        recipients: i64::from(recipients),
        created_at,
        sent_at,
    }
}

const COLUMNS: (
    n::id,
    n::author_id,
    n::subject,
    n::body,
    n::segment,
    n::status,
    n::recipients,
    n::created_at,
    n::sent_at,
) = (
    n::id,
    n::author_id,
    n::subject,
    n::body,
    n::segment,
    n::status,
    n::recipients,
    n::created_at,
    n::sent_at,
);

/// Saves a draft; its `recipients` is how many it would reach now (the preview).
pub fn create(
    conn: &mut DbConn,
    viewer: &Viewer,
    input: &NewsletterInput,
) -> Result<Newsletter, AppError> {
    only_staff(viewer)?;
    let (subject, body, segment) = validate(input)?;
    let recipients = segment::recipients(conn, &segment, viewer)?.len() as i32;
    let id = db::new_id();
    diesel::insert_into(n::table)
        .values((
            n::id.eq(&id),
            n::author_id.eq(&viewer.user_id),
            n::subject.eq(serde_json::to_string(&subject).unwrap_or_default()),
            n::body.eq(serde_json::to_string(&body).unwrap_or_default()),
            n::segment.eq(serde_json::to_string(&segment).unwrap_or_default()),
            n::status.eq("draft"),
            n::recipients.eq(recipients),
            n::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "newsletter_drafted",
        "newsletter",
        Some(&id),
        json!({"recipients": recipients}),
    )?;
    find(conn, Some(viewer), &id)
}

/// A newsletter: a sent one for anyone; a draft for officers only.
pub fn find(conn: &mut DbConn, viewer: Option<&Viewer>, id: &str) -> Result<Newsletter, AppError> {
    if !db::plausible_id(id) {
        return Err(AppError::NotFound);
    }
    let row: Option<Row> = n::table.find(id).select(COLUMNS).first(conn).optional()?;
    let letter = row.map(of_row).ok_or(AppError::NotFound)?;
    if letter.status != "sent" && !viewer.is_some_and(Viewer::is_officer) {
        return Err(AppError::NotFound);
    }
    Ok(letter)
}

/// Sent newsletters newest first (the archive), and for officers the drafts before them.
pub fn list(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Newsletter>, AppError> {
    let mut q = n::table.into_boxed();
    if !viewer.is_some_and(Viewer::is_officer) {
        q = q.filter(n::status.eq("sent"));
    }
    let rows: Vec<Row> = q
        .order((n::status.asc(), n::sent_at.desc(), n::created_at.desc()))
        .limit(limit)
        .offset(offset)
        .select(COLUMNS)
        .load(conn)?;
    Ok(rows.into_iter().map(of_row).collect())
}

/// Sends a draft: one email per reader of the segment as it stands now, spaced through the
/// outbox. Sending twice sends once (the second is a conflict).
pub fn send(
    conn: &mut DbConn,
    settings: &Settings,
    viewer: &Viewer,
    id: &str,
) -> Result<Newsletter, AppError> {
    only_staff(viewer)?;
    let letter = find(conn, Some(viewer), id)?;
    if letter.status == "sent" {
        return Err(AppError::Conflict(
            "this newsletter has been sent already".into(),
        ));
    }
    let readers = segment::recipients(conn, &letter.segment, viewer)?;
    let changed = diesel::update(n::table.find(id).filter(n::status.eq("draft")))
        .set((
            n::status.eq("sent"),
            n::sent_at.eq(db::now()),
            n::recipients.eq(readers.len() as i32),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(AppError::Conflict(
            "this newsletter has been sent already".into(),
        ));
    }
    let per_minute = i64::from(settings.newsletter_per_minute.max(1));
    let base = settings.base_url();
    let base = base.trim_end_matches('/');
    for (i, reader) in readers.iter().enumerate() {
        let lang = letter.language_for(&reader.locale);
        let unsubscribe =
            crate::subscriptions::unsubscribe_link(settings, &reader.id, "newsletter")?;
        let after = time::Duration::milliseconds(i as i64 * 60_000 / per_minute);
        db::enqueue_email_after(
            conn,
            db::NewEmail {
                recipient_user_id: Some(&reader.id),
                to_address: &reader.email,
                template: "newsletter",
                locale: &reader.locale,
                params: json!({
                    "recipient_name": reader.display_name,
                    "subject": letter.subject.get(&lang).cloned().unwrap_or_default(),
                    "body": letter.body.get(&lang).cloned().unwrap_or_default(),
                    "unsubscribe_link": unsubscribe,
                    "link": format!("{base}/newsletters/{id}"),
                }),
                introduction_id: None,
            },
            &settings.mail_domain(),
            after,
        )?;
    }
    db::audit(
        conn,
        Some(&viewer.user_id),
        "newsletter_sent",
        "newsletter",
        Some(id),
        json!({"recipients": readers.len()}),
    )?;
    find(conn, Some(viewer), id)
}
