//! The SQLite store: the source of truth.
//!
//! Holds every message's raw bytes (zstd-compressed), its normalized fields,
//! where it lives in its account ([`Location`]s), tags, threads and each
//! account's sync cursor. The index is derived from it.
//!
//! Every write bumps a change sequence number (`change_seq`) on the rows it
//! touches; the index records the last sequence it saw, so an index that fell
//! behind (a crash between the two commits) is caught up from the store.

mod body_text;
mod erase;
mod importance;
mod migrations;
mod origins;
mod outbox;
mod read;
mod remove;
mod tags;
mod threads;
mod trained;
mod write;

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

pub use erase::{Aged, Erasure};
pub use importance::{Importance, StoredParties};
pub use migrations::latest_version;
pub use origins::TagOrigin;
pub use outbox::PendingFlags;
pub use read::{Stats, Summary};
pub use tags::{TagChange, display_tags};
pub use write::{BatchOutcome, NewMessage, Write};

use crate::home::{open_options, open_own};
use crate::model::{Flags, Location};

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("cannot create the store file {path}: {source}")]
    Create {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the store was written by a newer inbox (schema {found}, this build knows {supported}); upgrade inbox"
    )]
    TooNew { found: usize, supported: usize },
    #[error("raw bytes of message {0} are damaged: {1}")]
    Raw(i64, std::io::Error),
    #[error("cannot start the zstd compressor: {0}")]
    Compressor(std::io::Error),
    #[error(
        "another program is reading the store, so its log could not be emptied; close it (or stop inboxd) and run the command again"
    )]
    Busy,
    #[error(
        "account {name:?} is a {holds} account, not {wanted}; choose another name with --account"
    )]
    AccountKind {
        name: String,
        holds: String,
        wanted: String,
    },
}

/// A `(folder, remote_id, flags)` row of `locations`.
fn location_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(Location, Flags)> {
    Ok((
        Location {
            folder: row.get(0)?,
            remote_id: row.get(1)?,
        },
        Flags::from_bits(row.get(2)?),
    ))
}

/// A store's account id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(pub i64);

/// One open store. Writers serialize on SQLite's lock; readers never wait (WAL).
pub struct Store {
    conn: Connection,
    /// Compresses raw message bytes; kept to reuse its context.
    compressor: zstd::bulk::Compressor<'static>,
}

/// zstd level for raw bytes: fast enough to keep import I/O-bound, ~4x on mail.
const RAW_COMPRESSION_LEVEL: i32 = 3;
/// Prepared statements kept per connection (the write path uses about 20).
const STATEMENT_CACHE: usize = 64;

/// Page cache of a read-only connection, in KiB: the pages a few pages of
/// results touch (rows, tags, folders) stay cached between searches, and
/// the daemon's few read connections stay within its memory budget.
const READ_CACHE_KIB: i64 = 4000;

impl Store {
    /// Opens (creating if needed, file mode 0600) and migrates the store at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        create_private_file(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;
             PRAGMA cache_size = -32000;
             PRAGMA wal_autocheckpoint = 4000;",
        )?;
        migrations::migrate(&mut conn)?;
        Store::with_connection(conn)
    }

    /// Another read-write connection to the same store file, for a thread
    /// of its own.
    pub fn reopen(&self) -> Result<Store, StoreError> {
        match self.conn.path().filter(|path| !path.is_empty()) {
            Some(path) => Store::open(Path::new(path)),
            None => Err(StoreError::Sql(rusqlite::Error::InvalidPath(
                "an in-memory store has no file to reopen".into(),
            ))),
        }
    }

    fn with_connection(conn: Connection) -> Result<Store, StoreError> {
        // Cheap: zstd allocates its working memory on the first compression.
        let compressor =
            zstd::bulk::Compressor::new(RAW_COMPRESSION_LEVEL).map_err(StoreError::Compressor)?;
        Ok(Store { conn, compressor })
    }

    /// Opens the store for reading only: what searches use. Closing a
    /// read-only connection leaves the WAL alone, so a search never writes.
    /// Falls back to [`Store::open`] when the store does not exist yet (or
    /// is not a plain file, which it refuses) or needs a migration.
    pub fn open_for_reading(path: &Path) -> Result<Store, StoreError> {
        if !std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_file()) {
            return Store::open(path);
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        conn.pragma_update(None, "cache_size", -READ_CACHE_KIB)?;
        let version: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version != latest_version() {
            drop(conn);
            return Store::open(path);
        }
        Store::with_connection(conn)
    }

    /// The account named `name`, created with `kind` (`local`, `imap`, `x`)
    /// if it does not exist yet. An existing account must be of the same kind.
    pub fn ensure_account(&self, name: &str, kind: &str) -> Result<AccountId, StoreError> {
        if let Some((id, holds)) = self.find_account(name)? {
            if holds != kind {
                return Err(StoreError::AccountKind {
                    name: name.to_owned(),
                    holds,
                    wanted: kind.to_owned(),
                });
            }
            return Ok(id);
        }
        self.conn.execute(
            "INSERT INTO accounts (name, kind) VALUES (?1, ?2)",
            (name, kind),
        )?;
        Ok(AccountId(self.conn.last_insert_rowid()))
    }

    /// The account named `name` and its kind.
    pub fn find_account(&self, name: &str) -> Result<Option<(AccountId, String)>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT id, kind FROM accounts WHERE name = ?1",
                [name],
                |row| Ok((AccountId(row.get(0)?), row.get(1)?)),
            )
            .optional()?)
    }

    /// Every stored location of an account with its flags: what a connector may skip.
    #[cfg(test)]
    pub fn known_locations(
        &self,
        account: AccountId,
    ) -> Result<std::collections::HashMap<Location, Flags>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT folder, remote_id, flags FROM locations WHERE account_id = ?1")?;
        let rows = stmt.query_map([account.0], location_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remote id -> flags of every location of `account` in `folder`.
    pub fn known_in_folder(
        &self,
        account: AccountId,
        folder: &str,
    ) -> Result<std::collections::HashMap<String, Flags>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT remote_id, flags FROM locations WHERE account_id = ?1 AND folder = ?2",
        )?;
        let rows = stmt.query_map(rusqlite::params![account.0, folder], |row| {
            Ok((row.get(0)?, Flags::from_bits(row.get(1)?)))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many locations `account` has in `folder`.
    pub fn count_in_folder(&self, account: AccountId, folder: &str) -> Result<usize, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM locations WHERE account_id = ?1 AND folder = ?2",
            rusqlite::params![account.0, folder],
            |row| row.get(0),
        )?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The account's saved sync cursor (empty before the first sync).
    pub fn cursor(&self, account: AccountId) -> Result<String, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM cursors WHERE account_id = ?1",
                [account.0],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or_default())
    }

    /// The highest change sequence number written so far.
    pub fn change_seq(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT change_seq FROM sequence")?
            .query_row([], |row| row.get(0))?)
    }
}

/// Creates `path` with mode 0600 if it does not exist, so SQLite (and its
/// `-wal`/`-shm` files, which copy the mode) never expose mail to other users.
/// A symbolic link in its place is refused, here and by SQLite.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let created = open_own(
        open_options()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600),
        path,
    );
    created.map(drop).map_err(|source| StoreError::Create {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests;
