//! The threads that normalize, store and index a sync's batches, so the
//! connector fetches the next batch while earlier ones are written.
//!
//! Two stages, each a thread: one normalizes a batch and scores it with the
//! classifiers (on all cores), the other tags, stores and indexes the batch
//! normalized before. At most [`IN_FLIGHT`] batches are in the works:
//! [`Committer::hand_over`] waits for the oldest one's outcome before it
//! passes another on. Batches are stored in order, each in one transaction
//! with its cursor, so a crash still resumes from the last stored batch.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use inbox_connector_api::{Batch, Change, SourceKind};

use super::{SyncError, indexer};
use crate::classify::Tokenizer;
use crate::index::IndexWriter;
use crate::model::{Message, MessageId};
use crate::normalize::normalize_item;
use crate::store::{AccountId, NewMessage, Store, Write};
use crate::tagging::{Arrival, Candidate, Classifiers, Relation, Scores, Tagged, Tagger};

/// Batches handed over and not stored yet: one being stored, the next
/// being normalized meanwhile.
const IN_FLIGHT: usize = 2;

/// Messages between index commits during a long sync...
const INDEX_COMMIT_EVERY: u64 = 20_000;
/// ...or time, so mail becomes searchable while a first sync runs.
const INDEX_COMMIT_AFTER: Duration = Duration::from_secs(5);

/// What storing one batch did.
#[derive(Debug, Default)]
pub(super) struct Stored {
    /// The changes of the batch, stored or not.
    pub changes: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub flags_changed: u64,
    pub gone: u64,
    pub with_warnings: u64,
}

/// The running threads.
pub(super) struct Committer {
    batches: Option<SyncSender<Batch>>,
    outcomes: Receiver<Result<Stored, SyncError>>,
    in_flight: usize,
    normalizer: Option<JoinHandle<()>>,
    thread: Option<JoinHandle<IndexWriter>>,
}

/// A batch with its new items normalized and scored, in order.
struct Normalized {
    batch: Batch,
    messages: Vec<Message>,
    scores: Vec<Scores>,
}

impl Committer {
    /// Starts the threads; the commit thread owns `store` (a connection of
    /// its own), `tagger` and `writer` until [`Committer::finish`] gives the
    /// writer back. `account_name` is what rules see as `account:`.
    pub fn start(
        store: Store,
        writer: IndexWriter,
        account: AccountId,
        account_name: String,
        tagger: Tagger,
    ) -> Result<Committer, SyncError> {
        let (batches, inbox) = sync_channel::<Batch>(0);
        let (normalized, to_store) = sync_channel::<Normalized>(0);
        let (report, outcomes) = channel();
        let classifiers = tagger.classifiers();
        let normalizer = std::thread::Builder::new()
            .name("inbox-normalize".into())
            .spawn(move || {
                for batch in inbox {
                    if normalized.send(normalize(batch, &classifiers)).is_err() {
                        break;
                    }
                }
            })
            .map_err(SyncError::CommitThread)?;
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
                    sent_by_user: None,
                };
                for batch in to_store {
                    let outcome = work.store_batch(batch);
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
            in_flight: 0,
            normalizer: Some(normalizer),
            thread: Some(thread),
        })
    }

    /// Passes `batch` on, first waiting for the oldest batch in the works
    /// when [`IN_FLIGHT`] are. Returns the outcome of the batch waited for.
    pub fn hand_over(&mut self, batch: Batch) -> Result<Option<Stored>, SyncError> {
        let oldest = match self.in_flight >= IN_FLIGHT {
            true => Some(self.next_outcome()?),
            false => None,
        };
        let sent = self.batches.as_ref().map(|batches| batches.send(batch));
        match sent {
            Some(Ok(())) => self.in_flight += 1,
            _ => return Err(self.stopped()),
        }
        Ok(oldest)
    }

    /// The outcome of the oldest batch in the works, once stored (`None`
    /// when there is none).
    pub fn wait(&mut self) -> Result<Option<Stored>, SyncError> {
        match self.in_flight {
            0 => Ok(None),
            _ => self.next_outcome().map(Some),
        }
    }

    fn next_outcome(&mut self) -> Result<Stored, SyncError> {
        self.in_flight -= 1;
        match self.outcomes.recv() {
            Ok(Ok(stored)) => Ok(stored),
            Ok(Err(error)) => {
                // The commit thread stops at its first failure: the batches
                // handed over after that one are not stored and not reported.
                self.in_flight = 0;
                Err(error)
            }
            Err(_) => Err(self.stopped()),
        }
    }

    /// Stops the threads and gives the index writer back.
    pub fn finish(mut self) -> Result<IndexWriter, SyncError> {
        self.batches = None;
        self.join_normalizer();
        let thread = self.thread.take().ok_or_else(|| self.stopped())?;
        thread
            .join()
            .map_err(|panic| std::panic::resume_unwind(panic))
    }

    fn stopped(&mut self) -> SyncError {
        self.batches = None;
        self.in_flight = 0;
        self.join_normalizer();
        match self.thread.take().map(JoinHandle::join) {
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            _ => SyncError::CommitThread(std::io::Error::other("it stopped early")),
        }
    }

    /// Waits for the normalizing thread (its input closed), passing on
    /// its panic if it had one.
    fn join_normalizer(&mut self) {
        if let Some(Err(panic)) = self.normalizer.take().map(JoinHandle::join) {
            std::panic::resume_unwind(panic);
        }
    }
}

/// A sink dropped before [`Committer::finish`] (its sync was cancelled)
/// waits for the batches in the works, so no thread outlives the sync
/// while holding the index writer.
impl Drop for Committer {
    fn drop(&mut self) {
        self.batches = None;
        if let Some(normalizer) = self.normalizer.take() {
            let _ = normalizer.join();
        }
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
    /// See [`Work::sent_by_user`].
    sent_by_user: Option<HashSet<String>>,
}

impl Work {
    fn store_batch(&mut self, normalized: Normalized) -> Result<Stored, SyncError> {
        let Normalized {
            batch,
            messages,
            scores,
        } = normalized;
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
            changes: batch.changes.len() as u64,
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
            let relation = self.relation(message, &users)?;
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
                relation,
                scores,
            };
            let tagged = self.tagger.tags(&mut candidate, &arrival);
            if tagged.from_user {
                users.add(message);
                let id = message.message_id.clone();
                self.sent_by_user()?.extend(id);
            }
            all.push(tagged);
            in_batch.extend(message.message_id.as_deref());
        }
        Ok(all)
    }

    /// The Message-IDs of the user's messages, stored or earlier in this
    /// sync (read from the store on first use).
    fn sent_by_user(&mut self) -> Result<&mut HashSet<String>, SyncError> {
        if self.sent_by_user.is_none() {
            let stored = self.store.message_ids_sent_by(self.tagger.addresses())?;
            self.sent_by_user = Some(stored);
        }
        Ok(self.sent_by_user.get_or_insert_default())
    }

    /// The user's relation to the sender of `message`: an indexed lookup
    /// in the store, the user's messages earlier in the batch, and the
    /// Message-IDs of all the user's messages.
    fn relation(&mut self, message: &Message, users: &UsersInBatch) -> Result<Relation, SyncError> {
        let own = self.tagger.addresses();
        let Some(sender) = message.from.first().map(|person| person.address.as_str()) else {
            return Ok(Relation::default());
        };
        if own.is_empty() || own.iter().any(|mine| mine == sender) {
            return Ok(Relation::default());
        }
        let earlier = users.written_to.get(sender).copied().unwrap_or(0);
        let sent = self.sent_by_user()?;
        let replied_in_thread = (message.in_reply_to.iter())
            .chain(&message.references)
            .any(|id| sent.contains(id));
        Ok(Relation {
            wrote_to: self.store.written_to(sender)? + earlier,
            replied_in_thread,
        })
    }
}

/// Whom the user's messages earlier in a batch (not stored yet) wrote to.
#[derive(Default)]
struct UsersInBatch {
    written_to: HashMap<String, u64>,
}

impl UsersInBatch {
    fn add(&mut self, message: &Message) {
        for address in message.recipient_addresses() {
            *self.written_to.entry(address.to_owned()).or_default() += 1;
        }
    }
}

/// Normalizes the new items of a batch, in order, on all cores, and
/// scores each with the classifiers there too.
fn normalize(batch: Batch, classifiers: &Classifiers) -> Normalized {
    let raws: Vec<(SourceKind, &[u8])> = (batch.changes.iter())
        .filter_map(|change| match change {
            Change::New(item) => Some((item.source, item.bytes.as_slice())),
            Change::Flags { .. } | Change::Gone { .. } => None,
        })
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = raws.len().div_ceil(threads).max(1);
    let (messages, scores) = std::thread::scope(|scope| {
        let workers: Vec<_> = raws
            .chunks(chunk)
            .map(|part| {
                scope.spawn(|| {
                    let mut tokenizer = Tokenizer::default();
                    (part.iter())
                        .map(|&(source, raw)| {
                            let message = normalize_item(source, raw);
                            let scores = classifiers.scores(source, raw, &message, &mut tokenizer);
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
    });
    Normalized {
        batch,
        messages,
        scores,
    }
}
