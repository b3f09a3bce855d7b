//! A programme intake matched at once: the officer picks the mentees waiting, the service
//! ranks each against the mentors (hard rules as for one introduction), finds the assignment
//! with the largest total score under the mentors' places ([`crate::matching::cohort`]), and
//! keeps the plan. The officer reviews it — swaps a mentor, drops a pair — and proposes the
//! pairs at once, each an ordinary introduction both sides must accept.

use super::under_way;
use crate::db::schema::{introductions as it, mentoring_cohorts as ct};
use crate::db::{self, DbConn, Record};
use crate::error::AppError;
use crate::introductions::{self as intro, ProposeRequest, SideRef};
use crate::matching::cohort::Cohort;
use crate::policy::Viewer;
use crate::services::Services;
use diesel::prelude::*;
use heartland_index::{Hit, Kind, Track};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// Mentees one cohort may hold.
pub const MENTEES_MAX: usize = 100;
/// Mentors ranked for each mentee (every mentor of a region, in practice).
const MENTORS_PER_MENTEE: usize = 300;
/// Other mentors the review offers for each mentee.
const ALTERNATIVES: usize = 5;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortRequest {
    /// The mentees (candidate ids), 1–100.
    pub mentee_ids: Vec<String>,
    /// Only these mentors; all who match when left out.
    #[serde(default)]
    pub mentor_ids: Option<Vec<String>>,
}

/// One mentor as the plan offers them for a mentee: the pair's score and why.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct MentorOption {
    pub mentor: String,
    pub title: String,
    pub score: f64,
    pub factors: Value,
}

/// A mentee in the plan: the mentor assigned (if any) and the best others.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct MenteePlan {
    pub mentee: String,
    pub title: String,
    pub assigned: Option<MentorOption>,
    pub alternatives: Vec<MentorOption>,
}

/// The kept plan.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Plan {
    pub id: String,
    pub mentees: Vec<MenteePlan>,
    /// Each mentor's places when planned.
    pub places: BTreeMap<String, i64>,
    pub total_score: f64,
    /// What going down the list would have given (each mentee the best mentor left).
    pub greedy_total: f64,
    pub greedy_assigned: usize,
    pub proposed: bool,
}

impl Plan {
    /// The API's view: `{id, pairs, unassigned, total_score, …}`.
    pub fn to_json(&self) -> Value {
        let pairs: Vec<Value> = self
            .mentees
            .iter()
            .filter_map(|m| {
                m.assigned.as_ref().map(|a| {
                    json!({"mentee": m.mentee, "mentor": a.mentor, "score": a.score,
                           "explanation": {"factors": a.factors}})
                })
            })
            .collect();
        let unassigned: Vec<&str> = self
            .mentees
            .iter()
            .filter(|m| m.assigned.is_none())
            .map(|m| m.mentee.as_str())
            .collect();
        json!({
            "id": self.id, "pairs": pairs, "unassigned": unassigned,
            "total_score": round(self.total_score),
            "greedy": {"total_score": round(self.greedy_total), "assigned": self.greedy_assigned},
            "proposed": self.proposed,
        })
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn option_of(hit: &Hit) -> MentorOption {
    MentorOption {
        mentor: hit.id.clone(),
        title: hit.title.clone(),
        score: round(hit.score),
        factors: json!(hit
            .factors
            .iter()
            .map(|f| json!({"name": f.name, "score": round(f.score), "detail": f.detail}))
            .collect::<Vec<_>>()),
    }
}

/// Mentors' places left for new mentees: their capacity less the introductions still asked.
fn places_left(conn: &mut DbConn, mentors: &[String]) -> Result<BTreeMap<String, i64>, AppError> {
    let mentors: Vec<String> = db::plausible_ids(mentors)
        .into_iter()
        .map(str::to_string)
        .collect();
    let mentors = &mentors[..];
    let mut out = BTreeMap::new();
    for row in Record::Mentor.find_many(conn, mentors)? {
        let data: Value = serde_json::from_str(&row.data).unwrap_or_default();
        out.insert(row.id, data["capacity"].as_i64().unwrap_or(0));
    }
    let asked: Vec<(String, String, String, String)> = it::table
        .filter(it::track.eq("mentoring"))
        .filter(it::status.eq_any(intro::OPEN))
        .filter(it::a_id.eq_any(mentors).or(it::b_id.eq_any(mentors)))
        .select((it::a_kind, it::a_id, it::b_kind, it::b_id))
        .load(conn)?;
    for (ak, a, bk, b) in asked {
        for (k, id) in [(ak, a), (bk, b)] {
            if k == "mentor" {
                if let Some(p) = out.get_mut(&id) {
                    *p -= 1;
                }
            }
        }
    }
    Ok(out)
}

/// The mentees of a request, checked: each visible to the officer, in their municipalities,
/// open to mentoring and without an introduction under way.
fn mentees(
    conn: &mut DbConn,
    viewer: &Viewer,
    ids: &[String],
) -> Result<Vec<heartland_index::Entity>, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers match a cohort"));
    }
    if ids.is_empty() || ids.len() > MENTEES_MAX {
        return Err(AppError::invalid(
            "mentee_ids",
            format!("must hold 1 to {MENTEES_MAX} mentees"),
        ));
    }
    if let Some(i) = ids.iter().position(|id| !db::plausible_id(id)) {
        return Err(AppError::invalid(
            &format!("mentee_ids[{i}]"),
            "no mentee has this id",
        ));
    }
    let busy = under_way(conn, ids)?;
    let open = crate::matching::still_open(conn, Kind::Candidate, ids, Track::Mentoring)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("mentee_ids[{i}]");
        if !seen.insert(id.clone()) {
            return Err(AppError::invalid(&field, "is given twice"));
        }
        let row = Record::Candidate
            .find(conn, id)?
            .filter(|r| viewer.view_of(Record::Candidate, r).is_some())
            .ok_or_else(|| AppError::invalid(&field, "no mentee has this id"))?;
        if !viewer.in_scope(&row.municipality) {
            return Err(AppError::invalid(
                &field,
                "lies outside the municipalities you act for",
            ));
        }
        if !open.contains(id) {
            return Err(AppError::invalid(
                &field,
                "is not open to mentoring (no business idea, not seeking it, or no consent)",
            ));
        }
        if busy.contains(id) {
            return Err(AppError::invalid(
                &field,
                "already has an introduction to a mentor under way",
            ));
        }
        let entity = crate::search::load_row(conn, Record::Candidate, &row)?
            .ok_or_else(|| anyhow::anyhow!("an unreadable profile"))?;
        out.push(entity);
    }
    Ok(out)
}

/// Plans a cohort and keeps the plan.
pub async fn plan(
    services: &Services,
    viewer: &Viewer,
    req: CohortRequest,
) -> Result<Plan, AppError> {
    let (v, ids) = (viewer.clone(), req.mentee_ids.clone());
    let entities = services.db.read(move |c| mentees(c, &v, &ids)).await?;
    let only: Option<std::collections::HashSet<String>> =
        req.mentor_ids.map(|m| m.into_iter().collect());
    // Each mentee's mentors, ranked under the hard rules and read back from the database.
    let mut ranked: Vec<(String, String, Vec<Hit>)> = Vec::new();
    for e in entities {
        let (id, title) = (e.id.clone(), e.title.clone());
        let (hits, _) =
            crate::matching::ranked(services, e, Kind::Mentor, MENTORS_PER_MENTEE, 0).await?;
        let hits = hits
            .into_iter()
            .filter(|h| only.as_ref().is_none_or(|o| o.contains(&h.id)))
            .collect();
        ranked.push((id, title, hits));
    }
    let mut mentors: Vec<String> = ranked
        .iter()
        .flat_map(|(_, _, hits)| hits.iter().map(|h| h.id.clone()))
        .collect();
    mentors.sort();
    mentors.dedup();
    let officer = viewer.user_id.clone();
    services
        .write(move |conn| -> Result<Plan, AppError> {
            let places = places_left(conn, &mentors)?;
            let column: HashMap<&str, usize> = mentors
                .iter()
                .enumerate()
                .map(|(i, m)| (m.as_str(), i))
                .collect();
            let mut scores = vec![vec![None; mentors.len()]; ranked.len()];
            for (i, (_, _, hits)) in ranked.iter().enumerate() {
                for h in hits {
                    if let Some(&j) = column.get(h.id.as_str()) {
                        scores[i][j] = Some(h.score);
                    }
                }
            }
            let cohort = Cohort {
                scores,
                places: mentors
                    .iter()
                    .map(|m| places.get(m).copied().unwrap_or(0).max(0) as usize)
                    .collect(),
            };
            let best = cohort.best();
            let greedy = cohort.greedy();
            let assigned: HashMap<usize, usize> = best.pairs.iter().copied().collect();
            let mentees = ranked
                .iter()
                .enumerate()
                .map(|(i, (id, title, hits))| {
                    let chosen = assigned.get(&i).map(|j| mentors[*j].as_str());
                    MenteePlan {
                        mentee: id.clone(),
                        title: title.clone(),
                        assigned: hits
                            .iter()
                            .find(|h| Some(h.id.as_str()) == chosen)
                            .map(option_of),
                        alternatives: hits
                            .iter()
                            .filter(|h| Some(h.id.as_str()) != chosen)
                            .filter(|h| places.get(&h.id).copied().unwrap_or(0) > 0)
                            .take(ALTERNATIVES)
                            .map(option_of)
                            .collect(),
                    }
                })
                .collect();
            let plan = Plan {
                id: db::new_id(),
                mentees,
                places,
                total_score: best.total,
                greedy_total: greedy.total,
                greedy_assigned: greedy.pairs.len(),
                proposed: false,
            };
            diesel::insert_into(ct::table)
                .values((
                    ct::id.eq(&plan.id),
                    ct::officer_id.eq(&officer),
                    ct::plan.eq(serde_json::to_string(&plan).map_err(|e| anyhow::anyhow!(e))?),
                    ct::created_at.eq(db::now()),
                ))
                .execute(conn)?;
            Ok(plan)
        })
        .await
}

/// A kept plan of the officer's.
pub fn find(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<Plan, AppError> {
    if !db::plausible_id(id) {
        return Err(AppError::NotFound);
    }
    let (officer, text, proposed): (String, String, Option<time::PrimitiveDateTime>) = ct::table
        .find(id)
        .select((ct::officer_id, ct::plan, ct::proposed_at))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if officer != viewer.user_id {
        return Err(AppError::NotFound);
    }
    let mut plan: Plan = serde_json::from_str(&text).map_err(|e| anyhow::anyhow!(e))?;
    plan.proposed = proposed.is_some();
    Ok(plan)
}

/// One pair the officer proposes.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRef {
    pub mentee: String,
    pub mentor: String,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeCohort {
    /// The pairs to propose, after review; the plan's own pairs when left out.
    #[serde(default)]
    pub pairs: Option<Vec<PairRef>>,
    /// A word from the officer to every pair.
    #[serde(default)]
    pub note: String,
}

/// Proposes the reviewed pairs of a plan at once, all or none: each mentee at most once, no
/// mentor past their places, each pair as an ordinary introduction (which checks its rules).
pub fn propose(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    req: ProposeCohort,
    services: &Services,
) -> Result<Vec<intro::Introduction>, AppError> {
    let plan = find(conn, viewer, id)?;
    if plan.proposed {
        return Err(AppError::Conflict("this cohort has been proposed".into()));
    }
    let pairs = req.pairs.unwrap_or_else(|| {
        plan.mentees
            .iter()
            .filter_map(|m| {
                m.assigned.as_ref().map(|a| PairRef {
                    mentee: m.mentee.clone(),
                    mentor: a.mentor.clone(),
                })
            })
            .collect()
    });
    if pairs.is_empty() {
        return Err(AppError::invalid(
            "pairs",
            "name at least one pair to propose",
        ));
    }
    let mentors: Vec<String> = pairs.iter().map(|p| p.mentor.clone()).collect();
    let mut left = places_left(conn, &mentors)?;
    let mut seen = std::collections::HashSet::new();
    let mut made = Vec::new();
    for (i, pair) in pairs.iter().enumerate() {
        let field = format!("pairs[{i}]");
        if !plan.mentees.iter().any(|m| m.mentee == pair.mentee) {
            return Err(AppError::invalid(
                &format!("{field}.mentee"),
                "is not a mentee of this cohort",
            ));
        }
        if !seen.insert(pair.mentee.clone()) {
            return Err(AppError::invalid(
                &format!("{field}.mentee"),
                "is given a mentor twice",
            ));
        }
        match left.get_mut(&pair.mentor) {
            Some(p) if *p > 0 => *p -= 1,
            _ => {
                return Err(AppError::invalid(
                    &format!("{field}.mentor"),
                    "has no place left for this mentee",
                ))
            }
        }
        let request = ProposeRequest {
            track: "mentoring".into(),
            a: SideRef {
                kind: "candidate".into(),
                id: pair.mentee.clone(),
            },
            b: SideRef {
                kind: "mentor".into(),
                id: pair.mentor.clone(),
            },
            note: req.note.clone(),
        };
        let p = intro::propose(
            conn,
            viewer,
            &request,
            None,
            &services.settings,
            &services.search.index,
        )
        .map_err(|e| match e {
            AppError::Validation(f) => {
                AppError::invalid(&field, format!("cannot be proposed: {}", f.summary()))
            }
            AppError::Conflict(m) => AppError::invalid(&field, format!("cannot be proposed: {m}")),
            other => other,
        })?;
        super::handled(conn, &pair.mentee)?;
        made.push(p.introduction);
    }
    diesel::update(ct::table.find(id))
        .set(ct::proposed_at.eq(db::now()))
        .execute(conn)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "cohort_proposed",
        "mentoring_cohort",
        Some(id),
        json!({"pairs": made.len()}),
    )?;
    Ok(made)
}

/// An officer introduces one mentee to one mentor from a page: proposed as any introduction,
/// and the mentee's request is answered.
pub fn introduce(
    conn: &mut DbConn,
    viewer: &Viewer,
    mentee: &str,
    mentor: &str,
    note: String,
    services: &Services,
) -> Result<intro::Introduction, AppError> {
    let request = ProposeRequest {
        track: "mentoring".into(),
        a: SideRef {
            kind: "candidate".into(),
            id: mentee.to_string(),
        },
        b: SideRef {
            kind: "mentor".into(),
            id: mentor.to_string(),
        },
        note,
    };
    let p = intro::propose(
        conn,
        viewer,
        &request,
        None,
        &services.settings,
        &services.search.index,
    )?;
    super::handled(conn, mentee)?;
    Ok(p.introduction)
}
