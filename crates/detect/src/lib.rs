//! Change detection between two co-registered rasters of one grid.
