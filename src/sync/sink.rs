//! The [`Sink`] the pipeline gives connectors: answers what is stored, and
//! hands batches to the commit thread (module `committer`), which normalizes,
//! stores and indexes them.

use std::cell::RefCell;
use std::collections::HashMap;

use async_trait::async_trait;
use inbox_connector_api::{Batch, Change, Flags, Location, Sink, SinkError};

use super::committer::{Committer, Stored};
use super::{Progress, Report, SyncError};
use crate::index::IndexWriter;
use crate::store::{AccountId, Store, StoreError};
use crate::tagging::Tagger;

/// Changes per store transaction.
const BATCH_SIZE: usize = 1_000;
/// How many skip reasons a report keeps.
const SKIP_EXAMPLES: usize = 5;

pub(super) struct PipelineSink<'a> {
    /// The caller's connection: only reads what is known.
    store: &'a mut Store,
    committer: Committer,
    account: AccountId,
    known: KnownLocations,
    progress: &'a dyn Progress,
    report: Report,
    /// Items stored.
    done: u64,
    /// What the source said each folder is for, recorded at the end.
    roles: Vec<(String, Option<String>)>,
}

/// A finished sink: what it did, the index writer back, and the failure of
/// the last batch, if it failed (earlier failures reached the connector).
pub(super) struct Finished {
    pub report: Report,
    pub writer: IndexWriter,
    pub failure: Option<SyncError>,
}

impl<'a> PipelineSink<'a> {
    pub fn new(
        store: &'a mut Store,
        writer: IndexWriter,
        account: AccountId,
        account_name: &str,
        tagger: Tagger,
        progress: &'a dyn Progress,
    ) -> Result<Self, SyncError> {
        let committer = Committer::start(
            store.reopen()?,
            writer,
            account,
            account_name.to_owned(),
            tagger,
        )?;
        Ok(PipelineSink {
            store,
            committer,
            account,
            known: KnownLocations::default(),
            progress,
            report: Report::default(),
            done: 0,
            roles: Vec::new(),
        })
    }

    /// Waits for the batches in the works and stops the commit threads.
    pub fn finish(mut self) -> Result<Finished, SyncError> {
        let failure = loop {
            match self.committer.wait() {
                Ok(Some(stored)) => self.count(Some(stored)),
                Ok(None) => break None,
                Err(error) => break Some(error),
            }
        };
        let writer = self.committer.finish()?;
        if !self.roles.is_empty() {
            self.store.set_folder_roles(self.account, &self.roles)?;
        }
        Ok(Finished {
            report: self.report,
            writer,
            failure,
        })
    }

    fn count(&mut self, stored: Option<Stored>) {
        let Some(stored) = stored else { return };
        self.report.imported += stored.imported;
        self.report.duplicates += stored.duplicates;
        self.report.flags_changed += stored.flags_changed;
        self.report.gone += stored.gone;
        self.report.with_warnings += stored.with_warnings;
        self.done += stored.changes;
        self.progress.advance(self.done);
    }
}

/// What the store holds of the account, read one folder at a time when a
/// connector first asks about it (a sync that skips unchanged folders never
/// loads them), then kept up to date with each batch handed over.
#[derive(Default)]
struct KnownLocations {
    folders: RefCell<HashMap<String, HashMap<String, Flags>>>,
    /// The last batch handed over, which may not be stored yet: laid over a
    /// folder read from the store meanwhile. `None` flags: gone.
    in_flight: Vec<(Location, Option<Flags>)>,
    /// A store read that failed; the next commit reports it. Until then the
    /// folder looks empty, which costs refetching, never a duplicate (the
    /// store deduplicates by content).
    failure: RefCell<Option<StoreError>>,
}

impl KnownLocations {
    fn with_folder<T: Default>(
        &self,
        store: &Store,
        account: AccountId,
        folder: &str,
        read: impl FnOnce(&HashMap<String, Flags>) -> T,
    ) -> T {
        let mut folders = self.folders.borrow_mut();
        if !folders.contains_key(folder) {
            match store.known_in_folder(account, folder) {
                Ok(mut loaded) => {
                    for (location, flags) in &self.in_flight {
                        if location.folder == folder {
                            update(&mut loaded, &location.remote_id, *flags);
                        }
                    }
                    folders.insert(folder.to_owned(), loaded);
                }
                Err(error) => {
                    self.fail(error);
                    return T::default();
                }
            };
        }
        folders.get(folder).map(read).unwrap_or_default()
    }

    fn count(&self, store: &Store, account: AccountId, folder: &str) -> usize {
        let loaded = self.folders.borrow().get(folder).map(HashMap::len);
        if let Some(count) = loaded {
            return count;
        }
        if self
            .in_flight
            .iter()
            .any(|(location, _)| location.folder == folder)
        {
            return self.with_folder(store, account, folder, HashMap::len);
        }
        store
            .count_in_folder(account, folder)
            .unwrap_or_else(|error| {
                self.fail(error);
                0
            })
    }

    /// Records a batch being handed over.
    fn apply(&mut self, changes: &[Change]) {
        self.in_flight = changes
            .iter()
            .map(|change| match change {
                Change::New(item) => (item.location.clone(), Some(item.flags)),
                Change::Flags { location, flags } => (location.clone(), Some(*flags)),
                Change::Gone { location } => (location.clone(), None),
            })
            .collect();
        let folders = self.folders.get_mut();
        for (location, flags) in &self.in_flight {
            if let Some(folder) = folders.get_mut(&location.folder) {
                update(folder, &location.remote_id, *flags);
            }
        }
    }

    fn fail(&self, error: StoreError) {
        self.failure.borrow_mut().get_or_insert(error);
    }
}

fn update(folder: &mut HashMap<String, Flags>, remote_id: &str, flags: Option<Flags>) {
    match flags {
        Some(flags) => folder.insert(remote_id.to_owned(), flags),
        None => folder.remove(remote_id),
    };
}

fn change_location(change: &Change) -> &Location {
    match change {
        Change::New(item) => &item.location,
        Change::Flags { location, .. } | Change::Gone { location } => location,
    }
}

#[async_trait]
impl Sink for PipelineSink<'_> {
    fn batch_size(&self) -> usize {
        BATCH_SIZE
    }

    fn known(&self, location: &Location) -> Option<Flags> {
        self.known
            .with_folder(self.store, self.account, &location.folder, |folder| {
                folder.get(&location.remote_id).copied()
            })
    }

    fn known_in_folder(&self, folder: &str) -> Vec<String> {
        self.known
            .with_folder(self.store, self.account, folder, |folder| {
                folder.keys().cloned().collect()
            })
    }

    fn count_in_folder(&self, folder: &str) -> usize {
        self.known.count(self.store, self.account, folder)
    }

    async fn commit(&mut self, batch: Batch) -> Result<(), SinkError> {
        if let Some(error) = self.known.failure.take() {
            return Err(SinkError(error.to_string()));
        }
        self.known.apply(&batch.changes);
        if let Some(change) = batch.changes.last() {
            self.progress.folder(&change_location(change).folder);
        }
        let previous = self
            .committer
            .hand_over(batch)
            .map_err(|error| SinkError(error.to_string()))?;
        self.count(previous);
        Ok(())
    }

    fn folder_role(&mut self, folder: &str, role: Option<&str>) {
        self.roles
            .push((folder.to_owned(), role.map(str::to_owned)));
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
