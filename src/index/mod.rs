//! The tantivy index: derived from the store, rebuildable.
//!
//! It holds only what search needs: words of the text fields, keywords,
//! flags, the date, the importance score, and the message id (the only
//! value read back). Each
//! commit records the store sequence number it covers, so a restart knows
//! where to resume. The query language lives in [`query`].
//!
//! Several processes open the index (`inboxd`, the command line); one at a
//! time writes it, each writer on a view of the directory opened for it,
//! so tantivy's list of its files is current (see `files.rs`).

mod clock;
mod files;
pub mod query;
mod schema;
#[cfg(test)]
pub(crate) mod tests;
mod translate;
pub(crate) mod words;

use std::path::{Path, PathBuf};

use tantivy::collector::sort_key::SortByStaticFastValue;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::directory::error::LockError;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::{
    DocAddress, IndexBuilder, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument,
    TantivyError, Term,
};

pub use clock::Clock;
pub use query::{Query, QueryError, parse};
pub(crate) use schema::{keyword_analyzer, query_words, tokens, words_analyzer};

use crate::model::{FlagTag, Flags, Message, MessageId, Participant, SourceKind, ThreadId};
use query::Flag;
use schema::Fields;
use translate::Translator;

/// Memory the writer may fill before it writes a segment, shared by its threads.
const WRITER_MEMORY: usize = 100_000_000;
/// Indexing threads of the writer.
const WRITER_THREADS: usize = 2;
/// Segments below this many documents count as one size for merging...
const SMALL_SEGMENT_DOCS: u32 = 100_000;
/// ...and are merged as soon as this many of them exist. Each commit of
/// the writer adds a segment per thread; a search pays for every segment,
/// so an import ends in one or two segments instead of tantivy's up to
/// seven, for some merging while it runs.
const MERGE_SMALL_SEGMENTS_AT: usize = 3;
/// Tries at starting a writer while commits of other processes keep
/// changing the index between its opening and its lock.
const WRITER_ATTEMPTS: usize = 5;

/// How documents are made, recorded with each commit beside the store
/// sequence number. An index of another format is rebuilt from the store.
/// `words-2`: whole mail addresses are words too (see [`words`]);
/// `words-3`: HTML bodies read by an HTML5 tokenizer, every named character
/// reference decoded, the text of `title` left out.
const FORMAT: &str = "words-3";

/// Failures of the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Dir(#[from] crate::home::HomeError),
    #[error("cannot open the index at {path}: {source}; rebuild it with `inbox reindex`")]
    Open { path: PathBuf, source: TantivyError },
    #[error(
        "the index at {0} was built by another version of inbox; rebuild it with `inbox reindex`"
    )]
    Incompatible(PathBuf),
    #[error(
        "another process is writing the index (is inboxd running?); stop it or wait, then retry"
    )]
    Locked,
    #[error(
        "cannot remove unused files of the index at {path}: {detail}; make sure the directory and its files are yours and writable, then retry"
    )]
    Files { path: PathBuf, detail: String },
    #[error("the index records {0:?} as its last sequence number; rebuild it with `inbox reindex`")]
    BadSeq(String),
    #[error("index operation failed: {0}")]
    Tantivy(#[from] TantivyError),
}

/// How search results are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// By date, newest first; undated messages last.
    NewestFirst,
    /// By date, oldest first; undated messages last.
    OldestFirst,
    /// Best text match first.
    Relevance,
    /// Highest importance score first; equal scores newest first.
    Importance,
}

/// What the index learns about one message.
#[derive(Clone, Copy, Debug)]
pub struct IndexDoc<'a> {
    pub id: MessageId,
    pub thread: ThreadId,
    pub account: &'a str,
    pub source: SourceKind,
    pub folders: &'a [String],
    pub flags: Flags,
    pub tags: &'a [String],
    /// When the message arrived (Unix seconds); its date when it has none.
    pub received: Option<i64>,
    /// Its importance score, 0 to 1 (0 until computed).
    pub importance: f64,
    pub message: &'a Message,
}

/// An open index with one reader; searches see the commits up to the last [`Index::reload`].
pub struct Index {
    dir: PathBuf,
    index: tantivy::Index,
    reader: IndexReader,
    fields: Fields,
    clock: Clock,
}

impl Index {
    /// Opens the index in `dir`, creating the directory and an empty index
    /// if missing; refuses a symbolic link in the directory's place.
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        crate::home::own_dir(dir)?;
        let (index, fields) = open_tantivy(dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|source| IndexError::Open {
                path: dir.to_owned(),
                source,
            })?;
        Ok(Index {
            dir: dir.to_owned(),
            index,
            reader,
            fields,
            clock: Clock::Local,
        })
    }

    /// Sets the clock that `date:` values resolve against (the local clock by default).
    #[cfg(test)]
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Starts the one writer; fails with [`IndexError::Locked`] while
    /// another exists (in any process). It starts by deleting the files the
    /// last commit does not use.
    pub fn writer(&self) -> Result<IndexWriter, IndexError> {
        self.writer_with(true)
    }

    /// A writer that merges segments only when told ([`IndexWriter::compact`]),
    /// so no background merge holds a segment that must be rewritten.
    pub fn erasing_writer(&self) -> Result<IndexWriter, IndexError> {
        self.writer_with(false)
    }

    /// Deletes every file the last commit does not use, as each writer does
    /// when it starts; while another writer holds the index, that writer
    /// has done so.
    pub fn remove_unused_files(&self) -> Result<(), IndexError> {
        match self.writer_with(false) {
            Ok(writer) => writer.finish(),
            Err(IndexError::Locked) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// How many documents the index holds, as of the last reload.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn writer_with(&self, background_merges: bool) -> Result<IndexWriter, IndexError> {
        let writer = self.locked_writer()?;
        files::remove_unused(writer.index(), &self.dir)?;
        if background_merges {
            let mut policy = LogMergePolicy::default();
            policy.set_min_layer_size(SMALL_SEGMENT_DOCS);
            policy.set_min_num_segments(MERGE_SMALL_SEGMENTS_AT);
            writer.set_merge_policy(Box::new(policy));
        } else {
            writer.set_merge_policy(Box::new(NoMergePolicy));
        }
        Ok(IndexWriter {
            writer,
            fields: self.fields.clone(),
            dir: self.dir.clone(),
        })
    }

    /// tantivy's writer on the index as it is on disk now: a view of the
    /// directory opened for this writer alone, whose list of tantivy's
    /// files is the current one (the reader's view keeps the list it
    /// loaded at [`Index::open`], which commits of other processes change).
    fn locked_writer(&self) -> Result<tantivy::IndexWriter<TantivyDocument>, IndexError> {
        for _ in 0..WRITER_ATTEMPTS {
            let (index, _) = open_tantivy(&self.dir)?;
            let writer = index
                .writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY)
                .map_err(|error| match error {
                    TantivyError::LockFailure(LockError::LockBusy, _) => IndexError::Locked,
                    error => IndexError::Tantivy(error),
                })?;
            if files::fresh_list(&index, &self.dir)? {
                return Ok(writer);
            }
            // Another process committed between the opening and the lock.
        }
        Err(IndexError::Locked)
    }

    /// The ids of the messages matching `query`, in `sort` order, skipping
    /// the first `offset` and returning at most `limit`.
    pub fn search(
        &self,
        query: &Query,
        sort: Sort,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<MessageId>, IndexError> {
        Ok(self.search_page(query, sort, limit, offset, false)?.1)
    }

    /// [`Index::search`] and [`Index::count`] in one pass over the matches:
    /// how many match, and the page's ids.
    pub fn count_and_search(
        &self,
        query: &Query,
        sort: Sort,
        limit: usize,
        offset: usize,
    ) -> Result<(usize, Vec<MessageId>), IndexError> {
        self.search_page(query, sort, limit, offset, true)
    }

    /// One page of matches, and with `counting` their number (else 0).
    fn search_page(
        &self,
        query: &Query,
        sort: Sort,
        limit: usize,
        offset: usize,
        counting: bool,
    ) -> Result<(usize, Vec<MessageId>), IndexError> {
        let searcher = self.reader.searcher();
        let query = self.translate(query);
        let total = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if limit == 0 || offset >= total {
            let count = match counting {
                true => searcher.search(&query, &Count)?,
                false => 0,
            };
            return Ok((count, Vec::new()));
        }
        let top = TopDocs::with_limit(limit.min(total - offset)).and_offset(offset);
        let count = counting.then_some(Count);
        let (count, addresses): (Option<usize>, Vec<DocAddress>) = match sort {
            Sort::NewestFirst | Sort::OldestFirst => {
                let order = if sort == Sort::NewestFirst {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let by_date = top.order_by_fast_field::<i64>(schema::DATE, order);
                let (count, hits) = searcher.search(&query, &(count, by_date))?;
                (
                    count,
                    hits.into_iter().map(|(_, address)| address).collect(),
                )
            }
            Sort::Relevance => {
                let (count, hits) = searcher.search(&query, &(count, top.order_by_score()))?;
                (
                    count,
                    hits.into_iter().map(|(_, address)| address).collect(),
                )
            }
            Sort::Importance => {
                let by_importance = top.order_by((
                    (
                        SortByStaticFastValue::<f64>::for_field(schema::IMPORTANCE),
                        Order::Desc,
                    ),
                    (
                        SortByStaticFastValue::<i64>::for_field(schema::DATE),
                        Order::Desc,
                    ),
                ));
                let (count, hits) = searcher.search(&query, &(count, by_importance))?;
                (
                    count,
                    hits.into_iter().map(|(_, address)| address).collect(),
                )
            }
        };
        Ok((count.unwrap_or(0), message_ids(&searcher, &addresses)?))
    }

    /// How many messages match `query`.
    pub fn count(&self, query: &Query) -> Result<usize, IndexError> {
        let searcher = self.reader.searcher();
        Ok(searcher.search(&self.translate(query), &Count)?)
    }

    /// The store sequence number saved by the last commit, if any; 0 when
    /// that commit was of another format, whose documents are all to be
    /// written again.
    pub fn indexed_seq(&self) -> Result<Option<i64>, IndexError> {
        let Some(payload) = self.index.load_metas()?.payload else {
            return Ok(None);
        };
        let (seq, format) = payload.split_once(' ').unwrap_or((&payload, ""));
        let seq: i64 = seq
            .parse()
            .map_err(|_| IndexError::BadSeq(payload.clone()))?;
        Ok(Some(if format == FORMAT { seq } else { 0 }))
    }

    /// Makes searches see the latest commit.
    pub fn reload(&self) -> Result<(), IndexError> {
        Ok(self.reader.reload()?)
    }

    fn translate(&self, query: &Query) -> Box<dyn tantivy::query::Query> {
        Translator::new(&self.fields, self.clock).translate(query)
    }
}

/// Opens the tantivy index in `dir` (an existing directory) with our
/// schema and word splitters, creating it when empty.
fn open_tantivy(dir: &Path) -> Result<(tantivy::Index, Fields), IndexError> {
    let open_error = |source| IndexError::Open {
        path: dir.to_owned(),
        source,
    };
    let directory = MmapDirectory::open(dir).map_err(|error| open_error(error.into()))?;
    let (schema, fields) = Fields::build();
    let index = IndexBuilder::new()
        .schema(schema)
        .tokenizers(schema::tokenizers())
        .open_or_create(directory)
        .map_err(|error| match error {
            TantivyError::SchemaError(_) => IndexError::Incompatible(dir.to_owned()),
            error => open_error(error),
        })?;
    Ok((index, fields))
}

/// Reads the message id of each hit from the `id` fast field.
fn message_ids(searcher: &Searcher, hits: &[DocAddress]) -> Result<Vec<MessageId>, IndexError> {
    let mut columns = vec![None; searcher.segment_readers().len()];
    let mut ids = Vec::with_capacity(hits.len());
    for hit in hits {
        let slot = &mut columns[hit.segment_ord as usize];
        if slot.is_none() {
            let column = searcher
                .segment_reader(hit.segment_ord)
                .fast_fields()
                .i64(schema::ID)?;
            *slot = Some(column);
        }
        if let Some(id) = slot.as_ref().and_then(|column| column.first(hit.doc_id)) {
            ids.push(MessageId(id));
        }
    }
    Ok(ids)
}

/// The one writer of an index. Changes become visible to searches after
/// [`IndexWriter::commit`] and [`Index::reload`].
pub struct IndexWriter {
    writer: tantivy::IndexWriter<TantivyDocument>,
    fields: Fields,
    dir: PathBuf,
}

impl IndexWriter {
    /// Adds the message, replacing any document with the same id.
    pub fn upsert(&mut self, doc: &IndexDoc) -> Result<(), IndexError> {
        self.delete(doc.id);
        self.add(doc)
    }

    /// Adds a message the index has never seen (cheaper than [`Self::upsert`]).
    pub fn add(&mut self, doc: &IndexDoc) -> Result<(), IndexError> {
        self.writer.add_document(self.document(doc))?;
        Ok(())
    }

    /// Removes the message's document, if any.
    pub fn delete(&mut self, id: MessageId) {
        self.writer
            .delete_term(Term::from_field_i64(self.fields.id, id.0));
    }

    /// Removes every document (before a full rebuild).
    pub fn clear(&mut self) -> Result<(), IndexError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    /// Makes the changes durable, recording that they cover the store up to `seq`.
    pub fn commit(&mut self, seq: i64) -> Result<(), IndexError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&format!("{seq} {FORMAT}"));
        prepared.commit()?;
        Ok(())
    }

    /// Rewrites every segment that holds deleted documents into one without
    /// them, deletes every file the last commit does not use, and releases
    /// the writer: afterwards no file of the index holds the text of a
    /// deleted document. Commit first; uncommitted changes are dropped.
    pub fn compact(mut self) -> Result<(), IndexError> {
        let with_deletes: Vec<_> = self
            .writer
            .index()
            .searchable_segment_metas()?
            .iter()
            .filter(|meta| meta.has_deletes())
            .map(|meta| meta.id())
            .collect();
        if !with_deletes.is_empty() {
            self.writer.merge(&with_deletes).wait()?;
        }
        self.writer.garbage_collect_files().wait()?;
        files::remove_unused(self.writer.index(), &self.dir)?;
        self.finish()
    }

    /// Waits for background segment merges to finish, then releases the writer.
    /// Uncommitted changes are dropped.
    pub fn finish(self) -> Result<(), IndexError> {
        Ok(self.writer.wait_merging_threads()?)
    }

    fn document(&self, doc: &IndexDoc) -> TantivyDocument {
        let fields = &self.fields;
        let message = doc.message;
        let mut document = TantivyDocument::new();
        document.add_i64(fields.id, doc.id.0);
        document.add_i64(fields.thread, doc.thread.0);
        if let Some(date) = message.date.or(doc.received) {
            document.add_i64(fields.date, date);
        }
        document.add_f64(fields.importance, doc.importance);
        for participant in &message.from {
            document.add_text(fields.from, participant_text(participant));
        }
        for participant in message.to.iter().chain(&message.cc).chain(&message.bcc) {
            document.add_text(fields.to, participant_text(participant));
        }
        for participant in &message.cc {
            document.add_text(fields.cc, participant_text(participant));
        }
        if let Some(subject) = &message.subject {
            document.add_text(fields.subject, subject);
        }
        document.add_text(fields.body, &message.body);
        for tag in doc.tags {
            document.add_text(fields.tag, tag);
        }
        for flag in flags_of(doc.flags, !message.attachments.is_empty()) {
            document.add_text(fields.flag, flag.as_str());
        }
        document.add_text(fields.account, doc.account);
        for folder in doc.folders {
            document.add_text(fields.folder, folder);
        }
        document.add_text(fields.source, doc.source.as_str());
        if let Some(message_id) = &message.message_id {
            document.add_text(fields.message_id, message_id);
        }
        document
    }
}

/// Name and address, searched together.
pub(crate) fn participant_text(participant: &Participant) -> String {
    match &participant.name {
        Some(name) => format!("{name} {}", participant.address),
        None => participant.address.clone(),
    }
}

/// The flags indexed for a message: `seen` or `unread`, and the others it has.
fn flags_of(flags: Flags, has_attachments: bool) -> Vec<Flag> {
    let seen = flags.seen.then_some(Flag::Seen);
    let tags = (FlagTag::ALL.into_iter())
        .filter(|tag| tag.is_on(flags))
        .map(Flag::from);
    let attachment = has_attachments.then_some(Flag::Attachment);
    seen.into_iter().chain(tags).chain(attachment).collect()
}
