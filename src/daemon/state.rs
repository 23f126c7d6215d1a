//! What the daemon knows about its accounts, shared by the watcher (which
//! reports through [`WatchObserver`](crate::sync::watch::WatchObserver), see `observer.rs`) and the JSON-RPC
//! methods (`sync_now`, `account_status`, events).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use super::events::EventQueue;
use crate::api::ApiError;
use crate::home::Home;
use crate::rpc::daemon_dto::{AccountStatusDto, FolderCountDto, rfc3339};
use crate::store::Store;
use crate::sync::watch::Wake;

/// Where an account stands, as `account_status` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Syncing,
    Idle,
    Retrying,
    Stopped,
    /// Configured, but this daemon does not sync its kind.
    Disabled,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Syncing => "syncing",
            Phase::Idle => "idle",
            Phase::Retrying => "retrying",
            Phase::Stopped => "stopped",
            Phase::Disabled => "disabled",
        }
    }
}

/// One configured account.
pub(super) struct AccountEntry {
    pub kind: &'static str,
    pub phase: Phase,
    pub last_sync: Option<SystemTime>,
    pub last_error: Option<String>,
    pub next_retry: Option<SystemTime>,
    /// Wakes its watcher; `None` when nothing watches it.
    pub wake: Option<Arc<Wake>>,
}

/// The daemon's shared state.
pub struct DaemonState {
    home: Home,
    pub events: EventQueue,
    accounts: Mutex<BTreeMap<String, AccountEntry>>,
    subscribers: Mutex<HashSet<u64>>,
}

impl DaemonState {
    pub fn new(home: Home) -> DaemonState {
        DaemonState {
            home,
            events: EventQueue::default(),
            accounts: Mutex::new(BTreeMap::new()),
            subscribers: Mutex::new(HashSet::new()),
        }
    }

    pub(super) fn accounts(&self) -> MutexGuard<'_, BTreeMap<String, AccountEntry>> {
        self.accounts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Adds (or replaces) an account in `phase`, watched when `wake` is given.
    pub(crate) fn add_account(
        &self,
        name: &str,
        kind: &'static str,
        phase: Phase,
        wake: Option<Arc<Wake>>,
    ) {
        let entry = AccountEntry {
            kind,
            phase,
            last_sync: None,
            last_error: None,
            next_retry: None,
            wake,
        };
        self.accounts().insert(name.to_owned(), entry);
    }

    /// An account that cannot be watched (e.g. its secret is missing).
    pub(crate) fn add_stopped(&self, name: &str, kind: &'static str, error: String) {
        self.add_account(name, kind, Phase::Stopped, None);
        if let Some(entry) = self.accounts().get_mut(name) {
            entry.last_error = Some(error);
        }
    }

    pub(crate) fn remove_account(&self, name: &str) {
        self.accounts().remove(name);
    }

    /// Whether every account has synced once, or cannot (stopped, retrying).
    pub(crate) fn first_syncs_done(&self) -> bool {
        self.accounts().values().all(|entry| {
            entry.last_sync.is_some() || matches!(entry.phase, Phase::Stopped | Phase::Retrying)
        })
    }

    /// Names of the accounts known, in order.
    pub fn account_names(&self) -> Vec<String> {
        self.accounts().keys().cloned().collect()
    }

    /// Wakes the watcher of `account`, or of every watched account; returns
    /// the accounts woken.
    pub fn sync_now(&self, account: Option<&str>) -> Result<Vec<String>, ApiError> {
        let accounts = self.accounts();
        let chosen: Vec<(&String, &AccountEntry)> = match account {
            None => accounts.iter().collect(),
            Some(name) => vec![known(&accounts, name)?],
        };
        let mut woken = Vec::new();
        for (name, entry) in chosen {
            match &entry.wake {
                Some(wake) => {
                    wake.notify_one();
                    woken.push(name.clone());
                }
                None if account.is_some() => {
                    return Err(ApiError::InvalidParams(format!(
                        "account {name:?} is not synced by the daemon ({}): {}",
                        entry.phase.as_str(),
                        entry.last_error.as_deref().unwrap_or("see account_status"),
                    )));
                }
                None => {}
            }
        }
        Ok(woken)
    }

    /// The status of `account`, or of every account, with message counts
    /// from the store (read-only; blocks briefly).
    pub fn status(&self, account: Option<&str>) -> Result<Vec<AccountStatusDto>, ApiError> {
        let mut rows: Vec<AccountStatusDto> = {
            let accounts = self.accounts();
            let chosen: Vec<(&String, &AccountEntry)> = match account {
                None => accounts.iter().collect(),
                Some(name) => vec![known(&accounts, name)?],
            };
            chosen
                .into_iter()
                .map(|(name, entry)| AccountStatusDto {
                    name: name.clone(),
                    kind: entry.kind.to_owned(),
                    state: entry.phase.as_str().to_owned(),
                    last_sync: entry.last_sync.map(rfc3339),
                    last_error: entry.last_error.clone(),
                    next_retry: entry.next_retry.map(rfc3339),
                    messages: 0,
                    folders: Vec::new(),
                })
                .collect()
        };
        if self.home.store_path().exists() {
            let stats = Store::open_for_reading(&self.home.store_path())?.stats()?;
            for row in &mut rows {
                row.messages = stats
                    .accounts
                    .iter()
                    .find(|(name, _, _)| *name == row.name)
                    .map_or(0, |(_, _, messages)| *messages);
                row.folders = stats
                    .folders
                    .iter()
                    .filter(|(name, _, _)| *name == row.name)
                    .map(|(_, folder, messages)| FolderCountDto {
                        folder: folder.clone(),
                        messages: *messages,
                    })
                    .collect();
            }
        }
        Ok(rows)
    }

    /// Records a subscribed connection; false if it already was.
    pub fn add_subscriber(&self, connection: u64) -> bool {
        self.subscribers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .insert(connection)
    }

    /// Forgets a connection that went away.
    pub fn remove_subscriber(&self, connection: u64) {
        self.subscribers
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(&connection);
    }
}

fn known<'a>(
    accounts: &'a BTreeMap<String, AccountEntry>,
    name: &str,
) -> Result<(&'a String, &'a AccountEntry), ApiError> {
    accounts.get_key_value(name).ok_or_else(|| {
        ApiError::InvalidParams(format!(
            "no configured account named {name:?} (see list_accounts)"
        ))
    })
}
