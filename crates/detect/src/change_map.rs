//! The change map and the capability of making one: [`ChangeDetector`] is what iMAD and the
//! learned network have in common, so that thresholds, objects and evaluation work with either.
//!
//! A detector first fits what it needs of the whole pair (iMAD its transform, the network its
//! standardisation) into a [`FittedDetector`], which then maps any window of the pair: that is
//! how scenes too large for memory are mapped a window at a time ([`crate::windowed`]).

use raster::{Grid, Raster, RasterSource, ReadError, SampleType, WriteError};

use crate::strips::for_each_strip;
use crate::threshold::EvidenceHistogram;

/// Why a change map could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The two rasters differ in size.
    #[error("the before and after images are on different grids ({before_width}x{before_height} vs {after_width}x{after_height}): warp them onto one grid first")]
    GridMismatch {
        before_width: usize,
        before_height: usize,
        after_width: usize,
        after_height: usize,
    },
    /// The two rasters differ in band count.
    #[error("the before image has {before} bands and the after image {after}: they must match")]
    BandMismatch { before: usize, after: usize },
    /// Too few pixels have data in both rasters.
    #[error("only {valid} pixels have data in both images: too few to estimate change statistics")]
    TooFewPixels { valid: usize },
    /// The statistics cannot be inverted.
    #[error(
        "the band covariance is singular even after regularisation (constant or duplicate bands?)"
    )]
    SingularCovariance,
    /// The learned network could not run.
    #[error("the change network failed: {0}")]
    Network(String),
    /// A minimum area in m² was asked for on a grid without metric pixels.
    #[error("a minimum area in m² needs a projected grid, but the grid's CRS is '{crs}': give it in pixels")]
    NoMetricPixelArea { crs: String },
    /// A window of an input (or of the probability map written so far) could not be read.
    #[error(transparent)]
    Read(Box<ReadError>),
    /// A map could not be written.
    #[error(transparent)]
    Write(Box<WriteError>),
}

// Boxed: file errors carry a path and would make every detection result large.
impl From<ReadError> for DetectError {
    fn from(e: ReadError) -> Self {
        DetectError::Read(Box::new(e))
    }
}

impl From<WriteError> for DetectError {
    fn from(e: WriteError) -> Self {
        DetectError::Write(Box::new(e))
    }
}

/// Checks that two sources share a grid size and band count.
pub fn check_pair(before: &dyn RasterSource, after: &dyn RasterSource) -> Result<(), DetectError> {
    let (b, a) = (before.grid(), after.grid());
    if (b.width, b.height) != (a.width, a.height) {
        return Err(DetectError::GridMismatch {
            before_width: b.width,
            before_height: b.height,
            after_width: a.width,
            after_height: a.height,
        });
    }
    if before.band_count() != after.band_count() {
        return Err(DetectError::BandMismatch {
            before: before.band_count(),
            after: after.band_count(),
        });
    }
    Ok(())
}

/// Per-pixel change probability between two aligned scenes on one grid, with the method and
/// version that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeMap {
    /// The grid both scenes were on (and the map is on).
    pub grid: Grid,
    /// Change probability in 0..=1 per pixel, row-major; NaN where either scene has no data.
    pub probability: Vec<f32>,
    /// The method that made the map, e.g. `imad`.
    pub method: String,
    /// The method's version (and model version for learned methods).
    pub version: String,
}

impl ChangeMap {
    /// The pixels whose probability is at least `threshold` (NaN pixels never are).
    pub fn mask(&self, threshold: f32) -> Vec<bool> {
        self.probability.iter().map(|&p| p >= threshold).collect()
    }

    /// The probabilities as a one-band raster on the map's grid.
    pub fn probability_raster(&self) -> Raster {
        let mut raster = Raster::filled(self.grid.clone(), 1, 0.0, SampleType::F32);
        raster.data.copy_from_slice(&self.probability);
        raster
    }
}

/// A change detection method: from two co-registered rasters of one grid to a change map, and
/// the threshold the method itself recommends for that map.
pub trait ChangeDetector {
    /// The method's name, e.g. `imad`.
    fn method(&self) -> String;

    /// The method's version (and model version for learned methods).
    fn version(&self) -> String;

    /// How many bands the method takes, where it takes one count only (a network, the bands
    /// it was trained on); `None` where any count will do.
    fn bands(&self) -> Option<usize> {
        None
    }

    /// Fits the scene-wide part of the method to the pair `before`/`after` (same grid size and
    /// bands), reading them a strip at a time.
    fn fit<'a>(
        &'a self,
        before: &dyn RasterSource,
        after: &dyn RasterSource,
    ) -> Result<Box<dyn FittedDetector + 'a>, DetectError>;

    /// The method's own threshold for a map whose log-evidence histogram is `histogram` (a
    /// pixel changed when its probability is at least this). It may adapt to the scene, but
    /// never uses labels.
    fn threshold(&self, histogram: &EvidenceHistogram) -> f32;

    /// The threshold where it does not depend on the map (the network's 0.5), so that a caller
    /// need not map the pair first to know it; `None` where it adapts to the scene.
    fn fixed_threshold(&self) -> Option<f32> {
        None
    }

    /// Change probability between `before` and `after`, which must share grid size and bands.
    fn probability(&self, before: &Raster, after: &Raster) -> Result<ChangeMap, DetectError> {
        let fitted = self.fit(before, after)?;
        Ok(ChangeMap {
            grid: before.grid.clone(),
            probability: fitted.window_probability(before, after)?,
            method: self.method(),
            version: self.version(),
        })
    }

    /// The method's own threshold for `map` (see [`ChangeDetector::threshold`]).
    fn default_threshold(&self, map: &ChangeMap) -> f32 {
        if let Some(threshold) = self.fixed_threshold() {
            return threshold;
        }
        let mut histogram = EvidenceHistogram::default();
        histogram.add(&map.probability);
        self.threshold(&histogram)
    }
}

/// `detector`'s own threshold for the map `probability` (a one-band source of any size, read
/// a strip at a time): its fixed threshold without reading the map where it has one, else the
/// threshold of the map's log-evidence histogram.
pub(crate) fn threshold_of_map(
    detector: &dyn ChangeDetector,
    probability: &dyn RasterSource,
) -> Result<f32, ReadError> {
    if let Some(threshold) = detector.fixed_threshold() {
        return Ok(threshold);
    }
    let mut histogram = EvidenceHistogram::default();
    for_each_strip(probability, |_, strip: &Raster| {
        histogram.add(&strip.data);
        Ok::<(), ReadError>(())
    })?;
    Ok(detector.threshold(&histogram))
}

/// The least common multiple of two window alignments.
pub(crate) fn least_common_multiple(a: usize, b: usize) -> usize {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x * b
}

/// A change detector fitted to one pair: it maps any window of that pair as the whole-image run
/// would, given [`FittedDetector::context`] pixels around it.
pub trait FittedDetector {
    /// Pixels of context needed on each side of a window (0 for per-pixel methods); a multiple
    /// of [`FittedDetector::alignment`].
    fn context(&self) -> usize;

    /// Windows must start at multiples of this many pixels (the network's strided convolutions
    /// are not shift-invariant); 1 for per-pixel methods.
    fn alignment(&self) -> usize;

    /// Change probability of every pixel of two windows of the pair (the same window of each),
    /// row-major; NaN where either has no data.
    fn window_probability(&self, before: &Raster, after: &Raster) -> Result<Vec<f32>, DetectError>;
}
