//! Bulk import: a CSV file of 10,000 people (candidates, each with attested consents, so each
//! also becomes an account, consents, an email in the outbox and an index event) into a fresh
//! database, once as a dry run (everything checked, rolled back) and once for real; then the
//! same file again, every row a duplicate. SQLite by default; `--postgres URL` (a server
//! where a fresh database may be created) runs PostgreSQL too.
//!
//! ```sh
//! cargo bench --bench import -- --rows 10000 [--postgres postgres://postgres@127.0.0.1:5432]
//! ```

use heartland::config::Settings;
use heartland::db::{self, Db, User};
use heartland::imports::{self, OnDuplicate, Options};
use heartland::policy::{Role, Viewer};
use std::time::Instant;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

const PLACES: &[&str] = &[
    "Mora",
    "Orsa",
    "Ludvika",
    "Älvdalen",
    "Røros",
    "Os",
    "Tolga",
];
const SKILLS: &[&str] = &[
    "CAD, SolidWorks",
    "Python, dataanalys",
    "svetsning, ritningsläsning",
    "ekonomi, redovisning",
    "React, TypeScript",
];

/// A file as a spreadsheet writes it: BOM, `;`, CRLF, a quoted cell with a line break.
fn file(rows: usize) -> String {
    let mut s = String::from(
        "\u{feff}person_name;person_email;person_locale;consent_matching_ktp;consent_contact;\
         headline;summary;skills;languages;municipality;max_distance_km;available_from;seeking\r\n",
    );
    for i in 0..rows {
        let place = PLACES[i % PLACES.len()];
        let locale = if matches!(place, "Røros" | "Os" | "Tolga") {
            "nb"
        } else {
            "sv"
        };
        s.push_str(&format!(
            "Person {i} Åström;person{i}@example.se;{locale};ja;ja;Ingenjör nummer {i};\
             \"Examen {i}.\r\nErfarenhet av {}.\";\"{}\";\"sv:native, en:B2\";{place};{};\
             2027-0{}-15;\"ktp, job\"\r\n",
            SKILLS[i % SKILLS.len()],
            SKILLS[(i / 7) % SKILLS.len()],
            50 + i % 200,
            1 + i % 9,
        ));
    }
    s
}

fn run(label: &str, url: &str, data_dir: &std::path::Path, csv: &[u8]) -> anyhow::Result<()> {
    let db = Db::connect(url, 4)?;
    db.migrate()?;
    let mut settings = Settings::load(None)?;
    settings.data_dir = data_dir.to_path_buf();
    let admin = db.write_blocking(|c| -> anyhow::Result<String> {
        Ok(User::insert(
            c,
            &db::NewUser {
                email: "admin@bench.example",
                display_name: "Admin",
                phone: None,
                locale: "en",
                role: "admin",
                password_hash: None,
                verified: true,
            },
        )?)
    })?;
    let viewer = Viewer {
        user_id: admin,
        role: Role::Admin,
        scopes: Vec::new(),
        organisations: Vec::new(),
        locale: "en".into(),
        touched_recently: false,
    };
    for (what, dry_run) in [
        ("dry run", true),
        ("import", false),
        ("again (duplicates)", false),
    ] {
        let opts = Options {
            dry_run,
            on_duplicate: OnDuplicate::Skip,
        };
        let started = Instant::now();
        let out = db.write_blocking(|c| {
            imports::run(
                c,
                &viewer,
                imports::kind("candidates").expect("kind"),
                csv,
                opts,
                &settings,
                &mut |_, _| {},
            )
        });
        let secs = started.elapsed().as_secs_f64();
        let report = match out {
            Ok(r) => r,
            Err(imports::Stopped::Report(r)) => r,
            Err(imports::Stopped::Error(e)) => anyhow::bail!("{label} {what}: {e}"),
        };
        anyhow::ensure!(
            report.errors.is_empty(),
            "{label}: {:?}",
            report.errors.first()
        );
        println!(
            "{label:<10} {what:<20} {:>6} rows in {secs:>6.2} s = {:>6.0} rows/s (created {}, skipped {})",
            report.rows,
            report.rows as f64 / secs,
            report.created,
            report.skipped
        );
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let rows: usize = arg("--rows").and_then(|r| r.parse().ok()).unwrap_or(10_000);
    let csv = file(rows);
    println!("{rows} candidates, {:.1} MB of CSV", csv.len() as f64 / 1e6);
    let dir = tempfile::tempdir()?;
    let sqlite = dir.path().join("bench.db");
    run(
        "sqlite",
        &sqlite.to_string_lossy(),
        dir.path(),
        csv.as_bytes(),
    )?;
    if let Some(server) = arg("--postgres") {
        use diesel::{Connection, RunQueryDsl};
        let name = format!("heartland_import_bench_{}", std::process::id());
        let mut admin = diesel::PgConnection::establish(&format!("{server}/postgres"))?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
        let result = run(
            "postgres",
            &format!("{server}/{name}"),
            dir.path(),
            csv.as_bytes(),
        );
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)?;
        result?;
    }
    Ok(())
}
