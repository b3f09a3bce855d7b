//! A synthetic but realistic region for a first look: sawmills, dairies, engineering firms,
//! hotels and municipalities in Dalarna, Värmland, Innlandet and Trøndelag, with graduates,
//! newcomer entrepreneurs, mentors and suppliers, in Swedish, Norwegian and English. Every
//! record goes through the same validation and access rules as the API. All demo accounts
//! share the password [`DEMO_PASSWORD`]; the people and companies are invented.

use crate::config::Settings;
use crate::db::{self, Db, DbConn, Record, User};
use crate::policy::{Role, Viewer};
use crate::records::organisation::Organisation;
use crate::records::{RecordType, CONSENT_TEXT_VERSION};
use anyhow::Context;

mod content;
mod dialogue;
mod letters;
mod relationships;
use serde_json::{json, Value};

pub const DEMO_PASSWORD: &str = "heartland-demo-2026";
pub const DEMO_DOMAIN: &str = "demo.heartland-match.example";

/// (local part, name, role, locale, officer municipalities)
const STAFF: &[(&str, &str, &str, &str, &[&str])] = &[
    ("admin", "Programkontoret", "admin", "en", &[]),
    (
        "officer.mora",
        "Karin Ersson",
        "officer",
        "sv",
        &["SE-2062", "SE-2034", "SE-2039", "SE-2085"],
    ),
    (
        "officer.roros",
        "Ola Haugen",
        "officer",
        "nb",
        &["NO-5025", "NO-5026", "NO-3430", "NO-3426"],
    ),
    (
        "officer.karlstad",
        "Lena Nilsson",
        "officer",
        "sv",
        &["SE-1780", "SE-1737", "SE-1784"],
    ),
    (
        "officer.hamar",
        "Ingrid Bakken",
        "officer",
        "nb",
        &["NO-3403", "NO-3421", "NO-3427", "NO-3405"],
    ),
];

/// (slug, name, kind, municipality, nace, size, leadership)
type OrganisationRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const ORGANISATIONS: &[OrganisationRow] = &[
    (
        "morasagen",
        "Morasågen AB",
        "company",
        "SE-2062",
        "16.10",
        "small",
        Some("men"),
    ),
    (
        "fjellmeieriet",
        "Fjellmeieriet Røros AS",
        "company",
        "NO-5025",
        "10.51",
        "small",
        Some("women"),
    ),
    (
        "ludvikatrafo",
        "Ludvika Transformatorservice AB",
        "company",
        "SE-2085",
        "27.11",
        "medium",
        Some("mixed"),
    ),
    (
        "trysilfjell",
        "Trysil Fjellopplevelser AS",
        "company",
        "NO-3421",
        "55.10",
        "small",
        Some("women"),
    ),
    (
        "skogsteknik",
        "Värmlands Skogsteknik AB",
        "company",
        "SE-1737",
        "28.30",
        "small",
        Some("men"),
    ),
    (
        "rorosstal",
        "Røros Stål og Sveis AS",
        "company",
        "NO-5025",
        "25.11",
        "small",
        Some("men"),
    ),
    (
        "tynsetbygg",
        "Tynset Massivtre AS",
        "company",
        "NO-3427",
        "16.23",
        "medium",
        Some("mixed"),
    ),
    (
        "fjallgard",
        "Älvdalens Fjällgård AB",
        "company",
        "SE-2039",
        "01.41",
        "micro",
        Some("women"),
    ),
    (
        "dalastad",
        "Dala Städ & Fastighetsservice AB",
        "supplier",
        "SE-2081",
        "81.21",
        "small",
        Some("women"),
    ),
    (
        "fjellkjokken",
        "Fjellkjøkken Catering AS",
        "supplier",
        "NO-5025",
        "56.21",
        "micro",
        Some("mixed"),
    ),
    (
        "vardit",
        "Nordisk Vård-IT AB",
        "supplier",
        "SE-1780",
        "62.01",
        "medium",
        Some("mixed"),
    ),
    (
        "osterdalvarme",
        "Østerdalen Varme og Energi AS",
        "supplier",
        "NO-3420",
        "35.30",
        "small",
        Some("men"),
    ),
    (
        "mora-kommun",
        "Mora kommun",
        "municipality",
        "SE-2062",
        "84.11",
        "large",
        None,
    ),
    (
        "roros-kommune",
        "Røros kommune",
        "municipality",
        "NO-5025",
        "84.11",
        "large",
        None,
    ),
    (
        "karlstad-kommun",
        "Karlstads kommun",
        "municipality",
        "SE-1780",
        "84.11",
        "large",
        None,
    ),
    (
        "trysil-kommune",
        "Trysil kommune",
        "municipality",
        "NO-3421",
        "84.11",
        "large",
        None,
    ),
    (
        "orsagardskok",
        "Orsa Gårdskök AB",
        "supplier",
        "SE-2034",
        "56.29",
        "micro",
        Some("women"),
    ),
    // Registered itself this week: waits in the Mora officer's moderation queue.
    (
        "alvdalssnickeri",
        "Älvdalens Snickeri & Bygg AB",
        "company",
        "SE-2039",
        "43.32",
        "micro",
        Some("men"),
    ),
];

/// The organisation the demo leaves unverified, for the moderation queue.
const WAITING: &str = "alvdalssnickeri";

/// A fictional organisation number with a correct check digit.
fn org_number(country: &str, seed: usize) -> String {
    let mut n = seed * 7919 + 104_729;
    loop {
        let body = if country == "SE" {
            format!("559{:06}", n % 1_000_000)
        } else {
            format!("9{:07}", n % 10_000_000)
        };
        let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
        let check = if country == "SE" {
            let sum: u32 = digits
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &d)| {
                    if i % 2 == 0 {
                        let x = d * 2;
                        x / 10 + x % 10
                    } else {
                        d
                    }
                })
                .sum();
            Some((10 - sum % 10) % 10)
        } else {
            let sum: u32 = digits
                .iter()
                .zip([3, 2, 7, 6, 5, 4, 3, 2])
                .map(|(a, w)| a * w)
                .sum();
            match 11 - sum % 11 {
                11 => Some(0),
                10 => None,
                c => Some(c),
            }
        };
        if let Some(c) = check {
            return format!("{body}{c}");
        }
        n += 1;
    }
}

struct Loader<'a> {
    conn: &'a mut DbConn,
    settings: &'a Settings,
    hash: String,
    admin: Viewer,
}

impl Loader<'_> {
    fn user(
        &mut self,
        local: &str,
        name: &str,
        role: &str,
        locale: &str,
    ) -> anyhow::Result<Viewer> {
        let email = format!("{local}@{DEMO_DOMAIN}");
        let id = User::insert(
            self.conn,
            &db::NewUser {
                email: &email,
                display_name: name,
                phone: None,
                locale,
                role,
                password_hash: Some(&self.hash),
                verified: true,
            },
        )?;
        let role = Role::parse(role).context("demo role")?;
        Ok(Viewer {
            user_id: id,
            role,
            scopes: Vec::new(),
            organisations: Vec::new(),
            locale: locale.into(),
            touched_recently: false,
        })
    }

    fn add<R: RecordType>(&mut self, viewer: &Viewer, body: Value) -> anyhow::Result<String> {
        let input: R::Input =
            serde_json::from_value(body.clone()).with_context(|| format!("demo {body}"))?;
        let valid = R::validate(input).map_err(|e| anyhow::anyhow!("demo {}: {e:?}", R::PATH))?;
        let row = crate::records::store::create::<R>(self.conn, viewer, valid, self.settings)
            .map_err(|e| anyhow::anyhow!("demo {}: {e}", R::PATH))?;
        Ok(row.id)
    }

    /// A candidate or mentor account that has consented to `purposes`.
    fn person(
        &mut self,
        n: usize,
        name: &str,
        role: &str,
        locale: &str,
        purposes: &[&str],
    ) -> anyhow::Result<Viewer> {
        let v = self.user(&format!("{role}.{n}"), name, role, locale)?;
        db::record_consents(self.conn, &v.user_id, purposes, CONSENT_TEXT_VERSION, None)?;
        Ok(v)
    }
}

/// Loads the demo region unless it is there already. Returns whether it loaded.
pub fn load(db: &Db, settings: &Settings) -> anyhow::Result<bool> {
    let hash = crate::auth::hash_password(DEMO_PASSWORD)?;
    let loaded = db.write_blocking(|conn| -> anyhow::Result<bool> {
        if User::by_email(conn, &format!("admin@{DEMO_DOMAIN}"))?.is_some() {
            return Ok(false);
        }
        let admin = Viewer {
            user_id: String::new(),
            role: Role::Admin,
            scopes: Vec::new(),
            organisations: Vec::new(),
            locale: "en".into(),
            touched_recently: false,
        };
        let mut l = Loader {
            conn,
            settings,
            hash,
            admin,
        };
        populate(&mut l)?;
        Ok(true)
    })?;
    if loaded {
        println!("Demo region loaded. Sign in as officer.mora@{DEMO_DOMAIN} (or officer.roros, officer.karlstad, officer.hamar, admin) with the password {DEMO_PASSWORD:?}.");
    } else {
        println!("The demo region is already loaded.");
    }
    Ok(loaded)
}

fn populate(l: &mut Loader<'_>) -> anyhow::Result<()> {
    let mut officers = std::collections::HashMap::new();
    for (local, name, role, locale, scopes) in STAFF {
        let mut v = l.user(local, name, role, locale)?;
        for s in *scopes {
            User::add_scope(l.conn, &v.user_id, s)?;
        }
        v.scopes = scopes.iter().map(|s| s.to_string()).collect();
        officers.insert(*local, v.clone());
        if *role == "admin" {
            l.admin.user_id = v.user_id;
        }
    }
    let mut orgs = std::collections::HashMap::new();
    for (i, (slug, name, kind, municipality, nace, size, leadership)) in
        ORGANISATIONS.iter().enumerate()
    {
        let country = &municipality[..2];
        let body = json!({"name": name, "kind": kind, "org_number": org_number(country, i), "country": country,
            "municipality": municipality, "nace": nace, "size": size, "leadership": leadership});
        let mut viewer = match *kind {
            "company" | "supplier" => {
                let locale = if country == "SE" { "sv" } else { "nb" };
                let v = l.user(&format!("{kind}.{slug}"), name, kind, locale)?;
                // The sawmill in Mora reads the digest of new candidates and the newsletter.
                if *slug == "morasagen" {
                    db::record_consents(
                        l.conn,
                        &v.user_id,
                        &["digest", "newsletter"],
                        CONSENT_TEXT_VERSION,
                        None,
                    )?;
                }
                v
            }
            _ => l.admin.clone(),
        };
        let id = l.add::<Organisation>(&viewer, body)?;
        if *slug != WAITING {
            // The region's officers have vouched for the others.
            db::holds::lift(l.conn, db::holds::ORGANISATION, &id, db::holds::UNVERIFIED)?;
        }
        viewer.organisations.push(id.clone());
        orgs.insert(*slug, (id, viewer));
    }
    content::needs(l, &orgs)?;
    content::people(l)?;
    content::procurement(l, &orgs)?;
    dialogue::load(l, &orgs)?;
    relationships::load(l)?;
    // A company reports a supplier's offer it finds misleading: in the Mora officer's queue.
    if let (Some((_, reporter)), Some(offer)) = (
        orgs.get("morasagen"),
        Record::Offer
            .all(l.conn)?
            .into_iter()
            .find(|o| o.organisation_id == orgs.get("orsagardskok").map(|(id, _)| id.clone())),
    ) {
        crate::moderation::reports::report(
            l.conn,
            reporter,
            &crate::moderation::reports::ReportRequest {
                kind: "offer".into(),
                id: offer.id,
                reason: "Erbjudandet lovar specialkost till alla skolor, men företaget är \
                         ett litet gårdskök. Klarar de verkligen det?"
                    .into(),
            },
        )
        .map_err(|e| anyhow::anyhow!("demo report: {e}"))?;
    }
    letters::load(l, &officers)?;
    Ok(())
}

type Orgs<'a> = std::collections::HashMap<&'a str, (String, Viewer)>;

#[cfg(test)]
mod tests {
    use super::org_number;
    use crate::domain::{Country, OrgNumber};

    #[test]
    fn demo_organisation_numbers_pass_their_checks() {
        for i in 0..50 {
            assert!(OrgNumber::parse(Country::Se, &org_number("SE", i)).is_ok());
            assert!(OrgNumber::parse(Country::No, &org_number("NO", i)).is_ok());
        }
    }
}
