//! HTML from a message -> the sanitized HTML the API shows: never a panic,
//! and nothing active survives. The output is read by an HTML tokenizer, so
//! forbidden elements and attributes are looked for in tags only, not in
//! text or attribute values ("found on web site" is harmless).
#![no_main]

use html5gum::{Token, Tokenizer};
use inbox::api::sanitize;
use libfuzzer_sys::fuzz_target;

/// Elements no sanitized output may start.
const FORBIDDEN: &[&str] = &[
    "script", "style", "iframe", "frame", "form", "svg", "object", "embed", "math",
];

fuzz_target!(|bytes: &[u8]| {
    let safe = sanitize(&String::from_utf8_lossy(bytes));
    for token in Tokenizer::new(safe.as_str()) {
        let Ok(Token::StartTag(tag)) = token else {
            continue;
        };
        let name = String::from_utf8_lossy(&tag.name);
        assert!(!FORBIDDEN.contains(&name.as_ref()), "<{name}> in {safe}");
        for attribute in tag.attributes.keys() {
            let attribute = String::from_utf8_lossy(attribute);
            assert!(
                !attribute.starts_with("on") && attribute != "style",
                "{attribute} on <{name}> in {safe}"
            );
        }
    }
});
