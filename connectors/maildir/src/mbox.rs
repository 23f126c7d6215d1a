//! Streaming mbox reader.
//!
//! Messages start at a `From ` line that is followed by a header field, so a
//! body line such as `From Russia with love` followed by an empty line stays
//! in the body. A `Content-Length:` header is honoured when the body it
//! measures ends exactly at the end of the file or at the next `From ` line
//! (after at most one empty separator line); otherwise line framing decides.
//! Lines matching `^>+From ` lose one `>` (mboxrd). One empty line before the
//! next `From ` line is the separator and not part of the message. The file
//! is read line by line, so only one message is in memory at a time.

use std::io::{self, BufRead, Read};

use inbox_connector_api::Flags;

use crate::sniff::{is_blank_line, is_from_line, is_header_line, strip_bom};

/// Longest piece of a line read at once; longer lines arrive in pieces.
const MAX_PIECE: u64 = 64 * 1024;

/// Messages larger than this are skipped (and reported) rather than loaded.
pub(crate) const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// One message of an mbox, without its `From ` line.
#[derive(Debug)]
pub(crate) struct MboxMessage {
    /// Byte offset of its `From ` line in the file.
    pub offset: u64,
    pub bytes: Vec<u8>,
    /// From the `Status:`, `X-Status:` and `X-Mozilla-Status:` headers.
    pub flags: Flags,
    /// The date of the `From ` line, read as UTC.
    pub received: Option<i64>,
}

/// What the reader found next.
#[derive(Debug)]
pub(crate) enum MboxItem {
    Message(MboxMessage),
    /// A message larger than [`MAX_MESSAGE_BYTES`], skipped.
    Oversized {
        offset: u64,
    },
}

/// Reads the messages of an mbox one at a time.
pub(crate) struct MboxReader<R> {
    lines: Lines<R>,
    next_envelope: Option<Envelope>,
    started: bool,
}

struct Envelope {
    offset: u64,
    line: Vec<u8>,
}

impl<R: BufRead> MboxReader<R> {
    /// A reader over an mbox positioned at its first byte.
    pub(crate) fn new(reader: R) -> MboxReader<R> {
        MboxReader {
            lines: Lines::new(reader),
            next_envelope: None,
            started: false,
        }
    }

    /// The next message, or `None` at the end of the file.
    pub(crate) fn next_message(&mut self) -> io::Result<Option<MboxItem>> {
        if !self.started {
            self.started = true;
            self.lines.skip_bom()?;
            self.next_envelope = self.find_first_envelope()?;
        }
        let Some(envelope) = self.next_envelope.take() else {
            return Ok(None);
        };
        let mut message = MessageBuilder::new(&envelope);
        let mut piece = Vec::new();
        let headers_ended = loop {
            let Some(at_line_start) = self.lines.next_piece(&mut piece)? else {
                break false;
            };
            if at_line_start && is_from_line(&piece) && self.followed_by_header()? {
                self.next_envelope = Some(self.envelope_from(&piece));
                return Ok(Some(message.finish()));
            }
            if at_line_start && is_blank_line(&piece) {
                message.push(&piece, true);
                break true;
            }
            if at_line_start {
                message.note_header(&piece);
            }
            message.push(&piece, at_line_start);
        };
        if !headers_ended {
            return Ok(Some(message.finish()));
        }
        if let Some(length) = message.content_length
            && self.try_content_length(length, &mut message)?
        {
            return Ok(Some(message.finish()));
        }
        while let Some(at_line_start) = self.lines.next_piece(&mut piece)? {
            if at_line_start && is_from_line(&piece) && self.followed_by_header()? {
                self.next_envelope = Some(self.envelope_from(&piece));
                message.drop_separator_line();
                return Ok(Some(message.finish()));
            }
            message.push(&piece, at_line_start);
        }
        message.drop_separator_line();
        Ok(Some(message.finish()))
    }

    /// Skips anything before the first `From ` line that starts a message.
    fn find_first_envelope(&mut self) -> io::Result<Option<Envelope>> {
        let mut piece = Vec::new();
        while let Some(at_line_start) = self.lines.next_piece(&mut piece)? {
            if at_line_start && is_from_line(&piece) && self.followed_by_header()? {
                return Ok(Some(self.envelope_from(&piece)));
            }
        }
        Ok(None)
    }

    /// The envelope for the `From ` line just read.
    fn envelope_from(&self, piece: &[u8]) -> Envelope {
        Envelope {
            offset: self.lines.offset - piece.len() as u64,
            line: piece.to_vec(),
        }
    }

    /// Whether the next line is a header field (it is read and put back).
    fn followed_by_header(&mut self) -> io::Result<bool> {
        let mut next = Vec::new();
        let Some(at_line_start) = self.lines.next_piece(&mut next)? else {
            return Ok(false);
        };
        let header = at_line_start && is_header_line(&next);
        self.lines.unread(&next, at_line_start);
        Ok(header)
    }

    /// Takes `length` body bytes if they end where a message may end; if
    /// not, puts everything back for line framing.
    fn try_content_length(
        &mut self,
        length: u64,
        message: &mut MessageBuilder,
    ) -> io::Result<bool> {
        if length > MAX_MESSAGE_BYTES as u64 {
            return Ok(false);
        }
        let mut read = Vec::new();
        let body_len = self.lines.read_raw(length, &mut read)?;
        if body_len == length && (read.is_empty() || read.ends_with(b"\n")) {
            let mut piece = Vec::new();
            let mut pieces = 0;
            while pieces < 2 {
                let Some(at_line_start) = self.lines.next_piece(&mut piece)? else {
                    message.push_body(&read[..length as usize]);
                    return Ok(true);
                };
                read.extend_from_slice(&piece);
                pieces += 1;
                if at_line_start && is_from_line(&piece) {
                    self.next_envelope = Some(self.envelope_from(&piece));
                    message.push_body(&read[..length as usize]);
                    return Ok(true);
                }
                if !(at_line_start && is_blank_line(&piece)) {
                    break;
                }
            }
        }
        self.lines.unread(&read, true);
        Ok(false)
    }
}

/// Accumulates one message, its flags and its `Content-Length`.
struct MessageBuilder {
    offset: u64,
    bytes: Vec<u8>,
    oversized: bool,
    flags: Flags,
    received: Option<i64>,
    content_length: Option<u64>,
}

impl MessageBuilder {
    fn new(envelope: &Envelope) -> MessageBuilder {
        MessageBuilder {
            offset: envelope.offset,
            bytes: Vec::new(),
            oversized: false,
            flags: Flags::default(),
            received: envelope_time(&envelope.line),
            content_length: None,
        }
    }

    /// Appends a piece of a line, unescaping `>From ` at line starts.
    fn push(&mut self, piece: &[u8], at_line_start: bool) {
        let unescaped = if at_line_start && is_escaped_from(piece) {
            &piece[1..]
        } else {
            piece
        };
        if self.oversized || self.bytes.len() + unescaped.len() > MAX_MESSAGE_BYTES {
            self.oversized = true;
            self.bytes = Vec::new();
            return;
        }
        self.bytes.extend_from_slice(unescaped);
    }

    /// Appends a body measured by `Content-Length`, line by line.
    fn push_body(&mut self, body: &[u8]) {
        for line in body.split_inclusive(|&byte| byte == b'\n') {
            self.push(line, true);
        }
    }

    /// Reads the headers that carry flags or a `Content-Length`.
    fn note_header(&mut self, line: &[u8]) {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            return;
        };
        let name = line[..colon].trim_ascii();
        let value = line[colon + 1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"Content-Length") {
            self.content_length = std::str::from_utf8(value)
                .ok()
                .and_then(|text| text.parse().ok());
        } else if name.eq_ignore_ascii_case(b"Status") {
            self.flags.seen |= value.contains(&b'R');
        } else if name.eq_ignore_ascii_case(b"X-Status") {
            self.flags.answered |= value.contains(&b'A');
            self.flags.flagged |= value.contains(&b'F');
            self.flags.draft |= value.contains(&b'T');
            self.flags.deleted |= value.contains(&b'D');
        } else if name.eq_ignore_ascii_case(b"X-Mozilla-Status") {
            let bits = std::str::from_utf8(value)
                .ok()
                .and_then(|text| u16::from_str_radix(text, 16).ok());
            if let Some(bits) = bits {
                self.flags.seen |= bits & 0x1 != 0;
                self.flags.answered |= bits & 0x2 != 0;
                self.flags.flagged |= bits & 0x4 != 0;
                self.flags.deleted |= bits & 0x8 != 0;
            }
        }
    }

    /// Drops the empty line that separates this message from the next.
    fn drop_separator_line(&mut self) {
        if self.bytes.ends_with(b"\r\n\r\n") {
            self.bytes.truncate(self.bytes.len() - 2);
        } else if self.bytes.ends_with(b"\n\n") {
            self.bytes.truncate(self.bytes.len() - 1);
        }
    }

    fn finish(self) -> MboxItem {
        if self.oversized {
            return MboxItem::Oversized {
                offset: self.offset,
            };
        }
        MboxItem::Message(MboxMessage {
            offset: self.offset,
            bytes: self.bytes,
            flags: self.flags,
            received: self.received,
        })
    }
}

/// Whether `line` matches `^>+From ` (an escaped body line).
fn is_escaped_from(line: &[u8]) -> bool {
    let quotes = line.iter().take_while(|&&byte| byte == b'>').count();
    quotes > 0 && is_from_line(&line[quotes..])
}

/// The date of a `From sender Www Mmm dd hh:mm:ss yyyy` line, as Unix seconds (UTC).
fn envelope_time(line: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(line).ok()?;
    let words: Vec<&str> = text.split_whitespace().skip(2).take(5).collect();
    let date =
        chrono::NaiveDateTime::parse_from_str(&words.join(" "), "%a %b %e %H:%M:%S %Y").ok()?;
    Some(date.and_utc().timestamp())
}

/// Line pieces of a reader, with put-back and the offset of the next byte.
struct Lines<R> {
    reader: R,
    replay: Vec<u8>,
    replay_pos: usize,
    at_line_start: bool,
    offset: u64,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Lines<R> {
        Lines {
            reader,
            replay: Vec::new(),
            replay_pos: 0,
            at_line_start: true,
            offset: 0,
        }
    }

    fn skip_bom(&mut self) -> io::Result<()> {
        let head = self.reader.fill_buf()?;
        let bom = head.len() - strip_bom(head).len();
        self.reader.consume(bom);
        self.offset += bom as u64;
        Ok(())
    }

    /// Reads the next line (or a [`MAX_PIECE`] piece of a longer one) into
    /// `piece`; returns whether it starts a line, or `None` at the end.
    fn next_piece(&mut self, piece: &mut Vec<u8>) -> io::Result<Option<bool>> {
        piece.clear();
        if self.replay_pos < self.replay.len() {
            let rest = &self.replay[self.replay_pos..];
            let end = rest
                .iter()
                .position(|&byte| byte == b'\n')
                .map_or(rest.len(), |newline| newline + 1);
            let end = end.min(MAX_PIECE as usize);
            piece.extend_from_slice(&rest[..end]);
            self.replay_pos += end;
        } else {
            (&mut self.reader)
                .take(MAX_PIECE)
                .read_until(b'\n', piece)?;
        }
        if piece.is_empty() {
            return Ok(None);
        }
        let at_line_start = self.at_line_start;
        self.at_line_start = piece.ends_with(b"\n");
        self.offset += piece.len() as u64;
        Ok(Some(at_line_start))
    }

    /// Appends up to `length` raw bytes to `out`; returns how many were read.
    fn read_raw(&mut self, length: u64, out: &mut Vec<u8>) -> io::Result<u64> {
        let replayed = (self.replay.len() - self.replay_pos).min(length as usize);
        out.extend_from_slice(&self.replay[self.replay_pos..self.replay_pos + replayed]);
        self.replay_pos += replayed;
        let read = replayed as u64
            + (&mut self.reader)
                .take(length - replayed as u64)
                .read_to_end(out)? as u64;
        self.offset += read;
        if read > 0 {
            self.at_line_start = out.ends_with(b"\n");
        }
        Ok(read)
    }

    /// Puts `bytes`, just read, back in front of the rest.
    fn unread(&mut self, bytes: &[u8], at_line_start: bool) {
        let mut replay = Vec::with_capacity(bytes.len() + self.replay.len() - self.replay_pos);
        replay.extend_from_slice(bytes);
        replay.extend_from_slice(&self.replay[self.replay_pos..]);
        self.replay = replay;
        self.replay_pos = 0;
        self.offset -= bytes.len() as u64;
        self.at_line_start = at_line_start;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<MboxMessage> {
        let mut reader = MboxReader::new(bytes);
        let mut messages = Vec::new();
        while let Some(item) = reader.next_message().unwrap() {
            match item {
                MboxItem::Message(message) => messages.push(message),
                MboxItem::Oversized { offset } => panic!("oversized at {offset}"),
            }
        }
        messages
    }

    fn texts(messages: &[MboxMessage]) -> Vec<String> {
        messages
            .iter()
            .map(|message| String::from_utf8_lossy(&message.bytes).into_owned())
            .collect()
    }

    #[test]
    fn splits_at_from_lines_and_drops_the_separator() {
        let mbox = b"From a@b Thu Aug 22 13:17:22 2002\nSubject: one\n\nbody one\n\nFrom c@d Fri Aug 23 01:02:03 2002\nSubject: two\n\nbody two\n";
        let messages = read_all(mbox);
        assert_eq!(
            texts(&messages),
            ["Subject: one\n\nbody one\n", "Subject: two\n\nbody two\n"]
        );
        assert_eq!(messages[0].offset, 0);
        assert_eq!(messages[1].offset, 58);
        assert_eq!(&mbox[58..64], b"From c");
        assert_eq!(messages[0].received, Some(1_030_022_242));
        assert_eq!(messages[1].received, Some(1_030_064_523));
    }

    #[test]
    fn unescapes_mboxrd_from_lines() {
        let mbox = b"From x\nSubject: q\n\n>From here\n>>From there\n> From not escaped\n>Fromage\nFrom the start\n";
        let messages = read_all(mbox);
        assert_eq!(
            texts(&messages),
            [
                "Subject: q\n\nFrom here\n>From there\n> From not escaped\n>Fromage\nFrom the start\n"
            ]
        );
    }

    #[test]
    fn a_from_line_not_followed_by_a_header_stays_in_the_body() {
        let mbox = b"From -\nSubject: film\n\nFavourite:\n\nFrom Russia with love\n\nend\n";
        assert_eq!(
            texts(&read_all(mbox)),
            ["Subject: film\n\nFavourite:\n\nFrom Russia with love\n\nend\n"]
        );
    }

    #[test]
    fn content_length_protects_from_lines_in_the_body() {
        let body = "From inside\nSubject: looks like a header\n";
        let mbox = format!(
            "From a\nContent-Length: {}\nSubject: one\n\n{body}\nFrom b\nSubject: two\n\nsecond\n",
            body.len()
        );
        let messages = read_all(mbox.as_bytes());
        assert_eq!(messages.len(), 2);
        assert_eq!(
            texts(&messages)[0],
            format!("Content-Length: {}\nSubject: one\n\n{body}", body.len())
        );
        assert_eq!(texts(&messages)[1], "Subject: two\n\nsecond\n");
        assert_eq!(
            &mbox.as_bytes()[messages[1].offset as usize..][..6],
            b"From b"
        );
    }

    #[test]
    fn content_length_may_end_at_end_of_file_or_right_before_from() {
        let mbox = b"From a\nContent-Length: 5\n\nbody\nFrom b\nContent-Length: 3\n\nxy\n";
        assert_eq!(
            texts(&read_all(mbox)),
            ["Content-Length: 5\n\nbody\n", "Content-Length: 3\n\nxy\n"]
        );
    }

    #[test]
    fn a_wrong_content_length_falls_back_to_line_framing() {
        for length in [3, 9, 40, 1_000, u64::MAX] {
            let mbox = format!(
                "From a\nContent-Length: {length}\n\nbody\nmore\n\nFrom b\nSubject: two\n\nsecond\n"
            );
            let messages = read_all(mbox.as_bytes());
            assert_eq!(
                texts(&messages),
                [
                    format!("Content-Length: {length}\n\nbody\nmore\n"),
                    "Subject: two\n\nsecond\n".to_owned()
                ],
                "Content-Length {length}"
            );
        }
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let mbox =
            b"\xEF\xBB\xBFFrom -\r\nSubject: a\r\n\r\nx\r\n\r\nFrom -\r\nSubject: b\r\n\r\ny\r\n";
        let messages = read_all(mbox);
        assert_eq!(
            texts(&messages),
            ["Subject: a\r\n\r\nx\r\n", "Subject: b\r\n\r\ny\r\n"]
        );
        assert_eq!(messages[0].offset, 3);
        assert_eq!(messages[1].offset, 30);
        assert_eq!(&mbox[30..36], b"From -");
    }

    #[test]
    fn flags_from_status_headers() {
        let mbox = b"From a\nStatus: RO\nX-Status: AF\n\n\nFrom b\nX-Status: TD\n\n\nFrom c\nX-Mozilla-Status: 0005\n\n\nFrom d\nStatus: O\n\n";
        let flags: Vec<u8> = read_all(mbox)
            .iter()
            .map(|message| message.flags.bits())
            .collect();
        assert_eq!(flags, [0b00111, 0b11000, 0b00011, 0]);
    }

    #[test]
    fn long_lines_are_read_in_pieces_without_false_boundaries() {
        let long = "x".repeat(MAX_PIECE as usize - 1);
        let mbox = format!("From a\nSubject: long\n\n{long}From b\nSubject: fake\n\nend\n");
        let messages = read_all(mbox.as_bytes());
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].bytes.len(), mbox.len() - "From a\n".len());
    }

    #[test]
    fn junk_before_the_first_message_is_skipped() {
        assert_eq!(
            texts(&read_all(b"junk\nFrom a\nSubject: s\n\nb\n")),
            ["Subject: s\n\nb\n"]
        );
        assert!(read_all(b"").is_empty());
        assert!(read_all(b"no mbox here\n").is_empty());
    }

    #[test]
    fn hostile_input_never_panics() {
        let alphabet: [&[u8]; 10] = [
            b"From ",
            b">From ",
            b"\n",
            b"\r\n",
            b"Content-Length: 7\n",
            b"Status: R\n",
            b"x",
            b": ",
            b"\xEF\xBB\xBF",
            b"Content-Length: 99999999999999999999\n",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2_000 {
            let mut input = Vec::new();
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.extend_from_slice(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let mut reader = MboxReader::new(&input[..]);
            let mut last_offset = None;
            while let Some(item) = reader.next_message().unwrap() {
                let MboxItem::Message(message) = item else {
                    panic!("oversized")
                };
                assert!(message.offset < input.len() as u64);
                assert!(last_offset < Some(message.offset), "offsets grow");
                last_offset = Some(message.offset);
            }
        }
    }
}
