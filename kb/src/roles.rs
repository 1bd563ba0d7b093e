//! Roles, the acting user, and which named graphs each role may read.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A role of the platform (DESIGN.md, "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administers users, configuration, imports and the whole graph.
    Admin,
    /// Writes and edits knowledge items.
    Publisher,
    /// Approves or rejects submitted revisions.
    Approver,
    /// Front-office operator (first level).
    OperatorL1,
    /// Back-office operator (second level, also third-level triage).
    OperatorL2,
    /// Supervises queues and operators.
    Supervisor,
    /// Staff of an administration office.
    Office,
    /// Region analyst: read-only SPARQL and reports.
    Analyst,
    /// Machine account of a PBX/CTI connector.
    Integration,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::Publisher,
        Role::Approver,
        Role::OperatorL1,
        Role::OperatorL2,
        Role::Supervisor,
        Role::Office,
        Role::Analyst,
        Role::Integration,
    ];

    /// The role's name as written in the store and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Publisher => "publisher",
            Role::Approver => "approver",
            Role::OperatorL1 => "operator_l1",
            Role::OperatorL2 => "operator_l2",
            Role::Supervisor => "supervisor",
            Role::Office => "office",
            Role::Analyst => "analyst",
            Role::Integration => "integration",
        }
    }

    /// The named graphs this role may read (see [`Graph`]).
    pub fn readable_graphs(self) -> &'static [Graph] {
        use Graph::*;
        const PUBLIC: &[Graph] = &[Ontology, Taxonomy, KbPublished, Org, Inferred];
        match self {
            Role::Admin => &[Ontology, Taxonomy, KbPublished, KbWorkspace, Org, Crm, Telephony, Audit, Inferred],
            Role::Publisher | Role::Approver => &[Ontology, Taxonomy, KbPublished, KbWorkspace, Org, Inferred],
            Role::OperatorL1 | Role::OperatorL2 | Role::Supervisor => &[Ontology, Taxonomy, KbPublished, Org, Crm, Telephony, Inferred],
            Role::Office => &[Ontology, Taxonomy, KbPublished, Org, Crm, Inferred],
            Role::Analyst => PUBLIC,
            Role::Integration => &[Ontology, Taxonomy, KbPublished, Org, Inferred],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::invalid("role", format!("unknown role {s:?}; known roles: {}", Role::ALL.map(Role::as_str).join(", "))))
    }
}

/// The named graphs of the store (DESIGN.md, "Storage").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Graph {
    /// The T-Box: the project ontology, reused axioms and SHACL shapes. Replaced on upgrade.
    Ontology,
    /// SKOS schemes: classification tree, audiences, thesaurus. Seeded once, edited by administrators.
    Taxonomy,
    /// Published (and archived) knowledge items.
    KbPublished,
    /// Working revisions: drafts and revisions under review, item records.
    KbWorkspace,
    /// Organisation chart: offices and people.
    Org,
    /// Contacts and tickets (personal data).
    Crm,
    /// Contact events (personal data).
    Telephony,
    /// History of changes, revision snapshots and the access log.
    Audit,
    /// Materialised entailments of the public graphs.
    Inferred,
    /// User accounts; never part of any SPARQL dataset.
    Accounts,
}

impl Graph {
    /// Every graph.
    pub const ALL: [Graph; 10] = [
        Graph::Ontology,
        Graph::Taxonomy,
        Graph::KbPublished,
        Graph::KbWorkspace,
        Graph::Org,
        Graph::Crm,
        Graph::Telephony,
        Graph::Audit,
        Graph::Inferred,
        Graph::Accounts,
    ];

    /// The graph's path below `{base}graph/`.
    pub fn path(self) -> &'static str {
        match self {
            Graph::Ontology => "ontology",
            Graph::Taxonomy => "taxonomy",
            Graph::KbPublished => "kb/published",
            Graph::KbWorkspace => "kb/workspace",
            Graph::Org => "org",
            Graph::Crm => "crm",
            Graph::Telephony => "telephony",
            Graph::Audit => "audit",
            Graph::Inferred => "inferred",
            Graph::Accounts => "accounts",
        }
    }

    /// The graphs whose content feeds the `inferred` graph. Only public
    /// graphs, so that entailments never expose personal data or drafts.
    pub const INFERENCE_INPUT: [Graph; 4] = [Graph::Ontology, Graph::Taxonomy, Graph::KbPublished, Graph::Org];
}

/// The set of roles of the acting user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSet(Vec<Role>);

impl RoleSet {
    /// Builds a set, removing duplicates.
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        let mut v: Vec<Role> = roles.into_iter().collect();
        v.sort();
        v.dedup();
        Self(v)
    }

    /// Whether the set holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// Whether the set holds any of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// The roles.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// The union of the readable graphs of every role, in a stable order.
    pub fn readable_graphs(&self) -> Vec<Graph> {
        let mut graphs: Vec<Graph> = self.0.iter().flat_map(|r| r.readable_graphs().iter().copied()).collect();
        graphs.sort();
        graphs.dedup();
        graphs
    }

    /// Whether any role may read `graph`.
    pub fn can_read(&self, graph: Graph) -> bool {
        self.0.iter().any(|r| r.readable_graphs().contains(&graph))
    }
}

/// The user on whose behalf an operation runs: recorded as the PROV agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The login name.
    pub username: String,
    /// The user's roles.
    pub roles: RoleSet,
    /// For staff of an administration office (role `office`): the code of
    /// their office in the organisation chart. They see that office's requests.
    pub office: Option<String>,
}

impl Actor {
    /// An actor with the given name and roles.
    pub fn new(username: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        Self { username: username.into(), roles: RoleSet::new(roles), office: None }
    }

    /// The same actor, member of an office of the organisation chart.
    pub fn with_office(mut self, office: Option<String>) -> Self {
        self.office = office;
        self
    }

    /// The built-in system actor used by the command line with administrator rights.
    pub fn system() -> Self {
        Self::new("system", [Role::Admin])
    }

    /// Fails with [`Error::Forbidden`] unless the actor holds one of `roles`.
    pub fn require(&self, action: &'static str, roles: &[Role]) -> Result<()> {
        if self.roles.has_any(roles) {
            Ok(())
        } else {
            Err(Error::Forbidden { action, needed: roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ") })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyst_never_reads_personal_data_or_audit() {
        let set = RoleSet::new([Role::Analyst]);
        for g in [Graph::Crm, Graph::Telephony, Graph::Audit, Graph::KbWorkspace, Graph::Accounts] {
            assert!(!set.can_read(g), "{g:?}");
        }
        assert!(set.can_read(Graph::KbPublished));
    }

    #[test]
    fn no_role_reads_accounts() {
        for r in Role::ALL {
            assert!(!r.readable_graphs().contains(&Graph::Accounts), "{r}");
        }
    }

    #[test]
    fn roles_parse_case_insensitively_and_reject_unknown() {
        assert_eq!("OPERATOR_L1".parse::<Role>().ok(), Some(Role::OperatorL1));
        let err = "boss".parse::<Role>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("boss") && err.contains("analyst"), "{err}");
    }

    #[test]
    fn require_names_needed_roles() {
        let a = Actor::new("mario", [Role::OperatorL1]);
        let err = a.require("approve", &[Role::Approver, Role::Admin]).err();
        assert!(matches!(err, Some(Error::Forbidden { .. })));
        assert!(a.require("search", &[Role::OperatorL1]).is_ok());
    }
}
