//! The clock of what is scheduled by the hour and the week (digests go out in the person's
//! morning, once a week): the system clock, which the tests move forward instead of sleeping.
//! Clones share one clock.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::{Duration, PrimitiveDateTime};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Seconds ahead of the system clock.
    ahead: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now, in UTC.
    pub fn now(&self) -> PrimitiveDateTime {
        crate::db::now() + Duration::seconds(self.ahead.load(Ordering::SeqCst))
    }

    /// Moves the clock forward (or back) by `by`.
    pub fn advance(&self, by: Duration) {
        self.ahead.fetch_add(by.whole_seconds(), Ordering::SeqCst);
    }

    /// Sets the clock to `at` (UTC); it runs on from there.
    pub fn set(&self, at: PrimitiveDateTime) {
        let ahead = (at - crate::db::now()).whole_seconds();
        self.ahead.store(ahead, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_set_ahead_runs_on_from_there_and_clones_share_it() {
        let clock = Clock::system();
        let other = clock.clone();
        let at = time::macros::datetime!(2027-01-04 06:30:00);
        clock.set(at);
        assert!((other.now() - at).abs() < Duration::seconds(2));
        other.advance(Duration::days(7));
        assert!((clock.now() - (at + Duration::days(7))).abs() < Duration::seconds(2));
    }
}
