//! The path of a ticket (Allegato A of the tender):
//!
//! ```text
//! phone ─► at_l1 ─close─► closed (L1, first contact)
//! offline ─► new ─take_in_charge─► at_l1
//!   at_l1 ─transfer_to_l2 (live, with the call)─► at_l2
//!   at_l1 ─assign_to_l2─► l2_inbox ─take─► at_l2
//!   at_l2 ─close (call-back, answer)─► closed (L2)
//!   at_l2 ─forward_to_office─► at_office
//!   at_office ─office_answer─► office_answered ─close─► closed (office)
//!   at_office ─office_reject (reason, suggested office)─► l3_triage
//!   l3_triage ─forward_to_office─► at_office ...
//!   new | at_l1 ─request_data (e-mail)─► incomplete ("Risolto I livello")
//!   incomplete ─citizen_reply complete─► at_l1
//!   incomplete ─citizen_reply still incomplete (final e-mail)─► closed
//!   closed ─reopen (a new contact)─► at_l1
//!   any open state ─reject (on the administration's instruction)─► rejected
//! ```
//!
//! Every step is a `cc:TicketActivity` (a `prov:Activity`) in the `crm`
//! graph with agent, time, comment, from and to state, and the offices
//! involved; the ticket page shows them all.

pub use crate::action::Action;
use crate::contact::{READERS, WRITERS};
use crate::error::{Error, Result, require};
use crate::sla::Clock;
use crate::ticket::{Channel, MAX_TEXT_CHARS, NewTicket, ResolvedAt, Ticket, TicketId, TicketState, local};
use crate::{Contact, Crm, TicketFilter, now};
use chrono::{DateTime, Duration, Utc};
use kb::rdf::{Reader, lit, lit_datetime, lit_int, nn, term_datetime, term_value};
use kb::{Actor, Graph, Role};
use ontologies::vocab::{cc, prov, rdf, rdfs, skos};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use serde::Serialize;

/// Roles of the first level (L2 operators can do L1 work too).
const L1: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin];
/// Roles of the second and third level.
const L2: &[Role] = &[Role::OperatorL2, Role::Supervisor, Role::Admin];
/// Who may open tickets.
const OPENERS: &[Role] = &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Integration];

/// One step of a ticket's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user name).
    pub actor: String,
    /// What (`open`, `forward_to_office`, ...).
    pub kind: String,
    /// State before, if it changed.
    pub from: Option<TicketState>,
    /// State after, if it changed.
    pub to: Option<TicketState>,
    /// Comment, answer or reason.
    pub comment: Option<String>,
    /// Office forwarded to.
    pub office: Option<String>,
    /// Office suggested by a rejection.
    pub suggested_office: Option<String>,
}

/// A row of a ticket list: display fields and clocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketSummary {
    /// The ticket.
    pub ticket: Ticket,
    /// Requester's display name.
    pub contact_name: Option<String>,
    /// SLA clocks (offline requests).
    pub clocks: Vec<Clock>,
}

/// A ticket with everything its page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketPage {
    /// The ticket.
    pub ticket: Ticket,
    /// The requester.
    pub contact: Option<Contact>,
    /// Its path, oldest first.
    pub events: Vec<TicketEvent>,
    /// SLA clocks (offline requests).
    pub clocks: Vec<Clock>,
}

/// A listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketListing {
    /// Tickets matching.
    pub total: usize,
    /// The page.
    pub rows: Vec<TicketSummary>,
}

fn text(field: &'static str, value: &str, required: bool) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(Error::MissingField { field });
    }
    if v.chars().count() > MAX_TEXT_CHARS {
        return Err(Error::invalid(field, format!("longer than {MAX_TEXT_CHARS} characters")));
    }
    Ok(v.to_owned())
}

fn allowed(t: &Ticket, action: &'static str, states: &[TicketState]) -> Result<()> {
    if states.contains(&t.state) { Ok(()) } else { Err(Error::IllegalTransition { ticket: t.id.clone(), action, state: t.state.label() }) }
}

/// What one action changed, for the activity record.
struct Step {
    comment: Option<String>,
    office: Option<String>,
    suggested: Option<String>,
}

impl Crm {
    /// The IRI of a ticket.
    pub fn ticket_iri(&self, id: &str) -> NamedNode {
        self.kb().iri(&format!("id/ticket/{id}"))
    }

    fn counter_iri(&self, year: i32) -> NamedNode {
        self.kb().iri(&format!("id/ticket-counter/{year}"))
    }

    /// Resolves a classification concept given as IRI or local name.
    fn concept(&self, r: &impl Reader, value: &str) -> Result<String> {
        let v = value.trim();
        let iri = if v.contains(':') { v.to_owned() } else { self.kb().iri(&format!("id/concept/{v}")).as_str().to_owned() };
        let node = NamedNode::new(iri.clone()).map_err(|e| Error::invalid("concept", format!("{v:?}: {e}")))?;
        if !r.has(node.as_ref(), rdf::TYPE, nn(skos::CONCEPT).into(), self.kb().graph(Graph::Taxonomy))? {
            return Err(Error::not_found("concept", v));
        }
        Ok(iri)
    }

    fn office_exists(&self, r: &impl Reader, code: &str) -> Result<String> {
        let code = code.trim();
        if code.is_empty() || code.contains(['/', '<', '>', ' ', '"']) {
            return Err(Error::not_found("office", code));
        }
        if !r.describes(self.kb().office_iri(code).as_ref(), self.kb().graph(Graph::Org))? {
            return Err(Error::not_found("office", code));
        }
        Ok(code.to_owned())
    }

    fn contact_exists(&self, r: &impl Reader, id: &str) -> Result<String> {
        crate::validate_contact_id(id)?;
        let quads = r.quads(Some(self.contact_iri(id).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        match Contact::from_quads(id, &quads) {
            None => Err(Error::not_found("contact", id)),
            // Links to a merged duplicate follow it to the contact that stays.
            Some(c) => Ok(c.merged_into.unwrap_or(c.id)),
        }
    }

    /// Opens a ticket. Phone requests start at first level, taken in
    /// charge by the operator who answered; offline requests start as new.
    pub fn open_ticket(&self, actor: &Actor, new: &NewTicket) -> Result<Ticket> {
        require(actor, "open tickets", OPENERS)?;
        let description = text("description", &new.description, true)?;
        let at = now();
        let received = new.received_at.unwrap_or(at);
        if received > at + Duration::minutes(5) {
            return Err(Error::invalid("received_at", "is in the future"));
        }
        let mut related = Vec::new();
        for r in &new.related {
            let iri = NamedNode::new(r.trim()).map_err(|e| Error::invalid("related", format!("{r:?}: {e}")))?;
            related.push(iri.into_string());
        }
        let operator = actor.roles.has_any(&[Role::OperatorL1, Role::OperatorL2]);
        let client_key = match new.client_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) if k.len() > 64 || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                return Err(Error::invalid("client_key", "use at most 64 letters, digits and dashes (a UUID)"));
            }
            k => k.map(str::to_owned),
        };
        let ticket = self.write(|w| {
            if let Some(k) = &client_key {
                let g = self.graph();
                if let Some(q) =
                    w.quads(None, Some(nn(cc::CLIENT_KEY)), Some(lit(k).as_ref().into()), Some(g.as_ref().into()))?.into_iter().next()
                    && let NamedOrBlankNode::NamedNode(s) = q.subject
                {
                    // Already received: the same ticket, not a duplicate.
                    return self.read_ticket(w, local(s.as_str()));
                }
            }
            let contact = new.contact.as_deref().filter(|c| !c.trim().is_empty()).map(|c| self.contact_exists(w, c.trim())).transpose()?;
            let concept = new.concept.as_deref().filter(|c| !c.trim().is_empty()).map(|c| self.concept(w, c)).transpose()?;
            let year = TicketId::year_of(received.max(at));
            let counter = self.counter_iri(year);
            let g = self.graph();
            let last = w.object(counter.as_ref(), cc::LAST_TICKET_NUMBER, g.as_ref())?;
            let number = last.as_ref().map_or(0, |t| term_value(t).parse::<u32>().unwrap_or(0)) + 1;
            if let Some(old) = last {
                w.remove(&Quad::new(counter.clone(), nn(cc::LAST_TICKET_NUMBER), old, g.clone()));
            }
            w.insert(&Quad::new(counter.clone(), nn(cc::LAST_TICKET_NUMBER), lit_int(u64::from(number)), g.clone()));
            let phone = new.channel == Channel::Phone;
            let t = Ticket {
                id: TicketId { year, number }.to_string(),
                channel: new.channel,
                state: if phone { TicketState::AtL1 } else { TicketState::New },
                priority: new.priority,
                level: new.level,
                concept,
                description: description.clone(),
                contact,
                related_contacts: Vec::new(),
                related: related.clone(),
                received_at: received,
                taken_in_charge_at: phone.then_some(received),
                closed_at: None,
                answer: None,
                resolved_at: None,
                first_contact_resolution: false,
                incomplete: false,
                data_requests: 0,
                office: None,
                assignee: (phone && operator).then(|| actor.username.clone()),
                opened_by: actor.username.clone(),
                items: Vec::new(),
                version: 1,
            };
            w.extend(&t.to_quads(self));
            if let Some(k) = &client_key {
                w.insert(&Quad::new(self.ticket_iri(&t.id), nn(cc::CLIENT_KEY), lit(k), self.graph()));
            }
            self.record_step(w, actor, &t, "open", None, Some(t.state), Step { comment: None, office: None, suggested: None }, at);
            Ok(t)
        })?;
        self.board_upsert(&ticket);
        Ok(ticket)
    }

    /// Reads a ticket from the graph (no rights check, no access record).
    pub(crate) fn read_ticket(&self, r: &impl Reader, id: &str) -> Result<Ticket> {
        let tid = TicketId::parse(id)?;
        let id = tid.to_string();
        let quads = r.quads(Some(self.ticket_iri(&id).as_ref().into()), None, None, Some(self.graph().as_ref().into()))?;
        Ticket::from_quads(&id, &quads).ok_or_else(|| Error::not_found("ticket", &id))
    }

    /// Whether `actor` may see ticket `t`: operators, supervisors and
    /// administrators see all; office staff see their office's tickets.
    pub(crate) fn may_read(&self, actor: &Actor, t: &Ticket) -> Result<()> {
        require(actor, "read tickets", READERS)?;
        if actor.roles.has_any(&[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Integration]) {
            return Ok(());
        }
        match (&actor.office, &t.office) {
            (Some(mine), Some(theirs)) if mine == theirs => Ok(()),
            _ => Err(Error::Forbidden { action: "read this ticket", needed: "to be staff of the office it is assigned to".into() }),
        }
    }

    /// A ticket with its requester, path and clocks. The view is recorded
    /// in the access log.
    pub fn ticket(&self, actor: &Actor, id: &str) -> Result<TicketPage> {
        let ticket = self.read_ticket(self.kb().store(), id)?;
        self.may_read(actor, &ticket)?;
        self.record_view(actor, &self.ticket_iri(&ticket.id))?;
        let contact = match &ticket.contact {
            Some(c) => self.read_contact(c)?,
            None => None,
        };
        let events = self.events(&ticket.id)?;
        let clocks = self.ticket_clocks(&ticket, now());
        Ok(TicketPage { ticket, contact, events, clocks })
    }

    /// The SLA clocks of a ticket at `at` (empty for phone requests).
    pub fn ticket_clocks(&self, t: &Ticket, at: DateTime<Utc>) -> Vec<Clock> {
        let resolved = match t.state {
            TicketState::Closed | TicketState::Rejected | TicketState::Incomplete => t.closed_at,
            _ => None,
        };
        self.clocks()
            .deadlines(t.channel, t.received_at)
            .map(|d| self.clocks().clocks(&d, t.taken_in_charge_at, resolved, at))
            .unwrap_or_default()
    }

    /// The path of a ticket, oldest first.
    pub fn events(&self, id: &str) -> Result<Vec<TicketEvent>> {
        let store = self.kb().store();
        let g = self.graph();
        let t = self.ticket_iri(id);
        let mut out = Vec::new();
        for q in store.quads(None, Some(nn(cc::ON_TICKET)), Some(t.as_ref().into()), Some(g.as_ref().into()))? {
            let NamedOrBlankNode::NamedNode(a) = q.subject else { continue };
            let quads = store.quads(Some(a.as_ref().into()), None, None, Some(g.as_ref().into()))?;
            if !quads.iter().any(|q| q.predicate.as_str() == rdf::TYPE && term_value(&q.object) == cc::TICKET_ACTIVITY) {
                continue;
            }
            let mut e = TicketEvent {
                at: DateTime::<Utc>::UNIX_EPOCH,
                actor: String::new(),
                kind: String::new(),
                from: None,
                to: None,
                comment: None,
                office: None,
                suggested_office: None,
            };
            for q in &quads {
                let v = term_value(&q.object);
                match q.predicate.as_str() {
                    prov::STARTED_AT_TIME => e.at = term_datetime(&q.object).unwrap_or(e.at),
                    prov::WAS_ASSOCIATED_WITH => e.actor = local(v).to_owned(),
                    cc::ACTIVITY_KIND => e.kind = v.to_owned(),
                    cc::FROM_STATE => e.from = TicketState::from_iri(v),
                    cc::TO_STATE => e.to = TicketState::from_iri(v),
                    rdfs::COMMENT => e.comment = Some(v.to_owned()),
                    cc::TO_OFFICE => e.office = Some(local(v).to_owned()),
                    cc::SUGGESTED_OFFICE => e.suggested_office = Some(local(v).to_owned()),
                    _ => {}
                }
            }
            out.push(e);
        }
        // Activities of one write share its instant: "open" comes first.
        out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| (b.kind == "open").cmp(&(a.kind == "open"))));
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn record_step(
        &self,
        w: &mut kb::WriteTx<'_>,
        actor: &Actor,
        t: &Ticket,
        kind: &str,
        from: Option<TicketState>,
        to: Option<TicketState>,
        step: Step,
        at: DateTime<Utc>,
    ) {
        let g = self.graph();
        let act = self.kb().iri(&format!("id/activity/{}", uuid::Uuid::new_v4()));
        let mut add = |p: &'static str, o: Term| w.insert(&Quad::new(act.clone(), nn(p), o, g.clone()));
        add(rdf::TYPE, nn(cc::TICKET_ACTIVITY).into_owned().into());
        add(cc::ACTIVITY_KIND, lit(kind).into());
        add(cc::ON_TICKET, self.ticket_iri(&t.id).into());
        add(prov::WAS_ASSOCIATED_WITH, self.kb().agent_iri(&actor.username).into());
        add(prov::STARTED_AT_TIME, lit_datetime(at).into());
        if let Some(f) = from {
            add(cc::FROM_STATE, nn(f.iri()).into_owned().into());
        }
        if let Some(s) = to {
            add(cc::TO_STATE, nn(s.iri()).into_owned().into());
        }
        if let Some(c) = step.comment.filter(|c| !c.is_empty()) {
            add(rdfs::COMMENT, lit(&c).into());
        }
        if let Some(o) = step.office {
            add(cc::TO_OFFICE, self.kb().office_iri(&o).into());
        }
        if let Some(o) = step.suggested {
            add(cc::SUGGESTED_OFFICE, self.kb().office_iri(&o).into());
        }
    }

    /// Applies an action to a ticket. `based_on` is the version the user
    /// saw: an action based on an older one is refused ([`Error::Stale`]).
    pub fn act(&self, actor: &Actor, id: &str, based_on: Option<u64>, action: Action) -> Result<Ticket> {
        let ticket = self.write(|w| {
            let mut t = self.read_ticket(w, id)?;
            self.may_read(actor, &t)?;
            if let Some(v) = based_on
                && v != t.version
            {
                return Err(Error::Stale { kind: "ticket", id: t.id.clone(), based_on: v, current: t.version });
            }
            let before = t.clone();
            let at = now();
            let step = self.apply(w, actor, &mut t, &action, at)?;
            t.version += 1;
            for q in before.to_quads(self) {
                w.remove(&q);
            }
            w.extend(&t.to_quads(self));
            let changed = (before.state != t.state).then_some((before.state, t.state));
            self.record_step(w, actor, &t, action.kind(), changed.map(|c| c.0), changed.map(|c| c.1), step, at);
            Ok(t)
        })?;
        self.board_upsert(&ticket);
        Ok(ticket)
    }

    fn apply(&self, w: &mut kb::WriteTx<'_>, actor: &Actor, t: &mut Ticket, action: &Action, at: DateTime<Utc>) -> Result<Step> {
        use TicketState::*;
        let mut step = Step { comment: None, office: None, suggested: None };
        let take = |t: &mut Ticket| {
            if t.taken_in_charge_at.is_none() {
                t.taken_in_charge_at = Some(at);
            }
        };
        match action {
            Action::TakeInCharge => {
                require(actor, "take tickets in charge", L1)?;
                allowed(t, "take in charge", &[New])?;
                take(t);
                t.state = AtL1;
                t.assignee = Some(actor.username.clone());
            }
            Action::TransferToL2 { operator, comment } => {
                require(actor, "transfer tickets to second level", L1)?;
                allowed(t, "transfer to second level", &[New, AtL1])?;
                let user = self.kb().user(operator.trim())?.ok_or_else(|| Error::not_found("user", operator.trim()))?;
                if !user.roles.contains(&Role::OperatorL2) || user.disabled {
                    return Err(Error::invalid("operator", format!("{} is not an active second-level operator", user.username)));
                }
                take(t);
                t.state = AtL2;
                t.assignee = Some(user.username);
                step.comment = Some(text("comment", comment, false)?);
            }
            Action::AssignToL2 { comment } => {
                require(actor, "assign tickets to second level", L1)?;
                allowed(t, "assign to second level", &[New, AtL1])?;
                take(t);
                t.state = L2Inbox;
                t.assignee = None;
                step.comment = Some(text("comment", comment, false)?);
            }
            Action::Take => {
                require(actor, "take tickets from the second-level inbox", L2)?;
                allowed(t, "take", &[L2Inbox, OfficeAnswered, AtL2])?;
                if t.state == AtL2 && t.assignee.as_deref() == Some(&actor.username) {
                    return Err(Error::IllegalTransition { ticket: t.id.clone(), action: "take", state: "already yours" });
                }
                if t.state != OfficeAnswered {
                    t.state = AtL2;
                }
                t.assignee = Some(actor.username.clone());
            }
            Action::ForwardToOffice { office, comment } => {
                require(actor, "forward tickets to an office", L2)?;
                allowed(t, "forward to an office", &[AtL2, L3Triage])?;
                let office = self.office_exists(w, office)?;
                t.state = AtOffice;
                t.office = Some(office.clone());
                if t.assignee.is_none() {
                    t.assignee = Some(actor.username.clone());
                }
                step.office = Some(office);
                step.comment = Some(text("comment", comment, false)?);
            }
            Action::OfficeAnswer { answer } => {
                self.require_office(actor, t, "answer for the office")?;
                allowed(t, "answer", &[AtOffice])?;
                t.state = OfficeAnswered;
                step.comment = Some(text("answer", answer, true)?);
            }
            Action::OfficeReject { reason, suggested_office } => {
                self.require_office(actor, t, "reject an assignment")?;
                allowed(t, "reject the assignment of", &[AtOffice])?;
                step.comment = Some(text("reason", reason, true)?);
                step.suggested =
                    suggested_office.as_deref().filter(|s| !s.trim().is_empty()).map(|s| self.office_exists(w, s)).transpose()?;
                t.state = L3Triage;
                t.office = None;
            }
            Action::RequestData { comment } => {
                require(actor, "ask citizens for missing data", L1)?;
                allowed(t, "ask for missing data on", &[New, AtL1])?;
                if !t.channel.is_offline() {
                    return Err(Error::invalid("channel", "a data request is for offline requests; on the phone, ask directly"));
                }
                let (to, name) = self.requester_email(w, t)?;
                let missing = text("comment", comment, false)?;
                let ctx = serde_json::json!({"ticket": t.id, "name": name, "comment": missing});
                self.queue_message(w, &t.id, crate::MessageKind::DataRequest, &to, &ctx)?;
                take(t);
                t.state = Incomplete;
                t.incomplete = true;
                t.data_requests += 1;
                t.resolved_at = Some(ResolvedAt::L1);
                t.closed_at = Some(at);
                if t.assignee.is_none() {
                    t.assignee = Some(actor.username.clone());
                }
                step.comment = Some(text("comment", comment, false)?);
            }
            Action::CitizenReply { complete, text: reply } => {
                require(actor, "record a citizen's reply", L1)?;
                allowed(t, "record a reply on", &[Incomplete])?;
                step.comment = Some(text("text", reply, false)?);
                if *complete {
                    t.state = AtL1;
                    t.closed_at = None;
                    t.resolved_at = None;
                } else {
                    let (to, name) = self.requester_email(w, t)?;
                    let ctx = serde_json::json!({"ticket": t.id, "name": name});
                    self.queue_message(w, &t.id, crate::MessageKind::FinalInvitation, &to, &ctx)?;
                    t.state = Closed;
                    t.closed_at = Some(at);
                    t.answer = Some("Richiesta incompleta: inviata e-mail definitiva con l'invito a richiamare.".into());
                }
            }
            Action::Close { answer } => {
                let answer = text("answer", answer, true)?;
                match t.state {
                    AtL1 => require(actor, "close tickets", L1)?,
                    AtL2 | OfficeAnswered => require(actor, "close second-level tickets", L2)?,
                    _ => allowed(t, "close", &[AtL1, AtL2, OfficeAnswered])?,
                }
                let level = match t.state {
                    AtL1 => ResolvedAt::L1,
                    AtL2 => ResolvedAt::L2,
                    _ => ResolvedAt::Office,
                };
                let escalated = self.ever(w, &t.id, &["transfer_to_l2", "assign_to_l2", "reopen", "request_data", "forward_to_office"])?;
                take(t);
                t.first_contact_resolution = level == ResolvedAt::L1 && !escalated;
                t.resolved_at = Some(level);
                t.state = Closed;
                t.closed_at = Some(at);
                t.answer = Some(answer.clone());
                step.comment = Some(answer);
            }
            Action::Reopen { comment } => {
                require(actor, "reopen tickets", L1)?;
                allowed(t, "reopen", &[Closed, Incomplete])?;
                t.state = AtL1;
                t.closed_at = None;
                t.resolved_at = None;
                t.answer = None;
                t.first_contact_resolution = false;
                t.assignee = Some(actor.username.clone());
                step.comment = Some(text("comment", comment, false)?);
            }
            Action::Reject { reason } => {
                require(actor, "reject tickets", L2)?;
                allowed(t, "reject", &[New, AtL1, L2Inbox, AtL2, AtOffice, OfficeAnswered, L3Triage, Incomplete])?;
                step.comment = Some(text("reason", reason, true)?);
                t.state = Rejected;
                t.closed_at = Some(at);
            }
            Action::Note { text: note } => {
                require(
                    actor,
                    "annotate tickets",
                    &[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Office, Role::Integration],
                )?;
                step.comment = Some(text("text", note, true)?);
            }
            Action::Update { priority, concept, level, description } => {
                require(actor, "edit tickets", L1)?;
                if let Some(p) = priority {
                    t.priority = *p;
                }
                if let Some(c) = concept {
                    t.concept = if c.trim().is_empty() { None } else { Some(self.concept(w, c)?) };
                }
                if let Some(l) = level {
                    t.level = Some(*l);
                }
                if let Some(d) = description {
                    t.description = text("description", d, true)?;
                }
            }
            Action::LinkItem { item } => {
                require(actor, "link knowledge to tickets", L1)?;
                kb::validate_identifier(item.trim())?;
                let iri = self.kb().iri(&format!("id/kb/{}", item.trim()));
                if !w.describes(iri.as_ref(), self.kb().graph(Graph::KbPublished))? {
                    return Err(Error::not_found("published item", item.trim()));
                }
                if !t.items.iter().any(|i| i == item.trim()) {
                    t.items.push(item.trim().to_owned());
                    t.items.sort();
                }
                step.comment = Some(item.trim().to_owned());
            }
            Action::UnlinkItem { item } => {
                require(actor, "link knowledge to tickets", L1)?;
                let before = t.items.len();
                t.items.retain(|i| i != item.trim());
                if t.items.len() == before {
                    return Err(Error::not_found("linked item", item.trim()));
                }
                step.comment = Some(item.trim().to_owned());
            }
            Action::LinkContact { contact } => {
                require(actor, "link contacts to tickets", WRITERS)?;
                let c = self.contact_exists(w, contact.trim())?;
                if t.contact.as_deref() != Some(&c) && !t.related_contacts.contains(&c) {
                    t.related_contacts.push(c.clone());
                    t.related_contacts.sort();
                }
                step.comment = Some(c);
            }
            Action::LinkResource { iri } => {
                require(actor, "link events to tickets", OPENERS)?;
                let node = NamedNode::new(iri.trim()).map_err(|e| Error::invalid("iri", format!("{iri:?}: {e}")))?;
                if !t.related.contains(&node.as_str().to_owned()) {
                    t.related.push(node.as_str().to_owned());
                    t.related.sort();
                }
            }
        }
        Ok(step)
    }

    fn require_office(&self, actor: &Actor, t: &Ticket, action: &'static str) -> Result<()> {
        if actor.roles.has_any(&[Role::Supervisor, Role::Admin]) {
            return Ok(());
        }
        if actor.roles.has(Role::Office) && actor.office.is_some() && actor.office == t.office {
            return Ok(());
        }
        Err(Error::Forbidden { action, needed: "to be staff of the office the ticket is forwarded to".into() })
    }

    /// Whether the ticket's path has any of these steps.
    fn ever(&self, r: &impl Reader, id: &str, kinds: &[&str]) -> Result<bool> {
        let g = self.graph();
        for q in r.quads(None, Some(nn(cc::ON_TICKET)), Some(self.ticket_iri(id).as_ref().into()), Some(g.as_ref().into()))? {
            let NamedOrBlankNode::NamedNode(a) = q.subject else { continue };
            if let Some(k) = r.object(a.as_ref(), cc::ACTIVITY_KIND, g.as_ref())?
                && kinds.contains(&term_value(&k))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// A page of tickets. Office staff only ever see their office's tickets,
    /// whatever the filter says.
    pub fn list_tickets(&self, actor: &Actor, filter: &TicketFilter) -> Result<TicketListing> {
        require(actor, "list tickets", READERS)?;
        let mut f = filter.clone();
        if !actor.roles.has_any(&[Role::OperatorL1, Role::OperatorL2, Role::Supervisor, Role::Admin, Role::Integration]) {
            match &actor.office {
                Some(o) => f.office = Some(o.clone()),
                None => return Ok(TicketListing { total: 0, rows: Vec::new() }),
            }
        }
        if let Some(c) = &f.concept
            && !c.contains(':')
        {
            f.concept = Some(self.kb().iri(&format!("id/concept/{c}")).as_str().to_owned());
        }
        let at = now();
        let page = self.board().list(&f, at);
        let store = self.kb().store();
        let mut rows = Vec::with_capacity(page.ids.len());
        for id in page.ids {
            let t = self.read_ticket(store, &id.to_string())?;
            let contact_name = match &t.contact {
                Some(c) => store
                    .object(self.contact_iri(c).as_ref(), ontologies::vocab::vcard::FN, self.graph().as_ref())?
                    .map(|n| term_value(&n).to_owned()),
                None => None,
            };
            let clocks = self.ticket_clocks(&t, at);
            rows.push(TicketSummary { ticket: t, contact_name, clocks });
        }
        Ok(TicketListing { total: page.total, rows })
    }
}
