//! Introductions: the officer proposes, each side's person answers, and only when both have
//! said yes does each receive the other's contact details. Every state change writes its
//! emails to the outbox in the same transaction; the mailer sends them.
//!
//! Parties answer signed in, or through the signed links of their email: an HMAC over the
//! introduction, the party, the action and the expiry, so a link works for one party and one
//! answer only, and cannot be made up.

pub mod links;

use crate::config::Settings;
use crate::db::schema::introductions as t;
use crate::db::{self, DbConn, Record, RecordRow, User};
use crate::policy::Viewer;
use crate::search::entity::entity_of;
use crate::web::error::AppError;
use diesel::prelude::*;
use heartland_index::{Entity, Gazetteer, Hit, SearchIndex};
use serde_json::{json, Value};
use time::PrimitiveDateTime;

pub const TRACKS: &[&str] = &["ktp", "mentoring", "procurement"];
pub const OUTCOMES: &[&str] = &[
    "placement",
    "mentoring_started",
    "meeting_held",
    "no_result",
];
/// Statuses in which the parties are still asked.
pub const OPEN: &[&str] = &["proposed", "accepted"];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
pub struct Introduction {
    pub id: String,
    pub track: String,
    pub a_kind: String,
    pub a_id: String,
    pub a_user_id: Option<String>,
    pub b_kind: String,
    pub b_id: String,
    pub b_user_id: Option<String>,
    pub note: String,
    pub status: String,
    pub a_answer: Option<String>,
    pub b_answer: Option<String>,
    pub a_answered_at: Option<PrimitiveDateTime>,
    pub b_answered_at: Option<PrimitiveDateTime>,
    pub a_reminders: i32,
    pub b_reminders: i32,
    pub outcome: Option<String>,
    pub proposed_by: Option<String>,
    pub municipality: String,
    pub cross_border: bool,
    pub explanation: String,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub expires_at: PrimitiveDateTime,
    pub introduced_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    A,
    B,
}

impl Party {
    pub fn parse(s: &str) -> Option<Party> {
        match s {
            "a" => Some(Party::A),
            "b" => Some(Party::B),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Party::A => "a",
            Party::B => "b",
        }
    }
    pub fn other(self) -> Party {
        match self {
            Party::A => Party::B,
            Party::B => Party::A,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline,
    Withdraw,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        match s {
            "accept" => Some(Action::Accept),
            "decline" => Some(Action::Decline),
            "withdraw" => Some(Action::Withdraw),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Withdraw => "withdraw",
        }
    }
    fn answer(self) -> &'static str {
        match self {
            Action::Accept => "accepted",
            Action::Decline => "declined",
            Action::Withdraw => "withdrawn",
        }
    }
}

impl Introduction {
    pub fn side(&self, p: Party) -> (&str, &str, Option<&str>, Option<&str>) {
        match p {
            Party::A => (
                &self.a_kind,
                &self.a_id,
                self.a_user_id.as_deref(),
                self.a_answer.as_deref(),
            ),
            Party::B => (
                &self.b_kind,
                &self.b_id,
                self.b_user_id.as_deref(),
                self.b_answer.as_deref(),
            ),
        }
    }

    /// Which party `user` is, if any.
    pub fn party_of(&self, user: &str) -> Option<Party> {
        if self.a_user_id.as_deref() == Some(user) {
            Some(Party::A)
        } else if self.b_user_id.as_deref() == Some(user) {
            Some(Party::B)
        } else {
            None
        }
    }

    pub fn factors(&self) -> Value {
        serde_json::from_str(&self.explanation).unwrap_or(Value::Null)
    }
}

/// The two kinds a track joins.
fn kinds_of(track: &str) -> Option<[Record; 2]> {
    Some(match track {
        "ktp" => [Record::Need, Record::Candidate],
        "mentoring" => [Record::Candidate, Record::Mentor],
        "procurement" => [Record::Procurement, Record::Offer],
        _ => return None,
    })
}

fn record_named(kind: &str) -> Option<Record> {
    Some(match kind {
        "need" => Record::Need,
        "candidate" => Record::Candidate,
        "mentor" => Record::Mentor,
        "procurement" => Record::Procurement,
        "offer" => Record::Offer,
        _ => return None,
    })
}

/// `kind/id` of one side, as the request gives it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SideRef {
    /// need, candidate, mentor, procurement or offer.
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeRequest {
    /// ktp, mentoring or procurement.
    pub track: String,
    pub a: SideRef,
    pub b: SideRef,
    /// A word from the officer to both parties (at most 2,000 characters).
    #[serde(default)]
    pub note: String,
}

/// One side, loaded.
struct Side {
    record: Record,
    row: RecordRow,
    entity: Entity,
    user: User,
}

fn consents_of(conn: &mut DbConn, user: &str) -> Result<Vec<String>, AppError> {
    Ok(db::active_consents(conn, user)?)
}

/// The person who answers for a record: the profile's person, else the first member of the
/// record's organisation, else whoever created it.
fn contact_user(conn: &mut DbConn, record: Record, row: &RecordRow) -> Result<User, AppError> {
    let mut id = row.owner_id.clone();
    if !matches!(record, Record::Candidate | Record::Mentor) {
        if let Some(org) = &row.organisation_id {
            if let Some(member) = User::first_member(conn, org)? {
                id = member;
            }
        }
    }
    User::by_id(conn, &id)?.ok_or(AppError::NotFound)
}

fn organisation_name(conn: &mut DbConn, row: &RecordRow) -> Result<Option<String>, AppError> {
    let Some(org) = &row.organisation_id else {
        return Ok(None);
    };
    Ok(Record::Organisation.find(conn, org)?.and_then(|o| {
        serde_json::from_str::<Value>(&o.data)
            .ok()
            .and_then(|d| d["name"].as_str().map(str::to_string))
    }))
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

fn place_name(municipality: &str) -> String {
    Gazetteer::get()
        .lookup_key(municipality)
        .map(|p| p.name.clone())
        .unwrap_or_default()
}

/// Unanswered introductions of `user`.
pub fn pending_of(conn: &mut DbConn, user: &str) -> QueryResult<i64> {
    t::table
        .filter(t::status.eq_any(OPEN))
        .filter(
            t::a_user_id
                .eq(user)
                .and(t::a_answer.is_null())
                .or(t::b_user_id.eq(user).and(t::b_answer.is_null())),
        )
        .count()
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Introduction>> {
    t::table
        .find(id)
        .select(Introduction::as_select())
        .first(conn)
        .optional()
}

/// The introduction, locked against a concurrent answer until the transaction ends.
fn find_for_update(conn: &mut DbConn, id: &str) -> QueryResult<Option<Introduction>> {
    match conn {
        DbConn::Pg(c) => t::table
            .find(id)
            .select(Introduction::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConn::Sqlite(c) => t::table
            .find(id)
            .select(Introduction::as_select())
            .first(c)
            .optional(),
    }
}

fn today() -> i64 {
    heartland_index::rank::day_number(&time::OffsetDateTime::now_utc().date().to_string())
        .unwrap_or(0)
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
            "must be ktp, mentoring or procurement",
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
        let person = matches!(side.record, Record::Candidate | Record::Mentor);
        if !side.entity.active || (person && !side.entity.consented(track)) {
            return Err(AppError::invalid(
                &format!("{field}.id"),
                format!(
                    "this {} is not open for introductions: it is not active{}",
                    side.record.name(),
                    if person {
                        ", or its person has not consented to this track"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if side.record == Record::Mentor && side.entity.capacity_left.unwrap_or(0) <= 0 {
            return Err(AppError::Conflict(
                "the mentor has no places left for new mentees".into(),
            ));
        }
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
        (Record::Mentor, Record::Candidate) => (&b, &a),
        _ => (&a, &b),
    };
    let hit: Hit = index
        .explain_pair(&query.entity, &target.entity, today())
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

fn insert(conn: &mut DbConn, i: &Introduction) -> QueryResult<()> {
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

/// What one side's email says of a record: its title, place and organisation. A person is
/// described by their headline and municipality only: no name, no contact details.
pub fn describe(
    conn: &mut DbConn,
    kind: &str,
    id: &str,
) -> Result<(String, String, String), AppError> {
    let record = record_named(kind).ok_or_else(|| anyhow::anyhow!("unknown kind {kind}"))?;
    let Some(row) = record.find(conn, id)? else {
        return Ok((String::new(), String::new(), String::new()));
    };
    let title = entity_of(record, &row, Vec::new())
        .map(|e| e.title)
        .unwrap_or_default();
    let org = organisation_name(conn, &row)?.unwrap_or_default();
    Ok((title, place_name(&row.municipality), org))
}

/// Queues the email asking `party` to answer (`introduction_request` or `_reminder`).
fn ask(
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
    db::index_event(conn, "mentor", mentor_id, "upsert")?;
    Ok(true)
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
    if action == Action::Withdraw && intro.status == "introduced" {
        if let Some(mentor) = mentor_side(&intro).map(str::to_string) {
            mentor_places(conn, &mentor, 1)?;
        }
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

fn expire(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::update(t::table.find(id).filter(t::status.eq_any(OPEN)))
        .set((t::status.eq("expired"), t::updated_at.eq(db::now())))
        .execute(conn)
}

fn out_of_scope() -> AppError {
    AppError::forbidden("neither side lies in the municipalities you act for")
}

/// The scope rule of every officer action on an introduction, the same as for proposing one:
/// an officer acts on it when either side lies in a municipality they act for (a side since
/// erased counts by the municipality recorded with the introduction).
pub fn officer_may_act(
    conn: &mut DbConn,
    viewer: &Viewer,
    intro: &Introduction,
) -> Result<bool, AppError> {
    if !viewer.is_officer() {
        return Ok(false);
    }
    if viewer.in_scope(&intro.municipality) {
        return Ok(true);
    }
    for (kind, id) in [(&intro.a_kind, &intro.a_id), (&intro.b_kind, &intro.b_id)] {
        let Some(record) = Record::parse(kind) else {
            continue;
        };
        if let Some(row) = record.find(conn, id)? {
            if viewer.in_scope(&row.municipality) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The officer records what came of an introduction.
pub fn record_outcome(
    conn: &mut DbConn,
    viewer: &Viewer,
    id: &str,
    outcome: &str,
) -> Result<Introduction, AppError> {
    let mut intro = find(conn, id)?.ok_or(AppError::NotFound)?;
    if !viewer.is_officer() {
        return Err(AppError::forbidden("only officers record outcomes"));
    }
    if !officer_may_act(conn, viewer, &intro)? {
        return Err(out_of_scope());
    }
    if !OUTCOMES.contains(&outcome) {
        return Err(AppError::invalid(
            "outcome",
            format!("must be one of: {}", OUTCOMES.join(", ")),
        ));
    }
    if !matches!(intro.status.as_str(), "introduced" | "withdrawn") {
        return Err(AppError::Conflict(format!(
            "this introduction is {}: an outcome is recorded once both have said yes",
            intro.status
        )));
    }
    let now = db::now();
    diesel::update(t::table.find(id))
        .set((t::outcome.eq(outcome), t::updated_at.eq(now)))
        .execute(conn)?;
    db::audit(
        conn,
        Some(&viewer.user_id),
        "introduction_outcome",
        "introduction",
        Some(id),
        json!({"outcome": outcome}),
    )?;
    intro.outcome = Some(outcome.to_string());
    intro.updated_at = now;
    Ok(intro)
}

/// Introductions a viewer may see: officers all of them, a party their own.
pub fn list(
    conn: &mut DbConn,
    viewer: &Viewer,
    status: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Introduction>> {
    let mut q = t::table.select(Introduction::as_select()).into_boxed();
    if !viewer.is_officer() {
        let me = viewer.user_id.clone();
        q = q.filter(t::a_user_id.eq(me.clone()).or(t::b_user_id.eq(me)));
    }
    if let Some(s) = status {
        q = q.filter(t::status.eq(s.to_string()));
    }
    if let Some(a) = after {
        q = q.filter(t::id.lt(a.to_string()));
    }
    q.order(t::id.desc()).limit(limit).load(conn)
}

/// Reminders to whoever has not answered, on the configured days, and expiry of what has
/// waited too long. Safe to run on several nodes at once: each step is a conditional update,
/// and only the node whose update took effect queues the email. Returns emails queued.
pub fn run_due(conn: &mut DbConn, settings: &Settings) -> Result<usize, AppError> {
    let now = db::now();
    let stale: Vec<String> = t::table
        .filter(t::status.eq_any(OPEN))
        .filter(t::expires_at.le(now))
        .select(t::id)
        .load(conn)?;
    for id in &stale {
        expire(conn, id)?;
    }
    let days = settings.reminder_days();
    let Some(first) = days.first() else {
        return Ok(0);
    };
    let due: Vec<Introduction> = t::table
        .filter(t::status.eq_any(OPEN))
        .filter(t::created_at.le(now - time::Duration::days(*first)))
        .select(Introduction::as_select())
        .load(conn)?;
    let mut queued = 0;
    for intro in due {
        for party in [Party::A, Party::B] {
            let (sent, answered) = match party {
                Party::A => (intro.a_reminders, intro.a_answer.is_some()),
                Party::B => (intro.b_reminders, intro.b_answer.is_some()),
            };
            // One reminder however many days have passed (a node that was down does not send
            // two at once).
            let passed = days
                .iter()
                .filter(|d| intro.created_at + time::Duration::days(**d) <= now)
                .count() as i32;
            if answered || passed <= sent {
                continue;
            }
            let target = t::table.find(&intro.id).filter(t::status.eq_any(OPEN));
            let took = match party {
                Party::A => diesel::update(target.filter(t::a_reminders.eq(sent)))
                    .set(t::a_reminders.eq(passed))
                    .execute(conn)?,
                Party::B => diesel::update(target.filter(t::b_reminders.eq(sent)))
                    .set(t::b_reminders.eq(passed))
                    .execute(conn)?,
            };
            if took == 1 {
                ask(conn, &intro, party, "introduction_reminder", settings)?;
                queued += 1;
            }
        }
    }
    Ok(queued)
}
