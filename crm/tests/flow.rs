//! The CRM against a real store on disk: contacts, the whole Allegato A
//! path of tickets, clocks, call-backs, return calls and knowledge.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use crm::{
    Action, Channel, ContactInput, ContactKind, Crm, CrmConfig, Desk, Error, NewReturnCall, NewTicket, ResolvedAt, TicketFilter,
    TicketState,
};
use kb::{Actor, ItemContent, Kb, KbConfig, Level, Office, Person, Role};
use tempfile::TempDir;

struct World {
    _dir: TempDir,
    kb: Kb,
    crm: Crm,
    admin: Actor,
    l1: Actor,
    l2: Actor,
    tributi: Actor,
    sanita: Actor,
}

fn world() -> World {
    world_with(&CrmConfig::default())
}

fn world_with(config: &CrmConfig) -> World {
    let dir = tempfile::tempdir().unwrap();
    let kb = Kb::open(dir.path(), KbConfig::default()).unwrap();
    let admin = Actor::new("admin", [Role::Admin]);
    for (code, name) in [("DIP2-TRIB", "Servizio Tributi"), ("DIP3-SAN", "Servizio Sanità"), ("DIP4-AGR", "Servizio Agricoltura")] {
        kb.upsert_office(&admin, &Office { code: code.into(), name: name.into(), ..Default::default() }).unwrap();
    }
    kb.upsert_person(
        &admin,
        &Person {
            staff_number: "M1001".into(),
            given_name: "Lucia".into(),
            family_name: "Rossi".into(),
            office: Some("DIP2-TRIB".into()),
            ..Default::default()
        },
    )
    .unwrap();
    for (u, roles) in
        [("olga", vec![Role::OperatorL1]), ("luca", vec![Role::OperatorL2]), ("tina", vec![Role::Office]), ("sara", vec![Role::Office])]
    {
        kb.create_user(&admin, u, "password-123", &roles).unwrap();
    }
    kb.set_user_office(&admin, "tina", Some("DIP2-TRIB")).unwrap();
    kb.set_user_office(&admin, "sara", Some("DIP3-SAN")).unwrap();
    let crm = Crm::open(kb.clone(), config).unwrap();
    World {
        _dir: dir,
        crm,
        admin,
        l1: kb.authenticate("olga", "password-123").unwrap(),
        l2: kb.authenticate("luca", "password-123").unwrap(),
        tributi: kb.authenticate("tina", "password-123").unwrap(),
        sanita: kb.authenticate("sara", "password-123").unwrap(),
        kb,
    }
}

fn ticket(channel: Channel, text: &str) -> NewTicket {
    NewTicket {
        channel,
        contact: None,
        concept: None,
        description: text.into(),
        priority: Default::default(),
        level: None,
        received_at: None,
        related: Vec::new(),
        client_key: None,
    }
}

fn ask(w: &World, q: &str) -> bool {
    matches!(w.kb.query(&w.admin.roles, q).unwrap(), kb::QueryOutcome::Boolean(true))
}

fn snapshot(kb: &Kb) -> Vec<String> {
    let mut v: Vec<String> = kb.store().iter().map(|q| q.unwrap().to_string()).collect();
    v.sort();
    v
}

#[test]
fn contacts_are_found_by_phone_in_any_format_and_merged_with_their_tickets() {
    let w = world();
    let mario = w
        .crm
        .create_contact(
            &w.l1,
            &ContactInput {
                given_name: "Mario".into(),
                family_name: "Rossi".into(),
                phones: vec!["0874 4291".into()],
                emails: vec!["Mario.Rossi@Example.it".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(mario.phones, vec!["+3908744291"]);
    assert_eq!(mario.name, "Mario Rossi");
    let found = w.crm.find_by_phone(&w.l1, "+39 0874.4291").unwrap();
    assert_eq!(found.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![mario.id.as_str()]);
    assert_eq!(w.crm.find_by_email(&w.l1, "mario.rossi@example.IT").unwrap().len(), 1);
    assert!(w.crm.find_by_phone(&w.l1, "333 1234567").unwrap().is_empty());

    // A duplicate with a mobile number and a ticket of its own.
    let dup = w
        .crm
        .create_contact(
            &w.l1,
            &ContactInput { given_name: "M.".into(), family_name: "Rossi".into(), phones: vec!["3331234567".into()], ..Default::default() },
        )
        .unwrap();
    let t = w.crm.open_ticket(&w.l1, &NewTicket { contact: Some(dup.id.clone()), ..ticket(Channel::Phone, "bollo auto") }).unwrap();
    assert!(w.crm.merge_contacts(&w.l1, &mario.id, &dup.id).is_err(), "L1 may not merge");
    let kept = w.crm.merge_contacts(&w.l2, &mario.id, &dup.id).unwrap();
    assert_eq!(kept.phones, vec!["+3908744291", "+393331234567"]);
    assert_eq!(w.crm.find_by_phone(&w.l1, "3331234567").unwrap().iter().map(|c| c.id.clone()).collect::<Vec<_>>(), vec![mario.id.clone()]);
    let page = w.crm.ticket(&w.l1, &t.id).unwrap();
    assert_eq!(page.ticket.contact.as_deref(), Some(mario.id.as_str()), "the ticket moved to the contact that stays");
    let listed = w.crm.list_tickets(&w.l1, &TicketFilter { contact: Some(mario.id.clone()), ..Default::default() }).unwrap();
    assert_eq!(listed.total, 1);
    assert_eq!(w.crm.contact(&w.l1, &dup.id).unwrap().merged_into.as_deref(), Some(mario.id.as_str()));

    // Stale edits are refused, fresh ones apply.
    let input = ContactInput {
        kind: ContactKind::Person,
        given_name: "Mario".into(),
        family_name: "Rossi".into(),
        notes: "preferisce e-mail".into(),
        ..Default::default()
    };
    assert!(matches!(w.crm.update_contact(&w.l1, &mario.id, 1, &input), Err(Error::Stale { .. })));
    let updated = w.crm.update_contact(&w.l1, &mario.id, kept.version, &input).unwrap();
    assert_eq!(updated.notes, "preferisce e-mail");
    // Bad input changes nothing.
    let before = snapshot(&w.kb);
    assert!(w.crm.create_contact(&w.l1, &ContactInput { phones: vec!["12".into()], ..Default::default() }).is_err());
    assert!(
        w.crm.create_contact(&w.l1, &ContactInput { given_name: "X".into(), emails: vec!["x@".into()], ..Default::default() }).is_err()
    );
    assert_eq!(before, snapshot(&w.kb));
}

#[test]
fn viewing_a_contact_is_recorded_in_the_access_log() {
    let w = world();
    let c = w.crm.create_contact(&w.l1, &ContactInput { given_name: "Anna".into(), ..Default::default() }).unwrap();
    w.crm.contact(&w.l1, &c.id).unwrap();
    let q = format!(
        "ASK {{ GRAPH ?g {{ ?a a <https://w3id.org/centralino/ontology#Access> ; <http://www.w3.org/ns/prov#used> <{}> ; <https://w3id.org/centralino/ontology#reader> <{}> }} }}",
        w.crm.contact_iri(&c.id).as_str(),
        w.kb.agent_iri("olga").as_str()
    );
    assert!(ask(&w, &q));
}

#[test]
fn first_level_closes_at_first_contact() {
    let w = world();
    let t = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "Scadenza bollo auto")).unwrap();
    assert_eq!(t.id, format!("RS-{}-000001", Utc::now().format("%Y")));
    assert_eq!(t.state, TicketState::AtL1);
    assert_eq!(t.assignee.as_deref(), Some("olga"));
    assert!(matches!(w.crm.act(&w.l1, &t.id, Some(1), Action::Close { answer: " ".into() }), Err(Error::MissingField { field: "answer" })));
    let closed = w.crm.act(&w.l1, &t.id, Some(1), Action::Close { answer: "Scade a fine mese.".into() }).unwrap();
    assert_eq!(closed.state, TicketState::Closed);
    assert_eq!(closed.resolved_at, Some(ResolvedAt::L1));
    assert!(closed.first_contact_resolution);
    assert_eq!(closed.answer.as_deref(), Some("Scade a fine mese."));
    let second = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "altro")).unwrap();
    assert_eq!(second.id, format!("RS-{}-000002", Utc::now().format("%Y")));
}

#[test]
fn live_transfer_takes_the_ticket_to_the_second_level_operator() {
    let w = world();
    let t = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "Ricorso su accertamento IRAP")).unwrap();
    assert!(
        w.crm.act(&w.l1, &t.id, None, Action::TransferToL2 { operator: "olga".into(), comment: String::new() }).is_err(),
        "olga is not L2"
    );
    let t = w.crm.act(&w.l1, &t.id, None, Action::TransferToL2 { operator: "luca".into(), comment: "in linea".into() }).unwrap();
    assert_eq!((t.state, t.assignee.as_deref()), (TicketState::AtL2, Some("luca")));
    let t = w.crm.act(&w.l2, &t.id, None, Action::Close { answer: "Spiegata la procedura di ricorso.".into() }).unwrap();
    assert_eq!(t.resolved_at, Some(ResolvedAt::L2));
    assert!(!t.first_contact_resolution);
}

#[test]
fn the_whole_allegato_a_path_across_levels_and_offices() {
    let w = world();
    let contact = w
        .crm
        .create_contact(&w.l1, &ContactInput { given_name: "Giulia".into(), phones: vec!["333 7654321".into()], ..Default::default() })
        .unwrap();
    let t = w
        .crm
        .open_ticket(
            &w.l1,
            &NewTicket {
                contact: Some(contact.id.clone()),
                concept: Some("tributi-bollo-auto".into()),
                ..ticket(Channel::Phone, "Esenzione bollo per veicolo storico")
            },
        )
        .unwrap();
    // L1 cannot answer: to the L2 inbox.
    let t = w.crm.act(&w.l1, &t.id, Some(t.version), Action::AssignToL2 { comment: "trasferimento non riuscito".into() }).unwrap();
    assert_eq!(t.state, TicketState::L2Inbox);
    let inbox = w.crm.list_tickets(&w.l2, &TicketFilter { desk: Some(Desk::L2), ..Default::default() }).unwrap();
    assert_eq!(inbox.total, 1);
    // L1 cannot take from the inbox; L2 can.
    assert!(matches!(w.crm.act(&w.l1, &t.id, None, Action::Take), Err(Error::Forbidden { .. })));
    let t = w.crm.act(&w.l2, &t.id, None, Action::Take).unwrap();
    // Forwarded to the wrong office (sanità).
    assert!(matches!(
        w.crm.act(&w.l2, &t.id, None, Action::ForwardToOffice { office: "NOPE".into(), comment: String::new() }),
        Err(Error::NotFound { .. })
    ));
    let t = w.crm.act(&w.l2, &t.id, None, Action::ForwardToOffice { office: "DIP3-SAN".into(), comment: "competenza?".into() }).unwrap();
    assert_eq!((t.state, t.office.as_deref()), (TicketState::AtOffice, Some("DIP3-SAN")));
    // The office inbox: sanità sees it, tributi does not, whatever the filter.
    assert_eq!(w.crm.list_tickets(&w.sanita, &TicketFilter::default()).unwrap().total, 1);
    assert_eq!(w.crm.list_tickets(&w.tributi, &TicketFilter { office: Some("DIP3-SAN".into()), ..Default::default() }).unwrap().total, 0);
    assert!(matches!(w.crm.ticket(&w.tributi, &t.id), Err(Error::Forbidden { .. })));
    assert!(matches!(w.crm.act(&w.tributi, &t.id, None, Action::OfficeAnswer { answer: "x".into() }), Err(Error::Forbidden { .. })));
    // Rejection needs a reason.
    assert!(w.crm.act(&w.sanita, &t.id, None, Action::OfficeReject { reason: "".into(), suggested_office: None }).is_err());
    let t = w
        .crm
        .act(
            &w.sanita,
            &t.id,
            None,
            Action::OfficeReject { reason: "Non di nostra competenza".into(), suggested_office: Some("DIP2-TRIB".into()) },
        )
        .unwrap();
    assert_eq!(t.state, TicketState::L3Triage);
    assert!(w.crm.ticket(&w.sanita, &t.id).is_err(), "no longer the office's");
    // L3 triage (staffed by L2) proposes the right office.
    let triage = w.crm.list_tickets(&w.l2, &TicketFilter { desk: Some(Desk::L3), ..Default::default() }).unwrap();
    assert_eq!(triage.rows[0].ticket.id, t.id);
    let t = w
        .crm
        .act(&w.l2, &t.id, None, Action::ForwardToOffice { office: "DIP2-TRIB".into(), comment: "proposta III livello".into() })
        .unwrap();
    let t = w
        .crm
        .act(&w.tributi, &t.id, None, Action::OfficeAnswer { answer: "Esente se ultraventennale con certificato ASI.".into() })
        .unwrap();
    assert_eq!(t.state, TicketState::OfficeAnswered);
    // L2 calls back and closes.
    let cb = w.crm.schedule_callback(&w.l2, &t.id, Utc::now() + Duration::hours(1), "richiamare il pomeriggio", None).unwrap();
    assert_eq!(w.crm.callbacks(&w.l2, Some("luca"), None, true).unwrap().len(), 1);
    w.crm.complete_callback(&w.l2, &cb.id, "risposto, soddisfatta").unwrap();
    assert!(w.crm.callbacks(&w.l2, Some("luca"), None, true).unwrap().is_empty());
    let t = w.crm.ticket(&w.l2, &t.id).unwrap().ticket;
    let t =
        w.crm.act(&w.l2, &t.id, Some(t.version), Action::Close { answer: "Esente con certificato ASI: inviato modulo.".into() }).unwrap();
    assert_eq!((t.state, t.resolved_at), (TicketState::Closed, Some(ResolvedAt::Office)));
    // The page shows the whole path.
    let page = w.crm.ticket(&w.l2, &t.id).unwrap();
    let kinds: Vec<&str> = page.events.iter().map(|e| e.kind.as_str()).collect();
    for k in ["open", "assign_to_l2", "take", "forward_to_office", "office_reject", "office_answer", "note", "close"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let reject = page.events.iter().find(|e| e.kind == "office_reject").unwrap();
    assert_eq!((reject.actor.as_str(), reject.suggested_office.as_deref()), ("sara", Some("DIP2-TRIB")));
    assert_eq!(reject.comment.as_deref(), Some("Non di nostra competenza"));
    // Transitions not allowed from the current state.
    assert!(matches!(
        w.crm.act(&w.l2, &t.id, None, Action::ForwardToOffice { office: "DIP2-TRIB".into(), comment: String::new() }),
        Err(Error::IllegalTransition { .. })
    ));
    // A new contact reopens it.
    let t = w.crm.act(&w.l1, &t.id, None, Action::Reopen { comment: "richiama per chiarimento".into() }).unwrap();
    assert_eq!(t.state, TicketState::AtL1);
}

#[test]
fn concurrent_edits_are_refused_and_change_nothing() {
    let w = world();
    let t = w.crm.open_ticket(&w.l1, &ticket(Channel::Email, "richiesta")).unwrap();
    w.crm.act(&w.l1, &t.id, Some(t.version), Action::TakeInCharge).unwrap();
    let before = snapshot(&w.kb);
    let err = w.crm.act(&w.l1, &t.id, Some(t.version), Action::AssignToL2 { comment: String::new() }).unwrap_err();
    assert!(matches!(err, Error::Stale { .. }), "{err}");
    assert!(w.crm.act(&w.l2, &t.id, None, Action::Reject { reason: "  ".into() }).is_err());
    assert!(
        w.crm.act(&w.l2, &t.id, None, Action::ForwardToOffice { office: "DIP2-TRIB".into(), comment: String::new() }).is_err(),
        "not from at_l1"
    );
    assert_eq!(before, snapshot(&w.kb));
}

#[test]
fn incomplete_offline_request_gets_two_emails_then_a_new_contact_reopens() {
    let w = world();
    let c = w
        .crm
        .create_contact(&w.l1, &ContactInput { given_name: "Paolo".into(), emails: vec!["paolo@example.it".into()], ..Default::default() })
        .unwrap();
    let t = w
        .crm
        .open_ticket(&w.l1, &NewTicket { contact: Some(c.id.clone()), ..ticket(Channel::Email, "Vorrei informazioni sulla mia pratica") })
        .unwrap();
    assert_eq!(t.state, TicketState::New);
    let t = w.crm.act(&w.l1, &t.id, None, Action::RequestData { comment: "manca il numero di pratica".into() }).unwrap();
    assert_eq!((t.state, t.incomplete, t.resolved_at, t.data_requests), (TicketState::Incomplete, true, Some(ResolvedAt::L1), 1));
    assert!(t.taken_in_charge_at.is_some());
    let t = w.crm.act(&w.l1, &t.id, None, Action::CitizenReply { complete: false, text: "non ricordo".into() }).unwrap();
    assert_eq!(t.state, TicketState::Closed);
    assert!(t.answer.unwrap().contains("richiamare"));
    let t = w.crm.act(&w.l1, &t.id, None, Action::Reopen { comment: "ha chiamato con i dati".into() }).unwrap();
    assert_eq!(t.state, TicketState::AtL1);
    // Data requests are for offline requests only.
    let p = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "x")).unwrap();
    assert!(w.crm.act(&w.l1, &p.id, None, Action::RequestData { comment: String::new() }).is_err());
}

#[test]
fn offline_tickets_carry_sla_clocks_and_overdue_ones_are_flagged() {
    let w = world();
    // A voicemail left ten days ago, never taken in charge: overdue.
    let old = Utc::now() - Duration::days(10);
    let v =
        w.crm.open_ticket(&w.l1, &NewTicket { received_at: Some(old), ..ticket(Channel::Voicemail, "messaggio in segreteria") }).unwrap();
    let fresh = w.crm.open_ticket(&w.l1, &ticket(Channel::WebForm, "modulo dal portale")).unwrap();
    let phone = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "telefonata")).unwrap();
    let page = w.crm.ticket(&w.l1, &v.id).unwrap();
    assert_eq!(page.clocks.len(), 3);
    assert!(page.clocks.iter().all(|c| c.breached), "{:?}", page.clocks);
    let due = w.crm.clocks().deadlines(Channel::Voicemail, old).unwrap();
    let cal = w.crm.clocks().calendar();
    assert_eq!(due.take_in_charge, cal.add_working(cal.first_opening_after_day_of(old), Duration::hours(4)));
    assert!(w.crm.ticket(&w.l1, &phone.id).unwrap().clocks.is_empty());
    let overdue = w.crm.list_tickets(&w.l1, &TicketFilter { overdue: true, open: true, ..Default::default() }).unwrap();
    assert_eq!(overdue.rows.iter().map(|r| r.ticket.id.clone()).collect::<Vec<_>>(), vec![v.id.clone()]);
    // Most urgent first: the overdue voicemail, then the fresh web form, then the phone call.
    let queue = w.crm.list_tickets(&w.l1, &TicketFilter { open: true, ..Default::default() }).unwrap();
    assert_eq!(queue.rows.iter().map(|r| r.ticket.id.clone()).collect::<Vec<_>>(), vec![v.id, fresh.id, phone.id]);
    assert!(queue.rows[0].clocks[0].countdown().starts_with("scaduta"));
}

#[test]
fn the_board_is_rebuilt_from_the_graph_on_open() {
    let w = world();
    for i in 0..5 {
        w.crm.open_ticket(&w.l1, &ticket(if i % 2 == 0 { Channel::Email } else { Channel::Phone }, &format!("richiesta {i}"))).unwrap();
    }
    let again = Crm::open(w.kb.clone(), &CrmConfig::default()).unwrap();
    assert_eq!(again.board().len(), 5);
    let emails = again.list_tickets(&w.l1, &TicketFilter { channel: Some(Channel::Email), ..Default::default() }).unwrap();
    assert_eq!(emails.total, 3);
}

#[test]
fn return_calls_are_visible_to_the_employees_office() {
    let w = world();
    let rc = w
        .crm
        .create_return_call(
            &w.l1,
            &NewReturnCall {
                caller_name: "Sig. Bianchi".into(),
                phone: "0874 123456".into(),
                person: "M1001".into(),
                message: "richiamare per pratica 42".into(),
                contact: None,
            },
        )
        .unwrap();
    assert_eq!(rc.office.as_deref(), Some("DIP2-TRIB"));
    assert_eq!(w.crm.return_calls(&w.tributi, true).unwrap().len(), 1);
    assert!(w.crm.return_calls(&w.sanita, true).unwrap().is_empty());
    assert!(w.crm.complete_return_call(&w.sanita, &rc.id, "").is_err());
    w.crm.complete_return_call(&w.tributi, &rc.id, "richiamato").unwrap();
    assert!(w.crm.return_calls(&w.tributi, true).unwrap().is_empty());
    assert!(
        w.crm
            .create_return_call(
                &w.l1,
                &NewReturnCall { caller_name: "X".into(), phone: "0874 123456".into(), person: "NOBODY".into(), ..Default::default() }
            )
            .is_err()
    );
}

#[test]
fn knowledge_in_the_loop_links_suggests_proposes_and_reports_gaps() {
    let w = world();
    let publisher = Actor::new("paola", [Role::Publisher]);
    let content = ItemContent {
        title: "Esenzione bollo auto storiche".into(),
        answer: "Le auto ultraventennali con certificato sono esenti.".into(),
        keywords: vec!["bollo".into(), "storiche".into()],
        concept: Some(w.kb.iri("id/concept/tributi-bollo-auto").as_str().into()),
        level: Level::Base,
        ..Default::default()
    };
    let ids = w.kb.publish_bulk(&w.admin, &[(None, content)], None).unwrap();
    w.kb.wait_for_search(std::time::Duration::from_secs(5)).unwrap();
    let t = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "esenzione bollo auto storiche")).unwrap();
    let hits = w.crm.suggest_items(&w.l1, &t.id, 5).unwrap();
    assert_eq!(hits.first().map(|h| h.id.as_str()), Some(ids[0].as_str()));
    let t = w.crm.act(&w.l1, &t.id, None, Action::LinkItem { item: ids[0].clone() }).unwrap();
    assert_eq!(t.items, ids);
    assert!(w.crm.act(&w.l1, &t.id, None, Action::LinkItem { item: "PIL-9999".into() }).is_err());

    // Two escalated tickets on agriculture with no item: a gap.
    let mut closed = None;
    for text in ["contributo PSR giovani agricoltori scadenza", "bando PSR giovani agricoltori documenti"] {
        let t = w.crm.open_ticket(&w.l1, &NewTicket { concept: Some("agricoltura".into()), ..ticket(Channel::Phone, text) }).unwrap();
        let t = w.crm.act(&w.l1, &t.id, None, Action::TransferToL2 { operator: "luca".into(), comment: String::new() }).unwrap();
        closed = Some(w.crm.act(&w.l2, &t.id, None, Action::Close { answer: "Il bando chiude il 30 giugno.".into() }).unwrap());
    }
    let report = w.crm.gap_report(&w.l2, Utc::now() - Duration::days(1), Utc::now() + Duration::days(1)).unwrap();
    assert_eq!((report.escalated, report.without_items), (2, 2));
    let cluster = &report.clusters[0];
    assert_eq!(cluster.tickets, 2);
    let terms: Vec<&str> = cluster.terms.iter().map(|t| t.term.as_str()).collect();
    assert!(terms.contains(&"agricoltori") && terms.contains(&"giovani"), "{terms:?}");

    // Propose as knowledge: only resolved at L2, becomes a draft with provenance.
    assert!(w.crm.propose_knowledge(&w.l2, &t.id, "").is_err(), "the first ticket is still at L1");
    let closed = closed.unwrap();
    assert!(w.crm.propose_knowledge(&w.l1, &closed.id, "").is_err(), "L1 may not propose");
    let draft = w.crm.propose_knowledge(&w.l2, &closed.id, "Scadenza bando PSR giovani agricoltori").unwrap();
    let item = w.kb.current_item(&publisher, &draft).unwrap();
    assert_eq!(item.content.answer, "Il bando chiude il 30 giugno.");
    let q = format!("ASK {{ GRAPH ?g {{ ?rev <http://www.w3.org/ns/prov#wasDerivedFrom> <{}> }} }}", w.crm.ticket_iri(&closed.id).as_str());
    assert!(ask(&w, &q));
}

#[test]
fn roles_are_checked_everywhere() {
    let w = world();
    let analyst = Actor::new("anna", [Role::Analyst]);
    let publisher = Actor::new("paola", [Role::Publisher]);
    assert!(matches!(w.crm.open_ticket(&analyst, &ticket(Channel::Phone, "x")), Err(Error::Forbidden { .. })));
    assert!(matches!(
        w.crm.create_contact(&publisher, &ContactInput { given_name: "x".into(), ..Default::default() }),
        Err(Error::Forbidden { .. })
    ));
    let t = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "x")).unwrap();
    assert!(matches!(w.crm.ticket(&analyst, &t.id), Err(Error::Forbidden { .. })));
    assert!(matches!(w.crm.list_tickets(&publisher, &TicketFilter::default()), Err(Error::Forbidden { .. })));
    assert!(matches!(w.crm.act(&w.tributi, &t.id, None, Action::Close { answer: "x".into() }), Err(Error::Forbidden { .. })));
    // Office staff without an office see nothing.
    let lost = Actor::new("nessuno", [Role::Office]);
    assert_eq!(w.crm.list_tickets(&lost, &TicketFilter::default()).unwrap().total, 0);
}

/// A real SMTP server on loopback (Python's aiosmtpd) writing what it
/// receives into a maildir; `None` when the tool is missing and not required.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
    maildir: TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn smtp_server(port: u16) -> Option<SmtpServer> {
    let has = std::process::Command::new("python3").args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
    if !has {
        assert!(
            std::env::var_os("CENTRALINO_REQUIRE_PYTHON_TOOLS").is_none(),
            "aiosmtpd is required: pip install -r crm/tests/requirements.txt"
        );
        eprintln!("skipping: Python aiosmtpd not installed (pip install -r crm/tests/requirements.txt)");
        return None;
    }
    let maildir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path().join("box"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "aiosmtpd did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Some(SmtpServer { child, port, maildir })
}

impl SmtpServer {
    /// The raw messages received, oldest first.
    fn received(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.path().join("box").join(sub)) {
                let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
                files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
                out.extend(files.iter().map(|p| std::fs::read_to_string(p).unwrap()));
            }
        }
        out
    }
}

fn mail_config(port: u16) -> CrmConfig {
    CrmConfig {
        mail: crm::MailConfig { host: "127.0.0.1".into(), port, tls: crm::TlsMode::None, retry_secs: 1, ..Default::default() },
        ..Default::default()
    }
}

#[test]
fn incomplete_request_emails_reach_a_real_smtp_server_and_failures_are_retried() {
    let port = free_port();
    // The server is down at first: the message stays queued with the error.
    let w = world_with(&mail_config(port));
    let c = w
        .crm
        .create_contact(&w.l1, &ContactInput { given_name: "Paolo".into(), emails: vec!["paolo@example.it".into()], ..Default::default() })
        .unwrap();
    let t = w
        .crm
        .open_ticket(&w.l1, &NewTicket { contact: Some(c.id.clone()), ..ticket(Channel::Email, "Vorrei informazioni sulla mia pratica") })
        .unwrap();
    // No address, no data request: nothing written.
    let anon = w.crm.open_ticket(&w.l1, &ticket(Channel::Fax, "fax illeggibile")).unwrap();
    let before = snapshot(&w.kb);
    let err = w.crm.act(&w.l1, &anon.id, None, Action::RequestData { comment: String::new() }).unwrap_err();
    assert!(err.to_string().contains("requester"), "{err}");
    assert_eq!(before, snapshot(&w.kb));

    w.crm.act(&w.l1, &t.id, None, Action::RequestData { comment: "il numero di pratica".into() }).unwrap();
    assert_eq!(w.crm.deliver_pending().unwrap(), 0);
    let queued = w.crm.messages(&w.l1, &t.id).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].delivery, queued[0].attempts), (crm::Delivery::Pending, 1));
    assert!(queued[0].last_error.is_some());

    let Some(server) = smtp_server(port) else { return };
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(w.crm.deliver_pending().unwrap(), 1, "retried once the server is up");
    w.crm.act(&w.l1, &t.id, None, Action::CitizenReply { complete: false, text: "non ricordo".into() }).unwrap();
    assert_eq!(w.crm.deliver_pending().unwrap(), 1);
    let msgs = w.crm.messages(&w.l1, &t.id).unwrap();
    assert!(msgs.iter().all(|m| m.delivery == crm::Delivery::Sent && m.sent_at.is_some()), "{msgs:?}");
    let got = server.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].contains("To: paolo@example.it") && got[0].contains("il numero di pratica"), "{}", got[0]);
    assert!(got[0].contains(&format!("Subject: Richiesta {}", t.id)));
    assert!(
        got[1].contains("la invitiamo a contattarci") || got[1].contains("la_invitiamo") || got[1].contains("contattarci"),
        "{}",
        got[1]
    );
    assert_eq!(server.port, port);
}

#[test]
fn history_loads_in_bulk_and_numbering_continues_after_it() {
    let w = world();
    let year = Utc::now().format("%Y").to_string().parse::<i32>().unwrap();
    let mut batch = crm::HistoryBatch::default();
    batch.contacts.push((
        "00000000000000aa".into(),
        ContactInput { given_name: "Storico".into(), phones: vec!["0874 111222".into()], ..Default::default() },
    ));
    for n in 1..=3u32 {
        let open = w.crm.open_ticket(&w.l1, &ticket(Channel::Email, "modello")).unwrap();
        let mut t = open.clone();
        t.id = crm::TicketId { year, number: 100 + n }.to_string();
        t.contact = Some("00000000000000aa".into());
        let events = vec![crm::TicketEvent {
            at: t.received_at,
            actor: "storico".into(),
            kind: "open".into(),
            from: None,
            to: Some(TicketState::New),
            comment: Some("importata".into()),
            office: None,
            suggested_office: None,
        }];
        batch.tickets.push((t, events));
    }
    assert!(w.crm.import_history(&w.l1, &batch).is_err(), "administrators only");
    let quads = w.crm.import_history(&w.admin, &batch).unwrap();
    assert!(quads > 30);
    assert_eq!(w.crm.find_by_phone(&w.l1, "0874111222").unwrap().len(), 1);
    let page = w.crm.ticket(&w.l1, &format!("RS-{year}-000102")).unwrap();
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.contact.map(|c| c.name).as_deref(), Some("Storico"));
    // Loading the same again is refused whole.
    assert!(w.crm.import_history(&w.admin, &batch).is_err());
    // New tickets number after the history.
    let next = w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "dopo")).unwrap();
    assert_eq!(next.id, format!("RS-{year}-000104"));
    let again = Crm::open(w.kb.clone(), &CrmConfig::default()).unwrap();
    assert_eq!(again.board().len(), 7);
}

#[test]
fn a_ticket_sent_again_with_its_client_key_is_not_duplicated() {
    let w = world();
    let key = "0b7f3c9e-2a41-4c1e-9d55-6f1f0a9b8c12";
    let earlier = Utc::now() - Duration::minutes(30);
    let new =
        NewTicket { client_key: Some(key.into()), received_at: Some(earlier), ..ticket(Channel::Phone, "registrata senza connessione") };
    let a = w.crm.open_ticket(&w.l1, &new).unwrap();
    let b = w.crm.open_ticket(&w.l1, &new).unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(w.crm.board().len(), 1);
    assert_eq!(a.received_at.timestamp(), earlier.timestamp(), "the time it was recorded, not the time it arrived");
    // The key survives later steps, so a late resend still finds the ticket.
    w.crm.act(&w.l1, &a.id, None, Action::Close { answer: "ok".into() }).unwrap();
    assert_eq!(w.crm.open_ticket(&w.l1, &new).unwrap().id, a.id);
    let bad = NewTicket { client_key: Some("<script>".into()), ..ticket(Channel::Phone, "x") };
    assert!(w.crm.open_ticket(&w.l1, &bad).is_err());
}

#[test]
fn attachments_are_sniffed_stored_once_and_read_with_the_ticket_rights() {
    let config = CrmConfig { max_attachment_bytes: 64 * 1024, ..CrmConfig::default() };
    let w = world_with(&config);
    let t = w.crm.open_ticket(&w.l1, &ticket(Channel::Email, "domanda con allegati")).unwrap();
    let eml = concat!(
        "From: Anna Verdi <anna@example.it>\r\nSubject: Domanda contributo\r\nDate: Thu, 26 Nov 2026 10:00:00 +0100\r\n",
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n",
        "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAllego la domanda firmata.\r\n",
        "--XX\r\nContent-Type: application/pdf; name=\"domanda.pdf\"\r\nContent-Disposition: attachment; filename=\"domanda.pdf\"\r\n",
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJeLjz9MK\r\n",
        "--XX\r\nContent-Type: application/octet-stream; name=\"setup.exe\"\r\nContent-Disposition: attachment; filename=\"setup.exe\"\r\n",
        "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AAA==\r\n--XX--\r\n"
    );
    // The name says PDF; the bytes say e-mail.
    let a = w.crm.attach(&w.l1, &t.id, "fax.pdf", eml.as_bytes()).unwrap();
    assert_eq!(a.mime, "message/rfc822");
    assert_eq!(a.email.as_ref().map(|e| e.subject.as_str()), Some("Domanda contributo"));
    let all = w.crm.attachments(&w.l1, &t.id).unwrap();
    let names: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["fax.pdf", "domanda.pdf"], "the PDF part is extracted, the executable is not");
    let pdf = &all[1];
    assert_eq!((pdf.mime.as_str(), pdf.part_of.as_deref()), ("application/pdf", Some(a.id.as_str())));
    let (_, bytes) = w.crm.attachment(&w.l1, &t.id, &pdf.id).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    // The same contents again: stored once.
    w.crm.attach(&w.l1, &t.id, "copia.eml", eml.as_bytes()).unwrap();
    let blobs = walk(&w.kb.data_dir().join("blobs"));
    assert_eq!(blobs, 2, "one e-mail and one PDF on disk");
    // Refusals change nothing.
    let before = snapshot(&w.kb);
    assert!(w.crm.attach(&w.l1, &t.id, "x.exe", b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0").is_err());
    assert!(
        w.crm
            .attach(&w.l1, &t.id, "big.txt", &vec![b'a'; 64 * 1024 + 1])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .contains("limit")
    );
    assert!(w.crm.attach(&w.l1, &t.id, "page.html", b"<html><body onload=alert(1)>").is_err());
    assert_eq!(before, snapshot(&w.kb));
    // Rights: an office that does not hold the ticket reads nothing.
    assert!(matches!(w.crm.attachment(&w.tributi, &t.id, &pdf.id), Err(Error::Forbidden { .. })));
    assert!(matches!(w.crm.attachment(&w.l1, "RS-2026-999999", &pdf.id), Err(Error::NotFound { .. })));
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| if e.path().is_dir() { walk(&e.path()) } else { usize::from(!e.file_name().to_string_lossy().starts_with('.')) })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_clean_shutdown_saves_the_board_and_any_later_write_invalidates_it() {
    let w = world();
    for i in 0..3 {
        w.crm.open_ticket(&w.l1, &ticket(Channel::Email, &format!("richiesta {i}"))).unwrap();
    }
    w.crm.save_board().unwrap();
    let path = w.kb.data_dir().join("crm-board.bin");
    assert!(path.exists());
    // Restored, and the file is consumed (a crash afterwards leaves none).
    let again = Crm::open(w.kb.clone(), &CrmConfig::default()).unwrap();
    assert_eq!(again.board().len(), 3);
    assert!(!path.exists());
    let listed = again.list_tickets(&w.l1, &TicketFilter { channel: Some(Channel::Email), open: true, ..Default::default() }).unwrap();
    assert_eq!(listed.total, 3);
    assert_eq!(listed.rows[0].clocks.len(), 3, "deadlines restored");
    // Saved, then a write: the snapshot is stale and the board is rebuilt.
    again.save_board().unwrap();
    w.crm.open_ticket(&w.l1, &ticket(Channel::Phone, "dopo il salvataggio")).unwrap();
    assert_eq!(Crm::open(w.kb.clone(), &CrmConfig::default()).unwrap().board().len(), 4);
    // Other clock settings: rebuilt too (deadlines depend on them).
    again.save_board().unwrap();
    let other = CrmConfig { sla: crm::SlaConfig { take_in_charge_hours: 2, ..Default::default() }, ..CrmConfig::default() };
    assert_eq!(Crm::open(w.kb.clone(), &other).unwrap().board().len(), 4);
    // A damaged file is ignored.
    std::fs::write(&path, b"CCBOARD1garbage").unwrap();
    assert_eq!(Crm::open(w.kb.clone(), &CrmConfig::default()).unwrap().board().len(), 4);
}
