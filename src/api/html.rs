//! A message's HTML part, made safe to show: an allowlist of tags and
//! attributes, rebuilt from scratch so nothing the sender wrote reaches the
//! output unchecked.
//!
//! Removed with their content: scripts, styles, frames, objects, forms'
//! fields and other active or invisible elements. Kept: text formatting,
//! lists, tables, links (`http`, `https`, `mailto` and `#` only, opened
//! without referrer) and images embedded in the message (`cid:` and
//! `data:image/` sources). Every other tag is dropped but its text kept;
//! every other attribute (event handlers, `style`, `class`...) is dropped,
//! so remote images, `javascript:` URLs and CSS never survive. Elements
//! left open are closed at the end, so the result nests properly.

use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::{MessageParser, PartType};

/// Elements dropped together with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "noframes", "object", "embed", "applet",
    "noscript", "template", "svg", "math", "head", "title", "textarea", "select", "button",
    "audio", "video", "canvas", "xml",
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

/// Elements without content or end tag.
const VOID: &[&str] = &["br", "col", "hr", "img"];

/// The first HTML part of a raw message, if it has one. A parser panic on
/// hostile input counts as no HTML part.
pub(super) fn html_part(raw: &[u8]) -> Option<String> {
    let parse = || {
        let parsed = MessageParser::default().parse(raw)?;
        parsed.html_body.iter().find_map(|&id| {
            match &parsed.parts.get(usize::try_from(id).ok()?)?.body {
                PartType::Html(html) => Some(html.to_string()),
                _ => None,
            }
        })
    };
    catch_unwind(AssertUnwindSafe(parse)).ok().flatten()
}

/// Safe HTML from untrusted HTML (see the module documentation).
pub fn sanitize(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<&'static str> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        push_text(&mut out, &rest[..at]);
        rest = &rest[at..];
        let Some(tag) = Tag::read(rest) else {
            // `<` that starts no tag is text.
            out.push_str("&lt;");
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.length..];
        if tag.markup_declaration {
            continue;
        }
        if !tag.closing && DROPPED.contains(&tag.name.as_str()) {
            rest = after_end_tag(rest, &tag.name);
            continue;
        }
        let Some(&(name, attributes)) = ALLOWED.iter().find(|(name, _)| *name == tag.name) else {
            continue;
        };
        if tag.closing {
            if let Some(depth) = open.iter().rposition(|&element| element == name) {
                for element in open.drain(depth..).rev() {
                    out.push_str(&format!("</{element}>"));
                }
            }
        } else if let Some(element) = start_tag(name, attributes, &tag.attributes) {
            out.push_str(&element);
            if !VOID.contains(&name) {
                open.push(name);
            }
        }
    }
    push_text(&mut out, rest);
    for element in open.into_iter().rev() {
        out.push_str(&format!("</{element}>"));
    }
    out
}

/// Text between tags: `>` escaped, character references kept.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

/// A start tag rebuilt with the allowed attributes, or `None` when the
/// element must go (an image that is not part of the message).
fn start_tag(name: &str, allowed: &[&str], attributes: &[(String, String)]) -> Option<String> {
    let mut element = format!("<{name}");
    for (attribute, value) in attributes {
        if !allowed.contains(&attribute.as_str()) {
            continue;
        }
        let value = decode_references(value);
        let safe = match attribute.as_str() {
            "href" => is_safe_link(&value),
            "src" => is_embedded_image(&value),
            _ => true,
        };
        if safe {
            element.push_str(&format!(" {attribute}=\"{}\"", escape_attribute(&value)));
        } else if attribute == "src" {
            return None;
        }
    }
    if name == "img" && !attributes.iter().any(|(attribute, _)| attribute == "src") {
        return None;
    }
    if name == "a" {
        element.push_str(" rel=\"noopener noreferrer nofollow\" target=\"_blank\"");
    }
    element.push('>');
    Some(element)
}

/// Links a reader may follow: web pages, mail addresses, anchors.
fn is_safe_link(url: &str) -> bool {
    let url = scheme_text(url);
    ["http:", "https:", "mailto:", "#"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
}

/// Images carried in the message itself; anything else would be fetched
/// from a server and tell the sender the message was read.
fn is_embedded_image(url: &str) -> bool {
    let url = scheme_text(url);
    url.starts_with("cid:")
        || (url.starts_with("data:image/") && !url.starts_with("data:image/svg"))
}

/// The URL as a browser reads its scheme: without whitespace or control
/// characters, lowercased.
fn scheme_text(url: &str) -> String {
    url.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect()
}

fn escape_attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Decodes numeric and the common named character references, so a check
/// sees what a browser would (`jav&#97;script:`).
fn decode_references(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(at, _)| at);
        let decoded = end.and_then(|end| reference(&rest[1..end]).map(|c| (c, end + 1)));
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn reference(name: &str) -> Option<char> {
    let number = |digits: &str, radix| u32::from_str_radix(digits, radix).ok();
    let code = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        number(hex, 16)?
    } else if let Some(decimal) = name.strip_prefix('#') {
        number(decimal, 10)?
    } else {
        return match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "colon" => Some(':'),
            "Tab" => Some('\t'),
            "NewLine" => Some('\n'),
            _ => None,
        };
    };
    char::from_u32(code)
}

/// The rest of the document after `</name>` (case-insensitive), or nothing.
fn after_end_tag<'h>(html: &'h str, name: &str) -> &'h str {
    let closing = format!("</{name}");
    let mut from = 0;
    while let Some(at) = find_ignoring_case(&html[from..], &closing) {
        let after = from + at + closing.len();
        let boundary = html[after..]
            .chars()
            .next()
            .is_none_or(|c| c == '>' || c == '/' || c.is_whitespace());
        if boundary {
            return html[after..]
                .find('>')
                .map_or("", |end| &html[after + end + 1..]);
        }
        from = after;
    }
    ""
}

fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

/// One tag as written: `<name attr=value ...>`, `</name>`, or a comment,
/// doctype or processing instruction (`markup_declaration`).
#[derive(Debug)]
struct Tag {
    name: String,
    closing: bool,
    markup_declaration: bool,
    attributes: Vec<(String, String)>,
    /// Bytes from `<` to just after `>` (or to the end of the document).
    length: usize,
}

impl Tag {
    /// Reads the tag at the start of `html` (which starts with `<`); `None`
    /// when the `<` starts no tag.
    fn read(html: &str) -> Option<Tag> {
        let after = &html[1..];
        if let Some(comment) = after.strip_prefix("!--") {
            let end = comment.find("-->").map_or(html.len(), |end| 4 + end + 3);
            return Some(Tag::declaration(end));
        }
        if after.starts_with(['!', '?']) {
            let end = after.find('>').map_or(html.len(), |end| end + 2);
            return Some(Tag::declaration(end));
        }
        let closing = after.starts_with('/');
        let body = if closing { &after[1..] } else { after };
        if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let name_end = body
            .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .unwrap_or(body.len());
        let name = body[..name_end].to_ascii_lowercase();
        let (attributes, used) = read_attributes(&body[name_end..]);
        let length = 1 + usize::from(closing) + name_end + used;
        Some(Tag {
            name,
            closing,
            markup_declaration: false,
            attributes,
            length,
        })
    }

    fn declaration(length: usize) -> Tag {
        Tag {
            name: String::new(),
            closing: false,
            markup_declaration: true,
            attributes: Vec::new(),
            length,
        }
    }
}

/// Reads attributes up to and including the tag's `>`; returns them
/// (names lowercased, later duplicates dropped) and the bytes used.
fn read_attributes(text: &str) -> (Vec<(String, String)>, usize) {
    let mut attributes: Vec<(String, String)> = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b'/') {
            at += 1;
        }
        if at >= bytes.len() {
            return (attributes, at);
        }
        if bytes[at] == b'>' {
            return (attributes, at + 1);
        }
        let name_start = at;
        while at < bytes.len() && !matches!(bytes[at], b'=' | b'>' | b'/') {
            if bytes[at].is_ascii_whitespace() {
                break;
            }
            at += 1;
        }
        let name = text[name_start..at].to_ascii_lowercase();
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let mut value = String::new();
        if at < bytes.len() && bytes[at] == b'=' {
            at += 1;
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let value_start;
            match bytes.get(at) {
                Some(&quote @ (b'"' | b'\'')) => {
                    value_start = at + 1;
                    at = text[value_start..]
                        .find(quote as char)
                        .map_or(bytes.len(), |end| value_start + end);
                    value = text[value_start..at].to_owned();
                    at = (at + 1).min(bytes.len());
                }
                _ => {
                    value_start = at;
                    while at < bytes.len() && !bytes[at].is_ascii_whitespace() && bytes[at] != b'>'
                    {
                        at += 1;
                    }
                    value = text[value_start..at].to_owned();
                }
            }
        }
        if !name.is_empty() && !attributes.iter().any(|(known, _)| *known == name) {
            attributes.push((name, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn removes_active_content() {
        let html = r#"<p onclick="steal()">Hi <b>there</b><script>alert(1)</script>
            <SCRIPT type="x">alert(2)</SCRIPT ><style>p{}</style><iframe src="https://x"></iframe>
            <object data="x.swf"><param name=a></object><a href="javascript:alert(3)">link</a>
            <a href=" JaVa&#115;cript:alert(4)">l2</a><img src="https://tracker.example/p.gif">
            <img src=cid:logo@x alt=logo><div style="background:url(https://x)">s</div></p>"#;
        let safe = sanitize(html);
        for bad in [
            "script",
            "alert",
            "onclick",
            "style",
            "iframe",
            "object",
            "javascript",
            "tracker",
            "url(",
        ] {
            assert!(!safe.to_lowercase().contains(bad), "{bad} in {safe}");
        }
        assert!(safe.contains("<p>Hi <b>there</b>"), "{safe}");
        assert!(
            safe.contains("<a rel=\"noopener noreferrer nofollow\" target=\"_blank\">link</a>"),
            "{safe}"
        );
        assert!(
            safe.contains("<img src=\"cid:logo@x\" alt=\"logo\">"),
            "{safe}"
        );
        assert!(safe.contains("<div>s</div>"), "{safe}");
    }

    #[test]
    fn keeps_safe_links_and_escapes_attribute_values() {
        let safe = sanitize(r#"<a href='https://example.org/?a=1&amp;b="2"' title=x>go</a>"#);
        assert_eq!(
            safe,
            "<a href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\" title=\"x\" \
             rel=\"noopener noreferrer nofollow\" target=\"_blank\">go</a>"
        );
        assert_eq!(
            sanitize("<a href=\"mailto:a@b\">m</a>")
                .matches("mailto:a@b")
                .count(),
            1
        );
    }

    #[test]
    fn closes_and_drops_what_does_not_nest() {
        assert_eq!(sanitize("<div><p>open"), "<div><p>open</p></div>");
        assert_eq!(sanitize("text</div> more"), "text more");
        assert_eq!(sanitize("<ul><li>a</ul>b"), "<ul><li>a</li></ul>b");
        assert_eq!(
            sanitize("1 < 2 > 0 <!-- c --> <!DOCTYPE html>"),
            "1 &lt; 2 &gt; 0  "
        );
        assert_eq!(sanitize("<html><body>x</body></html>"), "x");
        assert_eq!(sanitize("<script>never closed"), "");
        assert_eq!(sanitize("<p dir=\"rtl"), "<p dir=\"rtl\"></p>");
    }
}
