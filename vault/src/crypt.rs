//! The age envelope: encrypting a plaintext to a [`Key`], decrypting it, and
//! reading the recipient type from the header without decrypting.

use std::io::Read;
use std::iter;
use std::path::Path;

use zeroize::Zeroizing;

use crate::key::load_identity;
use crate::{Key, MAX_SCRYPT_WORK_FACTOR, VaultError};

/// How a vault file is protected, as announced by its age header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Encrypted to a passphrase with this scrypt work factor (log2 N), if
    /// the header states a readable one.
    Passphrase {
        /// The scrypt work factor.
        work_factor: Option<u8>,
    },
    /// Encrypted to one or more age X25519 identities.
    Identity,
    /// An age file encrypted to some other kind of recipient.
    Other,
}

/// Encrypts `plaintext` to `key`; a passphrase is stretched with `work_factor`.
pub(crate) fn encrypt(
    vault: &Path,
    plaintext: &[u8],
    key: &Key,
    work_factor: u8,
) -> Result<Vec<u8>, VaultError> {
    let encryptor = match key {
        Key::Passphrase(passphrase) => {
            let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
            recipient.set_work_factor(work_factor.clamp(1, 63));
            age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
        }
        Key::Identity(path) => {
            let loaded = load_identity(path)?;
            age::Encryptor::with_recipients(
                loaded
                    .recipients
                    .iter()
                    .map(|r| r.as_ref() as &dyn age::Recipient),
            )
        }
    }
    .map_err(|e| VaultError::io(vault, std::io::Error::other(e.to_string())))?;
    let mut ciphertext = Vec::with_capacity(plaintext.len() + 512);
    let mut writer = encryptor
        .wrap_output(&mut ciphertext)
        .map_err(|e| VaultError::io(vault, e))?;
    std::io::Write::write_all(&mut writer, plaintext).map_err(|e| VaultError::io(vault, e))?;
    writer.finish().map_err(|e| VaultError::io(vault, e))?;
    Ok(ciphertext)
}

/// Decrypts the contents of the vault file at `vault` with `key`.
pub(crate) fn decrypt(
    vault: &Path,
    ciphertext: &[u8],
    key: &Key,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let corrupt = || VaultError::Corrupt {
        path: vault.to_path_buf(),
        backup: crate::vault::existing_backup(vault),
    };
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|_| corrupt())?;
    let reader = match key {
        Key::Passphrase(passphrase) => {
            let mut identity = age::scrypt::Identity::new(passphrase.clone());
            identity.set_max_work_factor(MAX_SCRYPT_WORK_FACTOR);
            decryptor.decrypt(iter::once(&identity as &dyn age::Identity))
        }
        Key::Identity(path) => {
            let loaded = load_identity(path)?;
            decryptor.decrypt(
                loaded
                    .identities
                    .iter()
                    .map(|i| i.as_ref() as &dyn age::Identity),
            )
        }
    };
    let mut reader = reader.map_err(|e| match e {
        age::DecryptError::DecryptionFailed
        | age::DecryptError::NoMatchingKeys
        | age::DecryptError::KeyDecryptionFailed => VaultError::WrongKey,
        age::DecryptError::ExcessiveWork { required, .. } => VaultError::ExcessiveWork {
            path: vault.to_path_buf(),
            found: required,
            max: MAX_SCRYPT_WORK_FACTOR,
        },
        _ => corrupt(),
    })?;
    // The plaintext is shorter than the ciphertext, so this never reallocates
    // and leaves no unzeroized copy behind.
    let mut plaintext = Zeroizing::new(Vec::with_capacity(ciphertext.len()));
    reader.read_to_end(&mut plaintext).map_err(|_| corrupt())?;
    Ok(plaintext)
}

/// Reads the protection from an age header, or `None` if `bytes` does not
/// start with a valid age header.
pub(crate) fn protection(bytes: &[u8]) -> Option<Protection> {
    let decryptor = age::Decryptor::new_buffered(bytes).ok()?;
    let stanzas = stanza_lines(bytes);
    if decryptor.is_scrypt() {
        let work_factor = stanzas
            .iter()
            .find(|args| args.first() == Some(&"scrypt"))
            .and_then(|args| args.get(2))
            .and_then(|log_n| log_n.parse().ok());
        return Some(Protection::Passphrase { work_factor });
    }
    if stanzas.iter().any(|args| args.first() == Some(&"X25519")) {
        Some(Protection::Identity)
    } else {
        Some(Protection::Other)
    }
}

/// The recipient stanza lines (`-> tag args...`) of an age header, split
/// into words.
fn stanza_lines(bytes: &[u8]) -> Vec<Vec<&str>> {
    bytes
        .split(|&b| b == b'\n')
        .take_while(|line| !line.starts_with(b"---"))
        .filter_map(|line| line.strip_prefix(b"-> "))
        .filter_map(|line| std::str::from_utf8(line).ok())
        .map(|line| line.split(' ').collect())
        .collect()
}
