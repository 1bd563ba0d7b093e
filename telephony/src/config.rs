//! Settings of the telephony engine (`[telephony]` in `centralino.toml`).

use crate::error::{Error, Result};
use crate::model::{ContactType, Skill};
use serde::{Deserialize, Serialize};

/// How a queue picks among ready agents (TEL-2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The agent idle for the longest time.
    #[default]
    LongestIdle,
    /// The first free agent in the hunt order (the order agents logged in).
    FirstFree,
}

/// Phone calls and blended agents (CRM-9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlendPolicy {
    /// A blended agent is offered a waiting call as soon as the current
    /// offline item is done, like any online agent.
    #[default]
    PhoneFirst,
    /// Calls go to online agents first; blended agents take calls only
    /// when no online agent is ready.
    OnlineFirst,
}

/// One ACD queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// Queue number (shown on the wallboard).
    pub number: String,
    /// Name.
    pub name: String,
    /// Dialled numbers that lead to this queue (phone queues).
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Contact types served, in priority order (first = highest).
    pub channels: Vec<ContactType>,
    /// The skill an agent needs.
    #[serde(default = "default_skill")]
    pub skill: Skill,
    /// Agent choice.
    #[serde(default)]
    pub strategy: Strategy,
}

fn default_skill() -> Skill {
    Skill::L1
}

/// Thresholds the wallboard highlights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Wait of the first call in queue that turns amber, seconds.
    pub wait_warning_s: u64,
    /// Wait that turns red (SLA.C.2: no call waits over 90 s).
    pub wait_alarm_s: u64,
    /// Share answered within 30 s below which the day turns red (SLA.C.2).
    pub min_answered_30s: f64,
    /// Share abandoned above which the day turns red (SLA.C.3).
    pub max_abandoned: f64,
    /// Waiting calls per ready agent above which the load turns amber.
    pub max_load: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { wait_warning_s: 30, wait_alarm_s: 90, min_answered_30s: 0.9, max_abandoned: 0.05, max_load: 2.0 }
    }
}

/// The engine's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelephonyConfig {
    /// The queues.
    pub queues: Vec<QueueConfig>,
    /// Simultaneous calls the lines carry; more are refused (`rejected_no_line`).
    pub lines: usize,
    /// Seconds of after-call work before an agent is ready again.
    pub wrap_up_s: u64,
    /// Seconds a contact rings at an agent before it returns to the queue
    /// and the agent is paused ("mancata risposta").
    pub ring_timeout_s: u64,
    /// Seconds an event for an unknown call is held, waiting for its call
    /// to arrive (out-of-order delivery), before it is stored flagged.
    pub reorder_window_s: u64,
    /// Blended agents and phone calls.
    pub blend: BlendPolicy,
    /// Seconds between two samples of the wallboard's queue-wait chart
    /// (the supervisor can change it on the page).
    pub sample_s: u64,
    /// Wallboard thresholds.
    pub thresholds: Thresholds,
}

impl Default for TelephonyConfig {
    fn default() -> Self {
        Self {
            queues: vec![
                QueueConfig {
                    number: "1".into(),
                    name: "Centralino regionale".into(),
                    numbers: vec!["800000000".into()],
                    channels: vec![ContactType::Phone, ContactType::Callback],
                    skill: Skill::L1,
                    strategy: Strategy::LongestIdle,
                },
                QueueConfig {
                    number: "2".into(),
                    name: "Secondo livello".into(),
                    numbers: Vec::new(),
                    channels: vec![ContactType::Phone],
                    skill: Skill::L2,
                    strategy: Strategy::LongestIdle,
                },
                QueueConfig {
                    number: "3".into(),
                    name: "Lavorazioni offline".into(),
                    numbers: Vec::new(),
                    channels: vec![ContactType::Voicemail, ContactType::Email, ContactType::Fax, ContactType::Web],
                    skill: Skill::L1,
                    strategy: Strategy::LongestIdle,
                },
            ],
            lines: 60,
            wrap_up_s: 15,
            ring_timeout_s: 20,
            reorder_window_s: 30,
            blend: BlendPolicy::PhoneFirst,
            sample_s: 60,
            thresholds: Thresholds::default(),
        }
    }
}

impl TelephonyConfig {
    /// Checks the settings, naming what is wrong.
    pub fn validate(&self) -> Result<()> {
        if self.queues.is_empty() {
            return Err(Error::invalid("telephony.queues", "at least one queue is needed"));
        }
        let mut numbers = std::collections::HashSet::new();
        let mut dialled = std::collections::HashSet::new();
        for (i, q) in self.queues.iter().enumerate() {
            let at = format!("telephony.queues[{i}]");
            if q.number.trim().is_empty() || !numbers.insert(q.number.as_str()) {
                return Err(Error::invalid(format!("{at}.number"), format!("queue number {:?} is empty or repeated", q.number)));
            }
            if q.channels.is_empty() {
                return Err(Error::invalid(format!("{at}.channels"), "a queue serves at least one contact type"));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(c) = q.channels.iter().find(|c| !seen.insert(**c)) {
                return Err(Error::invalid(format!("{at}.channels"), format!("{} is listed twice", c.as_str())));
            }
            for n in &q.numbers {
                if !dialled.insert(n.as_str()) {
                    return Err(Error::invalid(format!("{at}.numbers"), format!("dialled number {n:?} leads to two queues")));
                }
            }
        }
        for t in ContactType::ALL {
            if !self.queues.iter().any(|q| q.channels.contains(&t)) {
                return Err(Error::invalid("telephony.queues", format!("no queue serves {}", t.as_str())));
            }
        }
        if !self.queues.iter().any(|q| q.skill == Skill::L2 && q.channels.contains(&ContactType::Phone)) {
            return Err(Error::invalid("telephony.queues", "no second-level (skill l2) phone queue for warm transfers"));
        }
        if self.lines == 0 {
            return Err(Error::invalid("telephony.lines", "must be at least 1"));
        }
        if !(1..=3600).contains(&self.sample_s) {
            return Err(Error::invalid("telephony.sample_s", "must be between 1 and 3600 seconds"));
        }
        if self.ring_timeout_s == 0 {
            return Err(Error::invalid("telephony.ring_timeout_s", "must be at least 1 second"));
        }
        Ok(())
    }
}
