//! The seam where methods plug in: a [`Handler`] answers calls, and
//! [`dispatch`] runs one decoded line (single or batch) against it.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use futures_util::FutureExt;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::error::{RESPONSE_TOO_LARGE, RpcError};
use super::protocol::{self, Incoming, Reply, Request, Response};

/// Answers method calls. The same handler serves every connection, and
/// calls may run concurrently (batch elements, several clients).
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Runs `method`. Unknown methods answer [`RpcError::method_not_found`];
    /// parameters can be read with [`super::parse_params`]. A panic becomes
    /// an internal error for this call only.
    async fn call(
        &self,
        method: &str,
        params: Option<Value>,
        connection: &Connection,
    ) -> Result<Reply, RpcError>;
}

/// The client connection a call came from: lets a method push notifications
/// (`{"jsonrpc":"2.0","method":..,"params":..}`) to that client, now or
/// later (keep a clone), e.g. for event subscriptions, and tells whether the
/// client is still there.
#[derive(Clone, Debug)]
pub struct Connection {
    id: u64,
    outgoing: mpsc::Sender<String>,
    shared: Arc<Shared>,
}

/// What every clone of a connection sees.
#[derive(Debug)]
struct Shared {
    /// Cancelled when the client has gone or stopped reading.
    gone: CancellationToken,
    /// The client subscribed to notifications: silence is no idleness.
    subscribed: AtomicBool,
    /// Bytes the client's queued lines may take, if bounded; the writer
    /// gives back what it wrote.
    queued: Option<OutputBudget>,
    /// The longest response line sent.
    max_response: usize,
}

/// A bound on the bytes of the lines waiting for a client.
#[derive(Clone, Debug)]
pub(super) struct OutputBudget {
    bytes: Arc<Semaphore>,
    max: usize,
}

impl OutputBudget {
    pub(super) fn new(max: usize) -> OutputBudget {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        OutputBudget {
            bytes: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// What a line of `length` bytes takes: a line longer than the whole
    /// budget waits until nothing else is queued.
    fn cost(&self, length: usize) -> u32 {
        u32::try_from(length.clamp(1, self.max)).unwrap_or(u32::MAX)
    }

    /// Gives back what a written line took.
    pub(super) fn release(&self, length: usize) {
        self.bytes.add_permits(self.cost(length) as usize);
    }

    /// Makes every waiting and later send fail: nobody writes any more.
    pub(super) fn close(&self) {
        self.bytes.close();
    }
}

/// The client has gone away; stop sending it notifications.
#[derive(Debug, thiserror::Error)]
#[error("the client connection is closed")]
pub struct ConnectionClosed;

impl Connection {
    /// A connection without bounds whose outgoing lines go to `outgoing`,
    /// for tests to read directly.
    #[cfg(test)]
    pub fn new(id: u64, outgoing: mpsc::Sender<String>) -> Connection {
        Connection::with_limits(id, outgoing, None, usize::MAX)
    }

    /// A connection whose queued lines take at most `queued` bytes, and
    /// whose response lines are at most `max_response` bytes.
    pub(super) fn with_limits(
        id: u64,
        outgoing: mpsc::Sender<String>,
        queued: Option<OutputBudget>,
        max_response: usize,
    ) -> Connection {
        let shared = Shared {
            gone: CancellationToken::new(),
            subscribed: AtomicBool::new(false),
            queued,
            max_response,
        };
        Connection {
            id,
            outgoing,
            shared: Arc::new(shared),
        }
    }

    /// A number unique among the connections of one server.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Cancelled once the client has hung up or stopped reading: a call
    /// still running for it may stop (nobody will read its answer).
    pub fn gone(&self) -> &CancellationToken {
        &self.shared.gone
    }

    /// Marks the client as waiting for notifications: the server does not
    /// close it for saying nothing.
    pub fn subscribe(&self) {
        self.shared.subscribed.store(true, Ordering::Relaxed);
    }

    /// Whether [`Connection::subscribe`] was called.
    pub(super) fn is_subscribed(&self) -> bool {
        self.shared.subscribed.load(Ordering::Relaxed)
    }

    /// Sends a notification; waits while the client is slow to read.
    pub async fn notify(&self, method: &str, params: Value) -> Result<(), ConnectionClosed> {
        self.send(protocol::notification_line(method, params)).await
    }

    /// Queues one line (without newline) for the client, waiting while the
    /// lines already queued take the whole output budget.
    pub(crate) async fn send(&self, line: String) -> Result<(), ConnectionClosed> {
        if let Some(budget) = &self.shared.queued {
            let taken = budget.bytes.acquire_many(budget.cost(line.len())).await;
            // Given back by the writer once the line is written.
            taken.map_err(|_| ConnectionClosed)?.forget();
        }
        self.outgoing.send(line).await.map_err(|_| ConnectionClosed)
    }
}

/// Runs every request of `incoming` (batch elements concurrently) and returns
/// the line to answer with, or `None` when nothing is owed: notifications
/// only. Batch responses keep the order of the requests. An answer longer
/// than the connection's response limit is replaced by an error saying so.
pub async fn dispatch(
    handler: &Arc<dyn Handler>,
    connection: &Connection,
    incoming: Incoming,
) -> Option<String> {
    let max = connection.shared.max_response;
    match incoming {
        Incoming::Single(Ok(request)) => {
            let mut response = run_one(handler, connection, request).await?;
            if let Ok(reply) = &response.outcome
                && reply.text().len() > max
            {
                response.outcome = Err(too_large(reply.text().len(), max));
            }
            Some(response.to_line())
        }
        Incoming::Single(Err(response)) => Some(response.to_line()),
        Incoming::Batch(entries) => {
            let responses = run_batch(handler, connection, entries, max).await;
            (!responses.is_empty()).then(|| protocol::batch_line(&responses))
        }
    }
}

/// The error that replaces an answer of `bytes` bytes.
fn too_large(bytes: usize, max: usize) -> RpcError {
    let message = format!(
        "the answer would be {bytes} bytes, more than the {max} one response may hold; \
         ask for less: a smaller limit, fewer calls in a batch"
    );
    RpcError::app(RESPONSE_TOO_LARGE, message)
        .with_data(json!({"bytes": bytes, "max_response": max}))
}

/// Runs one request in the caller's task (no task of its own to schedule);
/// `None` for a notification.
async fn run_one(
    handler: &Arc<dyn Handler>,
    connection: &Connection,
    request: Request,
) -> Option<Response> {
    let call = handler.call(&request.method, request.params, connection);
    let outcome = AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .unwrap_or_else(|_| Err(failed_unexpectedly(&request.method, "it panicked")));
    match (request.id, outcome) {
        (Some(id), outcome) => Some(Response { id, outcome }),
        (None, Err(error)) => {
            tracing::debug!("notification {:?} failed: {error}", request.method);
            None
        }
        (None, Ok(_)) => None,
    }
}

/// The answer to a call whose method failed in an unexpected way.
fn failed_unexpectedly(method: &str, how: impl std::fmt::Display) -> RpcError {
    tracing::error!("method {method:?} failed: {how}");
    RpcError::internal("the method failed unexpectedly; see the daemon log")
}

/// Runs the valid requests as tasks (dropping this future aborts them) and
/// collects the responses in request order, leaving out notifications.
/// Results are kept while they fit in `max` bytes together; those that
/// finish after the rest are replaced by errors.
async fn run_batch(
    handler: &Arc<dyn Handler>,
    connection: &Connection,
    entries: Vec<Result<Request, Response>>,
    max: usize,
) -> Vec<Response> {
    let mut kept = 0usize;
    let mut slots: Vec<Option<Response>> = Vec::with_capacity(entries.len());
    let mut calls = HashMap::new();
    let mut tasks = JoinSet::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let request = match entry {
            Err(response) => {
                slots.push(Some(response));
                continue;
            }
            Ok(request) => {
                slots.push(None);
                request
            }
        };
        let (handler, connection) = (handler.clone(), connection.clone());
        let method = request.method.clone();
        let task = tasks.spawn(async move {
            handler
                .call(&request.method, request.params, &connection)
                .await
        });
        calls.insert(task.id(), (index, request.id, method));
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        let (task, joined) = match joined {
            Ok((task, outcome)) => (task, Ok(outcome)),
            Err(error) => (error.id(), Err(error)),
        };
        let Some((index, id, method)) = calls.remove(&task) else {
            continue;
        };
        let outcome = match joined {
            Ok(Ok(reply)) if id.is_some() => {
                let total = kept.saturating_add(reply.text().len());
                match total > max {
                    true => Err(too_large(total, max)),
                    false => {
                        kept = total;
                        Ok(reply)
                    }
                }
            }
            Ok(outcome) => outcome,
            Err(error) => Err(failed_unexpectedly(&method, error)),
        };
        match (id, outcome) {
            (Some(id), outcome) => slots[index] = Some(Response { id, outcome }),
            (None, Err(error)) => tracing::debug!("notification {method:?} failed: {error}"),
            (None, Ok(_)) => {}
        }
    }
    slots.into_iter().flatten().collect()
}
