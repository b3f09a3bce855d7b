//! Email templates: `templates/email/<name>/<locale>.{subject,txt,html}`, compiled into the
//! binary. A template names its values as `{{name}}`: escaped for HTML in the HTML part, with
//! line breaks removed in the subject. `{{{name}}}` inserts HTML the code has escaped already
//! (lists). A template that names a value the code does not give fails to render, and a test
//! renders every template in every language.

use std::collections::HashMap;

pub const LOCALES: [&str; 3] = ["sv", "nb", "en"];

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        /// (name, [(locale, subject, text, html)]) of every template.
        pub const TEMPLATES: &[(&str, [(&str, &str, &str, &str); 3])] = &[$(
            ($name, [
                templates!(@one $name, "sv"),
                templates!(@one $name, "nb"),
                templates!(@one $name, "en"),
            ]),
        )*];
    };
    (@one $name:literal, $locale:literal) => {
        (
            $locale,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name, "/", $locale, ".subject")),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name, "/", $locale, ".txt")),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/email/", $name, "/", $locale, ".html")),
        )
    };
}

templates!(
    "introduction_request",
    "introduction_reminder",
    "introduction_introduced",
    "introduction_introduced_officer",
    "profile_recorded_by_officer",
    "registration_attempt_on_existing_account",
    "verify_email",
    "password_reset",
    "retention_warning",
    "mentoring_check_in",
    "dialogue_invitation",
    "dialogue_published",
    "dialogue_meeting",
    "organisation_verified",
    "moderation_suspended",
    "moderation_reinstated",
    "introduction_withdrawn",
    "still_current",
    "went_stale",
    "follow_up_placement",
    "follow_up_tender",
    "digest",
    "newsletter",
);

/// A rendered email.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("there is no email template {0}")]
    Unknown(String),
    #[error("template {template} ({part}) names {name}, which is not given")]
    Missing {
        template: String,
        part: &'static str,
        name: String,
    },
}

/// The values of one email: plain text (escaped where they are put) and ready HTML.
#[derive(Debug, Default, Clone)]
pub struct Values {
    text: HashMap<String, String>,
    html: HashMap<String, String>,
}

impl Values {
    /// A one-line value: line breaks and other control characters become spaces.
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.text.insert(name.to_string(), one_line(&value.into()));
        self
    }
    /// A value of several lines (a note, a list).
    pub fn set_lines(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.text.insert(name.to_string(), value.into());
        self
    }
    /// HTML the caller has escaped (for `{{{name}}}`).
    pub fn set_html(&mut self, name: &str, html: impl Into<String>) -> &mut Self {
        self.html.insert(name.to_string(), html.into());
        self
    }
}

pub fn escape_html(s: &str) -> String {
    crate::domain::markup::escape(s)
}

/// One line, whatever the value holds: control characters (CR, LF, …) become spaces.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Subject,
    Text,
    Html,
}

fn fill(template: &str, name: &str, part: Part, values: &Values) -> Result<String, TemplateError> {
    let label = match part {
        Part::Subject => "subject",
        Part::Text => "text",
        Part::Html => "html",
    };
    let missing = |n: &str| TemplateError::Missing {
        template: name.to_string(),
        part: label,
        name: n.to_string(),
    };
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let raw = after.starts_with("{{{");
        let (open, close) = if raw { ("{{{", "}}}") } else { ("{{", "}}") };
        let Some(end) = after[open.len()..].find(close) else {
            out.push_str(after);
            rest = "";
            break;
        };
        let key = after[open.len()..open.len() + end].trim();
        let value = if raw {
            values.html.get(key).cloned().ok_or_else(|| missing(key))?
        } else {
            let v = values.text.get(key).ok_or_else(|| missing(key))?;
            match part {
                Part::Subject => one_line(v),
                Part::Text => v.clone(),
                Part::Html => escape_html(v),
            }
        };
        out.push_str(&value);
        rest = &after[open.len() + end + close.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders `name` in `locale` (English when the locale has no template).
pub fn render(name: &str, locale: &str, values: &Values) -> Result<Rendered, TemplateError> {
    let (_, parts) = TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| TemplateError::Unknown(name.to_string()))?;
    let (_, subject, text, html) = parts
        .iter()
        .find(|(l, ..)| *l == locale)
        .or_else(|| parts.iter().find(|(l, ..)| *l == "en"))
        .ok_or_else(|| TemplateError::Unknown(name.to_string()))?;
    Ok(Rendered {
        subject: one_line(&fill(subject, name, Part::Subject, values)?),
        text: fill(text, name, Part::Text, values)?,
        html: fill(html, name, Part::Html, values)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_where_they_are_put() {
        let mut v = Values::default();
        v.set_lines("name", "<b>Ann & \"Bo\"</b>\r\nBcc: x@example.org");
        let t = "{{name}}";
        assert_eq!(
            fill(t, "t", Part::Html, &v).unwrap(),
            "&lt;b&gt;Ann &amp; &quot;Bo&quot;&lt;/b&gt;\r\nBcc: x@example.org"
        );
        assert!(!fill(t, "t", Part::Subject, &v).unwrap().contains('\n'));
        assert!(fill("{{other}}", "t", Part::Text, &v).is_err());
        assert!(fill("{{{name}}}", "t", Part::Html, &v).is_err());
    }

    #[test]
    fn every_template_exists_in_every_language() {
        for (name, parts) in TEMPLATES {
            for (i, locale) in LOCALES.iter().enumerate() {
                let (l, subject, text, html) = parts[i];
                assert_eq!(l, *locale);
                assert!(!subject.trim().is_empty(), "{name} {locale} subject");
                assert!(!text.trim().is_empty(), "{name} {locale} text");
                assert!(html.contains("<html"), "{name} {locale} html");
                assert!(
                    html.contains(&format!("lang=\"{locale}\"")),
                    "{name} {locale} html lang"
                );
            }
        }
    }
}

#[cfg(test)]
mod escaping {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever a person types, escaped HTML holds no markup and no unescaped ampersand.
        #[test]
        fn escaped_html_holds_no_markup(s in any::<String>()) {
            let e = escape_html(&s);
            prop_assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
            for (i, _) in e.match_indices('&') {
                let rest = &e[i..];
                prop_assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|x| rest.starts_with(x)));
            }
        }

        /// Every template, whatever the values: no markup from a value in the HTML part, no line
        /// break in the subject (the headers themselves are lettre's: see `mail::message_tests`).
        #[test]
        fn every_template_escapes_every_value(s in any::<String>()) {
            let payload = format!("<script>{s}</script>\r\nBcc: x@example.org");
            for (name, _) in TEMPLATES {
                for locale in LOCALES {
                    let mut v = Values::default();
                    for key in KEYS {
                        v.set(key, payload.clone());
                    }
                    v.set_lines("note", payload.clone());
                    v.set_lines("explanation", payload.clone());
                    v.set_html("explanation_html", "<ul></ul>");
                    v.set_lines("notice", payload.clone());
                    v.set_lines("items", payload.clone());
                    v.set_html("items_html", "<p></p>");
                    v.set_html("body_html", "<p></p>");
                    let r = render(name, locale, &v).expect("render");
                    prop_assert!(!r.html.contains("<script>"), "{} {}", name, locale);
                    prop_assert!(!r.subject.contains('\n') && !r.subject.contains('\r'));
                }
            }
        }
    }

    /// Every value any template names.
    const KEYS: &[&str] = &[
        "base_url",
        "subject_title",
        "record_title",
        "answer_days",
        "keep_link",
        "update_link",
        "close_link",
        "yes_link",
        "no_link",
        "local_link",
        "cross_border_link",
        "both_link",
        "none_link",
        "due_on",
        "months",
        "procurement_title",
        "buyer",
        "dialogue_deadline",
        "tender_planned",
        "what",
        "when",
        "minutes",
        "place",
        "weekly_link",
        "monthly_link",
        "rarely_link",
        "stopped_link",
        "recipient_name",
        "track",
        "officer_name",
        "officer_email",
        "introduction_id",
        "own_title",
        "other_title",
        "other_place",
        "other_org",
        "accept_link",
        "decline_link",
        "expires_on",
        "other_name",
        "other_email",
        "other_phone",
        "a_title",
        "a_name",
        "a_email",
        "a_org",
        "b_title",
        "b_name",
        "b_email",
        "b_org",
        "link",
        "consents",
        "erase_on",
        "count",
        "unsubscribe_link",
        "subject",
        "body",
    ];
}
