//! Retention: `inbox retention apply [--dry-run]` on an IMAP account whose
//! corpus mail is dated 2000-2002, with a recent message, a flagged one and
//! a folder with a period of its own.

use chrono::Utc;

use crate::erase_remote::{ImapSetup, configure, imap_setup};
use crate::imap::{runtime, sync};

fn recent_message() -> Vec<u8> {
    format!(
        "From: Rae Recent <rae@example.org>\r\nTo: alice@example.org\r\n\
         Subject: fresh retention note\r\nMessage-ID: <fresh-retention@example.org>\r\n\
         Date: {}\r\n\r\nStill wanted.\r\n",
        Utc::now().to_rfc2822()
    )
    .into_bytes()
}

#[test]
fn old_mail_expires_flagged_recent_and_longer_kept_folders_stay() {
    let runtime = runtime();
    let Some(ImapSetup {
        mut admin,
        inbox,
        passphrase,
        drop,
        keep,
    }) = imap_setup(&runtime, "retention")
    else {
        return;
    };
    runtime.block_on(admin.append(&drop, &recent_message(), "()"));
    sync(&inbox, &passphrase);
    assert_eq!(inbox.count("*"), 6);
    let found: serde_json::Value = serde_json::from_str(&inbox.ok(&[
        "search",
        "--json",
        &format!("folder:\"{drop}\" and date:..2010-01-01"),
    ]))
    .unwrap();
    let first = found[0]["id"].to_string();
    let message_id = found[0]["message_id"].as_str().expect("a Message-ID");
    inbox.ok(&["tag", "+flagged", "--", &format!("id:\"{message_id}\"")]);
    assert_eq!(inbox.count("tag:flagged"), 1);

    configure(&inbox, "alice", "retention = \"1y\"");
    let config = inbox.home().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[accounts.alice.retention_folders]\n\"{keep}\" = \"100y\"\n"
    ));
    std::fs::write(&config, text).unwrap();

    let listed = inbox.ok(&["retention", "apply", "--dry-run"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 3, "{listed}");
    assert!(
        lines[..2].iter().all(|line| line.starts_with("200")),
        "{listed}"
    );
    assert!(
        lines[2].contains("would erase 2 expired messages (alice: 2)"),
        "{listed}"
    );
    assert!(
        !listed.contains(&format!("  {first}  ")),
        "flagged is kept: {listed}"
    );
    assert_eq!(inbox.count("*"), 6, "a dry run erases nothing");

    let done = inbox.ok(&["retention", "apply"]);
    assert!(
        done.contains("erased 2 expired messages (alice: 2)"),
        "{done}"
    );
    assert_eq!(inbox.count("*"), 4);
    assert_eq!(inbox.count("fresh retention note"), 1);
    assert_eq!(inbox.count("tag:flagged"), 1);
    assert_eq!(inbox.count(&format!("folder:\"{keep}\"")), 2);
    // Local only: the server keeps every copy.
    assert_eq!(runtime.block_on(admin.flags(&drop)).len(), 4);
    assert!(
        inbox
            .ok(&["retention", "apply"])
            .contains("no message expired")
    );
    runtime.block_on(admin.cleanup());
}

#[test]
fn a_bad_period_is_refused_naming_the_account() {
    let inbox = crate::util::TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    std::fs::write(
        inbox.home().join("config.toml"),
        "[accounts.dms]\nkind = \"x\"\nauth = \"oauth1\"\nvault_entry = \"dms\"\nretention = \"3 months\"\n",
    )
    .unwrap();
    let out = inbox.run(&["retention", "apply", "--dry-run"]);
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        error.contains("account \"dms\"")
            && error.contains("\"3 months\" is not a retention period"),
        "{error}"
    );
}
