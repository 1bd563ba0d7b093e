//! The centralino telephony engine: the ACD that queues and distributes
//! phone calls and offline work, the IVR flows on the service calendar,
//! voicemail, the CTI contact life-cycle events and the announcement
//! registry.

pub mod audio;
mod config;
mod engine;
mod error;
mod model;
mod service;
pub mod simulate;
pub mod staffing;
pub mod store;

pub use config::{BlendPolicy, QueueConfig, Strategy, TelephonyConfig, Thresholds};
pub use engine::{AgentView, Announcer, CallView, Effect, Engine, Prompt, QueueView, Sample, Submitted, Wallboard};
pub use error::{Error, Result};
pub use model::{
    AgentStatus, ContactType, CtiEvent, EventKind, EventResult, Skill, Source, TransferMode, TransferTarget, WorkMode, parse_events,
    results_json,
};
pub use service::{Clock, MAX_BATCH, Notice, Telephony};

// Announcements (TEL-3).
mod announcements;
mod wav;
pub use announcements::{
    ANNOUNCEMENT_LISTENERS, ANNOUNCEMENT_MANAGERS, Announcement, AnnouncementKind, AnnouncementLimits, AnnouncementVersion, Announcements,
    Heard, TimeBand, validate_name,
};
pub use wav::{AudioFormat, DEFAULT_MAX_DURATION_SECS, DEFAULT_MAX_WAV_BYTES, MIN_DURATION_MS, WavInfo, WavLimits, validate_wav};
