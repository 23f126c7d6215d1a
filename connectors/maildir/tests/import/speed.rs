//! Import speed on the corpus replicated six times (about 31,000 message
//! files). Ignored by default; run in release:
//! `cargo test --release -p inbox-connector-maildir --test import speed -- --ignored --nocapture`

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::time::Instant;

use async_trait::async_trait;
use inbox_connector_api::{Batch, Change, Connector, Cursor, Flags, Location, Sink, SinkError};
use inbox_connector_maildir::MaildirConnector;
use tempfile::TempDir;

use crate::util::corpus;

/// Keeps locations and flags, counts bytes, drops the items.
#[derive(Default)]
struct CountingSink {
    stored: HashMap<Location, Flags>,
    new: usize,
    bytes: usize,
    cursor: Cursor,
}

#[async_trait]
impl Sink for CountingSink {
    fn batch_size(&self) -> usize {
        500
    }

    fn known(&self, location: &Location) -> Option<Flags> {
        self.stored.get(location).copied()
    }

    fn known_in_folder(&self, folder: &str) -> Vec<String> {
        self.stored
            .keys()
            .filter(|location| location.folder == folder)
            .map(|location| location.remote_id.clone())
            .collect()
    }

    async fn commit(&mut self, batch: Batch) -> Result<(), SinkError> {
        for change in batch.changes {
            match change {
                Change::New(item) => {
                    self.new += 1;
                    self.bytes += item.bytes.len();
                    self.stored.insert(item.location, item.flags);
                }
                Change::Flags { location, flags } => {
                    self.stored.insert(location, flags);
                }
                Change::Gone { location } => {
                    self.stored.remove(&location);
                }
            }
        }
        self.cursor = batch.cursor;
        Ok(())
    }

    fn warn(&mut self, _: &Location, _: &str) {}
}

/// Hard-links (or copies) every file under `from` to the same place under `to`.
fn replicate(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            replicate(&entry.path(), &target);
        } else if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
#[ignore = "speed measurement; run in release with --ignored --nocapture"]
async fn speed_of_full_and_unchanged_imports() {
    let Some(corpus) = corpus() else { return };
    let tree = TempDir::new().unwrap();
    for copy in 0..6 {
        let dir = tree.path().join(format!("copy-{copy}"));
        fs::create_dir(&dir).unwrap();
        replicate(&corpus, &dir);
    }
    let mut sink = CountingSink::default();

    let started = Instant::now();
    let mut connector = MaildirConnector::open(tree.path()).unwrap();
    connector.sync(&Cursor::default(), &mut sink).await.unwrap();
    let full = started.elapsed();
    println!(
        "full import: {} messages, {:.1} MB in {:.0} ms = {:.0} messages/s",
        sink.new,
        sink.bytes as f64 / 1e6,
        full.as_secs_f64() * 1e3,
        sink.new as f64 / full.as_secs_f64()
    );

    let imported = sink.new;
    for run in 0..3 {
        let started = Instant::now();
        let cursor = sink.cursor.clone();
        MaildirConnector::open(tree.path())
            .unwrap()
            .sync(&cursor, &mut sink)
            .await
            .unwrap();
        println!(
            "unchanged re-import #{run}: {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    assert_eq!(sink.new, imported, "nothing new on re-import");
}
