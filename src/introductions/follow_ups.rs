//! Outcomes over time. A KTP placement is followed up at 6 and 12 months with both sides
//! ("still working there?"); a procurement introduction at its planned tender with the buyer
//! ("did local or cross-border suppliers bid?"). Each follow-up is emailed once when due, with
//! signed one-click answers; the indicators count placements still in place at 12 months.

use super::{describe, Introduction, Party};
use crate::config::Settings;
use crate::db::schema::follow_ups as fu;
use crate::db::{self, DbConn, Record, User};
use crate::error::AppError;
use diesel::prelude::*;
use serde_json::{json, Value};
use time::Date;

pub const PLACEMENT_ANSWERS: [&str; 2] = ["yes", "no"];
pub const TENDER_ANSWERS: [&str; 4] = ["local", "cross_border", "both", "none"];
/// A follow-up's links work this long after it is sent.
const LINK_DAYS: i64 = 60;

/// `date` plus `months` calendar months (the last day of a shorter month when needed).
pub fn add_months(date: Date, months: i32) -> Date {
    let total = date.year() * 12 + (date.month() as i32 - 1) + months;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u8 + 1);
    let month = time::Month::try_from(month).unwrap_or(time::Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, date.day().min(last)).unwrap_or(date)
}

fn answers_of(kind: &str) -> &'static [&'static str] {
    if kind == "tender" {
        &TENDER_ANSWERS
    } else {
        &PLACEMENT_ANSWERS
    }
}

fn insert(conn: &mut DbConn, intro: &str, kind: &str, party: Party, due: Date) -> QueryResult<()> {
    let there: bool = diesel::select(diesel::dsl::exists(
        fu::table
            .filter(fu::introduction_id.eq(intro))
            .filter(fu::kind.eq(kind))
            .filter(fu::party.eq(party.as_str())),
    ))
    .get_result(conn)?;
    if !there {
        diesel::insert_into(fu::table)
            .values((
                fu::id.eq(db::new_id()),
                fu::introduction_id.eq(intro),
                fu::kind.eq(kind),
                fu::party.eq(party.as_str()),
                fu::due_on.eq(due),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Plans what an outcome calls for (and drops what an earlier outcome planned and was not sent).
pub fn plan(
    conn: &mut DbConn,
    intro: &Introduction,
    outcome: &str,
    on: Date,
) -> Result<(), AppError> {
    diesel::delete(
        fu::table
            .filter(fu::introduction_id.eq(&intro.id))
            .filter(fu::sent_at.is_null()),
    )
    .execute(conn)?;
    if intro.track == "ktp" && outcome == "placement" {
        for party in [Party::A, Party::B] {
            insert(conn, &intro.id, "placement_6", party, add_months(on, 6))?;
            insert(conn, &intro.id, "placement_12", party, add_months(on, 12))?;
        }
    }
    if intro.track == "procurement" && outcome != "no_result" {
        let side = [
            (Party::A, &intro.a_kind, &intro.a_id),
            (Party::B, &intro.b_kind, &intro.b_id),
        ]
        .into_iter()
        .find(|(_, k, _)| k.as_str() == "procurement");
        if let Some((party, _, id)) = side {
            let tender = Record::Procurement
                .find(conn, id)?
                .and_then(|r| serde_json::from_str::<Value>(&r.data).ok())
                .and_then(|d| d["tender_planned"].as_str().map(str::to_string))
                .and_then(|t| {
                    Date::parse(&t, &time::format_description::well_known::Iso8601::DATE).ok()
                });
            insert(
                conn,
                &intro.id,
                "tender",
                party,
                tender.unwrap_or(on).max(on),
            )?;
        }
    }
    Ok(())
}

pub fn link(settings: &Settings, id: &str, answer: &str, expires: i64) -> Result<String, AppError> {
    let key = settings.link_key().map_err(AppError::Internal)?;
    let sig = crate::auth::link_signature(&key, &["follow-up", id, answer], expires);
    Ok(format!(
        "{}/follow-ups/{id}/{answer}?expires={expires}&sig={sig}",
        settings.base_url().trim_end_matches('/')
    ))
}

pub fn verify(settings: &Settings, id: &str, answer: &str, expires: i64, sig: &str) -> bool {
    let Ok(key) = settings.link_key() else {
        return false;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    crate::auth::link_signature_ok(&key, &["follow-up", id, answer], expires, sig, now)
}

type Due = (String, String, String, String, Date);

/// Sends what is due today or before, each once. Returns how many were queued.
pub fn run_due(conn: &mut DbConn, settings: &Settings) -> Result<usize, AppError> {
    let now = db::now();
    let due: Vec<Due> = fu::table
        .filter(fu::sent_at.is_null())
        .filter(fu::due_on.le(now.date()))
        .select((fu::id, fu::introduction_id, fu::kind, fu::party, fu::due_on))
        .limit(1000)
        .load(conn)?;
    let mut sent = 0;
    for (id, intro_id, kind, party, due_on) in due {
        let n = diesel::update(fu::table.find(&id).filter(fu::sent_at.is_null()))
            .set(fu::sent_at.eq(Some(now)))
            .execute(conn)?;
        let (Some(intro), Some(party)) = (super::find(conn, &intro_id)?, Party::parse(&party))
        else {
            continue;
        };
        let (_, own_id, user, _) = intro.side(party);
        let Some(user) = user.map(str::to_string) else {
            continue;
        };
        let Some(u) = User::by_id(conn, &user)? else {
            continue;
        };
        if n == 0 {
            continue;
        }
        let (own_kind, own_id) = (intro.side(party).0.to_string(), own_id.to_string());
        let (other_kind, other_id) = {
            let o = intro.side(party.other());
            (o.0.to_string(), o.1.to_string())
        };
        let (own_title, _, _) = describe(conn, &own_kind, &own_id)?;
        let (other_title, _, other_org) = describe(conn, &other_kind, &other_id)?;
        let expires =
            (time::OffsetDateTime::now_utc() + time::Duration::days(LINK_DAYS)).unix_timestamp();
        let mut params = json!({"recipient_name": u.display_name, "own_title": own_title,
            "other_title": other_title, "other_org": other_org, "due_on": due_on.to_string(),
            "months": if kind == "placement_12" { 12 } else { 6 }});
        for a in answers_of(&kind) {
            params[format!("{a}_link")] = json!(link(settings, &id, a, expires)?);
        }
        let template = if kind == "tender" {
            "follow_up_tender"
        } else {
            "follow_up_placement"
        };
        db::enqueue_email(
            conn,
            db::NewEmail {
                recipient_user_id: Some(&u.id),
                to_address: &u.email,
                template,
                locale: &u.locale,
                params,
                introduction_id: Some(&intro.id),
            },
            &settings.mail_domain(),
        )?;
        sent += 1;
    }
    Ok(sent)
}

/// A follow-up answered through its signed link (again: the newer answer counts).
pub fn answer(conn: &mut DbConn, id: &str, answer: &str) -> Result<(), AppError> {
    let kind: Option<String> = fu::table.find(id).select(fu::kind).first(conn).optional()?;
    let kind = kind.ok_or(AppError::NotFound)?;
    if !answers_of(&kind).contains(&answer) {
        return Err(AppError::NotFound);
    }
    diesel::update(fu::table.find(id))
        .set((
            fu::answered_on.eq(Some(db::now().date())),
            fu::answer.eq(Some(answer)),
        ))
        .execute(conn)?;
    db::audit(
        conn,
        None,
        "follow_up_answered",
        "follow_up",
        Some(id),
        json!({"answer": answer}),
    )?;
    Ok(())
}

/// The language of whom a follow-up went to.
pub fn locale_of(conn: &mut DbConn, id: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String, String)> = fu::table
        .find(id)
        .select((fu::introduction_id, fu::party))
        .first(conn)
        .optional()?;
    let Some((intro, party)) = row else {
        return Ok(None);
    };
    let (Some(i), Some(p)) = (super::find(conn, &intro)?, Party::parse(&party)) else {
        return Ok(None);
    };
    let user = i.side(p).2.map(str::to_string);
    Ok(match user {
        Some(u) => User::by_id(conn, &u)?.map(|u| u.locale),
        None => None,
    })
}

/// An introduction's follow-ups as the API shows them.
pub fn of(conn: &mut DbConn, intro: &str) -> Result<Vec<Value>, AppError> {
    type Line = (String, String, Date, Option<Date>, Option<String>);
    let rows: Vec<Line> = fu::table
        .filter(fu::introduction_id.eq(intro))
        .order((fu::due_on.asc(), fu::party.asc()))
        .select((fu::kind, fu::party, fu::due_on, fu::answered_on, fu::answer))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kind, party, due, answered, answer)| {
            json!({"kind": kind, "party": party, "due_on": due.to_string(),
                   "answered_on": answered.map(|d| d.to_string()), "answer": answer})
        })
        .collect())
}

/// Whether a placement is still in place at 12 months: a side answered yes at 12 months, and
/// none answered no.
pub fn in_place_at_12_months(conn: &mut DbConn, intro: &str) -> Result<bool, AppError> {
    let answers: Vec<Option<String>> = fu::table
        .filter(fu::introduction_id.eq(intro))
        .filter(fu::kind.eq("placement_12"))
        .select(fu::answer)
        .load(conn)?;
    Ok(answers.iter().any(|a| a.as_deref() == Some("yes"))
        && !answers.iter().any(|a| a.as_deref() == Some("no")))
}
