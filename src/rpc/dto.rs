//! Serializable views of store and model types, and the results of the API
//! methods. Field names are part of the public interface (README: "JSON
//! output", "JSON-RPC API"); add fields, never rename them. Every shape also
//! deserializes, so the command line reads the daemon's answers into the
//! same types it prints.

use serde::{Deserialize, Serialize};

use crate::model::{Attachment, Message, Participant};
use crate::store::{Summary, display_tags};

/// One search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryDto {
    pub id: i64,
    pub thread: i64,
    /// RFC 3339 UTC date (the Date header, else when it was received).
    pub date: Option<String>,
    /// Unix seconds of `date`.
    pub timestamp: Option<i64>,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// Flag tags (`unread`, `flagged`, `replied`, `draft`, `deleted`) then user tags.
    pub tags: Vec<String>,
    pub account: String,
    pub source: String,
    pub folders: Vec<String>,
    pub message_id: Option<String>,
    pub attachments: u32,
    pub size: u64,
}

impl From<&Summary> for SummaryDto {
    fn from(summary: &Summary) -> Self {
        SummaryDto::from(summary.clone())
    }
}

impl From<Summary> for SummaryDto {
    fn from(summary: Summary) -> Self {
        let timestamp = summary.date.or(summary.received);
        SummaryDto {
            id: summary.id.0,
            thread: summary.thread.0,
            date: timestamp.and_then(rfc3339),
            timestamp,
            tags: display_tags(summary.flags, &summary.tags),
            from: summary.sender,
            subject: summary.subject,
            account: summary.account,
            source: summary.source.as_str().to_owned(),
            folders: summary.folders,
            message_id: summary.message_id,
            attachments: summary.attachments,
            size: summary.size,
        }
    }
}

/// A whole message: its summary plus participants, references, body and attachments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MessageDto {
    #[serde(flatten)]
    pub summary: SummaryDto,
    pub from_all: Vec<ParticipantDto>,
    pub to: Vec<ParticipantDto>,
    pub cc: Vec<ParticipantDto>,
    pub bcc: Vec<ParticipantDto>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub list_id: Option<String>,
    pub body: String,
    pub attachment_list: Vec<AttachmentDto>,
    pub warnings: Vec<String>,
    /// Where the message lives at its source (IMAP: folder and
    /// `UIDVALIDITY:UID`), with the flags seen there.
    #[serde(default)]
    pub locations: Vec<LocationDto>,
    /// The HTML part, sanitized; only when asked for (`get_message` `html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// The raw message, base64; only when asked for (`get_message` `raw`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl MessageDto {
    pub fn new(summary: &Summary, message: &Message) -> Self {
        let people = |list: &[Participant]| list.iter().map(ParticipantDto::from).collect();
        MessageDto {
            summary: SummaryDto::from(summary),
            from_all: people(&message.from),
            to: people(&message.to),
            cc: people(&message.cc),
            bcc: people(&message.bcc),
            in_reply_to: message.in_reply_to.clone(),
            references: message.references.clone(),
            list_id: message.list_id.clone(),
            body: message.body.clone(),
            attachment_list: message
                .attachments
                .iter()
                .map(AttachmentDto::from)
                .collect(),
            warnings: message.warnings.clone(),
            locations: Vec::new(),
            html: None,
            raw: None,
        }
    }
}

/// One place a message lives at its source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocationDto {
    pub folder: String,
    pub remote_id: String,
    /// Flag tags as the source has them (`unread`, `flagged`, ...).
    pub flags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParticipantDto {
    pub name: Option<String>,
    pub address: String,
}

impl From<&Participant> for ParticipantDto {
    fn from(person: &Participant) -> Self {
        ParticipantDto {
            name: person.name.clone(),
            address: person.address.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentDto {
    pub name: Option<String>,
    pub mime_type: String,
    pub size: u64,
}

impl From<&Attachment> for AttachmentDto {
    fn from(attachment: &Attachment) -> Self {
        AttachmentDto {
            name: attachment.name.clone(),
            mime_type: attachment.mime_type.clone(),
            size: attachment.size,
        }
    }
}

fn rfc3339(timestamp: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(timestamp, 0)
        .map(|date| date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// One account as `inbox account list` shows it; never holds a secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountDto {
    pub name: String,
    /// `imap`, `x`, or `local` for imported messages.
    pub kind: String,
    /// Connection settings in words, for configured accounts.
    pub settings: Option<String>,
    /// Whether `config.toml` has settings for it.
    pub configured: bool,
    pub messages: u64,
}

/// The answer to `search`: how many messages match, and one page of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchResultDto {
    /// Messages matching the query (not only this page).
    pub total: u64,
    pub messages: Vec<SearchHitDto>,
}

/// One search result: its summary, and where the query matched its text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHitDto {
    #[serde(flatten)]
    pub summary: SummaryDto,
    /// Absent when snippets were not asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<SnippetDto>,
}

/// About 200 characters of the message text around the first match, on
/// one line; `highlights` are the matched words as `[start, end)` UTF-8
/// byte offsets into `text`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnippetDto {
    pub text: String,
    pub highlights: Vec<[usize; 2]>,
}

/// A tag and how many messages `tag:NAME` finds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagCountDto {
    pub tag: String,
    pub count: u64,
}

/// The outcome of `tag`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagResultDto {
    /// Messages the query matched.
    pub matched: u64,
    /// Messages whose tags or flags changed.
    pub changed: u64,
}

/// The outcome of `erase` (with `dry_run`, when not confirmed: what it would erase).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EraseResultDto {
    /// Messages erased.
    pub messages: u64,
    /// Size of their raw mail, as received.
    pub raw_bytes: u64,
    /// Index documents deleted (with `dry_run`: found).
    pub index_documents: u64,
    /// Messages erased per account, by account name.
    pub accounts: Vec<AccountCountDto>,
    /// Whether this only described the erasure.
    pub dry_run: bool,
    /// With `remote`: what happened on the servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteEraseDto>,
}

/// The server side of `erase` with `remote`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoteEraseDto {
    /// Server copies deleted.
    pub deleted: u64,
    /// Server copies that were already gone.
    pub already_gone: u64,
    /// Messages of accounts without a configured server (imported mail),
    /// erased here only.
    pub local_only: u64,
    /// Messages kept here because a server copy could not be deleted.
    pub kept: Vec<KeptDto>,
}

/// A message `erase` kept because its server copy is still there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptDto {
    pub id: i64,
    pub account: String,
    /// Why the server copy could not be deleted.
    pub reason: String,
}

/// The outcome of `apply_retention` (with `dry_run`: what it would erase).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetentionResultDto {
    /// The expired messages, oldest first.
    pub messages: Vec<SummaryDto>,
    /// What erasing them removed (with `dry_run`: would remove).
    pub erased: EraseResultDto,
}

/// The outcome of `export`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportResultDto {
    pub messages: u64,
    /// Bytes written (mail as stored, direct messages as converted).
    pub bytes: u64,
    /// Where the export went.
    pub output: std::path::PathBuf,
    /// The tag dump written next to it (`inbox tags restore` reads it).
    pub dump: std::path::PathBuf,
}

/// A number of messages of one account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountCountDto {
    pub account: String,
    pub messages: u64,
}

/// The outcome of `set_flags`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagsResultDto {
    /// Messages whose flags changed.
    pub changed: u64,
}
