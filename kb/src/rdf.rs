//! Small helpers over oxigraph's RDF model: building terms, reading values,
//! and one read interface over both the store and an open transaction.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use ontologies::vocab::xsd;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, Term, TermRef};
use oxigraph::store::{Store, Transaction};

/// A named node for a vocabulary constant (known to be a valid IRI).
pub fn nn(iri: &'static str) -> NamedNodeRef<'static> {
    NamedNodeRef::new_unchecked(iri)
}

/// Parses and validates an absolute IRI given by a caller.
pub fn parse_iri(field: &str, value: &str) -> Result<NamedNode> {
    let value = value.trim();
    NamedNode::new(value).map_err(|e| Error::InvalidIri { field: field.to_owned(), value: value.to_owned(), message: e.to_string() })
}

/// Parses a web link: an absolute `http`, `https` or `mailto` IRI.
pub fn parse_web_link(field: &str, value: &str) -> Result<NamedNode> {
    let iri = parse_iri(field, value)?;
    let lower = iri.as_str().to_ascii_lowercase();
    if ["http://", "https://", "mailto:"].iter().any(|p| lower.starts_with(p)) {
        Ok(iri)
    } else {
        Err(Error::InvalidIri {
            field: field.to_owned(),
            value: value.to_owned(),
            message: "a link must start with http://, https:// or mailto:".into(),
        })
    }
}

/// An Italian language-tagged literal.
pub fn lit_lang(value: &str, lang: &str) -> Literal {
    Literal::new_language_tagged_literal_unchecked(value, lang)
}

/// An `xsd:string` literal.
pub fn lit(value: &str) -> Literal {
    Literal::new_simple_literal(value)
}

/// An `xsd:date` literal.
pub fn lit_date(d: NaiveDate) -> Literal {
    Literal::new_typed_literal(d.format("%Y-%m-%d").to_string(), nn(xsd::DATE))
}

/// An `xsd:dateTime` literal in UTC.
pub fn lit_datetime(t: DateTime<Utc>) -> Literal {
    Literal::new_typed_literal(t.to_rfc3339_opts(SecondsFormat::Micros, true), nn(xsd::DATE_TIME))
}

/// An `xsd:integer` literal.
pub fn lit_int(n: u64) -> Literal {
    Literal::new_typed_literal(n.to_string(), nn(xsd::INTEGER))
}

/// An `xsd:boolean` literal.
pub fn lit_bool(b: bool) -> Literal {
    Literal::new_typed_literal(if b { "true" } else { "false" }, nn(xsd::BOOLEAN))
}

/// The lexical value of a literal or the IRI of a named node.
pub fn term_value(t: &Term) -> &str {
    match t {
        Term::NamedNode(n) => n.as_str(),
        Term::Literal(l) => l.value(),
        Term::BlankNode(b) => b.as_str(),
        #[allow(unreachable_patterns)]
        _ => "",
    }
}

/// Parses an `xsd:date` literal value.
pub fn term_date(t: &Term) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(term_value(t), "%Y-%m-%d").ok()
}

/// Parses an `xsd:dateTime` literal value.
pub fn term_datetime(t: &Term) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(term_value(t)).ok().map(|d| d.with_timezone(&Utc))
}

/// Read access shared by [`Store`] and [`Transaction`], so that domain
/// code reads the same way inside and outside a write.
pub trait Reader {
    /// Quads matching a pattern.
    fn quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Quad>>;

    /// Objects of `subject predicate ?o` in `graph`.
    fn objects(&self, s: NamedNodeRef<'_>, p: &'static str, g: NamedNodeRef<'_>) -> Result<Vec<Term>> {
        Ok(self.quads(Some(s.into()), Some(nn(p)), None, Some(g.into()))?.into_iter().map(|q| q.object).collect())
    }

    /// First object of `subject predicate ?o` in `graph`.
    fn object(&self, s: NamedNodeRef<'_>, p: &'static str, g: NamedNodeRef<'_>) -> Result<Option<Term>> {
        Ok(self.quads(Some(s.into()), Some(nn(p)), None, Some(g.into()))?.into_iter().next().map(|q| q.object))
    }

    /// Whether `subject` has any triple in `graph`.
    fn describes(&self, s: NamedNodeRef<'_>, g: NamedNodeRef<'_>) -> Result<bool> {
        Ok(!self.quads(Some(s.into()), None, None, Some(g.into()))?.is_empty())
    }

    /// Whether the exact triple is in `graph`.
    fn has(&self, s: NamedNodeRef<'_>, p: &'static str, o: TermRef<'_>, g: NamedNodeRef<'_>) -> Result<bool> {
        Ok(!self.quads(Some(s.into()), Some(nn(p)), Some(o), Some(g.into()))?.is_empty())
    }
}

impl Reader for Store {
    fn quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Quad>> {
        Ok(self.quads_for_pattern(subject, predicate, object, graph).collect::<std::result::Result<Vec<_>, _>>()?)
    }
}

impl Reader for Transaction<'_> {
    fn quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Quad>> {
        Ok(self.quads_for_pattern(subject, predicate, object, graph).collect::<std::result::Result<Vec<_>, _>>()?)
    }
}

/// Parses an embedded or user-supplied RDF document into quads of `graph`.
pub fn parse_rdf(source_name: &str, text: &str, format: RdfFormat, base_iri: Option<&str>, graph: NamedNodeRef<'_>) -> Result<Vec<Quad>> {
    let mut parser = RdfParser::from_format(format).with_default_graph(graph.into_owned());
    if let Some(base) = base_iri {
        parser = parser.with_base_iri(base).map_err(|e| Error::InvalidIri {
            field: "base_iri".into(),
            value: base.into(),
            message: e.to_string(),
        })?;
    }
    parser
        .for_slice(text.as_bytes())
        .map(|r| r.map_err(|e| Error::RdfSyntax { source_name: source_name.to_owned(), message: e.to_string() }))
        .collect()
}
