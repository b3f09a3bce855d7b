use std::fmt;

/// An email address as people type it: one `@`, a dotted domain, no spaces or control
/// characters, at most 254 characters. The domain is lower-cased; the local part is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.chars().count() > 254 {
            return Err("must be at most 254 characters".into());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces or control characters".into());
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or_else(|| "must contain an @ sign".to_string())?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err("the part before the @ must be 1 to 64 characters without @".into());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err("the part after the @ must be a domain such as example.se".into());
        }
        if local.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '\\', '"']) {
            return Err("contains a character not allowed in an email address".into());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;
    use proptest::prelude::*;

    #[test]
    fn ordinary_addresses_are_accepted_and_domains_lowercased() {
        assert_eq!(
            Email::parse(" Anna@Mora.SE ").unwrap().as_str(),
            "Anna@mora.se"
        );
        assert!(Email::parse("ola.nordmann@røros.kommune.no").is_ok());
    }

    #[test]
    fn broken_addresses_are_refused() {
        for bad in [
            "",
            "anna",
            "anna@",
            "@mora.se",
            "anna@mora",
            "an na@mora.se",
            "anna@mora..se",
            "anna@mora.se\r\nBcc: x@y.se",
            "a<b@mora.se",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    proptest! {
        #[test]
        fn a_parsed_address_parses_again_to_itself(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }

        #[test]
        fn no_parsed_address_holds_a_line_break(s in "[a-z\r\n@.]{0,30}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert!(!e.as_str().contains(['\r', '\n']));
            }
        }
    }
}
