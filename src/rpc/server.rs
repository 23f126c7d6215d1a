//! The Unix socket server: accepts clients of its own user (`peer.rs`), one
//! task each, until a shutdown future completes; then lets in-flight calls
//! finish (bounded wait) and removes the socket file.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::connection;
use super::handler::Handler;
use super::peer;
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
    /// How long shutdown waits for in-flight calls (5 s by default).
    pub drain_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            max_line: 1 << 20,
            drain_timeout: Duration::from_secs(5),
        }
    }
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
        let mut next_id = 0;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = peer::accept_own(&self.listener) => match accepted {
                    Ok((stream, _)) => {
                        next_id += 1;
                        let served = connection::serve(
                            stream, next_id, handler.clone(), self.config.max_line, stopping.clone(),
                        );
                        connections.spawn(served);
                    }
                    Err(error) => {
                        tracing::warn!("accepting a client failed: {error}");
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

fn log_failure(finished: Result<(), tokio::task::JoinError>) {
    if let Err(error) = finished {
        tracing::error!("a client connection failed: {error}");
    }
}
