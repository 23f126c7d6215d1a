//! The methods only the daemon serves (its accounts and events), on the
//! daemon's shared state: `sync_now`, `account_status`, `subscribe`,
//! `get_next_events`.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::RpcError;
use super::handler::Connection;
use super::methods::Method;
use super::params::parse_params;
use super::protocol::Reply;
use super::requests::NoParams;
use crate::daemon::DaemonState;

/// How long `get_next_events` waits when the caller does not say.
pub const DEFAULT_EVENT_WAIT: Duration = Duration::from_secs(30);
/// The longest `get_next_events` waits.
pub const MAX_EVENT_WAIT: Duration = Duration::from_secs(600);
/// How long a subscription waits for events before looking again.
const SUBSCRIPTION_WAIT: Duration = Duration::from_secs(3600);

/// `sync_now`, `account_status`: one account, or all when absent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// `get_next_events`: the events after id `after` (all kept ones when
/// absent); waits up to `timeout_ms` when there are none yet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NextEventsParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// Runs one of the daemon's methods.
pub(super) async fn call(
    state: &Arc<DaemonState>,
    method: Method,
    params: Option<Value>,
    names: &[&str],
    connection: &Connection,
) -> Result<Reply, RpcError> {
    match method {
        Method::SyncNow => {
            let params: AccountParams = parse_params(params, names)?;
            let woken = state.sync_now(params.account.as_deref())?;
            Reply::encode(&json!({ "accounts": woken }))
        }
        Method::AccountStatus => {
            let params: AccountParams = parse_params(params, names)?;
            let state = state.clone();
            let rows = tokio::task::spawn_blocking(move || state.status(params.account.as_deref()))
                .await
                .map_err(RpcError::internal)??;
            Reply::encode(&rows)
        }
        Method::Subscribe => {
            parse_params::<NoParams>(params, names)?;
            let last = state.events.last_id();
            connection.subscribe();
            if state.add_subscriber(connection.id()) {
                tokio::spawn(forward_events(state.clone(), connection.clone(), last));
            }
            Reply::encode(&json!({ "last_event": last }))
        }
        Method::GetNextEvents => {
            let params: NextEventsParams = parse_params(params, names)?;
            let wait = params
                .timeout_ms
                .map_or(DEFAULT_EVENT_WAIT, Duration::from_millis)
                .min(MAX_EVENT_WAIT);
            let events = state.events.wait_after(params.after, wait).await;
            Reply::encode(&events)
        }
        _ => Err(RpcError::method_not_found(&format!("{method:?}"))),
    }
}

/// Pushes every event after `last` to `connection` as an `event`
/// notification, until the client goes away or the daemon stops.
async fn forward_events(state: Arc<DaemonState>, connection: Connection, mut last: u64) {
    loop {
        let events = state.events.wait_after(Some(last), SUBSCRIPTION_WAIT).await;
        if events.is_empty() && state.events.is_closed() {
            break;
        }
        for event in events {
            last = event.id;
            let Ok(params) = serde_json::to_value(&event) else {
                continue;
            };
            if connection.notify("event", params).await.is_err() {
                state.remove_subscriber(connection.id());
                return;
            }
        }
    }
    state.remove_subscriber(connection.id());
}
