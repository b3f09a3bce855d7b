//! Passwords (argon2id with the OWASP parameters) and API tokens (256 random bits, stored as
//! SHA-256 so a copy of the database holds no usable token).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 1024;

fn argon2() -> anyhow::Result<Argon2<'static>> {
    // OWASP: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19_456, 2, 1, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password's length (in characters; nothing is truncated, nothing else is
/// demanded of it).
pub fn check_new_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(format!("must be at least {PASSWORD_MIN_CHARS} characters"));
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(format!("must be at most {PASSWORD_MAX_CHARS} characters"));
    }
    if common_passwords().contains(password.to_lowercase().as_str()) {
        return Err("is one of the 10,000 most common passwords: choose another".into());
    }
    Ok(())
}

/// The 10,000 most common passwords (`assets/common-passwords.txt`), lower case.
fn common_passwords() -> &'static std::collections::HashSet<String> {
    static LIST: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../assets/common-passwords.txt")
            .lines()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Hashes a password (slow on purpose: call it off the async executor).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
        .to_string())
}

/// A hash of a password no one has, verified when the account does not exist so that the
/// answer takes as long as for a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// Verifies `password` against `hash`, or against a dummy hash when there is none.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let target = hash.unwrap_or_else(|| dummy_hash());
    let ok = PasswordHash::new(target)
        .ok()
        .zip(argon2().ok())
        .is_some_and(|(parsed, a)| a.verify_password(password.as_bytes(), &parsed).is_ok());
    ok && hash.is_some()
}

/// A new API token: what the client gets, and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// Equal, in a time that does not depend on where two secrets differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

type LinkMac = hmac::Hmac<Sha256>;

fn link_mac(key: &[u8], parts: &[&str], expires: i64) -> LinkMac {
    use hmac::Mac;
    // A key of any length is accepted by HMAC; this cannot fail.
    let mut m = <LinkMac as Mac>::new_from_slice(key).unwrap_or_else(|_| {
        <LinkMac as Mac>::new_from_slice(b"\0").expect("a one-byte key is valid")
    });
    m.update(format!("{}\n{expires}", parts.join("\n")).as_bytes());
    m
}

/// The signature of an emailed one-click link: HMAC-SHA256 over its parts (what it is, the
/// record, the answer…) and its expiry, base64url. Changing any part breaks it.
pub fn link_signature(key: &[u8], parts: &[&str], expires: i64) -> String {
    use hmac::Mac;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(link_mac(key, parts, expires).finalize().into_bytes())
}

/// Whether `sig` is the signature of these parts (compared in constant time) and `now` (unix
/// seconds) is not past `expires`.
pub fn link_signature_ok(key: &[u8], parts: &[&str], expires: i64, sig: &str, now: i64) -> bool {
    use hmac::Mac;
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else {
        return false;
    };
    now <= expires && link_mac(key, parts, expires).verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(common_passwords().len(), 10_000);
        // On the list and long enough: refused for being common, not for its length.
        let long_common = common_passwords()
            .iter()
            .find(|p| p.chars().count() >= PASSWORD_MIN_CHARS)
            .expect("a long common password");
        let err = check_new_password(&long_common.to_uppercase()).unwrap_err();
        assert!(err.contains("common"), "{err}");
        assert!(check_new_password("ett långt lösenord för test").is_ok());
        assert!(check_new_password(&"x".repeat(PASSWORD_MAX_CHARS)).is_ok());
    }

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let h = hash_password("korrekt häst batteri häftklammer").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password(
            "korrekt häst batteri häftklammer",
            Some(&h)
        ));
        assert!(!verify_password(
            "korrekt häst batteri häftklammeR",
            Some(&h)
        ));
        assert!(!verify_password("no account has this password", None));
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(check_new_password("åäöåäöåäöåäö").is_ok());
        assert!(check_new_password("short").is_err());
        assert!(check_new_password(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(ha, token_hash(&a));
        assert_eq!(ha.len(), 64);
    }
}
