//! The CRM pages and API: the role matrix, the Allegato A path through the
//! forms, escaping of what citizens write, and the JSON API the telephony
//! connector uses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use kb::{Actor, Role};
use serde_json::json;

/// Opens a phone ticket directly in the domain and returns its id.
fn ticket(t: &TestApp, text: &str) -> String {
    let l1 = Actor::new("operator-l1", [Role::OperatorL1]);
    let new = crm::NewTicket {
        channel: crm::Channel::Phone,
        contact: None,
        concept: None,
        description: text.into(),
        priority: Default::default(),
        level: None,
        received_at: None,
        related: Vec::new(),
        client_key: None,
    };
    t.state.crm.open_ticket(&l1, &new).unwrap().id
}

#[tokio::test]
async fn every_crm_page_checks_the_role() {
    use Role::*;
    let t = TestApp::new();
    let id = ticket(&t, "bollo auto");
    let contact = t
        .state
        .crm
        .create_contact(&Actor::new("operator-l1", [OperatorL1]), &crm::ContactInput { given_name: "Anna".into(), ..Default::default() })
        .unwrap()
        .id;
    let routes: Vec<(String, &[Role])> = vec![
        ("/tickets".into(), &[OperatorL1, OperatorL2, Supervisor, Admin, Office]),
        ("/tickets?open=1&desk=l1&channel=phone&overdue=1&sort=newest".into(), &[OperatorL1, OperatorL2, Supervisor, Admin, Office]),
        ("/tickets/l2".into(), &[OperatorL2, Supervisor, Admin]),
        ("/tickets/triage".into(), &[OperatorL2, Supervisor, Admin]),
        ("/tickets/office".into(), &[Office, Supervisor, Admin]),
        ("/tickets/new".into(), &[OperatorL1, OperatorL2, Supervisor, Admin]),
        (format!("/tickets/{id}"), &[OperatorL1, OperatorL2, Supervisor, Admin]),
        ("/contacts".into(), &[OperatorL1, OperatorL2, Supervisor, Admin, Office]),
        ("/contacts?q=0874+4291".into(), &[OperatorL1, OperatorL2, Supervisor, Admin, Office]),
        (format!("/contacts/{contact}"), &[OperatorL1, OperatorL2, Supervisor, Admin, Office]),
        ("/callbacks".into(), &[OperatorL1, OperatorL2, Supervisor, Admin]),
        ("/return-calls".into(), &[OperatorL1, OperatorL2, Supervisor, Admin, Office]),
        ("/kb-gaps".into(), &[Publisher, Approver, Supervisor, Admin, OperatorL2]),
    ];
    let mut anonymous = t.browser();
    for (path, _) in &routes {
        let p = anonymous.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "anonymous {path}");
    }
    for role in Role::ALL {
        let mut b = t.signed_in(role).await;
        for (path, allowed) in &routes {
            let p = b.get(path).await;
            let expected = if allowed.contains(&role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(p.status, expected, "{role} GET {path}: {}", &p.body[..p.body.len().min(400)]);
        }
        // Writes are refused the same way, and change nothing.
        if !allowed_to_open(role) {
            let p = b.post("/tickets/new", &[("channel", "phone"), ("description", "x")]).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} opened a ticket");
        }
    }
    assert_eq!(t.state.crm.board().len(), 1);
}

fn allowed_to_open(role: Role) -> bool {
    matches!(role, Role::OperatorL1 | Role::OperatorL2 | Role::Supervisor | Role::Admin)
}

/// The ticket id a form redirected to.
fn redirected_ticket(location: Option<&str>) -> String {
    location.and_then(|l| l.strip_prefix("/tickets/")).expect("redirect to the ticket").to_owned()
}

#[tokio::test]
async fn the_allegato_a_path_through_the_pages() {
    let t = TestApp::new();
    let office = t.kb.offices().unwrap().into_iter().next().expect("an office in the demo data");
    t.kb.set_user_office(&Actor::system(), "office", Some(&office.code)).unwrap();
    let mut l1 = t.signed_in(Role::OperatorL1).await;
    let mut l2 = t.signed_in(Role::OperatorL2).await;
    let mut staff = t.signed_in(Role::Office).await;

    // L1: a new caller, recorded and given a ticket; what they say is shown inert.
    let p = l1
        .post(
            "/contacts",
            &[("kind", "person"), ("given_name", "Mario"), ("family_name", "Rossi"), ("phones", "0874 4291"), ("then", "ticket")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let new_form = p.location.unwrap();
    let contact = new_form.split("contact=").nth(1).unwrap().to_owned();
    assert!(l1.get(&new_form).await.body.contains("Mario Rossi"));
    let p = l1
        .post("/tickets/new", &[("channel", "phone"), ("contact", &contact), ("description", "Esenzione <script>alert(1)</script> bollo")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let id = redirected_ticket(p.location.as_deref());
    let page = l1.get(&format!("/tickets/{id}")).await;
    assert!(page.body.contains("&lt;script&gt;alert(1)") && !page.body.contains("<script>alert(1)"), "{}", page.body);
    // Lookup by phone in another format finds the contact, whose page lists the ticket.
    let found = l1.get("/contacts?q=%2B39+0874.4291").await;
    assert!(found.body.contains(&format!("/contacts/{contact}")), "{}", found.body);
    assert!(l1.get(&format!("/contacts/{contact}")).await.body.contains(&id));

    // L1 → L2 inbox → L2 takes it → forwards to the office.
    let version = |body: &str| common::hidden(body, "version").unwrap();
    let v = version(&page.body);
    let p = l1
        .post(&format!("/tickets/{id}/act"), &[("action", "assign_to_l2"), ("version", &v), ("comment", "non risolvibile al I livello")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // The same form again is stale: 409, nothing changes.
    let p = l1.post(&format!("/tickets/{id}/act"), &[("action", "assign_to_l2"), ("version", &v)]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(l2.get("/tickets/l2").await.body.contains(&id));
    let p = l2.post(&format!("/tickets/{id}/act"), &[("action", "take")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = l2.post(&format!("/tickets/{id}/act"), &[("action", "forward_to_office"), ("office", "NO-SUCH-OFFICE")]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p =
        l2.post(&format!("/tickets/{id}/act"), &[("action", "forward_to_office"), ("office", &office.code), ("comment", "parere")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    // The office sees it in its inbox, answers; L2 closes with the answer given.
    assert!(staff.get("/tickets/office").await.body.contains(&id));
    let p = staff.post(&format!("/tickets/{id}/act"), &[("action", "office_reject"), ("reason", "")]).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "a rejection needs a reason");
    let p = staff.post(&format!("/tickets/{id}/act"), &[("action", "office_answer"), ("answer", "Esente con certificato.")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = l2.post(&format!("/tickets/{id}/act"), &[("action", "close"), ("answer", "Richiamato: esente con certificato.")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let page = l2.get(&format!("/tickets/{id}")).await.body;
    for step in ["assign_to_l2", "take", "forward_to_office", "office_answer", "close", "Richiamato: esente con certificato."] {
        assert!(page.contains(step), "{step} missing from the ticket page");
    }
    // A fax arrives as a PDF: attached through the form, downloaded by who may read the ticket.
    let boundary = "----centralino";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fax.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n%fax\r\n--{boundary}--\r\n"
    );
    let req = Request::post(format!("/tickets/{id}/attachments?csrf={}", l2.csrf))
        .header(header::COOKIE, l2.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let p = l2.send(req).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = l2.get(&format!("/tickets/{id}")).await.body;
    let href = page.split(&format!("/tickets/{id}/attachments/")).nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
    let file = l2.get(&format!("/tickets/{id}/attachments/{href}")).await;
    assert_eq!((file.status, file.content_type.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(file.body.starts_with("%PDF"));
    let mut analyst = t.signed_in(Role::Analyst).await;
    assert_eq!(analyst.get(&format!("/tickets/{id}/attachments/{href}")).await.status, StatusCode::FORBIDDEN);

    // Resolved at L2 with the office: it can be proposed as knowledge.
    let p = l2.post(&format!("/tickets/{id}/propose"), &[("title", "Esenzione bollo con certificato")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(l2.get(&format!("/tickets/{id}")).await.body.contains("Proposta come conoscenza"));
}

#[tokio::test]
async fn the_api_opens_and_moves_tickets_for_the_telephony_connector() {
    let t = TestApp::new();
    let cti = t.kb.create_token(&Actor::system(), "integration", "pbx").unwrap();
    let l1 = t.kb.create_token(&Actor::system(), "operator-l1", "console").unwrap();
    let analyst = t.kb.create_token(&Actor::system(), "analyst", "reports").unwrap();
    let mut b = t.browser();
    let (s, contact) = b.api("POST", "/api/v1/contacts", &cti, Some(json!({"given_name": "Lia", "phones": ["333 1234567"]}))).await;
    assert_eq!(s, StatusCode::CREATED, "{contact}");
    let (s, found) = b.api("GET", "/api/v1/contacts?phone=%2B393331234567", &cti, None).await;
    assert_eq!((s, found[0]["id"].clone()), (StatusCode::OK, contact["id"].clone()));
    let (s, bad) = b.api("GET", "/api/v1/contacts?phone=12", &cti, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    let (s, ticket) = b
        .api(
            "POST",
            "/api/v1/tickets",
            &cti,
            Some(json!({"channel": "phone", "contact": contact["id"], "description": "chiamata in ingresso", "related": ["urn:call:42"]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ticket}");
    let id = ticket["id"].as_str().unwrap().to_owned();
    // Offline capture sends with a client key; a resend gives the same ticket.
    let offline = json!({"channel": "phone", "description": "registrata offline", "client_key": "4f6a1e2b-0000-4000-8000-000000000001", "received_at": "2026-01-15T09:30:00Z"});
    let (s1, first) = b.api("POST", "/api/v1/tickets", &l1, Some(offline.clone())).await;
    let (s2, again) = b.api("POST", "/api/v1/tickets", &l1, Some(offline)).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], again["id"]);
    let (_, list) = b.api("GET", "/api/v1/tickets", &l1, None).await;
    assert_eq!(list["total"].as_u64(), Some(2));
    let (s, list) = b.api("GET", "/api/v1/tickets?desk=l1&open=true", &l1, None).await;
    assert_eq!((s, list["total"].as_u64()), (StatusCode::OK, Some(2)), "{list}");
    let (s, _) = b.api("GET", "/api/v1/tickets?desk=nowhere", &l1, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) =
        b.api("POST", &format!("/api/v1/tickets/{id}/actions"), &l1, Some(json!({"action": "close", "version": 99, "answer": "x"}))).await;
    assert_eq!(s, StatusCode::CONFLICT, "stale version");
    let (s, _) = b.api("POST", &format!("/api/v1/tickets/{id}/actions"), &l1, Some(json!({"action": "fly"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "unknown action");
    let (s, closed) = b
        .api("POST", &format!("/api/v1/tickets/{id}/actions"), &l1, Some(json!({"action": "close", "version": 1, "answer": "Risposto."})))
        .await;
    assert_eq!((s, closed["state"].as_str()), (StatusCode::OK, Some("closed")), "{closed}");
    let (s, page) = b.api("GET", &format!("/api/v1/tickets/{id}"), &l1, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(page["events"].as_array().map(Vec::len), Some(2), "{page}");
    // Attachments and e-mails through the API.
    let req = Request::post(format!("/api/v1/tickets/{id}/attachments?name=voce.wav"))
        .header(header::AUTHORIZATION, format!("Bearer {cti}"))
        .body(Body::from([b"RIFF\x24\0\0\0WAVEfmt ".as_slice(), &[0u8; 32]].concat()))
        .unwrap();
    let p = b.send(req).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let (s, list) = b.api("GET", &format!("/api/v1/tickets/{id}/attachments"), &l1, None).await;
    assert_eq!((s, list[0]["mime"].as_str()), (StatusCode::OK, Some("audio/x-wav")), "{list}");
    let req = Request::post(format!("/api/v1/tickets/{id}/attachments?name=x.exe"))
        .header(header::AUTHORIZATION, format!("Bearer {cti}"))
        .body(Body::from(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec()))
        .unwrap();
    assert_eq!(b.send(req).await.status, StatusCode::BAD_REQUEST);
    let (s, msgs) = b.api("GET", &format!("/api/v1/tickets/{id}/messages"), &l1, None).await;
    assert_eq!((s, msgs.as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    // Analysts never read personal data.
    for path in [
        "/api/v1/tickets",
        &format!("/api/v1/tickets/{id}"),
        "/api/v1/contacts?phone=3331234567",
        &format!("/api/v1/tickets/{id}/attachments"),
    ] {
        let (s, _) = b.api("GET", path, &analyst, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "analyst {path}");
    }
    let (_, doc) = b.api("GET", "/api/v1/openapi.json", &l1, None).await;
    for path in ["/api/v1/tickets", "/api/v1/tickets/{id}/actions", "/api/v1/contacts", "/api/v1/return-calls", "/api/v1/kb-gaps"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
}

#[tokio::test]
async fn crm_pages_follow_the_language_switch() {
    let t = TestApp::new();
    let id = ticket(&t, "bollo auto");
    let mut b = t.signed_in(Role::OperatorL2).await;
    let it = b.get(&format!("/tickets/{id}")).await.body;
    assert!(it.contains("Percorso") && it.contains("Azioni"));
    b.get("/lang/en").await;
    let en = b.get(&format!("/tickets/{id}")).await.body;
    assert!(en.contains("<h2>Path</h2>") && en.contains("<h2>Actions</h2>"), "{en}");
    assert!(b.get("/tickets?open=1").await.body.contains("Requests"));
}

#[tokio::test]
async fn the_demo_shows_requests_at_every_level() {
    let t = TestApp::new();
    // The demo accounts are created by `serve --demo`; the test app has its own.
    t.kb.create_user(&Actor::system(), "office", common::PASSWORD, &[Role::Office]).ok();
    web::demo::load_crm(&t.state.crm).unwrap();
    web::demo::load_crm(&t.state.crm).unwrap();
    assert_eq!(t.state.crm.board().len(), 5, "loaded once");
    let sup = Actor::new("supervisor", [Role::Supervisor]);
    let at_office = t.state.crm.list_tickets(&sup, &crm::TicketFilter { desk: Some(crm::Desk::Office), ..Default::default() }).unwrap();
    assert_eq!(at_office.total, 1);
    let mut staff = t.signed_in(Role::Office).await;
    assert!(staff.get("/tickets/office").await.body.contains(&at_office.rows[0].ticket.id));
}
