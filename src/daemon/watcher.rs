//! The account watchers: one loop per IMAP account
//! ([`crate::sync::watch::keep_in_sync`]) on a thread of their own, so the
//! store and index work of a sync (which blocks) never holds up the
//! JSON-RPC server's runtime. Accounts are started and stopped by message
//! (SIGHUP reloads); shutdown cancels every loop at its next await point,
//! which never splits a batch from its cursor.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::{mpsc, oneshot, watch};

use super::state::DaemonState;
use crate::api::Api;
use crate::sync::watch::{Wake, WatchedAccount, WriteLock, keep_in_sync};

/// What the watcher thread is asked to do.
enum Control {
    Start(Box<WatchedAccount>, Arc<Wake>),
    Stop(String),
}

/// Handle on the watcher thread.
pub struct Watcher {
    control: mpsc::UnboundedSender<Control>,
    shutdown: watch::Sender<bool>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// What every account loop shares.
#[derive(Clone)]
struct Shared {
    api: Arc<Api>,
    state: Arc<DaemonState>,
    writes: WriteLock,
}

impl Watcher {
    /// Starts the thread, with no account yet.
    pub fn start(
        api: Arc<Api>,
        state: Arc<DaemonState>,
        writes: WriteLock,
    ) -> std::io::Result<Watcher> {
        let (control, commands) = mpsc::unbounded_channel();
        let (shutdown, stopping) = watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Shared { api, state, writes };
        let thread = std::thread::Builder::new()
            .name("inboxd-watcher".into())
            .spawn(move || runtime.block_on(run(shared, commands, stopping)))?;
        Ok(Watcher {
            control,
            shutdown,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Starts watching `account`; `wake` asks it for a sync.
    pub fn watch(&self, account: WatchedAccount, wake: Arc<Wake>) {
        // Fails only once the thread has ended, at shutdown.
        let _ = self.control.send(Control::Start(Box::new(account), wake));
    }

    /// Stops watching the account named `name`.
    pub fn unwatch(&self, name: &str) {
        let _ = self.control.send(Control::Stop(name.to_owned()));
    }

    /// Asks every loop to stop, without waiting.
    pub fn request_stop(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Stops every loop and waits for the thread to end (blocks).
    pub fn stop(&self) {
        self.request_stop();
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            tracing::error!("the account watcher failed");
        }
    }
}

type AccountLoop = Pin<Box<dyn Future<Output = ()>>>;

async fn run(
    shared: Shared,
    mut commands: mpsc::UnboundedReceiver<Control>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut loops: FuturesUnordered<AccountLoop> = FuturesUnordered::new();
    let mut stops: HashMap<String, oneshot::Sender<()>> = HashMap::new();
    loop {
        tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => break,
            command = commands.recv() => match command {
                Some(Control::Start(account, wake)) => {
                    let (stop, stopped) = oneshot::channel();
                    // Replacing an account stops its old loop (its sender drops).
                    stops.insert(account.name.clone(), stop);
                    loops.push(Box::pin(account_loop(shared.clone(), *account, wake, stopped)));
                }
                Some(Control::Stop(name)) => {
                    stops.remove(&name);
                }
                None => break,
            },
            Some(()) = loops.next(), if !loops.is_empty() => {}
        }
    }
    tracing::debug!("stopping {} account watcher(s)", loops.len());
}

/// Keeps `account` in sync until `stop` fires (or its sender is dropped); a
/// stopped account waits for a `sync_now` to try again.
async fn account_loop(
    shared: Shared,
    mut account: WatchedAccount,
    wake: Arc<Wake>,
    stop: oneshot::Receiver<()>,
) {
    let name = account.name.clone();
    let watching = async {
        loop {
            keep_in_sync(
                shared.api.index(),
                &mut account,
                &*shared.state,
                &shared.writes,
                &wake,
            )
            .await;
            wake.notified().await;
            account.make_due();
        }
    };
    tokio::select! {
        _ = stop => tracing::info!(account = name, "no longer watched"),
        _ = watching => {}
    }
}
