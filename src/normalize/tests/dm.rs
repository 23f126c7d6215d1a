//! Direct messages: events of the X connector's JSON form.

use serde_json::json;

use crate::model::{Attachment, Message, Participant, SourceKind};
use crate::normalize::normalize_item;

fn dm(value: serde_json::Value) -> Message {
    normalize_item(SourceKind::X, &serde_json::to_vec(&value).unwrap())
}

fn person(name: Option<&str>, address: &str) -> Participant {
    Participant {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    }
}

fn user(id: &str, username: &str, name: &str) -> serde_json::Value {
    json!({"id": id, "username": username, "name": name})
}

#[test]
fn group_message_keeps_text_people_date_media_and_conversation() {
    let message = dm(json!({
        "id": "1580705921830768647",
        "kind": "MessageCreate",
        "conversation_id": "1578398467232239616",
        "created_at": "2022-10-13T23:09:59.000Z",
        "sender": user("906948460078698496", "alice_dev", "Alice Example"),
        "participants": [
            user("906948460078698496", "alice_dev", "Alice Example"),
            user("1234", "bob", "Bob"),
            {"id": "5678"},
        ],
        "text": "hi @bob, see https://t.co/abc123 ",
        "attachments": [
            {"media_key": "3_1", "media_type": "photo",
             "url": "https://pbs.twimg.com/media/Fe1.png?name=small"},
            {"media_key": "7_2", "media_type": "video"},
        ],
    }));
    assert_eq!(
        message.message_id.as_deref(),
        Some("x-dm-1580705921830768647")
    );
    assert_eq!(message.references, ["x-conversation-1578398467232239616"]);
    assert_eq!(message.from, [person(Some("Alice Example"), "@alice_dev")]);
    assert_eq!(
        message.to,
        [person(Some("Bob"), "@bob"), person(None, "5678")]
    );
    assert_eq!(message.body, "hi @bob, see https://t.co/abc123 ");
    assert_eq!(message.date, Some(1_665_702_599));
    assert_eq!(
        message.subject.as_deref(),
        Some("Direct message with @bob, 5678")
    );
    assert_eq!(
        message.attachments,
        [
            Attachment {
                name: Some("Fe1.png".into()),
                mime_type: "image/png".into(),
                size: 0
            },
            Attachment {
                name: Some("7_2".into()),
                mime_type: "video/mp4".into(),
                size: 0
            },
        ]
    );
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
}

#[test]
fn one_to_one_conversation_names_the_other_side_from_the_conversation_id() {
    let message = dm(json!({
        "id": "9", "kind": "MessageCreate", "conversation_id": "1234-5678",
        "created_at": "2024-01-02T03:04:05Z",
        "sender": user("5678", "carol", "Carol"), "text": "hello",
    }));
    assert_eq!(message.to, [person(None, "1234")]);
    assert_eq!(message.references, ["x-conversation-1234-5678"]);
}

#[test]
fn join_and_leave_events_say_who_came_and_went() {
    let event = |kind: &str| {
        dm(json!({
            "id": "77", "kind": kind, "conversation_id": "42",
            "created_at": "2024-01-02T03:04:05Z",
            "sender": user("1", "bob", "Bob"),
            "participants": [user("1", "bob", "Bob"), user("2", "alice", "Alice")],
        }))
    };
    let joined = event("ParticipantsJoin");
    assert_eq!(joined.body, "@bob joined the conversation");
    assert_eq!(joined.references, ["x-conversation-42"]);
    assert_eq!(
        event("ParticipantsLeave").body,
        "@bob left the conversation"
    );
}

#[test]
fn unknown_user_falls_back_to_the_user_id() {
    let message = dm(json!({
        "id": "5", "kind": "MessageCreate", "conversation_id": "42",
        "created_at": "2024-01-02T03:04:05Z",
        "sender": {"id": "31337"}, "text": "who am I",
    }));
    assert_eq!(message.from, [person(None, "31337")]);
    assert_eq!(message.subject, None);
    assert!(message.warnings.is_empty());
}

#[test]
fn json_of_another_shape_is_read_field_by_field_with_a_warning() {
    let message = dm(json!({
        "id": 12, "kind": "Reaction", "conversation_id": "42",
        "created_at": "yesterday",
        "sender": {"id": "1", "username": "bob"}, "text": "still searchable",
    }));
    assert_eq!(message.message_id.as_deref(), Some("x-dm-12"));
    assert_eq!(message.references, ["x-conversation-42"]);
    assert_eq!(message.from, [person(None, "@bob")]);
    assert_eq!(message.body, "still searchable");
    assert_eq!(message.date, None);
    assert!(message.warnings[0].starts_with("direct message JSON is malformed"));
    assert!(message.warnings[1].contains("unreadable event time"));
}

#[test]
fn malformed_json_never_panics_and_keeps_the_text() {
    for raw in [
        &b"{\"id\": \"1\", \"text\": \"cut off"[..],
        b"",
        b"\xff\xfe not json",
        b"[1, 2, 3]",
        b"null",
    ] {
        let message = normalize_item(SourceKind::X, raw);
        assert!(
            message.warnings[0].starts_with("direct message JSON is malformed"),
            "{:?}: {:?}",
            String::from_utf8_lossy(raw),
            message.warnings
        );
    }
    let cut = normalize_item(SourceKind::X, b"{\"id\": \"1\", \"text\": \"cut off");
    assert!(cut.body.contains("cut off"));
}

#[test]
fn mail_sources_still_read_mail() {
    let message = normalize_item(SourceKind::Imap, b"Subject: hi\n\nbody\n");
    assert_eq!(message.subject.as_deref(), Some("hi"));
    assert_eq!(message.body, "body\n");
}
