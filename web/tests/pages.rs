//! The pages: the role matrix over every page route, sign-in and its
//! protections, the publisher → approver → operator path, XSS inertness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::{PASSWORD, TestApp};
use kb::Role;

/// Page routes (GET) and the roles that may open them (`None`: everyone).
const GET_ROUTES: &[(&str, Option<&[Role]>)] = &[
    ("/", None),
    ("/search?q=bollo+auto", None),
    ("/search?q=bollo&partial=1", None),
    ("/suggest?q=boll", None),
    ("/items/PIL-0001", None),
    ("/areas", None),
    ("/areas/tributi", None),
    ("/directory", None),
    ("/directory?q=rossi", None),
    ("/directory/offices/URP", None),
    ("/directory/people/1001", None),
    ("/password", None),
    ("/editor", Some(&[Role::Publisher, Role::Approver, Role::Admin])),
    ("/editor/new", Some(&[Role::Publisher, Role::Admin])),
    ("/editor/items/PIL-0002", Some(&[Role::Publisher, Role::Approver, Role::Admin])),
    ("/items/PIL-0002/history", Some(&[Role::Publisher, Role::Approver, Role::Admin])),
    ("/review", Some(&[Role::Approver, Role::Admin])),
    ("/review/PIL-0002", Some(&[Role::Approver, Role::Admin])),
    ("/telephony/announcements", Some(&[Role::Admin, Role::Supervisor, Role::OperatorL1, Role::OperatorL2])),
    ("/telephony/announcements/backup", Some(&[Role::Admin, Role::Supervisor])),
];

/// State-changing routes and the roles allowed; others get 403 and nothing changes.
const POST_ROUTES: &[(&str, &[Role])] = &[
    ("/editor/new", &[Role::Publisher, Role::Admin]),
    ("/editor/items/PIL-0003", &[Role::Publisher, Role::Admin]),
    ("/editor/items/PIL-0003/submit", &[Role::Publisher, Role::Admin]),
    ("/editor/items/PIL-0003/archive", &[Role::Approver, Role::Admin]),
    ("/review/PIL-0003/approve", &[Role::Approver, Role::Admin]),
    ("/review/PIL-0003/reject", &[Role::Approver, Role::Admin]),
    ("/items/PIL-0003/restore/1", &[Role::Publisher, Role::Admin]),
    ("/telephony/announcements", &[Role::Admin, Role::Supervisor]),
    ("/telephony/announcements/restore", &[Role::Admin, Role::Supervisor]),
    ("/telephony/announcements/benvenuto/versions/1/activate", &[Role::Admin, Role::Supervisor]),
    ("/telephony/announcements/benvenuto/versions/1/delete", &[Role::Admin, Role::Supervisor]),
    ("/telephony/announcements/benvenuto/band", &[Role::Admin, Role::Supervisor]),
    ("/telephony/announcements/benvenuto/delete", &[Role::Admin, Role::Supervisor]),
];

#[tokio::test]
async fn every_page_checks_the_role() {
    let t = TestApp::new();
    let mut anonymous = t.browser();
    for (path, _) in GET_ROUTES {
        let p = anonymous.get(path).await;
        let sign_in = p.status == StatusCode::SEE_OTHER && p.location.as_deref().is_some_and(|l| l.starts_with("/login?next="));
        assert!(sign_in || (path.starts_with("/suggest") && p.status == StatusCode::SEE_OTHER), "anonymous {path}: {:?}", p.status);
    }
    for role in Role::ALL {
        let mut b = t.signed_in(role).await;
        for (path, allowed) in GET_ROUTES {
            let may = allowed.is_none_or(|a| a.contains(&role));
            let p = b.get(path).await;
            let expected = if may { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(p.status, expected, "{role} GET {path}: {}", &p.body[..p.body.len().min(300)]);
        }
        for (path, allowed) in POST_ROUTES {
            if allowed.contains(&role) {
                continue;
            }
            let p = b.post(path, &[("title", "x"), ("comment", "x"), ("based_on", "1")]).await;
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{role} POST {path}");
        }
    }
    // Nothing was changed by the refused requests.
    let item = t.kb.published_item("PIL-0003").unwrap().unwrap();
    assert_eq!(item.revision, 1);
    assert!(t.kb.item_status("PIL-0003").unwrap().working.is_none());
}

#[tokio::test]
async fn publisher_approver_operator_path() {
    let t = TestApp::new();
    let mut publisher = t.signed_in(Role::Publisher).await;
    let concept = t.kb.iri("id/concept/sanita-prenotazioni-cup").as_str().to_owned();
    let office = t.kb.office_iri("DIP2-ESE").as_str().to_owned();
    let cittadini = t.kb.iri("id/concept/cittadini").as_str().to_owned();
    let imprese = t.kb.iri("id/concept/imprese").as_str().to_owned();
    let p = publisher
        .post(
            "/editor/new",
            &[
                ("title", "Vaccinazione antinfluenzale in farmacia"),
                ("question", "Posso fare il vaccino antinfluenzale in farmacia?"),
                ("answer", "Sì: le farmacie aderenti somministrano il vaccino antinfluenzale agli adulti, su prenotazione."),
                ("keywords", "vaccino, influenza, farmacia"),
                ("concept", &concept),
                ("office", &office),
                ("level", "base"),
                ("audiences", &cittadini),
                ("audiences", &imprese),
                ("and_submit", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let id = p.location.unwrap().rsplit('/').next().unwrap().to_owned();
    let draft = t.kb.current_item(&kb::Actor::system(), &id).unwrap();
    assert_eq!(draft.content.audiences.len(), 2, "both audience checkboxes are read");
    // Not visible to operators before approval.
    let mut operator = t.signed_in(Role::OperatorL1).await;
    assert!(!operator.get("/search?q=vaccino+farmacia").await.body.contains(&id));
    let mut approver = t.signed_in(Role::Approver).await;
    let inbox = approver.get("/review").await;
    assert!(inbox.body.contains(&id), "the review inbox lists it");
    let review = approver.get(&format!("/review/{id}")).await;
    assert!(review.body.contains("Vaccinazione antinfluenzale"));
    let p = approver.post(&format!("/review/{id}/approve"), &[("comment", "ok")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(t.kb.wait_for_search(std::time::Duration::from_secs(5)).unwrap());
    let found = operator.get("/search?q=vaccino+farmacia").await;
    assert!(found.body.contains(&id), "the operator finds it");
    let page = operator.get(&format!("/items/{id}?q=vaccino")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("le farmacie aderenti"));
    assert!(page.body.contains("4210"), "the office's extension is shown");
    // Rejection needs a comment; the history shows who did what.
    let hist = publisher.get(&format!("/items/{id}/history")).await;
    assert!(hist.body.contains("publisher") && hist.body.contains("approver"), "{}", hist.body);
}

#[tokio::test]
async fn an_xss_payload_in_an_answer_is_inert() {
    let t = TestApp::new();
    let mut publisher = t.signed_in(Role::Publisher).await;
    let concept = t.kb.iri("id/concept/tributi").as_str().to_owned();
    let payload =
        "Testo <script>alert('x')</script><img src=x onerror=\"alert(1)\"><a href=\"javascript:alert(2)\">clic</a> <b>grassetto</b>";
    let p = publisher
        .post(
            "/editor/new",
            &[("title", "Prova <script>alert(3)</script>"), ("answer", payload), ("concept", &concept), ("and_submit", "1")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let id = p.location.unwrap().rsplit('/').next().unwrap().to_owned();
    let stored = t.kb.current_item(&kb::Actor::system(), &id).unwrap();
    assert!(!stored.content.answer.contains("<script") && !stored.content.answer.contains("onerror"), "sanitised on the server");
    let mut approver = t.signed_in(Role::Approver).await;
    for path in [format!("/review/{id}"), format!("/editor/items/{id}")] {
        let page = approver.get(&path).await;
        assert!(!page.body.contains("<script>alert"), "{path}");
    }
    approver.post(&format!("/review/{id}/approve"), &[]).await;
    t.kb.wait_for_search(std::time::Duration::from_secs(5)).unwrap();
    let mut operator = t.signed_in(Role::OperatorL1).await;
    let page = operator.get(&format!("/items/{id}")).await;
    assert!(!page.body.contains("<script>alert"), "no script");
    assert!(!page.body.contains("onerror"), "no event handler");
    assert!(!page.body.contains("javascript:"), "no javascript: link");
    assert!(page.body.contains("<b>grassetto</b>"), "the safe subset stays");
    assert!(page.body.contains("&lt;script&gt;alert(3)"), "the title is escaped");
    let results = operator.get("/search?q=prova").await;
    assert!(!results.body.contains("<script>alert"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let t = TestApp::new();
    let mut publisher = t.signed_in(Role::Publisher).await;
    let p = publisher.post_raw("/editor/new", &[("title", "Senza token"), ("answer", "x")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = publisher.post_raw("/editor/new", &[("title", "Token sbagliato"), ("answer", "x"), ("csrf", "0000")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(t.kb.working_items(&kb::Actor::system(), kb::State::Draft, None).unwrap().is_empty(), "nothing written");
    // The sign-in form without its cookie is refused too.
    let mut other = t.browser();
    let p = other.post_raw("/login", &[("username", "admin"), ("password", PASSWORD), ("csrf", "abc")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sign_in_is_throttled_and_sign_out_ends_the_session() {
    let t = TestApp::new();
    let mut b = t.browser();
    for _ in 0..5 {
        assert_eq!(b.login("publisher", "wrong-password").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(b.login("publisher", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "locked for a while");
    let mut admin = t.signed_in(Role::Admin).await;
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
    let p = admin.post("/logout", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/").await.status, StatusCode::SEE_OTHER, "signed out");
    // A forged or expired session cookie is simply not signed in.
    let mut forged = t.browser();
    forged.cookies.push(("centralino_session".into(), "deadbeef".into()));
    assert_eq!(forged.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn password_change_and_language_switch() {
    let t = TestApp::new();
    let mut b = t.signed_in(Role::OperatorL1).await;
    let p = b.post("/password", &[("current", "nope-nope"), ("new", "new-password-1"), ("repeat", "new-password-1")]).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = b.post("/password", &[("current", PASSWORD), ("new", "new-password-1"), ("repeat", "new-password-1")]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(t.kb.authenticate("operator-l1", "new-password-1").is_ok());
    assert!(b.get("/").await.body.contains("Cerca"));
    b.get("/lang/en").await;
    assert!(b.get("/").await.body.contains("Search"));
}

#[tokio::test]
async fn bad_requests_get_clear_pages() {
    let t = TestApp::new();
    let mut b = t.signed_in(Role::Publisher).await;
    let p = b.get("/items/PIL-9999").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(p.body.contains("PIL-9999"));
    assert_eq!(b.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    // A stale edit (someone else saved meanwhile) is refused with a message.
    let concept = t.kb.iri("id/concept/tributi").as_str().to_owned();
    let p = b
        .post("/editor/items/PIL-0001", &[("title", "Titolo nuovo"), ("answer", "Risposta."), ("concept", &concept), ("based_on", "0")])
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", &p.body[..p.body.len().min(500)]);
    assert!(t.kb.item_status("PIL-0001").unwrap().working.is_none(), "nothing written");
    let p = b.post("/editor/new", &[("title", "Data"), ("answer", "x"), ("valid_until", "31 febbraio")]).await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("not a date"));
    // Queries full of syntax never fail.
    for q in ["%22bollo", "(", "AND+OR", "*", &"bollo+".repeat(3000)] {
        assert_eq!(b.get(&format!("/search?q={q}")).await.status, StatusCode::OK, "{q}");
    }
}
