//! The baselines of the judged evaluation: SQLite FTS5 `bm25()` over the judged set's records,
//! filtered by the same hard rules as this ranking (`JudgedSet::allowed`), in two versions:
//! the records' plain words, and the analysed terms this ranking's text query uses (stems in
//! three languages, stop words out). Shared by the evaluation command and its test.

use heartland_index::judged::{terms, JudgedSet, Query};
use heartland_index::vocabulary::Analyzers;
use heartland_index::Entity;
use rusqlite::{params, Connection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terms {
    /// Every word as written (FTS5's `unicode61` tokenizer, diacritics kept).
    Words,
    /// This ranking's analysed terms.
    Analysed,
}

impl Terms {
    pub fn label(self) -> &'static str {
        match self {
            Terms::Words => "FTS5 bm25(), words + rules",
            Terms::Analysed => "FTS5 bm25(), analysed terms + rules",
        }
    }
}

fn words(e: &Entity) -> Vec<String> {
    let mut w: Vec<String> = e
        .full_text()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w.dedup();
    w
}

fn body(e: &Entity, how: Terms, analyzers: &mut Analyzers) -> Vec<String> {
    match how {
        Terms::Words => words(e),
        Terms::Analysed => terms(e, analyzers),
    }
}

/// The top `k` allowed records per query, and how many queries failed (counted, never taken
/// as empty fast answers).
pub fn run(set: &JudgedSet, how: Terms, k: usize) -> rusqlite::Result<(Vec<Vec<String>>, usize)> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE VIRTUAL TABLE r USING fts5(kind UNINDEXED, id UNINDEXED, body, \
         tokenize = 'unicode61 remove_diacritics 0');",
    )?;
    let mut analyzers = Analyzers::default();
    {
        let mut insert = conn.prepare("INSERT INTO r (kind, id, body) VALUES (?1, ?2, ?3)")?;
        for e in &set.records {
            let text = match how {
                Terms::Words => e.full_text(),
                Terms::Analysed => body(e, how, &mut analyzers).join(" "),
            };
            insert.execute(params![e.kind().as_str(), e.id, text])?;
        }
    }
    let allowed = set.allowed();
    let mut select =
        conn.prepare("SELECT id FROM r WHERE r MATCH ?1 AND kind = ?2 ORDER BY bm25(r), id")?;
    let mut failed = 0;
    let mut out = Vec::new();
    for q in &set.queries {
        let Some(from) = set.record(q.from.0, &q.from.1) else {
            out.push(Vec::new());
            failed += 1;
            continue;
        };
        let query = body(from, how, &mut analyzers)
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" OR ");
        let rows = select
            .query_map(params![query, q.target().as_str()], |row| {
                row.get::<_, String>(0)
            })
            .and_then(|rows| rows.collect::<Result<Vec<String>, _>>());
        match rows {
            Ok(ids) => out.push(keep_allowed(&allowed, q, &from.id, ids, k)),
            Err(_) => {
                failed += 1;
                out.push(Vec::new());
            }
        }
    }
    Ok((out, failed))
}

fn keep_allowed(
    allowed: &impl Fn(&Query, &str) -> bool,
    q: &Query,
    from: &str,
    ids: Vec<String>,
    k: usize,
) -> Vec<String> {
    ids.into_iter()
        .filter(|id| id != from && allowed(q, id))
        .take(k)
        .collect()
}
