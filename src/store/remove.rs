//! Removing messages: rows go, a tombstone (id and change sequence number)
//! stays so the index drops the documents too, even after a crash between
//! the store's commit and the index's.

use rusqlite::params;

use super::{Store, StoreError};
use crate::model::MessageId;

impl Store {
    /// Deletes the account `name` and everything stored for it (messages,
    /// raw bytes, locations, tags, cursor) in one transaction. Returns how
    /// many messages went; `None` if there is no such account.
    pub fn remove_account(&mut self, name: &str) -> Result<Option<u64>, StoreError> {
        let Some((account, _)) = self.find_account(name)? else {
            return Ok(None);
        };
        let (tx, seq) = super::write::begin_write(&mut self.conn)?;
        let removed = tx.execute(
            "INSERT OR REPLACE INTO removed (message_id, change_seq)
             SELECT id, ?2 FROM messages WHERE account_id = ?1",
            params![account.0, seq],
        )?;
        tx.execute("DELETE FROM accounts WHERE id = ?1", [account.0])?;
        tx.commit()?;
        Ok(Some(removed as u64))
    }

    /// Messages removed after change `since_seq`, for the index to delete.
    pub fn removed_since(&self, since_seq: i64) -> Result<Vec<MessageId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT message_id FROM removed WHERE change_seq > ?1")?;
        let rows = stmt.query_map([since_seq], |row| Ok(MessageId(row.get(0)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
