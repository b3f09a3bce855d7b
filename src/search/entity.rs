//! A stored record as the search index sees it.

use crate::db::{Record, RecordRow};
use heartland_index::{Entity, Kind, Spoken};
use serde_json::Value;

pub fn kind_of(record: Record) -> Option<Kind> {
    match record {
        Record::Organisation => None,
        Record::Need => Some(Kind::Need),
        Record::Candidate => Some(Kind::Candidate),
        Record::Mentor => Some(Kind::Mentor),
        Record::Procurement => Some(Kind::Procurement),
        Record::Offer => Some(Kind::Offer),
    }
}

pub fn record_of(kind: Kind) -> Record {
    match kind {
        Kind::Need => Record::Need,
        Kind::Candidate => Record::Candidate,
        Kind::Mentor => Record::Mentor,
        Kind::Procurement => Record::Procurement,
        Kind::Offer => Record::Offer,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn languages(v: &Value, level_key: &str) -> Vec<Spoken> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|l| Spoken {
                    code: text(&l["code"]),
                    level: Spoken::level_of(l[level_key].as_str().unwrap_or_default()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What a mentee's support needs are about, in words the vocabulary knows.
fn support_words(need: &str) -> &'static str {
    match need {
        "tax" => "tax",
        "rules" => "regulations",
        "financing" => "financing",
        "market" => "marketing",
        "language" => "swedish norwegian",
        "network" => "networking",
        _ => "",
    }
}

/// The index's view of a record; `consents` are its person's active consents.
pub fn entity_of(record: Record, row: &RecordRow, consents: Vec<String>) -> Option<Entity> {
    let kind = kind_of(record)?;
    let d: Value = serde_json::from_str(&row.data).ok()?;
    let mut e = Entity {
        kind: Some(kind),
        id: row.id.clone(),
        municipality: row.municipality.clone(),
        cross_border_ok: d["cross_border_ok"].as_bool().unwrap_or(false),
        remote_ok: d["remote_ok"].as_bool().unwrap_or(false),
        consents,
        ..Entity::default()
    };
    match kind {
        Kind::Need => {
            e.title = text(&d["title"]);
            e.text = text(&d["description"]);
            e.skills = strings(&d["skills"]);
            e.languages = languages(&d["languages"], "min_level");
            e.date = d["start_date"].as_str().map(str::to_string);
            e.ktp_target = d["ktp_target"].as_bool().unwrap_or(false);
            // Stored before coaching: a graduate only.
            let wants = d["wants"]
                .as_array()
                .map(|w| w.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>());
            let wants = wants.unwrap_or_else(|| vec!["graduate"]);
            e.wants_coach = wants.contains(&"coach");
            e.coach_only = !wants.contains(&"graduate");
            e.active = row.status == "open";
        }
        Kind::Candidate => {
            e.title = text(&d["headline"]);
            let education: Vec<String> = d["education"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| {
                            format!(
                                "{} {} {}",
                                text(&x["degree"]),
                                text(&x["field"]),
                                text(&x["institution"])
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            e.text = format!(
                "{}\n{}\n{}\n{}",
                text(&d["summary"]),
                education.join("\n"),
                text(&d["business"]["sector"]),
                text(&d["business"]["description"])
            );
            e.skills = strings(&d["skills"]);
            e.languages = languages(&d["languages"], "level");
            e.max_distance_km = d["max_distance_km"].as_f64();
            e.date = d["available_from"].as_str().map(str::to_string);
            e.active = row.status == "active";
            e.mentee = d["business"].is_object();
            e.sectors = text(&d["business"]["sector"])
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            e.stage = d["business"]["stage"].as_str().map(str::to_string);
            e.support_needs = strings(&d["business"]["support_needs"])
                .iter()
                .map(|s| support_words(s).to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let seeking = strings(&d["seeking"]);
            // A person's own wish is a hard rule: a permanent job only is not a KTP placement.
            e.seeks_ktp = seeking.iter().any(|s| s == "ktp");
            e.foreign_background = d["foreign_background"].as_bool().unwrap_or(false);
        }
        Kind::Mentor => {
            e.title = text(&d["headline"]);
            e.skills = strings(&d["expertise"]);
            e.sectors = strings(&d["sectors"]);
            e.text = e.sectors.join(". ");
            e.languages = languages(&d["languages"], "level");
            e.capacity_left = d["capacity"].as_i64();
            e.active = row.status == "active";
            e.coaches = d["offers_coaching"].as_bool().unwrap_or(false);
        }
        Kind::Procurement => {
            e.title = text(&d["title"]);
            e.text = text(&d["description"]);
            e.cpv = strings(&d["cpv_codes"]);
            e.date = d["dialogue_deadline"].as_str().map(str::to_string);
            e.active = matches!(row.status.as_str(), "planned" | "dialogue");
        }
        Kind::Offer => {
            e.title = text(&d["title"]);
            e.text = text(&d["description"]);
            e.cpv = strings(&d["cpv_codes"]);
            e.serves = strings(&d["serves"]);
            e.active = row.status == "active";
        }
    }
    Some(e)
}
