//! The centralino knowledge graph.
//!
//! [`Kb`] opens the oxigraph store of a data directory and keeps the
//! platform's named graphs (see [`Graph`]): the ontology, the
//! classification scheme, published and working knowledge items, the
//! organisation chart, the audit trail and the materialised inferences.
//!
//! - Knowledge items ([`ItemContent`]) follow the life cycle
//!   draft → in review → published → archived, with rejection, revisions,
//!   the four-eyes rule and optimistic concurrency ([`Kb::edit_item`] and
//!   friends in `lifecycle`); every step is a PROV-O activity in `audit`.
//! - The classification tree ([`Kb::create_concept`], ...) and the
//!   organisation chart ([`Kb::upsert_office`], [`Kb::upsert_person`]).
//! - Per-role SPARQL ([`Kb::query`]): a role sees only its graphs.
//! - RDFS and OWL 2 RL entailments kept current on every write (`inference`).
//! - The access log and its statistics (KB-11).
//!
//! Every write is one transaction under a single writer ([`Kb::write`]);
//! a refused operation leaves the graph unchanged.

mod access;
mod activity;
mod concepts;
mod error;
mod history;
mod inference;
mod item;
mod lifecycle;
mod org;
pub mod rdf;
mod revisions;
mod roles;
mod saved_queries;
pub mod search;
mod sparql;
mod store;
mod users;
mod view;
mod write;

pub use access::AccessCount;
pub use concepts::{Concept, ConceptNode, NewConcept, slug};
pub use error::{Error, Result};
pub use history::HistoryEntry;
pub use inference::Reasoner;
pub use item::{FieldChange, ItemContent, KnowledgeItem, Level, State, validate_identifier};
pub use org::{Office, Person};
pub use rdf::{Reader, parse_rdf};
pub use revisions::{ItemStatus, WorkingEntry};
pub use roles::{Actor, Graph, Role, RoleSet};
pub use saved_queries::{MAX_SAVED_QUERIES, MAX_SAVED_QUERY_BYTES, MAX_SAVED_QUERY_NAME, SavedQuery};
pub use search::{ExpiredItem, FacetCount, HitKind, SearchHit, SearchQuery, SearchResults, Suggestion};
pub use sparql::QueryOutcome;
pub use store::{Kb, KbConfig};
pub use users::{MIN_PASSWORD_LEN, UserInfo, random_password, validate_username};
pub use view::{ItemSummary, ItemView};
pub use write::WriteTx;

/// Re-exported so that callers name RDF terms and formats without a
/// direct oxigraph dependency.
pub use oxigraph;
