//! `centralino bench import`: import and export at scale (issue 3).
//!
//! Generates a KB workbook of `ROWS` rows (default 100,000) in the
//! administration's layout, imports it into an empty knowledge base (one
//! transaction, published, search index included), reports rows per second
//! and peak resident memory (VmHWM), re-imports it (all unchanged), then
//! times the exports to xlsx and to TriG. When python3 has openpyxl and
//! rdflib, runs a straightforward Python pipeline (openpyxl reads the same
//! file, rdflib writes the same item triples as TriG) and prints the ratio.
#![allow(clippy::unwrap_used, clippy::expect_used)]

const PYTHON_PEER: &str = include_str!("import_peer.py");

use kb::{Actor, Graph, Kb, KbConfig, Office, Person};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const AREAS: &[(&str, &str)] = &[
    ("Tributi", "Tassa automobilistica"),
    ("Tributi", "IRAP"),
    ("Sanità", "Medico di base"),
    ("Sanità", "Esenzioni ticket"),
    ("Agricoltura", "Contributi agricoli"),
    ("Lavoro e formazione", "Formazione professionale"),
    ("Trasporti", "Trasporto pubblico locale"),
    ("Casa e sociale", "Edilizia residenziale pubblica"),
    ("Ambiente e territorio", "Caccia"),
    ("Amministrazione", "Protocollo"),
];

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn generate(path: &Path, rows: usize) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Pillole").unwrap();
    sheet.write_string(0, 0, "Base di conoscenza - estrazione").unwrap();
    let headers = importers::HANDOVER_KB_HEADERS;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for i in 0..rows {
        let r = i as u32 + 3;
        let (area, sub) = AREAS[i % AREAS.len()];
        let n = i + 1;
        sheet.write_string(r, 0, format!("PIL-{n:06}")).unwrap();
        sheet.write_string(r, 1, area).unwrap();
        sheet.write_string(r, 2, sub).unwrap();
        sheet.write_string(r, 3, format!("Pillola numero {n}: come presentare la domanda {}", n % 97)).unwrap();
        sheet.write_string(r, 4, format!("Come faccio per la pratica {n}?")).unwrap();
        sheet
            .write_string(r, 5, format!("Per la pratica {n} il cittadino presenta la domanda online sul portale regionale, allegando il documento di identità. Tempi: {} giorni.\nPer informazioni chiamare l'ufficio.", 10 + n % 50))
            .unwrap();
        sheet.write_string(r, 6, format!("pratica {n}; domanda, modulo\nportale")).unwrap();
        sheet.write_string(r, 7, format!("Ufficio {}", i % 5)).unwrap();
        sheet.write_string(r, 8, format!("Nome{} Cognome{}", i % 5, i % 5)).unwrap();
        sheet.write_string(r, 9, format!("0874 42{:04}", i % 5)).unwrap();
        sheet.write_string(r, 10, format!("L.R. {}/2020, art. {}", n % 40, n % 9)).unwrap();
        sheet.write_string(r, 11, format!("https://www.regione.example.it/pratiche/{n}")).unwrap();
        sheet.write_string(r, 12, "Modulo di domanda").unwrap();
        if n % 10 == 0 {
            sheet.write_string(r, 13, format!("{:02}/0{}/2025", 1 + n % 28, 1 + n % 9)).unwrap();
        } else {
            let d = ExcelDateTime::from_ymd(2025, 1 + (n % 12) as u8, 1 + (n % 28) as u8).unwrap();
            sheet.write_datetime_with_format(r, 13, d, &date).unwrap();
        }
        if n % 7 == 0 {
            let d = ExcelDateTime::from_ymd(2030, 12, 31).unwrap();
            sheet.write_datetime_with_format(r, 14, d, &date).unwrap();
        }
        sheet.write_string(r, 15, if n % 3 == 0 { "Avanzata" } else { "Base" }).unwrap();
    }
    book.save(path).unwrap();
}

fn python_peer_available() -> bool {
    Command::new("python3").args(["-c", "import openpyxl, rdflib"]).output().is_ok_and(|o| o.status.success())
}

/// Import and export at scale.
pub fn import_scale() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::var("ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("pillole.xlsx");
    let t = Instant::now();
    generate(&xlsx, rows);
    let size = std::fs::metadata(&xlsx).unwrap().len();
    println!("generated {rows} rows in {:.1} s ({:.1} MB)", t.elapsed().as_secs_f64(), size as f64 / 1e6);

    let kb = Kb::open(dir.path().join("data"), KbConfig::default()).unwrap();
    let admin = Actor::system();
    for o in 0..5 {
        kb.upsert_office(
            &admin,
            &Office { code: format!("U{o}"), name: format!("Ufficio {o}"), phone: Some(format!("0874 42{o:04}")), ..Default::default() },
        )
        .unwrap();
        kb.upsert_person(
            &admin,
            &Person {
                staff_number: format!("{o}"),
                given_name: format!("Nome{o}"),
                family_name: format!("Cognome{o}"),
                office: Some(format!("U{o}")),
                extension: Some(format!("0874 42{o:04}")),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let rss_before = peak_rss_kib();
    let opts = importers::KbImportOptions { max_bytes: 1 << 30, ..Default::default() };
    let t = Instant::now();
    let report = importers::import_kb(&kb, &admin, &xlsx, &opts, &mut |_| {}).unwrap();
    let import_s = t.elapsed().as_secs_f64();
    assert_eq!(report.count(importers::Outcome::Created), rows, "{}", report.render(false));
    kb.wait_for_search(std::time::Duration::from_secs(3600)).unwrap();
    let searchable_s = t.elapsed().as_secs_f64();
    println!(
        "import: {rows} rows in {import_s:.1} s = {:.0} rows/s into the graph; searchable after {searchable_s:.1} s = {:.0} rows/s with the search index; peak RSS {:.0} MiB (before import {:.0} MiB)",
        rows as f64 / import_s,
        rows as f64 / searchable_s,
        peak_rss_kib() as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );

    let t = Instant::now();
    let again = importers::import_kb(&kb, &admin, &xlsx, &opts, &mut |_| {}).unwrap();
    assert_eq!(again.count(importers::Outcome::Unchanged), rows);
    println!("re-import (all unchanged): {:.1} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let out = dir.path().join("export.xlsx");
    let stats = importers::export_kb_xlsx(&kb, &out).unwrap();
    println!("export to xlsx: {} rows in {:.1} s", stats.rows, t.elapsed().as_secs_f64());

    let t = Instant::now();
    let trig = dir.path().join("export.trig");
    let quads = importers::export_rdf(&kb, &admin.roles, &[Graph::KbPublished], importers::RdfSyntax::TriG, &trig).unwrap();
    let trig_s = t.elapsed().as_secs_f64();
    println!("export to TriG (kb/published): {quads} quads in {trig_s:.1} s");
    println!("peak RSS at the end: {:.0} MiB", peak_rss_kib() as f64 / 1024.0);

    if python_peer_available() {
        let script = dir.path().join("python_peer.py");
        std::fs::write(&script, PYTHON_PEER).unwrap();
        let t = Instant::now();
        let out = Command::new("python3").arg(script).arg(&xlsx).arg(dir.path().join("peer.trig")).output().unwrap();
        let py_s = t.elapsed().as_secs_f64();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        print!("python peer: {}", String::from_utf8_lossy(&out.stdout));
        let rust_s = import_s + trig_s;
        println!(
            "python peer (openpyxl read + rdflib TriG): {py_s:.1} s; centralino (import into the store + TriG export): {rust_s:.1} s; ratio python/centralino = {:.1}",
            py_s / rust_s
        );
    } else {
        println!("python peer skipped: python3 with openpyxl and rdflib not found (pip install -r importers/tests/requirements.txt)");
    }
    Ok(())
}
