//! The bytes the MIME parser is given: the message itself, or a bounded
//! view of it when it is dense with header fields or MIME parts.
//!
//! mail-parser keeps a record of tens to hundreds of bytes for every header
//! field, address, message id, parameter and part it reads, a few input bytes
//! each, so a message packed with them (millions of recipients, header fields
//! or tiny parts) would take 20 to 50 times its size in memory. A top-level
//! header block over [`HEADER_BLOCK_BUDGET`] is reduced to the fields
//! normalization reads, at most [`FIELD_NAME_BUDGET`] bytes of each field
//! name (a warning when one is cut); the body is cut before its boundary
//! line number [`BOUNDARY_LINE_LIMIT`] + 1. Other messages are passed through
//! untouched. The stored raw message is never changed: only what is parsed.

use std::borrow::Cow;

use super::fallback::{field_name, trim_cr};

/// Header blocks up to this size are parsed as they are.
pub(super) const HEADER_BLOCK_BUDGET: usize = 256 * 1024;

/// Bytes kept of each field name in a header block over the budget: more
/// than the recipients and ids a message keeps.
pub(super) const FIELD_NAME_BUDGET: usize = 128 * 1024;

/// Lines starting with `--` (candidate MIME boundaries) parsed at most.
pub(super) const BOUNDARY_LINE_LIMIT: usize = 25_000;

/// The header fields normalization reads (lowercase).
const READ_FIELDS: [&str; 14] = [
    "message-id",
    "in-reply-to",
    "references",
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "list-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
];

/// What to parse in place of a raw message, and what was left out.
pub(super) struct ParseView<'a> {
    pub(super) bytes: Cow<'a, [u8]>,
    pub(super) warnings: Vec<String>,
}

/// The bytes of `raw` to hand to the parsers; see the module documentation.
pub(super) fn parse_view(raw: &[u8]) -> ParseView<'_> {
    let header_end = header_block_end(raw);
    let body = &raw[header_end..];
    let mut warnings = Vec::new();
    let body_end = match boundary_cut(body) {
        Some(cut) => {
            warnings.push(format!(
                "more than {BOUNDARY_LINE_LIMIT} MIME boundary lines; only the parts \
                 before them were read"
            ));
            header_end + cut
        }
        None => raw.len(),
    };
    if header_end <= HEADER_BLOCK_BUDGET {
        return ParseView {
            bytes: Cow::Borrowed(&raw[..body_end]),
            warnings,
        };
    }
    let (mut bytes, cut) = bounded_header(&raw[..header_end]);
    if cut {
        warnings.push(format!(
            "header of {} KiB: only the first {} KiB of each field name were read",
            header_end / 1024,
            FIELD_NAME_BUDGET / 1024
        ));
    }
    bytes.extend_from_slice(&raw[header_end..body_end]);
    ParseView {
        bytes: Cow::Owned(bytes),
        warnings,
    }
}

/// Where the top-level header block ends: at its empty line, or at the first
/// line that is neither a field nor a continuation (as the fallback scan reads it).
fn header_block_end(raw: &[u8]) -> usize {
    let mut at = 0;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        let content = trim_cr(line.strip_suffix(b"\n").unwrap_or(line));
        let is_envelope = at == 0 && content.starts_with(b"From ");
        let is_continuation = at > 0 && starts_with_blank(content);
        let is_field = is_envelope || is_continuation || field_name(content).is_some();
        if content.is_empty() || !is_field {
            return at;
        }
        at += line.len();
    }
    at
}

/// Where the line after [`BOUNDARY_LINE_LIMIT`] lines starting with `--` begins.
fn boundary_cut(body: &[u8]) -> Option<usize> {
    let mut at = 0;
    let mut seen = 0;
    for line in body.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"--") {
            seen += 1;
            if seen > BOUNDARY_LINE_LIMIT {
                return Some(at);
            }
        }
        at += line.len();
    }
    None
}

/// The fields of `block` that normalization reads, each field name up to
/// [`FIELD_NAME_BUDGET`] bytes: a field that does not fit is cut at a fold
/// (or a comma) and the fields of that name after it are left out. The flag
/// tells whether any field read was cut or left out.
fn bounded_header(block: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::with_capacity(READ_FIELDS.len() * FIELD_NAME_BUDGET / 4);
    let mut used = [0usize; READ_FIELDS.len()];
    // The budget slot of the field being copied; `None` while skipping.
    let mut current: Option<usize> = None;
    let mut cut_any = false;
    for (index, line) in block.split_inclusive(|&b| b == b'\n').enumerate() {
        let content = trim_cr(line.strip_suffix(b"\n").unwrap_or(line));
        if index == 0 && content.starts_with(b"From ") {
            out.extend_from_slice(line);
            continue;
        }
        if !(index > 0 && starts_with_blank(content)) {
            let slot = field_name(content).and_then(|name| {
                READ_FIELDS
                    .iter()
                    .position(|read| name.eq_ignore_ascii_case(read))
            });
            current = slot.filter(|&slot| used[slot] < FIELD_NAME_BUDGET);
            cut_any |= slot.is_some() && current.is_none();
        }
        let Some(slot) = current else { continue };
        let room = FIELD_NAME_BUDGET - used[slot];
        if line.len() <= room {
            out.extend_from_slice(line);
            used[slot] += line.len();
            continue;
        }
        // The line does not fit: a continuation is left out, a first line
        // is cut at its last comma within the room.
        if !starts_with_blank(content) {
            let cut = line[..room]
                .iter()
                .rposition(|&b| b == b',')
                .unwrap_or(room);
            out.extend_from_slice(&line[..cut]);
            out.push(b'\n');
        }
        used[slot] = FIELD_NAME_BUDGET;
        current = None;
        cut_any = true;
    }
    if out.last().is_some_and(|&b| b != b'\n') {
        out.push(b'\n');
    }
    (out, cut_any)
}

fn starts_with_blank(line: &[u8]) -> bool {
    line.first().is_some_and(|&b| b == b' ' || b == b'\t')
}
