//! The interned bulk load that bulk writes hand their quads to (oxigraph
//! patched in `vendor/oxigraph`, see its PATCHES.md): the store it leaves
//! must be the store that loading the same quads one by one leaves, in
//! every index.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use oxigraph::model::{BlankNode, GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term, vocab::xsd};
use oxigraph::store::Store;
use std::collections::BTreeSet;

fn iri(s: &str) -> Term {
    NamedNode::new(format!("https://example.org/{s}")).unwrap().into()
}

/// A table of terms of every kind the encoder tells apart: IRIs, small and
/// big blank nodes, small and big plain strings, language strings with
/// small and big values, numbers, dates, booleans, and two literals that
/// differ as text but encode the same ("01" and "1" as integers).
fn terms() -> Vec<Term> {
    let mut t = vec![
        iri("g1"),
        iri("g2"),
        iri("p/type"),
        iri("p/label"),
        iri("p/value"),
        BlankNode::new("b1").unwrap().into(),
        BlankNode::default().into(),
        Literal::new_simple_literal("short").into(),
        Literal::new_simple_literal("a string longer than sixteen bytes, with accents: àèìòù").into(),
        Literal::new_language_tagged_literal("ciao", "it").unwrap().into(),
        Literal::new_language_tagged_literal("un testo lungo più di sedici byte", "it").unwrap().into(),
        Literal::new_typed_literal("01", xsd::INTEGER).into(),
        Literal::new_typed_literal("1", xsd::INTEGER).into(),
        Literal::new_typed_literal("2.5", xsd::DECIMAL).into(),
        Literal::new_typed_literal("2026-11-27", xsd::DATE).into(),
        Literal::new_typed_literal("2026-11-27T10:00:00Z", xsd::DATE_TIME).into(),
        Literal::from(true).into(),
        Literal::new_typed_literal("not a number", xsd::INTEGER).into(),
    ];
    for i in 0..300 {
        t.push(iri(&format!("item/{i}")));
        t.push(Literal::new_simple_literal(format!("value {i}")).into());
    }
    t
}

/// Quads over the table: each item has a value in two graphs and in the
/// default graph, plus a few of the special literals; some quads repeat.
fn quads(terms: &[Term]) -> Vec<[u32; 4]> {
    let mut q = Vec::new();
    let first_item = 18;
    for i in 0..300_u32 {
        let item = first_item + 2 * i;
        let value = item + 1;
        q.push([item, 2, 5, 0]);
        q.push([item, 3, value, 0]);
        q.push([item, 3, value, 1]);
        q.push([item, 3, value, u32::MAX]);
        q.push([item, 4, 7 + i % 11, if i % 2 == 0 { 0 } else { 1 }]);
        q.push([5, 4, item, 1]);
        q.push([6, 3, value, 0]);
    }
    q.push([5, 3, 11, 0]);
    q.push([5, 3, 12, 0]);
    q.push([first_item, 3, first_item + 1, 0]);
    assert!(q.iter().flatten().all(|&id| id == u32::MAX || (id as usize) < terms.len()));
    q
}

fn as_quad(terms: &[Term], [s, p, o, g]: [u32; 4]) -> Quad {
    let node = |id: u32| match &terms[id as usize] {
        Term::NamedNode(n) => NamedOrBlankNode::from(n.clone()),
        Term::BlankNode(b) => b.clone().into(),
        other => panic!("not a node: {other}"),
    };
    let Term::NamedNode(p) = &terms[p as usize] else { panic!("not an IRI") };
    let g = if g == u32::MAX { GraphName::DefaultGraph } else { node(g).into() };
    Quad::new(node(s), p.clone(), terms[o as usize].clone(), g)
}

fn contents(store: &Store) -> BTreeSet<String> {
    store.iter().map(|q| q.unwrap().to_string()).collect()
}

#[test]
fn an_interned_load_leaves_the_store_a_quad_by_quad_load_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let terms = terms();
    let ids = quads(&terms);
    let expected = Store::new().unwrap();
    expected.extend(ids.iter().map(|&q| as_quad(&terms, q))).unwrap();

    // On disk, with data already there (as a bulk write finds it).
    let store = Store::open(dir.path()).unwrap();
    store.insert(&as_quad(&terms, [18, 3, 19, 0])).unwrap();
    for threads in [1, 2] {
        let mut loader = store.bulk_loader().with_num_threads(threads);
        loader.load_interned(&terms, &ids).unwrap();
        loader.commit().unwrap();
    }
    store.validate().unwrap();
    assert_eq!(contents(&store), contents(&expected));
    assert_eq!(store.len().unwrap(), expected.len().unwrap());

    // Every index answers: by subject, predicate, object, graph and their mixes.
    let item = terms[18].clone();
    let Term::NamedNode(label) = terms[3].clone() else { unreachable!() };
    let Term::NamedNode(g1) = terms[0].clone() else { unreachable!() };
    let Term::NamedNode(item) = item else { unreachable!() };
    for (s, p, o, g) in [
        (Some(item.as_ref().into()), None, None, None),
        (None, Some(label.as_ref()), None, None),
        (None, None, Some(terms[19].as_ref()), None),
        (None, None, None, Some(GraphNameRef::from(g1.as_ref()))),
        (None, Some(label.as_ref()), Some(terms[19].as_ref()), Some(g1.as_ref().into())),
        (Some(item.as_ref().into()), None, None, Some(GraphNameRef::DefaultGraph)),
        (None, None, Some(terms[11].as_ref()), None),
    ] {
        let got: BTreeSet<String> = store.quads_for_pattern(s, p, o, g).map(|q| q.unwrap().to_string()).collect();
        let want: BTreeSet<String> = expected.quads_for_pattern(s, p, o, g).map(|q| q.unwrap().to_string()).collect();
        assert!(!want.is_empty());
        assert_eq!(got, want, "pattern {s:?} {p:?} {o:?} {g:?}");
    }
    let graphs: BTreeSet<String> = store.named_graphs().map(|g| g.unwrap().to_string()).collect();
    assert_eq!(graphs, expected.named_graphs().map(|g| g.unwrap().to_string()).collect());

    // The same store after reopening (the ingested files are the store's own).
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    store.validate().unwrap();
    assert_eq!(contents(&store), contents(&expected));
}

#[test]
fn a_bad_interned_quad_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let terms = terms();
    let store = Store::open(dir.path()).unwrap();
    for bad in [
        [7, 3, 19, 0],        // a literal as subject
        [18, 5, 19, 0],       // a blank node as predicate
        [18, 3, 19, 7],       // a literal as graph name
        [18, 3, 100_000, 0],  // no such term
        [u32::MAX, 3, 19, 0], // no such subject
    ] {
        let mut loader = store.bulk_loader();
        let mut with_bad = quads(&terms);
        with_bad.push(bad);
        let err = loader.load_interned(&terms, &with_bad).unwrap_err();
        assert!(err.to_string().contains("interned quad"), "{err}");
        loader.commit().unwrap();
        assert!(store.is_empty().unwrap(), "{bad:?} left quads behind");
    }
    // The in-memory store takes the same quads and refuses the same errors.
    let memory = Store::new().unwrap();
    let mut loader = memory.bulk_loader();
    assert!(loader.load_interned(&terms, &[[7, 3, 19, 0]]).is_err());
    loader.load_interned(&terms, &quads(&terms)).unwrap();
    loader.commit().unwrap();
    let expected = Store::new().unwrap();
    expected.extend(quads(&terms).into_iter().map(|q| as_quad(&terms, q))).unwrap();
    assert_eq!(contents(&memory), contents(&expected));
}
