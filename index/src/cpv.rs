//! The Common Procurement Vocabulary (CPV 2008), shipped in the binary (see `data/SOURCES.md`).
//! A code is valid exactly when it is in the official list; the hierarchy is read from the
//! code's significant digits (a level-`n` code is fixed by its first `n + 1` digits).

use std::collections::HashMap;
use std::sync::OnceLock;

const CPV_CSV: &str = include_str!("../data/cpv_2008.csv");
const CPV_LABELS: &str = include_str!("../data/cpv_labels.tsv");

/// How close a code of another group of the same division is (see [`Cpv::closeness`]): low,
/// a supplier a buyer might still invite to a dialogue, below every closer code.
pub const ANOTHER_GROUP: f64 = 0.2;

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
    /// Swedish and Norwegian labels, where the project has written them.
    labels: HashMap<String, [String; 2]>,
    /// Per entry: its labels in every language, lower-cased, for searching by words.
    haystack: Vec<String>,
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
        let labels: HashMap<String, [String; 2]> = CPV_LABELS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut f = l.split('\t');
                let code = f.next()?.trim().to_string();
                Some((
                    code,
                    [f.next()?.trim().to_string(), f.next()?.trim().to_string()],
                ))
            })
            .collect();
        let haystack = entries
            .iter()
            .map(|e| {
                let mut h = format!("{} {}", e.code, e.label_en);
                if let Some([sv, nb]) = labels.get(&e.code) {
                    h.push(' ');
                    h.push_str(sv);
                    h.push(' ');
                    h.push_str(nb);
                }
                h.to_lowercase()
            })
            .collect();
        Cpv {
            entries,
            by_code,
            labels,
            haystack,
        }
    }

    pub fn all(&self) -> &[CpvEntry] {
        &self.entries
    }

    pub fn lookup(&self, code: &str) -> Option<&CpvEntry> {
        self.by_code.get(code).map(|&i| &self.entries[i])
    }

    /// A code's label in `locale` (`sv`, `nb`; English where the project has not written one).
    pub fn label(&self, code: &str, locale: &str) -> Option<&str> {
        let entry = self.lookup(code)?;
        let translated = self.labels.get(code).and_then(|[sv, nb]| match locale {
            "sv" => Some(sv.as_str()),
            "nb" => Some(nb.as_str()),
            _ => None,
        });
        Some(translated.unwrap_or(entry.label_en.as_str()))
    }

    /// Codes whose labels (English, Swedish or Norwegian) or code contain every word of
    /// `words`, broadest first, at most `limit`.
    pub fn search(&self, words: &str, limit: usize) -> Vec<&CpvEntry> {
        let words: Vec<String> = words.split_whitespace().map(|w| w.to_lowercase()).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<&CpvEntry> = self
            .entries
            .iter()
            .zip(&self.haystack)
            .filter(|(_, h)| words.iter().all(|w| h.contains(w.as_str())))
            .map(|(e, _)| e)
            .collect();
        found.sort_by(|a, b| a.level.cmp(&b.level).then(a.code.cmp(&b.code)));
        found.truncate(limit);
        found
    }

    /// How close an offered code is to a wanted one, 0–1, or `None` when they are too far apart
    /// to be the same kind of work. The rule: the same code (1.0); the offer narrower, under
    /// the wanted code (0.9); siblings, another code in the same class (0.7) or the same group
    /// (0.5) — another kind of passenger road transport, another building-construction code;
    /// another group of the same division ([`ANOTHER_GROUP`]) — electrical installation for a
    /// school building, advertising for an event; the offer broader, above it, just below a
    /// sibling under the same code, as it covers the siblings' work too: a class or narrower
    /// (0.6: building construction offered for a school building), a group (0.3: all road
    /// transport, goods included, offered for school transport), a division (0.1: all
    /// transport). Codes of different divisions never match: the hard rule is at the division,
    /// CPV's broadest level.
    pub fn closeness(&self, wanted: &str, offered: &str) -> Option<f64> {
        if wanted == offered {
            return Some(1.0);
        }
        let (w, o) = (self.lookup(wanted)?, self.lookup(offered)?);
        let (wp, op) = (w.prefix(), o.prefix());
        if op.starts_with(wp) {
            return Some(0.9);
        }
        if wp.starts_with(op) {
            // Broader: just below a sibling under the same ancestor, as it covers the wanted
            // work and the siblings' too.
            return Some(match op.len() {
                l if l >= 4 => 0.6,
                3 => 0.3,
                _ => 0.1,
            });
        }
        let shared = wp
            .chars()
            .zip(op.chars())
            .take_while(|(a, b)| a == b)
            .count();
        match shared {
            s if s >= 4 => Some(0.7),
            3 => Some(0.5),
            2 => Some(ANOTHER_GROUP),
            _ => None,
        }
    }

    /// The terms a record with `codes` is found by: every prefix of each code's own (so
    /// that broader and same-group codes reach it, `cpv:60`, `cpv:601`, `cpv:6013`), and its
    /// place in the tree (`cpvat:6013`).
    pub fn found_by(&self, codes: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for p in codes
            .iter()
            .filter_map(|c| self.lookup(c))
            .map(CpvEntry::prefix)
        {
            out.extend((2..=p.len()).map(|k| format!("cpv:{}", &p[..k])));
            out.push(format!("cpvat:{p}"));
        }
        out.sort();
        out.dedup();
        out
    }

    /// The terms a record with `codes` looks for — every code close enough to score (see
    /// [`Cpv::closeness`]): the division of each (its groups, their codes, and the division
    /// itself; every code above a code lies in its division).
    pub fn looks_for(&self, codes: &[String]) -> Vec<String> {
        let mut out: Vec<String> = codes
            .iter()
            .filter_map(|c| self.lookup(c))
            .map(|e| format!("cpv:{}", &e.prefix()[..e.prefix().len().min(2)]))
            .collect();
        out.sort();
        out.dedup();
        out
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
    fn codes_are_found_by_words_in_swedish_norwegian_and_english() {
        let cpv = Cpv::get();
        let codes =
            |q: &str| -> Vec<String> { cpv.search(q, 50).iter().map(|e| e.code.clone()).collect() };
        // The Swedish and the Norwegian word find the same group; the English one too.
        assert_eq!(codes("catering")[0], "55500000-5");
        assert!(codes("cateringtjänster").contains(&"55500000-5".to_string()));
        assert!(codes("kantine").contains(&"55500000-5".to_string()));
        assert!(codes("skogsbruk").contains(&"77200000-2".to_string()));
        assert!(codes("skogbrukstjenester").contains(&"77200000-2".to_string()));
        // Every word must be there; broadest first.
        let school = codes("school meal");
        assert!(!school.is_empty());
        assert!(cpv.search("", 10).is_empty());
        assert_eq!(
            cpv.label("55500000-5", "sv"),
            Some("Matsals- och cateringtjänster")
        );
        assert_eq!(
            cpv.label("55500000-5", "nb"),
            Some("Kantine- og cateringtjenester")
        );
        assert_eq!(
            cpv.label("55500000-5", "en"),
            Some("Canteen and catering services")
        );
        assert_eq!(
            cpv.label("55521000-8", "sv"),
            Some("Catering services for private households")
        );
    }

    #[test]
    fn every_translated_code_exists() {
        let cpv = Cpv::get();
        assert_eq!(cpv.labels.len(), 82);
        for code in cpv.labels.keys() {
            // Divisions and groups, and the classes the region buys most (school transport).
            let e = cpv.lookup(code).unwrap_or_else(|| panic!("{code}"));
            assert!(
                e.level <= 2 || code.starts_with("601"),
                "{code} is a division or a group"
            );
        }
        let divisions = cpv.all().iter().filter(|e| e.level == 1).count();
        let translated = cpv
            .labels
            .keys()
            .filter(|c| cpv.lookup(c).is_some_and(|e| e.level == 1))
            .count();
        assert_eq!(
            divisions, translated,
            "every division has Swedish and Norwegian labels"
        );
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
