//! Local Maildir, Maildir++ and mbox import (`inbox import PATH`).
//!
//! [`MaildirConnector`] walks a path that is a maildir, a Maildir++ tree, a
//! directory tree holding maildirs, mbox files and single message files at
//! any depth, or one mbox or message file. Folders are named after the tree
//! (see the walk rules below); ids are stable across imports:
//!
//! - maildir message: folder of its maildir, id = the file's unique name
//!   without the `:2,` / `;2,` info suffix, flags from that suffix
//!   (`S` seen, `F` flagged, `R` answered, `D` draft, `T` deleted),
//!   received = file mtime;
//! - mbox message: folder = the mbox file's relative path, id = the byte
//!   offset of its `From ` line, flags from `Status:` / `X-Status:` /
//!   `X-Mozilla-Status:`, received = the date of its `From ` line;
//! - single message file: folder of its directory, id = its file name.
//!
//! Messages the sink already holds are never read again: a maildir file is
//! compared by name only (a renamed info suffix becomes a flag change), and
//! an mbox whose size and mtime are those recorded in the cursor when all of
//! its messages were stored is skipped. Files that are neither mail nor mbox
//! (a README, a licence, a table) are skipped with a warning.
//!
//! Folders:
//!
//! - A directory with `cur/` or `new/` is a maildir; its folder is its path
//!   relative to the root (`/`-separated), `INBOX` for the root itself.
//! - In a maildir, a hidden subdirectory `.Name.Sub` that is itself a
//!   maildir is a Maildir++ folder `Name/Sub` (under the maildir's folder
//!   unless the maildir is the root). Other hidden entries are skipped.
//! - Other directories are walked at any depth; `tmp/` of a maildir is not.
//! - A single message file belongs to its directory's folder (`INBOX` at
//!   the root); an mbox file is a folder of its own, named by its relative
//!   path (its file name when the root is the mbox).
//! - Symbolic links to files are followed; links to directories are not (a
//!   link cycle would never end), and a warning says so. Dovecot and
//!   Courier bookkeeping files are ignored.
//!
//! The cursor: maildir files need none, [`Sink::known`] tells what is stored
//! without reading a byte. It lists the mbox files whose messages are all
//! stored, one line each: `mbox <size> <mtime secs>.<nanos> <folder>`.
//!
//! Reading is blocking file I/O between the sink's awaits, in short steps
//! (one file, or one mbox message, at a time).

mod cursor;
mod import;
mod maildir;
mod mbox;
mod sniff;
mod walk;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use inbox_connector_api::{Connector, ConnectorError, Cursor, Sink, SourceKind};

use crate::sniff::{Content, classify};

/// Imports the local Maildir / mbox tree at one path.
#[derive(Clone, Debug)]
pub struct MaildirConnector {
    root: PathBuf,
    kind: SourceKind,
}

impl MaildirConnector {
    /// A connector for `root`: a directory, an mbox file or a message file.
    ///
    /// Fails when `root` cannot be read, or is a file holding neither an
    /// mbox nor a message.
    pub fn open(root: impl Into<PathBuf>) -> Result<MaildirConnector, ConnectorError> {
        let root = root.into();
        let io_error = |source| ConnectorError::Io {
            what: format!("{} (check the path to import)", root.display()),
            source,
        };
        let metadata = std::fs::metadata(&root).map_err(io_error)?;
        let kind = if metadata.is_dir() {
            SourceKind::Maildir
        } else {
            let mut head = Vec::new();
            File::open(&root)
                .and_then(|file| file.take(64 * 1024).read_to_end(&mut head))
                .map_err(io_error)?;
            match classify(&head) {
                Content::Mbox => SourceKind::Mbox,
                Content::Message => SourceKind::Maildir,
                Content::Other => {
                    return Err(ConnectorError::Unsupported(format!(
                        "{} is neither a directory, an mbox file nor a mail message; give a maildir, a directory of mail or an mbox",
                        root.display()
                    )));
                }
            }
        };
        Ok(MaildirConnector { root, kind })
    }

    /// The imported path.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait]
impl Connector for MaildirConnector {
    /// [`SourceKind::Mbox`] for an mbox file, [`SourceKind::Maildir`] for a
    /// directory or a single message file.
    fn kind(&self) -> SourceKind {
        self.kind
    }

    /// Imports what `sink` does not hold yet. The cursor records the mbox
    /// files whose messages are all stored (see the crate docs); an empty
    /// cursor only means every mbox is read once more.
    async fn sync(&mut self, cursor: &Cursor, sink: &mut dyn Sink) -> Result<(), ConnectorError> {
        import::import(&self.root, cursor, sink).await
    }
}
