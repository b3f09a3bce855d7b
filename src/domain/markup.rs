//! The small, safe markup newsletters are written in: paragraphs separated by a blank line,
//! lines starting with `- ` as a list, `**bold**`, and `https://…` addresses as links. Nothing
//! else is markup: every character the officer wrote is escaped before any tag is added, so no
//! HTML of theirs reaches a reader. The plain-text part is the text as written.

/// Text escaped for HTML (text and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One line: escaped, `**bold**` in pairs, addresses linked.
fn inline(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let trimmed = word.trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        let tail = &word[trimmed.len()..];
        if (trimmed.starts_with("https://") || trimmed.starts_with("http://")) && trimmed.len() > 8
        {
            let url = escape(trimmed);
            out.push_str(&format!("<a href=\"{url}\">{url}</a>{}", escape(tail)));
        } else {
            out.push_str(&escape(word));
        }
    }
    // Bold: pairs of ** (an odd one out stays as written).
    let parts: Vec<&str> = out.split("**").collect();
    if parts.len() < 3 {
        return out;
    }
    let pairs = (parts.len() - 1) / 2 * 2;
    let mut bold = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            if i <= pairs {
                bold.push_str(if i % 2 == 1 { "<strong>" } else { "</strong>" });
            } else {
                bold.push_str("**");
            }
        }
        bold.push_str(part);
    }
    bold
}

/// The HTML of a newsletter body.
pub fn to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::new();
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lines: Vec<&str> = block.lines().map(str::trim_end).collect();
        if lines.iter().all(|l| l.trim_start().starts_with("- ")) {
            out.push_str("<ul>");
            for l in lines {
                let item = l.trim_start().trim_start_matches("- ");
                out.push_str(&format!("<li>{}</li>", inline(item)));
            }
            out.push_str("</ul>\n");
        } else {
            let body: Vec<String> = lines.iter().map(|l| inline(l)).collect();
            out.push_str(&format!("<p>{}</p>\n", body.join("<br>\n")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lists_bold_and_links() {
        let html = to_html(
            "Hej alla!\nVälkomna.\n\n- **Mora**: sågverk\n- Røros\n\nLäs mer: https://example.org/a?b=1&c=2.",
        );
        assert_eq!(
            html,
            "<p>Hej alla!<br>\nVälkomna.</p>\n<ul><li><strong>Mora</strong>: sågverk</li><li>Røros</li></ul>\n\
             <p>Läs mer: <a href=\"https://example.org/a?b=1&amp;c=2\">https://example.org/a?b=1&amp;c=2</a>.</p>\n"
        );
    }

    #[test]
    fn nothing_the_officer_writes_becomes_html() {
        let html = to_html("<script>alert(1)</script> **x <b>** javascript:alert(1) \"q\"");
        assert!(
            !html.contains("<script>") && !html.contains("<b>"),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;") && html.contains("<strong>x &lt;b&gt;</strong>"));
        assert!(!html.contains("href=\"javascript"), "{html}");
        let odd = to_html("a ** b");
        assert_eq!(odd, "<p>a ** b</p>\n");
    }
}
