//! A trainable classifier for one binary tag ("spam" vs "not spam", or any
//! user tag vs the rest), in the SpamBayes / bogofilter tradition.
//!
//! - `tokens`: raw message -> [`Features`], tokens from selected headers
//!   (prefixed by header) and the decoded body; bounded; never panics.
//! - `headers`: the raw header scan; drops other filters' verdict headers
//!   (`X-Spam-*`, `X-Virus-*`, `X-Bogosity`, ...), which a sender can forge
//!   and which are missing on mail no filter saw.
//! - `model`: per-token counts and Robinson's token probability.
//! - `clue_table`: the probabilities of a trained model's clue tokens in
//!   one flat table, which scoring reads.
//! - `combine`: Fisher's chi-square combining of the strongest clues.
//! - `file`: the versioned, checksummed model file.
//! - [`eval`]: k-fold cross-validation; [`sources`]: labelled mail on disk.
//!
//! Training counts each message once per distinct token, so
//! [`Classifier::untrain_features`] of a trained message restores the
//! model exactly (re-tagging).

mod clue_table;
mod combine;
pub mod eval;
mod file;
mod headers;
mod model;
pub mod sources;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use file::ModelError;
pub(crate) use headers::lines;
pub use tokens::{Features, Tokenizer};

use crate::home::Home;
use clue_table::ClueTable;
use model::Model;

/// Scores above this mean "positive" (spam). Measured by cross-validation
/// on the SpamAssassin public corpus (see README): higher thresholds lost
/// recall faster than they saved ham; 0.5 itself (no evidence) is negative.
pub const THRESHOLD: f64 = 0.5;

/// Where the model for `tag` lives: `<data dir>/classify/<tag>.model`, the
/// tag percent-encoded beyond `[A-Za-z0-9_-]`.
pub fn model_path(home: &Home, tag: &str) -> PathBuf {
    let mut name = String::new();
    for byte in tag.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    home.data_dir.join("classify").join(format!("{name}.model"))
}

/// The tag a model file name stands for (the inverse of [`model_path`]'s
/// naming); `None` for a file that is no model.
pub fn model_tag(file_name: &str) -> Option<String> {
    let name = file_name.strip_suffix(".model")?;
    let mut bytes = Vec::with_capacity(name.len());
    let mut rest = name.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok().filter(|tag| !tag.is_empty())
}

/// A binary classifier: train it with positive and negative messages, then
/// [`score`](Classifier::score_features) new ones.
#[derive(Clone, Debug, Default)]
pub struct Classifier {
    model: Model,
    /// The model's clues for scoring, made on the first score after the
    /// model was loaded or changed.
    clues: OnceLock<ClueTable>,
}

/// Classifiers are equal when their models are.
impl PartialEq for Classifier {
    fn eq(&self, other: &Classifier) -> bool {
        self.model == other.model
    }
}

impl Classifier {
    /// An untrained classifier (it scores everything 0.5).
    pub fn new() -> Classifier {
        Classifier::default()
    }

    /// Reads a model file written by [`save`](Classifier::save).
    pub fn load(path: &Path) -> Result<Classifier, ModelError> {
        Ok(Classifier {
            model: file::load(path)?,
            clues: OnceLock::new(),
        })
    }

    /// Like [`load`](Classifier::load), but an untrained classifier when
    /// there is no file yet.
    pub fn load_or_new(path: &Path) -> Result<Classifier, ModelError> {
        match Classifier::load(path) {
            Err(ModelError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                Ok(Classifier::new())
            }
            other => other,
        }
    }

    /// Writes the model to `path` atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        file::save(&self.model, path)
    }

    /// The probability-like score of a raw message being positive, 0..=1
    /// (0.5: no evidence either way).
    #[cfg(test)]
    pub fn score(&self, raw: &[u8]) -> f64 {
        self.score_features(&Features::of(raw))
    }

    /// The probability-like score of a message tokenized before being
    /// positive, 0..=1 (0.5: no evidence either way).
    pub fn score_features(&self, features: &Features) -> f64 {
        let clues = self.clues.get_or_init(|| ClueTable::of(&self.model));
        combine::score(
            features
                .hashes()
                .filter_map(|token| Some((token, clues.get(token)?))),
        )
    }

    /// The clues behind a message's score: at most `count` of its tokens
    /// whose probability lies farthest from 0.5, strongest first, each with
    /// its probability of meaning "positive". Needs the tokens' texts, from
    /// [`Features::named`].
    pub fn clues(&self, features: &Features, count: usize) -> Vec<(String, f64)> {
        let known = features
            .names()
            .filter_map(|(hash, token)| Some((token, self.model.probability(hash)?)));
        let mut clues = combine::clues(known);
        clues.truncate(count);
        (clues.into_iter())
            .map(|(token, probability)| (token.to_owned(), probability))
            .collect()
    }

    /// Whether `score` means "positive" (above [`THRESHOLD`]).
    pub fn is_positive(score: f64) -> bool {
        score > THRESHOLD
    }

    /// Learns one raw message as positive (spam) or negative (ham).
    pub fn train(&mut self, raw: &[u8], positive: bool) {
        self.train_features(&Features::of(raw), positive);
    }

    /// [`train`](Classifier::train) with a message tokenized before.
    pub fn train_features(&mut self, features: &Features, positive: bool) {
        self.clues.take();
        self.model.train(features, positive);
    }

    /// Forgets one raw message trained before with the same `positive`;
    /// then [`train`](Classifier::train) it with its new class to re-tag it.
    #[cfg(test)]
    pub fn untrain(&mut self, raw: &[u8], positive: bool) {
        self.untrain_features(&Features::of(raw), positive);
    }

    /// Forgets one message, tokenized before, trained before with the same
    /// `positive`; then [`train`](Classifier::train) it with its new class
    /// to re-tag it.
    pub fn untrain_features(&mut self, features: &Features, positive: bool) {
        self.clues.take();
        self.model.untrain(features, positive);
    }

    /// How many (positive, negative) messages the model holds.
    pub fn trained(&self) -> (u32, u32) {
        (self.model.messages.positive, self.model.messages.negative)
    }

    /// How many distinct tokens the model knows.
    pub fn vocabulary(&self) -> usize {
        self.model.tokens.len()
    }
}

#[cfg(test)]
mod tests;
