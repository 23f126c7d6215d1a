//! The configuration file, `config.toml` in the config directory: where the
//! vault is and the non-secret settings of each account. Secrets never go
//! here: an account names its entry in the vault instead.
//!
//! ```toml
//! [vault]
//! identity = "/home/me/.config/inbox/identity.txt"   # unattended unlock
//!
//! [accounts.work]
//! kind = "imap"
//! host = "imap.example.com"
//! port = 993
//! user = "me@example.com"
//! tls = "implicit"
//! vault_entry = "work"
//! remote_erase = "trash"        # erase --remote moves to Trash (default "expunge")
//! retention = "1y"              # erase messages dated over a year ago
//!
//! [accounts.work.retention_folders]
//! Trash = "30d"                 # this folder's own period
//! ```
//!
//! Reading uses serde; adding and removing accounts edits the document in
//! place, so the user's comments and layout survive.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::home::{own_dir, read_own};
use crate::retention::Retention;

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub vault: VaultConfig,
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountConfig>,
}

/// Where the vault is and how to unlock it without a prompt.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// The vault file; default `vault.age` in the data directory.
    pub path: Option<PathBuf>,
    /// An age identity file that unlocks the vault (for unattended starts).
    pub identity: Option<PathBuf>,
}

/// One configured account.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AccountConfig {
    Imap(ImapAccount),
    X(XAccount),
}

impl AccountConfig {
    /// `imap` or `x`, as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            AccountConfig::Imap(_) => "imap",
            AccountConfig::X(_) => "x",
        }
    }

    /// The vault entry holding this account's secrets.
    pub fn vault_entry(&self) -> &str {
        match self {
            AccountConfig::Imap(imap) => &imap.vault_entry,
            AccountConfig::X(x) => &x.vault_entry,
        }
    }

    /// A one-line description without secrets (`me on host:993 (implicit TLS)`).
    pub fn describe(&self) -> String {
        match self {
            AccountConfig::Imap(imap) => {
                format!(
                    "{} on {}:{} ({})",
                    imap.user, imap.host, imap.port, imap.tls
                )
            }
            AccountConfig::X(x) => format!("{} ({})", x.api_base, x.auth),
        }
    }
}

/// Settings of an IMAP account. The password is in the vault, field `password`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImapAccount {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub tls: TlsMode,
    /// Extra CA certificate (PEM) to trust, e.g. for a self-signed server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ca_file: Option<PathBuf>,
    /// Folder globs to sync (`*` and `?`); empty means every folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Folder globs to leave out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Seconds between polls when the server offers no IDLE.
    #[serde(default = "default_poll_interval")]
    pub poll_interval: u64,
    pub vault_entry: String,
    /// How `inbox erase --remote` deletes server copies.
    #[serde(default, skip_serializing_if = "RemoteErase::is_default")]
    pub remote_erase: RemoteErase,
    /// How long messages are kept (`90d`, `12w`, `6m`, `2y`); see `retention`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
    /// Retention per folder, overriding `retention` for the folders named.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retention_folders: BTreeMap<String, String>,
}

/// How an IMAP account's server copies are deleted by `inbox erase --remote`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteErase {
    /// Removed at once (`UID EXPUNGE`); moved to Trash if the server cannot.
    #[default]
    Expunge,
    /// Moved to the server's Trash folder.
    Trash,
}

impl RemoteErase {
    fn is_default(&self) -> bool {
        *self == RemoteErase::default()
    }
}

/// How an IMAP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (port 993).
    Implicit,
    /// Plain connection upgraded with STARTTLS (port 143); refused if the server can't.
    Starttls,
    /// No encryption at all: only for servers on this machine.
    None,
}

impl TlsMode {
    /// The usual port for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::Implicit => 993,
            TlsMode::Starttls | TlsMode::None => 143,
        }
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsMode::Implicit => "implicit TLS",
            TlsMode::Starttls => "STARTTLS",
            TlsMode::None => "no TLS",
        })
    }
}

/// Settings of an X (Twitter) account; tokens are in the vault.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct XAccount {
    #[serde(default = "default_api_base")]
    pub api_base: String,
    pub auth: XAuth,
    /// The OAuth 2.0 client id (public; needed to refresh tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Seconds between polls.
    #[serde(default = "default_x_poll_interval")]
    pub poll_interval: u64,
    pub vault_entry: String,
    /// How long direct messages are kept (`90d`, `12w`, `6m`, `2y`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<String>,
    /// Retention per conversation id, overriding `retention`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retention_folders: BTreeMap<String, String>,
}

/// How an X account signs its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum XAuth {
    /// OAuth 2.0 user context: vault fields `access_token`, `refresh_token`
    /// (and `client_secret` for confidential clients).
    Oauth2,
    /// OAuth 1.0a user context: vault fields `consumer_key`, `consumer_secret`,
    /// `access_token`, `access_token_secret`.
    Oauth1,
}

impl XAuth {
    /// The vault fields this method needs, then the optional ones.
    pub fn fields(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            XAuth::Oauth2 => (&["access_token", "refresh_token"], &["client_secret"]),
            XAuth::Oauth1 => (
                &[
                    "consumer_key",
                    "consumer_secret",
                    "access_token",
                    "access_token_secret",
                ],
                &[],
            ),
        }
    }
}

impl fmt::Display for XAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            XAuth::Oauth2 => "OAuth 2.0",
            XAuth::Oauth1 => "OAuth 1.0a",
        })
    }
}

fn default_poll_interval() -> u64 {
    300
}

fn default_x_poll_interval() -> u64 {
    60
}

/// The X API address used unless an account says otherwise.
pub fn default_api_base() -> String {
    "https://api.x.com".to_owned()
}

/// Reading or writing the configuration failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("account name {0:?} is not allowed: use letters, digits, '.', '_' and '-'")]
    BadName(String),
}

impl Config {
    /// Reads the file at `path`; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match read_own(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let config: Config = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        for (name, account) in &config.accounts {
            Retention::of(name, account).map_err(|message| ConfigError::Invalid {
                path: path.to_owned(),
                message,
            })?;
        }
        Ok(config)
    }
}

/// An edit of the configuration file that keeps its comments and layout.
pub struct ConfigEdit {
    path: PathBuf,
    document: toml_edit::DocumentMut,
}

impl ConfigEdit {
    /// Reads the file at `path` (missing: empty) for editing.
    pub fn open(path: &Path) -> Result<ConfigEdit, ConfigError> {
        // Validate with the same rules as `Config::load` before changing anything.
        Config::load(path)?;
        let text = read_own(path).unwrap_or_default();
        let document = text
            .parse()
            .map_err(|e: toml_edit::TomlError| ConfigError::Invalid {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        Ok(ConfigEdit {
            path: path.to_owned(),
            document,
        })
    }

    /// Adds or replaces `[accounts.NAME]`.
    pub fn set_account(&mut self, name: &str, account: &AccountConfig) -> Result<(), ConfigError> {
        check_account_name(name)?;
        let text = toml::to_string(account).map_err(|e| self.invalid(e.to_string()))?;
        let table: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| self.invalid(e.to_string()))?;
        let accounts = self.accounts_table()?;
        accounts.insert(name, toml_edit::Item::Table(table.as_table().clone()));
        Ok(())
    }

    /// Removes `[accounts.NAME]`; returns whether it was there.
    pub fn remove_account(&mut self, name: &str) -> Result<bool, ConfigError> {
        Ok(self.accounts_table()?.remove(name).is_some())
    }

    /// Sets or clears `[vault] identity`.
    pub fn set_identity(&mut self, identity: Option<&Path>) {
        let vault = self.document["vault"].or_insert(toml_edit::table());
        match identity {
            Some(path) => vault["identity"] = toml_edit::value(path.display().to_string()),
            None => {
                if let Some(table) = vault.as_table_like_mut() {
                    table.remove("identity");
                }
            }
        }
    }

    /// Writes the file atomically (temporary file, fsync, rename), mode 0600.
    pub fn save(&self) -> Result<(), ConfigError> {
        let write_error = |source| ConfigError::Write {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        own_dir(dir).map_err(|error| write_error(std::io::Error::other(error)))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(write_error)?;
        tmp.write_all(self.document.to_string().as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(write_error)?;
        tmp.persist(&self.path).map_err(|e| write_error(e.error))?;
        Ok(())
    }

    fn accounts_table(&mut self) -> Result<&mut toml_edit::Table, ConfigError> {
        if !self.document.contains_key("accounts") {
            let mut table = toml_edit::Table::new();
            table.set_implicit(true);
            self.document
                .insert("accounts", toml_edit::Item::Table(table));
        }
        let invalid = self.invalid("`accounts` must be a table".into());
        self.document["accounts"].as_table_mut().ok_or(invalid)
    }

    fn invalid(&self, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            message,
        }
    }
}

/// Account names appear in file names, queries and the vault: keep them plain.
pub fn check_account_name(name: &str) -> Result<(), ConfigError> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > 64 || !name.chars().all(plain) || name.starts_with('-') {
        return Err(ConfigError::BadName(name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imap() -> AccountConfig {
        AccountConfig::Imap(ImapAccount {
            host: "imap.example.com".into(),
            port: 993,
            user: "me@example.com".into(),
            tls: TlsMode::Implicit,
            tls_ca_file: None,
            include: vec![],
            exclude: vec!["Trash".into()],
            poll_interval: 300,
            vault_entry: "work".into(),
            remote_erase: RemoteErase::Trash,
            retention: Some("1y".into()),
            retention_folders: [("Trash".to_owned(), "30d".to_owned())].into(),
        })
    }

    #[test]
    fn edits_keep_comments_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "# my settings\n[vault]\n# unattended\nidentity = \"/k\"\n",
        )
        .unwrap();
        let mut edit = ConfigEdit::open(&path).unwrap();
        edit.set_account("work", &imap()).unwrap();
        edit.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# my settings\n"), "{text}");
        assert!(text.contains("# unattended"), "{text}");
        let config = Config::load(&path).unwrap();
        assert_eq!(config.accounts["work"], imap());
        assert_eq!(config.vault.identity.as_deref(), Some(Path::new("/k")));

        let mut edit = ConfigEdit::open(&path).unwrap();
        assert!(edit.remove_account("work").unwrap());
        assert!(!edit.remove_account("work").unwrap());
        edit.set_identity(None);
        edit.save().unwrap();
        let config = Config::load(&path).unwrap();
        assert!(config.accounts.is_empty());
        assert!(config.vault.identity.is_none());
    }

    #[test]
    fn typos_and_bad_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[accounts.a]\nkind = \"imap\"\nhots = \"x\"\n").unwrap();
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(error.contains("hots"), "{error}");
        assert!(check_account_name("work-2.old_x").is_ok());
        for bad in ["", "a b", "a/b", "-rf", "ü"] {
            assert!(check_account_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_retention_is_refused_with_the_account_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let account = "[accounts.home]\nkind = \"x\"\nauth = \"oauth1\"\nvault_entry = \"home\"\n";
        std::fs::write(&path, format!("{account}retention = \"90 days\"\n")).unwrap();
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("\"home\"") && error.contains("90 days"),
            "{error}"
        );
        let folders = "[accounts.home.retention_folders]\n\"123-456\" = \"0d\"\n";
        std::fs::write(&path, format!("{account}{folders}")).unwrap();
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(error.contains("123-456"), "{error}");
        std::fs::write(
            &path,
            format!("{account}retention = \"2y\"\n{folders}").replace("0d", "6w"),
        )
        .unwrap();
        assert!(Config::load(&path).is_ok());
    }

    #[test]
    fn missing_file_is_empty() {
        let config = Config::load(Path::new("/nonexistent/inbox/config.toml")).unwrap();
        assert!(config.accounts.is_empty());
    }
}
