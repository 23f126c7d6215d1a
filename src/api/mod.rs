//! What programs can ask of inbox: search, read, tag, list. Each method is
//! implemented once, on [`Api`] (in-process, on the data directory); the
//! daemon serves the same methods over JSON-RPC (`rpc::methods`) and the
//! command line calls whichever is there through the [`Methods`] trait
//! (`rpc::RemoteApi` when a daemon answers on the socket).
//!
//! Parameters and results are the shapes of `rpc::requests` and `rpc::dto`,
//! so both transports return exactly the same data.
//!
//! Reads use pooled read-only store connections (WAL readers never wait for
//! a writer) and reload the index reader when another process committed;
//! tag changes and erasures write the store, then the index, in the
//! process's writer turn ([`WriteLock`], shared with the daemon's syncs).

mod accounts;
mod cancel;
mod erase;
mod error;
mod explain;
mod export;
mod feedback;
mod freshness;
mod html;
mod messages;
mod remote_erase;
mod retention;
mod search;
mod snippet;
mod tags;
#[cfg(test)]
pub(crate) mod tests;

use std::sync::atomic::AtomicI64;

pub use accounts::list_accounts;
pub use cancel::cancellable;
pub use erase::{make_unrecoverable, purge_account};
pub use error::ApiError;
pub use html::sanitize;

use crate::daemon::VaultSource;
use crate::home::Home;
use crate::index::Index;
use crate::rpc::dto::{
    AccountDto, EraseResultDto, ExportResultDto, FlagsResultDto, MessageDto, RetentionResultDto,
    SearchResultDto, SummaryDto, TagCountDto, TagResultDto,
};
use crate::rpc::explain_dto::ExplanationDto;
use crate::rpc::requests::{
    CountParams, EraseParams, ExplainParams, ExportParams, GetMessageParams, GetThreadParams,
    RetentionParams, SearchParams, SetFlagsParams, TagParams,
};
use crate::store::{Store, StoreError};
use crate::sync::watch::WriteLock;

/// The API methods, whichever transport carries them.
pub trait Methods {
    /// One page of the messages matching a query, with snippets if asked.
    fn search(&self, params: &SearchParams) -> Result<SearchResultDto, ApiError>;
    /// How many messages match a query.
    fn count(&self, params: &CountParams) -> Result<u64, ApiError>;
    /// One whole message; HTML (sanitized) and raw bytes only when asked.
    fn get_message(&self, params: &GetMessageParams) -> Result<MessageDto, ApiError>;
    /// The conversation of a message, oldest first.
    fn get_thread(&self, params: &GetThreadParams) -> Result<Vec<SummaryDto>, ApiError>;
    /// Flag tags in use, then stored tags, with their message counts.
    fn list_tags(&self) -> Result<Vec<TagCountDto>, ApiError>;
    /// Why a message holds each of its tags, its spam score and its importance.
    fn explain(&self, params: &ExplainParams) -> Result<ExplanationDto, ApiError>;
    /// Adds and removes tags on every message matching a query.
    fn tag(&self, params: &TagParams) -> Result<TagResultDto, ApiError>;
    /// Sets or clears flags on messages given by id or by query.
    fn set_flags(&self, params: &SetFlagsParams) -> Result<FlagsResultDto, ApiError>;
    /// Configured accounts and accounts holding messages, by name.
    fn list_accounts(&self) -> Result<Vec<AccountDto>, ApiError>;
    /// Says what would go; with `confirm` equal to the number of messages
    /// that match, deletes them for good (store rows, index documents, and
    /// every old copy of their bytes in the data directory).
    fn erase(&self, params: &EraseParams) -> Result<EraseResultDto, ApiError>;
    /// Erases (locally) the messages older than their account's retention,
    /// or with `dry_run` lists them.
    fn apply_retention(&self, params: &RetentionParams) -> Result<RetentionResultDto, ApiError>;
    /// Writes the messages matching a query to a new file or directory.
    fn export(&self, params: &ExportParams) -> Result<ExportResultDto, ApiError>;
}

/// The API on one data directory, in this process. Safe to share between
/// threads; reads run concurrently, writes of this process one at a time.
pub struct Api {
    home: Home,
    index: Index,
    /// The index sequence number the reader last loaded.
    reader_seq: AtomicI64,
    /// The store's change sequence number when the reader was last found
    /// to cover it (see `freshness`).
    current_seq: AtomicI64,
    /// Held while this process changes tags (or syncs), so changes queue
    /// up instead of failing on the index writer lock.
    writes: WriteLock,
    /// Read-only store connections kept open between calls, so SQLite
    /// reads its schema and prepares statements once per connection.
    readers: std::sync::Mutex<Vec<Store>>,
    /// Where the accounts' secrets come from, for `erase` with `remote`.
    vault: Option<std::sync::Arc<dyn VaultSource>>,
}

impl Api {
    /// Opens the API on `home`, creating the data directory and an empty
    /// index on first use.
    pub fn open(home: &Home) -> Result<Api, ApiError> {
        home.create()?;
        let index = Index::open(&home.index_dir())?;
        Ok(Api::with_index(home, index))
    }

    /// The API over an index opened by the caller (e.g. with a fixed clock).
    pub fn with_index(home: &Home, index: Index) -> Api {
        Api {
            home: home.clone(),
            index,
            reader_seq: AtomicI64::new(-1),
            current_seq: AtomicI64::new(-1),
            writes: WriteLock::default(),
            readers: std::sync::Mutex::new(Vec::new()),
            vault: None,
        }
    }

    /// Reads the accounts' secrets from `vault` when a server must be
    /// contacted (`erase` with `remote`).
    pub fn with_vault(mut self, vault: std::sync::Arc<dyn VaultSource>) -> Api {
        self.vault = Some(vault);
        self
    }

    /// The unlocked vault, or why it cannot be had.
    fn vault(&self) -> Result<inbox_vault::Vault, ApiError> {
        let source = self.vault.as_ref().ok_or_else(|| {
            ApiError::Failed(
                "deleting server copies needs the accounts' secrets, and this process has no \
                 access to the vault"
                    .into(),
            )
        })?;
        source.open().map_err(|error| {
            ApiError::Failed(format!("cannot read the accounts' secrets: {error:#}"))
        })
    }

    /// Takes turns writing with the other holders of `writes` (the
    /// daemon's syncs) instead of a lock of its own.
    pub fn with_writes(mut self, writes: WriteLock) -> Api {
        self.writes = writes;
        self
    }

    /// The index searches read (and writers of this process write).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// A read-only store connection (from the pool, else a new one), with
    /// the index caught up to it.
    fn reader(&self) -> Result<PooledReader<'_>, ApiError> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let store = match pooled {
            Some(store) => store,
            None => Store::open_for_reading(&self.home.store_path())?,
        };
        self.catch_up(&store)?;
        Ok(PooledReader {
            store: Some(store),
            api: self,
        })
    }

    /// A writing store connection.
    fn writer(&self) -> Result<Store, StoreError> {
        Store::open(&self.home.store_path())
    }

    /// [`Methods::export`], telling `progress` the count of messages
    /// written so far.
    pub fn export_with_progress(
        &self,
        params: &ExportParams,
        progress: &dyn Fn(u64),
    ) -> Result<ExportResultDto, ApiError> {
        export::export(self, params, progress)
    }
}

/// A read-only store connection that goes back to the pool when dropped.
struct PooledReader<'a> {
    store: Option<Store>,
    api: &'a Api,
}

/// Connections kept for reuse; more concurrent readers than this open their own.
const POOLED_READERS: usize = 8;

impl std::ops::Deref for PooledReader<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.store.as_ref().expect("present until dropped")
    }
}

impl Drop for PooledReader<'_> {
    fn drop(&mut self) {
        if let (Some(store), Ok(mut pool)) = (self.store.take(), self.api.readers.lock())
            && pool.len() < POOLED_READERS
        {
            pool.push(store);
        }
    }
}

impl Methods for Api {
    fn search(&self, params: &SearchParams) -> Result<SearchResultDto, ApiError> {
        search::search(self, params)
    }

    fn count(&self, params: &CountParams) -> Result<u64, ApiError> {
        search::count(self, params)
    }

    fn get_message(&self, params: &GetMessageParams) -> Result<MessageDto, ApiError> {
        messages::get_message(self, params)
    }

    fn get_thread(&self, params: &GetThreadParams) -> Result<Vec<SummaryDto>, ApiError> {
        messages::get_thread(self, params)
    }

    fn list_tags(&self) -> Result<Vec<TagCountDto>, ApiError> {
        tags::list_tags(self)
    }

    fn explain(&self, params: &ExplainParams) -> Result<ExplanationDto, ApiError> {
        explain::explain(self, params)
    }

    fn tag(&self, params: &TagParams) -> Result<TagResultDto, ApiError> {
        tags::tag(self, params)
    }

    fn set_flags(&self, params: &SetFlagsParams) -> Result<FlagsResultDto, ApiError> {
        tags::set_flags(self, params)
    }

    fn list_accounts(&self) -> Result<Vec<AccountDto>, ApiError> {
        let config = crate::config::Config::load(&self.home.config_path())?;
        list_accounts(&self.home, &config)
    }

    fn erase(&self, params: &EraseParams) -> Result<EraseResultDto, ApiError> {
        erase::erase(self, params)
    }

    fn apply_retention(&self, params: &RetentionParams) -> Result<RetentionResultDto, ApiError> {
        retention::apply_retention(self, params)
    }

    fn export(&self, params: &ExportParams) -> Result<ExportResultDto, ApiError> {
        export::export(self, params, &|_| {})
    }
}
