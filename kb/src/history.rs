//! The history of an item (KB-11: every change with its author) and the
//! field-by-field comparison of two revisions.

use crate::error::{Error, Result};
use crate::item::{FieldChange, State, item_iri};
use crate::rdf::{Reader, nn, term_datetime, term_value};
use crate::roles::{Actor, Graph, Role};
use crate::store::Kb;
use chrono::{DateTime, Utc};
use ontologies::vocab::{cc, prov, rdfs};
use oxigraph::model::NamedOrBlankNode;
use serde::Serialize;

/// One entry of an item's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// IRI of the PROV activity.
    pub activity: String,
    /// What was done: create, edit, submit, approve, reject, archive, restore, import.
    pub kind: String,
    /// Who did it.
    pub user: String,
    /// When.
    pub time: DateTime<Utc>,
    /// The comment given, if any.
    pub comment: Option<String>,
    /// The revision acted on or produced.
    pub revision: Option<u32>,
    /// The state before.
    pub from: Option<State>,
    /// The state after.
    pub to: Option<State>,
}

impl Kb {
    /// The history of item `id`, oldest first.
    pub fn history(&self, actor: &Actor, id: &str) -> Result<Vec<HistoryEntry>> {
        actor.require("read item history", &[Role::Publisher, Role::Approver, Role::Admin])?;
        self.item_status(id)?;
        let audit = self.graph(Graph::Audit);
        let item = item_iri(self, id);
        let mut out = Vec::new();
        for q in self.store().quads(None, Some(nn(cc::ON_ITEM)), Some(item.as_ref().into()), Some(audit.into()))? {
            let NamedOrBlankNode::NamedNode(act) = q.subject else {
                continue;
            };
            let props = self.store().quads(Some(act.as_ref().into()), None, None, Some(audit.into()))?;
            let mut e = HistoryEntry {
                activity: act.as_str().to_owned(),
                kind: String::new(),
                user: String::new(),
                time: DateTime::<Utc>::MIN_UTC,
                comment: None,
                revision: None,
                from: None,
                to: None,
            };
            for p in &props {
                let v = term_value(&p.object);
                match p.predicate.as_str() {
                    cc::ACTIVITY_KIND => e.kind = v.to_owned(),
                    prov::WAS_ASSOCIATED_WITH => e.user = v.rsplit('/').next().unwrap_or(v).to_owned(),
                    prov::STARTED_AT_TIME => e.time = term_datetime(&p.object).unwrap_or(e.time),
                    rdfs::COMMENT => e.comment = Some(v.to_owned()),
                    prov::USED => e.revision = v.rsplit_once("/rev/").and_then(|(_, n)| n.parse().ok()),
                    cc::FROM_STATE => e.from = State::from_iri(v),
                    cc::TO_STATE => e.to = State::from_iri(v),
                    _ => {}
                }
            }
            // A batch import activity names no revision: it made revision 1.
            if e.kind == "import" && e.revision.is_none() {
                e.revision = Some(1);
            }
            out.push(e);
        }
        out.sort_by(|a, b| a.time.cmp(&b.time).then(a.revision.cmp(&b.revision)));
        Ok(out)
    }

    /// The differences between revisions `a` and `b` of item `id`, field by field.
    pub fn compare_revisions(&self, actor: &Actor, id: &str, a: u32, b: u32) -> Result<Vec<FieldChange>> {
        actor.require("compare revisions", &[Role::Publisher, Role::Approver, Role::Admin])?;
        let st = self.item_status(id)?;
        if a == 0 || b == 0 {
            return Err(Error::invalid("revision", "revisions are numbered from 1"));
        }
        let ca = self.content_in(self.store(), &st, a)?;
        let cb = self.content_in(self.store(), &st, b)?;
        Ok(ca.diff(&cb))
    }
}
