//! Which accounts the daemon watches: those of `config.toml`, at start and
//! again at each SIGHUP. An account added gets a watcher, one removed loses
//! it, one whose settings changed is restarted with the new ones.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use inbox_vault::Vault;

use super::state::{DaemonState, Phase};
use super::watcher::Watcher;
use crate::accounts::{IMAP_ADVICE, imap_connector};
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
        let gone: Vec<String> = self
            .accounts
            .iter()
            .filter(|(name, settings)| config.accounts.get(*name) != Some(settings))
            .map(|(name, _)| name.clone())
            .collect();
        let added: Vec<(&String, &AccountConfig)> = config
            .accounts
            .iter()
            .filter(|(name, settings)| self.accounts.get(*name) != Some(settings))
            .collect();
        let needs_vault = added
            .iter()
            .any(|(_, settings)| matches!(settings, AccountConfig::Imap(_)));
        // Before any change, so a vault that cannot be read changes nothing.
        let vault = match needs_vault {
            true => Some(vault.open().context("cannot read the accounts' secrets")?),
            false => None,
        };
        for name in gone {
            watcher.unwatch(&name);
            state.remove_account(&name);
            self.accounts.remove(&name);
            tracing::info!(account = name, "account removed or changed");
        }
        for (name, settings) in added {
            match (settings, &vault) {
                (AccountConfig::Imap(imap), Some(vault)) => {
                    match imap_connector(name, imap, vault) {
                        Ok(connector) => {
                            let store = Store::open(&home.store_path()).with_context(|| {
                                format!("cannot open the store {}", home.store_path().display())
                            })?;
                            let poll = Duration::from_secs(imap.poll_interval);
                            let wake = Arc::new(Wake::new());
                            state.add_account(name, "imap", Phase::Idle, Some(wake.clone()));
                            let account = WatchedAccount::new(
                                name.clone(),
                                AccountConnector::Imap(connector),
                                poll,
                                IMAP_ADVICE.to_owned(),
                                store,
                            );
                            watcher.watch(account, wake);
                            tracing::info!(account = name, "watching");
                        }
                        Err(missing) => {
                            tracing::error!(account = name, "not watched: {missing}");
                            state.add_stopped(name, "imap", missing.to_string());
                        }
                    }
                }
                (AccountConfig::Imap(_), None) => continue,
                (AccountConfig::X(_), _) => {
                    tracing::info!(
                        account = name,
                        "not watched: syncing X accounts is not available in this version"
                    );
                    state.add_account(name, "x", Phase::Disabled, None);
                }
            }
            self.accounts.insert(name.clone(), settings.clone());
        }
        Ok(())
    }
}
