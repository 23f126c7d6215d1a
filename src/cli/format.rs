//! Human-readable output.
//!
//! Text from messages, servers and stored names reaches the terminal only
//! through [`visible_line`] or [`visible_text`]: control characters and
//! bidirectional formatting characters are shown, not obeyed, the way
//! `less` shows them (`^[` for ESC, `^?` for DEL, `<U+202E>` for the
//! others), so a message cannot retitle the window, clear the screen, plant
//! a link, overwrite what was printed or reorder it. `--json` output is
//! escaped by JSON itself.

use std::borrow::Cow;
use std::fmt::Write;

use crate::model::is_bidi_control;
use crate::rpc::dto::{MessageDto, ParticipantDto, SummaryDto};

const FROM_WIDTH: usize = 24;

/// `id  date  from  subject  (tags)` on one line.
pub(super) fn summary_line(summary: &SummaryDto) -> String {
    let date = summary
        .timestamp
        .map(day)
        .unwrap_or_else(|| "----------".into());
    let from = summary.from.as_deref().map(sender_name).unwrap_or_default();
    let subject = summary.subject.as_deref().unwrap_or("(no subject)");
    format!(
        "{:>7}  {date}  {:<width$}  {}  ({})",
        summary.id,
        clip(&visible_line(&one_line(&from)), FROM_WIDTH),
        visible_line(&one_line(subject)),
        visible_line(&summary.tags.join(" ")),
        width = FROM_WIDTH
    )
}

/// Headers, tags, attachments and body of a message.
pub(super) fn message(message: &MessageDto) -> String {
    let summary = &message.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Message {} (thread {}), account {}, {} in {}",
        summary.id,
        summary.thread,
        visible_line(&summary.account),
        summary.source,
        visible_line(&summary.folders.join(", "))
    );
    for (name, people) in [
        ("From", &message.from_all),
        ("To", &message.to),
        ("Cc", &message.cc),
        ("Bcc", &message.bcc),
    ] {
        if !people.is_empty() {
            let people: Vec<String> = people.iter().map(participant).collect();
            let _ = writeln!(out, "{name}: {}", people.join(", "));
        }
    }
    if let Some(date) = summary.timestamp {
        let _ = writeln!(out, "Date: {}", full_date(date));
    }
    let subject = summary.subject.as_deref().unwrap_or("");
    let _ = writeln!(out, "Subject: {}", visible_line(subject));
    if let Some(id) = &summary.message_id {
        let _ = writeln!(out, "Message-ID: <{}>", visible_line(id));
    }
    let _ = writeln!(out, "Tags: {}", visible_line(&summary.tags.join(" ")));
    for attachment in &message.attachment_list {
        let _ = writeln!(
            out,
            "Attachment: {} ({}, {} bytes)",
            visible_line(attachment.name.as_deref().unwrap_or("unnamed")),
            visible_line(&attachment.mime_type),
            attachment.size
        );
    }
    for warning in &message.warnings {
        let _ = writeln!(out, "Warning: {}", visible_line(warning));
    }
    let _ = writeln!(out, "\n{}", visible_text(message.body.trim_end()));
    out
}

/// `Name <address>`, or the address alone.
fn participant(person: &ParticipantDto) -> String {
    let text = match &person.name {
        Some(name) if !name.is_empty() => format!("{name} <{}>", person.address),
        _ => person.address.clone(),
    };
    visible_line(&text).into_owned()
}

/// `Name <address>` -> `Name`; a bare address stays.
fn sender_name(sender: &str) -> String {
    match sender.rfind(" <") {
        Some(end) if end > 0 => sender[..end].trim_matches('"').to_owned(),
        _ => sender.to_owned(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(text: &str, width: usize) -> String {
    let text = one_line(text);
    if text.chars().count() <= width {
        return text;
    }
    let mut clipped: String = text.chars().take(width - 1).collect();
    clipped.push('…');
    clipped
}

fn day(timestamp: i64) -> String {
    local(timestamp)
        .map(|date| date.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn full_date(timestamp: i64) -> String {
    local(timestamp)
        .map(|date| date.format("%a, %d %b %Y %H:%M:%S %z").to_string())
        .unwrap_or_default()
}

fn local(timestamp: i64) -> Option<chrono::DateTime<chrono::Local>> {
    chrono::DateTime::from_timestamp(timestamp, 0).map(|date| date.with_timezone(&chrono::Local))
}

/// `text` for one line of output: every control character (line breaks
/// and tabs too) and bidirectional formatting character made visible.
pub(super) fn visible_line(text: &str) -> Cow<'_, str> {
    visible(text, false)
}

/// `text` of several lines (a message body): line breaks and tabs stay, a
/// carriage return before a line break goes, every other control character
/// and bidirectional formatting character is made visible.
pub(super) fn visible_text(text: &str) -> Cow<'_, str> {
    visible(text, true)
}

fn visible(text: &str, lines: bool) -> Cow<'_, str> {
    let kept = |c: char| lines && (c == '\n' || c == '\t');
    let hidden = |c: char| (c.is_control() || is_bidi_control(c)) && !kept(c);
    if !text.contains(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if lines && chars.peek() == Some(&'\n') => {}
            c if !hidden(c) => out.push(c),
            '\0'..='\x1f' => {
                out.push('^');
                out.push(char::from(c as u8 + 0x40));
            }
            '\x7f' => out.push_str("^?"),
            c => {
                let _ = write!(out, "<U+{:04X}>", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_direction_marks_are_shown_not_obeyed() {
        let hostile = "\u{1b}]0;title\u{7}\u{1b}[2J\u{8}x\u{7f}\u{9b}1m\u{202e}fdp.exe\u{2066}\u{200f}\u{61c}";
        let shown = "^[]0;title^G^[[2J^Hx^?<U+009B>1m<U+202E>fdp.exe<U+2066><U+200F><U+061C>";
        assert_eq!(visible_line(hostile), shown);
        assert_eq!(visible_text(hostile), shown);
    }

    #[test]
    fn bodies_keep_their_lines_and_tabs_single_lines_do_not() {
        assert_eq!(visible_text("a\tb\r\nc\rd\n"), "a\tb\nc^Md\n");
        assert_eq!(visible_line("a\tb\r\nc"), "a^Ib^M^Jc");
    }

    #[test]
    fn plain_text_is_left_alone() {
        let text = "Grüße, 東京 — «ok» עברית";
        assert!(matches!(visible_line(text), Cow::Borrowed(_)));
        assert!(matches!(visible_text("line\n\tnext"), Cow::Borrowed(_)));
    }
}
