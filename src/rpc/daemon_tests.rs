//! The daemon's methods on a handler with daemon state (no watcher): errors
//! for unknown and unwatched accounts, wakes, status with store counts,
//! events polled and pushed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{ApiHandler, Connection, Handler, RpcError};
use crate::api::tests::Fixture;
use crate::daemon::DaemonState;
use crate::daemon::state::Phase;
use crate::sync::watch::Wake;

struct Setup {
    _fixture: Fixture,
    handler: ApiHandler,
    state: Arc<DaemonState>,
    wake: Arc<Wake>,
}

/// The fixture's `local` account watched, `x-account` disabled; `None`
/// when the test corpus is missing.
fn setup() -> Option<Setup> {
    let fixture = Fixture::new()?;
    let state = Arc::new(DaemonState::new(fixture.home.clone()));
    let wake = Arc::new(Wake::new());
    state.add_account("local", "imap", Phase::Idle, Some(wake.clone()));
    state.add_account("x-account", "x", Phase::Disabled, None);
    let handler = ApiHandler::new(Arc::new(fixture.api())).with_daemon(state.clone());
    Some(Setup {
        _fixture: fixture,
        handler,
        state,
        wake,
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn connection(id: u64) -> (Connection, mpsc::Receiver<String>) {
    let (sender, receiver) = mpsc::channel(16);
    (Connection::new(id, sender), receiver)
}

async fn call(handler: &ApiHandler, method: &str, params: Value) -> Result<Value, RpcError> {
    let (connection, _) = connection(0);
    (handler.call(method, Some(params), &connection).await).map(|reply| reply.to_value())
}

#[test]
fn sync_now_wakes_watched_accounts_and_refuses_others() {
    let Some(setup) = setup() else { return };
    runtime().block_on(async {
        let woken = call(&setup.handler, "sync_now", json!({})).await.unwrap();
        assert_eq!(woken, json!({"accounts": ["local"]}));
        tokio::time::timeout(Duration::from_secs(1), setup.wake.notified())
            .await
            .expect("the watcher was woken");

        let error = call(&setup.handler, "sync_now", json!({"account": "nope"}))
            .await
            .unwrap_err();
        assert_eq!(error.code, -32602);
        assert!(error.message.contains("\"nope\""), "{error}");
        let error = call(&setup.handler, "sync_now", json!(["x-account"]))
            .await
            .unwrap_err();
        assert_eq!(error.code, -32602);
        assert!(error.message.contains("disabled"), "{error}");
    });
}
#[test]
fn account_status_counts_messages_per_folder() {
    let Some(setup) = setup() else { return };
    runtime().block_on(async {
        let status = call(&setup.handler, "account_status", json!({}))
            .await
            .unwrap();
        let names: Vec<&str> = status
            .as_array()
            .unwrap()
            .iter()
            .map(|account| account["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["local", "x-account"]);
        let local = &status[0];
        assert_eq!(local["state"], "idle");
        assert_eq!(local["kind"], "imap");
        let messages = local["messages"].as_u64().unwrap();
        assert!(messages > 0, "{local}");
        let in_folders: u64 = local["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|folder| folder["messages"].as_u64().unwrap())
            .sum();
        assert_eq!(in_folders, messages, "{local}");
        assert_eq!(status[1]["state"], "disabled");
        assert_eq!(status[1]["messages"], 0);

        let one = call(
            &setup.handler,
            "account_status",
            json!({"account": "x-account"}),
        )
        .await
        .unwrap();
        assert_eq!(one.as_array().unwrap().len(), 1);
    });
}
#[test]
fn tag_changes_are_polled_and_pushed_once_per_subscriber() {
    let Some(setup) = setup() else { return };
    runtime().block_on(async {
        let start = Instant::now();
        let none = call(
            &setup.handler,
            "get_next_events",
            json!({"timeout_ms": 100}),
        )
        .await
        .unwrap();
        assert_eq!(none, json!([]));
        assert!(start.elapsed() >= Duration::from_millis(100));

        let (subscriber, mut pushed) = connection(7);
        for _ in 0..2 {
            let subscribed = setup
                .handler
                .call("subscribe", None, &subscriber)
                .await
                .unwrap();
            assert_eq!(subscribed.to_value(), json!({"last_event": 0}));
        }
        let tagged = call(
            &setup.handler,
            "tag",
            json!({"query": "*", "add": ["seen-by-test"]}),
        )
        .await
        .unwrap();
        let changed = tagged["changed"].as_u64().unwrap();
        assert!(changed > 0);

        let events = call(&setup.handler, "get_next_events", json!({"after": 0}))
            .await
            .unwrap();
        assert_eq!(events[0]["id"], 1);
        assert_eq!(events[0]["kind"], "TagsChanged");
        assert_eq!(events[0]["count"], changed);
        let line = tokio::time::timeout(Duration::from_secs(2), pushed.recv())
            .await
            .expect("a notification")
            .expect("the connection is open");
        let notification: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(notification["method"], "event");
        assert_eq!(notification["params"], events[0]);
        // One subscription per connection, however often it subscribes.
        assert!(
            tokio::time::timeout(Duration::from_millis(100), pushed.recv())
                .await
                .is_err()
        );
        setup.state.events.close();
    });
}
