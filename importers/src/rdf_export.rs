//! RDF exports of named graphs in six syntaxes, with the published JSON-LD
//! `@context` (`importers/context.jsonld`, served at `/ns/context.jsonld`).

use crate::error::{Error, Result};
use kb::oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use kb::oxigraph::model::{GraphNameRef, QuadRef};
use kb::{Graph, Kb, RoleSet};
use std::io::Write;
use std::path::Path;

/// The published JSON-LD context: the prefixes of the vocabularies the
/// graph uses. JSON-LD exports carry it as their `@context`.
pub const JSONLD_CONTEXT: &str = include_str!("../context.jsonld");

/// The prefixes of [`JSONLD_CONTEXT`], also used by Turtle, TriG and RDF/XML.
pub(crate) const PREFIXES: &[(&str, &str)] = &[
    ("cc", "https://w3id.org/centralino/ontology#"),
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("org", "http://www.w3.org/ns/org#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("schema", "https://schema.org/"),
    ("sh", "http://www.w3.org/ns/shacl#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// An RDF syntax for import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfSyntax {
    /// Turtle (`.ttl`).
    Turtle,
    /// N-Triples (`.nt`).
    NTriples,
    /// N-Quads (`.nq`): keeps named graphs.
    NQuads,
    /// TriG (`.trig`): keeps named graphs.
    TriG,
    /// RDF/XML (`.rdf`, `.owl`, `.xml`).
    RdfXml,
    /// JSON-LD (`.jsonld`): keeps named graphs.
    JsonLd,
}

impl RdfSyntax {
    /// Every syntax.
    pub const ALL: [RdfSyntax; 6] =
        [RdfSyntax::Turtle, RdfSyntax::NTriples, RdfSyntax::NQuads, RdfSyntax::TriG, RdfSyntax::RdfXml, RdfSyntax::JsonLd];

    /// Parses a name (`turtle`, `ttl`, `ntriples`, `nt`, `nquads`, `nq`,
    /// `trig`, `rdfxml`, `xml`, `rdf`, `jsonld`, `json`), case-insensitively.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().replace(['-', '_', '/'], "").as_str() {
            "turtle" | "ttl" => Some(Self::Turtle),
            "ntriples" | "nt" => Some(Self::NTriples),
            "nquads" | "nq" => Some(Self::NQuads),
            "trig" => Some(Self::TriG),
            "rdfxml" | "xml" | "rdf" | "owl" => Some(Self::RdfXml),
            "jsonld" | "json" => Some(Self::JsonLd),
            _ => None,
        }
    }

    /// The syntax of a file, from its extension.
    pub fn from_path(path: &Path) -> Option<Self> {
        Self::from_name(path.extension()?.to_str()?)
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Turtle => "ttl",
            Self::NTriples => "nt",
            Self::NQuads => "nq",
            Self::TriG => "trig",
            Self::RdfXml => "rdf",
            Self::JsonLd => "jsonld",
        }
    }

    /// The oxigraph format.
    pub fn format(self) -> RdfFormat {
        match self {
            Self::Turtle => RdfFormat::Turtle,
            Self::NTriples => RdfFormat::NTriples,
            Self::NQuads => RdfFormat::NQuads,
            Self::TriG => RdfFormat::TriG,
            Self::RdfXml => RdfFormat::RdfXml,
            Self::JsonLd => RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() },
        }
    }

    /// Whether the syntax keeps named graphs (otherwise the graphs are merged).
    pub fn keeps_graphs(self) -> bool {
        matches!(self, Self::NQuads | Self::TriG | Self::JsonLd)
    }
}

/// Serialises the quads of `graphs` to `out`; returns how many were
/// written. Syntaxes without named graphs get the union of the graphs.
pub fn write_rdf(kb: &Kb, graphs: &[Graph], syntax: RdfSyntax, out: impl Write) -> Result<usize> {
    let io = |e: std::io::Error| Error::Serialize(e.to_string());
    let quads = graphs.iter().flat_map(|g| kb.store().quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(kb.graph(*g)))));
    let mut n = 0;
    if syntax == RdfSyntax::JsonLd {
        // oxigraph's RdfSerializer drops prefixes for JSON-LD: use oxjsonld
        // directly, so that the output's @context is the published one.
        let mut serializer = oxjsonld::JsonLdSerializer::new();
        for (p, ns) in PREFIXES {
            serializer = serializer.with_prefix(*p, *ns).map_err(|e| Error::Serialize(e.to_string()))?;
        }
        let mut w = serializer.for_writer(out);
        for q in quads {
            w.serialize_quad(&q.map_err(kb::Error::from)?).map_err(io)?;
            n += 1;
        }
        w.finish().map_err(io)?;
        return Ok(n);
    }
    let mut serializer = RdfSerializer::from_format(syntax.format());
    if syntax != RdfSyntax::NTriples && syntax != RdfSyntax::NQuads {
        for (p, ns) in PREFIXES {
            serializer = serializer.with_prefix(*p, *ns).map_err(|e| Error::Serialize(e.to_string()))?;
        }
    }
    let mut w = serializer.for_writer(out);
    for q in quads {
        let q = q.map_err(kb::Error::from)?;
        if syntax.keeps_graphs() {
            w.serialize_quad(&q).map_err(io)?;
        } else {
            let q = QuadRef::new(&q.subject, &q.predicate, &q.object, GraphNameRef::DefaultGraph);
            w.serialize_quad(q).map_err(io)?;
        }
        n += 1;
    }
    w.finish().map_err(io)?;
    Ok(n)
}

/// Exports `graphs` to the file `path`, refusing graphs that `roles` may
/// not read (and always the accounts graph). Returns the number of quads.
pub fn export_rdf(kb: &Kb, roles: &RoleSet, graphs: &[Graph], syntax: RdfSyntax, path: &Path) -> Result<usize> {
    for g in graphs {
        if *g == Graph::Accounts || !roles.can_read(*g) {
            return Err(kb::Error::Forbidden { action: "export this graph", needed: "a role that may read it".into() }.into());
        }
    }
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    let n = write_rdf(kb, graphs, syntax, &mut out)?;
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_context_lists_the_prefixes() -> std::result::Result<(), serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(JSONLD_CONTEXT)?;
        let ctx = &v["@context"];
        assert_eq!(ctx.as_object().map(|o| o.len()), Some(PREFIXES.len()));
        for (p, ns) in PREFIXES {
            assert_eq!(ctx[p].as_str(), Some(*ns), "{p}");
        }
        Ok(())
    }

    #[test]
    fn names_and_extensions() {
        for s in RdfSyntax::ALL {
            assert_eq!(RdfSyntax::from_name(s.extension()), Some(s));
        }
        assert_eq!(RdfSyntax::from_name("RDF/XML"), Some(RdfSyntax::RdfXml));
        assert_eq!(RdfSyntax::from_name("N-Triples"), Some(RdfSyntax::NTriples));
        assert_eq!(RdfSyntax::from_name("csv"), None);
    }
}
