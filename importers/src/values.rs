//! Cell values: text, lists, dates, booleans, levels, links and HTML.
//! Pure functions, each returning what it read and what it had to fix, so
//! that the import report can say so.

use crate::workbook::MAX_CELL_CHARS;
use calamine::{Data, ExcelDateTime, ExcelDateTimeType};
use chrono::NaiveDate;

/// The text of a cell, or why it has none usable: a formula error or a
/// text longer than Excel allows.
pub fn cell_text(d: &Data) -> Result<String, String> {
    let text = match d {
        Data::Error(e) => return Err(format!("the formula gives an error ({e})")),
        other => crate::workbook::display(other),
    };
    let chars = text.chars().count();
    if chars > MAX_CELL_CHARS {
        return Err(format!("the cell holds {chars} characters, more than the {MAX_CELL_CHARS} Excel allows"));
    }
    Ok(text)
}

/// Splits keywords on `;`, `,` and line breaks, trimmed, empty ones
/// dropped. Also says whether line breaks were used as separators.
pub fn split_keywords(text: &str) -> (Vec<String>, bool) {
    let by_newline = text.trim().contains(['\n', '\r']);
    let list = text.split([';', ',', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    (list, by_newline)
}

/// Splits a list whose entries may contain commas (legal references,
/// forms) on `;` and line breaks.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([';', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// How a date was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// A date cell (or an Excel serial number).
    Excel,
    /// Text in the given format.
    Text(&'static str),
}

const TEXT_DATE_FORMATS: &[(&str, &str)] = &[
    ("%d/%m/%Y", "dd/mm/yyyy"),
    ("%d-%m-%Y", "dd-mm-yyyy"),
    ("%d.%m.%Y", "dd.mm.yyyy"),
    ("%Y-%m-%d", "ISO yyyy-mm-dd"),
    ("%Y/%m/%d", "yyyy/mm/dd"),
];

/// Reads a date from a date cell, an Excel serial number, or text as
/// `dd/mm/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` or ISO (`yyyy-mm-dd`, also
/// with a time). `Ok(None)` for an empty cell.
pub fn parse_date(d: &Data) -> Result<Option<(NaiveDate, DateSource)>, String> {
    match d {
        Data::Empty => Ok(None),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| Some((t.date(), DateSource::Excel)))
            .ok_or_else(|| format!("{} is not a valid Excel date", dt.as_f64())),
        Data::Float(_) | Data::Int(_) => {
            let serial = match d {
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                _ => 0.0,
            };
            if !(1.0..=2_958_465.0).contains(&serial) {
                return Err(format!("{serial} is not a date"));
            }
            ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false)
                .as_datetime()
                .map(|t| Some((t.date(), DateSource::Excel)))
                .ok_or_else(|| format!("{serial} is not a valid Excel date"))
        }
        Data::DateTimeIso(s) | Data::String(s) => parse_date_text(s),
        Data::Error(e) => Err(format!("the formula gives an error ({e})")),
        Data::Bool(_) | Data::DurationIso(_) => Err(format!("{:?} is not a date", crate::workbook::display(d))),
    }
}

/// Reads a date written as text.
pub fn parse_date_text(s: &str) -> Result<Option<(NaiveDate, DateSource)>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    // ISO date-time: keep the date part.
    let date_part = match t.split_once(['T', ' ']) {
        Some((d, _)) if d.len() == 10 => d,
        _ => t,
    };
    for (fmt, name) in TEXT_DATE_FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(date_part, fmt) {
            return Ok(Some((d, DateSource::Text(name))));
        }
    }
    Err(format!("{t:?} is not a date (write dd/mm/yyyy, dd-mm-yyyy or yyyy-mm-dd)"))
}

/// Reads a boolean: an Excel boolean, `VERO`/`FALSO`, `true`/`false`,
/// `sì`/`no`, `yes`/`no`, `x`, `1`/`0`. `Ok(None)` for an empty cell.
pub fn parse_bool(d: &Data) -> Result<Option<bool>, String> {
    match d {
        Data::Empty => Ok(None),
        Data::Bool(b) => Ok(Some(*b)),
        Data::Int(i) if *i == 0 || *i == 1 => Ok(Some(*i == 1)),
        Data::Float(f) if *f == 0.0 || *f == 1.0 => Ok(Some(*f == 1.0)),
        other => {
            let t = crate::headers::normalize(&crate::workbook::display(other));
            match t.as_str() {
                "" => Ok(None),
                "vero" | "true" | "si" | "yes" | "y" | "s" | "x" | "1" => Ok(Some(true)),
                "falso" | "false" | "no" | "n" | "0" => Ok(Some(false)),
                _ => Err(format!("{:?} is not a yes/no value", crate::workbook::display(other))),
            }
        }
    }
}

/// Reads an item level: base (`Base`, `L1`, `1`) or advanced (`Avanzata`,
/// `Avanzato`, `Advanced`, `L2`, `2`). `Ok(None)` for an empty cell.
pub fn parse_level(text: &str) -> Result<Option<kb::Level>, String> {
    let t = crate::headers::normalize(text);
    match t.as_str() {
        "" => Ok(None),
        "base" | "basic" | "l1" | "1" | "primo livello" | "semplice" => Ok(Some(kb::Level::Base)),
        "avanzata" | "avanzato" | "advanced" | "l2" | "2" | "secondo livello" | "complessa" => Ok(Some(kb::Level::Advanced)),
        _ => Err(format!("{:?} is not a level (write Base or Avanzata)", text.trim())),
    }
}

/// Links found in a cell: its hyperlink target and any links in its text.
/// Returns the links and the pieces of text that are not links.
pub fn links(text: &str, hyperlink: Option<&str>) -> (Vec<String>, Vec<String>) {
    let mut out: Vec<String> = Vec::new();
    let mut bad = Vec::new();
    if let Some(h) = hyperlink.map(str::trim).filter(|h| is_web_link(h)) {
        out.push(h.to_owned());
    }
    for piece in text
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .map(|p| p.trim().trim_end_matches(['.', ')']).trim_start_matches('('))
        .filter(|p| !p.is_empty())
    {
        if is_web_link(piece) {
            out.push(piece.to_owned());
        } else if piece.to_ascii_lowercase().starts_with("www.") {
            out.push(format!("https://{piece}"));
        } else if hyperlink.is_none() {
            bad.push(piece.to_owned());
        }
    }
    out.dedup();
    let mut seen = std::collections::HashSet::new();
    out.retain(|l| seen.insert(l.clone()));
    (out, bad)
}

/// Whether `s` is an absolute http, https or mailto link without spaces.
pub fn is_web_link(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    (l.starts_with("http://") && l.len() > 7 || l.starts_with("https://") && l.len() > 8 || l.starts_with("mailto:") && l.contains('@'))
        && !s.contains(char::is_whitespace)
        && !s.contains(['<', '>', '"', '{', '}', '|', '\\', '^', '`'])
}

/// What sanitising an HTML answer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Html {
    /// The text has no HTML markup.
    None,
    /// HTML within the safe subset, kept as is.
    Safe,
    /// HTML with unsafe parts (scripts, event handlers, styles,
    /// unknown tags) that were removed.
    Sanitised,
}

/// Sanitises an answer that contains HTML to a safe subset (ammonia's
/// defaults: no scripts, no event handlers, no styles; links get
/// `rel="noopener noreferrer"`). Plain text is returned unchanged.
pub fn sanitize_html(text: &str) -> (String, Html) {
    if !looks_like_html(text) {
        return (text.to_owned(), Html::None);
    }
    let clean = ammonia::Builder::default().link_rel(Some("noopener noreferrer")).clean(text).to_string();
    // ammonia normalises harmless markup (entities, quotes); only call it
    // sanitised when something was removed.
    let kind = if tag_signature(&clean) == tag_signature(text) && !has_active_content(text) { Html::Safe } else { Html::Sanitised };
    (clean, kind)
}

fn looks_like_html(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(2).any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!')) && text.contains('>')
}

fn has_active_content(text: &str) -> bool {
    let l = text.to_ascii_lowercase();
    ["<script", "javascript:", " on", "<style", "<iframe", "<object", "<embed", "style="].iter().any(|p| {
        if *p == " on" {
            // An event handler attribute: ` onclick=`, ` onerror =`...
            l.match_indices(" on").any(|(i, _)| {
                let rest = &l[i + 3..];
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                !name.is_empty() && rest[name.len()..].trim_start().starts_with('=') && l[..i].rfind('<') > l[..i].rfind('>')
            })
        } else {
            l.contains(p)
        }
    })
}

/// The sequence of tag names, to see whether sanitising removed any.
fn tag_signature(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/').collect::<String>().to_ascii_lowercase();
        if !name.is_empty() && name != "/" {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_split_on_semicolons_commas_and_newlines() {
        let (k, nl) = split_keywords(" bollo; bollo auto , tassa\nauto\r\nmoto ;; ");
        assert_eq!(k, ["bollo", "bollo auto", "tassa", "auto", "moto"]);
        assert!(nl);
        assert!(!split_keywords("a, b").1);
    }

    #[test]
    fn lists_keep_commas() {
        assert_eq!(
            split_list("L.R. 12/2005, art. 3; D.Lgs. 446/1997\nL. 157/1992"),
            ["L.R. 12/2005, art. 3", "D.Lgs. 446/1997", "L. 157/1992"]
        );
    }

    #[test]
    fn dates_in_every_accepted_form() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        let date = |v: Data| parse_date(&v).ok().flatten().map(|x| x.0);
        assert_eq!(date(Data::Float(45658.0)), d(2025, 1, 1));
        assert_eq!(date(Data::Int(45658)), d(2025, 1, 1));
        assert_eq!(date(Data::String("31/03/2025".into())), d(2025, 3, 31));
        assert_eq!(date(Data::String("31-03-2025".into())), d(2025, 3, 31));
        assert_eq!(date(Data::String("2025-03-31".into())), d(2025, 3, 31));
        assert_eq!(date(Data::String("2025-03-31T10:00:00".into())), d(2025, 3, 31));
        assert_eq!(date(Data::DateTimeIso("2025-03-31".into())), d(2025, 3, 31));
        assert_eq!(parse_date(&Data::Empty), Ok(None));
        assert!(parse_date(&Data::String("31/02/2025".into())).is_err());
        assert!(parse_date(&Data::String("domani".into())).is_err());
        assert!(parse_date(&Data::Float(-3.0)).is_err());
        assert_eq!(parse_date(&Data::String("31/03/2025".into())).ok().flatten().map(|x| x.1), Some(DateSource::Text("dd/mm/yyyy")));
    }

    #[test]
    fn booleans_and_levels() {
        assert_eq!(parse_bool(&Data::Bool(true)), Ok(Some(true)));
        assert_eq!(parse_bool(&Data::String("Sì".into())), Ok(Some(true)));
        assert_eq!(parse_bool(&Data::String("FALSO".into())), Ok(Some(false)));
        assert_eq!(parse_bool(&Data::Int(1)), Ok(Some(true)));
        assert!(parse_bool(&Data::String("forse".into())).is_err());
        assert_eq!(parse_level("Avanzata"), Ok(Some(kb::Level::Advanced)));
        assert_eq!(parse_level(" base "), Ok(Some(kb::Level::Base)));
        assert_eq!(parse_level(""), Ok(None));
        assert!(parse_level("medio").is_err());
    }

    #[test]
    fn links_from_hyperlink_and_text() {
        let (l, bad) = links("Portale regionale", Some("https://example.org/a"));
        assert_eq!(l, ["https://example.org/a"]);
        assert!(bad.is_empty());
        let (l, _) = links("https://example.org/a", Some("https://example.org/a"));
        assert_eq!(l, ["https://example.org/a"]);
        let (l, bad) = links("https://a.example/x\nwww.b.example ; vedi sito", None);
        assert_eq!(l, ["https://a.example/x", "https://www.b.example"]);
        assert_eq!(bad, ["vedi", "sito"]);
    }

    #[test]
    fn html_is_sanitised_and_reported() {
        assert_eq!(sanitize_html("a < b e c > d").1, Html::None);
        let (s, k) = sanitize_html("<p>Vai allo <b>sportello</b></p>");
        assert_eq!(k, Html::Safe);
        assert!(s.contains("<b>sportello</b>"));
        let (s, k) = sanitize_html("<p onclick=\"x()\">Ciao<script>alert(1)</script></p>");
        assert_eq!(k, Html::Sanitised);
        assert!(!s.contains("script") && !s.contains("onclick"), "{s}");
        let (s, k) = sanitize_html("<a href=\"javascript:alert(1)\">x</a>");
        assert_eq!(k, Html::Sanitised);
        assert!(!s.contains("javascript"), "{s}");
    }

    #[test]
    fn formula_errors_and_huge_cells_are_refused() {
        assert!(cell_text(&Data::Error(calamine::CellErrorType::Div0)).is_err());
        assert!(cell_text(&Data::String("x".repeat(100_000))).is_err());
        assert_eq!(cell_text(&Data::Float(4291.0)).as_deref(), Ok("4291"));
    }
}
