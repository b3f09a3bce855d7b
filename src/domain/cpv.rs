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
        fn any_text_is_a_code_that_parses_to_itself_or_a_reason(s in "\\PC{0,12}") {
            match CpvCode::parse(&s) {
                Ok(c) => prop_assert_eq!(CpvCode::parse(c.as_str()), Ok(c.clone())),
                Err(m) => prop_assert!(!m.is_empty()),
            }
        }

        /// Read from the official list's file here, not through the lookup that parsing uses.
        #[test]
        fn a_code_is_accepted_exactly_when_the_official_list_has_it(s in "[0-9]{2}[0-9]0{5}-[0-9]") {
            let listed = include_str!("../../index/data/cpv_2008.csv")
                .lines()
                .any(|l| l.split(',').next() == Some(s.as_str()));
            prop_assert_eq!(CpvCode::parse(&s).is_ok(), listed, "{}", s);
        }
    }
}
