//! The one message model every source is normalized into.
//!
//! Plain data: no I/O, no JSON. Ids are newtypes so they cannot be mixed up.

mod flag_tag;

pub use flag_tag::FlagTag;
pub use inbox_connector_api::{Flags, Location, SourceKind};

/// A message's id in the store: stable for the life of the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub i64);

/// A conversation's id in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadId(pub i64);

/// Someone who sent or received a message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Participant {
    /// Display name, when given.
    pub name: Option<String>,
    /// Mail address (lowercased) or `@handle` for direct messages.
    pub address: String,
}

/// `Name <address>`, or the address alone.
impl std::fmt::Display for Participant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(name) if !name.is_empty() => write!(f, "{name} <{}>", self.address),
            _ => f.write_str(&self.address),
        }
    }
}

/// Metadata of one attachment (the bytes stay in the raw message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: Option<String>,
    /// `type/subtype`, lowercased.
    pub mime_type: String,
    /// Decoded size in bytes.
    pub size: u64,
}

/// A normalized message, whatever its source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    /// RFC 5322 Message-ID without angle brackets (or the DM event id).
    pub message_id: Option<String>,
    /// In-Reply-To ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// References ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    pub from: Vec<Participant>,
    pub to: Vec<Participant>,
    pub cc: Vec<Participant>,
    pub bcc: Vec<Participant>,
    pub subject: Option<String>,
    /// Date the sender gave (Unix seconds, UTC).
    pub date: Option<i64>,
    /// Plain-text body (HTML converted to text when there is no text part).
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// Targets of the links and images of the HTML parts (`href`, `src`),
    /// for the classifiers; not stored.
    pub links: Vec<String>,
    /// Mailing list id (List-Id without angle brackets), if any.
    pub list_id: Option<String>,
    /// Problems met while reading the message; it is still stored.
    pub warnings: Vec<String>,
}

impl Message {
    /// The distinct addresses in To, Cc and Bcc, sorted.
    pub fn recipient_addresses(&self) -> Vec<&str> {
        let mut addresses: Vec<&str> = (self.to.iter().chain(&self.cc).chain(&self.bcc))
            .map(|person| person.address.as_str())
            .collect();
        addresses.sort_unstable();
        addresses.dedup();
        addresses
    }
}

/// Whether `c` sets the direction text is shown in (embeddings, overrides,
/// isolates and the direction marks): on a terminal it can make text read
/// as something else (`exe.pdf` shown as `fdp.exe`).
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Whether `c` may be part of a tag name: not white space, a control
/// character or a bidirectional formatting character.
pub fn is_tag_char(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || is_bidi_control(c))
}

/// Whether `name` can be a tag: one word of [`is_tag_char`] characters.
/// Tags set by the user, by rules and by the built-in taggers all follow it.
pub fn is_tag_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_tag_char)
}
