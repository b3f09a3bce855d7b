use super::check::{Check, MunicipalityInput};
use super::{status, RecordType, Valid};
use crate::db::Record;
use crate::domain::{FieldErrors, NaceCode, OrgNumber};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub struct Organisation;

const KINDS: &[&str] = &[
    "company",
    "municipality",
    "university",
    "supplier",
    "support",
];

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    pub name: String,
    /// `company`, `municipality`, `university`, `supplier` or `support`.
    pub kind: String,
    /// Swedish organisationsnummer (10 digits, Luhn) or Norwegian organisasjonsnummer (9, mod 11).
    pub org_number: String,
    /// `SE` or `NO`: the country of the organisation number.
    pub country: String,
    #[schema(value_type = String, example = "SE-2062")]
    pub municipality: MunicipalityInput,
    /// NACE Rev. 2 code, e.g. `16.10`.
    pub nace: Option<String>,
    /// `micro`, `small`, `medium` or `large`.
    pub size: Option<String>,
    /// `women`, `men`, `mixed`, or null when not given.
    pub leadership: Option<String>,
    /// `active` (default) or `inactive`.
    pub status: Option<String>,
}

impl RecordType for Organisation {
    const RECORD: Record = Record::Organisation;
    const PATH: &'static str = "organisations";
    const ORGANISATION_KINDS: &'static [&'static str] = &[];
    const STATUSES: &'static [&'static str] = &["active", "inactive"];
    type Input = OrganisationInput;

    fn validate(i: OrganisationInput) -> Result<Valid, FieldErrors> {
        let mut c = Check::default();
        let name = c.line("name", &i.name, 200);
        let kind = c.one_of("kind", &i.kind, KINDS);
        let country = crate::domain::Country::parse(&i.country);
        if country.is_none() {
            c.errors.add("country", "must be SE or NO");
        }
        let org_number = country
            .and_then(|ctry| {
                c.errors
                    .take("org_number", OrgNumber::parse(ctry, &i.org_number))
            })
            .map(|n| n.formatted());
        let municipality = c.municipality("municipality", &i.municipality);
        let nace = i
            .nace
            .as_deref()
            .and_then(|n| c.errors.take("nace", NaceCode::parse(n)))
            .map(|n| n.as_str().to_string());
        let size = i
            .size
            .as_deref()
            .map(|s| c.one_of("size", s, &["micro", "small", "medium", "large"]));
        let leadership = i
            .leadership
            .as_deref()
            .map(|s| c.one_of("leadership", s, &["women", "men", "mixed"]));
        let status = status(&mut c, &i.status, Self::STATUSES);
        c.finish()?;
        let municipality = municipality.ok_or_else(FieldErrors::new)?;
        Ok(Valid {
            data: json!({
                "name": name, "kind": kind, "org_number": org_number,
                "country": country.map(|c| c.as_str()), "municipality": municipality.key(),
                "nace": nace, "size": size, "leadership": leadership, "status": status,
            }),
            municipality: Some(municipality),
            kind,
            status,
            organisation_id: None,
            person: None,
            consents: Vec::new(),
        })
    }
}
