//! The centralino telephony engine: the ACD that queues and distributes
//! phone calls and offline work, the IVR flows on the service calendar,
//! voicemail, the CTI contact life-cycle events and the announcement
//! registry.

mod error;

pub use error::{Error, Result};
