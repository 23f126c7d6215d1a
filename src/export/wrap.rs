//! Direct messages as RFC 5322 messages, for the mail formats: a text part
//! with what was written, and the original event as a JSON attachment. The
//! `X-Inbox-Source` header says where it came from; people appear as
//! `handle@<source>.invalid` (the reserved `.invalid` domain: no mail can go
//! there), with their display names. The Message-ID and the reference to
//! the conversation are the direct message's own, so a re-imported export
//! keeps its threads and takes back its tags (`inbox tags restore`).

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine;
use inbox_connector_api::dm::{DirectMessage, DmUser, EventKind};

use super::Item;
use crate::normalize::{conversation_root, event_message_id};

/// The message as mail: mail as stored, anything else converted.
pub(super) fn as_rfc5322<'a>(item: &Item<'a>) -> Cow<'a, [u8]> {
    if item.summary.source.is_mail() {
        return Cow::Borrowed(item.raw);
    }
    let source = item.summary.source.as_str();
    let Ok(event) = serde_json::from_slice::<DirectMessage>(item.raw) else {
        return Cow::Owned(unreadable(source, item.raw));
    };
    Cow::Owned(event_as_mail(source, &event, item.raw))
}

fn event_as_mail(source: &str, event: &DirectMessage, raw: &[u8]) -> Vec<u8> {
    let address = |user: &DmUser| {
        let local: String = user
            .username
            .as_deref()
            .unwrap_or(&user.id)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        match &user.name {
            Some(name) => format!("{} <{local}@{source}.invalid>", quoted(name)),
            None => format!("<{local}@{source}.invalid>"),
        }
    };
    let others: Vec<String> = event
        .participants
        .iter()
        .filter(|user| user.id != event.sender.id)
        .map(address)
        .collect();
    let text = match event.kind {
        EventKind::MessageCreate => event.text.clone(),
        EventKind::ParticipantsJoin => format!("{} joined the conversation", handle(&event.sender)),
        EventKind::ParticipantsLeave => format!("{} left the conversation", handle(&event.sender)),
    };
    let date = chrono::DateTime::parse_from_rfc3339(&event.created_at)
        .map(|date| date.to_rfc2822())
        .unwrap_or_default();
    let boundary = format!("inbox-export-{}", event.id);
    let mut out = String::new();
    let _ = write!(
        out,
        "X-Inbox-Source: {source}\r\n\
         Message-ID: <{id}>\r\n\
         References: <{root}>\r\n\
         Date: {date}\r\n\
         From: {from}\r\n",
        id = event_message_id(&event.id),
        root = conversation_root(&event.conversation_id),
        from = address(&event.sender),
    );
    if !others.is_empty() {
        let _ = write!(out, "To: {}\r\n", others.join(", "));
    }
    let _ = write!(
        out,
        "Subject: Direct message in conversation {conversation}\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {text}\r\n\
         --{boundary}\r\n\
         Content-Type: application/json; name=\"event.json\"\r\n\
         Content-Disposition: attachment; filename=\"event.json\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {json}\r\n\
         --{boundary}--\r\n",
        conversation = event.conversation_id,
        text = base64_lines(text.as_bytes()),
        json = base64_lines(raw),
    );
    out.into_bytes()
}

/// An item whose raw form this version cannot read: kept as an attachment.
fn unreadable(source: &str, raw: &[u8]) -> Vec<u8> {
    format!(
        "X-Inbox-Source: {source}\r\n\
         Subject: Unreadable {source} item\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: application/octet-stream\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {}\r\n",
        base64_lines(raw)
    )
    .into_bytes()
}

fn handle(user: &DmUser) -> String {
    match &user.username {
        Some(username) => format!("@{username}"),
        None => user.id.clone(),
    }
}

/// A display name as an RFC 5322 quoted string, or RFC 2047-encoded when it
/// is not plain ASCII.
fn quoted(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(name);
        format!("=?utf-8?b?{encoded}?=")
    }
}

/// Base64 in lines of 76 characters, CRLF between them.
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flags, MessageId, SourceKind, ThreadId};
    use crate::store::Summary;

    fn summary(source: SourceKind) -> Summary {
        Summary {
            id: MessageId(1),
            thread: ThreadId(1),
            account: "x".into(),
            source,
            message_id: None,
            date: None,
            received: None,
            sender: None,
            subject: None,
            flags: Flags::default(),
            tags: Vec::new(),
            folders: Vec::new(),
            attachments: 0,
            size: 0,
            warnings: Vec::new(),
            importance: None,
            preview: None,
        }
    }

    #[test]
    fn mail_stays_as_stored_and_a_dm_becomes_readable_mail() {
        let raw = b"Subject: hi\n\nbody\n";
        let mail = summary(SourceKind::Imap);
        let item = Item {
            summary: &mail,
            raw,
        };
        assert!(matches!(as_rfc5322(&item), Cow::Borrowed(bytes) if bytes == raw));

        let event = br#"{"id":"17","kind":"MessageCreate","conversation_id":"5-6","created_at":"2024-03-01T10:00:00.000Z",
            "sender":{"id":"5","username":"alice","name":"Alice \"A\" Liddell"},
            "participants":[{"id":"5","username":"alice"},{"id":"6","username":"bob","name":"Bob"}],
            "text":"see https://example.org @bob"}"#;
        let dm = summary(SourceKind::X);
        let converted = as_rfc5322(&Item {
            summary: &dm,
            raw: event,
        });
        let parsed = crate::normalize::normalize(&converted);
        assert_eq!(parsed.body.trim(), "see https://example.org @bob");
        assert_eq!(parsed.from[0].address, "alice@x.invalid");
        assert_eq!(parsed.from[0].name.as_deref(), Some("Alice \"A\" Liddell"));
        assert_eq!(parsed.to[0].address, "bob@x.invalid");
        assert_eq!(parsed.attachments[0].name.as_deref(), Some("event.json"));
        let text = String::from_utf8_lossy(&converted);
        assert!(text.starts_with("X-Inbox-Source: x\r\n"), "{text}");
        assert!(
            text.contains("Date: Fri, 1 Mar 2024 10:00:00 +0000"),
            "{text}"
        );
    }
}
