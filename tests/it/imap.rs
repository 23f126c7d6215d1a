//! IMAP accounts end to end: the real binary against the Dovecot test server
//! (see `inbox_connector_imap::testing`), in folders of the test's own.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use inbox_connector_imap::testing::{
    Admin, HOST, PASSWORD, PLAIN_PORT, TLS_PORT, USER, cert, dovecot, prefix,
};

use crate::accounts::vault_inbox;
use crate::util::TestInbox;

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn message(n: usize) -> Vec<u8> {
    format!(
        "From: Sender {n} <sender{n}@example.org>\r\nTo: alice@example.org\r\n\
         Subject: note {n}\r\nMessage-ID: <note-{n}@example.org>\r\n\
         Date: Mon, 1 Jan 2024 10:{:02}:00 +0000\r\n\r\nBody of note {n}.\r\n",
        n % 60
    )
    .into_bytes()
}

/// Adds alice's account, limited to the test's folders, to `inbox`, with
/// `options`; over implicit TLS trusting the test certificate unless they
/// name a port.
pub(crate) fn add_account(inbox: &TestInbox, passphrase: &Path, prefix: &str, options: &[&str]) {
    let include = format!("{prefix}*");
    let port = TLS_PORT.to_string();
    let cert = cert();
    let tls = ["--port", &port, "--tls-ca-file", cert.to_str().unwrap()];
    let mut args = vec![
        "account",
        "add",
        "imap",
        "alice",
        "--host",
        HOST,
        "--user",
        USER,
        "--include",
        &include,
        "--password-stdin",
    ];
    if !options.contains(&"--port") {
        args.extend(tls);
    }
    args.extend(options);
    let out = inbox.run_with_input(
        &args,
        &format!("{PASSWORD}\n"),
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn sync(inbox: &TestInbox, passphrase: &Path) -> String {
    let out = inbox.run_with_input(
        &["sync"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "sync failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn sync_then_push_flags_and_follow_server_changes() {
    let Some(()) = dovecot() else { return };
    let runtime = runtime();
    let prefix = prefix("cli-sync");
    let mut admin = runtime.block_on(Admin::connect(&prefix));
    let first = runtime.block_on(admin.create("first"));
    let nested = runtime.block_on(admin.create("nested/deeper"));
    runtime.block_on(async {
        for n in 0..20 {
            let flags = if n < 5 { "(\\Seen)" } else { "()" };
            admin.append(&first, &message(n), flags).await;
        }
        for n in 20..30 {
            admin.append(&nested, &message(n), "()").await;
        }
    });

    let (inbox, passphrase) = vault_inbox();
    add_account(&inbox, &passphrase, &prefix, &[]);
    let test = inbox.run_with_input(
        &["account", "test", "alice"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    let listed = String::from_utf8_lossy(&test.stdout);
    assert!(
        listed.contains(&first) && listed.contains(&nested),
        "{listed}"
    );

    let out = sync(&inbox, &passphrase);
    assert!(out.contains("alice: 30 new"), "{out}");
    assert_eq!(inbox.count("account:alice"), 30);
    assert_eq!(inbox.count(&format!("folder:\"{first}\"")), 20);
    assert_eq!(inbox.count("is:unread"), 25);
    assert_eq!(inbox.count("subject:\"note 27\" and source:imap"), 1);
    assert!(sync(&inbox, &passphrase).contains("alice: 0 new"));

    // Each message knows where it lives on the server.
    let found: serde_json::Value =
        serde_json::from_str(&inbox.ok(&["search", "--json", "subject:\"note 3\""])).unwrap();
    let id = found[0]["id"].to_string();
    let shown: serde_json::Value =
        serde_json::from_str(&inbox.ok(&["show", "--json", &id])).unwrap();
    let location = &shown["locations"][0];
    assert_eq!(location["folder"], first.as_str());
    let remote = location["remote_id"].as_str().unwrap();
    let (validity, uid) = remote.split_once(':').unwrap();
    assert!(
        validity.parse::<u32>().is_ok() && uid.parse::<u32>().is_ok(),
        "{remote}"
    );
    assert_eq!(
        location["flags"],
        serde_json::json!([]),
        "message 3 was appended read"
    );

    // Local changes go back to the server on the next sync.
    inbox.ok(&[
        "tag",
        "+flagged",
        "-unread",
        "--",
        &format!("folder:\"{nested}\""),
    ]);
    let out = sync(&inbox, &passphrase);
    assert!(out.contains("10 flag changes pushed"), "{out}");
    let on_server = runtime.block_on(admin.flags(&nested));
    assert_eq!(on_server.len(), 10);
    for flags in on_server.values() {
        let flags = flags.join(" ");
        assert!(
            flags.contains("Flagged") && flags.contains("Seen"),
            "{flags}"
        );
    }

    // Changes made on the server come back.
    let uids: Vec<u32> = runtime.block_on(admin.flags(&first)).into_keys().collect();
    runtime.block_on(admin.store(&first, uids[0], "+FLAGS (\\Flagged)"));
    runtime.block_on(admin.expunge(&first, uids[1]));
    let out = sync(&inbox, &passphrase);
    assert!(
        out.contains("1 flag changes, 1 removed on the server"),
        "{out}"
    );
    assert_eq!(inbox.count("is:flagged"), 11);
    assert_eq!(inbox.count("is:deleted"), 1);
    assert_eq!(inbox.count("account:alice"), 30);

    // A second inbox on the same account sees what the first pushed.
    let (other, other_passphrase) = vault_inbox();
    add_account(&other, &other_passphrase, &prefix, &[]);
    let out = sync(&other, &other_passphrase);
    assert!(out.contains("alice: 29 new"), "{out}");
    assert_eq!(other.count("is:flagged"), 11);
    // 20 + 10 appended, 5 read; the 10 marked read here; one read message expunged.
    assert_eq!(other.count("is:unread"), 15);

    runtime.block_on(admin.cleanup());
}

/// Forwards connections to the plain IMAP port, cutting every connection
/// once `budget` bytes came from the server in all.
struct Proxy {
    port: u16,
    budget: Arc<AtomicI64>,
}

impl Proxy {
    fn start(budget: i64) -> Proxy {
        let listener = TcpListener::bind((HOST, 0)).expect("bind proxy");
        let port = listener.local_addr().expect("address").port();
        let budget = Arc::new(AtomicI64::new(budget));
        let shared = Arc::clone(&budget);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect((HOST, PLAIN_PORT)) else {
                    continue;
                };
                let (mut from_client, mut to_server) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_client, &mut to_server);
                    let _ = to_server.shutdown(Shutdown::Both);
                });
                let budget = Arc::clone(&shared);
                std::thread::spawn(move || forward_until_spent(server, client, &budget));
            }
        });
        Proxy { port, budget }
    }

    fn unlimited(&self) {
        self.budget.store(i64::MAX, Ordering::SeqCst);
    }
}

fn forward_until_spent(mut server: TcpStream, mut client: TcpStream, budget: &AtomicI64) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let read = match server.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if budget.fetch_sub(read as i64, Ordering::SeqCst) < read as i64 {
            break;
        }
        if client.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = server.shutdown(Shutdown::Both);
}

#[test]
fn a_connection_cut_mid_backfill_resumes_without_loss_or_duplicates() {
    let Some(()) = dovecot() else { return };
    const MESSAGES: usize = 1_500;
    let runtime = runtime();
    let prefix = prefix("cli-cut");
    let mut admin = runtime.block_on(Admin::connect(&prefix));
    let folder = runtime.block_on(admin.create("big"));
    let padding = "x".repeat(72);
    runtime.block_on(async {
        for n in 0..MESSAGES {
            let mut bytes = message(n);
            for _ in 0..12 {
                bytes.extend_from_slice(format!("{padding}\r\n").as_bytes());
            }
            admin.append(&folder, &bytes, "()").await;
        }
    });
    // About 1.1 kB per message on the wire: the cut falls after the first
    // stored batch (1,000 messages) and before the end.
    let proxy = Proxy::start(1_400_000);
    let (inbox, passphrase) = vault_inbox();
    let port = proxy.port.to_string();
    add_account(
        &inbox,
        &passphrase,
        &prefix,
        &["--port", &port, "--tls", "none"],
    );

    let cut = inbox.run_with_input(
        &["sync"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert_eq!(cut.status.code(), Some(1));
    let stored = inbox.count("account:alice");
    assert!(
        0 < stored && stored < MESSAGES,
        "{stored} stored before the cut"
    );

    proxy.unlimited();
    let out = sync(&inbox, &passphrase);
    assert!(
        out.contains(&format!("alice: {} new", MESSAGES - stored)),
        "{out}"
    );
    let listed: serde_json::Value =
        serde_json::from_str(&inbox.ok(&["search", "--json", "--limit", "5000", "account:alice"]))
            .unwrap();
    let ids: std::collections::BTreeSet<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.as_array().unwrap().len(), MESSAGES);
    assert_eq!(ids.len(), MESSAGES);

    runtime.block_on(admin.cleanup());
}

#[test]
fn watch_picks_up_new_mail_through_idle() {
    let Some(()) = dovecot() else { return };
    let runtime = runtime();
    let prefix = prefix("cli-watch");
    let mut admin = runtime.block_on(Admin::connect(&prefix));
    runtime.block_on(admin.create("box"));
    let (inbox, passphrase) = vault_inbox();
    // Only INBOX wakes the watcher early; the poll interval is far away.
    let options = ["--include", "INBOX", "--poll-interval", "600"];
    add_account(&inbox, &passphrase, &prefix, &options);
    let mut watcher = inbox
        .command(&["sync", "--watch"])
        .env("INBOX_PASSPHRASE_FILE", &passphrase)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the watcher");
    let subject = format!("{prefix} arrives");
    let found = |wait: Duration| {
        let start = Instant::now();
        while start.elapsed() < wait {
            if inbox.count(&format!("subject:\"{subject}\"")) == 1 {
                return Some(start.elapsed());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    };
    // Let the first sync finish and the IDLE begin.
    std::thread::sleep(Duration::from_secs(3));
    let before: Vec<u32> = runtime.block_on(admin.flags("INBOX")).into_keys().collect();
    let bytes = format!(
        "From: a@example.org\r\nSubject: {subject}\r\nMessage-ID: <{prefix}@example.org>\r\n\r\nHi\r\n"
    );
    runtime.block_on(admin.append("INBOX", bytes.as_bytes(), "()"));
    let delay = found(Duration::from_secs(15));
    let _ = watcher.kill();
    let _ = watcher.wait();
    let after = runtime.block_on(admin.flags("INBOX"));
    for uid in after.keys().filter(|uid| !before.contains(uid)) {
        runtime.block_on(admin.expunge("INBOX", *uid));
    }
    runtime.block_on(admin.cleanup());
    assert!(
        delay.is_some(),
        "the new message did not arrive within 15 s"
    );
}

#[test]
fn folders_are_stored_with_the_role_the_server_marks() {
    let Some(()) = dovecot() else { return };
    let (inbox, passphrase) = vault_inbox();
    let nothing = prefix("no-such-folder");
    add_account(&inbox, &passphrase, &nothing, &["--include", "Junk"]);
    sync(&inbox, &passphrase);
    let store = rusqlite::Connection::open(inbox.home().join("store.sqlite3")).unwrap();
    let roles: Vec<(String, String)> = store
        .prepare("SELECT folder, role FROM folder_roles")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(roles, [("Junk".to_owned(), "\\Junk".to_owned())]);
}
