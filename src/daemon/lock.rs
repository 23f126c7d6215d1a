//! One daemon per data directory: an exclusive `flock` on
//! `<data dir>/inboxd.lock`, which holds the owner's pid for the message a
//! second daemon prints. The lock ends with the process, however it ends.
//! A symbolic link in the lock file's place is refused, not followed.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use crate::home::{open_options, open_own};

/// Why the data directory could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another inboxd{} is already running on {dir}; stop it first (or use another INBOX_HOME)",
        pid.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    Held { dir: PathBuf, pid: Option<u32> },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// The lock file's name in the data directory.
    pub const FILE: &'static str = "inboxd.lock";

    /// Claims `data_dir` for this process, or says who holds it.
    pub fn acquire(data_dir: &Path) -> Result<DataDirLock, LockError> {
        let path = data_dir.join(Self::FILE);
        let failed = |source: std::io::Error| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = open_own(
            open_options()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .mode(0o600),
            &path,
        )
        .map_err(failed)?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(LockError::Held {
                    dir: data_dir.to_owned(),
                    pid: holder.trim().parse().ok(),
                });
            }
            Err(errno) => return Err(failed(errno.into())),
        }
        file.set_len(0).map_err(failed)?;
        file.rewind().map_err(failed)?;
        writeln!(file, "{}", std::process::id()).map_err(failed)?;
        Ok(DataDirLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_names_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let held = DataDirLock::acquire(dir.path()).expect("first claim");
        let error = DataDirLock::acquire(dir.path()).expect_err("second claim");
        let pid = std::process::id();
        assert!(
            matches!(&error, LockError::Held { pid: Some(found), .. } if *found == pid),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&format!("pid {pid}")), "{message}");
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        drop(held);
        DataDirLock::acquire(dir.path()).expect("claim after release");
    }
}
