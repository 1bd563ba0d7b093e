//! Scoring primitives of a search (see `index.rs`, "How a search runs" in
//! ARCHITECTURE.md): BM25 statistics, match bitsets from postings, the
//! first-pass accumulation, the full evaluation of candidates, per-segment
//! facet caches and the candidate heap.

use super::HitKind;
use super::index::tantivy_err;
use super::query;
use crate::error::{Error, Result};
use std::collections::HashMap;
use tantivy::DocSet;
use tantivy::postings::TermInfo;
use tantivy::schema::IndexRecordOption;
use tantivy::{Score, SegmentReader, Term};

/// BM25 statistics of the whole index, each looked up once per search,
/// and the dictionary entry of every term in every segment (looked up once:
/// the statistics, the first pass and the full ranking all need it).
pub(super) struct Stats<'a> {
    pub(super) searcher: &'a tantivy::Searcher,
    pub(super) docs: u64,
    pub(super) tokens: HashMap<tantivy::schema::Field, u64>,
    pub(super) weights: HashMap<Term, tantivy::query::Bm25Weight>,
    /// Per term, its dictionary entry in each segment (by segment ordinal).
    infos: HashMap<Term, Vec<Option<TermInfo>>>,
}

impl<'a> Stats<'a> {
    pub(super) fn new(searcher: &'a tantivy::Searcher) -> Result<Self> {
        let docs = tantivy::query::Bm25StatisticsProvider::total_num_docs(searcher).map_err(tantivy_err)?;
        Ok(Stats { searcher, docs, tokens: HashMap::new(), weights: HashMap::new(), infos: HashMap::new() })
    }

    /// The dictionary entries of `term`, one per segment.
    fn infos(&mut self, term: &Term) -> Result<&[Option<TermInfo>]> {
        if !self.infos.contains_key(term) {
            let segments = self.searcher.segment_readers();
            let mut v = Vec::with_capacity(segments.len());
            for segment in segments {
                let inverted = segment.inverted_index(term.field()).map_err(tantivy_err)?;
                v.push(inverted.get_term_info(term).map_err(io_err)?);
            }
            self.infos.insert(term.clone(), v);
        }
        Ok(self.infos.get(term).map(Vec::as_slice).unwrap_or_default())
    }

    /// The dictionary entry of `term` in the segment of ordinal `ord`.
    pub(super) fn info(&mut self, ord: usize, term: &Term) -> Result<Option<TermInfo>> {
        Ok(self.infos(term)?.get(ord).cloned().flatten())
    }

    /// How many documents of the index hold `term` (deleted ones included,
    /// as tantivy's searcher counts them).
    pub(super) fn doc_freq(&mut self, term: &Term) -> Result<u64> {
        Ok(self.infos(term)?.iter().flatten().map(|i| u64::from(i.doc_freq)).sum())
    }

    /// The BM25 weight of a term (unboosted), as tantivy's term query
    /// computes it.
    pub(super) fn weight(&mut self, term: &Term) -> Result<tantivy::query::Bm25Weight> {
        if let Some(w) = self.weights.get(term) {
            return Ok(w.clone());
        }
        let field = term.field();
        let tokens = match self.tokens.get(&field) {
            Some(n) => *n,
            None => {
                let n = tantivy::query::Bm25StatisticsProvider::total_num_tokens(self.searcher, field).map_err(tantivy_err)?;
                self.tokens.insert(field, n);
                n
            }
        };
        // As the searcher counts it: the sum over the segments.
        let doc_freq = self.doc_freq(term)?;
        let average = tokens as Score / self.docs as Score;
        let w = tantivy::query::Bm25Weight::for_one_term_without_explain(doc_freq, self.docs, average);
        self.weights.insert(term.clone(), w.clone());
        Ok(w)
    }
}

pub(super) fn io_err(e: std::io::Error) -> Error {
    Error::invalid("search index", e.to_string())
}

pub(super) fn fieldnorms(segment: &SegmentReader, field: tantivy::schema::Field) -> Result<tantivy::fieldnorm::FieldNormReader> {
    Ok(segment
        .fieldnorms_readers()
        .get_field(field)
        .map_err(tantivy_err)?
        .unwrap_or_else(|| tantivy::fieldnorm::FieldNormReader::constant(segment.max_doc(), 1)))
}

/// Adds the documents of `term` to `bits`.
pub(super) fn or_term(segment: &SegmentReader, term: &Term, bits: &mut Bits) -> Result<()> {
    let inverted = segment.inverted_index(term.field()).map_err(tantivy_err)?;
    let info = inverted.get_term_info(term).map_err(io_err)?;
    or_info(segment, term.field(), info, bits)
}

/// Adds the documents of a term, by its dictionary entry, to `bits`.
pub(super) fn or_info(segment: &SegmentReader, field: tantivy::schema::Field, info: Option<TermInfo>, bits: &mut Bits) -> Result<()> {
    let Some(info) = info else { return Ok(()) };
    let inverted = segment.inverted_index(field).map_err(tantivy_err)?;
    or_postings(inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic).map_err(io_err)?, bits);
    Ok(())
}

/// Adds every document of a postings list to `bits`.
fn or_postings(mut p: tantivy::postings::BlockSegmentPostings, bits: &mut Bits) {
    loop {
        let docs = p.docs();
        if docs.is_empty() {
            break;
        }
        for &d in docs {
            bits.insert(d);
        }
        p.advance();
    }
}

/// Adds the documents of every word of `field` starting with `prefix`.
pub(super) fn or_prefix(segment: &SegmentReader, field: tantivy::schema::Field, prefix: &str, bits: &mut Bits) -> Result<()> {
    let inverted = segment.inverted_index(field).map_err(tantivy_err)?;
    let mut stream = prefix_range(inverted.terms(), prefix)?;
    while stream.advance() {
        if !stream.key().starts_with(prefix.as_bytes()) {
            break;
        }
        or_postings(inverted.read_block_postings_from_terminfo(stream.value(), IndexRecordOption::Basic).map_err(io_err)?, bits);
    }
    Ok(())
}

/// The words of a term dictionary from `prefix` on (the caller stops at
/// the first that does not start with it).
pub(super) fn prefix_range<'a>(terms: &'a tantivy::termdict::TermDictionary, prefix: &str) -> Result<tantivy::termdict::TermStreamer<'a>> {
    let mut upper = prefix.as_bytes().to_vec();
    let bounded = upper.last().is_some_and(|b| *b < u8::MAX);
    if let Some(b) = upper.last_mut()
        && bounded
    {
        *b += 1;
    }
    let mut range = terms.range().ge(prefix.as_bytes());
    if bounded {
        range = range.lt(&upper);
    }
    range.into_stream().map_err(io_err)
}

/// The documents of a segment that a [`query::Node`] tree matches: the
/// union of its leaves' postings, intersections for `All`.
pub(super) fn node_bits(node: &query::Node, segment: &SegmentReader, bits: &mut Bits) -> Result<()> {
    use query::Node;
    match node {
        Node::Term(field, text, _) => or_term(segment, &Term::from_field_text(*field, text), bits),
        Node::Prefix(field, text, _) => or_prefix(segment, *field, text, bits),
        Node::Boost(inner, _) => node_bits(inner, segment, bits),
        Node::DisMax(nodes, _) | Node::Any(nodes) => nodes.iter().try_for_each(|n| node_bits(n, segment, bits)),
        Node::All(nodes) => {
            let mut all: Option<Bits> = None;
            for n in nodes {
                let mut b = Bits::new(segment.max_doc());
                node_bits(n, segment, &mut b)?;
                all = Some(match all {
                    None => b,
                    Some(mut a) => {
                        a.and(&b);
                        a
                    }
                });
            }
            if let Some(a) = all {
                bits.or(&a);
            }
            Ok(())
        }
    }
}

thread_local! {
    /// Score buffers of the first pass, kept by each thread between searches
    /// (one per segment; zeroing is cheaper than fresh pages).
    static SCORE_BUFFERS: std::cell::RefCell<Vec<Vec<Score>>> = const { std::cell::RefCell::new(Vec::new()) };
}

pub(super) fn score_buffer(len: usize) -> Vec<Score> {
    let mut v = SCORE_BUFFERS.with(|b| b.borrow_mut().pop()).unwrap_or_default();
    v.clear();
    v.resize(len, 0.0);
    v
}

pub(super) fn return_score_buffer(v: Vec<Score>) {
    SCORE_BUFFERS.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() < 8 {
            b.push(v);
        }
    });
}

/// Postings from which [`accumulate`] scores single occurrences from a table.
const TABLE_POSTINGS: u32 = 1_024;

/// Adds the documents of a term (by its dictionary entry) to `bits` and
/// its BM25 score (`weight`, boosted) to theirs in `scores`; returns how
/// many postings it read.
pub(super) fn accumulate(
    segment: &SegmentReader,
    field: tantivy::schema::Field,
    info: Option<TermInfo>,
    weight: &tantivy::query::Bm25Weight,
    bits: &mut Bits,
    scores: &mut [Score],
) -> Result<usize> {
    let Some(info) = info else { return Ok(0) };
    let inverted = segment.inverted_index(field).map_err(tantivy_err)?;
    let mut p = inverted.read_block_postings_from_terminfo(&info, IndexRecordOption::WithFreqs).map_err(io_err)?;
    let norms = fieldnorms(segment, field)?;
    // Most postings of short texts have a frequency of one: for a long
    // posting list, their scores come from a table made by the same
    // function (the same values, without a division per posting).
    let once: Option<[Score; 256]> = (info.doc_freq >= TABLE_POSTINGS).then(|| std::array::from_fn(|id| weight.score(id as u8, 1)));
    let mut swept = 0;
    loop {
        let docs = p.docs();
        if docs.is_empty() {
            break;
        }
        swept += docs.len();
        let freqs = p.freqs();
        for (i, &d) in docs.iter().enumerate() {
            bits.insert(d);
            let tf = freqs.get(i).copied().unwrap_or(1);
            if let Some(s) = scores.get_mut(d as usize) {
                let id = norms.fieldnorm_id(d);
                *s += match &once {
                    Some(table) if tf == 1 => table[usize::from(id)],
                    _ => weight.score(id, tf),
                };
            }
        }
        p.advance();
    }
    Ok(swept)
}

/// The documents of each prefix of a search, per segment (made once, for
/// the match set and for the scores of the candidates).
pub(super) type PrefixBits = HashMap<(tantivy::schema::Field, String), Bits>;

/// Like [`node_bits`], without the terms already swept (`covered`);
/// prefixes are kept in `prefixes`.
pub(super) fn rest_bits(
    node: &query::Node,
    segment: &SegmentReader,
    covered: &std::collections::HashSet<(tantivy::schema::Field, &str)>,
    prefixes: &mut PrefixBits,
    bits: &mut Bits,
) -> Result<()> {
    use query::Node;
    match node {
        Node::Prefix(field, text, _) => {
            let key = (*field, text.clone());
            if !prefixes.contains_key(&key) {
                let mut b = Bits::new(segment.max_doc());
                or_prefix(segment, *field, text, &mut b)?;
                prefixes.insert(key.clone(), b);
            }
            if let Some(b) = prefixes.get(&key) {
                bits.or(b);
            }
            Ok(())
        }
        Node::Boost(inner, _) => rest_bits(inner, segment, covered, prefixes, bits),
        Node::DisMax(nodes, _) | Node::Any(nodes) => nodes.iter().try_for_each(|n| rest_bits(n, segment, covered, prefixes, bits)),
        // A swept term's documents are in the match set already. So are a
        // conjunction's when one of its parts is made of swept terms only
        // (it matches a subset of what that part matches): the words of a
        // multi-word concept label are first-pass terms, so their postings
        // are not read again.
        _ if is_covered(node, covered) => Ok(()),
        _ => node_bits(node, segment, bits),
    }
}

/// Whether every document `node` matches is matched by a term of `covered`.
fn is_covered(node: &query::Node, covered: &std::collections::HashSet<(tantivy::schema::Field, &str)>) -> bool {
    use query::Node;
    match node {
        Node::Term(field, text, _) => covered.contains(&(*field, text.as_str())),
        Node::Prefix(..) => false,
        Node::Boost(inner, _) => is_covered(inner, covered),
        Node::DisMax(nodes, _) | Node::Any(nodes) => nodes.iter().all(|n| is_covered(n, covered)),
        Node::All(nodes) => nodes.iter().any(|n| is_covered(n, covered)),
    }
}

/// Scores single documents by a [`query::Node`] tree, seeking each term's
/// postings (tantivy's union scorers fill a window of 4,096 documents at
/// every seek, as costly as scoring them all). Terms score as tantivy's
/// term scorers do (BM25 with the boosts of their ancestors multiplied in
/// the same order), prefixes score their boost, and nodes combine scores
/// as tantivy's do: a document scores as in a search of the whole query.
pub(super) enum Eval {
    Term(tantivy::postings::SegmentPostings, tantivy::fieldnorm::FieldNormReader, tantivy::query::Bm25Weight),
    Const(Bits, Score),
    Never,
    DisMax(Vec<Eval>, f32),
    Any(Vec<Eval>),
    All(Vec<Eval>),
}

impl Eval {
    /// `boost` is the product of the ancestors' boosts, as tantivy passes it down.
    pub(super) fn new(
        node: &query::Node,
        (ord, segment): (usize, &SegmentReader),
        stats: &mut Stats<'_>,
        prefixes: &PrefixBits,
        boost: f32,
    ) -> Result<Self> {
        use query::Node;
        let all = |nodes: &[Node], stats: &mut Stats<'_>| {
            nodes.iter().map(|n| Eval::new(n, (ord, segment), stats, prefixes, boost)).collect::<Result<Vec<_>>>()
        };
        Ok(match node {
            Node::Term(field, text, b) => {
                let term = Term::from_field_text(*field, text);
                match stats.info(ord, &term)? {
                    Some(info) => {
                        let inverted = segment.inverted_index(*field).map_err(tantivy_err)?;
                        let postings = inverted.read_postings_from_terminfo(&info, IndexRecordOption::WithFreqs).map_err(io_err)?;
                        Eval::Term(postings, fieldnorms(segment, *field)?, stats.weight(&term)?.boost_by(boost * *b))
                    }
                    None => Eval::Never,
                }
            }
            Node::Prefix(field, text, b) => {
                let bits = match prefixes.get(&(*field, text.clone())) {
                    Some(bits) => bits.clone(),
                    None => {
                        let mut bits = Bits::new(segment.max_doc());
                        or_prefix(segment, *field, text, &mut bits)?;
                        bits
                    }
                };
                Eval::Const(bits, boost * *b)
            }
            Node::Boost(inner, b) => Eval::new(inner, (ord, segment), stats, prefixes, boost * *b)?,
            Node::DisMax(nodes, tie) => Eval::DisMax(all(nodes, stats)?, *tie),
            Node::Any(nodes) => Eval::Any(all(nodes, stats)?),
            Node::All(nodes) => Eval::All(all(nodes, stats)?),
        })
    }

    /// The score of `doc`, if it matches. Documents must come in
    /// increasing order.
    pub(super) fn score(&mut self, doc: u32) -> Option<Score> {
        use tantivy::postings::Postings;
        match self {
            Eval::Term(p, norms, w) => {
                if p.doc() < doc {
                    p.seek(doc);
                }
                (p.doc() == doc).then(|| w.score(norms.fieldnorm_id(doc), p.term_freq()))
            }
            Eval::Const(bits, score) => bits.contains(doc).then_some(*score),
            Eval::Never => None,
            Eval::DisMax(nodes, tie) => {
                let (mut max, mut sum, mut any) = (0.0 as Score, 0.0 as Score, false);
                for n in nodes {
                    if let Some(x) = n.score(doc) {
                        max = Score::max(x, max);
                        sum += x;
                        any = true;
                    }
                }
                any.then_some(max + (sum - max) * *tie)
            }
            Eval::Any(nodes) => {
                let (mut sum, mut any) = (0.0 as Score, false);
                for n in nodes {
                    if let Some(x) = n.score(doc) {
                        sum += x;
                        any = true;
                    }
                }
                any.then_some(sum)
            }
            Eval::All(nodes) => {
                let mut sum = 0.0 as Score;
                for n in nodes {
                    sum += n.score(doc)?;
                }
                Some(sum)
            }
        }
    }
}

/// Matching documents up to which every match is ranked in full; above,
/// a first pass picks the candidates.
pub(super) const EXHAUSTIVE_LIMIT: usize = 1_000;

/// Fewest candidates the first pass keeps (four times the window when larger).
pub(super) const CANDIDATES: usize = 200;

/// A set of document ids of one segment.
#[derive(Clone)]
pub(super) struct Bits(pub(super) Vec<u64>);

impl Bits {
    pub(super) fn new(max_doc: u32) -> Self {
        Bits(vec![0; (max_doc as usize).div_ceil(64)])
    }

    pub(super) fn insert(&mut self, doc: u32) {
        if let Some(w) = self.0.get_mut((doc >> 6) as usize) {
            *w |= 1 << (doc & 63);
        }
    }

    pub(super) fn contains(&self, doc: u32) -> bool {
        self.0.get((doc >> 6) as usize).is_some_and(|w| w & (1 << (doc & 63)) != 0)
    }

    pub(super) fn or(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }

    pub(super) fn and(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= b;
        }
    }

    pub(super) fn and_not(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= !b;
        }
    }

    /// The documents, in increasing order, without collecting them.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &w)| {
            let base = (i as u32) * 64;
            std::iter::successors((w != 0).then_some(w), |w| {
                let next = w & (w - 1);
                (next != 0).then_some(next)
            })
            .map(move |w| base + w.trailing_zeros())
        })
    }

    pub(super) fn docs(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.0.iter().map(|w| w.count_ones() as usize).sum());
        for (i, &w) in self.0.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                out.push((i as u32) * 64 + w.trailing_zeros());
                w &= w - 1;
            }
        }
        out
    }
}

/// The facets and kind of every document of a segment.
pub(super) struct SegmentFacets {
    /// Per document, `stride` facet ordinals, padded with `names.len()`
    /// (a counter nobody reads): counting a document's facets is a fixed
    /// run of increments, without a branch per facet.
    table: Vec<u32>,
    stride: usize,
    /// Per facet ordinal: root and value (`area`, `caccia`).
    pub(super) names: Vec<(String, String)>,
    /// Per document: item, office or person.
    pub(super) kinds: Vec<HitKind>,
    /// Per document: its scope (0 published, 1 workspace, 2 org, 3 none).
    pub(super) scopes: Vec<u8>,
    /// The segment's deleted documents, as of the number of deletions they
    /// were made for (deletions only grow while a segment lives).
    deleted: std::sync::Mutex<Option<(u32, std::sync::Arc<Bits>)>>,
}

impl SegmentFacets {
    pub(super) fn build(segment: &SegmentReader) -> Result<Self> {
        let reader = segment.facet_reader("facets").map_err(tantivy_err)?;
        let mut names = Vec::with_capacity(reader.num_facets());
        let mut facet = tantivy::schema::Facet::root();
        for ord in 0..reader.num_facets() as u64 {
            reader.facet_from_ord(ord, &mut facet).map_err(tantivy_err)?;
            let path = facet.to_path();
            names.push((path.first().copied().unwrap_or_default().to_owned(), path.last().copied().unwrap_or_default().to_owned()));
        }
        let kind_of_ord: Vec<Option<HitKind>> = names.iter().map(|(r, v)| if r == "kind" { HitKind::parse(v) } else { None }).collect();
        let max_doc = segment.max_doc();
        let per_doc: Vec<Vec<u32>> = (0..max_doc).map(|doc| reader.facet_ords(doc).map(|o| o as u32).collect()).collect();
        let stride = per_doc.iter().map(Vec::len).max().unwrap_or(0);
        let none = names.len() as u32;
        let mut table = Vec::with_capacity(max_doc as usize * stride);
        let mut kinds = Vec::with_capacity(max_doc as usize);
        for ords in &per_doc {
            let kind = ords.iter().rev().find_map(|&o| kind_of_ord.get(o as usize).copied().flatten());
            kinds.push(kind.unwrap_or(HitKind::Item));
            table.extend(ords.iter().copied().chain(std::iter::repeat(none)).take(stride));
        }
        let mut scopes = vec![3u8; max_doc as usize];
        let scope_field = segment.schema().get_field("scope").map_err(tantivy_err)?;
        for (code, scope) in ["published", "workspace", "org"].iter().enumerate() {
            let mut bits = Bits::new(max_doc);
            or_term(segment, &Term::from_field_text(scope_field, scope), &mut bits)?;
            for doc in bits.docs() {
                if let Some(s) = scopes.get_mut(doc as usize) {
                    *s = code as u8;
                }
            }
        }
        Ok(SegmentFacets { table, stride, names, kinds, scopes, deleted: std::sync::Mutex::new(None) })
    }

    pub(super) fn scope(&self, doc: u32) -> u8 {
        self.scopes.get(doc as usize).copied().unwrap_or(3)
    }

    pub(super) fn kind(&self, doc: u32) -> HitKind {
        self.kinds.get(doc as usize).copied().unwrap_or(HitKind::Item)
    }

    /// The deleted documents of `segment` (this facets' segment), if any.
    pub(super) fn deleted(&self, segment: &SegmentReader) -> Option<std::sync::Arc<Bits>> {
        let alive = segment.alive_bitset()?;
        let n = segment.num_deleted_docs();
        if n == 0 {
            return None;
        }
        let mut cached = super::index::lock(&self.deleted);
        if let Some((m, bits)) = cached.as_ref()
            && *m == n
        {
            return Some(std::sync::Arc::clone(bits));
        }
        let mut bits = Bits::new(segment.max_doc());
        for doc in (0..segment.max_doc()).filter(|&d| alive.is_deleted(d)) {
            bits.insert(doc);
        }
        let bits = std::sync::Arc::new(bits);
        *cached = Some((n, std::sync::Arc::clone(&bits)));
        Some(bits)
    }

    /// How many documents `docs` holds, and how many of them have each
    /// facet (by facet ordinal).
    pub(super) fn count(&self, docs: &Bits) -> (usize, Vec<u32>) {
        let mut total = 0;
        // One more counter for the padding of the rows.
        let mut tally = vec![0u32; self.names.len() + 1];
        let stride = self.stride;
        for (i, &word) in docs.0.iter().enumerate() {
            let mut w = word;
            total += w.count_ones() as usize;
            while w != 0 {
                let doc = i * 64 + w.trailing_zeros() as usize;
                w &= w - 1;
                if let Some(ords) = self.table.get(doc * stride..(doc + 1) * stride) {
                    for &o in ords {
                        if let Some(n) = tally.get_mut(o as usize) {
                            *n += 1;
                        }
                    }
                }
            }
        }
        tally.truncate(self.names.len());
        (total, tally)
    }
}

/// A candidate of the first pass, ordered by score (lowest first in the heap).
pub(super) struct Candidate(pub(super) Score, pub(super) u32, pub(super) u32);

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Reversed: the heap's top is the weakest candidate (ties: the later document).
        other.0.total_cmp(&self.0).then((self.1, self.2).cmp(&(other.1, other.2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{analysis, schema};
    use query::Node;
    use tantivy::collector::TopDocs;
    use tantivy::{DocAddress, Index, doc};

    /// The full ranking of candidates (`Eval`) and the first pass's prefix
    /// boosts score a tree as tantivy scores the same tree as a query.
    #[test]
    fn candidates_score_as_tantivy_scores_the_whole_query() {
        let (schema, f) = schema::build();
        let index = Index::create_in_ram(schema);
        analysis::register(index.tokenizers());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let texts = [
            ("Bollo auto", "Il pagamento del bollo auto si fa online.", "bollo; tassa"),
            ("Esenzione bollo", "Chi ha diritto all'esenzione dal bollo auto e moto.", "esenzione"),
            ("Autobus regionali", "Orari degli autobus e abbonamenti.", "trasporti"),
            ("Tassa auto storiche", "Le auto storiche pagano una tassa ridotta, auto per auto.", "bollo"),
            ("Ticket sanitario", "Esenzione dal ticket per reddito.", "sanità"),
        ];
        for (title, body, keywords) in texts {
            writer
                .add_document(doc!(
                    f.title => title,
                    f.title_raw => title,
                    f.body => body,
                    f.keywords => keywords,
                    f.scope => "published",
                ))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let stem = |w: &str| analysis::tokens(&mut analysis::italian(), w).remove(0);
        let (bollo, auto, esenzione) = (stem("bollo"), stem("auto"), stem("esenzione"));
        let tree = Node::Any(vec![
            Node::Boost(
                Box::new(Node::DisMax(
                    vec![
                        Node::Term(f.title, bollo.clone(), 3.0),
                        Node::Term(f.body, bollo.clone(), 1.0),
                        Node::Term(f.keywords, bollo, 2.5),
                    ],
                    0.25,
                )),
                1.0,
            ),
            Node::Boost(
                Box::new(Node::DisMax(vec![Node::Term(f.body, auto.clone(), 1.0), Node::Prefix(f.title_raw, "au".into(), 1.8)], 0.25)),
                0.3,
            ),
            Node::Boost(Box::new(Node::All(vec![Node::Term(f.body, esenzione, 1.0), Node::Term(f.body, auto, 1.0)])), 0.35),
        ]);
        assert_eq!(tree.prefixes(), vec![(f.title_raw, "au", 1.8 * 0.3)]);

        let expected: HashMap<DocAddress, Score> =
            searcher.search(&*tree.to_query(), &TopDocs::with_limit(10)).unwrap().into_iter().map(|(s, a)| (a, s)).collect();
        assert_eq!(expected.len(), 4, "every document but the ticket one matches");
        let segment = &searcher.segment_readers()[0];
        let mut stats = Stats::new(&searcher).unwrap();
        let mut eval = Eval::new(&tree, (0, segment), &mut stats, &PrefixBits::new(), 1.0).unwrap();
        for doc in 0..segment.max_doc() {
            let got = eval.score(doc);
            match expected.get(&DocAddress::new(0, doc)) {
                Some(want) => {
                    let got = got.unwrap_or_else(|| panic!("document {doc} should match"));
                    assert!((got - want).abs() < 1e-4 * want.abs().max(1.0), "document {doc}: {got} against tantivy's {want}");
                }
                None => assert_eq!(got, None, "document {doc} should not match"),
            }
        }
    }
}
