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

/// Cuts over-long header-derived values and lists of `message` to the
/// limits above, with a warning when anything was cut.
pub(super) fn cap_header_fields(message: &mut Message) {
    let mut cut = false;
    let mut cap_list = |len: usize| {
        cut |= len > LIST_LIMIT;
        len.min(LIST_LIMIT)
    };
    message.in_reply_to.truncate(cap_list(message.in_reply_to.len()));
    message.references.truncate(cap_list(message.references.len()));
    message.from.truncate(cap_list(message.from.len()));
    message.to.truncate(cap_list(message.to.len()));
    message.cc.truncate(cap_list(message.cc.len()));
    message.bcc.truncate(cap_list(message.bcc.len()));
    message.attachments.truncate(cap_list(message.attachments.len()));

    let Message {
        message_id,
        in_reply_to,
        references,
        from,
        to,
        cc,
        bcc,
        subject,
        attachments,
        list_id,
        ..
    } = message;
    let texts = message_id
        .iter_mut()
        .chain(subject.iter_mut())
        .chain(list_id.iter_mut())
        .chain(in_reply_to.iter_mut())
        .chain(references.iter_mut())
        .chain(from.iter_mut().chain(to).chain(cc).chain(bcc).flat_map(|p| {
            std::iter::once(&mut p.address).chain(p.name.iter_mut())
        }))
        .chain(
            attachments
                .iter_mut()
                .flat_map(|a| std::iter::once(&mut a.mime_type).chain(a.name.iter_mut())),
        );
    for text in texts {
        if text.len() > FIELD_LIMIT {
            text.truncate(text.floor_char_boundary(FIELD_LIMIT));
            cut = true;
        }
    }
    if cut {
        message.warnings.push(format!(
            "over-long header fields were cut (to {FIELD_LIMIT} bytes per value, {LIST_LIMIT} entries per list)"
        ));
    }
}
