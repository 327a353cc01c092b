//! Change detection on pairs of any size, a window at a time, with memory bounded by the
//! window and the change mask rather than by the images.
//!
//! [`detect_to_geotiffs`] runs four passes over the pair: the detector's fit (iMAD's sample,
//! the network's band statistics: [`ChangeDetector::fit`]); `probability.tif`, written a strip
//! of tiles at a time from windows the fitted detector maps with its context around them
//! ([`ProbabilityWindows`]); the threshold, from the log-evidence histogram of the written map
//! (a pass skipped for a method whose threshold is fixed, as the network's is); and `mask.tif`
//! (after clean-up) with the change objects, from the thresholded mask held in memory (one byte
//! per pixel: 100 MB for a 10,000 x 10,000 scene) and the region labels (four bytes per pixel). The inputs are only ever read by windows, so AFTER may be a lazy warp
//! ([`raster::WarpedSource`]) onto BEFORE's grid.

use std::path::{Path, PathBuf};

use raster::{
    write_geotiff, GeoTiff, Grid, Raster, RasterSource, ReadError, SampleType, Window, WriteOptions,
};

use crate::change_map::{
    check_pair, threshold_of_map, ChangeDetector, DetectError, FittedDetector,
};
use crate::objects::{changes_of_mask, clean, Change, CleanupRules};
use crate::strips::for_each_strip;

/// The change probability of a pair as a raster source: each window read is mapped by the
/// fitted detector from the pair's pixels in that window and its context.
pub struct ProbabilityWindows<'a> {
    fitted: &'a dyn FittedDetector,
    before: &'a dyn RasterSource,
    after: &'a dyn RasterSource,
}

impl<'a> ProbabilityWindows<'a> {
    /// The map of `before`/`after` (same grid size and bands) by `fitted`.
    pub fn new(
        fitted: &'a dyn FittedDetector,
        before: &'a dyn RasterSource,
        after: &'a dyn RasterSource,
    ) -> Result<Self, DetectError> {
        check_pair(before, after)?;
        Ok(ProbabilityWindows {
            fitted,
            before,
            after,
        })
    }
}

impl RasterSource for ProbabilityWindows<'_> {
    fn grid(&self) -> &Grid {
        self.before.grid()
    }

    fn band_count(&self) -> usize {
        1
    }

    fn nodata(&self) -> Option<f64> {
        Some(f64::NAN)
    }

    fn sample_type(&self) -> SampleType {
        SampleType::F32
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        let grid = self.grid();
        let (context, align) = (self.fitted.context(), self.fitted.alignment().max(1));
        let col0 = window.col_off.saturating_sub(context) / align * align;
        let row0 = window.row_off.saturating_sub(context) / align * align;
        let col1 = (window.col_off + window.width + context).min(grid.width);
        let row1 = (window.row_off + window.height + context).min(grid.height);
        let wider = Window::new(col0, row0, col1 - col0, row1 - row0);
        let (before, after) = (
            self.before.read_window(&wider)?,
            self.after.read_window(&wider)?,
        );
        let probability = self
            .fitted
            .window_probability(&before, &after)
            .map_err(|e| ReadError {
                path: PathBuf::from("<change map>"),
                kind: raster::ReadErrorKind::Derived(e.to_string()),
            })?;
        let mut out = Raster::filled(grid.window_grid(window), 1, 0.0, SampleType::F32);
        out.nodata = Some(f64::NAN);
        let (dc, dr) = (window.col_off - col0, window.row_off - row0);
        for r in 0..window.height {
            let src = (r + dr) * wider.width + dc;
            out.data[r * window.width..(r + 1) * window.width]
                .copy_from_slice(&probability[src..src + window.width]);
        }
        Ok(out)
    }
}

/// A change mask held in memory as a one-band 8-bit source (1 changed, 0 not).
struct MaskSource<'a> {
    grid: &'a Grid,
    mask: &'a [bool],
}

impl RasterSource for MaskSource<'_> {
    fn grid(&self) -> &Grid {
        self.grid
    }

    fn band_count(&self) -> usize {
        1
    }

    fn nodata(&self) -> Option<f64> {
        None
    }

    fn sample_type(&self) -> SampleType {
        SampleType::U8
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        let mut out = Raster::filled(self.grid.window_grid(window), 1, 0.0, SampleType::U8);
        for r in 0..window.height {
            let start = (window.row_off + r) * self.grid.width + window.col_off;
            for (v, &m) in out.data[r * window.width..(r + 1) * window.width]
                .iter_mut()
                .zip(&self.mask[start..start + window.width])
            {
                *v = f32::from(u8::from(m));
            }
        }
        Ok(out)
    }
}

/// What [`detect_to_geotiffs`] wrote and found.
#[derive(Debug, Clone)]
pub struct WindowedDetection {
    /// The method, e.g. `imad`.
    pub method: String,
    /// The method's version (and model version for the network).
    pub version: String,
    /// The threshold used (the method's own, from the whole map).
    pub threshold: f32,
    /// The change objects after clean-up.
    pub changes: Vec<Change>,
    /// `probability.tif` (float, NaN where either date has no data) and `mask.tif` (8-bit,
    /// 1 on the pixels of the change objects: the threshold's mask after clean-up, the mask
    /// that `evaluate` scores).
    pub outputs: Vec<PathBuf>,
}

/// Maps the change between `before` and `after` (same grid size and bands; BEFORE's grid is
/// the maps' grid) with `detector` into `dir/probability.tif` and `dir/mask.tif`, and extracts
/// the change objects cleaned by `rules`, reading the inputs only by windows (see the module
/// documentation for the passes and what is held in memory).
pub fn detect_to_geotiffs(
    detector: &dyn ChangeDetector,
    before: &dyn RasterSource,
    after: &dyn RasterSource,
    dir: &Path,
    rules: &CleanupRules,
) -> Result<WindowedDetection, DetectError> {
    let fitted = detector.fit(before, after)?;
    let grid = before.grid().clone();
    let probability_path = dir.join("probability.tif");
    let options = WriteOptions {
        // Taller strips waste less of the network's context on overlap.
        tile_size: 512,
        ..WriteOptions::default()
    };
    write_geotiff(
        &probability_path,
        &ProbabilityWindows::new(fitted.as_ref(), before, after)?,
        &options,
    )?;
    drop(fitted);

    let probability = GeoTiff::open(&probability_path)?;
    let threshold = threshold_of_map(detector, &probability)?;
    let mut mask = Vec::with_capacity(grid.width * grid.height);
    for_each_strip(&probability, |_, strip: &Raster| {
        mask.extend(strip.data.iter().map(|&p| p >= threshold));
        Ok::<(), ReadError>(())
    })?;
    let cleaned = clean(mask, &grid, rules)?;
    let mask_path = dir.join("mask.tif");
    write_geotiff(
        &mask_path,
        &MaskSource {
            grid: &grid,
            mask: &cleaned,
        },
        &options,
    )?;
    let changes = changes_of_mask(&cleaned, &grid, &probability, before, after)?;
    Ok(WindowedDetection {
        method: detector.method(),
        version: detector.version(),
        threshold,
        changes,
        outputs: vec![probability_path, mask_path],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imad::Imad;
    use crate::image_file::read_image;
    use crate::net::{shipped_weights, NetDetector};
    use crate::test_scenes::painted_square_pair;

    /// Reads `source` in windows of `side` x `side` pixels into one row-major plane.
    fn read_in_windows(source: &dyn RasterSource, side: usize) -> Vec<f32> {
        let (w, h) = (source.grid().width, source.grid().height);
        let mut out = vec![f32::NAN; w * h];
        for row in (0..h).step_by(side) {
            for col in (0..w).step_by(side) {
                let window = Window::new(col, row, side.min(w - col), side.min(h - row));
                let part = source.read_window(&window).unwrap();
                for r in 0..window.height {
                    let dst = (row + r) * w + col;
                    out[dst..dst + window.width]
                        .copy_from_slice(&part.data[r * window.width..(r + 1) * window.width]);
                }
            }
        }
        out
    }

    #[test]
    fn imad_by_windows_is_imad_whole() {
        let (before, after) = painted_square_pair(4);
        let imad = Imad::default();
        let whole = imad.probability(&before, &after).unwrap();
        let fitted = imad.fit(&before, &after).unwrap();
        let windows = ProbabilityWindows::new(fitted.as_ref(), &before, &after).unwrap();
        let parts = read_in_windows(&windows, 37);
        assert_eq!(parts, whole.probability);
    }

    /// Windows with the network's reach around them as context give what the whole-image run
    /// gives, to float rounding. (With 64 px of context, shorter than the reach of 73 px, they
    /// were up to 0.08 apart.)
    #[test]
    fn net_by_windows_is_net_whole_within_tolerance() {
        let set = testkit::shared_data().join("changepairs/airchange-szada");
        let before = read_image(&set.join("A/szada_1.png")).unwrap();
        let after = read_image(&set.join("B/szada_1.png")).unwrap();
        let net = NetDetector::load(&shipped_weights()).unwrap();
        let whole = net.probability(&before, &after).unwrap().probability;
        let fitted = net.fit(&before, &after).unwrap();
        let windows = ProbabilityWindows::new(fitted.as_ref(), &before, &after).unwrap();
        let parts = read_in_windows(&windows, 200);
        let differences: Vec<f32> = parts
            .iter()
            .zip(&whole)
            .map(|(a, b)| (a - b).abs())
            .collect();
        let worst = differences.iter().copied().fold(0f32, f32::max);
        let mean = differences.iter().sum::<f32>() / differences.len() as f32;
        println!("windows differ from the whole run by {mean} on average, {worst} at most");
        assert!(worst < 1e-5, "{mean} on average, {worst} at most");
    }

    #[test]
    fn geotiffs_and_changes_match_the_in_memory_path() {
        let (before, mut after) = painted_square_pair(3);
        // Lone changed pixels: above the threshold, below the objects' minimum area.
        let plane = after.grid.width * after.grid.height;
        for pixel in [5 * 128 + 5, 80 * 128 + 100, 90 * 128 + 20] {
            for band in 0..3 {
                after.data[band * plane + pixel] = 0.0;
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let imad = Imad::default();
        let rules = CleanupRules::default();
        let found = detect_to_geotiffs(&imad, &before, &after, dir.path(), &rules).unwrap();
        let map = imad.probability(&before, &after).unwrap();
        let threshold = imad.default_threshold(&map);
        assert_eq!(found.threshold, threshold);
        let expected =
            crate::objects::extract_changes(&map, &before, &after, threshold, &rules).unwrap();
        assert_eq!(found.changes, expected);
        let written = GeoTiff::open(&found.outputs[0]).unwrap();
        let written = written.read_window(&written.grid().full_window()).unwrap();
        assert_eq!(written.grid, before.grid);
        assert_eq!(written.data, map.probability);
        let mask = GeoTiff::open(&found.outputs[1]).unwrap();
        let mask = mask.read_window(&mask.grid().full_window()).unwrap();
        let flagged: Vec<bool> = mask.data.iter().map(|&m| m == 1.0).collect();
        // The mask is the objects' pixels, what `evaluate` scores: clean-up drops the
        // speckle that the bare threshold flags.
        let cleaned = crate::objects::clean_mask(&map, threshold, &rules).unwrap();
        assert_ne!(
            cleaned,
            map.mask(threshold),
            "the pair has speckle to clean"
        );
        assert_eq!(flagged, cleaned);
    }
}
