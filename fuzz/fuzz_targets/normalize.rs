//! Raw bytes from a mail server or a file -> the message model, as mail and
//! as an X direct message, the classifier's tokens of the same bytes, and
//! its HTML part as the API shows it.
#![no_main]

use inbox::api::sanitize;
use inbox::classify::Features;
use inbox::normalize::{BODY_LIMIT, LIST_LIMIT, html_part, normalize_item};
use inbox_connector_api::SourceKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &[u8]| {
    let mail = normalize_item(SourceKind::Maildir, raw);
    assert!(mail.body.len() <= BODY_LIMIT);
    for list in [&mail.from, &mail.to, &mail.cc, &mail.bcc] {
        assert!(list.len() <= LIST_LIMIT);
    }
    normalize_item(SourceKind::X, raw);
    Features::of(raw);
    if let Some(html) = html_part(raw) {
        sanitize(&html);
    }
});
