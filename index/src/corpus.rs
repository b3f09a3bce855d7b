//! A seeded synthetic corpus for benchmarks: candidates written in Swedish, Norwegian or
//! English from the skill vocabulary (skills drawn Zipf-distributed), living in real
//! municipalities (mostly in the programme area), and KTP needs each with planted true matches:
//! candidates who have every skill the need asks for (two written in the need's language, three
//! in another), nearby, speaking what it requires.

use crate::entity::{Entity, Kind, Spoken};
use crate::gazetteer::{distance_km, Gazetteer, Place};
use crate::vocabulary::Vocabulary;

/// SplitMix64: small, fast and the same everywhere for the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A need and the ids of the candidates planted to match it.
pub struct Query {
    pub need: Entity,
    pub planted: Vec<String>,
}

pub struct Corpus {
    pub candidates: Vec<Entity>,
    pub queries: Vec<Query>,
}

const PLANTED: usize = 5;
const REGION: [&str; 4] = ["SE-20", "SE-17", "NO-34", "NO-50"];
const NEWCOMER_LANGUAGES: [&str; 6] = ["ar", "ti", "so", "fa", "uk", "prs"];

/// Sentences per language (Swedish, Norwegian, English); `{a}`, `{b}` are skills.
const SENTENCES: [&[&str]; 3] = [
    &[
        "Jag har arbetat med {a} och {b} i flera år.",
        "Utbildad inom {a}, med praktik inom {b}.",
        "Söker ett utvecklingsprojekt där {a} behövs.",
        "Har lett projekt inom {b} på ett mindre företag.",
        "Intresserad av {a} i industrin.",
    ],
    &[
        "Jeg har jobbet med {a} og {b} i flere år.",
        "Utdannet innen {a}, med praksis innen {b}.",
        "Søker et utviklingsprosjekt der {a} trengs.",
        "Har ledet prosjekter innen {b} i en mindre bedrift.",
        "Interessert i {a} i industrien.",
    ],
    &[
        "I have worked with {a} and {b} for several years.",
        "Trained in {a}, with practice in {b}.",
        "Looking for a development project that needs {a}.",
        "Led projects in {b} at a small company.",
        "Interested in {a} in industry.",
    ],
];
const LOCAL: [&str; 3] = ["sv", "nb", "en"];

struct Draw {
    /// Concepts in Zipf order, with cumulative weights.
    order: Vec<usize>,
    cumulative: Vec<f64>,
    region: Vec<&'static Place>,
    all: Vec<&'static Place>,
}

impl Draw {
    fn new(rng: &mut Rng) -> Draw {
        let n = Vocabulary::get().concepts().len();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                total += 1.0 / (r as f64).powf(1.07);
                total
            })
            .collect();
        let g = Gazetteer::get();
        let region = g
            .all()
            .iter()
            .filter(|p| REGION.contains(&p.county_key().as_str()))
            .collect();
        Draw {
            order,
            cumulative,
            region,
            all: g.all().iter().collect(),
        }
    }

    fn concept(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let i = self
            .cumulative
            .partition_point(|c| *c < x)
            .min(self.order.len() - 1);
        self.order[i]
    }

    /// A concept from the long tail: rarer skills make a need specific.
    fn rare_concept(&self, rng: &mut Rng) -> usize {
        self.order[40 + rng.below(self.order.len() - 40)]
    }

    fn place(&self, rng: &mut Rng) -> &'static Place {
        let from = if rng.chance(0.85) {
            &self.region
        } else {
            &self.all
        };
        from[rng.below(from.len())]
    }

    /// One of the five municipalities nearest `p` (itself included), in the same country
    /// unless `cross` allows the other.
    fn near(&self, rng: &mut Rng, p: &Place, cross: bool) -> &'static Place {
        let mut near: Vec<&'static Place> = self
            .region
            .iter()
            .copied()
            .filter(|q| cross || q.country == p.country)
            .collect();
        near.sort_by(|a, b| distance_km(p, a).total_cmp(&distance_km(p, b)));
        near.truncate(5);
        near[rng.below(near.len())]
    }
}

fn term(concept: usize, lang: usize, rng: &mut Rng) -> String {
    let terms = &Vocabulary::get().concept(concept).terms[lang];
    rng.pick(terms).clone()
}

fn text(skills: &[String], lang: usize, rng: &mut Rng) -> String {
    (0..3)
        .map(|_| {
            let a = rng.pick(skills).clone();
            let b = rng.pick(skills).clone();
            rng.pick(SENTENCES[lang])
                .replace("{a}", &a)
                .replace("{b}", &b)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn date(rng: &mut Rng, year: u32) -> String {
    format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28))
}

fn candidate(
    rng: &mut Rng,
    d: &Draw,
    id: String,
    concepts: &[usize],
    place: &Place,
    lang: usize,
) -> Entity {
    let skills: Vec<String> = concepts.iter().map(|c| term(*c, lang, rng)).collect();
    let mut languages = vec![Spoken {
        code: LOCAL[lang].into(),
        level: 7,
    }];
    if lang != 2 {
        languages.push(Spoken {
            code: "en".into(),
            level: 4 + rng.below(3) as u8,
        });
    }
    let foreign = rng.chance(0.15);
    if foreign {
        languages[0].level = 3 + rng.below(3) as u8;
        languages.push(Spoken {
            code: (*rng.pick(&NEWCOMER_LANGUAGES)).into(),
            level: 7,
        });
    }
    let _ = d;
    Entity {
        kind: Some(Kind::Candidate),
        id,
        title: format!(
            "{} · {}",
            skills[0],
            skills.get(1).cloned().unwrap_or_default()
        ),
        text: text(&skills, lang, rng),
        skills,
        languages,
        municipality: place.key(),
        max_distance_km: Some([30.0, 80.0, 150.0, 300.0, 600.0][rng.below(5)]),
        cross_border_ok: rng.chance(0.7),
        date: Some(date(rng, 2027)),
        active: rng.chance(0.95),
        consents: if rng.chance(0.9) {
            vec!["matching_ktp".into(), "contact".into()]
        } else {
            vec!["contact".into()]
        },
        seeks_ktp: rng.chance(0.9),
        foreign_background: foreign,
        ..Entity::default()
    }
}

/// `n` candidates and `queries` needs with planted matches, the same for the same seed.
pub fn generate(n: usize, queries: usize, seed: u64) -> Corpus {
    let mut rng = Rng::new(seed);
    let d = Draw::new(&mut rng);
    let mut candidates = Vec::with_capacity(n + queries * PLANTED);
    for i in 0..n {
        let k = 3 + rng.below(4);
        let concepts: Vec<usize> = (0..k).map(|_| d.concept(&mut rng)).collect();
        let place = d.place(&mut rng);
        let lang = [0, 0, 0, 1, 1, 1, 2][rng.below(7)];
        candidates.push(candidate(
            &mut rng,
            &d,
            format!("c{i:07}"),
            &concepts,
            place,
            lang,
        ));
    }
    let mut out = Vec::with_capacity(queries);
    for q in 0..queries {
        let lang = rng.below(3);
        let concepts = vec![
            d.concept(&mut rng),
            d.rare_concept(&mut rng),
            d.rare_concept(&mut rng),
        ];
        let skills: Vec<String> = concepts.iter().map(|c| term(*c, lang, &mut rng)).collect();
        let place = *rng.pick(&d.region);
        let local = if place.country == crate::Country::No {
            "nb"
        } else {
            "sv"
        };
        let languages = match rng.below(5) {
            0 | 1 => Vec::new(),
            2 => vec![Spoken {
                code: "ar".into(),
                level: 4,
            }],
            _ => vec![Spoken {
                code: local.into(),
                level: 3 + rng.below(2) as u8,
            }],
        };
        let need = Entity {
            kind: Some(Kind::Need),
            id: format!("n{q:04}"),
            title: skills.join(", "),
            text: text(&skills, lang, &mut rng),
            skills,
            ktp_target: languages.iter().any(|l| l.code == "ar"),
            languages,
            municipality: place.key(),
            remote_ok: rng.chance(0.15),
            cross_border_ok: rng.chance(0.7),
            date: Some(date(&mut rng, 2027)),
            active: true,
            ..Entity::default()
        };
        let mut planted = Vec::new();
        for p in 0..PLANTED {
            // Two written in the need's language, three in another: both must be found.
            let other = if p < 2 {
                lang
            } else {
                (lang + 1 + rng.below(2)) % 3
            };
            let near = d.near(&mut rng, place, need.cross_border_ok);
            let mut c = candidate(&mut rng, &d, format!("p{q:04}-{p}"), &concepts, near, other);
            for req in &need.languages {
                c.languages.push(Spoken {
                    code: req.code.clone(),
                    level: 7,
                });
            }
            c.active = true;
            c.consents = vec!["matching_ktp".into()];
            c.seeks_ktp = true;
            c.cross_border_ok = true;
            c.max_distance_km = Some(300.0);
            c.date = Some("2026-12-01".into());
            planted.push(c.id.clone());
            candidates.push(c);
        }
        out.push(Query { need, planted });
    }
    // Planted records are not grouped at the end: shuffle deterministically.
    for i in (1..candidates.len()).rev() {
        let j = rng.below(i + 1);
        candidates.swap(i, j);
    }
    Corpus {
        candidates,
        queries: out,
    }
}

/// nDCG@k of a ranking against a set of relevant ids (binary relevance).
pub fn ndcg(ranked: &[String], relevant: &[String], k: usize) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| relevant.contains(id))
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(k))
        .map(|i| 1.0 / ((i + 2) as f64).log2())
        .sum();
    if ideal == 0.0 {
        0.0
    } else {
        dcg / ideal
    }
}

/// Recall@k: the share of relevant ids in the first `k`.
pub fn recall(ranked: &[String], relevant: &[String], k: usize) -> f64 {
    let found = ranked
        .iter()
        .take(k)
        .filter(|id| relevant.contains(id))
        .count();
    found as f64 / relevant.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_corpus() {
        let a = generate(200, 5, 7);
        let b = generate(200, 5, 7);
        assert_eq!(a.candidates, b.candidates);
        assert_eq!(a.candidates.len(), 200 + 5 * PLANTED);
        assert_ne!(generate(200, 5, 8).candidates, a.candidates);
    }

    #[test]
    fn ranking_metrics_are_right_on_small_cases() {
        let rel = vec!["a".to_string(), "b".to_string()];
        let perfect = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert!((ndcg(&perfect, &rel, 10) - 1.0).abs() < 1e-12);
        let late = vec!["c".to_string(), "a".to_string(), "b".to_string()];
        assert!(ndcg(&late, &rel, 10) < 1.0);
        assert_eq!(recall(&late, &rel, 2), 0.5);
    }

    #[test]
    fn planted_matches_lead_the_ranking() {
        let corpus = generate(2000, 10, 42);
        let index = crate::SearchIndex::in_memory().expect("index");
        let mut a = crate::vocabulary::Analyzers::default();
        for c in &corpus.candidates {
            index.upsert(c.clone(), &mut a).expect("upsert");
        }
        index.commit(1).expect("commit");
        let today = crate::rank::day_number("2026-11-28").expect("today");
        let mean: f64 = corpus
            .queries
            .iter()
            .map(|q| {
                let hits = index
                    .matches(&q.need, Kind::Candidate, 20, today)
                    .expect("matches");
                let ids: Vec<String> = hits.into_iter().map(|h| h.id).collect();
                ndcg(&ids, &q.planted, 10)
            })
            .sum::<f64>()
            / corpus.queries.len() as f64;
        assert!(mean > 0.8, "mean nDCG@10 {mean}");
    }
}
