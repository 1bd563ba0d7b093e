//! Importing knowledge items from RDF (Turtle, RDF/XML, JSON-LD,
//! N-Triples, also N-Quads and TriG) into the workspace as drafts.
//!
//! Every `cc:KnowledgeItem` of the file with a title (or whose latest
//! `cc:Revision` has one) becomes a draft: a new item, or a new draft
//! revision of the item with the same code. References to concepts,
//! offices and people are kept when they exist here, else matched by the
//! label the file gives them, else dropped with a warning. The whole file
//! is parsed before anything is written; a syntax error names the line and
//! column and writes nothing.

use crate::error::{Error, Result};
use crate::kb_import::{is_fatal, transaction};
use crate::rdf_export::RdfSyntax;
use crate::report::{ImportReport, Outcome, RowReport, Severity};
use crate::resolve::{ConceptIndex, Match, OrgIndex};
use crate::values::is_web_link;
use crate::workbook::{DEFAULT_MAX_BYTES, read_limited};
use kb::oxigraph::io::RdfParser;
use kb::oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use kb::{Actor, Graph, ItemContent, Kb, Reader, State};
use ontologies::vocab::{cc, dcterms, org, rdf, skos, vcard};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Options of an RDF import.
#[derive(Debug, Clone)]
pub struct RdfImportOptions {
    /// Build the report without writing anything.
    pub dry_run: bool,
    /// Files larger than this are refused before parsing.
    pub max_bytes: u64,
    /// The syntax; by default from the file extension.
    pub syntax: Option<RdfSyntax>,
    /// Write nothing if any item is rejected.
    pub strict: bool,
}

impl Default for RdfImportOptions {
    fn default() -> Self {
        Self { dry_run: false, max_bytes: DEFAULT_MAX_BYTES, syntax: None, strict: false }
    }
}

/// Imports the knowledge items of the RDF file at `path` as drafts.
pub fn import_rdf(kb: &Kb, actor: &Actor, path: &Path, opts: &RdfImportOptions) -> Result<ImportReport> {
    let bytes = read_limited(path, opts.max_bytes)?;
    import_rdf_bytes(kb, actor, path, &bytes, opts)
}

/// Parses RDF bytes into quads; a syntax error names line and column (1-based).
pub(crate) fn parse(path: &Path, bytes: &[u8], syntax: RdfSyntax, base: &str) -> Result<Vec<Quad>> {
    let parser = RdfParser::from_format(syntax.format()).with_base_iri(base).map_err(|e| Error::RdfSyntax {
        path: path.to_owned(),
        line: None,
        column: None,
        message: format!("base IRI {base:?}: {e}"),
    })?;
    let mut out = Vec::new();
    for q in parser.for_slice(bytes) {
        match q {
            Ok(q) => out.push(q),
            Err(e) => {
                let loc = e.location();
                return Err(Error::RdfSyntax {
                    path: path.to_owned(),
                    line: loc.as_ref().map(|l| l.start.line + 1),
                    column: loc.as_ref().map(|l| l.start.column + 1),
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// Imports RDF from its bytes; `path` names it in messages and gives the
/// syntax when the options do not.
pub fn import_rdf_bytes(kb: &Kb, actor: &Actor, path: &Path, bytes: &[u8], opts: &RdfImportOptions) -> Result<ImportReport> {
    let syntax = match opts.syntax.or_else(|| RdfSyntax::from_path(path)) {
        Some(s) => s,
        None => {
            return Err(Error::UnknownFormat {
                path: path.to_owned(),
                format: path.extension().and_then(|e| e.to_str()).unwrap_or("").to_owned(),
            });
        }
    };
    let quads = parse(path, bytes, syntax, &kb.config().base_iri)?;
    let doc = Document::new(&quads);
    let mut report = ImportReport::new(path, opts.dry_run);
    let items = doc.items();
    report.file_note(Severity::Info, format!("{} triple(s), {} knowledge item(s)", quads.len(), items.len()));
    if items.is_empty() {
        report.file_note(Severity::Warning, "no cc:KnowledgeItem with a dcterms:title: nothing to import");
    }
    let areas = ConceptIndex::load(kb, kb.areas_scheme().as_str())?;
    let audiences = ConceptIndex::load(kb, kb.audience_scheme().as_str())?;
    let orgs = OrgIndex::load(kb)?;
    transaction(kb, path, opts.dry_run, opts.strict, &mut report, |w, report| {
        let mut batch: Option<NamedNode> = None;
        let mut areas = areas;
        let mut audiences = audiences;
        for (subject, content_subject) in items {
            let mut rep = RowReport::new(&subject, 0);
            let mut content = ItemContent::from_quads(&doc.about(&content_subject));
            let code = doc.code(&subject);
            rep.id = code.clone();
            fix_refs(kb, w, actor, &doc, &mut areas, &mut audiences, &orgs, &mut content, &mut rep)?;
            let result = (|| -> kb::Result<()> {
                let existing = match &code {
                    Some(c) => match kb.status_in(w, c) {
                        Ok(st) => Some(st),
                        Err(kb::Error::NotFound { .. }) => None,
                        Err(e) => return Err(e),
                    },
                    None => None,
                };
                match existing {
                    None => {
                        let act = match &batch {
                            Some(a) => a.clone(),
                            None => {
                                let a = kb.batch_activity_in(w, actor, "import", Some("RDF import"));
                                batch = Some(a.clone());
                                a
                            }
                        };
                        let id = kb.create_item_in(w, actor, code.as_deref(), &content, State::Draft, Some(&act))?;
                        rep.id = Some(id);
                        rep.outcome = Outcome::Created;
                    }
                    Some(st) if st.working.is_some_and(|(_, s)| s == State::InReview) => {
                        rep.note(None, Severity::Error, format!("{} has a revision in review: approve or reject it first", st.id));
                        rep.outcome = Outcome::Rejected;
                    }
                    Some(st) => {
                        let based_on = st.current_revision();
                        let n = kb.edit_item_in(w, actor, &st.id, based_on, &content)?;
                        if n == based_on {
                            rep.outcome = Outcome::Unchanged;
                        } else {
                            rep.note(None, Severity::Info, format!("saved as draft revision {n}"));
                            rep.outcome = Outcome::Updated;
                        }
                    }
                }
                Ok(())
            })();
            match result {
                Ok(()) => {}
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => {
                    rep.note(None, Severity::Error, e.to_string());
                    rep.outcome = Outcome::Rejected;
                }
            }
            report.rows.push(rep);
        }
        Ok(())
    })?;
    Ok(report)
}

/// Keeps references that exist here; otherwise matches them by the
/// file's label, otherwise drops them with a warning. Also drops links
/// that are not web links.
#[allow(clippy::too_many_arguments)]
fn fix_refs(
    kb: &Kb,
    w: &mut kb::WriteTx<'_>,
    actor: &Actor,
    doc: &Document<'_>,
    areas: &mut ConceptIndex,
    audiences: &mut ConceptIndex,
    orgs: &OrgIndex,
    content: &mut ItemContent,
    rep: &mut RowReport,
) -> kb::Result<()> {
    let taxonomy = kb.graph(Graph::Taxonomy);
    let org_graph = kb.graph(Graph::Org);
    let exists = |w: &kb::WriteTx<'_>, iri: &str, class: &'static str, g| -> kb::Result<bool> {
        let Ok(n) = NamedNode::new(iri) else {
            return Ok(false);
        };
        w.has(n.as_ref(), rdf::TYPE, NamedNode::new_unchecked(class).as_ref().into(), g)
    };
    if let Some(c) = content.concept.take() {
        if exists(w, &c, skos::CONCEPT, taxonomy)? {
            content.concept = Some(c);
        } else if let Some(label) = doc.label(&c, skos::PREF_LABEL)
            && let Some(r) = areas.resolve(kb, w, actor, std::slice::from_ref(&label), false)?
        {
            rep.note(Some("dcterms:subject"), Severity::Info, format!("concept <{c}> matched by its label {label:?}"));
            content.concept = Some(r.iri);
        } else {
            rep.note(Some("dcterms:subject"), Severity::Warning, format!("unknown concept <{c}>: dropped"));
        }
    }
    let mut kept = Vec::new();
    for a in std::mem::take(&mut content.audiences) {
        if exists(w, &a, skos::CONCEPT, taxonomy)? {
            kept.push(a);
        } else if let Some(label) = doc.label(&a, skos::PREF_LABEL)
            && let Some(r) = audiences.resolve(kb, w, actor, std::slice::from_ref(&label), false)?
        {
            kept.push(r.iri);
        } else {
            rep.note(Some("cc:audience"), Severity::Warning, format!("unknown audience <{a}>: dropped"));
        }
    }
    content.audiences = kept;
    if let Some(o) = content.office.take() {
        if exists(w, &o, org::ORGANIZATIONAL_UNIT, org_graph)? {
            content.office = Some(o);
        } else if let Some(label) = doc.label(&o, skos::PREF_LABEL)
            && let Match::One(code) = orgs.office(&label)
        {
            content.office = Some(kb.office_iri(&code).as_str().to_owned());
        } else {
            rep.note(
                Some("cc:competentOffice"),
                Severity::Warning,
                format!("unknown office <{o}>: not in the organisation chart, dropped"),
            );
        }
    }
    if let Some(p) = content.person.take() {
        if exists(w, &p, vcard::INDIVIDUAL, org_graph)? {
            content.person = Some(p);
        } else if let Some(label) = doc.label(&p, vcard::FN)
            && let Match::One(n) = orgs.person(&label)
        {
            content.person = Some(kb.person_iri(&n).as_str().to_owned());
        } else {
            rep.note(
                Some("cc:contactPerson"),
                Severity::Warning,
                format!("unknown contact person <{p}>: not in the organisation chart, dropped"),
            );
        }
    }
    let (good, bad): (Vec<String>, Vec<String>) = std::mem::take(&mut content.links).into_iter().partition(|l| is_web_link(l));
    for b in bad {
        rep.note(Some("cc:webLink"), Severity::Warning, format!("not a web link (http, https or mailto), dropped: {b}"));
    }
    content.links = good;
    Ok(())
}

/// The parsed file, indexed by subject.
struct Document<'a> {
    by_subject: BTreeMap<String, Vec<&'a Quad>>,
}

impl<'a> Document<'a> {
    fn new(quads: &'a [Quad]) -> Self {
        let mut by_subject: BTreeMap<String, Vec<&Quad>> = BTreeMap::new();
        for q in quads {
            if let NamedOrBlankNode::NamedNode(s) = &q.subject {
                by_subject.entry(s.as_str().to_owned()).or_default().push(q);
            }
        }
        Self { by_subject }
    }

    fn about(&self, subject: &str) -> Vec<Quad> {
        self.by_subject.get(subject).map(|v| v.iter().map(|q| (*q).clone()).collect()).unwrap_or_default()
    }

    fn values<'s>(&'s self, subject: &str, p: &'s str) -> impl Iterator<Item = &'a Term> + 's {
        self.by_subject.get(subject).into_iter().flatten().filter(move |q| q.predicate.as_str() == p).map(|q| &q.object)
    }

    fn has_type(&self, subject: &str, class: &str) -> bool {
        self.values(subject, rdf::TYPE).any(|t| matches!(t, Term::NamedNode(n) if n.as_str() == class))
    }

    /// The Italian (or untagged) label of a resource.
    fn label(&self, subject: &str, p: &str) -> Option<String> {
        let mut best = None;
        for t in self.values(subject, p) {
            if let Term::Literal(l) = t {
                match l.language() {
                    Some("it") | None => return Some(l.value().to_owned()),
                    _ => best = Some(l.value().to_owned()),
                }
            }
        }
        best
    }

    /// The item code: `dcterms:identifier`, else the IRI's last segment.
    fn code(&self, subject: &str) -> Option<String> {
        self.values(subject, dcterms::IDENTIFIER)
            .find_map(|t| match t {
                Term::Literal(l) => Some(l.value().trim().to_uppercase()),
                _ => None,
            })
            .or_else(|| subject.rsplit('/').next().map(str::to_owned))
            .filter(|c| kb::validate_identifier(c).is_ok())
    }

    /// The items: (item IRI, subject holding the content). The content is
    /// on the item when it has a title, else on its latest revision.
    fn items(&self) -> Vec<(String, String)> {
        let mut revisions: HashMap<&str, (u64, &str)> = HashMap::new();
        for (s, quads) in &self.by_subject {
            if !self.has_type(s, cc::REVISION) || !self.values(s, dcterms::TITLE).any(|_| true) {
                continue;
            }
            let n = self
                .values(s, cc::REVISION_NUMBER)
                .find_map(|t| match t {
                    Term::Literal(l) => l.value().parse().ok(),
                    _ => None,
                })
                .unwrap_or(0);
            for q in quads.iter().filter(|q| q.predicate.as_str() == cc::REVISION_OF) {
                if let Term::NamedNode(item) = &q.object {
                    let e = revisions.entry(item.as_str()).or_insert((n, s.as_str()));
                    if n > e.0 {
                        *e = (n, s.as_str());
                    }
                }
            }
        }
        self.by_subject
            .keys()
            .filter(|s| self.has_type(s, cc::KNOWLEDGE_ITEM))
            .filter_map(|s| {
                if self.values(s, dcterms::TITLE).any(|_| true) {
                    Some((s.clone(), s.clone()))
                } else {
                    revisions.get(s.as_str()).map(|(_, r)| (s.clone(), (*r).to_owned()))
                }
            })
            .collect()
    }
}
