//! The access log (KB-11): every read of an item by a user, and the
//! statistics of the most consulted items and areas in a period.

use crate::error::{Error, Result};
use crate::item::item_iri;
use crate::rdf::{Reader, lit_datetime, nn, term_value};
use crate::roles::{Actor, Graph, Role};
use crate::store::Kb;
use chrono::{DateTime, Utc};
use ontologies::vocab::{cc, dcterms, prov, rdf};
use oxigraph::model::Quad;
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use serde::Serialize;

/// A count of reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessCount {
    /// The item identifier or concept IRI.
    pub key: String,
    /// Item title or concept label.
    pub label: String,
    /// Number of reads.
    pub count: u64,
}

impl Kb {
    /// Records that `actor` read item `id` now. Unknown items are refused.
    pub fn record_access(&self, actor: &Actor, id: &str) -> Result<()> {
        self.record_access_at(actor, id, Utc::now())
    }

    /// Records a read at a given time (imports of old logs, tests).
    pub fn record_access_at(&self, actor: &Actor, id: &str, at: DateTime<Utc>) -> Result<()> {
        self.record_access_with_query(actor, id, None, at)
    }

    /// Records a read, with the search text that led to it if any.
    pub(crate) fn record_access_with_query(&self, actor: &Actor, id: &str, query: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        let item = item_iri(self, id);
        let published = self.graph(Graph::KbPublished);
        if !self.store().describes(item.as_ref(), published)? {
            return Err(Error::not_found("item", id));
        }
        let concept = self.store().object(item.as_ref(), dcterms::SUBJECT, published)?;
        let audit = self.graph(Graph::Audit).into_owned();
        let a = self.iri(&format!("id/access/{}", uuid::Uuid::new_v4()));
        let mut quads = vec![
            Quad::new(a.clone(), nn(rdf::TYPE), nn(cc::ACCESS), audit.clone()),
            Quad::new(a.clone(), nn(cc::READER), self.agent_iri(&actor.username), audit.clone()),
            Quad::new(a.clone(), nn(prov::USED), item, audit.clone()),
            Quad::new(a.clone(), nn(prov::STARTED_AT_TIME), lit_datetime(at), audit.clone()),
        ];
        if let Some(c) = concept {
            quads.push(Quad::new(a.clone(), nn(cc::ACCESSED_CONCEPT), c, audit.clone()));
        }
        if let Some(text) = query.map(str::trim).filter(|t| !t.is_empty()) {
            let text: String = text.chars().take(crate::search::MAX_QUERY_CHARS).collect();
            quads.push(Quad::new(a, nn(cc::QUERY_TEXT), crate::rdf::lit(&text), audit));
        }
        // Pure inserts with no check: no need for the writer lock.
        self.store().extend(quads)?;
        Ok(())
    }

    fn access_query(&self, query: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<(String, String, u64)>> {
        let g = |x: Graph| format!("<{}>", self.graph(x).as_str());
        let text = query
            .replace("$AUDIT", &g(Graph::Audit))
            .replace("$PUBLISHED", &g(Graph::KbPublished))
            .replace("$TAXONOMY", &g(Graph::Taxonomy))
            .replace("$INFERRED", &g(Graph::Inferred));
        // The bounds are typed literals built here from `DateTime`s, never user text.
        let text = text.replace("?from", &lit_datetime(from).to_string()).replace("?to", &lit_datetime(to).to_string());
        let results = SparqlEvaluator::new().parse_query(&text)?.on_store(self.store()).execute()?;
        let mut out = Vec::new();
        if let QueryResults::Solutions(rows) = results {
            for row in rows {
                let row = row?;
                let key = row.get("key").map(|t| term_value(t).to_owned()).unwrap_or_default();
                let label = row.get("label").map(|t| term_value(t).to_owned()).unwrap_or_default();
                let n = row.get("n").and_then(|t| term_value(t).parse().ok()).unwrap_or(0);
                out.push((key, label, n));
            }
        }
        Ok(out)
    }

    /// The most read items between `from` (inclusive) and `to` (exclusive).
    pub fn most_consulted_items(&self, actor: &Actor, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Result<Vec<AccessCount>> {
        actor.require("read access statistics", &[Role::Admin, Role::Supervisor, Role::Analyst, Role::Approver])?;
        let q = format!(
            "PREFIX cc: <{cc}> PREFIX prov: <{prov}> PREFIX dct: <{dct}>
            SELECT ?key (SAMPLE(?t) AS ?label) (COUNT(?a) AS ?n) WHERE {{
              GRAPH $AUDIT {{ ?a a cc:Access ; prov:used ?item ; prov:startedAtTime ?time }}
              FILTER(?time >= ?from && ?time < ?to)
              OPTIONAL {{ GRAPH $PUBLISHED {{ ?item dct:identifier ?key0 ; dct:title ?t FILTER(lang(?t) = 'it') }} }}
              BIND(COALESCE(?key0, STR(?item)) AS ?key)
            }} GROUP BY ?key ORDER BY DESC(?n) ?key LIMIT {limit}",
            cc = cc::NS,
            prov = prov::NS,
            dct = dcterms::NS
        );
        Ok(self.access_query(&q, from, to)?.into_iter().map(|(key, label, count)| AccessCount { key, label, count }).collect())
    }

    /// Reads per top-level area (a read of an item in a sub-area counts for
    /// its area) between `from` and `to`.
    pub fn most_consulted_areas(&self, actor: &Actor, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<AccessCount>> {
        actor.require("read access statistics", &[Role::Admin, Role::Supervisor, Role::Analyst, Role::Approver])?;
        let q = format!(
            "PREFIX cc: <{cc}> PREFIX prov: <{prov}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?key (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?a) AS ?n) WHERE {{
              GRAPH $AUDIT {{ ?a a cc:Access ; cc:accessedConcept ?c ; prov:startedAtTime ?time }}
              FILTER(?time >= ?from && ?time < ?to)
              {{ BIND(?c AS ?key) }} UNION {{ GRAPH $INFERRED {{ ?c skos:broaderTransitive ?key }} }}
              GRAPH $TAXONOMY {{ ?key skos:topConceptOf ?scheme ; skos:prefLabel ?l FILTER(lang(?l) = 'it') }}
            }} GROUP BY ?key ORDER BY DESC(?n) ?key",
            cc = cc::NS,
            prov = prov::NS
        );
        Ok(self.access_query(&q, from, to)?.into_iter().map(|(key, label, count)| AccessCount { key, label, count }).collect())
    }
}
