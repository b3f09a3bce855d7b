use super::check::{Check, MunicipalityInput, TITLE_MAX};
use super::{status, RecordType, Valid};
use crate::db::Record;
use crate::domain::{FieldErrors, Money};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

pub struct Procurement;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    pub amount: f64,
    /// `SEK`, `NOK` or `EUR`.
    pub currency: String,
}

/// A municipality's planned procurement, announced for early dialogue before the tender.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcurementInput {
    pub organisation_id: String,
    pub title: String,
    pub description: String,
    /// CPV 2008 codes, `NNNNNNNN-N`.
    pub cpv_codes: Vec<String>,
    pub estimated_value: Option<MoneyInput>,
    /// `YYYY-MM-DD`.
    pub dialogue_deadline: String,
    /// `YYYY-MM-DD`: when the tender is planned.
    pub tender_planned: String,
    #[schema(value_type = String, example = "SE-2062")]
    pub municipality: MunicipalityInput,
    /// `planned` (default), `dialogue`, `tendered` or `closed`.
    pub status: Option<String>,
}

impl RecordType for Procurement {
    const RECORD: Record = Record::Procurement;
    const PATH: &'static str = "procurements";
    const ORGANISATION_KINDS: &'static [&'static str] = &["municipality"];
    const STATUSES: &'static [&'static str] = &["planned", "dialogue", "tendered", "closed"];
    type Input = ProcurementInput;

    /// A procurement moves forward only (planned → dialogue → tendered → closed, steps may be
    /// skipped), and into `dialogue` only by opening it (`POST …/dialogue`: the notice, and the
    /// same invitations to every supplier the ranking finds, go with it).
    fn check_status_change(
        conn: &mut crate::db::DbConn,
        row: &crate::db::RecordRow,
        to: &str,
    ) -> Result<(), crate::error::AppError> {
        use crate::error::AppError;
        use diesel::prelude::*;
        let step = |s: &str| Self::STATUSES.iter().position(|x| *x == s);
        if step(to) < step(&row.status) {
            return Err(AppError::Conflict(format!(
                "a procurement moves forward only: it is {} and cannot become {to}",
                row.status
            )));
        }
        if to == "dialogue" {
            use crate::db::schema::dialogues as dl;
            let opened: i64 = dl::table.find(&row.id).count().get_result(conn)?;
            if opened == 0 {
                return Err(AppError::Conflict(format!(
                    "a dialogue is opened with POST /api/v1/procurements/{}/dialogue, which \
                     sends the same invitation to every supplier the ranking finds",
                    row.id
                )));
            }
        }
        Ok(())
    }

    /// Gone to tender however it got there (`POST …/dialogue/tender` or a `PATCH`): the
    /// dialogue, if one ran, records when it closed.
    fn after_status_change(
        conn: &mut crate::db::DbConn,
        row: &crate::db::RecordRow,
    ) -> Result<(), crate::error::AppError> {
        use crate::db::schema::dialogues as dl;
        use diesel::prelude::*;
        if row.status == "tendered" {
            diesel::update(dl::table.find(&row.id).filter(dl::tendered_at.is_null()))
                .set(dl::tendered_at.eq(crate::db::now()))
                .execute(conn)?;
        }
        Ok(())
    }

    fn validate(i: ProcurementInput) -> Result<Valid, FieldErrors> {
        let mut c = Check::default();
        let organisation_id = c.line("organisation_id", &i.organisation_id, 64);
        let title = c.line("title", &i.title, TITLE_MAX);
        let description = c.text("description", &i.description);
        let cpv = c.cpv_codes("cpv_codes", &i.cpv_codes);
        let value = i.estimated_value.as_ref().and_then(|v| {
            c.errors
                .take("estimated_value", Money::parse(v.amount, &v.currency))
        });
        let deadline = c.date("dialogue_deadline", &i.dialogue_deadline);
        let tender = c.date("tender_planned", &i.tender_planned);
        if let (Some(d), Some(t)) = (deadline, tender) {
            if t < d {
                c.errors
                    .add("tender_planned", "must not be before the dialogue deadline");
            }
        }
        let municipality = c.municipality("municipality", &i.municipality);
        let status = status(&mut c, &i.status, Self::STATUSES);
        c.finish()?;
        let (municipality, (deadline, tender)) = municipality
            .zip(deadline.zip(tender))
            .ok_or_else(FieldErrors::new)?;
        Ok(Valid {
            data: json!({
                "organisation_id": organisation_id, "title": title, "description": description,
                "cpv_codes": cpv,
                "estimated_value": value.map(|v| json!({"amount": v.amount(), "currency": v.currency().as_str()})),
                "dialogue_deadline": deadline.to_string(), "tender_planned": tender.to_string(),
                "municipality": municipality.key(), "status": status,
            }),
            municipality: Some(municipality),
            kind: "procurement".into(),
            status,
            organisation_id: Some(organisation_id),
            person: None,
            consents: Vec::new(),
        })
    }
}
