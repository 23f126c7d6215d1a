//! A `TestInbox` in a temporary directory, driven through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub use inbox_connector_api::testing::corpus;

/// An inbox with its own data directory, removed at the end.
pub struct TestInbox {
    dir: tempfile::TempDir,
}

impl TestInbox {
    pub fn new() -> TestInbox {
        TestInbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The data directory; inbox creates it on first use.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }

    /// A file beside (not inside) the data directory, mode 0600.
    pub fn private_file(&self, name: &str, contents: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        path
    }

    /// `inbox ARGS` in this inbox, ready to run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_inbox"));
        command
            .args(args)
            .env("INBOX_HOME", self.home())
            .env_remove("RUST_LOG")
            .env_remove("INBOX_PASSPHRASE_FILE")
            .env("TZ", "UTC");
        command
    }

    /// Runs `inbox ARGS` and returns what it did.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run inbox")
    }

    /// Runs `inbox ARGS` with `input` on standard input.
    pub fn run_with_input(
        &self,
        args: &[&str],
        input: &str,
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut command = self.command(args);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run inbox");
        let mut stdin = child.stdin.take().expect("stdin");
        // The program may exit before reading (an error): ignore a closed pipe.
        let _ = stdin.write_all(input.as_bytes());
        drop(stdin);
        child.wait_with_output().expect("wait for inbox")
    }

    /// Runs `inbox ARGS`, expects success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "inbox {args:?} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// `inbox search --count QUERY`.
    pub fn count(&self, query: &str) -> usize {
        let out = self.ok(&["search", "--count", query]);
        out.trim()
            .parse()
            .unwrap_or_else(|_| panic!("count of {query:?}: {out:?}"))
    }

    /// `inbox import PATH --account ACCOUNT`, returning the summary numbers.
    pub fn import(&self, path: &Path, account: &str) -> ImportSummary {
        let out = self.ok(&[
            "import",
            path.to_str().expect("utf-8 path"),
            "--account",
            account,
        ]);
        ImportSummary::parse(&out)
    }
}

/// The numbers of `inbox import`'s summary line.
#[derive(Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub imported: u64,
    pub duplicates: u64,
    pub flag_changes: u64,
    pub with_problems: u64,
    pub skipped: u64,
}

impl ImportSummary {
    fn parse(out: &str) -> ImportSummary {
        let line = out
            .lines()
            .find(|l| l.starts_with("imported "))
            .unwrap_or_else(|| panic!("no summary in {out:?}"));
        let numbers: Vec<u64> = line
            .split(|c: char| !c.is_ascii_digit() && c != '.')
            .filter(|w| !w.is_empty() && !w.contains('.'))
            .map(|w| w.parse().expect("number"))
            .collect();
        ImportSummary {
            imported: numbers[0],
            duplicates: numbers[1],
            flag_changes: numbers[2],
            with_problems: numbers[3],
            skipped: numbers[4],
        }
    }
}

/// SpamAssassin and Enron imported once, shared by the read-only tests;
/// `None` when the corpus is missing (the test is skipped).
pub fn mail_corpus() -> Option<&'static TestInbox> {
    static INBOX: OnceLock<TestInbox> = OnceLock::new();
    let corpus = corpus()?;
    Some(INBOX.get_or_init(|| {
        let inbox = TestInbox::new();
        inbox.import(&corpus.join("spamassassin"), "spamassassin");
        inbox.import(&corpus.join("enron-sample"), "enron");
        inbox
    }))
}

/// Message files under `dir` in Maildir `cur/` and `new/` directories, per folder
/// (relative path of the maildir), counted straight from the file system.
pub fn maildir_files(dir: &Path) -> std::collections::BTreeMap<String, u64> {
    let mut counts = std::collections::BTreeMap::new();
    walk(dir, dir, &mut counts);
    counts
}

fn walk(root: &Path, dir: &Path, counts: &mut std::collections::BTreeMap<String, u64>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name = entry.file_name();
        if name == "cur" || name == "new" {
            let folder = dir
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            *counts.entry(folder).or_default() +=
                std::fs::read_dir(&path).expect("read dir").count() as u64;
        } else if name != "tmp" {
            walk(root, &path, counts);
        }
    }
}
