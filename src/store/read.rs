//! Reads: message summaries, raw bytes, what the index needs, statistics.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::model::{Flags, Location, MessageId, SourceKind, ThreadId};

/// What a listing shows of a message; everything but the body.
#[derive(Clone, Debug)]
pub struct Summary {
    pub id: MessageId,
    pub thread: ThreadId,
    pub account: String,
    pub source: SourceKind,
    pub message_id: Option<String>,
    pub date: Option<i64>,
    pub received: Option<i64>,
    /// First From participant, as `Name <address>`.
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub flags: Flags,
    /// User tags, sorted.
    pub tags: Vec<String>,
    /// Folders holding the message, sorted.
    pub folders: Vec<String>,
    pub attachments: u32,
    /// Raw size in bytes.
    pub size: u64,
    /// Problems met when the message was read.
    pub warnings: Vec<String>,
    /// Its importance score (see `tagging::importance`), once computed.
    pub importance: Option<f64>,
    /// The start of its body text, as a message list shows it (`None` for
    /// messages stored before previews were kept).
    pub preview: Option<String>,
}

/// Counts for `inbox stats`.
#[derive(Debug, Default)]
pub struct Stats {
    pub messages: u64,
    pub threads: u64,
    /// Sum of raw message sizes.
    pub raw_bytes: u64,
    /// (account, kind, messages)
    pub accounts: Vec<(String, String, u64)>,
    /// (account, folder, locations)
    pub folders: Vec<(String, String, u64)>,
    /// (tag, messages)
    pub tags: Vec<(String, u64)>,
    /// Messages stored with reading problems.
    pub with_warnings: u64,
}

const SUMMARY_COLUMNS: &str =
    "m.id, m.thread_id, a.name, m.source, m.message_id, m.date, m.received,
    m.sender, m.subject, m.flags, m.attachments, m.size, m.warnings, m.importance, m.preview,
    m.tag_list, m.folder_list";

impl Store {
    /// The summaries of `ids`, in the same order; unknown ids are left out.
    /// One query whatever the number of ids.
    pub fn summaries(&self, ids: &[MessageId]) -> Result<Vec<Summary>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = id_list(ids);
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM messages m JOIN accounts a ON a.id = m.account_id
             WHERE m.id IN (SELECT value FROM json_each(?1))"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut found: HashMap<i64, Summary> = stmt
            .query_map([&wanted], summary_row)?
            .map(|row| row.map(|summary| (summary.id.0, summary)))
            .collect::<Result<_, _>>()?;
        let mut ordered = Vec::with_capacity(found.len());
        for id in ids {
            // A repeated id takes a copy of the summary already placed.
            match found.remove(&id.0) {
                Some(summary) => ordered.push(summary),
                None => {
                    if let Some(earlier) = ordered.iter().find(|s: &&Summary| s.id == *id) {
                        ordered.push(earlier.clone());
                    }
                }
            }
        }
        Ok(ordered)
    }

    /// One message's summary.
    pub fn summary(&self, id: MessageId) -> Result<Option<Summary>, StoreError> {
        Ok(self.summaries(&[id])?.pop())
    }

    /// Whether a message with this Message-ID (without angle brackets) is stored.
    pub fn has_message_id(&self, message_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM messages WHERE message_id = ?1 LIMIT 1")?
            .exists([message_id])?)
    }

    /// The message's bytes exactly as the source delivered them.
    pub fn raw(&self, id: MessageId) -> Result<Option<Vec<u8>>, StoreError> {
        let compressed: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT zstd FROM raw WHERE message_id = ?1")?
            .query_row([id.0], |row| row.get(0))
            .optional()?;
        compressed
            .map(|bytes| {
                super::body_text::decompress(&bytes).map_err(|error| StoreError::Raw(id.0, error))
            })
            .transpose()
    }

    /// Up to `limit` summaries of messages changed after `since_seq`, with
    /// ids above `after`, by id: what the index has not seen yet.
    pub fn changed_since(
        &self,
        since_seq: i64,
        after: MessageId,
        limit: usize,
    ) -> Result<Vec<Summary>, StoreError> {
        // A full rebuild walks the table by id; catching up reads the few
        // recent changes through the change_seq index.
        let index = if since_seq == 0 {
            ""
        } else {
            "INDEXED BY messages_change_seq"
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM messages m {index} JOIN accounts a ON a.id = m.account_id
             WHERE m.change_seq > ?1 AND m.id > ?2 ORDER BY m.id LIMIT ?3"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let summaries = stmt
            .query_map(params![since_seq, after.0, limit], summary_row)?
            .collect::<Result<_, _>>()?;
        Ok(summaries)
    }

    /// The messages of a thread, oldest first.
    pub fn thread(&self, thread: ThreadId) -> Result<Vec<MessageId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM messages WHERE thread_id = ?1 ORDER BY coalesce(date, received), id",
        )?;
        let rows = stmt.query_map([thread.0], |row| Ok(MessageId(row.get(0)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Where message `id` lives at its source, with the flags seen there.
    pub fn locations(&self, id: MessageId) -> Result<Vec<(Location, Flags)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT folder, remote_id, flags FROM locations WHERE message_id = ?1
             ORDER BY folder, remote_id",
        )?;
        let rows = stmt.query_map([id.0], super::location_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Counts of messages, threads, accounts, folders and tags.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let (messages, threads, raw_bytes, with_warnings) = self.conn.query_row(
            "SELECT count(*), count(DISTINCT thread_id), coalesce(sum(size), 0),
                    count(warnings) FROM messages",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
        Ok(Stats {
            messages,
            threads,
            raw_bytes,
            with_warnings,
            accounts: self.rows(
                "SELECT a.name, a.kind, count(m.id) FROM accounts a
                 LEFT JOIN messages m ON m.account_id = a.id GROUP BY a.id ORDER BY a.name",
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )?,
            folders: self.rows(
                "SELECT a.name, l.folder, count(*) FROM locations l
                 JOIN accounts a ON a.id = l.account_id GROUP BY a.name, l.folder
                 ORDER BY a.name, l.folder",
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )?,
            tags: self.rows(
                "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag",
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?,
        })
    }

    fn rows<T>(
        &self,
        sql: &str,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let mut stmt = self.conn.prepare(sql)?;
        let rows = stmt.query_map([], map)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// `ids` as a JSON array, for `json_each`.
pub(super) fn id_list(ids: &[MessageId]) -> String {
    let mut list = String::with_capacity(ids.len() * 8 + 2);
    list.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        list.push_str(&id.0.to_string());
    }
    list.push(']');
    list
}

/// A message's tags or folders, kept in its row as a JSON array in any
/// order (see the migrations), sorted and without repeats.
fn name_list(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(column)?;
    let mut names: Vec<String> = serde_json::from_str(&text).map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, error.into())
    })?;
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

fn summary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    let source: String = row.get(3)?;
    let warnings: Option<String> = row.get(12)?;
    Ok(Summary {
        id: MessageId(row.get(0)?),
        thread: ThreadId(row.get(1)?),
        account: row.get(2)?,
        source: SourceKind::parse(&source).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("unknown source kind {source:?}").into(),
            )
        })?,
        message_id: row.get(4)?,
        date: row.get(5)?,
        received: row.get(6)?,
        sender: row.get(7)?,
        subject: row.get(8)?,
        flags: Flags::from_bits(row.get(9)?),
        tags: name_list(row, 15)?,
        folders: name_list(row, 16)?,
        attachments: row.get(10)?,
        size: row.get(11)?,
        warnings: warnings
            .map(|w| w.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        importance: row.get(13)?,
        preview: row.get(14)?,
    })
}
