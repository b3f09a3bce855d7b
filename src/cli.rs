//! The `heartland` command line.

use crate::config::Settings;
use crate::db::{self, Db, User};
use crate::domain::{Email, Municipality};
use crate::startup::Application;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "heartland",
    version,
    about = "Heartland Match: matches for KTP placements, mentoring and early procurement dialogue"
)]
pub struct Cli {
    /// A settings file (default: heartland.toml in the working directory, if there).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Where the SQLite file, the index and written mail live.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web service.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo region first if the database holds none of it.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo region (organisations, needs, candidates, mentors, procurements, offers).
    Demo,
    /// Rebuild the search index from the database (stop `serve` first).
    Reindex,
    /// Write a consistent backup of the database to FILE while the service serves (SQLite:
    /// VACUUM INTO; PostgreSQL: pg_dump --format=custom).
    Backup { file: PathBuf },
    /// Restore the database from a backup FILE and rebuild the index (stop `serve` first). A
    /// database that holds data is replaced only with --force.
    Restore {
        file: PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Import a CSV file of one kind (organisations, needs, candidates, mentors, offers,
    /// procurements): the whole file or nothing. The officer named attests the people's
    /// consents; `serve` sends their emails and indexes the records.
    Import {
        /// organisations, needs, candidates, mentors, offers or procurements.
        kind: String,
        file: PathBuf,
        /// The officer or admin who imports (and attests the consents).
        #[arg(long = "as")]
        as_user: String,
        /// Validate every row and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// What to do with a record that is there already.
        #[arg(long, value_enum, default_value = "skip")]
        on_duplicate: Duplicates,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an officer or admin (or update one), the password read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: StaffRole,
        /// A municipality the officer acts for, e.g. NO-5025; repeat for several.
        #[arg(long)]
        municipality: Vec<String>,
        #[arg(long)]
        name: Option<String>,
        /// Language of the interface and emails: sv, nb or en.
        #[arg(long, default_value = "sv")]
        locale: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Duplicates {
    Skip,
    Update,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StaffRole {
    Officer,
    Admin,
}

impl StaffRole {
    fn as_str(self) -> &'static str {
        match self {
            StaffRole::Officer => "officer",
            StaffRole::Admin => "admin",
        }
    }
}

fn open(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database_url(), settings.db_pool_size)?;
    let applied = db.migrate()?;
    if applied > 0 {
        tracing::info!(applied, backend = db.backend_name(), "migrations applied");
    }
    Ok(db)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    crate::private_files::secure_data_dir(&settings.data_dir)?;
    match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(b) = bind {
                settings.bind = b;
            }
            let db = open(&settings)?;
            if demo && settings.staff_second_factor.is_none() {
                settings.staff_second_factor = Some("optional".into());
                println!(
                    "The demo asks no second factor of its officers unless they set one up \
                     (HEARTLAND_STAFF_SECOND_FACTOR=required asks it of every officer and admin)."
                );
            }
            if demo {
                let (db2, s2) = (db.clone(), settings.clone());
                tokio::task::spawn_blocking(move || crate::demo::load(&db2, &s2)).await??;
            }
            let app = Application::build(settings.clone(), db)?;
            tracing::info!(port = app.port(), bind = %settings.bind, "listening");
            println!(
                "Heartland Match is listening on http://{}",
                settings.bind.replace(":0", &format!(":{}", app.port()))
            );
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let db = Db::connect(&settings.database_url(), 2)?;
            let n = db.migrate()?;
            println!("{n} migrations applied ({})", db.backend_name());
        }
        Command::Demo => {
            let db = open(&settings)?;
            tokio::task::spawn_blocking(move || crate::demo::load(&db, &settings)).await??;
        }
        Command::Reindex => {
            let db = open(&settings)?;
            let dir = settings.data_dir.join("index");
            tokio::task::spawn_blocking(move || reindex(&db, &dir)).await??;
        }
        Command::Backup { file } => {
            tokio::task::spawn_blocking(move || crate::backup::backup(&settings, &file)).await??;
            println!("backup written");
        }
        Command::Restore { file, force } => {
            let r = tokio::task::spawn_blocking(move || {
                crate::backup::restore(&settings, &file, force)
            })
            .await??;
            println!(
                "restored; {} migrations applied; {} documents indexed",
                r.migrations, r.documents
            );
        }
        Command::Import {
            kind,
            file,
            as_user,
            dry_run,
            on_duplicate,
        } => {
            let db = open(&settings)?;
            let opts = crate::imports::Options {
                dry_run,
                on_duplicate: match on_duplicate {
                    Duplicates::Skip => crate::imports::OnDuplicate::Skip,
                    Duplicates::Update => crate::imports::OnDuplicate::Update,
                },
            };
            let ok = tokio::task::spawn_blocking(move || {
                import(&db, &settings, &kind, &file, &as_user, opts)
            })
            .await??;
            if !ok {
                std::process::exit(1);
            }
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    municipality,
                    name,
                    locale,
                },
        } => {
            let db = open(&settings)?;
            let password = read_password()?;
            tokio::task::spawn_blocking(move || {
                create_staff(&db, &email, role, &municipality, name, &locale, &password)
            })
            .await??;
        }
    }
    Ok(())
}

fn reindex(db: &Db, dir: &std::path::Path) -> anyhow::Result<()> {
    let (index, _) = heartland_index::SearchIndex::open(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the search index in {} (is `heartland serve` running? stop it first): {e}",
            dir.display()
        )
    })?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} documents {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let n = crate::search::rebuild(db, &index, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "indexed {n} documents in {secs:.2} s: {:.0} documents/s",
        n as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// Runs an import with a progress bar and prints its report; `false` when rows had errors.
fn import(
    db: &Db,
    settings: &Settings,
    kind: &str,
    file: &std::path::Path,
    as_user: &str,
    opts: crate::imports::Options,
) -> anyhow::Result<bool> {
    use crate::imports::Stopped;
    let record = crate::imports::kind(kind).ok_or_else(|| {
        anyhow::anyhow!(
            "KIND must be organisations, needs, candidates, mentors, offers or procurements"
        )
    })?;
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let viewer = db.write_blocking(|c| -> anyhow::Result<crate::policy::Viewer> {
        let user = User::by_email(c, as_user)?
            .ok_or_else(|| anyhow::anyhow!("--as: no account has the address {as_user}"))?;
        Ok(crate::web::session::viewer_of(c, user)?)
    })?;
    anyhow::ensure!(
        viewer.is_officer(),
        "--as: {as_user} is not an officer or admin"
    );
    let out = db.write_blocking(|c| -> Result<crate::imports::Report, Stopped> {
        crate::imports::run(
            c,
            &viewer,
            record,
            &bytes,
            opts,
            settings,
            &mut |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )
    });
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let (report, written) = match out {
        Ok(r) => (r, true),
        Err(Stopped::Report(r)) => (r, false),
        Err(Stopped::Error(e)) => {
            let detail = match &e {
                crate::error::AppError::Validation(f) => f.summary(),
                other => other.to_string(),
            };
            anyhow::bail!("the import stopped: {detail}");
        }
    };
    for e in &report.errors {
        for (column, messages) in &e.fields {
            for m in messages {
                println!("row {}: {column}: {m}", e.row);
            }
        }
    }
    let verb = if written { "imported" } else { "would import" };
    println!(
        "{} rows of {} in {secs:.2} s: {} created, {} updated, {} skipped, {} with errors{}",
        report.rows,
        report.kind,
        report.created,
        report.updated,
        report.skipped,
        report.errors.len(),
        if written {
            String::new()
        } else if report.errors.is_empty() {
            format!(" (a dry run: nothing written; it {verb} them)")
        } else {
            " (nothing written)".to_string()
        },
    );
    Ok(report.errors.is_empty())
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    crate::auth::check_new_password(&password).map_err(|e| anyhow::anyhow!("the password {e}"))?;
    Ok(password)
}

fn create_staff(
    db: &Db,
    email: &str,
    role: StaffRole,
    municipalities: &[String],
    name: Option<String>,
    locale: &str,
    password: &str,
) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    anyhow::ensure!(
        crate::records::LOCALES.contains(&locale),
        "--locale must be sv, nb or en"
    );
    let scopes: Vec<String> = municipalities
        .iter()
        .map(|m| {
            Municipality::parse_key(m)
                .map(|m| m.key())
                .map_err(|e| anyhow::anyhow!("--municipality {e}"))
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(
        matches!(role, StaffRole::Admin) || !scopes.is_empty(),
        "an officer needs at least one --municipality"
    );
    let hash = crate::auth::hash_password(password)?;
    let name = name.unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string()
    });
    let id = db.write_blocking(|c| -> anyhow::Result<String> {
        let id = match User::by_email(c, email.as_str())? {
            Some(u) => {
                User::set_password(c, &u.id, &hash)?;
                User::set_role(c, &u.id, role.as_str())?;
                u.id
            }
            None => User::insert(
                c,
                &db::NewUser {
                    email: email.as_str(),
                    display_name: &name,
                    phone: None,
                    locale,
                    role: role.as_str(),
                    password_hash: Some(&hash),
                    verified: true,
                },
            )?,
        };
        for m in &scopes {
            User::add_scope(c, &id, m)?;
        }
        db::audit(
            c,
            None,
            "role_granted",
            "user",
            Some(&id),
            serde_json::json!({"role": role.as_str(), "municipalities": scopes, "by": "cli"}),
        )?;
        Ok(id)
    })?;
    println!(
        "{} {id} is ready; get a token with POST /api/v1/auth/token",
        role.as_str()
    );
    Ok(())
}
