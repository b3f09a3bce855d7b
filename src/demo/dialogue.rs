//! The demo's market dialogue: Mora's school meals are in dialogue, with the Norwegian caterer
//! from Røros and a farm kitchen in Orsa invited and registered, two questions (one answered,
//! to both), a conference and 1:1 meetings with one booked — all through the use cases.

use super::{Loader, Orgs};
use crate::db::{ListFilter, Record, User, Visible};
use crate::dialogue::exchange::{self, Contact, Register, TextBody};
use crate::dialogue::invitations::{self, OpenDialogue};
use crate::dialogue::meetings::{self, SlotsInput};
use crate::dialogue::Notice;
use crate::policy::{Role, Viewer};
use anyhow::Context;

/// The offers of an organisation.
fn offers_of(l: &mut Loader<'_>, org: &str) -> anyhow::Result<Vec<String>> {
    let f = ListFilter {
        organisation_id: Some(org.into()),
        limit: 10,
        ..Default::default()
    };
    Ok(Record::Offer
        .list(l.conn, &Visible::All, &f)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

pub(super) fn load(l: &mut Loader<'_>, orgs: &Orgs<'_>) -> anyhow::Result<()> {
    let (mora, _) = &orgs["mora-kommun"];
    let f = ListFilter {
        organisation_id: Some(mora.clone()),
        limit: 10,
        ..Default::default()
    };
    let meals = Record::Procurement
        .list(l.conn, &Visible::All, &f)?
        .into_iter()
        .find(|r| r.data.contains("Måltider till förskolor"))
        .context("the demo's school meals")?;
    let email = format!("officer.mora@{}", super::DEMO_DOMAIN);
    let user = User::by_email(l.conn, &email)?.context("the Mora officer")?;
    let officer = Viewer {
        scopes: User::scopes(l.conn, &user.id)?,
        user_id: user.id,
        role: Role::Officer,
        organisations: Vec::new(),
        locale: "sv".into(),
        touched_recently: false,
    };
    let suppliers = ["fjellkjokken", "orsagardskok"];
    let mut invite = Vec::new();
    for s in suppliers {
        invite.extend(offers_of(l, &orgs[s].0)?);
    }
    let settings = l.settings;
    let err = |e: crate::error::AppError| anyhow::anyhow!("demo dialogue: {e}");
    invitations::open(
        l.conn,
        &officer,
        &meals.id,
        OpenDialogue {
            notice: Notice {
                sv: Some("Mora kommun ska upphandla måltider till 14 förskolor och skolor. Innan vi skriver förfrågningsunderlaget vill vi höra er: lokalproducerat, specialkost, leveranser till byarna. Välkomna till dialogkonferensen och till enskilda möten.".into()),
                nb: Some("Mora kommune skal anskaffe måltider til 14 barnehager og skoler. Før vi skriver konkurransegrunnlaget vil vi høre fra dere: lokale råvarer, spesialkost, leveranser til grendene. Velkommen til dialogkonferansen og til enkeltmøter.".into()),
                en: Some("Mora municipality will buy meals for 14 preschools and schools. Before writing the tender documents we want to hear from you: local produce, special diets, deliveries to the villages. Welcome to the dialogue conference and to 1:1 meetings.".into()),
            },
            invite,
            remove: Vec::new(),
        },
        Vec::new(),
        settings,
    )
    .map_err(err)?;
    let mut registered = Vec::new();
    for (s, contact, phone) in [
        ("fjellkjokken", "Sigrid Fjeld", "+47 72 41 22 33"),
        ("orsagardskok", "Amina Yusuf", "+46 250 123 45"),
    ] {
        let (org, viewer) = &orgs[s];
        let email = User::by_id(l.conn, &viewer.user_id)?
            .context("the supplier's account")?
            .email;
        exchange::register(
            l.conn,
            viewer,
            &meals.id,
            Register {
                organisation_id: org.clone(),
                contact: Contact {
                    name: contact.into(),
                    email,
                    phone: Some(phone.into()),
                },
            },
            settings,
        )
        .map_err(err)?;
        registered.push(viewer.clone());
    }
    let q = exchange::ask(
        l.conn,
        &registered[1],
        &meals.id,
        TextBody {
            text: "Kan vi lämna anbud bara på specialkost, eller måste vi leverera alla måltider?"
                .into(),
        },
    )
    .map_err(err)?;
    exchange::ask(
        l.conn,
        &registered[0],
        &meals.id,
        TextBody {
            text: "Kan leveransene til grendene skje to ganger i uka i stedet for daglig?".into(),
        },
    )
    .map_err(err)?;
    exchange::answer(
        l.conn,
        &officer,
        &meals.id,
        &q.id,
        TextBody {
            text: "Vi planerar att dela upphandlingen i delområden: specialkost blir ett eget. / Vi planlegger å dele anskaffelsen i delområder: spesialkost blir et eget.".into(),
        },
        settings,
    )
    .map_err(err)?;
    let day = (crate::dialogue::ics::local_now().date() + time::Duration::days(21)).to_string();
    meetings::offer(
        l.conn,
        &officer,
        &meals.id,
        SlotsInput {
            kind: Some("conference".into()),
            starts_at: format!("{day}T09:00"),
            minutes: 120,
            count: None,
            place: "Mora kommunhus, Fredsgatan 16 – och https://video.example/mora-maltider".into(),
        },
        settings,
    )
    .map_err(err)?;
    let slots = meetings::offer(
        l.conn,
        &officer,
        &meals.id,
        SlotsInput {
            kind: None,
            starts_at: format!("{day}T13:00"),
            minutes: 45,
            count: Some(4),
            place: "Mora kommunhus, rum Zorn".into(),
        },
        settings,
    )
    .map_err(err)?;
    if let Some(first) = slots.first() {
        meetings::book(l.conn, &registered[0], &meals.id, &first.id, settings).map_err(err)?;
    }
    Ok(())
}
