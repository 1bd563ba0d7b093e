//! SPARQL queries saved by a user under a name, for the query page.
//!
//! They live in the `accounts` graph (never part of a SPARQL dataset),
//! linked from the user's agent IRI with `cc:savedQuery`: each is a
//! `cc:SavedQuery` node `{agent}/query/{uuid}` with `rdfs:label` (the
//! name), `cc:sparqlText` and `dcterms:created`. A user sees and deletes
//! only their own.

use crate::error::{Error, Result};
use crate::rdf::{Reader, lit, lit_datetime, nn, term_value};
use crate::roles::{Actor, Graph};
use crate::store::Kb;
use chrono::Utc;
use ontologies::vocab::{cc, dcterms, rdf, rdfs};
use oxigraph::model::{NamedNode, Quad, Term};
use serde::Serialize;

/// Longest accepted name of a saved query, in characters.
pub const MAX_SAVED_QUERY_NAME: usize = 120;
/// Longest accepted saved query, in bytes.
pub const MAX_SAVED_QUERY_BYTES: usize = 64 * 1024;
/// Most saved queries per user.
pub const MAX_SAVED_QUERIES: usize = 200;

/// A saved SPARQL query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedQuery {
    /// Its identifier (a UUID).
    pub id: String,
    /// The name the user gave it.
    pub name: String,
    /// The query text.
    pub query: String,
    /// When it was saved (RFC 3339).
    pub created: String,
}

impl Kb {
    fn saved_query_iri(&self, username: &str, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/query/{id}", self.agent_iri(username).as_str()))
    }

    /// Saves `query` for `actor` under `name`; a query already saved under
    /// the same name is replaced. Returns the identifier.
    pub fn save_query(&self, actor: &Actor, name: &str, query: &str) -> Result<String> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::MissingField { field: "name" });
        }
        if name.chars().count() > MAX_SAVED_QUERY_NAME {
            return Err(Error::invalid("name", format!("at most {MAX_SAVED_QUERY_NAME} characters")));
        }
        if query.trim().is_empty() {
            return Err(Error::MissingField { field: "query" });
        }
        if query.len() > MAX_SAVED_QUERY_BYTES {
            return Err(Error::invalid("query", format!("at most {MAX_SAVED_QUERY_BYTES} bytes")));
        }
        let existing = self.saved_queries(actor)?;
        if existing.len() >= MAX_SAVED_QUERIES && !existing.iter().any(|q| q.name == name) {
            return Err(Error::invalid("name", format!("at most {MAX_SAVED_QUERIES} saved queries per user: delete some first")));
        }
        let user = self.agent_iri(&actor.username);
        let g = self.graph(Graph::Accounts).into_owned();
        let id = uuid::Uuid::new_v4().to_string();
        let node = self.saved_query_iri(&actor.username, &id);
        self.write(|w| {
            if w.quads(Some(user.as_ref().into()), Some(nn(cc::USERNAME)), None, Some(g.as_ref().into()))?.is_empty() {
                return Err(Error::not_found("user", actor.username.clone()));
            }
            for q in w.quads(Some(user.as_ref().into()), Some(nn(cc::SAVED_QUERY)), None, Some(g.as_ref().into()))? {
                let Term::NamedNode(old) = &q.object else { continue };
                let same_name = w.object(old.as_ref(), rdfs::LABEL, g.as_ref())?.is_some_and(|t| term_value(&t) == name);
                if same_name {
                    w.remove(&q);
                    w.remove_subject(old.as_ref(), g.as_ref())?;
                }
            }
            w.put(Quad::new(user.clone(), nn(cc::SAVED_QUERY), node.clone(), g.clone()));
            w.put(Quad::new(node.clone(), nn(rdf::TYPE), nn(cc::SAVED_QUERY_CLASS).into_owned(), g.clone()));
            w.put(Quad::new(node.clone(), nn(rdfs::LABEL), lit(name), g.clone()));
            w.put(Quad::new(node.clone(), nn(cc::SPARQL_TEXT), lit(query), g.clone()));
            w.put(Quad::new(node.clone(), nn(dcterms::CREATED), lit_datetime(Utc::now()), g.clone()));
            Ok(())
        })?;
        Ok(id)
    }

    /// The queries `actor` saved, sorted by name.
    pub fn saved_queries(&self, actor: &Actor) -> Result<Vec<SavedQuery>> {
        let g = self.graph(Graph::Accounts);
        let user = self.agent_iri(&actor.username);
        let mut out = Vec::new();
        for q in self.store().quads(Some(user.as_ref().into()), Some(nn(cc::SAVED_QUERY)), None, Some(g.into()))? {
            let Term::NamedNode(node) = &q.object else { continue };
            let get = |p| -> Result<String> {
                Ok(self.store().object(node.as_ref(), p, g)?.map(|t| term_value(&t).to_owned()).unwrap_or_default())
            };
            let id = node.as_str().rsplit('/').next().unwrap_or_default().to_owned();
            out.push(SavedQuery { id, name: get(rdfs::LABEL)?, query: get(cc::SPARQL_TEXT)?, created: get(dcterms::CREATED)? });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.created.cmp(&b.created)));
        Ok(out)
    }

    /// One saved query of `actor`.
    pub fn saved_query(&self, actor: &Actor, id: &str) -> Result<Option<SavedQuery>> {
        Ok(self.saved_queries(actor)?.into_iter().find(|q| q.id == id))
    }

    /// Deletes saved query `id` of `actor`.
    pub fn delete_saved_query(&self, actor: &Actor, id: &str) -> Result<()> {
        let user = self.agent_iri(&actor.username);
        let g = self.graph(Graph::Accounts).into_owned();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(Error::not_found("saved query", id));
        }
        let node = self.saved_query_iri(&actor.username, id);
        self.write(|w| {
            let link = Quad::new(user.clone(), nn(cc::SAVED_QUERY), node.clone(), g.clone());
            if !w.contains(&link)? {
                return Err(Error::not_found("saved query", id));
            }
            w.remove(&link);
            w.remove_subject(node.as_ref(), g.as_ref())?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::roles::Role;
    use crate::store::KbConfig;

    #[test]
    fn save_list_replace_delete_and_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let kb = Kb::open(dir.path(), KbConfig::default()).unwrap();
        kb.create_user(&Actor::system(), "anna", "password-anna", &[Role::Analyst]).unwrap();
        kb.create_user(&Actor::system(), "bruno", "password-bruno", &[Role::Analyst]).unwrap();
        let anna = Actor::new("anna", [Role::Analyst]);
        let bruno = Actor::new("bruno", [Role::Analyst]);
        let id = kb.save_query(&anna, "conta", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").unwrap();
        kb.save_query(&anna, "tutto", "SELECT * WHERE { ?s ?p ?o } LIMIT 5").unwrap();
        let list = kb.saved_queries(&anna).unwrap();
        assert_eq!(list.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(), ["conta", "tutto"]);
        assert_eq!(kb.saved_query(&anna, &id).unwrap().unwrap().query, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }");
        // Same name: replaced.
        kb.save_query(&anna, "conta", "ASK { ?s ?p ?o }").unwrap();
        let list = kb.saved_queries(&anna).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].query, "ASK { ?s ?p ?o }");
        // Private to their owner.
        assert!(kb.saved_queries(&bruno).unwrap().is_empty());
        assert!(matches!(kb.delete_saved_query(&bruno, &list[0].id), Err(Error::NotFound { .. })));
        kb.delete_saved_query(&anna, &list[0].id).unwrap();
        assert_eq!(kb.saved_queries(&anna).unwrap().len(), 1);
        // Never visible to SPARQL, even to administrators.
        let out = kb.query(&crate::RoleSet::new([Role::Admin]), "ASK { ?q a <https://w3id.org/centralino/ontology#SavedQuery> }").unwrap();
        assert_eq!(out, crate::QueryOutcome::Boolean(false));
        // Bad input.
        assert!(kb.save_query(&anna, " ", "ASK {}").is_err());
        assert!(kb.save_query(&anna, "x", "").is_err());
        assert!(kb.save_query(&Actor::new("ghost", [Role::Analyst]), "x", "ASK {}").is_err());
    }
}
