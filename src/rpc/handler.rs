//! The seam where methods plug in: a [`Handler`] answers calls, and
//! [`dispatch`] runs one decoded line (single or batch) against it.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::FutureExt;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::error::RpcError;
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
/// later (keep a clone), e.g. for event subscriptions.
#[derive(Clone, Debug)]
pub struct Connection {
    id: u64,
    outgoing: mpsc::Sender<String>,
}

/// The client has gone away; stop sending it notifications.
#[derive(Debug, thiserror::Error)]
#[error("the client connection is closed")]
pub struct ConnectionClosed;

impl Connection {
    /// A connection whose outgoing lines go to `outgoing` (the server wires
    /// this to the socket; tests may read it directly).
    pub fn new(id: u64, outgoing: mpsc::Sender<String>) -> Connection {
        Connection { id, outgoing }
    }

    /// A number unique among the connections of one server.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Sends a notification; waits while the client is slow to read.
    pub async fn notify(&self, method: &str, params: Value) -> Result<(), ConnectionClosed> {
        self.send(protocol::notification_line(method, params)).await
    }

    /// Queues one line (without newline) for the client.
    pub(crate) async fn send(&self, line: String) -> Result<(), ConnectionClosed> {
        self.outgoing.send(line).await.map_err(|_| ConnectionClosed)
    }
}

/// Runs every request of `incoming` (batch elements concurrently) and returns
/// the line to answer with, or `None` when nothing is owed: notifications
/// only. Batch responses keep the order of the requests.
pub async fn dispatch(
    handler: &Arc<dyn Handler>,
    connection: &Connection,
    incoming: Incoming,
) -> Option<String> {
    match incoming {
        Incoming::Single(Ok(request)) => run_one(handler, connection, request)
            .await
            .map(|response| response.to_line()),
        Incoming::Single(Err(response)) => Some(response.to_line()),
        Incoming::Batch(entries) => {
            let responses = run_batch(handler, connection, entries).await;
            (!responses.is_empty()).then(|| protocol::batch_line(&responses))
        }
    }
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
async fn run_batch(
    handler: &Arc<dyn Handler>,
    connection: &Connection,
    entries: Vec<Result<Request, Response>>,
) -> Vec<Response> {
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
        let outcome = joined.unwrap_or_else(|error| Err(failed_unexpectedly(&method, error)));
        match (id, outcome) {
            (Some(id), outcome) => slots[index] = Some(Response { id, outcome }),
            (None, Err(error)) => tracing::debug!("notification {method:?} failed: {error}"),
            (None, Ok(_)) => {}
        }
    }
    slots.into_iter().flatten().collect()
}
