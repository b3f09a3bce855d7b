/// Text of bounded length in characters, trimmed, without control characters other than line
/// breaks and tabs (and none at all when `single_line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText(String);

/// Characters that change how a line is shown without being seen: bidirectional embeddings,
/// overrides and isolates (a title `Invoice \u{202e}gnp.exe` reads as `Invoice exe.png`),
/// and the Unicode line and paragraph separators.
pub fn hidden_format(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

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
        if single_line && s.chars().any(hidden_format) {
            return Err(
                "must not contain direction overrides or line separators (U+202A–U+202E, \
                 U+2066–U+2069, U+2028, U+2029)"
                    .into(),
            );
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

    #[test]
    fn a_line_refuses_direction_overrides_and_separators() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{2028}', '\u{2029}',
        ] {
            let title = format!("Invoice {c}gnp.exe");
            assert!(BoundedText::line(&title, 100).is_err(), "{c:?}");
        }
        // Arabic and Tigrinya text (right to left, no overrides) is a line like any other.
        assert!(BoundedText::line("مهندسة تصميم CAD", 100).is_ok());
        assert!(BoundedText::line("ምግቢ ኤርትራ", 100).is_ok());
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
