//! Excel and RDF in and out: the knowledge base handover, both directions.
//!
//! - [`import_kb`]: the administration's workbook of knowledge items
//!   ("pillole di conoscenza"): header row detection, Italian and English
//!   header synonyms or a [`Mapping`] file, lenient values (dates, lists,
//!   links, booleans, HTML) with every fix reported, classification
//!   concepts created when missing, offices and people matched by name
//!   (never invented). Upsert by code: a re-import changes nothing.
//! - [`import_org`]: the organisation chart workbook (structures and staff).
//! - [`import_rdf`]: knowledge items from Turtle, RDF/XML, JSON-LD or
//!   N-Triples, into the workspace as drafts.
//! - Exports: [`export_kb_xlsx`] (the import layout, so that importing the
//!   export gives back the same graph), [`export_org_xlsx`],
//!   [`export_rdf`] of any readable graphs in six syntaxes,
//!   [`export_vcard`] (vCard 4.0), and the [`export_handover`] bundle that
//!   [`import_handover`] restores into an empty data directory.
//!
//! Every import is one [`kb::Kb::write`] transaction: a fatal error, a
//! dry run or a strict-mode rejection leaves the graph as it was. Every
//! import returns an [`ImportReport`] with one entry per row.

mod compare;
mod error;
mod export_xlsx;
mod handover;
mod headers;
mod kb_import;
mod kb_rows;
mod org_import;
mod rdf_export;
mod rdf_import;
mod report;
mod resolve;
mod values;
mod vcard;
mod workbook;

pub use compare::{canonical_graph, content_quads, graph_quads, isomorphic};
pub use error::{Error, Result};
pub use export_xlsx::{ExportStats, KB_SHEET, ORG_OFFICES_SHEET, ORG_PEOPLE_SHEET, export_kb_xlsx, export_org_xlsx};
pub use handover::{HandoverSummary, Manifest, ManifestFile, export_handover, import_handover};
pub use headers::{FieldDef, Layout, MappedColumn, Mapping, Schema, normalize};
pub use kb_import::{EntryState, KbImportOptions, Progress, ProgressFn, import_kb, import_kb_bytes};
pub use kb_rows::{HANDOVER_KB_HEADERS, KB_SCHEMA};
pub use org_import::{ORG_OFFICE_SCHEMA, ORG_PERSON_SCHEMA, OrgImportOptions, import_org, import_org_bytes};
pub use rdf_export::{JSONLD_CONTEXT, RdfSyntax, export_rdf, write_rdf};
pub use rdf_import::{RdfImportOptions, import_rdf, import_rdf_bytes};
pub use report::{ImportReport, Note, Outcome, RowReport, Severity};
pub use vcard::{export_vcard, vcard_text};
pub use workbook::{DEFAULT_MAX_BYTES, MAX_CELL_CHARS, column_name, read_limited};
