use heartland_index::{Country, Gazetteer, Place};

/// One of the 646 Swedish and Norwegian municipalities, by its official code. Written
/// `"NO-5025"`; parsed from that string or from `{"country": "NO", "code": "5025"}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Municipality(&'static Place);

impl Municipality {
    pub fn parse(country: &str, code: &str) -> Result<Municipality, String> {
        let country = Country::parse(country)
            .ok_or_else(|| format!("unknown country {country:?}: use SE or NO"))?;
        Gazetteer::get()
            .lookup(country, code.trim())
            .map(Municipality)
            .ok_or_else(|| {
                format!(
                    "{} has no municipality with code {:?} (use the official 4-digit code, e.g. SE-2062 Mora or NO-5025 Røros)",
                    country.as_str(),
                    code.trim()
                )
            })
    }

    /// Parses `"NO-5025"`.
    pub fn parse_key(key: &str) -> Result<Municipality, String> {
        let (country, code) = key
            .trim()
            .split_once('-')
            .ok_or_else(|| format!("{key:?} is not of the form SE-2062 or NO-5025"))?;
        Municipality::parse(country, code)
    }

    pub fn place(&self) -> &'static Place {
        self.0
    }

    pub fn key(&self) -> String {
        self.0.key()
    }

    pub fn county_key(&self) -> String {
        self.0.county_key()
    }

    pub fn country(&self) -> Country {
        self.0.country
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn both_written_forms_name_the_same_place() {
        let a = Municipality::parse_key("NO-5025").unwrap();
        let b = Municipality::parse("no", "5025").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.place().name, "Røros");
        assert_eq!(a.county_key(), "NO-50");
    }

    #[test]
    fn unknown_codes_and_countries_are_refused() {
        assert!(Municipality::parse_key("SE-0000")
            .unwrap_err()
            .contains("no municipality"));
        assert!(Municipality::parse_key("DK-0101")
            .unwrap_err()
            .contains("unknown country"));
        assert!(Municipality::parse_key("2062").is_err());
    }

    proptest! {
        #[test]
        fn every_shipped_municipality_round_trips(i in 0usize..646) {
            let p = &Gazetteer::get().all()[i];
            let m = Municipality::parse_key(&p.key()).unwrap();
            prop_assert_eq!(m.key(), p.key());
        }

        #[test]
        fn any_text_is_a_municipality_that_parses_to_itself_or_a_reason(s in "\\PC{0,12}") {
            match Municipality::parse_key(&s) {
                Ok(m) => prop_assert_eq!(Municipality::parse_key(&m.key()).map(|n| n.key()), Ok(m.key())),
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }
}
