//! Each kind's columns, in the order of its template, with an example cell each.

use super::columns::{Cell, Column};
use crate::db::Record;

const fn col(name: &'static str, cell: Cell, required: bool, example: &'static str) -> Column {
    Column {
        name,
        cell,
        required,
        example,
    }
}

use Cell::*;

#[rustfmt::skip]
const ORGANISATIONS: &[Column] = &[
    col("name", Text, true, "Orsa Trä AB"),
    col("kind", Text, true, "company"),
    col("org_number", Text, true, "556036-0793"),
    col("country", Text, true, "SE"),
    col("municipality", Place, true, "Orsa"),
    col("nace", Text, false, "16.10"),
    col("size", Text, false, "small"),
    col("leadership", Text, false, "mixed"),
];

#[rustfmt::skip]
const NEEDS: &[Column] = &[
    col("organisation_org_number", OrgNumber, true, "556036-0793"),
    col("title", Text, true, "Digitalisering av sågverkets produktionsplanering"),
    col("description", Text, true, "Vi vill planera sågningen med data från skannern.\nTvå års projekt."),
    col("kind", Text, true, "digitalisation"),
    col("skills", List, false, "Python, produktionsplanering"),
    col("languages", Languages("min_level"), false, "sv:B2"),
    col("duration_months", Int, true, "12"),
    col("start_date", Date, true, "2027-03-01"),
    col("municipality", Place, true, "Orsa"),
    col("remote_ok", Bool, false, "nej"),
    col("cross_border_ok", Bool, false, "ja"),
    col("ktp_target", Bool, false, "nej"),
    col("wants", List, false, "graduate"),
    col("status", Text, false, "open"),
];

#[rustfmt::skip]
const PERSON: [Column; 8] = [
    col("person_name", Text, true, "Amina Yusuf"),
    col("person_email", Text, true, "amina.yusuf@example.se"),
    col("person_phone", Text, false, "+46 70 123 45 67"),
    col("person_locale", Text, true, "sv"),
    col("consent_matching_ktp", Consent("matching_ktp"), false, "ja"),
    col("consent_matching_mentoring", Consent("matching_mentoring"), false, "ja"),
    col("consent_matching_procurement", Consent("matching_procurement"), false, "nej"),
    col("consent_contact", Consent("contact"), false, "ja"),
];

#[rustfmt::skip]
const CANDIDATES: &[Column] = &[
    PERSON[0],
    PERSON[1],
    PERSON[2],
    PERSON[3],
    PERSON[4],
    PERSON[5],
    PERSON[6],
    PERSON[7],
    col("headline", Text, true, "Maskiningenjör med CAD och arabiska"),
    col("summary", Text, false, "Har arbetat med konstruktion i SolidWorks."),
    col("education_degree", Text, false, "MSc"),
    col("education_field", Text, false, "Maskinteknik"),
    col("education_institution", Text, false, "Högskolan Dalarna"),
    col("education_year", Int, false, "2025"),
    col("skills", List, false, "CAD, SolidWorks"),
    col("languages", Languages("level"), false, "ar:native, sv:B2, en:C1"),
    col("municipality", Place, true, "Ludvika"),
    col("max_distance_km", Int, true, "100"),
    col("cross_border_ok", Bool, false, "ja"),
    col("available_from", Date, true, "2027-01-15"),
    col("seeking", List, false, "ktp, job"),
    col("business_stage", Text, false, ""),
    col("business_sector", Text, false, ""),
    col("business_description", Text, false, ""),
    col("business_support_needs", List, false, ""),
    col("gender", Text, false, "woman"),
    col("foreign_background", Bool, false, "ja"),
];

#[rustfmt::skip]
const MENTORS: &[Column] = &[
    PERSON[0],
    PERSON[1],
    PERSON[2],
    PERSON[3],
    PERSON[4],
    PERSON[5],
    PERSON[6],
    PERSON[7],
    col("headline", Text, true, "Drev cateringfirma i Mora i femton år"),
    col("expertise", List, false, "catering, livsmedelshygien"),
    col("sectors", List, false, "catering"),
    col("languages", Languages("level"), false, "sv:native, en:B2"),
    col("municipality", Place, true, "Mora"),
    col("capacity", Int, true, "2"),
    col("cross_border_ok", Bool, false, "nej"),
    col("remote_ok", Bool, false, "ja"),
    col("offers_coaching", Bool, false, "nej"),
    col("gender", Text, false, ""),
    col("foreign_background", Bool, false, ""),
];

#[rustfmt::skip]
const OFFERS: &[Column] = &[
    col("organisation_org_number", OrgNumber, true, "923609016"),
    col("title", Text, true, "Skoleskyss og TT-transport"),
    col("description", Text, false, "Minibusser med rullestolheis i Fjellregionen."),
    col("cpv_codes", List, true, "60130000, 60140000"),
    col("serves", Places, false, "Røros, Holtålen"),
    col("cross_border_ok", Bool, false, "ja"),
    col("status", Text, false, "active"),
];

#[rustfmt::skip]
const PROCUREMENTS: &[Column] = &[
    col("organisation_org_number", OrgNumber, true, "212000-2080"),
    col("title", Text, true, "Skolskjuts 2028–2032"),
    col("description", Text, true, "Skolskjuts och färdtjänst i Älvdalens kommun."),
    col("cpv_codes", List, true, "60130000"),
    col("estimated_value_amount", Number, false, "12 000 000"),
    col("estimated_value_currency", Text, false, "SEK"),
    col("dialogue_deadline", Date, true, "2027-02-15"),
    col("tender_planned", Date, true, "2027-05-01"),
    col("municipality", Place, true, "Älvdalen"),
    col("status", Text, false, "dialogue"),
];

pub fn of(record: Record) -> &'static [Column] {
    match record {
        Record::Organisation => ORGANISATIONS,
        Record::Need => NEEDS,
        Record::Candidate => CANDIDATES,
        Record::Mentor => MENTORS,
        Record::Offer => OFFERS,
        Record::Procurement => PROCUREMENTS,
    }
}
