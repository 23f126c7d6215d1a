//! One client connection: a reader that answers lines in order, and a writer
//! task that sends responses and notifications from one channel.

use std::sync::Arc;

use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::{mpsc, oneshot, watch};

use super::error::RpcError;
use super::handler::{Connection, Handler, dispatch};
use super::line::{Line, LineReader};
use super::protocol::{self, Id, Response};

/// Lines waiting for the writer; a client that does not read slows its own
/// calls and notifications, nobody else's.
const OUTGOING_LINES: usize = 64;

/// Serves one client until it hangs up or `stopping` turns true; a call in
/// progress at that moment is finished and answered first.
pub(super) async fn serve(
    stream: UnixStream,
    id: u64,
    handler: Arc<dyn Handler>,
    max_line: usize,
    mut stopping: watch::Receiver<bool>,
) {
    let (read, write) = stream.into_split();
    let (outgoing, queued) = mpsc::channel(OUTGOING_LINES);
    let (stop_writer, writer_stop) = oneshot::channel::<()>();
    let writer = tokio::spawn(write_lines(write, queued, writer_stop, id));
    let connection = Connection::new(id, outgoing);
    let mut lines = LineReader::new(read, max_line);
    loop {
        let line = tokio::select! {
            biased;
            _ = stopping.wait_for(|stop| *stop) => break,
            line = lines.next_line() => line,
        };
        let reply = match line {
            Ok(Some(Line::Text(text))) if text.trim_ascii().is_empty() => continue,
            Ok(Some(Line::Text(text))) => {
                let incoming = protocol::decode(text);
                dispatch(&handler, &connection, incoming).await
            }
            Ok(Some(Line::TooLong)) => Some(too_long(max_line)),
            Ok(None) => break,
            Err(error) => {
                tracing::debug!("client {id}: reading failed: {error}");
                break;
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
}

fn too_long(max_line: usize) -> String {
    let error = RpcError::invalid_request(format!("line longer than {max_line} bytes"))
        .with_data(json!({"max_line": max_line}));
    Response::error(Id::Null, error).to_line()
}

/// Writes queued lines until `stop` fires (then drains what is queued) or
/// the client is gone; handlers still holding the connection see it closed.
async fn write_lines(
    mut write: OwnedWriteHalf,
    mut queued: mpsc::Receiver<String>,
    mut stop: oneshot::Receiver<()>,
    id: u64,
) {
    let mut stopping = false;
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
        if let Err(error) = write.write_all(line.as_bytes()).await {
            tracing::debug!("client {id}: gone before its answer was sent: {error}");
            return;
        }
    }
    if let Err(error) = write.shutdown().await {
        tracing::debug!("client {id}: closing failed: {error}");
    }
}
