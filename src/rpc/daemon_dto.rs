//! The shapes of the daemon's own methods (`account_status`, events). Field
//! names are part of the public interface (README: "The daemon"); add
//! fields, never rename them.

use serde::{Deserialize, Serialize};

/// One account as the daemon sees it (`account_status`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountStatusDto {
    pub name: String,
    /// `imap` or `x`.
    pub kind: String,
    /// `syncing`, `idle`, `retrying`, `stopped` or `disabled`.
    pub state: String,
    /// When the last sync finished well (RFC 3339 UTC).
    pub last_sync: Option<String>,
    /// What went wrong last, until a sync succeeds.
    pub last_error: Option<String>,
    /// When the next attempt is due, while `retrying` (RFC 3339 UTC).
    pub next_retry: Option<String>,
    /// Messages of the account in the store.
    pub messages: u64,
    /// Messages per folder.
    pub folders: Vec<FolderCountDto>,
}

/// How many messages one folder holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FolderCountDto {
    pub folder: String,
    pub messages: u64,
}

/// Something that happened in the daemon: `get_next_events` returns these,
/// `subscribe` pushes them as `event` notifications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventDto {
    /// Increases by one per event, from 1 at daemon start.
    pub id: u64,
    /// When it happened (RFC 3339 UTC).
    pub time: String,
    #[serde(flatten)]
    pub event: Event,
}

/// What happened; `kind` names the variant on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Event {
    /// New messages were stored.
    MessagesAdded {
        account: String,
        count: u64,
    },
    /// Flags of stored messages changed on the server.
    FlagsChanged {
        account: String,
        count: u64,
    },
    /// `tag` or `set_flags` changed messages.
    TagsChanged {
        count: u64,
    },
    SyncStarted {
        account: String,
    },
    /// `done` items of the sync so far; `folder` is the one being read.
    SyncProgress {
        account: String,
        folder: String,
        done: u64,
    },
    /// A sync finished: new messages, flag changes, messages gone from the
    /// server, local flag changes pushed to it.
    SyncFinished {
        account: String,
        new: u64,
        flags: u64,
        gone: u64,
        pushed: u64,
    },
    /// A sync failed; retried after `retry_in_s` seconds, or not at all
    /// (the account stopped) when absent.
    AccountError {
        account: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_in_s: Option<u64>,
    },
}

/// `time` as RFC 3339 UTC, to the millisecond.
pub fn rfc3339(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
