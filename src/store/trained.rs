//! Which messages each classifier model was trained with, and as which
//! class (table `trained`), so that re-tagging a message can untrain it
//! from its old class; and the mail a spam model learns from the store,
//! with what the servers mark each folder for (table `folder_roles`).

use rusqlite::{OptionalExtension, params};

use super::{AccountId, Store, StoreError};
use crate::model::MessageId;

impl Store {
    /// Messages with a location in a folder its server marks `role` (see
    /// [`Store::set_folder_roles`]), or whose last name part is one of
    /// `names` (compared case-insensitively; parts split at `/` and `.`).
    pub fn in_folders_for(&self, role: &str, names: &[&str]) -> Result<Vec<MessageId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT l.account_id, l.folder, r.role = ?1 FROM locations l
             LEFT JOIN folder_roles r ON r.account_id = l.account_id AND r.folder = l.folder",
        )?;
        let folders: Vec<(i64, String, Option<bool>)> = stmt
            .query_map([role], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut ids = Vec::new();
        let mut members = self.conn.prepare_cached(
            "SELECT message_id FROM locations WHERE account_id = ?1 AND folder = ?2",
        )?;
        for (account, folder, has_role) in folders {
            let last = folder.rsplit(['/', '.']).next().unwrap_or(&folder);
            let named = names.iter().any(|name| name.eq_ignore_ascii_case(last));
            if named || has_role == Some(true) {
                let rows = members
                    .query_map(params![account, folder], |row| Ok(MessageId(row.get(0)?)))?;
                for row in rows {
                    ids.push(row?);
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Records what each of `roles`' folders of `account` is for (`None`:
    /// nothing marked), as its server says.
    pub fn set_folder_roles(
        &mut self,
        account: AccountId,
        roles: &[(String, Option<String>)],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for (folder, role) in roles {
            match role {
                Some(role) => tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO folder_roles (account_id, folder, role)
                         VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![account.0, folder, role])?,
                None => tx
                    .prepare_cached(
                        "DELETE FROM folder_roles WHERE account_id = ?1 AND folder = ?2",
                    )?
                    .execute(params![account.0, folder])?,
            };
        }
        tx.commit()?;
        Ok(())
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
