//! The ACD and IVR engine on its own (no store): queue order, agent
//! choice, IVR steps on the service calendar, bad input, recovery by replay.

use chrono::{DateTime, Duration, TimeZone, Utc};
use telephony::{
    AgentStatus, BlendPolicy, ContactType, CtiEvent, Effect, Engine, EventKind, Skill, Strategy, Submitted, TelephonyConfig,
    TransferTarget, WorkMode,
};

/// Monday 23 November 2026 at hh:mm:ss in Rome (UTC+1).
fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, m, s).single().expect("valid") - Duration::hours(1)
}

fn engine(cfg: TelephonyConfig) -> Engine {
    let cal = crm::Calendar::new(&crm::CalendarConfig::default()).expect("calendar");
    Engine::new(cfg, cal).expect("engine")
}

struct Run {
    e: Engine,
    n: u64,
    log: Vec<CtiEvent>,
    effects: Vec<Effect>,
}

impl Run {
    fn new(cfg: TelephonyConfig) -> Self {
        Run { e: engine(cfg), n: 0, log: Vec::new(), effects: Vec::new() }
    }

    fn send(&mut self, mut ev: CtiEvent) -> Submitted {
        if ev.id.is_empty() {
            self.n += 1;
            ev.id = format!("pbx-{}", self.n);
        }
        let now = ev.at;
        let s = self.e.submit(ev, now);
        self.log.extend(s.events.clone());
        self.effects.extend(s.effects.clone());
        s
    }

    fn tick(&mut self, now: DateTime<Utc>) -> Submitted {
        let s = self.e.tick(now);
        self.log.extend(s.events.clone());
        self.effects.extend(s.effects.clone());
        s
    }

    fn login(&mut self, agent: &str, t: DateTime<Utc>, skills: &[Skill], mode: WorkMode) {
        let mut ev = CtiEvent::new("", EventKind::AgentState, t).agent(agent);
        ev.state = Some(AgentStatus::Ready);
        ev.skills = Some(skills.to_vec());
        ev.work_mode = Some(mode);
        ev.terminal = Some(format!("t-{agent}"));
        let s = self.send(ev);
        assert_eq!(s.result.status, "accepted", "{:?}", s.result);
    }

    fn offer(&mut self, call: &str, t: DateTime<Utc>) -> Submitted {
        let mut ev = CtiEvent::new("", EventKind::Offered, t).call(call);
        ev.caller = Some("+390874000000".into());
        ev.dialled = Some("800000000".into());
        self.send(ev)
    }

    fn call_event(&mut self, kind: EventKind, call: &str, t: DateTime<Utc>, agent: Option<&str>) -> Submitted {
        let mut ev = CtiEvent::new("", kind, t).call(call);
        ev.agent = agent.map(str::to_owned);
        self.send(ev)
    }

    /// The agent each call was routed to, in order.
    fn routed(&self) -> Vec<(String, String)> {
        self.log
            .iter()
            .filter(|e| e.kind == EventKind::Routed)
            .map(|e| (e.call.clone().or(e.work.clone()).unwrap_or_default(), e.agent.clone().unwrap_or_default()))
            .collect()
    }

    fn status(&self, agent: &str, now: DateTime<Utc>) -> AgentStatus {
        self.e.agent(agent, now).expect("agent").status
    }
}

fn kinds(s: &Submitted) -> Vec<EventKind> {
    s.events.iter().map(|e| e.kind).collect()
}

#[test]
fn in_service_time_a_call_hears_the_welcome_is_queued_and_goes_to_the_longest_idle_agent() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("anna", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    r.login("bruno", at(9, 0, 10), &[Skill::L1], WorkMode::Online);
    let s = r.offer("c1", at(10, 0, 0));
    assert_eq!(kinds(&s), [EventKind::Offered, EventKind::IvrWelcome, EventKind::Queued, EventKind::Routed]);
    assert_eq!(s.events[2].queue.as_deref(), Some("1"));
    assert_eq!(s.events[2].announcement, None, "an agent is free: no queue message");
    assert_eq!(r.routed(), [("c1".to_owned(), "anna".to_owned())], "anna has been idle longest");
    let s = r.call_event(EventKind::Answered, "c1", at(10, 0, 5), Some("anna"));
    assert_eq!(s.result.status, "accepted");
    assert!(matches!(&s.effects[..], [Effect::OpenTicket { call, agent, .. }] if call == "c1" && agent == "anna"), "{:?}", s.effects);
    r.offer("c2", at(10, 1, 0));
    assert_eq!(r.routed()[1], ("c2".to_owned(), "bruno".to_owned()));
}

#[test]
fn waiting_calls_are_served_first_in_first_out_and_phone_before_callbacks_before_offline_work() {
    let mut cfg = TelephonyConfig::default();
    cfg.wrap_up_s = 0;
    let mut r = Run::new(cfg);
    // Nobody is signed in: contacts wait.
    let s = r.offer("c1", at(10, 0, 0));
    assert_eq!(kinds(&s), [EventKind::Offered, EventKind::IvrWelcome, EventKind::Queued], "nobody is signed in: the call waits");
    r.offer("c2", at(10, 0, 5));
    let mut w = CtiEvent::new("w-1", EventKind::WorkOffered, at(9, 59, 0));
    w.work = Some("RS-2026-000001".into());
    w.channel = Some(ContactType::Email);
    assert_eq!(r.send(w).result.status, "accepted");
    let mut cb = CtiEvent::new("cb-1", EventKind::WorkOffered, at(9, 58, 0));
    cb.work = Some("RS-2026-000002".into());
    cb.channel = Some(ContactType::Callback);
    r.send(cb);
    r.offer("c3", at(10, 0, 10));
    assert_eq!(r.e.waiting(), 5);
    // One blended agent takes them one by one.
    r.login("anna", at(10, 1, 0), &[Skill::L1], WorkMode::Blended);
    let mut order = Vec::new();
    for i in 0..5u32 {
        let (contact, _) = r.routed().last().cloned().expect("routed");
        order.push(contact.clone());
        let t = at(10, 2 + i, 0);
        if contact.starts_with("RS-") {
            let mut done = CtiEvent::new("", EventKind::WorkDone, t).agent("anna");
            done.work = Some(contact);
            assert_eq!(r.send(done).result.status, "accepted");
        } else {
            r.call_event(EventKind::Answered, &contact, t, Some("anna"));
            r.call_event(EventKind::Ended, &contact, t + Duration::seconds(30), None);
        }
    }
    assert_eq!(order, ["c1", "c2", "c3", "RS-2026-000002", "RS-2026-000001"]);
}

#[test]
fn first_free_takes_the_hunt_order_and_online_first_keeps_blended_agents_for_overflow() {
    let mut cfg = TelephonyConfig::default();
    cfg.queues[0].strategy = Strategy::FirstFree;
    cfg.blend = BlendPolicy::OnlineFirst;
    let mut r = Run::new(cfg);
    r.login("blend", at(8, 0, 0), &[Skill::L1], WorkMode::Blended);
    r.login("first", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    r.login("second", at(9, 0, 1), &[Skill::L1], WorkMode::Online);
    // second becomes idle later than first, but first-free ignores idleness.
    r.offer("c1", at(10, 0, 0));
    r.offer("c2", at(10, 0, 1));
    r.offer("c3", at(10, 0, 2));
    let to: Vec<String> = r.routed().into_iter().map(|(_, a)| a).collect();
    assert_eq!(to, ["first", "second", "blend"]);
}

#[test]
fn offline_agents_take_no_calls_and_online_agents_take_no_offline_work() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("off", at(9, 0, 0), &[Skill::L1], WorkMode::Offline);
    r.offer("c1", at(10, 0, 0));
    assert!(r.routed().is_empty());
    let mut w = CtiEvent::new("w", EventKind::WorkOffered, at(10, 0, 1));
    w.work = Some("RS-2026-000009".into());
    w.channel = Some(ContactType::Fax);
    r.send(w);
    assert_eq!(r.routed(), [("RS-2026-000009".to_owned(), "off".to_owned())]);
    assert_eq!(r.status("off", at(10, 0, 2)), AgentStatus::OfflineWork);
    r.login("on", at(10, 0, 3), &[Skill::L1], WorkMode::Online);
    assert_eq!(r.routed()[1], ("c1".to_owned(), "on".to_owned()));
}

#[test]
fn after_hours_and_on_holidays_the_caller_hears_the_after_hours_message_and_may_leave_a_voicemail() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("anna", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    let s = r.offer("night", at(20, 30, 0));
    assert_eq!(kinds(&s), [EventKind::Offered, EventKind::IvrAfterHours]);
    let mut vm = CtiEvent::new("vm-1", EventKind::VoicemailLeft, at(20, 31, 0)).call("night");
    vm.audio_base64 = Some("UklGRiQAAABXQVZF".into());
    let s = r.send(vm.clone());
    assert_eq!(s.result.status, "rejected", "a truncated WAV is refused: {:?}", s.result);
    vm.audio_base64 = None;
    let s = r.send(vm);
    assert_eq!(s.result.status, "accepted");
    assert!(matches!(&s.effects[..], [Effect::VoicemailTicket { call, .. }] if call == "night"));
    assert!(s.events[0].audio_base64.is_none(), "the audio is not stored in the event");
    // Christmas Day, a Friday, at 10:00: closed.
    let xmas = Utc.with_ymd_and_hms(2026, 12, 25, 9, 0, 0).single().expect("valid");
    let mut e2 = engine(TelephonyConfig::default());
    let mut ev = CtiEvent::new("x1", EventKind::Offered, xmas).call("xmas");
    ev.caller = Some("+39333".into());
    let s = e2.submit(ev, xmas);
    assert_eq!(kinds(&s), [EventKind::Offered, EventKind::IvrAfterHours]);
    // Saturday 10:00: closed (Monday to Friday service).
    let sat = at(10, 0, 0) + Duration::days(5);
    let s = e2.submit(CtiEvent::new("x2", EventKind::Offered, sat).call("sat"), sat);
    assert_eq!(kinds(&s), [EventKind::Offered, EventKind::IvrAfterHours]);
}

#[test]
fn abandonment_counts_on_the_wallboard_and_frees_the_ringing_agent() {
    let mut r = Run::new(TelephonyConfig::default());
    r.offer("c1", at(10, 0, 0));
    r.offer("c2", at(10, 0, 1));
    r.call_event(EventKind::Abandoned, "c1", at(10, 0, 40), None);
    r.login("anna", at(10, 1, 0), &[Skill::L1], WorkMode::Online);
    assert_eq!(r.routed(), [("c2".to_owned(), "anna".to_owned())]);
    r.call_event(EventKind::Abandoned, "c2", at(10, 1, 5), None);
    assert_eq!(r.status("anna", at(10, 1, 6)), AgentStatus::Ready);
    let wb = r.e.wallboard(at(10, 2, 0));
    let q = &wb.queues[0];
    assert_eq!((q.offered, q.answered, q.abandoned, q.waiting), (2, 0, 2, 0));
    assert_eq!(q.abandoned_share, Some(1.0));
    assert_eq!(q.level, "alarm");
    assert_eq!(wb.calls_today, 2);
}

#[test]
fn service_levels_on_the_wallboard_count_answers_within_30_seconds() {
    let mut cfg = TelephonyConfig::default();
    cfg.wrap_up_s = 10;
    let mut r = Run::new(cfg);
    r.offer("c1", at(10, 0, 0));
    r.offer("c2", at(10, 0, 0));
    r.login("anna", at(10, 0, 10), &[Skill::L1], WorkMode::Online);
    r.call_event(EventKind::Answered, "c1", at(10, 0, 12), Some("anna"));
    r.call_event(EventKind::Ended, "c1", at(10, 2, 12), None);
    assert_eq!(r.status("anna", at(10, 2, 13)), AgentStatus::WrapUp);
    r.tick(at(10, 2, 22));
    assert_eq!(r.routed().last().map(|(c, _)| c.as_str()), Some("c2"), "after wrap-up the next call comes");
    r.call_event(EventKind::Answered, "c2", at(10, 2, 25), Some("anna"));
    let wb = r.e.wallboard(at(10, 3, 0));
    let q = &wb.queues[0];
    assert_eq!((q.answered, q.abandoned), (2, 0));
    assert_eq!(q.answered_30s_share, Some(0.5));
    assert_eq!(q.asa_s, Some((12.0 + 145.0) / 2.0));
    assert_eq!(q.aht_s, Some(120.0 + 10.0));
    assert_eq!(q.level, "alarm", "50 % within 30 s is under the 90 % threshold");
}

#[test]
fn an_unanswered_offer_returns_to_the_head_of_the_queue_and_pauses_the_agent() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("anna", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    r.offer("c1", at(10, 0, 0));
    r.offer("c2", at(10, 0, 1));
    r.tick(at(10, 0, 10));
    assert_eq!(r.status("anna", at(10, 0, 10)), AgentStatus::Ringing);
    r.tick(at(10, 0, 21));
    let anna = r.e.agent("anna", at(10, 0, 21)).expect("anna");
    assert_eq!((anna.status, anna.reason.as_deref()), (AgentStatus::Paused, Some("mancata risposta")));
    let contents = r.e.queue_contents("1", at(10, 0, 21)).expect("queue");
    assert_eq!(contents.iter().map(|(c, _, _)| c.as_str()).collect::<Vec<_>>(), ["c1", "c2"]);
    r.login("bruno", at(10, 0, 30), &[Skill::L1], WorkMode::Online);
    assert_eq!(r.routed().last().cloned(), Some(("c1".to_owned(), "bruno".to_owned())));
}

#[test]
fn a_warm_transfer_queues_the_call_for_the_second_level_with_its_ticket() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("anna", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    r.offer("c1", at(10, 0, 0));
    r.call_event(EventKind::Answered, "c1", at(10, 0, 3), Some("anna"));
    let mut t = CtiEvent::new("tk", EventKind::TicketOpened, at(10, 0, 3)).call("c1");
    t.ticket = Some("RS-2026-000010".into());
    r.send(t);
    let mut tr = CtiEvent::new("", EventKind::Transferred, at(10, 1, 0)).call("c1");
    tr.target = Some(TransferTarget::L2);
    let s = r.send(tr);
    assert_eq!(kinds(&s), [EventKind::Transferred, EventKind::Queued]);
    assert_eq!(s.events[1].queue.as_deref(), Some("2"));
    assert_eq!(s.events[1].ticket.as_deref(), Some("RS-2026-000010"));
    assert_eq!(r.status("anna", at(10, 1, 0)), AgentStatus::WrapUp);
    r.login("luca", at(10, 1, 5), &[Skill::L1, Skill::L2], WorkMode::Online);
    assert_eq!(r.routed().last().cloned(), Some(("c1".to_owned(), "luca".to_owned())));
    let s = r.call_event(EventKind::Answered, "c1", at(10, 1, 8), Some("luca"));
    assert!(
        matches!(&s.effects[..], [Effect::TransferTicketToL2 { ticket, from, agent }] if ticket == "RS-2026-000010" && from.as_deref() == Some("anna") && agent == "luca"),
        "{:?}",
        s.effects
    );
}

#[test]
fn bad_events_are_rejected_with_a_reason_and_change_nothing() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("anna", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    r.login("bruno", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    r.offer("c1", at(10, 0, 0));
    r.offer("c2", at(10, 0, 1));
    r.call_event(EventKind::Answered, "c1", at(10, 0, 2), Some("anna"));
    // An agent in two calls.
    let s = r.call_event(EventKind::Answered, "c2", at(10, 0, 3), Some("anna"));
    assert_eq!(s.result.status, "rejected");
    assert!(s.result.error.as_deref().is_some_and(|m| m.contains("two calls")), "{:?}", s.result);
    assert!(s.events.is_empty());
    // A time in the future.
    let mut f = CtiEvent::new("fut", EventKind::Offered, at(12, 0, 0)).call("c9");
    f.caller = None;
    let s = r.e.submit(f, at(10, 0, 4));
    assert_eq!(s.result.status, "rejected");
    assert!(s.result.error.as_deref().is_some_and(|m| m.contains("future")));
    // Before the call was offered.
    let s = r.call_event(EventKind::Ended, "c1", at(9, 0, 0), None);
    assert_eq!(s.result.status, "rejected");
    // An unknown queue.
    let mut q = CtiEvent::new("q", EventKind::WorkOffered, at(10, 0, 5));
    q.work = Some("RS-2026-000003".into());
    q.channel = Some(ContactType::Email);
    q.queue = Some("99".into());
    let s = r.send(q);
    assert!(s.result.error.as_deref().is_some_and(|m| m.contains("unknown queue \"99\"")), "{:?}", s.result);
    // A reserved id, a missing call.
    assert_eq!(r.send(CtiEvent::new("engine-1", EventKind::Ended, at(10, 0, 6)).call("c1")).result.status, "rejected");
    assert_eq!(r.send(CtiEvent::new("x", EventKind::Ended, at(10, 0, 6))).result.status, "rejected");
    // A logout during a call.
    let mut lo = CtiEvent::new("lo", EventKind::AgentState, at(10, 0, 7)).agent("anna");
    lo.state = Some(AgentStatus::LoggedOut);
    let s = r.send(lo);
    assert!(s.result.error.as_deref().is_some_and(|m| m.contains("finish it first")), "{:?}", s.result);
    assert_eq!(r.status("anna", at(10, 0, 8)), AgentStatus::Busy);
    // A duplicate is acknowledged once.
    let dup = CtiEvent::new("same", EventKind::Ended, at(10, 0, 9)).call("c1");
    assert_eq!(r.send(dup.clone()).result.status, "accepted");
    assert_eq!(r.send(dup).result.status, "duplicate");
}

#[test]
fn events_out_of_order_wait_for_their_call_and_are_applied_in_time_order() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("anna", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    // answered and ended arrive before the call's offered.
    let s = r.call_event(EventKind::Ended, "c1", at(10, 1, 0), None);
    assert_eq!(s.result.status, "pending");
    let s = r.call_event(EventKind::Answered, "c1", at(10, 0, 5), Some("anna"));
    assert_eq!(s.result.status, "pending");
    let s = r.offer("c1", at(10, 0, 0));
    let k = kinds(&s);
    assert_eq!(k, [EventKind::Offered, EventKind::IvrWelcome, EventKind::Queued, EventKind::Routed, EventKind::Answered, EventKind::Ended]);
    assert!(s.events[4].flags.contains(&"reordered".to_owned()));
    assert_eq!(r.status("anna", at(10, 1, 1)), AgentStatus::WrapUp);
    // An event whose call never comes is stored flagged after the window.
    assert_eq!(r.call_event(EventKind::Ended, "ghost", at(10, 2, 0), None).result.status, "pending");
    let s = r.tick(at(10, 2, 31));
    let ghost = s.events.iter().find(|e| e.call.as_deref() == Some("ghost")).expect("stored");
    assert!(ghost.flags.contains(&"unknown_call".to_owned()));
    // A late queued after the answer is kept, flagged, without effect.
    let s = r.call_event(EventKind::Abandoned, "c1", at(10, 0, 30), None);
    assert_eq!(s.result.status, "flagged");
    assert!(s.result.flags.contains(&"late".to_owned()));
}

#[test]
fn replaying_the_stored_events_rebuilds_queues_and_agents() {
    let mut r = Run::new(TelephonyConfig::default());
    r.login("anna", at(9, 0, 0), &[Skill::L1], WorkMode::Online);
    r.login("bruno", at(9, 0, 1), &[Skill::L1, Skill::L2], WorkMode::Blended);
    for i in 0..6 {
        r.offer(&format!("c{i}"), at(10, 0, i));
    }
    r.call_event(EventKind::Answered, "c0", at(10, 0, 20), Some("anna"));
    r.call_event(EventKind::Abandoned, "c3", at(10, 0, 25), None);
    let mut p = CtiEvent::new("", EventKind::AgentState, at(10, 0, 26)).agent("bruno");
    p.state = Some(AgentStatus::Paused);
    p.reason = Some("riunione".into());
    // bruno is ringing with c1: a pause is refused until the offer ends.
    assert_eq!(r.send(p).result.status, "rejected");
    let now = at(10, 0, 30);
    let mut fresh = engine(TelephonyConfig::default());
    for e in &r.log {
        fresh.replay(e);
    }
    assert_eq!(fresh.agents(now), r.e.agents(now));
    assert_eq!(fresh.wallboard(now).queues, r.e.wallboard(now).queues);
    assert_eq!(fresh.queue_contents("1", now), r.e.queue_contents("1", now));
    assert_eq!(fresh.seq(), r.e.seq());
    // And it continues identically.
    let s1 = r.e.submit(CtiEvent::new("z", EventKind::Ended, at(10, 1, 0)).call("c0"), at(10, 1, 0));
    let s2 = fresh.submit(CtiEvent::new("z", EventKind::Ended, at(10, 1, 0)).call("c0"), at(10, 1, 0));
    assert_eq!(s1.events, s2.events);
}

#[test]
fn a_full_switchboard_refuses_calls_beyond_its_lines() {
    let mut cfg = TelephonyConfig::default();
    cfg.lines = 2;
    let mut r = Run::new(cfg);
    r.offer("c1", at(10, 0, 0));
    r.offer("c2", at(10, 0, 1));
    let s = r.offer("c3", at(10, 0, 2));
    assert_eq!(kinds(&s), [EventKind::Offered, EventKind::RejectedNoLine]);
    assert_eq!(r.e.wallboard(at(10, 0, 3)).rejected_no_line, 1);
}

#[test]
fn the_chart_samples_at_the_supervisors_frequency() {
    let mut r = Run::new(TelephonyConfig::default());
    r.e.set_sample_s(10).expect("valid");
    assert!(r.e.set_sample_s(0).is_err());
    r.offer("c1", at(10, 0, 0));
    for s in 0..=60 {
        r.tick(at(10, 0, 0) + Duration::seconds(s));
    }
    let wb = r.e.wallboard(at(10, 1, 0));
    assert_eq!(wb.chart.len(), 7, "{:?}", wb.chart.iter().map(|s| s.at).collect::<Vec<_>>());
    let last = wb.chart.last().expect("sample");
    assert_eq!(last.wait_s[0], (ContactType::Phone, 60));
    assert_eq!(last.waiting[0], (ContactType::Phone, 1));
}
