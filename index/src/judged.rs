//! The judged set (`eval/judged.txt`): records, the queries an officer would ask, and graded
//! judgments, with the measures the evaluation command prints (`cargo bench -p heartland-index
//! --bench judged`). The file's header explains its format and how it was written.

use crate::entity::{Entity, Kind, Spoken};
use crate::index::SearchIndex;
use crate::rank::{self, Prepared};
use crate::vocabulary::Analyzers;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The judged set as the repository keeps it.
pub const JUDGED: &str = include_str!("../../eval/judged.txt");

/// The day the set is evaluated on.
pub const TODAY: &str = "2026-12-01";

/// A grade: 0–3, or `None` for a pair the officer must never be shown (a hard rule of one of
/// the two parties excludes it).
pub type Grade = Option<u8>;

#[derive(Debug, Clone)]
pub struct Query {
    pub id: String,
    /// `ktp`, `mentoring` or `procurement`.
    pub track: String,
    pub from: (Kind, String),
    pub judged: BTreeMap<String, Grade>,
}

impl Query {
    /// The kind of record the query asks for.
    pub fn target(&self) -> Kind {
        match (self.track.as_str(), self.from.0) {
            ("ktp", Kind::Need) => Kind::Candidate,
            ("ktp", _) => Kind::Need,
            ("mentoring", Kind::Mentor) => Kind::Candidate,
            ("mentoring", _) => Kind::Mentor,
            (_, Kind::Procurement) => Kind::Offer,
            _ => Kind::Procurement,
        }
    }

    /// The direction, for reports: `ktp need→candidate` and so on.
    pub fn direction(&self) -> String {
        format!(
            "{} {}→{}",
            self.track,
            self.from.0.as_str(),
            self.target().as_str()
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct JudgedSet {
    pub records: Vec<Entity>,
    pub queries: Vec<Query>,
}

impl JudgedSet {
    pub fn get() -> JudgedSet {
        JudgedSet::parse(JUDGED).unwrap_or_else(|e| panic!("eval/judged.txt: {e}"))
    }

    pub fn record(&self, kind: Kind, id: &str) -> Option<&Entity> {
        self.records.iter().find(|e| e.kind() == kind && e.id == id)
    }

    /// Parses the file; an error names the line.
    pub fn parse(text: &str) -> Result<JudgedSet, String> {
        let mut set = JudgedSet::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |e: String| format!("line {}: {e}", n + 1);
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or_default();
            if let Some(kind) = record_kind(first) {
                let (id, place) = (words.next(), words.next());
                let (Some(id), Some(place)) = (id, place) else {
                    return Err(at("a record needs an id and a municipality".into()));
                };
                set.records.push(new_record(kind, id, place));
            } else if first == "query" {
                let parts: Vec<&str> = words.collect();
                let [id, track, from] = parts[..] else {
                    return Err(at("query ID TRACK KIND:ID".into()));
                };
                let (kind, rid) = from
                    .split_once(':')
                    .and_then(|(k, r)| Some((record_kind(k)?, r.to_string())))
                    .ok_or_else(|| at(format!("{from}: expected KIND:ID")))?;
                set.queries.push(Query {
                    id: id.into(),
                    track: track.into(),
                    from: (kind, rid),
                    judged: BTreeMap::new(),
                });
            } else if let Some(grade) = parse_grade(first) {
                let q = set
                    .queries
                    .last_mut()
                    .ok_or_else(|| at("a grade before any query".into()))?;
                for id in words {
                    if q.judged.insert(id.to_string(), grade).is_some() {
                        return Err(at(format!("{id} judged twice in {}", q.id)));
                    }
                }
            } else if let Some((key, value)) = line.split_once(':') {
                let e = set
                    .records
                    .last_mut()
                    .ok_or_else(|| at("a field before any record".into()))?;
                set_field(e, key.trim(), value.trim()).map_err(at)?;
            } else {
                return Err(at(format!("cannot read {line:?}")));
            }
        }
        set.check()?;
        Ok(set)
    }

    /// Every query and judged record exists, of the kind the track asks for.
    fn check(&self) -> Result<(), String> {
        for q in &self.queries {
            if self.record(q.from.0, &q.from.1).is_none() {
                return Err(format!("{}: no record {}", q.id, q.from.1));
            }
            for id in q.judged.keys() {
                if self.record(q.target(), id).is_none() {
                    return Err(format!("{}: no {} {id}", q.id, q.target().as_str()));
                }
            }
        }
        Ok(())
    }

    /// This ranking's top `k` ids per query, from an index of the whole set.
    pub fn ours(&self, k: usize) -> Vec<Vec<String>> {
        let index = match SearchIndex::in_memory() {
            Ok(i) => i,
            Err(e) => panic!("index: {e}"),
        };
        if let Err(e) = index
            .upsert_batch(self.records.clone())
            .and_then(|()| index.commit(1))
        {
            panic!("index: {e}");
        }
        let today = today();
        self.queries
            .iter()
            .map(|q| {
                let from = self
                    .record(q.from.0, &q.from.1)
                    .cloned()
                    .unwrap_or_default();
                index
                    .matches(&from, q.target(), k, today)
                    .map(|hits| hits.into_iter().map(|h| h.id).collect())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Whether the hard rules allow showing `target` for `query` (the filter given to
    /// baselines: what the ranking never breaks, without its relevance floor).
    pub fn allowed(&self) -> impl Fn(&Query, &str) -> bool + '_ {
        let mut analyzers = Analyzers::default();
        let prepared: HashMap<(Kind, String), Prepared> = self
            .records
            .iter()
            .map(|e| {
                (
                    (e.kind(), e.id.clone()),
                    Prepared::new(e.clone(), &mut analyzers),
                )
            })
            .collect();
        let today = today();
        move |q: &Query, id: &str| {
            let from = prepared.get(&q.from);
            let to = prepared.get(&(q.target(), id.to_string()));
            match (from, to) {
                (Some(a), Some(b)) => rank::eligible(a, b, today),
                _ => false,
            }
        }
    }
}

fn today() -> i64 {
    rank::day_number(TODAY).unwrap_or_default()
}

fn record_kind(word: &str) -> Option<Kind> {
    match word {
        "need" => Some(Kind::Need),
        "cand" => Some(Kind::Candidate),
        "mentor" => Some(Kind::Mentor),
        "proc" => Some(Kind::Procurement),
        "offer" => Some(Kind::Offer),
        _ => None,
    }
}

fn parse_grade(word: &str) -> Option<Grade> {
    match word {
        "x" => Some(None),
        "0" | "1" | "2" | "3" => word.parse().ok().map(Some),
        _ => None,
    }
}

/// A record as the service's indexer would describe it: active, its person consenting to
/// every track, a candidate seeking KTP unless told otherwise.
fn new_record(kind: Kind, id: &str, place: &str) -> Entity {
    Entity {
        kind: Some(kind),
        id: id.into(),
        municipality: place.into(),
        active: true,
        consents: ["matching_ktp", "matching_mentoring", "matching_procurement"]
            .map(String::from)
            .into(),
        seeks_ktp: kind == Kind::Candidate,
        ..Entity::default()
    }
}

fn list(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn set_field(e: &mut Entity, key: &str, value: &str) -> Result<(), String> {
    match key {
        "title" => e.title = value.into(),
        "text" => e.text = value.into(),
        "skills" => e.skills = list(value),
        "support" => e.support_needs = list(value),
        "cpv" => e.cpv = list(value),
        "serves" => e.serves = list(value),
        "date" => e.date = Some(value.into()),
        "max_km" => e.max_distance_km = Some(value.parse().map_err(|_| "max_km: a number")?),
        "capacity" => e.capacity_left = Some(value.parse().map_err(|_| "capacity: a number")?),
        "seeking" => e.seeks_ktp = value.split_whitespace().any(|s| s == "ktp"),
        "langs" => {
            e.languages = value
                .split(',')
                .filter_map(|l| {
                    let (code, level) = l.trim().split_once(' ')?;
                    Some(Spoken {
                        code: code.into(),
                        level: Spoken::level_of(level.trim()),
                    })
                })
                .collect()
        }
        "sectors" => {
            // As the service describes a mentor: the sectors are its searchable text too.
            e.sectors = list(value);
            e.text = e.sectors.join(". ");
        }
        "business" => {
            let mut parts = value.splitn(3, '|').map(str::trim);
            let (stage, sector, description) = (parts.next(), parts.next(), parts.next());
            e.mentee = true;
            e.stage = stage.map(String::from);
            e.sectors = sector
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_string())
                .collect();
            e.text = format!(
                "{}\n{}\n{}",
                e.text,
                sector.unwrap_or_default(),
                description.unwrap_or_default()
            );
        }
        "flags" => {
            for flag in value.split_whitespace() {
                match flag {
                    "remote" => e.remote_ok = true,
                    "cross_border" => e.cross_border_ok = true,
                    "ktp_target" => e.ktp_target = true,
                    "foreign" => e.foreign_background = true,
                    other => return Err(format!("unknown flag {other}")),
                }
            }
        }
        other => return Err(format!("unknown field {other}")),
    }
    Ok(())
}

/// Measures of one engine over some queries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measures {
    pub queries: usize,
    pub ndcg10: f64,
    pub p5: f64,
    pub recall10: f64,
    /// Results in a top 10 judged `x`.
    pub violations10: usize,
    /// The same in a top 5.
    pub violations5: usize,
}

/// nDCG@10 (gain 2^grade − 1, the ideal from every judged grade), P@5 and recall@10 (relevant:
/// grade 2 or 3), and hard-rule violations, averaged over `queries` (indices into `set`).
pub fn measure(set: &JudgedSet, results: &[Vec<String>], queries: &[usize]) -> Measures {
    let mut m = Measures {
        queries: queries.len(),
        ..Measures::default()
    };
    for &i in queries {
        let (Some(q), Some(r)) = (set.queries.get(i), results.get(i)) else {
            continue;
        };
        let grade = |id: &String| q.judged.get(id).copied();
        let gain = |g: u8| f64::from((1u32 << g) - 1);
        let dcg: f64 = r
            .iter()
            .take(10)
            .enumerate()
            .map(|(pos, id)| gain(grade(id).flatten().unwrap_or(0)) / (pos as f64 + 2.0).log2())
            .sum();
        let mut ideal: Vec<u8> = q.judged.values().filter_map(|g| *g).collect();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let idcg: f64 = ideal
            .iter()
            .take(10)
            .enumerate()
            .map(|(pos, g)| gain(*g) / (pos as f64 + 2.0).log2())
            .sum();
        if idcg > 0.0 {
            m.ndcg10 += dcg / idcg;
        }
        let good = |id: &String| grade(id).flatten().is_some_and(|g| g >= 2);
        m.p5 += r.iter().take(5).filter(|id| good(id)).count() as f64 / 5.0;
        let relevant = q
            .judged
            .values()
            .filter(|g| g.is_some_and(|g| g >= 2))
            .count();
        if relevant > 0 {
            m.recall10 += r.iter().take(10).filter(|id| good(id)).count() as f64 / relevant as f64;
        }
        let bad = |id: &&String| grade(id) == Some(None);
        m.violations10 += r.iter().take(10).filter(bad).count();
        m.violations5 += r.iter().take(5).filter(bad).count();
    }
    let n = queries.len().max(1) as f64;
    m.ndcg10 /= n;
    m.p5 /= n;
    m.recall10 /= n;
    m
}

/// The query indices by track, `all` first.
pub fn by_track(set: &JudgedSet) -> Vec<(String, Vec<usize>)> {
    let mut tracks: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, q) in set.queries.iter().enumerate() {
        tracks.entry(q.track.clone()).or_default().push(i);
    }
    let mut out = vec![("all".to_string(), (0..set.queries.len()).collect())];
    out.extend(tracks);
    out
}

/// A record's analysed terms in the three languages (stems, stop words out), each once: what
/// this ranking's text query is made of, given to the baselines too.
pub fn terms(e: &Entity, analyzers: &mut Analyzers) -> Vec<String> {
    let seen: BTreeSet<String> = analyzers
        .analyse(&e.full_text())
        .into_iter()
        .flatten()
        .map(|s| s.to_string())
        .collect();
    seen.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_judged_set_is_large_enough_and_reads_whole() {
        let set = JudgedSet::get();
        assert!(set.queries.len() >= 60, "{} queries", set.queries.len());
        let pairs: usize = set.queries.iter().map(|q| q.judged.len()).sum();
        assert!(pairs >= 300, "{pairs} judged pairs");
        for track in ["ktp", "mentoring", "procurement"] {
            let directions: BTreeSet<Kind> = set
                .queries
                .iter()
                .filter(|q| q.track == track)
                .map(|q| q.from.0)
                .collect();
            assert_eq!(directions.len(), 2, "{track}: both directions");
        }
        assert!(set
            .queries
            .iter()
            .all(|q| q.judged.values().any(|g| *g >= Some(2))));
    }

    #[test]
    fn measures_are_right_on_a_small_case() {
        let set = JudgedSet::parse(
            "cand a SE-2062\ncand b SE-2062\ncand c SE-2062\nneed n SE-2062\n\
             query q ktp need:n\n3 a\n1 b\nx c\n",
        )
        .unwrap_or_default();
        let perfect = measure(&set, &[vec!["a".into(), "b".into()]], &[0]);
        assert!((perfect.ndcg10 - 1.0).abs() < 1e-9);
        assert!((perfect.p5 - 0.2).abs() < 1e-9);
        assert!((perfect.recall10 - 1.0).abs() < 1e-9);
        let swapped = measure(&set, &[vec!["c".into(), "b".into(), "a".into()]], &[0]);
        let expected = (1.0 / 3f64.log2() + 7.0 / 2.0) / (7.0 + 1.0 / 3f64.log2());
        assert!((swapped.ndcg10 - expected).abs() < 1e-9);
        assert_eq!((swapped.violations5, swapped.violations10), (1, 1));
    }

    #[test]
    fn a_judged_record_must_exist() {
        let err = JudgedSet::parse("need n SE-2062\nquery q ktp need:n\n3 nobody\n");
        assert!(err.is_err_and(|e| e.contains("nobody")));
    }
}
