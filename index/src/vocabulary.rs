//! The trilingual skill vocabulary (`data/skills.tsv`): concepts with their Swedish, Norwegian
//! and English terms. A term is matched after stemming in its own language, as a run of
//! consecutive tokens, so `svetsning`, `sveising` and `welding` all name the concept `welding`.

use crate::analysis::{analyzer, tokens, Lang};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use tantivy::tokenizer::TextAnalyzer;

const SKILLS_TSV: &str = include_str!("../data/skills.tsv");

#[derive(Debug, Clone)]
pub struct Concept {
    pub id: String,
    pub sector: String,
    /// Terms per language: Swedish, Norwegian, English.
    pub terms: [Vec<String>; 3],
}

pub struct Vocabulary {
    concepts: Vec<Concept>,
    /// Per language: stemmed token run → concepts.
    lookup: [FxHashMap<Vec<String>, Vec<usize>>; 3],
    /// Per language: the tokens a run starts with (most tokens start none: one look-up).
    starts: [FxHashSet<String>; 3],
    longest: usize,
}

impl Vocabulary {
    pub fn get() -> &'static Vocabulary {
        static V: OnceLock<Vocabulary> = OnceLock::new();
        V.get_or_init(|| Vocabulary::parse(SKILLS_TSV))
    }

    fn parse(text: &str) -> Vocabulary {
        let concepts: Vec<Concept> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let terms = |i: usize| -> Vec<String> {
                    f.get(i)
                        .map(|s| {
                            s.split('|')
                                .map(|t| t.trim().to_string())
                                .filter(|t| !t.is_empty())
                                .collect()
                        })
                        .unwrap_or_default()
                };
                Some(Concept {
                    id: f.first()?.to_string(),
                    sector: f.get(1)?.to_string(),
                    terms: [terms(2), terms(3), terms(4)],
                })
            })
            .collect();
        let mut lookup: [FxHashMap<Vec<String>, Vec<usize>>; 3] = Default::default();
        let mut starts: [FxHashSet<String>; 3] = Default::default();
        let mut longest = 1;
        for lang in Lang::ALL {
            let mut a = analyzer(lang);
            for (i, c) in concepts.iter().enumerate() {
                for term in &c.terms[lang.index()] {
                    let key = tokens(&mut a, term);
                    if key.is_empty() {
                        continue;
                    }
                    longest = longest.max(key.len());
                    starts[lang.index()].insert(key[0].clone());
                    let slot = lookup[lang.index()].entry(key).or_default();
                    if !slot.contains(&i) {
                        slot.push(i);
                    }
                }
            }
        }
        Vocabulary {
            concepts,
            lookup,
            starts,
            longest,
        }
    }

    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    pub fn concept(&self, i: usize) -> &Concept {
        &self.concepts[i]
    }

    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.concepts.iter().position(|c| c.id == id)
    }

    /// The concepts named in already analysed tokens of one language.
    pub fn concepts_in_tokens(&self, lang: Lang, toks: &[String], out: &mut BTreeSet<usize>) {
        let table = &self.lookup[lang.index()];
        let starts = &self.starts[lang.index()];
        for start in 0..toks.len() {
            if !starts.contains(&toks[start]) {
                continue;
            }
            for len in 1..=self.longest.min(toks.len() - start) {
                if let Some(found) = table.get(&toks[start..start + len]) {
                    out.extend(found.iter().copied());
                }
            }
        }
    }

    /// The concepts named in `text`, in any of the three languages.
    pub fn concepts_in(&self, text: &str, analyzers: &mut Analyzers) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for lang in Lang::ALL {
            let toks = tokens(analyzers.get(lang), text);
            self.concepts_in_tokens(lang, &toks, &mut out);
        }
        out
    }
}

/// One analyser per language, kept to avoid rebuilding them for every text.
pub struct Analyzers([TextAnalyzer; 3]);

impl Default for Analyzers {
    fn default() -> Self {
        Analyzers([analyzer(Lang::Sv), analyzer(Lang::Nb), analyzer(Lang::En)])
    }
}

impl Analyzers {
    pub fn get(&mut self, lang: Lang) -> &mut TextAnalyzer {
        &mut self.0[lang.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        let v = Vocabulary::get();
        v.concepts_in(text, &mut Analyzers::default())
            .into_iter()
            .map(|i| v.concept(i).id.clone())
            .collect()
    }

    #[test]
    fn the_vocabulary_covers_the_regions_industries_in_three_languages() {
        let v = Vocabulary::get();
        assert!(v.concepts().len() >= 200, "{}", v.concepts().len());
        let sectors: BTreeSet<&str> = v.concepts().iter().map(|c| c.sector.as_str()).collect();
        for s in [
            "manufacturing",
            "wood",
            "mining",
            "energy",
            "tourism",
            "health",
            "construction",
            "it",
            "trade",
            "agriculture",
            "transport",
        ] {
            assert!(sectors.contains(s), "{s}");
        }
        for c in v.concepts() {
            assert!(
                c.terms.iter().all(|t| !t.is_empty()),
                "{} lacks a language",
                c.id
            );
        }
        let unique: BTreeSet<&str> = v.concepts().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(unique.len(), v.concepts().len(), "concept ids repeat");
    }

    #[test]
    fn the_same_skill_is_found_in_swedish_norwegian_and_english() {
        for (sv, nb, en, concept) in [
            ("svetsning", "sveising", "welding", "welding"),
            (
                "mjukvaruutveckling",
                "programvareutvikling",
                "software development",
                "software_development",
            ),
            ("redovisning", "regnskap", "accounting", "accounting"),
            ("sågverk", "sagbruk", "sawmill", "sawmill"),
            (
                "rennäring",
                "reindrift",
                "reindeer husbandry",
                "reindeer_husbandry",
            ),
        ] {
            for text in [sv, nb, en] {
                assert!(
                    ids(text).contains(&concept.to_string()),
                    "{text} → {:?}",
                    ids(text)
                );
            }
        }
    }

    #[test]
    fn word_forms_and_phrases_inside_sentences_are_found() {
        let found = ids(
            "Erfaren svetsare som har arbetat med MIG-svetsning och programmering av CNC-maskiner.",
        );
        assert!(found.contains(&"welding".to_string()), "{found:?}");
        assert!(found.contains(&"cnc".to_string()), "{found:?}");
        let found = ids("We need someone for our heat recovery project.");
        assert!(found.contains(&"heat_recovery".to_string()), "{found:?}");
    }
}
