//! Raw message -> [`Features`]: a bounded set of tokens from selected
//! headers (prefixed by their header) and the decoded body text.
//!
//! The body comes from [`crate::normalize::normalize`] (decoded, HTML turned
//! into text); headers come from our own bounded scan, which drops the
//! verdict headers of other filters. Every token is lowercase and free of
//! whitespace. A token is kept as its 64-bit [`token_hash`]; only
//! [`Features::named`] (for explanations) keeps the text too, so scoring new
//! mail allocates nothing per word.

mod body;
mod header;
mod links;
mod set;

use super::headers::{self, Fields};
use crate::model::Message;
use crate::normalize::normalize;
use body::body_tokens;
use header::{attachment_tokens, header_tokens, part_tokens};
use links::link_tokens;
use set::Tokens;
pub use set::token_hash;

/// Largest prefix of a raw message that is read, in bytes.
const MAX_INPUT: usize = 4 << 20;

/// Most distinct tokens taken from one message (header tokens come first).
pub const MAX_FEATURES: usize = 5000;

/// The distinct tokens of one message, as hashes (`token_hash`) in the order
/// they were found, and, from [`Features::named`] only, their texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Features {
    hashes: Vec<u64>,
    names: Vec<(u64, String)>,
}

impl Features {
    /// Tokenizes one raw RFC 5322 message; never panics.
    pub fn of(raw: &[u8]) -> Features {
        let mut tokenizer = Tokenizer::default();
        tokenizer.of(raw);
        tokenizer.tokens.features
    }

    /// [`Features::of`] that also keeps each token's text, to show it.
    pub fn named(raw: &[u8]) -> Features {
        let mut tokenizer = Tokenizer::default();
        tokenizer.read_raw(raw, true);
        tokenizer.tokens.features
    }

    /// The tokens' hashes, distinct, in the order they were found.
    pub fn hashes(&self) -> impl Iterator<Item = u64> + '_ {
        self.hashes.iter().copied()
    }

    /// The tokens with their texts; empty unless made by [`Features::named`].
    pub fn names(&self) -> impl Iterator<Item = (u64, &str)> {
        self.names.iter().map(|(hash, name)| (*hash, name.as_str()))
    }
}

/// Tokenizes one message after another in the same buffers, so a stream
/// of new mail is tokenized without allocating and freeing them each time.
#[derive(Default)]
pub struct Tokenizer {
    tokens: Tokens,
    fields: Fields,
}

impl Tokenizer {
    /// The [`Features::of`] of `raw`, valid until the next call.
    pub fn of(&mut self, raw: &[u8]) -> &Features {
        self.read_raw(raw, false);
        &self.tokens.features
    }

    /// The [`Features::of`] of a mail whose bytes were normalized already
    /// (`message` is `normalize(raw)`): the same tokens, without parsing
    /// the message a second time; valid until the next call.
    pub fn of_normalized(&mut self, raw: &[u8], message: &Message) -> &Features {
        match raw.len() <= MAX_INPUT {
            true => self.read(raw, message, false),
            // `of` reads only the first MAX_INPUT bytes.
            false => return self.of(raw),
        }
        &self.tokens.features
    }

    /// Normalizes and reads the first [`MAX_INPUT`] bytes of `raw`.
    fn read_raw(&mut self, raw: &[u8], named: bool) {
        let raw = &raw[..raw.len().min(MAX_INPUT)];
        self.read(raw, &normalize(raw), named);
    }

    fn read(&mut self, raw: &[u8], message: &Message, named: bool) {
        let tokens = &mut self.tokens;
        tokens.clear(named);
        headers::read_fields(raw, &mut self.fields);
        header_tokens(message, &self.fields, tokens);
        part_tokens(raw, tokens);
        attachment_tokens(message, tokens);
        link_tokens(&message.links, tokens);
        body_tokens(&message.body, tokens);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn features(raw: &str) -> Vec<String> {
        let named = Features::named(raw.as_bytes());
        assert_eq!(named.hashes, Features::of(raw.as_bytes()).hashes);
        assert!(named.names().all(|(hash, name)| token_hash(name) == hash));
        named.names().map(|(_, name)| name.to_owned()).collect()
    }

    #[test]
    fn tokens_from_headers_and_body() {
        let found = features(
            "From: Deal Shop <offers@mail.deals.example>\nTo: a@b.org\n\
Subject: FREE money now!\nReceived: from relay.deals.example ([203.0.113.9])\n\
Content-Type: text/plain; charset=\"iso-8859-1\"\n\n\
Click https://deals.example/buy?id=123 or write to sales@deals.example now, supercalifragilistic.\n",
        );
        for token in [
            "subject:free",
            "subject:has:!",
            "from:addr:offers@mail.deals.example",
            "from:domain:deals.example",
            "from:name:deal",
            "to:count:1",
            "received:ip:203.0.113",
            "received:deals.example",
            "charset:iso-8859-1",
            "content-type:text/plain",
            "url:deals.example",
            "url:path:buy",
            "url:proto:https",
            "email:name:sales",
            "click",
            "now",
            "skip:s:20",
            "header:subject",
        ] {
            assert!(found.iter().any(|t| t == token), "{token} in {found:?}");
        }
        assert!(found.iter().all(|t| !t.contains(char::is_whitespace)));
    }

    #[test]
    fn a_reused_tokenizer_gives_what_a_fresh_one_gives() {
        let words: String = (0..6000).map(|i| format!("w{i} ")).collect();
        let messages = [
            format!("Subject: many\nReceived: from a.example ([10.1.2.3])\n\n{words}"),
            "From: Shop <a@shop.example>\nSubject: short\n\nbuy now".to_owned(),
            String::new(),
            "Subject: again\n\nhttp://b.example/x mail me@c.example".to_owned(),
        ];
        let mut tokenizer = Tokenizer::default();
        for raw in &messages {
            let fresh = Features::of(raw.as_bytes());
            assert_eq!(tokenizer.of(raw.as_bytes()), &fresh, "{raw:.40}");
        }
    }

    #[test]
    fn verdict_headers_give_no_tokens() {
        let plain = "From: a@b.c\nSubject: hello\n\nhi there\n";
        let forged = format!("X-Spam-Status: Yes, score=20\nX-Spam-Flag: YES\n{plain}");
        assert_eq!(features(plain), features(&forged));
    }

    #[test]
    fn bounded_on_huge_input() {
        let words: String = (0..200_000).map(|i| format!("w{i} ")).collect();
        let found = features(&format!("Subject: x\n\n{words}"));
        assert!(found.len() <= MAX_FEATURES);
        assert!(found.iter().any(|t| t == "subject:x"));
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let mut binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        binary.extend_from_slice(b"\n\n\xff\xfe@@@://\n");
        for raw in [
            &b""[..],
            b"\n\n",
            b"Received: [999.1.2.3] (1.2.3.4.5) @@ ...\n\n",
            b"From: @\nReply-To: <@>\nMessage-ID: <@>\n\nhttp:// www. @ \xf0\x9f",
            &binary,
        ] {
            let _ = Features::of(raw);
        }
    }
}
