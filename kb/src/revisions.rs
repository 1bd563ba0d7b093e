//! Reading items and their revisions: an item's status (state and
//! revision pointers), the content of any revision, the published item,
//! the editors' current view, and the lists of working revisions (drafts,
//! the review inbox). Writes are in `lifecycle.rs`.

use crate::error::{Error, Result};
use crate::item::{ItemContent, KnowledgeItem, State, item_iri, revision_iri};
use crate::rdf::{Reader, nn, term_datetime, term_value};
use crate::roles::{Actor, Graph, Role};
use crate::store::Kb;
use ontologies::vocab::{cc, dcterms, prov};
use oxigraph::model::NamedNode;

const KB_STAFF: &[Role] = &[Role::Publisher, Role::Approver, Role::Admin];

/// Where an item stands: its state and revision pointers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemStatus {
    /// The identifier.
    pub id: String,
    /// State of the item line: draft or in review until first published,
    /// then published or archived.
    pub state: State,
    /// The revision live for operators (published or archived).
    pub published_revision: Option<u32>,
    /// The revision being worked on, with its state (draft or in review).
    pub working: Option<(u32, State)>,
    /// The highest revision number allocated.
    pub last_revision: u32,
}

impl ItemStatus {
    /// The revision an edit must be based on: the working one, else the published one.
    pub fn current_revision(&self) -> u32 {
        self.working.map(|(n, _)| n).or(self.published_revision).unwrap_or(self.last_revision)
    }
}

/// An entry of a working list (my drafts, the review inbox).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WorkingEntry {
    /// Item identifier.
    pub id: String,
    /// Working revision number.
    pub revision: u32,
    /// Its state.
    pub state: State,
    /// Its title.
    pub title: String,
    /// Who wrote it.
    pub author: Option<String>,
}

pub(crate) fn rev_number(iri: &str) -> Option<u32> {
    iri.rsplit_once("/rev/")?.1.parse().ok()
}

pub(crate) fn username_of(iri: &str) -> String {
    iri.rsplit('/').next().unwrap_or(iri).to_owned()
}

impl Kb {
    /// The status of item `id`, read through `reader` (e.g. a [`WriteTx`]).
    pub fn status_in(&self, reader: &impl Reader, id: &str) -> Result<ItemStatus> {
        let item = item_iri(self, id);
        let quads = reader.quads(Some(item.as_ref().into()), None, None, Some(self.graph(Graph::KbWorkspace).into()))?;
        if quads.is_empty() {
            return Err(Error::not_found("item", id));
        }
        let mut st = ItemStatus { id: id.to_owned(), state: State::Draft, published_revision: None, working: None, last_revision: 0 };
        let mut working_iri = None;
        for q in &quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                cc::STATE_PROP => st.state = State::from_iri(v).unwrap_or(State::Draft),
                cc::PUBLISHED_REVISION => st.published_revision = rev_number(v),
                cc::WORKING_REVISION => working_iri = Some(v.to_owned()),
                cc::LAST_REVISION_NUMBER => st.last_revision = v.parse().unwrap_or(0),
                _ => {}
            }
        }
        if let Some(w) = working_iri {
            let rev = NamedNode::new_unchecked(w);
            let state = reader
                .object(rev.as_ref(), cc::STATE_PROP, self.graph(Graph::KbWorkspace))?
                .and_then(|t| State::from_iri(term_value(&t)))
                .unwrap_or(State::Draft);
            st.working = rev_number(rev.as_str()).map(|n| (n, state));
        }
        Ok(st)
    }

    /// The status of item `id`.
    pub fn item_status(&self, id: &str) -> Result<ItemStatus> {
        self.status_in(self.store(), id)
    }

    /// The content of revision `n`, wherever it lives now, read through `reader`.
    pub fn content_in(&self, reader: &impl Reader, st: &ItemStatus, n: u32) -> Result<ItemContent> {
        let (subject, graph) = if st.working.map(|w| w.0) == Some(n) {
            (revision_iri(self, &st.id, n), Graph::KbWorkspace)
        } else if st.published_revision == Some(n) {
            (item_iri(self, &st.id), Graph::KbPublished)
        } else if n >= 1 && n <= st.last_revision {
            (revision_iri(self, &st.id, n), Graph::Audit)
        } else {
            return Err(Error::not_found("revision", format!("{} revision {n}", st.id)));
        };
        let quads = reader.quads(Some(subject.as_ref().into()), None, None, Some(self.graph(graph).into()))?;
        Ok(ItemContent::from_quads(&quads))
    }

    /// Who wrote revision `n` (from the audit metadata).
    pub(crate) fn revision_author(&self, reader: &impl Reader, id: &str, n: u32) -> Result<Option<String>> {
        Ok(reader
            .object(revision_iri(self, id, n).as_ref(), prov::WAS_ATTRIBUTED_TO, self.graph(Graph::Audit))?
            .map(|t| username_of(term_value(&t))))
    }

    /// The published (or archived) item as operators see it.
    pub fn published_item(&self, id: &str) -> Result<Option<KnowledgeItem>> {
        let item = item_iri(self, id);
        let quads = self.store().quads(Some(item.as_ref().into()), None, None, Some(self.graph(Graph::KbPublished).into()))?;
        if quads.is_empty() {
            return Ok(None);
        }
        let mut k = KnowledgeItem {
            id: id.to_owned(),
            iri: item.as_str().to_owned(),
            state: State::Published,
            revision: 0,
            content: ItemContent::from_quads(&quads),
            created: None,
            modified: None,
            author: None,
        };
        for q in &quads {
            match q.predicate.as_str() {
                cc::STATE_PROP => k.state = State::from_iri(term_value(&q.object)).unwrap_or(State::Published),
                cc::PUBLISHED_REVISION => k.revision = rev_number(term_value(&q.object)).unwrap_or(0),
                dcterms::CREATED => k.created = term_datetime(&q.object),
                dcterms::MODIFIED => k.modified = term_datetime(&q.object),
                dcterms::CREATOR => k.author = Some(username_of(term_value(&q.object))),
                _ => {}
            }
        }
        Ok(Some(k))
    }

    /// The item as its editors see it: the working revision if there is
    /// one, else the published one.
    pub fn current_item(&self, actor: &Actor, id: &str) -> Result<KnowledgeItem> {
        actor.require("read drafts", KB_STAFF)?;
        let st = self.item_status(id)?;
        let n = st.current_revision();
        let content = self.content_in(self.store(), &st, n)?;
        let rev = revision_iri(self, id, n);
        let audit = self.graph(Graph::Audit);
        Ok(KnowledgeItem {
            id: id.to_owned(),
            iri: item_iri(self, id).as_str().to_owned(),
            state: st.working.map(|w| w.1).unwrap_or(st.state),
            revision: n,
            content,
            created: None,
            modified: self.store().object(rev.as_ref(), prov::GENERATED_AT_TIME, audit)?.and_then(|t| term_datetime(&t)),
            author: self.revision_author(self.store(), id, n)?,
        })
    }

    /// The content of any revision of an item.
    pub fn revision_content(&self, actor: &Actor, id: &str, n: u32) -> Result<ItemContent> {
        actor.require("read revisions", KB_STAFF)?;
        let st = self.item_status(id)?;
        self.content_in(self.store(), &st, n)
    }

    /// Working revisions in `state` (the review inbox, drafts), optionally
    /// only those written by `author`.
    pub fn working_items(&self, actor: &Actor, state: State, author: Option<&str>) -> Result<Vec<WorkingEntry>> {
        actor.require("list working revisions", KB_STAFF)?;
        let ws = self.graph(Graph::KbWorkspace);
        let mut out = Vec::new();
        for q in self.store().quads(None, Some(nn(cc::STATE_PROP)), Some(nn(state.iri()).into()), Some(ws.into()))? {
            let oxigraph::model::NamedOrBlankNode::NamedNode(rev) = q.subject else {
                continue;
            };
            let Some(n) = rev_number(rev.as_str()) else {
                continue;
            };
            let Some(item) = self.store().object(rev.as_ref(), cc::REVISION_OF, ws)? else {
                continue;
            };
            let id = term_value(&item).rsplit('/').next().unwrap_or_default().to_owned();
            let who = self.revision_author(self.store(), &id, n)?;
            if author.is_some_and(|a| who.as_deref() != Some(a)) {
                continue;
            }
            let title = self.store().object(rev.as_ref(), dcterms::TITLE, ws)?.map(|t| term_value(&t).to_owned()).unwrap_or_default();
            out.push(WorkingEntry { id, revision: n, state, title, author: who });
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}
