//! Messages dense with header fields or MIME parts: parsed through a
//! bounded view, with the same fields kept and a warning.

use std::borrow::Cow;

use crate::normalize::bound::{
    BOUNDARY_LINE_LIMIT, FIELD_NAME_BUDGET, HEADER_BLOCK_BUDGET, parse_view,
};
use crate::normalize::{LIST_LIMIT, html_part, normalize};

fn warned(warnings: &[String], words: &str) -> bool {
    warnings.iter().any(|w| w.contains(words))
}

#[test]
fn a_huge_recipient_list_is_parsed_within_the_field_budget() {
    let to: Vec<String> = (0..300_000).map(|i| format!("u{i}@example.com")).collect();
    let raw = format!("Subject: crowd\nTo: {}\n\nbody\n", to.join(", "));
    assert!(raw.len() > 20 * HEADER_BLOCK_BUDGET);

    let view = parse_view(raw.as_bytes());
    assert!(
        view.bytes.len() <= FIELD_NAME_BUDGET + 100,
        "{}",
        view.bytes.len()
    );
    // Cut at a comma: the last address kept is whole.
    let text = String::from_utf8_lossy(&view.bytes);
    let header = text.split("\n\n").next().unwrap();
    assert!(
        header.ends_with("@example.com"),
        "{:?}",
        &header[header.len() - 40..]
    );

    let message = normalize(raw.as_bytes());
    assert_eq!(message.subject.as_deref(), Some("crowd"));
    assert_eq!(message.to.len(), LIST_LIMIT);
    assert_eq!(message.to[0].address, "u0@example.com");
    assert_eq!(message.body, "body\n");
    assert!(warned(&message.warnings, "of each field name were read"));
    assert!(warned(&message.warnings, "were cut"));
}

#[test]
fn unread_fields_are_skipped_and_later_fields_still_read() {
    let mut raw = String::from("From: a@example.com\n");
    for i in 0..100_000 {
        raw += &format!("X-Filler-{i}: value {i}\nTo: u{i}@example.com\n");
    }
    raw += "Subject: found at the end\nMessage-ID: <end@example.com>\n\nbody\n";

    let view = parse_view(raw.as_bytes());
    // To (up to its budget) and the few other read fields.
    assert!(
        view.bytes.len() < FIELD_NAME_BUDGET + 1000,
        "{}",
        view.bytes.len()
    );
    let message = normalize(raw.as_bytes());
    assert_eq!(message.subject.as_deref(), Some("found at the end"));
    assert_eq!(message.message_id.as_deref(), Some("end@example.com"));
    assert_eq!(message.from[0].address, "a@example.com");
    assert_eq!(message.to.len(), LIST_LIMIT);
    assert_eq!(
        message.to[LIST_LIMIT - 1].address,
        format!("u{}@example.com", LIST_LIMIT - 1)
    );
}

#[test]
fn skipping_only_unread_fields_needs_no_warning() {
    let filler: String = (0..100_000)
        .map(|i| format!("X-Filler-{i}: value\n"))
        .collect();
    let raw = format!("From: a@example.com\n{filler}Subject: last\n\nbody\n");
    let view = parse_view(raw.as_bytes());
    assert!(view.bytes.len() < 100, "{}", view.bytes.len());
    let message = normalize(raw.as_bytes());
    assert_eq!(message.subject.as_deref(), Some("last"));
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
}

#[test]
fn parts_after_the_boundary_line_limit_are_not_parsed() {
    let mut raw =
        String::from("Subject: many parts\nContent-Type: multipart/mixed; boundary=m\n\n");
    let parts = BOUNDARY_LINE_LIMIT + 5_000;
    for i in 0..parts {
        raw += &format!("--m\nContent-Type: application/octet-stream; name=\"f{i}.bin\"\n\nx\n");
    }
    raw += "--m--\n";

    let view = parse_view(raw.as_bytes());
    assert!(matches!(view.bytes, Cow::Borrowed(_)));
    let expected_end = raw
        .find(&format!(
            "--m\nContent-Type: application/octet-stream; name=\"f{BOUNDARY_LINE_LIMIT}.bin\""
        ))
        .unwrap();
    assert_eq!(view.bytes.len(), expected_end);

    let message = normalize(raw.as_bytes());
    assert_eq!(message.attachments.len(), LIST_LIMIT);
    assert_eq!(message.attachments[0].name.as_deref(), Some("f0.bin"));
    assert!(warned(&message.warnings, "MIME boundary lines"));
}

#[test]
fn ordinary_messages_are_parsed_as_they_are() {
    // A header block just under the budget, and 1,000 parts.
    let to: Vec<String> = (0..9_000).map(|i| format!("u{i}@example.com")).collect();
    let mut raw = format!(
        "To: {}\nContent-Type: multipart/mixed; boundary=m\n\n",
        to.join(",\n ")
    );
    assert!(raw.len() < HEADER_BLOCK_BUDGET && raw.len() > HEADER_BLOCK_BUDGET / 2);
    for i in 0..1_000 {
        raw += &format!("--m\nContent-Type: text/plain; name=\"f{i}.txt\"\n\nx\n");
    }
    raw += "--m--\n";
    let view = parse_view(raw.as_bytes());
    assert!(matches!(view.bytes, Cow::Borrowed(bytes) if bytes == raw.as_bytes()));
    assert!(view.warnings.is_empty(), "{:?}", view.warnings);
}

/// The HTML part the API shows is found in the same bounded view as the
/// text import keeps: the parts after the cut are not parsed for it either.
#[test]
fn the_html_part_is_read_through_the_bounded_view() {
    let tiny_parts = "--m\n\nx\n".repeat(BOUNDARY_LINE_LIMIT + 10);
    let html = "--m\nContent-Type: text/html\n\n<p>caf&eacute;</p>\n";
    let raw = |before: &str, after: &str| {
        format!(
            "Subject: parts\nContent-Type: multipart/mixed; boundary=m\n\n{before}{after}--m--\n"
        )
    };

    let first = raw(html, &tiny_parts);
    assert_eq!(
        html_part(first.as_bytes()).as_deref(),
        Some("<p>caf&eacute;</p>")
    );

    let past_the_cut = raw(&tiny_parts, html);
    assert_eq!(html_part(past_the_cut.as_bytes()), None);
}
