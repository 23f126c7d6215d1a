//! Everything `inbox` and `inboxd` write is private to their owner, even
//! when started with umask 000, in the XDG layout where data, configuration
//! and the daemon's socket live in three places: after an import, spam and
//! learned-tag training, a vault with an identity and a running daemon,
//! every directory of theirs is 0700 and every file 0600 (store, index,
//! models, vault, identity, lock file and socket alike).

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::daemon_process::{eventually, signal, wait_exit};
use crate::util::corpus;

/// A temporary home with XDG data, config and runtime directories that,
/// like real ones, others may read.
struct XdgHome {
    root: tempfile::TempDir,
}

impl XdgHome {
    fn new() -> XdgHome {
        let root = tempfile::tempdir().expect("temp dir");
        for name in ["home", "data", "config", "runtime"] {
            let dir = root.path().join(name);
            std::fs::create_dir(&dir).expect("mkdir");
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        XdgHome { root }
    }

    /// `<name>/inbox`: where inbox keeps its files of that kind.
    fn inbox_dir(&self, name: &str) -> PathBuf {
        self.root.path().join(name).join("inbox")
    }

    /// `program ARGS` under umask 000 with only the XDG variables to go by.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut command = Command::new("sh");
        command
            .args(["-c", "umask 000 && exec \"$@\"", "sh", program])
            .args(args)
            .env_remove("INBOX_HOME")
            .env_remove("INBOX_PASSPHRASE_FILE")
            .env_remove("RUST_LOG");
        for (variable, name) in [
            ("HOME", "home"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_RUNTIME_DIR", "runtime"),
        ] {
            command.env(variable, self.root.path().join(name));
        }
        command
    }

    fn inbox(&self, args: &[&str]) {
        let out = self
            .command(env!("CARGO_BIN_EXE_inbox"), args)
            .output()
            .expect("run inbox");
        assert!(
            out.status.success(),
            "inbox {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A path, whether it is a directory, and its permission bits.
struct Entry {
    path: PathBuf,
    is_dir: bool,
    mode: u32,
}

impl Entry {
    fn of(path: PathBuf) -> Entry {
        let metadata = std::fs::symlink_metadata(&path).expect("metadata");
        Entry {
            is_dir: metadata.is_dir(),
            mode: metadata.permissions().mode() & 0o7777,
            path,
        }
    }
}

/// `dir` and everything under it.
fn entries(dir: PathBuf, out: &mut Vec<Entry>) {
    let entry = Entry::of(dir);
    if entry.is_dir {
        for child in std::fs::read_dir(&entry.path).expect("read dir").flatten() {
            entries(child.path(), out);
        }
    }
    out.push(entry);
}

#[test]
fn files_and_directories_of_inbox_and_inboxd_are_private() {
    let Some(corpus) = corpus() else { return };
    let home = XdgHome::new();
    let mail = corpus.join("spamassassin");
    for (folder, account) in [("hard_ham", "ham"), ("spam", "spam")] {
        let path = mail.join(folder);
        home.inbox(&["import", path.to_str().unwrap(), "--account", account]);
    }
    home.inbox(&["tag", "+spam", "--", "account:spam"]);
    home.inbox(&["spam", "train"]);
    home.inbox(&["tag", "+mine", "--", "account:ham"]);
    home.inbox(&["tags", "learn", "mine"]);
    home.inbox(&["vault", "init", "--identity"]);

    let socket = home.inbox_dir("runtime").join("rpc.sock");
    let mut daemon = home
        .command(env!("CARGO_BIN_EXE_inboxd"), &[])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start inboxd");
    eventually("the daemon's socket", || {
        std::os::unix::net::UnixStream::connect(&socket).ok()
    });
    let is_socket = std::fs::symlink_metadata(&socket)
        .expect("socket metadata")
        .file_type()
        .is_socket();

    let mut found = Vec::new();
    for kind in ["data", "config", "runtime"] {
        entries(home.inbox_dir(kind), &mut found);
    }
    signal(&daemon, "-TERM");
    assert!(wait_exit(&mut daemon).success(), "inboxd stops cleanly");

    assert!(is_socket, "{} is not a socket", socket.display());
    let open: Vec<String> = found
        .iter()
        .filter(|entry| entry.mode != if entry.is_dir { 0o700 } else { 0o600 })
        .map(|entry| format!("{:o} {}", entry.mode, entry.path.display()))
        .collect();
    assert!(open.is_empty(), "not private: {open:#?}");
    for expected in [
        "store.sqlite3",
        "meta.json",
        "spam.model",
        "mine.model",
        "vault.age",
        "identity.txt",
        "config.toml",
        "inboxd.lock",
        "rpc.sock",
    ] {
        assert!(
            found.iter().any(|entry| entry.path.ends_with(expected)),
            "no {expected}"
        );
    }
}
