//! The text query of a match (`SearchIndex::query_for`): every record sharing a concept with
//! the query (or, where no concept is required, a word or a concept), scored with BM25 over
//! the concepts and the words, among the records that pass the filter terms.
//!
//! As a `BooleanQuery` of `TermQuery`s, a need at 100,000 candidates walked 33,000 concept
//! postings through tantivy's union one document at a time (a call through each term's scorer
//! for its document, its score and its move), then intersected the union with the filter.
//! Here each term's postings are read a block at a time and added, term after term, into an
//! array of scores by document (kept per thread, cleared behind itself): a posting whose record
//! fails the filter costs one bit test; the others one field norm and one BM25 weight. The
//! scores are tantivy's own (`Bm25Weight`, with the boost its `TermWeight` applies) summed in
//! the same order as its union sums them, so they are the same numbers
//! (`tests::the_text_query_scores_what_the_boolean_query_scores`).

use super::gates::{holds, Gates};
use std::cell::RefCell;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::{Bm25Weight, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Records holding any term of `required` (or, when it is empty, any of `optional`) and
/// passing `filter`; scored by the sum of each term's BM25 times its boost.
#[derive(Clone, Debug)]
pub(super) struct Scored {
    pub required: Vec<(Term, Score)>,
    pub optional: Vec<(Term, Score)>,
    pub filter: Option<Gates>,
}

impl Query for Scored {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weigh = |clauses: &[(Term, Score)]| -> tantivy::Result<Vec<(Term, Bm25Weight)>> {
            clauses
                .iter()
                .map(|(term, boost)| {
                    let w = match scoring {
                        EnableScoring::Enabled {
                            statistics_provider,
                            ..
                        } => {
                            Bm25Weight::for_terms(statistics_provider, std::slice::from_ref(term))?
                        }
                        // Scores nobody reads.
                        EnableScoring::Disabled { .. } => {
                            Bm25Weight::for_one_term_without_explain(1, 1, 1.0)
                        }
                    };
                    Ok((term.clone(), w.boost_by(*boost)))
                })
                .collect()
        };
        if let Some(filter) = &self.filter {
            // Forgets the kept sets of segments no longer searched.
            filter.weight(scoring)?;
        }
        Ok(Box::new(ScoredWeight {
            required: weigh(&self.required)?,
            optional: weigh(&self.optional)?,
            filter: self.filter.clone(),
            scoring: scoring.is_scoring_enabled(),
        }))
    }
}

struct ScoredWeight {
    required: Vec<(Term, Bm25Weight)>,
    optional: Vec<(Term, Bm25Weight)>,
    filter: Option<Gates>,
    scoring: bool,
}

/// Each thread's score arrays and set of documents found, as long as the largest segment
/// searched (8 bytes and a bit per document: 800 KB a thread at 100,000 records), all zero
/// between queries (cleared where they were written).
#[derive(Default)]
struct Scratch {
    lead: Vec<Score>,
    more: Vec<Score>,
    found: Vec<u64>,
    /// Set while a query writes them: a query that panicked midway left them so, and the next
    /// one on the thread clears them whole.
    dirty: bool,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl ScoredWeight {
    /// The segment's matching documents in order, with their scores.
    fn retrieve(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Vec<(DocId, Score)>> {
        let max_doc = reader.max_doc() as usize;
        let words = max_doc.div_ceil(64);
        let filter = match &self.filter {
            Some(g) => Some(g.bits(reader)?),
            None => None,
        };
        let passes = |doc: DocId| filter.as_ref().is_none_or(|f| holds(f, doc));
        let (lead, more) = if self.required.is_empty() {
            (&self.optional, &[][..])
        } else {
            (&self.required, &self.optional[..])
        };
        SCRATCH.with(|s| {
            let mut guard = s.borrow_mut();
            let s = &mut *guard;
            if s.lead.len() < max_doc {
                s.lead.resize(max_doc, 0.0);
                s.more.resize(max_doc, 0.0);
            }
            if s.found.len() < words {
                s.found.resize(words, 0);
            }
            if s.dirty {
                s.lead.fill(0.0);
                s.more.fill(0.0);
                s.found.fill(0);
            }
            s.dirty = true;
            let Scratch {
                lead: sum,
                more: extra,
                found,
                dirty,
            } = s;
            let result = (|| {
                for (term, weight) in lead {
                    self.walk(reader, term, weight, boost, |doc, score| {
                        // A document past the segment's end (never written by tantivy) would
                        // index past the arrays: passed over, not a panic.
                        let d = doc as usize;
                        if d < max_doc && passes(doc) {
                            sum[d] += score;
                            found[d / 64] |= 1 << (d % 64);
                        }
                    })?;
                }
                for (term, weight) in more {
                    self.walk(reader, term, weight, boost, |doc, score| {
                        let d = doc as usize;
                        // Only documents below `max_doc` are ever found.
                        if holds(found, doc) {
                            extra[d] += score;
                        }
                    })?;
                }
                Ok::<_, tantivy::TantivyError>(())
            })();
            // Collected and cleared even after an error, so the arrays stay zero.
            let mut out = Vec::new();
            for (i, w) in found.iter_mut().enumerate().take(words) {
                let mut bits = std::mem::take(w);
                while bits != 0 {
                    let d = i * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    out.push((d as DocId, sum[d] + extra[d]));
                    sum[d] = 0.0;
                    extra[d] = 0.0;
                }
            }
            *dirty = false;
            result.map(|()| out)
        })
    }

    /// Calls `each` with every document of `term` and its score, a block at a time.
    fn walk(
        &self,
        reader: &SegmentReader,
        term: &Term,
        weight: &Bm25Weight,
        boost: Score,
        mut each: impl FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        let field = term.field();
        let option = if self.scoring {
            IndexRecordOption::WithFreqs
        } else {
            IndexRecordOption::Basic
        };
        let Some(mut postings) = reader
            .inverted_index(field)?
            .read_block_postings(term, option)?
        else {
            return Ok(());
        };
        // As tantivy's `TermWeight`: the field's norms, or one for every document.
        let norms = match self.scoring {
            true => reader.fieldnorms_readers().get_field(field)?,
            false => None,
        }
        .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
        let weight = weight.boost_by(boost);
        let mut left = postings.doc_freq() as usize;
        while left > 0 {
            let docs = postings.docs();
            if docs.is_empty() {
                break;
            }
            let freqs = postings.freqs();
            for (i, &doc) in docs.iter().enumerate() {
                if doc == TERMINATED {
                    break;
                }
                let tf = freqs.get(i).copied().unwrap_or(1);
                each(doc, weight.score(norms.fieldnorm_id(doc), tf));
            }
            left = left.saturating_sub(docs.len());
            postings.advance();
        }
        Ok(())
    }
}

impl Weight for ScoredWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(Listed::new(self.retrieve(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new(
                "concepts and words (BM25)",
                scorer.score(),
            ))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )))
        }
    }
}

/// Documents and their scores, in order.
struct Listed {
    docs: Vec<(DocId, Score)>,
    at: usize,
}

impl Listed {
    fn new(docs: Vec<(DocId, Score)>) -> Listed {
        Listed { docs, at: 0 }
    }
}

impl DocSet for Listed {
    fn advance(&mut self) -> DocId {
        if self.at < self.docs.len() {
            self.at += 1;
        }
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc() >= target {
            return self.doc();
        }
        self.at += self.docs[self.at..].partition_point(|(d, _)| *d < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).map_or(TERMINATED, |(d, _)| *d)
    }

    fn size_hint(&self) -> u32 {
        self.docs.len() as u32
    }
}

impl Scorer for Listed {
    fn score(&mut self) -> Score {
        self.docs.get(self.at).map_or(0.0, |(_, s)| *s)
    }
}

/// Leaves this thread's arrays as a query that panicked midway would: written, not cleared.
#[cfg(test)]
pub(super) fn soil_scratch(len: usize) {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        s.lead = vec![7.0; len];
        s.more = vec![3.0; len];
        s.found = vec![u64::MAX; len.div_ceil(64)];
        s.dirty = true;
    });
}
