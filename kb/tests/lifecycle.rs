//! The life cycle of knowledge items: every legal and illegal transition,
//! the four-eyes rule, stale edits, history, comparison and restore.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestKb;
use kb::{Actor, Error, Role, State};

#[test]
fn draft_to_published_to_archived() {
    let t = TestKb::new();
    let id = t.kb.create_item(&t.publisher, &t.content("Bollo auto")).unwrap();
    assert_eq!(id, "PIL-0001");
    let st = t.kb.item_status(&id).unwrap();
    assert_eq!((st.state, st.working), (State::Draft, Some((1, State::Draft))));
    assert!(t.kb.published_item(&id).unwrap().is_none(), "a draft is not visible to operators");

    t.kb.submit_item(&t.publisher, &id, Some("pronto")).unwrap();
    assert_eq!(t.kb.item_status(&id).unwrap().state, State::InReview);
    t.kb.approve_item(&t.approver, &id, None).unwrap();
    let item = t.kb.published_item(&id).unwrap().unwrap();
    assert_eq!((item.state, item.revision), (State::Published, 1));
    assert_eq!(item.content, t.content("Bollo auto").normalized());
    assert_eq!(item.author.as_deref(), Some("paola"));

    t.kb.archive_item(&t.approver, &id, Some("superato")).unwrap();
    assert_eq!(t.kb.published_item(&id).unwrap().unwrap().state, State::Archived);
    assert_eq!(t.kb.item_status(&id).unwrap().state, State::Archived);
}

#[test]
fn edits_of_a_published_item_stay_in_the_workspace_until_approved() {
    let t = TestKb::new();
    let id = t.published("Bollo auto");
    let mut c = t.content("Bollo auto");
    c.answer = "Nuova risposta.".into();
    let rev = t.kb.edit_item(&t.publisher, &id, 1, &c).unwrap();
    assert_eq!(rev, 2);
    let live = t.kb.published_item(&id).unwrap().unwrap();
    assert_eq!(live.content.answer, "Risposta per Bollo auto.", "the published revision stays live");
    let st = t.kb.item_status(&id).unwrap();
    assert_eq!((st.state, st.published_revision, st.working), (State::Published, Some(1), Some((2, State::Draft))));

    t.kb.submit_item(&t.publisher, &id, None).unwrap();
    t.kb.approve_item(&t.approver, &id, None).unwrap();
    let live = t.kb.published_item(&id).unwrap().unwrap();
    assert_eq!((live.revision, live.content.answer.as_str()), (2, "Nuova risposta."));
    // The superseded revision is kept for history.
    assert_eq!(t.kb.revision_content(&t.publisher, &id, 1).unwrap().answer, "Risposta per Bollo auto.");
}

#[test]
fn every_illegal_transition_is_refused_and_changes_nothing() {
    let t = TestKb::new();
    let draft = t.kb.create_item(&t.publisher, &t.content("Bozza")).unwrap();
    let published = t.published("Pubblicata");
    let archived = t.published("Archiviata");
    t.kb.archive_item(&t.approver, &archived, None).unwrap();
    let in_review = t.kb.create_item(&t.publisher, &t.content("In revisione")).unwrap();
    t.kb.submit_item(&t.publisher, &in_review, None).unwrap();
    let before = t.snapshot();

    let illegal = |r: kb::Result<()>, what: &str| {
        assert!(matches!(r, Err(Error::IllegalTransition { .. })), "{what}: {r:?}");
    };
    illegal(t.kb.approve_item(&t.approver, &draft, None), "approve a draft never submitted");
    illegal(t.kb.reject_item(&t.approver, &draft, "no"), "reject a draft");
    illegal(t.kb.archive_item(&t.approver, &draft, None), "archive a draft");
    illegal(t.kb.submit_item(&t.publisher, &in_review, None), "submit twice");
    illegal(t.kb.approve_item(&t.approver, &published, None), "approve a published item with nothing pending");
    illegal(t.kb.submit_item(&t.publisher, &published, None), "submit with no draft");
    illegal(t.kb.approve_item(&t.approver, &archived, None), "publish an archived item");
    illegal(t.kb.archive_item(&t.approver, &archived, None), "archive twice");
    illegal(t.kb.submit_item(&t.publisher, &archived, None), "submit an archived item");
    assert!(matches!(t.kb.edit_item(&t.publisher, &archived, 1, &t.content("x")), Err(Error::IllegalTransition { .. })));
    assert!(matches!(t.kb.edit_item(&t.publisher, &in_review, 1, &t.content("x")), Err(Error::IllegalTransition { .. })));
    let msg = t.kb.approve_item(&t.approver, &draft, None).unwrap_err().to_string();
    assert!(msg.contains("never submitted"), "{msg}");
    assert_eq!(t.snapshot(), before, "refused operations leave the graph unchanged");
}

#[test]
fn rejection_needs_a_comment_and_returns_to_draft() {
    let t = TestKb::new();
    let id = t.kb.create_item(&t.publisher, &t.content("Ticket")).unwrap();
    t.kb.submit_item(&t.publisher, &id, None).unwrap();
    assert!(matches!(t.kb.reject_item(&t.approver, &id, "  "), Err(Error::MissingField { field: "comment" })));
    t.kb.reject_item(&t.approver, &id, "manca la normativa").unwrap();
    assert_eq!(t.kb.item_status(&id).unwrap().working, Some((1, State::Draft)));
    let h = t.kb.history(&t.publisher, &id).unwrap();
    let last = h.last().unwrap();
    assert_eq!((last.kind.as_str(), last.comment.as_deref(), last.user.as_str()), ("reject", Some("manca la normativa"), "andrea"));
}

#[test]
fn four_eyes_rule_and_its_switch() {
    let t = TestKb::new();
    let both = Actor::new("bruno", [Role::Publisher, Role::Approver]);
    let id = t.kb.create_item(&both, &t.content("Da solo")).unwrap();
    t.kb.submit_item(&both, &id, None).unwrap();
    assert!(matches!(t.kb.approve_item(&both, &id, None), Err(Error::SelfApproval { revision: 1, .. })));
    t.kb.approve_item(&t.approver, &id, None).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let relaxed = kb::Kb::open(dir.path(), kb::KbConfig { four_eyes: false, ..Default::default() }).unwrap();
    let c = kb::ItemContent { title: "Solo".into(), ..Default::default() };
    let id = relaxed.create_item(&both, &c).unwrap();
    let mut c2 = c.clone();
    c2.answer = "ok".into();
    c2.concept = Some(relaxed.iri("id/concept/tributi").as_str().into());
    relaxed.edit_item(&both, &id, 1, &c2).unwrap();
    relaxed.submit_item(&both, &id, None).unwrap();
    relaxed.approve_item(&both, &id, None).unwrap();
}

#[test]
fn roles_are_checked() {
    let t = TestKb::new();
    assert!(matches!(t.kb.create_item(&t.operator, &t.content("x")), Err(Error::Forbidden { .. })));
    let id = t.kb.create_item(&t.publisher, &t.content("x")).unwrap();
    t.kb.submit_item(&t.publisher, &id, None).unwrap();
    assert!(matches!(t.kb.approve_item(&t.publisher, &id, None), Err(Error::Forbidden { .. })));
    assert!(matches!(t.kb.history(&t.operator, &id), Err(Error::Forbidden { .. })));
}

#[test]
fn stale_edits_are_refused() {
    let t = TestKb::new();
    let id = t.published("Concorrenza");
    let mut a = t.content("Concorrenza");
    a.answer = "Versione di Paola".into();
    let mut b = t.content("Concorrenza");
    b.answer = "Versione di Bruno".into();
    assert_eq!(t.kb.edit_item(&t.publisher, &id, 1, &a).unwrap(), 2);
    let before = t.snapshot();
    let err = t.kb.edit_item(&t.publisher, &id, 1, &b).unwrap_err();
    assert!(matches!(err, Error::StaleRevision { based_on: 1, current: 2, .. }), "{err}");
    assert_eq!(t.snapshot(), before);
    assert_eq!(t.kb.current_item(&t.publisher, &id).unwrap().content.answer, "Versione di Paola");
}

#[test]
fn unchanged_edit_makes_no_revision() {
    let t = TestKb::new();
    let id = t.published("Uguale");
    assert_eq!(t.kb.edit_item(&t.publisher, &id, 1, &t.content("Uguale")).unwrap(), 1);
    assert_eq!(t.kb.item_status(&id).unwrap().working, None);
}

#[test]
fn missing_fields_and_unknown_references_are_named() {
    let t = TestKb::new();
    let mut c = t.content("");
    assert!(matches!(t.kb.create_item(&t.publisher, &c), Err(Error::MissingField { field: "title" })));
    c.title = "Senza risposta".into();
    c.answer = String::new();
    let id = t.kb.create_item(&t.publisher, &c).unwrap();
    assert!(matches!(t.kb.submit_item(&t.publisher, &id, None), Err(Error::MissingField { field: "answer" })));
    let mut c = t.content("Ufficio ignoto");
    c.office = Some(t.kb.office_iri("NOPE").as_str().into());
    let err = t.kb.create_item(&t.publisher, &c).unwrap_err();
    assert!(matches!(err, Error::NotFound { kind: "office", .. }), "{err}");
    let mut c = t.content("Concetto ignoto");
    c.concept = Some(t.concept("non-esiste"));
    assert!(matches!(t.kb.create_item(&t.publisher, &c), Err(Error::NotFound { kind: "concept", .. })));
    let mut c = t.content("IRI rotto");
    c.links = vec!["http://exa mple.org/<>".into()];
    assert!(matches!(t.kb.create_item(&t.publisher, &c), Err(Error::InvalidIri { .. })));
    let mut c = t.content("Link non web");
    c.links = vec!["javascript:alert(1)".into()];
    assert!(matches!(t.kb.create_item(&t.publisher, &c), Err(Error::InvalidIri { .. })));
    let mut c = t.content("Date al contrario");
    c.valid_from = chrono::NaiveDate::from_ymd_opt(2026, 5, 1);
    c.valid_until = chrono::NaiveDate::from_ymd_opt(2026, 4, 1);
    assert!(matches!(t.kb.create_item(&t.publisher, &c), Err(Error::InvalidValue { .. })));
    assert!(matches!(t.kb.create_item_with_id(&t.publisher, "pil-1", &t.content("x")), Err(Error::InvalidValue { .. })));
    t.kb.create_item_with_id(&t.publisher, "PIL-0500", &t.content("x")).unwrap();
    assert!(matches!(t.kb.create_item_with_id(&t.publisher, "PIL-0500", &t.content("x")), Err(Error::AlreadyExists { .. })));
    assert!(matches!(t.kb.item_status("PIL-9999"), Err(Error::NotFound { kind: "item", .. })));
}

#[test]
fn history_lists_every_step_and_compare_shows_fields() {
    let t = TestKb::new();
    let id = t.published("Storia");
    let mut c = t.content("Storia");
    c.answer = "Seconda".into();
    c.keywords.push("tassa".into());
    t.kb.edit_item(&t.publisher, &id, 1, &c).unwrap();
    let h = t.kb.history(&t.admin, &id).unwrap();
    let kinds: Vec<&str> = h.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["create", "submit", "approve", "edit"]);
    assert_eq!(h[2].user, "andrea");
    assert_eq!((h[2].from, h[2].to), (Some(State::InReview), Some(State::Published)));
    assert_eq!(h[3].revision, Some(2));

    let diff = t.kb.compare_revisions(&t.publisher, &id, 1, 2).unwrap();
    let fields: Vec<&str> = diff.iter().map(|d| d.field).collect();
    assert_eq!(fields, ["answer", "keywords"]);
    assert_eq!(diff[0].before, vec!["Risposta per Storia.".to_owned()]);
    assert_eq!(diff[0].after, vec!["Seconda".to_owned()]);
    assert!(matches!(t.kb.compare_revisions(&t.publisher, &id, 1, 7), Err(Error::NotFound { kind: "revision", .. })));
}

#[test]
fn restore_an_older_revision_as_a_new_draft() {
    let t = TestKb::new();
    let id = t.published("Ripristino");
    let mut c = t.content("Ripristino");
    c.answer = "Sbagliata".into();
    t.kb.edit_item(&t.publisher, &id, 1, &c).unwrap();
    t.kb.submit_item(&t.publisher, &id, None).unwrap();
    t.kb.approve_item(&t.approver, &id, None).unwrap();
    assert_eq!(t.kb.published_item(&id).unwrap().unwrap().content.answer, "Sbagliata");
    assert!(matches!(t.kb.restore_revision(&t.publisher, &id, 1, 1), Err(Error::StaleRevision { .. })));
    let n = t.kb.restore_revision(&t.publisher, &id, 1, 2).unwrap();
    assert_eq!(n, 3);
    assert_eq!(t.kb.current_item(&t.publisher, &id).unwrap().content, t.content("Ripristino").normalized());
    assert_eq!(t.kb.history(&t.publisher, &id).unwrap().last().unwrap().kind, "restore");
    // An archived item comes back through restore and approval.
    t.kb.submit_item(&t.publisher, &id, None).unwrap();
    t.kb.approve_item(&t.approver, &id, None).unwrap();
    t.kb.archive_item(&t.publisher, &id, None).unwrap();
    t.kb.restore_revision(&t.publisher, &id, 3, 3).unwrap();
    t.kb.submit_item(&t.publisher, &id, None).unwrap();
    t.kb.approve_item(&t.approver, &id, None).unwrap();
    assert_eq!(t.kb.published_item(&id).unwrap().unwrap().state, State::Published);
}

#[test]
fn working_lists_show_drafts_and_the_review_inbox() {
    let t = TestKb::new();
    let a = t.kb.create_item(&t.publisher, &t.content("Uno")).unwrap();
    let b = t.kb.create_item(&t.publisher, &t.content("Due")).unwrap();
    t.kb.submit_item(&t.publisher, &b, None).unwrap();
    let drafts = t.kb.working_items(&t.publisher, State::Draft, Some("paola")).unwrap();
    assert_eq!(drafts.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [a.as_str()]);
    let inbox = t.kb.working_items(&t.approver, State::InReview, None).unwrap();
    assert_eq!((inbox[0].id.as_str(), inbox[0].title.as_str()), (b.as_str(), "Due"));
}

#[test]
fn bulk_publication_in_one_transaction() {
    let t = TestKb::new();
    let items: Vec<_> = (0..50).map(|i| (None, t.content(&format!("Voce {i}")))).collect();
    let ids = t.kb.publish_bulk(&t.admin, &items, Some("caricamento iniziale")).unwrap();
    assert_eq!(ids.len(), 50);
    assert_eq!(t.kb.published_item(&ids[49]).unwrap().unwrap().state, State::Published);
    assert_eq!(t.kb.history(&t.admin, &ids[0]).unwrap()[0].kind, "import");
    // One bad row refuses the whole batch.
    let before = t.snapshot();
    let mut bad = items.clone();
    bad[10].1.answer.clear();
    assert!(matches!(t.kb.publish_bulk(&t.admin, &bad, None), Err(Error::MissingField { field: "answer" })));
    assert_eq!(t.snapshot(), before);
    assert!(matches!(t.kb.publish_bulk(&t.publisher, &items, None), Err(Error::Forbidden { .. })));
}

#[test]
fn item_view_joins_office_person_and_validity() {
    let t = TestKb::new();
    let mut c = t.content("Bando chiuso");
    c.valid_until = chrono::NaiveDate::from_ymd_opt(2025, 12, 31);
    let id = t.publish(&c);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let v = t.kb.item_view(&id, today).unwrap().unwrap();
    assert_eq!(v.office.unwrap().extension.as_deref(), Some("4291"));
    assert_eq!(v.person.unwrap().full_name(), "Lucia Rossi");
    assert_eq!(v.expired_on, chrono::NaiveDate::from_ymd_opt(2025, 12, 31));
    assert!(v.concept.is_some());
}
