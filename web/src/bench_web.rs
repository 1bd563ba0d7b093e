//! `centralino bench web`: the load benchmark of the web issue, with a
//! real HTTP load generator (`wrk`) against a real server process on
//! loopback.
//!
//! 1. Generates a knowledge base (env `ITEMS`, default 100000; `PEOPLE`,
//!    default 5000) with an operator and an analyst account, in
//!    `WEB_BENCH_DIR` (kept and reused by later runs with the same sizes)
//!    or a temporary directory.
//! 2. Starts `centralino serve` on it as a separate process, signs both
//!    users in through the sign-in form.
//! 3. Runs `wrk` with `CONNECTIONS` (default 50) operators for `DURATION`
//!    seconds (default 30): each connection alternates a search-as-you-type
//!    request (the partial results the search box fetches while typing,
//!    prefixes of realistic queries) and an item page, with a think time
//!    between requests (`THINK_MS`, default 200: a keystroke or a glance
//!    at a page; uniform between half and one and a half times it).
//!    `THINK_MS=0` makes it a closed loop that measures the capacity.
//! 4. Runs the same again while an analyst sends a heavy SPARQL aggregate
//!    (items per area, over every item) in a loop.
//! 5. Prints p50/p99 of both runs, the ratio of the p99s, the analyst's
//!    query count, and the server's peak resident memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::bench::{Lcg, NAMES, SURNAMES, env_usize};
use kb::{Actor, ItemContent, Kb, KbConfig, Level, Office, Person, Role};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const OPERATOR: (&str, &str) = ("olga", "operatrice-bench-1");
const ANALYST: (&str, &str) = ("anna", "analista-bench-1");

/// What operators type, in full; the load uses every prefix from the
/// third character, as the search box sends them.
const QUERIES: &[&str] = &[
    "bollo auto",
    "esenzione ticket reddito",
    "contributo affitto",
    "tirocinio giovani",
    "chi segue caccia",
    "tesserino pesca",
    "abbonamento treno studenti",
    "borsa di studio",
    "rimborso trasporto disabilità",
    "bando agricoltura giovani",
    "fondi europei impresa",
    "prenotazione visita medico",
    "vacinno anziani",
    "certificato residenza",
    "graduatoria concorso",
    "incentivo fotovoltaico",
    "protezione civile emergenza",
    "pediatra scelta",
    "mensa scuola",
    "volontariato associazione",
];

/// An analyst's aggregate over every item (items per area): a scan and a
/// GROUP BY over 100,000 classification triples, seconds per query. (A
/// two-pattern join over all items takes oxigraph more than the 30 s
/// limit at this size.)
const HEAVY_SPARQL: &str = "PREFIX dct: <http://purl.org/dc/terms/> \
SELECT ?area (COUNT(?i) AS ?items) WHERE { ?i dct:subject ?area } GROUP BY ?area ORDER BY DESC(?items)";

fn generate(dir: &Path, items: usize, people: usize) -> Result<(), Box<dyn std::error::Error>> {
    let kb = Kb::open(dir, KbConfig::default())?;
    let admin = Actor::new("admin", [Role::Admin]);
    let mut rng = Lcg(11);
    let offices = 200;
    let t = Instant::now();
    kb.write_bulk(|w| {
        let mut rng = Lcg(13);
        for o in 0..offices {
            let office = Office {
                code: format!("U{o:03}"),
                name: format!("Ufficio {} {o}", rng.word()),
                extension: Some(format!("{}", 3000 + o)),
                competences: Some(format!("{} {} {}", rng.word(), rng.word(), rng.word())),
                ..Default::default()
            };
            kb.upsert_office_in(w, &admin, &office)?;
        }
        for p in 0..people {
            let person = Person {
                staff_number: format!("M{p:05}"),
                given_name: NAMES[rng.next() % NAMES.len()].into(),
                family_name: format!("{}{}", SURNAMES[rng.next() % SURNAMES.len()], p % 7),
                office: Some(format!("U{:03}", p % offices)),
                functions: Some(format!("pratiche di {} e {}", rng.word(), rng.word())),
                extension: Some(format!("{}", 5000 + p)),
                ..Default::default()
            };
            kb.upsert_person_in(w, &admin, &person)?;
        }
        Ok(())
    })?;
    let concepts: Vec<String> = kb.concepts(Some(kb.areas_scheme().as_str()))?.into_iter().map(|c| c.iri).collect();
    let mut done = 0;
    while done < items {
        let n = 5_000.min(items - done);
        let batch: Vec<(Option<String>, ItemContent)> = (done..done + n)
            .map(|i| {
                let title = format!("{} {} {} {}", rng.word(), rng.word(), rng.word(), i);
                let answer = (0..30).map(|_| rng.word()).collect::<Vec<_>>().join(" ");
                (
                    None,
                    ItemContent {
                        title,
                        answer,
                        keywords: vec![rng.word().to_owned(), rng.word().to_owned()],
                        concept: Some(concepts[rng.next() % concepts.len()].clone()),
                        office: Some(kb.office_iri(&format!("U{:03}", rng.next() % offices)).as_str().into()),
                        person: Some(kb.person_iri(&format!("M{:05}", rng.next() % people.max(1))).as_str().into()),
                        level: if i % 4 == 0 { Level::Advanced } else { Level::Base },
                        valid_until: (i % 50 == 0).then(|| chrono::NaiveDate::from_ymd_opt(2025, 1, 31)).flatten(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        kb.publish_bulk(&admin, &batch, None)?;
        done += n;
        eprint!("\r  generated {done}/{items} items");
    }
    eprintln!();
    kb.create_user(&admin, OPERATOR.0, OPERATOR.1, &[Role::OperatorL1])?;
    kb.create_user(&admin, ANALYST.0, ANALYST.1, &[Role::Analyst])?;
    kb.wait_for_search(Duration::from_secs(3600))?;
    println!("generated {items} items, {people} people, {offices} offices, 2 users in {:.0} s", t.elapsed().as_secs_f64());
    Ok(())
}

/// One request over a fresh connection; returns status line and headers.
fn http(port: u16, request: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(request.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// Signs in through the form (double-submit CSRF cookie) and returns the
/// session cookie.
fn sign_in(port: u16, user: &str, password: &str) -> Result<String, Box<dyn std::error::Error>> {
    let csrf = "benchcsrf0123456789";
    let body = serde_urlencoded::to_string([("username", user), ("password", password), ("csrf", csrf)])?;
    let response = http(
        port,
        &format!(
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: centralino_login_csrf={csrf}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )?;
    response
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .find(|c| c.starts_with("centralino_session="))
        .map(|c| c.split(';').next().unwrap_or(c).to_owned())
        .ok_or_else(|| format!("sign-in of {user} failed: {}", response.lines().next().unwrap_or("")).into())
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn lua_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn operator_script(cookie: &str, items: usize, think_ms: usize) -> String {
    let mut prefixes: Vec<String> = Vec::new();
    for q in QUERIES {
        let chars: Vec<char> = q.chars().collect();
        for n in 3..=chars.len() {
            let p: String = chars[..n].iter().collect();
            if !p.ends_with(' ') {
                prefixes.push(serde_urlencoded::to_string([("q", p.as_str()), ("partial", "1")]).unwrap());
            }
        }
    }
    let quoted = prefixes.iter().map(|p| lua_string(p)).collect::<Vec<_>>().join(",");
    // Think time between two requests of one operator, uniform around the
    // mean (typing cadence, reading a page).
    let delay = if think_ms > 0 {
        format!("delay = function() return math.random({}, {}) end\n", think_ms / 2, think_ms * 3 / 2)
    } else {
        String::new()
    };
    format!(
        r#"local prefixes = {{{prefixes}}}
local n = 0
wrk.headers["Cookie"] = {cookie}
wrk.headers["Accept"] = "text/html"
request = function()
  n = n + 1
  if n % 2 == 1 then
    return wrk.format("GET", "/search?" .. prefixes[math.random(#prefixes)])
  else
    return wrk.format("GET", string.format("/items/PIL-%04d", math.random({items})))
  end
end
{delay}"#,
        prefixes = quoted,
        cookie = lua_string(cookie),
    )
}

fn analyst_script(cookie: &str) -> String {
    let q = serde_urlencoded::to_string([("query", HEAVY_SPARQL)]).unwrap();
    format!(
        r#"wrk.headers["Cookie"] = {}
wrk.headers["Accept"] = "application/sparql-results+json"
request = function() return wrk.format("GET", "/sparql?{q}") end
"#,
        lua_string(cookie)
    )
}

/// Latency percentiles (ms), requests, non-2xx count, from wrk's output.
#[derive(Debug, Default)]
struct WrkResult {
    p50: f64,
    p90: f64,
    p99: f64,
    requests: u64,
    errors: u64,
    rps: f64,
}

fn parse_duration_ms(s: &str) -> f64 {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        "m" => v * 60_000.0,
        _ => f64::NAN,
    }
}

fn parse_wrk(out: &str) -> WrkResult {
    let mut r = WrkResult::default();
    for line in out.lines() {
        let t = line.trim();
        let mut parts = t.split_whitespace();
        match (parts.next(), parts.next()) {
            (Some("50%"), Some(v)) => r.p50 = parse_duration_ms(v),
            (Some("90%"), Some(v)) => r.p90 = parse_duration_ms(v),
            (Some("99%"), Some(v)) => r.p99 = parse_duration_ms(v),
            (Some("Requests/sec:"), Some(v)) => r.rps = v.parse().unwrap_or(0.0),
            _ => {}
        }
        if t.contains("requests in") {
            r.requests = t.split_whitespace().next().and_then(|v| v.parse().ok()).unwrap_or(0);
        }
        if let Some(v) = t.strip_prefix("Non-2xx or 3xx responses:") {
            r.errors += v.trim().parse::<u64>().unwrap_or(0);
        }
        if let Some(rest) = t.strip_prefix("Socket errors:") {
            r.errors += rest.split(|c: char| !c.is_ascii_digit()).filter_map(|v| v.parse::<u64>().ok()).sum::<u64>();
        }
    }
    r
}

fn wrk(script: &Path, port: u16, connections: usize, secs: u64) -> std::io::Result<Child> {
    Command::new("wrk")
        .args(["-t1", &format!("-c{connections}"), &format!("-d{secs}s"), "--timeout", "60s", "--latency", "-s"])
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

fn finish(child: Child, what: &str) -> Result<WrkResult, Box<dyn std::error::Error>> {
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("wrk ({what}) failed: {}{}", text, String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(parse_wrk(&text))
}

/// The web load benchmark.
pub fn web_load() -> Result<(), Box<dyn std::error::Error>> {
    let items = env_usize("ITEMS", 100_000);
    let people = env_usize("PEOPLE", 5_000);
    let connections = env_usize("CONNECTIONS", 50);
    let secs = env_usize("DURATION", 30) as u64;
    let think_ms = env_usize("THINK_MS", 200);
    if Command::new("wrk").arg("--version").output().is_err() {
        return Err("wrk is not installed (Debian: apt-get install wrk)".into());
    }
    let temp = tempfile::tempdir()?;
    let dir: PathBuf = std::env::var_os("WEB_BENCH_DIR").map(PathBuf::from).unwrap_or_else(|| temp.path().to_owned());
    let marker = dir.join(format!("bench-web-{items}-{people}.done"));
    if marker.exists() {
        println!("reusing the knowledge base in {}", dir.display());
    } else {
        std::fs::create_dir_all(&dir)?;
        generate(&dir, items, people)?;
        std::fs::write(&marker, b"")?;
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let log = std::fs::File::create(temp.path().join("server.log"))?;
    let server = Server(
        Command::new(std::env::current_exe()?)
            .arg("--data-dir")
            .arg(&dir)
            .args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?,
    );
    let pid = server.0.id();
    let started = Instant::now();
    while http(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").is_err() {
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the server did not start within 10 minutes".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("server (pid {pid}) up in {:.1} s; peak RSS so far {:.0} MiB", started.elapsed().as_secs_f64(), peak_rss_mib(pid));
    let operator = sign_in(port, OPERATOR.0, OPERATOR.1)?;
    let analyst = sign_in(port, ANALYST.0, ANALYST.1)?;
    let op_script = temp.path().join("operator.lua");
    std::fs::write(&op_script, operator_script(&operator, items, think_ms))?;
    let an_script = temp.path().join("analyst.lua");
    std::fs::write(&an_script, analyst_script(&analyst))?;

    // Warm-up (page cache, index readers), then the measured runs.
    finish(wrk(&op_script, port, connections, 5)?, "warm-up")?;
    let alone = finish(wrk(&op_script, port, connections, secs)?, "operators")?;
    println!(
        "{connections} operators (think time {think_ms} ms) alone: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms; {} requests ({:.0}/s), {} errors",
        alone.p50, alone.p90, alone.p99, alone.requests, alone.rps, alone.errors
    );
    let analyst_run = wrk(&an_script, port, 1, secs + 10)?;
    std::thread::sleep(Duration::from_secs(3));
    let busy = finish(wrk(&op_script, port, connections, secs)?, "operators with analyst")?;
    let heavy = finish(analyst_run, "analyst")?;
    println!(
        "{connections} operators + analyst SPARQL loop: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms; {} requests ({:.0}/s), {} errors",
        busy.p50, busy.p90, busy.p99, busy.requests, busy.rps, busy.errors
    );
    println!("analyst: {} heavy aggregate queries answered (p50 {:.0} ms), {} errors", heavy.requests, heavy.p50, heavy.errors);
    println!("operator p99 degradation with the analyst: {:.2}x (target < 2x)", busy.p99 / alone.p99);
    println!("server peak RSS (VmHWM): {:.0} MiB", peak_rss_mib(pid));
    drop(server);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let out = "Running 5s test @ http://127.0.0.1:1\n  1 threads and 50 connections\n  Latency Distribution\n     50%    3.21ms\n     75%    5.00ms\n     90%  812.00us\n     99%    1.20s\n  1234 requests in 5.00s, 1.00MB read\n  Non-2xx or 3xx responses: 7\nRequests/sec:    246.80\n";
        let r = parse_wrk(out);
        assert_eq!((r.p50, r.p90, r.p99), (3.21, 0.812, 1200.0));
        assert_eq!((r.requests, r.errors), (1234, 7));
        assert!((r.rps - 246.8).abs() < 1e-9);
    }

    #[test]
    fn scripts_quote_what_they_embed() {
        assert_eq!(lua_string(r#"a"b\c"#), r#""a\"b\\c""#);
        let s = operator_script("centralino_session=x", 10, 200);
        assert!(s.contains("q=bol&partial=1") && s.contains("math.random(10)"), "{s}");
        assert!(s.contains("delay = function() return math.random(100, 300) end"), "{s}");
        assert!(!operator_script("c", 10, 0).contains("delay"));
        assert!(analyst_script("c").contains("query=PREFIX"));
    }
}
