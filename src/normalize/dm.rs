//! Direct messages: the JSON of one [`DirectMessage`] event -> [`Message`].
//!
//! People become `@handle` addresses with their display name; the text is
//! kept as written (mentions, URLs); join and leave events get a short
//! sentence as body. Every event of a conversation refers to one synthetic
//! root id ([`conversation_root`]), so the store threads a conversation as
//! one thread. JSON that does not match the expected shape is read field by
//! field as far as possible, with a warning.

use chrono::DateTime;
use inbox_connector_api::dm::{DirectMessage, DmMedia, DmUser, EventKind};
use serde_json::Value;

use super::body::BodyText;
use crate::model::{Attachment, Message, Participant};

/// How many names a subject lists before it says how many more there are.
const SUBJECT_NAMES: usize = 4;

/// The synthetic Message-ID of the event `event_id`.
pub(crate) fn event_message_id(event_id: &str) -> String {
    format!("x-dm-{event_id}")
}

/// The synthetic id every event of conversation `conversation_id` refers
/// to: what makes the conversation one thread.
pub(crate) fn conversation_root(conversation_id: &str) -> String {
    format!("x-conversation-{conversation_id}")
}

/// Turns the JSON of one direct-message event into a [`Message`]; never
/// panics, and reads what it can of malformed JSON (with a warning).
pub(super) fn extract(raw: &[u8]) -> Message {
    match serde_json::from_slice::<DirectMessage>(raw) {
        Ok(event) => from_event(&event, Vec::new()),
        Err(error) => {
            let problem = format!("direct message JSON is malformed ({error})");
            match serde_json::from_slice::<Value>(raw) {
                Ok(value) => from_event(
                    &lenient(&value),
                    vec![format!("{problem}; read the fields that were readable")],
                ),
                Err(_) => unreadable(raw, problem),
            }
        }
    }
}

fn from_event(event: &DirectMessage, mut warnings: Vec<String>) -> Message {
    let from = participant(&event.sender);
    let to = others(event);
    let mut body = BodyText::default();
    match event.kind {
        EventKind::MessageCreate => {}
        EventKind::ParticipantsJoin => {
            body.push_part(&format!("{} joined the conversation", from.address));
        }
        EventKind::ParticipantsLeave => {
            body.push_part(&format!("{} left the conversation", from.address));
        }
    }
    body.push_part(&event.text);
    let date = match DateTime::parse_from_rfc3339(&event.created_at) {
        Ok(date) => Some(date.timestamp()),
        Err(_) => {
            warnings.push(format!(
                "unreadable event time {:?}; the message is dated when it was received",
                event.created_at
            ));
            None
        }
    };
    let has_id = !event.id.is_empty();
    let has_conversation = !event.conversation_id.is_empty();
    Message {
        message_id: has_id.then(|| event_message_id(&event.id)),
        references: match has_conversation {
            true => vec![conversation_root(&event.conversation_id)],
            false => Vec::new(),
        },
        subject: subject(&to),
        date,
        body: body.finish(&mut warnings),
        attachments: event.attachments.iter().map(attachment).collect(),
        from: vec![from],
        to,
        warnings,
        ..Message::default()
    }
}

/// `@handle` with the display name; the user id when the handle is unknown.
fn participant(user: &DmUser) -> Participant {
    let handle = user.username.as_deref().map(str::trim).unwrap_or_default();
    let address = match handle.trim_start_matches('@') {
        "" if user.id.is_empty() => "unknown user".to_owned(),
        "" => user.id.clone(),
        handle => format!("@{handle}"),
    };
    Participant {
        name: user
            .name
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned),
        address,
    }
}

/// Everyone in the conversation but the sender, once each. When the event
/// names nobody else, the other id of a one-to-one conversation id
/// (`<user id>-<user id>`) stands in.
fn others(event: &DirectMessage) -> Vec<Participant> {
    let mut others: Vec<&DmUser> = Vec::new();
    for user in &event.participants {
        if user.id != event.sender.id && !others.iter().any(|known| known.id == user.id) {
            others.push(user);
        }
    }
    if !others.is_empty() {
        return others.into_iter().map(participant).collect();
    }
    match event.conversation_id.split_once('-') {
        Some((a, b)) if is_user_id(a) && is_user_id(b) => [a, b]
            .into_iter()
            .filter(|id| *id != event.sender.id)
            .take(1)
            .map(|id| Participant {
                name: None,
                address: id.to_owned(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_user_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `Direct message with @a, @b`, or `None` when nobody else is known.
fn subject(to: &[Participant]) -> Option<String> {
    let (first, rest) = to.split_first()?;
    let mut subject = format!("Direct message with {}", first.address);
    for other in rest.iter().take(SUBJECT_NAMES - 1) {
        subject.push_str(", ");
        subject.push_str(&other.address);
    }
    if to.len() > SUBJECT_NAMES {
        subject.push_str(&format!(" and {} more", to.len() - SUBJECT_NAMES));
    }
    Some(subject)
}

/// Media metadata: named after the file in its URL (else its key); the
/// bytes stay at the source, so the size is 0.
fn attachment(media: &DmMedia) -> Attachment {
    let url = media.url.as_deref().or(media.preview_image_url.as_deref());
    let file = url
        .map(|url| url.split(['?', '#']).next().unwrap_or(url))
        .and_then(|url| url.rsplit('/').next())
        .filter(|file| !file.is_empty());
    Attachment {
        name: Some(file.unwrap_or(&media.media_key).to_owned()),
        mime_type: mime_type(&media.media_type, file).to_owned(),
        size: 0,
    }
}

fn mime_type(media_type: &str, file: Option<&str>) -> &'static str {
    let extension = file
        .and_then(|file| file.rsplit_once('.'))
        .map(|(_, extension)| extension.to_ascii_lowercase());
    match (media_type, extension.as_deref()) {
        ("photo", Some("png")) => "image/png",
        ("photo", Some("gif")) => "image/gif",
        ("photo", Some("webp")) => "image/webp",
        ("photo", _) => "image/jpeg",
        // X delivers animated GIFs as MP4 video.
        ("video" | "animated_gif", _) => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// A [`DirectMessage`] from JSON of another shape: each field where the
/// event format puts it, else empty.
fn lenient(value: &Value) -> DirectMessage {
    let text = |key: &str| match value.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    let kind = match value.get("kind").and_then(Value::as_str) {
        Some("ParticipantsJoin") => EventKind::ParticipantsJoin,
        Some("ParticipantsLeave") => EventKind::ParticipantsLeave,
        _ => EventKind::MessageCreate,
    };
    let users = |value: Option<&Value>| -> Vec<DmUser> {
        value
            .and_then(Value::as_array)
            .map(|users| users.iter().filter_map(user).collect())
            .unwrap_or_default()
    };
    DirectMessage {
        id: text("id"),
        kind,
        conversation_id: text("conversation_id"),
        created_at: text("created_at"),
        sender: value.get("sender").and_then(user).unwrap_or(DmUser {
            id: String::new(),
            username: None,
            name: None,
        }),
        participants: users(value.get("participants")),
        text: text("text"),
        attachments: Vec::new(),
        referenced_posts: Vec::new(),
    }
}

fn user(value: &Value) -> Option<DmUser> {
    let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = match value.get("id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => String::new(),
    };
    let user = DmUser {
        id,
        username: field("username"),
        name: field("name"),
    };
    (!user.id.is_empty() || user.username.is_some()).then_some(user)
}

/// Not JSON at all: the bytes as text, so the item can still be found.
fn unreadable(raw: &[u8], problem: String) -> Message {
    let mut warnings = vec![format!("{problem}; kept raw, indexed as plain text")];
    let mut body = BodyText::default();
    body.push_part(&String::from_utf8_lossy(raw));
    Message {
        body: body.finish(&mut warnings),
        warnings,
        ..Message::default()
    }
}
