//! The words of the pages in Swedish, Norwegian bokmål and English (`assets/i18n.tsv`), the
//! choice of language (the account's, else the `hm_lang` cookie the switcher sets, else
//! `Accept-Language`), and dates and numbers as each language writes them.

use std::collections::HashMap;
use std::sync::OnceLock;

pub const LOCALES: [&str; 3] = ["sv", "nb", "en"];

fn table() -> &'static HashMap<&'static str, [&'static str; 3]> {
    static TABLE: OnceLock<HashMap<&'static str, [&'static str; 3]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../assets/i18n.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut parts = l.split('\t');
                let key = parts.next()?;
                Some((key, [parts.next()?, parts.next()?, parts.next()?]))
            })
            .collect()
    })
}

/// The words of one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub locale: &'static str,
}

impl Tr {
    pub fn new(locale: &str) -> Tr {
        Tr {
            locale: LOCALES
                .iter()
                .find(|l| **l == locale)
                .copied()
                .unwrap_or("en"),
        }
    }

    /// A refused field as the form's reader understands it: the field by its label (`field.*`
    /// keys; the API's name where there is none) and the API's English message in the page's
    /// language where it is one of the common kinds (`msg.*` keys; as it is otherwise).
    pub fn field_error(&self, field: &str, message: &str) -> String {
        let base = field.split(['[', '.']).next().unwrap_or(field);
        let label_key = format!("field.{base}");
        let label = match table().get(label_key.as_str()) {
            Some(row) => row[self.index()],
            None => field,
        };
        format!("{label}: {}", self.message(message))
    }

    /// A validation message in the reader's language (as written when no translation fits).
    pub fn message_of(&self, m: &str) -> String {
        self.message(m)
    }

    fn message(&self, m: &str) -> String {
        let fill = |key: &str, values: &[&str]| -> String {
            let mut out = self.t(key).to_string();
            for (i, v) in values.iter().enumerate() {
                out = out.replace(&format!("{{{i}}}"), v);
            }
            out
        };
        for (sentence, key) in [
            ("must not be empty", "msg.empty"),
            (
                "an officer needs at least one municipality to act for",
                "msg.officer_needs_place",
            ),
            (
                "only an officer acts for municipalities",
                "msg.only_officers",
            ),
            (
                "you cannot take away your own administrator role: another administrator can",
                "msg.own_role",
            ),
            (
                "you have not agreed to be matched for mentoring: turn it on under your account",
                "msg.no_mentoring_consent",
            ),
            (
                "the profile does not seek mentoring: tick mentoring and describe your business idea",
                "msg.not_mentee",
            ),
            ("save your profile first", "msg.save_profile_first"),
            (
                "is missing: the subject is written in this language",
                "msg.letter_body_missing",
            ),
            (
                "is missing: the body is written in this language",
                "msg.letter_subject_missing",
            ),
            (
                "write it in at least one of sv, nb, en",
                "msg.letter_no_language",
            ),
            ("is required", "msg.required"),
            ("must be yes or no (ja/nej, ja/nei)", "msg.yes_no"),
            ("must be a whole number", "msg.whole_number"),
            ("must be a number", "msg.number"),
            (
                "no organisation has this number: import the organisations first",
                "msg.no_org_number",
            ),
        ] {
            if m == sentence {
                return fill(key, &[]);
            }
        }
        if let Some((a, b)) = m
            .strip_prefix("must be between ")
            .and_then(|r| r.split_once(" and "))
        {
            return fill("msg.between", &[a, b]);
        }
        if let Some(n) = m
            .strip_prefix("must be at most ")
            .and_then(|r| r.split_once(" characters"))
            .map(|(n, _)| n)
        {
            return fill("msg.too_long", &[n]);
        }
        if let Some(n) = m
            .strip_prefix("must be at least ")
            .and_then(|r| r.strip_suffix(" characters"))
        {
            return fill("msg.too_short", &[n]);
        }
        if let Some(n) = m
            .strip_prefix("may hold at most ")
            .and_then(|r| r.strip_suffix(" entries"))
        {
            return fill("msg.too_many", &[n]);
        }
        if let Some(list) = m.strip_prefix("must be one of: ") {
            return fill("msg.one_of", &[list]);
        }
        for (tail, key) in [
            ("is not a date of the form YYYY-MM-DD", "msg.date"),
            ("is not of the form SE-2062 or NO-5025", "msg.municipality"),
            ("has no municipality with code", "msg.municipality"),
            ("unknown country", "msg.municipality"),
            ("is not a known language code", "msg.language"),
            ("is not a CEFR level", "msg.cefr"),
        ] {
            if let Some(at) = m.find(tail) {
                return fill(key, &[m[..at].trim()]);
            }
        }
        m.to_string()
    }

    fn index(&self) -> usize {
        LOCALES.iter().position(|l| *l == self.locale).unwrap_or(2)
    }

    /// The text of `key` (the key itself when it is missing: a test keeps that from happening).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        table().get(key).map(|row| row[self.index()]).unwrap_or(key)
    }

    /// A score 0–1 as a percentage, written as the language writes it.
    pub fn percent(&self, score: &f64) -> String {
        let n = (score * 100.0).round();
        match self.locale {
            "en" => format!("{n}%"),
            // A no-break space: the number and its sign stay on one line.
            _ => format!("{n}\u{a0}%"),
        }
    }

    /// An ISO date (`2027-03-01`) as the language writes it.
    pub fn date(&self, iso: &str) -> String {
        date(self.locale, iso)
    }

    /// A moment the service recorded (UTC) as the date the language writes and the time.
    pub fn date_time(&self, t: time::PrimitiveDateTime) -> String {
        format!(
            "{} {:02}:{:02} UTC",
            date(self.locale, &t.date().to_string()),
            t.hour(),
            t.minute()
        )
    }
}

/// The language of a request: the `lang` query parameter or cookie, else `Accept-Language`.
pub fn negotiate(query_or_cookie: Option<&str>, accept_language: Option<&str>) -> &'static str {
    if let Some(l) = query_or_cookie.and_then(|l| LOCALES.iter().find(|x| **x == l)) {
        return l;
    }
    for part in accept_language.unwrap_or_default().split(',') {
        let tag = part
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or_default();
        match primary {
            "sv" => return "sv",
            "nb" | "no" | "nn" => return "nb",
            "en" => return "en",
            _ => {}
        }
    }
    "en"
}

/// `2026-12-12` as the reader writes dates.
pub fn date(locale: &str, iso: &str) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parts: Vec<&str> = iso.get(..10).unwrap_or(iso).split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return iso.to_string();
    };
    let (Ok(month), Ok(day)) = (m.parse::<usize>(), d.parse::<u32>()) else {
        return iso.to_string();
    };
    match locale {
        "sv" => format!("{day} {} {y}", sv_month(month)),
        "nb" => format!("{day}. {} {y}", nb_month(month)),
        _ => format!(
            "{day} {} {y}",
            EN.get(month.wrapping_sub(1)).copied().unwrap_or("")
        ),
    }
}

fn sv_month(m: usize) -> &'static str {
    [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ]
    .get(m.wrapping_sub(1))
    .copied()
    .unwrap_or("")
}

fn nb_month(m: usize) -> &'static str {
    [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ]
    .get(m.wrapping_sub(1))
    .copied()
    .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_every_language_and_is_there_once() {
        let mut seen = std::collections::HashSet::new();
        for line in include_str!("../assets/i18n.tsv").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split('\t').collect();
            assert!(
                seen.insert(parts[0]),
                "{} is there twice: the last one wins",
                parts[0]
            );
            assert_eq!(parts.len(), 4, "{line}");
            assert!(parts.iter().all(|p| !p.trim().is_empty()), "{line}");
        }
    }

    /// Every `t("…")` in a page template names a key of the table.
    #[test]
    fn every_key_the_pages_use_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/pages");
        let mut missing = Vec::new();
        let mut used = 0;
        for entry in std::fs::read_dir(&dir).expect("templates/pages") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("template");
            for piece in text.split("t(\"").skip(1) {
                let key = piece.split('"').next().unwrap_or_default();
                used += 1;
                if !table().contains_key(key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(used > 20, "the pages use the table");
        assert!(missing.is_empty(), "missing keys: {missing:?}");
    }

    #[test]
    fn the_language_is_negotiated() {
        assert_eq!(negotiate(Some("nb"), Some("sv-SE")), "nb");
        assert_eq!(negotiate(None, Some("nn-NO,en;q=0.5")), "nb");
        assert_eq!(negotiate(None, Some("de-DE,sv;q=0.8")), "sv");
        assert_eq!(negotiate(Some("xx"), None), "en");
        assert_eq!(Tr::new("sv").percent(&0.87), "87\u{a0}%");
        assert_eq!(Tr::new("en").percent(&0.87), "87%");
        assert_eq!(Tr::new("nb").t("nav.sign_out"), "Logg ut");
    }

    /// The API's field errors, as a form's reader sees them: the label, then the message in
    /// their language where it is a common kind; any other message as the API wrote it.
    #[test]
    fn field_errors_speak_the_readers_language() {
        let sv = Tr::new("sv");
        assert_eq!(
            sv.field_error("duration_months", "must be between 6 and 24"),
            "Längd i månader: måste vara mellan 6 och 24"
        );
        assert_eq!(
            sv.field_error(
                "start_date",
                "\"1 mars\" is not a date of the form YYYY-MM-DD"
            ),
            "Startdatum: \"1 mars\" är inte ett datum (ÅÅÅÅ-MM-DD)"
        );
        assert_eq!(
            Tr::new("nb").field_error(
                "languages[1].min_level",
                "\"B3\" is not a CEFR level: use A1, A2, B1, B2, C1, C2 or native"
            ),
            "Språk: \"B3\" er ikke et nivå: velg A1–C2 eller morsmål"
        );
        assert_eq!(
            sv.field_error(
                "municipality",
                "SE has no municipality with code \"9999\" (use …)"
            ),
            "Kommun: finns inte: välj en kommun ur listan"
        );
        assert_eq!(
            Tr::new("en").field_error("title", "must be at most 200 characters (it has 250)"),
            "Title: must be at most 200 characters"
        );
        assert_eq!(
            sv.field_error("organisation_id", "something else entirely"),
            "organisation_id: something else entirely"
        );
    }
}
