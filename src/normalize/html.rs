//! HTML to plain text for indexing and display: every tag separates words
//! (block tags start a new line), script/style/comments are dropped and
//! character references decoded. Also the targets of an HTML document's
//! links, which its text does not show, for the classifiers.

use super::limits::FIELD_LIMIT;

/// Tags after which text continues on a new line.
const BLOCK_TAGS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "tr",
    "td",
    "th",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "hr",
    "title",
    "dt",
    "dd",
];

/// Plain text of an HTML document or fragment.
pub(super) fn to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find(['<', '&']) {
        push_words(&mut text, &rest[..open]);
        rest = &rest[open..];
        if rest.starts_with('&') {
            let (decoded, used) = entity(rest);
            text.push_str(&decoded);
            rest = &rest[used..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
        } else {
            let end = rest.find('>').map_or(rest.len(), |end| end + 1);
            let inner = &rest[1..end];
            let name = tag_name(inner);
            rest = &rest[end..];
            if (name == "script" || name == "style") && !inner.starts_with('/') {
                rest = skip_element(rest, &name);
            }
            let separator = if BLOCK_TAGS.contains(&name.as_str()) {
                '\n'
            } else {
                ' '
            };
            if !text.ends_with(['\n', ' ']) && !text.is_empty() {
                text.push(separator);
            } else if separator == '\n' && text.ends_with(' ') {
                text.pop();
                text.push('\n');
            }
        }
    }
    push_words(&mut text, rest);
    text.trim().to_owned()
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
/// its `href`, `src` and `action` attributes), in order, at most `limit`,
/// each at most [`FIELD_LIMIT`] bytes.
pub(super) fn links(html: &str, limit: usize) -> Vec<String> {
    let bytes = html.as_bytes();
    let mut links = Vec::new();
    for equals in memchr::memchr_iter(b'=', bytes) {
        if links.len() == limit {
            break;
        }
        let name_end = bytes[..equals].trim_ascii_end().len();
        let name_start = (bytes[..name_end].iter())
            .rposition(|byte| !byte.is_ascii_alphabetic())
            .map_or(0, |before| before + 1);
        let name = &bytes[name_start..name_end];
        let is_link = ["href", "src", "action"]
            .iter()
            .any(|link| name.eq_ignore_ascii_case(link.as_bytes()));
        let after_blank = name_start > 0 && bytes[name_start - 1].is_ascii_whitespace();
        if !is_link || !after_blank {
            continue;
        }
        let value = html[equals + 1..].trim_start();
        let value = match value.as_bytes().first() {
            Some(&quote @ (b'"' | b'\'')) => value[1..].split(char::from(quote)).next(),
            _ => value.split(|c: char| c.is_whitespace() || c == '>').next(),
        };
        let value = value.unwrap_or_default().trim();
        if !value.is_empty() {
            links.push(value[..value.floor_char_boundary(FIELD_LIMIT)].to_owned());
        }
    }
    links
}

/// Lowercased name of the tag whose inside (between `<` and `>`) is `inner`.
fn tag_name(inner: &str) -> String {
    inner
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The text after the closing tag of `name`, or nothing when it is not closed.
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let closing = format!("</{name}");
    let lower = rest.to_ascii_lowercase();
    match lower.find(&closing) {
        Some(start) => {
            let after = &rest[start..];
            after.find('>').map_or("", |end| &after[end + 1..])
        }
        None => "",
    }
}

/// Decodes the character reference at the start of `rest`; returns the text
/// and how many bytes it used (a lone `&` stays as it is).
fn entity(rest: &str) -> (String, usize) {
    let Some(end) = rest[1..].find(';').map(|i| i + 1).filter(|&end| end <= 10) else {
        return ("&".into(), 1);
    };
    let name = &rest[1..end];
    let decoded = match name {
        "nbsp" | "ensp" | "emsp" | "thinsp" => Some(' '),
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "copy" => Some('©'),
        "reg" => Some('®'),
        "euro" => Some('€'),
        "mdash" => Some('—'),
        "ndash" => Some('–'),
        _ => numeric_reference(name),
    };
    match decoded {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".into(), 1),
    }
}

fn numeric_reference(name: &str) -> Option<char> {
    let number = name.strip_prefix('#')?;
    let code = match number.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => number.parse().ok()?,
    };
    char::from_u32(code)
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
    fn finds_link_and_image_targets() {
        let html = "<a HREF=\"http://a.example/x?y=1\">a</a> <img\nsrc='cid:logo' alt=x>\
                    <form action=https://b.example/post method=post>\
                    <p data-href=\"no\" title=\"x=1\">text=more</p><a href = \"\">";
        assert_eq!(
            links(html, 10),
            [
                "http://a.example/x?y=1",
                "cid:logo",
                "https://b.example/post"
            ]
        );
        assert_eq!(links(html, 2).len(), 2);
        for broken in ["=", " href=", " href=\"", "<a href='x"] {
            assert!(links(broken, 10).len() <= 1);
        }
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
        ] {
            let _ = to_text(html);
        }
        assert_eq!(to_text("a <b c"), "a");
        assert_eq!(to_text("a </script> b"), "a b");
    }
}
