//! What an IMAP account needs: server, security, credentials, folder choice.

use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;

/// How the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (usually port 993).
    Implicit,
    /// Plain connection upgraded with `STARTTLS` before login (usually port 143);
    /// fails when the server does not offer it.
    StartTls,
    /// No encryption at all: the password crosses the network in clear.
    /// Only for servers on the same machine or a trusted network.
    None,
}

/// One IMAP account.
#[derive(Clone)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: String,
    pub password: SecretString,
    /// A PEM file of extra trusted certificates (a private CA or a
    /// self-signed server certificate), on top of the system's roots.
    pub tls_ca_file: Option<PathBuf>,
    /// Folder globs to sync (`*` any run of characters, `/` included, `?`
    /// one character, matched on the whole `/`-separated name, so `Trash`
    /// is not `INBOX/Trash`); empty means every folder.
    pub include: Vec<String>,
    /// Folder globs to skip, applied after `include`.
    pub exclude: Vec<String>,
}

impl ImapSettings {
    /// Whether `folder` (a `/`-separated name) is to be synced.
    pub fn wants_folder(&self, folder: &str) -> bool {
        let included =
            self.include.is_empty() || self.include.iter().any(|glob| matches(glob, folder));
        included && !self.exclude.iter().any(|glob| matches(glob, folder))
    }

    /// `host:port`, for messages.
    pub(crate) fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &"[redacted]")
            .field("tls_ca_file", &self.tls_ca_file)
            .field("include", &self.include)
            .field("exclude", &self.exclude)
            .finish()
    }
}

/// Whether `text` matches `glob` (`*` any run, `?` one character).
fn matches(glob: &str, text: &str) -> bool {
    let glob: Vec<char> = glob.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut g, mut t) = (0, 0);
    // Where the last `*` was, and the text position it currently covers up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match glob.get(g) {
            Some('*') => {
                star = Some((g, t));
                g += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                g += 1;
                t += 1;
            }
            _ => match star {
                Some((star_g, star_t)) => {
                    star = Some((star_g, star_t + 1));
                    g = star_g + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    glob[g..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(include: &[&str], exclude: &[&str]) -> ImapSettings {
        ImapSettings {
            host: "imap.example.org".into(),
            port: 993,
            tls: TlsMode::Implicit,
            user: "me".into(),
            password: SecretString::from("hunter2"),
            tls_ca_file: None,
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn globs() {
        assert!(matches("*", ""));
        assert!(matches("INBOX", "INBOX"));
        assert!(!matches("INBOX", "INBOX/a"));
        assert!(matches("INBOX*", "INBOX/a/b"));
        assert!(matches("a/*/c", "a/b/x/c"));
        assert!(matches("?ent", "Sent"));
        assert!(!matches("?ent", "Spent"));
        assert!(matches("*a*b", "xxaxxbxab"));
        assert!(!matches("*a*b", "xxaxxbxa"));
        assert!(matches("Ü*", "Über"));
    }

    #[test]
    fn globs_for_servers_that_put_folders_under_inbox() {
        // `*` also covers `/`: a name is matched whole, not level by level.
        assert!(!matches("Trash", "INBOX/Trash"));
        assert!(!matches("*/Trash", "Trash"));
        assert!(matches("*Trash", "INBOX/Trash") && matches("*Trash", "Work/NoTrash"));
        let both = settings(&[], &["Trash", "INBOX/Trash"]);
        assert!(!both.wants_folder("Trash") && !both.wants_folder("INBOX/Trash"));
        assert!(both.wants_folder("INBOX") && both.wants_folder("Work/Trash"));
    }

    #[test]
    fn include_then_exclude() {
        let all = settings(&[], &[]);
        assert!(all.wants_folder("Anything/at/all"));
        let some = settings(&["Work*", "INBOX"], &["Work/Old*"]);
        assert!(some.wants_folder("INBOX"));
        assert!(some.wants_folder("Work/New"));
        assert!(!some.wants_folder("Work/Old/2019"));
        assert!(!some.wants_folder("Junk"));
    }

    #[test]
    fn debug_hides_the_password() {
        let text = format!("{:?}", settings(&[], &[]));
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("redacted"));
    }
}
