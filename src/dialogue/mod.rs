//! Early market dialogue before a procurement, as a buyer's officer runs it under the rule of
//! equal treatment (Directive 2014/24/EU art. 40–41; LOU and Upphandlingsmyndigheten's guidance
//! in Sweden, FOA § 12-2 in Norway): the officer opens the dialogue with a public notice and
//! invitations that go the same day, with the same text, to every supplier the ranking finds
//! ([`invitations`]); suppliers register, ask, and every answer reaches every registered
//! supplier ([`exchange`]); a conference and 1:1 slots of equal length, booked first come, with
//! iCalendar invitations ([`meetings`], [`ics`]); minutes; the lock at `tendered`; and the
//! dialogue record with its equal-treatment check ([`record`]).

pub mod exchange;
pub mod ics;
pub mod indicators;
pub mod invitations;
pub mod meetings;
pub mod record;
pub mod supplier;

use crate::db::schema::{dialogue_registrations as rg, dialogues as dl};
use crate::db::{self, DbConn, Record, RecordRow};
use crate::domain::BoundedText;
use crate::error::AppError;
use crate::policy::Viewer;
use crate::records::procurement::Procurement;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::PrimitiveDateTime;
use utoipa::ToSchema;

/// A text a supplier or the officer writes (a question, an answer, a summary), at most.
pub const TEXT_MAX: usize = 5000;

/// The notice of a dialogue in the languages the buyer wrote it in.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub sv: Option<String>,
    pub nb: Option<String>,
    pub en: Option<String>,
}

impl Notice {
    /// The notice cleaned: each text trimmed, empty ones dropped; at least one is needed.
    pub fn checked(self, field: &str) -> Result<Notice, AppError> {
        let clean = |t: Option<String>, lang: &str| -> Result<Option<String>, AppError> {
            let Some(t) = t else { return Ok(None) };
            let t = BoundedText::paragraphs(&t, TEXT_MAX)
                .map_err(|m| AppError::invalid(&format!("{field}.{lang}"), m))?;
            Ok(Some(t.into_string()).filter(|t| !t.is_empty()))
        };
        let n = Notice {
            sv: clean(self.sv, "sv")?,
            nb: clean(self.nb, "nb")?,
            en: clean(self.en, "en")?,
        };
        if n.sv.is_none() && n.nb.is_none() && n.en.is_none() {
            return Err(AppError::invalid(
                field,
                "write the notice in at least one of sv, nb, en",
            ));
        }
        Ok(n)
    }

    /// The text for a reader of `locale`: theirs, else the buyer's own language, else any.
    pub fn for_locale(&self, locale: &str) -> &str {
        let own = match locale {
            "sv" => &self.sv,
            "nb" => &self.nb,
            _ => &self.en,
        };
        own.as_deref()
            .or(self.sv.as_deref())
            .or(self.nb.as_deref())
            .or(self.en.as_deref())
            .unwrap_or("")
    }
}

/// A supplier's registration of interest.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = rg)]
pub struct Registration {
    pub id: String,
    pub procurement_id: String,
    pub organisation_id: String,
    pub user_id: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub locale: String,
    pub created_at: PrimitiveDateTime,
}

/// An opened dialogue.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dl)]
pub struct Dialogue {
    pub procurement_id: String,
    pub notice: String,
    pub opened_by: Option<String>,
    pub opened_at: PrimitiveDateTime,
    pub tendered_at: Option<PrimitiveDateTime>,
}

impl Dialogue {
    pub fn notice(&self) -> Notice {
        serde_json::from_str(&self.notice).unwrap_or_default()
    }
}

/// A procurement and what the dialogue needs of it.
#[derive(Debug, Clone)]
pub struct Buyer {
    pub row: RecordRow,
    pub data: Value,
    pub dialogue: Option<Dialogue>,
}

impl Buyer {
    pub fn title(&self) -> &str {
        self.data["title"].as_str().unwrap_or("")
    }
    pub fn status(&self) -> &str {
        &self.row.status
    }
    /// The buyer's time zone: Sweden's or Norway's (the same rules, named as calendars expect).
    pub fn time_zone(&self) -> &'static str {
        if self.row.municipality.starts_with("NO-") {
            "Europe/Oslo"
        } else {
            "Europe/Stockholm"
        }
    }
    /// The notice a reader of `locale` sees: the dialogue's, or the description before it opened.
    pub fn notice_text(&self, locale: &str) -> String {
        match &self.dialogue {
            Some(d) => d.notice().for_locale(locale).to_string(),
            None => self.data["description"].as_str().unwrap_or("").to_string(),
        }
    }
    /// Suppliers may register, ask and book: the dialogue is open and not yet tendered.
    pub fn open_to_suppliers(&self) -> Result<(), AppError> {
        match self.status() {
            "dialogue" => Ok(()),
            "planned" => Err(AppError::Conflict(
                "the dialogue has not been opened yet".into(),
            )),
            _ => Err(AppError::Conflict(
                "the dialogue is closed: the procurement has gone to tender, so registrations, \
                 questions and bookings are no longer taken"
                    .into(),
            )),
        }
    }
}

/// The procurement `id`, with its dialogue if opened; 404 when there is none.
pub fn buyer(conn: &mut DbConn, id: &str) -> Result<Buyer, AppError> {
    let row = Record::Procurement
        .find(conn, id)?
        .ok_or(AppError::NotFound)?;
    let data: Value = serde_json::from_str(&row.data).unwrap_or_default();
    let dialogue = dl::table
        .find(&row.id)
        .select(Dialogue::as_select())
        .first(conn)
        .optional()?;
    Ok(Buyer {
        row,
        data,
        dialogue,
    })
}

/// A procurement an officer in scope acts on; 403 for anyone else.
pub fn as_buyer(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<Buyer, AppError> {
    let b = buyer(conn, id)?;
    if !viewer.in_scope(&b.row.municipality) {
        return Err(AppError::forbidden(
            "only business officers of the buyer's municipality run its dialogue",
        ));
    }
    Ok(b)
}

/// The viewer's organisation's registration for the procurement, if any.
pub fn registration_of(
    conn: &mut DbConn,
    viewer: &Viewer,
    procurement_id: &str,
) -> QueryResult<Option<Registration>> {
    if viewer.organisations.is_empty() || !db::plausible_id(procurement_id) {
        return Ok(None);
    }
    rg::table
        .filter(rg::procurement_id.eq(procurement_id))
        .filter(rg::organisation_id.eq_any(&viewer.organisations))
        .order(rg::created_at.asc())
        .select(Registration::as_select())
        .first(conn)
        .optional()
}

/// The registrations of a procurement, first registered first.
pub fn registrations(conn: &mut DbConn, procurement_id: &str) -> QueryResult<Vec<Registration>> {
    rg::table
        .filter(rg::procurement_id.eq(procurement_id))
        .order((rg::created_at.asc(), rg::id.asc()))
        .select(Registration::as_select())
        .load(conn)
}

/// A registered supplier acting on a dialogue: 404 for a supplier that has not registered (it
/// sees only the public notice).
pub fn as_registered(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
) -> Result<(Buyer, Registration), AppError> {
    let b = buyer(conn, id)?;
    let r = registration_of(conn, viewer, &b.row.id)?.ok_or(AppError::NotFound)?;
    Ok((b, r))
}

/// Moves the procurement to `status` through the record store (its index event, its audit).
fn set_status(conn: &mut DbConn, viewer: &Viewer, id: &str, status: &str) -> Result<(), AppError> {
    crate::records::store::change::<Procurement>(
        conn,
        viewer,
        id,
        json!({"status": status}),
        false,
    )?;
    Ok(())
}

/// `tendered`: the dialogue closes — no registration, question or booking is taken after it.
pub fn tender(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<(), AppError> {
    let b = as_buyer(conn, viewer, id)?;
    if !matches!(b.status(), "planned" | "dialogue") {
        return Err(AppError::Conflict(format!(
            "the procurement is {} already",
            b.status()
        )));
    }
    // The status change stamps the dialogue's close (`Procurement::after_status_change`).
    set_status(conn, viewer, &b.row.id, "tendered")?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "dialogue_tendered",
        "procurement",
        Some(&b.row.id),
        json!({}),
    )?;
    Ok(())
}

/// A procurement its officer may still change: planned or in dialogue. Once it has gone to
/// tender the dialogue record is what was said, and the tender documents say the rest.
pub fn editable(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<Buyer, AppError> {
    let b = as_buyer(conn, viewer, id)?;
    if !matches!(b.status(), "planned" | "dialogue") {
        return Err(AppError::Conflict(format!(
            "the procurement is {} and can no longer be changed",
            b.status()
        )));
    }
    Ok(b)
}

/// Changes a planned procurement's fields (never its status: the dialogue's steps move it).
pub fn edit(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    mut fields: Value,
) -> Result<(), AppError> {
    let b = editable(conn, viewer, id)?;
    if let Value::Object(m) = &mut fields {
        m.insert("status".into(), json!(b.status()));
    }
    crate::records::store::change::<Procurement>(conn, viewer, &b.row.id, fields, false)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "procurement_changed",
        "procurement",
        Some(&b.row.id),
        json!({}),
    )?;
    Ok(())
}

/// `closed`: the procurement is over (awarded, or given up). A dialogue still open closes with
/// it: nothing more is taken from suppliers.
pub fn close(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<(), AppError> {
    let b = as_buyer(conn, viewer, id)?;
    if b.status() == "closed" {
        return Err(AppError::Conflict(
            "the procurement is closed already".into(),
        ));
    }
    set_status(conn, viewer, &b.row.id, "closed")?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "procurement_closed",
        "procurement",
        Some(&b.row.id),
        json!({"from": b.status()}),
    )?;
    Ok(())
}

/// A text a person wrote (a question, an answer, a summary): trimmed, not empty, bounded,
/// line breaks and tabs but no other control characters.
pub fn text(field: &str, t: &str) -> Result<String, AppError> {
    BoundedText::parse(t, 1, TEXT_MAX, false)
        .map(BoundedText::into_string)
        .map_err(|m| AppError::invalid(field, m))
}

/// The public page of a procurement.
pub fn notice_link(base_url: &str, id: &str) -> String {
    format!("{}/procurements/{id}", base_url.trim_end_matches('/'))
}

/// An organisation's name and country, for lists.
pub fn organisation_label(conn: &mut DbConn, id: &str) -> QueryResult<(String, String, String)> {
    Ok(match Record::Organisation.find(conn, id)? {
        Some(o) => {
            let d: Value = serde_json::from_str(&o.data).unwrap_or_default();
            (
                d["name"].as_str().unwrap_or("").to_string(),
                d["country"].as_str().unwrap_or("").to_string(),
                d["size"].as_str().unwrap_or("").to_string(),
            )
        }
        None => (String::new(), String::new(), String::new()),
    })
}
