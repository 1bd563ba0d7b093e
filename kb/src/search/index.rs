//! The tantivy index: opening, rebuilding, incremental updates from the
//! indexer thread, and the search itself.

use super::BATCH_WINDOW;
use super::documents::{DocBuilder, TaxonomySnapshot};
use super::org_concepts::OrgConcepts;
use super::query::{self, Lexicon};
use super::schema::{self, Fields};
use crate::error::{Error, Result};
use crate::item::{ItemContent, State};
use crate::rdf::{Reader, nn, term_value};
use crate::roles::Graph;
use crate::store::{Inner, Kb};
use ontologies::vocab::{cc, org, prov, rdf};
use oxigraph::model::{NamedNode, NamedOrBlankNode};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::scoring::*;

/// What a write changed, for the indexer.
#[derive(Debug, Default, Clone)]
pub struct Touched {
    /// Item identifiers.
    pub items: BTreeSet<String>,
    /// Office codes.
    pub offices: BTreeSet<String>,
    /// Staff numbers.
    pub people: BTreeSet<String>,
    /// Concept IRIs (any change to the taxonomy graph).
    pub concepts: BTreeSet<String>,
    /// Items created as published by the write, with their (normalised)
    /// content, which is what the graph now holds for them.
    fresh: HashMap<String, ItemContent>,
}

impl Touched {
    /// Whether nothing searchable changed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.offices.is_empty() && self.people.is_empty() && self.concepts.is_empty()
    }

    /// Records the items a write created as published.
    pub(crate) fn set_fresh(&mut self, fresh: Vec<(String, ItemContent)>) {
        self.fresh = fresh.into_iter().collect();
    }

    fn merge(&mut self, other: Touched) {
        // A later write may have changed an item created earlier.
        for id in &other.items {
            if !other.fresh.contains_key(id) {
                self.fresh.remove(id);
            }
        }
        self.fresh.extend(other.fresh);
        self.items.extend(other.items);
        self.offices.extend(other.offices);
        self.people.extend(other.people);
        self.concepts.extend(other.concepts);
    }
}

/// Everything derived from the graph that queries need besides the index.
#[derive(Debug, Default)]
pub(super) struct Derived {
    pub(super) taxonomy: TaxonomySnapshot,
    pub(super) lexicon: Lexicon,
    /// click key → item id → times opened.
    pub(super) clicks: HashMap<String, HashMap<String, u32>>,
    /// Office code → name, for the office facet (no graph reads per search).
    pub(super) office_names: HashMap<String, String>,
}

struct Notice {
    generation: u64,
    touched: Touched,
}

/// The search index of a knowledge base.
pub struct SearchIndex {
    /// The index (its tokenizers serve the snippets of a search).
    pub(super) index: Index,
    pub(super) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pub(super) fields: Fields,
    pub(super) derived: RwLock<Derived>,
    indexed: Mutex<u64>,
    caught_up: Condvar,
    sender: Mutex<Option<Sender<Notice>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    last_rebuild_docs: AtomicU64,
    /// Facets and kinds per segment, for counting every match quickly.
    pub(super) facet_cache: Mutex<HashMap<tantivy::index::SegmentId, Arc<SegmentFacets>>>,
    /// Typo corrections of words already looked up, for the searcher
    /// generation they were found in: a word typed wrong comes back at
    /// every keystroke of a search as you type, and building its Levenshtein
    /// automaton is the costly part.
    pub(super) typo_cache: Mutex<(u64, HashMap<String, Vec<String>>)>,
    /// Concepts per office and person, counted once from the graph and
    /// then kept current by each batch (`None` until first needed).
    org_concepts: Mutex<Option<OrgConcepts>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

pub(super) fn tantivy_err(e: tantivy::TantivyError) -> Error {
    Error::invalid("search index", e.to_string())
}

impl SearchIndex {
    /// Opens the index in `dir` (creating it), rebuilding it when its
    /// generation is not `graph_generation`.
    pub(crate) fn open(kb: &Kb, dir: &Path, graph_generation: u64) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        let (schema, fields) = schema::build();
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| Error::invalid("search index", e.to_string()))?;
        let index = match Index::open_or_create(mmap, schema.clone()) {
            Ok(i) => i,
            Err(e) => {
                // An index of an older schema, or a damaged one: start afresh.
                tracing::warn!(error = %e, "search index unusable, recreating it");
                std::fs::remove_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
                std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
                Index::create_in_dir(dir, schema).map_err(tantivy_err)?
            }
        };
        super::analysis::register(index.tokenizers());
        let stored_generation = index.load_metas().ok().and_then(|m| m.payload).and_then(|p| p.parse::<u64>().ok());
        // Two indexing threads where there are two cores: a whole-workbook
        // import is searchable sooner (each thread writes its own segment
        // of a large commit; a single-item commit still makes one).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
        let writer = index.writer_with_num_threads(threads, 64_000_000).map_err(tantivy_err)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(tantivy_err)?;
        let s = SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            derived: RwLock::new(Derived::default()),
            indexed: Mutex::new(stored_generation.unwrap_or(0)),
            caught_up: Condvar::new(),
            sender: Mutex::new(None),
            worker: Mutex::new(None),
            last_rebuild_docs: AtomicU64::new(0),
            facet_cache: Mutex::new(HashMap::new()),
            typo_cache: Mutex::new((0, HashMap::new())),
            org_concepts: Mutex::new(None),
        };
        s.refresh_derived(kb)?;
        s.load_clicks(kb)?;
        if stored_generation != Some(graph_generation) {
            tracing::info!(?stored_generation, graph_generation, "search index missing or stale: rebuilding");
            s.rebuild(kb)?;
        }
        Ok(s)
    }

    /// Starts the indexer thread (holding only a weak handle to the kb).
    pub(crate) fn start(&self, kb: Weak<Inner>) {
        let (tx, rx) = channel::<Notice>();
        let handle = std::thread::Builder::new().name("centralino-indexer".into()).spawn(move || indexer_loop(kb, rx)).ok();
        *lock(&self.sender) = Some(tx);
        *lock(&self.worker) = handle;
    }

    /// Hands a committed change to the indexer.
    pub(crate) fn notify(&self, generation: u64, touched: Touched) {
        if let Some(tx) = lock(&self.sender).as_ref() {
            let _ = tx.send(Notice { generation, touched });
        }
    }

    /// Stops the indexer thread (on drop of the kb).
    pub(crate) fn stop(&self) {
        lock(&self.sender).take();
        if let Some(h) = lock(&self.worker).take() {
            // The last handle may be dropped by the indexer thread itself.
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
    }

    /// Re-reads what queries need besides the index: the taxonomy (lexicon)
    /// and the office names of the facet.
    fn refresh_derived(&self, kb: &Kb) -> Result<()> {
        let taxonomy = TaxonomySnapshot::load(kb)?;
        let lexicon = Lexicon::build(&taxonomy, kb.areas_scheme().as_str());
        let office_names = kb.offices()?.into_iter().map(|o| (o.code, o.name)).collect();
        let mut d = self.derived.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        d.taxonomy = taxonomy;
        d.lexicon = lexicon;
        d.office_names = office_names;
        Ok(())
    }

    fn load_clicks(&self, kb: &Kb) -> Result<()> {
        let audit = kb.graph(Graph::Audit);
        let mut clicks: HashMap<String, HashMap<String, u32>> = HashMap::new();
        for q in kb.store().quads(None, Some(nn(cc::QUERY_TEXT)), None, Some(audit.into()))? {
            let NamedOrBlankNode::NamedNode(a) = &q.subject else { continue };
            if let Some(item) = kb.store().object(a.as_ref(), prov::USED, audit)? {
                let id = term_value(&item).rsplit('/').next().unwrap_or_default().to_owned();
                *clicks.entry(query::click_key(term_value(&q.object))).or_default().entry(id).or_default() += 1;
            }
        }
        self.derived.write().unwrap_or_else(std::sync::PoisonError::into_inner).clicks = clicks;
        Ok(())
    }

    /// Remembers that `id` was opened for `text`.
    pub(crate) fn learn_click(&self, text: &str, id: &str) {
        let mut d = self.derived.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *d.clicks.entry(query::click_key(text)).or_default().entry(id.to_owned()).or_default() += 1;
    }

    /// The generation the index holds.
    pub fn indexed_generation(&self) -> u64 {
        *lock(&self.indexed)
    }

    /// Waits until the index reaches `target`.
    pub(crate) fn wait_for(&self, target: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut g = lock(&self.indexed);
        while *g < target {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = self.caught_up.wait_timeout(g, left).unwrap_or_else(std::sync::PoisonError::into_inner).0;
        }
        true
    }

    /// Rebuilds every document from the graph. Returns the number indexed.
    pub(crate) fn rebuild(&self, kb: &Kb) -> Result<usize> {
        let started = Instant::now();
        self.refresh_derived(kb)?;
        let generation = kb.generation()?;
        let mut writer = lock(&self.writer);
        writer.delete_all_documents().map_err(tantivy_err)?;
        let derived = self.derived.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        lock(&self.org_concepts).take();
        let mut org = OrgConcepts::default();
        let mut b = DocBuilder::new(kb, &self.fields, &derived.taxonomy, &mut org);
        let mut n = 0;
        // Items first: the builder notes which concepts each office and
        // person handles, for their own documents.
        for id in kb.item_ids()? {
            for d in item_docs(kb, &mut b, &id, None)?.0 {
                writer.add_document(d).map_err(tantivy_err)?;
                n += 1;
            }
        }
        for o in kb.offices()? {
            writer.add_document(b.office_doc(&o)?).map_err(tantivy_err)?;
            n += 1;
        }
        for p in kb.people()? {
            writer.add_document(b.person_doc(&p)?).map_err(tantivy_err)?;
            n += 1;
        }
        drop(b);
        *lock(&self.org_concepts) = Some(org);
        drop(derived);
        let mut commit = writer.prepare_commit().map_err(tantivy_err)?;
        commit.set_payload(&generation.to_string());
        commit.commit().map_err(tantivy_err)?;
        // One segment: a search's fixed costs (per segment) stay small.
        let segments = self.index.searchable_segment_ids().map_err(tantivy_err)?;
        if segments.len() > 1
            && let Err(e) = writer.merge(&segments).wait()
        {
            tracing::warn!(error = %e, "search index: merging the rebuilt segments failed");
        }
        drop(writer);
        self.reload()?;
        self.mark_indexed(generation);
        self.last_rebuild_docs.store(n as u64, Ordering::Relaxed);
        tracing::info!(documents = n, seconds = started.elapsed().as_secs_f64(), "search index rebuilt");
        Ok(n)
    }

    fn mark_indexed(&self, generation: u64) {
        let mut g = lock(&self.indexed);
        if generation > *g {
            *g = generation;
        }
        self.caught_up.notify_all();
    }

    /// Applies a batch of changes (indexer thread).
    fn apply(&self, kb: &Kb, generation: u64, touched: Touched) -> Result<()> {
        let started = Instant::now();
        let f = &self.fields;
        if !touched.concepts.is_empty() || !touched.offices.is_empty() {
            self.refresh_derived(kb)?;
        }
        let mut items = touched.items.clone();
        // Items that show a changed office, person or concept.
        for code in &touched.offices {
            items.extend(kb.items_referencing(cc::COMPETENT_OFFICE, &kb.office_iri(code))?);
        }
        for number in &touched.people {
            items.extend(kb.items_referencing(cc::CONTACT_PERSON, &kb.person_iri(number))?);
        }
        let searcher = self.reader.searcher();
        for c in &touched.concepts {
            let q = TermQuery::new(Term::from_field_text(f.concept_ids, c), IndexRecordOption::Basic);
            for (_, addr) in searcher.search(&q, &TopDocs::with_limit(1_000_000)).map_err(tantivy_err)? {
                let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
                if let Some(id) = doc.get_first(f.id).and_then(|v| v.as_str()) {
                    items.insert(id.to_owned());
                }
            }
        }
        // People and sub-offices show the name of their office.
        let mut offices = touched.offices.clone();
        let mut people = touched.people.clone();
        for code in &touched.offices {
            let iri = kb.office_iri(code);
            let g = kb.graph(Graph::Org);
            for q in kb.store().quads(None, Some(nn(org::MEMBER_OF)), Some(iri.as_ref().into()), Some(g.into()))? {
                people.insert(last_segment(&q.subject));
            }
            for q in kb.store().quads(None, Some(nn(org::SUB_ORGANIZATION_OF)), Some(iri.as_ref().into()), Some(g.into()))? {
                offices.insert(last_segment(&q.subject));
            }
        }
        let derived = self.derived.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Taken out while the batch runs: if it fails, the next batch
        // counts again from the graph.
        let taken = lock(&self.org_concepts).take();
        let mut org = match taken {
            Some(o) => o,
            None => OrgConcepts::load(kb)?,
        };
        let mut b = DocBuilder::new(kb, f, &derived.taxonomy, &mut org);
        let mut writer = lock(&self.writer);
        let office_prefix = kb.office_iri("").as_str().to_owned();
        let person_prefix = kb.person_iri("").as_str().to_owned();
        let mut moved: BTreeSet<Arc<str>> = BTreeSet::new();
        for id in &items {
            writer.delete_term(Term::from_field_text(f.key, &format!("item:{id}")));
            writer.delete_term(Term::from_field_text(f.key, &format!("draft:{id}")));
            let (docs, changed) = item_docs(kb, &mut b, id, touched.fresh.get(id))?;
            for d in docs {
                writer.add_document(d).map_err(tantivy_err)?;
            }
            // Offices and people are found by the subjects of their items:
            // refresh those whose subjects this change moved.
            moved.extend(changed);
        }
        // A renamed concept shows in the documents of those who handle it.
        moved.extend(touched.concepts.iter().flat_map(|c| b.handling(c)));
        let mut item_offices = BTreeSet::new();
        for target in moved {
            if let Some(code) = target.strip_prefix(&office_prefix) {
                item_offices.insert(code.to_owned());
            } else if let Some(number) = target.strip_prefix(&person_prefix) {
                people.insert(number.to_owned());
            }
        }
        // An office's members are found by their office's subjects too.
        for code in &item_offices {
            let iri = kb.office_iri(code);
            for q in kb.store().quads(None, Some(nn(org::MEMBER_OF)), Some(iri.as_ref().into()), Some(kb.graph(Graph::Org).into()))? {
                people.insert(last_segment(&q.subject));
            }
        }
        let items_done = started.elapsed();
        offices.extend(item_offices);
        for code in &offices {
            writer.delete_term(Term::from_field_text(f.key, &format!("office:{code}")));
            let iri = kb.office_iri(code);
            if let Some(o) = kb.office_by_iri(iri.as_str())? {
                writer.add_document(b.office_doc(&o)?).map_err(tantivy_err)?;
            }
        }
        for number in &people {
            writer.delete_term(Term::from_field_text(f.key, &format!("person:{number}")));
            let iri = kb.person_iri(number);
            if let Some(p) = kb.person_by_iri(iri.as_str())? {
                writer.add_document(b.person_doc(&p)?).map_err(tantivy_err)?;
            }
        }
        drop(b);
        *lock(&self.org_concepts) = Some(org);
        drop(derived);
        let org_done = started.elapsed();
        let mut commit = writer.prepare_commit().map_err(tantivy_err)?;
        commit.set_payload(&generation.to_string());
        commit.commit().map_err(tantivy_err)?;
        drop(writer);
        self.reload()?;
        self.mark_indexed(generation);
        tracing::debug!(
            generation,
            items = items.len(),
            offices = offices.len(),
            people = people.len(),
            items_ms = items_done.as_millis(),
            org_ms = (org_done - items_done).as_millis(),
            commit_ms = (started.elapsed() - org_done).as_millis(),
            "search index updated"
        );
        Ok(())
    }

    /// Reloads the reader and prepares the facets of new segments, so that
    /// the first search after a change does not pay for them.
    fn reload(&self) -> Result<()> {
        self.reader.reload().map_err(tantivy_err)?;
        let searcher = self.reader.searcher();
        let live: BTreeSet<tantivy::index::SegmentId> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
        lock(&self.facet_cache).retain(|id, _| live.contains(id));
        for segment in searcher.segment_readers() {
            self.segment_facets(segment)?;
        }
        Ok(())
    }
}

impl Drop for SearchIndex {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn last_segment(s: &NamedOrBlankNode) -> String {
    s.to_string().trim_matches(['<', '>']).rsplit('/').next().unwrap_or_default().to_owned()
}

/// The documents of item `id`: the published one (unless archived) and the
/// working revision, if any.
/// Also returns the offices and people whose concepts the item changed.
/// `fresh`: the content of an item the write created as published, which
/// is what the graph holds for it (no working revision): nothing is read.
fn item_docs(kb: &Kb, b: &mut DocBuilder<'_>, id: &str, fresh: Option<&ItemContent>) -> Result<(Vec<TantivyDocument>, BTreeSet<Arc<str>>)> {
    if let Some(content) = fresh {
        let changed = b.note_published(id, Some(content));
        return Ok((vec![b.item(id, content, None)?], changed));
    }
    let mut out = Vec::new();
    let Ok(st) = kb.item_status(id) else { return Ok((out, b.note_published(id, None))) };
    let published = kb.published_item(id)?.filter(|item| item.state == State::Published);
    let changed = b.note_published(id, published.as_ref().map(|item| &item.content));
    if let Some(item) = published {
        out.push(b.item(id, &item.content, None)?);
    }
    if let Some((n, state)) = st.working {
        let content = kb.content_in(kb.store(), &st, n)?;
        out.push(b.item(id, &content, Some(state))?);
    }
    Ok((out, changed))
}

fn indexer_loop(kb: Weak<Inner>, rx: Receiver<Notice>) {
    while let Ok(first) = rx.recv() {
        let mut generation = first.generation;
        let mut touched = first.touched;
        // Gather what else arrives within the batch window.
        let deadline = Instant::now() + BATCH_WINDOW;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(n) => {
                    generation = generation.max(n.generation);
                    touched.merge(n.touched);
                }
                Err(_) => break,
            }
        }
        let Some(inner) = kb.upgrade() else { return };
        let kb = Kb { inner };
        if let Ok(index) = kb.search_index()
            && let Err(e) = index.apply(&kb, generation, touched)
        {
            tracing::error!(error = %e, "search index update failed; the next start rebuilds it");
        }
    }
}

impl Kb {
    /// Identifiers of every item (from the item records).
    pub(crate) fn item_ids(&self) -> Result<Vec<String>> {
        let ws = self.graph(Graph::KbWorkspace);
        let mut ids: Vec<String> = self
            .store()
            .quads(None, Some(nn(rdf::TYPE)), Some(nn(cc::KNOWLEDGE_ITEM).into()), Some(ws.into()))?
            .iter()
            .map(|q| last_segment(&q.subject))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Items (published or working) that point to `target` with `property`.
    pub(crate) fn items_referencing(&self, property: &'static str, target: &NamedNode) -> Result<BTreeSet<String>> {
        let prefix = self.iri("id/kb/").as_str().to_owned();
        let mut out = BTreeSet::new();
        for g in [Graph::KbPublished, Graph::KbWorkspace] {
            for q in self.store().quads(None, Some(nn(property)), Some(target.as_ref().into()), Some(self.graph(g).into()))? {
                if let Some(rest) = q.subject.to_string().trim_matches(['<', '>']).strip_prefix(&prefix) {
                    out.insert(rest.split('/').next().unwrap_or_default().to_owned());
                }
            }
        }
        Ok(out)
    }
}
