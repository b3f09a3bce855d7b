//! The evaluation command: this ranking against SQLite FTS5 `bm25()` with the same hard rules,
//! on the judged set (`eval/judged.txt`), per track, in one run.
//!
//! ```sh
//! cargo bench -p heartland-index --bench judged            # the table
//! cargo bench -p heartland-index --bench judged -- --show  # and each query's top five
//! ```

mod fts5;

use fts5::Terms;
use heartland_index::judged::{by_track, measure, JudgedSet};

fn main() {
    let show = std::env::args().any(|a| a == "--show");
    let set = JudgedSet::get();
    let pairs: usize = set.queries.iter().map(|q| q.judged.len()).sum();
    println!(
        "judged set: {} records, {} queries, {pairs} judged pairs (as of {})\n",
        set.records.len(),
        set.queries.len(),
        heartland_index::judged::TODAY
    );
    let mut engines = vec![(
        "this ranking (tantivy + rules)".to_string(),
        set.ours(10),
        0,
    )];
    for how in [Terms::Words, Terms::Analysed] {
        match fts5::run(&set, how, 10) {
            Ok((results, failed)) => engines.push((how.label().to_string(), results, failed)),
            Err(e) => println!("{}: {e}", how.label()),
        }
    }
    println!(
        "| track (queries) | engine | nDCG@10 | P@5 | recall@10 | violations top 10 (top 5) | failed |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (track, queries) in by_track(&set) {
        for (name, results, failed) in &engines {
            let m = measure(&set, results, &queries);
            println!(
                "| {track} ({}) | {name} | {:.3} | {:.3} | {:.3} | {} ({}) | {failed} |",
                m.queries, m.ndcg10, m.p5, m.recall10, m.violations10, m.violations5
            );
        }
    }
    for (name, results, _) in &engines {
        for (q, r) in set.queries.iter().zip(results) {
            for id in r.iter().filter(|id| q.judged.get(*id) == Some(&None)) {
                println!("{name}: {} shows {id}, judged never to be shown", q.id);
            }
        }
    }
    if show {
        for (i, q) in set.queries.iter().enumerate() {
            let ndcg: Vec<String> = engines
                .iter()
                .map(|(_, r, _)| format!("{:.3}", measure(&set, r, &[i]).ndcg10))
                .collect();
            println!(
                "\n{} {} ({}) nDCG {}",
                q.id,
                q.from.1,
                q.direction(),
                ndcg.join(" / ")
            );
            for (_, r, _) in &engines {
                let top: Vec<String> = r
                    .get(i)
                    .into_iter()
                    .flatten()
                    .take(5)
                    .map(|id| {
                        let g = match q.judged.get(id) {
                            Some(Some(g)) => g.to_string(),
                            Some(None) => "x".into(),
                            None => "-".into(),
                        };
                        format!("{g} {id}")
                    })
                    .collect();
                println!("  {}", top.join(" | "));
            }
        }
    }
}
