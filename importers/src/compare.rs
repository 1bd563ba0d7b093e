//! Comparing graphs as graphs: isomorphism through blank node
//! canonicalisation (oxrdf), so that round trips are checked without
//! depending on triple order or blank node labels.

use crate::error::Result;
use kb::oxigraph::model::dataset::CanonicalizationAlgorithm;
use kb::oxigraph::model::{Dataset, GraphNameRef, NamedNode, Quad};
use kb::{Graph, Kb};
use ontologies::vocab::dcterms;

/// The quads as a dataset with canonical blank node labels.
pub fn canonical_graph(quads: impl IntoIterator<Item = Quad>) -> Dataset {
    let mut d: Dataset = quads.into_iter().collect();
    d.canonicalize(CanonicalizationAlgorithm::Unstable);
    d
}

/// Whether two sets of quads are isomorphic (equal up to blank node labels).
pub fn isomorphic(a: impl IntoIterator<Item = Quad>, b: impl IntoIterator<Item = Quad>) -> bool {
    canonical_graph(a) == canonical_graph(b)
}

/// The store's write counter for the search index (`cc:generation` on
/// `{base}id/kb`): bookkeeping, not data.
const GENERATION: &str = "https://w3id.org/centralino/ontology#generation";

/// The quads of `graphs` that describe content, for comparing two
/// knowledge bases loaded from the same data at different times: every
/// quad except the time stamps `dcterms:created` and `dcterms:modified`
/// and the store's write counter.
pub fn content_quads(kb: &Kb, graphs: &[Graph]) -> Result<Vec<Quad>> {
    let created = NamedNode::new_unchecked(dcterms::CREATED);
    let modified = NamedNode::new_unchecked(dcterms::MODIFIED);
    let mut out = Vec::new();
    for g in graphs {
        for q in kb.store().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(kb.graph(*g)))) {
            let q = q.map_err(kb::Error::from)?;
            if q.predicate != created && q.predicate != modified && q.predicate.as_str() != GENERATION {
                out.push(q);
            }
        }
    }
    Ok(out)
}

/// Every quad of `graph` except the store's write counter: what a
/// handover restore must reproduce exactly.
pub fn graph_quads(kb: &Kb, graph: Graph) -> Result<Vec<Quad>> {
    let mut out = Vec::new();
    for q in kb.store().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(kb.graph(graph)))) {
        let q = q.map_err(kb::Error::from)?;
        if q.predicate.as_str() != GENERATION {
            out.push(q);
        }
    }
    Ok(out)
}
