//! A minimal reader for the comma-separated reference files shipped with the crate: fields may
//! be quoted with `"` (a doubled `""` inside is one quote). Enough for data we control, so no
//! dependency is pulled in for it.

/// Splits one line into its fields.
pub(crate) fn split_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The data rows of a file with a header line, each split into fields.
pub(crate) fn rows(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(split_line)
}

#[cfg(test)]
mod tests {
    use super::split_line;

    #[test]
    fn quoted_fields_keep_their_commas_and_quotes() {
        assert_eq!(
            split_line(r#"03000000-1,"Farming, fishing ""and"" forestry",1,false"#),
            vec![
                "03000000-1",
                r#"Farming, fishing "and" forestry"#,
                "1",
                "false"
            ]
        );
    }
}
