/// Text of bounded length in characters, trimmed, without control characters other than line
/// breaks and tabs (and none at all when `single_line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

impl BoundedText {
    pub fn parse(
        input: &str,
        min: usize,
        max: usize,
        single_line: bool,
    ) -> Result<BoundedText, String> {
        let s = input.trim();
        let n = s.chars().count();
        if n < min {
            return Err(if min == 1 {
                "must not be empty".into()
            } else {
                format!("must be at least {min} characters")
            });
        }
        if n > max {
            return Err(format!("must be at most {max} characters (it has {n})"));
        }
        let bad = |c: char| c.is_control() && (single_line || !matches!(c, '\n' | '\t' | '\r'));
        if s.chars().any(bad) {
            return Err(if single_line {
                "must be a single line without control characters".into()
            } else {
                "must not contain control characters".into()
            });
        }
        Ok(BoundedText(s.to_string()))
    }

    /// One line, such as a title or a name.
    pub fn line(input: &str, max: usize) -> Result<BoundedText, String> {
        Self::parse(input, 1, max, true)
    }

    /// Free text with line breaks, such as a description.
    pub fn paragraphs(input: &str, max: usize) -> Result<BoundedText, String> {
        Self::parse(input, 0, max, false)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(BoundedText::line("Sågverk på Røros", 16).is_ok());
        assert!(BoundedText::line("åäöåäöåäöå", 9)
            .unwrap_err()
            .contains("at most 9"));
        assert!(BoundedText::line("   ", 10).unwrap_err().contains("empty"));
        assert!(BoundedText::line("a\r\nBcc: x", 100).is_err());
        assert!(BoundedText::paragraphs("rad ett\nrad två", 100).is_ok());
    }

    proptest! {
        #[test]
        fn a_parsed_line_holds_no_control_character(s in "\\PC{0,40}[\r\n\t]?\\PC{0,5}") {
            if let Ok(t) = BoundedText::line(&s, 100) {
                prop_assert!(!t.as_str().chars().any(char::is_control));
            }
        }
    }
}
