//! The Unix socket server: accepts clients of its own user (`peer.rs`), one
//! task each, until a shutdown
//! future completes; then lets in-flight calls finish (bounded wait) and
//! removes the socket file. It holds at most `max_connections` clients, a
//! number below the process's limit of open files, so the store and the
//! index can always open theirs; clients beyond it get an error and are
//! closed; the warnings about them, and about clients of another user, are
//! logged at most every [`WARNING_INTERVAL`].

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::connection;
use super::error::{RpcError, TOO_MANY_CONNECTIONS};
use super::handler::Handler;
use super::peer;
use super::protocol::{Id, Response};
use super::socket::{self, SocketFile};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("an inbox daemon is already running at {path}; stop it before starting another")]
    AlreadyRunning { path: PathBuf },
    #[error("{path} exists and is not a socket; move it away or choose another socket path")]
    NotASocket { path: PathBuf },
    #[error("{path} cannot be a socket path: it names no file")]
    InvalidPath { path: PathBuf },
    #[error("cannot prepare the private socket directory {dir}: {source}")]
    Directory { dir: PathBuf, source: io::Error },
    #[error("cannot listen on {path}: {source}")]
    Bind { path: PathBuf, source: io::Error },
}

/// Limits of the server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The longest request line accepted, in bytes (1 MiB by default).
    pub max_line: usize,
    /// The longest result sent, in bytes (64 MiB by default; a batch's
    /// results together): a longer one is replaced by an error.
    pub max_response: usize,
    /// Bytes of answers and notifications that may wait for one client
    /// (64 MiB by default): calls wait while a client reads slowly.
    pub max_queued: usize,
    /// How long a client may read nothing of what waits for it before it
    /// is closed (30 s by default).
    pub write_timeout: Duration,
    /// How long a client may send nothing, with no call in progress and no
    /// subscription, before it is closed (5 min by default).
    pub idle_timeout: Duration,
    /// Clients connected at once (by default the limit of open files less
    /// [`RESERVED_FILES`], at most [`MAX_CONNECTIONS`]).
    pub max_connections: usize,
    /// How long shutdown waits for in-flight calls (5 s by default).
    pub drain_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        let open_files = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        ServerConfig {
            max_line: 1 << 20,
            max_response: 64 << 20,
            max_queued: 64 << 20,
            write_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(300),
            max_connections: connection_cap(open_files),
            drain_timeout: Duration::from_secs(5),
        }
    }
}

/// Open files kept for everything but clients: the store's connections, the
/// index, the accounts' servers, the runtime.
pub const RESERVED_FILES: u64 = 256;
/// The most clients served at once, however many files may be open.
pub const MAX_CONNECTIONS: usize = 4096;
/// The least time between two warnings about refused clients.
pub const WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// How many clients fit under a limit of `open_files` (`None`: unlimited)
/// with [`RESERVED_FILES`] to spare, or half of a smaller limit.
fn connection_cap(open_files: Option<u64>) -> usize {
    let limit = open_files.unwrap_or(u64::MAX);
    let cap = match limit > 2 * RESERVED_FILES {
        true => limit - RESERVED_FILES,
        false => limit / 2,
    };
    usize::try_from(cap).map_or(MAX_CONNECTIONS, |cap| cap.clamp(1, MAX_CONNECTIONS))
}

/// A bound socket, ready to [`run`](Server::run).
pub struct Server {
    listener: UnixListener,
    socket: SocketFile,
    config: ServerConfig,
}

impl Server {
    /// Listens at `path`: creates its directory (or forces it) to mode 0700,
    /// the socket with mode 0600, replaces a stale socket and refuses a live
    /// one. Must be called inside a tokio runtime.
    pub fn bind(path: &Path, config: ServerConfig) -> Result<Server, ServerError> {
        let (listener, socket) = socket::bind(path)?;
        Ok(Server {
            listener,
            socket,
            config,
        })
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        self.socket.path()
    }

    /// Serves clients with `handler` until `shutdown` completes, then stops
    /// accepting, removes the socket, and waits up to the drain timeout for
    /// connections to finish their current call before closing them.
    pub async fn run(mut self, handler: Arc<dyn Handler>, shutdown: impl Future<Output = ()>) {
        let (stop, stopping) = watch::channel(false);
        let mut connections = JoinSet::new();
        let slots = Arc::new(Semaphore::new(self.config.max_connections));
        let mut refused = Throttled::default();
        let mut strangers = Throttled::default();
        let mut failed = Throttled::default();
        let mut next_id = 0;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        if let Err(reason) = peer::check_same_user(&stream) {
                            strangers.note(|count| tracing::warn!(
                                "refused {count} clients of another user; the last: {reason}"
                            ));
                        } else if let Ok(slot) = slots.clone().try_acquire_owned() {
                            next_id += 1;
                            let served = connection::serve(
                                stream, next_id, handler.clone(), self.config.clone(),
                                stopping.clone(), slot,
                            );
                            connections.spawn(served);
                        } else {
                            refuse(&stream, self.config.max_connections);
                            refused.note(|count| tracing::warn!(
                                "refused {count} clients: {} are connected, the most served \
                                 at once; close idle ones, or raise the limit of open files \
                                 (LimitNOFILE)", self.config.max_connections
                            ));
                        }
                    }
                    Err(error) => {
                        failed.note(|count| tracing::warn!(
                            "accepting a client failed ({count} times): {error}"
                        ));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(finished) = connections.join_next(), if !connections.is_empty() => {
                    log_failure(finished);
                }
            }
        }
        drop(self.listener);
        self.socket.remove();
        // Receivers only fail once every connection has ended: nothing to stop then.
        let _ = stop.send(true);
        let drained = tokio::time::timeout(self.config.drain_timeout, async {
            while let Some(finished) = connections.join_next().await {
                log_failure(finished);
            }
        });
        if drained.await.is_err() {
            tracing::warn!(
                "closing {} connections whose calls did not finish within {:?}",
                connections.len(),
                self.config.drain_timeout
            );
            connections.shutdown().await;
        }
    }
}

/// Tells a client beyond [`ServerConfig::max_connections`] why it is closed,
/// if its socket takes the line at once.
fn refuse(stream: &UnixStream, max_connections: usize) {
    let error = RpcError::app(
        TOO_MANY_CONNECTIONS,
        format!("too many clients: {max_connections} at most; try again later"),
    )
    .with_data(json!({"max_connections": max_connections}));
    let mut line = Response::error(Id::Null, error).to_line();
    line.push('\n');
    // Best effort: the connection is closed either way.
    let _ = stream.try_write(line.as_bytes());
}

/// A warning logged at most every [`WARNING_INTERVAL`], with how many times
/// its cause happened since the last one.
#[derive(Default)]
struct Throttled {
    logged: Option<Instant>,
    count: u64,
}

impl Throttled {
    fn note(&mut self, log: impl FnOnce(u64)) {
        self.count += 1;
        if self
            .logged
            .is_none_or(|logged| logged.elapsed() >= WARNING_INTERVAL)
        {
            log(self.count);
            self.count = 0;
            self.logged = Some(Instant::now());
        }
    }
}

fn log_failure(finished: Result<(), tokio::task::JoinError>) {
    if let Err(error) = finished {
        tracing::error!("a client connection failed: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_leave_files_for_the_store_and_the_index() {
        assert_eq!(connection_cap(Some(1024)), 768);
        assert_eq!(connection_cap(Some(300)), 150);
        assert_eq!(connection_cap(Some(1)), 1);
        assert_eq!(connection_cap(Some(1 << 20)), MAX_CONNECTIONS);
        assert_eq!(connection_cap(None), MAX_CONNECTIONS);
    }
}
