//! HTML from a message -> the sanitized HTML the API shows: never a panic,
//! and nothing active survives.
#![no_main]

use inbox::api::sanitize;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let safe = sanitize(&String::from_utf8_lossy(bytes)).to_ascii_lowercase();
    for active in ["<script", "<style", "<iframe", "<form", "<svg", "<object", " on", " style="] {
        assert!(!safe.contains(active), "{active} in {safe}");
    }
});
