//! Keeping accounts in sync. IMAP: sync, push local flag changes, then wait
//! in IDLE on INBOX until the server reports something, the account's poll
//! interval passes (which also catches changes in other folders), or
//! somebody asks for a sync ([`Wake`]); and again. Polled sources (X direct
//! messages): sync, then wait for the poll interval or a [`Wake`].
//!
//! Each account runs its own loop ([`keep_in_sync`]) with its own store
//! connection; the syncs of all accounts, and every other writer of the
//! process, take turns through one [`WriteLock`], so SQLite's write lock and
//! tantivy's single index writer are never contended inside the process.
//!
//! Failures back off exponentially with jitter (2 s doubling up to 80 s); a
//! login the server rejects stops that account until the user fixes it
//! (the account's advice says how), instead of retrying in a loop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use inbox_connector_api::{Connector, ConnectorError};
use inbox_connector_imap::ImapConnector;
use tokio::sync::Notify;

use super::{Progress, PushReport, Report, SyncError, push_flags, sync_account};
use crate::home::Home;
use crate::index::Index;
use crate::store::Store;
use crate::tagging::Tagger;

/// The longest a single IDLE lasts before it is re-issued (servers may drop
/// an IDLE after 30 minutes, RFC 2177).
pub const MAX_IDLE: Duration = Duration::from_secs(29 * 60);
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(80);

/// The process-wide writer's turn: held by each sync and each tag or flag
/// change, so one writes the store and the index at a time. Readers never
/// take it.
pub type WriteLock = Arc<tokio::sync::Mutex<()>>;

/// Asks an account's loop for a sync now (`Wake::notify_one` keeps one
/// request while the loop is busy, so none is lost).
pub type Wake = Notify;

/// One account kept in sync, with its own connection to the store.
pub struct WatchedAccount {
    pub name: String,
    pub connector: AccountConnector,
    /// Longest wait between syncs (IDLE is re-issued at least this often).
    pub poll_interval: Duration,
    /// What the user must do when the source rejects the credentials.
    pub advice: String,
    store: Store,
    /// Where the tagging rules and the spam model are.
    home: Home,
    state: AccountState,
}

/// How an account reaches its source.
pub enum AccountConnector {
    /// IMAP: waits in IDLE, pushes local flag changes.
    Imap(ImapConnector),
    /// A source that is polled and takes nothing back (X direct messages).
    Polled(Box<dyn Connector>),
}

impl AccountConnector {
    /// The account kind the store records (`imap`, `x`).
    pub fn kind(&self) -> &'static str {
        match self {
            AccountConnector::Imap(_) => "imap",
            AccountConnector::Polled(connector) => connector.kind().as_str(),
        }
    }

    fn as_connector(&mut self) -> &mut dyn Connector {
        match self {
            AccountConnector::Imap(connector) => connector,
            AccountConnector::Polled(connector) => connector.as_mut(),
        }
    }
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
    /// An account due for its first sync, writing through `store`; `advice`
    /// tells the user what to do when the source rejects the credentials;
    /// `home` holds the tagging rules, read at each sync.
    pub fn new(
        name: String,
        connector: AccountConnector,
        poll_interval: Duration,
        advice: String,
        store: Store,
        home: Home,
    ) -> WatchedAccount {
        WatchedAccount {
            name,
            connector,
            poll_interval: poll_interval.clamp(Duration::from_secs(1), MAX_IDLE),
            advice,
            store,
            home,
            state: AccountState::Due,
        }
    }

    pub fn state(&self) -> &AccountState {
        &self.state
    }

    /// Makes the account due for a sync, whatever its state (a stopped
    /// account tries again).
    pub fn make_due(&mut self) {
        self.state = AccountState::Due;
    }
}

/// What the watcher tells its user.
pub trait WatchObserver {
    /// A sync begins (the writer's turn is taken).
    fn started(&self, _account: &str) {}
    /// A sync (and push) finished.
    fn synced(&self, account: &str, report: &Report, pushed: &PushReport);
    /// A sync or wait failed; another attempt follows, or none.
    fn failed(&self, account: &str, error: &SyncError, next: AfterFailure<'_>);
    /// Progress of the sync in course.
    fn progress(&self, account: &str) -> Box<dyn Progress + '_>;
}

/// What follows a failed sync.
#[derive(Clone, Copy, Debug)]
pub enum AfterFailure<'a> {
    /// Another attempt after this delay.
    Retry(Duration),
    /// None: the source rejected the credentials; `advice` says what to do.
    Stop { advice: &'a str },
}

/// Keeps every account in sync until `shutdown` resolves or every account
/// is stopped (`inbox sync --watch`).
pub async fn watch(
    index: &Index,
    accounts: &mut [WatchedAccount],
    observer: &dyn WatchObserver,
    shutdown: impl Future<Output = ()>,
) {
    let writes = WriteLock::default();
    let wake = Wake::new();
    let loops = accounts
        .iter_mut()
        .map(|account| keep_in_sync(index, account, observer, &writes, &wake));
    tokio::select! {
        biased;
        () = shutdown => {}
        _ = futures_util::future::join_all(loops) => {}
    }
}

/// Syncs `account`, waits for a reason to sync again (the server, the poll
/// interval, a retry coming due, `wake`), and again; returns when the
/// account is stopped. Cancelling it (at an await point) never splits a
/// batch from its cursor: each is one store transaction.
pub async fn keep_in_sync(
    index: &Index,
    account: &mut WatchedAccount,
    observer: &dyn WatchObserver,
    writes: &tokio::sync::Mutex<()>,
    wake: &Wake,
) {
    loop {
        if matches!(account.state, AccountState::Stopped { .. }) {
            return;
        }
        sync_once(index, account, observer, writes).await;
        loop {
            match &account.state {
                AccountState::Stopped { .. } => return,
                AccountState::Due => break,
                AccountState::Retrying { at, .. } => {
                    let at = *at;
                    tokio::select! {
                        () = tokio::time::sleep_until(at.into()) => {}
                        () = wake.notified() => {}
                    }
                    break;
                }
                AccountState::Waiting => {
                    let limit = account.poll_interval;
                    let changed = tokio::select! {
                        changed = wait_for_change(&mut account.connector, limit) => changed,
                        () = wake.notified() => Ok(()),
                    };
                    match changed {
                        Ok(_) => break,
                        Err(error) => fail(account, SyncError::Connector(error), observer),
                    }
                }
            }
        }
    }
}

/// Waits until the source reports a change (IMAP IDLE) or `limit` passes.
async fn wait_for_change(
    connector: &mut AccountConnector,
    limit: Duration,
) -> Result<(), ConnectorError> {
    match connector {
        AccountConnector::Imap(imap) => imap.wait_for_change("INBOX", limit).await.map(drop),
        AccountConnector::Polled(_) => {
            tokio::time::sleep(limit).await;
            Ok(())
        }
    }
}

/// Syncs one account and pushes its flag changes, whatever its state,
/// holding the writer's turn throughout; the account is
/// [`AccountState::Waiting`] afterwards if all went well.
pub async fn sync_once(
    index: &Index,
    account: &mut WatchedAccount,
    observer: &dyn WatchObserver,
    writes: &tokio::sync::Mutex<()>,
) {
    let _writing = writes.lock().await;
    observer.started(&account.name);
    let progress = observer.progress(&account.name);
    let result = async {
        let kind = account.connector.kind();
        let tagger = Tagger::load(&account.home)?;
        let report = sync_account(
            &mut account.store,
            index,
            account.connector.as_connector(),
            &account.name,
            kind,
            tagger,
            &*progress,
        )
        .await?;
        let pushed = match &mut account.connector {
            AccountConnector::Imap(imap) => {
                push_flags(&mut account.store, imap, &account.name).await?
            }
            AccountConnector::Polled(_) => PushReport::default(),
        };
        Ok::<_, SyncError>((report, pushed))
    }
    .await;
    drop(progress);
    match result {
        Ok((report, pushed)) => {
            account.state = AccountState::Waiting;
            observer.synced(&account.name, &report, &pushed);
        }
        Err(error) => fail(account, error, observer),
    }
}

/// Records a failure: a rejected login stops the account, anything else is
/// retried after a growing, jittered delay.
fn fail(account: &mut WatchedAccount, error: SyncError, observer: &dyn WatchObserver) {
    if matches!(error, SyncError::Connector(ConnectorError::Auth(_))) {
        let advice = &account.advice;
        observer.failed(&account.name, &error, AfterFailure::Stop { advice });
        account.state = AccountState::Stopped {
            error: format!("{error}; {advice}"),
        };
        return;
    }
    let failures = match &account.state {
        AccountState::Retrying { failures, .. } => failures + 1,
        _ => 1,
    };
    let delay = backoff(failures);
    observer.failed(&account.name, &error, AfterFailure::Retry(delay));
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
