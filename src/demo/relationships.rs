//! A mentoring relationship under way in the demo region: the Karlstad officer introduced
//! Mohamed Abdi (a cleaning firm in Karlstad that wants municipal contracts) to Yasmin
//! Al-Khatib (an Arabic-speaking business adviser who mentors remotely on tax and rules), both
//! said yes, and they started meeting five weeks ago — so the first check-in is due and the
//! relationship page, the check-in email and the indicators have something to show. Proposed through the introductions' own use case (rules, explanation, emails).

use super::Loader;
use crate::db::{Record, User};
use crate::introductions::{self as intro, Action, Party, ProposeRequest, SideRef};
use crate::policy::{Role, Viewer};
use anyhow::Context;

fn record_of(l: &mut Loader<'_>, role: &str, name: &str) -> anyhow::Result<(String, String)> {
    let email = super::content::person_email(role, name).context("demo person")?;
    let user = User::by_email(l.conn, &email)?.context("demo user")?;
    let record = if role == "candidate" {
        Record::Candidate
    } else {
        Record::Mentor
    };
    let row = record
        .owned_by(l.conn, &user.id)?
        .into_iter()
        .next()
        .context("demo profile")?;
    Ok((row.id, user.id))
}

pub(super) fn load(l: &mut Loader<'_>) -> anyhow::Result<()> {
    let officer = User::by_email(l.conn, &format!("officer.karlstad@{}", super::DEMO_DOMAIN))?
        .context("demo officer")?;
    let officer = Viewer {
        user_id: officer.id,
        role: Role::Officer,
        scopes: vec!["SE-1780".into()],
        organisations: Vec::new(),
        locale: "sv".into(),
        touched_recently: false,
    };
    let (mentee, mentee_user) = record_of(l, "candidate", "Mohamed Abdi")?;
    let (mentor, mentor_user) = record_of(l, "mentor", "Yasmin Al-Khatib")?;
    // The explanation needs no corpus: an empty index scores the pair by its concepts.
    let index = heartland_index::SearchIndex::in_memory()?;
    let request = ProposeRequest {
        track: "mentoring".into(),
        a: SideRef {
            kind: "candidate".into(),
            id: mentee,
        },
        b: SideRef {
            kind: "mentor".into(),
            id: mentor,
        },
        note: "Yasmin har hjälpt många småföretag med skatt, regler och offentliga upphandlingar."
            .into(),
    };
    let proposed = intro::propose(l.conn, &officer, &request, None, l.settings, &index)
        .map_err(|e| anyhow::anyhow!("demo introduction: {e}"))?;
    let id = proposed.introduction.id;
    for (party, user) in [(Party::A, &mentee_user), (Party::B, &mentor_user)] {
        intro::answer(l.conn, &id, party, Action::Accept, Some(user), l.settings)
            .map_err(|e| anyhow::anyhow!("demo answer: {e}"))?;
    }
    let started = (crate::db::now().date() - time::Duration::weeks(5)).to_string();
    crate::mentoring::relationships::change(
        l.conn,
        &officer,
        &id,
        crate::mentoring::relationships::RelationshipChange {
            started_on: Some(started),
            outcome: None,
            org_number: None,
        },
    )
    .map_err(|e| anyhow::anyhow!("demo relationship: {e}"))?;
    Ok(())
}
