//! Only trusted places are used: a data directory others can write to or
//! that belongs to someone else is refused with what to do; a symbolic
//! link where a file or directory of inbox's belongs is refused and what it
//! points to is left untouched; the command line talks to no socket but the
//! user's own daemon's. Read commands on a fresh home create nothing, and
//! exports never land in inbox's own directories.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::daemon_process::{eventually, signal, start_daemon, wait_exit};
use crate::util::TestInbox;

/// A maildir of two small messages, in `dir`.
fn small_maildir(dir: &Path) -> PathBuf {
    let maildir = dir.join("mail");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).expect("mkdir");
    }
    for (n, subject) in [(1, "quarterly budget"), (2, "lunch plans")] {
        let message = format!(
            "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: {subject}\r\n\
             Message-ID: <m{n}@example.com>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody {n}\r\n"
        );
        std::fs::write(maildir.join("cur").join(format!("{n}:2,S")), message).expect("write");
    }
    maildir
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `output` failed, and its error says all of `words`.
fn assert_refused(output: &Output, words: &[&str]) {
    let said = stderr(output);
    assert!(!output.status.success(), "expected a failure, got: {said}");
    for word in words {
        assert!(said.contains(word), "{word:?} not in: {said}");
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// The uid of `nobody`, for files that belong to another user.
const NOBODY: u32 = 65534;

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn a_data_dir_others_can_write_to_is_refused_with_the_fix() {
    let inbox = TestInbox::new();
    let maildir = small_maildir(inbox.home().parent().expect("parent"));
    let home = inbox.home();
    std::fs::create_dir(&home).expect("mkdir");
    for unsafe_mode in [0o777, 0o770, 0o1777] {
        chmod(&home, unsafe_mode);
        let shown = home.display().to_string();
        let advice = match unsafe_mode {
            0o1777 => "it is a shared directory: set INBOX_HOME".to_owned(),
            _ => format!("chmod 700 {shown}"),
        };
        for args in [
            vec!["import", maildir.to_str().expect("utf-8")],
            vec!["search", "budget"],
        ] {
            let output = inbox.run(&args);
            let words = [
                "refusing to use",
                &shown,
                "other users can write to it",
                &advice,
            ];
            assert_refused(&output, &words);
        }
        assert!(names_in(&home).is_empty(), "nothing written to {shown}");
    }
    chmod(&home, 0o700);
    assert_eq!(inbox.import(&maildir, "local").imported, 2);
}

#[test]
fn a_data_dir_of_another_user_is_refused() {
    if !is_root() {
        println!("skipped: only root can give a directory to another user");
        return;
    }
    let inbox = TestInbox::new();
    let home = inbox.home();
    std::fs::create_dir(&home).expect("mkdir");
    chmod(&home, 0o700);
    std::os::unix::fs::chown(&home, Some(NOBODY), Some(NOBODY)).expect("chown");
    let output = inbox.run(&["search", "budget"]);
    assert_refused(
        &output,
        &[
            "refusing to use",
            "belongs to another user (uid 65534)",
            "chown",
        ],
    );
    assert!(names_in(&home).is_empty());
}

#[test]
fn a_store_symlink_is_refused_and_its_target_untouched() {
    let inbox = TestInbox::new();
    let outside = inbox.home().with_file_name("elsewhere");
    let maildir = small_maildir(inbox.home().parent().expect("parent"));
    std::fs::write(&outside, "someone else's file\n").expect("write");
    chmod(&outside, 0o644);
    std::fs::create_dir(inbox.home()).expect("mkdir");
    std::os::unix::fs::symlink(&outside, inbox.home().join("store.sqlite3")).expect("symlink");
    for args in [
        vec!["import", maildir.to_str().expect("utf-8")],
        vec!["search", "budget"],
        vec!["stats"],
    ] {
        let output = inbox.run(&args);
        assert_refused(&output, &["store.sqlite3", "is a symbolic link"]);
    }
    assert_eq!(
        std::fs::read_to_string(&outside).expect("read"),
        "someone else's file\n"
    );
    assert_eq!(mode(&outside), 0o644);
    let beside: Vec<String> = names_in(&inbox.home())
        .into_iter()
        .filter(|name| name.starts_with("store.sqlite3-"))
        .collect();
    assert!(
        beside.is_empty(),
        "no SQLite files beside the link: {beside:?}"
    );
}

#[test]
fn index_and_run_symlinks_are_refused_and_their_targets_unchanged() {
    let inbox = TestInbox::new();
    let maildir = small_maildir(inbox.home().parent().expect("parent"));
    inbox.import(&maildir, "local");
    let home = inbox.home();
    for name in ["index", "run"] {
        let target = home.with_file_name(format!("{name}-elsewhere"));
        std::fs::create_dir(&target).expect("mkdir");
        chmod(&target, 0o755);
        if home.join(name).exists() {
            std::fs::rename(
                home.join(name),
                home.with_file_name(format!("{name}-moved")),
            )
            .expect("move the real one away");
        }
        std::os::unix::fs::symlink(&target, home.join(name)).expect("symlink");
        if name == "index" {
            let output = inbox.run(&["search", "budget"]);
            assert_refused(&output, &["index", "is a symbolic link"]);
        } else {
            let log = home.with_file_name("inboxd.log");
            let mut daemon = start_daemon(&inbox, &log);
            let status = wait_exit(&mut daemon);
            assert!(!status.success());
            let said = std::fs::read_to_string(&log).expect("log");
            assert!(said.contains("symbolic link"), "{said}");
        }
        assert_eq!(mode(&target), 0o755, "{name} target mode");
        assert!(
            names_in(&target).is_empty(),
            "nothing written through {name}"
        );
        std::fs::remove_file(home.join(name)).expect("remove link");
    }
}

#[test]
fn the_cli_talks_to_no_socket_but_its_own_daemons() {
    let inbox = TestInbox::new();
    let maildir = small_maildir(inbox.home().parent().expect("parent"));
    inbox.import(&maildir, "local");
    let run = inbox.home().join("run");
    std::fs::create_dir(&run).expect("mkdir");
    chmod(&run, 0o700);
    let socket = run.join("rpc.sock");

    // A file that is not a socket.
    std::fs::write(&socket, "").expect("write");
    let output = inbox.run(&["search", "budget"]);
    assert_refused(&output, &["refusing to talk to", "it is not a socket"]);
    std::fs::remove_file(&socket).expect("remove");

    // Our own daemon is used.
    let log = inbox.home().with_file_name("inboxd.log");
    let mut daemon = start_daemon(&inbox, &log);
    eventually("the daemon's socket", || socket.exists().then_some(()));
    assert_eq!(inbox.count("budget"), 1);
    signal(&daemon, "-TERM");
    assert!(wait_exit(&mut daemon).success());

    if !is_root() {
        println!("skipped the other user's socket: only root can give a socket away");
        return;
    }
    let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    std::os::unix::fs::chown(&socket, Some(NOBODY), Some(NOBODY)).expect("chown");
    for args in [vec!["search", "budget"], vec!["tag", "+x", "--", "*"]] {
        let output = inbox.run(&args);
        assert_refused(
            &output,
            &["refusing to talk to", "belongs to another user (uid 65534)"],
        );
    }
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(error) if error.kind() == std::io::ErrorKind::WouldBlock),
        "the other user's socket was connected to: {accepted:?}"
    );
}

#[test]
fn read_commands_on_a_fresh_home_say_there_is_nothing_and_create_nothing() {
    let inbox = TestInbox::new();
    let output_file = inbox.home().with_file_name("out.mbox");
    let output_file = output_file.to_str().expect("utf-8");
    let commands: [&[&str]; 8] = [
        &["search", "budget"],
        &["search", "--count", "*"],
        &["show", "1"],
        &["thread", "1"],
        &["explain", "1"],
        &["stats"],
        &["tags", "dump"],
        &["export", "--format", "mbox", "--output", output_file],
    ];
    let shown = inbox.home().display().to_string();
    for args in commands {
        let output = inbox.run(args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_refused(
            &output,
            &[
                &format!("no messages yet in {shown}"),
                "inbox import PATH",
                "inbox sync",
            ],
        );
        assert!(!inbox.home().exists(), "{args:?} created {shown}");
        assert!(
            !Path::new(output_file).exists(),
            "{args:?} wrote the export"
        );
    }
}

#[test]
fn exports_into_inboxs_own_directories_are_refused() {
    let inbox = TestInbox::new();
    let parent = inbox.home().parent().expect("parent").to_owned();
    let maildir = small_maildir(&parent);
    inbox.import(&maildir, "local");
    let home = inbox.home();
    std::os::unix::fs::symlink(&home, parent.join("link")).expect("symlink");
    let targets = [
        home.join("rules.toml"),
        home.join("new-dir").join("export.mbox"),
        home.join("run").join("export.mbox"),
        parent.join("link").join("export.mbox"),
        parent
            .join("mail")
            .join("..")
            .join("inbox")
            .join("export.mbox"),
    ];
    for target in &targets {
        let output = inbox.run(&[
            "export",
            "--format",
            "mbox",
            "--output",
            target.to_str().expect("utf-8"),
        ]);
        assert_refused(&output, &["inside inbox's data directory", "outside it"]);
    }
    assert!(!home.join("rules.toml").exists());
    assert!(!home.join("rules.toml.tags").exists());
    assert!(!home.join("new-dir").exists());
    let outside = parent.join("export.mbox");
    let said = inbox.ok(&[
        "export",
        "--format",
        "mbox",
        "--output",
        outside.to_str().expect("utf-8"),
    ]);
    assert!(said.contains("exported 2 messages"), "{said}");
}

#[test]
fn an_export_account_name_is_a_name_not_a_query() {
    let inbox = TestInbox::new();
    let maildir = small_maildir(inbox.home().parent().expect("parent"));
    inbox.import(&maildir, "local");
    let out = tempfile::tempdir().expect("temp dir");
    for (account, expected) in [("nosuch\" OR * OR account:\"x", 0), ("local", 2)] {
        let target = out.path().join(format!("export-{expected}.mbox"));
        let said = inbox.ok(&[
            "export",
            "--format",
            "mbox",
            "--account",
            account,
            "--output",
            target.to_str().expect("utf-8"),
        ]);
        assert!(
            said.contains(&format!("exported {expected} messages")),
            "{account}: {said}"
        );
    }
}
