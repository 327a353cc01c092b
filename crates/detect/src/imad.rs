//! iMAD: iteratively reweighted multivariate alteration detection (Nielsen 2007, IEEE TIP 16(2)).
//!
//! The bands of the two dates are related by canonical correlation analysis; the differences of
//! the canonical variates (the MAD variates) are invariant to any per-date linear radiometric
//! change (gain, offset, band mixing). Their standardised sum of squares is chi-square with
//! `bands` degrees of freedom where nothing changed. Each iteration weights every pixel by its
//! no-change probability, so the statistics come to describe the unchanged background.
//!
//! Speed and memory: the statistics are estimated on a regular sample of at most
//! [`Imad::max_sample_pixels`] valid pixels (every `n / max_sample_pixels`-th pixel in row-major
//! order; all of them for small images), gathered from the pair a strip of rows at a time, and
//! the iterations run on that sample only. The converged transform is then applied to each
//! pixel once, in parallel, window by window when the pair is too large for memory
//! ([`ChangeDetector::fit`]); the sample is the same either way, so a windowed run gives the
//! whole-image probabilities.

use rayon::prelude::*;

use raster::{Raster, RasterSource};

use crate::change_map::{check_pair, ChangeDetector, ChangeMap, DetectError, FittedDetector};
use crate::chi_square::{chi_square_cdf, chi_square_sf};
use crate::linalg::{cholesky, solve_lower, solve_lower_transposed, symmetric_eigen};
use crate::strips::for_each_strip_pair;
use crate::threshold::EvidenceHistogram;

/// The iMAD change detector and its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Imad {
    /// Most reweighting iterations.
    pub max_iterations: usize,
    /// Convergence: stop when no canonical correlation moves by more than this.
    pub tolerance: f64,
    /// Most pixels the statistics are estimated from (a regular sample of the valid pixels).
    pub max_sample_pixels: usize,
    /// The lowest threshold [`ChangeDetector::default_threshold`] will return: a pixel is only
    /// ever flagged when "no change" is rejected at this level (0.99: 1 % significance).
    pub min_probability: f32,
}

impl Default for Imad {
    fn default() -> Self {
        Imad {
            max_iterations: 50,
            tolerance: 1e-3,
            max_sample_pixels: 1 << 16,
            min_probability: 0.99,
        }
    }
}

/// What an iMAD run found besides the change map.
#[derive(Debug, Clone, PartialEq)]
pub struct ImadOutcome {
    /// Change probability per pixel: the chi-square CDF of the MAD statistic.
    pub change: ChangeMap,
    /// The canonical correlations, ascending (MAD variate 1 is the one with most change).
    pub canonical_correlations: Vec<f64>,
    /// Reweighting iterations done.
    pub iterations: usize,
    /// True when the correlations settled within the tolerance before the iteration limit.
    pub converged: bool,
}

/// The MAD transform: `mad_i = coef_i · [x, y] - offset_i`; after [`standardise`] each MAD
/// variate is centred and has unit spread over unchanged pixels.
struct MadTransform {
    bands: usize,
    /// `bands` rows of `2 * bands` coefficients, row-major.
    coef: Vec<f64>,
    offset: Vec<f64>,
}

impl MadTransform {
    /// The chi-square statistic of one pixel, given its `2 * bands` values `[x.., y..]`.
    fn chi_square(&self, values: &[f64]) -> f64 {
        let k2 = 2 * self.bands;
        (0..self.bands)
            .map(|i| {
                let row = &self.coef[i * k2..(i + 1) * k2];
                let mad: f64 =
                    row.iter().zip(values).map(|(c, v)| c * v).sum::<f64>() - self.offset[i];
                mad * mad
            })
            .sum()
    }
}

/// iMAD fitted to one pair: the converged MAD transform and how it converged.
struct FittedImad {
    transform: MadTransform,
    correlations: Vec<f64>,
    iterations: usize,
    converged: bool,
}

impl FittedDetector for FittedImad {
    fn context(&self) -> usize {
        0
    }

    fn alignment(&self) -> usize {
        1
    }

    fn window_probability(&self, before: &Raster, after: &Raster) -> Result<Vec<f32>, DetectError> {
        check_pair(before, after)?;
        Ok(change_probability(before, after, &self.transform))
    }
}

impl Imad {
    /// Runs iMAD on two rasters of the same grid size and band count.
    pub fn analyse(&self, before: &Raster, after: &Raster) -> Result<ImadOutcome, DetectError> {
        let fitted = self.fit_pair(before, after)?;
        let probability = fitted.window_probability(before, after)?;
        Ok(ImadOutcome {
            change: ChangeMap {
                grid: before.grid.clone(),
                probability,
                method: self.method(),
                version: self.version(),
            },
            canonical_correlations: fitted.correlations,
            iterations: fitted.iterations,
            converged: fitted.converged,
        })
    }

    /// The reweighting iterations on the pair's sample.
    fn fit_pair(
        &self,
        before: &dyn RasterSource,
        after: &dyn RasterSource,
    ) -> Result<FittedImad, DetectError> {
        check_pair(before, after)?;
        let bands = before.band_count();
        let k2 = 2 * bands;
        let sample = self.sample(before, after)?;
        let count = sample.len() / k2;
        if count < 10 * k2 {
            return Err(DetectError::TooFewPixels { valid: count });
        }

        let mut weights = vec![1.0f64; count];
        let mut previous: Option<Vec<f64>> = None;
        let mut iterations = 0;
        loop {
            iterations += 1;
            let covariance = weighted_covariance(&sample, &weights, k2);
            let (mut transform, correlations) = canonical_mads(&covariance, bands)?;
            standardise(&mut transform, &sample);
            let settled = previous.as_ref().is_some_and(|old| {
                old.iter()
                    .zip(&correlations)
                    .all(|(a, b)| (a - b).abs() < self.tolerance)
            });
            if settled || iterations >= self.max_iterations {
                return Ok(FittedImad {
                    transform,
                    correlations,
                    iterations,
                    converged: settled,
                });
            }
            weights
                .par_iter_mut()
                .zip(sample.par_chunks(k2))
                .for_each(|(w, values)| *w = chi_square_sf(transform.chi_square(values), bands));
            previous = Some(correlations);
        }
    }

    /// A regular sample of at most `max_sample_pixels` pixels with data in both sources (every
    /// `stride`-th pixel in row-major order), as `[x.., y..]` vectors (f64, pixel-interleaved),
    /// gathered a strip at a time.
    fn sample(
        &self,
        before: &dyn RasterSource,
        after: &dyn RasterSource,
    ) -> Result<Vec<f64>, DetectError> {
        let width = before.grid().width;
        let n = width * before.grid().height;
        let stride = n.div_ceil(self.max_sample_pixels.max(1)).max(1);
        let bands = before.band_count();
        let mut sample = Vec::with_capacity((n / stride + 1) * 2 * bands);
        let mut values = vec![0.0; 2 * bands];
        for_each_strip_pair(before, after, |row, b: &Raster, a: &Raster| {
            let start = row * width;
            let end = start + b.grid.width * b.grid.height;
            for i in (start.div_ceil(stride) * stride..end).step_by(stride) {
                if pixel_values(b, a, i - start, &mut values) {
                    sample.extend_from_slice(&values);
                }
            }
            Ok::<(), DetectError>(())
        })?;
        Ok(sample)
    }
}

impl ChangeDetector for Imad {
    fn method(&self) -> String {
        "imad".to_string()
    }

    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    fn fit<'a>(
        &'a self,
        before: &dyn RasterSource,
        after: &dyn RasterSource,
    ) -> Result<Box<dyn FittedDetector + 'a>, DetectError> {
        Ok(Box::new(self.fit_pair(before, after)?))
    }

    /// Otsu's threshold on the log-evidence of the map (see [`EvidenceHistogram`]), never
    /// below [`Imad::min_probability`].
    fn threshold(&self, histogram: &EvidenceHistogram) -> f32 {
        histogram.otsu_threshold(self.min_probability)
    }
}

/// Fills `values` with pixel `i`'s bands of both rasters; false when any is missing.
fn pixel_values(before: &Raster, after: &Raster, i: usize, values: &mut [f64]) -> bool {
    let n = before.grid.width * before.grid.height;
    let bands = before.band_count;
    for b in 0..bands {
        let (x, y) = (before.data[b * n + i], after.data[b * n + i]);
        if !x.is_finite() || !y.is_finite() || before.is_nodata(x) || after.is_nodata(y) {
            return false;
        }
        values[b] = x as f64;
        values[bands + b] = y as f64;
    }
    true
}

/// Weighted covariance of the sample (row-major `k2 x k2`), accumulated in parallel in f64
/// about the first sample vector (a shift that keeps the one-pass sums from cancelling).
///
/// The sample is cut into fixed blocks whose partial sums are added in block order, so the
/// result does not depend on how the threads shared the work: the same pair gives the same
/// map, bit for bit, on any machine (a finding must be reproducible).
fn weighted_covariance(sample: &[f64], weights: &[f64], k2: usize) -> Vec<f64> {
    const BLOCK_VECTORS: usize = 4096;
    let shift = &sample[..k2];
    let partials: Vec<(f64, Vec<f64>, Vec<f64>)> = sample
        .par_chunks(k2 * BLOCK_VECTORS)
        .zip(weights.par_chunks(BLOCK_VECTORS))
        .map(|(block, block_weights)| {
            let (mut total, mut sums, mut products) =
                (0.0f64, vec![0.0f64; k2], vec![0.0f64; k2 * k2]);
            for (values, &w) in block.chunks(k2).zip(block_weights) {
                total += w;
                for r in 0..k2 {
                    let dr = values[r] - shift[r];
                    sums[r] += w * dr;
                    let wr = w * dr;
                    for c in r..k2 {
                        products[r * k2 + c] += wr * (values[c] - shift[c]);
                    }
                }
            }
            (total, sums, products)
        })
        .collect();
    let (mut total, mut sums, mut products) = (0.0f64, vec![0.0f64; k2], vec![0.0f64; k2 * k2]);
    for (t, s, p) in partials {
        total += t;
        sums.iter_mut().zip(&s).for_each(|(a, b)| *a += b);
        products.iter_mut().zip(&p).for_each(|(a, b)| *a += b);
    }
    let total = total.max(f64::MIN_POSITIVE);
    let centred: Vec<f64> = sums.iter().map(|s| s / total).collect();
    let mut covariance = vec![0.0; k2 * k2];
    for r in 0..k2 {
        for c in r..k2 {
            let v = products[r * k2 + c] / total - centred[r] * centred[c];
            covariance[r * k2 + c] = v;
            covariance[c * k2 + r] = v;
        }
    }
    covariance
}

/// Canonical correlation analysis of the two dates' bands and the (not yet standardised) MAD
/// transform: MAD variate `i` is `aᵢᵀx - bᵢᵀy` with unit-variance canonical
/// variates, so its weighted variance is `2 (1 - ρᵢ)`.
///
/// Solves `Σxy Σyy⁻¹ Σyx a = ρ² Σxx a` by Cholesky-reducing it to a symmetric eigenproblem
/// `L⁻¹ Σxy Σyy⁻¹ Σyx L⁻ᵀ v = ρ² v` with `Σxx = L Lᵀ`, `a = L⁻ᵀ v`, `b = Σyy⁻¹ Σyx a / ρ`.
fn canonical_mads(cov: &[f64], bands: usize) -> Result<(MadTransform, Vec<f64>), DetectError> {
    let k = bands;
    let k2 = 2 * k;
    let block = |r0: usize, c0: usize| -> Vec<f64> {
        let mut m = vec![0.0; k * k];
        for r in 0..k {
            for c in 0..k {
                m[r * k + c] = cov[(r0 + r) * k2 + c0 + c];
            }
        }
        m
    };
    let (sxx, syy, sxy) = (
        regularised(block(0, 0), k),
        regularised(block(k, k), k),
        block(0, k),
    );
    let lx = cholesky(&sxx, k).ok_or(DetectError::SingularCovariance)?;
    let ly = cholesky(&syy, k).ok_or(DetectError::SingularCovariance)?;

    // w = Σyy⁻¹ Σyx, column by column (Σyx = Σxyᵀ).
    let mut w = vec![0.0; k * k];
    for c in 0..k {
        let mut col: Vec<f64> = (0..k).map(|r| sxy[c * k + r]).collect();
        solve_lower(&ly, k, &mut col);
        solve_lower_transposed(&ly, k, &mut col);
        for r in 0..k {
            w[r * k + c] = col[r];
        }
    }
    // p = Σxy w, then m = L⁻¹ p L⁻ᵀ = L⁻¹ (L⁻¹ p)ᵀ as p is symmetric.
    let mut p = vec![0.0; k * k];
    for r in 0..k {
        for c in 0..k {
            p[r * k + c] = (0..k).map(|j| sxy[r * k + j] * w[j * k + c]).sum();
        }
    }
    let mut m = vec![0.0; k * k];
    let mut z = vec![0.0; k * k];
    for c in 0..k {
        let mut col: Vec<f64> = (0..k).map(|r| p[r * k + c]).collect();
        solve_lower(&lx, k, &mut col);
        for r in 0..k {
            z[r * k + c] = col[r];
        }
    }
    // Column c of zᵀ is row c of z.
    for c in 0..k {
        let mut col: Vec<f64> = z[c * k..(c + 1) * k].to_vec();
        solve_lower(&lx, k, &mut col);
        for r in 0..k {
            m[r * k + c] = col[r];
        }
    }
    for r in 0..k {
        for c in r + 1..k {
            let v = 0.5 * (m[r * k + c] + m[c * k + r]);
            m[r * k + c] = v;
            m[c * k + r] = v;
        }
    }
    let (values, vectors) = symmetric_eigen(&m, k);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));

    let mut coef = vec![0.0; k * k2];
    let mut correlations = Vec::with_capacity(k);
    for (i, &e) in order.iter().enumerate() {
        let rho = values[e].clamp(0.0, 1.0).sqrt();
        let mut a: Vec<f64> = (0..k).map(|r| vectors[r * k + e]).collect();
        solve_lower_transposed(&lx, k, &mut a);
        let mut b: Vec<f64> = (0..k)
            .map(|r| (0..k).map(|j| w[r * k + j] * a[j]).sum())
            .collect();
        // bᵀ Σyy b = ρ² for this b; normalise it to unit variance directly, which also holds
        // when ρ is (nearly) zero.
        let b_var: f64 = (0..k)
            .map(|r| (0..k).map(|c| b[r] * syy[r * k + c] * b[c]).sum::<f64>())
            .sum();
        let b_scale = if b_var > 0.0 { 1.0 / b_var.sqrt() } else { 0.0 };
        b.iter_mut().for_each(|v| *v *= b_scale);
        for j in 0..k {
            coef[i * k2 + j] = a[j];
            coef[i * k2 + k + j] = -b[j];
        }
        correlations.push(rho);
    }
    Ok((
        MadTransform {
            bands: k,
            coef,
            // Centring is done by `standardise`.
            offset: vec![0.0; k],
        },
        correlations,
    ))
}

/// The smallest MAD scale used, relative to the unit-variance canonical variates: radiometric
/// differences below 1e-4 of the scene's own variation are never change.
const MIN_MAD_SCALE: f64 = 1e-4;

/// Centres and scales each MAD variate robustly: by its median and 1.4826 x the median
/// absolute deviation over the sample (the standard deviation for a Gaussian core, unmoved by
/// up to half the pixels changing).
///
/// Why not Nielsen's `2 (1 - ρ)`: that is the variance *weighted by the no-change
/// probability*, which down-weights the no-change tail too, so each iteration shrinks it
/// (for 3 bands of Gaussian noise to about a fifth of the true variance at the fixed point),
/// and the chi-square statistic of unchanged pixels is then inflated five-fold. The robust
/// scale does not depend on the weights, so the statistic of unchanged pixels stays close to
/// chi-square and the probability means what it says.
fn standardise(transform: &mut MadTransform, sample: &[f64]) {
    let k = transform.bands;
    let k2 = 2 * k;
    for i in 0..k {
        let row = transform.coef[i * k2..(i + 1) * k2].to_vec();
        let mut mads: Vec<f64> = sample
            .par_chunks(k2)
            .map(|v| row.iter().zip(v).map(|(c, x)| c * x).sum::<f64>())
            .collect();
        let centre = median(&mut mads);
        mads.iter_mut().for_each(|m| *m = (*m - centre).abs());
        let scale = (1.4826 * median(&mut mads)).max(MIN_MAD_SCALE);
        for c in &mut transform.coef[i * k2..(i + 1) * k2] {
            *c /= scale;
        }
        transform.offset[i] = centre / scale;
    }
}

/// The median of `values` (reordered in place); `values` must not be empty.
fn median(values: &mut [f64]) -> f64 {
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    *m
}

/// A covariance block with a ridge of 1e-9 of its mean variance (plus a tiny absolute one)
/// added to the diagonal, so that a constant band does not make it singular.
fn regularised(mut m: Vec<f64>, k: usize) -> Vec<f64> {
    let mean_var = (0..k).map(|i| m[i * k + i]).sum::<f64>() / k as f64;
    let ridge = 1e-9 * mean_var.max(0.0) + 1e-12;
    for i in 0..k {
        m[i * k + i] += ridge;
    }
    m
}

/// The chi-square change probability of every pixel (NaN where either raster has no data).
///
/// Works a block of pixels at a time, one coefficient at a time over whole band rows, so the
/// inner loops run over contiguous samples and vectorise.
fn change_probability(before: &Raster, after: &Raster, transform: &MadTransform) -> Vec<f32> {
    const BLOCK: usize = 1 << 12;
    let n = before.grid.width * before.grid.height;
    let bands = before.band_count;
    let k2 = 2 * bands;
    let mut probability = vec![f32::NAN; n];
    probability
        .par_chunks_mut(BLOCK)
        .enumerate()
        .for_each(|(block, out)| {
            let range = block * BLOCK..block * BLOCK + out.len();
            let inputs: Vec<&[f32]> = (0..bands)
                .map(|b| &before.band(b)[range.clone()])
                .chain((0..bands).map(|b| &after.band(b)[range.clone()]))
                .collect();
            let mut chi_square = vec![0.0f64; out.len()];
            let mut mad = vec![0.0f64; out.len()];
            for i in 0..bands {
                mad.fill(-transform.offset[i]);
                for (j, input) in inputs.iter().enumerate() {
                    let c = transform.coef[i * k2 + j];
                    mad.iter_mut()
                        .zip(input.iter())
                        .for_each(|(m, &v)| *m += c * f64::from(v));
                }
                chi_square
                    .iter_mut()
                    .zip(&mad)
                    .for_each(|(q, m)| *q += m * m);
            }
            // NaN samples have already made the statistic NaN; declared nodata values and
            // infinities are caught here.
            for (raster, offset) in [(before, 0), (after, bands)] {
                if raster.nodata.is_some_and(|nd| !nd.is_nan()) {
                    for input in &inputs[offset..offset + bands] {
                        for (q, &v) in chi_square.iter_mut().zip(input.iter()) {
                            if raster.is_nodata(v) {
                                *q = f64::NAN;
                            }
                        }
                    }
                }
            }
            for (p, &q) in out.iter_mut().zip(&chi_square) {
                if q.is_finite() {
                    *p = chi_square_cdf(q, bands) as f32;
                }
            }
        });
    probability
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_scenes::{painted_square_pair, textured_scene};

    #[test]
    fn the_map_is_the_same_bit_for_bit_however_many_threads_make_it() {
        let (before, after) = painted_square_pair(4);
        let map_with = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| Imad::default().probability(&before, &after).unwrap())
        };
        let one = map_with(1);
        for threads in [2, 3, 7] {
            assert!(
                map_with(threads).probability == one.probability,
                "{threads} threads gave another map than one thread"
            );
        }
    }

    #[test]
    fn gain_and_offset_change_is_not_change() {
        let before = textured_scene(128, 96, 3, 7);
        let mut after = before.clone();
        let bands = after.band_count;
        let n = after.grid.width * after.grid.height;
        for b in 0..bands {
            let (gain, offset) = (1.3 + 0.1 * b as f32, 12.0 - 5.0 * b as f32);
            for v in &mut after.data[b * n..(b + 1) * n] {
                *v = (*v * gain + offset).round();
            }
        }
        let imad = Imad::default();
        let outcome = imad.analyse(&before, &after).unwrap();
        assert!(outcome.converged);
        for rho in &outcome.canonical_correlations {
            assert!(
                *rho > 0.99,
                "correlations {:?}",
                outcome.canonical_correlations
            );
        }
        let t = imad.default_threshold(&outcome.change);
        let flagged = outcome.change.mask(t).iter().filter(|&&m| m).count();
        // At most the 1 % a 0.99 test lets through on pure noise (quantisation here).
        assert!(flagged * 100 <= n, "{flagged} of {n} pixels flagged");
    }

    #[test]
    fn painted_square_is_found() {
        let (before, after) = painted_square_pair(4);
        let imad = Imad::default();
        let map = imad.probability(&before, &after).unwrap();
        let t = imad.default_threshold(&map);
        let mask = map.mask(t);
        let w = map.grid.width;
        let inside = (40..60)
            .flat_map(|r| (50..70).map(move |c| r * w + c))
            .filter(|&i| mask[i])
            .count();
        assert!(inside >= 390, "only {inside} of 400 square pixels flagged");
        let outside = mask.iter().filter(|&&m| m).count() - inside;
        assert!(
            outside * 100 <= mask.len(),
            "{outside} pixels flagged outside"
        );
    }

    #[test]
    fn nodata_pixels_are_excluded() {
        let (mut before, after) = painted_square_pair(3);
        before.nodata = Some(-1.0);
        before.data[5] = -1.0;
        let map = Imad::default().probability(&before, &after).unwrap();
        assert!(map.probability[5].is_nan());
        assert!(map.probability[6].is_finite());
    }

    #[test]
    fn mismatched_inputs_are_errors() {
        let (before, _) = painted_square_pair(3);
        let other = textured_scene(50, 50, 3, 1);
        assert!(matches!(
            Imad::default().analyse(&before, &other),
            Err(DetectError::GridMismatch { .. })
        ));
        let (_, four) = painted_square_pair(4);
        assert!(matches!(
            Imad::default().analyse(&before, &four),
            Err(DetectError::BandMismatch { .. })
        ));
    }
}
