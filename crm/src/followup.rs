//! Call-backs (CRM-8) and return-call requests (CRM-13).
//!
//! A call-back is scheduled by an operator on a ticket, with a due time and
//! an assignee; the operator's list shows it until its outcome is recorded.
//! A return-call request is the switchboard's message for an employee who
//! could not be reached: who called, for whom, the message and the number;
//! the employee's office sees it until someone marks it done.

use crate::error::{Error, Result, require};
use crate::flow::Action;
use crate::ticket::local;
use crate::{Crm, normalize_phone, now};
use chrono::{DateTime, Utc};
use kb::rdf::{Reader, lit, lit_datetime, nn, term_datetime, term_value};
use kb::{Actor, Role};
use ontologies::vocab::{cc, dcterms, rdf, rdfs};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use serde::{Deserialize, Serialize};

const OPERATORS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin];

/// A scheduled call-back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallBack {
    /// Identifier.
    pub id: String,
    /// The ticket.
    pub ticket: String,
    /// Who is to call.
    pub assignee: String,
    /// Due.
    pub due: DateTime<Utc>,
    /// Note.
    pub note: String,
    /// When it was made.
    pub done_at: Option<DateTime<Utc>>,
    /// Outcome.
    pub outcome: Option<String>,
}

/// What the switchboard operator records for an absent employee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct NewReturnCall {
    /// Who called (name as given).
    pub caller_name: String,
    /// The caller's contact, if known.
    pub contact: Option<String>,
    /// The number to call back.
    pub phone: String,
    /// The employee asked for (staff number).
    pub person: String,
    /// The message.
    pub message: String,
}

/// A return-call request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnCall {
    /// Identifier.
    pub id: String,
    /// Who called.
    pub caller_name: String,
    /// The caller's contact.
    pub contact: Option<String>,
    /// Number to call back (E.164).
    pub phone: String,
    /// The employee (staff number).
    pub person: String,
    /// The employee's office (code).
    pub office: Option<String>,
    /// The message.
    pub message: String,
    /// Recorded at.
    pub created: DateTime<Utc>,
    /// Recorded by.
    pub created_by: String,
    /// Done at.
    pub done_at: Option<DateTime<Utc>>,
    /// Outcome.
    pub outcome: Option<String>,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_owned()
}

fn check_id(kind: &'static str, id: &str) -> Result<()> {
    crate::validate_contact_id(id).map_err(|_| Error::not_found(kind, id))
}

impl Crm {
    fn callback_iri(&self, id: &str) -> NamedNode {
        self.kb().iri(&format!("id/callback/{id}"))
    }

    fn return_call_iri(&self, id: &str) -> NamedNode {
        self.kb().iri(&format!("id/return-call/{id}"))
    }

    /// Schedules a call-back on a ticket for `assignee` (default: the actor).
    pub fn schedule_callback(
        &self,
        actor: &Actor,
        ticket: &str,
        due: DateTime<Utc>,
        note: &str,
        assignee: Option<&str>,
    ) -> Result<CallBack> {
        require(actor, "schedule call-backs", OPERATORS)?;
        let assignee = assignee.map(str::trim).filter(|a| !a.is_empty()).unwrap_or(&actor.username).to_owned();
        if assignee != actor.username && self.kb().user(&assignee)?.is_none() {
            return Err(Error::not_found("user", &assignee));
        }
        let t = self.read_ticket(self.kb().store(), ticket)?;
        if t.state.is_final() {
            return Err(Error::IllegalTransition { ticket: t.id, action: "schedule a call-back on", state: t.state.label() });
        }
        let id = new_id();
        let cb =
            CallBack { id: id.clone(), ticket: t.id.clone(), assignee, due, note: note.trim().to_owned(), done_at: None, outcome: None };
        let s = self.callback_iri(&id);
        let g = self.graph();
        let mut quads = Vec::new();
        let mut add = |p: &'static str, o: Term| quads.push(Quad::new(s.clone(), nn(p), o, g.clone()));
        add(rdf::TYPE, nn(cc::CALL_BACK).into_owned().into());
        add(cc::ON_TICKET, self.ticket_iri(&t.id).into());
        add(cc::ASSIGNEE, self.kb().agent_iri(&cb.assignee).into());
        add(cc::DUE_AT, lit_datetime(due).into());
        add(dcterms::CREATED, lit_datetime(now()).into());
        if !cb.note.is_empty() {
            add(rdfs::COMMENT, lit(&cb.note).into());
        }
        self.write(|w| {
            w.extend(&quads);
            Ok(())
        })?;
        self.act(
            actor,
            &t.id,
            None,
            Action::Note { text: format!("Richiamata pianificata per {} ({})", due.format("%d/%m/%Y %H:%M UTC"), cb.assignee) },
        )?;
        Ok(cb)
    }

    fn read_callback(&self, r: &impl Reader, id: &str) -> Result<Option<CallBack>> {
        let quads = r.quads(Some(self.callback_iri(id).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        if !quads.iter().any(|q| q.predicate.as_str() == rdf::TYPE && term_value(&q.object) == cc::CALL_BACK) {
            return Ok(None);
        }
        let mut cb = CallBack {
            id: id.to_owned(),
            ticket: String::new(),
            assignee: String::new(),
            due: now(),
            note: String::new(),
            done_at: None,
            outcome: None,
        };
        for q in &quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                cc::ON_TICKET => cb.ticket = local(v).to_owned(),
                cc::ASSIGNEE => cb.assignee = local(v).to_owned(),
                cc::DUE_AT => cb.due = term_datetime(&q.object).unwrap_or(cb.due),
                rdfs::COMMENT => cb.note = v.to_owned(),
                cc::DONE_AT => cb.done_at = term_datetime(&q.object),
                cc::OUTCOME => cb.outcome = Some(v.to_owned()),
                _ => {}
            }
        }
        Ok(Some(cb))
    }

    /// Records that a call-back was made, with its outcome.
    pub fn complete_callback(&self, actor: &Actor, id: &str, outcome: &str) -> Result<CallBack> {
        require(actor, "record call-backs", OPERATORS)?;
        check_id("call-back", id)?;
        let outcome = outcome.trim();
        if outcome.is_empty() {
            return Err(Error::MissingField { field: "outcome" });
        }
        let s = self.callback_iri(id);
        let g = self.graph();
        let cb = self.write(|w| {
            let cb = self.read_callback(w, id)?.ok_or_else(|| Error::not_found("call-back", id))?;
            if cb.done_at.is_some() {
                return Err(Error::invalid("call-back", "already recorded as done"));
            }
            let at = now();
            w.insert(&Quad::new(s.clone(), nn(cc::DONE_AT), lit_datetime(at), g.clone()));
            w.insert(&Quad::new(s.clone(), nn(cc::OUTCOME), lit(outcome), g.clone()));
            Ok(CallBack { done_at: Some(at), outcome: Some(outcome.to_owned()), ..cb })
        })?;
        self.act(actor, &cb.ticket, None, Action::Note { text: format!("Richiamata eseguita: {outcome}") })?;
        Ok(cb)
    }

    /// Call-backs, earliest due first: of one user, or of one ticket, open only or all.
    pub fn callbacks(&self, actor: &Actor, assignee: Option<&str>, ticket: Option<&str>, open_only: bool) -> Result<Vec<CallBack>> {
        require(actor, "read call-backs", OPERATORS)?;
        let store = self.kb().store();
        let g = self.graph();
        // The narrowest index: the ticket's, the assignee's, or every call-back.
        let (p, o): (&str, oxigraph::model::Term) = match (ticket, assignee) {
            (Some(t), _) => (cc::ON_TICKET, self.ticket_iri(t).into()),
            (None, Some(a)) => (cc::ASSIGNEE, self.kb().agent_iri(a).into()),
            (None, None) => (rdf::TYPE, nn(cc::CALL_BACK).into_owned().into()),
        };
        let prefix = self.kb().iri("id/callback/").into_string();
        let mut out = Vec::new();
        for q in store.quads(None, Some(nn(p)), Some(o.as_ref()), Some(g.as_ref().into()))? {
            let NamedOrBlankNode::NamedNode(s) = q.subject else { continue };
            let Some(id) = s.as_str().strip_prefix(prefix.as_str()) else { continue };
            if let Some(cb) = self.read_callback(store, id)?
                && (!open_only || cb.done_at.is_none())
                && assignee.is_none_or(|a| cb.assignee == a)
            {
                out.push(cb);
            }
        }
        out.sort_by_key(|c| c.due);
        Ok(out)
    }

    /// Records a return-call request for an employee of the organisation chart.
    pub fn create_return_call(&self, actor: &Actor, new: &NewReturnCall) -> Result<ReturnCall> {
        require(actor, "record return-call requests", OPERATORS)?;
        let caller = new.caller_name.trim();
        if caller.is_empty() {
            return Err(Error::MissingField { field: "caller_name" });
        }
        let message = new.message.trim();
        if message.chars().count() > crate::ticket::MAX_TEXT_CHARS {
            return Err(Error::invalid("message", "too long"));
        }
        let phone = normalize_phone(&new.phone)?;
        let person_iri = self.kb().person_iri(new.person.trim());
        let person = self.kb().person_by_iri(person_iri.as_str())?.ok_or_else(|| Error::not_found("person", new.person.trim()))?;
        let contact = match new.contact.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(self.read_contact(c)?.ok_or_else(|| Error::not_found("contact", c))?.id),
            None => None,
        };
        let id = new_id();
        let created = now();
        let rc = ReturnCall {
            id: id.clone(),
            caller_name: caller.to_owned(),
            contact,
            phone,
            person: person.staff_number.clone(),
            office: person.office.clone(),
            message: message.to_owned(),
            created,
            created_by: actor.username.clone(),
            done_at: None,
            outcome: None,
        };
        let s = self.return_call_iri(&id);
        let g = self.graph();
        let mut quads = Vec::new();
        let mut add = |p: &'static str, o: Term| quads.push(Quad::new(s.clone(), nn(p), o, g.clone()));
        add(rdf::TYPE, nn(cc::RETURN_CALL_REQUEST).into_owned().into());
        add(ontologies::vocab::vcard::FN, lit(&rc.caller_name).into());
        if let Some(c) = &rc.contact {
            add(cc::CALLER, self.contact_iri(c).into());
        }
        add(cc::CALLBACK_NUMBER, lit(&rc.phone).into());
        add(cc::FOR_PERSON, person_iri.into());
        if let Some(o) = &rc.office {
            add(cc::ASSIGNED_OFFICE, self.kb().office_iri(o).into());
        }
        add(rdfs::COMMENT, lit(&rc.message).into());
        add(dcterms::CREATED, lit_datetime(created).into());
        add(dcterms::CREATOR, self.kb().agent_iri(&actor.username).into());
        self.write(|w| {
            w.extend(&quads);
            Ok(())
        })?;
        Ok(rc)
    }

    fn read_return_call(&self, r: &impl Reader, id: &str) -> Result<Option<ReturnCall>> {
        let quads = r.quads(Some(self.return_call_iri(id).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        if !quads.iter().any(|q| q.predicate.as_str() == rdf::TYPE && term_value(&q.object) == cc::RETURN_CALL_REQUEST) {
            return Ok(None);
        }
        let mut rc = ReturnCall {
            id: id.to_owned(),
            caller_name: String::new(),
            contact: None,
            phone: String::new(),
            person: String::new(),
            office: None,
            message: String::new(),
            created: now(),
            created_by: String::new(),
            done_at: None,
            outcome: None,
        };
        for q in &quads {
            let v = term_value(&q.object);
            match q.predicate.as_str() {
                ontologies::vocab::vcard::FN => rc.caller_name = v.to_owned(),
                cc::CALLER => rc.contact = Some(local(v).to_owned()),
                cc::CALLBACK_NUMBER => rc.phone = v.to_owned(),
                cc::FOR_PERSON => rc.person = local(v).to_owned(),
                cc::ASSIGNED_OFFICE => rc.office = Some(local(v).to_owned()),
                rdfs::COMMENT => rc.message = v.to_owned(),
                dcterms::CREATED => rc.created = term_datetime(&q.object).unwrap_or(rc.created),
                dcterms::CREATOR => rc.created_by = local(v).to_owned(),
                cc::DONE_AT => rc.done_at = term_datetime(&q.object),
                cc::OUTCOME => rc.outcome = Some(v.to_owned()),
                _ => {}
            }
        }
        Ok(Some(rc))
    }

    fn may_see_return_call(actor: &Actor, rc: &ReturnCall) -> bool {
        actor.roles.has_any(OPERATORS) || (actor.roles.has(Role::Office) && actor.office.is_some() && actor.office == rc.office)
    }

    /// Return-call requests, newest first: operators see all, office staff
    /// their office's.
    pub fn return_calls(&self, actor: &Actor, open_only: bool) -> Result<Vec<ReturnCall>> {
        require(actor, "read return-call requests", &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Office])?;
        let store = self.kb().store();
        let g = self.graph();
        let subjects: Vec<NamedNode> = if actor.roles.has_any(OPERATORS) {
            store.quads(None, Some(nn(rdf::TYPE)), Some(nn(cc::RETURN_CALL_REQUEST).into()), Some(g.as_ref().into()))?
        } else {
            match &actor.office {
                Some(o) => store.quads(
                    None,
                    Some(nn(cc::ASSIGNED_OFFICE)),
                    Some(self.kb().office_iri(o).as_ref().into()),
                    Some(g.as_ref().into()),
                )?,
                None => Vec::new(),
            }
        }
        .into_iter()
        .filter_map(|q| if let NamedOrBlankNode::NamedNode(n) = q.subject { Some(n) } else { None })
        .filter(|s| s.as_str().contains("/id/return-call/"))
        .collect();
        let mut out = Vec::new();
        for s in subjects {
            if let Some(rc) = self.read_return_call(store, local(s.as_str()))?
                && Self::may_see_return_call(actor, &rc)
                && (!open_only || rc.done_at.is_none())
            {
                out.push(rc);
            }
        }
        out.sort_by_key(|rc| std::cmp::Reverse(rc.created));
        Ok(out)
    }

    /// Marks a return-call request done (the employee called back).
    pub fn complete_return_call(&self, actor: &Actor, id: &str, outcome: &str) -> Result<ReturnCall> {
        check_id("return-call request", id)?;
        let s = self.return_call_iri(id);
        let g = self.graph();
        self.write(|w| {
            let rc = self.read_return_call(w, id)?.ok_or_else(|| Error::not_found("return-call request", id))?;
            if !Self::may_see_return_call(actor, &rc) {
                return Err(Error::Forbidden {
                    action: "close this return-call request",
                    needed: "to be an operator or staff of the employee's office".into(),
                });
            }
            if rc.done_at.is_some() {
                return Err(Error::invalid("return-call request", "already done"));
            }
            let at = now();
            w.insert(&Quad::new(s.clone(), nn(cc::DONE_AT), lit_datetime(at), g.clone()));
            let outcome = outcome.trim();
            if !outcome.is_empty() {
                w.insert(&Quad::new(s.clone(), nn(cc::OUTCOME), lit(outcome), g.clone()));
            }
            Ok(ReturnCall { done_at: Some(at), outcome: (!outcome.is_empty()).then(|| outcome.to_owned()), ..rc })
        })
    }
}
