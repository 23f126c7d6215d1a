//! Runs a connector through the pipeline: normalize, store, index.
//!
//! The only module that calls the stages in order. The store commits each
//! batch with the connector's cursor; the index follows the store by change
//! sequence number, so it can always be caught up or rebuilt from it.

mod committer;
mod indexer;
mod push;
mod sink;
pub mod watch;

use std::time::{Duration, Instant};

use inbox_connector_api::{Connector, ConnectorError, Cursor};

pub use indexer::{catch_up_index, reindex};
pub use push::{PushReport, push_flags};
use sink::{Finished, PipelineSink};

use crate::index::{Index, IndexError};
use crate::store::{Store, StoreError};
use crate::tagging::{Tagger, TaggingError};

/// Pipeline failures.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The thread that stores a sync's batches could not start, or stopped.
    #[error("the sync's commit thread failed: {0}")]
    CommitThread(std::io::Error),
    #[error(transparent)]
    Tagging(#[from] TaggingError),
}

/// What one sync did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Messages stored for the first time.
    pub imported: u64,
    /// Items already stored (same place, or same content elsewhere).
    pub duplicates: u64,
    /// Stored messages whose flags changed.
    pub flags_changed: u64,
    /// Locations whose item left the source (a message left nowhere is marked deleted).
    pub gone: u64,
    /// Messages stored with reading problems (kept raw, found by their headers and text).
    pub with_warnings: u64,
    /// Items the connector skipped, with its reasons (first few).
    pub skipped: u64,
    pub skipped_examples: Vec<String>,
    pub elapsed: Duration,
}

/// Reports progress as items are committed.
pub trait Progress: Sync {
    /// `done` items processed so far.
    fn advance(&self, done: u64);

    /// The folder being worked on changed.
    fn folder(&self, _name: &str) {}
}

/// No progress output.
impl Progress for () {
    fn advance(&self, _done: u64) {}
}

/// Syncs one account: `connector` from the account's saved cursor, each batch
/// tagged by `tagger`, stored then indexed; the index is committed at the end (and every few
/// thousand messages) with the store's change sequence number.
pub async fn sync_account(
    store: &mut Store,
    index: &Index,
    connector: &mut dyn Connector,
    account: &str,
    account_kind: &str,
    tagger: Tagger,
    progress: &dyn Progress,
) -> Result<Report, SyncError> {
    let started = Instant::now();
    let account_name = account;
    let account = store.ensure_account(account_name, account_kind)?;
    let cursor = Cursor(store.cursor(account)?);
    let mut writer = index.writer()?;
    catch_up_index(store, &mut writer, index.indexed_seq()?.unwrap_or(0))?;
    let indexed = store.change_seq()?;
    let mut sink = PipelineSink::new(store, writer, account, account_name, tagger, progress)?;
    let result = connector.sync(&cursor, &mut sink).await;
    let Finished {
        mut report,
        mut writer,
        failure,
    } = sink.finish()?;
    // Whatever the connector's outcome, what was stored gets indexed (a sync
    // that stored nothing commits nothing).
    let latest = store.change_seq()?;
    if latest != indexed {
        writer.commit(latest)?;
    }
    writer.finish()?;
    if latest != indexed {
        index.reload()?;
    }
    if let Some(error) = failure {
        return Err(error);
    }
    result?;
    report.elapsed = started.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests;
