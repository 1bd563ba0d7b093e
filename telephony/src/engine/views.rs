//! What the console and the wallboard show: agents, calls, queues and
//! today's counters, computed from the state.

use super::*;

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

impl Engine {
    pub(super) fn agent_view(&self, a: &Agent, now: DateTime<Utc>) -> AgentView {
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
