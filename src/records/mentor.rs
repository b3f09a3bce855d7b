use super::check::{Check, LanguageSkill, MunicipalityInput, TITLE_MAX};
use super::{person, status, PersonInput, RecordType, Valid, PURPOSES};
use crate::db::Record;
use crate::domain::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub struct Mentor;

/// An established business person or adviser who mentors newcomer entrepreneurs.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MentorInput {
    pub headline: String,
    #[serde(default)]
    pub expertise: Vec<String>,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub languages: Vec<LanguageSkill>,
    #[schema(value_type = String, example = "NO-5025")]
    pub municipality: MunicipalityInput,
    /// How many mentees at once, 0–20.
    pub capacity: i64,
    #[serde(default)]
    pub cross_border_ok: bool,
    #[serde(default)]
    pub remote_ok: bool,
    /// Coaches companies too (a need that asks for a coach), besides mentoring newcomers.
    #[serde(default)]
    pub offers_coaching: bool,
    /// Private and optional, as for candidates: `woman`, `man`, `non_binary` or
    /// `undisclosed`; used only for the programme's aggregated indicators.
    pub gender: Option<String>,
    pub foreign_background: Option<bool>,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
    /// Only when an officer records the profile for a person.
    pub person: Option<PersonInput>,
    pub consents: Option<Vec<String>>,
}

impl RecordType for Mentor {
    const RECORD: Record = Record::Mentor;
    const PATH: &'static str = "mentors";
    const ORGANISATION_KINDS: &'static [&'static str] = &[];
    const STATUSES: &'static [&'static str] = &["active", "inactive", "stale"];
    const PRIVATE_FIELDS: &'static [&'static str] = &["gender", "foreign_background"];
    type Input = MentorInput;

    fn validate(i: MentorInput) -> Result<Valid, FieldErrors> {
        let mut c = Check::default();
        let headline = c.line("headline", &i.headline, TITLE_MAX);
        let expertise = c.tags("expertise", &i.expertise);
        let sectors = c.tags("sectors", &i.sectors);
        let languages = c.languages("languages", &i.languages);
        let municipality = c.municipality("municipality", &i.municipality);
        let capacity = c.range("capacity", i.capacity, 0, 20);
        let gender = i
            .gender
            .as_deref()
            .map(|g| c.one_of("gender", g, &["woman", "man", "non_binary", "undisclosed"]));
        let status = status(&mut c, &i.status, Self::STATUSES);
        let person = person(&mut c, &i.person);
        let consents = c.each_one_of(
            "consents",
            i.consents.as_deref().unwrap_or_default(),
            PURPOSES,
        );
        c.finish()?;
        let municipality = municipality.ok_or_else(FieldErrors::new)?;
        Ok(Valid {
            data: json!({
                "headline": headline, "expertise": expertise, "sectors": sectors,
                "languages": languages, "municipality": municipality.key(), "capacity": capacity,
                "cross_border_ok": i.cross_border_ok, "remote_ok": i.remote_ok,
                "offers_coaching": i.offers_coaching, "status": status,
                "gender": gender, "foreign_background": i.foreign_background,
            }),
            municipality: Some(municipality),
            kind: "mentor".into(),
            status,
            organisation_id: None,
            person,
            consents,
        })
    }
}
