//! PROV-O activities in the `audit` graph: who did what, when, why.

use crate::rdf::{lit, lit_datetime, nn};
use crate::roles::{Actor, Graph};
use crate::store::Kb;
use crate::write::WriteTx;
use chrono::{DateTime, Utc};
use ontologies::vocab::{cc, prov, rdf, rdfs};
use oxigraph::model::{NamedNode, Quad, Term};

/// What an activity is about and what it records.
pub(crate) struct ActivityRecord<'a> {
    /// Class of the activity (`cc:ItemActivity` or `cc:Change`).
    pub class: &'static str,
    /// Kind, e.g. `create`, `approve`, `rename`.
    pub kind: &'a str,
    /// The resource it is about (linked by `about`).
    pub about: &'a NamedNode,
    /// `cc:onItem` for items, `cc:onResource` otherwise.
    pub about_property: &'static str,
    /// Free comment.
    pub comment: Option<&'a str>,
    /// The revision or resource used.
    pub used: Option<&'a NamedNode>,
    /// State before.
    pub from: Option<&'static str>,
    /// State after.
    pub to: Option<&'static str>,
    /// A Turtle snapshot of the description before the change.
    pub snapshot: Option<String>,
}

impl Kb {
    /// The IRI of a user as a PROV agent.
    pub fn agent_iri(&self, username: &str) -> NamedNode {
        self.iri(&format!("id/user/{username}"))
    }

    /// Writes one activity in the audit graph and returns its IRI.
    pub(crate) fn record_activity(&self, w: &mut WriteTx<'_>, actor: &Actor, now: DateTime<Utc>, rec: ActivityRecord<'_>) -> NamedNode {
        let audit = self.graph(Graph::Audit).into_owned();
        let act = self.iri(&format!("id/activity/{}", uuid::Uuid::new_v4()));
        let mut add = |p: &'static str, o: Term| {
            w.put(Quad::new(act.clone(), nn(p), o, audit.clone()));
        };
        add(rdf::TYPE, nn(rec.class).into_owned().into());
        add(cc::ACTIVITY_KIND, lit(rec.kind).into());
        add(rec.about_property, rec.about.clone().into());
        add(prov::WAS_ASSOCIATED_WITH, self.agent_iri(&actor.username).into());
        add(prov::STARTED_AT_TIME, lit_datetime(now).into());
        add(prov::ENDED_AT_TIME, lit_datetime(now).into());
        if let Some(c) = rec.comment.map(str::trim).filter(|c| !c.is_empty()) {
            add(rdfs::COMMENT, lit(c).into());
        }
        if let Some(u) = rec.used {
            add(prov::USED, u.clone().into());
        }
        if let Some(s) = rec.from {
            add(cc::FROM_STATE, nn(s).into_owned().into());
        }
        if let Some(s) = rec.to {
            add(cc::TO_STATE, nn(s).into_owned().into());
        }
        if let Some(s) = rec.snapshot {
            add(cc::SNAPSHOT, lit(&s).into());
        }
        act
    }
}
