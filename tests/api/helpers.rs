//! The real application on a random port, on a fresh SQLite file or a fresh PostgreSQL
//! database (created for the test and dropped after it).

use diesel::{Connection, PgConnection, RunQueryDsl};
use heartland::config::Settings;
use heartland::db::{self, Db, User};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;

pub const PASSWORD: &str = "ett långt lösenord för test";

/// The PostgreSQL server tests may create databases on, e.g. `postgres://postgres@127.0.0.1:5432`.
pub const POSTGRES_ENV: &str = "HEARTLAND_TEST_POSTGRES_URL";
/// Set to `1` to skip the PostgreSQL tests when no server is given (they fail otherwise).
pub const SKIP_POSTGRES_ENV: &str = "HEARTLAND_TEST_SKIP_POSTGRES";

/// The address of database `name` on the test server: without TLS, unless the server's address
/// asks for it — on loopback TLS protects nothing, and libpq's TLS state torn down at process
/// exit while pooled connections close on other threads once aborted a passing test run
/// ("double free or corruption" after `concurrent_writes_all_succeed`).
pub fn pg_url(server: &str, name: &str) -> String {
    if server.contains("sslmode=") {
        match server.split_once('?') {
            Some((base, query)) => format!("{}/{name}?{query}", base.trim_end_matches('/')),
            None => format!("{server}/{name}"),
        }
    } else {
        format!("{}/{name}?sslmode=disable", server.trim_end_matches('/'))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub search: std::sync::Arc<heartland::search::Search>,
    pub mailer: std::sync::Arc<heartland::mail::Mailer>,
    pub jobs: std::sync::Arc<heartland::jobs::Jobs>,
    /// The clock of what is scheduled by the hour and the week (digests): tests move it.
    pub clock: heartland::clock::Clock,
    settings: Settings,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.jobs.stop();
        self.mailer.stop();
        // The indexer must not be inside a database call when the database goes.
        let search = self.search.clone();
        let _ = std::thread::spawn(move || search.stop()).join();
        if let Some((server, name)) = self.pg.take() {
            // Off the async runtime: diesel blocks.
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = PgConnection::establish(&pg_url(&server, "postgres")) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut c);
                }
            })
            .join();
        }
    }
}

/// Starts the app on `backend`; `None` when PostgreSQL is asked for, no server was given and
/// skipping was asked for ([`SKIP_POSTGRES_ENV`]); without either, the test fails.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with settings changed by `configure` (an SMTP server, shorter retries).
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, pg) = match backend {
        Backend::Sqlite => (
            dir.path()
                .join("heartland.db")
                .to_string_lossy()
                .into_owned(),
            None,
        ),
        Backend::Postgres => {
            let Ok(server) = std::env::var(POSTGRES_ENV) else {
                // A test that passes without running is a lie: skipping is asked for, and the
                // test command then filters these tests out so that the summary counts them.
                if std::env::var(SKIP_POSTGRES_ENV).as_deref() == Ok("1") {
                    return None;
                }
                panic!(
                    "set {POSTGRES_ENV} (e.g. postgres://postgres@127.0.0.1:5432) to run the \
                     PostgreSQL tests, or {SKIP_POSTGRES_ENV}=1 to skip them"
                );
            };
            let server = server.trim_end_matches('/').to_string();
            let name = format!("heartland_test_{}", uuid::Uuid::new_v4().simple());
            let (s, n) = (server.clone(), name.clone());
            tokio::task::spawn_blocking(move || {
                let mut c = PgConnection::establish(&pg_url(&s, "postgres"))
                    .expect("connect to PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {n}"))
                    .execute(&mut c)
                    .expect("create the test database");
            })
            .await
            .expect("create database");
            (pg_url(&server, &name), Some((server, name)))
        }
    };
    let mut settings = Settings::load(None).expect("settings");
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = Some(database_url.clone().into());
    settings.mail_poll_seconds = 1;
    // As the demo and the acceptance checks run; the second factor's tests ask for `required`.
    settings.staff_second_factor = Some("optional".into());
    configure(&mut settings);
    let kept = settings.clone();
    let url = database_url.clone();
    let db = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&url, 8).expect("connect");
        db.migrate().expect("migrate");
        db
    })
    .await
    .expect("db");
    let app = heartland::Application::build(settings, db.clone()).expect("build");
    let address = format!("http://127.0.0.1:{}", app.port());
    let search = app.search();
    let mailer = app.mailer();
    let jobs = app.jobs();
    let clock = app.clock();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address,
        // Idle connections are dropped before the server's keep-alive (actix: 5 s) ends them:
        // reusing one the server is closing at that moment fails as an incomplete message.
        client: reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("client"),
        db,
        data_dir: dir.path().to_path_buf(),
        database_url,
        search,
        mailer,
        jobs,
        clock,
        settings: kept,
        _dir: dir,
        pg,
    })
}

impl TestApp {
    /// A crash and a restart of the service on the same database and data directory: the
    /// workers stop where they are (no graceful end), a new service starts with its own
    /// workers, index and (system) clock, and this app talks to it from now on.
    pub async fn restart(&mut self) {
        self.jobs.stop();
        self.mailer.stop();
        let search = self.search.clone();
        let _ = std::thread::spawn(move || search.stop()).join();
        let app = heartland::Application::build_with_clock(
            self.settings.clone(),
            self.db.clone(),
            self.clock.clone(),
        )
        .expect("build again");
        self.address = format!("http://127.0.0.1:{}", app.port());
        self.search = app.search();
        self.mailer = app.mailer();
        self.jobs = app.jobs();
        tokio::spawn(app.run_until_stopped());
        let started = std::time::Instant::now();
        while !self.search.is_ready() {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "index not ready"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// An answer: its status and its JSON body (`Null` when it has none).
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    /// The fields an error body names.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["error"]["fields"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Answer {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// Creates and expects 201; returns the new record's id.
    pub async fn create(&self, collection: &str, token: &str, body: Value) -> String {
        let a = self
            .post(&format!("/api/v1/{collection}"), token, body)
            .await;
        assert_eq!(
            a.status,
            StatusCode::CREATED,
            "creating {collection}: {}",
            a.body
        );
        a.body["id"].as_str().expect("id").to_string()
    }

    pub async fn token(&self, email: &str, password: &str) -> String {
        let a = self
            .request(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::CREATED,
            "token for {email}: {}",
            a.body
        );
        a.body["token"].as_str().expect("token").to_string()
    }

    /// An officer (or admin, with no municipalities) made as the CLI makes them.
    pub async fn staff(&self, email: &str, role: &str, municipalities: &[&str]) -> String {
        let (db, e, r) = (self.db.clone(), email.to_string(), role.to_string());
        let scopes: Vec<String> = municipalities.iter().map(|s| s.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let hash = heartland::auth::hash_password(PASSWORD).expect("hash");
            db.write_blocking(|c| -> Result<(), heartland::error::AppError> {
                let id = User::insert(
                    c,
                    &db::NewUser {
                        email: &e,
                        display_name: &e,
                        phone: None,
                        locale: "sv",
                        role: &r,
                        password_hash: Some(&hash),
                        verified: true,
                    },
                )?;
                for s in &scopes {
                    User::add_scope(c, &id, s)?;
                }
                Ok(())
            })
            .expect("staff user");
        })
        .await
        .expect("staff");
        self.token(email, PASSWORD).await
    }

    /// Follows an emailed one-click link as a person does: opens it (the page asks; 200), then
    /// presses its button. Returns the answer's status.
    pub async fn follow_link(&self, link: &str) -> StatusCode {
        let path = link.split_once("://").map(|(_, r)| r).unwrap_or(link);
        let path = &path[path.find('/').unwrap_or(0)..];
        let page = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("open");
        assert_eq!(page.status(), StatusCode::OK, "{link}");
        self.client
            .post(format!("{}{path}", self.address))
            .send()
            .await
            .expect("answer")
            .status()
    }

    /// An officer of the programme verifies an organisation that registered itself (through
    /// the API), so that others see and match what it publishes.
    pub async fn verify_org(&self, org: &str) {
        let email = "moderator@heartland.test";
        let exists = {
            let (db, e) = (self.db.clone(), email.to_string());
            tokio::task::spawn_blocking(move || {
                let mut c = db.conn().expect("conn");
                User::by_email(&mut c, &e).expect("user").is_some()
            })
            .await
            .expect("lookup")
        };
        let token = if exists {
            self.token(email, PASSWORD).await
        } else {
            self.staff(email, "admin", &[]).await
        };
        let a = self
            .post(
                &format!("/api/v1/organisations/{org}/verify"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "verify {org}: {}", a.body);
        assert_eq!(a.body["verified"], true);
    }

    /// Registers through the API and signs in.
    pub async fn register(&self, email: &str, role: &str, consents: &[&str]) -> String {
        let a = self
            .request(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({
                    "email": email, "password": PASSWORD, "display_name": email, "role": role,
                    "locale": "sv", "consents": consents,
                })),
            )
            .await;
        assert_eq!(
            a.status,
            StatusCode::ACCEPTED,
            "register {email}: {}",
            a.body
        );
        self.confirm_email(email).await;
        self.token(email, PASSWORD).await
    }

    /// The parameters of the newest email of `template` to `address` (of `introduction`, when
    /// given), read from the outbox (the database the mailer sends from), whatever transport is
    /// configured.
    pub async fn emailed(
        &self,
        address: &str,
        template: &str,
        introduction: Option<&str>,
    ) -> Value {
        let (db, a, t) = (self.db.clone(), address.to_string(), template.to_string());
        let i = introduction.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            use diesel::prelude::*;
            use heartland::db::schema::outbox;
            let mut c = db.conn().expect("conn");
            let mut q = outbox::table
                .filter(outbox::to_address.eq(&a))
                .filter(outbox::template.eq(&t))
                .into_boxed();
            if let Some(i) = i {
                q = q.filter(outbox::introduction_id.eq(i));
            }
            let params: String = q
                .order(outbox::created_at.desc())
                .select(outbox::params)
                .first(&mut *c)
                .unwrap_or_else(|_| panic!("no {t} email to {a}"));
            serde_json::from_str(&params).expect("params")
        })
        .await
        .expect("emailed")
    }

    /// The link of the newest email of `template` to `address`.
    pub async fn emailed_link(&self, address: &str, template: &str) -> String {
        self.emailed(address, template, None).await["link"]
            .as_str()
            .expect("link")
            .to_string()
    }

    /// Follows the confirmation link emailed at registration (through the API).
    pub async fn confirm_email(&self, address: &str) {
        let link = self.emailed_link(address, "verify_email").await;
        let token = link.split("token=").nth(1).expect("token").to_string();
        let a = self
            .request(
                Method::POST,
                "/api/v1/auth/verify",
                None,
                Some(json!({"token": token})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "verify {address}: {}", a.body);
    }

    /// Waits until a pass of the jobs loop that began after this call has finished (the due
    /// work — reminders, check-ins — has run as the clock now stands).
    pub async fn jobs_pass(&self) {
        let started = std::time::Instant::now();
        let from = self.jobs.idle_passes();
        while self.jobs.idle_passes() < from + 2 {
            self.jobs.wake();
            assert!(
                started.elapsed() < std::time::Duration::from_secs(15),
                "the jobs did not finish a pass"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Counts rows of a table, to show that a rejected write changed nothing.
    pub async fn count(&self, table: &'static str) -> i64 {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut c = db.conn().expect("conn");
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<N>(&mut *c)
                .expect("count")
                .n
        })
        .await
        .expect("count")
    }
}

/// A valid body for each record type.
pub mod bodies {
    use serde_json::{json, Value};

    pub fn company(name: &str, municipality: &str) -> Value {
        json!({"name": name, "kind": "company", "org_number": "556012-5790", "country": "SE",
               "municipality": municipality, "nace": "16.10", "size": "small", "leadership": "women"})
    }

    pub fn municipality_org(municipality: &str) -> Value {
        json!({"name": "Mora kommun", "kind": "municipality", "org_number": "212000-2221", "country": "SE",
               "municipality": municipality, "size": "large"})
    }

    pub fn supplier(municipality: &str) -> Value {
        json!({"name": "Fjellkjøkken AS", "kind": "supplier", "org_number": "923609016", "country": "NO",
               "municipality": municipality})
    }

    pub fn need(org: &str, municipality: &str) -> Value {
        json!({"organisation_id": org, "title": "Digitalisering av sågverket",
               "description": "Sensorer och dataanalys i produktionen.", "kind": "digitalisation",
               "skills": ["dataanalys", "Python"], "languages": [{"code": "sv", "min_level": "B2"}],
               "duration_months": 12, "start_date": "2027-03-01", "municipality": municipality,
               "remote_ok": false, "cross_border_ok": true, "ktp_target": false})
    }

    pub fn candidate(municipality: &str) -> Value {
        json!({"headline": "Maskiningenjör med CAD och arabiska", "summary": "Konstruktör.",
               "education": [{"degree": "MSc", "field": "Maskinteknik", "institution": "Högskolan Dalarna", "year": 2025}],
               "skills": ["CAD", "konstruktion"], "languages": [{"code": "ar", "level": "native"}, {"code": "sv", "level": "B2"}],
               "municipality": municipality, "max_distance_km": 150, "cross_border_ok": true,
               "available_from": "2027-01-15", "seeking": ["ktp"], "business": null,
               "gender": "woman", "foreign_background": true})
    }

    pub fn mentor(municipality: &str) -> Value {
        json!({"headline": "Regnskapsfører", "expertise": ["regnskap", "skatt"], "sectors": ["handel"],
               "languages": [{"code": "nb", "level": "native"}], "municipality": municipality,
               "capacity": 2, "cross_border_ok": true, "remote_ok": true})
    }

    pub fn procurement(org: &str, municipality: &str) -> Value {
        json!({"organisation_id": org, "title": "Skolmåltider", "description": "Livsmedel till skolor.",
               "cpv_codes": ["55300000-3", "15000000-8"], "estimated_value": {"amount": 1000000, "currency": "SEK"},
               "dialogue_deadline": "2027-02-15", "tender_planned": "2027-04-01", "municipality": municipality})
    }

    pub fn offer(org: &str) -> Value {
        json!({"organisation_id": org, "title": "Catering", "description": "Lokala råvaror.",
               "cpv_codes": ["55300000-3"], "serves": ["NO-5025", {"country": "SE", "code": "2062"}], "cross_border_ok": true})
    }
}

/// Runs each named test against SQLite, and against PostgreSQL when a server is given.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await.expect("sqlite");
                    super::$name(&app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await else { return };
                    super::$name(&app).await;
                }
            )*
        }
    };
}
