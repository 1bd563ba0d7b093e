//! The error type of the CRM.

/// What can go wrong in the CRM. Every refusal leaves the graph unchanged.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the knowledge graph underneath.
    #[error(transparent)]
    Kb(#[from] kb::Error),
    /// A value that does not fit its field.
    #[error("invalid value for `{field}`: {message}")]
    InvalidValue {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A required field is empty.
    #[error("missing required field `{field}`")]
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// An unknown identifier.
    #[error("unknown {kind} {id:?}")]
    NotFound {
        /// What was looked for.
        kind: &'static str,
        /// Its identifier.
        id: String,
    },
    /// A transition that the ticket's state does not allow.
    #[error("cannot {action} ticket {ticket}: it is {state}")]
    IllegalTransition {
        /// The ticket.
        ticket: String,
        /// The refused action.
        action: &'static str,
        /// The state it is in.
        state: &'static str,
    },
    /// An edit based on an old version (optimistic concurrency).
    #[error("{kind} {id} was changed meanwhile (your version {based_on}, current {current}); reload and try again")]
    Stale {
        /// Ticket or contact.
        kind: &'static str,
        /// Its identifier.
        id: String,
        /// The version the edit was based on.
        based_on: u64,
        /// The current version.
        current: u64,
    },
    /// The actor may not do this.
    #[error("permission denied: {action} needs {needed}")]
    Forbidden {
        /// The refused action.
        action: &'static str,
        /// The roles or conditions needed.
        needed: String,
    },
}

/// Result type of the CRM.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An invalid value.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidValue { field: field.into(), message: message.into() }
    }

    /// An unknown identifier.
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound { kind, id: id.into() }
    }
}

/// Checks the actor's roles, with the CRM's error type.
pub(crate) fn require(actor: &kb::Actor, action: &'static str, roles: &[kb::Role]) -> Result<()> {
    actor.require(action, roles).map_err(|_| Error::Forbidden {
        action,
        needed: format!("one of the roles {}", roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")),
    })
}
