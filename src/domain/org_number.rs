use super::Country;

/// An organisation number: Swedish organisationsnummer (10 digits, Luhn check digit, written
/// `NNNNNN-NNNN`) or Norwegian organisasjonsnummer (9 digits, mod-11 check digit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgNumber {
    country: Country,
    digits: String,
}

impl OrgNumber {
    pub fn parse(country: Country, input: &str) -> Result<OrgNumber, String> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("may hold only digits, spaces and a hyphen".into());
        }
        match country {
            Country::Se if digits.len() != 10 => {
                Err("a Swedish organisation number has 10 digits (NNNNNN-NNNN)".into())
            }
            Country::Se if !luhn_ok(&digits) => Err(
                "the check digit is wrong (Swedish organisation numbers use the Luhn check)".into(),
            ),
            Country::No if digits.len() != 9 => {
                Err("a Norwegian organisasjonsnummer has 9 digits".into())
            }
            Country::No if !mod11_ok(&digits) => Err(
                "the check digit is wrong (Norwegian organisasjonsnummer use a mod-11 check)"
                    .into(),
            ),
            _ => Ok(OrgNumber { country, digits }),
        }
    }

    pub fn country(&self) -> Country {
        self.country
    }

    /// The customary written form: `556036-0793` or `974760673`.
    pub fn formatted(&self) -> String {
        match self.country {
            Country::Se => format!("{}-{}", &self.digits[..6], &self.digits[6..]),
            Country::No => self.digits.clone(),
        }
    }
}

fn digit_values(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digit_values(digits)
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

fn mod11_ok(digits: &str) -> bool {
    const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
    let d = digit_values(digits);
    let sum: u32 = d.iter().zip(WEIGHTS).map(|(a, w)| a * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    d[8] == check
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_numbers_pass() {
        // Volvo AB, IKEA of Sweden, Equinor ASA, Røros kommune.
        assert_eq!(
            OrgNumber::parse(Country::Se, "556012-5790")
                .unwrap()
                .formatted(),
            "556012-5790"
        );
        assert!(OrgNumber::parse(Country::Se, "5560360793").is_ok());
        assert!(OrgNumber::parse(Country::No, "923 609 016").is_ok());
        assert!(OrgNumber::parse(Country::No, "940083672").is_ok());
    }

    #[test]
    fn a_wrong_check_digit_or_length_is_named() {
        assert!(OrgNumber::parse(Country::Se, "556012-5791")
            .unwrap_err()
            .contains("check digit"));
        assert!(OrgNumber::parse(Country::No, "923609017")
            .unwrap_err()
            .contains("check digit"));
        assert!(OrgNumber::parse(Country::Se, "923609016")
            .unwrap_err()
            .contains("10 digits"));
        assert!(OrgNumber::parse(Country::No, "5560125790")
            .unwrap_err()
            .contains("9 digits"));
        assert!(OrgNumber::parse(Country::No, "92360901x").is_err());
    }

    proptest! {
        #[test]
        fn exactly_one_swedish_check_digit_fits(body in "[0-9]{9}") {
            let fits = (0..10).filter(|d| OrgNumber::parse(Country::Se, &format!("{body}{d}")).is_ok()).count();
            prop_assert_eq!(fits, 1);
        }

        #[test]
        fn at_most_one_norwegian_check_digit_fits(body in "[0-9]{8}") {
            let fits = (0..10).filter(|d| OrgNumber::parse(Country::No, &format!("{body}{d}")).is_ok()).count();
            prop_assert!(fits <= 1);
        }

        #[test]
        fn any_text_is_a_number_that_parses_to_itself_or_a_reason(country in prop_oneof![Just(Country::Se), Just(Country::No)], s in "\\PC{0,20}") {
            match OrgNumber::parse(country, &s) {
                Ok(n) => prop_assert_eq!(OrgNumber::parse(country, &n.formatted()).map(|m| m.formatted()), Ok(n.formatted())),
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }
}
