//! The market dialogue in the programme's indicators: dialogues opened in the period per
//! municipality, the suppliers that registered by country and size, registrations across the
//! border (a supplier of one country in the other's dialogue), and meetings held (a meeting is
//! held when its minutes are recorded). Organisations, not people: no count is suppressed.

use crate::db::schema::{dialogue_registrations as rg, dialogue_slots as sl, dialogues as dl};
use crate::db::{DbConn, Record};
use crate::error::AppError;
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::PrimitiveDateTime;

#[derive(Debug, Default, Clone)]
pub struct DialogueIndicators {
    /// municipality → dialogues opened.
    pub per_municipality: BTreeMap<String, u64>,
    pub registrations: u64,
    pub by_country: BTreeMap<String, u64>,
    pub by_size: BTreeMap<String, u64>,
    pub cross_border: u64,
    /// `conference` and `meeting` (1:1) → held.
    pub meetings_held: BTreeMap<String, u64>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_insert(0) += 1;
}

fn country_of(municipality: &str) -> &str {
    municipality.split('-').next().unwrap_or("")
}

/// The dialogues opened from `start` to before `end`, in `municipalities` (all when empty).
pub fn compute(
    conn: &mut DbConn,
    start: PrimitiveDateTime,
    end: PrimitiveDateTime,
    municipalities: &[String],
) -> Result<DialogueIndicators, AppError> {
    let opened: Vec<String> = dl::table
        .filter(dl::opened_at.ge(start))
        .filter(dl::opened_at.lt(end))
        .select(dl::procurement_id)
        .load(conn)?;
    let mut out = DialogueIndicators::default();
    for id in opened {
        let Some(p) = Record::Procurement.find(conn, &id)? else {
            continue;
        };
        if !municipalities.is_empty() && !municipalities.contains(&p.municipality) {
            continue;
        }
        bump(&mut out.per_municipality, &p.municipality);
        let suppliers: Vec<String> = rg::table
            .filter(rg::procurement_id.eq(&id))
            .select(rg::organisation_id)
            .load(conn)?;
        for s in suppliers {
            let (_, country, size) = super::organisation_label(conn, &s)?;
            out.registrations += 1;
            bump(
                &mut out.by_country,
                if country.is_empty() {
                    "unknown"
                } else {
                    &country
                },
            );
            bump(
                &mut out.by_size,
                if size.is_empty() { "unknown" } else { &size },
            );
            if !country.is_empty() && country != country_of(&p.municipality) {
                out.cross_border += 1;
            }
        }
        let held: Vec<String> = sl::table
            .filter(sl::procurement_id.eq(&id))
            .filter(sl::held_at.is_not_null())
            .select(sl::kind)
            .load(conn)?;
        for kind in held {
            bump(&mut out.meetings_held, &kind);
        }
    }
    Ok(out)
}

impl DialogueIndicators {
    pub fn dialogues(&self) -> u64 {
        self.per_municipality.values().sum()
    }

    pub fn to_json(&self) -> Value {
        let held = |k: &str| self.meetings_held.get(k).copied().unwrap_or(0);
        json!({
            "dialogues": self.dialogues(),
            "dialogues_by_municipality": self.per_municipality,
            "registrations": {"total": self.registrations, "by_country": self.by_country,
                              "by_size": self.by_size, "cross_border": self.cross_border},
            "meetings_held": {"conferences": held("conference"), "one_to_one": held("meeting")},
        })
    }
}
