//! Shared helpers of the importers tests: an isolated knowledge base with
//! a small organisation chart, and workbooks generated in memory.
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use kb::{Actor, Kb, KbConfig, Office, Person};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Url, Workbook};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// An isolated knowledge base in a temporary data directory.
pub struct TestKb {
    /// Holds the data directory and generated files.
    pub dir: TempDir,
    /// The knowledge base.
    pub kb: Kb,
    /// The built-in administrator.
    pub admin: Actor,
}

impl TestKb {
    /// A fresh knowledge base with the seeded classification scheme and
    /// no organisation chart.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let kb = Kb::open(dir.path().join("data"), KbConfig::default()).expect("open kb");
        TestKb { dir, kb, admin: Actor::system() }
    }

    /// A fresh knowledge base with two offices and two people.
    pub fn new() -> Self {
        let t = Self::empty();
        for (code, name, parent, phone) in [
            ("D1", "Dipartimento Risorse finanziarie", None, None),
            ("D1S1", "Ufficio Tassa automobilistica", Some("D1"), Some("0874 429162")),
            ("D2", "Ufficio Rapporti con ASREM e CUP", None, Some("0874 429241")),
        ] {
            t.kb.upsert_office(
                &t.admin,
                &Office {
                    code: code.into(),
                    name: name.into(),
                    parent: parent.map(Into::into),
                    phone: phone.map(Into::into),
                    ..Default::default()
                },
            )
            .expect("office");
        }
        for (n, given, family, office, ext) in
            [("20113", "Niccolò", "De Angelis", "D1S1", "0874 429162"), ("20457", "Michele", "Di Sandro", "D2", "0874 429241")]
        {
            t.kb.upsert_person(
                &t.admin,
                &Person {
                    staff_number: n.into(),
                    given_name: given.into(),
                    family_name: family.into(),
                    office: Some(office.into()),
                    extension: Some(ext.into()),
                    email: Some(format!("{}@example.org", n)),
                    ..Default::default()
                },
            )
            .expect("person");
        }
        t
    }

    /// A path in the temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Number of quads in the whole store.
    pub fn quads(&self) -> usize {
        self.kb.store().len().expect("len")
    }

    /// Every quad of the store, sorted as text (to check "unchanged").
    pub fn snapshot(&self) -> Vec<String> {
        let mut v: Vec<String> = self.kb.store().iter().map(|q| q.expect("quad").to_string()).collect();
        v.sort();
        v
    }
}

/// A cell of a generated workbook.
#[derive(Clone)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Text.
    S(&'static str),
    /// Owned text.
    T(String),
    /// A number.
    N(f64),
    /// A boolean.
    B(bool),
    /// A date cell (dd/mm/yyyy format).
    D(u16, u8, u8),
    /// A hyperlink with display text.
    Link(&'static str, &'static str),
    /// A formula with its cached result.
    F(&'static str, &'static str),
}

pub use Cell::*;

/// Writes a workbook with one sheet per (name, rows) and returns its path.
pub fn workbook(dir: &Path, file: &str, sheets: &[(&str, Vec<Vec<Cell>>)]) -> PathBuf {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Empty => {}
                    S(s) => {
                        sheet.write_string(r, c, *s).unwrap();
                    }
                    T(s) => {
                        sheet.write_string(r, c, s).unwrap();
                    }
                    N(n) => {
                        sheet.write_number(r, c, *n).unwrap();
                    }
                    B(b) => {
                        sheet.write_boolean(r, c, *b).unwrap();
                    }
                    D(y, m, d) => {
                        sheet.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date).unwrap();
                    }
                    Link(url, text) => {
                        sheet.write_url_with_text(r, c, Url::new(*url), *text).unwrap();
                    }
                    F(f, result) => {
                        sheet.write_formula(r, c, Formula::new(*f).set_result(*result)).unwrap();
                    }
                }
            }
        }
    }
    let path = dir.join(file);
    book.save(&path).unwrap();
    path
}

/// The headers of the administration's KB workbook.
pub fn fixture_headers() -> Vec<Cell> {
    importers::HANDOVER_KB_HEADERS.into_iter().map(S).collect()
}

/// A data row in the administration's layout.
#[allow(clippy::too_many_arguments)]
pub fn pill(
    code: &'static str,
    area: &'static str,
    sub: &'static str,
    title: &'static str,
    answer: &'static str,
    keywords: &'static str,
    office: &'static str,
    person: &'static str,
) -> Vec<Cell> {
    vec![
        S(code),
        S(area),
        S(sub),
        S(title),
        S("Domanda?"),
        S(answer),
        S(keywords),
        S(office),
        S(person),
        Empty,
        S("L. 1/2000"),
        Empty,
        Empty,
        D(2025, 2, 7),
        Empty,
        S("Base"),
    ]
}

/// Options for a published import that never reports items as expired.
pub fn opts() -> importers::KbImportOptions {
    importers::KbImportOptions { today: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(), ..Default::default() }
}

/// Imports a KB workbook with `opts`, without progress output.
pub fn import(t: &TestKb, path: &Path, opts: &importers::KbImportOptions) -> importers::Result<importers::ImportReport> {
    importers::import_kb(&t.kb, &t.admin, path, opts, &mut |_| {})
}

/// The messages of the notes of the report's row `row`.
pub fn notes(report: &importers::ImportReport, row: u32) -> Vec<String> {
    report
        .rows
        .iter()
        .filter(|r| r.row == row)
        .flat_map(|r| r.notes.iter().map(|n| format!("{}: {}", n.column.clone().unwrap_or_default(), n.message)))
        .collect()
}

/// The outcome of the report's row `row`.
pub fn outcome(report: &importers::ImportReport, row: u32) -> Option<importers::Outcome> {
    report.rows.iter().find(|r| r.row == row).map(|r| r.outcome)
}
