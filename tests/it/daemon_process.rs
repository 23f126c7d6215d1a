//! The real `inboxd` on a temporary home with one IMAP account on the
//! Dovecot test server (in folders of the test's own): it syncs, answers
//! over its socket, reports status and events, syncs on request, reloads
//! accounts on SIGHUP, survives bad lines, refuses a second daemon on the
//! same data directory, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use inbox::home::Home;
use inbox::rpc::Client;
use inbox_connector_imap::testing::{Admin, HOST, PASSWORD, TLS_PORT, USER, cert, dovecot, prefix};
use serde_json::{Value, json};

use crate::accounts::vault_inbox;
use crate::util::TestInbox;

pub(crate) const DEADLINE: Duration = Duration::from_secs(15);

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn message(prefix: &str, n: usize) -> Vec<u8> {
    format!(
        "From: Sender {n} <sender{n}@example.org>\r\nTo: alice@example.org\r\n\
         Subject: daemon note {n}\r\nMessage-ID: <{prefix}-{n}@example.org>\r\n\
         Date: Mon, 1 Jan 2024 10:{n:02}:00 +0000\r\n\r\nBody of note {n}.\r\n"
    )
    .into_bytes()
}

/// Polls `check` until it gives a value, or fails after [`DEADLINE`].
pub(crate) fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn add_account(inbox: &TestInbox, name: &str, include: &str) {
    let port = TLS_PORT.to_string();
    let cert = cert();
    let out = inbox.run_with_input(
        &[
            "account",
            "add",
            "imap",
            name,
            "--host",
            HOST,
            "--port",
            &port,
            "--user",
            USER,
            "--tls-ca-file",
            cert.to_str().expect("utf-8 path"),
            "--include",
            include,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert!(
        out.status.success(),
        "account add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `inboxd` on `inbox`'s home, its log in `log`.
pub(crate) fn start_daemon(inbox: &TestInbox, log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_inboxd"))
        .env("INBOX_HOME", inbox.home())
        .env_remove("INBOX_PASSPHRASE_FILE")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("start inboxd")
}

pub(crate) fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {name}");
}

pub(crate) fn wait_exit(child: &mut Child) -> ExitStatus {
    eventually("the daemon to exit", || child.try_wait().expect("wait"))
}

/// Calls `method` on a fresh connection.
pub(crate) fn call(
    runtime: &tokio::runtime::Runtime,
    socket: &Path,
    method: &str,
    params: Value,
) -> Value {
    runtime.block_on(async {
        let mut client = Client::connect(socket).await.expect("connect");
        client
            .call(method, Some(params))
            .await
            .unwrap_or_else(|error| panic!("{method}: {error}"))
            .to_value()
    })
}

fn kinds(events: &Value) -> Vec<&str> {
    events
        .as_array()
        .expect("an array of events")
        .iter()
        .map(|event| event["kind"].as_str().expect("a kind"))
        .collect()
}

/// A connection read line by line, for notifications and raw protocol.
pub(crate) struct RawConnection {
    write: UnixStream,
    lines: BufReader<UnixStream>,
}

impl RawConnection {
    pub(crate) fn open(socket: &Path) -> RawConnection {
        let stream = UnixStream::connect(socket).expect("connect");
        stream
            .set_read_timeout(Some(DEADLINE))
            .expect("read timeout");
        RawConnection {
            write: stream.try_clone().expect("clone"),
            lines: BufReader::new(stream),
        }
    }

    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).expect("send");
    }

    pub(crate) fn read(&mut self) -> Value {
        let mut line = String::new();
        self.lines.read_line(&mut line).expect("a line in time");
        serde_json::from_str(&line).unwrap_or_else(|error| panic!("{error}: {line:?}"))
    }
}

#[test]
fn inboxd_syncs_serves_and_stops_cleanly() {
    let Some(()) = dovecot() else { return };
    let runtime = runtime();
    let prefix = prefix("daemon");
    let mut admin = runtime.block_on(Admin::connect(&prefix));
    let folder = runtime.block_on(admin.create("box"));
    runtime.block_on(async {
        for n in 0..3 {
            admin.append(&folder, &message(&prefix, n), "()").await;
        }
    });
    let inbox = TestInbox::new();
    let out = inbox.run(&["vault", "init", "--identity"]);
    assert!(out.status.success(), "{out:?}");
    add_account(&inbox, "alice", &format!("{prefix}*"));
    let log = inbox.home().join("../inboxd.log");
    let socket: PathBuf = Home::at(&inbox.home()).socket_path();

    let mut daemon = start_daemon(&inbox, &log);
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    eventually("the socket", || {
        UnixStream::connect(&socket).ok().map(|_| ())
    });

    // Accounts, status after the first sync, and the synced messages.
    let accounts = call(&runtime, &socket, "list_accounts", json!({}));
    assert_eq!(accounts[0]["name"], "alice", "{accounts}");
    let status = eventually("the first sync", || {
        let status = call(&runtime, &socket, "account_status", json!({}));
        (status[0]["last_sync"].is_string()).then_some(status)
    });
    let alice = &status[0];
    assert_eq!(
        (
            alice["name"].as_str(),
            alice["kind"].as_str(),
            alice["state"].as_str()
        ),
        (Some("alice"), Some("imap"), Some("idle")),
        "{status}\n{}",
        log_text()
    );
    assert_eq!(alice["messages"], 3);
    assert_eq!(alice["folders"], json!([{"folder": folder, "messages": 3}]));
    assert!(alice["last_error"].is_null());
    let page = call(
        &runtime,
        &socket,
        "search",
        json!({"query": "subject:daemon"}),
    );
    assert_eq!(page["total"], 3, "{page}");

    let events = call(
        &runtime,
        &socket,
        "get_next_events",
        json!({"timeout_ms": 0}),
    );
    let seen = kinds(&events);
    for kind in ["SyncStarted", "MessagesAdded", "SyncFinished"] {
        assert!(seen.contains(&kind), "{kind} missing from {events}");
    }
    let added = events
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "MessagesAdded")
        .unwrap();
    assert_eq!(
        (&added["account"], &added["count"]),
        (&json!("alice"), &json!(3))
    );
    let ids: Vec<u64> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    let last = *ids.last().unwrap();

    // A subscriber gets the next events pushed.
    let mut subscriber = RawConnection::open(&socket);
    subscriber.send(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\"}\n");
    let subscribed = subscriber.read();
    assert_eq!(subscribed["result"]["last_event"], last, "{subscribed}");

    // New mail on the server and sync_now: searchable, with an event.
    runtime.block_on(admin.append(&folder, &message(&prefix, 3), "()"));
    let woken = call(&runtime, &socket, "sync_now", json!({"account": "alice"}));
    assert_eq!(woken, json!({"accounts": ["alice"]}));
    let added = eventually("MessagesAdded after sync_now", || {
        let events = call(
            &runtime,
            &socket,
            "get_next_events",
            json!({"after": last, "timeout_ms": 2000}),
        );
        events
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["kind"] == "MessagesAdded")
            .cloned()
    });
    assert_eq!(added["count"], 1, "{added}");
    let page = call(
        &runtime,
        &socket,
        "count",
        json!({"query": "subject:\"daemon note 3\""}),
    );
    assert_eq!(page, 1);
    let pushed = subscriber.read();
    assert_eq!(pushed["method"], "event", "{pushed}");
    assert!(pushed["params"]["id"].as_u64().unwrap() > last, "{pushed}");

    // Tagging while a sync runs waits its turn instead of failing.
    call(&runtime, &socket, "sync_now", json!({}));
    let tagged = call(
        &runtime,
        &socket,
        "tag",
        json!({"query": "account:alice", "add": ["work"]}),
    );
    assert_eq!(tagged, json!({"matched": 4, "changed": 4}));
    assert_eq!(
        call(&runtime, &socket, "count", json!({"query": "tag:work"})),
        4
    );

    // A second daemon on the same data directory refuses to start.
    let second_log = inbox.home().join("../second.log");
    let mut second = start_daemon(&inbox, &second_log);
    let status = wait_exit(&mut second);
    assert!(!status.success());
    let complaint = std::fs::read_to_string(&second_log).unwrap();
    assert!(
        complaint.contains("already running")
            && complaint.contains(&format!("pid {}", daemon.id())),
        "{complaint}"
    );

    // Bad lines get error answers; the daemon goes on.
    let mut raw = RawConnection::open(&socket);
    raw.send(b"{not json\n");
    assert_eq!(raw.read()["error"]["code"], -32700);
    let mut long = vec![b'x'; (1 << 20) + 10];
    long.push(b'\n');
    raw.send(&long);
    assert_eq!(raw.read()["error"]["code"], -32600);
    raw.send(b"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"count\",\"params\":[\"*\"]}\n");
    assert_eq!(raw.read()["result"], 4);

    // SIGHUP picks up an account added meanwhile.
    add_account(&inbox, "second", &format!("{prefix}-none*"));
    signal(&daemon, "-HUP");
    let names = eventually("the added account", || {
        let status = call(&runtime, &socket, "account_status", json!({}));
        let names: Vec<String> = status
            .as_array()
            .unwrap()
            .iter()
            .map(|account| account["name"].as_str().unwrap().to_owned())
            .collect();
        (names.len() == 2).then_some(names)
    });
    assert_eq!(names, ["alice", "second"]);

    // ...and lets go of one removed meanwhile.
    let out = inbox.run(&["account", "remove", "second"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    signal(&daemon, "-HUP");
    eventually("the removed account gone", || {
        let status = call(&runtime, &socket, "account_status", json!({}));
        (status.as_array().unwrap().len() == 1).then_some(())
    });
    let status = call(&runtime, &socket, "account_status", json!({}));
    assert_eq!(status[0]["name"], "alice");

    // SIGTERM: exit status 0, socket removed.
    signal(&daemon, "-TERM");
    let status = wait_exit(&mut daemon);
    assert_eq!(status.code(), Some(0), "{}", log_text());
    assert!(!socket.exists(), "the socket is left behind");
    runtime.block_on(admin.cleanup());
}

#[test]
fn a_passphrase_vault_needs_a_passphrase_source_and_a_dead_server_is_retried() {
    let runtime = runtime();
    let (inbox, passphrase) = vault_inbox();
    let out = inbox.run_with_input(
        &[
            "account",
            "add",
            "imap",
            "nowhere",
            "--host",
            "127.0.0.1",
            "--port",
            "9",
            "--tls",
            "none",
            "--user",
            "me",
            "--password-stdin",
        ],
        "pw-4f9e2a7c\n",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert!(out.status.success(), "{out:?}");
    let log = inbox.home().join("../inboxd.log");

    // No terminal, no --passphrase-fd, no INBOX_PASSPHRASE_FILE: a clear refusal.
    let mut daemon = start_daemon(&inbox, &log);
    assert!(!wait_exit(&mut daemon).success());
    let complaint = std::fs::read_to_string(&log).unwrap();
    assert!(
        complaint.contains("--passphrase-fd") && complaint.contains("identity"),
        "{complaint}"
    );

    let mut daemon = Command::new(env!("CARGO_BIN_EXE_inboxd"))
        .env("INBOX_HOME", inbox.home())
        .env("INBOX_PASSPHRASE_FILE", &passphrase)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start inboxd");
    let socket = Home::at(&inbox.home()).socket_path();
    let status = eventually("a failed attempt", || {
        let socket_up = UnixStream::connect(&socket).is_ok();
        let status = socket_up.then(|| call(&runtime, &socket, "account_status", json!({})))?;
        (status[0]["state"] == "retrying").then_some(status)
    });
    let account = &status[0];
    assert!(account["last_error"].is_string(), "{status}");
    assert!(account["next_retry"].is_string(), "{status}");
    assert!(account["last_sync"].is_null(), "{status}");
    let events = call(&runtime, &socket, "get_next_events", json!({"after": 0}));
    let error = events
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "AccountError")
        .expect("an AccountError event");
    assert_eq!(error["account"], "nowhere");
    assert!(error["retry_in_s"].as_u64().is_some(), "{error}");
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(!log_text.contains("pw-4f9e2a7c"), "{log_text}");
    signal(&daemon, "-TERM");
    assert_eq!(wait_exit(&mut daemon).code(), Some(0));
}

/// The daemon holds passwords and tokens in memory: no core file may carry
/// them to disk (`RLIMIT_CORE` 0, and not dumpable, which as a side effect
/// gives its `/proc` files to root).
#[test]
fn inboxd_writes_no_core_file() {
    let inbox = TestInbox::new();
    let log = inbox.private_file("inboxd.log", "");
    let mut daemon = start_daemon(&inbox, &log);
    let socket = Home::at(&inbox.home()).socket_path();
    eventually("the socket", || UnixStream::connect(&socket).ok());

    let proc = PathBuf::from(format!("/proc/{}", daemon.id()));
    let limits = std::fs::read_to_string(proc.join("limits")).unwrap();
    let core = limits
        .lines()
        .find(|line| line.starts_with("Max core file size"))
        .expect("a core limit");
    let values: Vec<&str> = core.split_whitespace().skip(4).take(2).collect();
    assert_eq!(values, ["0", "0"], "{core}");
    if !rustix::process::getuid().is_root() {
        use std::os::unix::fs::MetadataExt;
        let owner = std::fs::metadata(proc.join("environ")).unwrap().uid();
        assert_eq!(owner, 0, "inboxd is dumpable");
    }
    signal(&daemon, "-TERM");
    assert_eq!(wait_exit(&mut daemon).code(), Some(0));
}
