//! The image representation that is matched: gradients with their orientation doubled.
//!
//! Two scenes of a site from different sensors or seasons differ in gain, offset, gamma and
//! sometimes in contrast polarity (a roof brighter than the road in summer, darker in winter),
//! but their edges stay where they are. The gradient `g = gx + i·gy` removes offsets; squaring
//! its direction (`g² / |g|`, orientation doubled) makes an edge and its inverted twin the same
//! feature; phase correlation then whitens away the remaining gain. Samples whose 3x3
//! neighbourhood touches invalid data get no feature, so nodata borders never create edges.

use rustfft::num_complex::Complex32;

use super::band::MaskedBand;

/// Statistics of a whole band that say what counts as texture and what as cloud.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandStats {
    /// The standard deviation of the sensor noise, estimated from the median absolute
    /// Laplacian (Immerkær's mask), which texture hardly moves.
    pub noise_sigma: f32,
    /// Gradient magnitudes above this are texture rather than noise.
    pub texture_threshold: f32,
    /// Samples brighter than this are cloud (or snow, or glint): the median plus three times the
    /// spread between the median and the 2nd percentile (the dark side, which clouds do not
    /// reach).
    pub bright_threshold: f32,
}

/// The largest number of samples the statistics look at; larger bands are subsampled evenly.
const STATS_SAMPLES: usize = 200_000;

impl BandStats {
    /// Measures the statistics over the valid samples of `band`, or `None` when fewer than 9
    /// samples with a valid 3x3 neighbourhood exist.
    pub fn measure(band: &MaskedBand) -> Option<BandStats> {
        let (w, h) = (band.width, band.height);
        if w < 3 || h < 3 {
            return None;
        }
        let step = ((w - 2) * (h - 2) / STATS_SAMPLES).max(1);
        let mut laplacians = Vec::new();
        let mut values = Vec::new();
        let mut i = 0;
        while i < (w - 2) * (h - 2) {
            let (col, row) = (1 + i % (w - 2), 1 + i / (w - 2));
            i += step;
            if let Some(n) = neighbourhood(band, col, row) {
                let lap = n[0] - 2.0 * n[1] + n[2] - 2.0 * n[3] + 4.0 * n[4] - 2.0 * n[5] + n[6]
                    - 2.0 * n[7]
                    + n[8];
                laplacians.push(lap.abs());
                values.push(n[4]);
            }
        }
        if values.len() < 9 {
            return None;
        }
        // For Gaussian noise of deviation s the mask output has deviation 6s, and the median
        // of its absolute value is 0.6745 of that.
        let noise_sigma = quantile(&mut laplacians, 0.5) / (6.0 * 0.6745);
        let median = quantile(&mut values, 0.5);
        let dark = quantile(&mut values, 0.02);
        Some(BandStats {
            noise_sigma,
            texture_threshold: 3.0 * noise_sigma,
            bright_threshold: median + 3.0 * (median - dark).max(f32::EPSILON),
        })
    }
}

/// The `q` quantile of `values` (reordered in the process).
fn quantile(values: &mut [f32], q: f64) -> f32 {
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    *values.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1
}

/// The 3x3 neighbourhood of `(col, row)` row by row, or `None` when any of it is invalid or
/// outside the band.
fn neighbourhood(band: &MaskedBand, col: usize, row: usize) -> Option<[f32; 9]> {
    if col == 0 || row == 0 || col + 1 >= band.width || row + 1 >= band.height {
        return None;
    }
    let mut n = [0.0; 9];
    for dr in 0..3 {
        for dc in 0..3 {
            let i = (row + dr - 1) * band.width + col + dc - 1;
            if !band.valid[i] {
                return None;
            }
            n[dr * 3 + dc] = band.values[i];
        }
    }
    Some(n)
}

/// The features of one square window of a band, with what the window is made of.
pub struct FeatureWindow {
    /// Doubled-orientation gradients, row-major, zero where there is no feature.
    pub features: Vec<Complex32>,
    /// The fraction of the window's samples that hold data.
    pub valid_fraction: f64,
    /// The fraction of the valid samples whose gradient stands above the noise.
    pub textured_fraction: f64,
    /// The fraction of the valid samples brighter than the band's cloud threshold.
    pub cloud_fraction: f64,
}

/// Computes the features of the `size` x `size` window of `band` whose top-left sample is
/// `(col0, row0)`; samples outside the band count as invalid.
pub fn window_features(
    band: &MaskedBand,
    stats: &BandStats,
    col0: isize,
    row0: isize,
    size: usize,
) -> FeatureWindow {
    let mut features = vec![Complex32::default(); size * size];
    let (mut valid, mut textured, mut cloudy) = (0usize, 0usize, 0usize);
    for r in 0..size {
        let row = row0 + r as isize;
        if row < 0 || row as usize >= band.height {
            continue;
        }
        for c in 0..size {
            let col = col0 + c as isize;
            if col < 0 || col as usize >= band.width {
                continue;
            }
            let (col, row) = (col as usize, row as usize);
            let i = row * band.width + col;
            if !band.valid[i] {
                continue;
            }
            valid += 1;
            let Some(n) = neighbourhood(band, col, row) else {
                continue;
            };
            let g = Complex32::new(0.5 * (n[5] - n[3]), 0.5 * (n[7] - n[1]));
            let magnitude = g.norm();
            if magnitude > stats.texture_threshold {
                textured += 1;
            }
            if n[4] > stats.bright_threshold {
                cloudy += 1;
            }
            if magnitude > 0.0 {
                features[r * size + c] = g * g / magnitude;
            }
        }
    }
    let fraction = |k: usize, of: usize| if of == 0 { 0.0 } else { k as f64 / of as f64 };
    FeatureWindow {
        features,
        valid_fraction: fraction(valid, size * size),
        textured_fraction: fraction(textured, valid),
        cloud_fraction: fraction(cloudy, valid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band_from(width: usize, height: usize, f: impl Fn(usize, usize) -> f32) -> MaskedBand {
        let values = (0..width * height)
            .map(|i| f(i % width, i / width))
            .collect();
        MaskedBand::new(width, height, values, vec![true; width * height])
    }

    #[test]
    fn inverted_contrast_gives_the_same_features() {
        let ramp = |c: usize, r: usize| ((c as f32 * 0.3).sin() + (r as f32 * 0.2).cos()) * 50.0;
        let a = band_from(32, 32, |c, r| 100.0 + ramp(c, r));
        let b = band_from(32, 32, |c, r| 900.0 - 2.0 * ramp(c, r));
        let (sa, sb) = (
            BandStats::measure(&a).unwrap(),
            BandStats::measure(&b).unwrap(),
        );
        let fa = window_features(&a, &sa, 0, 0, 32);
        let fb = window_features(&b, &sb, 0, 0, 32);
        for (x, y) in fa.features.iter().zip(&fb.features) {
            assert!((2.0 * x - y).norm() < 1e-3, "{x} vs {y}");
        }
        assert!(fa.textured_fraction > 0.8);
    }

    #[test]
    fn nodata_borders_make_no_features_and_bright_areas_are_cloud() {
        let mut band = band_from(16, 16, |c, _| if c < 8 { 10.0 } else { 5000.0 });
        // Mostly dark ground so that the 5000 plateau is far above the median.
        band.values.iter_mut().take(16 * 8).for_each(|v| *v = 10.0);
        for r in 0..16 {
            band.valid[r * 16] = false;
        }
        let stats = BandStats::measure(&band).unwrap();
        let w = window_features(&band, &stats, -4, 0, 16);
        // Column 0 is invalid and column 1 touches it: no feature at either (window cols 4, 5).
        assert!(w
            .features
            .iter()
            .skip(4)
            .step_by(16)
            .all(|f| f.norm() == 0.0));
        assert!(w
            .features
            .iter()
            .skip(5)
            .step_by(16)
            .all(|f| f.norm() == 0.0));
        assert!((w.valid_fraction - 11.0 * 16.0 / 256.0).abs() < 1e-9);
        assert!(w.cloud_fraction > 0.05);
    }
}
