//! The import report: what happened to every row, and why.

use crate::error::{Error, Result};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// What an import did with one row (or RDF resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new item, office or person was written.
    Created,
    /// An existing one got a new revision or description.
    Updated,
    /// It exists with the same content: nothing written.
    Unchanged,
    /// Not imported; the notes say why.
    Rejected,
    /// A blank row, skipped.
    Skipped,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 5] = [Outcome::Created, Outcome::Updated, Outcome::Unchanged, Outcome::Rejected, Outcome::Skipped];

    /// The outcome's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Rejected => "rejected",
            Outcome::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something the importer fixed or read in a lenient way.
    Info,
    /// Data that was not imported as written (dropped link, unknown office).
    Warning,
    /// Why a row was rejected.
    Error,
}

impl Severity {
    /// The severity's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One remark about a row or the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// The column, as `K (Link)`, or `None` for the row or file as a whole.
    pub column: Option<String>,
    /// How serious it is.
    pub severity: Severity,
    /// What happened, in words.
    pub message: String,
}

/// What happened to one row of a sheet (or one resource of an RDF file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowReport {
    /// The sheet (empty for RDF).
    pub sheet: String,
    /// The 1-based row number as Excel shows it (0 for RDF).
    pub row: u32,
    /// The item code, structure code or staff number, if the row has one.
    pub id: Option<String>,
    /// What was done.
    pub outcome: Outcome,
    /// Remarks, in column order.
    pub notes: Vec<Note>,
}

impl RowReport {
    /// A report for `row` of `sheet`, not yet decided.
    pub fn new(sheet: &str, row: u32) -> Self {
        Self { sheet: sheet.to_owned(), row, id: None, outcome: Outcome::Unchanged, notes: Vec::new() }
    }

    /// Adds a note.
    pub fn note(&mut self, column: Option<&str>, severity: Severity, message: impl Into<String>) {
        self.notes.push(Note { column: column.map(str::to_owned), severity, message: message.into() });
    }

    /// Whether a note of severity error was recorded.
    pub fn has_errors(&self) -> bool {
        self.notes.iter().any(|n| n.severity == Severity::Error)
    }
}

/// The report of one import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The imported file.
    pub file: PathBuf,
    /// Whether nothing was written (`--dry-run`).
    pub dry_run: bool,
    /// Remarks about the file as a whole (unmapped columns, sheets).
    pub file_notes: Vec<Note>,
    /// One entry per data row (or resource), in file order.
    pub rows: Vec<RowReport>,
    /// Concepts created in the classification scheme (labels with path).
    pub concepts_created: Vec<String>,
}

impl ImportReport {
    /// An empty report for `file`.
    pub fn new(file: &Path, dry_run: bool) -> Self {
        Self { file: file.to_owned(), dry_run, file_notes: Vec::new(), rows: Vec::new(), concepts_created: Vec::new() }
    }

    /// Adds a remark about the whole file.
    pub fn file_note(&mut self, severity: Severity, message: impl Into<String>) {
        self.file_notes.push(Note { column: None, severity, message: message.into() });
    }

    /// How many rows had `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.rows.iter().filter(|r| r.outcome == outcome).count()
    }

    /// The rows with `outcome`.
    pub fn rows_with(&self, outcome: Outcome) -> impl Iterator<Item = &RowReport> {
        self.rows.iter().filter(move |r| r.outcome == outcome)
    }

    /// One line: `140 created, 0 updated, ...`.
    pub fn summary(&self) -> String {
        let counts: Vec<String> = Outcome::ALL.iter().map(|o| format!("{} {o}", self.count(*o))).collect();
        let mut s = counts.join(", ");
        if !self.concepts_created.is_empty() {
            s.push_str(&format!("; {} concept(s) created", self.concepts_created.len()));
        }
        if self.dry_run {
            s.push_str(" (dry run: nothing was written)");
        }
        s
    }

    /// The report as table lines: one per note, or one per row without notes.
    pub fn lines(&self) -> Vec<[String; 7]> {
        let mut out = Vec::new();
        for n in &self.file_notes {
            out.push([
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                n.column.clone().unwrap_or_default(),
                n.severity.as_str().into(),
                n.message.clone(),
            ]);
        }
        for r in &self.rows {
            let base = [
                r.sheet.clone(),
                if r.row == 0 { String::new() } else { r.row.to_string() },
                r.id.clone().unwrap_or_default(),
                r.outcome.as_str().into(),
            ];
            if r.notes.is_empty() {
                let [a, b, c, d] = base.clone();
                out.push([a, b, c, d, String::new(), String::new(), String::new()]);
            }
            for n in &r.notes {
                let [a, b, c, d] = base.clone();
                out.push([a, b, c, d, n.column.clone().unwrap_or_default(), n.severity.as_str().into(), n.message.clone()]);
            }
        }
        out
    }

    /// The column titles of [`ImportReport::lines`].
    pub const HEADERS: [&'static str; 7] = ["sheet", "row", "code", "outcome", "column", "severity", "message"];

    /// The notes as human-readable lines (for the terminal): every note of
    /// severity warning or error, and with `verbose` every info too.
    pub fn render(&self, verbose: bool) -> String {
        let mut s = String::new();
        for n in &self.file_notes {
            if verbose || n.severity >= Severity::Warning {
                s.push_str(&format!("{}: {}\n", n.severity.as_str(), n.message));
            }
        }
        for r in &self.rows {
            for n in &r.notes {
                if verbose || n.severity >= Severity::Warning || r.outcome == Outcome::Skipped {
                    let place = match (&n.column, r.row) {
                        (_, 0) => r.id.clone().unwrap_or_default(),
                        (Some(c), row) => format!("{} row {row} column {c}", r.sheet),
                        (None, row) => format!("{} row {row}", r.sheet),
                    };
                    let id = match (&r.id, r.row) {
                        (Some(id), row) if row > 0 => format!(" [{id}]"),
                        _ => String::new(),
                    };
                    s.push_str(&format!("{place}{id}: {} ({}): {}\n", r.outcome, n.severity.as_str(), n.message));
                }
            }
        }
        s
    }

    /// Writes the report as CSV or xlsx, chosen by the extension of `path`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("xlsx") => self.write_xlsx(path),
            _ => self.write_csv(path),
        }
    }

    /// Writes the report as CSV (UTF-8, comma-separated, header line).
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut w = csv::Writer::from_writer(file);
        w.write_record(Self::HEADERS)?;
        for line in self.lines() {
            w.write_record(&line)?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
        Ok(())
    }

    /// Writes the report as an xlsx workbook (sheet `Report`).
    pub fn write_xlsx(&self, path: &Path) -> Result<()> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Report")?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, h) in Self::HEADERS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (i, line) in self.lines().iter().enumerate() {
            let r = i as u32 + 1;
            for (c, v) in line.iter().enumerate() {
                if c == 1
                    && let Ok(n) = v.parse::<u32>()
                {
                    sheet.write_number(r, c as u16, f64::from(n))?;
                } else if !v.is_empty() {
                    sheet.write_string(r, c as u16, v)?;
                }
            }
        }
        sheet.set_column_width(6, 100)?;
        sheet.autofilter(0, 0, self.lines().len() as u32, 6)?;
        book.save(path)?;
        Ok(())
    }
}
