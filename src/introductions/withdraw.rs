//! The programme withdraws introductions (a suspension): every open one of the records or
//! people held ends as `withdrawn`, and each party is told, in their language, about their own
//! side only — never why, nor who the other was.

use super::{describe, Introduction, OPEN};
use crate::config::Settings;
use crate::db::{self, schema::introductions as t, DbConn, User};
use crate::error::AppError;
use diesel::prelude::*;
use serde_json::json;

/// Withdraws the open introductions that have one of `records` (ids) as a side or one of
/// `people` (user ids) as a party; returns how many. Safe to run twice: only open ones change.
pub fn withdraw_held(
    conn: &mut DbConn,
    records: &[String],
    people: &[String],
    by: &str,
    settings: &Settings,
) -> Result<usize, AppError> {
    let open: Vec<Introduction> = t::table
        .filter(t::status.eq_any(OPEN))
        .filter(
            t::a_id
                .eq_any(records)
                .or(t::b_id.eq_any(records))
                .or(t::a_user_id.eq_any(people))
                .or(t::b_user_id.eq_any(people)),
        )
        .select(Introduction::as_select())
        .load(conn)?;
    for intro in &open {
        let n = diesel::update(t::table.find(&intro.id).filter(t::status.eq_any(OPEN)))
            .set((t::status.eq("withdrawn"), t::updated_at.eq(db::now())))
            .execute(conn)?;
        if n == 0 {
            continue;
        }
        db::audit(
            conn,
            Some(by),
            "introduction_withdrawn_by_programme",
            "introduction",
            Some(&intro.id),
            json!({}),
        )?;
        for (kind, id, user) in [
            (&intro.a_kind, &intro.a_id, &intro.a_user_id),
            (&intro.b_kind, &intro.b_id, &intro.b_user_id),
        ] {
            let Some(user) = user.as_deref() else {
                continue;
            };
            let Some(u) = User::by_id(conn, user)? else {
                continue;
            };
            let (own_title, _, _) = describe(conn, kind, id)?;
            db::enqueue_email(
                conn,
                db::NewEmail {
                    recipient_user_id: Some(&u.id),
                    to_address: &u.email,
                    template: "introduction_withdrawn",
                    locale: &u.locale,
                    params: json!({"recipient_name": u.display_name, "own_title": own_title,
                                   "track": intro.track,
                                   "link": format!("{}/introductions", settings.base_url())}),
                    introduction_id: Some(&intro.id),
                },
                &settings.mail_domain(),
            )?;
        }
    }
    Ok(open.len())
}
