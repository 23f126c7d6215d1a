//! Small text helpers shared by the mail-parser path and the fallback scan.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{Addr, HeaderValue};

use crate::model::Participant;

/// Text of header bytes that may not be UTF-8: as UTF-8 when valid,
/// otherwise as windows-1252 (the usual charset of raw 8-bit headers).
pub(super) fn decode_8bit(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => match charset_decoder(b"windows-1252") {
            Some(decode) => Cow::Owned(decode(bytes)),
            None => String::from_utf8_lossy(bytes),
        },
    }
}

/// Collapses runs of whitespace (folding leftovers, tabs) to one space and
/// trims the ends; `None` when nothing is left.
pub(super) fn clean_line(text: &str) -> Option<String> {
    let mut cleaned = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        cleaned.push_str(word);
    }
    (!cleaned.is_empty()).then_some(cleaned)
}

/// A message id without angle brackets, unfolded: a line break and the
/// blanks around it, like any run of white space, become one space, as a
/// reader that unfolds the header sees it (RFC 5322, 2.2.3).
pub(super) fn bare_id(id: &str) -> Option<String> {
    let id = id.trim();
    let id = id.strip_prefix('<').unwrap_or(id);
    let id = id.strip_suffix('>').unwrap_or(id);
    let id = id.split_whitespace().collect::<Vec<_>>().join(" ");
    (!id.is_empty()).then_some(id)
}

/// The ids held by a parsed id header (`Message-ID`, `References`, ...).
pub(super) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => bare_id(id).into_iter().collect(),
        HeaderValue::TextList(ids) => ids.iter().filter_map(|id| bare_id(id)).collect(),
        _ => Vec::new(),
    }
}

/// The id of a raw `List-Id` value: the part in angle brackets, or the whole
/// value when it has none.
pub(super) fn list_id(raw: &str) -> Option<String> {
    let inner = raw
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(raw, |(inner, _)| inner);
    clean_line(inner)
}

/// A participant from a parsed address; an address without `@`-form keeps
/// its text as given, an entry with only a name keeps the name as its
/// address (it is all there is to search for).
pub(super) fn participant(addr: &Addr<'_>) -> Option<Participant> {
    let name = addr.name.as_deref().and_then(clean_line);
    match addr.address.as_deref().and_then(clean_line) {
        Some(address) => Some(Participant {
            name,
            address: address.to_lowercase(),
        }),
        None => name.map(|raw| Participant {
            name: None,
            address: raw,
        }),
    }
}

/// Participants from one parsed address header; `raw` is the header's
/// unparsed value, kept as the address when the parser found none.
pub(super) fn participants(value: &HeaderValue<'_>, raw: &str, into: &mut Vec<Participant>) {
    match value {
        HeaderValue::Address(address) => into.extend(address.iter().filter_map(participant)),
        HeaderValue::Text(text) => into.extend(clean_line(text).map(raw_participant)),
        HeaderValue::TextList(texts) => into.extend(
            texts
                .iter()
                .filter_map(|t| clean_line(t))
                .map(raw_participant),
        ),
        _ => into.extend(clean_line(raw).map(raw_participant)),
    }
}

fn raw_participant(raw: String) -> Participant {
    Participant {
        name: None,
        address: raw,
    }
}
