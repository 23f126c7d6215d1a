//! `inboxd`: keeps the configured accounts in sync and serves the JSON-RPC
//! API on the home's socket, until SIGTERM or SIGINT.
//!
//! - [`lock`]: one daemon per data directory (`inboxd.lock`).
//! - [`accounts`]: which accounts are watched, from `config.toml` (again
//!   at each SIGHUP), with secrets from a [`VaultSource`].
//! - [`watcher`]: the account loops, on a thread of their own.
//! - [`state`] and `observer.rs`: each account's status and the events,
//!   served by the daemon's methods (`rpc::daemon`).
//! - [`events`]: the bounded event queue with long polling.
//! - [`retention`]: retention applied after the first syncs, then daily.
//!
//! One writer: every sync and every tag or flag change takes the same
//! [`WriteLock`] (held per sync, per change); searches never take it.

pub mod accounts;
pub mod events;
pub mod lock;
mod observer;
pub mod retention;
pub mod state;
pub mod watcher;

use std::sync::{Arc, Mutex};

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};

pub use accounts::VaultSource;
pub use lock::{DataDirLock, LockError};
pub use state::DaemonState;

use accounts::Running;
use watcher::Watcher;

use crate::api::Api;
use crate::config::Config;
use crate::home::Home;
use crate::rpc::{ApiHandler, Server, ServerConfig};
use crate::sync::watch::WriteLock;

/// Runs the daemon on `home` until SIGTERM or SIGINT. Fails before serving
/// when another daemon holds the data directory, the configuration cannot
/// be read, the vault cannot be unlocked or the socket is taken.
pub fn run(home: &Home, vault: Arc<dyn VaultSource>) -> anyhow::Result<()> {
    home.create()?;
    let _lock = DataDirLock::acquire(&home.data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("inboxd")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(home, vault))
}

/// Everything a reload needs.
struct Daemon {
    home: Home,
    vault: Arc<dyn VaultSource>,
    state: Arc<DaemonState>,
    watcher: Watcher,
    running: Mutex<Running>,
}

impl Daemon {
    /// Reads `config.toml` and starts or stops account watchers to match.
    fn reload(&self) -> anyhow::Result<()> {
        let config = Config::load(&self.home.config_path())?;
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        running.apply(
            &self.home,
            &config,
            &*self.vault,
            &self.state,
            &self.watcher,
        )
    }
}

async fn serve(home: &Home, vault: Arc<dyn VaultSource>) -> anyhow::Result<()> {
    // First, so that no signal meets the default action (ending the process).
    let mut signals = Signals::new()?;
    let writes = WriteLock::default();
    let api = Arc::new(
        Api::open(home)?
            .with_writes(writes.clone())
            .with_vault(vault.clone()),
    );
    let state = Arc::new(DaemonState::new(home.clone()));
    let watcher = Watcher::start(api.clone(), state.clone(), writes)
        .context("cannot start the account watcher")?;
    let daemon = Arc::new(Daemon {
        home: home.clone(),
        vault,
        state: state.clone(),
        watcher,
        running: Mutex::new(Running::default()),
    });
    // Unlocking may ask on the terminal, or take a second of scrypt.
    tokio::task::block_in_place(|| daemon.reload())?;
    let server = Server::bind(&home.socket_path(), ServerConfig::default())?;
    tracing::info!(
        socket = %server.path().display(),
        accounts = state.account_names().len(),
        "inboxd {} serving",
        env!("CARGO_PKG_VERSION")
    );
    let retention = tokio::spawn(retention::run(api.clone(), state.clone()));
    let handler = Arc::new(ApiHandler::new(api).with_daemon(state.clone()));
    let reloader = daemon.clone();
    let stopped = async move {
        signals.until_stop(&reloader).await;
        reloader.watcher.request_stop();
        // Ends long polls and subscriptions, so connections close quickly.
        reloader.state.events.close();
    };
    server.run(handler, stopped).await;
    retention.abort();
    tokio::task::block_in_place(|| daemon.watcher.stop());
    tracing::info!("inboxd stopped");
    Ok(())
}

/// SIGTERM and SIGINT stop the daemon; SIGHUP reloads the configuration.
struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        let listen = |kind| signal(kind).context("cannot listen for signals");
        Ok(Signals {
            terminate: listen(SignalKind::terminate())?,
            interrupt: listen(SignalKind::interrupt())?,
            hangup: listen(SignalKind::hangup())?,
        })
    }

    /// Reloads on each SIGHUP; returns at SIGTERM or SIGINT.
    async fn until_stop(&mut self, daemon: &Arc<Daemon>) {
        loop {
            tokio::select! {
                _ = self.terminate.recv() => break,
                _ = self.interrupt.recv() => break,
                _ = self.hangup.recv() => {
                    tracing::info!("SIGHUP: reloading the configuration");
                    let daemon = daemon.clone();
                    match tokio::task::spawn_blocking(move || daemon.reload()).await {
                        Ok(Ok(())) => {}
                        Ok(Err(error)) => {
                            tracing::error!("reload failed, accounts unchanged: {error:#}");
                        }
                        Err(error) => tracing::error!("reload failed: {error}"),
                    }
                }
            }
        }
        tracing::info!("stopping: finishing the batches in course");
    }
}
