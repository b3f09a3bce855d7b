//! Create, read, list, replace, update and delete for every record type, written once.

use super::error::AppError;
use super::session::Caller;
use super::{body, rfc3339, AppState};
use crate::db::{ListFilter, Record, RecordRow, User};
use crate::domain::{FieldErrors, Municipality};
use crate::policy::{View, Viewer};
use crate::records::{store, RecordType};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use heartland_index::Gazetteer;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// A record as one viewer sees it.
fn render<R: RecordType>(row: &RecordRow, view: View, person: Option<&User>) -> Value {
    let mut data: Map<String, Value> = serde_json::from_str(&row.data).unwrap_or_default();
    if view == View::Pseudonymous {
        for field in R::PRIVATE_FIELDS {
            data.remove(*field);
        }
    } else {
        data.insert("owner_id".into(), json!(row.owner_id));
    }
    let place = Gazetteer::get().lookup_key(&row.municipality);
    data.insert("id".into(), json!(row.id));
    data.insert("county".into(), json!(row.county));
    data.insert(
        "municipality_name".into(),
        json!(place.map(|p| p.name.as_str())),
    );
    data.insert("created_at".into(), json!(rfc3339(row.created_at)));
    data.insert("updated_at".into(), json!(rfc3339(row.updated_at)));
    if let Some(u) = person {
        data.insert(
            "person".into(),
            json!({"name": u.display_name, "email": u.email, "phone": u.phone, "locale": u.locale}),
        );
    }
    Value::Object(data)
}

/// An organisation's `verified` and `suspended`, from moderation.
fn with_standing(mut v: Value, standing: Option<&(bool, bool)>) -> Value {
    if let (Some((verified, suspended)), Value::Object(o)) = (standing, &mut v) {
        o.insert("verified".into(), json!(verified));
        o.insert("suspended".into(), json!(suspended));
    }
    v
}

fn private(res: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, "no-store"))
}

/// `POST /api/v1/{records}`. The caller is looked up inside the write's own transaction (one
/// trip to the blocking pool and one connection); an unknown token is told 401 before anything
/// about the body.
pub async fn create<R: RecordType>(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let valid = match body::json::<R::Input>(&req, payload, state.settings.max_body_bytes).await {
        Ok(input) => R::validate(input).map_err(AppError::Validation),
        Err(e) => Err(e),
    };
    let settings = state.settings.clone();
    let row = state
        .write(move |c| {
            let viewer = caller.viewer(c)?;
            store::create::<R>(c, &viewer, valid?, &settings)
        })
        .await?;
    let location = format!("/api/v1/{}/{}", R::PATH, row.id);
    Ok(private(&mut HttpResponse::Created())
        .insert_header((header::LOCATION, location))
        .json(render::<R>(&row, View::Full, None)))
}

pub async fn show<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let reader = viewer.clone();
    let (body, read) = state
        .db
        .read(move |c| -> Result<(Value, Vec<String>), AppError> {
            let (row, view) = store::visible_row::<R>(c, &viewer, &id)?;
            let person = match R::RECORD {
                Record::Candidate | Record::Mentor if viewer.sees_person(&row) => {
                    User::by_id(c, &row.owner_id)?
                }
                _ => None,
            };
            let read = match R::RECORD {
                Record::Candidate | Record::Mentor if view == View::Full => {
                    vec![row.owner_id.clone()]
                }
                _ => Vec::new(),
            };
            let standing = match R::RECORD {
                Record::Organisation => store::standing_of(c, std::slice::from_ref(&row))?,
                _ => Default::default(),
            };
            Ok((
                with_standing(
                    render::<R>(&row, view, person.as_ref()),
                    standing.get(&row.id),
                ),
                read,
            ))
        })
        .await?;
    let what = format!(
        "GET /api/v1/{}/{}",
        R::PATH,
        body["id"].as_str().unwrap_or_default()
    );
    crate::web::reads::log(&state, &reader, read, what).await?;
    Ok(private(&mut HttpResponse::Ok()).json(body))
}

/// `PUT` (`REPLACE`: the body is the whole record) and `PATCH` (its fields are merged over
/// the stored record, one level deep).
pub async fn update<R: RecordType, const REPLACE: bool>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (id, replace) = (id.into_inner(), REPLACE);
    let patch = body::json_value(&req, payload, state.settings.max_body_bytes).await?;
    let row = state
        .write(move |c| store::change::<R>(c, &viewer, &id, patch, replace))
        .await?;
    Ok(private(&mut HttpResponse::Ok()).json(render::<R>(&row, View::Full, None)))
}

pub async fn delete<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .write(move |c| store::delete::<R>(c, &viewer, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub municipality: Option<String>,
    pub county: Option<String>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub organisation_id: Option<String>,
}

pub const LIST_DEFAULT: i64 = 50;
pub const LIST_MAX: i64 = 200;

fn list_filter<R: RecordType>(q: ListQuery) -> Result<ListFilter, AppError> {
    let mut errors = FieldErrors::new();
    let limit = q.limit.unwrap_or(LIST_DEFAULT);
    if !(1..=LIST_MAX).contains(&limit) {
        errors.add("limit", format!("must be between 1 and {LIST_MAX}"));
    }
    let after = body::cursor(&mut errors, q.cursor.as_deref());
    let municipality = q
        .municipality
        .as_deref()
        .and_then(|m| errors.take("municipality", Municipality::parse_key(m)))
        .map(|m| m.key());
    let county = q.county.map(|c| c.to_ascii_uppercase());
    if let Some(c) = &county {
        if !Gazetteer::get().has_county(c) {
            errors.add(
                "county",
                "is not a county code such as SE-20 (Dalarna) or NO-50 (Trøndelag)",
            );
        }
    }
    if let Some(s) = &q.status {
        if !R::STATUSES.contains(&s.as_str()) {
            errors.add(
                "status",
                format!("must be one of: {}", R::STATUSES.join(", ")),
            );
        }
    }
    errors.into_result().map_err(AppError::Validation)?;
    Ok(ListFilter {
        municipality,
        county,
        status: q.status,
        kind: q.kind,
        organisation_id: q.organisation_id,
        after,
        limit,
    })
}

pub async fn list<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let mut filter = list_filter::<R>(body::query(&req)?)?;
    let page = filter.limit;
    filter.limit = page + 1;
    let visible = viewer.visible(R::RECORD);
    let reader = viewer.clone();
    let (body, read) = state
        .db
        .read(move |c| -> Result<(Value, Vec<String>), AppError> {
            let mut rows = R::RECORD.list(c, &visible, &filter)?;
            let more = rows.len() as i64 > page;
            rows.truncate(page as usize);
            let next = more
                .then(|| rows.last().map(|r| body::next_cursor(&r.id)))
                .flatten();
            let standing = match R::RECORD {
                Record::Organisation => store::standing_of(c, &rows)?,
                _ => Default::default(),
            };
            let shown = store::visible_rows(c, &viewer, R::RECORD, rows)?;
            let read: Vec<String> = match R::RECORD {
                Record::Candidate | Record::Mentor => shown
                    .iter()
                    .filter(|(_, v)| *v == View::Full)
                    .map(|(r, _)| r.owner_id.clone())
                    .collect(),
                _ => Vec::new(),
            };
            let items: Vec<Value> = shown
                .iter()
                .map(|(r, v)| with_standing(render::<R>(r, *v, None), standing.get(&r.id)))
                .collect();
            Ok((json!({"items": items, "next_cursor": next}), read))
        })
        .await?;
    crate::web::reads::log(&state, &reader, read, format!("GET /api/v1/{}", R::PATH)).await?;
    Ok(private(&mut HttpResponse::Ok()).json(body))
}
