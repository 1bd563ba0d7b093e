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

/// A few contacts and requests at different points of their path, so that
/// the CRM pages show something at once (`serve --demo`). Does nothing when
/// the CRM already has tickets. The `office` account works for the tax
/// office (DIP1-TRIB).
pub fn load_crm(crm: &crm::Crm) -> Result<()> {
    use crm::{Action, Channel, ContactInput, NewTicket};
    if !crm.board().is_empty() {
        return Ok(());
    }
    let kb = crm.kb();
    if kb.user("office")?.is_some() {
        kb.set_user_office(&Actor::system(), "office", Some("DIP1-TRIB"))?;
    }
    let l1 = Actor::new("operator", [Role::OperatorL1]);
    let l2 = Actor::new("operator2", [Role::OperatorL2]);
    let contact = |given: &str, family: &str, phone: &str, email: &str| -> Result<String> {
        let input = ContactInput {
            given_name: given.into(),
            family_name: family.into(),
            phones: vec![phone.into()],
            emails: if email.is_empty() { Vec::new() } else { vec![email.into()] },
            ..Default::default()
        };
        Ok(crm.create_contact(&l1, &input)?.id)
    };
    let mario = contact("Mario", "Rossi", "0874 123456", "mario.rossi@example.it")?;
    let giulia = contact("Giulia", "Bianchi", "333 1234567", "giulia.bianchi@example.it")?;
    let paolo = contact("Paolo", "Esposito", "320 7654321", "")?;
    let new = |channel: Channel, contact: &str, text: &str, hours_ago: i64| NewTicket {
        channel,
        contact: Some(contact.to_owned()),
        concept: None,
        description: text.into(),
        priority: Default::default(),
        level: None,
        received_at: Some(chrono::Utc::now() - chrono::Duration::hours(hours_ago)),
        related: Vec::new(),
        client_key: None,
    };
    // Answered on the phone at first level, with the knowledge item used.
    let t = crm.open_ticket(&l1, &new(Channel::Phone, &mario, "Quando scade il bollo auto della mia vettura?", 2))?;
    if kb.published_item("PIL-0001")?.is_some() {
        crm.act(&l1, &t.id, None, Action::LinkItem { item: "PIL-0001".into() })?;
    }
    crm.act(
        &l1,
        &t.id,
        None,
        Action::Close { answer: "Il bollo scade l'ultimo giorno del mese successivo a quello di immatricolazione.".into() },
    )?;
    // Offline requests waiting to be taken in charge (with their clocks).
    crm.open_ticket(&l1, &new(Channel::Email, &giulia, "Chiedo informazioni sull'esenzione dal ticket per reddito.", 3))?;
    crm.open_ticket(
        &l1,
        &new(Channel::Voicemail, &paolo, "Messaggio in segreteria: chiede di essere richiamato per il contributo affitto.", 14),
    )?;
    // Second level forwarded one to the tax office.
    let t =
        crm.open_ticket(&l1, &new(Channel::Phone, &mario, "Ha ricevuto un avviso di accertamento per un bollo già pagato nel 2024.", 5))?;
    crm.act(&l1, &t.id, None, Action::AssignToL2 { comment: "serve verificare il pagamento".into() })?;
    crm.act(&l2, &t.id, None, Action::Take)?;
    crm.act(
        &l2,
        &t.id,
        None,
        Action::ForwardToOffice { office: "DIP1-TRIB".into(), comment: "Verificare il pagamento e annullare l'avviso?".into() },
    )?;
    // One waiting in the second-level inbox.
    let t = crm.open_ticket(&l1, &new(Channel::Phone, &giulia, "Domanda di rimborso IRAP versata due volte.", 1))?;
    crm.act(&l1, &t.id, None, Action::AssignToL2 { comment: "richiamare dopo verifica".into() })?;
    Ok(())
}
