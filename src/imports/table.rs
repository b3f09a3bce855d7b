//! A CSV file as Swedish and Norwegian spreadsheet programs write it, read into a header and
//! rows of cells: UTF-8 with or without a byte-order mark (or, failing UTF-8, Windows-1252,
//! what Excel's plain "CSV" still writes), `;` or `,` or a tab between cells (whichever the
//! header line uses most), quoted cells holding the delimiter, quotes and line breaks, and
//! Windows or Unix line ends.

/// The decoded text of the file.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|b| windows_1252(*b)).collect(),
    }
}

/// One byte of Windows-1252 as a character (0x80–0x9F hold the typographic marks and € there,
/// the rest is Latin-1).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The delimiter the header line uses most (outside quotes): `;`, `,` or a tab.
fn delimiter(text: &str) -> u8 {
    let mut counts = [(b';', 0usize), (b',', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in text.bytes() {
        match c {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(n) = counts.iter_mut().find(|(d, _)| *d == c) {
                    n.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b';'))
        .map(|(d, _)| *d)
        .unwrap_or(b';')
}

/// A file's header (trimmed, lower-cased) and its rows; rows with nothing in any cell (what
/// a spreadsheet leaves at the end) are dropped, and each kept row carries its number as the
/// spreadsheet shows it (the header is row 1).
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

pub fn read(text: &str) -> Result<Table, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Some(Err(e)) => return Err(format!("the header line cannot be read: {e}")),
        None => return Err("the file is empty: it needs a header line and rows".into()),
    };
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let number = i + 2;
        let record = record.map_err(|e| format!("row {number} cannot be read: {e}"))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() > header.len() {
            return Err(format!(
                "row {number} has {} cells but the header names {} columns",
                record.len(),
                header.len()
            ));
        }
        // A line break typed in a cell comes as CRLF from Windows spreadsheets: kept as `\n`.
        let cells = record
            .iter()
            .map(|c| c.trim().replace("\r\n", "\n"))
            .collect();
        rows.push((number, cells));
    }
    Ok(Table { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spreadsheets_file_reads_with_its_bom_semicolons_quoted_breaks_and_crlf() {
        let bytes = "\u{feff}Title;Description\r\nSåg;\"Rad ett\r\nrad två; med semikolon\"\r\n;\r\nÆrfugl;\"sa \"\"hei\"\"\"\r\n"
            .as_bytes();
        let t = read(&decode(bytes)).expect("reads");
        assert_eq!(t.header, ["title", "description"]);
        assert_eq!(t.rows.len(), 2, "the empty row is dropped");
        assert_eq!(t.rows[0].0, 2);
        assert_eq!(t.rows[0].1[1], "Rad ett\nrad två; med semikolon");
        assert_eq!(t.rows[1].0, 4, "numbered as the spreadsheet shows it");
        assert_eq!(t.rows[1].1, ["Ærfugl", "sa \"hei\""]);
    }

    #[test]
    fn commas_or_tabs_are_found_from_the_header() {
        let t = read("a,b,\"c;d\"\n1,2,3\n").expect("reads");
        assert_eq!(t.header, ["a", "b", "c;d"]);
        let t = read("a\tb\n1\t2\n").expect("reads");
        assert_eq!(t.rows[0].1, ["1", "2"]);
    }

    #[test]
    fn windows_1252_is_read_when_the_file_is_not_utf8() {
        let bytes = b"namn;ort\nG\xF6ran;M\xE5l\xF8y \x80\n";
        let t = read(&decode(bytes)).expect("reads");
        assert_eq!(t.rows[0].1, ["Göran", "Måløy €"]);
    }

    #[test]
    fn a_row_longer_than_the_header_is_refused_with_its_number() {
        let e = read("a;b\n1;2;3\n").err().expect("refused");
        assert!(e.contains("row 2"), "{e}");
        assert!(read("").is_err());
    }
}
