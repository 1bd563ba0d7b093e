//! The knowledge model of centralino, as data.
//!
//! This crate holds the files that define what the knowledge graph means,
//! embedded in the binary so that the platform needs nothing beside it:
//!
//! - [`ONTOLOGY_TTL`]: the project ontology (OWL 2), the `cc:` terms the
//!   reused vocabularies (SKOS, DCTERMS, PROV-O, vCard, ORG, schema.org)
//!   lack, plus the axioms of those vocabularies that the platform's
//!   reasoner materialises;
//! - [`TAXONOMY_TTL`]: the initial SKOS classification schemes (subject
//!   areas and audiences), data the administration edits later, with
//!   relative IRIs resolved against the configured base IRI;
//! - [`SHAPES_TTL`]: SHACL shapes of a publishable knowledge item;
//! - [`QUERIES`]: saved SPARQL queries for analysts;
//! - [`vocab`]: IRI constants, so that every crate spells an IRI once.
//!
//! The crate depends on nothing: loading these files into a store is the
//! `kb` crate's job. `tests/check_rdf.py` checks the same files
//! independently with rdflib and pyshacl.

pub mod vocab;

/// The IRI of the project ontology (`owl:Ontology` in [`ONTOLOGY_TTL`]).
pub const ONTOLOGY_IRI: &str = "https://w3id.org/centralino/ontology";

/// The ontology's version, the `owl:versionInfo` of [`ONTOLOGY_IRI`].
pub const ONTOLOGY_VERSION: &str = "1";

/// The project ontology (T-Box) in Turtle: every `cc:` term with labels,
/// comments, domains and ranges, and the reused vocabularies' axioms the
/// reasoner relies on. Its IRIs are absolute.
pub const ONTOLOGY_TTL: &str = include_str!("../centralino.ttl");

/// The initial SKOS schemes in Turtle: `id/scheme/aree` (subject areas and
/// sub-areas) and `id/scheme/destinatari` (audiences).
///
/// Its IRIs are relative and there is no `@base`: parse it with the
/// platform's base IRI (e.g. `http://localhost:8080/`), so that
/// `<id/concept/tributi>` becomes `{base}id/concept/tributi`.
pub const TAXONOMY_TTL: &str = include_str!("../taxonomy.ttl");

/// SHACL shapes in Turtle: what a publishable knowledge item must look like
/// (`ccsh:KnowledgeItemShape`, targeting `cc:KnowledgeItem`).
pub const SHAPES_TTL: &str = include_str!("../shapes.ttl");

/// Saved SPARQL queries for analysts, as (file stem, query text), sorted by
/// stem. Each starts with a comment in Italian and English.
pub const QUERIES: &[(&str, &str)] = &[
    ("expired-items", include_str!("../queries/expired-items.rq")),
    ("items-per-area", include_str!("../queries/items-per-area.rq")),
    ("items-without-contact", include_str!("../queries/items-without-contact.rq")),
    ("office-people", include_str!("../queries/office-people.rq")),
    ("offices-item-count", include_str!("../queries/offices-item-count.rq")),
];

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::{RdfFormat, RdfParser};
    use oxigraph::model::{Graph, NamedNodeRef, Term, TermRef, Triple};
    use oxigraph::sparql::SparqlEvaluator;
    use std::collections::BTreeSet;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const BASE: &str = "http://localhost:8080/";

    fn parse(ttl: &str, base: Option<&str>) -> Result<Graph, Box<dyn std::error::Error>> {
        let mut parser = RdfParser::from_format(RdfFormat::Turtle);
        if let Some(base) = base {
            parser = parser.with_base_iri(base)?;
        }
        let mut graph = Graph::new();
        for quad in parser.for_slice(ttl) {
            graph.insert(&Triple::from(quad?));
        }
        Ok(graph)
    }

    fn iri(s: &str) -> NamedNodeRef<'_> {
        NamedNodeRef::new_unchecked(s)
    }

    /// The language tags of the literal values of `subject predicate ?o`.
    fn languages(graph: &Graph, subject: &str, predicate: &str) -> BTreeSet<String> {
        graph
            .objects_for_subject_predicate(iri(subject), iri(predicate))
            .filter_map(|o| match o {
                TermRef::Literal(l) => l.language().map(str::to_owned),
                _ => None,
            })
            .collect()
    }

    fn has_it_and_en(graph: &Graph, subject: &str, predicate: &str) -> bool {
        let langs = languages(graph, subject, predicate);
        langs.contains("it") && langs.contains("en")
    }

    fn has_type(graph: &Graph, subject: &str, class: &str) -> bool {
        graph.contains(oxigraph::model::TripleRef::new(iri(subject), iri(vocab::rdf::TYPE), iri(class)))
    }

    #[test]
    fn every_file_parses() -> TestResult {
        assert!(!parse(ONTOLOGY_TTL, None)?.is_empty());
        assert!(!parse(TAXONOMY_TTL, Some(BASE))?.is_empty());
        assert!(!parse(SHAPES_TTL, None)?.is_empty());
        Ok(())
    }

    #[test]
    fn taxonomy_needs_a_base_iri() {
        // Relative IRIs without a base must be rejected, not silently kept:
        // this is why callers have to pass the configured base.
        assert!(parse(TAXONOMY_TTL, None).is_err());
    }

    #[test]
    fn ontology_header_matches_constants() -> TestResult {
        let g = parse(ONTOLOGY_TTL, None)?;
        assert!(has_type(&g, ONTOLOGY_IRI, vocab::owl::ONTOLOGY));
        let versions: Vec<Term> =
            g.objects_for_subject_predicate(iri(ONTOLOGY_IRI), iri(vocab::owl::VERSION_INFO)).map(TermRef::into_owned).collect();
        assert_eq!(versions, vec![Term::from(oxigraph::model::Literal::new_simple_literal(ONTOLOGY_VERSION))]);
        assert!(has_it_and_en(&g, ONTOLOGY_IRI, vocab::dcterms::TITLE));
        assert!(has_it_and_en(&g, ONTOLOGY_IRI, vocab::dcterms::DESCRIPTION));
        assert_eq!(vocab::cc::NS, format!("{ONTOLOGY_IRI}#"));
        Ok(())
    }

    #[test]
    fn every_cc_term_is_declared_with_bilingual_label_and_comment() -> TestResult {
        let g = parse(ONTOLOGY_TTL, None)?;
        let declarations = [
            vocab::owl::CLASS,
            vocab::owl::OBJECT_PROPERTY,
            vocab::owl::DATATYPE_PROPERTY,
            vocab::cc::STATE,
            vocab::cc::LEVEL,
            vocab::cc::TICKET_STATE,
            vocab::cc::CHANNEL_CLASS,
        ];
        let mut problems = Vec::new();
        for term in vocab::cc::ALL {
            if !declarations.iter().any(|class| has_type(&g, term, class)) {
                problems.push(format!("{term} is not declared"));
            }
            for predicate in [vocab::rdfs::LABEL, vocab::rdfs::COMMENT] {
                if !has_it_and_en(&g, term, predicate) {
                    problems.push(format!("{term} lacks {predicate} @it and @en"));
                }
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
        Ok(())
    }

    #[test]
    fn every_cc_term_declared_in_the_ontology_has_a_constant() -> TestResult {
        let g = parse(ONTOLOGY_TTL, None)?;
        let declared: BTreeSet<String> = g
            .iter()
            .filter_map(|t| match t.subject {
                oxigraph::model::NamedOrBlankNodeRef::NamedNode(n) if n.as_str().starts_with(vocab::cc::NS) => Some(n.as_str().to_owned()),
                _ => None,
            })
            .collect();
        let constants: BTreeSet<String> = vocab::cc::ALL.iter().map(|s| (*s).to_owned()).collect();
        let extra: Vec<_> = declared.difference(&constants).collect();
        assert!(extra.is_empty(), "declared without a constant: {extra:?}");
        Ok(())
    }

    #[test]
    fn every_cc_property_has_domain_and_range() -> TestResult {
        let g = parse(ONTOLOGY_TTL, None)?;
        let mut properties = 0;
        let mut problems = Vec::new();
        for term in vocab::cc::ALL {
            let is_property = has_type(&g, term, vocab::owl::OBJECT_PROPERTY) || has_type(&g, term, vocab::owl::DATATYPE_PROPERTY);
            if !is_property {
                continue;
            }
            properties += 1;
            for predicate in [vocab::rdfs::DOMAIN, vocab::rdfs::RANGE] {
                if g.object_for_subject_predicate(iri(term), iri(predicate)).is_none() {
                    problems.push(format!("{term} lacks {predicate}"));
                }
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
        // Guards against the loop silently matching nothing.
        assert!(properties > 30, "only {properties} cc properties found");
        Ok(())
    }

    #[test]
    fn every_taxonomy_concept_has_bilingual_label_and_scheme() -> TestResult {
        let g = parse(TAXONOMY_TTL, Some(BASE))?;
        let concepts: Vec<String> = g
            .subjects_for_predicate_object(iri(vocab::rdf::TYPE), iri(vocab::skos::CONCEPT))
            .filter_map(|s| match s {
                oxigraph::model::NamedOrBlankNodeRef::NamedNode(n) => Some(n.as_str().to_owned()),
                oxigraph::model::NamedOrBlankNodeRef::BlankNode(_) => None,
            })
            .collect();
        assert!(concepts.len() > 40, "only {} concepts", concepts.len());
        let mut problems = Vec::new();
        for c in &concepts {
            if !c.starts_with(&format!("{BASE}id/concept/")) {
                problems.push(format!("{c} is not under {BASE}id/concept/"));
            }
            if !has_it_and_en(&g, c, vocab::skos::PREF_LABEL) {
                problems.push(format!("{c} lacks prefLabel @it and @en"));
            }
            let in_scheme = g.objects_for_subject_predicate(iri(c), iri(vocab::skos::IN_SCHEME)).any(|s| match s {
                TermRef::NamedNode(s) => has_type(&g, s.as_str(), vocab::skos::CONCEPT_SCHEME),
                _ => false,
            });
            if !in_scheme {
                problems.push(format!("{c} is not inScheme a declared scheme"));
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
        for scheme in ["id/scheme/aree", "id/scheme/destinatari"] {
            let scheme = format!("{BASE}{scheme}");
            assert!(has_type(&g, &scheme, vocab::skos::CONCEPT_SCHEME));
            assert!(has_it_and_en(&g, &scheme, vocab::skos::PREF_LABEL));
        }
        Ok(())
    }

    #[test]
    fn taxonomy_has_the_nine_subject_areas() -> TestResult {
        let g = parse(TAXONOMY_TTL, Some(BASE))?;
        let scheme = format!("{BASE}id/scheme/aree");
        let tops = g.subjects_for_predicate_object(iri(vocab::skos::TOP_CONCEPT_OF), iri(&scheme)).count();
        assert_eq!(tops, 9);
        Ok(())
    }

    #[test]
    fn shapes_target_knowledge_items() -> TestResult {
        let g = parse(SHAPES_TTL, None)?;
        let target = "http://www.w3.org/ns/shacl#targetClass";
        let targeted = g.subjects_for_predicate_object(iri(target), iri(vocab::cc::KNOWLEDGE_ITEM)).count();
        assert_eq!(targeted, 1);
        Ok(())
    }

    #[test]
    fn saved_queries_parse() -> TestResult {
        assert!(!QUERIES.is_empty());
        for (name, text) in QUERIES {
            let parsed = SparqlEvaluator::new().parse_query(text);
            assert!(parsed.is_ok(), "{name}: {:?}", parsed.err());
        }
        Ok(())
    }

    #[test]
    fn saved_queries_are_sorted_unique_and_documented() {
        let names: Vec<&str> = QUERIES.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for (name, text) in QUERIES {
            assert!(text.starts_with("# "), "{name} lacks a comment header");
        }
    }
}
