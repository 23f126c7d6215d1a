//! What the importance score is computed from and where it is kept: the
//! addresses the user wrote to (table `correspondents`, kept up to date as
//! the user's messages are stored), whether the user wrote a message a new
//! one refers to, and each message's score with its reasons (columns of
//! `messages`). The formula itself is `tagging::importance`.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::{Store, StoreError};
use crate::model::{Message, MessageId};

/// A message's importance: a score from 0 to 1 and why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Importance {
    pub score: f64,
    /// What raised or lowered the score, one phrase each.
    pub reasons: Vec<String>,
}

/// What the importance of a stored message is computed from, read back.
#[derive(Debug)]
pub struct StoredParties {
    pub id: MessageId,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// In-Reply-To and References ids.
    pub refs: Vec<String>,
    pub tags: Vec<String>,
}

/// Counts the recipients of a message the user wrote as correspondents.
pub(super) fn record_correspondents(
    conn: &Connection,
    message: &Message,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO correspondents (address, messages) VALUES (?1, 1)
         ON CONFLICT (address) DO UPDATE SET messages = messages + 1",
    )?;
    for address in message.recipient_addresses() {
        stmt.execute([address])?;
    }
    Ok(())
}

/// Sets a message's score and reasons.
pub(super) fn record(
    conn: &Connection,
    id: i64,
    importance: &Importance,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE messages SET importance = ?2, importance_reasons = ?3 WHERE id = ?1",
    )?
    .execute(params![id, importance.score, importance.reasons.join("\n")])?;
    Ok(())
}

impl Store {
    /// How many stored messages of the user's were addressed to `address`
    /// (lowercase): one primary-key lookup.
    pub fn written_to(&self, address: &str) -> Result<u64, StoreError> {
        let count: Option<i64> = self
            .conn
            .prepare_cached("SELECT messages FROM correspondents WHERE address = ?1")?
            .query_row([address], |row| row.get(0))
            .optional()?;
        Ok(count
            .and_then(|count| u64::try_from(count).ok())
            .unwrap_or(0))
    }

    /// The Message-IDs of the stored messages sent from one of `own`
    /// (lowercase addresses), to tell replies to the user's mail.
    pub fn message_ids_sent_by(&self, own: &[String]) -> Result<HashSet<String>, StoreError> {
        if own.is_empty() {
            return Ok(HashSet::new());
        }
        let own = serde_json::to_string(own).unwrap_or_else(|_| "[]".into());
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT m.message_id FROM messages m JOIN participants p
               ON p.message_id = m.id AND p.role = 'from'
             WHERE p.address IN (SELECT value FROM json_each(?1))
               AND m.message_id IS NOT NULL",
        )?;
        let ids = stmt.query_map([own], |row| row.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// The stored importance of message `id` (`None` until computed).
    pub fn importance(&self, id: MessageId) -> Result<Option<Importance>, StoreError> {
        let row: Option<(Option<f64>, Option<String>)> = self
            .conn
            .prepare_cached("SELECT importance, importance_reasons FROM messages WHERE id = ?1")?
            .query_row([id.0], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(score, reasons)| {
            Some(Importance {
                score: score?,
                reasons: (reasons.unwrap_or_default().lines())
                    .map(str::to_owned)
                    .collect(),
            })
        }))
    }

    /// Refills `correspondents` from the stored messages sent from one of
    /// `own` (lowercase addresses), in one transaction.
    pub fn rebuild_correspondents(&mut self, own: &[String]) -> Result<u64, StoreError> {
        let own = serde_json::to_string(own).unwrap_or_else(|_| "[]".into());
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM correspondents", [])?;
        let written = tx.execute(
            "INSERT INTO correspondents (address, messages)
             SELECT r.address, count(DISTINCT r.message_id) FROM participants r
             WHERE r.role IN ('to', 'cc', 'bcc') AND r.message_id IN (
                 SELECT message_id FROM participants
                 WHERE role = 'from' AND address IN (SELECT value FROM json_each(?1)))
             GROUP BY r.address",
            [own],
        )?;
        tx.commit()?;
        Ok(u64::try_from(written).unwrap_or(0))
    }

    /// Up to `limit` messages with ids above `after`, by id, with their
    /// participants, references and tags: what their importance is
    /// computed from.
    pub fn parties_after(
        &self,
        after: MessageId,
        limit: usize,
    ) -> Result<Vec<StoredParties>, StoreError> {
        let mut ids = self
            .conn
            .prepare_cached("SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let ids: Vec<i64> = ids
            .query_map(params![after.0, limit], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
            return Ok(Vec::new());
        };
        let mut page: Vec<StoredParties> = (ids.iter())
            .map(|&id| StoredParties {
                id: MessageId(id),
                from: Vec::new(),
                to: Vec::new(),
                cc: Vec::new(),
                refs: Vec::new(),
                tags: Vec::new(),
            })
            .collect();
        let slot = |id: i64| ids.binary_search(&id).ok();
        let mut people = self.conn.prepare_cached(
            "SELECT message_id, role, address FROM participants
             WHERE message_id BETWEEN ?1 AND ?2 ORDER BY message_id, role, position",
        )?;
        let mut rows = people.query([first, last])?;
        while let Some(row) = rows.next()? {
            let Some(at) = slot(row.get(0)?) else {
                continue;
            };
            let role: String = row.get(1)?;
            let list = match role.as_str() {
                "from" => &mut page[at].from,
                "to" => &mut page[at].to,
                "cc" => &mut page[at].cc,
                _ => continue,
            };
            list.push(row.get(2)?);
        }
        for (sql, refs) in [
            (
                "SELECT message_id, ref FROM refs WHERE message_id BETWEEN ?1 AND ?2",
                true,
            ),
            (
                "SELECT message_id, tag FROM tags WHERE message_id BETWEEN ?1 AND ?2",
                false,
            ),
        ] {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let mut rows = stmt.query([first, last])?;
            while let Some(row) = rows.next()? {
                let Some(at) = slot(row.get(0)?) else {
                    continue;
                };
                let list = if refs {
                    &mut page[at].refs
                } else {
                    &mut page[at].tags
                };
                list.push(row.get(1)?);
            }
        }
        Ok(page)
    }

    /// Stores new scores in one transaction; a message whose score changed
    /// gets a new change sequence number, so the index picks it up.
    /// Returns how many scores changed.
    pub fn set_importance(
        &mut self,
        scores: &[(MessageId, Importance)],
    ) -> Result<u64, StoreError> {
        let (tx, seq) = super::write::begin_write(&mut self.conn)?;
        let mut changed = 0;
        {
            let mut old = tx.prepare_cached("SELECT importance FROM messages WHERE id = ?1")?;
            let mut bump =
                tx.prepare_cached("UPDATE messages SET change_seq = ?2 WHERE id = ?1")?;
            for (id, importance) in scores {
                let before: Option<Option<f64>> =
                    old.query_row([id.0], |row| row.get(0)).optional()?;
                let Some(before) = before else { continue };
                record(&tx, id.0, importance)?;
                if before != Some(importance.score) {
                    bump.execute(params![id.0, seq])?;
                    changed += 1;
                }
            }
        }
        tx.commit()?;
        Ok(changed)
    }
}
