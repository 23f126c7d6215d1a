//! Where inbox keeps its files: `$INBOX_HOME` when set, else the XDG data
//! and config directories (`~/.local/share/inbox`, `~/.config/inbox`).
//! The daemon's socket lives in `$INBOX_HOME/run`, else
//! `$XDG_RUNTIME_DIR/inbox`, else `<data dir>/run`.
//!
//! Only trusted directories are used: owned by the user and writable by
//! nobody else ([`trusted_dir`]); directories are created 0700. Where a
//! file or directory of inbox's belongs, a symbolic link is refused, never
//! followed ([`open_options`], [`own_dir`]): whoever planted it would read
//! or redirect what is written there.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why inbox will not use a directory or file where its data belongs.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("no home directory found: set INBOX_HOME to the directory inbox should use")]
    NoHome,
    #[error("refusing to use {}: {problem}; {fix}", dir.display())]
    Untrusted {
        dir: PathBuf,
        problem: String,
        fix: String,
    },
    #[error(
        "{} is a symbolic link where inbox keeps its own files; inbox does not follow it: \
         move it away, then run the command again",
        path.display()
    )]
    Link { path: PathBuf },
    #[error(
        "no messages yet in {}: run `inbox import PATH` or `inbox sync` first",
        dir.display()
    )]
    NoData { dir: PathBuf },
    #[error("cannot create the directory {}: {source}", dir.display())]
    Create { dir: PathBuf, source: io::Error },
    #[error("cannot inspect {}: {source}", path.display())]
    Inspect { path: PathBuf, source: io::Error },
}

/// The data and config directories of one inbox.
#[derive(Clone, Debug)]
pub struct Home {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    /// Where the daemon's socket lives.
    pub run_dir: PathBuf,
}

impl Home {
    /// `$INBOX_HOME` (data and config in one directory), else the XDG
    /// directories; refuses those that exist but are not trusted.
    pub fn from_env() -> Result<Home, HomeError> {
        let home = Home::locate()?;
        home.check()?;
        Ok(home)
    }

    fn locate() -> Result<Home, HomeError> {
        if let Some(dir) = std::env::var_os("INBOX_HOME").filter(|dir| !dir.is_empty()) {
            return Ok(Home::at(Path::new(&dir)));
        }
        let dirs = directories::ProjectDirs::from("", "", "inbox").ok_or(HomeError::NoHome)?;
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

    /// Refuses a data or config directory that exists but is not trusted.
    pub fn check(&self) -> Result<(), HomeError> {
        trusted_dir(&self.data_dir)?;
        trusted_dir(&self.config_dir)?;
        Ok(())
    }

    /// Creates the data directory, readable by its owner only; refuses an
    /// existing one that is not trusted.
    pub fn create(&self) -> Result<(), HomeError> {
        if !trusted_dir(&self.data_dir)? {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&self.data_dir)
                .map_err(|source| HomeError::Create {
                    dir: self.data_dir.clone(),
                    source,
                })?;
            trusted_dir(&self.data_dir)?;
        }
        Ok(())
    }

    /// For commands that only read: the store must exist already, so that
    /// reading creates nothing.
    pub fn require_data(&self) -> Result<(), HomeError> {
        let store = self.store_path();
        match fs::symlink_metadata(&store) {
            Ok(metadata) if metadata.is_symlink() => Err(HomeError::Link { path: store }),
            Ok(_) => trusted_dir(&self.data_dir).map(drop),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Err(HomeError::NoData {
                dir: self.data_dir.clone(),
            }),
            Err(source) => Err(HomeError::Inspect {
                path: store,
                source,
            }),
        }
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

/// Whether `dir` exists; an error when it exists but is not a directory
/// of the user's own that only the user can write to. A symbolic link to
/// such a directory is accepted when the link is the user's too.
pub fn trusted_dir(dir: &Path) -> Result<bool, HomeError> {
    let inspect = |source| HomeError::Inspect {
        path: dir.to_owned(),
        source,
    };
    let link = match fs::symlink_metadata(dir) {
        Ok(link) => link,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(source) => return Err(inspect(source)),
    };
    let metadata = if link.is_symlink() {
        fs::metadata(dir).map_err(inspect)?
    } else {
        link.clone()
    };
    let me = rustix::process::geteuid().as_raw();
    let shown = dir.display();
    let untrusted = |problem: String, fix: String| {
        Err(HomeError::Untrusted {
            dir: dir.to_owned(),
            problem,
            fix,
        })
    };
    if !metadata.is_dir() {
        let fix = "set INBOX_HOME to a directory of your own".to_owned();
        return untrusted("it is not a directory".into(), fix);
    }
    if link.is_symlink() && link.uid() != me {
        let problem = format!(
            "it is a symbolic link owned by another user (uid {}), who can point it elsewhere",
            link.uid()
        );
        return untrusted(
            problem,
            "remove the link, or set INBOX_HOME to a directory of your own".into(),
        );
    }
    if metadata.uid() != me {
        let problem = format!(
            "it belongs to another user (uid {}), not to you (uid {me})",
            metadata.uid()
        );
        let fix = format!(
            "set INBOX_HOME to a directory of your own, or make this one yours and private: \
             `chown {me} {shown} && chmod 700 {shown}`"
        );
        return untrusted(problem, fix);
    }
    let mode = metadata.mode() & 0o7777;
    if mode & 0o022 != 0 {
        let problem = format!("other users can write to it (mode {mode:04o})");
        let fix = if mode & 0o1000 != 0 {
            // Sticky: a shared directory such as /tmp, not to be made private.
            "it is a shared directory: set INBOX_HOME to a directory of your own, such as \
             $HOME/.inbox or one made by `mktemp -d`"
                .to_owned()
        } else {
            format!("make it private: `chmod 700 {shown}`")
        };
        return untrusted(problem, fix);
    }
    Ok(true)
}

/// Creates `dir` (0700, with missing parents) unless it exists; refuses a
/// symbolic link or another kind of file in its place.
pub fn own_dir(dir: &Path) -> Result<(), HomeError> {
    match fs::symlink_metadata(dir) {
        Ok(metadata) if metadata.is_symlink() => Err(HomeError::Link {
            path: dir.to_owned(),
        }),
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(HomeError::Create {
            dir: dir.to_owned(),
            source: io::Error::new(io::ErrorKind::AlreadyExists, "a file is in its place"),
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| HomeError::Create {
                dir: dir.to_owned(),
                source,
            }),
        Err(source) => Err(HomeError::Inspect {
            path: dir.to_owned(),
            source,
        }),
    }
}

/// `OpenOptions` that refuse a symbolic link as the file opened
/// (`O_NOFOLLOW`); open with [`open_own`] for a clear error.
pub fn open_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    options
}

/// Opens `path` with `options` (from [`open_options`]); a refused link
/// gives an error that says so.
pub fn open_own(options: &OpenOptions, path: &Path) -> io::Result<fs::File> {
    options.open(path).map_err(|error| {
        if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            io::Error::other(HomeError::Link {
                path: path.to_owned(),
            })
        } else {
            error
        }
    })
}

/// The bytes of one of inbox's own files, never read through a link.
pub fn read_own_bytes(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut open_own(open_options().read(true), path)?, &mut bytes)?;
    Ok(bytes)
}

/// The text of one of inbox's own files, never read through a link.
pub fn read_own(path: &Path) -> io::Result<String> {
    String::from_utf8(read_own_bytes(path)?)
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
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

    fn chmod(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
    }

    #[test]
    fn only_a_private_directory_of_the_users_own_is_trusted() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("inbox");
        assert!(!trusted_dir(&dir).expect("missing is fine"));
        fs::create_dir(&dir).expect("mkdir");
        for mode in [0o700, 0o750, 0o755] {
            chmod(&dir, mode);
            assert!(trusted_dir(&dir).expect("trusted"), "mode {mode:o}");
        }
        for mode in [0o777, 0o770, 0o720, 0o1777] {
            chmod(&dir, mode);
            let error = trusted_dir(&dir).expect_err("others can write");
            let message = error.to_string();
            assert!(message.contains("other users can write to it"), "{message}");
            let fix = match mode {
                0o1777 => "it is a shared directory: set INBOX_HOME".to_owned(),
                _ => format!("chmod 700 {}", dir.display()),
            };
            assert!(message.contains(&fix), "{message}");
        }
        chmod(&dir, 0o700);
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).expect("symlink");
        assert!(trusted_dir(&link).expect("a link of ours to a trusted directory"));
        let file = root.path().join("file");
        fs::write(&file, "").expect("write");
        assert!(trusted_dir(&file).is_err());
    }

    #[test]
    fn own_dir_creates_a_private_directory_and_refuses_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("a").join("index");
        own_dir(&dir).expect("created");
        let mode = fs::metadata(&dir).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        own_dir(&dir).expect("exists");
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).expect("symlink");
        let error = own_dir(&link).expect_err("a link");
        assert!(matches!(error, HomeError::Link { .. }), "{error}");
    }

    #[test]
    fn own_files_are_not_read_through_a_link() {
        let root = tempfile::tempdir().expect("temp dir");
        let file = root.path().join("config.toml");
        fs::write(&file, "x = 1\n").expect("write");
        assert_eq!(read_own(&file).expect("read"), "x = 1\n");
        let link = root.path().join("rules.toml");
        std::os::unix::fs::symlink(&file, &link).expect("symlink");
        let error = read_own(&link).expect_err("a link");
        assert!(error.to_string().contains("is a symbolic link"), "{error}");
    }

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
