//! What a supplier sees of the market dialogue on its own page: the dialogues it registered
//! for or was invited to, and the procurements in dialogue that the ranking finds for its
//! offers (the same ranking that chose whom to invite).

use super::{buyer, Buyer};
use crate::db::schema::{dialogue_invitations as iv, dialogue_registrations as rg};
use crate::db::{ListFilter, Record};
use crate::error::AppError;
use crate::policy::Viewer;
use crate::services::Services;
use diesel::prelude::*;
use heartland_index::Kind;

/// One of the supplier's dialogues.
pub struct Mine {
    pub procurement: Buyer,
    pub registered: bool,
    pub invited: bool,
}

/// The dialogues the viewer's organisations registered for or were invited to, newest first.
pub fn dialogues(conn: &mut crate::db::DbConn, viewer: &Viewer) -> Result<Vec<Mine>, AppError> {
    if viewer.organisations.is_empty() {
        return Ok(Vec::new());
    }
    let registered: Vec<String> = rg::table
        .filter(rg::organisation_id.eq_any(&viewer.organisations))
        .select(rg::procurement_id)
        .load(conn)?;
    let invited: Vec<String> = iv::table
        .filter(iv::organisation_id.eq_any(&viewer.organisations))
        .filter(iv::invited_at.is_not_null())
        .select(iv::procurement_id)
        .load(conn)?;
    let mut ids: Vec<&String> = registered.iter().chain(invited.iter()).collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids.into_iter().rev() {
        let b = buyer(conn, id)?;
        if b.status() == "planned" {
            continue;
        }
        out.push(Mine {
            registered: registered.contains(id),
            invited: invited.contains(id),
            procurement: b,
        });
    }
    Ok(out)
}

/// Procurements in dialogue that match the viewer's offers, best first, at most `n`; those in
/// `except` (already among the supplier's dialogues) left out.
pub async fn matching_notices(
    services: &Services,
    viewer: &Viewer,
    except: Vec<String>,
    n: usize,
) -> Result<Vec<Buyer>, AppError> {
    let v = viewer.clone();
    let queries = services
        .db
        .read(move |conn| -> Result<Vec<_>, AppError> {
            let mut out = Vec::new();
            for org in &v.organisations {
                let filter = ListFilter {
                    organisation_id: Some(org.clone()),
                    limit: 50,
                    ..Default::default()
                };
                for row in Record::Offer.list(conn, &v.visible(Record::Offer), &filter)? {
                    out.push(crate::search::load_row(conn, Record::Offer, &row)?);
                }
            }
            Ok(out)
        })
        .await?;
    let mut best: Vec<(String, f64)> = Vec::new();
    for q in queries {
        for h in crate::matching::top(services, q, Kind::Procurement, 10).await? {
            if except.contains(&h.id) {
                continue;
            }
            match best.iter_mut().find(|(id, _)| *id == h.id) {
                Some(b) => b.1 = b.1.max(h.score),
                None => best.push((h.id.clone(), h.score)),
            }
        }
    }
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    services
        .db
        .read(move |conn| -> Result<Vec<Buyer>, AppError> {
            let mut out = Vec::new();
            for (id, _) in best {
                let b = buyer(conn, &id)?;
                if b.status() == "dialogue" {
                    out.push(b);
                }
                if out.len() == n {
                    break;
                }
            }
            Ok(out)
        })
        .await
}
