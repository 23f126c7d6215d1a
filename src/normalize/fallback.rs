//! A minimal header scan of our own, for messages mail-parser cannot read,
//! and for the fields it left empty in those it can ([`fill_missing`]).
//!
//! Headers end at the first empty line (CRLF or LF) or at the first line
//! that is neither a field nor a continuation; folded fields are unfolded.
//! Field values are decoded with mail-parser's per-field parsers under the
//! panic guard, falling back to the raw text. The body is the rest of the
//! message as lossy UTF-8.

use mail_parser::DateTime;
use mail_parser::parsers::MessageStream;

use super::body::BodyText;
use super::guard::catch_quietly;
use super::limits::BODY_LIMIT;
use super::text::{self, bare_id, clean_line, decode_8bit};
use crate::model::{Message, Participant};

/// Reads what it can from `raw` without any MIME structure.
pub(super) fn scan(raw: &[u8]) -> Message {
    let (header_block, body) = split_at_body(raw);
    let mut message = Message::default();
    for (name, value) in unfolded_fields(header_block) {
        read_field(name, &value, &mut message);
    }
    // Enough bytes to reach the limit even after lossy decoding.
    let body = body.get(..BODY_LIMIT + 1).unwrap_or(body);
    let mut text = BodyText::default();
    text.push_part(&String::from_utf8_lossy(body));
    message.body = text.finish(&mut message.warnings);
    message
}

/// Fills the fields mail-parser left empty from our own scan of the header
/// block: a field it swallowed (mail-parser 0.11 takes the line after some
/// `Date:` values it misreads, with LF line ends) or could not decode.
pub(super) fn fill_missing(raw: &[u8], message: &mut Message) {
    let any_missing = message.message_id.is_none()
        || message.subject.is_none()
        || message.date.is_none()
        || message.from.is_empty()
        || message.to.is_empty();
    if !any_missing {
        return;
    }
    let mut scanned = Message::default();
    for (name, value) in unfolded_fields(split_at_body(raw).0) {
        read_field(name, &value, &mut scanned);
    }
    fill(&mut message.message_id, scanned.message_id);
    fill(&mut message.subject, scanned.subject);
    fill(&mut message.date, scanned.date);
    fill(&mut message.list_id, scanned.list_id);
    for (have, found) in [
        (&mut message.from, scanned.from),
        (&mut message.to, scanned.to),
        (&mut message.cc, scanned.cc),
        (&mut message.bcc, scanned.bcc),
    ] {
        if have.is_empty() {
            *have = found;
        }
    }
    for (have, found) in [
        (&mut message.in_reply_to, scanned.in_reply_to),
        (&mut message.references, scanned.references),
    ] {
        if have.is_empty() {
            *have = found;
        }
    }
}

fn fill<T>(have: &mut Option<T>, found: Option<T>) {
    if have.is_none() {
        *have = found;
    }
}

/// Splits `raw` into its header block and its body.
fn split_at_body(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut start = 0;
    while start < raw.len() {
        let end = raw[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |at| start + at);
        let line = trim_cr(&raw[start..end]);
        let is_envelope = start == 0 && line.starts_with(b"From ");
        let is_continuation = start > 0 && line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if line.is_empty() {
            return (&raw[..start], raw.get(end + 1..).unwrap_or_default());
        }
        if !is_envelope && !is_continuation && field_name(line).is_none() {
            return (&raw[..start], &raw[start..]);
        }
        start = end + 1;
    }
    (raw, &[])
}

pub(super) fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The name of a `Name: value` line: printable ASCII up to the colon.
pub(super) fn field_name(line: &[u8]) -> Option<&str> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = std::str::from_utf8(&line[..colon]).ok()?.trim_end();
    let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic());
    valid.then_some(name)
}

/// The header fields in order, continuation lines joined to their field.
fn unfolded_fields(block: &[u8]) -> Vec<(&str, Vec<u8>)> {
    let mut fields: Vec<(&str, Vec<u8>)> = Vec::new();
    for line in block.split(|&b| b == b'\n').map(trim_cr) {
        if let Some(name) = field_name(line) {
            let value = line.get(name.len() + 1..).unwrap_or_default();
            let value = value.strip_prefix(b":").unwrap_or(value);
            fields.push((name, value.to_vec()));
        } else if let Some((_, value)) = fields.last_mut()
            && line.first().is_some_and(|b| *b == b' ' || *b == b'\t')
        {
            value.extend_from_slice(line);
        }
    }
    fields
}

fn read_field(name: &str, value: &[u8], message: &mut Message) {
    let is = |wanted: &str| name.eq_ignore_ascii_case(wanted);
    if is("Message-ID") && message.message_id.is_none() {
        message.message_id = angle_ids(&decode_8bit(value)).into_iter().next();
    } else if is("In-Reply-To") {
        message.in_reply_to.extend(angle_ids(&decode_8bit(value)));
    } else if is("References") {
        message.references.extend(angle_ids(&decode_8bit(value)));
    } else if is("From") {
        message.from.extend(addresses(value));
    } else if is("To") {
        message.to.extend(addresses(value));
    } else if is("Cc") {
        message.cc.extend(addresses(value));
    } else if is("Bcc") {
        message.bcc.extend(addresses(value));
    } else if is("Subject") && message.subject.is_none() {
        message.subject = subject(value);
    } else if is("Date") && message.date.is_none() {
        message.date = date(&decode_8bit(value));
    } else if is("List-Id") && message.list_id.is_none() {
        message.list_id = text::list_id(&decode_8bit(value));
    }
}

/// Field value with the line end the per-field parsers stop at.
fn terminated(value: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(value.len() + 1);
    line.extend_from_slice(value);
    line.push(b'\n');
    line
}

/// Every `<id>` in `value`, or the whole value when it has none.
fn angle_ids(value: &str) -> Vec<String> {
    let ids: Vec<String> = value
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .filter_map(|(id, _)| bare_id(id))
        .collect();
    if ids.is_empty() {
        bare_id(value).into_iter().collect()
    } else {
        ids
    }
}

fn addresses(value: &[u8]) -> Vec<Participant> {
    let raw = decode_8bit(value);
    let line = terminated(value);
    catch_quietly(|| {
        let mut found = Vec::new();
        text::participants(&MessageStream::new(&line).parse_address(), &raw, &mut found);
        found
    })
    .unwrap_or_else(|_| {
        clean_line(&raw)
            .map(|address| Participant {
                name: None,
                address,
            })
            .into_iter()
            .collect()
    })
}

fn subject(value: &[u8]) -> Option<String> {
    let raw = decode_8bit(value);
    let line = terminated(value);
    let decoded = catch_quietly(|| {
        MessageStream::new(&line)
            .parse_unstructured()
            .as_text()
            .map(str::to_owned)
    });
    match decoded {
        Ok(Some(subject)) if !subject.contains('\u{FFFD}') => clean_line(&subject),
        _ => clean_line(&raw),
    }
}

fn date(value: &str) -> Option<i64> {
    catch_quietly(|| DateTime::parse_rfc822(value))
        .ok()
        .flatten()
        .filter(DateTime::is_valid)
        .map(|date| date.to_timestamp())
        .or_else(|| super::date::lenient(value))
}
