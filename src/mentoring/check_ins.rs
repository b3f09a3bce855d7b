//! The check-ins of mentoring relationships: made when due (at 1, 3 and 6 months from the
//! start), emailed to both with signed one-click links, answered through them.

use super::relationships::{load, ANSWERS, CHECK_IN_MONTHS};
use crate::config::Settings;
use crate::db::schema::{introductions as it, mentoring_check_ins as ck};
use crate::db::{self, DbConn, User};
use crate::error::AppError;
use crate::introductions::{self as intro, Introduction, Party};
use diesel::prelude::*;
use serde_json::json;
use time::Date;

/// A check-in link works this long.
const LINK_DAYS: i64 = 60;

fn parts<'a>(id: &'a str, party: Party, answer: &'a str) -> [&'a str; 4] {
    ["check-in", id, party.as_str(), answer]
}

/// The link one side follows to answer a check-in.
pub fn check_in_link(
    settings: &Settings,
    id: &str,
    party: Party,
    answer: &str,
    expires: i64,
) -> Result<String, AppError> {
    let key = settings.link_key().map_err(AppError::Internal)?;
    let sig = crate::auth::link_signature(&key, &parts(id, party, answer), expires);
    Ok(format!(
        "{}/check-ins/{id}/{answer}?party={}&expires={expires}&sig={sig}",
        settings.base_url().trim_end_matches('/'),
        party.as_str()
    ))
}

/// Whether a check-in link is genuine and not expired.
pub fn verify_link(
    settings: &Settings,
    id: &str,
    party: Party,
    answer: &str,
    expires: i64,
    sig: &str,
) -> bool {
    let Ok(key) = settings.link_key() else {
        return false;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    crate::auth::link_signature_ok(&key, &parts(id, party, answer), expires, sig, now)
}

/// One side answers a check-in (again: the newer answer counts).
pub fn answer(conn: &mut DbConn, id: &str, party: Party, answer: &str) -> Result<(), AppError> {
    if !ANSWERS.contains(&answer) || !db::plausible_id(id) {
        return Err(AppError::NotFound);
    }
    let now = db::now();
    let target = ck::table.find(id);
    let n = match party {
        Party::A => diesel::update(target)
            .set((ck::a_answer.eq(answer), ck::a_answered_at.eq(now)))
            .execute(conn)?,
        Party::B => diesel::update(target)
            .set((ck::b_answer.eq(answer), ck::b_answered_at.eq(now)))
            .execute(conn)?,
    };
    if n == 0 {
        return Err(AppError::NotFound);
    }
    db::audit(
        conn,
        None,
        "check_in_answered",
        "check_in",
        Some(id),
        json!({"party": party.as_str(), "answer": answer}),
    )?;
    Ok(())
}

/// The language of the person a check-in link was sent to.
pub fn party_locale(conn: &mut DbConn, id: &str, party: Party) -> Result<Option<String>, AppError> {
    if !db::plausible_id(id) {
        return Ok(None);
    }
    let Some(intro_id) = ck::table
        .find(id)
        .select(ck::introduction_id)
        .first::<String>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let Some(i) = intro::find(conn, &intro_id)? else {
        return Ok(None);
    };
    let (_, _, user, _) = i.side(party);
    Ok(user
        .map(|u| User::by_id(conn, u))
        .transpose()?
        .flatten()
        .map(|u| u.locale))
}

fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + (d.month() as i32 - 1) + months;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let month = time::Month::try_from(month as u8).unwrap_or(time::Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

/// The check-ins that have come due, made once each (the unique key holds on every node and
/// after a crash); only the latest due of a relationship is emailed, to both. Returns emails
/// queued.
pub fn run_due(conn: &mut DbConn, settings: &Settings) -> Result<usize, AppError> {
    let open: Vec<Introduction> = it::table
        .filter(it::track.eq("mentoring"))
        .filter(it::status.eq("introduced"))
        .select(Introduction::as_select())
        .load(conn)?;
    let today = db::now().date();
    let mut queued = 0;
    for i in open {
        let r = load(conn, i)?;
        if r.recorded.outcome.is_some() {
            continue;
        }
        let Some(start) = r.start() else { continue };
        let due: Vec<i32> = CHECK_IN_MONTHS
            .iter()
            .copied()
            .filter(|m| add_months(start, *m) <= today)
            .filter(|m| !r.check_ins.iter().any(|c| c.months == *m))
            .collect();
        let Some(latest) = due.iter().max().copied() else {
            continue;
        };
        for m in due {
            let id = db::new_id();
            let row = (
                ck::id.eq(&id),
                ck::introduction_id.eq(&r.introduction.id),
                ck::months.eq(m),
                ck::due_on.eq(add_months(start, m).to_string()),
                ck::created_at.eq(db::now()),
                ck::emailed.eq(m == latest),
            );
            // Made once: another node (or a pass before a crash) may have made it.
            let made = match conn {
                DbConn::Pg(c) => diesel::insert_into(ck::table)
                    .values(row)
                    .on_conflict_do_nothing()
                    .execute(c)?,
                DbConn::Sqlite(c) => diesel::insert_into(ck::table)
                    .values(row)
                    .on_conflict_do_nothing()
                    .execute(c)?,
            };
            if made == 1 && m == latest {
                queued += email_check_in(conn, &r.introduction, &id, m, settings)?;
            }
        }
    }
    Ok(queued)
}

fn email_check_in(
    conn: &mut DbConn,
    i: &Introduction,
    check_in: &str,
    months: i32,
    settings: &Settings,
) -> Result<usize, AppError> {
    let expires =
        (time::OffsetDateTime::now_utc() + time::Duration::days(LINK_DAYS)).unix_timestamp();
    let officer = match &i.proposed_by {
        Some(o) => User::by_id(conn, o)?,
        None => None,
    };
    let mut sent = 0;
    for party in [Party::A, Party::B] {
        let (_, _, user, _) = i.side(party);
        let (okind, oid, _, _) = i.side(party.other());
        let Some(user) = user.map(|u| User::by_id(conn, u)).transpose()?.flatten() else {
            continue;
        };
        let (other_title, _, _) = intro::describe(conn, okind, oid)?;
        let mut params = json!({
            "introduction_id": i.id, "recipient_name": user.display_name, "track": "mentoring",
            "officer_name": officer.as_ref().map(|o| o.display_name.as_str()).unwrap_or("Heartland Match"),
            "officer_email": officer.as_ref().map(|o| o.email.as_str()).unwrap_or(""),
            "other_title": other_title, "months": months,
        });
        for a in ANSWERS {
            params[format!("{a}_link")] =
                json!(check_in_link(settings, check_in, party, a, expires)?);
        }
        db::enqueue_email(
            conn,
            db::NewEmail {
                recipient_user_id: Some(&user.id),
                to_address: &user.email,
                template: "mentoring_check_in",
                locale: &user.locale,
                params,
                introduction_id: Some(&i.id),
            },
            &settings.mail_domain(),
        )?;
        sent += 1;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_added_as_the_calendar_has_them() {
        let d = |y, m, day| {
            Date::from_calendar_date(y, time::Month::try_from(m).expect("m"), day).expect("date")
        };
        assert_eq!(add_months(d(2027, 1, 31), 1), d(2027, 2, 28));
        assert_eq!(add_months(d(2026, 12, 2), 1), d(2027, 1, 2));
        assert_eq!(add_months(d(2026, 8, 15), 6), d(2027, 2, 15));
    }
}
