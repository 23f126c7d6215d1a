//! Helpers shared by the import tests.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use inbox_connector_api::testing::RecordingSink;
use inbox_connector_api::{Connector, Cursor, Flags, Location};
use inbox_connector_maildir::MaildirConnector;

pub use inbox_connector_api::testing::corpus;

/// Imports `root` into `sink`, starting from `cursor`.
pub async fn import_from(root: &Path, cursor: &Cursor, sink: &mut RecordingSink) {
    let mut connector = MaildirConnector::open(root).expect("open the import path");
    connector.sync(cursor, sink).await.expect("import succeeds");
}

/// Imports `root` into `sink` from its last committed cursor.
pub async fn import(root: &Path, sink: &mut RecordingSink) {
    let cursor = sink.cursor().clone();
    import_from(root, &cursor, sink).await;
}

/// New items per folder.
pub fn new_per_folder(sink: &RecordingSink) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in sink.new_items() {
        *counts.entry(item.location.folder.clone()).or_default() += 1;
    }
    counts
}

/// The stored flags of `remote_id` in `folder`.
pub fn stored_flags(sink: &RecordingSink, folder: &str, remote_id: &str) -> Option<Flags> {
    sink.stored().get(&location(folder, remote_id)).copied()
}

pub fn location(folder: &str, remote_id: &str) -> Location {
    Location {
        folder: folder.to_owned(),
        remote_id: remote_id.to_owned(),
    }
}

/// Writes `bytes` to `path`, creating parent directories.
pub fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().expect("a parent directory")).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A small message with `subject`.
pub fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: a@example.org\nSubject: {subject}\nMessage-ID: <{subject}@example.org>\n\nHello.\n"
    )
    .into_bytes()
}
