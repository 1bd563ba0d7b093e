//! Forward-chaining inference materialised in the `inferred` graph.
//!
//! oxigraph does no reasoning, so the platform materialises the entailments
//! its queries rely on: RDFS (`rdfs:subClassOf`, `rdfs:subPropertyOf`,
//! `rdfs:domain`, `rdfs:range`, with both hierarchies transitive) and the
//! OWL 2 RL rules the ontology uses (`owl:inverseOf`, `owl:SymmetricProperty`,
//! `owl:TransitiveProperty`, `owl:equivalentClass`/`owl:equivalentProperty`).
//! With the SKOS and ORG axioms of `centralino.ttl` this yields, for example,
//! `skos:broaderTransitive` from `skos:broader` and
//! `org:transitiveSubOrganizationOf` from `org:subOrganizationOf`.
//!
//! Inputs are the public graphs only ([`Graph::INFERENCE_INPUT`]), so the
//! inferred graph never exposes personal data or drafts.
//!
//! Maintenance is incremental and runs inside the transaction of every
//! write (see [`WriteTx`](crate::WriteTx)):
//! - entailments of one triple that do not need other instance triples
//!   ("local" ones: types from classes, domains and ranges, super-properties,
//!   inverses) are recomputed per touched node: its inferred triples are
//!   deleted and derived again from the asserted triples around it;
//! - triples of transitive properties and of the properties derived from
//!   them (the "family") depend on whole chains, so when any triple that
//!   feeds them changes, their closure is recomputed and diffed. The
//!   hierarchies involved (concepts, offices, classes) are small.

mod bulk;
mod reasoner;

pub(crate) use bulk::apply_bulk;
pub use reasoner::Reasoner;

use crate::error::Result;
use crate::rdf::Reader;
use crate::roles::Graph;
use crate::store::Kb;
use oxigraph::model::{GraphName, NamedNodeRef, NamedOrBlankNode, Quad, Term, Triple};
use oxigraph::store::Transaction;
use std::collections::{HashMap, HashSet};

fn input_graphs(kb: &Kb) -> Vec<NamedNodeRef<'_>> {
    Graph::INFERENCE_INPUT.iter().map(|g| kb.graph(*g)).collect()
}

fn in_inferred(kb: &Kb, t: Triple) -> Quad {
    t.in_graph(GraphName::NamedNode(kb.graph(Graph::Inferred).into_owned()))
}

/// The transitive closure of the family triples, with the triples derived
/// from them, to a fixpoint.
fn family_closure(r: &Reasoner, mut triples: HashSet<Triple>) -> HashSet<Triple> {
    loop {
        let before = triples.len();
        for tp in &r.transitive {
            let mut succ: HashMap<NamedOrBlankNode, Vec<Term>> = HashMap::new();
            for t in triples.iter().filter(|t| &t.predicate == tp) {
                succ.entry(t.subject.clone()).or_default().push(t.object.clone());
            }
            let mut new = Vec::new();
            for start in succ.keys() {
                let mut seen: HashSet<Term> = HashSet::new();
                let mut stack: Vec<Term> = succ[start].clone();
                while let Some(n) = stack.pop() {
                    if !seen.insert(n.clone()) {
                        continue;
                    }
                    let node: Option<NamedOrBlankNode> = match &n {
                        Term::NamedNode(x) => Some(x.clone().into()),
                        Term::BlankNode(x) => Some(x.clone().into()),
                        _ => None,
                    };
                    if let Some(next) = node.and_then(|k| succ.get(&k)) {
                        stack.extend(next.iter().cloned());
                    }
                    new.push(Triple::new(start.clone(), tp.clone(), n));
                }
            }
            triples.extend(new);
        }
        let derived: Vec<Triple> = triples.iter().flat_map(|t| r.entail(t)).filter(|t| r.is_family(&t.predicate)).collect();
        triples.extend(derived);
        if triples.len() == before {
            break;
        }
    }
    triples
}

/// Adds to `seeds` what `t` gives the family closure: its family
/// entailments, and itself when it is a family triple.
fn add_seed(r: &Reasoner, t: Triple, seeds: &mut HashSet<Triple>) {
    seeds.extend(r.entail(&t).into_iter().filter(|e| r.is_family(&e.predicate)));
    if r.is_family(&t.predicate) {
        seeds.insert(t);
    }
}

/// The family triples stored in the inferred graph.
fn stored_family(kb: &Kb, r: &Reasoner, tx: &Transaction<'_>) -> Result<HashSet<Triple>> {
    let inferred = kb.graph(Graph::Inferred);
    let mut stored = HashSet::new();
    for p in &r.family {
        for q in tx.quads(None, Some(p.as_ref()), None, Some(inferred.into()))? {
            stored.insert(Triple::new(q.subject, q.predicate, q.object));
        }
    }
    Ok(stored)
}

/// A term as a node, unless it is a literal.
fn node_of(t: &Term) -> Option<NamedOrBlankNode> {
    match t {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

/// Recomputes the closure of the family predicates and stores the
/// difference. Returns the nodes whose family triples changed.
fn refresh_family(kb: &Kb, r: &Reasoner, tx: &mut Transaction<'_>) -> Result<HashSet<NamedOrBlankNode>> {
    let mut triples: HashSet<Triple> = HashSet::new();
    for g in input_graphs(kb) {
        for p in &r.feeds_family {
            for q in tx.quads(None, Some(p.as_ref()), None, Some(g.into()))? {
                add_seed(r, Triple::new(q.subject, q.predicate, q.object), &mut triples);
            }
        }
    }
    let triples = family_closure(r, triples);
    let stored = stored_family(kb, r, tx)?;
    let mut changed = HashSet::new();
    let note = |t: &Triple, changed: &mut HashSet<NamedOrBlankNode>| {
        changed.insert(t.subject.clone());
        changed.extend(node_of(&t.object));
    };
    for t in stored.difference(&triples) {
        note(t, &mut changed);
        tx.remove(&in_inferred(kb, t.clone()));
    }
    for t in triples.difference(&stored) {
        note(t, &mut changed);
        tx.insert(&in_inferred(kb, t.clone()));
    }
    Ok(changed)
}

/// Recomputes the local (non-family) entailments about `nodes`.
fn refresh_nodes(kb: &Kb, r: &Reasoner, tx: &mut Transaction<'_>, nodes: &HashSet<NamedOrBlankNode>) -> Result<()> {
    let inferred = kb.graph(Graph::Inferred);
    let inputs = input_graphs(kb);
    for n in nodes {
        let mut sources: Vec<Triple> = Vec::new();
        let as_term: Term = match n {
            NamedOrBlankNode::NamedNode(x) => x.clone().into(),
            NamedOrBlankNode::BlankNode(x) => x.clone().into(),
        };
        for g in &inputs {
            for q in tx.quads(Some(n.as_ref()), None, None, Some((*g).into()))? {
                sources.push(Triple::new(q.subject, q.predicate, q.object));
            }
            for (p, needs_all) in &r.object_side {
                let quads = tx.quads_for_pattern(None, Some(p.as_ref()), Some(as_term.as_ref()), Some((*g).into()));
                let take = if *needs_all { usize::MAX } else { 1 };
                for q in quads.take(take) {
                    let q = q?;
                    sources.push(Triple::new(q.subject, q.predicate, q.object));
                }
            }
        }
        for q in tx.quads(Some(n.as_ref()), None, None, Some(inferred.into()))? {
            if r.is_family(&q.predicate) {
                sources.push(Triple::new(q.subject, q.predicate, q.object));
            }
        }
        for q in tx.quads(None, None, Some(as_term.as_ref()), Some(inferred.into()))? {
            if r.is_family(&q.predicate) {
                sources.push(Triple::new(q.subject, q.predicate, q.object));
            }
        }
        let wanted: HashSet<Triple> =
            sources.iter().flat_map(|t| r.entail(t)).filter(|t| &t.subject == n && !r.is_family(&t.predicate)).collect();
        let stored: HashSet<Triple> = tx
            .quads(Some(n.as_ref()), None, None, Some(inferred.into()))?
            .into_iter()
            .filter(|q| !r.is_family(&q.predicate))
            .map(|q| Triple::new(q.subject, q.predicate, q.object))
            .collect();
        for t in stored.difference(&wanted) {
            tx.remove(&in_inferred(kb, t.clone()));
        }
        for t in wanted.difference(&stored) {
            tx.insert(&in_inferred(kb, t.clone()));
        }
    }
    Ok(())
}

/// Brings the inferred graph up to date after `changed` quads were
/// inserted into or removed from the transaction.
pub(crate) fn apply_changes(kb: &Kb, r: &Reasoner, tx: &mut Transaction<'_>, changed: &[Quad]) -> Result<()> {
    let inputs = input_graphs(kb);
    let relevant: Vec<&Quad> =
        changed.iter().filter(|q| matches!(&q.graph_name, GraphName::NamedNode(g) if inputs.contains(&g.as_ref()))).collect();
    if relevant.is_empty() {
        return Ok(());
    }
    let mut nodes: HashSet<NamedOrBlankNode> = HashSet::new();
    let mut family_touched = false;
    for q in &relevant {
        nodes.insert(q.subject.clone());
        if r.object_side.contains_key(&q.predicate) {
            nodes.extend(node_of(&q.object));
        }
        family_touched |= r.feeds_family.contains(&q.predicate);
    }
    if family_touched {
        nodes.extend(refresh_family(kb, r, tx)?);
    }
    refresh_nodes(kb, r, tx, &nodes)
}

/// Recomputes the whole inferred graph from scratch.
pub(crate) fn recompute_all(kb: &Kb, r: &Reasoner, tx: &mut Transaction<'_>) -> Result<()> {
    let inferred = kb.graph(Graph::Inferred);
    tx.clear_graph(inferred)?;
    refresh_family(kb, r, tx)?;
    let mut out: HashSet<Triple> = HashSet::new();
    for g in input_graphs(kb) {
        for q in tx.quads(None, None, None, Some(g.into()))? {
            out.extend(r.entailments(q.subject.as_ref(), q.predicate.as_ref(), q.object.as_ref()).filter(|e| !r.is_family(&e.predicate)));
        }
    }
    for p in &r.family {
        for q in tx.quads(None, Some(p.as_ref()), None, Some(inferred.into()))? {
            let t = Triple::new(q.subject, q.predicate, q.object);
            out.extend(r.entail(&t).into_iter().filter(|e| !r.is_family(&e.predicate)));
        }
    }
    for t in out {
        tx.insert(&in_inferred(kb, t));
    }
    Ok(())
}
