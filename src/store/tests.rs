use std::os::unix::fs::PermissionsExt;

use super::write::Write;
use super::*;
use crate::model::{Message, MessageId, Participant, SourceKind, ThreadId};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
    (dir, store)
}

fn mail(id: &str, subject: &str, refs: &[&str]) -> Message {
    Message {
        message_id: Some(id.to_owned()),
        in_reply_to: refs.last().map(|r| r.to_string()).into_iter().collect(),
        references: refs.iter().map(|r| r.to_string()).collect(),
        from: vec![Participant {
            name: Some("Ann".into()),
            address: "ann@example.org".into(),
        }],
        subject: Some(subject.to_owned()),
        date: Some(1_000_000),
        body: format!("body of {id}"),
        ..Message::default()
    }
}

fn location(remote_id: &str) -> Location {
    Location {
        folder: "INBOX".into(),
        remote_id: remote_id.into(),
    }
}

/// Stores messages, each at its own location, in one batch; returns their ids.
fn put(store: &mut Store, account: AccountId, messages: &[(&str, Message)]) -> BatchOutcome {
    put_from(store, account, SourceKind::Maildir, messages)
}

fn put_from(
    store: &mut Store,
    account: AccountId,
    source: SourceKind,
    messages: &[(&str, Message)],
) -> BatchOutcome {
    let locations: Vec<Location> = messages
        .iter()
        .map(|(remote, _)| location(remote))
        .collect();
    let raws: Vec<Vec<u8>> = messages
        .iter()
        .map(|(_, m)| {
            format!(
                "Message-ID: <{}>\n\n{}",
                m.message_id.clone().unwrap_or_default(),
                m.body
            )
            .into_bytes()
        })
        .collect();
    let writes: Vec<Write<'_>> = messages
        .iter()
        .zip(&locations)
        .zip(&raws)
        .map(|(((_, message), location), raw)| {
            Write::New(Box::new(NewMessage {
                location,
                source,
                raw,
                flags: Flags::default(),
                received: None,
                message: message.clone(),
                tags: Vec::new(),
                importance: None,
                from_user: false,
            }))
        })
        .collect();
    store.commit_batch(account, &writes, "cursor-1").unwrap()
}

fn thread_of(store: &Store, id: MessageId) -> ThreadId {
    store.summary(id).unwrap().unwrap().thread
}

#[test]
fn new_store_is_private_and_migrated() {
    let (dir, store) = store();
    let mode = std::fs::metadata(dir.path().join("store.sqlite3"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let version: usize = store
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, latest_version());
}

#[test]
fn refuses_a_store_from_a_newer_version() {
    let (dir, store) = store();
    store.conn.pragma_update(None, "user_version", 999).unwrap();
    drop(store);
    let error = Store::open(&dir.path().join("store.sqlite3"))
        .err()
        .unwrap();
    assert!(
        matches!(error, StoreError::TooNew { found: 999, .. }),
        "{error}"
    );
}

#[test]
fn batch_stores_raw_fields_and_cursor() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    let outcome = put(&mut store, account, &[("a", mail("a@x", "Hello", &[]))]);
    assert_eq!(outcome.added.len(), 1);
    let id = outcome.added[0].1;
    let summary = store.summary(id).unwrap().unwrap();
    assert_eq!(summary.subject.as_deref(), Some("Hello"));
    assert_eq!(summary.sender.as_deref(), Some("Ann <ann@example.org>"));
    assert_eq!(summary.folders, vec!["INBOX".to_owned()]);
    assert_eq!(
        store.raw(id).unwrap().unwrap(),
        b"Message-ID: <a@x>\n\nbody of a@x"
    );
    assert_eq!(store.cursor(account).unwrap(), "cursor-1");
    assert_eq!(store.change_seq().unwrap(), outcome.seq);
}

#[test]
fn same_location_or_same_content_is_a_duplicate() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    put(&mut store, account, &[("a", mail("a@x", "Hello", &[]))]);
    let again = put(&mut store, account, &[("a", mail("a@x", "Hello", &[]))]);
    assert_eq!((again.added.len(), again.duplicates), (0, 1));
    let copy = put(&mut store, account, &[("b", mail("a@x", "Hello", &[]))]);
    assert_eq!((copy.added.len(), copy.duplicates), (0, 1));
    assert_eq!(store.stats().unwrap().messages, 1);
    assert_eq!(store.known_locations(account).unwrap().len(), 2);
    // Another account keeps its own copy.
    let other = store.ensure_account("work", "local").unwrap();
    assert_eq!(
        put(&mut store, other, &[("a", mail("a@x", "Hello", &[]))])
            .added
            .len(),
        1
    );
}

#[test]
fn account_kinds_do_not_mix() {
    let (_dir, store) = store();
    store.ensure_account("home", "local").unwrap();
    let error = store.ensure_account("home", "imap").unwrap_err();
    assert!(error.to_string().contains("local account"), "{error}");
}

#[test]
fn content_hash_ignores_line_endings_and_trace_headers() {
    let message = mail("a@x", "Hello", &[]);
    let lf =
        super::write::content_hash(&message, b"Received: one\nMessage-ID: <a@x>\n\nHi\nthere\n");
    let crlf = super::write::content_hash(&message, b"Message-ID: <a@x>\r\n\r\nHi\r\nthere\r\n");
    let other = super::write::content_hash(&message, b"Message-ID: <a@x>\n\nHi\nthere!\n");
    assert_eq!(lf, crlf);
    assert_ne!(lf, other);
}

#[test]
fn replies_join_their_thread_in_any_order() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    // The reply arrives before its parent; a sibling refers to the same missing root.
    let first = put(
        &mut store,
        account,
        &[("2", mail("2@x", "Re: plan", &["1@x"]))],
    );
    let second = put(
        &mut store,
        account,
        &[
            ("3", mail("3@x", "Re: plan", &["0@x", "9@x"])),
            ("s", mail("s@x", "Re: plan", &["0@x"])),
        ],
    );
    let reply = first.added[0].1;
    let (unrelated, sibling) = (second.added[0].1, second.added[1].1);
    assert_eq!(thread_of(&store, unrelated), thread_of(&store, sibling));
    let parent = put(&mut store, account, &[("1", mail("1@x", "plan", &["0@x"]))]);
    let parent = parent.added[0].1;
    let thread = thread_of(&store, parent);
    for id in [reply, unrelated, sibling] {
        assert_eq!(thread_of(&store, id), thread);
    }
    assert_eq!(store.thread(thread).unwrap().len(), 4);
}

#[test]
fn subject_fallback_only_for_replies() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    let root = put(
        &mut store,
        account,
        &[("1", mail("1@x", "[list] Weekly plan", &[]))],
    )
    .added[0]
        .1;
    let reply = put(
        &mut store,
        account,
        &[("2", mail("2@x", "RE: Re[2]: weekly   PLAN", &[]))],
    )
    .added[0]
        .1;
    let same_subject = put(
        &mut store,
        account,
        &[("3", mail("3@x", "Weekly plan", &[]))],
    )
    .added[0]
        .1;
    assert_eq!(thread_of(&store, reply), thread_of(&store, root));
    assert_ne!(thread_of(&store, same_subject), thread_of(&store, root));
}

#[test]
fn tags_and_flag_tags() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    let id = put(&mut store, account, &[("1", mail("1@x", "Hi", &[]))]).added[0].1;
    let change = TagChange {
        add: vec!["work".into(), "flagged".into()],
        remove: vec!["unread".into()],
    };
    assert_eq!(store.apply_tags(&[id], &change).unwrap(), vec![id]);
    let summary = store.summary(id).unwrap().unwrap();
    assert_eq!(summary.tags, vec!["work".to_owned()]);
    assert!(summary.flags.seen && summary.flags.flagged);
    assert_eq!(
        display_tags(summary.flags, &summary.tags),
        vec!["flagged", "work"]
    );
    // Applying the same change again changes nothing.
    assert!(store.apply_tags(&[id], &change).unwrap().is_empty());
    assert_eq!(store.tag_names().unwrap(), vec!["work".to_owned()]);
}

#[test]
fn flag_changes_bump_the_change_sequence() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    let id = put(&mut store, account, &[("1", mail("1@x", "Hi", &[]))]).added[0].1;
    let seen = Flags {
        seen: true,
        ..Flags::default()
    };
    let loc = location("1");
    let outcome = store
        .commit_batch(
            account,
            &[Write::Flags {
                location: &loc,
                flags: seen,
            }],
            "c2",
        )
        .unwrap();
    assert_eq!(outcome.flags_changed, 1);
    assert!(store.summary(id).unwrap().unwrap().flags.seen);
    let changed = store
        .changed_since(outcome.seq - 1, MessageId(0), 10)
        .unwrap();
    assert_eq!(changed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(changed[0].folders, vec!["INBOX".to_owned()]);
    assert_eq!(store.known_locations(account).unwrap()[&loc], seen);
}

#[test]
fn a_reading_store_sees_the_data_and_writes_nothing() {
    let (dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    let id = put(&mut store, account, &[("1", mail("1@x", "Hi", &[]))]).added[0].1;
    drop(store);
    let path = dir.path().join("store.sqlite3");
    let mut reader = Store::open_for_reading(&path).unwrap();
    assert_eq!(
        reader.summary(id).unwrap().unwrap().subject.as_deref(),
        Some("Hi")
    );
    let change = TagChange {
        add: vec!["x".into()],
        remove: vec![],
    };
    assert!(reader.apply_tags(&[id], &change).is_err());
    // A missing store is created like `Store::open` would.
    let fresh = dir.path().join("new.sqlite3");
    assert_eq!(
        Store::open_for_reading(&fresh)
            .unwrap()
            .change_seq()
            .unwrap(),
        0
    );
}

#[test]
fn removing_an_account_leaves_tombstones_and_never_lowers_the_sequence() {
    let (_dir, mut store) = store();
    let keep = store.ensure_account("keep", "local").unwrap();
    let gone = store.ensure_account("gone", "local").unwrap();
    put(&mut store, keep, &[("1", mail("1@x", "Kept", &[]))]);
    let removed = put(&mut store, gone, &[("2", mail("2@x", "Gone", &[]))]).added[0].1;
    let before = store.change_seq().unwrap();

    assert_eq!(store.remove_account("gone").unwrap(), Some(1));
    assert_eq!(store.remove_account("gone").unwrap(), None);
    let after = store.change_seq().unwrap();
    assert!(after > before, "{after} <= {before}");
    assert_eq!(store.removed_since(before).unwrap(), vec![removed]);
    assert!(store.removed_since(after).unwrap().is_empty());
    assert!(store.summary(removed).unwrap().is_none());
    assert!(store.raw(removed).unwrap().is_none());
    // The next write still gets a higher sequence number.
    let next = put(&mut store, keep, &[("3", mail("3@x", "New", &[]))]);
    assert!(next.seq > after);
}

/// A message's tags and folders as the `tags` and `locations` tables hold
/// them, sorted and distinct.
fn listed_in_tables(store: &Store, id: MessageId) -> (Vec<String>, Vec<String>) {
    let names = |sql: &str| -> Vec<String> {
        let mut stmt = store.conn.prepare(sql).unwrap();
        let rows = stmt.query_map([id.0], |row| row.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    (
        names("SELECT tag FROM tags WHERE message_id = ?1 ORDER BY tag"),
        names("SELECT DISTINCT folder FROM locations WHERE message_id = ?1 ORDER BY folder"),
    )
}

/// A new IMAP message at `location`, with `tags` set by the user.
fn imap_write<'a>(
    location: &'a Location,
    raw: &'a [u8],
    message: Message,
    tags: &[&str],
) -> Write<'a> {
    Write::New(Box::new(NewMessage {
        location,
        source: SourceKind::Imap,
        raw,
        flags: Flags::default(),
        received: None,
        message,
        tags: tags
            .iter()
            .map(|tag| (tag.to_string(), TagOrigin::User))
            .collect(),
        importance: None,
        from_user: false,
    }))
}

#[test]
fn summaries_list_the_tags_and_folders_the_tables_hold_after_every_change() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "imap").unwrap();
    let message = mail("1@x", "Hi", &[]);
    let id = put(&mut store, account, &[("1", message.clone())]).added[0].1;
    let check = |store: &Store, tags: &[&str], folders: &[&str]| {
        let summary = store.summary(id).unwrap().unwrap();
        assert_eq!(
            (&summary.tags, &summary.folders),
            (
                &tags.iter().map(|t| t.to_string()).collect(),
                &folders.iter().map(|f| f.to_string()).collect()
            )
        );
        assert_eq!((summary.tags, summary.folders), listed_in_tables(store, id));
    };
    check(&store, &[], &["INBOX"]);
    let change = |add: &[&str], remove: &[&str]| TagChange {
        add: add.iter().map(|t| t.to_string()).collect(),
        remove: remove.iter().map(|t| t.to_string()).collect(),
    };
    store
        .apply_tags(&[id], &change(&["zz", "aa", "mm"], &[]))
        .unwrap();
    check(&store, &["aa", "mm", "zz"], &["INBOX"]);
    store.apply_tags(&[id], &change(&[], &["mm"])).unwrap();
    check(&store, &["aa", "zz"], &["INBOX"]);
    // The same message in another folder, then gone from the first.
    let archive = Location {
        folder: "Archive".into(),
        remote_id: "7".into(),
    };
    let raw = b"Message-ID: <1@x>\n\nbody of 1@x".to_vec();
    let copy = imap_write(&archive, &raw, message, &["ignored"]);
    let outcome = store.commit_batch(account, &[copy], "c2").unwrap();
    assert_eq!(outcome.duplicates, 1);
    check(&store, &["aa", "zz"], &["Archive", "INBOX"]);
    let inbox = location("1");
    store
        .commit_batch(account, &[Write::Gone { location: &inbox }], "c3")
        .unwrap();
    check(&store, &["aa", "zz"], &["Archive"]);
    // A new message stored with tags, one of them twice.
    let second = location("2");
    let raw = b"Message-ID: <2@x>\n\nbody".to_vec();
    let tagged = imap_write(
        &second,
        &raw,
        mail("2@x", "Tagged", &[]),
        &["bulk", "list/a", "bulk"],
    );
    let new = store.commit_batch(account, &[tagged], "c4").unwrap().added[0].1;
    let summary = store.summary(new).unwrap().unwrap();
    assert_eq!(summary.tags, ["bulk", "list/a"]);
    assert_eq!(summary.folders, ["INBOX"]);
    assert_eq!(
        (summary.tags, summary.folders),
        listed_in_tables(&store, new)
    );
}

#[test]
fn a_gone_location_is_forgotten_and_a_message_left_nowhere_is_marked_deleted() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "imap").unwrap();
    let id = put(&mut store, account, &[("1", mail("1@x", "Hi", &[]))]).added[0].1;
    let gone = location("1");
    let outcome = store
        .commit_batch(account, &[Write::Gone { location: &gone }], "c2")
        .unwrap();
    assert_eq!(outcome.gone, 1);
    assert!(store.known_locations(account).unwrap().is_empty());
    let summary = store.summary(id).unwrap().unwrap();
    assert!(summary.flags.deleted);
    assert_eq!(summary.subject.as_deref(), Some("Hi"));
    let unknown = location("nowhere");
    let outcome = store
        .commit_batch(account, &[Write::Gone { location: &unknown }], "c3")
        .unwrap();
    assert_eq!(outcome.gone, 0);
}

#[test]
fn flag_changes_on_server_messages_are_queued_until_pushed() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("work", "imap").unwrap();
    let id = put_from(
        &mut store,
        account,
        SourceKind::Imap,
        &[("1", mail("1@x", "Hi", &[]))],
    )
    .added[0]
        .1;
    let read = TagChange {
        add: vec![],
        remove: vec!["unread".into()],
    };
    store.apply_tags(&[id], &read).unwrap();
    let pending = store.pending_flags(account).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].message, id);
    assert!(pending[0].flags.seen);
    assert_eq!(pending[0].locations, vec![location("1")]);

    store
        .flags_pushed(account, &pending[0], &[&pending[0].locations[0]])
        .unwrap();
    assert!(store.pending_flags(account).unwrap().is_empty());
    assert!(store.known_locations(account).unwrap()[&location("1")].seen);

    // Changed here and on the server before the next push: the server wins.
    let flag = TagChange {
        add: vec!["flagged".into()],
        remove: vec![],
    };
    store.apply_tags(&[id], &flag).unwrap();
    assert_eq!(store.pending_flags(account).unwrap().len(), 1);
    let loc = location("1");
    let server = Flags {
        answered: true,
        ..Flags::default()
    };
    store
        .commit_batch(
            account,
            &[Write::Flags {
                location: &loc,
                flags: server,
            }],
            "c2",
        )
        .unwrap();
    assert!(store.pending_flags(account).unwrap().is_empty());
    assert_eq!(store.summary(id).unwrap().unwrap().flags, server);
}

#[test]
fn local_messages_queue_nothing() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("home", "local").unwrap();
    let id = put(&mut store, account, &[("1", mail("1@x", "Hi", &[]))]).added[0].1;
    let flag = TagChange {
        add: vec!["flagged".into()],
        remove: vec![],
    };
    store.apply_tags(&[id], &flag).unwrap();
    assert!(store.pending_flags(account).unwrap().is_empty());
}

#[test]
fn junk_folders_are_found_by_role_or_name() {
    let (_dir, mut store) = store();
    let account = store.ensure_account("work", "imap").unwrap();
    let other = store.ensure_account("home", "imap").unwrap();
    let mails = [
        ("q1", mail("q1@x", "quarantined", &[])),
        ("s1", mail("s1@x", "in spam", &[])),
        ("i1", mail("i1@x", "inbox", &[])),
    ];
    let added = put(&mut store, account, &mails).added;
    let other_added = put(&mut store, other, &[("q2", mail("q2@x", "elsewhere", &[]))]).added;
    for (remote, folder) in [
        ("q1", "Quarantaine"),
        ("s1", "Lists/Spam"),
        ("q2", "Quarantaine"),
    ] {
        store
            .conn
            .execute(
                "UPDATE locations SET folder = ?1 WHERE remote_id = ?2",
                [folder, remote],
            )
            .unwrap();
    }
    let id = |added: &[(usize, MessageId)], at: usize| added.iter().find(|a| a.0 == at).unwrap().1;
    let junk = |store: &Store| store.in_folders_for("\\Junk", &["spam"]).unwrap();
    // Found by name only, until the server marks the quarantine folder.
    assert_eq!(junk(&store), [id(&added, 1)]);
    let roles = [
        ("Quarantaine".to_owned(), Some("\\Junk".to_owned())),
        ("INBOX".to_owned(), None),
    ];
    store.set_folder_roles(account, &roles).unwrap();
    assert_eq!(junk(&store), [id(&added, 0), id(&added, 1)]);
    // The role is the account's: the other account's folder of that name is not Junk.
    assert!(!junk(&store).contains(&id(&other_added, 0)));
    // A folder no longer marked is no longer Junk.
    store
        .set_folder_roles(account, &[("Quarantaine".to_owned(), None)])
        .unwrap();
    assert_eq!(junk(&store), [id(&added, 1)]);
}
