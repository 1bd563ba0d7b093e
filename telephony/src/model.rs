//! The CTI contact life-cycle events (DESIGN.md, "Contact life cycle") and
//! the small types they carry.
//!
//! One flat event type serves the PBX connector's JSON, the engine's own
//! decisions and storage: `type` says which step it is and the optional
//! fields carry what that step needs (see [`EventKind`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A contact type, by priority in the default order (TEL-2): phone calls
/// first, then call-backs, then offline work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactType {
    /// An inbound phone call.
    Phone,
    /// A call-back to a citizen, scheduled from a ticket.
    Callback,
    /// A voicemail message.
    Voicemail,
    /// An e-mail.
    Email,
    /// A fax.
    Fax,
    /// The web portal's contact form.
    Web,
}

impl ContactType {
    /// Every type, in the default priority order.
    pub const ALL: [ContactType; 6] =
        [ContactType::Phone, ContactType::Callback, ContactType::Voicemail, ContactType::Email, ContactType::Fax, ContactType::Web];

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactType::Phone => "phone",
            ContactType::Callback => "callback",
            ContactType::Voicemail => "voicemail",
            ContactType::Email => "email",
            ContactType::Fax => "fax",
            ContactType::Web => "web",
        }
    }

    /// Italian label for pages.
    pub fn label(self) -> &'static str {
        match self {
            ContactType::Phone => "telefono",
            ContactType::Callback => "richiamata",
            ContactType::Voicemail => "segreteria",
            ContactType::Email => "e-mail",
            ContactType::Fax => "fax",
            ContactType::Web => "web",
        }
    }

    /// Parses the JSON name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// Whether an agent works it live (phone, call-back) rather than
    /// offline (voicemail, e-mail, fax, web).
    pub fn is_live(self) -> bool {
        matches!(self, ContactType::Phone | ContactType::Callback)
    }

    /// The CRM channel of a ticket opened for it.
    pub fn crm_channel(self) -> crm::Channel {
        match self {
            ContactType::Phone | ContactType::Callback => crm::Channel::Phone,
            ContactType::Voicemail => crm::Channel::Voicemail,
            ContactType::Email => crm::Channel::Email,
            ContactType::Fax => crm::Channel::Fax,
            ContactType::Web => crm::Channel::WebForm,
        }
    }

    /// The contact type of a CRM channel's offline work.
    pub fn of_channel(c: crm::Channel) -> Self {
        match c {
            crm::Channel::Phone => ContactType::Callback,
            crm::Channel::Voicemail => ContactType::Voicemail,
            crm::Channel::Email => ContactType::Email,
            crm::Channel::Fax => ContactType::Fax,
            crm::Channel::WebForm | crm::Channel::Other => ContactType::Web,
        }
    }
}

/// An operator skill (the levels of Allegato A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Skill {
    /// First level (front office).
    L1,
    /// Second level (back office, also third-level triage).
    L2,
}

impl Skill {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Skill::L1 => "l1",
            Skill::L2 => "l2",
        }
    }
}

/// What work an agent takes (CRM-9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkMode {
    /// Phone calls and call-backs only.
    #[default]
    Online,
    /// Offline work only (e-mail, fax, voicemail, web).
    Offline,
    /// Both.
    Blended,
}

impl WorkMode {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkMode::Online => "online",
            WorkMode::Offline => "offline",
            WorkMode::Blended => "blended",
        }
    }

    /// Whether an agent in this mode takes `t`.
    pub fn takes(self, t: ContactType) -> bool {
        match self {
            WorkMode::Online => t.is_live(),
            WorkMode::Offline => !t.is_live(),
            WorkMode::Blended => true,
        }
    }
}

/// The state of an agent as reported by the console or the PBX. `busy`,
/// `wrap_up`, `ringing` and `offline_work` follow from contact events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Not signed in to the ACD.
    LoggedOut,
    /// Waiting for work.
    Ready,
    /// A contact is being offered (ringing) and not yet answered.
    Ringing,
    /// On a call.
    Busy,
    /// After a call, for the configured seconds.
    WrapUp,
    /// Paused, with a reason.
    Paused,
    /// Working an offline item.
    OfflineWork,
}

impl AgentStatus {
    /// Every status, in display order.
    pub const ALL: [AgentStatus; 7] = [
        AgentStatus::Ready,
        AgentStatus::Ringing,
        AgentStatus::Busy,
        AgentStatus::WrapUp,
        AgentStatus::OfflineWork,
        AgentStatus::Paused,
        AgentStatus::LoggedOut,
    ];

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::LoggedOut => "logged_out",
            AgentStatus::Ready => "ready",
            AgentStatus::Ringing => "ringing",
            AgentStatus::Busy => "busy",
            AgentStatus::WrapUp => "wrap_up",
            AgentStatus::Paused => "paused",
            AgentStatus::OfflineWork => "offline_work",
        }
    }

    /// Italian label.
    pub fn label(self) -> &'static str {
        match self {
            AgentStatus::LoggedOut => "disconnesso",
            AgentStatus::Ready => "disponibile",
            AgentStatus::Ringing => "in offerta",
            AgentStatus::Busy => "in conversazione",
            AgentStatus::WrapUp => "post-chiamata",
            AgentStatus::Paused => "in pausa",
            AgentStatus::OfflineWork => "lavorazione offline",
        }
    }
}

/// Where a call is transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferTarget {
    /// The second level, with the ticket (CRM-6).
    L2,
    /// An office or employee extension of the organisation chart (TEL-7).
    Extension,
    /// The voicemail box.
    Voicemail,
}

/// How a call is transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    /// The operator stays until the other side answers, with the ticket.
    Warm,
    /// Handed over without waiting.
    Blind,
    /// The operator introduces the caller first (TEL-7).
    Announced,
}

/// The step of the contact life cycle an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A call reaches the service (`call`, `caller`, `dialled`).
    Offered,
    /// No free line: the caller is refused (engine).
    RejectedNoLine,
    /// The caller hears the welcome message (engine; `announcement`).
    IvrWelcome,
    /// Out of service time: the after-hours message (engine; `announcement`).
    IvrAfterHours,
    /// The call waits in `queue` (engine; `announcement` when no agent is free).
    Queued,
    /// The engine offers the contact to `agent` (the console's alert).
    Routed,
    /// `agent` answered.
    Answered,
    /// The caller hung up while waiting.
    Abandoned,
    /// The call was transferred (`target`, `mode`, `extension`).
    Transferred,
    /// The extension a call was transferred to did not answer.
    TransferFailed,
    /// The call ended.
    Ended,
    /// The caller left a voicemail (`audio_base64` in the request).
    VoicemailLeft,
    /// A ticket was opened for the contact (engine; `ticket`, `contact`).
    TicketOpened,
    /// An agent's state changed (`agent`, `state`, `reason`, `terminal`,
    /// `skills`, `work_mode`).
    AgentState,
    /// An offline work item (a ticket) waits to be worked (`work`, `channel`).
    WorkOffered,
    /// `agent` finished the offline item `work`.
    WorkDone,
    /// The offered contact was not answered in time: back to the queue (engine).
    RingTimeout,
}

impl EventKind {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Offered => "offered",
            EventKind::RejectedNoLine => "rejected_no_line",
            EventKind::IvrWelcome => "ivr_welcome",
            EventKind::IvrAfterHours => "ivr_after_hours",
            EventKind::Queued => "queued",
            EventKind::Routed => "routed",
            EventKind::Answered => "answered",
            EventKind::Abandoned => "abandoned",
            EventKind::Transferred => "transferred",
            EventKind::TransferFailed => "transfer_failed",
            EventKind::Ended => "ended",
            EventKind::VoicemailLeft => "voicemail_left",
            EventKind::TicketOpened => "ticket_opened",
            EventKind::AgentState => "agent_state",
            EventKind::WorkOffered => "work_offered",
            EventKind::WorkDone => "work_done",
            EventKind::RingTimeout => "ring_timeout",
        }
    }

    /// Every kind.
    pub const ALL: [EventKind; 17] = [
        EventKind::Offered,
        EventKind::RejectedNoLine,
        EventKind::IvrWelcome,
        EventKind::IvrAfterHours,
        EventKind::Queued,
        EventKind::Routed,
        EventKind::Answered,
        EventKind::Abandoned,
        EventKind::Transferred,
        EventKind::TransferFailed,
        EventKind::Ended,
        EventKind::VoicemailLeft,
        EventKind::TicketOpened,
        EventKind::AgentState,
        EventKind::WorkOffered,
        EventKind::WorkDone,
        EventKind::RingTimeout,
    ];

    /// Parses the JSON name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the event is about a call (needs `call`).
    pub fn is_call_event(self) -> bool {
        !matches!(self, EventKind::AgentState | EventKind::WorkOffered | EventKind::WorkDone)
    }
}

/// Who produced an event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The PBX connector, through the API.
    #[default]
    Pbx,
    /// The engine's own routing and IVR.
    Engine,
    /// An operator's or supervisor's page.
    Console,
    /// The traffic simulator (`centralino simulate`): simulated callers and
    /// agents, never real traffic.
    Simulation,
}

/// One contact life-cycle event, as the PBX connector sends it and as it
/// is stored (raw, complete) in the `telephony` graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CtiEvent {
    /// The sender's unique id: sending it again is a no-op (idempotent).
    pub id: String,
    /// Which step.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// When it happened (RFC 3339).
    pub at: DateTime<Utc>,
    /// The call's id (every call event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// The offline work item: a ticket id (`work_offered`, `work_done`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<String>,
    /// The agent (operator's user name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The queue number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// The caller id (`offered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// The dialled number (`offered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialled: Option<String>,
    /// The contact type (`offered` defaults to phone; `work_offered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ContactType>,
    /// Transfer target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TransferTarget>,
    /// Transfer mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<TransferMode>,
    /// The extension transferred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The agent's new state (`agent_state`: logged_out, ready, paused; on
    /// `work_done`, paused or logged_out stops the agent before the next
    /// contact is offered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<AgentStatus>,
    /// Pause reason, rejection reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The agent's terminal (extension of the phone set) at log-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal: Option<String>,
    /// The agent's skills at log-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<Skill>>,
    /// The agent's work mode (CRM-9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_mode: Option<WorkMode>,
    /// The announcement heard, `name@version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    /// Music on hold played while waiting, `name@version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub music: Option<String>,
    /// The ticket (`ticket_opened`, or given by the PBX).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The CRM contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The voicemail audio, WAV in base64 (`voicemail_left`; not stored
    /// in the event: it becomes the ticket's attachment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_base64: Option<String>,
    /// Who produced it (set by the server).
    #[serde(default)]
    pub source: Source,
    /// Order of application (set by the server).
    #[serde(default)]
    pub seq: u64,
    /// What the engine noticed about it (set by the server): `late`,
    /// `unknown_call`, `already_in_state`, `ended_while_queued`...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

impl CtiEvent {
    /// A bare event of `kind` at `at` (fields to be filled in).
    pub fn new(id: impl Into<String>, kind: EventKind, at: DateTime<Utc>) -> Self {
        CtiEvent {
            id: id.into(),
            kind,
            at,
            call: None,
            work: None,
            agent: None,
            queue: None,
            caller: None,
            dialled: None,
            channel: None,
            target: None,
            mode: None,
            extension: None,
            state: None,
            reason: None,
            terminal: None,
            skills: None,
            work_mode: None,
            announcement: None,
            music: None,
            ticket: None,
            contact: None,
            audio_base64: None,
            source: Source::Pbx,
            seq: 0,
            flags: Vec::new(),
        }
    }

    /// Sets the call.
    pub fn call(mut self, call: impl Into<String>) -> Self {
        self.call = Some(call.into());
        self
    }

    /// Sets the agent.
    pub fn agent(mut self, agent: impl Into<String>) -> Self {
        self.agent = Some(agent.into());
        self
    }
}

/// What happened to one submitted event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventResult {
    /// The event's id.
    pub id: String,
    /// `accepted`, `flagged` (accepted, with flags), `pending` (held until
    /// its call is known), `duplicate` (already stored) or `rejected`.
    pub status: String,
    /// Flags, or the reason of a rejection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Kind of rejection: `invalid` (bad input), `conflict` (the current
    /// state forbids it) or `not_found`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the engine decided on it: the events it emitted (IVR step,
    /// queue, the agent a contact was routed to), for the connector to
    /// carry out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emitted: Vec<CtiEvent>,
}

/// Reads the body of `POST /api/v1/cti/events`: one event object or an
/// array of them. Returns the events and whether it was a single object.
/// (Parsing here rather than in the web crate keeps it optimised in dev
/// builds and close to the type.)
pub fn parse_events(body: &[u8]) -> Result<(Vec<CtiEvent>, bool), String> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => serde_json::from_slice::<Vec<CtiEvent>>(body).map(|v| (v, false)).map_err(|e| format!("malformed events: {e}")),
        Some(b'{') => serde_json::from_slice::<CtiEvent>(body).map(|e| (vec![e], true)).map_err(|e| format!("malformed event: {e}")),
        _ => Err("the body must be a JSON event object or an array of events".into()),
    }
}

/// The JSON answer of `POST /api/v1/cti/events`.
pub fn results_json(results: &[EventResult]) -> String {
    let accepted = results.iter().filter(|r| r.status == "accepted" || r.status == "flagged").count();
    let rejected = results.iter().filter(|r| r.status == "rejected").count();
    serde_json::json!({"results": results, "accepted": accepted, "rejected": rejected}).to_string()
}
