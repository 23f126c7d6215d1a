//! The thread that normalizes, stores and indexes a sync's batches, so the
//! connector fetches the next batch while the previous one is written.
//!
//! At most one batch is in the works: [`Committer::hand_over`] waits for the
//! previous batch's outcome before it passes the next one on. Batches are
//! stored in order, each in one transaction with its cursor, so a crash
//! still resumes from the last stored batch.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use inbox_connector_api::{Batch, Change, SourceKind};

use super::{SyncError, indexer};
use crate::index::IndexWriter;
use crate::model::{Message, MessageId};
use crate::normalize::normalize_item;
use crate::store::{AccountId, NewMessage, Store, Write};
use crate::tagging::{Arrival, Candidate, Relation, Scores, Tagged, Tagger};

/// Messages between index commits during a long sync...
const INDEX_COMMIT_EVERY: u64 = 20_000;
/// ...or time, so mail becomes searchable while a first sync runs.
const INDEX_COMMIT_AFTER: Duration = Duration::from_secs(5);

/// What storing one batch did.
#[derive(Debug, Default)]
pub(super) struct Stored {
    pub imported: u64,
    pub duplicates: u64,
    pub flags_changed: u64,
    pub gone: u64,
    pub with_warnings: u64,
}

/// A running commit thread.
pub(super) struct Committer {
    batches: Option<SyncSender<Batch>>,
    outcomes: Receiver<Result<Stored, SyncError>>,
    in_flight: bool,
    thread: Option<JoinHandle<IndexWriter>>,
}

impl Committer {
    /// Starts the thread; it owns `store` (a connection of its own),
    /// `tagger` and `writer` until [`Committer::finish`] gives the writer
    /// back. `account_name` is what rules see as `account:`.
    pub fn start(
        store: Store,
        writer: IndexWriter,
        account: AccountId,
        account_name: String,
        tagger: Tagger,
    ) -> Result<Committer, SyncError> {
        let (batches, inbox) = sync_channel::<Batch>(0);
        let (report, outcomes) = channel();
        let thread = std::thread::Builder::new()
            .name("inbox-commit".into())
            .spawn(move || {
                let mut work = Work {
                    store,
                    writer,
                    account,
                    account_name,
                    tagger,
                    uncommitted: 0,
                    last_index_commit: Instant::now(),
                };
                for batch in inbox {
                    let outcome = work.store_batch(&batch);
                    let failed = outcome.is_err();
                    if report.send(outcome).is_err() || failed {
                        break;
                    }
                }
                work.writer
            })
            .map_err(SyncError::CommitThread)?;
        Ok(Committer {
            batches: Some(batches),
            outcomes,
            in_flight: false,
            thread: Some(thread),
        })
    }

    /// Waits for the batch in the works, if any, then passes `batch` on.
    /// Returns the outcome of the batch waited for.
    pub fn hand_over(&mut self, batch: Batch) -> Result<Option<Stored>, SyncError> {
        let previous = self.wait()?;
        let sent = self.batches.as_ref().map(|batches| batches.send(batch));
        match sent {
            Some(Ok(())) => self.in_flight = true,
            _ => return Err(self.stopped()),
        }
        Ok(previous)
    }

    /// The outcome of the batch in the works, once stored (`None` when
    /// there is none).
    pub fn wait(&mut self) -> Result<Option<Stored>, SyncError> {
        if !std::mem::take(&mut self.in_flight) {
            return Ok(None);
        }
        match self.outcomes.recv() {
            Ok(outcome) => outcome.map(Some),
            Err(_) => Err(self.stopped()),
        }
    }

    /// Stops the thread and gives the index writer back.
    pub fn finish(mut self) -> Result<IndexWriter, SyncError> {
        self.batches = None;
        let thread = self.thread.take().ok_or_else(|| self.stopped())?;
        thread
            .join()
            .map_err(|panic| std::panic::resume_unwind(panic))
    }

    fn stopped(&mut self) -> SyncError {
        self.batches = None;
        match self.thread.take().map(JoinHandle::join) {
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            _ => SyncError::CommitThread(std::io::Error::other("it stopped early")),
        }
    }
}

/// A sink dropped before [`Committer::finish`] (its sync was cancelled)
/// waits for the batch in the works, so the thread never outlives the sync
/// while holding the index writer.
impl Drop for Committer {
    fn drop(&mut self) {
        self.batches = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread's side.
struct Work {
    store: Store,
    writer: IndexWriter,
    account: AccountId,
    account_name: String,
    tagger: Tagger,
    uncommitted: u64,
    last_index_commit: Instant,
}

impl Work {
    fn store_batch(&mut self, batch: &Batch) -> Result<Stored, SyncError> {
        let (messages, scores) = normalize_all(&batch.changes, &self.tagger);
        let mut tagged = self.tag_all(&batch.changes, &messages, scores)?.into_iter();
        let mut messages = messages.into_iter();
        let writes: Vec<Write<'_>> = batch
            .changes
            .iter()
            .map(|change| match change {
                Change::New(item) => {
                    let tagged = tagged.next().unwrap_or_default();
                    Write::New(Box::new(NewMessage {
                        location: &item.location,
                        source: item.source,
                        raw: &item.bytes,
                        flags: item.flags,
                        received: item.received,
                        message: messages.next().unwrap_or_default(),
                        tags: tagged.tags,
                        importance: Some(tagged.importance),
                        from_user: tagged.from_user,
                    }))
                }
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
        let mut stored = Stored {
            imported: outcome.added.len() as u64,
            duplicates: outcome.duplicates as u64,
            flags_changed: outcome.flags_changed as u64,
            gone: outcome.gone as u64,
            with_warnings: 0,
        };
        let mut fresh: HashMap<MessageId, &Message> = HashMap::new();
        for &(position, id) in &outcome.added {
            if let Write::New(new) = &writes[position] {
                stored.with_warnings += u64::from(!new.message.warnings.is_empty());
                fresh.insert(id, &new.message);
            }
        }
        indexer::index_changes(&self.store, &mut self.writer, outcome.seq - 1, &fresh)?;
        self.uncommitted += batch.changes.len() as u64;
        if self.uncommitted >= INDEX_COMMIT_EVERY
            || self.last_index_commit.elapsed() >= INDEX_COMMIT_AFTER
        {
            self.last_index_commit = Instant::now();
            self.writer.commit(outcome.seq)?;
            self.uncommitted = 0;
        }
        Ok(stored)
    }
}

impl Work {
    /// The tags and importance of each new item (`messages` are their
    /// normalized forms, in order). A reply's parent, and a message of the
    /// user's that tells who the user wrote to, may be stored or earlier in
    /// the batch.
    fn tag_all(
        &mut self,
        changes: &[Change],
        messages: &[Message],
        scores: Vec<Scores>,
    ) -> Result<Vec<Tagged>, SyncError> {
        let items = changes.iter().filter_map(|change| match change {
            Change::New(item) => Some(item),
            Change::Flags { .. } | Change::Gone { .. } => None,
        });
        let mut in_batch: HashSet<&str> = HashSet::new();
        let mut users = UsersInBatch::default();
        let mut all = Vec::with_capacity(messages.len());
        for ((item, message), scores) in items.zip(messages).zip(scores) {
            let mut parent_stored = false;
            for parent in &message.in_reply_to {
                if in_batch.contains(parent.as_str()) || self.store.has_message_id(parent)? {
                    parent_stored = true;
                    break;
                }
            }
            let folders = std::slice::from_ref(&item.location.folder);
            let mut candidate = Candidate::new(
                message,
                &self.account_name,
                item.source,
                folders,
                item.flags,
                item.received,
            );
            let arrival = Arrival {
                raw: &item.bytes,
                parent_stored,
                relation: self.relation(message, &users)?,
                scores,
            };
            let tagged = self.tagger.tags(&mut candidate, &arrival);
            if tagged.from_user {
                users.add(message);
            }
            all.push(tagged);
            in_batch.extend(message.message_id.as_deref());
        }
        Ok(all)
    }

    /// The user's relation to the sender of `message`: indexed lookups in
    /// the store, plus the user's messages earlier in the batch.
    fn relation(&self, message: &Message, users: &UsersInBatch) -> Result<Relation, SyncError> {
        let own = self.tagger.addresses();
        let Some(sender) = message.from.first().map(|person| person.address.as_str()) else {
            return Ok(Relation::default());
        };
        if own.is_empty() || own.iter().any(|mine| mine == sender) {
            return Ok(Relation::default());
        }
        let earlier = users.written_to.get(sender).copied().unwrap_or(0);
        let references: Vec<String> = (message.in_reply_to.iter())
            .chain(&message.references)
            .cloned()
            .collect();
        let replied_in_thread = references.iter().any(|id| users.message_ids.contains(id))
            || self.store.user_wrote_any(&references, own)?;
        Ok(Relation {
            wrote_to: self.store.written_to(sender)? + earlier,
            replied_in_thread,
        })
    }
}

/// The user's messages earlier in a batch (not stored yet): whom they
/// wrote to, and their Message-IDs.
#[derive(Default)]
struct UsersInBatch {
    written_to: HashMap<String, u64>,
    message_ids: HashSet<String>,
}

impl UsersInBatch {
    fn add(&mut self, message: &Message) {
        let mut recipients: Vec<&str> = (message.to.iter().chain(&message.cc).chain(&message.bcc))
            .map(|person| person.address.as_str())
            .collect();
        recipients.sort_unstable();
        recipients.dedup();
        for address in recipients {
            *self.written_to.entry(address.to_owned()).or_default() += 1;
        }
        self.message_ids.extend(message.message_id.clone());
    }
}

/// Normalizes the new items of a batch, in order, on all cores, and
/// scores each with the tagger's classifiers there too.
fn normalize_all(changes: &[Change], tagger: &Tagger) -> (Vec<Message>, Vec<Scores>) {
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
                        .map(|&(source, raw)| {
                            let message = normalize_item(source, raw);
                            let scores = tagger.scores(source, raw, &message);
                            (message, scores)
                        })
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
            .unzip()
    })
}
