//! Keeping IMAP accounts in sync: sync, push local flag changes, then wait in
//! IDLE on INBOX until the server reports something or the account's poll
//! interval passes (which also catches changes in other folders), and again.
//!
//! Failures back off exponentially with jitter (2 s doubling up to 80 s); a
//! login the server rejects stops that account until the user fixes it,
//! instead of retrying in a loop.

use std::time::{Duration, Instant};

use futures_util::future::select_all;
use inbox_connector_api::ConnectorError;
use inbox_connector_imap::ImapConnector;

use super::{Progress, PushReport, Report, SyncError, push_flags, sync_account};
use crate::index::Index;
use crate::store::Store;

/// The longest a single IDLE lasts before it is re-issued (servers may drop
/// an IDLE after 30 minutes, RFC 2177).
pub const MAX_IDLE: Duration = Duration::from_secs(29 * 60);
/// The IDLE refresh when the account asks for nothing else.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(5 * 60);
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(80);

/// One account kept in sync.
pub struct WatchedAccount {
    pub name: String,
    pub connector: ImapConnector,
    /// Longest wait between syncs (IDLE is re-issued at least this often).
    pub poll_interval: Duration,
    state: AccountState,
}

/// Where an account stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountState {
    /// Due for a sync.
    Due,
    /// Synced; waiting for the server (IDLE) or the poll interval.
    Waiting,
    /// The last attempt failed; retrying after a delay.
    Retrying {
        failures: u32,
        at: Instant,
        error: String,
    },
    /// The server rejected the login: nothing more until the user acts.
    Stopped { error: String },
}

impl WatchedAccount {
    pub fn new(name: String, connector: ImapConnector, poll_interval: Duration) -> WatchedAccount {
        WatchedAccount {
            name,
            connector,
            poll_interval: poll_interval.clamp(Duration::from_secs(1), MAX_IDLE),
            state: AccountState::Due,
        }
    }

    pub fn state(&self) -> &AccountState {
        &self.state
    }
}

/// What the watcher tells its user.
pub trait WatchObserver {
    /// A sync (and push) finished.
    fn synced(&self, account: &str, report: &Report, pushed: &PushReport);
    /// A sync or wait failed; another attempt follows after `retry_in`, or
    /// none when `retry_in` is `None` (the account stopped).
    fn failed(&self, account: &str, error: &SyncError, retry_in: Option<Duration>);
    /// Progress of the sync in course.
    fn progress(&self, account: &str) -> Box<dyn Progress + '_>;
}

/// Syncs every account, then waits and syncs again, until `shutdown` resolves.
/// Returns when every account is stopped, or at shutdown.
pub async fn watch(
    store: &mut Store,
    index: &Index,
    accounts: &mut [WatchedAccount],
    observer: &dyn WatchObserver,
    shutdown: impl Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            keep_going = round(store, index, accounts, observer) => {
                if !keep_going {
                    return;
                }
            }
        }
    }
}

/// Syncs the accounts that are due, then waits until one is due again.
/// False when no account can go on.
async fn round(
    store: &mut Store,
    index: &Index,
    accounts: &mut [WatchedAccount],
    observer: &dyn WatchObserver,
) -> bool {
    for account in accounts.iter_mut() {
        let due = match &account.state {
            AccountState::Due => true,
            AccountState::Retrying { at, .. } => *at <= Instant::now(),
            AccountState::Waiting | AccountState::Stopped { .. } => false,
        };
        if due {
            sync_once(store, index, account, observer).await;
        }
    }
    if accounts
        .iter()
        .all(|account| matches!(account.state, AccountState::Stopped { .. }))
    {
        return false;
    }
    wait_for_any(accounts, observer).await;
    true
}

/// Syncs one account and pushes its flag changes, whatever its state;
/// the account is [`AccountState::Waiting`] afterwards if all went well.
pub async fn sync_once(
    store: &mut Store,
    index: &Index,
    account: &mut WatchedAccount,
    observer: &dyn WatchObserver,
) {
    let progress = observer.progress(&account.name);
    let result = async {
        let report = sync_account(
            store,
            index,
            &mut account.connector,
            &account.name,
            "imap",
            &*progress,
        )
        .await?;
        let pushed = push_flags(store, &mut account.connector, &account.name).await?;
        Ok::<_, SyncError>((report, pushed))
    }
    .await;
    drop(progress);
    match result {
        Ok((report, pushed)) => {
            observer.synced(&account.name, &report, &pushed);
            account.state = AccountState::Waiting;
        }
        Err(error) => fail(account, error, observer),
    }
}

/// Waits in IDLE on every waiting account's INBOX (or until its poll
/// interval passes), and until the earliest retry; marks what became due.
async fn wait_for_any(accounts: &mut [WatchedAccount], observer: &dyn WatchObserver) {
    let next_retry = accounts
        .iter()
        .filter_map(|account| match &account.state {
            AccountState::Retrying { at, .. } => Some(*at),
            _ => None,
        })
        .min();
    let mut waits = Vec::new();
    let mut waiting = Vec::new();
    for (position, account) in accounts.iter_mut().enumerate() {
        if account.state == AccountState::Waiting {
            let limit = account.poll_interval;
            waits.push(Box::pin(account.connector.wait_for_change("INBOX", limit)));
            waiting.push(position);
        }
    }
    let retry = async {
        match next_retry {
            Some(at) => tokio::time::sleep_until(at.into()).await,
            None => std::future::pending().await,
        }
    };
    if waits.is_empty() {
        retry.await;
        return;
    }
    let outcome = tokio::select! {
        (result, index, _) = select_all(waits) => Some((waiting[index], result)),
        () = retry => None,
    };
    match outcome {
        Some((position, Ok(_))) => accounts[position].state = AccountState::Due,
        Some((position, Err(error))) => fail(
            &mut accounts[position],
            SyncError::Connector(error),
            observer,
        ),
        None => {}
    }
}

/// Records a failure: a rejected login stops the account, anything else is
/// retried after a growing, jittered delay.
fn fail(account: &mut WatchedAccount, error: SyncError, observer: &dyn WatchObserver) {
    if matches!(error, SyncError::Connector(ConnectorError::Auth(_))) {
        observer.failed(&account.name, &error, None);
        account.state = AccountState::Stopped {
            error: error.to_string(),
        };
        return;
    }
    let failures = match &account.state {
        AccountState::Retrying { failures, .. } => failures + 1,
        _ => 1,
    };
    let delay = backoff(failures);
    observer.failed(&account.name, &error, Some(delay));
    account.state = AccountState::Retrying {
        failures,
        at: Instant::now() + delay,
        error: error.to_string(),
    };
}

/// 2 s, 4 s, 8 s ... up to 80 s, each between 75 % and 125 % of that, so
/// many clients do not retry in step.
pub fn backoff(failures: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(1 << failures.saturating_sub(1).min(6))
        .min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |now| now.subsec_nanos());
    let jitter = 0.75 + f64::from(nanos % 1000) / 2000.0;
    base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_2_s_to_80_s_with_jitter() {
        for (failures, base) in [
            (1, 2.0),
            (2, 4.0),
            (3, 8.0),
            (6, 64.0),
            (7, 80.0),
            (40, 80.0),
        ] {
            let delay = backoff(failures).as_secs_f64();
            assert!(
                (base * 0.75..=base * 1.25).contains(&delay),
                "failure {failures}: {delay} s"
            );
        }
    }
}
