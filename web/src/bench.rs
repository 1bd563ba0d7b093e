//! `centralino bench kb` and `centralino bench search`: the scale
//! benchmarks of the foundation and search issues, built into the release
//! binary so that they measure optimised code
//! (`cargo run --release -- bench kb|search`).
//!
//! - `bench kb` (env `ITEMS`, default 100000; `API_ITEMS`, default 5000):
//!   bulk publication throughput, create → submit → approve through the
//!   per-item API, reading one item with its office and person (p50/p99),
//!   peak resident memory.
//! - `bench search` (env `ITEMS`, default 100000; `PEOPLE`, default 5000):
//!   index build time, query latency p50/p99 over a mixed set of realistic
//!   queries (1–4 words, typos, prefixes) single-threaded at the domain
//!   level, publish → found latency, peak memory, and the same queries on
//!   SQLite FTS5 (Python's sqlite3) over the same texts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kb::{Actor, HitKind, ItemContent, Kb, KbConfig, Level, Office, Person, Role, SearchQuery};
use std::io::Write;
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "bollo",
    "auto",
    "tassa",
    "esenzione",
    "ticket",
    "ricetta",
    "medico",
    "pediatra",
    "ospedale",
    "prenotazione",
    "visita",
    "contributo",
    "bando",
    "agricoltura",
    "giovani",
    "impresa",
    "lavoro",
    "formazione",
    "tirocinio",
    "disoccupazione",
    "trasporto",
    "abbonamento",
    "studenti",
    "treno",
    "autobus",
    "casa",
    "affitto",
    "sostegno",
    "famiglia",
    "disabilità",
    "ambiente",
    "rifiuti",
    "caccia",
    "pesca",
    "licenza",
    "tesserino",
    "fondi",
    "europei",
    "rimborso",
    "domanda",
    "scadenza",
    "pagamento",
    "modulo",
    "certificato",
    "residenza",
    "protocollo",
    "concorso",
    "graduatoria",
    "borsa",
    "studio",
    "mensa",
    "scuola",
    "terremoto",
    "emergenza",
    "protezione",
    "civile",
    "acqua",
    "energia",
    "incentivo",
    "fotovoltaico",
    "turismo",
    "cultura",
    "sport",
    "associazione",
    "volontariato",
    "anziani",
    "assistenza",
    "vaccino",
    "farmacia",
    "veterinario",
];
pub(crate) const NAMES: &[&str] = &["Mario", "Lucia", "Giuseppe", "Anna", "Francesco", "Giulia", "Antonio", "Sara", "Paolo", "Elena"];
pub(crate) const SURNAMES: &[&str] =
    &["Rossi", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca"];

const FTS5_PEER: &str = include_str!("fts5_peer.py");

pub(crate) struct Lcg(pub(crate) u64);
impl Lcg {
    pub(crate) fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
    pub(crate) fn word(&mut self) -> &'static str {
        WORDS[self.next() % WORDS.len()]
    }
}

pub(crate) fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub(crate) fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

pub(crate) fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn typo(w: &str, rng: &mut Lcg) -> String {
    let mut c: Vec<char> = w.chars().collect();
    if c.len() >= 5 {
        let i = 1 + rng.next() % (c.len() - 2);
        c.swap(i, i + 1);
    }
    c.into_iter().collect()
}

/// The knowledge base at scale.
pub fn kb_scale() -> Result<(), Box<dyn std::error::Error>> {
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
    let concepts: Vec<String> = kb.concepts(Some(kb.areas_scheme().as_str()))?.into_iter().map(|c| c.iri).collect();
    let mut rng = Lcg(42);
    let mut content = |i: usize| ItemContent {
        title: format!("Pillola numero {i} sul procedimento amministrativo"),
        question: Some(format!("Come si presenta la domanda {i}?")),
        answer: format!("Risposta {i}: la domanda si presenta all'ufficio competente con il modulo previsto, entro i termini del bando."),
        keywords: vec![format!("parola{}", i % 997), "domanda".into(), "modulo".into()],
        concept: Some(concepts[rng.next() % concepts.len()].clone()),
        office: Some(kb.office_iri(&format!("UFF{:03}", rng.next() % offices)).as_str().into()),
        person: Some(kb.person_iri(&format!("M{:05}", rng.next() % 500)).as_str().into()),
        legal_references: vec!["L.R. 12/2020, art. 3".into()],
        links: vec![format!("https://www.regione.example/servizi/{i}")],
        forms: vec!["Modulo A".into()],
        level: if i.is_multiple_of(3) { Level::Advanced } else { Level::Base },
        ..Default::default()
    };

    // Bulk path (env BATCH: items per publish_bulk call, i.e. per transaction).
    let batch = env_usize("BATCH", 5_000).max(1);
    let started = Instant::now();
    let mut done = 0;
    while done < items {
        let n = batch.min(items - done);
        let chunk: Vec<(Option<String>, ItemContent)> = (done..done + n).map(|i| (None, content(i))).collect();
        kb.publish_bulk(&admin, &chunk, Some("bench"))?;
        done += n;
    }
    let bulk_secs = started.elapsed().as_secs_f64();
    println!("bulk publish: {items} items in {bulk_secs:.1} s = {:.0} items/s (batches of {batch})", items as f64 / bulk_secs);
    kb.wait_for_search(Duration::from_secs(3600))?;
    let searchable = started.elapsed().as_secs_f64();
    println!("  all of them searchable after {searchable:.1} s = {:.0} items/s including the search index", items as f64 / searchable);

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

    // Reads of one item with its office and person, once the index is idle.
    kb.wait_for_search(Duration::from_secs(3600))?;
    let today = chrono::Utc::now().date_naive();
    let total = items + api_items;
    let mut lat = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let id = format!("PIL-{:04}", 1 + rng.next() % total);
        let t = Instant::now();
        let v = kb.item_view(&id, today)?;
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(v.is_some_and(|v| v.office.is_some() && v.person.is_some()));
    }
    lat.sort_by(f64::total_cmp);
    println!("item_view at {total} items: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs", pct(&lat, 0.5), pct(&lat, 0.99), lat[lat.len() - 1]);
    println!("store: {} quads; peak RSS {:.0} MiB", kb.store().len()?, peak_rss_mib());
    Ok(())
}

/// Search at scale.
pub fn search_scale() -> Result<(), Box<dyn std::error::Error>> {
    let items = env_usize("ITEMS", 100_000);
    let people = env_usize("PEOPLE", 5_000);
    // SEARCH_BENCH_DIR keeps the generated knowledge base between runs
    // (generating 100,000 items takes minutes): a second run with the same
    // ITEMS and PEOPLE reuses it and only re-derives the texts and queries.
    let temp = tempfile::tempdir()?;
    let kept = std::env::var_os("SEARCH_BENCH_DIR").map(std::path::PathBuf::from);
    let path = kept.clone().unwrap_or_else(|| temp.path().to_owned());
    let marker = path.join(format!("bench-search-{items}-{people}.done"));
    let reuse = kept.is_some() && marker.exists();
    let kb = Kb::open(&path, KbConfig::default())?;
    let admin = Actor::new("admin", [Role::Admin]);
    let operator = Actor::new("olga", [Role::OperatorL1]);
    let mut rng = Lcg(7);
    let offices = 200;
    for o in 0..offices {
        if reuse {
            (rng.word(), rng.word(), rng.word(), rng.word());
            continue;
        }
        let w = rng.word();
        kb.upsert_office(
            &admin,
            &Office {
                code: format!("U{o:03}"),
                name: format!("Ufficio {w} {o}"),
                extension: Some(format!("{}", 3000 + o)),
                competences: Some(format!("{} {} {}", rng.word(), rng.word(), rng.word())),
                ..Default::default()
            },
        )?;
    }
    for p in 0..people {
        if reuse {
            (rng.next(), rng.next(), rng.word(), rng.word());
            continue;
        }
        kb.upsert_person(
            &admin,
            &Person {
                staff_number: format!("M{p:05}"),
                given_name: NAMES[rng.next() % NAMES.len()].into(),
                family_name: format!("{}{}", SURNAMES[rng.next() % SURNAMES.len()], if p % 3 == 0 { "" } else { "i" }),
                office: Some(format!("U{:03}", p % offices)),
                functions: Some(format!("pratiche di {} e {}", rng.word(), rng.word())),
                extension: Some(format!("{}", 5000 + p)),
                ..Default::default()
            },
        )?;
    }
    let concepts: Vec<String> = kb.concepts(Some(kb.areas_scheme().as_str()))?.into_iter().map(|c| c.iri).collect();
    let mut texts: Vec<(String, String, String)> = Vec::with_capacity(items);
    let mut done = 0;
    while done < items {
        let n = 5_000.min(items - done);
        let mut batch = Vec::with_capacity(n);
        for i in done..done + n {
            let title = format!("{} {} {} {}", rng.word(), rng.word(), rng.word(), i);
            let answer = (0..25).map(|_| rng.word()).collect::<Vec<_>>().join(" ");
            let keywords = vec![rng.word().to_owned(), rng.word().to_owned()];
            texts.push((format!("PIL-{:04}", i + 1), title.clone(), format!("{answer} {}", keywords.join(" "))));
            batch.push((
                None,
                ItemContent {
                    title,
                    answer,
                    keywords,
                    concept: Some(concepts[rng.next() % concepts.len()].clone()),
                    office: Some(kb.office_iri(&format!("U{:03}", rng.next() % offices)).as_str().into()),
                    person: Some(kb.person_iri(&format!("M{:05}", rng.next() % people)).as_str().into()),
                    level: if i % 4 == 0 { Level::Advanced } else { Level::Base },
                    valid_until: (i % 50 == 0).then(|| chrono::NaiveDate::from_ymd_opt(2025, 1, 31)).flatten(),
                    ..Default::default()
                },
            ));
        }
        if !reuse {
            kb.publish_bulk(&admin, &batch, None)?;
        }
        done += n;
    }
    kb.wait_for_search(Duration::from_secs(600))?;
    if kept.is_some() && !reuse {
        std::fs::write(&marker, b"")?;
    }
    // QUICK=1 measures the queries only (for comparing two builds on a kept
    // knowledge base): no index build, freshness or peer.
    let quick = std::env::var("QUICK").is_ok_and(|v| v == "1");
    if !quick {
        let t = Instant::now();
        let docs = kb.reindex()?;
        println!("index build: {docs} documents ({items} items, {people} people, {offices} offices) in {:.1} s", t.elapsed().as_secs_f64());
    }

    // Query set: 1–4 words, a fifth with a typo, a fifth as-you-type prefixes, some names.
    let mut queries: Vec<(String, bool)> = Vec::new();
    for i in 0..2_000 {
        let n = 1 + rng.next() % 4;
        let mut words: Vec<String> = (0..n).map(|_| rng.word().to_owned()).collect();
        let prefix = i % 5 == 1;
        if i % 5 == 0 {
            let w = words[0].clone();
            words[0] = typo(&w, &mut rng);
        }
        if prefix {
            let last = words.pop().unwrap_or_default();
            let keep = (last.chars().count() / 2).max(2);
            words.push(last.chars().take(keep).collect());
        }
        if i % 10 == 3 {
            words = vec![SURNAMES[rng.next() % SURNAMES.len()].to_owned()];
        }
        queries.push((words.join(" "), prefix));
    }
    let mut lat = Vec::with_capacity(queries.len());
    let mut by_kind: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    let mut slowest: Vec<(f64, String)> = Vec::new();
    for (i, (text, prefix)) in queries.iter().enumerate() {
        let q = SearchQuery { as_you_type: *prefix, ..SearchQuery::new(text.clone()) };
        let t = Instant::now();
        let r = kb.search(&operator, &q)?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        lat.push(ms);
        std::hint::black_box(r);
        let kind = match i % 10 {
            3 => "surname",
            0 | 5 => "typo",
            1 | 6 => "prefix",
            _ => "plain",
        };
        by_kind.entry(kind).or_default().push(ms);
        slowest.push((ms, text.clone()));
    }
    lat.sort_by(f64::total_cmp);
    for (kind, l) in &mut by_kind {
        l.sort_by(f64::total_cmp);
        println!("  {kind:<8} {:>5} queries: p50 {:.2} ms, p99 {:.2} ms", l.len(), pct(l, 0.5), pct(l, 0.99));
    }
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("  slowest: {}", slowest.iter().take(5).map(|(ms, t)| format!("{t:?} {ms:.1} ms")).collect::<Vec<_>>().join(", "));
    println!(
        "query latency ({} queries, single thread): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat[lat.len() - 1]
    );

    if quick {
        return Ok(());
    }
    // Freshness: publish, then poll until found.
    let publisher = Actor::new("paola", [Role::Publisher]);
    let approver = Actor::new("andrea", [Role::Approver]);
    let mut fresh = Vec::new();
    // Unique per run, so that a kept knowledge base holds no earlier match.
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    for i in 0..30 {
        let marker = format!("zqx{i}marker{run}");
        let c = ItemContent {
            title: format!("Novità {marker}"),
            answer: "Testo.".into(),
            concept: Some(concepts[0].clone()),
            ..Default::default()
        };
        let id = kb.create_item(&publisher, &c)?;
        kb.submit_item(&publisher, &id, None)?;
        kb.approve_item(&approver, &id, None)?;
        let t = Instant::now();
        loop {
            let r = kb.search(&operator, &SearchQuery { kinds: vec![HitKind::Item], ..SearchQuery::new(marker.clone()) })?;
            if r.hits.iter().any(|h| h.id == id) {
                break;
            }
            if t.elapsed() > Duration::from_secs(5) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        fresh.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    fresh.sort_by(f64::total_cmp);
    println!("publish → found: p50 {:.0} ms, p99 {:.0} ms", pct(&fresh, 0.5), pct(&fresh, 0.99));
    println!("peak RSS {:.0} MiB", peak_rss_mib());

    // Peer: SQLite FTS5 (accent folding, no stemming, OR of the words).
    let peer_dir = tempfile::tempdir()?;
    let docs_path = peer_dir.path().join("docs.tsv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&docs_path)?);
    for (id, title, body) in &texts {
        writeln!(f, "{id}\t{title}\t{body}")?;
    }
    f.flush()?;
    let queries_path = peer_dir.path().join("queries.tsv");
    std::fs::write(&queries_path, queries.iter().map(|(q, p)| format!("{q}\t{}\n", u8::from(*p))).collect::<String>())?;
    let script = peer_dir.path().join("fts5_peer.py");
    std::fs::write(&script, FTS5_PEER)?;
    match std::process::Command::new("python3").arg(&script).arg(&docs_path).arg(&queries_path).output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            print!("SQLite FTS5 peer: {text}");
            if let Some(p99) = text.split("p99 ").nth(1).and_then(|s| s.split(' ').next()).and_then(|s| s.parse::<f64>().ok()) {
                println!("ratio peer p99 / centralino p99: {:.1}x", p99 / pct(&lat, 0.99));
            }
        }
        Ok(out) => println!("SQLite FTS5 peer failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("SQLite FTS5 peer not run: {e}"),
    }
    Ok(())
}
