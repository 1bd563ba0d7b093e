//! Linked data: every IRI below the base (`{base}id/...`) dereferences.
//!
//! A browser (preferring `text/html`) is sent with 303 See Other to the
//! resource's page: items to `/items/{id}`, concepts to `/areas/{slug}`,
//! offices and people to the directory. RDF clients get, by content
//! negotiation, Turtle (default), JSON-LD, RDF/XML or N-Triples: the
//! triples about the IRI (with the blank nodes it points to) from the
//! graphs the reader's roles may read, so an analyst dereferencing a
//! draft revision gets 404 just as for an unknown IRI. Reading needs
//! sign-in like everything else: RDF clients get 401, browsers the
//! sign-in page.

use crate::AppState;
use crate::auth::{MaybeUser, urlencode};
use crate::sparql_http::{GRAPH_OFFERS, format_param, graph_bytes, negotiate, parse_accept, wants_html};
use crate::ui::AppError;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kb::oxigraph::io::RdfFormat;
use kb::oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, Term, Triple};
use kb::{Graph, Kb, RoleSet};
use std::collections::HashSet;

/// Most triples returned for one resource.
const MAX_TRIPLES: usize = 10_000;

/// The linked-data route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/id/{*path}", get(dereference))
}

/// Checks the path below `/id/`: 1 to 6 segments of letters, digits and
/// `-_.~`, none of them `.` or `..`.
pub fn valid_path(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    (1..=6).contains(&segments.len())
        && path.len() <= 300
        && segments
            .iter()
            .all(|s| !s.is_empty() && *s != "." && *s != ".." && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c)))
}

/// The human page of a resource, if it has one.
pub fn human_page(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        ["kb", id] => Some(format!("/items/{id}")),
        ["kb", id, "rev", _] => Some(format!("/items/{id}/history")),
        ["concept", slug] => Some(format!("/areas/{slug}")),
        ["scheme", ..] => Some("/areas".to_owned()),
        ["office", code] => Some(format!("/directory/offices/{code}")),
        ["person", number] => Some(format!("/directory/people/{number}")),
        _ => None,
    }
}

/// The triples about `iri` in the graphs `roles` may read, with the
/// descriptions of the blank nodes they reach (a concise bounded
/// description), without duplicates.
pub fn describe(kb: &Kb, roles: &RoleSet, iri: &NamedNode) -> Result<Vec<Triple>, AppError> {
    let graphs: Vec<Graph> = roles.readable_graphs().into_iter().filter(|g| *g != Graph::Accounts).collect();
    let mut out = Vec::new();
    let mut seen: HashSet<Triple> = HashSet::new();
    let mut todo: Vec<NamedOrBlankNode> = vec![iri.clone().into()];
    let mut visited: HashSet<NamedOrBlankNode> = HashSet::new();
    while let Some(subject) = todo.pop() {
        if !visited.insert(subject.clone()) {
            continue;
        }
        for g in &graphs {
            for q in kb.store().quads_for_pattern(Some(subject.as_ref()), None, None, Some(GraphNameRef::NamedNode(kb.graph(*g)))) {
                let q = q.map_err(|e| AppError::Internal(format!("graph store: {e}")))?;
                if let Term::BlankNode(b) = &q.object {
                    todo.push(b.clone().into());
                }
                let t = Triple::new(q.subject, q.predicate, q.object);
                if seen.insert(t.clone()) {
                    out.push(t);
                    if out.len() > MAX_TRIPLES {
                        return Err(AppError::TooLarge(format!("the description has more than {MAX_TRIPLES} triples: use SPARQL")));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// `GET /id/{path}`.
async fn dereference(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    headers: HeaderMap,
    Path(path): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let format = raw.as_deref().and_then(|q| crate::auth::form_field(q.as_bytes(), "format"));
    let accept = match format.as_deref().and_then(format_param) {
        Some(a) => parse_accept(a),
        None => parse_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("")),
    };
    let browser = format.is_none() && wants_html(&accept);
    let Some(user) = user else {
        if browser {
            return Redirect::to(&format!("/login?next={}", urlencode(&format!("/id/{path}")))).into_response();
        }
        let mut r = (StatusCode::UNAUTHORIZED, "sign in first: send Authorization: Bearer <token>\n").into_response();
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"centralino\""));
        return r;
    };
    if !valid_path(&path) {
        return AppError::NotFound(format!("no resource /id/{path}")).into_response();
    }
    let kb = state.kb.clone();
    let Ok(iri) = NamedNode::new(kb.iri(&format!("id/{path}")).as_str()) else {
        return AppError::NotFound(format!("no resource /id/{path}")).into_response();
    };
    let roles = user.actor.roles.clone();
    let lookup = iri.clone();
    let triples = match state.blocking(move |kb| describe(kb, &roles, &lookup)).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    if triples.is_empty() {
        return AppError::NotFound(format!("no resource {} that you may read", iri.as_str())).into_response();
    }
    if browser {
        if let Some(page) = human_page(&path) {
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, page)]).into_response();
            r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
            return r;
        }
    }
    let f = if browser { RdfFormat::Turtle } else { negotiate(&accept, GRAPH_OFFERS).unwrap_or(RdfFormat::Turtle) };
    let body = match graph_bytes(&triples, f) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    // A browser with no page for this resource sees the Turtle as text.
    let ct = if browser { "text/plain; charset=utf-8".to_owned() } else { format!("{}; charset=utf-8", f.media_type()) };
    let mut r = (StatusCode::OK, body).into_response();
    if let Ok(v) = HeaderValue::from_str(&ct) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_validated() {
        assert!(valid_path("kb/PIL-0001"));
        assert!(valid_path("kb/PIL-0001/rev/2"));
        assert!(valid_path("concept/sanita-esenzioni"));
        assert!(!valid_path(""));
        assert!(!valid_path("kb/../graph"));
        assert!(!valid_path("kb/PIL 0001"));
        assert!(!valid_path("kb/<x>"));
        assert!(!valid_path("kb//x"));
        assert_eq!(human_page("kb/PIL-0001").as_deref(), Some("/items/PIL-0001"));
        assert_eq!(human_page("office/UFF1").as_deref(), Some("/directory/offices/UFF1"));
        assert_eq!(human_page("token/x"), None);
    }
}
