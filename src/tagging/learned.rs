//! Learned tags: a classifier per tag, trained on the stored messages that
//! carry the tag against a sample of those that do not
//! (`inbox tags learn TAG`), then tagging new mail it is confident about.

use std::path::PathBuf;

use crate::classify::eval::{Report, Sample, cross_validate_at, shuffle};
use crate::classify::{Classifier, Features, ModelError, model_path, model_tag};
use crate::home::Home;
use crate::index::query::Flag;
use crate::model::{FlagTag, MessageId};
use crate::store::{Store, StoreError};

/// A learned tag is set on new mail whose score is above this. Higher than
/// spam's 0.5: a learned tag is a guess the user did not ask for on that
/// message, so it is set only when the model is nearly sure; a missed tag
/// costs less than a wrong one.
pub const LEARNED_THRESHOLD: f64 = 0.9;

/// Untagged messages trained per tagged one: the negatives are a seeded
/// random sample of at most this many per positive...
const NEGATIVES_PER_POSITIVE: usize = 5;
/// ...and at least this many (or all there are).
const MIN_NEGATIVES: usize = 1_000;
/// Seed of the negative sample and of the cross-validation folds.
const SEED: u64 = 1;
/// Folds of the quick cross-validation after learning.
const FOLDS: usize = 5;

/// Why a tag could not be learned.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error("`{0}` cannot be learned: train the spam model with `inbox spam train`")]
    Spam(String),
    #[error("`{0}` is a message flag, set by the source: it cannot be learned")]
    Flag(String),
    #[error(
        "no message has the tag `{0}` (besides those its own model set): tag some first with `inbox tag +{0} -- QUERY`"
    )]
    NoPositives(String),
    #[error("every message has the tag `{0}`: there is nothing to tell it apart from")]
    NoNegatives(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// A model trained by [`learn`], with what it was trained on.
pub struct Learned {
    pub classifier: Classifier,
    /// Messages with the tag, trained as positive.
    pub positives: usize,
    /// Messages without it, trained as negative (a sample of `untagged`).
    pub negatives: usize,
    pub untagged: usize,
    /// Cross-validation of the same training set at [`LEARNED_THRESHOLD`].
    pub report: Report,
}

/// Trains a model for `tag` from the store: the messages holding it
/// (except those its own model tagged) against a seeded random sample of
/// the others.
pub fn learn(store: &Store, tag: &str) -> Result<Learned, LearnError> {
    if tag == "spam" {
        return Err(LearnError::Spam(tag.to_owned()));
    }
    if FlagTag::from_name(tag).is_some() || tag == Flag::Attachment.as_str() {
        return Err(LearnError::Flag(tag.to_owned()));
    }
    let positives = store.tagged(tag, Some(tag))?;
    if positives.is_empty() {
        return Err(LearnError::NoPositives(tag.to_owned()));
    }
    let holding: std::collections::HashSet<MessageId> =
        store.tagged(tag, None)?.into_iter().collect();
    let untagged: Vec<MessageId> = (store.message_ids()?.into_iter())
        .filter(|id| !holding.contains(id))
        .collect();
    if untagged.is_empty() {
        return Err(LearnError::NoNegatives(tag.to_owned()));
    }
    let cap = (positives.len() * NEGATIVES_PER_POSITIVE).max(MIN_NEGATIVES);
    let mut order: Vec<usize> = (0..untagged.len()).collect();
    shuffle(&mut order, SEED);
    let negatives = order.iter().take(cap).map(|&index| untagged[index]);

    let mut samples = Vec::new();
    let labelled = (positives.iter().map(|&id| (id, true))).chain(negatives.map(|id| (id, false)));
    for (id, positive) in labelled {
        if let Some(raw) = store.raw(id)? {
            samples.push(Sample {
                name: id.0.to_string(),
                features: Features::of(&raw),
                positive,
            });
        }
    }
    let mut classifier = Classifier::new();
    for sample in &samples {
        classifier.train_features(&sample.features, sample.positive);
    }
    let report = cross_validate_at(&samples, FOLDS, SEED, LEARNED_THRESHOLD);
    let (positives, negatives) = classifier.trained();
    Ok(Learned {
        classifier,
        positives: positives as usize,
        negatives: negatives as usize,
        untagged: untagged.len(),
        report,
    })
}

/// The learned tags of `home`, sorted: every model file but spam's.
pub fn learned_tags(home: &Home) -> Result<Vec<String>, ModelError> {
    let dir = classify_dir(home);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ModelError::Io {
                action: "list",
                path: dir,
                source,
            });
        }
    };
    let mut tags: Vec<String> = entries
        .filter_map(|entry| model_tag(&entry.ok()?.file_name().to_string_lossy()))
        .filter(|tag| tag != "spam")
        .collect();
    tags.sort();
    Ok(tags)
}

/// Every learned tag with its model.
pub fn load_all(home: &Home) -> Result<Vec<(String, Classifier)>, ModelError> {
    (learned_tags(home)?.into_iter())
        .map(|tag| {
            let model = Classifier::load(&model_path(home, &tag))?;
            Ok((tag, model))
        })
        .collect()
}

fn classify_dir(home: &Home) -> PathBuf {
    model_path(home, "spam")
        .parent()
        .map_or_else(|| home.data_dir.join("classify"), ToOwned::to_owned)
}
