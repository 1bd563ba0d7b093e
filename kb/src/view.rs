//! What an operator sees of an item: the published content with its
//! competent office, contact person and classification.

use crate::concepts::Concept;
use crate::error::Result;
use crate::item::KnowledgeItem;
use crate::org::{Office, Person};
use crate::store::Kb;
use chrono::NaiveDate;
use serde::Serialize;

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

impl Kb {
    /// The published item `id` with its office, person and concept, as of `today`.
    pub fn item_view(&self, id: &str, today: NaiveDate) -> Result<Option<ItemView>> {
        let Some(item) = self.published_item(id)? else {
            return Ok(None);
        };
        let c = &item.content;
        Ok(Some(ItemView {
            concept: c.concept.as_deref().map(|i| self.concept(i)).transpose()?.flatten(),
            office: c.office.as_deref().map(|i| self.office_by_iri(i)).transpose()?.flatten(),
            person: c.person.as_deref().map(|i| self.person_by_iri(i)).transpose()?.flatten(),
            expired_on: c.valid_until.filter(|_| c.is_expired(today)),
            item,
        }))
    }
}
