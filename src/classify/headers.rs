//! A bounded scan of the raw header block: unfolded `(name, value)` pairs,
//! without the verdict headers other filters write.
//!
//! The block ends at the first empty line or at the first line that is
//! neither a field nor a continuation. At most [`MAX_FIELDS`] fields of at
//! most [`MAX_VALUE`] bytes each are kept, so hostile input stays cheap.

use std::borrow::Cow;
use std::ops::Range;

/// Most header fields read from one message.
pub(super) const MAX_FIELDS: usize = 200;

/// Longest unfolded field value kept, in bytes.
pub(super) const MAX_VALUE: usize = 4096;

/// Bytes of field text made room for up front.
const TEXT_ROOM: usize = 8192;

/// The unfolded header fields of a message, names lowercased, kept in one
/// text so reading them allocates twice, not twice per field.
#[derive(Default)]
pub(super) struct Fields {
    text: String,
    /// Where each field's name and value lie in `text`.
    spans: Vec<(Range<usize>, Range<usize>)>,
}

impl Fields {
    /// Each field as (lowercased name, value), in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        (self.spans.iter())
            .map(|(name, value)| (&self.text[name.clone()], &self.text[value.clone()]))
    }

    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Starts a field named `name` (already valid as a field name); `false`,
    /// with nothing kept, for a name that is never a feature.
    fn start(&mut self, name: &[u8]) -> bool {
        let start = self.text.len();
        self.text.push_str(&lossy(name));
        self.text[start..].make_ascii_lowercase();
        let lowercase = &self.text[start..];
        if is_verdict_header(lowercase) || is_mailbox_bookkeeping(lowercase) {
            self.text.truncate(start);
            return false;
        }
        let end = self.text.len();
        self.spans.push((start..end, end..end));
        true
    }

    /// Appends a line of the last field's value: trimmed, after a space
    /// when the value has text, and up to [`MAX_VALUE`] bytes in all.
    fn append(&mut self, bytes: &[u8]) {
        let Some((_, value)) = self.spans.last_mut() else {
            return;
        };
        let length = value.len();
        if length >= MAX_VALUE {
            return;
        }
        let text = lossy(&bytes[..bytes.len().min(MAX_VALUE)]);
        let text = text.trim();
        if length > 0 {
            self.text.push(' ');
        }
        let room = MAX_VALUE.saturating_sub(self.text.len() - value.start);
        self.text.push_str(&text[..text.floor_char_boundary(room)]);
        value.end = self.text.len();
    }
}

/// Reads into `fields` (replacing what it held) the header fields of `raw`
/// that may be used as features: every field except the verdicts of other
/// filters (see [`is_verdict_header`]) and the bookkeeping of mail programs
/// (see [`is_mailbox_bookkeeping`]).
pub(super) fn read_fields(raw: &[u8], fields: &mut Fields) {
    fields.text.clear();
    fields.spans.clear();
    // Room for most header blocks, so the text is not copied as it grows.
    fields.text.reserve(raw.len().min(TEXT_ROOM));
    let mut skipping = false;
    for (index, line) in lines(raw).enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if !skipping {
                fields.append(line);
            }
            continue;
        }
        if index == 0 && line.starts_with(b"From ") {
            continue;
        }
        let Some(colon) = field_name_end(line) else {
            break;
        };
        if fields.len() == MAX_FIELDS {
            // A verdict beyond the limit would have been skipped anyway.
            break;
        }
        skipping = !fields.start(&line[..colon]);
        if !skipping {
            fields.append(&line[colon + 1..]);
        }
    }
}

/// The lines of `raw` without their `\n`, as `raw.split(|&b| b == b'\n')`
/// gives them, found with `memchr`.
pub(crate) fn lines(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(raw);
    std::iter::from_fn(move || {
        let text = rest?;
        let Some(end) = memchr::memchr(b'\n', text) else {
            rest = None;
            return Some(text);
        };
        rest = Some(&text[end + 1..]);
        Some(&text[..end])
    })
}

/// `bytes` as text, invalid UTF-8 replaced; without copying valid text.
fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Whether a header (lowercased name) carries another filter's verdict or
/// score. Such headers can be forged by a sender or be missing, so they
/// never become features.
pub(super) fn is_verdict_header(name: &str) -> bool {
    const WORDS: [&str; 5] = ["spam", "virus", "junk", "bogosity", "phish"];
    const PREFIXES: [&str; 10] = [
        "x-dspam",
        "x-barracuda",
        "x-crm114",
        "x-amavis",
        "x-mailscanner",
        "x-proofpoint",
        "x-rspamd",
        "x-forefront",
        "x-ms-exchange-organization-scl",
        "x-quarantine",
    ];
    let holds =
        |word: &str| (name.as_bytes().windows(word.len())).any(|part| part == word.as_bytes());
    WORDS.iter().any(|word| holds(word))
        || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
        || name == "x-ham-report"
}

/// Whether a header is written by the program that stores the mail
/// (read status, keywords, mailbox ids), not by its sender or the servers
/// it passed: it tells how a mailbox was kept, nothing about the message.
pub(super) fn is_mailbox_bookkeeping(name: &str) -> bool {
    const NAMES: [&str; 8] = [
        "status",
        "x-status",
        "x-keywords",
        "x-uid",
        "x-imap",
        "x-imapbase",
        "lines",
        "content-length",
    ];
    const PREFIXES: [&str; 3] = ["x-mozilla-", "x-evolution", "x-kmail-"];
    NAMES.contains(&name) || PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// The position of the colon ending a field name: printable ASCII without
/// spaces, as RFC 5322 allows (trailing blanks before the colon tolerated).
fn field_name_end(line: &[u8]) -> Option<usize> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = line[..colon].trim_ascii_end();
    let valid = !name.is_empty() && name.iter().all(|&b| b.is_ascii_graphic() && b != b':');
    valid.then_some(colon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(raw: &[u8]) -> Fields {
        let mut fields = Fields::default();
        read_fields(raw, &mut fields);
        fields
    }

    fn names(raw: &[u8]) -> Vec<String> {
        fields(raw)
            .iter()
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    fn values(raw: &[u8]) -> Vec<String> {
        fields(raw)
            .iter()
            .map(|(_, value)| value.to_owned())
            .collect()
    }

    #[test]
    fn unfolds_and_stops_at_the_body() {
        let raw = b"Subject: a\r\n  b\r\nFrom: x@y\r\n\r\nBody: no\r\n";
        assert_eq!(names(raw), ["subject", "from"]);
        assert_eq!(values(raw), ["a b", "x@y"]);
    }

    #[test]
    fn verdict_and_bookkeeping_headers_are_dropped() {
        let raw = b"X-Spam-Status: Yes, score=9\n\ttests=ALL\nX-Virus-Scanned: ok\n\
X-Bogosity: Spam\nX-DSPAM-Result: Spam\nX-Barracuda-Spam-Score: 9\nSubject: hi\nStatus: RO\n\
X-Keywords: $Junk\n\n";
        assert_eq!(names(raw), ["subject"]);
        assert_eq!(values(raw), ["hi"]);
    }

    #[test]
    fn ordinary_headers_are_not_verdicts() {
        for name in ["subject", "received", "x-mailer", "list-id", "content-type"] {
            assert!(!is_verdict_header(name), "{name}");
        }
    }

    #[test]
    fn bounded_on_hostile_headers() {
        let mut raw = Vec::new();
        for index in 0..10_000 {
            raw.extend_from_slice(format!("X-H{index}: {}\n", "v".repeat(10)).as_bytes());
        }
        assert_eq!(fields(&raw).len(), MAX_FIELDS);
        let long = [b"Subject: ".as_slice(), &vec![b'\xff'; 100_000]].concat();
        assert!(values(&long)[0].len() <= MAX_VALUE);
    }
}
