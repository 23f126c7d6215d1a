use std::path::Path;

use inbox_connector_maildir::MaildirConnector;

use super::*;
use crate::index::parse;
use crate::store::TagChange;

fn write_maildir(root: &Path, messages: &[(&str, &str)]) {
    for dir in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    for (name, text) in messages {
        std::fs::write(root.join("cur").join(format!("{name}:2,")), text).unwrap();
    }
}

fn sync(store: &mut Store, index: &Index, maildir: &Path) -> Report {
    let mut connector = MaildirConnector::open(maildir).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(sync_account(
            store,
            index,
            &mut connector,
            "home",
            "local",
            crate::tagging::Tagger::new(Default::default(), None),
            &(),
        ))
        .unwrap()
}

fn count(index: &Index, query: &str) -> usize {
    index.count(&parse(query).unwrap()).unwrap()
}

#[test]
fn a_sync_stores_indexes_and_threads() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    write_maildir(
        &maildir,
        &[
            (
                "1",
                "Message-ID: <a@x>\nSubject: plan\nFrom: Ann <ann@x.org>\n\nfirst draft\n",
            ),
            (
                "2",
                "Message-ID: <b@x>\nIn-Reply-To: <a@x>\nSubject: Re: plan\n\nlooks good\n",
            ),
            ("3", "Message-ID: <c@x>\nSubject: other\n\nunrelated\n"),
        ],
    );
    let mut store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
    let index = Index::open(&dir.path().join("index")).unwrap();
    let report = sync(&mut store, &index, &maildir);
    assert_eq!((report.imported, report.duplicates), (3, 0));
    assert_eq!(count(&index, "*"), 3);
    assert_eq!(count(&index, "from:ann@x.org"), 1);
    assert_eq!(
        index.indexed_seq().unwrap(),
        Some(store.change_seq().unwrap())
    );
    let reply = index
        .search(
            &parse("looks").unwrap(),
            crate::index::Sort::Relevance,
            1,
            0,
        )
        .unwrap();
    let thread = store.summary(reply[0]).unwrap().unwrap().thread;
    assert_eq!(count(&index, &format!("thread:{}", thread.0)), 2);

    // A second sync adds nothing and leaves the index as it was.
    let again = sync(&mut store, &index, &maildir);
    assert_eq!((again.imported, again.duplicates), (0, 0));
    assert_eq!(count(&index, "*"), 3);
}

#[test]
fn an_index_behind_the_store_is_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    write_maildir(
        &maildir,
        &[
            ("1", "Subject: one\n\nbody\n"),
            ("2", "Subject: two\n\nbody\n"),
        ],
    );
    let mut store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
    let index = Index::open(&dir.path().join("index")).unwrap();
    sync(&mut store, &index, &maildir);
    let indexed = index.indexed_seq().unwrap().unwrap();

    // The store commits a change the index never hears of, as after a crash
    // between the two commits.
    let ids = index
        .search(&parse("*").unwrap(), crate::index::Sort::OldestFirst, 10, 0)
        .unwrap();
    let change = TagChange {
        add: vec!["kept".into()],
        remove: vec![],
    };
    store.apply_tags(&ids, &change).unwrap();
    assert_eq!(count(&index, "tag:kept"), 0);

    let mut writer = index.writer().unwrap();
    assert_eq!(catch_up_index(&store, &mut writer, indexed).unwrap(), 2);
    drop(writer);
    index.reload().unwrap();
    assert_eq!(count(&index, "tag:kept"), 2);
    assert_eq!(count(&index, "*"), 2);
    assert_eq!(
        index.indexed_seq().unwrap(),
        Some(store.change_seq().unwrap())
    );
}

#[test]
fn reindex_rebuilds_from_the_store_alone() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    write_maildir(
        &maildir,
        &[
            ("1", "Subject: alpha\n\nbody\n"),
            ("2", "Subject: beta\n\nbody\n"),
        ],
    );
    let mut store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
    let index = Index::open(&dir.path().join("index")).unwrap();
    sync(&mut store, &index, &maildir);
    drop(index);
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let index = Index::open(&dir.path().join("index")).unwrap();
    assert_eq!(count(&index, "*"), 0);
    assert_eq!(reindex(&store, &index, &()).unwrap(), 2);
    assert_eq!(count(&index, "subject:beta"), 1);
}

#[test]
fn reindex_leaves_only_the_files_of_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    write_maildir(&maildir, &[("1", "Subject: alpha\n\nbody\n")]);
    let mut store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
    let index_dir = dir.path().join("index");
    let index = Index::open(&index_dir).unwrap();
    sync(&mut store, &index, &maildir);
    // As older versions left it: live segments missing from tantivy's list.
    std::fs::write(index_dir.join(".managed.json"), "[]\n").unwrap();
    assert_eq!(reindex(&store, &index, &()).unwrap(), 1);
    assert_eq!(
        crate::index::tests::unused_files(&index_dir),
        std::collections::BTreeSet::new()
    );
    assert_eq!(count(&index, "subject:alpha"), 1);
}
