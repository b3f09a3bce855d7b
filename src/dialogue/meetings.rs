//! The dialogue conference and the 1:1 meetings: the officer offers slots of equal length; each
//! registered supplier books at most one, first come, and may cancel; every booking and
//! cancellation is emailed with an iCalendar invitation, and a reminder goes the day before.
//! After a meeting the officer records its minutes: a public summary published to every
//! registered supplier, and a confidential part (the supplier's business secrets) for the
//! buyer only.

use super::ics::{self, Event};
use super::{as_buyer, as_registered, notice_link, registrations, text, Buyer, Registration};
use crate::config::Settings;
use crate::db::schema::{dialogue_bookings as bk, dialogue_slots as sl};
use crate::db::{self, DbConn, NewEmail};
use crate::error::AppError;
use crate::policy::Viewer;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::PrimitiveDateTime;
use utoipa::ToSchema;

/// 1:1 slots offered at once, at most.
const SLOTS_MAX: i64 = 40;

/// `POST /api/v1/procurements/{id}/dialogue/slots`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotsInput {
    /// `meeting` (1:1, the default) or `conference`.
    pub kind: Option<String>,
    /// Local time at the buyer, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    /// Length of each slot (10–480).
    pub minutes: i64,
    /// 1:1 slots back to back (1–40); a conference is one.
    pub count: Option<i64>,
    /// Where: an address, a room, or a video link.
    pub place: String,
}

/// `POST /api/v1/procurements/{id}/dialogue/meetings/{sid}/minutes`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesInput {
    /// Published to every registered supplier.
    pub public_summary: String,
    /// The buyer's only: what the supplier said in confidence.
    #[serde(default)]
    pub confidential: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sl)]
pub struct Slot {
    pub id: String,
    pub procurement_id: String,
    pub kind: String,
    pub starts_at: String,
    pub minutes: i32,
    pub place: String,
    pub time_zone: String,
    pub created_at: PrimitiveDateTime,
    pub confidential: Option<String>,
    pub held_at: Option<PrimitiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = bk)]
pub struct Booking {
    pub slot_id: String,
    pub registration_id: String,
    pub booked_at: PrimitiveDateTime,
    pub reminded_at: Option<PrimitiveDateTime>,
}

/// The slots of a procurement, in time order, and their bookings.
pub fn slots(conn: &mut DbConn, procurement: &str) -> QueryResult<(Vec<Slot>, Vec<Booking>)> {
    let slots: Vec<Slot> = sl::table
        .filter(sl::procurement_id.eq(procurement))
        .order((sl::starts_at.asc(), sl::id.asc()))
        .select(Slot::as_select())
        .load(conn)?;
    let ids: Vec<&str> = slots.iter().map(|s| s.id.as_str()).collect();
    let bookings = bk::table
        .filter(bk::slot_id.eq_any(ids))
        .select(Booking::as_select())
        .load(conn)?;
    Ok((slots, bookings))
}

/// The officer offers the conference or 1:1 slots of equal length.
pub fn offer(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    input: SlotsInput,
    settings: &Settings,
) -> Result<Vec<Slot>, AppError> {
    let b = as_buyer(conn, viewer, id)?;
    let kind = input.kind.as_deref().unwrap_or("meeting");
    if !matches!(kind, "meeting" | "conference") {
        return Err(AppError::invalid("kind", "must be meeting or conference"));
    }
    let starts = ics::parse_local(&input.starts_at)
        .ok_or_else(|| AppError::invalid("starts_at", "must be a local time YYYY-MM-DDTHH:MM"))?;
    if !(10..=480).contains(&input.minutes) {
        return Err(AppError::invalid("minutes", "must be from 10 to 480"));
    }
    let count = if kind == "conference" {
        1
    } else {
        input.count.unwrap_or(1)
    };
    if !(1..=SLOTS_MAX).contains(&count) {
        return Err(AppError::invalid(
            "count",
            format!("must be from 1 to {SLOTS_MAX}"),
        ));
    }
    let where_ = crate::domain::BoundedText::line(&input.place, 500)
        .map_err(|m| AppError::invalid("place", m))?
        .into_string();
    if starts <= ics::local_now() {
        return Err(AppError::invalid("starts_at", "must be in the future"));
    }
    b.open_to_suppliers()?;
    let (existing, _) = slots(conn, &b.row.id)?;
    if kind == "conference" && existing.iter().any(|s| s.kind == "conference") {
        return Err(AppError::Conflict(
            "the dialogue has a conference already".into(),
        ));
    }
    let mut made = Vec::new();
    for i in 0..count {
        let s = Slot {
            id: db::new_id(),
            procurement_id: b.row.id.clone(),
            kind: kind.to_string(),
            starts_at: ics::format_local(starts + time::Duration::minutes(input.minutes * i)),
            minutes: input.minutes as i32,
            place: where_.clone(),
            time_zone: b.time_zone().to_string(),
            created_at: db::now(),
            confidential: None,
            held_at: None,
        };
        diesel::insert_into(sl::table)
            .values((
                sl::id.eq(&s.id),
                sl::procurement_id.eq(&s.procurement_id),
                sl::kind.eq(&s.kind),
                sl::starts_at.eq(&s.starts_at),
                sl::minutes.eq(s.minutes),
                sl::place.eq(&s.place),
                sl::time_zone.eq(&s.time_zone),
                sl::created_at.eq(s.created_at),
            ))
            .execute(conn)?;
        made.push(s);
    }
    if kind == "conference" {
        for r in registrations(conn, &b.row.id)? {
            conference_to(conn, &b, &r, settings)?;
        }
    }
    Ok(made)
}

fn slot_of(conn: &mut DbConn, b: &Buyer, sid: &str) -> Result<Slot, AppError> {
    if !db::plausible_id(sid) {
        return Err(AppError::NotFound);
    }
    sl::table
        .find(sid)
        .filter(sl::procurement_id.eq(&b.row.id))
        .select(Slot::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// A registered supplier books a 1:1 slot: one per supplier, one supplier per slot.
pub fn book(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    sid: &str,
    settings: &Settings,
) -> Result<Booking, AppError> {
    let (b, r) = as_registered(conn, viewer, id)?;
    let slot = slot_of(conn, &b, sid)?;
    b.open_to_suppliers()?;
    if slot.kind != "meeting" {
        return Err(AppError::Conflict(
            "the conference is for every registered supplier: it is not booked".into(),
        ));
    }
    let held: Option<Booking> = bk::table
        .filter(bk::registration_id.eq(&r.id))
        .select(Booking::as_select())
        .first(conn)
        .optional()?;
    if held.is_some() {
        return Err(AppError::Conflict(
            "you have booked a meeting already: each supplier has one, so that all are treated \
             alike; cancel it first to take another"
                .into(),
        ));
    }
    let taken = bk::table.find(&slot.id).count().get_result::<i64>(conn)? > 0;
    if taken {
        return Err(AppError::Conflict(
            "another supplier booked this time first: pick another".into(),
        ));
    }
    let booking = Booking {
        slot_id: slot.id.clone(),
        registration_id: r.id.clone(),
        booked_at: db::now(),
        reminded_at: None,
    };
    diesel::insert_into(bk::table)
        .values((
            bk::slot_id.eq(&booking.slot_id),
            bk::registration_id.eq(&booking.registration_id),
            bk::booked_at.eq(booking.booked_at),
        ))
        .execute(conn)?;
    email(conn, &b, &slot, &r, booking.booked_at, "booked", settings)?;
    Ok(booking)
}

/// The supplier cancels its booking; the calendar entry is cancelled by email.
pub fn cancel(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    sid: &str,
    settings: &Settings,
) -> Result<(), AppError> {
    let (b, r) = as_registered(conn, viewer, id)?;
    let slot = slot_of(conn, &b, sid)?;
    let booking: Booking = bk::table
        .find(&slot.id)
        .filter(bk::registration_id.eq(&r.id))
        .select(Booking::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    b.open_to_suppliers()?;
    diesel::delete(bk::table.find(&slot.id)).execute(conn)?;
    email(
        conn,
        &b,
        &slot,
        &r,
        booking.booked_at,
        "cancelled",
        settings,
    )
}

/// Sends the conference's invitation to a registered supplier, if a conference is ahead.
pub fn conference_to(
    conn: &mut DbConn,
    b: &Buyer,
    r: &Registration,
    settings: &Settings,
) -> Result<(), AppError> {
    let (all, _) = slots(conn, &b.row.id)?;
    let now = ics::format_local(ics::local_now());
    if let Some(c) = all
        .into_iter()
        .find(|s| s.kind == "conference" && s.starts_at > now)
    {
        email(conn, b, &c, r, r.created_at, "conference", settings)?;
    }
    Ok(())
}

/// Words of the calendar entry, in the supplier's language.
fn summary(locale: &str, kind: &str, title: &str) -> String {
    let (conference, meeting) = match locale {
        "sv" => ("Dialogkonferens", "Dialogmöte"),
        "nb" => ("Dialogkonferanse", "Dialogmøte"),
        _ => ("Dialogue conference", "Dialogue meeting"),
    };
    format!(
        "{}: {title}",
        if kind == "conference" {
            conference
        } else {
            meeting
        }
    )
}

/// The email of a booking, a cancellation, the conference or a reminder, with its `.ics`.
fn email(
    conn: &mut DbConn,
    b: &Buyer,
    slot: &Slot,
    r: &Registration,
    // When the calendar entry began (the booking, or the registration for the conference):
    // with the slot and the supplier, it names the entry a cancellation cancels.
    since: PrimitiveDateTime,
    what: &str,
    settings: &Settings,
) -> Result<(), AppError> {
    let starts = ics::parse_local(&slot.starts_at)
        .ok_or_else(|| anyhow::anyhow!("a slot's time does not parse"))?;
    let link = notice_link(&settings.base_url(), &b.row.id);
    let title = summary(&r.locale, &slot.kind, b.title());
    let uid = format!(
        "{}-{}-{}@{}",
        slot.id,
        r.id,
        since.assume_utc().unix_timestamp(),
        settings.mail_domain()
    );
    let method = if what == "cancelled" {
        "CANCEL"
    } else {
        "REQUEST"
    };
    let calendar = ics::calendar(
        &Event {
            uid: &uid,
            method,
            sequence: u32::from(what == "cancelled"),
            time_zone: &slot.time_zone,
            starts,
            minutes: i64::from(slot.minutes),
            summary: &title,
            location: &slot.place,
            description: &link,
            organizer: &settings.mail_from_address(),
            attendee_name: &r.contact_name,
            attendee: &r.contact_email,
            language: &r.locale,
        },
        db::now(),
    );
    let params = json!({
        "recipient_name": r.contact_name, "procurement_title": b.title(), "what": what,
        "kind": slot.kind, "starts_at": slot.starts_at, "minutes": slot.minutes,
        "place": slot.place, "time_zone": slot.time_zone, "link": link,
        "ics": calendar, "ics_method": method,
    });
    db::enqueue_email(
        conn,
        NewEmail {
            recipient_user_id: r.user_id.as_deref(),
            to_address: &r.contact_email,
            template: "dialogue_meeting",
            locale: &r.locale,
            params,
            introduction_id: None,
        },
        &settings.mail_domain(),
    )?;
    Ok(())
}

/// The officer records a meeting's minutes: the public summary is published to every
/// registered supplier (again: a new version); the confidential part stays with the buyer.
pub fn minutes(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    sid: &str,
    input: MinutesInput,
    settings: &Settings,
) -> Result<super::exchange::Publication, AppError> {
    let b = as_buyer(conn, viewer, id)?;
    let slot = slot_of(conn, &b, sid)?;
    let summary = text("public_summary", &input.public_summary)?;
    let confidential = match input.confidential.trim() {
        "" => None,
        t => Some(text("confidential", t)?),
    };
    let version = super::exchange::publications(conn, &b.row.id)?
        .iter()
        .filter(|p| p.slot_id.as_deref() == Some(&slot.id))
        .map(|p| p.version)
        .max()
        .unwrap_or(0)
        + 1;
    diesel::update(sl::table.find(&slot.id))
        .set((
            sl::confidential.eq(&confidential),
            sl::held_at.eq(db::now()),
        ))
        .execute(conn)?;
    super::exchange::publish(
        conn,
        viewer,
        &b,
        "summary",
        None,
        Some(&slot.id),
        version,
        summary,
        settings,
    )
}

/// A meeting's minutes as the officer in scope reads them; 404 for anyone else.
pub fn read_minutes(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    sid: &str,
) -> Result<(Slot, Option<String>), AppError> {
    let b = super::buyer(conn, id)?;
    if !viewer.in_scope(&b.row.municipality) {
        return Err(AppError::NotFound);
    }
    let slot = slot_of(conn, &b, sid)?;
    let summary = super::exchange::publications(conn, &b.row.id)?
        .into_iter()
        .rfind(|p| p.slot_id.as_deref() == Some(&slot.id))
        .map(|p| p.text);
    Ok((slot, summary))
}

/// The reminders due: each booking whose meeting is tomorrow or sooner (and still ahead) is
/// reminded once — the conditional update takes it, so a second pass or a second node does not.
pub fn run_due(conn: &mut DbConn, settings: &Settings) -> Result<usize, AppError> {
    let now = ics::local_now();
    let until = ics::format_local(PrimitiveDateTime::new(
        now.date() + time::Duration::days(2),
        time::Time::MIDNIGHT,
    ));
    let now = ics::format_local(now);
    let due: Vec<(Booking, Slot)> = bk::table
        .inner_join(sl::table)
        .filter(bk::reminded_at.is_null())
        .filter(sl::starts_at.gt(&now))
        .filter(sl::starts_at.lt(&until))
        .limit(500)
        .select((Booking::as_select(), Slot::as_select()))
        .load(conn)?;
    let mut sent = 0;
    for (booking, slot) in due {
        let took = diesel::update(
            bk::table
                .find(&booking.slot_id)
                .filter(bk::registration_id.eq(&booking.registration_id))
                .filter(bk::reminded_at.is_null()),
        )
        .set(bk::reminded_at.eq(db::now()))
        .execute(conn)?;
        if took == 0 {
            continue;
        }
        let b = super::buyer(conn, &slot.procurement_id)?;
        let Some(r) = registrations(conn, &b.row.id)?
            .into_iter()
            .find(|r| r.id == booking.registration_id)
        else {
            continue;
        };
        email(conn, &b, &slot, &r, booking.booked_at, "reminder", settings)?;
        sent += 1;
    }
    Ok(sent)
}
