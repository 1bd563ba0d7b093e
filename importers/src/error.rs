//! The error type of the importers.
//!
//! Every variant that comes from a user's file names the file and, where
//! it applies, the sheet, row, column or line, so that the command line can
//! show a message the user can act on. An error aborts the whole import:
//! nothing of it is written (imports run in one [`kb::Kb::write`]).

use std::path::PathBuf;

/// Everything that can go wrong while importing or exporting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is larger than the configured limit; it was not parsed.
    #[error("{path}: the file has {size} bytes, more than the limit of {limit} bytes (raise it with --max-bytes)")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not a spreadsheet calamine can read.
    #[error("{path}: not an Excel workbook (.xlsx, .xls, .xlsb or .ods): {reason}")]
    NotAWorkbook {
        /// The file.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// The workbook is password-protected (encrypted).
    #[error("{path}: the workbook is encrypted (password-protected); save it without a password and try again")]
    Encrypted {
        /// The file.
        path: PathBuf,
    },
    /// The workbook is damaged: a sheet could not be read.
    #[error("{path}: sheet {sheet:?} cannot be read, the file is damaged: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The sheet, if known.
        sheet: String,
        /// The reader's message.
        reason: String,
    },
    /// No sheet of the workbook has a recognisable header row.
    #[error("{path}: no recognisable header row in {searched} (looked for {expected})")]
    NoHeader {
        /// The file.
        path: PathBuf,
        /// The sheets (and rows) searched.
        searched: String,
        /// The headers that were expected, for the user.
        expected: String,
    },
    /// A sheet named in the mapping file or needed by the import is missing.
    #[error("{path}: no sheet {sheet:?} (the workbook has: {available})")]
    NoSuchSheet {
        /// The file.
        path: PathBuf,
        /// The wanted sheet.
        sheet: String,
        /// The sheets the workbook has.
        available: String,
    },
    /// The mapping file is invalid.
    #[error("mapping file {path}: {message}")]
    Mapping {
        /// The mapping file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// An RDF file could not be parsed.
    #[error("{path}{}: {message}", location(.line, .column))]
    RdfSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line, when the parser knows it.
        line: Option<u64>,
        /// 1-based column, when the parser knows it.
        column: Option<u64>,
        /// The parser's message.
        message: String,
    },
    /// The format of an RDF file or export could not be decided.
    #[error("{path}: unknown RDF format {format:?}; use one of turtle, ntriples, nquads, trig, rdfxml, jsonld")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The extension or name given.
        format: String,
    },
    /// Strict mode: some rows were rejected, so nothing was written.
    #[error("{path}: {rejected} row(s) rejected; nothing was imported (strict mode)")]
    RowsRejected {
        /// The file.
        path: PathBuf,
        /// How many rows were rejected.
        rejected: usize,
    },
    /// A handover bundle is malformed or does not fit the data directory.
    #[error("handover bundle {path}: {message}")]
    Handover {
        /// The bundle.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The knowledge base refused an operation or failed.
    #[error(transparent)]
    Kb(#[from] kb::Error),
    /// Writing a workbook failed.
    #[error("cannot write the workbook: {0}")]
    XlsxWrite(#[from] rust_xlsxwriter::XlsxError),
    /// Reading or writing a zip archive failed.
    #[error("zip archive error: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Writing a CSV report failed.
    #[error("cannot write the CSV report: {0}")]
    Csv(#[from] csv::Error),
    /// Serialising RDF or JSON failed.
    #[error("cannot serialise: {0}")]
    Serialize(String),
}

fn location(line: &Option<u64>, column: &Option<u64>) -> String {
    match (*line, *column) {
        (Some(l), Some(c)) => format!(", line {l}, column {c}"),
        (Some(l), None) => format!(", line {l}"),
        _ => String::new(),
    }
}

/// The result type of the importers.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
