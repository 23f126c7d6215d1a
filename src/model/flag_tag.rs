//! The message flags as notmuch users type them: tags named `unread`,
//! `flagged`, `replied`, `draft` and `deleted`.

use super::Flags;

/// A flag of [`Flags`] spelled as a tag. Flag tags are not stored as tags:
/// adding or removing one changes the message's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlagTag {
    /// Not [`Flags::seen`].
    Unread,
    Flagged,
    /// [`Flags::answered`].
    Replied,
    Draft,
    Deleted,
}

impl FlagTag {
    /// Every flag tag, in the order listings show them.
    pub const ALL: [FlagTag; 5] = [
        FlagTag::Unread,
        FlagTag::Flagged,
        FlagTag::Replied,
        FlagTag::Draft,
        FlagTag::Deleted,
    ];

    /// The tag's name.
    pub const fn name(self) -> &'static str {
        match self {
            FlagTag::Unread => "unread",
            FlagTag::Flagged => "flagged",
            FlagTag::Replied => "replied",
            FlagTag::Draft => "draft",
            FlagTag::Deleted => "deleted",
        }
    }

    /// The flag tag named exactly `name`, if it is one.
    pub fn from_name(name: &str) -> Option<FlagTag> {
        FlagTag::ALL.into_iter().find(|tag| tag.name() == name)
    }

    /// Whether a message with `flags` has this tag.
    pub fn is_on(self, flags: Flags) -> bool {
        match self {
            FlagTag::Unread => !flags.seen,
            FlagTag::Flagged => flags.flagged,
            FlagTag::Replied => flags.answered,
            FlagTag::Draft => flags.draft,
            FlagTag::Deleted => flags.deleted,
        }
    }

    /// Changes `flags` so that the message has this tag (`on`) or not.
    pub fn set(self, flags: &mut Flags, on: bool) {
        match self {
            FlagTag::Unread => flags.seen = !on,
            FlagTag::Flagged => flags.flagged = on,
            FlagTag::Replied => flags.answered = on,
            FlagTag::Draft => flags.draft = on,
            FlagTag::Deleted => flags.deleted = on,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_set_what_they_read() {
        for tag in FlagTag::ALL {
            assert_eq!(FlagTag::from_name(tag.name()), Some(tag));
            let mut flags = Flags::default();
            tag.set(&mut flags, true);
            assert!(tag.is_on(flags), "{tag:?}");
            tag.set(&mut flags, false);
            assert!(!tag.is_on(flags), "{tag:?}");
        }
        assert_eq!(FlagTag::from_name("Unread"), None);
        assert_eq!(FlagTag::from_name("seen"), None);
    }
}
