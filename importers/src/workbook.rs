//! Reading a workbook: the size limit, format detection (xlsx, xls, xlsb,
//! ods; encrypted files), and the cells of each sheet with their cached
//! formula values, hyperlinks and merged regions.

use crate::error::{Error, Result};
use calamine::{Data, Dimensions, Ods, Range, Reader, Xls, Xlsb, Xlsx, XlsxError};
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// The default size limit of an input file: 50 MiB. Larger files are
/// refused before they are parsed (a workbook unzips to many times its size).
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// The longest text a cell may hold: Excel's own limit (32,767 characters).
/// A longer cell can only come from a generated or tampered file.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Merged regions or hyperlink ranges larger than this many cells are not
/// expanded (a tampered file could declare a million-cell region).
const MAX_EXPANDED_CELLS: u64 = 100_000;

/// Reads a whole file, refusing it before reading when it is larger than
/// `max_bytes` (and while reading, should it grow meanwhile).
pub fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.len() > max_bytes {
        return Err(Error::TooLarge { path: path.to_owned(), size: meta.len(), limit: max_bytes });
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut buf).map_err(|e| Error::io(path, e))?;
    if buf.len() as u64 > max_bytes {
        return Err(Error::TooLarge { path: path.to_owned(), size: buf.len() as u64, limit: max_bytes });
    }
    Ok(buf)
}

/// One sheet: its cells (cached values of formulas), hyperlinks and merged
/// regions. Positions are absolute and 0-based (row 0 is Excel's row 1).
pub(crate) struct Sheet {
    /// The sheet's name.
    pub name: String,
    range: Range<Data>,
    hyperlinks: HashMap<(u32, u32), String>,
    merged: Vec<Dimensions>,
}

static EMPTY: Data = Data::Empty;

impl Sheet {
    /// The cell at an absolute position; an empty cell inside a merged
    /// region reads as the region's top-left value.
    pub fn cell(&self, row: u32, col: u32) -> &Data {
        match self.range.get_value((row, col)) {
            Some(Data::Empty) | None => {
                for m in &self.merged {
                    if (m.start.0..=m.end.0).contains(&row) && (m.start.1..=m.end.1).contains(&col) && (m.start.0, m.start.1) != (row, col)
                    {
                        return self.range.get_value(m.start).unwrap_or(&EMPTY);
                    }
                }
                &EMPTY
            }
            Some(v) => v,
        }
    }

    /// The hyperlink target of a cell, if it has one.
    pub fn hyperlink(&self, row: u32, col: u32) -> Option<&str> {
        self.hyperlinks.get(&(row, col)).map(String::as_str)
    }

    /// The first and last used rows (absolute), if the sheet has any cell.
    pub fn row_span(&self) -> Option<(u32, u32)> {
        Some((self.range.start()?.0, self.range.end()?.0))
    }

    /// The first and last used columns (absolute).
    pub fn col_span(&self) -> Option<(u32, u32)> {
        Some((self.range.start()?.1, self.range.end()?.1))
    }

    /// Whether every cell of the row is empty or blank text.
    pub fn is_blank_row(&self, row: u32) -> bool {
        let Some((c0, c1)) = self.col_span() else {
            return true;
        };
        (c0..=c1).all(|c| match self.range.get_value((row, c)) {
            None | Some(Data::Empty) => true,
            Some(Data::String(s)) => s.trim().is_empty(),
            _ => false,
        })
    }

    /// The cell's value as display text (for headers and messages).
    pub fn text(&self, row: u32, col: u32) -> String {
        display(self.cell(row, col))
    }
}

/// A cell value as text, the way a user reads it.
pub(crate) fn display(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map(|t| t.date().to_string()).unwrap_or_else(|| d.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A workbook loaded in memory.
pub(crate) struct Workbook {
    /// The file it came from (for messages).
    pub path: PathBuf,
    /// Its sheets, in order.
    pub sheets: Vec<Sheet>,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

impl Workbook {
    /// Loads a workbook from its bytes, refusing more than `max_bytes`
    /// before parsing (uploads arrive as bytes, files through
    /// [`read_limited`]).
    pub fn from_bytes_limited(path: &Path, bytes: Vec<u8>, max_bytes: u64) -> Result<Self> {
        if bytes.len() as u64 > max_bytes {
            return Err(Error::TooLarge { path: path.to_owned(), size: bytes.len() as u64, limit: max_bytes });
        }
        Self::from_bytes(path, bytes)
    }

    /// Loads a workbook from its bytes; `path` only names it in messages.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self> {
        let not = |reason: String| Error::NotAWorkbook { path: path.to_owned(), reason };
        if bytes.starts_with(ZIP_MAGIC) {
            match Xlsx::new(Cursor::new(&bytes[..])) {
                Ok(x) => return load_xlsx(path, x),
                Err(xlsx_err) => {
                    if let Ok(o) = Ods::new(Cursor::new(&bytes[..])) {
                        return load_generic::<Cursor<&[u8]>, _>(path, o);
                    }
                    if let Ok(b) = Xlsb::new(Cursor::new(&bytes[..])) {
                        return load_generic::<Cursor<&[u8]>, _>(path, b);
                    }
                    return Err(not(format!("a zip archive, but not a readable workbook ({xlsx_err})")));
                }
            }
        }
        if bytes.starts_with(CFB_MAGIC) {
            match Xlsx::new(Cursor::new(&bytes[..])) {
                Err(XlsxError::Password) => {
                    return Err(Error::Encrypted { path: path.to_owned() });
                }
                Ok(x) => return load_xlsx(path, x),
                Err(_) => {}
            }
            return match Xls::new(Cursor::new(&bytes[..])) {
                Ok(x) => load_generic::<Cursor<&[u8]>, _>(path, x),
                Err(calamine::XlsError::Password) => Err(Error::Encrypted { path: path.to_owned() }),
                Err(e) => Err(not(format!("an OLE container, but not a readable .xls ({e})"))),
            };
        }
        let head = &bytes[..bytes.len().min(512)];
        let reason = if bytes.is_empty() {
            "the file is empty".to_owned()
        } else if std::str::from_utf8(head).is_ok() {
            "it is a text file (save it from Excel as .xlsx)".to_owned()
        } else {
            "unknown binary format".to_owned()
        };
        Err(not(reason))
    }

    /// The sheet named `name` (exact, then case-insensitive).
    pub fn sheet(&self, name: &str) -> Result<&Sheet> {
        self.sheets
            .iter()
            .find(|s| s.name == name)
            .or_else(|| self.sheets.iter().find(|s| s.name.trim().eq_ignore_ascii_case(name.trim())))
            .ok_or_else(|| Error::NoSuchSheet { path: self.path.clone(), sheet: name.to_owned(), available: self.sheet_names() })
    }

    /// The names of the sheets, comma-separated (for messages).
    pub fn sheet_names(&self) -> String {
        self.sheets.iter().map(|s| format!("{:?}", s.name)).collect::<Vec<_>>().join(", ")
    }
}

fn corrupt(path: &Path, sheet: &str, e: impl std::fmt::Display) -> Error {
    Error::Corrupt { path: path.to_owned(), sheet: sheet.to_owned(), reason: e.to_string() }
}

fn load_xlsx(path: &Path, mut x: Xlsx<Cursor<&[u8]>>) -> Result<Workbook> {
    let mut sheets = Vec::new();
    for name in x.sheet_names() {
        let range = x.worksheet_range(&name).map_err(|e| corrupt(path, &name, e))?;
        let mut hyperlinks = HashMap::new();
        for h in x.hyperlinks_by_sheet_name(&name).map_err(|e| corrupt(path, &name, e))? {
            let Some(target) = h.target.filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            let r = h.range;
            if r.end.0 < r.start.0 || r.end.1 < r.start.1 {
                continue;
            }
            let cells = u64::from(r.end.0 - r.start.0 + 1) * u64::from(r.end.1 - r.start.1 + 1);
            if cells > MAX_EXPANDED_CELLS {
                continue;
            }
            for row in r.start.0..=r.end.0 {
                for col in r.start.1..=r.end.1 {
                    hyperlinks.insert((row, col), target.clone());
                }
            }
        }
        let merged = x.merge_cells_by_sheet_name(&name).map_err(|e| corrupt(path, &name, e))?;
        sheets.push(sheet(name, range, hyperlinks, merged));
    }
    Ok(Workbook { path: path.to_owned(), sheets })
}

fn load_generic<RS, R>(path: &Path, mut wb: R) -> Result<Workbook>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| corrupt(path, &name, e))?;
        sheets.push(sheet(name, range, HashMap::new(), Vec::new()));
    }
    Ok(Workbook { path: path.to_owned(), sheets })
}

fn sheet(name: String, range: Range<Data>, hyperlinks: HashMap<(u32, u32), String>, mut merged: Vec<Dimensions>) -> Sheet {
    merged.retain(|m| {
        m.end.0 >= m.start.0
            && m.end.1 >= m.start.1
            && u64::from(m.end.0 - m.start.0 + 1) * u64::from(m.end.1 - m.start.1 + 1) <= MAX_EXPANDED_CELLS
    });
    merged.truncate(10_000);
    Sheet { name, range, hyperlinks, merged }
}

/// The Excel name of a 0-based column: 0 → `A`, 27 → `AB`.
pub fn column_name(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(27), "AB");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn text_and_garbage_are_not_workbooks() {
        let p = Path::new("x.xlsx");
        for bytes in [Vec::new(), b"a;b;c\n1;2;3\n".to_vec(), vec![0, 159, 146, 150]] {
            let err = Workbook::from_bytes(p, bytes).err();
            assert!(matches!(err, Some(Error::NotAWorkbook { .. })), "{err:?}");
        }
        let err = Workbook::from_bytes(p, b"PK\x03\x04garbage".to_vec()).err();
        assert!(matches!(err, Some(Error::NotAWorkbook { .. })), "{err:?}");
    }
}
