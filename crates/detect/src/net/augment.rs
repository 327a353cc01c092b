//! Seeded training crops: the data recipe that makes a small network generalise to sensors,
//! places and resolutions it never saw.
//!
//! Each crop is made in this order (all choices from the caller's [`SplitMix64`] stream):
//! 1. a random pair, a random **rescaling** by 0.5-2x (log-uniform) and a random window that
//!    becomes the crop after resampling (bilinear for images, nearest for the label): objects
//!    of one set's GSD then look like those of another's;
//! 2. **copy-paste of changed regions**: connected components of other pairs' labels, cut from
//!    that pair's AFTER with their mask, rescaled, pasted at a random place into this crop's
//!    AFTER or BEFORE and marked changed: more and more varied positives, on backgrounds
//!    the component never appeared on;
//! 3. a random flip / rotation by a multiple of 90 degrees, and a random swap of the dates
//!    (change is symmetric, so the label stays);
//! 4. independent **photometric jitter** of each date: per-channel gain, offset and gamma, a
//!    smooth illumination ramp, sometimes a slight blur (another sensor's point spread), and
//!    noise;
//! 5. per-crop standardisation, as at inference.

use super::data::LabelledPair;
use super::rng::SplitMix64;
use super::standardise::standardise;

/// How training crops are made.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AugmentConfig {
    /// Side of a square crop in pixels (a multiple of the network's size multiple).
    pub crop: usize,
    /// Smallest and largest rescaling factor (log-uniform between them).
    pub scale_range: (f32, f32),
    /// Probability that a crop gets pasted changed regions.
    pub paste_probability: f32,
    /// Most regions pasted into one crop.
    pub max_pastes: usize,
    /// Strength of the photometric jitter: 0 turns it off, 1 is the shipped recipe.
    pub jitter: f32,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            crop: 128,
            scale_range: (0.5, 2.0),
            paste_probability: 0.5,
            max_pastes: 3,
            jitter: 1.0,
        }
    }
}

/// One training crop: standardised BEFORE and AFTER (`bands` planes of `crop * crop`) and its
/// label (1 changed, 0 not).
#[derive(Debug, Clone)]
pub struct TrainingCrop {
    /// Standardised BEFORE and AFTER planes.
    pub before: Vec<f32>,
    pub after: Vec<f32>,
    /// 1 changed, 0 not, `crop * crop`.
    pub label: Vec<f32>,
}

/// A changed region of a pair: one 4-connected component of its label.
#[derive(Debug, Clone)]
struct ChangedRegion {
    pair: usize,
    col: usize,
    row: usize,
    width: usize,
    height: usize,
    /// `width * height`, true inside the component.
    mask: Vec<bool>,
}

/// Regions smaller than this (pixels) are label noise, not objects worth pasting.
const MIN_REGION_PIXELS: usize = 16;

fn changed_regions(pair_index: usize, pair: &LabelledPair) -> Vec<ChangedRegion> {
    let (w, h) = (pair.width, pair.height);
    let mut seen = vec![false; w * h];
    let mut regions = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if pair.label[start] == 0 || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut members = Vec::new();
        while let Some(i) = stack.pop() {
            members.push(i);
            let (c, r) = (i % w, i / w);
            let neighbours = [
                (c > 0).then(|| i - 1),
                (c + 1 < w).then(|| i + 1),
                (r > 0).then(|| i - w),
                (r + 1 < h).then(|| i + w),
            ];
            for j in neighbours.into_iter().flatten() {
                if pair.label[j] == 1 && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        if members.len() < MIN_REGION_PIXELS {
            continue;
        }
        let col = members.iter().map(|i| i % w).min().unwrap_or(0);
        let row = members.iter().map(|i| i / w).min().unwrap_or(0);
        let width = members.iter().map(|i| i % w).max().unwrap_or(0) + 1 - col;
        let height = members.iter().map(|i| i / w).max().unwrap_or(0) + 1 - row;
        let mut mask = vec![false; width * height];
        for i in members {
            mask[(i / w - row) * width + (i % w - col)] = true;
        }
        regions.push(ChangedRegion {
            pair: pair_index,
            col,
            row,
            width,
            height,
            mask,
        });
    }
    regions
}

/// Bilinear sample of `plane` (`width` wide) at fractional pixel centre `(x, y)`, clamped.
fn bilinear(plane: &[f32], width: usize, height: usize, x: f32, y: f32) -> f32 {
    let x = x.clamp(0.0, (width - 1) as f32);
    let y = y.clamp(0.0, (height - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let top = plane[y0 * width + x0] * (1.0 - fx) + plane[y0 * width + x1] * fx;
    let bottom = plane[y1 * width + x0] * (1.0 - fx) + plane[y1 * width + x1] * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Makes seeded training crops from a set of labelled pairs.
pub struct Augmenter<'a> {
    pairs: &'a [LabelledPair],
    regions: Vec<ChangedRegion>,
    config: AugmentConfig,
}

impl<'a> Augmenter<'a> {
    /// An augmenter over `pairs` (all with the same band count).
    pub fn new(pairs: &'a [LabelledPair], config: AugmentConfig) -> Self {
        let regions = pairs
            .iter()
            .enumerate()
            .flat_map(|(i, p)| changed_regions(i, p))
            .collect();
        Augmenter {
            pairs,
            regions,
            config,
        }
    }

    /// How many changed regions copy-paste can draw from.
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// One training crop, every random choice drawn from `rng`.
    pub fn crop(&self, rng: &mut SplitMix64) -> TrainingCrop {
        let size = self.config.crop;
        let pair = &self.pairs[rng.below(self.pairs.len())];
        let (lo, hi) = self.config.scale_range;
        let scale = (rng.range(lo.ln(), hi.ln())).exp();
        // The source window that becomes the crop; never larger than the image.
        let src_w = ((size as f32 / scale).round() as usize).clamp(1, pair.width);
        let src_h = ((size as f32 / scale).round() as usize).clamp(1, pair.height);
        let col0 = rng.below(pair.width - src_w + 1);
        let row0 = rng.below(pair.height - src_h + 1);
        let (sx, sy) = (src_w as f32 / size as f32, src_h as f32 / size as f32);
        let n = size * size;
        let bands = pair.bands;
        let mut before = vec![0f32; n * bands];
        let mut after = vec![0f32; n * bands];
        let mut label = vec![0f32; n];
        let pn = pair.width * pair.height;
        for r in 0..size {
            let y = row0 as f32 + (r as f32 + 0.5) * sy - 0.5;
            for c in 0..size {
                let x = col0 as f32 + (c as f32 + 0.5) * sx - 0.5;
                for b in 0..bands {
                    let plane = b * pn..(b + 1) * pn;
                    before[b * n + r * size + c] =
                        bilinear(&pair.before[plane.clone()], pair.width, pair.height, x, y);
                    after[b * n + r * size + c] =
                        bilinear(&pair.after[plane], pair.width, pair.height, x, y);
                }
                let (lc, lr) = (
                    (x.round().max(0.0) as usize).min(pair.width - 1),
                    (y.round().max(0.0) as usize).min(pair.height - 1),
                );
                label[r * size + c] = pair.label[lr * pair.width + lc] as f32;
            }
        }
        if !self.regions.is_empty() && rng.chance(self.config.paste_probability) {
            for _ in 0..1 + rng.below(self.config.max_pastes.max(1)) {
                let region = &self.regions[rng.below(self.regions.len())];
                let into_after = rng.chance(0.5);
                let target = if into_after { &mut after } else { &mut before };
                self.paste(region, target, &mut label, scale, rng);
            }
        }
        let turn = rng.below(8);
        for plane in before
            .chunks_exact_mut(n)
            .chain(after.chunks_exact_mut(n))
            .chain(std::iter::once(&mut label[..]))
        {
            orient(plane, size, turn);
        }
        if rng.chance(0.5) {
            std::mem::swap(&mut before, &mut after);
        }
        for image in [&mut before, &mut after] {
            self.jitter(image, size, rng);
            standardise(image, n, |_| true);
        }
        TrainingCrop {
            before,
            after,
            label,
        }
    }

    /// Pastes `region` (from its pair's AFTER) into `target` at a random place, rescaled by
    /// the crop's scale times a further 0.7-1.4, and marks it changed in `label`.
    fn paste(
        &self,
        region: &ChangedRegion,
        target: &mut [f32],
        label: &mut [f32],
        crop_scale: f32,
        rng: &mut SplitMix64,
    ) {
        let size = self.config.crop;
        let donor = &self.pairs[region.pair];
        let scale = crop_scale * rng.range(0.7, 1.4);
        let out_w = ((region.width as f32 * scale).round() as usize).clamp(1, size);
        let out_h = ((region.height as f32 * scale).round() as usize).clamp(1, size);
        let (col0, row0) = (rng.below(size - out_w + 1), rng.below(size - out_h + 1));
        let n = size * size;
        let dn = donor.width * donor.height;
        for r in 0..out_h {
            let rr = ((r as f32 + 0.5) * region.height as f32 / out_h as f32) as usize;
            for c in 0..out_w {
                let rc = ((c as f32 + 0.5) * region.width as f32 / out_w as f32) as usize;
                let (rc, rr) = (rc.min(region.width - 1), rr.min(region.height - 1));
                if !region.mask[rr * region.width + rc] {
                    continue;
                }
                let source = (region.row + rr) * donor.width + region.col + rc;
                let dest = (row0 + r) * size + col0 + c;
                for b in 0..donor.bands {
                    target[b * n + dest] = donor.after[b * dn + source];
                }
                label[dest] = 1.0;
            }
        }
    }

    /// Photometric jitter of one date (values 0-255 in, roughly 0-1 out).
    fn jitter(&self, image: &mut [f32], size: usize, rng: &mut SplitMix64) {
        let n = size * size;
        let strength = self.config.jitter;
        let spread =
            |rng: &mut SplitMix64, max_log: f32| (rng.range(-max_log, max_log) * strength).exp();
        let gain = spread(rng, 0.5);
        let gamma = spread(rng, 0.4);
        let offset = rng.range(-0.15, 0.15) * strength;
        let (ramp_x, ramp_y) = (
            rng.range(-0.3, 0.3) * strength,
            rng.range(-0.3, 0.3) * strength,
        );
        let noise = rng.range(0.0, 0.03) * strength;
        let blur = rng.chance(0.3 * strength);
        for plane in image.chunks_exact_mut(n) {
            let channel_gain = gain * spread(rng, 0.1);
            let channel_gamma = gamma * spread(rng, 0.1);
            let channel_offset = offset + rng.range(-0.03, 0.03) * strength;
            if blur {
                blur_121(plane, size);
            }
            for (i, v) in plane.iter_mut().enumerate() {
                let (x, y) = (
                    (i % size) as f32 / size as f32,
                    (i / size) as f32 / size as f32,
                );
                let ramp = 1.0 + ramp_x * (x - 0.5) + ramp_y * (y - 0.5);
                let base = (*v / 255.0).clamp(0.0, 1.0).powf(channel_gamma);
                *v = base * channel_gain * ramp + channel_offset + noise * rng.normal();
            }
        }
    }
}

/// A separable [1 2 1] / 4 blur of a square plane, edges clamped.
fn blur_121(plane: &mut [f32], size: usize) {
    let mut tmp = plane.to_vec();
    for r in 0..size {
        for c in 0..size {
            let at = |cc: usize| plane[r * size + cc];
            tmp[r * size + c] =
                0.25 * at(c.saturating_sub(1)) + 0.5 * at(c) + 0.25 * at((c + 1).min(size - 1));
        }
    }
    for r in 0..size {
        for c in 0..size {
            let at = |rr: usize| tmp[rr * size + c];
            plane[r * size + c] =
                0.25 * at(r.saturating_sub(1)) + 0.5 * at(r) + 0.25 * at((r + 1).min(size - 1));
        }
    }
}

/// Applies one of the 8 flips/rotations (`turn` in 0..8) to a square plane.
fn orient(plane: &mut [f32], size: usize, turn: usize) {
    if turn == 0 {
        return;
    }
    let source = plane.to_vec();
    for r in 0..size {
        for c in 0..size {
            let (mut sr, mut sc) = match turn % 4 {
                0 => (r, c),
                1 => (c, size - 1 - r),
                2 => (size - 1 - r, size - 1 - c),
                _ => (size - 1 - c, r),
            };
            if turn >= 4 {
                std::mem::swap(&mut sr, &mut sc);
            }
            plane[r * size + c] = source[sr * size + sc];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair_with_square() -> LabelledPair {
        let (w, h) = (64, 48);
        let mut label = vec![0u8; w * h];
        for r in 10..20 {
            for c in 30..40 {
                label[r * w + c] = 1;
            }
        }
        label[0] = 1; // a single pixel: too small to be a region
        let before: Vec<f32> = (0..3 * w * h).map(|i| (i % 251) as f32).collect();
        let mut after = before.clone();
        for (i, v) in after.iter_mut().enumerate() {
            if label[i % (w * h)] == 1 {
                *v = 255.0 - *v;
            }
        }
        LabelledPair {
            set: "toy".into(),
            name: "a.png".into(),
            width: w,
            height: h,
            bands: 3,
            before,
            after,
            label,
        }
    }

    #[test]
    fn regions_are_the_label_components_above_the_size_floor() {
        let regions = changed_regions(0, &pair_with_square());
        assert_eq!(regions.len(), 1);
        let r = &regions[0];
        assert_eq!((r.col, r.row, r.width, r.height), (30, 10, 10, 10));
        assert!(r.mask.iter().all(|&m| m));
    }

    #[test]
    fn crops_are_seeded_standardised_and_keep_labels_binary() {
        let pairs = vec![pair_with_square()];
        let config = AugmentConfig {
            crop: 32,
            paste_probability: 1.0,
            ..AugmentConfig::default()
        };
        let augmenter = Augmenter::new(&pairs, config);
        assert_eq!(augmenter.region_count(), 1);
        let a = augmenter.crop(&mut SplitMix64::new(5));
        let b = augmenter.crop(&mut SplitMix64::new(5));
        assert_eq!(a.before, b.before);
        assert_eq!(a.label, b.label);
        let c = augmenter.crop(&mut SplitMix64::new(6));
        assert_ne!(a.before, c.before);
        assert!(a.label.iter().all(|&v| v == 0.0 || v == 1.0));
        assert!(a.label.contains(&1.0), "pasting always adds change");
        let n = 32 * 32;
        let mean: f32 = a.after[..n].iter().sum::<f32>() / n as f32;
        assert!(mean.abs() < 1e-3);
    }

    #[test]
    fn the_eight_orientations_are_distinct_and_invertible() {
        let size = 3;
        let plane: Vec<f32> = (0..9).map(|i| i as f32).collect();
        let mut seen = Vec::new();
        for turn in 0..8 {
            let mut p = plane.clone();
            orient(&mut p, size, turn);
            assert!(!seen.contains(&p), "turn {turn} repeats");
            seen.push(p);
        }
        let mut p = plane.clone();
        for _ in 0..4 {
            orient(&mut p, size, 1);
        }
        assert_eq!(p, plane);
    }
}
