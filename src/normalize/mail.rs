//! The normal path: a message parsed by mail-parser, turned into the model.

use std::sync::LazyLock;

use mail_parser::{
    Encoding, Header, HeaderName, HeaderValue, MessageParser, MessagePart, MimeHeaders, PartType,
};

use super::body::BodyText;
use super::limits::LINK_LIMIT;
use super::text::{self, clean_line, decode_8bit};
use crate::model::{Attachment, Message};

/// One parser for the process. It decodes only the fields [`read_header`]
/// uses and the MIME fields; others (`Received` above all) are skipped.
static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    MessageParser::new()
        .with_mime_headers()
        .with_message_ids()
        .header_date(HeaderName::Date)
        .header_text(HeaderName::Subject)
        .header_address(HeaderName::From)
        .header_address(HeaderName::To)
        .header_address(HeaderName::Cc)
        .header_address(HeaderName::Bcc)
        .default_header_ignore()
});

/// Parses `raw` with mail-parser; `None` when it finds no header at all.
///
/// May panic inside mail-parser on crafted input: call it under
/// [`super::guard::catch_quietly`].
pub(super) fn extract(raw: &[u8]) -> Option<Message> {
    let parsed = PARSER.parse(raw)?;
    let root = parsed.parts.first()?;
    let mut message = Message::default();
    for header in &root.headers {
        read_header(header, raw, &mut message);
    }

    for part in part_list(&parsed, &parsed.html_body) {
        if let PartType::Html(html) = &part.body {
            let room = LINK_LIMIT - message.links.len();
            message.links.extend(super::html::links(html, room));
        }
    }
    let mut body = BodyText::default();
    let mut has_text_part = false;
    for part in part_list(&parsed, &parsed.text_body) {
        if let PartType::Text(text) = &part.body {
            body.push_part(text);
            has_text_part = true;
        }
    }
    if !has_text_part {
        for part in part_list(&parsed, &parsed.html_body) {
            if body.is_full() {
                break;
            }
            if let PartType::Html(html) = &part.body {
                body.push_part(&super::html::to_text(html));
            }
        }
    }
    // Some mailers put the only text in a part mail-parser files under
    // attachments (unnamed, not marked as one): that is the body.
    let (inline_text, attachments): (Vec<_>, Vec<_>) = part_list(&parsed, &parsed.attachments)
        .partition(|part| !has_text_part && is_unnamed_text(part));
    for part in inline_text {
        match &part.body {
            PartType::Text(text) => body.push_part(text),
            PartType::Html(html) => body.push_part(&super::html::to_text(html)),
            _ => {}
        }
    }
    message.body = body.finish(&mut message.warnings);
    message.attachments = attachments.into_iter().map(attachment).collect();
    Some(message)
}

/// The first HTML part of `raw` (its decoded text), if it has one.
///
/// May panic inside mail-parser on crafted input: call it under
/// [`super::guard::catch_quietly`].
pub(super) fn html_part(raw: &[u8]) -> Option<String> {
    let parsed = PARSER.parse(raw)?;
    part_list(&parsed, &parsed.html_body).find_map(|part| match &part.body {
        PartType::Html(html) => Some(html.to_string()),
        _ => None,
    })
}

/// The parts named by `ids`, skipping ids that point nowhere.
fn part_list<'m>(
    parsed: &'m mail_parser::Message<'m>,
    ids: &'m [u32],
) -> impl Iterator<Item = &'m MessagePart<'m>> {
    ids.iter()
        .filter_map(|&id| parsed.parts.get(usize::try_from(id).ok()?))
}

/// Copies one top-level header into `message`; the first Message-ID,
/// Subject, Date and List-Id win, address and reference headers add up.
fn read_header(header: &Header<'_>, raw: &[u8], message: &mut Message) {
    let raw_value = || {
        let value = raw
            .get(header.offset_start as usize..header.offset_end as usize)
            .unwrap_or_default();
        decode_8bit(value)
    };
    let value = &header.value;
    match header.name {
        HeaderName::MessageId if message.message_id.is_none() => {
            message.message_id = text::ids(value).into_iter().next();
        }
        HeaderName::InReplyTo => message.in_reply_to.extend(text::ids(value)),
        HeaderName::References => message.references.extend(text::ids(value)),
        HeaderName::From => text::participants(value, &raw_value(), &mut message.from),
        HeaderName::To => text::participants(value, &raw_value(), &mut message.to),
        HeaderName::Cc => text::participants(value, &raw_value(), &mut message.cc),
        HeaderName::Bcc => text::participants(value, &raw_value(), &mut message.bcc),
        HeaderName::Subject if message.subject.is_none() => {
            message.subject = match value {
                // Raw 8-bit text: mail-parser read it as lossy UTF-8.
                HeaderValue::Text(subject) if subject.contains('\u{FFFD}') => {
                    clean_line(&raw_value())
                }
                HeaderValue::Text(subject) => clean_line(subject),
                _ => None,
            };
        }
        HeaderName::Date if message.date.is_none() => {
            message.date = value
                .as_datetime()
                .filter(|date| date.is_valid())
                .map(|date| date.to_timestamp())
                .or_else(|| super::date::lenient(&raw_value()));
        }
        HeaderName::ListId if message.list_id.is_none() => {
            message.list_id = text::list_id(&raw_value());
        }
        _ => {}
    }
}

/// A text or HTML part without a file name or an `attachment` disposition.
fn is_unnamed_text(part: &MessagePart<'_>) -> bool {
    let is_text = matches!(part.body, PartType::Text(_) | PartType::Html(_));
    let marked = part
        .content_disposition()
        .is_some_and(|disposition| disposition.is_attachment());
    is_text && part.attachment_name().is_none() && !marked
}

fn attachment(part: &MessagePart<'_>) -> Attachment {
    Attachment {
        name: part.attachment_name().and_then(clean_line),
        mime_type: mime_type(part),
        size: decoded_size(part),
    }
}

/// `type/subtype`, lowercased; the MIME defaults when the header is missing
/// or has no subtype.
fn mime_type(part: &MessagePart<'_>) -> String {
    let is_text = matches!(part.body, PartType::Text(_) | PartType::Html(_));
    match part.content_type() {
        Some(content_type) => match content_type.subtype() {
            Some(subtype) => format!("{}/{}", content_type.ctype(), subtype).to_ascii_lowercase(),
            None if content_type.ctype().eq_ignore_ascii_case("text") => "text/plain".to_owned(),
            None => "application/octet-stream".to_owned(),
        },
        None if matches!(part.body, PartType::Message(_)) => "message/rfc822".to_owned(),
        None if is_text => "text/plain".to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

/// Size of the part's decoded content in bytes.
fn decoded_size(part: &MessagePart<'_>) -> u64 {
    let size = match &part.body {
        // An unencoded attached message is stored with the whole outer
        // message as its raw text; its own extent is given by the offsets.
        PartType::Message(_) if part.encoding == Encoding::None => {
            part.offset_end.saturating_sub(part.offset_body) as usize
        }
        _ => part.len(),
    };
    size as u64
}
