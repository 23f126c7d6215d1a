//! Erasing messages for good: their rows go in one transaction (with a
//! tombstone so the index drops them too), then [`Store::scrub`] rewrites
//! the database file and empties the write-ahead log, so no page of either
//! still holds their bytes. `secure_delete` (set when the store opens)
//! already zeroes freed content; the vacuum and the truncated log leave no
//! stale copy of a page behind.

use rusqlite::params;

use super::read::id_list;
use super::{Store, StoreError};
use crate::model::{Location, MessageId};

/// Tables with one or more rows per message, keyed by `message_id`.
const MESSAGE_TABLES: [&str; 10] = [
    "raw",
    "body_text",
    "locations",
    "participants",
    "refs",
    "tags",
    "tag_origins",
    "trained",
    "pending_flags",
    "messages",
];

/// What erasing a set of messages removes (or removed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    /// Messages found in the store.
    pub messages: u64,
    /// Size of their raw mail, as received (before compression).
    pub raw_bytes: u64,
    /// Messages per account name, by name.
    pub accounts: Vec<(String, u64)>,
}

/// A message old enough that a retention period may apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aged {
    pub id: MessageId,
    /// Its date (Unix seconds): the Date header, else the time received.
    pub date: i64,
    /// Whether it carries the `flagged` flag.
    pub flagged: bool,
    /// The folders holding it.
    pub folders: Vec<String>,
}

impl Store {
    /// What [`Store::erase`] would remove for `ids` (unknown ids count for nothing).
    pub fn erasure_of(&self, ids: &[MessageId]) -> Result<Erasure, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT a.name, count(*), coalesce(sum(m.size), 0)
             FROM messages m JOIN accounts a ON a.id = m.account_id
             WHERE m.id IN (SELECT value FROM json_each(?1))
             GROUP BY a.name ORDER BY a.name",
        )?;
        let rows = stmt.query_map([id_list(ids)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        let mut erasure = Erasure::default();
        for row in rows {
            let (account, messages, bytes) = row?;
            let messages = u64::try_from(messages).unwrap_or(0);
            erasure.messages += messages;
            erasure.raw_bytes += u64::try_from(bytes).unwrap_or(0);
            erasure.accounts.push((account, messages));
        }
        Ok(erasure)
    }

    /// Deletes the messages `ids` and every row about them (raw bytes, body
    /// text, locations, participants, references, tags and where they came
    /// from, classifier training records, queued flag changes, and the
    /// user's correspondents no other message names) in one transaction,
    /// leaving tombstones for the index.
    /// Follow with [`Store::scrub`] to make the bytes unrecoverable.
    pub fn erase(&mut self, ids: &[MessageId]) -> Result<Erasure, StoreError> {
        let erasure = self.erasure_of(ids)?;
        let list = id_list(ids);
        let (tx, seq) = super::write::begin_write(&mut self.conn)?;
        tx.execute(
            "INSERT OR REPLACE INTO removed (message_id, change_seq)
             SELECT id, ?2 FROM messages WHERE id IN (SELECT value FROM json_each(?1))",
            params![list, seq],
        )?;
        for table in MESSAGE_TABLES {
            let key = if table == "messages" {
                "id"
            } else {
                "message_id"
            };
            tx.execute(
                &format!("DELETE FROM {table} WHERE {key} IN (SELECT value FROM json_each(?1))"),
                [&list],
            )?;
        }
        // The user's correspondents are derived from stored mail: an
        // address no stored message is addressed to any more goes too.
        tx.execute(
            "DELETE FROM correspondents WHERE address NOT IN
                 (SELECT address FROM participants WHERE role IN ('to', 'cc', 'bcc'))",
            [],
        )?;
        tx.commit()?;
        Ok(erasure)
    }

    /// Where the messages `ids` are stored at their sources: (account
    /// name, message, location), by account, then message.
    pub fn source_locations(
        &self,
        ids: &[MessageId],
    ) -> Result<Vec<(String, MessageId, Location)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT a.name, l.message_id, l.folder, l.remote_id
             FROM locations l JOIN messages m ON m.id = l.message_id
             JOIN accounts a ON a.id = m.account_id
             WHERE l.message_id IN (SELECT value FROM json_each(?1))
             ORDER BY a.name, l.message_id, l.folder, l.remote_id",
        )?;
        let rows = stmt.query_map([id_list(ids)], |row| {
            Ok((
                row.get(0)?,
                MessageId(row.get(1)?),
                Location {
                    folder: row.get(2)?,
                    remote_id: row.get(3)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The messages of account `name` dated before `before` (Unix seconds;
    /// the Date header, else the time received; undated ones never), with
    /// what retention needs to decide about them.
    pub fn dated_before(&self, name: &str, before: i64) -> Result<Vec<Aged>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT m.id, coalesce(m.date, m.received), m.flags,
                    (SELECT json_group_array(DISTINCT folder) FROM locations
                     WHERE message_id = m.id)
             FROM messages m JOIN accounts a ON a.id = m.account_id
             WHERE a.name = ?1 AND coalesce(m.date, m.received) < ?2
             ORDER BY coalesce(m.date, m.received), m.id",
        )?;
        let rows = stmt.query_map(params![name, before], |row| {
            let folders: String = row.get(3)?;
            Ok(Aged {
                id: MessageId(row.get(0)?),
                date: row.get(1)?,
                flagged: row.get::<_, u8>(2)? & 2 != 0,
                folders: serde_json::from_str(&folders).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The ids of every message of the account `name` (none if unknown).
    pub fn account_messages(&self, name: &str) -> Result<Vec<MessageId>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT m.id FROM messages m JOIN accounts a ON a.id = m.account_id
             WHERE a.name = ?1 ORDER BY m.id",
        )?;
        let rows = stmt.query_map([name], |row| Ok(MessageId(row.get(0)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Rewrites the database file without its free pages (`VACUUM`), then
    /// copies the write-ahead log into it and truncates the log to zero
    /// bytes, so neither file keeps a copy of deleted content. Fails if a
    /// reader in another process keeps the log in use.
    pub fn scrub(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("VACUUM")?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy != 0 {
            return Err(StoreError::Busy);
        }
        Ok(())
    }
}
