//! A warp computed window by window on demand, so that a whole scene can be streamed onto a
//! site grid (for instance into [`crate::write_geotiff`]) without holding it in memory.

use std::path::PathBuf;

use crate::colour::ColourInterp;
use crate::grid::{Grid, Window};
use crate::raster::{Raster, RasterSource, ReadError, ReadErrorKind, SampleType};

use super::{warp, PixelCorrection, Resampling, WarpOptions};

/// `source` as seen on `grid`: each window read is warped when it is asked for.
pub struct WarpedSource<'a> {
    source: &'a (dyn RasterSource + Sync),
    grid: Grid,
    resampling: Resampling,
    correction: &'a dyn PixelCorrection,
    nodata: Option<f64>,
}

impl<'a> WarpedSource<'a> {
    /// `source` warped onto `grid` with `resampling`, corrected by `correction` (in pixels of
    /// `grid`). Pixels with no source get the source's nodata value, or NaN when it has none
    /// and the samples are floating point, or 0.
    pub fn new(
        source: &'a (dyn RasterSource + Sync),
        grid: Grid,
        resampling: Resampling,
        correction: &'a dyn PixelCorrection,
    ) -> Self {
        let nodata = source.nodata().or(match source.sample_type() {
            SampleType::F32 | SampleType::F64 => Some(f64::NAN),
            _ => None,
        });
        WarpedSource {
            source,
            grid,
            resampling,
            correction,
            nodata,
        }
    }

    /// The same warp, with `nodata` the value that pixels with no source get and that the
    /// windows declare. NaN marks them whatever the sample type, for work in memory: an
    /// integer scene without a nodata value otherwise reads as valid zeros beyond its edge.
    pub fn with_nodata(mut self, nodata: f64) -> Self {
        self.nodata = Some(nodata);
        self
    }
}

/// A correction of the full grid applied to a window of it: the window's pixel coordinates
/// are offset into the full grid's and back.
struct WindowCorrection<'a> {
    inner: &'a dyn PixelCorrection,
    col_off: f64,
    row_off: f64,
}

impl PixelCorrection for WindowCorrection<'_> {
    fn correct(&self, col: f64, row: f64) -> (f64, f64) {
        let (c, r) = self.inner.correct(col + self.col_off, row + self.row_off);
        (c - self.col_off, r - self.row_off)
    }
}

impl RasterSource for WarpedSource<'_> {
    fn grid(&self) -> &Grid {
        &self.grid
    }

    fn band_count(&self) -> usize {
        self.source.band_count()
    }

    fn nodata(&self) -> Option<f64> {
        self.nodata
    }

    fn sample_type(&self) -> SampleType {
        self.source.sample_type()
    }

    fn colour_interp(&self) -> Vec<ColourInterp> {
        self.source.colour_interp()
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        let correction = WindowCorrection {
            inner: self.correction,
            col_off: window.col_off as f64,
            row_off: window.row_off as f64,
        };
        let options = WarpOptions {
            correction: &correction,
            dst_nodata: self.nodata,
            ..WarpOptions::default()
        };
        warp(
            self.source,
            &self.grid.window_grid(window),
            self.resampling,
            &options,
        )
        .map(|warped| warped.raster)
        .map_err(|e| ReadError {
            path: PathBuf::from(format!("warp onto {}", self.grid.crs)),
            kind: ReadErrorKind::Derived(e.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warp::{AffineCorrection, NoCorrection};
    use crate::{Crs, GeoTransform};

    #[test]
    fn windows_agree_with_the_whole_warp() {
        let src_grid = Grid::new(
            Crs::from_epsg(32615).unwrap(),
            GeoTransform::north_up(0.0, 100.0, 1.0, 1.0),
            100,
            100,
        );
        let mut source = Raster::filled(src_grid, 1, 0.0, SampleType::F32);
        for (i, v) in source.data.iter_mut().enumerate() {
            *v = ((i % 100) as f32 * 0.37).sin() * 50.0 + (i / 100) as f32;
        }
        let dst = Grid::new(
            source.grid.crs.clone(),
            GeoTransform::north_up(10.3, 90.2, 0.7, 0.7),
            80,
            80,
        );
        let shift = AffineCorrection::shift(1.25, -0.5);
        let lazy = WarpedSource::new(&source, dst.clone(), Resampling::Bilinear, &shift);
        let whole = lazy.read_window(&dst.full_window()).unwrap();
        let part = lazy.read_window(&Window::new(17, 23, 30, 20)).unwrap();
        for row in 0..20 {
            for col in 0..30 {
                // Equal but for the rounding of the window's origin.
                let (a, b) = (part.get(0, col, row), whole.get(0, col + 17, row + 23));
                assert!((a - b).abs() < 1e-4, "({col}, {row}): {a} vs {b}");
            }
        }
    }

    #[test]
    fn beyond_an_integer_scene_without_nodata_reads_as_no_data_when_asked() {
        let src_grid = Grid::new(
            Crs::from_epsg(32615).unwrap(),
            GeoTransform::north_up(0.0, 10.0, 1.0, 1.0),
            10,
            10,
        );
        let source = Raster::filled(src_grid.clone(), 1, 0.0, SampleType::U8);
        // Twice as wide: the eastern half has no source.
        let dst = Grid::new(src_grid.crs.clone(), src_grid.transform, 20, 10);
        let plain = WarpedSource::new(&source, dst.clone(), Resampling::Nearest, &NoCorrection);
        let plain = plain.read_window(&dst.full_window()).unwrap();
        assert_eq!(
            (plain.nodata, plain.get(0, 15, 5)),
            (None, 0.0),
            "as gdalwarp"
        );
        let marked = WarpedSource::new(&source, dst.clone(), Resampling::Nearest, &NoCorrection)
            .with_nodata(f64::NAN);
        let marked = marked.read_window(&dst.full_window()).unwrap();
        assert!(marked.nodata.is_some_and(f64::is_nan));
        assert_eq!(marked.get(0, 5, 5), 0.0, "a valid zero stays");
        assert!(marked.get(0, 15, 5).is_nan(), "beyond the scene: no data");
    }
}
