//! A search query typed by the user or sent by a UI -> the parsed query.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(error) = inbox::index::parse(text) {
        // The error points into the query.
        assert!(error.position <= text.chars().count());
    }
});
