//! The demo region's needs, people and procurements. Invented, but written as the programme's
//! users would write them, each in their own language.

use super::{Loader, Orgs};
use crate::records::candidate::Candidate;
use crate::records::mentor::Mentor;
use crate::records::need::Need;
use crate::records::offer::Offer;
use crate::records::procurement::Procurement;
use serde_json::json;

/// (organisation, title, description, kind, skills, languages, months, start, remote, cross-border, KTP-target)
type NeedRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    i64,
    &'static str,
    bool,
    bool,
    bool,
);

const NEEDS: &[NeedRow] = &[
    (
        "rorosstal",
        "Sveiseingeniør til produksjon av stålkonstruksjoner",
        "Vi leverer stålkonstruksjoner til gruve- og energibransjen og trenger en sveiseingeniør som kan utvikle sveiseprosedyrer (WPS), kvalitetssikre sveising og lære opp våre sveisere.",
        "process",
        &["sveising", "kvalitetssikring", "stålkonstruksjoner"],
        &[("nb", "B1")],
        12,
        "2027-02-15",
        false,
        true,
        false,
    ),
    ("morasagen", "Digitalisering av sågverkets produktionsflöde",
     "Vi vill mäta och styra flödet från timmerplan till brädgård med sensorer och dataanalys, och ta fram ett beslutsstöd för sågning och torkning.",
     "digitalisation", &["dataanalys", "automation", "Python", "produktionsplanering"], &[("sv", "B2")], 18, "2027-03-01", false, true, false),
    ("fjellmeieriet", "Eksport av fjellost til Sverige og Tyskland",
     "Meieriet trenger en markedsplan og forhandlerkontakter for eksport, med kunnskap om svensk dagligvarehandel og tysk regelverk.",
     "market", &["markedsføring", "eksport", "markedsanalyse"], &[("nb", "B2"), ("de", "B2")], 12, "2027-02-01", true, true, true),
    ("ludvikatrafo", "CAD-konstruktion av transformatorkomponenter för Mellanöstern",
     "Vi utvecklar reservdelar och ombyggnadssatser för transformatorer och behöver en konstruktör som kan CAD och som kan arbeta med kunder i arabisktalande länder.",
     "product", &["CAD", "SolidWorks", "konstruktion", "produktutveckling"], &[("ar", "B2"), ("en", "B2")], 24, "2027-01-15", false, false, true),
    ("trysilfjell", "Digital booking og markedsføring mot svenske gjester",
     "Vi vil bygge om bookingløsningen og nå svenske familier i Dalarna og Värmland med målrettet digital markedsføring.",
     "market", &["digital markedsføring", "SEO", "webbutvikling"], &[("sv", "B2")], 9, "2027-04-01", true, true, false),
    ("skogsteknik", "Sensorbaserad underhållsplanering för skogsmaskiner",
     "Maskinerna loggar redan driftdata. Vi vill använda maskininlärning för att förutse slitage och planera service innan haveri.",
     "process", &["maskininlärning", "IoT", "Python", "underhåll"], &[("sv", "B1"), ("en", "B2")], 18, "2027-05-01", true, true, false),
    ("tynsetbygg", "Bærekraftige boliger i massivtre – produktutvikling",
     "Vi utvikler standardiserte boligmoduler i massivtre og trenger en ingeniør innen konstruksjon og livsløpsanalyse (LCA).",
     "product", &["konstruksjon", "livsløpsanalyse", "trebyggeri", "CAD"], &[("nb", "B2")], 24, "2027-08-15", false, true, false),
    ("fjallgard", "E-handel och direktförsäljning av fjällprodukter",
     "Gården säljer renkött, ost och bär. Vi vill bygga en webbutik och en logistiklösning för direktförsäljning till kunder i hela Norden.",
     "digitalisation", &["e-handel", "logistik", "digital marknadsföring"], &[("sv", "B2")], 6, "2027-03-15", true, true, false),
    // Nobody in the region holds these skills yet: the list shows graduates whose own
    // experience is in the trade (see README, Matching: nothing in common, the same trade).
    ("rorosstal", "Programmering av robotceller og PLC i produksjonslinjen",
     "Vi vil programmere robotceller og styresystemer for den nye produksjonslinjen og trenger en ingeniør som kan ta dette videre.",
     "process", &["robotprogrammering", "PLC"], &[("nb", "B1")], 12, "2027-03-01", false, true, false),
    ("morasagen", "Energy efficiency in timber drying kilns",
     "Our kilns use most of the site's energy. We need an analysis of heat recovery and control strategies, with a business case for investment.",
     "process", &["energy efficiency", "heat recovery", "process control"], &[("en", "B2")], 12, "2027-09-01", false, true, false),
];

pub(super) fn needs(l: &mut Loader<'_>, orgs: &Orgs<'_>) -> anyhow::Result<()> {
    for (org, title, description, kind, skills, languages, months, start, remote, cross, target) in
        NEEDS
    {
        let (org_id, owner) = &orgs[org];
        let municipality = super::ORGANISATIONS
            .iter()
            .find(|o| o.0 == *org)
            .map(|o| o.3)
            .unwrap_or_default();
        let languages: Vec<_> = languages
            .iter()
            .map(|(c, lvl)| json!({"code": c, "min_level": lvl}))
            .collect();
        l.add::<Need>(owner, json!({
            "organisation_id": org_id, "title": title, "description": description, "kind": kind,
            "skills": skills, "languages": languages, "duration_months": months, "start_date": start,
            "municipality": municipality, "remote_ok": remote, "cross_border_ok": cross, "ktp_target": target,
        }))?;
    }
    // A company that asks for a coach as well as a graduate: both routes on its need's page.
    let (org_id, owner) = &orgs["ludvikatrafo"];
    l.add::<Need>(owner, json!({
        "organisation_id": org_id, "title": "Massanpassade transformatorskåp",
        "description": "Kunderna vill ha skåp efter egna mått och tillval. Vi vill gå från att rita varje order för hand till en produktkonfigurator och en modulär produktplattform, med automation i plåtverkstaden. Vi söker en coach med erfarenhet av massanpassning och lean, och gärna en ingenjör som driver projektet hos oss.",
        "kind": "product", "skills": ["massanpassning", "produktkonfigurering", "automation", "lean"],
        "languages": [{"code": "sv", "min_level": "B2"}], "duration_months": 12, "start_date": "2027-03-01",
        "municipality": "SE-2085", "remote_ok": false, "cross_border_ok": true, "ktp_target": false,
        "wants": ["graduate", "coach"],
    }))?;
    Ok(())
}

/// (name, locale, headline, summary, degree/field/institution/year, skills, languages, municipality, km, cross-border, from, seeking, business, gender, foreign background)
type CandidateRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str, &'static str, i64)>,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
    i64,
    bool,
    &'static str,
    &'static [&'static str],
    Option<(&'static str, &'static str, &'static [&'static str])>,
    &'static str,
    bool,
);

const CANDIDATES: &[CandidateRow] = &[
    ("Rania Haddad", "sv", "Civilingenjör maskinteknik med CAD och arabiska",
     "Maskiningenjör från Aleppo med fem års erfarenhet av konstruktion av kraftkomponenter. Nu i Ludvika, söker arbete där min arabiska och mina CAD-kunskaper behövs.",
     Some(("MSc", "Maskinteknik", "Högskolan Dalarna", 2025)), &["CAD", "SolidWorks", "konstruktion", "produktutveckling", "hållfasthetslära"],
     &[("ar", "native"), ("sv", "B2"), ("en", "C1")], "SE-2085", 150, false, "2027-01-10", &["ktp", "job"], None, "woman", true),
    ("Johan Mattsson", "sv", "Svetsingenjör (IWE) med erfarenhet av stålkonstruktioner",
     "Tio år som svetsare och arbetsledare på verkstad i Älvdalen, nu utbildad svetsingenjör. Skriver svetsprocedurer (WPS) och arbetar med kvalitetssäkring av svetsning.",
     Some(("IWE", "Svetsteknik", "Högskolan Väst", 2026)), &["svetsning", "kvalitetssäkring", "stålkonstruktioner", "TIG-svetsning"],
     &[("sv", "native"), ("en", "B2")], "SE-2039", 250, true, "2027-01-15", &["ktp", "job"], None, "man", false),
    ("Lina Persson", "sv", "Svetsare och plåtslagare, MIG/MAG och TIG",
     "Certifierad svetsare med sex års erfarenhet från tillverkningsindustrin i Mora. Vill vidareutvecklas mot svetsteknik och kvalitet.",
     None, &["svetsning", "plåtslageri", "montering"],
     &[("sv", "native"), ("nb", "B1"), ("en", "B1")], "SE-2062", 250, true, "2027-02-01", &["ktp", "job"], None, "woman", false),
    ("Marcus Holm", "sv", "Svetsare i Malmö med TIG-certifikat",
     "Svetsare på ett varv i Malmö, vill stanna i Skåne.",
     None, &["svetsning", "TIG-svetsning"],
     &[("sv", "native"), ("en", "B2")], "SE-1280", 30, true, "2027-01-01", &["ktp", "job"], None, "man", false),
    ("Erik Lindqvist", "sv", "Dataingenjör med inriktning på dataanalys och automation",
     "Nyexaminerad från Högskolan Dalarna. Examensarbete om sensordata i träindustrin.",
     Some(("BSc", "Datateknik", "Högskolan Dalarna", 2026)), &["dataanalys", "Python", "automation", "SQL"],
     &[("sv", "native"), ("en", "C1")], "SE-2080", 120, true, "2027-02-01", &["ktp"], None, "man", false),
    ("Kari Nygård", "nb", "Dataingeniør med erfaring fra IoT og maskinlæring",
     "Master fra NTNU, prosjekt om prediktivt vedlikehold i industrien. Vil gjerne jobbe i Sverige.",
     Some(("MSc", "Kybernetikk og robotikk", "NTNU", 2026)), &["maskinlæring", "IoT", "Python", "vedlikehold"],
     &[("nb", "native"), ("sv", "B2"), ("en", "C1")], "NO-5001", 400, true, "2027-03-01", &["ktp"], None, "woman", false),
    ("Jonas Berg", "nb", "Master i markedsføring og reiseliv",
     "Har jobbet med digital markedsføring for hoteller i Lillehammer og Trysil.",
     Some(("MSc", "Reiselivsledelse", "Høgskolen i Innlandet", 2025)), &["digital markedsføring", "SEO", "reiseliv", "markedsanalyse"],
     &[("nb", "native"), ("sv", "B2"), ("de", "B2"), ("en", "C1")], "NO-3405", 250, true, "2027-01-20", &["ktp", "job"], None, "man", false),
    ("Amira Yusuf", "en", "MSc Data Science, machine learning and forestry data",
     "Data scientist from Sudan, master's thesis on remote sensing of forests. Based in Karlstad.",
     Some(("MSc", "Data Science", "Karlstads universitet", 2026)), &["machine learning", "Python", "GIS", "data analysis"],
     &[("ar", "native"), ("en", "C2"), ("sv", "B1")], "SE-1780", 200, true, "2027-04-01", &["ktp"], None, "woman", true),
    ("Sofia Andersson", "sv", "Byggingenjör med intresse för trähusbyggande och LCA",
     "Examensarbete om klimatpåverkan från flerbostadshus i KL-trä.",
     Some(("BSc", "Byggteknik", "Karlstads universitet", 2026)), &["konstruktion", "livscykelanalys", "CAD", "trähusbyggande"],
     &[("sv", "native"), ("nb", "B2"), ("en", "C1")], "SE-1737", 300, true, "2027-08-01", &["ktp"], None, "woman", false),
    ("Ahmad Rahimi", "sv", "Restaurang med afghanska och syriska rätter i Borlänge",
     "Jag driver en liten restaurang sedan ett år och vill växa med catering till företag.",
     None, &["matlagning", "catering", "restaurang"], &[("prs", "native"), ("fa", "native"), ("sv", "A2")], "SE-2081", 50, false,
     "2027-01-01", &["mentoring"], Some(("started", "Restaurang och catering", &["tax", "rules", "financing"])), "man", true),
    ("Semhar Tesfay", "nb", "Skredder og redesign av klær på Røros",
     "Jeg vil starte en liten butikk med søm, reparasjon og redesign av klær.",
     None, &["søm", "tekstil", "redesign"], &[("ti", "native"), ("nb", "A2"), ("en", "B1")], "NO-5025", 40, false,
     "2027-01-01", &["mentoring"], Some(("idea", "Tekstil og klær", &["financing", "market", "language"])), "woman", true),
    ("Olena Kovalenko", "en", "IT consultant from Kyiv starting a web agency in Mora",
     "Ten years as a front-end developer. I want to build websites and online shops for small companies in Dalarna.",
     Some(("MSc", "Computer Science", "Kyiv Polytechnic Institute", 2014)), &["web development", "e-commerce", "JavaScript", "UX"],
     &[("uk", "native"), ("ru", "C2"), ("en", "C1"), ("sv", "A2")], "SE-2062", 80, true,
     "2027-01-01", &["mentoring", "ktp"], Some(("started", "IT services", &["rules", "market", "network"])), "woman", true),
    ("Yonas Haile", "sv", "Snickare som startar en möbelverkstad i massivträ i Orsa",
     "Jag har arbetat som snickare i Eritrea och i Sverige och vill starta en egen verkstad för möbler i furu. Jag behöver hjälp med finansiering och att hitta kunder.",
     None, &["snickeri", "möbeltillverkning", "trä"], &[("ti", "native"), ("sv", "B1"), ("en", "B1")], "SE-2034", 80, false,
     "2027-01-01", &["mentoring"], Some(("idea", "Trä och möbler", &["financing", "market", "rules"])), "man", true),
    ("Mohamed Abdi", "sv", "Städföretag i Karlstad",
     "Jag har startat ett städföretag med två anställda och vill ta kommunala uppdrag.",
     None, &["lokalvård", "fastighetsskötsel"], &[("so", "native"), ("sv", "B1"), ("en", "B1")], "SE-1780", 30, false,
     "2027-01-01", &["mentoring"], Some(("established", "Städ och fastighetsservice", &["tax", "rules", "market"])), "man", true),
];

/// (name, locale, headline, expertise, sectors, languages, municipality, capacity, cross-border, remote)
type MentorRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
    i64,
    bool,
    bool,
);

const MENTORS: &[MentorRow] = &[
    (
        "Anders Olsson",
        "sv",
        "Tidigare vd för sågverk, styrelseledamot",
        &["företagsledning", "finansiering", "styrelsearbete"],
        &["trä", "tillverkning"],
        &[("sv", "native"), ("en", "C1")],
        "SE-2062",
        2,
        true,
        false,
    ),
    (
        "Randi Moen",
        "nb",
        "Regnskapsfører og rådgiver for småbedrifter",
        &["regnskap", "skatt", "regelverk"],
        &["handel", "servering"],
        &[("nb", "native"), ("sv", "B2"), ("en", "B2")],
        "NO-5025",
        3,
        true,
        true,
    ),
    (
        "Peter Karlsson",
        "sv",
        "Bankman med erfarenhet av företagsfinansiering",
        &["finansiering", "affärsplan", "budget"],
        &["handel", "tjänster"],
        &[("sv", "native"), ("en", "C1")],
        "SE-1780",
        2,
        false,
        true,
    ),
    (
        "Hanne Sørli",
        "nb",
        "Restauratør med tjue år i bransjen",
        &["servering", "drift", "mattrygghet"],
        &["restaurant", "reiseliv"],
        &[("nb", "native"), ("en", "B2")],
        "NO-5001",
        1,
        true,
        false,
    ),
    (
        "Yasmin Al-Khatib",
        "sv",
        "Arabisktalande företagsrådgivare som drev en egen städfirma i tio år",
        &["skatt", "regelverk", "affärsplan", "nätverk"],
        &["handel", "restaurang", "tjänster", "städ"],
        &[("ar", "native"), ("sv", "C2"), ("en", "C1")],
        "SE-2081",
        4,
        true,
        true,
    ),
    (
        "Gunnar Lindqvist",
        "sv",
        "Produktionsrådgivare: massanpassning, lean och automation",
        &[
            "massanpassning",
            "produktkonfigurering",
            "lean",
            "automation",
        ],
        &["tillverkning", "trä"],
        &[("sv", "native"), ("nb", "B2"), ("en", "C1")],
        "SE-2062",
        2,
        true,
        true,
    ),
    (
        "Tor Eriksen",
        "nb",
        "Eksportrådgiver Norge–Sverige",
        &["eksport", "markedsføring", "nettverk"],
        &["næringsmiddel", "handel"],
        &[("nb", "native"), ("sv", "C1"), ("de", "B2")],
        "NO-3403",
        2,
        true,
        true,
    ),
];

/// Mentors who also coach companies (a need that asks for a coach).
const COACHES: &[&str] = &["Gunnar Lindqvist", "Anders Olsson"];

/// The demo address of a candidate or mentor, by name.
pub(super) fn person_email(role: &str, name: &str) -> Option<String> {
    let n = match role {
        "candidate" => CANDIDATES.iter().position(|c| c.0 == name),
        _ => MENTORS.iter().position(|m| m.0 == name),
    }?;
    Some(format!("{role}.{}@{}", n + 1, super::DEMO_DOMAIN))
}

/// Newcomers of the demo who have asked for a mentor, and what they wrote.
const ASKING: &[(&str, &str)] = &[
    (
        "Semhar Tesfay",
        "Jeg vil gjerne snakke med noen som har startet en butikk på Røros.",
    ),
    (
        "Yonas Haile",
        "Jag behöver hjälp med att räkna på priser och hitta kunder.",
    ),
];

pub(super) fn people(l: &mut Loader<'_>) -> anyhow::Result<()> {
    for (
        n,
        (
            name,
            locale,
            headline,
            summary,
            edu,
            skills,
            langs,
            m,
            km,
            cross,
            from,
            seeking,
            business,
            gender,
            foreign,
        ),
    ) in CANDIDATES.iter().enumerate()
    {
        let mut purposes: Vec<&str> = if business.is_some() {
            vec!["matching_mentoring", "contact"]
        } else {
            vec!["matching_ktp", "contact"]
        };
        // Some asked for newsletters, and the first for the weekly digest too.
        if n % 3 == 0 {
            purposes.push("newsletter");
        }
        if n == 0 {
            purposes.push("digest");
        }
        let v = l.person(n + 1, name, "candidate", locale, &purposes)?;
        let education: Vec<_> = edu
            .iter()
            .map(|(d, f, i, y)| json!({"degree": d, "field": f, "institution": i, "year": y}))
            .collect();
        let languages: Vec<_> = langs
            .iter()
            .map(|(c, lvl)| json!({"code": c, "level": lvl}))
            .collect();
        let business = business.map(|(stage, sector, needs)| json!({"stage": stage, "sector": sector, "support_needs": needs}));
        let id = l.add::<Candidate>(&v, json!({
            "headline": headline, "summary": summary, "education": education, "skills": skills,
            "languages": languages, "municipality": m, "max_distance_km": km, "cross_border_ok": cross,
            "available_from": from, "seeking": seeking, "business": business, "gender": gender,
            "foreign_background": foreign,
        }))?;
        // Two newcomers have asked for a mentor: the officers of Røros and Orsa see them.
        if let Some((_, note)) = ASKING.iter().find(|(who, _)| who == name) {
            crate::mentoring::ask(l.conn, &v, &id, note)
                .map_err(|e| anyhow::anyhow!("demo request: {e}"))?;
        }
    }
    for (n, (name, locale, headline, expertise, sectors, langs, m, capacity, cross, remote)) in
        MENTORS.iter().enumerate()
    {
        let v = l.person(
            n + 1,
            name,
            "mentor",
            locale,
            &["matching_mentoring", "contact", "newsletter"],
        )?;
        let languages: Vec<_> = langs
            .iter()
            .map(|(c, lvl)| json!({"code": c, "level": lvl}))
            .collect();
        l.add::<Mentor>(&v, json!({
            "headline": headline, "expertise": expertise, "sectors": sectors, "languages": languages,
            "municipality": m, "capacity": capacity, "cross_border_ok": cross, "remote_ok": remote,
            "offers_coaching": COACHES.contains(name),
        }))?;
    }
    Ok(())
}

/// (municipality organisation, title, description, CPV codes, value, currency, dialogue deadline, tender planned)
type ProcurementRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    f64,
    &'static str,
    &'static str,
    &'static str,
);

const PROCUREMENTS: &[ProcurementRow] = &[
    ("mora-kommun", "Måltider till förskolor och skolor i Mora", "Livsmedel och måltidstjänster till 14 förskolor och skolor. Vi vill höra leverantörer om lokalproducerat, specialkost och leveranser till byarna.", &["55300000-3", "15000000-8"], 18_000_000.0, "SEK", "2027-02-15", "2027-04-01"),
    ("mora-kommun", "Städtjänster för kommunens lokaler", "Lokalvård av skolor, äldreboenden och kontor, cirka 60 000 kvadratmeter.", &["90910000-9"], 9_500_000.0, "SEK", "2027-03-01", "2027-05-15"),
    ("roros-kommune", "Fagsystem for hjemmetjenesten", "Digitalt fagsystem med mobil løsning for hjemmetjenesten, integrasjon mot journal og velferdsteknologi.", &["48000000-8", "72000000-5"], 4_000_000.0, "NOK", "2027-01-31", "2027-03-15"),
    ("karlstad-kommun", "Drift och skötsel av grönytor", "Skötsel av parker och grönytor i centrala Karlstad, 2027–2030.", &["77310000-6"], 12_000_000.0, "SEK", "2027-02-28", "2027-04-30"),
    ("trysil-kommune", "Fjernvarmeanlegg for Trysil sentrum", "Nytt fjernvarmeanlegg basert på flis fra lokal skog, med rør og varmesentral.", &["45331000-6", "09300000-2"], 35_000_000.0, "NOK", "2027-03-15", "2027-06-01"),
];

/// (supplier, title, description, CPV codes, municipalities served, cross-border)
type OfferRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    bool,
);

const OFFERS: &[OfferRow] = &[
    (
        "dalastad",
        "Lokalvård och fastighetsservice",
        "Städning av skolor, vårdlokaler och kontor med miljömärkta medel.",
        &["90910000-9"],
        &["SE-2081", "SE-2080", "SE-2062", "SE-2085"],
        false,
    ),
    (
        "fjellkjokken",
        "Catering og måltider med lokale råvarer",
        "Måltider til skoler og institusjoner med råvarer fra fjellregionen.",
        &["55300000-3", "15000000-8"],
        &["NO-5025", "NO-3430", "SE-2062", "SE-2039"],
        true,
    ),
    (
        "orsagardskok",
        "Skolmåltider och specialkost från Orsa",
        "Tillagning av skolmåltider och specialkost med råvaror från gårdar i Orsa och Mora.",
        &["55300000-3", "15000000-8"],
        &["SE-2034", "SE-2062", "SE-2039"],
        false,
    ),
    (
        "vardit",
        "Verksamhetssystem för hemtjänst och omsorg",
        "Mobilt verksamhetssystem för hemtjänst med planering och dokumentation.",
        &["48000000-8", "72200000-7"],
        &[],
        true,
    ),
    (
        "osterdalvarme",
        "Bioenergi og fjernvarme",
        "Prosjektering og bygging av flisfyrte varmesentraler og fjernvarmenett.",
        &["45331000-6", "09300000-2"],
        &["NO-3420", "NO-3421", "NO-3427", "SE-2023"],
        true,
    ),
];

pub(super) fn procurement(l: &mut Loader<'_>, orgs: &Orgs<'_>) -> anyhow::Result<()> {
    let admin = l.admin.clone();
    for (org, title, description, cpv, amount, currency, deadline, tender) in PROCUREMENTS {
        let (org_id, _) = &orgs[org];
        let municipality = super::ORGANISATIONS
            .iter()
            .find(|o| o.0 == *org)
            .map(|o| o.3)
            .unwrap_or_default();
        l.add::<Procurement>(&admin, json!({
            "organisation_id": org_id, "title": title, "description": description, "cpv_codes": cpv,
            "estimated_value": {"amount": amount, "currency": currency}, "dialogue_deadline": deadline,
            "tender_planned": tender, "municipality": municipality,
        }))?;
    }
    for (org, title, description, cpv, serves, cross) in OFFERS {
        let (org_id, owner) = &orgs[org];
        l.add::<Offer>(owner, json!({
            "organisation_id": org_id, "title": title, "description": description, "cpv_codes": cpv,
            "serves": serves, "cross_border_ok": cross,
        }))?;
    }
    Ok(())
}
