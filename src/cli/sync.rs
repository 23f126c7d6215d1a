//! `inbox sync [ACCOUNT]...`: one sync of configured accounts, with progress;
//! then local flag changes are pushed back to the server.

use std::process::ExitCode;

use anyhow::{Context, bail};

use super::progress::Bar;
use super::unlock::VaultAccess;
use super::{open_index, open_store};
use crate::accounts::imap_connector;
use crate::config::{AccountConfig, Config};
use crate::home::Home;
use crate::sync::{push_flags, sync_account};

pub(super) fn run(
    home: &Home,
    config: &Config,
    access: &VaultAccess,
    names: &[String],
) -> anyhow::Result<ExitCode> {
    if config.accounts.is_empty() {
        bail!(
            "no accounts to sync: add one with `inbox account add imap NAME ...` \
             (local mail is read with `inbox import PATH`)"
        );
    }
    for name in names {
        if !config.accounts.contains_key(name) {
            bail!("no configured account named {name:?} (see `inbox account list`)");
        }
    }
    let selected: Vec<(&String, &AccountConfig)> = config
        .accounts
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .collect();
    let vault = access.open()?;
    let mut store = open_store(home)?;
    let index = open_index(home)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut failed = 0;
    for (name, account) in selected {
        let AccountConfig::Imap(imap) = account else {
            eprintln!("{name}: skipped: syncing X accounts is not available in this version");
            continue;
        };
        let mut connector = imap_connector(name, imap, &vault)?;
        let outcome = runtime.block_on(async {
            let bar = Bar::new(&format!("syncing {name}"));
            let report =
                sync_account(&mut store, &index, &mut connector, name, "imap", &bar).await?;
            drop(bar);
            let pushed = push_flags(&mut store, &mut connector, name).await?;
            anyhow::Ok((report, pushed))
        });
        match outcome {
            Ok((report, pushed)) => println!(
                "{name}: {} new, {} duplicates, {} flag changes, {} removed on the server, \
                 {} flag changes pushed{} ({:.1} s)",
                report.imported,
                report.duplicates,
                report.flags_changed,
                report.gone,
                pushed.applied,
                if pushed.conflicts > 0 {
                    format!(", {} kept the server's flags", pushed.conflicts)
                } else {
                    String::new()
                },
                report.elapsed.as_secs_f64(),
            ),
            Err(error) => {
                failed += 1;
                eprintln!("inbox: {name}: {error:#}");
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
