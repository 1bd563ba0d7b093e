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

use crate::error::Result;
use crate::rdf::{Reader, nn};
use crate::roles::Graph;
use crate::store::Kb;
use crate::write::{Buffer, Id, WriteTx, in_graphs};
use ontologies::vocab::{owl, rdf, rdfs, xsd};
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, Term, TermRef, Triple};
use oxigraph::store::Transaction;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The T-Box closures the rules need, built from the `ontology` graph.
#[derive(Debug, Default)]
pub struct Reasoner {
    superclasses: HashMap<NamedNode, Vec<NamedNode>>,
    superproperties: HashMap<NamedNode, Vec<NamedNode>>,
    domains: HashMap<NamedNode, Vec<NamedNode>>,
    ranges: HashMap<NamedNode, Vec<NamedNode>>,
    inverses: HashMap<NamedNode, Vec<NamedNode>>,
    transitive: HashSet<NamedNode>,
    symmetric: HashSet<NamedNode>,
    /// Predicates whose inferred triples come from the global closure.
    family: HashSet<NamedNode>,
    /// Predicates whose triples produce family triples.
    feeds_family: HashSet<NamedNode>,
    /// Predicates whose triples produce entailments about their object;
    /// `true` when those entailments also mention the subject (inverses),
    /// so every such triple must be read, not just one witness.
    object_side: HashMap<NamedNode, bool>,
    /// Per predicate, what [`Reasoner::entail`] derives from a probe
    /// triple `PROBE_S p PROBE_O` (index 0) and `PROBE_S p PROBE_LITERAL`
    /// (index 1): the entailments of any triple, with the probes replaced
    /// by its subject and object ([`Reasoner::entailments`]).
    templates: HashMap<String, [Vec<Triple>; 2]>,
    /// Per class, what `PROBE_S rdf:type class` entails.
    type_templates: HashMap<String, Vec<Triple>>,
}

const PROBE_S: &str = "urn:centralino:probe:x";
const PROBE_O: &str = "urn:centralino:probe:y";
const PROBE_LITERAL: &str = "urn:centralino:probe:literal";

fn is_datatype(c: &NamedNode) -> bool {
    let s = c.as_str();
    s.starts_with(xsd::NS) || s == rdf::LANG_STRING || s == rdfs::LITERAL || s == rdfs::RESOURCE
}

/// Reflexive-transitive successors in a relation, excluding the start.
fn closure(edges: &HashMap<NamedNode, Vec<NamedNode>>, start: &NamedNode) -> Vec<NamedNode> {
    let mut seen: BTreeSet<NamedNode> = BTreeSet::new();
    let mut stack = vec![start.clone()];
    while let Some(n) = stack.pop() {
        for next in edges.get(&n).into_iter().flatten() {
            if next != start && seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen.into_iter().collect()
}

impl Reasoner {
    /// Builds the closures from the T-Box triples.
    pub fn from_tbox<'a>(triples: impl Iterator<Item = (&'a NamedOrBlankNode, &'a NamedNode, &'a Term)>) -> Self {
        let mut sub_class: HashMap<NamedNode, Vec<NamedNode>> = HashMap::new();
        let mut sub_prop: HashMap<NamedNode, Vec<NamedNode>> = HashMap::new();
        let mut r = Reasoner::default();
        r.transitive.insert(nn(rdfs::SUB_CLASS_OF).into_owned());
        r.transitive.insert(nn(rdfs::SUB_PROPERTY_OF).into_owned());
        let push = |m: &mut HashMap<NamedNode, Vec<NamedNode>>, k: &NamedNode, v: &NamedNode| {
            let e = m.entry(k.clone()).or_default();
            if !e.contains(v) {
                e.push(v.clone());
            }
        };
        for (s, p, o) in triples {
            let (NamedOrBlankNode::NamedNode(s), p) = (s, p.as_str()) else {
                continue;
            };
            let o_node = match o {
                Term::NamedNode(n) => Some(n),
                _ => None,
            };
            match (p, o_node) {
                (rdfs::SUB_CLASS_OF, Some(o)) => push(&mut sub_class, s, o),
                (owl::EQUIVALENT_CLASS, Some(o)) => {
                    push(&mut sub_class, s, o);
                    push(&mut sub_class, o, s);
                }
                (rdfs::SUB_PROPERTY_OF, Some(o)) => push(&mut sub_prop, s, o),
                (owl::EQUIVALENT_PROPERTY, Some(o)) => {
                    push(&mut sub_prop, s, o);
                    push(&mut sub_prop, o, s);
                }
                (rdfs::DOMAIN, Some(o)) => push(&mut r.domains, s, o),
                (rdfs::RANGE, Some(o)) if !is_datatype(o) => push(&mut r.ranges, s, o),
                (owl::INVERSE_OF, Some(o)) => {
                    push(&mut r.inverses, s, o);
                    push(&mut r.inverses, o, s);
                }
                (rdf::TYPE, Some(o)) if o.as_str() == owl::TRANSITIVE_PROPERTY => {
                    r.transitive.insert(s.clone());
                }
                (rdf::TYPE, Some(o)) if o.as_str() == owl::SYMMETRIC_PROPERTY => {
                    r.symmetric.insert(s.clone());
                }
                _ => {}
            }
        }
        for c in sub_class.keys() {
            r.superclasses.insert(c.clone(), closure(&sub_class, c));
        }
        for p in sub_prop.keys() {
            r.superproperties.insert(p.clone(), closure(&sub_prop, p));
        }
        // The family: transitive properties and what derives from them.
        r.family = r.transitive.clone();
        loop {
            let mut grown = r.family.clone();
            for p in &r.family {
                grown.extend(r.superproperties.get(p).into_iter().flatten().cloned());
                grown.extend(r.inverses.get(p).into_iter().flatten().cloned());
            }
            if grown.len() == r.family.len() {
                break;
            }
            r.family = grown;
        }
        // Classify every predicate the T-Box knows with a probe triple.
        let known: HashSet<NamedNode> = r
            .superproperties
            .keys()
            .chain(r.domains.keys())
            .chain(r.ranges.keys())
            .chain(r.inverses.keys())
            .chain(r.transitive.iter())
            .chain(r.symmetric.iter())
            .cloned()
            .collect();
        let x = NamedNode::new_unchecked(PROBE_S);
        let y = NamedNode::new_unchecked(PROBE_O);
        let literal = oxigraph::model::Literal::new_simple_literal(PROBE_LITERAL);
        let templates: HashMap<NamedNode, [Vec<Triple>; 2]> = known
            .into_iter()
            .map(|p| {
                let with_node = r.entail_by_rules(&Triple::new(x.clone(), p.clone(), y.clone()));
                let with_literal = r.entail_by_rules(&Triple::new(x.clone(), p.clone(), literal.clone()));
                (p, [with_node, with_literal])
            })
            .collect();
        r.type_templates = r
            .superclasses
            .keys()
            .map(|c| (c.as_str().to_owned(), r.entail_by_rules(&Triple::new(x.clone(), nn(rdf::TYPE), c.clone()))))
            .collect();
        for (p, [out, _]) in &templates {
            if r.family.contains(p) || out.iter().any(|t| r.family.contains(&t.predicate)) {
                r.feeds_family.insert(p.clone());
            }
            let about_object: Vec<&Triple> =
                out.iter().filter(|t| matches!(&t.subject, NamedOrBlankNode::NamedNode(n) if *n == y)).collect();
            if !about_object.is_empty() {
                let mentions_subject = about_object.iter().any(|t| matches!(&t.object, Term::NamedNode(n) if *n == x));
                r.object_side.insert(p.clone(), mentions_subject);
            }
        }
        r.templates = templates.into_iter().map(|(p, t)| (p.into_string(), t)).collect();
        r
    }

    /// Whether `p` is derived by the global closure.
    fn is_family(&self, p: &NamedNode) -> bool {
        self.family.contains(p)
    }

    /// The local entailments of `subject predicate object` (without the
    /// triple itself): what the rules give ([`Reasoner::entail_by_rules`]),
    /// from the templates made with probe triples when the T-Box was read
    /// (no search per triple; a triple without entailments costs a lookup).
    pub fn entailments<'s>(
        &'s self,
        subject: NamedOrBlankNodeRef<'s>,
        predicate: NamedNodeRef<'s>,
        object: TermRef<'s>,
    ) -> impl Iterator<Item = Triple> + 's {
        let object_node: Option<NamedOrBlankNodeRef<'s>> = match object {
            TermRef::NamedNode(n) => Some(n.into()),
            TermRef::BlankNode(b) => Some(b.into()),
            _ => None,
        };
        let templates = if predicate.as_str() == rdf::TYPE {
            match object {
                TermRef::NamedNode(c) => self.type_templates.get(c.as_str()),
                _ => None,
            }
        } else {
            self.templates.get(predicate.as_str()).map(|t| if object_node.is_some() { &t[0] } else { &t[1] })
        };
        let is_probe = |n: &NamedNode, probe: &str| n.as_str() == probe;
        templates.into_iter().flatten().filter_map(move |t| {
            let s: NamedOrBlankNodeRef<'_> = match &t.subject {
                NamedOrBlankNode::NamedNode(n) if is_probe(n, PROBE_S) => subject,
                NamedOrBlankNode::NamedNode(n) if is_probe(n, PROBE_O) => object_node?,
                other => other.as_ref(),
            };
            let o: TermRef<'_> = match &t.object {
                Term::NamedNode(n) if is_probe(n, PROBE_S) => subject.into(),
                Term::NamedNode(n) if is_probe(n, PROBE_O) => object,
                Term::Literal(l) if l.value() == PROBE_LITERAL => object,
                other => other.as_ref(),
            };
            // As `entail`, never the triple itself (a symmetric triple
            // from a node to itself).
            let itself = s == subject && t.predicate.as_ref() == predicate && o == object;
            (!itself).then(|| Triple::new(s.into_owned(), t.predicate.clone(), o.into_owned()))
        })
    }

    /// The local entailments of one triple, as [`Reasoner::entailments`].
    pub fn entail(&self, t: &Triple) -> Vec<Triple> {
        self.entailments(t.subject.as_ref(), t.predicate.as_ref(), t.object.as_ref()).collect()
    }

    /// The local entailments of one triple (without the triple itself):
    /// everything that follows from it and the T-Box alone, by running the
    /// rules (the templates are made with it).
    fn entail_by_rules(&self, t: &Triple) -> Vec<Triple> {
        let mut out: Vec<Triple> = Vec::new();
        let mut seen: HashSet<Triple> = HashSet::new();
        let mut work = vec![t.clone()];
        let type_ = nn(rdf::TYPE);
        while let Some(t) = work.pop() {
            if !seen.insert(t.clone()) {
                continue;
            }
            if seen.len() > 1 {
                out.push(t.clone());
            }
            if t.predicate.as_ref() == type_ {
                if let Term::NamedNode(c) = &t.object {
                    for d in self.superclasses.get(c).into_iter().flatten() {
                        work.push(Triple::new(t.subject.clone(), type_, d.clone()));
                    }
                }
                continue;
            }
            for q in self.superproperties.get(&t.predicate).into_iter().flatten() {
                work.push(Triple::new(t.subject.clone(), q.clone(), t.object.clone()));
            }
            for c in self.domains.get(&t.predicate).into_iter().flatten() {
                work.push(Triple::new(t.subject.clone(), type_, c.clone()));
            }
            let object_node: Option<NamedOrBlankNode> = match &t.object {
                Term::NamedNode(n) => Some(n.clone().into()),
                Term::BlankNode(b) => Some(b.clone().into()),
                _ => None,
            };
            if let Some(o) = object_node {
                for c in self.ranges.get(&t.predicate).into_iter().flatten() {
                    work.push(Triple::new(o.clone(), type_, c.clone()));
                }
                for q in self.inverses.get(&t.predicate).into_iter().flatten() {
                    work.push(Triple::new(o.clone(), q.clone(), t.subject.clone()));
                }
                if self.symmetric.contains(&t.predicate) {
                    work.push(Triple::new(o, t.predicate.clone(), t.subject.clone()));
                }
            }
        }
        out
    }
}

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

/// Recomputes the closure of the family predicates and stores the
/// difference. Returns the nodes whose family triples changed.
fn refresh_family(kb: &Kb, r: &Reasoner, tx: &mut Transaction<'_>) -> Result<HashSet<NamedOrBlankNode>> {
    let mut triples: HashSet<Triple> = HashSet::new();
    for g in input_graphs(kb) {
        for p in &r.feeds_family {
            for q in tx.quads(None, Some(p.as_ref()), None, Some(g.into()))? {
                let t = Triple::new(q.subject, q.predicate, q.object);
                for e in r.entail(&t) {
                    if r.is_family(&e.predicate) {
                        triples.insert(e);
                    }
                }
                if r.is_family(&t.predicate) {
                    triples.insert(t);
                }
            }
        }
    }
    let triples = family_closure(r, triples);
    let inferred = kb.graph(Graph::Inferred);
    let mut stored: HashSet<Triple> = HashSet::new();
    for p in &r.family {
        for q in tx.quads(None, Some(p.as_ref()), None, Some(inferred.into()))? {
            stored.insert(Triple::new(q.subject, q.predicate, q.object));
        }
    }
    let mut changed = HashSet::new();
    let note = |t: &Triple, changed: &mut HashSet<NamedOrBlankNode>| {
        changed.insert(t.subject.clone());
        match &t.object {
            Term::NamedNode(n) => {
                changed.insert(n.clone().into());
            }
            Term::BlankNode(b) => {
                changed.insert(b.clone().into());
            }
            _ => {}
        }
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
        if let Some(needs) = r.object_side.get(&q.predicate) {
            let _ = needs;
            match &q.object {
                Term::NamedNode(n) => {
                    nodes.insert(n.clone().into());
                }
                Term::BlankNode(b) => {
                    nodes.insert(b.clone().into());
                }
                _ => {}
            }
        }
        family_touched |= r.feeds_family.contains(&q.predicate);
    }
    if family_touched {
        nodes.extend(refresh_family(kb, r, tx)?);
    }
    refresh_nodes(kb, r, tx, &nodes)
}

/// The inferences of a bulk write (see [`Kb::write_bulk`]), which only
/// adds: entailment is monotone, so the new inferred triples are the
/// entailments of the new triples, plus (when the write feeds a transitive
/// property) the growth of the family closure and its entailments. Nothing
/// inferred is ever retracted by an addition; if the closure disagrees, the
/// write is marked as needing a transaction.
pub(crate) fn apply_bulk(kb: &Kb, r: &Reasoner, w: &mut WriteTx<'_>) -> Result<()> {
    let inputs = input_graphs(kb);
    let Some(buffer) = w.bulk.as_mut() else {
        return Ok(());
    };
    // The local entailments, in the buffer's ids: each template is made
    // once per predicate (per class for rdf:type) and then instantiated
    // per quad without allocating.
    let input_ids: Vec<Id> = inputs.iter().filter_map(|g| buffer.find((*g).into())).collect();
    let type_id = buffer.find(nn(rdf::TYPE).into());
    let key = |b: &Buffer, q: &[Id; 4]| -> Option<TemplateKey> {
        if !input_ids.contains(&q[3]) {
            return None;
        }
        match b.term(q[2])? {
            Term::NamedNode(_) if Some(q[1]) == type_id => Some(TemplateKey::Type(q[2])),
            Term::NamedNode(_) | Term::BlankNode(_) => Some(TemplateKey::Predicate(q[1], true)),
            _ => Some(TemplateKey::Predicate(q[1], false)),
        }
    };
    let keys: hashbrown::HashSet<TemplateKey> = buffer.id_quads().filter_map(|q| key(buffer, &q)).collect();
    let mut family_touched = false;
    let mut compiled: hashbrown::HashMap<TemplateKey, Vec<[Slot; 3]>> = hashbrown::HashMap::with_capacity(keys.len());
    for k in keys {
        let (p, templates) = match k {
            TemplateKey::Type(c) => {
                let Some(Term::NamedNode(c)) = buffer.term(c) else { continue };
                (nn(rdf::TYPE).into_owned(), r.type_templates.get(c.as_str()))
            }
            TemplateKey::Predicate(p, node) => {
                let Some(Term::NamedNode(p)) = buffer.term(p).cloned() else { continue };
                // rdf:type with an object that is not a class entails nothing.
                let t = (p.as_str() != rdf::TYPE).then(|| r.templates.get(p.as_str())).flatten().map(|t| if node { &t[0] } else { &t[1] });
                (p, t)
            }
        };
        family_touched |= r.feeds_family.contains(&p);
        let slots = templates
            .into_iter()
            .flatten()
            .filter(|t| !r.is_family(&t.predicate))
            .map(|t| {
                [
                    Slot::of(buffer, t.subject.as_ref().into()),
                    Slot::Const(buffer.intern(t.predicate.clone().into())),
                    Slot::of(buffer, t.object.as_ref()),
                ]
            })
            .collect();
        compiled.insert(k, slots);
    }
    let mut derived: hashbrown::HashSet<[Id; 3]> = hashbrown::HashSet::new();
    for q in buffer.id_quads() {
        let Some(slots) = key(buffer, &q).and_then(|k| compiled.get(&k)) else { continue };
        let object_is_node = matches!(buffer.term(q[2]), Some(Term::NamedNode(_) | Term::BlankNode(_)));
        for t in slots {
            // The object as a subject only when it is a node, as `entailments`.
            if t[0] == Slot::O && !object_is_node {
                continue;
            }
            let d = t.map(|slot| slot.fill(q[0], q[2]));
            // Never the triple itself (a symmetric triple from a node to itself).
            if d != [q[0], q[1], q[2]] {
                derived.insert(d);
            }
        }
    }
    let mut extra: Vec<Triple> = Vec::new();
    if family_touched {
        let mut seeds: HashSet<Triple> = HashSet::new();
        let mut seed = |t: Triple| {
            for e in r.entail(&t) {
                if r.is_family(&e.predicate) {
                    seeds.insert(e);
                }
            }
            if r.is_family(&t.predicate) {
                seeds.insert(t);
            }
        };
        for g in &inputs {
            for p in &r.feeds_family {
                for q in w.tx.quads(None, Some(p.as_ref()), None, Some((*g).into()))? {
                    seed(Triple::new(q.subject, q.predicate, q.object));
                }
            }
        }
        for q in buffer.live().filter(|q| in_graphs(*q, &inputs) && r.feeds_family.iter().any(|p| p.as_ref() == q.predicate)) {
            seed(Triple::new(q.subject.into_owned(), q.predicate.into_owned(), q.object.into_owned()));
        }
        let closure = family_closure(r, seeds);
        let inferred = kb.graph(Graph::Inferred);
        let mut stored: HashSet<Triple> = HashSet::new();
        for p in &r.family {
            for q in w.tx.quads(None, Some(p.as_ref()), None, Some(inferred.into()))? {
                stored.insert(Triple::new(q.subject, q.predicate, q.object));
            }
        }
        if let Some(t) = stored.difference(&closure).next() {
            let q = in_inferred(kb, t.clone());
            w.put_derived(q.as_ref(), false);
            return Ok(());
        }
        for t in closure.difference(&stored) {
            extra.extend(r.entail(t).into_iter().filter(|e| !r.is_family(&e.predicate)));
            extra.push(t.clone());
        }
    }
    let Some(buffer) = w.bulk.as_mut() else {
        return Ok(());
    };
    for t in extra {
        derived.insert([buffer.intern(t.subject.into()), buffer.intern(t.predicate.into()), buffer.intern(t.object)]);
    }
    let graph = buffer.intern(kb.graph(Graph::Inferred).into_owned().into());
    buffer.reserve(derived.len());
    for [s, p, o] in derived {
        buffer.push_ids([s, p, o, graph]);
    }
    Ok(())
}

/// What a bulk write's template is made for: a predicate with a node or a
/// literal object, or rdf:type with a class.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum TemplateKey {
    Predicate(Id, bool),
    Type(Id),
}

/// A position of a template triple, in a bulk write's ids: the triple's
/// subject, its object, or a constant.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    S,
    O,
    Const(Id),
}

impl Slot {
    fn of(buffer: &mut Buffer, t: TermRef<'_>) -> Self {
        match t {
            TermRef::NamedNode(n) if n.as_str() == PROBE_S => Self::S,
            TermRef::NamedNode(n) if n.as_str() == PROBE_O => Self::O,
            TermRef::Literal(l) if l.value() == PROBE_LITERAL => Self::O,
            other => Self::Const(buffer.intern(other.into_owned())),
        }
    }

    fn fill(self, s: Id, o: Id) -> Id {
        match self {
            Self::S => s,
            Self::O => o,
            Self::Const(c) => c,
        }
    }
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

#[cfg(test)]
mod tests {
    //! Each rule on its own, with a synthetic T-Box.
    use super::*;

    fn n(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("urn:t:{s}"))
    }

    fn reasoner(tbox: &[(&str, &str, &str)]) -> Reasoner {
        let triples: Vec<(NamedOrBlankNode, NamedNode, Term)> = tbox
            .iter()
            .map(|(s, p, o)| {
                let o = if o.starts_with("http") { NamedNode::new_unchecked(*o) } else { n(o) };
                (n(s).into(), NamedNode::new_unchecked(*p), o.into())
            })
            .collect();
        Reasoner::from_tbox(triples.iter().map(|(s, p, o)| (s, p, o)))
    }

    fn t(s: &str, p: &str, o: &str) -> Triple {
        let p = if p.starts_with("http") { NamedNode::new_unchecked(p) } else { n(p) };
        Triple::new(n(s), p, n(o))
    }

    fn has(out: &[Triple], s: &str, p: &str, o: &str) -> bool {
        out.contains(&t(s, p, o))
    }

    /// The entailments of a triple from the templates are those of the
    /// rules applied to it, for node, blank and literal objects, a node
    /// related to itself, and predicates and classes without rules.
    fn assert_templates_agree(r: &Reasoner, predicates: &[NamedNode], classes: &[NamedNode]) {
        let x: NamedOrBlankNode = n("x").into();
        let objects: Vec<Term> = vec![
            n("y").into(),
            x.clone().into(),
            oxigraph::model::BlankNode::new_unchecked("b1").into(),
            oxigraph::model::Literal::new_simple_literal("testo").into(),
            oxigraph::model::Literal::new_language_tagged_literal_unchecked("testo", "it").into(),
        ];
        let sorted = |mut v: Vec<Triple>| {
            v.sort_by_key(|t| t.to_string());
            v.dedup();
            v
        };
        for p in predicates.iter().chain([&n("other"), &nn(rdfs::LABEL).into_owned()]) {
            for o in &objects {
                let want = sorted(r.entail_by_rules(&Triple::new(x.clone(), p.clone(), o.clone())));
                let got = sorted(r.entailments(x.as_ref(), p.as_ref(), o.as_ref()).collect());
                assert_eq!(got, want, "{x} {p} {o}");
            }
        }
        let type_ = nn(rdf::TYPE).into_owned();
        for c in classes.iter().chain([&n("Unknown")]) {
            let o = Term::from(c.clone());
            let want = sorted(r.entail_by_rules(&Triple::new(x.clone(), type_.clone(), o.clone())));
            assert_eq!(sorted(r.entailments(x.as_ref(), type_.as_ref(), o.as_ref()).collect()), want, "{x} a {c}");
        }
    }

    #[test]
    fn templates_give_what_the_rules_give() {
        let r = reasoner(&[
            ("A", rdfs::SUB_CLASS_OF, "B"),
            ("B", rdfs::SUB_CLASS_OF, "C"),
            ("p", rdfs::SUB_PROPERTY_OF, "q"),
            ("q", rdfs::DOMAIN, "A"),
            ("q", rdfs::RANGE, "B"),
            ("d", rdfs::DOMAIN, "A"),
            ("g", rdfs::RANGE, "B"),
            ("i", owl::INVERSE_OF, "j"),
            ("j", rdfs::DOMAIN, "C"),
            ("j", rdfs::RANGE, "A"),
            ("m", rdf::TYPE, owl::SYMMETRIC_PROPERTY),
            ("m", rdfs::DOMAIN, "B"),
            ("tr", rdf::TYPE, owl::TRANSITIVE_PROPERTY),
        ]);
        let predicates: Vec<NamedNode> = ["p", "q", "d", "g", "i", "j", "m", "tr"].into_iter().map(n).collect();
        let classes: Vec<NamedNode> = ["A", "B", "C"].into_iter().map(n).collect();
        assert_templates_agree(&r, &predicates, &classes);
    }

    /// The same with the project's ontology, every property and class it declares.
    #[test]
    fn templates_agree_with_the_rules_on_the_ontology() {
        let triples: Vec<Triple> = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
            .for_slice(ontologies::ONTOLOGY_TTL.as_bytes())
            .map(|q| q.map(|q| Triple::new(q.subject, q.predicate, q.object)))
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        let r = Reasoner::from_tbox(triples.iter().map(|t| (&t.subject, &t.predicate, &t.object)));
        let mut predicates = BTreeSet::new();
        let mut classes = BTreeSet::new();
        for t in &triples {
            let NamedOrBlankNode::NamedNode(s) = &t.subject else { continue };
            match (t.predicate.as_str(), &t.object) {
                (rdfs::DOMAIN | rdfs::RANGE | rdfs::SUB_PROPERTY_OF | owl::INVERSE_OF, _) => {
                    predicates.insert(s.clone());
                }
                (rdfs::SUB_CLASS_OF, Term::NamedNode(o)) => {
                    classes.insert(s.clone());
                    classes.insert(o.clone());
                }
                _ => {}
            }
        }
        assert!(predicates.len() > 20 && classes.len() > 5, "{} properties, {} classes", predicates.len(), classes.len());
        let predicates: Vec<NamedNode> = predicates.into_iter().collect();
        let classes: Vec<NamedNode> = classes.into_iter().collect();
        assert_templates_agree(&r, &predicates, &classes);
    }

    #[test]
    fn sub_class_of_is_transitive_for_instances() {
        let r = reasoner(&[("A", rdfs::SUB_CLASS_OF, "B"), ("B", rdfs::SUB_CLASS_OF, "C")]);
        let out = r.entail(&t("x", rdf::TYPE, "A"));
        assert!(has(&out, "x", rdf::TYPE, "B") && has(&out, "x", rdf::TYPE, "C"));
        assert!(!has(&out, "x", rdf::TYPE, "A"), "the input itself is not repeated");
    }

    #[test]
    fn sub_property_of() {
        let r = reasoner(&[("p", rdfs::SUB_PROPERTY_OF, "q"), ("q", rdfs::SUB_PROPERTY_OF, "s")]);
        let out = r.entail(&t("x", "p", "y"));
        assert!(has(&out, "x", "q", "y") && has(&out, "x", "s", "y"));
    }

    #[test]
    fn domain_and_range_with_superclasses() {
        let r = reasoner(&[("p", rdfs::DOMAIN, "D"), ("p", rdfs::RANGE, "R"), ("R", rdfs::SUB_CLASS_OF, "S")]);
        let out = r.entail(&t("x", "p", "y"));
        assert!(has(&out, "x", rdf::TYPE, "D"));
        assert!(has(&out, "y", rdf::TYPE, "R") && has(&out, "y", rdf::TYPE, "S"));
        let lit = Triple::new(n("x"), n("p"), oxigraph::model::Literal::new_simple_literal("v"));
        assert!(r.entail(&lit).iter().all(|t| t.subject == n("x").into()), "literals get no type");
    }

    #[test]
    fn datatype_ranges_are_ignored() {
        let r = reasoner(&[("p", rdfs::RANGE, xsd::STRING)]);
        assert!(r.entail(&t("x", "p", "y")).is_empty());
    }

    #[test]
    fn inverse_of_works_both_ways_and_through_sub_properties() {
        let r = reasoner(&[("p", owl::INVERSE_OF, "q"), ("p0", rdfs::SUB_PROPERTY_OF, "p")]);
        assert!(has(&r.entail(&t("x", "p", "y")), "y", "q", "x"));
        assert!(has(&r.entail(&t("y", "q", "x")), "x", "p", "y"));
        assert!(has(&r.entail(&t("x", "p0", "y")), "y", "q", "x"));
    }

    #[test]
    fn symmetric_property() {
        let r = reasoner(&[("p", rdf::TYPE, owl::SYMMETRIC_PROPERTY)]);
        assert!(has(&r.entail(&t("x", "p", "y")), "y", "p", "x"));
    }

    #[test]
    fn equivalent_class_and_property() {
        let r = reasoner(&[("A", owl::EQUIVALENT_CLASS, "B"), ("p", owl::EQUIVALENT_PROPERTY, "q")]);
        assert!(has(&r.entail(&t("x", rdf::TYPE, "B")), "x", rdf::TYPE, "A"));
        assert!(has(&r.entail(&t("x", "q", "y")), "x", "p", "y"));
    }

    #[test]
    fn transitive_properties_form_the_family() {
        let r = reasoner(&[("b", rdfs::SUB_PROPERTY_OF, "bt"), ("bt", rdf::TYPE, owl::TRANSITIVE_PROPERTY), ("nt", owl::INVERSE_OF, "bt")]);
        assert!(r.is_family(&n("bt")) && r.is_family(&n("nt")));
        assert!(!r.is_family(&n("b")));
        assert!(r.feeds_family.contains(&n("b")));
        assert!(r.is_family(&NamedNode::new_unchecked(rdfs::SUB_CLASS_OF)), "RDFS hierarchies are transitive");
    }

    #[test]
    fn object_side_predicates_are_classified() {
        let r = reasoner(&[("p", rdfs::RANGE, "R"), ("q", owl::INVERSE_OF, "qi"), ("d", rdfs::DOMAIN, "D")]);
        assert_eq!(r.object_side.get(&n("p")), Some(&false), "range needs one witness");
        assert_eq!(r.object_side.get(&n("q")), Some(&true), "inverses need every subject");
        assert!(!r.object_side.contains_key(&n("d")));
    }
}
