//! The market dialogue for everyone and for suppliers: the public list of procurements in
//! dialogue per county (also an Atom feed), the public notice of one, and on it — for a
//! signed-in supplier — registration of interest, questions, the published answers and
//! summaries, and booking or cancelling a 1:1 meeting. The officer's side is
//! [`super::dialogue_officer`].

use super::*;
use crate::dialogue::{self, record, Buyer};
use crate::web::endpoint::{endpoint, Endpoint};
use actix_web::http::Method;
use heartland_index::Cpv;

/// The pages' routes.
pub fn endpoints(e: &mut Vec<Endpoint>) {
    let p = "pages";
    // Before `/procurements/{id}`: `manage` and `new` are not ids.
    super::procurement_form::endpoints(e);
    e.extend([
        endpoint(
            Method::GET,
            "/procurements",
            "Procurements in early dialogue, per county (public)",
            p,
        )
        .to(list)
        .public(),
        endpoint(
            Method::GET,
            "/feeds/procurements.atom",
            "Atom feed of procurements in dialogue, per county (public fields only)",
            p,
        )
        .to(feed)
        .public(),
        endpoint(
            Method::GET,
            "/feeds/needs.atom",
            "Atom feed of open KTP development needs of verified organisations, per county (public fields only)",
            p,
        )
        .to(crate::web::feeds::needs)
        .public(),
        endpoint(
            Method::GET,
            "/procurements/{id}",
            "A procurement's public notice; a registered supplier's dialogue",
            p,
        )
        .to(notice)
        .public(),
    ]);
    for (action, what) in [
        (
            "register",
            "A supplier registers its interest (the page's form)",
        ),
        ("ask", "A registered supplier asks (the page's form)"),
        (
            "book",
            "A registered supplier books a 1:1 slot (the page's form)",
        ),
        (
            "cancel",
            "A registered supplier cancels its booking (the page's form)",
        ),
    ] {
        e.push(
            endpoint(
                Method::POST,
                format!("/procurements/{{id}}/{action}"),
                what,
                p,
            )
            .to(act)
            .public()
            .responses(&[(303, "Done: back to the notice")]),
        );
    }
    super::dialogue_officer::endpoints(e);
}

/// A procurement as lists and the notice show it.
pub struct NoticeLine {
    pub id: String,
    pub title: String,
    pub buyer: String,
    pub place: String,
    pub deadline: String,
    pub deadline_iso: String,
    pub tender: String,
    pub tender_iso: String,
    pub status_key: String,
    pub notice: String,
    pub codes: Vec<(String, String)>,
    pub value: String,
    pub opened_at: String,
}

pub(crate) fn notice_line(
    conn: &mut db::DbConn,
    b: &Buyer,
    tr: Tr,
) -> Result<NoticeLine, AppError> {
    let (buyer, _, _) =
        dialogue::organisation_label(conn, b.row.organisation_id.as_deref().unwrap_or(""))?;
    let s = |k: &str| b.data[k].as_str().unwrap_or("").to_string();
    let cpv = Cpv::get();
    let codes = b.data["cpv_codes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|c| {
            (
                c.to_string(),
                cpv.label(c, tr.locale).unwrap_or_default().to_string(),
            )
        })
        .collect();
    let value = match (
        b.data["estimated_value"]["amount"].as_f64(),
        b.data["estimated_value"]["currency"].as_str(),
    ) {
        (Some(a), Some(c)) => format!("{} {c}", (a.round() as i64)),
        _ => String::new(),
    };
    Ok(NoticeLine {
        id: b.row.id.clone(),
        title: b.title().to_string(),
        buyer,
        place: super::forms::place_label(&b.row.municipality),
        deadline: tr.date(&s("dialogue_deadline")),
        deadline_iso: s("dialogue_deadline"),
        tender: tr.date(&s("tender_planned")),
        tender_iso: s("tender_planned"),
        status_key: format!("dialogue.status.{}", b.status()),
        notice: b.notice_text(tr.locale),
        codes,
        value,
        opened_at: b
            .dialogue
            .as_ref()
            .map(|d| crate::error::rfc3339(d.opened_at))
            .unwrap_or_default(),
    })
}

/// The counties of the programme's region, for the list's filter.
const COUNTIES: &[(&str, &str)] = &[
    ("SE-20", "Dalarna"),
    ("SE-17", "Värmland"),
    ("NO-34", "Innlandet"),
    ("NO-50", "Trøndelag"),
];

#[derive(Debug, Deserialize)]
pub struct CountyQuery {
    pub county: Option<String>,
}

pub(crate) fn county_of(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let q: CountyQuery = body::query(req)?;
    match q.county.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) if c.len() <= 8 && c.chars().all(|x| x.is_ascii_alphanumeric() || x == '-') => {
            Ok(Some(c.to_ascii_uppercase()))
        }
        Some(_) => Err(AppError::invalid(
            "county",
            "must be a county code such as SE-20 or NO-34",
        )),
    }
}

#[derive(Template)]
#[template(path = "pages/procurements.html")]
struct ListPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    items: Vec<NoticeLine>,
    county: String,
    counties: &'static [(&'static str, &'static str)],
}

/// `GET /procurements?county=`: procurements in dialogue.
pub async fn list(state: web::Data<AppState>, req: HttpRequest, c: Ctx) -> HttpResponse {
    let county = match county_of(&req) {
        Ok(x) => x,
        Err(e) => return error_page(&c, e, "/procurements"),
    };
    let (tr, cq) = (c.tr, county.clone());
    let items = state
        .db
        .read(move |conn| -> Result<Vec<NoticeLine>, AppError> {
            record::public(conn, cq.as_deref())?
                .iter()
                .map(|b| notice_line(conn, b, tr))
                .collect()
        })
        .await;
    match items {
        Ok(items) => {
            let page = ListPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                items,
                county: county.unwrap_or_default(),
                counties: COUNTIES,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/"),
    }
}

/// `GET /feeds/procurements.atom?county=`: the same list as Atom (RFC 4287), public fields only.
pub async fn feed(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let county = county_of(&req)?;
    let base = state.settings.base_url();
    let cq = county.clone();
    let tr = Tr::new("en");
    let items = state
        .db
        .read(move |conn| -> Result<Vec<NoticeLine>, AppError> {
            record::public(conn, cq.as_deref())?
                .iter()
                .map(|b| notice_line(conn, b, tr))
                .collect()
        })
        .await?;
    let self_link = match &county {
        Some(c) => format!("{base}/feeds/procurements.atom?county={c}"),
        None => format!("{base}/feeds/procurements.atom"),
    };
    let entries: Vec<crate::web::feeds::Entry> = items
        .into_iter()
        .map(|i| crate::web::feeds::Entry {
            link: format!("{base}/procurements/{}", i.id),
            summary: format!(
                "{} – {}. Dialogue until {}; tender planned {}. {}",
                i.buyer, i.place, i.deadline_iso, i.tender_iso, i.notice
            ),
            updated: i.opened_at,
            author: i.buyer,
            categories: i.codes,
            title: i.title,
        })
        .collect();
    let title = format!(
        "Heartland Match: procurements in early dialogue{}",
        county
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    Ok(crate::web::feeds::atom(
        &title,
        &self_link,
        &format!("{base}/procurements"),
        &entries,
    ))
}

/// What a signed-in supplier sees of its dialogue.
#[derive(Default)]
pub struct SupplierView {
    pub registered: bool,
    pub organisations: Vec<(String, String)>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub questions: Vec<QuestionLine>,
    pub conference: Option<SlotLine>,
    pub slots: Vec<SlotLine>,
    pub summaries: Vec<(String, String)>,
    pub booked: bool,
}

pub struct QuestionLine {
    pub id: String,
    pub text: String,
    pub mine: bool,
    pub asked_by: String,
    pub answers: Vec<(i64, String)>,
}

pub struct SlotLine {
    pub id: String,
    pub when: String,
    pub minutes: i64,
    pub place: String,
    pub booked: bool,
    pub mine: bool,
    pub booked_by: String,
    pub held: bool,
}

pub(crate) fn slot_line(tr: Tr, v: &Value) -> SlotLine {
    let at = v["starts_at"].as_str().unwrap_or("");
    let (day, clock) = at.split_once('T').unwrap_or((at, ""));
    SlotLine {
        id: v["id"].as_str().unwrap_or("").to_string(),
        when: format!("{} {clock}", tr.date(day)),
        minutes: v["minutes"].as_i64().unwrap_or(0),
        place: v["place"].as_str().unwrap_or("").to_string(),
        booked: v["booked"].as_bool().unwrap_or(false),
        mine: v["mine"].as_bool().unwrap_or(false),
        booked_by: v["booked_by"]["name"].as_str().unwrap_or("").to_string(),
        held: false,
    }
}

pub(crate) fn question_lines(v: &Value) -> Vec<QuestionLine> {
    v["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|q| QuestionLine {
            id: q["id"].as_str().unwrap_or("").to_string(),
            text: q["text"].as_str().unwrap_or("").to_string(),
            mine: q["mine"].as_bool().unwrap_or(false),
            asked_by: q["asked_by"]["name"].as_str().unwrap_or("").to_string(),
            answers: q["answers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    (
                        a["version"].as_i64().unwrap_or(1),
                        a["text"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect(),
        })
        .collect()
}

pub(crate) fn summaries(v: &Value, tr: Tr) -> Vec<(String, String)> {
    v["meetings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let last = m["public_summaries"].as_array()?.last()?;
            let at = m["starts_at"].as_str().unwrap_or("");
            let (day, clock) = at.split_once('T').unwrap_or((at, ""));
            Some((
                format!("{} {clock}", tr.date(day)),
                last["text"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect()
}

fn supplier_view(
    conn: &mut db::DbConn,
    viewer: &Viewer,
    b: &Buyer,
    tr: Tr,
) -> Result<SupplierView, AppError> {
    let mut s = SupplierView::default();
    for o in &viewer.organisations {
        if let Some(row) = Record::Organisation.find(conn, o)? {
            if matches!(row.kind.as_str(), "supplier" | "company") {
                let (name, _, _) = dialogue::organisation_label(conn, o)?;
                s.organisations.push((o.clone(), name));
            }
        }
    }
    if let Some(u) = User::by_id(conn, &viewer.user_id)? {
        s.contact_name = u.display_name;
        s.contact_email = u.email;
        s.contact_phone = u.phone.unwrap_or_default();
    }
    if dialogue::registration_of(conn, viewer, &b.row.id)?.is_none() {
        return Ok(s);
    }
    let v = record::view(conn, viewer, &b.row.id)?;
    s.registered = true;
    s.questions = question_lines(&v);
    s.conference = v["conference"]
        .is_object()
        .then(|| slot_line(tr, &v["conference"]));
    s.slots = v["slots"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| slot_line(tr, x))
        .collect();
    s.booked = s.slots.iter().any(|x| x.mine);
    s.summaries = summaries(&v, tr);
    Ok(s)
}

#[derive(Template)]
#[template(path = "pages/procurement_notice.html")]
struct NoticePage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    n: NoticeLine,
    signed_in: bool,
    officer: bool,
    supplier: Option<SupplierView>,
    open: bool,
}

/// `GET /procurements/{id}`: the public notice; a supplier's dialogue; the officer's way in.
pub async fn notice(state: web::Data<AppState>, id: web::Path<String>, c: Ctx) -> HttpResponse {
    let (id, tr, viewer) = (id.into_inner(), c.tr, c.viewer.clone());
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let b = dialogue::buyer(conn, &id)?;
            if b.status() == "planned"
                && !viewer
                    .as_ref()
                    .is_some_and(|v| v.in_scope(&b.row.municipality))
            {
                // Not announced yet: only its officers see it here.
                return Err(AppError::NotFound);
            }
            let n = notice_line(conn, &b, tr)?;
            let officer = viewer
                .as_ref()
                .is_some_and(|v| v.in_scope(&b.row.municipality));
            let supplier = match &viewer {
                Some(v) if !v.is_officer() => Some(supplier_view(conn, v, &b, tr)?),
                _ => None,
            };
            Ok((n, officer, supplier, b.status() == "dialogue"))
        })
        .await;
    match data {
        Ok((n, officer, supplier, open)) => {
            let page = NoticePage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                n,
                signed_in: c.viewer.is_some(),
                officer,
                supplier,
                open,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/procurements"),
    }
}

/// `POST /procurements/{id}/{register|ask|book|cancel}`.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let action = req.path().rsplit('/').next().unwrap_or("").to_string();
    let back = format!("/procurements/{id}");
    let mut f: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (k, v) in form_urlencoded::parse(&body) {
        f.insert(k.into_owned(), v.into_owned());
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let viewer = match checked_post(&state, &req, &c, &get("csrf_token")) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    use crate::dialogue::{exchange, meetings};
    let settings = state.settings.clone();
    let (slot, text) = (get("slot_id"), get("text"));
    let done = match action.as_str() {
        "register" => {
            let input = exchange::Register {
                organisation_id: get("organisation_id"),
                contact: exchange::Contact {
                    name: get("contact_name"),
                    email: get("contact_email"),
                    phone: Some(get("contact_phone")),
                },
            };
            state
                .write(move |conn| {
                    exchange::register(conn, &viewer, &id, input, &settings).map(drop)
                })
                .await
        }
        "ask" => {
            state
                .write(move |conn| {
                    exchange::ask(conn, &viewer, &id, exchange::TextBody { text }).map(drop)
                })
                .await
        }
        "book" => {
            state
                .write(move |conn| meetings::book(conn, &viewer, &id, &slot, &settings).map(drop))
                .await
        }
        "cancel" => {
            state
                .write(move |conn| meetings::cancel(conn, &viewer, &id, &slot, &settings))
                .await
        }
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(()) => see_other(&format!("{back}#dialogue")),
        Err(e) => error_page(&c, e, &back),
    }
}
