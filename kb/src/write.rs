//! The write transaction handed to domain code: it records what changes
//! so that the inferred graph is brought up to date in the same commit.
//!
//! A write runs in one of two modes, chosen by the caller of
//! [`Kb::write`](crate::Kb::write) or [`Kb::write_bulk`](crate::Kb::write_bulk):
//! - **transactional**: every insert and removal goes into one oxigraph
//!   transaction (RocksDB write batch), committed at once. Right for
//!   interactive edits, which touch a few dozen quads.
//! - **bulk**: inserts are collected in memory ([`Buffer`]) and handed to
//!   oxigraph's bulk loader, which writes sorted SST files and ingests them
//!   atomically: one or two orders of magnitude faster for imports of
//!   thousands of new items. Reads see the store plus the buffer. A bulk
//!   write only adds: removing a stored quad marks the write as needing a
//!   transaction, and [`Kb::write_bulk`](crate::Kb::write_bulk) runs it
//!   again transactionally.

use crate::error::{Error, Result};
use crate::rdf::Reader;
use oxigraph::model::{GraphName, GraphNameRef, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, QuadRef, TermRef};
use oxigraph::store::Transaction;
use std::collections::HashMap;

/// One open write: every insert and removal goes through it, and the
/// whole is committed at once by [`Kb::write`](crate::Kb::write).
pub struct WriteTx<'a> {
    pub(crate) tx: Transaction<'a>,
    pub(crate) changed: Vec<Quad>,
    /// In bulk mode: the quads to load.
    pub(crate) bulk: Option<Buffer>,
    /// Items this write creates as published, with their content: the
    /// search index takes their documents from here instead of reading
    /// back from the graph what was just written.
    pub(crate) fresh: Vec<(String, crate::item::ItemContent)>,
}

impl<'a> WriteTx<'a> {
    /// A write on `tx`; `bulk`: collect the inserts for the bulk loader.
    pub(crate) fn new(tx: Transaction<'a>, bulk: bool) -> Self {
        Self { tx, changed: Vec::new(), bulk: bulk.then(Buffer::default), fresh: Vec::new() }
    }

    /// In bulk mode, makes room for `items` new published items at once.
    pub fn reserve_items(&mut self, items: usize) {
        if let Some(b) = &mut self.bulk {
            b.reserve(items.saturating_mul(QUADS_PER_ITEM));
        }
    }
}

/// About how many quads a new published item takes: its content, its
/// workspace record, its first revision, its inferences.
const QUADS_PER_ITEM: usize = 40;

/// Quads inserted by a bulk write, indexed by subject for the reads the
/// domain code makes while writing (does this item exist, is this concept
/// typed, what did this row just write).
#[derive(Default)]
pub(crate) struct Buffer {
    quads: Vec<Option<Quad>>,
    by_subject: HashMap<NamedOrBlankNode, Vec<u32>>,
    /// Set when the write tried to remove a stored quad.
    pub(crate) needs_transaction: Option<String>,
    /// Stored quads already found present (a bulk write only adds, so they
    /// stay present): concepts, offices and people that many rows name.
    known: std::cell::RefCell<std::collections::HashSet<Quad>>,
}

impl Buffer {
    fn positions<'s>(&'s self, quad: QuadRef<'s>) -> impl Iterator<Item = usize> + 's {
        self.by_subject
            .get(&quad.subject.into_owned())
            .into_iter()
            .flatten()
            .map(|&i| i as usize)
            .filter(move |&i| self.quads[i].as_ref().is_some_and(|q| q.as_ref() == quad))
    }

    /// Adds a quad. Duplicates are not looked for here (a subject such as
    /// an import's activity can have a triple per item, so a check would
    /// make the write quadratic): reads deduplicate, and so does the bulk
    /// loader.
    pub(crate) fn insert(&mut self, quad: Quad) {
        let i = u32::try_from(self.quads.len()).unwrap_or(u32::MAX);
        self.by_subject.entry(quad.subject.clone()).or_default().push(i);
        self.quads.push(Some(quad));
    }

    /// Removes a buffered quad (every copy); `false` when it was not buffered.
    fn remove(&mut self, quad: QuadRef<'_>) -> bool {
        let found: Vec<usize> = self.positions(quad).collect();
        for &i in &found {
            self.quads[i] = None;
        }
        !found.is_empty()
    }

    fn contains(&self, quad: QuadRef<'_>) -> bool {
        self.positions(quad).next().is_some()
    }

    /// The live quads, in insertion order.
    pub(crate) fn live(&self) -> impl Iterator<Item = &Quad> {
        self.quads.iter().flatten()
    }

    pub(crate) fn into_quads(self) -> impl Iterator<Item = Quad> {
        self.quads.into_iter().flatten()
    }

    /// Makes room for `n` more quads (a bulk write that knows its size
    /// grows its buffer once, not by doubling).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.quads.reserve(n);
    }

    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Vec<Quad> {
        let fits = |q: &Quad| {
            predicate.is_none_or(|p| q.predicate.as_ref() == p)
                && object.is_none_or(|o| q.object.as_ref() == o)
                && graph.is_none_or(|g| q.graph_name.as_ref() == g)
        };
        let mut out: Vec<Quad> = match subject {
            Some(s) => self
                .by_subject
                .get(&s.into_owned())
                .into_iter()
                .flatten()
                .filter_map(|&i| self.quads[i as usize].as_ref())
                .filter(|q| fits(q))
                .cloned()
                .collect(),
            None => self.live().filter(|q| fits(q)).cloned().collect(),
        };
        if out.len() > 1 {
            let mut seen = std::collections::HashSet::new();
            out.retain(|q| seen.insert(q.clone()));
        }
        out
    }
}

impl WriteTx<'_> {
    /// Adds a quad (a copy of it; [`WriteTx::put`] takes one the caller owns).
    pub fn insert<'b>(&mut self, quad: impl Into<QuadRef<'b>>) {
        self.put(quad.into().into_owned());
    }

    /// Adds a quad the caller owns (no copy is made of it).
    pub fn put(&mut self, quad: Quad) {
        match &mut self.bulk {
            Some(b) => b.insert(quad),
            None => {
                self.tx.insert(quad.as_ref());
                self.changed.push(quad);
            }
        }
    }

    /// Adds many quads.
    pub fn extend<'b>(&mut self, quads: impl IntoIterator<Item = impl Into<QuadRef<'b>>>) {
        for q in quads {
            self.insert(q);
        }
    }

    /// Removes a quad.
    pub fn remove<'b>(&mut self, quad: impl Into<QuadRef<'b>>) {
        let quad = quad.into();
        match &mut self.bulk {
            Some(b) => {
                if !b.remove(quad) && b.needs_transaction.is_none() {
                    b.needs_transaction = Some(format!("remove {quad}"));
                }
            }
            None => {
                self.tx.remove(quad);
                self.changed.push(quad.into_owned());
            }
        }
    }

    /// Removes every quad of `subject` in `graph` and returns them.
    pub fn remove_subject(&mut self, subject: NamedNodeRef<'_>, graph: NamedNodeRef<'_>) -> Result<Vec<Quad>> {
        let quads = self.quads(Some(subject.into()), None, None, Some(graph.into()))?;
        for q in &quads {
            self.remove(q);
        }
        Ok(quads)
    }

    /// Removes every quad of a graph (recording each for inference).
    pub fn clear_graph(&mut self, graph: NamedNodeRef<'_>) -> Result<()> {
        let quads = self.quads(None, None, None, Some(graph.into()))?;
        for q in &quads {
            self.remove(q);
        }
        Ok(())
    }

    /// Whether a quad is present (including this transaction's writes).
    pub fn contains<'b>(&self, quad: impl Into<QuadRef<'b>>) -> Result<bool> {
        let quad = quad.into();
        if self.bulk.as_ref().is_some_and(|b| b.contains(quad)) {
            return Ok(true);
        }
        Ok(self.tx.contains(quad)?)
    }

    /// Whether this is a bulk write.
    pub fn is_bulk(&self) -> bool {
        self.bulk.is_some()
    }

    /// Adds an inferred quad the caller owns: inference output, written
    /// without being recorded as a change.
    pub(crate) fn add_derived(&mut self, quad: Quad) {
        match &mut self.bulk {
            Some(b) => b.insert(quad),
            None => {
                self.tx.insert(quad.as_ref());
            }
        }
    }

    /// Adds (`insert`) or removes an inferred quad, without recording it
    /// as a change.
    pub(crate) fn put_derived(&mut self, quad: QuadRef<'_>, insert: bool) {
        match (insert, self.is_bulk()) {
            (true, _) => self.add_derived(quad.into_owned()),
            (false, true) => self.remove(quad),
            (false, false) => {
                self.tx.remove(quad);
            }
        }
    }

    fn check_bulk(&self) -> Result<()> {
        match self.bulk.as_ref().and_then(|b| b.needs_transaction.as_ref()) {
            Some(why) => Err(Error::NeedsTransaction { reason: why.clone() }),
            None => Ok(()),
        }
    }
}

impl Reader for WriteTx<'_> {
    fn quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Quad>> {
        // A bulk write that has to become a transaction stops at its next read.
        self.check_bulk()?;
        let mut out = self.tx.quads(subject, predicate, object, graph)?;
        if let Some(b) = &self.bulk {
            let extra = b.matching(subject, predicate, object, graph);
            if !extra.is_empty() {
                if out.is_empty() {
                    return Ok(extra);
                }
                let known: std::collections::HashSet<Quad> = out.iter().cloned().collect();
                out.extend(extra.into_iter().filter(|q| !known.contains(q)));
            }
        }
        Ok(out)
    }

    fn describes(&self, s: NamedNodeRef<'_>, g: NamedNodeRef<'_>) -> Result<bool> {
        self.check_bulk()?;
        if let Some(b) = &self.bulk
            && b.by_subject
                .get(&NamedOrBlankNode::from(s.into_owned()))
                .into_iter()
                .flatten()
                .any(|&i| b.quads[i as usize].as_ref().is_some_and(|q| q.graph_name.as_ref() == GraphNameRef::from(g)))
        {
            return Ok(true);
        }
        Ok(self.tx.quads_for_pattern(Some(s.into()), None, None, Some(g.into())).next().transpose()?.is_some())
    }

    fn has(&self, s: NamedNodeRef<'_>, p: &'static str, o: TermRef<'_>, g: NamedNodeRef<'_>) -> Result<bool> {
        self.check_bulk()?;
        let quad = QuadRef::new(s, crate::rdf::nn(p), o, g);
        let Some(b) = &self.bulk else {
            return Ok(self.tx.contains(quad)?);
        };
        if b.contains(quad) || b.known.borrow().contains(&quad.into_owned()) {
            return Ok(true);
        }
        let found = self.tx.contains(quad)?;
        if found {
            b.known.borrow_mut().insert(quad.into_owned());
        }
        Ok(found)
    }
}

/// Whether a quad is in one of `graphs`.
pub(crate) fn in_graphs(q: &Quad, graphs: &[NamedNodeRef<'_>]) -> bool {
    matches!(&q.graph_name, GraphName::NamedNode(g) if graphs.contains(&g.as_ref()))
}
