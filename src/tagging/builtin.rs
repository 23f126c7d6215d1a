//! The built-in taggers: `list/<list-id>`, `bulk`, `reply`, `sent` and
//! `attachment` (the classifiers' tags are set in the parent module). Each
//! tag comes with what triggered it, for `inbox explain`.

use super::{Arrival, Builtins, Candidate};
use crate::classify::lines;
use crate::model::{Attachment, Message, SourceKind, is_tag_char};
use crate::store::TagOrigin;

/// How much of a raw message the bulk tagger reads for its headers.
const HEADER_LIMIT: usize = 256 * 1024;

/// Parts that carry a signature or encryption control data, not a file.
const CONTROL_TYPES: [&str; 4] = [
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-encrypted",
];

/// Parts that report on a message rather than attach one.
const REPORT_TYPES: [&str; 3] = [
    "message/delivery-status",
    "message/disposition-notification",
    "text/rfc822-headers",
];

/// The switched-on built-in taggers' tags for a new message; `own` are the
/// user's addresses, lowercased.
pub fn tags(
    on: Builtins,
    own: &[String],
    candidate: &Candidate,
    arrival: &Arrival,
) -> Vec<(String, TagOrigin)> {
    let message = candidate.message;
    let mut tags = Vec::new();
    let mut push = |tag: String, tagger: &str, evidence: String| {
        let origin = TagOrigin::Builtin {
            tagger: tagger.to_owned(),
            evidence: Some(evidence),
        };
        tags.push((tag, origin));
    };
    if on.list
        && let Some(tag) = list_tag(message)
    {
        let id = message.list_id.as_deref().unwrap_or_default();
        push(tag, "list", format!("List-Id: <{id}>"));
    }
    if on.bulk
        && let Some(header) = bulk_header(candidate.source, arrival.raw)
    {
        push("bulk".into(), "bulk", header);
    }
    if on.reply && arrival.parent_stored {
        let parent = message.in_reply_to.first().map_or("", String::as_str);
        push("reply".into(), "reply", format!("In-Reply-To: <{parent}>"));
    }
    if on.sent
        && let Some(from) = sender_among(message, own)
    {
        push("sent".into(), "sent", format!("From: {from}"));
    }
    if on.attachment
        && let Some(file) = message.attachments.iter().find(|part| is_real(part))
    {
        let name = file.name.as_deref().unwrap_or("(no name)");
        let evidence = format!("{name} ({}, {} bytes)", file.mime_type, file.size);
        push("attachment".into(), "attachment", evidence);
    }
    tags
}

/// `list/<list-id>` for a message of a mailing list, lowercased, without
/// the characters a tag name cannot hold (controls, direction marks); none
/// for an id of several words.
pub fn list_tag(message: &Message) -> Option<String> {
    let id = message.list_id.as_deref()?.trim();
    if id.contains(char::is_whitespace) {
        return None;
    }
    let id: String = id.chars().filter(|&c| is_tag_char(c)).collect();
    (!id.is_empty()).then(|| format!("list/{}", id.to_lowercase()))
}

/// The header that makes a mail bulk or machine-sent, as `Name: value`:
/// List-Unsubscribe, `Precedence: bulk|list|junk`, or `Auto-Submitted`
/// other than `no`.
pub fn bulk_header(source: SourceKind, raw: &[u8]) -> Option<String> {
    const NAMES: [&[u8]; 3] = [b"list-unsubscribe", b"precedence", b"auto-submitted"];
    if source == SourceKind::X {
        return None;
    }
    let wanted = |name: &[u8]| NAMES.iter().any(|wanted| name.eq_ignore_ascii_case(wanted));
    header_fields(raw, wanted).find_map(|(name, value)| {
        let first = value.trim().split([';', ' ', '\t']).next().unwrap_or("");
        let bulk = if name.eq_ignore_ascii_case(b"list-unsubscribe") {
            !value.trim().is_empty()
        } else if name.eq_ignore_ascii_case(b"precedence") {
            ["bulk", "list", "junk"]
                .iter()
                .any(|kind| first.eq_ignore_ascii_case(kind))
        } else {
            // Auto-Submitted, the one other field read.
            !first.is_empty() && !first.eq_ignore_ascii_case("no")
        };
        bulk.then(|| format!("{}: {}", String::from_utf8_lossy(name), value.trim()))
    })
}

/// The first From address that is one of `own`.
fn sender_among<'a>(message: &'a Message, own: &[String]) -> Option<&'a str> {
    (message.from.iter())
        .map(|sender| sender.address.as_str())
        .find(|address| own.iter().any(|mine| mine.eq_ignore_ascii_case(address)))
}

/// Whether a part is a file the sender attached, not a piece of the body:
/// unnamed text and pictures are body parts (alternatives, footers, inline
/// images), signatures and delivery reports are not files.
fn is_real(part: &Attachment) -> bool {
    let kind = part.mime_type.as_str();
    if CONTROL_TYPES.contains(&kind) || REPORT_TYPES.contains(&kind) {
        return false;
    }
    let named = part
        .name
        .as_deref()
        .is_some_and(|name| !name.trim().is_empty());
    named || !(kind.starts_with("text/") || kind.starts_with("image/"))
}

/// The header fields of a raw mail (name, unfolded value) whose names
/// `wanted` accepts, up to the first empty line and at most
/// [`HEADER_LIMIT`] bytes; the values of other fields are not decoded.
fn header_fields<'a>(
    raw: &'a [u8],
    wanted: impl Fn(&[u8]) -> bool + 'a,
) -> impl Iterator<Item = (&'a [u8], String)> {
    let head = &raw[..raw.len().min(HEADER_LIMIT)];
    let mut lines = lines(head)
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take_while(|line| !line.is_empty())
        .peekable();
    let continuation = |next: &&[u8]| next.starts_with(b" ") || next.starts_with(b"\t");
    std::iter::from_fn(move || {
        loop {
            let line = lines.next()?;
            let Some(colon) = line.iter().position(|&byte| byte == b':') else {
                continue;
            };
            if !wanted(&line[..colon]) {
                while lines.next_if(continuation).is_some() {}
                continue;
            }
            let mut value = String::from_utf8_lossy(&line[colon + 1..]).into_owned();
            while let Some(next) = lines.next_if(continuation) {
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
        let is_bulk = |source, raw: &[u8]| bulk_header(source, raw).is_some();
        assert_eq!(
            bulk_header(SourceKind::Imap, mail("Precedence:\r\n\tjunk").as_bytes()).as_deref(),
            Some("Precedence: junk")
        );
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

    #[test]
    fn list_tags_hold_no_control_or_direction_characters() {
        let mut message = Message {
            list_id: Some("ev\u{1b}]0;owned\u{7}il.\u{202e}gro.\u{9b}2Jexample".into()),
            ..Message::default()
        };
        let tag = list_tag(&message).expect("a list tag");
        assert_eq!(tag, "list/ev]0;ownedil.gro.2jexample");
        message.list_id = Some("\u{1b}\u{202e}".into());
        assert_eq!(list_tag(&message), None);
    }

    #[test]
    fn only_files_count_as_attachments() {
        let part = |name: Option<&str>, mime_type: &str| Attachment {
            name: name.map(str::to_owned),
            mime_type: mime_type.to_owned(),
            size: 10,
        };
        assert!(is_real(&part(Some("report.pdf"), "application/pdf")));
        assert!(is_real(&part(Some("notes.txt"), "text/plain")));
        assert!(is_real(&part(None, "application/octet-stream")));
        assert!(is_real(&part(None, "message/rfc822")));
        assert!(!is_real(&part(None, "text/plain")));
        assert!(!is_real(&part(None, "image/png")));
        assert!(!is_real(&part(
            Some("signature.asc"),
            "application/pgp-signature"
        )));
        assert!(!is_real(&part(None, "message/delivery-status")));
    }
}
