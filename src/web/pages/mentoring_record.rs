//! The officer's page of one mentee (`/candidates/{id}`: the mentors who fit) or one mentor
//! (`/mentors/{id}`: the mentees who fit), each match with an introduce form, or with the
//! introduction already under way.

use super::*;
use crate::mentoring::{self, cohort};
use heartland_index::Kind;

/// A record's facts as a mentoring page lists them.
pub struct Fact {
    pub key: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "pages/mentoring_record.html")]
struct RecordPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    id: String,
    /// `candidates` or `mentors`: where the introduce form posts.
    path: &'static str,
    /// The hidden field naming the other side.
    other_field: &'static str,
    kind_key: &'static str,
    title: String,
    place: String,
    facts: Vec<Fact>,
    note: Option<String>,
    matches: Vec<MatchLine>,
    /// Matches with an introduction under way: shown with a link, not a form.
    busy: std::collections::HashMap<String, String>,
    heading_key: &'static str,
}

impl RecordPage<'_> {
    fn busy_with(&self, id: &str) -> Option<&String> {
        self.busy.get(id)
    }
}

/// The mentoring introductions under way of each of `ids`: the introduction's id.
fn busy_of(
    conn: &mut db::DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    use crate::db::schema::introductions as t;
    use diesel::prelude::*;
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, String, String)> = t::table
        .filter(t::track.eq("mentoring"))
        .filter(t::status.eq_any(["proposed", "accepted", "introduced"]))
        .filter(t::a_id.eq_any(ids).or(t::b_id.eq_any(ids)))
        .select((t::id, t::a_id, t::b_id))
        .load(conn)?;
    let mut out = std::collections::HashMap::new();
    for (intro, a, b) in rows {
        for side in [a, b] {
            if ids.contains(&side) {
                out.insert(side, intro.clone());
            }
        }
    }
    Ok(out)
}

fn words(tr: Tr, group: &str, values: &Value) -> String {
    values
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|v| tr.t(&format!("{group}.{v}")).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn joined(values: &Value) -> String {
    values
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// `GET /candidates/{id}`: the mentee's page for officers.
pub async fn mentee(
    state: web::Data<AppState>,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    record_page(state, id.into_inner(), c, viewer, Record::Candidate).await
}

/// `GET /mentors/{id}`: the mentor's page for officers.
pub async fn mentor(
    state: web::Data<AppState>,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    record_page(state, id.into_inner(), c, viewer, Record::Mentor).await
}

async fn record_page(
    state: web::Data<AppState>,
    id: String,
    c: Ctx,
    viewer: Viewer,
    record: Record,
) -> HttpResponse {
    if !viewer.is_officer() {
        return see_other("/profile");
    }
    let tr = c.tr;
    let read = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let row = record_page_row(conn, &viewer, record, &id)?;
            let (title, place, _) = intro::describe(conn, record.name(), &row.id)?;
            let d: Value = serde_json::from_str(&row.data).unwrap_or_default();
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            let mut facts = Vec::new();
            let mut fact = |key: &'static str, value: String| {
                if !value.trim().is_empty() {
                    facts.push(Fact { key, value });
                }
            };
            let note = if record == Record::Candidate {
                let b = &d["business"];
                fact(
                    "mentee.stage",
                    tr.t(&format!("stage.{}", s(&b["stage"]))).to_string(),
                );
                fact("mentee.sector", s(&b["sector"]));
                fact("mentee.business", s(&b["description"]));
                fact("mentee.support", words(tr, "support", &b["support_needs"]));
                fact("mentee.summary", s(&d["summary"]));
                fact("mentee.skills", joined(&d["skills"]));
                mentoring::open_request_of(conn, &row.id)?.map(|r| r.note)
            } else {
                fact("mentor.expertise", joined(&d["expertise"]));
                fact("mentor.sectors", joined(&d["sectors"]));
                fact(
                    "mentor.places",
                    d["capacity"].as_i64().unwrap_or(0).to_string(),
                );
                None
            };
            let query = crate::search::load_row(conn, record, &row)?;
            Ok((row.id, title, place, facts, note, query))
        })
        .await;
    let (id, title, place, facts, note, query) = match read {
        Ok(r) => r,
        Err(e) => return error_page(&c, e, "/mentoring"),
    };
    let target = if record == Record::Candidate {
        Kind::Mentor
    } else {
        Kind::Candidate
    };
    let query = query.filter(|q| q.open_to(heartland_index::Track::Mentoring).is_ok());
    let hits = match crate::matching::top(&state, query, target, 10).await {
        Ok(h) => h,
        Err(e) => return error_page(&c, e, "/mentoring"),
    };
    let matches = match_lines(hits, tr.locale);
    let mut ids: Vec<String> = matches.iter().map(|m| m.id.clone()).collect();
    ids.push(id.clone());
    let busy = match state.db.read(move |conn| busy_of(conn, &ids)).await {
        Ok(b) => b,
        Err(e) => return error_page(&c, e, "/mentoring"),
    };
    let candidate = record == Record::Candidate;
    let page = RecordPage {
        tr,
        nav: c.nav(),
        csrf: &c.csrf,
        id,
        path: if candidate { "candidates" } else { "mentors" },
        other_field: if candidate {
            "mentor_id"
        } else {
            "candidate_id"
        },
        kind_key: if candidate {
            "mentee.kind"
        } else {
            "mentor.kind"
        },
        title,
        place,
        facts,
        note,
        matches,
        busy,
        heading_key: if candidate {
            "mentee.mentors"
        } else {
            "mentor.mentees"
        },
    };
    respond(&c, StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub struct IntroduceMentorForm {
    pub csrf_token: String,
    #[serde(default)]
    pub mentor_id: String,
    #[serde(default)]
    pub candidate_id: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /candidates/{id}/introduce`.
pub async fn introduce_mentor(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<IntroduceMentorForm>,
    c: Ctx,
) -> HttpResponse {
    let f = form.into_inner();
    let mentee = id.into_inner();
    let back = format!("/candidates/{mentee}");
    introduce(
        state,
        req,
        c,
        back,
        f.csrf_token,
        mentee,
        f.mentor_id,
        f.note,
    )
    .await
}

/// `POST /mentors/{id}/introduce`.
pub async fn introduce_mentee(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<IntroduceMentorForm>,
    c: Ctx,
) -> HttpResponse {
    let f = form.into_inner();
    let mentor = id.into_inner();
    let back = format!("/mentors/{mentor}");
    introduce(
        state,
        req,
        c,
        back,
        f.csrf_token,
        f.candidate_id,
        mentor,
        f.note,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn introduce(
    state: web::Data<AppState>,
    req: HttpRequest,
    c: Ctx,
    back: String,
    token: String,
    mentee: String,
    mentor: String,
    note: String,
) -> HttpResponse {
    let viewer = match checked_post(&state, &req, &c, &token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let st = state.clone();
    let made = state
        .write(move |conn| cohort::introduce(conn, &viewer, &mentee, &mentor, note, &st))
        .await;
    match made {
        Ok(i) => see_other(&format!("/introductions/{}", i.id)),
        Err(e) => error_page(&c, e, &back),
    }
}
