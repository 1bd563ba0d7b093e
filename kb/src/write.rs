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
use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable};
use oxigraph::model::{GraphName, GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, Term, TermRef};
use oxigraph::store::Transaction;
use std::hash::BuildHasher;

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

/// The id of a term interned in a [`Buffer`].
pub(crate) type Id = u32;

/// In a buffered quad's predicate slot: the quad was removed. In its graph
/// slot: the default graph.
const NONE: Id = Id::MAX;

/// The terms of a bulk write, each stored once: a buffered quad is four
/// ids into this table. A whole-workbook import names the same graphs,
/// predicates, classes, concepts and offices millions of times; interning
/// keeps the buffer a fraction of the size of the quads it holds, and the
/// domain code's freshly allocated quads are freed as soon as they are
/// interned instead of piling up (on this machine first-touching fresh
/// memory costs 0.3–1 s per GiB).
#[derive(Default)]
struct Terms {
    list: Vec<Term>,
    /// Ids by the hash of their term.
    index: HashTable<Id>,
    hasher: DefaultHashBuilder,
}

impl Terms {
    fn find(&self, t: TermRef<'_>) -> Option<Id> {
        let hash = self.hasher.hash_one(t);
        self.index.find(hash, |&i| self.list[i as usize].as_ref() == t).copied()
    }

    fn intern(&mut self, t: Term) -> Id {
        let hash = self.hasher.hash_one(t.as_ref());
        if let Some(&i) = self.index.find(hash, |&i| self.list[i as usize] == t) {
            return i;
        }
        let i = Id::try_from(self.list.len()).unwrap_or(NONE);
        self.list.push(t);
        let (list, hasher) = (&self.list, &self.hasher);
        self.index.insert_unique(hash, i, |&j| hasher.hash_one(list[j as usize].as_ref()));
        i
    }

    fn intern_graph(&mut self, g: GraphName) -> Id {
        match g {
            GraphName::DefaultGraph => NONE,
            GraphName::NamedNode(n) => self.intern(n.into()),
            GraphName::BlankNode(b) => self.intern(b.into()),
        }
    }

    fn find_graph(&self, g: GraphNameRef<'_>) -> Option<Id> {
        match g {
            GraphNameRef::DefaultGraph => Some(NONE),
            GraphNameRef::NamedNode(n) => self.find(n.into()),
            GraphNameRef::BlankNode(b) => self.find(b.into()),
        }
    }

    /// The node of an id (`None` for a literal).
    fn node(&self, id: Id) -> Option<NamedOrBlankNodeRef<'_>> {
        match self.list.get(id as usize)? {
            Term::NamedNode(n) => Some(n.as_ref().into()),
            Term::BlankNode(b) => Some(b.as_ref().into()),
            _ => None,
        }
    }

    /// The graph name of an id in a quad's graph slot.
    fn graph(&self, id: Id) -> Option<GraphNameRef<'_>> {
        match id {
            NONE => Some(GraphNameRef::DefaultGraph),
            g => Some(self.node(g)?.into()),
        }
    }

    /// A buffered quad as a quad (`None` when it was removed).
    fn quad(&self, q: &[Id; 4]) -> Option<QuadRef<'_>> {
        let Term::NamedNode(predicate) = self.list.get(q[1] as usize)? else {
            return None;
        };
        Some(QuadRef::new(self.node(q[0])?, predicate.as_ref(), self.list.get(q[2] as usize)?.as_ref(), self.graph(q[3])?))
    }
}

/// Quads inserted by a bulk write, indexed by subject for the reads the
/// domain code makes while writing (does this item exist, is this concept
/// typed, what did this row just write).
#[derive(Default)]
pub(crate) struct Buffer {
    terms: Terms,
    /// Subject, predicate, object and graph of each quad, in insertion order.
    quads: Vec<[Id; 4]>,
    by_subject: HashMap<Id, Vec<u32>>,
    /// Set when the write tried to remove a stored quad.
    pub(crate) needs_transaction: Option<String>,
    /// Stored quads already found present (a bulk write only adds, so they
    /// stay present): concepts, offices and people that many rows name.
    known: std::cell::RefCell<std::collections::HashSet<Quad>>,
}

impl Buffer {
    /// The ids of a quad's terms, if they are all interned.
    fn ids(&self, quad: QuadRef<'_>) -> Option<[Id; 4]> {
        Some([
            self.terms.find(quad.subject.into())?,
            self.terms.find(quad.predicate.into())?,
            self.terms.find(quad.object)?,
            self.terms.find_graph(quad.graph_name)?,
        ])
    }

    fn rows_of(&self, subject: Id) -> impl Iterator<Item = usize> + '_ {
        self.by_subject.get(&subject).into_iter().flatten().map(|&i| i as usize)
    }

    fn positions(&self, quad: QuadRef<'_>) -> impl Iterator<Item = usize> + '_ {
        self.ids(quad).into_iter().flat_map(move |ids| self.rows_of(ids[0]).filter(move |&i| self.quads[i] == ids))
    }

    /// Adds a quad. Duplicates are not looked for here (a subject such as
    /// an import's activity can have a triple per item, so a check would
    /// make the write quadratic): reads deduplicate, and so does the bulk
    /// loader.
    pub(crate) fn insert(&mut self, quad: Quad) {
        let Quad { subject, predicate, object, graph_name } = quad;
        let ids = [
            self.terms.intern(subject.into()),
            self.terms.intern(predicate.into()),
            self.terms.intern(object),
            self.terms.intern_graph(graph_name),
        ];
        self.push_ids(ids);
    }

    /// Adds a quad given by the ids of its terms.
    pub(crate) fn push_ids(&mut self, ids: [Id; 4]) {
        let i = u32::try_from(self.quads.len()).unwrap_or(u32::MAX);
        self.by_subject.entry(ids[0]).or_default().push(i);
        self.quads.push(ids);
    }

    /// The id of a term (added to the table when new).
    pub(crate) fn intern(&mut self, t: Term) -> Id {
        self.terms.intern(t)
    }

    /// The id of a term, if it is in the table.
    pub(crate) fn find(&self, t: TermRef<'_>) -> Option<Id> {
        self.terms.find(t)
    }

    /// A quad given by ids, as a quad (`None` when it was removed).
    pub(crate) fn quad(&self, ids: &[Id; 4]) -> Option<QuadRef<'_>> {
        self.terms.quad(ids)
    }

    /// The term of an id.
    pub(crate) fn term(&self, id: Id) -> Option<&Term> {
        self.terms.list.get(id as usize)
    }

    /// The live quads, as the ids of subject, predicate, object and graph.
    pub(crate) fn id_quads(&self) -> impl Iterator<Item = [Id; 4]> + '_ {
        self.quads.iter().copied().filter(|q| q[1] != NONE)
    }

    /// Removes a buffered quad (every copy); `false` when it was not buffered.
    fn remove(&mut self, quad: QuadRef<'_>) -> bool {
        let found: Vec<usize> = self.positions(quad).collect();
        for &i in &found {
            self.quads[i][1] = NONE;
        }
        !found.is_empty()
    }

    fn contains(&self, quad: QuadRef<'_>) -> bool {
        self.positions(quad).next().is_some()
    }

    /// Whether `s` has a quad in `g`.
    fn describes(&self, s: NamedNodeRef<'_>, g: NamedNodeRef<'_>) -> bool {
        let (Some(s), Some(g)) = (self.terms.find(s.into()), self.terms.find(g.into())) else {
            return false;
        };
        self.rows_of(s).any(|i| self.quads[i][1] != NONE && self.quads[i][3] == g)
    }

    /// The live quads, in insertion order.
    pub(crate) fn live(&self) -> impl Iterator<Item = QuadRef<'_>> {
        self.quads.iter().filter_map(|q| self.terms.quad(q))
    }

    /// The table of terms and the live quads as ids into it (the default
    /// graph as `u32::MAX`), as oxigraph's interned bulk load takes them.
    pub(crate) fn into_interned(self) -> (Vec<Term>, Vec<[Id; 4]>) {
        let Self { terms, mut quads, .. } = self;
        quads.retain(|q| q[1] != NONE);
        (terms.list, quads)
    }

    /// Each subject with each graph it has live quads in, once.
    pub(crate) fn subjects_and_graphs(&self) -> impl Iterator<Item = (NamedOrBlankNodeRef<'_>, GraphNameRef<'_>)> {
        self.by_subject.iter().flat_map(move |(&s, rows)| {
            let mut graphs: Vec<Id> = rows.iter().map(|&i| self.quads[i as usize]).filter(|q| q[1] != NONE).map(|q| q[3]).collect();
            graphs.sort_unstable();
            graphs.dedup();
            graphs.into_iter().filter_map(move |g| Some((self.terms.node(s)?, self.terms.graph(g)?)))
        })
    }

    /// The graphs the live quads are in, each once.
    pub(crate) fn graphs(&self) -> impl Iterator<Item = GraphNameRef<'_>> {
        let ids: HashSet<Id> = self.id_quads().map(|q| q[3]).collect();
        ids.into_iter().filter_map(|g| self.terms.graph(g))
    }

    /// Makes room for `n` more quads (a bulk write that knows its size
    /// grows its buffer once, not by doubling).
    pub(crate) fn reserve(&mut self, n: usize) {
        self.quads.reserve(n);
        // About one new term in three quads, one new subject in twenty.
        self.terms.list.reserve(n / 3);
        self.by_subject.reserve(n / 20);
    }

    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Vec<Quad> {
        // A pattern term that was never interned matches nothing here.
        let (Some(s), Some(p), Some(o), Some(g)) = (
            subject.map_or(Some(None), |s| self.terms.find(s.into()).map(Some)),
            predicate.map_or(Some(None), |p| self.terms.find(p.into()).map(Some)),
            object.map_or(Some(None), |o| self.terms.find(o).map(Some)),
            graph.map_or(Some(None), |g| self.terms.find_graph(g).map(Some)),
        ) else {
            return Vec::new();
        };
        let fits = |q: &[Id; 4]| q[1] != NONE && p.is_none_or(|p| q[1] == p) && o.is_none_or(|o| q[2] == o) && g.is_none_or(|g| q[3] == g);
        let mut seen: HashSet<[Id; 4]> = HashSet::new();
        let mut keep = |q: &[Id; 4]| fits(q) && seen.insert(*q);
        let rows: Vec<&[Id; 4]> = match s {
            Some(s) => self.rows_of(s).map(|i| &self.quads[i]).filter(|q| keep(q)).collect(),
            None => self.quads.iter().filter(|q| keep(q)).collect(),
        };
        rows.into_iter().filter_map(|q| self.terms.quad(q).map(QuadRef::into_owned)).collect()
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
        if self.bulk.as_ref().is_some_and(|b| b.describes(s, g)) {
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
pub(crate) fn in_graphs(q: QuadRef<'_>, graphs: &[NamedNodeRef<'_>]) -> bool {
    matches!(q.graph_name, GraphNameRef::NamedNode(g) if graphs.contains(&g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNode};

    fn n(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("urn:t:{s}"))
    }

    #[test]
    fn the_buffer_gives_back_what_it_holds() {
        let a = Quad::new(n("a"), n("p"), n("x"), n("g"));
        let literal = Quad::new(n("a"), n("p"), Literal::new_language_tagged_literal_unchecked("v", "it"), n("g"));
        let elsewhere = Quad::new(n("a"), n("p"), n("x"), n("h"));
        let default = Quad::new(n("b"), n("p"), n("a"), GraphName::DefaultGraph);
        let mut b = Buffer::default();
        for q in [&a, &a, &literal, &elsewhere, &default] {
            b.insert(q.clone());
        }
        assert!(b.contains(a.as_ref()) && b.contains(default.as_ref()));
        assert!(!b.contains(QuadRef::new(n("a").as_ref(), n("p").as_ref(), n("y").as_ref(), n("g").as_ref())));
        // Reads deduplicate; a term never interned matches nothing.
        assert_eq!(b.matching(Some(n("a").as_ref().into()), None, None, Some(n("g").as_ref().into())), [a.clone(), literal.clone()]);
        assert_eq!(b.matching(None, None, Some(n("a").as_ref().into()), None), std::slice::from_ref(&default));
        assert!(b.matching(None, Some(n("q").as_ref()), None, None).is_empty());
        assert!(b.describes(n("a").as_ref(), n("h").as_ref()));
        assert!(!b.describes(n("x").as_ref(), n("g").as_ref()));
        // Removing takes every copy; the rest keeps its order.
        assert!(b.remove(a.as_ref()));
        assert!(!b.remove(a.as_ref()));
        assert!(!b.contains(a.as_ref()));
        assert_eq!(b.id_quads().count(), 3);
        assert_eq!(b.live().map(QuadRef::into_owned).collect::<Vec<_>>(), [literal.clone(), elsewhere.clone(), default.clone()]);
        // Each subject with its graphs once; the first quad in some graphs.
        let mut pairs: Vec<String> = b.subjects_and_graphs().map(|(s, g)| format!("{s} {g}")).collect();
        pairs.sort();
        assert_eq!(pairs, [format!("{} {}", n("a"), n("g")), format!("{} {}", n("a"), n("h")), format!("{} DEFAULT", n("b"))]);
        let mut graphs: Vec<String> = b.graphs().map(|g| g.to_string()).collect();
        graphs.sort();
        assert_eq!(graphs, [n("g").to_string(), n("h").to_string(), "DEFAULT".to_owned()]);
        // The interned form names the same quads, the default graph as u32::MAX.
        let (terms, ids) = b.into_interned();
        let graph = |g: Id| (g != Id::MAX).then(|| terms[g as usize].to_string());
        let interned: Vec<_> = ids
            .into_iter()
            .map(|[s, p, o, g]| (terms[s as usize].to_string(), terms[p as usize].to_string(), terms[o as usize].to_string(), graph(g)))
            .collect();
        let expected: Vec<_> = [literal, elsewhere, default]
            .iter()
            .map(|q| {
                (
                    q.subject.to_string(),
                    q.predicate.to_string(),
                    q.object.to_string(),
                    (!q.graph_name.is_default_graph()).then(|| q.graph_name.to_string()),
                )
            })
            .collect();
        assert_eq!(interned, expected);
    }
}
