//! `inbox vault init|passwd|status`: create the credential vault, change its
//! key, and describe it without unlocking it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use inbox_vault::{
    Key, MAX_WRITE_WORK_FACTOR, Protection, SCRYPT_WORK_FACTOR, Vault, VaultError, create_identity,
};

use super::unlock::{VaultAccess, read_new_passphrase};
use crate::config::ConfigEdit;
use crate::home::Home;

#[derive(Subcommand)]
pub(super) enum VaultCommand {
    /// Create an empty vault, protected by a passphrase or (with --identity)
    /// an age identity file for unattended starts.
    Init {
        /// Protect the vault with an age identity file instead of a passphrase:
        /// an existing one (age-keygen format), or a new one created here
        /// (default: identity.txt in the config directory).
        #[arg(long, num_args = 0..=1, value_name = "FILE")]
        identity: Option<Option<PathBuf>>,
        /// scrypt work factor (log2 N, 10 to 20) for a passphrase: each
        /// step doubles the time and memory (2^N KiB) of every unlock; lower
        /// resists guessing less. Only for slow devices.
        #[arg(long, default_value_t = SCRYPT_WORK_FACTOR, value_parser = work_factor)]
        work_factor: u8,
    },
    /// Re-encrypt the vault under a new passphrase, or (with --identity) an
    /// identity file.
    Passwd {
        /// Switch to an age identity file (existing, or created here).
        #[arg(long, num_args = 0..=1, value_name = "FILE")]
        identity: Option<Option<PathBuf>>,
        /// Read the new passphrase from this file descriptor.
        #[arg(long, value_name = "N")]
        new_passphrase_fd: Option<u32>,
        /// scrypt work factor for the new passphrase (10 to 20; default: the
        /// vault's, at most 20).
        #[arg(long, value_parser = work_factor, conflicts_with = "identity")]
        work_factor: Option<u8>,
    },
    /// Where the vault is and how it is protected; no key needed.
    Status,
}

pub(super) fn run(
    home: &Home,
    access: &VaultAccess,
    command: VaultCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        VaultCommand::Init {
            identity,
            work_factor,
        } => init(home, access, identity, work_factor),
        VaultCommand::Passwd {
            identity,
            new_passphrase_fd,
            work_factor,
        } => passwd(home, access, identity, new_passphrase_fd, work_factor),
        VaultCommand::Status => status(access),
    }
}

fn init(
    home: &Home,
    access: &VaultAccess,
    identity: Option<Option<PathBuf>>,
    work_factor: u8,
) -> anyhow::Result<ExitCode> {
    if access.path.exists() {
        anyhow::bail!(
            "a vault already exists at {}; change its key with `inbox vault passwd`",
            access.path.display()
        );
    }
    create_parent(&access.path)?;
    let key = match identity {
        Some(file) => {
            let file = file.unwrap_or_else(|| home.default_identity_path());
            let key = identity_key(&file)?;
            remember_identity(home, Some(&file))?;
            key
        }
        None => Key::Passphrase(read_new_passphrase(access.passphrase_fd)?),
    };
    let how = describe_key(&key);
    Vault::create_with_work_factor(&access.path, key, work_factor)?;
    println!("created the vault {} ({how})", access.path.display());
    Ok(ExitCode::SUCCESS)
}

fn passwd(
    home: &Home,
    access: &VaultAccess,
    identity: Option<Option<PathBuf>>,
    new_passphrase_fd: Option<u32>,
    work_factor: Option<u8>,
) -> anyhow::Result<ExitCode> {
    let mut vault = access.open_for_update()?;
    let new = match &identity {
        Some(file) => {
            let file = file.clone().unwrap_or_else(|| home.default_identity_path());
            identity_key(&file)?
        }
        None => Key::Passphrase(read_new_passphrase(new_passphrase_fd)?),
    };
    let how = describe_key(&new);
    let identity_file = match &new {
        Key::Identity(file) => Some(file.clone()),
        Key::Passphrase(_) => None,
    };
    match work_factor {
        Some(work_factor) => vault.rekey_with_work_factor(new, work_factor)?,
        None => vault.rekey(new)?,
    }
    remember_identity(home, identity_file.as_deref())?;
    println!(
        "re-encrypted the vault {} ({how}); the previous version is kept as {}.bak until the next change",
        access.path.display(),
        access.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn status(access: &VaultAccess) -> anyhow::Result<ExitCode> {
    let status = Vault::status(&access.path)?;
    println!("vault: {}", access.path.display());
    if !status.exists {
        println!("state: not created yet (`inbox vault init`)");
        return Ok(ExitCode::SUCCESS);
    }
    let protection = match status.protection {
        Some(Protection::Passphrase { work_factor }) => format!(
            "passphrase (scrypt work factor {})",
            work_factor.map_or("unknown".into(), |w| w.to_string())
        ),
        Some(Protection::Identity) => "age identity file".into(),
        Some(Protection::Other) => "an age recipient inbox does not use".into(),
        None => "unreadable header (damaged, or not an age file)".into(),
    };
    println!("protection: {protection}");
    println!(
        "mode: {:04o}{}",
        status.mode.unwrap_or(0),
        if status.mode.unwrap_or(0) & 0o077 != 0 {
            "  (others can read it: run `chmod 600` on it)"
        } else {
            ""
        }
    );
    println!("size: {} bytes", status.size.unwrap_or(0));
    if let Some(identity) = &access.identity {
        let state = match std::fs::metadata(identity) {
            Ok(meta) if meta.mode() & 0o077 != 0 => "others can read it: run `chmod 600` on it",
            Ok(_) => "private",
            Err(_) => "missing",
        };
        println!("identity: {} ({state})", identity.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A scrypt work factor for a new key: from 10 (weaker is too easy to
/// guess) to [`MAX_WRITE_WORK_FACTOR`].
fn work_factor(text: &str) -> Result<u8, String> {
    let requested: u8 = text.parse().map_err(|_| {
        format!("{text:?} is not a whole number from 10 to {MAX_WRITE_WORK_FACTOR}")
    })?;
    if requested < 10 {
        return Err(format!(
            "below 10 a passphrase is too easy to guess; choose 10 to {MAX_WRITE_WORK_FACTOR}"
        ));
    }
    if requested > MAX_WRITE_WORK_FACTOR {
        let error = VaultError::WorkFactorTooHigh {
            requested,
            max: MAX_WRITE_WORK_FACTOR,
        };
        return Err(error.to_string());
    }
    Ok(requested)
}

/// An existing identity file, or a new one created (mode 0600) at `file`.
fn identity_key(file: &Path) -> anyhow::Result<Key> {
    if !file.exists() {
        create_parent(file)?;
        let public = create_identity(file)?;
        println!(
            "created the identity {} (public key {public}); keep a copy somewhere safe: without it the vault cannot be opened",
            file.display()
        );
    }
    let file =
        std::path::absolute(file).with_context(|| format!("cannot resolve {}", file.display()))?;
    Ok(Key::Identity(file))
}

/// Records (or clears) the identity file in the configuration.
fn remember_identity(home: &Home, identity: Option<&Path>) -> anyhow::Result<()> {
    let mut edit = ConfigEdit::open(&home.config_path())?;
    let absolute = identity.map(std::path::absolute).transpose()?;
    edit.set_identity(absolute.as_deref());
    edit.save()?;
    Ok(())
}

fn describe_key(key: &Key) -> String {
    match key {
        Key::Passphrase(_) => "protected by a passphrase".into(),
        Key::Identity(file) => format!("protected by the identity {}", file.display()),
    }
}

fn create_parent(path: &Path) -> anyhow::Result<()> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))
}
