//! The running telephony service: one engine, one writer thread that
//! applies and stores events in batches (group commit: a submission is
//! acknowledged only once its events are committed), one thread for the
//! CRM work events cause (tickets on answer, voicemail tickets, return-call
//! requests), and a broadcast of notices for the consoles and wallboards.

use crate::config::TelephonyConfig;
use crate::engine::{Announcer, Effect, Engine, Prompt, Submitted, Wallboard};
use crate::error::{Error, Result};
use crate::model::{AgentStatus, CtiEvent, EventKind, EventResult, Source};
use crate::store;
use chrono::{DateTime, Duration, Utc};
use crm::Crm;
use kb::{Actor, Kb, Role};
use serde_json::json;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// Most events accepted in one request.
pub const MAX_BATCH: usize = 5_000;
/// How often the writer wakes with nothing to do (timers, wallboard).
const IDLE_WAKE: std::time::Duration = std::time::Duration::from_millis(200);
/// Most wallboard pushes per second while events flow (ten).
const WALLBOARD_EVERY: std::time::Duration = std::time::Duration::from_millis(100);
/// A wallboard push at least this often (waits grow by themselves).
const WALLBOARD_AT_LEAST: std::time::Duration = std::time::Duration::from_secs(1);

/// A notice for the live pages (server-sent events).
#[derive(Debug, Clone)]
pub enum Notice {
    /// For one agent's console: JSON `{kind, ...}`.
    Agent {
        /// The agent (user name).
        agent: String,
        /// The JSON payload.
        json: Arc<str>,
    },
    /// A new wallboard, JSON (see [`Wallboard`]).
    Wallboard(Arc<str>),
}

type Reply = tokio::sync::oneshot::Sender<Result<Vec<EventResult>>>;

/// The service's clock (tests and the simulator set their own).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;
type Fill = Box<dyn FnOnce(&mut CtiEvent) + Send>;

enum Job {
    Submit(Vec<CtiEvent>, Reply),
    Emit(EventKind, DateTime<Utc>, Fill),
    Stop,
}

/// The telephony service: cheap to clone, safe to share.
#[derive(Clone)]
pub struct Telephony {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    kb: Kb,
    crm: Crm,
    engine: Mutex<Engine>,
    jobs: Mutex<mpsc::Sender<Job>>,
    notices: tokio::sync::broadcast::Sender<Notice>,
    wallboard: Mutex<Arc<str>>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Telephony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telephony").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Telephony {
    /// Starts the service: rebuilds the engine's state from the stored
    /// events of today and yesterday, then starts the writer.
    pub fn start(kb: Kb, crm: Crm, config: &TelephonyConfig, announcer: Option<Announcer>) -> Result<Self> {
        Self::start_with_clock(kb, crm, config, announcer, Arc::new(Utc::now))
    }

    /// The announcer of the registry (TEL-3): which announcement of each
    /// kind plays at an instant, by the time bands of the welcome messages.
    /// Cached for ten seconds per kind and minute, so that changes in the
    /// registry reach callers within ten seconds without a graph read per call.
    pub fn registry_announcer(kb: &Kb, tz: chrono_tz::Tz) -> Announcer {
        use crate::announcements::{AnnouncementKind, Announcements};
        let registry = Announcements::new(kb);
        type Cache = std::collections::HashMap<(u8, i64), (std::time::Instant, Option<String>)>;
        let cache: Mutex<Cache> = Mutex::new(Cache::new());
        Arc::new(move |p: Prompt, at: DateTime<Utc>| {
            let (kind, k) = match p {
                Prompt::Welcome => (AnnouncementKind::Welcome, 0u8),
                Prompt::Queue => (AnnouncementKind::Queue, 1),
                Prompt::MusicOnHold => (AnnouncementKind::MusicOnHold, 2),
                Prompt::AfterHours => (AnnouncementKind::AfterHours, 3),
            };
            let key = (k, at.timestamp().div_euclid(60));
            let mut c = lock(&cache);
            if let Some((when, v)) = c.get(&key)
                && when.elapsed() < std::time::Duration::from_secs(10)
            {
                return v.clone();
            }
            let v = registry.pick(kind, at, tz).map(|h| format!("{}@{}", h.name, h.version));
            if c.len() > 64 {
                c.clear();
            }
            c.insert(key, (std::time::Instant::now(), v.clone()));
            v
        })
    }

    /// [`Telephony::start`] on another clock.
    pub fn start_with_clock(kb: Kb, crm: Crm, config: &TelephonyConfig, announcer: Option<Announcer>, clock: Clock) -> Result<Self> {
        let announcer = announcer.or_else(|| Some(Self::registry_announcer(&kb, crm.clocks().calendar().timezone())));
        let engine = recover(&kb, &crm, config, announcer.clone(), clock())?;
        let (tx, rx) = mpsc::channel();
        let (notices, _) = tokio::sync::broadcast::channel(4096);
        let wb: Arc<str> = Arc::from(serde_json::to_string(&engine.wallboard(clock())).unwrap_or_default());
        let t = Telephony {
            inner: Arc::new(Inner {
                clock,
                kb,
                crm,
                engine: Mutex::new(engine),
                jobs: Mutex::new(tx.clone()),
                notices,
                wallboard: Mutex::new(wb),
                threads: Mutex::new(Vec::new()),
                shutdown: tokio::sync::watch::Sender::new(false),
            }),
        };
        let (fx_tx, fx_rx) = mpsc::channel::<Vec<Effect>>();
        let writer = {
            let weak = Arc::downgrade(&t.inner);
            std::thread::Builder::new()
                .name("telephony-writer".into())
                .spawn(move || writer(weak, rx, fx_tx))
                .map_err(|e| Error::Conflict(format!("cannot start the telephony writer: {e}")))?
        };
        let effects = {
            let weak = Arc::downgrade(&t.inner);
            std::thread::Builder::new()
                .name("telephony-effects".into())
                .spawn(move || effects(weak, fx_rx, tx))
                .map_err(|e| Error::Conflict(format!("cannot start the telephony effects thread: {e}")))?
        };
        lock(&t.inner.threads).extend([writer, effects]);
        Ok(t)
    }

    /// Becomes true when the service stops (live streams end on it).
    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.shutdown.subscribe()
    }

    /// Stops the threads (pending submissions are finished first) and
    /// ends the live streams.
    pub fn stop(&self) {
        self.inner.shutdown.send_replace(true);
        let _ = lock(&self.inner.jobs).send(Job::Stop);
        let threads: Vec<_> = lock(&self.inner.threads).drain(..).collect();
        for h in threads {
            let _ = h.join();
        }
    }

    /// The service's current time.
    pub fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    /// The knowledge base.
    pub fn kb(&self) -> &Kb {
        &self.inner.kb
    }

    /// The CRM.
    pub fn crm(&self) -> &Crm {
        &self.inner.crm
    }

    /// Locks the engine for a read (views). Keep it short.
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        lock(&self.inner.engine)
    }

    /// Submits events (from the PBX connector or a console) and waits
    /// until they are stored. The results are in the order given.
    pub async fn submit(&self, events: Vec<CtiEvent>) -> Result<Vec<EventResult>> {
        if events.len() > MAX_BATCH {
            return Err(Error::invalid("events", format!("{} events in one request; send at most {MAX_BATCH}", events.len())));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        lock(&self.inner.jobs).send(Job::Submit(events, tx)).map_err(|_| Error::Stopped)?;
        rx.await.map_err(|_| Error::Stopped)?
    }

    /// [`Telephony::submit`] for threads outside the async runtime.
    pub fn submit_blocking(&self, events: Vec<CtiEvent>) -> Result<Vec<EventResult>> {
        if events.len() > MAX_BATCH {
            return Err(Error::invalid("events", format!("{} events in one request; send at most {MAX_BATCH}", events.len())));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        lock(&self.inner.jobs).send(Job::Submit(events, tx)).map_err(|_| Error::Stopped)?;
        rx.blocking_recv().map_err(|_| Error::Stopped)?
    }

    /// An event from an operator's or supervisor's page, with a fresh id.
    pub async fn console(&self, kind: EventKind, fill: impl FnOnce(&mut CtiEvent)) -> Result<EventResult> {
        let mut e = CtiEvent::new(format!("console-{}", uuid::Uuid::new_v4()), kind, self.now());
        fill(&mut e);
        e.source = Source::Console;
        let mut r = self.submit(vec![e]).await?;
        let r = r.pop().ok_or(Error::Stopped)?;
        match (r.status.as_str(), &r.error) {
            ("rejected", Some(msg)) => Err(Error::Conflict(msg.clone())),
            _ => Ok(r),
        }
    }

    /// Subscribes to the live notices.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        self.inner.notices.subscribe()
    }

    /// The last published wallboard, JSON.
    pub fn wallboard_json(&self) -> Arc<str> {
        lock(&self.inner.wallboard).clone()
    }

    /// The wallboard now.
    pub fn wallboard(&self) -> Wallboard {
        self.engine().wallboard(self.now())
    }

    /// Changes the chart's sampling period (the supervisor's choice).
    pub fn set_sample_s(&self, s: u64) -> Result<()> {
        self.engine().set_sample_s(s)
    }

    /// The stored events of a call.
    pub fn call_events(&self, call: &str) -> Result<Vec<CtiEvent>> {
        store::events_of_call(&self.inner.kb, call)
    }

    // ----- writer -----

    /// One round of the writer: applies and stores the jobs received.
    /// Returns false when asked to stop.
    fn write_round(
        &self,
        first: Option<Job>,
        rx: &mpsc::Receiver<Job>,
        fx: &mpsc::Sender<Vec<Effect>>,
        last_wallboard: &mut std::time::Instant,
        dirty: &mut bool,
    ) -> bool {
        {
            let mut jobs: Vec<Job> = first.into_iter().collect();
            let mut count: usize = jobs.iter().map(job_size).sum();
            while count < MAX_BATCH * 2 {
                match rx.try_recv() {
                    Ok(j) => {
                        count += job_size(&j);
                        jobs.push(j);
                    }
                    Err(_) => break,
                }
            }
            let stop = jobs.iter().any(|j| matches!(j, Job::Stop));
            let now = self.now();
            let mut to_store: Vec<CtiEvent> = Vec::new();
            let mut effects: Vec<Effect> = Vec::new();
            let mut replies: Vec<(Reply, Vec<EventResult>)> = Vec::new();
            {
                let mut engine = self.engine();
                for job in jobs {
                    match job {
                        Job::Submit(events, reply) => {
                            let mut results = Vec::with_capacity(events.len());
                            for e in events {
                                if !engine.has_seen(&e.id) && store::is_stored(&self.inner.kb, &e.id).unwrap_or(false) {
                                    results.push(EventResult {
                                        id: e.id.clone(),
                                        status: "duplicate".into(),
                                        flags: Vec::new(),
                                        error: None,
                                        reason: None,
                                        emitted: Vec::new(),
                                    });
                                    continue;
                                }
                                let s = engine.submit(e, now);
                                results.push(s.result.clone());
                                absorb(s, &mut to_store, &mut effects);
                            }
                            replies.push((reply, results));
                        }
                        Job::Emit(kind, at, fill) => {
                            let s = engine.emit(kind, at, fill, now);
                            if s.result.status == "rejected" {
                                tracing::warn!(kind = kind.as_str(), error = ?s.result.error, "engine event refused");
                            }
                            absorb(s, &mut to_store, &mut effects);
                        }
                        Job::Stop => {}
                    }
                }
                let s = engine.tick(now);
                absorb(s, &mut to_store, &mut effects);
            }
            let stored = if to_store.is_empty() { Ok(()) } else { self.store(&to_store) };
            match stored {
                Ok(()) => {
                    for (reply, results) in replies {
                        let _ = reply.send(Ok(results));
                    }
                    if !to_store.is_empty() {
                        *dirty = true;
                        self.notify(&to_store);
                    }
                    if !effects.is_empty() {
                        let _ = fx.send(effects);
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, events = to_store.len(), "storing CTI events failed; the engine is rebuilt from the store");
                    let msg = e.to_string();
                    for (reply, _) in replies {
                        let _ = reply.send(Err(Error::Conflict(format!("events not stored: {msg}"))));
                    }
                    self.rebuild();
                }
            }
            let since = last_wallboard.elapsed();
            if (*dirty && since >= WALLBOARD_EVERY) || since >= WALLBOARD_AT_LEAST {
                let wb = self.engine().wallboard(self.now());
                let json: Arc<str> = Arc::from(serde_json::to_string(&wb).unwrap_or_default());
                *lock(&self.inner.wallboard) = json.clone();
                let _ = self.inner.notices.send(Notice::Wallboard(json));
                *last_wallboard = std::time::Instant::now();
                *dirty = false;
            }
            !stop
        }
    }

    /// Stores a round's events in one atomic write: oxigraph's bulk loader
    /// (the round only adds quads), committed before anyone is answered.
    fn store(&self, events: &[CtiEvent]) -> Result<()> {
        let crm = &self.inner.crm;
        store::store_events(&self.inner.kb, crm, crm.clocks().calendar(), events)
    }

    fn rebuild(&self) {
        let announcer = self.engine_announcer();
        let cfg = self.engine().config().clone();
        match recover(&self.inner.kb, &self.inner.crm, &cfg, announcer, self.now()) {
            Ok(e) => *self.engine() = e,
            Err(e) => tracing::error!(error = %e, "cannot rebuild the telephony engine from the store"),
        }
    }

    fn engine_announcer(&self) -> Option<Announcer> {
        self.engine().announcer()
    }

    /// Console notices for the agents concerned by stored events.
    fn notify(&self, events: &[CtiEvent]) {
        if self.inner.notices.receiver_count() == 0 {
            return;
        }
        let now = self.now();
        let engine = self.engine();
        for e in events {
            let agent = match e.kind {
                EventKind::Routed | EventKind::Answered | EventKind::AgentState | EventKind::RingTimeout | EventKind::WorkDone => {
                    e.agent.clone()
                }
                EventKind::TicketOpened | EventKind::Ended | EventKind::Abandoned | EventKind::Transferred => {
                    e.call.as_deref().and_then(|c| engine.call(c, now)).and_then(|c| c.agent)
                }
                _ => None,
            };
            let Some(agent) = agent else { continue };
            let call = e.call.as_deref().and_then(|c| engine.call(c, now));
            let payload = json!({
                "kind": e.kind.as_str(),
                "event": e,
                "call": call,
                "agent": engine.agent(&agent, now),
                "waited_s": call.as_ref().and_then(|c| c.waited_s),
            });
            let _ = self.inner.notices.send(Notice::Agent { agent, json: Arc::from(payload.to_string()) });
        }
    }

    // ----- CRM work -----

    fn actor_for(&self, agent: &str) -> Actor {
        match self.inner.kb.user(agent) {
            Ok(Some(u)) if !u.disabled => Actor::new(agent, u.roles.clone()),
            _ => Actor::new(agent, [Role::OperatorL1]),
        }
    }

    /// Opens (or finds again, idempotent per call) the ticket of a call or
    /// voicemail, with the caller found by number; returns it and the contact id.
    fn call_ticket(
        &self,
        actor: &Actor,
        channel: crm::Channel,
        what: &str,
        call: &str,
        caller: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(crm::Ticket, Option<String>)> {
        let crm = &self.inner.crm;
        let contact = caller.and_then(|c| crm.find_by_phone(actor, c).ok()).and_then(|v| v.into_iter().next()).map(|c| c.id);
        let new = crm::NewTicket {
            channel,
            contact: contact.clone(),
            concept: None,
            description: format!("{what} da {}", caller.unwrap_or("numero riservato")),
            priority: crm::Priority::default(),
            level: None,
            // The CRM refuses times ahead of its own clock (PBX skew).
            received_at: Some(at.min(Utc::now())),
            related: vec![store::call_iri(&self.inner.kb, call).as_str().to_owned()],
            client_key: Some(client_key(channel.as_str(), call)),
        };
        Ok((crm.open_ticket(actor, &new)?, contact))
    }

    fn effect(&self, fx: &Effect, jobs: &mpsc::Sender<Job>) -> Result<()> {
        let crm = &self.inner.crm;
        let system = Actor::new("telephony", [Role::OperatorL1, Role::OperatorL2]);
        let emit = |kind: EventKind, at: DateTime<Utc>, fill: Fill| {
            let _ = jobs.send(Job::Emit(kind, at, fill));
        };
        match fx {
            Effect::OpenTicket { call, agent, caller, at } => {
                let actor = self.actor_for(agent);
                let (t, contact) = self.call_ticket(&actor, crm::Channel::Phone, "Chiamata", call, caller.as_deref(), *at)?;
                if t.state == crm::TicketState::New {
                    let _ = crm.act(&actor, &t.id, None, crm::Action::TakeInCharge);
                }
                emit_ticket_opened(&emit, call, &t.id, contact, *at);
            }
            Effect::TransferTicketToL2 { ticket, from, agent } => {
                let actor = from.as_deref().map_or(system.clone(), |f| self.actor_for(f));
                let action =
                    crm::Action::TransferToL2 { operator: agent.clone(), comment: "Trasferimento in linea con la chiamata".into() };
                if let Err(e) = crm.act(&actor, ticket, None, action.clone()) {
                    tracing::info!(error = %e, "transfer to L2 as the first-level agent refused; done by the engine");
                    crm.act(&system, ticket, None, action)?;
                }
            }
            Effect::AssignTicketToL2 { ticket, from } => {
                let actor = from.as_deref().map_or(system.clone(), |f| self.actor_for(f));
                let action =
                    crm::Action::AssignToL2 { comment: "Trasferimento in linea non riuscito: il chiamante ha riagganciato".into() };
                if crm.act(&actor, ticket, None, action.clone()).is_err() {
                    crm.act(&system, ticket, None, action)?;
                }
            }
            Effect::VoicemailTicket { call, caller, at, audio_base64 } => {
                let (t, contact) =
                    self.call_ticket(&system, crm::Channel::Voicemail, "Messaggio in segreteria", call, caller.as_deref(), *at)?;
                if let Some(b64) = audio_base64 {
                    match crate::audio::decode_base64(b64) {
                        Ok(bytes) => {
                            if let Err(e) = crm.attach(&system, &t.id, "segreteria.wav", &bytes) {
                                tracing::warn!(ticket = %t.id, error = %e, "voicemail audio not attached");
                            }
                        }
                        Err(e) => tracing::warn!(ticket = %t.id, error = %e, "voicemail audio unreadable"),
                    }
                }
                emit_ticket_opened(&emit, call, &t.id, contact, *at);
                let tk2 = t.id.clone();
                emit(
                    EventKind::WorkOffered,
                    *at,
                    Box::new(move |e| {
                        e.work = Some(tk2);
                        e.channel = Some(crate::model::ContactType::Voicemail);
                    }),
                );
            }
            Effect::ReturnCall { call, caller, extension, agent } => {
                let actor = agent.as_deref().map_or(system.clone(), |a| self.actor_for(a));
                let person = self
                    .inner
                    .kb
                    .people()?
                    .into_iter()
                    .find(|p| p.extension.as_deref().is_some_and(|x| x.trim() == extension.trim()))
                    .ok_or_else(|| Error::not_found("person with extension", extension.clone()))?;
                let new = crm::NewReturnCall {
                    caller_name: caller.clone().unwrap_or_else(|| "chiamante".into()),
                    contact: None,
                    phone: caller.clone().unwrap_or_default(),
                    person: person.staff_number.clone(),
                    message: format!("Chiamata {call} trasferita all'interno {extension} senza risposta: richiamare il cittadino."),
                };
                crm.create_return_call(&actor, &new)?;
            }
        }
        Ok(())
    }
}

/// The CRM's idempotency key of the ticket a call opens: reopening after a
/// crash or a replay finds the same ticket.
fn client_key(kind: &str, call: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{kind}:{call}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{kind}-{hex}")
}

/// Records, as an engine event, the ticket a call opened.
fn emit_ticket_opened(
    emit: &impl Fn(EventKind, DateTime<Utc>, Fill),
    call: &str,
    ticket: &str,
    contact: Option<String>,
    at: DateTime<Utc>,
) {
    let (call, ticket) = (call.to_owned(), ticket.to_owned());
    emit(
        EventKind::TicketOpened,
        at,
        Box::new(move |e| {
            e.call = Some(call);
            e.ticket = Some(ticket);
            e.contact = contact;
        }),
    );
}

fn fx_name(fx: &Effect) -> &'static str {
    match fx {
        Effect::OpenTicket { .. } => "open_ticket",
        Effect::TransferTicketToL2 { .. } => "transfer_ticket_to_l2",
        Effect::AssignTicketToL2 { .. } => "assign_ticket_to_l2",
        Effect::VoicemailTicket { .. } => "voicemail_ticket",
        Effect::ReturnCall { .. } => "return_call",
    }
}

/// The writer thread: ends when the service is dropped or stopped.
fn writer(weak: Weak<Inner>, rx: mpsc::Receiver<Job>, fx: mpsc::Sender<Vec<Effect>>) {
    let mut last_wallboard = std::time::Instant::now() - WALLBOARD_AT_LEAST;
    let mut dirty = true;
    loop {
        let first = match rx.recv_timeout(IDLE_WAKE) {
            Ok(j) => Some(j),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let Some(inner) = weak.upgrade() else { return };
        let t = Telephony { inner };
        if !t.write_round(first, &rx, &fx, &mut last_wallboard, &mut dirty) {
            return;
        }
    }
}

/// The thread doing the CRM work of events (one at a time, in order).
fn effects(weak: Weak<Inner>, rx: mpsc::Receiver<Vec<Effect>>, jobs: mpsc::Sender<Job>) {
    while let Ok(batch) = rx.recv() {
        let Some(inner) = weak.upgrade() else { return };
        let t = Telephony { inner };
        for fx in batch {
            if let Err(e) = t.effect(&fx, &jobs) {
                tracing::warn!(error = %e, effect = fx_name(&fx), "CRM work of a CTI event failed");
            }
        }
    }
}

fn job_size(j: &Job) -> usize {
    match j {
        Job::Submit(v, _) => v.len(),
        _ => 1,
    }
}

fn absorb(s: Submitted, to_store: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
    to_store.extend(s.events);
    effects.extend(s.effects);
}

/// The engine rebuilt from the stored events of today and yesterday.
fn recover(kb: &Kb, crm: &Crm, config: &TelephonyConfig, announcer: Option<Announcer>, now: DateTime<Utc>) -> Result<Engine> {
    let calendar = crm.clocks().calendar().clone();
    let mut engine = Engine::new(config.clone(), calendar.clone())?;
    if let Some(a) = announcer {
        engine.set_announcer(a);
    }
    let today = calendar.local_date(now);
    let yesterday = calendar.local_date(now - Duration::days(1));
    let days: Vec<_> = if today == yesterday { vec![today] } else { vec![yesterday, today] };
    let events = store::events_of_days(kb, &days)?;
    let n = events.len();
    for e in &events {
        engine.replay(e);
    }
    engine.set_boot(u64::try_from(Utc::now().timestamp_millis()).unwrap_or(0));
    if n > 0 {
        let busy = engine.agents(now).iter().filter(|a| a.status != AgentStatus::LoggedOut).count();
        tracing::info!(events = n, agents = busy, waiting = engine.waiting(), "telephony state recovered from the stored events");
    }
    Ok(engine)
}
