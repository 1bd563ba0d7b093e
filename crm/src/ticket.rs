//! Tickets ("RS", richieste di servizio): what they hold and how they are
//! written to and read from the `crm` graph.

use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Utc};
use kb::Level;
use kb::rdf::{lit, lit_bool, lit_datetime, lit_int, nn, term_datetime, term_value};
use ontologies::vocab::{cc, dcterms, rdf};
use oxigraph::model::{NamedNode, Quad, Term};
use serde::{Deserialize, Serialize};

/// Longest description or answer kept on a ticket.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call (online).
    Phone,
    /// An e-mail.
    Email,
    /// A fax.
    Fax,
    /// A voicemail message.
    Voicemail,
    /// The portal's contact form.
    WebForm,
    /// Another channel agreed with the administration.
    Other,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 6] = [Channel::Phone, Channel::Email, Channel::Fax, Channel::Voicemail, Channel::WebForm, Channel::Other];

    /// Identifier used in forms, the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Fax => "fax",
            Channel::Voicemail => "voicemail",
            Channel::WebForm => "web_form",
            Channel::Other => "other",
        }
    }

    /// Italian label.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Phone => "telefono",
            Channel::Email => "e-mail",
            Channel::Fax => "fax",
            Channel::Voicemail => "segreteria",
            Channel::WebForm => "modulo web",
            Channel::Other => "altro",
        }
    }

    /// The ontology individual.
    pub fn iri(self) -> &'static str {
        match self {
            Channel::Phone => cc::CHANNEL_PHONE,
            Channel::Email => cc::CHANNEL_EMAIL,
            Channel::Fax => cc::CHANNEL_FAX,
            Channel::Voicemail => cc::CHANNEL_VOICEMAIL,
            Channel::WebForm => cc::CHANNEL_WEB_FORM,
            Channel::Other => cc::CHANNEL_OTHER,
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim()).ok_or_else(|| {
            Error::invalid("channel", format!("unknown channel {s:?}; use one of {}", Self::ALL.map(Channel::as_str).join(", ")))
        })
    }

    fn from_iri(iri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.iri() == iri)
    }

    /// Offline channels have the SLA.O clocks (taken in charge, resolved).
    pub fn is_offline(self) -> bool {
        self != Channel::Phone
    }
}

/// Where a ticket is on its path (Allegato A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Received offline, not yet taken in charge.
    New,
    /// Being handled at first level.
    AtL1,
    /// In the second-level inbox, waiting for an operator.
    L2Inbox,
    /// Being handled at second level.
    AtL2,
    /// Forwarded to an office, waiting for its answer.
    AtOffice,
    /// The office answered: second level calls back and closes.
    OfficeAnswered,
    /// Rejected by an office: third level finds the right one.
    L3Triage,
    /// Incomplete offline request: the citizen was asked for the missing data.
    Incomplete,
    /// Closed with the answer given.
    Closed,
    /// Rejected on the administration's instruction.
    Rejected,
}

impl TicketState {
    /// Every state.
    pub const ALL: [TicketState; 10] = [
        TicketState::New,
        TicketState::AtL1,
        TicketState::L2Inbox,
        TicketState::AtL2,
        TicketState::AtOffice,
        TicketState::OfficeAnswered,
        TicketState::L3Triage,
        TicketState::Incomplete,
        TicketState::Closed,
        TicketState::Rejected,
    ];

    /// Identifier used in forms, the API and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::New => "new",
            TicketState::AtL1 => "at_l1",
            TicketState::L2Inbox => "l2_inbox",
            TicketState::AtL2 => "at_l2",
            TicketState::AtOffice => "at_office",
            TicketState::OfficeAnswered => "office_answered",
            TicketState::L3Triage => "l3_triage",
            TicketState::Incomplete => "incomplete",
            TicketState::Closed => "closed",
            TicketState::Rejected => "rejected",
        }
    }

    /// Italian label.
    pub fn label(self) -> &'static str {
        match self {
            TicketState::New => "nuova",
            TicketState::AtL1 => "in carico al I livello",
            TicketState::L2Inbox => "nella casella del II livello",
            TicketState::AtL2 => "in lavorazione al II livello",
            TicketState::AtOffice => "inoltrata all'ufficio",
            TicketState::OfficeAnswered => "risposta dall'ufficio",
            TicketState::L3Triage => "in smistamento (III livello)",
            TicketState::Incomplete => "richiesta incompleta",
            TicketState::Closed => "chiusa",
            TicketState::Rejected => "respinta",
        }
    }

    /// The ontology individual.
    pub fn iri(self) -> &'static str {
        match self {
            TicketState::New => cc::TICKET_NEW,
            TicketState::AtL1 => cc::TICKET_AT_L1,
            TicketState::L2Inbox => cc::TICKET_L2_INBOX,
            TicketState::AtL2 => cc::TICKET_AT_L2,
            TicketState::AtOffice => cc::TICKET_AT_OFFICE,
            TicketState::OfficeAnswered => cc::TICKET_OFFICE_ANSWERED,
            TicketState::L3Triage => cc::TICKET_L3_TRIAGE,
            TicketState::Incomplete => cc::TICKET_INCOMPLETE,
            TicketState::Closed => cc::TICKET_CLOSED,
            TicketState::Rejected => cc::TICKET_REJECTED,
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim()).ok_or_else(|| {
            Error::invalid("state", format!("unknown state {s:?}; use one of {}", Self::ALL.map(TicketState::as_str).join(", ")))
        })
    }

    pub(crate) fn from_iri(iri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.iri() == iri)
    }

    /// Closed or rejected: nothing more to do unless a new contact reopens it.
    pub fn is_final(self) -> bool {
        matches!(self, TicketState::Closed | TicketState::Rejected)
    }

    /// The level that holds the ticket in this state.
    pub fn desk(self) -> Desk {
        match self {
            TicketState::New | TicketState::AtL1 | TicketState::Incomplete => Desk::L1,
            TicketState::L2Inbox | TicketState::AtL2 | TicketState::OfficeAnswered => Desk::L2,
            TicketState::L3Triage => Desk::L3,
            TicketState::AtOffice => Desk::Office,
            TicketState::Closed | TicketState::Rejected => Desk::None,
        }
    }
}

/// Who holds a ticket: the "level" filter of lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Desk {
    /// First level.
    L1,
    /// Second level.
    L2,
    /// Third level (triage, staffed by second level).
    L3,
    /// An office of the administration.
    Office,
    /// Nobody: closed or rejected.
    None,
}

impl Desk {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Desk::L1 => "l1",
            Desk::L2 => "l2",
            Desk::L3 => "l3",
            Desk::Office => "office",
            Desk::None => "none",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Result<Self> {
        [Desk::L1, Desk::L2, Desk::L3, Desk::Office, Desk::None]
            .into_iter()
            .find(|d| d.as_str() == s.trim())
            .ok_or_else(|| Error::invalid("desk", format!("unknown level {s:?}; use l1, l2, l3, office or none")))
    }
}

/// Priority of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Urgent.
    High,
    /// The default.
    #[default]
    Normal,
    /// Can wait.
    Low,
}

impl Priority {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Result<Self> {
        [Priority::High, Priority::Normal, Priority::Low]
            .into_iter()
            .find(|d| d.as_str() == s.trim())
            .ok_or_else(|| Error::invalid("priority", format!("unknown priority {s:?}; use high, normal or low")))
    }
}

/// Which level resolved a closed ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResolvedAt {
    /// First level (also "Risolto I livello" for incomplete requests).
    L1,
    /// Second level alone.
    L2,
    /// Second level with an office's answer.
    Office,
}

impl ResolvedAt {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolvedAt::L1 => "L1",
            ResolvedAt::L2 => "L2",
            ResolvedAt::Office => "office",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [ResolvedAt::L1, ResolvedAt::L2, ResolvedAt::Office].into_iter().find(|d| d.as_str() == s)
    }
}

/// A ticket number: year and sequence, shown as `RS-2026-000123`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId {
    /// Year of opening.
    pub year: i32,
    /// Sequence within the year, from 1.
    pub number: u32,
}

impl TicketId {
    /// Parses `RS-YYYY-NNNNNN`.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || Error::not_found("ticket", s);
        let rest = s.trim().strip_prefix("RS-").ok_or_else(bad)?;
        let (y, n) = rest.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || n.len() < 6 || !y.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(TicketId { year: y.parse().map_err(|_| bad())?, number: n.parse().map_err(|_| bad())? })
    }

    /// The first ticket number of the year of `at`.
    pub fn year_of(at: DateTime<Utc>) -> i32 {
        at.year()
    }
}

impl std::fmt::Display for TicketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RS-{:04}-{:06}", self.year, self.number)
    }
}

/// What an operator (or the telephony connector) gives to open a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTicket {
    /// Channel.
    pub channel: Channel,
    /// The requester's contact id, if known.
    #[serde(default)]
    pub contact: Option<String>,
    /// Classification concept (IRI or local name), if known.
    #[serde(default)]
    pub concept: Option<String>,
    /// What was asked.
    pub description: String,
    /// Priority.
    #[serde(default)]
    pub priority: Priority,
    /// Base (L1 can answer) or advanced.
    #[serde(default)]
    pub level: Option<Level>,
    /// When the request came in (default: now). Offline messages carry
    /// their own time (the e-mail's date, the voicemail's timestamp).
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
    /// IRIs of linked calls, messages or other contact events.
    #[serde(default)]
    pub related: Vec<String>,
    /// A key the client chose (a UUID): opening again with the same key
    /// returns the ticket already opened instead of a duplicate (offline
    /// capture sends what it recorded when the server is back).
    #[serde(default)]
    pub client_key: Option<String>,
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ticket {
    /// `RS-YYYY-NNNNNN`.
    pub id: String,
    /// Channel.
    pub channel: Channel,
    /// Current state.
    pub state: TicketState,
    /// Priority.
    pub priority: Priority,
    /// Base or advanced.
    pub level: Option<Level>,
    /// Classification concept IRI.
    pub concept: Option<String>,
    /// What was asked.
    pub description: String,
    /// Requester's contact id.
    pub contact: Option<String>,
    /// Other contacts involved.
    pub related_contacts: Vec<String>,
    /// Linked calls, messages and events (IRIs).
    pub related: Vec<String>,
    /// Received.
    pub received_at: DateTime<Utc>,
    /// Taken in charge.
    pub taken_in_charge_at: Option<DateTime<Utc>>,
    /// Closed or rejected.
    pub closed_at: Option<DateTime<Utc>>,
    /// The answer given to the citizen (recorded when closing).
    pub answer: Option<String>,
    /// Which level resolved it.
    pub resolved_at: Option<ResolvedAt>,
    /// Resolved at first contact.
    pub first_contact_resolution: bool,
    /// "Richiesta incompleta": the citizen was asked for missing data.
    pub incomplete: bool,
    /// How many data requests were e-mailed.
    pub data_requests: u32,
    /// Office the ticket is (or was last) forwarded to: its code.
    pub office: Option<String>,
    /// User handling it.
    pub assignee: Option<String>,
    /// User who opened it.
    pub opened_by: String,
    /// Knowledge items used (identifiers).
    pub items: Vec<String>,
    /// Version, for optimistic concurrency.
    pub version: u64,
}

/// Last path segment of an IRI.
pub(crate) fn local(iri: &str) -> &str {
    iri.rsplit('/').next().unwrap_or(iri)
}

impl Ticket {
    /// An empty ticket with this id, to be filled by [`Ticket::apply_quad`].
    pub(crate) fn skeleton(id: &str) -> Self {
        Ticket {
            id: id.to_owned(),
            channel: Channel::Other,
            state: TicketState::New,
            priority: Priority::Normal,
            level: None,
            concept: None,
            description: String::new(),
            contact: None,
            related_contacts: Vec::new(),
            related: Vec::new(),
            received_at: DateTime::<Utc>::UNIX_EPOCH,
            taken_in_charge_at: None,
            closed_at: None,
            answer: None,
            resolved_at: None,
            first_contact_resolution: false,
            incomplete: false,
            data_requests: 0,
            office: None,
            assignee: None,
            opened_by: String::new(),
            items: Vec::new(),
            version: 0,
        }
    }

    /// Sets the field a quad of the ticket describes; returns whether the
    /// quad types the subject as a ticket.
    pub(crate) fn apply_quad(&mut self, q: &Quad) -> bool {
        let t = self;
        let v = term_value(&q.object);
        match q.predicate.as_str() {
            rdf::TYPE => return v == cc::TICKET,
            cc::CHANNEL => t.channel = Channel::from_iri(v).unwrap_or(Channel::Other),
            cc::TICKET_STATE_PROP => t.state = TicketState::from_iri(v).unwrap_or(TicketState::New),
            cc::PRIORITY => t.priority = Priority::parse(v).unwrap_or_default(),
            cc::LEVEL => t.level = Level::from_iri(v),
            dcterms::SUBJECT => t.concept = Some(v.to_owned()),
            dcterms::DESCRIPTION => t.description = v.to_owned(),
            cc::REQUESTER => t.contact = Some(local(v).to_owned()),
            cc::RELATED_CONTACT => t.related_contacts.push(local(v).to_owned()),
            cc::RELATED_RESOURCE => t.related.push(v.to_owned()),
            dcterms::CREATED => t.received_at = term_datetime(&q.object).unwrap_or(t.received_at),
            cc::TAKEN_IN_CHARGE_AT => t.taken_in_charge_at = term_datetime(&q.object),
            cc::CLOSED_AT => t.closed_at = term_datetime(&q.object),
            cc::ANSWER_GIVEN => t.answer = Some(v.to_owned()),
            cc::RESOLVED_AT_LEVEL => t.resolved_at = ResolvedAt::parse(v),
            cc::FIRST_CONTACT_RESOLUTION => t.first_contact_resolution = v == "true",
            cc::INCOMPLETE_REQUEST => t.incomplete = v == "true",
            cc::DATA_REQUESTS => t.data_requests = v.parse().unwrap_or(0),
            cc::ASSIGNED_OFFICE => t.office = Some(local(v).to_owned()),
            cc::ASSIGNEE => t.assignee = Some(local(v).to_owned()),
            dcterms::CREATOR => t.opened_by = local(v).to_owned(),
            cc::USED_ITEM => t.items.push(local(v).to_owned()),
            cc::VERSION => t.version = v.parse().unwrap_or(0),
            _ => {}
        }
        false
    }

    /// The ticket described by `quads` (all of one subject), if typed as one.
    pub(crate) fn from_quads(id: &str, quads: &[Quad]) -> Option<Self> {
        let mut t = Ticket::skeleton(id);
        let mut typed = false;
        for q in quads {
            typed |= t.apply_quad(q);
        }
        t.related_contacts.sort();
        t.related.sort();
        t.items.sort();
        typed.then_some(t)
    }

    /// The quads of this ticket (its description in the `crm` graph).
    pub(crate) fn to_quads(&self, crm: &crate::Crm) -> Vec<Quad> {
        let kb = crm.kb();
        let s = crm.ticket_iri(&self.id);
        let g = crm.graph();
        let mut out = Vec::with_capacity(24);
        let mut add = |p: &'static str, o: Term| out.push(Quad::new(s.clone(), nn(p), o, g.clone()));
        add(rdf::TYPE, nn(cc::TICKET).into_owned().into());
        add(dcterms::IDENTIFIER, lit(&self.id).into());
        add(cc::CHANNEL, nn(self.channel.iri()).into_owned().into());
        add(cc::TICKET_STATE_PROP, nn(self.state.iri()).into_owned().into());
        add(cc::PRIORITY, lit(self.priority.as_str()).into());
        if let Some(l) = self.level {
            add(cc::LEVEL, nn(l.iri()).into_owned().into());
        }
        if let Some(c) = &self.concept {
            add(dcterms::SUBJECT, NamedNode::new_unchecked(c.clone()).into());
        }
        add(dcterms::DESCRIPTION, lit(&self.description).into());
        if let Some(c) = &self.contact {
            add(cc::REQUESTER, crm.contact_iri(c).into());
        }
        for c in &self.related_contacts {
            add(cc::RELATED_CONTACT, crm.contact_iri(c).into());
        }
        for r in &self.related {
            add(cc::RELATED_RESOURCE, NamedNode::new_unchecked(r.clone()).into());
        }
        add(dcterms::CREATED, lit_datetime(self.received_at).into());
        if let Some(t) = self.taken_in_charge_at {
            add(cc::TAKEN_IN_CHARGE_AT, lit_datetime(t).into());
        }
        if let Some(t) = self.closed_at {
            add(cc::CLOSED_AT, lit_datetime(t).into());
        }
        if let Some(a) = &self.answer {
            add(cc::ANSWER_GIVEN, lit(a).into());
        }
        if let Some(r) = self.resolved_at {
            add(cc::RESOLVED_AT_LEVEL, lit(r.as_str()).into());
        }
        if self.first_contact_resolution {
            add(cc::FIRST_CONTACT_RESOLUTION, lit_bool(true).into());
        }
        if self.incomplete {
            add(cc::INCOMPLETE_REQUEST, lit_bool(true).into());
        }
        if self.data_requests > 0 {
            add(cc::DATA_REQUESTS, lit_int(u64::from(self.data_requests)).into());
        }
        if let Some(o) = &self.office {
            add(cc::ASSIGNED_OFFICE, kb.office_iri(o).into());
        }
        if let Some(a) = &self.assignee {
            add(cc::ASSIGNEE, kb.agent_iri(a).into());
        }
        add(dcterms::CREATOR, kb.agent_iri(&self.opened_by).into());
        for i in &self.items {
            add(cc::USED_ITEM, kb.iri(&format!("id/kb/{i}")).into());
        }
        add(cc::VERSION, lit_int(self.version).into());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_print_and_parse() {
        let id = TicketId { year: 2026, number: 123 };
        assert_eq!(id.to_string(), "RS-2026-000123");
        assert_eq!(TicketId::parse("RS-2026-000123").ok(), Some(id));
        assert_eq!(TicketId::parse("RS-2026-1234567").ok().map(|i| i.number), Some(1_234_567));
        for bad in ["", "RS-26-000001", "RS-2026-12", "XX-2026-000001", "RS-2026-00000a", "RS-2026-000001/../x"] {
            assert!(TicketId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()).ok(), Some(c));
            assert_eq!(Channel::from_iri(c.iri()), Some(c));
        }
        for s in TicketState::ALL {
            assert_eq!(TicketState::parse(s.as_str()).ok(), Some(s));
            assert_eq!(TicketState::from_iri(s.iri()), Some(s));
        }
        assert!(Channel::parse("pigeon").err().map(|e| e.to_string()).unwrap_or_default().contains("phone"));
    }
}
