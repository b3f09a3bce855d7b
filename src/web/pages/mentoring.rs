//! The officer's mentoring pages: the requests and the mentees waiting (`/mentoring`), a
//! mentee's page with the mentors who fit (`/candidates/{id}`), a mentor's page with the
//! mentees who fit (`/mentors/{id}`), and cohort matching: pick the intake, review the best
//! assignment, swap or drop pairs, propose them all.

use super::*;
use crate::mentoring::{self, cohort};
use crate::web::endpoint::{endpoint, Endpoint};
use actix_web::http::Method;
use heartland_index::Kind;

const PAGE_GET: &[(u16, &str)] = &[(200, "The page"), (303, "To the sign-in page")];
const PAGE_POST: &[(u16, &str)] = &[(303, "Done: to the next page"), (200, "The page again")];

/// The pages' routes.
pub fn endpoints(e: &mut Vec<Endpoint>) {
    let p = "pages";
    let get = |path: &str, what: &str| {
        endpoint(Method::GET, path, what, p)
            .public()
            .responses(PAGE_GET)
    };
    let post = |path: &str, what: &str| {
        endpoint(Method::POST, path, what, p)
            .public()
            .responses(PAGE_POST)
    };
    e.extend([
        get(
            "/mentoring",
            "Requests for a mentor and the mentees waiting (officers)",
        )
        .to(overview),
        post(
            "/mentoring/cohorts",
            "Matches the mentees picked as a cohort (the page's form)",
        )
        .to(plan),
        get(
            "/mentoring/cohorts/{id}",
            "A cohort's best assignment, to review",
        )
        .to(review),
        post(
            "/mentoring/cohorts/{id}/propose",
            "Proposes the reviewed pairs (the page's form)",
        )
        .to(propose),
        get(
            "/candidates/{id}",
            "A mentee or graduate and the mentors who fit (officers)",
        )
        .to(mentee),
        post(
            "/candidates/{id}/introduce",
            "Introduces the mentee to a mentor (the page's form)",
        )
        .to(introduce_mentor),
        get(
            "/mentors/{id}",
            "A mentor and the mentees who fit (officers)",
        )
        .to(mentor),
        post(
            "/mentors/{id}/introduce",
            "Introduces a mentee to the mentor (the page's form)",
        )
        .to(introduce_mentee),
        post(
            "/profile/mentor",
            "A newcomer asks for an introduction to a mentor (the page's form)",
        )
        .to(super::profile::ask_for_mentor),
    ]);
}

/// A mentee in a list: the headline, place and business, never a name.
pub struct MenteeLine {
    pub id: String,
    pub title: String,
    pub place: String,
    pub stage_key: String,
    pub sector: String,
    pub since: String,
    pub note: Option<String>,
}

fn mentee_line(
    conn: &mut db::DbConn,
    row: &db::RecordRow,
    note: Option<String>,
    since: time::PrimitiveDateTime,
) -> Result<MenteeLine, AppError> {
    let (title, place, _) = intro::describe(conn, "candidate", &row.id)?;
    let data: Value = serde_json::from_str(&row.data).unwrap_or_default();
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Ok(MenteeLine {
        id: row.id.clone(),
        title,
        place,
        stage_key: format!("stage.{}", s(&data["business"]["stage"])),
        sector: s(&data["business"]["sector"]),
        since: since.date().to_string(),
        note,
    })
}

/// The requests and the waiting mentees of the viewer's municipalities.
pub(crate) fn mentoring_lists(
    conn: &mut db::DbConn,
    viewer: &Viewer,
) -> Result<(Vec<MenteeLine>, Vec<MenteeLine>), AppError> {
    let requests = mentoring::open_requests(conn, viewer, 50)?
        .iter()
        .map(|(r, row)| mentee_line(conn, row, Some(r.note.clone()), r.created_at))
        .collect::<Result<Vec<_>, _>>()?;
    let waiting = mentoring::waiting(conn, viewer)?
        .iter()
        .map(|row| mentee_line(conn, row, None, row.created_at))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((requests, waiting))
}

#[derive(Template)]
#[template(path = "pages/mentoring.html")]
struct Overview<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    requests: Vec<MenteeLine>,
    waiting: Vec<MenteeLine>,
    max: usize,
    /// Relationships that went quiet: (introduction id, mentee ↔ mentor).
    quiet: Vec<IntroLine>,
}

/// `GET /mentoring`.
pub async fn overview(
    state: web::Data<AppState>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    if !viewer.is_officer() {
        return see_other("/profile");
    }
    let lists = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let lists = mentoring_lists(conn, &viewer)?;
            let quiet = mentoring::relationships::list(conn, &viewer, Some("quiet"), 50)?
                .iter()
                .map(|r| intro_line(conn, &r.introduction))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((lists, quiet))
        })
        .await;
    match lists {
        Ok(((requests, waiting), quiet)) => {
            let page = Overview {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                requests,
                waiting,
                max: cohort::MENTEES_MAX,
                quiet,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/dashboard"),
    }
}

/// The fields of a posted form, in order (names repeat).
fn posted(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// `POST /mentoring/cohorts`: the picked mentees (`mentee`, repeated).
pub async fn plan(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let fields = posted(&body);
    let viewer = match checked_post(&state, &req, &c, field(&fields, "csrf_token")) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, "/mentoring"),
    };
    let mentee_ids: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "mentee")
        .map(|(_, v)| v.clone())
        .collect();
    let request = cohort::CohortRequest {
        mentee_ids,
        mentor_ids: None,
    };
    match cohort::plan(&state, &viewer, request).await {
        Ok(plan) => see_other(&format!("/mentoring/cohorts/{}", plan.id)),
        Err(e) => error_page(&c, e, "/mentoring"),
    }
}

/// One mentor offered for a mentee on the review page.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A row of the review: the mentee, the mentors to choose from, why the assigned one.
pub struct ReviewRow {
    pub mentee: String,
    pub title: String,
    pub choices: Vec<Choice>,
    pub assigned: Option<MatchLine>,
}

#[derive(Template)]
#[template(path = "pages/cohort.html")]
struct Review<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    id: String,
    rows: Vec<ReviewRow>,
    assigned: usize,
    unassigned: usize,
    total: String,
    greedy_total: String,
    greedy_assigned: usize,
    proposed: bool,
}

fn review_rows(plan: &cohort::Plan, tr: Tr) -> Vec<ReviewRow> {
    let line = |o: &cohort::MentorOption| MatchLine {
        id: o.mentor.clone(),
        title: o.title.clone(),
        score: o.score,
        factors: o
            .factors
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|f| FactorLine {
                key: format!("factor.{}", f["name"].as_str().unwrap_or_default()),
                score: f["score"].as_f64().unwrap_or_default(),
                detail: crate::mail::views::localize_detail(
                    tr.locale,
                    f["detail"].as_str().unwrap_or_default(),
                ),
            })
            .collect(),
    };
    plan.mentees
        .iter()
        .map(|m| {
            let mut choices: Vec<Choice> = m
                .assigned
                .iter()
                .chain(m.alternatives.iter())
                .map(|o| Choice {
                    value: format!("{}|{}", m.mentee, o.mentor),
                    label: format!("{} ({})", o.title, tr.percent(&o.score)),
                    selected: m.assigned.as_ref().map(|a| &a.mentor) == Some(&o.mentor),
                })
                .collect();
            choices.push(Choice {
                value: String::new(),
                label: tr.t("cohort.drop").to_string(),
                selected: m.assigned.is_none(),
            });
            ReviewRow {
                mentee: m.mentee.clone(),
                title: m.title.clone(),
                choices,
                assigned: m.assigned.as_ref().map(line),
            }
        })
        .collect()
}

/// `GET /mentoring/cohorts/{id}`.
pub async fn review(
    state: web::Data<AppState>,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let id = id.into_inner();
    let plan = state
        .db
        .read(move |conn| cohort::find(conn, &viewer, &id))
        .await;
    let plan = match plan {
        Ok(p) => p,
        Err(e) => return error_page(&c, e, "/mentoring"),
    };
    let assigned = plan.mentees.iter().filter(|m| m.assigned.is_some()).count();
    let page = Review {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        id: plan.id.clone(),
        rows: review_rows(&plan, c.tr),
        assigned,
        unassigned: plan.mentees.len() - assigned,
        total: format!("{:.2}", plan.total_score),
        greedy_total: format!("{:.2}", plan.greedy_total),
        greedy_assigned: plan.greedy_assigned,
        proposed: plan.proposed,
    };
    respond(&c, StatusCode::OK, page.render())
}

/// `POST /mentoring/cohorts/{id}/propose`: `pair` = `mentee|mentor` per row kept.
pub async fn propose(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/mentoring/cohorts/{id}");
    let fields = posted(&body);
    let viewer = match checked_post(&state, &req, &c, field(&fields, "csrf_token")) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let pairs: Vec<cohort::PairRef> = fields
        .iter()
        .filter(|(k, _)| k == "pair")
        .filter_map(|(_, v)| v.split_once('|'))
        .map(|(mentee, mentor)| cohort::PairRef {
            mentee: mentee.to_string(),
            mentor: mentor.to_string(),
        })
        .collect();
    let request = cohort::ProposeCohort {
        pairs: Some(pairs),
        note: field(&fields, "note").to_string(),
    };
    let st = state.clone();
    let made = state
        .write(move |conn| cohort::propose(conn, &viewer, &id, request, &st))
        .await;
    match made {
        Ok(made) => message_page(
            &c,
            c.tr.t("cohort.proposed_title").to_string(),
            vec![c
                .tr
                .t("cohort.proposed")
                .replace("{0}", &made.len().to_string())],
        ),
        Err(e) => error_page(&c, e, &back),
    }
}

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
                    "profile.stage",
                    tr.t(&format!("stage.{}", s(&b["stage"]))).to_string(),
                );
                fact("profile.sector", s(&b["sector"]));
                fact("profile.business_what", s(&b["description"]));
                fact("profile.support", words(tr, "support", &b["support_needs"]));
                fact("profile.summary", s(&d["summary"]));
                fact("profile.skills", joined(&d["skills"]));
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
