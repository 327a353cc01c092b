//! Change detection between two co-registered rasters of one grid.
//!
//! A [`ChangeDetector`] (iMAD, or the learned [`net`]) makes a [`ChangeMap`] of
//! per-pixel change probability and recommends a threshold; [`extract_changes`] turns the map
//! into [`Change`] objects with exact pixel-edge outlines ([`polygonize()`]); [`evaluate`]
//! measures a detector against labelled pairs.
//!
//! ```
//! use detect::{extract_changes, ChangeDetector, CleanupRules, Direction, Imad};
//! use raster::{Crs, GeoTransform, Grid, Raster, SampleType};
//!
//! // Two 3-band 8-bit scenes on a 1 m UTM grid; the after scene is brighter (gain and offset)
//! // and has a new 12 x 10 m bright roof.
//! let grid = Grid::new(Crs::from_epsg(32615)?, GeoTransform::north_up(0.0, 64.0, 1.0, 1.0), 64, 64);
//! let mut before = Raster::filled(grid, 3, 0.0, SampleType::U8);
//! for (i, v) in before.data.iter_mut().enumerate() {
//!     *v = 90.0 + ((i * 7919) % 13) as f32 + ((i / 64) % 9) as f32;
//! }
//! let mut after = before.clone();
//! for (i, v) in after.data.iter_mut().enumerate() {
//!     let (col, row) = (i % 64, (i / 64) % 64);
//!     *v = if (20..32).contains(&col) && (30..40).contains(&row) { 240.0 } else { (*v * 1.2 + 3.0).round() };
//! }
//!
//! let imad = Imad::default();
//! let map = imad.probability(&before, &after)?;
//! let threshold = imad.default_threshold(&map);
//! let changes = extract_changes(&map, &before, &after, threshold, &CleanupRules::default())?;
//! assert_eq!(changes.len(), 1);
//! assert_eq!(changes[0].area_m2, Some(120.0));
//! assert_eq!(changes[0].direction, Direction::Appeared);
//! // The outline in map coordinates: the roof's corners.
//! let outline = changes[0].polygon.transformed(&map.grid.transform);
//! assert!(outline.exterior.contains(&(20.0, 34.0)) && outline.exterior.contains(&(32.0, 24.0)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod bands;
pub mod change_map;
pub mod chi_square;
pub mod components;
pub mod eval;
pub mod imad;
pub mod image_file;
mod linalg;
pub mod morphology;
pub mod net;
pub mod objects;
pub mod oscd;
pub mod polygonize;
mod strips;
pub mod threshold;
pub mod union;
pub mod windowed;

#[cfg(test)]
mod test_scenes;

pub use bands::{bands_of, true_colour_for, BandError, SelectedBands, SelectedPairBands};
pub use change_map::{check_pair, ChangeDetector, ChangeMap, DetectError, FittedDetector};
pub use chi_square::{chi_square_cdf, chi_square_sf};
pub use components::Components;
pub use eval::{
    evaluate, evaluate_with_progress, Confusion, EvalError, EvalReport, ImagePairFolder,
    LabelledPair, PairSource,
};
pub use imad::{Imad, ImadOutcome};
pub use image_file::{read_image, read_label, ImageError, ImageFormat};
pub use objects::{
    changes_of_mask, clean, clean_mask, extract_changes, pixel_area_m2, Change, CleanupRules,
    Direction, MinArea,
};
pub use oscd::{OscdFolder, OSCD_BANDS};
pub use polygonize::{polygonize, Polygon};
pub use threshold::{otsu_log_evidence, EvidenceHistogram};
pub use union::Union;
pub use windowed::{detect_to_geotiffs, ProbabilityWindows, WindowedDetection};
