//! The judged set as a regression check: this ranking against SQLite FTS5 `bm25()` given the
//! same hard rules (`cargo bench -p heartland-index --bench judged` prints the table).

#[path = "../benches/judged/fts5.rs"]
mod fts5;

use heartland_index::judged::{by_track, measure, JudgedSet};

#[test]
fn the_ranking_beats_fts5_with_the_same_rules_on_every_track_and_shows_no_excluded_pair() {
    let set = JudgedSet::get();
    let ours = set.ours(10);
    let words = fts5::run(&set, fts5::Terms::Words, 10).expect("fts5 words");
    let analysed = fts5::run(&set, fts5::Terms::Analysed, 10).expect("fts5 analysed");
    assert_eq!((words.1, analysed.1), (0, 0), "failed FTS5 queries");
    for (track, queries) in by_track(&set) {
        let m = measure(&set, &ours, &queries);
        let w = measure(&set, &words.0, &queries);
        let a = measure(&set, &analysed.0, &queries);
        assert_eq!(
            m.violations10, 0,
            "{track}: a pair judged never to be shown"
        );
        // Every track ahead of FTS5 with the same rules by the 0.04 issue 16 asks for, and not
        // behind FTS5 fed this ranking's own analysed terms (on procurement the CPV rule, given
        // to the baselines too, leaves little to rank: both are near the set's ceiling there).
        let (wl, al) = (fts5::Terms::Words.label(), fts5::Terms::Analysed.label());
        assert!(
            m.ndcg10 >= w.ndcg10 + 0.04,
            "{track}: {m:?} against {wl} {w:?}"
        );
        assert!(m.ndcg10 >= a.ndcg10, "{track}: {m:?} against {al} {a:?}");
        // Nothing judged worth showing lost that either baseline finds (the relevance floor
        // may end a list early, but not before what plain keywords would show).
        assert!(
            m.recall10 + 1e-9 >= w.recall10.max(a.recall10),
            "{track}: {m:?} against {w:?} and {a:?}"
        );
    }
}

#[test]
fn a_stuffed_profile_never_ranks_above_a_real_specialist() {
    let set = JudgedSet::get();
    let ours = set.ours(10);
    for (q, r) in set.queries.iter().zip(&ours) {
        for stuffer in ["c-erik-stuffer", "c-stuffer-nb", "mt-lifecoach"] {
            let Some(pos) = r.iter().position(|id| id == stuffer) else {
                continue;
            };
            let good_after = r[pos..]
                .iter()
                .filter(|id| q.judged.get(*id).copied().flatten() >= Some(2))
                .count();
            assert_eq!(
                good_after, 0,
                "{}: {stuffer} above a specialist in {r:?}",
                q.id
            );
        }
    }
}

#[test]
fn a_mentor_from_the_mentees_own_trade_comes_before_a_general_adviser() {
    let set = JudgedSet::get();
    let ours = set.ours(10);
    let at = |query: &str, id: &str| {
        let i = set
            .queries
            .iter()
            .position(|q| q.id == query)
            .expect("query");
        ours[i].iter().position(|x| x == id)
    };
    for (query, trade, general) in [
        ("q-m01", "mt-tesfay", "mt-lars"),
        ("q-m01", "mt-birgitta", "mt-lars"),
        ("q-m05", "mt-anita", "mt-lars"),
        ("q-m11", "mt-karim", "mt-lars"),
        ("q-m02", "mt-johan", "mt-almi"),
    ] {
        let (t, g) = (at(query, trade), at(query, general));
        assert!(
            t.is_some() && (g.is_none() || t < g),
            "{query}: {trade} {t:?}, {general} {g:?}"
        );
    }
}
