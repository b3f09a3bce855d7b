//! What people receive because they asked for it — the weekly digest and the newsletters, each
//! a consent purpose of its own — and how they leave it in one click (RFC 8058): a signed link
//! per person and purpose, carried in the `List-Unsubscribe` header and in the text. And the
//! addresses a mail server refused for good (bounces): they get no digest or newsletter until
//! the person corrects the address or says it is right.

use crate::config::Settings;
use crate::db::schema::users as u;
use crate::db::{self, DbConn};
use crate::error::AppError;
use diesel::prelude::*;
use serde_json::json;
use time::PrimitiveDateTime;

/// The purposes one may unsubscribe from by a link.
pub use crate::records::LETTERS;

/// An unsubscribe link works this long after the email was sent (RFC 8058 asks for a link
/// that keeps working; a year and a month covers any reader).
const LINK_DAYS: i64 = 400;

/// The signed link that withdraws `purpose` for `user`.
pub fn unsubscribe_link(
    settings: &Settings,
    user: &str,
    purpose: &str,
) -> Result<String, AppError> {
    let key = settings.link_key().map_err(AppError::Internal)?;
    let expires =
        (time::OffsetDateTime::now_utc() + time::Duration::days(LINK_DAYS)).unix_timestamp();
    let sig = crate::auth::link_signature(&key, &["unsubscribe", user, purpose], expires);
    Ok(format!(
        "{}/unsubscribe?user={user}&purpose={purpose}&expires={expires}&sig={sig}",
        settings.base_url().trim_end_matches('/')
    ))
}

/// Whether an unsubscribe link is genuine and in force.
pub fn verify(settings: &Settings, user: &str, purpose: &str, expires: i64, sig: &str) -> bool {
    let Ok(key) = settings.link_key() else {
        return false;
    };
    LETTERS.contains(&purpose)
        && crate::auth::link_signature_ok(
            &key,
            &["unsubscribe", user, purpose],
            expires,
            sig,
            time::OffsetDateTime::now_utc().unix_timestamp(),
        )
}

/// Withdraws `purpose` for `user` (a verified link's): true when it was given until now.
/// Doing it twice does it once.
pub fn withdraw(conn: &mut DbConn, user: &str, purpose: &str) -> Result<bool, AppError> {
    let active = db::active_consents(conn, user)?;
    if !active.iter().any(|p| p == purpose) {
        return Ok(false);
    }
    let rest: Vec<String> = active.into_iter().filter(|p| p != purpose).collect();
    crate::privacy::set_consents(conn, user, &rest)?;
    Ok(true)
}

/// The person changes their address (a bounced one, or any): the new one must be a valid
/// address no other account has; it is unconfirmed until they follow the link sent there.
/// The bounce of the old address no longer counts.
pub fn change_address(
    conn: &mut DbConn,
    settings: &Settings,
    user: &str,
    new: &str,
) -> Result<(), AppError> {
    let email = crate::domain::Email::parse(new)
        .map_err(|m| AppError::Validation(crate::domain::FieldErrors::single("email", m)))?;
    let me = db::User::by_id(conn, user)?.ok_or(AppError::NotFound)?;
    if me.email == email.as_str() {
        return Ok(());
    }
    if db::User::by_email(conn, email.as_str())?.is_some() {
        return Err(AppError::ConflictOn {
            field: "email".into(),
            message: "another account has this address".into(),
        });
    }
    diesel::update(u::table.find(user))
        .set((
            u::email.eq(email.as_str()),
            u::email_verified_at.eq(None::<PrimitiveDateTime>),
            u::updated_at.eq(db::now()),
        ))
        .execute(conn)?;
    diesel::delete(crate::db::schema::bounces::table.find(user)).execute(conn)?;
    send_confirmation(
        conn,
        settings,
        user,
        email.as_str(),
        &me.display_name,
        &me.locale,
    )?;
    db::audit(
        conn,
        Some(user),
        "address_changed",
        "user",
        Some(user),
        json!({}),
    )?;
    Ok(())
}

/// Queues the email that confirms `address` for `user`: a single-use link good for 48 hours
/// (registration and a changed address both send it).
pub fn send_confirmation(
    conn: &mut DbConn,
    settings: &Settings,
    user: &str,
    address: &str,
    name: &str,
    locale: &str,
) -> Result<(), AppError> {
    let (token, hash) = crate::auth::new_token();
    db::accounts::insert_user_token(conn, &hash, user, "verify", time::Duration::hours(48))?;
    db::enqueue_email(
        conn,
        db::NewEmail {
            recipient_user_id: Some(user),
            to_address: address,
            template: "verify_email",
            locale,
            params: json!({"recipient_name": name,
                           "link": format!("{}/verify?token={token}", settings.base_url())}),
            introduction_id: None,
        },
        &settings.mail_domain(),
    )?;
    Ok(())
}
