//! The scene-adaptive threshold rule for change probabilities.
//!
//! Rule: Otsu's threshold on the *log-evidence* `ln(-ln(1 - p))` of the valid pixels, then
//! raised to at least `min_probability`.
//!
//! Why: `-ln(1 - p)` is the evidence against "no change" (for a chi-square statistic it grows
//! like half the statistic), and its logarithm spreads the unchanged bulk and the changed tail
//! into two modes that Otsu can split, so the threshold follows the scene. Otsu always splits,
//! even a scene with no change at all, where it would cut the unchanged bulk in two; the floor
//! says that a pixel is only flagged when the no-change hypothesis is also rejected at the
//! stated significance (0.99 for iMAD). So a pure radiometric difference, which leaves the
//! statistic chi-square distributed, flags at most about 1 % of pixels before clean-up.

use rayon::prelude::*;

/// Histogram bins over the log-evidence range.
const BINS: usize = 1024;
/// Probabilities are clamped to `[P_LOW, 1 - 2⁻²⁴]` (the largest `f32` below 1) first.
const P_LOW: f64 = 1e-6;

fn log_evidence(p: f64) -> f64 {
    let p = p.clamp(P_LOW, 1.0 - f64::from(f32::EPSILON) / 2.0);
    (-(1.0 - p).ln()).ln()
}

/// The threshold (a probability: a pixel is flagged when `p >= threshold`) by Otsu's method on
/// the log-evidence of `probability`, at least `min_probability`. NaN pixels are ignored; with
/// no valid pixel the floor is returned.
pub fn otsu_log_evidence(probability: &[f32], min_probability: f32) -> f32 {
    let mut histogram = EvidenceHistogram::default();
    histogram.add(probability);
    histogram.otsu_threshold(min_probability)
}

/// The histogram of the log-evidence of change probabilities, filled a window at a time so
/// that the threshold of a map too large for memory is the one its whole would give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceHistogram {
    counts: Vec<u64>,
}

impl Default for EvidenceHistogram {
    fn default() -> Self {
        EvidenceHistogram {
            counts: vec![0; BINS],
        }
    }
}

impl EvidenceHistogram {
    fn range() -> (f64, f64) {
        (log_evidence(0.0), log_evidence(1.0))
    }

    /// Counts the valid (not NaN) probabilities of `probability`.
    pub fn add(&mut self, probability: &[f32]) {
        let (lo, hi) = Self::range();
        let bin_width = (hi - lo) / BINS as f64;
        let counts = probability
            .par_chunks(1 << 14)
            .fold(
                || vec![0u64; BINS],
                |mut h, chunk| {
                    for &p in chunk.iter().filter(|p| !p.is_nan()) {
                        let bin = ((log_evidence(f64::from(p)) - lo) / bin_width) as usize;
                        h[bin.min(BINS - 1)] += 1;
                    }
                    h
                },
            )
            .reduce(
                || vec![0u64; BINS],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        self.counts
            .iter_mut()
            .zip(&counts)
            .for_each(|(x, y)| *x += y);
    }

    /// Otsu's threshold on the counted log-evidence, as a probability, at least
    /// `min_probability` (the floor when nothing was counted).
    pub fn otsu_threshold(&self, min_probability: f32) -> f32 {
        let (lo, hi) = Self::range();
        let cut = otsu_cut(&self.counts);
        let evidence = lo + cut as f64 * (hi - lo) / BINS as f64;
        let threshold = (1.0 - (-evidence.exp()).exp()) as f32;
        threshold.max(min_probability)
    }
}

/// The bin index `t` that maximises the between-class variance of bins `..t` and `t..`; when
/// a run of cuts ties (empty bins between two modes), the middle of the run. 0 when the
/// histogram has fewer than two occupied bins.
fn otsu_cut(histogram: &[u64]) -> usize {
    let total: f64 = histogram.iter().map(|&c| c as f64).sum();
    let total_moment: f64 = histogram
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut below, mut below_moment) = (0.0, 0.0);
    let (mut best, mut first, mut last) = (0.0, 0, 0);
    for t in 1..histogram.len() {
        below += histogram[t - 1] as f64;
        below_moment += (t - 1) as f64 * histogram[t - 1] as f64;
        let above = total - below;
        if below == 0.0 || above == 0.0 {
            continue;
        }
        let diff = below_moment / below - (total_moment - below_moment) / above;
        let between = below * above * diff * diff;
        if between > best {
            (best, first, last) = (between, t, t);
        } else if between == best && last == t - 1 {
            last = t;
        }
    }
    (first + last) / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_two_modes() {
        // 90 % weak evidence around p = 0.5, 10 % strong around p = 1 - 1e-6.
        let mut p = vec![0.5f32; 900];
        p.extend(std::iter::repeat_n(0.999_999f32, 100));
        // The cut falls midway between the modes in log-evidence: p = 1 - e^-3.1 = 0.955.
        let t = otsu_log_evidence(&p, 0.9);
        assert!(t > 0.95 && t < 0.96, "threshold {t}");
        assert_eq!(p.iter().filter(|&&v| v >= t).count(), 100);
    }

    #[test]
    fn floor_holds_without_change() {
        let p: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        assert_eq!(otsu_log_evidence(&p, 0.99), 0.99);
        assert_eq!(otsu_log_evidence(&[f32::NAN; 4], 0.95), 0.95);
    }

    #[test]
    fn a_histogram_filled_in_parts_gives_the_whole_threshold() {
        let p: Vec<f32> = (0..5000)
            .map(|i| {
                if i % 7 == 0 {
                    0.999_999
                } else {
                    0.3 + (i % 50) as f32 / 200.0
                }
            })
            .collect();
        let mut parts = EvidenceHistogram::default();
        for chunk in p.chunks(333) {
            parts.add(chunk);
        }
        let whole = otsu_log_evidence(&p, 0.5);
        assert!(whole > 0.9 && whole < 0.999_999, "{whole}");
        assert_eq!(parts.otsu_threshold(0.5), whole);
    }
}
