//! Splits query text into operators, parentheses and terms, with positions.

use super::QueryError;

/// The prefixes a term may carry, as typed (lowercase) and as understood.
pub(super) const PREFIXES: [(&str, Prefix); 14] = [
    ("from", Prefix::From),
    ("to", Prefix::To),
    ("cc", Prefix::Cc),
    ("subject", Prefix::Subject),
    ("body", Prefix::Body),
    ("tag", Prefix::Tag),
    ("is", Prefix::Is),
    ("account", Prefix::Account),
    ("folder", Prefix::Folder),
    ("source", Prefix::Source),
    ("id", Prefix::Id),
    ("mid", Prefix::Id),
    ("thread", Prefix::Thread),
    ("date", Prefix::Date),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prefix {
    From,
    To,
    Cc,
    Subject,
    Body,
    Tag,
    Is,
    Account,
    Folder,
    Source,
    Id,
    Thread,
    Date,
}

/// A term: an optional prefix and a bare or quoted value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Term {
    /// The prefix and its name as typed.
    pub prefix: Option<(Prefix, String)>,
    /// The value, without quotes and without the trailing `*`.
    pub value: String,
    /// Whether the value ended with `*`.
    pub wildcard: bool,
    /// Where the value starts (after the colon, at the quote if quoted).
    pub value_position: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Term(Term),
}

/// A token and the character offset where it starts.
pub(super) type Spanned = (Token, usize);

/// Splits `chars` into tokens.
pub(super) fn lex(chars: &[char]) -> Result<Vec<Spanned>, QueryError> {
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let start = at;
        let token = match c {
            c if c.is_whitespace() => {
                at += 1;
                continue;
            }
            '(' => {
                at += 1;
                Token::Open
            }
            ')' => {
                at += 1;
                Token::Close
            }
            '-' => {
                match chars.get(at + 1) {
                    Some(&next) if !next.is_whitespace() && next != ')' => {}
                    _ => {
                        return Err(QueryError::new(
                            at,
                            "expected a term right after '-' (quote it to search for \"-\")",
                        ));
                    }
                }
                at += 1;
                Token::Not
            }
            '"' => {
                let (value, wildcard, end) = quoted(chars, at)?;
                at = end;
                Token::Term(Term {
                    prefix: None,
                    value,
                    wildcard,
                    value_position: start,
                })
            }
            _ => {
                let (token, end) = word(chars, at)?;
                at = end;
                token
            }
        };
        tokens.push((token, start));
    }
    Ok(tokens)
}

/// Reads a phrase whose opening quote is at `start`: (text, wildcard, end).
fn quoted(chars: &[char], start: usize) -> Result<(String, bool, usize), QueryError> {
    let Some(length) = chars[start + 1..].iter().position(|&c| c == '"') else {
        return Err(QueryError::new(
            start,
            "expected a closing '\"' for the phrase that starts here",
        ));
    };
    let close = start + 1 + length;
    let text = chars[start + 1..close].iter().collect();
    let wildcard = chars.get(close + 1) == Some(&'*');
    Ok((text, wildcard, close + 1 + usize::from(wildcard)))
}

/// Reads an operator, a bare term or a prefixed term starting at `start`.
fn word(chars: &[char], start: usize) -> Result<(Token, usize), QueryError> {
    let end = bare_end(chars, start);
    let text: String = chars[start..end].iter().collect();
    if let Some(colon) = text.find(':') {
        let name = &text[..colon];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic()) {
            return prefixed(chars, start, name);
        }
    }
    let token = match text.as_str() {
        "AND" | "and" => Token::And,
        "OR" | "or" => Token::Or,
        "NOT" | "not" => Token::Not,
        _ => {
            let (value, wildcard) = strip_wildcard(text);
            Token::Term(Term {
                prefix: None,
                value,
                wildcard,
                value_position: start,
            })
        }
    };
    Ok((token, end))
}

/// Reads `name:value` where `name` starts at `start`.
fn prefixed(chars: &[char], start: usize, name: &str) -> Result<(Token, usize), QueryError> {
    let lower = name.to_ascii_lowercase();
    let Some(&(_, prefix)) = PREFIXES.iter().find(|(known, _)| *known == lower) else {
        let valid: Vec<String> = PREFIXES
            .iter()
            .map(|(known, _)| format!("{known}:"))
            .collect();
        return Err(QueryError::new(
            start,
            format!(
                "unknown prefix '{name}:'; valid prefixes are {} (put the text in quotes to search for it as words)",
                valid.join(" ")
            ),
        ));
    };
    let value_position = start + name.chars().count() + 1;
    let (value, wildcard, end) = match chars.get(value_position) {
        Some('"') => quoted(chars, value_position)?,
        _ => {
            let end = bare_end(chars, value_position);
            let (value, wildcard) = strip_wildcard(chars[value_position..end].iter().collect());
            (value, wildcard, end)
        }
    };
    if value.is_empty() && !wildcard && end == value_position {
        return Err(QueryError::new(
            value_position,
            format!("expected a value right after '{name}:' (no space after the colon)"),
        ));
    }
    let term = Term {
        prefix: Some((prefix, name.to_owned())),
        value,
        wildcard,
        value_position,
    };
    Ok((Token::Term(term), end))
}

/// Where a bare word starting at `start` ends.
fn bare_end(chars: &[char], start: usize) -> usize {
    chars[start..]
        .iter()
        .position(|&c| c.is_whitespace() || matches!(c, '(' | ')' | '"'))
        .map_or(chars.len(), |length| start + length)
}

/// Removes one trailing `*`, telling whether there was one.
fn strip_wildcard(mut text: String) -> (String, bool) {
    let wildcard = text.ends_with('*');
    if wildcard {
        text.pop();
    }
    (text, wildcard)
}
