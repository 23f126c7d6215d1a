//! Threading, JWZ-style: messages join a thread through Message-ID,
//! In-Reply-To and References (in either arrival order, and through a shared
//! missing ancestor); a reply whose references are all unknown falls back to
//! the most recent thread with the same base subject in the same account.

use rusqlite::{Transaction, params};

use super::{AccountId, StoreError};
use crate::model::{Message, MessageId};

/// How far back a subject-only match may reach.
const SUBJECT_WINDOW_SECS: i64 = 60 * 24 * 3600;

/// A subject reduced for threading.
pub(super) struct Subject {
    /// Lowercased, reply/forward prefixes and list tags stripped, spaces collapsed.
    pub base: Option<String>,
    /// Whether the subject said it replies to or forwards something.
    pub is_reply: bool,
}

impl Subject {
    pub fn of(subject: Option<&str>) -> Subject {
        let Some(subject) = subject else {
            return Subject {
                base: None,
                is_reply: false,
            };
        };
        let mut rest = subject.trim();
        let mut is_reply = false;
        loop {
            let trimmed = rest.trim_start();
            if let Some(after) = strip_list_tag(trimmed) {
                rest = after;
            } else if let Some(after) = strip_reply_prefix(trimmed) {
                rest = after;
                is_reply = true;
            } else {
                rest = trimmed;
                break;
            }
        }
        let base = rest
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        Subject {
            base: (!base.is_empty()).then_some(base),
            is_reply,
        }
    }
}

/// `[list-name] rest` -> `rest`.
fn strip_list_tag(subject: &str) -> Option<&str> {
    let inner = subject.strip_prefix('[')?;
    let end = inner.find(']')?;
    Some(&inner[end + 1..])
}

/// `Re: rest`, `Fwd: rest`, `AW: rest`, `Re[2]: rest` ... -> `rest`.
fn strip_reply_prefix(subject: &str) -> Option<&str> {
    const PREFIXES: &[&str] = &["re", "fw", "fwd", "aw", "sv", "vs", "antw", "wg", "tr"];
    let colon = subject.find(':')?;
    let word = &subject[..colon];
    let word = match word.find('[') {
        Some(open) if word.ends_with(']') => &word[..open],
        _ => word,
    };
    PREFIXES
        .iter()
        .any(|prefix| word.eq_ignore_ascii_case(prefix))
        .then(|| &subject[colon + 1..])
}

/// The ids a message refers to: In-Reply-To then References, each once.
pub(super) fn references(message: &Message) -> Vec<&str> {
    let mut seen = Vec::new();
    for id in message.in_reply_to.iter().chain(&message.references) {
        if !id.is_empty() && !seen.contains(&id.as_str()) && Some(id) != message.message_id.as_ref()
        {
            seen.push(id.as_str());
        }
    }
    seen
}

/// Puts the freshly inserted message `id` into a thread, merging threads it
/// connects. Every message whose thread changed gets `change_seq = seq`.
pub(super) fn assign(
    tx: &Transaction<'_>,
    account: AccountId,
    id: MessageId,
    message: &Message,
    subject: &Subject,
    seq: i64,
) -> Result<(), StoreError> {
    let mut related = related_threads(tx, id, message)?;
    if related.is_empty() && subject.is_reply {
        related.extend(subject_thread(tx, account, id, subject, message.date)?);
    }
    let thread = related.iter().copied().min().unwrap_or(id.0);
    tx.prepare_cached("UPDATE messages SET thread_id = ?2 WHERE id = ?1")?
        .execute(params![id.0, thread])?;
    let mut merge = tx.prepare_cached(
        "UPDATE messages SET thread_id = ?1, change_seq = ?3 WHERE thread_id = ?2",
    )?;
    for other in related.into_iter().filter(|&other| other != thread) {
        merge.execute(params![thread, other, seq])?;
    }
    Ok(())
}

/// Threads of stored messages that this one refers to, that refer to it, or
/// that share a referenced ancestor with it.
fn related_threads(
    tx: &Transaction<'_>,
    id: MessageId,
    message: &Message,
) -> Result<Vec<i64>, StoreError> {
    let mut keys = references(message);
    if let Some(own) = &message.message_id {
        keys.push(own);
    }
    // Messages that share a Message-ID or a reference are already in one
    // thread, so one row per key is enough (and keeps long threads cheap).
    let mut by_message_id = tx.prepare_cached(
        "SELECT thread_id FROM messages WHERE message_id = ?1 AND id != ?2 LIMIT 1",
    )?;
    let mut by_reference = tx.prepare_cached(
        "SELECT m.thread_id FROM refs r JOIN messages m ON m.id = r.message_id
         WHERE r.ref = ?1 AND r.message_id != ?2 LIMIT 1",
    )?;
    let mut threads = Vec::new();
    for key in keys {
        for stmt in [&mut by_message_id, &mut by_reference] {
            let rows = stmt.query_map(params![key, id.0], |row| row.get::<_, i64>(0))?;
            for thread in rows {
                let thread = thread?;
                if !threads.contains(&thread) {
                    threads.push(thread);
                }
            }
        }
    }
    Ok(threads)
}

/// The thread of the latest earlier message with the same base subject.
fn subject_thread(
    tx: &Transaction<'_>,
    account: AccountId,
    id: MessageId,
    subject: &Subject,
    date: Option<i64>,
) -> Result<Option<i64>, StoreError> {
    use rusqlite::OptionalExtension;
    let Some(base) = &subject.base else {
        return Ok(None);
    };
    Ok(tx
        .prepare_cached(
            "SELECT thread_id FROM messages
             WHERE account_id = ?1 AND base_subject = ?2 AND id != ?3
               AND (?4 IS NULL OR date IS NULL OR date BETWEEN ?4 - ?5 AND ?4)
             ORDER BY date DESC LIMIT 1",
        )?
        .query_row(
            params![account.0, base, id.0, date, SUBJECT_WINDOW_SECS],
            |row| row.get(0),
        )
        .optional()?)
}
