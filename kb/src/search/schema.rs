//! The fields of the search index.

use super::analysis::{EN, IT, RAW};
use tantivy::schema::{FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};

/// Handles of every field.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Unique key: `item:PIL-0001`, `draft:PIL-0001`, `office:CODE`, `person:M123`.
    pub key: Field,
    /// Identifier shown to users (item code, office code, staff number).
    pub id: Field,
    /// `item`, `office` or `person`.
    pub kind: Field,
    /// `published`, `workspace` or `org`.
    pub scope: Field,
    /// Title or name (Italian analysis).
    pub title: Field,
    /// Title or name, unstemmed (prefix and typo matching).
    pub title_raw: Field,
    /// Keywords (Italian analysis).
    pub keywords: Field,
    /// Keywords, unstemmed.
    pub keywords_raw: Field,
    /// Each keyword as one normalised phrase (exact phrase matches).
    pub keyword_phrase: Field,
    /// The question.
    pub question: Field,
    /// Answer, competences or functions (stored for snippets).
    pub body: Field,
    /// English title, question and answer.
    pub text_en: Field,
    /// Labels of the item's concept and its broader concepts.
    pub concept_text: Field,
    /// The same labels unstemmed.
    pub concept_raw: Field,
    /// Names of the competent office and contact person, or of a person's office.
    pub org_text: Field,
    /// IRIs of the item's concept and its broader concepts.
    pub concept_ids: Field,
    /// IRI of the competent office (or of the office itself / the person's office).
    pub office_id: Field,
    /// `base` or `advanced`.
    pub level: Field,
    /// Audience concept IRIs, or `any`.
    pub audience: Field,
    /// Facets: `/area/<slug>`, `/office/<code>`, `/level/<level>`, `/kind/<kind>`.
    pub facets: Field,
    /// Last day of validity, in days since 1970-01-01 (`i64::MAX` when open-ended).
    pub valid_until: Field,
    /// Stored display data (JSON).
    pub display: Field,
    /// Every word of every text, unstemmed: the dictionary typos are
    /// corrected against.
    pub all_raw: Field,
}

fn text(analyzer: &str, stored: bool, positions: bool) -> TextOptions {
    let idx = TextFieldIndexing::default().set_tokenizer(analyzer).set_index_option(if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    });
    let o = TextOptions::default().set_indexing_options(idx);
    if stored { o.set_stored() } else { o }
}

/// Builds the schema and returns it with the field handles.
pub fn build() -> (Schema, Fields) {
    let mut s = Schema::builder();
    let fields = Fields {
        key: s.add_text_field("key", STRING | STORED),
        id: s.add_text_field("id", STRING | STORED),
        kind: s.add_text_field("kind", STRING | STORED),
        scope: s.add_text_field("scope", STRING),
        title: s.add_text_field("title", text(IT, true, true)),
        title_raw: s.add_text_field("title_raw", text(RAW, false, false)),
        keywords: s.add_text_field("keywords", text(IT, false, false)),
        keywords_raw: s.add_text_field("keywords_raw", text(RAW, false, false)),
        keyword_phrase: s.add_text_field("keyword_phrase", STRING),
        question: s.add_text_field("question", text(IT, false, false)),
        body: s.add_text_field("body", text(IT, true, true)),
        text_en: s.add_text_field("text_en", text(EN, false, false)),
        concept_text: s.add_text_field("concept_text", text(IT, false, false)),
        concept_raw: s.add_text_field("concept_raw", text(RAW, false, false)),
        org_text: s.add_text_field("org_text", text(IT, false, false)),
        concept_ids: s.add_text_field("concept_ids", STRING),
        office_id: s.add_text_field("office_id", STRING),
        level: s.add_text_field("level", STRING),
        audience: s.add_text_field("audience", STRING),
        facets: s.add_facet_field("facets", FacetOptions::default()),
        valid_until: s.add_i64_field("valid_until", INDEXED | FAST | STORED),
        display: s.add_text_field("display", STORED),
        all_raw: s.add_text_field(
            "all_raw",
            TextOptions::default()
                .set_indexing_options(TextFieldIndexing::default().set_tokenizer(RAW).set_index_option(IndexRecordOption::Basic)),
        ),
    };
    (s.build(), fields)
}
