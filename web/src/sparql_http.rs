//! The SPARQL 1.1 Protocol endpoint (`/sparql`) and the query page
//! (`/sparql/ui`) with example and saved queries.
//!
//! - Queries: `GET /sparql?query=…`, `POST /sparql` with a urlencoded
//!   `query=` or an `application/sparql-query` body. Results by `Accept`
//!   (or a `format` parameter): SELECT and ASK as SPARQL JSON (default),
//!   XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle (default),
//!   N-Triples, RDF/XML or JSON-LD. A browser asking for HTML gets the
//!   query page.
//! - Updates: `POST /sparql` with an `application/sparql-update` body or a
//!   urlencoded `update=`, administrators only.
//! - The dataset is always the graphs the caller's roles may read:
//!   [`kb::Kb::query`] overwrites it, so `default-graph-uri`,
//!   `named-graph-uri`, `FROM` and `GRAPH ?g` cannot reach anything else.
//!   The protocol's dataset parameters are accepted and ignored.
//! - Queries run on their own small pool ([`SPARQL_WORKERS`] dedicated
//!   threads, not tokio's blocking pool that pages use), so that heavy
//!   analysts' queries cannot starve operators' searches; the knowledge
//!   base cancels them at its time limit.
//! - Errors are plain text with the right status: 400 with the parser's
//!   message (line and column) for malformed SPARQL or a result over the
//!   cap, 503 for a timeout or a busy service, 401/403 for access.

use crate::AppState;
use crate::auth::User;
use crate::ui::AppError;
use axum::Form;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kb::oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use kb::oxigraph::model::{Term, Triple};
use kb::oxigraph::sparql::results::QueryResultsFormat;
use kb::{Kb, QueryOutcome, Role};
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Roles that may run SPARQL queries.
pub const SPARQL_ROLES: &[Role] = &[Role::Analyst, Role::Admin, Role::Integration];

/// Queries that may run at once; further ones wait for a free worker.
pub const SPARQL_WORKERS: usize = 2;

/// Rows shown in the query page's table (the CSV download has them all).
pub const UI_MAX_ROWS: usize = 500;

/// Prefixes used when serialising Turtle and RDF/XML.
pub const PREFIXES: &[(&str, &str)] = &[
    ("cc", "https://w3id.org/centralino/ontology#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("org", "http://www.w3.org/ns/org#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("schema", "https://schema.org/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// The permits of the SPARQL workers.
static WORKERS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(SPARQL_WORKERS)));

/// Every route of the endpoint and of the query page.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sparql", get(sparql_get).post(sparql_post))
        .route("/sparql/ui", get(ui_get).post(ui_post))
        .route("/sparql/saved", post(save))
        .route("/sparql/saved/{id}/delete", post(delete_saved))
}

/// Runs `f` on a dedicated SPARQL worker thread once one of the
/// [`SPARQL_WORKERS`] permits is free; gives up with 503 after `wait`.
pub async fn on_sparql_worker<T: Send + 'static>(
    kb: Kb,
    wait: Duration,
    f: impl FnOnce(&Kb) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let permit = match tokio::time::timeout(wait, WORKERS.clone().acquire_owned()).await {
        Ok(Ok(p)) => p,
        _ => {
            return Err(AppError::Timeout(format!(
                "the SPARQL service is busy ({SPARQL_WORKERS} queries running and others waiting): try again in a moment"
            )));
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("sparql".into())
        .spawn(move || {
            // The permit is released when the query ends, even if the
            // client went away meanwhile.
            let _permit = permit;
            let _ = tx.send(f(&kb));
        })
        .map_err(|e| AppError::Internal(format!("cannot start a SPARQL worker: {e}")))?;
    rx.await.map_err(|_| AppError::Internal("the SPARQL worker stopped unexpectedly".into()))?
}

/// A knowledge-base error of a query or update, with advice where useful.
pub fn sparql_error(e: kb::Error) -> AppError {
    match &e {
        kb::Error::QueryTimeout { .. } => {
            AppError::Timeout(format!("{e}: the query took too long and was stopped; narrow it (more specific patterns, a LIMIT)"))
        }
        kb::Error::ResultTooLarge { .. } => AppError::BadRequest(format!("{e}: add a LIMIT or narrow the query")),
        _ => AppError::from(e),
    }
}

/// An error as plain text (protocol clients), never a stack trace.
fn plain_error(e: AppError) -> Response {
    if let AppError::Response(r) = e {
        return r;
    }
    if let AppError::Internal(m) = &e {
        tracing::error!(error = %m, "internal error");
    }
    let mut r = (e.status(), e.message()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    if e.status() == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"centralino\""));
    }
    r
}

// ---------------------------------------------------------------------------
// Content negotiation
// ---------------------------------------------------------------------------

/// The media ranges of an `Accept` header with their quality, most
/// specific first within equal quality.
pub fn parse_accept(accept: &str) -> Vec<(String, f32)> {
    accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let ty = pieces.next()?.trim().to_ascii_lowercase();
            if ty.is_empty() {
                return None;
            }
            let q =
                pieces.filter_map(|p| p.trim().strip_prefix("q=").map(|v| v.trim().parse::<f32>().unwrap_or(1.0))).next().unwrap_or(1.0);
            Some((ty, q))
        })
        .collect()
}

/// The quality the client gives `offer` (the most specific matching range wins).
fn quality(accept: &[(String, f32)], offer: &str) -> f32 {
    let main = offer.split('/').next().unwrap_or_default();
    let mut best: Option<(u8, f32)> = None;
    for (range, q) in accept {
        let specificity = if range == offer {
            3
        } else if range.strip_suffix("/*").is_some_and(|m| m == main) {
            2
        } else if range == "*/*" || range == "*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, *q));
        }
    }
    best.map(|(_, q)| q).unwrap_or(0.0)
}

/// The offer the client prefers (ties: the first offer), if it accepts any.
/// An empty `Accept` accepts everything.
pub fn negotiate<T: Copy>(accept: &[(String, f32)], offers: &[(&str, T)]) -> Option<T> {
    if accept.is_empty() {
        return offers.first().map(|(_, t)| *t);
    }
    let mut best: Option<(f32, T)> = None;
    for (ty, t) in offers {
        let q = quality(accept, ty);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, *t));
        }
    }
    best.map(|(_, t)| t)
}

/// Result formats of SELECT and ASK, in order of preference.
pub const RESULT_OFFERS: &[(&str, QueryResultsFormat)] = &[
    ("application/sparql-results+json", QueryResultsFormat::Json),
    ("application/json", QueryResultsFormat::Json),
    ("application/sparql-results+xml", QueryResultsFormat::Xml),
    ("application/xml", QueryResultsFormat::Xml),
    ("text/xml", QueryResultsFormat::Xml),
    ("text/csv", QueryResultsFormat::Csv),
    ("text/tab-separated-values", QueryResultsFormat::Tsv),
];

/// The JSON-LD format.
pub const JSON_LD: RdfFormat = RdfFormat::JsonLd { profile: JsonLdProfileSet::empty() };

/// Graph formats of CONSTRUCT, DESCRIBE and linked data, in order of preference.
pub const GRAPH_OFFERS: &[(&str, RdfFormat)] = &[
    ("text/turtle", RdfFormat::Turtle),
    ("application/turtle", RdfFormat::Turtle),
    ("application/x-turtle", RdfFormat::Turtle),
    ("application/n-triples", RdfFormat::NTriples),
    ("text/plain", RdfFormat::NTriples),
    ("application/rdf+xml", RdfFormat::RdfXml),
    ("application/xml", RdfFormat::RdfXml),
    ("text/xml", RdfFormat::RdfXml),
    ("application/ld+json", JSON_LD),
    ("application/json", JSON_LD),
];

/// The `Accept` equivalent of a `format` parameter (`json`, `xml`, `csv`,
/// `tsv`, `turtle`, `ntriples`, `rdfxml`, `jsonld`).
pub fn format_param(format: &str) -> Option<&'static str> {
    Some(match format.trim().to_ascii_lowercase().as_str() {
        "json" | "srj" => "application/sparql-results+json, application/ld+json;q=0.9",
        "xml" | "srx" => "application/sparql-results+xml, application/rdf+xml;q=0.9",
        "csv" => "text/csv, text/turtle;q=0.9",
        "tsv" => "text/tab-separated-values, text/turtle;q=0.9",
        "turtle" | "ttl" => "text/turtle",
        "ntriples" | "nt" => "application/n-triples",
        "rdfxml" | "rdf" => "application/rdf+xml",
        "jsonld" => "application/ld+json",
        _ => return None,
    })
}

/// Whether a browser is asking: `text/html` preferred to every SPARQL format.
pub fn wants_html(accept: &[(String, f32)]) -> bool {
    let html = quality(accept, "text/html");
    html > 0.0 && RESULT_OFFERS.iter().map(|(t, _)| *t).chain(GRAPH_OFFERS.iter().map(|(t, _)| *t)).all(|ty| quality(accept, ty) < html)
}

fn media_type(mt: &'static str) -> HeaderValue {
    if mt.starts_with("text/") || mt.ends_with("json") || mt.ends_with("xml") {
        HeaderValue::from_str(&format!("{mt}; charset=utf-8")).unwrap_or(HeaderValue::from_static(mt))
    } else {
        HeaderValue::from_static(mt)
    }
}

/// Serialises triples, with the usual prefixes in Turtle and RDF/XML.
pub fn graph_bytes(triples: &[Triple], format: RdfFormat) -> Result<Vec<u8>, AppError> {
    let io = |e: std::io::Error| AppError::Internal(format!("RDF serialisation: {e}"));
    let mut ser = RdfSerializer::from_format(format);
    if matches!(format, RdfFormat::Turtle | RdfFormat::RdfXml) {
        for (p, ns) in PREFIXES {
            ser = ser.with_prefix(*p, *ns).map_err(|e| AppError::Internal(format!("prefix {p}: {e}")))?;
        }
    }
    let mut w = ser.for_writer(Vec::new());
    for t in triples {
        w.serialize_triple(t).map_err(io)?;
    }
    w.finish().map_err(io)
}

/// A query outcome serialised as the client asked: (content type, body).
/// Formats the client does not accept give the default (JSON or Turtle).
pub fn serialize_outcome(outcome: &QueryOutcome, accept: &[(String, f32)]) -> Result<(HeaderValue, Vec<u8>), AppError> {
    match outcome {
        QueryOutcome::Graph(triples) => {
            let f = negotiate(accept, GRAPH_OFFERS).unwrap_or(RdfFormat::Turtle);
            Ok((media_type(f.media_type()), graph_bytes(triples, f)?))
        }
        _ => {
            let f = negotiate(accept, RESULT_OFFERS).unwrap_or(QueryResultsFormat::Json);
            let body = outcome.write_results(f).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok((media_type(f.media_type()), body))
        }
    }
}

// ---------------------------------------------------------------------------
// The protocol
// ---------------------------------------------------------------------------

/// The first value of `name` among urlencoded pairs.
fn field(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_bytes(bytes).map_err(|e| AppError::BadRequest(format!("malformed form or query string: {e}")))
}

fn accept_of(headers: &HeaderMap, params: &[(String, String)]) -> Vec<(String, f32)> {
    if let Some(f) = field(params, "format").or_else(|| field(params, "output")).as_deref().and_then(format_param) {
        return parse_accept(f);
    }
    parse_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or(""))
}

/// `GET /sparql`: a query, or the query page for a browser.
async fn sparql_get(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery, user: Result<User, AppError>) -> Response {
    let user = match user {
        Ok(u) => u,
        Err(e) => return plain_error(e),
    };
    let params = match pairs(raw.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return plain_error(e),
    };
    let accept = accept_of(&headers, &params);
    let query = field(&params, "query");
    let browser = field(&params, "format").is_none() && wants_html(&accept);
    if browser {
        return ui_page(state, user, query.clone(), query.is_some(), None, None).await.unwrap_or_else(IntoResponse::into_response);
    }
    if let Err(e) = user.require(SPARQL_ROLES) {
        return plain_error(e);
    }
    let Some(query) = query else {
        return plain_error(AppError::BadRequest(
            "missing `query` parameter: send GET /sparql?query=… or POST a query (SPARQL 1.1 Protocol)".into(),
        ));
    };
    let download = field(&params, "format").is_some();
    run_protocol_query(&state, &user, query, accept, download).await
}

/// `POST /sparql`: a query or an update.
async fn sparql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    user: Result<User, AppError>,
    body: Bytes,
) -> Response {
    let user = match user {
        Ok(u) => u,
        Err(e) => return plain_error(e),
    };
    let mut params = match pairs(raw.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(e) => return plain_error(e),
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let media = content_type.split(';').next().unwrap_or("").trim().to_owned();
    let text = || String::from_utf8(body.to_vec()).map_err(|_| AppError::BadRequest("the request body is not UTF-8".into()));
    let (query, update) = match media.as_str() {
        "application/x-www-form-urlencoded" => {
            match pairs(&body) {
                Ok(p) => params.extend(p),
                Err(e) => return plain_error(e),
            }
            (field(&params, "query"), field(&params, "update"))
        }
        "application/sparql-query" => match text() {
            Ok(t) => (Some(t), None),
            Err(e) => return plain_error(e),
        },
        "application/sparql-update" => match text() {
            Ok(t) => (None, Some(t)),
            Err(e) => return plain_error(e),
        },
        _ => {
            return plain_error(AppError::Response(
                (
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "send application/x-www-form-urlencoded (query= or update=), application/sparql-query or application/sparql-update",
                )
                    .into_response(),
            ));
        }
    };
    let accept = accept_of(&headers, &params);
    match (query, update) {
        (Some(q), None) => {
            if let Err(e) = user.require(SPARQL_ROLES) {
                return plain_error(e);
            }
            run_protocol_query(&state, &user, q, accept, false).await
        }
        (None, Some(u)) => run_update(&state, &user, u).await,
        (Some(_), Some(_)) => plain_error(AppError::BadRequest("send either `query` or `update`, not both".into())),
        (None, None) => plain_error(AppError::BadRequest("missing `query` or `update`".into())),
    }
}

async fn run_protocol_query(state: &AppState, user: &User, query: String, accept: Vec<(String, f32)>, download: bool) -> Response {
    let roles = user.actor.roles.clone();
    let wait = state.kb.config().sparql_timeout();
    let who = user.actor.username.clone();
    let started = Instant::now();
    let result = on_sparql_worker(state.kb.clone(), wait, move |kb| {
        let outcome = kb.query(&roles, &query).map_err(sparql_error)?;
        serialize_outcome(&outcome, &accept)
    })
    .await;
    tracing::info!(user = %who, ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "sparql query");
    match result {
        Ok((ct, body)) => {
            let mut r = (StatusCode::OK, body).into_response();
            if download {
                let ext = match ct.to_str().unwrap_or("") {
                    t if t.starts_with("text/csv") => "csv",
                    t if t.starts_with("text/tab") => "tsv",
                    t if t.starts_with("text/turtle") => "ttl",
                    t if t.starts_with("application/n-triples") => "nt",
                    t if t.starts_with("application/rdf+xml") => "rdf",
                    t if t.starts_with("application/ld+json") => "jsonld",
                    t if t.contains("xml") => "srx",
                    _ => "json",
                };
                if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"query-results.{ext}\"")) {
                    r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
                }
            }
            r.headers_mut().insert(header::CONTENT_TYPE, ct);
            r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => plain_error(e),
    }
}

async fn run_update(state: &AppState, user: &User, update: String) -> Response {
    if let Err(e) = user.require(&[Role::Admin]) {
        return plain_error(AppError::Forbidden(format!("{}: SPARQL updates are for administrators", e.message())));
    }
    let actor = user.actor.clone();
    let wait = state.kb.config().sparql_timeout();
    let result = on_sparql_worker(state.kb.clone(), wait, move |kb| kb.update(&actor, &update).map_err(sparql_error)).await;
    tracing::info!(user = %user.actor.username, ok = result.is_ok(), "sparql update");
    match result {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "update done\n").into_response(),
        Err(e) => plain_error(e),
    }
}

// ---------------------------------------------------------------------------
// The query page
// ---------------------------------------------------------------------------

/// Parameters of the query page.
#[derive(Deserialize, Default, Debug)]
pub struct UiParams {
    /// The query to run.
    query: Option<String>,
    /// An example to load (file stem of `ontologies/queries`).
    example: Option<String>,
    /// A saved query to load (its identifier).
    saved: Option<String>,
}

async fn ui_get(State(state): State<AppState>, user: User, RawQuery(raw): RawQuery) -> Result<Response, AppError> {
    let params = pairs(raw.unwrap_or_default().as_bytes())?;
    let p = UiParams { query: field(&params, "query"), example: field(&params, "example"), saved: field(&params, "saved") };
    user.require(SPARQL_ROLES)?;
    if let Some(stem) = &p.example {
        let Some((_, text)) = ontologies::QUERIES.iter().find(|(s, _)| s == stem) else {
            return Err(AppError::NotFound(format!("no example query {stem:?}")));
        };
        return ui_page(state, user, Some((*text).to_owned()), false, None, None).await;
    }
    if let Some(id) = p.saved {
        let actor = user.actor.clone();
        let found = state.blocking(move |kb| Ok(kb.saved_query(&actor, &id)?)).await?;
        let Some(q) = found else { return Err(AppError::NotFound("no such saved query".into())) };
        let notice = format!("{}: {}", crate::ui::tr(user.lang, "sparql_saved"), q.name);
        return ui_page(state, user, Some(q.query), false, Some(notice), None).await;
    }
    let run = p.query.as_deref().is_some_and(|q| !q.trim().is_empty());
    ui_page(state, user, p.query, run, None, None).await
}

async fn ui_post(State(state): State<AppState>, user: User, Form(p): Form<UiParams>) -> Result<Response, AppError> {
    let run = p.query.as_deref().is_some_and(|q| !q.trim().is_empty());
    ui_page(state, user, p.query, run, None, None).await
}

/// One cell of the result table.
fn cell(kb: &Kb, t: &Option<Term>) -> serde_json::Value {
    match t {
        None => json!({"text": ""}),
        Some(Term::NamedNode(n)) => {
            let iri = n.as_str();
            let href = if kb.is_local(iri) {
                Some(format!("/{}", &iri[kb.config().base_iri.len()..]))
            } else if iri.starts_with("http://") || iri.starts_with("https://") {
                Some(iri.to_owned())
            } else {
                None
            };
            json!({"text": iri, "href": href, "kind": "iri"})
        }
        Some(Term::Literal(l)) => {
            let note = match l.language() {
                Some(lang) => Some(format!("@{lang}")),
                None if l.datatype().as_str() == "http://www.w3.org/2001/XMLSchema#string" => None,
                None => Some(format!("^^{}", short(l.datatype().as_str()))),
            };
            json!({"text": l.value(), "note": note, "kind": "literal"})
        }
        Some(other) => json!({"text": other.to_string(), "kind": "other"}),
    }
}

/// An IRI with a known prefix shortened (`xsd:date`).
fn short(iri: &str) -> String {
    PREFIXES.iter().find_map(|(p, ns)| iri.strip_prefix(ns).map(|rest| format!("{p}:{rest}"))).unwrap_or_else(|| iri.to_owned())
}

/// The first comment line in the interface language of an example query.
fn example_title(text: &str, english: bool) -> String {
    // Each example starts with an Italian paragraph, a blank comment line,
    // then the English paragraph.
    let comments: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).map(|l| l.trim_start_matches('#').trim()).collect();
    let mut paragraphs = comments.split(|l| l.is_empty());
    let it = paragraphs.next().unwrap_or_default().join(" ");
    let en = paragraphs.next().map(|p| p.join(" ")).filter(|p| !p.is_empty());
    let chosen = if english { en.unwrap_or(it) } else { it };
    let first = chosen.split(". ").next().unwrap_or_default().trim_end_matches('.').to_owned();
    if first.chars().count() > 140 { format!("{}…", first.chars().take(140).collect::<String>()) } else { first }
}

/// Renders the query page, running `query` when `run`.
async fn ui_page(
    state: AppState,
    user: User,
    query: Option<String>,
    run: bool,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<Response, AppError> {
    user.require(SPARQL_ROLES)?;
    let actor = user.actor.clone();
    let saved = state.blocking(move |kb| Ok(kb.saved_queries(&actor)?)).await?;
    let english = user.lang == crate::ui::Lang::En;
    let examples: Vec<_> =
        ontologies::QUERIES.iter().map(|(stem, text)| json!({"stem": stem, "title": example_title(text, english)})).collect();
    let default_query = ontologies::QUERIES.first().map(|(_, t)| (*t).to_owned()).unwrap_or_default();
    let text = query.clone().unwrap_or(default_query);
    let mut result = serde_json::Value::Null;
    let mut status = if problem.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let mut error = problem;
    if run {
        let roles = user.actor.roles.clone();
        let q = text.clone();
        let started = Instant::now();
        let outcome = on_sparql_worker(state.kb.clone(), state.kb.config().sparql_timeout(), move |kb| {
            let outcome = kb.query(&roles, &q).map_err(sparql_error)?;
            Ok(table(kb, &outcome))
        })
        .await;
        let ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(mut t) => {
                let format = if t["kind"] == "graph" { "turtle" } else { "csv" };
                t["download"] = json!(format!("/sparql?format={format}&query={}", crate::auth::urlencode(&text)));
                t["download_format"] = json!(format.to_uppercase());
                t["ms"] = json!(ms);
                result = t;
            }
            Err(AppError::Internal(m)) => return Err(AppError::Internal(m)),
            Err(e) => {
                status = e.status();
                error = Some(e.message());
            }
        }
    }
    let ctx = json!({
        "user": user.view(),
        "query": text,
        "examples": examples,
        "saved": saved,
        "result": result,
        "error": error,
        "notice": notice,
        "max_rows": UI_MAX_ROWS,
    });
    let page = state.ui.render("sparql.html", user.lang, ctx)?;
    Ok((status, page).into_response())
}

/// A query outcome as a table for the page (at most [`UI_MAX_ROWS`] rows).
fn table(kb: &Kb, outcome: &QueryOutcome) -> serde_json::Value {
    match outcome {
        QueryOutcome::Boolean(b) => json!({"kind": "boolean", "value": b, "total": 1}),
        QueryOutcome::Solutions { variables, rows } => json!({
            "kind": "solutions",
            "columns": variables.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
            "rows": rows.iter().take(UI_MAX_ROWS).map(|r| r.iter().map(|t| cell(kb, t)).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "total": rows.len(),
        }),
        QueryOutcome::Graph(triples) => json!({
            "kind": "graph",
            "columns": ["subject", "predicate", "object"],
            "rows": triples.iter().take(UI_MAX_ROWS).map(|t| {
                let s: Term = t.subject.clone().into();
                vec![cell(kb, &Some(s)), cell(kb, &Some(t.predicate.clone().into())), cell(kb, &Some(t.object.clone()))]
            }).collect::<Vec<_>>(),
            "total": triples.len(),
        }),
    }
}

/// Form of "save this query".
#[derive(Deserialize, Debug)]
pub struct SaveForm {
    /// Name to save under.
    name: String,
    /// The query text.
    query: String,
}

/// `POST /sparql/saved`: saves the editor's query under a name.
async fn save(State(state): State<AppState>, user: User, Form(f): Form<SaveForm>) -> Result<Response, AppError> {
    user.require(SPARQL_ROLES)?;
    let actor = user.actor.clone();
    let name = f.name.clone();
    let query = f.query.clone();
    match state.blocking(move |kb| Ok(kb.save_query(&actor, &name, &query)?)).await {
        Ok(id) => Ok(Redirect::to(&format!("/sparql/ui?saved={}", crate::auth::urlencode(&id))).into_response()),
        Err(AppError::BadRequest(m)) => ui_page(state, user, Some(f.query), false, None, Some(m)).await,
        Err(e) => Err(e),
    }
}

/// `POST /sparql/saved/{id}/delete`.
async fn delete_saved(State(state): State<AppState>, user: User, Path(id): Path<String>) -> Result<Response, AppError> {
    user.require(SPARQL_ROLES)?;
    let actor = user.actor.clone();
    state.blocking(move |kb| Ok(kb.delete_saved_query(&actor, &id)?)).await?;
    Ok(Redirect::to("/sparql/ui").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_quality_then_order() {
        let a = parse_accept("text/csv;q=0.5, application/sparql-results+xml");
        assert_eq!(negotiate(&a, RESULT_OFFERS), Some(QueryResultsFormat::Xml));
        let a = parse_accept("*/*");
        assert_eq!(negotiate(&a, RESULT_OFFERS), Some(QueryResultsFormat::Json));
        assert_eq!(negotiate(&a, GRAPH_OFFERS), Some(RdfFormat::Turtle));
        let a = parse_accept("image/png");
        assert_eq!(negotiate(&a, RESULT_OFFERS), None);
        let a = parse_accept("text/*;q=0.3, text/tab-separated-values");
        assert_eq!(negotiate(&a, RESULT_OFFERS), Some(QueryResultsFormat::Tsv));
        assert!(wants_html(&parse_accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")));
        assert!(!wants_html(&parse_accept("application/sparql-results+json")));
        assert!(!wants_html(&parse_accept("")));
    }

    #[test]
    fn example_titles_follow_the_language() {
        let text = ontologies::QUERIES.iter().find(|(s, _)| *s == "expired-items").map(|(_, t)| *t).unwrap_or_default();
        assert!(example_title(text, false).starts_with("Pillole pubblicate"));
        assert!(example_title(text, true).starts_with("Published knowledge items"));
    }
}
