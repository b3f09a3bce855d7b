//! Suppliers register their interest and ask; the buyer answers. Whatever the buyer publishes
//! (an answer, a new version of one, a meeting's public summary) goes to every registered
//! supplier at once — on the page and in one email each — never to the asker alone, and each
//! email is kept beside the publication so that the record can show it reached everyone. A
//! supplier registering later is sent everything published so far.

use super::{as_buyer, as_registered, notice_link, registration_of, text, Registration};
use crate::config::Settings;
use crate::db::schema::{
    dialogue_deliveries as dv, dialogue_publications as pb, dialogue_questions as qs,
    dialogue_registrations as rg,
};
use crate::db::{self, DbConn, NewEmail, Record, User};
use crate::domain::Email;
use crate::error::AppError;
use crate::policy::Viewer;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::PrimitiveDateTime;
use utoipa::ToSchema;

/// The business contact a supplier shares with the buyer by registering.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// `POST /api/v1/procurements/{id}/dialogue/registrations`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    pub organisation_id: String,
    pub contact: Contact,
}

/// A question, or an answer's or summary's text.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    pub text: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = qs)]
pub struct Question {
    pub id: String,
    pub procurement_id: String,
    pub registration_id: String,
    pub text: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = pb)]
pub struct Publication {
    pub id: String,
    pub procurement_id: String,
    /// `answer` or `summary`.
    pub kind: String,
    pub question_id: Option<String>,
    pub slot_id: Option<String>,
    pub version: i32,
    pub text: String,
    pub published_at: PrimitiveDateTime,
}

/// A supplier registers its interest; its business contact is shared with the buyer from then
/// on. Registering again returns the registration (`false`: not made now).
pub fn register(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    input: Register,
    settings: &Settings,
) -> Result<(Registration, bool), AppError> {
    let b = super::buyer(conn, id)?;
    if !viewer.organisations.contains(&input.organisation_id) {
        return Err(AppError::invalid(
            "organisation_id",
            "is not an organisation you belong to",
        ));
    }
    let org = Record::Organisation
        .find(conn, &input.organisation_id)?
        .filter(|o| matches!(o.kind.as_str(), "supplier" | "company"))
        .ok_or_else(|| AppError::invalid("organisation_id", "must be a supplier or a company"))?;
    if let Some(r) =
        registration_of(conn, viewer, &b.row.id)?.filter(|r| r.organisation_id == org.id)
    {
        return Ok((r, false));
    }
    b.open_to_suppliers()?;
    let mut c = crate::records::check::Check::default();
    let name = c.line("contact.name", &input.contact.name, 200);
    let phone = input.contact.phone.clone().filter(|p| !p.trim().is_empty());
    let phone = c.opt_line("contact.phone", &phone, 40);
    let email = c
        .errors
        .take("contact.email", Email::parse(&input.contact.email));
    c.finish().map_err(AppError::Validation)?;
    let email = email.ok_or_else(|| AppError::invalid("contact.email", "is not an address"))?;
    let r = Registration {
        id: db::new_id(),
        procurement_id: b.row.id.clone(),
        organisation_id: org.id.clone(),
        user_id: Some(viewer.user_id.clone()),
        contact_name: name,
        contact_email: email.as_str().to_string(),
        contact_phone: phone,
        locale: viewer.locale.clone(),
        created_at: db::now(),
    };
    diesel::insert_into(rg::table)
        .values((
            rg::id.eq(&r.id),
            rg::procurement_id.eq(&r.procurement_id),
            rg::organisation_id.eq(&r.organisation_id),
            rg::user_id.eq(&r.user_id),
            rg::contact_name.eq(&r.contact_name),
            rg::contact_email.eq(&r.contact_email),
            rg::contact_phone.eq(&r.contact_phone),
            rg::locale.eq(&r.locale),
            rg::created_at.eq(r.created_at),
        ))
        .execute(conn)?;
    let published = publications(conn, &b.row.id)?;
    if !published.is_empty() {
        deliver(conn, &b, &published, std::slice::from_ref(&r), settings)?;
    }
    super::meetings::conference_to(conn, &b, &r, settings)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "dialogue_registered",
        "procurement",
        Some(&b.row.id),
        json!({"registration": r.id, "organisation": r.organisation_id}),
    )?;
    Ok((r, true))
}

/// A registered supplier asks; the buyer sees who asked, other suppliers never do.
pub fn ask(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    body: TextBody,
) -> Result<Question, AppError> {
    let (b, r) = as_registered(conn, viewer, id)?;
    let t = text("text", &body.text)?;
    b.open_to_suppliers()?;
    let q = Question {
        id: db::new_id(),
        procurement_id: b.row.id.clone(),
        registration_id: r.id.clone(),
        text: t,
        created_at: db::now(),
    };
    diesel::insert_into(qs::table)
        .values((
            qs::id.eq(&q.id),
            qs::procurement_id.eq(&q.procurement_id),
            qs::registration_id.eq(&q.registration_id),
            qs::text.eq(&q.text),
            qs::created_at.eq(q.created_at),
        ))
        .execute(conn)?;
    Ok(q)
}

/// A question as the viewer may read it: the officer in scope, or the supplier who asked;
/// 404 for anyone else.
pub fn question(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    qid: &str,
) -> Result<(Question, Vec<Publication>), AppError> {
    let b = super::buyer(conn, id)?;
    let q = question_of(conn, &b, qid)?;
    let mine = registration_of(conn, viewer, &b.row.id)?.is_some_and(|r| r.id == q.registration_id);
    if !(mine || viewer.in_scope(&b.row.municipality)) {
        return Err(AppError::NotFound);
    }
    let answers = answers_to(conn, &q)?;
    Ok((q, answers))
}

/// The question `qid` of the procurement; 404 when it has none.
fn question_of(conn: &mut DbConn, b: &super::Buyer, qid: &str) -> Result<Question, AppError> {
    if !db::plausible_id(qid) {
        return Err(AppError::NotFound);
    }
    qs::table
        .find(qid)
        .filter(qs::procurement_id.eq(&b.row.id))
        .select(Question::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The published versions of a question's answer, oldest first.
fn answers_to(conn: &mut DbConn, q: &Question) -> QueryResult<Vec<Publication>> {
    pb::table
        .filter(pb::question_id.eq(&q.id))
        .order((pb::version.asc(), pb::id.asc()))
        .select(Publication::as_select())
        .load(conn)
}

/// The questions of a procurement, oldest first.
pub fn questions(conn: &mut DbConn, procurement: &str) -> QueryResult<Vec<Question>> {
    qs::table
        .filter(qs::procurement_id.eq(procurement))
        .order((qs::created_at.asc(), qs::id.asc()))
        .select(Question::as_select())
        .load(conn)
}

/// Everything published in a dialogue, in order.
pub fn publications(conn: &mut DbConn, procurement: &str) -> QueryResult<Vec<Publication>> {
    pb::table
        .filter(pb::procurement_id.eq(procurement))
        .order((pb::published_at.asc(), pb::id.asc()))
        .select(Publication::as_select())
        .load(conn)
}

/// The officer answers a question: the answer is published to every registered supplier.
/// Answering again publishes a new version.
pub fn answer(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    qid: &str,
    body: TextBody,
    settings: &Settings,
) -> Result<Publication, AppError> {
    let b = as_buyer(conn, viewer, id)?;
    let q = question_of(conn, &b, qid)?;
    let t = text("text", &body.text)?;
    let version = answers_to(conn, &q)?.last().map_or(0, |p| p.version) + 1;
    publish(
        conn,
        viewer,
        &b,
        "answer",
        Some(&q.id),
        None,
        version,
        t,
        settings,
    )
}

/// Publishes `text` to every registered supplier: the row, then one email each, kept as the
/// publication's deliveries.
#[allow(clippy::too_many_arguments)]
pub fn publish(
    conn: &mut DbConn,
    viewer: &Viewer,
    b: &super::Buyer,
    kind: &str,
    question_id: Option<&str>,
    slot_id: Option<&str>,
    version: i32,
    text: String,
    settings: &Settings,
) -> Result<Publication, AppError> {
    let p = Publication {
        id: db::new_id(),
        procurement_id: b.row.id.clone(),
        kind: kind.to_string(),
        question_id: question_id.map(str::to_string),
        slot_id: slot_id.map(str::to_string),
        version,
        text,
        published_at: db::now(),
    };
    diesel::insert_into(pb::table)
        .values((
            pb::id.eq(&p.id),
            pb::procurement_id.eq(&p.procurement_id),
            pb::kind.eq(&p.kind),
            pb::question_id.eq(&p.question_id),
            pb::slot_id.eq(&p.slot_id),
            pb::version.eq(p.version),
            pb::text.eq(&p.text),
            pb::published_by.eq(&viewer.user_id),
            pb::published_at.eq(p.published_at),
        ))
        .execute(conn)?;
    let everyone = super::registrations(conn, &b.row.id)?;
    deliver(conn, b, std::slice::from_ref(&p), &everyone, settings)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "dialogue_published",
        "procurement",
        Some(&b.row.id),
        json!({"publication": p.id, "kind": p.kind, "version": p.version,
               "recipients": everyone.len()}),
    )?;
    Ok(p)
}

/// One email to each of `to` holding `items`, and a delivery row for each item and recipient.
fn deliver(
    conn: &mut DbConn,
    b: &super::Buyer,
    items: &[Publication],
    to: &[Registration],
    settings: &Settings,
) -> Result<(), AppError> {
    let all = questions(conn, &b.row.id)?;
    for r in to {
        let lines: Vec<Value> = items
            .iter()
            .map(|p| {
                let question = p
                    .question_id
                    .as_deref()
                    .and_then(|q| all.iter().find(|x| x.id == q))
                    .map(|q| q.text.clone());
                json!({"kind": p.kind, "version": p.version, "question": question, "text": p.text})
            })
            .collect();
        let params = json!({
            "recipient_name": r.contact_name, "procurement_title": b.title(),
            "items": lines, "link": notice_link(&settings.base_url(), &b.row.id),
        });
        let recipient = match &r.user_id {
            Some(u) => User::by_id(conn, u)?.map(|u| u.id),
            None => None,
        };
        let outbox = db::enqueue_email(
            conn,
            NewEmail {
                recipient_user_id: recipient.as_deref(),
                to_address: &r.contact_email,
                template: "dialogue_published",
                locale: &r.locale,
                params,
                introduction_id: None,
            },
            &settings.mail_domain(),
        )?;
        for p in items {
            diesel::insert_into(dv::table)
                .values((
                    dv::publication_id.eq(&p.id),
                    dv::registration_id.eq(&r.id),
                    dv::outbox_id.eq(&outbox),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
