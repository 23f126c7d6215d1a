//! Test helpers: walking the corpus, and a JSON view of a
//! message for comparisons.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::model::{Message, Participant};

/// Every file under `dir`, sorted, recursively.
pub(super) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The messages of a file: the whole file, or for an mbox (starts with
/// `From `, maybe after a UTF-8 BOM) each part between `From ` lines.
pub(super) fn messages_in(bytes: &[u8]) -> Vec<&[u8]> {
    let content = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if !content.starts_with(b"From ") {
        return vec![bytes];
    }
    let mut starts: Vec<usize> = vec![0];
    starts.extend(
        content
            .windows(6)
            .enumerate()
            .filter(|(_, w)| w == b"\nFrom ")
            .map(|(at, _)| at + 1),
    );
    starts.push(content.len());
    starts
        .windows(2)
        .map(|range| {
            let message = &content[range[0]..range[1]];
            // Drop the envelope line itself.
            let body_start = message
                .iter()
                .position(|&b| b == b'\n')
                .map_or(message.len(), |at| at + 1);
            &message[body_start..]
        })
        .collect()
}

/// A JSON rendering of every field of `message`.
pub(super) fn to_json(message: &Message) -> Value {
    let people = |list: &[Participant]| -> Value {
        list.iter()
            .map(|p| json!({ "name": p.name, "address": p.address }))
            .collect()
    };
    let attachments: Value = message
        .attachments
        .iter()
        .map(|a| json!({ "name": a.name, "mime_type": a.mime_type, "size": a.size }))
        .collect();
    json!({
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "references": message.references,
        "from": people(&message.from),
        "to": people(&message.to),
        "cc": people(&message.cc),
        "bcc": people(&message.bcc),
        "subject": message.subject,
        "date": message.date,
        "body": message.body,
        "attachments": attachments,
        "list_id": message.list_id,
        "warnings": message.warnings,
    })
}
