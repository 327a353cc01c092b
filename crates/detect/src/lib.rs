//! Change detection between two co-registered rasters of one grid.
#[cfg(feature = "net")]
pub mod net;
