//! The write transaction handed to domain code: it records what changes
//! so that the inferred graph is brought up to date in the same commit.

use crate::error::Result;
use crate::rdf::Reader;
use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, TermRef};
use oxigraph::store::Transaction;

/// One open write: every insert and removal goes through it, and the
/// whole is committed at once by [`Kb::write`](crate::Kb::write).
pub struct WriteTx<'a> {
    pub(crate) tx: Transaction<'a>,
    pub(crate) changed: Vec<Quad>,
}

impl WriteTx<'_> {
    /// Adds a quad.
    pub fn insert<'b>(&mut self, quad: impl Into<QuadRef<'b>>) {
        let quad = quad.into();
        self.tx.insert(quad);
        self.changed.push(quad.into_owned());
    }

    /// Adds many quads.
    pub fn extend<'b>(&mut self, quads: impl IntoIterator<Item = impl Into<QuadRef<'b>>>) {
        for q in quads {
            self.insert(q);
        }
    }

    /// Removes a quad.
    pub fn remove<'b>(&mut self, quad: impl Into<QuadRef<'b>>) {
        let quad = quad.into();
        self.tx.remove(quad);
        self.changed.push(quad.into_owned());
    }

    /// Removes every quad of `subject` in `graph` and returns them.
    pub fn remove_subject(&mut self, subject: NamedNodeRef<'_>, graph: NamedNodeRef<'_>) -> Result<Vec<Quad>> {
        let quads = self.quads(Some(subject.into()), None, None, Some(graph.into()))?;
        for q in &quads {
            self.remove(q);
        }
        Ok(quads)
    }

    /// Removes every quad of a graph (recording each for inference).
    pub fn clear_graph(&mut self, graph: NamedNodeRef<'_>) -> Result<()> {
        let quads = self.quads(None, None, None, Some(graph.into()))?;
        for q in &quads {
            self.remove(q);
        }
        Ok(())
    }

    /// Whether a quad is present (including this transaction's writes).
    pub fn contains<'b>(&self, quad: impl Into<QuadRef<'b>>) -> Result<bool> {
        Ok(self.tx.contains(quad)?)
    }
}

impl Reader for WriteTx<'_> {
    fn quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Quad>> {
        self.tx.quads(subject, predicate, object, graph)
    }
}
