//! The markup handed to the sanitizer: the sender's document reduced to
//! what the policy keeps, at most [`MAX_DEPTH`] elements deep and
//! [`MAX_TAGS`] start tags long.
//!
//! A browser's tree builder looks through the open elements for many tags
//! (is a `p` open to close? where does this end tag belong?), so a document
//! of 100,000 nested `div`s costs 100,000 steps per tag. The document is
//! tokenized with html5gum and written again from its tokens: text
//! escaped; start tags the policy keeps, with only the attributes it keeps
//! (images only with an embedded source), each attribute once; the elements
//! the policy drops with their content left out, as are comments and
//! doctypes. A count of open elements follows what the tree builder will
//! open and close, never below it: an end tag that the tree builder would
//! not apply to the element it names is left out, and a start tag that
//! would nest deeper than [`MAX_DEPTH`], or come after [`MAX_TAGS`] others,
//! is left out (its text stays). The tree builder's work is then at most
//! a bounded number of steps per tag, whatever the document.
//!
//! Nothing here decides what is safe: the sanitizer does, on this markup.

use std::fmt::Write as _;
use std::sync::LazyLock;

use html5gum::Tokenizer;
use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};

use super::{ALLOWED, DROPPED, is_embedded_image};

/// Most elements open at once in the markup given to the sanitizer. Mail
/// built of nested tables is rarely 60 deep; browsers cap the tree at 512.
pub(super) const MAX_DEPTH: usize = 128;

/// Most start tags in the markup given to the sanitizer; a large
/// newsletter has a few thousand.
pub(super) const MAX_TAGS: usize = 50_000;

/// Elements without content or end tag.
const VOID: &[&str] = &["br", "col", "hr", "img", "embed", "frame"];

/// Elements whose end tag is handled by the adoption agency algorithm: an
/// end tag closes one only when it is the current element.
const FORMATTING: &[&str] = &[
    "a", "b", "code", "em", "i", "s", "small", "strike", "strong", "tt", "u",
];

/// Kept elements that the tree builder does not treat as special: an end
/// tag of such an element closes it only across other ones of them.
const PHRASING: &[&str] = &[
    "a", "abbr", "b", "code", "del", "em", "i", "ins", "kbd", "q", "s", "small", "span", "strike",
    "strong", "sub", "sup", "tt", "u",
];

/// Table parts: a browser ignores them outside a table.
const TABLE_PARTS: &[&str] = &[
    "caption", "col", "colgroup", "tbody", "td", "tfoot", "th", "thead", "tr",
];

/// Elements that end the search for an open element in scope.
const SCOPE: &[&str] = &["caption", "table", "td", "th"];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// What the tree builder makes of a kept element, as bits (one lookup per
/// open element looked at).
const IS_FORMATTING: u16 = 1;
const IS_PHRASING: u16 = 1 << 1;
const IS_TABLE_PART: u16 = 1 << 2;
const IS_SCOPE: u16 = 1 << 3;
const IS_HEADING: u16 = 1 << 4;
const IS_VOID: u16 = 1 << 5;
const IS_LIST: u16 = 1 << 6;
const IS_P_OR_DIV: u16 = 1 << 7;
const IS_TABLE: u16 = 1 << 8;

/// The bits of each element of [`ALLOWED`], by its position there.
static KINDS: LazyLock<Vec<u16>> = LazyLock::new(|| {
    let sets: [(&[&str], u16); 9] = [
        (FORMATTING, IS_FORMATTING),
        (PHRASING, IS_PHRASING),
        (TABLE_PARTS, IS_TABLE_PART),
        (SCOPE, IS_SCOPE),
        (HEADINGS, IS_HEADING),
        (VOID, IS_VOID),
        (&["ul", "ol"], IS_LIST),
        (&["p", "div"], IS_P_OR_DIV),
        (&["table"], IS_TABLE),
    ];
    (ALLOWED.iter())
        .map(|(name, _)| {
            (sets.iter())
                .filter(|(set, _)| set.contains(name))
                .fold(0, |kind, (_, bit)| kind | bit)
        })
        .collect()
});

/// An element of [`ALLOWED`], by its position there.
type Element = u8;

/// The element of [`ALLOWED`] named `name`.
fn element(name: &[u8]) -> Option<Element> {
    let at = ALLOWED
        .iter()
        .position(|(kept, _)| kept.as_bytes() == name)?;
    Element::try_from(at).ok()
}

fn kind(element: Element) -> u16 {
    KINDS[usize::from(element)]
}

fn name(element: Element) -> &'static str {
    ALLOWED[usize::from(element)].0
}

/// The markup of `html` to hand to the sanitizer (see the module documentation).
pub(super) fn markup(html: &str) -> String {
    let mut writer = Writer {
        out: String::with_capacity(html.len()),
        open_count: vec![0; ALLOWED.len()],
        ..Writer::default()
    };
    let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _span| -> Option<()> {
        writer.event(event);
        None
    });
    emitter.naively_switch_states(true);
    let tokens: Tokenizer<_, CallbackEmitter<_, (), ()>> =
        Tokenizer::new_with_emitter(html, emitter);
    tokens.for_each(drop);
    writer.out
}

/// A start tag being read.
struct StartTag {
    element: Element,
    attributes: Vec<(&'static str, String)>,
    /// Whether the attribute being read is kept.
    keeping: bool,
}

/// An element dropped with its content, being skipped.
struct Skipped {
    name: String,
    /// Start tags of the same name inside it, not closed yet, plus one.
    depth: usize,
    /// Just opened: `<svg/>` and `<math/>` close themselves.
    opening: bool,
}

#[derive(Default)]
struct Writer {
    out: String,
    /// Open elements, as the tree builder will have them (or more).
    open: Vec<Element>,
    /// How many of each element are open, so most searches end at once.
    open_count: Vec<usize>,
    tag: Option<StartTag>,
    skipped: Option<Skipped>,
    /// Start tags written.
    written: usize,
}

impl Writer {
    fn event(&mut self, event: CallbackEvent<'_>) {
        if let Some(skipped) = &mut self.skipped {
            skip(skipped, &event);
            if skipped.depth == 0 {
                self.skipped = None;
            }
            return;
        }
        match event {
            CallbackEvent::OpenStartTag { name } => self.open_start_tag(name),
            CallbackEvent::AttributeName { name } => {
                if let Some(tag) = &mut self.tag {
                    tag.keeping = false;
                    let allowed = ALLOWED[usize::from(tag.element)].1;
                    let kept = allowed.iter().find(|kept| kept.as_bytes() == name);
                    let seen = |kept: &&str| tag.attributes.iter().any(|(seen, _)| seen == kept);
                    if let Some(&kept) = kept.filter(|kept| !seen(kept)) {
                        tag.attributes.push((kept, String::new()));
                        tag.keeping = true;
                    }
                }
            }
            CallbackEvent::AttributeValue { value } => {
                if let Some(tag) = self.tag.as_mut().filter(|tag| tag.keeping)
                    && let Some((_, kept)) = tag.attributes.last_mut()
                {
                    *kept = String::from_utf8_lossy(value).into_owned();
                }
            }
            CallbackEvent::CloseStartTag { .. } => {
                if let Some(tag) = self.tag.take() {
                    self.start_tag(tag);
                }
            }
            CallbackEvent::EndTag { name } => {
                self.tag = None;
                if let Some(element) = element(name) {
                    self.end_tag(element);
                }
            }
            CallbackEvent::String { value } => {
                escape(&mut self.out, &String::from_utf8_lossy(value), false);
            }
            CallbackEvent::Comment { .. }
            | CallbackEvent::Doctype { .. }
            | CallbackEvent::Error(_) => {}
        }
    }

    fn open_start_tag(&mut self, name: &[u8]) {
        self.tag = None;
        if DROPPED.iter().any(|dropped| dropped.as_bytes() == name) {
            if !VOID.iter().any(|void| void.as_bytes() == name) {
                self.skipped = Some(Skipped {
                    name: String::from_utf8_lossy(name).into_owned(),
                    depth: 1,
                    opening: true,
                });
            }
        } else if let Some(element) = element(name) {
            self.tag = Some(StartTag {
                element,
                attributes: Vec::new(),
                keeping: false,
            });
        }
    }

    fn start_tag(&mut self, tag: StartTag) {
        let kind = kind(tag.element);
        let in_table = || {
            self.open
                .iter()
                .any(|&open| self::kind(open) & IS_TABLE != 0)
        };
        if self.written == MAX_TAGS || (kind & IS_TABLE_PART != 0 && !in_table()) {
            return;
        }
        let name = name(tag.element);
        if name == "img" {
            let source = tag
                .attributes
                .iter()
                .find(|(attribute, _)| *attribute == "src");
            if !source.is_some_and(|(_, url)| is_embedded_image(url)) {
                return;
            }
        }
        if kind & IS_VOID == 0 {
            if let Some(at) = self.closed_by_start(name) {
                self.close(at);
            }
            if self.open.len() >= MAX_DEPTH {
                return;
            }
            self.open.push(tag.element);
            self.open_count[usize::from(tag.element)] += 1;
        }
        self.written += 1;
        self.out.push('<');
        self.out.push_str(name);
        for (attribute, value) in &tag.attributes {
            let _ = write!(self.out, " {attribute}=\"");
            escape(&mut self.out, value, true);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Where the open element that a start tag of `name` closes is: a `p`
    /// closes an open `p`, a list item the one before it, a cell or row the
    /// one before it, as the tree builder does.
    fn closed_by_start(&self, name: &str) -> Option<usize> {
        let (peers, passes): (&[&str], fn(u16) -> bool) = match name {
            "p" => (&["p"], |kind| kind & IS_SCOPE == 0),
            "li" => (&["li"], |kind| kind & (IS_PHRASING | IS_P_OR_DIV) != 0),
            "dd" | "dt" => (&["dd", "dt"], |kind| {
                kind & (IS_PHRASING | IS_P_OR_DIV) != 0
            }),
            "td" | "th" => (&["td", "th"], |kind| kind & IS_TABLE == 0),
            "tr" => (&["tr"], |kind| kind & IS_TABLE == 0),
            _ => return None,
        };
        let peers: Vec<Element> = peers
            .iter()
            .filter_map(|peer| element(peer.as_bytes()))
            .collect();
        self.find_open(&peers, passes)
    }

    /// Writes an end tag when the tree builder would close the element it
    /// names, and follows it in the open elements.
    fn end_tag(&mut self, element: Element) {
        let kind = kind(element);
        let passes: fn(u16) -> bool = if kind & IS_FORMATTING != 0 {
            |_| false
        } else if kind & IS_PHRASING != 0 {
            |kind| kind & IS_PHRASING != 0
        } else if kind & (IS_TABLE_PART | IS_TABLE) != 0 {
            |kind| kind & IS_TABLE == 0
        } else if name(element) == "li" {
            |kind| kind & (IS_SCOPE | IS_LIST) == 0
        } else if kind & IS_HEADING != 0 {
            |kind| kind & (IS_SCOPE | IS_HEADING) == 0
        } else {
            |kind| kind & IS_SCOPE == 0
        };
        if let Some(at) = self.find_open(&[element], passes) {
            self.close(at);
            let _ = write!(self.out, "</{}>", name(element));
        }
    }

    /// Closes the open elements from position `at` on.
    fn close(&mut self, at: usize) {
        for closed in self.open.drain(at..) {
            self.open_count[usize::from(closed)] -= 1;
        }
    }

    /// The position of the innermost open element of `elements`, looking
    /// outwards only across elements whose kind `passes`.
    fn find_open(&self, elements: &[Element], passes: fn(u16) -> bool) -> Option<usize> {
        if elements
            .iter()
            .all(|&element| self.open_count[usize::from(element)] == 0)
        {
            return None;
        }
        for (at, &open) in self.open.iter().enumerate().rev() {
            if elements.contains(&open) {
                return Some(at);
            }
            if !passes(kind(open)) {
                return None;
            }
        }
        None
    }
}

/// Follows the nesting of a skipped element through one event.
fn skip(skipped: &mut Skipped, event: &CallbackEvent<'_>) {
    match event {
        CallbackEvent::OpenStartTag { name } => {
            skipped.opening = *name == skipped.name.as_bytes();
            if skipped.opening {
                skipped.depth += 1;
            } else if skipped.name == "head" && *name == b"body" {
                skipped.depth = 0;
            }
        }
        CallbackEvent::CloseStartTag { self_closing } => {
            let foreign = skipped.name == "svg" || skipped.name == "math";
            if skipped.opening && *self_closing && foreign {
                skipped.depth -= 1;
            }
            skipped.opening = false;
        }
        CallbackEvent::EndTag { name } if *name == skipped.name.as_bytes() => {
            skipped.depth -= 1;
        }
        _ => {}
    }
}

/// Appends `text` with the characters that markup gives meaning to escaped
/// (and `"` too in an attribute value).
fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}
