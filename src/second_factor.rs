//! A second factor for staff (officers and admins see refugees' and job seekers' personal data):
//! TOTP as RFC 6238 has it — HMAC-SHA1 over 30-second steps, six digits, which every
//! authenticator app reads from an `otpauth://` QR code — with one step of clock skew either
//! way, and a code accepted once only (the step it matched is remembered). Ten single-use
//! recovery codes stand in for a lost phone; only their hashes are kept.
//!
//! Under `staff_second_factor = required` (the default) a staff member without a factor may
//! only enrol: their session reaches the account page alone, their API tokens answer 401
//! `second_factor_required`. Under `optional` it is their choice. Once enrolled, the factor is
//! always asked: at sign-in, for an API token, and again for sensitive actions.

use crate::config::Settings;
use crate::db::schema::{recovery_codes as rc, totp};
use crate::db::{self, DbConn, User};
use crate::error::AppError;
use diesel::prelude::*;
use hmac::Mac;
use rand::RngCore;
use serde_json::json;

/// Seconds per step.
pub const STEP: i64 = 30;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "Heartland Match";
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what `otpauth://` secrets are written in).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Reads base32 (spaces and case aside); `None` when a character is not base32.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = BASE32
            .iter()
            .position(|b| *b as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// HOTP (RFC 4226) of `counter`: six digits.
fn hotp(secret: &[u8], counter: u64) -> String {
    type Sha1Mac = hmac::Hmac<sha1::Sha1>;
    let Ok(mut mac) = <Sha1Mac as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    format!("{:06}", bin % 1_000_000)
}

/// The step of the Unix time `unix`.
pub fn step_of(unix: i64) -> i64 {
    unix.div_euclid(STEP)
}

/// The code at the Unix time `unix` (what an authenticator app shows then).
pub fn code_at(secret: &[u8], unix: i64) -> String {
    hotp(secret, step_of(unix).max(0) as u64)
}

/// The step, within one of `unix`'s either way, whose code `code` is.
fn matching_step(secret: &[u8], code: &str, unix: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix);
    [now, now - 1, now + 1]
        .into_iter()
        .filter(|s| *s >= 0)
        .find(|s| crate::auth::constant_time_eq(&hotp(secret, *s as u64), &code))
}

/// Whether a factor is asked of every staff member (`required`) or left to them.
pub fn required(settings: &Settings) -> bool {
    settings.staff_second_factor.as_deref().map(str::trim) != Some("optional")
}

pub fn is_staff(role: &str) -> bool {
    matches!(role, "officer" | "admin")
}

/// Whether the user has a confirmed factor.
pub fn enrolled(conn: &mut DbConn, user: &str) -> QueryResult<bool> {
    totp::table
        .find(user)
        .filter(totp::confirmed_at.is_not_null())
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Whether `user` may only enrol for now: staff, a factor required (`required(settings)`),
/// none yet.
pub fn must_enrol(conn: &mut DbConn, required: bool, user: &User) -> QueryResult<bool> {
    Ok(is_staff(&user.role) && required && !enrolled(conn, &user.id)?)
}

/// What enrolment shows: the `otpauth://` address, its QR code (SVG) and the secret written
/// out for typing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Enrolment {
    pub secret_uri: String,
    pub qr_svg: String,
    pub secret: String,
}

fn uri_part(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Starts enrolment: a new secret, kept unconfirmed until a code from it is given (a second
/// start replaces an unconfirmed one). A confirmed factor is not replaced (409).
pub fn start(conn: &mut DbConn, user: &User) -> Result<Enrolment, AppError> {
    if enrolled(conn, &user.id)? {
        return Err(AppError::Conflict(
            "a second factor is set up already".into(),
        ));
    }
    let mut secret = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut secret);
    let encoded = base32(&secret);
    diesel::delete(totp::table.find(&user.id)).execute(conn)?;
    diesel::insert_into(totp::table)
        .values((
            totp::user_id.eq(&user.id),
            totp::secret.eq(&encoded),
            totp::last_step.eq(0_i64),
            totp::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    let uri = format!(
        "otpauth://totp/{}:{}?secret={encoded}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        uri_part(ISSUER),
        uri_part(&user.email),
        uri_part(ISSUER)
    );
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // Inline in a page: the XML declaration goes.
    let qr_svg = match qr.find("<svg") {
        Some(i) => qr[i..].to_string(),
        None => qr,
    };
    let grouped = encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Enrolment {
        secret_uri: uri,
        qr_svg,
        secret: grouped,
    })
}

fn secret_of(conn: &mut DbConn, user: &str) -> QueryResult<Option<(Vec<u8>, i64, bool)>> {
    let row: Option<(String, i64, Option<time::PrimitiveDateTime>)> = totp::table
        .find(user)
        .select((totp::secret, totp::last_step, totp::confirmed_at))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(s, last, confirmed)| {
        from_base32(&s).map(|bytes| (bytes, last, confirmed.is_some()))
    }))
}

fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    rand::thread_rng().fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Confirms enrolment with a code from the app: the factor holds from now on, and the ten
/// recovery codes are made (shown once; only their hashes are kept).
pub fn confirm(
    conn: &mut DbConn,
    user: &str,
    code: &str,
    unix: i64,
) -> Result<Vec<String>, AppError> {
    let Some((secret, _, confirmed)) = secret_of(conn, user)? else {
        return Err(AppError::Conflict("start the set-up first".into()));
    };
    if confirmed {
        return Err(AppError::Conflict(
            "a second factor is set up already".into(),
        ));
    }
    let Some(step) = matching_step(&secret, code, unix) else {
        return Err(AppError::invalid(
            "code",
            "is not the code the app shows now",
        ));
    };
    diesel::update(totp::table.find(user))
        .set((totp::confirmed_at.eq(db::now()), totp::last_step.eq(step)))
        .execute(conn)?;
    diesel::delete(rc::table.filter(rc::user_id.eq(user))).execute(conn)?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    for c in &codes {
        diesel::insert_into(rc::table)
            .values((
                rc::id.eq(db::new_id()),
                rc::user_id.eq(user),
                rc::code_hash.eq(crate::auth::token_hash(&normalise_recovery(c))),
            ))
            .execute(conn)?;
    }
    db::audit(
        conn,
        Some(user),
        "second_factor_enrolled",
        "user",
        Some(user),
        json!({}),
    )?;
    Ok(codes)
}

/// Checks a code from the app, or an unused recovery code, for `user`'s confirmed factor. A
/// code's step must come after the last one used (so a code works once); a recovery code is
/// used up. False for anything else.
pub fn check(conn: &mut DbConn, user: &str, code: &str, unix: i64) -> Result<bool, AppError> {
    let Some((secret, last, true)) = secret_of(conn, user)? else {
        return Ok(false);
    };
    if let Some(step) = matching_step(&secret, code, unix) {
        let took = diesel::update(totp::table.find(user).filter(totp::last_step.lt(step)))
            .set(totp::last_step.eq(step))
            .execute(conn)?;
        return Ok(took == 1 && step > last);
    }
    let hash = crate::auth::token_hash(&normalise_recovery(code));
    let used = diesel::update(
        rc::table
            .filter(rc::user_id.eq(user))
            .filter(rc::code_hash.eq(&hash))
            .filter(rc::used_at.is_null()),
    )
    .set(rc::used_at.eq(db::now()))
    .execute(conn)?;
    if used == 1 {
        db::audit(
            conn,
            Some(user),
            "recovery_code_used",
            "user",
            Some(user),
            json!({}),
        )?;
    }
    Ok(used == 1)
}

/// For a sensitive action by `user`: passes when they have no factor (under `optional`),
/// else only with a valid code given with the action.
pub fn reconfirm(
    conn: &mut DbConn,
    user: &str,
    code: Option<&str>,
    unix: i64,
) -> Result<(), AppError> {
    if !enrolled(conn, user)? {
        return Ok(());
    }
    match code {
        Some(c) if check(conn, user, c, unix)? => Ok(()),
        _ => Err(AppError::SecondFactorRequired(
            "confirm this with a code from your authenticator app (totp)".into(),
        )),
    }
}

/// Now, as Unix time (what the codes are computed from).
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 test vectors (secret "12345678901234567890"), as six
    /// digits.
    #[test]
    fn the_rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(code_at(secret, t), code, "at {t}");
        }
    }

    #[test]
    fn base32_both_ways() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(from_base32("mzxw 6ytb oi").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(
            from_base32("MZXW6YTBOI======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert!(from_base32("not base32!").is_none());
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let secret = b"12345678901234567890";
        let t = 1_111_111_111;
        let now = step_of(t);
        for (offset, ok) in [
            (-60, false),
            (-30, true),
            (0, true),
            (30, true),
            (60, false),
        ] {
            let code = code_at(secret, t + offset);
            assert_eq!(matching_step(secret, &code, t).is_some(), ok, "{offset}");
        }
        assert_eq!(matching_step(secret, &code_at(secret, t), t), Some(now));
        assert!(matching_step(secret, "12345", t).is_none());
        assert!(matching_step(secret, "abcdef", t).is_none());
    }
}
