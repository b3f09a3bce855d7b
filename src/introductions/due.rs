//! The introductions' due work, run by `crate::jobs`: reminders and expiry.

use super::*;

/// Reminders to whoever has not answered, on the configured days, and expiry of what has
/// waited too long. Safe to run on several nodes at once: each step is a conditional update,
/// and only the node whose update took effect queues the email. Returns emails queued.
pub fn run_due(conn: &mut DbConn, settings: &Settings) -> Result<usize, AppError> {
    let now = db::now();
    let stale: Vec<String> = t::table
        .filter(t::status.eq_any(OPEN))
        .filter(t::expires_at.le(now))
        .select(t::id)
        .load(conn)?;
    for id in &stale {
        expire(conn, id)?;
    }
    let days = settings.reminder_days();
    let Some(first) = days.first() else {
        return Ok(0);
    };
    let due: Vec<Introduction> = t::table
        .filter(t::status.eq_any(OPEN))
        .filter(t::created_at.le(now - time::Duration::days(*first)))
        .select(Introduction::as_select())
        .load(conn)?;
    let mut queued = 0;
    for intro in due {
        for party in [Party::A, Party::B] {
            let (sent, answered) = match party {
                Party::A => (intro.a_reminders, intro.a_answer.is_some()),
                Party::B => (intro.b_reminders, intro.b_answer.is_some()),
            };
            // One reminder however many days have passed (a node that was down does not send
            // two at once).
            let passed = days
                .iter()
                .filter(|d| intro.created_at + time::Duration::days(**d) <= now)
                .count() as i32;
            if answered || passed <= sent {
                continue;
            }
            let target = t::table.find(&intro.id).filter(t::status.eq_any(OPEN));
            let took = match party {
                Party::A => diesel::update(target.filter(t::a_reminders.eq(sent)))
                    .set(t::a_reminders.eq(passed))
                    .execute(conn)?,
                Party::B => diesel::update(target.filter(t::b_reminders.eq(sent)))
                    .set(t::b_reminders.eq(passed))
                    .execute(conn)?,
            };
            if took == 1 {
                ask(conn, &intro, party, "introduction_reminder", settings)?;
                queued += 1;
            }
        }
    }
    Ok(queued)
}
