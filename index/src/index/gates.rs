//! The filter terms of a query (see `Fields::gate`) as bit sets of each segment's documents.
//!
//! A need's filter — eligible for KTP, speaks the languages asked for, reaches the need's
//! county — holds for about four records in ten, each term alone for six to eight: as posting
//! lists, every record sharing a concept with the need had each list seek to it (a third of a
//! query's retrieval). The same few terms are asked for again and again, and a segment never
//! changes, so each term's documents in a segment are read once into a bit set and kept; a
//! query ANDs the sets it needs (a few thousand words) and tests a record with one bit.
//! Deleted documents stay in the sets: the collector skips them, as it does for any query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tantivy::index::SegmentId;
use tantivy::query::{ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Words (of 64 documents) kept at most, 64 MB; past it the cache starts again empty. The
/// terms asked for are few (the eligibilities, each language's seven levels, the counties), so
/// the sets of a million records' segments take a few tens of MB.
const CAPACITY: usize = 8 << 20;

type Words = Arc<[u64]>;

/// Each (segment, term)'s documents, as bits.
#[derive(Default)]
pub(super) struct Cache {
    sets: Mutex<HashMap<(SegmentId, String), Words>>,
}

impl Cache {
    /// The documents of `reader`'s segment that hold the filter term `t` in `field`.
    fn set(&self, reader: &SegmentReader, field: Field, t: &str) -> tantivy::Result<Words> {
        let key = (reader.segment_id(), t.to_string());
        if let Some(s) = self.lock().get(&key) {
            return Ok(s.clone());
        }
        let mut words = vec![0u64; words_for(reader.max_doc())];
        let term = Term::from_field_text(field, t);
        if let Some(mut postings) = reader
            .inverted_index(field)?
            .read_postings(&term, IndexRecordOption::Basic)?
        {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if let Some(w) = words.get_mut((doc / 64) as usize) {
                    *w |= 1 << (doc % 64);
                }
                doc = postings.advance();
            }
        }
        let words: Words = words.into();
        let mut sets = self.lock();
        let kept: usize = sets.values().map(|w| w.len()).sum();
        if kept + words.len() > CAPACITY {
            sets.clear();
        }
        sets.insert(key, words.clone());
        Ok(words)
    }

    /// Forgets the sets of segments the index no longer has.
    fn keep_only(&self, segments: &[SegmentId]) {
        self.lock().retain(|(s, _), _| segments.contains(s));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(SegmentId, String), Words>> {
        self.sets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Whether the bit of `doc` is set in `words` (none past their end).
pub(super) fn holds(words: &[u64], doc: DocId) -> bool {
    words
        .get((doc / 64) as usize)
        .is_some_and(|w| w & (1 << (doc % 64)) != 0)
}

fn words_for(max_doc: DocId) -> usize {
    (max_doc as usize).div_ceil(64)
}

/// Records holding every term of `all` and at least one of each group of `any`, scoring
/// nothing: the same records as a `BooleanQuery` of `TermQuery`s on the filter field, found
/// through the kept bit sets.
#[derive(Clone)]
pub(super) struct Gates {
    pub field: Field,
    pub all: Vec<String>,
    pub any: Vec<Vec<String>>,
    pub cache: Arc<Cache>,
}

impl std::fmt::Debug for Gates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gates")
            .field("all", &self.all)
            .field("any", &self.any)
            .finish()
    }
}

impl Query for Gates {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        if let Some(searcher) = scoring.searcher() {
            let segments: Vec<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .collect();
            self.cache.keep_only(&segments);
        }
        Ok(Box::new(self.clone()))
    }
}

impl Gates {
    /// The segment's documents that pass, as bits.
    pub(super) fn bits(&self, reader: &SegmentReader) -> tantivy::Result<Vec<u64>> {
        let n = words_for(reader.max_doc());
        let mut out: Option<Vec<u64>> = None;
        for t in &self.all {
            let s = self.cache.set(reader, self.field, t)?;
            match &mut out {
                None => out = Some(s.to_vec()),
                Some(o) => o.iter_mut().zip(s.iter()).for_each(|(a, b)| *a &= b),
            }
        }
        for group in &self.any {
            let mut either = vec![0u64; n];
            for t in group {
                let s = self.cache.set(reader, self.field, t)?;
                either.iter_mut().zip(s.iter()).for_each(|(a, b)| *a |= b);
            }
            match &mut out {
                None => out = Some(either),
                Some(o) => o.iter_mut().zip(&either).for_each(|(a, b)| *a &= b),
            }
        }
        let mut out = out.unwrap_or_else(|| vec![u64::MAX; n]);
        // No document past the segment's last (a set with none of `all` is all ones).
        let tail = reader.max_doc() % 64;
        if let (Some(last), true) = (out.last_mut(), tail != 0) {
            *last &= (1u64 << tail) - 1;
        }
        Ok(out)
    }
}

impl Weight for Gates {
    /// Scores nothing, whatever the boost: filter terms only narrow.
    fn scorer(&self, reader: &SegmentReader, _: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let bits = Bits::new(self.bits(reader)?);
        Ok(Box::new(ConstScorer::new(bits, 0.0)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let bits = self.bits(reader)?;
        if holds(&bits, doc) {
            Ok(Explanation::new("filter terms", 0.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not pass the filter terms"
            )))
        }
    }
}

/// A set of documents as bits, iterated in order.
struct Bits {
    words: Vec<u64>,
    /// The word of the current document, with the bits at and below it cleared.
    rest: u64,
    word: usize,
    doc: DocId,
    len: u32,
}

impl Bits {
    fn new(words: Vec<u64>) -> Bits {
        let len = words.iter().map(|w| w.count_ones()).sum();
        let mut b = Bits {
            rest: words.first().copied().unwrap_or(0),
            words,
            word: 0,
            doc: 0,
            len,
        };
        b.next_set();
        b
    }

    /// Moves to the lowest bit of `rest`, or of a later word.
    fn next_set(&mut self) -> DocId {
        loop {
            if self.rest != 0 {
                let bit = self.rest.trailing_zeros();
                self.rest &= self.rest - 1;
                self.doc = (self.word as u32) * 64 + bit;
                return self.doc;
            }
            self.word += 1;
            match self.words.get(self.word) {
                Some(w) => self.rest = *w,
                None => {
                    self.word = self.words.len();
                    self.doc = TERMINATED;
                    return TERMINATED;
                }
            }
        }
    }
}

impl DocSet for Bits {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.next_set()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let word = (target / 64) as usize;
        if word >= self.words.len() {
            self.word = self.words.len();
            self.rest = 0;
            self.doc = TERMINATED;
            return TERMINATED;
        }
        if word > self.word {
            self.word = word;
            self.rest = self.words[word];
        }
        // Keep only the bits at or above the target within its word.
        self.rest &= u64::MAX << (target % 64);
        self.next_set()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.len
    }

    /// Testing a document is one bit, so an intersection should lead with the other side
    /// (whose every posting is decoded and scored anyway when its documents lie closer than
    /// a union's window), unless this side is so sparse that leading skips whole windows.
    fn cost(&self) -> u64 {
        let docs = self.words.len() as u64 * 64;
        if u64::from(self.len) * SPARSE < docs {
            u64::from(self.len)
        } else {
            u64::from(u32::MAX)
        }
    }
}

/// One document in this many or fewer: sparse enough to lead an intersection.
const SPARSE: u64 = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(mut b: Bits) -> Vec<DocId> {
        let mut out = Vec::new();
        while b.doc() != TERMINATED {
            out.push(b.doc());
            b.advance();
        }
        out
    }

    fn words(docs: &[DocId], max: DocId) -> Vec<u64> {
        let mut w = vec![0u64; words_for(max)];
        for d in docs {
            w[(*d / 64) as usize] |= 1 << (d % 64);
        }
        w
    }

    #[test]
    fn bits_iterate_and_seek_as_a_sorted_list_does() {
        let list: Vec<DocId> = vec![0, 1, 5, 63, 64, 65, 127, 200, 640, 641, 1000];
        assert_eq!(docs(Bits::new(words(&list, 1001))), list);
        assert_eq!(docs(Bits::new(words(&[], 1001))), Vec::<DocId>::new());
        // Seeking every target from every position gives the first document at or after it.
        for start in 0..list.len() {
            for target in 0..1100u32 {
                let mut b = Bits::new(words(&list, 1001));
                for _ in 0..start {
                    b.advance();
                }
                let here = b.doc();
                let expect = if target <= here {
                    here
                } else {
                    list.iter()
                        .copied()
                        .find(|d| *d >= target)
                        .unwrap_or(TERMINATED)
                };
                assert_eq!(b.seek(target), expect, "from {here} to {target}");
                assert_eq!(b.doc(), expect);
                if expect != TERMINATED {
                    let after: Vec<DocId> = list.iter().copied().filter(|d| *d > expect).collect();
                    let mut rest = Vec::new();
                    while b.advance() != TERMINATED {
                        rest.push(b.doc());
                    }
                    assert_eq!(rest, after);
                }
            }
        }
        assert_eq!(Bits::new(words(&list, 1001)).size_hint(), list.len() as u32);
    }
}
