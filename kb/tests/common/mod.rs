//! Shared helpers of the kb integration tests.
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use kb::{Actor, ItemContent, Kb, KbConfig, Level, Office, Person, Role};
use tempfile::TempDir;

/// An isolated knowledge base in a temporary data directory, with an
/// office, a person and the seeded classification scheme.
pub struct TestKb {
    pub dir: TempDir,
    pub kb: Kb,
    pub admin: Actor,
    pub publisher: Actor,
    pub approver: Actor,
    pub operator: Actor,
    pub analyst: Actor,
}

pub fn open_in(dir: &std::path::Path) -> Kb {
    Kb::open(dir, KbConfig::default()).expect("open kb")
}

impl TestKb {
    /// A fresh knowledge base with the organisation fixtures loaded.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let kb = open_in(dir.path());
        let t = TestKb {
            kb,
            dir,
            admin: Actor::new("amministratore", [Role::Admin]),
            publisher: Actor::new("paola", [Role::Publisher]),
            approver: Actor::new("andrea", [Role::Approver]),
            operator: Actor::new("olga", [Role::OperatorL1]),
            analyst: Actor::new("anna", [Role::Analyst]),
        };
        t.kb.upsert_office(
            &t.admin,
            &Office {
                code: "DIP2".into(),
                name: "Dipartimento Risorse finanziarie".into(),
                kind: Some("Dipartimento".into()),
                ..Default::default()
            },
        )
        .expect("office");
        t.kb.upsert_office(
            &t.admin,
            &Office {
                code: "DIP2-TRIB".into(),
                name: "Servizio Tributi regionali".into(),
                kind: Some("Servizio".into()),
                parent: Some("DIP2".into()),
                competences: Some("tassa automobilistica, IRAP".into()),
                extension: Some("4291".into()),
                ..Default::default()
            },
        )
        .expect("office");
        t.kb.upsert_person(
            &t.admin,
            &Person {
                staff_number: "M1001".into(),
                given_name: "Lucia".into(),
                family_name: "Rossi".into(),
                office: Some("DIP2-TRIB".into()),
                functions: Some("esenzioni bollo auto".into()),
                extension: Some("4292".into()),
                email: Some("lucia.rossi@regione.example".into()),
                ..Default::default()
            },
        )
        .expect("person");
        t
    }

    pub fn concept(&self, slug: &str) -> String {
        self.kb.iri(&format!("id/concept/{slug}")).as_str().to_owned()
    }

    /// A publishable content in the first top concept of the scheme.
    pub fn content(&self, title: &str) -> ItemContent {
        ItemContent {
            title: title.into(),
            question: Some(format!("Come si fa: {title}?")),
            answer: format!("Risposta per {title}."),
            keywords: vec!["bollo".into(), "auto".into()],
            concept: Some(self.top_concept()),
            office: Some(self.kb.office_iri("DIP2-TRIB").as_str().into()),
            person: Some(self.kb.person_iri("M1001").as_str().into()),
            links: vec!["https://www.regione.example/bollo".into()],
            level: Level::Base,
            ..Default::default()
        }
    }

    /// Some top concept of the areas scheme.
    pub fn top_concept(&self) -> String {
        self.kb.concept_tree(self.kb.areas_scheme().as_str()).expect("tree").first().expect("a top concept").concept.iri.clone()
    }

    /// A concept that has a broader concept (a sub-area) and its parent.
    pub fn sub_concept(&self) -> (String, String) {
        let tree = self.kb.concept_tree(self.kb.areas_scheme().as_str()).expect("tree");
        let top = tree.iter().find(|n| !n.children.is_empty()).expect("a top concept with children");
        (top.children[0].concept.iri.clone(), top.concept.iri.clone())
    }

    /// Creates, submits and approves an item; returns its id.
    pub fn published(&self, title: &str) -> String {
        self.publish(&self.content(title))
    }

    /// Creates, submits and approves an item with this content; returns its id.
    pub fn publish(&self, content: &ItemContent) -> String {
        let id = self.kb.create_item(&self.publisher, content).expect("create");
        self.kb.submit_item(&self.publisher, &id, None).expect("submit");
        self.kb.approve_item(&self.approver, &id, None).expect("approve");
        id
    }

    /// Every quad of the store, sorted, for before/after comparisons.
    pub fn snapshot(&self) -> Vec<String> {
        let mut v: Vec<String> = self.kb.store().iter().map(|q| q.expect("quad").to_string()).collect();
        v.sort();
        v
    }
}
