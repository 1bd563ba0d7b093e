//! Errors of the telephony engine.

/// What went wrong, naming what and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: the field and the reason.
    #[error("{field}: {message}")]
    Invalid {
        /// The field or element at fault.
        field: String,
        /// Why it is refused.
        message: String,
    },
    /// Something that does not exist.
    #[error("{kind} {id:?} not found")]
    NotFound {
        /// What was looked for.
        kind: &'static str,
        /// Its identifier.
        id: String,
    },
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The user's roles do not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// The knowledge graph failed.
    #[error(transparent)]
    Kb(#[from] kb::Error),
    /// The CRM failed.
    #[error(transparent)]
    Crm(#[from] crm::Error),
    /// The engine is shutting down or stopped.
    #[error("the telephony engine is not running")]
    Stopped,
}

impl Error {
    /// An [`Error::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { field: field.into(), message: message.into() }
    }

    /// An [`Error::NotFound`].
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Error::NotFound { kind, id: id.into() }
    }
}

/// Result of the telephony engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
