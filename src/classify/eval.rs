//! k-fold cross-validation of the classifier on labelled messages.
//!
//! Messages are shuffled with a seeded generator and dealt into k folds.
//! The classifier is trained on every message once; each fold is then
//! untrained, scored and trained again, which is exactly training on the
//! other k-1 folds (training is additive), at a third of the cost.

use super::{Classifier, Features};

/// One labelled, tokenized message.
pub struct Sample {
    /// What to call the message in a report (its file name).
    pub name: String,
    pub features: Features,
    pub positive: bool,
}

/// A message the classifier got wrong, with its score.
pub struct Miss {
    pub name: String,
    pub score: f64,
}

/// The outcome of a cross-validation.
#[derive(Default)]
pub struct Report {
    pub folds: usize,
    pub true_positives: usize,
    pub false_negatives: usize,
    pub true_negatives: usize,
    /// Negative (ham) messages classified positive, highest score first.
    pub false_positives: Vec<Miss>,
    /// Every message's score, with whether it is positive.
    pub scores: Vec<(f64, bool)>,
}

impl Report {
    pub fn positives(&self) -> usize {
        self.true_positives + self.false_negatives
    }

    pub fn negatives(&self) -> usize {
        self.true_negatives + self.false_positives.len()
    }

    /// Share of all messages classified right.
    pub fn accuracy(&self) -> f64 {
        share(
            self.true_positives + self.true_negatives,
            self.positives() + self.negatives(),
        )
    }

    /// Share of the messages classified positive that are positive.
    pub fn precision(&self) -> f64 {
        share(
            self.true_positives,
            self.true_positives + self.false_positives.len(),
        )
    }

    /// Share of the positive messages classified positive.
    pub fn recall(&self) -> f64 {
        share(self.true_positives, self.positives())
    }

    /// Share of the negative messages classified positive.
    pub fn false_positive_rate(&self) -> f64 {
        share(self.false_positives.len(), self.negatives())
    }

    /// The (false negatives, false positives) had scores above `threshold`
    /// been taken as positive.
    pub fn errors_at(&self, threshold: f64) -> (usize, usize) {
        let count = |positive: bool, wrong: fn(f64, f64) -> bool| {
            (self.scores.iter())
                .filter(|&&(score, label)| label == positive && wrong(score, threshold))
                .count()
        };
        (count(true, |s, t| s <= t), count(false, |s, t| s > t))
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Cross-validates over `folds` folds (at least 2, at most one per
/// message), shuffled by `seed`, positive above [`super::THRESHOLD`].
pub fn cross_validate(samples: &[Sample], folds: usize, seed: u64) -> Report {
    cross_validate_at(samples, folds, seed, super::THRESHOLD)
}

/// [`cross_validate`] with scores above `threshold` taken as positive.
pub fn cross_validate_at(samples: &[Sample], folds: usize, seed: u64, threshold: f64) -> Report {
    let folds = folds.clamp(2, samples.len().max(2));
    let mut order: Vec<usize> = (0..samples.len()).collect();
    shuffle(&mut order, seed);
    let mut classifier = Classifier::new();
    for sample in samples {
        classifier.train_features(&sample.features, sample.positive);
    }
    let mut report = Report {
        folds,
        ..Report::default()
    };
    for fold in 0..folds {
        let members: Vec<&Sample> = order
            .iter()
            .skip(fold)
            .step_by(folds)
            .map(|&index| &samples[index])
            .collect();
        for sample in &members {
            classifier.untrain_features(&sample.features, sample.positive);
        }
        for sample in &members {
            let score = classifier.score_features(&sample.features);
            record(&mut report, sample, score, threshold);
        }
        for sample in &members {
            classifier.train_features(&sample.features, sample.positive);
        }
    }
    report.false_positives.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.name.cmp(&b.name))
    });
    report
}

fn record(report: &mut Report, sample: &Sample, score: f64, threshold: f64) {
    report.scores.push((score, sample.positive));
    match (sample.positive, score > threshold) {
        (true, true) => report.true_positives += 1,
        (true, false) => report.false_negatives += 1,
        (false, false) => report.true_negatives += 1,
        (false, true) => report.false_positives.push(Miss {
            name: sample.name.clone(),
            score,
        }),
    }
}

/// Fisher-Yates with splitmix64: the same seed gives the same order
/// everywhere.
pub fn shuffle(items: &mut [usize], seed: u64) {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for last in (1..items.len()).rev() {
        let pick = (next() % (last as u64 + 1)) as usize;
        items.swap(last, pick);
    }
}
