//! The [`Sink`] the pipeline gives connectors: normalizes, stores, indexes.

use std::collections::HashMap;

use async_trait::async_trait;
use inbox_connector_api::{Batch, Change, Flags, Location, Sink, SinkError, SourceKind};

use super::{Progress, Report, SyncError, indexer};
use crate::index::IndexWriter;
use crate::model::{Message, MessageId};
use crate::normalize::normalize_item;
use crate::store::{AccountId, NewMessage, Store, Write};

/// Changes per store transaction.
const BATCH_SIZE: usize = 1_000;
/// Messages between index commits during a long sync...
const INDEX_COMMIT_EVERY: u64 = 20_000;
/// ...or time, so mail becomes searchable while a first sync runs.
const INDEX_COMMIT_AFTER: std::time::Duration = std::time::Duration::from_secs(5);
/// How many skip reasons a report keeps.
const SKIP_EXAMPLES: usize = 5;

pub(super) struct PipelineSink<'a> {
    store: &'a mut Store,
    writer: &'a mut IndexWriter,
    account: AccountId,
    known: HashMap<Location, Flags>,
    progress: &'a dyn Progress,
    report: Report,
    done: u64,
    uncommitted: u64,
    last_index_commit: std::time::Instant,
}

impl<'a> PipelineSink<'a> {
    pub fn new(
        store: &'a mut Store,
        writer: &'a mut IndexWriter,
        account: AccountId,
        progress: &'a dyn Progress,
    ) -> Result<Self, SyncError> {
        let known = store.known_locations(account)?;
        Ok(PipelineSink {
            store,
            writer,
            account,
            known,
            progress,
            report: Report::default(),
            done: 0,
            uncommitted: 0,
            last_index_commit: std::time::Instant::now(),
        })
    }

    pub fn finish(self) -> Result<Report, SyncError> {
        Ok(self.report)
    }

    fn store_batch(&mut self, batch: &Batch) -> Result<(), SyncError> {
        let mut messages = normalize_all(&batch.changes).into_iter();
        let writes: Vec<Write<'_>> = batch
            .changes
            .iter()
            .map(|change| match change {
                Change::New(item) => Write::New(Box::new(NewMessage {
                    location: &item.location,
                    source: item.source,
                    raw: &item.bytes,
                    flags: item.flags,
                    received: item.received,
                    message: messages.next().unwrap_or_default(),
                })),
                Change::Flags { location, flags } => Write::Flags {
                    location,
                    flags: *flags,
                },
                Change::Gone { location } => Write::Gone { location },
            })
            .collect();
        let outcome = self
            .store
            .commit_batch(self.account, &writes, &batch.cursor.0)?;
        let mut fresh: HashMap<MessageId, &Message> = HashMap::new();
        for &(position, id) in &outcome.added {
            if let Write::New(new) = &writes[position] {
                self.report.with_warnings += u64::from(!new.message.warnings.is_empty());
                fresh.insert(id, &new.message);
            }
        }
        indexer::index_changes(self.store, self.writer, outcome.seq - 1, &fresh)?;
        self.report.imported += outcome.added.len() as u64;
        self.report.duplicates += outcome.duplicates as u64;
        self.report.flags_changed += outcome.flags_changed as u64;
        self.report.gone += outcome.gone as u64;
        self.uncommitted += batch.changes.len() as u64;
        if self.uncommitted >= INDEX_COMMIT_EVERY
            || self.last_index_commit.elapsed() >= INDEX_COMMIT_AFTER
        {
            self.last_index_commit = std::time::Instant::now();
            self.writer.commit(outcome.seq)?;
            self.uncommitted = 0;
        }
        for change in &batch.changes {
            match change {
                Change::New(item) => self.known.insert(item.location.clone(), item.flags),
                Change::Flags { location, flags } => self.known.insert(location.clone(), *flags),
                Change::Gone { location } => self.known.remove(location),
            };
        }
        Ok(())
    }
}

fn change_location(change: &Change) -> &Location {
    match change {
        Change::New(item) => &item.location,
        Change::Flags { location, .. } | Change::Gone { location } => location,
    }
}

/// Normalizes the new items of a batch, in order, on all cores.
fn normalize_all(changes: &[Change]) -> Vec<Message> {
    let raws: Vec<(SourceKind, &[u8])> = changes
        .iter()
        .filter_map(|change| match change {
            Change::New(item) => Some((item.source, item.bytes.as_slice())),
            Change::Flags { .. } | Change::Gone { .. } => None,
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = raws.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = raws
            .chunks(chunk)
            .map(|part| {
                scope.spawn(|| {
                    (part.iter())
                        .map(|&(source, raw)| normalize_item(source, raw))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[async_trait]
impl Sink for PipelineSink<'_> {
    fn batch_size(&self) -> usize {
        BATCH_SIZE
    }

    fn known(&self, location: &Location) -> Option<Flags> {
        self.known.get(location).copied()
    }

    fn known_in_folder(&self, folder: &str) -> Vec<String> {
        self.known
            .keys()
            .filter(|location| location.folder == folder)
            .map(|location| location.remote_id.clone())
            .collect()
    }

    async fn commit(&mut self, batch: Batch) -> Result<(), SinkError> {
        self.store_batch(&batch)
            .map_err(|error| SinkError(error.to_string()))?;
        self.done += batch.changes.len() as u64;
        if let Some(change) = batch.changes.last() {
            self.progress.folder(&change_location(change).folder);
        }
        self.progress.advance(self.done);
        Ok(())
    }

    fn warn(&mut self, location: &Location, message: &str) {
        tracing::info!(folder = %location.folder, item = %location.remote_id, "{message}");
        self.report.skipped += 1;
        if self.report.skipped_examples.len() < SKIP_EXAMPLES {
            self.report.skipped_examples.push(format!(
                "{}/{}: {message}",
                location.folder, location.remote_id
            ));
        }
    }
}
