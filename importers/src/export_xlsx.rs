//! Workbook exports in the import layouts: the published KB (so that
//! importing the export into an empty knowledge base gives back the same
//! graph) and the organisation chart.

use crate::error::Result;
use crate::resolve::{ConceptIndex, OrgIndex};
use chrono::{Datelike, NaiveDate};
use kb::oxigraph::model::{NamedNode, Term};
use kb::{Graph, Kb, Level, Reader, State};
use ontologies::vocab::dcterms;
use rust_xlsxwriter::{ExcelDateTime, Format, Url, Workbook, Worksheet};
use std::path::Path;

/// The sheet of the KB export.
pub const KB_SHEET: &str = "Pillole";
/// The structures sheet of the organisation chart export.
pub const ORG_OFFICES_SHEET: &str = "Strutture";
/// The staff sheet of the organisation chart export.
pub const ORG_PEOPLE_SHEET: &str = "Personale";

/// Headers of the KB export, in order; each maps back to its field
/// through the import synonyms.
const KB_HEADERS: [(&str, f64); 22] = [
    ("Cod. Pillola", 12.0),
    ("Area tematica", 22.0),
    ("Sotto-area", 22.0),
    ("Titolo", 40.0),
    ("Title (EN)", 30.0),
    ("Domanda frequente", 40.0),
    ("Question (EN)", 30.0),
    ("Risposta (testo per l'operatore)", 60.0),
    ("Answer (EN)", 40.0),
    ("Parole chiave", 30.0),
    ("Tag", 16.0),
    ("Ufficio competente", 30.0),
    ("Referente", 22.0),
    ("Tel. interno", 14.0),
    ("Normativa di riferimento", 26.0),
    ("Link", 40.0),
    ("Modulistica", 26.0),
    ("Valido dal", 12.0),
    ("Valida fino al", 12.0),
    ("Livello", 10.0),
    ("Destinatari", 20.0),
    ("Data ultimo aggiornamento", 14.0),
];

fn header_row(sheet: &mut Worksheet, headers: &[(&str, f64)]) -> Result<()> {
    let bold = Format::new().set_bold();
    for (c, (h, width)) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Data rows written (all sheets).
    pub rows: usize,
    /// Values that could not be written as they are (e.g. over Excel's
    /// cell limit), one message each.
    pub warnings: Vec<String>,
}

/// Writes a text cell, cutting text over Excel's cell limit (with a warning:
/// the RDF export and the handover bundle keep such texts whole).
fn text(sheet: &mut Worksheet, row: u32, col: u16, value: &str, what: &str, stats: &mut ExportStats) -> Result<()> {
    if value.is_empty() {
        return Ok(());
    }
    let limit = crate::workbook::MAX_CELL_CHARS;
    if value.chars().count() > limit {
        let cut: String = value.chars().take(limit).collect();
        stats.warnings.push(format!("{what}: longer than Excel's {limit} characters, cut in the workbook (the RDF export keeps it whole)"));
        sheet.write_string(row, col, &cut)?;
    } else {
        sheet.write_string(row, col, value)?;
    }
    Ok(())
}

fn date(sheet: &mut Worksheet, row: u32, col: u16, d: Option<NaiveDate>, f: &Format) -> Result<()> {
    if let Some(d) = d
        && let (Ok(y), Ok(m), Ok(day)) = (u16::try_from(d.year()), u8::try_from(d.month()), u8::try_from(d.day()))
    {
        sheet.write_datetime_with_format(row, col, ExcelDateTime::from_ymd(y, m, day)?, f)?;
    }
    Ok(())
}

/// Exports every published knowledge item to `path` (sheet `Pillole`).
pub fn export_kb_xlsx(kb: &Kb, path: &Path) -> Result<ExportStats> {
    let mut book = Workbook::new();
    let stats = write_kb_sheet(kb, &mut book)?;
    book.save(path)?;
    Ok(stats)
}

/// The published items' identifiers, sorted.
pub(crate) fn published_ids(kb: &Kb) -> Result<Vec<String>> {
    let mut ids: Vec<String> = kb
        .store()
        .quads(None, Some(NamedNode::new_unchecked(dcterms::IDENTIFIER).as_ref()), None, Some(kb.graph(Graph::KbPublished).into()))?
        .into_iter()
        .filter_map(|q| match q.object {
            Term::Literal(l) => Some(l.value().to_owned()),
            _ => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

fn write_kb_sheet(kb: &Kb, book: &mut Workbook) -> Result<ExportStats> {
    let areas = ConceptIndex::load(kb, kb.areas_scheme().as_str())?;
    let audiences = ConceptIndex::load(kb, kb.audience_scheme().as_str())?;
    let org = OrgIndex::load(kb)?;
    let code_of = |iri: &str| iri.rsplit('/').next().unwrap_or(iri).to_owned();
    let date_fmt = Format::new().set_num_format("dd/mm/yyyy");
    let wrap = Format::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name(KB_SHEET)?;
    header_row(sheet, &KB_HEADERS)?;
    let mut stats = ExportStats::default();
    let mut r = 0u32;
    for id in published_ids(kb)? {
        let Some(item) = kb.published_item(&id)? else {
            continue;
        };
        if item.state != State::Published {
            continue;
        }
        r += 1;
        let c = &item.content;
        let path = c.concept.as_deref().map(|i| areas.path_of(i)).unwrap_or_default();
        let what = |f: &str| format!("{id} {f}");
        sheet.write_string(r, 0, &id)?;
        if let Some((top, rest)) = path.split_first() {
            sheet.write_string(r, 1, top)?;
            if !rest.is_empty() {
                sheet.write_string(r, 2, rest.join(" > "))?;
            }
        }
        text(sheet, r, 3, &c.title, &what("title"), &mut stats)?;
        text(sheet, r, 4, c.title_en.as_deref().unwrap_or(""), &what("title_en"), &mut stats)?;
        text(sheet, r, 5, c.question.as_deref().unwrap_or(""), &what("question"), &mut stats)?;
        text(sheet, r, 6, c.question_en.as_deref().unwrap_or(""), &what("question_en"), &mut stats)?;
        text(sheet, r, 7, &c.answer, &what("answer"), &mut stats)?;
        text(sheet, r, 8, c.answer_en.as_deref().unwrap_or(""), &what("answer_en"), &mut stats)?;
        text(sheet, r, 9, &c.keywords.join("; "), &what("keywords"), &mut stats)?;
        text(sheet, r, 10, &c.tags.join("; "), &what("tags"), &mut stats)?;
        let office = c.office.as_deref().map(code_of);
        let person = c.person.as_deref().map(code_of);
        if let Some(o) = &office {
            sheet.write_string(r, 11, org.office_label(o))?;
        }
        if let Some(p) = &person {
            sheet.write_string(r, 12, org.person_label(p))?;
        }
        let phone = [&c.person, &c.office].into_iter().flatten().find_map(|iri| org.display_phone(iri));
        if let Some(p) = phone {
            sheet.write_string(r, 13, p)?;
        }
        text(sheet, r, 14, &c.legal_references.join("\n"), &what("legal_references"), &mut stats)?;
        match c.links.as_slice() {
            [] => {}
            [one] => {
                if sheet.write_url(r, 15, Url::new(one.as_str())).is_err() {
                    text(sheet, r, 15, one, &what("links"), &mut stats)?;
                }
            }
            many => text(sheet, r, 15, &many.join("\n"), &what("links"), &mut stats)?,
        }
        text(sheet, r, 16, &c.forms.join("\n"), &what("forms"), &mut stats)?;
        date(sheet, r, 17, c.valid_from, &date_fmt)?;
        date(sheet, r, 18, c.valid_until, &date_fmt)?;
        sheet.write_string(
            r,
            19,
            match c.level {
                Level::Base => "Base",
                Level::Advanced => "Avanzata",
            },
        )?;
        let aud: Vec<String> = c.audiences.iter().filter_map(|a| audiences.path_of(a).pop()).collect();
        if !aud.is_empty() {
            sheet.write_string(r, 20, aud.join("; "))?;
        }
        date(sheet, r, 21, item.modified.map(|m| m.date_naive()), &date_fmt)?;
    }
    sheet.set_column_format(7, &wrap)?;
    if r > 0 {
        sheet.autofilter(0, 0, r, (KB_HEADERS.len() - 1) as u16)?;
    }
    stats.rows = r as usize;
    Ok(stats)
}

/// Headers of the structures sheet (as in the administration's file).
const OFFICE_HEADERS: [(&str, f64); 11] = [
    ("Codice struttura", 14.0),
    ("Denominazione", 40.0),
    ("Tipo", 14.0),
    ("Struttura padre", 14.0),
    ("Responsabile", 24.0),
    ("Email", 30.0),
    ("PEC", 30.0),
    ("Telefono", 16.0),
    ("Interno", 10.0),
    ("Sede", 30.0),
    ("Competenze", 60.0),
];

/// Headers of the staff sheet (as in the administration's file).
const PERSON_HEADERS: [(&str, f64); 9] = [
    ("Matricola", 12.0),
    ("Cognome", 18.0),
    ("Nome", 18.0),
    ("Struttura", 12.0),
    ("Qualifica", 20.0),
    ("Funzioni", 60.0),
    ("Interno", 14.0),
    ("Email", 30.0),
    ("Stanza", 20.0),
];

/// Exports the organisation chart to `path` (sheets `Strutture` and
/// `Personale`, the layout of the administration's file).
pub fn export_org_xlsx(kb: &Kb, path: &Path) -> Result<ExportStats> {
    let mut book = Workbook::new();
    let stats = write_org_sheets(kb, &mut book)?;
    book.save(path)?;
    Ok(stats)
}

fn write_org_sheets(kb: &Kb, book: &mut Workbook) -> Result<ExportStats> {
    let mut stats = ExportStats::default();
    let sheet = book.add_worksheet();
    sheet.set_name(ORG_OFFICES_SHEET)?;
    header_row(sheet, &OFFICE_HEADERS)?;
    let offices = kb.offices()?;
    for (i, o) in offices.iter().enumerate() {
        let r = i as u32 + 1;
        let what = format!("structure {}", o.code);
        let cells = [
            Some(&o.code),
            Some(&o.name),
            o.kind.as_ref(),
            o.parent.as_ref(),
            o.head.as_ref(),
            o.email.as_ref(),
            o.pec.as_ref(),
            o.phone.as_ref(),
            o.extension.as_ref(),
            o.site.as_ref(),
            o.competences.as_ref(),
        ];
        for (c, v) in cells.iter().enumerate() {
            if let Some(v) = v {
                text(sheet, r, c as u16, v, &what, &mut stats)?;
            }
        }
    }
    let sheet = book.add_worksheet();
    sheet.set_name(ORG_PEOPLE_SHEET)?;
    header_row(sheet, &PERSON_HEADERS)?;
    let people = kb.people()?;
    for (i, p) in people.iter().enumerate() {
        let r = i as u32 + 1;
        let what = format!("person {}", p.staff_number);
        let cells = [
            Some(&p.staff_number),
            Some(&p.family_name),
            Some(&p.given_name),
            p.office.as_ref(),
            p.title.as_ref(),
            p.functions.as_ref(),
            p.extension.as_ref(),
            p.email.as_ref(),
            p.room.as_ref(),
        ];
        for (c, v) in cells.iter().enumerate() {
            if let Some(v) = v {
                text(sheet, r, c as u16, v, &what, &mut stats)?;
            }
        }
    }
    stats.rows = offices.len() + people.len();
    Ok(stats)
}

/// Both workbooks as bytes (for the handover bundle).
pub(crate) fn kb_and_org_buffers(kb: &Kb) -> Result<(Vec<u8>, Vec<u8>, ExportStats)> {
    let mut book = Workbook::new();
    let mut stats = write_kb_sheet(kb, &mut book)?;
    let kb_bytes = book.save_to_buffer()?;
    let mut book = Workbook::new();
    let org_stats = write_org_sheets(kb, &mut book)?;
    let org_bytes = book.save_to_buffer()?;
    stats.warnings.extend(org_stats.warnings);
    Ok((kb_bytes, org_bytes, stats))
}
