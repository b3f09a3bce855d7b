//! The parties' answers: accept or decline, and when both have accepted, each gets the
//! other's contact details; a mentor's places follow.

use super::*;

/// Queues the email asking `party` to answer (`introduction_request` or `_reminder`).
pub(super) fn ask(
    conn: &mut DbConn,
    intro: &Introduction,
    party: Party,
    template: &str,
    settings: &Settings,
) -> Result<(), AppError> {
    let (kind, id, user, _) = intro.side(party);
    let (okind, oid, _, _) = intro.side(party.other());
    let Some(user) = user.map(str::to_string) else {
        return Ok(());
    };
    let Some(user) = User::by_id(conn, &user)? else {
        return Ok(());
    };
    let officer = match &intro.proposed_by {
        Some(o) => User::by_id(conn, o)?,
        None => None,
    };
    let (own_title, _, _) = describe(conn, kind, id)?;
    let (other_title, other_place, other_org) = describe(conn, okind, oid)?;
    let key = settings.link_key().map_err(AppError::Internal)?;
    let expires = intro.expires_at.assume_utc().unix_timestamp();
    let link = |action: Action| {
        links::link(
            &settings.base_url(),
            &key,
            &intro.id,
            party,
            action,
            expires,
        )
    };
    let params = json!({
        "introduction_id": intro.id,
        "recipient_name": user.display_name,
        "officer_name": officer.as_ref().map(|o| o.display_name.as_str()).unwrap_or("Heartland Match"),
        "officer_email": officer.as_ref().map(|o| o.email.as_str()).unwrap_or(""),
        "track": intro.track,
        "own_title": own_title,
        "other_title": other_title,
        "other_place": other_place,
        "other_org": other_org,
        "note": intro.note,
        "factors": intro.factors(),
        "accept_link": link(Action::Accept),
        "decline_link": link(Action::Decline),
        "expires_on": intro.expires_at.date().to_string(),
    });
    db::enqueue_email(
        conn,
        db::NewEmail {
            recipient_user_id: Some(&user.id),
            to_address: &user.email,
            template,
            locale: &user.locale,
            params,
            introduction_id: Some(&intro.id),
        },
        &settings.mail_domain(),
    )?;
    Ok(())
}

/// Both said yes: each side gets the other's contact details, the officer a copy.
fn share_contacts(
    conn: &mut DbConn,
    intro: &Introduction,
    settings: &Settings,
) -> Result<(), AppError> {
    let officer = match &intro.proposed_by {
        Some(o) => User::by_id(conn, o)?,
        None => None,
    };
    let mut sides = Vec::new();
    for party in [Party::A, Party::B] {
        let (kind, id, user, _) = intro.side(party);
        let (title, _, org) = describe(conn, kind, id)?;
        let user = match user {
            Some(u) => User::by_id(conn, u)?,
            None => None,
        };
        sides.push((title, org, user));
    }
    let domain = settings.mail_domain();
    for (me, other) in [(0, 1), (1, 0)] {
        let (Some(user), (other_title, other_org, Some(other_user))) =
            (&sides[me].2, &sides[other])
        else {
            continue;
        };
        let params = json!({
            "introduction_id": intro.id,
            "recipient_name": user.display_name,
            "officer_name": officer.as_ref().map(|o| o.display_name.as_str()).unwrap_or("Heartland Match"),
            "officer_email": officer.as_ref().map(|o| o.email.as_str()).unwrap_or(""),
            "track": intro.track,
            "other_title": other_title,
            "other_org": other_org,
            "other_name": other_user.display_name,
            "other_email": other_user.email,
            "other_phone": other_user.phone,
        });
        db::enqueue_email(
            conn,
            db::NewEmail {
                recipient_user_id: Some(&user.id),
                to_address: &user.email,
                template: "introduction_introduced",
                locale: &user.locale,
                params,
                introduction_id: Some(&intro.id),
            },
            &domain,
        )?;
    }
    if let Some(officer) = &officer {
        let pick = |i: usize| {
            let (title, org, user) = &sides[i];
            (
                title.clone(),
                org.clone(),
                user.as_ref()
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default(),
                user.as_ref().map(|u| u.email.clone()).unwrap_or_default(),
            )
        };
        let (a, b) = (pick(0), pick(1));
        let params = json!({
            "introduction_id": intro.id,
            "recipient_name": officer.display_name,
            "officer_name": officer.display_name,
            "officer_email": officer.email,
            "track": intro.track,
            "a_title": a.0, "a_org": a.1, "a_name": a.2, "a_email": a.3,
            "b_title": b.0, "b_org": b.1, "b_name": b.2, "b_email": b.3,
        });
        db::enqueue_email(
            conn,
            db::NewEmail {
                recipient_user_id: Some(&officer.id),
                to_address: &officer.email,
                template: "introduction_introduced_officer",
                locale: &officer.locale,
                params,
                introduction_id: Some(&intro.id),
            },
            &domain,
        )?;
    }
    for party in [Party::A, Party::B] {
        let (_, _, user, _) = intro.side(party);
        db::audit(
            conn,
            None,
            "contact_details_shared",
            "introduction",
            Some(&intro.id),
            json!({"with_party": party.as_str(), "person_id": user}),
        )?;
    }
    Ok(())
}

/// Changes a mentor's places left by `delta`, and tells the indexer.
fn mentor_places(conn: &mut DbConn, mentor_id: &str, delta: i64) -> Result<bool, AppError> {
    let Some(mut row) = Record::Mentor.find(conn, mentor_id)? else {
        return Ok(false);
    };
    let mut data: Value = serde_json::from_str(&row.data).map_err(|e| anyhow::anyhow!(e))?;
    let left = data["capacity"].as_i64().unwrap_or(0) + delta;
    if left < 0 {
        return Ok(false);
    }
    data["capacity"] = json!(left);
    row.data = data.to_string();
    row.updated_at = db::now();
    Record::Mentor.update(conn, &row)?;
    crate::records::store::journal(
        conn,
        Record::Mentor,
        mentor_id,
        crate::records::store::Op::Upsert,
    )?;
    Ok(true)
}

/// A mentoring relationship ended: the mentor's place comes back.
pub fn give_place_back(conn: &mut DbConn, intro: &Introduction) -> Result<(), AppError> {
    if let Some(mentor) = mentor_side(intro).map(str::to_string) {
        mentor_places(conn, &mentor, 1)?;
    }
    Ok(())
}

/// Whether an outcome ended the relationship already (and gave the place back).
fn relationship_ended(conn: &mut DbConn, id: &str) -> Result<bool, AppError> {
    use crate::db::schema::mentoring_relationships as rl;
    Ok(rl::table
        .find(id)
        .filter(rl::ended_on.is_not_null())
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

fn mentor_side(intro: &Introduction) -> Option<&str> {
    if intro.a_kind == "mentor" {
        Some(&intro.a_id)
    } else if intro.b_kind == "mentor" {
        Some(&intro.b_id)
    } else {
        None
    }
}

/// A party answers. Answering again the same way changes nothing; another answer after one
/// is given is a conflict.
pub fn answer(
    conn: &mut DbConn,
    id: &str,
    party: Party,
    action: Action,
    actor: Option<&str>,
    settings: &Settings,
) -> Result<Introduction, AppError> {
    let mut intro = find_for_update(conn, id)?.ok_or(AppError::NotFound)?;
    let now = db::now();
    let (_, _, _, mine) = intro.side(party);
    if mine == Some(action.answer()) {
        return Ok(intro);
    }
    if OPEN.contains(&intro.status.as_str()) && intro.expires_at <= now {
        expire(conn, &intro.id)?;
        return Err(AppError::Conflict(
            "this introduction has expired: ask your business officer for a new one".into(),
        ));
    }
    match action {
        Action::Accept | Action::Decline => {
            if !OPEN.contains(&intro.status.as_str()) || mine.is_some() {
                return Err(AppError::Conflict(format!(
                    "this introduction is {}{}: it can no longer be answered",
                    intro.status,
                    mine.map(|m| format!(" and you have {m}"))
                        .unwrap_or_default()
                )));
            }
        }
        Action::Withdraw => {
            if !matches!(
                intro.status.as_str(),
                "proposed" | "accepted" | "introduced"
            ) {
                return Err(AppError::Conflict(format!(
                    "this introduction is {}: there is nothing to withdraw from",
                    intro.status
                )));
            }
        }
    }
    let other_accepted = intro.side(party.other()).3 == Some("accepted");
    let status = match action {
        Action::Accept if other_accepted => "introduced",
        Action::Accept => "accepted",
        Action::Decline => "declined",
        Action::Withdraw => "withdrawn",
    };
    if status == "introduced" {
        if let Some(mentor) = mentor_side(&intro).map(str::to_string) {
            if !mentor_places(conn, &mentor, -1)? {
                return Err(AppError::Conflict(
                    "the mentor has no places left: the introduction cannot be made".into(),
                ));
            }
        }
    }
    if action == Action::Withdraw
        && intro.status == "introduced"
        && !relationship_ended(conn, &intro.id)?
    {
        give_place_back(conn, &intro)?;
    }
    let answer = Some(action.answer().to_string());
    let target = t::table.find(&intro.id);
    match party {
        Party::A => diesel::update(target)
            .set((t::a_answer.eq(&answer), t::a_answered_at.eq(now)))
            .execute(conn)?,
        Party::B => diesel::update(target)
            .set((t::b_answer.eq(&answer), t::b_answered_at.eq(now)))
            .execute(conn)?,
    };
    let introduced_at = (status == "introduced").then_some(now);
    diesel::update(t::table.find(&intro.id))
        .set((
            t::status.eq(status),
            t::updated_at.eq(now),
            t::introduced_at.eq(introduced_at.or(intro.introduced_at)),
        ))
        .execute(conn)?;
    match party {
        Party::A => intro.a_answer = answer,
        Party::B => intro.b_answer = answer,
    }
    intro.status = status.to_string();
    intro.updated_at = now;
    intro.introduced_at = introduced_at.or(intro.introduced_at);
    db::audit(
        conn,
        actor,
        &format!("introduction_{}", action.answer()),
        "introduction",
        Some(&intro.id),
        json!({"party": party.as_str(), "status": status}),
    )?;
    if status == "introduced" {
        share_contacts(conn, &intro, settings)?;
    }
    Ok(intro)
}
