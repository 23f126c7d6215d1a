//! The word splitter of text fields: runs of letters and digits, plus
//! `@handle` words for handles and whole mail addresses. Search snippets
//! find the plain words with the same rule ([`next_word`]).
//!
//! A word right after an `@` that does not follow a letter or digit (so
//! `@alice` in `hi @alice`, not `example` in `bob@example.com`) is a handle:
//! it yields `@alice` and `alice` at the same position. So `from:@alice`
//! finds the handle only, while `alice` and phrases around the handle still
//! match as plain words.
//!
//! A mail address (`bob@example.com`, standing on its own or in `<>`, `()`,
//! quotes, after `mailto:`) also yields itself whole, after its first word
//! and at that word's position. So a search for an address is one term, and
//! phrases of its words match as before.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Splits text into words and handles (see the module documentation).
#[derive(Clone, Debug, Default)]
pub(crate) struct WordsTokenizer;

impl Tokenizer for WordsTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        WordStream {
            text,
            next_byte: 0,
            position: None,
            pending: None,
            token: Token::default(),
        }
    }
}

/// The words of one text.
pub(crate) struct WordStream<'a> {
    text: &'a str,
    /// Where to look for the next word.
    next_byte: usize,
    /// Position of the last word given out.
    position: Option<usize>,
    /// The plain word of a handle, or the whole address starting with the
    /// word just given out: `(start, end)`.
    pending: Option<(usize, usize)>,
    token: Token,
}

impl WordStream<'_> {
    /// The next word at or after `next_byte`.
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let span = next_word(self.text, self.next_byte)?;
        self.next_byte = span.1;
        Some(span)
    }

    /// Whether the word starting at `start` follows an `@` that starts a handle.
    fn is_handle(&self, start: usize) -> bool {
        let Some(before) = self.text[..start].strip_suffix('@') else {
            return false;
        };
        !before
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    }

    /// The mail address that starts with the word `start..end`, if any: a
    /// run of characters up to whitespace or an [`ends_address`] character,
    /// less trailing punctuation, with one `@` inside it.
    fn address_at(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let rest = &self.text[end..];
        // Most words end where any address would: no need to look further.
        if rest.chars().next().is_none_or(ends_address) {
            return None;
        }
        if !self.text[..start]
            .chars()
            .next_back()
            .is_none_or(ends_address)
        {
            return None;
        }
        let run = &self.text[start..end + rest.find(ends_address).unwrap_or(rest.len())];
        let address = run.trim_end_matches(|c: char| !c.is_alphanumeric());
        let (_, domain) = address.split_once('@')?;
        let valid = domain.starts_with(char::is_alphanumeric) && !domain.contains('@');
        valid.then_some((start, start + address.len()))
    }

    fn set(&mut self, from: usize, to: usize, position: usize) {
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = position;
        self.token.position_length = 1;
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((start, end)) = self.pending.take() {
            let position = self.position.unwrap_or_default();
            self.set(start, end, position);
            return true;
        }
        let Some((start, end)) = self.next_word() else {
            return false;
        };
        let position = self.position.map_or(0, |last| last + 1);
        self.position = Some(position);
        if self.is_handle(start) {
            self.set(start - 1, end, position);
            self.pending = Some((start, end));
        } else {
            self.set(start, end, position);
            self.pending = self.address_at(start, end);
        }
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The byte range of the next word of `text` at or after byte `from`: a
/// run of letters and digits. The one definition of a plain word, for the
/// index, the rules matcher and search snippets.
pub(crate) fn next_word(text: &str, from: usize) -> Option<(usize, usize)> {
    let (offset, _) = text[from..]
        .char_indices()
        .find(|(_, c)| c.is_alphanumeric())?;
    let start = from + offset;
    let length = text[start..]
        .char_indices()
        .find(|(_, c)| !c.is_alphanumeric())
        .map_or(text.len() - start, |(length, _)| length);
    Some((start, start + length))
}

/// The byte ranges of the plain words of `text` (see [`next_word`]), in order.
pub(crate) fn word_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let span = next_word(text, from)?;
        from = span.1;
        Some(span)
    })
}

/// Whether `c` ends (or comes before) a mail address in text: whitespace,
/// and what encloses or separates addresses.
fn ends_address(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | '"' | ',' | ';' | ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = WordsTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut words = Vec::new();
        while stream.advance() {
            let token = stream.token();
            assert_eq!(&text[token.offset_from..token.offset_to], token.text);
            words.push((token.text.clone(), token.position));
        }
        words
    }

    fn owned(words: &[(&str, usize)]) -> Vec<(String, usize)> {
        words.iter().map(|&(w, p)| (w.to_owned(), p)).collect()
    }

    #[test]
    fn handles_give_the_handle_and_the_word_at_one_position() {
        assert_eq!(
            words("hi @alice_b, (@Bob) x@@c"),
            owned(&[
                ("hi", 0),
                ("@alice", 1),
                ("alice", 1),
                ("b", 2),
                ("@Bob", 3),
                ("Bob", 3),
                ("x", 4),
                ("@c", 5),
                ("c", 5),
            ])
        );
    }

    #[test]
    fn mail_addresses_and_plain_text_split_into_words() {
        assert_eq!(
            words("Pudge <pudge@perl.org> e-mail Größe"),
            owned(&[
                ("Pudge", 0),
                ("pudge", 1),
                ("pudge@perl.org", 1),
                ("perl", 2),
                ("org", 3),
                ("e", 4),
                ("mail", 5),
                ("Größe", 6),
            ])
        );
        assert!(words(" @ -- ").is_empty());
    }

    #[test]
    fn addresses_are_also_words_of_their_own() {
        let addresses = |text: &str| -> Vec<(String, usize)> {
            let found = words(text).into_iter();
            found.filter(|(word, _)| word.contains('@')).collect()
        };
        assert_eq!(
            addresses("mail Jo.Doe+x@Mail.example.org. or (o'neil@b.c), mailto:d@e.f x_y@z.a"),
            owned(&[
                ("Jo.Doe+x@Mail.example.org", 1),
                ("o'neil@b.c", 8),
                ("d@e.f", 13),
                ("x_y@z.a", 16),
            ])
        );
        // Not whole: one starting with a symbol, a handle, no domain, two `@`s.
        assert_eq!(
            addresses("_bob@a.b @carol a@ a@. a@b@c"),
            owned(&[("@carol", 3)])
        );
    }
}
