//! A day of calls through the CTI API (in service time and after hours, a
//! holiday, abandonments, transfers to L2 and to an office, a voicemail):
//! queue order, agent choice, tickets opened, events stored, wallboard
//! counters, recovery after a restart, and the role checks of the pages
//! and routes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{Browser, TestApp};
use kb::{Actor, Role};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A clock the test moves.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn at(t: DateTime<Utc>) -> Self {
        TestClock(Arc::new(AtomicI64::new(t.timestamp_millis())))
    }
    fn set(&self, t: DateTime<Utc>) {
        self.0.store(t.timestamp_millis(), Ordering::SeqCst);
    }
    fn clock(&self) -> telephony::Clock {
        let c = self.0.clone();
        Arc::new(move || DateTime::from_timestamp_millis(c.load(Ordering::SeqCst)).unwrap_or_default())
    }
}

/// Monday 7 December 2026, hh:mm:ss in Rome (UTC+1).
fn mon(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, h, m, s).single().unwrap() - Duration::hours(1)
}

struct Pbx {
    b: Browser,
    token: String,
    /// A supervisor's token, to read what was stored.
    reader: String,
    clock: TestClock,
    n: u32,
}

impl Pbx {
    /// Sends one event at `at` (the clock moves there first); returns the status and result.
    async fn send(&mut self, at: DateTime<Utc>, mut event: Value) -> (StatusCode, Value) {
        self.clock.set(at);
        self.n += 1;
        if event.get("id").is_none() {
            event["id"] = json!(format!("pbx-{:04}", self.n));
        }
        event["at"] = json!(at.to_rfc3339());
        let token = self.token.clone();
        self.b.api("POST", "/api/v1/cti/events", &token, Some(event)).await
    }

    async fn ok(&mut self, at: DateTime<Utc>, event: Value) -> Value {
        let (s, v) = self.send(at, event.clone()).await;
        assert_eq!(s, StatusCode::OK, "{event} → {v}");
        assert_eq!(v["rejected"], json!(0), "{event} → {v}");
        v
    }

    async fn call(&mut self, at: DateTime<Utc>, kind: &str, call: &str, extra: Value) -> Value {
        let mut e = json!({"type": kind, "call": call});
        if let (Some(o), Some(x)) = (e.as_object_mut(), extra.as_object()) {
            o.extend(x.clone());
        }
        self.ok(at, e).await
    }

    async fn events(&mut self, call: &str) -> Vec<Value> {
        let token = self.reader.clone();
        let (s, v) = self.b.api("GET", &format!("/api/v1/cti/calls/{call}/events"), &token, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v.as_array().cloned().unwrap_or_default()
    }

    /// Waits (real time) until the call has an event of `kind`.
    async fn wait_for(&mut self, call: &str, kind: &str) -> Value {
        for _ in 0..200 {
            if let Some(e) = self.events(call).await.into_iter().find(|e| e["type"] == kind) {
                return e;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no {kind} event for call {call}");
    }

    /// Lets the engine's timers run at the clock's time.
    async fn settle(&mut self, at: DateTime<Utc>) {
        self.clock.set(at);
        tokio::time::sleep(std::time::Duration::from_millis(450)).await;
    }
}

fn kinds(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["type"].as_str().unwrap_or_default().to_owned()).collect()
}

fn routed_to(events: &[Value]) -> Vec<String> {
    events.iter().filter(|e| e["type"] == "routed").map(|e| e["agent"].as_str().unwrap_or_default().to_owned()).collect()
}

/// A WAV of `seconds` of 8 kHz 16-bit mono silence.
fn wav(seconds: u32) -> Vec<u8> {
    let data_len = seconds * 8000 * 2;
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&16000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    v.resize(v.len() + data_len as usize, 0);
    v
}

#[tokio::test]
async fn a_day_of_calls_through_the_cti_api() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let clock = TestClock::at(mon(8, 0, 0));
    let t = TestApp::with_clock(clock.clock());
    let token = t.kb.create_token(&Actor::system(), "integration", "pbx").unwrap();
    let l1 = Actor::new("operator-l1", [Role::OperatorL1]);
    let lia = t
        .state
        .crm
        .create_contact(
            &l1,
            &crm::ContactInput {
                given_name: "Lia".into(),
                family_name: "Neri".into(),
                phones: vec!["333 1234567".into()],
                ..Default::default()
            },
        )
        .unwrap();
    let employee = t.kb.people().unwrap().into_iter().find(|p| p.extension.is_some()).expect("a person with an extension");
    let ext = employee.extension.clone().unwrap();
    let reader = t.kb.create_token(&Actor::system(), "supervisor", "reader").unwrap();
    let mut pbx = Pbx { b: t.browser(), token, reader, clock: clock.clone(), n: 0 };
    // The welcome message of the morning band (TEL-3): callers hear it, and the event records it.
    let registry = telephony::Announcements::new(&t.kb);
    let admin = Actor::new("admin", [Role::Admin]);
    registry.upload(&admin, "benvenuto-mattina", "Benvenuto (mattina)", telephony::AnnouncementKind::Welcome, &wav(2)).unwrap();
    registry
        .set_band(
            &admin,
            "benvenuto-mattina",
            Some(telephony::TimeBand::parse(&["mon", "tue", "wed", "thu", "fri"], "08:00", "13:00").unwrap()),
        )
        .unwrap();
    registry.upload(&admin, "fuori-orario", "Fuori orario", telephony::AnnouncementKind::AfterHours, &wav(3)).unwrap();

    // Agents sign in: two first-level operators, one second-level.
    pbx.ok(mon(8, 0, 0), json!({"type": "agent_state", "agent": "operator-l1", "state": "ready", "skills": ["l1"], "terminal": "201"}))
        .await;
    pbx.ok(mon(8, 0, 5), json!({"type": "agent_state", "agent": "l1-bis", "state": "ready", "skills": ["l1"], "terminal": "202"})).await;
    pbx.ok(mon(8, 0, 10), json!({"type": "agent_state", "agent": "operator-l2", "state": "ready", "skills": ["l2"], "terminal": "301"}))
        .await;

    // c1: Lia calls, the longest-idle agent answers, the ticket opens with her record.
    let r = pbx.call(mon(9, 0, 0), "offered", "c1", json!({"caller": "+393331234567", "dialled": "800000000"})).await;
    assert_eq!(r["results"][0]["status"], "accepted");
    pbx.call(mon(9, 0, 4), "answered", "c1", json!({"agent": "operator-l1"})).await;
    let opened = pbx.wait_for("c1", "ticket_opened").await;
    assert_eq!(opened["contact"].as_str(), Some(lia.id.as_str()), "{opened}");
    let c1_ticket = opened["ticket"].as_str().unwrap().to_owned();
    let page = t.state.crm.ticket(&l1, &c1_ticket).unwrap();
    assert_eq!((page.ticket.channel, page.ticket.state), (crm::Channel::Phone, crm::TicketState::AtL1));
    assert_eq!(page.ticket.assignee.as_deref(), Some("operator-l1"));
    let c1 = pbx.events("c1").await;
    assert_eq!(routed_to(&c1), ["operator-l1"]);
    assert_eq!(c1[1]["announcement"], "benvenuto-mattina@1", "{:?}", c1[1]);

    // c2: warm transfer to the second level with its ticket (CRM-6).
    pbx.call(mon(9, 1, 0), "offered", "c2", json!({"caller": "+390874000111"})).await;
    pbx.call(mon(9, 1, 3), "answered", "c2", json!({"agent": "l1-bis"})).await;
    let c2_ticket = pbx.wait_for("c2", "ticket_opened").await["ticket"].as_str().unwrap().to_owned();
    pbx.call(mon(9, 2, 0), "transferred", "c2", json!({"target": "l2", "mode": "warm"})).await;
    pbx.call(mon(9, 2, 10), "answered", "c2", json!({"agent": "operator-l2"})).await;
    pbx.call(mon(9, 3, 0), "ended", "c1", json!({})).await;
    pbx.call(mon(9, 4, 0), "ended", "c2", json!({})).await;
    let c2 = pbx.events("c2").await;
    assert_eq!(
        kinds(&c2),
        ["offered", "ivr_welcome", "queued", "routed", "answered", "ticket_opened", "transferred", "queued", "routed", "answered", "ended"]
    );
    assert_eq!(c2[7]["queue"], "2");
    assert_eq!(routed_to(&c2), ["l1-bis", "operator-l2"]);
    for _ in 0..100 {
        if t.state.crm.ticket(&l1, &c2_ticket).unwrap().ticket.state == crm::TicketState::AtL2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let c2t = t.state.crm.ticket(&l1, &c2_ticket).unwrap().ticket;
    assert_eq!((c2t.state, c2t.assignee.as_deref()), (crm::TicketState::AtL2, Some("operator-l2")));

    // Wrap-up ends; four calls arrive for two agents: FIFO, longest idle first.
    pbx.settle(mon(9, 5, 0)).await;
    for (i, c) in ["c3", "c4", "c5", "c6"].iter().enumerate() {
        pbx.call(mon(9, 5, i as u32 * 2), "offered", c, json!({"caller": format!("+39087400020{i}")})).await;
    }
    assert_eq!(routed_to(&pbx.events("c3").await), ["l1-bis"], "l1-bis idle since 09:02:15, operator-l1 since 09:03:15");
    assert_eq!(routed_to(&pbx.events("c4").await), ["operator-l1"]);
    let wb = t.state.telephony.wallboard();
    assert_eq!((wb.queues[0].waiting, wb.queues[0].ready), (2, 0));

    // A restart in the middle of calls recovers queues and agents.
    let before = t.state.telephony.wallboard();
    let agents_before = t.state.telephony.engine().agents(mon(9, 5, 7));
    let again =
        telephony::Telephony::start_with_clock(t.kb.clone(), t.state.crm.clone(), &t.state.config.telephony, None, clock.clock()).unwrap();
    assert_eq!(again.wallboard().queues, before.queues);
    assert_eq!(again.engine().agents(mon(9, 5, 7)), agents_before);
    again.stop();

    pbx.call(mon(9, 5, 3), "answered", "c3", json!({"agent": "l1-bis"})).await;
    pbx.call(mon(9, 5, 5), "answered", "c4", json!({"agent": "operator-l1"})).await;
    // c5 gives up.
    pbx.call(mon(9, 5, 40), "abandoned", "c5", json!({})).await;
    // c4 goes to an employee who does not answer: a return-call request (TEL-7, CRM-13).
    pbx.call(mon(9, 6, 0), "transferred", "c4", json!({"target": "extension", "extension": ext, "mode": "announced"})).await;
    pbx.call(mon(9, 6, 30), "transfer_failed", "c4", json!({"extension": ext})).await;
    pbx.call(mon(9, 6, 31), "ended", "c4", json!({})).await;
    // operator-l1's wrap-up ends at 09:06:15: c6, next in line, goes there.
    assert_eq!(routed_to(&pbx.events("c6").await), ["operator-l1"]);
    pbx.call(mon(9, 6, 33), "answered", "c6", json!({"agent": "operator-l1"})).await;
    pbx.call(mon(9, 7, 0), "ended", "c3", json!({})).await;
    pbx.call(mon(9, 9, 0), "ended", "c6", json!({})).await;
    let mut found = false;
    for _ in 0..100 {
        let rc = t.state.crm.return_calls(&Actor::new("operator-l1", [Role::OperatorL1]), true).unwrap();
        if rc.iter().any(|r| r.person == employee.staff_number) {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(found, "a return-call request for {}", employee.staff_number);

    // Bad input: a duplicate, an agent in two calls, an unknown queue, a time in the future.
    let (s, v) = pbx.send(mon(9, 10, 0), json!({"id": "pbx-0004", "type": "offered", "call": "c1"})).await;
    assert_eq!((s, v["results"][0]["status"].as_str()), (StatusCode::OK, Some("duplicate")), "{v}");
    pbx.call(mon(9, 10, 0), "offered", "c9", json!({})).await;
    pbx.call(mon(9, 10, 1), "offered", "c10", json!({})).await;
    assert_eq!(routed_to(&pbx.events("c9").await), ["l1-bis"], "idle since 09:07:15, operator-l1 since 09:09:15");
    pbx.call(mon(9, 10, 2), "answered", "c9", json!({"agent": "l1-bis"})).await;
    let (s, v) = pbx.send(mon(9, 10, 3), json!({"type": "answered", "call": "c10", "agent": "l1-bis"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["message"].as_str().unwrap_or_default().contains("two calls"), "{v}");
    let (s, v) =
        pbx.send(mon(9, 10, 4), json!({"type": "work_offered", "work": "RS-2026-000999", "channel": "email", "queue": "77"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["error"]["message"].as_str().unwrap_or_default().contains("unknown queue"), "{v}");
    pbx.clock.set(mon(9, 10, 5));
    let future = mon(10, 0, 0).to_rfc3339();
    let (s, _) = pbx
        .b
        .api("POST", "/api/v1/cti/events", &pbx.token.clone(), Some(json!({"id": "f", "type": "offered", "call": "cf", "at": future})))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = pbx.b.api("POST", "/api/v1/cti/events", &pbx.token.clone(), Some(json!({"id": "x", "type": "teleport"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // A batch: each event has its own status.
    let (s, v) = pbx
        .b
        .api(
            "POST",
            "/api/v1/cti/events",
            &pbx.token.clone(),
            Some(json!([
                {"id": "b1", "type": "ended", "call": "c9", "at": mon(9, 10, 30).to_rfc3339()},
                {"id": "b2", "type": "ended", "call": "c10", "at": mon(9, 10, 31).to_rfc3339()},
                {"id": "b3", "type": "answered", "call": "c404", "agent": "operator-l1", "at": mon(9, 10, 32).to_rfc3339()}
            ])),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let statuses: Vec<&str> = v["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["accepted", "flagged", "pending"], "{v}");

    // The wallboard's counters for the day so far.
    let (s, _) = pbx.b.api("GET", "/api/v1/cti/wallboard", &pbx.token.clone(), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the connector does not read the wallboard");
    let sup = t.kb.create_token(&Actor::system(), "supervisor", "wall").unwrap();
    let (s, wb) = pbx.b.api("GET", "/api/v1/cti/wallboard", &sup, None).await;
    assert_eq!(s, StatusCode::OK, "{wb}");
    let q1 = &wb["queues"][0];
    assert_eq!(q1["offered"], 8, "{q1}");
    assert_eq!(q1["answered"], 6, "{q1}");
    assert_eq!(q1["abandoned"], 2, "c5 abandoned, c10 ended while waiting: {q1}");
    // Within 30 s: c1 (4 s), c2 (3 s), c3 (3 s), c4 (3 s), c9 (2 s); c6 waited 87 s.
    assert!((q1["answered_30s_share"].as_f64().unwrap() - 5.0 / 8.0).abs() < 1e-9, "{q1}");
    assert_eq!(wb["queues"][1]["answered"], 1);
    assert_eq!(wb["calls_today"], 8);

    // After hours: the message, a voicemail with its audio, an offline ticket.
    pbx.call(mon(20, 30, 0), "offered", "c7", json!({"caller": "+393331234567"})).await;
    let audio = base64::engine::general_purpose::STANDARD.encode(wav(1));
    pbx.call(mon(20, 30, 40), "voicemail_left", "c7", json!({"audio_base64": audio})).await;
    pbx.call(mon(20, 30, 41), "ended", "c7", json!({})).await;
    let vm = pbx.wait_for("c7", "ticket_opened").await;
    let c7 = pbx.events("c7").await;
    assert_eq!(kinds(&c7)[..3], ["offered", "ivr_after_hours", "voicemail_left"]);
    assert_eq!(c7[1]["announcement"], "fuori-orario@1");
    let vm_ticket = vm["ticket"].as_str().unwrap().to_owned();
    let page = t.state.crm.ticket(&l1, &vm_ticket).unwrap();
    assert_eq!(page.ticket.channel, crm::Channel::Voicemail);
    assert_eq!(page.contact.map(|c| c.id), Some(lia.id.clone()));
    let atts = t.state.crm.attachments(&l1, &vm_ticket).unwrap();
    assert_eq!(atts.len(), 1);
    assert_eq!(atts[0].mime, "audio/x-wav");
    let mut wb = t.state.telephony.wallboard();
    for _ in 0..100 {
        if wb.queues[2].waiting == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        wb = t.state.telephony.wallboard();
    }
    assert_eq!((wb.after_hours, wb.voicemails, wb.queues[2].waiting), (1, 1, 1), "the voicemail waits for an offline agent");

    // The next day is a national holiday (8 December): closed all day.
    let holiday = mon(10, 0, 0) + Duration::days(1);
    pbx.call(holiday, "offered", "c8", json!({"caller": "+390874000999"})).await;
    assert_eq!(kinds(&pbx.events("c8").await), ["offered", "ivr_after_hours"]);
    let wb = t.state.telephony.wallboard();
    assert_eq!((wb.calls_today, wb.after_hours, wb.queues[0].offered), (1, 1, 0), "counters start again each day");

    // Everything is stored raw in the telephony graph, linked to calls and tickets.
    let g = t.kb.graph(kb::Graph::Telephony);
    let linked = t.kb.store().quads_for_pattern(None, Some(kb::rdf::nn(ontologies::vocab::cc::ABOUT_TICKET)), None, Some(g.into())).count();
    assert!(linked >= 4, "{linked} events linked to tickets");
    let raw = telephony::store::events_of_call(&t.kb, "c4").unwrap();
    assert_eq!(kinds(&raw.iter().map(|e| serde_json::to_value(e).unwrap()).collect::<Vec<_>>()).last().map(String::as_str), Some("ended"));
}

#[tokio::test]
async fn the_console_and_wallboard_check_roles() {
    use Role::*;
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let t = TestApp::new();
    let routes: Vec<(&str, &[Role])> = vec![
        ("/console", &[OperatorL1, OperatorL2]),
        ("/console/panel", &[OperatorL1, OperatorL2]),
        ("/wallboard", &[Supervisor, Admin]),
        ("/wallboard?print=1", &[Supervisor, Admin]),
    ];
    for role in Role::ALL {
        let mut b = t.signed_in(role).await;
        for (path, allowed) in &routes {
            let p = b.get(path).await;
            let expected = if allowed.contains(&role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(p.status, expected, "{role} GET {path}: {}", &p.body[..p.body.len().min(300)]);
        }
        for (path, fields, allowed) in [
            ("/console/state", vec![("state", "ready"), ("terminal", "201")], &[OperatorL1, OperatorL2][..]),
            ("/wallboard/sampling", vec![("sample_s", "30")], &[Supervisor, Admin][..]),
        ] {
            let p = b.post(path, &fields).await;
            let expected = if allowed.contains(&role) { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN };
            assert_eq!(p.status, expected, "{role} POST {path}: {}", &p.body[..p.body.len().min(300)]);
        }
    }
    // Every call-control and supervision form refuses the other roles.
    let console_posts: [(&str, &[(&str, &str)]); 8] = [
        ("/console/answer", &[]),
        ("/console/hangup", &[]),
        ("/console/work-done", &[]),
        ("/console/close", &[("ticket", "RS-2026-000001"), ("answer", "x")]),
        ("/console/transfer-l2", &[]),
        ("/console/transfer", &[("extension", "4291"), ("mode", "blind")]),
        ("/console/transfer-failed", &[("call", "c1"), ("extension", "4291")]),
        ("/console/callback", &[("ticket", "RS-2026-000001"), ("due", "2026-12-07T10:00"), ("note", "x")]),
    ];
    for role in Role::ALL {
        let mut b = t.signed_in(role).await;
        let agent = matches!(role, OperatorL1 | OperatorL2);
        for (path, fields) in console_posts {
            let p = b.post(path, fields).await;
            if agent {
                assert_ne!(p.status, StatusCode::FORBIDDEN, "{role} POST {path}");
            } else {
                assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} POST {path}");
            }
        }
        let p = b.post("/wallboard/agents/operator-l1/mode", &[("mode", "blended")]).await;
        if matches!(role, Supervisor | Admin) {
            assert_ne!(p.status, StatusCode::FORBIDDEN, "{role} sets a work mode");
        } else {
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} sets a work mode");
        }
    }
    // The CTI API: only the connector (and administrators) send events.
    for role in Role::ALL {
        let name = role.as_str().replace('_', "-");
        let token = t.kb.create_token(&Actor::system(), &name, "t").unwrap();
        let mut b = t.browser();
        let (s, _) = b.api("POST", "/api/v1/cti/events", &token, Some(json!([]))).await;
        let expected = if matches!(role, Integration | Admin) { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(s, expected, "{role} POST /api/v1/cti/events");
        let (s, _) = b.api("GET", "/api/v1/cti/agents", &token, None).await;
        let expected = if matches!(role, Supervisor | Admin) { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(s, expected, "{role} GET /api/v1/cti/agents");
    }
    // The OpenAPI document describes the event schema.
    let mut b = t.signed_in(Admin).await;
    let doc = b.get("/api/v1/openapi.json").await;
    assert!(doc.body.contains("/api/v1/cti/events") && doc.body.contains("CtiEvent") && doc.body.contains("voicemail_left"), "openapi");
}

#[tokio::test]
async fn an_operator_signs_in_answers_and_closes_at_first_contact_from_the_console() {
    let clock = TestClock::at(mon(10, 0, 0));
    let t = TestApp::with_clock(clock.clock());
    let mut op = t.signed_in(Role::OperatorL1).await;
    let p = op.post("/console/state", &[("state", "ready"), ("terminal", "201"), ("mode", "online")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let token = t.kb.create_token(&Actor::system(), "integration", "pbx").unwrap();
    let mut b = t.browser();
    let now = t.state.telephony.now();
    let (s, v) = b
        .api(
            "POST",
            "/api/v1/cti/events",
            &token,
            Some(json!({"id": "o1", "type": "offered", "call": "k1", "caller": "+390874111222", "at": now.to_rfc3339()})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let page = op.get("/console").await;
    {
        assert!(page.body.contains("id=\"answer\""), "{}", page.body);
        assert_eq!(op.post("/console/answer", &[]).await.status, StatusCode::SEE_OTHER);
        let mut ticket = None;
        for _ in 0..100 {
            let panel = op.get("/console/panel").await;
            if let Some(i) = panel.body.find("data-ticket=\"") {
                ticket = Some(panel.body[i + 13..i + 27].to_owned());
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let ticket = ticket.expect("the ticket opened on answer");
        let p = op.post("/console/close", &[("ticket", &ticket), ("answer", "Informazioni date al telefono")]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let tk = t.state.crm.ticket(&Actor::new("operator-l1", [Role::OperatorL1]), &ticket).unwrap().ticket;
        assert_eq!(tk.state, crm::TicketState::Closed);
        assert_eq!(op.post("/console/hangup", &[]).await.status, StatusCode::SEE_OTHER);
    }
    let p = op.post("/console/state", &[("state", "paused"), ("reason", "formazione")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(op.get("/console").await.body.contains("formazione"));
}

#[test]
fn the_staffing_command_gives_the_published_erlang_c_case() {
    // 100 calls in 30 minutes, AHT 180 s: 10 Erlang; 80 % within 20 s needs 14 agents
    // (probability of waiting ≈ 0.174, service level ≈ 88.8 %, ASA ≈ 7.8 s, occupancy ≈ 71 %).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_centralino"))
        .args(["staffing", "--calls-per-hour", "100", "--interval", "1800", "--aht", "180", "--target", "80/20", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &plan[0];
    assert_eq!(p["agents"], 14, "{p}");
    assert!((p["traffic_erlangs"].as_f64().unwrap() - 10.0).abs() < 1e-9);
    assert!((p["wait_probability"].as_f64().unwrap() - 0.174).abs() < 0.001, "{p}");
    assert!((p["service_level"].as_f64().unwrap() - 0.888).abs() < 0.001, "{p}");
    assert!((p["asa_s"].as_f64().unwrap() - 7.8).abs() < 0.05, "{p}");
    // Bad input names what is wrong.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_centralino"))
        .args(["staffing", "--calls-per-hour", "100", "--aht", "180", "--target", "0.9/30"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("percent"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn the_dimensioning_page_recommends_staffing_and_simulates_a_day() {
    use Role::*;
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let t = TestApp::new();
    // Supervisors and administrators only, for the page, the calculation and the download.
    for role in Role::ALL {
        let mut b = t.signed_in(role).await;
        let allowed = matches!(role, Supervisor | Admin);
        let expected = if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN };
        if !allowed {
            assert_eq!(b.get("/telephony/dimensioning").await.status, expected, "{role}");
            let p = b.post_multipart("/telephony/dimensioning", &[("contacts_per_year", "1000")], None, true).await;
            assert_eq!(p.status, expected, "{role}");
            assert_eq!(b.post("/telephony/dimensioning/plan.toml", &[("plan", "[weekday]\nl1=[1]")]).await.status, expected, "{role}");
        }
    }
    let mut sup = t.signed_in(Supervisor).await;
    // The tender's model at once: charts and tables of the recommended staffing and of a simulated day.
    let p = sup.get("/telephony/dimensioning").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("id=\"staffing\"") && p.body.contains("id=\"simulated-day\""), "{}", p.body);
    assert!(p.body.matches("<svg class=\"chart\"").count() >= 3, "two staffing charts and the day's");
    assert!(p.body.contains("class=\"l1\"") && p.body.contains("polyline class=\"sl\""));
    let hours: u32 = between(&p.body, "id=\"weekly-hours\">", "<").parse().unwrap();
    assert!((200..800).contains(&hours), "{hours}");
    assert!(p.body.contains("01&#x2f;03&#x2f;2027"), "the simulated day");
    // A bigger volume needs more agents; an uploaded profile replaces the weekday's.
    let profile = "ora;chiamate\n09:00;10\n10:00;30\n11:00;10\n";
    let fields = [("contacts_per_year", "400000"), ("verify", "0"), ("file_for", "weekday"), ("day", "2027-03-02"), ("seed", "3")];
    let p = sup.post_multipart("/telephony/dimensioning", &fields, Some(("profilo.csv", profile.as_bytes())), true).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let more: u32 = between(&p.body, "id=\"weekly-hours\">", "<").parse().unwrap();
    assert!(more > hours, "{more} vs {hours}");
    assert!(p.body.contains("10:00;30"), "the uploaded profile is shown for editing");
    assert!(p.body.contains("02&#x2f;03&#x2f;2027"));
    // The plan downloads as TOML that `centralino simulate --staffing` reads.
    let plan = simulate_plan_from(&p.body);
    let d = sup.post("/telephony/dimensioning/plan.toml", &[("plan", &plan)]).await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.content_type.starts_with("application/toml"));
    telephony::simulate::StaffingPlan::from_toml(&d.body).unwrap();
    // Bad input is named, the form kept, nothing computed.
    let p = sup.post_multipart("/telephony/dimensioning", &[("weekday", "08;10\n25;3"), ("contacts_per_year", "1234")], None, true).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("25") && p.body.contains("not an hour"), "{}", p.body);
    assert!(p.body.contains("value=\"1234\""));
    let p = sup.post_multipart("/telephony/dimensioning", &[("contacts_per_year", "molti")], None, true).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("molti"));
    let p = sup.post_multipart("/telephony/dimensioning", &[("contacts_per_year", "1000")], None, false).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "CSRF");
    let d = sup.post("/telephony/dimensioning/plan.toml", &[("plan", "[weekday]\nl1 = [1, 2]")]).await;
    assert_eq!(d.status, StatusCode::BAD_REQUEST);
    // Untrusted text is escaped.
    let p = sup.post_multipart("/telephony/dimensioning", &[("seed", "<script>x</script>")], None, true).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(!p.body.contains("<script>x</script>") && p.body.contains("&lt;script&gt;"));
}

fn between<'a>(s: &'a str, from: &str, to: &str) -> &'a str {
    let start = s.find(from).map(|i| i + from.len()).unwrap_or(0);
    s[start..].split(to).next().unwrap_or("")
}

/// The plan in the page's download form (HTML-unescaped).
fn simulate_plan_from(body: &str) -> String {
    between(body, "name=\"plan\" value=\"", "\"")
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn the_simulate_command_reports_and_stores_events_in_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_centralino");
    let plan = dir.path().join("piano.toml");
    // A plan for the tender's volume...
    let out = std::process::Command::new(bin)
        .args(["--data-dir", dir.path().join("none").to_str().unwrap(), "staffing", "--contacts-per-year", "200000", "--plan-out"])
        .arg(&plan)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("weekday") && text.contains("agent-hours a week"), "{text}");
    assert!(!dir.path().join("none").exists(), "the calculator writes nothing into a data directory");
    // ...simulated for two days into a data directory, as real traffic is stored.
    let data = dir.path().join("data");
    let run = |seed: &str| {
        std::process::Command::new(bin)
            .args(["--data-dir", data.to_str().unwrap(), "simulate", "--days", "2", "--start", "2027-03-01", "--seed", seed, "--staffing"])
            .arg(&plan)
            .output()
            .unwrap()
    };
    let out = run("5");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2027-03-01 lun") && text.contains("written to the data directory"), "{text}");
    let kb = kb::Kb::open(&data, kb::KbConfig::default()).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let events = telephony::store::events_of_days(&kb, &[day]).unwrap();
    assert!(events.len() > 3000, "{}", events.len());
    assert!(events.iter().any(|e| e.kind == telephony::EventKind::Answered && e.source == telephony::Source::Simulation));
    drop(kb);
    // Simulating the same days again is refused, nothing written twice.
    let out = run("5");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has telephony events"), "{}", String::from_utf8_lossy(&out.stderr));
    // Only a data directory without real telephony traffic takes simulated events.
    assert!(data.join("SIMULATED-TRAFFIC.txt").exists());
    let out = run("6");
    assert!(!out.status.success(), "same days");
    let real = dir.path().join("real");
    {
        let kb = kb::Kb::open(&real, kb::KbConfig::default()).unwrap();
        let crm = crm::Crm::open(kb.clone(), &crm::CrmConfig::default()).unwrap();
        let t = telephony::Telephony::start(kb.clone(), crm, &telephony::TelephonyConfig::default(), None).unwrap();
        let e = telephony::CtiEvent::new("real-1", telephony::EventKind::Offered, chrono::Utc::now()).call("c1");
        t.submit_blocking(vec![e]).unwrap();
        t.stop();
    }
    let out = std::process::Command::new(bin)
        .args(["--data-dir", real.to_str().unwrap(), "simulate", "--days", "1", "--staffing"])
        .arg(&plan)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not from a simulation"), "{}", String::from_utf8_lossy(&out.stderr));
    // The variable alone (a server's environment) never makes it write.
    let out = std::process::Command::new(bin)
        .env("CENTRALINO_DATA_DIR", &real)
        .args(["simulate", "--days", "1", "--staffing"])
        .arg(&plan)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("written to the data directory"));
    // A bad plan file is named.
    std::fs::write(&plan, "[weekday]\nl1 = [1, 2]\n").unwrap();
    let out = std::process::Command::new(bin).args(["simulate", "--days", "1", "--staffing"]).arg(&plan).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("piano.toml") && err.contains("weekday.l1"), "{err}");
}
