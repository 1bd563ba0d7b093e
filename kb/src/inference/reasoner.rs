//! The rules: T-Box closures read from the ontology, and per predicate
//! (per class for rdf:type) the templates of what a triple entails.

use crate::rdf::nn;
use ontologies::vocab::{owl, rdf, rdfs, xsd};
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef, Triple};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The T-Box closures the rules need, built from the `ontology` graph.
#[derive(Debug, Default)]
pub struct Reasoner {
    superclasses: HashMap<NamedNode, Vec<NamedNode>>,
    superproperties: HashMap<NamedNode, Vec<NamedNode>>,
    domains: HashMap<NamedNode, Vec<NamedNode>>,
    ranges: HashMap<NamedNode, Vec<NamedNode>>,
    inverses: HashMap<NamedNode, Vec<NamedNode>>,
    pub(super) transitive: HashSet<NamedNode>,
    symmetric: HashSet<NamedNode>,
    /// Predicates whose inferred triples come from the global closure.
    pub(super) family: HashSet<NamedNode>,
    /// Predicates whose triples produce family triples.
    pub(super) feeds_family: HashSet<NamedNode>,
    /// Predicates whose triples produce entailments about their object;
    /// `true` when those entailments also mention the subject (inverses),
    /// so every such triple must be read, not just one witness.
    pub(super) object_side: HashMap<NamedNode, bool>,
    /// Per predicate, what [`Reasoner::entail_by_rules`] derives from a
    /// probe triple `PROBE_S p PROBE_O` (index 0) and `PROBE_S p
    /// PROBE_LITERAL` (index 1), with the probes turned into slots: the
    /// entailments of any triple with that predicate.
    templates: HashMap<String, [Vec<Template>; 2]>,
    /// Per class, what `PROBE_S rdf:type class` entails.
    type_templates: HashMap<String, Vec<Template>>,
}

/// A position in a [`Template`]: the subject of the triple it is applied
/// to, its object, or a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot<T> {
    Subject,
    Object,
    Const(T),
}

impl<T> Slot<T> {
    /// The same slot with its constant mapped.
    pub(crate) fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Slot<U> {
        match self {
            Self::Subject => Slot::Subject,
            Self::Object => Slot::Object,
            Self::Const(c) => Slot::Const(f(c)),
        }
    }
}

impl<T: Copy> Slot<T> {
    /// The value of the slot for a triple with `subject` and `object`.
    pub(crate) fn fill(self, subject: T, object: T) -> T {
        match self {
            Self::Subject => subject,
            Self::Object => object,
            Self::Const(c) => c,
        }
    }
}

/// One entailment of every triple with a given predicate (and class, for
/// rdf:type): made once from a probe triple, applied to any triple by
/// putting its subject and object in the slots.
#[derive(Debug)]
pub(crate) struct Template {
    pub(crate) subject: Slot<NamedOrBlankNode>,
    pub(crate) predicate: NamedNode,
    pub(crate) object: Slot<Term>,
}

impl Template {
    /// The template of an entailment of a probe triple.
    fn from_probe(t: Triple) -> Self {
        let subject = match t.subject {
            NamedOrBlankNode::NamedNode(n) if n.as_str() == PROBE_S => Slot::Subject,
            NamedOrBlankNode::NamedNode(n) if n.as_str() == PROBE_O => Slot::Object,
            other => Slot::Const(other),
        };
        let object = match t.object {
            Term::NamedNode(n) if n.as_str() == PROBE_S => Slot::Subject,
            Term::NamedNode(n) if n.as_str() == PROBE_O => Slot::Object,
            Term::Literal(l) if l.value() == PROBE_LITERAL => Slot::Object,
            other => Slot::Const(other),
        };
        Self { subject, predicate: t.predicate, object }
    }

    /// What the template derives from `subject predicate object`: nothing
    /// when it would make a literal object a subject, or give back the
    /// triple itself (a symmetric triple from a node to itself).
    fn apply(&self, subject: NamedOrBlankNodeRef<'_>, predicate: NamedNodeRef<'_>, object: TermRef<'_>) -> Option<Triple> {
        let s = match &self.subject {
            Slot::Subject => subject,
            Slot::Object => match object {
                TermRef::NamedNode(n) => n.into(),
                TermRef::BlankNode(b) => b.into(),
                _ => return None,
            },
            Slot::Const(c) => c.as_ref(),
        };
        let o = match &self.object {
            Slot::Subject => subject.into(),
            Slot::Object => object,
            Slot::Const(c) => c.as_ref(),
        };
        let itself = s == subject && self.predicate.as_ref() == predicate && o == object;
        (!itself).then(|| Triple::new(s.into_owned(), self.predicate.clone(), o.into_owned()))
    }
}

const PROBE_S: &str = "urn:centralino:probe:x";
const PROBE_O: &str = "urn:centralino:probe:y";
const PROBE_LITERAL: &str = "urn:centralino:probe:literal";

fn is_datatype(c: &NamedNode) -> bool {
    let s = c.as_str();
    s.starts_with(xsd::NS) || s == rdf::LANG_STRING || s == rdfs::LITERAL || s == rdfs::RESOURCE
}

/// Reflexive-transitive successors in a relation, excluding the start.
fn closure(edges: &HashMap<NamedNode, Vec<NamedNode>>, start: &NamedNode) -> Vec<NamedNode> {
    let mut seen: BTreeSet<NamedNode> = BTreeSet::new();
    let mut stack = vec![start.clone()];
    while let Some(n) = stack.pop() {
        for next in edges.get(&n).into_iter().flatten() {
            if next != start && seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen.into_iter().collect()
}

impl Reasoner {
    /// Builds the closures from the T-Box triples.
    pub fn from_tbox<'a>(triples: impl Iterator<Item = (&'a NamedOrBlankNode, &'a NamedNode, &'a Term)>) -> Self {
        let mut sub_class: HashMap<NamedNode, Vec<NamedNode>> = HashMap::new();
        let mut sub_prop: HashMap<NamedNode, Vec<NamedNode>> = HashMap::new();
        let mut r = Reasoner::default();
        r.transitive.insert(nn(rdfs::SUB_CLASS_OF).into_owned());
        r.transitive.insert(nn(rdfs::SUB_PROPERTY_OF).into_owned());
        let push = |m: &mut HashMap<NamedNode, Vec<NamedNode>>, k: &NamedNode, v: &NamedNode| {
            let e = m.entry(k.clone()).or_default();
            if !e.contains(v) {
                e.push(v.clone());
            }
        };
        for (s, p, o) in triples {
            let (NamedOrBlankNode::NamedNode(s), p) = (s, p.as_str()) else {
                continue;
            };
            let o_node = match o {
                Term::NamedNode(n) => Some(n),
                _ => None,
            };
            match (p, o_node) {
                (rdfs::SUB_CLASS_OF, Some(o)) => push(&mut sub_class, s, o),
                (owl::EQUIVALENT_CLASS, Some(o)) => {
                    push(&mut sub_class, s, o);
                    push(&mut sub_class, o, s);
                }
                (rdfs::SUB_PROPERTY_OF, Some(o)) => push(&mut sub_prop, s, o),
                (owl::EQUIVALENT_PROPERTY, Some(o)) => {
                    push(&mut sub_prop, s, o);
                    push(&mut sub_prop, o, s);
                }
                (rdfs::DOMAIN, Some(o)) => push(&mut r.domains, s, o),
                (rdfs::RANGE, Some(o)) if !is_datatype(o) => push(&mut r.ranges, s, o),
                (owl::INVERSE_OF, Some(o)) => {
                    push(&mut r.inverses, s, o);
                    push(&mut r.inverses, o, s);
                }
                (rdf::TYPE, Some(o)) if o.as_str() == owl::TRANSITIVE_PROPERTY => {
                    r.transitive.insert(s.clone());
                }
                (rdf::TYPE, Some(o)) if o.as_str() == owl::SYMMETRIC_PROPERTY => {
                    r.symmetric.insert(s.clone());
                }
                _ => {}
            }
        }
        for c in sub_class.keys() {
            r.superclasses.insert(c.clone(), closure(&sub_class, c));
        }
        for p in sub_prop.keys() {
            r.superproperties.insert(p.clone(), closure(&sub_prop, p));
        }
        // The family: transitive properties and what derives from them.
        r.family = r.transitive.clone();
        loop {
            let mut grown = r.family.clone();
            for p in &r.family {
                grown.extend(r.superproperties.get(p).into_iter().flatten().cloned());
                grown.extend(r.inverses.get(p).into_iter().flatten().cloned());
            }
            if grown.len() == r.family.len() {
                break;
            }
            r.family = grown;
        }
        // Classify every predicate the T-Box knows with a probe triple.
        let known: HashSet<NamedNode> = r
            .superproperties
            .keys()
            .chain(r.domains.keys())
            .chain(r.ranges.keys())
            .chain(r.inverses.keys())
            .chain(r.transitive.iter())
            .chain(r.symmetric.iter())
            .cloned()
            .collect();
        let x = NamedNode::new_unchecked(PROBE_S);
        let y = NamedNode::new_unchecked(PROBE_O);
        let literal = oxigraph::model::Literal::new_simple_literal(PROBE_LITERAL);
        let made = |probe: Triple| -> Vec<Template> { r.entail_by_rules(&probe).into_iter().map(Template::from_probe).collect() };
        let templates: HashMap<NamedNode, [Vec<Template>; 2]> = known
            .into_iter()
            .map(|p| {
                let with_node = made(Triple::new(x.clone(), p.clone(), y.clone()));
                let with_literal = made(Triple::new(x.clone(), p.clone(), literal.clone()));
                (p, [with_node, with_literal])
            })
            .collect();
        let type_templates =
            r.superclasses.keys().map(|c| (c.as_str().to_owned(), made(Triple::new(x.clone(), nn(rdf::TYPE), c.clone())))).collect();
        r.type_templates = type_templates;
        for (p, [out, _]) in &templates {
            if r.family.contains(p) || out.iter().any(|t| r.family.contains(&t.predicate)) {
                r.feeds_family.insert(p.clone());
            }
            let about_object: Vec<&Template> = out.iter().filter(|t| t.subject == Slot::Object).collect();
            if !about_object.is_empty() {
                let mentions_subject = about_object.iter().any(|t| t.object == Slot::Subject);
                r.object_side.insert(p.clone(), mentions_subject);
            }
        }
        r.templates = templates.into_iter().map(|(p, t)| (p.into_string(), t)).collect();
        r
    }

    /// Whether `p` is derived by the global closure.
    pub(super) fn is_family(&self, p: &NamedNode) -> bool {
        self.family.contains(p)
    }

    /// Whether triples with predicate `p` produce family triples.
    pub(super) fn feeds_family(&self, p: NamedNodeRef<'_>) -> bool {
        self.feeds_family.iter().any(|f| f.as_ref() == p)
    }

    /// The templates of the entailments of a triple with `predicate` and
    /// `object` (by its class for rdf:type, else by whether it is a node).
    pub(crate) fn templates(&self, predicate: NamedNodeRef<'_>, object: TermRef<'_>) -> &[Template] {
        let found = if predicate.as_str() == rdf::TYPE {
            match object {
                TermRef::NamedNode(c) => self.type_templates.get(c.as_str()),
                _ => None,
            }
        } else {
            let node = matches!(object, TermRef::NamedNode(_) | TermRef::BlankNode(_));
            self.templates.get(predicate.as_str()).map(|t| if node { &t[0] } else { &t[1] })
        };
        found.map_or(&[], Vec::as_slice)
    }

    /// The local entailments of `subject predicate object` (without the
    /// triple itself): what the rules give ([`Reasoner::entail_by_rules`]),
    /// from the templates made with probe triples when the T-Box was read
    /// (no search per triple; a triple without entailments costs a lookup).
    pub fn entailments<'s>(
        &'s self,
        subject: NamedOrBlankNodeRef<'s>,
        predicate: NamedNodeRef<'s>,
        object: TermRef<'s>,
    ) -> impl Iterator<Item = Triple> + 's {
        self.templates(predicate, object).iter().filter_map(move |t| t.apply(subject, predicate, object))
    }

    /// The local entailments of one triple, as [`Reasoner::entailments`].
    pub fn entail(&self, t: &Triple) -> Vec<Triple> {
        self.entailments(t.subject.as_ref(), t.predicate.as_ref(), t.object.as_ref()).collect()
    }

    /// The local entailments of one triple (without the triple itself):
    /// everything that follows from it and the T-Box alone, by running the
    /// rules (the templates are made with it).
    fn entail_by_rules(&self, t: &Triple) -> Vec<Triple> {
        let mut out: Vec<Triple> = Vec::new();
        let mut seen: HashSet<Triple> = HashSet::new();
        let mut work = vec![t.clone()];
        let type_ = nn(rdf::TYPE);
        while let Some(t) = work.pop() {
            if !seen.insert(t.clone()) {
                continue;
            }
            if seen.len() > 1 {
                out.push(t.clone());
            }
            if t.predicate.as_ref() == type_ {
                if let Term::NamedNode(c) = &t.object {
                    for d in self.superclasses.get(c).into_iter().flatten() {
                        work.push(Triple::new(t.subject.clone(), type_, d.clone()));
                    }
                }
                continue;
            }
            for q in self.superproperties.get(&t.predicate).into_iter().flatten() {
                work.push(Triple::new(t.subject.clone(), q.clone(), t.object.clone()));
            }
            for c in self.domains.get(&t.predicate).into_iter().flatten() {
                work.push(Triple::new(t.subject.clone(), type_, c.clone()));
            }
            let object_node: Option<NamedOrBlankNode> = match &t.object {
                Term::NamedNode(n) => Some(n.clone().into()),
                Term::BlankNode(b) => Some(b.clone().into()),
                _ => None,
            };
            if let Some(o) = object_node {
                for c in self.ranges.get(&t.predicate).into_iter().flatten() {
                    work.push(Triple::new(o.clone(), type_, c.clone()));
                }
                for q in self.inverses.get(&t.predicate).into_iter().flatten() {
                    work.push(Triple::new(o.clone(), q.clone(), t.subject.clone()));
                }
                if self.symmetric.contains(&t.predicate) {
                    work.push(Triple::new(o, t.predicate.clone(), t.subject.clone()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    //! Each rule on its own, with a synthetic T-Box.
    use super::*;

    fn n(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("urn:t:{s}"))
    }

    fn reasoner(tbox: &[(&str, &str, &str)]) -> Reasoner {
        let triples: Vec<(NamedOrBlankNode, NamedNode, Term)> = tbox
            .iter()
            .map(|(s, p, o)| {
                let o = if o.starts_with("http") { NamedNode::new_unchecked(*o) } else { n(o) };
                (n(s).into(), NamedNode::new_unchecked(*p), o.into())
            })
            .collect();
        Reasoner::from_tbox(triples.iter().map(|(s, p, o)| (s, p, o)))
    }

    fn t(s: &str, p: &str, o: &str) -> Triple {
        let p = if p.starts_with("http") { NamedNode::new_unchecked(p) } else { n(p) };
        Triple::new(n(s), p, n(o))
    }

    fn has(out: &[Triple], s: &str, p: &str, o: &str) -> bool {
        out.contains(&t(s, p, o))
    }

    /// The entailments of a triple from the templates are those of the
    /// rules applied to it, for node, blank and literal objects, a node
    /// related to itself, and predicates and classes without rules.
    fn assert_templates_agree(r: &Reasoner, predicates: &[NamedNode], classes: &[NamedNode]) {
        let x: NamedOrBlankNode = n("x").into();
        let objects: Vec<Term> = vec![
            n("y").into(),
            x.clone().into(),
            oxigraph::model::BlankNode::new_unchecked("b1").into(),
            oxigraph::model::Literal::new_simple_literal("testo").into(),
            oxigraph::model::Literal::new_language_tagged_literal_unchecked("testo", "it").into(),
        ];
        let sorted = |mut v: Vec<Triple>| {
            v.sort_by_key(|t| t.to_string());
            v.dedup();
            v
        };
        for p in predicates.iter().chain([&n("other"), &nn(rdfs::LABEL).into_owned()]) {
            for o in &objects {
                let want = sorted(r.entail_by_rules(&Triple::new(x.clone(), p.clone(), o.clone())));
                let got = sorted(r.entailments(x.as_ref(), p.as_ref(), o.as_ref()).collect());
                assert_eq!(got, want, "{x} {p} {o}");
            }
        }
        let type_ = nn(rdf::TYPE).into_owned();
        for c in classes.iter().chain([&n("Unknown")]) {
            let o = Term::from(c.clone());
            let want = sorted(r.entail_by_rules(&Triple::new(x.clone(), type_.clone(), o.clone())));
            assert_eq!(sorted(r.entailments(x.as_ref(), type_.as_ref(), o.as_ref()).collect()), want, "{x} a {c}");
        }
    }

    #[test]
    fn templates_give_what_the_rules_give() {
        let r = reasoner(&[
            ("A", rdfs::SUB_CLASS_OF, "B"),
            ("B", rdfs::SUB_CLASS_OF, "C"),
            ("p", rdfs::SUB_PROPERTY_OF, "q"),
            ("q", rdfs::DOMAIN, "A"),
            ("q", rdfs::RANGE, "B"),
            ("d", rdfs::DOMAIN, "A"),
            ("g", rdfs::RANGE, "B"),
            ("i", owl::INVERSE_OF, "j"),
            ("j", rdfs::DOMAIN, "C"),
            ("j", rdfs::RANGE, "A"),
            ("m", rdf::TYPE, owl::SYMMETRIC_PROPERTY),
            ("m", rdfs::DOMAIN, "B"),
            ("tr", rdf::TYPE, owl::TRANSITIVE_PROPERTY),
        ]);
        let predicates: Vec<NamedNode> = ["p", "q", "d", "g", "i", "j", "m", "tr"].into_iter().map(n).collect();
        let classes: Vec<NamedNode> = ["A", "B", "C"].into_iter().map(n).collect();
        assert_templates_agree(&r, &predicates, &classes);
    }

    /// The same with the project's ontology, every property and class it declares.
    #[test]
    fn templates_agree_with_the_rules_on_the_ontology() {
        let triples: Vec<Triple> = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
            .for_slice(ontologies::ONTOLOGY_TTL.as_bytes())
            .map(|q| q.map(|q| Triple::new(q.subject, q.predicate, q.object)))
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        let r = Reasoner::from_tbox(triples.iter().map(|t| (&t.subject, &t.predicate, &t.object)));
        let mut predicates = BTreeSet::new();
        let mut classes = BTreeSet::new();
        for t in &triples {
            let NamedOrBlankNode::NamedNode(s) = &t.subject else { continue };
            match (t.predicate.as_str(), &t.object) {
                (rdfs::DOMAIN | rdfs::RANGE | rdfs::SUB_PROPERTY_OF | owl::INVERSE_OF, _) => {
                    predicates.insert(s.clone());
                }
                (rdfs::SUB_CLASS_OF, Term::NamedNode(o)) => {
                    classes.insert(s.clone());
                    classes.insert(o.clone());
                }
                _ => {}
            }
        }
        assert!(predicates.len() > 20 && classes.len() > 5, "{} properties, {} classes", predicates.len(), classes.len());
        let predicates: Vec<NamedNode> = predicates.into_iter().collect();
        let classes: Vec<NamedNode> = classes.into_iter().collect();
        assert_templates_agree(&r, &predicates, &classes);
    }

    #[test]
    fn sub_class_of_is_transitive_for_instances() {
        let r = reasoner(&[("A", rdfs::SUB_CLASS_OF, "B"), ("B", rdfs::SUB_CLASS_OF, "C")]);
        let out = r.entail(&t("x", rdf::TYPE, "A"));
        assert!(has(&out, "x", rdf::TYPE, "B") && has(&out, "x", rdf::TYPE, "C"));
        assert!(!has(&out, "x", rdf::TYPE, "A"), "the input itself is not repeated");
    }

    #[test]
    fn sub_property_of() {
        let r = reasoner(&[("p", rdfs::SUB_PROPERTY_OF, "q"), ("q", rdfs::SUB_PROPERTY_OF, "s")]);
        let out = r.entail(&t("x", "p", "y"));
        assert!(has(&out, "x", "q", "y") && has(&out, "x", "s", "y"));
    }

    #[test]
    fn domain_and_range_with_superclasses() {
        let r = reasoner(&[("p", rdfs::DOMAIN, "D"), ("p", rdfs::RANGE, "R"), ("R", rdfs::SUB_CLASS_OF, "S")]);
        let out = r.entail(&t("x", "p", "y"));
        assert!(has(&out, "x", rdf::TYPE, "D"));
        assert!(has(&out, "y", rdf::TYPE, "R") && has(&out, "y", rdf::TYPE, "S"));
        let lit = Triple::new(n("x"), n("p"), oxigraph::model::Literal::new_simple_literal("v"));
        assert!(r.entail(&lit).iter().all(|t| t.subject == n("x").into()), "literals get no type");
    }

    #[test]
    fn datatype_ranges_are_ignored() {
        let r = reasoner(&[("p", rdfs::RANGE, xsd::STRING)]);
        assert!(r.entail(&t("x", "p", "y")).is_empty());
    }

    #[test]
    fn inverse_of_works_both_ways_and_through_sub_properties() {
        let r = reasoner(&[("p", owl::INVERSE_OF, "q"), ("p0", rdfs::SUB_PROPERTY_OF, "p")]);
        assert!(has(&r.entail(&t("x", "p", "y")), "y", "q", "x"));
        assert!(has(&r.entail(&t("y", "q", "x")), "x", "p", "y"));
        assert!(has(&r.entail(&t("x", "p0", "y")), "y", "q", "x"));
    }

    #[test]
    fn symmetric_property() {
        let r = reasoner(&[("p", rdf::TYPE, owl::SYMMETRIC_PROPERTY)]);
        assert!(has(&r.entail(&t("x", "p", "y")), "y", "p", "x"));
    }

    #[test]
    fn equivalent_class_and_property() {
        let r = reasoner(&[("A", owl::EQUIVALENT_CLASS, "B"), ("p", owl::EQUIVALENT_PROPERTY, "q")]);
        assert!(has(&r.entail(&t("x", rdf::TYPE, "B")), "x", rdf::TYPE, "A"));
        assert!(has(&r.entail(&t("x", "q", "y")), "x", "p", "y"));
    }

    #[test]
    fn transitive_properties_form_the_family() {
        let r = reasoner(&[("b", rdfs::SUB_PROPERTY_OF, "bt"), ("bt", rdf::TYPE, owl::TRANSITIVE_PROPERTY), ("nt", owl::INVERSE_OF, "bt")]);
        assert!(r.is_family(&n("bt")) && r.is_family(&n("nt")));
        assert!(!r.is_family(&n("b")));
        assert!(r.feeds_family.contains(&n("b")));
        assert!(r.is_family(&NamedNode::new_unchecked(rdfs::SUB_CLASS_OF)), "RDFS hierarchies are transitive");
    }

    #[test]
    fn object_side_predicates_are_classified() {
        let r = reasoner(&[("p", rdfs::RANGE, "R"), ("q", owl::INVERSE_OF, "qi"), ("d", rdfs::DOMAIN, "D")]);
        assert_eq!(r.object_side.get(&n("p")), Some(&false), "range needs one witness");
        assert_eq!(r.object_side.get(&n("q")), Some(&true), "inverses need every subject");
        assert!(!r.object_side.contains_key(&n("d")));
    }
}
