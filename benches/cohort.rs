//! Cohort matching: a programme intake of mentees assigned to mentors with places, all at once
//! (exact: `matching::cohort`, the Hungarian method) beside one mentee after another taking the
//! best mentor left (what going down a list does). The pairs are scored by the service's own
//! mentoring ranking (`heartland-index`), hard rules included, over a seeded synthetic region.
//!
//! ```sh
//! cargo bench --bench cohort -- --mentees 60 --mentors 40 --seed 7
//! ```

use heartland::matching::cohort::Cohort;
use heartland_index::corpus::Rng;
use heartland_index::rank::{day_number, score, Prepared};
use heartland_index::vocabulary::Analyzers;
use heartland_index::{Entity, Kind, Spoken};
use std::time::Instant;

const PLACES: &[&str] = &[
    "SE-2062", "SE-2034", "SE-2029", "SE-2023", "SE-2085", "SE-2083", "SE-1737", "SE-1780",
    "NO-5025", "NO-3427", "NO-3421",
];
const SECTORS: &[&str] = &[
    "catering och mat",
    "snickeri och möbler",
    "frisör",
    "transport",
    "turism och boende",
    "e-handel",
    "städning",
    "bygg",
    "IT-konsult",
    "hemtjänst",
];
const SUPPORT: &[&str] = &["tax", "regulations", "financing", "marketing", "networking"];
const LANGS: &[&str] = &["sv", "nb", "en", "ar", "ti", "so", "fa"];

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn spoken(rng: &mut Rng, first: &str) -> Vec<Spoken> {
    let mut out = vec![Spoken {
        code: first.into(),
        level: 3 + rng.below(4) as u8,
    }];
    let other = *rng.pick(LANGS);
    if other != first {
        out.push(Spoken {
            code: other.into(),
            level: 2 + rng.below(5) as u8,
        });
    }
    out
}

fn mentee(rng: &mut Rng, i: usize) -> Entity {
    let sector = *rng.pick(SECTORS);
    let first = if rng.chance(0.5) { "sv" } else { "nb" };
    Entity {
        kind: Some(Kind::Candidate),
        id: format!("mentee-{i}"),
        title: format!("Startar {sector}"),
        text: format!("Min affärsidé: {sector}"),
        support_needs: (0..2).map(|_| rng.pick(SUPPORT).to_string()).collect(),
        languages: spoken(rng, first),
        municipality: rng.pick(PLACES).to_string(),
        max_distance_km: Some(60.0 + rng.below(200) as f64),
        cross_border_ok: rng.chance(0.5),
        active: true,
        mentee: true,
        consents: vec!["matching_mentoring".into()],
        ..Entity::default()
    }
}

fn mentor(rng: &mut Rng, i: usize) -> Entity {
    let sector = *rng.pick(SECTORS);
    let first = if rng.chance(0.5) { "sv" } else { "nb" };
    Entity {
        kind: Some(Kind::Mentor),
        id: format!("mentor-{i}"),
        title: format!("Har drivit {sector}"),
        text: sector.to_string(),
        skills: (0..3).map(|_| rng.pick(SUPPORT).to_string()).collect(),
        languages: spoken(rng, first),
        municipality: rng.pick(PLACES).to_string(),
        remote_ok: rng.chance(0.3),
        cross_border_ok: rng.chance(0.5),
        active: true,
        capacity_left: Some(1 + rng.below(2) as i64),
        consents: vec!["matching_mentoring".into()],
        ..Entity::default()
    }
}

fn main() {
    let (n, k, seed) = (
        arg("--mentees", 60) as usize,
        arg("--mentors", 40) as usize,
        arg("--seed", 7),
    );
    let mut rng = Rng::new(seed);
    let mut analyzers = Analyzers::default();
    let mentees: Vec<Prepared> = (0..n)
        .map(|i| Prepared::new(mentee(&mut rng, i), &mut analyzers))
        .collect();
    let mentors: Vec<Prepared> = (0..k)
        .map(|i| Prepared::new(mentor(&mut rng, i), &mut analyzers))
        .collect();
    let today = day_number("2026-12-01").unwrap_or(0);
    let cohort = Cohort {
        scores: mentees
            .iter()
            .map(|m| {
                mentors
                    .iter()
                    .map(|t| score(m, t, 1.0, today).map(|(s, _)| s))
                    .collect()
            })
            .collect(),
        places: mentors
            .iter()
            .map(|m| m.entity.capacity_left.unwrap_or(0).max(0) as usize)
            .collect(),
    };
    let allowed = cohort
        .scores
        .iter()
        .flatten()
        .filter(|s| s.is_some())
        .count();
    let places: usize = cohort.places.iter().sum();
    println!(
        "{n} mentees × {k} mentors ({places} places), seed {seed}: {allowed} of {} pairs pass the hard rules",
        n * k
    );
    let started = Instant::now();
    let best = cohort.best();
    let took = started.elapsed();
    let greedy = cohort.greedy();
    println!(
        "optimal: total score {:.3}, {} pairs, {} mentees left without a mentor ({:.1} ms)",
        best.total,
        best.pairs.len(),
        best.unassigned(n),
        took.as_secs_f64() * 1000.0
    );
    println!(
        "greedy:  total score {:.3}, {} pairs, {} mentees left without a mentor",
        greedy.total,
        greedy.pairs.len(),
        greedy.unassigned(n)
    );
}
