//! The API answers the same in-process and through the socket; the method
//! table, the dispatcher and `rpc.discover` agree.

use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use tokio::sync::oneshot;

use super::requests::*;
use super::{ApiHandler, Client, ClientError, RemoteApi, Reply, Server, ServerConfig};
use crate::api::tests::Fixture;
use crate::api::{Api, ApiError, Methods};

/// A server for `api` on `socket`, running until the returned sender is
/// dropped, on its own runtime (also returned, to keep it alive).
fn serve(api: Api, socket: &Path) -> (tokio::runtime::Runtime, oneshot::Sender<()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime
        .block_on(async { Server::bind(socket, ServerConfig::default()) })
        .unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let handler = Arc::new(ApiHandler::new(Arc::new(api)));
    runtime.spawn(server.run(handler, async {
        let _ = stopped.await;
    }));
    (runtime, stop)
}

#[test]
fn both_transports_give_the_same_answers() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let socket = fixture.home.socket_path();
    let (_runtime, _stop) = serve(fixture.api(), &socket);
    let local = fixture.api();
    let remote = RemoteApi::connect(&socket)
        .unwrap()
        .expect("the server answers");

    for query in ["budget", "*", "from:example.org and not lunch"] {
        let mut params = SearchParams::new(query);
        params.limit = 5;
        params.offset = 1;
        params.sort = SortParam::OldestFirst;
        assert_eq!(
            local.search(&params).unwrap(),
            remote.search(&params).unwrap()
        );
        let count = CountParams {
            query: query.into(),
        };
        assert_eq!(local.count(&count).unwrap(), remote.count(&count).unwrap());
    }
    let ids: Vec<i64> = local
        .search(&SearchParams::new("*"))
        .unwrap()
        .messages
        .iter()
        .map(|hit| hit.summary.id)
        .collect();
    for &id in ids.iter().take(6) {
        let params = GetMessageParams {
            id,
            raw: true,
            html: true,
        };
        assert_eq!(
            local.get_message(&params).unwrap(),
            remote.get_message(&params).unwrap()
        );
        let thread = GetThreadParams { id };
        assert_eq!(
            local.get_thread(&thread).unwrap(),
            remote.get_thread(&thread).unwrap()
        );
    }
    assert_eq!(
        local.list_accounts().unwrap(),
        remote.list_accounts().unwrap()
    );

    // Changes: one way through the socket, back in-process; same counts.
    let add = TagParams {
        query: "budget".into(),
        add: vec!["work".into()],
        remove: vec![],
        ..TagParams::default()
    };
    let remove = TagParams {
        remove: add.add.clone(),
        add: vec![],
        query: "tag:work".into(),
        ..TagParams::default()
    };
    let added = remote.tag(&add).unwrap();
    assert_eq!(local.list_tags().unwrap(), remote.list_tags().unwrap());
    assert_eq!(added, local.tag(&remove).unwrap());
    assert_eq!(added.changed, 2);
    let flags = |seen| SetFlagsParams {
        ids: Some(ids[..3].to_vec()),
        seen: Some(seen),
        ..SetFlagsParams::default()
    };
    let read = remote.set_flags(&flags(true)).unwrap();
    assert_eq!(read.changed, 3);
    assert_eq!(local.list_tags().unwrap(), remote.list_tags().unwrap());
    assert_eq!(read, local.set_flags(&flags(false)).unwrap());
    assert_eq!(local.list_tags().unwrap(), remote.list_tags().unwrap());
}

#[test]
fn errors_come_back_as_the_same_api_errors() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let socket = fixture.home.socket_path();
    let (_runtime, _stop) = serve(fixture.api(), &socket);
    let local = fixture.api();
    let remote = RemoteApi::connect(&socket).unwrap().unwrap();

    let bad = CountParams {
        query: "subject:(".into(),
    };
    let (
        ApiError::BadQuery { error: here, .. },
        ApiError::BadQuery {
            error: there,
            query,
        },
    ) = (
        local.count(&bad).unwrap_err(),
        remote.count(&bad).unwrap_err(),
    )
    else {
        panic!("expected query errors");
    };
    assert_eq!((here, query.as_str()), (there, "subject:("));

    let missing = GetThreadParams { id: 987_654 };
    assert!(matches!(
        remote.get_thread(&missing),
        Err(ApiError::NoSuchMessage(987_654))
    ));
    let no_change = TagParams {
        query: "*".into(),
        add: vec![],
        remove: vec![],
        ..TagParams::default()
    };
    let (ApiError::InvalidParams(here), ApiError::InvalidParams(there)) = (
        local.tag(&no_change).unwrap_err(),
        remote.tag(&no_change).unwrap_err(),
    ) else {
        panic!("expected invalid params");
    };
    assert_eq!(here, there);
}

/// Raw calls: codes and data on the wire, positional parameters, discovery.
#[test]
fn the_wire_format_and_the_discovery_document() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let socket = fixture.home.socket_path();
    let (runtime, _stop) = serve(fixture.api(), &socket);
    runtime.block_on(async {
        let mut client = Client::connect(&socket).await.unwrap();
        let rpc_error = |result: Result<Reply, ClientError>| match result {
            Err(ClientError::Rpc(error)) => error,
            other => panic!("expected an error answer, got {other:?}"),
        };

        let error = rpc_error(client.call("count", Some(json!({"query": "a (b"}))).await);
        assert_eq!(error.code, -32602);
        assert_eq!(error.data.unwrap()["column"], 5);
        let error = rpc_error(
            client
                .call("get_message", Some(json!({"id": 123_456})))
                .await,
        );
        assert_eq!(
            (error.code, error.data),
            (-32001, Some(json!({"id": 123_456})))
        );
        let error = rpc_error(client.call("count", Some(json!({"qeury": "x"}))).await);
        assert_eq!(error.code, -32602, "unknown parameters are refused");

        let by_position = client.call("search", Some(json!(["budget", 1, 0, "date", false])));
        let page = by_position.await.unwrap().to_value();
        assert_eq!(page["total"], 2);
        assert_eq!(page["messages"].as_array().unwrap().len(), 1);
        assert!(page["messages"][0].get("snippet").is_none());

        let document = client.call("rpc.discover", None).await.unwrap().to_value();
        assert!(document["openrpc"].as_str().unwrap().starts_with("1."));
        let documented: Vec<&str> = document["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|method| method["name"].as_str().unwrap())
            .collect();
        let table: Vec<&str> = super::methods::METHODS.iter().map(|m| m.name).collect();
        assert_eq!(documented, table);
        for name in [
            "search",
            "count",
            "get_message",
            "get_thread",
            "list_tags",
            "tag",
            "set_flags",
            "list_accounts",
            "sync_now",
            "account_status",
            "subscribe",
            "get_next_events",
            "rpc.discover",
        ] {
            assert!(documented.contains(&name), "{name} is not documented");
        }
        // Every documented method is dispatched: nothing answers "not found",
        // except the daemon's own methods without a daemon.
        for spec in super::methods::METHODS {
            let outcome = client
                .call(spec.name, Some(json!({"unexpected": true})))
                .await;
            let error = rpc_error(outcome);
            let expected = if spec.method.needs_daemon() {
                -32601
            } else {
                -32602
            };
            assert_eq!(error.code, expected, "{}: {error}", spec.name);
        }
        let error = rpc_error(client.call("sync_now", None).await);
        assert_eq!(error.code, -32601);
    });
}

#[test]
fn a_daemon_that_never_answers_times_out_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("rpc.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // Accepts, reads nothing, answers nothing.
    let silent = std::thread::spawn(move || listener.accept().map(|(stream, _)| stream));
    let remote = RemoteApi::connect(&socket)
        .unwrap()
        .expect("something listens")
        .with_patience(
            std::time::Duration::from_millis(200),
            std::time::Duration::from_millis(300),
        );
    let _held = silent.join().unwrap().unwrap();
    let started = std::time::Instant::now();
    let Err(ApiError::Failed(message)) = remote.count(&CountParams { query: "*".into() }) else {
        panic!("expected a timeout");
    };
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        message.contains("did not answer count within 0.2 s"),
        "{message}"
    );
    // The connection is given up: a late answer cannot be taken for another call's.
    let Err(ApiError::Failed(again)) = remote.list_tags() else {
        panic!("expected the connection to be given up");
    };
    assert!(again.contains("given up"), "{again}");
}

/// `erase` erases only the count the caller confirmed: without `confirm`
/// it says what would go, with another count it refuses and names the
/// count, with the count it erases.
#[test]
fn erase_asks_for_the_count_it_will_erase() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let socket = fixture.home.socket_path();
    let (runtime, _stop) = serve(fixture.api(), &socket);
    let local = fixture.api();
    let count = |query: &str| {
        let params = CountParams {
            query: query.into(),
        };
        local.count(&params).unwrap()
    };
    let all = count("*");
    let matching = count("budget");
    assert!(all > matching && matching > 0);
    runtime.block_on(async {
        let mut client = Client::connect(&socket).await.unwrap();
        for params in [json!({"query": "*"}), json!({"query": "*", "remote": true})] {
            let preview = client.call("erase", Some(params)).await.unwrap().to_value();
            assert_eq!(preview["dry_run"], true, "{preview}");
            assert_eq!(preview["messages"], all, "{preview}");
        }
        assert_eq!(count("*"), all, "a call without `confirm` erases nothing");

        let wrong = client
            .call("erase", Some(json!({"query": "budget", "confirm": all})))
            .await;
        let Err(ClientError::Rpc(error)) = wrong else {
            panic!("expected a refusal, got {wrong:?}");
        };
        assert_eq!(error.code, -32602);
        assert_eq!(
            error.data,
            Some(json!({"confirm": all, "matching": matching}))
        );
        assert!(error.message.contains("nothing was erased"), "{error}");
        assert_eq!(count("*"), all, "a wrong count erases nothing");

        let done = client
            .call(
                "erase",
                Some(json!({"query": "budget", "confirm": matching})),
            )
            .await
            .unwrap()
            .to_value();
        assert_eq!(done["dry_run"], false, "{done}");
        assert_eq!(done["messages"], matching, "{done}");
    });
    assert_eq!(count("budget"), 0);
    assert_eq!(count("*"), all - matching);

    // Both transports report the refusal as the same error.
    let remote = RemoteApi::connect(&socket).unwrap().unwrap();
    let stale = EraseParams {
        query: Some("*".into()),
        confirm: Some(all),
        ..EraseParams::default()
    };
    let changed = ApiError::EraseCountChanged {
        confirmed: all,
        matching: all - matching,
    };
    for refused in [local.erase(&stale), remote.erase(&stale)] {
        let error = refused.unwrap_err();
        assert_eq!(error.to_string(), changed.to_string());
        assert!(matches!(error, ApiError::EraseCountChanged { .. }));
    }
    assert_eq!(count("*"), all - matching);
}
