//! From our [`Query`] to a tantivy query over the schema in [`super::schema`].

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhrasePrefixQuery, PhraseQuery,
    Query as TantivyQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::clock::Clock;
use super::query::{DateRange, KeywordField, Query, TextField};
use super::schema::{Fields, keyword_analyzer, query_words, tokens, words_analyzer};
use crate::tagging::importance::IMPORTANT;

/// How many indexed words the last word of a phrase prefix may stand for...
const PHRASE_PREFIX_EXPANSIONS: u32 = 1_000;
/// ...and how many values a keyword prefix (`tag:work*`) may stand for...
const KEYWORD_PREFIX_EXPANSIONS: u32 = 50;
/// ...while all prefixes of one query stand for this many words at most:
/// each prefix in each field it searches gets an equal share. Every word
/// a prefix stands for is one more list of documents to read.
const QUERY_PREFIX_EXPANSIONS: u32 = 10_000;

/// The fields a term without prefix searches.
const ANY_FIELDS: usize = 4;

type Boxed = Box<dyn TantivyQuery>;

/// Translates queries; dates resolve against `clock` when translated.
pub(crate) struct Translator<'a> {
    fields: &'a Fields,
    clock: Clock,
    words: TextAnalyzer,
    keywords: TextAnalyzer,
    /// How many words each prefix of the query may stand for.
    expansions: u32,
}

impl<'a> Translator<'a> {
    pub(crate) fn new(fields: &'a Fields, clock: Clock) -> Translator<'a> {
        Translator {
            fields,
            clock,
            words: words_analyzer(),
            keywords: keyword_analyzer(),
            expansions: PHRASE_PREFIX_EXPANSIONS,
        }
    }

    /// The tantivy query for `query`, its prefixes sharing
    /// [`QUERY_PREFIX_EXPANSIONS`].
    pub(crate) fn translate(&mut self, query: &Query) -> Boxed {
        self.expansions = QUERY_PREFIX_EXPANSIONS / prefix_searches(query).max(1);
        self.translate_part(query)
    }

    fn translate_part(&mut self, query: &Query) -> Boxed {
        match query {
            Query::All => Box::new(AllQuery),
            Query::Text {
                field,
                text,
                prefix,
            } => self.text(*field, text, *prefix),
            Query::Keyword {
                field,
                value,
                prefix,
            } => self.keyword(*field, value, *prefix),
            Query::Flag(flag) => self.term(Term::from_field_text(self.fields.flag, flag.as_str())),
            Query::Thread(thread) => self.term(Term::from_field_i64(self.fields.thread, thread.0)),
            Query::Date(range) => self.date(range),
            Query::Important => {
                let threshold = Term::from_field_f64(self.fields.importance, IMPORTANT);
                Box::new(RangeQuery::new(
                    Bound::Included(threshold),
                    Bound::Unbounded,
                ))
            }
            Query::And(queries) => self.and(queries),
            Query::Or(queries) => Box::new(BooleanQuery::new(
                queries
                    .iter()
                    .map(|query| (Occur::Should, self.translate_part(query)))
                    .collect(),
            )),
            Query::Not(query) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Boxed),
                (Occur::MustNot, self.translate_part(query)),
            ])),
        }
    }

    /// Negated parts become exclusions; with nothing positive left, they
    /// exclude from every message.
    fn and(&mut self, queries: &[Query]) -> Boxed {
        let mut clauses: Vec<(Occur, Boxed)> = queries
            .iter()
            .map(|query| match query {
                Query::Not(inner) => (Occur::MustNot, self.translate_part(inner)),
                _ => (Occur::Must, self.translate_part(query)),
            })
            .collect();
        if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn text(&mut self, field: TextField, text: &str, prefix: bool) -> Boxed {
        let fields = &self.fields;
        let targets = match field {
            TextField::Any => {
                let any: [Field; ANY_FIELDS] =
                    [fields.from, fields.to, fields.subject, fields.body];
                any.to_vec()
            }
            TextField::From => vec![fields.from],
            TextField::To => vec![fields.to],
            TextField::Cc => vec![fields.cc],
            TextField::Subject => vec![fields.subject],
            TextField::Body => vec![fields.body],
        };
        let words = query_words(&mut self.words, text);
        let mut per_field: Vec<Boxed> = targets
            .into_iter()
            .map(|target| words_query(target, &words, prefix, self.expansions))
            .collect();
        if per_field.len() == 1 {
            per_field.remove(0)
        } else {
            Box::new(BooleanQuery::union(per_field))
        }
    }

    fn keyword(&mut self, field: KeywordField, value: &str, prefix: bool) -> Boxed {
        let target = match field {
            KeywordField::Tag => self.fields.tag,
            KeywordField::Account => self.fields.account,
            KeywordField::Folder => self.fields.folder,
            KeywordField::Source => self.fields.source,
            KeywordField::MessageId => self.fields.message_id,
        };
        let lower = tokens(&mut self.keywords, value).concat();
        let term = Term::from_field_text(target, &lower);
        if prefix {
            let mut query = PhrasePrefixQuery::new(vec![term]);
            query.set_max_expansions(self.expansions.min(KEYWORD_PREFIX_EXPANSIONS));
            Box::new(query)
        } else {
            self.term(term)
        }
    }

    fn date(&self, range: &DateRange) -> Boxed {
        let field = self.fields.date;
        let (start, end) = self.clock.resolve(range);
        if let (Some(start), Some(end)) = (start, end)
            && start >= end
        {
            return Box::new(EmptyQuery);
        }
        let lower = start.map_or(Bound::Unbounded, |start| {
            Bound::Included(Term::from_field_i64(field, start))
        });
        let upper = end.map_or(Bound::Unbounded, |end| {
            Bound::Excluded(Term::from_field_i64(field, end))
        });
        if lower == Bound::Unbounded && upper == Bound::Unbounded {
            return Box::new(AllQuery);
        }
        Box::new(RangeQuery::new(lower, upper))
    }

    fn term(&self, term: Term) -> Boxed {
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    }
}

/// How many prefix searches `query` makes: one per field each prefix
/// searches.
fn prefix_searches(query: &Query) -> u32 {
    match query {
        Query::Text {
            field: TextField::Any,
            prefix: true,
            ..
        } => ANY_FIELDS as u32,
        Query::Text { prefix: true, .. } | Query::Keyword { prefix: true, .. } => 1,
        Query::And(queries) | Query::Or(queries) => queries.iter().map(prefix_searches).sum(),
        Query::Not(query) => prefix_searches(query),
        _ => 0,
    }
}

/// One word, a phrase, or a phrase whose last word is a prefix (standing
/// for at most `expansions` words, and at most [`PHRASE_PREFIX_EXPANSIONS`]), in `field`.
fn words_query(field: Field, words: &[String], prefix: bool, expansions: u32) -> Boxed {
    let terms: Vec<Term> = words
        .iter()
        .map(|word| Term::from_field_text(field, word))
        .collect();
    if terms.is_empty() {
        Box::new(EmptyQuery)
    } else if prefix {
        let mut query = PhrasePrefixQuery::new(terms);
        query.set_max_expansions(expansions.min(PHRASE_PREFIX_EXPANSIONS));
        Box::new(query)
    } else if terms.len() == 1 {
        Box::new(TermQuery::new(
            terms[0].clone(),
            IndexRecordOption::WithFreqs,
        ))
    } else {
        Box::new(PhraseQuery::new(terms))
    }
}
