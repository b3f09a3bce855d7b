//! Programme indicators, per period and municipality: enterprises supported (by size and by
//! women-, men- or mixed leadership), participants (graduates, newcomers and mentors) by gender
//! and foreign background (counts under 5 shown as "<5": the programme reports them, and small
//! counts could name people), mentees and mentoring relationships with their outcomes, the
//! share of the under-represented gender against the programme's minimum, introductions and
//! their outcomes per track, and cross-border introductions. A participant or an enterprise
//! counts when it took part in an introduction proposed in the period.

use crate::db::schema::introductions as t;
use crate::db::{DbConn, Record};
use crate::error::AppError;
use crate::introductions::Introduction;
use diesel::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Counts of people under this are shown as "<5".
pub const SUPPRESS_UNDER: u64 = 5;

/// A count of people, suppressed when small.
pub fn shown(n: u64) -> Value {
    if n > 0 && n < SUPPRESS_UNDER {
        json!("<5")
    } else {
        json!(n)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Indicators {
    pub from: String,
    pub to: String,
    pub enterprises: BTreeSet<String>,
    pub by_size: BTreeMap<String, u64>,
    pub by_leadership: BTreeMap<String, u64>,
    pub participants: BTreeSet<String>,
    pub by_gender: BTreeMap<String, u64>,
    pub by_background: BTreeMap<String, u64>,
    /// track → status → count, and track → outcome → count.
    pub by_track: BTreeMap<String, BTreeMap<String, u64>>,
    pub outcomes: BTreeMap<String, BTreeMap<String, u64>>,
    pub cross_border: u64,
    /// municipality → (introductions, introduced, with an outcome other than no_result).
    pub by_municipality: BTreeMap<String, (u64, u64, u64)>,
    /// Mentees of mentoring introductions, by gender and by foreign background.
    pub mentees: BTreeSet<String>,
    pub mentees_by_gender: BTreeMap<String, u64>,
    pub mentees_by_background: BTreeMap<String, u64>,
    /// Mentoring relationships: `started` (both said yes), `active`, `quiet`, `ended`.
    pub relationships: BTreeMap<String, u64>,
    pub relationship_outcomes: BTreeMap<String, u64>,
    /// Organisation numbers of the businesses registered.
    pub businesses: Vec<String>,
    /// The market dialogues opened in the period.
    pub dialogue: crate::dialogue::indicators::DialogueIndicators,
    /// Enterprises supported per track: organisations (KTP, coaching, procurement), newcomers
    /// with a business (mentoring).
    pub supported: BTreeMap<String, BTreeSet<String>>,
    /// The programme's targets, from the settings.
    pub targets: Targets,
    /// KTP placements; of them, those whose 12-month follow-up is answered, and those still
    /// in place then, by the graduate's gender and foreign background.
    pub placements: u64,
    pub placements_followed_12: u64,
    pub in_place_12: u64,
    pub in_place_12_by_gender: BTreeMap<String, u64>,
    pub in_place_12_by_background: BTreeMap<String, u64>,
}

/// The programme's numbers for a period (0: no target) and its gender minimum.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    pub enterprises: BTreeMap<String, u64>,
    pub participants: u64,
    pub gender_minimum: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            enterprises: BTreeMap::new(),
            participants: 0,
            gender_minimum: GENDER_MINIMUM,
        }
    }
}

impl Targets {
    pub fn of(s: &crate::config::Settings) -> Targets {
        let enterprises = [
            ("ktp", s.target_enterprises_ktp),
            ("mentoring", s.target_enterprises_mentoring),
            ("procurement", s.target_enterprises_procurement),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| (k.to_string(), n))
        .collect();
        Targets {
            enterprises,
            participants: s.target_participants,
            gender_minimum: s.gender_minimum,
        }
    }
}

/// One target against what was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetLine {
    /// `enterprises.ktp`, `participants`, …
    pub key: String,
    pub target: u64,
    pub actual: u64,
}

impl TargetLine {
    pub fn met(&self) -> bool {
        self.actual >= self.target
    }
}

/// The programme's minimum share of the under-represented gender among participants.
pub const GENDER_MINIMUM: f64 = 0.4;

/// Counts a placement, and whether it was still in place at 12 months (by the graduate).
fn placement_at_12(
    conn: &mut DbConn,
    ind: &mut Indicators,
    i: &Introduction,
) -> Result<(), AppError> {
    use crate::db::schema::follow_ups as fu;
    ind.placements += 1;
    let answered: i64 = fu::table
        .filter(fu::introduction_id.eq(&i.id))
        .filter(fu::kind.eq("placement_12"))
        .filter(fu::answer.is_not_null())
        .count()
        .get_result(conn)?;
    if answered == 0 {
        return Ok(());
    }
    ind.placements_followed_12 += 1;
    if !crate::introductions::follow_ups::in_place_at_12_months(conn, &i.id)? {
        return Ok(());
    }
    ind.in_place_12 += 1;
    let candidate = [(&i.a_kind, &i.a_id), (&i.b_kind, &i.b_id)]
        .into_iter()
        .find(|(k, _)| k.as_str() == "candidate");
    let d: Value = match candidate {
        Some((_, id)) => Record::Candidate
            .find(conn, id)?
            .and_then(|r| serde_json::from_str(&r.data).ok())
            .unwrap_or_default(),
        None => Value::Null,
    };
    bump(
        &mut ind.in_place_12_by_gender,
        d["gender"].as_str().unwrap_or("unknown"),
    );
    let bg = match d["foreign_background"].as_bool() {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    bump(&mut ind.in_place_12_by_background, bg);
    Ok(())
}

impl Indicators {
    /// The share of the under-represented gender (women or men) among participants who gave
    /// one of the two, if any did.
    pub fn target_lines(&self) -> Vec<TargetLine> {
        let mut out: Vec<TargetLine> = self
            .targets
            .enterprises
            .iter()
            .map(|(track, n)| TargetLine {
                key: format!("enterprises.{track}"),
                target: *n,
                actual: self.supported.get(track).map_or(0, |s| s.len() as u64),
            })
            .collect();
        if self.targets.participants > 0 {
            out.push(TargetLine {
                key: "participants".into(),
                target: self.targets.participants,
                actual: self.participants.len() as u64,
            });
        }
        out
    }

    /// Whether the under-represented gender's share is under the programme's minimum.
    pub fn below_gender_minimum(&self) -> bool {
        self.gender_balance()
            .is_some_and(|b| b < self.targets.gender_minimum)
    }

    pub fn gender_balance(&self) -> Option<f64> {
        let w = self.by_gender.get("woman").copied().unwrap_or(0);
        let m = self.by_gender.get("man").copied().unwrap_or(0);
        (w + m > 0).then(|| w.min(m) as f64 / (w + m) as f64)
    }
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_insert(0) += 1;
}

/// The indicators of introductions proposed from `from` to `to` (inclusive dates), in the
/// given municipalities (all when empty).
pub fn compute(
    conn: &mut DbConn,
    from: time::Date,
    to: time::Date,
    municipalities: &[String],
) -> Result<Indicators, AppError> {
    let start = time::PrimitiveDateTime::new(from, time::Time::MIDNIGHT);
    let end = time::PrimitiveDateTime::new(to.next_day().unwrap_or(to), time::Time::MIDNIGHT);
    let mut q = t::table
        .filter(t::created_at.ge(start))
        .filter(t::created_at.lt(end))
        .select(Introduction::as_select())
        .into_boxed();
    if !municipalities.is_empty() {
        q = q.filter(t::municipality.eq_any(municipalities.to_vec()));
    }
    let intros: Vec<Introduction> = q.load(conn)?;
    let mut ind = Indicators {
        from: from.to_string(),
        to: to.to_string(),
        dialogue: crate::dialogue::indicators::compute(conn, start, end, municipalities)?,
        ..Default::default()
    };
    for i in &intros {
        let statuses = ind.by_track.entry(i.track.clone()).or_default();
        bump(statuses, "total");
        bump(statuses, &i.status);
        if let Some(o) = &i.outcome {
            bump(ind.outcomes.entry(i.track.clone()).or_default(), o);
        }
        if i.track == "ktp" && i.outcome.as_deref() == Some("placement") {
            placement_at_12(conn, &mut ind, i)?;
        }
        if i.cross_border {
            ind.cross_border += 1;
        }
        let m = ind
            .by_municipality
            .entry(i.municipality.clone())
            .or_default();
        m.0 += 1;
        if i.status == "introduced" || i.introduced_at.is_some() {
            m.1 += 1;
        }
        if i.outcome.as_deref().is_some_and(|o| o != "no_result") {
            m.2 += 1;
        }
        for (kind, id) in [(&i.a_kind, &i.a_id), (&i.b_kind, &i.b_id)] {
            match kind.as_str() {
                "need" | "offer" => {
                    let record = if kind == "need" {
                        Record::Need
                    } else {
                        Record::Offer
                    };
                    let Some(row) = record.find(conn, id)? else {
                        continue;
                    };
                    let Some(org) = row.organisation_id else {
                        continue;
                    };
                    ind.supported
                        .entry(i.track.clone())
                        .or_default()
                        .insert(org.clone());
                    if ind.enterprises.insert(org.clone()) {
                        if let Some(o) = Record::Organisation.find(conn, &org)? {
                            let d: Value = serde_json::from_str(&o.data).unwrap_or_default();
                            bump(&mut ind.by_size, d["size"].as_str().unwrap_or("unknown"));
                            bump(
                                &mut ind.by_leadership,
                                d["leadership"].as_str().unwrap_or("unknown"),
                            );
                        }
                    }
                }
                "candidate" | "mentor" => {
                    if kind == "candidate" && i.track == "mentoring" {
                        ind.supported
                            .entry(i.track.clone())
                            .or_default()
                            .insert(id.clone());
                    }
                    let new_participant = ind.participants.insert(id.clone());
                    let new_mentee = kind == "candidate"
                        && i.track == "mentoring"
                        && ind.mentees.insert(id.clone());
                    if !new_participant && !new_mentee {
                        continue;
                    }
                    let record = if kind == "mentor" {
                        Record::Mentor
                    } else {
                        Record::Candidate
                    };
                    let d: Value = match record.find(conn, id)? {
                        Some(row) => serde_json::from_str(&row.data).unwrap_or_default(),
                        None => Value::Null,
                    };
                    let gender = d["gender"].as_str().unwrap_or("unknown");
                    let bg = match d["foreign_background"].as_bool() {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    };
                    if new_participant {
                        bump(&mut ind.by_gender, gender);
                        bump(&mut ind.by_background, bg);
                    }
                    if new_mentee {
                        bump(&mut ind.mentees_by_gender, gender);
                        bump(&mut ind.mentees_by_background, bg);
                    }
                }
                _ => {}
            }
        }
        if i.track == "mentoring" && i.status == "introduced" {
            let r = crate::mentoring::relationships::of_introduction(conn, i.clone())?;
            bump(&mut ind.relationships, "started");
            bump(&mut ind.relationships, r.status);
            if let Some(o) = &r.recorded.outcome {
                bump(&mut ind.relationship_outcomes, o);
            }
            if let Some(n) = &r.recorded.org_number {
                ind.businesses.push(n.clone());
            }
        }
    }
    Ok(ind)
}

impl Indicators {
    pub fn to_json(&self) -> Value {
        let people = |m: &BTreeMap<String, u64>| -> Value {
            Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), shown(*v)))
                    .collect::<Map<_, _>>(),
            )
        };
        let plain = |m: &BTreeMap<String, u64>| -> Value {
            Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect::<Map<_, _>>(),
            )
        };
        let tracks: Map<String, Value> = crate::introductions::TRACKS
            .iter()
            .map(|tr| {
                let s = self.by_track.get(*tr).cloned().unwrap_or_default();
                let o = self.outcomes.get(*tr).cloned().unwrap_or_default();
                (
                    tr.to_string(),
                    json!({"total": s.get("total").copied().unwrap_or(0),
                           "by_status": plain(&s.into_iter().filter(|(k, _)| k != "total").collect()),
                           "outcomes": plain(&o)}),
                )
            })
            .collect();
        let municipalities: Vec<Value> = self
            .by_municipality
            .iter()
            .map(|(m, (n, introduced, results))| {
                let name = heartland_index::Gazetteer::get()
                    .lookup_key(m)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                json!({"municipality": m, "name": name, "introductions": n,
                       "introduced": introduced, "with_result": results})
            })
            .collect();
        json!({
            "from": self.from, "to": self.to,
            "enterprises": {"total": self.enterprises.len(), "by_size": plain(&self.by_size),
                            "by_leadership": plain(&self.by_leadership)},
            "participants": {"total": shown(self.participants.len() as u64),
                             "by_gender": people(&self.by_gender),
                             "by_foreign_background": people(&self.by_background)},
            "introductions": tracks,
            "cross_border_introductions": self.cross_border,
            "by_municipality": municipalities,
            "mentoring": {
                "mentees": {"total": shown(self.mentees.len() as u64),
                            "by_gender": people(&self.mentees_by_gender),
                            "by_foreign_background": people(&self.mentees_by_background)},
                "relationships": {
                    "started": self.relationships.get("started").copied().unwrap_or(0),
                    "active": self.relationships.get("active").copied().unwrap_or(0),
                    "quiet": self.relationships.get("quiet").copied().unwrap_or(0),
                    "ended": self.relationships.get("ended").copied().unwrap_or(0),
                    "outcomes": plain(&self.relationship_outcomes),
                },
                "businesses_registered": {"total": self.businesses.len(),
                                          "org_numbers": self.businesses},
            },
            "market_dialogue": self.dialogue.to_json(),
            "placements": {
                "total": self.placements,
                "followed_up_at_12_months": self.placements_followed_12,
                "in_place_at_12_months": {"total": shown(self.in_place_12),
                                          "by_gender": people(&self.in_place_12_by_gender),
                                          "by_foreign_background": people(&self.in_place_12_by_background)},
            },
            "gender_balance": {
                "under_represented_share": self.gender_balance().map(|b| (b * 1000.0).round() / 1000.0),
                "minimum": self.targets.gender_minimum,
                "below_minimum": self.below_gender_minimum(),
            },
            "targets": self.target_lines().iter().map(|t| json!({
                "key": t.key, "target": t.target, "actual": t.actual, "met": t.met(),
            })).collect::<Vec<_>>(),
            "suppressed_under": SUPPRESS_UNDER,
        })
    }

    /// The same numbers as CSV: `section,key,value`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("section,key,value\n");
        let v = self.to_json();
        fn walk(prefix: &str, v: &Value, out: &mut String) {
            match v {
                Value::Object(o) => {
                    for (k, x) in o {
                        let p = if prefix.is_empty() {
                            k.clone()
                        } else {
                            format!("{prefix}.{k}")
                        };
                        walk(&p, x, out);
                    }
                }
                Value::Array(a) => {
                    for x in a {
                        if let Value::String(item) = x {
                            let (section, key) = prefix.rsplit_once('.').unwrap_or(("", prefix));
                            out.push_str(&format!("{section},{key},{item}\n"));
                            continue;
                        }
                        let key = x["municipality"].as_str().unwrap_or_default();
                        for f in ["introductions", "introduced", "with_result"] {
                            out.push_str(&format!("{prefix}.{key},{f},{}\n", x[f]));
                        }
                    }
                }
                Value::String(s) => {
                    let (section, key) = prefix.rsplit_once('.').unwrap_or(("", prefix));
                    out.push_str(&format!("{section},{key},{s}\n"));
                }
                other => {
                    let (section, key) = prefix.rsplit_once('.').unwrap_or(("", prefix));
                    out.push_str(&format!("{section},{key},{other}\n"));
                }
            }
        }
        walk("", &v, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_of_people_are_suppressed() {
        assert_eq!(shown(0), json!(0));
        assert_eq!(shown(1), json!("<5"));
        assert_eq!(shown(4), json!("<5"));
        assert_eq!(shown(5), json!(5));
    }
}
