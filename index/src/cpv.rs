//! The Common Procurement Vocabulary (CPV 2008), shipped in the binary (see `data/SOURCES.md`).
//! A code is valid exactly when it is in the official list; the hierarchy is read from the
//! code's significant digits (a level-`n` code is fixed by its first `n + 1` digits).

use std::collections::HashMap;
use std::sync::OnceLock;

const CPV_CSV: &str = include_str!("../data/cpv_2008.csv");

#[derive(Debug, Clone, PartialEq)]
pub struct CpvEntry {
    pub code: String,
    pub label_en: String,
    pub level: u8,
    pub leaf: bool,
}

impl CpvEntry {
    /// The digits that fix this code's place in the hierarchy.
    pub fn prefix(&self) -> &str {
        &self.code[..(usize::from(self.level) + 1).min(8)]
    }
}

pub struct Cpv {
    entries: Vec<CpvEntry>,
    by_code: HashMap<String, usize>,
}

impl Cpv {
    pub fn get() -> &'static Cpv {
        static CPV: OnceLock<Cpv> = OnceLock::new();
        CPV.get_or_init(|| Cpv::parse(CPV_CSV))
    }

    fn parse(text: &str) -> Cpv {
        let entries: Vec<CpvEntry> = crate::csv::rows(text)
            .filter_map(|f| {
                Some(CpvEntry {
                    code: f.first()?.clone(),
                    label_en: f.get(1)?.clone(),
                    level: f.get(2)?.parse().ok()?,
                    leaf: f.get(3)? == "true",
                })
            })
            .collect();
        let by_code = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.code.clone(), i))
            .collect();
        Cpv { entries, by_code }
    }

    pub fn all(&self) -> &[CpvEntry] {
        &self.entries
    }

    pub fn lookup(&self, code: &str) -> Option<&CpvEntry> {
        self.by_code.get(code).map(|&i| &self.entries[i])
    }

    /// Whether `a` and `b` are the same code or one lies under the other in the hierarchy.
    pub fn overlaps(&self, a: &str, b: &str) -> bool {
        match (self.lookup(a), self.lookup(b)) {
            (Some(x), Some(y)) => {
                let (broad, narrow) = if x.level <= y.level { (x, y) } else { (y, x) };
                narrow.code.starts_with(broad.prefix())
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_official_vocabulary_is_shipped() {
        let cpv = Cpv::get();
        assert_eq!(cpv.all().len(), 9454);
        let construction = cpv.lookup("45000000-7").expect("construction work");
        assert_eq!(construction.level, 1);
        assert!(!construction.leaf);
        assert!(cpv.lookup("45000000-8").is_none());
    }

    #[test]
    fn a_specific_code_overlaps_the_division_above_it_and_not_a_sibling() {
        let cpv = Cpv::get();
        assert!(cpv.overlaps("45000000-7", "45210000-2"));
        assert!(cpv.overlaps("45210000-2", "45000000-7"));
        assert!(cpv.overlaps("45210000-2", "45210000-2"));
        assert!(!cpv.overlaps("45210000-2", "03000000-1"));
    }
}
