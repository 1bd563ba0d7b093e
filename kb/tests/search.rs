//! Operator search: Italian analysis, synonyms and concepts, typos,
//! prefixes, facets, filters, expired items, freshness, reindex and
//! recovery of a stale index.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestKb;
use kb::{HitKind, ItemContent, Level, SearchQuery};
use std::time::Duration;

fn hit_ids(r: &kb::SearchResults) -> Vec<String> {
    r.hits.iter().map(|h| h.id.clone()).collect()
}

/// A small KB with items in different areas.
fn seeded() -> (TestKb, Vec<String>) {
    let t = TestKb::new();
    let bollo = t.concept("tributi-bollo-auto");
    let mut ids = Vec::new();
    let mut add = |title: &str, answer: &str, concept: &str, keywords: &[&str], until: Option<(i32, u32, u32)>| {
        let mut c = t.content(title);
        c.answer = answer.into();
        c.concept = Some(t.concept(concept));
        c.keywords = keywords.iter().map(|s| (*s).to_owned()).collect();
        c.valid_until = until.and_then(|(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d));
        let id = t.publish(&c);
        ids.push(id);
    };
    let _ = bollo;
    add(
        "Pagamento della tassa automobilistica",
        "Il bollo si paga online con PagoPA entro la fine del mese successivo alla scadenza.",
        "tributi-bollo-auto",
        &["pagamento", "scadenza"],
        None,
    );
    add(
        "Esenzione dal ticket per reddito",
        "L'esenzione dal ticket sanitario spetta ai cittadini con reddito basso; si richiede all'ASL.",
        "sanita",
        &["ticket", "esenzione"],
        None,
    );
    add(
        "Contributi per giovani agricoltori 2024",
        "Il bando per l'insediamento dei giovani agricoltori è chiuso.",
        "agricoltura",
        &["bando", "giovani"],
        Some((2024, 6, 30)),
    );
    add(
        "Contributi per giovani agricoltori 2026",
        "Il nuovo bando per l'insediamento dei giovani agricoltori è aperto fino a dicembre.",
        "agricoltura",
        &["bando", "giovani"],
        Some((2026, 12, 31)),
    );
    add(
        "Attività dell'ufficio relazioni con il pubblico",
        "L'URP risponde alle richieste dei cittadini e indirizza all'ufficio competente.",
        "amministrazione",
        &["urp"],
        None,
    );
    assert!(t.kb.wait_for_search(Duration::from_secs(5)).unwrap());
    (t, ids)
}

fn q(text: &str) -> SearchQuery {
    SearchQuery { today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26), ..SearchQuery::new(text) }
}

#[test]
fn accents_apostrophes_and_stems() {
    let (t, ids) = seeded();
    let s = |text: &str| t.kb.search(&t.operator, &q(text)).unwrap();
    assert_eq!(hit_ids(&s("attivita ufficio relazioni"))[0], ids[4], "accent folding");
    assert_eq!(hit_ids(&s("dell'ufficio relazioni pubblico"))[0], ids[4], "apostrophes");
    assert_eq!(hit_ids(&s("esenzioni ticket"))[0], ids[1], "plural finds singular");
    assert_eq!(hit_ids(&s("pagamenti tasse automobilistiche"))[0], ids[0]);
}

#[test]
fn synonyms_and_concepts_from_skos() {
    let (t, ids) = seeded();
    // "bollo macchina" is an altLabel of the concept of the first item.
    let r = t.kb.search(&t.operator, &q("bollo macchina")).unwrap();
    assert_eq!(hit_ids(&r)[0], ids[0], "{:?}", hit_ids(&r));
    // Naming an area boosts the items of its sub-concepts too.
    let r = t.kb.search(&t.operator, &SearchQuery { kinds: vec![HitKind::Item], ..q("tributi") }).unwrap();
    assert_eq!(hit_ids(&r).first(), Some(&ids[0]), "{:?}", hit_ids(&r));
}

#[test]
fn typos_match_but_rank_below_exact() {
    let (t, ids) = seeded();
    let r = t.kb.search(&t.operator, &q("esenzione tiket")).unwrap();
    assert_eq!(hit_ids(&r)[0], ids[1], "one typo in a 5-letter word");
    let r = t.kb.search(&t.operator, &q("agricoltorri")).unwrap();
    assert!(hit_ids(&r).contains(&ids[3]), "a typo in a long word");
    // Exact match outranks a fuzzy one: "paga" (exact stem) vs nothing fuzzy.
    let exact = t.kb.search(&t.operator, &q("pagamento")).unwrap();
    let typo = t.kb.search(&t.operator, &q("pagamentp")).unwrap();
    assert_eq!(hit_ids(&exact)[0], ids[0]);
    assert_eq!(hit_ids(&typo)[0], ids[0]);
    assert!(typo.hits[0].score < exact.hits[0].score, "fuzzy {} < exact {}", typo.hits[0].score, exact.hits[0].score);
    assert_eq!(kb::search::typo_distance("casa"), 0);
    assert_eq!(kb::search::typo_distance("tasse"), 1);
    assert_eq!(kb::search::typo_distance("automobile"), 2);
}

#[test]
fn typo_corrections_follow_changes_of_the_index() {
    let (t, _) = seeded();
    // No indexed word is near "vanatoria" yet: nothing is found.
    assert!(ids_of(&t, "vanatoria").is_empty());
    // The same typo, searched again after an item brings the word in,
    // is corrected to it (corrections kept from earlier searches are for
    // the index as it was).
    let mut c = t.content("Licenza venatoria");
    c.answer = "La licenza si rinnova in questura.".into();
    let id = t.publish(&c);
    assert!(t.kb.wait_for_search(Duration::from_secs(1)).unwrap());
    assert_eq!(ids_of(&t, "vanatoria"), vec![id.clone()]);
    // And repeated, as at every keystroke of a search as you type.
    assert_eq!(ids_of(&t, "vanatoria"), vec![id]);
}

#[test]
fn last_word_is_a_prefix_as_you_type() {
    let (t, ids) = seeded();
    let mut query = q("esenzione tick");
    assert!(!hit_ids(&t.kb.search(&t.operator, &query).unwrap()).is_empty());
    query.as_you_type = true;
    assert_eq!(hit_ids(&t.kb.search(&t.operator, &query).unwrap())[0], ids[1]);
    let s = t.kb.suggest(&t.operator, "esenz", 10).unwrap();
    assert!(s.iter().any(|x| x.kind == "item" && x.id == ids[1]), "{s:?}");
    let s = t.kb.suggest(&t.operator, "Ros", 10).unwrap();
    assert!(s.iter().any(|x| x.kind == "person" && x.label == "Lucia Rossi"), "{s:?}");
    let s = t.kb.suggest(&t.operator, "agricol", 10).unwrap();
    assert!(s.iter().any(|x| x.kind == "concept" && x.label == "Agricoltura"), "{s:?}");
}

#[test]
fn expired_items_rank_below_and_are_marked() {
    let (t, ids) = seeded();
    let r = t.kb.search(&t.operator, &q("giovani agricoltori bando")).unwrap();
    let pos_old = hit_ids(&r).iter().position(|i| *i == ids[2]).unwrap();
    let pos_new = hit_ids(&r).iter().position(|i| *i == ids[3]).unwrap();
    assert!(pos_new < pos_old, "valid before expired: {:?}", hit_ids(&r));
    assert_eq!(r.hits[pos_old].expired_on, chrono::NaiveDate::from_ymd_opt(2024, 6, 30));
    assert_eq!(r.hits[pos_new].expired_on, None);
    let expired = t.kb.expired_items(&t.publisher, chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()).unwrap();
    assert_eq!(expired.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [ids[2].as_str()]);
}

#[test]
fn results_carry_office_person_area_and_snippet() {
    let (t, ids) = seeded();
    let r = t.kb.search(&t.operator, &q("esenzione ticket")).unwrap();
    let h = &r.hits[0];
    assert_eq!(h.id, ids[1]);
    assert_eq!(h.display.office.as_ref().unwrap().extension.as_deref(), Some("4291"));
    assert_eq!(h.display.person.as_ref().unwrap().extension.as_deref(), Some("4292"));
    assert_eq!(h.display.area_path.as_deref(), Some("Sanità"));
    assert!(h.snippet_html.contains("<b>"), "{}", h.snippet_html);
    assert_eq!(h.display.level, Some(Level::Base));
}

#[test]
fn offices_and_people_are_found_by_function() {
    let (t, _) = seeded();
    let r = t.kb.search(&t.operator, &q("Lucia Rossi")).unwrap();
    assert_eq!((r.hits[0].kind, r.hits[0].id.as_str()), (HitKind::Person, "M1001"));
    let r = t.kb.search(&t.operator, &SearchQuery { kinds: vec![HitKind::Office, HitKind::Person], ..q("chi si occupa di IRAP") }).unwrap();
    assert_eq!((r.hits[0].kind, r.hits[0].id.as_str()), (HitKind::Office, "DIP2-TRIB"));
}

#[test]
fn who_questions_put_people_and_offices_first() {
    let (t, ids) = seeded();
    let r = t.kb.search(&t.operator, &q("chi segue le esenzioni del bollo")).unwrap();
    assert_eq!((r.hits[0].kind, r.hits[0].id.as_str()), (HitKind::Person, "M1001"), "{:?}", hit_ids(&r));
    assert_eq!(r.hits[1].kind, HitKind::Office);
    let r = t.kb.search(&t.operator, &q("chi ha diritto all'esenzione dal ticket")).unwrap();
    assert_eq!(r.hits[0].id, ids[1], "who is entitled asks for the answer: {:?}", hit_ids(&r));
}

#[test]
fn results_matching_every_word_outrank_repetition_of_one() {
    let t = TestKb::new();
    let mut a = t.content("Abbonamento mensile: rinnovo dell'abbonamento");
    a.answer = "L'abbonamento si rinnova in biglietteria; abbonamento mensile e abbonamento annuale.".into();
    a.keywords = vec!["abbonamento".into()];
    let mut b = t.content("Abbonamento agevolato per universitari");
    b.answer = "Gli iscritti all'università hanno uno sconto sull'abbonamento.".into();
    b.keywords = vec![];
    let ids = t.kb.publish_bulk(&t.admin, &[(None, a), (None, b)], None).unwrap();
    assert!(t.kb.wait_for_search(Duration::from_secs(5)).unwrap());
    assert_eq!(ids_of(&t, "sconto abbonamento università")[0], ids[1]);
}

#[test]
fn facets_and_filters() {
    let (t, ids) = seeded();
    let r = t.kb.search(&t.operator, &q("contributi bando esenzione bollo")).unwrap();
    let agri = r.areas.iter().find(|a| a.label == "Agricoltura").unwrap();
    assert_eq!(agri.count, 2);
    assert!(r.levels.iter().any(|l| l.value == "base"));
    assert!(r.offices.iter().any(|o| o.value == "DIP2-TRIB"));
    let area = t.concept("agricoltura");
    let filtered = t.kb.search(&t.operator, &SearchQuery { area: Some(area), ..q("contributi bando esenzione bollo") }).unwrap();
    // Items of the area, and the offices and people who handle it.
    let mut got: Vec<String> = filtered.hits.iter().filter(|h| h.kind == HitKind::Item).map(|h| h.id.clone()).collect();
    got.sort();
    assert_eq!(got, vec![ids[2].clone(), ids[3].clone()]);
    assert!(filtered.hits.iter().all(|h| h.kind == HitKind::Item || h.id == "DIP2-TRIB" || h.id == "M1001"), "{:?}", hit_ids(&filtered));
    let none = t.kb.search(&t.operator, &SearchQuery { level: Some(Level::Advanced), ..q("bollo") }).unwrap();
    assert!(none.hits.iter().all(|h| h.kind != HitKind::Item));
}

#[test]
fn audience_filter_keeps_items_for_everyone() {
    let t = TestKb::new();
    let imprese = t.concept("imprese");
    let cittadini = t.concept("cittadini");
    let mut a = t.content("Agevolazione riservata");
    a.audiences = vec![imprese.clone()];
    let mut b = t.content("Agevolazione per tutti");
    b.audiences = vec![];
    let mut c = t.content("Agevolazione ai privati");
    c.audiences = vec![cittadini.clone()];
    let items: Vec<_> = [a, b, c].into_iter().map(|x| (None, x)).collect();
    let ids = t.kb.publish_bulk(&t.admin, &items, None).unwrap();
    t.kb.wait_for_search(Duration::from_secs(5)).unwrap();
    let r = t.kb.search(&t.operator, &SearchQuery { audience: Some(imprese), kinds: vec![HitKind::Item], ..q("agevolazione") }).unwrap();
    let mut got = r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    got.sort();
    assert_eq!(got, vec![ids[0].clone(), ids[1].clone()]);
}

#[test]
fn drafts_only_for_editors() {
    let (t, _) = seeded();
    let id = t.kb.create_item(&t.publisher, &ItemContent { title: "Bozza sulla caccia".into(), ..Default::default() }).unwrap();
    t.kb.wait_for_search(Duration::from_secs(5)).unwrap();
    let r = t.kb.search(&t.operator, &q("caccia")).unwrap();
    assert!(r.hits.is_empty(), "{:?}", r.hits);
    let mut with_drafts = q("caccia");
    with_drafts.include_drafts = true;
    assert!(matches!(t.kb.search(&t.operator, &with_drafts), Err(kb::Error::Forbidden { .. })));
    let r = t.kb.search(&t.publisher, &with_drafts).unwrap();
    assert!(r.hits[0].draft && r.hits[0].id == id);
}

#[test]
fn changes_are_searchable_within_a_second() {
    let (t, ids) = seeded();
    t.kb.archive_item(&t.approver, &ids[0], None).unwrap();
    let mut c = t.content("Tessera venatoria");
    c.answer = "Il tesserino per la caccia si ritira in comune.".into();
    let id = t.publish(&c);
    assert!(t.kb.wait_for_search(Duration::from_secs(1)).unwrap());
    assert_eq!(ids_of(&t, "tesserino caccia"), vec![id.clone()]);
    assert!(!ids_of(&t, "tassa automobilistica pagamento").contains(&ids[0]), "archived items leave the operators' search");
    // An office's new extension shows in the items that name it.
    let mut o = t.kb.office_by_iri(t.kb.office_iri("DIP2-TRIB").as_str()).unwrap().unwrap();
    o.extension = Some("4999".into());
    t.kb.upsert_office(&t.admin, &o).unwrap();
    assert!(t.kb.wait_for_search(Duration::from_secs(1)).unwrap());
    let r = t.kb.search(&t.operator, &q("tesserino caccia")).unwrap();
    assert_eq!(r.hits[0].display.office.as_ref().unwrap().extension.as_deref(), Some("4999"));
}

fn ids_of(t: &TestKb, text: &str) -> Vec<String> {
    t.kb.search(&t.operator, &SearchQuery { kinds: vec![HitKind::Item], ..q(text) }).unwrap().hits.iter().map(|h| h.id.clone()).collect()
}

#[test]
fn bad_queries_never_fail() {
    let (t, _) = seeded();
    for text in ["", "   ", "il la di per", "\"bollo", "bollo:auto", "(esenzione", "tick*", "bollo~2", "AND OR NOT", "+-&&||!{}[]^\\/"] {
        t.kb.search(&t.operator, &q(text)).unwrap();
    }
    let long = "bollo ".repeat(2_000);
    let r = t.kb.search(&t.operator, &q(&long)).unwrap();
    assert!(!r.hits.is_empty());
    assert!(t.kb.search(&t.operator, &q("")).unwrap().hits.is_empty());
}

#[test]
fn reindex_and_recovery_of_a_stale_index() {
    let (t, ids) = seeded();
    assert!(t.kb.reindex().unwrap() >= ids.len());
    assert_eq!(ids_of(&t, "esenzione ticket")[0], ids[1]);
    let path = t.dir.path().to_owned();
    let before = t.kb.generation().unwrap();
    drop(t.kb);
    // A crash after the graph commit but before the index commit: the
    // graph is ahead. Simulate it by deleting the index.
    std::fs::remove_dir_all(path.join("index")).unwrap();
    let kb = common::open_in(&path);
    assert_eq!(kb.generation().unwrap(), before);
    let r = kb.search(&kb::Actor::new("o", [kb::Role::OperatorL1]), &q("esenzione ticket")).unwrap();
    assert_eq!(r.hits[0].id, ids[1]);
}

#[test]
fn a_graph_ahead_of_the_index_is_detected_at_start() {
    let (t, ids) = seeded();
    let path = t.dir.path().to_owned();
    let published = t.kb.graph(kb::Graph::KbPublished).into_owned();
    let workspace = t.kb.graph(kb::Graph::KbWorkspace).into_owned();
    let item = t.kb.iri(&format!("id/kb/{}", ids[1]));
    let kb_node = t.kb.iri("id/kb");
    let generation = t.kb.generation().unwrap();
    drop(t.kb);
    // A crash between the graph commit and the index commit: change the
    // graph (title and generation) behind the index's back.
    {
        use kb::oxigraph::model::{Literal, NamedNodeRef, Quad};
        // The indexer thread may still be finishing its last batch with the
        // store open (as `Kb::open` does, wait a moment for it).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let store = loop {
            match kb::oxigraph::store::Store::open(path.join("graph")) {
                Ok(s) => break s,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("store still locked: {e}"),
            }
        };
        let title = NamedNodeRef::new("http://purl.org/dc/terms/title").unwrap();
        let gen_p = NamedNodeRef::new("https://w3id.org/centralino/ontology#generation").unwrap();
        for q in store
            .quads_for_pattern(Some(item.as_ref().into()), Some(title), None, Some(published.as_ref().into()))
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
        {
            store.remove(&q).unwrap();
        }
        store
            .insert(&Quad::new(
                item.clone(),
                title,
                Literal::new_language_tagged_literal_unchecked("Sgravio prestazioni ambulatoriali", "it"),
                published.clone(),
            ))
            .unwrap();
        for q in store
            .quads_for_pattern(Some(kb_node.as_ref().into()), Some(gen_p), None, Some(workspace.as_ref().into()))
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
        {
            store.remove(&q).unwrap();
        }
        store
            .insert(&Quad::new(
                kb_node.clone(),
                gen_p,
                Literal::new_typed_literal(
                    (generation + 1).to_string(),
                    NamedNodeRef::new("http://www.w3.org/2001/XMLSchema#integer").unwrap(),
                ),
                workspace.clone(),
            ))
            .unwrap();
    }
    let kb = common::open_in(&path);
    let r = kb.search(&kb::Actor::new("o", [kb::Role::OperatorL1]), &q("sgravio ambulatoriali")).unwrap();
    assert_eq!(r.hits.first().map(|h| h.id.as_str()), Some(ids[1].as_str()), "the stale index was rebuilt at start");
}

#[test]
fn clicks_teach_the_ranking() {
    let (t, _) = seeded();
    let mut a = t.content("Contributi alle imprese artigiane");
    a.answer = "Contributi a fondo perduto per le imprese artigiane.".into();
    let mut b = t.content("Contributi alle imprese commerciali");
    b.answer = "Contributi a fondo perduto per le imprese del commercio.".into();
    t.kb.publish_bulk(&t.admin, &[(None, a), (None, b)], None).unwrap();
    assert!(t.kb.wait_for_search(Duration::from_secs(5)).unwrap());
    let query = "contributi imprese";
    let before = ids_of(&t, query);
    let second = before[1].clone();
    for _ in 0..5 {
        t.kb.record_access_from_search(&t.operator, &second, query).unwrap();
    }
    let after = ids_of(&t, query);
    assert_eq!(after[0], second, "{before:?} -> {after:?}");
    // What was learnt survives a restart (it is read back from the access log).
    let path = t.dir.path().to_owned();
    drop(t.kb);
    let kb = common::open_in(&path);
    let r = kb.search(&kb::Actor::new("o", [kb::Role::OperatorL1]), &SearchQuery { kinds: vec![HitKind::Item], ..q(query) }).unwrap();
    assert_eq!(r.hits[0].id, second);
}

#[test]
fn incremental_updates_give_the_same_results_as_a_rebuild() {
    let (t, _) = seeded();
    // A person who is nobody's contact but works in the office of the items.
    t.kb.upsert_person(
        &t.admin,
        &kb::Person {
            staff_number: "M1002".into(),
            given_name: "Marco".into(),
            family_name: "Bianchi".into(),
            office: Some("DIP2-TRIB".into()),
            title: Some("Dirigente".into()),
            ..Default::default()
        },
    )
    .unwrap();
    // Published in bulk: the index takes the document from the write
    // itself (no read back), so untidy input must give what the graph holds.
    let mut c = t.content("  Rimborso della tassa automobilistica ");
    c.answer = " Il rimborso spetta per versamenti doppi.\n".into();
    c.concept = Some(t.concept("tributi-bollo-auto"));
    c.keywords = vec![" rimborso ".into(), "versamenti".into(), "rimborso".into(), String::new()];
    c.legal_references = vec!["L.R. 12/2020 ".into()];
    c.valid_until = chrono::NaiveDate::from_ymd_opt(2025, 1, 31);
    t.kb.publish_bulk(&t.admin, &[(None, c)], None).unwrap();
    assert!(t.kb.wait_for_search(Duration::from_secs(5)).unwrap());
    let queries =
        ["dirigente bollo auto", "chi fa i rimborsi del bollo", "tributi", "esenzione ticket", "bando giovani", "rimborso versamenti"];
    // The same results, shown the same way (the order of near ties may
    // differ: deleted documents count in BM25 statistics until segments merge).
    let run = |t: &TestKb| -> Vec<Vec<String>> {
        queries
            .iter()
            .map(|text| {
                let mut hits: Vec<String> =
                    t.kb.search(&t.operator, &q(text))
                        .unwrap()
                        .hits
                        .iter()
                        .map(|h| format!("{} {} {} {:?} {:?}", h.id, h.title, h.snippet_html, h.display, h.expired_on))
                        .collect();
                hits.sort();
                hits
            })
            .collect()
    };
    let incremental = run(&t);
    let first = hit_ids(&t.kb.search(&t.operator, &q(queries[0])).unwrap());
    t.kb.reindex().unwrap();
    assert_eq!(incremental, run(&t));
    assert_eq!(first[0], "M1002", "the office's subjects find its head: {first:?}");
    assert_eq!(hit_ids(&t.kb.search(&t.operator, &q(queries[0])).unwrap())[0], "M1002");
}

/// More matches than are ranked exhaustively (1,000): the first pass picks
/// the candidates, yet the best matches come first (typed words, and a
/// last word typed as a prefix), the count and the facets stay exact, and
/// archived items (deleted documents until their segment merges) are not
/// counted.
#[test]
fn large_result_sets_are_ranked_through_the_first_pass() {
    let t = TestKb::new();
    let concept = t.concept("agricoltura");
    let item = |title: String, answer: &str, level: Level| {
        let mut c = t.content(&title);
        c.answer = answer.into();
        c.concept = Some(concept.clone());
        c.level = level;
        (None, c)
    };
    let mut batch: Vec<(Option<String>, ItemContent)> = (0..1_500)
        .map(|i| {
            let level = if i % 3 == 0 { Level::Advanced } else { Level::Base };
            item(format!("Pratica numero {i}"), "Il modulo si consegna allo sportello.", level)
        })
        .collect();
    for i in 0..5 {
        batch.push(item(format!("Contributo affitto giovani {i}"), "Il modulo per l'affitto si consegna online.", Level::Base));
    }
    let ids = t.kb.publish_bulk(&t.admin, &batch, None).unwrap();
    assert!(t.kb.wait_for_search(Duration::from_secs(30)).unwrap());
    let mut wanted: Vec<String> = ids[1_500..].to_vec();
    wanted.sort();
    let items = |text: &str, as_you_type: bool| {
        let query = SearchQuery { kinds: vec![HitKind::Item], as_you_type, limit: 5, ..q(text) };
        t.kb.search(&t.operator, &query).unwrap()
    };
    let top = |r: &kb::SearchResults| {
        let mut ids = hit_ids(r);
        ids.sort();
        ids
    };
    for (text, as_you_type) in [("modulo affitto", false), ("modulo affi", true)] {
        let r = items(text, as_you_type);
        assert_eq!(top(&r), wanted, "{text:?}");
        assert_eq!(r.total, 1_505, "{text:?}");
        assert_eq!(r.levels.iter().map(|f| f.count).sum::<u64>(), 1_505, "{text:?}");
        assert_eq!(r.levels.iter().find(|f| f.value == "advanced").map(|f| f.count), Some(500), "{text:?}");
    }
    // Archived: out of the results, the count and the facets.
    for id in ids[..10].iter().chain(&ids[1_500..1_501]) {
        t.kb.archive_item(&t.approver, id, None).unwrap();
    }
    assert!(t.kb.wait_for_search(Duration::from_secs(10)).unwrap());
    let r = items("modulo affi", true);
    assert_eq!(r.total, 1_494);
    assert_eq!(r.levels.iter().map(|f| f.count).sum::<u64>(), 1_494);
    assert_eq!(r.levels.iter().find(|f| f.value == "advanced").map(|f| f.count), Some(496));
    let hits = hit_ids(&r);
    assert!(!hits.contains(&ids[1_500]), "{hits:?}");
    assert!(ids[1_501..].iter().all(|id| hits.contains(id)), "{hits:?}");
}
