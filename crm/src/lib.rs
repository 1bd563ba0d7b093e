//! The centralino CRM: contacts, tickets ("RS") and their path across the
//! first, second and third level and the offices of the administration
//! (Allegato A of the tender), the service calendar and the SLA clocks of
//! offline requests.
//!
//! Everything is stored as triples in the knowledge graph's `crm` graph
//! (vCard contacts, `cc:Ticket`s, `cc:TicketActivity`s as PROV activities),
//! written through [`kb::Kb::write`]: one transaction per operation under
//! the single writer, so a refused operation changes nothing. The
//! [`Board`] keeps every ticket's filter and sort keys in memory for fast
//! lists; it is derived from the graph at start.

mod action;
mod attachments;
mod board;
pub mod calendar;
mod contact;
mod error;
mod flow;
mod followup;
mod history;
mod knowledge;
mod mail;
pub mod sla;
mod ticket;

pub use attachments::{Attachment, EmailSummary, inline_kind, parse_email, sniff};
pub use board::{Board, BoardCounts, BoardPage, Sort, StateCount, TicketFilter};
pub use calendar::{Calendar, CalendarConfig};
pub use contact::{Contact, ContactInput, ContactKind, normalize_email, normalize_phone, validate_contact_id};
pub use error::{Error, Result};
pub use flow::{Action, TicketEvent, TicketListing, TicketPage, TicketSummary};
pub use followup::{CallBack, NewReturnCall, ReturnCall};
pub use history::HistoryBatch;
pub use knowledge::{GapCluster, GapReport, TermCount};
pub use mail::{Delivery, MailConfig, MessageKind, OutgoingMessage, TlsMode};
pub use sla::{Clock, Clocks, Deadlines, SlaConfig};
pub use ticket::{Channel, Desk, NewTicket, Priority, ResolvedAt, Ticket, TicketId, TicketState};

use chrono::{DateTime, Utc};
use kb::{Graph, Kb};
use ontologies::vocab::{cc, rdf};
use oxigraph::model::{NamedNode, NamedOrBlankNode};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Condvar, Mutex, RwLock, RwLockReadGuard};

/// The CRM settings (`[crm]` in `centralino.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrmConfig {
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: usize,
    /// Service hours and holidays.
    pub calendar: CalendarConfig,
    /// SLA clocks of offline requests.
    pub sla: SlaConfig,
    /// Outgoing e-mail.
    pub mail: MailConfig,
}

impl Default for CrmConfig {
    fn default() -> Self {
        Self {
            max_attachment_bytes: attachments::DEFAULT_MAX_ATTACHMENT_BYTES,
            calendar: CalendarConfig::default(),
            sla: SlaConfig::default(),
            mail: MailConfig::default(),
        }
    }
}

/// The CRM: cheap to clone, safe to share between threads.
#[derive(Clone)]
pub struct Crm {
    inner: Arc<Inner>,
}

struct Inner {
    kb: Kb,
    config: CrmConfig,
    graph: NamedNode,
    clocks: Clocks,
    board: RwLock<Board>,
    /// Wakes the e-mail sender when a message is queued.
    mail_wakeup: Condvar,
    mail_lock: Mutex<()>,
}

impl std::fmt::Debug for Crm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crm").field("tickets", &self.board().len()).finish()
    }
}

/// The current instant (one place, so that tests read clearly).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

impl Crm {
    /// Opens the CRM on a knowledge base: validates the configuration and
    /// loads the ticket board from the graph.
    pub fn open(kb: Kb, config: &CrmConfig) -> Result<Self> {
        let calendar = Calendar::new(&config.calendar)?;
        let clocks = Clocks::new(calendar, config.sla.clone());
        let graph = kb.graph(Graph::Crm).into_owned();
        let crm = Crm {
            inner: Arc::new(Inner {
                kb,
                config: config.clone(),
                graph,
                clocks,
                board: RwLock::default(),
                mail_wakeup: Condvar::new(),
                mail_lock: Mutex::new(()),
            }),
        };
        match crm.saved_board() {
            Some(board) => {
                tracing::info!(tickets = board.len(), "ticket board restored from the clean shutdown's snapshot");
                *crm.inner.board.write().unwrap_or_else(std::sync::PoisonError::into_inner) = board;
            }
            None => crm.load_board()?,
        }
        Ok(crm)
    }

    /// One write transaction of the CRM (see [`Kb::write`]): an error from
    /// `f` leaves the graph unchanged.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut kb::WriteTx<'_>) -> Result<T>) -> Result<T> {
        self.inner.kb.write_with(|w| {
            let value = f(w)?;
            self.bump_generation(w)?;
            Ok(value)
        })
    }

    fn generation_node(&self) -> NamedNode {
        self.kb().iri("id/crm")
    }

    /// The CRM write generation: bumped by every CRM write, so that a saved
    /// board is only used when nothing changed since it was saved.
    pub fn generation(&self) -> Result<u64> {
        use kb::rdf::Reader;
        let v = self.kb().store().object(self.generation_node().as_ref(), cc::GENERATION, self.graph().as_ref())?;
        Ok(v.map_or(0, |t| kb::rdf::term_value(&t).parse().unwrap_or(0)))
    }

    fn bump_generation(&self, w: &mut kb::WriteTx<'_>) -> Result<()> {
        use kb::rdf::Reader;
        let (node, g) = (self.generation_node(), self.graph());
        let old = w.object(node.as_ref(), cc::GENERATION, g.as_ref())?;
        let n = old.as_ref().map_or(0, |t| kb::rdf::term_value(t).parse::<u64>().unwrap_or(0)) + 1;
        if let Some(o) = old {
            w.remove(&oxigraph::model::Quad::new(node.clone(), kb::rdf::nn(cc::GENERATION), o, g.clone()));
        }
        w.insert(&oxigraph::model::Quad::new(node, kb::rdf::nn(cc::GENERATION), kb::rdf::lit_int(n), g));
        Ok(())
    }

    fn snapshot_path(&self) -> std::path::PathBuf {
        self.kb().data_dir().join("crm-board.bin")
    }

    fn fingerprint(&self) -> u64 {
        let c = &self.inner.config;
        board::snapshot::fingerprint(&serde_json::json!({"calendar": c.calendar, "sla": c.sla}).to_string())
    }

    /// Saves the board for the next start (call at a clean shutdown).
    pub fn save_board(&self) -> Result<()> {
        let path = self.snapshot_path();
        let tmp = path.with_extension("bin.tmp");
        let io = |e: std::io::Error| Error::Kb(kb::Error::Io { path: tmp.clone(), source: e });
        let generation = self.generation()?;
        {
            let board = self.board();
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
            board::snapshot::write(&board, generation, self.fingerprint(), &mut out).map_err(io)?;
            std::io::Write::flush(&mut out).map_err(io)?;
            out.get_ref().sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }

    /// The board saved at the last clean shutdown, if still valid. The file
    /// is deleted once read: after a crash there is none.
    fn saved_board(&self) -> Option<Board> {
        let path = self.snapshot_path();
        let file = std::fs::File::open(&path).ok()?;
        let generation = self.generation().ok()?;
        let read = board::snapshot::read(&mut std::io::BufReader::new(file), generation, self.fingerprint());
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(error = %e, "cannot remove the saved ticket board");
            return None;
        }
        match read {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "saved ticket board unreadable; rebuilding from the graph");
                None
            }
        }
    }

    /// The ids of the resources of one kind (`attachment`, `message`,
    /// `callback`: their IRIs are `{base}id/{kind}/{id}`) linked to a
    /// ticket by `cc:onTicket`.
    pub(crate) fn on_ticket(&self, r: &impl kb::rdf::Reader, ticket: &str, kind: &str) -> Result<Vec<String>> {
        let prefix = self.kb().iri(&format!("id/{kind}/")).into_string();
        let quads = r.quads(
            None,
            Some(kb::rdf::nn(cc::ON_TICKET)),
            Some(self.ticket_iri(ticket).as_ref().into()),
            Some(self.graph().as_ref().into()),
        )?;
        Ok(quads
            .into_iter()
            .filter_map(|q| match q.subject {
                NamedOrBlankNode::NamedNode(n) => n.as_str().strip_prefix(prefix.as_str()).map(str::to_owned),
                NamedOrBlankNode::BlankNode(_) => None,
            })
            .collect())
    }

    /// The knowledge base underneath.
    pub fn kb(&self) -> &Kb {
        &self.inner.kb
    }

    /// The settings.
    pub fn config(&self) -> &CrmConfig {
        &self.inner.config
    }

    /// The clocks (calendar and SLA settings).
    pub fn clocks(&self) -> &Clocks {
        &self.inner.clocks
    }

    pub(crate) fn graph(&self) -> NamedNode {
        self.inner.graph.clone()
    }

    /// The board (read lock).
    pub fn board(&self) -> RwLockReadGuard<'_, Board> {
        self.inner.board.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn board_upsert(&self, t: &Ticket) {
        let mut b = self.inner.board.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        b.upsert(t, &self.inner.clocks);
    }

    pub(crate) fn board_requester_moved(&self, tickets: &[NamedNode], contact: &str) {
        let ids: Vec<TicketId> = tickets.iter().filter_map(|t| TicketId::parse(ticket::local(t.as_str())).ok()).collect();
        let mut b = self.inner.board.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        b.set_contact(&ids, contact);
    }

    /// Rebuilds the board from the graph: one index scan per key predicate
    /// (oxigraph's graph-predicate order), not one read per ticket.
    pub fn load_board(&self) -> Result<()> {
        use ontologies::vocab::dcterms;
        let store = self.kb().store();
        let g = self.graph();
        let prefix = self.kb().iri("id/ticket/").into_string();
        let id_of = |s: &NamedOrBlankNode| match s {
            NamedOrBlankNode::NamedNode(n) => n.as_str().strip_prefix(prefix.as_str()).filter(|id| !id.contains('/')).map(str::to_owned),
            NamedOrBlankNode::BlankNode(_) => None,
        };
        let t0 = std::time::Instant::now();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        let mut tickets: Vec<Mutex<Ticket>> = Vec::new();
        for q in store.quads_for_pattern(None, Some(kb::rdf::nn(rdf::TYPE)), Some(kb::rdf::nn(cc::TICKET).into()), Some(g.as_ref().into()))
        {
            let q = q.map_err(kb::Error::from)?;
            if let Some(id) = id_of(&q.subject) {
                index.insert(id.clone(), tickets.len());
                tickets.push(Mutex::new(Ticket::skeleton(&id)));
            }
        }
        let keys = [
            cc::TICKET_STATE_PROP,
            cc::CHANNEL,
            cc::PRIORITY,
            cc::ASSIGNED_OFFICE,
            cc::ASSIGNEE,
            dcterms::CREATOR,
            cc::REQUESTER,
            dcterms::SUBJECT,
            dcterms::CREATED,
            cc::TAKEN_IN_CHARGE_AT,
            cc::CLOSED_AT,
            cc::VERSION,
        ];
        // The scans are independent reads of one snapshot each: spread them
        // over the cores (decoding terms is the cost).
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 4);
        let scan = |p: &'static str| -> Result<()> {
            for q in store.quads_for_pattern(None, Some(kb::rdf::nn(p)), None, Some(g.as_ref().into())) {
                let q = q.map_err(kb::Error::from)?;
                if let Some(&i) = id_of(&q.subject).and_then(|id| index.get(&id)) {
                    tickets[i].lock().unwrap_or_else(std::sync::PoisonError::into_inner).apply_quad(&q);
                }
            }
            Ok(())
        };
        std::thread::scope(|sc| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let scan = &scan;
                    sc.spawn(move || keys.iter().skip(w).step_by(workers).try_for_each(|p| scan(p)))
                })
                .collect();
            handles.into_iter().try_for_each(|h| h.join().unwrap_or_else(|_| Err(Error::invalid("board", "a scan thread panicked"))))
        })?;
        let tickets: Vec<Ticket> = tickets.into_iter().map(|m| m.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)).collect();
        let scanned = t0.elapsed();
        let mut board = Board::default();
        for t in &tickets {
            board.upsert(t, &self.inner.clocks);
        }
        tracing::info!(tickets = board.len(), scan_ms = scanned.as_millis(), total_ms = t0.elapsed().as_millis(), "ticket board loaded");
        *self.inner.board.write().unwrap_or_else(std::sync::PoisonError::into_inner) = board;
        Ok(())
    }
}
