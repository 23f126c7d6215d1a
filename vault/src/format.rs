//! The plaintext inside the age envelope: a small versioned JSON document,
//! `{"format": 1, "entries": {"<account>": {"<field>": "<secret>"}}}`.
//!
//! Every buffer that holds the plaintext is zeroized when dropped.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The newest document format this build reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;

/// Secrets by account, then by field.
pub(crate) type Entries = BTreeMap<String, BTreeMap<String, SecretString>>;

/// Why a plaintext document was not accepted.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// Written by a newer format.
    TooNew(u32),
    /// Not a vault document.
    Malformed,
}

#[derive(Deserialize)]
struct VersionOnly {
    format: u32,
}

#[derive(Deserialize)]
struct DocumentIn {
    format: u32,
    entries: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Serialize)]
struct DocumentOut<'a> {
    format: u32,
    entries: BTreeMap<&'a str, BTreeMap<&'a str, &'a str>>,
}

/// Serializes the entries into a zeroizing buffer, reserved up front so that
/// growing it never leaves a stray copy of a secret in freed memory.
pub(crate) fn encode(entries: &Entries) -> Zeroizing<Vec<u8>> {
    let document = DocumentOut {
        format: FORMAT_VERSION,
        entries: entries
            .iter()
            .map(|(account, fields)| {
                let fields = fields
                    .iter()
                    .map(|(field, secret)| (field.as_str(), secret.expose_secret()))
                    .collect();
                (account.as_str(), fields)
            })
            .collect(),
    };
    // JSON escaping grows a string at most sixfold (`\u0000`).
    let worst_case: usize = entries
        .iter()
        .map(|(account, fields)| {
            8 + 6 * account.len()
                + fields
                    .iter()
                    .map(|(field, secret)| 8 + 6 * (field.len() + secret.expose_secret().len()))
                    .sum::<usize>()
        })
        .sum();
    let mut buffer = Zeroizing::new(Vec::with_capacity(64 + worst_case));
    // Writing plain strings and maps into a Vec cannot fail.
    if serde_json::to_writer(&mut *buffer, &document).is_err() {
        buffer.clear();
    }
    buffer
}

/// Parses a plaintext document, checking its format version first so that a
/// newer document is reported as such even if its layout changed.
pub(crate) fn decode(plaintext: &[u8]) -> Result<Entries, DecodeError> {
    let version: VersionOnly =
        serde_json::from_slice(plaintext).map_err(|_| DecodeError::Malformed)?;
    if version.format > FORMAT_VERSION {
        return Err(DecodeError::TooNew(version.format));
    }
    if version.format == 0 {
        return Err(DecodeError::Malformed);
    }
    let document: DocumentIn =
        serde_json::from_slice(plaintext).map_err(|_| DecodeError::Malformed)?;
    debug_assert_eq!(document.format, version.format);
    Ok(document
        .entries
        .into_iter()
        .map(|(account, fields)| {
            let fields = fields
                .into_iter()
                .map(|(field, secret)| (field, SecretString::from(secret)))
                .collect();
            (account, fields)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_escaped_secrets() {
        let mut entries = Entries::new();
        entries
            .entry("work".into())
            .or_default()
            .insert("password".into(), SecretString::from("qu\"ote\\ \u{1} ünï"));
        let encoded = encode(&entries);
        assert!(encoded.capacity() >= encoded.len());
        let decoded = decode(&encoded).expect("decodes");
        assert_eq!(
            decoded["work"]["password"].expose_secret(),
            "qu\"ote\\ \u{1} ünï"
        );
    }

    #[test]
    fn newer_format_is_reported_before_layout() {
        let doc = br#"{"format": 7, "accounts": []}"#;
        assert!(matches!(decode(doc), Err(DecodeError::TooNew(7))));
    }

    #[test]
    fn malformed_documents_are_rejected() {
        for doc in [
            &b"not json"[..],
            br#"{"format": 0, "entries": {}}"#,
            br#"{"format": 1}"#,
            br#"{"format": 1, "entries": {"a": {"b": 3}}}"#,
        ] {
            assert!(matches!(decode(doc), Err(DecodeError::Malformed)));
        }
    }
}
