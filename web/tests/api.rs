//! The JSON API with bearer tokens, its OpenAPI document, and linked data
//! by content negotiation, through the real router.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use kb::oxigraph::io::RdfFormat;
use kb::{Actor, Kb, KbConfig, Role};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    kb: Kb,
    app: axum::Router,
    concept: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let kb = Kb::open(dir.path().join("data"), KbConfig::default()).unwrap();
    let sys = Actor::system();
    for (name, role) in [
        ("amministratore", Role::Admin),
        ("redattrice", Role::Publisher),
        ("approvatore", Role::Approver),
        ("analista", Role::Analyst),
        ("operatore", Role::OperatorL1),
    ] {
        kb.create_user(&sys, name, "password-lunga-1", &[role]).unwrap();
    }
    kb.upsert_office(
        &sys,
        &kb::Office { code: "TRIB".into(), name: "Ufficio tributi".into(), extension: Some("4321".into()), ..Default::default() },
    )
    .unwrap();
    kb.upsert_person(
        &sys,
        &kb::Person {
            staff_number: "1001".into(),
            given_name: "Lucia".into(),
            family_name: "Rossi".into(),
            office: Some("TRIB".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let concept = kb.concepts(Some(kb.areas_scheme().as_str())).unwrap()[0].iri.clone();
    let app = web::app(web::AppState::new(kb.clone()).expect("state"));
    Fixture { _dir: dir, kb, app, concept }
}

impl Fixture {
    fn token(&self, user: &str) -> String {
        self.kb.create_token(&Actor::system(), user, "test").unwrap()
    }

    async fn call(&self, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let (status, _, text) = self.raw(method, uri, token, &[], body.map(|b| b.to_string())).await;
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {text}"))
        };
        (status, value)
    }

    async fn raw(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        headers: &[(header::HeaderName, &str)],
        body: Option<String>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(k, *v);
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b)).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn assert_json_error(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["status"], expected.as_u16(), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

#[tokio::test]
async fn items_life_cycle_through_the_api() {
    let f = fixture();
    let writer = f.token("redattrice");
    let approver = f.token("approvatore");
    let operator = f.token("operatore");
    let office = f.kb.office_iri("TRIB").as_str().to_owned();

    // Unauthenticated, bad token, wrong role: JSON errors.
    let (s, b) = f.call(Method::GET, "/api/v1/items", None, None).await;
    assert_json_error(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = f.call(Method::GET, "/api/v1/items", Some("cct_nonsense"), None).await;
    assert_json_error(s, &b, StatusCode::UNAUTHORIZED);
    let new = json!({"title": "Bollo auto: esenzione", "answer": "Si chiede all'ufficio tributi.", "concept": f.concept, "office": office, "keywords": ["tassa automobilistica"]});
    let (s, b) = f.call(Method::POST, "/api/v1/items", Some(&operator), Some(new.clone())).await;
    assert_json_error(s, &b, StatusCode::FORBIDDEN);
    // Malformed bodies.
    let (s, b) = f.call(Method::POST, "/api/v1/items", Some(&writer), Some(json!({"title": 3}))).await;
    assert_json_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = f.call(Method::POST, "/api/v1/items", Some(&writer), Some(json!({"titel": "x"}))).await;
    assert_json_error(s, &b, StatusCode::BAD_REQUEST);

    // Create, edit (and a stale edit), submit, approve.
    let (s, b) = f.call(Method::POST, "/api/v1/items", Some(&writer), Some(new.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let id = b["id"].as_str().unwrap().to_owned();
    assert_eq!(b["state"], "draft");
    // Operators do not see drafts.
    let (s, b) = f.call(Method::GET, &format!("/api/v1/items/{id}"), Some(&operator), None).await;
    assert_json_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = f.call(Method::GET, &format!("/api/v1/items/{id}"), Some(&writer), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "draft");
    assert_eq!(b["content"]["keywords"], json!(["tassa automobilistica"]));
    let mut changed = new.clone();
    changed["title"] = json!("Bollo auto: esenzione per disabili");
    let (s, b) = f.call(Method::PUT, &format!("/api/v1/items/{id}"), Some(&writer), Some(json!({"based_on": 1, "content": changed}))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["revision"], 2);
    let (s, b) = f.call(Method::PUT, &format!("/api/v1/items/{id}"), Some(&writer), Some(json!({"based_on": 1, "content": changed}))).await;
    assert_json_error(s, &b, StatusCode::CONFLICT);
    let (s, b) = f.call(Method::POST, &format!("/api/v1/items/{id}/submit"), Some(&writer), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "in_review");
    let (s, b) = f.call(Method::GET, "/api/v1/items?state=in_review", Some(&approver), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["items"][0]["id"], id.as_str());
    let (s, b) = f.call(Method::GET, "/api/v1/items?state=in_review", Some(&operator), None).await;
    assert_json_error(s, &b, StatusCode::FORBIDDEN);
    // The writer may not approve; rejecting needs a comment.
    let (s, b) = f.call(Method::POST, &format!("/api/v1/items/{id}/approve"), Some(&writer), None).await;
    assert_json_error(s, &b, StatusCode::FORBIDDEN);
    let (s, b) = f.call(Method::POST, &format!("/api/v1/items/{id}/reject"), Some(&approver), Some(json!({}))).await;
    assert_json_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = f.call(Method::POST, &format!("/api/v1/items/{id}/approve"), Some(&approver), Some(json!({"comment": "ok"}))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "published");

    // Everyone reads it now; listing pages.
    let (s, b) = f.call(Method::GET, &format!("/api/v1/items/{id}"), Some(&operator), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["content"]["title"], "Bollo auto: esenzione per disabili");
    assert_eq!(b["state"], "published");
    assert!(b["iri"].as_str().unwrap().ends_with(&format!("/id/kb/{id}")));
    let (s, b) = f.call(Method::GET, "/api/v1/items?per_page=1&page=1", Some(&operator), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["total"], 1);
    assert_eq!(b["items"][0]["title"], "Bollo auto: esenzione per disabili");
    let (s, b) = f.call(Method::GET, "/api/v1/items?page=2&per_page=1", Some(&operator), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["items"], json!([]));
    let (s, b) = f.call(Method::GET, "/api/v1/items?state=bogus", Some(&operator), None).await;
    assert_json_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = f.call(Method::GET, "/api/v1/items/PIL-9999", Some(&operator), None).await;
    assert_json_error(s, &b, StatusCode::NOT_FOUND);

    // Search and suggestions.
    assert!(f.kb.wait_for_search(std::time::Duration::from_secs(10)).unwrap());
    let (s, b) = f.call(Method::GET, "/api/v1/search?q=bollo%20auto", Some(&operator), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["total"].as_u64().unwrap() >= 1, "{b}");
    assert_eq!(b["hits"][0]["id"], id.as_str());
    let (s, b) = f.call(Method::GET, "/api/v1/search?q=bollo&level=high", Some(&operator), None).await;
    assert_json_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, b) = f.call(Method::GET, "/api/v1/suggest?q=boll", Some(&operator), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b["suggestions"].as_array().is_some());
}

#[tokio::test]
async fn catalogue_tokens_and_the_openapi_document() {
    let f = fixture();
    let analyst = f.token("analista");

    let (s, b) = f.call(Method::GET, "/api/v1/concepts", Some(&analyst), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(!b["concepts"].as_array().unwrap().is_empty());
    assert!(b["concepts"][0]["concept"]["iri"].is_string());
    let (s, b) = f.call(Method::GET, "/api/v1/concepts?scheme=audiences", Some(&analyst), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = f.call(Method::GET, "/api/v1/offices", Some(&analyst), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["offices"][0]["code"], "TRIB");
    let (s, b) = f.call(Method::GET, "/api/v1/offices/TRIB", Some(&analyst), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["people"][0]["family_name"], "Rossi");
    let (s, b) = f.call(Method::GET, "/api/v1/people/1001", Some(&analyst), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["person"]["given_name"], "Lucia");
    let (s, b) = f.call(Method::GET, "/api/v1/people/nobody", Some(&analyst), None).await;
    assert_json_error(s, &b, StatusCode::NOT_FOUND);
    let (s, b) = f.call(Method::GET, "/api/v1/nothing-here", Some(&analyst), None).await;
    assert_json_error(s, &b, StatusCode::NOT_FOUND);

    // Tokens: create (shown once), use, list, revoke.
    let (s, b) = f.call(Method::POST, "/api/v1/tokens", Some(&analyst), Some(json!({"label": "notebook"}))).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let token = b["token"].as_str().unwrap().to_owned();
    let token_id = b["id"].as_str().unwrap().to_owned();
    assert!(!token_id.is_empty());
    let (s, b) = f.call(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b, json!({"username": "analista", "roles": ["analyst"]}));
    let (s, b) = f.call(Method::GET, "/api/v1/tokens", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let list = b.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().any(|t| t["id"] == token_id.as_str() && t["label"] == "notebook"));
    assert!(!b.to_string().contains(&token), "the token is never listed");
    let (s, b) = f.call(Method::POST, "/api/v1/tokens", Some(&analyst), Some(json!({"label": " "}))).await;
    assert_json_error(s, &b, StatusCode::BAD_REQUEST);
    let (s, _) = f.call(Method::DELETE, &format!("/api/v1/tokens/{token_id}"), Some(&analyst), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = f.call(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_json_error(s, &b, StatusCode::UNAUTHORIZED);
    let (s, b) = f.call(Method::DELETE, &format!("/api/v1/tokens/{token_id}"), Some(&analyst), None).await;
    assert_json_error(s, &b, StatusCode::NOT_FOUND);

    // A browser session without the CSRF header may not change anything.
    let state = web::AppState::new(f.kb.clone()).expect("state");
    let app = web::app(state.clone());
    let session = state.sessions.open(&Actor::new("analista", [Role::Analyst]));
    let req = Request::post("/api/v1/tokens")
        .header(header::COOKIE, format!("{}={session}", web::auth::SESSION_COOKIE))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"label":"x"}"#))
        .unwrap();
    assert_eq!(app.oneshot(req).await.unwrap().status(), StatusCode::FORBIDDEN);

    // The OpenAPI document.
    let (s, doc) = f.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/items",
        "/api/v1/items/{id}",
        "/api/v1/items/{id}/submit",
        "/api/v1/items/{id}/approve",
        "/api/v1/items/{id}/reject",
        "/api/v1/search",
        "/api/v1/suggest",
        "/api/v1/concepts",
        "/api/v1/offices",
        "/api/v1/people",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
    ] {
        assert!(paths.contains_key(p), "{p} missing from {:?}", paths.keys().collect::<Vec<_>>());
    }
    assert!(paths["/api/v1/items"]["post"].is_object());
    assert!(paths["/api/v1/items/{id}"]["put"].is_object());
    assert!(doc["components"]["schemas"]["ItemFields"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn linked_data_by_content_negotiation() {
    let f = fixture();
    let analyst = f.token("analista");
    let admin = f.token("amministratore");
    let sys = Actor::system();
    let content = kb::ItemContent {
        title: "Esenzione ticket per reddito".into(),
        answer: "Si chiede al medico.".into(),
        concept: Some(f.concept.clone()),
        ..Default::default()
    };
    let id = f.kb.publish_bulk(&sys, &[(None, content)], None).unwrap().remove(0);
    let path = format!("/id/kb/{id}");
    let graph = f.kb.graph(kb::Graph::Inferred);

    // RDF clients, four syntaxes.
    for (accept, format, ct) in [
        ("text/turtle", RdfFormat::Turtle, "text/turtle"),
        ("application/ld+json", web::sparql_http::JSON_LD, "application/ld+json"),
        ("application/rdf+xml", RdfFormat::RdfXml, "application/rdf+xml"),
        ("application/n-triples", RdfFormat::NTriples, "application/n-triples"),
        ("*/*", RdfFormat::Turtle, "text/turtle"),
    ] {
        let (s, h, body) = f.raw(Method::GET, &path, Some(&analyst), &[(header::ACCEPT, accept)], None).await;
        assert_eq!(s, StatusCode::OK, "{accept}: {body}");
        assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with(ct), "{accept}");
        assert_eq!(h[header::VARY], "Accept");
        let quads = kb::parse_rdf("answer", &body, format, None, graph).unwrap();
        assert!(
            quads.iter().any(|q| q.subject.to_string() == format!("<http://localhost:8080{path}>")
                && q.predicate.as_str() == "http://purl.org/dc/terms/title"
                && q.object.to_string().contains("Esenzione ticket per reddito")),
            "{accept}: {body}"
        );
        // Only triples about the item itself.
        assert!(quads.iter().all(|q| q.subject.to_string() == format!("<http://localhost:8080{path}>") || q.subject.is_blank_node()));
    }
    // Browsers are sent to the page.
    let (s, h, _) = f.raw(Method::GET, &path, Some(&analyst), &[(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")], None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], format!("/items/{id}").as_str());
    let (s, h, _) = f.raw(Method::GET, "/id/office/TRIB", Some(&analyst), &[(header::ACCEPT, "text/html")], None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/directory/offices/TRIB");
    let slug = f.concept.rsplit('/').next().unwrap();
    let (s, h, _) = f.raw(Method::GET, &format!("/id/concept/{slug}"), Some(&analyst), &[(header::ACCEPT, "text/html")], None).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], format!("/areas/{slug}").as_str());
    // People and offices as RDF.
    let (s, _, body) = f.raw(Method::GET, "/id/person/1001", Some(&analyst), &[(header::ACCEPT, "text/turtle")], None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Rossi"), "{body}");

    // Revision metadata lives in the audit graph: administrators see more
    // of it than analysts (who see only public entailments).
    let (s, _, analyst_view) =
        f.raw(Method::GET, &format!("{path}/rev/1"), Some(&analyst), &[(header::ACCEPT, "application/n-triples")], None).await;
    assert!(s == StatusCode::OK || s == StatusCode::NOT_FOUND, "{s}");
    let (s, _, admin_view) =
        f.raw(Method::GET, &format!("{path}/rev/1"), Some(&admin), &[(header::ACCEPT, "application/n-triples")], None).await;
    assert_eq!(s, StatusCode::OK, "{admin_view}");
    assert!(admin_view.lines().count() > analyst_view.lines().count(), "{admin_view}\n---\n{analyst_view}");
    // A draft is in the workspace: not for analysts.
    let draft = f.kb.create_item(&sys, &kb::ItemContent { title: "Bozza".into(), ..Default::default() }).unwrap();
    let (s, _, body) = f.raw(Method::GET, &format!("/id/kb/{draft}"), Some(&analyst), &[(header::ACCEPT, "text/turtle")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _, body) = f.raw(Method::GET, &format!("/id/kb/{draft}/rev/1"), Some(&analyst), &[(header::ACCEPT, "text/turtle")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, _, body) = f.raw(Method::GET, &format!("/id/kb/{draft}"), Some(&admin), &[(header::ACCEPT, "text/turtle")], None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Accounts and tokens never dereference.
    let (s, _, _) = f.raw(Method::GET, "/id/user/analista", Some(&admin), &[(header::ACCEPT, "text/turtle")], None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Unknown and malformed IRIs.
    for p in ["/id/kb/PIL-9999", "/id/kb/..%2Fgraph", "/id/kb/a%20b", "/id/nothing"] {
        let (s, _, _) = f.raw(Method::GET, p, Some(&analyst), &[(header::ACCEPT, "text/turtle")], None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    }
    // Sign-in is needed: 401 for RDF clients, the sign-in page for browsers.
    let (s, h, _) = f.raw(Method::GET, &path, None, &[(header::ACCEPT, "text/turtle")], None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(h.contains_key(header::WWW_AUTHENTICATE));
    let (s, h, _) = f.raw(Method::GET, &path, None, &[(header::ACCEPT, "text/html")], None).await;
    assert!(s.is_redirection());
    assert!(h[header::LOCATION].to_str().unwrap().starts_with("/login?next="));
}
