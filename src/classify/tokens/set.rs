//! The token set of one message: token hashes, the open-addressing set
//! that keeps them distinct, and [`Tokens`], which builds tokens into it
//! without allocating.

use super::{Features, MAX_FEATURES};

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
pub(super) struct TokenHash(u64);

impl TokenHash {
    pub(super) fn new() -> TokenHash {
        TokenHash(0xcbf2_9ce4_8422_2325)
    }

    pub(super) fn push(&mut self, byte: u8) {
        self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }

    pub(super) fn finish(self) -> u64 {
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
pub(super) struct Tokens {
    seen: TokenSet,
    pub(super) features: Features,
    /// Whether the tokens' texts are kept too.
    named: bool,
    token: String,
    pub(super) lower: String,
    pub(super) suffix: String,
}

impl Tokens {
    /// Empties the set for the next message, keeping its room.
    pub(super) fn clear(&mut self, named: bool) {
        self.seen.clear(&self.features.hashes);
        self.features.hashes.clear();
        self.features.names.clear();
        self.named = named;
    }

    /// Whether no more tokens are taken from this message.
    pub(super) fn is_full(&self) -> bool {
        self.features.hashes.len() >= MAX_FEATURES
    }

    pub(super) fn add(&mut self, token: &str) {
        if !token.is_empty() {
            self.add_hash(token_hash(token), || token.to_owned());
        }
    }

    /// Adds the token whose [`token_hash`] is `hash`; `text` makes its
    /// text, called only when names are kept.
    pub(super) fn add_hash(&mut self, hash: u64, text: impl FnOnce() -> String) {
        if !self.is_full() && self.seen.insert(hash) {
            self.features.hashes.push(hash);
            if self.named {
                self.features.names.push((hash, text()));
            }
        }
    }

    /// Adds the token `build` writes into an empty text, without allocating.
    pub(super) fn add_built(&mut self, build: impl FnOnce(&mut String)) {
        let mut text = std::mem::take(&mut self.token);
        text.clear();
        build(&mut text);
        self.add(&text);
        self.token = text;
    }

    /// Adds `prefix:value` with `value` [cleaned](clean_into), unless the
    /// cleaned value is empty.
    pub(super) fn add_prefixed(&mut self, prefix: &str, value: &str) {
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
    pub(super) fn add_clean(&mut self, value: &str) {
        let mut token = std::mem::take(&mut self.token);
        token.clear();
        clean_into(value, &mut token);
        self.add(&token);
        self.token = token;
    }
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

/// Appends `number` in decimal digits.
pub(super) fn push_decimal(into: &mut String, mut number: usize) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
