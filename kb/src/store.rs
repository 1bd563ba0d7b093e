//! The knowledge base handle: the oxigraph store in the data directory,
//! its named graphs, the single writer, and start-up (ontology load and
//! upgrade, taxonomy seeding, inference bootstrap).

use crate::error::{Error, Result};
use crate::inference::Reasoner;
use crate::rdf::{Reader, parse_rdf};
use crate::roles::Graph;
use crate::write::WriteTx;
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, Quad};
use oxigraph::store::{Store, Transaction};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};
use std::time::Duration;

/// Settings of the knowledge base.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KbConfig {
    /// Base of every data IRI (items, concepts, offices, graphs). Must end
    /// with `/`. Fixed when the data directory is created.
    pub base_iri: String,
    /// Prefix of knowledge item identifiers (`PIL` gives `PIL-0001`).
    pub id_prefix: String,
    /// The four-eyes rule: the approver of a revision may not be its author.
    pub four_eyes: bool,
    /// Time limit of a SPARQL query, in seconds.
    pub sparql_timeout_secs: u64,
    /// Maximum number of rows (or triples) a SPARQL query may return.
    pub sparql_max_rows: usize,
}

impl Default for KbConfig {
    fn default() -> Self {
        Self {
            base_iri: "http://localhost:8080/".into(),
            id_prefix: "PIL".into(),
            four_eyes: true,
            sparql_timeout_secs: 30,
            sparql_max_rows: 100_000,
        }
    }
}

impl KbConfig {
    /// Checks the settings, naming the bad field.
    pub fn validate(&self) -> Result<()> {
        let base = crate::rdf::parse_iri("base_iri", &self.base_iri)?;
        if !base.as_str().ends_with('/') {
            return Err(Error::invalid("base_iri", "must end with '/'"));
        }
        if self.id_prefix.is_empty() || self.id_prefix.len() > 5 || !self.id_prefix.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Error::invalid("id_prefix", "must be 1 to 5 upper-case ASCII letters"));
        }
        if self.sparql_timeout_secs == 0 {
            return Err(Error::invalid("sparql_timeout_secs", "must be at least 1"));
        }
        Ok(())
    }

    /// The SPARQL time limit as a duration.
    pub fn sparql_timeout(&self) -> Duration {
        Duration::from_secs(self.sparql_timeout_secs)
    }
}

/// What the data directory remembers about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Meta {
    format: u32,
    base_iri: String,
    taxonomy_seeded: bool,
}

const META_FORMAT: u32 = 1;

/// The knowledge base: cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Kb {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) config: KbConfig,
    pub(crate) data_dir: PathBuf,
    graphs: Vec<NamedNode>,
    writer: Mutex<()>,
    pub(crate) reasoner: RwLock<Arc<Reasoner>>,
    pub(crate) next_item_number: AtomicU64,
    pub(crate) search: OnceLock<crate::search::SearchIndex>,
    /// Offices, people and concepts of item pages (see [`crate::view`]).
    pub(crate) views: Mutex<crate::view::ViewCache>,
    /// Bumped whenever `views` is emptied.
    pub(crate) views_epoch: AtomicU64,
    /// Held for the life of the process: the data directory lock.
    _lock: File,
}

impl std::fmt::Debug for Kb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kb").field("data_dir", &self.inner.data_dir).field("base_iri", &self.inner.config.base_iri).finish()
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_owned(), source }
}

impl Kb {
    /// Opens (creating it if needed) the knowledge base in `data_dir`.
    ///
    /// On first start it creates the named graphs, loads the ontology and
    /// seeds the classification scheme; on later starts it upgrades the
    /// ontology when the embedded one changed, without touching data graphs.
    /// Fails with [`Error::DataDirLocked`] when another process holds it.
    pub fn open(data_dir: impl AsRef<Path>, config: KbConfig) -> Result<Self> {
        config.validate()?;
        let data_dir = data_dir.as_ref().to_owned();
        std::fs::create_dir_all(&data_dir).map_err(io_err(&data_dir))?;
        let lock_path = data_dir.join("centralino.lock");
        let lock = File::options().create(true).truncate(false).write(true).open(&lock_path).map_err(io_err(&lock_path))?;
        // A handle closed a moment ago may still be finishing its last
        // index batch on the indexer thread: wait briefly before giving up.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::DataDirLocked { path: data_dir });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&lock_path)(e)),
            }
        }
        let meta_path = data_dir.join("meta.toml");
        let mut meta =
            read_meta(&meta_path)?.unwrap_or(Meta { format: META_FORMAT, base_iri: config.base_iri.clone(), taxonomy_seeded: false });
        if meta.base_iri != config.base_iri {
            return Err(Error::ConfigMismatch { field: "base_iri", stored: meta.base_iri, configured: config.base_iri });
        }
        if meta.format > META_FORMAT {
            return Err(Error::ConfigMismatch { field: "format", stored: meta.format.to_string(), configured: META_FORMAT.to_string() });
        }
        let store = Store::open(data_dir.join("graph"))?;
        let graphs = Graph::ALL.iter().map(|g| NamedNode::new_unchecked(format!("{}graph/{}", config.base_iri, g.path()))).collect();
        let kb = Kb {
            inner: Arc::new(Inner {
                store,
                config,
                data_dir,
                graphs,
                writer: Mutex::new(()),
                reasoner: RwLock::new(Arc::new(Reasoner::default())),
                next_item_number: AtomicU64::new(1),
                search: OnceLock::new(),
                views: Mutex::default(),
                views_epoch: AtomicU64::new(0),
                _lock: lock,
            }),
        };
        let seeded = kb.bootstrap(!meta.taxonomy_seeded)?;
        if seeded && !meta.taxonomy_seeded {
            meta.taxonomy_seeded = true;
        }
        write_meta(&meta_path, &meta)?;
        kb.init_item_counter()?;
        let index = crate::search::SearchIndex::open(&kb, &kb.inner.data_dir.join("index"), kb.generation()?)?;
        index.start(Arc::downgrade(&kb.inner));
        let _ = kb.inner.search.set(index);
        Ok(kb)
    }

    /// The settings in force.
    pub fn config(&self) -> &KbConfig {
        &self.inner.config
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The underlying oxigraph store (read access for sibling crates:
    /// exports, search indexing). Writes must go through [`Kb::write`].
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The IRI of a named graph.
    pub fn graph(&self, g: Graph) -> NamedNodeRef<'_> {
        let idx = Graph::ALL.iter().position(|x| *x == g).unwrap_or(0);
        self.inner.graphs[idx].as_ref()
    }

    /// An IRI below the base: `iri("id/kb/PIL-0001")`.
    pub fn iri(&self, path: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{}", self.inner.config.base_iri, path))
    }

    /// Whether `iri` lies below the configured base.
    pub fn is_local(&self, iri: &str) -> bool {
        iri.starts_with(&self.inner.config.base_iri)
    }

    /// Takes the single-writer lock. Writes that check then write (states,
    /// revisions, counters) hold it for the whole check-and-commit, because
    /// oxigraph does not detect all write-write conflicts.
    pub(crate) fn writer(&self) -> MutexGuard<'_, ()> {
        // A poisoned lock only means a writer panicked; the transaction it
        // held was dropped uncommitted, so the store is consistent.
        self.inner.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` inside one transaction under the writer lock, brings the
    /// inferred graph up to date with what `f` changed, commits, and
    /// returns `f`'s result. If `f` fails nothing is written.
    pub fn write<T>(&self, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        self.write_with(f)
    }

    /// [`Kb::write`] for domain crates with their own error type (which
    /// must wrap this crate's): the closure's error aborts the write.
    pub fn write_with<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut WriteTx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let _guard = self.writer();
        let mut w = WriteTx::new(self.inner.store.start_transaction().map_err(Error::from)?, false);
        let value = f(&mut w)?;
        let reasoner = self.reasoner();
        crate::inference::apply_changes(self, &reasoner, &mut w.tx, &w.changed)?;
        let mut touched = self.touched(w.changed.iter().map(|q| (q.subject.as_ref(), q.graph_name.as_ref())));
        touched.set_fresh(std::mem::take(&mut w.fresh));
        let generation = if touched.is_empty() { None } else { Some(self.bump_generation(&mut w.tx)?) };
        w.tx.commit().map_err(Error::from)?;
        if self.touches_views(w.changed.iter().map(|q| q.graph_name.as_ref())) {
            self.clear_views();
        }
        if let (Some(g), Some(index)) = (generation, self.inner.search.get()) {
            index.notify(g, touched);
        }
        Ok(value)
    }

    /// Like [`Kb::write`], for writes that add many new quads (imports,
    /// bulk publication): the inserts are collected in memory with their
    /// inferences and loaded with oxigraph's bulk loader, whose commit is
    /// atomic, so the write is still all or nothing. Only a write that
    /// adds is eligible: if `f` removes a stored quad, the bulk attempt is
    /// dropped and `f` runs again as an ordinary transaction (so `f` must
    /// be callable twice and start from scratch each time).
    ///
    /// Crash safety: the generation counter is committed first, then the
    /// quads are ingested. A crash in between leaves the data unchanged and
    /// the search index one generation behind, which start-up repairs by
    /// rebuilding it.
    pub fn write_bulk<T>(&self, mut f: impl FnMut(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        let guard = self.writer();
        let started = std::time::Instant::now();
        let mut w = WriteTx::new(self.inner.store.start_transaction()?, true);
        let outcome = f(&mut w);
        let needs_tx = w.bulk.as_ref().and_then(|b| b.needs_transaction.clone());
        let value = match (outcome, needs_tx) {
            (_, Some(reason)) | (Err(Error::NeedsTransaction { reason }), None) => {
                tracing::debug!(%reason, "bulk write falls back to a transaction");
                drop(w);
                drop(guard);
                return self.write(f);
            }
            (Err(e), None) => return Err(e),
            (Ok(v), None) => v,
        };
        let built = started.elapsed();
        let reasoner = self.reasoner();
        crate::inference::apply_bulk(self, &reasoner, &mut w)?;
        let inferred = started.elapsed();
        if let Some(reason) = w.bulk.as_ref().and_then(|b| b.needs_transaction.clone()) {
            tracing::debug!(%reason, "bulk write falls back to a transaction");
            drop(w);
            drop(guard);
            return self.write(f);
        }
        let buffer = w.bulk.take().unwrap_or_default();
        let views_hit = self.touches_views(buffer.graphs());
        let mut touched = self.touched(buffer.subjects_and_graphs());
        touched.set_fresh(std::mem::take(&mut w.fresh));
        let generation = if touched.is_empty() { None } else { Some(self.bump_generation(&mut w.tx)?) };
        w.tx.commit()?;
        // The buffer's terms and id quads go to oxigraph's interned loader.
        let (terms, quads) = buffer.into_interned();
        if !quads.is_empty() {
            // oxigraph (patched, see vendor/oxigraph/PATCHES.md) encodes each
            // of the buffer's terms once and sorts each of its indexes as
            // tuples of term ranks into one SST file, the files shared out
            // among one thread per core.
            let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(4);
            let mut loader = self.inner.store.bulk_loader().with_num_threads(threads);
            loader.load_interned(&terms, &quads)?;
            tracing::debug!(ms = started.elapsed().as_millis(), "bulk SST files written");
            loader.commit()?;
        }
        if views_hit {
            self.clear_views();
        }
        tracing::debug!(
            quads = quads.len(),
            build_ms = built.as_millis(),
            infer_ms = (inferred - built).as_millis(),
            load_ms = (started.elapsed() - inferred).as_millis(),
            "bulk write committed"
        );
        if let (Some(g), Some(index)) = (generation, self.inner.search.get()) {
            index.notify(g, touched);
        }
        Ok(value)
    }

    /// Whether a write in `graphs` changes what the cache of item pages
    /// holds: the organisation chart or the classification.
    fn touches_views<'g>(&self, mut graphs: impl Iterator<Item = GraphNameRef<'g>>) -> bool {
        let org = self.graph(Graph::Org);
        let tax = self.graph(Graph::Taxonomy);
        graphs.any(|g| matches!(g, GraphNameRef::NamedNode(g) if g == org || g == tax))
    }

    /// Empties the cache of item pages.
    pub(crate) fn clear_views(&self) {
        let mut views = self.inner.views.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.inner.views_epoch.fetch_add(1, Ordering::AcqRel);
        views.clear();
    }

    /// The write generation: bumped by every write that changes what
    /// search shows. The search index records the generation it holds.
    pub fn generation(&self) -> Result<u64> {
        let kb_node = self.iri("id/kb");
        Ok(self
            .inner
            .store
            .object(kb_node.as_ref(), ontologies::vocab::cc::GENERATION, self.graph(Graph::KbWorkspace))?
            .and_then(|t| crate::rdf::term_value(&t).parse().ok())
            .unwrap_or(0))
    }

    fn bump_generation(&self, tx: &mut Transaction<'_>) -> Result<u64> {
        use oxigraph::model::Quad;
        let kb_node = self.iri("id/kb");
        let ws = self.graph(Graph::KbWorkspace).into_owned();
        let p = crate::rdf::nn(ontologies::vocab::cc::GENERATION);
        let current = tx.quads(Some(kb_node.as_ref().into()), Some(p), None, Some(ws.as_ref().into()))?;
        let n = current.first().and_then(|q| crate::rdf::term_value(&q.object).parse::<u64>().ok()).unwrap_or(0) + 1;
        for q in &current {
            tx.remove(q);
        }
        tx.insert(&Quad::new(kb_node, p, crate::rdf::lit_int(n), ws));
        Ok(n)
    }

    /// What a set of changed quads means for search.
    fn touched<'q>(
        &self,
        changed: impl IntoIterator<Item = (oxigraph::model::NamedOrBlankNodeRef<'q>, oxigraph::model::GraphNameRef<'q>)>,
    ) -> crate::search::Touched {
        let mut t = crate::search::Touched::default();
        let published = self.graph(Graph::KbPublished);
        let ws = self.graph(Graph::KbWorkspace);
        let org = self.graph(Graph::Org);
        let tax = self.graph(Graph::Taxonomy);
        let items = format!("{}id/kb/", self.inner.config.base_iri);
        let offices = format!("{}id/office/", self.inner.config.base_iri);
        let people = format!("{}id/person/", self.inner.config.base_iri);
        for (subject, graph) in changed {
            let oxigraph::model::GraphNameRef::NamedNode(g) = graph else { continue };
            let oxigraph::model::NamedOrBlankNodeRef::NamedNode(s) = subject else { continue };
            let s = s.as_str();
            if g == published || g == ws {
                if let Some(rest) = s.strip_prefix(&items) {
                    let id = rest.split('/').next().unwrap_or_default();
                    if !id.is_empty() {
                        t.items.insert(id.to_owned());
                    }
                }
            } else if g == org {
                if let Some(code) = s.strip_prefix(&offices) {
                    t.offices.insert(code.to_owned());
                } else if let Some(n) = s.strip_prefix(&people) {
                    t.people.insert(n.to_owned());
                }
            } else if g == tax {
                t.concepts.insert(s.to_owned());
            }
        }
        t
    }

    /// Like [`Kb::write`] without inference, for the bootstrap and full
    /// recomputation, which handle the inferred graph themselves.
    fn write_raw<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> Result<T> {
        let _guard = self.writer();
        let mut tx = self.inner.store.start_transaction()?;
        let value = f(&mut tx)?;
        tx.commit()?;
        self.clear_views();
        Ok(value)
    }

    /// The current reasoner (T-Box closures).
    pub(crate) fn reasoner(&self) -> Arc<Reasoner> {
        self.inner.reasoner.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Loads or upgrades the ontology, seeds the taxonomy when asked, and
    /// rebuilds inferences when the T-Box changed. Returns whether the
    /// taxonomy was seeded.
    fn bootstrap(&self, seed_taxonomy: bool) -> Result<bool> {
        let ontology_graph = self.graph(Graph::Ontology).into_owned();
        let mut wanted = parse_rdf("centralino.ttl", ontologies::ONTOLOGY_TTL, RdfFormat::Turtle, None, ontology_graph.as_ref())?;
        wanted.extend(parse_rdf("shapes.ttl", ontologies::SHAPES_TTL, RdfFormat::Turtle, None, ontology_graph.as_ref())?);
        let taxonomy = if seed_taxonomy {
            parse_rdf(
                "taxonomy.ttl",
                ontologies::TAXONOMY_TTL,
                RdfFormat::Turtle,
                Some(&self.inner.config.base_iri),
                self.graph(Graph::Taxonomy),
            )?
        } else {
            Vec::new()
        };
        let current = self.inner.store.quads(None, None, None, Some(GraphNameRef::NamedNode(ontology_graph.as_ref())))?;
        let tbox_changed = canonical(&current) != canonical(&wanted);
        let missing_graphs = Graph::ALL.iter().any(|g| !self.inner.store.contains_named_graph(self.graph(*g)).unwrap_or(false));
        let taxonomy_empty = self.inner.store.quads(None, None, None, Some(self.graph(Graph::Taxonomy).into()))?.is_empty();
        let seeding = seed_taxonomy && taxonomy_empty;
        if tbox_changed || missing_graphs || seeding {
            self.write_raw(|tx| {
                for g in Graph::ALL {
                    tx.insert_named_graph(self.graph(g));
                }
                if tbox_changed {
                    tx.clear_graph(ontology_graph.as_ref())?;
                    tx.extend(wanted.iter());
                    tracing::info!(triples = wanted.len(), "ontology loaded or upgraded");
                }
                if seeding {
                    tx.extend(taxonomy.iter());
                    tracing::info!(triples = taxonomy.len(), "classification scheme seeded");
                }
                Ok(())
            })?;
        }
        self.reload_reasoner()?;
        if tbox_changed || seeding {
            self.recompute_inferences()?;
        }
        Ok(seed_taxonomy)
    }

    /// Rebuilds the reasoner from the ontology graph.
    pub(crate) fn reload_reasoner(&self) -> Result<()> {
        let tbox = self.inner.store.quads(None, None, None, Some(self.graph(Graph::Ontology).into()))?;
        let reasoner = Reasoner::from_tbox(tbox.iter().map(|q| (&q.subject, &q.predicate, &q.object)));
        *self.inner.reasoner.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(reasoner);
        Ok(())
    }

    /// Recomputes the whole `inferred` graph from the public graphs
    /// (after an ontology change or an administrator's SPARQL update).
    pub fn recompute_inferences(&self) -> Result<()> {
        self.reload_reasoner()?;
        let reasoner = self.reasoner();
        self.write_raw(|tx| crate::inference::recompute_all(self, &reasoner, tx))
    }

    fn init_item_counter(&self) -> Result<()> {
        let prefix = format!("{}-", self.inner.config.id_prefix);
        let max = self
            .inner
            .store
            .quads(None, Some(crate::rdf::nn(ontologies::vocab::dcterms::IDENTIFIER)), None, Some(self.graph(Graph::KbWorkspace).into()))?
            .iter()
            .filter_map(|q| crate::rdf::term_value(&q.object).strip_prefix(&prefix)?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        self.inner.next_item_number.store(max + 1, Ordering::SeqCst);
        Ok(())
    }
}

/// The quads as sorted text with blank nodes blanked out: blank node
/// labels change at every parse, so two loads of the same file compare
/// equal this way, while any added, removed or changed triple shows.
fn canonical(quads: &[Quad]) -> Vec<String> {
    let blank = |t: String, is_blank: bool| if is_blank { "_:b".to_owned() } else { t };
    let mut v: Vec<String> = quads
        .iter()
        .map(|q| {
            let s = blank(q.subject.to_string(), q.subject.is_blank_node());
            let o = blank(q.object.to_string(), q.object.is_blank_node());
            format!("{s} {} {o}", q.predicate)
        })
        .collect();
    v.sort();
    v
}

fn read_meta(path: &Path) -> Result<Option<Meta>> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map(Some).map_err(|e| Error::invalid(path.display().to_string(), e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(path)(e)),
    }
}

fn write_meta(path: &Path, meta: &Meta) -> Result<()> {
    let text = toml::to_string(meta).map_err(|e| Error::invalid("meta", e.to_string()))?;
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, text).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}
