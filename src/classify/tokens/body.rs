//! Tokens of the words of the decoded body text, with a fast path for
//! plain ASCII words.

use super::links::{domain_tokens, url_start, url_tokens};
use super::set::{TokenHash, Tokens, push_decimal};

/// Largest prefix of the decoded body that is tokenized, in bytes.
const MAX_BODY: usize = 128 * 1024;

/// Words longer than this (in characters) become a `skip:` token.
pub(super) const LONG_WORD: usize = 12;

pub(super) fn body_tokens(body: &str, tokens: &mut Tokens) {
    let body = &body[..body.floor_char_boundary(MAX_BODY)];
    if body.trim().is_empty() {
        tokens.add("body:empty");
    }
    if body.is_ascii() {
        ascii_words(body.as_bytes(), tokens);
        return;
    }
    for word in body.split_whitespace() {
        if tokens.is_full() {
            return;
        }
        match word.is_ascii() {
            true => ascii_words(word.as_bytes(), tokens),
            false => body_word(word, tokens),
        }
    }
}

/// What [`ascii_words`] needs to know of a byte: a blank,
const BLANK: u8 = 1;
/// punctuation that [`trim_punctuation`] takes off the ends of a word,
const TRIMMED: u8 = 2;
/// or `@`, `:` or `.`, which may make the word an address or a link.
const MARK: u8 = 4;

/// The class bits of every byte (non-ASCII bytes have none).
static BYTE_CLASS: [u8; 256] = {
    let mut classes = [0; 256];
    let mut byte = 0;
    while byte < 128 {
        let ascii = byte as u8;
        if ascii.is_ascii_whitespace() || ascii == b'\x0b' {
            classes[byte] |= BLANK;
        }
        if ascii.is_ascii_punctuation() && ascii != b'$' && ascii != b'%' {
            classes[byte] |= TRIMMED;
        }
        if matches!(ascii, b'@' | b':' | b'.') {
            classes[byte] |= MARK;
        }
        byte += 1;
    }
    classes
};

/// Every ASCII byte as `clean_into` (in the token set) writes it in a
/// word: lowercase, controls as `_`.
static CLEAN_BYTE: [u8; 128] = {
    let mut clean = [b'_'; 128];
    let mut byte = 0;
    while byte < 128 {
        if (byte as u8).is_ascii_graphic() {
            clean[byte] = (byte as u8).to_ascii_lowercase();
        }
        byte += 1;
    }
    clean
};

/// The body tokens of ASCII text, its words split at ASCII whitespace (as
/// `split_whitespace` splits ASCII text).
fn ascii_words(text: &[u8], tokens: &mut Tokens) {
    let mut rest = text;
    while !rest.is_empty() && !tokens.is_full() {
        let mut classes = 0;
        let length = (rest.iter())
            .position(|&byte| {
                let class = BYTE_CLASS[usize::from(byte)];
                classes |= class;
                class & BLANK != 0
            })
            .unwrap_or(rest.len());
        if length > 0 {
            ascii_word(&rest[..length], classes & MARK != 0, tokens);
        }
        rest = &rest[(length + 1).min(rest.len())..];
    }
}

/// [`body_word`] of an ASCII word, `marked` if it holds a [`MARK`]; most
/// words are plain (no address, no link) and are hashed as they are read,
/// without a copy.
fn ascii_word(word: &[u8], marked: bool, tokens: &mut Tokens) {
    if marked && may_be_address_or_link(word) {
        // Split at ASCII bytes only, so the word is ASCII text too.
        body_word(std::str::from_utf8(word).unwrap_or_default(), tokens);
        return;
    }
    let word = trim_ascii_punctuation(word);
    let clean = |&byte: &u8| CLEAN_BYTE[usize::from(byte & 0x7f)];
    match word.len() {
        0..3 => {}
        3..=LONG_WORD => {
            let mut hash = TokenHash::new();
            word.iter().map(clean).for_each(|byte| hash.push(byte));
            let text = || word.iter().map(clean).map(char::from).collect();
            tokens.add_hash(hash.finish(), text);
        }
        length => {
            let first = char::from(word[0].to_ascii_lowercase());
            tokens.add_built(|token| skip_token(token, first, length));
        }
    }
}

/// Whether an ASCII word holds an `@`, a `://` or a `www.` (any case):
/// what [`body_word`] reads as an address or a link.
fn may_be_address_or_link(word: &[u8]) -> bool {
    word.iter().enumerate().any(|(at, &byte)| match byte {
        b'@' => true,
        b':' => word[at + 1..].starts_with(b"//"),
        b'.' => at >= 3 && word[at - 3..at].eq_ignore_ascii_case(b"www"),
        _ => false,
    })
}

fn body_word(word: &str, tokens: &mut Tokens) {
    let mut lower = std::mem::take(&mut tokens.lower);
    lowercase_into(word, &mut lower);
    if let Some(at) = url_start(&lower) {
        url_tokens(&lower[at..], tokens);
    } else {
        let word = trim_punctuation(&lower);
        match word.split_once('@') {
            Some((name, domain)) if !domain.is_empty() => {
                tokens.add_prefixed("email:name", name);
                domain_tokens("email:domain", domain, tokens);
            }
            _ => plain_word(word, tokens),
        }
    }
    tokens.lower = lower;
}

/// `word.to_lowercase()` into `into`, without allocating for ASCII.
pub(super) fn lowercase_into(word: &str, into: &mut String) {
    into.clear();
    if word.is_ascii() {
        into.push_str(word);
        into.make_ascii_lowercase();
    } else {
        into.push_str(&word.to_lowercase());
    }
}

fn plain_word(word: &str, tokens: &mut Tokens) {
    let length = match word.is_ascii() {
        true => word.len(),
        false => word.chars().count(),
    };
    if length < 3 {
        return;
    }
    if length > LONG_WORD {
        let first = word.chars().next().unwrap_or('?');
        tokens.add_built(|token| skip_token(token, first, length));
    } else {
        tokens.add_clean(word);
    }
}

pub(super) fn trim_punctuation(word: &str) -> &str {
    word.trim_matches(|c: char| c.is_ascii_punctuation() && c != '$' && c != '%')
}

/// [`trim_punctuation`] of ASCII bytes.
fn trim_ascii_punctuation(word: &[u8]) -> &[u8] {
    let trimmed = |byte: &u8| byte.is_ascii_punctuation() && *byte != b'$' && *byte != b'%';
    let start = word
        .iter()
        .position(|byte| !trimmed(byte))
        .unwrap_or(word.len());
    let end = word
        .iter()
        .rposition(|byte| !trimmed(byte))
        .map_or(start, |end| end + 1);
    &word[start..end]
}

/// `skip:<first character>:<length in tens>`: the token of a word too long
/// to keep.
fn skip_token(token: &mut String, first: char, length: usize) {
    token.push_str("skip:");
    token.push(first);
    token.push(':');
    push_decimal(token, length / 10 * 10);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_words_give_the_tokens_of_the_general_path() {
        let words = [
            "Hello,",
            "WORLD!!",
            "a\x01b\x02cd",
            "((quoted))",
            "$100%",
            "ab",
            "end.",
            "x.y.z",
            "supercalifragilistic.",
            "\x7fcontrol",
            "WWW.Example.com",
            "HTTP://a.b/c",
            "me@b.c",
            "((@a))",
            "://x",
            "-www.a.b",
            "x.www",
            "--abc--",
            "$$$",
            "'quoted'!",
            "a.b.c.d.e.f.g.h",
            "http:/x",
            "...",
        ];
        let general = |words: &mut dyn Iterator<Item = &str>| {
            let mut tokens = Tokens::default();
            tokens.clear(true);
            words.for_each(|word| body_word(word, &mut tokens));
            tokens.features
        };
        let fast = |text: &str| {
            let mut tokens = Tokens::default();
            tokens.clear(true);
            ascii_words(text.as_bytes(), &mut tokens);
            tokens.features
        };
        for word in words {
            assert_eq!(fast(word), general(&mut std::iter::once(word)), "{word:?}");
        }
        let text = words.join(" \t\r\n\x0b\x0c ");
        assert_eq!(fast(&text), general(&mut text.split_whitespace()));
    }
}
