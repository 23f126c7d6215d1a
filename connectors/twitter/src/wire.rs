//! The X API v2 response shapes this connector reads, and the conversion of
//! one DM event into the shared [`DirectMessage`] form.

use std::collections::HashMap;

use inbox_connector_api::dm::{DirectMessage, DmMedia, DmUser, EventKind};
use serde::Deserialize;

/// One page of `GET /2/dm_events`. `data` is absent when there are no events.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    /// The events, newest first, each read on its own so one odd event
    /// does not make the page unreadable.
    #[serde(default)]
    pub data: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    pub includes: Includes,
    pub meta: Meta,
}

/// The objects the events refer to by id.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Includes {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub media: Vec<Media>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Meta {
    /// The `pagination_token` of the next (older) page, absent on the last.
    #[serde(default)]
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct User {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Media {
    pub media_key: String,
    #[serde(rename = "type")]
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

/// One DM event as X sends it.
#[derive(Debug, Deserialize)]
pub(crate) struct Event {
    pub id: String,
    pub event_type: String,
    #[serde(default)]
    pub dm_conversation_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub sender_id: Option<String>,
    #[serde(default)]
    pub participant_ids: Vec<String>,
    #[serde(default)]
    pub referenced_tweets: Vec<Reference>,
    #[serde(default)]
    pub attachments: Option<Attachments>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Reference {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Attachments {
    #[serde(default)]
    pub media_keys: Vec<String>,
}

/// An X error body: an API problem object (`title`, `detail`, `type`,
/// `status`) or an OAuth 2.0 token error (`error`, `error_description`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ApiError {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl ApiError {
    /// X's own words from an error body (`title: detail`), if it sent any.
    pub fn describe(body: &[u8]) -> Option<String> {
        let error: ApiError = serde_json::from_slice(body).ok()?;
        let title = error.title.or(error.error);
        let detail = error.detail.or(error.error_description);
        match (title, detail) {
            (Some(title), Some(detail)) if title != detail => Some(format!("{title}: {detail}")),
            (Some(text), _) | (None, Some(text)) => Some(text),
            (None, None) => None,
        }
    }
}

/// Users and media seen so far in this sync, by id and media key.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    users: HashMap<String, User>,
    media: HashMap<String, Media>,
}

impl Directory {
    /// Adds a page's `includes`.
    pub fn learn(&mut self, includes: Includes) {
        for user in includes.users {
            self.users.insert(user.id.clone(), user);
        }
        for media in includes.media {
            self.media.insert(media.media_key.clone(), media);
        }
    }

    fn user(&self, id: &str) -> DmUser {
        let known = self.users.get(id);
        DmUser {
            id: id.to_owned(),
            username: known.and_then(|user| user.username.clone()),
            name: known.and_then(|user| user.name.clone()),
        }
    }

    fn media(&self, key: &str) -> DmMedia {
        match self.media.get(key) {
            Some(media) => DmMedia {
                media_key: key.to_owned(),
                media_type: media.media_type.clone(),
                url: media.url.clone(),
                preview_image_url: media.preview_image_url.clone(),
                width: media.width,
                height: media.height,
            },
            None => DmMedia {
                media_key: key.to_owned(),
                media_type: "unknown".to_owned(),
                url: None,
                preview_image_url: None,
                width: None,
                height: None,
            },
        }
    }

    /// The event as a self-contained [`DirectMessage`], or why it cannot be one.
    pub fn resolve(&self, event: Event) -> Result<DirectMessage, String> {
        let kind = match event.event_type.as_str() {
            "MessageCreate" => EventKind::MessageCreate,
            "ParticipantsJoin" => EventKind::ParticipantsJoin,
            "ParticipantsLeave" => EventKind::ParticipantsLeave,
            other => return Err(format!("unknown event type {other:?}")),
        };
        let conversation_id = event
            .dm_conversation_id
            .filter(|id| !id.is_empty())
            .ok_or("no dm_conversation_id")?;
        let created_at = event.created_at.ok_or("no created_at")?;
        // Join and leave events name who joined or left in participant_ids
        // (sender_id, when present, is who added them).
        let subject = match kind {
            EventKind::MessageCreate => event.sender_id.clone(),
            EventKind::ParticipantsJoin | EventKind::ParticipantsLeave => event
                .participant_ids
                .first()
                .cloned()
                .or_else(|| event.sender_id.clone()),
        };
        let sender_id = subject.ok_or("neither sender_id nor participant_ids")?;
        let mut participant_ids = vec![sender_id.clone()];
        participant_ids.extend(event.sender_id);
        participant_ids.extend(event.participant_ids);
        participant_ids.extend(one_to_one_members(&conversation_id));
        let mut seen = std::collections::HashSet::new();
        participant_ids.retain(|id| seen.insert(id.clone()));
        Ok(DirectMessage {
            id: event.id,
            kind,
            conversation_id,
            created_at,
            sender: self.user(&sender_id),
            participants: participant_ids.iter().map(|id| self.user(id)).collect(),
            text: event.text.unwrap_or_default(),
            attachments: event
                .attachments
                .map(|attachments| {
                    attachments
                        .media_keys
                        .iter()
                        .map(|key| self.media(key))
                        .collect()
                })
                .unwrap_or_default(),
            referenced_posts: event
                .referenced_tweets
                .into_iter()
                .map(|reference| reference.id)
                .collect(),
        })
    }
}

/// A one-to-one conversation's id is `<user id>-<user id>`; group ids are a single number.
fn one_to_one_members(conversation_id: &str) -> Vec<String> {
    match conversation_id.split_once('-') {
        Some((a, b)) if is_numeric_id(a) && is_numeric_id(b) => vec![a.to_owned(), b.to_owned()],
        _ => Vec::new(),
    }
}

fn is_numeric_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        let mut directory = Directory::default();
        directory.learn(
            serde_json::from_str(
                r#"{"users":[{"id":"10","name":"Ann","username":"ann"},{"id":"20","name":"Bo","username":"bo"}],
                    "media":[{"media_key":"3_1","type":"photo","url":"https://pbs.example/1.jpg","width":640,"height":480}]}"#,
            )
            .unwrap(),
        );
        directory
    }

    fn event(json: &str) -> Event {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn one_to_one_message_names_both_members() {
        let message = directory()
            .resolve(event(
                r#"{"id":"5","event_type":"MessageCreate","text":"hi","sender_id":"10",
                    "dm_conversation_id":"10-20","created_at":"2024-01-02T03:04:05.000Z",
                    "attachments":{"media_keys":["3_1","3_9"]},"referenced_tweets":[{"id":"77"}]}"#,
            ))
            .unwrap();
        assert_eq!(message.kind, EventKind::MessageCreate);
        assert_eq!(message.sender.username.as_deref(), Some("ann"));
        let ids: Vec<&str> = message.participants.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["10", "20"]);
        assert_eq!(message.participants[1].name.as_deref(), Some("Bo"));
        assert_eq!(message.attachments[0].media_type, "photo");
        assert_eq!(message.attachments[0].width, Some(640));
        assert_eq!(message.attachments[1].media_type, "unknown");
        assert_eq!(message.referenced_posts, ["77"]);
    }

    #[test]
    fn join_without_sender_uses_the_participant_and_unknown_users_stay_ids() {
        let message = directory()
            .resolve(event(
                r#"{"id":"6","event_type":"ParticipantsJoin","participant_ids":["99"],
                    "dm_conversation_id":"1500","created_at":"2024-01-02T03:04:05.000Z"}"#,
            ))
            .unwrap();
        assert_eq!(message.kind, EventKind::ParticipantsJoin);
        assert_eq!(message.sender.id, "99");
        assert_eq!(message.sender.username, None);
        assert_eq!(message.participants.len(), 1);
        assert_eq!(message.text, "");
        let added = directory()
            .resolve(event(
                r#"{"id":"7","event_type":"ParticipantsJoin","participant_ids":["20"],"sender_id":"10",
                    "dm_conversation_id":"1500","created_at":"2024-01-02T03:04:05.000Z"}"#,
            ))
            .unwrap();
        assert_eq!(added.sender.username.as_deref(), Some("bo"));
        let ids: Vec<&str> = added.participants.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["20", "10"]);
    }

    #[test]
    fn unusable_events_are_refused_with_a_reason() {
        let directory = directory();
        let unknown = directory.resolve(event(
            r#"{"id":"7","event_type":"MessageReaction","dm_conversation_id":"1","created_at":"x","sender_id":"1"}"#,
        ));
        assert!(unknown.unwrap_err().contains("MessageReaction"));
        let orphan = directory.resolve(event(
            r#"{"id":"8","event_type":"MessageCreate","created_at":"x","sender_id":"1"}"#,
        ));
        assert!(orphan.unwrap_err().contains("dm_conversation_id"));
    }

    #[test]
    fn error_bodies_are_described_in_x_words() {
        let body = br#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;
        assert_eq!(ApiError::describe(body).as_deref(), Some("Unauthorized"));
        let body = br#"{"title":"Too Many Requests","detail":"Rate limit exceeded","status":429}"#;
        assert_eq!(
            ApiError::describe(body).as_deref(),
            Some("Too Many Requests: Rate limit exceeded")
        );
        let body = br#"{"error":"invalid_request","error_description":"Value passed for the token was invalid."}"#;
        assert_eq!(
            ApiError::describe(body).as_deref(),
            Some("invalid_request: Value passed for the token was invalid.")
        );
        assert_eq!(ApiError::describe(b"<html>"), None);
    }
}
