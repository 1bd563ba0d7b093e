//! The administration's handover files in `../shared/fixtures` (not part
//! of the repository): the organisation chart loads, every valid row of the
//! KB workbook loads, and the report names every defect the fixtures README
//! lists. Runs only when CENTRALINO_SHARED_FIXTURES names that folder
//! (`.ci/run` sets it when `../shared` exists); skipped otherwise.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use importers::{KbImportOptions, Outcome};
use std::path::PathBuf;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CENTRALINO_SHARED_FIXTURES")?);
    assert!(dir.join("kb/pillole-sample.xlsx").exists(), "CENTRALINO_SHARED_FIXTURES={} has no kb/pillole-sample.xlsx", dir.display());
    Some(dir)
}

fn row_notes(r: &importers::ImportReport, row: u32) -> String {
    r.rows
        .iter()
        .filter(|x| x.row == row && x.sheet == "Pillole")
        .flat_map(|x| x.notes.iter().map(|n| format!("{} {}", n.column.clone().unwrap_or_default(), n.message)))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn id_notes(r: &importers::ImportReport, id: &str) -> String {
    r.rows
        .iter()
        .filter(|x| x.id.as_deref() == Some(id))
        .flat_map(|x| x.notes.iter().map(|n| n.message.clone()))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn the_handover_files_load_and_every_listed_defect_is_reported() {
    let Some(dir) = fixtures() else {
        eprintln!("skipped: set CENTRALINO_SHARED_FIXTURES to ../shared/fixtures");
        return;
    };
    let t = TestKb::empty();
    let org = importers::import_org(&t.kb, &t.admin, &dir.join("org/organigramma.xlsx"), &Default::default(), &mut |_| {}).unwrap();
    assert_eq!(org.count(Outcome::Created), 47 + 115, "{}", org.render(true));
    assert_eq!(org.count(Outcome::Rejected), 0);

    // Extraction date of the sample: items expired before it.
    let o = KbImportOptions { today: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(), ..Default::default() };
    let r = import(&t, &dir.join("kb/pillole-sample.xlsx"), &o).unwrap();
    // 140 items; PIL-0141 (empty answer) and the second PIL-0057 are rejected.
    assert_eq!(r.count(Outcome::Created), 140, "{}", r.render(true));
    assert_eq!(r.count(Outcome::Rejected), 2, "{}", r.render(true));
    assert!(r.file_notes.iter().any(|n| n.message.contains("header in row 3")));
    for row in [44, 95] {
        assert_eq!(outcome(&r, row), Some(Outcome::Skipped), "row {row}");
        assert!(row_notes(&r, row).contains("blank row"));
    }
    assert!(row_notes(&r, 146).contains("duplicate code PIL-0057: first at row 61"), "{}", row_notes(&r, 146));
    assert_eq!(outcome(&r, 146), Some(Outcome::Rejected));
    assert!(row_notes(&r, 147).contains("missing answer"), "{}", row_notes(&r, 147));
    assert!(row_notes(&r, 18).contains("title had leading or trailing spaces"));
    assert!(row_notes(&r, 26).contains("keywords separated by line breaks"));
    assert!(row_notes(&r, 107).contains("unknown office \"Ufficio Politiche giovanili e servizio civile\""));
    for id in ["PIL-0017", "PIL-0034", "PIL-0051", "PIL-0068", "PIL-0085", "PIL-0102", "PIL-0119", "PIL-0136"] {
        assert!(id_notes(&r, id).contains("date typed as text (dd/mm/yyyy)"), "{id}: {}", id_notes(&r, id));
    }
    for id in ["PIL-0037", "PIL-0070", "PIL-0086"] {
        assert!(id_notes(&r, id).contains("expired: valid until"), "{id}: {}", id_notes(&r, id));
    }
    // Hyperlink cells and text links alike.
    assert!(!t.kb.published_item("PIL-0003").unwrap().unwrap().content.links.is_empty());
    // Idempotence on the real file.
    let again = import(&t, &dir.join("kb/pillole-sample.xlsx"), &o).unwrap();
    assert_eq!(again.count(Outcome::Unchanged), 140, "{}", again.render(true));
}
