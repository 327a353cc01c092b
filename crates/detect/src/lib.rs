//! Change detection between two co-registered rasters of one grid.
//!
//! A [`ChangeDetector`] (iMAD here; the learned network later) makes a [`ChangeMap`] of
//! per-pixel change probability and recommends a threshold; [`extract_changes`] turns the map
//! into [`Change`] objects with exact pixel-edge outlines ([`polygonize`]); [`evaluate`]
//! measures a detector against labelled pairs.

pub mod change_map;
pub mod chi_square;
pub mod components;
pub mod eval;
pub mod imad;
mod linalg;
pub mod morphology;
pub mod objects;
pub mod oscd;
pub mod png_image;
pub mod polygonize;
pub mod threshold;

#[cfg(test)]
mod test_scenes;

pub use change_map::{ChangeDetector, ChangeMap, DetectError};
pub use chi_square::{chi_square_cdf, chi_square_sf};
pub use components::Components;
pub use eval::{
    evaluate, Confusion, EvalError, EvalReport, LabelledPair, PairSource, PngPairFolder,
};
pub use imad::{Imad, ImadOutcome};
pub use objects::{
    clean_mask, extract_changes, pixel_area_m2, Change, CleanupRules, Direction, MinArea,
};
pub use oscd::{OscdFolder, OSCD_BANDS};
pub use png_image::{pixel_grid, read_png, read_png_label, PngError};
pub use polygonize::{polygonize, Polygon};
pub use threshold::otsu_log_evidence;
