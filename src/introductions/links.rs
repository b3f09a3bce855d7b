//! The signed links of introduction emails: `…/introductions/{id}/{action}?party=&expires=&sig=`
//! where `sig` is an HMAC-SHA256 over the id, party, action and expiry. Changing any of them
//! (another party, another answer, a later expiry) breaks the signature.

use super::{Action, Party};

fn parts(id: &str, party: Party, action: Action) -> [&str; 4] {
    ["introduction", id, party.as_str(), action.as_str()]
}

pub fn sign(key: &[u8], id: &str, party: Party, action: Action, expires: i64) -> String {
    crate::auth::link_signature(key, &parts(id, party, action), expires)
}

/// Whether `sig` is this link's signature (compared in constant time) and it has not expired.
pub fn verify(
    key: &[u8],
    id: &str,
    party: Party,
    action: Action,
    expires: i64,
    sig: &str,
    now: i64,
) -> bool {
    crate::auth::link_signature_ok(key, &parts(id, party, action), expires, sig, now)
}

/// The link a party follows to give `action` as their answer.
pub fn link(
    base: &str,
    key: &[u8],
    id: &str,
    party: Party,
    action: Action,
    expires: i64,
) -> String {
    format!(
        "{}/introductions/{id}/{}?party={}&expires={expires}&sig={}",
        base.trim_end_matches('/'),
        action.as_str(),
        party.as_str(),
        sign(key, id, party, action, expires)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_works_for_its_own_party_action_and_time_only() {
        let key = b"0123456789abcdef0123456789abcdef";
        let sig = sign(key, "i1", Party::A, Action::Accept, 1000);
        assert!(verify(key, "i1", Party::A, Action::Accept, 1000, &sig, 999));
        assert!(!verify(
            key,
            "i1",
            Party::B,
            Action::Accept,
            1000,
            &sig,
            999
        ));
        assert!(!verify(
            key,
            "i1",
            Party::A,
            Action::Decline,
            1000,
            &sig,
            999
        ));
        assert!(!verify(
            key,
            "i2",
            Party::A,
            Action::Accept,
            1000,
            &sig,
            999
        ));
        assert!(!verify(
            key,
            "i1",
            Party::A,
            Action::Accept,
            2000,
            &sig,
            999
        ));
        assert!(!verify(
            key,
            "i1",
            Party::A,
            Action::Accept,
            1000,
            &sig,
            1001
        ));
        assert!(!verify(
            b"another key",
            "i1",
            Party::A,
            Action::Accept,
            1000,
            &sig,
            999
        ));
        assert!(!verify(
            key,
            "i1",
            Party::A,
            Action::Accept,
            1000,
            "not base64!",
            999
        ));
    }
}
