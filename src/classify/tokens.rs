//! Raw message -> [`Features`]: a bounded set of tokens from selected
//! headers (prefixed by their header) and the decoded body text.
//!
//! The body comes from [`crate::normalize::normalize`] (decoded, HTML turned
//! into text); headers come from our own bounded scan, which drops the
//! verdict headers of other filters. Every token is lowercase and free of
//! whitespace. A token is kept as its 64-bit [`token_hash`]; only
//! [`Features::named`] (for explanations) keeps the text too, so scoring new
//! mail allocates nothing per word.

use super::headers::{self, Fields};
use crate::model::Message;
use crate::normalize::normalize;

/// Largest prefix of a raw message that is read, in bytes.
const MAX_INPUT: usize = 4 << 20;

/// Largest prefix of the decoded body that is tokenized, in bytes.
const MAX_BODY: usize = 128 * 1024;

/// Most distinct tokens taken from one message (header tokens come first).
pub const MAX_FEATURES: usize = 5000;

/// Words longer than this (in characters) become a `skip:` token.
const LONG_WORD: usize = 12;

/// Most `Received` fields and MIME part headers looked at.
const MAX_RECEIVED: usize = 10;
const MAX_PARTS: usize = 50;

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

    /// How many distinct tokens.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether no token was found.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
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

/// The 64-bit name of a token: FNV-1a over its UTF-8 bytes, then the
/// MurmurHash3 finalizer so every bit depends on every byte. Model files
/// store these values, so the function must never change.
pub fn token_hash(token: &str) -> u64 {
    let mut hash = TokenHash::new();
    token.bytes().for_each(|byte| hash.push(byte));
    hash.finish()
}

/// [`token_hash`] fed one byte at a time, so a token can be hashed while
/// it is read, without being copied first.
struct TokenHash(u64);

impl TokenHash {
    fn new() -> TokenHash {
        TokenHash(0xcbf2_9ce4_8422_2325)
    }

    fn push(&mut self, byte: u8) {
        self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }

    fn finish(self) -> u64 {
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        hash ^ (hash >> 33)
    }
}

/// Slots of a [`TokenSet`]: a power of two, well above [`MAX_FEATURES`].
const SET_SLOTS: usize = 8192;

/// The token hashes seen in one message: open addressing with linear
/// probing in a table made once per tokenizer. Emptied by clearing only
/// the slots its tokens took, so a short message costs little.
struct TokenSet {
    /// Hash 0 marks an empty slot...
    slots: Box<[u64; SET_SLOTS]>,
    /// ...so whether the set holds hash 0 is kept here.
    zero: bool,
}

impl Default for TokenSet {
    fn default() -> TokenSet {
        TokenSet {
            slots: Box::new([0; SET_SLOTS]),
            zero: false,
        }
    }
}

impl TokenSet {
    /// Adds `hash`; `false` if the set held it already. The set must hold
    /// fewer than [`SET_SLOTS`] hashes.
    fn insert(&mut self, hash: u64) -> bool {
        if hash == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        let mut at = hash as usize % SET_SLOTS;
        loop {
            match self.slots[at] {
                0 => {
                    self.slots[at] = hash;
                    return true;
                }
                slot if slot == hash => return false,
                _ => at = (at + 1) % SET_SLOTS,
            }
        }
    }

    /// Empties the set, which holds exactly `hashes`, inserted in that
    /// order. Taking them out newest first keeps every probe path whole:
    /// a hash's path only crossed the slots of hashes inserted before it.
    fn clear(&mut self, hashes: &[u64]) {
        self.zero = false;
        for &hash in hashes.iter().rev().filter(|&&hash| hash != 0) {
            let mut at = hash as usize % SET_SLOTS;
            while self.slots[at] != hash {
                at = (at + 1) % SET_SLOTS;
            }
            self.slots[at] = 0;
        }
    }
}

/// A set of distinct tokens, capped at [`MAX_FEATURES`], with scratch
/// space so building a token allocates nothing.
#[derive(Default)]
struct Tokens {
    seen: TokenSet,
    features: Features,
    /// Whether the tokens' texts are kept too.
    named: bool,
    token: String,
    lower: String,
    suffix: String,
}

impl Tokens {
    /// Empties the set for the next message, keeping its room.
    fn clear(&mut self, named: bool) {
        self.seen.clear(&self.features.hashes);
        self.features.hashes.clear();
        self.features.names.clear();
        self.named = named;
    }

    /// Whether no more tokens are taken from this message.
    fn is_full(&self) -> bool {
        self.features.hashes.len() >= MAX_FEATURES
    }

    fn add(&mut self, token: &str) {
        if !token.is_empty() {
            self.add_hash(token_hash(token), || token.to_owned());
        }
    }

    /// Adds the token whose [`token_hash`] is `hash`; `text` makes its
    /// text, called only when names are kept.
    fn add_hash(&mut self, hash: u64, text: impl FnOnce() -> String) {
        if !self.is_full() && self.seen.insert(hash) {
            self.features.hashes.push(hash);
            if self.named {
                self.features.names.push((hash, text()));
            }
        }
    }

    /// Adds the token `build` writes into an empty text, without allocating.
    fn add_built(&mut self, build: impl FnOnce(&mut String)) {
        let mut text = std::mem::take(&mut self.token);
        text.clear();
        build(&mut text);
        self.add(&text);
        self.token = text;
    }

    /// Adds `prefix:value` with `value` [cleaned](clean_into), unless the
    /// cleaned value is empty.
    fn add_prefixed(&mut self, prefix: &str, value: &str) {
        let value = bounded(value);
        if value.is_empty() {
            return;
        }
        if value.bytes().all(|byte| byte.is_ascii_graphic()) {
            // Most values: hashed as they are read, without a copy.
            let mut hash = TokenHash::new();
            let lowercase = value.bytes().map(|byte| byte.to_ascii_lowercase());
            (prefix.bytes().chain([b':']).chain(lowercase)).for_each(|byte| hash.push(byte));
            let text = || format!("{prefix}:{}", value.to_ascii_lowercase());
            self.add_hash(hash.finish(), text);
            return;
        }
        let mut token = std::mem::take(&mut self.token);
        token.clear();
        token.push_str(prefix);
        token.push(':');
        clean_into(value, &mut token);
        self.add(&token);
        self.token = token;
    }

    /// Adds `value` [cleaned](clean_into).
    fn add_clean(&mut self, value: &str) {
        let mut token = std::mem::take(&mut self.token);
        token.clear();
        clean_into(value, &mut token);
        self.add(&token);
        self.token = token;
    }
}

fn header_tokens(message: &Message, fields: &Fields, tokens: &mut Tokens) {
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
fn part_tokens(raw: &[u8], tokens: &mut Tokens) {
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

fn attachment_tokens(message: &Message, tokens: &mut Tokens) {
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

/// Link hosts and paths, and mail domains, of the HTML parts' links: the
/// text of an HTML mail rarely shows where its links lead.
fn link_tokens(links: &[String], tokens: &mut Tokens) {
    let mut lower = std::mem::take(&mut tokens.lower);
    for link in links {
        lowercase_into(link, &mut lower);
        if lower.starts_with("http") || lower.starts_with("www.") {
            url_tokens(&lower, tokens);
        } else if let Some(address) = lower.strip_prefix("mailto:") {
            domain_tokens("email:domain", domain_of(address), tokens);
        }
    }
    tokens.lower = lower;
}

fn body_tokens(body: &str, tokens: &mut Tokens) {
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

/// Every ASCII byte as [`clean_into`] writes it in a word: lowercase,
/// controls as `_`.
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
fn lowercase_into(word: &str, into: &mut String) {
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

/// Where the first `http://`, `https://` or `www.` in `word` starts.
fn url_start(word: &str) -> Option<usize> {
    let bytes = word.as_bytes();
    (0..bytes.len()).find(|&at| {
        let rest = &bytes[at..];
        (rest[0] == b'h' && (rest.starts_with(b"http://") || rest.starts_with(b"https://")))
            || (rest[0] == b'w' && rest.starts_with(b"www."))
    })
}

fn url_tokens(url: &str, tokens: &mut Tokens) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    tokens.add_prefixed("url:proto", scheme);
    let end = rest
        .find(['/', '?', '#', '"', '\'', '>'])
        .unwrap_or(rest.len());
    let host = rest[..end].rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if ipv4(host).is_some() {
        tokens.add("url:ip");
    } else {
        domain_tokens("url", host, tokens);
    }
    for piece in rest[end..]
        .split(|c: char| !c.is_alphanumeric())
        .filter(|piece| piece.len() >= 3 && piece.len() <= LONG_WORD)
        .take(8)
    {
        tokens.add_prefixed("url:path", piece);
    }
}

/// `prefix:example.com`-style tokens for the last two and three labels of
/// a domain (the full domain when shorter).
fn domain_tokens(prefix: &str, domain: &str, tokens: &mut Tokens) {
    let domain = domain.trim_matches(|c: char| !c.is_alphanumeric());
    let lowercase;
    // Tokens are lowercased as they are built; only other scripts may
    // change length when lowercased, so only they are lowercased first.
    let domain = match domain.is_ascii() {
        true => domain,
        false => {
            lowercase = domain.to_lowercase();
            &lowercase
        }
    };
    if domain.is_empty() || domain.len() > 255 {
        return;
    }
    let mut last = [""; 3];
    let mut count = 0;
    for label in domain.rsplit('.').filter(|l| !l.is_empty()).take(3) {
        last[count] = label;
        count += 1;
    }
    let mut suffix = std::mem::take(&mut tokens.suffix);
    for keep in [2, 3] {
        if count >= keep || (keep == 2 && count > 0) {
            suffix.clear();
            for (index, label) in last[..keep.min(count)].iter().rev().enumerate() {
                if index > 0 {
                    suffix.push('.');
                }
                suffix.push_str(label);
            }
            tokens.add_prefixed(prefix, &suffix);
        }
    }
    tokens.suffix = suffix;
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

/// The domain of an address-like text: what follows its last `@`, up to
/// the first `>`, blank or quote; empty when there is no `@`.
fn domain_of(text: &str) -> &str {
    let Some((_, after)) = text.rsplit_once('@') else {
        return "";
    };
    let end = after
        .find(|c: char| c == '>' || c == '"' || c.is_whitespace())
        .unwrap_or(after.len());
    &after[..end]
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

fn ipv4(word: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = word.split('.');
    for octet in &mut octets {
        *octet = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

fn trim_punctuation(word: &str) -> &str {
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

/// Appends the token-safe, bounded form of `text` to `into`: lowercase, no
/// whitespace or control characters, at most 64 bytes of `text`.
fn clean_into(text: &str, into: &mut String) {
    let text = bounded(text);
    if text.bytes().all(|byte| byte.is_ascii_graphic()) {
        let start = into.len();
        into.push_str(text);
        into[start..].make_ascii_lowercase();
        return;
    }
    let safe = text.chars().map(|c| {
        if c.is_whitespace() || c.is_control() {
            '_'
        } else {
            c
        }
    });
    into.extend(safe.flat_map(char::to_lowercase));
}

/// The part of `text` that [`clean_into`] keeps: trimmed, its first 64 bytes.
fn bounded(text: &str) -> &str {
    let text = text.trim();
    &text[..text.floor_char_boundary(64)]
}

/// `skip:<first character>:<length in tens>`: the token of a word too long
/// to keep.
fn skip_token(token: &mut String, first: char, length: usize) {
    token.push_str("skip:");
    token.push(first);
    token.push(':');
    push_decimal(token, length / 10 * 10);
}

/// Appends `number` in decimal digits.
fn push_decimal(into: &mut String, mut number: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    digits[start..]
        .iter()
        .for_each(|&digit| into.push(char::from(digit)));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn features(raw: &str) -> Vec<String> {
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

    #[test]
    fn the_token_set_empties_around_collisions() {
        let slots = SET_SLOTS as u64;
        // Three hashes for one slot, one for the next, and hash 0.
        let hashes = [7, 7 + slots, 8, 7 + 2 * slots, 0];
        let mut set = TokenSet::default();
        for _ in 0..2 {
            assert!(hashes.iter().all(|&hash| set.insert(hash)));
            assert!(hashes.iter().all(|&hash| !set.insert(hash)));
            set.clear(&hashes);
            assert!(set.slots.iter().all(|&slot| slot == 0) && !set.zero);
        }
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
    fn links_of_html_parts_give_tokens() {
        let found = features(
            "From: a@b.c\nSubject: hi\nMIME-Version: 1.0\n\
Content-Type: multipart/alternative; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n\
Click here\n--b\nContent-Type: text/html\n\n<p>Click <a href=\"HTTP://Deals.Example/buy\">here</a>\
<a href='mailto:sales@shop.example'>mail</a> <img src=\"cid:logo\"></p>\n--b--\n",
        );
        for token in [
            "url:deals.example",
            "url:path:buy",
            "url:proto:http",
            "email:domain:shop.example",
        ] {
            assert!(found.iter().any(|t| t == token), "{token} in {found:?}");
        }
        assert!(found.iter().all(|t| !t.contains("logo")), "{found:?}");
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
