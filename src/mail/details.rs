//! The ranking's explanation details (written in English, as the API gives them) in a
//! Swedish or Norwegian reader's language, language codes as names and dates as the reader
//! writes them.

/// The explanation's details are written in English by the ranking (as the API gives them);
/// in a Swedish or Norwegian email their fixed phrases are put in the reader's language, and
/// skill concepts named by their English label are named by the reader's.
pub fn localize_detail(locale: &str, detail: &str) -> String {
    let lang = match locale {
        "sv" => 0,
        "nb" => 1,
        _ => return names_and_dates(locale, detail),
    };
    const PHRASES: &[(&str, &str, &str)] = &[
        // The longer phrases first: they hold shorter ones (" required skills").
        (
            "no words in common",
            "inga gemensamma ord",
            "ingen felles ord",
        ),
        (
            " listed without experience behind it)",
            " angivna utan erfarenhet bakom)",
            " oppgitt uten erfaring bak)",
        ),
        (
            " more of a trade the experience shows: counts a quarter)",
            " till inom en bransch som erfarenheten visar: räknas en fjärdedel)",
            " til innen en bransje som erfaringen viser: teller en firedel)",
        ),
        (
            "(none of the required skills: counts half)",
            "(ingen av de efterfrågade kompetenserna: räknas till hälften)",
            "(ingen av de etterspurte kompetansene: teller halvt)",
        ),
        (
            "(many skills listed without experience behind them: counts less)",
            "(många kompetenser angivna utan erfarenhet bakom: räknas mindre)",
            "(mange kompetanser oppgitt uten erfaring bak: teller mindre)",
        ),
        (
            " (software and IT: delivered from anywhere)",
            " (programvara och IT: levereras varifrån som helst)",
            " (programvare og IT: leveres fra hvor som helst)",
        ),
        (
            ": among the mentor's sectors",
            ": bland mentorns branscher",
            ": blant mentorens bransjer",
        ),
        (
            ": the mentor's own trade",
            ": mentorns egen bransch",
            ": mentorens egen bransje",
        ),
        (
            ": a related trade",
            ": en närliggande bransch",
            ": en beslektet bransje",
        ),
        (
            "has run a business, in another trade",
            "har drivit företag, i en annan bransch",
            "har drevet bedrift, i en annen bransje",
        ),
        (
            "; has run a business",
            "; har drivit företag",
            "; har drevet bedrift",
        ),
        ("another trade", "en annan bransch", "en annen bransje"),
        (
            " what the need asks for",
            " som behovet efterfrågar",
            " som behovet etterspør",
        ),
        (", start ", ", start ", ", oppstart "),
        (
            "shared words only",
            "bara gemensamma ord",
            "bare felles ord",
        ),
        (" topics in common", " gemensamma ämnen", " felles temaer"),
        (
            " required skills",
            " efterfrågade kompetenser",
            " etterspurte kompetanser",
        ),
        (
            " support needs covered",
            " stödbehov täcks",
            " støttebehov dekkes",
        ),
        ("(none required)", "(inga krav)", "(ingen krav)"),
        ("(needs ", "(krav: ", "(krav: "),
        ("available from ", "tillgänglig från ", "tilgjengelig fra "),
        ("available now", "tillgänglig nu", "tilgjengelig nå"),
        (
            " as the company asked",
            ", som företaget efterfrågar",
            ", som bedriften ønsker",
        ),
        (
            "fit with the KTP-target profile",
            "passar KTP-målgruppens profil",
            "passer KTP-målgruppens profil",
        ),
        ("in common: ", "gemensamt: ", "felles: "),
        (
            " (remote possible)",
            " (distans möjligt)",
            " (fjernarbeid mulig)",
        ),
        (" places free", " platser lediga", " plasser ledige"),
        (" place free", " plats ledig", " plass ledig"),
        (" codes: ", " koder: ", " koder: "),
        (
            "dialogue open until ",
            "dialog öppen till ",
            "dialog åpen til ",
        ),
        (
            "dialogue deadline ",
            "sista dag för dialog ",
            "dialogfrist ",
        ),
        (" has passed", " har passerat", " er passert"),
        (
            "no dialogue deadline",
            "ingen sista dag för dialog",
            "ingen dialogfrist",
        ),
        (
            ", from across the border",
            ", från andra sidan gränsen",
            ", fra andre siden av grensen",
        ),
        (", crosses the border", ", över gränsen", ", over grensen"),
        ("serves ", "verkar i ", "leverer i "),
        (" native", " modersmål", " morsmål"),
    ];
    let vocabulary = heartland_index::Vocabulary::get();
    let concept = |word: &str| -> String {
        vocabulary
            .concepts()
            .iter()
            .find(|c| c.terms[2].first().is_some_and(|t| t == word))
            .and_then(|c| c.terms[lang].first().cloned())
            .unwrap_or_else(|| word.to_string())
    };
    let mut out = match detail.strip_prefix("matched: ") {
        Some(list) => {
            let words: Vec<String> = list.split(", ").map(concept).collect();
            format!("matched: {}", words.join(", "))
        }
        None => detail.to_string(),
    };
    let first = out.split(' ').next().unwrap_or_default();
    if first.chars().all(|c| c.is_ascii_digit()) && !first.is_empty() {
        out = out.replacen(" of ", " av ", 1);
    }
    out = out.replacen("matched: ", ["gemensamt: ", "felles: "][lang], 1);
    for (en, sv, nb) in PHRASES {
        out = out.replace(en, [sv, nb][lang]);
    }
    names_and_dates(locale, &out)
}

/// Language codes before a level (`sv B2`, `ar native`) as the language's name, and ISO dates
/// as the reader writes dates: "svenska B2", "15 januari 2027".
fn names_and_dates(locale: &str, detail: &str) -> String {
    const LEVELS: &[&str] = &[
        "A1",
        "A2",
        "B1",
        "B2",
        "C1",
        "C2",
        "native",
        "modersmål",
        "morsmål",
    ];
    let tr = crate::i18n::Tr::new(locale);
    let words: Vec<&str> = detail.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let core = w.trim_start_matches('(');
        let lead = &w[..w.len() - core.len()];
        let next = words
            .get(i + 1)
            .map(|n| n.trim_end_matches([',', ')', '.']))
            .unwrap_or("");
        let key = format!("lang.{core}");
        let name = tr.t(&key);
        if LEVELS.contains(&next) && name != key {
            out.push(format!("{lead}{name}"));
            continue;
        }
        let trimmed = core.trim_end_matches([',', ')', '.']);
        let tail = &core[trimmed.len()..];
        let is_date = trimmed.len() == 10
            && trimmed.char_indices().all(|(j, c)| {
                if j == 4 || j == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if is_date {
            out.push(format!(
                "{lead}{}{tail}",
                crate::i18n::date(locale, trimmed)
            ));
        } else {
            out.push((*w).to_string());
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_put_in_the_readers_language() {
        assert_eq!(
            localize_detail("nb", "matched: welding, quality assurance"),
            "felles: sveising, kvalitetssikring"
        );
        assert_eq!(
            localize_detail("sv", "3 of 3 required skills: sveising"),
            "3 av 3 efterfrågade kompetenser: sveising"
        );
        assert_eq!(
            localize_detail("sv", "Røros → Älvdalen 128 km, crosses the border"),
            "Røros → Älvdalen 128 km, över gränsen"
        );
        assert_eq!(
            localize_detail("nb", "sv native, en B2 (needs nb B1)"),
            "svensk morsmål, engelsk B2 (krav: norsk B1)"
        );
        assert_eq!(
            localize_detail("en", "sv native, en B2 (needs nb B1)"),
            "Swedish native, English B2 (needs Norwegian B1)"
        );
        assert_eq!(
            localize_detail("sv", "available from 2027-01-15"),
            "tillgänglig från 15 januari 2027"
        );
        assert_eq!(localize_detail("en", "available now"), "available now");
    }

    /// Every fixed phrase the ranking writes (`heartland_index::rank`), in a Swedish or
    /// Norwegian reader's language: no English word of them is left.
    #[test]
    fn no_phrase_of_the_ranking_is_left_in_english() {
        let details = [
            "no words in common",
            "shared words only",
            "shared words only (many skills listed without experience behind them: counts less)",
            "shared words only (none of the required skills: counts half)",
            "1 of 3 required skills: CAD (1 listed without experience behind it) (2 more of a trade the experience shows: counts a quarter)",
            "0 of 2 what the need asks for",
            "2 of 3 support needs covered: tax, financing",
            "catering: the mentor's own trade; has run a business",
            "catering: the mentor's own trade",
            "catering: among the mentor's sectors; has run a business",
            "catering: among the mentor's sectors",
            "catering: a related trade; has run a business",
            "has run a business, in another trade",
            "another trade",
            "Mora → Falun 60 km (software and IT: delivered from anywhere)",
            "available from 2027-01-15, start 2027-02-01",
            "1 of 1 codes: 72413000-8",
            "2 places free",
            "dialogue deadline 2027-01-01 has passed",
        ];
        let english = [
            "shared",
            "words",
            "common",
            "listed",
            "without",
            "experience",
            "counts",
            "none",
            "trade",
            "business",
            "mentor's",
            "among",
            "sectors",
            "delivered",
            "anywhere",
            "software",
            "asks",
            "covered",
            "start",
            "free",
            "deadline",
            "passed",
            "needs",
        ];
        for locale in ["sv", "nb"] {
            for d in details {
                let out = localize_detail(locale, d);
                let left: Vec<&str> = out
                    .split(|c: char| !c.is_alphanumeric() && c != '\'')
                    .filter(|w| english.contains(w))
                    .collect();
                let allowed: &[&str] = if locale == "sv" { &["start"] } else { &[] };
                let left: Vec<&str> = left.into_iter().filter(|w| !allowed.contains(w)).collect();
                assert!(left.is_empty(), "{locale}: {d} → {out}: {left:?}");
            }
        }
    }
}
