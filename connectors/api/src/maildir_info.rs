//! [`Flags`] as the letters of a Maildir file name's `:2,` info suffix.

use crate::Flags;

/// The info letters that are flags, in the ASCII order a file name lists them.
const LETTERS: &[u8; 5] = b"DFRST";

impl Flags {
    /// The info letters of the flags set: `D` draft, `F` flagged, `R`
    /// replied, `S` seen, `T` trashed (deleted), in that order.
    pub fn maildir_letters(self) -> String {
        let mut flags = self;
        (LETTERS.iter())
            .filter(|&&letter| flags.by_maildir_letter(letter).is_some_and(|set| *set))
            .map(|&letter| char::from(letter))
            .collect()
    }

    /// The flags of an info suffix's letters; other letters (`P` passed,
    /// lowercase keywords, `,`) are ignored.
    pub fn from_maildir_letters(letters: &[u8]) -> Flags {
        let mut flags = Flags::default();
        for &letter in letters {
            if let Some(set) = flags.by_maildir_letter(letter) {
                *set = true;
            }
        }
        flags
    }

    /// The flag an info letter stands for.
    fn by_maildir_letter(&mut self, letter: u8) -> Option<&mut bool> {
        match letter {
            b'D' => Some(&mut self.draft),
            b'F' => Some(&mut self.flagged),
            b'R' => Some(&mut self.answered),
            b'S' => Some(&mut self.seen),
            b'T' => Some(&mut self.deleted),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_round_trip_in_order() {
        for bits in 0..32 {
            let flags = Flags::from_bits(bits);
            let letters = flags.maildir_letters();
            assert_eq!(Flags::from_maildir_letters(letters.as_bytes()), flags);
            let mut sorted: Vec<u8> = letters.bytes().collect();
            sorted.sort_unstable();
            assert_eq!(sorted, letters.as_bytes());
        }
        assert_eq!(Flags::from_bits(31).maildir_letters(), "DFRST");
    }
}
