//! Field-by-field validation of request bodies into domain types, collecting every problem.

use crate::domain::{BoundedText, CefrLevel, CpvCode, FieldErrors, LanguageCode, Municipality};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

/// A municipality as the API accepts it: `"NO-5025"` or `{"country": "NO", "code": "5025"}`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MunicipalityInput {
    Key(String),
    Parts(MunicipalityParts),
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityParts {
    pub country: String,
    pub code: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageSkill {
    /// ISO 639-1 (or 639-3) code, e.g. `ar`.
    pub code: String,
    /// CEFR `A1`…`C2` or `native`.
    pub level: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LanguageRequirement {
    pub code: String,
    pub min_level: String,
}

/// Collects the messages of one request.
#[derive(Default)]
pub struct Check {
    pub errors: FieldErrors,
}

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 10_000;
pub const TAG_MAX: usize = 80;
pub const LIST_MAX: usize = 50;
/// Languages a person or a need lists at most.
pub const LANGUAGES_MAX: usize = 20;
/// Degrees on a profile at most.
pub const EDUCATION_MAX: usize = 20;
/// Municipalities an offer serves at most (a whole county is fewer than 100).
pub const SERVES_MAX: usize = 100;
/// Choices from a fixed set (`seeking`, support needs, consents) at most.
pub const CHOICES_MAX: usize = 20;

impl Check {
    pub fn line(&mut self, field: &str, value: &str, max: usize) -> String {
        self.errors
            .take(field, BoundedText::line(value, max))
            .map(BoundedText::into_string)
            .unwrap_or_default()
    }

    pub fn text(&mut self, field: &str, value: &str) -> String {
        self.errors
            .take(field, BoundedText::paragraphs(value, TEXT_MAX))
            .map(BoundedText::into_string)
            .unwrap_or_default()
    }

    pub fn opt_line(&mut self, field: &str, value: &Option<String>, max: usize) -> Option<String> {
        value.as_deref().map(|v| self.line(field, v, max))
    }

    /// Whether a list is within its bound; if not, the field's error, and its entries are not
    /// looked at one by one (a list of 10,000 wrong entries gets one message, not 10,000).
    pub fn within(&mut self, field: &str, len: usize, max: usize) -> bool {
        if len > max {
            self.errors.add(
                field,
                format!("may hold at most {max} entries (it has {len})"),
            );
            return false;
        }
        true
    }

    /// A list of short labels (skills, sectors): each one line, no duplicates, at most 50.
    pub fn tags(&mut self, field: &str, values: &[String]) -> Vec<String> {
        if !self.within(field, values.len(), LIST_MAX) {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let t = self.line(&format!("{field}[{i}]"), v, TAG_MAX);
            if !t.is_empty() && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
                out.push(t);
            }
        }
        out
    }

    pub fn one_of(&mut self, field: &str, value: &str, allowed: &[&str]) -> String {
        if !allowed.contains(&value) {
            self.errors
                .add(field, format!("must be one of: {}", allowed.join(", ")));
        }
        value.to_string()
    }

    pub fn each_one_of(&mut self, field: &str, values: &[String], allowed: &[&str]) -> Vec<String> {
        if !self.within(field, values.len(), CHOICES_MAX) {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let v = self.one_of(&format!("{field}[{i}]"), v, allowed);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }

    pub fn municipality(&mut self, field: &str, value: &MunicipalityInput) -> Option<Municipality> {
        let parsed = match value {
            MunicipalityInput::Key(k) => Municipality::parse_key(k),
            MunicipalityInput::Parts(p) => Municipality::parse(&p.country, &p.code),
        };
        self.errors.take(field, parsed)
    }

    pub fn municipalities(&mut self, field: &str, values: &[MunicipalityInput]) -> Vec<String> {
        if !self.within(field, values.len(), SERVES_MAX) {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(m) = self.municipality(&format!("{field}[{i}]"), v) {
                if !out.contains(&m.key()) {
                    out.push(m.key());
                }
            }
        }
        out
    }

    pub fn languages(&mut self, field: &str, values: &[LanguageSkill]) -> Value {
        if !self.within(field, values.len(), LANGUAGES_MAX) {
            return Value::Array(Vec::new());
        }
        let items: Vec<Value> = values
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (code, level) =
                    self.language(&format!("{field}[{i}]"), &l.code, &l.level, "level");
                json!({ "code": code, "level": level })
            })
            .collect();
        Value::Array(items)
    }

    pub fn language_requirements(&mut self, field: &str, values: &[LanguageRequirement]) -> Value {
        if !self.within(field, values.len(), LANGUAGES_MAX) {
            return Value::Array(Vec::new());
        }
        let items: Vec<Value> = values
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let f = format!("{field}[{i}]");
                let (code, level) = self.language(&f, &l.code, &l.min_level, "min_level");
                json!({ "code": code, "min_level": level })
            })
            .collect();
        Value::Array(items)
    }

    fn language(
        &mut self,
        field: &str,
        code: &str,
        level: &str,
        level_name: &str,
    ) -> (String, String) {
        let code = self
            .errors
            .take(&format!("{field}.code"), LanguageCode::parse(code))
            .map(|c| c.as_str().to_string())
            .unwrap_or_default();
        let level = self
            .errors
            .take(&format!("{field}.{level_name}"), CefrLevel::parse(level))
            .map(|l| l.as_str().to_string())
            .unwrap_or_default();
        (code, level)
    }

    pub fn cpv_codes(&mut self, field: &str, values: &[String]) -> Vec<String> {
        if values.is_empty() {
            self.errors.add(field, "give at least one CPV code");
        }
        if !self.within(field, values.len(), LIST_MAX) {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(c) = self
                .errors
                .take(&format!("{field}[{i}]"), CpvCode::parse(v))
            {
                if !out.iter().any(|o| o == c.as_str()) {
                    out.push(c.as_str().to_string());
                }
            }
        }
        out
    }

    pub fn date(&mut self, field: &str, value: &str) -> Option<time::Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.errors.take(
            field,
            time::Date::parse(value.trim(), &format)
                .map_err(|_| format!("{value:?} is not a date of the form YYYY-MM-DD")),
        )
    }

    pub fn range(&mut self, field: &str, value: i64, min: i64, max: i64) -> i64 {
        if !(min..=max).contains(&value) {
            self.errors
                .add(field, format!("must be between {min} and {max}"));
        }
        value
    }

    pub fn finish(self) -> Result<(), FieldErrors> {
        self.errors.into_result()
    }
}

/// The key of what was typed: `Mora (SE-2062)`, `SE-2062`, or a name only one municipality
/// has (`Röros` and `Røros` alike are not guessed: the list suggests the exact names).
pub fn municipality_key(typed: &str) -> String {
    let t = typed.trim();
    if let Some(inner) = t
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
    {
        return inner.trim().to_string();
    }
    let named: Vec<_> = heartland_index::Gazetteer::get()
        .all()
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case(t) || p.name.to_lowercase() == t.to_lowercase())
        .collect();
    match named.as_slice() {
        [one] => one.key(),
        _ => t.to_string(),
    }
}
