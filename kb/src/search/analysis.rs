//! Text analysis for Italian (and English): tokenizers registered with the
//! index and used again on queries, so both sides agree.
//!
//! - `it`: words split on anything that is not a letter or digit (so
//!   `dell'ufficio` gives `dell` and `ufficio`), lower-cased, accents folded
//!   (`attività` → `attivita`), elided articles and Italian stop words
//!   removed, Snowball Italian stemming.
//! - `en`: the same for English.
//! - `raw`: lower-cased and folded words without stemming or stop words:
//!   prefixes (search as you type), typo-tolerant matching, exact names.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer, TokenizerManager,
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
        .filter(Stemmer::new(Language::Italian))
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
        .filter(Stemmer::new(Language::English))
        .build()
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
    fn raw_keeps_words_whole() {
        assert_eq!(tokens(&mut raw(), "Attività Produttive"), ["attivita", "produttive"]);
    }
}
