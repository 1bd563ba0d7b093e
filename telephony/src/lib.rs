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
pub mod staffing;
pub mod store;

pub use config::{BlendPolicy, QueueConfig, Strategy, TelephonyConfig, Thresholds};
pub use engine::{AgentView, Announcer, CallView, Effect, Engine, Prompt, QueueView, Sample, Submitted, Wallboard};
pub use error::{Error, Result};
pub use model::{AgentStatus, ContactType, CtiEvent, EventKind, EventResult, Skill, Source, TransferMode, TransferTarget, WorkMode};
pub use service::{Clock, MAX_BATCH, Notice, Telephony};
