//! Pixels in memory: a [`Raster`] is the bands of a window of a grid, and a [`RasterSource`]
//! is anything a window of pixels can be read from (a GeoTIFF, a scene of several files, an
//! in-memory raster).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::colour::ColourInterp;
use crate::grid::{Grid, Window};

/// The numeric type of the samples as stored in the source file. Pixels in memory are always
/// `f32`, which holds every 8- and 16-bit integer value exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleType {
    U8,
    U16,
    I16,
    U32,
    I32,
    F32,
    F64,
}

/// A georeferenced multi-band raster held in memory, band-sequential: band `b` is
/// `data[b * width * height .. (b + 1) * width * height]`, rows top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    pub grid: Grid,
    pub band_count: usize,
    pub data: Vec<f32>,
    /// The value that marks pixels with no data, if the source declares one.
    pub nodata: Option<f64>,
    pub sample_type: SampleType,
}

impl Raster {
    /// A raster of `band_count` bands on `grid`, every sample set to `fill`.
    pub fn filled(grid: Grid, band_count: usize, fill: f32, sample_type: SampleType) -> Self {
        let data = vec![fill; grid.width * grid.height * band_count];
        Raster {
            grid,
            band_count,
            data,
            nodata: None,
            sample_type,
        }
    }

    /// The samples of one band, row-major.
    pub fn band(&self, band: usize) -> &[f32] {
        let n = self.grid.width * self.grid.height;
        &self.data[band * n..(band + 1) * n]
    }

    /// The samples of one band, row-major, for writing.
    pub fn band_mut(&mut self, band: usize) -> &mut [f32] {
        let n = self.grid.width * self.grid.height;
        &mut self.data[band * n..(band + 1) * n]
    }

    /// The sample of `band` at pixel `(col, row)`.
    pub fn get(&self, band: usize, col: usize, row: usize) -> f32 {
        self.band(band)[row * self.grid.width + col]
    }

    /// True when `value` is this raster's nodata value (NaN matches a NaN nodata).
    pub fn is_nodata(&self, value: f32) -> bool {
        match self.nodata {
            Some(nd) if nd.is_nan() => value.is_nan(),
            Some(nd) => value as f64 == nd,
            None => false,
        }
    }
}

/// Why pixels could not be read from a file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    pub kind: ReadErrorKind,
}

/// What went wrong while reading a raster file.
#[derive(Debug, thiserror::Error)]
pub enum ReadErrorKind {
    #[error("cannot open the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a readable TIFF (truncated or corrupt?): {0}")]
    Corrupt(String),
    #[error("unsupported TIFF layout: {0}")]
    Unsupported(String),
    #[error("no georeferencing: {0}")]
    NoGeoreferencing(String),
    #[error("unknown CRS: {0}")]
    UnknownCrs(String),
    #[error("the CRS is missing: {0}")]
    NoCrs(String),
    #[error(
        "the file is {file_width}x{file_height} pixels but the grid given for it is \
         {grid_width}x{grid_height}"
    )]
    GridMismatch {
        file_width: usize,
        file_height: usize,
        grid_width: usize,
        grid_height: usize,
    },
    #[error("cannot compute the pixels: {0}")]
    Derived(String),
    #[error("window {window:?} lies outside the {width}x{height} raster")]
    WindowOutOfBounds {
        window: Window,
        width: usize,
        height: usize,
    },
}

impl ReadErrorKind {
    /// `Ok` when `window` lies inside a `width` x `height` source, else the error every
    /// reader gives for it.
    pub fn check_window(window: &Window, width: usize, height: usize) -> Result<(), Self> {
        if window.col_off + window.width > width || window.row_off + window.height > height {
            return Err(ReadErrorKind::WindowOutOfBounds {
                window: *window,
                width,
                height,
            });
        }
        Ok(())
    }
}

/// Anything a window of pixels can be read from. Reading a window reads only the parts of the
/// source that cover it, so memory follows the window, not the source.
pub trait RasterSource {
    /// The grid of the whole source.
    fn grid(&self) -> &Grid;
    /// How many bands each pixel has.
    fn band_count(&self) -> usize;
    /// The nodata value the source declares, if any.
    fn nodata(&self) -> Option<f64>;
    /// The stored sample type.
    fn sample_type(&self) -> SampleType;
    /// The pixels of `window` (which must lie inside the grid), all bands.
    fn read_window(&self, window: &Window) -> Result<Raster, ReadError>;
    /// The whole source, when it already is a raster in memory: a pass over it can then read
    /// it in place rather than copy it out window by window.
    fn in_memory(&self) -> Option<&Raster> {
        None
    }
    /// What each band shows, where the source declares it (nothing declared by default).
    fn colour_interp(&self) -> Vec<ColourInterp> {
        vec![ColourInterp::Undefined; self.band_count()]
    }
}

impl RasterSource for Raster {
    fn grid(&self) -> &Grid {
        &self.grid
    }

    fn band_count(&self) -> usize {
        self.band_count
    }

    fn nodata(&self) -> Option<f64> {
        self.nodata
    }

    fn sample_type(&self) -> SampleType {
        self.sample_type
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        let (w, h) = (self.grid.width, self.grid.height);
        ReadErrorKind::check_window(window, w, h).map_err(|kind| ReadError {
            path: PathBuf::from("<memory>"),
            kind,
        })?;
        let mut data = Vec::with_capacity(window.len() * self.band_count);
        for b in 0..self.band_count {
            let band = self.band(b);
            for row in window.row_off..window.row_off + window.height {
                let start = row * w + window.col_off;
                data.extend_from_slice(&band[start..start + window.width]);
            }
        }
        Ok(Raster {
            grid: self.grid.window_grid(window),
            band_count: self.band_count,
            data,
            nodata: self.nodata,
            sample_type: self.sample_type,
        })
    }

    fn in_memory(&self) -> Option<&Raster> {
        Some(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Crs, GeoTransform};

    #[test]
    fn in_memory_window_read() {
        let grid = Grid::new(
            Crs::from_epsg(32615).unwrap(),
            GeoTransform::north_up(0.0, 100.0, 1.0, 1.0),
            4,
            3,
        );
        let mut r = Raster::filled(grid, 2, 0.0, SampleType::F32);
        for (i, v) in r.data.iter_mut().enumerate() {
            *v = i as f32;
        }
        let w = r.read_window(&Window::new(1, 1, 2, 2)).unwrap();
        assert_eq!(w.data, vec![5.0, 6.0, 9.0, 10.0, 17.0, 18.0, 21.0, 22.0]);
        assert_eq!(w.grid.transform.0[0], 1.0);
        assert!(r.read_window(&Window::new(3, 0, 2, 1)).is_err());
    }
}
