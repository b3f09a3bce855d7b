//! The scheduled work, in one loop per process: reminders and expiry of introductions,
//! mentoring check-ins, reminders of dialogue meetings, "still current?", follow-ups, weekly
//! digests, the retention rule, and the purge of old sent emails' content. Each
//! job is a set of conditional updates, so a pass that crashes half-way, or runs on two nodes at once, does
//! each thing once. What a job queues for email, the mailer sends: this loop wakes it.

use crate::db::{self, DbError};
use crate::error::AppError;
use crate::services::Services;
use crate::worker::Worker;
use std::sync::Arc;
use std::time::Duration;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Reminders queued and introductions expired (each queues its emails).
    pub introductions: usize,
    /// Check-in emails of mentoring relationships queued.
    pub check_ins: usize,
    /// Reminders of dialogue meetings queued (the day before).
    pub meetings: usize,
    /// "Still current?" emails queued, and records that went stale.
    pub freshness_asked: usize,
    /// Follow-ups of outcomes sent (placements at 6 and 12 months, procurements at tender).
    pub follow_ups: usize,
    /// Weekly digests queued.
    pub digests: usize,
    pub went_stale: usize,
    pub warned: usize,
    pub erased: usize,
    pub purged: usize,
}

impl Pass {
    fn queued_email(&self) -> bool {
        self.introductions > 0
            || self.check_ins > 0
            || self.meetings > 0
            || self.freshness_asked > 0
            || self.follow_ups > 0
            || self.digests > 0
            || self.went_stale > 0
            || self.warned > 0
            || self.erased > 0
    }
}

/// Runs every job once, now (the digests as `services.clock` has it).
pub async fn run_once(services: &Services) -> Result<Pass, AppError> {
    let (db, settings) = (&services.db, &services.settings);
    let s = settings.clone();
    let introductions = db
        .write(move |c| crate::introductions::run_due(c, &s))
        .await?;
    let s = settings.clone();
    let check_ins = db
        .write(move |c| crate::mentoring::relationships::run_due(c, &s))
        .await?;
    let s = settings.clone();
    let meetings = db
        .write(move |c| crate::dialogue::meetings::run_due(c, &s))
        .await?;
    let s = settings.clone();
    let (freshness_asked, went_stale) = db.write(move |c| crate::freshness::run_due(c, &s)).await?;
    let s = settings.clone();
    let follow_ups = db
        .write(move |c| crate::introductions::follow_ups::run_due(c, &s))
        .await?;
    let digests = crate::digests::run_due(services, services.clock.now()).await?;
    let s = settings.clone();
    let (warned, erased) = db.write(move |c| crate::privacy::retention(c, &s)).await?;
    let days = settings.mail_retention_days;
    let purged = db
        .write(move |c| db::outbox::purge_sent(c, days).map_err(DbError::from))
        .await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    db.write(move |c| db::limits::sweep(c, now).map_err(DbError::from))
        .await?;
    Ok(Pass {
        introductions,
        check_ins,
        meetings,
        freshness_asked,
        follow_ups,
        digests,
        went_stale,
        warned,
        erased,
        purged,
    })
}

/// The running loop.
pub struct Jobs {
    worker: Arc<Worker>,
}

impl Jobs {
    /// Starts the loop on the current tokio runtime; it runs a pass every
    /// `mail_poll_seconds` and whenever woken.
    pub fn start(services: Services) -> Arc<Jobs> {
        let poll = Duration::from_secs(services.settings.mail_poll_seconds.max(1));
        let worker = Worker::start(poll, move || {
            let services = services.clone();
            async move {
                match run_once(&services).await {
                    Ok(pass) => {
                        if pass.queued_email() {
                            services.mailer.wake();
                        }
                        if pass != Pass::default() {
                            tracing::info!(
                                introductions = pass.introductions,
                                digests = pass.digests,
                                warned = pass.warned,
                                erased = pass.erased,
                                purged = pass.purged,
                                "due work done"
                            );
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the due work failed; it runs again later")
                    }
                }
                true
            }
        });
        Arc::new(Jobs { worker })
    }
}

/// `wake` (run a pass now, after moving what the jobs look at, in tests), `idle_passes`
/// (passes finished: tests wait on two instead of sleeping), `stop`, `shutdown`.
impl std::ops::Deref for Jobs {
    type Target = Worker;
    fn deref(&self) -> &Worker {
        &self.worker
    }
}
