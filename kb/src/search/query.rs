//! From what an operator types to a tantivy query: Italian analysis,
//! field weights, typo tolerance, the last word as a prefix, and
//! expansion with the SKOS labels of concepts (synonyms, everyday words)
//! and boosts for the concepts a query names.

use super::HitKind;
use super::analysis::{self, fold};
use super::documents::TaxonomySnapshot;
use super::schema::Fields;
use std::collections::{BTreeSet, HashMap};

/// Longest query text considered (longer input is cut, never refused).
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words considered.
pub const MAX_QUERY_WORDS: usize = 12;

/// Labels of the SKOS concepts as stemmed phrases, for query expansion.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Stemmed label phrase → concepts carrying it.
    phrases: HashMap<String, Vec<String>>,
    /// Concept IRI → all its labels, each as stemmed words.
    labels: HashMap<String, BTreeSet<Vec<String>>>,
    /// Concepts of the subject-area scheme (their items get boosted).
    pub(crate) areas: BTreeSet<String>,
    longest: usize,
}

impl Lexicon {
    /// Builds the lexicon from every concept of every scheme.
    pub fn build(taxonomy: &TaxonomySnapshot, areas_scheme: &str) -> Self {
        let mut it = analysis::italian();
        let mut lex = Lexicon::default();
        for c in taxonomy.concepts.values() {
            let labels = std::iter::once(&c.label).chain(c.alt_labels.iter()).chain(c.label_en.iter());
            for l in labels {
                let toks = analysis::tokens(&mut it, l);
                if toks.is_empty() {
                    continue;
                }
                lex.longest = lex.longest.max(toks.len());
                lex.labels.entry(c.iri.clone()).or_default().insert(toks.clone());
                let e = lex.phrases.entry(toks.join(" ")).or_default();
                if !e.contains(&c.iri) {
                    e.push(c.iri.clone());
                }
            }
            if c.scheme.as_deref() == Some(areas_scheme) {
                lex.areas.insert(c.iri.clone());
            }
        }
        lex
    }

    /// Concepts whose label appears in the stemmed query words, longest
    /// matches first, with the query words they cover.
    pub fn matches(&self, words: &[String]) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        let max = self.longest.min(words.len());
        for n in (1..=max).rev() {
            for start in 0..=words.len() - n {
                let phrase = words[start..start + n].join(" ");
                for c in self.phrases.get(&phrase).into_iter().flatten() {
                    out.push((c.clone(), start, n));
                }
            }
        }
        out
    }
}

/// The analysed query.
#[derive(Debug, Clone, Default)]
pub struct Analysed {
    /// Unstemmed words, in order.
    pub raw: Vec<String>,
    /// Stemmed words without stop words.
    pub stems: Vec<String>,
    /// Whether the text ended inside a word (search as you type).
    pub last_is_prefix: bool,
}

/// Cleans and analyses the operator's text: query syntax characters are
/// ordinary separators, very long input is cut.
pub fn analyse(text: &str, as_you_type: bool) -> Analysed {
    let cut: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let mut raw = analysis::tokens(&mut analysis::raw(), &cut);
    raw.truncate(MAX_QUERY_WORDS);
    let mut it = analysis::italian();
    let stems: Vec<String> = raw.iter().flat_map(|w| analysis::tokens(&mut it, w)).collect();
    let last_is_prefix = as_you_type && cut.chars().last().is_some_and(|c| c.is_alphanumeric());
    Analysed { raw, stems, last_is_prefix }
}

fn term_q(field: tantivy::schema::Field, text: &str, boost: f32) -> Node {
    Node::Term(field, text.to_owned(), boost)
}

/// The scoring query as a tree, from which the first pass and the scorer
/// of single documents (`scoring::Eval`, the full ranking of the
/// candidates) are made; a test checks that `Eval` scores a tree as
/// tantivy scores [`Node::to_query`].
#[derive(Debug, Clone)]
pub enum Node {
    /// A term (BM25, frequencies read), boosted.
    Term(tantivy::schema::Field, String, f32),
    /// Any word starting with the text, a constant score of the boost.
    Prefix(tantivy::schema::Field, String, f32),
    /// The inner node's score times the boost.
    Boost(Box<Node>, f32),
    /// The best score plus the others times the tie breaker.
    DisMax(Vec<Node>, f32),
    /// Matches when any node does: the sum of their scores.
    Any(Vec<Node>),
    /// Matches when every node does: the sum of their scores.
    All(Vec<Node>),
}

impl Node {
    /// Calls `visit` with every leaf (term or prefix) and the product of
    /// its ancestors' boosts (as [`Node::to_query`] passes them down).
    fn leaves<'a>(&'a self, boost: f32, visit: &mut impl FnMut(&'a Node, f32)) {
        match self {
            Node::Term(..) | Node::Prefix(..) => visit(self, boost),
            Node::Boost(inner, b) => inner.leaves(boost * b, visit),
            Node::DisMax(nodes, _) | Node::Any(nodes) | Node::All(nodes) => nodes.iter().for_each(|n| n.leaves(boost, visit)),
        }
    }

    /// The texts of the terms of `field` in the tree (prefixes excluded),
    /// as tantivy's `Query::query_terms` of [`Node::to_query`] gives them.
    pub fn term_texts(&self, field: tantivy::schema::Field) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        self.leaves(1.0, &mut |leaf, _| {
            if let Node::Term(f, text, _) = leaf
                && *f == field
            {
                out.insert(text.as_str());
            }
        });
        out
    }

    /// The prefixes of the tree with the boost each scores (its own times
    /// its ancestors', as [`Node::to_query`] scores it when it decides a
    /// disjunction or stands alone).
    pub fn prefixes(&self) -> Vec<(tantivy::schema::Field, &str, f32)> {
        let mut out = Vec::new();
        self.leaves(1.0, &mut |leaf, boost| {
            if let Node::Prefix(field, text, b) = leaf {
                out.push((*field, text.as_str(), boost * b));
            }
        });
        out
    }

    /// The tantivy query (the reference the candidates' scorer,
    /// `scoring::Eval`, is tested against).
    #[cfg(test)]
    pub fn to_query(&self) -> Box<dyn tantivy::query::Query> {
        use tantivy::Term;
        use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, TermQuery};
        use tantivy::schema::IndexRecordOption;
        match self {
            Node::Term(field, text, boost) => {
                let q = TermQuery::new(Term::from_field_text(*field, text), IndexRecordOption::WithFreqs);
                Box::new(BoostQuery::new(Box::new(q), *boost))
            }
            Node::Prefix(field, text, boost) => {
                let q = FuzzyTermQuery::new_prefix(Term::from_field_text(*field, text), 0, true);
                Box::new(BoostQuery::new(Box::new(q), *boost))
            }
            Node::Boost(inner, boost) => Box::new(BoostQuery::new(inner.to_query(), *boost)),
            Node::DisMax(nodes, tie) => Box::new(DisjunctionMaxQuery::with_tie_breaker(nodes.iter().map(Node::to_query).collect(), *tie)),
            Node::Any(nodes) => Box::new(BooleanQuery::new(nodes.iter().map(|n| (Occur::Should, n.to_query())).collect())),
            Node::All(nodes) => Box::new(BooleanQuery::new(nodes.iter().map(|n| (Occur::Must, n.to_query())).collect())),
        }
    }
}

/// What kind of result a query asks for, read from its words, as the two
/// kinds to show first: "chi segue …", "a chi …", "referente",
/// "dirigente" ask for a person (then the office); a query that starts
/// with "ufficio", "servizio", "sportello" asks for an office (then a
/// person), as do "numero", "interno", "telefono". A "chi" that asks who is
/// entitled ("chi ha diritto", "chi può") asks for an item, as does a
/// query without such words.
const PERSON_WORDS: &[&str] = &[
    "referente",
    "referenti",
    "responsabile",
    "responsabili",
    "dirigente",
    "dirigenti",
    "funzionario",
    "funzionaria",
    "funzionari",
    "impiegato",
    "impiegata",
    "persona",
    "collega",
];
const OFFICE_WORDS: &[&str] = &["ufficio", "uffici", "servizio", "struttura", "dipartimento", "sportello", "settore", "sede"];
const CONTACT_WORDS: &[&str] =
    &["numero", "interno", "telefono", "tel", "contatto", "contatti", "recapito", "chiamare", "email", "mail", "trasferire", "passare"];
const ELIGIBILITY_AFTER_CHI: &[&str] = &["ha", "hanno", "puo", "possono", "deve", "devono", "spetta", "paga", "pagano", "e"];

/// Reads the intent of the unstemmed, folded words of a query.
pub fn intent(raw: &[String]) -> Option<[HitKind; 2]> {
    let has = |list: &[&str]| raw.iter().any(|w| list.contains(&w.as_str()));
    let chi_at = raw.iter().position(|w| w == "chi");
    let asks_who = match chi_at {
        // "chi segue …", "a chi mi rivolgo": who handles something.
        Some(p) if p <= 1 => raw.get(p + 1).is_none_or(|next| !ELIGIBILITY_AFTER_CHI.contains(&next.as_str())),
        _ => false,
    };
    if raw.first().is_some_and(|w| OFFICE_WORDS.contains(&w.as_str())) {
        return Some([HitKind::Office, HitKind::Person]);
    }
    if asks_who || has(PERSON_WORDS) {
        return Some([HitKind::Person, HitKind::Office]);
    }
    if has(CONTACT_WORDS) {
        return Some([HitKind::Office, HitKind::Person]);
    }
    None
}

/// Edit distance allowed for a word: 1 from 5 letters, 2 from 9.
pub fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Most concept labels a query is expanded with.
pub const MAX_EXPANSIONS: usize = 16;

/// How much a word found by typo correction weighs against the word typed.
pub const TYPO_WEIGHT: f32 = 0.6;

/// Builds the scoring part of the query (filters are added by the caller).
/// `typos` maps a typed word to the indexed words it may be a typo of.
pub fn scoring_query(
    f: &Fields,
    q: &Analysed,
    lexicon: &Lexicon,
    clicks: &[(String, f32)],
    typos: &HashMap<String, Vec<String>>,
) -> Option<Scoring> {
    let mut words: Vec<usize> = Vec::new();
    let mut clauses: Vec<Node> = Vec::new();
    let mut flat = FlatTerms::default();
    let mut en = analysis::english();
    let mut it = analysis::italian();
    let stems: Vec<String> = q.stems.clone();
    // One disjunction per word: the best field wins, others add a little.
    for (i, raw) in q.raw.iter().enumerate() {
        let is_last = i + 1 == q.raw.len();
        let word_stems = analysis::tokens(&mut it, raw);
        // Stop words alone carry little weight.
        let weight = if word_stems.is_empty() { 0.3 } else { 1.0 };
        let mut alts: Vec<Node> = Vec::new();
        let mut alt = |alts: &mut Vec<Node>, field: tantivy::schema::Field, text: &str, boost: f32| {
            alts.push(term_q(field, text, boost));
            flat.add(field, text, boost * weight);
        };
        for s in &word_stems {
            alt(&mut alts, f.title, s, 3.0);
            alt(&mut alts, f.keywords, s, 2.5);
            alt(&mut alts, f.concept_text, s, 1.6);
            alt(&mut alts, f.question, s, 1.5);
            alt(&mut alts, f.body, s, 1.0);
            alt(&mut alts, f.org_text, s, 0.8);
        }
        for e in analysis::tokens(&mut en, raw) {
            alt(&mut alts, f.text_en, &e, 0.8);
        }
        // Names and titles match exactly even when the word is a stop word.
        alt(&mut alts, f.title_raw, raw, 1.2);
        alt(&mut alts, f.keywords_raw, raw, 1.0);
        if is_last && q.last_is_prefix && !raw.is_empty() {
            for (field, boost) in prefix_fields(f) {
                alts.push(Node::Prefix(field, raw.clone(), boost));
            }
        }
        // Typos: the indexed words within the allowed edit distance, with
        // full relevance scoring but weighed below the word typed.
        for candidate in typos.get(raw).into_iter().flatten() {
            for s in analysis::tokens(&mut it, candidate) {
                for (field, boost) in [(f.title, 3.0), (f.keywords, 2.5), (f.concept_text, 1.6), (f.question, 1.5), (f.body, 1.0)] {
                    alt(&mut alts, field, &s, boost * TYPO_WEIGHT);
                }
            }
            alt(&mut alts, f.title_raw, candidate, 1.2 * TYPO_WEIGHT);
        }
        if !word_stems.is_empty() {
            words.push(clauses.len());
        }
        clauses.push(Node::Boost(Box::new(Node::DisMax(alts, 0.25)), weight));
    }
    // Keywords matched as whole phrases.
    for n in 1..=stems.len().min(4) {
        for start in 0..=stems.len() - n {
            let phrase = stems[start..start + n].join(" ");
            clauses.push(term_q(f.keyword_phrase, &phrase, 1.5 * n as f32));
        }
    }
    // Concepts named by the query: their items (and those of their
    // sub-concepts) get a boost; the concepts' other labels expand the
    // query, each label as a whole (every word of "attività venatoria",
    // not any of them).
    let mut expanded: BTreeSet<Vec<String>> = BTreeSet::new();
    for (concept, start, n) in lexicon.matches(&stems) {
        let named = &stems[start..start + n];
        if lexicon.areas.contains(&concept) {
            clauses.push(term_q(f.concept_ids, &concept, 1.5 + n as f32));
            // The first pass has no concept identifiers (they carry no
            // frequencies): the concept's label words stand for them.
            for w in named {
                flat.add(f.concept_text, w, (1.5 + n as f32) / n as f32);
            }
        }
        for label in lexicon.labels.get(&concept).into_iter().flatten() {
            if label.as_slice() != named && !label.iter().all(|w| stems.contains(w)) {
                expanded.insert(label.clone());
            }
        }
    }
    let word_q = |w: &str| -> Node {
        let alts = vec![
            term_q(f.title, w, 3.0),
            term_q(f.keywords, w, 2.5),
            term_q(f.concept_text, w, 1.6),
            term_q(f.question, w, 1.5),
            term_q(f.body, w, 1.0),
        ];
        Node::DisMax(alts, 0.1)
    };
    for label in expanded.iter().take(MAX_EXPANSIONS) {
        let q = match label.as_slice() {
            [w] => word_q(w),
            words => Node::All(words.iter().map(|w| word_q(w)).collect()),
        };
        let weight = 0.35 / (label.len() as f32).sqrt();
        clauses.push(Node::Boost(Box::new(q), weight));
        for w in label {
            for (field, boost) in [(f.title, 3.0), (f.keywords, 2.5), (f.concept_text, 1.6), (f.question, 1.5), (f.body, 1.0)] {
                flat.add(field, w, boost * weight);
            }
        }
    }
    for (key, weight) in clicks {
        clauses.push(term_q(f.key, key, *weight));
    }
    if clauses.is_empty() {
        return None;
    }
    let tree = Node::Any(clauses);
    Some(Scoring { tree, words, flat: flat.terms })
}

/// The fields the last word is matched in as a prefix, with their boosts.
pub fn prefix_fields(f: &Fields) -> [(tantivy::schema::Field, f32); 3] {
    [(f.title_raw, 1.8), (f.keywords_raw, 1.2), (f.concept_raw, 1.0)]
}

/// The first pass's terms: every scoring term of a field with
/// frequencies, each once, with the sum of its boosts.
#[derive(Default)]
struct FlatTerms {
    terms: Vec<(tantivy::schema::Field, String, f32)>,
}

impl FlatTerms {
    fn add(&mut self, field: tantivy::schema::Field, text: &str, boost: f32) {
        if text.is_empty() {
            return;
        }
        match self.terms.iter_mut().find(|(f, t, _)| *f == field && t == text) {
            Some(e) => e.2 += boost,
            None => self.terms.push((field, text.to_owned(), boost)),
        }
    }
}

/// The scoring query and, for coordination, one query per content word.
pub struct Scoring {
    /// Everything that scores: `Any` of the clauses.
    pub tree: Node,
    /// For coordination: the clauses of content words (not stop words),
    /// each its disjunction over the fields.
    pub words: Vec<usize>,
    /// For the first pass of large result sets: the scoring terms of the
    /// fields with frequencies, flat (a sum where the query takes the best
    /// field), without the prefix and the concept, phrase and click terms.
    pub flat: Vec<(tantivy::schema::Field, String, f32)>,
}

/// A normalised form of a query for learning from clicks: sorted stems.
pub fn click_key(text: &str) -> String {
    let a = analyse(text, false);
    let mut s: Vec<String> = a.stems;
    s.sort();
    s.dedup();
    if s.is_empty() { fold(text.trim()) } else { s.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        analyse(s, false).raw
    }

    #[test]
    fn intent_is_read_from_the_words() {
        let person = Some([HitKind::Person, HitKind::Office]);
        let office = Some([HitKind::Office, HitKind::Person]);
        assert_eq!(intent(&words("chi segue le esenzioni")), person);
        assert_eq!(intent(&words("a chi mi rivolgo per il bollo")), person);
        assert_eq!(intent(&words("dirigente protezione civile")), person);
        assert_eq!(intent(&words("ufficio tirocini")), office);
        assert_eq!(intent(&words("numero dei concorsi")), office);
        // Who is entitled asks for an answer, not a person.
        assert_eq!(intent(&words("chi ha diritto all'esenzione")), None);
        assert_eq!(intent(&words("chi può chiedere il bonus")), None);
        // "chi" later in the sentence, or an office word inside it, does not.
        assert_eq!(intent(&words("vecchio divano chi lo ritira")), None);
        assert_eq!(intent(&words("attività dell'ufficio relazioni")), None);
    }
}
