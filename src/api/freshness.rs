//! Keeps the index reader current: catches the index up when it fell behind
//! the store, and reloads the reader when a commit (of this process or
//! another) is newer than what it loaded.
//!
//! Every index commit follows a store change, so while the store's change
//! sequence number stays where it was when the reader was last found
//! current, a call checks nothing else (one cached SQLite statement).

use std::sync::atomic::Ordering;

use super::{Api, ApiError};
use crate::index::IndexError;
use crate::store::Store;
use crate::sync::catch_up_index;

impl Api {
    /// Makes searches see everything `store` holds; when a writer of this
    /// process is busy (a sync) or another process holds the index writer,
    /// searches what is indexed, without waiting.
    pub(super) fn catch_up(&self, store: &Store) -> Result<(), ApiError> {
        let seq = store.change_seq()?;
        if self.current_seq.load(Ordering::Acquire) == seq {
            return Ok(());
        }
        let indexed = match self.writes.try_lock() {
            Ok(_turn) => self.catch_up_writing(store)?,
            Err(_) => self.reload_if_newer()?,
        };
        if indexed >= seq {
            self.current_seq.store(seq, Ordering::Release);
        }
        Ok(())
    }

    /// [`Api::catch_up`] for a caller that holds the writer's turn; returns
    /// the sequence number the reader now covers.
    pub(super) fn catch_up_writing(&self, store: &Store) -> Result<i64, ApiError> {
        let indexed = self.index.indexed_seq()?.unwrap_or(0);
        if indexed < store.change_seq()? {
            match self.index.writer() {
                Ok(mut writer) => {
                    catch_up_index(store, &mut writer, indexed)?;
                    writer.finish()?;
                }
                Err(IndexError::Locked) => {
                    tracing::warn!("the index is behind the store and another process writes it");
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.reload_if_newer()
    }

    /// Reloads the reader when the index on disk has a newer commit;
    /// returns the sequence number the reader covers.
    pub(super) fn reload_if_newer(&self) -> Result<i64, ApiError> {
        let indexed = self.index.indexed_seq()?.unwrap_or(0);
        if self.reader_seq.load(Ordering::Acquire) != indexed {
            self.index.reload()?;
            self.reader_seq.store(indexed, Ordering::Release);
        }
        Ok(indexed)
    }
}
