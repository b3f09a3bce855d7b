//! Moderation: an officer vouches for who publishes. An organisation that registers itself is
//! `unverified` until an officer of its municipality verifies it (its number valid, its name
//! as the company says); until then its needs and offers are matched with no one and seen by
//! no one but its members and officers. An officer may suspend an organisation or an account:
//! it leaves matching at once, its open introductions are withdrawn and the parties told; a
//! reinstatement brings it back. Anyone signed in may report what they see. Every decision is
//! audited (ids only) and told to those it concerns.

pub mod reports;

use crate::config::Settings;
use crate::db::holds::{self, ORGANISATION, SUSPENDED, UNVERIFIED, USER};
use crate::db::{self, DbConn, ListFilter, Record, RecordRow, User, Visible};
use crate::error::AppError;
use crate::policy::{Role, Viewer};
use crate::records::store::{journal, Op};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// What moderation says of an organisation or an account.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Standing {
    pub id: String,
    /// `organisation` or `user`.
    pub kind: String,
    pub verified: bool,
    pub suspended: bool,
    /// The officer's reason for a suspension.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    /// Why: told to those it concerns, kept in the audit log.
    pub reason: String,
}

/// An organisation or an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Organisation,
    User,
}

impl Subject {
    fn kind(self) -> &'static str {
        match self {
            Subject::Organisation => ORGANISATION,
            Subject::User => USER,
        }
    }
}

pub fn standing(conn: &mut DbConn, subject: Subject, id: &str) -> Result<Standing, AppError> {
    let on = holds::on(conn, subject.kind(), id)?;
    let suspended = on.iter().find(|(r, _, _)| r == SUSPENDED);
    Ok(Standing {
        id: id.to_string(),
        kind: subject.kind().to_string(),
        verified: !on.iter().any(|(r, _, _)| r == UNVERIFIED),
        suspended: suspended.is_some(),
        reason: suspended.map(|(_, note, _)| note.clone()),
    })
}

/// The organisation, when the viewer is an officer acting for its municipality.
fn organisation_in_scope(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
) -> Result<RecordRow, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only a business officer moderates"));
    }
    let org = Record::Organisation
        .find(conn, id)?
        .ok_or(AppError::NotFound)?;
    if !viewer.in_scope(&org.municipality) {
        return Err(AppError::forbidden(
            "the organisation lies outside the municipalities you act for",
        ));
    }
    Ok(org)
}

/// The account, when the viewer is an officer acting for a municipality where the person has a
/// profile or an organisation (an admin: anyone); staff accounts only by an admin.
fn user_in_scope(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<User, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only a business officer moderates"));
    }
    let user = User::by_id(conn, id)?.ok_or(AppError::NotFound)?;
    if user.id == viewer.user_id {
        return Err(AppError::forbidden("you cannot suspend yourself"));
    }
    let staff = matches!(user.role.as_str(), "officer" | "admin");
    if viewer.role == Role::Admin {
        return Ok(user);
    }
    if staff {
        return Err(AppError::forbidden("only an administrator suspends staff"));
    }
    let mut places = Vec::new();
    for r in Record::ALL {
        places.extend(
            r.owned_by(conn, &user.id)?
                .into_iter()
                .map(|r| r.municipality),
        );
    }
    let orgs = User::organisations(conn, &user.id)?;
    for org in Record::Organisation.find_many(conn, &orgs)? {
        places.push(org.municipality);
    }
    if places.iter().any(|p| viewer.in_scope(p)) {
        Ok(user)
    } else {
        Err(AppError::forbidden(
            "the person has nothing in the municipalities you act for",
        ))
    }
}

/// The records whose matching a hold on `subject` changes: an organisation's needs, offers and
/// procurements; a person's profiles and what they own. Each gets an index event.
fn reindex(conn: &mut DbConn, subject: Subject, id: &str) -> Result<Vec<String>, AppError> {
    let mut ids = Vec::new();
    for record in [
        Record::Need,
        Record::Offer,
        Record::Procurement,
        Record::Candidate,
        Record::Mentor,
    ] {
        let rows = match subject {
            Subject::Organisation if matches!(record, Record::Candidate | Record::Mentor) => {
                continue
            }
            Subject::Organisation => {
                let filter = ListFilter {
                    organisation_id: Some(id.to_string()),
                    limit: 100_000,
                    ..ListFilter::default()
                };
                record.list(conn, &Visible::All, &filter)?
            }
            Subject::User => record.owned_by(conn, id)?,
        };
        for row in rows {
            journal(conn, record, &row.id, Op::Upsert)?;
            ids.push(row.id);
        }
    }
    Ok(ids)
}

/// Who hears of a decision: an organisation's members, or the person.
fn concerned(conn: &mut DbConn, subject: Subject, id: &str) -> Result<Vec<User>, AppError> {
    let ids = match subject {
        Subject::Organisation => User::members(conn, id)?,
        Subject::User => vec![id.to_string()],
    };
    let mut out = Vec::new();
    for i in ids {
        out.extend(User::by_id(conn, &i)?);
    }
    Ok(out)
}

/// The name a notice gives the subject.
fn subject_title(conn: &mut DbConn, subject: Subject, id: &str) -> Result<String, AppError> {
    Ok(match subject {
        Subject::Organisation => Record::Organisation
            .find(conn, id)?
            .map(|o| {
                crate::records::store::title_of(&serde_json::from_str(&o.data).unwrap_or_default())
            })
            .unwrap_or_default(),
        Subject::User => User::by_id(conn, id)?
            .map(|u| u.display_name)
            .unwrap_or_default(),
    })
}

fn tell(
    conn: &mut DbConn,
    viewer: &Viewer,
    subject: Subject,
    id: &str,
    template: &str,
    reason: &str,
    settings: &Settings,
) -> Result<(), AppError> {
    let title = subject_title(conn, subject, id)?;
    let officer = User::by_id(conn, &viewer.user_id)?;
    let (officer_name, officer_email) = officer
        .map(|o| (o.display_name, o.email))
        .unwrap_or_default();
    let link = match subject {
        Subject::Organisation => format!("{}/company", settings.base_url()),
        Subject::User => format!("{}/account", settings.base_url()),
    };
    for u in concerned(conn, subject, id)? {
        db::enqueue_email(
            conn,
            db::NewEmail {
                recipient_user_id: Some(&u.id),
                to_address: &u.email,
                template,
                locale: &u.locale,
                params: json!({"recipient_name": u.display_name, "subject_title": title,
                               "note": reason, "officer_name": officer_name,
                               "officer_email": officer_email, "link": link}),
                introduction_id: None,
            },
            &settings.mail_domain(),
        )?;
    }
    Ok(())
}

fn in_scope(
    conn: &mut DbConn,
    viewer: &Viewer,
    subject: Subject,
    id: &str,
) -> Result<(), AppError> {
    match subject {
        Subject::Organisation => organisation_in_scope(conn, viewer, id).map(drop),
        Subject::User => user_in_scope(conn, viewer, id).map(drop),
    }
}

/// An officer vouches for an organisation that registered itself.
pub fn verify(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    settings: &Settings,
) -> Result<Standing, AppError> {
    organisation_in_scope(conn, viewer, id)?;
    if holds::lift(conn, ORGANISATION, id, UNVERIFIED)? {
        reindex(conn, Subject::Organisation, id)?;
        db::audit(
            conn,
            Some(&viewer.user_id),
            "organisation_verified",
            ORGANISATION,
            Some(id),
            json!({}),
        )?;
        tell(
            conn,
            viewer,
            Subject::Organisation,
            id,
            "organisation_verified",
            "",
            settings,
        )?;
    }
    standing(conn, Subject::Organisation, id)
}

/// Suspends an organisation or an account: out of matching at once, open introductions
/// withdrawn (the parties told), an account's sessions and tokens ended.
pub fn suspend(
    conn: &mut DbConn,
    viewer: &Viewer,
    subject: Subject,
    id: &str,
    reason: &str,
    settings: &Settings,
) -> Result<Standing, AppError> {
    let reason = crate::domain::BoundedText::paragraphs(reason, 2000)
        .map_err(|m| AppError::invalid("reason", m))?
        .into_string();
    if reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "must not be empty"));
    }
    in_scope(conn, viewer, subject, id)?;
    if holds::put(
        conn,
        subject.kind(),
        id,
        SUSPENDED,
        &reason,
        Some(&viewer.user_id),
    )? {
        let records = reindex(conn, subject, id)?;
        let people: Vec<String> = match subject {
            Subject::User => vec![id.to_string()],
            Subject::Organisation => Vec::new(),
        };
        let withdrawn = crate::introductions::withdraw_held(
            conn,
            &records,
            &people,
            &viewer.user_id,
            settings,
        )?;
        if subject == Subject::User {
            db::accounts::revoke_all(conn, id)?;
        }
        db::audit(
            conn,
            Some(&viewer.user_id),
            "suspended",
            subject.kind(),
            Some(id),
            json!({"introductions_withdrawn": withdrawn}),
        )?;
        tell(
            conn,
            viewer,
            subject,
            id,
            "moderation_suspended",
            &reason,
            settings,
        )?;
    }
    standing(conn, subject, id)
}

pub fn reinstate(
    conn: &mut DbConn,
    viewer: &Viewer,
    subject: Subject,
    id: &str,
    settings: &Settings,
) -> Result<Standing, AppError> {
    in_scope(conn, viewer, subject, id)?;
    if holds::lift(conn, subject.kind(), id, SUSPENDED)? {
        reindex(conn, subject, id)?;
        db::audit(
            conn,
            Some(&viewer.user_id),
            "reinstated",
            subject.kind(),
            Some(id),
            json!({}),
        )?;
        tell(
            conn,
            viewer,
            subject,
            id,
            "moderation_reinstated",
            "",
            settings,
        )?;
    }
    standing(conn, subject, id)
}

/// Whether an account is suspended (it may not sign in).
pub fn is_suspended(conn: &mut DbConn, user_id: &str) -> Result<bool, AppError> {
    Ok(holds::on(conn, USER, user_id)?
        .iter()
        .any(|(r, _, _)| r == SUSPENDED))
}
