//! First syncs: full history, exact bytes, batches, crash and resume, corpus size.

use std::collections::BTreeMap;
use std::fs;

use inbox_connector_api::testing::{RecordingSink, check_conformance};
use inbox_connector_api::{Connector, ConnectorError, Cursor, SourceKind};
use inbox_connector_imap::ImapConnector;

use crate::util::{
    Admin, bodies, corpus, crlf, dovecot, flags, message, prefix, settings, stored, sync,
};

/// Three folders (one nested, one with a space), five messages.
async fn three_folders(admin: &mut Admin) -> BTreeMap<String, Vec<Vec<u8>>> {
    let mut appended: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for (name, subjects) in [
        ("Work", &["w1", "w2"][..]),
        ("Work/2024", &["n1"][..]),
        ("Old mail", &["o1", "o2"][..]),
    ] {
        let folder = admin.create(name).await;
        for subject in subjects {
            let bytes = message(subject);
            admin.append(&folder, &bytes, "()").await;
            appended.entry(folder.clone()).or_default().push(bytes);
        }
    }
    appended
}

#[tokio::test]
async fn each_synced_folder_is_told_with_its_special_use() {
    let Some(()) = dovecot() else { return };
    let mut special = settings("none");
    special.include = vec!["Junk".into(), "Sent".into()];
    let mut sink = RecordingSink::new(50);
    sync(&special, &mut sink).await;
    let role = |folder: &str| sink.roles().get(folder).cloned().flatten();
    assert_eq!(role("Junk").as_deref(), Some("\\Junk"));
    assert_eq!(role("Sent").as_deref(), Some("\\Sent"));
    assert_eq!(sink.roles().len(), 2, "{:?}", sink.roles());

    let prefix = prefix("roles");
    let mut admin = Admin::connect(&prefix).await;
    let plain = admin.create("Plain").await;
    let mut sink = RecordingSink::new(50);
    sync(&settings(&prefix), &mut sink).await;
    assert_eq!(sink.roles().get(&plain), Some(&None), "{:?}", sink.roles());
    admin.cleanup().await;
}

#[tokio::test]
async fn first_sync_delivers_exactly_the_messages_unread_and_in_batches() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("full");
    let mut admin = Admin::connect(&prefix).await;
    let appended = three_folders(&mut admin).await;
    let flagged = admin.create("Flagged").await;
    admin
        .append(&flagged, &message("f1"), "(\\Seen \\Flagged)")
        .await;

    let mut sink = RecordingSink::new(2);
    sync(&settings(&prefix), &mut sink).await;

    let mut expected = appended.clone();
    expected.insert(flagged.clone(), vec![message("f1")]);
    assert_eq!(bodies(&sink), expected);
    assert_batches(&sink, 2, 3);
    let work = format!("{prefix}/Work");
    let validity = admin.uidvalidity(&work).await;
    for item in sink.new_items() {
        assert_eq!(item.source, SourceKind::Imap);
        // 01-Jan-2024 10:00:00 +0000, the APPEND date
        assert_eq!(item.received, Some(1_704_103_200));
        let expected_flags = flags(
            item.location.folder == flagged,
            item.location.folder == flagged,
        );
        assert_eq!(item.flags, expected_flags, "{:?}", item.location);
    }
    let work_ids: Vec<&str> = sink
        .new_items()
        .filter(|item| item.location.folder == work)
        .map(|item| item.location.remote_id.as_str())
        .collect();
    assert_eq!(work_ids, [format!("{validity}:1"), format!("{validity}:2")]);
    // Reading bodies never marked anything read.
    for uid_flags in admin.flags(&work).await.values() {
        assert!(
            !uid_flags.iter().any(|flag| flag == "Seen"),
            "{uid_flags:?}"
        );
    }

    // A second sync from the final cursor has nothing to say.
    sink.clear_log();
    sync(&settings(&prefix), &mut sink).await;
    assert_eq!(sink.changes().count(), 0);
    admin.cleanup().await;
}

#[tokio::test]
async fn a_sync_stopped_by_a_failed_commit_resumes_without_loss_or_duplicates() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("crash");
    let mut admin = Admin::connect(&prefix).await;
    three_folders(&mut admin).await;
    let mut reference = RecordingSink::new(2);
    sync(&settings(&prefix), &mut reference).await;

    let mut sink = RecordingSink::new(2);
    sink.fail_commit(1);
    let result = ImapConnector::new(settings(&prefix))
        .sync(&Cursor::default(), &mut sink)
        .await;
    assert!(matches!(result, Err(ConnectorError::Sink(_))), "{result:?}");
    assert_eq!(sink.stored().len(), 2);
    assert_eq!(sink.calls_after_failure(), 0);
    sink.clear_log();
    sync(&settings(&prefix), &mut sink).await;
    assert!(sink.redelivered().is_empty(), "{:?}", sink.redelivered());
    assert_eq!(sink.new_items().count(), 3);
    assert_eq!(stored(&sink), stored(&reference));
    assert_eq!(stored(&sink).len(), 5);

    let report = check_conformance(|| ImapConnector::new(settings(&prefix)), 2)
        .await
        .expect("the connector follows the contract");
    assert_eq!(report.items, 5);
    admin.cleanup().await;
}

#[tokio::test]
async fn three_hundred_corpus_messages_arrive_intact_in_chunks() {
    let Some(()) = dovecot() else { return };
    let Some(corpus) = corpus() else { return };
    let prefix = prefix("corpus");
    let mut admin = Admin::connect(&prefix).await;
    let folder = admin.create("ham").await;
    let dir = corpus.join("spamassassin/easy_ham/cur");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let mut appended = Vec::new();
    for path in paths.into_iter().take(300) {
        let bytes = crlf(&fs::read(&path).unwrap());
        admin.append(&folder, &bytes, "()").await;
        appended.push(bytes);
    }

    let mut sink = RecordingSink::new(64);
    let started = std::time::Instant::now();
    sync(&settings(&prefix), &mut sink).await;
    eprintln!("synced 300 corpus messages in {:?}", started.elapsed());
    assert_batches(&sink, 64, 5);
    let delivered = bodies(&sink).remove(&folder).unwrap();
    assert_eq!(delivered.len(), 300);
    assert!(
        delivered == appended,
        "fetched bytes differ from the appended ones"
    );
    admin.cleanup().await;
}

/// `full` batches of at most `size` changes, then at most one empty one carrying the final cursor.
fn assert_batches(sink: &RecordingSink, size: usize, full: usize) {
    let sizes: Vec<usize> = sink.batches().iter().map(|b| b.changes.len()).collect();
    let (filled, rest) = sizes.split_at(full.min(sizes.len()));
    assert!(filled.iter().all(|&n| n > 0 && n <= size), "{sizes:?}");
    assert!(rest.is_empty() || rest == [0usize], "{sizes:?}");
}
