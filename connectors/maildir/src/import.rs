//! One import run: walk the tree, compare with what the sink holds, read
//! only what is new, deliver changes in batches.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, Metadata};
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::time::UNIX_EPOCH;

use inbox_connector_api::{
    Batch, Change, ConnectorError, Cursor, Flags, Location, RawItem, Sink, SinkError, SourceKind,
};

use crate::cursor::{Fingerprint, StoredMboxes};
use crate::maildir::parse_file_name;
use crate::mbox::{MAX_MESSAGE_BYTES, MboxItem, MboxReader};
use crate::sniff::{Content, classify};
use crate::walk::{FileSource, Source, walk};

/// Bytes looked at to tell a message from an mbox or another file.
const SNIFF_BYTES: usize = 64 * 1024;

/// Imports everything under `root` that `sink` does not hold yet.
pub(crate) async fn import(
    root: &Path,
    cursor: &Cursor,
    sink: &mut dyn Sink,
) -> Result<(), ConnectorError> {
    let found = walk(root)?;
    let mut out = Delivery::new(sink, cursor);
    for (location, message) in &found.warnings {
        out.sink.warn(location, message);
    }
    for source in found.sources {
        match source {
            Source::Maildir { folder, dir } => import_maildir(folder, &dir, &mut out).await?,
            Source::File(file) => import_file(file, &mut out).await?,
        }
    }
    Ok(out.finish().await?)
}

/// Imports the `cur/` and `new/` files of one maildir. Files the sink holds
/// are only compared by name; only new files are opened. A unique name in
/// both `cur/` and `new/` (a move caught half-way) counts once, from `cur/`.
async fn import_maildir(
    folder: String,
    dir: &Path,
    out: &mut Delivery<'_>,
) -> Result<(), SinkError> {
    let parts = ["cur", "new"].map(|part| {
        let part_dir = dir.join(part);
        let names = list_message_files(&part_dir, &folder, out);
        (part_dir, names)
    });
    let mut seen = HashSet::with_capacity(parts.iter().map(|(_, names)| names.len()).sum());
    let mut probe = Location {
        folder,
        remote_id: String::new(),
    };
    for (part_dir, names) in &parts {
        for name in names {
            let (unique, flags) = parse_file_name(&name.text);
            if unique.is_empty() || !seen.insert(unique) {
                continue;
            }
            probe.remote_id.clear();
            probe.remote_id.push_str(unique);
            match out.known(&probe) {
                Some(stored) if stored == flags => {}
                Some(_) => {
                    out.push(Change::Flags {
                        location: probe.clone(),
                        flags,
                    })
                    .await?
                }
                None => {
                    let path = part_dir.join(name.os_name());
                    match read_message_file(&path) {
                        Ok((bytes, received)) => {
                            let item = RawItem {
                                location: probe.clone(),
                                source: SourceKind::Maildir,
                                bytes,
                                flags,
                                received,
                            };
                            out.push(Change::New(item)).await?;
                        }
                        Err(error) => out.warn(
                            &probe,
                            &format!("cannot read {}: {error}; skipped", path.display()),
                        ),
                    }
                }
            }
        }
    }
    Ok(())
}

/// A file name as text, and as the operating system spells it when that
/// is not UTF-8.
struct FileName {
    text: String,
    non_utf8: Option<OsString>,
}

impl FileName {
    fn new(name: OsString) -> FileName {
        match name.into_string() {
            Ok(text) => FileName {
                text,
                non_utf8: None,
            },
            Err(name) => FileName {
                text: name.to_string_lossy().into_owned(),
                non_utf8: Some(name),
            },
        }
    }

    fn os_name(&self) -> &OsStr {
        self.non_utf8.as_deref().unwrap_or(OsStr::new(&self.text))
    }
}

/// The names of the files in `cur/` or `new/` (none if it does not exist).
fn list_message_files(dir: &Path, folder: &str, out: &mut Delivery<'_>) -> Vec<FileName> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            out.warn(
                &folder_location(folder),
                &format!("cannot list {}: {error}; skipped", dir.display()),
            );
            return Vec::new();
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) if entry.file_type().is_ok_and(|kind| !kind.is_dir()) => {
                let name = entry.file_name();
                if !name.as_encoded_bytes().starts_with(b".") {
                    names.push(FileName::new(name));
                }
            }
            Ok(_) => {}
            Err(error) => out.warn(
                &folder_location(folder),
                &format!("cannot list {}: {error}", dir.display()),
            ),
        }
    }
    names
}

/// The bytes of a one-message file and its mtime (Unix seconds).
fn read_message_file(path: &Path) -> io::Result<(Vec<u8>, Option<i64>)> {
    let mut file = File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.len() > MAX_MESSAGE_BYTES as u64 {
        return Err(io::Error::other(format!(
            "{} bytes is more than a message may have",
            metadata.len()
        )));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.read_to_end(&mut bytes)?;
    if bytes.is_empty() {
        return Err(io::Error::other("the file is empty"));
    }
    Ok((bytes, mtime(&metadata)))
}

fn mtime(metadata: &Metadata) -> Option<i64> {
    let since_epoch = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    i64::try_from(since_epoch.as_secs()).ok()
}

/// Imports a file outside `cur/` and `new/`: one message, an mbox, or
/// nothing (with a warning) when it is neither.
async fn import_file(file: FileSource, out: &mut Delivery<'_>) -> Result<(), SinkError> {
    let location = Location {
        folder: file.message_folder,
        remote_id: file.name,
    };
    if out.known(&location).is_some() {
        return Ok(());
    }
    let opened = File::open(&file.path).and_then(|opened| Ok((opened.metadata()?, opened)));
    let (metadata, opened) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            out.warn(
                &location,
                &format!("cannot read {}: {error}; skipped", file.path.display()),
            );
            return Ok(());
        }
    };
    let mut reader = BufReader::with_capacity(SNIFF_BYTES, opened);
    let content = match reader.fill_buf() {
        Ok(head) => classify(head),
        Err(error) => {
            out.warn(
                &location,
                &format!("cannot read {}: {error}; skipped", file.path.display()),
            );
            return Ok(());
        }
    };
    match content {
        Content::Message => match read_single_message(reader, &metadata) {
            Ok(bytes) => {
                let item = RawItem {
                    location,
                    source: SourceKind::Maildir,
                    bytes,
                    flags: Flags::default(),
                    received: mtime(&metadata),
                };
                out.push(Change::New(item)).await
            }
            Err(error) => {
                out.warn(
                    &location,
                    &format!("cannot read {}: {error}; skipped", file.path.display()),
                );
                Ok(())
            }
        },
        Content::Mbox => import_mbox(&file.mbox_folder, reader, &metadata, out).await,
        Content::Other => {
            let message = format!(
                "{} is not a mail message or an mbox (it does not start with a header line); skipped",
                file.path.display()
            );
            out.warn(&location, &message);
            Ok(())
        }
    }
}

fn read_single_message(mut reader: BufReader<File>, metadata: &Metadata) -> io::Result<Vec<u8>> {
    if metadata.len() > MAX_MESSAGE_BYTES as u64 {
        return Err(io::Error::other(format!(
            "{} bytes is more than a message may have",
            metadata.len()
        )));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    reader.read_to_end(&mut bytes)?;
    let bom = bytes.len() - crate::sniff::strip_bom(&bytes).len();
    bytes.drain(..bom);
    Ok(bytes)
}

/// Imports the messages of an mbox, unless it is unchanged since all of
/// them were stored.
async fn import_mbox(
    folder: &str,
    reader: BufReader<File>,
    metadata: &Metadata,
    out: &mut Delivery<'_>,
) -> Result<(), SinkError> {
    out.mbox_seen.insert(folder.to_owned());
    let print = Fingerprint::of(metadata);
    if print.is_some_and(|print| out.mboxes.unchanged(folder, print)) {
        return Ok(());
    }
    let mut mbox = MboxReader::new(reader);
    loop {
        match mbox.next_message() {
            Ok(None) => break,
            Ok(Some(MboxItem::Message(message))) => {
                let location = Location {
                    folder: folder.to_owned(),
                    remote_id: message.offset.to_string(),
                };
                match out.known(&location) {
                    Some(stored) if stored == message.flags => {}
                    Some(_) => {
                        out.push(Change::Flags {
                            location,
                            flags: message.flags,
                        })
                        .await?
                    }
                    None => {
                        let item = RawItem {
                            location,
                            source: SourceKind::Mbox,
                            bytes: message.bytes,
                            flags: message.flags,
                            received: message.received,
                        };
                        out.push(Change::New(item)).await?;
                    }
                }
            }
            Ok(Some(MboxItem::Oversized { offset })) => {
                let location = Location {
                    folder: folder.to_owned(),
                    remote_id: offset.to_string(),
                };
                out.warn(
                    &location,
                    &format!(
                        "message larger than {} MiB; skipped",
                        MAX_MESSAGE_BYTES >> 20
                    ),
                );
            }
            Err(error) => {
                let message = format!(
                    "reading failed ({error}); the rest of this mbox is skipped until the next import"
                );
                out.warn(&folder_location(folder), &message);
                return Ok(());
            }
        }
    }
    if let Some(print) = print {
        out.mboxes.insert(folder, print);
    }
    Ok(())
}

fn folder_location(folder: &str) -> Location {
    Location {
        folder: folder.to_owned(),
        remote_id: String::new(),
    }
}

/// Collects changes into batches and commits each with the cursor that
/// holds once it is stored.
struct Delivery<'s> {
    sink: &'s mut dyn Sink,
    batch_size: usize,
    changes: Vec<Change>,
    start_cursor: Cursor,
    mboxes: StoredMboxes,
    mbox_seen: HashSet<String>,
}

impl<'s> Delivery<'s> {
    fn new(sink: &'s mut dyn Sink, cursor: &Cursor) -> Delivery<'s> {
        let batch_size = sink.batch_size().max(1);
        Delivery {
            sink,
            batch_size,
            changes: Vec::with_capacity(batch_size),
            start_cursor: cursor.clone(),
            mboxes: StoredMboxes::parse(cursor),
            mbox_seen: HashSet::new(),
        }
    }

    fn known(&self, location: &Location) -> Option<Flags> {
        self.sink.known(location)
    }

    fn warn(&mut self, location: &Location, message: &str) {
        self.sink.warn(location, message);
    }

    /// Queues a change; a full batch is committed first, so the last one
    /// waits for [`Delivery::finish`] and carries the final cursor.
    async fn push(&mut self, change: Change) -> Result<(), SinkError> {
        if self.changes.len() >= self.batch_size {
            self.commit().await?;
        }
        self.changes.push(change);
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), SinkError> {
        let changes = std::mem::replace(&mut self.changes, Vec::with_capacity(self.batch_size));
        self.sink
            .commit(Batch {
                changes,
                cursor: self.mboxes.to_cursor(),
            })
            .await
    }

    /// Commits the last changes, and the cursor if it changed (mbox files
    /// that are gone are dropped from it).
    async fn finish(mut self) -> Result<(), SinkError> {
        let seen = std::mem::take(&mut self.mbox_seen);
        self.mboxes.retain(|folder| seen.contains(folder));
        if !self.changes.is_empty() || self.mboxes.to_cursor() != self.start_cursor {
            self.commit().await?;
        }
        Ok(())
    }
}
