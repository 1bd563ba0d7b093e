//! The concepts each office and person handles, counted over the published
//! items that name them, kept current from batch to batch.
//!
//! An office's or person's search document carries the subjects of its
//! items (so that "chi si occupa di caccia" finds the hunting office). A
//! bulk publication touches every office and person; recounting each from
//! the graph made every batch read the whole knowledge base again. The
//! counts are therefore kept in memory and changed by the difference each
//! item makes: one pass over the graph when the indexer first needs them,
//! then the cost of a batch follows the size of the batch.

use crate::error::Result;
use crate::item::ItemContent;
use crate::rdf::{Reader, nn, term_value};
use crate::roles::Graph;
use crate::store::Kb;
use ontologies::vocab::{cc, dcterms};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// What one published item counts for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Refs {
    concept: Option<Arc<str>>,
    /// Competent office and contact person (IRIs).
    targets: [Option<Arc<str>>; 2],
}

/// Office or person IRI → concept IRI → number of published items.
#[derive(Debug, Default)]
pub struct OrgConcepts {
    items: HashMap<String, Refs>,
    counts: HashMap<Arc<str>, HashMap<Arc<str>, u32>>,
    /// Interned IRIs: a hundred offices and concepts shared by many items.
    names: HashSet<Arc<str>>,
}

impl OrgConcepts {
    /// Counts every published item of the graph.
    pub fn load(kb: &Kb) -> Result<Self> {
        let g = kb.graph(Graph::KbPublished);
        let store = kb.store();
        let prefix = kb.iri("id/kb/").as_str().to_owned();
        let id_of = |s: &oxigraph::model::NamedOrBlankNode| match s {
            oxigraph::model::NamedOrBlankNode::NamedNode(n) => n.as_str().strip_prefix(&prefix).map(str::to_owned),
            oxigraph::model::NamedOrBlankNode::BlankNode(_) => None,
        };
        let published: HashSet<String> = store
            .quads(None, Some(nn(cc::STATE_PROP)), Some(nn(cc::PUBLISHED).into()), Some(g.into()))?
            .iter()
            .filter_map(|q| id_of(&q.subject))
            .collect();
        let mut out = Self::default();
        let mut refs: HashMap<String, Refs> = HashMap::new();
        for (slot, p) in [(None, dcterms::SUBJECT), (Some(0), cc::COMPETENT_OFFICE), (Some(1), cc::CONTACT_PERSON)] {
            for q in store.quads(None, Some(nn(p)), None, Some(g.into()))? {
                let Some(id) = id_of(&q.subject).filter(|id| published.contains(id)) else { continue };
                let value = Some(out.intern(term_value(&q.object)));
                let r = refs.entry(id).or_default();
                match slot {
                    None => r.concept = value,
                    Some(i) => r.targets[i] = value,
                }
            }
        }
        for (id, r) in refs {
            out.add(&r, 1);
            out.items.insert(id, r);
        }
        Ok(out)
    }

    /// Records the published content of item `id` (`None`: not published,
    /// or archived) and returns the offices and people whose counts changed.
    pub fn set(&mut self, id: &str, published: Option<&ItemContent>) -> BTreeSet<Arc<str>> {
        let new = published.map(|c| Refs {
            concept: c.concept.as_deref().map(|s| self.intern(s)),
            targets: [c.office.as_deref().map(|s| self.intern(s)), c.person.as_deref().map(|s| self.intern(s))],
        });
        let old = match &new {
            Some(r) => self.items.insert(id.to_owned(), r.clone()),
            None => self.items.remove(id),
        };
        if old == new {
            return BTreeSet::new();
        }
        let mut changed = BTreeSet::new();
        for (r, delta) in [(old.as_ref(), -1), (new.as_ref(), 1)] {
            if let Some(r) = r {
                if r.concept.is_some() {
                    changed.extend(r.targets.iter().flatten().cloned());
                }
                self.add(r, delta);
            }
        }
        changed
    }

    /// The concepts counted for `target` (an office or person IRI).
    pub fn of(&self, target: &str) -> impl Iterator<Item = (&str, u32)> {
        self.counts.get(target).into_iter().flatten().map(|(c, n)| (&**c, *n))
    }

    /// The offices and people that handle `concept`.
    pub fn handling(&self, concept: &str) -> Vec<Arc<str>> {
        self.counts.iter().filter(|(_, per)| per.contains_key(concept)).map(|(t, _)| t.clone()).collect()
    }

    fn add(&mut self, r: &Refs, delta: i32) {
        let Some(concept) = &r.concept else { return };
        for t in r.targets.iter().flatten() {
            let per = self.counts.entry(t.clone()).or_default();
            let n = per.entry(concept.clone()).or_default();
            *n = n.saturating_add_signed(delta);
            if *n == 0 {
                per.remove(concept);
                if per.is_empty() {
                    self.counts.remove(t);
                }
            }
        }
    }

    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.names.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.names.insert(a.clone());
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(concept: &str, office: &str, person: Option<&str>) -> ItemContent {
        ItemContent { concept: Some(concept.into()), office: Some(office.into()), person: person.map(Into::into), ..Default::default() }
    }

    fn counts(o: &OrgConcepts, target: &str) -> Vec<(String, u32)> {
        let mut v: Vec<(String, u32)> = o.of(target).map(|(c, n)| (c.to_owned(), n)).collect();
        v.sort();
        v
    }

    #[test]
    fn counts_follow_each_change_of_an_item() {
        let mut o = OrgConcepts::default();
        let changed = o.set("PIL-1", Some(&content("c:caccia", "o:A", Some("p:1"))));
        assert_eq!(changed.iter().map(|s| &**s).collect::<Vec<_>>(), ["o:A", "p:1"]);
        o.set("PIL-2", Some(&content("c:caccia", "o:A", None)));
        assert_eq!(counts(&o, "o:A"), [("c:caccia".into(), 2)]);
        let mut handling = o.handling("c:caccia");
        handling.sort();
        assert_eq!(handling.iter().map(|s| &**s).collect::<Vec<_>>(), ["o:A", "p:1"]);
        // The same content again changes nothing.
        assert!(o.set("PIL-2", Some(&content("c:caccia", "o:A", None))).is_empty());
        // Moving an item to another office changes both offices.
        let changed = o.set("PIL-2", Some(&content("c:pesca", "o:B", None)));
        assert_eq!(changed.iter().map(|s| &**s).collect::<Vec<_>>(), ["o:A", "o:B"]);
        assert_eq!(counts(&o, "o:A"), [("c:caccia".into(), 1)]);
        assert_eq!(counts(&o, "o:B"), [("c:pesca".into(), 1)]);
        // Archiving removes the item's contribution, and empty entries go.
        o.set("PIL-1", None);
        assert!(counts(&o, "o:A").is_empty());
        assert!(counts(&o, "p:1").is_empty());
        assert!(!o.counts.contains_key("o:A"));
        // An item without a concept counts for nothing.
        let mut c = content("c:x", "o:C", None);
        c.concept = None;
        assert!(o.set("PIL-3", Some(&c)).is_empty());
        assert!(counts(&o, "o:C").is_empty());
    }
}
