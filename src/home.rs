//! Where inbox keeps its files: `$INBOX_HOME` when set, else the XDG data
//! and config directories (`~/.local/share/inbox`, `~/.config/inbox`).
//! The daemon's socket lives in `$INBOX_HOME/run`, else
//! `$XDG_RUNTIME_DIR/inbox`, else `<data dir>/run`.

use std::ffi::OsString;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// The data and config directories of one inbox.
#[derive(Clone, Debug)]
pub struct Home {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    /// Where the daemon's socket lives.
    pub run_dir: PathBuf,
}

impl Home {
    /// `$INBOX_HOME` (data and config in one directory), else the XDG directories.
    pub fn from_env() -> io::Result<Home> {
        if let Some(dir) = std::env::var_os("INBOX_HOME").filter(|dir| !dir.is_empty()) {
            return Ok(Home::at(Path::new(&dir)));
        }
        let dirs = directories::ProjectDirs::from("", "", "inbox").ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no home directory found: set INBOX_HOME to the directory inbox should use",
            )
        })?;
        let data_dir = dirs.data_dir().to_owned();
        Ok(Home {
            run_dir: run_dir(std::env::var_os("XDG_RUNTIME_DIR"), &data_dir),
            config_dir: dirs.config_dir().to_owned(),
            data_dir,
        })
    }

    /// Data, config and socket all in `dir`.
    pub fn at(dir: &Path) -> Home {
        Home {
            data_dir: dir.to_owned(),
            config_dir: dir.to_owned(),
            run_dir: dir.join("run"),
        }
    }

    /// Creates the data directory, readable by its owner only.
    pub fn create(&self) -> io::Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)
    }

    /// The SQLite store.
    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("store.sqlite3")
    }

    /// The configuration file (accounts, vault location).
    pub fn config_path(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// Where the vault is unless the configuration says otherwise.
    pub fn default_vault_path(&self) -> PathBuf {
        self.data_dir.join("vault.age")
    }

    /// Where `inbox vault init --identity` puts a new identity file.
    pub fn default_identity_path(&self) -> PathBuf {
        self.config_dir.join("identity.txt")
    }

    /// The tantivy index directory.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// The daemon's JSON-RPC socket.
    pub fn socket_path(&self) -> PathBuf {
        self.run_dir.join("rpc.sock")
    }
}

/// `$XDG_RUNTIME_DIR/inbox` when that is an absolute path (the XDG spec
/// says to ignore anything else), else `<data dir>/run`.
fn run_dir(xdg_runtime_dir: Option<OsString>, data_dir: &Path) -> PathBuf {
    match xdg_runtime_dir.map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("inbox"),
        _ => data_dir.join("run"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_path_follows_the_home() {
        let home = Home::at(Path::new("/h"));
        assert_eq!(home.socket_path(), Path::new("/h/run/rpc.sock"));
    }

    #[test]
    fn run_dir_prefers_an_absolute_xdg_runtime_dir() {
        let data = Path::new("/data/inbox");
        let runtime = Some(OsString::from("/run/user/1000"));
        assert_eq!(run_dir(runtime, data), Path::new("/run/user/1000/inbox"));
        let relative = Some(OsString::from("run"));
        assert_eq!(run_dir(relative, data), Path::new("/data/inbox/run"));
        assert_eq!(
            run_dir(Some(OsString::new()), data),
            Path::new("/data/inbox/run")
        );
        assert_eq!(run_dir(None, data), Path::new("/data/inbox/run"));
    }
}
