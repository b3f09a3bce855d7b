use heartland_index::Cpv;

/// A code of the Common Procurement Vocabulary (CPV 2008), `NNNNNNNN-N`. Valid exactly when
/// it is in the official list: the check digit follows no rule that every real code obeys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CpvCode(String);

impl CpvCode {
    pub fn parse(input: &str) -> Result<CpvCode, String> {
        let s = input.trim();
        let shape_ok = s.len() == 10
            && s.as_bytes()[8] == b'-'
            && s.char_indices().all(|(i, c)| i == 8 || c.is_ascii_digit());
        if !shape_ok {
            return Err(format!(
                "{s:?} is not a CPV code of the form NNNNNNNN-N, e.g. 45000000-7"
            ));
        }
        match Cpv::get().lookup(s) {
            Some(e) => Ok(CpvCode(e.code.clone())),
            None => Err(format!("{s} is not in the CPV 2008 vocabulary")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_codes_pass_and_near_misses_do_not() {
        assert!(CpvCode::parse("45000000-7").is_ok());
        assert!(CpvCode::parse("72000000-5").is_ok());
        assert!(CpvCode::parse("45000000-8")
            .unwrap_err()
            .contains("not in the CPV"));
        assert!(CpvCode::parse("45000000")
            .unwrap_err()
            .contains("NNNNNNNN-N"));
    }

    #[test]
    fn every_official_code_is_accepted() {
        for e in Cpv::get().all() {
            assert!(CpvCode::parse(&e.code).is_ok(), "{} refused", e.code);
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,12}") {
            let _ = CpvCode::parse(&s);
        }

        #[test]
        fn a_parsed_code_is_in_the_vocabulary(s in "[0-9]{2}0{6}-[0-9]") {
            if let Ok(c) = CpvCode::parse(&s) {
                prop_assert!(Cpv::get().lookup(c.as_str()).is_some());
            }
        }
    }
}
