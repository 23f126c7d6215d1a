//! Which accounts the daemon watches: those of `config.toml` (IMAP and X),
//! at start and again at each SIGHUP. An account added gets a watcher, one
//! removed loses it, one whose settings changed or that stopped (its
//! credentials were rejected) is restarted with the current settings and
//! secrets.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use inbox_vault::Vault;

use super::state::{DaemonState, Phase};
use super::watcher::Watcher;
use crate::accounts::{IMAP_ADVICE, imap_connector, x_advice, x_connector, x_poll_interval};
use crate::config::{AccountConfig, Config};
use crate::home::Home;
use crate::store::Store;
use crate::sync::watch::{AccountConnector, Wake, WatchedAccount};

/// Opens the vault for the accounts' secrets. The daemon may call it again
/// at each reload, so an implementation that asked for a passphrase keeps
/// it (in memory only) to read the vault file again.
pub trait VaultSource: Send + Sync {
    fn open(&self) -> anyhow::Result<Vault>;
}

/// The accounts being watched, with the settings they were started with.
#[derive(Default)]
pub(super) struct Running {
    accounts: BTreeMap<String, AccountConfig>,
}

impl Running {
    /// Brings the watched accounts in line with `config`. Fails, changing
    /// nothing, when the vault cannot be opened for new accounts.
    pub(super) fn apply(
        &mut self,
        home: &Home,
        config: &Config,
        vault: &dyn VaultSource,
        state: &DaemonState,
        watcher: &Watcher,
    ) -> anyhow::Result<()> {
        // A stopped account (credentials rejected) starts again with the
        // vault's current secrets, e.g. after `inbox account authorize`.
        let stopped = |name: &String| {
            (state.accounts().get(name)).is_some_and(|entry| entry.phase == Phase::Stopped)
        };
        let gone: Vec<String> = self
            .accounts
            .iter()
            .filter(|(name, settings)| {
                config.accounts.get(*name) != Some(settings) || stopped(name)
            })
            .map(|(name, _)| name.clone())
            .collect();
        let added: Vec<(&String, &AccountConfig)> = config
            .accounts
            .iter()
            .filter(|(name, settings)| {
                self.accounts.get(*name) != Some(settings) || gone.contains(name)
            })
            .collect();
        // Before any change, so a vault that cannot be read changes nothing.
        let vault = match added.is_empty() {
            true => None,
            false => Some(vault.open().context("cannot read the accounts' secrets")?),
        };
        for name in gone {
            watcher.unwatch(&name);
            state.remove_account(&name);
            self.accounts.remove(&name);
            tracing::info!(account = name, "account removed, changed or restarted");
        }
        for (name, settings) in added {
            let Some(vault) = &vault else { continue };
            let kind = settings.kind();
            let watched = match settings {
                AccountConfig::Imap(imap) => imap_connector(name, imap, vault)
                    .map_err(|missing| missing.to_string())
                    .map(|connector| {
                        let poll = Duration::from_secs(imap.poll_interval);
                        (
                            AccountConnector::Imap(connector),
                            poll,
                            IMAP_ADVICE.to_owned(),
                        )
                    }),
                AccountConfig::X(x) => x_connector(name, x, vault)
                    .map_err(|error| error.to_string())
                    .map(|connector| {
                        let connector = AccountConnector::Polled(Box::new(connector));
                        (connector, x_poll_interval(x), x_advice(name, x))
                    }),
            };
            match watched {
                Ok((connector, poll, advice)) => {
                    let store = Store::open(&home.store_path()).with_context(|| {
                        format!("cannot open the store {}", home.store_path().display())
                    })?;
                    let wake = Arc::new(Wake::new());
                    state.add_account(name, kind, Phase::Idle, Some(wake.clone()));
                    let account = WatchedAccount::new(
                        name.clone(),
                        connector,
                        poll,
                        advice,
                        store,
                        home.clone(),
                    );
                    watcher.watch(account, wake);
                    tracing::info!(account = name, "watching");
                }
                Err(error) => {
                    tracing::error!(account = name, "not watched: {error}");
                    state.add_stopped(name, kind, error);
                }
            }
            self.accounts.insert(name.clone(), settings.clone());
        }
        Ok(())
    }
}
