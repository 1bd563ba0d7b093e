//! The vCard export read back by an independent parser (Python `vobject`):
//! same names, phones and e-mail addresses. Skipped when python3 or vobject
//! is missing, unless CENTRALINO_REQUIRE_PYTHON_TOOLS=1 (as in CI).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use kb::{Office, Person};
use std::process::Command;

fn python_has_vobject() -> bool {
    Command::new("python3").args(["-c", "import vobject"]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn vobject_reads_the_same_names_phones_and_emails() {
    if !python_has_vobject() {
        assert!(
            std::env::var("CENTRALINO_REQUIRE_PYTHON_TOOLS").as_deref() != Ok("1"),
            "python3 with vobject is required (pip install -r importers/tests/requirements.txt)"
        );
        eprintln!("skipped: python3 with vobject is not available");
        return;
    }
    let t = TestKb::new();
    // Values that need escaping and folding.
    t.kb.upsert_office(
        &t.admin,
        &Office {
            code: "D9".into(),
            name: "Servizio Agricoltura, caccia; pesca — sede di Isernia".into(),
            email: Some("agricoltura@example.org".into()),
            pec: Some("agricoltura@pec.example.org".into()),
            phone: Some("+39 0865 123456".into()),
            site: Some("Via Roma 1, Isernia".into()),
            competences: Some(
                "Contributi agricoli, calamità naturali, fauna selvatica e danni alle colture: istruttoria e liquidazione".into(),
            ),
            ..Default::default()
        },
    )
    .unwrap();
    t.kb.upsert_person(
        &t.admin,
        &Person {
            staff_number: "30001".into(),
            given_name: "Maria Grazia".into(),
            family_name: "D'Alessandro".into(),
            office: Some("D9".into()),
            extension: Some("0865 429300".into()),
            email: Some("mg.dalessandro@example.org".into()),
            title: Some("Funzionaria".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let vcf = t.path("rubrica.vcf");
    let n = importers::export_vcard(&t.kb, &vcf).unwrap();
    let offices = t.kb.offices().unwrap();
    let people = t.kb.people().unwrap();
    assert_eq!(n, offices.len() + people.len());
    let out = Command::new("python3").arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/read_vcards.py")).arg(&vcf).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cards: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cards.len(), n);
    for o in &offices {
        let card = cards.iter().find(|c| c["fn"] == o.name.as_str()).unwrap_or_else(|| panic!("no card for {}", o.name));
        assert_eq!(card["version"], "4.0");
        let mut tel: Vec<String> = o.phone.iter().chain(&o.extension).cloned().collect();
        tel.sort();
        assert_eq!(card["tel"], serde_json::json!(tel), "{}", o.name);
        let mut mail: Vec<String> = o.email.iter().chain(&o.pec).cloned().collect();
        mail.sort();
        assert_eq!(card["email"], serde_json::json!(mail), "{}", o.name);
    }
    for p in &people {
        let card = cards.iter().find(|c| c["fn"] == p.full_name().as_str()).unwrap_or_else(|| panic!("no card for {}", p.full_name()));
        assert_eq!(card["family"], p.family_name.as_str());
        assert_eq!(card["given"], p.given_name.as_str());
        assert_eq!(card["tel"], serde_json::json!(p.extension.iter().collect::<Vec<_>>()));
        assert_eq!(card["email"], serde_json::json!(p.email.iter().collect::<Vec<_>>()));
    }
}
