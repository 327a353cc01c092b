//! Co-registration of a TARGET band onto a REF band of the same grid: phase correlation over a
//! grid of windows, a global shift from their accumulated spectra, tie points with a
//! confidence each, and a robust correction model, or a refusal that says why not.

use rayon::prelude::*;
use rustfft::num_complex::Complex32;
use serde::Serialize;

use super::band::MaskedBand;
use super::features::{window_features, BandStats};
use super::model::{fit_model, CorrectionModel, Observation};
use super::phase_correlation::{Peak, PhaseCorrelator};
use super::subpixel::SubpixelMethod;

/// The knobs of co-registration; [`CoregParams::default`] suits 0.5-10 m imagery.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CoregParams {
    /// Side of the matching windows in pixels (a power of two), or `None` to take the largest
    /// of 256, 128 and 64 that fits at least 3 x 3 windows in the images.
    pub window_size: Option<usize>,
    /// How correlation peaks are refined below a pixel.
    pub subpixel: SubpixelMethod,
    /// A window is matched only when at least this fraction of it holds data in both images.
    pub min_valid_fraction: f64,
    /// A window is matched only when at least this fraction of its valid pixels has a gradient
    /// above the noise, in both images (water, fields of snow and haze have none).
    pub min_textured_fraction: f64,
    /// A window is left out when more than this fraction of its valid pixels is far brighter
    /// than the band's ground (cloud, snow, glint) in either image. Cloud edges are texture
    /// that the other scene lacks, so such windows are not matched even where textured.
    pub max_cloud_fraction: f64,
    /// A tie point is trusted only when its correlation peak is at least this many times higher
    /// than the next highest peak.
    pub min_peak_ratio: f64,
    /// Fewest trusted tie points for an alignment.
    pub min_tie_points: usize,
    /// Largest residual RMSE, in pixels, of the tie points kept by the model.
    pub max_rmse_px: f64,
}

impl Default for CoregParams {
    fn default() -> Self {
        CoregParams {
            window_size: None,
            subpixel: SubpixelMethod::UpsampledDft,
            min_valid_fraction: 0.6,
            min_textured_fraction: 0.05,
            max_cloud_fraction: 0.2,
            min_peak_ratio: 2.0,
            min_tie_points: 4,
            max_rmse_px: 0.75,
        }
    }
}

/// The misregistration of the whole overlap, from the peak of the summed cross-power spectra
/// of every matchable window (so masked, cloudy and flat areas take no part).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GlobalShift {
    /// How far TARGET must move east, in REF pixels (negative: west).
    pub dx: f64,
    /// How far TARGET must move south, in REF pixels (negative: north).
    pub dy: f64,
    /// Height of the summed correlation peak per window (1 = identical images).
    pub peak_height: f64,
    /// Peak height over the next highest peak.
    pub peak_ratio: f64,
    /// How many windows were summed.
    pub windows: usize,
}

/// What became of a tie point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieStatus {
    /// Used in the correction model.
    Used,
    /// Its correlation peak did not stand out enough to be trusted.
    WeakPeak,
    /// It disagreed with the model that the other tie points agree on.
    Outlier,
}

/// One window's match: where TARGET must move at that place.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TiePoint {
    /// REF pixel-space position of the window centre (column).
    pub col: f64,
    /// REF pixel-space position of the window centre (row).
    pub row: f64,
    /// How far TARGET must move east here, in REF pixels.
    pub dx: f64,
    /// How far TARGET must move south here, in REF pixels.
    pub dy: f64,
    /// Correlation peak height (1 = identical windows).
    pub peak_height: f64,
    /// Peak height over the next highest peak: the tie point's confidence.
    pub peak_ratio: f64,
    /// Fraction of the window's pixels with texture above the noise (the lower of the two
    /// images).
    pub textured_fraction: f64,
    pub status: TieStatus,
}

/// How many windows were left out before matching, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct WindowCensus {
    /// All windows of the grid.
    pub windows: usize,
    /// Too little valid data in either image.
    pub masked: usize,
    /// Too much very bright area (cloud) in either image.
    pub cloudy: usize,
    /// Too little texture in either image.
    pub textureless: usize,
    /// Matched: each of these gave a tie point.
    pub matched: usize,
}

/// The correction that brings TARGET onto REF, with its quality: what the warp applies so that
/// a scene is resampled once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alignment {
    /// The fitted correction.
    pub model: CorrectionModel,
    /// The correction at the centre of the grid: how far TARGET must move east, in REF pixels.
    pub dx: f64,
    /// The correction at the centre of the grid: how far TARGET must move south.
    pub dy: f64,
    /// The global phase-correlation shift, for comparison with the model.
    pub global: GlobalShift,
    /// Side of the matching windows in pixels.
    pub window_size: usize,
    /// Every tie point measured, used or not.
    pub tie_points: Vec<TiePoint>,
    /// How many tie points the model uses.
    pub used: usize,
    /// How many tie points were measured but left out (weak peak or outlier).
    pub rejected: usize,
    /// Root mean square of the used tie points' residuals, in pixels.
    pub rmse_px: f64,
    /// What the windows were made of.
    pub census: WindowCensus,
}

impl Alignment {
    /// Where the REF-grid pixel-space position `(col, row)` should sample TARGET: the position
    /// minus the correction (TARGET content that must move `dx` east now lies `dx` west).
    pub fn correct(&self, col: f64, row: f64) -> (f64, f64) {
        crate::warp::PixelCorrection::correct(&self.model, col, row)
    }
}

/// Why co-registration refused to give an alignment.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoregError {
    #[error("REF is {ref_width}x{ref_height} but TARGET is {target_width}x{target_height}: warp TARGET onto REF's grid first")]
    SizeMismatch {
        ref_width: usize,
        ref_height: usize,
        target_width: usize,
        target_height: usize,
    },
    #[error("the images are {width}x{height}: too small for {window}x{window} matching windows")]
    TooSmall {
        width: usize,
        height: usize,
        window: usize,
    },
    #[error("mostly cloud or nodata: only {usable} of {windows} windows hold enough clear data ({masked} masked, {cloudy} cloudy)")]
    MostlyMasked {
        usable: usize,
        windows: usize,
        masked: usize,
        cloudy: usize,
    },
    #[error("no texture to match: {textureless} of {windows} windows are flat or noise only")]
    Textureless { textureless: usize, windows: usize },
    #[error("too few trustworthy tie points: {found} found, {needed} needed (of {matched} windows matched)")]
    TooFewTiePoints {
        found: usize,
        needed: usize,
        matched: usize,
    },
    #[error("no distinct global correlation peak (ratio {ratio:.2}, at least {needed:.2} needed)")]
    NoDistinctPeak { ratio: f64, needed: f64 },
    #[error("the tie points disagree: residual RMSE {rmse_px:.2} px exceeds {max_px:.2} px")]
    LargeResidual { rmse_px: f64, max_px: f64 },
}

/// The global misregistration of TARGET against REF (both on the same grid).
pub fn global_shift(
    reference: &MaskedBand,
    target: &MaskedBand,
    params: &CoregParams,
) -> Result<GlobalShift, CoregError> {
    Ok(Matcher::new(reference, target, params)?.run()?.0)
}

/// Co-registers TARGET onto REF (both on the same grid: the caller warps TARGET first):
/// measures tie points over a grid of windows and fits the correction model, or refuses.
///
/// Panics when `params.window_size` is given and is not a power of two.
pub fn coregister(
    reference: &MaskedBand,
    target: &MaskedBand,
    params: &CoregParams,
) -> Result<Alignment, CoregError> {
    let matcher = Matcher::new(reference, target, params)?;
    let (global, mut tie_points, census) = matcher.run()?;
    let trusted: Vec<usize> = (0..tie_points.len())
        .filter(|&i| tie_points[i].peak_ratio >= params.min_peak_ratio)
        .collect();
    let refuse_few = |found| CoregError::TooFewTiePoints {
        found,
        needed: params.min_tie_points,
        matched: census.matched,
    };
    if trusted.len() < params.min_tie_points {
        return Err(refuse_few(trusted.len()));
    }
    let observations: Vec<Observation> = trusted
        .iter()
        .map(|&i| {
            let t = &tie_points[i];
            Observation {
                col: t.col,
                row: t.row,
                dx: t.dx,
                dy: t.dy,
            }
        })
        .collect();
    let extent = (reference.width as f64, reference.height as f64);
    let fit = fit_model(&observations, extent).ok_or_else(|| refuse_few(0))?;
    for (k, &i) in trusted.iter().enumerate() {
        tie_points[i].status = if fit.inliers[k] {
            TieStatus::Used
        } else {
            TieStatus::Outlier
        };
    }
    let used = fit.inliers.iter().filter(|&&k| k).count();
    if used < params.min_tie_points {
        return Err(refuse_few(used));
    }
    if fit.rmse_px > params.max_rmse_px {
        return Err(CoregError::LargeResidual {
            rmse_px: fit.rmse_px,
            max_px: params.max_rmse_px,
        });
    }
    let (dx, dy) = fit.model.correction_at(extent.0 / 2.0, extent.1 / 2.0);
    Ok(Alignment {
        model: fit.model,
        dx,
        dy,
        global,
        window_size: matcher.correlator.size(),
        rejected: tie_points.len() - used,
        tie_points,
        used,
        rmse_px: fit.rmse_px,
        census,
    })
}

/// The state shared by every window of one co-registration.
struct Matcher<'a> {
    reference: &'a MaskedBand,
    target: &'a MaskedBand,
    ref_stats: BandStats,
    target_stats: BandStats,
    params: &'a CoregParams,
    correlator: PhaseCorrelator,
    /// Top-left corners of the windows in REF pixels.
    windows: Vec<(usize, usize)>,
}

/// One window's outcome, and its cross-power spectrum when it was matched.
enum WindowOutcome {
    Masked,
    Cloudy,
    Textureless,
    Matched {
        corner: (usize, usize),
        peak: Peak,
        textured_fraction: f64,
        cross_power: Vec<Complex32>,
    },
}

/// Tie points (pixel shifts relative to the pass's offset) and the summed spectra of a pass.
#[derive(Default)]
struct PassResult {
    census: WindowCensus,
    matches: Vec<((usize, usize), Peak, f64)>,
    spectrum_sum: Option<Vec<Complex32>>,
}

impl PassResult {
    fn absorb(mut self, outcome: WindowOutcome) -> Self {
        self.census.windows += 1;
        match outcome {
            WindowOutcome::Masked => self.census.masked += 1,
            WindowOutcome::Cloudy => self.census.cloudy += 1,
            WindowOutcome::Textureless => self.census.textureless += 1,
            WindowOutcome::Matched {
                corner,
                peak,
                textured_fraction,
                cross_power,
            } => {
                self.census.matched += 1;
                self.matches.push((corner, peak, textured_fraction));
                self.add_spectrum(cross_power);
            }
        }
        self
    }

    fn add_spectrum(&mut self, spectrum: Vec<Complex32>) {
        match &mut self.spectrum_sum {
            Some(sum) => sum.iter_mut().zip(&spectrum).for_each(|(s, v)| *s += v),
            None => self.spectrum_sum = Some(spectrum),
        }
    }

    fn merge(mut self, other: PassResult) -> Self {
        let (a, b) = (&mut self.census, other.census);
        a.windows += b.windows;
        a.masked += b.masked;
        a.cloudy += b.cloudy;
        a.textureless += b.textureless;
        a.matched += b.matched;
        self.matches.extend(other.matches);
        if let Some(spectrum) = other.spectrum_sum {
            self.add_spectrum(spectrum);
        }
        self
    }
}

impl<'a> Matcher<'a> {
    fn new(
        reference: &'a MaskedBand,
        target: &'a MaskedBand,
        params: &'a CoregParams,
    ) -> Result<Self, CoregError> {
        let (width, height) = (reference.width, reference.height);
        if (target.width, target.height) != (width, height) {
            return Err(CoregError::SizeMismatch {
                ref_width: width,
                ref_height: height,
                target_width: target.width,
                target_height: target.height,
            });
        }
        let size = params.window_size.unwrap_or_else(|| {
            [256, 128, 64]
                .into_iter()
                .find(|n| (width / n) * (height / n) >= 9)
                .unwrap_or(64)
        });
        let too_small = CoregError::TooSmall {
            width,
            height,
            window: size,
        };
        if width < size || height < size {
            return Err(too_small);
        }
        let masked = || CoregError::MostlyMasked {
            usable: 0,
            windows: (width / size) * (height / size),
            masked: (width / size) * (height / size),
            cloudy: 0,
        };
        let ref_stats = BandStats::measure(reference).ok_or_else(masked)?;
        let target_stats = BandStats::measure(target).ok_or_else(masked)?;
        // Windows tile the grid edge to edge, the leftover split evenly between the borders.
        let (nx, ny) = (width / size, height / size);
        let (mx, my) = ((width - nx * size) / 2, (height - ny * size) / 2);
        let windows = (0..ny)
            .flat_map(|j| (0..nx).map(move |i| (mx + i * size, my + j * size)))
            .collect();
        Ok(Matcher {
            reference,
            target,
            ref_stats,
            target_stats,
            params,
            correlator: PhaseCorrelator::new(size, params.subpixel),
            windows,
        })
    }

    /// Matches every window, first with TARGET windows at the REF windows' places, then, when
    /// the global shift rounds to a pixel or more, again with TARGET windows moved by it so
    /// that both windows hold the same ground (on naip-stack this took the benchmark error of
    /// shifts up to 5 px on 128 px windows from 0.029 to 0.011 px). Returns the global shift,
    /// the tie points and the census.
    fn run(&self) -> Result<(GlobalShift, Vec<TiePoint>, WindowCensus), CoregError> {
        let mut offset = (0isize, 0isize);
        let mut pass = self.pass(offset);
        let mut global = self.global_from(&pass, offset)?;
        let moved = (-global.dx.round() as isize, -global.dy.round() as isize);
        if moved != offset {
            offset = moved;
            pass = self.pass(offset);
            global = self.global_from(&pass, offset)?;
        }
        let half = self.correlator.size() as f64 / 2.0;
        let mut tie_points: Vec<TiePoint> = pass
            .matches
            .iter()
            .map(|&((c, r), peak, textured_fraction)| TiePoint {
                col: c as f64 + half,
                row: r as f64 + half,
                dx: peak.dx - offset.0 as f64,
                dy: peak.dy - offset.1 as f64,
                peak_height: peak.height,
                peak_ratio: peak.ratio,
                textured_fraction,
                status: TieStatus::WeakPeak,
            })
            .collect();
        tie_points.sort_by(|a, b| a.row.total_cmp(&b.row).then(a.col.total_cmp(&b.col)));
        Ok((global, tie_points, pass.census))
    }

    /// The global shift of a pass, or the refusal that its census calls for.
    fn global_from(
        &self,
        pass: &PassResult,
        offset: (isize, isize),
    ) -> Result<GlobalShift, CoregError> {
        let census = pass.census;
        let Some(sum) = &pass.spectrum_sum else {
            let usable = census.windows - census.masked - census.cloudy;
            return Err(
                if census.textureless > 0 && census.textureless * 2 >= usable {
                    CoregError::Textureless {
                        textureless: census.textureless,
                        windows: census.windows,
                    }
                } else {
                    CoregError::MostlyMasked {
                        usable,
                        windows: census.windows,
                        masked: census.masked,
                        cloudy: census.cloudy,
                    }
                },
            );
        };
        let peak = self.correlator.peak(sum, census.matched as f64);
        if peak.ratio < self.params.min_peak_ratio {
            return Err(CoregError::NoDistinctPeak {
                ratio: peak.ratio,
                needed: self.params.min_peak_ratio,
            });
        }
        Ok(GlobalShift {
            dx: peak.dx - offset.0 as f64,
            dy: peak.dy - offset.1 as f64,
            peak_height: peak.height,
            peak_ratio: peak.ratio,
            windows: census.matched,
        })
    }

    /// Matches every window with the TARGET window moved by `offset` pixels.
    fn pass(&self, offset: (isize, isize)) -> PassResult {
        self.windows
            .par_iter()
            .map(|&corner| self.match_window(corner, offset))
            .fold(PassResult::default, PassResult::absorb)
            .reduce(PassResult::default, PassResult::merge)
    }

    fn match_window(&self, corner: (usize, usize), offset: (isize, isize)) -> WindowOutcome {
        let n = self.correlator.size();
        let (c, r) = (corner.0 as isize, corner.1 as isize);
        let reference = window_features(self.reference, &self.ref_stats, c, r, n);
        let target = window_features(
            self.target,
            &self.target_stats,
            c + offset.0,
            r + offset.1,
            n,
        );
        let p = self.params;
        if reference.valid_fraction.min(target.valid_fraction) < p.min_valid_fraction {
            return WindowOutcome::Masked;
        }
        if reference.cloud_fraction.max(target.cloud_fraction) > p.max_cloud_fraction {
            return WindowOutcome::Cloudy;
        }
        let textured_fraction = reference.textured_fraction.min(target.textured_fraction);
        if textured_fraction < p.min_textured_fraction {
            return WindowOutcome::Textureless;
        }
        let (mut rf, mut tf) = (reference.features, target.features);
        let cross_power = self.correlator.cross_power(&mut rf, &mut tf);
        let peak = self.correlator.peak(&cross_power, 1.0);
        WindowOutcome::Matched {
            corner,
            peak,
            textured_fraction,
            cross_power,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coreg::fourier_shift::fourier_shift;
    use crate::coreg::synthetic::{smooth_field, white_noise};

    const SIZE: usize = 512;

    /// REF: a smooth random field. TARGET: REF displaced `(east, south)` px, then passed
    /// through `radiometry`. The mirrored margin of the shift is marked nodata.
    fn pair(east: f64, south: f64, radiometry: impl Fn(f32) -> f32) -> (MaskedBand, MaskedBand) {
        let field = smooth_field(SIZE, SIZE, 1.5, 7);
        let shifted = fourier_shift(&field, SIZE, SIZE, east, south);
        let margin = (east.abs().max(south.abs()).ceil() as usize) + 3;
        let target: Vec<f32> = shifted
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let (c, r) = (i % SIZE, i / SIZE);
                let inside =
                    (margin..SIZE - margin).contains(&c) && (margin..SIZE - margin).contains(&r);
                if inside {
                    radiometry(v)
                } else {
                    0.0
                }
            })
            .collect();
        (
            MaskedBand::masking_zeros(SIZE, SIZE, field),
            MaskedBand::masking_zeros(SIZE, SIZE, target),
        )
    }

    fn assert_recovers(
        reference: &MaskedBand,
        target: &MaskedBand,
        east: f64,
        south: f64,
        tolerance: f64,
    ) -> Alignment {
        let alignment = coregister(reference, target, &CoregParams::default()).unwrap();
        // TARGET displaced east must move west: dx = -east.
        assert!(
            (alignment.dx + east).abs() < tolerance && (alignment.dy + south).abs() < tolerance,
            "shift ({east}, {south}): found dx {} dy {} (rmse {})",
            alignment.dx,
            alignment.dy,
            alignment.rmse_px
        );
        assert!(
            (alignment.global.dx + east).abs() < tolerance
                && (alignment.global.dy + south).abs() < tolerance,
            "global {:?}",
            alignment.global
        );
        alignment
    }

    #[test]
    fn known_subpixel_shifts_are_recovered() {
        for (east, south) in [
            (1.37, -0.62),
            (-2.81, 2.23),
            (0.5, 0.25),
            (4.6, -3.3),
            (0.0, 0.0),
        ] {
            let (reference, target) = pair(east, south, |v| v);
            let alignment = assert_recovers(&reference, &target, east, south, 0.05);
            assert!(matches!(alignment.model, CorrectionModel::Shift { .. }));
            assert!(alignment.used >= CoregParams::default().min_tie_points);
            let (c, r) = alignment.correct(200.0, 300.0);
            assert!((c - 200.0 - east).abs() < 0.05 && (r - 300.0 - south).abs() < 0.05);
        }
    }

    #[test]
    fn known_shift_of_real_imagery_of_another_date_is_recovered() {
        use crate::geotiff::GeoTiff;
        use crate::RasterSource;
        // naip-stack 2012 and 2016 share a 934x723 grid to within a fraction of a pixel; the
        // unknown true offset cancels in the difference of the two shifts found.
        let band = |date: &str| {
            let path = testkit::data_file(&format!("naip-stack/m_4709963_se_14_1_{date}.tif"));
            let tif = GeoTiff::open(&path).unwrap();
            MaskedBand::from_raster(&tif.read_window(&tif.grid().full_window()).unwrap(), 1)
        };
        let (reference, target) = (band("20120731"), band("20160816"));
        let (east, south) = (-3.41, 1.77);
        let moved = fourier_shift(&target.values, target.width, target.height, east, south);
        let mut moved = MaskedBand::masking_zeros(target.width, target.height, moved);
        for (i, v) in moved.valid.iter_mut().enumerate() {
            let (c, r) = (i % target.width, i / target.width);
            *v &= c >= 8 && r >= 8 && c + 8 < target.width && r + 8 < target.height;
        }
        let params = CoregParams::default();
        let base = coregister(&reference, &target, &params).unwrap();
        let found = coregister(&reference, &moved, &params).unwrap();
        assert!(
            (found.dx - base.dx + east).abs() < 0.1,
            "{found:?}\n{base:?}"
        );
        assert!(
            (found.dy - base.dy + south).abs() < 0.1,
            "{found:?}\n{base:?}"
        );
        let json = serde_json::to_string(&found).unwrap();
        assert!(json.contains("\"tie_points\"") && json.contains("\"rmse_px\""));
    }

    #[test]
    fn radiometric_change_still_recovers() {
        let gamma_gain_offset = |v: f32| 40.0 + 3.0 * (v / 1000.0).powf(1.6) * 1000.0;
        let inverted_gamma = |v: f32| 5000.0 - 0.02 * v.powf(1.4);
        let (reference, target) = pair(-1.7, 0.9, gamma_gain_offset);
        assert_recovers(&reference, &target, -1.7, 0.9, 0.05);
        let (reference, target) = pair(2.3, 1.2, inverted_gamma);
        assert_recovers(&reference, &target, 2.3, 1.2, 0.05);
    }

    #[test]
    fn masked_and_cloudy_regions_are_ignored() {
        let (east, south) = (1.6, -2.4);
        let (mut reference, mut target) = pair(east, south, |v| v);
        let noise = white_noise(SIZE * SIZE, 99);
        for r in 0..SIZE {
            for c in 0..SIZE {
                let i = r * SIZE + c;
                // A quarter of REF is nodata, filled with unrelated texture that must not count.
                if r < SIZE / 2 && c < SIZE / 2 {
                    reference.values[i] = 1000.0 + 300.0 * noise[i];
                    reference.valid[i] = false;
                }
                // A bright flat cloud with sharp edges covers the lower right of TARGET.
                if r > 300 && c > 300 {
                    target.values[i] = 9000.0 + noise[i];
                }
            }
        }
        let alignment = assert_recovers(&reference, &target, east, south, 0.05);
        let global = global_shift(&reference, &target, &CoregParams::default()).unwrap();
        assert_eq!(global, alignment.global);
        assert!(alignment.census.masked >= 4, "{:?}", alignment.census);
        assert!(alignment.census.cloudy >= 2, "{:?}", alignment.census);
        assert!(alignment
            .tie_points
            .iter()
            .all(|t| t.col > 256.0 || t.row > 256.0));
    }

    #[test]
    fn rotation_gives_an_affine_model() {
        // TARGET content at REF position p lies at centre + R(p - centre) + (0.7, -0.4), with
        // R a 0.1 degree rotation: about 1.3 px more at the corners than at the centre.
        let n = 1024;
        let field = smooth_field(n, n, 2.0, 5);
        let angle = 0.1f64.to_radians();
        let centre = n as f64 / 2.0;
        let displaced = |c: f64, r: f64| {
            let (x, y) = (c - centre, r - centre);
            (
                centre + x * angle.cos() - y * angle.sin() + 0.7,
                centre + x * angle.sin() + y * angle.cos() - 0.4,
            )
        };
        // TARGET(q) = REF(p) where q = displaced(p); sampled bilinearly through the inverse.
        let target: Vec<f32> = (0..n * n)
            .map(|i| {
                let (qc, qr) = ((i % n) as f64 + 0.5 - 0.7, (i / n) as f64 + 0.5 + 0.4);
                let (x, y) = (qc - centre, qr - centre);
                let (c, r) = (
                    centre + x * angle.cos() + y * angle.sin() - 0.5,
                    centre - x * angle.sin() + y * angle.cos() - 0.5,
                );
                let (c0, r0) = (c.floor(), r.floor());
                if c0 < 0.0 || r0 < 0.0 || c0 + 1.0 >= n as f64 || r0 + 1.0 >= n as f64 {
                    return 0.0;
                }
                let (fc, fr) = ((c - c0) as f32, (r - r0) as f32);
                let at = |dc: usize, dr: usize| field[(r0 as usize + dr) * n + c0 as usize + dc];
                (at(0, 0) * (1.0 - fc) + at(1, 0) * fc) * (1.0 - fr)
                    + (at(0, 1) * (1.0 - fc) + at(1, 1) * fc) * fr
            })
            .collect();
        let alignment = coregister(
            &MaskedBand::masking_zeros(n, n, field),
            &MaskedBand::masking_zeros(n, n, target),
            &CoregParams::default(),
        )
        .unwrap();
        assert!(
            matches!(alignment.model, CorrectionModel::Affine { .. }),
            "{:?}",
            alignment.model
        );
        for (c, r) in [
            (128.0, 128.0),
            (896.0, 128.0),
            (512.0, 512.0),
            (128.0, 896.0),
        ] {
            let (tc, tr) = alignment.correct(c, r);
            let (ec, er) = displaced(c, r);
            assert!(
                (tc - ec).abs() < 0.1 && (tr - er).abs() < 0.1,
                "at ({c}, {r}): ({tc:.3}, {tr:.3}) instead of ({ec:.3}, {er:.3})"
            );
        }
    }

    #[test]
    fn tie_points_that_disagree_are_refused() {
        // Every 128 px window of TARGET is displaced by its own amount (up to 1.5 px): no
        // shift or affine field explains them.
        let field = smooth_field(SIZE, SIZE, 1.5, 7);
        let jitter = white_noise(32, 3);
        let mut target = vec![0.0; SIZE * SIZE];
        for (k, shift) in jitter.chunks(2).enumerate() {
            let (east, south) = (0.75 * shift[0] as f64, 0.75 * shift[1] as f64);
            let moved = fourier_shift(&field, SIZE, SIZE, east, south);
            let (c0, r0) = ((k % 4) * 128, (k / 4) * 128);
            for r in r0..r0 + 128 {
                target[r * SIZE + c0..r * SIZE + c0 + 128]
                    .copy_from_slice(&moved[r * SIZE + c0..r * SIZE + c0 + 128]);
            }
        }
        let reference = MaskedBand::masking_zeros(SIZE, SIZE, field);
        let target = MaskedBand::masking_zeros(SIZE, SIZE, target);
        let refusal = coregister(&reference, &target, &CoregParams::default()).unwrap_err();
        assert!(
            matches!(refusal, CoregError::LargeResidual { .. }),
            "{refusal}"
        );
    }

    #[test]
    fn flat_and_noise_only_images_are_refused() {
        let flat = MaskedBand::masking_zeros(SIZE, SIZE, vec![700.0; SIZE * SIZE]);
        let refusal = coregister(&flat, &flat, &CoregParams::default()).unwrap_err();
        assert!(
            matches!(refusal, CoregError::Textureless { .. }),
            "{refusal}"
        );
        let noise = |seed| {
            let values = white_noise(SIZE * SIZE, seed)
                .iter()
                .map(|v| 700.0 + 20.0 * v)
                .collect();
            MaskedBand::masking_zeros(SIZE, SIZE, values)
        };
        let refusal = coregister(&noise(1), &noise(2), &CoregParams::default()).unwrap_err();
        assert!(
            matches!(refusal, CoregError::Textureless { .. }),
            "{refusal}"
        );
    }

    #[test]
    fn unrelated_textures_and_mostly_nodata_are_refused() {
        let a = MaskedBand::masking_zeros(SIZE, SIZE, smooth_field(SIZE, SIZE, 1.5, 1));
        let b = MaskedBand::masking_zeros(SIZE, SIZE, smooth_field(SIZE, SIZE, 1.5, 2));
        let refusal = coregister(&a, &b, &CoregParams::default()).unwrap_err();
        assert!(
            matches!(
                refusal,
                CoregError::NoDistinctPeak { .. } | CoregError::TooFewTiePoints { .. }
            ),
            "{refusal}"
        );
        let mut empty = b.clone();
        empty
            .values
            .iter_mut()
            .skip(SIZE * 20)
            .for_each(|v| *v = 0.0);
        let refusal = coregister(
            &a,
            &MaskedBand::masking_zeros(SIZE, SIZE, empty.values),
            &CoregParams::default(),
        )
        .unwrap_err();
        assert!(
            matches!(refusal, CoregError::MostlyMasked { .. }),
            "{refusal}"
        );
        let small = MaskedBand::masking_zeros(40, 40, vec![1.0; 1600]);
        assert!(matches!(
            coregister(&small, &small, &CoregParams::default()),
            Err(CoregError::TooSmall { .. })
        ));
        assert!(matches!(
            coregister(&a, &small, &CoregParams::default()),
            Err(CoregError::SizeMismatch { .. })
        ));
    }
}
