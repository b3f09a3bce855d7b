//! The matching benchmark: one seeded corpus, one set of queries, engines side by side.
//!
//! ```sh
//! cargo bench --bench matching -- --candidates 100000 --queries 200
//! ```
//!
//! Engines: this ranking (tantivy + the ranking of `heartland-index`); the brute-force scan that
//! computes the same score for every record (the exactness reference); SQLite FTS5 `bm25()`;
//! PostgreSQL full-text search (stored `tsvector`, GIN, `ts_rank_cd`, the `swedish`,
//! `norwegian` and `english` configurations) on `HEARTLAND_BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432`; the benchmark creates and drops its own database).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use heartland_index::corpus::{self, Corpus};
use heartland_index::{Entity, Kind, SearchIndex};
use std::time::Instant;

struct Args {
    candidates: usize,
    queries: usize,
    seed: u64,
    postgres: Option<String>,
    /// Only this ranking (for profiling).
    only_ours: bool,
}

fn args() -> Args {
    let mut a = Args {
        candidates: 10_000,
        queries: 200,
        seed: 2026,
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
            "--no-postgres" => a.postgres = None,
            "--only-ours" => a.only_ours = true,
            _ => {}
        }
    }
    a
}

struct Row {
    engine: &'static str,
    latencies_us: Vec<f64>,
    build_docs_per_s: Option<f64>,
    ndcg: f64,
    recall: f64,
    note: String,
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

/// Quality over all queries: mean nDCG@10 and recall@20 against the planted matches.
fn quality(corpus: &Corpus, results: &[Vec<String>]) -> (f64, f64) {
    let n = corpus.queries.len() as f64;
    let ndcg = corpus
        .queries
        .iter()
        .zip(results)
        .map(|(q, r)| corpus::ndcg(r, &q.planted, 10))
        .sum::<f64>()
        / n;
    let recall = corpus
        .queries
        .iter()
        .zip(results)
        .map(|(q, r)| corpus::recall(r, &q.planted, 20))
        .sum::<f64>()
        / n;
    (ndcg, recall)
}

/// Runs `f` for every query `rounds` times after one warm-up pass; returns latencies in µs and
/// the results of the last pass.
fn timed(
    corpus: &Corpus,
    rounds: usize,
    mut f: impl FnMut(&Entity) -> Vec<String>,
) -> (Vec<f64>, Vec<Vec<String>>) {
    let mut results: Vec<Vec<String>> = corpus.queries.iter().map(|q| f(&q.need)).collect();
    let mut lat = Vec::new();
    for _ in 0..rounds {
        results.clear();
        for q in &corpus.queries {
            let t = Instant::now();
            let r = f(&q.need);
            lat.push(t.elapsed().as_secs_f64() * 1e6);
            results.push(r);
        }
    }
    lat.sort_by(f64::total_cmp);
    (lat, results)
}

/// Words of a need's text for the SQL engines: letters and digits, three or more, once each.
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

fn sqlite_fts5(corpus: &Corpus) -> anyhow::Result<Row> {
    let mut c = SqliteConnection::establish(":memory:")?;
    c.batch_execute("CREATE VIRTUAL TABLE c USING fts5(id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 0');")?;
    let t = Instant::now();
    c.transaction(|c| {
        for e in &corpus.candidates {
            diesel::sql_query("INSERT INTO c (id, body) VALUES (?, ?)")
                .bind::<Text, _>(&e.id)
                .bind::<Text, _>(e.full_text())
                .execute(c)?;
        }
        diesel::QueryResult::Ok(())
    })?;
    let build = corpus.candidates.len() as f64 / t.elapsed().as_secs_f64();
    let (lat, results) = timed(corpus, 1, |need| {
        let q = words(need)
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR ");
        diesel::sql_query("SELECT id FROM c WHERE c MATCH ? ORDER BY bm25(c) LIMIT 20")
            .bind::<Text, _>(q)
            .load::<Id>(&mut c)
            .map(|r| r.into_iter().map(|i| i.id).collect())
            .unwrap_or_default()
    });
    let (ndcg, recall) = quality(corpus, &results);
    Ok(Row {
        engine: "SQLite FTS5 bm25()",
        latencies_us: lat,
        build_docs_per_s: Some(build),
        ndcg,
        recall,
        note: "text only, no stemming".into(),
    })
}

diesel::table! {
    bench_c (id) {
        id -> Text,
        body -> Text,
    }
}

fn postgres_fts(corpus: &Corpus, server: &str) -> anyhow::Result<Row> {
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
        for chunk in corpus.candidates.chunks(1000) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|e| {
                    (
                        bench_c::id.eq(e.id.clone()),
                        bench_c::body.eq(e.full_text()),
                    )
                })
                .collect();
            diesel::insert_into(bench_c::table)
                .values(&rows)
                .execute(&mut c)?;
        }
        c.batch_execute(
            "UPDATE bench_c SET tsv = to_tsvector('swedish', body) || to_tsvector('norwegian', body) || to_tsvector('english', body);
             CREATE INDEX bench_c_tsv ON bench_c USING GIN (tsv); ANALYZE bench_c;",
        )?;
        let build = corpus.candidates.len() as f64 / t.elapsed().as_secs_f64();
        let (lat, results) = timed(corpus, 1, |need| {
            let q = words(need).join(" | ");
            diesel::sql_query(
                "SELECT id FROM bench_c, (SELECT to_tsquery('swedish', $1) || to_tsquery('norwegian', $1) || to_tsquery('english', $1) AS q) AS query \
                 WHERE tsv @@ q ORDER BY ts_rank_cd(tsv, q) DESC, id LIMIT 20",
            )
            .bind::<Text, _>(q)
            .load::<Id>(&mut c)
            .map(|r| r.into_iter().map(|i| i.id).collect())
            .unwrap_or_default()
        });
        let (ndcg, recall) = quality(corpus, &results);
        Ok(Row {
            engine: "PostgreSQL FTS ts_rank_cd",
            latencies_us: lat,
            build_docs_per_s: Some(build),
            ndcg,
            recall,
            note: "text only; sv+nb+en configurations".into(),
        })
    })();
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)?;
    result
}

fn main() -> anyhow::Result<()> {
    let a = args();
    let t = Instant::now();
    let corpus = corpus::generate(a.candidates, a.queries, a.seed);
    println!(
        "corpus: {} candidates ({} planted), {} queries, seed {}, generated in {:.1} s",
        corpus.candidates.len(),
        corpus.queries.len() * 5,
        corpus.queries.len(),
        a.seed,
        t.elapsed().as_secs_f64()
    );
    let today = heartland_index::rank::day_number("2026-11-28").unwrap_or(0);

    let dir = tempfile::tempdir()?;
    let (index, _) = SearchIndex::open(dir.path()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = Instant::now();
    eprintln!("rss before build: peak {:.0} MB", peak_rss_mb());
    // As `heartland reindex` does: batches of 1,000, prepared on every core.
    for batch in corpus.candidates.chunks(1000) {
        index
            .upsert_batch(batch.to_vec())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    eprintln!("rss before commit: peak {:.0} MB", peak_rss_mb());
    index.commit(1).map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("rss after commit: peak {:.0} MB", peak_rss_mb());
    let build = corpus.candidates.len() as f64 / t.elapsed().as_secs_f64();
    let (lat, ours) = timed(&corpus, 5, |need| {
        index
            .matches(need, Kind::Candidate, 20, today)
            .map(|h| h.into_iter().map(|h| h.id).collect())
            .unwrap_or_default()
    });
    let memory = peak_rss_mb();
    let (ndcg, recall) = quality(&corpus, &ours);
    let mut rows = vec![Row {
        engine: "this ranking (tantivy + rules)",
        latencies_us: lat,
        build_docs_per_s: Some(build),
        ndcg,
        recall,
        note: format!("peak RSS {memory:.0} MB after build and queries"),
    }];

    if a.only_ours {
        print_table(&rows);
        return Ok(());
    }
    let (lat, brute) = timed(&corpus, 1, |need| {
        index
            .matches_exhaustive(need, Kind::Candidate, 20, today)
            .map(|h| h.into_iter().map(|h| h.id).collect())
            .unwrap_or_default()
    });
    let exact = ours.iter().zip(&brute).filter(|(a, b)| a == b).count();
    let (ndcg, recall) = quality(&corpus, &brute);
    rows.push(Row {
        engine: "brute force, same score",
        latencies_us: lat,
        build_docs_per_s: None,
        ndcg,
        recall,
        note: format!(
            "top 20 equal to this ranking's for {exact} of {} queries",
            corpus.queries.len()
        ),
    });

    match sqlite_fts5(&corpus) {
        Ok(r) => rows.push(r),
        Err(e) => println!("SQLite FTS5 skipped: {e}"),
    }
    if let Some(server) = &a.postgres {
        match postgres_fts(&corpus, server.trim_end_matches('/')) {
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
    println!("| engine | p50 ms | p95 ms | p99 ms | p50 vs this | build docs/s | nDCG@10 | recall@20 | note |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for r in rows {
        let (p50, p95, p99) = (
            percentile(&r.latencies_us, 0.5),
            percentile(&r.latencies_us, 0.95),
            percentile(&r.latencies_us, 0.99),
        );
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.1}× | {} | {:.3} | {:.3} | {} |",
            r.engine,
            p50 / 1e3,
            p95 / 1e3,
            p99 / 1e3,
            p50 / ours_p50,
            r.build_docs_per_s
                .map(|b| format!("{b:.0}"))
                .unwrap_or_else(|| "–".into()),
            r.ndcg,
            r.recall,
            r.note
        );
    }
}
