use super::code_lists::{ISO_639_1, ISO_639_3_EXTRA};

/// A language: an ISO 639-1 code where one exists (`sv`, `nb`, `ar`), else an ISO 639-3 code
/// from the list the programme meets (`sma` South Sami, `prs` Dari, `ckb` Sorani, …).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageCode(String);

impl LanguageCode {
    pub fn parse(input: &str) -> Result<LanguageCode, String> {
        let s = input.trim().to_ascii_lowercase();
        if ISO_639_1.contains(&s.as_str()) || ISO_639_3_EXTRA.contains(&s.as_str()) {
            Ok(LanguageCode(s))
        } else {
            Err(format!(
                "{input:?} is not a known language code: use ISO 639-1 (sv, nb, en, ar …) or ISO 639-3 where there is none (sma, prs …)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A level of the Common European Framework of Reference, or a native speaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CefrLevel {
    A1,
    A2,
    B1,
    B2,
    C1,
    C2,
    Native,
}

impl CefrLevel {
    pub fn parse(input: &str) -> Result<CefrLevel, String> {
        Ok(match input.trim() {
            "A1" | "a1" => CefrLevel::A1,
            "A2" | "a2" => CefrLevel::A2,
            "B1" | "b1" => CefrLevel::B1,
            "B2" | "b2" => CefrLevel::B2,
            "C1" | "c1" => CefrLevel::C1,
            "C2" | "c2" => CefrLevel::C2,
            "native" | "Native" => CefrLevel::Native,
            _ => {
                return Err(format!(
                    "{input:?} is not a CEFR level: use A1, A2, B1, B2, C1, C2 or native"
                ))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CefrLevel::A1 => "A1",
            CefrLevel::A2 => "A2",
            CefrLevel::B1 => "B1",
            CefrLevel::B2 => "B2",
            CefrLevel::C1 => "C1",
            CefrLevel::C2 => "C2",
            CefrLevel::Native => "native",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn regional_and_newcomer_languages_are_known() {
        for code in [
            "sv", "nb", "nn", "en", "ar", "ti", "so", "fa", "uk", "sma", "prs", "SV",
        ] {
            assert!(LanguageCode::parse(code).is_ok(), "{code}");
        }
        assert!(LanguageCode::parse("xx").is_err());
        assert!(LanguageCode::parse("swedish").is_err());
    }

    #[test]
    fn cefr_levels_are_ordered_and_d1_is_refused() {
        assert!(CefrLevel::parse("B2").unwrap() < CefrLevel::parse("C1").unwrap());
        assert!(CefrLevel::parse("C2").unwrap() < CefrLevel::Native);
        assert!(CefrLevel::parse("D1").unwrap_err().contains("CEFR"));
    }

    proptest! {
        #[test]
        fn every_level_round_trips(i in 0usize..7) {
            let all = [CefrLevel::A1, CefrLevel::A2, CefrLevel::B1, CefrLevel::B2, CefrLevel::C1, CefrLevel::C2, CefrLevel::Native];
            prop_assert_eq!(CefrLevel::parse(all[i].as_str()).unwrap(), all[i]);
        }

        #[test]
        fn any_text_is_a_code_or_level_that_parses_to_itself_or_a_reason(s in "\\PC{0,6}") {
            match LanguageCode::parse(&s) {
                Ok(c) => prop_assert_eq!(LanguageCode::parse(c.as_str()).map(|d| d.as_str().to_string()), Ok(c.as_str().to_string())),
                Err(e) => prop_assert!(!e.is_empty()),
            }
            match CefrLevel::parse(&s) {
                Ok(l) => prop_assert_eq!(CefrLevel::parse(l.as_str()), Ok(l)),
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }
}
