//! Where inbox keeps its files: `$INBOX_HOME` when set, else the XDG data
//! and config directories (`~/.local/share/inbox`, `~/.config/inbox`).

use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// The data and config directories of one inbox.
#[derive(Clone, Debug)]
pub struct Home {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
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
        Ok(Home {
            data_dir: dirs.data_dir().to_owned(),
            config_dir: dirs.config_dir().to_owned(),
        })
    }

    /// Data and config both in `dir`.
    pub fn at(dir: &Path) -> Home {
        Home {
            data_dir: dir.to_owned(),
            config_dir: dir.to_owned(),
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

    /// The tantivy index directory.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }
}
