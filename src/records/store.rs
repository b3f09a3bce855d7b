//! The use case of every record kind: create, change and delete, each writing the row, its
//! index event and what goes with it (consents, an email, the audit) in the caller's
//! transaction. These are the only functions that write a record's index event (see
//! [`journal`]); `Services::write` wakes the indexer once the transaction commits.

use super::{Person, RecordType, Valid, CONSENT_TEXT_VERSION};
use crate::config::Settings;
use crate::db::{self, DbConn, Record, RecordRow, User};
use crate::domain::{FieldErrors, Municipality};
use crate::error::AppError;
use crate::policy::{View, Viewer};
use serde_json::{json, Map, Value};

/// Whether a record was written or is gone: what the search index follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Upsert,
    Delete,
}

/// Writes the change feed's entry for a record: the one writer of `index_events`.
pub fn journal(conn: &mut DbConn, record: Record, id: &str, op: Op) -> Result<(), AppError> {
    let op = match op {
        Op::Upsert => "upsert",
        Op::Delete => "delete",
    };
    Ok(db::index_event(conn, record.name(), id, op)?)
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

/// The viewer did something: their activity is written, unless it was within the hour.
fn touch(conn: &mut DbConn, viewer: &Viewer) -> diesel::QueryResult<()> {
    if viewer.touched_recently {
        return Ok(());
    }
    db::accounts::touch_user(conn, &viewer.user_id)
}

/// Validated record → row, with everything the creation writes beside it.
pub fn create<R: RecordType>(
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
    journal(conn, R::RECORD, &row.id, Op::Upsert)?;
    touch(conn, viewer)?;
    if R::RECORD == Record::Organisation && !viewer.is_officer() {
        User::join_organisation(conn, &viewer.user_id, &row.id, "owner")?;
        // Registered by itself: unverified until an officer of its municipality vouches for it.
        db::holds::put(
            conn,
            db::holds::ORGANISATION,
            &row.id,
            db::holds::UNVERIFIED,
            "",
            None,
        )?;
    }
    if let Some(person) = &new_person {
        recorded_for_person(conn, viewer, &row, &valid, person, settings)?;
    }
    Ok(row)
}

/// The row, if the viewer may see it; else 404, whether or not it exists.
pub fn visible_row<R: RecordType>(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
) -> Result<(RecordRow, View), AppError> {
    let row = R::RECORD.find(conn, id)?.ok_or(AppError::NotFound)?;
    visible_rows(conn, viewer, R::RECORD, vec![row])?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The rows the viewer may see, each with how much of it. A row on hold (its organisation
/// unverified or suspended, its person suspended) is seen by officers, its owner and its
/// organisation's members only.
pub fn visible_rows(
    conn: &mut DbConn,
    viewer: &Viewer,
    record: Record,
    rows: Vec<RecordRow>,
) -> Result<Vec<(RecordRow, View)>, AppError> {
    let held = if viewer.is_officer() {
        Default::default()
    } else {
        db::holds::held_rows(conn, record, &rows)?
    };
    Ok(rows
        .into_iter()
        .filter(|r| {
            !held.contains(&r.id)
                || r.owner_id == viewer.user_id
                || r.organisation_id
                    .as_ref()
                    .is_some_and(|o| viewer.organisations.contains(o))
                || (record == Record::Organisation && viewer.organisations.contains(&r.id))
        })
        .filter_map(|r| viewer.view_of(record, &r).map(|v| (r, v)))
        .collect())
}

/// The name of the organisation a record belongs to, if any.
pub fn organisation_name(conn: &mut DbConn, row: &RecordRow) -> Result<Option<String>, AppError> {
    let Some(org) = &row.organisation_id else {
        return Ok(None);
    };
    Ok(Record::Organisation.find(conn, org)?.and_then(|o| {
        serde_json::from_str::<Value>(&o.data)
            .ok()
            .and_then(|d| d["name"].as_str().map(str::to_string))
    }))
}

/// The title a person reads for a record's data: its title, name or headline.
pub fn title_of(data: &Value) -> String {
    ["title", "name", "headline"]
        .iter()
        .find_map(|k| data[*k].as_str())
        .unwrap_or_default()
        .to_string()
}

/// An open need as the public feed shows it: no owner, no person.
pub struct PublicNeed {
    pub id: String,
    pub title: String,
    pub description: String,
    pub organisation: String,
    pub municipality: String,
    pub start_date: String,
    pub months: i64,
    pub skills: Vec<String>,
    /// RFC 3339.
    pub updated_at: String,
}

/// Open needs of verified, unsuspended organisations, newest first, in a county if given.
pub fn public_needs(
    conn: &mut DbConn,
    county: Option<&str>,
    limit: usize,
) -> Result<Vec<PublicNeed>, AppError> {
    let filter = db::ListFilter {
        county: county.map(str::to_string),
        status: Some("open".into()),
        limit: 10_000,
        ..db::ListFilter::default()
    };
    let mut rows = Record::Need.list(conn, &db::Visible::All, &filter)?;
    let held = db::holds::held_rows(conn, Record::Need, &rows)?;
    rows.retain(|r| !held.contains(&r.id));
    rows.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
    rows.truncate(limit);
    let mut out = Vec::new();
    for r in rows {
        let d: Value = serde_json::from_str(&r.data).unwrap_or_default();
        let organisation = organisation_name(conn, &r)?.unwrap_or_default();
        let text = |k: &str| d[k].as_str().unwrap_or_default().to_string();
        out.push(PublicNeed {
            id: r.id.clone(),
            title: text("title"),
            description: text("description"),
            organisation,
            municipality: r.municipality.clone(),
            start_date: text("start_date"),
            months: d["duration_months"].as_i64().unwrap_or(0),
            skills: d["skills"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            updated_at: r
                .updated_at
                .assume_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Whether each organisation is verified and whether it is suspended (what moderation says).
pub fn standing_of(
    conn: &mut DbConn,
    rows: &[RecordRow],
) -> Result<std::collections::HashMap<String, (bool, bool)>, AppError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let held = db::holds::reasons_among(conn, &ids)?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let on = held.get(&id).map(Vec::as_slice).unwrap_or_default();
            let has = |reason: &str| on.iter().any(|x| x == reason);
            let standing = (!has(db::holds::UNVERIFIED), has(db::holds::SUSPENDED));
            (id, standing)
        })
        .collect())
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

pub fn change<R: RecordType>(
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
    let input: R::Input = crate::error::from_value(merged(&old.data, patch, replace)?)?;
    let valid = R::validate(input).map_err(AppError::Validation)?;
    if valid.status != old.status {
        R::check_status_change(conn, &old, &valid.status)?;
    }
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
    journal(conn, R::RECORD, &row.id, Op::Upsert)?;
    if row.status != old.status {
        R::after_status_change(conn, &row)?;
    }
    touch(conn, viewer)?;
    Ok(row)
}

/// Deletes a record the viewer may change.
pub fn delete<R: RecordType>(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<(), AppError> {
    let (row, _) = visible_row::<R>(conn, viewer, id)?;
    if !viewer.may_change(R::RECORD, &row) {
        return Err(AppError::forbidden(format!(
            "you may not delete this {}",
            R::RECORD.name()
        )));
    }
    R::RECORD.delete(conn, &row.id)?;
    journal(conn, R::RECORD, &row.id, Op::Delete)
}
