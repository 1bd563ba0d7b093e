//! KB workbook import: header and value variants, the report, dry run,
//! idempotence, revisions, drafts and strict mode. Every workbook is
//! generated here.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use importers::{EntryState, KbImportOptions, Mapping, Outcome, Severity};
use kb::{Level, State};

/// The administration's layout: a merged title row, a blank row, headers
/// in row 3, and the defects the fixtures README lists.
fn messy_workbook(t: &TestKb) -> std::path::PathBuf {
    let mut rows = vec![
        vec![S("Base di conoscenza - estrazione")],
        vec![],
        fixture_headers(),
        pill(
            "PIL-0001",
            "Tributi",
            "Tassa automobilistica",
            "Pagare il bollo",
            "Si paga online.",
            "bollo, bollo auto; tassa",
            "Ufficio Tassa automobilistica",
            "Niccolò De Angelis",
        ),
        vec![],
        pill(
            "PIL-0002",
            "Tributi",
            "Tassa automobilistica",
            "   Titolo con spazi  ",
            "Risposta.",
            "a;b",
            "ufficio tassa AUTOMOBILISTICA",
            "De Angelis Niccolo",
        ),
        pill(
            "PIL-0003",
            "Sanità",
            "Medico di base",
            "Cambio medico",
            "Online.",
            "medico di famiglia\ndottore di base\nrevoca",
            "Ufficio Rapporti con ASREM e CUP",
            "Michele Di Sandro",
        ),
        pill(
            "PIL-0004",
            "Ambiente e territorio",
            "Caccia",
            "Danni da fauna",
            "Denuncia entro 48 ore.",
            "cinghiali",
            "Ufficio Politiche giovanili e servizio civile",
            "Biagio Farinaccio",
        ),
        pill("PIL-0001", "Tributi", "Tassa automobilistica", "Pagare il bollo (copia)", "Altro testo.", "bollo", "", ""),
        pill("PIL-0005", "Tributi", "Tassa automobilistica", "Orari estivi", "", "orari", "", ""),
    ];
    // PIL-0002: last update typed as text; PIL-0004: expired and extension.
    rows[5][13] = S("31/03/2025");
    rows[7][14] = D(2024, 6, 28);
    rows[7][9] = S("0874 000000");
    rows[3][11] = Link("https://example.org/bollo", "Portale tributi");
    workbook(t.dir.path(), "pillole.xlsx", &[("Pillole", rows), ("Legenda", vec![vec![S("Questo foglio spiega le colonne.")]])])
}

#[test]
fn messy_layout_loads_valid_rows_and_reports_every_defect() {
    let t = TestKb::new();
    let path = messy_workbook(&t);
    let report = import(&t, &path, &opts()).unwrap();
    assert_eq!(report.count(Outcome::Created), 4, "{}", report.render(true));
    assert_eq!(outcome(&report, 5), Some(Outcome::Skipped));
    assert!(notes(&report, 5).iter().any(|n| n.contains("blank row")));
    // Duplicate code: the first occurrence wins, the second is rejected.
    assert_eq!(outcome(&report, 9), Some(Outcome::Rejected));
    assert!(
        notes(&report, 9).iter().any(|n| n.contains("duplicate code PIL-0001: first at row 4 (different content)")),
        "{:?}",
        notes(&report, 9)
    );
    // Empty answer.
    assert_eq!(outcome(&report, 10), Some(Outcome::Rejected));
    assert!(notes(&report, 10).iter().any(|n| n.starts_with("F (Risposta (testo per l'operatore)): missing answer")));
    // Trimmed title, text date, newline keywords, unknown office, expiry, extension.
    assert!(notes(&report, 6).iter().any(|n| n.contains("title had leading or trailing spaces")));
    assert!(
        notes(&report, 6)
            .iter()
            .any(|n| n.starts_with("N (Data ultimo aggiornamento): date typed as text (dd/mm/yyyy), read as 2025-03-31"))
    );
    assert!(notes(&report, 7).iter().any(|n| n.contains("keywords separated by line breaks: read 3 keywords")));
    assert!(
        notes(&report, 8)
            .iter()
            .any(|n| n.starts_with("H (Ufficio competente): unknown office \"Ufficio Politiche giovanili e servizio civile\""))
    );
    assert!(notes(&report, 8).iter().any(|n| n.contains("unknown contact person \"Biagio Farinaccio\"")));
    assert!(notes(&report, 8).iter().any(|n| n.contains("expired: valid until 2024-06-28")));
    assert!(notes(&report, 8).iter().any(|n| n.contains("extension \"0874 000000\"")));
    // The Legenda sheet is ignored; the title row is not taken for headers.
    assert!(report.file_notes.iter().any(|n| n.message.contains("header in row 3")));

    let one = t.kb.published_item("PIL-0001").unwrap().unwrap();
    assert_eq!(one.content.keywords, ["bollo", "bollo auto", "tassa"]);
    assert_eq!(one.content.links, ["https://example.org/bollo"]);
    assert_eq!(one.content.office.as_deref(), Some(t.kb.office_iri("D1S1").as_str()));
    assert_eq!(one.content.person.as_deref(), Some(t.kb.person_iri("20113").as_str()));
    assert!(one.content.concept.as_deref().is_some_and(|c| c.ends_with("id/concept/tributi-bollo-auto")), "{:?}", one.content.concept);
    assert_eq!(one.modified.map(|m| m.date_naive().to_string()).as_deref(), Some("2025-02-07"));
    let two = t.kb.published_item("PIL-0002").unwrap().unwrap();
    assert_eq!(two.content.title, "Titolo con spazi");
    assert_eq!(two.content.person.as_deref(), Some(t.kb.person_iri("20113").as_str()), "name in the other order, without accent");
    let three = t.kb.published_item("PIL-0003").unwrap().unwrap();
    assert_eq!(three.content.keywords, ["dottore di base", "medico di famiglia", "revoca"]);
    let four = t.kb.published_item("PIL-0004").unwrap().unwrap();
    assert_eq!(four.content.office, None);
    assert_eq!(four.content.valid_until, chrono::NaiveDate::from_ymd_opt(2024, 6, 28));
    assert!(t.kb.published_item("PIL-0005").unwrap().is_none());
}

#[test]
fn dry_run_reports_the_same_and_writes_nothing() {
    let t = TestKb::new();
    let path = messy_workbook(&t);
    let before = t.snapshot();
    let dry = import(&t, &path, &KbImportOptions { dry_run: true, ..opts() }).unwrap();
    assert_eq!(t.snapshot(), before);
    assert!(dry.summary().contains("dry run"));
    let real = import(&t, &path, &opts()).unwrap();
    assert_eq!(dry.rows, real.rows);
}

#[test]
fn reimport_changes_nothing_and_a_newer_file_makes_revisions() {
    let t = TestKb::new();
    let path = messy_workbook(&t);
    import(&t, &path, &opts()).unwrap();
    let after_first = t.snapshot();
    let again = import(&t, &path, &opts()).unwrap();
    assert_eq!(again.count(Outcome::Unchanged), 4, "{}", again.render(true));
    assert_eq!(again.count(Outcome::Created) + again.count(Outcome::Updated), 0);
    assert_eq!(t.snapshot(), after_first, "a re-import must not write anything, not even an activity");

    let rows = vec![
        fixture_headers(),
        pill(
            "PIL-0001",
            "Tributi",
            "Tassa automobilistica",
            "Pagare il bollo",
            "Si paga online o in tabaccheria.",
            "bollo, bollo auto; tassa",
            "Ufficio Tassa automobilistica",
            "Niccolò De Angelis",
        ),
        pill(
            "PIL-0003",
            "Sanità",
            "Medico di base",
            "Cambio medico",
            "Online.",
            "medico di famiglia; dottore di base; revoca",
            "Ufficio Rapporti con ASREM e CUP",
            "Michele Di Sandro",
        ),
    ];
    let newer = workbook(t.dir.path(), "newer.xlsx", &[("Pillole", rows)]);
    let report = import(&t, &newer, &opts()).unwrap();
    assert_eq!(outcome(&report, 2), Some(Outcome::Updated), "{}", report.render(true));
    assert_eq!(outcome(&report, 3), Some(Outcome::Unchanged));
    let item = t.kb.published_item("PIL-0001").unwrap().unwrap();
    assert_eq!(item.revision, 2);
    assert_eq!(item.content.answer, "Si paga online o in tabaccheria.");
    let history = t.kb.history(&t.admin, "PIL-0001").unwrap();
    assert!(history.len() >= 2, "{history:?}");
    let old = t.kb.revision_content(&t.admin, "PIL-0001", 1).unwrap();
    assert_eq!(old.answer, "Si paga online.");
}

#[test]
fn drafts_for_review() {
    let t = TestKb::new();
    let path = messy_workbook(&t);
    let o = KbImportOptions { entry: EntryState::Draft, ..opts() };
    let report = import(&t, &path, &o).unwrap();
    // As drafts an empty answer is allowed (with a warning).
    assert_eq!(outcome(&report, 10), Some(Outcome::Created));
    assert!(notes(&report, 10).iter().any(|n| n.contains("empty answer")));
    let st = t.kb.item_status("PIL-0001").unwrap();
    assert_eq!(st.working.map(|w| w.1), Some(State::Draft));
    assert!(t.kb.published_item("PIL-0001").unwrap().is_none());
    let again = import(&t, &path, &o).unwrap();
    assert_eq!(again.count(Outcome::Unchanged), 5, "{}", again.render(true));
}

#[test]
fn strict_mode_writes_nothing_when_a_row_is_rejected() {
    let t = TestKb::new();
    let path = messy_workbook(&t);
    let before = t.snapshot();
    let err = import(&t, &path, &KbImportOptions { strict: true, ..opts() }).err();
    assert!(matches!(err, Some(importers::Error::RowsRejected { rejected: 2, .. })), "{err:?}");
    assert_eq!(t.snapshot(), before);
}

#[test]
fn english_headers_category_path_iso_dates_html_and_booleans() {
    let t = TestKb::new();
    let rows = vec![
        ["ID", "Category", "Subject", "Solution", "Tags", "Deadline", "Last update", "Advanced", "URL", "Audience"].map(S).to_vec(),
        vec![
            S("PIL-0100"),
            S("Sanità > Esenzioni ticket"),
            S("Esenzione per reddito"),
            S("<p>Presenta la <b>domanda</b> <script>alert(1)</script><a href=\"https://example.org\" onclick=\"x()\">qui</a></p>"),
            S("ticket, reddito"),
            S("2031-12-31"),
            N(45658.0),
            B(true),
            S("www.example.org/ticket"),
            S("Cittadini"),
        ],
        vec![
            S("PIL-0101"),
            S("Nuova area > Nuova sotto-area > Dettaglio"),
            S("Area creata"),
            S("Testo."),
            Empty,
            S("31-12-2031"),
            S("2025-01-01T09:30:00"),
            S("no"),
            Empty,
            Empty,
        ],
    ];
    let path = workbook(t.dir.path(), "english.xlsx", &[("Sheet1", rows)]);
    let report = import(&t, &path, &opts()).unwrap();
    assert_eq!(report.count(Outcome::Created), 2, "{}", report.render(true));
    let a = t.kb.published_item("PIL-0100").unwrap().unwrap();
    assert!(a.content.concept.as_deref().is_some_and(|c| c.contains("sanita-esenzioni")), "{:?}", a.content.concept);
    assert!(!a.content.answer.contains("script") && !a.content.answer.contains("onclick"), "{}", a.content.answer);
    assert!(a.content.answer.contains("<b>domanda</b>"));
    assert!(notes(&report, 2).iter().any(|n| n.contains("HTML answer sanitised")));
    assert_eq!(a.content.level, Level::Advanced);
    assert_eq!(a.content.tags, ["reddito", "ticket"]);
    assert_eq!(a.content.valid_until, chrono::NaiveDate::from_ymd_opt(2031, 12, 31));
    assert_eq!(a.content.links, ["https://www.example.org/ticket"]);
    assert_eq!(a.content.audiences.len(), 1);
    assert_eq!(a.modified.map(|m| m.date_naive().to_string()).as_deref(), Some("2025-01-01"), "Excel serial 45658");
    let b = t.kb.published_item("PIL-0101").unwrap().unwrap();
    assert_eq!(b.content.level, Level::Base);
    assert_eq!(report.concepts_created, ["Nuova area", "Nuova area > Nuova sotto-area", "Nuova area > Nuova sotto-area > Dettaglio"]);
    let c = t.kb.concept(b.content.concept.as_deref().unwrap()).unwrap().unwrap();
    assert_eq!(c.label, "Dettaglio");
    assert!(!report.file_notes.iter().any(|n| n.message.contains("no code column")));
}

#[test]
fn mapping_file_maps_unknown_headers_and_unmapped_columns_are_reported() {
    let t = TestKb::new();
    let rows = vec![
        vec![S("Nota")],
        ["Chiave", "Percorso", "Intestazione", "Testo della pillola", "Colonna misteriosa", "Commenti interni"].map(S).to_vec(),
        vec![S("pil-0200"), S("Tributi > IRAP"), S("Acconto IRAP"), S("Si versa con F24."), S("x"), S("y")],
    ];
    let path = workbook(t.dir.path(), "custom.xlsx", &[("Dati", rows)]);
    // Without the mapping the header is not recognised.
    let err = import(&t, &path, &opts()).err();
    assert!(matches!(err, Some(importers::Error::NoHeader { .. })), "{err:?}");
    let mapping = Mapping::parse(
        std::path::Path::new("m.toml"),
        "sheet = \"Dati\"\nheader_row = 2\n[columns]\n\"chiave\" = \"code\"\n\"Percorso\" = \"category1\"\n\"Intestazione\" = \"title\"\n\"Testo della pillola\" = \"answer\"\n\"Commenti interni\" = \"ignore\"\n",
        &importers::KB_SCHEMA,
    )
    .unwrap();
    let report = import(&t, &path, &KbImportOptions { mapping: Some(mapping), ..opts() }).unwrap();
    assert_eq!(report.count(Outcome::Created), 1, "{}", report.render(true));
    assert!(
        report.file_notes.iter().any(|n| n.severity == Severity::Warning && n.message.contains("\"Colonna misteriosa\" is not mapped"))
    );
    assert!(!report.file_notes.iter().any(|n| n.message.contains("Commenti interni")));
    assert!(notes(&report, 3).iter().any(|n| n.contains("normalised to PIL-0200")));
    let item = t.kb.published_item("PIL-0200").unwrap().unwrap();
    assert!(item.content.concept.as_deref().is_some_and(|c| c.ends_with("tributi-irap")));
    // A bad mapping names the key.
    let err = Mapping::parse(std::path::Path::new("m.toml"), "[columns]\n\"X\" = \"titel\"\n", &importers::KB_SCHEMA).err();
    assert!(err.is_some_and(|e| e.to_string().contains("titel")));
}

#[test]
fn rows_without_code_are_matched_by_title() {
    let t = TestKb::new();
    let rows = vec![["Titolo", "Risposta", "Area"].map(S).to_vec(), vec![S("Senza codice"), S("Risposta."), S("Tributi")]];
    let path = workbook(t.dir.path(), "nocode.xlsx", &[("P", rows)]);
    let first = import(&t, &path, &opts()).unwrap();
    assert_eq!(first.count(Outcome::Created), 1);
    let id = first.rows[0].id.clone().unwrap();
    let second = import(&t, &path, &opts()).unwrap();
    assert_eq!(second.count(Outcome::Unchanged), 1, "{}", second.render(true));
    assert_eq!(second.rows[0].id.as_deref(), Some(id.as_str()));
}

#[test]
fn formulas_are_read_by_cached_value_and_errors_reject_the_row() {
    let t = TestKb::new();
    let rows = vec![
        ["Codice", "Area", "Titolo", "Risposta"].map(S).to_vec(),
        vec![S("PIL-0300"), S("Tributi"), F("=\"Titolo \"&\"calcolato\"", "Titolo calcolato"), S("Risposta.")],
        vec![S("PIL-0301"), S("Tributi"), S("Errore"), F("=1/0", "#DIV/0!")],
    ];
    let path = workbook(t.dir.path(), "formulas.xlsx", &[("P", rows)]);
    let report = import(&t, &path, &opts()).unwrap();
    assert_eq!(t.kb.published_item("PIL-0300").unwrap().unwrap().content.title, "Titolo calcolato");
    assert_eq!(outcome(&report, 3), Some(Outcome::Rejected));
    assert!(notes(&report, 3).iter().any(|n| n.starts_with("D (Risposta): the formula gives an error")), "{:?}", notes(&report, 3));
    assert!(t.kb.published_item("PIL-0301").unwrap().is_none());
}

#[test]
fn unparseable_dates_and_levels_reject_the_row_with_its_column() {
    let t = TestKb::new();
    let rows = vec![
        ["Codice", "Area", "Titolo", "Risposta", "Scadenza", "Livello"].map(S).to_vec(),
        vec![S("PIL-0400"), S("Tributi"), S("A"), S("R"), S("fine mese"), S("Base")],
        vec![S("PIL-0401"), S("Tributi"), S("B"), S("R"), Empty, S("medio")],
    ];
    let path = workbook(t.dir.path(), "dates.xlsx", &[("P", rows)]);
    let report = import(&t, &path, &opts()).unwrap();
    assert!(notes(&report, 2).iter().any(|n| n.starts_with("E (Scadenza): unparseable date")), "{:?}", notes(&report, 2));
    assert!(notes(&report, 3).iter().any(|n| n.starts_with("F (Livello): \"medio\" is not a level")));
    assert_eq!(report.count(Outcome::Rejected), 2);
}

#[test]
fn report_files_in_csv_and_xlsx() {
    let t = TestKb::new();
    let path = messy_workbook(&t);
    let report = import(&t, &path, &opts()).unwrap();
    let csv = t.path("report.csv");
    report.write(&csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("sheet,row,code,outcome,column,severity,message"));
    assert!(text.contains("Pillole,9,PIL-0001,rejected,,error,duplicate code PIL-0001"));
    let xlsx = t.path("report.xlsx");
    report.write(&xlsx).unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let range = wb.worksheet_range("Report").unwrap();
    assert_eq!(range.height(), report.lines().len() + 1);
}
