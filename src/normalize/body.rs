//! The plain-text body, assembled from parts and capped at [`BODY_LIMIT`].

use std::borrow::Cow;

use super::limits::BODY_LIMIT;

/// Collects body text parts up to [`BODY_LIMIT`] bytes.
#[derive(Default)]
pub(super) struct BodyText {
    text: String,
    capped: bool,
}

impl BodyText {
    /// Appends one part, on a new line after the previous one, with CRLF
    /// line ends turned into LF; whatever goes past the limit is dropped.
    pub(super) fn push_part(&mut self, part: &str) {
        if self.capped || part.is_empty() {
            return;
        }
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        let room = BODY_LIMIT.saturating_sub(self.text.len());
        // CRLF -> LF at most halves the text: twice the room is enough.
        let window = &part[..part.floor_char_boundary(room.saturating_mul(2))];
        let text = if window.contains('\r') {
            Cow::Owned(window.replace("\r\n", "\n"))
        } else {
            Cow::Borrowed(window)
        };
        self.capped = text.len() > room || window.len() < part.len();
        self.text.push_str(&text[..text.floor_char_boundary(room)]);
    }

    /// Whether more text would still be kept.
    pub(super) fn is_full(&self) -> bool {
        self.capped
    }

    /// The body; notes in `warnings` when text was dropped.
    pub(super) fn finish(self, warnings: &mut Vec<String>) -> String {
        if self.capped {
            warnings.push(format!(
                "body text longer than {} KiB; only the first {} KiB are kept",
                BODY_LIMIT / 1024,
                BODY_LIMIT / 1024
            ));
        }
        self.text
    }
}
