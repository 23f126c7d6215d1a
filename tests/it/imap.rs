//! IMAP accounts end to end: the real binary against the Dovecot test server
//! (see `inbox_connector_imap::testing`), in folders of the test's own.

use std::path::Path;

use inbox_connector_imap::testing::{Admin, HOST, PASSWORD, TLS_PORT, USER, cert, prefix};

use crate::accounts::vault_inbox;
use crate::util::TestInbox;

fn runtime() -> tokio::runtime::Runtime {
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

/// Adds alice's account, limited to the test's folders, to `inbox`.
fn add_account(inbox: &TestInbox, passphrase: &Path, prefix: &str) {
    let port = TLS_PORT.to_string();
    let cert = cert();
    let include = format!("{prefix}*");
    let out = inbox.run_with_input(
        &[
            "account",
            "add",
            "imap",
            "alice",
            "--host",
            HOST,
            "--port",
            &port,
            "--user",
            USER,
            "--tls-ca-file",
            cert.to_str().unwrap(),
            "--include",
            &include,
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sync(inbox: &TestInbox, passphrase: &Path) -> String {
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
    add_account(&inbox, &passphrase, &prefix);
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
    add_account(&other, &other_passphrase, &prefix);
    let out = sync(&other, &other_passphrase);
    assert!(out.contains("alice: 29 new"), "{out}");
    assert_eq!(other.count("is:flagged"), 11);
    // 20 + 10 appended, 5 read; the 10 marked read here; one read message expunged.
    assert_eq!(other.count("is:unread"), 15);

    runtime.block_on(admin.cleanup());
}
