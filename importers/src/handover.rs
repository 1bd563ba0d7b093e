//! The handover bundle: everything the administration owns, in open
//! formats, in one zip (KB-16) — and its import into an empty data
//! directory, which reproduces the same graphs.
//!
//! Contents: `graphs/*.trig` (taxonomy, kb/published, kb/workspace, org,
//! audit), `workbooks/pillole.xlsx` and `workbooks/organigramma.xlsx` (the
//! import layouts), `rubrica.vcf` (vCard 4.0), `ontology/centralino.ttl`
//! and `ontology/shapes.ttl`, `context.jsonld`, and `manifest.json` with the
//! counts per type, the SHA-256 of every file, the export time and the
//! software version. User accounts are not exported (password hashes).

use crate::error::{Error, Result};
use crate::rdf_export::{JSONLD_CONTEXT, RdfSyntax, write_rdf};
use chrono::Utc;
use kb::oxigraph::model::{GraphNameRef, NamedNode, Term};
use kb::{Graph, Kb, Reader};
use ontologies::vocab::rdf;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

/// The graphs a bundle carries, with their file names.
const GRAPHS: [(Graph, &str); 5] = [
    (Graph::Taxonomy, "graphs/taxonomy.trig"),
    (Graph::KbPublished, "graphs/kb-published.trig"),
    (Graph::KbWorkspace, "graphs/kb-workspace.trig"),
    (Graph::Org, "graphs/org.trig"),
    (Graph::Audit, "graphs/audit.trig"),
];

const FORMAT: &str = "centralino-handover/1";

/// One file of the bundle, as listed in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Path inside the zip.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Bundle format, `centralino-handover/1`.
    pub format: String,
    /// The exporting software and its version.
    pub software: String,
    /// The ontology version (`owl:versionInfo`).
    pub ontology_version: String,
    /// The base IRI of every data IRI in the bundle.
    pub base_iri: String,
    /// When the bundle was written (RFC 3339, UTC).
    pub exported_at: String,
    /// Quads per graph (graph path → count).
    pub graphs: BTreeMap<String, usize>,
    /// Resources per type across the graphs (class IRI → count).
    pub counts: BTreeMap<String, usize>,
    /// Every other file with its checksum.
    pub files: Vec<ManifestFile>,
}

/// What an export or import of a bundle did.
#[derive(Debug, Clone)]
pub struct HandoverSummary {
    /// The manifest written or read.
    pub manifest: Manifest,
    /// Remarks (cut cells in the workbooks, ontology version differences).
    pub warnings: Vec<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Distinct resources per type (`rdf:type`) across the bundle's graphs.
fn type_counts(kb: &Kb) -> Result<BTreeMap<String, usize>> {
    let mut seen = std::collections::HashSet::new();
    let ty = NamedNode::new_unchecked(rdf::TYPE);
    for (g, _) in GRAPHS {
        for q in kb.store().quads(None, Some(ty.as_ref()), None, Some(kb.graph(g).into()))? {
            if let Term::NamedNode(c) = q.object {
                seen.insert((c.as_str().to_owned(), q.subject.to_string()));
            }
        }
    }
    let mut out = BTreeMap::new();
    for (class, _) in seen {
        *out.entry(class).or_insert(0) += 1;
    }
    Ok(out)
}

/// Writes the handover bundle to `path` (atomically: a temporary file
/// renamed at the end).
pub fn export_handover(kb: &Kb, path: &Path) -> Result<HandoverSummary> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut graphs = BTreeMap::new();
    for (g, name) in GRAPHS {
        let mut buf = Vec::new();
        let n = write_rdf(kb, &[g], RdfSyntax::TriG, &mut buf)?;
        graphs.insert(g.path().to_owned(), n);
        files.push((name.to_owned(), buf));
    }
    let (kb_xlsx, org_xlsx, stats) = crate::export_xlsx::kb_and_org_buffers(kb)?;
    files.push(("workbooks/pillole.xlsx".into(), kb_xlsx));
    files.push(("workbooks/organigramma.xlsx".into(), org_xlsx));
    files.push(("rubrica.vcf".into(), crate::vcard::vcard_text(kb)?.into_bytes()));
    files.push(("ontology/centralino.ttl".into(), ontologies::ONTOLOGY_TTL.as_bytes().to_vec()));
    files.push(("ontology/shapes.ttl".into(), ontologies::SHAPES_TTL.as_bytes().to_vec()));
    files.push(("context.jsonld".into(), JSONLD_CONTEXT.as_bytes().to_vec()));
    let manifest = Manifest {
        format: FORMAT.into(),
        software: format!("centralino {}", env!("CARGO_PKG_VERSION")),
        ontology_version: ontologies::ONTOLOGY_VERSION.into(),
        base_iri: kb.config().base_iri.clone(),
        exported_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        graphs,
        counts: type_counts(kb)?,
        files: files.iter().map(|(p, b)| ManifestFile { path: p.clone(), bytes: b.len() as u64, sha256: sha256_hex(b) }).collect(),
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Serialize(e.to_string()))?;
    let tmp = path.with_extension("zip.part");
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(false);
    zip.start_file("manifest.json", options)?;
    zip.write_all(&manifest_json).map_err(|e| Error::io(&tmp, e))?;
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    }
    let mut inner = zip.finish()?;
    inner.flush().map_err(|e| Error::io(&tmp, e))?;
    drop(inner);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    Ok(HandoverSummary { manifest, warnings: stats.warnings })
}

/// Reads one entry, refusing entries that inflate beyond `limit` bytes.
fn read_entry<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, path: &Path, name: &str, limit: u64) -> Result<Vec<u8>> {
    let bad = |message: String| Error::Handover { path: path.to_owned(), message };
    let entry = zip.by_name(name).map_err(|_| bad(format!("{name} is missing")))?;
    let mut buf = Vec::new();
    entry.take(limit.saturating_add(1)).read_to_end(&mut buf).map_err(|e| bad(format!("{name} cannot be read: {e}")))?;
    if buf.len() as u64 > limit {
        return Err(bad(format!("{name} inflates to more than {limit} bytes")));
    }
    Ok(buf)
}

/// Restores a bundle into this knowledge base, which must hold no data yet
/// (the seeded classification scheme is replaced by the bundle's). Checks
/// the format, the base IRI and every checksum first; loads every graph
/// in one transaction. `max_bytes` bounds the bundle and each inflated file.
pub fn import_handover(kb: &Kb, path: &Path, max_bytes: u64) -> Result<HandoverSummary> {
    let bad = |message: String| Error::Handover { path: path.to_owned(), message };
    let bytes = crate::workbook::read_limited(path, max_bytes)?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(format!("not a zip archive: {e}")))?;
    let manifest_bytes = read_entry(&mut zip, path, "manifest.json", 16 * 1024 * 1024)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| bad(format!("manifest.json is invalid: {e}")))?;
    if manifest.format != FORMAT {
        return Err(bad(format!("format {:?} is not {FORMAT:?}", manifest.format)));
    }
    if manifest.base_iri != kb.config().base_iri {
        return Err(bad(format!(
            "the bundle's IRIs are under {:?}, this data directory uses {:?}: set base_iri = {:?} in centralino.toml of a new data directory",
            manifest.base_iri,
            kb.config().base_iri,
            manifest.base_iri
        )));
    }
    let mut contents: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for f in &manifest.files {
        let data = read_entry(&mut zip, path, &f.path, max_bytes.saturating_mul(20))?;
        if sha256_hex(&data) != f.sha256 {
            return Err(bad(format!("{} does not match its SHA-256 in the manifest: the bundle is damaged or was altered", f.path)));
        }
        contents.insert(f.path.clone(), data);
    }
    let mut warnings = Vec::new();
    if manifest.ontology_version != ontologies::ONTOLOGY_VERSION {
        warnings.push(format!(
            "the bundle was made with ontology version {}, this software has {}",
            manifest.ontology_version,
            ontologies::ONTOLOGY_VERSION
        ));
    }
    for (g, _) in GRAPHS.iter().filter(|(g, _)| *g != Graph::Taxonomy) {
        let n = kb.store().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(kb.graph(*g)))).take(1).count();
        if n > 0 {
            return Err(bad(format!(
                "the data directory is not empty (graph {} holds data): restore a bundle only into a new data directory",
                g.path()
            )));
        }
    }
    let mut load = Vec::new();
    for (g, name) in GRAPHS {
        let Some(data) = contents.get(name) else {
            return Err(bad(format!("{name} is not listed in the manifest")));
        };
        let quads = crate::rdf_import::parse(&path.join(name), data, RdfSyntax::TriG, &kb.config().base_iri)?;
        let want = kb.graph(g);
        if let Some(q) = quads.iter().find(|q| q.graph_name != GraphNameRef::NamedNode(want).into()) {
            return Err(bad(format!("{name} holds a quad outside graph <{}>: {q}", want.as_str())));
        }
        load.push((g, quads));
    }
    kb.write(|w| {
        w.clear_graph(kb.graph(Graph::Taxonomy))?;
        for (_, quads) in &load {
            w.extend(quads.iter());
        }
        Ok(())
    })?;
    Ok(HandoverSummary { manifest, warnings })
}
