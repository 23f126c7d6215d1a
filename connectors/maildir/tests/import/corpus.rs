//! Imports of the shared corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use inbox_connector_api::testing::{RecordingSink, check_conformance};
use inbox_connector_api::{Cursor, Flags};
use inbox_connector_maildir::MaildirConnector;

use crate::util::{corpus, import, import_from, location, new_per_folder, stored_flags};

const MBOX_DIR: &str = "mime-tricky/mimekit/mbox";
const LAYOUT: &str = "mime-tricky/mail-parser/maildir-layout";

/// Files in every `cur/` and `new/` under `root`, by the folder the import
/// should give them (relative path; `.A.B` parts read as `A/B`; `INBOX` at the root).
fn message_files_on_disk(root: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for part in ["cur", "new"] {
            let Ok(entries) = fs::read_dir(dir.join(part)) else {
                continue;
            };
            let relative = dir
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let folder = if relative.is_empty() {
                "INBOX".to_owned()
            } else {
                relative
                    .split('/')
                    .flat_map(|part| match part.strip_prefix('.') {
                        Some(dotted) => dotted.split('.').collect::<Vec<_>>(),
                        None => vec![part],
                    })
                    .collect::<Vec<_>>()
                    .join("/")
            };
            *counts.entry(folder).or_default() += entries.count();
        }
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(entry.path());
            }
        }
    }
    counts.retain(|_, count| *count > 0);
    counts
}

#[tokio::test]
async fn the_whole_corpus_imports() {
    let Some(corpus) = corpus() else { return };
    let root = corpus;
    let mut sink = RecordingSink::new(500);
    import(&root, &mut sink).await;

    let mut imported = new_per_folder(&sink);
    let mboxes: BTreeMap<String, usize> = ["content-length", "issue1189", "simple", "unmunged"]
        .into_iter()
        .map(|name| {
            let folder = format!("{MBOX_DIR}/{name}.mbox.txt");
            let count = imported.remove(&folder).unwrap_or(0);
            (name.to_owned(), count)
        })
        .collect();
    let expected_mboxes = [
        ("content-length", 29),
        ("issue1189", 4),
        ("simple", 3),
        ("unmunged", 3),
    ];
    assert_eq!(
        mboxes,
        expected_mboxes
            .map(|(name, count)| (name.to_owned(), count))
            .into()
    );
    let on_disk = message_files_on_disk(&root);
    assert!(on_disk.values().sum::<usize>() > 5_000);
    assert_eq!(imported, on_disk);
    assert!(
        sink.batches()
            .iter()
            .all(|batch| batch.changes.len() <= 500)
    );

    let warned: BTreeSet<(String, String)> = sink
        .warnings()
        .iter()
        .map(|(location, _)| (location.folder.clone(), location.remote_id.clone()))
        .collect();
    let expected = [
        ("INBOX", "README.md"),
        ("mime-tricky/mail-parser/malformed", "COPYING"),
        ("mime-tricky/mail-parser/thirdparty", "COPYING"),
        ("spamassassin", "labels.tsv"),
    ];
    assert_eq!(
        warned,
        expected
            .map(|(folder, name)| (folder.to_owned(), name.to_owned()))
            .into()
    );
    assert!(
        sink.warnings()
            .iter()
            .all(|(_, message)| message.contains("not a mail message"))
    );
}

#[tokio::test]
async fn a_second_import_finds_nothing_new() {
    let Some(corpus) = corpus() else { return };
    let root = corpus;
    let mut sink = RecordingSink::new(1_000);
    import(&root, &mut sink).await;
    let stored = sink.stored().len();

    sink.clear_log();
    import(&root, &mut sink).await;
    assert_eq!(sink.changes().count(), 0, "resumed from the cursor");

    sink.clear_log();
    import_from(&root, &Cursor::default(), &mut sink).await;
    assert_eq!(
        sink.new_items().count(),
        0,
        "from an empty cursor: mbox files are read, nothing is new"
    );
    assert_eq!(sink.flag_changes().count(), 0);
    assert_eq!(sink.stored().len(), stored);
}

#[tokio::test]
async fn maildir_plus_plus_sample_folders_and_flags() {
    let Some(corpus) = corpus() else { return };
    let root = corpus.join(LAYOUT);
    let mut sink = RecordingSink::new(100);
    import(&root, &mut sink).await;

    let folders: Vec<(String, usize)> = new_per_folder(&sink).into_iter().collect();
    let expected = [
        ("INBOX", 2),
        ("My Folder", 2),
        ("My Folder/Nested Folder", 2),
    ];
    assert_eq!(
        folders,
        expected.map(|(folder, count)| (folder.to_owned(), count))
    );

    let flags = |seen, flagged, answered, draft, deleted| Flags {
        seen,
        flagged,
        answered,
        draft,
        deleted,
    };
    let cases = [
        (
            "INBOX",
            "1234567890.M20046P2137.mailserver,S=4542,W=4642",
            flags(true, false, false, false, false),
        ),
        (
            "INBOX",
            "1491941793.M41850P8566V0000000000000015I0000000004F3030E_0.mx1.example.com,S=10956",
            flags(true, false, false, false, true),
        ),
        (
            "My Folder",
            "1035478339.27041_118.foo.org,S=1000,W=1030",
            flags(false, false, true, true, true),
        ),
        (
            "My Folder",
            "1276528487.M364837P9451.kurkku,S=1355,W=1394",
            Flags::default(),
        ),
        (
            "My Folder/Nested Folder",
            "1035478339.27041_118.foo.org,S=1000,W=1030",
            flags(false, true, true, true, false),
        ),
        (
            "My Folder/Nested Folder",
            "1276533073.M242911P3632.kurkku",
            flags(false, true, false, false, false),
        ),
    ];
    for (folder, id, expected) in cases {
        assert_eq!(
            stored_flags(&sink, folder, id),
            Some(expected),
            "{folder} {id}"
        );
    }
}

#[tokio::test]
async fn mbox_samples_frame_and_unescape() {
    let Some(corpus) = corpus() else { return };
    let root = corpus.join(MBOX_DIR);
    let mut sink = RecordingSink::new(100);
    import(&root, &mut sink).await;
    let bodies = |name: &str| -> Vec<String> {
        sink.new_items()
            .filter(|item| item.location.folder == name)
            .map(|item| String::from_utf8_lossy(&item.bytes).into_owned())
            .collect()
    };

    let unmunged = bodies("unmunged.mbox.txt");
    assert!(
        unmunged[0].starts_with("From: Jeffrey Stedfast"),
        "the byte order mark is not part of it"
    );
    assert!(unmunged[0].contains("\n\nFrom Russia with love\n\nWhat does Thunderbird do?"));
    assert!(
        unmunged[2].starts_with("Year: 1963\n"),
        "a From line followed by a header field starts a message"
    );
    assert!(
        sink.stored()
            .contains_key(&location("unmunged.mbox.txt", "3"))
    );

    let framed = bodies("content-length.mbox.txt");
    assert_eq!(framed.len(), 29);
    assert!(
        framed
            .iter()
            .all(|message| !message.starts_with('\n') && message.contains("Content-Length:"))
    );
    let unescaped = framed
        .iter()
        .filter(|message| message.contains("\nFrom - Fri Dec 13 15:01:21 1996"))
        .count();
    assert_eq!(unescaped, 2, ">From lines lose one >");
    assert!(framed.iter().all(|message| !message.contains("\n>From ")));

    let simple = bodies("simple.mbox.txt");
    assert!(
        simple
            .iter()
            .all(|message| message.starts_with("From: fejj@gnome.org\n"))
    );
}

#[tokio::test]
async fn the_corpus_passes_the_conformance_check() {
    let Some(corpus) = corpus() else { return };
    let root = corpus;
    let report = check_conformance(|| MaildirConnector::open(&root).unwrap(), 1_000)
        .await
        .unwrap();
    assert!(report.items > 5_000);
    assert_eq!(report.warnings, 4);
}
