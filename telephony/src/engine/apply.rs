//! The fold: how each event changes the state (calls, work items, queues,
//! agents, today's counters). Nothing here decides anything.

use super::*;

impl Engine {
    pub(super) fn roll_day(&mut self, at: DateTime<Utc>) {
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

    pub(super) fn counts_today(&self, at: DateTime<Utc>) -> bool {
        self.stats.date == Some(self.calendar.local_date(at))
    }

    /// Applies one event to the state (no decisions).
    pub(super) fn apply(&mut self, e: &CtiEvent) {
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
                    // "Done, then pause" or "done, then log out": the agent
                    // stops before the next contact is offered.
                    if matches!(e.state, Some(AgentStatus::Paused | AgentStatus::LoggedOut)) {
                        self.apply_agent_state(e);
                    }
                }
            }
        }
    }

    pub(super) fn apply_agent_state(&mut self, e: &CtiEvent) {
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

    pub(super) fn next_order(&mut self) -> u64 {
        self.order += 1;
        self.order
    }

    pub(super) fn set_call_state(&mut self, e: &CtiEvent, s: CallState) {
        if let Some(c) = e.call.as_ref().and_then(|id| self.calls.get_mut(id)) {
            c.state = s;
        }
    }

    /// Ends a call: out of any queue, its ringing agent freed.
    pub(super) fn finish_call(&mut self, e: &CtiEvent, s: CallState) {
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
    pub(super) fn leave_agent(&mut self, id: &str, at: DateTime<Utc>, s: CallState) {
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
    pub(super) fn end_contact_of(&mut self, agent: &str, at: DateTime<Utc>, wrap: bool) {
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
    pub(super) fn free_agent(&mut self, agent: &str, at: DateTime<Utc>) {
        let Some(&ai) = self.agent_ix.get(agent) else { return };
        let a = &mut self.agents[ai];
        if matches!(a.status, AgentStatus::Ringing | AgentStatus::OfflineWork) {
            a.status = AgentStatus::Ready;
            a.contact = None;
            a.since = at;
            a.idle_since = at;
        }
    }

    pub(super) fn enqueue(&mut self, q: usize, t: ContactType, entry: Entry) {
        if let Some((_, d)) = self.queues[q].classes.iter_mut().find(|(c, _)| *c == t) {
            d.push_back(entry);
        } else if let Some((_, d)) = self.queues[q].classes.last_mut() {
            d.push_back(entry);
        }
    }

    pub(super) fn enqueue_front(&mut self, q: usize, t: ContactType, entry: Entry) {
        if let Some((_, d)) = self.queues[q].classes.iter_mut().find(|(c, _)| *c == t) {
            d.push_front(entry);
        } else if let Some((_, d)) = self.queues[q].classes.last_mut() {
            d.push_front(entry);
        }
    }

    pub(super) fn dequeue(&mut self, q: usize, key: &Key) {
        for (_, d) in &mut self.queues[q].classes {
            if let Some(i) = d.iter().position(|e| e.key == *key) {
                d.remove(i);
                return;
            }
        }
    }
}
