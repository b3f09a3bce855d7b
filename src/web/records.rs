//! Create, read, list, replace, update and delete for every record type, written once.

use super::error::AppError;
use super::{body, rfc3339, AppState};
use crate::config::Settings;
use crate::db::{self, DbConn, ListFilter, Record, RecordRow, User};
use crate::domain::{FieldErrors, Municipality};
use crate::policy::{View, Viewer};
use crate::records::{Person, RecordType, Valid, CONSENT_TEXT_VERSION};
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

fn private(res: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, "no-store"))
}

/// The organisation a record belongs to, which must exist and be of a kind the record allows.
fn organisation_of<R: RecordType>(
    conn: &mut DbConn,
    valid: &Valid,
) -> Result<Option<RecordRow>, AppError> {
    let Some(id) = &valid.organisation_id else {
        return Ok(None);
    };
    let org = Record::Organisation
        .find(conn, id)?
        .ok_or_else(|| AppError::invalid("organisation_id", "no organisation has this id"))?;
    if !R::ORGANISATION_KINDS.contains(&org.kind.as_str()) {
        let kinds = R::ORGANISATION_KINDS.join(" or ");
        return Err(AppError::invalid(
            "organisation_id",
            format!("must be an organisation of kind {kinds}"),
        ));
    }
    Ok(Some(org))
}

/// The row a validated body describes.
fn row_from(
    valid: &Valid,
    org: Option<&RecordRow>,
    id: String,
    owner: String,
) -> Result<RecordRow, AppError> {
    let municipality = match (valid.municipality, org) {
        (Some(m), _) => m,
        (None, Some(o)) => {
            Municipality::parse_key(&o.municipality).map_err(|e| anyhow::anyhow!(e))?
        }
        (None, None) => return Err(AppError::invalid("municipality", "is required")),
    };
    let now = db::now();
    Ok(RecordRow {
        id,
        owner_id: owner,
        organisation_id: valid.organisation_id.clone(),
        municipality: municipality.key(),
        county: municipality.county_key(),
        kind: valid.kind.clone(),
        status: valid.status.clone(),
        data: valid.data.to_string(),
        created_at: now,
        updated_at: now,
    })
}

/// The owner of a new record: the viewer, or for a profile an officer records, the person.
fn owner_of<R: RecordType>(
    conn: &mut DbConn,
    viewer: &Viewer,
    valid: &Valid,
) -> Result<(String, Option<Person>), AppError> {
    let profile = matches!(R::RECORD, Record::Candidate | Record::Mentor);
    match (&valid.person, profile && viewer.is_officer()) {
        (Some(_), false) => Err(AppError::invalid(
            "person",
            "only an officer records a profile for someone else",
        )),
        (None, true) => Err(AppError::invalid(
            "person",
            "is required when an officer records a profile for a person",
        )),
        (None, false) => Ok((viewer.user_id.clone(), None)),
        (Some(p), true) => {
            // The person has an account already: it is theirs to add a profile to (and to
            // consent from). An officer never attaches a record to someone's account unasked.
            if User::by_email(conn, p.email.as_str())?.is_some() {
                return Err(AppError::ConflictOn {
                    field: "person.email".into(),
                    message: "this address already has an account: ask the person to sign in \
                              and add the profile themselves"
                        .into(),
                });
            }
            let new = db::NewUser {
                email: p.email.as_str(),
                display_name: &p.name,
                phone: p.phone.as_deref(),
                locale: &p.locale,
                role: R::RECORD.name(),
                password_hash: None,
                verified: true,
            };
            Ok((User::insert(conn, &new)?, Some(p.clone())))
        }
    }
}

/// Writes what recording a profile for a new person calls for: the attested consents, the
/// email telling them, and an audit entry (ids only).
fn recorded_for_person(
    conn: &mut DbConn,
    viewer: &Viewer,
    row: &RecordRow,
    valid: &Valid,
    person: &Person,
    settings: &Settings,
) -> Result<(), AppError> {
    let purposes: Vec<&str> = valid.consents.iter().map(String::as_str).collect();
    db::record_consents(
        conn,
        &row.owner_id,
        &purposes,
        CONSENT_TEXT_VERSION,
        Some(&viewer.user_id),
    )?;
    let link = format!("{}/me", settings.base_url());
    let email = db::NewEmail {
        recipient_user_id: Some(&row.owner_id),
        to_address: person.email.as_str(),
        template: "profile_recorded_by_officer",
        locale: &person.locale,
        params: json!({"record_kind": row.kind, "record_id": row.id, "link": link,
                       "consents": valid.consents, "recipient_name": person.name}),
        introduction_id: None,
    };
    db::enqueue_email(conn, email, &settings.mail_domain())?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "profile_recorded_for_person",
        &row.kind,
        Some(&row.id),
        json!({"person_id": row.owner_id, "consents": valid.consents}),
    )?;
    Ok(())
}

/// Validated record → row, with everything the creation writes beside it.
pub(crate) fn insert<R: RecordType>(
    conn: &mut DbConn,
    viewer: &Viewer,
    valid: Valid,
    settings: &Settings,
) -> Result<RecordRow, AppError> {
    let org = organisation_of::<R>(conn, &valid)?;
    let (owner, new_person) = owner_of::<R>(conn, viewer, &valid)?;
    let row = row_from(&valid, org.as_ref(), db::new_id(), owner)?;
    if !viewer.may_create(R::RECORD, &row) {
        return Err(AppError::forbidden(format!(
            "you may not create this {}",
            R::RECORD.name()
        )));
    }
    if matches!(R::RECORD, Record::Candidate | Record::Mentor)
        && R::RECORD.exists_for_owner(conn, &row.owner_id)?
    {
        return Err(AppError::Conflict(format!(
            "this person already has a {} profile",
            R::RECORD.name()
        )));
    }
    R::RECORD.insert(conn, &row)?;
    db::index_event(conn, R::RECORD.name(), &row.id, "upsert")?;
    db::accounts::touch_user(conn, &viewer.user_id)?;
    if R::RECORD == Record::Organisation && !viewer.is_officer() {
        User::join_organisation(conn, &viewer.user_id, &row.id, "owner")?;
    }
    if let Some(person) = &new_person {
        recorded_for_person(conn, viewer, &row, &valid, person, settings)?;
    }
    Ok(row)
}

pub async fn create<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let input: R::Input = body::json(&req, payload, state.settings.max_body_bytes).await?;
    let valid = R::validate(input).map_err(AppError::Validation)?;
    let st = state.clone();
    let v = viewer.clone();
    let row = state
        .db
        .write(move |c| insert::<R>(c, &v, valid, &st.settings))
        .await?;
    state.mailer.wake();
    let location = format!("/api/v1/{}/{}", R::PATH, row.id);
    Ok(private(&mut HttpResponse::Created())
        .insert_header((header::LOCATION, location))
        .json(render::<R>(&row, View::Full, None)))
}

/// The row, if the viewer may see it; else 404, whether or not it exists.
fn visible_row<R: RecordType>(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
) -> Result<(RecordRow, View), AppError> {
    let row = R::RECORD.find(conn, id)?.ok_or(AppError::NotFound)?;
    let view = viewer.view_of(R::RECORD, &row).ok_or(AppError::NotFound)?;
    Ok((row, view))
}

pub async fn show<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = state
        .db
        .read(move |c| -> Result<Value, AppError> {
            let (row, view) = visible_row::<R>(c, &viewer, &id)?;
            let person = match R::RECORD {
                Record::Candidate | Record::Mentor if viewer.sees_person(&row) => {
                    User::by_id(c, &row.owner_id)?
                }
                _ => None,
            };
            Ok(render::<R>(&row, view, person.as_ref()))
        })
        .await?;
    Ok(private(&mut HttpResponse::Ok()).json(body))
}

/// Applies `patch` over the stored record (JSON merge, one level) or replaces it.
fn merged(stored: &str, patch: Value, replace: bool) -> Result<Value, AppError> {
    let Value::Object(patch) = patch else {
        return Err(AppError::malformed("the body must be a JSON object", None));
    };
    if replace {
        return Ok(Value::Object(patch));
    }
    let mut base: Map<String, Value> =
        serde_json::from_str(stored).map_err(|e| anyhow::anyhow!(e))?;
    base.extend(patch);
    Ok(Value::Object(base))
}

pub(crate) fn change<R: RecordType>(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    patch: Value,
    replace: bool,
) -> Result<RecordRow, AppError> {
    let (old, _) = visible_row::<R>(conn, viewer, id)?;
    if !viewer.may_change(R::RECORD, &old) {
        return Err(AppError::forbidden(format!(
            "you may not change this {}",
            R::RECORD.name()
        )));
    }
    let input: R::Input = body::from_value(merged(&old.data, patch, replace)?)?;
    let valid = R::validate(input).map_err(AppError::Validation)?;
    if valid.person.is_some() || !valid.consents.is_empty() {
        return Err(AppError::Validation(FieldErrors::single(
            "person",
            "is given only when the profile is created",
        )));
    }
    let stored: Value = serde_json::from_str(&old.data).unwrap_or_default();
    let mut fixed = FieldErrors::new();
    for field in viewer.fixed_fields(R::RECORD) {
        if stored.get(*field) != valid.data.get(*field) {
            fixed.add(
                *field,
                "is set when the record is registered; ask your business officer to change it",
            );
        }
    }
    fixed.into_result().map_err(AppError::Validation)?;
    let org = organisation_of::<R>(conn, &valid)?;
    let mut row = row_from(&valid, org.as_ref(), old.id.clone(), old.owner_id.clone())?;
    row.created_at = old.created_at;
    if !viewer.may_change(R::RECORD, &row) {
        return Err(AppError::forbidden(
            "the change would move the record out of what you may change",
        ));
    }
    R::RECORD.update(conn, &row)?;
    db::index_event(conn, R::RECORD.name(), &row.id, "upsert")?;
    db::accounts::touch_user(conn, &viewer.user_id)?;
    Ok(row)
}

async fn update_with<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: String,
    req: HttpRequest,
    payload: web::Payload,
    replace: bool,
) -> Result<HttpResponse, AppError> {
    let patch = body::json_value(&req, payload, state.settings.max_body_bytes).await?;
    let row = state
        .db
        .write(move |c| change::<R>(c, &viewer, &id, patch, replace))
        .await?;
    Ok(private(&mut HttpResponse::Ok()).json(render::<R>(&row, View::Full, None)))
}

pub async fn replace<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    update_with::<R>(state, viewer, id.into_inner(), req, payload, true).await
}

pub async fn update<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    update_with::<R>(state, viewer, id.into_inner(), req, payload, false).await
}

pub async fn delete<R: RecordType>(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db
        .write(move |c| -> Result<(), AppError> {
            let (row, _) = visible_row::<R>(c, &viewer, &id)?;
            if !viewer.may_change(R::RECORD, &row) {
                return Err(AppError::forbidden(format!(
                    "you may not delete this {}",
                    R::RECORD.name()
                )));
            }
            R::RECORD.delete(c, &row.id)?;
            db::index_event(c, R::RECORD.name(), &row.id, "delete")?;
            Ok(())
        })
        .await?;
    state.search.wake();
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
    let body = state
        .db
        .read(move |c| -> Result<Value, AppError> {
            let mut rows = R::RECORD.list(c, &visible, &filter)?;
            let more = rows.len() as i64 > page;
            rows.truncate(page as usize);
            let next = more
                .then(|| rows.last().map(|r| body::next_cursor(&r.id)))
                .flatten();
            let items: Vec<Value> = rows
                .iter()
                .filter_map(|r| {
                    viewer
                        .view_of(R::RECORD, r)
                        .map(|v| render::<R>(r, v, None))
                })
                .collect();
            Ok(json!({"items": items, "next_cursor": next}))
        })
        .await?;
    Ok(private(&mut HttpResponse::Ok()).json(body))
}
