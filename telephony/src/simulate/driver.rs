//! The simulated world around the engine: callers who arrive, wait, give
//! up or leave a voicemail; agents who sign in and out with the plan,
//! answer what the engine offers them, talk, transfer, and work offline
//! requests. Everything the world does reaches the engine as a CTI event,
//! exactly as the PBX connector and the consoles send them; what the engine
//! decides (IVR, queueing, routing, wrap-up) comes back as its events, and
//! the measurements are taken from that stream.
//!
//! Time is virtual: a priority queue of the world's next actions, in time
//! order (ties in the order they were scheduled), so a year takes seconds
//! and the same seed gives the same events.

use super::model::{GROUPS, HOURS, Handling, StaffingPlan, Traffic, day_kind};
use super::report::{Day, Metrics, Report};
use super::{Rng, SimOptions};
use crate::config::TelephonyConfig;
use crate::engine::{Engine, Submitted};
use crate::error::{Error, Result};
use crate::model::{AgentStatus, ContactType, CtiEvent, EventKind, Skill, Source, TransferMode, TransferTarget, WorkMode};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use crm::Calendar;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Where the simulated events go (the store, in `centralino simulate
/// --data-dir`); called once per simulated day with that day's events.
pub type Sink<'a> = &'a mut dyn FnMut(Vec<CtiEvent>) -> Result<()>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    /// Local midnight of simulated day `d`: schedule its hours.
    Day(u32),
    /// Start of hour `h` of day `d`: staffing and arrivals.
    Hour(u32, u32),
    /// A phone call arrives.
    Call(u64),
    /// An e-mail (0), web (1) or fax (2) request arrives.
    Offline(u64, u8),
    /// The agent the call rings at answers.
    Answer(u64),
    /// The conversation of the call's current level is over.
    Hangup(u64),
    /// The caller waiting in `level` (1 or 2) gives up.
    GiveUp(u64, u8),
    /// An after-hours caller finished the voicemail (true) or hung up.
    AfterHours(u64, bool),
    /// An offline request is done.
    WorkDone(u64),
    /// The engine's timers (end of wrap-up).
    Tick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Ivr,
    Waiting(u8),
    Ringing(u8),
    Talking(u8),
}

#[derive(Debug, Clone)]
struct SimCall {
    stage: Stage,
    /// The simulated day and hour it counts in.
    bucket: (u32, u32),
    queued_at: f64,
    answered_at: f64,
    agent: Option<u32>,
    to_l2: bool,
}

#[derive(Debug, Clone)]
struct SimWork {
    bucket: (u32, u32),
    offered_at: f64,
    picked_at: f64,
    agent: Option<u32>,
}

#[derive(Debug, Clone)]
struct SimAgent {
    id: String,
    group: usize,
    signed_in: bool,
    leaving: bool,
}

/// Seconds since the epoch of the simulation start, as a key in ms.
fn key(t: f64) -> i64 {
    (t * 1000.0).round() as i64
}

pub(super) struct World<'a> {
    engine: Engine,
    traffic: &'a Traffic,
    plan: &'a StaffingPlan,
    cal: Calendar,
    opts: SimOptions,
    rng: Rng,
    origin: DateTime<Utc>,
    heap: BinaryHeap<Reverse<(i64, u64, Action)>>,
    order: u64,
    now: f64,
    calls: HashMap<u64, SimCall>,
    works: HashMap<u64, SimWork>,
    next_call: u64,
    next_work: u64,
    next_event: u64,
    agents: Vec<SimAgent>,
    agent_ix: HashMap<String, u32>,
    days: Vec<Day>,
    /// Hour starts of the current day (25 instants, seconds from origin).
    day_hours: Vec<f64>,
    /// Expected phone calls and offline requests per simulated day.
    per_day: Vec<(f64, f64)>,
    l2_queues: Vec<String>,
    wrap_up_s: f64,
    events: u64,
    buffer: Vec<CtiEvent>,
    sink: Option<Sink<'a>>,
    prefix: String,
}

impl<'a> World<'a> {
    pub(super) fn new(
        cfg: TelephonyConfig,
        traffic: &'a Traffic,
        plan: &'a StaffingPlan,
        opts: SimOptions,
        sink: Option<Sink<'a>>,
    ) -> Result<World<'a>> {
        traffic.validate()?;
        if opts.days == 0 || opts.days > 3660 {
            return Err(Error::invalid("days", format!("{} days: simulate 1 to 3660 days", opts.days)));
        }
        let cal = Calendar::new(&traffic.calendar)?;
        let l2_queues = cfg.queues.iter().filter(|q| q.skill == Skill::L2).map(|q| q.number.clone()).collect();
        let wrap_up_s = cfg.wrap_up_s as f64;
        let mut engine = Engine::new(cfg, cal.clone())?;
        // The engine's own ids must not meet those of a real run.
        engine.set_boot(0x5100_0000_0000 + (opts.seed & 0xFFFF_FFFF));
        let origin = local_midnight(&cal, opts.start)?;
        let holiday = |d: NaiveDate| cal.holiday(d).is_some();
        let year = traffic.year_weight(opts.start, holiday);
        let phone_year = traffic.contacts_per_year * traffic.phone_share();
        let offline_year = traffic.contacts_per_year - phone_year;
        let per_day = opts
            .start
            .iter_days()
            .take(opts.days as usize)
            .map(|d| {
                let w = if year > 0.0 { traffic.days.of(d, holiday(d)) / year } else { 0.0 };
                (phone_year * w, offline_year * w)
            })
            .collect();
        Ok(World {
            engine,
            traffic,
            plan,
            cal,
            rng: Rng::new(opts.seed),
            prefix: format!("sim{}", opts.seed),
            opts,
            origin,
            heap: BinaryHeap::new(),
            order: 0,
            now: 0.0,
            calls: HashMap::new(),
            works: HashMap::new(),
            next_call: 0,
            next_work: 0,
            next_event: 0,
            agents: Vec::new(),
            agent_ix: HashMap::new(),
            days: Vec::new(),
            day_hours: Vec::new(),
            per_day,
            l2_queues,
            wrap_up_s,
            events: 0,
            buffer: Vec::new(),
            sink,
        })
    }

    fn at(&self, t: f64) -> DateTime<Utc> {
        self.origin + Duration::milliseconds(key(t))
    }

    fn schedule(&mut self, t: f64, a: Action) {
        self.order += 1;
        self.heap.push(Reverse((key(t), self.order, a)));
    }

    pub(super) fn run(mut self) -> Result<Report> {
        self.schedule(0.0, Action::Day(0));
        while let Some(Reverse((k, _, action))) = self.heap.pop() {
            self.now = k as f64 / 1000.0;
            self.step(action)?;
        }
        self.flush()?;
        let backlog = self.works.len() as u64;
        Ok(Report {
            start: self.opts.start,
            days: self.days,
            seed: self.opts.seed,
            sla: self.traffic.sla.clone(),
            offline_backlog: backlog,
            events: self.events,
        })
    }

    fn metrics(&mut self, (d, h): (u32, u32)) -> &mut Metrics {
        &mut self.days[d as usize].hours[h as usize]
    }

    /// The bucket of the current instant.
    fn bucket_now(&self) -> (u32, u32) {
        let d = self.days.len().saturating_sub(1) as u32;
        let h = self.day_hours.iter().rposition(|s| *s <= self.now).unwrap_or(0).min(HOURS - 1) as u32;
        (d, h)
    }

    fn step(&mut self, action: Action) -> Result<()> {
        match action {
            Action::Day(d) => self.start_day(d)?,
            Action::Hour(d, h) => self.start_hour(d, h),
            Action::Call(c) => {
                let bucket = self.bucket_now();
                self.calls.insert(c, SimCall { stage: Stage::Ivr, bucket, queued_at: 0.0, answered_at: 0.0, agent: None, to_l2: false });
                self.metrics(bucket).calls += 1;
                let e = self.event(EventKind::Offered).call(self.call_id(c));
                self.submit(e);
            }
            Action::Offline(w, ch) => {
                let bucket = self.bucket_now();
                let channel = [ContactType::Email, ContactType::Web, ContactType::Fax][usize::from(ch.min(2))];
                self.offer_work(w, channel, bucket);
            }
            Action::Answer(c) => {
                let Some(call) = self.calls.get(&c) else { return Ok(()) };
                let (Stage::Ringing(level), Some(agent)) = (call.stage, call.agent) else { return Ok(()) };
                let e = self.event(EventKind::Answered).call(self.call_id(c)).agent(self.agents[agent as usize].id.clone());
                self.submit(e);
                let wait = self.now - self.calls.get(&c).map_or(self.now, |x| x.queued_at);
                let sla = self.traffic.sla.clone();
                let to_l2 = level == 1 && self.rng.uniform() < self.traffic.l2_share;
                let mean = if level == 1 { self.traffic.phone_aht_s } else { self.traffic.l2_aht_s };
                let talk = self.handling(mean);
                let Some(call) = self.calls.get_mut(&c) else { return Ok(()) };
                call.stage = Stage::Talking(level);
                call.answered_at = self.now;
                call.to_l2 = to_l2;
                let bucket = call.bucket;
                let m = self.metrics(bucket);
                if level == 1 {
                    m.answered += 1;
                    m.wait_s += wait;
                    m.max_wait_s = m.max_wait_s.max(wait);
                    m.answered_in_target += u64::from(wait < sla.answer_within_s);
                    m.over_max += u64::from(wait > sla.max_wait_s);
                } else {
                    m.l2_answered += 1;
                    m.l2_wait_s += wait;
                    m.l2_in_target += u64::from(wait < sla.answer_within_s);
                }
                self.schedule(self.now + talk, Action::Hangup(c));
            }
            Action::Hangup(c) => self.hang_up(c),
            Action::GiveUp(c, level) => {
                let Some(call) = self.calls.get(&c) else { return Ok(()) };
                if !matches!(call.stage, Stage::Waiting(l) | Stage::Ringing(l) if l == level) {
                    return Ok(());
                }
                let ringing = call.agent.filter(|_| matches!(call.stage, Stage::Ringing(_)));
                let (bucket, waited) = (call.bucket, self.now - call.queued_at);
                let max_wait = self.traffic.sla.max_wait_s;
                let e = self.event(EventKind::Abandoned).call(self.call_id(c));
                self.submit(e);
                let m = self.metrics(bucket);
                if level == 1 {
                    m.abandoned += 1;
                    m.over_max += u64::from(waited > max_wait);
                } else {
                    m.l2_abandoned += 1;
                }
                self.calls.remove(&c);
                if let Some(a) = ringing {
                    self.settle_leaving(a);
                }
            }
            Action::AfterHours(c, voicemail) => {
                let Some(call) = self.calls.remove(&c) else { return Ok(()) };
                if voicemail {
                    let e = self.event(EventKind::VoicemailLeft).call(self.call_id(c));
                    self.submit(e);
                    self.metrics(call.bucket).voicemails += 1;
                }
                let e = self.event(EventKind::Ended).call(self.call_id(c));
                self.submit(e);
                if voicemail {
                    // What the service does for a voicemail: an offline
                    // request offered to the agents.
                    self.next_work += 1;
                    let w = self.next_work;
                    let bucket = self.bucket_now();
                    self.offer_work(w, ContactType::Voicemail, bucket);
                }
            }
            Action::WorkDone(w) => {
                let Some(work) = self.works.remove(&w) else { return Ok(()) };
                let Some(a) = work.agent else { return Ok(()) };
                let leaving = self.agents[a as usize].leaving;
                let mut e = self.event(EventKind::WorkDone).agent(self.agents[a as usize].id.clone());
                e.work = Some(self.work_id(w));
                if leaving {
                    e.state = Some(AgentStatus::LoggedOut);
                    self.sign_out_local(a);
                }
                self.submit(e);
                let blended = GROUPS[self.agents[a as usize].group] == "blended";
                let worked = self.now - work.picked_at;
                let m = self.metrics(work.bucket);
                m.offline_done += 1;
                // Blended agents count among the first level's staff: their
                // offline work is part of its occupancy.
                if blended {
                    m.busy_s += worked;
                }
            }
            Action::Tick => {
                let now = self.at(self.now);
                let sub = self.engine.tick(now);
                self.observe(sub);
            }
        }
        Ok(())
    }

    fn start_day(&mut self, d: u32) -> Result<()> {
        if d >= self.opts.days {
            return Ok(());
        }
        let date = self.opts.start + Duration::days(i64::from(d));
        let next = local_midnight(&self.cal, date + Duration::days(1))?;
        let base = (local_midnight(&self.cal, date)? - self.origin).num_milliseconds() as f64 / 1000.0;
        let end = (next - self.origin).num_milliseconds() as f64 / 1000.0;
        let tz = self.cal.timezone();
        let mut hours = Vec::with_capacity(HOURS + 1);
        for h in 0..HOURS as u32 {
            let local = date.and_hms_opt(h, 0, 0).unwrap_or_default();
            // A local hour skipped by daylight saving time is empty.
            let t = tz.from_local_datetime(&local).earliest().map_or(hours.last().copied().unwrap_or(base), |t| {
                (t.with_timezone(&Utc) - self.origin).num_milliseconds() as f64 / 1000.0
            });
            hours.push(t);
        }
        hours.push(end);
        self.day_hours = hours;
        self.days.push(Day { date, holiday: self.cal.holiday(date).is_some(), hours: vec![Metrics::default(); HOURS] });
        self.flush()?;
        for h in 0..HOURS as u32 {
            let t = self.day_hours[h as usize];
            self.schedule(t, Action::Hour(d, h));
        }
        self.schedule(end, Action::Day(d + 1));
        Ok(())
    }

    fn start_hour(&mut self, d: u32, h: u32) {
        let (from, to) = (self.day_hours[h as usize], self.day_hours[h as usize + 1]);
        let date = self.opts.start + Duration::days(i64::from(d));
        let holiday = self.cal.holiday(date).is_some();
        // Staffing for the hour.
        let staff = self.plan.of(date, holiday).cloned().unwrap_or_default();
        let length = to - from;
        for (g, group) in GROUPS.iter().enumerate() {
            let n = staff.at(group, h as usize);
            self.staff_group(g, n);
            let m = self.metrics((d, h));
            match *group {
                "l1" | "blended" => m.staffed_s += f64::from(n) * length,
                "l2" => m.l2_staffed_s += f64::from(n) * length,
                _ => {}
            }
        }
        if length <= 0.0 {
            return;
        }
        // Arrivals: a Poisson process at the hour's rate.
        let kind = day_kind(date, holiday);
        let (phone_day, offline_day) = self.per_day[d as usize];
        let rate = |profile: &[f64], total: f64| {
            let sum: f64 = profile.iter().sum();
            if sum > 0.0 { total * profile[h as usize] / sum / length } else { 0.0 }
        };
        let phone_rate = rate(self.traffic.phone_hourly.of_kind(kind), phone_day);
        let offline_rate = rate(self.traffic.offline_hourly.of_kind(kind), offline_day);
        if phone_rate > 0.0 {
            let mut t = from + self.rng.exponential(1.0 / phone_rate);
            while t < to {
                self.next_call += 1;
                let c = self.next_call;
                self.schedule(t, Action::Call(c));
                t += self.rng.exponential(1.0 / phone_rate);
            }
        }
        if offline_rate > 0.0 {
            let shares = self.traffic.offline_shares();
            let total: f64 = shares.iter().map(|(_, s)| s).sum();
            let mut t = from + self.rng.exponential(1.0 / offline_rate);
            while t < to {
                self.next_work += 1;
                let w = self.next_work;
                let mut pick = self.rng.uniform() * total;
                let mut ch = 0u8;
                for (i, (_, s)) in shares.iter().enumerate() {
                    if pick < *s {
                        ch = i as u8;
                        break;
                    }
                    pick -= s;
                    ch = i as u8;
                }
                self.schedule(t, Action::Offline(w, ch));
                t += self.rng.exponential(1.0 / offline_rate);
            }
        }
    }

    /// Signs agents of group `g` in or out until `n` are on duty. Agents
    /// busy with a contact finish it before they sign out.
    fn staff_group(&mut self, g: usize, n: u32) {
        let on_duty: Vec<u32> =
            (0..self.agents.len() as u32).filter(|&a| self.agents[a as usize].group == g && self.agents[a as usize].signed_in).collect();
        let staying = on_duty.iter().filter(|&&a| !self.agents[a as usize].leaving).count() as u32;
        if staying < n {
            let mut need = n - staying;
            for &a in &on_duty {
                if need > 0 && self.agents[a as usize].leaving {
                    self.agents[a as usize].leaving = false;
                    need -= 1;
                }
            }
            let mut i = 0;
            while need > 0 {
                i += 1;
                let id = format!("{}-{}-{i:02}", self.prefix, GROUPS[g]);
                let a = match self.agent_ix.get(&id) {
                    Some(&a) => a,
                    None => {
                        self.agents.push(SimAgent { id: id.clone(), group: g, signed_in: false, leaving: false });
                        let a = self.agents.len() as u32 - 1;
                        self.agent_ix.insert(id, a);
                        a
                    }
                };
                if self.agents[a as usize].signed_in {
                    continue;
                }
                self.sign_in(a);
                need -= 1;
            }
        } else if staying > n {
            let mut extra = staying - n;
            let now = self.at(self.now);
            // Idle agents go first, the last signed in first.
            let mut candidates: Vec<(bool, u32)> = on_duty
                .iter()
                .filter(|&&a| !self.agents[a as usize].leaving)
                .map(|&a| {
                    let busy = self.engine.agent(&self.agents[a as usize].id, now).is_some_and(|v| is_busy(v.status));
                    (busy, a)
                })
                .collect();
            candidates.sort_by_key(|&(busy, a)| (busy, Reverse(a)));
            for (busy, a) in candidates {
                if extra == 0 {
                    break;
                }
                extra -= 1;
                if busy {
                    self.agents[a as usize].leaving = true;
                } else {
                    self.sign_out(a);
                }
            }
        }
    }

    fn sign_in(&mut self, a: u32) {
        let agent = &mut self.agents[a as usize];
        agent.signed_in = true;
        agent.leaving = false;
        let (skill, mode) = match GROUPS[agent.group] {
            "l2" => (Skill::L2, WorkMode::Online),
            "offline" => (Skill::L1, WorkMode::Offline),
            "blended" => (Skill::L1, WorkMode::Blended),
            _ => (Skill::L1, WorkMode::Online),
        };
        let mut e = self.event(EventKind::AgentState).agent(self.agents[a as usize].id.clone());
        e.state = Some(AgentStatus::Ready);
        e.skills = Some(vec![skill]);
        e.work_mode = Some(mode);
        self.submit(e);
    }

    fn sign_out_local(&mut self, a: u32) {
        let agent = &mut self.agents[a as usize];
        agent.signed_in = false;
        agent.leaving = false;
    }

    fn sign_out(&mut self, a: u32) {
        self.sign_out_local(a);
        let mut e = self.event(EventKind::AgentState).agent(self.agents[a as usize].id.clone());
        e.state = Some(AgentStatus::LoggedOut);
        self.submit(e);
    }

    /// A leaving agent whose contact is over signs out.
    fn settle_leaving(&mut self, a: u32) {
        if !self.agents[a as usize].leaving {
            return;
        }
        let now = self.at(self.now);
        if self.engine.agent(&self.agents[a as usize].id, now).is_none_or(|v| !is_busy(v.status)) {
            self.sign_out(a);
        }
    }

    fn hang_up(&mut self, c: u64) {
        let Some(call) = self.calls.get(&c) else { return };
        let Stage::Talking(level) = call.stage else { return };
        let (agent, bucket, talk, to_l2) = (call.agent, call.bucket, self.now - call.answered_at, call.to_l2);
        let busy = talk + self.wrap_up_s;
        let m = self.metrics(bucket);
        if level == 1 {
            m.busy_s += busy;
        } else {
            m.l2_busy_s += busy;
        }
        if to_l2 {
            let mut e = self.event(EventKind::Transferred).call(self.call_id(c));
            e.target = Some(TransferTarget::L2);
            e.mode = Some(TransferMode::Warm);
            if let Some(call) = self.calls.get_mut(&c) {
                call.stage = Stage::Waiting(2);
                call.agent = None;
                call.to_l2 = false;
                call.queued_at = self.now;
            }
            self.submit(e);
            if let Some(p) = self.patience() {
                self.schedule(self.now + p, Action::GiveUp(c, 2));
            }
        } else {
            let e = self.event(EventKind::Ended).call(self.call_id(c));
            self.calls.remove(&c);
            self.submit(e);
        }
        if self.wrap_up_s > 0.0 {
            self.schedule(self.now + self.wrap_up_s, Action::Tick);
        }
        if let Some(a) = agent {
            self.settle_leaving(a);
        }
    }

    fn offer_work(&mut self, w: u64, channel: ContactType, bucket: (u32, u32)) {
        self.works.insert(w, SimWork { bucket, offered_at: self.now, picked_at: self.now, agent: None });
        self.metrics(bucket).offline_items += 1;
        let mut e = self.event(EventKind::WorkOffered);
        e.work = Some(self.work_id(w));
        e.channel = Some(channel);
        self.submit(e);
    }

    fn patience(&mut self) -> Option<f64> {
        let p = self.traffic.patience_s;
        (p > 0.0).then(|| self.rng.exponential(p))
    }

    fn handling(&mut self, mean: f64) -> f64 {
        match self.traffic.handling {
            Handling::Exponential => self.rng.exponential(mean),
            Handling::Lognormal => self.rng.lognormal(mean, self.traffic.handling_cv),
        }
    }

    fn call_id(&self, c: u64) -> String {
        format!("{}-c{c}", self.prefix)
    }

    fn work_id(&self, w: u64) -> String {
        format!("{}-w{w}", self.prefix)
    }

    fn event(&mut self, kind: EventKind) -> CtiEvent {
        self.next_event += 1;
        let mut e = CtiEvent::new(format!("{}-{}", self.prefix, self.next_event), kind, self.at(self.now));
        e.source = Source::Simulation;
        e
    }

    fn submit(&mut self, e: CtiEvent) {
        let now = self.at(self.now);
        let sub = self.engine.submit(e, now);
        if sub.result.status == "rejected" {
            tracing::warn!(error = ?sub.result.error, "simulated event rejected by the engine");
        }
        self.observe(sub);
    }

    /// Reacts to what the engine did: measures, and schedules what the
    /// simulated callers and agents do next.
    fn observe(&mut self, sub: Submitted) {
        self.events += sub.events.len() as u64;
        for e in &sub.events {
            if e.source != Source::Engine {
                continue;
            }
            match e.kind {
                EventKind::Queued => {
                    let Some(c) = e.call.as_deref().and_then(|id| self.number_of(id, "-c")) else { continue };
                    let level = if e.queue.as_ref().is_some_and(|q| self.l2_queues.contains(q)) { 2 } else { 1 };
                    let Some(call) = self.calls.get_mut(&c) else { continue };
                    let bucket = call.bucket;
                    if level == 1 {
                        call.stage = Stage::Waiting(1);
                        call.queued_at = self.now;
                        self.metrics(bucket).queued += 1;
                        if let Some(p) = self.patience() {
                            self.schedule(self.now + p, Action::GiveUp(c, 1));
                        }
                    } else {
                        self.metrics(bucket).l2_queued += 1;
                    }
                }
                EventKind::Routed => {
                    let Some(a) = e.agent.as_deref().and_then(|id| self.agent_ix.get(id).copied()) else { continue };
                    if let Some(c) = e.call.as_deref().and_then(|id| self.number_of(id, "-c")) {
                        let Some(call) = self.calls.get_mut(&c) else { continue };
                        let Stage::Waiting(level) = call.stage else { continue };
                        call.stage = Stage::Ringing(level);
                        call.agent = Some(a);
                        let ring = self.traffic.ring_s;
                        self.schedule(self.now + ring, Action::Answer(c));
                    } else if let Some(w) = e.work.as_deref().and_then(|id| self.number_of(id, "-w")) {
                        let Some(work) = self.works.get_mut(&w) else { continue };
                        work.agent = Some(a);
                        work.picked_at = self.now;
                        let (bucket, wait) = (work.bucket, self.now - work.offered_at);
                        self.metrics(bucket).offline_wait_s += wait;
                        let t = self.handling(self.traffic.offline_aht_s);
                        self.schedule(self.now + t, Action::WorkDone(w));
                    }
                }
                EventKind::IvrAfterHours => {
                    let Some(c) = e.call.as_deref().and_then(|id| self.number_of(id, "-c")) else { continue };
                    let Some(call) = self.calls.get(&c) else { continue };
                    let bucket = call.bucket;
                    self.metrics(bucket).after_hours += 1;
                    let leaves = self.rng.uniform() < self.traffic.voicemail_share;
                    let t = if leaves { self.traffic.voicemail_s } else { 10.0 };
                    self.schedule(self.now + t, Action::AfterHours(c, leaves));
                }
                EventKind::RejectedNoLine => {
                    let Some(c) = e.call.as_deref().and_then(|id| self.number_of(id, "-c")) else { continue };
                    if let Some(call) = self.calls.remove(&c) {
                        self.metrics(call.bucket).rejected_no_line += 1;
                    }
                }
                _ => {}
            }
        }
        if self.sink.is_some() {
            self.buffer.extend(sub.events);
        }
    }

    fn number_of(&self, id: &str, kind: &str) -> Option<u64> {
        id.strip_prefix(self.prefix.as_str())?.strip_prefix(kind)?.parse().ok()
    }

    fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let events = std::mem::take(&mut self.buffer);
        match self.sink.as_mut() {
            Some(sink) => sink(events),
            None => Ok(()),
        }
    }
}

fn is_busy(s: AgentStatus) -> bool {
    matches!(s, AgentStatus::Busy | AgentStatus::Ringing | AgentStatus::OfflineWork)
}

/// The instant a local date begins.
fn local_midnight(cal: &Calendar, date: NaiveDate) -> Result<DateTime<Utc>> {
    let local = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    cal.timezone()
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::invalid("start", format!("{date} has no local midnight")))
}
