//! The SPARQL 1.1 Protocol endpoint checked by an independent client,
//! Python's SPARQLWrapper, against the real server on a socket: result
//! formats, POST, updates (administrators only), per-role datasets and
//! syntax errors. Skipped when python3 or SPARQLWrapper is missing, unless
//! CENTRALINO_REQUIRE_PYTHON_TOOLS=1 (as in CI). Also the query page with
//! saved queries, through the router.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kb::{Actor, Kb, KbConfig, Role};
use std::net::SocketAddr;
use std::process::Command;
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    kb: Kb,
    item: String,
}

fn fixture() -> Fixture {
    fixture_with(KbConfig { sparql_max_rows: 5_000, ..KbConfig::default() })
}

fn fixture_with(config: KbConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let kb = Kb::open(dir.path().join("data"), config).unwrap();
    let sys = Actor::system();
    for (name, role) in [("amministratore", Role::Admin), ("analista", Role::Analyst), ("operatore", Role::OperatorL1)] {
        kb.create_user(&sys, name, "password-lunga-1", &[role]).unwrap();
    }
    let concept = kb.concepts(Some(kb.areas_scheme().as_str())).unwrap()[0].iri.clone();
    let content = kb::ItemContent {
        title: "Bollo auto: esenzione per disabili".into(),
        answer: "La richiesta si presenta all'ufficio tributi.".into(),
        concept: Some(concept),
        ..Default::default()
    };
    let ids = kb.publish_bulk(&sys, &[(None, content)], Some("test")).unwrap();
    // Something in the audit graph only administrators may read (the bulk
    // activity is there already) and a draft in the workspace.
    let draft = kb::ItemContent { title: "Bozza riservata".into(), ..Default::default() };
    kb.create_item(&sys, &draft).unwrap();
    Fixture { _dir: dir, kb, item: ids[0].clone() }
}

/// Starts the real server on a random port in a background thread.
fn serve(kb: Kb) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = web::app(web::AppState::new(kb).expect("state"));
            axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn python_has_sparqlwrapper() -> bool {
    Command::new("python3").args(["-c", "import SPARQLWrapper, rdflib"]).output().is_ok_and(|o| o.status.success())
}

/// The independent client: each check prints one JSON line {name: value}.
const CLIENT: &str = r#"
import csv, io, json, os, sys
from SPARQLWrapper import SPARQLWrapper, JSON, XML, CSV, TSV, TURTLE, GET, POST, POSTDIRECTLY
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized
from urllib.error import HTTPError
import rdflib

ep = os.environ["ENDPOINT"]
out = {}

def client(token, method=GET):
    s = SPARQLWrapper(ep, updateEndpoint=ep)
    if token:
        s.addCustomHttpHeader("Authorization", "Bearer " + token)
    s.setMethod(method)
    return s

def status_of(fn):
    try:
        fn()
        return 200
    except QueryBadFormed as e:
        return [400, str(e)]
    except Unauthorized as e:
        return 401
    except HTTPError as e:
        return [e.code, e.read().decode()]

analyst = os.environ["ANALYST"]
admin = os.environ["ADMIN"]
operator = os.environ["OPERATOR"]
TITLE = "SELECT ?id ?title WHERE { ?i <http://purl.org/dc/terms/identifier> ?id ; <http://purl.org/dc/terms/title> ?title } ORDER BY ?id"

s = client(analyst); s.setQuery(TITLE); s.setReturnFormat(JSON)
r = s.query().convert()
out["select_json"] = [[b["id"]["value"], b["title"]["value"]] for b in r["results"]["bindings"]]

s = client(analyst); s.setQuery(TITLE); s.setReturnFormat(XML)
doc = s.query().convert()
out["select_xml_results"] = len(doc.getElementsByTagName("result"))

s = client(analyst); s.setQuery(TITLE); s.setReturnFormat(CSV)
rows = list(csv.reader(io.StringIO(s.query().convert().decode())))
out["select_csv"] = rows

s = client(analyst); s.setQuery(TITLE); s.setReturnFormat(TSV)
out["select_tsv_lines"] = len(s.query().convert().decode().strip().splitlines())

s = client(analyst); s.setQuery("ASK { ?s a <https://w3id.org/centralino/ontology#KnowledgeItem> }"); s.setReturnFormat(JSON)
out["ask"] = s.query().convert()["boolean"]

s = client(analyst); s.setQuery("CONSTRUCT { ?i <http://purl.org/dc/terms/title> ?t } WHERE { ?i <http://purl.org/dc/terms/title> ?t }"); s.setReturnFormat(TURTLE)
g = rdflib.Graph(); g.parse(data=s.query().convert(), format="turtle")
out["construct_turtle_titles"] = sorted(str(o) for o in g.objects())

s = client(analyst, POST); s.setQuery(TITLE); s.setReturnFormat(JSON)
out["post_form"] = len(s.query().convert()["results"]["bindings"])

s = client(analyst, POST); s.setRequestMethod(POSTDIRECTLY); s.setQuery(TITLE); s.setReturnFormat(JSON)
out["post_direct"] = len(s.query().convert()["results"]["bindings"])

# Per-role datasets: the analyst sees no crm, audit or workspace graph.
G = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
s = client(analyst); s.setQuery(G); s.setReturnFormat(JSON)
out["analyst_graphs"] = sorted(b["g"]["value"] for b in s.query().convert()["results"]["bindings"])
s = client(admin); s.setQuery(G); s.setReturnFormat(JSON)
out["admin_graphs"] = sorted(b["g"]["value"] for b in s.query().convert()["results"]["bindings"])
s = client(analyst); s.setQuery("SELECT (COUNT(*) AS ?n) FROM NAMED <http://localhost:8080/graph/audit> WHERE { GRAPH <http://localhost:8080/graph/audit> { ?s ?p ?o } }"); s.setReturnFormat(JSON)
out["analyst_from_audit"] = int(s.query().convert()["results"]["bindings"][0]["n"]["value"])

# Updates: administrators only.
UPDATE = 'INSERT DATA { GRAPH <http://localhost:8080/graph/org> { <http://localhost:8080/id/office/PY1> <http://www.w3.org/2000/01/rdf-schema#label> "Ufficio Python" } }'
def update(token):
    s = client(token, POST); s.setQuery(UPDATE); s.query()
out["update_analyst"] = status_of(lambda: update(analyst))
out["update_admin"] = status_of(lambda: update(admin))
s = client(analyst); s.setQuery('ASK { <http://localhost:8080/id/office/PY1> ?p "Ufficio Python" }'); s.setReturnFormat(JSON)
out["update_visible"] = s.query().convert()["boolean"]

# Errors.
def bad():
    s = client(analyst); s.setQuery("SELECT ?x WHERE { ?x ?y }"); s.setReturnFormat(JSON); s.query()
out["malformed"] = status_of(bad)
def anonymous():
    s = client(None); s.setQuery(TITLE); s.setReturnFormat(JSON); s.query()
out["anonymous"] = status_of(anonymous)
def operator_query():
    s = client(operator); s.setQuery(TITLE); s.setReturnFormat(JSON); s.query()
out["operator"] = status_of(operator_query)
def too_many():
    s = client(analyst); s.setQuery("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"); s.setReturnFormat(JSON); s.query()
out["too_many"] = status_of(too_many)

print(json.dumps(out))
"#;

#[test]
fn sparqlwrapper_talks_to_the_endpoint() {
    if !python_has_sparqlwrapper() {
        assert!(
            std::env::var("CENTRALINO_REQUIRE_PYTHON_TOOLS").as_deref() != Ok("1"),
            "python3 with SPARQLWrapper and rdflib is required (pip install -r web/tests/requirements.txt)"
        );
        eprintln!("skipped: python3 with SPARQLWrapper is not available");
        return;
    }
    let f = fixture();
    let sys = Actor::system();
    let analyst = f.kb.create_token(&sys, "analista", "python").unwrap();
    let admin = f.kb.create_token(&sys, "amministratore", "python").unwrap();
    let operator = f.kb.create_token(&sys, "operatore", "python").unwrap();
    let addr = serve(f.kb.clone());
    let out = Command::new("python3")
        .args(["-c", CLIENT])
        .env("ENDPOINT", format!("http://{addr}/sparql"))
        .env("ANALYST", &analyst)
        .env("ADMIN", &admin)
        .env("OPERATOR", &operator)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&r).unwrap());

    // Only the published item: the draft lives in the workspace.
    assert_eq!(r["select_json"], serde_json::json!([[f.item, "Bollo auto: esenzione per disabili"]]));
    assert_eq!(r["select_xml_results"], 1);
    assert_eq!(r["select_csv"], serde_json::json!([["id", "title"], [f.item, "Bollo auto: esenzione per disabili"]]));
    assert_eq!(r["select_tsv_lines"], 2);
    assert_eq!(r["ask"], true);
    let titles = r["construct_turtle_titles"].as_array().unwrap();
    assert!(titles.iter().any(|t| t == "Bollo auto: esenzione per disabili"), "{titles:?}");
    assert!(!titles.iter().any(|t| t == "Bozza riservata"), "{titles:?}");
    assert_eq!(r["post_form"], 1);
    assert_eq!(r["post_direct"], 1);

    let analyst_graphs: Vec<&str> = r["analyst_graphs"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    for g in ["crm", "telephony", "audit", "kb/workspace", "accounts"] {
        assert!(!analyst_graphs.contains(&format!("http://localhost:8080/graph/{g}").as_str()), "{analyst_graphs:?}");
    }
    assert!(analyst_graphs.contains(&"http://localhost:8080/graph/kb/published"), "{analyst_graphs:?}");
    let admin_graphs: Vec<&str> = r["admin_graphs"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(admin_graphs.contains(&"http://localhost:8080/graph/audit"), "{admin_graphs:?}");
    assert!(!admin_graphs.contains(&"http://localhost:8080/graph/accounts"), "{admin_graphs:?}");
    assert_eq!(r["analyst_from_audit"], 0);

    assert_eq!(r["update_analyst"][0], 403, "{}", r["update_analyst"]);
    assert_eq!(r["update_admin"], 200, "{}", r["update_admin"]);
    assert_eq!(r["update_visible"], true);

    assert_eq!(r["malformed"][0], 400);
    let msg = r["malformed"][1].as_str().unwrap();
    assert!(msg.contains("SPARQL syntax error") && msg.contains("1:"), "{msg}");
    assert_eq!(r["anonymous"], 401);
    assert_eq!(r["operator"][0], 403);
    assert_eq!(r["too_many"][0], 400);
    assert!(r["too_many"][1].as_str().unwrap().contains("limit"), "{}", r["too_many"][1]);
}

// ---------------------------------------------------------------------------
// Through the router: negotiation details, the query page, saved queries
// ---------------------------------------------------------------------------

async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn enc(s: &str) -> String {
    web::auth::urlencode(s)
}

#[tokio::test]
async fn negotiation_errors_and_the_query_page() {
    let f = fixture();
    let state = web::AppState::new(f.kb.clone()).expect("state");
    let app = web::app(state.clone());
    let token = f.kb.create_token(&Actor::system(), "analista", "t").unwrap();
    let bearer = format!("Bearer {token}");
    let q = enc("SELECT ?t WHERE { ?i <http://purl.org/dc/terms/title> ?t }");

    // Default format is SPARQL JSON; an unknown Accept gets it too.
    for accept in ["*/*", "image/png", ""] {
        let mut req = Request::get(format!("/sparql?query={q}")).header(header::AUTHORIZATION, &bearer);
        if !accept.is_empty() {
            req = req.header(header::ACCEPT, accept);
        }
        let (status, headers, body) = call(&app, req.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/sparql-results+json"), "{accept}");
    }
    // CONSTRUCT: N-Triples, RDF/XML and JSON-LD parse.
    let c = enc(
        "CONSTRUCT { ?i <http://purl.org/dc/terms/title> ?t } WHERE { ?i a <https://w3id.org/centralino/ontology#KnowledgeItem> ; <http://purl.org/dc/terms/title> ?t }",
    );
    for (accept, format) in [
        ("application/n-triples", kb::oxigraph::io::RdfFormat::NTriples),
        ("application/rdf+xml", kb::oxigraph::io::RdfFormat::RdfXml),
        ("application/ld+json", web::sparql_http::JSON_LD),
        ("text/turtle", kb::oxigraph::io::RdfFormat::Turtle),
    ] {
        let req = Request::get(format!("/sparql?query={c}")).header(header::AUTHORIZATION, &bearer).header(header::ACCEPT, accept);
        let (status, headers, body) = call(&app, req.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with(accept));
        let quads = kb::parse_rdf("answer", &body, format, None, f.kb.graph(kb::Graph::Inferred)).unwrap();
        assert_eq!(quads.len(), 1, "{accept}: {body}");
    }
    // Errors are plain text, never a trace.
    let req = Request::get(format!("/sparql?query={}", enc("SELEC x"))).header(header::AUTHORIZATION, &bearer);
    let (status, headers, body) = call(&app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    assert!(body.contains("SPARQL syntax error"), "{body}");
    let req = Request::post("/sparql").header(header::AUTHORIZATION, &bearer).header(header::CONTENT_TYPE, "text/plain");
    let (status, _, _) = call(&app, req.body(Body::from("ASK {}")).unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let req = Request::get("/sparql").header(header::AUTHORIZATION, &bearer).header(header::ACCEPT, "application/sparql-results+json");
    let (status, _, body) = call(&app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Unauthenticated SPARQL clients get 401, browsers the sign-in page.
    let (status, _, _) = call(&app, Request::get(format!("/sparql?query={q}")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let req = Request::get("/sparql").header(header::ACCEPT, "text/html");
    let (status, headers, _) = call(&app, req.body(Body::empty()).unwrap()).await;
    assert!(status.is_redirection());
    assert!(headers[header::LOCATION].to_str().unwrap().starts_with("/login"));

    // The query page in a browser session.
    let actor = Actor::new("analista", [Role::Analyst]);
    let session = state.sessions.open(&actor);
    let csrf = state.sessions.get(&session).unwrap().csrf;
    let cookie = format!("{}={session}", web::auth::SESSION_COOKIE);
    let browser = |req: axum::http::request::Builder| req.header(header::COOKIE, &cookie).header(header::ACCEPT, "text/html,*/*;q=0.8");
    let (status, _, page) = call(&app, browser(Request::get("/sparql")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<textarea") && page.contains("/sparql/ui?example=items-per-area"), "{page}");
    let (status, _, page) = call(&app, browser(Request::get("/sparql/ui?example=expired-items")).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("cc:validUntil"));
    // Run: an HTML table with a CSV link.
    let form = format!("csrf={csrf}&query={q}");
    let req = browser(Request::post("/sparql/ui")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let (status, _, page) = call(&app, req.body(Body::from(form.clone())).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<th>?t</th>") && page.contains("Bollo auto: esenzione per disabili"), "{page}");
    // (minijinja escapes `/` as `&#x2f;` in attributes; browsers decode it.)
    assert!(page.contains("sparql?format=csv&amp;query="), "{page}");
    // The CSV link answers CSV.
    let req = Request::get(format!("/sparql?format=csv&query={q}")).header(header::COOKIE, &cookie);
    let (status, headers, body) = call(&app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert!(body.starts_with("t\r\n") && body.contains("Bollo auto"), "{body}");
    // A syntax error is shown on the page with its position.
    let bad = format!("csrf={csrf}&query={}", enc("SELECT ?x WHERE { ?x ?y }"));
    let req = browser(Request::post("/sparql/ui")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let (status, _, page) = call(&app, req.body(Body::from(bad)).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("class=\"error\"") && page.contains("SPARQL syntax error"), "{page}");
    // Without the CSRF token the form is refused.
    let req = browser(Request::post("/sparql/ui")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let (status, _, _) = call(&app, req.body(Body::from(format!("query={q}"))).unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Saved queries: save, list, load, delete; private to their owner.
    let save = format!("csrf={csrf}&name={}&query={q}", enc("Titoli <pubblicati>"));
    let req = browser(Request::post("/sparql/saved")).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let (status, headers, _) = call(&app, req.body(Body::from(save)).unwrap()).await;
    assert!(status.is_redirection(), "{status}");
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/sparql/ui?saved="), "{location}");
    let (status, _, page) = call(&app, browser(Request::get(&location)).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Titoli &lt;pubblicati&gt;"), "escaped name: {page}");
    let saved = f.kb.saved_queries(&actor).unwrap();
    assert_eq!(saved.len(), 1);
    assert!(f.kb.saved_queries(&Actor::new("amministratore", [Role::Admin])).unwrap().is_empty());
    let req = browser(Request::post(format!("/sparql/saved/{}/delete", saved[0].id)))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let (status, _, _) = call(&app, req.body(Body::from(format!("csrf={csrf}"))).unwrap()).await;
    assert!(status.is_redirection());
    assert!(f.kb.saved_queries(&actor).unwrap().is_empty());

    // An operator has no query page.
    let op = state.sessions.open(&Actor::new("operatore", [Role::OperatorL1]));
    let req = Request::get("/sparql/ui")
        .header(header::COOKIE, format!("{}={op}", web::auth::SESSION_COOKIE))
        .header(header::ACCEPT, "text/html");
    let (status, _, _) = call(&app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_busy_sparql_pool_does_not_block_searches() {
    let f = fixture_with(KbConfig { sparql_timeout_secs: 4, ..KbConfig::default() });
    let app = web::app(web::AppState::new(f.kb.clone()).expect("state"));
    let token = f.kb.create_token(&Actor::system(), "analista", "t").unwrap();
    let op = f.kb.create_token(&Actor::system(), "operatore", "t").unwrap();
    // Keep every SPARQL worker busy with a slow query.
    let slow = enc("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }");
    let mut running = Vec::new();
    for _ in 0..web::sparql_http::SPARQL_WORKERS + 1 {
        let app = app.clone();
        let req = Request::get(format!("/sparql?query={slow}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        running.push(tokio::spawn(async move { app.oneshot(req).await.map(|r| r.status()) }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let req = Request::get("/api/v1/search?q=bollo").header(header::AUTHORIZATION, format!("Bearer {op}")).body(Body::empty()).unwrap();
    let (status, _, body) = call(&app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Well before the slow queries are stopped (4 s): the search did not
    // wait for a SPARQL worker.
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "search waited {:?}", started.elapsed());
    assert!(running.iter().all(|r| !r.is_finished()), "the slow queries should still be running");
    // The slow queries are stopped at the time limit with a clear 503.
    for r in running {
        let status = r.await.unwrap().unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    let req =
        Request::get(format!("/sparql?query={slow}")).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap();
    let (status, _, body) = call(&app, req).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("time limit"), "{body}");
}
