//! Human-readable output.

use std::fmt::Write;

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
        clip(&from, FROM_WIDTH),
        one_line(subject),
        summary.tags.join(" "),
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
        summary.account,
        summary.source,
        summary.folders.join(", ")
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
    let _ = writeln!(out, "Subject: {}", summary.subject.as_deref().unwrap_or(""));
    if let Some(id) = &summary.message_id {
        let _ = writeln!(out, "Message-ID: <{id}>");
    }
    let _ = writeln!(out, "Tags: {}", summary.tags.join(" "));
    for attachment in &message.attachment_list {
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

/// `Name <address>`, or the address alone.
fn participant(person: &ParticipantDto) -> String {
    match &person.name {
        Some(name) if !name.is_empty() => format!("{name} <{}>", person.address),
        _ => person.address.clone(),
    }
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
