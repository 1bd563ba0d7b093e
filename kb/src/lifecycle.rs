//! The life cycle of knowledge items: create, edit (as new revisions),
//! submit, approve, reject, archive, restore; plus bulk publication.
//!
//! Where a revision's content lives:
//! - the working revision (draft or in review): subject `…/rev/N` in `kb/workspace`;
//! - the published (or archived) revision: the item IRI in `kb/published`;
//! - older revisions: subject `…/rev/N` in `audit`, next to the metadata
//!   (author, time, predecessor) that `audit` keeps for every revision.
//!
//! The item record (identifier, creator, state, revision pointers) is the
//! item IRI in `kb/workspace`.

use crate::activity::ActivityRecord;
use crate::error::{Error, Result};
use crate::item::{ItemContent, State, item_iri, revision_iri, validate_identifier};
use crate::rdf::{Reader, lit, lit_datetime, lit_int, nn, term_datetime};
use crate::revisions::ItemStatus;
use crate::roles::{Actor, Graph, Role};
use crate::store::Kb;
use crate::write::WriteTx;
use chrono::{DateTime, Utc};
use ontologies::vocab::{cc, dcterms, prov, rdf, rdfs};
use oxigraph::model::{NamedNode, Quad, Term};
use std::sync::atomic::Ordering;

const WRITERS: &[Role] = &[Role::Publisher, Role::Admin];
const APPROVERS: &[Role] = &[Role::Approver, Role::Admin];

impl Kb {
    fn ws(&self) -> NamedNode {
        self.graph(Graph::KbWorkspace).into_owned()
    }

    fn quad(&self, s: &NamedNode, p: &'static str, o: impl Into<Term>, g: Graph) -> Quad {
        Quad::new(s.clone(), nn(p), o.into(), self.graph(g).into_owned())
    }

    /// Replaces the values of `s p` in graph `g` with `o`.
    fn set_one(&self, w: &mut WriteTx<'_>, s: &NamedNode, p: &'static str, o: Option<Term>, g: Graph) -> Result<()> {
        for q in w.quads(Some(s.as_ref().into()), Some(nn(p)), None, Some(self.graph(g).into()))? {
            w.remove(&q);
        }
        if let Some(o) = o {
            w.put(self.quad(s, p, o, g));
        }
        Ok(())
    }

    /// Creates an item as a draft (revision 1) with the next free identifier.
    #[tracing::instrument(skip_all, fields(user = %actor.username), err(level = "debug"))]
    pub fn create_item(&self, actor: &Actor, content: &ItemContent) -> Result<String> {
        actor.require("create items", WRITERS)?;
        self.write(|w| {
            let pairs = content.to_pairs(self, w, false)?;
            let id = self.allocate_id(w)?;
            self.insert_new_item(w, actor, Utc::now(), &id, pairs, State::Draft, None)?;
            Ok(id)
        })
    }

    /// Creates a draft derived from another resource, such as a resolved
    /// ticket (KB-3, implicit feeding): second-level operators may propose
    /// knowledge this way, and the draft then follows the approval
    /// workflow. The first revision records `prov:wasDerivedFrom` the source.
    pub fn propose_item(&self, actor: &Actor, content: &ItemContent, derived_from: &NamedNode, comment: &str) -> Result<String> {
        actor.require("propose knowledge", &[Role::Publisher, Role::Admin, Role::OperatorL2])?;
        self.write(|w| {
            let pairs = content.to_pairs(self, w, false)?;
            let id = self.allocate_id(w)?;
            self.insert_new_item(w, actor, Utc::now(), &id, pairs, State::Draft, None)?;
            let rev = revision_iri(self, &id, 1);
            w.put(self.quad(&rev, prov::WAS_DERIVED_FROM, derived_from.clone(), Graph::Audit));
            if !comment.trim().is_empty() {
                w.put(self.quad(&rev, rdfs::COMMENT, lit(comment.trim()), Graph::Audit));
            }
            Ok(id)
        })
    }

    /// Creates an item as a draft with an identifier chosen by the caller.
    pub fn create_item_with_id(&self, actor: &Actor, id: &str, content: &ItemContent) -> Result<()> {
        actor.require("create items", WRITERS)?;
        validate_identifier(id)?;
        self.write(|w| {
            let pairs = content.to_pairs(self, w, false)?;
            if w.describes(item_iri(self, id).as_ref(), self.graph(Graph::KbWorkspace))? {
                return Err(Error::AlreadyExists { kind: "item", id: id.to_owned() });
            }
            self.insert_new_item(w, actor, Utc::now(), id, pairs, State::Draft, None)
        })
    }

    fn allocate_id(&self, w: &WriteTx<'_>) -> Result<String> {
        loop {
            let n = self.inner.next_item_number.fetch_add(1, Ordering::SeqCst);
            let id = format!("{}-{n:04}", self.config().id_prefix);
            if !w.describes(item_iri(self, &id).as_ref(), self.graph(Graph::KbWorkspace))? {
                return Ok(id);
            }
        }
    }

    /// Writes a new item with revision 1, as a draft or directly published
    /// (imports). `activity` reuses a batch activity instead of one per item.
    #[allow(clippy::too_many_arguments)]
    fn insert_new_item(
        &self,
        w: &mut WriteTx<'_>,
        actor: &Actor,
        now: DateTime<Utc>,
        id: &str,
        pairs: Vec<(NamedNode, Term)>,
        state: State,
        activity: Option<&NamedNode>,
    ) -> Result<()> {
        let item = item_iri(self, id);
        let rev = revision_iri(self, id, 1);
        let agent = self.agent_iri(&actor.username);
        let act = match activity {
            Some(a) => {
                w.put(self.quad(a, cc::ON_ITEM, item.clone(), Graph::Audit));
                a.clone()
            }
            None => self.record_activity(
                w,
                actor,
                now,
                ActivityRecord {
                    class: cc::ITEM_ACTIVITY,
                    kind: "create",
                    about: &item,
                    about_property: cc::ON_ITEM,
                    comment: None,
                    used: Some(&rev),
                    from: None,
                    to: Some(state.iri()),
                    snapshot: None,
                },
            ),
        };
        // Item record.
        for (p, o) in [
            (rdf::TYPE, Term::from(nn(cc::KNOWLEDGE_ITEM).into_owned())),
            (dcterms::IDENTIFIER, lit(id).into()),
            (dcterms::CREATOR, agent.clone().into()),
            (dcterms::CREATED, lit_datetime(now).into()),
            (cc::LAST_REVISION_NUMBER, lit_int(1).into()),
            (cc::STATE_PROP, nn(state.iri()).into_owned().into()),
        ] {
            w.put(self.quad(&item, p, o, Graph::KbWorkspace));
        }
        self.insert_revision_meta(w, id, 1, &agent, now, &act, None);
        if state == State::Published {
            w.put(self.quad(&item, cc::PUBLISHED_REVISION, rev.clone(), Graph::KbWorkspace));
            self.insert_published(w, &item, id, &rev, &agent, now, now, &pairs);
        } else {
            w.put(self.quad(&item, cc::WORKING_REVISION, rev.clone(), Graph::KbWorkspace));
            self.insert_working(w, &item, &rev, 1, state, &pairs);
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_published(
        &self,
        w: &mut WriteTx<'_>,
        item: &NamedNode,
        id: &str,
        rev: &NamedNode,
        creator: &NamedNode,
        created: DateTime<Utc>,
        now: DateTime<Utc>,
        pairs: &[(NamedNode, Term)],
    ) {
        let g = self.graph(Graph::KbPublished).into_owned();
        for (p, o) in [
            (rdf::TYPE, Term::from(nn(cc::KNOWLEDGE_ITEM).into_owned())),
            (dcterms::IDENTIFIER, lit(id).into()),
            (cc::STATE_PROP, nn(cc::PUBLISHED).into_owned().into()),
            (cc::PUBLISHED_REVISION, rev.clone().into()),
            (dcterms::CREATOR, creator.clone().into()),
            (dcterms::CREATED, lit_datetime(created).into()),
            (dcterms::MODIFIED, lit_datetime(now).into()),
        ] {
            w.put(Quad::new(item.clone(), nn(p), o, g.clone()));
        }
        for (p, o) in pairs {
            w.put(Quad::new(item.clone(), p.clone(), o.clone(), g.clone()));
        }
    }

    fn insert_working(&self, w: &mut WriteTx<'_>, item: &NamedNode, rev: &NamedNode, n: u32, state: State, pairs: &[(NamedNode, Term)]) {
        let g = self.ws();
        for (p, o) in [
            (rdf::TYPE, Term::from(nn(cc::REVISION).into_owned())),
            (cc::REVISION_OF, item.clone().into()),
            (cc::REVISION_NUMBER, lit_int(n.into()).into()),
            (cc::STATE_PROP, nn(state.iri()).into_owned().into()),
        ] {
            w.put(Quad::new(rev.clone(), nn(p), o, g.clone()));
        }
        for (p, o) in pairs {
            w.put(Quad::new(rev.clone(), p.clone(), o.clone(), g.clone()));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_revision_meta(
        &self,
        w: &mut WriteTx<'_>,
        id: &str,
        n: u32,
        agent: &NamedNode,
        now: DateTime<Utc>,
        act: &NamedNode,
        previous: Option<u32>,
    ) {
        let rev = revision_iri(self, id, n);
        let item = item_iri(self, id);
        let mut quads = vec![
            self.quad(&rev, rdf::TYPE, nn(cc::REVISION).into_owned(), Graph::Audit),
            self.quad(&rev, cc::REVISION_OF, item, Graph::Audit),
            self.quad(&rev, cc::REVISION_NUMBER, lit_int(n.into()), Graph::Audit),
            self.quad(&rev, prov::WAS_ATTRIBUTED_TO, agent.clone(), Graph::Audit),
            self.quad(&rev, prov::GENERATED_AT_TIME, lit_datetime(now), Graph::Audit),
            self.quad(&rev, prov::WAS_GENERATED_BY, act.clone(), Graph::Audit),
        ];
        if let Some(p) = previous {
            quads.push(self.quad(&rev, prov::WAS_REVISION_OF, revision_iri(self, id, p), Graph::Audit));
        }
        for q in quads {
            w.put(q);
        }
    }

    /// Moves the content of a revision from its current place to `audit`.
    fn archive_content(&self, w: &mut WriteTx<'_>, from_subject: &NamedNode, from: Graph, rev: &NamedNode) -> Result<()> {
        let quads = w.remove_subject(from_subject.as_ref(), self.graph(from))?;
        let content = ItemContent::from_quads(&quads);
        let keep: Vec<Quad> = quads
            .into_iter()
            .filter(|q| is_content_predicate(q.predicate.as_str()))
            .map(|q| Quad::new(rev.clone(), q.predicate, q.object, self.graph(Graph::Audit).into_owned()))
            .collect();
        debug_assert!(!content.title.is_empty() || keep.is_empty());
        w.extend(keep.iter());
        Ok(())
    }

    /// Inside a write: creates an item (draft, or published for an
    /// administrator's import) with `id` or the next free identifier, and
    /// links it to the batch `activity` if given. Returns the identifier.
    pub fn create_item_in(
        &self,
        w: &mut WriteTx<'_>,
        actor: &Actor,
        id: Option<&str>,
        content: &ItemContent,
        state: State,
        activity: Option<&NamedNode>,
    ) -> Result<String> {
        match state {
            State::Draft => actor.require("create items", WRITERS)?,
            State::Published => actor.require("publish without review", &[Role::Admin])?,
            _ => return Err(Error::invalid("state", "new items are drafts or published")),
        }
        let pairs = content.to_pairs(self, w, state == State::Published)?;
        let id = match id {
            Some(id) => {
                validate_identifier(id)?;
                if w.describes(item_iri(self, id).as_ref(), self.graph(Graph::KbWorkspace))? {
                    return Err(Error::AlreadyExists { kind: "item", id: id.to_owned() });
                }
                id.to_owned()
            }
            None => self.allocate_id(w)?,
        };
        self.insert_new_item(w, actor, Utc::now(), &id, pairs, state, activity)?;
        if state == State::Published {
            w.fresh.push((id.clone(), content.normalized()));
        }
        Ok(id)
    }

    /// Inside a write: an administrator's import replaces the published
    /// content of `id` with `content` as a new revision, published at once
    /// (the previous one moves to the audit graph). Returns the new
    /// revision, or `None` when the content is unchanged.
    pub fn republish_in(
        &self,
        w: &mut WriteTx<'_>,
        actor: &Actor,
        id: &str,
        content: &ItemContent,
        activity: &NamedNode,
    ) -> Result<Option<u32>> {
        actor.require("publish without review", &[Role::Admin])?;
        let st = self.status_in(w, id)?;
        let Some(p) = st.published_revision else {
            return Err(Error::IllegalTransition { item: id.into(), action: "republish", state: st.state.to_string() });
        };
        if st.working.is_some_and(|(_, s)| s == State::InReview) {
            return Err(Error::IllegalTransition { item: id.into(), action: "republish", state: "in review".into() });
        }
        if self.content_in(w, &st, p)? == content.normalized() {
            return Ok(None);
        }
        let pairs = content.to_pairs(self, w, true)?;
        let item = item_iri(self, id);
        let n = st.last_revision + 1;
        let rev = revision_iri(self, id, n);
        let ws = self.graph(Graph::KbWorkspace);
        let creator = w
            .object(item.as_ref(), dcterms::CREATOR, ws)?
            .and_then(|t| match t {
                Term::NamedNode(n) => Some(n),
                _ => None,
            })
            .unwrap_or_else(|| self.agent_iri(&actor.username));
        let created = w.object(item.as_ref(), dcterms::CREATED, ws)?.and_then(|t| term_datetime(&t)).unwrap_or_else(Utc::now);
        let now = Utc::now();
        self.archive_content(w, &item, Graph::KbPublished, &revision_iri(self, id, p))?;
        self.insert_published(w, &item, id, &rev, &creator, created, now, &pairs);
        let agent = self.agent_iri(&actor.username);
        self.insert_revision_meta(w, id, n, &agent, now, activity, Some(p));
        w.put(self.quad(activity, cc::ON_ITEM, item.clone(), Graph::Audit));
        self.set_one(w, &item, cc::PUBLISHED_REVISION, Some(rev.into()), Graph::KbWorkspace)?;
        self.set_one(w, &item, cc::LAST_REVISION_NUMBER, Some(lit_int(n.into()).into()), Graph::KbWorkspace)?;
        self.set_one(w, &item, cc::STATE_PROP, Some(nn(cc::PUBLISHED).into_owned().into()), Graph::KbWorkspace)?;
        Ok(Some(n))
    }

    /// Inside a write: records one activity for a batch (an import) and
    /// returns its IRI, to pass to [`Kb::create_item_in`] and [`Kb::republish_in`].
    pub fn batch_activity_in(&self, w: &mut WriteTx<'_>, actor: &Actor, kind: &str, comment: Option<&str>) -> NamedNode {
        let batch = self.iri("id/kb");
        self.record_activity(
            w,
            actor,
            Utc::now(),
            ActivityRecord {
                class: cc::ITEM_ACTIVITY,
                kind,
                about: &batch,
                about_property: cc::ON_RESOURCE,
                comment,
                used: None,
                from: None,
                to: None,
                snapshot: None,
            },
        )
    }

    /// Inside a write: saves `content` as a new draft revision of `id`
    /// based on revision `based_on` (see [`Kb::edit_item`]).
    pub fn edit_item_in(&self, w: &mut WriteTx<'_>, actor: &Actor, id: &str, based_on: u32, content: &ItemContent) -> Result<u32> {
        actor.require("edit items", WRITERS)?;
        self.new_working_revision(w, actor, id, based_on, content, "edit", None)
    }

    /// Saves `content` as a new draft revision based on `based_on`.
    /// Returns the new revision number (or `based_on` when nothing changed).
    #[tracing::instrument(skip_all, fields(user = %actor.username, item = id), err(level = "debug"))]
    pub fn edit_item(&self, actor: &Actor, id: &str, based_on: u32, content: &ItemContent) -> Result<u32> {
        actor.require("edit items", WRITERS)?;
        self.write(|w| self.new_working_revision(w, actor, id, based_on, content, "edit", None))
    }

    /// Restores the content of revision `revision` as a new draft, based on
    /// the current revision `based_on`. Also brings back an archived item.
    pub fn restore_revision(&self, actor: &Actor, id: &str, revision: u32, based_on: u32) -> Result<u32> {
        actor.require("restore revisions", WRITERS)?;
        self.write(|w| {
            let st = self.status_in(w, id)?;
            let content = self.content_in(w, &st, revision)?;
            self.new_working_revision(w, actor, id, based_on, &content, "restore", Some(revision))
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn new_working_revision(
        &self,
        w: &mut WriteTx<'_>,
        actor: &Actor,
        id: &str,
        based_on: u32,
        content: &ItemContent,
        kind: &'static str,
        restored_from: Option<u32>,
    ) -> Result<u32> {
        let st = self.status_in(w, id)?;
        let item = item_iri(self, id);
        match st.working {
            Some((_, State::InReview)) => {
                return Err(Error::IllegalTransition { item: id.into(), action: kind, state: "in review".into() });
            }
            Some((n, _)) if n != based_on => {
                return Err(Error::StaleRevision { item: id.into(), based_on, current: n });
            }
            None if st.state == State::Archived && restored_from.is_none() => {
                return Err(Error::IllegalTransition { item: id.into(), action: kind, state: "archived".into() });
            }
            None if st.published_revision.is_some_and(|p| p != based_on) => {
                return Err(Error::StaleRevision { item: id.into(), based_on, current: st.published_revision.unwrap_or_default() });
            }
            _ => {}
        }
        let pairs = content.to_pairs(self, w, false)?;
        if restored_from.is_none() && self.content_in(w, &st, based_on)? == content.normalized() {
            return Ok(based_on);
        }
        let now = Utc::now();
        let n = st.last_revision + 1;
        let rev = revision_iri(self, id, n);
        if let Some((old, _)) = st.working {
            let old_rev = revision_iri(self, id, old);
            self.archive_content(w, &old_rev, Graph::KbWorkspace, &old_rev)?;
        }
        let comment = restored_from.map(|r| format!("restored from revision {r}"));
        let act = self.record_activity(
            w,
            actor,
            now,
            ActivityRecord {
                class: cc::ITEM_ACTIVITY,
                kind,
                about: &item,
                about_property: cc::ON_ITEM,
                comment: comment.as_deref(),
                used: Some(&rev),
                from: None,
                to: Some(cc::DRAFT),
                snapshot: None,
            },
        );
        let agent = self.agent_iri(&actor.username);
        self.insert_revision_meta(w, id, n, &agent, now, &act, Some(based_on));
        self.insert_working(w, &item, &rev, n, State::Draft, &pairs);
        self.set_one(w, &item, cc::WORKING_REVISION, Some(rev.into()), Graph::KbWorkspace)?;
        self.set_one(w, &item, cc::LAST_REVISION_NUMBER, Some(lit_int(n.into()).into()), Graph::KbWorkspace)?;
        if st.state == State::InReview {
            self.set_one(w, &item, cc::STATE_PROP, Some(nn(cc::DRAFT).into_owned().into()), Graph::KbWorkspace)?;
        }
        Ok(n)
    }

    /// Submits the working draft for review. The draft must be publishable
    /// (title, answer and classification present, references valid).
    #[tracing::instrument(skip_all, fields(user = %actor.username, item = id), err(level = "debug"))]
    pub fn submit_item(&self, actor: &Actor, id: &str, comment: Option<&str>) -> Result<()> {
        actor.require("submit items", WRITERS)?;
        self.write(|w| {
            let st = self.status_in(w, id)?;
            let Some((n, State::Draft)) = st.working else {
                return Err(self.illegal(&st, "submit"));
            };
            self.content_in(w, &st, n)?.to_pairs(self, w, true)?;
            self.change_working_state(w, actor, &st, n, State::Draft, State::InReview, "submit", comment)
        })
    }

    /// Rejects the revision under review back to draft. A comment is required.
    #[tracing::instrument(skip_all, fields(user = %actor.username, item = id), err(level = "debug"))]
    pub fn reject_item(&self, actor: &Actor, id: &str, comment: &str) -> Result<()> {
        actor.require("reject items", APPROVERS)?;
        if comment.trim().is_empty() {
            return Err(Error::MissingField { field: "comment" });
        }
        self.write(|w| {
            let st = self.status_in(w, id)?;
            let Some((n, State::InReview)) = st.working else {
                return Err(self.illegal(&st, "reject"));
            };
            self.change_working_state(w, actor, &st, n, State::InReview, State::Draft, "reject", Some(comment))
        })
    }

    fn illegal(&self, st: &ItemStatus, action: &'static str) -> Error {
        let state = match st.working {
            Some((_, State::Draft)) if st.published_revision.is_some() => {
                format!("{} with a draft revision that was never submitted", st.state)
            }
            Some((_, State::Draft)) => "a draft that was never submitted".into(),
            Some((_, s)) => s.to_string(),
            None => format!("{} with no revision awaiting action", st.state),
        };
        Error::IllegalTransition { item: st.id.clone(), action, state }
    }

    #[allow(clippy::too_many_arguments)]
    fn change_working_state(
        &self,
        w: &mut WriteTx<'_>,
        actor: &Actor,
        st: &ItemStatus,
        n: u32,
        from: State,
        to: State,
        kind: &'static str,
        comment: Option<&str>,
    ) -> Result<()> {
        let item = item_iri(self, &st.id);
        let rev = revision_iri(self, &st.id, n);
        self.set_one(w, &rev, cc::STATE_PROP, Some(nn(to.iri()).into_owned().into()), Graph::KbWorkspace)?;
        if st.published_revision.is_none() && st.state != State::Archived {
            self.set_one(w, &item, cc::STATE_PROP, Some(nn(to.iri()).into_owned().into()), Graph::KbWorkspace)?;
        }
        self.record_activity(
            w,
            actor,
            Utc::now(),
            ActivityRecord {
                class: cc::ITEM_ACTIVITY,
                kind,
                about: &item,
                about_property: cc::ON_ITEM,
                comment,
                used: Some(&rev),
                from: Some(from.iri()),
                to: Some(to.iri()),
                snapshot: None,
            },
        );
        Ok(())
    }

    /// Approves the revision under review: it replaces the published one
    /// (if any) in one transaction. The approver may not be its author
    /// when the four-eyes rule is on.
    #[tracing::instrument(skip_all, fields(user = %actor.username, item = id), err(level = "debug"))]
    pub fn approve_item(&self, actor: &Actor, id: &str, comment: Option<&str>) -> Result<()> {
        actor.require("approve items", APPROVERS)?;
        self.write(|w| {
            let st = self.status_in(w, id)?;
            let Some((n, State::InReview)) = st.working else {
                return Err(self.illegal(&st, "approve"));
            };
            if self.config().four_eyes && self.revision_author(w, id, n)?.as_deref() == Some(actor.username.as_str()) {
                return Err(Error::SelfApproval { item: id.into(), revision: n, user: actor.username.clone() });
            }
            let pairs = self.content_in(w, &st, n)?.to_pairs(self, w, true)?;
            let item = item_iri(self, id);
            let rev = revision_iri(self, id, n);
            let ws = self.graph(Graph::KbWorkspace);
            let creator = w
                .object(item.as_ref(), dcterms::CREATOR, ws)?
                .and_then(|t| match t {
                    Term::NamedNode(n) => Some(n),
                    _ => None,
                })
                .unwrap_or_else(|| self.agent_iri(&actor.username));
            let created = w.object(item.as_ref(), dcterms::CREATED, ws)?.and_then(|t| term_datetime(&t)).unwrap_or_else(Utc::now);
            if let Some(p) = st.published_revision {
                let old = revision_iri(self, id, p);
                self.archive_content(w, &item, Graph::KbPublished, &old)?;
            }
            w.remove_subject(rev.as_ref(), ws)?;
            let now = Utc::now();
            self.insert_published(w, &item, id, &rev, &creator, created, now, &pairs);
            self.set_one(w, &item, cc::WORKING_REVISION, None, Graph::KbWorkspace)?;
            self.set_one(w, &item, cc::PUBLISHED_REVISION, Some(rev.clone().into()), Graph::KbWorkspace)?;
            self.set_one(w, &item, cc::STATE_PROP, Some(nn(cc::PUBLISHED).into_owned().into()), Graph::KbWorkspace)?;
            self.record_activity(
                w,
                actor,
                now,
                ActivityRecord {
                    class: cc::ITEM_ACTIVITY,
                    kind: "approve",
                    about: &item,
                    about_property: cc::ON_ITEM,
                    comment,
                    used: Some(&rev),
                    from: Some(cc::IN_REVIEW),
                    to: Some(cc::PUBLISHED),
                    snapshot: None,
                },
            );
            Ok(())
        })
    }

    /// Archives a published item: operators no longer see it.
    #[tracing::instrument(skip_all, fields(user = %actor.username, item = id), err(level = "debug"))]
    pub fn archive_item(&self, actor: &Actor, id: &str, comment: Option<&str>) -> Result<()> {
        actor.require("archive items", &[Role::Publisher, Role::Approver, Role::Admin])?;
        self.write(|w| {
            let st = self.status_in(w, id)?;
            if st.state != State::Published {
                return Err(Error::IllegalTransition { item: id.into(), action: "archive", state: st.state.to_string() });
            }
            let item = item_iri(self, id);
            self.set_one(w, &item, cc::STATE_PROP, Some(nn(cc::ARCHIVED).into_owned().into()), Graph::KbPublished)?;
            self.set_one(w, &item, cc::STATE_PROP, Some(nn(cc::ARCHIVED).into_owned().into()), Graph::KbWorkspace)?;
            let rev = st.published_revision.map(|p| revision_iri(self, id, p));
            self.record_activity(
                w,
                actor,
                Utc::now(),
                ActivityRecord {
                    class: cc::ITEM_ACTIVITY,
                    kind: "archive",
                    about: &item,
                    about_property: cc::ON_ITEM,
                    comment,
                    used: rev.as_ref(),
                    from: Some(cc::PUBLISHED),
                    to: Some(cc::ARCHIVED),
                    snapshot: None,
                },
            );
            Ok(())
        })
    }

    /// Publishes many new items at once (initial load by an administrator):
    /// one transaction and one activity for the whole batch. `id` may be
    /// given (imports) or allocated.
    #[tracing::instrument(skip_all, fields(user = %actor.username, items = items.len()), err(level = "debug"))]
    pub fn publish_bulk(&self, actor: &Actor, items: &[(Option<String>, ItemContent)], comment: Option<&str>) -> Result<Vec<String>> {
        actor.require("publish in bulk", &[Role::Admin])?;
        self.write_bulk(|w| {
            w.reserve_items(items.len());
            let act = self.batch_activity_in(w, actor, "import", comment);
            items.iter().map(|(id, content)| self.create_item_in(w, actor, id.as_deref(), content, State::Published, Some(&act))).collect()
        })
    }
}

/// Whether a predicate carries item content (as opposed to metadata).
pub(crate) fn is_content_predicate(p: &str) -> bool {
    matches!(
        p,
        dcterms::TITLE
            | dcterms::SUBJECT
            | cc::QUESTION
            | cc::ANSWER
            | cc::TAG
            | cc::COMPETENT_OFFICE
            | cc::CONTACT_PERSON
            | cc::LEGAL_REFERENCE
            | cc::WEB_LINK
            | cc::FORM
            | cc::VALID_FROM
            | cc::VALID_UNTIL
            | cc::LEVEL_PROP
            | cc::AUDIENCE
    ) || p == ontologies::vocab::skos::ALT_LABEL
}
