//! The credential vault: every account secret (IMAP passwords, OAuth tokens,
//! API keys) in one [age](https://age-encryption.org)-encrypted file, and
//! nowhere else.
//!
//! A vault is unlocked with a [`Key`]: a passphrase, stretched with scrypt at
//! work factor [`SCRYPT_WORK_FACTOR`] (2^18 iterations, about 1 s to
//! unlock on a 2-core machine and 256 MiB of memory; a vault is written
//! with at most [`MAX_WRITE_WORK_FACTOR`], and files asking for more than
//! [`MAX_SCRYPT_WORK_FACTOR`] are refused), or an age X25519 identity file
//! (`age-keygen` format, made by [`create_identity`]; unlocking takes well
//! under 10 ms).
//!
//! ```no_run
//! use inbox_vault::{Key, Vault};
//! use secrecy::{ExposeSecret, SecretString};
//! # fn main() -> Result<(), inbox_vault::VaultError> {
//! let path = std::path::Path::new("vault.age");
//! let mut vault = Vault::create(path, Key::Passphrase(SecretString::from("correct horse")))?;
//! vault.set("work", "password", SecretString::from("hunter2"));
//! vault.save()?;
//! let vault = Vault::open(path, Key::Passphrase(SecretString::from("correct horse")))?;
//! assert_eq!(vault.get("work", "password").map(|s| s.expose_secret()), Some("hunter2"));
//! # Ok(()) }
//! ```
//!
//! Inside the envelope is a versioned JSON document,
//! `{"format": 1, "entries": {"<account>": {"<field>": "<secret>"}}}`;
//! a vault from a newer format is refused with [`VaultError::TooNew`].
//! Vault and identity files must be private to their owner (mode 0600):
//! others are refused with [`VaultError::Permissions`]. Saves are atomic and
//! keep the previous version as `<vault>.bak` (see [`Vault::save`]).
//! Secrets are held as [`secrecy::SecretString`], and every plaintext buffer
//! is zeroized when dropped.

mod crypt;
mod error;
mod format;
mod key;
mod vault;

pub use crypt::Protection;
pub use error::VaultError;
pub use format::FORMAT_VERSION;
pub use key::{Key, create_identity};
pub use vault::{Status, Vault};

/// The scrypt work factor (log2 N) for passphrase vaults: N = 2^18.
pub const SCRYPT_WORK_FACTOR: u8 = 18;

/// The highest scrypt work factor a vault is written with. scrypt (r = 8)
/// needs 2^N KiB of memory: 20 is 1 GiB and about 16 times the work of
/// [`SCRYPT_WORK_FACTOR`] at every unlock, as much as a small machine gives.
pub const MAX_WRITE_WORK_FACTOR: u8 = 20;

/// The highest scrypt work factor accepted when unlocking (16 times the
/// work of [`SCRYPT_WORK_FACTOR`], 4 GiB), so a planted file cannot stall
/// unlocking, while vaults that earlier versions wrote above
/// [`MAX_WRITE_WORK_FACTOR`] still open.
pub const MAX_SCRYPT_WORK_FACTOR: u8 = SCRYPT_WORK_FACTOR + 4;

/// The memory scrypt needs at `work_factor` (2^N KiB), in words.
pub fn scrypt_memory(work_factor: u8) -> String {
    let (unit, shift) = match work_factor {
        0..10 => ("KiB", 0),
        10..20 => ("MiB", 10),
        20..30 => ("GiB", 20),
        _ => ("TiB", 30),
    };
    match 1u64.checked_shl(u32::from(work_factor - shift)) {
        Some(amount) => format!("{amount} {unit}"),
        None => format!("2^{work_factor} KiB"),
    }
}
