//! The demonstration dataset of `centralino serve --demo`: a few dozen
//! knowledge items across the areas, an organisation chart, and one user
//! per role. Written for the project (fictitious people and numbers).

use anyhow::{Context, Result};
use kb::{Actor, ItemContent, Kb, Level, Office, Person, Role};
use serde::Deserialize;

const DATA: &str = include_str!("../demo/demo.json");

#[derive(Deserialize)]
struct Demo {
    offices: Vec<Office>,
    people: Vec<Person>,
    items: Vec<DemoItem>,
}

#[derive(Deserialize)]
struct DemoItem {
    concept: String,
    office: Option<String>,
    person: Option<String>,
    title: String,
    question: Option<String>,
    answer: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    links: Vec<String>,
    #[serde(default)]
    forms: Vec<String>,
    valid_until: Option<chrono::NaiveDate>,
    level: Option<String>,
}

/// One demo account.
#[derive(Debug, Clone)]
pub struct DemoUser {
    /// Login name.
    pub username: String,
    /// Its password (printed once).
    pub password: String,
    /// Its role.
    pub role: Role,
}

/// The demo accounts: one per role.
pub const USERS: &[(&str, Role)] = &[
    ("admin", Role::Admin),
    ("publisher", Role::Publisher),
    ("approver", Role::Approver),
    ("operator", Role::OperatorL1),
    ("operator2", Role::OperatorL2),
    ("supervisor", Role::Supervisor),
    ("office", Role::Office),
    ("analyst", Role::Analyst),
    ("integration", Role::Integration),
];

/// Loads the demo data into a knowledge base without items and gives the
/// demo accounts (created if missing) new random passwords, returned so
/// that they can be printed. Items already present are left as they are.
pub fn load(kb: &Kb) -> Result<Vec<DemoUser>> {
    let demo: Demo = serde_json::from_str(DATA).context("the built-in demo data does not parse")?;
    let admin = Actor::system();
    let has_items = !kb.concepts(None)?.is_empty() && kb.published_item("PIL-0001")?.is_some();
    if !has_items {
        for o in &demo.offices {
            kb.upsert_office(&admin, o)?;
        }
        for p in &demo.people {
            kb.upsert_person(&admin, p)?;
        }
        let items: Vec<(Option<String>, ItemContent)> = demo
            .items
            .iter()
            .map(|i| {
                let content = ItemContent {
                    title: i.title.clone(),
                    question: i.question.clone(),
                    answer: i.answer.clone(),
                    keywords: i.keywords.clone(),
                    concept: Some(kb.iri(&format!("id/concept/{}", i.concept)).as_str().to_owned()),
                    office: i.office.as_ref().map(|c| kb.office_iri(c).as_str().to_owned()),
                    person: i.person.as_ref().map(|n| kb.person_iri(n).as_str().to_owned()),
                    links: i.links.clone(),
                    forms: i.forms.clone(),
                    valid_until: i.valid_until,
                    level: if i.level.as_deref() == Some("advanced") { Level::Advanced } else { Level::Base },
                    ..Default::default()
                };
                (None, content)
            })
            .collect();
        kb.publish_bulk(&admin, &items, Some("demo data"))?;
    }
    // Demo accounts get fresh passwords at every start, printed on the
    // terminal, so that a newcomer can always sign in.
    let mut users = Vec::new();
    for (name, role) in USERS {
        let password = kb::random_password();
        if kb.user(name)?.is_none() {
            kb.create_user(&admin, name, &password, &[*role])?;
        } else {
            kb.set_password(&admin, name, &password)?;
        }
        users.push(DemoUser { username: (*name).to_owned(), password, role: *role });
    }
    Ok(users)
}
