//! Scale benchmark of the knowledge base (issue: foundation).
//!
//! `cargo bench -p kb --bench scale` (env `ITEMS`, default 100000;
//! `API_ITEMS`, default 5000). Reports:
//! - bulk publication throughput (items/s) up to ITEMS items;
//! - create → submit → approve throughput through the per-item API;
//! - reading one item with its office and person: p50/p99 latency;
//! - peak resident memory of the process (VmHWM).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kb::{Actor, ItemContent, Kb, KbConfig, Level, Office, Person, Role};
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A small deterministic generator (no extra dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let items = env_usize("ITEMS", 100_000);
    let api_items = env_usize("API_ITEMS", 5_000);
    let dir = tempfile::tempdir()?;
    let kb = Kb::open(dir.path(), KbConfig::default())?;
    let admin = Actor::new("admin", [Role::Admin]);
    let publisher = Actor::new("paola", [Role::Publisher]);
    let approver = Actor::new("andrea", [Role::Approver]);

    let offices = 50;
    for o in 0..offices {
        kb.upsert_office(
            &admin,
            &Office {
                code: format!("UFF{o:03}"),
                name: format!("Ufficio {o}"),
                extension: Some(format!("{}", 4000 + o)),
                competences: Some(format!("competenze dell'ufficio {o}")),
                ..Default::default()
            },
        )?;
    }
    for p in 0..500 {
        kb.upsert_person(
            &admin,
            &Person {
                staff_number: format!("M{p:05}"),
                given_name: format!("Nome{p}"),
                family_name: format!("Cognome{p}"),
                office: Some(format!("UFF{:03}", p % offices)),
                extension: Some(format!("{}", 5000 + p)),
                functions: Some("istruttoria pratiche".into()),
                ..Default::default()
            },
        )?;
    }
    let concepts: Vec<String> = kb
        .concepts(Some(kb.areas_scheme().as_str()))?
        .into_iter()
        .map(|c| c.iri)
        .collect();
    let mut rng = Lcg(42);
    let mut content = |i: usize| ItemContent {
        title: format!("Pillola numero {i} sul procedimento amministrativo"),
        question: Some(format!("Come si presenta la domanda {i}?")),
        answer: format!(
            "Risposta {i}: la domanda si presenta all'ufficio competente con il modulo previsto, entro i termini del bando."
        ),
        keywords: vec![
            format!("parola{}", i % 997),
            "domanda".into(),
            "modulo".into(),
        ],
        concept: Some(concepts[rng.next() as usize % concepts.len()].clone()),
        office: Some(
            kb.office_iri(&format!("UFF{:03}", rng.next() % offices as u64))
                .as_str()
                .into(),
        ),
        person: Some(
            kb.person_iri(&format!("M{:05}", rng.next() % 500))
                .as_str()
                .into(),
        ),
        legal_references: vec!["L.R. 12/2020, art. 3".into()],
        links: vec![format!("https://www.regione.example/servizi/{i}")],
        forms: vec!["Modulo A".into()],
        level: if i.is_multiple_of(3) {
            Level::Advanced
        } else {
            Level::Base
        },
        ..Default::default()
    };

    // Bulk path.
    let batch = 5_000;
    let started = Instant::now();
    let mut done = 0;
    while done < items {
        let n = batch.min(items - done);
        let chunk: Vec<(Option<String>, ItemContent)> =
            (done..done + n).map(|i| (None, content(i))).collect();
        kb.publish_bulk(&admin, &chunk, Some("bench"))?;
        done += n;
    }
    let bulk_secs = started.elapsed().as_secs_f64();
    println!(
        "bulk publish: {items} items in {bulk_secs:.1} s = {:.0} items/s",
        items as f64 / bulk_secs
    );

    // Per-item API path: create, submit, approve.
    let started = Instant::now();
    for i in 0..api_items {
        let id = kb.create_item(&publisher, &content(items + i))?;
        kb.submit_item(&publisher, &id, None)?;
        kb.approve_item(&approver, &id, None)?;
    }
    let api_secs = started.elapsed().as_secs_f64();
    println!(
        "API create+submit+approve: {api_items} items in {api_secs:.1} s = {:.0} items/s (on top of {items})",
        api_items as f64 / api_secs
    );

    // Reads of one item with its office and person.
    let today = chrono::Utc::now().date_naive();
    let total = items + api_items;
    let mut lat = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let id = format!("PIL-{:04}", 1 + rng.next() as usize % total);
        let t = Instant::now();
        let v = kb.item_view(&id, today)?;
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(v.is_some_and(|v| v.office.is_some() && v.person.is_some()));
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "item_view at {total} items: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat[lat.len() - 1]
    );
    println!(
        "store: {} quads; peak RSS {:.0} MiB",
        kb.store().len()?,
        peak_rss_mib()
    );
    Ok(())
}
