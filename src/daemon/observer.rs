//! The watcher's reports, turned into account status, events and log lines.

use std::sync::Mutex;
use std::time::SystemTime;

use super::state::{DaemonState, Phase};
use crate::rpc::daemon_dto::Event;
use crate::sync::watch::{AfterFailure, WatchObserver};
use crate::sync::{Progress, PushReport, Report, SyncError};

impl DaemonState {
    fn update(&self, account: &str, change: impl FnOnce(&mut super::state::AccountEntry)) {
        if let Some(entry) = self.accounts().get_mut(account) {
            change(entry);
        }
    }
}

impl WatchObserver for DaemonState {
    fn started(&self, account: &str) {
        tracing::debug!(account, "sync started");
        self.update(account, |entry| entry.phase = Phase::Syncing);
        self.events.push(Event::SyncStarted {
            account: account.to_owned(),
        });
    }

    fn synced(&self, account: &str, report: &Report, pushed: &PushReport) {
        tracing::info!(
            account,
            new = report.imported,
            flags = report.flags_changed,
            gone = report.gone,
            pushed = pushed.applied,
            seconds = report.elapsed.as_secs_f64(),
            "synced"
        );
        self.update(account, |entry| {
            entry.phase = Phase::Idle;
            entry.last_sync = Some(SystemTime::now());
            entry.last_error = None;
            entry.next_retry = None;
        });
        let account = account.to_owned();
        if report.imported > 0 {
            self.events.push(Event::MessagesAdded {
                account: account.clone(),
                count: report.imported,
            });
        }
        if report.flags_changed > 0 {
            self.events.push(Event::FlagsChanged {
                account: account.clone(),
                count: report.flags_changed,
            });
        }
        self.events.push(Event::SyncFinished {
            account,
            new: report.imported,
            flags: report.flags_changed,
            gone: report.gone,
            pushed: pushed.applied,
        });
    }

    fn failed(&self, account: &str, error: &SyncError, next: AfterFailure<'_>) {
        let (message, retry_in) = match next {
            AfterFailure::Retry(delay) => {
                tracing::warn!(
                    account,
                    "sync failed: {error}; retrying in {} s",
                    delay.as_secs().max(1)
                );
                (error.to_string(), Some(delay))
            }
            AfterFailure::Stop { advice } => {
                tracing::error!(account, "stopped: {error}; {advice}, then send SIGHUP");
                (format!("{error}; {advice}"), None)
            }
        };
        self.update(account, |entry| {
            entry.phase = if retry_in.is_some() {
                Phase::Retrying
            } else {
                Phase::Stopped
            };
            entry.last_error = Some(message.clone());
            entry.next_retry = retry_in.map(|delay| SystemTime::now() + delay);
        });
        self.events.push(Event::AccountError {
            account: account.to_owned(),
            message,
            retry_in_s: retry_in.map(|delay| delay.as_secs().max(1)),
        });
    }

    fn progress(&self, account: &str) -> Box<dyn Progress + '_> {
        Box::new(SyncProgress {
            state: self,
            account: account.to_owned(),
            folder: Mutex::new(String::new()),
        })
    }
}

/// Reports each committed batch as a `SyncProgress` event.
struct SyncProgress<'a> {
    state: &'a DaemonState,
    account: String,
    folder: Mutex<String>,
}

impl Progress for SyncProgress<'_> {
    fn advance(&self, done: u64) {
        let folder = self
            .folder
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone();
        self.state.events.push(Event::SyncProgress {
            account: self.account.clone(),
            folder,
            done,
        });
    }

    fn folder(&self, name: &str) {
        let mut folder = self
            .folder
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if *folder != name {
            name.clone_into(&mut folder);
        }
    }
}
