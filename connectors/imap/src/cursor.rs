//! The sync cursor: per folder, how far its messages are stored.
//!
//! Saved as versioned JSON, e.g.
//! `{"v":1,"folders":{"INBOX":{"uidvalidity":7,"last_uid":42,"modseq":99}}}`:
//! every message of `INBOX` with UID <= 42 under UIDVALIDITY 7 is stored,
//! and every flag change up to mod-sequence 99 (absent: not yet known).

use std::collections::BTreeMap;

use inbox_connector_api::{ConnectorError, Cursor};
use serde::{Deserialize, Serialize};

const VERSION: u32 = 1;

/// Sync progress of one folder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderState {
    pub uidvalidity: u32,
    /// Every message with a UID up to this one is stored.
    pub last_uid: u32,
    /// The folder's HIGHESTMODSEQ once its flags were last brought up to date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modseq: Option<u64>,
}

/// Sync progress of every folder, keyed by `/`-separated folder name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    v: u32,
    pub folders: BTreeMap<String, FolderState>,
}

impl SyncState {
    /// Reads a cursor; the empty cursor is a first sync.
    pub fn parse(cursor: &Cursor) -> Result<SyncState, ConnectorError> {
        if cursor.0.is_empty() {
            return Ok(SyncState::default());
        }
        let state: SyncState = serde_json::from_str(&cursor.0).map_err(|error| {
            ConnectorError::Unsupported(format!(
                "the saved IMAP sync position is unreadable ({error}); reset the account's sync state"
            ))
        })?;
        if state.v != VERSION {
            return Err(ConnectorError::Unsupported(format!(
                "the saved IMAP sync position has version {}, this inbox reads version {VERSION}; \
                 update inbox or reset the account's sync state",
                state.v
            )));
        }
        Ok(state)
    }

    /// The cursor holding this state.
    pub fn to_cursor(&self) -> Cursor {
        let state = SyncState {
            v: VERSION,
            folders: self.folders.clone(),
        };
        // A map of strings to plain numbers always serialises.
        Cursor(serde_json::to_string(&state).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut state = SyncState::default();
        state.folders.insert(
            "INBOX/Sub \"x\"".into(),
            FolderState {
                uidvalidity: 7,
                last_uid: 42,
                modseq: Some(99),
            },
        );
        let cursor = state.to_cursor();
        assert!(cursor.0.starts_with("{\"v\":1,"), "{}", cursor.0);
        assert_eq!(SyncState::parse(&cursor).unwrap().folders, state.folders);
        assert_eq!(
            SyncState::parse(&Cursor::default()).unwrap(),
            SyncState::default()
        );
    }

    #[test]
    fn rejects_garbage_and_other_versions() {
        assert!(SyncState::parse(&Cursor("nonsense".into())).is_err());
        let error = SyncState::parse(&Cursor(r#"{"v":2,"folders":{}}"#.into())).unwrap_err();
        assert!(error.to_string().contains("version 2"), "{error}");
    }
}
