//! The Dovecot test server the tests of inbox talk to, and a plain IMAP
//! client to arrange what a connector sees (feature `testing`).
//!
//! The server is the one started by `start.sh DIR` of the Dovecot test peer,
//! DIR being `$INBOX_TEST_DOVECOT_DIR` (default `/tmp/inbox-dovecot`): IMAP
//! on 127.0.0.1:10143 (plain and STARTTLS), 10993 (implicit TLS), its
//! self-signed certificate in `DIR/ssl/cert.pem`. Every test works in its
//! own folders named `t-<test>-<pid>-<nanos>` under alice and deletes them.
//! Test support: failures panic with what to do. A test that needs the
//! server starts with `let Some(()) = dovecot() else { return };`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use async_imap::Session;
use futures_util::TryStreamExt;
use tokio::net::TcpStream;

pub const HOST: &str = "127.0.0.1";
pub const PLAIN_PORT: u16 = 10143;
pub const TLS_PORT: u16 = 10993;
pub const USER: &str = "alice";
pub const PASSWORD: &str = "alicepass";

/// The server's directory (config, certificate, mail).
pub fn server_dir() -> PathBuf {
    std::env::var_os("INBOX_TEST_DOVECOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/inbox-dovecot"))
}

/// The server's self-signed certificate.
pub fn cert() -> PathBuf {
    server_dir().join("ssl/cert.pem")
}

/// Whether the test server can be used: `Some(())` when it answers on
/// [`HOST`]:[`PLAIN_PORT`] and its certificate is in [`server_dir`]; else
/// `None` after [`skip`](inbox_connector_api::testing::skip) says why.
pub fn dovecot() -> Option<()> {
    match unavailable((HOST, PLAIN_PORT), &cert()) {
        None => Some(()),
        Some(reason) => inbox_connector_api::testing::skip(&reason),
    }
}

/// Why the server at `address` with certificate `cert` cannot be used, if it cannot.
fn unavailable(address: (&str, u16), cert: &Path) -> Option<String> {
    let start = || {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers/dovecot/start.sh");
        format!(
            "start it with `bash {} {}`, or set INBOX_TEST_DOVECOT_DIR to its directory",
            script.display(),
            server_dir().display()
        )
    };
    let reachable = std::net::ToSocketAddrs::to_socket_addrs(&address)
        .ok()
        .and_then(|mut addresses| addresses.next())
        .is_some_and(|socket| {
            std::net::TcpStream::connect_timeout(&socket, std::time::Duration::from_secs(2)).is_ok()
        });
    if !reachable {
        return Some(format!(
            "the Dovecot test server is not reachable at {}:{} ({})",
            address.0,
            address.1,
            start()
        ));
    }
    if !cert.is_file() {
        return Some(format!(
            "the Dovecot test server's certificate is missing at {} ({})",
            cert.display(),
            start()
        ));
    }
    None
}

/// A unique folder prefix for one test.
pub fn prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("t-{test}-{}-{nanos}", std::process::id())
}

/// A plain-text IMAP session as alice, to arrange what the connector sees.
pub struct Admin {
    session: Session<TcpStream>,
    prefix: String,
    /// Whether a folder is selected.
    selected: bool,
}

impl Admin {
    /// Logs in; fails with instructions when the server is not running.
    pub async fn connect(prefix: &str) -> Admin {
        let tcp = TcpStream::connect((HOST, PLAIN_PORT))
            .await
            .unwrap_or_else(|error| {
                let script = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../../shared/peers/dovecot/start.sh");
                panic!(
                    "the Dovecot test server is not reachable at {HOST}:{PLAIN_PORT} ({error}); \
                 start it with `bash {} {}` (or set INBOX_TEST_DOVECOT_DIR to its directory)",
                    script.display(),
                    server_dir().display()
                )
            });
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap().expect("greeting");
        let session = client
            .login(USER, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        Admin {
            session,
            prefix: prefix.to_owned(),
            selected: false,
        }
    }

    /// Creates `prefix/name` (with parents) and returns its name.
    pub async fn create(&mut self, name: &str) -> String {
        let folder = format!("{}/{name}", self.prefix);
        match self.session.create(&folder).await {
            Ok(()) => {}
            // Only this test creates folders under its prefix: Dovecot says
            // so when CREATEs of other tests race with ours (seen with
            // Maildir++), and the folder is there.
            Err(error) if error.to_string().contains("ALREADYEXISTS") => {}
            Err(error) => panic!("cannot create {folder}: {error}"),
        }
        folder
    }

    /// Appends `bytes` with `flags` (e.g. `(\Seen)`) and a fixed internal date.
    pub async fn append(&mut self, folder: &str, bytes: &[u8], flags: &str) {
        self.session
            .append(
                folder,
                Some(flags),
                Some("\"01-Jan-2024 10:00:00 +0000\""),
                bytes,
            )
            .await
            .unwrap();
    }

    /// The UIDVALIDITY of `folder`.
    pub async fn uidvalidity(&mut self, folder: &str) -> u32 {
        self.select(folder).await.uid_validity.unwrap()
    }

    /// The system flags of every message in `folder`, by UID.
    pub async fn flags(&mut self, folder: &str) -> BTreeMap<u32, Vec<String>> {
        self.select(folder).await;
        let fetches: Vec<_> = self
            .session
            .uid_fetch("1:*", "(UID FLAGS)")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        fetches
            .iter()
            .map(|f| {
                let flags = f.flags().map(|flag| format!("{flag:?}")).collect();
                (f.uid.unwrap(), flags)
            })
            .collect()
    }

    /// Runs `UID STORE uid operation` in `folder`.
    pub async fn store(&mut self, folder: &str, uid: u32, operation: &str) {
        self.select(folder).await;
        let _: Vec<_> = self
            .session
            .uid_store(uid.to_string(), operation)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
    }

    /// Deletes message `uid` from `folder` for good.
    pub async fn expunge(&mut self, folder: &str, uid: u32) {
        self.store(folder, uid, "+FLAGS.SILENT (\\Deleted)").await;
        let _: Vec<_> = self
            .session
            .uid_expunge(uid.to_string())
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
    }

    /// The UIDs in `folder` of messages whose Message-ID header holds `id`.
    pub async fn find(&mut self, folder: &str, id: &str) -> Vec<u32> {
        self.select(folder).await;
        let mut uids: Vec<u32> = self
            .session
            .uid_search(format!("HEADER Message-ID {id:?}"))
            .await
            .unwrap()
            .into_iter()
            .collect();
        uids.sort_unstable();
        uids
    }

    /// Deletes `folder` (it must have no children).
    pub async fn delete(&mut self, folder: &str) {
        self.unselect().await;
        self.session.delete(folder).await.unwrap();
    }

    /// Selects `folder`.
    async fn select(&mut self, folder: &str) -> async_imap::types::Mailbox {
        let mailbox = self.session.select(folder).await.unwrap();
        self.selected = true;
        mailbox
    }

    /// Closes the selected folder, if any. (A CLOSE answered `BAD` because
    /// nothing is selected leaves async-imap reading the next command's
    /// answer early: a following DELETE then seems done before it is.)
    async fn unselect(&mut self) {
        if std::mem::take(&mut self.selected) {
            self.session.close().await.unwrap();
        }
    }

    /// Deletes every folder of this test and logs out.
    pub async fn cleanup(mut self) {
        self.unselect().await;
        let pattern = format!("{}*", self.prefix);
        let names: Vec<_> = self
            .session
            .list(Some(""), Some(&pattern))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        // Parents created implicitly (`\Noselect`) vanish with their children.
        let mut names: Vec<String> = names
            .iter()
            .filter(|n| {
                let attributes = format!("{:?}", n.attributes());
                !attributes.contains("NoSelect") && !attributes.contains("NonExistent")
            })
            .map(|n| n.name().to_owned())
            .collect();
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        for name in names {
            self.session.delete(&name).await.unwrap();
        }
        self.session.logout().await.ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_does_not_answer_is_unavailable() {
        // A port just freed: nothing listens there.
        let port = std::net::TcpListener::bind((HOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let reason = unavailable((HOST, port), &cert()).unwrap();
        assert!(reason.contains("not reachable"), "{reason}");
        assert!(reason.contains("start.sh"), "{reason}");
    }

    #[test]
    fn a_missing_certificate_makes_a_listening_server_unavailable() {
        let listener = std::net::TcpListener::bind((HOST, 0)).unwrap();
        let address = (HOST, listener.local_addr().unwrap().port());
        let reason = unavailable(address, Path::new("/nonexistent/cert.pem")).unwrap();
        assert!(reason.contains("certificate is missing"), "{reason}");
        let cert = std::env::current_exe().unwrap();
        assert_eq!(unavailable(address, &cert), None);
    }

    #[test]
    fn a_skip_returns_none_unless_strict() {
        // The suite may run strict; the non-strict path is what this checks.
        if std::env::var_os(inbox_connector_api::testing::STRICT).is_some() {
            return;
        }
        assert_eq!(inbox_connector_api::testing::skip::<()>("a reason"), None);
    }
}
