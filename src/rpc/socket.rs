//! Claiming the socket path: a private directory (0700, ours), a lock so two
//! daemons never race for the path, and removal of a stale socket left by a
//! daemon that died. [`SocketFile`] removes the socket when dropped.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, Mode, OFlags, flock};
use tokio::net::UnixListener;

use super::server::ServerError;

/// A claimed socket path: holds the lock and removes the socket on drop.
pub(super) struct SocketFile {
    path: PathBuf,
    removed: bool,
    /// Held (locked) for as long as the server lives.
    _lock: File,
}

impl SocketFile {
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the socket file so no new client finds it.
    pub(super) fn remove(&mut self) {
        if !std::mem::replace(&mut self.removed, true)
            && let Err(error) = fs::remove_file(&self.path)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!("cannot remove the socket {}: {error}", self.path.display());
        }
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        self.remove();
    }
}

/// Binds a listener at `path` (mode 0600) after preparing it: private
/// directory, lock, no stale socket. Needs a tokio runtime.
pub(super) fn bind(path: &Path) -> Result<(UnixListener, SocketFile), ServerError> {
    let lock = claim(path)?;
    let failed = |source| ServerError::Bind {
        path: path.to_owned(),
        source,
    };
    let listener = UnixListener::bind(path).map_err(failed)?;
    let socket = SocketFile {
        path: path.to_owned(),
        removed: false,
        _lock: lock,
    };
    // The 0700 directory already keeps others out; this is a second fence.
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(failed)?;
    Ok((listener, socket))
}

/// Takes the lock and clears the path; returns the held lock.
fn claim(path: &Path) -> Result<File, ServerError> {
    let invalid = || ServerError::InvalidPath {
        path: path.to_owned(),
    };
    let name = path.file_name().ok_or_else(invalid)?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    private_dir(dir).map_err(|source| ServerError::Directory {
        dir: dir.to_owned(),
        source,
    })?;
    let mut lock_name = name.to_owned();
    lock_name.push(".lock");
    let lock = lock(&dir.join(lock_name), path)?;
    remove_stale(path)?;
    Ok(lock)
}

/// Creates `dir` (and missing parents) as 0700, or makes an existing one
/// 0700; refuses a symbolic link, a directory that belongs to another user
/// and one that others can write to (they may have planted files in it).
/// The mode is changed through the directory opened without following
/// links, so nothing a link points to is ever changed.
fn private_dir(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(metadata) if metadata.is_symlink() => {
            return Err(io::Error::other(
                "it is a symbolic link; inbox does not follow one there: move it away",
            ));
        }
        Ok(_) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?,
        Err(error) => return Err(error),
    }
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let opened = rustix::fs::open(dir, flags, Mode::empty())?;
    let stat = rustix::fs::fstat(&opened)?;
    if stat.st_uid != rustix::process::geteuid().as_raw() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "it belongs to another user; choose a directory of your own",
        ));
    }
    let mode = stat.st_mode & 0o7777;
    if mode & 0o022 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "other users can write to it (mode {mode:04o}); make it private: `chmod 700 {}`",
                dir.display()
            ),
        ));
    }
    if mode & 0o777 != 0o700 {
        rustix::fs::fchmod(&opened, Mode::from_raw_mode(0o700))?;
    }
    Ok(())
}

/// Takes the exclusive lock beside the socket; failing means another
/// daemon holds it.
fn lock(lock_path: &Path, socket: &Path) -> Result<File, ServerError> {
    let file = crate::home::open_own(
        crate::home::open_options()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600),
        lock_path,
    )
    .map_err(|source| ServerError::Directory {
        dir: lock_path.to_owned(),
        source,
    })?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(ServerError::AlreadyRunning {
            path: socket.to_owned(),
        }),
        Err(errno) => Err(ServerError::Directory {
            dir: lock_path.to_owned(),
            source: errno.into(),
        }),
    }
}

/// Removes a socket nobody answers on; refuses a live socket or a file
/// that is not a socket.
fn remove_stale(path: &Path) -> Result<(), ServerError> {
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !metadata.file_type().is_socket() {
        return Err(ServerError::NotASocket {
            path: path.to_owned(),
        });
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(ServerError::AlreadyRunning {
            path: path.to_owned(),
        }),
        Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!("removing the stale socket {}", path.display());
            fs::remove_file(path).map_err(|source| ServerError::Bind {
                path: path.to_owned(),
                source,
            })
        }
        Err(source) => Err(ServerError::Bind {
            path: path.to_owned(),
            source,
        }),
    }
}
