//! The raw form of a direct message, as connectors for chat sources deliver it.
//!
//! A [`RawItem`](crate::RawItem) of a direct-message source
//! ([`SourceKind::X`](crate::SourceKind::X)) holds one [`DirectMessage`] as
//! JSON. The connector resolves user ids to users and media keys to media, so
//! the item reads on its own: inbox normalizes it without calling the source
//! again, and keeps it verbatim as the message's raw bytes.

use serde::{Deserialize, Serialize};

/// One event of a conversation: a message, or a participant joining or leaving.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectMessage {
    /// The event's id at the source (stable, unique per account).
    pub id: String,
    pub kind: EventKind,
    /// The conversation the event belongs to (one thread per conversation).
    pub conversation_id: String,
    /// When the source recorded the event (RFC 3339).
    pub created_at: String,
    /// Who sent the message, or who joined or left.
    pub sender: DmUser,
    /// Everyone in the conversation as far as the event says (the sender included).
    #[serde(default)]
    pub participants: Vec<DmUser>,
    /// The message text (empty for join and leave events).
    #[serde(default)]
    pub text: String,
    /// Media attached to the message.
    #[serde(default)]
    pub attachments: Vec<DmMedia>,
    /// Ids of posts the message refers to.
    #[serde(default)]
    pub referenced_posts: Vec<String>,
}

/// What happened in a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    MessageCreate,
    ParticipantsJoin,
    ParticipantsLeave,
}

/// A user of the source, resolved from its id where the source said who it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmUser {
    pub id: String,
    /// Handle without the `@`, when known.
    #[serde(default)]
    pub username: Option<String>,
    /// Display name, when known.
    #[serde(default)]
    pub name: Option<String>,
}

/// Metadata of one attached media item (the bytes stay at the source).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmMedia {
    pub media_key: String,
    /// `photo`, `video` or `animated_gif`.
    pub media_type: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub preview_image_url: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}
