//! The store: per-role graph isolation, inference kept current on every
//! write, persistence across reopen, locking, ontology upgrade, the
//! classification tree and organisation chart, access log and accounts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestKb, open_in};
use kb::{Actor, Error, Graph, NewConcept, QueryOutcome, Role, RoleSet};

fn select(t: &TestKb, roles: &[Role], q: &str) -> Vec<Vec<String>> {
    match t.kb.query(&RoleSet::new(roles.iter().copied()), q).unwrap() {
        QueryOutcome::Solutions { rows, .. } => {
            rows.into_iter().map(|r| r.into_iter().map(|t| t.map(|t| t.to_string()).unwrap_or_default()).collect()).collect()
        }
        other => panic!("not a SELECT: {other:?}"),
    }
}

fn ask(t: &TestKb, roles: &[Role], q: &str) -> bool {
    matches!(t.kb.query(&RoleSet::new(roles.iter().copied()), q).unwrap(), QueryOutcome::Boolean(true))
}

fn put_in_crm(t: &TestKb) -> String {
    let crm = t.kb.graph(Graph::Crm).as_str().to_owned();
    t.kb.update(&t.admin, &format!("INSERT DATA {{ GRAPH <{crm}> {{ <urn:x:citizen> <urn:x:phone> \"3331234567\" }} }}")).unwrap();
    crm
}

#[test]
fn analysts_never_reach_personal_data_whatever_the_query() {
    let t = TestKb::new();
    let crm = put_in_crm(&t);
    let audit = t.kb.graph(Graph::Audit).as_str().to_owned();
    for q in [
        "ASK { ?s <urn:x:phone> ?o }".to_owned(),
        "ASK { GRAPH ?g { ?s <urn:x:phone> ?o } }".to_owned(),
        format!("ASK FROM <{crm}> {{ ?s <urn:x:phone> ?o }}"),
        format!("ASK FROM NAMED <{crm}> {{ GRAPH ?g {{ ?s <urn:x:phone> ?o }} }}"),
        format!("ASK {{ GRAPH <{crm}> {{ ?s ?p ?o }} }}"),
        format!("ASK {{ GRAPH <{audit}> {{ ?s ?p ?o }} }}"),
    ] {
        assert!(!ask(&t, &[Role::Analyst], &q), "analyst saw personal data with {q}");
        assert!(!ask(&t, &[Role::Publisher], &q), "publisher saw personal data with {q}");
    }
    assert!(ask(&t, &[Role::OperatorL1], "ASK { ?s <urn:x:phone> ?o }"));
    assert!(ask(&t, &[Role::Admin], "ASK { GRAPH ?g { ?s <urn:x:phone> ?o } }"));
    // The graphs an analyst can name are exactly the public ones.
    let graphs = select(&t, &[Role::Analyst], "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g");
    let names: Vec<String> = graphs.into_iter().map(|r| r[0].clone()).collect();
    for g in [Graph::Crm, Graph::Telephony, Graph::Audit, Graph::KbWorkspace, Graph::Accounts] {
        assert!(!names.contains(&format!("<{}>", t.kb.graph(g).as_str())), "{g:?} in {names:?}");
    }
    assert!(names.contains(&format!("<{}>", t.kb.graph(Graph::KbPublished).as_str())) || names.len() >= 3);
}

#[test]
fn drafts_are_visible_to_publishers_only() {
    let t = TestKb::new();
    t.kb.create_item(&t.publisher, &t.content("Segreta")).unwrap();
    let q = "ASK { ?r <http://purl.org/dc/terms/title> \"Segreta\"@it }";
    assert!(ask(&t, &[Role::Publisher], q));
    assert!(!ask(&t, &[Role::Analyst], q));
    assert!(!ask(&t, &[Role::OperatorL1], q));
}

#[test]
fn nobody_reads_or_writes_accounts_with_sparql() {
    let t = TestKb::new();
    t.kb.create_user(&t.admin, "mario", "password-lunga", &[Role::OperatorL1]).unwrap();
    assert!(!ask(&t, &[Role::Admin], "ASK { GRAPH ?g { ?s <https://w3id.org/centralino/ontology#passwordHash> ?h } }"));
    let accounts = t.kb.graph(Graph::Accounts).as_str().to_owned();
    let err = t.kb.update(&t.admin, &format!("DROP GRAPH <{accounts}>")).unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    assert!(matches!(t.kb.update(&t.admin, "CLEAR ALL"), Err(Error::Forbidden { .. })));
    assert!(t.kb.authenticate("mario", "password-lunga").is_ok());
    assert!(matches!(t.kb.update(&t.publisher, "CLEAR ALL"), Err(Error::Forbidden { .. })));
}

#[test]
fn malformed_sparql_names_the_position() {
    let t = TestKb::new();
    let err = t.kb.query(&RoleSet::new([Role::Analyst]), "SELECT ?x WHERE { ?x ?y }").unwrap_err();
    assert!(matches!(err, Error::SparqlSyntax(_)));
    assert!(err.to_string().contains("1:"), "{err}");
}

#[test]
fn result_cap_is_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let kb = kb::Kb::open(dir.path(), kb::KbConfig { sparql_max_rows: 5, ..Default::default() }).unwrap();
    let err = kb.query(&RoleSet::new([Role::Analyst]), "SELECT * WHERE { ?s ?p ?o }").unwrap_err();
    assert!(matches!(err, Error::ResultTooLarge { limit: 5 }));
}

#[test]
fn items_of_a_sub_area_are_found_by_querying_the_area() {
    let t = TestKb::new();
    let (sub, top) = t.sub_concept();
    let mut c = t.content("Esenzione");
    c.concept = Some(sub.clone());
    let id = t.publish(&c);
    let q = format!(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dct: <http://purl.org/dc/terms/>
         SELECT ?id WHERE {{ ?i dct:subject ?c ; dct:identifier ?id . ?c skos:broaderTransitive <{top}> }}"
    );
    assert_eq!(select(&t, &[Role::Analyst], &q), vec![vec![format!("\"{id}\"")]]);
    // Moving the sub-area elsewhere updates the entailment.
    let other = t.kb.concept_tree(t.kb.areas_scheme().as_str()).unwrap().into_iter().find(|n| n.concept.iri != top).unwrap().concept.iri;
    t.kb.move_concept(&t.admin, &sub, Some(&other)).unwrap();
    assert!(select(&t, &[Role::Analyst], &q).is_empty());
    let q2 = q.replace(&top, &other);
    assert_eq!(select(&t, &[Role::Analyst], &q2).len(), 1);
}

#[test]
fn inference_rules_with_the_real_ontology() {
    let t = TestKb::new();
    let id = t.published("Regole");
    let item = t.kb.iri(&format!("id/kb/{id}")).as_str().to_owned();
    let office = t.kb.office_iri("DIP2-TRIB").as_str().to_owned();
    let parent = t.kb.office_iri("DIP2").as_str().to_owned();
    let person = t.kb.person_iri("M1001").as_str().to_owned();
    let (sub, top) = t.sub_concept();
    let inferred = t.kb.graph(Graph::Inferred).as_str().to_owned();
    let cases = [
        // subClassOf: an item is a prov:Entity; an organisational unit an org:Organization.
        format!("ASK {{ GRAPH <{inferred}> {{ <{item}> a <http://www.w3.org/ns/prov#Entity> }} }}"),
        format!("ASK {{ GRAPH <{inferred}> {{ <{office}> a <http://www.w3.org/ns/org#Organization> }} }}"),
        // subPropertyOf: validFrom... webLink is an rdfs:seeAlso.
        format!(
            "ASK {{ GRAPH <{inferred}> {{ <{item}> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <https://www.regione.example/bollo> }} }}"
        ),
        // range: the contact person is a vcard:Individual typed by range (also asserted) and the level a cc:Level.
        format!(
            "ASK {{ GRAPH <{inferred}> {{ <https://w3id.org/centralino/ontology#LevelBase> a <https://w3id.org/centralino/ontology#Level> }} }}"
        ),
        // inverseOf: org:hasMember from org:memberOf; org:hasSubOrganization from subOrganizationOf.
        format!("ASK {{ GRAPH <{inferred}> {{ <{office}> <http://www.w3.org/ns/org#hasMember> <{person}> }} }}"),
        format!("ASK {{ GRAPH <{inferred}> {{ <{parent}> <http://www.w3.org/ns/org#hasSubOrganization> <{office}> }} }}"),
        // transitive: transitiveSubOrganizationOf, broaderTransitive and its inverse.
        format!("ASK {{ GRAPH <{inferred}> {{ <{office}> <http://www.w3.org/ns/org#transitiveSubOrganizationOf> <{parent}> }} }}"),
        format!("ASK {{ GRAPH <{inferred}> {{ <{sub}> <http://www.w3.org/2004/02/skos/core#broaderTransitive> <{top}> }} }}"),
        format!("ASK {{ GRAPH <{inferred}> {{ <{top}> <http://www.w3.org/2004/02/skos/core#narrowerTransitive> <{sub}> }} }}"),
        format!("ASK {{ GRAPH <{inferred}> {{ <{top}> <http://www.w3.org/2004/02/skos/core#narrower> <{sub}> }} }}"),
    ];
    for q in &cases {
        assert!(ask(&t, &[Role::Analyst], q), "not entailed: {q}");
    }
    // Deleting the person removes what it entailed.
    let mut c = t.content("Regole");
    c.person = None;
    t.kb.edit_item(&t.publisher, &id, 1, &c).unwrap();
    t.kb.submit_item(&t.publisher, &id, None).unwrap();
    t.kb.approve_item(&t.approver, &id, None).unwrap();
    t.kb.delete_person(&t.admin, "M1001").unwrap();
    assert!(!ask(&t, &[Role::Analyst], &cases[4]), "hasMember must go with the person");
    // Three levels: a sub-office of a sub-office is transitively under the department.
    t.kb.upsert_office(
        &t.admin,
        &kb::Office { code: "DIP2-TRIB-U1".into(), name: "Ufficio bollo".into(), parent: Some("DIP2-TRIB".into()), ..Default::default() },
    )
    .unwrap();
    let u1 = t.kb.office_iri("DIP2-TRIB-U1").as_str().to_owned();
    assert!(ask(&t, &[Role::Analyst], &format!("ASK {{ <{u1}> <http://www.w3.org/ns/org#transitiveSubOrganizationOf> <{parent}> }}")));
    // Cycles in the org chart are refused.
    let err =
        t.kb.upsert_office(
            &t.admin,
            &kb::Office { code: "DIP2".into(), name: "x".into(), parent: Some("DIP2-TRIB-U1".into()), ..Default::default() },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Cycle { .. }), "{err}");
}

#[test]
fn inferred_graph_matches_a_full_recomputation_after_many_writes() {
    let t = TestKb::new();
    for i in 0..5 {
        t.published(&format!("Voce {i}"));
    }
    let (sub, _) = t.sub_concept();
    t.kb.move_concept(&t.admin, &sub, None).unwrap();
    t.kb.archive_item(&t.admin, "PIL-0002", None).unwrap();
    let incremental = inferred(&t);
    t.kb.recompute_inferences().unwrap();
    assert_eq!(incremental, inferred(&t));
}

fn inferred(t: &TestKb) -> Vec<String> {
    let mut v: Vec<String> =
        t.kb.store()
            .quads_for_pattern(None, None, None, Some(t.kb.graph(Graph::Inferred).into()))
            .map(|q| q.unwrap().to_string())
            .collect();
    v.sort();
    v
}

#[test]
fn bulk_writes_infer_like_a_full_recomputation() {
    let t = TestKb::new();
    t.published("Voce esistente");
    let (sub, top) = t.sub_concept();
    // One bulk write creates a concept under a sub-area (it feeds
    // skos:broaderTransitive) and publishes items classified under it.
    let (concept, ids) =
        t.kb.write_bulk(|w| {
            assert!(w.is_bulk());
            let new = NewConcept {
                scheme: t.kb.areas_scheme().as_str().into(),
                parent: Some(sub.clone()),
                label: "Esenzioni per reddito".into(),
                ..Default::default()
            };
            let concept = t.kb.create_concept_in(w, &t.admin, &new)?;
            // An office under an existing one (transitive
            // org:subOrganizationOf and its inverse) with a member
            // (org:memberOf and its inverse), named by some items.
            let office = kb::Office {
                code: "DIP2-TRIB-ESE".into(),
                name: "Ufficio esenzioni".into(),
                parent: Some("DIP2-TRIB".into()),
                email: Some("esenzioni@regione.example".into()),
                ..Default::default()
            };
            t.kb.upsert_office_in(w, &t.admin, &office)?;
            let person = kb::Person {
                staff_number: "M2002".into(),
                given_name: "Anna".into(),
                family_name: "Neri".into(),
                office: Some("DIP2-TRIB-ESE".into()),
                ..Default::default()
            };
            t.kb.upsert_person_in(w, &t.admin, &person)?;
            let mut ids = Vec::new();
            for i in 0..20 {
                let mut c = t.content(&format!("Voce {i}"));
                c.concept = Some(concept.clone());
                if i % 2 == 0 {
                    c.office = Some(t.kb.office_iri("DIP2-TRIB-ESE").as_str().into());
                    c.person = Some(t.kb.person_iri("M2002").as_str().into());
                }
                ids.push(t.kb.create_item_in(w, &t.admin, None, &c, kb::State::Published, None)?);
            }
            Ok((concept, ids))
        })
        .unwrap();
    assert_eq!(ids.len(), 20);
    assert_eq!(t.kb.published_item(&ids[19]).unwrap().unwrap().content.title, "Voce 19");
    let q = format!(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dct: <http://purl.org/dc/terms/>
         SELECT ?id WHERE {{ ?i dct:subject ?c ; dct:identifier ?id . ?c skos:broaderTransitive <{top}> }}"
    );
    assert_eq!(select(&t, &[Role::Analyst], &q).len(), 20, "items of {concept} are found under the top area");
    let bulk = inferred(&t);
    t.kb.recompute_inferences().unwrap();
    assert_eq!(bulk, inferred(&t));
}

#[test]
fn a_bulk_write_that_changes_stored_data_runs_as_a_transaction() {
    let t = TestKb::new();
    let id = t.published("Voce");
    let before = t.kb.generation().unwrap();
    let mut runs = Vec::new();
    let n =
        t.kb.write_bulk(|w| {
            runs.push(w.is_bulk());
            let mut c = t.content("Nuova");
            c.answer = "Risposta nuova".into();
            t.kb.create_item_in(w, &t.admin, None, &c, kb::State::Published, None)?;
            // An import over an existing item replaces its published content.
            let act = t.kb.batch_activity_in(w, &t.admin, "import", None);
            t.kb.republish_in(w, &t.admin, &id, &t.content("Voce aggiornata"), &act)
        })
        .unwrap();
    assert_eq!(runs, [true, false], "the bulk attempt is dropped and the write runs again as a transaction");
    assert_eq!(n, Some(2));
    assert_eq!(t.kb.published_item(&id).unwrap().unwrap().content.title, "Voce aggiornata");
    assert!(t.kb.generation().unwrap() > before);
    let incremental = inferred(&t);
    t.kb.recompute_inferences().unwrap();
    assert_eq!(incremental, inferred(&t));
}

#[test]
fn a_failed_bulk_write_leaves_the_graph_unchanged() {
    let t = TestKb::new();
    t.published("Voce");
    let before = t.snapshot();
    let err =
        t.kb.write_bulk(|w| {
            for i in 0..10 {
                t.kb.create_item_in(w, &t.admin, None, &t.content(&format!("Voce {i}")), kb::State::Published, None)?;
            }
            let mut bad = t.content("Senza risposta");
            bad.answer.clear();
            t.kb.create_item_in(w, &t.admin, None, &bad, kb::State::Published, None)
        })
        .unwrap_err();
    assert!(matches!(err, Error::MissingField { field: "answer" }), "{err}");
    assert_eq!(t.snapshot(), before);
}

#[test]
fn data_survives_reopen_and_the_directory_is_locked() {
    let t = TestKb::new();
    let id = t.published("Persistente");
    let path = t.dir.path().to_owned();
    let err = kb::Kb::open(&path, kb::KbConfig::default()).unwrap_err();
    assert!(matches!(err, Error::DataDirLocked { .. }), "{err}");
    assert!(err.to_string().contains("in use"));
    drop(t.kb);
    let kb = open_in(&path);
    assert_eq!(kb.published_item(&id).unwrap().unwrap().content.title, "Persistente");
    assert_eq!(
        kb.create_item(&Actor::new("p", [Role::Publisher]), &kb::ItemContent { title: "Dopo".into(), ..Default::default() }).unwrap(),
        "PIL-0002"
    );
    drop(kb);
    let err = kb::Kb::open(&path, kb::KbConfig { base_iri: "https://altro.example/".into(), ..Default::default() }).unwrap_err();
    assert!(matches!(err, Error::ConfigMismatch { field: "base_iri", .. }));
    drop(t.dir);
}

#[test]
fn ontology_is_upgraded_without_touching_data_graphs() {
    let t = TestKb::new();
    let id = t.published("Dati");
    let ontology = t.kb.graph(Graph::Ontology).as_str().to_owned();
    // Simulate an older ontology: drop part of it and add a stale triple.
    t.kb.update(&t.admin, &format!("DELETE WHERE {{ GRAPH <{ontology}> {{ <http://www.w3.org/2004/02/skos/core#broader> ?p ?o }} }}; INSERT DATA {{ GRAPH <{ontology}> {{ <urn:old> <urn:old> <urn:old> }} }}")).unwrap();
    let concept_label_before = t.kb.concepts(None).unwrap();
    let path = t.dir.path().to_owned();
    drop(t.kb);
    let kb = open_in(&path);
    assert!(!matches!(
        kb.query(&RoleSet::new([Role::Admin]), &format!("ASK {{ GRAPH <{ontology}> {{ <urn:old> ?p ?o }} }}")).unwrap(),
        QueryOutcome::Boolean(true)
    ));
    assert!(matches!(
        kb.query(
            &RoleSet::new([Role::Admin]),
            &format!("ASK {{ GRAPH <{ontology}> {{ <http://www.w3.org/2004/02/skos/core#broader> ?p ?o }} }}")
        )
        .unwrap(),
        QueryOutcome::Boolean(true)
    ));
    assert_eq!(kb.published_item(&id).unwrap().unwrap().content.title, "Dati");
    assert_eq!(kb.concepts(None).unwrap(), concept_label_before, "the taxonomy is not reseeded");
}

#[test]
fn classification_tree_operations() {
    let t = TestKb::new();
    let scheme = t.kb.areas_scheme().as_str().to_owned();
    let top = t.top_concept();
    let a =
        t.kb.create_concept(
            &t.admin,
            &NewConcept {
                scheme: scheme.clone(),
                parent: Some(top.clone()),
                label: "Caccia e pesca".into(),
                alt_labels: vec!["licenza di caccia".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert!(a.ends_with("id/concept/caccia-e-pesca"));
    let b =
        t.kb.create_concept(
            &t.admin,
            &NewConcept { scheme: scheme.clone(), parent: Some(a.clone()), label: "Tesserino venatorio".into(), ..Default::default() },
        )
        .unwrap();
    // No cycles.
    assert!(matches!(t.kb.move_concept(&t.admin, &a, Some(&b)), Err(Error::Cycle { .. })));
    assert!(matches!(t.kb.move_concept(&t.admin, &a, Some(&a)), Err(Error::Cycle { .. })));
    t.kb.rename_concept(&t.admin, &a, "Caccia", Some("Hunting")).unwrap();
    let c = t.kb.concept(&a).unwrap().unwrap();
    assert_eq!((c.label.as_str(), c.label_en.as_deref()), ("Caccia", Some("Hunting")));
    assert!(c.alt_labels.contains(&"Caccia e pesca".to_owned()), "old label kept as synonym: {:?}", c.alt_labels);
    // In use: cannot delete; merge moves items and children.
    let mut content = t.content("Licenza");
    content.concept = Some(b.clone());
    let id = t.kb.create_item(&t.publisher, &content).unwrap();
    assert!(matches!(t.kb.delete_concept(&t.admin, &b), Err(Error::InUse { count: 1, .. })));
    assert!(matches!(t.kb.delete_concept(&t.admin, &a), Err(Error::InUse { .. })), "has a child");
    t.kb.merge_concepts(&t.admin, &b, &a).unwrap();
    assert_eq!(t.kb.current_item(&t.publisher, &id).unwrap().content.concept.as_deref(), Some(a.as_str()));
    assert!(t.kb.concept(&b).unwrap().is_none());
    assert!(t.kb.concept(&a).unwrap().unwrap().alt_labels.contains(&"Tesserino venatorio".to_owned()));
    let d = t.kb.create_concept(&t.admin, &NewConcept { scheme, parent: None, label: "Vuoto".into(), ..Default::default() }).unwrap();
    t.kb.delete_concept(&t.admin, &d).unwrap();
    assert!(matches!(t.kb.create_concept(&t.operator, &NewConcept::default()), Err(Error::Forbidden { .. })));
}

#[test]
fn org_changes_are_audited_with_snapshots() {
    let t = TestKb::new();
    let mut o = t.kb.office_by_iri(t.kb.office_iri("DIP2-TRIB").as_str()).unwrap().unwrap();
    assert_eq!(o.competences.as_deref(), Some("tassa automobilistica, IRAP"));
    o.extension = Some("4300".into());
    t.kb.upsert_office(&t.admin, &o).unwrap();
    let audit = t.kb.graph(Graph::Audit).as_str().to_owned();
    let rows = select(
        &t,
        &[Role::Admin],
        &format!(
            "SELECT ?k ?s WHERE {{ GRAPH <{audit}> {{ ?a <https://w3id.org/centralino/ontology#activityKind> ?k ; <https://w3id.org/centralino/ontology#snapshot> ?s }} }}"
        ),
    );
    assert!(rows.iter().any(|r| r[0] == "\"update-office\"" && r[1].contains("4291")), "{rows:?}");
    assert!(matches!(t.kb.delete_office(&t.admin, "DIP2"), Err(Error::InUse { .. })));
    assert!(matches!(
        t.kb.upsert_person(
            &t.admin,
            &kb::Person { staff_number: "M9".into(), family_name: "X".into(), office: Some("NOPE".into()), ..Default::default() }
        ),
        Err(Error::NotFound { kind: "office", .. })
    ));
    assert!(matches!(
        t.kb.upsert_person(
            &t.admin,
            &kb::Person { staff_number: "M9".into(), family_name: "X".into(), email: Some("non-una-mail".into()), ..Default::default() }
        ),
        Err(Error::InvalidValue { .. })
    ));
    assert_eq!(t.kb.people().unwrap().len(), 1);
    assert_eq!(t.kb.offices().unwrap().len(), 2);
}

#[test]
fn access_log_answers_most_consulted_items_and_areas() {
    let t = TestKb::new();
    let (sub, top) = t.sub_concept();
    let a = t.published("Letta spesso");
    let mut c = t.content("Letta una volta");
    c.concept = Some(sub);
    let b = t.kb.create_item(&t.publisher, &c).unwrap();
    t.kb.submit_item(&t.publisher, &b, None).unwrap();
    t.kb.approve_item(&t.approver, &b, None).unwrap();
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(10, 0, 0).unwrap().and_utc();
    for d in [2, 3, 4] {
        t.kb.record_access_at(&t.operator, &a, day(d)).unwrap();
    }
    t.kb.record_access_at(&t.operator, &b, day(3)).unwrap();
    t.kb.record_access_at(&t.operator, &b, day(20)).unwrap();
    assert!(matches!(t.kb.record_access(&t.operator, "PIL-4242"), Err(Error::NotFound { .. })));
    let items = t.kb.most_consulted_items(&t.analyst, day(1), day(10), 10).unwrap();
    assert_eq!(items.iter().map(|x| (x.key.as_str(), x.count)).collect::<Vec<_>>(), [(a.as_str(), 3), (b.as_str(), 1)]);
    assert_eq!(items[0].label, "Letta spesso");
    let areas = t.kb.most_consulted_areas(&t.analyst, day(1), day(31)).unwrap();
    let top_count: u64 = areas.iter().filter(|x| x.key == top).map(|x| x.count).sum();
    assert!(top_count >= 2, "reads of the sub-area count for its area: {areas:?}");
    assert!(matches!(t.kb.most_consulted_items(&t.operator, day(1), day(2), 5), Err(Error::Forbidden { .. })));
}

#[test]
fn accounts_and_passwords() {
    let t = TestKb::new();
    assert!(!t.kb.has_users().unwrap());
    t.kb.create_user(&t.admin, "mario.rossi", "una-password", &[Role::OperatorL1, Role::OperatorL2]).unwrap();
    assert!(t.kb.has_users().unwrap());
    assert!(matches!(t.kb.create_user(&t.admin, "mario.rossi", "una-password", &[Role::Admin]), Err(Error::AlreadyExists { .. })));
    assert!(matches!(t.kb.create_user(&t.admin, "Mario Rossi", "una-password", &[Role::Admin]), Err(Error::InvalidValue { .. })));
    assert!(matches!(t.kb.create_user(&t.admin, "breve", "corta", &[Role::Admin]), Err(Error::InvalidValue { .. })));
    assert!(matches!(t.kb.create_user(&t.operator, "x1", "una-password", &[Role::Admin]), Err(Error::Forbidden { .. })));
    let a = t.kb.authenticate("mario.rossi", "una-password").unwrap();
    assert!(a.roles.has(Role::OperatorL2));
    assert!(matches!(t.kb.authenticate("mario.rossi", "sbagliata"), Err(Error::BadCredentials)));
    assert!(matches!(t.kb.authenticate("nessuno", "una-password"), Err(Error::BadCredentials)));
    t.kb.set_password(&a, "mario.rossi", "nuova-password").unwrap();
    assert!(t.kb.authenticate("mario.rossi", "nuova-password").is_ok());
    t.kb.set_disabled(&t.admin, "mario.rossi", true).unwrap();
    assert!(matches!(t.kb.authenticate("mario.rossi", "nuova-password"), Err(Error::BadCredentials)));
    t.kb.set_roles(&t.admin, "mario.rossi", &[Role::Supervisor]).unwrap();
    assert_eq!(t.kb.user("mario.rossi").unwrap().unwrap().roles, vec![Role::Supervisor]);
}
