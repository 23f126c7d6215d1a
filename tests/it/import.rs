//! Importing the corpus: every file, counts per folder, no duplicates on re-import.

use std::collections::BTreeMap;

use crate::util::{TestInbox, corpus, mail_corpus, maildir_files};

/// Messages per (account, folder) as `inbox stats --json` reports them.
fn stored_folders(inbox: &TestInbox) -> BTreeMap<(String, String), u64> {
    let stats: serde_json::Value = serde_json::from_str(&inbox.ok(&["stats", "--json"])).unwrap();
    stats["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = (
                f["account"].as_str().unwrap().to_owned(),
                f["folder"].as_str().unwrap().to_owned(),
            );
            (key, f["messages"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn folder_counts_match_the_files_on_disk() {
    let Some(corpus) = corpus() else { return };
    let Some(inbox) = mail_corpus() else { return };
    let stored = stored_folders(inbox);
    for (account, dir) in [("spamassassin", "spamassassin"), ("enron", "enron-sample")] {
        let on_disk = maildir_files(&corpus.join(dir));
        assert!(on_disk.len() > 4, "{dir}: {on_disk:?}");
        for (folder, files) in on_disk {
            let key = (account.to_owned(), folder.clone());
            assert_eq!(stored.get(&key), Some(&files), "{account} {folder}");
        }
    }
    let total: u64 = stored.values().sum();
    assert_eq!(total, 4_837 + 240);
}

#[test]
fn reimport_adds_nothing() {
    let Some(corpus) = corpus() else { return };
    let Some(inbox) = mail_corpus() else { return };
    let before = inbox.count("*");
    let again = inbox.import(&corpus.join("enron-sample"), "enron");
    assert_eq!(
        (again.imported, again.duplicates, again.flag_changes),
        (0, 0, 0)
    );
    assert_eq!(inbox.count("*"), before);
}

#[test]
fn whole_corpus_imports_and_raw_bytes_are_kept() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    let root = corpus;
    let summary = inbox.import(&root, "all");
    let files: u64 = maildir_files(&root).values().sum();
    let mbox_messages = 29 + 4 + 3 + 3;
    // Every message file and mbox message is either stored or recognised as a copy.
    assert_eq!(
        summary.imported + summary.duplicates,
        files + mbox_messages,
        "{summary:?}"
    );
    // README.md, labels.tsv and two COPYING files are not messages.
    assert_eq!(summary.skipped, 4, "{summary:?}");
    assert_eq!(inbox.count("*") as u64, summary.imported);

    // The raw bytes come back exactly as they were on disk.
    let listing: serde_json::Value = serde_json::from_str(&inbox.ok(&[
        "search",
        "--json",
        "folder:mime-tricky/mimekit/messages",
    ]))
    .unwrap();
    let stored: Vec<Vec<u8>> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            inbox
                .run(&["show", "--raw", &m["id"].as_i64().unwrap().to_string()])
                .stdout
        })
        .collect();
    let sample = root.join("mime-tricky/mimekit/messages/cur");
    let files: Vec<_> = std::fs::read_dir(&sample).unwrap().flatten().collect();
    for entry in files {
        let bytes = std::fs::read(entry.path()).unwrap();
        assert!(
            stored.contains(&bytes),
            "{} not stored byte for byte",
            entry.path().display()
        );
    }
}

#[test]
fn unreadable_mail_is_kept_and_findable() {
    let inbox = TestInbox::new();
    let maildir = inbox.home().with_file_name("broken");
    std::fs::create_dir_all(maildir.join("cur")).unwrap();
    std::fs::create_dir_all(maildir.join("new")).unwrap();
    let mut bytes = b"Subject: zqxjmarker in a broken message\r\nContent-Type: multipart/mixed; boundary=\"\r\n\r\n".to_vec();
    bytes.extend((0..=255u8).cycle().take(4096));
    std::fs::write(maildir.join("cur/1.broken:2,S"), &bytes).unwrap();
    let summary = inbox.import(&maildir, "broken");
    assert_eq!(summary.imported, 1);
    assert_eq!(inbox.count("subject:zqxjmarker"), 1);
    assert_eq!(inbox.count("is:read"), 1);
    let id = inbox.ok(&["search", "--json", "zqxjmarker"]);
    let id = serde_json::from_str::<serde_json::Value>(&id).unwrap()[0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(inbox.run(&["show", "--raw", &id.to_string()]).stdout, bytes);
}

#[test]
fn data_files_are_private() {
    let Some(corpus) = corpus() else { return };
    use std::os::unix::fs::PermissionsExt;
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky/mail-parser/rfc"), "rfc");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&inbox.home()), 0o700, "data dir open to others");
    let mut checked = 0;
    for entry in walkdir(&inbox.home()) {
        assert_eq!(
            mode(&entry) & 0o077,
            0,
            "{} is readable by others",
            entry.display()
        );
        checked += 1;
    }
    assert!(checked > 3, "only {checked} files");
}

fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walkdir(&path));
        }
        found.push(path);
    }
    found
}
