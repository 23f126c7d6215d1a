//! Telling a mail file from anything else by its first lines.

/// What a file outside `cur/` and `new/` holds, judged by its first lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    /// One RFC 5322 message: the file starts with a header field.
    Message,
    /// An mbox: a `From ` line followed by a header field.
    Mbox,
    /// Neither (a README, a licence, a table, a binary).
    Other,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Classifies a file by its first bytes (a UTF-8 byte order mark is ignored).
pub(crate) fn classify(head: &[u8]) -> Content {
    let (first, rest) = split_line(strip_bom(head));
    if is_from_line(first) {
        if is_header_line(split_line(rest).0) {
            Content::Mbox
        } else {
            Content::Other
        }
    } else if is_header_line(first) {
        Content::Message
    } else {
        Content::Other
    }
}

/// `bytes` without a leading UTF-8 byte order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Whether `line` is an mbox envelope line (`From ` at the start).
pub(crate) fn is_from_line(line: &[u8]) -> bool {
    line.starts_with(b"From ")
}

/// Whether `line` starts a header field: a name of printable ASCII without
/// `:`, optional blanks, then `:`.
pub(crate) fn is_header_line(line: &[u8]) -> bool {
    let name_len = line
        .iter()
        .position(|&byte| !(0x21..=0x7e).contains(&byte) || byte == b':')
        .unwrap_or(line.len());
    if name_len == 0 {
        return false;
    }
    line[name_len..]
        .iter()
        .find(|&&byte| byte != b' ' && byte != b'\t')
        .is_some_and(|&byte| byte == b':')
}

/// Whether `line` is empty but for its line ending.
pub(crate) fn is_blank_line(line: &[u8]) -> bool {
    matches!(line, b"\n" | b"\r\n")
}

fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&byte| byte == b'\n') {
        Some(end) => bytes.split_at(end + 1),
        None => (bytes, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        assert!(is_header_line(b"Subject: hi\n"));
        assert!(is_header_line(b"X-Odd-Name :value\r\n"));
        assert!(is_header_line(b"From:x"));
        assert!(!is_header_line(b"From someone\n"));
        assert!(!is_header_line(b": no name\n"));
        assert!(!is_header_line(b"path\tlabel\tgroup\n"));
        assert!(!is_header_line(b"These test files are Copyright\n"));
        assert!(!is_header_line(b"\n"));
        assert!(!is_header_line(b""));
    }

    #[test]
    fn classifies_messages_mboxes_and_other_files() {
        assert_eq!(
            classify(b"Return-Path: <a@b>\nSubject: x\n\nbody"),
            Content::Message
        );
        assert_eq!(
            classify(b"From a@b Thu Aug 22 13:17:22 2002\nSubject: x\n"),
            Content::Mbox
        );
        assert_eq!(classify(b"\xEF\xBB\xBFFrom -\nFrom: a@b\n"), Content::Mbox);
        assert_eq!(classify(b"From Russia with love\n\nbody"), Content::Other);
        assert_eq!(classify(b"# README\n"), Content::Other);
        assert_eq!(classify(b""), Content::Other);
        assert_eq!(classify(b"\x00\x01\x02binary"), Content::Other);
    }
}
