//! The import cursor: which mbox files were fully stored, and as of which
//! size and modification time.
//!
//! Maildir files need no cursor: their unique names, checked with
//! `Sink::known`, already tell what is stored, without reading a byte. An
//! mbox must be read to find its messages, so an unchanged mbox (same size
//! and mtime as when all its messages were stored) is skipped instead.

use std::collections::BTreeMap;
use std::fs::Metadata;
use std::time::UNIX_EPOCH;

use inbox_connector_api::Cursor;

/// Size and modification time of an mbox file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    size: u64,
    secs: u64,
    nanos: u32,
}

impl Fingerprint {
    /// The fingerprint of a file, if its mtime can be read.
    pub(crate) fn of(metadata: &Metadata) -> Option<Fingerprint> {
        let since_epoch = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Fingerprint {
            size: metadata.len(),
            secs: since_epoch.as_secs(),
            nanos: since_epoch.subsec_nanos(),
        })
    }
}

/// Fully stored mbox files by folder.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct StoredMboxes(BTreeMap<String, Fingerprint>);

impl StoredMboxes {
    /// Reads a cursor; lines it does not understand are ignored (those
    /// files are then read again, which `Sink::known` keeps harmless).
    pub(crate) fn parse(cursor: &Cursor) -> StoredMboxes {
        StoredMboxes(cursor.0.lines().filter_map(parse_line).collect())
    }

    /// The cursor text.
    pub(crate) fn to_cursor(&self) -> Cursor {
        let mut text = String::new();
        for (folder, print) in &self.0 {
            text.push_str(&format!(
                "mbox {} {}.{:09} {folder}\n",
                print.size, print.secs, print.nanos
            ));
        }
        Cursor(text)
    }

    /// Whether the mbox of `folder` was stored as it is now.
    pub(crate) fn unchanged(&self, folder: &str, now: Fingerprint) -> bool {
        self.0.get(folder) == Some(&now)
    }

    /// Records that every message of the mbox of `folder` is stored.
    pub(crate) fn insert(&mut self, folder: &str, print: Fingerprint) {
        if !folder.contains('\n') {
            self.0.insert(folder.to_owned(), print);
        }
    }

    /// Keeps only the folders `keep` accepts (drops files that are gone).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.0.retain(|folder, _| keep(folder));
    }
}

fn parse_line(line: &str) -> Option<(String, Fingerprint)> {
    let mut words = line.strip_prefix("mbox ")?.splitn(3, ' ');
    let size = words.next()?.parse().ok()?;
    let (secs, nanos) = words.next()?.split_once('.')?;
    let folder = words.next().filter(|folder| !folder.is_empty())?;
    let print = Fingerprint {
        size,
        secs: secs.parse().ok()?,
        nanos: nanos.parse().ok()?,
    };
    Some((folder.to_owned(), print))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_folders_with_spaces() {
        let mut stored = StoredMboxes::default();
        let print = Fingerprint {
            size: 935_272,
            secs: 1_700_000_000,
            nanos: 42,
        };
        stored.insert("archive/Old Mail 2019.mbox", print);
        stored.insert(
            "inbox.mbox",
            Fingerprint {
                size: 1,
                secs: 2,
                nanos: 3,
            },
        );
        let cursor = stored.to_cursor();
        assert_eq!(StoredMboxes::parse(&cursor), stored);
        assert!(StoredMboxes::parse(&cursor).unchanged("archive/Old Mail 2019.mbox", print));
        assert!(!StoredMboxes::parse(&cursor).unchanged(
            "archive/Old Mail 2019.mbox",
            Fingerprint {
                size: 935_273,
                ..print
            }
        ));
    }

    #[test]
    fn ignores_garbage() {
        let stored = StoredMboxes::parse(&Cursor(
            "junk\nmbox x 1.2 a\nmbox 1 2 a\nmbox 1 2.3 \nmbox 5 6.7 ok\n".into(),
        ));
        assert_eq!(stored.0.len(), 1);
        assert!(stored.unchanged(
            "ok",
            Fingerprint {
                size: 5,
                secs: 6,
                nanos: 7
            }
        ));
    }
}
