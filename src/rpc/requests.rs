//! The parameters of each API method, as JSON objects (or arrays, by
//! position in the order the method table gives). Unknown fields are
//! refused, so a misspelt parameter is an error rather than ignored.

use serde::{Deserialize, Serialize};

/// Results per `search` page when the caller gives no limit.
pub const DEFAULT_LIMIT: usize = 50;

/// `search`: one page of the messages matching a query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The query, in the language of README "Query language".
    pub query: String,
    #[serde(default = "default_limit")]
    pub limit: usize,
    #[serde(default)]
    pub offset: usize,
    #[serde(default)]
    pub sort: SortParam,
    /// Whether each result carries a snippet (reading each message's text).
    #[serde(default = "yes")]
    pub snippets: bool,
}

impl SearchParams {
    /// The first page of `query`, newest first, with snippets.
    pub fn new(query: impl Into<String>) -> SearchParams {
        SearchParams {
            query: query.into(),
            limit: DEFAULT_LIMIT,
            offset: 0,
            sort: SortParam::NewestFirst,
            snippets: true,
        }
    }
}

fn default_limit() -> usize {
    DEFAULT_LIMIT
}

fn yes() -> bool {
    true
}

/// Result order of `search`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortParam {
    /// Newest first.
    #[default]
    #[serde(rename = "-date")]
    NewestFirst,
    /// Oldest first.
    #[serde(rename = "date")]
    OldestFirst,
    /// Best match first.
    #[serde(rename = "relevance")]
    Relevance,
    /// Highest importance score first; equal scores newest first.
    #[serde(rename = "importance")]
    Importance,
}

/// `count`: how many messages match a query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountParams {
    pub query: String,
}

/// `get_message`: one whole message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetMessageParams {
    pub id: i64,
    /// Adds the raw message, base64.
    #[serde(default)]
    pub raw: bool,
    /// Adds the HTML part, sanitized.
    #[serde(default)]
    pub html: bool,
}

/// `get_thread`: the conversation of a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetThreadParams {
    /// Any message of the thread.
    pub id: i64,
}

/// `explain`: why a message holds each of its tags.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainParams {
    pub id: i64,
}

/// `tag`: adds and removes tags on every message matching a query.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagParams {
    pub query: String,
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
    /// When the change is a rule of `rules.toml` applied to stored mail:
    /// its position (from 1), recorded with its query as the added tags'
    /// origin. Without it the tags are the user's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_position: Option<usize>,
    /// The query of that rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_query: Option<String>,
}

/// `set_flags`: sets or clears flags on messages given by id or by query
/// (exactly one of the two); flags left out stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetFlagsParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// `erase`: deletes for good the messages matching a query, or the thread
/// of a message (exactly one of the two), once confirmed: without
/// `confirm` it only says what would go; with `remote`, it deletes the
/// server copies first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Any message of the thread to erase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<i64>,
    /// The number of messages a call without it reported: the erasure
    /// happens only when exactly that many still match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<u64>,
    /// Delete the copies on the accounts' servers first; a message whose
    /// server copy cannot be deleted is kept here.
    #[serde(default)]
    pub remote: bool,
}

/// `apply_retention`: erases the messages older than their account's
/// retention (local copies only); with `dry_run`, only lists them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionParams {
    #[serde(default)]
    pub dry_run: bool,
}

/// `export`: writes the messages matching `query` (default every message),
/// limited to `account` if given, to `output` on the machine inbox runs on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// `mbox`, `maildir` or `json`.
    pub format: ExportFormat,
    /// A path that does not exist yet (absolute over the socket).
    pub output: std::path::PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// The formats of `export`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Mbox,
    Maildir,
    Json,
}

/// Methods without parameters (`list_tags`, `list_accounts`): none accepted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
