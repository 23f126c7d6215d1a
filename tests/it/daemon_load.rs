//! The real `inboxd` under load and interruption, on an IMAP folder of
//! 2,500 messages on the Dovecot test server: 16 clients searching while the
//! first sync writes, a backfill stopped by SIGTERM or SIGKILL and resumed
//! by the next start, raw JSON-RPC lines (batches, notifications, bad
//! parameters) for the daemon's own methods, and hostile clients against
//! the daemon's limits.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inbox::home::Home;
use inbox_connector_imap::testing::{Admin, HOST, PASSWORD, PLAIN_PORT, USER, dovecot, prefix};
use serde_json::{Value, json};

use crate::daemon_process::{
    DEADLINE, RawConnection, add_account, call, eventually, runtime, signal, start_daemon,
    wait_exit,
};
use crate::util::TestInbox;

/// Messages in the test folder.
const MESSAGES: usize = 2_500;
/// Concurrent clients of the load test.
const CLIENTS: usize = 16;
/// The longest a first sync of [`MESSAGES`] may take, under load.
const SYNC_DEADLINE: Duration = Duration::from_secs(60);

/// Queries of the load test, with their counts once everything is synced
/// (see [`message`]: `alpha` every 2nd message, `bravo` every 3rd, `charlie`
/// every 5th, unread all but every 4th).
const QUERIES: [(&str, u64); 4] = [
    ("*", MESSAGES as u64),
    ("alpha", 1_250),
    ("bravo and charlie", 167),
    ("tag:unread", 1_875),
];

/// Message `n` of the folder: about 1 kB, its own Message-ID.
fn message(prefix: &str, n: usize) -> Vec<u8> {
    let words: Vec<&str> = [(2, "alpha"), (3, "bravo"), (5, "charlie")]
        .iter()
        .filter(|(every, _)| n.is_multiple_of(*every))
        .map(|&(_, word)| word)
        .collect();
    let mut text = format!(
        "From: Sender {s} <sender{s}@example.org>\r\nTo: alice@example.org\r\n\
         Subject: load note {n}\r\nMessage-ID: {id}\r\n\
         Date: Mon, 1 Jan 2024 {h:02}:{m:02}:{sec:02} +0000\r\n\r\n\
         Note {n} of the folder: {words}.\r\n",
        s = n % 50,
        id = message_id(prefix, n),
        h = n / 3600,
        m = n / 60 % 60,
        sec = n % 60,
        words = words.join(" "),
    );
    while text.len() < 1_000 {
        text.push_str("The quick brown fox jumps over the lazy dog, again and again.\r\n");
    }
    text.into_bytes()
}

fn message_id(prefix: &str, n: usize) -> String {
    format!("<{prefix}-{n}@example.org>")
}

/// The folder of [`MESSAGES`] messages the long tests only read: arranged
/// by the first test that needs it, deleted by the last one done with it
/// (passing or failing).
struct SharedFolder {
    prefix: String,
    /// The appended Message-IDs, without `<>`.
    ids: Arc<BTreeSet<String>>,
}

/// The arranged folder's prefix and Message-IDs, and how many tests use it.
type Arranged = (String, Arc<BTreeSet<String>>, usize);

static SHARED: Mutex<Option<Arranged>> = Mutex::new(None);

impl SharedFolder {
    fn take() -> SharedFolder {
        let mut shared = SHARED.lock().unwrap_or_else(|poison| poison.into_inner());
        let (prefix, ids, users) = shared.get_or_insert_with(arrange);
        *users += 1;
        SharedFolder {
            prefix: prefix.clone(),
            ids: ids.clone(),
        }
    }
}

impl Drop for SharedFolder {
    fn drop(&mut self) {
        let mut shared = SHARED.lock().unwrap_or_else(|poison| poison.into_inner());
        let Some((_, _, users)) = shared.as_mut() else {
            return;
        };
        *users -= 1;
        if *users == 0 {
            *shared = None;
            runtime().block_on(async { Admin::connect(&self.prefix).await.cleanup().await });
        }
    }
}

/// Creates a folder holding [`MESSAGES`] messages, under a prefix of its own.
fn arrange() -> Arranged {
    let started = Instant::now();
    let prefix = prefix("dload");
    let folder = runtime().block_on(async { Admin::connect(&prefix).await.create("box").await });
    let messages: Vec<Vec<u8>> = (0..MESSAGES).map(|n| message(&prefix, n)).collect();
    append_all(&folder, &messages);
    eprintln!(
        "arranged {MESSAGES} messages in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let ids = (0..MESSAGES)
        .map(|n| message_id(&prefix, n).trim_matches(['<', '>']).to_owned())
        .collect();
    (prefix, Arc::new(ids), 0)
}

/// Appends `messages` to `folder` in one MULTIAPPEND command (RFC 3502)
/// with non-synchronizing literals (LITERAL+): one round trip for all,
/// every 4th message `\Seen`.
fn append_all(folder: &str, messages: &[Vec<u8>]) {
    let stream = TcpStream::connect((HOST, PLAIN_PORT)).expect("the Dovecot test server");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut lines = BufReader::new(stream.try_clone().expect("clone"));
    let mut write = stream;
    let mut tagged = |tag: &str, command: &[u8]| {
        write.write_all(command).expect("send to IMAP");
        loop {
            let mut line = String::new();
            lines.read_line(&mut line).expect("an IMAP answer");
            assert!(!line.is_empty(), "the IMAP server closed the connection");
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                assert!(status.starts_with("OK"), "{tag}: {line}");
                return;
            }
        }
    };
    tagged("*", b""); // the greeting
    tagged("a", format!("a LOGIN {USER} {PASSWORD}\r\n").as_bytes());
    let mut append = format!("b APPEND \"{folder}\"").into_bytes();
    for (n, bytes) in messages.iter().enumerate() {
        let flags = if n.is_multiple_of(4) { "\\Seen" } else { "" };
        append.extend_from_slice(format!(" ({flags}) {{{}+}}\r\n", bytes.len()).as_bytes());
        append.extend_from_slice(bytes);
    }
    append.extend_from_slice(b"\r\n");
    tagged("b", &append);
    tagged("c", b"c LOGOUT\r\n");
}

/// A fresh home with an unattended vault and account `alice` on the
/// folders matching `include`; returns it with its socket path.
fn daemon_home(include: &str) -> (TestInbox, PathBuf) {
    let inbox = TestInbox::new();
    let out = inbox.run(&["vault", "init", "--identity"]);
    assert!(out.status.success(), "{out:?}");
    add_account(&inbox, "alice", include);
    let socket = Home::at(&inbox.home()).socket_path();
    (inbox, socket)
}

/// Starts `inboxd` and waits for its socket; `log` gets its stderr.
fn serve(inbox: &TestInbox, socket: &Path, log: &Path) -> Child {
    let daemon = start_daemon(inbox, log);
    eventually("the socket", || {
        UnixStream::connect(socket).ok().map(|_| ())
    });
    daemon
}

/// Long-polls the events after `after` until one satisfies `wanted`;
/// returns it with every event seen.
fn wait_event(
    runtime: &tokio::runtime::Runtime,
    socket: &Path,
    after: u64,
    deadline: Duration,
    wanted: impl Fn(&Value) -> bool,
) -> (Value, Vec<Value>) {
    let start = Instant::now();
    let mut seen: Vec<Value> = Vec::new();
    let mut after = after;
    loop {
        let params = json!({"after": after, "timeout_ms": 500});
        let events = call(runtime, socket, "get_next_events", params);
        for event in events.as_array().expect("an array of events") {
            after = event["id"].as_u64().expect("an event id");
            seen.push(event.clone());
            if wanted(event) {
                return (event.clone(), seen);
            }
        }
        assert!(
            start.elapsed() < deadline,
            "no such event in time; seen: {seen:?}"
        );
    }
}

fn is_kind(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |event| event["kind"] == kind
}

fn log_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// What one client saw.
#[derive(Default)]
struct ClientReport {
    latencies: Vec<Duration>,
    /// Requests answered while `*` still counted fewer than all messages.
    before_complete: usize,
}

/// Searches and counts over one connection until `done`, checking every
/// answer: well-formed, no error, counts never going down.
fn client(socket: &Path, done: &AtomicBool, client: usize) -> ClientReport {
    let mut connection = RawConnection::open(socket);
    let mut report = ClientReport::default();
    let mut highest = [0u64; QUERIES.len()];
    let mut id = 0u64;
    let mut exchange = |request: Value, report: &mut ClientReport| -> Value {
        id += 1;
        let mut request = request;
        request["jsonrpc"] = json!("2.0");
        request["id"] = json!(id);
        let mut line = serde_json::to_vec(&request).expect("encode");
        line.push(b'\n');
        let sent = Instant::now();
        connection.send(&line);
        let response = connection.read();
        report.latencies.push(sent.elapsed());
        assert_eq!(
            (&response["jsonrpc"], &response["id"]),
            (&json!("2.0"), &json!(id)),
            "client {client}: {response}"
        );
        assert!(
            response.get("error").is_none(),
            "client {client}: {request} -> {response}"
        );
        response.get("result").cloned().expect("a result")
    };
    // At least one round, however soon the sync is over.
    for round in 0usize.. {
        for (which, &(query, complete)) in QUERIES.iter().enumerate() {
            let count = exchange(
                json!({"method": "count", "params": {"query": query}}),
                &mut report,
            );
            let count = count.as_u64().unwrap_or_else(|| panic!("a count: {count}"));
            assert!(
                count >= highest[which] && count <= complete,
                "client {client}: count {query:?} went from {} to {count}",
                highest[which]
            );
            highest[which] = count;
            if highest[0] < QUERIES[0].1 {
                report.before_complete += 1;
            }
        }
        let which = (round + client) % QUERIES.len();
        let (query, complete) = QUERIES[which];
        let page = exchange(
            json!({"method": "search", "params": {"query": query, "limit": 20}}),
            &mut report,
        );
        let total = page["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("a total: {page}"));
        let messages = page["messages"].as_array().expect("messages");
        assert!(
            total >= highest[which] && total <= complete,
            "client {client}: search {query:?} total went from {} to {total}",
            highest[which]
        );
        highest[which] = total;
        assert_eq!(messages.len() as u64, total.min(20), "{page}");
        for summary in messages {
            let subject = summary["subject"].as_str().unwrap_or_default();
            assert!(
                summary["id"].is_u64()
                    && summary["message_id"].is_string()
                    && subject.starts_with("load note "),
                "client {client}: {summary}"
            );
        }
        if done.load(Ordering::SeqCst) {
            break;
        }
    }
    report
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let rank = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[test]
fn sixteen_clients_search_while_the_first_sync_writes() {
    let Some(()) = dovecot() else { return };
    let runtime = runtime();
    let folder = SharedFolder::take();
    let (inbox, socket) = daemon_home(&format!("{}*", folder.prefix));
    let log = inbox.home().join("../inboxd.log");
    let mut daemon = serve(&inbox, &socket, &log);

    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let (socket, done) = (socket.clone(), done.clone());
            std::thread::spawn(move || client(&socket, &done, n))
        })
        .collect();
    let (finished, events) =
        wait_event(&runtime, &socket, 0, SYNC_DEADLINE, is_kind("SyncFinished"));
    done.store(true, Ordering::SeqCst);
    let sync_wall = started.elapsed();
    let reports: Vec<ClientReport> = clients
        .into_iter()
        .map(|client| client.join().expect("a client failed"))
        .collect();
    let wall = started.elapsed();

    assert_eq!(finished["new"], MESSAGES, "{finished}\n{}", log_of(&log));
    assert!(
        !events.iter().any(is_kind("AccountError")),
        "{events:?}\n{}",
        log_of(&log)
    );
    for (query, complete) in QUERIES {
        let count = call(&runtime, &socket, "count", json!({ "query": query }));
        assert_eq!(count, complete, "count {query:?}");
    }
    let status = call(&runtime, &socket, "account_status", json!({}));
    assert_eq!(status[0]["messages"], MESSAGES, "{status}");

    let mut latencies: Vec<Duration> = reports
        .iter()
        .flat_map(|report| report.latencies.iter().copied())
        .collect();
    latencies.sort();
    let during: usize = reports.iter().map(|report| report.before_complete).sum();
    eprintln!(
        "{CLIENTS} clients: {} requests in {:.2} s ({:.0}/s; {during} counts answered before \
         the sync was searchable, which took {:.2} s); latency p50 {:.2} ms, p99 {:.2} ms, \
         max {:.2} ms",
        latencies.len(),
        wall.as_secs_f64(),
        latencies.len() as f64 / wall.as_secs_f64(),
        sync_wall.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().expect("some requests").as_secs_f64() * 1e3,
    );

    signal(&daemon, "-TERM");
    assert_eq!(wait_exit(&mut daemon).code(), Some(0), "{}", log_of(&log));
}

/// Starts `inboxd` on the folder under `prefix`, stops it with `kill_signal`
/// once the backfill has committed a batch, restarts it, and checks that the
/// store ends up with exactly the server's messages.
fn interrupted_backfill_resumes(
    runtime: &tokio::runtime::Runtime,
    prefix: &str,
    appended: &BTreeSet<String>,
    kill_signal: &str,
) {
    let (inbox, socket) = daemon_home(&format!("{prefix}*"));
    let log = inbox.home().join("../inboxd.log");
    let mut daemon = serve(&inbox, &socket, &log);
    let (progress, events) = wait_event(runtime, &socket, 0, SYNC_DEADLINE, |event| {
        event["kind"] == "SyncProgress" || event["kind"] == "SyncFinished"
    });
    signal(&daemon, kill_signal);
    let signalled = Instant::now();
    let status = wait_exit(&mut daemon);
    let exit_time = signalled.elapsed();
    let mid_sync = progress["kind"] == "SyncProgress";
    if kill_signal == "-TERM" {
        assert_eq!(status.code(), Some(0), "{}", log_of(&log));
        assert!(
            exit_time < Duration::from_secs(5),
            "exit took {exit_time:?}"
        );
        assert!(!socket.exists(), "the socket is left behind");
    } else {
        assert_eq!(status.signal(), Some(9), "{status:?}");
        // Left behind: the next start must clear it.
        assert!(socket.exists(), "no stale socket to recover from");
    }
    let accounts: Value =
        serde_json::from_str(&inbox.ok(&["account", "list", "--json"])).expect("account list");
    let stored = accounts[0]["messages"].as_u64().expect("a message count");
    eprintln!(
        "{kill_signal}: {} after {events:?}; exit in {:.0} ms, {stored} messages stored",
        if mid_sync {
            "mid-sync"
        } else {
            "after the sync"
        },
        exit_time.as_secs_f64() * 1e3
    );

    let mut daemon = serve(&inbox, &socket, &log);
    let (finished, events) =
        wait_event(runtime, &socket, 0, SYNC_DEADLINE, is_kind("SyncFinished"));
    assert!(
        !events.iter().any(is_kind("AccountError")),
        "{events:?}\n{}",
        log_of(&log)
    );
    assert_eq!(
        finished["new"].as_u64(),
        Some(MESSAGES as u64 - stored),
        "{finished}"
    );
    let page = call(
        runtime,
        &socket,
        "search",
        json!({"query": "*", "limit": 10_000, "snippets": false}),
    );
    assert_eq!(page["total"], MESSAGES, "{}", log_of(&log));
    let ids: Vec<&str> = page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|summary| summary["message_id"].as_str().expect("a message_id"))
        .collect();
    let unique: BTreeSet<String> = ids.iter().map(|&id| id.to_owned()).collect();
    assert_eq!(unique.len(), ids.len(), "a message stored twice");
    assert!(
        unique == *appended,
        "stored Message-IDs differ from the server's"
    );
    let status = call(runtime, &socket, "account_status", json!({}));
    assert_eq!(
        (status[0]["state"].as_str(), &status[0]["messages"]),
        (Some("idle"), &json!(MESSAGES)),
        "{status}"
    );
    signal(&daemon, "-TERM");
    assert_eq!(wait_exit(&mut daemon).code(), Some(0), "{}", log_of(&log));
}

#[test]
fn a_backfill_stopped_by_sigterm_or_sigkill_resumes_on_restart() {
    let Some(()) = dovecot() else { return };
    let runtime = runtime();
    let folder = SharedFolder::take();
    interrupted_backfill_resumes(&runtime, &folder.prefix, &folder.ids, "-TERM");
    interrupted_backfill_resumes(&runtime, &folder.prefix, &folder.ids, "-KILL");
}

/// Sends `line` and reads one line back.
fn exchange(connection: &mut RawConnection, line: &str) -> Value {
    connection.send(format!("{line}\n").as_bytes());
    connection.read()
}

#[test]
fn daemon_methods_answer_raw_batches_notifications_and_bad_params() {
    let Some(()) = dovecot() else { return };
    let runtime = runtime();
    let prefix = prefix("draw");
    let (inbox, socket) = daemon_home(&format!("{prefix}-none*"));
    let log = inbox.home().join("../inboxd.log");
    let mut daemon = serve(&inbox, &socket, &log);
    let (first, _) = wait_event(&runtime, &socket, 0, DEADLINE, is_kind("SyncFinished"));
    let last = first["id"].as_u64().expect("an id");
    let mut raw = RawConnection::open(&socket);

    // A batch: a count, an unknown method, a notification (no answer, but
    // it runs: a sync starts), a daemon method.
    let answers = exchange(
        &mut raw,
        r#"[{"jsonrpc":"2.0","id":1,"method":"count","params":{"query":"*"}},
            {"jsonrpc":"2.0","id":"two","method":"no_such_method"},
            {"jsonrpc":"2.0","method":"sync_now","params":{"account":"alice"}},
            {"jsonrpc":"2.0","id":3,"method":"account_status","params":["alice"]}]"#
            .replace('\n', "")
            .as_str(),
    );
    let answers = answers.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 3, "{answers:?}");
    let by_id = |id: Value| {
        answers
            .iter()
            .find(|answer| answer["id"] == id)
            .unwrap_or_else(|| panic!("no answer for {id}: {answers:?}"))
    };
    assert_eq!(by_id(json!(1))["result"], 0);
    assert_eq!(by_id(json!("two"))["error"]["code"], -32601);
    assert_eq!(by_id(json!(3))["result"][0]["name"], "alice");
    for answer in answers {
        assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
    }
    wait_event(&runtime, &socket, last, DEADLINE, is_kind("SyncStarted"));

    // Notifications alone, single or batched, get no answer at all: the
    // next line read answers the request after them.
    raw.send(b"{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"params\":[\"*\"]}\n");
    raw.send(b"[{\"jsonrpc\":\"2.0\",\"method\":\"account_status\"}]\n");
    let answer = exchange(
        &mut raw,
        r#"{"jsonrpc":"2.0","id":9,"method":"count","params":["*"]}"#,
    );
    assert_eq!((&answer["id"], &answer["result"]), (&json!(9), &json!(0)));

    // Parameters sync_now cannot take.
    for params in [
        r#"{"account":5}"#,
        r#"{"acount":"alice"}"#,
        r#"["alice","again"]"#,
        r#"{"account":"nobody"}"#,
    ] {
        let line = format!(r#"{{"jsonrpc":"2.0","id":4,"method":"sync_now","params":{params}}}"#);
        let answer = exchange(&mut raw, &line);
        assert_eq!(
            (&answer["id"], &answer["error"]["code"]),
            (&json!(4), &json!(-32602)),
            "{params}: {answer}"
        );
        assert!(answer["error"]["message"].is_string(), "{answer}");
    }
    let answer = exchange(
        &mut raw,
        r#"{"jsonrpc":"2.0","id":5,"method":"get_next_events","params":{"timeout_ms":-1}}"#,
    );
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    // Params that are neither an array nor an object make no request.
    let answer = exchange(
        &mut raw,
        r#"{"jsonrpc":"2.0","id":6,"method":"sync_now","params":"alice"}"#,
    );
    assert_eq!(
        (&answer["id"], &answer["error"]["code"]),
        (&json!(6), &json!(-32600)),
        "{answer}"
    );

    signal(&daemon, "-TERM");
    assert_eq!(wait_exit(&mut daemon).code(), Some(0), "{}", log_of(&log));
}

/// Hostile clients meet limits, not a stalled daemon: a megabyte query and
/// a batch of 101 calls are refused naming the limit they passed; under a
/// limit of 300 open files the daemon serves 150 clients at once, tells the
/// others why it closes them (one log line for all of them), and serves new
/// clients once others leave.
#[test]
fn hostile_clients_meet_limits_and_the_daemon_serves_on() {
    let inbox = TestInbox::new();
    let out = inbox.run(&["vault", "init", "--identity"]);
    assert!(out.status.success(), "{out:?}");
    let socket = Home::at(&inbox.home()).socket_path();
    let log = inbox.home().join("../inboxd.log");
    let mut daemon = std::process::Command::new("prlimit")
        .args(["--nofile=300", "--", env!("CARGO_BIN_EXE_inboxd")])
        .env("INBOX_HOME", inbox.home())
        .env_remove("INBOX_PASSPHRASE_FILE")
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start inboxd under prlimit");
    eventually("the socket", || {
        UnixStream::connect(&socket).ok().map(|_| ())
    });
    let mut raw = RawConnection::open(&socket);
    let search = |query: &str| {
        json!({"jsonrpc": "2.0", "id": 1, "method": "search", "params": {"query": query}})
            .to_string()
    };
    let refused = exchange(&mut raw, &search(&"a ".repeat(500_000)));
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    let reason = refused["error"]["data"]["reason"]
        .as_str()
        .expect("a reason");
    assert!(reason.contains("16384 bytes at most"), "{reason}");
    let prefixes = vec!["x* OR y*"; 200].join(" OR ");
    let refused = exchange(&mut raw, &search(&prefixes));
    let reason = refused["error"]["data"]["reason"]
        .as_str()
        .expect("a reason");
    assert!(reason.contains("256 terms at most"), "{reason}");
    let count = r#"{"jsonrpc":"2.0","id":2,"method":"count","params":["*"]}"#;
    let refused = exchange(&mut raw, &format!("[{}]", vec![count; 101].join(",")));
    assert_eq!(refused["error"]["code"], -32600, "{refused}");
    assert_eq!(refused["error"]["data"]["max_batch"], 100);

    const CLIENTS: usize = 160;
    let clients: Vec<UnixStream> = (0..CLIENTS)
        .map(|_| UnixStream::connect(&socket).expect("connect"))
        .collect();
    let (mut served, mut told) = (0, 0);
    for client in &clients {
        match ask(client, count) {
            answer if answer["result"] == 0 => served += 1,
            answer if answer["error"]["code"] == -32011 => told += 1,
            answer => panic!("neither served nor refused: {answer}"),
        }
    }
    // `raw` holds one of the 150 places; an ended probe may still hold one.
    assert!((148..=149).contains(&served), "{served} served");
    assert_eq!(served + told, CLIENTS);
    let warnings = log_of(&log).matches("refused").count();
    assert_eq!(warnings, 1, "{}", log_of(&log));
    drop(clients);
    eventually("a place for a new client", || {
        let client = UnixStream::connect(&socket).expect("connect");
        (ask(&client, count)["result"] == 0).then_some(())
    });
    assert_eq!(exchange(&mut raw, count)["result"], 0);

    signal(&daemon, "-TERM");
    assert_eq!(wait_exit(&mut daemon).code(), Some(0), "{}", log_of(&log));
}

/// Sends `line` on `client` (a refused client may find the socket closed:
/// the error it was sent is read all the same) and reads one answer.
fn ask(mut client: &UnixStream, line: &str) -> Value {
    let _ = client.write_all(format!("{line}\n").as_bytes());
    client
        .set_read_timeout(Some(DEADLINE))
        .expect("read timeout");
    let mut answer = String::new();
    BufReader::new(client)
        .read_line(&mut answer)
        .expect("a line in time");
    serde_json::from_str(&answer).unwrap_or_else(|error| panic!("{error}: {answer:?}"))
}
