//! A client for the daemon's socket: one connection, one call at a time.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use super::error::RpcError;
use super::line::{Line, LineReader};
use super::peer;
use super::protocol::{Id, Reply, Request, Response};

/// The longest response line read (responses can carry whole messages).
const MAX_RESPONSE: usize = 256 << 20;

/// Why a call did not return a result.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no inbox daemon is running at {}; start it with `inboxd`", path.display())]
    NotRunning { path: PathBuf },
    #[error(
        "refusing to talk to {}: {reason}; it is not your inbox daemon's socket: remove it if \
         it is yours, else check INBOX_HOME and XDG_RUNTIME_DIR",
        path.display()
    )]
    Untrusted { path: PathBuf, reason: String },
    #[error("cannot connect to the inbox daemon at {}: {source}", path.display())]
    Connect { path: PathBuf, source: io::Error },
    #[error("lost the connection to the inbox daemon: {0}")]
    Io(#[from] io::Error),
    #[error("the inbox daemon closed the connection before answering")]
    Closed,
    #[error("the inbox daemon sent something that is not a valid answer: {0}")]
    Protocol(String),
    /// The daemon answered with an error.
    #[error("{0}")]
    Rpc(RpcError),
}

/// A connection to the daemon.
pub struct Client {
    lines: LineReader<OwnedReadHalf>,
    write: OwnedWriteHalf,
    next_id: u64,
}

impl Client {
    /// Connects to the daemon listening at `path`: a socket of the user's
    /// own, with a process of the user's at the other end; nothing is sent
    /// to anything else.
    pub async fn connect(path: &Path) -> Result<Client, ClientError> {
        check_socket_file(path)?;
        let stream = UnixStream::connect(path).await.map_err(|source| {
            match source.kind() {
                // No socket file, or one left behind by a daemon that died.
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                    ClientError::NotRunning {
                        path: path.to_owned(),
                    }
                }
                _ => ClientError::Connect {
                    path: path.to_owned(),
                    source,
                },
            }
        })?;
        peer::check_same_user(&stream).map_err(|reason| ClientError::Untrusted {
            path: path.to_owned(),
            reason,
        })?;
        let (read, write) = stream.into_split();
        Ok(Client {
            lines: LineReader::new(read, MAX_RESPONSE),
            write,
            next_id: 1,
        })
    }

    /// Calls `method` and waits for its result. Notifications the daemon
    /// sends meanwhile are skipped.
    pub async fn call(
        &mut self,
        method: &str,
        params: Option<Value>,
    ) -> Result<Reply, ClientError> {
        let id = Id::Number(self.next_id.into());
        self.next_id += 1;
        self.send(Request {
            id: Some(id.clone()),
            method: method.to_owned(),
            params,
        })
        .await?;
        loop {
            let response = self.read_response().await?;
            if response.id == id {
                return response.outcome.map_err(ClientError::Rpc);
            }
            if response.id == Id::Null {
                // The daemon could not read the request at all.
                if let Err(error) = response.outcome {
                    return Err(ClientError::Rpc(error));
                }
            }
        }
    }

    /// Sends a notification: a call whose answer nobody waits for.
    #[cfg(test)]
    pub async fn notify(&mut self, method: &str, params: Option<Value>) -> Result<(), ClientError> {
        let method = method.to_owned();
        self.send(Request {
            id: None,
            method,
            params,
        })
        .await
    }

    async fn send(&mut self, request: Request) -> Result<(), ClientError> {
        let mut line = request.to_line();
        line.push('\n');
        self.write.write_all(line.as_bytes()).await?;
        Ok(())
    }

    /// The next response, skipping server notifications.
    async fn read_response(&mut self) -> Result<Response, ClientError> {
        loop {
            let text = match self.lines.next_line().await? {
                None => return Err(ClientError::Closed),
                Some(Line::TooLong) => {
                    let limit = format!("an answer longer than {MAX_RESPONSE} bytes");
                    return Err(ClientError::Protocol(limit));
                }
                Some(Line::Text(text)) => text,
            };
            match Response::from_line(text).map_err(ClientError::Protocol)? {
                Some(response) => return Ok(response),
                None => tracing::debug!("skipping a notification from the daemon"),
            }
        }
    }
}

/// Refuses anything at `path` but a socket of the user's own; no file at
/// all means no daemon runs.
fn check_socket_file(path: &Path) -> Result<(), ClientError> {
    let metadata = std::fs::symlink_metadata(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            ClientError::NotRunning {
                path: path.to_owned(),
            }
        } else {
            ClientError::Connect {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    let reason = if !metadata.file_type().is_socket() {
        "it is not a socket".to_owned()
    } else if metadata.uid() != peer::own_uid() {
        format!("it belongs to another user (uid {})", metadata.uid())
    } else {
        return Ok(());
    };
    Err(ClientError::Untrusted {
        path: path.to_owned(),
        reason,
    })
}
