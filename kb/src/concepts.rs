//! The classification tree (KB-2): SKOS concepts in the `taxonomy` graph.
//! Create, rename, move (no cycles), merge, alternative labels, delete
//! when unused; each change is a `cc:Change` activity in `audit` with a
//! snapshot of the description before it.

use crate::activity::ActivityRecord;
use crate::error::{Error, Result};
use crate::rdf::{Reader, lit, lit_lang, nn, parse_iri, term_value};
use crate::roles::{Actor, Graph, Role};
use crate::store::Kb;
use crate::write::WriteTx;
use chrono::Utc;
use ontologies::vocab::{cc, dcterms, rdf, skos};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// A concept of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concept {
    /// Its IRI.
    pub iri: String,
    /// Preferred label in Italian.
    pub label: String,
    /// Preferred label in English, if any.
    pub label_en: Option<String>,
    /// Alternative labels (synonyms), Italian.
    pub alt_labels: Vec<String>,
    /// The broader concept, if not a top concept.
    pub broader: Option<String>,
    /// Notation code, if any.
    pub notation: Option<String>,
    /// The scheme.
    pub scheme: Option<String>,
}

/// A concept with its narrower concepts, for tree display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConceptNode {
    /// The concept.
    pub concept: Concept,
    /// Narrower concepts, sorted by label.
    pub children: Vec<ConceptNode>,
}

/// What to create.
#[derive(Debug, Clone, Default)]
pub struct NewConcept {
    /// IRI of the scheme.
    pub scheme: String,
    /// IRI of the broader concept; `None` for a top concept.
    pub parent: Option<String>,
    /// Preferred label, Italian.
    pub label: String,
    /// Preferred label, English.
    pub label_en: Option<String>,
    /// Alternative labels, Italian.
    pub alt_labels: Vec<String>,
    /// Notation code.
    pub notation: Option<String>,
}

const ADMINS: &[Role] = &[Role::Admin];

/// A lowercase ASCII slug of a label: `Sanità > Esenzioni` → `sanita-esenzioni`.
pub fn slug(label: &str) -> String {
    let folded = deunicode::deunicode(label).to_ascii_lowercase();
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(60).collect()
}

/// N-Triples text of some quads (snapshots in the audit graph).
pub(crate) fn snapshot(quads: &[Quad]) -> String {
    quads.iter().map(|q| format!("{} {} {} .\n", q.subject, q.predicate, q.object)).collect()
}

impl Kb {
    fn tax(&self) -> NamedNode {
        self.graph(Graph::Taxonomy).into_owned()
    }

    fn concept_from(&self, reader: &impl Reader, iri: &NamedNode) -> Result<Option<Concept>> {
        let quads = reader.quads(Some(iri.as_ref().into()), None, None, Some(self.graph(Graph::Taxonomy).into()))?;
        if !quads.iter().any(|q| q.predicate.as_str() == rdf::TYPE && term_value(&q.object) == skos::CONCEPT) {
            return Ok(None);
        }
        let mut c = Concept {
            iri: iri.as_str().to_owned(),
            label: String::new(),
            label_en: None,
            alt_labels: Vec::new(),
            broader: None,
            notation: None,
            scheme: None,
        };
        for q in &quads {
            let v = term_value(&q.object).to_owned();
            let lang = match &q.object {
                Term::Literal(l) => l.language().unwrap_or("").to_owned(),
                _ => String::new(),
            };
            match q.predicate.as_str() {
                skos::PREF_LABEL if lang == "en" => c.label_en = Some(v),
                skos::PREF_LABEL => c.label = v,
                skos::ALT_LABEL if lang != "en" => c.alt_labels.push(v),
                skos::BROADER => c.broader = Some(v),
                skos::NOTATION => c.notation = Some(v),
                skos::IN_SCHEME => c.scheme = Some(v),
                _ => {}
            }
        }
        c.alt_labels.sort();
        Ok(Some(c))
    }

    /// One concept.
    pub fn concept(&self, iri: &str) -> Result<Option<Concept>> {
        let iri = parse_iri("concept", iri)?;
        self.concept_from(self.store(), &iri)
    }

    /// Every concept of `scheme` (or of all schemes), sorted by label.
    pub fn concepts(&self, scheme: Option<&str>) -> Result<Vec<Concept>> {
        let tax = self.graph(Graph::Taxonomy);
        let mut out = Vec::new();
        for q in self.store().quads(None, Some(nn(rdf::TYPE)), Some(nn(skos::CONCEPT).into()), Some(tax.into()))? {
            let NamedOrBlankNode::NamedNode(n) = q.subject else {
                continue;
            };
            if let Some(c) = self.concept_from(self.store(), &n)?
                && scheme.is_none_or(|s| c.scheme.as_deref() == Some(s))
            {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.label.cmp(&b.label));
        Ok(out)
    }

    /// The concepts of `scheme` as a tree.
    pub fn concept_tree(&self, scheme: &str) -> Result<Vec<ConceptNode>> {
        let all = self.concepts(Some(scheme))?;
        let known: HashSet<String> = all.iter().map(|c| c.iri.clone()).collect();
        let mut children: BTreeMap<Option<String>, Vec<Concept>> = BTreeMap::new();
        for c in all {
            let parent = c.broader.clone().filter(|b| known.contains(b));
            children.entry(parent).or_default().push(c);
        }
        fn build(parent: Option<String>, children: &mut BTreeMap<Option<String>, Vec<Concept>>, depth: usize) -> Vec<ConceptNode> {
            let list = children.remove(&parent).unwrap_or_default();
            list.into_iter()
                .map(|c| {
                    let kids = if depth < 32 { build(Some(c.iri.clone()), children, depth + 1) } else { Vec::new() };
                    ConceptNode { concept: c, children: kids }
                })
                .collect()
        }
        Ok(build(None, &mut children, 0))
    }

    /// The IRI of the main classification scheme.
    pub fn areas_scheme(&self) -> NamedNode {
        self.iri("id/scheme/aree")
    }

    /// The IRI of the audience scheme.
    pub fn audience_scheme(&self) -> NamedNode {
        self.iri("id/scheme/destinatari")
    }

    fn require_concept(&self, w: &WriteTx<'_>, iri: &str, field: &str) -> Result<NamedNode> {
        let n = parse_iri(field, iri)?;
        if w.has(n.as_ref(), rdf::TYPE, nn(skos::CONCEPT).into(), self.graph(Graph::Taxonomy))? {
            Ok(n)
        } else {
            Err(Error::not_found("concept", iri))
        }
    }

    fn record_change(&self, w: &mut WriteTx<'_>, actor: &Actor, kind: &str, about: &NamedNode, before: &[Quad], comment: Option<&str>) {
        self.record_activity(
            w,
            actor,
            Utc::now(),
            ActivityRecord {
                class: cc::CHANGE,
                kind,
                about,
                about_property: cc::ON_RESOURCE,
                comment,
                used: None,
                from: None,
                to: None,
                snapshot: (!before.is_empty()).then(|| snapshot(before)),
            },
        );
    }

    /// Creates a concept and returns its IRI (`{base}id/concept/{slug}`).
    pub fn create_concept(&self, actor: &Actor, new: &NewConcept) -> Result<String> {
        self.write(|w| self.create_concept_in(w, actor, new))
    }

    /// Inside a write: creates a concept (see [`Kb::create_concept`]).
    pub fn create_concept_in(&self, w: &mut WriteTx<'_>, actor: &Actor, new: &NewConcept) -> Result<String> {
        actor.require("edit the classification tree", ADMINS)?;
        let label = new.label.trim();
        if label.is_empty() {
            return Err(Error::MissingField { field: "label" });
        }
        let scheme = parse_iri("scheme", &new.scheme)?;
        let tax = self.tax();
        if !w.has(scheme.as_ref(), rdf::TYPE, nn(skos::CONCEPT_SCHEME).into(), tax.as_ref())? {
            return Err(Error::not_found("scheme", scheme.as_str()));
        }
        let parent = new.parent.as_deref().map(|p| self.require_concept(w, p, "parent")).transpose()?;
        let base = slug(label);
        if base.is_empty() {
            return Err(Error::invalid("label", "needs at least one letter or digit"));
        }
        let mut iri = self.iri(&format!("id/concept/{base}"));
        let mut i = 2;
        while w.describes(iri.as_ref(), tax.as_ref())? {
            iri = self.iri(&format!("id/concept/{base}-{i}"));
            i += 1;
        }
        let mut add = |p: &'static str, o: Term| w.put(Quad::new(iri.clone(), nn(p), o, tax.clone()));
        add(rdf::TYPE, nn(skos::CONCEPT).into_owned().into());
        add(skos::IN_SCHEME, scheme.clone().into());
        add(skos::PREF_LABEL, lit_lang(label, "it").into());
        if let Some(en) = new.label_en.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            add(skos::PREF_LABEL, lit_lang(en, "en").into());
        }
        for a in new.alt_labels.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            add(skos::ALT_LABEL, lit_lang(a, "it").into());
        }
        if let Some(n) = new.notation.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            add(skos::NOTATION, lit(n).into());
        }
        match &parent {
            Some(p) => add(skos::BROADER, p.clone().into()),
            None => add(skos::TOP_CONCEPT_OF, scheme.clone().into()),
        }
        self.record_change(w, actor, "create-concept", &iri, &[], None);
        Ok(iri.as_str().to_owned())
    }

    /// Renames a concept (preferred labels); the old Italian label is kept
    /// as an alternative label so searches by it still work.
    pub fn rename_concept(&self, actor: &Actor, iri: &str, label: &str, label_en: Option<&str>) -> Result<()> {
        actor.require("edit the classification tree", ADMINS)?;
        let label = label.trim();
        if label.is_empty() {
            return Err(Error::MissingField { field: "label" });
        }
        self.write(|w| {
            let c = self.require_concept(w, iri, "concept")?;
            let tax = self.tax();
            let before = w.quads(Some(c.as_ref().into()), None, None, Some(tax.as_ref().into()))?;
            for q in before.iter().filter(|q| q.predicate.as_str() == skos::PREF_LABEL) {
                let Term::Literal(l) = &q.object else {
                    continue;
                };
                let is_en = l.language() == Some("en");
                if is_en && label_en.is_none() {
                    continue;
                }
                w.remove(q);
                if !is_en && l.value() != label {
                    w.put(Quad::new(c.clone(), nn(skos::ALT_LABEL), lit_lang(l.value(), "it"), tax.clone()));
                }
            }
            w.put(Quad::new(c.clone(), nn(skos::PREF_LABEL), lit_lang(label, "it"), tax.clone()));
            if let Some(en) = label_en.map(str::trim).filter(|s| !s.is_empty()) {
                w.put(Quad::new(c.clone(), nn(skos::PREF_LABEL), lit_lang(en, "en"), tax.clone()));
            }
            w.remove(&Quad::new(c.clone(), nn(skos::ALT_LABEL), lit_lang(label, "it"), tax.clone()));
            self.record_change(w, actor, "rename-concept", &c, &before, None);
            Ok(())
        })
    }

    /// Replaces the alternative labels (synonyms) of a concept.
    pub fn set_concept_alt_labels(&self, actor: &Actor, iri: &str, labels: &[String]) -> Result<()> {
        actor.require("edit the classification tree", ADMINS)?;
        self.write(|w| {
            let c = self.require_concept(w, iri, "concept")?;
            let tax = self.tax();
            let before = w.quads(Some(c.as_ref().into()), None, None, Some(tax.as_ref().into()))?;
            for q in before.iter().filter(|q| q.predicate.as_str() == skos::ALT_LABEL) {
                w.remove(q);
            }
            for l in labels.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                w.put(Quad::new(c.clone(), nn(skos::ALT_LABEL), lit_lang(l, "it"), tax.clone()));
            }
            self.record_change(w, actor, "relabel-concept", &c, &before, None);
            Ok(())
        })
    }

    /// The asserted ancestors of a concept, nearest first.
    fn ancestors(&self, reader: &impl Reader, c: &NamedNode) -> Result<Vec<NamedNode>> {
        let tax = self.graph(Graph::Taxonomy);
        let mut out: Vec<NamedNode> = Vec::new();
        let mut cur = c.clone();
        while let Some(Term::NamedNode(p)) = reader.object(cur.as_ref(), skos::BROADER, tax)? {
            if out.contains(&p) || &p == c {
                break;
            }
            out.push(p.clone());
            cur = p;
        }
        Ok(out)
    }

    /// Moves a concept under `new_parent` (or to the top with `None`).
    /// Refuses to create a cycle.
    pub fn move_concept(&self, actor: &Actor, iri: &str, new_parent: Option<&str>) -> Result<()> {
        actor.require("edit the classification tree", ADMINS)?;
        self.write(|w| {
            let c = self.require_concept(w, iri, "concept")?;
            let parent = new_parent.map(|p| self.require_concept(w, p, "parent")).transpose()?;
            if let Some(p) = &parent
                && (p == &c || self.ancestors(w, p)?.contains(&c))
            {
                return Err(Error::Cycle { id: c.as_str().into(), parent: p.as_str().into() });
            }
            let tax = self.tax();
            let before = w.quads(Some(c.as_ref().into()), None, None, Some(tax.as_ref().into()))?;
            let scheme = before.iter().find(|q| q.predicate.as_str() == skos::IN_SCHEME).map(|q| q.object.clone());
            for q in before.iter().filter(|q| matches!(q.predicate.as_str(), skos::BROADER | skos::TOP_CONCEPT_OF)) {
                w.remove(q);
            }
            match (parent, scheme) {
                (Some(p), _) => w.put(Quad::new(c.clone(), nn(skos::BROADER), p, tax.clone())),
                (None, Some(s)) => w.put(Quad::new(c.clone(), nn(skos::TOP_CONCEPT_OF), s, tax.clone())),
                (None, None) => {}
            }
            self.record_change(w, actor, "move-concept", &c, &before, None);
            Ok(())
        })
    }

    /// References to a concept from items (published and working) and
    /// from narrower concepts.
    fn concept_references(&self, reader: &impl Reader, c: &NamedNode) -> Result<Vec<Quad>> {
        let mut refs = Vec::new();
        for g in [Graph::KbPublished, Graph::KbWorkspace] {
            for p in [dcterms::SUBJECT, cc::AUDIENCE] {
                refs.extend(reader.quads(None, Some(nn(p)), Some(c.as_ref().into()), Some(self.graph(g).into()))?);
            }
        }
        refs.extend(reader.quads(None, Some(nn(skos::BROADER)), Some(c.as_ref().into()), Some(self.graph(Graph::Taxonomy).into()))?);
        Ok(refs)
    }

    /// Deletes an unused concept. A concept used by items or with narrower
    /// concepts is refused with [`Error::InUse`]: reassign or merge first.
    pub fn delete_concept(&self, actor: &Actor, iri: &str) -> Result<()> {
        actor.require("edit the classification tree", ADMINS)?;
        self.write(|w| {
            let c = self.require_concept(w, iri, "concept")?;
            let refs = self.concept_references(w, &c)?;
            if !refs.is_empty() {
                return Err(Error::InUse { kind: "concept", id: c.as_str().into(), count: refs.len() });
            }
            let before = w.remove_subject(c.as_ref(), self.graph(Graph::Taxonomy))?;
            self.record_change(w, actor, "delete-concept", &c, &before, None);
            Ok(())
        })
    }

    /// Merges `source` into `target`: items and narrower concepts of the
    /// source move to the target, its labels become alternative labels of
    /// the target, and the source is left as a `cc:mergedInto` pointer.
    pub fn merge_concepts(&self, actor: &Actor, source: &str, target: &str) -> Result<usize> {
        actor.require("edit the classification tree", ADMINS)?;
        self.write(|w| {
            let s = self.require_concept(w, source, "source")?;
            let t = self.require_concept(w, target, "target")?;
            if s == t || self.ancestors(w, &t)?.contains(&s) {
                return Err(Error::Cycle { id: s.as_str().into(), parent: t.as_str().into() });
            }
            let tax = self.tax();
            let refs = self.concept_references(w, &s)?;
            for q in &refs {
                w.remove(q);
                w.put(Quad::new(q.subject.clone(), q.predicate.clone(), t.clone(), q.graph_name.clone()));
            }
            let before = w.remove_subject(s.as_ref(), tax.as_ref())?;
            let target_pref: Vec<Term> = w.objects(t.as_ref(), skos::PREF_LABEL, tax.as_ref())?;
            for q in before.iter().filter(|q| matches!(q.predicate.as_str(), skos::PREF_LABEL | skos::ALT_LABEL)) {
                if !target_pref.contains(&q.object) {
                    w.put(Quad::new(t.clone(), nn(skos::ALT_LABEL), q.object.clone(), tax.clone()));
                }
            }
            for q in w.quads(None, None, Some(s.as_ref().into()), Some(tax.as_ref().into()))? {
                w.remove(&q);
            }
            w.put(Quad::new(s.clone(), nn(cc::MERGED_INTO), t.clone(), tax.clone()));
            let comment = format!("merged into {}", t.as_str());
            self.record_change(w, actor, "merge-concept", &s, &before, Some(&comment));
            Ok(refs.len())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_fold_accents_and_punctuation() {
        assert_eq!(slug("Sanità > Esenzioni"), "sanita-esenzioni");
        assert_eq!(slug("  Attività produttive e fondi europei "), "attivita-produttive-e-fondi-europei");
        assert_eq!(slug("L'ufficio"), "l-ufficio");
    }
}
