//! `inbox erase --remote`: server copies go first, local ones only when the
//! server no longer holds them. IMAP against the Dovecot test server (see
//! `inbox_connector_imap::testing`), X against a local server answering as
//! the X API v2 does.

use std::path::{Path, PathBuf};
use std::process::Output;

use inbox_connector_imap::testing::{Admin, dovecot, prefix};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::imap::{add_account, runtime, sync};
use crate::util::{TestInbox, corpus};

/// The first `n` messages of the corpus' Enron sample, with CRLF line ends.
fn corpus_messages(corpus: &Path, n: usize) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut pending = vec![corpus.join("enron-sample")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus dir") {
            let path = entry.expect("entry").path();
            match path.is_dir() {
                true => pending.push(path),
                false => files.push(path),
            }
        }
    }
    files.sort();
    files
        .iter()
        .take(n)
        .map(|file| {
            let text = String::from_utf8_lossy(&std::fs::read(file).expect("corpus file"))
                .replace("\r\n", "\n")
                .replace('\n', "\r\n");
            text.into_bytes()
        })
        .collect()
}

fn erase(inbox: &TestInbox, passphrase: &Path, query: &str) -> Output {
    inbox.run_with_input(
        &["erase", "--remote", "--yes", query],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    )
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Inserts `line` into the settings of account `name` in config.toml.
pub(crate) fn configure(inbox: &TestInbox, name: &str, line: &str) {
    let path = inbox.home().join("config.toml");
    let config = std::fs::read_to_string(&path).expect("config");
    let header = format!("[accounts.{name}]\n");
    assert!(config.contains(&header), "{config}");
    std::fs::write(&path, config.replace(&header, &format!("{header}{line}\n"))).unwrap();
}

/// Two folders of corpus mail on the server, synced into a new inbox.
pub(crate) struct ImapSetup {
    pub admin: Admin,
    pub inbox: TestInbox,
    pub passphrase: PathBuf,
    pub drop: String,
    pub keep: String,
}

/// `None` when the corpus or the Dovecot test server is missing (the test
/// is skipped).
pub(crate) fn imap_setup(runtime: &tokio::runtime::Runtime, test: &str) -> Option<ImapSetup> {
    let corpus = corpus()?;
    dovecot()?;
    let prefix = prefix(test);
    let mut admin = runtime.block_on(Admin::connect(&prefix));
    let drop = runtime.block_on(admin.create("drop"));
    let keep = runtime.block_on(admin.create("keep"));
    let messages = corpus_messages(&corpus, 5);
    runtime.block_on(async {
        for message in &messages[..3] {
            admin.append(&drop, message, "()").await;
        }
        for message in &messages[3..] {
            admin.append(&keep, message, "(\\Seen)").await;
        }
    });
    let (inbox, passphrase) = crate::accounts::vault_inbox();
    add_account(&inbox, &passphrase, &prefix, &[]);
    sync(&inbox, &passphrase);
    assert_eq!(inbox.count(&format!("folder:\"{drop}\"")), 3);
    assert_eq!(inbox.count(&format!("folder:\"{keep}\"")), 2);
    Some(ImapSetup {
        admin,
        inbox,
        passphrase,
        drop,
        keep,
    })
}

#[test]
fn remote_erase_expunges_on_the_server_then_erases_here() {
    let runtime = runtime();
    let Some(ImapSetup {
        mut admin,
        inbox,
        passphrase,
        drop,
        keep,
    }) = imap_setup(&runtime, "erase-remote")
    else {
        return;
    };

    let out = erase(&inbox, &passphrase, &format!("folder:\"{drop}\""));
    let printed = text(&out);
    assert!(out.status.success(), "{printed}");
    assert!(
        printed.contains("and deleted from their servers"),
        "{printed}"
    );
    assert!(
        printed.contains("servers: 3 copies deleted, 0 already gone"),
        "{printed}"
    );

    assert!(runtime.block_on(admin.flags(&drop)).is_empty(), "expunged");
    assert_eq!(runtime.block_on(admin.flags(&keep)).len(), 2);
    assert_eq!(inbox.count(&format!("folder:\"{drop}\"")), 0);
    assert_eq!(inbox.count(&format!("folder:\"{keep}\"")), 2);
    // The next sync brings nothing back and loses nothing.
    sync(&inbox, &passphrase);
    assert_eq!(inbox.count("*"), 2);
    runtime.block_on(admin.cleanup());
}

#[test]
fn trash_mode_moves_server_copies_to_trash() {
    let runtime = runtime();
    let Some(ImapSetup {
        mut admin,
        inbox,
        passphrase,
        drop,
        keep,
    }) = imap_setup(&runtime, "erase-trash")
    else {
        return;
    };
    configure(&inbox, "alice", "remote_erase = \"trash\"");
    let shown: serde_json::Value =
        serde_json::from_str(&inbox.ok(&["search", "--json", &format!("folder:\"{drop}\"")]))
            .unwrap();
    let message_ids: Vec<String> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["message_id"].as_str().expect("Message-ID").to_owned())
        .collect();
    assert_eq!(message_ids.len(), 3);

    let out = erase(&inbox, &passphrase, &format!("folder:\"{drop}\""));
    assert!(out.status.success(), "{}", text(&out));
    assert!(runtime.block_on(admin.flags(&drop)).is_empty());
    assert_eq!(runtime.block_on(admin.flags(&keep)).len(), 2);
    assert_eq!(inbox.count("*"), 2);
    for id in &message_ids {
        let in_trash = runtime.block_on(admin.find("Trash", &format!("<{id}>")));
        assert!(!in_trash.is_empty(), "{id} is in Trash");
        for uid in in_trash {
            runtime.block_on(admin.expunge("Trash", uid));
        }
    }
    runtime.block_on(admin.cleanup());
}

#[test]
fn an_unreachable_server_erases_nothing_and_says_why() {
    let runtime = runtime();
    let Some(ImapSetup {
        mut admin,
        inbox,
        passphrase,
        drop,
        ..
    }) = imap_setup(&runtime, "erase-down")
    else {
        return;
    };
    // The account now points at a port where nothing listens.
    let path = inbox.home().join("config.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    let port = config
        .lines()
        .find(|line| line.starts_with("port = "))
        .expect("port line")
        .to_owned();
    std::fs::write(&path, config.replace(&port, "port = 9")).unwrap();

    let out = erase(&inbox, &passphrase, &format!("folder:\"{drop}\""));
    let printed = text(&out);
    assert!(!out.status.success(), "{printed}");
    assert!(printed.contains("kept 3 messages"), "{printed}");
    assert!(
        printed.contains("cannot connect to 127.0.0.1:9"),
        "{printed}"
    );
    assert!(printed.contains("erased 0 messages"), "{printed}");
    assert_eq!(inbox.count(&format!("folder:\"{drop}\"")), 3);
    assert_eq!(runtime.block_on(admin.flags(&drop)).len(), 3);
    runtime.block_on(admin.cleanup());
}

#[test]
fn x_events_deleted_or_gone_are_erased_a_server_error_keeps_one() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(crate::x::x_server(crate::x::ACCESS));
    let (inbox, passphrase) = crate::x::x_inbox(&server.uri());
    assert!(crate::x::sync(&inbox, &passphrase).status.success());
    assert_eq!(inbox.count("source:x"), 5);
    runtime.block_on(async {
        for (event, status) in [("1005", 204), ("1004", 404), ("1002", 200)] {
            let body = json!({"data": {"deleted": status == 200}});
            Mock::given(method("DELETE"))
                .and(path(format!("/2/dm_events/{event}")))
                .respond_with(ResponseTemplate::new(status).set_body_json(body))
                .mount(&server)
                .await;
        }
        Mock::given(method("DELETE"))
            .and(path("/2/dm_events/1003"))
            .respond_with(ResponseTemplate::new(500).set_body_json(json!({
                "title": "Internal Error", "detail": "Something broke", "status": 500
            })))
            .mount(&server)
            .await;
    });

    let out = erase(&inbox, &passphrase, "source:x and not joined");
    let printed = text(&out);
    assert!(!out.status.success(), "{printed}");
    assert!(
        printed.contains("servers: 2 copies deleted, 1 already gone"),
        "{printed}"
    );
    assert!(printed.contains("kept 1 messages"), "{printed}");
    assert!(printed.contains("500"), "{printed}");
    assert_eq!(
        inbox.count("source:x"),
        2,
        "the kept one and the join event"
    );
    assert_eq!(inbox.count("\"release is out\""), 1);
    let deletes = runtime
        .block_on(server.received_requests())
        .unwrap_or_default()
        .iter()
        .filter(|request| request.method.as_str() == "DELETE")
        .count();
    assert!(deletes >= 4, "{deletes}");
}
