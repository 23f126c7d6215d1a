//! What unlocks a vault: a passphrase or an age X25519 identity file, and the
//! file-permission rule both vault and identity files must meet.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret as _;
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::VaultError;

/// The key a vault is encrypted to.
#[derive(Clone)]
pub enum Key {
    /// A passphrase, stretched with scrypt (see [`crate::SCRYPT_WORK_FACTOR`]).
    Passphrase(SecretString),
    /// An age X25519 identity file in `age-keygen` format.
    Identity(PathBuf),
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Passphrase(_) => f.write_str("Passphrase([REDACTED])"),
            Key::Identity(path) => f.debug_tuple("Identity").field(path).finish(),
        }
    }
}

/// The identities and recipients read from an identity file.
pub(crate) struct LoadedIdentity {
    pub(crate) identities: Vec<Box<dyn age::Identity + Send + Sync>>,
    pub(crate) recipients: Vec<Box<dyn age::Recipient + Send>>,
}

/// Reads an identity file after checking its permissions.
pub(crate) fn load_identity(path: &Path) -> Result<LoadedIdentity, VaultError> {
    check_private(path)?;
    let contents = Zeroizing::new(std::fs::read(path).map_err(|e| VaultError::io(path, e))?);
    let bad = |reason: String| VaultError::BadIdentity {
        path: path.to_path_buf(),
        reason,
    };
    let file = age::IdentityFile::from_buffer(&contents[..]).map_err(|e| bad(e.to_string()))?;
    let recipients = file.to_recipients().map_err(|e| bad(e.to_string()))?;
    let identities = file.into_identities().map_err(|e| bad(e.to_string()))?;
    if identities.is_empty() || recipients.is_empty() {
        return Err(bad("it contains no identity".into()));
    }
    Ok(LoadedIdentity {
        identities,
        recipients,
    })
}

/// Creates a new age X25519 identity file in `age-keygen` format, mode 0600,
/// and returns its public key (`age1...`). Refuses to overwrite an existing
/// file.
pub fn create_identity(path: &Path) -> Result<String, VaultError> {
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let contents = Zeroizing::new(format!(
        "# public key: {public}\n{}\n",
        identity.to_string().expose_secret()
    ));
    let mut file = create_private(path)?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| VaultError::io(path, e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(public)
}

/// Creates a new file with mode 0600, failing if it exists.
pub(crate) fn create_private(path: &Path) -> Result<File, VaultError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => VaultError::Exists {
                path: path.to_path_buf(),
            },
            _ => VaultError::io(path, e),
        })
}

/// `OpenOptions` that refuse a symbolic link as the file opened.
pub(crate) fn no_follow() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    options
}

/// Opens `path` with `options` from [`no_follow`]: a symbolic link in its
/// place is [`VaultError::Link`].
pub(crate) fn open_no_follow(options: &OpenOptions, path: &Path) -> Result<File, VaultError> {
    options.open(path).map_err(|error| {
        if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            VaultError::Link {
                path: path.to_path_buf(),
            }
        } else {
            VaultError::io(path, error)
        }
    })
}

/// The bytes of the file at `path`, read without following a symbolic link,
/// after checking that nobody but its owner can read or write it.
pub(crate) fn read_private(path: &Path) -> Result<Vec<u8>, VaultError> {
    let mut file = open_no_follow(no_follow().read(true), path)?;
    let mode = file.metadata().map_err(|e| VaultError::io(path, e))?.mode() & 0o7777;
    if mode & 0o066 != 0 {
        return Err(VaultError::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| VaultError::io(path, e))?;
    Ok(bytes)
}

/// Refuses a file that anyone but its owner can read or write.
pub(crate) fn check_private(path: &Path) -> Result<(), VaultError> {
    let mode = std::fs::metadata(path)
        .map_err(|e| VaultError::io(path, e))?
        .mode()
        & 0o7777;
    if mode & 0o066 != 0 {
        return Err(VaultError::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// Flushes a directory so that a rename or new file in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), VaultError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| VaultError::io(dir, e))
}
