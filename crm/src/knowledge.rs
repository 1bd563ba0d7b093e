//! Knowledge in the loop (KB-3, KB-15): suggestions of items for a
//! ticket, "propose as knowledge" from a resolved second-level ticket, and
//! the gap report of escalated requests that no item answered.

use crate::error::{Error, Result, require};
use crate::ticket::{ResolvedAt, TicketState};
use crate::{Crm, TicketFilter};
use chrono::{DateTime, Utc};
use kb::search::{HitKind, SearchHit, SearchQuery};
use kb::{Actor, ItemContent, Role};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Words too common to tell requests apart (Italian, after accent folding).
const STOP: &[&str] = &[
    "alla",
    "alle",
    "anche",
    "avere",
    "buongiorno",
    "chiede",
    "chiedo",
    "come",
    "cosa",
    "dalla",
    "dalle",
    "degli",
    "della",
    "delle",
    "dello",
    "devo",
    "dopo",
    "essere",
    "fare",
    "grazie",
    "hanno",
    "informazioni",
    "loro",
    "mentre",
    "mio",
    "mia",
    "molto",
    "nella",
    "nelle",
    "nello",
    "ogni",
    "perche",
    "posso",
    "presso",
    "quale",
    "quando",
    "quanto",
    "questa",
    "questo",
    "richiesta",
    "salve",
    "sono",
    "stato",
    "sulla",
    "sulle",
    "tutti",
    "vorrei",
    "anno",
    "cittadino",
    "cittadina",
    "signor",
    "signora",
    "chiama",
    "chiamato",
    "sapere",
    "essere",
    "dove",
];

/// A cluster of requests without knowledge: one concept, its recurring words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapCluster {
    /// Classification concept IRI (`None`: unclassified).
    pub concept: Option<String>,
    /// Its label.
    pub label: String,
    /// How many escalated tickets used no item.
    pub tickets: usize,
    /// The words most of them share, with the number of tickets using each.
    pub terms: Vec<TermCount>,
    /// Some of the tickets (ids), newest first.
    pub examples: Vec<String>,
}

/// A recurring word and how many tickets use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermCount {
    /// The word (lower case, accents folded).
    pub term: String,
    /// Tickets using it.
    pub tickets: usize,
}

/// The KB gap report of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapReport {
    /// Escalated tickets in the period.
    pub escalated: usize,
    /// Of which with no knowledge item linked.
    pub without_items: usize,
    /// Clusters, largest first.
    pub clusters: Vec<GapCluster>,
}

/// The content words of a text: lower case, accents folded, stop words out.
fn words(text: &str) -> Vec<String> {
    let folded = deunicode::deunicode(&text.to_lowercase());
    let mut out: Vec<String> =
        folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| w.len() >= 4 && !STOP.contains(w)).map(str::to_owned).collect();
    out.sort();
    out.dedup();
    out
}

impl Crm {
    /// Knowledge items that may answer a ticket, found from its description.
    pub fn suggest_items(&self, actor: &Actor, id: &str, limit: usize) -> Result<Vec<SearchHit>> {
        // Reading for suggestions is not a view of the ticket: no access record.
        let ticket = self.read_ticket(self.kb().store(), id)?;
        self.may_read(actor, &ticket)?;
        let mut text: Vec<String> = words(&ticket.description);
        text.truncate(8);
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = SearchQuery::new(text.join(" "));
        q.limit = limit.clamp(1, 20);
        q.kinds = vec![HitKind::Item];
        let results = self.kb().search(actor, &q)?;
        Ok(results.hits)
    }

    /// Creates a draft knowledge item from a ticket resolved at second
    /// level (alone or with an office): the question is the request, the
    /// answer the one given, classification and office carried over. The
    /// draft records that it derives from the ticket and goes through the
    /// approval workflow like any other.
    pub fn propose_knowledge(&self, actor: &Actor, id: &str, title: &str) -> Result<String> {
        require(actor, "propose knowledge", &[Role::OperatorL2, Role::Publisher, Role::Admin])?;
        let t = self.read_ticket(self.kb().store(), id)?;
        if t.state != TicketState::Closed || !matches!(t.resolved_at, Some(ResolvedAt::L2 | ResolvedAt::Office)) {
            return Err(Error::IllegalTransition { ticket: t.id, action: "propose as knowledge", state: "not resolved at second level" });
        }
        let title = title.trim();
        let title = if title.is_empty() { t.description.chars().take(120).collect::<String>() } else { title.to_owned() };
        let content = ItemContent {
            title,
            question: Some(t.description.clone()),
            answer: t.answer.clone().unwrap_or_default(),
            concept: t.concept.clone(),
            office: t.office.as_ref().map(|o| self.kb().office_iri(o).as_str().to_owned()),
            level: t.level.unwrap_or(kb::Level::Advanced),
            ..ItemContent::default()
        };
        let item = self.kb().propose_item(actor, &content, &self.ticket_iri(&t.id), &format!("proposta dalla richiesta {}", t.id))?;
        self.act(actor, &t.id, None, crate::Action::Note { text: format!("Proposta come conoscenza: bozza {item}") })?;
        Ok(item)
    }

    /// Escalated tickets (resolved or held beyond first level) received in
    /// `[from, to)` that used no knowledge item, grouped by concept with
    /// their recurring words (KB-15).
    pub fn gap_report(&self, actor: &Actor, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<GapReport> {
        require(
            actor,
            "read the knowledge gap report",
            &[Role::Publisher, Role::Approver, Role::Supervisor, Role::Admin, Role::OperatorL2],
        )?;
        let filter = TicketFilter { from: Some(from), to: Some(to), limit: usize::MAX, ..TicketFilter::default() };
        let ids = {
            let board = self.board();
            let mut f = filter;
            f.limit = board.len().max(1);
            board.list(&f, crate::now()).ids
        };
        let store = self.kb().store();
        let mut escalated = 0;
        let mut groups: BTreeMap<Option<String>, Vec<crate::Ticket>> = BTreeMap::new();
        for id in ids {
            let t = self.read_ticket(store, &id.to_string())?;
            let beyond_l1 = matches!(t.resolved_at, Some(ResolvedAt::L2 | ResolvedAt::Office))
                || matches!(
                    t.state,
                    TicketState::L2Inbox | TicketState::AtL2 | TicketState::AtOffice | TicketState::OfficeAnswered | TicketState::L3Triage
                );
            if !beyond_l1 {
                continue;
            }
            escalated += 1;
            if t.items.is_empty() {
                groups.entry(t.concept.clone()).or_default().push(t);
            }
        }
        let without_items = groups.values().map(Vec::len).sum();
        let mut clusters: Vec<GapCluster> = groups
            .into_iter()
            .map(|(concept, mut tickets)| {
                let mut df: HashMap<String, usize> = HashMap::new();
                for t in &tickets {
                    for w in words(&t.description) {
                        *df.entry(w).or_default() += 1;
                    }
                }
                let mut terms: Vec<(String, usize)> = df.into_iter().filter(|(_, n)| *n >= 2 || tickets.len() == 1).collect();
                terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                terms.truncate(8);
                let terms = terms.into_iter().map(|(term, tickets)| TermCount { term, tickets }).collect();
                tickets.sort_by_key(|t| std::cmp::Reverse(t.received_at));
                let label = concept
                    .as_deref()
                    .and_then(|c| self.kb().concept(c).ok().flatten().map(|c| c.label))
                    .unwrap_or_else(|| "non classificate".into());
                GapCluster {
                    concept,
                    label,
                    tickets: tickets.len(),
                    terms,
                    examples: tickets.iter().take(5).map(|t| t.id.clone()).collect(),
                }
            })
            .collect();
        clusters.sort_by(|a, b| b.tickets.cmp(&a.tickets).then_with(|| a.label.cmp(&b.label)));
        Ok(GapReport { escalated, without_items, clusters })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_accents_and_drop_stop_words() {
        assert_eq!(words("Vorrei sapere la scadenza del bollo: è già passata? Bollo auto!"), vec!["auto", "bollo", "passata", "scadenza"]);
    }
}
