//! Decisions: the IVR step of a new call and the routing of contacts to
//! agents (FIFO within a queue, priority between contact types, longest
//! idle or first free).

use super::*;

impl Engine {
    pub(super) fn decide(&mut self, e: &CtiEvent, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
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

    pub(super) fn announce(&self, p: Prompt, at: DateTime<Utc>) -> Option<String> {
        self.announcer.as_ref().and_then(|f| f(p, at))
    }

    pub(super) fn active_calls(&self) -> usize {
        self.active
    }

    /// The IVR: no line, after hours, or welcome and queue.
    pub(super) fn ivr(&mut self, e: &CtiEvent, now: DateTime<Utc>, out: &mut Vec<CtiEvent>, effects: &mut Vec<Effect>) {
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

    pub(super) fn eligible(&self, a: &Agent, q: usize, t: ContactType) -> bool {
        a.status == AgentStatus::Ready && a.mode.takes(t) && a.skills.contains(&self.cfg.queues[q].skill)
    }

    pub(super) fn any_ready_for(&self, q: usize, t: ContactType) -> bool {
        self.agents.iter().any(|a| self.eligible(a, q, t))
    }

    /// The agent for a contact waiting in queue `q` (None: nobody ready).
    pub(super) fn pick_agent(&self, q: usize, t: ContactType) -> Option<usize> {
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
    pub(super) fn pick_contact(&self, agent: usize) -> Option<(usize, Key)> {
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

    pub(super) fn routed_event(&self, key: &Key, agent: &str, at: DateTime<Utc>) -> CtiEvent {
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

    pub(super) fn route_contact(
        &mut self,
        key: Key,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
        out: &mut Vec<CtiEvent>,
        effects: &mut Vec<Effect>,
    ) {
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

    pub(super) fn route_agent(
        &mut self,
        agent: &str,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
        out: &mut Vec<CtiEvent>,
        effects: &mut Vec<Effect>,
    ) {
        let Some(&ai) = self.agent_ix.get(agent) else { return };
        if self.agents[ai].status != AgentStatus::Ready {
            return;
        }
        let Some((_, key)) = self.pick_contact(ai) else { return };
        let ev = self.routed_event(&key, agent, at);
        self.push(ev, now, out, effects);
    }
}
