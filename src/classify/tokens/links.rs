//! Tokens of links, mail addresses and domains, wherever they are found.

use super::body::{LONG_WORD, lowercase_into};
use super::set::Tokens;

/// Link hosts and paths, and mail domains, of the HTML parts' links: the
/// text of an HTML mail rarely shows where its links lead.
pub(super) fn link_tokens(links: &[String], tokens: &mut Tokens) {
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

/// Where the first `http://`, `https://` or `www.` in `word` starts.
pub(super) fn url_start(word: &str) -> Option<usize> {
    let bytes = word.as_bytes();
    (0..bytes.len()).find(|&at| {
        let rest = &bytes[at..];
        (rest[0] == b'h' && (rest.starts_with(b"http://") || rest.starts_with(b"https://")))
            || (rest[0] == b'w' && rest.starts_with(b"www."))
    })
}

pub(super) fn url_tokens(url: &str, tokens: &mut Tokens) {
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
pub(super) fn domain_tokens(prefix: &str, domain: &str, tokens: &mut Tokens) {
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

/// The domain of an address-like text: what follows its last `@`, up to
/// the first `>`, blank or quote; empty when there is no `@`.
pub(super) fn domain_of(text: &str) -> &str {
    let Some((_, after)) = text.rsplit_once('@') else {
        return "";
    };
    let end = after
        .find(|c: char| c == '>' || c == '"' || c.is_whitespace())
        .unwrap_or(after.len());
    &after[..end]
}

pub(super) fn ipv4(word: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = word.split('.');
    for octet in &mut octets {
        *octet = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

#[cfg(test)]
mod tests {
    use super::super::tests::features;

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
}
