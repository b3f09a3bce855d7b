//! A need's page (its ranked candidates, for the officer and the company) and closing it.

use super::*;
use crate::records::{need::Need, RecordType};

#[derive(Template)]
#[template(path = "pages/need.html")]
struct NeedPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    officer: bool,
    /// The company that may change it (or an officer in scope): may close or reopen it.
    owner: bool,
    status: String,
    id: String,
    title: String,
    description: String,
    organisation: String,
    place: String,
    start_date: String,
    months: i64,
    /// Who the company asks for: graduates (KTP), coaches, or both.
    wants_graduate: bool,
    wants_coach: bool,
    matches: Vec<MatchLine>,
    /// Mentors who coach companies, ranked for the need.
    coaches: Vec<MatchLine>,
    /// Candidates (or coaches) with an introduction to this need under way: its id.
    busy: std::collections::HashMap<String, String>,
}

/// The introductions under way between the need and each of `candidates`.
fn under_way_with(
    conn: &mut db::DbConn,
    need: &str,
    candidates: &[String],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    use crate::db::schema::introductions as t;
    use diesel::prelude::*;
    let rows: Vec<(String, String, String)> = t::table
        .filter(t::status.eq_any(["proposed", "accepted", "introduced"]))
        .filter(
            t::a_id
                .eq(need)
                .and(t::b_id.eq_any(candidates))
                .or(t::b_id.eq(need).and(t::a_id.eq_any(candidates))),
        )
        .select((t::id, t::a_id, t::b_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(i, a, b)| (if a == need { b } else { a }, i))
        .collect())
}

impl NeedPage<'_> {
    fn busy_with(&self, candidate: &str) -> Option<&String> {
        self.busy.get(candidate)
    }

    fn status_word(&self) -> String {
        self.tr
            .t(&format!("need.status.{}", self.status))
            .to_string()
    }
}

pub async fn need(
    state: web::Data<AppState>,
    _req: HttpRequest,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    match need_page(&state, &c, viewer, id.into_inner()).await {
        Ok(page) => respond(&c, StatusCode::OK, page.render()),
        Err(e) => error_page(&c, e, "/dashboard"),
    }
}

async fn need_page<'a>(
    state: &web::Data<AppState>,
    c: &'a Ctx,
    viewer: Viewer,
    id: String,
) -> Result<NeedPage<'a>, AppError> {
    let locale = c.tr.locale;
    let (query, need, row, (title, place, organisation), owner) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let row = record_page_row(conn, &viewer, Record::Need, &id)?;
            let need = Need::stored(&row).ok_or_else(|| anyhow::anyhow!("an unreadable need"))?;
            let described = intro::describe(conn, "need", &row.id)?;
            let query = crate::search::load_row(conn, Record::Need, &row)?;
            let owner = (viewer.is_officer(), viewer.may_change(Record::Need, &row));
            Ok((query, need, row, described, owner))
        })
        .await?;
    let wants = |w: &str| match &need.wants {
        Some(list) => list.iter().any(|x| x == w),
        None => w == "graduate",
    };
    let (wants_graduate, wants_coach) = (wants("graduate"), wants("coach"));
    let ranked = |kind, on: bool| {
        let q = query.clone().filter(|_| on);
        async move { crate::matching::top(state, q, kind, 10).await }
    };
    let matches = match_lines(
        ranked(heartland_index::Kind::Candidate, wants_graduate).await?,
        locale,
    );
    let coaches = match_lines(
        ranked(heartland_index::Kind::Mentor, wants_coach).await?,
        locale,
    );
    let (need_id, ids): (String, Vec<String>) = (
        row.id.clone(),
        matches
            .iter()
            .chain(&coaches)
            .map(|m| m.id.clone())
            .collect(),
    );
    let busy = state
        .db
        .read(move |conn| under_way_with(conn, &need_id, &ids))
        .await?;
    Ok(NeedPage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        officer: owner.0,
        owner: owner.1,
        status: row.status.clone(),
        id: row.id,
        title,
        description: need.description,
        organisation,
        place,
        start_date: need.start_date,
        months: need.duration_months,
        wants_graduate,
        wants_coach,
        matches,
        coaches,
        busy,
    })
}

#[derive(Deserialize)]
pub struct StatusForm {
    pub csrf_token: String,
    pub status: String,
}

/// `POST /needs/{id}/status`: the company closes a need (filled, or no longer wanted: it
/// leaves matching at once) or opens it again.
pub async fn need_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<StatusForm>,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/needs/{id}");
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let status = form.into_inner().status;
    if !matches!(status.as_str(), "open" | "closed") {
        return error_page(
            &c,
            AppError::invalid("status", "must be open or closed"),
            &back,
        );
    }
    let target = id.clone();
    let done = state
        .write(move |conn| {
            crate::records::store::change::<crate::records::need::Need>(
                conn,
                &viewer,
                &target,
                serde_json::json!({ "status": status }),
                false,
            )
        })
        .await;
    match done {
        Ok(_) => see_other(&back),
        Err(e) => error_page(&c, e, &back),
    }
}
