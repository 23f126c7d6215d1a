//! `inboxd` and `inbox daemon`: the daemon's command line, and how it finds
//! the vault's key without a prompt: the identity file named in
//! `config.toml`, else a passphrase from `--passphrase-fd N` or
//! `INBOX_PASSPHRASE_FILE`, else (only when standard input is a terminal)
//! typed at a prompt.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::bail;
use clap::Parser;
use inbox_vault::{Key, Protection, Vault};
use secrecy::SecretString;

use super::unlock::{PASSPHRASE_FILE_VAR, VaultAccess, read_passphrase};
use crate::config::Config;
use crate::daemon::VaultSource;
use crate::home::Home;

/// `inboxd`: keeps accounts in sync and serves the JSON-RPC API.
#[derive(Parser)]
#[command(name = "inboxd", version, about, max_term_width = 100)]
struct InboxdCli {
    /// Read the vault passphrase from this file descriptor (also
    /// INBOX_PASSPHRASE_FILE; an identity file needs neither).
    #[arg(long, value_name = "N")]
    passphrase_fd: Option<u32>,
}

/// `inboxd`'s `main`. Logs go to stderr (`RUST_LOG`, default `info`).
pub fn inboxd_main() -> ExitCode {
    let cli = InboxdCli::parse();
    init_daemon_logging();
    exit(run(cli.passphrase_fd))
}

/// Runs the daemon until SIGTERM or SIGINT (`inbox daemon`).
pub(super) fn run(passphrase_fd: Option<u32>) -> anyhow::Result<ExitCode> {
    let home = Home::from_env()?;
    let config = Config::load(&home.config_path())?;
    let access = VaultAccess::new(&home, &config, passphrase_fd);
    let source = DaemonVault {
        access,
        passphrase: Mutex::new(None),
    };
    crate::daemon::run(&home, std::sync::Arc::new(source))?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn exit(outcome: anyhow::Result<ExitCode>) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(error) => {
            let message = super::report::describe(&error);
            tracing::error!("{message}");
            eprintln!("inboxd: {message}");
            if super::is_wrong_key(&error) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// `info` unless `RUST_LOG` says otherwise; with times, as a service logs.
pub(super) fn init_daemon_logging() {
    super::logging::init("info", super::logging::Style::Service);
}

/// The vault as the daemon opens it, at start and at each SIGHUP. A
/// passphrase is read once and kept in memory (zeroized when dropped), since
/// a file descriptor or a prompt cannot be read again.
struct DaemonVault {
    access: VaultAccess,
    passphrase: Mutex<Option<SecretString>>,
}

impl VaultSource for DaemonVault {
    fn open(&self) -> anyhow::Result<Vault> {
        let status = Vault::status(&self.access.path)?;
        if !status.exists {
            bail!(
                "no vault at {}: create one with `inbox vault init --identity`",
                self.access.path.display()
            );
        }
        if status.protection == Some(Protection::Identity) {
            // Names the identity file, or says to configure it.
            return self.access.open();
        }
        let mut kept = self
            .passphrase
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let passphrase = match kept.as_ref() {
            Some(passphrase) => passphrase.clone(),
            None => self.read_passphrase()?,
        };
        let vault = Vault::open(&self.access.path, Key::Passphrase(passphrase.clone()))?;
        *kept = Some(passphrase);
        Ok(vault)
    }
}

impl DaemonVault {
    /// From the fd or the passphrase file; a prompt only on a terminal.
    fn read_passphrase(&self) -> anyhow::Result<SecretString> {
        let from_file = std::env::var_os(PASSPHRASE_FILE_VAR).is_some_and(|file| !file.is_empty());
        if self.access.passphrase_fd.is_none() && !from_file && !std::io::stdin().is_terminal() {
            bail!(
                "the vault needs a passphrase and there is no terminal to ask on: give it with \
                 --passphrase-fd N or {PASSPHRASE_FILE_VAR}, or switch the vault to an identity \
                 file (`inbox vault passwd --identity`) for unattended starts"
            );
        }
        read_passphrase(self.access.passphrase_fd, "Vault passphrase: ")
    }
}
