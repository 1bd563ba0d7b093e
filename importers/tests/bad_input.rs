//! Bad input: each gives a clear error naming file, sheet, row, column or
//! line, and the graph is unchanged.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use importers::{Error, KbImportOptions, Outcome, RdfImportOptions};
use std::io::Write;

/// Runs a KB import that must fail, checks the graph is unchanged and
/// returns the error message.
fn fails(t: &TestKb, path: &std::path::Path, o: &KbImportOptions) -> String {
    let before = t.snapshot();
    let err = import(t, path, o).err().expect("the import must fail");
    assert_eq!(t.snapshot(), before, "graph changed after: {err}");
    err.to_string()
}

#[test]
fn a_text_file_is_not_a_workbook() {
    let t = TestKb::new();
    let p = t.path("pillole.xlsx");
    std::fs::write(&p, "Cod. Pillola;Titolo\nPIL-0001;Bollo\n").unwrap();
    let msg = fails(&t, &p, &opts());
    assert!(msg.contains("pillole.xlsx") && msg.contains("not an Excel workbook") && msg.contains("text file"), "{msg}");
}

#[test]
fn an_encrypted_workbook_is_named_as_such() {
    let t = TestKb::new();
    let p = t.path("segreto.xlsx");
    // An encrypted OOXML file is a compound file with these streams.
    let mut comp = cfb::create(&p).unwrap();
    comp.create_stream("EncryptionInfo").unwrap().write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0]).unwrap();
    comp.create_stream("EncryptedPackage").unwrap().write_all(&[0u8; 64]).unwrap();
    comp.flush().unwrap();
    drop(comp);
    let msg = fails(&t, &p, &opts());
    assert!(msg.contains("segreto.xlsx") && msg.contains("encrypted"), "{msg}");
}

#[test]
fn a_corrupt_workbook_is_refused() {
    let t = TestKb::new();
    let good =
        workbook(t.dir.path(), "good.xlsx", &[("P", vec![fixture_headers(), pill("PIL-0001", "Tributi", "", "T", "R", "", "", "")])]);
    let bytes = std::fs::read(&good).unwrap();
    let p = t.path("rotto.xlsx");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let msg = fails(&t, &p, &opts());
    assert!(msg.contains("rotto.xlsx") && msg.contains("not an Excel workbook"), "{msg}");
}

#[test]
fn a_workbook_without_headers_names_what_was_searched() {
    let t = TestKb::new();
    let p = workbook(t.dir.path(), "numeri.xlsx", &[("Foglio1", vec![vec![N(1.0), N(2.0)], vec![S("a"), S("b")]])]);
    let msg = fails(&t, &p, &opts());
    assert!(msg.contains("numeri.xlsx") && msg.contains("no recognisable header") && msg.contains("Foglio1"), "{msg}");
}

#[test]
fn files_over_the_limit_are_refused_before_parsing() {
    let t = TestKb::new();
    let p = t.path("grande.xlsx");
    // Not even a workbook: the size check comes first.
    std::fs::write(&p, vec![b'x'; 4096]).unwrap();
    let msg = fails(&t, &p, &KbImportOptions { max_bytes: 1000, ..opts() });
    assert!(msg.contains("grande.xlsx") && msg.contains("4096 bytes") && msg.contains("--max-bytes"), "{msg}");
}

#[test]
fn a_hundred_thousand_character_cell_rejects_its_row_by_column() {
    let t = TestKb::new();
    let rows = vec![
        ["Codice", "Area", "Titolo", "Risposta"].map(S).to_vec(),
        // rust_xlsxwriter refuses to write such a string; a formula's cached
        // result is not checked, which is how a tampered file gets one.
        vec![S("PIL-0001"), S("Tributi"), S("Enorme"), F("=REPT(\"x\",100000)", Box::leak("x".repeat(100_000).into_boxed_str()))],
        vec![S("PIL-0002"), S("Tributi"), S("Normale"), S("Risposta.")],
    ];
    let p = workbook(t.dir.path(), "enorme.xlsx", &[("P", rows)]);
    let report = import(&t, &p, &opts()).unwrap();
    assert_eq!(outcome(&report, 2), Some(Outcome::Rejected));
    assert!(notes(&report, 2).iter().any(|n| n.starts_with("D (Risposta): the cell holds 100000 characters")), "{:?}", notes(&report, 2));
    assert!(t.kb.published_item("PIL-0001").unwrap().is_none());
    assert!(t.kb.published_item("PIL-0002").unwrap().is_some());
    // In strict mode the whole import is refused.
    let t = TestKb::new();
    let msg = fails(&t, &p, &KbImportOptions { strict: true, ..opts() });
    assert!(msg.contains("1 row(s) rejected"), "{msg}");
}

#[test]
fn rdf_syntax_errors_name_line_and_column() {
    let t = TestKb::new();
    let p = t.path("items.ttl");
    std::fs::write(&p, "@prefix cc: <https://w3id.org/centralino/ontology#> .\n<http://x.example/a> a cc:KnowledgeItem ;\n  cc:answer \"ok\" \n  cc:title .\n").unwrap();
    let before = t.snapshot();
    let err = importers::import_rdf(&t.kb, &t.admin, &p, &RdfImportOptions::default()).err().unwrap();
    assert_eq!(t.snapshot(), before);
    match &err {
        Error::RdfSyntax { line, column, .. } => {
            assert_eq!(*line, Some(4), "{err}");
            assert!(column.is_some(), "{err}");
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("items.ttl, line 4, column"), "{err}");
}

#[test]
fn illegal_iris_are_syntax_errors() {
    let t = TestKb::new();
    let p = t.path("items.nt");
    std::fs::write(&p, "<http://x.example/a> <http://purl.org/dc/terms/title> \"ok\" .\n<http://x.example/b c> <http://purl.org/dc/terms/title> \"no\" .\n").unwrap();
    let before = t.snapshot();
    let err = importers::import_rdf(&t.kb, &t.admin, &p, &RdfImportOptions::default()).err().unwrap();
    assert_eq!(t.snapshot(), before);
    assert!(matches!(err, Error::RdfSyntax { line: Some(2), .. }), "{err}");
}

#[test]
fn unknown_rdf_extension_is_named() {
    let t = TestKb::new();
    let p = t.path("items.csv");
    std::fs::write(&p, "a,b").unwrap();
    let err = importers::import_rdf(&t.kb, &t.admin, &p, &RdfImportOptions::default()).err().unwrap();
    assert!(err.to_string().contains("unknown RDF format \"csv\""), "{err}");
}

#[test]
fn org_import_of_a_text_file_fails_cleanly() {
    let t = TestKb::new();
    let p = t.path("organigramma.xlsx");
    std::fs::write(&p, "not a workbook").unwrap();
    let before = t.snapshot();
    let err = importers::import_org(&t.kb, &t.admin, &p, &Default::default(), &mut |_| {}).err().unwrap();
    assert_eq!(t.snapshot(), before);
    assert!(err.to_string().contains("organigramma.xlsx"), "{err}");
}
