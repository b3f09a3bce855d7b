//! Introductions on the pages: proposing one from a match, the lists, one introduction
//! with its emails, the parties' answers and the officer's outcome.

use super::*;

#[derive(Deserialize)]
pub struct IntroduceForm {
    pub csrf_token: String,
    /// A graduate for the need (KTP), or a coach (`mentor_id`).
    #[serde(default)]
    pub candidate_id: String,
    #[serde(default)]
    pub mentor_id: String,
    #[serde(default)]
    pub note: String,
}

pub async fn introduce(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<IntroduceForm>,
    c: Ctx,
) -> HttpResponse {
    let back = format!("/needs/{}", id.as_str());
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let form = form.into_inner();
    let (track, b) = if form.mentor_id.is_empty() {
        ("ktp", ("candidate", form.candidate_id))
    } else {
        ("coaching", ("mentor", form.mentor_id))
    };
    let request = ProposeRequest {
        track: track.into(),
        a: SideRef {
            kind: "need".into(),
            id: id.into_inner(),
        },
        b: SideRef {
            kind: b.0.into(),
            id: b.1,
        },
        note: form.note,
    };
    let st = state.clone();
    let made = state
        .write(move |conn| {
            intro::propose(
                conn,
                &viewer,
                &request,
                None,
                &st.settings,
                &st.search.index,
            )
        })
        .await;
    match made {
        Ok(p) => see_other(&format!("/introductions/{}", p.introduction.id)),
        Err(e) => error_page(&c, e, &back),
    }
}

#[derive(Template)]
#[template(path = "pages/introductions.html")]
struct IntroList<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    items: Vec<IntroLine>,
}

pub async fn introductions(
    state: web::Data<AppState>,
    _req: HttpRequest,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let data = state
        .db
        .read(move |conn| -> Result<Vec<IntroLine>, AppError> {
            intro::list(conn, &viewer, None, None, 100)?
                .iter()
                .map(|i| intro_line(conn, i))
                .collect()
        })
        .await;
    match data {
        Ok(items) => {
            let page = IntroList {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                items,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/"),
    }
}

/// An email of the introduction as the officer reads it: what was sent, to whom, when.
pub struct EmailLine {
    pub what: String,
    pub to: String,
    pub when: String,
    pub status_key: String,
    pub error: String,
}

/// One side of the introduction for the officer: its record (linked), its answer and when.
pub struct SideLine {
    pub title: String,
    pub href: String,
    pub answer_key: String,
    pub answered: String,
}

/// Where an officer reads a record of `kind`.
fn record_href(kind: &str, id: &str) -> String {
    match kind {
        "need" => format!("/needs/{id}"),
        "candidate" => format!("/candidates/{id}"),
        "mentor" => format!("/mentors/{id}"),
        "procurement" => format!("/procurements/{id}/dialogue"),
        "offer" => format!("/offers/{id}"),
        _ => String::new(),
    }
}

/// What an email of `template` is, in the reader's words.
fn email_what(tr: Tr, template: &str) -> String {
    let key = format!("email_kind.{template}");
    match tr.t(&key) {
        t if t == key => template.to_string(),
        t => t.to_string(),
    }
}

#[derive(Template)]
#[template(path = "pages/introduction.html")]
struct IntroPage<'a> {
    tr: Tr,
    nav: Nav,
    csrf: &'a str,
    officer: bool,
    can_record: bool,
    summary: IntroLine,
    outcome_key: Option<String>,
    note: String,
    emails: Vec<EmailLine>,
    /// The viewer is a party who has not answered yet.
    can_answer: bool,
    /// The viewer is a party, and the introduction is under way or made.
    can_withdraw: bool,
    /// The other side's name, organisation and email, once both have said yes.
    contact: Option<(String, String, String)>,
    /// For the officer: both sides with their answers.
    sides: Vec<SideLine>,
    /// A mentoring introduction both accepted: the relationship.
    relationship: Option<super::relationships::RelationshipView>,
}

pub async fn introduction(
    state: web::Data<AppState>,
    _req: HttpRequest,
    id: web::Path<String>,
    SignedIn { c, viewer }: SignedIn,
) -> HttpResponse {
    let (id, tr) = (id.into_inner(), c.tr);
    let data = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let i = intro::find(conn, &id)?.ok_or(AppError::NotFound)?;
            if !(viewer.is_officer() || i.party_of(&viewer.user_id).is_some()) {
                return Err(AppError::NotFound);
            }
            let emails = if viewer.is_officer() {
                db::outbox::of_introduction(conn, &i.id)?
                    .into_iter()
                    .map(|e| EmailLine {
                        what: email_what(tr, &e.template),
                        to: e.to_address,
                        when: tr.date_time(e.sent_at.unwrap_or(e.created_at)),
                        status_key: format!("status.{}", e.status),
                        error: e.last_error.unwrap_or_default(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let mut sides = Vec::new();
            if viewer.is_officer() {
                for p in [intro::Party::A, intro::Party::B] {
                    let (kind, id, _, answer) = i.side(p);
                    let (title, _, org) = intro::describe(conn, kind, id)?;
                    let at = match p {
                        intro::Party::A => i.a_answered_at,
                        intro::Party::B => i.b_answered_at,
                    };
                    sides.push(SideLine {
                        title: if org.is_empty() {
                            title
                        } else {
                            format!("{title} – {org}")
                        },
                        href: record_href(kind, id),
                        answer_key: format!("answer.{}", answer.unwrap_or("waiting")),
                        answered: at.map(|t| tr.date_time(t)).unwrap_or_default(),
                    });
                }
            }
            let me = i.party_of(&viewer.user_id);
            let can_answer = me.is_some_and(|p| i.side(p).3.is_none())
                && intro::OPEN.contains(&i.status.as_str());
            let can_withdraw =
                me.is_some() && matches!(i.status.as_str(), "proposed" | "accepted" | "introduced");
            let contact = match me {
                Some(p) if i.status == "introduced" => {
                    let (kind, id, user, _) = i.side(p.other());
                    let (_, _, org) = intro::describe(conn, kind, id)?;
                    match user {
                        Some(u) => User::by_id(conn, u)?.map(|u| (u.display_name, org, u.email)),
                        None => None,
                    }
                }
                _ => None,
            };
            let relationship = super::relationships::relationship_of(conn, &viewer, &i, tr)?;
            Ok((
                (intro_line(conn, &i)?, relationship),
                i.outcome.as_ref().map(|o| format!("outcome.{o}")),
                i.note.clone(),
                emails,
                viewer.is_officer(),
                matches!(i.status.as_str(), "introduced" | "withdrawn"),
                (can_answer, can_withdraw),
                (contact, sides),
            ))
        })
        .await;
    match data {
        Ok((
            (summary, relationship),
            outcome_key,
            note,
            emails,
            officer,
            can_record,
            (can_answer, can_withdraw),
            (contact, sides),
        )) => {
            let page = IntroPage {
                tr: c.tr,
                nav: c.nav(),
                csrf: &c.csrf,
                officer,
                can_record,
                summary,
                outcome_key,
                note,
                emails,
                can_answer,
                can_withdraw,
                contact,
                sides,
                relationship,
            };
            respond(&c, StatusCode::OK, page.render())
        }
        Err(e) => error_page(&c, e, "/introductions"),
    }
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    pub csrf_token: String,
    pub outcome: String,
}

pub async fn record_outcome(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<OutcomeForm>,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/introductions/{id}");
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let outcome = form.into_inner().outcome;
    let done = state
        .write(move |conn| intro::record_outcome(conn, &viewer, &id, &outcome, None))
        .await;
    match done {
        Ok(_) => see_other(&back),
        Err(e) => error_page(&c, e, &back),
    }
}

#[derive(Deserialize)]
pub struct AnswerForm {
    pub csrf_token: String,
    pub answer: String,
}

/// A party answers on the introduction's page (signed in).
pub async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<AnswerForm>,
    c: Ctx,
) -> HttpResponse {
    let id = id.into_inner();
    let back = format!("/introductions/{id}");
    let viewer = match checked_post(&state, &req, &c, &form.csrf_token) {
        Ok(v) => v,
        Err(e) => return error_page(&c, e, &back),
    };
    let action = match form.answer.as_str() {
        "accept" => intro::Action::Accept,
        "decline" => intro::Action::Decline,
        "withdraw" => intro::Action::Withdraw,
        _ => {
            return error_page(
                &c,
                AppError::invalid("answer", "accept, decline or withdraw"),
                &back,
            )
        }
    };
    let (st, i) = (state.clone(), id.clone());
    let done = state
        .write(move |conn| -> Result<(), AppError> {
            let found = intro::find(conn, &i)?.ok_or(AppError::NotFound)?;
            let party = found.party_of(&viewer.user_id).ok_or(AppError::NotFound)?;
            intro::answer(conn, &i, party, action, Some(&viewer.user_id), &st.settings)?;
            Ok(())
        })
        .await;
    match done {
        Ok(()) => see_other(&back),
        Err(e) => error_page(&c, e, &back),
    }
}
