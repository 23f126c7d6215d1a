//! Raw items -> [`crate::model::Message`]; never panics.
//!
//! [`normalize_item`] dispatches on the item's source kind: mail goes to
//! [`normalize`], direct messages (JSON) to module `dm`.
//!
//! [`normalize`] runs mail-parser (module `mail`) behind a panic guard
//! (module `guard`). When mail-parser finds no headers or panics, a small header
//! scan of our own (module `fallback`) still yields the headers and the raw text,
//! and the message carries a warning saying so. HTML becomes text through an
//! HTML5 tokenizer (module `html`: every tag separates words, every named
//! character reference is decoded), and Date headers
//! that mail-parser rejects get a second, lenient reading (module `date`).
//!
//! Panics inside the guard are caught with `catch_unwind`, so a binary built
//! with `panic = "abort"` loses this protection. Messages dense with header
//! fields or MIME parts are parsed through a bounded view (module `bound`),
//! so memory stays proportional to what is kept.

mod body;
mod bound;
mod date;
mod dm;
pub mod excerpt;
mod fallback;
mod guard;
mod html;
mod limits;
mod mail;
mod text;

#[cfg(test)]
mod tests;

use crate::model::{Message, SourceKind};

pub(crate) use dm::{conversation_root, event_message_id};
pub use excerpt::preview;
pub use limits::{BODY_LIMIT, FIELD_LIMIT, LIST_LIMIT};

/// Turns one raw item of a `source` into a [`Message`]: RFC 5322 mail for
/// mail sources, one direct-message event (JSON) for chat sources.
///
/// Never panics; problems are listed in [`Message::warnings`].
pub fn normalize_item(source: SourceKind, raw: &[u8]) -> Message {
    if source.is_mail() {
        return normalize(raw);
    }
    let mut message = dm::extract(raw);
    limits::cap_header_fields(&mut message);
    message
}

/// Turns one raw RFC 5322 message (CRLF or LF line endings) into a
/// [`Message`].
///
/// Never panics: malformed or hostile input gives best-effort output, with
/// the problems listed in [`Message::warnings`].
pub fn normalize(raw: &[u8]) -> Message {
    let view = bound::parse_view(raw);
    let raw = view.bytes.as_ref();
    let mut message = match guard::catch_quietly(|| mail::extract(raw)) {
        Ok(Some(mut message)) => {
            fallback::fill_missing(raw, &mut message);
            message
        }
        Ok(None) => fallback_with_warning(raw, "no header fields found"),
        Err(panic) => fallback_with_warning(raw, &format!("the MIME parser failed ({panic})")),
    };
    message.warnings.extend(view.warnings);
    limits::cap_header_fields(&mut message);
    message
}

/// The first HTML part of a raw RFC 5322 message, read through the same
/// bounded view as [`normalize`], so a message dense with MIME parts costs
/// no more here than at import. A parser panic counts as no HTML part.
pub fn html_part(raw: &[u8]) -> Option<String> {
    let view = bound::parse_view(raw);
    let raw = view.bytes.as_ref();
    guard::catch_quietly(|| mail::html_part(raw)).ok().flatten()
}

fn fallback_with_warning(raw: &[u8], problem: &str) -> Message {
    let mut message = fallback::scan(raw);
    message.warnings.insert(
        0,
        format!("could not parse MIME structure: {problem}; indexed headers and raw text only"),
    );
    message
}
