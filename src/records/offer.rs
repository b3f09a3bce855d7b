use super::check::{Check, MunicipalityInput, TITLE_MAX};
use super::{status, RecordType, Valid};
use crate::db::Record;
use crate::domain::FieldErrors;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub struct Offer;

/// What a supplier offers, by CPV code, and where.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferInput {
    pub organisation_id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub cpv_codes: Vec<String>,
    /// Municipalities served; empty means anywhere.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub serves: Vec<MunicipalityInput>,
    #[serde(default)]
    pub cross_border_ok: bool,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
}

impl RecordType for Offer {
    const RECORD: Record = Record::Offer;
    const PATH: &'static str = "offers";
    const ORGANISATION_KINDS: &'static [&'static str] = &["supplier", "company"];
    const STATUSES: &'static [&'static str] = &["active", "inactive", "stale"];
    type Input = OfferInput;

    fn validate(i: OfferInput) -> Result<Valid, FieldErrors> {
        let mut c = Check::default();
        let organisation_id = c.line("organisation_id", &i.organisation_id, 64);
        let title = c.line("title", &i.title, TITLE_MAX);
        let description = c.text("description", &i.description);
        let cpv = c.cpv_codes("cpv_codes", &i.cpv_codes);
        let serves = c.municipalities("serves", &i.serves);
        let status = status(&mut c, &i.status, Self::STATUSES);
        c.finish()?;
        Ok(Valid {
            data: json!({
                "organisation_id": organisation_id, "title": title, "description": description,
                "cpv_codes": cpv, "serves": serves, "cross_border_ok": i.cross_border_ok,
                "status": status,
            }),
            municipality: None,
            kind: "offer".into(),
            status,
            organisation_id: Some(organisation_id),
            person: None,
            consents: Vec::new(),
        })
    }
}
