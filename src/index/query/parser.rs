//! Recursive descent over the tokens: `OR` of `AND`s of (negated) atoms.

use super::lexer::{Prefix, Spanned, Term, Token, lex};
use super::{Flag, KeywordField, Query, QueryError, TextField, dates};
use crate::model::{FlagTag, SourceKind, ThreadId};

/// How deep parentheses and negations may nest.
const MAX_DEPTH: usize = 64;
/// The longest query read, in bytes: far beyond any query a person types,
/// and short enough that reading and running it stays cheap.
pub(super) const MAX_QUERY_BYTES: usize = 16 * 1024;
/// The most terms a query may hold, each word of a phrase counted.
pub(super) const MAX_TERMS: usize = 256;

/// Values `is:` accepts, and the flag each means.
const IS_VALUES: [(&str, Flag); 9] = [
    (FlagTag::Unread.name(), Flag::Unread),
    ("read", Flag::Seen),
    ("seen", Flag::Seen),
    (FlagTag::Flagged.name(), Flag::Flagged),
    (FlagTag::Replied.name(), Flag::Replied),
    ("answered", Flag::Replied),
    (FlagTag::Draft.name(), Flag::Draft),
    (FlagTag::Deleted.name(), Flag::Deleted),
    ("attachment", Flag::Attachment),
];

/// The `is:` value of [`Query::Important`].
const IMPORTANT: &str = "important";

pub(super) fn parse(text: &str) -> Result<Query, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        let at = text[..text.floor_char_boundary(MAX_QUERY_BYTES)]
            .chars()
            .count();
        return Err(QueryError::new(
            at,
            format!(
                "query too long: {MAX_QUERY_BYTES} bytes at most, this one has {}; \
                 split it into several searches",
                text.len()
            ),
        ));
    }
    let chars: Vec<char> = text.chars().collect();
    let tokens = lex(&chars)?;
    if tokens.is_empty() {
        return Ok(Query::All);
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        end: chars.len(),
        terms: 0,
    };
    let query = parser.or(0)?;
    match parser.peek() {
        None => Ok(query),
        Some((Token::Close, at)) => {
            Err(QueryError::new(at, "unexpected ')' without a matching '('"))
        }
        Some((_, at)) => Err(QueryError::new(at, "expected the end of the query")),
    }
}

struct Parser {
    tokens: Vec<Spanned>,
    next: usize,
    /// The query's length in characters: the position of "the end".
    end: usize,
    /// Terms read so far, each word of a phrase counted.
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<(&Token, usize)> {
        self.tokens.get(self.next).map(|(token, at)| (token, *at))
    }

    /// The position of the next token, or the end of the query.
    fn here(&self) -> usize {
        self.peek().map_or(self.end, |(_, at)| at)
    }

    /// Whether a term can start at the next token.
    fn term_follows(&self) -> bool {
        matches!(
            self.peek(),
            Some((Token::Open | Token::Not | Token::Term(_), _))
        )
    }

    fn or(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut alternatives = vec![self.and(depth)?];
        while let Some((Token::Or, _)) = self.peek() {
            self.next += 1;
            if !self.term_follows() {
                return Err(QueryError::new(self.here(), "expected a term after OR"));
            }
            alternatives.push(self.and(depth)?);
        }
        Ok(one_or(alternatives, Query::Or))
    }

    /// Terms joined by `AND` or by nothing.
    fn and(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut terms = Vec::new();
        loop {
            match self.peek() {
                Some((Token::And, at)) => {
                    if terms.is_empty() {
                        return Err(QueryError::new(at, "expected a term before AND"));
                    }
                    self.next += 1;
                    if !self.term_follows() {
                        return Err(QueryError::new(self.here(), "expected a term after AND"));
                    }
                }
                Some((Token::Open | Token::Not | Token::Term(_), _)) => {
                    terms.push(self.unary(depth)?);
                }
                Some((Token::Or, at)) if terms.is_empty() => {
                    return Err(QueryError::new(at, "expected a term before OR"));
                }
                Some((Token::Close, at)) if terms.is_empty() => {
                    return Err(QueryError::new(at, "unexpected ')' without a matching '('"));
                }
                _ => break,
            }
        }
        if terms.is_empty() {
            return Err(QueryError::new(self.here(), "expected a term"));
        }
        Ok(one_or(terms, Query::And))
    }

    fn unary(&mut self, depth: usize) -> Result<Query, QueryError> {
        if depth >= MAX_DEPTH {
            return Err(QueryError::new(
                self.here(),
                format!("the query nests deeper than {MAX_DEPTH} levels; simplify it"),
            ));
        }
        match self.peek() {
            Some((Token::Not, _)) => {
                self.next += 1;
                if !self.term_follows() {
                    return Err(QueryError::new(
                        self.here(),
                        "expected a term after NOT or '-'",
                    ));
                }
                Ok(Query::Not(Box::new(self.unary(depth + 1)?)))
            }
            Some((Token::Open, open)) => {
                self.next += 1;
                if let Some((Token::Close, at)) = self.peek() {
                    return Err(QueryError::new(at, "expected a term after '('"));
                }
                let inner = self.or(depth + 1)?;
                match self.peek() {
                    Some((Token::Close, _)) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    _ => Err(QueryError::new(
                        self.here(),
                        format!("expected ')' to close the '(' at column {}", open + 1),
                    )),
                }
            }
            Some((Token::Term(term), at)) => {
                let term = term.clone();
                self.terms += term_count(&term);
                if self.terms > MAX_TERMS {
                    return Err(QueryError::new(
                        at,
                        format!(
                            "query too long: {MAX_TERMS} terms at most (each word of a phrase \
                             counts); split it into several searches"
                        ),
                    ));
                }
                self.next += 1;
                term_query(&term)
            }
            _ => Err(QueryError::new(self.here(), "expected a term")),
        }
    }
}

/// How many terms `term` adds to a query: the words of a text value (runs
/// of letters and digits), else one.
fn term_count(term: &Term) -> usize {
    let text = match &term.prefix {
        None => true,
        Some((prefix, _)) => matches!(
            prefix,
            Prefix::From | Prefix::To | Prefix::Cc | Prefix::Subject | Prefix::Body
        ),
    };
    let words = term.value.split(|c: char| !c.is_alphanumeric());
    match text {
        true => words.filter(|word| !word.is_empty()).count().max(1),
        false => 1,
    }
}

/// The single item, or `join` of all of them.
fn one_or(mut items: Vec<Query>, join: fn(Vec<Query>) -> Query) -> Query {
    if items.len() == 1 {
        items.remove(0)
    } else {
        join(items)
    }
}

/// Builds the query for one term, checking its value.
fn term_query(term: &Term) -> Result<Query, QueryError> {
    let Some((prefix, name)) = &term.prefix else {
        if term.wildcard && term.value.is_empty() {
            return Ok(Query::All);
        }
        return text(TextField::Any, term, "");
    };
    let at = term.value_position;
    let no_wildcard = || {
        if term.wildcard {
            Err(QueryError::new(
                at,
                format!("'{name}:' does not take a '*' wildcard"),
            ))
        } else {
            Ok(())
        }
    };
    match prefix {
        Prefix::From => text(TextField::From, term, name),
        Prefix::To => text(TextField::To, term, name),
        Prefix::Cc => text(TextField::Cc, term, name),
        Prefix::Subject => text(TextField::Subject, term, name),
        Prefix::Body => text(TextField::Body, term, name),
        Prefix::Tag => {
            let lower = term.value.to_lowercase();
            // Flags as notmuch users type them as tags (`tag:unread`); not
            // `seen`, nor `attachment`: that tag marks real attachments.
            match FlagTag::from_name(&lower) {
                Some(tag) if !term.wildcard => Ok(Query::Flag(tag.into())),
                _ => keyword(KeywordField::Tag, term, name),
            }
        }
        Prefix::Is => {
            no_wildcard()?;
            let lower = term.value.to_lowercase();
            if lower == IMPORTANT {
                return Ok(Query::Important);
            }
            IS_VALUES
                .iter()
                .find(|(value, _)| *value == lower)
                .map(|&(_, flag)| Query::Flag(flag))
                .ok_or_else(|| {
                    let valid: Vec<&str> = (IS_VALUES.iter().map(|(value, _)| *value))
                        .chain([IMPORTANT])
                        .collect();
                    QueryError::new(
                        at,
                        format!(
                            "unknown value '{}' for '{name}:'; expected one of {}",
                            term.value,
                            valid.join(", ")
                        ),
                    )
                })
        }
        Prefix::Account => keyword(KeywordField::Account, term, name),
        Prefix::Folder => keyword(KeywordField::Folder, term, name),
        Prefix::Source => {
            if !term.wildcard && SourceKind::parse(&term.value.to_lowercase()).is_none() {
                return Err(QueryError::new(
                    at,
                    format!(
                        "unknown source '{}'; expected one of maildir, mbox, imap, x",
                        term.value
                    ),
                ));
            }
            keyword(KeywordField::Source, term, name)
        }
        Prefix::Id => {
            let bare = term.value.trim_start_matches('<').trim_end_matches('>');
            let unbracketed = Term {
                value: bare.to_owned(),
                ..term.clone()
            };
            keyword(KeywordField::MessageId, &unbracketed, name)
        }
        Prefix::Thread => {
            no_wildcard()?;
            match term.value.parse::<i64>() {
                Ok(id) if id >= 0 => Ok(Query::Thread(ThreadId(id))),
                _ => Err(QueryError::new(
                    at,
                    format!(
                        "expected a thread number after '{name}:', not '{}'",
                        term.value
                    ),
                )),
            }
        }
        Prefix::Date => {
            no_wildcard()?;
            dates::parse_range(&term.value, at).map(Query::Date)
        }
    }
}

/// A text term: it needs at least one letter or digit to search for.
fn text(field: TextField, term: &Term, name: &str) -> Result<Query, QueryError> {
    if !term.value.chars().any(char::is_alphanumeric) {
        let message = match (term.wildcard, name) {
            (true, _) => "expected a letter or digit before '*'".to_owned(),
            (false, "") => format!("'{}' has no letters or digits to search for", term.value),
            (false, name) => format!("expected letters or digits after '{name}:'"),
        };
        return Err(QueryError::new(term.value_position, message));
    }
    Ok(Query::Text {
        field,
        text: term.value.clone(),
        prefix: term.wildcard,
    })
}

/// A keyword term: it needs a value (a wildcard needs something before `*`).
fn keyword(field: KeywordField, term: &Term, name: &str) -> Result<Query, QueryError> {
    if term.value.is_empty() {
        let message = if term.wildcard {
            format!("expected a value before '*' after '{name}:'")
        } else {
            format!("expected a value after '{name}:'")
        };
        return Err(QueryError::new(term.value_position, message));
    }
    Ok(Query::Keyword {
        field,
        value: term.value.clone(),
        prefix: term.wildcard,
    })
}
