//! Search snippets: a short extract of a message's text around the first
//! place the query's words occur, with every occurrence in it marked.
//!
//! The index keeps no text, so the words are found again in the normalized
//! body, split by the index's own word rule (`index::words::next_word`:
//! runs of letters and digits), case ignored. Only free-text and `body:` terms count, and not those
//! under a negation; a phrase is marked where its words follow each other.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::index::Query;
use crate::index::query::TextField;
use crate::index::words::{next_word, word_spans};
use crate::normalize::excerpt::{EXCERPT_CHARS, excerpt};
use crate::rpc::dto::SnippetDto;

/// Characters shown before the first match, when there are that many.
const CONTEXT_BEFORE: usize = 60;
/// Words the index leaves out (40 bytes or more) can never match.
const MAX_WORD_BYTES: usize = 40;

/// The words a query looks for in message text.
#[derive(Debug, Default)]
pub(super) struct Terms(Vec<Term>);

/// A word or a phrase; with `prefix`, its last word is a prefix.
#[derive(Debug)]
struct Term {
    words: Vec<String>,
    prefix: bool,
}

impl Terms {
    /// Whether there is no term: every snippet is then the message's
    /// [`preview`](crate::normalize::preview).
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The free-text and `body:` terms of `query` outside negations.
    pub(super) fn of(query: &Query) -> Terms {
        let mut terms = Terms::default();
        terms.collect(query);
        terms
    }

    fn collect(&mut self, query: &Query) {
        match query {
            Query::Text {
                field: TextField::Any | TextField::Body,
                text,
                prefix,
            } => {
                let words: Vec<String> = word_spans(text)
                    .map(|(start, end)| text[start..end].to_lowercase())
                    .collect();
                if !words.is_empty() && words.iter().all(|word| word.len() < MAX_WORD_BYTES) {
                    self.0.push(Term {
                        words,
                        prefix: *prefix,
                    });
                }
            }
            Query::And(parts) | Query::Or(parts) => {
                parts.iter().for_each(|part| self.collect(part))
            }
            _ => {}
        }
    }

    /// The byte ranges of `text` where a term occurs, in order, stopping
    /// once they are past `until`. Reads the words of `text` lazily, as
    /// far as it goes.
    fn matches(&self, text: &str, until: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
        let Some(longest_term) = self.0.iter().map(|term| term.words.len()).max() else {
            return Vec::new();
        };
        let firsts = self.first_bytes();
        let mut spans = Words::new(text, firsts.as_deref());
        // The next words of the text, as many as the longest term has.
        let mut ahead: VecDeque<Word> = VecDeque::with_capacity(longest_term);
        let mut found: Vec<(usize, usize)> = Vec::new();
        loop {
            if let Some(firsts) = &firsts {
                while ahead
                    .front()
                    .is_some_and(|&(start, _, _)| !may_start(text.as_bytes()[start], firsts))
                {
                    ahead.pop_front();
                }
                if ahead.is_empty() {
                    spans.skip_to_candidate();
                }
            }
            while ahead.len() < longest_term {
                let Some((start, end)) = spans.next() else {
                    break;
                };
                ahead.push_back((start, end, lowercase(&text[start..end])));
            }
            let Some(&(start, _, _)) = ahead.front() else {
                break;
            };
            if found.first().is_some_and(|first| until(start - first.0)) {
                break;
            }
            let longest = self
                .0
                .iter()
                .filter(|term| term.matches_at(&ahead))
                .map(|term| term.words.len())
                .max();
            match longest {
                Some(length) => {
                    found.push((start, ahead[length - 1].1));
                    ahead.drain(..length);
                }
                None => {
                    ahead.pop_front();
                }
            }
        }
        found
    }

    /// The first bytes of the terms' first words, when all are ASCII: a
    /// word can only match if it starts with one of them (in either case)
    /// or with a non-ASCII character (whose lowercase may begin with one).
    fn first_bytes(&self) -> Option<Vec<u8>> {
        self.0
            .iter()
            .map(|term| term.words[0].bytes().next().filter(u8::is_ascii))
            .collect()
    }
}

/// The words of a text, in order; see [`next_word`].
struct Words<'a> {
    text: &'a str,
    /// Where the search for the next word starts: 0, or just after a word.
    at: usize,
    /// Each first byte of the terms in both cases, with the position of
    /// its next occurrence at or after the last search (`None`: no more).
    needles: Vec<(u8, Option<usize>)>,
    /// The position of the next non-ASCII character at or after the last
    /// search (`None`: no more).
    non_ascii: Option<usize>,
}

impl<'a> Words<'a> {
    /// The words of `text`; `firsts` are the terms' first bytes (see
    /// [`Terms::first_bytes`]), to skip to candidates.
    fn new(text: &'a str, firsts: Option<&[u8]>) -> Words<'a> {
        let bytes = text.as_bytes();
        let mut needles: Vec<(u8, Option<usize>)> = Vec::new();
        for &first in firsts.into_iter().flatten() {
            for needle in [first, first.to_ascii_uppercase()] {
                if !needles.iter().any(|&(known, _)| known == needle) {
                    needles.push((needle, memchr::memchr(needle, bytes)));
                }
            }
        }
        Words {
            text,
            at: 0,
            needles,
            // Only skipping needs it; a text without first bytes is read word by word.
            non_ascii: firsts.and_then(|_| next_non_ascii(bytes, 0)),
        }
    }
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let span = next_word(self.text, self.at)?;
        self.at = span.1;
        Some(span)
    }
}

/// Whether a word starting with `byte` may match a term whose first word
/// starts with one of `firsts` (see [`Terms::first_bytes`]).
fn may_start(byte: u8, firsts: &[u8]) -> bool {
    !byte.is_ascii() || firsts.contains(&byte.to_ascii_lowercase())
}

impl Words<'_> {
    /// Skips the words that cannot match: stops before the next word that
    /// starts with one of the terms' first bytes in either case, or with a
    /// non-ASCII letter or digit. Jumps from one occurrence of such a
    /// character to the next (a `memchr` each) until one starts a word.
    fn skip_to_candidate(&mut self) {
        let bytes = self.text.as_bytes();
        let mut at = self.at;
        loop {
            if self.non_ascii.is_some_and(|position| position < at) {
                self.non_ascii = next_non_ascii(bytes, at);
            }
            let next_needle = self
                .needles
                .iter_mut()
                .filter_map(|(needle, found)| {
                    if found.is_some_and(|position| position < at) {
                        *found = memchr::memchr(*needle, &bytes[at..]).map(|offset| at + offset);
                    }
                    *found
                })
                .min();
            let Some(position) = next_needle.into_iter().chain(self.non_ascii).min() else {
                self.at = bytes.len();
                return;
            };
            let c = self.text[position..].chars().next().unwrap_or_default();
            let after_word = self.text[..position]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            if c.is_alphanumeric() && !after_word {
                self.at = position;
                return;
            }
            at = position + c.len_utf8();
        }
    }
}

/// Where the next non-ASCII character of `bytes` starts, at or after `at`
/// (a character boundary).
fn next_non_ascii(bytes: &[u8], at: usize) -> Option<usize> {
    const CHUNK: usize = 64;
    let mut offset = at;
    for chunk in bytes[at..].chunks(CHUNK) {
        if !chunk.is_ascii() {
            return chunk
                .iter()
                .position(|byte| !byte.is_ascii())
                .map(|position| offset + position);
        }
        offset += chunk.len();
    }
    None
}

/// A word of the text: its byte range and its lowercase form.
type Word<'a> = (usize, usize, Cow<'a, str>);

/// `word` in lowercase, borrowed when it already is (most words of mail).
fn lowercase(word: &str) -> Cow<'_, str> {
    if word.is_ascii() {
        match word.bytes().any(|byte| byte.is_ascii_uppercase()) {
            true => Cow::Owned(word.to_ascii_lowercase()),
            false => Cow::Borrowed(word),
        }
    } else {
        Cow::Owned(word.to_lowercase())
    }
}

impl Term {
    fn matches_at(&self, words: &VecDeque<Word<'_>>) -> bool {
        if words.len() < self.words.len() {
            return false;
        }
        let last = self.words.len() - 1;
        self.words
            .iter()
            .zip(words)
            .enumerate()
            .all(|(i, (want, (_, _, have)))| {
                have == want || (self.prefix && i == last && have.starts_with(want.as_str()))
            })
    }
}

/// About [`EXCERPT_CHARS`] characters of `text` on one line, starting a
/// little before the first match of `terms` (or at the start when nothing
/// matches: the message's [`preview`](crate::normalize::preview)), with
/// the matches inside it as highlights.
pub(super) fn snippet(text: &str, terms: &Terms) -> SnippetDto {
    let matches = terms.matches(text, |distance| distance > EXCERPT_CHARS * 4);
    let start = match matches.first() {
        Some(&(first, _)) => window_start(text, first),
        None => 0,
    };
    let (text, highlights) = excerpt(text, start, &matches);
    SnippetDto { text, highlights }
}

/// Where a snippet showing a match at byte `first` begins: up to
/// [`CONTEXT_BEFORE`] characters earlier, at the start of a word.
fn window_start(text: &str, first: usize) -> usize {
    let before = &text[..first];
    let back = before
        .char_indices()
        .rev()
        .nth(CONTEXT_BEFORE - 1)
        .map_or(0, |(at, _)| at);
    let cut_word = before[..back]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    if !cut_word {
        return back;
    }
    // Skip the word cut in half, unless that would pass the match.
    text[back..first]
        .find(|c: char| !c.is_alphanumeric())
        .map_or(first, |skip| back + skip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::parse;

    fn marked(text: &str, query: &str) -> String {
        let dto = snippet(text, &Terms::of(&parse(query).unwrap()));
        let mut out = dto.text.clone();
        for [from, to] in dto.highlights.iter().rev() {
            out.insert(*to, ']');
            out.insert(*from, '[');
        }
        out
    }

    #[test]
    fn marks_words_and_phrases_case_insensitively() {
        let text = "Dear all,\n\nthe Budget report is late. The budget\n  REPORT follows.";
        assert_eq!(
            marked(text, "budget"),
            "Dear all, the [Budget] report is late. The [budget] REPORT follows."
        );
        assert_eq!(
            marked(text, "\"budget report\" from:someone"),
            "Dear all, the [Budget report] is late. The [budget REPORT] follows."
        );
        assert_eq!(
            marked(text, "body:rep*"),
            "Dear all, the Budget [report] is late. The budget [REPORT] follows."
        );
    }

    #[test]
    fn ignores_negated_and_other_field_terms() {
        let text = "budget and report";
        assert_eq!(marked(text, "-budget subject:report"), "budget and report");
        assert!(marked("nothing here", "budget").starts_with("nothing here"));
    }

    #[test]
    fn centres_on_the_first_match_of_a_long_text() {
        let filler = "lorem ipsum dolor sit amet ".repeat(40);
        let text = format!("{filler}the needle is here. {filler}");
        let dto = snippet(&text, &Terms::of(&parse("needle").unwrap()));
        assert!(
            dto.text.starts_with('…') && dto.text.ends_with('…'),
            "{}",
            dto.text
        );
        assert!(dto.text.chars().count() <= EXCERPT_CHARS + 2);
        assert_eq!(dto.highlights.len(), 1);
        let [from, to] = dto.highlights[0];
        assert_eq!(&dto.text[from..to], "needle");
        assert!(from > 40, "context before the match: {}", dto.text);
    }

    #[test]
    fn highlight_offsets_are_bytes_of_multibyte_text() {
        let text = "Grüße aus Köln — Straße";
        let dto = snippet(text, &Terms::of(&parse("köln straße").unwrap()));
        let words: Vec<&str> = dto
            .highlights
            .iter()
            .map(|[from, to]| &dto.text[*from..*to])
            .collect();
        assert_eq!(words, ["Köln", "Straße"]);
    }

    #[test]
    fn finds_words_whose_lowercase_starts_differently() {
        // U+212A KELVIN SIGN lowercases to an ASCII `k`, U+0130 to `i` and a dot.
        assert_eq!(
            marked("the \u{212A}elvin scale", "kelvin"),
            "the [\u{212A}elvin] scale"
        );
        assert_eq!(marked("to \u{130}zmir now", "i*"), "to [\u{130}zmir] now");
        assert_eq!(marked("Ünïcode at start", "ünïcode"), "[Ünïcode] at start");
    }

    #[test]
    fn skips_near_misses_before_a_late_match() {
        let filler = "Linuxes linu xlinux LINUX-ish ".repeat(3);
        let text = format!("{filler}and a plain linux at last");
        let dto = snippet(&text, &Terms::of(&parse("linux").unwrap()));
        let words: Vec<&str> = dto
            .highlights
            .iter()
            .map(|[from, to]| &dto.text[*from..*to])
            .collect();
        assert_eq!(words, ["LINUX", "LINUX", "LINUX", "linux"]);
        assert_eq!(
            marked("x credit cards, credit\ncard", "\"credit card\""),
            "x credit cards, [credit card]"
        );
    }

    /// Every match of `terms` in `text`, from all its words, unskipped.
    fn every_match(text: &str, terms: &Terms) -> Vec<(usize, usize)> {
        let words: VecDeque<Word> = word_spans(text)
            .map(|(start, end)| (start, end, lowercase(&text[start..end])))
            .collect();
        let mut found = Vec::new();
        let mut at = 0;
        while at < words.len() {
            let rest: VecDeque<Word> = words.range(at..).cloned().collect();
            let longest = (terms.0.iter())
                .filter(|term| term.matches_at(&rest))
                .map(|term| term.words.len())
                .max();
            match longest {
                Some(length) => {
                    found.push((words[at].0, words[at + length - 1].1));
                    at += length;
                }
                None => at += 1,
            }
        }
        found
    }

    #[test]
    fn skipping_finds_every_match_in_text_with_non_ascii_characters() {
        let texts = [
            "Your\u{a0}credit card — “credit\u{a0}card” and créditcard, Crédit card, credit\ncard.",
            "Ünïcode crédit ccredit c\u{e9}redit \u{212A}elvin kelvin Linux linüx linux’s",
            "caf\u{e9} credit card\u{2019}s credit-card \u{1f600}credit card\u{1f600}",
            "discredit card, Mücredit card, écredit card, 2credit card; x\u{212A}elvin",
        ];
        for query in [
            "\"credit card\"",
            "credit",
            "linux",
            "kelvin",
            "cr*",
            "ünïcode",
        ] {
            let terms = Terms::of(&parse(query).unwrap());
            for text in texts {
                let skipping = terms.matches(text, |_| false);
                assert_eq!(skipping, every_match(text, &terms), "{query} in {text:?}");
            }
        }
    }

    #[test]
    fn without_text_terms_starts_at_the_beginning() {
        let text = "a short message";
        let dto = snippet(text, &Terms::of(&parse("from:x tag:y").unwrap()));
        assert_eq!(dto.text, "a short message");
        assert!(dto.highlights.is_empty());
        assert_eq!(snippet("", &Terms::default()).text, "");
    }
}
