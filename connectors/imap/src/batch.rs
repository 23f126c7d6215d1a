//! Groups changes into the sink's batches, each with the cursor that holds once it is stored.

use inbox_connector_api::{Batch, Change, ConnectorError, Cursor, Sink};

use crate::cursor::SyncState;

/// Pending changes plus the sync state they lead to.
///
/// Callers update [`Batcher::state`] for an item *before* pushing its
/// change, so a flushed batch always carries a cursor that covers exactly
/// the changes stored so far.
pub struct Batcher<'a> {
    sink: &'a mut dyn Sink,
    pending: Vec<Change>,
    pub state: SyncState,
    committed: Cursor,
}

impl<'a> Batcher<'a> {
    /// A batcher starting from `state`, the one `committed` holds.
    pub fn new(sink: &'a mut dyn Sink, state: SyncState, committed: Cursor) -> Batcher<'a> {
        Batcher {
            sink,
            pending: Vec::new(),
            state,
            committed,
        }
    }

    /// The sink, to ask what it holds.
    pub fn sink(&self) -> &dyn Sink {
        &*self.sink
    }

    /// Reports an item that was skipped.
    pub fn warn(&mut self, location: &inbox_connector_api::Location, message: &str) {
        self.sink.warn(location, message);
    }

    /// Queues `change`, committing a batch once it is full.
    pub async fn push(&mut self, change: Change) -> Result<(), ConnectorError> {
        self.pending.push(change);
        if self.pending.len() >= self.sink.batch_size().max(1) {
            self.flush().await?;
        }
        Ok(())
    }

    /// Commits what is pending, or only the cursor when it moved; returns the final state.
    pub async fn finish(mut self) -> Result<SyncState, ConnectorError> {
        if !self.pending.is_empty() || self.state.to_cursor() != self.committed {
            self.flush().await?;
        }
        Ok(self.state)
    }

    async fn flush(&mut self) -> Result<(), ConnectorError> {
        let cursor = self.state.to_cursor();
        let batch = Batch {
            changes: std::mem::take(&mut self.pending),
            cursor: cursor.clone(),
        };
        self.sink.commit(batch).await?;
        self.committed = cursor;
        Ok(())
    }
}
