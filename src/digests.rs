//! The weekly digest: for each person who asked for it (the consent purpose `digest`, off by
//! default), what is new since their last digest and matches them — needs for a graduate,
//! mentors for a newcomer, mentees for a mentor, candidates for a company's open needs,
//! planned procurements for a supplier's offers — at most five, ranked as on the pages and
//! shown as pseudonymously as there, each with its reasons, in the person's language.
//!
//! When: from `digest_hour` of the morning until noon in the person's time zone (Sweden's or
//! Norway's, which keep the same hours), from `digest_weekday` on; a week the service was down
//! that morning is caught up on a later morning of the same week. What is decided for a person
//! and a week — the email queued, or that nothing was new and none is sent — is one row under
//! a unique key, written in one transaction with the email: a crash before the commit leaves
//! nothing (the next pass does it), after it leaves the row (no pass does it again), so each
//! person gets at most one digest a week, whatever crashes, restarts or second nodes happen.
//! "New" is what the database got since the last digest's cut (its own time, not the clock's).

use crate::db::schema::digests as d;
use crate::db::{self, DbConn, ListFilter, Record, RecordRow, User, Visible};
use crate::dialogue::ics::local_of;
use crate::error::AppError;
use crate::services::Services;
use diesel::prelude::*;
use heartland_index::rank::track_of;
use heartland_index::{Entity, Hit, Kind};
use serde_json::{json, Value};
use std::collections::HashMap;
use time::PrimitiveDateTime;

/// Items in one digest at most.
pub const MAX_ITEMS: usize = 5;
/// People handled per pass at most (the next pass goes on).
const BATCH: i64 = 200;
/// Matches looked at per query record: the new ones are among the best of these.
const LOOK_AT: usize = 30;
/// A first digest covers this many days back.
const FIRST_DAYS: i64 = 7;

/// The ISO week of a local date, as the key of a person's digest: `2027-W01`.
pub fn week_of(local: PrimitiveDateTime) -> String {
    let (year, week, _) = local.date().to_iso_week_date();
    format!("{year}-W{week:02}")
}

/// Whether `local` (Sweden's and Norway's time) is a digest morning.
pub fn is_morning(local: PrimitiveDateTime, weekday: u8, hour: u8) -> bool {
    let day = local.weekday().number_from_monday();
    day >= weekday.clamp(1, 7) && local.hour() >= hour.min(11) && local.hour() < 12
}

/// One pass at the clock's `now` (UTC): digests of everyone due. Returns how many were queued.
pub async fn run_due(services: &Services, now: PrimitiveDateTime) -> Result<usize, AppError> {
    let s = &services.settings;
    let local = local_of(now);
    if !is_morning(local, s.digest_weekday, s.digest_hour) {
        return Ok(0);
    }
    let week = week_of(local);
    let w = week.clone();
    let due = services.db.read(move |c| due_people(c, &w)).await?;
    let mut queued = 0;
    for user in due {
        match digest_one(services, user, &week).await {
            Ok(true) => queued += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "a digest failed; the next pass tries again"),
        }
    }
    if queued > 0 {
        services.mailer.wake();
    }
    Ok(queued)
}

/// People who asked for the digest, whose address is confirmed and delivers, who are not
/// suspended, and who have none decided for `week`.
fn due_people(conn: &mut DbConn, week: &str) -> Result<Vec<User>, AppError> {
    use crate::db::schema::consents as c;
    use crate::db::schema::users as u;
    let done = d::table.filter(d::week.eq(week)).select(d::user_id);
    let asked = c::table
        .filter(c::purpose.eq("digest"))
        .filter(c::withdrawn_at.is_null())
        .select(c::user_id);
    let users: Vec<User> = u::table
        .filter(u::id.eq_any(asked))
        .filter(u::id.ne_all(done))
        .filter(u::email_verified_at.is_not_null())
        .order(u::id.asc())
        .limit(BATCH)
        .select(User::as_select())
        .load(conn)?;
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let held = db::holds::held_among(conn, &ids)?;
    let bounced = crate::db::bounces::among(conn, &ids)?;
    Ok(users
        .into_iter()
        .filter(|u| !held.contains(&u.id) && !bounced.contains(&u.id))
        .collect())
}

/// What a person's matches are asked from: their record, the kind it is matched with, and
/// the page where they see those matches.
struct Query {
    entity: Entity,
    target: Kind,
    page: String,
}

/// The person's records that have matches, their time zone, and where the last digest cut.
fn queries_of(
    conn: &mut DbConn,
    user: &User,
) -> Result<(Vec<Query>, &'static str, PrimitiveDateTime), AppError> {
    let mut out = Vec::new();
    let mut country = None;
    let mut add = |conn: &mut DbConn,
                   record: Record,
                   row: &RecordRow,
                   targets: &[Kind],
                   page: String|
     -> Result<(), AppError> {
        if let Some(entity) = crate::search::load_row(conn, record, row)? {
            for target in targets {
                let open = track_of(entity.kind(), *target)
                    .is_some_and(|track| entity.open_to(track).is_ok());
                if open {
                    out.push(Query {
                        entity: entity.clone(),
                        target: *target,
                        page: page.clone(),
                    });
                }
            }
        }
        Ok(())
    };
    for row in Record::Candidate.owned_by(conn, &user.id)? {
        country.get_or_insert(row.municipality.clone());
        add(
            conn,
            Record::Candidate,
            &row,
            &[Kind::Need, Kind::Mentor],
            "/profile".into(),
        )?;
    }
    for row in Record::Mentor.owned_by(conn, &user.id)? {
        country.get_or_insert(row.municipality.clone());
        add(
            conn,
            Record::Mentor,
            &row,
            &[Kind::Candidate],
            "/profile".into(),
        )?;
    }
    for org in User::organisations(conn, &user.id)? {
        for (record, status, target, path) in [
            (Record::Need, "open", Kind::Candidate, "needs"),
            (Record::Offer, "active", Kind::Procurement, "offers"),
        ] {
            let filter = ListFilter {
                organisation_id: Some(org.clone()),
                status: Some(status.into()),
                limit: 20,
                ..Default::default()
            };
            for row in record.list(conn, &Visible::All, &filter)? {
                country.get_or_insert(row.municipality.clone());
                add(conn, record, &row, &[target], format!("/{path}/{}", row.id))?;
            }
        }
    }
    let zone = match country.as_deref().map(|m| m.starts_with("NO-")) {
        Some(true) => "Europe/Oslo",
        Some(false) => "Europe/Stockholm",
        None if user.locale == "nb" => "Europe/Oslo",
        None => "Europe/Stockholm",
    };
    let last: Option<PrimitiveDateTime> = d::table
        .filter(d::user_id.eq(&user.id))
        .select(diesel::dsl::max(d::covered_to))
        .first(conn)?;
    let since = last.unwrap_or_else(|| db::now() - time::Duration::days(FIRST_DAYS));
    Ok((out, zone, since))
}

/// One digest item: a match, where it is, why, and the page to see it on.
struct Item {
    hit: Hit,
    place: String,
    page: String,
}

/// The person's digest for `week`: queued (true), or decided empty, or already decided.
async fn digest_one(services: &Services, user: User, week: &str) -> Result<bool, AppError> {
    let u = user.clone();
    let (queries, zone, since, cut) = services
        .db
        .read(move |c| -> Result<_, AppError> {
            let cut = db::now();
            let (q, zone, since) = queries_of(c, &u)?;
            Ok((q, zone, since, cut))
        })
        .await?;
    let mut found: Vec<(Hit, String)> = Vec::new();
    for q in queries {
        let (hits, _) = crate::matching::ranked(services, q.entity, q.target, LOOK_AT, 0).await?;
        // A digest tells of matches: not of the same-trade tier shown when there is none.
        found.extend(
            hits.into_iter()
                .filter(|h| !h.related)
                .map(|h| (h, q.page.clone())),
        );
    }
    let owner = user.id.clone();
    let items = services
        .db
        .read(move |c| new_among(c, found, &owner, since))
        .await?;
    let settings = services.settings.clone();
    let week = week.to_string();
    let queued = services
        .write(move |c| -> Result<bool, AppError> {
            let decided = d::table
                .filter(d::user_id.eq(&user.id))
                .filter(d::week.eq(&week))
                .count()
                .get_result::<i64>(c)?;
            if decided > 0 {
                return Ok(false);
            }
            diesel::insert_into(d::table)
                .values((
                    d::id.eq(db::new_id()),
                    d::user_id.eq(&user.id),
                    d::week.eq(&week),
                    d::time_zone.eq(zone),
                    d::decided_at.eq(db::now()),
                    d::covered_to.eq(cut),
                    d::items.eq(items.len() as i32),
                ))
                .execute(c)?;
            if items.is_empty() {
                return Ok(false);
            }
            let base = settings.base_url();
            let base = base.trim_end_matches('/');
            let list: Vec<Value> = items
                .iter()
                .map(|i| {
                    json!({
                        "kind": i.hit.kind.as_str(), "title": i.hit.title, "place": i.place,
                        "link": format!("{base}{}", i.page),
                        "factors": i.hit.factors.iter().map(|f| json!({
                            "name": f.name, "score": f.score, "detail": f.detail,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let unsubscribe =
                crate::subscriptions::unsubscribe_link(&settings, &user.id, "digest")?;
            db::enqueue_email(
                c,
                db::NewEmail {
                    recipient_user_id: Some(&user.id),
                    to_address: &user.email,
                    template: "digest",
                    locale: &user.locale,
                    params: json!({"recipient_name": user.display_name, "week": week,
                                   "items": list, "unsubscribe_link": unsubscribe,
                                   "link": format!("{base}/account")}),
                    introduction_id: None,
                },
                &settings.mail_domain(),
            )?;
            Ok(true)
        })
        .await?;
    Ok(queued)
}

/// Of the matches found, those the database got after `since`, not the person's own, each
/// once, best first, at most [`MAX_ITEMS`].
fn new_among(
    conn: &mut DbConn,
    found: Vec<(Hit, String)>,
    owner: &str,
    since: PrimitiveDateTime,
) -> Result<Vec<Item>, AppError> {
    let mut rows: HashMap<(Kind, String), RecordRow> = HashMap::new();
    for kind in Kind::ALL {
        let ids: Vec<String> = found
            .iter()
            .filter(|(h, _)| h.kind == kind)
            .map(|(h, _)| h.id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        for row in crate::search::entity::record_of(kind).find_many(conn, &ids)? {
            rows.insert((kind, row.id.clone()), row);
        }
    }
    let mut items: Vec<Item> = Vec::new();
    for (hit, page) in found {
        let Some(row) = rows.get(&(hit.kind, hit.id.clone())) else {
            continue;
        };
        if row.created_at <= since || row.owner_id == owner {
            continue;
        }
        if items
            .iter()
            .any(|i| i.hit.kind == hit.kind && i.hit.id == hit.id)
        {
            continue;
        }
        let place = crate::domain::Municipality::parse_key(&row.municipality)
            .map(|m| m.place().name.to_string())
            .unwrap_or_default();
        items.push(Item { hit, place, page });
    }
    items.sort_by(|a, b| {
        b.hit
            .score
            .total_cmp(&a.hit.score)
            .then_with(|| a.hit.id.cmp(&b.hit.id))
    });
    items.truncate(MAX_ITEMS);
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn mornings_from_the_weekday_until_noon() {
        // 2027-01-04 is a Monday.
        assert!(is_morning(datetime!(2027-01-04 07:00), 1, 7));
        assert!(!is_morning(datetime!(2027-01-04 06:59), 1, 7));
        assert!(!is_morning(datetime!(2027-01-04 12:00), 1, 7));
        assert!(
            is_morning(datetime!(2027-01-05 09:00), 1, 7),
            "a later morning catches up"
        );
        assert!(
            !is_morning(datetime!(2027-01-05 09:00), 3, 7),
            "before Wednesday"
        );
        assert!(is_morning(datetime!(2027-01-10 11:59), 3, 7));
    }

    #[test]
    fn weeks_are_iso_weeks() {
        assert_eq!(week_of(datetime!(2027-01-04 07:00)), "2027-W01");
        assert_eq!(week_of(datetime!(2027-01-10 23:59)), "2027-W01");
        assert_eq!(week_of(datetime!(2027-01-11 00:00)), "2027-W02");
        assert_eq!(week_of(datetime!(2026-12-31 08:00)), "2026-W53");
    }
}
