use super::check::{Check, LanguageRequirement, MunicipalityInput, TEXT_MAX, TITLE_MAX};
use super::{status, RecordType, Valid};
use crate::db::Record;
use crate::domain::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub struct Need;

/// A company's strategic development need, for a KTP placement of 6–24 months.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    pub organisation_id: String,
    pub title: String,
    pub description: String,
    /// `product`, `process`, `market`, `digitalisation` or `other`.
    pub kind: String,
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub languages: Vec<LanguageRequirement>,
    /// 6 to 24.
    pub duration_months: i64,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    #[schema(value_type = String, example = "SE-2062")]
    pub municipality: MunicipalityInput,
    #[serde(default)]
    pub remote_ok: bool,
    #[serde(default)]
    pub cross_border_ok: bool,
    /// The company needs a foreign-born graduate's language or culture.
    #[serde(default)]
    pub ktp_target: bool,
    /// Who the company asks for: `graduate` (a KTP placement), `coach` (one of the region's
    /// experts who coaches companies), or both. Default `["graduate"]`.
    #[serde(default)]
    pub wants: Option<Vec<String>>,
    /// `draft`, `open` (default), `matched` or `closed`.
    pub status: Option<String>,
}

impl RecordType for Need {
    const RECORD: Record = Record::Need;
    const PATH: &'static str = "needs";
    const ORGANISATION_KINDS: &'static [&'static str] = &["company"];
    const STATUSES: &'static [&'static str] = &["open", "draft", "matched", "closed", "stale"];
    type Input = NeedInput;

    fn validate(i: NeedInput) -> Result<Valid, FieldErrors> {
        let mut c = Check::default();
        let organisation_id = c.line("organisation_id", &i.organisation_id, 64);
        let title = c.line("title", &i.title, TITLE_MAX);
        let description = c.text("description", &i.description);
        let kind = c.one_of(
            "kind",
            &i.kind,
            &["product", "process", "market", "digitalisation", "other"],
        );
        let skills = c.tags("skills", &i.skills);
        let languages = c.language_requirements("languages", &i.languages);
        let duration = c.range("duration_months", i.duration_months, 6, 24);
        let start = c.date("start_date", &i.start_date);
        let municipality = c.municipality("municipality", &i.municipality);
        let wants = match &i.wants {
            None => vec!["graduate".to_string()],
            Some(w) => {
                let w = c.each_one_of("wants", w, &["graduate", "coach"]);
                if i.wants.as_ref().is_some_and(Vec::is_empty) {
                    c.errors.add("wants", "must name graduate, coach or both");
                }
                w
            }
        };
        let status = status(&mut c, &i.status, Self::STATUSES);
        debug_assert!(description.chars().count() <= TEXT_MAX);
        c.finish()?;
        let (municipality, start) = municipality.zip(start).ok_or_else(FieldErrors::new)?;
        Ok(Valid {
            data: json!({
                "organisation_id": organisation_id, "title": title, "description": description,
                "kind": kind, "skills": skills, "languages": languages,
                "duration_months": duration, "start_date": start.to_string(),
                "municipality": municipality.key(), "remote_ok": i.remote_ok,
                "cross_border_ok": i.cross_border_ok, "ktp_target": i.ktp_target, "wants": wants,
                "status": status,
            }),
            municipality: Some(municipality),
            kind,
            status,
            organisation_id: Some(organisation_id),
            person: None,
            consents: Vec::new(),
        })
    }
}
