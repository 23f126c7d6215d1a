//! Maildir file names: the unique name and the flags of the info suffix.

use inbox_connector_api::Flags;

/// Splits a Maildir file name into its unique name (the stable id, also
/// when flags change) and the flags of its `:2,` info suffix. `;2,` is read
/// the same way (used where `:` is not allowed in file names); an info
/// suffix of another version is dropped and gives no flags.
pub(crate) fn parse_file_name(name: &str) -> (&str, Flags) {
    let bytes = name.as_bytes();
    let info_start = bytes
        .windows(3)
        .rposition(|window| matches!(window, [b':' | b';', b'2', b',']));
    if let Some(start) = info_start {
        return (
            &name[..start],
            Flags::from_maildir_letters(&bytes[start + 3..]),
        );
    }
    match name.find(':') {
        Some(start) => (&name[..start], Flags::default()),
        None => (name, Flags::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(seen: bool, flagged: bool, answered: bool, draft: bool, deleted: bool) -> Flags {
        Flags {
            seen,
            flagged,
            answered,
            draft,
            deleted,
        }
    }

    #[test]
    fn colon_and_semicolon_info_suffixes() {
        assert_eq!(
            parse_file_name("00001.7c53:2,"),
            ("00001.7c53", Flags::default())
        );
        assert_eq!(
            parse_file_name("1234567890.M20046P2137.mailserver,S=4542,W=4642;2,Sb"),
            (
                "1234567890.M20046P2137.mailserver,S=4542,W=4642",
                flags(true, false, false, false, false)
            )
        );
        assert_eq!(
            parse_file_name("1035478339.27041_118.foo.org,S=1000,W=1030;2,RDF,"),
            (
                "1035478339.27041_118.foo.org,S=1000,W=1030",
                flags(false, true, true, true, false)
            )
        );
        assert_eq!(
            parse_file_name("a.b.c:2,STln"),
            ("a.b.c", flags(true, false, false, false, true))
        );
        assert_eq!(
            parse_file_name("x:2,FP"),
            ("x", flags(false, true, false, false, false))
        );
    }

    #[test]
    fn names_without_flags() {
        assert_eq!(
            parse_file_name("1234.M1P2.host"),
            ("1234.M1P2.host", Flags::default())
        );
        assert_eq!(
            parse_file_name("1234.host:1,experimental"),
            ("1234.host", Flags::default())
        );
        assert_eq!(parse_file_name(""), ("", Flags::default()));
    }

    #[test]
    fn unique_name_is_stable_when_flags_change() {
        assert_eq!(
            parse_file_name("m.host:2,").0,
            parse_file_name("m.host:2,FRS").0
        );
    }
}
