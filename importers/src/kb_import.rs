//! Importing a KB workbook: rows are read outside the store, then every
//! name is resolved and every item written in ONE [`Kb::write`]
//! transaction, so a fatal error (or `--dry-run`) leaves the graph as it was.
//!
//! Items are upserted by code: a new code creates an item, a known code
//! with the same content is `unchanged`, a known code with new content gets
//! a new revision (published at once, or a draft for review). Rows without
//! a code are matched to an existing item by title, else created with the
//! next free code.

use crate::error::{Error, Result};
use crate::headers::{Mapping, detect_layout};
use crate::kb_rows::{KB_SCHEMA, RowContext, RowItem, read_row};
use crate::report::{ImportReport, Outcome, RowReport, Severity};
use crate::resolve::{ConceptIndex, Match, OrgIndex};
use crate::workbook::{DEFAULT_MAX_BYTES, Workbook, read_limited};
use chrono::{NaiveDate, Utc};
use kb::oxigraph::model::{Literal, NamedNode, Quad, Term};
use kb::{Actor, Graph, ItemContent, Kb, Reader, State, WriteTx};
use ontologies::vocab::{dcterms, xsd};
use std::collections::HashMap;
use std::path::Path;

/// How imported items enter the knowledge base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntryState {
    /// Published at once (the administrator's initial load).
    #[default]
    Published,
    /// As drafts, for publishers to review and submit.
    Draft,
}

/// Progress of a long import or export, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// What is being done: `reading`, `writing`, `committing`.
    pub phase: &'static str,
    /// Units done.
    pub done: usize,
    /// Units in all.
    pub total: usize,
}

/// A progress callback; `&mut |_| {}` for none.
pub type ProgressFn<'a> = &'a mut dyn FnMut(Progress);

/// Options of a KB workbook import.
#[derive(Debug, Clone)]
pub struct KbImportOptions {
    /// Build the report without writing anything.
    pub dry_run: bool,
    /// How items enter.
    pub entry: EntryState,
    /// A mapping file for layouts the synonyms do not cover.
    pub mapping: Option<Mapping>,
    /// Files larger than this are refused before parsing.
    pub max_bytes: u64,
    /// Write nothing if any row is rejected.
    pub strict: bool,
    /// The day against which expiry is reported (default: today).
    pub today: NaiveDate,
}

impl Default for KbImportOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            entry: EntryState::Published,
            mapping: None,
            max_bytes: DEFAULT_MAX_BYTES,
            strict: false,
            today: Utc::now().date_naive(),
        }
    }
}

/// Imports the KB workbook at `path` (see the module documentation).
pub fn import_kb(kb: &Kb, actor: &Actor, path: &Path, opts: &KbImportOptions, progress: ProgressFn<'_>) -> Result<ImportReport> {
    let bytes = read_limited(path, opts.max_bytes)?;
    import_kb_bytes(kb, actor, path, bytes, opts, progress)
}

/// Imports a KB workbook from its bytes; `path` only names it in messages.
pub fn import_kb_bytes(
    kb: &Kb,
    actor: &Actor,
    path: &Path,
    bytes: Vec<u8>,
    opts: &KbImportOptions,
    progress: ProgressFn<'_>,
) -> Result<ImportReport> {
    let wb = Workbook::from_bytes_limited(path, bytes, opts.max_bytes)?;
    let (mut report, rows) = read_rows(&wb, opts, progress)?;
    write_rows(kb, actor, path, opts, &mut report, rows, progress)?;
    Ok(report)
}

type ParsedRow = (usize, RowItem);

/// Reads every data row; returns the report so far and the importable rows
/// (with their index in the report).
fn read_rows(wb: &Workbook, opts: &KbImportOptions, progress: ProgressFn<'_>) -> Result<(ImportReport, Vec<ParsedRow>)> {
    let layout = detect_layout(wb, &KB_SCHEMA, opts.mapping.as_ref(), None)?;
    let sheet = wb.sheet(&layout.sheet)?;
    let mut report = ImportReport::new(&wb.path, opts.dry_run);
    report.file_note(
        Severity::Info,
        format!(
            "sheet {:?}: header in row {}, {} column(s) mapped: {}",
            layout.sheet,
            layout.header_row + 1,
            layout.columns.len(),
            layout.columns.iter().map(|c| format!("{:?} → {}", c.header, c.key)).collect::<Vec<_>>().join(", ")
        ),
    );
    for other in wb.sheets.iter().filter(|s| s.name != layout.sheet) {
        report.file_note(Severity::Info, format!("sheet {:?}: no knowledge-item header, not imported", other.name));
    }
    for (header, col) in &layout.unmapped {
        report.file_note(
            Severity::Warning,
            format!("column {col} {header:?} is not mapped to any field: ignored (map it in a mapping file)"),
        );
    }
    for (header, col, key) in &layout.duplicates {
        report.file_note(Severity::Warning, format!("column {col} {header:?} also maps to {key}: ignored, the first such column is used"));
    }
    if layout.column("code").is_none() {
        report.file_note(Severity::Warning, "no code column: rows are matched to existing items by title, new ones get the next free code");
    }
    let cx = RowContext { sheet, layout: &layout, as_draft: opts.entry == EntryState::Draft, today: opts.today };
    let (first, last) = match sheet.row_span() {
        Some((_, last)) if last > layout.header_row => (layout.header_row + 1, last),
        _ => (layout.header_row + 1, layout.header_row),
    };
    let total = (last + 1).saturating_sub(first) as usize;
    let mut rows = Vec::new();
    let mut first_seen: HashMap<String, (u32, ItemContent)> = HashMap::new();
    for (i, row) in (first..=last).enumerate() {
        let (mut rep, item) = read_row(&cx, row);
        if let Some(item) = item {
            let key = item.code.clone().unwrap_or_else(|| format!("title:{}", crate::headers::normalize(&item.content.title)));
            if let Some((first_row, content)) = first_seen.get(&key) {
                let what = if item.code.is_some() { "code" } else { "title (and no code)" };
                let same = if *content == item.content { "same content" } else { "different content" };
                rep.note(
                    None,
                    Severity::Error,
                    format!(
                        "duplicate {what} {}: first at row {first_row} ({same}); this row is not imported",
                        item.code.as_deref().unwrap_or(&item.content.title)
                    ),
                );
                rep.outcome = Outcome::Rejected;
            } else {
                first_seen.insert(key, (rep.row, item.content.clone()));
                rows.push((report.rows.len(), item));
            }
        }
        report.rows.push(rep);
        if i % 1000 == 0 {
            progress(Progress { phase: "reading", done: i, total });
        }
    }
    Ok((report, rows))
}

/// Whether a kb error means the store failed (abort) rather than the row
/// being refused.
pub(crate) fn is_fatal(e: &kb::Error) -> bool {
    matches!(e, kb::Error::Storage(_) | kb::Error::Io { .. } | kb::Error::DataDirLocked { .. } | kb::Error::NeedsTransaction { .. })
}

const DRY_RUN: &str = "dry run: rolled back";

/// Resolves and writes the rows in one transaction.
fn write_rows(
    kb: &Kb,
    actor: &Actor,
    path: &Path,
    opts: &KbImportOptions,
    report: &mut ImportReport,
    rows: Vec<ParsedRow>,
    progress: ProgressFn<'_>,
) -> Result<()> {
    let areas0 = ConceptIndex::load(kb, kb.areas_scheme().as_str())?;
    let audiences0 = ConceptIndex::load(kb, kb.audience_scheme().as_str())?;
    let org = OrgIndex::load(kb)?;
    let titles = if rows.iter().any(|(_, r)| r.code.is_none()) { titles_index(kb)? } else { HashMap::new() };
    let total = rows.len();
    // A bulk write when every row is new (a first load, the common case);
    // rows over existing items make it run again as a transaction.
    bulk_transaction(kb, path, opts.dry_run, opts.strict, report, |w, report| {
        w.reserve_items(rows.len());
        let mut areas = areas0.clone();
        let mut audiences = audiences0.clone();
        let mut batch: Option<NamedNode> = None;
        for (n, (idx, item)) in rows.iter().cloned().enumerate() {
            let rep = &mut report.rows[idx];
            let mut ctx = RowWrite {
                kb,
                actor,
                entry: opts.entry,
                areas: &mut areas,
                audiences: &mut audiences,
                org: &org,
                titles: &titles,
                batch: &mut batch,
                created: &mut report.concepts_created,
            };
            match ctx.write(w, rep, item) {
                Ok(()) => {}
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => {
                    rep.note(None, Severity::Error, e.to_string());
                    rep.outcome = Outcome::Rejected;
                }
            }
            if n % 500 == 0 {
                progress(Progress { phase: "writing", done: n, total });
            }
        }
        progress(Progress { phase: "committing", done: total, total });
        Ok(())
    })
}

/// Runs `f` in one write transaction and commits it, unless this is a
/// dry run or (in strict mode) a row was rejected: then the transaction is
/// rolled back, so that a dry run runs exactly the code of a real import.
pub(crate) fn transaction(
    kb: &Kb,
    path: &Path,
    dry_run: bool,
    strict: bool,
    report: &mut ImportReport,
    f: impl FnOnce(&mut WriteTx<'_>, &mut ImportReport) -> kb::Result<()>,
) -> Result<()> {
    let mut rolled_back = false;
    let result = kb.write(|w| {
        f(w, report)?;
        rolled_back = dry_run || (strict && report.count(Outcome::Rejected) > 0);
        if rolled_back {
            return Err(kb::Error::invalid("import", DRY_RUN));
        }
        Ok(())
    });
    outcome(result, rolled_back, dry_run, path, report)
}

/// What a rolled-back or failed import write means for the caller.
fn outcome(result: kb::Result<()>, rolled_back: bool, dry_run: bool, path: &Path, report: &ImportReport) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(_) if rolled_back && dry_run => Ok(()),
        Err(_) if rolled_back => Err(Error::RowsRejected { path: path.to_owned(), rejected: report.count(Outcome::Rejected) }),
        Err(e) => Err(e.into()),
    }
}

/// Like [`transaction`], as a bulk write ([`Kb::write_bulk`]): `f` may run
/// twice (when the bulk attempt has to become a transaction), each time on
/// the report as it was before the write.
pub(crate) fn bulk_transaction(
    kb: &Kb,
    path: &Path,
    dry_run: bool,
    strict: bool,
    report: &mut ImportReport,
    mut f: impl FnMut(&mut WriteTx<'_>, &mut ImportReport) -> kb::Result<()>,
) -> Result<()> {
    let mut rolled_back = false;
    let before = report.clone();
    let result = kb.write_bulk(|w| {
        *report = before.clone();
        f(w, report)?;
        rolled_back = dry_run || (strict && report.count(Outcome::Rejected) > 0);
        if rolled_back {
            return Err(kb::Error::invalid("import", DRY_RUN));
        }
        Ok(())
    });
    outcome(result, rolled_back, dry_run, path, report)
}

/// Existing items by normalised title (published and working revisions).
fn titles_index(kb: &Kb) -> Result<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let title = NamedNode::new_unchecked(dcterms::TITLE);
    for g in [Graph::KbPublished, Graph::KbWorkspace] {
        for q in kb.store().quads(None, Some(title.as_ref()), None, Some(kb.graph(g).into()))? {
            let Term::Literal(l) = &q.object else {
                continue;
            };
            if l.language() == Some("en") {
                continue;
            }
            let s = q.subject.to_string();
            let iri = s.trim_matches(['<', '>']);
            let Some(rest) = iri.split("/id/kb/").nth(1) else {
                continue;
            };
            let id = rest.split('/').next().unwrap_or(rest).to_owned();
            let list = out.entry(crate::headers::normalize(l.value())).or_default();
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    Ok(out)
}

/// Everything one row's write needs.
struct RowWrite<'a> {
    kb: &'a Kb,
    actor: &'a Actor,
    entry: EntryState,
    areas: &'a mut ConceptIndex,
    audiences: &'a mut ConceptIndex,
    org: &'a OrgIndex,
    titles: &'a HashMap<String, Vec<String>>,
    batch: &'a mut Option<NamedNode>,
    created: &'a mut Vec<String>,
}

impl RowWrite<'_> {
    fn batch(&mut self, w: &mut WriteTx<'_>) -> NamedNode {
        if let Some(b) = self.batch.as_ref() {
            return b.clone();
        }
        let act = self.kb.batch_activity_in(w, self.actor, "import", Some("workbook import"));
        *self.batch = Some(act.clone());
        act
    }

    fn write(&mut self, w: &mut WriteTx<'_>, rep: &mut RowReport, item: RowItem) -> kb::Result<()> {
        let mut content = item.content.clone();
        self.resolve_refs(w, rep, &item, &mut content)?;
        let id = match &item.code {
            Some(code) => Some(code.clone()),
            None => {
                let key = crate::headers::normalize(&content.title);
                match self.titles.get(&key).map(Vec::as_slice) {
                    Some([one]) => {
                        rep.note(None, Severity::Info, format!("no code: matched by title to {one}"));
                        Some(one.clone())
                    }
                    Some(many) => {
                        rep.note(
                            None,
                            Severity::Error,
                            format!("no code, and the title matches several items ({}): give the code", many.join(", ")),
                        );
                        rep.outcome = Outcome::Rejected;
                        return Ok(());
                    }
                    None => None,
                }
            }
        };
        let existing = match &id {
            Some(id) => match self.kb.status_in(w, id) {
                Ok(st) => Some(st),
                Err(kb::Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let Some(st) = existing else {
            let state = match self.entry {
                EntryState::Published => State::Published,
                EntryState::Draft => State::Draft,
            };
            let batch = self.batch(w);
            let new_id = self.kb.create_item_in(w, self.actor, id.as_deref(), &content, state, Some(&batch))?;
            if id.is_none() {
                rep.note(None, Severity::Info, format!("no code: created as {new_id}"));
            }
            if state == State::Published {
                self.set_modified(w, &new_id, item.last_update)?;
            }
            rep.id = Some(new_id);
            rep.outcome = Outcome::Created;
            return Ok(());
        };
        let id = st.id.clone();
        rep.id = Some(id.clone());
        if st.working.is_some_and(|(_, s)| s == State::InReview) {
            rep.note(None, Severity::Error, format!("{id} has a revision in review: approve or reject it before importing over it"));
            rep.outcome = Outcome::Rejected;
            return Ok(());
        }
        match (self.entry, st.published_revision) {
            (EntryState::Published, Some(_)) => {
                if st.state == State::Archived {
                    rep.note(None, Severity::Error, format!("{id} is archived: restore it before importing over it"));
                    rep.outcome = Outcome::Rejected;
                    return Ok(());
                }
                let published = st.published_revision.unwrap_or_default();
                if self.kb.content_in(w, &st, published)? == content.normalized() {
                    rep.outcome = Outcome::Unchanged;
                    return Ok(());
                }
                // Only now: an unchanged re-import must not record an activity.
                let batch = self.batch(w);
                match self.kb.republish_in(w, self.actor, &id, &content, &batch)? {
                    None => rep.outcome = Outcome::Unchanged,
                    Some(n) => {
                        if let Some((d, _)) = st.working {
                            rep.note(
                                None,
                                Severity::Warning,
                                format!("draft revision {d} is pending and is now based on an older revision"),
                            );
                        }
                        rep.note(None, Severity::Info, format!("published as revision {n}"));
                        self.set_modified(w, &id, item.last_update)?;
                        rep.outcome = Outcome::Updated;
                    }
                }
            }
            (entry, _) => {
                let based_on = st.current_revision();
                let n = self.kb.edit_item_in(w, self.actor, &id, based_on, &content)?;
                if n == based_on {
                    rep.outcome = Outcome::Unchanged;
                } else {
                    let why = if entry == EntryState::Published { " (the item was never published: submit and approve it)" } else { "" };
                    rep.note(
                        None,
                        if why.is_empty() { Severity::Info } else { Severity::Warning },
                        format!("saved as draft revision {n}{why}"),
                    );
                    rep.outcome = Outcome::Updated;
                }
            }
        }
        Ok(())
    }

    /// Resolves category, audiences, office and person into IRIs.
    fn resolve_refs(&mut self, w: &mut WriteTx<'_>, rep: &mut RowReport, item: &RowItem, content: &mut ItemContent) -> kb::Result<()> {
        if !item.category.is_empty() {
            let r = self.areas.resolve(self.kb, w, self.actor, &item.category, true)?;
            if let Some(r) = r {
                for c in &r.created {
                    rep.note(item.category_col.as_deref(), Severity::Info, format!("concept created in the classification scheme: {c}"));
                }
                self.created.extend(r.created);
                content.concept = Some(r.iri);
            }
        }
        if let Some((labels, col)) = &item.audiences {
            for l in labels {
                if let Some(r) = self.audiences.resolve(self.kb, w, self.actor, std::slice::from_ref(l), true)? {
                    for c in &r.created {
                        rep.note(Some(col.as_str()), Severity::Info, format!("audience created: {c}"));
                    }
                    self.created.extend(r.created);
                    content.audiences.push(r.iri);
                }
            }
        }
        if let Some((text, col)) = &item.office {
            match self.org.office(text) {
                Match::One(code) => content.office = Some(self.kb.office_iri(&code).as_str().to_owned()),
                Match::Ambiguous(codes) => rep.note(
                    Some(col.as_str()),
                    Severity::Warning,
                    format!("office {text:?} is ambiguous ({}): imported without competent office; write the code", codes.join(", ")),
                ),
                Match::Unknown => rep.note(
                    Some(col.as_str()),
                    Severity::Warning,
                    format!("unknown office {text:?}: not in the organisation chart; imported without competent office"),
                ),
            }
        }
        if let Some((text, col)) = &item.person {
            match self.org.person(text) {
                Match::One(n) => content.person = Some(self.kb.person_iri(&n).as_str().to_owned()),
                Match::Ambiguous(ns) => rep.note(
                    Some(col.as_str()),
                    Severity::Warning,
                    format!("contact person {text:?} is ambiguous (staff numbers {}): imported without contact person", ns.join(", ")),
                ),
                Match::Unknown => rep.note(
                    Some(col.as_str()),
                    Severity::Warning,
                    format!("unknown contact person {text:?}: not in the organisation chart; imported without contact person"),
                ),
            }
        }
        if let Some((ext, col)) = &item.extension {
            let known = [&content.person, &content.office].into_iter().flatten().any(|iri| self.org.has_phone(iri, ext));
            if !known {
                rep.note(
                    Some(col.as_str()),
                    Severity::Warning,
                    format!("extension {ext:?} is not the contact's or office's number in the organisation chart: not stored (the chart is authoritative)"),
                );
            }
        }
        Ok(())
    }

    /// Records the file's "last update" date as the published item's
    /// `dcterms:modified` (midnight UTC), so that it is not lost.
    fn set_modified(&self, w: &mut WriteTx<'_>, id: &str, date: Option<NaiveDate>) -> kb::Result<()> {
        let Some(date) = date else { return Ok(()) };
        let item = self.kb.iri(&format!("id/kb/{id}"));
        let g = self.kb.graph(Graph::KbPublished).into_owned();
        let modified = NamedNode::new_unchecked(dcterms::MODIFIED);
        for q in w.quads(Some(item.as_ref().into()), Some(modified.as_ref()), None, Some(g.as_ref().into()))? {
            w.remove(&q);
        }
        w.put(Quad::new(
            item,
            modified,
            Literal::new_typed_literal(format!("{}T00:00:00Z", date.format("%Y-%m-%d")), NamedNode::new_unchecked(xsd::DATE_TIME)),
            g,
        ));
        Ok(())
    }
}
