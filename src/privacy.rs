//! The GDPR rights: everything held about a person, as versioned JSON; and erasure — their
//! rows, index documents, pending emails and sessions go, leaving audit rows that name no one.
//! Also the retention rule: profiles untouched too long are anonymised, after a warning.

use crate::config::Settings;
use crate::db::schema::{audit_log, consents, introductions, outbox, users};
use crate::db::{self, DbConn, Record, User};
use crate::error::AppError;
use crate::records::store::{journal, Op};
use crate::records::CONSENT_TEXT_VERSION;
use diesel::prelude::*;
use serde_json::{json, Map, Value};

/// The version of the export's format.
pub const EXPORT_VERSION: u32 = 1;
use crate::db::ERASED_USER;

fn ts(t: time::PrimitiveDateTime) -> String {
    crate::error::rfc3339(t)
}

/// Everything held about `user_id`.
pub fn export(conn: &mut DbConn, user_id: &str, settings: &Settings) -> Result<Value, AppError> {
    let user = User::by_id(conn, user_id)?.ok_or(AppError::NotFound)?;
    let mut records = Map::new();
    for record in [
        Record::Candidate,
        Record::Mentor,
        Record::Organisation,
        Record::Need,
        Record::Offer,
        Record::Procurement,
    ] {
        let rows = record.owned_by(conn, user_id)?;
        let items: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut d: Value = serde_json::from_str(&r.data).unwrap_or(Value::Null);
                if let Value::Object(o) = &mut d {
                    o.insert("id".into(), json!(r.id));
                    o.insert("status".into(), json!(r.status));
                    o.insert("created_at".into(), json!(ts(r.created_at)));
                    o.insert("updated_at".into(), json!(ts(r.updated_at)));
                }
                d
            })
            .collect();
        records.insert(record.path().to_string(), json!(items));
    }
    type ConsentRow = (
        String,
        String,
        time::PrimitiveDateTime,
        Option<time::PrimitiveDateTime>,
        Option<String>,
    );
    let consent_rows: Vec<ConsentRow> = consents::table
        .filter(consents::user_id.eq(user_id))
        .order(consents::given_at.asc())
        .select((
            consents::purpose,
            consents::text_version,
            consents::given_at,
            consents::withdrawn_at,
            consents::recorded_by,
        ))
        .load(conn)?;
    let consents: Vec<Value> = consent_rows
        .into_iter()
        .map(|(purpose, version, given, withdrawn, by)| {
            json!({"purpose": purpose, "text_version": version, "given_at": ts(given),
                   "withdrawn_at": withdrawn.map(ts), "recorded_by_officer": by.is_some()})
        })
        .collect();
    let intros: Vec<crate::introductions::Introduction> = introductions::table
        .filter(
            introductions::a_user_id
                .eq(user_id)
                .or(introductions::b_user_id.eq(user_id)),
        )
        .order(introductions::created_at.asc())
        .select(crate::introductions::Introduction::as_select())
        .load(conn)?;
    let introductions: Vec<Value> = intros
        .iter()
        .map(|i| {
            let side = if i.a_user_id.as_deref() == Some(user_id) {
                "a"
            } else {
                "b"
            };
            json!({"id": i.id, "track": i.track, "you_were": side,
                   "a": {"kind": i.a_kind, "id": i.a_id, "answer": i.a_answer},
                   "b": {"kind": i.b_kind, "id": i.b_id, "answer": i.b_answer},
                   "status": i.status, "outcome": i.outcome, "note": i.note,
                   "created_at": ts(i.created_at), "introduced_at": i.introduced_at.map(ts)})
        })
        .collect();
    let mails: Vec<db::outbox::OutboxRow> = outbox::table
        .filter(outbox::recipient_user_id.eq(user_id))
        .order(outbox::created_at.asc())
        .select(db::outbox::OutboxRow::as_select())
        .load(conn)?;
    let emails: Vec<Value> = mails
        .iter()
        .map(|m| {
            let body = if m.purged_at.is_some() {
                Value::Null
            } else {
                let params: Value = serde_json::from_str(&m.params).unwrap_or(Value::Null);
                let values = crate::mail::views::values(
                    &m.template,
                    &m.locale,
                    &params,
                    &settings.base_url(),
                );
                crate::mail::templates::render(&m.template, &m.locale, &values)
                    .map(|r| json!({"subject": r.subject, "text": r.text}))
                    .unwrap_or(Value::Null)
            };
            json!({"id": m.id, "template": m.template, "to": m.to_address, "status": m.status,
                   "created_at": ts(m.created_at), "sent_at": m.sent_at.map(ts),
                   "purged_at": m.purged_at.map(ts), "content": body})
        })
        .collect();
    let like = format!("%{user_id}%");
    type AuditRow = (
        i64,
        time::PrimitiveDateTime,
        Option<String>,
        String,
        String,
        Option<String>,
        String,
    );
    let audit_rows: Vec<AuditRow> = audit_log::table
        .filter(
            audit_log::actor_id
                .eq(user_id)
                .or(audit_log::subject_id.eq(user_id))
                .or(audit_log::detail.like(like)),
        )
        .order(audit_log::seq.asc())
        .select((
            audit_log::seq,
            audit_log::at,
            audit_log::actor_id,
            audit_log::action,
            audit_log::subject_kind,
            audit_log::subject_id,
            audit_log::detail,
        ))
        .load(conn)?;
    let audit: Vec<Value> = audit_rows
        .into_iter()
        .map(|(seq, at, actor, action, kind, subject, detail)| {
            json!({"seq": seq, "at": ts(at), "by_you": actor.as_deref() == Some(user_id),
                   "action": action, "subject_kind": kind, "subject_id": subject,
                   "detail": serde_json::from_str::<Value>(&detail).unwrap_or(Value::Null)})
        })
        .collect();
    db::audit(
        conn,
        Some(user_id),
        "data_exported",
        "user",
        Some(user_id),
        json!({}),
    )?;
    Ok(json!({
        "format": "heartland-match-export",
        "version": EXPORT_VERSION,
        "exported_at": ts(db::now()),
        "account": {"id": user.id, "email": user.email, "display_name": user.display_name,
                    "phone": user.phone, "locale": user.locale, "role": user.role,
                    "created_at": ts(user.created_at),
                    "email_verified_at": user.email_verified_at.map(ts)},
        "municipalities": User::scopes(conn, user_id)?,
        "organisations": User::organisations(conn, user_id)?,
        "records": records,
        "consents": consents,
        "introductions": introductions,
        "mentoring_requests": crate::mentoring::requests_of(conn, user_id)?
            .iter()
            .map(|r| json!({"id": r.id, "candidate_id": r.candidate_id, "note": r.note,
                            "created_at": ts(r.created_at), "handled_at": r.handled_at.map(ts)}))
            .collect::<Vec<_>>(),
        "emails": emails,
        "digests": digests_of(conn, user_id)?,
        "reads": db::reads::of(conn, user_id)?
            .iter()
            .map(|r| json!({"by": r.reader_name, "role": r.reader_role, "at": ts(r.at), "what": r.what}))
            .collect::<Vec<_>>(),
        "undeliverable": db::bounces::of(conn, user_id)?
            .map(|b| json!({"address": b.address, "reason": b.reason, "bounced_at": ts(b.bounced_at)})),
        "audit": audit,
    }))
}

/// The weekly digests decided for the person: the week, when, and how many items it had.
fn digests_of(conn: &mut DbConn, user_id: &str) -> Result<Vec<Value>, AppError> {
    use crate::db::schema::digests as d;
    let rows: Vec<(String, String, time::PrimitiveDateTime, i32)> = d::table
        .filter(d::user_id.eq(user_id))
        .order(d::week.asc())
        .select((d::week, d::time_zone, d::decided_at, d::items))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(week, zone, at, items)| {
            json!({"week": week, "time_zone": zone, "decided_at": ts(at), "items": items})
        })
        .collect())
}

/// Erases a person. Their profiles are deleted (and leave the index); what they own that
/// belongs to an organisation passes to another member, or else to the erased placeholder,
/// closed; their open introductions are withdrawn; their emails, sessions, tokens, consents
/// and memberships go with the account. One audit row records the erasure by id only.
pub fn erase(conn: &mut DbConn, user_id: &str, by: Option<&str>) -> Result<(), AppError> {
    if user_id == ERASED_USER {
        return Err(AppError::NotFound);
    }
    for record in [Record::Candidate, Record::Mentor] {
        for row in record.owned_by(conn, user_id)? {
            record.delete(conn, &row.id)?;
            journal(conn, record, &row.id, Op::Delete)?;
        }
    }
    for (record, closed) in [
        (Record::Need, "closed"),
        (Record::Offer, "inactive"),
        (Record::Procurement, "closed"),
        (Record::Organisation, "inactive"),
    ] {
        for mut row in record.owned_by(conn, user_id)? {
            let org = if record == Record::Organisation {
                Some(row.id.clone())
            } else {
                row.organisation_id.clone()
            };
            let heir = match org {
                Some(o) => crate::db::User::members(conn, &o)?
                    .into_iter()
                    .find(|m| m != user_id),
                None => None,
            };
            match heir {
                Some(h) => row.owner_id = h,
                None => {
                    row.owner_id = ERASED_USER.to_string();
                    row.status = closed.to_string();
                    let mut d: Value = serde_json::from_str(&row.data).unwrap_or(Value::Null);
                    if let Value::Object(o) = &mut d {
                        o.insert("status".into(), json!(closed));
                    }
                    row.data = d.to_string();
                }
            }
            row.updated_at = db::now();
            record.update(conn, &row)?;
            journal(conn, record, &row.id, Op::Upsert)?;
        }
    }
    // Open introductions end; the person's side forgets who they were.
    diesel::update(
        introductions::table
            .filter(introductions::status.eq_any(crate::introductions::OPEN))
            .filter(
                introductions::a_user_id
                    .eq(user_id)
                    .or(introductions::b_user_id.eq(user_id)),
            ),
    )
    .set((
        introductions::status.eq("withdrawn"),
        introductions::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    // The emails of their introductions to the other side and to the officer carry their
    // name and address: emptied (pending ones cancelled). Their own emails go with the account.
    let theirs: Vec<String> = introductions::table
        .filter(
            introductions::a_user_id
                .eq(user_id)
                .or(introductions::b_user_id.eq(user_id)),
        )
        .select(introductions::id)
        .load(conn)?;
    let touched = outbox::table
        .filter(outbox::introduction_id.eq_any(&theirs))
        .or_filter(outbox::params.like(format!("%{user_id}%")));
    let ids: Vec<String> = touched.select(outbox::id).load(conn)?;
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .filter(outbox::status.eq_any(["pending", "sending"])),
    )
    .set(outbox::status.eq("cancelled"))
    .execute(conn)?;
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((outbox::params.eq("{}"), outbox::purged_at.eq(db::now())))
        .execute(conn)?;
    // A dialogue keeps the supplier's registration (the record of who took part), without
    // the person who was its contact.
    {
        use crate::db::schema::dialogue_registrations as rg;
        diesel::update(rg::table.filter(rg::user_id.eq(user_id)))
            .set((
                rg::user_id.eq(None::<String>),
                rg::contact_name.eq("–"),
                rg::contact_email.eq(""),
                rg::contact_phone.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    // The log of who read their data goes with them; how many reads there were stays.
    let reads = db::reads::count(conn, user_id)?;
    diesel::delete(users::table.find(user_id)).execute(conn)?;
    db::audit(
        conn,
        by.filter(|b| *b != user_id),
        "account_erased",
        "user",
        Some(user_id),
        json!({"by": if by.is_some() { "request" } else { "retention" }, "reads": reads}),
    )?;
    Ok(())
}

/// The retention rule: people (not staff) untouched for `retention_months` are warned by email
/// 30 days ahead, then erased. Returns (warned, erased).
pub fn retention(conn: &mut DbConn, settings: &Settings) -> Result<(usize, usize), AppError> {
    let now = db::now();
    let limit = time::Duration::days(settings.retention_months.max(1) * 30);
    let warn_ahead = time::Duration::days(30);
    let people = ["company", "candidate", "mentor", "supplier"];
    let to_warn: Vec<User> = users::table
        .filter(users::role.eq_any(people))
        .filter(users::id.ne(ERASED_USER))
        .filter(users::retention_warned_at.is_null())
        .filter(users::last_active_at.le(now - limit + warn_ahead))
        .select(User::as_select())
        .load(conn)?;
    for u in &to_warn {
        let took = diesel::update(
            users::table
                .find(&u.id)
                .filter(users::retention_warned_at.is_null()),
        )
        .set(users::retention_warned_at.eq(now))
        .execute(conn)?;
        if took == 1 {
            db::enqueue_email(
                conn,
                db::NewEmail {
                    recipient_user_id: Some(&u.id),
                    to_address: &u.email,
                    template: "retention_warning",
                    locale: &u.locale,
                    params: json!({"recipient_name": u.display_name,
                                   "erase_on": (now + warn_ahead).date().to_string()}),
                    introduction_id: None,
                },
                &settings.mail_domain(),
            )?;
        }
    }
    let to_erase: Vec<String> = users::table
        .filter(users::role.eq_any(people))
        .filter(users::id.ne(ERASED_USER))
        .filter(users::retention_warned_at.le(now - warn_ahead))
        .filter(users::last_active_at.le(now - limit))
        .select(users::id)
        .load(conn)?;
    for id in &to_erase {
        erase(conn, id, None)?;
    }
    Ok((to_warn.len(), to_erase.len()))
}

/// Gives the purposes in `wanted` that are new and withdraws those left out, re-indexing the
/// person's profiles (matching follows consent at once); the consents active after.
pub fn set_consents(
    conn: &mut DbConn,
    user_id: &str,
    wanted: &[String],
) -> Result<Vec<String>, AppError> {
    let (given, withdrawn) = db::set_consents(conn, user_id, wanted, CONSENT_TEXT_VERSION)?;
    if !given.is_empty() || !withdrawn.is_empty() {
        for record in [Record::Candidate, Record::Mentor] {
            for row in record.owned_by(conn, user_id)? {
                journal(conn, record, &row.id, Op::Upsert)?;
            }
        }
        db::audit(
            conn,
            Some(user_id),
            "consents_changed",
            "user",
            Some(user_id),
            json!({"given": given, "withdrawn": withdrawn}),
        )?;
        db::accounts::touch_user(conn, user_id)?;
    }
    Ok(db::active_consents(conn, user_id)?)
}
