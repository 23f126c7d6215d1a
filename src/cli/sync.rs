//! `inbox sync [--watch] [ACCOUNT]...`: sync configured accounts (IMAP
//! mailboxes, X direct messages) once, or keep them in sync (IDLE and
//! polling) until interrupted; local flag changes are pushed back to IMAP
//! after each sync.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};

use super::format::visible_line;
use super::progress::Bar;
use super::unlock::VaultAccess;
use super::{open_index, open_store};
use crate::accounts::{IMAP_ADVICE, imap_connector, x_advice, x_connector, x_poll_interval};
use crate::config::{AccountConfig, Config};
use crate::home::Home;
use crate::sync::watch::{
    AccountConnector, AccountState, AfterFailure, WatchObserver, WatchedAccount, sync_once, watch,
};
use crate::sync::{Progress, PushReport, Report, SyncError};

pub(super) fn run(
    home: &Home,
    config: &Config,
    access: &VaultAccess,
    names: &[String],
    keep_watching: bool,
) -> anyhow::Result<ExitCode> {
    if config.accounts.is_empty() {
        bail!(
            "no accounts to sync: add one with `inbox account add imap NAME ...` or `inbox account add x NAME ...` \
             (local mail is read with `inbox import PATH`)"
        );
    }
    for name in names {
        if !config.accounts.contains_key(name) {
            bail!("no configured account named {name:?} (see `inbox account list`)");
        }
    }
    let vault = access.open()?;
    let mut accounts = Vec::new();
    for (name, account) in &config.accounts {
        if !names.is_empty() && !names.contains(name) {
            continue;
        }
        let (connector, poll, advice) = match account {
            AccountConfig::Imap(imap) => (
                AccountConnector::Imap(imap_connector(name, imap, &vault)?),
                Duration::from_secs(imap.poll_interval),
                IMAP_ADVICE.to_owned(),
            ),
            AccountConfig::X(x) => (
                AccountConnector::Polled(Box::new(x_connector(name, x, &vault)?)),
                x_poll_interval(x),
                x_advice(name, x),
            ),
        };
        let store = open_store(home)?;
        accounts.push(WatchedAccount::new(
            name.clone(),
            connector,
            poll,
            advice,
            store,
            home.clone(),
        ));
    }
    drop(vault);
    let index = open_index(home)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let observer = Printer {
        timestamps: keep_watching,
    };
    if keep_watching {
        eprintln!("watching {} account(s); Ctrl-C stops", accounts.len());
        runtime.block_on(watch(&index, &mut accounts, &observer, interrupted()));
    } else {
        let writes = tokio::sync::Mutex::new(());
        runtime.block_on(async {
            for account in &mut accounts {
                sync_once(&index, account, &observer, &writes).await;
            }
        });
    }
    let failed = accounts
        .iter()
        .any(|account| !matches!(account.state(), AccountState::Waiting));
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Ctrl-C or SIGTERM.
async fn interrupted() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// Prints one line per sync, and errors to stderr.
struct Printer {
    timestamps: bool,
}

impl Printer {
    fn prefix(&self, account: &str) -> String {
        if self.timestamps {
            format!("{} {account}", chrono::Local::now().format("%H:%M:%S"))
        } else {
            account.to_owned()
        }
    }
}

impl WatchObserver for Printer {
    fn synced(&self, account: &str, report: &Report, pushed: &PushReport) {
        let quiet = report.imported
            + report.duplicates
            + report.flags_changed
            + report.gone
            + pushed.applied
            + pushed.conflicts
            == 0;
        if self.timestamps && quiet {
            return;
        }
        let conflicts = if pushed.conflicts > 0 {
            format!(", {} kept the server's flags", pushed.conflicts)
        } else {
            String::new()
        };
        println!(
            "{}: {} new, {} duplicates, {} flag changes, {} removed on the server, \
             {} flag changes pushed{conflicts} ({:.1} s)",
            self.prefix(account),
            report.imported,
            report.duplicates,
            report.flags_changed,
            report.gone,
            pushed.applied,
            report.elapsed.as_secs_f64(),
        );
    }

    fn failed(&self, account: &str, error: &SyncError, next: AfterFailure<'_>) {
        let account = self.prefix(account);
        // The error may quote the server.
        let error = visible_line(&error.to_string()).into_owned();
        match next {
            AfterFailure::Retry(delay) if self.timestamps => eprintln!(
                "inbox: {account}: {error}; retrying in {} s",
                delay.as_secs().max(1)
            ),
            AfterFailure::Retry(_) => eprintln!("inbox: {account}: {error}"),
            AfterFailure::Stop { advice } => {
                eprintln!("inbox: {account}: {error}; stopped: {advice}")
            }
        }
    }

    fn progress(&self, account: &str) -> Box<dyn Progress + '_> {
        Box::new(Bar::new(&format!("syncing {account}")))
    }
}
