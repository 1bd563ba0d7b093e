//! The ACD and IVR engine: a deterministic state machine over the contact
//! life-cycle events.
//!
//! The state (calls, offline work, queues, agents, today's counters) is a
//! fold of the stored events: [`Engine::replay`] applies a stored event
//! without deciding anything, so a restart rebuilds queues and agent
//! states from the `telephony` graph. [`Engine::submit`] validates an
//! incoming event, applies it and then decides (IVR step, queue, agent),
//! returning the accepted event followed by the events the engine emitted,
//! in application order; [`Engine::tick`] fires the timers (end of
//! wrap-up, ring time-out, the wallboard's samples). The engine never
//! reads the clock: every call passes `now`, so the same code runs live
//! and in the simulator's virtual time.

use crate::config::{BlendPolicy, Strategy, TelephonyConfig};
use crate::error::{Error, Result};
use crate::model::{AgentStatus, ContactType, CtiEvent, EventKind, EventResult, Skill, Source, TransferTarget, WorkMode};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use crm::Calendar;
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

mod apply;
mod check;
mod route;
mod views;

pub use views::{AgentView, CallView, QueueView, Sample, Wallboard};

/// Kinds of announcement the IVR plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Welcome, by time band.
    Welcome,
    /// No agent is free.
    Queue,
    /// Music on hold.
    MusicOnHold,
    /// Out of service time.
    AfterHours,
}

/// Chooses the announcement a caller hears (`name@version`), by kind and time.
pub type Announcer = Arc<dyn Fn(Prompt, DateTime<Utc>) -> Option<String> + Send + Sync>;

/// Longest accepted clock skew of an event into the future.
const MAX_FUTURE: Duration = Duration::minutes(5);
/// Oldest accepted event.
const MAX_AGE: Duration = Duration::days(7);
/// Finished calls are kept this long for late events, then forgotten.
const KEEP_FINISHED: Duration = Duration::hours(2);
/// Longest accepted identifier.
const MAX_ID: usize = 200;

/// What the service must do after the events of a submission are stored.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Open the phone ticket of an answered call (CRM-1).
    OpenTicket {
        /// The call.
        call: String,
        /// The agent who answered.
        agent: String,
        /// Caller id.
        caller: Option<String>,
        /// When it was answered.
        at: DateTime<Utc>,
    },
    /// Hand the call's ticket to the second-level agent who answered it
    /// after a warm transfer (CRM-6).
    TransferTicketToL2 {
        /// The ticket.
        ticket: String,
        /// The first-level agent who transferred.
        from: Option<String>,
        /// The second-level agent.
        agent: String,
    },
    /// The live transfer failed: the ticket goes to the L2 inbox (CRM-6).
    AssignTicketToL2 {
        /// The ticket.
        ticket: String,
        /// The first-level agent who transferred.
        from: Option<String>,
    },
    /// A voicemail: open an offline ticket with the audio (TEL-4).
    VoicemailTicket {
        /// The call.
        call: String,
        /// Caller id.
        caller: Option<String>,
        /// When the message was left.
        at: DateTime<Utc>,
        /// The WAV, base64.
        audio_base64: Option<String>,
    },
    /// The employee did not answer a transfer: a return-call request (CRM-13).
    ReturnCall {
        /// The call.
        call: String,
        /// Caller id.
        caller: Option<String>,
        /// The extension that did not answer.
        extension: String,
        /// The agent who transferred.
        agent: Option<String>,
    },
}

/// The outcome of one submitted event.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// What the sender is told.
    pub result: EventResult,
    /// Events to store, in application order: the submitted one (unless
    /// rejected, duplicate or pending) then those the engine emitted.
    pub events: Vec<CtiEvent>,
    /// Work for the service once the events are stored.
    pub effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Call(String),
    Work(String),
}

#[derive(Debug, Clone)]
struct Entry {
    key: Key,
    since: DateTime<Utc>,
    order: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum CallState {
    Offered,
    Ivr,
    Queued,
    Ringing,
    Talking,
    AfterHours,
    Voicemail,
    TransferredOut,
    Done,
}

#[derive(Debug, Clone)]
struct Call {
    state: CallState,
    channel: ContactType,
    caller: Option<String>,
    queue: Option<usize>,
    offered_at: DateTime<Utc>,
    queued_at: Option<DateTime<Utc>>,
    answered_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    agent: Option<String>,
    ringing: Option<(String, DateTime<Utc>)>,
    ticket: Option<String>,
    contact: Option<String>,
    /// The first-level agent who transferred it to L2 (warm).
    l2_from: Option<String>,
    /// Whether this call has counted as offered to its current queue.
    counted_in: Option<usize>,
    /// Its place in the arrival order of its queue (kept when an offer
    /// goes unanswered and the call returns to the head).
    order: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkState {
    Queued,
    Working,
    Done,
}

#[derive(Debug, Clone)]
struct Work {
    state: WorkState,
    channel: ContactType,
    queue: usize,
    offered_at: DateTime<Utc>,
    agent: Option<String>,
}

#[derive(Debug, Clone)]
struct Agent {
    id: String,
    status: AgentStatus,
    reason: Option<String>,
    terminal: Option<String>,
    skills: Vec<Skill>,
    mode: WorkMode,
    since: DateTime<Utc>,
    idle_since: DateTime<Utc>,
    hunt: u64,
    contact: Option<Key>,
    wrap_until: Option<DateTime<Utc>>,
    handled: u32,
}

#[derive(Debug, Clone)]
struct QueueRt {
    /// One FIFO per contact type served, in priority order.
    classes: Vec<(ContactType, VecDeque<Entry>)>,
}

#[derive(Debug, Clone, Default, Serialize)]
struct QueueStats {
    offered: u32,
    answered: u32,
    abandoned: u32,
    answered_30s: u32,
    wait_answered_s: f64,
    handled: u32,
    handle_s: f64,
}

#[derive(Debug, Clone, Default)]
struct DayStats {
    date: Option<NaiveDate>,
    calls: u32,
    rejected_no_line: u32,
    after_hours: u32,
    voicemails: u32,
    queues: Vec<QueueStats>,
}

/// Identifiers of the events from outside, for duplicate detection.
///
/// Kept in two generations rotated every [`SEEN_PERIOD`]: an id stays
/// known for at least that long, longer than an event may be late
/// ([`MAX_AGE`] plus [`MAX_FUTURE`]), so every duplicate the shape check
/// lets through is still recognised, while memory stays bounded on a
/// service (or a simulated year) that never restarts. The engine's own
/// events are not kept: their ids are reserved and cannot come back.
#[derive(Debug, Default)]
struct SeenIds {
    current: HashSet<String>,
    previous: HashSet<String>,
    since: Option<DateTime<Utc>>,
}

/// How long a generation of [`SeenIds`] lasts.
const SEEN_PERIOD: Duration = Duration::days(8);

impl SeenIds {
    fn contains(&self, id: &str) -> bool {
        self.current.contains(id) || self.previous.contains(id)
    }

    fn insert(&mut self, e: &CtiEvent) {
        if e.source != Source::Engine {
            self.current.insert(e.id.clone());
        }
    }

    fn rotate(&mut self, now: DateTime<Utc>) {
        match self.since {
            None => self.since = Some(now),
            Some(t) if now - t >= SEEN_PERIOD => {
                self.previous = std::mem::take(&mut self.current);
                self.since = Some(now);
            }
            Some(_) => {}
        }
    }
}

/// The engine.
pub struct Engine {
    cfg: TelephonyConfig,
    calendar: Calendar,
    announcer: Option<Announcer>,
    queues: Vec<QueueRt>,
    agents: Vec<Agent>,
    agent_ix: HashMap<String, usize>,
    calls: HashMap<String, Call>,
    works: HashMap<String, Work>,
    seen: SeenIds,
    pending: HashMap<String, Vec<(DateTime<Utc>, CtiEvent)>>,
    seq: u64,
    order: u64,
    hunt: u64,
    stats: DayStats,
    chart: Vec<Sample>,
    sample_s: u64,
    next_sample: Option<DateTime<Utc>>,
    last_purge: Option<DateTime<Utc>>,
    /// Identifies this run in the ids of the engine's events, so that they
    /// stay unique across restarts without a stored counter.
    boot: u64,
    /// Calls holding a line (not finished, not transferred out).
    active: usize,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("calls", &self.calls.len()).field("agents", &self.agents.len()).field("seq", &self.seq).finish()
    }
}

fn ok(id: &str, flags: Vec<String>) -> EventResult {
    let status = if flags.is_empty() { "accepted" } else { "flagged" };
    EventResult { id: id.to_owned(), status: status.into(), flags, error: None, reason: None, emitted: Vec::new() }
}

fn status(id: &str, s: &str) -> EventResult {
    EventResult { id: id.to_owned(), status: s.into(), flags: Vec::new(), error: None, reason: None, emitted: Vec::new() }
}

fn rejected(id: &str, e: &Error) -> EventResult {
    let reason = match e {
        Error::Conflict(_) => "conflict",
        Error::NotFound { .. } => "not_found",
        _ => "invalid",
    };
    EventResult {
        id: id.to_owned(),
        status: "rejected".into(),
        flags: Vec::new(),
        error: Some(e.to_string()),
        reason: Some(reason.into()),
        emitted: Vec::new(),
    }
}

fn secs(d: Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

impl Engine {
    /// A new engine with no calls and no agents.
    pub fn new(cfg: TelephonyConfig, calendar: Calendar) -> Result<Self> {
        cfg.validate()?;
        let queues = cfg.queues.iter().map(|q| QueueRt { classes: q.channels.iter().map(|c| (*c, VecDeque::new())).collect() }).collect();
        let sample_s = cfg.sample_s;
        Ok(Engine {
            stats: DayStats { queues: vec![QueueStats::default(); cfg.queues.len()], ..DayStats::default() },
            cfg,
            calendar,
            announcer: None,
            queues,
            agents: Vec::new(),
            agent_ix: HashMap::new(),
            calls: HashMap::new(),
            works: HashMap::new(),
            seen: SeenIds::default(),
            pending: HashMap::new(),
            seq: 0,
            order: 0,
            hunt: 0,
            chart: Vec::new(),
            sample_s,
            next_sample: None,
            last_purge: None,
            boot: 0,
            active: 0,
        })
    }

    /// Sets who picks the announcements (the registry, in the service).
    pub fn set_announcer(&mut self, announcer: Announcer) {
        self.announcer = Some(announcer);
    }

    /// Who picks the announcements.
    pub fn announcer(&self) -> Option<Announcer> {
        self.announcer.clone()
    }

    /// Names this run: the engine's own event ids are `engine-{boot}-{seq}`
    /// (the service passes its start time, so ids never repeat across
    /// restarts).
    pub fn set_boot(&mut self, boot: u64) {
        self.boot = boot;
    }

    /// The settings.
    pub fn config(&self) -> &TelephonyConfig {
        &self.cfg
    }

    /// The service calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The last sequence number applied.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Seconds between chart samples.
    pub fn sample_s(&self) -> u64 {
        self.sample_s
    }

    /// Sets the chart's sampling period (the supervisor's choice).
    pub fn set_sample_s(&mut self, s: u64) -> Result<()> {
        if !(1..=3600).contains(&s) {
            return Err(Error::invalid("sample_s", format!("{s} s: choose between 1 and 3600 seconds")));
        }
        self.sample_s = s;
        self.next_sample = None;
        Ok(())
    }

    /// Whether an event id was already applied (idempotence).
    pub fn has_seen(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    /// Contacts waiting in all queues.
    pub fn waiting(&self) -> usize {
        self.queues.iter().flat_map(|q| q.classes.iter()).map(|(_, d)| d.len()).sum()
    }

    // ----- replay -----

    /// Applies a stored event without deciding anything (recovery).
    pub fn replay(&mut self, e: &CtiEvent) {
        self.seq = self.seq.max(e.seq);
        self.seen.insert(e);
        if e.flags.iter().any(|f| f == "no_effect") {
            return;
        }
        self.apply(e);
    }

    // ----- submission -----

    /// Validates, applies and decides on one event from outside (the PBX
    /// connector or a console), at wall-clock time `now`.
    pub fn submit(&mut self, mut e: CtiEvent, now: DateTime<Utc>) -> Submitted {
        let id = e.id.clone();
        let reject = |err: Error| Submitted { result: rejected(&id, &err), events: Vec::new(), effects: Vec::new() };
        if let Err(err) = self.check_shape(&e, now) {
            return reject(err);
        }
        if self.seen.contains(&e.id) {
            return Submitted { result: status(&id, "duplicate"), events: Vec::new(), effects: Vec::new() };
        }
        if e.kind.is_call_event() && e.kind != EventKind::Offered {
            let call = e.call.clone().unwrap_or_default();
            if !self.calls.contains_key(&call) {
                let held = self.pending.entry(call).or_default();
                if held.iter().any(|(_, p)| p.id == e.id) {
                    return Submitted { result: status(&id, "duplicate"), events: Vec::new(), effects: Vec::new() };
                }
                held.push((now, e));
                return Submitted { result: status(&id, "pending"), events: Vec::new(), effects: Vec::new() };
            }
        }
        let mut out = Vec::new();
        let mut effects = Vec::new();
        match self.check_state(&mut e) {
            Err(err) => return reject(err),
            Ok(()) => {
                let mut result = ok(&id, e.flags.clone());
                self.accept(e, now, &mut out, &mut effects);
                result.emitted = out.iter().skip(1).filter(|x| x.source == Source::Engine).cloned().collect();
                // Events that were waiting for this call.
                if let Some(call) = out.first().and_then(|f: &CtiEvent| (f.kind == EventKind::Offered).then(|| f.call.clone()).flatten()) {
                    self.release_pending(&call, now, &mut out, &mut effects);
                }
                Submitted { result, events: out, effects }
            }
        }
    }

    /// Records an event the service itself produced (a ticket opened for a
    /// call, an offline item for a voicemail): applied and decided like a
    /// submission, with [`Source::Engine`].
    pub fn emit(&mut self, kind: EventKind, at: DateTime<Utc>, fill: impl FnOnce(&mut CtiEvent), now: DateTime<Utc>) -> Submitted {
        let mut e = CtiEvent::new(String::new(), kind, at);
        fill(&mut e);
        e.id = format!("engine-{}-{}", self.boot, self.seq + 1);
        e.source = Source::Engine;
        let mut out = Vec::new();
        let mut effects = Vec::new();
        let result = match self.check_state(&mut e) {
            Ok(()) => {
                let r = ok(&e.id, e.flags.clone());
                self.accept(e, now, &mut out, &mut effects);
                r
            }
            Err(err) => rejected(&e.id, &err),
        };
        Submitted { result, events: out, effects }
    }

    fn release_pending(&mut self, call: &str, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
        let Some(mut held) = self.pending.remove(call) else { return };
        held.sort_by_key(|(_, e)| (e.at, rank(e.kind)));
        for (_, mut e) in held {
            if self.seen.contains(&e.id) {
                continue;
            }
            e.flags.push("reordered".into());
            match self.check_state(&mut e) {
                Ok(()) => self.accept(e, now, out, effects),
                Err(err) => tracing::warn!(event = %e.id, error = %err, "held event refused once its call arrived"),
            }
        }
    }

    /// Assigns the sequence number, applies, records and decides.
    fn accept(&mut self, mut e: CtiEvent, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
        self.seq += 1;
        e.seq = self.seq;
        self.seen.rotate(now);
        self.seen.insert(&e);
        let no_effect = e.flags.iter().any(|f| f == "no_effect");
        if !no_effect {
            self.effects_of(&e, effects);
            self.apply(&e);
        }
        let mut stored = e.clone();
        stored.audio_base64 = None;
        out.push(stored);
        if !no_effect {
            self.decide(&e, now, out, effects);
        }
    }

    /// Emits an engine event and applies it.
    fn push(&mut self, mut e: CtiEvent, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
        e.source = Source::Engine;
        e.id = format!("engine-{}-{}", self.boot, self.seq + 1);
        self.accept(e, now, out, effects);
    }

    fn queue_numbers(&self) -> String {
        self.cfg.queues.iter().map(|q| q.number.as_str()).collect::<Vec<_>>().join(", ")
    }

    fn queue_ix(&self, number: &str) -> Option<usize> {
        self.cfg.queues.iter().position(|q| q.number == number.trim())
    }

    /// The queue for a call to `dialled` of type `t`.
    fn queue_for_call(&self, dialled: Option<&str>, t: ContactType) -> usize {
        dialled
            .and_then(|d| self.cfg.queues.iter().position(|q| q.numbers.iter().any(|n| n == d.trim()) && q.channels.contains(&t)))
            .or_else(|| self.cfg.queues.iter().position(|q| q.skill == Skill::L1 && q.channels.contains(&t)))
            .or_else(|| self.cfg.queues.iter().position(|q| q.channels.contains(&t)))
            .unwrap_or(0)
    }

    fn l2_queue(&self) -> usize {
        self.cfg.queues.iter().position(|q| q.skill == Skill::L2 && q.channels.contains(&ContactType::Phone)).unwrap_or(0)
    }

    /// Fires the timers due at `now`: wrap-ups that end, contacts that rang
    /// too long, held events whose call never came, the chart's samples.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Submitted {
        let mut out = Vec::new();
        let mut effects = Vec::new();
        let done: Vec<(String, DateTime<Utc>)> = self
            .agents
            .iter()
            .filter(|a| a.status == AgentStatus::WrapUp)
            .filter_map(|a| a.wrap_until.filter(|t| *t <= now).map(|t| (a.id.clone(), t)))
            .collect();
        for (agent, at) in done {
            let mut e = CtiEvent::new("", EventKind::AgentState, at);
            e.agent = Some(agent);
            e.state = Some(AgentStatus::Ready);
            self.push(e, now, &mut out, &mut effects);
        }
        let ring_limit = Duration::seconds(self.cfg.ring_timeout_s as i64);
        let mut rang: Vec<(String, String, DateTime<Utc>)> = self
            .calls
            .iter()
            .filter(|(_, c)| c.state == CallState::Ringing)
            .filter_map(|(id, c)| {
                c.ringing.as_ref().filter(|(_, t)| *t + ring_limit <= now).map(|(a, t)| (id.clone(), a.clone(), *t + ring_limit))
            })
            .collect();
        rang.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
        for (call, agent, at) in rang {
            let mut e = CtiEvent::new("", EventKind::RingTimeout, at);
            e.call = Some(call.clone());
            e.agent = Some(agent);
            self.push(e, now, &mut out, &mut effects);
            self.route_contact(Key::Call(call), at, now, &mut out, &mut effects);
        }
        self.expire_pending(now, &mut out);
        self.sample(now);
        if self.last_purge.is_none_or(|t| now - t > Duration::minutes(10)) {
            self.last_purge = Some(now);
            self.calls.retain(|_, c| c.finished_at.is_none_or(|t| now - t < KEEP_FINISHED));
            self.works.retain(|_, w| w.state != WorkState::Done || now - w.offered_at < Duration::days(1));
        }
        Submitted { result: status("tick", "accepted"), events: out, effects }
    }

    /// Events held for a call that never arrived are stored, flagged.
    fn expire_pending(&mut self, now: DateTime<Utc>, out: &mut Vec<CtiEvent>) {
        let window = Duration::seconds(self.cfg.reorder_window_s as i64);
        let expired: Vec<String> =
            self.pending.iter().filter(|(_, v)| v.iter().all(|(t, _)| now - *t >= window)).map(|(k, _)| k.clone()).collect();
        for call in expired {
            for (_, mut e) in self.pending.remove(&call).unwrap_or_default() {
                if !self.seen.contains(&e.id) {
                    self.seen.insert(&e);
                    self.seq += 1;
                    e.seq = self.seq;
                    e.flags.extend(["unknown_call".to_owned(), "no_effect".to_owned()]);
                    e.audio_base64 = None;
                    out.push(e);
                }
            }
        }
    }

    /// Events held because their call is not known yet.
    pub fn pending(&self) -> usize {
        self.pending.values().map(Vec::len).sum()
    }

    fn sample(&mut self, now: DateTime<Utc>) {
        let due = self.next_sample.is_none_or(|t| now >= t);
        if !due {
            return;
        }
        let step = self.sample_s as i64;
        let aligned = now.timestamp() - now.timestamp().rem_euclid(step);
        self.next_sample = DateTime::from_timestamp(aligned + step, 0);
        self.roll_day(now);
        let mut wait_s = Vec::new();
        let mut waiting = Vec::new();
        for t in ContactType::ALL {
            let mut first: Option<DateTime<Utc>> = None;
            let mut n = 0u32;
            for q in &self.queues {
                for (c, d) in &q.classes {
                    if *c == t {
                        n += d.len() as u32;
                        if let Some(h) = d.iter().map(|e| e.since).min() {
                            first = Some(first.map_or(h, |f| f.min(h)));
                        }
                    }
                }
            }
            wait_s.push((t, first.map_or(0, |f| (now - f).num_seconds().max(0) as u64)));
            waiting.push((t, n));
        }
        self.chart.push(Sample { at: now, wait_s, waiting });
    }
}

/// States in which a call no longer holds a line.
fn is_final(s: CallState) -> bool {
    matches!(s, CallState::Done | CallState::TransferredOut)
}

fn key_name(k: &Key) -> String {
    match k {
        Key::Call(c) => c.clone(),
        Key::Work(w) => w.clone(),
    }
}

fn state_name(s: CallState) -> &'static str {
    match s {
        CallState::Offered => "offered",
        CallState::Ivr => "ivr",
        CallState::Queued => "queued",
        CallState::Ringing => "ringing",
        CallState::Talking => "talking",
        CallState::AfterHours => "after_hours",
        CallState::Voicemail => "voicemail",
        CallState::TransferredOut => "transferred_out",
        CallState::Done => "done",
    }
}

/// Position of an event kind in the life cycle, to order events of one
/// call that arrived out of order with equal timestamps.
fn rank(k: EventKind) -> u8 {
    match k {
        EventKind::Offered => 0,
        EventKind::RejectedNoLine | EventKind::IvrWelcome | EventKind::IvrAfterHours => 1,
        EventKind::Queued => 2,
        EventKind::Routed | EventKind::RingTimeout => 3,
        EventKind::Answered | EventKind::TicketOpened => 4,
        EventKind::Transferred | EventKind::TransferFailed | EventKind::VoicemailLeft => 5,
        EventKind::Abandoned | EventKind::Ended => 6,
        EventKind::AgentState | EventKind::WorkOffered | EventKind::WorkDone => 7,
    }
}
