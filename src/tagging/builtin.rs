//! The built-in taggers: `list/<list-id>`, `bulk`, `reply` and `spam`.

use crate::classify::Classifier;
use crate::model::{Message, SourceKind};

/// How much of a raw message the bulk tagger reads for its headers.
const HEADER_LIMIT: usize = 256 * 1024;

/// `list/<list-id>` for a message of a mailing list.
pub fn list_tag(message: &Message) -> Option<String> {
    let id = message.list_id.as_deref()?.trim();
    (!id.is_empty() && !id.contains(char::is_whitespace))
        .then(|| format!("list/{}", id.to_lowercase()))
}

/// Whether a mail was sent in bulk or by a machine: List-Unsubscribe,
/// `Precedence: bulk|list|junk`, or `Auto-Submitted` other than `no`.
pub fn is_bulk(source: SourceKind, raw: &[u8]) -> bool {
    if source == SourceKind::X {
        return false;
    }
    header_fields(raw).any(|(name, value)| {
        let first = value.trim().split([';', ' ', '\t']).next().unwrap_or("");
        if name.eq_ignore_ascii_case(b"list-unsubscribe") {
            !value.trim().is_empty()
        } else if name.eq_ignore_ascii_case(b"precedence") {
            ["bulk", "list", "junk"]
                .iter()
                .any(|kind| first.eq_ignore_ascii_case(kind))
        } else if name.eq_ignore_ascii_case(b"auto-submitted") {
            !first.is_empty() && !first.eq_ignore_ascii_case("no")
        } else {
            false
        }
    })
}

/// Whether the spam model scores the message as spam.
pub fn is_spam(classifier: &Classifier, raw: &[u8]) -> bool {
    Classifier::is_positive(classifier.score(raw))
}

/// The header fields of a raw mail (name, unfolded value), up to the first
/// empty line and at most [`HEADER_LIMIT`] bytes.
fn header_fields(raw: &[u8]) -> impl Iterator<Item = (&[u8], String)> {
    let head = &raw[..raw.len().min(HEADER_LIMIT)];
    let mut lines = head
        .split(|&byte| byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take_while(|line| !line.is_empty())
        .peekable();
    std::iter::from_fn(move || {
        loop {
            let line = lines.next()?;
            let Some(colon) = line.iter().position(|&byte| byte == b':') else {
                continue;
            };
            let mut value = String::from_utf8_lossy(&line[colon + 1..]).into_owned();
            while let Some(next) =
                lines.next_if(|next| next.starts_with(b" ") || next.starts_with(b"\t"))
            {
                value.push(' ');
                value.push_str(&String::from_utf8_lossy(next));
            }
            return Some((&line[..colon], value));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_headers_are_read_unfolded_and_case_insensitively() {
        let mail = |headers: &str| {
            format!("From: a@b.example\n{headers}\nSubject: x\n\nPrecedence: bulk\n")
        };
        assert!(is_bulk(
            SourceKind::Maildir,
            mail("PRECEDENCE: Bulk").as_bytes()
        ));
        assert!(is_bulk(
            SourceKind::Imap,
            mail("Precedence:\r\n\tjunk").as_bytes()
        ));
        assert!(is_bulk(
            SourceKind::Mbox,
            mail("List-Unsubscribe: <mailto:u@x>").as_bytes()
        ));
        assert!(is_bulk(
            SourceKind::Mbox,
            mail("Auto-Submitted: auto-generated").as_bytes()
        ));
        assert!(!is_bulk(
            SourceKind::Mbox,
            mail("Auto-Submitted: no").as_bytes()
        ));
        assert!(!is_bulk(
            SourceKind::Mbox,
            mail("Precedence: first-class").as_bytes()
        ));
        assert!(!is_bulk(
            SourceKind::Mbox,
            mail("X-Note: Precedence: bulk").as_bytes()
        ));
        // The body's "Precedence: bulk" is not a header.
        assert!(!is_bulk(SourceKind::Mbox, mail("X-A: b").as_bytes()));
        assert!(!is_bulk(SourceKind::Mbox, b"\xff\xfe:\n\n"));
    }

    #[test]
    fn list_tags_are_lowercase_and_one_word() {
        let mut message = Message {
            list_id: Some("Perl6-Language.perl.org".into()),
            ..Message::default()
        };
        assert_eq!(
            list_tag(&message).as_deref(),
            Some("list/perl6-language.perl.org")
        );
        message.list_id = Some("a b".into());
        assert_eq!(list_tag(&message), None);
    }
}
