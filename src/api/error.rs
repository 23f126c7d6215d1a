//! What can go wrong in an API call, typed so each transport can report it
//! its own way (exit status 2 for a bad query on the command line, JSON-RPC
//! error codes on the socket).

use crate::config::ConfigError;
use crate::home::HomeError;
use crate::index::{IndexError, QueryError};
use crate::store::StoreError;
use crate::sync::SyncError;

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The query cannot be read; `error.position` says where.
    #[error("{error}")]
    BadQuery { query: String, error: QueryError },
    /// The parameters are inconsistent (e.g. no tag change given).
    #[error("{0}")]
    InvalidParams(String),
    /// `erase` was confirmed for another number of messages than match now.
    #[error(
        "erase was confirmed for {confirmed} messages but {matching} match: nothing was erased; \
         call erase without `confirm` to see what matches now, then confirm that count"
    )]
    EraseCountChanged { confirmed: u64, matching: u64 },
    #[error("no message with id {0} (ids are printed by `inbox search`)")]
    NoSuchMessage(i64),
    #[error(transparent)]
    Home(#[from] HomeError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The caller went away; the call stopped before it finished.
    #[error("the caller hung up; the call was stopped")]
    Cancelled,
    /// Another failure, described by its message (e.g. one the daemon reported).
    #[error("{0}")]
    Failed(String),
}

impl ApiError {
    /// A query that did not parse.
    pub fn bad_query(query: &str, error: QueryError) -> ApiError {
        ApiError::BadQuery {
            query: query.to_owned(),
            error,
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(error: SyncError) -> ApiError {
        match error {
            SyncError::Store(error) => ApiError::Store(error),
            SyncError::Index(error) => ApiError::Index(error),
            other => ApiError::Failed(other.to_string()),
        }
    }
}
