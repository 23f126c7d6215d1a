//! IMAP system flags <-> [`Flags`], and UID set notation.

use async_imap::types::Flag;
use inbox_connector_api::Flags;

/// The system flags among `flags`; keywords and `\Recent` are ignored.
pub fn from_imap<'a>(flags: impl Iterator<Item = Flag<'a>>) -> Flags {
    let mut out = Flags::default();
    for flag in flags {
        match flag {
            Flag::Seen => out.seen = true,
            Flag::Flagged => out.flagged = true,
            Flag::Answered => out.answered = true,
            Flag::Draft => out.draft = true,
            Flag::Deleted => out.deleted = true,
            _ => {}
        }
    }
    out
}

/// The `(\Seen ...)` lists to add and to remove so the system flags become `flags`.
pub fn store_lists(flags: Flags) -> (String, String) {
    let names = [
        (flags.seen, "\\Seen"),
        (flags.flagged, "\\Flagged"),
        (flags.answered, "\\Answered"),
        (flags.draft, "\\Draft"),
        (flags.deleted, "\\Deleted"),
    ];
    let list = |wanted: bool| {
        let chosen: Vec<&str> = names
            .iter()
            .filter(|(set, _)| *set == wanted)
            .map(|(_, name)| *name)
            .collect();
        format!("({})", chosen.join(" "))
    };
    (list(true), list(false))
}

/// `uids` (sorted ascending) in compact set notation: `1:3,7,9:10`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut index = 0;
    while let Some(&start) = uids.get(index) {
        let mut end = start;
        while uids.get(index + 1) == Some(&(end + 1)) {
            end += 1;
            index += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        index += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_flags_only() {
        let flags = from_imap(
            [
                Flag::Seen,
                Flag::Recent,
                Flag::Custom("$Forwarded".into()),
                Flag::Draft,
            ]
            .into_iter(),
        );
        assert_eq!(
            flags,
            Flags {
                seen: true,
                draft: true,
                ..Flags::default()
            }
        );
    }

    #[test]
    fn store_lists_split_set_and_unset() {
        let (add, remove) = store_lists(Flags {
            seen: true,
            flagged: true,
            ..Flags::default()
        });
        assert_eq!(add, "(\\Seen \\Flagged)");
        assert_eq!(remove, "(\\Answered \\Draft \\Deleted)");
    }

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[]), "");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
    }
}
