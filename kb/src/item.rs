//! Knowledge items: their content fields (KB-1), states and how content
//! maps to triples.

use crate::error::{Error, Result};
use crate::rdf::{Reader, lit, lit_date, lit_lang, nn, parse_iri, parse_web_link, term_date, term_value};
use crate::roles::Graph;
use crate::store::Kb;
use chrono::{DateTime, NaiveDate, Utc};
use ontologies::vocab::{cc, dcterms, org, rdf, skos, vcard};
use oxigraph::model::{NamedNode, Quad, Term};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Level of an item: who can answer with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LevelDto))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// An L1 operator can answer alone.
    #[default]
    Base,
    /// Needs L2 or the competent office.
    Advanced,
}

impl Level {
    /// The individual of the ontology.
    pub fn iri(self) -> &'static str {
        match self {
            Level::Base => cc::LEVEL_BASE,
            Level::Advanced => cc::LEVEL_ADVANCED,
        }
    }

    /// The level named by an ontology individual.
    pub fn from_iri(iri: &str) -> Option<Self> {
        match iri {
            cc::LEVEL_BASE => Some(Level::Base),
            cc::LEVEL_ADVANCED => Some(Level::Advanced),
            _ => None,
        }
    }
}

/// Life-cycle state of an item or of one of its revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written; not visible to operators.
    Draft,
    /// Submitted, waiting for an approver.
    InReview,
    /// Live for operators.
    Published,
    /// Withdrawn.
    Archived,
    /// A revision replaced by a later one.
    Superseded,
}

impl State {
    /// The individual of the ontology.
    pub fn iri(self) -> &'static str {
        match self {
            State::Draft => cc::DRAFT,
            State::InReview => cc::IN_REVIEW,
            State::Published => cc::PUBLISHED,
            State::Archived => cc::ARCHIVED,
            State::Superseded => cc::SUPERSEDED,
        }
    }

    /// The name used in JSON and URLs: `draft`, `in_review`, `published`,
    /// `archived`, `superseded` (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::InReview => "in_review",
            State::Published => "published",
            State::Archived => "archived",
            State::Superseded => "superseded",
        }
    }

    /// Parses the individual of the ontology.
    pub fn from_iri(iri: &str) -> Option<Self> {
        [State::Draft, State::InReview, State::Published, State::Archived, State::Superseded].into_iter().find(|s| s.iri() == iri)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Draft => "draft",
            State::InReview => "in review",
            State::Published => "published",
            State::Archived => "archived",
            State::Superseded => "superseded",
        })
    }
}

/// The content of a knowledge item: every field of KB-1.
///
/// References to concepts, offices and people are IRIs; multi-valued fields
/// are kept sorted so that two contents compare equal when their graphs do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ItemFields))]
#[serde(default, deny_unknown_fields)]
pub struct ItemContent {
    /// Title (Italian). Required.
    pub title: String,
    /// Title in English, if translated.
    pub title_en: Option<String>,
    /// The frequently asked question the item answers.
    pub question: Option<String>,
    /// The question in English.
    pub question_en: Option<String>,
    /// The answer text for the operator (Italian). Required to publish.
    pub answer: String,
    /// The answer in English.
    pub answer_en: Option<String>,
    /// Keywords and synonyms (stored as `skos:altLabel`).
    pub keywords: Vec<String>,
    /// Classification concept (IRI of a `skos:Concept`). Required to publish.
    pub concept: Option<String>,
    /// Free tags.
    pub tags: Vec<String>,
    /// Competent office (IRI of an office of the organisation chart).
    pub office: Option<String>,
    /// Contact person (IRI of a person of the organisation chart).
    pub person: Option<String>,
    /// Legal references.
    pub legal_references: Vec<String>,
    /// Web links (absolute http, https or mailto IRIs).
    pub links: Vec<String>,
    /// Forms and attachments to send to citizens (name or URL).
    pub forms: Vec<String>,
    /// First day of validity.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity (a call for funding that closes).
    pub valid_until: Option<NaiveDate>,
    /// Level: base or advanced.
    pub level: Level,
    /// Audiences (IRIs of concepts of the audience scheme).
    pub audiences: Vec<String>,
}

fn clean_list(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

fn clean_opt(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl ItemContent {
    /// The same content with text trimmed, empty values dropped and lists
    /// sorted and deduplicated.
    pub fn normalized(&self) -> Self {
        Self {
            title: self.title.trim().to_owned(),
            title_en: clean_opt(&self.title_en),
            question: clean_opt(&self.question),
            question_en: clean_opt(&self.question_en),
            answer: self.answer.trim().to_owned(),
            answer_en: clean_opt(&self.answer_en),
            keywords: clean_list(&self.keywords),
            concept: clean_opt(&self.concept),
            tags: clean_list(&self.tags),
            office: clean_opt(&self.office),
            person: clean_opt(&self.person),
            legal_references: clean_list(&self.legal_references),
            links: clean_list(&self.links),
            forms: clean_list(&self.forms),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            level: self.level,
            audiences: clean_list(&self.audiences),
        }
    }

    /// Whether the item's validity ended before `today`.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.valid_until.is_some_and(|d| d < today)
    }

    /// Checks the fields and references, and returns the (predicate,
    /// object) pairs that describe this content. `publishable` also demands
    /// what a published item needs (answer and classification).
    pub(crate) fn to_pairs(&self, kb: &Kb, reader: &impl Reader, publishable: bool) -> Result<Vec<(NamedNode, Term)>> {
        let c = self.normalized();
        if c.title.is_empty() {
            return Err(Error::MissingField { field: "title" });
        }
        if publishable && c.answer.is_empty() {
            return Err(Error::MissingField { field: "answer" });
        }
        if publishable && c.concept.is_none() {
            return Err(Error::MissingField { field: "concept" });
        }
        if let (Some(from), Some(until)) = (c.valid_from, c.valid_until)
            && from > until
        {
            return Err(Error::invalid("valid_until", format!("{until} is before the start of validity {from}")));
        }
        const MAX_TEXT: usize = 100_000;
        for (field, text) in [("title", &c.title), ("answer", &c.answer)] {
            if text.len() > MAX_TEXT {
                return Err(Error::invalid(field, format!("longer than {MAX_TEXT} bytes")));
            }
        }
        let mut pairs: Vec<(NamedNode, Term)> = Vec::new();
        let mut add = |p: &'static str, o: Term| pairs.push((nn(p).into_owned(), o));
        add(dcterms::TITLE, lit_lang(&c.title, "it").into());
        if let Some(t) = &c.title_en {
            add(dcterms::TITLE, lit_lang(t, "en").into());
        }
        if let Some(q) = &c.question {
            add(cc::QUESTION, lit_lang(q, "it").into());
        }
        if let Some(q) = &c.question_en {
            add(cc::QUESTION, lit_lang(q, "en").into());
        }
        if !c.answer.is_empty() {
            add(cc::ANSWER, lit_lang(&c.answer, "it").into());
        }
        if let Some(a) = &c.answer_en {
            add(cc::ANSWER, lit_lang(a, "en").into());
        }
        for k in &c.keywords {
            add(skos::ALT_LABEL, lit_lang(k, "it").into());
        }
        if let Some(concept) = &c.concept {
            let iri = parse_iri("concept", concept)?;
            require_typed(reader, kb, &iri, skos::CONCEPT, Graph::Taxonomy, "concept")?;
            add(dcterms::SUBJECT, iri.into());
        }
        for t in &c.tags {
            add(cc::TAG, lit(t).into());
        }
        if let Some(office) = &c.office {
            let iri = parse_iri("office", office)?;
            require_typed(reader, kb, &iri, org::ORGANIZATIONAL_UNIT, Graph::Org, "office")?;
            add(cc::COMPETENT_OFFICE, iri.into());
        }
        if let Some(person) = &c.person {
            let iri = parse_iri("person", person)?;
            require_typed(reader, kb, &iri, vcard::INDIVIDUAL, Graph::Org, "person")?;
            add(cc::CONTACT_PERSON, iri.into());
        }
        for r in &c.legal_references {
            add(cc::LEGAL_REFERENCE, lit(r).into());
        }
        for l in &c.links {
            add(cc::WEB_LINK, parse_web_link("links", l)?.into());
        }
        for f in &c.forms {
            add(cc::FORM, lit(f).into());
        }
        if let Some(d) = c.valid_from {
            add(cc::VALID_FROM, lit_date(d).into());
        }
        if let Some(d) = c.valid_until {
            add(cc::VALID_UNTIL, lit_date(d).into());
        }
        add(cc::LEVEL_PROP, nn(c.level.iri()).into_owned().into());
        for a in &c.audiences {
            let iri = parse_iri("audiences", a)?;
            require_typed(reader, kb, &iri, skos::CONCEPT, Graph::Taxonomy, "audience")?;
            add(cc::AUDIENCE, iri.into());
        }
        Ok(pairs)
    }

    /// Reads the content fields from the quads describing one subject.
    pub fn from_quads(quads: &[Quad]) -> Self {
        let mut c = ItemContent::default();
        for q in quads {
            let v = term_value(&q.object).to_owned();
            let lang = match &q.object {
                Term::Literal(l) => l.language().map(str::to_owned),
                _ => None,
            };
            let en = lang.as_deref() == Some("en");
            match q.predicate.as_str() {
                dcterms::TITLE if en => c.title_en = Some(v),
                dcterms::TITLE => c.title = v,
                cc::QUESTION if en => c.question_en = Some(v),
                cc::QUESTION => c.question = Some(v),
                cc::ANSWER if en => c.answer_en = Some(v),
                cc::ANSWER => c.answer = v,
                skos::ALT_LABEL => c.keywords.push(v),
                dcterms::SUBJECT => c.concept = Some(v),
                cc::TAG => c.tags.push(v),
                cc::COMPETENT_OFFICE => c.office = Some(v),
                cc::CONTACT_PERSON => c.person = Some(v),
                cc::LEGAL_REFERENCE => c.legal_references.push(v),
                cc::WEB_LINK => c.links.push(v),
                cc::FORM => c.forms.push(v),
                cc::VALID_FROM => c.valid_from = term_date(&q.object),
                cc::VALID_UNTIL => c.valid_until = term_date(&q.object),
                cc::LEVEL_PROP => c.level = Level::from_iri(&v).unwrap_or_default(),
                cc::AUDIENCE => c.audiences.push(v),
                _ => {}
            }
        }
        c.normalized()
    }

    /// The field-by-field differences from `self` to `other`.
    pub fn diff(&self, other: &ItemContent) -> Vec<FieldChange> {
        let a = self.field_values();
        let b = other.field_values();
        a.into_iter().zip(b).filter(|(x, y)| x.1 != y.1).map(|((field, before), (_, after))| FieldChange { field, before, after }).collect()
    }

    /// Every field with its values as text, in a fixed order.
    pub fn field_values(&self) -> Vec<(&'static str, Vec<String>)> {
        let opt = |o: &Option<String>| o.iter().cloned().collect::<Vec<_>>();
        let date = |d: &Option<NaiveDate>| d.iter().map(|d| d.to_string()).collect::<Vec<_>>();
        vec![
            ("title", vec![self.title.clone()]),
            ("title_en", opt(&self.title_en)),
            ("question", opt(&self.question)),
            ("question_en", opt(&self.question_en)),
            ("answer", vec![self.answer.clone()]),
            ("answer_en", opt(&self.answer_en)),
            ("keywords", self.keywords.clone()),
            ("concept", opt(&self.concept)),
            ("tags", self.tags.clone()),
            ("office", opt(&self.office)),
            ("person", opt(&self.person)),
            ("legal_references", self.legal_references.clone()),
            ("links", self.links.clone()),
            ("forms", self.forms.clone()),
            ("valid_from", date(&self.valid_from)),
            ("valid_until", date(&self.valid_until)),
            (
                "level",
                vec![match self.level {
                    Level::Base => "base".into(),
                    Level::Advanced => "advanced".into(),
                }],
            ),
            ("audiences", self.audiences.clone()),
        ]
    }
}

/// One field that differs between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The field name (as in [`ItemContent`]).
    pub field: &'static str,
    /// Values in the first revision.
    pub before: Vec<String>,
    /// Values in the second revision.
    pub after: Vec<String>,
}

/// Fails with [`Error::NotFound`] unless `iri` is typed `class` in `graph`.
fn require_typed(reader: &impl Reader, kb: &Kb, iri: &NamedNode, class: &'static str, graph: Graph, kind: &'static str) -> Result<()> {
    if reader.has(iri.as_ref(), rdf::TYPE, nn(class).into(), kb.graph(graph))? { Ok(()) } else { Err(Error::not_found(kind, iri.as_str())) }
}

/// A knowledge item as read: identity, state and content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnowledgeItem {
    /// Stable identifier, e.g. `PIL-0001`.
    pub id: String,
    /// The item's IRI.
    pub iri: String,
    /// The state of the item line (published, archived, or the working state).
    pub state: State,
    /// The revision this content belongs to.
    pub revision: u32,
    /// The content.
    pub content: ItemContent,
    /// When the item was created.
    pub created: Option<DateTime<Utc>>,
    /// When this revision was made.
    pub modified: Option<DateTime<Utc>>,
    /// Who wrote this revision.
    pub author: Option<String>,
}

/// The IRI of item `id`.
pub(crate) fn item_iri(kb: &Kb, id: &str) -> NamedNode {
    kb.iri(&format!("id/kb/{id}"))
}

/// The IRI of revision `n` of item `id`.
pub(crate) fn revision_iri(kb: &Kb, id: &str, n: u32) -> NamedNode {
    kb.iri(&format!("id/kb/{id}/rev/{n}"))
}

/// Checks an identifier given by a caller (imports): `ABC-0001` shape.
pub fn validate_identifier(id: &str) -> Result<()> {
    let ok = id.split_once('-').is_some_and(|(p, n)| {
        (2..=5).contains(&p.len()) && p.chars().all(|c| c.is_ascii_uppercase()) && n.len() >= 4 && n.chars().all(|c| c.is_ascii_digit())
    });
    if ok { Ok(()) } else { Err(Error::invalid("id", format!("{id:?} is not an item code like PIL-0001"))) }
}
