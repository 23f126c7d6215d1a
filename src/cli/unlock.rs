//! Finding and unlocking the vault: which key it needs (read from its age
//! header), and where a passphrase comes from (`--passphrase-fd`,
//! `INBOX_PASSPHRASE_FILE`, or a prompt on the terminal without echo).

use std::io::{BufRead, IsTerminal};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use inbox_vault::{Key, Protection, Vault};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::home::Home;

/// The environment variable naming a file whose first line is the passphrase.
pub const PASSPHRASE_FILE_VAR: &str = "INBOX_PASSPHRASE_FILE";

/// Where the vault is and how this invocation may unlock it.
pub(super) struct VaultAccess {
    pub path: PathBuf,
    pub identity: Option<PathBuf>,
    pub passphrase_fd: Option<u32>,
    pub config_path: PathBuf,
}

impl VaultAccess {
    pub(super) fn new(home: &Home, config: &Config, passphrase_fd: Option<u32>) -> VaultAccess {
        VaultAccess {
            path: config
                .vault
                .path
                .clone()
                .unwrap_or_else(|| home.default_vault_path()),
            identity: config.vault.identity.clone(),
            passphrase_fd,
            config_path: home.config_path(),
        }
    }

    /// Opens the vault to read secrets.
    pub(super) fn open(&self) -> anyhow::Result<Vault> {
        Ok(Vault::open(&self.path, self.key()?)?)
    }

    /// Opens the vault to change it, holding its lock until dropped.
    pub(super) fn open_for_update(&self) -> anyhow::Result<Vault> {
        Ok(Vault::open_for_update(&self.path, self.key()?)?)
    }

    /// The key the vault's header asks for, from the configured identity
    /// file or a passphrase source.
    pub(super) fn key(&self) -> anyhow::Result<Key> {
        let status = Vault::status(&self.path)?;
        if !status.exists {
            bail!(
                "no vault at {}: create one with `inbox vault init`",
                self.path.display()
            );
        }
        match status.protection {
            Some(Protection::Identity) => match &self.identity {
                Some(identity) => Ok(Key::Identity(identity.clone())),
                None => bail!(
                    "the vault {} is encrypted to an identity file; name it under [vault] \
                     as `identity = \"PATH\"` in {}",
                    self.path.display(),
                    self.config_path.display()
                ),
            },
            _ => Ok(Key::Passphrase(read_passphrase(
                self.passphrase_fd,
                "Vault passphrase: ",
            )?)),
        }
    }
}

/// Reads a passphrase from `--passphrase-fd`, else `$INBOX_PASSPHRASE_FILE`,
/// else the terminal (without echo).
pub(super) fn read_passphrase(fd: Option<u32>, prompt: &str) -> anyhow::Result<SecretString> {
    if let Some(fd) = fd {
        let path = PathBuf::from(format!("/dev/fd/{fd}"));
        return first_line(&path)
            .with_context(|| format!("cannot read the passphrase from fd {fd}"));
    }
    if let Some(file) = std::env::var_os(PASSPHRASE_FILE_VAR).filter(|f| !f.is_empty()) {
        let path = PathBuf::from(file);
        check_private(&path)?;
        return first_line(&path).with_context(|| {
            format!(
                "cannot read the passphrase from {} (named by {PASSPHRASE_FILE_VAR})",
                path.display()
            )
        });
    }
    prompt_secret(prompt)
}

/// A new passphrase: from `fd` if given, else typed twice on the terminal.
pub(super) fn read_new_passphrase(fd: Option<u32>) -> anyhow::Result<SecretString> {
    if fd.is_some() || !has_terminal() {
        return read_passphrase(fd, "New vault passphrase: ");
    }
    let first = prompt_secret("New vault passphrase: ")?;
    let second = prompt_secret("Repeat the passphrase: ")?;
    use secrecy::ExposeSecret;
    if first.expose_secret() != second.expose_secret() {
        bail!("the two passphrases differ; nothing was changed");
    }
    if first.expose_secret().chars().count() < 10 {
        eprintln!("warning: a passphrase under 10 characters is easy to guess");
    }
    Ok(first)
}

/// Asks on the terminal without echo; fails clearly when there is none.
pub(super) fn prompt_secret(prompt: &str) -> anyhow::Result<SecretString> {
    if !has_terminal() {
        bail!(
            "cannot ask for a secret: no terminal; give the passphrase with --passphrase-fd N \
             or {PASSPHRASE_FILE_VAR}, or use an identity file"
        );
    }
    let answer = Zeroizing::new(
        rpassword::prompt_password(prompt).context("cannot read from the terminal")?,
    );
    if answer.is_empty() {
        bail!("empty input; nothing was changed");
    }
    Ok(SecretString::from(answer.as_str()))
}

/// Whether there is a terminal to prompt on (even with standard input redirected).
fn has_terminal() -> bool {
    std::fs::File::open("/dev/tty").is_ok_and(|tty| tty.is_terminal())
}

/// The first line of a file, without its line ending; must not be empty.
fn first_line(path: &Path) -> anyhow::Result<SecretString> {
    let file = std::fs::File::open(path)?;
    let mut line = Zeroizing::new(String::new());
    std::io::BufReader::new(file).read_line(&mut line)?;
    let trimmed = line.trim_end_matches(['\n', '\r']);
    if trimmed.is_empty() {
        bail!("it is empty");
    }
    Ok(SecretString::from(trimmed))
}

/// A file holding a secret must not be readable by others.
fn check_private(path: &Path) -> anyhow::Result<()> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("cannot read {} ({PASSPHRASE_FILE_VAR})", path.display()))?;
    let mode = metadata.mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{} has mode {mode:04o}, readable by other users; run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    Ok(())
}
