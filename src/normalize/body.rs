//! The plain-text body, assembled from parts and capped at [`BODY_LIMIT`].

use super::limits::BODY_LIMIT;

/// Collects body text parts up to [`BODY_LIMIT`] bytes.
#[derive(Default)]
pub(super) struct BodyText {
    text: String,
    capped: bool,
}

impl BodyText {
    /// Appends one part, on a new line after the previous one; whatever goes
    /// past the limit is dropped.
    pub(super) fn push_part(&mut self, part: &str) {
        if self.capped || part.is_empty() {
            return;
        }
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
        let room = BODY_LIMIT.saturating_sub(self.text.len());
        if part.len() > room {
            self.text.push_str(&part[..part.floor_char_boundary(room)]);
            self.capped = true;
        } else {
            self.text.push_str(part);
        }
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
