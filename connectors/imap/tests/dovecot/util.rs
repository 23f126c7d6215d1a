//! Helpers over the Dovecot test server of `inbox_connector_imap::testing`.

use std::collections::{BTreeMap, BTreeSet};

use inbox_connector_api::testing::RecordingSink;
use inbox_connector_api::{Connector, Flags, Location};
use inbox_connector_imap::{ImapConnector, ImapSettings, TlsMode};
use secrecy::SecretString;

pub use inbox_connector_imap::testing::*;

/// Settings for alice over implicit TLS, trusting the test certificate,
/// seeing only folders under `prefix`.
pub fn settings(prefix: &str) -> ImapSettings {
    ImapSettings {
        host: HOST.into(),
        port: TLS_PORT,
        tls: TlsMode::Implicit,
        user: USER.into(),
        password: SecretString::from(PASSWORD),
        tls_ca_file: Some(cert()),
        include: vec![format!("{prefix}*")],
        exclude: Vec::new(),
    }
}

/// Syncs `settings` into `sink` from its last committed cursor.
pub async fn sync(settings: &ImapSettings, sink: &mut RecordingSink) {
    let cursor = sink.cursor().clone();
    ImapConnector::new(settings.clone())
        .sync(&cursor, sink)
        .await
        .expect("sync succeeds");
}

/// A small message with CRLF line ends, as IMAP stores them.
pub fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n\
         Hello {subject}.\r\n"
    )
    .into_bytes()
}

/// `bytes` with every line ending in CRLF.
pub fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' && (index == 0 || bytes[index - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

pub use inbox_connector_api::testing::corpus;

/// Stored `(folder, remote id)` pairs.
pub fn stored(sink: &RecordingSink) -> BTreeSet<(String, String)> {
    sink.stored()
        .keys()
        .map(|l| (l.folder.clone(), l.remote_id.clone()))
        .collect()
}

/// Bytes of every new item, per folder, in delivery order.
pub fn bodies(sink: &RecordingSink) -> BTreeMap<String, Vec<Vec<u8>>> {
    let mut out: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
    for item in sink.new_items() {
        out.entry(item.location.folder.clone())
            .or_default()
            .push(item.bytes.clone());
    }
    out
}

pub fn location(folder: &str, remote_id: &str) -> Location {
    Location {
        folder: folder.into(),
        remote_id: remote_id.into(),
    }
}

/// Flags with only `seen` / `flagged` set as given.
pub fn flags(seen: bool, flagged: bool) -> Flags {
    Flags {
        seen,
        flagged,
        ..Flags::default()
    }
}
