//! What each party sees of a dialogue, the dialogue record (JSON and CSV, to attach to the
//! tender documents), the equal-treatment check (every published answer and summary reached
//! every registered supplier), and the public list of procurements in dialogue.

use super::exchange::{publications, questions, Publication};
use super::meetings::slots;
use super::{as_buyer, buyer, organisation_label, registration_of, registrations, Buyer};
use crate::db::schema::{dialogue_deliveries as dv, outbox};
use crate::db::{DbConn, ListFilter, Record, RecordRow, Visible};
use crate::error::{rfc3339, AppError};
use crate::policy::Viewer;
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;

fn opt_time(t: Option<time::PrimitiveDateTime>) -> Value {
    t.map(rfc3339).map(Value::from).unwrap_or(Value::Null)
}

fn publication_json(p: &Publication) -> Value {
    json!({"id": p.id, "version": p.version, "text": p.text, "published_at": rfc3339(p.published_at)})
}

/// The dialogue as the viewer may see it: the officer in scope all of it; a registered
/// supplier its own registration, its own questions, the published answers (without who
/// asked), the slots (booked or free, and its own), and the public summaries. 404 for anyone
/// else (the notice itself is public: [`public`]).
pub fn view(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<Value, AppError> {
    let b = buyer(conn, id)?;
    let officer = viewer.in_scope(&b.row.municipality);
    let mine = registration_of(conn, viewer, &b.row.id)?;
    if !officer && mine.is_none() {
        if viewer.is_officer() {
            return Err(AppError::forbidden(
                "only business officers of the buyer's municipality see its dialogue",
            ));
        }
        return Err(AppError::NotFound);
    }
    let regs = registrations(conn, &b.row.id)?;
    let mut names: HashMap<String, (String, String, String)> = HashMap::new();
    for r in &regs {
        names.insert(
            r.organisation_id.clone(),
            organisation_label(conn, &r.organisation_id)?,
        );
    }
    let label = |org: &str| -> Value {
        let (n, c, s) = names.get(org).cloned().unwrap_or_default();
        json!({"organisation_id": org, "name": n, "country": c, "size": s})
    };
    let registrations: Vec<Value> = regs
        .iter()
        .filter(|r| officer || mine.as_ref().is_some_and(|m| m.id == r.id))
        .map(|r| {
            let mut v = label(&r.organisation_id);
            v["id"] = json!(r.id);
            v["contact"] =
                json!({"name": r.contact_name, "email": r.contact_email, "phone": r.contact_phone});
            v["registered_at"] = json!(rfc3339(r.created_at));
            v
        })
        .collect();
    let published = publications(conn, &b.row.id)?;
    let org_of_reg = |rid: &str| {
        regs.iter()
            .find(|r| r.id == rid)
            .map(|r| r.organisation_id.clone())
            .unwrap_or_default()
    };
    let questions: Vec<Value> = questions(conn, &b.row.id)?
        .iter()
        .filter_map(|q| {
            let answers: Vec<Value> = published
                .iter()
                .filter(|p| p.question_id.as_deref() == Some(&q.id))
                .map(publication_json)
                .collect();
            let own = mine.as_ref().is_some_and(|m| m.id == q.registration_id);
            if officer {
                Some(json!({"id": q.id, "text": q.text, "asked_at": rfc3339(q.created_at),
                            "asked_by": label(&org_of_reg(&q.registration_id)), "answers": answers}))
            } else if own {
                Some(json!({"id": q.id, "text": q.text, "asked_at": rfc3339(q.created_at),
                            "mine": true, "answers": answers}))
            } else if !answers.is_empty() {
                Some(json!({"text": q.text, "mine": false, "answers": answers}))
            } else {
                None
            }
        })
        .collect();
    let (all_slots, bookings) = slots(conn, &b.row.id)?;
    let slot_json = |s: &super::meetings::Slot| -> Value {
        let booking = bookings.iter().find(|x| x.slot_id == s.id);
        let mut v = json!({"id": s.id, "kind": s.kind, "starts_at": s.starts_at, "minutes": s.minutes,
                           "place": s.place, "time_zone": s.time_zone, "booked": booking.is_some(),
                           "mine": booking.is_some_and(|x| mine.as_ref().is_some_and(|m| m.id == x.registration_id))});
        if officer {
            v["booked_by"] = booking
                .map(|x| label(&org_of_reg(&x.registration_id)))
                .unwrap_or(Value::Null);
        }
        v
    };
    let conference = all_slots
        .iter()
        .find(|s| s.kind == "conference")
        .map(&slot_json)
        .unwrap_or(Value::Null);
    let slot_list: Vec<Value> = all_slots
        .iter()
        .filter(|s| s.kind == "meeting")
        .map(&slot_json)
        .collect();
    let meetings: Vec<Value> = all_slots
        .iter()
        .filter(|s| s.held_at.is_some())
        .map(|s| {
            let summaries: Vec<Value> = published
                .iter()
                .filter(|p| p.slot_id.as_deref() == Some(&s.id))
                .map(publication_json)
                .collect();
            let mut v = json!({"slot_id": s.id, "kind": s.kind, "starts_at": s.starts_at,
                               "held_at": opt_time(s.held_at), "public_summaries": summaries});
            if officer {
                v["confidential"] = json!(s.confidential);
            }
            v
        })
        .collect();
    let mut out = json!({
        "procurement_id": b.row.id, "title": b.title(), "status": b.status(),
        "notice": b.dialogue.as_ref().map(|d| serde_json::to_value(d.notice()).unwrap_or_default()),
        "opened_at": opt_time(b.dialogue.as_ref().map(|d| d.opened_at)),
        "tendered_at": opt_time(b.dialogue.as_ref().and_then(|d| d.tendered_at)),
        "invitations": [], "registrations": registrations, "questions": questions,
        "conference": conference, "slots": slot_list, "meetings": meetings,
    });
    if officer {
        out["invitations"] = Value::Array(invitations_json(conn, &b)?);
        out["equal_treatment"] = equal_treatment(conn, &b)?;
    }
    Ok(out)
}

fn invitations_json(conn: &mut DbConn, b: &Buyer) -> Result<Vec<Value>, AppError> {
    let list = super::invitations::of(conn, &b.row.id)?;
    let mut out = Vec::new();
    for i in list {
        let (name, country, size) = organisation_label(conn, &i.organisation_id)?;
        out.push(
            json!({"organisation_id": i.organisation_id, "name": name, "country": country,
                        "size": size, "offer_id": i.offer_id, "source": i.source, "score": i.score,
                        "invited_at": opt_time(i.invited_at), "removed_reason": i.removed_reason,
                        "emailed": i.outbox_id.is_some()}),
        );
    }
    Ok(out)
}

/// Whether every publication reached every registered supplier: `published` emails expected,
/// `delivered` of them sent, and what has not (yet) reached whom.
pub fn equal_treatment(conn: &mut DbConn, b: &Buyer) -> Result<Value, AppError> {
    let published = publications(conn, &b.row.id)?;
    let regs = registrations(conn, &b.row.id)?;
    let ids: Vec<&str> = published.iter().map(|p| p.id.as_str()).collect();
    let rows: Vec<(String, String, String)> = dv::table
        .inner_join(outbox::table.on(outbox::id.eq(dv::outbox_id)))
        .filter(dv::publication_id.eq_any(ids))
        .select((dv::publication_id, dv::registration_id, outbox::status))
        .load(conn)?;
    let mut expected = 0;
    let mut delivered = 0;
    let mut missing = Vec::new();
    for p in &published {
        for r in &regs {
            expected += 1;
            let status = rows
                .iter()
                .find(|(pid, rid, _)| *pid == p.id && *rid == r.id)
                .map(|(_, _, s)| s.as_str());
            match status {
                Some("sent") => delivered += 1,
                other => {
                    let (name, _, _) = organisation_label(conn, &r.organisation_id)?;
                    missing.push(json!({
                        "publication_id": p.id, "kind": p.kind, "version": p.version,
                        "organisation_id": r.organisation_id, "name": name,
                        "status": match other { Some("failed") => "failed", Some(_) => "pending", None => "not_sent" },
                    }));
                }
            }
        }
    }
    Ok(
        json!({"publications": published.len(), "registered": regs.len(),
              "published": expected, "delivered": delivered,
              "delivered_to_all": delivered == expected, "missing": missing}),
    )
}

/// The dialogue record: what was done, when, and for whom — for the officer in scope.
pub fn record(conn: &mut DbConn, viewer: &Viewer, id: &str) -> Result<Value, AppError> {
    let b = as_buyer(conn, viewer, id)?;
    let mut v = view(conn, viewer, id)?;
    for m in v["meetings"].as_array_mut().into_iter().flatten() {
        if let Some(o) = m.as_object_mut() {
            o.remove("confidential");
        }
    }
    v["buyer"] = json!(organisation_label(conn, b.row.organisation_id.as_deref().unwrap_or(""))?.0);
    v["municipality"] = json!(b.row.municipality);
    Ok(v)
}

/// A CSV field, quoted when it must be; a leading `=+-@` is defused for spreadsheets.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The record's events in time order: time, event, organisation, country, detail.
pub fn record_rows(record: &Value) -> Vec<[String; 5]> {
    let mut rows: Vec<[String; 5]> = Vec::new();
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    for i in record["invitations"].as_array().into_iter().flatten() {
        match i["invited_at"].as_str() {
            Some(at) => rows.push([
                at.into(),
                "invited".into(),
                s(&i["name"]),
                s(&i["country"]),
                s(&i["source"]),
            ]),
            None => rows.push([
                s(&record["opened_at"]),
                "not_invited".into(),
                s(&i["name"]),
                s(&i["country"]),
                s(&i["removed_reason"]),
            ]),
        }
    }
    for r in record["registrations"].as_array().into_iter().flatten() {
        rows.push([
            s(&r["registered_at"]),
            "registered".into(),
            s(&r["name"]),
            s(&r["country"]),
            s(&r["size"]),
        ]);
    }
    for q in record["questions"].as_array().into_iter().flatten() {
        let by = &q["asked_by"];
        rows.push([
            s(&q["asked_at"]),
            "question".into(),
            s(&by["name"]),
            s(&by["country"]),
            s(&q["text"]),
        ]);
        for a in q["answers"].as_array().into_iter().flatten() {
            let event = format!("answer v{}", a["version"]);
            rows.push([
                s(&a["published_at"]),
                event,
                String::new(),
                String::new(),
                s(&a["text"]),
            ]);
        }
    }
    for m in record["meetings"].as_array().into_iter().flatten() {
        for p in m["public_summaries"].as_array().into_iter().flatten() {
            let event = format!(
                "{} {} summary v{}",
                s(&m["kind"]),
                s(&m["starts_at"]),
                p["version"]
            );
            rows.push([
                s(&p["published_at"]),
                event,
                String::new(),
                String::new(),
                s(&p["text"]),
            ]);
        }
    }
    if let Some(at) = record["tendered_at"].as_str() {
        rows.push([
            at.into(),
            "tendered".into(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    rows
}

/// The record as CSV: one event per line, in time order, and the equal-treatment figure.
pub fn record_csv(record: &Value) -> String {
    let mut out = String::from("time,event,organisation,country,detail\r\n");
    for r in record_rows(record) {
        let line: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    let et = &record["equal_treatment"];
    out.push_str(&format!(
        ",equal treatment,,,{} of {} delivered\r\n",
        et["delivered"], et["published"]
    ));
    out
}

/// The procurements in dialogue, newest first, of one county (`SE-20`) or all: public fields.
pub fn public(conn: &mut DbConn, county: Option<&str>) -> Result<Vec<Buyer>, AppError> {
    let filter = ListFilter {
        status: Some("dialogue".into()),
        county: county.map(str::to_string),
        limit: 200,
        ..Default::default()
    };
    let rows: Vec<RecordRow> = Record::Procurement.list(conn, &Visible::All, &filter)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(buyer(conn, &r.id)?);
    }
    out.sort_by(|a, b| {
        let at = |x: &Buyer| x.dialogue.as_ref().map(|d| d.opened_at);
        at(b).cmp(&at(a))
    });
    Ok(out)
}
