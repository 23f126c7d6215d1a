//! Flag changes made here (read, flagged, ...) waiting to be pushed to the
//! server the message lives on. Queued by [`Store::apply_tags_from`],
//! dropped when pushed or when the server changed the message too (the
//! server wins).

use rusqlite::params;

use super::{AccountId, Store, StoreError};
use crate::model::{Flags, Location, MessageId};

/// One message whose flags should be pushed to each of its locations.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingFlags {
    pub message: MessageId,
    /// The flags the user set.
    pub flags: Flags,
    /// Where the message lives on the server.
    pub locations: Vec<Location>,
}

impl Store {
    /// The account's queued flag changes, oldest first.
    pub fn pending_flags(&self, account: AccountId) -> Result<Vec<PendingFlags>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.message_id, p.flags, l.folder, l.remote_id
             FROM pending_flags p JOIN locations l ON l.message_id = p.message_id
             WHERE l.account_id = ?1 ORDER BY p.queued, p.message_id, l.folder, l.remote_id",
        )?;
        let rows = stmt.query_map([account.0], |row| {
            Ok((
                MessageId(row.get(0)?),
                Flags::from_bits(row.get(1)?),
                Location {
                    folder: row.get(2)?,
                    remote_id: row.get(3)?,
                },
            ))
        })?;
        let mut pending: Vec<PendingFlags> = Vec::new();
        for row in rows {
            let (message, flags, location) = row?;
            match pending.last_mut() {
                Some(last) if last.message == message => last.locations.push(location),
                _ => pending.push(PendingFlags {
                    message,
                    flags,
                    locations: vec![location],
                }),
            }
        }
        Ok(pending)
    }

    /// Records that `pending` reached the server at `applied` (its other
    /// locations were refused, e.g. changed there meanwhile): those
    /// locations now hold the flags, and the change leaves the queue unless
    /// the user changed the flags again meanwhile.
    pub fn flags_pushed(
        &mut self,
        account: AccountId,
        pending: &PendingFlags,
        applied: &[&Location],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut set = tx.prepare_cached(
                "UPDATE locations SET flags = ?4
                 WHERE account_id = ?1 AND folder = ?2 AND remote_id = ?3",
            )?;
            for location in applied {
                set.execute(params![
                    account.0,
                    location.folder,
                    location.remote_id,
                    pending.flags.bits()
                ])?;
            }
            tx.prepare_cached("DELETE FROM pending_flags WHERE message_id = ?1 AND flags = ?2")?
                .execute(params![pending.message.0, pending.flags.bits()])?;
        }
        tx.commit()?;
        Ok(())
    }
}
