//! A bounded scan of the raw header block: unfolded `(name, value)` pairs,
//! without the verdict headers other filters write.
//!
//! The block ends at the first empty line or at the first line that is
//! neither a field nor a continuation. At most [`MAX_FIELDS`] fields of at
//! most [`MAX_VALUE`] bytes each are kept, so hostile input stays cheap.

/// Most header fields read from one message.
pub(super) const MAX_FIELDS: usize = 200;

/// Longest unfolded field value kept, in bytes.
pub(super) const MAX_VALUE: usize = 4096;

/// One unfolded header field; the name is lowercased.
pub(super) struct Field {
    pub(super) name: String,
    pub(super) value: String,
}

/// The header fields of `raw` that may be used as features: every field
/// except the verdicts of other filters (see [`is_verdict_header`]) and
/// the bookkeeping of mail programs (see [`is_mailbox_bookkeeping`]).
pub(super) fn fields(raw: &[u8]) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    let mut skipping = false;
    for (index, line) in raw.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if let Some(field) = fields.last_mut().filter(|_| !skipping) {
                append_capped(&mut field.value, line);
            }
            continue;
        }
        if index == 0 && line.starts_with(b"From ") {
            continue;
        }
        let Some(colon) = field_name_end(line) else {
            break;
        };
        let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
        skipping = is_verdict_header(&name) || is_mailbox_bookkeeping(&name);
        if skipping {
            continue;
        }
        if fields.len() == MAX_FIELDS {
            break;
        }
        let mut value = String::new();
        append_capped(&mut value, &line[colon + 1..]);
        fields.push(Field { name, value });
    }
    fields
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
    WORDS.iter().any(|word| name.contains(word))
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

fn append_capped(value: &mut String, bytes: &[u8]) {
    if value.len() >= MAX_VALUE {
        return;
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_VALUE)]);
    let text = text.trim();
    if !value.is_empty() {
        value.push(' ');
    }
    let room = MAX_VALUE.saturating_sub(value.len());
    value.push_str(&text[..text.floor_char_boundary(room)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &[u8]) -> Vec<String> {
        fields(raw).into_iter().map(|field| field.name).collect()
    }

    #[test]
    fn unfolds_and_stops_at_the_body() {
        let raw = b"Subject: a\r\n  b\r\nFrom: x@y\r\n\r\nBody: no\r\n";
        let fields = fields(raw);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].value, "a b");
        assert_eq!(fields[1].name, "from");
    }

    #[test]
    fn verdict_and_bookkeeping_headers_are_dropped() {
        let raw = b"X-Spam-Status: Yes, score=9\n\ttests=ALL\nX-Virus-Scanned: ok\n\
X-Bogosity: Spam\nX-DSPAM-Result: Spam\nX-Barracuda-Spam-Score: 9\nSubject: hi\nStatus: RO\n\
X-Keywords: $Junk\n\n";
        assert_eq!(names(raw), ["subject"]);
        assert_eq!(fields(raw)[0].value, "hi");
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
        assert!(fields(&long)[0].value.len() <= MAX_VALUE);
    }
}
