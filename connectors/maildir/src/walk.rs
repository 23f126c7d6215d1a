//! Finding the maildirs and mail files under the import path, and naming
//! their folders, following the rules in the crate documentation.

use std::fs::{self, FileType};
use std::io;
use std::path::{Path, PathBuf};

use inbox_connector_api::{ConnectorError, Location};

/// The folder of the root maildir and of messages directly under the root.
pub(crate) const ROOT_FOLDER: &str = "INBOX";

/// Something to import.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A maildir whose `cur/` and `new/` hold one message per file.
    Maildir { folder: String, dir: PathBuf },
    /// A file outside `cur/` and `new/`: a message, an mbox, or neither.
    File(FileSource),
}

/// A candidate file and the two folders it may belong to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FileSource {
    pub path: PathBuf,
    /// Its file name (the id of a single message).
    pub name: String,
    /// The folder of a single message: its directory's folder.
    pub message_folder: String,
    /// The folder of an mbox: the file's own relative path.
    pub mbox_folder: String,
}

/// What a walk found, in name order, and what it could not read.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub sources: Vec<Source>,
    pub warnings: Vec<(Location, String)>,
}

/// Walks `root` (a directory or a single file).
pub(crate) fn walk(root: &Path) -> Result<Found, ConnectorError> {
    let metadata = fs::metadata(root).map_err(|source| root_error(root, source))?;
    let mut found = Found::default();
    if metadata.is_file() {
        let name = file_name(root);
        found.sources.push(Source::File(FileSource {
            path: root.to_path_buf(),
            message_folder: ROOT_FOLDER.to_owned(),
            mbox_folder: name.clone(),
            name,
        }));
        return Ok(found);
    }
    let entries = list(root).map_err(|source| root_error(root, source))?;
    visit(root, None, entries, &mut found);
    Ok(found)
}

fn root_error(root: &Path, source: io::Error) -> ConnectorError {
    ConnectorError::Io {
        what: format!("{} (check the path to import)", root.display()),
        source,
    }
}

/// One directory entry: its name and type (symbolic links not followed).
struct Entry {
    name: String,
    path: PathBuf,
    kind: FileType,
}

fn list(dir: &Path) -> io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        entries.push(Entry {
            name: entry.file_name().to_string_lossy().into_owned(),
            path: entry.path(),
            kind: entry.file_type()?,
        });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// Visits a listed directory whose folder is `folder` (`None` for the root).
fn visit(dir: &Path, folder: Option<&str>, entries: Vec<Entry>, found: &mut Found) {
    let is_maildir = entries
        .iter()
        .any(|entry| entry.kind.is_dir() && is_maildir_part(&entry.name));
    if is_maildir {
        found.sources.push(Source::Maildir {
            folder: folder.unwrap_or(ROOT_FOLDER).to_owned(),
            dir: dir.to_path_buf(),
        });
    }
    for entry in entries {
        let is_dir = if entry.kind.is_symlink() {
            match fs::metadata(&entry.path) {
                Ok(target) if target.is_dir() => {
                    warn(
                        found,
                        folder,
                        &entry.name,
                        "symbolic link to a directory not followed; import its target separately",
                    );
                    continue;
                }
                Ok(_) => false,
                Err(error) => {
                    warn(
                        found,
                        folder,
                        &entry.name,
                        &format!("broken symbolic link ({error}); skipped"),
                    );
                    continue;
                }
            }
        } else {
            entry.kind.is_dir()
        };
        if is_dir {
            visit_subdirectory(entry, folder, is_maildir, found);
        } else if !is_hidden_or_bookkeeping(&entry.name) {
            found.sources.push(Source::File(FileSource {
                message_folder: folder.unwrap_or(ROOT_FOLDER).to_owned(),
                mbox_folder: child_folder(folder, &entry.name),
                path: entry.path,
                name: entry.name,
            }));
        }
    }
}

fn visit_subdirectory(
    entry: Entry,
    parent: Option<&str>,
    parent_is_maildir: bool,
    found: &mut Found,
) {
    let folder = if parent_is_maildir && (is_maildir_part(&entry.name) || entry.name == "tmp") {
        return;
    } else if let Some(subfolder) = entry.name.strip_prefix('.') {
        match maildir_plus_plus_folder(parent, subfolder) {
            Some(folder) if parent_is_maildir && has_maildir_parts(&entry.path) => folder,
            _ => return,
        }
    } else {
        child_folder(parent, &entry.name)
    };
    match list(&entry.path) {
        Ok(entries) => visit(&entry.path, Some(&folder), entries, found),
        Err(error) => warn(
            found,
            Some(&folder),
            "",
            &format!(
                "cannot read directory {}: {error}; skipped",
                entry.path.display()
            ),
        ),
    }
}

fn is_maildir_part(name: &str) -> bool {
    name == "cur" || name == "new"
}

fn has_maildir_parts(dir: &Path) -> bool {
    dir.join("cur").is_dir() || dir.join("new").is_dir()
}

/// `Name.Sub` (a Maildir++ directory name without its dot) as `Name/Sub`.
fn maildir_plus_plus_folder(parent: Option<&str>, dotted: &str) -> Option<String> {
    let parts: Vec<&str> = dotted.split('.').filter(|part| !part.is_empty()).collect();
    if parts.is_empty() {
        return None;
    }
    Some(child_folder(parent, &parts.join("/")))
}

fn child_folder(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(parent) => format!("{parent}/{name}"),
        None => name.to_owned(),
    }
}

/// Hidden files and the index, uid and quota files of Dovecot and Courier.
fn is_hidden_or_bookkeeping(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with("dovecot")
        || name.starts_with("courierimap")
        || matches!(name, "maildirfolder" | "maildirsize" | "subscriptions")
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn warn(found: &mut Found, folder: Option<&str>, name: &str, message: &str) {
    let location = Location {
        folder: folder.unwrap_or(ROOT_FOLDER).to_owned(),
        remote_id: name.to_owned(),
    };
    found.warnings.push((location, message.to_owned()));
}
