//! What the use cases run on: the database, the settings, the search index and the mailer.
//! [`Services::write`] is how a use case changes anything: one transaction, and once it has
//! committed the indexer and the mailer are woken, so that a new record is searchable and a
//! queued email leaves without waiting for a poll, whichever path wrote them.

use crate::config::Settings;
use crate::db::{Db, DbConn, DbError};
use crate::mail::Mailer;
use crate::search::Search;
use std::sync::Arc;

#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub settings: Settings,
    /// The search index and its indexer.
    pub search: Arc<Search>,
    /// The outbox's sender.
    pub mailer: Arc<Mailer>,
    /// What is scheduled by the hour and the week reads this clock (tests move it).
    pub clock: crate::clock::Clock,
}

impl Services {
    /// Runs `f` in one write transaction, then wakes the indexer when it wrote a change to
    /// index and the mailer when it queued an email (a worker woken for nothing would still
    /// ask the database: under a stream of writes that was a second transaction per write).
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let (out, (indexed, mailed)) = self
            .db
            .write(move |c| -> Result<_, E> {
                crate::db::take_wrote();
                let out = f(c)?;
                Ok((out, crate::db::take_wrote()))
            })
            .await?;
        if indexed {
            self.search.wake();
        }
        if mailed {
            self.mailer.wake();
        }
        Ok(out)
    }
}
