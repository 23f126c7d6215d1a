//! One client connection: a reader that answers lines in order, and a writer
//! task that sends responses and notifications from one channel.
//!
//! Bounds: a client that says nothing for the idle timeout is closed
//! (unless it subscribed to notifications; a call in progress, such as a
//! long poll, is not silence); the lines waiting for a client take at most
//! the output budget, and a client that reads nothing of them for the
//! write timeout is closed; a call whose client has hung up is told so
//! ([`Connection::gone`]).

use std::sync::Arc;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::error::RpcError;
use super::handler::{Connection, Handler, OutputBudget, dispatch};
use super::line::{Line, LineReader};
use super::protocol::{self, Id, Response};
use super::server::ServerConfig;

/// Lines waiting for the writer; a client that does not read slows its own
/// calls and notifications, nobody else's.
const OUTGOING_LINES: usize = 64;

/// How often a running call's client is checked for having hung up.
const HANGUP_CHECK: Duration = Duration::from_millis(200);

/// Serves one client until it hangs up, stays idle too long, stops reading,
/// or `stopping` turns true; a call in progress at that moment is finished
/// and answered first. `slot` is the client's place among the server's
/// connections, given back when it ends.
pub(super) async fn serve(
    stream: UnixStream,
    id: u64,
    handler: Arc<dyn Handler>,
    config: ServerConfig,
    mut stopping: watch::Receiver<bool>,
    slot: OwnedSemaphorePermit,
) {
    let (read, write) = stream.into_split();
    let (outgoing, queued) = mpsc::channel(OUTGOING_LINES);
    let (stop_writer, writer_stop) = oneshot::channel::<()>();
    let budget = OutputBudget::new(config.max_queued);
    let connection =
        Connection::with_limits(id, outgoing, Some(budget.clone()), config.max_response);
    let writer = Writer {
        write,
        budget,
        timeout: config.write_timeout,
        gone: connection.gone().clone(),
        id,
    };
    let writer = tokio::spawn(writer.run(queued, writer_stop));
    let mut lines = LineReader::new(read, config.max_line);
    loop {
        let idle = tokio::time::sleep(config.idle_timeout);
        let line = tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => break,
            () = connection.gone().cancelled() => break,
            line = lines.next_line() => line,
            () = idle, if !connection.is_subscribed() => {
                tracing::debug!("client {id}: idle for {:?}; closing", config.idle_timeout);
                break;
            }
        };
        let incoming = match line {
            Ok(Some(Line::Text(text))) if text.trim_ascii().is_empty() => continue,
            Ok(Some(Line::Text(text))) => protocol::decode(text),
            Ok(Some(Line::TooLong)) => {
                if connection.send(too_long(config.max_line)).await.is_err() {
                    break;
                }
                continue;
            }
            Ok(None) => break,
            Err(error) => {
                tracing::debug!("client {id}: reading failed: {error}");
                break;
            }
        };
        let answering = dispatch(&handler, &connection, incoming);
        tokio::pin!(answering);
        let mut checks = tokio::time::interval(HANGUP_CHECK);
        let reply = loop {
            tokio::select! {
                reply = &mut answering => break reply,
                _ = checks.tick(), if !connection.gone().is_cancelled() => {
                    let socket: &UnixStream = lines.get_ref().as_ref();
                    if hung_up(socket) {
                        tracing::debug!("client {id}: hung up during a call; stopping it");
                        connection.gone().cancel();
                    }
                }
            }
        };
        if let Some(reply) = reply
            && connection.send(reply).await.is_err()
        {
            break;
        }
    }
    drop(stop_writer);
    if let Err(error) = writer.await {
        tracing::error!("client {id}: the writer failed: {error}");
    }
    drop(slot);
}

/// Whether the client has closed its end for good. Not merely its writing
/// half: a client may send its request, shut down writing, and read the
/// answer.
fn hung_up(socket: &UnixStream) -> bool {
    let mut fds = [PollFd::new(socket, PollFlags::empty())];
    let now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    match rustix::event::poll(&mut fds, Some(&now)) {
        Ok(_) => fds[0].revents().intersects(PollFlags::HUP | PollFlags::ERR),
        Err(_) => false,
    }
}

fn too_long(max_line: usize) -> String {
    let error = RpcError::invalid_request(format!("line longer than {max_line} bytes"))
        .with_data(json!({"max_line": max_line}));
    Response::error(Id::Null, error).to_line()
}

/// The task writing a client's lines.
struct Writer {
    write: OwnedWriteHalf,
    budget: OutputBudget,
    /// The longest a write may wait for the client to read.
    timeout: Duration,
    /// The connection's token, cancelled when the writer ends.
    gone: CancellationToken,
    id: u64,
}

impl Writer {
    /// Writes queued lines until `stop` fires (then drains what is queued),
    /// the client is gone, or it read nothing for the write timeout;
    /// handlers still holding the connection see it closed.
    async fn run(mut self, mut queued: mpsc::Receiver<String>, mut stop: oneshot::Receiver<()>) {
        let mut stopping = false;
        let mut written = true;
        loop {
            let line = tokio::select! {
                line = queued.recv() => line,
                _ = &mut stop, if !stopping => {
                    stopping = true;
                    queued.close();
                    continue;
                }
            };
            let Some(mut line) = line else { break };
            line.push('\n');
            let length = line.len() - 1;
            if let Err(error) = self.write_line(line.as_bytes()).await {
                tracing::debug!("client {}: {error}; closing", self.id);
                written = false;
                break;
            }
            self.budget.release(length);
        }
        self.budget.close();
        self.gone.cancel();
        if written && let Err(error) = self.write.shutdown().await {
            tracing::debug!("client {}: closing failed: {error}", self.id);
        }
    }

    /// Writes `bytes`, failing when a write makes no progress for the timeout.
    async fn write_line(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let written = tokio::time::timeout(self.timeout, self.write.write(bytes))
                .await
                .map_err(|_| {
                    let message = format!("read nothing of its answers for {:?}", self.timeout);
                    std::io::Error::new(std::io::ErrorKind::TimedOut, message)
                })??;
            if written == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            bytes = &bytes[written..];
        }
        Ok(())
    }
}
