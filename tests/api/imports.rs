//! Bulk import from the CSV files spreadsheet programs write: the API, the dry run's report,
//! all-or-nothing, duplicates, people with attested consents, and the command line.

use crate::helpers::{Answer, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Organisations as Excel writes "CSV UTF-8" in a Swedish locale: a BOM, `;`, CRLF, a quoted
/// cell with a line break, å ä ö æ ø.
const ORGANISATIONS: &str =
    "\u{feff}name;kind;org_number;country;municipality;nace;size;leadership\r\n\
Ludvika Smide & Mek AB;company;556036-0793;SE;Ludvika;25.62;small;mixed\r\n\
\"Älvdalens kommun\";municipality;212000-2080;SE;Älvdalen;;large;\r\n\
Røros Skyss AS;supplier;923609016;NO;NO-5025;49.39;micro;women\r\n\
;;;;;;;\r\n";

/// Candidates with `,` between cells (as a spreadsheet in English writes them), quoted cells
/// holding commas and a line break, consents as ja/nej.
const CANDIDATES: &str = "person_name,person_email,person_locale,consent_matching_ktp,consent_contact,headline,summary,skills,languages,municipality,max_distance_km,available_from,seeking,gender,foreign_background\r\n\
Rasha Haddad,rasha.haddad@example.se,sv,ja,ja,Konstruktör med CAD och arabiska,\"Tio år som konstruktör i Aleppo.\r\nSolidWorks, AutoCAD.\",\"CAD, SolidWorks\",\"ar:native, sv:B2, en:C1\",Ludvika,80,2027-01-15,\"ktp, job\",woman,ja\r\n\
Øystein Bræk,oystein.braek@example.no,nb,ja,nej,Dataingeniør med interesse for sagbruk,,Python,nb:native,Røros,150,15.02.2027,ktp,man,nej\r\n";

pub async fn import(app: &TestApp, token: &str, kind: &str, query: &str, csv: &str) -> Answer {
    let res = app
        .client
        .post(format!("{}/api/v1/imports/{kind}?{query}", app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv.as_bytes().to_vec())
        .send()
        .await
        .expect("import");
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    }
}

async fn officer(app: &TestApp) -> String {
    app.staff(
        "karin@ludvika.se",
        "officer",
        &["SE-2085", "SE-2039", "NO-5025"],
    )
    .await
}

async fn a_spreadsheets_files_go_in_whole_with_consents_and_emails(app: &TestApp) {
    let token = officer(app).await;
    let a = import(app, &token, "organisations", "", ORGANISATIONS).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        (&a.body["rows"], &a.body["created"], &a.body["dry_run"]),
        (&json!(3), &json!(3), &json!(false)),
        "the empty row is not counted: {}",
        a.body
    );
    let orgs = app
        .get("/api/v1/organisations?municipality=SE-2039", &token)
        .await;
    assert_eq!(orgs.body["items"][0]["name"], "Älvdalens kommun");

    let a = import(app, &token, "candidates", "", CANDIDATES).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["created"], 2, "{}", a.body);
    let listed = app
        .get("/api/v1/candidates?municipality=SE-2085", &token)
        .await;
    let rasha = &listed.body["items"][0];
    assert_eq!(rasha["headline"], "Konstruktör med CAD och arabiska");
    assert_eq!(
        rasha["summary"], "Tio år som konstruktör i Aleppo.\nSolidWorks, AutoCAD.",
        "a line break typed in a cell, without Windows' carriage return"
    );
    assert_eq!(rasha["skills"], json!(["CAD", "SolidWorks"]));
    assert_eq!(
        rasha["languages"][0],
        json!({"code": "ar", "level": "native"})
    );
    assert_eq!(rasha["seeking"], json!(["ktp", "job"]));
    let shown = app
        .get(
            &format!("/api/v1/candidates/{}", rasha["id"].as_str().expect("id")),
            &token,
        )
        .await;
    assert_eq!(shown.body["person"]["name"], "Rasha Haddad");
    assert_eq!(shown.body["gender"], "woman");
    let oystein = app
        .get("/api/v1/candidates?municipality=NO-5025", &token)
        .await;
    assert_eq!(oystein.body["items"][0]["available_from"], "2027-02-15");

    // Each person is told, in their language, with the consents the officer attested.
    let mail = app
        .emailed(
            "rasha.haddad@example.se",
            "profile_recorded_by_officer",
            None,
        )
        .await;
    assert_eq!(mail["consents"], json!(["matching_ktp", "contact"]));
    let mail = app
        .emailed(
            "oystein.braek@example.no",
            "profile_recorded_by_officer",
            None,
        )
        .await;
    assert_eq!(mail["consents"], json!(["matching_ktp"]));
    assert!(app.count("consents").await >= 3);

    // A need names its organisation by number.
    let needs = "organisation_org_number;title;description;kind;skills;duration_months;start_date;municipality;cross_border_ok\n\
556036-0793;CAD-modeller för smidesdetaljer;Vi vill rita om våra produkter i 3D.;digitalisation;CAD;12;2027-03-01;Ludvika;ja\n";
    let a = import(app, &token, "needs", "", needs).await;
    assert_eq!(a.body["created"], 1, "{}", a.body);
    let listed = app.get("/api/v1/needs?municipality=SE-2085", &token).await;
    assert_eq!(
        listed.body["items"][0]["title"],
        "CAD-modeller för smidesdetaljer"
    );
}

async fn a_file_with_one_bad_row_changes_nothing_and_the_report_names_each_cell(app: &TestApp) {
    let token = officer(app).await;
    let mentors = "person_name;person_email;person_locale;consent_matching_mentoring;headline;sectors;municipality;capacity;remote_ok\n\
Lena Mattsson;lena@example.se;sv;ja;Drev catering i Ludvika i femton år;catering;Ludvika;2;ja\n\
Per Olsen;per.example.no;nb;ja;Regnskapsfører;regnskap;Røros;två;kanskje\n\
Sara Nilsson;sara@example.se;sv;ja;Bageri;bageri;Atlantis;1;nej\n";
    let (users, mentors_before) = (app.count("users").await, app.count("mentors").await);

    let dry = import(app, &token, "mentors", "dry_run=true", mentors).await;
    assert_eq!(dry.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", dry.body);
    assert_eq!(dry.body["rows"], 3);
    assert_eq!(dry.body["dry_run"], true);
    let errors = dry.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{}", dry.body);
    assert_eq!(errors[0]["row"], 3, "numbered as the spreadsheet shows it");
    let cells: Vec<&String> = errors[0]["fields"]
        .as_object()
        .expect("fields")
        .keys()
        .collect();
    assert_eq!(cells, ["capacity", "remote_ok"], "{}", dry.body);
    assert_eq!(errors[1]["row"], 4);
    assert!(
        errors[1]["fields"]["municipality"].is_array(),
        "{}",
        dry.body
    );
    assert_eq!(dry.body["error"]["code"], "validation_failed");
    assert!(dry.body["error"]["fields"]["rows[3].capacity"].is_array());

    // Imported for real, the same file writes nothing either.
    let real = import(app, &token, "mentors", "", mentors).await;
    assert_eq!(real.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("mentors").await, mentors_before);
    assert_eq!(app.count("outbox").await, 0, "no one was told of a profile");

    // Corrected, the preview says what would happen and still writes nothing; then it goes in.
    let fixed = mentors
        .replace("per.example.no", "per@example.no")
        .replace("två;kanskje", "2;nei")
        .replace("Atlantis", "Ludvika");
    let dry = import(app, &token, "mentors", "dry_run=true", &fixed).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert_eq!(
        (&dry.body["created"], &dry.body["dry_run"]),
        (&json!(3), &json!(true))
    );
    assert_eq!(app.count("mentors").await, mentors_before);
    let real = import(app, &token, "mentors", "", &fixed).await;
    assert_eq!(real.body["created"], 3, "{}", real.body);
    assert_eq!(app.count("mentors").await, mentors_before + 3);

    // A file that is not of the kind is refused as a whole, naming the column.
    let wrong = import(app, &token, "mentors", "", "name;colour\nA;red\n").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body["error"]["fields"]["file"][0]
        .as_str()
        .unwrap_or_default()
        .contains("\"name\", \"colour\" are not among the columns of mentors"));
    // Not CSV, not staff, not a kind.
    let json_body = app.post("/api/v1/imports/mentors", &token, json!({})).await;
    assert_eq!(json_body.status, StatusCode::BAD_REQUEST);
    let company = app.register("firma@example.se", "company", &[]).await;
    let no = import(app, &company, "mentors", "", &fixed).await;
    assert_eq!(no.status, StatusCode::FORBIDDEN);
    let none = import(app, &token, "dragons", "", &fixed).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

async fn duplicates_are_skipped_or_updated_as_asked(app: &TestApp) {
    let token = officer(app).await;
    assert_eq!(
        import(app, &token, "organisations", "", ORGANISATIONS)
            .await
            .body["created"],
        3
    );
    let again = import(app, &token, "organisations", "", ORGANISATIONS).await;
    assert_eq!(
        (&again.body["created"], &again.body["skipped"]),
        (&json!(0), &json!(3)),
        "{}",
        again.body
    );
    // The number written another way is the same organisation; update takes the new name.
    let renamed = "name;kind;org_number;country;municipality\n\
Ludvika Smide och Mekanik AB;company;5560360793;SE;Ludvika\n";
    let a = import(app, &token, "organisations", "on_duplicate=update", renamed).await;
    assert_eq!(a.body["updated"], 1, "{}", a.body);
    let orgs = app
        .get("/api/v1/organisations?municipality=SE-2085", &token)
        .await;
    assert_eq!(orgs.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        orgs.body["items"][0]["name"],
        "Ludvika Smide och Mekanik AB"
    );

    // A need of the same organisation and title, twice in one file: the second is a duplicate.
    let needs =
        "organisation_org_number;title;description;kind;duration_months;start_date;municipality\n\
556036-0793;Ny webbutik;Vi säljer smide på nätet.;market;6;2027-04-01;Ludvika\n\
556036-0793;ny webbutik ;Samma behov igen.;market;6;2027-04-01;Ludvika\n";
    let a = import(app, &token, "needs", "", needs).await;
    assert_eq!(
        (&a.body["created"], &a.body["skipped"]),
        (&json!(1), &json!(1)),
        "{}",
        a.body
    );

    // A person's email: their profile is updated, and nobody is told twice.
    assert_eq!(
        import(app, &token, "candidates", "", CANDIDATES).await.body["created"],
        2
    );
    let changed = CANDIDATES.replace("80,2027-01-15", "120,2027-01-15");
    let a = import(app, &token, "candidates", "on_duplicate=update", &changed).await;
    assert_eq!(a.body["updated"], 2, "{}", a.body);
    let listed = app
        .get("/api/v1/candidates?municipality=SE-2085", &token)
        .await;
    assert_eq!(listed.body["items"][0]["max_distance_km"], 120);
    // An address with an account of its own is not the officer's to attach a profile to.
    app.register("egen@example.se", "candidate", &["matching_ktp"])
        .await;
    let own = CANDIDATES.replace("rasha.haddad@example.se", "egen@example.se");
    let a = import(app, &token, "candidates", "", &own).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.body["errors"][0]["fields"]["person_email"].is_array(),
        "{}",
        a.body
    );
}

async fn templates_download_and_read_back(app: &TestApp) {
    let token = app.staff("admin@region.se", "admin", &[]).await;
    for kind in [
        "organisations",
        "needs",
        "candidates",
        "mentors",
        "offers",
        "procurements",
    ] {
        let res = app
            .client
            .get(format!("{}/api/v1/imports/{kind}/template", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .expect("template");
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/csv"));
        let text = res.text().await.expect("text");
        assert!(text.starts_with('\u{feff}'), "a BOM for spreadsheets");
        let header = text.lines().next().unwrap_or_default();
        assert!(
            header.contains(";title;") || header.contains("name;"),
            "{header}"
        );
    }
    // The templates' example rows go in (organisations first: the others name them).
    for kind in ["organisations", "mentors", "candidates"] {
        let text = app
            .client
            .get(format!("{}/api/v1/imports/{kind}/template", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .expect("template")
            .text()
            .await
            .expect("text");
        let a = import(app, &token, kind, "dry_run=true", &text).await;
        assert_eq!(a.status, StatusCode::OK, "{kind}: {}", a.body);
    }
}

crate::on_both_backends!(
    a_spreadsheets_files_go_in_whole_with_consents_and_emails,
    a_file_with_one_bad_row_changes_nothing_and_the_report_names_each_cell,
    duplicates_are_skipped_or_updated_as_asked,
    templates_download_and_read_back,
);
