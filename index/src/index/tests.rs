use super::*;
use crate::rank::tests::{candidate, need, today};
use crate::vocabulary::Analyzers;

fn add(index: &SearchIndex, entities: Vec<Entity>) {
    let mut a = Analyzers::default();
    for e in entities {
        index.upsert(e, &mut a).expect("upsert");
    }
}

#[test]
fn a_norwegian_need_finds_swedish_welders_first_and_explains_each() {
    let index = SearchIndex::in_memory().expect("index");
    add(
        &index,
        vec![
            candidate(
                "svetsare",
                "SE-2062",
                "Svetsare med lång erfarenhet av svetsning",
                &[("sv", 7)],
                300.0,
            ),
            candidate(
                "kock",
                "SE-2062",
                "Kock och restaurangchef",
                &[("sv", 7)],
                300.0,
            ),
            candidate(
                "sveiser",
                "NO-5025",
                "Sveiser, TIG-sveising",
                &[("nb", 7)],
                50.0,
            ),
            candidate("malmo", "SE-1280", "Svetsare i Malmö", &[("sv", 7)], 30.0),
        ],
    );
    index.commit(4).expect("commit");
    let n = need(
        "n",
        "NO-5025",
        "Sveiser til verkstedet på Røros",
        &["sveising"],
        &[],
    );
    let hits = index
        .matches(&n, Kind::Candidate, 20, today())
        .expect("matches");
    let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["sveiser", "svetsare"], "{hits:#?}");
    for h in &hits {
        let names: Vec<&str> = h.factors.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            ["text", "skills", "languages", "distance", "availability"]
        );
    }
    assert!(hits[1].factors[3].detail.contains("crosses the border"));
    assert_eq!(index.applied_seq(), Some(4));
}

/// A corpus with many near-ties: languages, places and skills drawn from small sets.
fn corpus(n: usize) -> Vec<Entity> {
    let places = [
        "SE-2062", "SE-2080", "SE-2085", "SE-1780", "NO-5025", "NO-3403", "NO-5001", "SE-1280",
    ];
    let skills = [
        "svetsning",
        "sveising",
        "CNC",
        "CAD",
        "dataanalys",
        "maskinlæring",
        "redovisning",
        "regnskap",
        "sågverk",
        "turism",
    ];
    let langs = [
        ("sv", 7u8),
        ("nb", 7),
        ("ar", 7),
        ("en", 5),
        ("sv", 3),
        ("ar", 3),
    ];
    (0..n)
        .map(|i| {
            let mut c = candidate(
                &format!("c{i:04}"),
                places[i % places.len()],
                "",
                &[langs[i % 6], langs[(i / 6) % 6]],
                [30.0, 150.0, 600.0][i % 3],
            );
            c.title = format!(
                "{} och {}",
                skills[i % skills.len()],
                skills[(i * 7 + 3) % skills.len()]
            );
            c.skills = vec![skills[(i * 3) % skills.len()].to_string()];
            c.cross_border_ok = i % 5 != 0;
            c.date = Some(format!("2027-0{}-15", 1 + i % 8));
            c
        })
        .collect()
}

/// Four needs: Norwegian welding, Arabic CAD, accounting without a language, a sawmill by
/// its name only.
fn four_needs() -> [Entity; 4] {
    [
        need(
            "n1",
            "NO-5025",
            "Sveiser",
            &["sveising", "CNC"],
            &[("nb", 4)],
        ),
        need("n2", "SE-2085", "CAD och arabiska", &["CAD"], &[("ar", 4)]),
        need(
            "n3",
            "SE-1780",
            "Redovisning och dataanalys",
            &["redovisning", "dataanalys"],
            &[],
        ),
        need("n4", "SE-2062", "Sågverk", &[], &[]),
    ]
}

#[test]
fn the_fast_path_returns_exactly_what_scoring_every_record_returns() {
    let index = SearchIndex::in_memory().expect("index");
    add(&index, corpus(600));
    index.commit(1).expect("commit");
    let needs = four_needs();
    for mut n in needs {
        for (remote, target) in [(false, false), (true, true)] {
            n.remote_ok = remote;
            n.ktp_target = target;
            for k in [1, 5, 20] {
                let fast = index
                    .matches(&n, Kind::Candidate, k, today())
                    .expect("fast");
                let slow = index
                    .matches_exhaustive(&n, Kind::Candidate, k, today())
                    .expect("slow");
                assert_eq!(fast, slow, "{} k={k}", n.id);
                assert!(!fast.is_empty(), "{} has matches", n.id);
            }
        }
    }
    // Records deleted, changed and added over several commits (slots given back and given
    // out again): still exactly the same.
    let mut analyzers = Analyzers::default();
    let all = corpus(600);
    for round in 0..3 {
        for (i, e) in all.iter().enumerate() {
            match (i + round) % 7 {
                0 => index.delete(Kind::Candidate, &e.id),
                1 => {
                    let mut e = e.clone();
                    e.id = format!("{}-r{round}", e.id);
                    index.upsert(e, &mut analyzers).expect("add");
                }
                2 => {
                    let mut e = e.clone();
                    e.max_distance_km = Some(40.0 + round as f64);
                    e.skills.reverse();
                    index.upsert(e, &mut analyzers).expect("change");
                }
                _ => {}
            }
        }
        index.commit(2 + round as i64).expect("commit");
        for n in [
            need("m1", "NO-5025", "Sveiser", &["sveising", "CNC"], &[]),
            need("m2", "SE-2085", "CAD", &["CAD", "konstruktion"], &[]),
        ] {
            let fast = index
                .matches(&n, Kind::Candidate, 10, today())
                .expect("fast");
            let slow = index
                .matches_exhaustive(&n, Kind::Candidate, 10, today())
                .expect("slow");
            assert_eq!(fast, slow, "{} round {round}", n.id);
        }
    }
}

/// Records added in batches, on several threads, rank exactly as records added one by one; of
/// two with the same id in one batch the later counts.
#[test]
fn a_batch_indexes_what_one_by_one_indexes() {
    let one_by_one = SearchIndex::in_memory().expect("index");
    add(&one_by_one, corpus(900));
    one_by_one.commit(1).expect("commit");
    let batched = SearchIndex::in_memory().expect("index");
    let mut all = corpus(900);
    let mut stale = all[5].clone();
    stale.max_distance_km = Some(1.0);
    stale.title = "Kock".into();
    all.insert(0, stale);
    for part in all.chunks(250) {
        batched.upsert_batch(part.to_vec()).expect("batch");
    }
    batched.commit(1).expect("commit");
    for n in [
        need("b1", "NO-5025", "Sveiser", &["sveising", "CNC"], &[]),
        need("b2", "SE-2085", "CAD och arabiska", &["CAD"], &[("ar", 4)]),
        need("b3", "SE-2062", "Sågverk", &[], &[]),
    ] {
        let a = one_by_one
            .matches(&n, Kind::Candidate, 20, today())
            .expect("one by one");
        let b = batched
            .matches(&n, Kind::Candidate, 20, today())
            .expect("batched");
        assert!(!a.is_empty(), "{}", n.id);
        assert_eq!(a, b, "{}", n.id);
    }
}

#[test]
fn a_deleted_record_is_gone_after_the_commit() {
    let index = SearchIndex::in_memory().expect("index");
    add(&index, corpus(10));
    index.commit(1).expect("commit");
    assert_eq!(index.ids(Kind::Candidate).len(), 10);
    index.delete(Kind::Candidate, "c0003");
    index.commit(2).expect("commit");
    assert!(!index.ids(Kind::Candidate).contains(&"c0003".to_string()));
    assert_eq!(index.len(), 9);
}

#[test]
fn an_index_resumes_after_reopening_and_is_rebuilt_when_unreadable() {
    let dir = tempdir();
    {
        let (index, opened) = SearchIndex::open(&dir).expect("open");
        assert_eq!(opened, Opened::Rebuild);
        add(&index, corpus(25));
        index.commit(17).expect("commit");
    }
    let (index, opened) = SearchIndex::open(&dir).expect("reopen");
    assert_eq!(opened, Opened::Resumed(17));
    assert_eq!(index.ids(Kind::Candidate).len(), 25);
    let n = need("n", "NO-5025", "Sveiser", &["sveising"], &[]);
    let fast = index
        .matches(&n, Kind::Candidate, 5, today())
        .expect("matches");
    assert!(!fast.is_empty());
    assert_eq!(
        fast,
        index
            .matches_exhaustive(&n, Kind::Candidate, 5, today())
            .expect("slow")
    );
    drop(index);

    std::fs::write(dir.join("meta.json"), b"{ not json").expect("corrupt");
    let (index, opened) = SearchIndex::open(&dir).expect("open corrupt");
    assert_eq!(opened, Opened::Rebuild);
    assert!(index.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_index_of_an_older_schema_version_is_rebuilt() {
    let dir = tempdir();
    {
        let (index, _) = SearchIndex::open(&dir).expect("open");
        add(&index, corpus(3));
        let mut writer = index.writer.lock().expect("writer");
        let mut prepared = writer.prepare_commit().expect("prepare");
        prepared.set_payload(r#"{"schema": 0, "seq": 3}"#);
        prepared.commit().expect("commit");
    }
    let (_, opened) = SearchIndex::open(&dir).expect("reopen");
    assert_eq!(opened, Opened::Rebuild);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn search_finds_records_across_languages() {
    let index = SearchIndex::in_memory().expect("index");
    let mut e = candidate("c", "SE-2062", "Redovisningsekonom", &[("sv", 7)], 50.0);
    e.skills = vec!["redovisning".into()];
    add(
        &index,
        vec![e, candidate("d", "SE-2062", "Kock", &[("sv", 7)], 50.0)],
    );
    index.commit(1).expect("commit");
    let hits = index
        .search("regnskap", &[Kind::Candidate], 10)
        .expect("search");
    assert_eq!(
        hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["c"]
    );
    assert!(index
        .search("regnskap", &[Kind::Need], 10)
        .expect("search")
        .is_empty());
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "heartland-index-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn a_cached_answer_is_what_ranking_now_gives_and_goes_with_every_change() {
    let index = SearchIndex::in_memory().expect("index");
    add(&index, corpus(300));
    index.commit(1).expect("commit");
    let today = today();
    let need = need(
        "n1",
        "NO-5025",
        "Sveiser",
        &["sveising", "CNC"],
        &[("nb", 4)],
    );
    let first = index
        .matches(&need, Kind::Candidate, 10, today)
        .expect("matches");
    assert!(!first.is_empty(), "the corpus has matches");
    // Asked again over the same index: the same, and the same as ranking afresh.
    let again = index
        .matches(&need, Kind::Candidate, 10, today)
        .expect("matches");
    assert_eq!(again, first);
    assert_eq!(
        index
            .matches_uncached(&need, Kind::Candidate, 10, today)
            .expect("matches"),
        first
    );
    // The best match goes: the next answer no longer holds it, before and after the commit.
    let best = first[0].id.clone();
    index.delete(Kind::Candidate, &best);
    let after = index
        .matches(&need, Kind::Candidate, 10, today)
        .expect("matches");
    assert_eq!(
        after,
        index
            .matches_uncached(&need, Kind::Candidate, 10, today)
            .expect("matches")
    );
    index.commit(2).expect("commit");
    let committed = index
        .matches(&need, Kind::Candidate, 10, today)
        .expect("matches");
    assert!(
        committed.iter().all(|h| h.id != best),
        "the deleted record is gone"
    );
    assert_eq!(
        committed,
        index
            .matches_uncached(&need, Kind::Candidate, 10, today)
            .expect("matches")
    );
    // Another question (a changed need, another k) is not answered from the cache.
    let mut changed = need.clone();
    changed.id = "another-need".into();
    assert_eq!(
        index
            .matches(&changed, Kind::Candidate, 3, today)
            .expect("matches"),
        index
            .matches_uncached(&changed, Kind::Candidate, 3, today)
            .expect("matches")
    );
}

#[test]
fn a_kept_answer_tells_how_far_its_index_followed_the_feed() {
    let index = SearchIndex::in_memory().expect("index");
    add(&index, corpus(200));
    let today = today();
    let need = need("n1", "NO-5025", "Sveiser", &["sveising"], &[("nb", 4)]);
    let kept = |index: &SearchIndex| {
        index
            .matches(&need, Kind::Candidate, 10, today)
            .expect("matches");
        index
            .cached_matches(&need, Kind::Candidate, 10, today)
            .expect("kept")
    };
    // Never committed: how far it is is not known.
    assert_eq!(kept(&index).level, None);
    index.commit(7).expect("commit");
    let at_seven = kept(&index);
    assert_eq!(at_seven.level, Some(7));
    // A record added after the commit makes the index newer than 7, never older: still 7.
    add(
        &index,
        vec![candidate("late", "NO-5025", "Sveiser", &[("nb", 5)], 100.0)],
    );
    assert_eq!(kept(&index).level, Some(7));
    // A number passed over and still watched for: no level, whatever was applied after it.
    index.commit_watching(9, &[8]).expect("commit");
    assert_eq!(kept(&index).level, None);
    index.commit_watching(10, &[]).expect("commit");
    assert_eq!(kept(&index).level, Some(10));
    // Emptied for a rebuild: no level until the rebuild commits.
    index.clear().expect("clear");
    assert_eq!(kept(&index).level, None);
}

/// A graduate with `text` as her experience.
fn graduate(id: &str, municipality: &str, text: &str) -> Entity {
    let mut c = candidate(id, municipality, "Ingenjör", &[("sv", 7)], 200.0);
    c.text = text.into();
    c
}

#[test]
fn a_need_nobody_holds_the_skills_for_lists_graduates_of_its_trade_and_only_then() {
    let index = SearchIndex::in_memory().expect("index");
    add(
        &index,
        vec![
            graduate(
                "mech",
                "SE-2081",
                "Högskoleingenjör i maskinteknik; examensarbete om svetsrobotar.",
            ),
            graduate(
                "nurse",
                "SE-2081",
                "Sjuksköterska på en vårdcentral i fem år.",
            ),
            graduate(
                "far",
                "SE-1280",
                "Maskiningenjör med fem år på ett verkstadsföretag.",
            ),
        ],
    );
    index.commit(1).expect("commit");
    let hydraulics = need(
        "n",
        "SE-2085",
        "Konstruktör för hydraulcylindrar",
        &["CAD", "hållfasthetsberäkning"],
        &[],
    );
    let ids = |n: &Entity| -> Vec<String> {
        let fast = index
            .matches(n, Kind::Candidate, 10, today())
            .expect("fast");
        let slow = index
            .matches_exhaustive(n, Kind::Candidate, 10, today())
            .expect("slow");
        assert_eq!(fast, slow, "{}", n.id);
        fast.iter().map(|h| h.id.clone()).collect()
    };
    // Nobody holds CAD or strength analysis: the mechanical engineer within reach is shown,
    // explained; neither the nurse nor the engineer beyond his 200 km.
    assert_eq!(ids(&hydraulics), ["mech"]);
    let hits = index
        .matches(&hydraulics, Kind::Candidate, 10, today())
        .expect("matches");
    let skills = hits[0].factors.iter().find(|f| f.name == "skills");
    assert!(
        skills.is_some_and(|f| f.detail.contains("of a trade the experience shows")),
        "{hits:#?}"
    );
    // The graduate asking sees the need the same way.
    let mech = graduate(
        "mech",
        "SE-2081",
        "Högskoleingenjör i maskinteknik; examensarbete om svetsrobotar.",
    );
    add(&index, vec![hydraulics.clone()]);
    index.commit(2).expect("commit");
    let needs: Vec<String> = index
        .matches(&mech, Kind::Need, 10, today())
        .expect("matches")
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(needs, ["n"]);
    // Once someone holds a skill asked for, the list is of such matches only.
    add(
        &index,
        vec![graduate(
            "cad",
            "SE-2085",
            "Konstruktör; tre år med CAD i SolidWorks.",
        )],
    );
    index.commit(3).expect("commit");
    assert_eq!(ids(&hydraulics), ["cad"]);
}

/// tantivy gives the first operation after an index is reopened the opstamp of the last commit
/// (its stamper restarts there). A merge of committed segments started before the next commit
/// also targets that opstamp; where it merges a segment whose deletes were last applied at
/// that commit after one that was not, the merged segment skips the delete: the deleted record
/// came back (seen after `kill -9` in `crash::*_kill_9_mid_stream_loses_nothing`). Opening the
/// index spends that opstamp first, so no operation of ours shares it.
#[test]
fn a_delete_right_after_reopening_survives_a_merge() {
    let dir = std::env::temp_dir().join(format!(
        "heartland-reopen-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let mk = |id: &str| candidate(id, "SE-2062", "Svetsare", &[("sv", 7)], 300.0);
    {
        let (index, _) = SearchIndex::open(&dir).expect("open");
        add(&index, vec![mk("a")]);
        index.commit(1).expect("commit");
        add(&index, vec![mk("b"), mk("c")]);
        index.commit(2).expect("commit");
        // The last commit applies a delete to the second segment only.
        index.delete(Kind::Candidate, "c");
        index.commit(3).expect("commit");
    }
    {
        let (index, _) = SearchIndex::open(&dir).expect("reopen");
        index.delete(Kind::Candidate, "b");
        let mut writer = index.writer.lock().expect("writer");
        let mut metas = writer.index().searchable_segment_metas().expect("metas");
        assert_eq!(metas.len(), 2);
        // The segment with no deletes first: its cursor is the merged segment's.
        metas.sort_by_key(|m| m.delete_opstamp().is_some());
        let ids: Vec<_> = metas.iter().map(|m| m.id()).collect();
        writer.merge(&ids).wait().expect("merge");
        drop(writer);
        index.commit(4).expect("commit");
        assert_eq!(index.ids(Kind::Candidate), vec!["a".to_string()]);
    }
    let (index, _) = SearchIndex::open(&dir).expect("reopen");
    assert_eq!(index.ids(Kind::Candidate), vec!["a".to_string()]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An upsert deletes a record's earlier document only when it has one: every way a record can
/// come back leaves exactly one document of it.
#[test]
fn a_record_written_again_is_in_the_index_once() {
    let dir = tempdir();
    let mk = |id: &str, title: &str| candidate(id, "SE-2062", title, &[("sv", 7)], 300.0);
    let titles = |index: &SearchIndex| {
        let mut t: Vec<String> = index
            .search("svetsare", &[Kind::Candidate], 10)
            .expect("search")
            .into_iter()
            .map(|h| format!("{}:{}", h.id, h.title))
            .collect();
        t.sort();
        t
    };
    {
        let (index, _) = SearchIndex::open(&dir).expect("open");
        // Twice before a commit, then again after it.
        add(&index, vec![mk("a", "Svetsare 1"), mk("a", "Svetsare 2")]);
        add(&index, vec![mk("b", "Svetsare 1")]);
        index.commit(1).expect("commit");
        add(&index, vec![mk("a", "Svetsare 3")]);
        // Deleted, then back before the commit.
        index.delete(Kind::Candidate, "b");
        add(&index, vec![mk("b", "Svetsare 2")]);
        index.commit(2).expect("commit");
        assert_eq!(index.len(), 2);
        assert_eq!(titles(&index), ["a:Svetsare 3", "b:Svetsare 2"]);
        // Emptied, and one back.
        index.clear().expect("clear");
        add(&index, vec![mk("b", "Svetsare 3")]);
        index.commit(3).expect("commit");
        assert_eq!(index.len(), 1);
        assert_eq!(titles(&index), ["b:Svetsare 3"]);
    }
    // After reopening, a record the index holds is replaced, not added beside.
    let (index, _) = SearchIndex::open(&dir).expect("reopen");
    add(&index, vec![mk("b", "Svetsare 4"), mk("c", "Svetsare 1")]);
    index.commit(4).expect("commit");
    assert_eq!(index.len(), 2);
    assert_eq!(titles(&index), ["b:Svetsare 4", "c:Svetsare 1"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// 900 generated candidates in three segments (three commits), every `step`-th of each
/// segment deleted.
fn in_three_segments(step: usize) -> (SearchIndex, Vec<Entity>) {
    let index = SearchIndex::in_memory().expect("index");
    let all = corpus(900);
    let mut analyzers = Analyzers::default();
    for (round, part) in all.chunks(300).enumerate() {
        for e in part {
            index.upsert(e.clone(), &mut analyzers).expect("upsert");
        }
        for e in part.iter().step_by(step) {
            index.delete(Kind::Candidate, &e.id);
        }
        index.commit(1 + round as i64).expect("commit");
    }
    (index, all)
}

/// The filter terms found through the kept bit sets retrieve exactly what the same terms as
/// posting lists retrieve, over several segments, with deleted records, and again after more
/// commits (sets of segments gone are forgotten, new ones read).
#[test]
fn the_filter_through_bit_sets_retrieves_what_the_posting_lists_retrieve() {
    let (index, all) = in_three_segments(11);
    let filters: [(&[&str], &[&[&str]]); 6] = [
        (&["ktp"], &[]),
        (
            &["ktp"],
            &[
                &["lang:ar:4", "lang:ar:5", "lang:ar:6", "lang:ar:7"],
                &["reach:SE-20", "reach:any"],
            ],
        ),
        (
            &["ktp"],
            &[
                &["lang:scand:3", "lang:scand:5", "lang:scand:7"],
                &["reach:NO-50", "reach:any"],
            ],
        ),
        (&["mentor"], &[]),
        (
            &["lang:scand:7", "lang:en:5"],
            &[&["reach:SE-17", "reach:SE-12"]],
        ),
        (&["no-such-term"], &[&["reach:SE-20"]]),
    ];
    let handles = |q: &dyn Query| {
        let mut found: Vec<u64> = index
            .reader
            .searcher()
            .search(q, &PLAIN)
            .expect("search")
            .into_iter()
            .map(|(_, h, _)| h)
            .collect();
        found.sort_unstable();
        found
    };
    for pass in 0..2 {
        for (every, groups) in filters {
            let gates = gates::Gates {
                field: index.fields.gate,
                all: every.iter().map(|t| t.to_string()).collect(),
                any: groups
                    .iter()
                    .map(|g| g.iter().map(|t| t.to_string()).collect())
                    .collect(),
                cache: index.gates.clone(),
            };
            let mut must: Vec<(Occur, Box<dyn Query>)> =
                every.iter().map(|t| (Occur::Must, index.gate(t))).collect();
            for g in groups {
                let any = g.iter().map(|t| (Occur::Should, index.gate(t))).collect();
                must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
            let lists = handles(&BooleanQuery::new(must));
            assert_eq!(handles(&gates), lists, "{every:?} {groups:?} pass {pass}");
            if every[0] == "ktp" {
                assert!(!lists.is_empty(), "{every:?} finds records");
            }
        }
        // More deletes and a commit (segments may merge): the sets follow.
        for e in all.iter().skip(pass).step_by(7) {
            index.delete(Kind::Candidate, &e.id);
        }
        index.commit(10 + pass as i64).expect("commit");
    }
}

/// The text query, read a block at a time into score arrays, finds the same records with the
/// same scores, to the bit, as the `BooleanQuery` of `TermQuery`s (boosted concepts, the words
/// optional where a concept is required, the filter ANDed) it replaced: over several segments
/// with deleted records, with and without a concept required, with and without the filter,
/// and after a query left its arrays unclean.
#[test]
fn the_text_query_scores_what_the_boolean_query_scores() {
    use tantivy::query::BoostQuery;
    let (index, _) = in_three_segments(13);
    let mut analyzers = Analyzers::default();
    let term = |(t, boost): &(Term, Score)| -> Box<dyn Query> {
        let q: Box<dyn Query> = Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs));
        if *boost == 1.0 {
            q
        } else {
            Box::new(BoostQuery::new(q, *boost))
        }
    };
    let should = |clauses: &[(Term, Score)]| -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            clauses.iter().map(|c| (Occur::Should, term(c))).collect(),
        ))
    };
    let boolean = |s: &scored::Scored| -> Box<dyn Query> {
        let text = if s.required.is_empty() {
            should(&s.optional)
        } else {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, should(&s.required)),
                (Occur::Should, should(&s.optional)),
            ]))
        };
        match &s.filter {
            Some(g) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, text),
                (Occur::Must, Box::new(g.clone()) as Box<dyn Query>),
            ])),
            None => text,
        }
    };
    let found = |q: &dyn Query| {
        let mut f: Vec<(u64, u32)> = index
            .reader
            .searcher()
            .search(q, &PLAIN)
            .expect("search")
            .into_iter()
            .map(|(s, h, _)| (h, s.to_bits()))
            .collect();
        f.sort_unstable();
        f
    };
    let needs = four_needs();
    let mut compared = 0;
    for n in needs {
        let (prepared, words) = Prepared::analysed(n, &mut analyzers);
        for (require, filtered) in [(true, true), (true, false), (false, true), (false, false)] {
            let mut q = index.query_for(&words, &prepared.bits, require);
            if filtered {
                q.filter = Some(index.gates_for(&prepared, Kind::Candidate));
            }
            let old = found(boolean(&q).as_ref());
            if filtered {
                // A query that panicked midway on this thread does not change the next.
                scored::soil_scratch(1_000);
            }
            let new = found(&q);
            assert_eq!(
                new, old,
                "{} require {require} filter {filtered}",
                prepared.entity.id
            );
            assert!(!new.is_empty(), "{} finds records", prepared.entity.id);
            compared += new.len();
        }
    }
    assert!(compared > 1_000, "{compared} records compared");
}
