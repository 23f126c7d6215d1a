//! Keeps the index in step with the store, by change sequence number.

use std::collections::HashMap;

use super::{Progress, SyncError};
use crate::index::{Index, IndexDoc, IndexWriter};
use crate::model::{Message, MessageId};
use crate::normalize::normalize_item;
use crate::store::{Store, Summary};

/// Messages read from the store per step.
const PAGE: usize = 1_000;

/// Indexes every message changed after `since_seq`. Messages in `fresh` were
/// just stored for the first time and normalized; the others are normalized
/// again from their raw bytes and replace their old document.
/// Returns how many documents were written (not yet committed).
pub(super) fn index_changes(
    store: &Store,
    writer: &mut IndexWriter,
    since_seq: i64,
    fresh: &HashMap<MessageId, &Message>,
) -> Result<u64, SyncError> {
    index_pages(store, writer, since_seq, fresh, &())
}

/// Brings an index that fell behind the store (a crash between their
/// commits, a tag change, a removal) up to date, and commits it.
pub fn catch_up_index(
    store: &Store,
    writer: &mut IndexWriter,
    indexed_seq: i64,
) -> Result<u64, SyncError> {
    let latest = store.change_seq()?;
    if latest <= indexed_seq {
        return Ok(0);
    }
    if indexed_seq == 0 {
        // A new index, or one of an older format: every document anew.
        tracing::info!("indexing every stored message");
        writer.clear()?;
    } else {
        // Deletions first: a removed message's id may since belong to a new one.
        for id in store.removed_since(indexed_seq)? {
            writer.delete(id);
        }
    }
    let written = index_pages(store, writer, indexed_seq, &HashMap::new(), &())?;
    writer.commit(latest)?;
    Ok(written)
}

/// Rebuilds the whole index from the store; afterwards the index directory
/// holds only the files of the new commit.
pub fn reindex(store: &Store, index: &Index, progress: &dyn Progress) -> Result<u64, SyncError> {
    let latest = store.change_seq()?;
    let mut writer = index.writer()?;
    writer.clear()?;
    let written = index_pages(store, &mut writer, 0, &HashMap::new(), progress)?;
    writer.commit(latest)?;
    writer.finish()?;
    index.remove_unused_files()?;
    index.reload()?;
    Ok(written)
}

fn index_pages(
    store: &Store,
    writer: &mut IndexWriter,
    since_seq: i64,
    fresh: &HashMap<MessageId, &Message>,
    progress: &dyn Progress,
) -> Result<u64, SyncError> {
    let mut after = MessageId(0);
    let mut written = 0;
    loop {
        let page = store.changed_since(since_seq, after, PAGE)?;
        let Some(last) = page.last() else {
            return Ok(written);
        };
        after = last.id;
        for summary in &page {
            match fresh.get(&summary.id) {
                Some(message) => writer.add(&document(summary, message))?,
                None => {
                    let raw = store.raw(summary.id)?.unwrap_or_default();
                    let message = normalize_item(summary.source, &raw);
                    writer.upsert(&document(summary, &message))?;
                }
            }
            written += 1;
        }
        progress.advance(written);
    }
}

fn document<'a>(summary: &'a Summary, message: &'a Message) -> IndexDoc<'a> {
    IndexDoc {
        id: summary.id,
        thread: summary.thread,
        account: &summary.account,
        source: summary.source,
        folders: &summary.folders,
        flags: summary.flags,
        tags: &summary.tags,
        received: summary.received,
        importance: summary.importance.unwrap_or(0.0),
        message,
    }
}
