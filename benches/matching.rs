//! The matching benchmark: one seeded corpus, one set of queries, engines side by side.
//!
//! ```sh
//! cargo bench --bench matching -- --candidates 100000 --queries 200
//! ```
//!
//! Engines, each timed over the same rounds: this ranking (tantivy + the ranking of
//! `heartland-index`); the exhaustive check (the same scoring code over every record, showing
//! the pruning is exact); this ranking without its vocabulary (ablation); SQLite FTS5 `bm25()`
//! and PostgreSQL full-text search (`tsvector`, GIN, `ts_rank_cd`) given this ranking's analysed
//! and pruned terms and its hard rules (post-filtering), on `HEARTLAND_BENCH_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432`; the benchmark creates and drops its own
//! database); FTS5 without the rules, and on raw words (ablations).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use heartland_index::corpus::{self, Corpus};
use heartland_index::index::{MAX_DF, MIN_DOCS_FOR_CUTOFF, QUERY_WORDS};
use heartland_index::rank::{self, Prepared};
use heartland_index::vocabulary::Analyzers;
use heartland_index::{Entity, Kind, SearchIndex, Vocabulary};
use std::collections::HashMap;
use std::time::Instant;

/// The server's allocator (`src/main.rs`), so that speed and memory are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    candidates: usize,
    queries: usize,
    seed: u64,
    /// Timed passes over every query, after one warm-up pass, for every engine alike.
    rounds: usize,
    postgres: Option<String>,
    /// Only this ranking (for profiling).
    only_ours: bool,
}

fn args() -> Args {
    let mut a = Args {
        candidates: 10_000,
        queries: 200,
        seed: 2026,
        rounds: 5,
        postgres: Some(
            std::env::var("HEARTLAND_BENCH_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
        ),
        only_ours: false,
    };
    let argv: Vec<String> = std::env::args().collect();
    for (i, arg) in argv.iter().enumerate() {
        let next = argv.get(i + 1).cloned().unwrap_or_default();
        match arg.as_str() {
            "--candidates" => a.candidates = next.parse().unwrap_or(a.candidates),
            "--queries" => a.queries = next.parse().unwrap_or(a.queries),
            "--seed" => a.seed = next.parse().unwrap_or(a.seed),
            "--rounds" => a.rounds = next.parse().unwrap_or(a.rounds).max(1),
            "--no-postgres" => a.postgres = None,
            "--only-ours" => a.only_ours = true,
            _ => {}
        }
    }
    a
}

struct Row {
    engine: String,
    latencies_us: Vec<f64>,
    build_docs_per_s: Option<f64>,
    quality: Quality,
    /// Queries that failed (counted, never taken as fast empty answers).
    errors: usize,
    note: String,
}

#[derive(Clone, Copy, Default)]
struct Quality {
    ndcg: f64,
    recall: f64,
    /// recall@20 of the planted matches written in the need's language…
    same: f64,
    /// …and of those written in another (two and three per need).
    cross: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// A planted match written in the need's language (`p0000-0`, `-1`; the others are `-2`…`-4`).
fn same_language(id: &str) -> bool {
    id.ends_with("-0") || id.ends_with("-1")
}

/// Quality over all queries: mean nDCG@10 and recall@20 against the planted matches, and
/// recall@20 of the same-language and the cross-language planted matches apart.
fn quality(corpus: &Corpus, results: &[Vec<String>]) -> Quality {
    let n = corpus.queries.len().max(1) as f64;
    let mut q = Quality::default();
    for (query, r) in corpus.queries.iter().zip(results) {
        q.ndcg += corpus::ndcg(r, &query.planted, 10);
        q.recall += corpus::recall(r, &query.planted, 20);
        let (same, cross): (Vec<String>, Vec<String>) = query
            .planted
            .iter()
            .cloned()
            .partition(|id| same_language(id));
        q.same += corpus::recall(r, &same, 20);
        q.cross += corpus::recall(r, &cross, 20);
    }
    q.ndcg /= n;
    q.recall /= n;
    q.same /= n;
    q.cross /= n;
    q
}

/// Runs `f` for every query: one warm-up pass, then `rounds` timed passes. Returns latencies in
/// µs, the results of the last pass, and how many calls failed over the timed passes.
fn timed(
    corpus: &Corpus,
    rounds: usize,
    mut f: impl FnMut(&Entity) -> anyhow::Result<Vec<String>>,
) -> (Vec<f64>, Vec<Vec<String>>, usize) {
    for q in &corpus.queries {
        let _ = f(&q.need);
    }
    let mut results: Vec<Vec<String>> = Vec::new();
    let mut lat = Vec::new();
    let mut errors = 0;
    for _ in 0..rounds {
        results.clear();
        for q in &corpus.queries {
            let t = Instant::now();
            let r = f(&q.need);
            lat.push(t.elapsed().as_secs_f64() * 1e6);
            results.push(r.unwrap_or_else(|_| {
                errors += 1;
                Vec::new()
            }));
        }
    }
    lat.sort_by(f64::total_cmp);
    (lat, results, errors)
}

/// What the baselines are given: this ranking's analysed terms (stems in Swedish, Norwegian
/// and English, stop words out) with its query pruning (the first `QUERY_WORDS` distinct words
/// per language, none found in more than `MAX_DF` of the records), and its hard rules.
struct Shared {
    /// Analysed terms of every record, in the three languages, space-separated.
    bodies: Vec<(String, String)>,
    df: HashMap<String, u32>,
    docs: usize,
    /// The candidates as the ranking prepares them (without their free text), by id.
    prepared: HashMap<String, Prepared>,
    today: i64,
}

impl Shared {
    fn new(corpus: &Corpus, today: i64) -> Shared {
        let mut analyzers = Analyzers::default();
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut bodies = Vec::with_capacity(corpus.candidates.len());
        let mut prepared = HashMap::with_capacity(corpus.candidates.len());
        for c in &corpus.candidates {
            let mut terms: Vec<String> = analyzers
                .analyse(&c.full_text())
                .into_iter()
                .flatten()
                .map(|s| s.to_string())
                .collect();
            let body = terms.join(" ");
            terms.sort();
            terms.dedup();
            for t in terms {
                *df.entry(t).or_default() += 1;
            }
            bodies.push((c.id.clone(), body));
            let mut p = Prepared::new(c.clone(), &mut analyzers);
            p.entity.text = String::new();
            p.entity.skills = Vec::new();
            prepared.insert(c.id.clone(), p);
        }
        Shared {
            bodies,
            df,
            docs: corpus.candidates.len(),
            prepared,
            today,
        }
    }

    /// The need's query terms, pruned as this ranking prunes its text query.
    fn query_terms(&self, need: &Entity, analyzers: &mut Analyzers) -> Vec<String> {
        let max_df = if self.docs as u64 >= MIN_DOCS_FOR_CUTOFF {
            (self.docs as f64 * MAX_DF) as u32
        } else {
            u32::MAX
        };
        let mut out: Vec<String> = Vec::new();
        for words in analyzers.analyse(&need.full_text()) {
            let mut seen = Vec::new();
            for w in words.iter().map(|s| s.to_string()) {
                if seen.len() >= QUERY_WORDS {
                    break;
                }
                if seen.contains(&w) {
                    continue;
                }
                seen.push(w.clone());
                let df = self.df.get(&w).copied().unwrap_or(0);
                if df > 0 && df <= max_df && !out.contains(&w) {
                    out.push(w);
                }
            }
        }
        out
    }

    /// The best 20 ids of `ranked` that the hard rules allow for `need`.
    fn allowed(&self, need: &Prepared, ranked: Vec<String>) -> Vec<String> {
        ranked
            .into_iter()
            .filter(|id| {
                self.prepared
                    .get(id)
                    .is_some_and(|c| rank::eligible(need, c, self.today))
            })
            .take(20)
            .collect()
    }
}

/// Words of a need's text as the first version of this benchmark gave the SQL engines: letters
/// and digits, three or more, once each, unstemmed (kept as an ablation).
fn words(need: &Entity) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in need.full_text().split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if w.chars().count() >= 3 && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// How a baseline is fed: the shared analysed terms or the raw words, with the hard rules
/// (post-filtering a longer list) or without.
#[derive(Clone, Copy)]
struct Feed {
    analysed: bool,
    rules: bool,
}

impl Feed {
    fn label(self) -> &'static str {
        match (self.analysed, self.rules) {
            (true, true) => "analysed terms + rules",
            (true, false) => "analysed terms, no rules (ablation)",
            (false, true) => "raw words + rules",
            (false, false) => "raw words, no rules (the first version's setup)",
        }
    }
}

/// How many rows a baseline fetches before the rules filter them to 20.
const FETCH: i64 = 1000;

fn sqlite_fts5(corpus: &Corpus, shared: &Shared, feed: Feed, rounds: usize) -> anyhow::Result<Row> {
    let mut c = SqliteConnection::establish(":memory:")?;
    c.batch_execute("CREATE VIRTUAL TABLE c USING fts5(id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 0');")?;
    let t = Instant::now();
    c.transaction(|c| {
        for (e, (id, body)) in corpus.candidates.iter().zip(&shared.bodies) {
            let text = if feed.analysed {
                body.clone()
            } else {
                e.full_text()
            };
            diesel::sql_query("INSERT INTO c (id, body) VALUES (?, ?)")
                .bind::<Text, _>(id)
                .bind::<Text, _>(text)
                .execute(c)?;
        }
        diesel::QueryResult::Ok(())
    })?;
    let build = corpus.candidates.len() as f64 / t.elapsed().as_secs_f64();
    let mut analyzers = Analyzers::default();
    let (lat, results, errors) = timed(corpus, rounds, |need| {
        let terms = if feed.analysed {
            shared.query_terms(need, &mut analyzers)
        } else {
            words(need)
        };
        let q = terms
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" OR ");
        // The same SQL every time: diesel keeps it prepared (its statement cache, by SQL).
        let ids: Vec<String> =
            diesel::sql_query("SELECT id FROM c WHERE c MATCH ? ORDER BY bm25(c), id LIMIT ?")
                .bind::<Text, _>(q)
                .bind::<BigInt, _>(if feed.rules { FETCH } else { 20 })
                .load::<Id>(&mut c)?
                .into_iter()
                .map(|i| i.id)
                .collect();
        Ok(if feed.rules {
            let need = Prepared::new(need.clone(), &mut analyzers);
            shared.allowed(&need, ids)
        } else {
            ids
        })
    });
    Ok(Row {
        engine: format!("SQLite FTS5 bm25(), {}", feed.label()),
        latencies_us: lat,
        build_docs_per_s: Some(build),
        quality: quality(corpus, &results),
        errors,
        note: String::new(),
    })
}

diesel::table! {
    bench_c (id) {
        id -> Text,
        body -> Text,
    }
}

/// PostgreSQL full-text search on the shared analysed terms (the `simple` configuration: they
/// are stemmed already), `ts_rank_cd`, the hard rules by post-filtering.
fn postgres_fts(
    corpus: &Corpus,
    shared: &Shared,
    server: &str,
    rounds: usize,
) -> anyhow::Result<Row> {
    let name = format!("heartland_bench_{}", std::process::id());
    let mut admin = PgConnection::establish(&format!("{server}/postgres"))?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin)?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
    let result = (|| -> anyhow::Result<Row> {
        let mut c = PgConnection::establish(&format!("{server}/{name}"))?;
        c.batch_execute(
            "CREATE TABLE bench_c (id TEXT PRIMARY KEY, body TEXT NOT NULL, tsv tsvector)",
        )?;
        let t = Instant::now();
        for chunk in shared.bodies.chunks(1000) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(id, body)| (bench_c::id.eq(id.clone()), bench_c::body.eq(body.clone())))
                .collect();
            diesel::insert_into(bench_c::table)
                .values(&rows)
                .execute(&mut c)?;
        }
        c.batch_execute(
            "UPDATE bench_c SET tsv = to_tsvector('simple', body);
             CREATE INDEX bench_c_tsv ON bench_c USING GIN (tsv); ANALYZE bench_c;",
        )?;
        let build = corpus.candidates.len() as f64 / t.elapsed().as_secs_f64();
        let mut analyzers = Analyzers::default();
        let (lat, results, errors) = timed(corpus, rounds, |need| {
            let q = shared.query_terms(need, &mut analyzers).join(" | ");
            let ids: Vec<String> = diesel::sql_query(
                "SELECT id FROM bench_c, to_tsquery('simple', $1) AS q \
                 WHERE tsv @@ q ORDER BY ts_rank_cd(tsv, q) DESC, id LIMIT $2",
            )
            .bind::<Text, _>(q)
            .bind::<BigInt, _>(FETCH)
            .load::<Id>(&mut c)?
            .into_iter()
            .map(|i| i.id)
            .collect();
            let need = Prepared::new(need.clone(), &mut analyzers);
            Ok(shared.allowed(&need, ids))
        });
        Ok(Row {
            engine: "PostgreSQL FTS ts_rank_cd, analysed terms + rules".into(),
            latencies_us: lat,
            build_docs_per_s: Some(build),
            quality: quality(corpus, &results),
            errors,
            note: "GIN over the analysed terms (simple configuration)".into(),
        })
    })();
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)?;
    result
}

/// An index built for a run, its directory, its build speed, and the run.
struct Built {
    index: SearchIndex,
    _dir: tempfile::TempDir,
    build: f64,
    latencies: Vec<f64>,
    results: Vec<Vec<String>>,
    errors: usize,
}

/// This ranking over a fresh index of the corpus: build speed, then `rounds` passes.
fn ours(corpus: &Corpus, today: i64, rounds: usize) -> anyhow::Result<Built> {
    let dir = tempfile::tempdir()?;
    let (index, _) = SearchIndex::open(dir.path()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = Instant::now();
    // As `heartland reindex` does: batches of 1,000, prepared on every core.
    for batch in corpus.candidates.chunks(1000) {
        index
            .upsert_batch(batch.to_vec())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    index.commit(1).map_err(|e| anyhow::anyhow!("{e}"))?;
    let build = corpus.candidates.len() as f64 / t.elapsed().as_secs_f64();
    let (lat, results, errors) = timed(corpus, rounds, |need| {
        Ok(index
            .matches_uncached(need, Kind::Candidate, 20, today)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_iter()
            .map(|h| h.id)
            .collect())
    });
    Ok(Built {
        index,
        _dir: dir,
        build,
        latencies: lat,
        results,
        errors,
    })
}

fn main() -> anyhow::Result<()> {
    let a = args();
    let t = Instant::now();
    let corpus = corpus::generate(a.candidates, a.queries, a.seed);
    println!(
        "corpus: {} candidates ({} planted), {} queries, seed {}, {} timed rounds per engine, generated in {:.1} s",
        corpus.candidates.len(),
        corpus.queries.len() * 5,
        corpus.queries.len(),
        a.seed,
        a.rounds,
        t.elapsed().as_secs_f64()
    );
    let today = heartland_index::rank::day_number("2026-11-28").unwrap_or(0);

    let built = ours(&corpus, today, a.rounds)?;
    let memory = peak_rss_mb();
    let mut rows = vec![Row {
        engine: "this ranking (tantivy + rules)".into(),
        latencies_us: built.latencies.clone(),
        build_docs_per_s: Some(built.build),
        quality: quality(&corpus, &built.results),
        errors: built.errors,
        note: format!("peak RSS {memory:.0} MB after build and queries"),
    }];
    if a.only_ours {
        print_table(&rows);
        return Ok(());
    }
    let (lat, exhaustive, errors) = timed(&corpus, a.rounds, |need| {
        Ok(built
            .index
            .matches_exhaustive(need, Kind::Candidate, 20, today)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_iter()
            .map(|h| h.id)
            .collect())
    });
    let exact = built
        .results
        .iter()
        .zip(&exhaustive)
        .filter(|(a, b)| a == b)
        .count();
    rows.push(Row {
        engine: "exhaustive check (no pruning)".into(),
        latencies_us: lat,
        build_docs_per_s: None,
        quality: quality(&corpus, &exhaustive),
        errors,
        note: format!(
            "the same scoring code over every record, not an independent implementation: top 20 equal for {exact} of {}",
            corpus.queries.len()
        ),
    });
    drop(built);

    // Ablation: the same ranking with the vocabulary switched off (no concepts at all).
    Vocabulary::set_enabled(false);
    let ablated = ours(&corpus, today, a.rounds);
    Vocabulary::set_enabled(true);
    let ablated = ablated?;
    rows.push(Row {
        engine: "this ranking, no vocabulary (ablation)".into(),
        latencies_us: ablated.latencies.clone(),
        build_docs_per_s: Some(ablated.build),
        quality: quality(&corpus, &ablated.results),
        errors: ablated.errors,
        note: "words only: no concepts, no skills matched across languages".into(),
    });
    drop(ablated);

    let shared = Shared::new(&corpus, today);
    for feed in [
        Feed {
            analysed: true,
            rules: true,
        },
        Feed {
            analysed: true,
            rules: false,
        },
        Feed {
            analysed: false,
            rules: false,
        },
    ] {
        match sqlite_fts5(&corpus, &shared, feed, a.rounds) {
            Ok(r) => rows.push(r),
            Err(e) => println!("SQLite FTS5 ({}) skipped: {e}", feed.label()),
        }
    }
    if let Some(server) = &a.postgres {
        match postgres_fts(&corpus, &shared, server.trim_end_matches('/'), a.rounds) {
            Ok(r) => rows.push(r),
            Err(e) => println!("PostgreSQL skipped: {e}"),
        }
    }

    print_table(&rows);
    Ok(())
}

fn print_table(rows: &[Row]) {
    let ours_p50 = percentile(&rows[0].latencies_us, 0.5);
    println!();
    println!("| engine | p50 ms | p95 ms | p99 ms | p50 vs this | build docs/s | nDCG@10 | recall@20 | same-language | cross-language | errors | note |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for r in rows {
        let (p50, p95, p99) = (
            percentile(&r.latencies_us, 0.5),
            percentile(&r.latencies_us, 0.95),
            percentile(&r.latencies_us, 0.99),
        );
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.1}× | {} | {:.3} | {:.3} | {:.3} | {:.3} | {} | {} |",
            r.engine,
            p50 / 1e3,
            p95 / 1e3,
            p99 / 1e3,
            p50 / ours_p50,
            r.build_docs_per_s
                .map(|b| format!("{b:.0}"))
                .unwrap_or_else(|| "–".into()),
            r.quality.ndcg,
            r.quality.recall,
            r.quality.same,
            r.quality.cross,
            r.errors,
            r.note
        );
    }
}
