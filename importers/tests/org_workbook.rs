//! Organisation chart import: hierarchy written parents first, people
//! linked to offices by code or name, report, dry run and idempotence.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use importers::{OrgImportOptions, Outcome};

fn org_workbook(t: &TestKb) -> std::path::PathBuf {
    let offices = vec![
        vec![S("Organigramma")],
        ["Codice struttura", "Denominazione", "Tipo", "Struttura padre", "Responsabile", "Email", "PEC", "Telefono", "Sede", "Competenze"]
            .map(S)
            .to_vec(),
        // A child before its parent, and a grandchild before both.
        vec![
            S("P01S1"),
            S("Ufficio URP"),
            S("Ufficio"),
            S("P01"),
            Empty,
            S("urp@example.org"),
            Empty,
            S("0874 429113"),
            S("Via Genova 11, Campobasso"),
            S("Relazioni con il pubblico"),
        ],
        vec![S("P01"), S("Servizio Comunicazione"), S("Servizio"), S("P00"), S("Paola Ricciardi"), Empty, Empty, Empty, Empty, Empty],
        vec![
            S("P00"),
            S("Presidenza"),
            S("Dipartimento"),
            Empty,
            Empty,
            S("presidenza@example.org"),
            S("regione@pec.example.org"),
            S("0874 429104"),
            Empty,
            Empty,
        ],
        vec![],
        vec![S("X1"), S("Orfano"), S("Ufficio"), S("NOPE"), Empty, Empty, Empty, Empty, Empty, Empty],
        vec![S("C1"), S("Ciclo uno"), S("Ufficio"), S("C2"), Empty, Empty, Empty, Empty, Empty, Empty],
        vec![S("C2"), S("Ciclo due"), S("Ufficio"), S("C1"), Empty, Empty, Empty, Empty, Empty, Empty],
        vec![S("P00"), S("Presidenza bis"), Empty, Empty, Empty, Empty, Empty, Empty, Empty, Empty],
    ];
    let people = vec![
        ["Matricola", "Cognome", "Nome", "Struttura", "Qualifica", "Funzioni", "Interno", "Email", "Stanza"].map(S).to_vec(),
        vec![
            S("20113"),
            S("Venditti"),
            S("Maurizio"),
            S("P01S1"),
            S("Funzionario"),
            S("Risponde al pubblico"),
            S("0874 429155"),
            S("m.venditti@example.org"),
            S("Piano 3, stanza 39"),
        ],
        vec![S("20114"), S("Cerio"), S("Alessandra"), S("Servizio Comunicazione"), S("Dirigente"), Empty, N(4291.0), Empty, Empty],
        vec![S("20115"), S("Rossi"), S("Mario"), S("Ufficio inesistente"), Empty, Empty, Empty, Empty, Empty],
        vec![S("20116"), Empty, Empty, S("P00"), Empty, Empty, Empty, Empty, Empty],
    ];
    workbook(t.dir.path(), "organigramma.xlsx", &[("Strutture", offices), ("Personale", people)])
}

#[test]
fn structures_parents_first_and_people_with_report() {
    let t = TestKb::empty();
    let path = org_workbook(&t);
    let o = OrgImportOptions::default();
    let before = t.snapshot();
    let dry = importers::import_org(&t.kb, &t.admin, &path, &OrgImportOptions { dry_run: true, ..o.clone() }, &mut |_| {}).unwrap();
    assert_eq!(t.snapshot(), before);
    let report = importers::import_org(&t.kb, &t.admin, &path, &o, &mut |_| {}).unwrap();
    assert_eq!(dry.rows, report.rows);
    let by_id = |id: &str| report.rows.iter().find(|r| r.id.as_deref() == Some(id)).unwrap();
    for code in ["P00", "P01", "P01S1", "20113", "20114", "20115"] {
        assert_eq!(by_id(code).outcome, Outcome::Created, "{code}: {}", report.render(true));
    }
    let notes_of = |id: &str| {
        report
            .rows
            .iter()
            .filter(|r| r.id.as_deref() == Some(id))
            .flat_map(|r| r.notes.iter().map(|n| n.message.clone()))
            .collect::<Vec<_>>()
    };
    assert!(notes_of("X1").iter().any(|m| m.contains("parent NOPE is neither in the file nor in the organisation chart")));
    assert!(notes_of("C1").iter().any(|m| m.contains("cycle")) || notes_of("C2").iter().any(|m| m.contains("cycle")));
    assert!(notes_of("P00").iter().any(|m| m.contains("duplicate structure code P00: first at row 5")));
    assert!(notes_of("20115").iter().any(|m| m.contains("unknown office \"Ufficio inesistente\"")));
    assert_eq!(outcome(&report, 6), Some(Outcome::Skipped));
    assert!(report.rows.iter().any(|r| r.row == 5 && r.sheet == "Personale" && r.outcome == Outcome::Rejected));

    let urp = t.kb.office_by_iri(t.kb.office_iri("P01S1").as_str()).unwrap().unwrap();
    assert_eq!(urp.parent.as_deref(), Some("P01"));
    assert_eq!(urp.site.as_deref(), Some("Via Genova 11, Campobasso"));
    let p = t.kb.person_by_iri(t.kb.person_iri("20114").as_str()).unwrap().unwrap();
    assert_eq!(p.office.as_deref(), Some("P01"), "office given by name");
    assert_eq!(p.extension.as_deref(), Some("4291"));

    let after = t.snapshot();
    let again = importers::import_org(&t.kb, &t.admin, &path, &o, &mut |_| {}).unwrap();
    assert_eq!(again.count(Outcome::Created) + again.count(Outcome::Updated), 0, "{}", again.render(true));
    assert_eq!(t.snapshot(), after);
}

#[test]
fn a_changed_chart_updates_with_an_audit_trail() {
    let t = TestKb::empty();
    let path = org_workbook(&t);
    importers::import_org(&t.kb, &t.admin, &path, &OrgImportOptions::default(), &mut |_| {}).unwrap();
    let offices = vec![
        ["Codice struttura", "Denominazione", "Struttura padre"].map(S).to_vec(),
        vec![S("P01S1"), S("Ufficio Relazioni con il pubblico"), S("P01")],
    ];
    let p = workbook(t.dir.path(), "nuovo.xlsx", &[("Strutture", offices)]);
    let report = importers::import_org(&t.kb, &t.admin, &p, &OrgImportOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.count(Outcome::Updated), 1, "{}", report.render(true));
    let urp = t.kb.office_by_iri(t.kb.office_iri("P01S1").as_str()).unwrap().unwrap();
    assert_eq!(urp.name, "Ufficio Relazioni con il pubblico");
    let audit =
        t.kb.query(
            &kb::RoleSet::new([kb::Role::Admin]),
            "PREFIX cc: <https://w3id.org/centralino/ontology#> SELECT (COUNT(*) AS ?n) WHERE { ?a cc:activityKind \"update-office\" }",
        )
        .unwrap();
    let csv = String::from_utf8(audit.write_results(kb::oxigraph::sparql::results::QueryResultsFormat::Csv).unwrap()).unwrap();
    assert!(csv.contains("\n1"), "{csv}");
}
