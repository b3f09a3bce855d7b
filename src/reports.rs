//! Programme indicators, per period and municipality: enterprises supported (by size and by
//! women-, men- or mixed leadership), participants by gender and foreign background (counts
//! under 5 shown as "<5": the programme reports them, and small counts could name people),
//! introductions and their outcomes per track, and cross-border introductions. A participant
//! or an enterprise counts when it took part in an introduction proposed in the period.

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
        ..Default::default()
    };
    for i in &intros {
        let statuses = ind.by_track.entry(i.track.clone()).or_default();
        bump(statuses, "total");
        bump(statuses, &i.status);
        if let Some(o) = &i.outcome {
            bump(ind.outcomes.entry(i.track.clone()).or_default(), o);
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
                "candidate" => {
                    if !ind.participants.insert(id.clone()) {
                        continue;
                    }
                    let d: Value = match Record::Candidate.find(conn, id)? {
                        Some(row) => serde_json::from_str(&row.data).unwrap_or_default(),
                        None => Value::Null,
                    };
                    bump(
                        &mut ind.by_gender,
                        d["gender"].as_str().unwrap_or("unknown"),
                    );
                    let bg = match d["foreign_background"].as_bool() {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "unknown",
                    };
                    bump(&mut ind.by_background, bg);
                }
                _ => {}
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
        let tracks: Map<String, Value> = ["ktp", "mentoring", "procurement"]
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
