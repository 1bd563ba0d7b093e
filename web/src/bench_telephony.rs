//! `centralino bench telephony`: the performance targets of the telephony
//! issue.
//!
//! 1. **Routing decisions** in the engine with `WAITING` (default 1000)
//!    contacts waiting and `AGENTS` (default 500) agents: each round an
//!    agent ends a call and is routed the head of the queue (the decision
//!    measured), answers, and a new call joins the queue (the search for a
//!    free agent measured). p50/p99 over `ROUNDS` (default 20000).
//! 2. **Event ingestion through the HTTP API**, durably stored: a real
//!    server on loopback over a fresh data directory, `CLIENTS` (default 8)
//!    connector connections posting batches of `BATCH` (default 500)
//!    events of whole calls (offered, then answered by the agent the
//!    engine chose or abandoned, then ended) for `CALLS` (default 40000)
//!    calls. Every answer opens a ticket in the CRM, off the ingestion
//!    path; the time until that backlog is done is reported too.
//! 3. **Wallboard fan-out**: `BROWSERS` (default 200) connected wallboards
//!    (server-sent events); the time from an event's acknowledgement to
//!    each browser receiving the wallboard that counts it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::bench::{env_usize, pct, peak_rss_mib};
use chrono::{DateTime, Duration as CDuration, TimeZone, Utc};
use kb::{Actor, Kb, KbConfig, Role};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use telephony::{AgentStatus, CtiEvent, Engine, EventKind, Skill, TelephonyConfig, WorkMode};

fn stats(name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    println!(
        "  {name}: n = {}, p50 = {:.1} µs, p99 = {:.1} µs, max = {:.1} µs",
        v.len(),
        pct(&v, 0.5),
        pct(&v, 0.99),
        v.last().copied().unwrap_or(0.0)
    );
}

/// Virtual time: one millisecond per event.
struct Virtual {
    now: DateTime<Utc>,
    n: u64,
}

impl Virtual {
    fn step(&mut self) -> (String, DateTime<Utc>) {
        self.now += CDuration::milliseconds(1);
        self.n += 1;
        (format!("e{}", self.n), self.now)
    }
}

fn routed_to(s: &telephony::Submitted) -> Vec<(String, String)> {
    s.events
        .iter()
        .filter(|x| x.kind == EventKind::Routed)
        .map(|x| (x.call.clone().unwrap_or_default(), x.agent.clone().unwrap_or_default()))
        .collect()
}

/// Answers routed calls; remembers each agent's call.
fn answer(e: &mut Engine, v: &mut Virtual, pairs: Vec<(String, String)>, call_of: &mut [Option<String>]) {
    for (call, agent) in pairs {
        let (id, now) = v.step();
        let idx: usize = agent[1..].parse().unwrap_or(0);
        e.submit(CtiEvent::new(id, EventKind::Answered, now).call(call.clone()).agent(agent), now);
        call_of[idx] = Some(call);
    }
}

/// Part 1: the engine alone.
fn routing() -> Result<(), Box<dyn std::error::Error>> {
    let agents = env_usize("AGENTS", 500);
    let waiting = env_usize("WAITING", 1000);
    let rounds = env_usize("ROUNDS", 20_000);
    println!("routing: {agents} agents, {waiting} contacts waiting, {rounds} rounds");
    let cfg = TelephonyConfig { wrap_up_s: 0, lines: 1_000_000, ring_timeout_s: 100_000, ..TelephonyConfig::default() };
    let cal = crm::Calendar::new(&crm::CalendarConfig::default())?;
    let mut e = Engine::new(cfg, cal)?;
    // Monday 23 November 2026, 09:00 in Rome; one virtual millisecond per step.
    let mut v = Virtual { now: Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).single().ok_or("date")?, n: 0 };
    let mut call_of: Vec<Option<String>> = vec![None; agents];
    for a in 0..agents {
        let (id, now) = v.step();
        let mut ev = CtiEvent::new(id, EventKind::AgentState, now).agent(format!("a{a}"));
        ev.state = Some(AgentStatus::Ready);
        ev.skills = Some(vec![Skill::L1]);
        ev.work_mode = Some(WorkMode::Online);
        e.submit(ev, now);
    }
    let mut calls = 0usize;
    for _ in 0..agents + waiting {
        let (id, now) = v.step();
        calls += 1;
        let s = e.submit(CtiEvent::new(id, EventKind::Offered, now).call(format!("c{calls}")), now);
        answer(&mut e, &mut v, routed_to(&s), &mut call_of);
    }
    assert_eq!(e.waiting(), waiting, "everyone busy, {waiting} waiting");
    let mut decide = Vec::with_capacity(rounds);
    let mut enqueue = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let a = r % agents;
        let Some(call) = call_of[a].take() else { continue };
        let (id, now) = v.step();
        let t = Instant::now();
        let s = e.submit(CtiEvent::new(id, EventKind::Ended, now).call(call), now);
        decide.push(t.elapsed().as_secs_f64() * 1e6);
        let pairs = routed_to(&s);
        assert_eq!(pairs.len(), 1, "the freed agent takes the head of the queue");
        answer(&mut e, &mut v, pairs, &mut call_of);
        let (id, now) = v.step();
        calls += 1;
        let t = Instant::now();
        e.submit(CtiEvent::new(id, EventKind::Offered, now).call(format!("c{calls}")), now);
        enqueue.push(t.elapsed().as_secs_f64() * 1e6);
        if r % 1000 == 0 {
            e.tick(now);
        }
    }
    stats("agent freed → routed the head of 1000 waiting (event applied + decision)", decide);
    stats("call offered → IVR, queued, search of 500 agents", enqueue);
    Ok(())
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    s: BufReader<TcpStream>,
    port: u16,
}

impl Conn {
    fn open(port: u16) -> std::io::Result<Self> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_nodelay(true)?;
        Ok(Conn { s: BufReader::new(s), port })
    }

    fn request(&mut self, method: &str, path: &str, token: &str, body: &str) -> std::io::Result<(u16, String)> {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        self.s.get_mut().write_all(req.as_bytes())?;
        let mut line = String::new();
        self.s.read_line(&mut line)?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut len = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            self.s.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.s.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                self.s.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            body.resize(len, 0);
            self.s.read_exact(&mut body)?;
        }
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

struct Server {
    port: u16,
    state: web::AppState,
    _runtime: tokio::runtime::Runtime,
}

fn start_server(kb: Kb) -> Result<Server, Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    // Open around the clock, so that the benchmark sees whole calls at any hour.
    let mut config = web::WebConfig::default();
    config.crm.calendar.hours = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        .iter()
        .map(|d| ((*d).to_owned(), vec!["00:00-23:59".to_owned()]))
        .collect();
    config.crm.calendar.national_holidays = false;
    // No after-call pause: agents take the next call at once, so that many
    // calls are answered (each opens a ticket) rather than abandoned.
    config.telephony.wrap_up_s = 0;
    let state = web::AppState::with_config(kb, config)?;
    let app = web::app(state.clone());
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let port = listener.local_addr()?.port();
    runtime.spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    Ok(Server { port, state, _runtime: runtime })
}

/// Part 2: ingestion through the API.
fn ingestion(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let clients = env_usize("CLIENTS", 8);
    let batch = env_usize("BATCH", 500).max(1);
    let calls = env_usize("CALLS", 40_000);
    let agents = env_usize("INGEST_AGENTS", 200);
    println!("ingestion: {clients} connections, batches of {batch}, {calls} calls, {agents} agents");
    let kb = Kb::open(dir, KbConfig::default())?;
    kb.create_user(&Actor::system(), "pbx", "pbx-password-123", &[Role::Integration])?;
    let token = kb.create_token(&Actor::system(), "pbx", "bench")?;
    let server = start_server(kb.clone())?;
    let port = server.port;
    let now = || Utc::now().to_rfc3339();
    let mut c = Conn::open(port)?;
    let logins: Vec<Value> = (0..agents)
        .map(|a| json!({"id": format!("login-{a}"), "type": "agent_state", "at": now(), "agent": format!("agent-{a}"), "state": "ready", "skills": ["l1"], "terminal": format!("{}", 200 + a)}))
        .collect();
    let (s, body) = c.request("POST", "/api/v1/cti/events", &token, &Value::Array(logins).to_string())?;
    assert_eq!(s, 200, "{body}");
    let per_client = calls / clients.max(1);
    let started = Instant::now();
    let token = Arc::new(token);
    let handles: Vec<_> = (0..clients)
        .map(|ci| {
            let token = token.clone();
            std::thread::spawn(move || -> Result<(usize, usize, Vec<f64>), String> {
                let mut c = Conn::open(port).map_err(|e| e.to_string())?;
                let mut sent = 0usize;
                let mut stored = 0usize;
                let mut lat = Vec::new();
                let mut next = 0usize;
                let mut post = |events: Vec<Value>, c: &mut Conn| -> Result<Value, String> {
                    let t = Instant::now();
                    let (s, body) = c.request("POST", "/api/v1/cti/events", &token, &Value::Array(events).to_string()).map_err(|e| e.to_string())?;
                    lat.push(t.elapsed().as_secs_f64() * 1e3);
                    if s != 200 {
                        return Err(format!("HTTP {s}: {body}"));
                    }
                    serde_json::from_str(&body).map_err(|e| e.to_string())
                };
                while next < per_client {
                    let ids: Vec<String> = (next..(next + batch).min(per_client)).map(|k| format!("k{ci}-{k}")).collect();
                    next += ids.len();
                    let offered: Vec<Value> =
                        ids.iter().map(|call| json!({"id": format!("{call}-o"), "type": "offered", "at": now(), "call": call, "caller": "+390874000000"})).collect();
                    sent += offered.len();
                    let r = post(offered, &mut c)?;
                    let mut second = Vec::new();
                    let mut answered = Vec::new();
                    for res in r["results"].as_array().into_iter().flatten() {
                        stored += 1 + res["emitted"].as_array().map_or(0, Vec::len);
                        let call = res["id"].as_str().unwrap_or_default().trim_end_matches("-o").to_owned();
                        let routed = res["emitted"].as_array().into_iter().flatten().find(|e| e["type"] == "routed").and_then(|e| e["agent"].as_str());
                        let after_hours = res["emitted"].as_array().into_iter().flatten().any(|e| e["type"] == "ivr_after_hours");
                        match (routed, after_hours) {
                            (_, true) => second.push(json!({"id": format!("{call}-e"), "type": "ended", "at": now(), "call": call})),
                            (Some(agent), _) => {
                                second.push(json!({"id": format!("{call}-a"), "type": "answered", "at": now(), "call": call, "agent": agent}));
                                answered.push(call);
                            }
                            (None, _) => second.push(json!({"id": format!("{call}-x"), "type": "abandoned", "at": now(), "call": call})),
                        }
                    }
                    sent += second.len();
                    let r = post(second, &mut c)?;
                    for res in r["results"].as_array().into_iter().flatten() {
                        stored += usize::from(res["status"] != "rejected") + res["emitted"].as_array().map_or(0, Vec::len);
                    }
                    if !answered.is_empty() {
                        let ended: Vec<Value> = answered.iter().map(|call| json!({"id": format!("{call}-e"), "type": "ended", "at": now(), "call": call})).collect();
                        sent += ended.len();
                        let r = post(ended, &mut c)?;
                        for res in r["results"].as_array().into_iter().flatten() {
                            stored += usize::from(res["status"] != "rejected") + res["emitted"].as_array().map_or(0, Vec::len);
                        }
                    }
                }
                Ok((sent, stored, lat))
            })
        })
        .collect();
    let mut sent = 0;
    let mut stored = 0;
    let mut lat = Vec::new();
    for h in handles {
        let (s, st, l) = h.join().map_err(|_| "client panicked")??;
        sent += s;
        stored += st;
        lat.extend(l);
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    println!(
        "  {sent} events sent ({stored} stored with the engine's own) in {secs:.1} s: {:.0} events/s acknowledged, {:.0} stored/s; request p50 {:.1} ms, p99 {:.1} ms",
        sent as f64 / secs,
        stored as f64 / secs,
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    // The CRM work (a ticket per answered call) runs behind the ingestion.
    let drain = Instant::now();
    let tickets = loop {
        let n = server.state.crm.board().len();
        std::thread::sleep(Duration::from_millis(500));
        if server.state.crm.board().len() == n || drain.elapsed() > Duration::from_secs(600) {
            break n;
        }
    };
    println!(
        "  tickets opened on answer: {tickets}, all done {:.1} s after the last event was acknowledged",
        drain.elapsed().as_secs_f64()
    );
    // Durable: a fresh engine over the same store sees every call.
    let quads = kb.store().len()?;
    println!("  store: {quads} quads; peak resident memory {:.0} MiB", peak_rss_mib());
    server.state.telephony.stop();
    Ok(())
}

/// Part 3: wallboards connected by server-sent events.
fn fanout(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let browsers = env_usize("BROWSERS", 200);
    let rounds = env_usize("UPDATES", 20);
    println!("wallboard: {browsers} connected browsers, {rounds} updates");
    let kb = Kb::open(dir, KbConfig::default())?;
    kb.create_user(&Actor::system(), "sup", "sup-password-123", &[Role::Supervisor])?;
    kb.create_user(&Actor::system(), "pbx", "pbx-password-123", &[Role::Integration])?;
    let sup = kb.create_token(&Actor::system(), "sup", "wall")?;
    let pbx = kb.create_token(&Actor::system(), "pbx", "bench")?;
    let server = start_server(kb)?;
    let port = server.port;
    let (tx, rx) = std::sync::mpsc::channel::<(usize, u64, Instant)>();
    let mut readers = Vec::new();
    for b in 0..browsers {
        let sup = sup.clone();
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || -> std::io::Result<()> {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.write_all(
                format!("GET /wallboard/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sup}\r\nAccept: text/event-stream\r\n\r\n")
                    .as_bytes(),
            )?;
            let mut r = BufReader::new(s);
            let mut line = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if let Some(i) = line.find("\"calls_today\":") {
                    let n: u64 = line[i + 14..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0);
                    if tx.send((b, n, Instant::now())).is_err() {
                        return Ok(());
                    }
                }
            }
        }));
    }
    drop(tx);
    // Everyone connected: each has received the first wallboard.
    let mut first = std::collections::HashSet::new();
    while first.len() < browsers {
        let (b, _, _) = rx.recv_timeout(Duration::from_secs(30))?;
        first.insert(b);
    }
    let mut c = Conn::open(port)?;
    let mut lat = Vec::new();
    let base = server.state.telephony.wallboard().calls_today as u64;
    for u in 0..rounds {
        std::thread::sleep(Duration::from_millis(300));
        let ev = json!({"id": format!("w{u}"), "type": "offered", "at": Utc::now().to_rfc3339(), "call": format!("w{u}"), "caller": "+390874000000"});
        let (s, body) = c.request("POST", "/api/v1/cti/events", &pbx, &ev.to_string())?;
        let acked = Instant::now();
        assert_eq!(s, 200, "{body}");
        let want = base + u as u64 + 1;
        let mut got = std::collections::HashSet::new();
        while got.len() < browsers {
            let (b, n, at) = rx.recv_timeout(Duration::from_secs(30))?;
            if n >= want && got.insert(b) {
                lat.push(at.saturating_duration_since(acked).as_secs_f64() * 1e3);
            }
        }
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "  acknowledgement → wallboard in every browser: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} deliveries)",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0),
        lat.len()
    );
    server.state.telephony.stop();
    drop(readers);
    Ok(())
}

/// `centralino bench telephony`.
pub fn telephony_bench() -> Result<(), Box<dyn std::error::Error>> {
    routing()?;
    let dir = tempfile::tempdir()?;
    ingestion(&dir.path().join("ingest"))?;
    fanout(&dir.path().join("fanout"))?;
    Ok(())
}
