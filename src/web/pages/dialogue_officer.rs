//! The buyer's officer runs the dialogue: before opening, the list of suppliers the invitations
//! will go to (take one off with a reason, add another) and the notice in each language; once
//! open, the registrations with their contacts, the questions with an answer form that
//! publishes to all, the conference and 1:1 slots with their bookings and minutes, the
//! equal-treatment check, the move to tender, and the printable dialogue record.

use super::dialogue::{notice_line, question_lines, slot_line, NoticeLine, QuestionLine, SlotLine};
use super::*;
use crate::dialogue::invitations::{self, Invitee, OpenDialogue, Removal};
use crate::dialogue::meetings::{self, MinutesInput, SlotsInput};
use crate::dialogue::{self, exchange, record, Notice};
use crate::web::endpoint::{endpoint, Endpoint};
use actix_web::http::Method;

pub fn endpoints(e: &mut Vec<Endpoint>) {
    let p = "pages";
    e.push(
        endpoint(
            Method::GET,
            "/procurements/{id}/dialogue",
            "The buyer's officer runs the dialogue",
            p,
        )
        .to(manage),
    );
    e.push(
        endpoint(
            Method::GET,
            "/procurements/{id}/dialogue/record",
            "The dialogue record, printable (officers in scope)",
            p,
        )
        .to(record_page),
    );
    for (action, what) in [
        (
            "open",
            "Opens the dialogue and sends the invitations (the page's form)",
        ),
        (
            "answer",
            "Publishes an answer to every registered supplier (the page's form)",
        ),
        (
            "slots",
            "Offers the conference or 1:1 slots (the page's form)",
        ),
        ("minutes", "Records a meeting's minutes (the page's form)"),
        (
            "tender",
            "Moves the procurement to tender (the page's form)",
        ),
    ] {
        e.push(
            endpoint(
                Method::POST,
                format!("/procurements/{{id}}/dialogue/{action}"),
                what,
                p,
            )
            .to(act)
            .public()
            .responses(&[(303, "Done: back to the dialogue")]),
        );
    }
}

pub struct Registered {
    pub name: String,
    pub country: String,
    pub contact: String,
    pub at: String,
}

pub struct InvitationLine {
    pub name: String,
    pub country: String,
    pub score: String,
    pub invited: bool,
    pub reason: String,
}

pub struct MeetingLine {
    pub slot: SlotLine,
    pub kind: String,
    pub summary: String,
    pub confidential: String,
}

#[derive(Template)]
#[template(path = "pages/dialogue_manage.html")]
struct ManagePage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    n: NoticeLine,
    /// `planned`, `dialogue`, `tendered` or `closed`.
    status: String,
    planned: bool,
    open: bool,
    candidates: Vec<Invitee>,
    others: Vec<(String, String)>,
    notice_sv: String,
    notice_nb: String,
    notice_en: String,
    invitations: Vec<InvitationLine>,
    registered: Vec<Registered>,
    questions: Vec<QuestionLine>,
    meetings: Vec<MeetingLine>,
    delivered: i64,
    published: i64,
    missing: Vec<String>,
}

/// Supplier organisations the officer may add by hand (not on the list already), by name.
fn others(conn: &mut db::DbConn, on_list: &[Invitee]) -> Result<Vec<(String, String)>, AppError> {
    let filter = db::ListFilter {
        kind: Some("supplier".into()),
        status: Some("active".into()),
        limit: 300,
        ..Default::default()
    };
    let mut out = Vec::new();
    for row in Record::Organisation.list(conn, &db::Visible::All, &filter)? {
        if on_list.iter().any(|i| i.organisation_id == row.id) {
            continue;
        }
        let (name, country, _) = dialogue::organisation_label(conn, &row.id)?;
        out.push((row.id, format!("{name} ({country})")));
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// `GET /procurements/{id}/dialogue`.
pub async fn manage(
    state: web::Data<AppState>,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/procurements/{id}");
    let (v, i) = (viewer.clone(), id.clone());
    let planned = match state
        .db
        .read(move |conn| dialogue::as_buyer(conn, &v, &i))
        .await
    {
        Ok(b) => b.status() == "planned",
        Err(e) => return error_page(&c, e, &back),
    };
    let candidates = if planned {
        match invitations::ranked(&state, &viewer, &id).await {
            Ok(l) => l,
            Err(e) => return error_page(&c, e, &back),
        }
    } else {
        Vec::new()
    };
    let tr = c.tr;
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let b = dialogue::as_buyer(conn, &viewer, &id)?;
            let n = notice_line(conn, &b, tr)?;
            let others = if planned {
                others(conn, &candidates)?
            } else {
                Vec::new()
            };
            let notice = b.dialogue.as_ref().map(|d| d.notice()).unwrap_or_default();
            let description = b.data["description"].as_str().unwrap_or("").to_string();
            let v = record::view(conn, &viewer, &id)?;
            Ok((
                n,
                b.status().to_string(),
                candidates,
                others,
                notice,
                description,
                v,
            ))
        })
        .await;
    let (n, status, candidates, others, notice, description, v) = match data {
        Ok(x) => x,
        Err(e) => return error_page(&c, e, &back),
    };
    let s = |x: &Value| x.as_str().unwrap_or("").to_string();
    let invitations_list = v["invitations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| InvitationLine {
            name: s(&i["name"]),
            country: s(&i["country"]),
            score: i["score"]
                .as_f64()
                .map(|x| c.tr.percent(&x))
                .unwrap_or_default(),
            invited: i["invited_at"].is_string(),
            reason: s(&i["removed_reason"]),
        })
        .collect();
    let registered = v["registrations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| Registered {
            name: s(&r["name"]),
            country: s(&r["country"]),
            contact: format!(
                "{} · {} {}",
                s(&r["contact"]["name"]),
                s(&r["contact"]["email"]),
                s(&r["contact"]["phone"])
            ),
            at: s(&r["registered_at"]).chars().take(10).collect(),
        })
        .collect();
    let mut all_slots: Vec<&Value> = Vec::new();
    if v["conference"].is_object() {
        all_slots.push(&v["conference"]);
    }
    all_slots.extend(v["slots"].as_array().into_iter().flatten());
    let held = |sid: &str| {
        v["meetings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["slot_id"] == sid)
    };
    let meetings = all_slots
        .into_iter()
        .map(|x| {
            let m = held(x["id"].as_str().unwrap_or(""));
            let mut slot = slot_line(c.tr, x);
            slot.held = m.is_some();
            MeetingLine {
                kind: s(&x["kind"]),
                summary: m
                    .and_then(|m| {
                        m["public_summaries"]
                            .as_array()?
                            .last()
                            .map(|p| s(&p["text"]))
                    })
                    .unwrap_or_default(),
                confidential: m.map(|m| s(&m["confidential"])).unwrap_or_default(),
                slot,
            }
        })
        .collect();
    let et = &v["equal_treatment"];
    let missing = et["missing"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            format!(
                "{} – {} {} ({})",
                s(&m["name"]),
                s(&m["kind"]),
                m["version"],
                s(&m["status"])
            )
        })
        .collect();
    let or_desc = |t: &Option<String>| t.clone().unwrap_or_default();
    let page = ManagePage {
        tr: c.tr,
        nav: c.nav(),
        csrf: &c.csrf,
        n,
        planned,
        open: status == "dialogue",
        status: status.clone(),
        candidates,
        others,
        notice_sv: if planned {
            description.clone()
        } else {
            or_desc(&notice.sv)
        },
        notice_nb: or_desc(&notice.nb),
        notice_en: or_desc(&notice.en),
        invitations: invitations_list,
        registered,
        questions: question_lines(&v),
        meetings,
        delivered: et["delivered"].as_i64().unwrap_or(0),
        published: et["published"].as_i64().unwrap_or(0),
        missing,
    };
    respond(&c, StatusCode::OK, page.render())
}

/// `POST /procurements/{id}/dialogue/{open|answer|slots|minutes|tender}`.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let action = req.path().rsplit('/').next().unwrap_or("").to_string();
    let back = format!("/procurements/{id}/dialogue");
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(&body) {
        pairs.push((k.into_owned(), v.into_owned()));
    }
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let viewer = match checked_post(&state, &req, &c, &get("csrf_token")) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let settings = state.settings.clone();
    let done: Result<(), AppError> = match action.as_str() {
        "open" => {
            let notice = Notice {
                sv: Some(get("notice_sv")),
                nb: Some(get("notice_nb")),
                en: Some(get("notice_en")),
            };
            // Every supplier on the list is invited unless its box was unticked: then the
            // reason written beside it is needed.
            let listed: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k == "listed")
                .map(|(_, v)| v.clone())
                .collect();
            let kept: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k == "invite")
                .map(|(_, v)| v.clone())
                .collect();
            let remove = listed
                .iter()
                .filter(|o| !kept.contains(o))
                .map(|o| Removal {
                    organisation_id: o.clone(),
                    reason: get(&format!("reason_{o}")),
                })
                .collect();
            let invite = pairs
                .iter()
                .filter(|(k, v)| k == "add" && !v.is_empty())
                .map(|(_, v)| v.clone())
                .collect();
            let input = OpenDialogue {
                notice,
                invite,
                remove,
            };
            match invitations::ranked(&state, &viewer, &id).await {
                Ok(ranked) => {
                    let (v, i) = (viewer.clone(), id.clone());
                    state
                        .write(move |conn| {
                            invitations::open(conn, &v, &i, input, ranked, &settings).map(drop)
                        })
                        .await
                }
                Err(e) => Err(e),
            }
        }
        "answer" => {
            let (qid, text) = (get("question_id"), get("text"));
            state
                .write(move |conn| {
                    exchange::answer(
                        conn,
                        &viewer,
                        &id,
                        &qid,
                        exchange::TextBody { text },
                        &settings,
                    )
                    .map(drop)
                })
                .await
        }
        "slots" => {
            let input = SlotsInput {
                kind: Some(get("kind")),
                starts_at: format!("{}T{}", get("date"), get("time")),
                minutes: get("minutes").trim().parse().unwrap_or(0),
                count: get("count").trim().parse().ok(),
                place: get("place"),
            };
            state
                .write(move |conn| meetings::offer(conn, &viewer, &id, input, &settings).map(drop))
                .await
        }
        "minutes" => {
            let sid = get("slot_id");
            let input = MinutesInput {
                public_summary: get("public_summary"),
                confidential: get("confidential"),
            };
            state
                .write(move |conn| {
                    meetings::minutes(conn, &viewer, &id, &sid, input, &settings).map(drop)
                })
                .await
        }
        "tender" => {
            state
                .write(move |conn| dialogue::tender(conn, &viewer, &id))
                .await
        }
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(()) => see_other(&back),
        Err(e) => error_page(&c, e, &back),
    }
}

#[derive(Template)]
#[template(path = "pages/dialogue_record.html")]
struct RecordPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    n: NoticeLine,
    rows: Vec<[String; 5]>,
    delivered: i64,
    published: i64,
}

/// `GET /procurements/{id}/dialogue/record`: the record as a page to print.
pub async fn record_page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let (id, tr) = (id.into_inner(), c.tr);
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let b = dialogue::as_buyer(conn, &viewer, &id)?;
            Ok((
                notice_line(conn, &b, tr)?,
                record::record(conn, &viewer, &id)?,
            ))
        })
        .await;
    match data {
        Ok((n, v)) => {
            let rows = record::record_rows(&v);
            let et = &v["equal_treatment"];
            let page = RecordPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                n,
                rows,
                delivered: et["delivered"].as_i64().unwrap_or(0),
                published: et["published"].as_i64().unwrap_or(0),
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/dashboard"),
    }
}
