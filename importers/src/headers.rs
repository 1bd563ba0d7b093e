//! Mapping columns to fields: header text normalisation, Italian and
//! English synonyms, header row detection and the optional mapping file.

use crate::error::{Error, Result};
use crate::workbook::{Sheet, Workbook, column_name};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Lower-case ASCII words: accents folded, punctuation and spacing
/// collapsed to single spaces. `"Cod. Pillola"` → `"cod pillola"`,
/// `"Attività"` → `"attivita"`.
pub fn normalize(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_ascii_lowercase();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// One field a column can map to: its key (as written in mapping files)
/// and its header synonyms (normalised form).
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// The key, e.g. `title`.
    pub key: &'static str,
    /// Header texts that mean this field, already normalised.
    pub synonyms: &'static [&'static str],
}

/// The fields of one kind of sheet.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// What the sheet holds, for messages ("knowledge items").
    pub what: &'static str,
    /// Its fields.
    pub fields: &'static [FieldDef],
    /// At least one of these keys must be mapped for a row to be a header.
    pub required_any: &'static [&'static str],
}

impl Schema {
    fn field(&self, key: &str) -> Option<&'static str> {
        self.fields.iter().find(|f| f.key == key).map(|f| f.key)
    }

    /// The field a header text means, if any.
    pub fn match_header(&self, text: &str) -> Option<&'static str> {
        let full = normalize(text);
        if full.is_empty() {
            return None;
        }
        let exact = |t: &str| self.fields.iter().find(|f| f.synonyms.contains(&t)).map(|f| f.key);
        if let Some(k) = exact(&full) {
            return Some(k);
        }
        // "Risposta (testo per l'operatore)": drop the parenthesis.
        let stripped = normalize(&strip_parentheses(text));
        if let Some(k) = exact(&stripped) {
            return Some(k);
        }
        // Longest synonym the header starts with, as whole words.
        self.fields
            .iter()
            .flat_map(|f| f.synonyms.iter().map(move |s| (f.key, *s)))
            .filter(|(_, s)| stripped.strip_prefix(s).is_some_and(|rest| rest.starts_with(' ')))
            .max_by_key(|(_, s)| s.len())
            .map(|(k, _)| k)
    }

    /// The keys, for messages.
    pub fn keys(&self) -> String {
        self.fields.iter().map(|f| f.key).collect::<Vec<_>>().join(", ")
    }
}

fn strip_parentheses(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The mapping file: for layouts the synonyms do not cover.
///
/// ```toml
/// sheet = "Pillole"      # optional: the sheet to read
/// header_row = 3          # optional: 1-based row of the headers
/// [columns]               # header text (any case/accents) = field key, or "ignore"
/// "Cod." = "code"
/// "Percorso" = "category1"
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The sheet to read (default: the one whose header is recognised).
    pub sheet: Option<String>,
    /// The 1-based header row (default: detected in the first 30 rows).
    pub header_row: Option<u32>,
    /// Header text → field key (or `ignore`).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl Mapping {
    /// Reads and checks a mapping file against `schema`.
    pub fn load(path: &Path, schema: &Schema) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(path, &text, schema)
    }

    /// Parses mapping text; `path` names it in messages.
    pub fn parse(path: &Path, text: &str, schema: &Schema) -> Result<Self> {
        let m: Mapping = toml::from_str(text).map_err(|e| Error::Mapping { path: path.to_owned(), message: e.to_string() })?;
        for (header, key) in &m.columns {
            if key != "ignore" && schema.field(key).is_none() {
                return Err(Error::Mapping {
                    path: path.to_owned(),
                    message: format!("column {header:?} maps to unknown field {key:?}; fields are: {}, ignore", schema.keys()),
                });
            }
        }
        if m.header_row == Some(0) {
            return Err(Error::Mapping { path: path.to_owned(), message: "header_row is 1-based: the first row is 1".into() });
        }
        Ok(m)
    }

    fn lookup(&self, header: &str) -> Option<&str> {
        let n = normalize(header);
        self.columns.iter().find(|(h, _)| normalize(h) == n).map(|(_, k)| k.as_str())
    }
}

/// A column of the sheet mapped to a field.
#[derive(Debug, Clone)]
pub struct MappedColumn {
    /// Absolute 0-based column index.
    pub col: u32,
    /// The header text as written.
    pub header: String,
    /// The field key.
    pub key: &'static str,
}

/// Where the data of a sheet is and what its columns mean.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The sheet's name.
    pub sheet: String,
    /// The 0-based header row.
    pub header_row: u32,
    /// Mapped columns, left to right.
    pub columns: Vec<MappedColumn>,
    /// Columns with a header that maps to nothing (header text, column letter).
    pub unmapped: Vec<(String, String)>,
    /// Columns whose field was already taken by an earlier column.
    pub duplicates: Vec<(String, String, &'static str)>,
}

impl Layout {
    /// The first column mapped to `key`.
    pub fn column(&self, key: &str) -> Option<&MappedColumn> {
        self.columns.iter().find(|c| c.key == key)
    }
}

const HEADER_SEARCH_ROWS: u32 = 30;

/// Maps one row of `sheet` as a header row.
fn map_row(sheet: &Sheet, row: u32, schema: &Schema, mapping: Option<&Mapping>) -> Layout {
    let mut layout =
        Layout { sheet: sheet.name.clone(), header_row: row, columns: Vec::new(), unmapped: Vec::new(), duplicates: Vec::new() };
    let Some((c0, c1)) = sheet.col_span() else {
        return layout;
    };
    for col in c0..=c1 {
        let header = sheet.text(row, col).trim().to_owned();
        if header.is_empty() {
            continue;
        }
        let key = match mapping.and_then(|m| m.lookup(&header)) {
            Some("ignore") => continue,
            Some(k) => schema.field(k),
            None => schema.match_header(&header),
        };
        match key {
            Some(k) if layout.columns.iter().any(|c| c.key == k) => {
                layout.duplicates.push((header, column_name(col), k));
            }
            Some(k) => layout.columns.push(MappedColumn { col, header, key: k }),
            None => layout.unmapped.push((header, column_name(col))),
        }
    }
    layout
}

fn acceptable(layout: &Layout, schema: &Schema) -> bool {
    layout.columns.len() >= 2 && schema.required_any.iter().any(|k| layout.column(k).is_some())
}

/// Finds the sheet and header row: the row (of the first 30 of each sheet)
/// that maps the most columns, among those that map a required field.
/// A mapping file may fix the sheet and the row.
pub(crate) fn detect_layout(wb: &Workbook, schema: &Schema, mapping: Option<&Mapping>, only_sheet: Option<&str>) -> Result<Layout> {
    let wanted = mapping.and_then(|m| m.sheet.as_deref()).or(only_sheet);
    let sheets: Vec<&Sheet> = match wanted {
        Some(name) => vec![wb.sheet(name)?],
        None => wb.sheets.iter().collect(),
    };
    let mut best: Option<Layout> = None;
    let mut searched = Vec::new();
    for sheet in sheets {
        let Some((r0, r1)) = sheet.row_span() else {
            searched.push(format!("sheet {:?} (empty)", sheet.name));
            continue;
        };
        let rows: Vec<u32> = match mapping.and_then(|m| m.header_row) {
            Some(r) => vec![r - 1],
            None => (r0..=r1.min(r0 + HEADER_SEARCH_ROWS - 1)).collect(),
        };
        searched.push(format!("sheet {:?} rows {}-{}", sheet.name, rows.first().map_or(0, |r| r + 1), rows.last().map_or(0, |r| r + 1)));
        for row in rows {
            let layout = map_row(sheet, row, schema, mapping);
            if acceptable(&layout, schema) && best.as_ref().is_none_or(|b| layout.columns.len() > b.columns.len()) {
                best = Some(layout);
            }
        }
    }
    best.ok_or_else(|| Error::NoHeader {
        path: wb.path.clone(),
        searched: searched.join("; "),
        expected: format!("a row naming {} and at least one more column of {}", schema.required_any.join(" or "), schema.what),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb_rows::KB_SCHEMA;

    #[test]
    fn normalisation_folds_case_accents_and_punctuation() {
        assert_eq!(normalize("  Cod. Pillola "), "cod pillola");
        assert_eq!(normalize("Attività"), "attivita");
        assert_eq!(normalize("Sotto-area"), "sotto area");
        assert_eq!(normalize("E-MAIL"), "e mail");
    }

    #[test]
    fn italian_and_english_synonyms() {
        let m = |h: &str| KB_SCHEMA.match_header(h);
        assert_eq!(m("Cod. Pillola"), Some("code"));
        assert_eq!(m("ID"), Some("code"));
        assert_eq!(m("Risposta (testo per l'operatore)"), Some("answer"));
        assert_eq!(m("Solution"), Some("answer"));
        assert_eq!(m("SOTTO-AREA"), Some("category2"));
        assert_eq!(m("Subject"), Some("title"));
        assert_eq!(m("Title (EN)"), Some("title_en"));
        assert_eq!(m("Valida fino al"), Some("valid_until"));
        assert_eq!(m("Deadline"), Some("valid_until"));
        assert_eq!(m("Parole chiave"), Some("keywords"));
        assert_eq!(m("Tags"), Some("tags"));
        assert_eq!(m("Tipo"), Some("level"));
        assert_eq!(m("Allegati"), Some("forms"));
        assert_eq!(m("Note interne"), None);
    }
}
