//! Proposing an introduction: both sides loaded and checked against the track's rules
//! (eligibility, scope, pending answers, one under way per pair), the explanation kept, both
//! parties asked.

use super::*;

/// One side, loaded.
pub(super) struct Side {
    record: Record,
    row: RecordRow,
    entity: Entity,
    user: User,
}

fn load_side(
    conn: &mut DbConn,
    field: &str,
    side: &SideRef,
    expected: Record,
) -> Result<Side, AppError> {
    let record = record_named(&side.kind)
        .filter(|r| *r == expected)
        .ok_or_else(|| {
            AppError::invalid(
                &format!("{field}.kind"),
                format!("must be {} for this track", expected.name()),
            )
        })?;
    let row = record.find(conn, &side.id)?.ok_or_else(|| {
        AppError::invalid(
            &format!("{field}.id"),
            format!("no {} has this id", record.name()),
        )
    })?;
    let consents = if matches!(record, Record::Candidate | Record::Mentor) {
        consents_of(conn, &row.owner_id)?
    } else {
        Vec::new()
    };
    let entity =
        entity_of(record, &row, consents).ok_or_else(|| anyhow::anyhow!("unreadable record"))?;
    let user = contact_user(conn, record, &row)?;
    Ok(Side {
        record,
        row,
        entity,
        user,
    })
}

/// Why a side cannot be introduced in this track, as the proposing officer reads it.
fn closed(field: &str, record: Record, why: Closed) -> AppError {
    let name = record.name();
    let message = match why {
        Closed::NoPlaces => {
            return AppError::Conflict("the mentor has no places left for new mentees".into())
        }
        Closed::OtherTrack => format!("a {name} takes no part in this track"),
        Closed::Inactive => format!("this {name} is not open for introductions: it is not active"),
        Closed::NoConsent => format!(
            "this {name} is not open for introductions: its person has not consented to this track"
        ),
        Closed::NotSeeking => format!(
            "this {name} is not open for introductions in this track: the person does not seek it"
        ),
    };
    AppError::invalid(&format!("{field}.id"), message)
}

/// Whether the request may be repeated with this key: the same body from the same officer.
pub fn request_hash(req: &ProposeRequest) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(req).unwrap_or_default(),
    ))
}

/// What proposing returns: the introduction, and whether it was made now (else: an earlier
/// request with the same `Idempotency-Key` made it).
pub struct Proposed {
    pub introduction: Introduction,
    pub created: bool,
}

/// Proposes an introduction: checks the pair, stores it and queues both parties' emails.
pub fn propose(
    conn: &mut DbConn,
    viewer: &Viewer,
    req: &ProposeRequest,
    idempotency_key: Option<&str>,
    settings: &Settings,
    index: &SearchIndex,
) -> Result<Proposed, AppError> {
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers propose introductions"));
    }
    let hash = request_hash(req);
    if let Some(key) = idempotency_key {
        let earlier = t::table
            .filter(t::proposed_by.eq(&viewer.user_id))
            .filter(t::idempotency_key.eq(key))
            .select(Introduction::as_select())
            .first(conn)
            .optional()?;
        if let Some(earlier) = earlier {
            if earlier.request_hash.as_deref() != Some(hash.as_str()) {
                return Err(AppError::Conflict(
                    "this Idempotency-Key was used for another request".into(),
                ));
            }
            return Ok(Proposed {
                introduction: earlier,
                created: false,
            });
        }
    }
    let Some([ka, kb]) = kinds_of(&req.track) else {
        return Err(AppError::invalid(
            "track",
            "must be ktp, mentoring, coaching or procurement",
        ));
    };
    let note = req.note.trim();
    if note.chars().count() > 2000 {
        return Err(AppError::invalid("note", "must be at most 2000 characters"));
    }
    // Either order: the track's first kind on either side.
    let (ea, eb) = if req.a.kind == kb.name() && req.b.kind == ka.name() {
        (kb, ka)
    } else {
        (ka, kb)
    };
    let a = load_side(conn, "a", &req.a, ea)?;
    let b = load_side(conn, "b", &req.b, eb)?;
    if !(viewer.in_scope(&a.row.municipality) || viewer.in_scope(&b.row.municipality)) {
        return Err(out_of_scope());
    }
    let track = heartland_index::rank::track_of(a.entity.kind(), b.entity.kind())
        .ok_or_else(|| anyhow::anyhow!("no track between these kinds"))?;
    for (field, side) in [("a", &a), ("b", &b)] {
        side.entity
            .open_to(track)
            .map_err(|why| closed(field, side.record, why))?;
    }
    if a.user.id == b.user.id {
        return Err(AppError::invalid(
            "b",
            "both sides are the same person: there is no one to introduce",
        ));
    }
    for (field, side) in [("a", &a), ("b", &b)] {
        let pending = pending_of(conn, &side.user.id)?;
        if pending >= settings.max_pending_introductions {
            return Err(AppError::Conflict(format!(
                "side {field} has {pending} introductions waiting for an answer; they get no new \
                 ones until they answer"
            )));
        }
    }
    let open: i64 = t::table
        .filter(t::status.eq_any(["proposed", "accepted", "introduced"]))
        .filter(
            t::a_id
                .eq(&a.row.id)
                .and(t::b_id.eq(&b.row.id))
                .or(t::a_id.eq(&b.row.id).and(t::b_id.eq(&a.row.id))),
        )
        .count()
        .get_result(conn)?;
    if open > 0 {
        return Err(AppError::Conflict(
            "these two already have an introduction under way".into(),
        ));
    }
    // The explanation, and the hard rules: the demand side asks, as in its matches.
    let (query, target) = match (a.record, b.record) {
        (Record::Candidate, Record::Need) | (Record::Offer, Record::Procurement) => (&b, &a),
        (Record::Mentor, Record::Candidate) | (Record::Mentor, Record::Need) => (&b, &a),
        _ => (&a, &b),
    };
    let hit: Hit = index
        .explain_pair(&query.entity, &target.entity, crate::matching::today())
        .map_err(|e| anyhow::anyhow!(e))?
        .ok_or_else(|| {
            AppError::invalid(
                "b",
                "does not match a: a rule of the track excludes the pair (language, distance, \
                 border, capacity or codes) or they have nothing in common",
            )
        })?;
    let factors: Vec<Value> = hit
        .factors
        .iter()
        .map(|f| json!({"name": f.name, "score": (f.score * 1000.0).round() / 1000.0, "detail": f.detail}))
        .collect();
    let now = db::now();
    let id = db::new_id();
    let country = |m: &str| m.split('-').next().unwrap_or("").to_string();
    let intro = Introduction {
        id: id.clone(),
        track: req.track.clone(),
        a_kind: a.record.name().to_string(),
        a_id: a.row.id.clone(),
        a_user_id: Some(a.user.id.clone()),
        b_kind: b.record.name().to_string(),
        b_id: b.row.id.clone(),
        b_user_id: Some(b.user.id.clone()),
        note: note.to_string(),
        status: "proposed".into(),
        a_answer: None,
        b_answer: None,
        a_answered_at: None,
        b_answered_at: None,
        a_reminders: 0,
        b_reminders: 0,
        outcome: None,
        proposed_by: Some(viewer.user_id.clone()),
        municipality: query.row.municipality.clone(),
        cross_border: country(&a.row.municipality) != country(&b.row.municipality),
        explanation: Value::Array(factors).to_string(),
        idempotency_key: idempotency_key.map(str::to_string),
        request_hash: Some(hash),
        expires_at: now + time::Duration::days(settings.introduction_ttl_days.max(1)),
        introduced_at: None,
        created_at: now,
        updated_at: now,
        outcome_on: None,
    };
    insert(conn, &intro)?;
    for party in [Party::A, Party::B] {
        ask(conn, &intro, party, "introduction_request", settings)?;
    }
    db::audit(
        conn,
        Some(&viewer.user_id),
        "introduction_proposed",
        "introduction",
        Some(&id),
        json!({"track": intro.track, "a": {"kind": intro.a_kind, "id": intro.a_id},
               "b": {"kind": intro.b_kind, "id": intro.b_id}}),
    )?;
    Ok(Proposed {
        introduction: intro,
        created: true,
    })
}

pub(super) fn insert(conn: &mut DbConn, i: &Introduction) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::id.eq(&i.id),
            t::track.eq(&i.track),
            t::a_kind.eq(&i.a_kind),
            t::a_id.eq(&i.a_id),
            t::a_user_id.eq(&i.a_user_id),
            t::b_kind.eq(&i.b_kind),
            t::b_id.eq(&i.b_id),
            t::b_user_id.eq(&i.b_user_id),
            t::note.eq(&i.note),
            t::status.eq(&i.status),
            t::outcome.eq(&i.outcome),
            t::proposed_by.eq(&i.proposed_by),
            t::municipality.eq(&i.municipality),
            t::cross_border.eq(i.cross_border),
            t::explanation.eq(&i.explanation),
            t::idempotency_key.eq(&i.idempotency_key),
            t::request_hash.eq(&i.request_hash),
            t::expires_at.eq(i.expires_at),
            t::created_at.eq(i.created_at),
            t::updated_at.eq(i.updated_at),
        ))
        .execute(conn)
        .map(drop)
}
