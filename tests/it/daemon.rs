//! The command line through a running daemon's socket: the same output as
//! without one. The server runs in this test process, with the API handler
//! the daemon uses, on the socket path the binary finds from INBOX_HOME.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use inbox::api::Api;
use inbox::home::Home;
use inbox::rpc::{ApiHandler, Connection, Handler, Reply, RpcError, Server, ServerConfig};
use serde_json::Value;

use crate::util::{TestInbox, corpus};

/// The API handler, counting the calls it answers.
struct Counting {
    inner: ApiHandler,
    calls: Arc<AtomicUsize>,
}

#[async_trait]
impl Handler for Counting {
    async fn call(
        &self,
        method: &str,
        params: Option<Value>,
        connection: &Connection,
    ) -> Result<Reply, RpcError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.call(method, params, connection).await
    }
}

#[test]
fn the_cli_gives_the_same_output_through_the_daemon() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("enron-sample"), "enron");
    let id = inbox.ok(&["search", "--limit", "1", "--sort", "date", "*"]);
    let id = id.split_whitespace().next().expect("an id").to_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["search", "--json", "from:enron.com", "and", "not", "gas"],
        vec![
            "search",
            "--limit",
            "7",
            "--offset",
            "3",
            "--sort",
            "relevance",
            "energy",
        ],
        vec!["search", "--count", "date:2001"],
        vec!["show", &id],
        vec!["show", "--json", &id],
        vec!["show", "--raw", &id],
        vec!["thread", "--json", &id],
    ];
    let outputs = |inbox: &TestInbox| -> Vec<std::process::Output> {
        commands.iter().map(|args| inbox.run(args)).collect()
    };
    // Tag first: rewritten documents change relevance scores until merged.
    let tag = ["tag", "+review", "--", "energy"];
    let untag = ["tag", "-review", "--", "tag:review"];
    let (tagged, untagged) = (inbox.ok(&tag), inbox.ok(&untag));
    let alone = outputs(&inbox);
    let bad_query = inbox.run(&["search", "subject:(budget"]);

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let home = Home::at(&inbox.home());
    let server = runtime
        .block_on(async { Server::bind(&home.socket_path(), ServerConfig::default()) })
        .expect("listen on the home's socket");
    let calls = Arc::new(AtomicUsize::new(0));
    let handler = Counting {
        inner: ApiHandler::new(Arc::new(Api::open(&home).expect("open the api"))),
        calls: calls.clone(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(server.run(Arc::new(handler), async {
        let _ = stopped.await;
    }));

    let through_daemon = outputs(&inbox);
    for ((args, alone), daemon) in commands.iter().zip(&alone).zip(&through_daemon) {
        assert!(alone.status.success(), "{args:?}: {alone:?}");
        assert_eq!(alone.status, daemon.status, "{args:?}");
        let text =
            |output: &std::process::Output| String::from_utf8_lossy(&output.stdout).into_owned();
        assert_eq!(text(alone), text(daemon), "{args:?}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), commands.len());

    let daemon_bad_query = inbox.run(&["search", "subject:(budget"]);
    assert_eq!(bad_query.status.code(), Some(2));
    assert_eq!(daemon_bad_query.status.code(), Some(2));
    assert_eq!(bad_query.stderr, daemon_bad_query.stderr);
    // Tag changes go through the daemon too (it may hold the index writer).
    assert_eq!(inbox.ok(&tag), tagged);
    assert!(inbox.count("tag:review") > 0);
    assert_eq!(inbox.ok(&untag), untagged);
    assert_eq!(inbox.count("tag:review"), 0);
    // A query that does not parse is refused before the daemon is asked.
    assert_eq!(calls.load(Ordering::SeqCst), commands.len() + 4);
    drop(stop);
}
