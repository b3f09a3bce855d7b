use super::*;
use crate::cpv::ANOTHER_GROUP;
use crate::entity::{Entity, Kind, Spoken};
use crate::vocabulary::Analyzers;

pub(crate) fn today() -> i64 {
    day_number("2026-12-01").expect("date")
}

pub(crate) fn need(
    id: &str,
    municipality: &str,
    title: &str,
    skills: &[&str],
    languages: &[(&str, u8)],
) -> Entity {
    Entity {
        kind: Some(Kind::Need),
        id: id.into(),
        title: title.into(),
        text: String::new(),
        skills: skills.iter().map(|s| s.to_string()).collect(),
        languages: languages
            .iter()
            .map(|(c, l)| Spoken {
                code: c.to_string(),
                level: *l,
            })
            .collect(),
        municipality: municipality.into(),
        cross_border_ok: true,
        date: Some("2027-03-01".into()),
        active: true,
        ..Entity::default()
    }
}

pub(crate) fn candidate(
    id: &str,
    municipality: &str,
    headline: &str,
    languages: &[(&str, u8)],
    max_km: f64,
) -> Entity {
    Entity {
        kind: Some(Kind::Candidate),
        id: id.into(),
        title: headline.into(),
        languages: languages
            .iter()
            .map(|(c, l)| Spoken {
                code: c.to_string(),
                level: *l,
            })
            .collect(),
        municipality: municipality.into(),
        max_distance_km: Some(max_km),
        cross_border_ok: true,
        date: Some("2027-01-15".into()),
        active: true,
        consents: vec!["matching_ktp".into(), "contact".into()],
        seeks_ktp: true,
        ..Entity::default()
    }
}

fn prep(e: Entity) -> Prepared {
    Prepared::new(e, &mut Analyzers::default())
}

fn factor<'a>(factors: &'a [Factor], name: &str) -> &'a Factor {
    factors
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no factor {name} in {factors:?}"))
}

#[test]
fn a_norwegian_welding_need_finds_a_swedish_welder_and_says_why() {
    let n = prep(need(
        "n",
        "NO-5025",
        "Sveiser til verkstedet",
        &["sveising"],
        &[("nb", 4)],
    ));
    let mut welder = candidate(
        "c",
        "SE-2062",
        "Erfaren svetsare, MIG-svetsning",
        &[("sv", 7)],
        300.0,
    );
    welder.text = "Sex år som svetsare på en verkstad i Mora.".into();
    let c = prep(welder);
    let (score, factors) = score(&n, &c, 6.0, today()).expect("a match");
    assert!(score > 0.5, "{score}");
    assert_eq!(factor(&factors, "skills").score, 1.0);
    assert!(factor(&factors, "skills").detail.contains("1 of 1"));
    assert!(factor(&factors, "text").detail.contains("welding"));
    let distance = &factor(&factors, "distance").detail;
    assert!(
        distance.contains("Røros")
            && distance.contains("Mora")
            && distance.contains("crosses the border"),
        "{distance}"
    );
    assert!(factor(&factors, "languages").detail.contains("needs nb B2"));
    assert!(factors.iter().all(|f| (0.0..=1.0).contains(&f.score)));
}

#[test]
fn a_required_language_below_its_level_is_never_matched() {
    let n = prep(need(
        "n",
        "SE-2085",
        "CAD-konstruktör",
        &["CAD"],
        &[("ar", 4)],
    ));
    let without = prep(candidate(
        "a",
        "SE-2085",
        "CAD-konstruktör",
        &[("sv", 7), ("en", 6)],
        100.0,
    ));
    let too_little = prep(candidate(
        "b",
        "SE-2085",
        "CAD-konstruktör",
        &[("ar", 3)],
        100.0,
    ));
    let enough = prep(candidate(
        "c",
        "SE-2085",
        "CAD-konstruktör",
        &[("ar", 7)],
        100.0,
    ));
    assert!(score(&n, &without, 20.0, today()).is_none());
    assert!(score(&n, &too_little, 20.0, today()).is_none());
    assert!(score(&n, &enough, 20.0, today()).is_some());
}

#[test]
fn swedish_and_norwegian_count_as_one_language() {
    let n = prep(need("n", "NO-5025", "Sveiser", &["sveising"], &[("nb", 4)]));
    let c = prep(candidate("c", "NO-5025", "Svetsare", &[("sv", 4)], 50.0));
    assert!(score(&n, &c, 5.0, today()).is_some());
}

#[test]
fn a_candidate_is_never_matched_beyond_their_radius_unless_remote_work_is_allowed() {
    let mut n = need("n", "NO-5025", "Sveiser", &["sveising"], &[]);
    let malmo = prep(candidate("c", "SE-1280", "Svetsare", &[("sv", 7)], 30.0));
    assert!(score(&prep(n.clone()), &malmo, 50.0, today()).is_none());
    n.remote_ok = true;
    assert!(score(&prep(n), &malmo, 50.0, today()).is_some());
}

#[test]
fn the_border_is_crossed_only_when_both_sides_say_yes() {
    let mut n = need("n", "NO-5025", "Sveiser", &["sveising"], &[]);
    let mut c = candidate("c", "SE-2062", "Svetsare", &[("sv", 7)], 500.0);
    c.cross_border_ok = false;
    assert!(score(&prep(n.clone()), &prep(c.clone()), 5.0, today()).is_none());
    c.cross_border_ok = true;
    n.cross_border_ok = false;
    assert!(score(&prep(n), &prep(c), 5.0, today()).is_none());
}

#[test]
fn without_consent_or_when_withdrawn_there_is_no_match() {
    let n = prep(need("n", "SE-2062", "Svetsare", &["svetsning"], &[]));
    let mut c = candidate("c", "SE-2062", "Svetsare", &[("sv", 7)], 50.0);
    c.consents = vec!["matching_mentoring".into()];
    assert!(score(&n, &prep(c.clone()), 5.0, today()).is_none());
    c.consents = vec!["matching_ktp".into()];
    c.active = false;
    assert!(score(&n, &prep(c), 5.0, today()).is_none());
}

#[test]
fn both_directions_give_the_same_score() {
    let n = prep(need(
        "n",
        "SE-2062",
        "Svetsare",
        &["svetsning", "CNC"],
        &[("sv", 4)],
    ));
    let c = prep(candidate(
        "c",
        "SE-2080",
        "Svetsare med CNC",
        &[("sv", 7)],
        100.0,
    ));
    let a = score(&n, &c, 7.5, today()).expect("need → candidate");
    let b = score(&c, &n, 7.5, today()).expect("candidate → need");
    assert_eq!(a, b);
}

fn mentee(id: &str, municipality: &str) -> Entity {
    Entity {
        kind: Some(Kind::Candidate),
        id: id.into(),
        title: "Restaurang i Borlänge".into(),
        support_needs: vec!["tax".into(), "financing".into()],
        languages: vec![
            Spoken {
                code: "ar".into(),
                level: 7,
            },
            Spoken {
                code: "sv".into(),
                level: 2,
            },
        ],
        municipality: municipality.into(),
        max_distance_km: Some(80.0),
        active: true,
        consents: vec!["matching_mentoring".into()],
        mentee: true,
        ..Entity::default()
    }
}

fn mentor(id: &str, capacity_left: i64) -> Entity {
    Entity {
        kind: Some(Kind::Mentor),
        id: id.into(),
        title: "Företagsrådgivare".into(),
        skills: vec!["skatt".into(), "finansiering".into()],
        languages: vec![Spoken {
            code: "sv".into(),
            level: 7,
        }],
        municipality: "SE-2081".into(),
        active: true,
        consents: vec!["matching_mentoring".into()],
        capacity_left: Some(capacity_left),
        ..Entity::default()
    }
}

#[test]
fn a_mentor_at_capacity_gets_no_new_mentees() {
    let m = prep(mentee("m", "SE-2081"));
    let (s, factors) = score(&m, &prep(mentor("r", 2)), 3.0, today()).expect("a match");
    assert!(s > 0.0);
    // Both support needs listed, neither backed by the headline: half each.
    assert_eq!(factor(&factors, "skills").score, 0.5, "{factors:?}");
    assert!(score(&m, &prep(mentor("r", 0)), 3.0, today()).is_none());
}

#[test]
fn a_procurement_matches_offers_whose_cpv_codes_lie_under_or_over_its_own() {
    let p = prep(Entity {
        kind: Some(Kind::Procurement),
        id: "p".into(),
        title: "Byggentreprenad".into(),
        cpv: vec!["45000000-7".into()],
        municipality: "SE-2062".into(),
        date: Some("2027-02-01".into()),
        active: true,
        ..Entity::default()
    });
    let offer = |code: &str, municipality: &str, cross: bool| {
        prep(Entity {
            kind: Some(Kind::Offer),
            id: "o".into(),
            title: "Bygg".into(),
            cpv: vec![code.into()],
            municipality: municipality.into(),
            cross_border_ok: cross,
            active: true,
            ..Entity::default()
        })
    };
    let (_, factors) = score(&p, &offer("45210000-2", "SE-2062", false), 0.0, today())
        .expect("narrower code matches");
    assert_eq!(factor(&factors, "cpv").score, 0.9);
    assert!(score(&p, &offer("45000000-7", "SE-2062", false), 0.0, today()).is_some());
    assert!(score(&p, &offer("03000000-1", "SE-2062", false), 10.0, today()).is_none());
    assert!(
        score(&p, &offer("45000000-7", "NO-5025", false), 0.0, today()).is_none(),
        "a supplier across the border must say yes"
    );
    assert!(score(&p, &offer("45000000-7", "NO-5025", true), 0.0, today()).is_some());
}

/// A factor of an offer of `offered` from `offer_place` for a procurement of `wanted` in
/// `buyer` (`None`: the rules exclude the pair).
fn procurement_factor(
    name: &str,
    (wanted, buyer): (&str, &str),
    (offered, offer_place): (&str, &str),
) -> Option<f64> {
    let p = prep(Entity {
        kind: Some(Kind::Procurement),
        id: "p".into(),
        title: "Upphandling".into(),
        cpv: vec![wanted.into()],
        municipality: buyer.into(),
        date: Some("2027-02-01".into()),
        active: true,
        ..Entity::default()
    });
    let o = prep(Entity {
        kind: Some(Kind::Offer),
        id: "o".into(),
        title: "Leverantör".into(),
        cpv: vec![offered.into()],
        municipality: offer_place.into(),
        active: true,
        ..Entity::default()
    });
    score(&p, &o, 6.0, today()).map(|(_, f)| factor(&f, name).score)
}

/// The CPV factor of an offer of `offered` for a procurement of `wanted`, both in `place`.
fn cpv_of(wanted: &str, place: &str, offered: &str) -> Option<f64> {
    procurement_factor("cpv", (wanted, place), (offered, place))
}

/// School transport (60130000-8, a class of the group road transport, 601): the same code
/// first, then a sibling in the same group (non-scheduled passenger transport), then — low —
/// the group itself (all road transport, goods included), then railway transport (another
/// group of transport, 602), lowest the whole division; construction never.
#[test]
fn cpv_codes_are_a_distance_siblings_count_and_a_broad_parent_ranks_low() {
    let order: Vec<Option<f64>> = [
        "60130000-8", // the same
        "60140000-1", // a sibling in the group
        "60100000-9", // the group: road transport, goods included
        "60200000-0", // another group of the division: railway transport
        "60000000-8", // the division: all transport
    ]
    .iter()
    .map(|c| cpv_of("60130000-8", "NO-3421", c))
    .collect();
    assert_eq!(
        order,
        [
            Some(1.0),
            Some(0.5),
            Some(0.3),
            Some(ANOTHER_GROUP),
            Some(0.1)
        ]
    );
    assert_eq!(
        cpv_of("60130000-8", "NO-3421", "45000000-7"),
        None,
        "construction is another division"
    );
}

/// For a school building (45214200, a category of the class 4521 building construction), a
/// builder who offers building construction — the class, which covers schools — comes before
/// a bridge builder (4522, another class of the group), who comes before an electrician
/// (4531, another group of construction work, low); a school-furniture maker (39) never.
#[test]
fn a_broader_code_that_covers_the_work_ranks_above_a_sibling_of_another_class() {
    let cpv_of = |code: &str| cpv_of("45214200-2", "SE-1780", code);
    let building = cpv_of("45210000-2");
    let bridges = cpv_of("45221000-2");
    let electrician = cpv_of("45310000-3");
    assert_eq!(
        (building, bridges, electrician),
        (Some(0.6), Some(0.5), Some(ANOTHER_GROUP))
    );
    assert_eq!(cpv_of("39160000-1"), None, "furniture is another division");
}

/// Distance weighs for work done on the spot (school transport) and not for software or IT
/// services, which a buyer takes from a supplier anywhere.
#[test]
fn distance_counts_for_services_on_the_spot_and_not_for_software() {
    let distance_of = |code: &str, offer_place: &str| -> f64 {
        procurement_factor("distance", (code, "SE-2080"), (code, offer_place)).unwrap_or(-1.0)
    };
    // Karlstad is about 180 km from Falun.
    assert!(distance_of("60130000-8", "SE-1780") < 0.5);
    assert_eq!(distance_of("60130000-8", "SE-2080"), 1.0);
    assert_eq!(distance_of("72212000-4", "SE-1780"), 1.0);
    assert_eq!(distance_of("48814400-1", "SE-1780"), 1.0);
}

#[test]
fn nothing_in_common_is_no_match() {
    let n = prep(need("n", "SE-2062", "Sjuksköterska", &["omvårdnad"], &[]));
    let c = prep(candidate("c", "SE-2062", "Svetsare", &[("sv", 7)], 50.0));
    assert!(score(&n, &c, 0.0, today()).is_none());
}

#[test]
fn dates_count_days() {
    assert_eq!(day_number("1970-01-01"), Some(0));
    assert_eq!(day_number("2000-03-01"), Some(11_017));
    assert_eq!(
        day_number("2027-01-15")
            .zip(day_number("2026-12-16"))
            .map(|(a, b)| a - b),
        Some(30)
    );
    assert_eq!(day_number("2027-13-01"), None);
}

#[test]
fn concept_bits_hold_every_concept_and_agree_with_sets() {
    let n = Vocabulary::get().concepts().len();
    assert!(
        n <= 64 * CONCEPT_WORDS,
        "{n} concepts need more CONCEPT_WORDS"
    );
    let a: BTreeSet<usize> = (0..n).step_by(3).collect();
    let b: BTreeSet<usize> = (0..n).step_by(5).collect();
    let c: BTreeSet<usize> = [1, n - 1].into_iter().collect();
    let (ba, bb, bc) = (
        ConceptBits::of(&a),
        ConceptBits::of(&b),
        ConceptBits::of(&c),
    );
    assert_eq!(ba.len(), a.len());
    assert_eq!(ba.overlap(&bb), a.intersection(&b).count());
    assert_eq!(ba.is_disjoint(&bc), a.is_disjoint(&c));
    assert_eq!(bb.is_disjoint(&bc), b.is_disjoint(&c));
    assert!(ConceptBits::of(&BTreeSet::new()).is_empty());
}

#[test]
fn the_distance_table_equals_the_formula() {
    let all = crate::Gazetteer::get().all();
    for (i, a) in all.iter().enumerate().step_by(7) {
        for b in all.iter().skip(i % 5).step_by(11) {
            assert_eq!(
                crate::gazetteer::distance_km(a, b),
                crate::gazetteer::haversine_km(a, b)
            );
        }
    }
}

/// The bound that lets ranking skip a record is never below the score, and rules out exactly
/// the pairs the score rules out: over a generated corpus, with and without KTP-target needs,
/// and with skills the vocabulary does not know (compared by label).
#[test]
fn the_bound_is_never_below_the_score() {
    let corpus = crate::corpus::generate(400, 12, 7);
    let mut analyzers = Analyzers::default();
    let candidates: Vec<Prepared> = corpus
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.clone();
            if i % 3 == 0 {
                c.skills.push("Kvantfysik för sågverk".into());
            }
            Prepared::new(c, &mut analyzers)
        })
        .collect();
    let (mut scored, mut equal) = (0, 0);
    for (qi, q) in corpus.queries.iter().enumerate() {
        let mut need = q.need.clone();
        need.ktp_target = qi % 2 == 1;
        if qi % 3 == 0 {
            need.skills.push("kvantfysik för sågverk".into());
        }
        let need = Prepared::new(need, &mut analyzers);
        for (ci, c) in candidates.iter().enumerate() {
            let hot = Hot::of(c, ci as u64);
            for bm25 in [0.0f32, 1.5, 9.0, 30.0] {
                let s = without_details(|| score(&need, c, bm25, today()));
                let b = bound(&need, &hot, bm25, today());
                match (s, b) {
                    (None, None) => {}
                    (Some((s, _)), Some(b)) => {
                        assert!(b >= s, "{} / {}: {b} < {s}", need.entity.id, c.entity.id);
                        scored += 1;
                        equal += usize::from(b == s);
                    }
                    (None, Some(_)) => {}
                    (Some(_), None) => panic!("{} / {}: ruled out", need.entity.id, c.entity.id),
                }
            }
        }
    }
    assert!(scored > 1000, "{scored} pairs scored");
    // Tight: almost always the score itself.
    assert!(equal * 10 >= scored * 9, "{equal} of {scored} exact");
}

/// The eligibility rule is one function ([`Entity::open_to`]): the ranking's hard-rule gate
/// agrees with it for random records of every track, in both directions. Records that fit in
/// every other way score exactly when both sides are open to the track.
mod eligibility {
    use super::*;
    use proptest::prelude::*;

    fn spoken(code: &str, level: u8) -> Vec<Spoken> {
        vec![Spoken {
            code: code.into(),
            level,
        }]
    }

    /// A record of `kind` that fits its counterpart in everything but eligibility.
    fn fitting(kind: Kind, id: &str) -> Entity {
        let mut e = Entity {
            kind: Some(kind),
            id: id.into(),
            title: "Svetsare och svetsteknik".into(),
            text: "svetsning svetsare bokföring".into(),
            skills: vec!["svetsning".into()],
            languages: spoken("sv", 4),
            municipality: "SE-2062".into(),
            cross_border_ok: true,
            remote_ok: true,
            active: true,
            ..Entity::default()
        };
        match kind {
            Kind::Need => {
                e.languages = spoken("sv", 2);
                e.date = Some("2027-03-01".into());
            }
            Kind::Candidate => {
                e.support_needs = vec!["bokföring".into()];
                e.max_distance_km = Some(200.0);
                e.date = Some("2027-01-15".into());
            }
            Kind::Mentor => e.skills = vec!["bokföring".into(), "svetsning".into()],
            Kind::Procurement | Kind::Offer => {
                e.cpv = vec!["45000000".into()];
                e.date = Some("2027-06-01".into());
            }
        }
        e
    }

    /// Random eligibility on top of a fitting record.
    fn shaped(
        kind: Kind,
        id: &str,
        (active, seeks, mentee, places, consents): (bool, bool, bool, i64, u8),
    ) -> Entity {
        let mut e = fitting(kind, id);
        e.active = active;
        if kind == Kind::Candidate {
            e.seeks_ktp = seeks;
            e.mentee = mentee;
        }
        if kind == Kind::Mentor {
            e.capacity_left = Some(places);
        }
        e.consents = ["matching_ktp", "matching_mentoring", "matching_procurement"]
            .iter()
            .enumerate()
            .filter(|(i, _)| consents & (1 << i) != 0)
            .map(|(_, c)| c.to_string())
            .collect();
        e
    }

    fn flags() -> impl Strategy<Value = (bool, bool, bool, i64, u8)> {
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            -1i64..3,
            0u8..8,
        )
    }

    const PAIRS: [(Kind, Kind); 6] = [
        (Kind::Need, Kind::Candidate),
        (Kind::Candidate, Kind::Need),
        (Kind::Candidate, Kind::Mentor),
        (Kind::Mentor, Kind::Candidate),
        (Kind::Procurement, Kind::Offer),
        (Kind::Offer, Kind::Procurement),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn the_ranking_scores_a_pair_exactly_when_both_are_open_to_the_track(
            pair in 0usize..6,
            a in flags(),
            b in flags(),
        ) {
            let (qk, tk) = PAIRS[pair];
            let track = track_of(qk, tk).expect("a track");
            let (q, t) = (shaped(qk, "q", a), shaped(tk, "t", b));
            let open = q.open_to(track).is_ok() && t.open_to(track).is_ok();
            let mut analyzers = Analyzers::default();
            let (pq, pt) = (
                Prepared::new(q, &mut analyzers),
                Prepared::new(t, &mut analyzers),
            );
            let scored = score(&pq, &pt, 1.0, today()).is_some();
            prop_assert_eq!(scored, open, "{:?} → {:?}", qk, tk);
            // The precomputed flags are the same rule.
            for p in [&pq, &pt] {
                prop_assert_eq!(p.ktp_ok, p.entity.open_to(Track::Ktp).is_ok());
                prop_assert_eq!(p.mentoring_ok, p.entity.open_to(Track::Mentoring).is_ok());
                prop_assert_eq!(p.procurement_ok, p.entity.open_to(Track::Procurement).is_ok());
            }
        }
    }
}

#[test]
fn a_skill_backed_by_experience_counts_fully_a_listed_one_half_and_a_stuffed_list_little() {
    let n = prep(need(
        "n",
        "SE-2062",
        "Sågverkets mätdata",
        &["python", "sql"],
        &[("sv", 4)],
    ));
    let person = |text: &str, skills: &[&str]| {
        let mut c = candidate("c", "SE-2062", "Ingenjör", &[("sv", 7)], 300.0);
        c.text = text.into();
        c.skills = skills.iter().map(|s| s.to_string()).collect();
        prep(c)
    };
    let skills_of = |c: &Prepared| {
        let (_, f) = score(&n, c, 6.0, today()).expect("a match");
        factor(&f, "skills").score
    };
    let backed = person(
        "Byggde databaser i Python och SQL på ett sågverk.",
        &["python", "sql"],
    );
    let listed = person("Social och driven.", &["python", "sql"]);
    let mut many: Vec<&str> = vec!["python", "sql"];
    many.extend([
        "ai",
        "iot",
        "blockchain",
        "react",
        "seo",
        "bim",
        "gis",
        "cnc",
    ]);
    let stuffed = person("Social och driven.", &many);
    assert_eq!(skills_of(&backed), 1.0);
    assert_eq!(skills_of(&listed), 0.5);
    assert!(
        (skills_of(&stuffed) - 1.5 / 10.0).abs() < 1e-9,
        "{}",
        skills_of(&stuffed)
    );
    let text = |c: &Prepared| {
        let (_, f) = score(&n, c, 6.0, today()).expect("a match");
        factor(&f, "text").score
    };
    assert!(text(&stuffed) < text(&listed));
    let (_, f) = score(&n, &listed, 6.0, today()).expect("a match");
    assert!(
        factor(&f, "skills").detail.contains("without experience"),
        "{f:?}"
    );
}

#[test]
fn a_mentor_who_ran_a_firm_in_the_mentees_trade_beats_a_general_adviser() {
    let mut m = mentee("m", "SE-2081");
    m.sectors = vec!["catering".into()];
    m.stage = Some("idea".into());
    let m = prep(m);
    let mut trade = mentor("t", 2);
    trade.title = "Drev ett cateringföretag i tjugo år".into();
    trade.skills = vec!["catering".into()];
    trade.sectors = vec!["catering".into()];
    let general = mentor("g", 2);
    let (t, tf) = score(&m, &prep(trade), 3.0, today()).expect("a match");
    let (g, gf) = score(&m, &prep(general), 3.0, today()).expect("a match");
    assert!(t > g, "{t} {g}");
    assert_eq!(factor(&tf, "sector").score, 1.0, "{tf:?}");
    assert!(factor(&tf, "sector").detail.contains("has run a business"));
    assert!(factor(&gf, "sector").score < 0.1, "{gf:?}");
}

/// A restaurant's owner is better served by a mentor whose headline says they run a
/// restaurant than by one who ran a catering firm and also lists restaurants among their
/// sectors: a trade the headline names is experience, one only listed is a claim.
#[test]
fn a_trade_the_mentors_headline_names_counts_above_one_only_listed() {
    let mut m = mentee("m", "SE-2081");
    m.sectors = vec!["restaurang".into()];
    m.stage = Some("idea".into());
    let m = prep(m);
    let sector_of = |headline: &str| -> Factor {
        let mut r = mentor("r", 2);
        r.title = headline.into();
        r.sectors = vec!["catering".into(), "restaurang".into()];
        let (_, f) = score(&m, &prep(r), 3.0, today()).expect("a match");
        factor(&f, "sector").clone()
    };
    let runs = sector_of("Startade och driver en eritreansk restaurang med catering");
    let listed = sector_of("Drev ett cateringföretag i tjugo år");
    assert_eq!(runs.score, 1.0, "{runs:?}");
    assert!(
        (listed.score - (0.75 * SECTOR_LISTED + 0.25)).abs() < 1e-9,
        "{listed:?}"
    );
    assert_eq!(
        listed.detail,
        "restaurang: among the mentor's sectors; has run a business"
    );
}

/// The business's stage against the mentor's experience: an idea needs someone who started or
/// ran a business; an established one someone who grew one, and gains less from someone who
/// only ran one.
#[test]
fn an_established_business_needs_a_mentor_who_grew_one() {
    let stage_of = |stage: &str, headline: &str| -> f64 {
        let mut m = mentee("m", "SE-2081");
        m.sectors = vec!["catering".into()];
        m.stage = Some(stage.into());
        let mut r = mentor("r", 2);
        r.title = headline.into();
        r.sectors = vec!["catering".into()];
        let (_, f) = score(&prep(m), &prep(r), 3.0, today()).expect("a match");
        // The trade is the mentor's own (¾ × 1): what is left is the stage's quarter.
        (factor(&f, "sector").score - 0.75) / 0.25
    };
    let ran = "Drev ett cateringföretag i tjugo år";
    let grew = "Drev och byggde upp ett cateringföretag; export och strategi";
    assert_eq!(stage_of("idea", ran), 1.0);
    assert!((stage_of("established", ran) - ESTABLISHED_RAN).abs() < 1e-9);
    assert_eq!(stage_of("established", grew), 1.0);
    assert!((stage_of("established", "Catering") - 0.3).abs() < 1e-9);
}

/// A mentee and a mentor who speak Swedish and English equally well have Swedish in common,
/// as the explanation says (not English, the last listed).
#[test]
fn the_language_in_common_named_is_the_regions_on_a_tie() {
    let mut m = mentee("m", "SE-2081");
    m.languages = vec![
        Spoken {
            code: "sv".into(),
            level: 4,
        },
        Spoken {
            code: "en".into(),
            level: 4,
        },
    ];
    let mut r = mentor("r", 2);
    r.languages.push(Spoken {
        code: "en".into(),
        level: 4,
    });
    let (_, f) = score(&prep(m), &prep(r), 3.0, today()).expect("a match");
    assert_eq!(factor(&f, "languages").detail, "in common: sv B2");
}

#[test]
fn the_rules_read_one_line_of_a_hot_block() {
    // What the kind, eligibility and language rules read lies in the first 64 bytes; the
    // second line starts with the place.
    assert_eq!(std::mem::align_of::<Hot>(), 64);
    assert!(std::mem::offset_of!(Hot, unbacked) + 2 <= 64);
    assert_eq!(std::mem::offset_of!(Hot, place), 64);
    assert!(std::mem::size_of::<Hot>() <= 256);
}

/// A wanted skill the candidate does not hold counts a quarter when the candidate's own
/// experience is in the same trade, and nothing from another trade; it is not one of the
/// need's skills, so shared words still count half.
#[test]
fn a_skill_of_the_same_trade_counts_a_quarter() {
    let mut n = need(
        "n1",
        "SE-2085",
        "Konstruktör för hydraulcylindrar",
        &["maskinkonstruktion"],
        &[("sv", 3)],
    );
    n.text = "Vi konstruerar hydraulcylindrar.".into();
    let skills_of = |title: &str, text: &str| {
        let mut c = candidate("c1", "SE-2085", title, &[("sv", 6)], 50.0);
        c.text = text.into();
        c.skills = vec!["kundtjänst".into()];
        score(&prep(n.clone()), &prep(c), 1.0, today())
            .map(|(_, f)| (factor(&f, "skills").clone(), factor(&f, "text").clone()))
    };
    let (skills, text) =
        skills_of("Ingenjör", "Högskoleingenjör i maskinteknik.").expect("a match");
    assert_eq!(skills.score, RELATED_SKILL, "{skills:?}");
    assert!(
        skills.detail.contains("a trade the experience shows"),
        "{skills:?}"
    );
    assert!(text.detail.contains("counts half"), "{text:?}");
    // A nurse: no skill, no trade in common; at most the words, never the skill.
    let nurse = skills_of("Ingenjör", "Sjuksköterska i hemtjänsten.");
    assert!(
        nurse.as_ref().is_none_or(|(s, _)| s.score == 0.0),
        "{nurse:?}"
    );
}

#[test]
fn words_in_common_without_any_required_skill_count_half() {
    // A booking portal's customer service shares the project's words, not its skills.
    let mut n = need(
        "n1",
        "SE-1780",
        "Ny bokningsportal för besöksnäringen",
        &["React", "TypeScript"],
        &[("sv", 3)],
    );
    n.text = "Bokningsportalen för våra kunder i besöksnäringen byggs om.".into();
    let mut filler = candidate(
        "c1",
        "SE-1780",
        "Kundtjänst för en bokningsportal i besöksnäringen",
        &[("sv", 6)],
        50.0,
    );
    filler.skills = vec!["kundtjänst".into()];
    let mut dev = filler.clone();
    dev.id = "c2".into();
    dev.skills = vec!["TypeScript".into()];
    let (q, f, d) = (prep(n), prep(filler), prep(dev));
    let (fs, ff) = score(&q, &f, 4.0, today()).expect("filler is shown");
    let (ds, df) = score(&q, &d, 4.0, today()).expect("developer is shown");
    let (ft, dt) = (factor(&ff, "text"), factor(&df, "text"));
    assert!((ft.score - dt.score / 2.0).abs() < 1e-9, "{ft:?} {dt:?}");
    assert!(ft.detail.contains("none of the required skills"), "{ft:?}");
    assert!(ds > fs, "{ds} {fs}");
    // The bound still holds for the filler.
    let hot = Hot::of(&f, 1);
    let b = bound(&q, &hot, 4.0, today()).expect("bound");
    assert!(b >= fs, "{b} {fs}");
}
