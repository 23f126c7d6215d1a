//! Golden tests: selected corpus messages against the expected normalized
//! output checked in under `tests/data/golden/<name>.json`.
//!
//! `INBOX_BLESS=1` rewrites the expected files from the current output;
//! review every change before committing it.

use std::path::Path;

use inbox_connector_api::testing::corpus;

use super::support::to_json;
use crate::normalize::normalize;

/// Expected-output name and path (under `mime-tricky/`) of each golden
/// message.
const GOLDEN: &[(&str, &str)] = &[
    ("rfc2047-subject", "mail-parser/thirdparty/cur/010.eml:2,"),
    ("html-only-related", "mail-parser/thirdparty/cur/016.eml:2,"),
    (
        "named-attachment",
        "mimekit/messages/cur/simple-multipart.eml:2,",
    ),
    (
        "embedded-message",
        "mimekit/messages/cur/simple-embedded-message.eml:2,",
    ),
    ("broken-rfc822", "mail-parser/malformed/cur/022.eml:2,"),
    ("japanese", "mimekit/messages/cur/japanese.txt:2,"),
    ("rfc8621-structure", "mail-parser/rfc/cur/007.eml:2,"),
    (
        "stack-overflow",
        "mimekit/messages/cur/stack-overflow.txt:2,",
    ),
];

#[test]
fn golden_messages_match_expected_output() {
    let Some(corpus) = corpus() else { return };
    let corpus = corpus.join("mime-tricky");
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden");
    let bless = std::env::var_os("INBOX_BLESS").is_some();
    let mut mismatches = Vec::new();
    for (name, source) in GOLDEN {
        let raw = std::fs::read(corpus.join(source))
            .unwrap_or_else(|e| panic!("cannot read corpus file {source}: {e}"));
        let actual = to_json(&normalize(&raw));
        let expected_path = golden_dir.join(format!("{name}.json"));
        if bless {
            let text = serde_json::to_string_pretty(&actual).expect("JSON rendering") + "\n";
            std::fs::write(&expected_path, text).expect("write golden file");
            continue;
        }
        let expected: serde_json::Value = std::fs::read(&expected_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_else(|| panic!("missing or invalid {}", expected_path.display()));
        if actual != expected {
            mismatches.push(format!(
                "{name} ({source}):\n{}",
                serde_json::to_string_pretty(&actual).unwrap_or_default()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "normalized output differs from tests/data/golden:\n{}",
        mismatches.join("\n")
    );
}
