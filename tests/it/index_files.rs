//! The index directory holds only what the last commit uses, also when the
//! command line writes the index while `inboxd` runs: nothing is left
//! behind by a daemon `tag` after a command-line import, and an erasure
//! through the daemon leaves no file with the erased words.

use std::collections::BTreeSet;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Child;

use inbox::home::Home;

use crate::daemon_process::{eventually, signal, start_daemon, wait_exit};
use crate::erase::{MARKER, MARKER_WORD, files_containing, index_terms_containing, marked_message};
use crate::util::{TestInbox, corpus};

/// Files of the index directory that its last commit (`meta.json`) does
/// not use, leaving out meta.json and tantivy's bookkeeping (dot files).
fn unused_index_files(home: &Path) -> BTreeSet<String> {
    let dir = home.join("index");
    let metas = tantivy::Index::open_in_dir(&dir)
        .expect("open the index")
        .load_metas()
        .expect("meta.json");
    let live = metas.list_segment_files();
    std::fs::read_dir(&dir)
        .expect("read the index directory")
        .map(|entry| entry.expect("entry").file_name())
        .filter(|name| !live.contains(Path::new(name)))
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && name != "meta.json")
        .collect()
}

/// `inboxd` on `inbox`, answering on its socket.
fn serving(inbox: &TestInbox) -> Child {
    let daemon = start_daemon(inbox, &inbox.home().join("../inboxd.log"));
    let socket = Home::at(&inbox.home()).socket_path();
    eventually("the socket", || UnixStream::connect(&socket).ok());
    daemon
}

fn stop(mut daemon: Child) {
    signal(&daemon, "-TERM");
    assert!(wait_exit(&mut daemon).success());
}

#[test]
fn a_daemon_tag_after_a_cli_import_leaves_no_unused_index_file() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky"), "tricky");
    let daemon = serving(&inbox);
    inbox.import(&corpus.join("enron-sample"), "enron");
    let said = inbox.ok(&["tag", "+review", "--", "account:enron"]);
    assert!(said.contains("matching messages changed"), "{said}");
    assert_eq!(
        unused_index_files(&inbox.home()),
        BTreeSet::new(),
        "left in index/"
    );
    assert_eq!(inbox.count("tag:review"), inbox.count("account:enron"));
    stop(daemon);
}

#[test]
fn erasing_through_the_daemon_after_a_cli_import_leaves_no_copy() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky"), "tricky");
    let daemon = serving(&inbox);
    let mail = tempfile::tempdir().expect("temp dir");
    std::fs::write(mail.path().join("marked.eml"), marked_message()).expect("write");
    inbox.import(mail.path(), "private");
    inbox.import(&corpus.join("enron-sample"), "enron");
    let home = inbox.home();
    assert!(
        !files_containing(&home, MARKER.as_bytes()).is_empty(),
        "the scan must see the marker before erasing, or it proves nothing"
    );
    assert!(!index_terms_containing(&home, None, MARKER_WORD).is_empty());
    let total = inbox.count("*");

    let said = inbox.ok(&["erase", "subject:7f3a91", "--yes"]);
    assert!(said.contains("1 message (private: 1)"), "{said}");

    assert_eq!(unused_index_files(&home), BTreeSet::new(), "left in index/");
    for needle in [MARKER.to_owned(), MARKER.to_lowercase()] {
        assert_eq!(
            files_containing(&home, needle.as_bytes()),
            Vec::<String>::new()
        );
    }
    assert_eq!(
        index_terms_containing(&home, None, MARKER_WORD),
        Vec::<String>::new()
    );
    assert_eq!(inbox.count("*"), total - 1);
    stop(daemon);
}
