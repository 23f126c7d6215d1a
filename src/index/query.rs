//! The search language: text in, [`Query`] (our own syntax tree) out.
//!
//! The language follows notmuch and mu, so their users feel at home.
//!
//! # Terms
//!
//! | you type | matches |
//! |---|---|
//! | `budget` | the word in the sender, recipients, subject or body |
//! | `budget report` | both words (terms are joined by an implicit `AND`) |
//! | `"credit card"` | the words next to each other, in this order |
//! | `budg*` | any word starting with `budg` (a trailing `*` only) |
//! | `"credit ca"*` | a phrase whose last word is a prefix |
//! | `*` | every message (so does an empty query) |
//!
//! Words are runs of letters and digits; everything else separates them, and
//! case never matters. So `perl.org` is the phrase `perl org`, and
//! `e-mail` the phrase `e mail`. Words of 40 bytes or more are not indexed.
//! A word right after an `@` (not inside a mail address) is also a handle:
//! `@alice` finds the handle `@alice` (as sender, recipient or mention), and
//! `alice` finds it too, as a plain word.
//!
//! # Boolean operators
//!
//! `AND`, `OR`, `NOT` (or `and`, `or`, `not`), `-term` for `NOT term`, and
//! parentheses. `NOT` binds tightest, then `AND` (explicit or implicit),
//! then `OR`: `a b OR c` means `(a AND b) OR c`. To search for one of the
//! words `and`, `or`, `not`, quote it: `"not"`.
//!
//! # Prefixes
//!
//! A prefix limits a term to one field: `prefix:value` or
//! `prefix:"a phrase"`, with no space after the colon. Prefix names are
//! case-insensitive.
//!
//! | prefix | matches |
//! |---|---|
//! | `from:` | sender name or address: `from:pudge@perl.org`, `from:perl.org` (domain), `from:"Phillip Allen"`, `from:phil*`, `from:@handle` (direct messages) |
//! | `to:` | any recipient (To, Cc, Bcc), same forms as `from:` |
//! | `cc:` | Cc recipients only |
//! | `subject:` | words of the subject: `subject:"credit card"` |
//! | `body:` | words of the body text |
//! | `tag:` | a tag, exact and case-insensitive: `tag:inbox`; `tag:work*` |
//! | `is:` | a flag: `unread`, `read` (or `seen`), `flagged`, `replied`, `draft`, `deleted`, `attachment`; or `important`: an importance score of at least 0.5 (see `tagging::importance`) |
//! | `account:` | the account name: `account:work` |
//! | `folder:` | a folder, exact (`folder:inbox`) or by prefix (`folder:lists/*`) |
//! | `source:` | the source kind: `maildir`, `mbox`, `imap` or `x` |
//! | `id:` (or `mid:`) | the Message-ID, with or without angle brackets |
//! | `thread:` | a thread number: `thread:42` |
//! | `date:` | a date or date range, see below |
//!
//! `tag:unread`, `tag:flagged`, `tag:replied`, `tag:draft` and `tag:deleted`
//! mean the same as the `is:` flags. `tag:attachment` is the built-in
//! tagger's tag (a real attachment); `is:attachment`, any attached part.
//!
//! Addresses are split into words like any text, so `from:perl.org` finds
//! every sender at `perl.org` or one of its subdomains, `from:pudge@perl.org`
//! that one address, and `from:pudge` the name or address word `pudge`.
//!
//! # Dates
//!
//! A message's date is the date its sender gave, else the date it was
//! received. Calendar dates are whole days in the local time zone.
//!
//! | you type | matches |
//! |---|---|
//! | `date:2002-08-01` | that day |
//! | `date:2002-08` | that month |
//! | `date:2002` | that year |
//! | `date:2002-08-01..2002-08-31` | from the first day to the last one, both included |
//! | `date:2002-08..` | from August 2002 on |
//! | `date:..2002-09-30` | up to the end of that day |
//! | `date:today`, `date:yesterday` | that day; also as range ends: `date:yesterday..` |
//! | `date:7d..` or `date:7d` | the last 7 days; units `h` hours, `d` days, `w` weeks, `m` months, `y` years |
//! | `date:1y..3m` | from a year ago until three months ago |
//!
//! # Errors
//!
//! A query that cannot be read gives a [`QueryError`] with the column where
//! reading stopped and what was expected there: unbalanced parentheses, an
//! operator without a term, a prefix without a value, an unknown prefix, an
//! unknown `is:` or `source:` value, a bad date, a phrase without its
//! closing quote. Values that contain spaces, parentheses or a colon-prefixed
//! word that is not a prefix (such as `http://...`) go in quotes. There is
//! no escape character inside quotes.

mod dates;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

use std::fmt;

pub use chrono::NaiveDate;

use crate::model::{FlagTag, ThreadId};

/// Parses a query typed by a person into a [`Query`].
pub fn parse(text: &str) -> Result<Query, QueryError> {
    parser::parse(text)
}

/// A parsed search query. Matching of text and keywords is case-insensitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Every message.
    All,
    /// Words in a text field: one word, or a phrase when `text` holds several.
    /// With `prefix`, the last word is a prefix.
    Text {
        field: TextField,
        text: String,
        prefix: bool,
    },
    /// An exact keyword (or, with `prefix`, its start), as typed.
    Keyword {
        field: KeywordField,
        value: String,
        prefix: bool,
    },
    /// Messages with this flag.
    Flag(Flag),
    /// Messages of this thread.
    Thread(ThreadId),
    /// Messages dated in this range.
    Date(DateRange),
    /// Messages whose importance score is at least
    /// [`crate::tagging::importance::IMPORTANT`] (`is:important`).
    Important,
    /// Messages matching every sub-query.
    And(Vec<Query>),
    /// Messages matching at least one sub-query.
    Or(Vec<Query>),
    /// Messages not matching the sub-query.
    Not(Box<Query>),
}

/// Text fields, split into words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Sender, recipients, subject and body (a term without prefix).
    Any,
    From,
    /// To, Cc and Bcc recipients.
    To,
    Cc,
    Subject,
    Body,
}

/// Keyword fields, matched whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeywordField {
    Tag,
    Account,
    Folder,
    /// The source kind name, see [`crate::model::SourceKind::as_str`].
    Source,
    /// The Message-ID without angle brackets.
    MessageId,
}

/// Message flags and properties, as `is:` knows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    Seen,
    Unread,
    Flagged,
    Replied,
    Draft,
    Deleted,
    Attachment,
}

impl Flag {
    /// The flag's name in the index.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Seen => "seen",
            Flag::Unread => FlagTag::Unread.name(),
            Flag::Flagged => FlagTag::Flagged.name(),
            Flag::Replied => FlagTag::Replied.name(),
            Flag::Draft => FlagTag::Draft.name(),
            Flag::Deleted => FlagTag::Deleted.name(),
            Flag::Attachment => "attachment",
        }
    }
}

/// The flag a flag tag is searched as (`tag:unread` is `is:unread`).
impl From<FlagTag> for Flag {
    fn from(tag: FlagTag) -> Flag {
        match tag {
            FlagTag::Unread => Flag::Unread,
            FlagTag::Flagged => Flag::Flagged,
            FlagTag::Replied => Flag::Replied,
            FlagTag::Draft => Flag::Draft,
            FlagTag::Deleted => Flag::Deleted,
        }
    }
}

/// A date range; both ends are included whole (a day, a month...).
/// At least one end is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateRange {
    pub start: Option<DatePoint>,
    pub end: Option<DatePoint>,
}

/// A date as typed; relative ones resolve when the query runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatePoint {
    Day(NaiveDate),
    Month {
        year: i32,
        month: u32,
    },
    Year(i32),
    Today,
    Yesterday,
    /// An instant this long before now.
    Ago {
        amount: u32,
        unit: AgeUnit,
    },
}

/// Units of a relative date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeUnit {
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

/// Why a query could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Offset in characters from the start of the query (0-based).
    pub position: usize,
    /// What was expected there.
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "query error at column {}: {}",
            self.position + 1,
            self.message
        )
    }
}

impl std::error::Error for QueryError {}
