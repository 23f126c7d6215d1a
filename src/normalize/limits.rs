//! Size limits, so a hostile or huge message cannot bloat the store or the
//! index. Whatever is cut is noted in the message's warnings.

use crate::model::Message;

/// Largest plain-text body kept for a message, in bytes; longer bodies are
/// cut at a character boundary.
pub const BODY_LIMIT: usize = 1 << 20;

/// Largest text kept from one header-derived value (subject, name,
/// address, id, attachment name), in bytes.
pub const FIELD_LIMIT: usize = 2048;

/// Most entries kept in one list (recipients of one kind, ids,
/// attachments).
pub const LIST_LIMIT: usize = 1000;

/// Most link targets kept from the HTML parts of one message.
pub const LINK_LIMIT: usize = 100;

/// Cuts over-long header-derived values and lists of `message` to the
/// limits above, with a warning when anything was cut.
pub(super) fn cap_header_fields(message: &mut Message) {
    let mut cut = false;
    cut |= cap_list(&mut message.in_reply_to);
    cut |= cap_list(&mut message.references);
    cut |= cap_list(&mut message.from);
    cut |= cap_list(&mut message.to);
    cut |= cap_list(&mut message.cc);
    cut |= cap_list(&mut message.bcc);
    cut |= cap_list(&mut message.attachments);

    let single_values = [
        &mut message.message_id,
        &mut message.subject,
        &mut message.list_id,
    ];
    for text in single_values.into_iter().flatten() {
        cut |= cap_text(text);
    }
    for id in message
        .in_reply_to
        .iter_mut()
        .chain(&mut message.references)
    {
        cut |= cap_text(id);
    }
    let people = (message.from.iter_mut())
        .chain(&mut message.to)
        .chain(&mut message.cc)
        .chain(&mut message.bcc);
    for person in people {
        cut |= cap_text(&mut person.address);
        cut |= person.name.as_mut().is_some_and(cap_text);
    }
    for attachment in &mut message.attachments {
        cut |= cap_text(&mut attachment.mime_type);
        cut |= attachment.name.as_mut().is_some_and(cap_text);
    }
    if cut {
        message.warnings.push(format!(
            "over-long header fields were cut (to {FIELD_LIMIT} bytes per value, \
             {LIST_LIMIT} entries per list)"
        ));
    }
}

fn cap_list<T>(list: &mut Vec<T>) -> bool {
    let cut = list.len() > LIST_LIMIT;
    list.truncate(LIST_LIMIT);
    cut
}

fn cap_text(text: &mut String) -> bool {
    let cut = text.len() > FIELD_LIMIT;
    text.truncate(text.floor_char_boundary(FIELD_LIMIT));
    cut
}
