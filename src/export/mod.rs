//! Export: the user's messages out of the store, in formats other programs
//! read, and the tags in notmuch's dump format.
//!
//! Mail leaves exactly as it was stored (raw bytes); direct messages keep
//! their raw JSON in the `json` format and become small RFC 5322 messages
//! (marked `X-Inbox-Source`) in `mbox` and `maildir`. Tags and flags travel
//! in a dump written next to the export (module `dump`), which
//! `inbox tags restore` reads back.

pub mod dump;
mod json;
mod maildir;
mod mbox;
mod wrap;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::model::MessageId;
use crate::store::{Store, StoreError, Summary};

/// Messages read from the store at once.
const PAGE: usize = 500;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One mbox file (mboxrd: `From ` lines in bodies get a `>`).
    Mbox,
    /// A Maildir (`cur/`, `new/`, `tmp/`), flags in the file names.
    Maildir,
    /// JSON Lines: one object per message with its metadata and raw content.
    Json,
}

/// What an export wrote.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub messages: u64,
    /// Raw bytes written (mail as stored, direct messages as converted).
    pub bytes: u64,
    /// The tag dump written next to the export.
    pub dump: PathBuf,
}

/// Export failures.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} already exists; choose another --output or remove it first", .0.display())]
    Exists(PathBuf),
}

/// One message as the writers see it.
pub(crate) struct Item<'a> {
    pub summary: &'a Summary,
    pub raw: &'a [u8],
}

/// A writer of one format.
trait Sink {
    fn write(&mut self, item: &Item<'_>) -> io::Result<u64>;
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// Writes the messages `ids` (in that order) to `output` in `format`, and
/// their tags to `<output>.tags`; `progress` gets the count done so far.
/// Refuses to overwrite anything.
pub fn export(
    store: &Store,
    ids: &[MessageId],
    format: Format,
    output: &Path,
    progress: &dyn Fn(u64),
) -> Result<ExportReport, ExportError> {
    let dump_path = dump::path_next_to(output);
    for path in [output, dump_path.as_path()] {
        if path.exists() {
            return Err(ExportError::Exists(path.to_owned()));
        }
    }
    let failed = |path: &Path| {
        let path = path.to_owned();
        move |source| ExportError::Write { path, source }
    };
    let mut sink: Box<dyn Sink> = match format {
        Format::Mbox => Box::new(mbox::Writer::create(output).map_err(failed(output))?),
        Format::Maildir => Box::new(maildir::Writer::create(output).map_err(failed(output))?),
        Format::Json => Box::new(json::Writer::create(output).map_err(failed(output))?),
    };
    let mut dump = buffered(&dump_path).map_err(failed(&dump_path))?;
    let mut report = ExportReport {
        dump: dump_path.clone(),
        ..ExportReport::default()
    };
    for page in ids.chunks(PAGE) {
        for summary in store.summaries(page)? {
            let raw = store.raw(summary.id)?.unwrap_or_default();
            let item = Item {
                summary: &summary,
                raw: &raw,
            };
            report.bytes += sink.write(&item).map_err(failed(output))?;
            if let Some(line) = dump::line(&summary) {
                writeln!(dump, "{line}").map_err(failed(&dump_path))?;
            }
            report.messages += 1;
        }
        progress(report.messages);
    }
    sink.finish().map_err(failed(output))?;
    close(dump).map_err(failed(&dump_path))?;
    Ok(report)
}

/// Creates `path` for writing, readable by the user only; never overwrites.
fn private_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// A new private file, buffered.
fn buffered(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::new(private_file(path)?))
}

/// Flushes `out` and waits until its bytes are on disk.
fn close(out: BufWriter<File>) -> io::Result<()> {
    out.into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .sync_all()
}
