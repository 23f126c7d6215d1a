//! Tokens of the header fields and of the MIME structure: sender,
//! recipients, subject, relays, content types and attachments.

use super::body::{LONG_WORD, lowercase_into, trim_punctuation};
use super::links::{domain_of, domain_tokens, ipv4};
use super::set::{Tokens, push_decimal};
use crate::classify::headers::{self, Fields};
use crate::model::Message;

/// Most `Received` fields and MIME part headers looked at.
const MAX_RECEIVED: usize = 10;
const MAX_PARTS: usize = 50;

pub(super) fn header_tokens(message: &Message, fields: &Fields, tokens: &mut Tokens) {
    if let Some(subject) = &message.subject {
        subject_tokens(subject, tokens);
    }
    for sender in &message.from {
        tokens.add_prefixed("from:addr", &sender.address);
        domain_tokens("from:domain", domain_of(&sender.address), tokens);
        match sender
            .name
            .as_deref()
            .filter(|name| !name.trim().is_empty())
        {
            Some(name) => words("from:name", name, tokens),
            None => tokens.add("from:name:none"),
        }
    }
    let recipients = message.to.len() + message.cc.len();
    tokens.add_built(|token| {
        token.push_str("to:count:");
        token.push_str(bucket(recipients));
    });
    for recipient in message.to.iter().chain(&message.cc).take(20) {
        tokens.add_prefixed("to:domain", domain_of(&recipient.address));
    }
    match message.message_id.as_deref().map(domain_of) {
        Some("") => tokens.add("message-id:no-domain"),
        Some(domain) => tokens.add_prefixed("message-id:domain", domain),
        None => tokens.add("message-id:none"),
    }
    if let Some(list) = &message.list_id {
        tokens.add_prefixed("list-id", list);
    }
    let mut received = 0;
    for (name, value) in fields.iter() {
        tokens.add_prefixed("header", name);
        match name {
            "received" if received < MAX_RECEIVED => {
                received += 1;
                received_tokens(value, tokens);
            }
            "reply-to" => domain_tokens("reply-to:domain", domain_of(value), tokens),
            "x-mailer" | "user-agent" => words("x-mailer", value, tokens),
            "content-type" => content_type_tokens("content-type", value, tokens),
            "content-transfer-encoding" => tokens.add_prefixed("cte", value),
            _ => {}
        }
    }
    tokens.add_built(|token| {
        token.push_str("received:count:");
        token.push_str(bucket(received));
    });
}

fn subject_tokens(subject: &str, tokens: &mut Tokens) {
    words("subject", subject, tokens);
    for mark in ['!', '$', '%'] {
        if subject.contains(mark) {
            tokens.add_built(|token| {
                token.push_str("subject:has:");
                token.push(mark);
            });
        }
    }
    let letters: Vec<char> = subject.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 6 && letters.iter().all(|c| c.is_uppercase()) {
        tokens.add("subject:all-caps");
    }
}

/// Hosts and networks a message passed through: the domain of every
/// host name, and the /16 and /24 networks of every IPv4 address.
fn received_tokens(value: &str, tokens: &mut Tokens) {
    let separator = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ';');
    for word in value.split(separator) {
        // Addresses and host names have dots; most words of the field don't.
        if !word.as_bytes().contains(&b'.') {
            continue;
        }
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let digit_first = word.starts_with(|c: char| c.is_ascii_digit());
        if let Some(octets) = digit_first.then(|| ipv4(word)).flatten() {
            let [a, b, c, _] = octets;
            for octets in [&[a, b][..], &[a, b, c]] {
                tokens.add_built(|token| {
                    token.push_str("received:ip:");
                    for (index, &octet) in octets.iter().enumerate() {
                        if index > 0 {
                            token.push('.');
                        }
                        push_decimal(token, octet.into());
                    }
                });
            }
        } else if is_host_name(word) {
            domain_tokens("received", word, tokens);
        }
    }
}

/// `type/subtype` and charset of the MIME parts, found by scanning the
/// body for part headers (bounded).
pub(super) fn part_tokens(raw: &[u8], tokens: &mut Tokens) {
    const FIELD: &[u8] = b"content-type:";
    let mut parts = 0;
    for line in headers::lines(raw) {
        if line.len() > FIELD.len() && line[..FIELD.len()].eq_ignore_ascii_case(FIELD) {
            let value = String::from_utf8_lossy(&line[FIELD.len()..line.len().min(256)]);
            content_type_tokens("part", &value, tokens);
            parts += 1;
            if parts == MAX_PARTS {
                break;
            }
        }
    }
}

fn content_type_tokens(prefix: &str, value: &str, tokens: &mut Tokens) {
    let mut params = value.split(';');
    if let Some(mime_type) = params.next() {
        tokens.add_prefixed(prefix, mime_type);
    }
    for param in params {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            tokens.add_prefixed("charset", value.trim_matches([' ', '"', '\'']));
        }
    }
}

pub(super) fn attachment_tokens(message: &Message, tokens: &mut Tokens) {
    for attachment in message.attachments.iter().take(MAX_PARTS) {
        tokens.add_prefixed("attachment:type", &attachment.mime_type);
        let extension = attachment
            .name
            .as_deref()
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, extension)| extension)
            .filter(|extension| extension.len() <= 8);
        if let Some(extension) = extension {
            tokens.add_prefixed("attachment:ext", extension);
        }
    }
}

/// Word tokens of a header value.
fn words(prefix: &str, text: &str, tokens: &mut Tokens) {
    let mut lower = std::mem::take(&mut tokens.lower);
    for word in text.split_whitespace().take(50) {
        lowercase_into(word, &mut lower);
        let word = trim_punctuation(&lower);
        if word.chars().count() > LONG_WORD {
            let first = word.chars().next().unwrap_or('?');
            tokens.add_built(|token| {
                token.push_str(prefix);
                token.push_str(":skip:");
                token.push(first);
            });
        } else {
            tokens.add_prefixed(prefix, word);
        }
    }
    tokens.lower = lower;
}

/// A dotted name of letters, digits and hyphens, ending in a letter label.
fn is_host_name(word: &str) -> bool {
    let top = word.rsplit('.').next().unwrap_or_default();
    word.contains('.')
        && word.len() <= 255
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !top.is_empty()
        && top.chars().all(|c| c.is_ascii_alphabetic())
}

/// A rough size class: 0, 1, 2, 3-5, 6-10, 11+.
fn bucket(count: usize) -> &'static str {
    match count {
        0 => "0",
        1 => "1",
        2 => "2",
        3..=5 => "3-5",
        6..=10 => "6-10",
        _ => "11+",
    }
}
