//! Everything that can go wrong with a vault, each with the path involved and
//! what to do about it.

use std::io;
use std::path::PathBuf;

/// An error opening, reading or writing a vault or an identity file.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The passphrase or identity does not unlock this vault.
    #[error("cannot unlock vault: wrong passphrase or identity")]
    WrongKey,

    /// The file is truncated, corrupt or has been tampered with.
    #[error("{}", corrupt_message(path, backup.as_ref()))]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// The backup of the previous version, if there is one.
        backup: Option<PathBuf>,
    },

    /// The vault was written by a newer version of inbox.
    #[error(
        "vault format {found} is newer than this version of inbox supports ({supported}); upgrade inbox"
    )]
    TooNew {
        /// The format version found in the vault.
        found: u32,
        /// The newest format version this build reads.
        supported: u32,
    },

    /// The passphrase vault asks for more scrypt work than this build accepts,
    /// which would let a planted file stall unlocking.
    #[error(
        "{}: passphrase work factor {found} is above the accepted maximum {max}; the file was not written by inbox",
        path.display()
    )]
    ExcessiveWork {
        /// The vault file.
        path: PathBuf,
        /// The scrypt work factor (log2 N) in the file.
        found: u8,
        /// The highest work factor accepted.
        max: u8,
    },

    /// A new key was asked for with a scrypt work factor above
    /// [`crate::MAX_WRITE_WORK_FACTOR`]: too much memory to unlock on a small machine.
    #[error(
        "scrypt work factor {requested} needs {} of memory at every unlock; the highest \
         inbox writes is {max} ({}): choose {max} or less",
        crate::scrypt_memory(*requested),
        crate::scrypt_memory(*max)
    )]
    WorkFactorTooHigh {
        /// The work factor asked for.
        requested: u8,
        /// The highest work factor written.
        max: u8,
    },

    /// A vault or identity file that other users could read or write.
    #[error(
        "{} has mode {mode:04o}, readable or writable by other users; run `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    Permissions {
        /// The file with unsafe permissions.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// A symbolic link where the vault or its lock belongs: never followed.
    #[error(
        "{} is a symbolic link; the vault is never read or written through one: move it away",
        path.display()
    )]
    Link {
        /// The link.
        path: PathBuf,
    },

    /// The identity file holds no usable age X25519 identity.
    #[error("{}: not an age identity file ({reason}); create one with age-keygen", path.display())]
    BadIdentity {
        /// The identity file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// Refused to overwrite an existing file.
    #[error("{} already exists; refusing to overwrite it", path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },

    /// Another process holds the vault's lock for longer than we wait.
    #[error(
        "the vault is being changed by another inbox process (lock {}); try again when it is done",
        path.display()
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
    },

    /// An I/O error on a file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl VaultError {
    /// Wraps an I/O error with the path it happened on.
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        VaultError::Io {
            path: path.into(),
            source,
        }
    }
}

fn corrupt_message(path: &std::path::Path, backup: Option<&PathBuf>) -> String {
    let mut message = format!(
        "{} is truncated, corrupt or was tampered with",
        path.display()
    );
    if let Some(backup) = backup {
        message.push_str(&format!(
            "; the previous version is in {}: copy it over the vault to restore it",
            backup.display()
        ));
    }
    message
}
