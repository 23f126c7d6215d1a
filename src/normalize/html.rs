//! HTML to plain text for indexing and display: every tag separates words
//! (block tags start a new line), the text of `script`, `style` and `title`
//! (which a reader never sees in the page) and comments are dropped, and
//! character references are decoded with HTML's full table. Also the targets
//! of an HTML document's links, which its text does not show, for the
//! classifiers.
//!
//! Both read the document with html5gum, a WHATWG HTML tokenizer that works
//! in one pass, keeps only the current token, and keeps a tag's attributes
//! without comparing each with all before it: time follows the size of the
//! document whatever its markup (html5ever's tokenizer compares every
//! attribute of a tag with the ones before it, quadratic in a tag of
//! 100,000 attributes). Raw text elements (`script`, `style`, `textarea`...)
//! are tokenized as a browser would, by the name of the last start tag.

use std::convert::Infallible;

use html5gum::Tokenizer;
use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};

use super::limits::FIELD_LIMIT;

/// Tags after which text continues on a new line.
const BLOCK_TAGS: &[&[u8]] = &[
    b"br",
    b"p",
    b"div",
    b"li",
    b"tr",
    b"td",
    b"th",
    b"table",
    b"h1",
    b"h2",
    b"h3",
    b"h4",
    b"h5",
    b"h6",
    b"ul",
    b"ol",
    b"blockquote",
    b"pre",
    b"hr",
    b"title",
    b"dt",
    b"dd",
];

/// Elements whose text a reader does not see.
const HIDDEN_TEXT: &[&[u8]] = &[b"script", b"style", b"title"];

/// Attributes whose values are link or image targets.
const LINK_ATTRIBUTES: &[&[u8]] = &[b"href", b"src", b"action"];

/// Runs html5gum over `html`, handing each event to `visit`; stops early
/// when `visit` returns `true`.
fn tokenize(html: &str, mut visit: impl FnMut(CallbackEvent<'_>) -> bool) {
    let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _span| -> Option<()> {
        visit(event).then_some(())
    });
    emitter.naively_switch_states(true);
    // The iterator yields `()` when `visit` asks to stop, or ends with the
    // document; reading `&str` cannot fail.
    let mut tokens: Tokenizer<_, CallbackEmitter<_, (), ()>> =
        Tokenizer::new_with_emitter(html, emitter);
    let _: Option<Result<(), Infallible>> = tokens.next();
}

/// Plain text of an HTML document or fragment.
pub(super) fn to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut hidden = false;
    tokenize(html, |event| {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                hidden = HIDDEN_TEXT.contains(&name);
                separate(&mut text, name);
            }
            CallbackEvent::EndTag { name } => {
                hidden = false;
                separate(&mut text, name);
            }
            CallbackEvent::String { value } if !hidden => {
                push_words(&mut text, &String::from_utf8_lossy(value));
            }
            _ => {}
        }
        false
    });
    text.trim().to_owned()
}

/// Ends the current word at a tag: a new line after a block tag, else a space.
fn separate(text: &mut String, tag: &[u8]) {
    let separator = if BLOCK_TAGS.contains(&tag) { '\n' } else { ' ' };
    if !text.ends_with(['\n', ' ']) && !text.is_empty() {
        text.push(separator);
    } else if separator == '\n' && text.ends_with(' ') {
        text.pop();
        text.push('\n');
    }
}

/// Appends `raw` with whitespace runs collapsed to one space.
fn push_words(text: &mut String, raw: &str) {
    for (i, word) in raw.split_whitespace().enumerate() {
        let starts_with_space = i > 0 || raw.starts_with(char::is_whitespace);
        if starts_with_space && !text.is_empty() && !text.ends_with(['\n', ' ']) {
            text.push(' ');
        }
        text.push_str(word);
    }
    if raw.ends_with(char::is_whitespace) && !text.is_empty() && !text.ends_with(['\n', ' ']) {
        text.push(' ');
    }
}

/// The targets of the links and images of an HTML document (the values of
/// the `href`, `src` and `action` attributes of its start tags, character
/// references decoded), in order, at most `limit`, each at most
/// [`FIELD_LIMIT`] bytes.
pub(super) fn links(html: &str, limit: usize) -> Vec<String> {
    let mut links = Vec::new();
    if limit == 0 {
        return links;
    }
    let mut in_start_tag = false;
    let mut is_link = false;
    tokenize(html, |event| {
        match event {
            CallbackEvent::OpenStartTag { .. } => in_start_tag = true,
            CallbackEvent::CloseStartTag { .. } | CallbackEvent::EndTag { .. } => {
                in_start_tag = false;
                is_link = false;
            }
            CallbackEvent::AttributeName { name } => {
                is_link = in_start_tag && LINK_ATTRIBUTES.contains(&name);
            }
            CallbackEvent::AttributeValue { value } if is_link => {
                is_link = false;
                let value = String::from_utf8_lossy(value);
                let value = value.trim();
                if !value.is_empty() {
                    links.push(value[..value.floor_char_boundary(FIELD_LIMIT)].to_owned());
                }
            }
            _ => {}
        }
        links.len() == limit
    });
    links
}

#[cfg(test)]
mod tests {
    use super::{links, to_text};

    #[test]
    fn tags_separate_words() {
        assert_eq!(
            to_text("<UL><LI>Automated domain registration<LI>Credit card\nprocessing</UL>"),
            "Automated domain registration\nCredit card processing"
        );
        assert_eq!(
            to_text("legal credit<br>\r\n  repair"),
            "legal credit\nrepair"
        );
        assert_eq!(to_text("<b>bold</b>text"), "bold text");
    }

    #[test]
    fn drops_scripts_styles_comments_and_decodes_references() {
        let html = "<html><head><style>p {x}</style><script>alert(1)</script></head>\
                    <body><!-- hidden -->Fish &amp; chips&nbsp;&#163;3 &#x20AC;4 &bogus; a&b</body></html>";
        assert_eq!(to_text(html), "Fish & chips £3 €4 &bogus; a&b");
    }

    #[test]
    fn decodes_every_named_reference() {
        assert_eq!(
            to_text("caf&eacute; &rsquo;n&rsquo; cr&egrave;me &mdash; &Omega;&hellip; &notin;"),
            "café ’n’ crème — Ω… ∉"
        );
        // Without the semicolon, as browsers read legacy references.
        assert_eq!(
            to_text("caf&eacute au lait &copy 2024"),
            "café au lait © 2024"
        );
    }

    #[test]
    fn drops_the_title_and_raw_text_as_browsers_tokenize_it() {
        let html = "<head><title>Newsletter</title></head><body>\
                    <script>var s = '</p>never shown';</script>shown\
                    <style>a::after { content: '<b>no</b>' }</style> too</body>";
        assert_eq!(to_text(html), "shown too");
        assert_eq!(
            to_text("<textarea><b>kept</b> as text</textarea>"),
            "<b>kept</b> as text"
        );
    }

    #[test]
    fn finds_link_and_image_targets() {
        let html = "<a HREF=\"http://a.example/x?y=1&amp;z=2\">a</a> <img\nsrc='cid:logo' alt=x>\
                    <form action=https://b.example/post method=post>\
                    <p data-href=\"no\" title=\"x=1\">text=more</p><a href = \"\">";
        assert_eq!(
            links(html, 10),
            [
                "http://a.example/x?y=1&z=2",
                "cid:logo",
                "https://b.example/post"
            ]
        );
        assert_eq!(links(html, 2).len(), 2);
        assert_eq!(links(html, 0).len(), 0);
        for broken in ["=", " href=", " href=\"", "<a href='x", "</a href=x>"] {
            assert!(links(broken, 10).is_empty(), "{broken}");
        }
        // Inside a comment or a script, text is not markup.
        assert!(links("<!-- <a href=x> --><script>'<a href=y>'</script>", 10).is_empty());
    }

    #[test]
    fn survives_broken_markup() {
        for html in [
            "<",
            "<b",
            "&",
            "&#;",
            "&#xFFFFFFFF;",
            "<script>never closed",
            "<!-- open",
            "<<>>",
            "<a b='",
            "\0<p\0>\0",
        ] {
            let _ = to_text(html);
            let _ = links(html, 10);
        }
        assert_eq!(to_text("a <b c"), "a");
        assert_eq!(to_text("a </script> b"), "a b");
        assert_eq!(to_text("1 < 2 &lt; 3"), "1 < 2 < 3");
    }

    /// Inputs that took quadratic time in hand-written readers: their text
    /// and links come out whole.
    #[test]
    fn hostile_markup_gives_its_text() {
        let styles = "<style></style>".repeat(100_000);
        assert_eq!(to_text(&format!("{styles}after")), "after");

        let attributes: String = (0..100_000).map(|i| format!(" a{i}=v")).collect();
        let wide = format!("<a{attributes} href=\"https://last.example/\">wide</a>");
        assert_eq!(to_text(&wide), "wide");
        assert_eq!(links(&wide, 10), ["https://last.example/"]);

        let deep = format!(
            "{}deep{}",
            "<div>".repeat(100_000),
            "</span>".repeat(100_000)
        );
        assert_eq!(to_text(&deep), "deep");
    }
}
