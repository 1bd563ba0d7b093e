//! The tantivy index: opening, rebuilding, incremental updates from the
//! indexer thread, and the search itself.

use super::documents::{Display, DocBuilder, TaxonomySnapshot, days, plain, slug_of};
use super::query::{self, Lexicon};
use super::schema::{self, Fields};
use super::{BATCH_WINDOW, FacetCount, HitKind, SearchHit, SearchQuery, SearchResults, Suggestion};
use crate::error::{Error, Result};
use crate::item::State;
use crate::rdf::{Reader, nn, term_value};
use crate::roles::Graph;
use crate::store::{Inner, Kb};
use ontologies::vocab::{cc, org, prov, rdf};
use oxigraph::model::{NamedNode, NamedOrBlankNode};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Condvar, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};

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
}

impl Touched {
    /// Whether nothing searchable changed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.offices.is_empty() && self.people.is_empty() && self.concepts.is_empty()
    }

    fn merge(&mut self, other: Touched) {
        self.items.extend(other.items);
        self.offices.extend(other.offices);
        self.people.extend(other.people);
        self.concepts.extend(other.concepts);
    }
}

/// Everything derived from the graph that queries need besides the index.
#[derive(Debug, Default)]
struct Derived {
    taxonomy: TaxonomySnapshot,
    lexicon: Lexicon,
    /// click key → item id → times opened.
    clicks: HashMap<String, HashMap<String, u32>>,
}

struct Notice {
    generation: u64,
    touched: Touched,
}

/// The search index of a knowledge base.
pub struct SearchIndex {
    /// Kept open for the life of the handle (the reader and writer refer to it).
    #[allow(dead_code)]
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    derived: RwLock<Derived>,
    indexed: Mutex<u64>,
    caught_up: Condvar,
    sender: Mutex<Option<Sender<Notice>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    last_rebuild_docs: AtomicU64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

fn tantivy_err(e: tantivy::TantivyError) -> Error {
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
        let writer = index.writer_with_num_threads(1, 64_000_000).map_err(tantivy_err)?;
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

    fn refresh_derived(&self, kb: &Kb) -> Result<()> {
        let taxonomy = TaxonomySnapshot::load(kb)?;
        let lexicon = Lexicon::build(&taxonomy, kb.areas_scheme().as_str());
        let mut d = self.derived.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        d.taxonomy = taxonomy;
        d.lexicon = lexicon;
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
        let mut b = DocBuilder::new(kb, &self.fields, &derived.taxonomy);
        let mut n = 0;
        for o in kb.offices()? {
            writer.add_document(b.office_doc(&o)?).map_err(tantivy_err)?;
            n += 1;
        }
        for p in kb.people()? {
            writer.add_document(b.person_doc(&p)?).map_err(tantivy_err)?;
            n += 1;
        }
        for id in kb.item_ids()? {
            for d in item_docs(kb, &mut b, &id)? {
                writer.add_document(d).map_err(tantivy_err)?;
                n += 1;
            }
        }
        drop(derived);
        let mut commit = writer.prepare_commit().map_err(tantivy_err)?;
        commit.set_payload(&generation.to_string());
        commit.commit().map_err(tantivy_err)?;
        drop(writer);
        self.reader.reload().map_err(tantivy_err)?;
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
        let f = &self.fields;
        if !touched.concepts.is_empty() {
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
        let mut b = DocBuilder::new(kb, f, &derived.taxonomy);
        let mut writer = lock(&self.writer);
        for id in &items {
            writer.delete_term(Term::from_field_text(f.key, &format!("item:{id}")));
            writer.delete_term(Term::from_field_text(f.key, &format!("draft:{id}")));
            for d in item_docs(kb, &mut b, id)? {
                writer.add_document(d).map_err(tantivy_err)?;
            }
        }
        for code in &offices {
            writer.delete_term(Term::from_field_text(f.key, &format!("office:{code}")));
            if let Some(o) = kb.office_by_iri(kb.office_iri(code).as_str())? {
                writer.add_document(b.office_doc(&o)?).map_err(tantivy_err)?;
            }
        }
        for number in &people {
            writer.delete_term(Term::from_field_text(f.key, &format!("person:{number}")));
            if let Some(p) = kb.person_by_iri(kb.person_iri(number).as_str())? {
                writer.add_document(b.person_doc(&p)?).map_err(tantivy_err)?;
            }
        }
        drop(derived);
        let mut commit = writer.prepare_commit().map_err(tantivy_err)?;
        commit.set_payload(&generation.to_string());
        commit.commit().map_err(tantivy_err)?;
        drop(writer);
        self.reader.reload().map_err(tantivy_err)?;
        self.mark_indexed(generation);
        Ok(())
    }

    /// Runs a search.
    pub(crate) fn search(&self, kb: &Kb, q: &SearchQuery) -> Result<SearchResults> {
        let f = &self.fields;
        let analysed = query::analyse(&q.text, q.as_you_type);
        if analysed.raw.is_empty() {
            return Ok(SearchResults::default());
        }
        let derived = self.derived.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let clicks: Vec<(String, f32)> = derived
            .clicks
            .get(&query::click_key(&q.text))
            .map(|m| m.iter().map(|(id, n)| (format!("item:{id}"), 1.0 + (*n as f32).ln_1p() * 1.5)).collect())
            .unwrap_or_default();
        let Some(scoring) = query::scoring_query(f, &analysed, &derived.lexicon, &clicks) else {
            return Ok(SearchResults::default());
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, scoring)];
        let term = |field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::Basic))
        };
        let any_of = |qs: Vec<Box<dyn Query>>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(qs.into_iter().map(|q| (Occur::Should, q)).collect()))
        };
        let mut scopes = vec![term(f.scope, "published"), term(f.scope, "org")];
        if q.include_drafts {
            scopes.push(term(f.scope, "workspace"));
        }
        must.push((Occur::Must, any_of(scopes)));
        if !q.kinds.is_empty() {
            must.push((Occur::Must, any_of(q.kinds.iter().map(|k| term(f.kind, k.as_str())).collect())));
        }
        if let Some(a) = &q.area {
            must.push((Occur::Must, term(f.concept_ids, a)));
        }
        if let Some(o) = &q.office {
            must.push((Occur::Must, term(f.office_id, o)));
        }
        if let Some(l) = q.level {
            must.push((Occur::Must, term(f.level, if l == crate::item::Level::Base { "base" } else { "advanced" })));
        }
        if let Some(a) = &q.audience {
            must.push((Occur::Must, any_of(vec![term(f.audience, a), term(f.audience, "any")])));
        }
        let full = BooleanQuery::new(must);
        let today = q.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let today_days = days(today);
        let limit = q.limit.clamp(1, 200);
        let top = TopDocs::with_limit(limit).and_offset(q.offset).tweak_score(move |segment: &SegmentReader| {
            let valid = segment.fast_fields().i64("valid_until").ok().map(|c| c.first_or_default_col(i64::MAX));
            move |doc, score: Score| {
                let until = valid.as_ref().map(|c| c.get_val(doc)).unwrap_or(i64::MAX);
                // Expired items stay findable, ranked below valid ones.
                if until < today_days { score * 0.3 } else { score }
            }
        });
        let mut facets = FacetCollector::for_field("facets");
        for root in ["/area", "/office", "/level", "/kind"] {
            facets.add_facet(root);
        }
        let searcher = self.reader.searcher();
        let (top_docs, facet_counts, total) = searcher.search(&full, &(top, facets, Count)).map_err(tantivy_err)?;
        let mut snippets = SnippetGenerator::create(&searcher, &full, f.body).map_err(tantivy_err)?;
        snippets.set_max_num_chars(220);
        let mut hits = Vec::with_capacity(top_docs.len());
        for (score, addr) in top_docs {
            hits.push(self.hit(&searcher, addr, score, &snippets, today)?);
        }
        let label_area = |slug: &str| {
            derived
                .taxonomy
                .concepts
                .values()
                .find(|c| slug_of(&c.iri) == slug && c.broader.is_none())
                .map(|c| (c.iri.clone(), c.label.clone()))
                .unwrap_or_else(|| (slug.to_owned(), slug.to_owned()))
        };
        let counts = |root: &str| -> Vec<(String, u64)> {
            facet_counts.get(root).map(|(facet, n)| (facet.to_path().last().map(|s| (*s).to_owned()).unwrap_or_default(), n)).collect()
        };
        let mut results = SearchResults { total, hits, ..Default::default() };
        results.areas = counts("/area")
            .into_iter()
            .map(|(slug, count)| {
                let (value, label) = label_area(&slug);
                FacetCount { value, label, count }
            })
            .collect();
        results.offices = counts("/office")
            .into_iter()
            .map(|(code, count)| {
                let label = kb.office_by_iri(kb.office_iri(&code).as_str()).ok().flatten().map(|o| o.name).unwrap_or_else(|| code.clone());
                FacetCount { value: code, label, count }
            })
            .collect();
        results.levels = counts("/level").into_iter().map(|(v, count)| FacetCount { label: v.clone(), value: v, count }).collect();
        results.kinds = counts("/kind").into_iter().map(|(v, count)| FacetCount { label: v.clone(), value: v, count }).collect();
        for list in [&mut results.areas, &mut results.offices, &mut results.levels, &mut results.kinds] {
            list.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        }
        results.offices.truncate(15);
        Ok(results)
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        score: Score,
        snippets: &SnippetGenerator,
        today: chrono::NaiveDate,
    ) -> Result<SearchHit> {
        let f = &self.fields;
        let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let display: Display = serde_json::from_str(&text(f.display)).unwrap_or_default();
        let kind = HitKind::parse(&text(f.kind)).unwrap_or(HitKind::Item);
        let snippet = snippets.snippet_from_doc(&doc);
        let snippet_html = if snippet.is_empty() {
            let body = text(f.body);
            let cut: String = body.chars().take(220).collect();
            html_escape(&cut)
        } else {
            snippet.to_html()
        };
        Ok(SearchHit {
            kind,
            id: text(f.id),
            draft: text(f.key).starts_with("draft:"),
            score,
            title: display.title.clone(),
            snippet_html,
            expired_on: display.valid_until.filter(|d| *d < today),
            display,
        })
    }

    /// Autocomplete: titles, concepts, offices and people starting with
    /// the words typed.
    pub(crate) fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let a = query::analyse(prefix, true);
        let Some(last) = a.raw.last() else { return Ok(Vec::new()) };
        let limit = limit.clamp(1, 50);
        let f = &self.fields;
        let mut out: Vec<Suggestion> = Vec::new();
        // Concepts whose label words start with what was typed.
        let wanted = plain(prefix);
        {
            let derived = self.derived.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut concepts: Vec<(&str, &str)> = derived
                .taxonomy
                .concepts
                .values()
                .filter(|c| derived.lexicon.areas.contains(&c.iri))
                .filter(|c| {
                    let l = plain(&c.label);
                    l.starts_with(&wanted) || l.split(' ').any(|w| w.starts_with(&wanted))
                })
                .map(|c| (c.iri.as_str(), c.label.as_str()))
                .collect();
            concepts.sort_by(|x, y| x.1.cmp(y.1));
            out.extend(concepts.into_iter().take(limit / 3 + 1).map(|(iri, label)| Suggestion {
                kind: "concept",
                id: iri.to_owned(),
                label: label.to_owned(),
            }));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &a.raw[..a.raw.len() - 1] {
            clauses.push((Occur::Must, Box::new(TermQuery::new(Term::from_field_text(f.title_raw, w), IndexRecordOption::Basic))));
        }
        clauses
            .push((Occur::Must, Box::new(tantivy::query::FuzzyTermQuery::new_prefix(Term::from_field_text(f.title_raw, last), 0, true))));
        clauses.push((Occur::MustNot, Box::new(TermQuery::new(Term::from_field_text(f.scope, "workspace"), IndexRecordOption::Basic))));
        let searcher = self.reader.searcher();
        let found = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit)).map_err(tantivy_err)?;
        for (_, addr) in found {
            let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
            let get = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let display: Display = serde_json::from_str(&get(f.display)).unwrap_or_default();
            let kind = match get(f.kind).as_str() {
                "office" => "office",
                "person" => "person",
                _ => "item",
            };
            out.push(Suggestion { kind, id: get(f.id), label: display.title });
        }
        out.truncate(limit);
        Ok(out)
    }
}

impl Drop for SearchIndex {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn last_segment(s: &NamedOrBlankNode) -> String {
    s.to_string().trim_matches(['<', '>']).rsplit('/').next().unwrap_or_default().to_owned()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The documents of item `id`: the published one (unless archived) and the
/// working revision, if any.
fn item_docs(kb: &Kb, b: &mut DocBuilder<'_>, id: &str) -> Result<Vec<TantivyDocument>> {
    let mut out = Vec::new();
    let Ok(st) = kb.item_status(id) else { return Ok(out) };
    if let Some(item) = kb.published_item(id)?
        && item.state == State::Published
    {
        out.push(b.item(id, &item.content, None)?);
    }
    if let Some((n, state)) = st.working {
        let content = kb.content_in(kb.store(), &st, n)?;
        out.push(b.item(id, &content, Some(state))?);
    }
    Ok(out)
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
