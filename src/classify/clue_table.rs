//! A trained model's clue tokens and their probabilities, frozen into one
//! flat table for scoring.
//!
//! Scoring looks up every token of a message, most of them in a model of
//! some 100,000 tokens far bigger than the CPU's caches. A hash map of
//! counts costs two cache misses and Robinson's formula per token; this
//! open-addressing table (linear probing, each slot the token and its
//! probability) costs one miss and no arithmetic, and holds only the
//! tokens that can be clues.

use super::combine::is_clue;
use super::model::Model;

/// The probabilities of a model's clue tokens, keyed by token hash.
#[derive(Clone, Debug)]
pub(super) struct ClueTable {
    /// A power of two of slots; token 0 marks an empty one.
    slots: Box<[Slot]>,
    /// The probability of the token whose hash is 0, if it is a clue.
    zero: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    token: u64,
    probability: f64,
}

impl ClueTable {
    /// The clue tokens of `model`, each with its [`Model::probability`].
    pub(super) fn of(model: &Model) -> ClueTable {
        let clues: Vec<(u64, f64)> = (model.tokens.keys())
            .filter_map(|&token| Some((token, model.probability(token)?)))
            .filter(|&(_, probability)| is_clue(probability))
            .collect();
        // At most two thirds full, so a probe rarely leaves its cache line
        // (fuller tables, half the size, missed the caches more often).
        let size = (clues.len() + clues.len() / 2 + 1).next_power_of_two();
        let mut table = ClueTable {
            slots: vec![Slot::default(); size].into_boxed_slice(),
            zero: None,
        };
        for (token, probability) in clues {
            if token == 0 {
                table.zero = Some(probability);
                continue;
            }
            let mut at = table.home(token);
            while table.slots[at].token != 0 {
                at = (at + 1) & (size - 1);
            }
            table.slots[at] = Slot { token, probability };
        }
        table
    }

    /// The probability of `token` if it is one of the model's clues.
    pub(super) fn get(&self, token: u64) -> Option<f64> {
        if token == 0 {
            return self.zero;
        }
        let mut at = self.home(token);
        loop {
            let slot = self.slots[at];
            if slot.token == token {
                return Some(slot.probability);
            }
            if slot.token == 0 {
                return None;
            }
            at = (at + 1) & (self.slots.len() - 1);
        }
    }

    /// The first slot looked at for `token`: its low bits (token hashes
    /// are well mixed).
    fn home(&self, token: u64) -> usize {
        token as usize & (self.slots.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Features;

    #[test]
    fn holds_exactly_the_clues_of_the_model() {
        let mut model = Model::default();
        let messages = [
            ("Subject: cheap pills\n\nbuy cheap pills now", true),
            ("Subject: lunch\n\nshall we meet for lunch now", false),
            ("Subject: cheap lunch\n\nthe canteen has cheap lunch", false),
        ];
        let features: Vec<Features> = (messages.iter())
            .map(|(raw, _)| Features::of(raw.as_bytes()))
            .collect();
        for (features, (_, positive)) in features.iter().zip(messages) {
            model.train(features, positive);
        }
        // Token 0 and a token no message has take their own paths.
        let hash_zero = model.tokens.keys().next().copied().unwrap();
        let counts = model.tokens.remove(&hash_zero).unwrap();
        model.tokens.insert(0, counts);
        let table = ClueTable::of(&model);
        let mut clues = 0;
        for token in features.iter().flat_map(Features::hashes).chain([0, 1, 2]) {
            let expected = model.probability(token).filter(|&p| is_clue(p));
            assert_eq!(table.get(token), expected, "{token:x}");
            clues += usize::from(expected.is_some());
        }
        assert!(clues > 10, "{clues}");
    }
}
