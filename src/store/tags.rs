//! Tags, and the flags that notmuch users type as tags.

use rusqlite::params;

use super::{Store, StoreError, TagOrigin, origins};
use crate::model::{FlagTag, Flags, MessageId};

/// Tags to add and remove. Flag tags ([`FlagTag`]) change the message's
/// flags, they are not stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagChange {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl Store {
    /// Applies `change` to `ids` in one transaction, as the user's change.
    /// Returns the messages that changed.
    #[cfg(test)]
    pub fn apply_tags(
        &mut self,
        ids: &[MessageId],
        change: &TagChange,
    ) -> Result<Vec<MessageId>, StoreError> {
        self.apply_tags_from(ids, change, &TagOrigin::User)
    }

    /// Applies `change` to `ids` in one transaction, recording `origin` for
    /// the tags it adds, and returns the messages that changed. A user's
    /// change marks every added tag the user's (also one the message
    /// had already); another origin is recorded for tags it newly sets.
    /// Removed tags lose their origin.
    pub fn apply_tags_from(
        &mut self,
        ids: &[MessageId],
        change: &TagChange,
        origin: &TagOrigin,
    ) -> Result<Vec<MessageId>, StoreError> {
        let (tx, seq) = super::write::begin_write(&mut self.conn)?;
        let mut changed = Vec::new();
        {
            let mut add =
                tx.prepare_cached("INSERT OR IGNORE INTO tags (message_id, tag) VALUES (?1, ?2)")?;
            let mut remove =
                tx.prepare_cached("DELETE FROM tags WHERE message_id = ?1 AND tag = ?2")?;
            let mut flags_of = tx.prepare_cached("SELECT flags FROM messages WHERE id = ?1")?;
            let mut set_flags =
                tx.prepare_cached("UPDATE messages SET flags = ?2 WHERE id = ?1")?;
            let mut bump =
                tx.prepare_cached("UPDATE messages SET change_seq = ?2 WHERE id = ?1")?;
            // Flags of messages that live on a server go back to it on the next sync.
            let mut queue = tx.prepare_cached(
                "INSERT OR REPLACE INTO pending_flags (message_id, flags, queued)
                 SELECT id, ?2, ?3 FROM messages WHERE id = ?1 AND source = 'imap'",
            )?;
            let now = chrono::Utc::now().timestamp();
            for &id in ids {
                let old = Flags::from_bits(flags_of.query_row([id.0], |row| row.get(0))?);
                let mut flags = old;
                let mut touched = false;
                for (tags, added) in [(&change.add, true), (&change.remove, false)] {
                    for tag in tags {
                        if let Some(flag_tag) = FlagTag::from_name(tag) {
                            flag_tag.set(&mut flags, added);
                            continue;
                        }
                        let statement = if added { &mut add } else { &mut remove };
                        let done = statement.execute(params![id.0, tag])? > 0;
                        touched |= done;
                        if !added {
                            origins::forget(&tx, id.0, tag)?;
                        } else if done || *origin == TagOrigin::User {
                            origins::record(&tx, id.0, tag, origin)?;
                        }
                    }
                }
                if flags != old {
                    set_flags.execute(params![id.0, flags.bits()])?;
                    queue.execute(params![id.0, flags.bits(), now])?;
                    touched = true;
                }
                if touched {
                    bump.execute(params![id.0, seq])?;
                    changed.push(id);
                }
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Every stored tag name, sorted.
    pub fn tag_names(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT tag FROM tags ORDER BY tag")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The tags a listing shows: flag tags (notmuch style) then stored tags.
pub fn display_tags(flags: Flags, tags: &[String]) -> Vec<String> {
    (FlagTag::ALL.into_iter())
        .filter(|tag| tag.is_on(flags))
        .map(|tag| tag.name().to_owned())
        .chain(tags.iter().cloned())
        .collect()
}
