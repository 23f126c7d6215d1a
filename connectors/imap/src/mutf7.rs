//! IMAP's modified UTF-7 for folder names (RFC 3501, section 5.1.3).
//!
//! Printable ASCII stands for itself, except `&`, which opens a run of
//! UTF-16 code units in base64 (with `,` for `/`, no padding) closed by
//! `-`; `&-` is a plain `&`. So `Entw&APw-rfe` is `Entwürfe`.

/// The folder name `encoded` in Unicode, or `None` when it is not valid
/// modified UTF-7 (the caller then keeps the server's spelling).
pub fn decode(encoded: &str) -> Option<String> {
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('-')?;
        let run = &after[..end];
        if run.is_empty() {
            out.push('&');
        } else {
            out.push_str(&decode_run(run)?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// One base64 run: UTF-16BE code units.
fn decode_run(run: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut units = Vec::with_capacity(run.len() * 3 / 8);
    for byte in run.bytes() {
        bits = (bits << 6) | u32::from(sextet(byte)?);
        count += 6;
        if count >= 16 {
            count -= 16;
            units.push(u16::try_from((bits >> count) & 0xFFFF).ok()?);
        }
    }
    // Leftover bits are padding and must be zero.
    if count >= 6 || bits & ((1 << count) - 1) != 0 {
        return None;
    }
    let text = String::from_utf16(&units).ok()?;
    // A run that only spells printable ASCII is not the canonical form.
    (!text.chars().all(|c| (' '..='~').contains(&c))).then_some(text)
}

fn sextet(byte: u8) -> Option<u8> {
    Some(match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b',' => 63,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_the_rfc_examples_and_common_names() {
        assert_eq!(
            decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-").as_deref(),
            Some("~peter/mail/台北/日本語")
        );
        assert_eq!(decode("Entw&APw-rfe").as_deref(), Some("Entwürfe"));
        assert_eq!(
            decode("Gel&APY-schte Elemente").as_deref(),
            Some("Gelöschte Elemente")
        );
        assert_eq!(decode("Tom &- Jerry").as_deref(), Some("Tom & Jerry"));
        assert_eq!(decode("INBOX").as_deref(), Some("INBOX"));
        // A surrogate pair (U+1F4E7).
        assert_eq!(decode("&2D3c5w-").as_deref(), Some("\u{1F4E7}"));
    }

    #[test]
    fn refuses_what_is_not_modified_utf7() {
        assert_eq!(decode("open &run"), None); // unterminated
        assert_eq!(decode("&U,BTF/-"), None); // '/' is not in the alphabet
        assert_eq!(decode("&AGE-"), None); // plain ASCII 'a' spelled in base64
        assert_eq!(decode("&2D0-"), None); // a lone surrogate
        assert_eq!(decode("&APx-"), None); // non-zero padding bits
    }
}
