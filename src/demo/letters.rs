//! The demo's newsletters: one the Mora officer sent to the people of her municipalities who
//! asked for newsletters (in the public archive, its emails written like every other), and a
//! draft of the Røros officer's waiting for its preview and send.

use super::Loader;
use crate::newsletters::{self, NewsletterInput, Segment};
use crate::policy::Viewer;
use std::collections::{BTreeMap, HashMap};

fn texts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(l, t)| (l.to_string(), t.to_string()))
        .collect()
}

pub(super) fn load(l: &mut Loader<'_>, officers: &HashMap<&str, Viewer>) -> anyhow::Result<()> {
    let err = |e: crate::error::AppError| anyhow::anyhow!("demo newsletter: {e}");
    if let Some(mora) = officers.get("officer.mora") {
        let sent = newsletters::create(
            l.conn,
            mora,
            &NewsletterInput {
                subject: texts(&[
                    ("sv", "Nyheter från Heartland Match – december"),
                    ("nb", "Nytt fra Heartland Match – desember"),
                    ("en", "News from Heartland Match – December"),
                ]),
                body: texts(&[
                    ("sv", "Hej!\n\nDet här hände i gränsregionen i höstas:\n\n- **Mora kommun** bjuder in till dialog om skolmåltider 2027–2030.\n- Sju nya KTP-uppdrag i Dalarna och Trøndelag söker ingenjörer.\n- Mentorer från Röros och Karlstad tar emot nya företagare.\n\nSe allt som passar dig på https://heartland-match.example/ och hör av dig till din handläggare."),
                    ("nb", "Hei!\n\nDette skjedde i grenseregionen i høst:\n\n- **Mora kommune** inviterer til dialog om skolemåltider 2027–2030.\n- Sju nye KTP-oppdrag i Dalarna og Trøndelag søker ingeniører.\n- Mentorer fra Røros og Karlstad tar imot nye gründere.\n\nSe alt som passer deg på https://heartland-match.example/ og ta kontakt med rådgiveren din."),
                    ("en", "Hello!\n\nThis happened in the border region this autumn:\n\n- **Mora municipality** invites suppliers to a dialogue on school meals 2027–2030.\n- Seven new KTP placements in Dalarna and Trøndelag are looking for engineers.\n- Mentors from Røros and Karlstad welcome new entrepreneurs.\n\nSee what matches you at https://heartland-match.example/ and contact your business officer."),
                ]),
                segment: Segment::default(),
            },
        )
        .map_err(err)?;
        newsletters::send(l.conn, l.settings, mora, &sent.id).map_err(err)?;
    }
    if let Some(roros) = officers.get("officer.roros") {
        newsletters::create(
            l.conn,
            roros,
            &NewsletterInput {
                subject: texts(&[("nb", "Mentorer søkes i Fjellregionen")]),
                body: texts(&[(
                    "nb",
                    "Har du drevet bedrift i Fjellregionen? Nye gründere på Røros og i Tolga vil gjerne lære av deg.\n\nMeld deg som mentor på kontoen din.",
                )]),
                segment: Segment {
                    roles: vec!["mentor".into()],
                    ..Segment::default()
                },
            },
        )
        .map_err(err)?;
    }
    Ok(())
}
