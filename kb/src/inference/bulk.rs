//! The inferences of a bulk write, computed in the write buffer's ids.

use super::reasoner::Slot;
use super::{Reasoner, add_seed, family_closure, in_inferred, input_graphs, stored_family};
use crate::error::Result;
use crate::rdf::{Reader, nn};
use crate::roles::Graph;
use crate::store::Kb;
use crate::write::{Buffer, Id, WriteTx, in_graphs};
use ontologies::vocab::rdf;
use oxigraph::model::{NamedNodeRef, Quad, Term, Triple};
use oxigraph::store::Transaction;
use std::collections::HashSet;

/// The inferences of a bulk write (see [`Kb::write_bulk`]), which only
/// adds: entailment is monotone, so the new inferred triples are the
/// entailments of the new triples, plus (when the write feeds a transitive
/// property) the growth of the family closure and its entailments. Nothing
/// inferred is ever retracted by an addition; if the closure disagrees, the
/// write is marked as needing a transaction.
pub(crate) fn apply_bulk(kb: &Kb, r: &Reasoner, w: &mut WriteTx<'_>) -> Result<()> {
    let inputs = input_graphs(kb);
    let WriteTx { tx, bulk, .. } = w;
    let Some(buffer) = bulk.as_mut() else {
        return Ok(());
    };
    let (mut derived, family_touched) = local_entailments(r, buffer, &inputs);
    let growth = if family_touched { family_growth(kb, r, tx, buffer, &inputs)? } else { Growth::Add(Vec::new()) };
    let grown = match growth {
        Growth::Add(triples) => triples,
        Growth::Disagrees(stale) => {
            w.put_derived(stale.as_ref(), false);
            return Ok(());
        }
    };
    for t in grown {
        derived.insert([buffer.intern(t.subject.into()), buffer.intern(t.predicate.into()), buffer.intern(t.object)]);
    }
    let graph = buffer.intern(kb.graph(Graph::Inferred).into_owned().into());
    buffer.reserve(derived.len());
    for [s, p, o] in derived {
        buffer.push_ids([s, p, o, graph]);
    }
    Ok(())
}

/// What a bulk write's templates are chosen by (as
/// [`Reasoner::templates`] chooses them): rdf:type and a class, or a
/// predicate and whether the object is a node.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum TemplateKey {
    Predicate(Id, bool),
    Type(Id),
}

/// The local (non-family) entailments of the buffered triples in `inputs`,
/// as id triples, and whether any of them feeds the family. Each
/// predicate's (each class's) templates are turned into ids once and then
/// applied per quad without allocating.
fn local_entailments(r: &Reasoner, buffer: &mut Buffer, inputs: &[NamedNodeRef<'_>]) -> (hashbrown::HashSet<[Id; 3]>, bool) {
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
    // One quad of each key picks the key's templates.
    let mut firsts: hashbrown::HashMap<TemplateKey, [Id; 4]> = hashbrown::HashMap::new();
    for q in buffer.id_quads() {
        if let Some(k) = key(buffer, &q) {
            firsts.entry(k).or_insert(q);
        }
    }
    let mut family_touched = false;
    let mut compiled: hashbrown::HashMap<TemplateKey, Vec<[Slot<Id>; 3]>> = hashbrown::HashMap::with_capacity(firsts.len());
    for (k, q) in firsts {
        let Some(quad) = buffer.quad(&q) else { continue };
        family_touched |= r.feeds_family(quad.predicate);
        let templates = r.templates(quad.predicate, quad.object);
        let slots = templates
            .iter()
            .filter(|t| !r.is_family(&t.predicate))
            .map(|t| {
                [
                    t.subject.map(|c| buffer.intern(c.clone().into())),
                    Slot::Const(buffer.intern(t.predicate.clone().into())),
                    t.object.map(|c| buffer.intern(c.clone())),
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
            // The object as a subject only when it is a node, as `Template::apply`.
            if t[0] == Slot::Object && !object_is_node {
                continue;
            }
            let d = t.map(|slot| slot.fill(q[0], q[2]));
            // Never the triple itself (a symmetric triple from a node to itself).
            if d != [q[0], q[1], q[2]] {
                derived.insert(d);
            }
        }
    }
    (derived, family_touched)
}

/// What the family closure gains from a bulk write.
enum Growth {
    /// New family triples and their entailments.
    Add(Vec<Triple>),
    /// A stored family triple the new closure no longer has: an addition
    /// cannot explain it, so the write must run as a transaction.
    Disagrees(Quad),
}

/// The growth of the family closure from the stored and buffered triples
/// that feed it, against the family triples stored in `inferred`.
fn family_growth(kb: &Kb, r: &Reasoner, tx: &Transaction<'_>, buffer: &Buffer, inputs: &[NamedNodeRef<'_>]) -> Result<Growth> {
    let mut seeds: HashSet<Triple> = HashSet::new();
    for g in inputs {
        for p in &r.feeds_family {
            for q in tx.quads(None, Some(p.as_ref()), None, Some((*g).into()))? {
                add_seed(r, Triple::new(q.subject, q.predicate, q.object), &mut seeds);
            }
        }
    }
    for q in buffer.live().filter(|q| in_graphs(*q, inputs) && r.feeds_family(q.predicate)) {
        add_seed(r, Triple::new(q.subject.into_owned(), q.predicate.into_owned(), q.object.into_owned()), &mut seeds);
    }
    let closure = family_closure(r, seeds);
    let stored = stored_family(kb, r, tx)?;
    if let Some(t) = stored.difference(&closure).next() {
        return Ok(Growth::Disagrees(in_inferred(kb, t.clone())));
    }
    let mut out = Vec::new();
    for t in closure.difference(&stored) {
        out.extend(r.entail(t).into_iter().filter(|e| !r.is_family(&e.predicate)));
        out.push(t.clone());
    }
    Ok(Growth::Add(out))
}
