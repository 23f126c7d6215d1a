//! The normalized body text of each message, kept compressed beside the
//! raw bytes so search snippets need no MIME parse. Messages stored before
//! the table existed have no row: callers normalize the raw bytes instead.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;

use rusqlite::{Transaction, params};

use super::read::id_list;
use super::{Store, StoreError};
use crate::model::MessageId;

/// Frames claiming more than this are decoded by streaming, so a damaged
/// header cannot make us allocate its claimed size up front.
const MAX_PREALLOCATED: u64 = 64 << 20;

thread_local! {
    /// One decompression context per thread, reused across calls.
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

/// Stores the body text of message `id` (inside the transaction inserting
/// it).
pub(super) fn insert(
    tx: &Transaction<'_>,
    compressor: &mut zstd::bulk::Compressor<'static>,
    id: i64,
    body: &str,
) -> Result<(), StoreError> {
    let compressed = compressor
        .compress(body.as_bytes())
        .map_err(|error| StoreError::Raw(id, error))?;
    tx.prepare_cached("INSERT INTO body_text (message_id, zstd) VALUES (?1, ?2)")?
        .execute(params![id, compressed])?;
    Ok(())
}

impl Store {
    /// The stored body texts of `ids`, in one query. Messages without one
    /// (stored by an older inbox) or whose row does not decode are left out.
    pub fn body_texts(&self, ids: &[MessageId]) -> Result<HashMap<MessageId, String>, StoreError> {
        let mut texts = HashMap::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(texts);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT message_id, zstd FROM body_text
             WHERE message_id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut rows = stmt.query([id_list(ids)])?;
        while let Some(row) = rows.next()? {
            let id = MessageId(row.get(0)?);
            let decoded = row
                .get_ref(1)?
                .as_blob()
                .map_err(io::Error::other)
                .and_then(decompress)
                .and_then(|bytes| String::from_utf8(bytes).map_err(io::Error::other));
            match decoded {
                Ok(text) => {
                    texts.insert(id, text);
                }
                Err(error) => {
                    tracing::warn!("body text of message {} is damaged: {error}", id.0);
                }
            }
        }
        Ok(texts)
    }
}

/// Decompresses one zstd frame, reusing this thread's context.
pub(super) fn decompress(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let size = match zstd::zstd_safe::get_frame_content_size(bytes) {
        Ok(Some(size)) if size <= MAX_PREALLOCATED => size as usize,
        _ => return zstd::decode_all(bytes),
    };
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let decompressor = match slot.as_mut() {
            Some(decompressor) => decompressor,
            None => slot.insert(zstd::bulk::Decompressor::new()?),
        };
        decompressor.decompress(bytes, size)
    })
}
