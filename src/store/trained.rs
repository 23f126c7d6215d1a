//! Which messages each classifier model was trained with, and as which
//! class (table `trained`), so that re-tagging a message can untrain it
//! from its old class; and the mail a spam model learns from the store.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::model::MessageId;

impl Store {
    /// Messages with a location in a folder whose last name part is one of
    /// `names` (compared case-insensitively; parts split at `/` and `.`).
    pub fn in_folders_named(&self, names: &[&str]) -> Result<Vec<MessageId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT folder FROM locations")?;
        let folders: Vec<String> = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut ids = Vec::new();
        let mut members = self.conn.prepare_cached(
            "SELECT DISTINCT message_id FROM locations WHERE folder = ?1 ORDER BY message_id",
        )?;
        for folder in folders {
            let last = folder.rsplit(['/', '.']).next().unwrap_or(&folder);
            if names.iter().any(|name| name.eq_ignore_ascii_case(last)) {
                let rows = members.query_map([&folder], |row| Ok(MessageId(row.get(0)?)))?;
                for row in rows {
                    ids.push(row?);
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// As which class (`true`: positive) message `id` was trained into the
    /// classifier model `model`, if it was.
    pub fn trained_as(&self, id: MessageId, model: &str) -> Result<Option<bool>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT positive FROM trained WHERE message_id = ?1 AND model = ?2")?
            .query_row(params![id.0, model], |row| row.get(0))
            .optional()?)
    }

    /// Records that `model` now holds each message as the class given, in
    /// one transaction.
    pub fn set_trained(
        &mut self,
        model: &str,
        trained: &[(MessageId, bool)],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO trained (message_id, model, positive)
                 SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1)",
            )?;
            for (id, positive) in trained {
                insert.execute(params![id.0, model, positive])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets every training record of `model` (it is trained anew).
    pub fn forget_trained(&mut self, model: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM trained WHERE model = ?1", [model])?;
        Ok(())
    }
}
