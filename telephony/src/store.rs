//! Contact events in the `telephony` graph: each event is stored raw (its
//! JSON, complete) with the links analysts query (call, agent, queue,
//! ticket, contact) as triples, and read back in order for recovery.

use crate::error::{Error, Result};
use crate::model::CtiEvent;
use chrono::NaiveDate;
use kb::rdf::{Reader, lit, lit_date, lit_datetime, nn, term_value};
use kb::{Graph, Kb, WriteTx};
use ontologies::vocab::{cc, prov, rdf};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};

/// Percent-encodes an identifier for use in an IRI path segment.
pub fn iri_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The IRI of a CTI event.
pub fn event_iri(kb: &Kb, id: &str) -> NamedNode {
    kb.iri(&format!("id/cti/{}", iri_segment(id)))
}

/// The IRI of a call.
pub fn call_iri(kb: &Kb, id: &str) -> NamedNode {
    kb.iri(&format!("id/call/{}", iri_segment(id)))
}

/// Whether an event with this id is stored.
pub fn is_stored(kb: &Kb, id: &str) -> Result<bool> {
    let g = kb.graph(Graph::Telephony);
    let ev = event_iri(kb, id);
    Ok(kb.store().quads_for_pattern(Some(ev.as_ref().into()), Some(nn(cc::RAW_EVENT)), None, Some(g.into())).next().is_some())
}

/// Adds the quads of one event to a write.
pub fn insert_event(w: &mut WriteTx<'_>, kb: &Kb, crm: &crm::Crm, e: &CtiEvent, day: NaiveDate) -> Result<()> {
    let g = kb.graph(Graph::Telephony).into_owned();
    let ev = event_iri(kb, &e.id);
    let raw = serde_json::to_string(e).map_err(|err| Error::invalid("event", err.to_string()))?;
    // Few triples per event (ingestion speed): the JSON holds everything;
    // the triples are what queries select on. `cc:eventType` implies
    // `a cc:ContactEvent` (its domain).
    let mut quads = vec![
        Quad::new(ev.clone(), nn(cc::EVENT_TYPE), lit(e.kind.as_str()), g.clone()),
        Quad::new(ev.clone(), nn(prov::AT_TIME), lit_datetime(e.at), g.clone()),
        Quad::new(ev.clone(), nn(cc::EVENT_DAY), lit_date(day), g.clone()),
        Quad::new(ev.clone(), nn(cc::RAW_EVENT), lit(&raw), g.clone()),
    ];
    if let Some(c) = &e.call {
        let call = call_iri(kb, c);
        quads.push(Quad::new(ev.clone(), nn(cc::ABOUT_CALL), call.clone(), g.clone()));
        if e.kind == crate::model::EventKind::Offered {
            quads.push(Quad::new(call, nn(rdf::TYPE), nn(cc::CALL), g.clone()));
        }
    }
    if let Some(a) = &e.agent {
        quads.push(Quad::new(ev.clone(), nn(cc::AGENT_NAME), lit(a), g.clone()));
    }
    if let Some(q) = &e.queue {
        quads.push(Quad::new(ev.clone(), nn(cc::QUEUE_NUMBER), lit(q), g.clone()));
    }
    for t in e.ticket.iter().chain(e.work.iter()) {
        if t.starts_with("RS-") {
            quads.push(Quad::new(ev.clone(), nn(cc::ABOUT_TICKET), crm.ticket_iri(t), g.clone()));
        }
    }
    if let Some(c) = &e.contact
        && crm::validate_contact_id(c).is_ok()
    {
        quads.push(Quad::new(ev.clone(), nn(cc::ABOUT_CONTACT), crm.contact_iri(c), g.clone()));
    }
    for f in &e.flags {
        quads.push(Quad::new(ev.clone(), nn(cc::EVENT_FLAG), lit(f), g.clone()));
    }
    w.extend(quads.iter());
    Ok(())
}

/// Stores `events` in one atomic bulk write, each on its local day by
/// `calendar` (the service's rounds, the simulator's days).
pub fn store_events(kb: &Kb, crm: &crm::Crm, calendar: &crm::Calendar, events: &[CtiEvent]) -> Result<()> {
    kb.write_bulk(|w| {
        for e in events {
            insert_event(w, kb, crm, e, calendar.local_date(e.at)).map_err(|err| match err {
                Error::Kb(k) => k,
                other => kb::Error::invalid("event", other.to_string()),
            })?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The stored events of the local days `days`, in application order.
pub fn events_of_days(kb: &Kb, days: &[NaiveDate]) -> Result<Vec<CtiEvent>> {
    let g = kb.graph(Graph::Telephony);
    let store = kb.store();
    let mut out = Vec::new();
    for d in days {
        let day = Term::from(lit_date(*d));
        for q in store.quads_for_pattern(None, Some(nn(cc::EVENT_DAY)), Some(day.as_ref()), Some(g.into())) {
            let q = q.map_err(kb::Error::from)?;
            let NamedOrBlankNode::NamedNode(ev) = &q.subject else { continue };
            let Some(raw) = store.object(ev.as_ref(), cc::RAW_EVENT, g)? else { continue };
            match serde_json::from_str::<CtiEvent>(term_value(&raw)) {
                Ok(e) => out.push(e),
                Err(err) => tracing::warn!(event = %q.subject, error = %err, "stored CTI event unreadable; skipped in recovery"),
            }
        }
    }
    out.sort_by_key(|e| e.seq);
    Ok(out)
}

/// The stored events of one call, in order (the console and tests).
pub fn events_of_call(kb: &Kb, call: &str) -> Result<Vec<CtiEvent>> {
    let g = kb.graph(Graph::Telephony);
    let store = kb.store();
    let node = Term::from(call_iri(kb, call));
    let mut out = Vec::new();
    for q in store.quads_for_pattern(None, Some(nn(cc::ABOUT_CALL)), Some(node.as_ref()), Some(g.into())) {
        let q = q.map_err(kb::Error::from)?;
        let NamedOrBlankNode::NamedNode(ev) = &q.subject else { continue };
        if let Some(raw) = store.object(ev.as_ref(), cc::RAW_EVENT, g)?
            && let Ok(e) = serde_json::from_str::<CtiEvent>(term_value(&raw))
        {
            out.push(e);
        }
    }
    out.sort_by_key(|e| e.seq);
    Ok(out)
}
