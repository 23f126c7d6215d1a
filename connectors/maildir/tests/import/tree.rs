//! Imports of trees built in temp directories.

use std::fs::{self, File};
use std::time::{Duration, SystemTime};

use inbox_connector_api::testing::{RecordingSink, check_conformance};
use inbox_connector_api::{Change, Connector, ConnectorError, Cursor, Flags, SourceKind};
use inbox_connector_maildir::MaildirConnector;
use tempfile::TempDir;

use crate::util::{import, import_from, location, message, new_per_folder, stored_flags, write};

/// A Maildir++ tree with bookkeeping files, a hidden non-maildir and tmp/.
fn maildir_plus_plus() -> TempDir {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    write(&root.join("cur/1.host:2,S"), &message("inbox-read"));
    write(&root.join("new/2.host"), &message("inbox-new"));
    write(&root.join("tmp/3.host"), &message("being-delivered"));
    write(&root.join(".Sent/cur/4.host:2,RS"), &message("sent"));
    write(
        &root.join(".Archive.2019/cur/5.host;2,FT"),
        &message("archived"),
    );
    write(&root.join(".Archive.2019/maildirfolder"), b"");
    write(&root.join(".notmuch/xapian/record.glass"), b"binary");
    write(&root.join("dovecot-uidlist"), b"3 V1 N6\n");
    write(&root.join("subscriptions"), b"Sent\n");
    dir
}

#[tokio::test]
async fn maildir_plus_plus_folders_and_flags() {
    let dir = maildir_plus_plus();
    let mut sink = RecordingSink::new(100);
    import(dir.path(), &mut sink).await;

    let folders: Vec<(String, usize)> = new_per_folder(&sink).into_iter().collect();
    let expected = [("Archive/2019", 1), ("INBOX", 2), ("Sent", 1)]
        .map(|(folder, count)| (folder.to_owned(), count));
    assert_eq!(folders, expected);
    assert!(sink.warnings().is_empty(), "{:?}", sink.warnings());
    let seen = Flags {
        seen: true,
        ..Flags::default()
    };
    assert_eq!(stored_flags(&sink, "INBOX", "1.host"), Some(seen));
    assert_eq!(
        stored_flags(&sink, "INBOX", "2.host"),
        Some(Flags::default())
    );
    assert_eq!(
        stored_flags(&sink, "Sent", "4.host"),
        Some(Flags {
            answered: true,
            ..seen
        })
    );
    assert_eq!(
        stored_flags(&sink, "Archive/2019", "5.host"),
        Some(Flags {
            flagged: true,
            deleted: true,
            ..Flags::default()
        })
    );
    let item = sink
        .new_items()
        .find(|item| item.location.remote_id == "1.host")
        .unwrap();
    assert_eq!(item.bytes, message("inbox-read"));
    assert!(
        item.received
            .is_some_and(|received| received > 1_600_000_000)
    );
}

#[tokio::test]
async fn a_renamed_info_suffix_is_one_flag_change() {
    let dir = maildir_plus_plus();
    let mut sink = RecordingSink::new(100);
    import(dir.path(), &mut sink).await;
    sink.clear_log();

    fs::rename(
        dir.path().join("cur/1.host:2,S"),
        dir.path().join("cur/1.host:2,FS"),
    )
    .unwrap();
    import(dir.path(), &mut sink).await;

    let changes: Vec<&Change> = sink.changes().collect();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let Change::Flags {
        location: changed,
        flags,
    } = changes[0]
    else {
        panic!("not a flag change: {changes:?}")
    };
    assert_eq!(changed, &location("INBOX", "1.host"));
    assert_eq!(
        *flags,
        Flags {
            seen: true,
            flagged: true,
            ..Flags::default()
        }
    );
}

#[tokio::test]
async fn moving_from_new_to_cur_keeps_the_id() {
    let dir = maildir_plus_plus();
    let mut sink = RecordingSink::new(100);
    import(dir.path(), &mut sink).await;
    sink.clear_log();

    fs::rename(
        dir.path().join("new/2.host"),
        dir.path().join("cur/2.host:2,"),
    )
    .unwrap();
    import(dir.path(), &mut sink).await;
    assert_eq!(sink.changes().count(), 0);

    write(&dir.path().join("new/2.host"), &message("inbox-new"));
    import(dir.path(), &mut sink).await;
    assert_eq!(
        sink.changes().count(),
        0,
        "a name in both cur/ and new/ is one message"
    );
}

#[tokio::test]
async fn nothing_is_read_again_when_everything_is_known() {
    let dir = maildir_plus_plus();
    let mut sink = RecordingSink::new(100);
    import(dir.path(), &mut sink).await;
    let stored = sink.stored().len();
    sink.clear_log();

    // Known files are compared by name only: emptying them changes nothing.
    for path in ["cur/1.host:2,S", ".Sent/cur/4.host:2,RS"] {
        File::create(dir.path().join(path)).unwrap();
    }
    import_from(dir.path(), &Cursor::default(), &mut sink).await;
    assert_eq!(sink.changes().count(), 0);
    assert_eq!(sink.stored().len(), stored);
}

#[tokio::test]
async fn plain_tree_with_maildirs_mboxes_and_loose_files() {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    write(&root.join("work/projects/cur/1.host:2,"), &message("deep"));
    write(&root.join("work/note.eml"), &message("loose"));
    write(&root.join("top.eml"), &message("top"));
    write(
        &root.join("archive/old.mbox"),
        b"From a\nSubject: 1\n\none\n\nFrom b\nSubject: 2\n\ntwo\n",
    );
    write(
        &root.join("archive/README"),
        b"Old mail, kept for reference.\n",
    );
    write(&root.join("archive/empty.eml"), b"");

    let connector = MaildirConnector::open(root).unwrap();
    assert_eq!(connector.kind(), SourceKind::Maildir);
    let mut sink = RecordingSink::new(100);
    import(root, &mut sink).await;

    let folders: Vec<(String, usize)> = new_per_folder(&sink).into_iter().collect();
    let expected = [
        ("INBOX", 1),
        ("archive/old.mbox", 2),
        ("work", 1),
        ("work/projects", 1),
    ];
    assert_eq!(
        folders,
        expected.map(|(folder, count)| (folder.to_owned(), count))
    );
    assert!(sink.stored().contains_key(&location("work", "note.eml")));
    assert!(
        sink.stored()
            .contains_key(&location("archive/old.mbox", "0"))
    );
    for item in sink.new_items() {
        let expected = if item.location.folder == "archive/old.mbox" {
            SourceKind::Mbox
        } else {
            SourceKind::Maildir
        };
        assert_eq!(item.source, expected, "{:?}", item.location);
    }

    let warned: Vec<&str> = sink
        .warnings()
        .iter()
        .map(|(location, _)| location.remote_id.as_str())
        .collect();
    assert_eq!(warned, ["README", "empty.eml"]);
    assert!(
        sink.warnings()[0].1.contains("not a mail message"),
        "{}",
        sink.warnings()[0].1
    );
}

#[tokio::test]
async fn an_unchanged_mbox_is_skipped_by_cursor() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("inbox.mbox");
    write(
        &path,
        b"From a\nStatus: O\nSubject: 1\n\none\n\nFrom b\nStatus: O\nSubject: 2\n\ntwo\n",
    );
    let connector = MaildirConnector::open(&path).unwrap();
    assert_eq!(connector.kind(), SourceKind::Mbox);
    let mut sink = RecordingSink::new(100);
    import(&path, &mut sink).await;
    assert_eq!(new_per_folder(&sink).get("inbox.mbox"), Some(&2));
    assert!(
        sink.cursor().0.contains("inbox.mbox"),
        "{:?}",
        sink.cursor()
    );
    sink.clear_log();

    // Both marked read, same size and mtime: with the cursor it is not read.
    let mtime = fs::metadata(&path).unwrap().modified().unwrap();
    write(
        &path,
        b"From a\nStatus: R\nSubject: 1\n\none\n\nFrom b\nStatus: R\nSubject: 2\n\ntwo\n",
    );
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    import(&path, &mut sink).await;
    assert_eq!(sink.changes().count(), 0);
    assert!(sink.batches().is_empty(), "no commit when nothing changed");

    // Without the cursor it is read again, and the flags changed.
    import_from(&path, &Cursor::default(), &mut sink).await;
    assert_eq!(sink.new_items().count(), 0);
    assert_eq!(sink.flag_changes().count(), 2);
}

#[tokio::test]
async fn an_appended_mbox_yields_only_the_new_message() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("spool");
    let first = b"From a\nSubject: 1\nStatus: O\n\none\n\n".to_vec();
    write(&path, &first);
    let mut sink = RecordingSink::new(100);
    import(dir.path(), &mut sink).await;
    sink.clear_log();

    let mut appended = first.clone();
    appended.extend_from_slice(b"From b\nSubject: 2\n\ntwo\n");
    write(&path, &appended);
    File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now() + Duration::from_secs(5))
        .unwrap();
    import(dir.path(), &mut sink).await;
    let new: Vec<&str> = sink
        .new_items()
        .map(|item| item.location.remote_id.as_str())
        .collect();
    assert_eq!(new, [first.len().to_string()]);
    assert_eq!(sink.flag_changes().count(), 0);
}

#[tokio::test]
async fn a_flag_change_in_an_mbox_is_reported() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("box");
    write(&path, b"From a\nSubject: 1\nStatus: O\n\none\n");
    let mut sink = RecordingSink::new(100);
    import(dir.path(), &mut sink).await;
    sink.clear_log();

    write(&path, b"From a\nSubject: 1\nStatus: RO\n\none\n");
    import_from(dir.path(), &Cursor::default(), &mut sink).await;
    let changes: Vec<_> = sink.flag_changes().collect();
    assert_eq!(
        changes,
        [(
            &location("box", "0"),
            Flags {
                seen: true,
                ..Flags::default()
            }
        )]
    );
    assert_eq!(sink.new_items().count(), 0);
}

#[tokio::test]
async fn symbolic_links_to_files_are_followed_and_to_directories_reported() {
    let dir = TempDir::new().unwrap();
    let elsewhere = TempDir::new().unwrap();
    write(&elsewhere.path().join("msg.eml"), &message("linked"));
    write(
        &elsewhere.path().join("box/cur/1:2,"),
        &message("linked-dir"),
    );
    fs::create_dir(dir.path().join("mail")).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path().join("msg.eml"),
        dir.path().join("mail/msg.eml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(elsewhere.path().join("box"), dir.path().join("mail/box")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("mail/loop")).unwrap();

    let mut sink = RecordingSink::new(100);
    import(dir.path(), &mut sink).await;
    let new: Vec<_> = sink.new_items().map(|item| item.location.clone()).collect();
    assert_eq!(new, [location("mail", "msg.eml")]);
    let warned: Vec<&str> = sink
        .warnings()
        .iter()
        .map(|(location, _)| location.remote_id.as_str())
        .collect();
    assert_eq!(warned, ["box", "loop"]);
}

#[tokio::test]
async fn bad_paths_are_errors_that_say_what_to_do() {
    let dir = TempDir::new().unwrap();
    let missing = MaildirConnector::open(dir.path().join("nope")).unwrap_err();
    assert!(matches!(missing, ConnectorError::Io { .. }));
    assert!(missing.to_string().contains("check the path"), "{missing}");

    write(&dir.path().join("notes.txt"), b"shopping list\n");
    let other = MaildirConnector::open(dir.path().join("notes.txt")).unwrap_err();
    assert!(matches!(other, ConnectorError::Unsupported(_)), "{other}");
}

#[tokio::test]
async fn a_failing_sink_stops_the_import() {
    let dir = maildir_plus_plus();
    let mut sink = RecordingSink::new(1);
    sink.fail_commit(1);
    let mut connector = MaildirConnector::open(dir.path()).unwrap();
    let result = connector.sync(&Cursor::default(), &mut sink).await;
    assert!(matches!(result, Err(ConnectorError::Sink(_))), "{result:?}");
    assert_eq!(sink.stored().len(), 1);
    assert_eq!(sink.calls_after_failure(), 0);
}

#[tokio::test]
async fn temp_trees_pass_the_conformance_check() {
    let dir = maildir_plus_plus();
    write(
        &dir.path().join("lists/rust.mbox"),
        b"From a\nSubject: 1\n\none\n\nFrom b\nSubject: 2\n\ntwo\n",
    );
    let root = dir.path().to_path_buf();
    let report = check_conformance(|| MaildirConnector::open(&root).unwrap(), 2)
        .await
        .unwrap();
    assert_eq!(report.items, 6);
    assert_eq!(report.batches, 3);
}

#[tokio::test]
async fn a_single_message_file_imports_into_inbox() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("saved.eml");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&message("saved"));
    write(&path, &bytes);
    assert_eq!(
        MaildirConnector::open(&path).unwrap().kind(),
        SourceKind::Maildir
    );
    let mut sink = RecordingSink::new(10);
    import(&path, &mut sink).await;
    let items: Vec<_> = sink.new_items().collect();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].location, location("INBOX", "saved.eml"));
    assert_eq!(
        items[0].bytes,
        message("saved"),
        "without the byte order mark"
    );
}
