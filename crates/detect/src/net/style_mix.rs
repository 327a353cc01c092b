//! Mixing the feature statistics of training pairs (MixStyle, Zhou et al., "Domain
//! generalization with MixStyle", ICLR 2021), a regulariser for unseen sensors and places.
//!
//! A convolutional network's early feature maps carry an image's "style" (illumination,
//! colour, texture contrast of a sensor and season) in their per-channel means and standard
//! deviations, and its content in the normalised pattern. During training the first encoder
//! stages' features of each pair are renormalised to statistics mixed with another pair's of
//! the batch, so the network sees the batch's content in styles it does not hold. Pixel-level
//! jitter cannot do this after per-crop standardisation, which undoes each band's gain and
//! offset.
//!
//! Both dates of a pair take the same partner and weight, each date mixing with the partner's
//! same date, so the two dates keep a real pair's difference of style, which must not read as
//! change. The statistics are not differentiated through, as in the paper.

use burn::tensor::{Int, Tensor, TensorData};

use super::rng::SplitMix64;

/// The concentration of the Beta distribution of mixing weights (the paper's 0.1: most
/// weights near 0 or 1, so a pair mostly takes on one style or keeps its own).
const CONCENTRATION: f32 = 0.1;

/// Keeps the standard deviation of a flat feature map off zero.
const EPSILON: f32 = 1e-6;

/// One step's mixing: for each pair of the batch, whose statistics it mixes with and how much
/// of its own it keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleMix {
    partner: Vec<usize>,
    own_weight: Vec<f32>,
}

impl StyleMix {
    /// How many encoder stages, from the first, have their outputs restyled (the paper mixes
    /// after its first two of four residual stages: deeper features carry content).
    pub const STAGES: usize = 2;

    /// A random mixing of a batch of `pairs` pairs: a random permutation of the pairs for
    /// partners and a Beta(0.1, 0.1) weight per pair.
    pub fn draw(pairs: usize, rng: &mut SplitMix64) -> Self {
        let mut partner: Vec<usize> = (0..pairs).collect();
        for i in (1..pairs).rev() {
            partner.swap(i, rng.below(i + 1));
        }
        let own_weight = (0..pairs).map(|_| beta(rng, CONCENTRATION)).collect();
        StyleMix {
            partner,
            own_weight,
        }
    }

    /// The features `[2 * pairs, channels, H, W]` of stacked BEFORE and AFTER images (BEFORE
    /// first, as the encoder stacks them) with each image's per-channel mean and standard
    /// deviation replaced by the mix of its own and its partner's.
    pub fn apply(&self, features: Tensor<4>) -> Tensor<4> {
        let pairs = self.partner.len();
        let [images, channels, height, width] = features.dims();
        assert_eq!(images, 2 * pairs, "one mixing weight per pair of the batch");
        let device = features.device();
        let flat = features
            .clone()
            .detach()
            .reshape([images, channels, height * width]);
        let mean = flat.clone().mean_dim(2);
        let variance = (flat - mean.clone()).powi_scalar(2).mean_dim(2);
        let mean = mean.reshape([images, channels, 1, 1]);
        let deviation = variance
            .add_scalar(EPSILON)
            .sqrt()
            .reshape([images, channels, 1, 1]);
        let normalised = (features - mean.clone()) / deviation.clone();
        // Image `i` (BEFORE of pair `i`) and `pairs + i` (its AFTER) take their partner's
        // same date.
        let partner_rows: Vec<i64> = (0..2)
            .flat_map(|date| self.partner.iter().map(move |&p| (date * pairs + p) as i64))
            .collect();
        let partner_rows =
            Tensor::<1, Int>::from_data(TensorData::new(partner_rows, [images]), &device);
        let own: Vec<f32> = self.own_weight.repeat(2);
        let own = Tensor::<4>::from_data(TensorData::new(own, [images, 1, 1, 1]), &device);
        let mix = |statistic: Tensor<4>| {
            let partner = statistic.clone().select(0, partner_rows.clone());
            statistic * own.clone() + partner * own.clone().neg().add_scalar(1.0)
        };
        normalised * mix(deviation) + mix(mean)
    }
}

/// A Beta(a, a) sample, as `x / (x + y)` of two Gamma(a) samples.
fn beta(rng: &mut SplitMix64, a: f32) -> f32 {
    let x = gamma(rng, a);
    let y = gamma(rng, a);
    if x + y > 0.0 {
        x / (x + y)
    } else {
        // Both underflowed (shape 0.1 puts much mass near 0): either end is as likely.
        f32::from(u8::from(rng.chance(0.5)))
    }
}

/// A Gamma(shape, 1) sample (Marsaglia and Tsang 2000; below shape 1 through
/// `Gamma(shape + 1) * U^(1 / shape)`).
fn gamma(rng: &mut SplitMix64, shape: f32) -> f32 {
    if shape < 1.0 {
        let boost = rng.unit().max(f32::MIN_POSITIVE).powf(1.0 / shape);
        return gamma(rng, shape + 1.0) * boost;
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.unit();
        if u.max(f32::MIN_POSITIVE).ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    fn statistics(x: &Tensor<4>, image: usize, channel: usize) -> (f32, f32) {
        let values: Vec<f32> = x
            .clone()
            .narrow(0, image, 1)
            .narrow(1, channel, 1)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let n = values.len() as f32;
        let mean = values.iter().sum::<f32>() / n;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n;
        (mean, variance.sqrt())
    }

    #[test]
    fn beta_weights_mostly_near_the_ends_with_mean_one_half() {
        let mut rng = SplitMix64::new(3);
        let draws: Vec<f32> = (0..20_000).map(|_| beta(&mut rng, CONCENTRATION)).collect();
        assert!(draws.iter().all(|w| (0.0..=1.0).contains(w)));
        let mean = draws.iter().sum::<f32>() / draws.len() as f32;
        // Beta(0.1, 0.1): mean 1/2, and P(w < 0.05 or w > 0.95) is about 0.75.
        let ends = draws.iter().filter(|w| **w < 0.05 || **w > 0.95).count() as f32;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        assert!(
            (ends / draws.len() as f32 - 0.75).abs() < 0.05,
            "ends {ends}"
        );
    }

    #[test]
    fn each_image_takes_its_mix_of_statistics_and_keeps_its_pattern() {
        let device = Device::flex();
        let pairs = 2;
        // Image k, channel c: a ramp scaled by (k + 1) * (c + 1) and offset by 10 k - c.
        let (side, channels) = (4, 2);
        let data: Vec<f32> = (0..2 * pairs)
            .flat_map(|k| {
                (0..channels).flat_map(move |c| {
                    (0..side * side).map(move |i| {
                        i as f32 * (k + 1) as f32 * (c + 1) as f32 + 10.0 * k as f32 - c as f32
                    })
                })
            })
            .collect();
        let x = Tensor::<4>::from_data(
            TensorData::new(data, [2 * pairs, channels, side, side]),
            &device,
        );
        let mix = StyleMix {
            partner: vec![1, 0],
            own_weight: vec![0.25, 1.0],
        };
        let y = mix.apply(x.clone());
        for date in 0..2 {
            for channel in 0..channels {
                // Pair 0 keeps a quarter of its own statistics and takes three quarters of
                // pair 1's, date for date; pair 1 keeps its own.
                let (own, other) = (date * pairs, date * pairs + 1);
                let (own_mean, own_sd) = statistics(&x, own, channel);
                let (other_mean, other_sd) = statistics(&x, other, channel);
                let (mean, sd) = statistics(&y, own, channel);
                assert!((mean - (0.25 * own_mean + 0.75 * other_mean)).abs() < 1e-3);
                assert!((sd - (0.25 * own_sd + 0.75 * other_sd)).abs() < 1e-3);
                let (kept_mean, kept_sd) = statistics(&y, other, channel);
                assert!((kept_mean - other_mean).abs() < 1e-3 && (kept_sd - other_sd).abs() < 1e-3);
            }
        }
    }
}
