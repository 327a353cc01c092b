//! Georeferenced rasters for sitewatch.
//!
//! The vocabulary follows rasterio: a [`Grid`] (CRS + transform + size) says where pixels are,
//! a [`Window`] says which of them to read or compute, and every raster operation states the
//! grid it works on.

pub mod colour;
pub mod coreg;
pub mod crs;
pub mod footprint;
pub mod geotiff;
pub mod grid;
pub mod raster;
pub mod scene;
pub mod site_grid;
pub mod transform;
pub mod warp;

pub use colour::ColourInterp;
pub use crs::{Crs, CrsError};
pub use geotiff::{write_geotiff, GeoTiff, WriteError, WriteErrorKind, WriteOptions};
pub use grid::{GeoTransform, Grid, Window};
pub use raster::{Raster, RasterSource, ReadError, ReadErrorKind, SampleType};
pub use scene::{OpenSceneError, SceneError, SceneLayout, ScenePart, SceneSource};
pub use site_grid::{bounds_ring, site_grid, SiteGridError};
pub use transform::CoordTransform;
pub use warp::{
    warp, AffineCorrection, NoCorrection, PixelCorrection, Resampling, SourceMapping, WarpError,
    WarpOptions, Warped, WarpedSource,
};
