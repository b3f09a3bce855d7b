//! The tantivy index of needs, candidates, mentors, procurements and offers, and the
//! in-memory features that ranking reads beside it. One writer (the service's indexer) changes
//! it; any number of searches read it. Each commit carries the sequence number of the last
//! change applied, so a restart resumes where the last commit ended.

use crate::analysis::Lang;
use crate::entity::{Entity, Kind};
use crate::rank::{self, Factor, Hot, Prepared};
use crate::vocabulary::{Analyzers, Vocabulary};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};

/// Bumped whenever the schema or the analysis changes: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 10;

/// The highest language level (native); a record's language term carries its level, at most
/// this, and a query asks for any level from the one it requires up to this.
const TOP_LEVEL: u8 = 7;
const WRITER_HEAP: usize = 64 * 1024 * 1024;
/// Distinct words per language taken from a query record's text.
pub const QUERY_WORDS: usize = 32;
/// Words found in more than this share of the records are left out of queries…
pub const MAX_DF: f64 = 0.05;
/// …once the index holds this many records.
pub const MIN_DOCS_FOR_CUTOFF: u64 = 2_000;

/// The tokenizer of the text fields: a record's text arrives analysed in each language (see
/// [`Prepared::analysed`]), its stems separated by spaces (a stem never holds one: words are
/// split on every character that is not a letter or digit), so the writer only splits it.
const STEMS: &str = "hm_stems";

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    handle: Field,
    /// The record's place in the dense table of [`Hot`] blocks.
    slot: Field,
    kind: Field,
    text: [Field; 3],
    concept: Field,
    /// Filter terms: what a record is eligible for (`ktp`, `mentee`, `mentor`, `open`), the
    /// languages it speaks at its level in each (`lang:ar:4`), the counties it reaches
    /// (`reach:SE-20`). They narrow retrieval to a superset of what the hard rules allow.
    gate: Field,
    entity: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Only what is read: the key as a term (a delete finds its record by it), the handle as a
    // fast field (a match's record). Each was also stored, and the handle indexed: two
    // terms and two stored values found in no other record, per record, read by nobody.
    let key = b.add_text_field("key", STRING);
    let handle = b.add_u64_field("handle", FAST);
    let slot = b.add_u64_field("slot", FAST | STORED);
    let kind = b.add_text_field("kind", STRING);
    let text = Lang::ALL.map(|lang| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(STEMS)
            .set_index_option(IndexRecordOption::WithFreqs);
        b.add_text_field(
            &format!("text_{}", lang.tokenizer_name()),
            TextOptions::default().set_indexing_options(indexing),
        )
    });
    let concept = b.add_text_field("concept", STRING);
    let gate = b.add_text_field("gate", STRING);
    let entity = b.add_text_field("entity", STORED);
    (
        b.build(),
        Fields {
            key,
            handle,
            slot,
            kind,
            text,
            concept,
            gate,
            entity,
        },
    )
}

#[derive(Serialize, Deserialize)]
struct Payload {
    schema: u32,
    seq: i64,
    /// Numbers below `seq` passed over as gaps that may still fill (a transaction that was
    /// slow, not rolled back): the indexer keeps looking for them, across restarts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    watched: Vec<i64>,
}

/// The unique key of a record in the index.
fn key_of(kind: Kind, id: &str) -> String {
    format!("{}:{id}", kind.as_str())
}

/// Handles are hashes already: hashing them again (SipHash) cost more than the lookup.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Ranking features by handle.
type Features = HashMap<u64, Arc<Prepared>, std::hash::BuildHasherDefault<Identity>>;

/// How many retrieved records ahead the ranking asks for a [`Hot`] block to be loaded: enough
/// to cover a memory access while the records between are checked.
const PREFETCH_AHEAD: usize = 12;

/// The [`Hot`] blocks of every record, densely numbered: a record keeps its slot while it is
/// updated; a deleted record's slot is given out again only after the commit that removes its
/// document, and every read checks the handle, so a search never takes one record for another.
#[derive(Default)]
struct Slots {
    hot: Vec<Hot>,
    of: HashMap<u64, u32, std::hash::BuildHasherDefault<Identity>>,
    free: Vec<u32>,
    freed: Vec<u32>,
}

impl Slots {
    /// The record's slot, and whether it had one already (a document of it may be in the
    /// index, committed or not).
    fn slot_for(&mut self, handle: u64) -> (u32, bool) {
        if let Some(s) = self.of.get(&handle) {
            return (*s, true);
        }
        let s = self.free.pop().unwrap_or_else(|| {
            self.hot.push(Hot::default());
            (self.hot.len() - 1) as u32
        });
        self.of.insert(handle, s);
        (s, false)
    }

    fn set(&mut self, slot: u32, hot: Hot) {
        let i = slot as usize;
        if self.hot.len() <= i {
            self.hot.resize(i + 1, Hot::default());
        }
        self.hot[i] = hot;
    }

    fn remove(&mut self, handle: u64) {
        if let Some(s) = self.of.remove(&handle) {
            self.hot[s as usize] = Hot::default();
            self.freed.push(s);
        }
    }
}

/// A stable number for a key: the fast field that maps a hit to its features.
fn handle_of(key: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// A ranked result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub kind: Kind,
    pub id: String,
    pub score: f64,
    pub title: String,
    pub factors: Vec<Factor>,
    /// Listed only because nobody else matches: experience in the trade of a skill asked for
    /// ([`rank::score_related`]).
    pub related: bool,
}

pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    writer: Mutex<IndexWriter>,
    features: RwLock<Features>,
    slots: RwLock<Slots>,
    applied: RwLock<Option<i64>>,
    watched: RwLock<Vec<i64>>,
    /// Analysers kept warm (each remembers its words) for [`SearchIndex::upsert_batch`].
    batch_analyzers: Mutex<Vec<Analyzers>>,
    /// Ranked answers kept until the index changes.
    cache: cache::Cache,
    /// The filter terms' documents in each segment, as bits.
    gates: Arc<gates::Cache>,
}

/// What opening found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// A usable index that has applied changes up to this sequence number.
    Resumed(i64),
    /// Missing, unreadable or of another schema version: it was emptied and must be rebuilt.
    Rebuild,
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates it there when it is missing, unreadable or of
    /// another schema version (then [`Opened::Rebuild`]).
    pub fn open(dir: &Path) -> tantivy::Result<(SearchIndex, Opened)> {
        std::fs::create_dir_all(dir)?;
        if let Ok(index) = Index::open_in_dir(dir) {
            let payload = index
                .load_metas()
                .ok()
                .and_then(|m| m.payload)
                .and_then(|p| serde_json::from_str::<Payload>(&p).ok());
            if let Some(p) = payload.filter(|p| p.schema == SCHEMA_VERSION) {
                if let Ok(me) = SearchIndex::from_index(index) {
                    if me.load_features().is_ok() {
                        *me.applied.write().unwrap_or_else(|e| e.into_inner()) = Some(p.seq);
                        me.cache
                            .invalidate_at(p.watched.is_empty().then_some(p.seq));
                        *me.watched.write().unwrap_or_else(|e| e.into_inner()) = p.watched;
                        return Ok((me, Opened::Resumed(p.seq)));
                    }
                }
            }
        }
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path)?;
            } else {
                std::fs::remove_file(&path)?;
            }
        }
        let index = Index::create_in_dir(dir, schema().0)?;
        Ok((SearchIndex::from_index(index)?, Opened::Rebuild))
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> tantivy::Result<SearchIndex> {
        SearchIndex::from_index(Index::create_in_ram(schema().0))
    }

    fn from_index(index: Index) -> tantivy::Result<SearchIndex> {
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(tantivy::TantivyError::SchemaError(
                "the index has another schema".into(),
            ));
        }
        index
            .tokenizers()
            .register(STEMS, TextAnalyzer::from(WhitespaceTokenizer::default()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_HEAP)?;
        spend_reused_opstamp(&writer, fields);
        Ok(SearchIndex {
            reader,
            fields,
            writer: Mutex::new(writer),
            features: RwLock::default(),
            slots: RwLock::default(),
            applied: RwLock::new(None),
            watched: RwLock::default(),
            cache: cache::Cache::default(),
            gates: Arc::default(),
            batch_analyzers: Mutex::default(),
        })
    }

    /// Reads every stored record back into the features map.
    fn load_features(&self) -> tantivy::Result<()> {
        let searcher = self.reader.searcher();
        let mut analyzers = Analyzers::default();
        let mut map = Features::default();
        let mut slots = Slots::default();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(64)?;
            for doc in segment.doc_ids_alive() {
                let d: TantivyDocument = store.get(doc)?;
                let json = d
                    .get_first(self.fields.entity)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                let entity: Entity = serde_json::from_str(json)
                    .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
                let key = key_of(entity.kind(), &entity.id);
                let handle = handle_of(&key);
                let slot = d
                    .get_first(self.fields.slot)
                    .and_then(|v| v.as_u64())
                    .ok_or_else(|| tantivy::TantivyError::InternalError("no slot".into()))?
                    as u32;
                let prepared = slim(Prepared::new(entity, &mut analyzers));
                slots.of.insert(handle, slot);
                slots.set(slot, Hot::of(&prepared, handle));
                map.insert(handle, Arc::new(prepared));
            }
        }
        let used: std::collections::HashSet<u32> = slots.of.values().copied().collect();
        slots.free = (0..slots.hot.len() as u32)
            .filter(|s| !used.contains(s))
            .collect();
        *self.features.write().unwrap_or_else(|e| e.into_inner()) = map;
        *self.slots.write().unwrap_or_else(|e| e.into_inner()) = slots;
        self.cache.invalidate();
        Ok(())
    }

    /// The sequence number of the last change committed.
    pub fn applied_seq(&self) -> Option<i64> {
        *self.applied.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds or replaces many records, prepared on every core while the one writer indexes them
    /// (a rebuild's path). Where two have the same kind and id, the later one counts.
    pub fn upsert_batch(&self, entities: Vec<Entity>) -> tantivy::Result<()> {
        let mut seen = std::collections::HashSet::new();
        let mut unique: Vec<Entity> = entities
            .into_iter()
            .rev()
            .filter(|e| seen.insert(key_of(e.kind(), &e.id)))
            .collect();
        unique.reverse();
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4);
        let mut pool = std::mem::take(
            &mut *self
                .batch_analyzers
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        pool.resize_with(threads, Analyzers::default);
        let chunk = unique.len().div_ceil(threads).max(1);
        // Each thread is given its part to keep: a record is moved into the index, not copied.
        let mut parts: Vec<Vec<Entity>> = Vec::with_capacity(threads);
        let mut records = unique.into_iter();
        loop {
            let part: Vec<Entity> = records.by_ref().take(chunk).collect();
            if part.is_empty() {
                break;
            }
            parts.push(part);
        }
        let done = std::thread::scope(|s| {
            let workers: Vec<_> = parts
                .into_iter()
                .zip(pool.iter_mut())
                .map(|(part, analyzers)| {
                    s.spawn(move || part.into_iter().try_for_each(|e| self.upsert(e, analyzers)))
                })
                .collect();
            workers.into_iter().try_for_each(|w| {
                w.join().unwrap_or_else(|_| {
                    Err(tantivy::TantivyError::InternalError(
                        "a thread preparing records panicked".into(),
                    ))
                })
            })
        });
        *self
            .batch_analyzers
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = pool;
        done
    }

    /// Adds or replaces a record (not visible to searches until [`SearchIndex::commit`]).
    pub fn upsert(&self, entity: Entity, analyzers: &mut Analyzers) -> tantivy::Result<()> {
        let f = self.fields;
        let key = key_of(entity.kind(), &entity.id);
        let handle = handle_of(&key);
        let (prepared, words) = Prepared::analysed(entity, analyzers);
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, &key);
        doc.add_u64(f.handle, handle);
        doc.add_text(f.kind, prepared.entity.kind().as_str());
        // The whole text as analysed for the features, not analysed again by the writer: its
        // tokens in each language, separated by spaces ([`STEMS`]).
        for (field, words) in f.text.into_iter().zip(words) {
            doc.add_text(field, words.join(" "));
        }
        let v = Vocabulary::get();
        for c in prepared.bits.iter() {
            doc.add_text(f.concept, &v.concept(c).id);
        }
        for g in gates(&prepared) {
            doc.add_text(f.gate, &g);
        }
        let json = serde_json::to_string(&prepared.entity)
            .map_err(|e| tantivy::TantivyError::InternalError(e.to_string()))?;
        doc.add_text(f.entity, &json);
        let slot = {
            let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            // Under the writer's lock, so that two upserts of one record are ordered alike in
            // the slots and in the writer. A record without a slot has no document in the
            // index, committed or pending (a slot is taken by every upsert and given up only by
            // a delete or a clear, whose own operation removes the earlier documents): nothing
            // to delete. A delete is an operation tantivy keeps, with its query's weight, until
            // the commit applies it to every segment; a rebuild of 100,000 records kept 100 MB
            // of them.
            let (slot, had) = self
                .slots
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .slot_for(handle);
            if had {
                writer.delete_term(Term::from_field_text(f.key, &key));
            }
            doc.add_u64(f.slot, u64::from(slot));
            writer.add_document(doc)?;
            slot
        };
        let prepared = slim(prepared);
        self.slots
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .set(slot, Hot::of(&prepared, handle));
        self.features
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(handle, Arc::new(prepared));
        self.cache.invalidate();
        Ok(())
    }

    pub fn delete(&self, kind: Kind, id: &str) {
        let key = key_of(kind, id);
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .delete_term(Term::from_field_text(self.fields.key, &key));
        self.features
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&handle_of(&key));
        self.slots
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(handle_of(&key));
        self.cache.invalidate();
    }

    /// Removes everything (before a rebuild).
    pub fn clear(&self) -> tantivy::Result<()> {
        {
            let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            writer.delete_all_documents()?;
            spend_reused_opstamp(&writer, self.fields);
        }
        self.features
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        // Slots stay taken until the commit that empties the index.
        let mut slots = self.slots.write().unwrap_or_else(|e| e.into_inner());
        let handles: Vec<u64> = slots.of.keys().copied().collect();
        for h in handles {
            slots.remove(h);
        }
        drop(slots);
        // Emptied: no level until the rebuild's commit.
        self.cache.invalidate_at(None);
        Ok(())
    }

    /// Makes the changes so far durable and visible, recording `seq` as applied.
    pub fn commit(&self, seq: i64) -> tantivy::Result<()> {
        self.commit_watching(seq, &[])
    }

    /// The numbers below the applied one still watched for (see [`SearchIndex::commit_watching`]).
    pub fn watched(&self) -> Vec<i64> {
        self.watched
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// [`SearchIndex::commit`], remembering with it the numbers below `seq` that were passed
    /// over as gaps but may still arrive.
    pub fn commit_watching(&self, seq: i64, watched: &[i64]) -> tantivy::Result<()> {
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            seq,
            watched: watched.to_vec(),
        })
        .unwrap_or_default();
        {
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
        }
        self.reader.reload()?;
        {
            let mut slots = self.slots.write().unwrap_or_else(|e| e.into_inner());
            let freed = std::mem::take(&mut slots.freed);
            slots.free.extend(freed);
        }
        *self.applied.write().unwrap_or_else(|e| e.into_inner()) = Some(seq);
        *self.watched.write().unwrap_or_else(|e| e.into_inner()) = watched.to_vec();
        self.cache.invalidate_at(watched.is_empty().then_some(seq));
        Ok(())
    }

    /// The ids of every committed record of a kind, sorted.
    pub fn ids(&self, kind: Kind) -> Vec<String> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.kind, kind.as_str()),
            IndexRecordOption::Basic,
        );
        let handles = searcher.search(&query, &PLAIN).unwrap_or_default();
        let features = self.features.read().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<String> = handles
            .iter()
            .filter_map(|(_, h, _)| features.get(h).map(|p| p.entity.id.clone()))
            .collect();
        ids.sort();
        ids
    }

    /// How many records are committed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text query of a record: its words in each language and its concepts (weighed
    /// double). Words in more than a twentieth of a large index say little (their concepts
    /// still count) and are left out: each would make the query walk a long list. With
    /// `require_concept`, only records sharing a concept are retrieved (their scores unchanged).
    fn query_for(
        &self,
        words: &crate::analysis::Stems,
        concepts: &rank::ConceptBits,
        require_concept: bool,
    ) -> scored::Scored {
        let searcher = self.reader.searcher();
        let docs = searcher.num_docs();
        let max_df = if docs >= MIN_DOCS_FOR_CUTOFF {
            (docs as f64 * MAX_DF) as u64
        } else {
            u64::MAX
        };
        let mut word_terms: Vec<(Term, Score)> = Vec::new();
        for lang in Lang::ALL {
            let mut seen = BTreeSet::new();
            for t in &words[lang.index()] {
                if seen.len() >= QUERY_WORDS {
                    break;
                }
                if seen.insert(&**t) {
                    let term = Term::from_field_text(self.fields.text[lang.index()], t);
                    let df = searcher.doc_freq(&term).unwrap_or(0);
                    if df > 0 && df <= max_df {
                        word_terms.push((term, 1.0));
                    }
                }
            }
        }
        let v = Vocabulary::get();
        let concept_terms: Vec<(Term, Score)> = concepts
            .iter()
            .map(|c| {
                (
                    Term::from_field_text(self.fields.concept, &v.concept(c).id),
                    2.0,
                )
            })
            .collect();
        if require_concept && !concept_terms.is_empty() {
            return scored::Scored {
                required: concept_terms,
                optional: word_terms,
                filter: None,
            };
        }
        word_terms.extend(concept_terms);
        scored::Scored {
            required: Vec::new(),
            optional: word_terms,
            filter: None,
        }
    }

    /// The query record prepared for ranking, and its text query against `target`.
    fn prepare(
        &self,
        query: &Entity,
        target: Kind,
        analyzers: &mut Analyzers,
    ) -> (Prepared, Box<dyn Query>) {
        let (prepared, words) = Prepared::analysed(query.clone(), analyzers);
        // Asking for a need's candidates, or a mentee's mentors, every match shares a concept
        // with the query (see `rank::score`): retrieval may require one.
        let demand = matches!(
            (query.kind(), target),
            (Kind::Need, Kind::Candidate) | (Kind::Candidate, Kind::Mentor)
        );
        let mut text = self.query_for(&words, &prepared.bits, demand);
        // A procurement and an offer: also every record whose codes are close enough to
        // score (the same division), scoring nothing by itself.
        let looks_for = match (query.kind(), target) {
            (Kind::Procurement, Kind::Offer) | (Kind::Offer, Kind::Procurement) => {
                crate::Cpv::get().looks_for(&query.cpv)
            }
            _ => Vec::new(),
        };
        let filter = self.gates_for(&prepared, target);
        if looks_for.is_empty() {
            // The filter inside the text query: a posting of a record that fails it is
            // passed over before it is scored.
            text.filter = Some(filter);
            return (prepared, Box::new(text));
        }
        let mut any: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, Box::new(text))];
        for t in looks_for {
            let term = ConstScoreQuery::new(self.gate(&t), 0.0);
            any.push((Occur::Should, Box::new(term)));
        }
        let q: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
            ),
            (Occur::Must, Box::new(filter)),
        ]));
        (prepared, q)
    }

    /// The records carrying the filter term `t` (see [`Fields::gate`]).
    fn gate(&self, t: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(self.fields.gate, t),
            IndexRecordOption::Basic,
        ))
    }

    /// What a record of `target` must have to pass the hard rules against `query`, as filter
    /// terms (scoring nothing): never narrower than the rules themselves.
    fn filter_for(&self, query: &Prepared, target: Kind) -> Box<dyn Query> {
        Box::new(self.gates_for(query, target))
    }

    /// [`SearchIndex::filter_for`] as the kept bit sets' query.
    fn gates_for(&self, query: &Prepared, target: Kind) -> gates::Gates {
        let e = &query.entity;
        let eligible = match (e.kind(), target) {
            (Kind::Need, Kind::Candidate) => "ktp",
            (Kind::Mentor, Kind::Candidate) => "mentee",
            (Kind::Need, Kind::Mentor) => "coach",
            (Kind::Mentor, Kind::Need) => "coachee",
            (_, Kind::Mentor) => "mentor",
            _ => "open",
        };
        let all = vec![eligible.to_string()];
        let mut any = Vec::new();
        if (e.kind(), target) == (Kind::Need, Kind::Candidate) {
            // A language at the level asked for or above: any of the levels' terms.
            for l in e.languages.iter().filter(|l| l.level > 0) {
                let code = language_gate(&l.code);
                any.push(
                    (l.level.min(TOP_LEVEL)..=TOP_LEVEL)
                        .map(|level| format!("lang:{code}:{level}"))
                        .collect(),
                );
            }
            if let (false, Some(place)) = (e.remote_ok, query.place) {
                any.push(vec![
                    format!("reach:{}", place.county_key()),
                    "reach:any".to_string(),
                ]);
            }
        }
        gates::Gates {
            field: self.fields.gate,
            all,
            any,
            cache: self.gates.clone(),
        }
    }

    /// The best `k` records of `target` for `query`, exactly: every record the text query
    /// retrieves is scored (without writing explanations), the best `k` kept and then
    /// explained. Ties are broken by id. The same question over an unchanged index is answered
    /// from the cache (`index::cache`).
    pub fn matches(
        &self,
        query: &Entity,
        target: Kind,
        k: usize,
        today: i64,
    ) -> tantivy::Result<Vec<Hit>> {
        let key = cache::Key::new(query, target, k, today);
        if let Some(kept) = key.as_ref().and_then(|key| self.cache.get(key)) {
            return Ok(kept.hits);
        }
        let generation = self.cache.generation();
        let hits = self.matches_uncached(query, target, k, today)?;
        if let Some(key) = key {
            self.cache.put(generation, key, &hits);
        }
        Ok(hits)
    }

    /// [`SearchIndex::matches`] when the answer is kept in the cache (cheap: no ranking, so a
    /// caller may ask on any thread), with the level of the index it was ranked on; else
    /// `None`.
    pub fn cached_matches(
        &self,
        query: &Entity,
        target: Kind,
        k: usize,
        today: i64,
    ) -> Option<Kept> {
        self.cache.get(&cache::Key::new(query, target, k, today)?)
    }

    /// [`SearchIndex::matches`], ranked now (the benchmark times this).
    pub fn matches_uncached(
        &self,
        query: &Entity,
        target: Kind,
        k: usize,
        today: i64,
    ) -> tantivy::Result<Vec<Hit>> {
        let (prepared, text_query) = with_analyzers(|a| self.prepare(query, target, a));
        let retrieved = self
            .reader
            .searcher()
            .search(text_query.as_ref(), &Handles { slots: true })?;
        // No more can be found than were retrieved: `k` never sizes an allocation beyond that.
        let k_asked = k;
        let k = k.min(retrieved.len());
        let features = self.features.read().unwrap_or_else(|e| e.into_inner());
        let slots = self.slots.read().unwrap_or_else(|e| e.into_inner());
        let own = handle_of(&key_of(query.kind(), &query.id));
        // (score, id, handle, text relevance) of the best so far; nothing is copied for the
        // records that do not make it.
        let mut best: Vec<(f64, &str, u64, Score)> = Vec::with_capacity(k + 1);
        // First every record's bound from its small block (a hard rule rules most out);
        // then full scores in the order of the bounds, until the next bound cannot reach the
        // k-th score. A record without a block (a search racing a commit) is scored in full.
        let mut bounded: Vec<(f64, usize)> = Vec::with_capacity(retrieved.len());
        for (i, (bm25, handle, slot)) in retrieved.iter().enumerate() {
            if let Some(ahead) = retrieved
                .get(i + PREFETCH_AHEAD)
                .and_then(|(_, _, s)| slots.hot.get(*s as usize))
            {
                rank::prefetch(ahead);
            }
            match slots
                .hot
                .get(*slot as usize)
                .filter(|h| h.handle == *handle)
            {
                Some(hot) => {
                    if hot.kind != Some(target) || *handle == own {
                        continue;
                    }
                    if let Some(b) = rank::bound(&prepared, hot, *bm25, today) {
                        bounded.push((b, i));
                    }
                }
                None => bounded.push((f64::INFINITY, i)),
            }
        }
        let by_bound = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        // The highest bounds sorted; the rest (all at or below them) in any order.
        let head = k.saturating_mul(8).max(64);
        if bounded.len() > head {
            bounded.select_nth_unstable_by(head, by_bound);
            bounded[..head].sort_unstable_by(by_bound);
        } else {
            bounded.sort_unstable_by(by_bound);
        }
        rank::without_details(|| {
            for (n, (b, i)) in bounded.iter().enumerate() {
                if best.len() >= k && best.last().is_some_and(|last| *b < last.0) {
                    if n < head {
                        break;
                    }
                    continue;
                }
                let (bm25, handle, _) = &retrieved[*i];
                let Some(doc) = features.get(handle) else {
                    continue;
                };
                if doc.entity.kind() != target || *handle == own {
                    continue;
                }
                if let Some((score, _)) = rank::score_listed(&prepared, doc, *bm25, today) {
                    let id = doc.entity.id.as_str();
                    insert_ranked(&mut best, (score, id, *handle, *bm25), k, |x| (x.0, x.1));
                }
            }
        });
        if best.is_empty() {
            // The locks are taken again there: never twice at once (a waiting writer).
            drop(best);
            drop((features, slots));
            return self.related(&prepared, target, k_asked, today, &retrieved);
        }
        Ok(explained(&best, &features, &prepared, today, false))
    }

    /// When a KTP list is empty (nobody holds a skill or shares a word worth listing): the
    /// best `k` whose experience is in the trade of a skill asked for ([`rank::score_related`]),
    /// found by their trade terms (`trade:`, `wants:`) and scored with the text relevance of
    /// the first retrieval (`retrieved`), 0 where it found nothing.
    fn related(
        &self,
        prepared: &Prepared,
        target: Kind,
        k: usize,
        today: i64,
        retrieved: &[(Score, u64, u32)],
    ) -> tantivy::Result<Vec<Hit>> {
        let terms: Vec<String> = match (prepared.entity.kind(), target) {
            (Kind::Need, Kind::Candidate) => bits(prepared.wanted_trades())
                .map(|b| format!("trade:{b}"))
                .collect(),
            (Kind::Candidate, Kind::Need) => bits(prepared.evidence_trades)
                .map(|b| format!("wants:{b}"))
                .collect(),
            _ => Vec::new(),
        };
        if terms.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let any: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| (Occur::Should, self.gate(t)))
            .collect();
        let q = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(BooleanQuery::new(any)) as Box<dyn Query>,
            ),
            (Occur::Must, self.filter_for(prepared, target)),
        ]);
        let found = self.reader.searcher().search(&q, &PLAIN)?;
        let relevance: HashMap<u64, Score> = retrieved.iter().map(|(s, h, _)| (*h, *s)).collect();
        let features = self.features.read().unwrap_or_else(|e| e.into_inner());
        let own = handle_of(&key_of(prepared.entity.kind(), &prepared.entity.id));
        let mut best: Vec<(f64, &str, u64, Score)> = Vec::new();
        rank::without_details(|| {
            for (_, handle, _) in &found {
                let Some(doc) = features.get(handle) else {
                    continue;
                };
                if doc.entity.kind() != target || *handle == own {
                    continue;
                }
                let bm25 = relevance.get(handle).copied().unwrap_or(0.0);
                if let Some((score, _)) = rank::score_related(prepared, doc, bm25, today) {
                    let id = doc.entity.id.as_str();
                    insert_ranked(&mut best, (score, id, *handle, bm25), k, |x| (x.0, x.1));
                }
            }
        });
        Ok(explained(&best, &features, prepared, today, true))
    }

    /// The same result as [`SearchIndex::matches`], computed the slow way: every record of
    /// `target` is scored (text relevance 0 where it shares nothing) and the best `k` kept. The
    /// reference that the fast path, with its early stop, must equal.
    pub fn matches_exhaustive(
        &self,
        query: &Entity,
        target: Kind,
        k: usize,
        today: i64,
    ) -> tantivy::Result<Vec<Hit>> {
        // The same analysers, and details written only for the records kept, as the fast path:
        // what the two differ in is only the pruning.
        let (prepared, text_query) = with_analyzers(|a| self.prepare(query, target, a));
        let relevance: HashMap<u64, Score> = self
            .reader
            .searcher()
            .search(text_query.as_ref(), &PLAIN)?
            .into_iter()
            .map(|(s, h, _)| (h, s))
            .collect();
        let features = self.features.read().unwrap_or_else(|e| e.into_inner());
        let mut best: Vec<(f64, &str, u64, Score)> = Vec::new();
        let mut related: Vec<(f64, &str, u64, Score)> = Vec::new();
        rank::without_details(|| {
            for (handle, doc) in features.iter() {
                if doc.entity.kind() != target || doc.entity.id == query.id {
                    continue;
                }
                let bm25 = relevance.get(handle).copied().unwrap_or(0.0);
                if let Some((score, _)) = rank::score_listed(&prepared, doc, bm25, today) {
                    let id = doc.entity.id.as_str();
                    insert_ranked(&mut best, (score, id, *handle, bm25), k, |x| (x.0, x.1));
                }
                if let Some((score, _)) = rank::score_related(&prepared, doc, bm25, today) {
                    let id = doc.entity.id.as_str();
                    insert_ranked(&mut related, (score, id, *handle, bm25), k, |x| (x.0, x.1));
                }
            }
        });
        if best.is_empty() {
            return Ok(explained(&related, &features, &prepared, today, true));
        }
        Ok(explained(&best, &features, &prepared, today, false))
    }

    /// One pair, explained as [`SearchIndex::matches`] would rank it: `target` scored against
    /// `query`, the text relevance read from the index (0 while the index does not hold
    /// `target` yet). `None`: a hard rule excludes the pair, or nothing in it is relevant.
    pub fn explain_pair(
        &self,
        query: &Entity,
        target: &Entity,
        today: i64,
    ) -> tantivy::Result<Option<Hit>> {
        let mut analyzers = Analyzers::default();
        let (prepared, text_query) = self.prepare(query, target.kind(), &mut analyzers);
        let handle = handle_of(&key_of(target.kind(), &target.id));
        let bm25 = self
            .reader
            .searcher()
            .search(text_query.as_ref(), &PLAIN)?
            .into_iter()
            .find(|(_, h, _)| *h == handle)
            .map(|(s, _, _)| s)
            .unwrap_or(0.0);
        let doc = Prepared::new(target.clone(), &mut analyzers);
        Ok(rank::score(&prepared, &doc, bm25, today)
            .map(|(score, factors)| hit(&doc, score, factors)))
    }

    /// Free-text search over `kinds`, best first.
    pub fn search(&self, text: &str, kinds: &[Kind], k: usize) -> tantivy::Result<Vec<Hit>> {
        let query = with_analyzers(|a| {
            let words = a.analyse(text);
            let concepts = rank::ConceptBits::of(&Vocabulary::get().concepts_in_analysed(&words));
            self.query_for(&words, &concepts, false)
        });
        let searcher = self.reader.searcher();
        let mut scored = searcher.search(&query, &PLAIN)?;
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let features = self.features.read().unwrap_or_else(|e| e.into_inner());
        Ok(scored
            .into_iter()
            .filter_map(|(bm25, h, _)| features.get(&h).map(|d| (bm25, d)))
            .filter(|(_, d)| kinds.contains(&d.entity.kind()))
            .take(k)
            .map(|(bm25, d)| {
                let s = f64::from(bm25);
                let text = Factor {
                    name: "text",
                    score: s / (s + rank::TEXT_HALF),
                    detail: format!("relevance {s:.2}"),
                };
                hit(d, s / (s + rank::TEXT_HALF), vec![text])
            })
            .collect())
    }
}

/// Languages that stand for one another (Swedish and Norwegian speakers understand each other).
fn language_gate(code: &str) -> &str {
    if rank::scandinavian(code) {
        "scand"
    } else {
        code
    }
}

/// The filter terms of a record (see [`Fields::gate`]).
fn gates(p: &Prepared) -> Vec<String> {
    use crate::entity::Track;
    let e = &p.entity;
    let mut g = Vec::new();
    match e.kind() {
        Kind::Candidate => {
            if e.active && e.seeks_ktp && e.consented(Track::Ktp) {
                g.push("ktp".to_string());
            }
            if e.active && e.mentee && e.consented(Track::Mentoring) {
                g.push("mentee".to_string());
            }
            for l in e.languages.iter().filter(|l| l.level > 0) {
                g.push(format!(
                    "lang:{}:{}",
                    language_gate(&l.code),
                    l.level.min(TOP_LEVEL)
                ));
            }
            match (e.max_distance_km, p.place) {
                (Some(km), Some(place)) => {
                    g.extend(
                        crate::Gazetteer::get()
                            .counties_within(place, km)
                            .map(|c| format!("reach:{c}")),
                    );
                }
                _ => g.push("reach:any".to_string()),
            }
            g.extend(bits(p.evidence_trades).map(|b| format!("trade:{b}")));
        }
        Kind::Mentor => {
            if e.active && e.consented(Track::Mentoring) && e.capacity_left.unwrap_or(0) > 0 {
                g.push("mentor".to_string());
                if e.coaches {
                    g.push("coach".to_string());
                }
            }
        }
        Kind::Need | Kind::Procurement | Kind::Offer => {
            if e.active {
                g.push("open".to_string());
                if e.kind() == Kind::Need && e.wants_coach {
                    g.push("coachee".to_string());
                }
            }
            g.extend(bits(p.wanted_trades()).map(|b| format!("wants:{b}")));
            // Where its CPV codes sit in the tree: a procurement and an offer find each other
            // by them even when they share no word (see `Cpv::terms`).
            g.extend(crate::Cpv::get().found_by(&e.cpv));
        }
    }
    g
}

/// The positions of the bits set in `b`.
fn bits(b: u64) -> impl Iterator<Item = u32> {
    (0..64).filter(move |i| b & (1 << i) != 0)
}

thread_local! {
    static ANALYZERS: std::cell::RefCell<Analyzers> = std::cell::RefCell::new(Analyzers::default());
}

/// Runs `f` with this thread's analysers (building them costs more than a query).
fn with_analyzers<T>(f: impl FnOnce(&mut Analyzers) -> T) -> T {
    ANALYZERS.with(|a| f(&mut a.borrow_mut()))
}

/// Features kept in memory need no free text (tantivy has it), nor what was already turned
/// into concepts, labels and flags (skills, support needs, consents), nor what ranking reads
/// only of the other side: a need's wanted skills are read, a candidate's are not (her labels
/// and concepts are); a mentee's support needs are read; nobody else's.
fn slim(mut p: Prepared) -> Prepared {
    p.entity.text = String::new();
    p.entity.skills = Vec::new();
    p.entity.support_needs = Vec::new();
    p.entity.consents = Vec::new();
    match p.entity.kind() {
        Kind::Need => p.support_concepts = Vec::new(),
        Kind::Candidate => p.skill_concepts = Vec::new(),
        Kind::Mentor | Kind::Procurement | Kind::Offer => {
            p.skill_concepts = Vec::new();
            p.support_concepts = Vec::new();
        }
    }
    p
}

/// The records kept, scored again with their explanations written.
fn explained(
    best: &[(f64, &str, u64, Score)],
    features: &Features,
    prepared: &Prepared,
    today: i64,
    related: bool,
) -> Vec<Hit> {
    let score = if related {
        rank::score_related
    } else {
        rank::score_listed
    };
    best.iter()
        .filter_map(|(_, _, handle, bm25)| {
            let doc = features.get(handle)?;
            let (score, factors) = score(prepared, doc, *bm25, today)?;
            Some(Hit {
                related,
                ..hit(doc, score, factors)
            })
        })
        .collect()
}

fn hit(doc: &Prepared, score: f64, factors: Vec<Factor>) -> Hit {
    Hit {
        kind: doc.entity.kind(),
        id: doc.entity.id.clone(),
        score,
        title: doc.entity.title.clone(),
        factors,
        related: false,
    }
}

/// Keeps `best` sorted (score descending, then id) and at most `k` long.
fn insert_ranked<T>(best: &mut Vec<T>, item: T, k: usize, key: impl Fn(&T) -> (f64, &str)) {
    let (score, id) = key(&item);
    let pos = best.partition_point(|x| {
        let (s, i) = key(x);
        s > score || (s == score && i < id)
    });
    if pos < k {
        best.insert(pos, item);
        best.truncate(k);
    }
}

/// Collects every matching document's score and handle, and with `slots` its slot (else
/// `u32::MAX`).
struct Handles {
    slots: bool,
}

const PLAIN: Handles = Handles { slots: false };

struct SegmentHandles {
    handles: tantivy::columnar::Column<u64>,
    slots: Option<tantivy::columnar::Column<u64>>,
    docs: Vec<DocId>,
    scores: Vec<Score>,
}

impl Collector for Handles {
    type Fruit = Vec<(Score, u64, u32)>;
    type Child = SegmentHandles;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentHandles> {
        let slots = if self.slots {
            Some(segment.fast_fields().u64("slot")?)
        } else {
            None
        };
        Ok(SegmentHandles {
            handles: segment.fast_fields().u64("handle")?,
            slots,
            docs: Vec::new(),
            scores: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(Score, u64, u32)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentHandles {
    type Fruit = Vec<(Score, u64, u32)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.docs.push(doc);
        self.scores.push(score);
    }

    /// The fast fields are read for all the documents at once, a block at a time (one call
    /// through the column's reader per block, not two per document).
    fn harvest(self) -> Self::Fruit {
        const BLOCK: usize = 256;
        let mut out = Vec::with_capacity(self.docs.len());
        let mut handles = [None; BLOCK];
        let mut slots = [None; BLOCK];
        for (docs, scores) in self.docs.chunks(BLOCK).zip(self.scores.chunks(BLOCK)) {
            let n = docs.len();
            self.handles.first_vals(docs, &mut handles[..n]);
            if let Some(c) = &self.slots {
                c.first_vals(docs, &mut slots[..n]);
            }
            for ((h, s), score) in handles[..n].iter().zip(&slots[..n]).zip(scores) {
                if let Some(h) = h {
                    out.push((*score, *h, s.map_or(u32::MAX, |s| s as u32)));
                }
            }
        }
        out
    }
}

mod cache;
mod gates;
mod scored;
pub use cache::Kept;
#[cfg(test)]
mod tests;

/// tantivy restarts its operation stamps at the last commit's own when a writer opens (and
/// when [`IndexWriter::delete_all_documents`] reverts to it), so the first operation after a
/// restart shares the commit's opstamp. A merge of committed segments started before the next
/// commit targets that opstamp too, and skips it for a segment whose deletes were applied at
/// that commit: where such a segment is not the merge's first, the merged segment never sees
/// the delete, and the record deleted first after a restart comes back (seen after `kill -9`;
/// `tests::a_delete_right_after_reopening_survives_a_merge`). A delete that matches nothing
/// spends the shared opstamp, so none of ours has it.
fn spend_reused_opstamp(writer: &IndexWriter, fields: Fields) {
    writer.delete_term(Term::from_field_text(fields.key, ""));
}
