//! The officer's dashboard: what needs attention in their municipalities.

use super::*;

pub struct RecordLine {
    pub id: String,
    pub title: String,
    pub organisation: String,
    pub place: String,
    pub created: String,
    /// In one of the officer's own municipalities.
    pub mine: bool,
    /// How many candidates match (a need on the dashboard); `None` where not counted.
    pub matching: Option<usize>,
}

pub struct FailedLine {
    pub template: String,
    pub error: String,
    pub introduction_id: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/dashboard.html")]
struct Dashboard<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    needs: Vec<RecordLine>,
    procurements: Vec<RecordLine>,
    waiting: Vec<IntroLine>,
    failed: Vec<FailedLine>,
    /// Newcomers asking for a mentor (the first few), and how many wait in all.
    requests: Vec<super::mentoring::MenteeLine>,
    mentoring_counts: String,
}

fn recent(
    conn: &mut db::DbConn,
    record: Record,
    viewer: &Viewer,
    status: &str,
) -> Result<Vec<RecordLine>, AppError> {
    let filter = db::ListFilter {
        status: Some(status.to_string()),
        limit: 200,
        ..Default::default()
    };
    let mut rows = record.list(conn, &viewer.visible(record), &filter)?;
    // The officer's own municipalities first, newest first.
    rows.sort_by(|a, b| {
        (
            !viewer.in_scope(&a.municipality),
            std::cmp::Reverse(a.created_at),
        )
            .cmp(&(
                !viewer.in_scope(&b.municipality),
                std::cmp::Reverse(b.created_at),
            ))
    });
    rows.truncate(10);
    rows.iter()
        .map(|r| {
            let (title, place, org) = intro::describe(conn, record.name(), &r.id)?;
            Ok(RecordLine {
                id: r.id.clone(),
                title,
                organisation: org,
                place,
                created: r.created_at.date().to_string(),
                mine: viewer.in_scope(&r.municipality),
                matching: None,
            })
        })
        .collect()
}

pub async fn dashboard(
    state: web::Data<AppState>,
    _req: HttpRequest,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    if matches!(
        viewer.role,
        crate::policy::Role::Company | crate::policy::Role::Supplier
    ) {
        return see_other("/company");
    }
    if matches!(
        viewer.role,
        crate::policy::Role::Candidate | crate::policy::Role::Mentor
    ) {
        return see_other("/profile");
    }
    if !viewer.is_officer() {
        return see_other("/introductions");
    }
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let needs = recent(conn, Record::Need, &viewer, "open")?;
            let mut procurements = recent(conn, Record::Procurement, &viewer, "dialogue")?;
            procurements.extend(recent(conn, Record::Procurement, &viewer, "planned")?);
            let waiting = intro::list(conn, &viewer, Some("proposed"), None, 10)?
                .into_iter()
                .chain(intro::list(conn, &viewer, Some("accepted"), None, 10)?)
                .map(|i| intro_line(conn, &i))
                .collect::<Result<Vec<_>, _>>()?;
            let failed = db::outbox::by_status(conn, "failed", 10)?
                .into_iter()
                .map(|e| FailedLine {
                    template: e.template,
                    error: e.last_error.unwrap_or_default(),
                    introduction_id: e.introduction_id,
                })
                .collect();
            let (mut requests, mentees) = super::mentoring::mentoring_lists(conn, &viewer)?;
            let counts = (requests.len(), mentees.len());
            requests.truncate(5);
            Ok((needs, procurements, waiting, failed, (requests, counts)))
        })
        .await;
    // How many candidates match each need listed: the officer sees where to start.
    let data = match data {
        Ok((mut needs, procurements, waiting, failed, lists)) => {
            let ids: Vec<String> = needs.iter().map(|n| n.id.clone()).collect();
            let entities = state
                .db
                .read(move |conn| -> Result<Vec<_>, AppError> {
                    ids.iter()
                        .map(|id| Ok(crate::search::load(conn, Record::Need, id)?))
                        .collect()
                })
                .await;
            match entities {
                Ok(entities) => {
                    for (n, e) in needs.iter_mut().zip(entities) {
                        let hits =
                            crate::matching::top(&state, e, heartland_index::Kind::Candidate, 10)
                                .await;
                        n.matching = hits.ok().map(|h| h.iter().filter(|h| !h.related).count());
                    }
                    Ok((needs, procurements, waiting, failed, lists))
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match data {
        Ok((needs, procurements, waiting, failed, (requests, (asking, mentees)))) => {
            let page = Dashboard {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                needs,
                procurements,
                waiting,
                failed,
                requests,
                mentoring_counts: c
                    .tr
                    .t("dashboard.mentoring_counts")
                    .replace("{0}", &asking.to_string())
                    .replace("{1}", &mentees.to_string()),
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/"),
    }
}
