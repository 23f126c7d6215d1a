//! Whether one message matches a [`Query`], without the index: the same
//! words, keywords, flags and importance score the index holds for it, so
//! a rule matches a new message exactly when a search would find it.

use std::cell::OnceCell;

use tantivy::tokenizer::TextAnalyzer;

use super::importance::IMPORTANT;
use crate::index::query::{DateRange, Flag, KeywordField, Query, TextField};
use crate::index::{
    Clock, keyword_analyzer, participant_text, query_words, tokens, words_analyzer,
};
use crate::model::{Flags, Message, SourceKind};

/// Words of one field value, by position (a handle, or an address and its
/// first word, hold two).
type Positions = Vec<Vec<String>>;

/// One message as a query sees it. Text fields are split into words on
/// first use.
pub struct Candidate<'a> {
    pub message: &'a Message,
    pub account: &'a str,
    pub source: SourceKind,
    pub folders: &'a [String],
    pub flags: Flags,
    /// When it arrived; its date when it has none.
    pub received: Option<i64>,
    /// Its importance score, once computed (`is:important`).
    pub importance: Option<f64>,
    words: [OnceCell<Vec<Positions>>; 5],
}

/// The text fields a candidate splits into words (the index's fields).
#[derive(Clone, Copy)]
enum Words {
    From = 0,
    To = 1,
    Cc = 2,
    Subject = 3,
    Body = 4,
}

impl<'a> Candidate<'a> {
    /// A candidate for matching.
    pub fn new(
        message: &'a Message,
        account: &'a str,
        source: SourceKind,
        folders: &'a [String],
        flags: Flags,
        received: Option<i64>,
    ) -> Candidate<'a> {
        Candidate {
            message,
            account,
            source,
            folders,
            flags,
            received,
            importance: None,
            words: Default::default(),
        }
    }

    fn words(&self, field: Words, analyzer: &mut TextAnalyzer) -> &[Positions] {
        self.words[field as usize].get_or_init(|| {
            let message = self.message;
            let values: Vec<String> = match field {
                Words::From => message.from.iter().map(participant_text).collect(),
                Words::To => (message.to.iter().chain(&message.cc).chain(&message.bcc))
                    .map(participant_text)
                    .collect(),
                Words::Cc => message.cc.iter().map(participant_text).collect(),
                Words::Subject => message.subject.iter().cloned().collect(),
                Words::Body => vec![message.body.clone()],
            };
            values
                .iter()
                .map(|value| positions(analyzer, value))
                .collect()
        })
    }
}

/// Every word of `text` at its position, as the index splits it.
fn positions(analyzer: &mut TextAnalyzer, text: &str) -> Positions {
    let mut positions: Positions = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        if positions.len() <= token.position {
            positions.resize(token.position + 1, Vec::new());
        }
        positions[token.position].push(token.text.clone());
    }
    positions
}

/// Matches queries against candidates; dates resolve against its clock.
pub struct Matcher {
    clock: Clock,
    words: TextAnalyzer,
    keywords: TextAnalyzer,
}

impl Matcher {
    /// A matcher whose `date:` values resolve against `clock`.
    pub fn new(clock: Clock) -> Matcher {
        Matcher {
            clock,
            words: words_analyzer(),
            keywords: keyword_analyzer(),
        }
    }

    /// Whether `candidate`, holding `tags`, matches `query`.
    pub fn matches(&mut self, query: &Query, candidate: &Candidate, tags: &[String]) -> bool {
        match query {
            Query::All => true,
            Query::Text {
                field,
                text,
                prefix,
            } => self.text(*field, text, *prefix, candidate),
            Query::Keyword {
                field,
                value,
                prefix,
            } => self.keyword(*field, value, *prefix, candidate, tags),
            Query::Flag(flag) => has_flag(*flag, candidate),
            // Rules cannot name threads (a new message has none yet).
            Query::Thread(_) => false,
            Query::Date(range) => self.date(range, candidate),
            Query::Important => candidate.importance.is_some_and(|score| score >= IMPORTANT),
            Query::And(parts) => parts.iter().all(|part| self.matches(part, candidate, tags)),
            Query::Or(parts) => parts.iter().any(|part| self.matches(part, candidate, tags)),
            Query::Not(inner) => !self.matches(inner, candidate, tags),
        }
    }

    fn text(&mut self, field: TextField, text: &str, prefix: bool, candidate: &Candidate) -> bool {
        let wanted = query_words(&mut self.words, text);
        if wanted.is_empty() {
            return false;
        }
        let fields: &[Words] = match field {
            TextField::Any => &[Words::From, Words::To, Words::Subject, Words::Body],
            TextField::From => &[Words::From],
            TextField::To => &[Words::To],
            TextField::Cc => &[Words::Cc],
            TextField::Subject => &[Words::Subject],
            TextField::Body => &[Words::Body],
        };
        fields.iter().any(|&field| {
            (candidate.words(field, &mut self.words).iter())
                .any(|value| phrase_at_any(value, &wanted, prefix))
        })
    }

    fn keyword(
        &mut self,
        field: KeywordField,
        value: &str,
        prefix: bool,
        candidate: &Candidate,
        tags: &[String],
    ) -> bool {
        let wanted = tokens(&mut self.keywords, value).concat();
        let message_id = candidate.message.message_id.as_slice();
        let account = std::slice::from_ref(&candidate.account);
        let source = [candidate.source.as_str()];
        let values: Box<dyn Iterator<Item = &str>> = match field {
            KeywordField::Tag => Box::new(tags.iter().map(String::as_str)),
            KeywordField::Account => Box::new(account.iter().copied()),
            KeywordField::Folder => Box::new(candidate.folders.iter().map(String::as_str)),
            KeywordField::Source => Box::new(source.into_iter()),
            KeywordField::MessageId => Box::new(message_id.iter().map(String::as_str)),
        };
        values.map(str::to_lowercase).any(|have| match prefix {
            true => have.starts_with(&wanted),
            false => have == wanted,
        })
    }

    fn date(&self, range: &DateRange, candidate: &Candidate) -> bool {
        let (start, end) = self.clock.resolve(range);
        if start.is_none() && end.is_none() {
            return true;
        }
        let Some(date) = candidate.message.date.or(candidate.received) else {
            return false;
        };
        start.is_none_or(|start| date >= start) && end.is_none_or(|end| date < end)
    }
}

/// Whether `wanted` (a phrase; its last word a prefix with `prefix`)
/// starts at some position of `value`.
fn phrase_at_any(value: &Positions, wanted: &[String], prefix: bool) -> bool {
    let last = wanted.len() - 1;
    (0..value.len()).any(|start| {
        wanted.iter().enumerate().all(|(offset, word)| {
            value.get(start + offset).is_some_and(|words| {
                words.iter().any(|have| match prefix && offset == last {
                    true => have.starts_with(word.as_str()),
                    false => have == word,
                })
            })
        })
    })
}

fn has_flag(flag: Flag, candidate: &Candidate) -> bool {
    let flags = candidate.flags;
    match flag {
        Flag::Seen => flags.seen,
        Flag::Unread => !flags.seen,
        Flag::Flagged => flags.flagged,
        Flag::Replied => flags.answered,
        Flag::Draft => flags.draft,
        Flag::Deleted => flags.deleted,
        Flag::Attachment => !candidate.message.attachments.is_empty(),
    }
}
