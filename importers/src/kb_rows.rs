//! Reading one row of a KB workbook into item content, with a note for
//! every value that was fixed, dropped or refused. Pure: no store access.

use crate::headers::{FieldDef, Layout, Schema};
use crate::report::{Outcome, RowReport, Severity};
use crate::values::{self, DateSource, Html};
use crate::workbook::{Sheet, column_name};
use calamine::Data;
use chrono::NaiveDate;
use kb::{ItemContent, Level};

macro_rules! fields {
    ($($key:literal => [$($syn:literal),* $(,)?]),* $(,)?) => {
        &[$(FieldDef { key: $key, synonyms: &[$($syn),*] }),*]
    };
}

/// The columns of a KB workbook ("pillole di conoscenza") and their
/// Italian and English header synonyms (normalised: lower case, no
/// The columns of the administration's KB workbook ("pillole di
/// conoscenza"), in its order: the layout the handover files use, which
/// benchmarks and tests generate.
pub const HANDOVER_KB_HEADERS: [&str; 16] = [
    "Cod. Pillola",
    "Area tematica",
    "Sotto-area",
    "Titolo",
    "Domanda frequente",
    "Risposta (testo per l'operatore)",
    "Parole chiave",
    "Ufficio competente",
    "Referente",
    "Tel. interno",
    "Normativa di riferimento",
    "Link",
    "Modulistica",
    "Data ultimo aggiornamento",
    "Valida fino al",
    "Livello",
];

/// accents or punctuation).
pub static KB_SCHEMA: Schema = Schema {
    what: "knowledge items",
    required_any: &["title"],
    fields: fields! {
        "code" => ["cod pillola", "codice pillola", "codice", "cod", "id", "code", "item code",
            "identificativo", "codice scheda", "n pillola", "numero pillola", "pillola", "item id"],
        "category1" => ["area tematica", "area", "categoria", "category", "ambito", "macro area",
            "macroarea", "tema", "topic", "subject area", "percorso", "classificazione",
            "category path", "classification"],
        "category2" => ["sotto area", "sottoarea", "sottocategoria", "sotto categoria",
            "subcategory", "sub category", "sub area", "subarea", "argomento"],
        "category3" => ["sotto sotto area", "dettaglio", "sub subcategory", "sottoargomento",
            "category 3", "categoria 3"],
        "title" => ["titolo", "title", "oggetto", "subject", "titolo pillola", "nome pillola"],
        "title_en" => ["titolo en", "titolo inglese", "title en", "english title"],
        "question" => ["domanda frequente", "domanda", "question", "faq", "quesito",
            "domanda tipo", "frequently asked question"],
        "question_en" => ["domanda en", "domanda inglese", "question en", "english question"],
        "answer" => ["risposta", "answer", "solution", "soluzione", "testo risposta",
            "risposta operatore", "contenuto", "testo"],
        "answer_en" => ["risposta en", "risposta inglese", "answer en", "english answer",
            "solution en"],
        "keywords" => ["parole chiave", "keywords", "keyword", "sinonimi", "synonyms",
            "chiavi di ricerca", "parole chiave sinonimi", "key words"],
        "tags" => ["tag", "tags", "etichette", "etichetta"],
        "office" => ["ufficio competente", "ufficio", "struttura competente", "struttura",
            "office", "competent office", "department", "responsible office"],
        "person" => ["referente", "contact person", "contatto", "persona di riferimento",
            "responsabile", "contact", "referent"],
        "extension" => ["tel interno", "interno", "telefono interno", "extension", "ext",
            "telefono", "tel", "phone"],
        "legal_references" => ["normativa di riferimento", "normativa", "riferimenti normativi",
            "legal references", "legal reference", "legislation", "riferimenti di legge", "leggi"],
        "links" => ["link", "links", "url", "sito", "collegamento", "collegamenti",
            "indirizzo web", "web", "sito web"],
        "forms" => ["modulistica", "moduli", "modulo", "forms", "form", "allegati",
            "attachments", "allegato"],
        "last_update" => ["data ultimo aggiornamento", "ultimo aggiornamento", "aggiornato il",
            "data aggiornamento", "last update", "last updated", "updated", "modified",
            "data modifica"],
        "valid_from" => ["valido dal", "valida dal", "data inizio", "inizio validita",
            "valid from", "start date"],
        "valid_until" => ["valida fino al", "valido fino al", "scadenza", "data scadenza",
            "valid until", "deadline", "expiry", "expiry date", "fine validita", "valid to",
            "termine"],
        "level" => ["livello", "level", "tipo", "type", "tipologia", "livello risposta"],
        "advanced" => ["avanzata", "advanced", "livello avanzato", "solo l2", "l2"],
        "audiences" => ["destinatari", "audience", "audiences", "target", "pubblico"],
    },
};

/// A row read from the sheet, before names are resolved against the store.
#[derive(Debug, Clone)]
pub(crate) struct RowItem {
    /// The item code, normalised (upper case, trimmed).
    pub code: Option<String>,
    /// Content without concept, office, person and audiences.
    pub content: ItemContent,
    /// Category path, top first, with the column it came from.
    pub category: Vec<String>,
    /// Column of the category (for notes).
    pub category_col: Option<String>,
    /// Office text and its column.
    pub office: Option<(String, String)>,
    /// Person text and its column.
    pub person: Option<(String, String)>,
    /// Extension text and its column.
    pub extension: Option<(String, String)>,
    /// Audience labels and their column.
    pub audiences: Option<(Vec<String>, String)>,
    /// The "last update" date.
    pub last_update: Option<NaiveDate>,
}

/// What the reader needs besides the sheet.
pub(crate) struct RowContext<'a> {
    pub sheet: &'a Sheet,
    pub layout: &'a Layout,
    /// Items enter as drafts (an empty answer is then allowed).
    pub as_draft: bool,
    /// Today, to flag expired items.
    pub today: NaiveDate,
}

fn label(col: u32, header: &str) -> String {
    format!("{} ({header})", column_name(col))
}

/// Reads row `row` (0-based, absolute). Returns its report and, unless the
/// row is blank or rejected, the item.
pub(crate) fn read_row(cx: &RowContext<'_>, row: u32) -> (RowReport, Option<RowItem>) {
    let mut rep = RowReport::new(&cx.sheet.name, row + 1);
    if cx.sheet.is_blank_row(row) {
        rep.outcome = Outcome::Skipped;
        rep.note(None, Severity::Info, "blank row skipped");
        return (rep, None);
    }
    let mut item = RowItem {
        code: None,
        content: ItemContent::default(),
        category: Vec::new(),
        category_col: None,
        office: None,
        person: None,
        extension: None,
        audiences: None,
        last_update: None,
    };
    let mut categories: Vec<(u8, String, String)> = Vec::new();
    let mut advanced: Option<bool> = None;
    let mut level: Option<Level> = None;
    for mc in &cx.layout.columns {
        let col = label(mc.col, &mc.header);
        let cell: &Data = cx.sheet.cell(row, mc.col);
        // Dates and booleans read the typed cell; everything else its text.
        match mc.key {
            "last_update" | "valid_from" | "valid_until" => {
                match values::parse_date(cell) {
                    Ok(None) => {}
                    Ok(Some((d, src))) => {
                        if let DateSource::Text(fmt) = src
                            && !matches!(cell, Data::DateTimeIso(_))
                        {
                            rep.note(Some(col.as_str()), Severity::Info, format!("date typed as text ({fmt}), read as {d}"));
                        }
                        match mc.key {
                            "last_update" => item.last_update = Some(d),
                            "valid_from" => item.content.valid_from = Some(d),
                            _ => item.content.valid_until = Some(d),
                        }
                    }
                    Err(msg) if mc.key == "last_update" => {
                        rep.note(Some(col.as_str()), Severity::Warning, format!("unparseable date, ignored: {msg}"))
                    }
                    Err(msg) => rep.note(Some(col.as_str()), Severity::Error, format!("unparseable date: {msg}")),
                }
                continue;
            }
            "advanced" => {
                match values::parse_bool(cell) {
                    Ok(b) => advanced = b,
                    Err(msg) => rep.note(Some(col.as_str()), Severity::Error, msg),
                }
                continue;
            }
            _ => {}
        }
        let text = match values::cell_text(cell) {
            Ok(t) => t,
            Err(msg) => {
                rep.note(Some(col.as_str()), Severity::Error, msg);
                continue;
            }
        };
        let trimmed = text.trim();
        let has = !trimmed.is_empty();
        match mc.key {
            "code" if has => {
                let code = trimmed.to_uppercase();
                if let Err(e) = kb::validate_identifier(&code) {
                    rep.note(Some(col.as_str()), Severity::Error, e.to_string());
                } else {
                    if code != text {
                        rep.note(Some(col.as_str()), Severity::Info, format!("code {text:?} normalised to {code}"));
                    }
                    rep.id = Some(code.clone());
                    item.code = Some(code);
                }
            }
            "category1" | "category2" | "category3" if has => {
                let n = mc.key.as_bytes()[8] - b'0';
                categories.push((n, trimmed.to_owned(), col));
            }
            "title" => {
                if has && trimmed != text {
                    rep.note(Some(col.as_str()), Severity::Info, "title had leading or trailing spaces: trimmed");
                }
                item.content.title = trimmed.to_owned();
            }
            "title_en" if has => item.content.title_en = Some(trimmed.to_owned()),
            "question" if has => item.content.question = Some(trimmed.to_owned()),
            "question_en" if has => item.content.question_en = Some(trimmed.to_owned()),
            "answer" | "answer_en" if has => {
                let (clean, kind) = values::sanitize_html(trimmed);
                match kind {
                    Html::None => {}
                    Html::Safe => rep.note(Some(col.as_str()), Severity::Info, "HTML answer kept (only safe markup)"),
                    Html::Sanitised => rep.note(
                        Some(col.as_str()),
                        Severity::Warning,
                        "HTML answer sanitised: scripts, event handlers, styles or unknown tags removed",
                    ),
                }
                if mc.key == "answer" {
                    item.content.answer = clean;
                } else {
                    item.content.answer_en = Some(clean);
                }
            }
            "keywords" if has => {
                let (k, by_newline) = values::split_keywords(trimmed);
                if by_newline {
                    rep.note(Some(col.as_str()), Severity::Info, format!("keywords separated by line breaks: read {} keywords", k.len()));
                }
                item.content.keywords = k;
            }
            "tags" if has => item.content.tags = values::split_keywords(trimmed).0,
            "office" if has => item.office = Some((trimmed.to_owned(), col)),
            "person" if has => item.person = Some((trimmed.to_owned(), col)),
            "extension" if has => item.extension = Some((trimmed.to_owned(), col)),
            "legal_references" if has => item.content.legal_references = values::split_list(trimmed),
            "forms" if has => item.content.forms = values::split_list(trimmed),
            "audiences" if has => {
                item.audiences = Some((values::split_keywords(trimmed).0, col));
            }
            "links" => {
                let (links, bad) = values::links(trimmed, cx.sheet.hyperlink(row, mc.col));
                if !bad.is_empty() {
                    rep.note(
                        Some(col.as_str()),
                        Severity::Warning,
                        format!("not a web link (http, https or mailto), dropped: {}", bad.join(" ")),
                    );
                }
                item.content.links = links;
            }
            "level" if has => match values::parse_level(trimmed) {
                Ok(l) => level = l,
                Err(msg) => rep.note(Some(col.as_str()), Severity::Error, msg),
            },
            _ => {}
        }
    }
    item.content.level = match (level, advanced) {
        (Some(l), _) => l,
        (None, Some(true)) => Level::Advanced,
        _ => Level::Base,
    };
    categories.sort_by_key(|c| c.0);
    for (_, text, col) in categories {
        item.category_col.get_or_insert(col);
        item.category.extend(text.split(['>', '»']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned));
    }
    check_required(cx, &mut rep, &item);
    if let Some(until) = item.content.valid_until
        && until < cx.today
    {
        rep.note(
            cx.layout.column("valid_until").map(|c| label(c.col, &c.header)).as_deref(),
            Severity::Warning,
            format!("expired: valid until {until}; imported, operators see it marked expired"),
        );
    }
    if rep.has_errors() {
        rep.outcome = Outcome::Rejected;
        return (rep, None);
    }
    (rep, Some(item))
}

fn check_required(cx: &RowContext<'_>, rep: &mut RowReport, item: &RowItem) {
    let col = |key: &str| cx.layout.column(key).map(|c| label(c.col, &c.header));
    if item.content.title.is_empty() {
        rep.note(col("title").as_deref(), Severity::Error, "missing title");
    }
    if item.content.answer.is_empty() {
        if cx.as_draft {
            rep.note(col("answer").as_deref(), Severity::Warning, "empty answer: the draft cannot be submitted until it has one");
        } else {
            rep.note(
                col("answer").as_deref(),
                Severity::Error,
                "missing answer: a published item needs one (use --as draft to load it for review)",
            );
        }
    }
    if item.category.is_empty() && !cx.as_draft {
        rep.note(col("category1").as_deref(), Severity::Error, "missing area: a published item needs a classification");
    }
    if let (Some(from), Some(until)) = (item.content.valid_from, item.content.valid_until)
        && from > until
    {
        rep.note(col("valid_until").as_deref(), Severity::Error, format!("valid until {until} is before valid from {from}"));
    }
}
