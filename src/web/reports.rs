//! `GET /api/v1/reports/indicators` (JSON or CSV) and the officer's `/reports` page: the same
//! numbers, as tables and as bar charts the server draws (SVG).

use super::error::AppError;
use super::pages::Nav;
use super::{body, AppState};
use crate::domain::{FieldErrors, Municipality};
use crate::i18n::Tr;
use crate::policy::Viewer;
use crate::reports::{self, Indicators};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct IndicatorQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub municipality: Option<String>,
    pub format: Option<String>,
    /// The pages' language switch (read by the page context, not here).
    #[serde(rename = "lang")]
    pub _lang: Option<String>,
}

/// The period (default: this year so far) and municipalities of a query, or what is wrong.
fn period(q: &IndicatorQuery) -> Result<(time::Date, time::Date, Vec<String>), AppError> {
    let mut errors = FieldErrors::new();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let today = time::OffsetDateTime::now_utc().date();
    let parse =
        |field: &str, v: &Option<String>, default: time::Date, errors: &mut FieldErrors| match v
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            None => default,
            Some(s) => time::Date::parse(s, fmt).unwrap_or_else(|_| {
                errors.add(field, "must be a date: YYYY-MM-DD");
                default
            }),
        };
    let jan1 =
        time::Date::from_calendar_date(today.year(), time::Month::January, 1).unwrap_or(today);
    let from = parse("from", &q.from, jan1, &mut errors);
    let to = parse("to", &q.to, today, &mut errors);
    if from > to {
        errors.add("to", "must not be before from");
    }
    let municipalities = match q.municipality.as_deref().filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(m) => match Municipality::parse_key(m) {
            Ok(m) => vec![m.key()],
            Err(e) => {
                errors.add("municipality", e);
                Vec::new()
            }
        },
    };
    errors.into_result().map_err(AppError::Validation)?;
    Ok((from, to, municipalities))
}

async fn load(
    state: &web::Data<AppState>,
    viewer: &Viewer,
    q: &IndicatorQuery,
) -> Result<Indicators, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("programme indicators are for officers"));
    }
    let (from, to, municipalities) = period(q)?;
    let targets = reports::Targets::of(&state.settings);
    let mut ind = state
        .db
        .read(move |c| reports::compute(c, from, to, &municipalities))
        .await?;
    ind.targets = targets;
    Ok(ind)
}

/// `GET /api/v1/reports/indicators?from=&to=&municipality=&format=json|csv`.
pub async fn indicators(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let q: IndicatorQuery = body::query(&req)?;
    let format = q.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv") {
        return Err(AppError::invalid("format", "must be json or csv"));
    }
    let ind = load(&state, &viewer, &q).await?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(if format == "csv" {
        res.content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"indicators-{}-{}.csv\"",
                    ind.from, ind.to
                ),
            ))
            .body(ind.to_csv())
    } else {
        res.json(ind.to_json())
    })
}

/// One bar of a chart.
/// One bar of a chart: a table row whose bar is a `<meter>` beside the number, so that the
/// chart is its own accessible table and reads on a phone as on a desk.
pub struct Bar {
    pub label: String,
    pub shown: String,
    pub value: u64,
}

pub struct Chart {
    pub id: String,
    pub title: String,
    pub bars: Vec<Bar>,
    pub max: u64,
}

fn chart(id: &str, title: &str, items: Vec<(String, u64, String)>) -> Chart {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let bars = items
        .into_iter()
        .map(|(label, value, shown)| Bar {
            label,
            shown,
            value,
        })
        .collect::<Vec<_>>();
    Chart {
        id: id.to_string(),
        title: title.to_string(),
        bars,
        max,
    }
}

pub struct Row {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "pages/reports.html")]
struct ReportsPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    from: String,
    to: String,
    /// The municipality as picked (a name with its code).
    municipality: String,
    places: &'static [String],
    csv: String,
    charts: Vec<Chart>,
    participants: Vec<Row>,
    municipalities: Vec<(String, u64, u64, u64)>,
    cross_border: u64,
    mentoring: Vec<Row>,
    dialogue: Vec<Row>,
    businesses: Vec<String>,
    /// The under-represented gender's share, as a percentage, and whether it is under the
    /// programme's minimum.
    balance: Option<(String, bool)>,
    minimum: String,
    /// Each target: its label, the target, what was reached, whether it was met.
    targets: Vec<(String, u64, u64, bool)>,
    /// Placements still in place at 12 months, of those followed up then (counts of people,
    /// suppressed when small).
    in_place: (String, u64),
}

/// The market dialogue's indicators as the page's rows.
fn dialogue_rows(tr: Tr, d: &crate::dialogue::indicators::DialogueIndicators) -> Vec<Row> {
    let row = |label: String, n: u64| Row {
        label,
        value: n.to_string(),
    };
    let mut rows = vec![row(
        tr.t("report.dialogue.opened").to_string(),
        d.dialogues(),
    )];
    for (m, n) in &d.per_municipality {
        let name = heartland_index::Gazetteer::get()
            .lookup_key(m)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| m.clone());
        rows.push(row(
            format!("{} – {name}", tr.t("report.dialogue.opened")),
            *n,
        ));
    }
    rows.push(row(
        tr.t("report.dialogue.registrations").to_string(),
        d.registrations,
    ));
    for (country, key) in [
        ("SE", "report.dialogue.from_se"),
        ("NO", "report.dialogue.from_no"),
    ] {
        rows.push(row(
            tr.t(key).to_string(),
            d.by_country.get(country).copied().unwrap_or(0),
        ));
    }
    for s in ["micro", "small", "medium", "large", "unknown"] {
        rows.push(row(
            format!(
                "{} – {}",
                tr.t("report.dialogue.registrations"),
                tr.t(&format!("report.size.{s}"))
            ),
            d.by_size.get(s).copied().unwrap_or(0),
        ));
    }
    rows.push(row(
        tr.t("report.dialogue.cross_border").to_string(),
        d.cross_border,
    ));
    for (kind, key) in [
        ("conference", "report.dialogue.conferences"),
        ("meeting", "report.dialogue.meetings"),
    ] {
        rows.push(row(
            tr.t(key).to_string(),
            d.meetings_held.get(kind).copied().unwrap_or(0),
        ));
    }
    rows
}

fn shown_text(v: u64) -> String {
    match reports::shown(v) {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let c = match super::pages::context(&state, &req).await {
        Ok(c) => c,
        Err(e) => return super::pages::fallback(e),
    };
    let Some(viewer) = c.viewer.clone() else {
        return super::pages::to_sign_in(&req);
    };
    let mut q: IndicatorQuery = match body::query(&req) {
        Ok(q) => q,
        Err(e) => return super::pages::error_page(&c, e, "/reports"),
    };
    // The page picks a municipality by name, as every other page does ("Mora (SE-2062)").
    let picked = q.municipality.clone().unwrap_or_default();
    q.municipality = q
        .municipality
        .as_deref()
        .map(super::pages::forms::municipality_key)
        .filter(|m| !m.is_empty());
    let ind = match load(&state, &viewer, &q).await {
        Ok(i) => i,
        Err(e) => return super::pages::error_page(&c, e, "/dashboard"),
    };
    let tr = c.tr;
    let tracks = crate::introductions::TRACKS;
    let per_track = tracks
        .iter()
        .map(|t| {
            let n = ind
                .by_track
                .get(*t)
                .and_then(|m| m.get("total"))
                .copied()
                .unwrap_or(0);
            (tr.t(&format!("track.{t}")).to_string(), n, n.to_string())
        })
        .collect();
    let outcomes = [
        "placement",
        "mentoring_started",
        "coaching_started",
        "meeting_held",
        "no_result",
    ]
    .iter()
    .map(|o| {
        let n: u64 = ind.outcomes.values().filter_map(|m| m.get(*o)).sum();
        (tr.t(&format!("outcome.{o}")).to_string(), n, n.to_string())
    })
    .collect();
    let leadership = ["women", "men", "mixed", "unknown"]
        .iter()
        .map(|l| {
            let n = ind.by_leadership.get(*l).copied().unwrap_or(0);
            (
                tr.t(&format!("report.leadership.{l}")).to_string(),
                n,
                n.to_string(),
            )
        })
        .collect();
    let sizes = ["micro", "small", "medium", "large", "unknown"]
        .iter()
        .map(|s| {
            let n = ind.by_size.get(*s).copied().unwrap_or(0);
            (
                tr.t(&format!("report.size.{s}")).to_string(),
                n,
                n.to_string(),
            )
        })
        .collect();
    let charts = vec![
        chart("tracks", tr.t("report.introductions"), per_track),
        chart("outcomes", tr.t("report.outcomes"), outcomes),
        chart(
            "leadership",
            tr.t("report.enterprises_leadership"),
            leadership,
        ),
        chart("sizes", tr.t("report.enterprises_size"), sizes),
    ];
    let mut participants = vec![Row {
        label: tr.t("report.participants").to_string(),
        value: shown_text(ind.participants.len() as u64),
    }];
    for g in ["woman", "man", "non_binary", "undisclosed", "unknown"] {
        participants.push(Row {
            label: tr.t(&format!("report.gender.{g}")).to_string(),
            value: shown_text(ind.by_gender.get(g).copied().unwrap_or(0)),
        });
    }
    for b in ["yes", "no", "unknown"] {
        participants.push(Row {
            label: tr.t(&format!("report.background.{b}")).to_string(),
            value: shown_text(ind.by_background.get(b).copied().unwrap_or(0)),
        });
    }
    let mut mentoring = vec![Row {
        label: tr.t("report.mentees").to_string(),
        value: shown_text(ind.mentees.len() as u64),
    }];
    for g in ["woman", "man", "non_binary", "undisclosed", "unknown"] {
        mentoring.push(Row {
            label: format!(
                "{} – {}",
                tr.t("report.mentees"),
                tr.t(&format!("report.gender.{g}"))
            ),
            value: shown_text(ind.mentees_by_gender.get(g).copied().unwrap_or(0)),
        });
    }
    for b in ["yes", "no", "unknown"] {
        mentoring.push(Row {
            label: format!(
                "{} – {}",
                tr.t("report.mentees"),
                tr.t(&format!("report.background.{b}"))
            ),
            value: shown_text(ind.mentees_by_background.get(b).copied().unwrap_or(0)),
        });
    }
    for k in ["started", "active", "quiet", "ended"] {
        mentoring.push(Row {
            label: tr.t(&format!("report.relationships.{k}")).to_string(),
            value: ind.relationships.get(k).copied().unwrap_or(0).to_string(),
        });
    }
    for o in crate::mentoring::relationships::OUTCOMES {
        mentoring.push(Row {
            label: tr.t(&format!("relationship.outcome.{o}")).to_string(),
            value: ind
                .relationship_outcomes
                .get(o)
                .copied()
                .unwrap_or(0)
                .to_string(),
        });
    }
    let dialogue = dialogue_rows(tr, &ind.dialogue);
    let balance = ind
        .gender_balance()
        .map(|b| (tr.percent(&b), ind.below_gender_minimum()));
    let municipalities = ind
        .by_municipality
        .iter()
        .map(|(m, (n, i, r))| {
            let name = heartland_index::Gazetteer::get()
                .lookup_key(m)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| m.clone());
            (name, *n, *i, *r)
        })
        .collect();
    let municipality = q.municipality.clone().unwrap_or_default();
    // Shown as the place list writes it ("Røros (NO-5025)"), whatever was typed.
    let picked = if municipality.is_empty() {
        picked
    } else {
        super::pages::forms::place_label(&municipality)
    };
    let csv = format!(
        "/api/v1/reports/indicators?format=csv&from={}&to={}{}",
        ind.from,
        ind.to,
        if municipality.is_empty() {
            String::new()
        } else {
            format!("&municipality={municipality}")
        }
    );
    let page = ReportsPage {
        tr,
        nav: c.nav(),
        csrf: &c.csrf,
        from: ind.from.clone(),
        to: ind.to.clone(),
        municipality: picked,
        places: super::pages::forms::place_labels(),
        csv,
        charts,
        participants,
        municipalities,
        cross_border: ind.cross_border,
        mentoring,
        dialogue,
        businesses: ind.businesses.clone(),
        balance,
        minimum: tr.percent(&ind.targets.gender_minimum),
        in_place: (
            reports::shown(ind.in_place_12)
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| ind.in_place_12.to_string()),
            ind.placements_followed_12,
        ),
        targets: ind
            .target_lines()
            .into_iter()
            .map(|t| {
                let met = t.met();
                (
                    tr.t(&format!("report.target.{}", t.key)).to_string(),
                    t.target,
                    t.actual,
                    met,
                )
            })
            .collect(),
    };
    super::pages::respond(&c, actix_web::http::StatusCode::OK, page.render())
}
