//! The server on a temporary socket, driven with raw lines and the client.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::protocol::Reply;
use super::*;

/// Methods of the specification's examples plus a few for edge cases.
struct TestMethods;

/// Calls of `until_gone` that saw their client hang up.
static CALLS_TOLD_GONE: AtomicUsize = AtomicUsize::new(0);

#[derive(Deserialize)]
struct Subtract {
    minuend: i64,
    subtrahend: i64,
}

#[derive(Deserialize)]
struct Slow {
    millis: u64,
}

#[async_trait]
impl Handler for TestMethods {
    async fn call(
        &self,
        method: &str,
        params: Option<Value>,
        connection: &Connection,
    ) -> Result<Reply, RpcError> {
        let result = match method {
            "subtract" => {
                let Subtract {
                    minuend,
                    subtrahend,
                } = parse_params(params, &["minuend", "subtrahend"])?;
                Ok(json!(minuend - subtrahend))
            }
            "sum" => {
                let numbers: Vec<i64> = serde_json::from_value(params.unwrap_or(json!([])))
                    .map_err(RpcError::invalid_params)?;
                Ok(json!(numbers.iter().sum::<i64>()))
            }
            "update" | "notify_hello" | "notify_sum" => Ok(Value::Null),
            "get_data" => Ok(json!(["hello", 5])),
            "echo" => Ok(params.unwrap_or(Value::Null)),
            "fail" => {
                Err(RpcError::app(AppCode::new(1), "no such message").with_data(json!({"id": 7})))
            }
            "slow" => {
                let Slow { millis } = parse_params(params, &["millis"])?;
                tokio::time::sleep(Duration::from_millis(millis)).await;
                Ok(json!("done"))
            }
            "push" => {
                let closed = connection.notify("event", json!({"n": 1})).await;
                Ok(json!(closed.is_ok()))
            }
            "until_gone" => {
                let gone = connection.gone().cancelled();
                let told = tokio::time::timeout(Duration::from_secs(10), gone).await;
                CALLS_TOLD_GONE.fetch_add(usize::from(told.is_ok()), Ordering::SeqCst);
                Ok(json!(told.is_ok()))
            }
            "subscribe" => {
                connection.subscribe();
                Ok(Value::Null)
            }
            "panic" => panic!("a method bug"),
            other => Err(RpcError::method_not_found(other)),
        }?;
        Reply::encode(&result)
    }
}

struct TestServer {
    _dir: tempfile::TempDir,
    path: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl TestServer {
    async fn start() -> TestServer {
        TestServer::with_config(ServerConfig::default()).await
    }

    async fn with_config(config: ServerConfig) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run").join("rpc.sock");
        let server = Server::bind(&path, config).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(server.run(Arc::new(TestMethods), shutdown));
        TestServer {
            _dir: dir,
            path,
            stop: Some(stop),
            task,
        }
    }

    /// Triggers shutdown and waits for the server to finish.
    async fn shut_down(mut self) -> PathBuf {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        within(5000, &mut self.task).await.unwrap();
        self.path.clone()
    }
}

async fn within<F: std::future::Future>(millis: u64, future: F) -> F::Output {
    tokio::time::timeout(Duration::from_millis(millis), future)
        .await
        .expect("timed out")
}

/// A client speaking raw lines.
struct Raw {
    read: BufReader<tokio::net::unix::OwnedReadHalf>,
    write: tokio::net::unix::OwnedWriteHalf,
}

impl Raw {
    async fn connect(path: &Path) -> Raw {
        let (read, write) = UnixStream::connect(path).await.unwrap().into_split();
        Raw {
            read: BufReader::new(read),
            write,
        }
    }

    async fn send(&mut self, line: &str) {
        self.write.write_all(line.as_bytes()).await.unwrap();
        self.write.write_all(b"\n").await.unwrap();
    }

    /// The next line as JSON, or `None` at the end of the stream.
    async fn recv(&mut self) -> Option<Value> {
        let mut line = String::new();
        let read = within(3000, self.read.read_line(&mut line)).await.unwrap();
        (read > 0).then(|| serde_json::from_str(&line).expect("a JSON line"))
    }

    async fn exchange(&mut self, line: &str) -> Value {
        self.send(line).await;
        self.recv().await.expect("an answer")
    }
}

const PING: &str = r#"{"jsonrpc":"2.0","method":"echo","params":["ping"],"id":"ping"}"#;

fn invalid(message: &str) -> Value {
    let message = format!("Invalid Request: {message}");
    json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": message}, "id": null})
}

fn parse_error(line: &str) -> Value {
    let error = serde_json::from_str::<Value>(line).unwrap_err();
    let message = format!("Parse error: {error}");
    json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": message}, "id": null})
}

/// <https://www.jsonrpc.org/specification#examples>, each with its exact answer.
#[tokio::test]
async fn answers_every_example_of_the_specification() {
    let server = TestServer::start().await;
    let mut client = Raw::connect(&server.path).await;
    let bad_json = r#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#;
    let bad_batch = r#"[
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
]"#
    .replace('\n', "");
    let mixed_batch = r#"[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]"#
    .replace('\n', "");
    let cases: Vec<(&str, Option<Value>)> = vec![
        (
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#,
            Some(json!({"jsonrpc": "2.0", "result": 19, "id": 1})),
        ),
        (
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#,
            Some(json!({"jsonrpc": "2.0", "result": -19, "id": 2})),
        ),
        (
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#,
            Some(json!({"jsonrpc": "2.0", "result": 19, "id": 3})),
        ),
        (
            r#"{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}"#,
            Some(json!({"jsonrpc": "2.0", "result": 19, "id": 4})),
        ),
        (
            r#"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#,
            None,
        ),
        (r#"{"jsonrpc": "2.0", "method": "foobar"}"#, None),
        (
            r#"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#,
            Some(json!({"jsonrpc": "2.0", "error": {"code": -32601,
                "message": "Method not found: \"foobar\""}, "id": "1"})),
        ),
        (bad_json, Some(parse_error(bad_json))),
        (
            r#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#,
            Some(invalid("\"method\" must be a string")),
        ),
        (&bad_batch, Some(parse_error(&bad_batch))),
        ("[]", Some(invalid("empty batch"))),
        (
            "[1]",
            Some(json!([invalid(
                "expected a request object, found a number"
            )])),
        ),
        (
            "[1,2,3]",
            Some(json!([
                invalid("expected a request object, found a number"),
                invalid("expected a request object, found a number"),
                invalid("expected a request object, found a number"),
            ])),
        ),
        (
            &mixed_batch,
            Some(json!([
                {"jsonrpc": "2.0", "result": 7, "id": "1"},
                {"jsonrpc": "2.0", "result": 19, "id": "2"},
                invalid("\"jsonrpc\" must be \"2.0\""),
                {"jsonrpc": "2.0", "error": {"code": -32601,
                    "message": "Method not found: \"foo.get\""}, "id": "5"},
                {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"},
            ])),
        ),
        (
            r#"[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]"#,
            None,
        ),
    ];
    for (request, expected) in cases {
        client.send(request).await;
        // Lines are answered in order: the ping's answer comes next when
        // the request is owed none.
        let expected =
            expected.unwrap_or(json!({"jsonrpc": "2.0", "result": ["ping"], "id": "ping"}));
        if expected["id"] == "ping" {
            client.send(PING).await;
        }
        assert_eq!(client.recv().await, Some(expected), "request: {request}");
    }
    server.shut_down().await;
}

/// Ids are answered with the text they were sent with, however long the number.
#[tokio::test]
async fn ids_come_back_exactly_as_sent() {
    let server = TestServer::start().await;
    let mut client = Raw::connect(&server.path).await;
    for id in [
        "123456789012345678901234567890",
        "-1.50",
        "1e300",
        "18446744073709551616",
    ] {
        client
            .send(&format!(
                r#"{{"jsonrpc":"2.0","method":"echo","params":[],"id":{id}}}"#
            ))
            .await;
        let mut line = String::new();
        within(3000, client.read.read_line(&mut line))
            .await
            .unwrap();
        assert_eq!(
            line,
            format!("{{\"jsonrpc\":\"2.0\",\"result\":[],\"id\":{id}}}\n")
        );
    }
    // A number no reader takes as one is no id.
    let beyond = client
        .exchange(r#"{"jsonrpc":"2.0","method":"echo","params":[],"id":1e400}"#)
        .await;
    assert_eq!(beyond["error"]["code"], -32600, "{beyond}");
    assert_eq!(beyond["id"], Value::Null);
    server.shut_down().await;
}

#[tokio::test]
async fn errors_carry_code_message_and_data() {
    let server = TestServer::start().await;
    let mut client = Raw::connect(&server.path).await;
    let failed = client
        .exchange(r#"{"jsonrpc":"2.0","method":"fail","id":1}"#)
        .await;
    let expected = json!({"code": -32001, "message": "no such message", "data": {"id": 7}});
    assert_eq!(failed["error"], expected);
    let bad_params = client
        .exchange(r#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1},"id":2}"#)
        .await;
    assert_eq!(bad_params["error"]["code"], -32602);
    assert!(
        bad_params["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("subtrahend")),
        "{bad_params}"
    );
    let panicked = client
        .exchange(r#"{"jsonrpc":"2.0","method":"panic","id":3}"#)
        .await;
    assert_eq!(panicked["error"]["code"], -32603);
    assert_eq!(panicked["id"], 3);
    assert_eq!(client.exchange(PING).await["result"], json!(["ping"]));
    server.shut_down().await;
}

#[tokio::test]
async fn pushes_notifications_to_the_calling_client() {
    let server = TestServer::start().await;
    let mut client = Raw::connect(&server.path).await;
    client
        .send(r#"{"jsonrpc":"2.0","method":"push","id":1}"#)
        .await;
    let pushed = json!({"jsonrpc": "2.0", "method": "event", "params": {"n": 1}});
    assert_eq!(client.recv().await, Some(pushed));
    let answered = json!({"jsonrpc": "2.0", "result": true, "id": 1});
    assert_eq!(client.recv().await, Some(answered));
    server.shut_down().await;
}

#[tokio::test]
async fn an_oversized_line_is_refused_and_service_goes_on() {
    let server = TestServer::start().await;
    let mut hostile = Raw::connect(&server.path).await;
    let huge = format!(
        r#"{{"jsonrpc":"2.0","method":"echo","params":["{}"],"id":1}}"#,
        "x".repeat(2 << 20)
    );
    let refused = hostile.exchange(&huge).await;
    assert_eq!(refused["error"]["code"], -32600);
    assert_eq!(refused["error"]["data"], json!({"max_line": 1 << 20}));
    assert_eq!(refused["id"], Value::Null);
    // The same connection resynchronises at the next line.
    assert_eq!(hostile.exchange(PING).await["id"], "ping");
    let mut other = Raw::connect(&server.path).await;
    assert_eq!(other.exchange(PING).await["id"], "ping");
    server.shut_down().await;
}

#[tokio::test]
async fn a_truncated_last_line_gets_a_parse_error() {
    let server = TestServer::start().await;
    let mut client = Raw::connect(&server.path).await;
    client
        .write
        .write_all(br#"{"jsonrpc":"2.0","method":"echo","id":1"#)
        .await
        .unwrap();
    client.write.shutdown().await.unwrap();
    let answer = client.recv().await.expect("an answer");
    assert_eq!(answer["error"]["code"], -32700);
    assert_eq!(client.recv().await, None, "then the server hangs up");
    server.shut_down().await;
}

#[tokio::test]
async fn a_client_leaving_mid_call_harms_nobody() {
    let server = TestServer::start().await;
    let mut leaving = Raw::connect(&server.path).await;
    leaving
        .send(r#"{"jsonrpc":"2.0","method":"slow","params":[100],"id":1}"#)
        .await;
    drop(leaving);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut staying = Raw::connect(&server.path).await;
    assert_eq!(staying.exchange(PING).await["id"], "ping");
    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_fifty_clients_at_once() {
    let server = TestServer::start().await;
    let started = Instant::now();
    let calls = (0..50).map(|n| {
        let path = server.path.clone();
        tokio::spawn(async move {
            let mut client = Client::connect(&path).await.unwrap();
            client.call("slow", Some(json!([200]))).await.unwrap();
            client
                .call("subtract", Some(json!([n, 1])))
                .await
                .unwrap()
                .to_value()
        })
    });
    let calls: Vec<_> = calls.collect();
    for (n, call) in calls.into_iter().enumerate() {
        assert_eq!(within(3000, call).await.unwrap(), json!(n as i64 - 1));
    }
    // One at a time, 50 slow calls would take 10 s.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    server.shut_down().await;
}

#[tokio::test]
async fn batch_elements_run_concurrently() {
    let server = TestServer::start().await;
    let mut client = Raw::connect(&server.path).await;
    let slow = |id: u32| format!(r#"{{"jsonrpc":"2.0","method":"slow","params":[300],"id":{id}}}"#);
    let started = Instant::now();
    let answers = client
        .exchange(&format!("[{},{},{}]", slow(1), slow(2), slow(3)))
        .await;
    assert!(started.elapsed() < Duration::from_millis(800));
    let done = |id| json!({"jsonrpc": "2.0", "result": "done", "id": id});
    assert_eq!(answers, json!([done(1), done(2), done(3)]));
    server.shut_down().await;
}

#[tokio::test]
async fn client_tells_no_daemon_from_rpc_errors() {
    let server = TestServer::start().await;
    let mut client = Client::connect(&server.path).await.unwrap();
    assert_eq!(
        client
            .call("echo", Some(json!({"a": 1})))
            .await
            .unwrap()
            .to_value(),
        json!({"a": 1})
    );
    match client.call("fail", None).await {
        Err(ClientError::Rpc(error)) => assert_eq!(error.code, -32001),
        other => panic!("expected an RPC error, got {other:?}"),
    }
    client.notify("update", Some(json!([1]))).await.unwrap();
    assert_eq!(
        client.call("get_data", None).await.unwrap().to_value(),
        json!(["hello", 5])
    );
    let path = server.shut_down().await;
    match Client::connect(&path).await {
        Err(error @ ClientError::NotRunning { .. }) => {
            assert!(error.to_string().contains(&path.display().to_string()));
        }
        Err(other) => panic!("expected NotRunning, got {other}"),
        Ok(_) => panic!("connected to a stopped server"),
    }
}

#[tokio::test]
async fn socket_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = run.join("rpc.sock");
    let server = Server::bind(&path, ServerConfig::default()).unwrap();
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&run), 0o700);
    assert_eq!(mode(&path), 0o600);
    drop(server);
    assert!(!path.exists(), "dropping the server removes its socket");
}

#[tokio::test]
async fn a_live_socket_is_refused() {
    let server = TestServer::start().await;
    let second = Server::bind(&server.path, ServerConfig::default());
    assert!(matches!(second, Err(ServerError::AlreadyRunning { .. })));
    // The refused start left the running server alone.
    let mut client = Raw::connect(&server.path).await;
    assert_eq!(client.exchange(PING).await["id"], "ping");
    server.shut_down().await;

    // A listener that does not take the lock is found by connecting.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rpc.sock");
    let _other = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let error = Server::bind(&path, ServerConfig::default()).err().unwrap();
    assert!(error.to_string().contains("already running"), "{error}");
}

#[tokio::test]
async fn a_stale_socket_is_replaced_and_other_files_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rpc.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let server = Server::bind(&path, ServerConfig::default()).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(Arc::new(TestMethods), async {
        let _ = stopped.await;
    }));
    let mut client = Raw::connect(&path).await;
    assert_eq!(client.exchange(PING).await["id"], "ping");
    let _ = stop.send(());
    within(3000, task).await.unwrap();

    let file = dir.path().join("notes");
    std::fs::write(&file, "keep me").unwrap();
    let error = Server::bind(&file, ServerConfig::default()).err().unwrap();
    assert!(matches!(error, ServerError::NotASocket { .. }), "{error}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

#[tokio::test]
async fn shutdown_finishes_calls_in_flight_and_removes_the_socket() {
    let server = TestServer::start().await;
    let mut busy = Raw::connect(&server.path).await;
    busy.send(r#"{"jsonrpc":"2.0","method":"slow","params":[200],"id":1}"#)
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let path = server.path.clone();
    let stopping = tokio::spawn(server.shut_down());
    assert_eq!(busy.recv().await.unwrap()["result"], "done");
    assert_eq!(busy.recv().await, None, "then the connection closes");
    within(3000, stopping).await.unwrap();
    assert!(!path.exists());
}

#[tokio::test]
async fn shutdown_waits_a_bounded_time() {
    let config = ServerConfig {
        drain_timeout: Duration::from_millis(100),
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let mut stuck = Raw::connect(&server.path).await;
    stuck
        .send(r#"{"jsonrpc":"2.0","method":"slow","params":[60000],"id":1}"#)
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let path = server.shut_down().await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(!path.exists());
    assert_eq!(stuck.recv().await, None, "the stuck call is dropped");
}

#[tokio::test]
async fn a_call_learns_that_its_client_hung_up() {
    let server = TestServer::start().await;
    let mut leaving = Raw::connect(&server.path).await;
    leaving
        .send(r#"{"jsonrpc":"2.0","method":"until_gone","id":1}"#)
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(leaving);
    within(5000, async {
        while CALLS_TOLD_GONE.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    // A client that only stops writing still gets its answer.
    let mut half_closed = Raw::connect(&server.path).await;
    half_closed
        .send(r#"{"jsonrpc":"2.0","method":"slow","params":[500],"id":2}"#)
        .await;
    half_closed.write.shutdown().await.unwrap();
    assert_eq!(half_closed.recv().await.unwrap()["result"], "done");
    server.shut_down().await;
}

#[tokio::test]
async fn batches_and_answers_are_bounded() {
    let config = ServerConfig {
        max_response: 1000,
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let mut client = Raw::connect(&server.path).await;
    let echo = |id: usize, bytes: usize| {
        let text = "x".repeat(bytes);
        format!(r#"{{"jsonrpc":"2.0","method":"echo","params":["{text}"],"id":{id}}}"#)
    };
    let batch = |length: usize| {
        let calls: Vec<String> = (0..length).map(|id| echo(id, 1)).collect();
        format!("[{}]", calls.join(","))
    };
    assert_eq!(
        client.exchange(&batch(100)).await.as_array().unwrap().len(),
        100
    );
    let refused = client.exchange(&batch(101)).await;
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert_eq!(refused["error"]["data"], json!({"max_batch": 100}));
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("100 at most")
    );

    let too_large = client.exchange(&echo(7, 2000)).await;
    assert_eq!(too_large["id"], 7);
    assert_eq!(too_large["error"]["code"], -32010, "{too_large}");
    assert_eq!(too_large["error"]["data"]["max_response"], 1000);
    // A batch's results share the bound: two fit, the third is refused.
    let answers = client
        .exchange(&format!(
            "[{},{},{}]",
            echo(1, 400),
            echo(2, 400),
            echo(3, 400)
        ))
        .await;
    let codes: Vec<&Value> = (answers.as_array().unwrap().iter())
        .map(|answer| &answer["error"]["code"])
        .collect();
    assert_eq!(
        codes.iter().filter(|code| code.is_null()).count(),
        2,
        "{answers}"
    );
    assert_eq!(codes.iter().filter(|code| **code == -32010).count(), 1);
    server.shut_down().await;
}

#[tokio::test]
async fn a_client_that_does_not_read_is_closed() {
    let config = ServerConfig {
        max_queued: 1 << 20,
        write_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let Raw { read, mut write } = Raw::connect(&server.path).await;
    let text = "x".repeat(500_000);
    let line = format!(r#"{{"jsonrpc":"2.0","method":"echo","params":["{text}"],"id":1}}"#);
    const SENT: usize = 40;
    // The server stops reading once answers pile up, so write on the side.
    tokio::spawn(async move {
        for _ in 0..SENT {
            if write
                .write_all(format!("{line}\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
        std::future::pending::<()>().await;
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut read = read;
    let mut answers = 0;
    let mut line = Vec::new();
    while within(3000, read.read_until(b'\n', &mut line))
        .await
        .unwrap_or(0)
        > 0
    {
        answers += usize::from(line.ends_with(b"\n"));
        line.clear();
    }
    assert!(
        answers < SENT,
        "the server closed the connection after {answers} answers"
    );
    server.shut_down().await;
}

#[tokio::test]
async fn idle_clients_are_closed_but_not_waiting_ones() {
    let config = ServerConfig {
        idle_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let mut idle = Raw::connect(&server.path).await;
    let mut waiting = Raw::connect(&server.path).await;
    let mut subscribed = Raw::connect(&server.path).await;
    subscribed
        .exchange(r#"{"jsonrpc":"2.0","method":"subscribe","id":1}"#)
        .await;
    let slow = waiting
        .exchange(r#"{"jsonrpc":"2.0","method":"slow","params":[1000],"id":2}"#)
        .await;
    assert_eq!(slow["result"], "done", "a long call is no idleness");
    assert_eq!(idle.recv().await, None, "the silent client was closed");
    assert_eq!(subscribed.exchange(PING).await["id"], "ping");
    server.shut_down().await;
}

#[tokio::test]
async fn clients_beyond_the_limit_are_told_and_closed() {
    let config = ServerConfig {
        max_connections: 2,
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(config).await;
    let mut first = Raw::connect(&server.path).await;
    let mut second = Raw::connect(&server.path).await;
    assert_eq!(first.exchange(PING).await["id"], "ping");
    assert_eq!(second.exchange(PING).await["id"], "ping");
    let mut third = Raw::connect(&server.path).await;
    let refused = third.recv().await.expect("an error line");
    assert_eq!(refused["error"]["code"], -32011, "{refused}");
    assert_eq!(refused["error"]["data"], json!({"max_connections": 2}));
    assert_eq!(third.recv().await, None);
    drop(first);
    let mut again = within(3000, async {
        loop {
            let mut client = Raw::connect(&server.path).await;
            let ping = format!("{PING}\n");
            // A refused client may find the socket closed before it writes.
            let sent = client.write.write_all(ping.as_bytes()).await.is_ok();
            if sent
                && let Some(answer) = client.recv().await
                && answer["id"] == "ping"
            {
                return client;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(again.exchange(PING).await["id"], "ping");
    server.shut_down().await;
}
