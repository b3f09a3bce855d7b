//! The columns of each kind's CSV file, how a cell becomes a value of the API's body, and
//! the template officers download. A column's name is the API field it fills (`person.email`
//! written `person_email`), so the validation's messages point at a column.

use crate::db::Record;
use crate::domain::FieldErrors;
use serde_json::{json, Map, Value};

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Text,
    /// A whole number (spaces between thousands allowed).
    Int,
    /// A number with a decimal comma or point.
    Number,
    /// ja/nej, ja/nei, yes/no, x, 1/0.
    Bool,
    /// Entries separated by `,` `;` or line breaks.
    List,
    /// `ar:C1, sv:B2` (code and level); the key names the level's field.
    Languages(&'static str),
    /// `SE-2062`, `Mora` or `Mora (SE-2062)`.
    Place,
    Places,
    /// `YYYY-MM-DD`, or `DD.MM.YYYY` as a Norwegian spreadsheet writes it.
    Date,
    /// Yes: the person consents to this purpose (the officer attests it).
    Consent(&'static str),
    /// An organisation's number: the row belongs to that organisation.
    OrgNumber,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub cell: Cell,
    pub required: bool,
    pub example: &'static str,
}

pub use super::kinds::of;
use Cell::*;

/// The template to download: a byte-order mark (so a spreadsheet reads å ä ö æ ø right), the
/// header and one example row, separated by `;` as Swedish and Norwegian spreadsheets do.
pub fn template(record: Record) -> String {
    let cols = of(record);
    let quote = |s: &str| {
        if s.contains([';', '"', '\n', ',']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let header: Vec<&str> = cols.iter().map(|c| c.name).collect();
    let example: Vec<String> = cols.iter().map(|c| quote(c.example)).collect();
    format!("\u{feff}{}\r\n{}\r\n", header.join(";"), example.join(";"))
}

/// Where each of the header's columns is, checked: every column known, none twice, every
/// required one there.
pub fn place_header(record: Record, header: &[String]) -> Result<Vec<Column>, String> {
    let cols = of(record);
    let mut out: Vec<Column> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for name in header {
        let Some(c) = cols.iter().find(|c| c.name == name) else {
            unknown.push(format!("\"{name}\""));
            continue;
        };
        if out.iter().any(|o| o.name == c.name) {
            return Err(format!("the column \"{name}\" is there twice"));
        }
        out.push(*c);
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = cols.iter().map(|c| c.name).collect();
        return Err(format!(
            "{} {} not among the columns of {}: {}",
            unknown.join(", "),
            if unknown.len() == 1 { "is" } else { "are" },
            record.path(),
            known.join(", ")
        ));
    }
    let missing: Vec<&str> = cols
        .iter()
        .filter(|c| c.required && !out.iter().any(|o| o.name == c.name))
        .map(|c| c.name)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "required columns are missing: {}",
            missing.join(", ")
        ));
    }
    Ok(out)
}

fn boolean(s: &str) -> Result<bool, String> {
    match s.to_lowercase().as_str() {
        "ja" | "yes" | "y" | "j" | "x" | "1" | "true" | "sant" | "sann" => Ok(true),
        "nej" | "nei" | "no" | "n" | "0" | "false" | "falskt" | "usann" => Ok(false),
        _ => Err("must be yes or no (ja/nej, ja/nei)".into()),
    }
}

fn entries(s: &str) -> Vec<String> {
    s.split([',', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

fn number(s: &str, whole: bool) -> Result<Value, String> {
    let plain: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if whole {
        plain
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "must be a whole number".into())
    } else {
        plain
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Value::from)
            .ok_or_else(|| "must be a number".into())
    }
}

fn languages(s: &str, level_key: &str) -> Result<Value, String> {
    entries(s)
        .iter()
        .map(|e| {
            let (code, level) = e
                .split_once([':', ' '])
                .ok_or_else(|| format!("\"{e}\" needs a level, e.g. ar:C1 or sv:native"))?;
            let level = level.trim();
            let level = match level.to_lowercase().as_str() {
                "native" | "modersmål" | "morsmål" => "native".to_string(),
                _ => level.to_uppercase(),
            };
            Ok(json!({"code": code.trim().to_lowercase(), level_key: level}))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Value::Array)
}

/// `DD.MM.YYYY` or `D/M/YYYY` as ISO; anything else as typed, for the validation to judge.
fn date(s: &str) -> String {
    let parts: Vec<&str> = s.split(['.', '/']).collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => s.to_string(),
    }
}

/// One row as the API's JSON body, with the organisation's number apart (the caller finds
/// the organisation), or the messages of the cells that cannot be read.
pub struct Body {
    pub json: Map<String, Value>,
    pub org_number: Option<String>,
}

pub fn body(cols: &[Column], cells: &[String]) -> Result<Body, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut json = Map::new();
    let mut nested: Vec<(&str, Map<String, Value>)> = Vec::new();
    let mut consents: Vec<Value> = Vec::new();
    let mut org_number = None;
    for (col, cell) in cols.iter().zip(cells.iter().map(String::as_str)) {
        if cell.is_empty() {
            if col.required {
                errors.add(col.name, "is required");
            }
            continue;
        }
        let value = match col.cell {
            Text => Ok(Value::from(cell)),
            Int => number(cell, true),
            Number => number(cell, false),
            Bool => boolean(cell).map(Value::from),
            List => Ok(json!(entries(cell))),
            Languages(level) => languages(cell, level),
            Place => Ok(Value::from(crate::records::check::municipality_key(cell))),
            Places => Ok(json!(entries(cell)
                .iter()
                .map(|p| crate::records::check::municipality_key(p))
                .collect::<Vec<_>>())),
            Date => Ok(Value::from(date(cell))),
            Consent(purpose) => {
                match boolean(cell) {
                    Ok(true) => consents.push(Value::from(purpose)),
                    Ok(false) => {}
                    Err(e) => errors.add(col.name, e),
                }
                continue;
            }
            OrgNumber => {
                org_number = Some(cell.to_string());
                continue;
            }
        };
        let value = match value {
            Ok(v) => v,
            Err(e) => {
                errors.add(col.name, e);
                continue;
            }
        };
        match ["person", "education", "business", "estimated_value"]
            .into_iter()
            .find_map(|p| {
                col.name
                    .strip_prefix(p)
                    .and_then(|r| r.strip_prefix('_'))
                    .map(|r| (p, r))
            }) {
            Some((parent, field)) => {
                match nested.iter_mut().find(|(p, _)| *p == parent) {
                    Some((_, m)) => m,
                    None => {
                        nested.push((parent, Map::new()));
                        &mut nested.last_mut().expect("just pushed").1
                    }
                }
                .insert(field.to_string(), value);
            }
            None => {
                json.insert(col.name.to_string(), value);
            }
        }
    }
    for (parent, m) in nested {
        let v = if parent == "education" {
            json!([m])
        } else {
            Value::Object(m)
        };
        json.insert(parent.to_string(), v);
    }
    if cols.iter().any(|c| matches!(c.cell, Consent(_))) {
        json.insert("consents".into(), Value::Array(consents));
    }
    errors.into_result()?;
    Ok(Body { json, org_number })
}

/// The column a validation message's field belongs to: `person.email` → `person_email`,
/// `languages[1].level` → `languages`, `education[0].year` → `education_year`.
pub fn column_of(cols: &[Column], field: &str) -> String {
    let plain: String = {
        let mut out = String::new();
        let mut skip = false;
        for c in field.chars() {
            match c {
                '[' => skip = true,
                ']' => skip = false,
                _ if skip => {}
                '.' => out.push('_'),
                _ => out.push(c),
            }
        }
        out
    };
    if field == "organisation_id" {
        return "organisation_org_number".into();
    }
    if cols.iter().any(|c| c.name == plain) {
        return plain;
    }
    let mut parts = plain.split('_').collect::<Vec<_>>();
    while parts.len() > 1 {
        parts.pop();
        let shorter = parts.join("_");
        if cols.iter().any(|c| c.name == shorter) {
            return shorter;
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_template_reads_back_into_a_body() {
        for r in Record::ALL {
            let t = super::super::table::read(&template(r)).expect("template reads");
            let cols = place_header(r, &t.header).expect("its own header");
            body(&cols, &t.rows[0].1).unwrap_or_else(|e| panic!("{r:?}: {}", e.summary()));
        }
    }

    #[test]
    fn cells_become_the_apis_values() {
        let cols = place_header(
            Record::Candidate,
            &cells(&[
                "person_name",
                "person_email",
                "person_locale",
                "consent_matching_ktp",
                "consent_contact",
                "headline",
                "languages",
                "municipality",
                "max_distance_km",
                "available_from",
                "education_year",
                "cross_border_ok",
            ]),
        )
        .expect("header");
        let b = body(
            &cols,
            &cells(&[
                "Ali",
                "ali@example.se",
                "sv",
                "ja",
                "nej",
                "CAD",
                "ar modersmål; sv:b2",
                "Ludvika",
                "1 000",
                "15.1.2027",
                "2024",
                "x",
            ]),
        )
        .unwrap_or_else(|e| panic!("{}", e.summary()));
        let j = Value::Object(b.json);
        assert_eq!(j["person"]["email"], "ali@example.se");
        assert_eq!(j["consents"], json!(["matching_ktp"]));
        assert_eq!(j["languages"][0], json!({"code": "ar", "level": "native"}));
        assert_eq!(j["languages"][1], json!({"code": "sv", "level": "B2"}));
        assert_eq!(j["municipality"], "SE-2085");
        assert_eq!(j["max_distance_km"], 1000);
        assert_eq!(j["available_from"], "2027-01-15");
        assert_eq!(j["education"], json!([{"year": 2024}]));
        assert_eq!(j["cross_border_ok"], true);
    }

    #[test]
    fn a_bad_cell_is_named_by_its_column() {
        let cols = place_header(
            Record::Mentor,
            &cells(&[
                "person_name",
                "person_email",
                "person_locale",
                "headline",
                "municipality",
                "capacity",
                "remote_ok",
            ]),
        )
        .expect("h");
        let e = body(
            &cols,
            &cells(&["A", "a@b.se", "sv", "", "Mora", "två", "kanske"]),
        )
        .err()
        .expect("refused");
        let fields: Vec<&str> = e.fields().collect();
        assert_eq!(fields, ["capacity", "headline", "remote_ok"]);
    }

    #[test]
    fn unknown_or_missing_columns_are_refused_with_their_names() {
        let e = place_header(Record::Offer, &cells(&["title", "colour"])).expect_err("refused");
        assert!(e.contains("\"colour\""), "{e}");
        let e = place_header(Record::Offer, &cells(&["title"])).expect_err("refused");
        assert!(
            e.contains("organisation_org_number") && e.contains("cpv_codes"),
            "{e}"
        );
    }

    #[test]
    fn every_consent_purpose_has_a_column_for_people() {
        for r in [Record::Candidate, Record::Mentor] {
            for p in crate::records::PURPOSES {
                assert!(
                    of(r).iter().any(|c| c.cell == Consent(p)),
                    "{r:?} lacks consent_{p}"
                );
            }
        }
    }

    #[test]
    fn validation_fields_map_to_columns() {
        let cols = of(Record::Candidate);
        assert_eq!(column_of(cols, "person.email"), "person_email");
        assert_eq!(column_of(cols, "languages[1].level"), "languages");
        assert_eq!(column_of(cols, "education[0].year"), "education_year");
        assert_eq!(
            column_of(cols, "business.support_needs[0]"),
            "business_support_needs"
        );
        assert_eq!(
            column_of(of(Record::Need), "organisation_id"),
            "organisation_org_number"
        );
    }
}
