//! Round trips, compared as graphs (isomorphism): KB and organisation
//! chart through their workbooks, every graph through every RDF syntax,
//! and the whole handover bundle into an empty data directory.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use importers::{Outcome, RdfImportOptions, RdfSyntax, content_quads, isomorphic};
use kb::oxigraph::io::RdfParser;
use kb::{Graph, ItemContent, Level, Role, RoleSet, State};

/// A knowledge base with an organisation chart, imported items using every
/// field, a concept created by the import, and an edited item.
fn loaded() -> TestKb {
    let t = TestKb::new();
    let mut rows = vec![
        [
            "Cod. Pillola",
            "Area tematica",
            "Sotto-area",
            "Titolo",
            "Title (EN)",
            "Domanda frequente",
            "Question (EN)",
            "Risposta",
            "Answer (EN)",
            "Parole chiave",
            "Tag",
            "Ufficio competente",
            "Referente",
            "Tel. interno",
            "Normativa di riferimento",
            "Link",
            "Modulistica",
            "Valido dal",
            "Valida fino al",
            "Livello",
            "Destinatari",
            "Data ultimo aggiornamento",
        ]
        .map(S)
        .to_vec(),
    ];
    rows.push(vec![
        S("PIL-0001"),
        S("Tributi"),
        S("Tassa automobilistica"),
        S("Pagare il bollo"),
        S("Paying the car tax"),
        S("Dove pago?"),
        S("Where?"),
        S("Online, con pagoPA."),
        S("Online."),
        S("bollo; bollo auto"),
        S("pagopa"),
        S("Ufficio Tassa automobilistica"),
        S("Niccolò De Angelis"),
        S("0874 429162"),
        S("D.P.R. 39/1953\nL.R. 12/2005, art. 3"),
        Link("https://example.org/bollo", "Portale"),
        S("Modulo A\nModulo B, allegato 1"),
        D(2025, 1, 1),
        D(2031, 12, 31),
        S("Avanzata"),
        S("Cittadini"),
        D(2025, 2, 7),
    ]);
    rows.push(vec![
        S("PIL-0002"),
        S("Nuova area"),
        S("Nuova sotto > Più giù"),
        S("Tre livelli"),
        Empty,
        Empty,
        Empty,
        S("Risposta."),
        Empty,
        Empty,
        Empty,
        Empty,
        Empty,
        Empty,
        Empty,
        S("https://a.example/x https://b.example/y"),
        Empty,
        Empty,
        Empty,
        S("Base"),
        Empty,
        Empty,
    ]);
    let p = workbook(t.dir.path(), "in.xlsx", &[("Pillole", rows)]);
    let r = import(&t, &p, &opts()).unwrap();
    assert_eq!(r.count(Outcome::Created), 2, "{}", r.render(true));
    t
}

const CONTENT_GRAPHS: [Graph; 4] = [Graph::Taxonomy, Graph::KbPublished, Graph::KbWorkspace, Graph::Org];

#[test]
fn kb_and_org_workbooks_round_trip_to_the_same_graph() {
    let a = loaded();
    let kb_x = a.path("kb.xlsx");
    let org_x = a.path("org.xlsx");
    let stats = importers::export_kb_xlsx(&a.kb, &kb_x).unwrap();
    assert_eq!(stats.rows, 2);
    importers::export_org_xlsx(&a.kb, &org_x).unwrap();

    let b = TestKb::empty();
    let r = importers::import_org(&b.kb, &b.admin, &org_x, &Default::default(), &mut |_| {}).unwrap();
    assert_eq!(r.count(Outcome::Created), 5, "{}", r.render(true));
    let r = import(&b, &kb_x, &opts()).unwrap();
    assert_eq!(r.count(Outcome::Created), 2, "{}", r.render(true));
    assert!(r.rows.iter().all(|row| row.notes.iter().all(|n| n.severity < importers::Severity::Warning)), "{}", r.render(true));
    let qa = content_quads(&a.kb, &CONTENT_GRAPHS).unwrap();
    let qb = content_quads(&b.kb, &CONTENT_GRAPHS).unwrap();
    assert!(!qa.is_empty());
    if !isomorphic(qa.clone(), qb.clone()) {
        let sa: std::collections::BTreeSet<String> = qa.iter().map(|q| q.to_string()).collect();
        let sb: std::collections::BTreeSet<String> = qb.iter().map(|q| q.to_string()).collect();
        panic!("only in a: {:#?}\nonly in b: {:#?}", sa.difference(&sb).collect::<Vec<_>>(), sb.difference(&sa).collect::<Vec<_>>());
    }
    // The "last update" date survives too.
    let item = b.kb.published_item("PIL-0001").unwrap().unwrap();
    assert_eq!(item.modified.map(|m| m.date_naive().to_string()).as_deref(), Some("2025-02-07"));
    assert_eq!(item.content.level, Level::Advanced);
    assert_eq!(item.content.legal_references, ["D.P.R. 39/1953", "L.R. 12/2005, art. 3"]);
}

#[test]
fn every_rdf_syntax_round_trips_and_json_ld_carries_the_published_context() {
    let t = loaded();
    let admin = RoleSet::new([Role::Admin]);
    let graphs = [Graph::Taxonomy, Graph::KbPublished, Graph::Org];
    let mut expected = Vec::new();
    for g in graphs {
        expected.extend(t.kb.store().quads_for_pattern(None, None, None, Some(t.kb.graph(g).into())).map(|q| q.unwrap()));
    }
    for syntax in RdfSyntax::ALL {
        let path = t.path(&format!("out.{}", syntax.extension()));
        let n = importers::export_rdf(&t.kb, &admin, &graphs, syntax, &path).unwrap();
        assert_eq!(n, expected.len());
        let bytes = std::fs::read(&path).unwrap();
        let parsed: Vec<_> = RdfParser::from_format(syntax.format())
            .for_slice(&bytes)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{syntax:?}: {e}"));
        let want: Vec<_> = if syntax.keeps_graphs() {
            expected.clone()
        } else {
            expected
                .iter()
                .map(|q| {
                    kb::oxigraph::model::Quad::new(
                        q.subject.clone(),
                        q.predicate.clone(),
                        q.object.clone(),
                        kb::oxigraph::model::GraphName::DefaultGraph,
                    )
                })
                .collect()
        };
        assert!(isomorphic(parsed, want), "{syntax:?}");
        if syntax == RdfSyntax::JsonLd {
            let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let published: serde_json::Value = serde_json::from_str(importers::JSONLD_CONTEXT).unwrap();
            assert_eq!(doc["@context"], published["@context"]);
        }
    }
    // Roles are enforced: an analyst may not export the audit graph.
    let analyst = RoleSet::new([Role::Analyst]);
    let err = importers::export_rdf(&t.kb, &analyst, &[Graph::Audit], RdfSyntax::TriG, &t.path("a.trig")).err();
    assert!(err.is_some());
}

#[test]
fn rdf_files_become_drafts_in_every_input_syntax() {
    let source = loaded();
    for syntax in [RdfSyntax::Turtle, RdfSyntax::RdfXml, RdfSyntax::JsonLd, RdfSyntax::NTriples] {
        let path = source.path(&format!("items.{}", syntax.extension()));
        importers::export_rdf(&source.kb, &RoleSet::new([Role::Admin]), &[Graph::Taxonomy, Graph::KbPublished, Graph::Org], syntax, &path)
            .unwrap();
        let t = TestKb::new();
        let report = importers::import_rdf(&t.kb, &t.admin, &path, &RdfImportOptions::default()).unwrap();
        assert_eq!(report.count(Outcome::Created), 2, "{syntax:?}: {}", report.render(true));
        let st = t.kb.item_status("PIL-0001").unwrap();
        assert_eq!(st.working.map(|w| w.1), Some(State::Draft), "{syntax:?}");
        let draft = t.kb.current_item(&t.admin, "PIL-0001").unwrap().content;
        let original = source.kb.published_item("PIL-0001").unwrap().unwrap().content;
        assert_eq!(draft, original, "{syntax:?}");
        // The second item's new concepts do not exist here: matched by label or dropped, and said so.
        let two = t.kb.current_item(&t.admin, "PIL-0002").unwrap().content;
        assert_eq!(two.concept, None);
        assert!(report.render(false).contains("unknown concept"), "{}", report.render(true));
        // Importing again changes nothing.
        let again = importers::import_rdf(&t.kb, &t.admin, &path, &RdfImportOptions::default()).unwrap();
        assert_eq!(again.count(Outcome::Unchanged), 2, "{syntax:?}");
    }
}

#[test]
fn the_handover_bundle_restores_the_same_graphs_into_an_empty_directory() {
    let a = loaded();
    // Some life-cycle history: an edited draft of PIL-0001.
    let st = a.kb.item_status("PIL-0001").unwrap();
    let mut c: ItemContent = a.kb.current_item(&a.admin, "PIL-0001").unwrap().content;
    c.answer.push_str(" Anche in tabaccheria.");
    a.kb.edit_item(&a.admin, "PIL-0001", st.current_revision(), &c).unwrap();
    let zip = a.path("handover.zip");
    let summary = importers::export_handover(&a.kb, &zip).unwrap();
    assert_eq!(summary.manifest.counts.get(ontologies::vocab::cc::KNOWLEDGE_ITEM), Some(&2), "{:?}", summary.manifest.counts);
    assert!(summary.manifest.files.iter().any(|f| f.path == "rubrica.vcf" && f.sha256.len() == 64));
    for f in ["workbooks/pillole.xlsx", "workbooks/organigramma.xlsx", "ontology/centralino.ttl", "graphs/audit.trig", "context.jsonld"] {
        assert!(summary.manifest.files.iter().any(|m| m.path == f), "{f}");
    }

    let b = TestKb::empty();
    importers::import_handover(&b.kb, &zip, 1 << 30).unwrap();
    for g in [Graph::Taxonomy, Graph::KbPublished, Graph::KbWorkspace, Graph::Org, Graph::Audit, Graph::Inferred] {
        // Everything but the store's own write counter (search freshness).
        let qa = importers::graph_quads(&a.kb, g).unwrap();
        let qb = importers::graph_quads(&b.kb, g).unwrap();
        assert!(isomorphic(qa, qb), "graph {} differs", g.path());
    }
    // Not into a data directory that holds data.
    let err = importers::import_handover(&b.kb, &zip, 1 << 30).err().unwrap();
    assert!(err.to_string().contains("not empty"), "{err}");
}

#[test]
fn a_tampered_bundle_is_refused_by_checksum() {
    let a = loaded();
    let zip_path = a.path("handover.zip");
    importers::export_handover(&a.kb, &zip_path).unwrap();
    // Rewrite the bundle with one graph altered but the old manifest.
    let mut src = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let out_path = a.path("tampered.zip");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&out_path).unwrap());
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        if name == "graphs/org.trig" {
            data.extend_from_slice(b"\n");
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut out, &data).unwrap();
    }
    out.finish().unwrap();
    let b = TestKb::empty();
    let before = b.snapshot();
    let err = importers::import_handover(&b.kb, &out_path, 1 << 30).err().unwrap();
    assert!(err.to_string().contains("graphs/org.trig does not match its SHA-256"), "{err}");
    assert_eq!(b.snapshot(), before);
}
