//! Opening the dialogue: the list of suppliers to invite (every supplier with an offer the
//! ranking finds under the track's hard rules, cross-border suppliers included, plus those the
//! officer adds), which the officer sees before sending; taking one off needs a reason, which
//! is kept. The invitations then go in one transaction, with the same text, to every supplier
//! on the list.

use super::{as_buyer, notice_link, organisation_label, Notice};
use crate::db::schema::{dialogue_invitations as iv, dialogues as dl};
use crate::db::{self, DbConn, NewEmail, Record, User};
use crate::error::AppError;
use crate::policy::Viewer;
use crate::services::Services;
use diesel::prelude::*;
use heartland_index::Kind;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

/// Suppliers the ranking is asked for at most.
const RANKED_MAX: usize = 500;
/// A reason for taking a supplier off the list, at most.
const REASON_MAX: usize = 500;

/// One supplier on the list.
#[derive(Debug, Clone, Serialize)]
pub struct Invitee {
    pub organisation_id: String,
    pub name: String,
    pub country: String,
    /// The best-ranked offer of the supplier, if the ranking found it.
    pub offer_id: Option<String>,
    pub offer_title: String,
    pub score: Option<f64>,
    /// `ranking` or `officer`.
    pub source: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    pub organisation_id: String,
    /// Why the supplier is not invited (kept in the dialogue record).
    pub reason: String,
}

/// `POST /api/v1/procurements/{id}/dialogue`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDialogue {
    pub notice: Notice,
    /// Offer or organisation ids to invite beside those the ranking finds.
    #[serde(default)]
    pub invite: Vec<String>,
    /// Suppliers the ranking found that are not to be invited, each with the reason.
    #[serde(default)]
    pub remove: Vec<Removal>,
}

/// The suppliers whose offers the ranking finds for the procurement, each once (its best
/// offer), best first.
pub async fn ranked(
    services: &Services,
    viewer: &Viewer,
    id: &str,
) -> Result<Vec<Invitee>, AppError> {
    let (v, i) = (viewer.clone(), id.to_string());
    let query = services
        .db
        .read(move |c| -> Result<_, AppError> {
            let b = as_buyer(c, &v, &i)?;
            Ok(crate::search::load_row(c, Record::Procurement, &b.row)?)
        })
        .await?;
    let Some(query) = query else {
        return Ok(Vec::new());
    };
    let hits = if query.open_to(heartland_index::Track::Procurement).is_ok() {
        crate::matching::ranked(services, query, Kind::Offer, RANKED_MAX, 0)
            .await?
            .0
    } else {
        Vec::new()
    };
    services
        .db
        .read(move |c| -> Result<Vec<Invitee>, AppError> {
            let ids: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
            let offers = Record::Offer.find_many(c, &ids)?;
            let mut out: Vec<Invitee> = Vec::new();
            for h in &hits {
                let Some(offer) = offers.iter().find(|o| o.id == h.id) else {
                    continue;
                };
                let Some(org) = offer.organisation_id.clone() else {
                    continue;
                };
                if out.iter().any(|i| i.organisation_id == org) {
                    continue;
                }
                let (name, country, _) = organisation_label(c, &org)?;
                out.push(Invitee {
                    organisation_id: org,
                    name,
                    country,
                    offer_id: Some(offer.id.clone()),
                    offer_title: h.title.clone(),
                    score: Some(h.score),
                    source: "ranking".into(),
                });
            }
            Ok(out)
        })
        .await
}

/// The supplier an id names: an offer's organisation, or a supplier or company organisation.
fn named_supplier(conn: &mut DbConn, id: &str) -> Result<Option<Invitee>, AppError> {
    let (org, offer) = match Record::Offer.find(conn, id)? {
        Some(o) => match o.organisation_id.clone() {
            Some(org) => (org, Some(o)),
            None => return Ok(None),
        },
        None => match Record::Organisation.find(conn, id)? {
            Some(o) if matches!(o.kind.as_str(), "supplier" | "company") => (o.id, None),
            _ => return Ok(None),
        },
    };
    let (name, country, _) = organisation_label(conn, &org)?;
    let offer_title = offer
        .as_ref()
        .and_then(|o| serde_json::from_str::<Value>(&o.data).ok())
        .and_then(|d| d["title"].as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(Some(Invitee {
        organisation_id: org,
        name,
        country,
        offer_id: offer.map(|o| o.id),
        offer_title,
        score: None,
        source: "officer".into(),
    }))
}

/// What [`open`] did: who was invited, and who was taken off the list and why.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    pub invited: Vec<Invitee>,
    pub removed: Vec<(Invitee, String)>,
}

/// Opens the dialogue: the notice, the invitations (the ranked list, plus `invite`, less
/// `remove`), one email each with the same text, and the status `dialogue`; all in the
/// caller's transaction. `ranked` is [`ranked`]'s list, made before the transaction began.
pub fn open(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    input: OpenDialogue,
    ranked: Vec<Invitee>,
    settings: &crate::config::Settings,
) -> Result<Opened, AppError> {
    let b = as_buyer(conn, viewer, id)?;
    if b.status() != "planned" || b.dialogue.is_some() {
        return Err(AppError::Conflict(format!(
            "the dialogue can be opened only once, while the procurement is planned (it is {})",
            b.status()
        )));
    }
    let notice = input.notice.checked("notice")?;
    let mut list = ranked;
    for (i, named) in input.invite.iter().enumerate() {
        let field = format!("invite[{i}]");
        if !db::plausible_id(named) {
            return Err(AppError::invalid(&field, "names no offer or supplier"));
        }
        let s = named_supplier(conn, named)?
            .ok_or_else(|| AppError::invalid(&field, "names no offer or supplier"))?;
        if !list.iter().any(|x| x.organisation_id == s.organisation_id) {
            list.push(s);
        }
    }
    let mut removed = Vec::new();
    for (i, r) in input.remove.iter().enumerate() {
        let field = format!("remove[{i}].reason");
        if r.reason.trim().is_empty() {
            return Err(AppError::invalid(
                &field,
                "say why this supplier is not invited: the reason is kept in the dialogue record",
            ));
        }
        let reason = crate::domain::BoundedText::parse(&r.reason, 1, REASON_MAX, false)
            .map_err(|m| AppError::invalid(&field, m))?
            .into_string();
        let at = list
            .iter()
            .position(|x| x.organisation_id == r.organisation_id)
            .ok_or_else(|| {
                AppError::invalid(
                    &format!("remove[{i}].organisation_id"),
                    "is not on the list of suppliers to invite",
                )
            })?;
        removed.push((list.remove(at), reason));
    }
    let at = db::now();
    diesel::insert_into(dl::table)
        .values((
            dl::procurement_id.eq(&b.row.id),
            dl::notice.eq(serde_json::to_string(&notice).map_err(anyhow::Error::from)?),
            dl::opened_by.eq(&viewer.user_id),
            dl::opened_at.eq(at),
        ))
        .execute(conn)?;
    super::set_status(conn, viewer, &b.row.id, "dialogue")?;
    let b = as_buyer(conn, viewer, id)?;
    let (buyer_name, _, _) =
        organisation_label(conn, b.row.organisation_id.as_deref().unwrap_or(""))?;
    for s in &list {
        let mut outbox_id = None;
        if let Some(member) = User::first_member(conn, &s.organisation_id)? {
            if let Some(user) = User::by_id(conn, &member)? {
                let params = json!({
                    "recipient_name": user.display_name,
                    "procurement_title": b.title(), "buyer": buyer_name,
                    "notice": b.notice_text(&user.locale),
                    "dialogue_deadline": b.data["dialogue_deadline"], "tender_planned": b.data["tender_planned"],
                    "link": notice_link(&settings.base_url(), &b.row.id),
                });
                outbox_id = Some(db::enqueue_email(
                    conn,
                    NewEmail {
                        recipient_user_id: Some(&user.id),
                        to_address: &user.email,
                        template: "dialogue_invitation",
                        locale: &user.locale,
                        params,
                        introduction_id: None,
                    },
                    &settings.mail_domain(),
                )?);
            }
        }
        insert(conn, &b.row.id, s, None, viewer, Some(at), outbox_id)?;
    }
    for (s, reason) in &removed {
        insert(conn, &b.row.id, s, Some(reason), viewer, None, None)?;
    }
    db::audit(
        conn,
        Some(&viewer.user_id),
        "dialogue_opened",
        "procurement",
        Some(&b.row.id),
        json!({"invited": list.len(), "removed": removed.len()}),
    )?;
    Ok(Opened {
        invited: list,
        removed,
    })
}

fn insert(
    conn: &mut DbConn,
    procurement: &str,
    s: &Invitee,
    removed: Option<&str>,
    viewer: &Viewer,
    invited_at: Option<time::PrimitiveDateTime>,
    outbox_id: Option<String>,
) -> QueryResult<usize> {
    diesel::insert_into(iv::table)
        .values((
            iv::id.eq(db::new_id()),
            iv::procurement_id.eq(procurement),
            iv::organisation_id.eq(&s.organisation_id),
            iv::offer_id.eq(&s.offer_id),
            iv::source.eq(&s.source),
            iv::score.eq(s.score),
            iv::removed_reason.eq(removed),
            iv::decided_by.eq(&viewer.user_id),
            iv::invited_at.eq(invited_at),
            iv::outbox_id.eq(outbox_id),
        ))
        .execute(conn)
}

/// An invitation as the dialogue record shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = iv)]
pub struct Invitation {
    pub id: String,
    pub organisation_id: String,
    pub offer_id: Option<String>,
    pub source: String,
    pub score: Option<f64>,
    pub removed_reason: Option<String>,
    pub invited_at: Option<time::PrimitiveDateTime>,
    pub outbox_id: Option<String>,
}

/// The invitations of a procurement, those sent first.
pub fn of(conn: &mut DbConn, procurement: &str) -> QueryResult<Vec<Invitation>> {
    iv::table
        .filter(iv::procurement_id.eq(procurement))
        .order((iv::invited_at.is_null(), iv::score.desc(), iv::id.asc()))
        .select(Invitation::as_select())
        .load(conn)
}
