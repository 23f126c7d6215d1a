//! Tags in notmuch's dump format, one message per line:
//! `+inbox +unread -- id:1234@example.org`.
//!
//! Tags and the Message-ID are hex-escaped as notmuch does (`%20` for a
//! space), and the flags appear as their tag names (`unread`, `flagged`,
//! `replied`, `draft`, `deleted`), so a dump restores flags too. Messages
//! without a Message-ID cannot be named in this format and are left out.

use std::path::{Path, PathBuf};

use crate::store::{Summary, display_tags};

/// Where the dump of an export at `output` goes: `<output>.tags`.
pub fn path_next_to(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".tags");
    PathBuf::from(name)
}

/// The dump line of a message, `None` without a Message-ID.
pub fn line(summary: &Summary) -> Option<String> {
    let message_id = summary.message_id.as_deref()?;
    let tags: Vec<String> = display_tags(summary.flags, &summary.tags)
        .iter()
        .map(|tag| format!("+{}", escape(tag)))
        .collect();
    Some(
        format!("{} -- id:{}", tags.join(" "), escape(message_id))
            .trim_start()
            .to_owned(),
    )
}

/// One line of a dump, read back.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub tags: Vec<String>,
    pub message_id: String,
}

/// Reads a dump line; `Ok(None)` for empty and `#` comment lines.
pub fn parse(line: &str) -> Result<Option<Entry>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (tags, query) = line
        .split_once("--")
        .ok_or("no `--` between the tags and `id:`")?;
    let message_id = query
        .trim()
        .strip_prefix("id:")
        .ok_or("the query after `--` must be `id:MESSAGE-ID`")?;
    let message_id = unescape(message_id)?;
    if message_id.is_empty() {
        return Err("empty Message-ID".into());
    }
    let tags = tags
        .split_whitespace()
        .map(|word| match word.strip_prefix('+') {
            Some(tag) if !tag.is_empty() => unescape(tag),
            _ => Err(format!("{word:?} is not a +tag")),
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(Entry { tags, message_id }))
}

/// notmuch's escaping: anything but letters, digits and `+-_@=.,:/` as `%XX`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"+-_@=.,:/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02x}"));
        }
    }
    out
}

fn unescape(text: &str) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = tail
                .get(..2)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| format!("bad %-escape in {text:?}"))?;
            bytes.push(hex);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).map_err(|_| format!("{text:?} is not UTF-8 once unescaped"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_with_escapes() {
        let entry = Entry {
            tags: vec!["unread".into(), "to do".into(), "100%".into()],
            message_id: "a b\"c@example.org".into(),
        };
        let line = format!(
            "{} -- id:{}",
            entry
                .tags
                .iter()
                .map(|t| format!("+{}", escape(t)))
                .collect::<Vec<_>>()
                .join(" "),
            escape(&entry.message_id)
        );
        assert_eq!(line, "+unread +to%20do +100%25 -- id:a%20b%22c@example.org");
        assert_eq!(parse(&line).unwrap(), Some(entry));
    }

    #[test]
    fn reads_notmuch_dumps_and_refuses_garbage() {
        assert_eq!(
            parse("+inbox +unread -- id:20021010.abc@perl.org").unwrap(),
            Some(Entry {
                tags: vec!["inbox".into(), "unread".into()],
                message_id: "20021010.abc@perl.org".into()
            })
        );
        assert_eq!(parse(" -- id:x@y").unwrap().map(|e| e.tags.len()), Some(0));
        assert_eq!(parse("# comment").unwrap(), None);
        assert_eq!(parse("").unwrap(), None);
        assert!(parse("+a id:x").is_err());
        assert!(parse("+a -- from:x").is_err());
        assert!(parse("a -- id:x").is_err());
        assert!(parse("+a -- id:%zz").is_err());
    }
}
