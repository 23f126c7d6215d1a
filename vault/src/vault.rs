//! The vault itself: secrets in memory, loaded from and saved atomically to
//! one age-encrypted file.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::crypt::{self, Protection};
use crate::format::{self, DecodeError, Entries};
use crate::key::{create_private, no_follow, open_no_follow, read_private, sync_dir};
use crate::{Key, MAX_WRITE_WORK_FACTOR, SCRYPT_WORK_FACTOR, VaultError};

/// An unlocked vault: account secrets in memory, with the key to save them.
pub struct Vault {
    path: PathBuf,
    key: Key,
    work_factor: u8,
    entries: Entries,
    /// Held from [`Vault::open_for_update`] or [`Vault::create`] until drop.
    _lock: Option<VaultLock>,
}

/// What can be told about a vault file without unlocking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Whether the file exists.
    pub exists: bool,
    /// Its permission bits, if it exists.
    pub mode: Option<u32>,
    /// Its size in bytes, if it exists.
    pub size: Option<u64>,
    /// How it is encrypted, or `None` if it has no readable age header.
    pub protection: Option<Protection>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("key", &self.key)
            .field("accounts", &self.entries.len())
            .field("secrets", &"[REDACTED]")
            .finish()
    }
}

impl Vault {
    /// Creates a new, empty vault at `path` encrypted to `key`, with the
    /// production scrypt work factor [`SCRYPT_WORK_FACTOR`] for a passphrase.
    /// Refuses to overwrite an existing file.
    pub fn create(path: &Path, key: Key) -> Result<Vault, VaultError> {
        Vault::create_with_work_factor(path, key, SCRYPT_WORK_FACTOR)
    }

    /// Like [`Vault::create`] with an explicit scrypt work factor (log2 N,
    /// 1..=[`MAX_WRITE_WORK_FACTOR`], else [`VaultError::WorkFactorTooHigh`]);
    /// lower means faster and weaker.
    pub fn create_with_work_factor(
        path: &Path,
        key: Key,
        work_factor: u8,
    ) -> Result<Vault, VaultError> {
        let work_factor = checked_work_factor(work_factor)?;
        let lock = VaultLock::acquire(path)?;
        if path.exists() {
            return Err(VaultError::Exists {
                path: path.to_path_buf(),
            });
        }
        let vault = Vault {
            path: path.to_path_buf(),
            key,
            work_factor,
            entries: Entries::new(),
            _lock: Some(lock),
        };
        vault.save()?;
        Ok(vault)
    }

    /// Opens and decrypts the vault at `path` with `key`, to read it. Later
    /// saves keep the scrypt work factor the file was written with, lowered
    /// to [`MAX_WRITE_WORK_FACTOR`] if an earlier version wrote more.
    pub fn open(path: &Path, key: Key) -> Result<Vault, VaultError> {
        Vault::load(path, key, None)
    }

    /// Like [`Vault::open`], and holds the vault's lock file (`<vault>.lock`)
    /// until the returned vault is dropped, so that no other process changes
    /// the vault between this read and the next [`Vault::save`]. Waits up to
    /// 30 s for another process to finish, then fails with [`VaultError::Busy`].
    pub fn open_for_update(path: &Path, key: Key) -> Result<Vault, VaultError> {
        let lock = VaultLock::acquire(path)?;
        Vault::load(path, key, Some(lock))
    }

    /// The key that unlocked the vault: to open it again for update (see
    /// [`Vault::open_for_update`]) when a secret changes later, such as a
    /// refreshed token, without losing what others saved meanwhile.
    pub fn key(&self) -> &Key {
        &self.key
    }

    fn load(path: &Path, key: Key, lock: Option<VaultLock>) -> Result<Vault, VaultError> {
        let ciphertext = read_private(path)?;
        let plaintext = crypt::decrypt(path, &ciphertext, &key)?;
        let entries = format::decode(&plaintext).map_err(|e| match e {
            DecodeError::TooNew(found) => VaultError::TooNew {
                found,
                supported: format::FORMAT_VERSION,
            },
            DecodeError::Malformed => VaultError::Corrupt {
                path: path.to_path_buf(),
                backup: existing_backup(path),
            },
        })?;
        let work_factor = match crypt::protection(&ciphertext) {
            Some(Protection::Passphrase {
                work_factor: Some(found),
            }) => found.min(MAX_WRITE_WORK_FACTOR),
            _ => SCRYPT_WORK_FACTOR,
        };
        Ok(Vault {
            path: path.to_path_buf(),
            key,
            work_factor,
            entries,
            _lock: lock,
        })
    }

    /// Describes the file at `path` from its metadata and age header, without
    /// a key.
    pub fn status(path: &Path) -> Result<Status, VaultError> {
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Status {
                    exists: false,
                    mode: None,
                    size: None,
                    protection: None,
                });
            }
            Err(e) => return Err(VaultError::io(path, e)),
        };
        let protection = match fs::read(path) {
            Ok(bytes) => crypt::protection(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => None,
            Err(e) => return Err(VaultError::io(path, e)),
        };
        Ok(Status {
            exists: true,
            mode: Some(metadata.mode() & 0o7777),
            size: Some(metadata.len()),
            protection,
        })
    }

    /// The vault file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The secret stored for `account` under `field`.
    pub fn get(&self, account: &str, field: &str) -> Option<&SecretString> {
        self.entries.get(account)?.get(field)
    }

    /// Stores a secret in memory; [`Vault::save`] writes it to disk.
    pub fn set(&mut self, account: &str, field: &str, secret: SecretString) {
        self.entries
            .entry(account.to_owned())
            .or_default()
            .insert(field.to_owned(), secret);
    }

    /// Forgets every secret of `account`; returns whether it had any.
    pub fn remove_account(&mut self, account: &str) -> bool {
        self.entries.remove(account).is_some()
    }

    /// The account names, sorted.
    pub fn accounts(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    /// The field names stored for `account`, sorted.
    pub fn fields(&self, account: &str) -> Vec<String> {
        self.entries
            .get(account)
            .map(|fields| fields.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Re-encrypts the vault to `new` and saves it. On failure the vault
    /// keeps its old key, on disk and in memory.
    pub fn rekey(&mut self, new: Key) -> Result<(), VaultError> {
        self.rekey_with_work_factor(new, self.work_factor)
    }

    /// Like [`Vault::rekey`], stretching a passphrase with `work_factor`
    /// (as in [`Vault::create_with_work_factor`]) from now on.
    pub fn rekey_with_work_factor(&mut self, new: Key, work_factor: u8) -> Result<(), VaultError> {
        let work_factor = checked_work_factor(work_factor)?;
        let old_key = std::mem::replace(&mut self.key, new);
        let old_work_factor = std::mem::replace(&mut self.work_factor, work_factor);
        let result = self.save();
        if result.is_err() {
            self.key = old_key;
            self.work_factor = old_work_factor;
        }
        result
    }

    /// Writes the vault atomically: a crash at any point leaves the old or
    /// the new version readable.
    ///
    /// The new version goes to `<vault>.tmp` (mode 0600), is flushed and
    /// decrypted again to check it; the old version is kept as `<vault>.bak`;
    /// then the temporary file is renamed over the vault and the directory
    /// flushed. A temporary file left by an interrupted save is replaced.
    /// With a passphrase, the check costs a second scrypt run.
    pub fn save(&self) -> Result<(), VaultError> {
        let plaintext = format::encode(&self.entries);
        let ciphertext = crypt::encrypt(&self.path, &plaintext, &self.key, self.work_factor)?;
        let tmp = sibling(&self.path, ".tmp");
        match fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(VaultError::io(&tmp, e)),
        }
        let mut file = create_private(&tmp)?;
        file.write_all(&ciphertext)
            .and_then(|()| file.sync_all())
            .map_err(|e| VaultError::io(&tmp, e))?;
        drop(file);
        self.verify(&tmp, &plaintext)?;
        if self.path.exists() {
            keep_backup(&self.path)?;
        }
        fs::rename(&tmp, &self.path).map_err(|e| VaultError::io(&self.path, e))?;
        sync_dir(self.path.parent().unwrap_or(Path::new(".")))
    }

    /// Checks that the written file decrypts to exactly `plaintext`.
    fn verify(&self, written: &Path, plaintext: &[u8]) -> Result<(), VaultError> {
        let ciphertext = fs::read(written).map_err(|e| VaultError::io(written, e))?;
        let decrypted = crypt::decrypt(written, &ciphertext, &self.key)?;
        if decrypted.as_slice() != plaintext {
            return Err(VaultError::Corrupt {
                path: written.to_path_buf(),
                backup: None,
            });
        }
        Ok(())
    }
}

/// `work_factor` if a vault may be written with it (at least 1).
fn checked_work_factor(work_factor: u8) -> Result<u8, VaultError> {
    if work_factor > MAX_WRITE_WORK_FACTOR {
        return Err(VaultError::WorkFactorTooHigh {
            requested: work_factor,
            max: MAX_WRITE_WORK_FACTOR,
        });
    }
    Ok(work_factor.max(1))
}

/// An exclusive advisory lock on `<vault>.lock`, released when the file closes.
struct VaultLock {
    _file: fs::File,
}

impl VaultLock {
    const PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

    fn acquire(vault: &Path) -> Result<VaultLock, VaultError> {
        let path = sibling(vault, ".lock");
        let file = open_no_follow(
            no_follow()
                .create(true)
                .truncate(false)
                .write(true)
                .mode(0o600),
            &path,
        )?;
        let deadline = std::time::Instant::now() + Self::PATIENCE;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(VaultLock { _file: file }),
                Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(fs::TryLockError::WouldBlock) => return Err(VaultError::Busy { path }),
                Err(fs::TryLockError::Error(e)) => return Err(VaultError::io(&path, e)),
            }
        }
    }
}

/// `<vault>.bak`, if it exists.
pub(crate) fn existing_backup(vault: &Path) -> Option<PathBuf> {
    let backup = sibling(vault, ".bak");
    backup.exists().then_some(backup)
}

/// Replaces `<vault>.bak` with the current vault: a hard link, or a private
/// copy where links are not supported.
fn keep_backup(vault: &Path) -> Result<(), VaultError> {
    let backup = sibling(vault, ".bak");
    match fs::remove_file(&backup) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(VaultError::io(&backup, e)),
    }
    if fs::hard_link(vault, &backup).is_ok() {
        return Ok(());
    }
    let contents = fs::read(vault).map_err(|e| VaultError::io(vault, e))?;
    let mut file = create_private(&backup)?;
    file.write_all(&contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| VaultError::io(&backup, e))
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}
