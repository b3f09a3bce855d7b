//! Putting the service together: the database is given; the search index and its indexer,
//! the mailer, the jobs loop and the HTTP server are started here, and stopped in order.

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::jobs::Jobs;
use crate::mail::Mailer;
use crate::search::Search;
use std::net::TcpListener;
use std::sync::Arc;

/// The running service, for `main` and for the tests.
pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    search: Arc<Search>,
    mailer: Arc<Mailer>,
    jobs: Arc<Jobs>,
    clock: Clock,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and builds the server.
    pub fn build(settings: Settings, db: Db) -> anyhow::Result<Application> {
        Application::build_with_clock(settings, db, Clock::system())
    }

    /// [`Application::build`] on a given clock (tests move it, and keep it across a restart).
    pub fn build_with_clock(
        mut settings: Settings,
        db: Db,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&settings.bind)?;
        let address = listener.local_addr()?;
        let port = address.port();
        if settings
            .base_url
            .as_deref()
            .is_none_or(|b| b.trim().is_empty())
        {
            // Links in emails lead here; behind a proxy or a domain, set HEARTLAND_BASE_URL.
            let host = if address.ip().is_unspecified() {
                "localhost".to_string()
            } else {
                address.ip().to_string()
            };
            settings.base_url = Some(format!("http://{host}:{port}"));
        }
        let search = Search::start(db.clone(), &settings.data_dir.join("index"))?;
        // Made now, so that a data directory that cannot hold it fails the start, not an email.
        settings.link_key()?;
        let mailer = Mailer::start(db.clone(), settings.clone())?;
        let services = crate::services::Services {
            db,
            settings,
            search: search.clone(),
            mailer: mailer.clone(),
            clock: clock.clone(),
        };
        let jobs = Jobs::start(services.clone());
        let state = crate::web::AppState::new(services);
        let server = crate::web::serve(state, listener)?;
        Ok(Application {
            port,
            server,
            search,
            mailer,
            jobs,
            clock,
        })
    }

    /// The clock of what is scheduled by the hour and the week (tests move it).
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The search index and its indexer.
    pub fn search(&self) -> Arc<Search> {
        self.search.clone()
    }

    /// The outbox's sender.
    pub fn mailer(&self) -> Arc<Mailer> {
        self.mailer.clone()
    }

    /// The scheduled work.
    pub fn jobs(&self) -> Arc<Jobs> {
        self.jobs.clone()
    }

    /// Serves until the server is stopped (SIGINT or SIGTERM), then stops the jobs, the mailer
    /// and the indexer.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        // The workers let go of the database before `main` returns, so that no pooled
        // connection is closed while the process's TLS state is being torn down.
        self.jobs.shutdown().await;
        self.mailer.shutdown().await;
        let search = self.search;
        let _ = tokio::task::spawn_blocking(move || search.stop()).await;
        result
    }
}
