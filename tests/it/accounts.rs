//! The vault and account commands: secrets reach the vault and nothing else,
//! keys are read from files, descriptors or identity files, and a wrong key
//! changes nothing.

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use inbox_connector_imap::testing::{Admin, PASSWORD as PEER_PASSWORD, dovecot, prefix};
use inbox_vault::{Key, Vault};
use secrecy::{ExposeSecret, SecretString};

use crate::util::{TestInbox, corpus};

const PASSPHRASE: &str = "vault-passphrase-7f3a9c1e";
const PASSWORD: &str = "imap-password-d41d8cd9";
const ACCESS_TOKEN: &str = "x-access-token-5eb63bbb";
const REFRESH_TOKEN: &str = "x-refresh-token-e0df9a2c";
/// One message on the Dovecot test server for `sync` to fetch.
const PEER_MESSAGE: &[u8] = b"From: Bob <bob@example.org>\r\nTo: alice@example.org\r\n\
    Subject: logged in\r\nMessage-ID: <secrets@example.org>\r\n\
    Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nHello.\r\n";

/// An inbox with a passphrase vault (cheap scrypt) and the passphrase file.
pub fn vault_inbox() -> (TestInbox, PathBuf) {
    let inbox = TestInbox::new();
    let passphrase = inbox.private_file("passphrase", &format!("{PASSPHRASE}\n"));
    let out = inbox.run_with_input(
        &["vault", "init", "--work-factor", "10"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert_success(&out, "vault init");
    (inbox, passphrase)
}

fn add_imap(inbox: &TestInbox, name: &str, passphrase: &Path) -> Output {
    inbox.run_with_input(
        &[
            "account",
            "add",
            "imap",
            name,
            "--host",
            "127.0.0.1",
            "--port",
            "10143",
            "--user",
            "alice",
            "--tls",
            "starttls",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    )
}

fn open_vault(inbox: &TestInbox, key: Key) -> Vault {
    Vault::open(&inbox.home().join("vault.age"), key).expect("open vault")
}

fn secret(vault: &Vault, account: &str, field: &str) -> Option<String> {
    vault
        .get(account, field)
        .map(|s| s.expose_secret().to_owned())
}

fn passphrase_key() -> Key {
    Key::Passphrase(SecretString::from(PASSPHRASE))
}

fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn imap_password_goes_to_the_vault_and_settings_to_the_config() {
    let Some(()) = dovecot() else { return };
    let (inbox, passphrase) = vault_inbox();
    assert_success(&add_imap(&inbox, "work", &passphrase), "account add");

    let vault = open_vault(&inbox, passphrase_key());
    assert_eq!(
        secret(&vault, "work", "password").as_deref(),
        Some(PASSWORD)
    );
    let config = std::fs::read_to_string(inbox.home().join("config.toml")).unwrap();
    assert!(config.contains("host = \"127.0.0.1\""), "{config}");
    assert!(config.contains("tls = \"starttls\""), "{config}");
    assert!(!config.contains(PASSWORD));

    let list: serde_json::Value =
        serde_json::from_str(&inbox.ok(&["account", "list", "--json"])).unwrap();
    assert_eq!(list[0]["name"], "work");
    assert_eq!(list[0]["kind"], "imap");
    assert_eq!(list[0]["configured"], true);
    assert!(!list.to_string().contains(PASSWORD));

    let again = add_imap(&inbox, "work", &passphrase);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("exists"), "{}", stderr(&again));

    let removed = inbox.run_with_input(
        &["account", "remove", "work"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert_success(&removed, "account remove");
    let vault = open_vault(&inbox, passphrase_key());
    assert!(vault.accounts().is_empty());
    let config = std::fs::read_to_string(inbox.home().join("config.toml")).unwrap();
    assert!(!config.contains("[accounts.work]"), "{config}");
}

#[test]
fn wrong_passphrase_exits_2_and_changes_nothing() {
    let Some(()) = dovecot() else { return };
    let (inbox, passphrase) = vault_inbox();
    assert_success(&add_imap(&inbox, "work", &passphrase), "account add");
    let files = ["vault.age", "vault.age.bak", "config.toml"];
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(inbox.home().join(f)).unwrap())
        .collect();

    let wrong = inbox.private_file("wrong", "not the passphrase\n");
    let out = add_imap(&inbox, "other", &wrong);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "inbox: cannot unlock vault: wrong passphrase or identity"
    );
    let out = inbox.run_with_input(
        &["vault", "passwd", "--new-passphrase-fd", "0"],
        "new passphrase here\n",
        &[("INBOX_PASSPHRASE_FILE", wrong.as_os_str())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let after: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(inbox.home().join(f)).unwrap())
        .collect();
    assert!(before == after, "a wrong passphrase changed a file");
}

#[test]
fn passwd_moves_between_passphrase_and_identity() {
    let Some(()) = dovecot() else { return };
    let (inbox, passphrase) = vault_inbox();
    assert_success(&add_imap(&inbox, "work", &passphrase), "account add");

    // To a new identity file: unattended from then on.
    let out = inbox.run_with_input(
        &["vault", "passwd", "--identity"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert_success(&out, "vault passwd --identity");
    let identity = inbox.home().join("identity.txt");
    let mode = std::fs::metadata(&identity).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let vault = open_vault(&inbox, Key::Identity(identity.clone()));
    assert_eq!(
        secret(&vault, "work", "password").as_deref(),
        Some(PASSWORD)
    );
    assert!(inbox.ok(&["vault", "status"]).contains("age identity file"));
    let out = inbox.run_with_input(
        &[
            "account",
            "add",
            "imap",
            "second",
            "--host",
            "localhost",
            "--user",
            "bob",
            "--password-stdin",
        ],
        "bobpass\n",
        &[],
    );
    assert_success(&out, "account add with the identity");

    // Back to a passphrase, read from standard input.
    let out = inbox.run_with_input(
        &["vault", "passwd", "--new-passphrase-fd", "0"],
        "a brand new passphrase\n",
        &[],
    );
    assert_success(&out, "vault passwd to a passphrase");
    let config = std::fs::read_to_string(inbox.home().join("config.toml")).unwrap();
    assert!(!config.contains("identity"), "{config}");
    let vault = open_vault(
        &inbox,
        Key::Passphrase(SecretString::from("a brand new passphrase")),
    );
    assert_eq!(vault.accounts(), ["second", "work"]);
    let old = add_imap(&inbox, "third", &passphrase);
    assert_eq!(old.status.code(), Some(2), "{}", stderr(&old));
}

#[test]
fn a_vault_others_can_read_is_refused() {
    let (inbox, passphrase) = vault_inbox();
    let vault = inbox.home().join("vault.age");
    std::fs::set_permissions(&vault, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = add_imap(&inbox, "work", &passphrase);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    assert!(
        inbox
            .ok(&["vault", "status"])
            .contains("others can read it")
    );
}

#[test]
fn x_tokens_come_from_stdin_and_are_checked() {
    let (inbox, passphrase) = vault_inbox();
    let args = [
        "account",
        "add",
        "x",
        "me",
        "--auth",
        "oauth2",
        "--client-id",
        "client-123",
        "--api-base",
        "http://127.0.0.1:9",
        "--tokens-stdin",
    ];
    let env = [("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())];
    let missing = inbox.run_with_input(&args, &format!("access_token={ACCESS_TOKEN}\n"), &env);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("refresh_token"),
        "{}",
        stderr(&missing)
    );

    let tokens = format!(
        "# from the developer portal\naccess_token={ACCESS_TOKEN}\nrefresh_token={REFRESH_TOKEN}\n"
    );
    assert_success(&inbox.run_with_input(&args, &tokens, &env), "account add x");
    let vault = open_vault(&inbox, passphrase_key());
    assert_eq!(
        secret(&vault, "me", "access_token").as_deref(),
        Some(ACCESS_TOKEN)
    );
    assert_eq!(
        secret(&vault, "me", "refresh_token").as_deref(),
        Some(REFRESH_TOKEN)
    );
    let config = std::fs::read_to_string(inbox.home().join("config.toml")).unwrap();
    assert!(config.contains("client_id = \"client-123\""), "{config}");
    assert!(!config.contains(ACCESS_TOKEN) && !config.contains(REFRESH_TOKEN));
}

/// Every secret used goes through the commands at trace level; none may
/// appear in any output or any file outside the vault. `account test` and
/// `sync` log in to the Dovecot test server (LOGIN carries the password) at
/// every log setting that could show the protocol, including one more
/// specific than any built-in directive.
#[test]
fn secrets_never_leave_the_vault() {
    let Some(()) = dovecot() else { return };
    let Some(corpus) = corpus() else { return };
    let (inbox, passphrase) = vault_inbox();
    let logged = |log: &str, args: &[&str], input: &str| {
        let env = [
            ("INBOX_PASSPHRASE_FILE", passphrase.as_os_str()),
            ("RUST_LOG", OsStr::new(log)),
        ];
        inbox.run_with_input(args, input, &env)
    };
    let traced = |args: &[&str], input: &str| logged("trace", args, input);
    let tricky = corpus.join("mime-tricky");
    let imap = [
        "account",
        "add",
        "imap",
        "work",
        "--host",
        "127.0.0.1",
        "--user",
        "alice",
        "--password-stdin",
    ];
    let mut outputs = vec![
        traced(&imap, &format!("{PASSWORD}\n")),
        traced(
            &[
                "account",
                "add",
                "x",
                "me",
                "--client-id",
                "c",
                "--tokens-stdin",
            ],
            &format!("access_token={ACCESS_TOKEN}\nrefresh_token={REFRESH_TOKEN}\n"),
        ),
        traced(
            &["import", tricky.to_str().unwrap(), "--account", "work"],
            "",
        ),
        traced(&["account", "list", "--json"], ""),
        traced(&["account", "list"], ""),
        traced(&["vault", "status"], ""),
        traced(&["search", "--json", "*"], ""),
        // Refused (the account exists): the error must not echo the input.
        traced(&imap, &format!("{PASSWORD}\n")),
        traced(&["account", "remove", "me"], ""),
    ];
    assert!(outputs[0].status.success() && outputs[1].status.success());

    let runtime = crate::imap::runtime();
    let prefix = prefix("secrets");
    let mut admin = runtime.block_on(Admin::connect(&prefix));
    let folder = runtime.block_on(admin.create("in"));
    runtime.block_on(admin.append(&folder, PEER_MESSAGE, "()"));
    crate::imap::add_account(&inbox, &passphrase, &prefix, &[]);
    for log in [
        "trace",
        "async_imap=trace,imap_proto=trace",
        "async_imap::imap_stream=trace,rustls=trace,warn",
    ] {
        for args in [&["account", "test", "alice"][..], &["sync", "alice"]] {
            let out = logged(log, args, "");
            assert_success(&out, &format!("{args:?} at RUST_LOG={log}"));
            if log == "trace" && args[0] == "sync" {
                // The index's own debug lines: the level was really on.
                assert!(stderr(&out).contains("DEBUG"), "nothing logged");
            }
            outputs.push(out);
        }
    }
    runtime.block_on(admin.cleanup());
    assert_eq!(inbox.count("account:alice"), 1);

    let secrets = [
        PASSPHRASE,
        PASSWORD,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        PEER_PASSWORD,
    ];
    for out in &outputs {
        for text in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(text);
            for secret in secrets {
                assert!(!text.contains(secret), "output shows a secret:\n{text}");
            }
        }
    }
    let mut checked = 0;
    for file in files_under(&inbox.home()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("vault.age") {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap();
        for secret in secrets {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{} holds a secret",
                file.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 5, "only {checked} files checked");
}

#[test]
fn purge_deletes_the_accounts_messages_only() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    let tricky = corpus.join("mime-tricky");
    let imported = inbox.import(&tricky, "a").imported as usize;
    inbox.import(&tricky, "b");
    assert_eq!(inbox.count("account:a"), imported);

    let kept = inbox.run(&["account", "remove", "a"]);
    assert!(stderr(&kept).contains("--purge"), "{}", stderr(&kept));
    let unconfirmed = inbox.run(&["account", "remove", "a", "--purge"]);
    assert!(!unconfirmed.status.success());
    assert!(
        stderr(&unconfirmed).contains("--yes"),
        "{}",
        stderr(&unconfirmed)
    );
    assert_eq!(inbox.count("account:a"), imported);

    let out = inbox.ok(&["account", "remove", "a", "--purge", "--yes"]);
    assert!(
        out.contains(&format!("deleted {imported} messages")),
        "{out}"
    );
    assert_eq!(inbox.count("account:a"), 0);
    assert_eq!(inbox.count("*"), inbox.count("account:b"));
    assert_eq!(inbox.count("account:b"), imported);
    let stats: serde_json::Value = serde_json::from_str(&inbox.ok(&["stats", "--json"])).unwrap();
    assert_eq!(stats["messages"].as_u64(), Some(imported as u64));
    // The index agrees with a rebuild from the store.
    inbox.ok(&["reindex"]);
    assert_eq!(inbox.count("*"), imported);
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[test]
fn work_factors_a_small_machine_cannot_unlock_are_refused() {
    let inbox = TestInbox::new();
    let passphrase = inbox.private_file("passphrase", &format!("{PASSPHRASE}\n"));
    let env = [("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())];
    for (factor, memory) in [("21", "2 GiB"), ("23", "8 GiB")] {
        let out = inbox.run_with_input(&["vault", "init", "--work-factor", factor], "", &env);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains(memory) && stderr(&out).contains("choose 20 or less"),
            "{}",
            stderr(&out)
        );
        assert!(!inbox.home().join("vault.age").exists());
    }

    let (inbox, passphrase) = vault_inbox();
    let env = [("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())];
    let out = inbox.run_with_input(&["vault", "passwd", "--work-factor", "21"], "", &env);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("2 GiB"), "{}", stderr(&out));
    let out = inbox.run_with_input(&["vault", "status"], "", &env);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("work factor 10"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
