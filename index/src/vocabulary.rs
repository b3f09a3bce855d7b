//! The trilingual skill vocabulary (`data/skills.tsv`): concepts with their Swedish, Norwegian
//! and English terms. A term is matched after stemming in its own language, as a run of
//! consecutive tokens, so `svetsning`, `sveising` and `welding` all name the concept `welding`.

use crate::analysis::{analyzer, tokens, Lang, Stem, Stems, Trilingual};
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const SKILLS_TSV: &str = include_str!("../data/skills.tsv");

/// See [`Vocabulary::set_enabled`]; off only in a benchmark's ablation.
static DISABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[derive(Debug, Clone)]
pub struct Concept {
    pub id: String,
    pub sector: String,
    /// Terms per language: Swedish, Norwegian, English.
    pub terms: [Vec<String>; 3],
}

/// What a run of stemmed tokens is in the vocabulary.
#[derive(Default)]
struct Run {
    /// The concepts it names (none where it only begins a longer term).
    concepts: Vec<usize>,
    /// Whether a longer term begins with it.
    longer: bool,
}

pub struct Vocabulary {
    concepts: Vec<Concept>,
    /// Per language: stemmed token run → the concepts it names, for every run that names
    /// one and every run that begins one (a look-up stops at the first run not found).
    lookup: [FxHashMap<Vec<Stem>, Run>; 3],
    /// Per concept: its sector family's number (the families in alphabetical order).
    family: Vec<u32>,
    /// The family bit of the languages, which [`Vocabulary::trade_bits`] leaves out.
    language_bit: u64,
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
        let mut lookup: [FxHashMap<Vec<Stem>, Run>; 3] = Default::default();
        for lang in Lang::ALL {
            let mut a = analyzer(lang);
            for (i, c) in concepts.iter().enumerate() {
                for term in &c.terms[lang.index()] {
                    let key: Vec<Stem> = tokens(&mut a, term).into_iter().map(Stem::from).collect();
                    if key.is_empty() {
                        continue;
                    }
                    let table = &mut lookup[lang.index()];
                    for len in 1..key.len() {
                        table.entry(key[..len].to_vec()).or_default().longer = true;
                    }
                    let run = table.entry(key).or_default();
                    if !run.concepts.contains(&i) {
                        run.concepts.push(i);
                    }
                }
            }
        }
        let names: BTreeSet<&str> = concepts.iter().map(|c| c.sector.as_str()).collect();
        let family = concepts
            .iter()
            .map(|c| {
                let n = names.iter().position(|n| *n == c.sector).unwrap_or(0);
                u32::try_from(n).unwrap_or(0)
            })
            .collect();
        let language_bit = concepts
            .iter()
            .zip(&family)
            .find(|(c, _)| c.sector == "language")
            .map_or(0, |(_, f)| 1u64 << (f % 64));
        Vocabulary {
            concepts,
            lookup,
            family,
            language_bit,
        }
    }

    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    pub fn concept(&self, i: usize) -> &Concept {
        &self.concepts[i]
    }

    /// The sector family of concept `i` as one bit of 64 (families past 64 share bits, which
    /// only makes two families look alike; a test keeps them under 64).
    pub fn family_bit(&self, i: usize) -> u64 {
        self.family.get(i).map_or(0, |f| 1u64 << (f % 64))
    }

    /// The trade (sector family) bits of a set of concepts, leaving out languages: two
    /// people who speak different languages are not in the same trade.
    pub fn trade_bits(&self, concepts: impl IntoIterator<Item = usize>) -> u64 {
        concepts.into_iter().fold(0, |b, c| b | self.family_bit(c)) & !self.language_bit
    }

    /// The number of sector families.
    pub fn families(&self) -> usize {
        self.family
            .iter()
            .copied()
            .max()
            .map_or(0, |m| m as usize + 1)
    }

    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.concepts.iter().position(|c| c.id == id)
    }

    /// Switches concept finding off (`false`) or on for the whole process: the matching
    /// benchmark's ablation "no vocabulary" builds and queries an index with it off.
    pub fn set_enabled(on: bool) {
        DISABLED.store(!on, std::sync::atomic::Ordering::Relaxed);
    }

    /// The concepts named in already analysed tokens of one language.
    pub fn concepts_in_tokens(&self, lang: Lang, toks: &[Stem], out: &mut BTreeSet<usize>) {
        if DISABLED.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let table = &self.lookup[lang.index()];
        for start in 0..toks.len() {
            // Longer runs from `start` only while a term begins with the run so far (most
            // tokens begin none: one look-up).
            for end in start + 1..=toks.len() {
                let Some(run) = table.get(&toks[start..end]) else {
                    break;
                };
                out.extend(run.concepts.iter().copied());
                if !run.longer {
                    break;
                }
            }
        }
    }

    /// The concepts named in `text`, in any of the three languages.
    pub fn concepts_in(&self, text: &str, analyzers: &mut Analyzers) -> BTreeSet<usize> {
        self.concepts_in_analysed(&analyzers.analyse(text))
    }

    /// The concepts named in a text already analysed in the three languages
    /// ([`Analyzers::analyse`]).
    pub fn concepts_in_analysed(&self, words: &Stems) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for lang in Lang::ALL {
            self.concepts_in_tokens(lang, &words[lang.index()], &mut out);
        }
        out
    }
}

/// The three languages' analysers in one pass, kept to avoid rebuilding them for every text
/// (they remember their words).
#[derive(Default)]
pub struct Analyzers {
    all: Trilingual,
}

impl Analyzers {
    /// The tokens of `text` in each language (indexed by [`Lang::index`]), in one pass.
    pub fn analyse(&mut self, text: &str) -> Stems {
        self.all.analyse(text)
    }

    /// [`Analyzers::analyse`], appending to `out`.
    pub fn analyse_into(&mut self, text: &str, out: &mut Stems) {
        self.all.analyse_into(text, out)
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
        assert!(v.concepts().len() >= 400, "{}", v.concepts().len());
        assert!(
            v.concepts().len() <= 64 * crate::rank::CONCEPT_WORDS,
            "the concept bit set holds {}",
            64 * crate::rank::CONCEPT_WORDS
        );
        assert!(v.families() <= 64, "{} sector families", v.families());
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
    fn every_concept_is_on_the_review_list() {
        let list = include_str!("../data/VOCABULARY-REVIEW.md");
        for c in Vocabulary::get().concepts() {
            assert!(
                list.contains(&format!("| `{}` |", c.id)),
                "{} is missing from data/VOCABULARY-REVIEW.md",
                c.id
            );
        }
    }

    #[test]
    fn the_families_written_in_other_words_are_found() {
        for (text, concept) in [
            ("Frontend i React och TypeScript", "react"),
            ("sanntidsdata fra busser og trikk", "public_transport"),
            ("Vi kör skolskjuts i norra Värmland", "school_transport"),
            (
                "TT-transport og pasientreiser for eldre",
                "special_transport",
            ),
            ("ystning och hygien i ett gårdsmejeri", "dairy_processing"),
            ("Fagbrev som møbelsnekker", "cabinetmaking"),
            ("Möbelsnickare i tio år", "cabinetmaking"),
            ("inntektsstyring på et hotell", "revenue_management"),
            (
                "Ansvarade för intäktsstyrning på ett fjällhotell",
                "revenue_management",
            ),
            (
                "Kommunens hemtjänst inför digital nattillsyn",
                "assistive_technology",
            ),
            ("Kommunens hemtjänst inför digital nattillsyn", "home_care"),
            (
                "Apputveckling och mjukvara för restauranger",
                "software_development",
            ),
        ] {
            assert!(
                ids(text).contains(&concept.to_string()),
                "{text} → {:?}",
                ids(text)
            );
        }
    }

    #[test]
    fn everyday_words_name_no_concept() {
        for text in [
            "It was a good year.",
            "Tillgänglig från januari.",
            "Vi vill bygga upp försäljningen.",
            "Jag får tankar om framtiden.",
        ] {
            let found = ids(text);
            assert!(
                !found
                    .iter()
                    .any(|c| ["accessibility", "pressure_vessels", "sheep_goats"]
                        .contains(&c.as_str())),
                "{text} → {found:?}"
            );
        }
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

    /// The look-up that stops at the first run no term begins with finds what looking up
    /// every run of every length finds: over the generated corpus's texts and every term of
    /// the vocabulary written inside a sentence.
    #[test]
    fn stopping_at_a_run_no_term_begins_with_finds_every_term() {
        let v = Vocabulary::get();
        let longest = v.lookup.iter().flat_map(|t| t.keys()).map(Vec::len).max();
        let longest = longest.unwrap_or(1);
        let every_run = |lang: Lang, toks: &[Stem]| {
            let mut out = BTreeSet::new();
            for start in 0..toks.len() {
                for len in 1..=longest.min(toks.len() - start) {
                    if let Some(run) = v.lookup[lang.index()].get(&toks[start..start + len]) {
                        out.extend(run.concepts.iter().copied());
                    }
                }
            }
            out
        };
        let mut texts: Vec<String> = crate::corpus::generate(300, 5, 7)
            .candidates
            .into_iter()
            .map(|c| c.text)
            .collect();
        for c in &v.concepts {
            for terms in &c.terms {
                texts.push(format!("Vi söker {} och mer", terms.join(", ")));
            }
        }
        let mut analyzers = Analyzers::default();
        let mut found = 0;
        for text in &texts {
            let words = analyzers.analyse(text);
            for lang in Lang::ALL {
                let mut fast = BTreeSet::new();
                v.concepts_in_tokens(lang, &words[lang.index()], &mut fast);
                assert_eq!(fast, every_run(lang, &words[lang.index()]), "{text}");
                found += fast.len();
            }
        }
        assert!(longest >= 3, "terms of several words: {longest}");
        assert!(found > texts.len(), "{found} concepts found");
    }
}
