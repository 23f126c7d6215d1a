//! Fisher's chi-square combining of token probabilities (Robinson's method,
//! as in SpamBayes and bogofilter).
//!
//! Of a message's known tokens, the [`MAX_CLUES`] whose probability lies
//! farthest from 0.5 (at least [`MIN_STRENGTH`] away) are the clues. Two
//! chi-square tests ask how unlikely the clues are if they were random
//! under "all negative" (H) and "all positive" (S) hypotheses; the score
//! (1 + S - H) / 2 is near 1 for positive, near 0 for negative and near 0.5
//! when the evidence is weak or torn.

/// Most clues used for one message.
pub(super) const MAX_CLUES: usize = 150;

/// Tokens with a probability closer than this to 0.5 are ignored.
pub(super) const MIN_STRENGTH: f64 = 0.1;

/// Probabilities are kept this far from 0 and 1, so no single token decides.
const CLAMP: f64 = 1e-4;

/// Clamped probabilities multiplied before one logarithm is taken: their
/// product stays above CLAMP^32 = 1e-128, far from underflow.
const PRODUCT_RUN: usize = 32;

/// The combined score of the clues among `probabilities` (token, f(w)).
pub(super) fn score<T: Ord>(probabilities: impl Iterator<Item = (T, f64)>) -> f64 {
    let mut clues: Vec<(T, f64)> = probabilities.filter(|(_, p)| is_clue(*p)).collect();
    if clues.is_empty() {
        return 0.5;
    }
    if clues.len() > MAX_CLUES {
        // The same clues as `clues` picks; their order does not matter here.
        clues.select_nth_unstable_by(MAX_CLUES - 1, strongest_first);
        clues.truncate(MAX_CLUES);
    }
    let mut ln_positive = 0.0;
    let mut ln_negative = 0.0;
    for run in clues.chunks(PRODUCT_RUN) {
        let (mut positive, mut negative) = (1.0, 1.0);
        for (_, probability) in run {
            let probability = probability.clamp(CLAMP, 1.0 - CLAMP);
            positive *= probability;
            negative *= 1.0 - probability;
        }
        ln_positive += f64::ln(positive);
        ln_negative += f64::ln(negative);
    }
    let freedom = 2 * clues.len();
    let not_negative = 1.0 - chi2_tail(-2.0 * ln_positive, freedom);
    let not_positive = 1.0 - chi2_tail(-2.0 * ln_negative, freedom);
    ((1.0 + not_positive - not_negative) / 2.0).clamp(0.0, 1.0)
}

/// The strongest clues, strongest first (ties broken by token, so the
/// choice never depends on the order of `probabilities`).
pub(super) fn clues<T: Ord>(probabilities: impl Iterator<Item = (T, f64)>) -> Vec<(T, f64)> {
    let mut clues: Vec<(T, f64)> = probabilities.filter(|(_, p)| is_clue(*p)).collect();
    clues.sort_unstable_by(strongest_first);
    clues.truncate(MAX_CLUES);
    clues
}

/// Whether a token with this probability is far enough from 0.5 to count.
pub(super) fn is_clue(probability: f64) -> bool {
    (probability - 0.5).abs() >= MIN_STRENGTH
}

/// Orders clues strongest first, ties by token.
fn strongest_first<T: Ord>(a: &(T, f64), b: &(T, f64)) -> std::cmp::Ordering {
    let strength = |p: f64| (p - 0.5).abs();
    strength(b.1)
        .total_cmp(&strength(a.1))
        .then_with(|| a.0.cmp(&b.0))
}

/// P(X >= x) for X chi-square distributed with an even number of degrees
/// of freedom: e^-m * sum of m^i / i! for i below freedom / 2, m = x / 2.
/// The sum is kept as `sum * e^scale`, so large inputs cannot overflow it,
/// and needs one logarithm and one exponential in all.
fn chi2_tail(x: f64, freedom: usize) -> f64 {
    const RESCALE: f64 = 1e200;
    let half = x / 2.0;
    if half <= 0.0 {
        return 1.0;
    }
    let (mut term, mut sum, mut scale) = (1.0, 1.0, 0.0);
    for i in 1..freedom / 2 {
        term *= half / i as f64;
        sum += term;
        if sum > RESCALE {
            term /= RESCALE;
            sum /= RESCALE;
            scale += RESCALE.ln();
        }
    }
    (sum.ln() + scale - half).exp().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_tail_matches_known_values() {
        // P(X >= 2) with 2 degrees of freedom is e^-1.
        assert!((chi2_tail(2.0, 2) - (-1.0f64).exp()).abs() < 1e-12);
        // Median of chi-square with 4 degrees of freedom is about 3.357.
        assert!((chi2_tail(3.357, 4) - 0.5).abs() < 1e-3);
        assert_eq!(chi2_tail(0.0, 10), 1.0);
        assert!(chi2_tail(1e6, 300) < 1e-300);
    }

    #[test]
    fn scores_follow_the_evidence() {
        let spammy = [("a", 0.99), ("b", 0.95), ("c", 0.9)];
        let hammy = [("a", 0.01), ("b", 0.05), ("c", 0.1)];
        assert!(score(spammy.into_iter()) > 0.95);
        assert!(score(hammy.into_iter()) < 0.05);
        let weak = [("a", 0.55), ("b", 0.45)];
        assert_eq!(score(weak.into_iter()), 0.5);
        assert_eq!(score(std::iter::empty::<(&str, f64)>()), 0.5);
    }

    #[test]
    fn only_the_strongest_clues_count() {
        let many = (0..1000).map(|i| {
            (
                if i % 2 == 0 { "x" } else { "y" },
                0.2 + (i as f64) / 2000.0,
            )
        });
        assert_eq!(clues(many.clone()).len(), MAX_CLUES);
        // Scoring picks the same clues, and products of runs give the sum
        // of logarithms: the score of the picked clues alone.
        let picked = score(clues(many.clone()).into_iter());
        assert!((score(many) - picked).abs() < 1e-12, "{picked}");
    }

    /// The score from one logarithm per clue and class, as the method has it.
    fn score_by_sums(clues: &[(usize, f64)]) -> f64 {
        let clamped = clues.iter().map(|(_, p)| p.clamp(CLAMP, 1.0 - CLAMP));
        let ln_positive: f64 = clamped.clone().map(f64::ln).sum();
        let ln_negative: f64 = clamped.map(|p| (1.0 - p).ln()).sum();
        let freedom = 2 * clues.len();
        let not_negative = 1.0 - chi2_tail(-2.0 * ln_positive, freedom);
        let not_positive = 1.0 - chi2_tail(-2.0 * ln_negative, freedom);
        ((1.0 + not_positive - not_negative) / 2.0).clamp(0.0, 1.0)
    }

    #[test]
    fn runs_of_products_give_the_sums_of_logarithms() {
        for (strong, weak) in [(1e-9, 0.97), (0.9999, 0.2), (0.02, 0.61)] {
            let clues: Vec<(usize, f64)> = (0..MAX_CLUES)
                .map(|i| (i, if i % 3 == 0 { strong } else { weak }))
                .collect();
            let expected = score_by_sums(&clues);
            let found = score(clues.into_iter());
            assert!((found - expected).abs() < 1e-9, "{found} {expected}");
        }
    }
}
