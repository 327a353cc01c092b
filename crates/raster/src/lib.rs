//! Georeferenced rasters for sitewatch.
//!
//! The vocabulary follows rasterio: a [`Grid`] (CRS + transform + size) says where pixels are,
//! a [`Window`] says which of them to read or compute, and every raster operation states the
//! grid it works on.

pub mod coreg;
pub mod crs;
pub mod geotiff;
pub mod grid;
pub mod raster;

pub use crs::{Crs, CrsError};
pub use geotiff::{write_geotiff, GeoTiff, WriteOptions};
pub use grid::{GeoTransform, Grid, Window};
pub use raster::{Raster, RasterSource, ReadError, ReadErrorKind, SampleType};
