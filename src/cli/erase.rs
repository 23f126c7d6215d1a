//! `inbox erase QUERY` and `inbox erase --thread ID`: says what will go,
//! asks, then erases through the API (the daemon's when it runs), confirming
//! the count it showed; with `--remote`, the server copies are deleted first.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;

use std::sync::Arc;

use inbox_vault::Vault;

use super::account::confirm;
use super::format::visible_line;
use super::search::{answer, connect};
use super::unlock::VaultAccess;
use crate::api::{Api, ApiError, Methods};
use crate::config::Config;
use crate::daemon::VaultSource;
use crate::home::Home;
use crate::rpc::RemoteApi;
use crate::rpc::dto::EraseResultDto;
use crate::rpc::requests::EraseParams;

#[derive(Args)]
pub(super) struct EraseArgs {
    /// Erase the messages matching this query.
    #[arg(num_args = 0.., conflicts_with = "thread")]
    query: Vec<String>,
    /// Erase the whole thread of this message (id as printed by `inbox search`).
    #[arg(long, value_name = "ID")]
    thread: Option<i64>,
    /// Delete the copies on the accounts' servers too, first (IMAP: expunged,
    /// or moved to Trash with `remote_erase = "trash"`; X: deleted). A message
    /// whose server copy cannot be deleted is kept here.
    #[arg(long)]
    remote: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
}

pub(super) fn run(home: &Home, args: &EraseArgs) -> anyhow::Result<ExitCode> {
    let query = (!args.query.is_empty()).then(|| args.query.join(" "));
    if query.is_none() && args.thread.is_none() {
        bail!("nothing to erase: give a query (`*` for every message) or --thread ID");
    }
    let mut params = EraseParams {
        query,
        thread: args.thread,
        confirm: None,
        remote: args.remote,
    };
    let api = match args.remote {
        true => connect_with_vault(home)?,
        false => connect(home)?,
    };
    let Some(preview) = answer(api.erase(&params))? else {
        return Ok(ExitCode::from(2));
    };
    if preview.messages == 0 {
        println!("no message matches; nothing to erase");
        return Ok(ExitCode::SUCCESS);
    }
    let servers = match args.remote {
        true => ", and deleted from their servers",
        false => "",
    };
    println!(
        "{} will be erased from the store and the index, for good{servers}",
        describe(&preview)
    );
    if !args.yes {
        confirm("Erase them?")?;
    }
    params.confirm = Some(preview.messages);
    let done = match api.erase(&params) {
        Err(ApiError::EraseCountChanged { matching, .. }) => bail!(
            "{matching} messages match now, not the {} shown: nothing was erased; \
             run the command again to see what it would erase",
            preview.messages
        ),
        result => answer(result)?,
    };
    let Some(done) = done else {
        return Ok(ExitCode::from(2));
    };
    println!(
        "erased {}: {} bytes of raw mail, {} index documents; store vacuumed, its log truncated, index segments rewritten",
        describe(&done),
        done.raw_bytes,
        done.index_documents
    );
    let Some(remote) = &done.remote else {
        return Ok(ExitCode::SUCCESS);
    };
    println!(
        "servers: {} copies deleted, {} already gone; {} messages had no server copy (imported)",
        remote.deleted, remote.already_gone, remote.local_only
    );
    if remote.kept.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "kept {} messages whose server copy could not be deleted:",
        remote.kept.len()
    );
    for kept in &remote.kept {
        let (account, reason) = (visible_line(&kept.account), visible_line(&kept.reason));
        eprintln!("  {} ({account}): {reason}", kept.id);
    }
    Ok(ExitCode::FAILURE)
}

/// The daemon's API when it runs (it holds the vault); else the API in
/// this process, reading the accounts' secrets from the vault when needed.
fn connect_with_vault(home: &Home) -> anyhow::Result<Box<dyn Methods>> {
    if let Some(remote) = RemoteApi::connect(&home.socket_path())? {
        return Ok(Box::new(remote));
    }
    let config = Config::load(&home.config_path())?;
    let vault = CliVault(VaultAccess::new(home, &config, None));
    Ok(Box::new(Api::open(home)?.with_vault(Arc::new(vault))))
}

/// The vault, unlocked as other commands do (identity file, passphrase
/// file, or a prompt).
struct CliVault(VaultAccess);

impl VaultSource for CliVault {
    fn open(&self) -> anyhow::Result<Vault> {
        self.0.open()
    }
}

/// `3 messages (work: 2, home: 1)`.
fn describe(outcome: &EraseResultDto) -> String {
    let accounts: Vec<String> = outcome
        .accounts
        .iter()
        .map(|count| format!("{}: {}", visible_line(&count.account), count.messages))
        .collect();
    let noun = if outcome.messages == 1 {
        "message"
    } else {
        "messages"
    };
    format!("{} {noun} ({})", outcome.messages, accounts.join(", "))
}
