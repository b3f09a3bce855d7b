/// A NACE Rev. 2 activity code (SNI 2007 in Sweden, SN2007 in Norway share it): a division
/// (`16`), group (`16.1`) or class (`16.10`), optionally led by its section letter (`C16.10`).
/// The division must exist; the section letter, if given, must be the division's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaceCode(String);

/// (first division, last division, section) for the 21 sections of NACE Rev. 2.
const SECTIONS: &[(u8, u8, char)] = &[
    (1, 3, 'A'),
    (5, 9, 'B'),
    (10, 33, 'C'),
    (35, 35, 'D'),
    (36, 39, 'E'),
    (41, 43, 'F'),
    (45, 47, 'G'),
    (49, 53, 'H'),
    (55, 56, 'I'),
    (58, 63, 'J'),
    (64, 66, 'K'),
    (68, 68, 'L'),
    (69, 75, 'M'),
    (77, 82, 'N'),
    (84, 84, 'O'),
    (85, 85, 'P'),
    (86, 88, 'Q'),
    (90, 93, 'R'),
    (94, 96, 'S'),
    (97, 98, 'T'),
    (99, 99, 'U'),
];

/// Numbers inside the section ranges that NACE Rev. 2 leaves unused.
const UNUSED_DIVISIONS: &[u8] = &[4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89];

fn section_of(division: u8) -> Option<char> {
    if UNUSED_DIVISIONS.contains(&division) {
        return None;
    }
    SECTIONS
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&division))
        .map(|s| s.2)
}

impl NaceCode {
    pub fn parse(input: &str) -> Result<NaceCode, String> {
        let s = input.trim().to_ascii_uppercase();
        let (letter, rest) = match s.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => (Some(c), &s[1..]),
            _ => (None, s.as_str()),
        };
        let err = || format!("{input:?} is not a NACE code such as 16.10, 16.1, 16 or C16.10");
        let (div, sub) = match rest.split_once('.') {
            Some((d, sub)) => (d, Some(sub)),
            None => (rest, None),
        };
        if div.len() != 2 || !div.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        if let Some(sub) = sub {
            if !(1..=2).contains(&sub.len()) || !sub.chars().all(|c| c.is_ascii_digit()) {
                return Err(err());
            }
        }
        let division: u8 = div.parse().map_err(|_| err())?;
        let section =
            section_of(division).ok_or_else(|| format!("NACE Rev. 2 has no division {div}"))?;
        if letter.is_some_and(|l| l != section) {
            return Err(format!("division {div} belongs to section {section}"));
        }
        Ok(NaceCode(match sub {
            Some(sub) => format!("{div}.{sub}"),
            None => div.to_string(),
        }))
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
    fn sawmilling_is_accepted_in_every_written_form() {
        for s in ["16.10", "16.1", "16", "C16.10", "c16.10"] {
            assert!(NaceCode::parse(s).is_ok(), "{s}");
        }
        assert_eq!(NaceCode::parse("C16.10").unwrap().as_str(), "16.10");
    }

    #[test]
    fn unknown_divisions_and_wrong_sections_are_named() {
        assert!(NaceCode::parse("04.10")
            .unwrap_err()
            .contains("no division"));
        assert!(NaceCode::parse("A16.10").unwrap_err().contains("section C"));
        assert!(NaceCode::parse("16.100").is_err());
        assert!(NaceCode::parse("").is_err());
    }

    proptest! {
        #[test]
        fn any_text_is_a_code_that_parses_to_itself_or_a_reason(s in "\\PC{0,8}") {
            match NaceCode::parse(&s) {
                Ok(n) => prop_assert_eq!(NaceCode::parse(n.as_str()).map(|m| m.as_str().to_string()), Ok(n.as_str().to_string())),
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }
}
