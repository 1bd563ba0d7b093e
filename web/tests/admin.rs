//! The administration pages: access by role, users and tokens, the
//! classification tree and the organisation chart, import by upload
//! (preview writes nothing, confirm writes, bad uploads are refused),
//! exports with their content types, and the statistics chart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{StatusCode, header};
use common::{Browser, Page, TestApp, hidden};
use kb::Role;

/// Every administration page (GET).
const ADMIN_PAGES: &[&str] = &[
    "/admin",
    "/admin/concepts",
    "/admin/org",
    "/admin/org/new-office",
    "/admin/org/new-person",
    "/admin/users",
    "/admin/users/publisher",
    "/admin/import",
    "/admin/export",
    "/admin/export/kb.xlsx",
    "/admin/export/org.xlsx",
    "/admin/export/rdf?graph=org&format=turtle",
    "/admin/export/vcard",
    "/admin/export/handover",
];

/// State-changing administration routes with a harmless but valid form.
const ADMIN_POSTS: &[(&str, &[(&str, &str)])] = &[
    ("/admin/concepts", &[("label", "Area vietata")]),
    ("/admin/concepts/delete", &[("iri", "http://example.org/x")]),
    ("/admin/org/offices", &[("code", "VIET"), ("name", "Vietato"), ("is_new", "1")]),
    ("/admin/org/people", &[("staff_number", "99999"), ("family_name", "Vietato"), ("is_new", "1")]),
    ("/admin/users", &[("username", "intruso"), ("roles", "admin"), ("password", "password-123")]),
    ("/admin/users/publisher/roles", &[("roles", "admin")]),
    ("/admin/users/publisher/password", &[("password", "password-999")]),
    ("/admin/users/publisher/disabled", &[("disabled", "true")]),
    ("/admin/users/publisher/tokens", &[("label", "x")]),
    ("/admin/import/confirm", &[("id", "0000000000000000000000000000000000000000000000000000000000000000")]),
];

/// Posts the import form (multipart, the CSRF token in the query string).
async fn upload(b: &mut Browser, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Page {
    b.post_multipart("/admin/import", fields, file, true).await
}

/// The KB workbook layout of the administration.
const HEADERS: [&str; 16] = importers::HANDOVER_KB_HEADERS;

fn row(code: &'static str, area: &'static str, sub: &'static str, title: &'static str, answer: &'static str) -> [&'static str; 16] {
    [code, area, sub, title, "Domanda?", answer, "parola, chiave", "", "", "", "L. 1/2000", "", "", "07/02/2025", "", "Base"]
}

/// A KB workbook generated in memory: a title row, a blank row, headers in
/// row 3, then `rows`.
fn kb_workbook(rows: &[[&str; 16]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Pillole").unwrap();
    sheet.write_string(0, 0, "Base di conoscenza - estrazione").unwrap();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 3, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn quads(t: &TestApp) -> usize {
    t.kb.store().len().unwrap()
}

fn pending_uploads(t: &TestApp) -> usize {
    std::fs::read_dir(t.kb.data_dir().join("uploads")).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn only_administrators_open_the_administration() {
    let t = TestApp::new();
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let mut b = t.signed_in(role).await;
        for path in ADMIN_PAGES {
            let p = b.get(path).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} GET {path}");
        }
        let stats = b.get("/admin/stats").await;
        let allowed = matches!(role, Role::Supervisor | Role::Analyst);
        assert_eq!(stats.status, if allowed { StatusCode::OK } else { StatusCode::FORBIDDEN }, "{role} GET /admin/stats");
        let before = quads(&t);
        for (path, fields) in ADMIN_POSTS {
            let p = b.post(path, fields).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} POST {path}: {}", p.body);
        }
        let p = upload(&mut b, &[("kind", "kb")], Some(("x.xlsx", &kb_workbook(&[row("PIL-9100", "Tributi", "", "T", "R")])))).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} upload");
        assert_eq!(quads(&t), before, "{role}: a refused request wrote something");
    }
    assert!(t.kb.user("intruso").unwrap().is_none());
    assert_eq!(t.kb.user("publisher").unwrap().unwrap().roles, vec![Role::Publisher]);
    // Visitors are sent to the sign-in page.
    let mut anon = t.browser();
    let p = anon.get("/admin/users").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(p.location.unwrap().starts_with("/login"));
    // Administrators open every page.
    let mut admin = t.signed_in(Role::Admin).await;
    for path in ADMIN_PAGES.iter().chain(&["/admin/stats"]) {
        let p = admin.get(path).await;
        assert_eq!(p.status, StatusCode::OK, "admin GET {path}: {}", p.body);
    }
    let home = admin.get("/").await;
    assert!(home.body.contains("href=\"/admin\""), "the navigation links the administration");
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused() {
    let t = TestApp::new();
    let mut b = t.signed_in(Role::Admin).await;
    let p = b.post_raw("/admin/users", &[("username", "senzacsrf"), ("roles", "publisher")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(t.kb.user("senzacsrf").unwrap().is_none());
}

#[tokio::test]
async fn administrators_manage_users_roles_passwords_and_tokens() {
    let t = TestApp::new();
    let mut admin = t.signed_in(Role::Admin).await;
    // Created with two roles and a generated password, shown once.
    let p =
        admin.post("/admin/users", &[("username", "mario.rossi"), ("roles", "publisher"), ("roles", "approver"), ("password", "")]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let info = t.kb.user("mario.rossi").unwrap().expect("created");
    assert_eq!(info.roles, vec![Role::Publisher, Role::Approver]);
    let password = p.body.split("<code class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).expect("password shown").to_owned();
    assert!(password.len() >= 16);
    let mut mario = t.browser();
    assert_eq!(mario.login("mario.rossi", &password).await.status, StatusCode::SEE_OTHER);
    assert_eq!(mario.get("/editor").await.status, StatusCode::OK);
    // A refused creation is shown in the page.
    let p = admin.post("/admin/users", &[("username", "mario.rossi"), ("roles", "publisher"), ("password", "password-123")]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("already exists"));
    let p = admin.post("/admin/users", &[("username", "nessun.ruolo"), ("password", "password-123")]).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // A role change ends the user's sessions.
    let p = admin.post("/admin/users/mario.rossi/roles", &[("roles", "operator_l1")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(t.kb.user("mario.rossi").unwrap().unwrap().roles, vec![Role::OperatorL1]);
    assert_eq!(mario.get("/").await.status, StatusCode::SEE_OTHER, "signed out after the role change");
    // A password reset too.
    assert_eq!(mario.login("mario.rossi", &password).await.status, StatusCode::SEE_OTHER);
    let p = admin.post("/admin/users/mario.rossi/password", &[("password", "nuova-password-1")]).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(mario.get("/").await.status, StatusCode::SEE_OTHER, "signed out after the password reset");
    assert!(t.kb.authenticate("mario.rossi", "nuova-password-1").is_ok());
    // Disabled, then enabled again.
    let p = admin.post("/admin/users/mario.rossi/disabled", &[("disabled", "true")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(t.kb.authenticate("mario.rossi", "nuova-password-1").is_err());
    admin.post("/admin/users/mario.rossi/disabled", &[("disabled", "false")]).await;
    assert!(t.kb.authenticate("mario.rossi", "nuova-password-1").is_ok());
    // Administrators cannot lock themselves out.
    let p = admin.post("/admin/users/admin/roles", &[("roles", "publisher")]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert_eq!(t.kb.user("admin").unwrap().unwrap().roles, vec![Role::Admin]);
    // API tokens: shown once, listed, revoked.
    let p = admin.post("/admin/users/mario.rossi/tokens", &[("label", "centralino PBX")]).await;
    assert_eq!(p.status, StatusCode::OK);
    let token = p.body.split("<code class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).expect("token shown").to_owned();
    assert!(token.starts_with("cct_"));
    assert_eq!(t.kb.authenticate_token(&token).unwrap().username, "mario.rossi");
    let page = admin.get("/admin/users/mario.rossi").await;
    assert!(page.body.contains("centralino PBX"));
    assert!(!page.body.contains(&token), "a token is shown only once");
    let (id, _, _) = t.kb.tokens("mario.rossi").unwrap().pop().unwrap();
    let p = admin.post(&format!("/admin/users/mario.rossi/tokens/{id}/revoke"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(t.kb.authenticate_token(&token).is_err());
    let list = admin.get("/admin/users").await;
    assert!(list.body.contains("mario.rossi"));
}

#[tokio::test]
async fn administrators_edit_the_classification_tree() {
    let t = TestApp::new();
    let mut admin = t.signed_in(Role::Admin).await;
    let scheme = t.kb.areas_scheme().as_str().to_owned();
    let find = |label: &str| t.kb.concepts(Some(&scheme)).unwrap().into_iter().find(|c| c.label == label);
    let p = admin.post("/admin/concepts", &[("label", "Nuova area"), ("label_en", "New area"), ("alt_labels", "area nuova\nnovità")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(p.location.unwrap().contains("ok=created"));
    let top = find("Nuova area").expect("created");
    assert_eq!(top.label_en.as_deref(), Some("New area"));
    assert_eq!(top.alt_labels.len(), 2);
    let p = admin.post("/admin/concepts", &[("label", "Sotto area"), ("parent", &top.iri)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let child = find("Sotto area").expect("created");
    assert_eq!(child.broader.as_deref(), Some(top.iri.as_str()));
    // The tree shows both, labels escaped.
    let page = admin.get(&format!("/admin/concepts?iri={}", web::auth::urlencode(&top.iri))).await;
    assert!(page.body.contains("Nuova area") && page.body.contains("Sotto area"));
    // Rename (old label kept as synonym), synonyms.
    let p = admin.post("/admin/concepts/rename", &[("iri", &top.iri), ("label", "Area rinominata"), ("label_en", "")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let renamed = t.kb.concept(&top.iri).unwrap().unwrap();
    assert_eq!(renamed.label, "Area rinominata");
    assert!(renamed.alt_labels.contains(&"Nuova area".to_owned()));
    let p = admin.post("/admin/concepts/alt-labels", &[("iri", &top.iri), ("alt_labels", "uno\ndue")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(t.kb.concept(&top.iri).unwrap().unwrap().alt_labels, vec!["due".to_owned(), "uno".to_owned()]);
    // A cycle is refused in the page, not a crash.
    let p = admin.post("/admin/concepts/move", &[("iri", &top.iri), ("parent", &child.iri)]).await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(p.body.contains("cycle"));
    // Deleting a concept in use is refused; merging then deleting works.
    let p = admin.post("/admin/concepts/delete", &[("iri", &top.iri)]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("in use"));
    let p = admin.post("/admin/concepts/move", &[("iri", &child.iri), ("parent", "")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(t.kb.concept(&child.iri).unwrap().unwrap().broader, None);
    let p = admin.post("/admin/concepts/merge", &[("iri", &child.iri), ("target", &top.iri)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(t.kb.concept(&child.iri).unwrap().is_none());
    assert!(t.kb.concept(&top.iri).unwrap().unwrap().alt_labels.contains(&"Sotto area".to_owned()));
    let p = admin.post("/admin/concepts/delete", &[("iri", &top.iri)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(t.kb.concept(&top.iri).unwrap().is_none());
    // Unknown concepts and blank labels are 404/400 pages.
    assert_eq!(admin.post("/admin/concepts/delete", &[("iri", &top.iri)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(admin.post("/admin/concepts", &[("label", "  ")]).await.status, StatusCode::BAD_REQUEST);
    // Labels are escaped.
    admin.post("/admin/concepts", &[("label", "<script>alert(1)</script>")]).await;
    let page = admin.get("/admin/concepts").await;
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn administrators_edit_the_organisation_chart() {
    let t = TestApp::new();
    let mut admin = t.signed_in(Role::Admin).await;
    let office = [
        ("is_new", "1"),
        ("code", "TEST-1"),
        ("name", "Ufficio di prova"),
        ("kind", "Ufficio"),
        ("head", "Anna Bianchi"),
        ("email", "prova@example.org"),
        ("pec", "prova@pec.example.org"),
        ("phone", "0874 123456"),
        ("extension", "4321"),
        ("site", "Via Roma 1"),
        ("competences", "prove e collaudi"),
    ];
    let p = admin.post("/admin/org/offices", &office).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let o = t.kb.office_by_iri(t.kb.office_iri("TEST-1").as_str()).unwrap().expect("created");
    assert_eq!(o.head.as_deref(), Some("Anna Bianchi"));
    assert_eq!(o.pec.as_deref(), Some("prova@pec.example.org"));
    assert_eq!(o.extension.as_deref(), Some("4321"));
    // The same code again from the "new" form is refused.
    let p = admin.post("/admin/org/offices", &office).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let p = admin
        .post(
            "/admin/org/people",
            &[
                ("is_new", "1"),
                ("staff_number", "T-77"),
                ("given_name", "Luca"),
                ("family_name", "Verdi"),
                ("office", "TEST-1"),
                ("title", "Istruttore"),
                ("functions", "collaudi"),
                ("extension", "4322"),
                ("email", "luca.verdi@example.org"),
                ("room", "12"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let person = t.kb.person_by_iri(t.kb.person_iri("T-77").as_str()).unwrap().expect("created");
    assert_eq!(person.office.as_deref(), Some("TEST-1"));
    assert_eq!(person.room.as_deref(), Some("12"));
    let page = admin.get("/admin/org").await;
    assert!(page.body.contains("Ufficio di prova") && page.body.contains("Verdi"));
    let page = admin.get("/admin/org/offices/TEST-1").await;
    assert!(page.body.contains("prove e collaudi"));
    // An invalid e-mail is shown in the form.
    let p = admin.post("/admin/org/offices", &[("code", "TEST-1"), ("name", "Ufficio di prova"), ("email", "non una mail")]).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // An office with members cannot be deleted; the person can, then the office.
    let p = admin.post("/admin/org/offices/TEST-1/delete", &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert_eq!(admin.post("/admin/org/people/T-77/delete", &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.post("/admin/org/offices/TEST-1/delete", &[]).await.status, StatusCode::SEE_OTHER);
    assert!(t.kb.office_by_iri(t.kb.office_iri("TEST-1").as_str()).unwrap().is_none());
    assert_eq!(admin.get("/admin/org/people/T-77").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_upload_is_previewed_without_writing_then_confirmed() {
    let t = TestApp::new();
    let mut admin = t.signed_in(Role::Admin).await;
    let book = kb_workbook(&[
        row("PIL-9001", "Tributi", "Nuova sotto-area di prova", "Prima pillola caricata", "Si fa così."),
        row("PIL-9002", "Tributi", "", "Seconda pillola caricata", "Anche così."),
        row("PIL-9003", "Tributi", "", "", ""),
    ]);
    let before = quads(&t);
    let p = upload(&mut admin, &[("kind", "kb"), ("entry", "published")], Some(("pillole.xlsx", &book))).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("PIL-9001") && p.body.contains("PIL-9002"), "the preview lists the rows");
    assert!(p.body.contains("<table class=\"list report\">"));
    assert_eq!(quads(&t), before, "the preview wrote nothing");
    assert!(t.kb.published_item("PIL-9001").unwrap().is_none());
    let id = hidden(&p.body, "id").expect("the confirmation form carries the upload id");
    // Only the administrator who uploaded confirms.
    let mut other = t.browser();
    t.kb.create_user(&kb::Actor::system(), "altro-admin", common::PASSWORD, &[Role::Admin]).unwrap();
    other.login("altro-admin", common::PASSWORD).await;
    assert_eq!(other.post("/admin/import/confirm", &[("id", &id)]).await.status, StatusCode::NOT_FOUND);
    let p = admin.post("/admin/import/confirm", &[("id", &id)]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("PIL-9001"));
    assert!(t.kb.published_item("PIL-9001").unwrap().is_some());
    assert!(t.kb.published_item("PIL-9002").unwrap().is_some());
    assert!(t.kb.published_item("PIL-9003").unwrap().is_none(), "the row without title and answer is rejected");
    assert!(t.kb.concepts(None).unwrap().iter().any(|c| c.label == "Nuova sotto-area di prova"));
    // The same upload cannot be confirmed twice.
    let after = quads(&t);
    assert_eq!(admin.post("/admin/import/confirm", &[("id", &id)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(quads(&t), after);
    assert_eq!(pending_uploads(&t), 0, "nothing left in the uploads directory");
}

#[tokio::test]
async fn drafts_and_organisation_workbooks_can_be_uploaded() {
    let t = TestApp::new();
    let mut admin = t.signed_in(Role::Admin).await;
    let book = kb_workbook(&[row("PIL-9201", "Tributi", "", "Pillola in bozza", "Testo.")]);
    let p = upload(&mut admin, &[("kind", "kb"), ("entry", "draft")], Some(("bozze.xlsx", &book))).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let id = hidden(&p.body, "id").unwrap();
    assert_eq!(admin.post("/admin/import/confirm", &[("id", &id)]).await.status, StatusCode::OK);
    assert!(t.kb.published_item("PIL-9201").unwrap().is_none(), "entered as a draft");
    let status = t.kb.item_status("PIL-9201").unwrap();
    assert_eq!(status.state, kb::State::Draft);
    // An organisation chart workbook: structures sheet.
    let mut org = rust_xlsxwriter::Workbook::new();
    let sheet = org.add_worksheet();
    sheet.set_name("Strutture").unwrap();
    for (c, h) in ["Codice struttura", "Denominazione", "Tipo", "Struttura superiore"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["UPL-1", "Ufficio caricato", "Ufficio", ""].iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
    }
    let bytes = org.save_to_buffer().unwrap();
    let p = upload(&mut admin, &[("kind", "org")], Some(("organigramma.xlsx", &bytes))).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("UPL-1"));
    assert!(t.kb.office_by_iri(t.kb.office_iri("UPL-1").as_str()).unwrap().is_none());
    let id = hidden(&p.body, "id").unwrap();
    assert_eq!(admin.post("/admin/import/confirm", &[("id", &id)]).await.status, StatusCode::OK);
    assert!(t.kb.office_by_iri(t.kb.office_iri("UPL-1").as_str()).unwrap().is_some());
}

#[tokio::test]
async fn a_bad_upload_gives_a_clear_error_and_writes_nothing() {
    let t = TestApp::new();
    let mut admin = t.signed_in(Role::Admin).await;
    let before = quads(&t);
    let p = upload(&mut admin, &[("kind", "kb")], Some(("pillole.xlsx", b"Codice;Titolo\nPIL-1;Bollo\n"))).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.body);
    assert!(p.body.contains("not an Excel workbook"), "{}", p.body);
    assert!(p.body.contains("<form"), "the page is the import page, with its form");
    let p = upload(&mut admin, &[("kind", "kb")], None).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // A workbook without a recognisable header.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "nulla di utile").unwrap();
    let p = upload(&mut admin, &[("kind", "kb")], Some(("vuoto.xlsx", &book.save_to_buffer().unwrap()))).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.body);
    assert_eq!(quads(&t), before);
    assert_eq!(pending_uploads(&t), 0);
    // Larger than the limit: refused, nothing kept.
    let small =
        web::app(web::AppState::with_config(t.kb.clone(), web::WebConfig { max_upload_bytes: 4096, ..Default::default() }).expect("state"));
    let mut b = Browser { app: small, cookies: Vec::new(), csrf: String::new() };
    b.login("admin", common::PASSWORD).await;
    let big = vec![b'x'; 10_000];
    let p = upload(&mut b, &[("kind", "kb")], Some(("grande.xlsx", &big))).await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", p.body);
    assert!(p.body.contains("larger than the limit"));
    assert_eq!(quads(&t), before);
    assert_eq!(pending_uploads(&t), 0);
}

#[tokio::test]
async fn exports_download_with_their_content_types() {
    let t = TestApp::new();
    let admin = t.signed_in(Role::Admin).await;
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let cases: &[(&str, &str, &str)] = &[
        ("/admin/export/kb.xlsx", xlsx, ".xlsx"),
        ("/admin/export/org.xlsx", xlsx, ".xlsx"),
        ("/admin/export/vcard", "text/vcard; charset=utf-8", ".vcf"),
        ("/admin/export/handover", "application/zip", ".zip"),
        ("/admin/export/rdf?graph=taxonomy&graph=org&format=turtle", "text/turtle; charset=utf-8", ".ttl"),
        ("/admin/export/rdf?graph=org&format=ntriples", "application/n-triples", ".nt"),
        ("/admin/export/rdf?graph=org&graph=kb%2Fpublished&format=nquads", "application/n-quads", ".nq"),
        ("/admin/export/rdf?graph=org&format=trig", "application/trig", ".trig"),
        ("/admin/export/rdf?graph=org&format=rdfxml", "application/rdf+xml", ".rdf"),
        ("/admin/export/rdf?graph=org&format=jsonld", "application/ld+json", ".jsonld"),
    ];
    for (path, ty, ext) in cases {
        let (status, headers, body) = admin.fetch(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&body));
        assert_eq!(headers.get(header::CONTENT_TYPE).unwrap(), ty, "{path}");
        let disposition = headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"centralino-") && disposition.ends_with(&format!("{ext}\"")),
            "{disposition}"
        );
        assert!(!body.is_empty(), "{path}");
        if ty.contains("zip") || ty.contains("spreadsheet") {
            assert!(body.starts_with(b"PK"), "{path} is a zip archive");
        }
    }
    let (_, _, vcf) = admin.fetch("/admin/export/vcard").await;
    assert!(String::from_utf8(vcf).unwrap().contains("BEGIN:VCARD"));
    let (_, _, ttl) = admin.fetch("/admin/export/rdf?graph=org&format=turtle").await;
    let ttl = String::from_utf8(ttl).unwrap();
    let parsed = kb::parse_rdf("export.ttl", &ttl, kb::oxigraph::io::RdfFormat::Turtle, None, t.kb.graph(kb::Graph::Org)).unwrap();
    assert!(!parsed.is_empty());
    // Accounts are never exported; unknown graphs and formats are refused.
    assert_eq!(admin.fetch("/admin/export/rdf?graph=accounts&format=turtle").await.0, StatusCode::FORBIDDEN);
    assert_eq!(admin.fetch("/admin/export/rdf?graph=nope&format=turtle").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(admin.fetch("/admin/export/rdf?graph=org&format=csv").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(admin.fetch("/admin/export/rdf?format=turtle").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn statistics_show_a_chart_of_the_most_consulted() {
    let t = TestApp::new();
    let reader = kb::Actor::new("operator-l1", [Role::OperatorL1]);
    for _ in 0..3 {
        t.kb.record_access(&reader, "PIL-0001").unwrap();
    }
    t.kb.record_access(&reader, "PIL-0002").unwrap();
    let title = t.kb.published_item("PIL-0001").unwrap().unwrap().content.title;
    let mut admin = t.signed_in(Role::Admin).await;
    let p = admin.get("/admin/stats").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("<svg") && p.body.contains("<rect"), "an inline SVG chart");
    let escaped = title.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\'', "&#x27;").replace('"', "&quot;");
    assert!(p.body.contains(&escaped), "the most consulted item is named");
    assert!(p.body.contains("PIL-0001"));
    // A period without reads, and a bad period.
    let p = admin.get("/admin/stats?from=2001-01-01&to=2001-01-31").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(!p.body.contains("<rect"));
    let p = admin.get("/admin/stats?from=2001-02-01&to=2001-01-31").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = admin.get("/admin/stats?from=ieri").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    // Supervisors and analysts read them too.
    let mut sup = t.signed_in(Role::Supervisor).await;
    let p = sup.get("/admin/stats").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("<svg"));
}
