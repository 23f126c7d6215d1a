//! The files of the index directory, for its one writer.
//!
//! tantivy deletes only the files listed in `.managed.json` as loaded when
//! the index was opened: a process that kept an index open while another
//! committed would write its stale list back and never delete the other's
//! segments. So each writer opens the directory afresh ([`fresh_list`]
//! checks that nobody changed the list between opening and locking), and
//! [`remove_unused`] deletes whatever the last commit does not use.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tantivy::directory::error::DeleteError;
use tantivy::directory::{META_LOCK, ManagedDirectory, MmapDirectory};
use tantivy::{Directory, TantivyError};

use super::IndexError;

/// The commit's own file; the segment files it uses are listed in it.
const META_FILE: &str = "meta.json";

/// Whether the list of files `index` loaded when it was opened is the one
/// on disk now. Call it holding the writer lock: a commit of another
/// process between the opening and the lock changes the list.
pub(super) fn fresh_list(index: &tantivy::Index, dir: &Path) -> Result<bool, IndexError> {
    let directory = MmapDirectory::open(dir).map_err(TantivyError::from)?;
    let on_disk = ManagedDirectory::wrap(Box::new(directory))?;
    Ok(on_disk.list_managed_files() == index.directory().list_managed_files())
}

/// Deletes every file of the index directory that the last commit does not
/// use: segments of older commits, of interrupted writers, or written by
/// another process that this one's list did not know. Keeps `meta.json`
/// and tantivy's bookkeeping (names starting with a dot: `.managed.json`,
/// the lock files). Call it holding the writer lock, with no merge running
/// and nothing uncommitted; it holds tantivy's meta lock, so no reader
/// opens the commit's files meanwhile.
pub(super) fn remove_unused(index: &tantivy::Index, dir: &Path) -> Result<(), IndexError> {
    let failed = |detail: String| IndexError::Files {
        path: dir.to_owned(),
        detail,
    };
    let directory = index.directory();
    let _meta_lock = directory
        .acquire_lock(&META_LOCK)
        .map_err(|error| failed(error.to_string()))?;
    let used = index.load_metas()?.list_segment_files();
    let entries = std::fs::read_dir(dir).map_err(|error| failed(error.to_string()))?;
    let mut removed = false;
    for entry in entries {
        let entry = entry.map_err(|error| failed(error.to_string()))?;
        let name = PathBuf::from(entry.file_name());
        if is_kept(&name, &used) || !entry.file_type().is_ok_and(|kind| kind.is_file()) {
            continue;
        }
        match directory.delete(&name) {
            Ok(()) | Err(DeleteError::FileDoesNotExist(_)) => removed = true,
            Err(error) => return Err(failed(error.to_string())),
        }
    }
    if removed {
        directory
            .sync_directory()
            .map_err(|error| failed(error.to_string()))?;
    }
    Ok(())
}

fn is_kept(name: &Path, used: &HashSet<PathBuf>) -> bool {
    used.contains(name)
        || name == Path::new(META_FILE)
        || name.to_str().is_none_or(|name| name.starts_with('.'))
}
