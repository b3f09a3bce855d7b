//! The officer's mentoring pages: the requests and the mentees waiting (`/mentoring`), a
//! mentee's page with the mentors who fit (`/candidates/{id}`), a mentor's page with the
//! mentees who fit (`/mentors/{id}`), and cohort matching: pick the intake, review the best
//! assignment, swap or drop pairs, propose them all.

use super::*;
use crate::mentoring::{self, cohort};
use crate::web::endpoint::{endpoint, Endpoint};
use actix_web::http::Method;

use crate::web::routes::{PAGE_GET, PAGE_POST};

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
        .to(super::mentoring_record::mentee),
        post(
            "/candidates/{id}/introduce",
            "Introduces the mentee to a mentor (the page's form)",
        )
        .to(super::mentoring_record::introduce_mentor),
        get(
            "/mentors/{id}",
            "A mentor and the mentees who fit (officers)",
        )
        .to(super::mentoring_record::mentor),
        post(
            "/mentors/{id}/introduce",
            "Introduces a mentee to the mentor (the page's form)",
        )
        .to(super::mentoring_record::introduce_mentee),
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
        kind: "mentor",
        id: o.mentor.clone(),
        title: o.title.clone(),
        score: o.score,
        related: false,
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
