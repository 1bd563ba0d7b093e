//! Text analysis for Italian (and English): tokenizers registered with the
//! index and used again on queries, so both sides agree.
//!
//! - `it`: words split on anything that is not a letter or digit (so
//!   `dell'ufficio` gives `dell` and `ufficio`), lower-cased, accents folded
//!   (`attività` → `attivita`), elided articles and Italian stop words
//!   removed, Snowball Italian stemming (each thread keeps the stems it
//!   has computed: an import indexes the same few thousand words hundreds
//!   of thousands of times, and stemming was 40 % of the indexing thread).
//! - `en`: the same for English.
//! - `raw`: lower-cased and folded words without stemming or stop words:
//!   prefixes (search as you type), typo-tolerant matching, exact names.

use rust_stemmers::Algorithm;
use std::cell::RefCell;
use std::collections::HashMap;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer, TokenizerManager,
};

/// Name of the Italian analyzer.
pub const IT: &str = "cc_it";
/// Name of the English analyzer.
pub const EN: &str = "cc_en";
/// Name of the unstemmed analyzer.
pub const RAW: &str = "cc_raw";

/// Elided forms and one-letter leftovers of apostrophes (`l'`, `un'`, `d'`,
/// `dell'`...), on top of Snowball's Italian stop words.
const ITALIAN_EXTRA_STOP: &[&str] = &[
    "l",
    "d",
    "c",
    "s",
    "m",
    "t",
    "v",
    "n",
    "un",
    "quest",
    "quell",
    "dell",
    "dall",
    "nell",
    "sull",
    "all",
    "coll",
    "pell",
    "cos",
    "cosa",
    "chi",
    "come",
    "dove",
    "quando",
    "quale",
    "quali",
    "devo",
    "posso",
    "fare",
    "faccio",
    "serve",
    "servono",
    "bisogna",
    "vorrei",
    "sapere",
    "informazioni",
    "info",
];

fn italian_stop_words() -> Vec<String> {
    let mut words: Vec<String> = SNOWBALL_ITALIAN.iter().map(|w| (*w).to_owned()).collect();
    words.extend(ITALIAN_EXTRA_STOP.iter().map(|w| (*w).to_owned()));
    // Stop words are compared after folding.
    let mut words: Vec<String> = words.iter().map(|w| fold(w)).collect();
    words.sort();
    words.dedup();
    words
}

/// Lower-cases and folds accents of one word.
pub fn fold(word: &str) -> String {
    deunicode::deunicode(&word.to_lowercase())
}

/// Registers the analyzers on an index's tokenizer manager.
pub fn register(manager: &TokenizerManager) {
    manager.register(IT, italian());
    manager.register(EN, english());
    manager.register(RAW, raw());
}

/// The Italian analyzer (built once: its stop word list is folded word by
/// word, too costly to repeat for every query).
pub fn italian() -> TextAnalyzer {
    static IT_ANALYZER: std::sync::OnceLock<TextAnalyzer> = std::sync::OnceLock::new();
    IT_ANALYZER.get_or_init(build_italian).clone()
}

fn build_italian() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(italian_stop_words()))
        .filter(CachedStemmer::ITALIAN)
        .build()
}

/// The English analyzer (built once).
pub fn english() -> TextAnalyzer {
    static EN_ANALYZER: std::sync::OnceLock<TextAnalyzer> = std::sync::OnceLock::new();
    EN_ANALYZER.get_or_init(build_english).clone()
}

fn build_english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::new(Language::English).unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new())))
        .filter(CachedStemmer::ENGLISH)
        .build()
}

/// Snowball stemming, as tantivy's `Stemmer`, with the stems each thread
/// has computed kept in a table (bounded: emptied when it reaches
/// `STEMS_PER_THREAD` words).
#[derive(Clone, Copy)]
pub struct CachedStemmer {
    language: StemLanguage,
}

#[derive(Clone, Copy)]
enum StemLanguage {
    Italian = 0,
    English = 1,
}

impl StemLanguage {
    fn algorithm(self) -> Algorithm {
        match self {
            Self::Italian => Algorithm::Italian,
            Self::English => Algorithm::English,
        }
    }
}

impl CachedStemmer {
    const ITALIAN: Self = Self { language: StemLanguage::Italian };
    const ENGLISH: Self = Self { language: StemLanguage::English };
}

/// Most words whose stems a thread keeps, per language.
const STEMS_PER_THREAD: usize = 100_000;

thread_local! {
    /// Stems by word, per language.
    static STEMS: RefCell<[HashMap<Box<str>, Box<str>>; 2]> = RefCell::new([HashMap::new(), HashMap::new()]);
}

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter { language: self.language, inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    language: StemLanguage,
    inner: T,
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream { tail: self.inner.token_stream(text), language: self.language }
    }
}

pub struct CachedStemmerStream<T> {
    tail: T,
    language: StemLanguage,
}

impl<T: TokenStream> TokenStream for CachedStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let language = self.language;
        let token = self.tail.token_mut();
        STEMS.with(|stems| {
            let mut stems = stems.borrow_mut();
            let stems = &mut stems[language as usize];
            if let Some(stem) = stems.get(token.text.as_str()) {
                token.text.clear();
                token.text.push_str(stem);
                return;
            }
            let stem: Box<str> = rust_stemmers::Stemmer::create(language.algorithm()).stem(&token.text).into();
            if stems.len() >= STEMS_PER_THREAD {
                stems.clear();
            }
            stems.insert(token.text.as_str().into(), stem.clone());
            token.text.clear();
            token.text.push_str(&stem);
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The unstemmed analyzer.
pub fn raw() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens an analyzer produces for `text`.
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(t.text.clone());
    }
    out
}

/// Snowball's Italian stop words.
const SNOWBALL_ITALIAN: &[&str] = &[
    "ad",
    "al",
    "allo",
    "ai",
    "agli",
    "all",
    "agl",
    "alla",
    "alle",
    "con",
    "col",
    "coi",
    "da",
    "dal",
    "dallo",
    "dai",
    "dagli",
    "dall",
    "dagl",
    "dalla",
    "dalle",
    "di",
    "del",
    "dello",
    "dei",
    "degli",
    "dell",
    "degl",
    "della",
    "delle",
    "in",
    "nel",
    "nello",
    "nei",
    "negli",
    "nell",
    "negl",
    "nella",
    "nelle",
    "su",
    "sul",
    "sullo",
    "sui",
    "sugli",
    "sull",
    "sugl",
    "sulla",
    "sulle",
    "per",
    "tra",
    "contro",
    "io",
    "tu",
    "lui",
    "lei",
    "noi",
    "voi",
    "loro",
    "mio",
    "mia",
    "miei",
    "mie",
    "tuo",
    "tua",
    "tuoi",
    "tue",
    "suo",
    "sua",
    "suoi",
    "sue",
    "nostro",
    "nostra",
    "nostri",
    "nostre",
    "vostro",
    "vostra",
    "vostri",
    "vostre",
    "mi",
    "ti",
    "ci",
    "vi",
    "lo",
    "la",
    "li",
    "le",
    "gli",
    "ne",
    "il",
    "un",
    "uno",
    "una",
    "ma",
    "ed",
    "se",
    "perché",
    "anche",
    "come",
    "dov",
    "dove",
    "che",
    "chi",
    "cui",
    "non",
    "più",
    "quale",
    "quanto",
    "quanti",
    "quanta",
    "quante",
    "quello",
    "quelli",
    "quella",
    "quelle",
    "questo",
    "questi",
    "questa",
    "queste",
    "si",
    "tutto",
    "tutti",
    "a",
    "c",
    "e",
    "i",
    "l",
    "o",
    "ho",
    "hai",
    "ha",
    "abbiamo",
    "avete",
    "hanno",
    "abbia",
    "abbiate",
    "abbiano",
    "avrò",
    "avrai",
    "avrà",
    "avremo",
    "avrete",
    "avranno",
    "avrei",
    "avresti",
    "avrebbe",
    "avremmo",
    "avreste",
    "avrebbero",
    "avevo",
    "avevi",
    "aveva",
    "avevamo",
    "avevate",
    "avevano",
    "ebbi",
    "avesti",
    "ebbe",
    "avemmo",
    "aveste",
    "ebbero",
    "avessi",
    "avesse",
    "avessimo",
    "avessero",
    "avendo",
    "avuto",
    "avuta",
    "avuti",
    "avute",
    "sono",
    "sei",
    "è",
    "siamo",
    "siete",
    "sia",
    "siate",
    "siano",
    "sarò",
    "sarai",
    "sarà",
    "saremo",
    "sarete",
    "saranno",
    "sarei",
    "saresti",
    "sarebbe",
    "saremmo",
    "sareste",
    "sarebbero",
    "ero",
    "eri",
    "era",
    "eravamo",
    "eravate",
    "erano",
    "fui",
    "fosti",
    "fu",
    "fummo",
    "foste",
    "furono",
    "fossi",
    "fosse",
    "fossimo",
    "fossero",
    "essendo",
    "faccio",
    "fai",
    "facciamo",
    "fanno",
    "faccia",
    "facciate",
    "facciano",
    "farò",
    "farai",
    "farà",
    "faremo",
    "farete",
    "faranno",
    "farei",
    "faresti",
    "farebbe",
    "faremmo",
    "fareste",
    "farebbero",
    "facevo",
    "facevi",
    "faceva",
    "facevamo",
    "facevate",
    "facevano",
    "feci",
    "facesti",
    "fece",
    "facemmo",
    "faceste",
    "fecero",
    "facessi",
    "facesse",
    "facessimo",
    "facessero",
    "facendo",
    "sto",
    "stai",
    "sta",
    "stiamo",
    "stanno",
    "stia",
    "stiate",
    "stiano",
    "starò",
    "starai",
    "starà",
    "staremo",
    "starete",
    "staranno",
    "starei",
    "staresti",
    "starebbe",
    "staremmo",
    "stareste",
    "starebbero",
    "stavo",
    "stavi",
    "stava",
    "stavamo",
    "stavate",
    "stavano",
    "stetti",
    "stesti",
    "stette",
    "stemmo",
    "steste",
    "stettero",
    "stessi",
    "stesse",
    "stessimo",
    "stessero",
    "stando",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn it(text: &str) -> Vec<String> {
        tokens(&mut italian(), text)
    }

    #[test]
    fn accents_are_folded() {
        assert_eq!(it("attività"), it("attivita"));
        assert_eq!(it("Sanità"), it("sanita"));
    }

    #[test]
    fn apostrophes_split_and_articles_go() {
        assert_eq!(it("dell'ufficio"), it("ufficio"));
        assert_eq!(it("l'esenzione"), it("esenzione"));
        assert_eq!(it("un'automobile"), it("automobile"));
    }

    #[test]
    fn italian_stemming_joins_inflections() {
        assert_eq!(it("esenzioni"), it("esenzione"));
        assert_eq!(it("agricoltori"), it("agricoltore"));
        assert_eq!(it("rimborsi"), it("rimborso"));
    }

    #[test]
    fn stop_words_are_removed() {
        assert!(it("il della per con").is_empty());
        assert_eq!(it("come si paga il bollo"), it("paga bollo"));
    }

    #[test]
    fn cached_stems_are_snowball_stems() {
        use tantivy::tokenizer::Stemmer;
        let text = "Le esenzioni dal ticket sanitario per reddito: i cittadini presentano le autocertificazioni \
                    all'ufficio competente; rimborsi, agricoltori, domande, pratiche, documentazione, attività produttive.";
        let plain = |language| {
            let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .filter(Stemmer::new(language))
                .build();
            tokens(&mut analyzer, text)
        };
        let cached = |stemmer| {
            let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .filter(stemmer)
                .build();
            tokens(&mut analyzer, text)
        };
        // Twice: the second time every stem comes from the table.
        for _ in 0..2 {
            assert_eq!(cached(CachedStemmer::ITALIAN), plain(Language::Italian));
            assert_eq!(cached(CachedStemmer::ENGLISH), plain(Language::English));
        }
        // The table is bounded.
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default()).filter(CachedStemmer::ITALIAN).build();
        let many: String = (0..STEMS_PER_THREAD + 10).map(|i| format!("parola{i} ")).collect();
        assert_eq!(tokens(&mut analyzer, &many).len(), STEMS_PER_THREAD + 10);
        assert!(STEMS.with(|s| s.borrow()[0].len()) <= STEMS_PER_THREAD);
    }

    #[test]
    fn raw_keeps_words_whole() {
        assert_eq!(tokens(&mut raw(), "Attività Produttive"), ["attivita", "produttive"]);
    }
}
