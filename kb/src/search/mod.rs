//! Full-text search over the graph (tantivy), for operators on a call.
//!
//! The index in `{data_dir}/index` is derived from the graph and never the
//! other way round. Every write that touches items, the organisation chart
//! or the classification bumps a generation counter in the same graph
//! transaction and then tells the indexer thread what changed; the indexer
//! re-reads those resources from the committed graph, batches index commits
//! (every [`BATCH_WINDOW`]) and stores the generation it reached in the
//! commit. At start-up an index whose generation differs from the graph's
//! (missing, or a crash between the two commits) is rebuilt.

mod analysis;
mod documents;
mod index;
mod lookup;
mod org_concepts;
mod query;
mod schema;
mod scoring;

pub use analysis::fold;
pub use documents::{Contact, Display};
pub use index::{SearchIndex, Touched};
pub use query::{MAX_QUERY_CHARS, typo_distance};

use crate::error::{Error, Result};
use crate::item::Level;
use crate::roles::{Actor, Role};
use crate::store::Kb;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long the indexer waits to gather changes into one index commit.
pub const BATCH_WINDOW: Duration = Duration::from_millis(150);

/// What a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A knowledge item.
    Item,
    /// An office of the organisation chart.
    Office,
    /// A person of the organisation chart.
    Person,
}

impl HitKind {
    fn as_str(self) -> &'static str {
        match self {
            HitKind::Item => "item",
            HitKind::Office => "office",
            HitKind::Person => "person",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [HitKind::Item, HitKind::Office, HitKind::Person].into_iter().find(|k| k.as_str() == s)
    }
}

/// A search request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// What the operator typed.
    pub text: String,
    /// Maximum number of hits.
    pub limit: usize,
    /// Hits to skip (paging).
    pub offset: usize,
    /// Treat the last word as a prefix (search as you type).
    pub as_you_type: bool,
    /// Only items of this concept (IRI) or its sub-concepts.
    pub area: Option<String>,
    /// Only items of this office (IRI).
    pub office: Option<String>,
    /// Only items of this level.
    pub level: Option<Level>,
    /// Only items for this audience (IRI; items without audience always match).
    pub audience: Option<String>,
    /// Only these kinds (empty: all).
    pub kinds: Vec<HitKind>,
    /// Also search drafts and revisions under review (publishers, approvers).
    pub include_drafts: bool,
    /// The day validity is judged against (default: today).
    pub today: Option<NaiveDate>,
}

impl SearchQuery {
    /// A query for `text` with the default limit of 10.
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), limit: 10, ..Default::default() }
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// Item, office or person.
    pub kind: HitKind,
    /// Item code, office code or staff number.
    pub id: String,
    /// Whether this is a working revision (draft or in review).
    pub draft: bool,
    /// Relevance score.
    pub score: f32,
    /// Title or name.
    pub title: String,
    /// Snippet of the answer, HTML-escaped, matched words in `<b>`.
    pub snippet_html: String,
    /// Area path, level, office and person with extensions, validity.
    pub display: Display,
    /// The day validity ended, when it is before `today`: shown as
    /// "scaduto il …" and ranked below valid items.
    pub expired_on: Option<NaiveDate>,
}

/// A facet value with its count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// Concept IRI, office code, level or kind.
    pub value: String,
    /// Human label.
    pub label: String,
    /// Matching results.
    pub count: u64,
}

/// Results of a search.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SearchResults {
    /// How many documents matched.
    pub total: usize,
    /// The hits, best first.
    pub hits: Vec<SearchHit>,
    /// Counts by top-level area.
    pub areas: Vec<FacetCount>,
    /// Counts by competent office.
    pub offices: Vec<FacetCount>,
    /// Counts by level.
    pub levels: Vec<FacetCount>,
    /// Counts by kind (items, offices, people).
    pub kinds: Vec<FacetCount>,
}

/// An autocomplete suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// `item`, `concept`, `office` or `person`.
    pub kind: &'static str,
    /// Item code, concept IRI, office code or staff number.
    pub id: String,
    /// What to show.
    pub label: String,
}

/// An item whose validity has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredItem {
    /// Item code.
    pub id: String,
    /// Title.
    pub title: String,
    /// Last day of validity.
    pub valid_until: NaiveDate,
}

const READERS: &[Role] = &Role::ALL;

impl Kb {
    pub(crate) fn search_index(&self) -> Result<&SearchIndex> {
        self.inner.search.get().ok_or_else(|| Error::invalid("search", "the search index is not open"))
    }

    /// Searches items, offices and people. Operators see published items;
    /// publishers, approvers and administrators may include drafts.
    #[tracing::instrument(skip_all, fields(user = %actor.username), err(level = "debug"))]
    pub fn search(&self, actor: &Actor, q: &SearchQuery) -> Result<SearchResults> {
        actor.require("search", READERS)?;
        if q.include_drafts {
            actor.require("search drafts", &[Role::Publisher, Role::Approver, Role::Admin])?;
        }
        self.search_index()?.search(q)
    }

    /// Suggestions for an autocomplete box: titles, concepts, offices, people.
    pub fn suggest(&self, actor: &Actor, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        actor.require("search", READERS)?;
        self.search_index()?.suggest(prefix, limit)
    }

    /// Rebuilds the search index from the graph (`centralino reindex`).
    pub fn reindex(&self) -> Result<usize> {
        self.search_index()?.rebuild(self)
    }

    /// Waits until the index holds every committed write, up to `timeout`.
    /// Returns whether it caught up.
    pub fn wait_for_search(&self, timeout: Duration) -> Result<bool> {
        let target = self.generation()?;
        Ok(self.search_index()?.wait_for(target, timeout))
    }

    /// Records that `actor` opened item `id` from the results of `query`:
    /// an access (KB-11) that also teaches the ranking which results are
    /// useful for that query.
    pub fn record_access_from_search(&self, actor: &Actor, id: &str, query: &str) -> Result<()> {
        self.record_access_with_query(actor, id, Some(query), chrono::Utc::now())?;
        self.search_index()?.learn_click(query, id);
        Ok(())
    }

    /// Published items whose validity ended before `today`, for publishers
    /// to archive or renew.
    pub fn expired_items(&self, actor: &Actor, today: NaiveDate) -> Result<Vec<ExpiredItem>> {
        actor.require("list expired items", &[Role::Publisher, Role::Approver, Role::Admin])?;
        use crate::rdf::{Reader, nn, term_date, term_value};
        use ontologies::vocab::{cc, dcterms};
        let g = self.graph(crate::roles::Graph::KbPublished);
        let mut out = Vec::new();
        for q in self.store().quads(None, Some(nn(cc::VALID_UNTIL)), None, Some(g.into()))? {
            let Some(d) = term_date(&q.object) else { continue };
            if d >= today {
                continue;
            }
            let oxigraph::model::NamedOrBlankNode::NamedNode(s) = &q.subject else { continue };
            if !self.store().has(s.as_ref(), cc::STATE_PROP, nn(cc::PUBLISHED).into(), g)? {
                continue;
            }
            let id = self.store().object(s.as_ref(), dcterms::IDENTIFIER, g)?.map(|t| term_value(&t).to_owned()).unwrap_or_default();
            let title = self.store().object(s.as_ref(), dcterms::TITLE, g)?.map(|t| term_value(&t).to_owned()).unwrap_or_default();
            out.push(ExpiredItem { id, title, valid_until: d });
        }
        out.sort_by(|a, b| a.valid_until.cmp(&b.valid_until).then(a.id.cmp(&b.id)));
        Ok(out)
    }
}
