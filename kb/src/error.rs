//! The error type of the knowledge base.

use std::path::PathBuf;

/// Everything that can go wrong in the knowledge base.
///
/// Variants that come from the caller's input name the field, state or
/// resource at fault, so that a page or the command line can show a clear
/// message. After any error the graph is unchanged: writes are single
/// transactions that are only committed when every check has passed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The RocksDB store failed (disk full, corruption, I/O).
    #[error("graph store error: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    /// A SPARQL query or update could not be parsed; the message carries the position.
    #[error("SPARQL syntax error: {0}")]
    SparqlSyntax(#[from] oxigraph::sparql::SparqlSyntaxError),
    /// A SPARQL query failed while being evaluated.
    #[error("SPARQL evaluation error: {0}")]
    SparqlEvaluation(#[from] oxigraph::sparql::QueryEvaluationError),
    /// A SPARQL update failed while being evaluated.
    #[error("SPARQL update error: {0}")]
    SparqlUpdate(#[from] oxigraph::sparql::UpdateEvaluationError),
    /// A bulk write tried to change stored data; it is run again as a
    /// transaction by [`Kb::write_bulk`](crate::Kb::write_bulk) and never
    /// reaches callers of that function.
    #[error("a bulk write cannot {reason}; it needs a transaction")]
    NeedsTransaction {
        /// What the write tried to do.
        reason: String,
    },
    /// A query ran longer than the configured limit and was cancelled.
    #[error("query cancelled after {seconds} s (time limit)")]
    QueryTimeout {
        /// The limit that was hit, in seconds.
        seconds: u64,
    },
    /// A query produced more rows than the configured cap.
    #[error("query result exceeds the limit of {limit} rows")]
    ResultTooLarge {
        /// The cap on result rows.
        limit: usize,
    },
    /// An RDF document could not be parsed.
    #[error("RDF syntax error in {source_name}: {message}")]
    RdfSyntax {
        /// Which document (file name or embedded resource).
        source_name: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A file of the data directory could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Another process holds the data directory.
    #[error("the data directory {path} is in use by another centralino process; stop it or choose another --data-dir")]
    DataDirLocked {
        /// The data directory.
        path: PathBuf,
    },
    /// The data directory was created with other settings.
    #[error("configuration mismatch for `{field}`: the data directory has {stored:?}, the configuration asks for {configured:?}")]
    ConfigMismatch {
        /// The setting.
        field: &'static str,
        /// The value stored in the data directory.
        stored: String,
        /// The value of the current configuration.
        configured: String,
    },
    /// A value is not a valid IRI.
    #[error("invalid IRI in `{field}`: {value:?} ({message})")]
    InvalidIri {
        /// The field that held the IRI.
        field: String,
        /// The rejected value.
        value: String,
        /// Why it was rejected.
        message: String,
    },
    /// A value is syntactically or semantically invalid.
    #[error("invalid value for `{field}`: {message}")]
    InvalidValue {
        /// The field.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A required field is missing or empty.
    #[error("missing required field `{field}`")]
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// A referenced resource does not exist.
    #[error("unknown {kind} {id:?}")]
    NotFound {
        /// What kind of resource (item, concept, office, person, user, revision).
        kind: &'static str,
        /// Its identifier or IRI.
        id: String,
    },
    /// A resource with that identifier already exists.
    #[error("{kind} {id:?} already exists")]
    AlreadyExists {
        /// What kind of resource.
        kind: &'static str,
        /// Its identifier.
        id: String,
    },
    /// The operation is not allowed in the item's current state.
    #[error("cannot {action} item {item}: it is {state}")]
    IllegalTransition {
        /// The item identifier.
        item: String,
        /// The attempted action.
        action: &'static str,
        /// The state that forbids it.
        state: String,
    },
    /// An edit was based on a revision that is no longer the current one.
    #[error(
        "item {item} was changed meanwhile: your edit is based on revision {based_on}, the current one is {current}; reload and apply your changes again"
    )]
    StaleRevision {
        /// The item identifier.
        item: String,
        /// The revision the edit was based on.
        based_on: u32,
        /// The current revision.
        current: u32,
    },
    /// The four-eyes rule: the approver may not be the author.
    #[error("{user} wrote revision {revision} of {item} and may not approve it (four-eyes rule)")]
    SelfApproval {
        /// The item identifier.
        item: String,
        /// The revision.
        revision: u32,
        /// The user.
        user: String,
    },
    /// The user lacks the role the operation needs.
    #[error("permission denied: {action} needs one of the roles {needed}")]
    Forbidden {
        /// What was attempted.
        action: &'static str,
        /// The roles that would allow it.
        needed: String,
    },
    /// A concept or office is still referenced and cannot be removed.
    #[error("{kind} {id} is in use by {count} item(s) or sub-entries; reassign them first")]
    InUse {
        /// What kind of resource.
        kind: &'static str,
        /// Its identifier.
        id: String,
        /// How many references remain.
        count: usize,
    },
    /// Moving a concept or office under itself or one of its descendants.
    #[error("moving {id} under {parent} would create a cycle")]
    Cycle {
        /// The resource being moved.
        id: String,
        /// The requested parent.
        parent: String,
    },
    /// Wrong user name or password.
    #[error("wrong user name or password")]
    BadCredentials,
    /// Password hashing failed.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
}

/// The result type of the knowledge base.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Shorthand for [`Error::InvalidValue`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidValue { field: field.into(), message: message.into() }
    }

    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound { kind, id: id.into() }
    }
}
