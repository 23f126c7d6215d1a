//! A short, one-line extract of a message's text: the preview a message
//! list shows, and the text of search snippets.

/// Characters of text in an excerpt (before the `…` marks).
pub const EXCERPT_CHARS: usize = 200;

/// The first [`EXCERPT_CHARS`] characters or so of `text`, on one line,
/// as [`excerpt`] gives them from the start.
pub fn preview(text: &str) -> String {
    excerpt(text, 0, &[]).0
}

/// About [`EXCERPT_CHARS`] characters of `text` from byte `start` (a
/// character boundary): runs of whitespace become one space, the end is
/// pulled back to a word boundary when one lies in its second half, and
/// `…` marks text left out before or after. `marks` (byte ranges of `text`,
/// in order) that lie inside come back as byte ranges of the excerpt.
pub fn excerpt(text: &str, start: usize, marks: &[(usize, usize)]) -> (String, Vec<[usize; 2]>) {
    let end = start + byte_after_chars(&text[start..], EXCERPT_CHARS);
    let end = text[..end]
        .rfind(char::is_whitespace)
        .filter(|&space| end < text.len() && space > start + (end - start) / 2)
        .unwrap_or(end);

    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    let mut highlights = Vec::new();
    let mut pending = marks
        .iter()
        .filter(|&&(from, to)| from >= start && to <= end)
        .peekable();
    let mut open: Option<(usize, usize)> = None;
    for (offset, c) in text[start..end].char_indices() {
        let at = start + offset;
        if let Some(&&(from, to)) = pending.peek()
            && from == at
        {
            pending.next();
            open = Some((out.len(), to));
        }
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with([' ', '…']) {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
        if let Some((from, to)) = open
            && at + c.len_utf8() == to
        {
            highlights.push([from, out.len()]);
            open = None;
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if end < text.trim_end().len() {
        out.push('…');
    }
    (out, highlights)
}

/// The byte length of the first `chars` characters of `text` (all of it when shorter).
fn byte_after_chars(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(at, _)| at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_one_bounded_line() {
        assert_eq!(preview("  Hello,\n\n  world.\t"), "Hello, world.");
        let long = "word ".repeat(100);
        let shown = preview(&long);
        assert!(shown.ends_with('…') && shown.chars().count() <= EXCERPT_CHARS + 1);
        assert!(!shown.contains("  ") && !shown.trim_end_matches('…').ends_with(' '));
        assert_eq!(preview(""), "");
    }
}
