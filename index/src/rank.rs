//! The ranking: hard rules that are never broken, then soft factors scored 0–1, each shown with
//! a plain explanation, combined by fixed weights. A pure function of the two records, the text
//! relevance and today's date, so the same data always gives the same order.

use crate::analysis::Lang;
use crate::entity::{Entity, Kind, Spoken, Track};
use crate::gazetteer::{distance_km, Gazetteer, Place};
use crate::vocabulary::Vocabulary;
use crate::Cpv;
use serde::Serialize;
use std::collections::BTreeSet;

/// One factor of a match's explanation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Factor {
    pub name: &'static str,
    pub score: f64,
    pub detail: String,
}

/// The weighted factors of one pair: at most six, kept on the stack (ranking scores every
/// record it retrieves).
struct Weighted {
    items: [(f64, Factor); 6],
    len: usize,
}

impl Weighted {
    fn new<const N: usize>(list: [(f64, Factor); N]) -> Weighted {
        let mut w = Weighted {
            items: Default::default(),
            len: 0,
        };
        for item in list {
            w.push(item);
        }
        w
    }

    fn push(&mut self, item: (f64, Factor)) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = item;
            self.len += 1;
        }
    }

    fn into_factors(self) -> Vec<Factor> {
        let len = self.len;
        self.items.into_iter().take(len).map(|(_, f)| f).collect()
    }
}

impl std::ops::Deref for Weighted {
    type Target = [(f64, Factor)];
    fn deref(&self) -> &Self::Target {
        &self.items[..self.len]
    }
}

thread_local! {
    static EXPLAINING: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether factor details are being written. Ranking scores every candidate record with
/// details off (no strings built), then scores the few it keeps again with them on: the same
/// code, so the same numbers.
fn explaining() -> bool {
    EXPLAINING.with(|e| e.get())
}

/// Runs `f` with factor details off.
pub fn without_details<T>(f: impl FnOnce() -> T) -> T {
    let before = EXPLAINING.with(|e| e.replace(false));
    let out = f();
    EXPLAINING.with(|e| e.set(before));
    out
}

/// `format!` when details are being written, else an empty string.
macro_rules! detail {
    ($($t:tt)*) => {
        if explaining() { format!($($t)*) } else { String::new() }
    };
}

/// BM25 is unbounded; `s / (s + TEXT_HALF)` maps it to 0–1, reaching ½ at `TEXT_HALF`.
pub const TEXT_HALF: f64 = 8.0;

/// Concepts of the vocabulary as a bit set: ranking compares them for every record it scores.
pub const CONCEPT_WORDS: usize = 8;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConceptBits([u64; CONCEPT_WORDS]);

impl ConceptBits {
    /// The vocabulary holds at most `64 * CONCEPT_WORDS` concepts (a test checks it).
    pub fn of(set: &BTreeSet<usize>) -> ConceptBits {
        let mut bits = [0u64; CONCEPT_WORDS];
        for &c in set {
            if let Some(w) = bits.get_mut(c / 64) {
                *w |= 1 << (c % 64);
            }
        }
        ConceptBits(bits)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    pub fn is_disjoint(&self, other: &ConceptBits) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & b == 0)
    }

    pub fn overlap(&self, other: &ConceptBits) -> usize {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a & b).count_ones() as usize)
            .sum()
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn contains(&self, concept: usize) -> bool {
        self.0
            .get(concept / 64)
            .is_some_and(|w| w & (1 << (concept % 64)) != 0)
    }

    /// The concepts, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, w)| {
            let mut w = *w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(i * 64 + bit)
            })
        })
    }
}

/// A declared skill or support need, and the concepts it names.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub label: String,
    pub lower: String,
    /// The concepts it names (none when the vocabulary does not know it).
    pub bits: ConceptBits,
    /// Its lower-cased label in a 64-bit Bloom filter (see [`Hot::label_bloom`]).
    pub bloom: u64,
    /// The trades of its concepts ([`Vocabulary::trade_bits`]).
    pub trades: u64,
}

/// Two bits of a 64-bit Bloom filter for a lower-cased label.
fn label_bloom(lower: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    lower.hash(&mut h);
    let x = h.finish();
    (1u64 << (x & 63)) | (1u64 << ((x >> 6) & 63))
}

/// A record with what ranking needs precomputed: its concepts, place and date.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub entity: Entity,
    /// Concepts of the whole text.
    pub bits: ConceptBits,
    /// For each declared skill: its concepts (empty when the vocabulary does not know it).
    pub skill_concepts: Vec<Wanted>,
    /// The same for a mentee's support needs.
    pub support_concepts: Vec<Wanted>,
    /// Declared skills, lower-cased, sorted, for comparing labels the vocabulary does not know.
    pub labels: Vec<String>,
    /// For each of `labels`: whether the record's own text (education, experience; for a
    /// mentor the headline and sectors) backs it up, by a concept or the label itself.
    pub label_backed: Vec<bool>,
    /// Concepts of that text alone: a skill it names is backed by evidence.
    pub evidence: ConceptBits,
    /// The trades of those concepts: a wanted skill of a trade the text shows is related.
    pub evidence_trades: u64,
    /// How many declared skills the text does not back (a long list of them is discounted).
    pub unbacked: u16,
    /// Concepts of the sectors (a mentor's, with the headline; a mentee's business).
    pub sector_bits: ConceptBits,
    /// The sectors as written, trimmed and lower-cased, for sectors the vocabulary does not know.
    pub sector_labels: Vec<String>,
    /// The vocabulary's sector families of those concepts, as bits.
    pub families: u64,
    /// A mentor's headline: the trade they say they worked in, against the sectors they list
    /// (`None` for every other record).
    pub headline: Option<Box<Headline>>,
    /// A mentor whose headline says they started or ran a business.
    pub ran_business: bool,
    /// A mentor whose experience is in growing one (leadership, strategy, export, boards).
    pub grows_business: bool,
    pub place: Option<&'static Place>,
    pub day: Option<i64>,
    /// Languages as (key, level): compared as numbers in the hot loop.
    pub langs: Vec<(u32, u8)>,
    /// [`Entity::open_to`] of each track, asked once.
    pub ktp_ok: bool,
    pub mentoring_ok: bool,
    pub coaching_ok: bool,
    pub procurement_ok: bool,
}

/// Where a part of a text lies in its tokens, in each language (stop words differ).
struct Parts([std::ops::Range<usize>; 3]);

/// A mentor's headline, read once: its concepts and its words lower-cased.
#[derive(Debug, Clone)]
pub struct Headline {
    pub concepts: ConceptBits,
    pub lower: String,
}

impl Headline {
    /// Whether it names a trade: one of `concepts`, or one of `labels` (lower-cased) in so
    /// many words.
    fn names(&self, concepts: &ConceptBits, labels: &[String]) -> bool {
        !concepts.is_disjoint(&self.concepts) || labels.iter().any(|l| self.lower.contains(l))
    }
}

impl Prepared {
    /// The trades of the skills a need asks for (see [`score_related`]).
    pub fn wanted_trades(&self) -> u64 {
        self.skill_concepts.iter().fold(0, |t, w| t | w.trades)
    }

    pub fn new(entity: Entity, analyzers: &mut crate::vocabulary::Analyzers) -> Prepared {
        Prepared::analysed(entity, analyzers).0
    }

    /// [`Prepared::new`], and the tokens of the record's whole text ([`Entity::full_text`]) in
    /// each language (indexed by [`Lang::index`]): what the index is given, so that no text is
    /// analysed twice. Each part is analysed once, in the order of the whole text; the concepts
    /// of a part (or of the skills and support needs together) are those of its tokens there.
    pub fn analysed(
        entity: Entity,
        analyzers: &mut crate::vocabulary::Analyzers,
    ) -> (Prepared, crate::analysis::Stems) {
        let v = Vocabulary::get();
        let mut words: crate::analysis::Stems = Default::default();
        let mut part = |text: &str, words: &mut crate::analysis::Stems| {
            let start = words.each_ref().map(Vec::len);
            analyzers.analyse_into(text, words);
            Parts(std::array::from_fn(|i| start[i]..words[i].len()))
        };
        let title_part = part(&entity.title, &mut words);
        let skill_parts: Vec<Parts> = entity.skills.iter().map(|s| part(s, &mut words)).collect();
        let support_parts: Vec<Parts> = entity
            .support_needs
            .iter()
            .map(|s| part(s, &mut words))
            .collect();
        let text_part = part(&entity.text, &mut words);
        let concepts_of = |p: &Parts| {
            let mut out = BTreeSet::new();
            for lang in Lang::ALL {
                let i = lang.index();
                v.concepts_in_tokens(lang, &words[i][p.0[i].clone()], &mut out);
            }
            out
        };
        // The whole text's concepts as the union of its parts' (the free text's alone are the
        // evidence below; the skills and support needs are read together, as one text).
        let text_concepts = concepts_of(&text_part);
        let title_concepts = concepts_of(&title_part);
        let mut concepts = concepts_of(&Parts(std::array::from_fn(|i| {
            title_part.0[i].end..text_part.0[i].start
        })));
        concepts.extend(&text_concepts);
        concepts.extend(&title_concepts);
        let mut sector_set = v.concepts_in(&entity.sectors.join(". "), analyzers);
        let mut headline = None;
        if entity.kind() == Kind::Mentor {
            sector_set.extend(&title_concepts);
            headline = Some(Box::new(Headline {
                concepts: ConceptBits::of(&title_concepts),
                lower: entity.title.to_lowercase(),
            }));
        }
        let sector_labels: Vec<String> = entity
            .sectors
            .iter()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        let labelled = |list: &[String], parts: &[Parts]| {
            list.iter()
                .zip(parts)
                .map(|(s, p)| {
                    let lower = s.to_lowercase();
                    let concepts = concepts_of(p);
                    Wanted {
                        label: s.clone(),
                        bloom: label_bloom(&lower),
                        lower,
                        trades: v.trade_bits(concepts.iter().copied()),
                        bits: ConceptBits::of(&concepts),
                    }
                })
                .collect::<Vec<_>>()
        };
        let skill_concepts = labelled(&entity.skills, &skill_parts);
        let support_concepts = labelled(&entity.support_needs, &support_parts);
        // What backs a claimed skill: a candidate's summary and education; a mentor's headline
        // and sectors (a mentor has no other text). A headline of a candidate is a claim.
        let (own, evidence) = if entity.kind() == Kind::Mentor {
            let mut both = text_concepts;
            both.extend(title_concepts);
            (format!("{}\n{}", entity.title, entity.text), both)
        } else {
            (entity.text.clone(), text_concepts)
        };
        let evidence_trades = v.trade_bits(evidence.iter().copied());
        let evidence = ConceptBits::of(&evidence);
        let own = own.to_lowercase();
        let backed = |w: &Wanted| {
            (!w.bits.is_empty() && !w.bits.is_disjoint(&evidence)) || own.contains(&w.lower)
        };
        let mut labels: Vec<(String, bool)> = skill_concepts
            .iter()
            .map(|w| (w.lower.clone(), backed(w)))
            .collect();
        labels.sort();
        labels.dedup_by(|a, b| a.0 == b.0);
        let unbacked = u16::try_from(labels.iter().filter(|(_, b)| !b).count()).unwrap_or(u16::MAX);
        let (labels, label_backed) = labels.into_iter().unzip();
        let families = sector_set.iter().fold(0u64, |f, c| f | v.family_bit(*c));
        let [ran, grows] = business_concepts();
        let mentor = entity.kind() == Kind::Mentor;
        let ran_business = mentor && (!ran.is_disjoint(&evidence) || says_ran_business(&own));
        let grows_business = mentor && !grows.is_disjoint(&evidence);
        let place = Gazetteer::get().lookup_key(&entity.municipality);
        let day = entity.date.as_deref().and_then(day_number);
        let langs = entity
            .languages
            .iter()
            .map(|l| (lang_key(&l.code), l.level))
            .collect();
        let ktp_ok = entity.open_to(Track::Ktp).is_ok();
        let mentoring_ok = entity.open_to(Track::Mentoring).is_ok();
        let coaching_ok = entity.open_to(Track::Coaching).is_ok();
        let procurement_ok = entity.open_to(Track::Procurement).is_ok();
        let prepared = Prepared {
            entity,
            bits: ConceptBits::of(&concepts),
            skill_concepts,
            support_concepts,
            labels,
            label_backed,
            evidence,
            evidence_trades,
            unbacked,
            sector_bits: ConceptBits::of(&sector_set),
            sector_labels,
            families,
            headline,
            ran_business,
            grows_business,
            place,
            day,
            langs,
            ktp_ok,
            mentoring_ok,
            coaching_ok,
            procurement_ok,
        };
        (prepared, words)
    }
}

/// Whether a mentor's own words (lower-cased headline and sectors) say they started, ran or
/// own a business: "startade", "drev", "eier av", "founder", "med egen salong", …
fn says_ran_business(own: &str) -> bool {
    const WORDS: [&str; 31] = [
        "startade",
        "startat",
        "grundade",
        "grundare",
        "grundat",
        "driver",
        "drev",
        "ägare",
        "äger",
        "ägde",
        "företagare",
        "egen",
        "eget",
        "startet",
        "grunnla",
        "gründer",
        "eier",
        "eide",
        "driv",
        "drevet",
        "selvstendig",
        "founded",
        "founder",
        "co-founder",
        "owner",
        "owned",
        "ran",
        "run",
        "runs",
        "own",
        "entrepreneur",
    ];
    own.split(|c: char| !c.is_alphanumeric() && c != '-')
        .any(|w| WORDS.contains(&w) || w.ends_with("företagare"))
}

/// The concepts that say a mentor started or ran a business, and those of growing one.
fn business_concepts() -> [ConceptBits; 2] {
    static IDS: std::sync::OnceLock<[ConceptBits; 2]> = std::sync::OnceLock::new();
    *IDS.get_or_init(|| {
        let v = Vocabulary::get();
        let of = |ids: &[&str]| ConceptBits::of(&ids.iter().filter_map(|id| v.by_id(id)).collect());
        [
            of(&["entrepreneurship"]),
            of(&["management", "strategy", "export", "board_work", "hr"]),
        ]
    })
}

/// Languages a [`Hot`] record holds inline; a record speaking more is always scored in full.
const HOT_LANGS: usize = 6;

/// What [`bound`] reads of a record, in one small block: the ranking checks every record the
/// text query retrieves against it, and reads the full [`Prepared`] record only for those that
/// can still enter the top.
///
/// The fields are laid out by hand, one cache line each (the table is read at random, about
/// one record in ten at 100k, so every line touched is a miss): the first holds what the
/// kind, eligibility and language rules read, the second where the record is and when, the
/// third and fourth its concepts and what backs them. A record a rule excludes costs one line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub struct Hot {
    pub handle: u64,
    langs: [(u32, u8); HOT_LANGS],
    /// `None`: an empty slot.
    pub kind: Option<Kind>,
    pub ktp_ok: bool,
    pub cross_border_ok: bool,
    pub foreign_background: bool,
    /// Languages held; more than [`HOT_LANGS`]: the record is always scored in full.
    n_langs: u8,
    pub unbacked: u16,
    // Second line.
    pub place: Option<&'static Place>,
    /// `max_distance_km`, infinite when none is given.
    pub max_km: f64,
    pub day: Option<i64>,
    /// The record's lower-cased skill labels in a Bloom filter: a label it may have.
    pub label_bloom: u64,
    /// The same for the labels its own text backs.
    pub backed_bloom: u64,
    /// [`Prepared::evidence_trades`].
    pub evidence_trades: u64,
    // Third and fourth.
    pub bits: ConceptBits,
    /// [`Prepared::evidence`] and [`Prepared::unbacked`]: what backs its skills.
    pub evidence: ConceptBits,
}

/// Asks the processor to start loading a record's [`Hot`] block (all four lines: the bound of
/// a record the rules let through reads its concepts and evidence, the third and fourth) while
/// the ranking works on earlier ones; a hint, no effect on results.
#[inline(always)]
pub fn prefetch(hot: &Hot) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let at = (hot as *const Hot).cast::<i8>();
        // SAFETY: prefetching is a hint that never faults; both addresses lie inside `hot`.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(at);
            _mm_prefetch::<_MM_HINT_T0>(at.add(64));
            _mm_prefetch::<_MM_HINT_T0>(at.add(128));
            _mm_prefetch::<_MM_HINT_T0>(at.add(192));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = hot;
}

impl Default for Hot {
    fn default() -> Hot {
        Hot {
            handle: 0,
            kind: None,
            bits: ConceptBits::default(),
            evidence: ConceptBits::default(),
            evidence_trades: 0,
            unbacked: 0,
            label_bloom: 0,
            backed_bloom: 0,
            place: None,
            day: None,
            max_km: f64::INFINITY,
            ktp_ok: false,
            cross_border_ok: false,
            foreign_background: false,
            langs: [(0, 0); HOT_LANGS],
            n_langs: 0,
        }
    }
}

impl Hot {
    pub fn of(p: &Prepared, handle: u64) -> Hot {
        let e = &p.entity;
        let mut langs = [(0, 0); HOT_LANGS];
        for (slot, l) in langs.iter_mut().zip(&p.langs) {
            *slot = *l;
        }
        Hot {
            handle,
            kind: Some(e.kind()),
            bits: p.bits,
            evidence: p.evidence,
            evidence_trades: p.evidence_trades,
            unbacked: p.unbacked,
            label_bloom: p.labels.iter().fold(0, |b, l| b | label_bloom(l)),
            backed_bloom: p
                .labels
                .iter()
                .zip(&p.label_backed)
                .filter(|(_, backed)| **backed)
                .fold(0, |b, (l, _)| b | label_bloom(l)),
            place: p.place,
            day: p.day,
            max_km: e.max_distance_km.unwrap_or(f64::INFINITY),
            ktp_ok: p.ktp_ok,
            cross_border_ok: e.cross_border_ok,
            foreign_background: e.foreign_background,
            langs,
            n_langs: u8::try_from(p.langs.len()).unwrap_or(u8::MAX),
        }
    }

    fn spoken(&self) -> Option<&[(u32, u8)]> {
        self.langs.get(..usize::from(self.n_langs))
    }
}

/// An upper bound of [`score`] for a need's candidate, from the candidate's [`Hot`] block:
/// `None` when a hard rule excludes the pair (exactly as `score` would), else a number that
/// `score` never exceeds. It is `score` itself but for the skills factor, where a skill whose
/// label the Bloom filter may hold counts as covered and backed, and the relevance floor,
/// which it leaves to `score`. Other pairs: infinity (scored in full).
pub fn bound(query: &Prepared, hot: &Hot, bm25: f32, today: i64) -> Option<f64> {
    let need = &query.entity;
    let Some(spoken) = hot.spoken() else {
        return Some(f64::INFINITY);
    };
    if need.kind() != Kind::Need || hot.kind != Some(Kind::Candidate) {
        return Some(f64::INFINITY);
    }
    if !query.ktp_ok || !hot.ktp_ok {
        return None;
    }
    if query
        .langs
        .iter()
        .any(|(k, lvl)| level_in(spoken, *k) < *lvl)
    {
        return None;
    }
    let (p, q) = (query.place?, hot.place?);
    let km = distance_km(p, q);
    if p.country != q.country && !(need.cross_border_ok && hot.cross_border_ok) {
        return None;
    }
    if !need.remote_ok && km > hot.max_km {
        return None;
    }
    let text = text_score(bm25) * listed_trust(hot.unbacked);
    // Whether a skill of the need's own list may be held (a related one does not count).
    let mut held = false;
    let skills = if query.skill_concepts.is_empty() {
        let of = query.bits.len();
        if of == 0 {
            0.0
        } else {
            query.bits.overlap(&hot.bits) as f64 / of as f64
        }
    } else {
        // As `skills_factor`, but a label a Bloom filter may hold counts as held (and backed).
        let claim = claim_weight(hot.unbacked);
        let credit: f64 = query
            .skill_concepts
            .iter()
            .map(|w| {
                let known = !w.bits.is_empty();
                if (known && !w.bits.is_disjoint(&hot.evidence))
                    || w.bloom & hot.backed_bloom == w.bloom
                {
                    held = true;
                    1.0
                } else if (known && !w.bits.is_disjoint(&hot.bits))
                    || w.bloom & hot.label_bloom == w.bloom
                {
                    held = true;
                    claim
                } else if w.trades & hot.evidence_trades != 0 {
                    RELATED_SKILL
                } else {
                    0.0
                }
            })
            .sum();
        credit / query.skill_concepts.len() as f64
    };
    // As `ktp`: no skill of the need's own list, the shared words count half (a skill of the
    // same trade is not one of them).
    let text = if !query.skill_concepts.is_empty() && !held {
        text * FILLER_TEXT
    } else {
        text
    };
    let relevant = skills > 0.0
        || (text > 0.0 && (query.bits.is_empty() || !query.bits.is_disjoint(&hot.bits)));
    if !relevant {
        return None;
    }
    // The same weights, products and sums in the same order as `ktp` and `score`: rounding
    // keeps the bound at or above the score.
    let mut weighted = [
        (0.30, text),
        (0.25, skills),
        (0.10, ktp_language_score(&query.langs, spoken)),
        (0.15, distance_score(km)),
        (0.10, availability_score(query.day, hot.day, today)),
        (0.0, 0.0),
    ];
    let n = if need.ktp_target {
        weighted[5] = (
            0.10,
            ktp_target_fit(&need.languages, spoken, hot.foreign_background).0,
        );
        6
    } else {
        5
    };
    let used = &weighted[..n];
    let total: f64 = used.iter().map(|(w, _)| w).sum();
    Some(used.iter().map(|(w, f)| w * f).sum::<f64>() / total)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.get(..2)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Swedish or Norwegian (speakers of either understand the other): one language for every
/// rule about languages.
pub fn scandinavian(code: &str) -> bool {
    matches!(code, "sv" | "nb" | "nn" | "no")
}

/// A language code as a number; Swedish and Norwegian (bokmål, nynorsk) share one, since
/// their speakers understand each other.
pub fn lang_key(code: &str) -> u32 {
    let code = if scandinavian(code) { "sv" } else { code };
    code.bytes()
        .take(4)
        .fold(0u32, |k, b| (k << 8) | u32::from(b))
}

/// The level at which `spoken` covers the language `key` (0: not at all).
fn level_in(spoken: &[(u32, u8)], key: u32) -> u8 {
    spoken
        .iter()
        .filter(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .max()
        .unwrap_or(0)
}

fn spoken_list(spoken: &[Spoken]) -> String {
    if !explaining() {
        return String::new();
    }
    spoken
        .iter()
        .map(|s| format!("{} {}", s.code, Spoken::level_name(s.level)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which side of a pair is which: the one with the need, and the one who can meet it.
pub fn track_of(query: Kind, target: Kind) -> Option<Track> {
    match (query, target) {
        (Kind::Need, Kind::Candidate) | (Kind::Candidate, Kind::Need) => Some(Track::Ktp),
        (Kind::Candidate, Kind::Mentor) | (Kind::Mentor, Kind::Candidate) => Some(Track::Mentoring),
        (Kind::Need, Kind::Mentor) | (Kind::Mentor, Kind::Need) => Some(Track::Coaching),
        (Kind::Procurement, Kind::Offer) | (Kind::Offer, Kind::Procurement) => {
            Some(Track::Procurement)
        }
        _ => None,
    }
}

struct Pair<'a> {
    /// Need, mentee or procurement.
    demand: &'a Prepared,
    /// Candidate, mentor or offer.
    supply: &'a Prepared,
}

fn distance(a: &Prepared, b: &Prepared) -> Option<(f64, String, bool)> {
    let (p, q) = (a.place?, b.place?);
    let d = distance_km(p, q);
    let crosses = p.country != q.country;
    let detail = detail!(
        "{} → {} {:.0} km{}",
        p.name,
        q.name,
        d,
        if crosses { ", crosses the border" } else { "" }
    );
    Some((d, detail, crosses))
}

fn distance_factor(km: f64, detail: String) -> Factor {
    Factor {
        name: "distance",
        score: distance_score(km),
        detail,
    }
}

fn distance_score(km: f64) -> f64 {
    1.0 / (1.0 + km / 100.0)
}

/// BM25 mapped to 0–1.
fn text_score(bm25: f32) -> f64 {
    let s = f64::from(bm25.max(0.0));
    s / (s + TEXT_HALF)
}

fn text_factor(bm25: f32, demand: &Prepared, supply: &Prepared) -> Factor {
    let v = Vocabulary::get();
    let detail = if !explaining() {
        String::new()
    } else {
        let shared: Vec<&str> = demand
            .bits
            .iter()
            .filter(|c| supply.bits.contains(*c))
            .take(6)
            .map(|c| v.concept(c).terms[2][0].as_str())
            .collect();
        if bm25 <= 0.0 {
            "no words in common".to_string()
        } else if shared.is_empty() {
            "shared words only".to_string()
        } else {
            format!("matched: {}", shared.join(", "))
        }
    };
    let trust = listed_trust(supply.unbacked);
    let detail = if trust < 1.0 && explaining() {
        format!("{detail} (many skills listed without experience behind them: counts less)")
    } else {
        detail
    };
    Factor {
        name: "text",
        score: text_score(bm25) * trust,
        detail,
    }
}

/// How far the words of a record with a long list of skills its own text does not back are
/// trusted: fully up to five such skills, then less (a stuffed list matches every query's
/// words without saying anything about the person).
pub fn listed_trust(unbacked: u16) -> f64 {
    if unbacked <= 5 {
        1.0
    } else {
        (5.0 / f64::from(unbacked)).sqrt()
    }
}

/// The weight of a skill the other side claims without evidence: half, and less when the list
/// of such claims is long (a list of fashionable words is not expertise).
pub fn claim_weight(unbacked: u16) -> f64 {
    if unbacked <= 3 {
        0.5
    } else {
        1.5 / f64::from(unbacked)
    }
}

/// Whether the other side holds a wanted skill, by a concept anywhere in its record or the
/// label itself (backed by its text or only claimed).
fn holds(w: &Wanted, supply: &Prepared) -> bool {
    (!w.bits.is_empty() && !w.bits.is_disjoint(&supply.bits))
        || supply.labels.binary_search(&w.lower).is_ok()
}

/// What a wanted skill the other side does not hold counts for when the other side's own
/// experience is in the same trade (the vocabulary's sector): a quarter. A mechanical
/// engineering degree is a start on machine design; a nurse's experience is none on CAD.
pub const RELATED_SKILL: f64 = 0.25;

/// How many of the demand side's declared skills (or support needs) the other side covers,
/// each counting fully when the other side's own text backs it (see [`claim_weight`]).
fn skills_factor(wanted: &[Wanted], demand: &Prepared, supply: &Prepared, what: &str) -> Factor {
    if wanted.is_empty() {
        let overlap = demand.bits.overlap(&supply.bits);
        let of = demand.bits.len();
        let score = if of == 0 {
            0.0
        } else {
            overlap as f64 / of as f64
        };
        return Factor {
            name: "skills",
            score,
            detail: detail!("{overlap} of {of} topics in common"),
        };
    }
    // 0: not covered; 1: claimed; 2: backed by the text; 3: not held, but of a trade the
    // text shows (a mechanical engineer for a design skill).
    let cover = |w: &Wanted| -> u8 {
        let label = supply.labels.binary_search(&w.lower).ok();
        if !holds(w, supply) {
            if w.trades & supply.evidence_trades != 0 {
                3
            } else {
                0
            }
        } else if (!w.bits.is_empty() && !w.bits.is_disjoint(&supply.evidence))
            || label.is_some_and(|i| supply.label_backed.get(i).copied().unwrap_or(false))
        {
            2
        } else {
            1
        }
    };
    let claim = claim_weight(supply.unbacked);
    let (mut count, mut claimed, mut related, mut credit) = (0, 0, 0, 0.0);
    for w in wanted {
        match cover(w) {
            2 => {
                count += 1;
                credit += 1.0;
            }
            1 => {
                count += 1;
                claimed += 1;
                credit += claim;
            }
            3 => {
                related += 1;
                credit += RELATED_SKILL;
            }
            _ => {}
        }
    }
    let score = credit / wanted.len() as f64;
    let names = if count == 0 || !explaining() {
        String::new()
    } else {
        let met: Vec<&str> = wanted
            .iter()
            .filter(|w| matches!(cover(w), 1 | 2))
            .map(|w| w.label.as_str())
            .collect();
        format!(": {}", met.join(", "))
    };
    let unbacked = if claimed > 0 {
        detail!(" ({claimed} listed without experience behind it)")
    } else {
        String::new()
    };
    let related = if related > 0 {
        detail!(" ({related} more of a trade the experience shows: counts a quarter)")
    } else {
        String::new()
    };
    Factor {
        name: "skills",
        score,
        detail: detail!(
            "{count} of {} {what}{names}{unbacked}{related}",
            wanted.len()
        ),
    }
}

fn fluency(level: u8) -> f64 {
    match level {
        5..=7 => 1.0,
        4 => 0.85,
        3 => 0.7,
        2 => 0.5,
        1 => 0.3,
        _ => 0.1,
    }
}

/// What the text factor of a KTP pair counts for when the candidate holds none of the skills
/// the need names.
const FILLER_TEXT: f64 = 0.5;

fn ktp(pair: &Pair<'_>, bm25: f32, today: i64) -> Option<Weighted> {
    let (need, cand) = (&pair.demand.entity, &pair.supply.entity);
    if !pair.demand.ktp_ok || !pair.supply.ktp_ok {
        return None;
    }
    // Every required language at its minimum level.
    let spoken = &pair.supply.langs;
    if pair
        .demand
        .langs
        .iter()
        .any(|(k, lvl)| level_in(spoken, *k) < *lvl)
    {
        return None;
    }
    let (km, dist_detail, crosses) = distance(pair.demand, pair.supply)?;
    if crosses && !(need.cross_border_ok && cand.cross_border_ok) {
        return None;
    }
    if !need.remote_ok && cand.max_distance_km.is_some_and(|max| km > max) {
        return None;
    }
    let skills = skills_factor(
        &pair.demand.skill_concepts,
        pair.demand,
        pair.supply,
        "required skills",
    );
    let mut text = text_factor(bm25, pair.demand, pair.supply);
    let skills_of_need = &pair.demand.skill_concepts;
    if !skills_of_need.is_empty() && !skills_of_need.iter().any(|w| holds(w, pair.supply)) {
        // Words in common but none of the skills the project names: a filler (the same trade's
        // customer service for a developer's project), worth half as much.
        text.score *= FILLER_TEXT;
        if explaining() {
            text.detail = format!("{} (none of the required skills: counts half)", text.detail);
        }
    }
    let mut factors = Weighted::new([
        (0.30, text),
        (0.25, skills),
        (0.10, ktp_languages(pair.demand, pair.supply)),
        (0.15, distance_factor(km, dist_detail)),
        (
            0.10,
            availability(
                pair.demand.day,
                pair.supply.day,
                today,
                &cand.date,
                &need.date,
            ),
        ),
    ]);
    if need.ktp_target {
        factors.push((0.10, ktp_target(pair.demand, pair.supply)));
    }
    Some(factors)
}

fn ktp_languages(demand: &Prepared, supply: &Prepared) -> Factor {
    let (need, cand) = (&demand.entity, &supply.entity);
    let score = ktp_language_score(&demand.langs, &supply.langs);
    if need.languages.is_empty() {
        return Factor {
            name: "languages",
            score,
            detail: detail!("{} (none required)", spoken_list(&cand.languages)),
        };
    }
    Factor {
        name: "languages",
        score,
        detail: detail!(
            "{} (needs {})",
            spoken_list(&cand.languages),
            spoken_list(&need.languages)
        ),
    }
}

/// How well the languages spoken cover those required (none required: Swedish or Norwegian,
/// whichever side of the border, one key).
fn ktp_language_score(required: &[(u32, u8)], spoken: &[(u32, u8)]) -> f64 {
    if required.is_empty() {
        return fluency(level_in(spoken, lang_key("sv")));
    }
    required
        .iter()
        .map(|(k, min)| {
            (0.75 + 0.25 * f64::from(level_in(spoken, *k).saturating_sub(*min))).min(1.0)
        })
        .sum::<f64>()
        / required.len() as f64
}

fn availability(
    start: Option<i64>,
    available: Option<i64>,
    today: i64,
    available_text: &Option<String>,
    start_text: &Option<String>,
) -> Factor {
    let detail = match (available_text, start_text) {
        (Some(a), Some(s)) => detail!("available from {a}, start {s}"),
        (Some(a), None) => detail!("available from {a}"),
        _ => detail!("available now"),
    };
    Factor {
        name: "availability",
        score: availability_score(start, available, today),
        detail,
    }
}

/// 1 when the person is available by the start, falling to 0 at six months late.
fn availability_score(start: Option<i64>, available: Option<i64>, today: i64) -> f64 {
    let start = start.unwrap_or(today);
    let available = available.unwrap_or(today).max(today);
    let late = (available - start).max(0) as f64;
    (1.0 - late / 180.0).max(0.0)
}

/// The language or culture a KTP-target company asked for. The detail never names a person's
/// background: it is private.
fn ktp_target(demand: &Prepared, supply: &Prepared) -> Factor {
    let (need, cand) = (&demand.entity, &supply.entity);
    let (score, judged) = ktp_target_fit(&need.languages, &supply.langs, cand.foreign_background);
    Factor {
        name: "ktp_target",
        score,
        detail: match judged {
            Some((lang, level)) => detail!(
                "{} {} as the company asked",
                lang.code,
                Spoken::level_name(level)
            ),
            None => detail!("fit with the KTP-target profile"),
        },
    }
}

/// The KTP-target score: the best-spoken of the languages asked for beyond Swedish, Norwegian
/// and English (and that language with the level spoken), else a foreign background.
fn ktp_target_fit<'a>(
    asked: &'a [Spoken],
    spoken: &[(u32, u8)],
    foreign: bool,
) -> (f64, Option<(&'a Spoken, u8)>) {
    const COMMON: [&str; 5] = ["sv", "nb", "nn", "no", "en"];
    let best = asked
        .iter()
        .filter(|l| !COMMON.contains(&l.code.as_str()))
        .map(|l| (l, level_in(spoken, lang_key(&l.code))))
        .max_by_key(|(_, lvl)| *lvl);
    match best {
        Some((lang, level)) => {
            let score = if level >= 5 {
                1.0
            } else if level >= lang.level {
                0.7
            } else {
                0.0
            };
            (score, Some((lang, level)))
        }
        None => (if foreign { 1.0 } else { 0.0 }, None),
    }
}

fn mentoring(pair: &Pair<'_>, bm25: f32) -> Option<Weighted> {
    let (mentee, mentor) = (&pair.demand.entity, &pair.supply.entity);
    if !pair.demand.mentoring_ok || !pair.supply.mentoring_ok {
        return None;
    }
    // A language in common: the mentee at A2 or better, the mentor at B1 or better; of two at
    // the same level, the region's own (Swedish, Norwegian) is the one named.
    let shared = mentee
        .languages
        .iter()
        .filter(|m| m.level >= 2)
        .filter_map(|m| {
            let r = level_in(&pair.supply.langs, lang_key(&m.code));
            (r >= 3).then_some((m.code.as_str(), m.level.min(r)))
        })
        .max_by_key(|(code, lvl)| (*lvl, scandinavian(code)))?;
    let (km, dist_detail, crosses) = distance(pair.demand, pair.supply)?;
    if crosses && !(mentee.cross_border_ok && mentor.cross_border_ok) {
        return None;
    }
    if !mentor.remote_ok && mentee.max_distance_km.is_some_and(|max| km > max) {
        return None;
    }
    let left = mentor.capacity_left.unwrap_or(0);
    Some(Weighted::new([
        (0.20, text_factor(bm25, pair.demand, pair.supply)),
        (
            0.20,
            skills_factor(
                &pair.demand.support_concepts,
                pair.demand,
                pair.supply,
                "support needs covered",
            ),
        ),
        (0.30, sector_factor(pair.demand, pair.supply)),
        (
            0.15,
            Factor {
                name: "languages",
                score: fluency(shared.1),
                detail: detail!("in common: {} {}", shared.0, Spoken::level_name(shared.1)),
            },
        ),
        (
            0.10,
            distance_factor(
                km,
                if mentor.remote_ok {
                    detail!("{dist_detail} (remote possible)")
                } else {
                    dist_detail
                },
            ),
        ),
        (
            0.05,
            Factor {
                name: "capacity",
                score: if left >= 2 { 1.0 } else { 0.7 },
                detail: detail!("{left} place{} free", if left == 1 { "" } else { "s" }),
            },
        ),
    ]))
}

/// What running a business is worth to a mentee whose business is established, from a mentor
/// who has not grown one: it has been started already; what it needs next is growing.
pub const ESTABLISHED_RAN: f64 = 0.7;

/// What the mentee's trade is worth when the mentor only lists it among their sectors and
/// their headline names another (a catering firm's owner who also ticked "restaurant").
pub const SECTOR_LISTED: f64 = 0.85;

/// The mentee's trade against the mentor's own (¾) and the business's stage against the
/// mentor's experience (¼): a mentor who ran a firm in the mentee's sector before a general
/// adviser. Trade: a concept of the mentee's sector in the mentor's sectors or headline 1, the
/// same family of trades (food and tourism, construction, …) .5. Stage: a business at the idea
/// or start needs someone who started or ran one (1, else .3); an established one needs
/// experience of growing one (management, strategy, export, boards, recruitment: 1), and
/// gains less from someone who ran one without that ([`ESTABLISHED_RAN`], else .3).
fn sector_factor(mentee: &Prepared, mentor: &Prepared) -> Factor {
    let same_label = mentee
        .sector_labels
        .iter()
        .any(|m| mentor.sector_labels.contains(m));
    let same_trade = same_label || !mentee.sector_bits.is_disjoint(&mentor.sector_bits);
    // A trade the mentor's headline names is what they did; one only listed among their
    // sectors is a claim (the evidence rule of skills, applied to sectors).
    let named = || {
        mentor
            .headline
            .as_ref()
            .is_some_and(|h| h.names(&mentee.sector_bits, &mentee.sector_labels))
    };
    let trade = if same_trade && named() {
        1.0
    } else if same_trade {
        SECTOR_LISTED
    } else if mentee.families & mentor.families != 0 {
        0.5
    } else {
        0.0
    };
    let established = mentee.entity.stage.as_deref() == Some("established");
    let stage = match (established, mentor.ran_business, mentor.grows_business) {
        (false, true, _) | (true, _, true) => 1.0,
        (true, true, false) => ESTABLISHED_RAN,
        _ => 0.3,
    };
    let sector = mentee.entity.sectors.join(", ");
    let detail = match (trade, mentor.ran_business) {
        (t, true) if t >= 1.0 => detail!("{sector}: the mentor's own trade; has run a business"),
        (t, false) if t >= 1.0 => detail!("{sector}: the mentor's own trade"),
        (t, true) if t >= SECTOR_LISTED => {
            detail!("{sector}: among the mentor's sectors; has run a business")
        }
        (t, false) if t >= SECTOR_LISTED => detail!("{sector}: among the mentor's sectors"),
        (t, ran) if t > 0.0 => detail!(
            "{sector}: a related trade{}",
            if ran { "; has run a business" } else { "" }
        ),
        (_, true) => detail!("has run a business, in another trade"),
        (_, false) => detail!("another trade"),
    };
    Factor {
        name: "sector",
        score: 0.75 * trade + 0.25 * stage,
        detail,
    }
}

/// A company's need and a mentor who coaches companies: what the need asks for against the
/// coach's expertise and sectors, then the distance (a coach who works remotely, or a need
/// open to remote work, is never too far) and the coach's free places. Across the border only
/// when both are open to it.
fn coaching(pair: &Pair<'_>, bm25: f32) -> Option<Weighted> {
    let (need, coach) = (&pair.demand.entity, &pair.supply.entity);
    if !pair.demand.coaching_ok || !pair.supply.coaching_ok {
        return None;
    }
    let (km, dist_detail, crosses) = distance(pair.demand, pair.supply)?;
    if crosses && !(need.cross_border_ok && coach.cross_border_ok) {
        return None;
    }
    let remote = need.remote_ok || coach.remote_ok;
    if !remote && coach.max_distance_km.is_some_and(|max| km > max) {
        return None;
    }
    let left = coach.capacity_left.unwrap_or(0);
    Some(Weighted::new([
        (0.35, text_factor(bm25, pair.demand, pair.supply)),
        (
            0.35,
            skills_factor(
                &pair.demand.skill_concepts,
                pair.demand,
                pair.supply,
                "what the need asks for",
            ),
        ),
        (
            0.20,
            distance_factor(
                km,
                if remote {
                    detail!("{dist_detail} (remote possible)")
                } else {
                    dist_detail
                },
            ),
        ),
        (
            0.10,
            Factor {
                name: "capacity",
                score: if left >= 2 { 1.0 } else { 0.7 },
                detail: detail!("{left} place{} free", if left == 1 { "" } else { "s" }),
            },
        ),
    ]))
}

fn procurement(pair: &Pair<'_>, bm25: f32, today: i64) -> Option<Weighted> {
    let (proc_, offer) = (&pair.demand.entity, &pair.supply.entity);
    if !pair.demand.procurement_ok || !pair.supply.procurement_ok {
        return None;
    }
    let cpv = Cpv::get();
    // Each wanted code's closest offered code (see `Cpv::closeness`: siblings in the same
    // group count, another group of the division and a broad parent little, other divisions
    // not at all).
    let covered: Vec<(&str, f64)> = proc_
        .cpv
        .iter()
        .filter_map(|p| {
            offer
                .cpv
                .iter()
                .filter_map(|o| cpv.closeness(p, o))
                .max_by(f64::total_cmp)
                .map(|s| (p.as_str(), s))
        })
        .collect();
    if covered.is_empty() {
        return None;
    }
    let (km, dist_detail, crosses) = nearest_served(pair.demand, pair.supply)?;
    if crosses && !offer.cross_border_ok {
        return None;
    }
    let cpv_score = covered.iter().map(|(_, s)| s).sum::<f64>() / proc_.cpv.len().max(1) as f64;
    let codes = if explaining() {
        covered
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        String::new()
    };
    let open = pair.demand.day.is_none_or(|d| d >= today);
    Some(Weighted::new([
        (0.30, text_factor(bm25, pair.demand, pair.supply)),
        (
            0.35,
            Factor {
                name: "cpv",
                score: cpv_score,
                detail: detail!("{} of {} codes: {codes}", covered.len(), proc_.cpv.len()),
            },
        ),
        (
            0.20,
            if delivered_from_anywhere(&proc_.cpv) {
                Factor {
                    name: "distance",
                    score: 1.0,
                    detail: detail!("{dist_detail} (software and IT: delivered from anywhere)"),
                }
            } else {
                distance_factor(km, dist_detail)
            },
        ),
        (
            0.15,
            Factor {
                name: "availability",
                score: if open { 1.0 } else { 0.3 },
                detail: match (&proc_.date, open) {
                    (Some(d), true) => detail!("dialogue open until {d}"),
                    (Some(d), false) => detail!("dialogue deadline {d} has passed"),
                    (None, _) => detail!("no dialogue deadline"),
                },
            },
        ),
    ]))
}

/// CPV divisions whose supplies a buyer takes from anywhere: software packages (48) and IT
/// services (72). A procurement buying only these ranks its offers without regard to distance
/// (as a KTP need open to remote work); cleaning, transport, meals or building works keep it.
pub const DELIVERED_FROM_ANYWHERE: [&str; 2] = ["48", "72"];

fn delivered_from_anywhere(codes: &[String]) -> bool {
    !codes.is_empty()
        && codes
            .iter()
            .all(|c| DELIVERED_FROM_ANYWHERE.iter().any(|d| c.starts_with(d)))
}

/// The nearest place an offer serves (its own municipality when it names none).
fn nearest_served(procurement: &Prepared, offer: &Prepared) -> Option<(f64, String, bool)> {
    let p = procurement.place?;
    let g = Gazetteer::get();
    let places: Vec<&Place> = if offer.entity.serves.is_empty() {
        offer.place.into_iter().collect()
    } else {
        offer
            .entity
            .serves
            .iter()
            .filter_map(|s| g.lookup_key(s))
            .collect()
    };
    let nearest = places
        .into_iter()
        .min_by(|a, b| distance_km(p, a).total_cmp(&distance_km(p, b)))?;
    let crosses = offer.place.is_some_and(|o| o.country != p.country);
    let d = distance_km(p, nearest);
    let detail = if d < 1.0 {
        detail!(
            "serves {}{}",
            p.name,
            if crosses {
                ", from across the border"
            } else {
                ""
            }
        )
    } else {
        detail!(
            "{} → {} {:.0} km{}",
            nearest.name,
            p.name,
            d,
            if crosses { ", crosses the border" } else { "" }
        )
    };
    Some((d, detail, crosses))
}

/// Below this, what a pair has in common (its topical factors, [`topical`]) is too little to
/// be worth an officer's introduction: the list ends there ("no more good matches").
pub const MIN_RELEVANCE: f64 = 0.12;

/// The weighted mean of the factors about what the two have in common: text, skills, sector,
/// CPV (not distance, languages, dates or places, which make a good match better but never
/// make a match).
fn topical(weighted: &[(f64, Factor)]) -> f64 {
    let (sum, of) = weighted
        .iter()
        .filter(|(_, f)| matches!(f.name, "text" | "skills" | "sector" | "cpv"))
        .fold((0.0, 0.0), |(s, o), (w, f)| (s + w * f.score, o + w));
    if of > 0.0 {
        sum / of
    } else {
        0.0
    }
}

/// The pair's factors by its track, the demand side first; `None` when a hard rule excludes it.
fn weighed<'a>(
    query: &'a Prepared,
    target: &'a Prepared,
    bm25: f32,
    today: i64,
) -> Option<(Pair<'a>, Weighted)> {
    let track = track_of(query.entity.kind(), target.entity.kind())?;
    let demand_first = matches!(query.entity.kind(), Kind::Need | Kind::Procurement)
        || (query.entity.kind() == Kind::Candidate && track == Track::Mentoring);
    let pair = if demand_first {
        Pair {
            demand: query,
            supply: target,
        }
    } else {
        Pair {
            demand: target,
            supply: query,
        }
    };
    let weighted = match track {
        Track::Ktp => ktp(&pair, bm25, today)?,
        Track::Mentoring => mentoring(&pair, bm25)?,
        Track::Coaching => coaching(&pair, bm25)?,
        Track::Procurement => procurement(&pair, bm25, today)?,
    };
    Some((pair, weighted))
}

/// Whether the hard rules allow the pair at all (whatever its relevance): what a baseline in
/// the evaluation is filtered by.
pub fn eligible(query: &Prepared, target: &Prepared, today: i64) -> bool {
    without_details(|| weighed(query, target, 0.0, today).is_some())
}

/// Scores a pair, `query` being the record the officer asked matches for. `None`: a hard rule
/// excludes it, or nothing in it is relevant (no shared word, skill or code). An officer may
/// introduce any such pair; lists show only those above [`MIN_RELEVANCE`] ([`score_listed`]).
pub fn score(
    query: &Prepared,
    target: &Prepared,
    bm25: f32,
    today: i64,
) -> Option<(f64, Vec<Factor>)> {
    scored(query, target, bm25, today, 0.0)
}

/// [`score`] for a list of matches: `None` also below [`MIN_RELEVANCE`].
pub fn score_listed(
    query: &Prepared,
    target: &Prepared,
    bm25: f32,
    today: i64,
) -> Option<(f64, Vec<Factor>)> {
    scored(query, target, bm25, today, MIN_RELEVANCE)
}

/// [`score`] for the list of a KTP need or graduate that has no match at all: the pairs whose
/// experience is in the trade of a skill asked for (a mechanical engineer for a machine
/// designer's project nobody in the region holds the skills for). `None` for other pairs and
/// other tracks. See [`crate::SearchIndex::matches`].
pub fn score_related(
    query: &Prepared,
    target: &Prepared,
    bm25: f32,
    today: i64,
) -> Option<(f64, Vec<Factor>)> {
    let (need, cand) = match (query.entity.kind(), target.entity.kind()) {
        (Kind::Need, Kind::Candidate) => (query, target),
        (Kind::Candidate, Kind::Need) => (target, query),
        _ => return None,
    };
    if need.wanted_trades() & cand.evidence_trades == 0 {
        return None;
    }
    scored(query, target, bm25, today, 0.0)
}

fn scored(
    query: &Prepared,
    target: &Prepared,
    bm25: f32,
    today: i64,
    floor: f64,
) -> Option<(f64, Vec<Factor>)> {
    let (pair, weighted) = weighed(query, target, bm25, today)?;
    // Relevant: a skill, topic, trade or code in common (the second factor of every track,
    // the sector in mentoring); plain shared words (the first) count only where the vocabulary
    // knows nothing of what was asked.
    let (text, second) = (weighted[0].1.score, weighted[1].1.score);
    let trade = weighted
        .iter()
        .any(|(_, f)| f.name == "sector" && f.score >= 0.5);
    let relevant = second > 0.0
        || trade
        || (text > 0.0
            && (pair.demand.bits.is_empty() || !pair.demand.bits.is_disjoint(&pair.supply.bits)));
    if !relevant || topical(&weighted) < floor {
        return None;
    }
    let total: f64 = weighted.iter().map(|(w, _)| w).sum();
    let score = weighted.iter().map(|(w, f)| w * f.score).sum::<f64>() / total;
    let factors = if explaining() {
        weighted.into_factors()
    } else {
        Vec::new()
    };
    Some((score, factors))
}

#[cfg(test)]
pub(crate) mod tests;
