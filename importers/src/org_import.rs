//! Importing the organisation chart workbook: a sheet of structures
//! (offices, with their hierarchy) and a sheet of staff. Offices are written
//! parents first; a structure whose parent is missing, rejected or part of
//! a cycle is rejected. Upsert by structure code and staff number, in one
//! transaction, with the same report, dry run and idempotence as the KB
//! import.

use crate::error::{Error, Result};
use crate::headers::{FieldDef, Layout, Schema, detect_layout, normalize};
use crate::kb_import::{Progress, ProgressFn, is_fatal, transaction};
use crate::report::{ImportReport, Outcome, RowReport, Severity};
use crate::values;
use crate::workbook::{DEFAULT_MAX_BYTES, Sheet, Workbook, column_name, read_limited};
use kb::{Actor, Graph, Kb, Office, Person, Reader};
use std::collections::HashMap;
use std::path::Path;

macro_rules! fields {
    ($($key:literal => [$($syn:literal),* $(,)?]),* $(,)?) => {
        &[$(FieldDef { key: $key, synonyms: &[$($syn),*] }),*]
    };
}

/// Columns of the structures sheet (`Strutture`).
pub static ORG_OFFICE_SCHEMA: Schema = Schema {
    what: "structures (offices)",
    required_any: &["code"],
    fields: fields! {
        "code" => ["codice struttura", "codice", "cod struttura", "code", "id", "structure code",
            "codice ufficio", "sigla", "office code"],
        "name" => ["denominazione", "nome struttura", "nome", "name", "struttura", "ufficio",
            "office", "office name"],
        "kind" => ["tipo", "tipologia", "type", "kind", "tipo struttura"],
        "parent" => ["struttura padre", "padre", "parent", "struttura superiore", "dipende da",
            "codice padre", "parent code", "struttura di livello superiore"],
        "head" => ["responsabile", "dirigente", "head", "manager", "direttore"],
        "email" => ["email", "e mail", "mail", "posta elettronica", "indirizzo email"],
        "pec" => ["pec", "posta certificata", "posta elettronica certificata", "certified email"],
        "phone" => ["telefono", "tel", "phone", "numero di telefono", "centralino"],
        "extension" => ["interno", "extension", "ext", "tel interno"],
        "site" => ["sede", "indirizzo", "site", "address", "location", "ubicazione"],
        "competences" => ["competenze", "competences", "attivita", "materie", "responsibilities"],
    },
};

/// Columns of the staff sheet (`Personale`).
pub static ORG_PERSON_SCHEMA: Schema = Schema {
    what: "staff",
    required_any: &["staff_number"],
    fields: fields! {
        "staff_number" => ["matricola", "numero matricola", "staff number", "employee id",
            "badge", "employee number"],
        "family_name" => ["cognome", "family name", "surname", "last name"],
        "given_name" => ["nome", "given name", "first name", "name"],
        "full_name" => ["nominativo", "nome e cognome", "cognome e nome", "full name", "dipendente"],
        "office" => ["struttura", "ufficio", "codice struttura", "office", "department",
            "struttura di appartenenza", "unit"],
        "title" => ["qualifica", "ruolo", "title", "job title", "role", "profilo"],
        "functions" => ["funzioni", "mansioni", "functions", "duties", "attivita", "compiti"],
        "extension" => ["interno", "tel interno", "extension", "ext", "telefono", "phone"],
        "email" => ["email", "e mail", "mail", "posta elettronica"],
        "room" => ["stanza", "room", "piano", "locale"],
    },
};

/// Options of an organisation chart import.
#[derive(Debug, Clone)]
pub struct OrgImportOptions {
    /// Build the report without writing anything.
    pub dry_run: bool,
    /// Files larger than this are refused before parsing.
    pub max_bytes: u64,
    /// Write nothing if any row is rejected.
    pub strict: bool,
}

impl Default for OrgImportOptions {
    fn default() -> Self {
        Self { dry_run: false, max_bytes: DEFAULT_MAX_BYTES, strict: false }
    }
}

/// Imports the organisation chart workbook at `path`.
pub fn import_org(kb: &Kb, actor: &Actor, path: &Path, opts: &OrgImportOptions, progress: ProgressFn<'_>) -> Result<ImportReport> {
    let bytes = read_limited(path, opts.max_bytes)?;
    import_org_bytes(kb, actor, path, bytes, opts, progress)
}

/// Imports an organisation chart workbook from its bytes.
pub fn import_org_bytes(
    kb: &Kb,
    actor: &Actor,
    path: &Path,
    bytes: Vec<u8>,
    opts: &OrgImportOptions,
    progress: ProgressFn<'_>,
) -> Result<ImportReport> {
    let wb = Workbook::from_bytes_limited(path, bytes, opts.max_bytes)?;
    let mut report = ImportReport::new(path, opts.dry_run);
    let offices_layout = detect_layout(&wb, &ORG_OFFICE_SCHEMA, None, None).ok();
    let people_layout = wb
        .sheets
        .iter()
        .filter(|s| offices_layout.as_ref().is_none_or(|l| l.sheet != s.name))
        .find_map(|s| detect_layout(&wb, &ORG_PERSON_SCHEMA, None, Some(&s.name)).ok());
    if offices_layout.is_none() && people_layout.is_none() {
        return Err(Error::NoHeader {
            path: path.to_owned(),
            searched: format!("sheets {}", wb.sheet_names()),
            expected: "a structures sheet (Codice struttura, Denominazione, ...) or a staff sheet (Matricola, Cognome, Nome, ...)".into(),
        });
    }
    let mut offices = Vec::new();
    if let Some(l) = &offices_layout {
        describe_layout(&mut report, l);
        offices = read_offices(wb.sheet(&l.sheet)?, l, &mut report);
    } else {
        report.file_note(Severity::Warning, "no structures sheet found: only staff imported");
    }
    let mut people = Vec::new();
    if let Some(l) = &people_layout {
        describe_layout(&mut report, l);
        people = read_people(wb.sheet(&l.sheet)?, l, &mut report);
    } else {
        report.file_note(Severity::Warning, "no staff sheet found: only structures imported");
    }
    let order = order_offices(kb, &offices, &mut report)?;
    let total = order.len() + people.len();
    transaction(kb, path, opts.dry_run, opts.strict, &mut report, |w, report| {
        let org = kb.graph(Graph::Org).into_owned();
        let mut done = 0;
        for i in order {
            let (idx, office) = &offices[i];
            let existed = w.describes(kb.office_iri(&office.code).as_ref(), org.as_ref())?;
            let rep = &mut report.rows[*idx];
            apply(rep, existed, kb.upsert_office_in(w, actor, office))?;
            done += 1;
            if done % 200 == 0 {
                progress(Progress { phase: "writing", done, total });
            }
        }
        let names = office_names(kb, w)?;
        for (idx, mut person, office_text) in people {
            let rep = &mut report.rows[idx];
            if let Some((text, col)) = office_text {
                match names.get(&normalize(&text)).map(Vec::as_slice) {
                    Some([code]) => person.office = Some(code.clone()),
                    Some(many) if many.len() > 1 => {
                        rep.note(
                            Some(col.as_str()),
                            Severity::Warning,
                            format!("office {text:?} is ambiguous ({}): person imported without office; write the code", many.join(", ")),
                        );
                    }
                    _ => rep.note(
                        Some(col.as_str()),
                        Severity::Warning,
                        format!(
                            "unknown office {text:?}: neither in the file nor in the organisation chart; person imported without office"
                        ),
                    ),
                }
            }
            let existed = w.describes(kb.person_iri(&person.staff_number).as_ref(), org.as_ref())?;
            apply(rep, existed, kb.upsert_person_in(w, actor, &person))?;
            done += 1;
            if done % 200 == 0 {
                progress(Progress { phase: "writing", done, total });
            }
        }
        progress(Progress { phase: "committing", done: total, total });
        Ok(())
    })?;
    Ok(report)
}

fn apply(rep: &mut RowReport, existed: bool, result: kb::Result<bool>) -> kb::Result<()> {
    match result {
        Ok(true) => rep.outcome = if existed { Outcome::Updated } else { Outcome::Created },
        Ok(false) => rep.outcome = Outcome::Unchanged,
        Err(e) if is_fatal(&e) => return Err(e),
        Err(e) => {
            rep.note(None, Severity::Error, e.to_string());
            rep.outcome = Outcome::Rejected;
        }
    }
    Ok(())
}

/// Office codes by normalised name and code, as they stand in the transaction.
fn office_names(kb: &Kb, w: &kb::WriteTx<'_>) -> kb::Result<HashMap<String, Vec<String>>> {
    let org = kb.graph(Graph::Org);
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let code_p = kb::oxigraph::model::NamedNode::new_unchecked(ontologies::vocab::cc::STRUCTURE_CODE);
    for q in w.quads(None, Some(code_p.as_ref()), None, Some(org.into()))? {
        let kb::oxigraph::model::Term::Literal(code) = &q.object else {
            continue;
        };
        let code = code.value().to_owned();
        out.entry(normalize(&code)).or_default().push(code.clone());
        if let kb::oxigraph::model::NamedOrBlankNode::NamedNode(s) = &q.subject
            && let Some(kb::oxigraph::model::Term::Literal(name)) = w.object(s.as_ref(), ontologies::vocab::skos::PREF_LABEL, org)?
        {
            let list = out.entry(normalize(name.value())).or_default();
            if !list.contains(&code) {
                list.push(code);
            }
        }
    }
    Ok(out)
}

fn describe_layout(report: &mut ImportReport, l: &Layout) {
    report.file_note(
        Severity::Info,
        format!("sheet {:?}: header in row {}, {} column(s) mapped", l.sheet, l.header_row + 1, l.columns.len()),
    );
    for (header, col) in &l.unmapped {
        report.file_note(Severity::Warning, format!("sheet {:?} column {col} {header:?} is not mapped to any field: ignored", l.sheet));
    }
}

/// The cells of a row as text by field key; a formula error or an
/// over-long cell is noted as an error.
fn row_texts(sheet: &Sheet, l: &Layout, row: u32, rep: &mut RowReport) -> HashMap<&'static str, (String, String)> {
    let mut out = HashMap::new();
    for c in &l.columns {
        let col = format!("{} ({})", column_name(c.col), c.header);
        match values::cell_text(sheet.cell(row, c.col)) {
            Ok(t) if !t.trim().is_empty() => {
                out.insert(c.key, (t.trim().to_owned(), col));
            }
            Ok(_) => {}
            Err(msg) => rep.note(Some(col.as_str()), Severity::Error, msg),
        }
    }
    out
}

fn data_rows(sheet: &Sheet, l: &Layout) -> std::ops::RangeInclusive<u32> {
    match sheet.row_span() {
        Some((_, last)) if last > l.header_row => l.header_row + 1..=last,
        // No data row: an empty range.
        _ => std::ops::RangeInclusive::new(1, 0),
    }
}

/// The report of a data row, or `None` when the row is blank (then
/// reported as skipped).
fn data_row_report(sheet: &Sheet, row: u32, report: &mut ImportReport) -> Option<RowReport> {
    let mut rep = RowReport::new(&sheet.name, row + 1);
    if sheet.is_blank_row(row) {
        rep.outcome = Outcome::Skipped;
        rep.note(None, Severity::Info, "blank row skipped");
        report.rows.push(rep);
        return None;
    }
    Some(rep)
}

/// Checks a row's key (structure code, staff number): present and not
/// seen in an earlier row of the file.
fn check_key(rep: &mut RowReport, seen: &mut HashMap<String, u32>, key: &str, row: u32, what: &str, missing: &str) {
    if key.is_empty() {
        rep.note(None, Severity::Error, missing);
        return;
    }
    rep.id = Some(key.to_owned());
    match seen.get(key) {
        Some(first) => rep.note(None, Severity::Error, format!("duplicate {what} {key}: first at row {first}; this row is not imported")),
        None => {
            seen.insert(key.to_owned(), row + 1);
        }
    }
}

fn read_offices(sheet: &Sheet, l: &Layout, report: &mut ImportReport) -> Vec<(usize, Office)> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in data_rows(sheet, l) {
        let Some(mut rep) = data_row_report(sheet, row, report) else { continue };
        let t = row_texts(sheet, l, row, &mut rep);
        let get = |k: &str| t.get(k).map(|v| v.0.clone());
        let office = Office {
            code: get("code").unwrap_or_default(),
            name: get("name").unwrap_or_default(),
            kind: get("kind"),
            parent: get("parent"),
            head: get("head"),
            email: get("email"),
            pec: get("pec"),
            phone: get("phone"),
            extension: get("extension"),
            site: get("site"),
            competences: get("competences"),
        };
        check_key(&mut rep, &mut seen, &office.code, row, "structure code", "missing structure code");
        if office.name.is_empty() {
            rep.note(None, Severity::Error, "missing name (Denominazione)");
        }
        if rep.has_errors() {
            rep.outcome = Outcome::Rejected;
        } else {
            out.push((report.rows.len(), office));
        }
        report.rows.push(rep);
    }
    out
}

type PersonRow = (usize, Person, Option<(String, String)>);

fn read_people(sheet: &Sheet, l: &Layout, report: &mut ImportReport) -> Vec<PersonRow> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for row in data_rows(sheet, l) {
        let Some(mut rep) = data_row_report(sheet, row, report) else { continue };
        let t = row_texts(sheet, l, row, &mut rep);
        let get = |k: &str| t.get(k).map(|v| v.0.clone());
        let mut person = Person {
            staff_number: get("staff_number").unwrap_or_default(),
            given_name: get("given_name").unwrap_or_default(),
            family_name: get("family_name").unwrap_or_default(),
            office: None,
            title: get("title"),
            functions: get("functions"),
            extension: get("extension"),
            email: get("email"),
            room: get("room"),
        };
        if person.given_name.is_empty() && person.family_name.is_empty() {
            person.family_name = get("full_name").unwrap_or_default();
        }
        check_key(&mut rep, &mut seen, &person.staff_number, row, "staff number", "missing staff number (Matricola)");
        if person.given_name.is_empty() && person.family_name.is_empty() {
            rep.note(None, Severity::Error, "missing name (Cognome, Nome)");
        }
        if rep.has_errors() {
            rep.outcome = Outcome::Rejected;
        } else {
            let office = t.get("office").cloned();
            out.push((report.rows.len(), person, office));
        }
        report.rows.push(rep);
    }
    out
}

/// The offices in an order that writes every parent before its children.
/// Offices whose parent is unknown, rejected or in a cycle are rejected.
fn order_offices(kb: &Kb, offices: &[(usize, Office)], report: &mut ImportReport) -> Result<Vec<usize>> {
    let org = kb.graph(Graph::Org);
    let by_code: HashMap<&str, usize> = offices.iter().enumerate().map(|(i, (_, o))| (o.code.as_str(), i)).collect();
    let mut state: Vec<u8> = vec![0; offices.len()]; // 0 new, 1 visiting, 2 placed, 3 rejected
    let mut order = Vec::new();
    for start in 0..offices.len() {
        // Walk up to the first placed or root ancestor, then place downwards.
        let mut chain = vec![start];
        let mut verdict: Option<String> = None;
        loop {
            let cur = chain[chain.len() - 1];
            match state[cur] {
                2 => {
                    chain.pop();
                    break;
                }
                3 => {
                    chain.pop();
                    verdict = Some(format!("its parent {} was rejected", offices[cur].1.code));
                    break;
                }
                _ => {}
            }
            state[cur] = 1;
            let Some(parent) = offices[cur].1.parent.as_deref().filter(|p| !p.is_empty()) else {
                break;
            };
            match by_code.get(parent) {
                Some(&p) if state[p] == 1 => {
                    verdict = Some(format!("parent {parent} makes a cycle"));
                    break;
                }
                Some(&p) => chain.push(p),
                None => {
                    if !kb.store().describes(kb.office_iri(parent).as_ref(), org)? {
                        verdict = Some(format!("parent {parent} is neither in the file nor in the organisation chart"));
                    }
                    break;
                }
            }
        }
        while let Some(i) = chain.pop() {
            if state[i] >= 2 {
                continue;
            }
            match &verdict {
                Some(why) => {
                    state[i] = 3;
                    let rep = &mut report.rows[offices[i].0];
                    rep.note(None, Severity::Error, format!("structure not imported: {why}"));
                    rep.outcome = Outcome::Rejected;
                    verdict = Some(format!("its parent {} was rejected", offices[i].1.code));
                }
                None => {
                    state[i] = 2;
                    order.push(i);
                }
            }
        }
    }
    Ok(order)
}
