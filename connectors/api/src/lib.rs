//! The contract between inbox and a message source.
//!
//! A connector fetches raw items (RFC 5322 bytes for mail, JSON for direct
//! messages) from one account and hands them, batch by batch, to a [`Sink`]
//! provided by inbox. It never touches the store, the index or the vault.
//!
//! # Contract
//!
//! 1. [`Connector::sync`] walks the source once and calls [`Sink::commit`]
//!    with batches of at most [`Sink::batch_size`] items.
//! 2. Each [`Batch`] carries the [`Cursor`] that is true once the batch is
//!    stored. The sink saves items and cursor in one transaction, so a crash
//!    between batches resumes from the last committed cursor: nothing lost,
//!    nothing duplicated.
//! 3. A connector may ask [`Sink::known`] whether an item is already stored
//!    (and with which flags) to skip fetching it again, or to report only a
//!    flag change ([`Change::Flags`]).
//! 4. An error from [`Sink::commit`] is returned as is: the connector stops.
//!    A single unreadable item is not an error: the connector skips it and
//!    reports it with [`Sink::warn`].
//! 5. Folder names use `/` as the hierarchy separator, whatever the source's.
//! 6. A connector that can tell an item was deleted at the source reports
//!    [`Change::Gone`]; [`Sink::known_in_folder`] lists what is stored, so
//!    it can compare.

use std::fmt;

use async_trait::async_trait;

pub mod delete;
pub mod dm;
mod maildir_info;
#[cfg(feature = "conformance")]
pub mod testing;
pub mod transport;

/// What kind of source an item came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A local Maildir tree.
    Maildir,
    /// A local mbox file.
    Mbox,
    /// An IMAP mailbox.
    Imap,
    /// X (Twitter) direct messages.
    X,
}

impl SourceKind {
    /// The stable lowercase name used in the store and in queries (`source:`).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Maildir => "maildir",
            SourceKind::Mbox => "mbox",
            SourceKind::Imap => "imap",
            SourceKind::X => "x",
        }
    }

    /// Parses [`SourceKind::as_str`] back.
    pub fn parse(name: &str) -> Option<SourceKind> {
        [Self::Maildir, Self::Mbox, Self::Imap, Self::X]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Whether items of this kind are RFC 5322 mail.
    pub fn is_mail(self) -> bool {
        !matches!(self, SourceKind::X)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Message flags as sources know them (IMAP system flags, Maildir info letters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub draft: bool,
    pub deleted: bool,
}

impl Flags {
    /// Packs the flags into bits (seen = 1, flagged = 2, answered = 4, draft = 8, deleted = 16).
    pub fn bits(self) -> u8 {
        u8::from(self.seen)
            | u8::from(self.flagged) << 1
            | u8::from(self.answered) << 2
            | u8::from(self.draft) << 3
            | u8::from(self.deleted) << 4
    }

    /// Unpacks [`Flags::bits`].
    pub fn from_bits(bits: u8) -> Flags {
        Flags {
            seen: bits & 1 != 0,
            flagged: bits & 2 != 0,
            answered: bits & 4 != 0,
            draft: bits & 8 != 0,
            deleted: bits & 16 != 0,
        }
    }
}

/// Where an item lives in its account: folder plus an id unique in that folder.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// Folder (mail) or conversation (direct messages), `/`-separated.
    pub folder: String,
    /// Id unique within the folder and stable across syncs (Maildir unique
    /// name, mbox offset, IMAP `UIDVALIDITY:UID`, DM event id).
    pub remote_id: String,
}

/// One raw item fetched from a source.
#[derive(Clone, Debug)]
pub struct RawItem {
    pub location: Location,
    /// What kind of source delivered it (one tree may hold maildirs and mbox files).
    pub source: SourceKind,
    /// The item's bytes as the source delivered them.
    pub bytes: Vec<u8>,
    pub flags: Flags,
    /// When the source received the item (Unix seconds), if it says.
    pub received: Option<i64>,
}

/// A change a connector reports to the sink.
#[derive(Clone, Debug)]
pub enum Change {
    /// A new item (or one the sink may already hold under another location).
    New(RawItem),
    /// An item the sink already holds changed flags.
    Flags { location: Location, flags: Flags },
    /// The item at this location no longer exists at the source (deleted,
    /// expunged, or its folder was removed). The message itself may still
    /// be held under another location.
    Gone { location: Location },
}

/// A connector's resume point, opaque to inbox: the store saves it verbatim.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor(pub String);

/// Changes plus the cursor that holds once they are stored.
#[derive(Debug, Default)]
pub struct Batch {
    pub changes: Vec<Change>,
    pub cursor: Cursor,
}

/// Failures a connector reports.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The source could not be read (missing path, permission, network).
    #[error("cannot read {what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The source is not of the kind this connector reads.
    #[error("{0}")]
    Unsupported(String),
    /// The server could not be reached, or the connection broke.
    #[error("{0}")]
    Network(String),
    /// The secure (TLS) connection could not be set up, e.g. an untrusted certificate.
    #[error("{0}")]
    Tls(String),
    /// The server refused the credentials (its reason, never the secret).
    #[error("{0}")]
    Auth(String),
    /// The server refused a command or answered something unreadable.
    #[error("{0}")]
    Protocol(String),
    /// The sink refused a batch; the connector stopped.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// A sink's failure to store a batch, with the reason in words.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// Where a connector delivers its batches; implemented by inbox.
#[async_trait]
pub trait Sink: Send {
    /// How many changes a batch should hold at most.
    fn batch_size(&self) -> usize;

    /// The flags of the stored item at `location`, or `None` when nothing is stored there.
    fn known(&self, location: &Location) -> Option<Flags>;

    /// The remote ids of every item stored in `folder`, in no particular order.
    fn known_in_folder(&self, folder: &str) -> Vec<String>;

    /// How many items are stored in `folder`; a sink can answer this without
    /// loading the folder's items, so a connector asks it first to skip an
    /// unchanged folder cheaply.
    fn count_in_folder(&self, folder: &str) -> usize {
        self.known_in_folder(folder).len()
    }

    /// Stores a batch and its cursor atomically.
    async fn commit(&mut self, batch: Batch) -> Result<(), SinkError>;

    /// Reports an item that was skipped or only partly read.
    fn warn(&mut self, location: &Location, message: &str);

    /// Says what `folder` is for, as the source marks it: an IMAP
    /// special-use attribute (RFC 6154) such as `\Junk`, `\Sent` or
    /// `\Trash`, or `None` when it marks nothing. Told once per sync for
    /// every folder synced; a sink may ignore it.
    fn folder_role(&mut self, folder: &str, role: Option<&str>) {
        let _ = (folder, role);
    }
}

/// A message source for one account.
#[async_trait]
pub trait Connector: Send {
    /// The kind of items this connector yields.
    fn kind(&self) -> SourceKind;

    /// Walks the source from `cursor` (empty on the first sync) and delivers
    /// every new or changed item to `sink`, following the contract above.
    async fn sync(&mut self, cursor: &Cursor, sink: &mut dyn Sink) -> Result<(), ConnectorError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_bits_round_trip() {
        for bits in 0..32u8 {
            assert_eq!(Flags::from_bits(bits).bits(), bits);
        }
        let flags = Flags {
            seen: true,
            draft: true,
            ..Flags::default()
        };
        assert_eq!(flags.bits(), 0b1001);
    }

    #[test]
    fn source_kind_names_round_trip() {
        for kind in [
            SourceKind::Maildir,
            SourceKind::Mbox,
            SourceKind::Imap,
            SourceKind::X,
        ] {
            assert_eq!(SourceKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(SourceKind::parse("pop3"), None);
    }
}
