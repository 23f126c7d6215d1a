//! A message's HTML part, made safe to show: an allowlist of tags and
//! attributes, applied by ammonia (an HTML5 sanitizer on html5ever, the
//! parser of a browser engine), so what is kept is what a browser would
//! build from the sender's markup.
//!
//! Removed with their content: scripts, styles, frames, objects, forms and
//! other active or invisible elements. Kept: text formatting, lists, tables,
//! links (`http`, `https`, `mailto` and `#` only, opened without referrer)
//! and images embedded in the message (`cid:` and `data:image/` sources,
//! not SVG). Every other tag is dropped but its text kept; every other
//! attribute (event handlers, `style`, `class`...) is dropped, so remote
//! images, `javascript:` URLs and CSS never survive. A URL is judged as a
//! browser parses it (WHATWG URL): one that names no scheme a browser would
//! read is relative, and only `#` links of those are kept. Elements left
//! open are closed at the end, so the result nests properly.
//!
//! html5ever's tree builder takes time in proportion to the depth of the
//! open elements for each tag, and its tokenizer compares every attribute
//! of a tag with the ones before it; module `bound` hands ammonia only
//! what the policy keeps, nested at most [`bound::MAX_DEPTH`] deep, so a
//! document costs time in proportion to its size.

mod bound;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, Url, UrlRelative};

/// Elements dropped together with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "noframes", "object", "embed", "applet",
    "noscript", "template", "svg", "math", "head", "title", "textarea", "select", "button",
    "audio", "video", "canvas", "xml", "form",
];

/// Elements kept, with the attributes each may keep.
const ALLOWED: &[(&str, &[&str])] = &[
    ("a", &["href", "title"]),
    ("abbr", &["title"]),
    ("b", &[]),
    ("blockquote", &[]),
    ("br", &[]),
    ("caption", &[]),
    ("code", &[]),
    ("col", &["span", "width"]),
    ("colgroup", &["span", "width"]),
    ("dd", &[]),
    ("del", &[]),
    ("div", &["align", "dir"]),
    ("dl", &[]),
    ("dt", &[]),
    ("em", &[]),
    ("h1", &["align"]),
    ("h2", &["align"]),
    ("h3", &["align"]),
    ("h4", &["align"]),
    ("h5", &["align"]),
    ("h6", &["align"]),
    ("hr", &[]),
    ("i", &[]),
    ("img", &["src", "alt", "title", "width", "height"]),
    ("ins", &[]),
    ("kbd", &[]),
    ("li", &[]),
    ("ol", &["start", "type"]),
    ("p", &["align", "dir"]),
    ("pre", &[]),
    ("q", &[]),
    ("s", &[]),
    ("small", &[]),
    ("span", &["dir"]),
    ("strike", &[]),
    ("strong", &[]),
    ("sub", &[]),
    ("sup", &[]),
    (
        "table",
        &["align", "width", "border", "cellpadding", "cellspacing"],
    ),
    ("tbody", &[]),
    ("td", &["align", "valign", "colspan", "rowspan", "width"]),
    ("tfoot", &[]),
    ("th", &["align", "valign", "colspan", "rowspan", "width"]),
    ("thead", &[]),
    ("tr", &["align", "valign"]),
    ("tt", &[]),
    ("u", &[]),
    ("ul", &["type"]),
];

/// The sanitizer, configured once with the policy above.
static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::empty();
    builder
        .tags(ALLOWED.iter().map(|(name, _)| *name).collect())
        .clean_content_tags(DROPPED.iter().copied().collect())
        .tag_attributes(
            ALLOWED
                .iter()
                .map(|(name, attributes)| (*name, attributes.iter().copied().collect()))
                .collect::<HashMap<_, HashSet<_>>>(),
        )
        .url_schemes(["http", "https", "mailto", "cid", "data"].into())
        .url_relative(UrlRelative::Custom(Box::new(fragment_only)))
        .attribute_filter(|element, attribute, value| {
            let safe = match (element, attribute) {
                (_, "href") => is_safe_link(value),
                (_, "src") => is_embedded_image(value),
                _ => true,
            };
            safe.then_some(Cow::Borrowed(value))
        })
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .strip_comments(true);
    builder
});

/// Safe HTML from untrusted HTML (see the module documentation).
pub fn sanitize(html: &str) -> String {
    CLEANER.clean(&bound::markup(html)).to_string()
}

/// Links a reader may follow: web pages, mail addresses, anchors.
fn is_safe_link(url: &str) -> bool {
    match Url::parse(url) {
        Ok(url) => ["http", "https", "mailto"].contains(&url.scheme()),
        Err(_) => is_fragment(url),
    }
}

/// Images carried in the message itself; anything else would be fetched
/// from a server and tell the sender the message was read. SVG images are
/// refused: they are documents of their own.
fn is_embedded_image(url: &str) -> bool {
    match Url::parse(url) {
        Ok(url) if url.scheme() == "cid" => true,
        Ok(url) if url.scheme() == "data" => {
            // The media type, as a browser reads it from a data URL.
            let media_type = url.path().trim_start().to_ascii_lowercase();
            media_type.starts_with("image/") && !media_type.starts_with("image/svg")
        }
        _ => false,
    }
}

/// A reference to a place in the same document (`#section`), as the URL
/// parser reads it: after leading spaces and control characters.
fn is_fragment(url: &str) -> bool {
    url.trim_start_matches(|c: char| c <= ' ').starts_with('#')
}

/// Of the relative URLs, keeps only references within the document.
fn fragment_only(url: &str) -> Option<Cow<'_, str>> {
    is_fragment(url).then_some(Cow::Borrowed(url))
}

#[cfg(test)]
mod tests;
