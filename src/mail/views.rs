//! What each email says, in the recipient's language: the stored parameters of an outbox row
//! turned into the values its template names. The words around the values live in the
//! templates; the few words the code puts together (factor names, levels, dates) live here.

use super::templates::{escape_html, Values};
use crate::i18n::date;
use serde_json::Value;

pub(super) fn pick<'a>(locale: &str, sv: &'a str, nb: &'a str, en: &'a str) -> &'a str {
    match locale {
        "sv" => sv,
        "nb" => nb,
        _ => en,
    }
}

pub fn track_label(locale: &str, track: &str) -> String {
    match track {
        "ktp" => pick(
            locale,
            "KTP-uppdrag (kunskapsöverföring)",
            "KTP-oppdrag (kunnskapsoverføring)",
            "KTP placement (knowledge transfer)",
        ),
        "mentoring" => pick(locale, "mentorskap", "mentorskap", "mentoring"),
        "coaching" => pick(
            locale,
            "coachning av företag",
            "coaching av bedrifter",
            "coaching of companies",
        ),
        "procurement" => pick(
            locale,
            "tidig dialog inför upphandling",
            "tidlig dialog før anskaffelse",
            "early dialogue before procurement",
        ),
        _ => track,
    }
    .to_string()
}

fn factor_label(locale: &str, name: &str) -> String {
    match name {
        "text" => pick(locale, "Beskrivning", "Beskrivelse", "Description"),
        "skills" => pick(locale, "Kompetenser", "Kompetanse", "Skills"),
        "languages" => pick(locale, "Språk", "Språk", "Languages"),
        "distance" => pick(locale, "Avstånd", "Avstand", "Distance"),
        "availability" => pick(locale, "Tillgänglighet", "Tilgjengelighet", "Availability"),
        "ktp_target" => pick(
            locale,
            "Språk eller kultur som företaget söker",
            "Språk eller kultur bedriften søker",
            "Language or culture the company asked for",
        ),
        "capacity" => pick(
            locale,
            "Plats hos mentorn",
            "Plass hos mentoren",
            "Mentor's room",
        ),
        "cpv" => pick(
            locale,
            "Upphandlingskoder (CPV)",
            "Anskaffelseskoder (CPV)",
            "Procurement codes (CPV)",
        ),
        other => other,
    }
    .to_string()
}

fn level(locale: &str, score: f64) -> &'static str {
    if score >= 0.75 {
        pick(locale, "stark", "sterk", "strong")
    } else if score >= 0.4 {
        pick(locale, "delvis", "delvis", "partial")
    } else {
        pick(locale, "svag", "svak", "weak")
    }
}

pub(super) fn s<'a>(p: &'a Value, key: &str) -> &'a str {
    p[key].as_str().unwrap_or("")
}

/// The explanation of a match in plain words, one line per factor: (text, HTML list).
pub(super) fn explain(locale: &str, factors: &Value, indent: &str) -> (String, String) {
    let mut text = String::new();
    let mut html = String::from("<ul>");
    for f in factors.as_array().map(Vec::as_slice).unwrap_or_default() {
        let score = f["score"].as_f64().unwrap_or(0.0);
        let label = factor_label(locale, s(f, "name"));
        let lvl = level(locale, score);
        let pct = (score * 100.0).round();
        let localized = localize_detail(locale, s(f, "detail"));
        let detail = localized.as_str();
        text.push_str(&format!("{indent}- {label}: {lvl} ({pct} %) – {detail}\n"));
        html.push_str(&format!(
            "<li><strong>{}</strong>: {} ({pct} %) – {}</li>",
            escape_html(&label),
            escape_html(lvl),
            escape_html(detail)
        ));
    }
    html.push_str("</ul>");
    (text.trim_end().to_string(), html)
}

fn explanation(locale: &str, factors: &Value, v: &mut Values) {
    let (text, html) = explain(locale, factors, "  ");
    v.set_lines("explanation", text);
    v.set_html("explanation_html", html);
}

pub(super) fn or_dash(x: &str) -> String {
    if x.trim().is_empty() {
        "–".to_string()
    } else {
        x.to_string()
    }
}

/// The values of `template` for `params`, in `locale`.
pub fn values(template: &str, locale: &str, params: &Value, base_url: &str) -> Values {
    let mut v = Values::default();
    let p = params;
    v.set("base_url", base_url.trim_end_matches('/'));
    v.set("recipient_name", s(p, "recipient_name"));
    v.set("track", track_label(locale, s(p, "track")));
    v.set("officer_name", s(p, "officer_name"));
    v.set("officer_email", s(p, "officer_email"));
    v.set("introduction_id", s(p, "introduction_id"));
    match template {
        "introduction_request" | "introduction_reminder" => {
            v.set("own_title", s(p, "own_title"));
            v.set("other_title", s(p, "other_title"));
            v.set("other_place", or_dash(s(p, "other_place")));
            v.set("other_org", or_dash(s(p, "other_org")));
            v.set_lines("note", or_dash(s(p, "note")));
            v.set("accept_link", s(p, "accept_link"));
            v.set("decline_link", s(p, "decline_link"));
            v.set("expires_on", date(locale, s(p, "expires_on")));
            explanation(locale, &p["factors"], &mut v);
        }
        "introduction_introduced" => {
            v.set("other_title", s(p, "other_title"));
            v.set("other_org", or_dash(s(p, "other_org")));
            v.set("other_name", s(p, "other_name"));
            v.set("other_email", s(p, "other_email"));
            v.set("other_phone", or_dash(s(p, "other_phone")));
        }
        "introduction_introduced_officer" => {
            for side in ["a", "b"] {
                for field in ["title", "name", "email", "org"] {
                    let key = format!("{side}_{field}");
                    v.set(&key, or_dash(s(p, &key)));
                }
            }
        }
        "mentoring_check_in" => {
            v.set("other_title", s(p, "other_title"));
            v.set("months", p["months"].as_i64().unwrap_or(0).to_string());
            for answer in ["weekly", "monthly", "rarely", "stopped"] {
                let key = format!("{answer}_link");
                v.set(&key, s(p, &key));
            }
        }
        "dialogue_invitation" | "dialogue_published" | "dialogue_meeting" => {
            dialogue(template, locale, p, &mut v);
        }
        "verify_email" | "password_reset" => {
            v.set("link", s(p, "link"));
        }
        "retention_warning" => {
            v.set("erase_on", date(locale, s(p, "erase_on")));
        }
        "organisation_verified" | "moderation_suspended" | "moderation_reinstated" => {
            v.set("subject_title", s(p, "subject_title"));
            v.set_lines("note", or_dash(s(p, "note")));
            v.set("link", s(p, "link"));
        }
        "still_current" | "went_stale" => {
            v.set("record_title", s(p, "record_title"));
            v.set(
                "answer_days",
                p["answer_days"].as_i64().unwrap_or(30).to_string(),
            );
            for a in ["keep", "update", "close"] {
                let key = format!("{a}_link");
                v.set(&key, s(p, &key));
            }
        }
        "follow_up_placement" | "follow_up_tender" => {
            v.set("own_title", s(p, "own_title"));
            v.set("other_title", s(p, "other_title"));
            v.set("other_org", or_dash(s(p, "other_org")));
            v.set("months", p["months"].as_i64().unwrap_or(6).to_string());
            v.set("due_on", date(locale, s(p, "due_on")));
            for a in ["yes", "no", "local", "cross_border", "both", "none"] {
                let key = format!("{a}_link");
                v.set(&key, s(p, &key));
            }
        }
        "introduction_withdrawn" => {
            v.set("own_title", s(p, "own_title"));
            v.set("link", s(p, "link"));
        }
        "digest" => {
            super::letters::digest_items(locale, &p["items"], &mut v);
            v.set("link", s(p, "link"));
            v.set("unsubscribe_link", s(p, "unsubscribe_link"));
        }
        "newsletter" => {
            v.set("subject", s(p, "subject"));
            v.set_lines("body", s(p, "body"));
            v.set_html("body_html", crate::domain::markup::to_html(s(p, "body")));
            v.set("link", s(p, "link"));
            v.set("unsubscribe_link", s(p, "unsubscribe_link"));
        }
        "profile_recorded_by_officer" => {
            v.set("link", s(p, "link"));
            let purposes: Vec<String> = p["consents"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .map(|c| purpose_label(locale, c))
                .collect();
            v.set("consents", purposes.join(", "));
        }
        _ => {}
    }
    v
}

/// The market dialogue's emails: the invitation, what was published, a meeting.
fn dialogue(template: &str, locale: &str, p: &Value, v: &mut Values) {
    v.set("procurement_title", s(p, "procurement_title"));
    v.set("link", s(p, "link"));
    match template {
        "dialogue_invitation" => {
            v.set("buyer", or_dash(s(p, "buyer")));
            v.set_lines("notice", s(p, "notice"));
            v.set("dialogue_deadline", date(locale, s(p, "dialogue_deadline")));
            v.set("tender_planned", date(locale, s(p, "tender_planned")));
        }
        "dialogue_published" => {
            let mut text = String::new();
            let mut html = String::new();
            for item in p["items"].as_array().map(Vec::as_slice).unwrap_or_default() {
                let version = item["version"].as_i64().unwrap_or(1);
                let head = match (s(item, "kind"), version) {
                    ("summary", 1) => pick(
                        locale,
                        "Sammanfattning av möte",
                        "Sammendrag av møte",
                        "Summary of a meeting",
                    )
                    .to_string(),
                    ("summary", n) => format!(
                        "{} ({n})",
                        pick(
                            locale,
                            "Ändrad sammanfattning",
                            "Endret sammendrag",
                            "Changed summary"
                        )
                    ),
                    (_, 1) => pick(locale, "Svar", "Svar", "Answer").to_string(),
                    (_, n) => format!(
                        "{} ({n})",
                        pick(locale, "Ändrat svar", "Endret svar", "Changed answer")
                    ),
                };
                let question = s(item, "question");
                let asked = pick(locale, "Fråga", "Spørsmål", "Question");
                text.push_str(&format!("{head}\n"));
                html.push_str(&format!(
                    "<h2 style=\"font-size:1em\">{}</h2>",
                    escape_html(&head)
                ));
                if !question.is_empty() {
                    text.push_str(&format!("{asked}: {question}\n"));
                    html.push_str(&format!(
                        "<p><em>{}:</em> {}</p>",
                        escape_html(asked),
                        escape_html(question)
                    ));
                }
                text.push_str(&format!("{}\n\n", s(item, "text")));
                html.push_str(&format!(
                    "<p style=\"white-space:pre-line\">{}</p>",
                    escape_html(s(item, "text"))
                ));
            }
            v.set_lines("items", text.trim_end().to_string());
            v.set_html("items_html", html);
        }
        _ => {
            let what = match (s(p, "what"), s(p, "kind")) {
                ("cancelled", _) => pick(
                    locale,
                    "Din bokning är avbokad.",
                    "Bookingen din er avbestilt.",
                    "Your booking is cancelled.",
                ),
                ("reminder", _) => pick(
                    locale,
                    "Påminnelse: mötet är snart.",
                    "Påminnelse: møtet er snart.",
                    "A reminder: the meeting is soon.",
                ),
                ("conference", _) | (_, "conference") => pick(
                    locale,
                    "Du är inbjuden till dialogkonferensen.",
                    "Du er invitert til dialogkonferansen.",
                    "You are invited to the dialogue conference.",
                ),
                _ => pick(
                    locale,
                    "Ditt dialogmöte är bokat.",
                    "Dialogmøtet ditt er booket.",
                    "Your dialogue meeting is booked.",
                ),
            };
            v.set("what", what);
            let at = s(p, "starts_at");
            let (day, clock) = at.split_once('T').unwrap_or((at, ""));
            let zone = match s(p, "time_zone") {
                "Europe/Oslo" => pick(locale, "norsk tid", "norsk tid", "Norwegian time"),
                _ => pick(locale, "svensk tid", "svensk tid", "Swedish time"),
            };
            v.set("when", format!("{} {clock} ({zone})", date(locale, day)));
            v.set("minutes", p["minutes"].as_i64().unwrap_or(0).to_string());
            v.set("place", s(p, "place"));
        }
    }
}

pub fn purpose_label(locale: &str, purpose: &str) -> String {
    match purpose {
        "matching_ktp" => pick(
            locale,
            "matchning mot KTP-uppdrag",
            "matching mot KTP-oppdrag",
            "matching for KTP placements",
        ),
        "matching_mentoring" => pick(
            locale,
            "matchning för mentorskap",
            "matching for mentorskap",
            "matching for mentoring",
        ),
        "matching_procurement" => pick(
            locale,
            "matchning för upphandlingsdialog",
            "matching for anskaffelsesdialog",
            "matching for procurement dialogue",
        ),
        "contact" => pick(
            locale,
            "att bli kontaktad",
            "å bli kontaktet",
            "being contacted",
        ),
        "digest" => pick(locale, "veckobrev", "ukebrev", "the weekly digest"),
        "newsletter" => pick(locale, "nyhetsbrev", "nyhetsbrev", "newsletters"),
        other => other,
    }
    .to_string()
}

pub use super::details::localize_detail;
