//! What an operator sees of an item: the published content with its
//! competent office, contact person and classification.

use crate::concepts::Concept;
use crate::error::Result;
use crate::item::KnowledgeItem;
use crate::org::{Office, Person};
use crate::store::Kb;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// A published item with the resources it points to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemView {
    /// The item.
    pub item: KnowledgeItem,
    /// Its classification concept.
    pub concept: Option<Concept>,
    /// The competent office.
    pub office: Option<Office>,
    /// The contact person.
    pub person: Option<Person>,
    /// The day validity ended, when it is in the past.
    pub expired_on: Option<NaiveDate>,
}

/// Offices, people and concepts as item pages show them, kept in memory:
/// thousands of items point to the same few hundred of them, and an
/// operator opens items during a call. Emptied by every write that touches
/// the organisation chart or the classification (see [`Kb::write`]).
#[derive(Debug, Default)]
pub(crate) struct ViewCache {
    offices: HashMap<String, Option<Office>>,
    people: HashMap<String, Option<Person>>,
    concepts: HashMap<String, Option<Concept>>,
}

impl ViewCache {
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

impl Kb {
    /// The published item `id` with its office, person and concept, as of `today`.
    pub fn item_view(&self, id: &str, today: NaiveDate) -> Result<Option<ItemView>> {
        let Some(item) = self.published_item(id)? else {
            return Ok(None);
        };
        let c = &item.content;
        Ok(Some(ItemView {
            concept: c.concept.as_deref().map(|i| self.cached(i, |v| &mut v.concepts, |i| self.concept(i))).transpose()?.flatten(),
            office: c.office.as_deref().map(|i| self.cached(i, |v| &mut v.offices, |i| self.office_by_iri(i))).transpose()?.flatten(),
            person: c.person.as_deref().map(|i| self.cached(i, |v| &mut v.people, |i| self.person_by_iri(i))).transpose()?.flatten(),
            expired_on: c.valid_until.filter(|_| c.is_expired(today)),
            item,
        }))
    }

    fn cached<T: Clone>(
        &self,
        iri: &str,
        map: impl Fn(&mut ViewCache) -> &mut HashMap<String, Option<T>>,
        load: impl FnOnce(&str) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let lock = &self.inner.views;
        if let Some(v) = map(&mut lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).get(iri) {
            return Ok(v.clone());
        }
        // Read outside the lock; a write that lands meanwhile clears the
        // cache after its commit, so a value read before it is not kept:
        // the epoch tells.
        let epoch = self.inner.views_epoch.load(std::sync::atomic::Ordering::Acquire);
        let value = load(iri)?;
        let mut cache = lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.inner.views_epoch.load(std::sync::atomic::Ordering::Acquire) == epoch {
            map(&mut cache).insert(iri.to_owned(), value.clone());
        }
        Ok(value)
    }
}

/// A published item in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSummary {
    /// Item code.
    pub id: String,
    /// Title.
    pub title: String,
    /// The concept it is classified under.
    pub concept: Option<String>,
}

impl Kb {
    /// Published items classified under `concept` or any concept below it,
    /// sorted by title.
    pub fn items_in_concept(&self, concept: &str) -> Result<Vec<ItemSummary>> {
        use crate::rdf::{Reader, nn, term_value};
        use ontologies::vocab::{cc, dcterms};
        let all = self.concepts(None)?;
        let mut wanted: Vec<String> = vec![concept.to_owned()];
        let mut i = 0;
        while i < wanted.len() {
            let parent = wanted[i].clone();
            wanted.extend(all.iter().filter(|c| c.broader.as_deref() == Some(parent.as_str())).map(|c| c.iri.clone()));
            i += 1;
        }
        let g = self.graph(crate::roles::Graph::KbPublished);
        let mut out = Vec::new();
        for c in &wanted {
            let Ok(node) = oxigraph::model::NamedNode::new(c.as_str()) else { continue };
            for q in self.store().quads(None, Some(nn(dcterms::SUBJECT)), Some(node.as_ref().into()), Some(g.into()))? {
                let oxigraph::model::NamedOrBlankNode::NamedNode(s) = &q.subject else { continue };
                if !self.store().has(s.as_ref(), cc::STATE_PROP, nn(cc::PUBLISHED).into(), g)? {
                    continue;
                }
                let get = |p| -> Result<String> {
                    Ok(self.store().object(s.as_ref(), p, g)?.map(|t| term_value(&t).to_owned()).unwrap_or_default())
                };
                out.push(ItemSummary { id: get(dcterms::IDENTIFIER)?, title: get(dcterms::TITLE)?, concept: Some(c.clone()) });
            }
        }
        out.sort_by(|a, b| a.title.cmp(&b.title));
        Ok(out)
    }
}
