//! Loading historical tickets in bulk: the previous supplier's archive at
//! the start of the contract (or the benchmark's generated years). One
//! bulk write per batch through oxigraph's bulk loader: all or nothing.

use crate::error::{Result, require};
use crate::flow::TicketEvent;
use crate::ticket::{Ticket, TicketId};
use crate::{ContactInput, Crm};
use chrono::{DateTime, Utc};
use kb::rdf::{Reader, lit, lit_datetime, lit_int, nn};
use kb::{Actor, Role};
use ontologies::vocab::{cc, prov, rdf, rdfs};
use oxigraph::model::{NamedNode, Quad, Term};
use std::collections::BTreeMap;
use std::collections::HashMap;

/// A batch of history: contacts (with their ids) and tickets with their paths.
#[derive(Debug, Clone, Default)]
pub struct HistoryBatch {
    /// Contacts: id (16 hexadecimal digits) and data.
    pub contacts: Vec<(String, ContactInput)>,
    /// Tickets, each with its events (oldest first).
    pub tickets: Vec<(Ticket, Vec<TicketEvent>)>,
}

impl Crm {
    fn event_quads(&self, ticket: &str, n: usize, e: &TicketEvent, out: &mut Vec<Quad>) {
        let g = self.graph();
        let act = self.kb().iri(&format!("id/activity/{ticket}-{n}"));
        let mut add = |p: &'static str, o: Term| out.push(Quad::new(act.clone(), nn(p), o, g.clone()));
        add(rdf::TYPE, nn(cc::TICKET_ACTIVITY).into_owned().into());
        add(cc::ACTIVITY_KIND, lit(&e.kind).into());
        add(cc::ON_TICKET, self.ticket_iri(ticket).into());
        add(prov::WAS_ASSOCIATED_WITH, self.kb().agent_iri(&e.actor).into());
        add(prov::STARTED_AT_TIME, lit_datetime(e.at).into());
        if let Some(s) = e.from {
            add(cc::FROM_STATE, nn(s.iri()).into_owned().into());
        }
        if let Some(s) = e.to {
            add(cc::TO_STATE, nn(s.iri()).into_owned().into());
        }
        if let Some(c) = e.comment.as_deref().filter(|c| !c.is_empty()) {
            add(rdfs::COMMENT, lit(c).into());
        }
        if let Some(o) = &e.office {
            add(cc::TO_OFFICE, self.kb().office_iri(o).into());
        }
        if let Some(o) = &e.suggested_office {
            add(cc::SUGGESTED_OFFICE, self.kb().office_iri(o).into());
        }
    }

    /// Loads a batch of historical contacts and tickets (administrators).
    /// Ids must be new; ticket counters are raised past the numbers loaded.
    /// Returns the number of quads written.
    pub fn import_history(&self, actor: &Actor, batch: &HistoryBatch) -> Result<usize> {
        require(actor, "load ticket history", &[Role::Admin])?;
        let mut quads: Vec<Quad> = Vec::with_capacity(batch.tickets.len() * 60 + batch.contacts.len() * 10);
        let g = self.graph();
        // A contact was created with its first ticket.
        let mut first: HashMap<&str, DateTime<Utc>> = HashMap::new();
        for (t, _) in &batch.tickets {
            if let Some(c) = &t.contact {
                let e = first.entry(c.as_str()).or_insert(t.received_at);
                *e = (*e).min(t.received_at);
            }
        }
        for (id, c) in &batch.contacts {
            crate::validate_contact_id(id)?;
            let iri = self.contact_iri(id);
            let created = first.get(id.as_str()).copied().unwrap_or_else(crate::now);
            quads.extend(self.contact_quads(iri, &crate::contact::validate(c)?, created, 1));
        }
        let mut max_number: BTreeMap<i32, u32> = BTreeMap::new();
        for (t, events) in &batch.tickets {
            let tid = TicketId::parse(&t.id)?;
            let m = max_number.entry(tid.year).or_default();
            *m = (*m).max(tid.number);
            quads.extend(t.to_quads(self));
            for (n, e) in events.iter().enumerate() {
                self.event_quads(&t.id, n, e, &mut quads);
            }
        }
        let count = quads.len();
        let tickets: Vec<NamedNode> = batch.tickets.iter().map(|(t, _)| self.ticket_iri(&t.id)).collect();
        let contacts: Vec<NamedNode> = batch.contacts.iter().map(|(id, _)| self.contact_iri(id)).collect();
        // Counters first, in their own transaction: if the load then fails,
        // numbering only skips, it never reuses a number.
        self.write(|w| {
            for (year, number) in &max_number {
                let counter = self.kb().iri(&format!("id/ticket-counter/{year}"));
                let current = w.object(counter.as_ref(), cc::LAST_TICKET_NUMBER, g.as_ref())?;
                let cur = current.as_ref().map_or(0, |t| kb::rdf::term_value(t).parse::<u32>().unwrap_or(0));
                if *number > cur {
                    if let Some(old) = current {
                        w.remove(&Quad::new(counter.clone(), nn(cc::LAST_TICKET_NUMBER), old, g.clone()));
                    }
                    w.insert(&Quad::new(counter.clone(), nn(cc::LAST_TICKET_NUMBER), lit_int(u64::from(*number)), g.clone()));
                }
            }
            Ok(())
        })?;
        self.kb().write_bulk(|w| {
            for s in tickets.iter().chain(&contacts) {
                if w.describes(s.as_ref(), g.as_ref())? {
                    return Err(kb::Error::AlreadyExists { kind: "ticket or contact", id: s.as_str().to_owned() });
                }
            }
            w.extend(&quads);
            Ok(())
        })?;
        // The bulk load is not a CRM transaction: mark the change.
        self.write(|_| Ok(()))?;
        for (t, _) in &batch.tickets {
            self.board_upsert(t);
        }
        Ok(count)
    }
}
