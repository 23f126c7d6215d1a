//! Human-readable output.

use std::fmt::Write;

use crate::model::Message;
use crate::store::{Summary, display_tags};

const FROM_WIDTH: usize = 24;

/// `id  date  from  subject  (tags)` on one line.
pub(super) fn summary_line(summary: &Summary) -> String {
    let date = summary
        .date
        .or(summary.received)
        .map(day)
        .unwrap_or_else(|| "----------".into());
    let from = summary
        .sender
        .as_deref()
        .map(sender_name)
        .unwrap_or_default();
    let subject = summary.subject.as_deref().unwrap_or("(no subject)");
    let tags = display_tags(summary.flags, &summary.tags).join(" ");
    format!(
        "{:>7}  {date}  {:<width$}  {}  ({tags})",
        summary.id.0,
        clip(&from, FROM_WIDTH),
        one_line(subject),
        width = FROM_WIDTH
    )
}

/// Headers, tags, attachments and body of a message.
pub(super) fn message(summary: &Summary, message: &Message) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Message {} (thread {}), account {}, {} in {}",
        summary.id.0,
        summary.thread.0,
        summary.account,
        summary.source,
        summary.folders.join(", ")
    );
    for (name, people) in [
        ("From", &message.from),
        ("To", &message.to),
        ("Cc", &message.cc),
        ("Bcc", &message.bcc),
    ] {
        if !people.is_empty() {
            let _ = writeln!(
                out,
                "{name}: {}",
                people
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if let Some(date) = summary.date.or(summary.received) {
        let _ = writeln!(out, "Date: {}", full_date(date));
    }
    let _ = writeln!(out, "Subject: {}", message.subject.as_deref().unwrap_or(""));
    if let Some(id) = &message.message_id {
        let _ = writeln!(out, "Message-ID: <{id}>");
    }
    let _ = writeln!(
        out,
        "Tags: {}",
        display_tags(summary.flags, &summary.tags).join(" ")
    );
    for attachment in &message.attachments {
        let _ = writeln!(
            out,
            "Attachment: {} ({}, {} bytes)",
            attachment.name.as_deref().unwrap_or("unnamed"),
            attachment.mime_type,
            attachment.size
        );
    }
    for warning in &message.warnings {
        let _ = writeln!(out, "Warning: {warning}");
    }
    let _ = writeln!(out, "\n{}", message.body.trim_end());
    out
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
