//! Who a newsletter reaches: of the people who asked for newsletters, whose address is
//! confirmed and delivers and who are not suspended, those of the given roles, tracks
//! (what they take part in: a profile with that matching consent, an organisation with an open
//! need or an offer), places (where their profiles and organisations are) and languages. An
//! empty list means "any". An officer (not an admin) reaches only people in their
//! municipalities.

use crate::db::schema::{
    candidates as ca, consents as co, memberships as me, mentors as mt, needs as ne, offers as of,
    organisations as og, users as u,
};
use crate::db::{DbConn, User};
use crate::domain::{FieldErrors, Municipality};
use crate::error::AppError;
use crate::policy::{Role, Viewer};
use diesel::prelude::*;
use heartland_index::Gazetteer;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

pub const ROLES: [&str; 4] = ["company", "candidate", "mentor", "supplier"];
pub const TRACKS: [&str; 3] = ["ktp", "mentoring", "procurement"];
/// Ids per query (SQLite binds at most some thousands of values at once).
const CHUNK: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// Any of `company`, `candidate`, `mentor`, `supplier`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Any of `ktp`, `mentoring`, `procurement`.
    #[serde(default)]
    pub tracks: Vec<String>,
    /// `SE-2062`, `NO-5025`, …
    #[serde(default)]
    pub municipalities: Vec<String>,
    /// `SE-20`, `NO-50`, …
    #[serde(default)]
    pub counties: Vec<String>,
    /// The readers' language: any of `sv`, `nb`, `en`.
    #[serde(default)]
    pub languages: Vec<String>,
}

fn each_of(
    errors: &mut FieldErrors,
    field: &str,
    given: &[String],
    allowed: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, v) in given.iter().enumerate() {
        let v = v.trim();
        if allowed.contains(&v) {
            if !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        } else {
            errors.add(
                format!("segment.{field}[{i}]"),
                format!("must be one of {}", allowed.join(", ")),
            );
        }
    }
    out
}

impl Segment {
    /// The segment with each value checked and written one way; what is wrong goes to `errors`.
    pub fn validated(&self, errors: &mut FieldErrors) -> Segment {
        let roles = each_of(errors, "roles", &self.roles, &ROLES);
        let tracks = each_of(errors, "tracks", &self.tracks, &TRACKS);
        let languages = each_of(errors, "languages", &self.languages, &super::LANGUAGES);
        let mut municipalities = Vec::new();
        for (i, m) in self.municipalities.iter().enumerate() {
            match Municipality::parse_key(m) {
                Ok(m) if !municipalities.contains(&m.key()) => municipalities.push(m.key()),
                Ok(_) => {}
                Err(e) => errors.add(format!("segment.municipalities[{i}]"), e),
            }
        }
        let known: HashSet<String> = Gazetteer::get()
            .all()
            .iter()
            .map(|p| p.county_key())
            .collect();
        let mut counties = Vec::new();
        for (i, c) in self.counties.iter().enumerate() {
            let c = c.trim().to_ascii_uppercase();
            if known.contains(&c) {
                if !counties.contains(&c) {
                    counties.push(c);
                }
            } else {
                errors.add(
                    format!("segment.counties[{i}]"),
                    "is not a county: write it as SE-20 (Dalarna) or NO-50 (Trøndelag)",
                );
            }
        }
        Segment {
            roles,
            tracks,
            municipalities,
            counties,
            languages,
        }
    }
}

/// What one reader takes part in, and where.
#[derive(Default)]
struct Reach {
    tracks: HashSet<&'static str>,
    municipalities: HashSet<String>,
    counties: HashSet<String>,
}

/// The readers of `segment` as `viewer` may send to, ordered by id.
pub fn recipients(
    conn: &mut DbConn,
    segment: &Segment,
    viewer: &Viewer,
) -> Result<Vec<User>, AppError> {
    let asked = co::table
        .filter(co::purpose.eq("newsletter"))
        .filter(co::withdrawn_at.is_null())
        .select(co::user_id);
    let roles: Vec<String> = if segment.roles.is_empty() {
        ROLES.iter().map(|r| r.to_string()).collect()
    } else {
        segment.roles.clone()
    };
    let mut q = u::table
        .filter(u::id.eq_any(asked))
        .filter(u::email_verified_at.is_not_null())
        .filter(u::role.eq_any(&roles))
        .into_boxed();
    if !segment.languages.is_empty() {
        q = q.filter(u::locale.eq_any(&segment.languages));
    }
    let users: Vec<User> = q.order(u::id.asc()).select(User::as_select()).load(conn)?;
    let mut reach: HashMap<String, Reach> = HashMap::new();
    let mut out_of_it: HashSet<String> = HashSet::new();
    for chunk in users.chunks(CHUNK) {
        let ids: Vec<String> = chunk.iter().map(|u| u.id.clone()).collect();
        out_of_it.extend(crate::db::holds::held_among(conn, &ids)?);
        out_of_it.extend(crate::db::bounces::among(conn, &ids)?);
        reach_of(conn, &ids, &mut reach)?;
    }
    let scoped = viewer.role != Role::Admin;
    Ok(users
        .into_iter()
        .filter(|u| !out_of_it.contains(&u.id))
        .filter(|u| {
            let empty = Reach::default();
            let r = reach.get(&u.id).unwrap_or(&empty);
            let track_ok = segment.tracks.is_empty()
                || segment.tracks.iter().any(|t| r.tracks.contains(t.as_str()));
            let place_ok = (segment.municipalities.is_empty() && segment.counties.is_empty())
                || segment
                    .municipalities
                    .iter()
                    .any(|m| r.municipalities.contains(m))
                || segment.counties.iter().any(|c| r.counties.contains(c));
            let scope_ok = !scoped || viewer.scopes.iter().any(|m| r.municipalities.contains(m));
            track_ok && place_ok && scope_ok
        })
        .collect())
}

/// Where the people `ids` take part, and in which tracks.
fn reach_of(
    conn: &mut DbConn,
    ids: &[String],
    reach: &mut HashMap<String, Reach>,
) -> Result<(), AppError> {
    let consents: Vec<(String, String)> = co::table
        .filter(co::user_id.eq_any(ids))
        .filter(co::withdrawn_at.is_null())
        .select((co::user_id, co::purpose))
        .load(conn)?;
    let place = |reach: &mut HashMap<String, Reach>, user: &str, m: String, c: String| {
        let r = reach.entry(user.to_string()).or_default();
        r.municipalities.insert(m);
        r.counties.insert(c);
    };
    let candidates: Vec<(String, String, String)> = ca::table
        .filter(ca::owner_id.eq_any(ids))
        .filter(ca::status.eq("active"))
        .select((ca::owner_id, ca::municipality, ca::county))
        .load(conn)?;
    for (user, m, c) in candidates {
        place(reach, &user, m, c);
        let r = reach.entry(user.clone()).or_default();
        for (who, purpose) in &consents {
            if *who == user {
                match purpose.as_str() {
                    "matching_ktp" => r.tracks.insert("ktp"),
                    "matching_mentoring" => r.tracks.insert("mentoring"),
                    _ => false,
                };
            }
        }
    }
    let mentors: Vec<(String, String, String)> = mt::table
        .filter(mt::owner_id.eq_any(ids))
        .filter(mt::status.eq("active"))
        .select((mt::owner_id, mt::municipality, mt::county))
        .load(conn)?;
    for (user, m, c) in mentors {
        place(reach, &user, m, c);
        reach.entry(user).or_default().tracks.insert("mentoring");
    }
    let members: Vec<(String, String)> = me::table
        .filter(me::user_id.eq_any(ids))
        .select((me::user_id, me::organisation_id))
        .load(conn)?;
    let orgs: Vec<String> = members.iter().map(|(_, o)| o.clone()).collect();
    let places: HashMap<String, (String, String)> = og::table
        .filter(og::id.eq_any(&orgs))
        .select((og::id, og::municipality, og::county))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, m, c)| (id, (m, c)))
        .collect();
    let with_needs: HashSet<String> = ne::table
        .filter(ne::organisation_id.eq_any(&orgs))
        .filter(ne::status.eq("open"))
        .select(ne::organisation_id)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    let with_offers: HashSet<String> = of::table
        .filter(of::organisation_id.eq_any(&orgs))
        .filter(of::status.eq("active"))
        .select(of::organisation_id)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    for (user, org) in members {
        if let Some((m, c)) = places.get(&org) {
            place(reach, &user, m.clone(), c.clone());
        }
        let r = reach.entry(user).or_default();
        if with_needs.contains(&org) {
            r.tracks.insert("ktp");
        }
        if with_offers.contains(&org) {
            r.tracks.insert("procurement");
        }
    }
    Ok(())
}
