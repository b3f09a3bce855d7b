//! Reports on what people see, and the officer's moderation queue: organisations waiting to be
//! verified, open reports, and what is suspended, in the officer's municipalities.

use super::{standing, Standing, Subject};
use crate::db::holds::{self, ORGANISATION, SUSPENDED, UNVERIFIED, USER};
use crate::db::{self, DbConn, Record, User};
use crate::error::{rfc3339, AppError};
use crate::policy::{Role, Viewer};
use crate::records::store::title_of;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// `organisation`, `need`, `candidate`, `mentor`, `procurement` or `offer`.
    pub kind: String,
    pub id: String,
    /// What is wrong, in the reporter's words.
    pub reason: String,
}

/// Reports a record the viewer sees; reporting the same thing again while it is open returns
/// the same report.
pub fn report(conn: &mut DbConn, viewer: &Viewer, r: &ReportRequest) -> Result<String, AppError> {
    let record = Record::parse(&r.kind).ok_or_else(|| {
        AppError::invalid(
            "kind",
            "must be one of: organisation, need, candidate, mentor, procurement, offer",
        )
    })?;
    let reason = crate::domain::BoundedText::paragraphs(&r.reason, 2000)
        .map_err(|m| AppError::invalid("reason", m))?
        .into_string();
    if reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "must not be empty"));
    }
    let row = record.find(conn, &r.id)?.ok_or(AppError::NotFound)?;
    viewer.view_of(record, &row).ok_or(AppError::NotFound)?;
    if let Some(same) = holds::open_report_by(conn, &row.id, &viewer.user_id)? {
        return Ok(same);
    }
    let id = holds::add_report(
        conn,
        record.name(),
        &row.id,
        &row.municipality,
        Some(&viewer.user_id),
        &reason,
    )?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "reported",
        record.name(),
        Some(&row.id),
        json!({"report_id": id}),
    )?;
    Ok(id)
}

/// An officer in scope marks a report dealt with.
pub fn resolve(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<(), AppError> {
    let r = holds::find_report(conn, id)?.ok_or(AppError::NotFound)?;
    if !viewer.is_officer() || !viewer.in_scope(&r.municipality) {
        return Err(AppError::forbidden(
            "the report concerns a municipality you do not act for",
        ));
    }
    if holds::resolve_report(conn, id, &viewer.user_id)? {
        db::audit(
            conn,
            Some(&viewer.user_id),
            "report_resolved",
            "report",
            Some(id),
            json!({}),
        )?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingOrganisation {
    pub id: String,
    pub name: String,
    pub org_number: String,
    pub kind: String,
    pub municipality: String,
    /// When it registered itself.
    pub since: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenReport {
    pub id: String,
    pub subject_kind: String,
    pub subject_id: String,
    /// The reported record's title or name.
    pub subject_title: String,
    pub municipality: String,
    pub reason: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suspended {
    pub standing: Standing,
    pub name: String,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Queue {
    pub waiting: Vec<WaitingOrganisation>,
    pub reports: Vec<OpenReport>,
    pub suspended: Vec<Suspended>,
    /// Records that left matching for want of an answer to "still current?".
    pub stale: Vec<Value>,
    /// People in scope whose address a mail server refused for good: no digests or
    /// newsletters reach them until they correct it.
    pub undeliverable: Vec<Undeliverable>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Undeliverable {
    pub user_id: String,
    pub name: String,
    pub address: String,
    pub reason: String,
    pub bounced_at: String,
}

/// What waits for the officer, in the municipalities they act for (an admin: everywhere).
pub fn queue(conn: &mut DbConn, viewer: &Viewer) -> Result<Queue, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only a business officer moderates"));
    }
    let mut q = Queue::default();
    let waiting = holds::all_of(conn, ORGANISATION, UNVERIFIED)?;
    let ids: Vec<String> = waiting.iter().map(|(id, _, _)| id.clone()).collect();
    let orgs = Record::Organisation.find_many(conn, &ids)?;
    for (id, _, since) in &waiting {
        let Some(o) = orgs.iter().find(|o| &o.id == id) else {
            continue;
        };
        if !viewer.in_scope(&o.municipality) {
            continue;
        }
        let d: Value = serde_json::from_str(&o.data).unwrap_or_default();
        q.waiting.push(WaitingOrganisation {
            id: o.id.clone(),
            name: title_of(&d),
            org_number: d["org_number"].as_str().unwrap_or_default().to_string(),
            kind: o.kind.clone(),
            municipality: o.municipality.clone(),
            since: rfc3339(*since),
        });
    }
    let places = (viewer.role != Role::Admin).then_some(viewer.scopes.as_slice());
    for r in holds::open_reports(conn, places)? {
        let title = Record::parse(&r.subject_kind)
            .map(|rec| rec.find(conn, &r.subject_id))
            .transpose()?
            .flatten()
            .map(|row| title_of(&serde_json::from_str(&row.data).unwrap_or_default()))
            .unwrap_or_default();
        q.reports.push(OpenReport {
            id: r.id,
            subject_kind: r.subject_kind,
            subject_id: r.subject_id,
            subject_title: title,
            municipality: r.municipality,
            reason: r.reason,
            created_at: rfc3339(r.created_at),
        });
    }
    for (subject, kind) in [(Subject::Organisation, ORGANISATION), (Subject::User, USER)] {
        for (id, _, _) in holds::all_of(conn, kind, SUSPENDED)? {
            let name = match subject {
                Subject::Organisation => match Record::Organisation.find(conn, &id)? {
                    Some(o) if viewer.in_scope(&o.municipality) => {
                        title_of(&serde_json::from_str(&o.data).unwrap_or_default())
                    }
                    _ => continue,
                },
                Subject::User => match User::by_id(conn, &id)? {
                    Some(u) if super::user_in_scope(conn, viewer, &id).is_ok() => u.display_name,
                    _ => continue,
                },
            };
            q.suspended.push(Suspended {
                standing: standing(conn, subject, &id)?,
                name,
            });
        }
    }
    q.stale = crate::freshness::stale_in_scope(conn, viewer)?;
    for b in crate::db::bounces::all(conn, 200)? {
        if super::user_in_scope(conn, viewer, &b.user_id).is_err() {
            continue;
        }
        let Some(u) = User::by_id(conn, &b.user_id)? else {
            continue;
        };
        q.undeliverable.push(Undeliverable {
            user_id: b.user_id,
            name: u.display_name,
            address: b.address,
            reason: b.reason,
            bounced_at: rfc3339(b.bounced_at),
        });
    }
    Ok(q)
}
