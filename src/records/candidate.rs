use super::check::{Check, LanguageSkill, MunicipalityInput, TITLE_MAX};
use super::{person, status, PersonInput, RecordType, Valid, PURPOSES};
use crate::db::Record;
use crate::domain::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

pub struct Candidate;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Education {
    pub degree: String,
    pub field: String,
    pub institution: String,
    pub year: i64,
}

/// A newcomer's business, for mentoring.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Business {
    /// `idea`, `started` or `established`.
    pub stage: String,
    pub sector: String,
    /// What the business is or will be, in the newcomer's words.
    #[serde(default)]
    pub description: String,
    /// Any of `tax`, `rules`, `financing`, `market`, `language`, `network`.
    #[serde(default)]
    pub support_needs: Vec<String>,
}

/// A graduate or newcomer. `gender` and `foreign_background` are private: self-declared,
/// optional, shown only to the person and officers, used only for KTP-target matching and
/// aggregated indicators.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    pub headline: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub education: Vec<Education>,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub languages: Vec<LanguageSkill>,
    #[schema(value_type = String, example = "SE-2085")]
    pub municipality: MunicipalityInput,
    /// How far from home they will work, 0–2000 km.
    pub max_distance_km: i64,
    #[serde(default)]
    pub cross_border_ok: bool,
    /// `YYYY-MM-DD`.
    pub available_from: String,
    /// Any of `ktp`, `mentoring`, `job`.
    #[serde(default)]
    pub seeking: Vec<String>,
    pub business: Option<Business>,
    /// `woman`, `man`, `non_binary` or `undisclosed`.
    pub gender: Option<String>,
    pub foreign_background: Option<bool>,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
    /// Only when an officer records the profile for a person.
    pub person: Option<PersonInput>,
    /// With `person`: the purposes the person agreed to, attested by the officer.
    pub consents: Option<Vec<String>>,
}

fn education(c: &mut Check, items: &[Education]) -> Value {
    if !c.within("education", items.len(), super::check::EDUCATION_MAX) {
        return Value::Array(Vec::new());
    }
    let this_year = i64::from(time::OffsetDateTime::now_utc().year());
    Value::Array(
        items
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let f = |n: &str| format!("education[{i}].{n}");
                json!({
                    "degree": c.line(&f("degree"), &e.degree, TITLE_MAX),
                    "field": c.line(&f("field"), &e.field, TITLE_MAX),
                    "institution": c.line(&f("institution"), &e.institution, TITLE_MAX),
                    "year": c.range(&f("year"), e.year, 1950, this_year + 6),
                })
            })
            .collect(),
    )
}

fn business(c: &mut Check, b: &Option<Business>) -> Value {
    let Some(b) = b else { return Value::Null };
    json!({
        "stage": c.one_of("business.stage", &b.stage, &["idea", "started", "established"]),
        "sector": c.line("business.sector", &b.sector, TITLE_MAX),
        "description": c.text("business.description", &b.description),
        "support_needs": c.each_one_of("business.support_needs", &b.support_needs,
            &["tax", "rules", "financing", "market", "language", "network"]),
    })
}

impl RecordType for Candidate {
    const RECORD: Record = Record::Candidate;
    const PATH: &'static str = "candidates";
    const ORGANISATION_KINDS: &'static [&'static str] = &[];
    const STATUSES: &'static [&'static str] = &["active", "inactive", "stale"];
    const PRIVATE_FIELDS: &'static [&'static str] = &["gender", "foreign_background"];
    type Input = CandidateInput;

    fn validate(i: CandidateInput) -> Result<Valid, FieldErrors> {
        let mut c = Check::default();
        let headline = c.line("headline", &i.headline, TITLE_MAX);
        let summary = c.text("summary", &i.summary);
        let education = education(&mut c, &i.education);
        let skills = c.tags("skills", &i.skills);
        let languages = c.languages("languages", &i.languages);
        let municipality = c.municipality("municipality", &i.municipality);
        let max_distance = c.range("max_distance_km", i.max_distance_km, 0, 2000);
        let available = c.date("available_from", &i.available_from);
        let seeking = c.each_one_of("seeking", &i.seeking, &["ktp", "mentoring", "job"]);
        let business = business(&mut c, &i.business);
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
        let (municipality, available) = municipality.zip(available).ok_or_else(FieldErrors::new)?;
        let kind = if business.is_null() {
            "graduate"
        } else {
            "newcomer"
        };
        Ok(Valid {
            data: json!({
                "headline": headline, "summary": summary, "education": education,
                "skills": skills, "languages": languages, "municipality": municipality.key(),
                "max_distance_km": max_distance, "cross_border_ok": i.cross_border_ok,
                "available_from": available.to_string(), "seeking": seeking, "business": business,
                "gender": gender, "foreign_background": i.foreign_background, "status": status,
            }),
            municipality: Some(municipality),
            kind: kind.to_string(),
            status,
            organisation_id: None,
            person,
            consents,
        })
    }
}
