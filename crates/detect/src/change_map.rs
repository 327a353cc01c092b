//! The change map and the capability of making one: [`ChangeDetector`] is what iMAD and the
//! learned network have in common, so that thresholds, objects and evaluation work with either.

use raster::{Grid, Raster};

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
}

/// A change detection method: from two co-registered rasters of one grid to a change map, and
/// the threshold the method itself recommends for that map.
pub trait ChangeDetector {
    /// Change probability between `before` and `after`, which must share grid size and bands.
    fn probability(&self, before: &Raster, after: &Raster) -> Result<ChangeMap, DetectError>;

    /// The method's own threshold for `map` (a pixel changed when its probability is at least
    /// this). It may adapt to the scene, but never uses labels.
    fn default_threshold(&self, map: &ChangeMap) -> f32;
}
