//! Cohort matching: a programme intake of mentees and the mentors with places, assigned all at
//! once for the largest total score. Exact: the assignment problem over mentor places, solved
//! with the Hungarian method (Kuhn–Munkres with potentials, O(n²·m)). A pair a hard rule
//! excludes is never assigned; a mentee may be left without a mentor when that is best for
//! the total (or when no mentor may take them).

/// Scores of every mentee (rows) against every mentor (columns): `None` where a hard rule
/// excludes the pair, else the ranking's score (greater is better, never negative).
#[derive(Debug, Clone)]
pub struct Cohort {
    pub scores: Vec<Vec<Option<f64>>>,
    /// Each mentor's places left.
    pub places: Vec<usize>,
}

/// Who goes with whom: `(mentee, mentor)` indexes, and the sum of their scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    pub pairs: Vec<(usize, usize)>,
    pub total: f64,
}

impl Assignment {
    /// Mentees of `n` left without a mentor.
    pub fn unassigned(&self, n: usize) -> usize {
        n - self.pairs.len()
    }
}

impl Cohort {
    fn score(&self, mentee: usize, mentor: usize) -> Option<f64> {
        self.scores
            .get(mentee)
            .and_then(|row| row.get(mentor))
            .copied()
            .flatten()
            .filter(|s| s.is_finite() && *s > 0.0)
    }

    fn mentors(&self) -> usize {
        self.places.len()
    }

    /// The assignment with the largest total score.
    pub fn best(&self) -> Assignment {
        let n = self.scores.len();
        // One column a mentor's place, then one "no mentor" column a mentee, so that every
        // row can be assigned and n ≤ m.
        let mut slots: Vec<Option<usize>> = Vec::new();
        for (mentor, places) in self.places.iter().enumerate() {
            slots.extend(std::iter::repeat_n(Some(mentor), (*places).min(n)));
        }
        slots.extend(std::iter::repeat_n(None, n));
        let cost = |i: usize, j: usize| -> f64 {
            match slots[j] {
                Some(mentor) => self.score(i, mentor).map_or(0.0, |s| -s),
                None => 0.0,
            }
        };
        let column_of = hungarian(n, slots.len(), cost);
        let mut out = Assignment::default();
        for (mentee, j) in column_of.into_iter().enumerate() {
            if let Some(mentor) = slots[j] {
                if let Some(s) = self.score(mentee, mentor) {
                    out.pairs.push((mentee, mentor));
                    out.total += s;
                }
            }
        }
        out
    }

    /// One mentee after another, each taking the best mentor with a place left: what an
    /// officer going down the list would do (the benchmark's baseline).
    pub fn greedy(&self) -> Assignment {
        let mut left = self.places.clone();
        let mut out = Assignment::default();
        for mentee in 0..self.scores.len() {
            let best = (0..self.mentors())
                .filter(|m| left[*m] > 0)
                .filter_map(|m| self.score(mentee, m).map(|s| (m, s)))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((mentor, s)) = best {
                left[mentor] -= 1;
                out.pairs.push((mentee, mentor));
                out.total += s;
            }
        }
        out
    }
}

/// Minimum-cost assignment of each of `n` rows to a distinct one of `m ≥ n` columns; returns
/// each row's column.
fn hungarian(n: usize, m: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<usize> {
    // 1-based, as in the classic formulation; p[j]: the row in column j (0 = none).
    let (mut u, mut v) = (vec![0.0; n + 1], vec![0.0; m + 1]);
    let (mut p, mut way) = (vec![0usize; m + 1], vec![0usize; m + 1]);
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let (mut delta, mut j1) = (f64::INFINITY, 0);
            for j in 1..=m {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut column_of = vec![0; n];
    for j in 1..=m {
        if p[j] != 0 {
            column_of[p[j] - 1] = j - 1;
        }
    }
    column_of
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The best total by trying every assignment (each mentee: no mentor, or a mentor with a
    /// place left that may take them).
    fn brute_force(c: &Cohort) -> f64 {
        fn go(c: &Cohort, i: usize, left: &mut Vec<usize>) -> f64 {
            if i == c.scores.len() {
                return 0.0;
            }
            let mut best = go(c, i + 1, left);
            for m in 0..left.len() {
                if let (true, Some(s)) = (left[m] > 0, c.score(i, m)) {
                    left[m] -= 1;
                    best = best.max(s + go(c, i + 1, left));
                    left[m] += 1;
                }
            }
            best
        }
        go(c, 0, &mut c.places.clone())
    }

    fn cohorts() -> impl Strategy<Value = Cohort> {
        (1usize..7, 1usize..5).prop_flat_map(|(n, k)| {
            (
                proptest::collection::vec(
                    proptest::collection::vec(proptest::option::weighted(0.7, 0.01f64..1.0), k),
                    n,
                ),
                proptest::collection::vec(0usize..3, k),
            )
                .prop_map(|(scores, places)| Cohort { scores, places })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn the_assignment_is_as_good_as_trying_every_one(c in cohorts()) {
            let best = c.best();
            prop_assert!((best.total - brute_force(&c)).abs() < 1e-9, "{:?} {:?}", c, best);
            // A valid assignment: allowed pairs, each mentee once, no mentor over places.
            let mut taken = vec![0; c.places.len()];
            let mut seen = std::collections::HashSet::new();
            for (mentee, mentor) in &best.pairs {
                prop_assert!(c.score(*mentee, *mentor).is_some());
                prop_assert!(seen.insert(*mentee));
                taken[*mentor] += 1;
            }
            for (t, p) in taken.iter().zip(&c.places) {
                prop_assert!(t <= p);
            }
            prop_assert!(best.total + 1e-9 >= c.greedy().total);
        }
    }

    #[test]
    fn the_best_total_can_beat_taking_the_best_mentor_first() {
        // Mentee 0 is best with mentor 0 but fits mentor 1 too; mentee 1 fits only mentor 0.
        let c = Cohort {
            scores: vec![vec![Some(0.9), Some(0.8)], vec![Some(0.7), None]],
            places: vec![1, 1],
        };
        assert_eq!(c.greedy().pairs, vec![(0, 0)]);
        let best = c.best();
        assert_eq!(best.pairs, vec![(0, 1), (1, 0)]);
        assert!((best.total - 1.5).abs() < 1e-9);
        assert_eq!(best.unassigned(2), 0);
    }
}
