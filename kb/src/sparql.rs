//! SPARQL over the store with per-role datasets, a time limit and a
//! result cap.
//!
//! The dataset of every query is set here, below every caller: the default
//! graph is the union of the graphs the user's roles may read, and only
//! those graphs are available as named graphs. Whatever the query text says
//! (`FROM`, `FROM NAMED`, `GRAPH ?g`), it sees nothing else. `SERVICE` calls
//! are disabled.

use crate::error::{Error, Result};
use crate::rdf::Reader;
use crate::roles::{Actor, Graph, Role, RoleSet};
use crate::store::Kb;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, Term, Triple, Variable};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use std::sync::mpsc;
use std::time::Duration;

/// The materialised outcome of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutcome {
    /// SELECT: variables and rows.
    Solutions {
        /// The projected variables.
        variables: Vec<Variable>,
        /// One entry per row, aligned with `variables`.
        rows: Vec<Vec<Option<Term>>>,
    },
    /// ASK.
    Boolean(bool),
    /// CONSTRUCT or DESCRIBE.
    Graph(Vec<Triple>),
}

/// Cancels a query when its time is up, unless dropped first.
struct Deadline {
    done: Option<mpsc::Sender<()>>,
}

impl Deadline {
    fn start(token: CancellationToken, limit: Duration) -> Self {
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                token.cancel();
            }
        });
        Self { done: Some(tx) }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(());
        }
    }
}

impl QueryOutcome {
    /// Serialises SELECT/ASK results (JSON, XML, CSV, TSV).
    pub fn write_results(&self, format: QueryResultsFormat) -> Result<Vec<u8>> {
        let ser = QueryResultsSerializer::from_format(format);
        let io = |e: std::io::Error| Error::invalid("format", e.to_string());
        match self {
            QueryOutcome::Boolean(b) => ser.serialize_boolean_to_writer(Vec::new(), *b).map_err(io),
            QueryOutcome::Solutions { variables, rows } => {
                let mut w = ser.serialize_solutions_to_writer(Vec::new(), variables.clone()).map_err(io)?;
                for row in rows {
                    w.serialize(variables.iter().zip(row).filter_map(|(v, t)| t.as_ref().map(|t| (v.as_ref(), t.as_ref())))).map_err(io)?;
                }
                w.finish().map_err(io)
            }
            QueryOutcome::Graph(_) => Err(Error::invalid("format", "a CONSTRUCT or DESCRIBE result is a graph: choose an RDF format")),
        }
    }

    /// Serialises CONSTRUCT/DESCRIBE results in an RDF format.
    pub fn write_graph(&self, format: RdfFormat) -> Result<Vec<u8>> {
        let QueryOutcome::Graph(triples) = self else {
            return Err(Error::invalid("format", "only CONSTRUCT and DESCRIBE results are graphs"));
        };
        let io = |e: std::io::Error| Error::invalid("format", e.to_string());
        let mut w = RdfSerializer::from_format(format).for_writer(Vec::new());
        for t in triples {
            w.serialize_triple(t).map_err(io)?;
        }
        w.finish().map_err(io)
    }
}

impl Kb {
    /// Runs a SPARQL query on the dataset `roles` may read.
    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub fn query(&self, roles: &RoleSet, query: &str) -> Result<QueryOutcome> {
        let graphs: Vec<GraphName> = roles
            .readable_graphs()
            .into_iter()
            .filter(|g| *g != Graph::Accounts)
            .map(|g| GraphName::NamedNode(self.graph(g).into_owned()))
            .collect();
        let token = CancellationToken::new();
        let mut prepared = SparqlEvaluator::new().with_cancellation_token(token.clone()).parse_query(query)?;
        prepared.dataset_mut().set_default_graph(graphs.clone());
        prepared.dataset_mut().set_available_named_graphs(
            graphs
                .into_iter()
                .filter_map(|g| match g {
                    GraphName::NamedNode(n) => Some(n.into()),
                    _ => None,
                })
                .collect(),
        );
        let limit = self.config().sparql_timeout();
        let max = self.config().sparql_max_rows;
        let _deadline = Deadline::start(token, limit);
        let timeout = |e: oxigraph::sparql::QueryEvaluationError| match e {
            oxigraph::sparql::QueryEvaluationError::Cancelled => Error::QueryTimeout { seconds: limit.as_secs() },
            e => Error::SparqlEvaluation(e),
        };
        match prepared.on_store(self.store()).execute().map_err(timeout)? {
            QueryResults::Boolean(b) => Ok(QueryOutcome::Boolean(b)),
            QueryResults::Solutions(solutions) => {
                let variables = solutions.variables().to_vec();
                let mut rows = Vec::new();
                for s in solutions {
                    let s = s.map_err(timeout)?;
                    if rows.len() >= max {
                        return Err(Error::ResultTooLarge { limit: max });
                    }
                    rows.push(variables.iter().map(|v| s.get(v).cloned()).collect());
                }
                Ok(QueryOutcome::Solutions { variables, rows })
            }
            QueryResults::Graph(triples) => {
                let mut out = Vec::new();
                for t in triples {
                    if out.len() >= max {
                        return Err(Error::ResultTooLarge { limit: max });
                    }
                    out.push(t.map_err(timeout)?);
                }
                Ok(QueryOutcome::Graph(out))
            }
        }
    }

    /// Runs a SPARQL update (administrators only) in one transaction under
    /// the writer lock, then recomputes the inferred graph. The `accounts`
    /// graph cannot be touched this way.
    #[tracing::instrument(skip_all, err(level = "debug"))]
    pub fn update(&self, actor: &Actor, update: &str) -> Result<()> {
        actor.require("run SPARQL updates", &[Role::Admin])?;
        let prepared = SparqlEvaluator::new().parse_update(update)?;
        let accounts = self.graph(Graph::Accounts);
        {
            let _guard = self.writer();
            let mut tx = self.store().start_transaction()?;
            let before = tx.quads(None, None, None, Some(accounts.into()))?;
            prepared.on_transaction(&mut tx).execute()?;
            if tx.quads(None, None, None, Some(accounts.into()))? != before {
                return Err(Error::Forbidden { action: "change user accounts with SPARQL", needed: "none (use `centralino user`)".into() });
            }
            tx.commit()?;
        }
        self.clear_views();
        self.recompute_inferences()?;
        // An update may change anything search shows: rebuild the index.
        if let Some(index) = self.inner.search.get() {
            index.rebuild(self)?;
        }
        Ok(())
    }
}
