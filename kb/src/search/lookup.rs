//! The search itself, over the index that `index.rs` keeps current:
//! queries with typo candidates and concept expansion, ranking, facets,
//! snippets, and suggestions for the autocomplete box.

use super::documents::{Display, days, plain, slug_of};
use super::index::{SearchIndex, lock, tantivy_err};
use super::query;
use super::scoring::*;
use super::{FacetCount, HitKind, SearchHit, SearchQuery, SearchResults, Suggestion};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Score, SegmentReader, TantivyDocument, Term};

/// Score multiplier of items whose validity has ended.
const EXPIRED_FACTOR: f32 = 0.75;

/// Longest snippet of a hit, in characters.
const SNIPPET_CHARS: usize = 220;

/// Most indexed words a typed word is corrected to.
const MAX_TYPO_CANDIDATES: usize = 4;

/// Most words whose corrections are kept between searches (the cache is
/// emptied when full, and whenever the index changes).
const TYPO_CACHE_WORDS: usize = 4_096;

/// Levenshtein automaton builders for distances 1 and 2 (with
/// transpositions), built once: building them is the costly part.
fn levenshtein_builder(distance: u8) -> &'static levenshtein_automata::LevenshteinAutomatonBuilder {
    static BUILDERS: std::sync::OnceLock<[levenshtein_automata::LevenshteinAutomatonBuilder; 2]> = std::sync::OnceLock::new();
    let b = BUILDERS.get_or_init(|| {
        [levenshtein_automata::LevenshteinAutomatonBuilder::new(1, true), levenshtein_automata::LevenshteinAutomatonBuilder::new(2, true)]
    });
    &b[usize::from(distance.clamp(1, 2) - 1)]
}

/// A Levenshtein DFA as an automaton over the term dictionary.
struct DfaWrapper<'a>(&'a levenshtein_automata::DFA);

impl tantivy_fst::Automaton for DfaWrapper<'_> {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), levenshtein_automata::Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// How many results are ranked before a query's intent reorders them.
const RERANK_WINDOW: usize = 50;

/// Share of the score a result keeps when it matches none of the typed
/// words (only expansions); it keeps all of it when it matches every word.
const COORD_FLOOR: f32 = 0.4;

impl SearchIndex {
    /// Runs a search.
    pub(crate) fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let f = &self.fields;
        let mut clock = PhaseClock::start();
        let analysed = query::analyse(&q.text, q.as_you_type);
        if analysed.raw.is_empty() {
            return Ok(SearchResults::default());
        }
        let derived = self.derived.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let clicks: Vec<(String, f32)> = derived
            .clicks
            .get(&query::click_key(&q.text))
            .map(|m| m.iter().map(|(id, n)| (format!("item:{id}"), 1.0 + (*n as f32).ln_1p() * 1.5)).collect())
            .unwrap_or_default();
        let searcher = self.reader.searcher();
        let typos = self.typo_candidates(&searcher, &analysed)?;
        clock.mark(0);
        let Some(scoring) = query::scoring_query(f, &analysed, &derived.lexicon, &clicks, &typos) else {
            return Ok(SearchResults::default());
        };
        // Filters: each list is a choice of terms, and every list must match.
        let term = |field, text: &str| Term::from_field_text(field, text);
        let pair = |field, text: &str| (field, text.to_owned());
        let mut required: Vec<Vec<(tantivy::schema::Field, String)>> = Vec::new();
        if !q.kinds.is_empty() {
            required.push(q.kinds.iter().map(|k| pair(f.kind, k.as_str())).collect());
        }
        if let Some(a) = &q.area {
            required.push(vec![pair(f.concept_ids, a)]);
        }
        if let Some(o) = &q.office {
            required.push(vec![pair(f.office_id, o)]);
        }
        if let Some(l) = q.level {
            required.push(vec![pair(f.level, if l == crate::item::Level::Base { "base" } else { "advanced" })]);
        }
        if let Some(a) = &q.audience {
            required.push(vec![pair(f.audience, a), pair(f.audience, "any")]);
        }
        // Every document is in one scope (published, workspace or org):
        // operators see all but working revisions.
        let excluded = (!q.include_drafts).then(|| term(f.scope, "workspace"));
        // The filters also score, as clauses the documents must match: each
        // adds the BM25 score of the filter term a document has (the scope
        // adds more to the rarer kind: items or the organisation chart).
        let scopes: &[&str] = if q.include_drafts { &["published", "org", "workspace"] } else { &["published", "org"] };
        let mut filter_nodes: Vec<query::Node> =
            vec![query::Node::Any(scopes.iter().map(|s| query::Node::Term(f.scope, (*s).to_owned(), 1.0)).collect())];
        for any_of in &required {
            filter_nodes.push(query::Node::Any(any_of.iter().map(|(field, text)| query::Node::Term(*field, text.clone(), 1.0)).collect()));
        }
        let today = q.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let today_days = days(today);
        let intent = query::intent(&analysed.raw);
        let limit = q.limit.clamp(1, 200);
        // A wider window is ranked, then reordered by coordination and intent.
        let window = (q.offset + limit).max(RERANK_WINDOW);
        let segments = searcher.segment_readers();
        let facets: Vec<Arc<SegmentFacets>> = segments.iter().map(|s| self.segment_facets(s)).collect::<Result<_>>()?;

        // 1. Every match, as a set of documents per segment (postings
        //    merged into bitsets): the count, the facets, and the documents
        //    the filters let through. The same sweep over the postings of
        //    the scoring terms sums their BM25 scores flat, term at a time,
        //    into one score per document, for the first pass below.
        let mut stats = Stats::new(&searcher)?;
        let flat = &scoring.flat;
        clock.terms = flat.len();
        let mut flat_terms = Vec::with_capacity(flat.len());
        for (field, text, boost) in flat {
            let t = Term::from_field_text(*field, text);
            let w = stats.weight(&t)?.boost_by(*boost);
            flat_terms.push((t, w));
        }
        let prefix_boosts = scoring.tree.prefixes();
        let covered: std::collections::HashSet<(tantivy::schema::Field, &str)> = flat.iter().map(|(f, t, _)| (*f, t.as_str())).collect();
        let one = tantivy::fieldnorm::FieldNormReader::constant(1, 1).fieldnorm_id(0);
        let scope_bias: Vec<Score> = ["published", "workspace", "org"]
            .iter()
            .map(|s| Ok(stats.weight(&term(f.scope, s))?.score(one, 1)))
            .collect::<Result<Vec<Score>>>()?
            .into_iter()
            .chain([0.0])
            .collect();
        let mut matched: Vec<Bits> = Vec::with_capacity(segments.len());
        let mut prefixes: Vec<PrefixBits> = Vec::with_capacity(segments.len());
        let mut flat_scores: Vec<Vec<Score>> = Vec::with_capacity(segments.len());
        let mut total = 0usize;
        let mut facet_counts: HashMap<(&str, &str), u64> = HashMap::new();
        for (ord, (segment, sf)) in segments.iter().zip(&facets).enumerate() {
            let max_doc = segment.max_doc();
            let mut bits = Bits::new(max_doc);
            let mut scores = score_buffer(max_doc as usize);
            for (t, w) in &flat_terms {
                clock.swept += accumulate(segment, t.field(), stats.info(ord, t)?, w, &mut bits, &mut scores)?;
            }
            let mut seg_prefixes = PrefixBits::new();
            rest_bits(&scoring.tree, segment, &covered, &mut seg_prefixes, &mut bits)?;
            // A prefix scores its boost in the full ranking, whichever
            // word it matched: the first pass adds the same to the
            // documents of its bits.
            for (field, text, boost) in &prefix_boosts {
                if let Some(b) = seg_prefixes.get(&(*field, (*text).to_owned())) {
                    for doc in b.iter() {
                        if let Some(s) = scores.get_mut(doc as usize) {
                            *s += boost;
                        }
                    }
                }
            }
            prefixes.push(seg_prefixes);
            for any_of in &required {
                let mut allowed = Bits::new(max_doc);
                for (field, text) in any_of {
                    or_info(segment, *field, stats.info(ord, &term(*field, text))?, &mut allowed)?;
                }
                bits.and(&allowed);
            }
            if let Some(t) = &excluded {
                let mut out = Bits::new(max_doc);
                or_info(segment, t.field(), stats.info(ord, t)?, &mut out)?;
                bits.and_not(&out);
            }
            let facets_started = clock.now();
            if let Some(deleted) = sf.deleted(segment) {
                bits.and_not(&deleted);
            }
            let (matches, counts) = sf.count(&bits);
            total += matches;
            for (o, n) in counts.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                let (root, value) = &sf.names[o];
                *facet_counts.entry((root.as_str(), value.as_str())).or_default() += u64::from(n);
            }
            clock.add_facets(facets_started);
            matched.push(bits);
            flat_scores.push(scores);
        }

        clock.mark(1);
        // 2. The candidates: every match when there are few; otherwise the
        //    best by the flat sum (plus the scope filter's score), and the
        //    documents opened for this query.
        let wanted = (window * 4).max(CANDIDATES);
        let candidates: Vec<Vec<u32>> = if total <= EXHAUSTIVE_LIMIT.max(wanted) {
            matched.iter().map(Bits::docs).collect()
        } else {
            let mut heap: std::collections::BinaryHeap<Candidate> = std::collections::BinaryHeap::with_capacity(wanted + 1);
            let mut threshold = Score::MIN;
            for (ord, (bits, scores)) in matched.iter().zip(&flat_scores).enumerate() {
                let sf = &facets[ord];
                for doc in bits.iter() {
                    let bias = scope_bias.get(usize::from(sf.scope(doc))).copied().unwrap_or(0.0);
                    let score = scores.get(doc as usize).copied().unwrap_or(0.0) + bias;
                    if heap.len() < wanted || score > threshold {
                        heap.push(Candidate(score, ord as u32, doc));
                        if heap.len() > wanted {
                            heap.pop();
                        }
                        if heap.len() == wanted
                            && let Some(weakest) = heap.peek()
                        {
                            threshold = weakest.0;
                        }
                    }
                }
            }
            let mut found: Vec<Vec<u32>> = vec![Vec::new(); segments.len()];
            for Candidate(_, ord, doc) in heap {
                if let Some(v) = found.get_mut(ord as usize) {
                    v.push(doc);
                }
            }
            for (key, _) in &clicks {
                let t = Term::from_field_text(f.key, key);
                for (ord, segment) in segments.iter().enumerate() {
                    let mut opened = Bits::new(segment.max_doc());
                    or_term(segment, &t, &mut opened)?;
                    opened.and(&matched[ord]);
                    found[ord].extend(opened.docs());
                }
            }
            for docs in &mut found {
                docs.sort_unstable();
                docs.dedup();
            }
            found
        };
        for b in flat_scores {
            return_score_buffer(b);
        }

        clock.mark(2);
        clock.ranked = candidates.iter().map(Vec::len).sum();
        // 3. The full ranking of the candidates, document by document.
        // (score, address, content words matched)
        let mut top_docs: Vec<(Score, DocAddress, usize)> = Vec::new();
        for (ord, docs) in candidates.iter().enumerate() {
            if docs.is_empty() {
                continue;
            }
            let segment = &segments[ord];
            let valid = segment.fast_fields().i64("valid_until").ok().map(|c| c.first_or_default_col(i64::MAX));
            let Eval::Any(mut clauses) = Eval::new(&scoring.tree, (ord, segment), &mut stats, &prefixes[ord], 1.0)? else { continue };
            let mut filters: Vec<Eval> =
                filter_nodes.iter().map(|n| Eval::new(n, (ord, segment), &mut stats, &prefixes[ord], 1.0)).collect::<Result<_>>()?;
            for &doc in docs {
                let (mut score, mut any, mut words) = (0.0 as Score, false, 0);
                for (i, clause) in clauses.iter_mut().enumerate() {
                    if let Some(x) = clause.score(doc) {
                        score += x;
                        any = true;
                        if scoring.words.contains(&i) {
                            words += 1;
                        }
                    }
                }
                if !any {
                    continue;
                }
                for filter in &mut filters {
                    score += filter.score(doc).unwrap_or(0.0);
                }
                let until = valid.as_ref().map(|c| c.get_val(doc)).unwrap_or(i64::MAX);
                // Expired items stay findable (the operator must learn that
                // a call closed), ranked below valid items that match as well.
                if until < today_days {
                    score *= EXPIRED_FACTOR;
                }
                top_docs.push((score, DocAddress::new(ord as u32, doc), words));
            }
        }
        top_docs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        top_docs.truncate(window);
        // Coordination: results matching more of the typed words (in any
        // field, typo corrections included) rank higher, so that a result
        // matching one word many times does not outrank one that matches
        // them all.
        if scoring.words.len() >= 2 {
            let n = scoring.words.len() as f32;
            for hit in &mut top_docs {
                hit.0 *= COORD_FLOOR + (1.0 - COORD_FLOOR) * (hit.2 as f32 / n);
            }
            top_docs.sort_by(|a, b| b.0.total_cmp(&a.0));
        }
        let mut top_docs: Vec<(Score, DocAddress)> = top_docs.into_iter().map(|(s, a, _)| (s, a)).collect();
        let kind_of = |addr: &DocAddress| facets[addr.segment_ord as usize].kind(addr.doc_id);
        if let Some(first) = intent {
            promote(&mut top_docs, |(_, addr)| kind_of(addr), first);
        }
        clock.mark(3);
        // Documents are read, and snippets made, for the page shown only.
        let page: Vec<(Score, DocAddress)> = top_docs.into_iter().skip(q.offset).take(limit).collect();
        let mut hits = Vec::with_capacity(page.len());
        if !page.is_empty() {
            // As `SnippetGenerator::create` weighs the body's terms, from
            // the statistics this search has looked up already.
            let mut weights = std::collections::BTreeMap::new();
            for text in scoring.tree.term_texts(f.body) {
                let n = stats.doc_freq(&term(f.body, text))?;
                if n > 0 {
                    weights.insert(text.to_owned(), 1.0 / (1.0 + n as Score));
                }
            }
            let tokenizer = self.index.tokenizer_for_field(f.body).map_err(tantivy_err)?;
            let snippets = SnippetGenerator::new(weights, tokenizer, f.body, SNIPPET_CHARS);
            for (score, addr) in page {
                hits.push(self.hit(&searcher, addr, score, &snippets, today)?);
            }
        }
        let label_area = |slug: &str| {
            derived
                .taxonomy
                .concepts
                .values()
                .find(|c| slug_of(&c.iri) == slug && c.broader.is_none())
                .map(|c| (c.iri.clone(), c.label.clone()))
                .unwrap_or_else(|| (slug.to_owned(), slug.to_owned()))
        };
        let counts = |root: &str| -> Vec<(String, u64)> {
            facet_counts.iter().filter(|((r, _), _)| *r == root).map(|((_, v), n)| ((*v).to_owned(), *n)).collect()
        };
        let mut results = SearchResults { total, hits, ..Default::default() };
        results.areas = counts("area")
            .into_iter()
            .map(|(slug, count)| {
                let (value, label) = label_area(&slug);
                FacetCount { value, label, count }
            })
            .collect();
        results.offices = counts("office")
            .into_iter()
            .map(|(code, count)| {
                let label = derived.office_names.get(&code).cloned().unwrap_or_else(|| code.clone());
                FacetCount { value: code, label, count }
            })
            .collect();
        results.levels = counts("level").into_iter().map(|(v, count)| FacetCount { label: v.clone(), value: v, count }).collect();
        results.kinds = counts("kind").into_iter().map(|(v, count)| FacetCount { label: v.clone(), value: v, count }).collect();
        for list in [&mut results.areas, &mut results.offices, &mut results.levels, &mut results.kinds] {
            list.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)).then(a.value.cmp(&b.value)));
        }
        results.offices.truncate(15);
        clock.log(segments.len(), total);
        Ok(results)
    }

    /// The facets of every document of a segment (cached: segments never change).
    pub(super) fn segment_facets(&self, segment: &SegmentReader) -> Result<Arc<SegmentFacets>> {
        let id = segment.segment_id();
        if let Some(sf) = lock(&self.facet_cache).get(&id) {
            return Ok(Arc::clone(sf));
        }
        let sf = Arc::new(SegmentFacets::build(segment)?);
        lock(&self.facet_cache).insert(id, Arc::clone(&sf));
        Ok(sf)
    }

    /// For each typed word long enough to carry a typo, the indexed words
    /// within its edit distance (same first letter, most frequent first).
    fn typo_candidates(&self, searcher: &tantivy::Searcher, q: &query::Analysed) -> Result<HashMap<String, Vec<String>>> {
        let mut out = HashMap::new();
        for (i, word) in q.raw.iter().enumerate() {
            let d = query::typo_distance(word);
            if d == 0 || out.contains_key(word) || (i + 1 == q.raw.len() && q.last_is_prefix) {
                continue;
            }
            // A word the texts contain is taken as typed: correcting it
            // would only add noise (and time).
            if searcher.doc_freq(&Term::from_field_text(self.fields.all_raw, word)).map_err(tantivy_err)? > 0 {
                continue;
            }
            let generation = searcher.generation().generation_id();
            {
                let cache = lock(&self.typo_cache);
                if cache.0 == generation
                    && let Some(found) = cache.1.get(word)
                {
                    out.insert(word.clone(), found.clone());
                    continue;
                }
            }
            let dfa = levenshtein_builder(d).build_dfa(word);
            let first = word.chars().next();
            // Only the words with the same first letter are walked.
            let lower: String = first.map(String::from).unwrap_or_default();
            let mut upper = lower.clone().into_bytes();
            let bounded = upper.last().is_some_and(|b| *b < u8::MAX);
            if let Some(b) = upper.last_mut()
                && bounded
            {
                *b += 1;
            }
            let mut freq: HashMap<String, u32> = HashMap::new();
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(self.fields.all_raw).map_err(tantivy_err)?;
                let mut range = inverted.terms().search(DfaWrapper(&dfa)).ge(lower.as_bytes());
                if bounded {
                    range = range.lt(&upper);
                }
                let mut stream = range.into_stream().map_err(|e| Error::invalid("search index", e.to_string()))?;
                while stream.advance() {
                    let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
                    if term != word && term.chars().next() == first {
                        *freq.entry(term.to_owned()).or_default() += stream.value().doc_freq;
                    }
                }
            }
            let mut ranked: Vec<(String, u32)> = freq.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let found: Vec<String> = ranked.into_iter().take(MAX_TYPO_CANDIDATES).map(|(t, _)| t).collect();
            {
                let mut cache = lock(&self.typo_cache);
                if cache.0 != generation || cache.1.len() >= TYPO_CACHE_WORDS {
                    *cache = (generation, HashMap::new());
                }
                cache.1.insert(word.clone(), found.clone());
            }
            out.insert(word.clone(), found);
        }
        Ok(out)
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        score: Score,
        snippets: &SnippetGenerator,
        today: chrono::NaiveDate,
    ) -> Result<SearchHit> {
        let f = &self.fields;
        let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let display: Display = serde_json::from_str(&text(f.display)).unwrap_or_default();
        let kind = HitKind::parse(&text(f.kind)).unwrap_or(HitKind::Item);
        let snippet = snippets.snippet_from_doc(&doc);
        let snippet_html = if snippet.is_empty() {
            let body = text(f.body);
            let cut: String = body.chars().take(SNIPPET_CHARS).collect();
            html_escape(&cut)
        } else {
            snippet.to_html()
        };
        Ok(SearchHit {
            kind,
            id: text(f.id),
            draft: text(f.key).starts_with("draft:"),
            score,
            title: display.title.clone(),
            snippet_html,
            expired_on: display.valid_until.filter(|d| *d < today),
            display,
        })
    }

    /// Autocomplete: titles, concepts, offices and people starting with
    /// the words typed.
    pub(crate) fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let a = query::analyse(prefix, true);
        let Some(last) = a.raw.last() else { return Ok(Vec::new()) };
        let limit = limit.clamp(1, 50);
        let f = &self.fields;
        let mut out: Vec<Suggestion> = Vec::new();
        // Concepts whose label words start with what was typed.
        let wanted = plain(prefix);
        {
            let derived = self.derived.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut concepts: Vec<(&str, &str)> = derived
                .taxonomy
                .concepts
                .values()
                .filter(|c| derived.lexicon.areas.contains(&c.iri))
                .filter(|c| {
                    let l = plain(&c.label);
                    l.starts_with(&wanted) || l.split(' ').any(|w| w.starts_with(&wanted))
                })
                .map(|c| (c.iri.as_str(), c.label.as_str()))
                .collect();
            concepts.sort_by(|x, y| x.1.cmp(y.1));
            out.extend(concepts.into_iter().take(limit / 3 + 1).map(|(iri, label)| Suggestion {
                kind: "concept",
                id: iri.to_owned(),
                label: label.to_owned(),
            }));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &a.raw[..a.raw.len() - 1] {
            clauses.push((Occur::Must, Box::new(TermQuery::new(Term::from_field_text(f.title_raw, w), IndexRecordOption::Basic))));
        }
        clauses
            .push((Occur::Must, Box::new(tantivy::query::FuzzyTermQuery::new_prefix(Term::from_field_text(f.title_raw, last), 0, true))));
        clauses.push((Occur::MustNot, Box::new(TermQuery::new(Term::from_field_text(f.scope, "workspace"), IndexRecordOption::Basic))));
        let searcher = self.reader.searcher();
        let found = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit)).map_err(tantivy_err)?;
        for (_, addr) in found {
            let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_err)?;
            let get = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let display: Display = serde_json::from_str(&get(f.display)).unwrap_or_default();
            let kind = match get(f.kind).as_str() {
                "office" => "office",
                "person" => "person",
                _ => "item",
            };
            out.push(Suggestion { kind, id: get(f.id), label: display.title });
        }
        out.truncate(limit);
        Ok(out)
    }
}

/// Moves the best hits of the kinds a query asks for ("chi segue …":
/// person, then office) to the top, keeping the rest in score order.
fn promote<T>(hits: &mut Vec<T>, kind_of: impl Fn(&T) -> HitKind, first: [HitKind; 2]) {
    let mut front = Vec::new();
    for kind in first {
        if let Some(pos) = hits.iter().position(|h| kind_of(h) == kind) {
            front.push(hits.remove(pos));
        }
    }
    front.append(hits);
    *hits = front;
}
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The time of each phase of a search, logged at trace level
/// (`RUST_LOG=kb::search::lookup=trace`); reads no clock when that level is
/// off, so operators' searches pay nothing for it.
struct PhaseClock {
    start: Option<std::time::Instant>,
    /// Ends of: typo candidates, posting sweep, candidates, full ranking.
    marks: [std::time::Duration; 4],
    facets: std::time::Duration,
    /// Postings entries scored by the first pass.
    swept: usize,
    /// Terms of the first pass, and candidates ranked in full.
    terms: usize,
    ranked: usize,
}

impl PhaseClock {
    fn start() -> Self {
        let start = tracing::enabled!(tracing::Level::TRACE).then(std::time::Instant::now);
        PhaseClock { start, marks: Default::default(), facets: std::time::Duration::ZERO, swept: 0, terms: 0, ranked: 0 }
    }

    fn now(&self) -> Option<std::time::Instant> {
        self.start.map(|_| std::time::Instant::now())
    }

    fn mark(&mut self, phase: usize) {
        if let Some(t) = self.start {
            self.marks[phase] = t.elapsed();
        }
    }

    fn add_facets(&mut self, since: Option<std::time::Instant>) {
        if let Some(t) = since {
            self.facets += t.elapsed();
        }
    }

    fn log(&self, segments: usize, total: usize) {
        let Some(t) = self.start else { return };
        let us = |d: std::time::Duration| d.as_micros() as u64;
        let m = &self.marks;
        tracing::trace!(
            typos_us = us(m[0]),
            phase1_us = us(m[1] - m[0]),
            phase2_us = us(m[2] - m[1]),
            phase3_us = us(m[3] - m[2]),
            rest_us = us(t.elapsed() - m[3]),
            facet_us = us(self.facets),
            segments,
            total,
            terms = self.terms,
            swept = self.swept,
            ranked = self.ranked,
            "search phases"
        );
    }
}
