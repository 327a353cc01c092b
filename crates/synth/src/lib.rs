//! Synthetic site time series with known truth.
//!
//! A [`Scenario`] is a made-up site: buildings with a state on each date (appearing,
//! enlarged, re-roofed, demolished), roads and vegetation, imaged by acquisitions that differ in
//! illumination, haze, season, sensor and georeferencing error. [`render()`] turns one acquisition
//! into a georeferenced raster; [`Truth`] says what a perfect analysis would report;
//! [`write_footprints`] writes the first date's buildings as an analyst would import them
//! (OpenStreetMap-like, traced with a metre of error).
//!
//! ```
//! let site = synth::plant_complex(7);
//! let truth = synth::Truth::of(&site);
//! assert!(truth.events.iter().any(|e| e.building == "hall-new"));
//! ```

pub mod files;
pub mod footprints;
pub mod noise;
pub mod plant;
pub mod render;
pub mod rng;
pub mod scenario;
pub mod truth;

pub use files::{aoi_lonlat, write_acquisition, write_metadata, AcquisitionFile, SynthError};
pub use footprints::{traced_footprints, write_footprints, TracedFootprint, TRACING_ERROR_M};
pub use plant::plant_complex;
pub use render::{declared_grid, render, true_grid};
pub use scenario::{Acquisition, BuildingUse, Footprint, Rect, Scenario, SynthBuilding};
pub use truth::{events, ChangeKind, Truth, TruthEvent};
