//! Batched writes: one transaction per batch, deduplicated, cursor included.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::{AccountId, Importance, Store, StoreError, TagOrigin, threads};
use crate::model::{Flags, Location, Message, MessageId, SourceKind};
use crate::normalize::preview;

/// A normalized message with what the store keeps beside it.
pub struct NewMessage<'a> {
    pub location: &'a Location,
    pub source: SourceKind,
    pub raw: &'a [u8],
    pub flags: Flags,
    pub received: Option<i64>,
    pub message: Message,
    /// Tags the message gets when it is stored (not when it is a duplicate),
    /// each with where it came from.
    pub tags: Vec<(String, TagOrigin)>,
    /// Its importance, when computed.
    pub importance: Option<Importance>,
    /// Whether the user sent it: its recipients become correspondents.
    pub from_user: bool,
}

/// One write of a batch.
pub enum Write<'a> {
    New(Box<NewMessage<'a>>),
    Flags {
        location: &'a Location,
        flags: Flags,
    },
    /// The item at `location` is gone from its source.
    Gone {
        location: &'a Location,
    },
}

/// What a committed batch did.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// The change sequence number given to every row this batch touched.
    pub seq: i64,
    /// Newly stored messages: (position in the batch, id).
    pub added: Vec<(usize, MessageId)>,
    /// New items that were already stored (same location, or same content).
    pub duplicates: usize,
    /// Stored items whose flags changed.
    pub flags_changed: usize,
    /// Locations forgotten because their item left the source.
    pub gone: usize,
}

impl Store {
    /// Stores a batch and the account's new cursor in one transaction.
    pub fn commit_batch(
        &mut self,
        account: AccountId,
        writes: &[Write<'_>],
        cursor: &str,
    ) -> Result<BatchOutcome, StoreError> {
        let (tx, seq) = begin_write(&mut self.conn)?;
        let mut outcome = BatchOutcome {
            seq,
            ..BatchOutcome::default()
        };
        for (position, write) in writes.iter().enumerate() {
            match write {
                Write::New(new) => match insert(&tx, &mut self.compressor, account, new, seq)? {
                    Some(id) => outcome.added.push((position, id)),
                    None => outcome.duplicates += 1,
                },
                Write::Flags { location, flags } => {
                    if set_location_flags(&tx, account, location, *flags, seq)? {
                        outcome.flags_changed += 1;
                    }
                }
                Write::Gone { location } => {
                    if forget_location(&tx, account, location, seq)? {
                        outcome.gone += 1;
                    }
                }
            }
        }
        tx.execute(
            "INSERT INTO cursors (account_id, cursor) VALUES (?1, ?2)
             ON CONFLICT (account_id) DO UPDATE SET cursor = excluded.cursor",
            params![account.0, cursor],
        )?;
        tx.commit()?;
        Ok(outcome)
    }
}

/// Starts a write transaction (taking SQLite's write lock at once) and
/// returns the change sequence number its rows get.
pub(super) fn begin_write(
    conn: &mut rusqlite::Connection,
) -> Result<(Transaction<'_>, i64), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let seq = tx.query_row(
        "UPDATE sequence SET change_seq = change_seq + 1 RETURNING change_seq",
        [],
        |row| row.get(0),
    )?;
    Ok((tx, seq))
}

/// Inserts a message, or records a new location of one already stored.
/// Returns the new id, or `None` for a duplicate.
fn insert(
    tx: &Transaction<'_>,
    compressor: &mut zstd::bulk::Compressor<'static>,
    account: AccountId,
    new: &NewMessage<'_>,
    seq: i64,
) -> Result<Option<MessageId>, StoreError> {
    if location_message(tx, account, new.location)?.is_some() {
        set_location_flags(tx, account, new.location, new.flags, seq)?;
        return Ok(None);
    }
    let hash = content_hash(&new.message, new.raw);
    let same_content: Option<i64> = tx
        .prepare_cached("SELECT id FROM messages WHERE account_id = ?1 AND content_hash = ?2")?
        .query_row(params![account.0, hash.as_slice()], |row| row.get(0))
        .optional()?;
    if let Some(existing) = same_content {
        // Another copy (or the same one after a UIDVALIDITY change): its
        // flags are the source's latest word on the message.
        insert_location(tx, account, new.location, existing, new.flags)?;
        tx.prepare_cached("UPDATE messages SET flags = ?3, change_seq = ?2 WHERE id = ?1")?
            .execute(params![existing, seq, new.flags.bits()])?;
        return Ok(None);
    }

    let message = &new.message;
    let subject = threads::Subject::of(message.subject.as_deref());
    let attachments = i64::try_from(message.attachments.len()).unwrap_or(i64::MAX);
    let warnings = (!message.warnings.is_empty()).then(|| message.warnings.join("\n"));
    tx.prepare_cached(
        "INSERT INTO messages (account_id, source, thread_id, message_id, content_hash, subject,
            base_subject, sender, date, received, flags, attachments, size, warnings, change_seq,
            importance, importance_reasons, preview, tag_list, folder_list)
         VALUES (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19)",
    )?
    .execute(params![
        account.0,
        new.source.as_str(),
        message.message_id,
        hash.as_slice(),
        message.subject,
        subject.base,
        message.from.first().map(ToString::to_string),
        message.date,
        new.received,
        new.flags.bits(),
        attachments,
        new.raw.len(),
        warnings,
        seq,
        new.importance.as_ref().map(|importance| importance.score),
        (new.importance.as_ref()).map(|importance| importance.reasons.join("\n")),
        preview(&message.body),
        name_list(new.tags.iter().map(|(name, _)| name.as_str())),
        name_list([new.location.folder.as_str()]),
    ])?;
    let id = tx.last_insert_rowid();
    let compressed = compressor
        .compress(new.raw)
        .map_err(|error| StoreError::Raw(id, error))?;
    tx.prepare_cached("INSERT INTO raw (message_id, zstd) VALUES (?1, ?2)")?
        .execute(params![id, compressed])?;
    super::body_text::insert(tx, compressor, id, &message.body)?;
    insert_participants(tx, id, message)?;
    if new.from_user {
        super::importance::record_correspondents(tx, message)?;
    }
    insert_refs(tx, id, message)?;
    insert_location(tx, account, new.location, id, new.flags)?;
    let mut tag =
        tx.prepare_cached("INSERT OR IGNORE INTO tags (message_id, tag) VALUES (?1, ?2)")?;
    for (name, origin) in &new.tags {
        tag.execute(params![id, name])?;
        super::origins::record(tx, id, name, origin)?;
    }
    threads::assign(tx, account, MessageId(id), message, &subject, seq)?;
    Ok(Some(MessageId(id)))
}

/// The JSON array the `tag_list` and `folder_list` columns hold.
fn name_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    serde_json::Value::from_iter(names).to_string()
}

fn location_message(
    tx: &Transaction<'_>,
    account: AccountId,
    location: &Location,
) -> Result<Option<(i64, u8)>, StoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT message_id, flags FROM locations
             WHERE account_id = ?1 AND folder = ?2 AND remote_id = ?3",
        )?
        .query_row(
            params![account.0, location.folder, location.remote_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

fn insert_location(
    tx: &Transaction<'_>,
    account: AccountId,
    location: &Location,
    message: i64,
    flags: Flags,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO locations (account_id, folder, remote_id, message_id, flags)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        account.0,
        location.folder,
        location.remote_id,
        message,
        flags.bits()
    ])?;
    Ok(())
}

/// Sets the flags of a stored location and of its message; false when unchanged or unknown.
fn set_location_flags(
    tx: &Transaction<'_>,
    account: AccountId,
    location: &Location,
    flags: Flags,
    seq: i64,
) -> Result<bool, StoreError> {
    let Some((message, old)) = location_message(tx, account, location)? else {
        return Ok(false);
    };
    if old == flags.bits() {
        return Ok(false);
    }
    tx.prepare_cached(
        "UPDATE locations SET flags = ?4 WHERE account_id = ?1 AND folder = ?2 AND remote_id = ?3",
    )?
    .execute(params![
        account.0,
        location.folder,
        location.remote_id,
        flags.bits()
    ])?;
    tx.prepare_cached("UPDATE messages SET flags = ?2, change_seq = ?3 WHERE id = ?1")?
        .execute(params![message, flags.bits(), seq])?;
    // Changed on the server too since the last sync: the server wins.
    tx.prepare_cached("DELETE FROM pending_flags WHERE message_id = ?1")?
        .execute([message])?;
    Ok(true)
}

/// Forgets a location whose item left the source. A message with no location
/// left stays in the store (it is the user's copy) and is marked deleted.
fn forget_location(
    tx: &Transaction<'_>,
    account: AccountId,
    location: &Location,
    seq: i64,
) -> Result<bool, StoreError> {
    let Some((message, _)) = location_message(tx, account, location)? else {
        return Ok(false);
    };
    tx.prepare_cached(
        "DELETE FROM locations WHERE account_id = ?1 AND folder = ?2 AND remote_id = ?3",
    )?
    .execute(params![account.0, location.folder, location.remote_id])?;
    let deleted = Flags {
        deleted: true,
        ..Flags::default()
    };
    tx.prepare_cached(
        "UPDATE messages SET change_seq = ?2,
            flags = CASE WHEN EXISTS (SELECT 1 FROM locations WHERE message_id = ?1)
                         THEN flags ELSE flags | ?3 END
         WHERE id = ?1",
    )?
    .execute(params![message, seq, deleted.bits()])?;
    Ok(true)
}

fn insert_participants(tx: &Transaction<'_>, id: i64, message: &Message) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO participants (message_id, role, position, name, address)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let roles = [
        ("from", &message.from),
        ("to", &message.to),
        ("cc", &message.cc),
        ("bcc", &message.bcc),
    ];
    for (role, people) in roles {
        for (position, person) in people.iter().enumerate() {
            stmt.execute(params![id, role, position, person.name, person.address])?;
        }
    }
    Ok(())
}

/// Stores In-Reply-To and References ids (deduplicated) for threading.
fn insert_refs(tx: &Transaction<'_>, id: i64, message: &Message) -> Result<(), StoreError> {
    let mut stmt =
        tx.prepare_cached("INSERT INTO refs (message_id, position, ref) VALUES (?1, ?2, ?3)")?;
    for (position, reference) in threads::references(message).iter().enumerate() {
        stmt.execute(params![id, position, reference])?;
    }
    Ok(())
}

/// Identity of a message's content for deduplication: the Message-ID and
/// the body (so trace headers added on the way do not matter), or the whole
/// message when it has no Message-ID. Line endings are normalized to LF, as
/// IMAP servers deliver CRLF and Maildirs usually hold LF.
pub(super) fn content_hash(message: &Message, raw: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    let hashed = match &message.message_id {
        Some(id) => {
            hasher.update(id.as_bytes());
            hasher.update(b"\0");
            body_of(raw)
        }
        None => raw,
    };
    for line in hashed.split(|&b| b == b'\n') {
        hasher.update(line.strip_suffix(b"\r").unwrap_or(line));
        hasher.update(b"\n");
    }
    *hasher.finalize().as_bytes()
}

/// The bytes after the header block (after the first empty line).
fn body_of(raw: &[u8]) -> &[u8] {
    let mut start = 0;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        start += line.len();
        if line == b"\n" || line == b"\r\n" {
            return &raw[start..];
        }
    }
    &[]
}
