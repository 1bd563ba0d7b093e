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

/// One sample of the queue-wait chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sample {
    /// When.
    pub at: DateTime<Utc>,
    /// Per contact type: wait of the first contact in queue, seconds.
    pub wait_s: Vec<(ContactType, u64)>,
    /// Per contact type: contacts waiting.
    pub waiting: Vec<(ContactType, u32)>,
}

/// An agent as the wallboard and the console show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentView {
    /// User name.
    pub id: String,
    /// State.
    pub status: AgentStatus,
    /// Italian label of the state.
    pub status_label: String,
    /// Pause reason.
    pub reason: Option<String>,
    /// Terminal (phone extension).
    pub terminal: Option<String>,
    /// Skills.
    pub skills: Vec<Skill>,
    /// Work mode.
    pub mode: WorkMode,
    /// Seconds in the current state.
    pub for_s: i64,
    /// The call or work item in hand.
    pub contact: Option<String>,
    /// Contacts handled today.
    pub handled: u32,
}

/// One queue on the wallboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueView {
    /// Queue number.
    pub number: String,
    /// Name.
    pub name: String,
    /// Contact types served.
    pub channels: Vec<ContactType>,
    /// Contacts waiting.
    pub waiting: u32,
    /// Wait of the first contact in queue, seconds.
    pub first_wait_s: u64,
    /// Agents that serve this queue (signed in), by name.
    pub agents: Vec<AgentView>,
    /// Agents per state.
    pub by_status: Vec<(AgentStatus, u32)>,
    /// Ready agents.
    pub ready: u32,
    /// Waiting contacts per ready agent (none when nobody is ready).
    pub load: Option<f64>,
    /// Terminals (distinct phone sets of the signed-in agents).
    pub terminals: u32,
    /// Today: contacts that entered the queue.
    pub offered: u32,
    /// Today: answered.
    pub answered: u32,
    /// Today: abandoned while waiting.
    pub abandoned: u32,
    /// Today: share of answered within 30 s of the queued ones (SLA.C.2).
    pub answered_30s_share: Option<f64>,
    /// Today: share abandoned of the queued ones (SLA.C.3).
    pub abandoned_share: Option<f64>,
    /// Today: average speed of answer, seconds.
    pub asa_s: Option<f64>,
    /// Today: average handling time, seconds.
    pub aht_s: Option<f64>,
    /// `ok`, `warning` or `alarm` by the thresholds.
    pub level: String,
}

/// The supervisor's wallboard (TEL-5).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wallboard {
    /// When it was computed.
    pub at: DateTime<Utc>,
    /// Whether the service is open (TEL-6).
    pub open: bool,
    /// Per queue.
    pub queues: Vec<QueueView>,
    /// Today: calls that reached the service.
    pub calls_today: u32,
    /// Today: refused for lack of a free line.
    pub rejected_no_line: u32,
    /// Today: calls out of service time.
    pub after_hours: u32,
    /// Today: voicemails left.
    pub voicemails: u32,
    /// Seconds between chart samples.
    pub sample_s: u64,
    /// The queue-wait chart of the day.
    pub chart: Vec<Sample>,
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
    seen: HashSet<String>,
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
            seen: HashSet::new(),
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
        self.seen.insert(e.id.clone());
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
        self.seen.insert(e.id.clone());
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

    fn check_shape(&self, e: &CtiEvent, now: DateTime<Utc>) -> Result<()> {
        if e.id.trim().is_empty() || e.id.len() > MAX_ID || e.id.chars().any(char::is_control) {
            return Err(Error::invalid("id", format!("event id {:?} must be 1 to {MAX_ID} printable characters", e.id)));
        }
        if e.id.starts_with("engine-") {
            return Err(Error::invalid("id", format!("event id {:?}: the prefix engine- is reserved for the engine's own events", e.id)));
        }
        if e.at > now + MAX_FUTURE {
            return Err(Error::invalid(
                "at",
                format!("{} is in the future (now {}): check the PBX clock", e.at.to_rfc3339(), now.to_rfc3339()),
            ));
        }
        if e.at < now - MAX_AGE {
            return Err(Error::invalid("at", format!("{} is more than 7 days old", e.at.to_rfc3339())));
        }
        let need = |v: &Option<String>, field: &str| -> Result<()> {
            match v.as_deref().map(str::trim) {
                Some(s) if !s.is_empty() && s.len() <= MAX_ID => Ok(()),
                _ => Err(Error::invalid(field, format!("a {} event needs {field} (1 to {MAX_ID} characters)", e.kind.as_str()))),
            }
        };
        if e.kind.is_call_event() {
            need(&e.call, "call")?;
        }
        match e.kind {
            EventKind::Answered | EventKind::Routed | EventKind::AgentState | EventKind::WorkDone => need(&e.agent, "agent")?,
            EventKind::WorkOffered => {
                need(&e.work, "work")?;
                match e.channel {
                    Some(c) if !c.is_live() || c == ContactType::Callback => {}
                    _ => return Err(Error::invalid("channel", "work_offered needs channel callback, voicemail, email, fax or web")),
                }
            }
            EventKind::Transferred => {
                let Some(t) = e.target else { return Err(Error::invalid("target", "transferred needs target l2, extension or voicemail")) };
                if t == TransferTarget::Extension {
                    need(&e.extension, "extension")?;
                }
            }
            EventKind::TransferFailed => need(&e.extension, "extension")?,
            EventKind::Offered => {
                if matches!(e.channel, Some(c) if !c.is_live()) {
                    return Err(Error::invalid("channel", "offered is for calls (phone or callback); offline work uses work_offered"));
                }
            }
            _ => {}
        }
        if e.kind == EventKind::WorkDone {
            need(&e.work, "work")?;
        }
        if let Some(b64) = &e.audio_base64 {
            if e.kind != EventKind::VoicemailLeft {
                return Err(Error::invalid("audio_base64", "only a voicemail_left event carries audio"));
            }
            let bytes = crate::audio::decode_base64(b64)?;
            crate::wav::validate_wav(&bytes, &crate::wav::WavLimits::default())
                .map_err(|err| Error::invalid("audio_base64", format!("the voicemail is not a usable WAV: {err}")))?;
        }
        if let Some(q) = &e.queue
            && self.queue_ix(q).is_none()
        {
            return Err(Error::invalid("queue", format!("unknown queue {q:?}; known queues: {}", self.queue_numbers())));
        }
        if e.kind == EventKind::AgentState && e.state.is_none() && e.work_mode.is_none() {
            return Err(Error::invalid("state", "agent_state needs state (ready, paused, logged_out) or work_mode"));
        }
        if let Some(s) = e.state
            && !matches!(s, AgentStatus::Ready | AgentStatus::Paused | AgentStatus::LoggedOut)
            && e.source != Source::Engine
        {
            return Err(Error::invalid(
                "state",
                format!("{}: an agent reports ready, paused or logged_out; the other states follow from calls", s.as_str()),
            ));
        }
        Ok(())
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

    /// Checks an event against the current state: an error rejects it;
    /// flags mark what is accepted but odd (`no_effect` leaves the state alone).
    fn check_state(&self, e: &mut CtiEvent) -> Result<()> {
        let flag = |e: &mut CtiEvent, f: &str| {
            if !e.flags.iter().any(|x| x == f) {
                e.flags.push(f.to_owned());
            }
        };
        if e.kind.is_call_event() {
            let call_id = e.call.clone().unwrap_or_default();
            let Some(call) = self.calls.get(&call_id) else {
                return match e.kind {
                    EventKind::Offered => Ok(()),
                    _ => Err(Error::not_found("call", call_id)),
                };
            };
            if e.at < call.offered_at - Duration::seconds(1) {
                return Err(Error::invalid(
                    "at",
                    format!("{} is before call {call_id} was offered ({})", e.at.to_rfc3339(), call.offered_at.to_rfc3339()),
                ));
            }
            use CallState as S;
            let late = |e: &mut CtiEvent| {
                flag(e, "late");
                flag(e, "no_effect");
            };
            match (e.kind, call.state) {
                (EventKind::Offered, _) => return Err(Error::Conflict(format!("call {call_id} was already offered"))),
                (EventKind::Answered, S::Queued | S::Ringing) => {
                    let agent = e.agent.clone().unwrap_or_default();
                    self.check_agent_free(&agent, &Key::Call(call_id.clone()))?;
                    if let Some((ringing, _)) = &call.ringing
                        && *ringing != agent
                    {
                        flag(e, "answered_by_other_agent");
                    }
                }
                (EventKind::Answered, S::Talking) if call.agent == e.agent => {
                    flag(e, "already_in_state");
                    flag(e, "no_effect");
                }
                (EventKind::Answered, S::Talking) => {
                    return Err(Error::Conflict(format!(
                        "call {call_id} is already answered by {}",
                        call.agent.as_deref().unwrap_or("another agent")
                    )));
                }
                (EventKind::Answered, S::Done) => late(e),
                (EventKind::Answered, s) => {
                    return Err(Error::Conflict(format!("call {call_id} cannot be answered: it is {}", state_name(s))));
                }
                (EventKind::Abandoned, S::Offered | S::Ivr | S::Queued | S::Ringing) => {}
                (EventKind::Abandoned, _) => late(e),
                (EventKind::Transferred, S::Talking) => {}
                (EventKind::Transferred, S::Done) => late(e),
                (EventKind::Transferred, s) => {
                    return Err(Error::Conflict(format!(
                        "call {call_id} is {}, not in conversation: it cannot be transferred",
                        state_name(s)
                    )));
                }
                (EventKind::TransferFailed, S::TransferredOut) => {}
                (EventKind::TransferFailed, _) => {
                    flag(e, "not_transferred");
                    flag(e, "no_effect");
                }
                (EventKind::Ended, S::Done) => {
                    flag(e, "already_in_state");
                    flag(e, "no_effect");
                }
                (EventKind::Ended, S::Queued | S::Ringing) => flag(e, "ended_while_queued"),
                (EventKind::Ended, _) => {}
                (EventKind::VoicemailLeft, S::AfterHours | S::Voicemail | S::Queued | S::Ivr | S::Offered) => {}
                // A voicemail is never lost, even when its `ended` came first.
                (EventKind::VoicemailLeft, _) => flag(e, "late"),
                (EventKind::RejectedNoLine, S::Offered | S::Ivr) => {}
                (EventKind::TicketOpened, _) => {}
                (EventKind::RingTimeout, S::Ringing) if e.source == Source::Engine => {}
                (EventKind::IvrWelcome | EventKind::IvrAfterHours | EventKind::Queued | EventKind::Routed, _)
                    if e.source == Source::Engine => {}
                // Steps the engine takes itself, reported by the PBX too.
                (_, _) => {
                    flag(e, "informational");
                    flag(e, "no_effect");
                }
            }
            return Ok(());
        }
        match e.kind {
            EventKind::AgentState => {
                let agent = e.agent.clone().unwrap_or_default();
                let Some(a) = self.agent_ix.get(&agent).map(|&i| &self.agents[i]) else {
                    return match e.state {
                        Some(AgentStatus::Ready | AgentStatus::Paused) | None => Ok(()),
                        Some(AgentStatus::LoggedOut) => {
                            flag(e, "already_in_state");
                            flag(e, "no_effect");
                            Ok(())
                        }
                        Some(s) => Err(Error::invalid("state", format!("unexpected state {}", s.as_str()))),
                    };
                };
                match (e.state, a.status) {
                    (None, _) => {}
                    (Some(s), cur) if e.source == Source::Engine && s == cur => {}
                    (Some(_), AgentStatus::Busy | AgentStatus::Ringing | AgentStatus::OfflineWork) if e.source != Source::Engine => {
                        let what = a.contact.as_ref().map(key_name).unwrap_or_default();
                        return Err(Error::Conflict(format!("agent {agent} is {} ({what}): finish it first", a.status.label())));
                    }
                    (Some(s), cur) if s == cur && s != AgentStatus::Paused => {
                        flag(e, "already_in_state");
                        flag(e, "no_effect");
                    }
                    _ => {}
                }
                Ok(())
            }
            EventKind::WorkOffered => {
                let work = e.work.clone().unwrap_or_default();
                if self.works.get(&work).is_some_and(|w| w.state != WorkState::Done) {
                    flag(e, "already_in_state");
                    flag(e, "no_effect");
                }
                Ok(())
            }
            EventKind::WorkDone => {
                let work = e.work.clone().unwrap_or_default();
                let Some(w) = self.works.get(&work) else { return Err(Error::not_found("work item", work)) };
                if w.state != WorkState::Working || w.agent != e.agent {
                    flag(e, "not_in_hand");
                    flag(e, "no_effect");
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn check_agent_free(&self, agent: &str, for_contact: &Key) -> Result<()> {
        let Some(a) = self.agent_ix.get(agent).map(|&i| &self.agents[i]) else {
            return Err(Error::invalid("agent", format!("agent {agent:?} is not signed in to the ACD")));
        };
        match (&a.status, &a.contact) {
            (AgentStatus::LoggedOut, _) => Err(Error::Conflict(format!("agent {agent} is logged out"))),
            (_, Some(k)) if k != for_contact && matches!(a.status, AgentStatus::Busy | AgentStatus::Ringing | AgentStatus::OfflineWork) => {
                Err(Error::Conflict(format!("agent {agent} is already on {}: an agent cannot be in two calls", key_name(k))))
            }
            _ => Ok(()),
        }
    }

    /// Work the service does after storage, decided from the state before
    /// the event is applied.
    fn effects_of(&self, e: &CtiEvent, effects: &mut Vec<Effect>) {
        let call = e.call.as_ref().and_then(|c| self.calls.get(c));
        match e.kind {
            EventKind::Answered => {
                let Some(c) = call else { return };
                let agent = e.agent.clone().unwrap_or_default();
                match (&c.ticket, c.l2_from.is_some()) {
                    (Some(t), true) => effects.push(Effect::TransferTicketToL2 { ticket: t.clone(), from: c.l2_from.clone(), agent }),
                    (None, _) => effects.push(Effect::OpenTicket {
                        call: e.call.clone().unwrap_or_default(),
                        agent,
                        caller: c.caller.clone(),
                        at: e.at,
                    }),
                    (Some(_), false) => {}
                }
            }
            EventKind::Abandoned | EventKind::Ended
                if call.is_some_and(|c| c.l2_from.is_some() && matches!(c.state, CallState::Queued | CallState::Ringing)) =>
            {
                if let Some(c) = call
                    && let Some(t) = &c.ticket
                {
                    effects.push(Effect::AssignTicketToL2 { ticket: t.clone(), from: c.l2_from.clone() });
                }
            }
            EventKind::VoicemailLeft => effects.push(Effect::VoicemailTicket {
                call: e.call.clone().unwrap_or_default(),
                caller: call.and_then(|c| c.caller.clone()),
                at: e.at,
                audio_base64: e.audio_base64.clone(),
            }),
            EventKind::TransferFailed => effects.push(Effect::ReturnCall {
                call: e.call.clone().unwrap_or_default(),
                caller: call.and_then(|c| c.caller.clone()),
                extension: e.extension.clone().unwrap_or_default(),
                agent: call.and_then(|c| c.agent.clone()),
            }),
            _ => {}
        }
    }

    // ----- the fold -----

    fn roll_day(&mut self, at: DateTime<Utc>) {
        let day = self.calendar.local_date(at);
        match self.stats.date {
            Some(d) if d >= day => {}
            _ => {
                self.stats =
                    DayStats { date: Some(day), queues: vec![QueueStats::default(); self.cfg.queues.len()], ..DayStats::default() };
                self.chart.clear();
                for a in &mut self.agents {
                    a.handled = 0;
                }
            }
        }
    }

    fn counts_today(&self, at: DateTime<Utc>) -> bool {
        self.stats.date == Some(self.calendar.local_date(at))
    }

    /// Applies one event to the state (no decisions).
    fn apply(&mut self, e: &CtiEvent) {
        self.roll_day(e.at);
        let today = self.counts_today(e.at);
        match e.kind {
            EventKind::Offered => {
                let call = e.call.clone().unwrap_or_default();
                if today {
                    self.stats.calls += 1;
                }
                self.active += 1;
                self.calls.insert(
                    call,
                    Call {
                        state: CallState::Offered,
                        channel: e.channel.unwrap_or(ContactType::Phone),
                        caller: e.caller.clone(),
                        queue: None,
                        offered_at: e.at,
                        queued_at: None,
                        answered_at: None,
                        finished_at: None,
                        agent: None,
                        ringing: None,
                        ticket: e.ticket.clone(),
                        contact: e.contact.clone(),
                        l2_from: None,
                        counted_in: None,
                        order: 0,
                    },
                );
            }
            EventKind::RejectedNoLine => {
                if today {
                    self.stats.rejected_no_line += 1;
                }
                self.finish_call(e, CallState::Done);
            }
            EventKind::IvrWelcome => self.set_call_state(e, CallState::Ivr),
            EventKind::IvrAfterHours => {
                if today {
                    self.stats.after_hours += 1;
                }
                self.set_call_state(e, CallState::AfterHours);
            }
            EventKind::Queued => {
                let id = e.call.clone().unwrap_or_default();
                let Some(q) = e.queue.as_deref().and_then(|q| self.queue_ix(q)) else { return };
                let order = self.next_order();
                let Some(c) = self.calls.get_mut(&id) else { return };
                if let Some(a) = c.agent.take() {
                    // A transfer to L2: the first agent goes to wrap-up.
                    c.l2_from = Some(a.clone());
                    self.end_contact_of(&a, e.at, true);
                }
                let Some(c) = self.calls.get_mut(&id) else { return };
                c.state = CallState::Queued;
                c.queue = Some(q);
                c.queued_at = Some(e.at);
                c.ringing = None;
                c.order = order;
                let channel = c.channel;
                let fresh = c.counted_in != Some(q);
                c.counted_in = Some(q);
                if today && fresh {
                    self.stats.queues[q].offered += 1;
                }
                self.enqueue(q, channel, Entry { key: Key::Call(id), since: e.at, order });
            }
            EventKind::Routed => {
                let agent = e.agent.clone().unwrap_or_default();
                let Some(&ai) = self.agent_ix.get(&agent) else { return };
                if let Some(id) = &e.call {
                    let Some(c) = self.calls.get_mut(id) else { return };
                    c.state = CallState::Ringing;
                    c.ringing = Some((agent.clone(), e.at));
                    let q = c.queue;
                    if let Some(q) = q {
                        self.dequeue(q, &Key::Call(id.clone()));
                    }
                    let a = &mut self.agents[ai];
                    a.status = AgentStatus::Ringing;
                    a.since = e.at;
                    a.contact = Some(Key::Call(id.clone()));
                } else if let Some(id) = &e.work {
                    let Some(w) = self.works.get_mut(id) else { return };
                    w.state = WorkState::Working;
                    w.agent = Some(agent.clone());
                    let q = w.queue;
                    self.dequeue(q, &Key::Work(id.clone()));
                    let a = &mut self.agents[ai];
                    a.status = AgentStatus::OfflineWork;
                    a.since = e.at;
                    a.reason = None;
                    a.contact = Some(Key::Work(id.clone()));
                }
            }
            EventKind::RingTimeout => {
                let id = e.call.clone().unwrap_or_default();
                let Some(c) = self.calls.get_mut(&id) else { return };
                let order = c.order;
                let Some((agent, _)) = c.ringing.take() else { return };
                c.state = CallState::Queued;
                let (q, channel, since) = (c.queue.unwrap_or(0), c.channel, c.queued_at.unwrap_or(e.at));
                self.enqueue_front(q, channel, Entry { key: Key::Call(id), since, order });
                if let Some(&ai) = self.agent_ix.get(&agent) {
                    let a = &mut self.agents[ai];
                    a.status = AgentStatus::Paused;
                    a.reason = Some("mancata risposta".into());
                    a.since = e.at;
                    a.contact = None;
                }
            }
            EventKind::Answered => {
                let id = e.call.clone().unwrap_or_default();
                let agent = e.agent.clone().unwrap_or_default();
                let Some(c) = self.calls.get_mut(&id) else { return };
                let (q, was_queued) = (c.queue, c.state == CallState::Queued);
                let other = c.ringing.take().map(|(a, _)| a).filter(|a| *a != agent);
                c.state = CallState::Talking;
                c.answered_at = Some(e.at);
                c.agent = Some(agent.clone());
                let wait = c.queued_at.map(|t| e.at - t);
                if let (Some(q), true) = (q, was_queued) {
                    self.dequeue(q, &Key::Call(id.clone()));
                }
                if let Some(other) = other {
                    self.free_agent(&other, e.at);
                }
                if let (Some(q), true, Some(w)) = (q, today, wait) {
                    let s = &mut self.stats.queues[q];
                    s.answered += 1;
                    s.wait_answered_s += secs(w).max(0.0);
                    if w < Duration::seconds(30) {
                        s.answered_30s += 1;
                    }
                }
                if let Some(&ai) = self.agent_ix.get(&agent) {
                    let a = &mut self.agents[ai];
                    a.status = AgentStatus::Busy;
                    a.since = e.at;
                    a.reason = None;
                    a.contact = Some(Key::Call(id));
                }
            }
            EventKind::Abandoned => {
                let id = e.call.clone().unwrap_or_default();
                let Some(c) = self.calls.get(&id) else { return };
                if let (Some(q), CallState::Queued | CallState::Ringing, true) = (c.queue, c.state, today) {
                    self.stats.queues[q].abandoned += 1;
                }
                self.finish_call(e, CallState::Done);
            }
            EventKind::Transferred => {
                let id = e.call.clone().unwrap_or_default();
                match e.target {
                    // The engine queues it for L2 (decide); the agent is
                    // released when it does.
                    Some(TransferTarget::L2) => {}
                    Some(TransferTarget::Voicemail) => self.leave_agent(&id, e.at, CallState::Voicemail),
                    _ => self.leave_agent(&id, e.at, CallState::TransferredOut),
                }
            }
            EventKind::TransferFailed => {}
            EventKind::Ended => {
                let id = e.call.clone().unwrap_or_default();
                let Some(c) = self.calls.get(&id) else { return };
                if let (Some(q), CallState::Queued | CallState::Ringing, true) = (c.queue, c.state, today) {
                    self.stats.queues[q].abandoned += 1;
                }
                if c.state == CallState::Talking {
                    self.leave_agent(&id, e.at, CallState::Done);
                }
                self.finish_call(e, CallState::Done);
            }
            EventKind::VoicemailLeft => {
                if today {
                    self.stats.voicemails += 1;
                }
                let id = e.call.clone().unwrap_or_default();
                if let Some(c) = self.calls.get(&id)
                    && matches!(c.state, CallState::Queued | CallState::Ringing)
                {
                    self.finish_call(e, CallState::Voicemail);
                } else if let Some(c) = self.calls.get_mut(&id)
                    && c.state != CallState::Done
                {
                    c.state = CallState::Voicemail;
                }
            }
            EventKind::TicketOpened => {
                if let Some(c) = e.call.as_ref().and_then(|id| self.calls.get_mut(id)) {
                    c.ticket = e.ticket.clone().or(c.ticket.take());
                    c.contact = e.contact.clone().or(c.contact.take());
                }
            }
            EventKind::AgentState => self.apply_agent_state(e),
            EventKind::WorkOffered => {
                let id = e.work.clone().unwrap_or_default();
                let channel = e.channel.unwrap_or(ContactType::Email);
                let q = e.queue.as_deref().and_then(|q| self.queue_ix(q)).unwrap_or_else(|| self.queue_for_call(None, channel));
                let order = self.next_order();
                if today {
                    self.stats.queues[q].offered += 1;
                }
                self.works.insert(id.clone(), Work { state: WorkState::Queued, channel, queue: q, offered_at: e.at, agent: None });
                self.enqueue(q, channel, Entry { key: Key::Work(id), since: e.at, order });
            }
            EventKind::WorkDone => {
                let id = e.work.clone().unwrap_or_default();
                let Some(w) = self.works.get_mut(&id) else { return };
                w.state = WorkState::Done;
                let (q, offered) = (w.queue, w.offered_at);
                if today {
                    let s = &mut self.stats.queues[q];
                    s.handled += 1;
                    s.handle_s += secs(e.at - offered).max(0.0);
                }
                if let Some(agent) = e.agent.clone() {
                    self.free_agent(&agent, e.at);
                    if let Some(&ai) = self.agent_ix.get(&agent) {
                        self.agents[ai].handled += 1;
                    }
                }
            }
        }
    }

    fn apply_agent_state(&mut self, e: &CtiEvent) {
        let id = e.agent.clone().unwrap_or_default();
        let ai = match self.agent_ix.get(&id) {
            Some(&i) => i,
            None => {
                self.hunt += 1;
                self.agents.push(Agent {
                    id: id.clone(),
                    status: AgentStatus::LoggedOut,
                    reason: None,
                    terminal: None,
                    skills: vec![Skill::L1],
                    mode: WorkMode::Online,
                    since: e.at,
                    idle_since: e.at,
                    hunt: self.hunt,
                    contact: None,
                    wrap_until: None,
                    handled: 0,
                });
                self.agent_ix.insert(id, self.agents.len() - 1);
                self.agents.len() - 1
            }
        };
        let hunt = self.hunt + 1;
        let a = &mut self.agents[ai];
        if let Some(m) = e.work_mode {
            a.mode = m;
        }
        if let Some(s) = &e.skills
            && !s.is_empty()
        {
            a.skills = s.clone();
        }
        if let Some(t) = &e.terminal {
            a.terminal = Some(t.clone());
        }
        let Some(state) = e.state else { return };
        let logging_in = a.status == AgentStatus::LoggedOut && state != AgentStatus::LoggedOut;
        if a.status != state || state == AgentStatus::Paused {
            a.since = e.at;
        }
        if state == AgentStatus::Ready && a.status != AgentStatus::Ready {
            a.idle_since = e.at;
        }
        a.status = state;
        a.wrap_until = None;
        a.reason = if state == AgentStatus::Paused { e.reason.clone().or(Some("pausa".into())) } else { None };
        if matches!(state, AgentStatus::Ready | AgentStatus::Paused | AgentStatus::LoggedOut) {
            a.contact = None;
        }
        if state == AgentStatus::LoggedOut {
            a.terminal = e.terminal.clone();
        }
        if logging_in {
            a.hunt = hunt;
            self.hunt = hunt;
        }
    }

    fn next_order(&mut self) -> u64 {
        self.order += 1;
        self.order
    }

    fn set_call_state(&mut self, e: &CtiEvent, s: CallState) {
        if let Some(c) = e.call.as_ref().and_then(|id| self.calls.get_mut(id)) {
            c.state = s;
        }
    }

    /// Ends a call: out of any queue, its ringing agent freed.
    fn finish_call(&mut self, e: &CtiEvent, s: CallState) {
        let id = e.call.clone().unwrap_or_default();
        let Some(c) = self.calls.get_mut(&id) else { return };
        let (q, ringing) = (c.queue, c.ringing.take());
        let was_queued = c.state == CallState::Queued;
        let freed = is_final(s) && !is_final(c.state);
        c.state = s;
        if freed {
            self.active = self.active.saturating_sub(1);
        }
        let Some(c) = self.calls.get_mut(&id) else { return };
        if s == CallState::Done {
            c.finished_at = Some(e.at);
        }
        if let (Some(q), true) = (q, was_queued) {
            self.dequeue(q, &Key::Call(id));
        }
        if let Some((agent, _)) = ringing {
            self.free_agent(&agent, e.at);
        }
    }

    /// The agent of a call in conversation lets it go (end or transfer):
    /// the agent enters wrap-up, the call takes state `s`.
    fn leave_agent(&mut self, id: &str, at: DateTime<Utc>, s: CallState) {
        let Some(c) = self.calls.get_mut(id) else { return };
        let agent = if c.state == CallState::Talking { c.agent.clone() } else { None };
        let (q, answered) = (c.queue, c.answered_at);
        let freed = is_final(s) && !is_final(c.state);
        c.state = s;
        if freed {
            self.active = self.active.saturating_sub(1);
        }
        let Some(c) = self.calls.get_mut(id) else { return };
        if s == CallState::Done {
            c.finished_at = Some(at);
        }
        if let (Some(q), Some(t)) = (q, answered)
            && self.counts_today(at)
        {
            let st = &mut self.stats.queues[q];
            st.handled += 1;
            st.handle_s += secs(at - t).max(0.0) + self.cfg.wrap_up_s as f64;
        }
        if let Some(a) = agent {
            self.end_contact_of(&a, at, true);
        }
    }

    /// An agent's contact is over: wrap-up (calls) or ready.
    fn end_contact_of(&mut self, agent: &str, at: DateTime<Utc>, wrap: bool) {
        let Some(&ai) = self.agent_ix.get(agent) else { return };
        let wrap_s = self.cfg.wrap_up_s;
        let a = &mut self.agents[ai];
        if a.status == AgentStatus::LoggedOut {
            return;
        }
        a.contact = None;
        a.handled += 1;
        a.since = at;
        if wrap && wrap_s > 0 {
            a.status = AgentStatus::WrapUp;
            a.wrap_until = Some(at + Duration::seconds(wrap_s as i64));
        } else {
            a.status = AgentStatus::Ready;
            a.idle_since = at;
        }
    }

    /// An agent offered a contact that went away is ready again.
    fn free_agent(&mut self, agent: &str, at: DateTime<Utc>) {
        let Some(&ai) = self.agent_ix.get(agent) else { return };
        let a = &mut self.agents[ai];
        if matches!(a.status, AgentStatus::Ringing | AgentStatus::OfflineWork) {
            a.status = AgentStatus::Ready;
            a.contact = None;
            a.since = at;
            a.idle_since = at;
        }
    }

    fn enqueue(&mut self, q: usize, t: ContactType, entry: Entry) {
        if let Some((_, d)) = self.queues[q].classes.iter_mut().find(|(c, _)| *c == t) {
            d.push_back(entry);
        } else if let Some((_, d)) = self.queues[q].classes.last_mut() {
            d.push_back(entry);
        }
    }

    fn enqueue_front(&mut self, q: usize, t: ContactType, entry: Entry) {
        if let Some((_, d)) = self.queues[q].classes.iter_mut().find(|(c, _)| *c == t) {
            d.push_front(entry);
        } else if let Some((_, d)) = self.queues[q].classes.last_mut() {
            d.push_front(entry);
        }
    }

    fn dequeue(&mut self, q: usize, key: &Key) {
        for (_, d) in &mut self.queues[q].classes {
            if let Some(i) = d.iter().position(|e| e.key == *key) {
                d.remove(i);
                return;
            }
        }
    }

    // ----- decisions -----

    fn decide(&mut self, e: &CtiEvent, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
        match e.kind {
            EventKind::Offered => self.ivr(e, now, out, effects),
            EventKind::Queued => {
                let id = e.call.clone().unwrap_or_default();
                self.route_contact(Key::Call(id), e.at, now, out, effects);
            }
            EventKind::WorkOffered => {
                let id = e.work.clone().unwrap_or_default();
                self.route_contact(Key::Work(id), e.at, now, out, effects);
            }
            EventKind::Transferred if e.target == Some(TransferTarget::L2) => {
                let q = self.l2_queue();
                let mut next = CtiEvent::new("", EventKind::Queued, e.at);
                next.call = e.call.clone();
                next.queue = Some(self.cfg.queues[q].number.clone());
                next.ticket = e.call.as_ref().and_then(|c| self.calls.get(c)).and_then(|c| c.ticket.clone());
                if !self.any_ready_for(q, ContactType::Phone) {
                    next.announcement = self.announce(Prompt::Queue, e.at);
                    next.music = self.announce(Prompt::MusicOnHold, e.at);
                }
                self.push(next, now, out, effects);
            }
            EventKind::AgentState | EventKind::WorkDone | EventKind::Abandoned | EventKind::Ended | EventKind::Answered => {
                // Whoever became ready takes the next contact.
                let ready: Vec<String> = self.agents.iter().filter(|a| a.status == AgentStatus::Ready).map(|a| a.id.clone()).collect();
                if e.kind == EventKind::AgentState || e.kind == EventKind::WorkDone {
                    if let Some(a) = e.agent.as_deref()
                        && ready.iter().any(|r| r == a)
                    {
                        self.route_agent(a, e.at, now, out, effects);
                    }
                } else {
                    for a in ready {
                        self.route_agent(&a, e.at, now, out, effects);
                    }
                }
            }
            _ => {}
        }
    }

    fn announce(&self, p: Prompt, at: DateTime<Utc>) -> Option<String> {
        self.announcer.as_ref().and_then(|f| f(p, at))
    }

    fn active_calls(&self) -> usize {
        self.active
    }

    /// The IVR: no line, after hours, or welcome and queue.
    fn ivr(&mut self, e: &CtiEvent, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
        let id = e.call.clone().unwrap_or_default();
        let base = |kind| {
            let mut n = CtiEvent::new("", kind, e.at);
            n.call = Some(id.clone());
            n
        };
        // The call itself is counted among the active ones.
        if self.active_calls() > self.cfg.lines {
            self.push(base(EventKind::RejectedNoLine), now, out, effects);
            return;
        }
        let channel = e.channel.unwrap_or(ContactType::Phone);
        if channel == ContactType::Phone && !self.calendar.is_open(e.at) {
            let mut n = base(EventKind::IvrAfterHours);
            n.announcement = self.announce(Prompt::AfterHours, e.at);
            self.push(n, now, out, effects);
            return;
        }
        if channel == ContactType::Phone {
            let mut n = base(EventKind::IvrWelcome);
            n.announcement = self.announce(Prompt::Welcome, e.at);
            self.push(n, now, out, effects);
        }
        let q = match e.queue.as_deref().and_then(|q| self.queue_ix(q)) {
            Some(q) => q,
            None => self.queue_for_call(e.dialled.as_deref(), channel),
        };
        let mut n = base(EventKind::Queued);
        n.queue = Some(self.cfg.queues[q].number.clone());
        if !self.any_ready_for(q, channel) {
            n.announcement = self.announce(Prompt::Queue, e.at);
            n.music = self.announce(Prompt::MusicOnHold, e.at);
        }
        self.push(n, now, out, effects);
    }

    fn eligible(&self, a: &Agent, q: usize, t: ContactType) -> bool {
        a.status == AgentStatus::Ready && a.mode.takes(t) && a.skills.contains(&self.cfg.queues[q].skill)
    }

    fn any_ready_for(&self, q: usize, t: ContactType) -> bool {
        self.agents.iter().any(|a| self.eligible(a, q, t))
    }

    /// The agent for a contact waiting in queue `q` (None: nobody ready).
    fn pick_agent(&self, q: usize, t: ContactType) -> Option<usize> {
        let strategy = self.cfg.queues[q].strategy;
        let online_first = t.is_live() && self.cfg.blend == BlendPolicy::OnlineFirst;
        let mut best: Option<(usize, (bool, i64, u64))> = None;
        for (i, a) in self.agents.iter().enumerate() {
            if !self.eligible(a, q, t) {
                continue;
            }
            let blended_penalty = online_first && a.mode == WorkMode::Blended;
            let key = match strategy {
                Strategy::LongestIdle => (blended_penalty, a.idle_since.timestamp_millis(), a.hunt),
                Strategy::FirstFree => (blended_penalty, 0, a.hunt),
            };
            if best.as_ref().is_none_or(|(_, k)| key < *k) {
                best = Some((i, key));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The contact for a ready agent: highest-priority type first, then
    /// the longest waiting (FIFO), across the queues the agent serves.
    fn pick_contact(&self, agent: usize) -> Option<(usize, Key)> {
        let a = &self.agents[agent];
        let mut best: Option<((usize, u64), usize, &Entry)> = None;
        for (qi, q) in self.queues.iter().enumerate() {
            if !a.skills.contains(&self.cfg.queues[qi].skill) {
                continue;
            }
            for (rank, (t, d)) in q.classes.iter().enumerate() {
                if !a.mode.takes(*t) {
                    continue;
                }
                let Some(head) = d.front() else { continue };
                // Priority between types: the global order of types, then
                // the queue's own order; FIFO by entry order.
                let key = (ContactType::ALL.iter().position(|c| c == t).unwrap_or(9) * 16 + rank, head.order);
                if best.as_ref().is_none_or(|(k, _, _)| key < *k) {
                    best = Some((key, qi, head));
                }
                break;
            }
        }
        best.map(|(_, q, e)| (q, e.key.clone()))
    }

    fn routed_event(&self, key: &Key, agent: &str, at: DateTime<Utc>) -> CtiEvent {
        let mut n = CtiEvent::new("", EventKind::Routed, at);
        n.agent = Some(agent.to_owned());
        match key {
            Key::Call(c) => {
                n.call = Some(c.clone());
                if let Some(call) = self.calls.get(c) {
                    n.channel = Some(call.channel);
                    n.queue = call.queue.map(|q| self.cfg.queues[q].number.clone());
                    n.caller = call.caller.clone();
                    n.ticket = call.ticket.clone();
                }
            }
            Key::Work(w) => {
                n.work = Some(w.clone());
                if let Some(work) = self.works.get(w) {
                    n.channel = Some(work.channel);
                    n.queue = Some(self.cfg.queues[work.queue].number.clone());
                    n.ticket = Some(w.clone());
                }
            }
        }
        n
    }

    fn route_contact(&mut self, key: Key, at: DateTime<Utc>, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
        let (q, t) = match &key {
            Key::Call(c) => match self.calls.get(c) {
                Some(call) if call.state == CallState::Queued => (call.queue.unwrap_or(0), call.channel),
                _ => return,
            },
            Key::Work(w) => match self.works.get(w) {
                Some(work) if work.state == WorkState::Queued => (work.queue, work.channel),
                _ => return,
            },
        };
        // Older contacts of higher priority go first: only route this one
        // when it is the head of the best class for the chosen agent.
        let Some(ai) = self.pick_agent(q, t) else { return };
        let Some((_, best)) = self.pick_contact(ai) else { return };
        let agent = self.agents[ai].id.clone();
        let ev = self.routed_event(&best, &agent, at);
        self.push(ev, now, out, effects);
        if best != key {
            self.route_contact(key, at, now, out, effects);
        }
    }

    fn route_agent(&mut self, agent: &str, at: DateTime<Utc>, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
        let Some(&ai) = self.agent_ix.get(agent) else { return };
        if self.agents[ai].status != AgentStatus::Ready {
            return;
        }
        let Some((_, key)) = self.pick_contact(ai) else { return };
        let ev = self.routed_event(&key, agent, at);
        self.push(ev, now, out, effects);
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
                if self.seen.insert(e.id.clone()) {
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

    // ----- views -----

    fn agent_view(&self, a: &Agent, now: DateTime<Utc>) -> AgentView {
        AgentView {
            id: a.id.clone(),
            status: a.status,
            status_label: a.status.label().to_owned(),
            reason: a.reason.clone(),
            terminal: a.terminal.clone(),
            skills: a.skills.clone(),
            mode: a.mode,
            for_s: (now - a.since).num_seconds().max(0),
            contact: a.contact.as_ref().map(key_name),
            handled: a.handled,
        }
    }

    /// One agent's state (the console).
    pub fn agent(&self, id: &str, now: DateTime<Utc>) -> Option<AgentView> {
        self.agent_ix.get(id).map(|&i| self.agent_view(&self.agents[i], now))
    }

    /// Every known agent.
    pub fn agents(&self, now: DateTime<Utc>) -> Vec<AgentView> {
        self.agents.iter().map(|a| self.agent_view(a, now)).collect()
    }

    /// A call as the console shows it.
    pub fn call(&self, id: &str, now: DateTime<Utc>) -> Option<CallView> {
        let c = self.calls.get(id)?;
        Some(CallView {
            id: id.to_owned(),
            state: state_name(c.state).to_owned(),
            channel: c.channel,
            caller: c.caller.clone(),
            queue: c.queue.map(|q| self.cfg.queues[q].number.clone()),
            agent: c.agent.clone(),
            waited_s: c.queued_at.map(|q| (c.answered_at.unwrap_or(now) - q).num_seconds().max(0)),
            ticket: c.ticket.clone(),
            contact: c.contact.clone(),
            offered_at: c.offered_at,
        })
    }

    /// Waiting contacts of a queue, first to last (the supervisor's view).
    pub fn queue_contents(&self, number: &str, now: DateTime<Utc>) -> Option<Vec<(String, ContactType, i64)>> {
        let q = self.queue_ix(number)?;
        let mut all: Vec<(u64, String, ContactType, i64)> = Vec::new();
        for (t, d) in &self.queues[q].classes {
            for e in d {
                all.push((e.order, key_name(&e.key), *t, (now - e.since).num_seconds().max(0)));
            }
        }
        let prio = |t: &ContactType| ContactType::ALL.iter().position(|c| c == t).unwrap_or(9);
        all.sort_by_key(|(o, _, t, _)| (prio(t), *o));
        Some(all.into_iter().map(|(_, k, t, w)| (k, t, w)).collect())
    }

    /// The wallboard at `now`.
    pub fn wallboard(&self, now: DateTime<Utc>) -> Wallboard {
        let today = self.counts_today(now);
        let th = &self.cfg.thresholds;
        let queues = self
            .cfg
            .queues
            .iter()
            .enumerate()
            .map(|(qi, qc)| {
                let serving: Vec<&Agent> = self
                    .agents
                    .iter()
                    .filter(|a| {
                        a.status != AgentStatus::LoggedOut && a.skills.contains(&qc.skill) && qc.channels.iter().any(|t| a.mode.takes(*t))
                    })
                    .collect();
                let waiting: u32 = self.queues[qi].classes.iter().map(|(_, d)| d.len() as u32).sum();
                let first = self.queues[qi].classes.iter().filter_map(|(_, d)| d.iter().map(|e| e.since).min()).min();
                let first_wait_s = first.map_or(0, |f| (now - f).num_seconds().max(0) as u64);
                let ready = serving.iter().filter(|a| a.status == AgentStatus::Ready).count() as u32;
                let by_status = AgentStatus::ALL
                    .into_iter()
                    .filter(|s| *s != AgentStatus::LoggedOut)
                    .map(|s| (s, serving.iter().filter(|a| a.status == s).count() as u32))
                    .collect();
                let terminals = serving.iter().filter_map(|a| a.terminal.as_deref()).collect::<HashSet<_>>().len() as u32;
                let empty = QueueStats::default();
                let s = if today { &self.stats.queues[qi] } else { &empty };
                let share = |n: u32, d: u32| (d > 0).then(|| f64::from(n) / f64::from(d));
                let settled = s.answered + s.abandoned;
                let answered_30s_share = share(s.answered_30s, settled);
                let abandoned_share = share(s.abandoned, settled);
                let load = (ready > 0).then(|| f64::from(waiting) / f64::from(ready));
                let alarm = first_wait_s >= th.wait_alarm_s
                    || answered_30s_share.is_some_and(|v| v < th.min_answered_30s)
                    || abandoned_share.is_some_and(|v| v > th.max_abandoned);
                let warn = first_wait_s >= th.wait_warning_s || load.is_some_and(|l| l > th.max_load) || (waiting > 0 && ready == 0);
                QueueView {
                    number: qc.number.clone(),
                    name: qc.name.clone(),
                    channels: qc.channels.clone(),
                    waiting,
                    first_wait_s,
                    agents: serving.iter().map(|a| self.agent_view(a, now)).collect(),
                    by_status,
                    ready,
                    load,
                    terminals,
                    offered: s.offered,
                    answered: s.answered,
                    abandoned: s.abandoned,
                    answered_30s_share,
                    abandoned_share,
                    asa_s: (s.answered > 0).then(|| s.wait_answered_s / f64::from(s.answered)),
                    aht_s: (s.handled > 0).then(|| s.handle_s / f64::from(s.handled)),
                    level: if alarm {
                        "alarm"
                    } else if warn {
                        "warning"
                    } else {
                        "ok"
                    }
                    .into(),
                }
            })
            .collect();
        Wallboard {
            at: now,
            open: self.calendar.is_open(now),
            queues,
            calls_today: if today { self.stats.calls } else { 0 },
            rejected_no_line: if today { self.stats.rejected_no_line } else { 0 },
            after_hours: if today { self.stats.after_hours } else { 0 },
            voicemails: if today { self.stats.voicemails } else { 0 },
            sample_s: self.sample_s,
            chart: if today { self.chart.clone() } else { Vec::new() },
        }
    }
}

/// A call as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallView {
    /// Call id.
    pub id: String,
    /// Where it is: offered, ivr, queued, ringing, talking, after_hours,
    /// voicemail, transferred_out, done.
    pub state: String,
    /// Contact type.
    pub channel: ContactType,
    /// Caller id.
    pub caller: Option<String>,
    /// Queue number.
    pub queue: Option<String>,
    /// Agent in conversation.
    pub agent: Option<String>,
    /// Seconds waited in queue (until answered).
    pub waited_s: Option<i64>,
    /// Its ticket.
    pub ticket: Option<String>,
    /// The caller's CRM contact.
    pub contact: Option<String>,
    /// When it reached the service.
    pub offered_at: DateTime<Utc>,
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
