//! Building index documents from the graph: published items, working
//! revisions, offices and people.

use super::analysis::{self, fold};
use super::org_concepts::OrgConcepts;
use super::schema::Fields;
use crate::concepts::Concept;
use crate::error::Result;
use crate::item::{ItemContent, Level, State};
use crate::org::{Office, Person};
use crate::store::Kb;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tantivy::TantivyDocument;
use tantivy::schema::Facet;
use tantivy::tokenizer::TextAnalyzer;

/// A name and an extension to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Code or staff number.
    pub code: String,
    /// Name of the office or person.
    pub name: String,
    /// Telephone extension.
    pub extension: Option<String>,
}

/// What a result shows, stored in the index so that a search needs no
/// further reads of the graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Display {
    /// Title or name.
    pub title: String,
    /// Area path, e.g. "Tributi > Tassa automobilistica".
    pub area_path: Option<String>,
    /// Level of an item.
    pub level: Option<Level>,
    /// Competent office (items), parent office (offices), office (people).
    pub office: Option<Contact>,
    /// Contact person (items) or the person itself.
    pub person: Option<Contact>,
    /// Last day of validity.
    pub valid_until: Option<NaiveDate>,
    /// For working revisions: draft or in review.
    pub state: Option<State>,
    /// E-mail of an office or person.
    pub email: Option<String>,
    /// Role or type (job title, structure type).
    pub role: Option<String>,
}

/// The classification as read once per batch.
#[derive(Debug, Default)]
pub struct TaxonomySnapshot {
    /// Every concept by IRI.
    pub concepts: HashMap<String, Concept>,
}

impl TaxonomySnapshot {
    /// Reads every concept of every scheme.
    pub fn load(kb: &Kb) -> Result<Self> {
        Ok(Self { concepts: kb.concepts(None)?.into_iter().map(|c| (c.iri.clone(), c)).collect() })
    }

    /// The concept and its ancestors, the concept first.
    pub fn lineage(&self, iri: &str) -> Vec<&Concept> {
        let mut out: Vec<&Concept> = Vec::new();
        let mut cur = self.concepts.get(iri);
        while let Some(c) = cur {
            if out.iter().any(|x| x.iri == c.iri) || out.len() > 16 {
                break;
            }
            out.push(c);
            cur = c.broader.as_deref().and_then(|b| self.concepts.get(b));
        }
        out
    }

    /// "Area > Sub-area" for a concept.
    pub fn path(&self, iri: &str) -> Option<String> {
        let lineage = self.lineage(iri);
        (!lineage.is_empty()).then(|| lineage.iter().rev().map(|c| c.label.as_str()).collect::<Vec<_>>().join(" > "))
    }
}

/// The last path segment of an IRI (facet-safe).
pub fn slug_of(iri: &str) -> &str {
    iri.rsplit('/').next().unwrap_or(iri)
}

/// Builds documents, caching offices and people across one batch.
pub struct DocBuilder<'a> {
    kb: &'a Kb,
    f: &'a Fields,
    taxonomy: &'a TaxonomySnapshot,
    offices: HashMap<String, Option<Office>>,
    people: HashMap<String, Option<Person>>,
    /// Concepts of the published items that name each office and person:
    /// offices and people are found by the subjects they handle, as items are.
    org: &'a mut OrgConcepts,
    italian: TextAnalyzer,
}

/// Most concepts given to an office or person.
const MAX_ORG_CONCEPTS: usize = 6;

impl<'a> DocBuilder<'a> {
    /// A builder for one batch.
    pub fn new(kb: &'a Kb, f: &'a Fields, taxonomy: &'a TaxonomySnapshot, org: &'a mut OrgConcepts) -> Self {
        Self { kb, f, taxonomy, offices: HashMap::new(), people: HashMap::new(), org, italian: analysis::italian() }
    }

    /// Records the published content of item `id` (`None`: it is not
    /// published) for the documents of its office and contact person;
    /// returns the offices and people whose concepts changed.
    pub fn note_published(&mut self, id: &str, published: Option<&ItemContent>) -> std::collections::BTreeSet<std::sync::Arc<str>> {
        self.org.set(id, published)
    }

    /// The offices and people that handle `concept` (whose documents show
    /// its labels).
    pub fn handling(&self, concept: &str) -> Vec<std::sync::Arc<str>> {
        self.org.handling(concept)
    }

    /// Adds the most frequent concepts noted for `targets` (IRIs, in order
    /// of precedence) to an office's or person's document.
    fn add_org_concepts(&self, d: &mut TantivyDocument, targets: &[&str]) {
        let mut ranked: Vec<(&str, u32)> = Vec::new();
        for (weight, t) in targets.iter().enumerate() {
            for (c, n) in self.org.of(t) {
                // The person's own items count more than their office's.
                let n = if weight == 0 { n * 4 } else { n };
                match ranked.iter_mut().find(|(k, _)| *k == c) {
                    Some(e) => e.1 += n,
                    None => ranked.push((c, n)),
                }
            }
        }
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (c, _) in ranked.into_iter().take(MAX_ORG_CONCEPTS) {
            for (i, k) in self.taxonomy.lineage(c).into_iter().enumerate() {
                d.add_text(self.f.concept_ids, &k.iri);
                if i == 0 {
                    d.add_text(self.f.concept_text, &k.label);
                    for a in &k.alt_labels {
                        d.add_text(self.f.concept_text, a);
                    }
                }
            }
        }
    }

    fn office(&mut self, iri: &str) -> Result<Option<Office>> {
        if let Some(o) = self.offices.get(iri) {
            return Ok(o.clone());
        }
        let o = self.kb.office_by_iri(iri)?;
        self.offices.insert(iri.to_owned(), o.clone());
        Ok(o)
    }

    fn person(&mut self, iri: &str) -> Result<Option<Person>> {
        if let Some(p) = self.people.get(iri) {
            return Ok(p.clone());
        }
        let p = self.kb.person_by_iri(iri)?;
        self.people.insert(iri.to_owned(), p.clone());
        Ok(p)
    }

    /// The normalised (stemmed) phrase of a text, as queries see it.
    pub fn phrase(&mut self, text: &str) -> String {
        analysis::tokens(&mut self.italian, text).join(" ")
    }

    /// A document for an item's content (published, or a working revision).
    pub fn item(&mut self, id: &str, c: &ItemContent, working: Option<State>) -> Result<TantivyDocument> {
        let f = self.f.clone();
        let mut d = TantivyDocument::default();
        let (key, scope) = match working {
            None => (format!("item:{id}"), "published"),
            Some(_) => (format!("draft:{id}"), "workspace"),
        };
        d.add_text(f.key, &key);
        d.add_text(f.id, id);
        d.add_text(f.kind, "item");
        d.add_text(f.scope, scope);
        d.add_text(f.title, &c.title);
        d.add_text(f.title_raw, &c.title);
        for k in &c.keywords {
            d.add_text(f.keywords, k);
            d.add_text(f.keywords_raw, k);
            let p = self.phrase(k);
            if !p.is_empty() {
                d.add_text(f.keyword_phrase, &p);
            }
        }
        for t in &c.tags {
            d.add_text(f.keywords, t);
            d.add_text(f.keywords_raw, t);
        }
        if let Some(q) = &c.question {
            d.add_text(f.question, q);
        }
        d.add_text(f.body, &c.answer);
        for t in [Some(&c.title), c.question.as_ref(), Some(&c.answer)].into_iter().flatten().chain(&c.keywords) {
            d.add_text(f.all_raw, t);
        }
        for en in [&c.title_en, &c.question_en, &c.answer_en].into_iter().flatten() {
            d.add_text(f.text_en, en);
        }
        let mut display =
            Display { title: c.title.clone(), level: Some(c.level), valid_until: c.valid_until, state: working, ..Default::default() };
        if let Some(concept) = &c.concept {
            let lineage: Vec<Concept> = self.taxonomy.lineage(concept).into_iter().cloned().collect();
            for (i, k) in lineage.iter().enumerate() {
                d.add_text(f.concept_ids, &k.iri);
                // The item's own concept weighs more than its ancestors.
                let repeat = if i == 0 { 2 } else { 1 };
                for _ in 0..repeat {
                    d.add_text(f.concept_text, &k.label);
                    d.add_text(f.concept_raw, &k.label);
                }
                for a in &k.alt_labels {
                    d.add_text(f.concept_text, a);
                    d.add_text(f.concept_raw, a);
                }
            }
            if let Some(top) = lineage.last() {
                d.add_facet(f.facets, Facet::from_path(["area", slug_of(&top.iri)]));
            }
            display.area_path = self.taxonomy.path(concept);
        }
        if let Some(o) = &c.office {
            d.add_text(f.office_id, o);
            if let Some(office) = self.office(o)? {
                d.add_text(f.org_text, &office.name);
                d.add_facet(f.facets, Facet::from_path(["office", office.code.as_str()]));
                display.office = Some(Contact {
                    code: office.code.clone(),
                    name: office.name.clone(),
                    extension: office.extension.clone().or(office.phone.clone()),
                });
            }
        }
        if let Some(p) = &c.person
            && let Some(person) = self.person(p)?
        {
            d.add_text(f.org_text, person.full_name());
            display.person =
                Some(Contact { code: person.staff_number.clone(), name: person.full_name(), extension: person.extension.clone() });
        }
        let level = match c.level {
            Level::Base => "base",
            Level::Advanced => "advanced",
        };
        d.add_text(f.level, level);
        d.add_facet(f.facets, Facet::from_path(["level", level]));
        d.add_facet(f.facets, Facet::from_path(["kind", "item"]));
        if c.audiences.is_empty() {
            d.add_text(f.audience, "any");
        }
        for a in &c.audiences {
            d.add_text(f.audience, a);
        }
        d.add_i64(f.valid_until, c.valid_until.map(days).unwrap_or(i64::MAX));
        d.add_text(f.display, serde_json::to_string(&display).unwrap_or_default());
        Ok(d)
    }

    /// A document for an office of the organisation chart.
    pub fn office_doc(&mut self, o: &Office) -> Result<TantivyDocument> {
        let f = self.f.clone();
        let mut d = TantivyDocument::default();
        d.add_text(f.key, format!("office:{}", o.code));
        d.add_text(f.id, &o.code);
        d.add_text(f.kind, "office");
        d.add_text(f.scope, "org");
        d.add_text(f.title, &o.name);
        d.add_text(f.title_raw, &o.name);
        // Competences are what an office is searched by, like an item's keywords.
        if let Some(c) = &o.competences {
            d.add_text(f.keywords, c);
        }
        let mut body = o.competences.clone().unwrap_or_default();
        if let Some(h) = &o.head {
            body.push_str(&format!("\nResponsabile: {h}"));
            d.add_text(f.title_raw, h);
        }
        d.add_text(f.body, &body);
        d.add_text(f.all_raw, &o.name);
        d.add_text(f.all_raw, &body);
        let iri = self.kb.office_iri(&o.code);
        d.add_text(f.office_id, iri.as_str());
        self.add_org_concepts(&mut d, &[iri.as_str()]);
        d.add_facet(f.facets, Facet::from_path(["office", o.code.as_str()]));
        d.add_facet(f.facets, Facet::from_path(["kind", "office"]));
        let mut display = Display {
            title: o.name.clone(),
            office: Some(Contact { code: o.code.clone(), name: o.name.clone(), extension: o.extension.clone().or(o.phone.clone()) }),
            email: o.email.clone(),
            role: o.kind.clone(),
            ..Default::default()
        };
        if let Some(parent) = &o.parent
            && let Some(p) = self.office(self.kb.office_iri(parent).as_str())?
        {
            d.add_text(f.org_text, &p.name);
            display.area_path = Some(p.name.clone());
        }
        d.add_text(f.audience, "any");
        d.add_i64(f.valid_until, i64::MAX);
        d.add_text(f.display, serde_json::to_string(&display).unwrap_or_default());
        Ok(d)
    }

    /// A document for a person of the organisation chart.
    pub fn person_doc(&mut self, p: &Person) -> Result<TantivyDocument> {
        let f = self.f.clone();
        let mut d = TantivyDocument::default();
        d.add_text(f.key, format!("person:{}", p.staff_number));
        d.add_text(f.id, &p.staff_number);
        d.add_text(f.kind, "person");
        d.add_text(f.scope, "org");
        let name = p.full_name();
        d.add_text(f.title, &name);
        d.add_text(f.title_raw, &name);
        // "Rossi Mario" as well as "Mario Rossi".
        d.add_text(f.keywords_raw, format!("{} {}", p.family_name, p.given_name));
        // Functions are what a person is searched by, like an item's keywords.
        if let Some(x) = &p.functions {
            d.add_text(f.keywords, x);
        }
        if let Some(t) = &p.title {
            d.add_text(f.keywords, t);
        }
        let mut body = p.functions.clone().unwrap_or_default();
        if let Some(t) = &p.title {
            body.push_str(&format!("\n{t}"));
        }
        d.add_text(f.body, &body);
        d.add_text(f.all_raw, &name);
        d.add_text(f.all_raw, &body);
        let mut display = Display {
            title: name.clone(),
            person: Some(Contact { code: p.staff_number.clone(), name, extension: p.extension.clone() }),
            email: p.email.clone(),
            role: p.title.clone(),
            ..Default::default()
        };
        let own = self.kb.person_iri(&p.staff_number);
        let office = p.office.as_ref().map(|code| self.kb.office_iri(code));
        let targets: Vec<&str> = std::iter::once(own.as_str()).chain(office.as_ref().map(|o| o.as_str())).collect();
        self.add_org_concepts(&mut d, &targets);
        if let Some(code) = &p.office {
            let iri = self.kb.office_iri(code);
            d.add_text(f.office_id, iri.as_str());
            d.add_facet(f.facets, Facet::from_path(["office", code.as_str()]));
            if let Some(o) = self.office(iri.as_str())? {
                d.add_text(f.org_text, &o.name);
                display.office =
                    Some(Contact { code: o.code.clone(), name: o.name.clone(), extension: o.extension.clone().or(o.phone.clone()) });
            }
        }
        d.add_facet(f.facets, Facet::from_path(["kind", "person"]));
        d.add_text(f.audience, "any");
        d.add_i64(f.valid_until, i64::MAX);
        d.add_text(f.display, serde_json::to_string(&display).unwrap_or_default());
        Ok(d)
    }
}

/// Days since 1970-01-01.
pub fn days(d: NaiveDate) -> i64 {
    d.signed_duration_since(NaiveDate::default()).num_days()
}

/// Case- and accent-insensitive form of a label (for the lexicon's raw side).
pub fn plain(text: &str) -> String {
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}
