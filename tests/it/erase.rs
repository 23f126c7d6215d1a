//! Erasure, checked on disk: after `inbox erase` and `account remove
//! --purge`, no file of the data directory holds the erased text, no row
//! refers to what went, and the rest is searchable as before.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{TestInbox, corpus};

/// In the subject, the body and the attachment's file name of one message.
pub(crate) const MARKER: &str = "ZQX-ERASE-7f3a91";
/// The word of [`MARKER`] the index keeps (it lowercases and splits at '-').
pub(crate) const MARKER_WORD: &str = "7f3a91";

pub(crate) fn marked_message() -> String {
    format!(
        "From: Erin Example <erin@example.org>\r\n\
         To: you@example.org\r\n\
         Subject: Private {MARKER} report\r\n\
         Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n\
         Message-ID: <erase-test@example.org>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         The secret word is {MARKER}, keep it.\r\n\
         --b1\r\n\
         Content-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"{MARKER}.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         AAECAwQFBgc=\r\n\
         --b1--\r\n"
    )
}

/// Files under `dir` (recursively) whose bytes contain `needle`.
pub(crate) fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|window| window == needle)
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// Terms of every indexed field (or only `field`) of every segment (deleted
/// documents' terms too, until their segment is rewritten) that contain `needle`.
pub(crate) fn index_terms_containing(
    home: &Path,
    field_name: Option<&str>,
    needle: &str,
) -> Vec<String> {
    let index = tantivy::Index::open_in_dir(home.join("index")).expect("open the index");
    let reader = index.reader().expect("index reader");
    let searcher = reader.searcher();
    let schema = index.schema();
    let mut found = Vec::new();
    for segment in searcher.segment_readers() {
        for (field, entry) in schema.fields() {
            if !entry.is_indexed() || field_name.is_some_and(|name| name != entry.name()) {
                continue;
            }
            let inverted = segment.inverted_index(field).expect("inverted index");
            let mut terms = inverted.terms().stream().expect("term stream");
            while terms.advance() {
                let term = String::from_utf8_lossy(terms.key());
                if term.contains(needle) {
                    found.push(format!("{}: {term}", entry.name()));
                }
            }
        }
    }
    found
}

/// Counts of a few queries, to compare before and after an erasure.
fn counts(inbox: &TestInbox, queries: &[&str]) -> BTreeMap<String, usize> {
    queries
        .iter()
        .map(|query| (query.to_string(), inbox.count(query)))
        .collect()
}

const QUERIES: &[&str] = &[
    "*",
    "account:tricky",
    "account:enron",
    "subject:meeting",
    "body:energy",
    "tag:unread",
];

#[test]
fn erased_message_leaves_no_byte_in_the_data_dir() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky"), "tricky");
    inbox.import(&corpus.join("enron-sample"), "enron");
    let before = counts(&inbox, QUERIES);
    let mail = tempfile::tempdir().unwrap();
    std::fs::write(mail.path().join("marked.eml"), marked_message()).unwrap();
    inbox.import(mail.path(), "private");
    assert_eq!(inbox.count(MARKER_WORD), 1);
    assert_eq!(inbox.count("subject:7f3a91 and body:secret"), 1);
    let home = inbox.home();
    assert!(
        !files_containing(&home, MARKER.as_bytes()).is_empty(),
        "the scan must see the marker before erasing, or it proves nothing"
    );
    assert!(!index_terms_containing(&home, None, MARKER_WORD).is_empty());

    let refused = inbox.run(&["erase", "subject:7f3a91"]);
    assert!(
        !refused.status.success(),
        "erasing without a terminal needs --yes"
    );
    assert_eq!(inbox.count(MARKER_WORD), 1);

    let said = inbox.ok(&["erase", "subject:7f3a91", "--yes"]);
    assert!(said.contains("1 message (private: 1)"), "{said}");
    assert!(said.contains("1 index documents"), "{said}");

    assert_eq!(
        files_containing(&home, MARKER.as_bytes()),
        Vec::<String>::new()
    );
    assert_eq!(
        files_containing(&home, MARKER.to_lowercase().as_bytes()),
        Vec::<String>::new()
    );
    assert_eq!(
        index_terms_containing(&home, None, MARKER_WORD),
        Vec::<String>::new()
    );
    assert_eq!(inbox.count(MARKER_WORD), 0);
    assert_eq!(counts(&inbox, QUERIES), before);
    let wal = home.join("store.sqlite3-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
    assert!(
        inbox
            .ok(&["erase", "subject:7f3a91", "--yes"])
            .contains("nothing to erase")
    );
}

#[test]
fn erase_thread_takes_the_whole_conversation() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("enron-sample"), "enron");
    let listing: Vec<serde_json::Value> =
        serde_json::from_str(&inbox.ok(&["search", "--json", "--limit", "100000", "*"]))
            .expect("search JSON");
    let mut threads: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for message in &listing {
        let thread = message["thread"].as_i64().unwrap();
        threads
            .entry(thread)
            .or_default()
            .push(message["id"].as_i64().unwrap());
    }
    let (thread, members) = threads
        .iter()
        .find(|(_, members)| members.len() >= 2)
        .expect("the corpus has a conversation of two or more messages");
    let total = inbox.count("*");
    let said = inbox.ok(&["erase", "--thread", &members[0].to_string(), "--yes"]);
    assert!(
        said.contains(&format!("erased {} messages", members.len())),
        "{said}"
    );
    assert_eq!(inbox.count(&format!("thread:{thread}")), 0);
    assert_eq!(inbox.count("*"), total - members.len());
    let gone = inbox.run(&["show", &members[1].to_string()]);
    assert!(!gone.status.success());
}

#[test]
fn purged_account_leaves_no_row_and_no_index_document() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky"), "tricky");
    inbox.import(&corpus.join("enron-sample"), "enron");
    inbox.ok(&["tag", "+work", "--", "account:enron"]);
    let tricky = inbox.count("account:tricky");
    let store = inbox.home().join("store.sqlite3");
    let account: i64 = rusqlite::Connection::open(&store)
        .unwrap()
        .query_row("SELECT id FROM accounts WHERE name = 'enron'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert!(!index_terms_containing(&inbox.home(), Some("account"), "enron").is_empty());

    let said = inbox.ok(&["account", "remove", "enron", "--purge", "--yes"]);
    assert!(said.contains("deleted"), "{said}");

    let db = rusqlite::Connection::open(&store).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [account], |row| row.get(0)).unwrap() };
    for sql in [
        "SELECT count(*) FROM accounts WHERE id = ?1",
        "SELECT count(*) FROM messages WHERE account_id = ?1",
        "SELECT count(*) FROM locations WHERE account_id = ?1",
        "SELECT count(*) FROM cursors WHERE account_id = ?1",
    ] {
        assert_eq!(count(sql), 0, "{sql}");
    }
    for table in [
        "raw",
        "body_text",
        "locations",
        "participants",
        "refs",
        "tags",
        "pending_flags",
    ] {
        let orphans: i64 = db
            .query_row(
                &format!(
                    "SELECT count(*) FROM {table} WHERE message_id NOT IN (SELECT id FROM messages)"
                ),
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0, "rows of erased messages left in {table}");
    }
    let tagged: i64 = db
        .query_row("SELECT count(*) FROM tags WHERE tag = 'work'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(tagged, 0);
    drop(db);
    assert_eq!(inbox.count("account:enron"), 0);
    assert_eq!(inbox.count("*"), tricky);
    assert_eq!(inbox.count("account:tricky"), tricky);
    assert_eq!(
        index_terms_containing(&inbox.home(), Some("account"), "enron"),
        Vec::<String>::new()
    );
}
