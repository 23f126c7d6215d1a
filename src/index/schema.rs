//! The index layout: which fields exist, how they are split into words.
//!
//! Nothing is stored but the fast fields (message id, date, importance
//! score); the store keeps the messages themselves.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    LowerCaser, RawTokenizer, RemoveLongFilter, TextAnalyzer, TokenizerManager,
};

use super::words::WordsTokenizer;

/// Splits text into lowercase runs of letters and digits, and `@handle`s.
pub(crate) const WORDS: &str = "inbox_words";
/// Keeps a keyword whole, lowercased.
pub(crate) const KEYWORD: &str = "inbox_keyword";
/// Words of this many bytes or more are left out of the index.
const LONGEST_WORD: usize = 40;

/// Name of the fast field the results are sorted on.
pub(crate) const DATE: &str = "date";
/// Name of the fast field holding the importance score.
pub(crate) const IMPORTANCE: &str = "importance";
/// Name of the fast field holding the message id.
pub(crate) const ID: &str = "id";

/// The fields of the index schema.
#[derive(Clone, Debug)]
pub(crate) struct Fields {
    pub id: Field,
    pub thread: Field,
    pub date: Field,
    pub importance: Field,
    pub from: Field,
    pub to: Field,
    pub cc: Field,
    pub subject: Field,
    pub body: Field,
    pub tag: Field,
    pub flag: Field,
    pub account: Field,
    pub folder: Field,
    pub source: Field,
    pub message_id: Field,
}

impl Fields {
    /// The schema and its fields.
    pub(crate) fn build() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let keyword = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let fields = Fields {
            id: builder.add_i64_field(ID, INDEXED | FAST),
            thread: builder.add_i64_field("thread", INDEXED),
            date: builder.add_i64_field(DATE, FAST),
            importance: builder.add_f64_field(IMPORTANCE, FAST),
            from: builder.add_text_field("from", text.clone()),
            to: builder.add_text_field("to", text.clone()),
            cc: builder.add_text_field("cc", text.clone()),
            subject: builder.add_text_field("subject", text.clone()),
            body: builder.add_text_field("body", text),
            tag: builder.add_text_field("tag", keyword.clone()),
            flag: builder.add_text_field("flag", keyword.clone()),
            account: builder.add_text_field("account", keyword.clone()),
            folder: builder.add_text_field("folder", keyword.clone()),
            source: builder.add_text_field("source", keyword.clone()),
            message_id: builder.add_text_field("message_id", keyword),
        };
        (builder.build(), fields)
    }
}

/// The analyzer of text fields (also used on query words).
pub(crate) fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordsTokenizer)
        .filter(RemoveLongFilter::limit(LONGEST_WORD))
        .filter(LowerCaser)
        .build()
}

/// The analyzer of keyword fields (also used on query keywords).
pub(crate) fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

/// The tokenizers the schema names.
pub(crate) fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(WORDS, words_analyzer());
    manager.register(KEYWORD, keyword_analyzer());
    manager
}

/// The tokens `analyzer` makes of `text`, the first one of each position
/// (so a query's `@alice` looks for the handle, not also the word, and an
/// address's first word stays a word).
pub(crate) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    let mut last_position = None;
    while stream.advance() {
        let token = stream.token();
        if last_position != Some(token.position) {
            last_position = Some(token.position);
            tokens.push(token.text.clone());
        }
    }
    tokens
}

/// The words a query's `text` looks for: the one token that spans all of
/// it (a word, a handle, a whole mail address), else its [`tokens`], a
/// phrase.
pub(crate) fn query_words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    let mut whole = None;
    let mut stream = analyzer.token_stream(text);
    while whole.is_none() && stream.advance() {
        let token = stream.token();
        if (token.offset_from, token.offset_to) == (start, end) {
            whole = Some(token.text.clone());
        }
    }
    drop(stream);
    match whole {
        Some(word) => vec![word],
        None => tokens(analyzer, text),
    }
}
