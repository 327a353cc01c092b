//! Warping: resampling a source onto another grid (another CRS, pixel size or origin), the
//! way `gdalwarp -et 0` does it, so that GDAL can referee the result.
//!
//! For every destination pixel the centre `(col + 0.5, row + 0.5)` (after an optional
//! [`PixelCorrection`]) is mapped exactly to source pixel coordinates `(u, v)`; nearest takes
//! the pixel holding `(u, v)`, bilinear and cubic interpolate around `(u - 0.5, v - 0.5)`,
//! and when downsampling by 2:1 or more their kernels are widened as GDAL widens them.
//! Source nodata pixels never contribute (each band on its own, as GDAL with
//! `UNIFIED_SRC_NODATA=NO`); destination pixels with no source get the nodata value (or 0)
//! and are reported in [`Warped::covered`].
//!
//! The choice between the 2 x 2 / 4 x 4 formulas and widened kernels follows current GDAL
//! (formulas down to a scale of 0.5). GDAL 3.6 already widens below 0.95, so for a mild
//! reduction it blurs slightly more than sitewatch; `gdalwarp -wo XSCALE=1 -wo YSCALE=1` makes
//! it run the same formulas, and then the two agree to the grey level.
//!
//! The destination is processed in blocks, in parallel; each block reads only the source
//! window it needs, so memory follows the window, not the scene.

mod bilinear;
mod cubic;
#[cfg(test)]
mod gdal_referee;
mod kernel;
mod lazy;
mod mapping;
mod nearest;

use rayon::prelude::*;

use crate::crs::CrsError;
use crate::grid::{Grid, Window};
use crate::raster::{Raster, RasterSource, ReadError, SampleType};

pub use lazy::WarpedSource;
pub use mapping::SourceMapping;

use kernel::{Filter, ScaledKernel};

/// How destination samples are computed from source pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resampling {
    /// The source pixel under the destination pixel centre (GDAL `near`).
    Nearest,
    /// Bilinear interpolation of the 2 x 2 pixels around it (GDAL `bilinear`).
    Bilinear,
    /// Cubic convolution, Keys a = -0.5, of the 4 x 4 pixels around it (GDAL `cubic`).
    Cubic,
}

/// A correction in destination pixel space applied in the same resampling as the warp, so a
/// co-registered scene is resampled once, not twice.
///
/// `correct` receives the destination pixel-space point being computed (pixel centres are at
/// `.5`) and returns the destination pixel-space point whose ground position should be
/// sampled instead: for a scene found to sit `(dx, dy)` destination pixels off the reference,
/// `(col + dx, row + dy)`.
pub trait PixelCorrection: Sync {
    /// The corrected destination pixel-space point for `(col, row)`.
    fn correct(&self, col: f64, row: f64) -> (f64, f64);
}

/// Any function of `(col, row)` is a correction, e.g. a displacement field interpolated at
/// the point.
impl<F: Fn(f64, f64) -> (f64, f64) + Sync> PixelCorrection for F {
    fn correct(&self, col: f64, row: f64) -> (f64, f64) {
        self(col, row)
    }
}

/// No correction: every point samples its own ground position.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCorrection;

impl PixelCorrection for NoCorrection {
    fn correct(&self, col: f64, row: f64) -> (f64, f64) {
        (col, row)
    }
}

/// An affine correction in destination pixels, in GDAL geotransform order:
/// `col' = a[0] + col * a[1] + row * a[2]`, `row' = a[3] + col * a[4] + row * a[5]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AffineCorrection(pub [f64; 6]);

impl AffineCorrection {
    /// A pure shift by `(dx, dy)` destination pixels.
    pub fn shift(dx: f64, dy: f64) -> Self {
        AffineCorrection([dx, 1.0, 0.0, dy, 0.0, 1.0])
    }
}

impl PixelCorrection for AffineCorrection {
    fn correct(&self, col: f64, row: f64) -> (f64, f64) {
        let a = &self.0;
        (
            a[0] + col * a[1] + row * a[2],
            a[3] + col * a[4] + row * a[5],
        )
    }
}

/// Settings of a warp besides the destination grid and the resampling method.
#[derive(Clone, Copy)]
pub struct WarpOptions<'a> {
    /// The correction applied in destination pixel space (none by default).
    pub correction: &'a dyn PixelCorrection,
    /// The nodata value of the output; by default the source's. Destination pixels with no
    /// source get it (or 0 when neither declares one).
    pub dst_nodata: Option<f64>,
    /// The side of the square destination blocks computed in parallel, in pixels.
    pub block_size: usize,
}

impl Default for WarpOptions<'_> {
    fn default() -> Self {
        WarpOptions {
            correction: &NoCorrection,
            dst_nodata: None,
            block_size: 256,
        }
    }
}

/// The result of a warp: the raster on the destination grid, and which of its pixels had a
/// source.
#[derive(Debug, Clone)]
pub struct Warped {
    /// The warped pixels, with the source's bands and sample type.
    pub raster: Raster,
    /// Row-major over the destination grid: true where at least one band got a value from
    /// the source, false where every band holds the fill (nodata) value.
    pub covered: Vec<bool>,
}

impl Warped {
    /// How many destination pixels had no source.
    pub fn uncovered_count(&self) -> usize {
        self.covered.iter().filter(|&&c| !c).count()
    }
}

/// Why a warp failed.
#[derive(Debug, thiserror::Error)]
pub enum WarpError {
    #[error("cannot transform between the source and destination CRSs: {0}")]
    Crs(#[from] CrsError),
    #[error("the source grid's geotransform cannot be inverted")]
    SingularTransform,
    #[error("reading the source failed: {0}")]
    Read(#[from] ReadError),
    #[error("the block size must be at least 1 pixel")]
    ZeroBlockSize,
}

/// One band of a source window, for the resampling kernels: pixel `(x, y)` is a sample
/// unless it lies outside the window or is nodata.
pub(crate) struct BandView<'a> {
    data: &'a [f32],
    width: usize,
    height: usize,
    nodata: Option<f64>,
}

impl<'a> BandView<'a> {
    fn new(data: &'a [f32], width: usize, height: usize, nodata: Option<f64>) -> Self {
        BandView {
            data,
            width,
            height,
            nodata,
        }
    }

    /// The sample at `(x, y)`, or `None` outside the window or at nodata.
    #[inline]
    fn get(&self, x: i64, y: i64) -> Option<f64> {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return None;
        }
        let value = self.data[y as usize * self.width + x as usize];
        match self.nodata {
            Some(nd) if nd.is_nan() && value.is_nan() => None,
            Some(nd) if f64::from(value) == nd => None,
            _ => Some(f64::from(value)),
        }
    }
}

/// The kernel a warp runs, chosen from the resampling method and the scale.
#[derive(Debug, Clone, Copy)]
enum Method {
    Nearest,
    Bilinear,
    Cubic,
    Scaled(ScaledKernel),
}

impl Method {
    /// GDAL uses the 2 x 2 and 4 x 4 formulas unless downsampling by 2:1 or more along an
    /// axis, where it widens the kernel instead.
    fn choose(resampling: Resampling, scale: (f64, f64)) -> Method {
        let four_samples = scale.0 > 0.5 && scale.1 > 0.5;
        match resampling {
            Resampling::Nearest => Method::Nearest,
            Resampling::Bilinear if four_samples => Method::Bilinear,
            Resampling::Cubic if four_samples => Method::Cubic,
            Resampling::Bilinear => {
                Method::Scaled(ScaledKernel::new(Filter::Triangle, scale.0, scale.1))
            }
            Resampling::Cubic => Method::Scaled(ScaledKernel::new(Filter::Cubic, scale.0, scale.1)),
        }
    }

    /// How many source pixels around the sample point the method reads.
    fn reach(&self) -> usize {
        match self {
            Method::Nearest => 0,
            Method::Bilinear => 1,
            Method::Cubic => 2,
            Method::Scaled(k) => k.reach(),
        }
    }
}

/// Converts a computed value to what a sample of `sample_type` holds: integers are clamped
/// to their range and rounded half up, as GDAL stores bilinear and cubic results.
fn to_sample(value: f64, sample_type: SampleType) -> f32 {
    let clamp_round = |lo: f64, hi: f64| (value.clamp(lo, hi) + 0.5).floor() as f32;
    match sample_type {
        SampleType::U8 => clamp_round(0.0, 255.0),
        SampleType::U16 => clamp_round(0.0, 65535.0),
        SampleType::I16 => clamp_round(-32768.0, 32767.0),
        SampleType::U32 => clamp_round(0.0, u32::MAX as f64),
        SampleType::I32 => clamp_round(i32::MIN as f64, i32::MAX as f64),
        SampleType::F32 | SampleType::F64 => value as f32,
    }
}

/// A valid value that happens to equal the nodata value is moved off it (integers by one
/// step, floats by one ulp), as GDAL does, so that it is not taken for a hole.
fn avoid_nodata(value: f32, nodata: Option<f64>, sample_type: SampleType) -> f32 {
    let Some(nd) = nodata else { return value };
    if f64::from(value) != nd {
        return value;
    }
    match sample_type {
        SampleType::F32 | SampleType::F64 => {
            // One ulp towards +MAX (towards 0 from MAX itself).
            if value == f32::MAX {
                f32::from_bits(value.to_bits() - 1)
            } else if value == 0.0 {
                f32::from_bits(1)
            } else if value > 0.0 {
                f32::from_bits(value.to_bits() + 1)
            } else {
                // A negative float moves towards +MAX by losing magnitude.
                f32::from_bits(value.to_bits() - 1)
            }
        }
        _ => {
            let lowest = match sample_type {
                SampleType::I16 => -32768.0,
                SampleType::I32 => i32::MIN as f32,
                _ => 0.0,
            };
            if value == lowest {
                value + 1.0
            } else {
                value - 1.0
            }
        }
    }
}

/// The pixels of one destination block, band-sequential, and which had a source.
struct Block {
    window: Window,
    data: Vec<f32>,
    covered: Vec<bool>,
}

/// Everything a block needs to know about the warp.
struct Job<'a> {
    source: &'a (dyn RasterSource + Sync),
    mapping: SourceMapping,
    correction: &'a dyn PixelCorrection,
    method: Method,
    fill: f32,
    dst_nodata: Option<f64>,
}

/// Warps `source` onto the grid `dst` with `resampling`; see the module documentation.
///
/// ```
/// use raster::{warp, Crs, GeoTransform, Grid, Raster, Resampling, SampleType, WarpOptions};
///
/// // A 1 m source in UTM 15N, resampled to 2 m and shifted by half a source pixel.
/// let utm = Crs::from_epsg(32615)?;
/// let src_grid = Grid::new(utm.clone(), GeoTransform::north_up(0.0, 100.0, 1.0, 1.0), 100, 100);
/// let source = Raster::filled(src_grid, 1, 42.0, SampleType::U8);
/// let site = Grid::new(utm, GeoTransform::north_up(0.5, 99.5, 2.0, 2.0), 50, 50);
/// let warped = warp(&source, &site, Resampling::Bilinear, &WarpOptions::default())?;
/// assert_eq!(warped.raster.get(0, 10, 10), 42.0);
/// // Every destination pixel centre falls on the source.
/// assert_eq!(warped.uncovered_count(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn warp(
    source: &(dyn RasterSource + Sync),
    dst: &Grid,
    resampling: Resampling,
    options: &WarpOptions,
) -> Result<Warped, WarpError> {
    if options.block_size == 0 {
        return Err(WarpError::ZeroBlockSize);
    }
    let mapping = SourceMapping::new(source.grid(), dst)?;
    let scale = mapping::resampling_scale(&mapping, options.correction, dst.width, dst.height);
    let dst_nodata = options.dst_nodata.or(source.nodata());
    let job = Job {
        source,
        mapping,
        correction: options.correction,
        method: Method::choose(resampling, scale),
        fill: dst_nodata.unwrap_or(0.0) as f32,
        dst_nodata,
    };

    // When downsampling, a destination block covers (1 / scale)^2 times its area of source:
    // shrink blocks so that the source window each one reads stays about block_size^2.
    let shrink = scale.0.min(scale.1).min(1.0);
    let bs = ((options.block_size as f64 * shrink) as usize)
        .clamp(16.min(options.block_size), options.block_size);
    let windows: Vec<Window> = (0..dst.height)
        .step_by(bs)
        .flat_map(|r| {
            (0..dst.width)
                .step_by(bs)
                .map(move |c| Window::new(c, r, bs.min(dst.width - c), bs.min(dst.height - r)))
        })
        .collect();
    let bands = source.band_count();
    let mut raster = Raster::filled(dst.clone(), bands, job.fill, source.sample_type());
    raster.nodata = dst_nodata;
    let mut covered = vec![false; dst.width * dst.height];
    // A few blocks per thread at a time, so that finished blocks waiting to be copied into
    // the output stay a small fraction of it.
    for batch in windows.chunks(4 * rayon::current_num_threads()) {
        let blocks: Vec<Block> = batch
            .par_iter()
            .map(|w| job.block(w))
            .collect::<Result<_, _>>()?;
        for block in blocks {
            let w = block.window;
            for b in 0..bands {
                let src = &block.data[b * w.len()..(b + 1) * w.len()];
                let out = raster.band_mut(b);
                for r in 0..w.height {
                    let d0 = (w.row_off + r) * dst.width + w.col_off;
                    out[d0..d0 + w.width].copy_from_slice(&src[r * w.width..(r + 1) * w.width]);
                }
            }
            for r in 0..w.height {
                let d0 = (w.row_off + r) * dst.width + w.col_off;
                covered[d0..d0 + w.width]
                    .copy_from_slice(&block.covered[r * w.width..(r + 1) * w.width]);
            }
        }
    }
    Ok(Warped { raster, covered })
}

impl Job<'_> {
    /// Computes one destination block: maps its pixel centres to the source, reads the source
    /// window they need (plus the kernel's reach, clipped to the source), and resamples.
    fn block(&self, w: &Window) -> Result<Block, WarpError> {
        let src_grid = self.source.grid();
        let (sw, sh) = (src_grid.width, src_grid.height);
        let bands = self.source.band_count();
        let mut data = vec![self.fill; w.len() * bands];
        let mut covered = vec![false; w.len()];

        // Source pixel coordinates of each destination centre, kept only where they fall on
        // the source (GDAL's GWKCheckAndComputeSrcOffsets test).
        let points: Vec<Option<(f64, f64)>> = (0..w.height)
            .flat_map(|r| (0..w.width).map(move |c| (c, r)))
            .map(|(c, r)| {
                let (pc, pr) = self
                    .correction
                    .correct((w.col_off + c) as f64 + 0.5, (w.row_off + r) as f64 + 0.5);
                self.mapping.source_pixel(pc, pr).filter(|&(u, v)| {
                    u >= 0.0 && v >= 0.0 && u + 1e-10 <= sw as f64 && v + 1e-10 <= sh as f64
                })
            })
            .collect();

        let mut extent: Option<(usize, usize, usize, usize)> = None;
        for &(u, v) in points.iter().flatten() {
            let (x, y) = (nearest::nearest_index(u, sw), nearest::nearest_index(v, sh));
            extent = Some(match extent {
                None => (x, y, x, y),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
            });
        }
        let Some((x0, y0, x1, y1)) = extent else {
            return Ok(Block {
                window: *w,
                data,
                covered,
            });
        };
        let pad = self.method.reach() + 1;
        let (c0, r0) = (x0.saturating_sub(pad), y0.saturating_sub(pad));
        let read = Window::new(
            c0,
            r0,
            (x1 + pad + 1).min(sw) - c0,
            (y1 + pad + 1).min(sh) - r0,
        );
        let pixels = self.source.read_window(&read)?;
        let src_nodata = self.source.nodata();
        let sample_type = self.source.sample_type();
        // GDAL samples a one-pixel-wide source by nearest neighbour whatever the method.
        let method = if read.width == 1 || read.height == 1 {
            Method::Nearest
        } else {
            self.method
        };

        for b in 0..bands {
            let band = BandView::new(pixels.band(b), read.width, read.height, src_nodata);
            let out = &mut data[b * w.len()..(b + 1) * w.len()];
            for (i, point) in points.iter().enumerate() {
                let Some((u, v)) = *point else { continue };
                let value = match method {
                    Method::Nearest => nearest::nearest(
                        &band,
                        nearest::nearest_index(u, sw) - read.col_off,
                        nearest::nearest_index(v, sh) - read.row_off,
                    ),
                    Method::Bilinear => {
                        bilinear::bilinear(&band, u - read.col_off as f64, v - read.row_off as f64)
                    }
                    Method::Cubic => {
                        cubic::cubic(&band, u - read.col_off as f64, v - read.row_off as f64)
                    }
                    Method::Scaled(k) => {
                        k.sample(&band, u - read.col_off as f64, v - read.row_off as f64)
                    }
                };
                if let Some(value) = value {
                    let stored = match method {
                        // Nearest copies the sample as it is.
                        Method::Nearest => value as f32,
                        _ => to_sample(value, sample_type),
                    };
                    out[i] = avoid_nodata(stored, self.dst_nodata, sample_type);
                    covered[i] = true;
                }
            }
        }
        Ok(Block {
            window: *w,
            data,
            covered,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Crs, GeoTransform};

    fn utm(x0: f64, y0: f64, size: f64, w: usize, h: usize) -> Grid {
        Grid::new(
            Crs::from_epsg(32615).unwrap(),
            GeoTransform::north_up(x0, y0, size, size),
            w,
            h,
        )
    }

    /// A `w` x `h` source on a 1 m grid whose pixel `(x, y)` of band `b` holds
    /// `b * 100 + 10 * y + x`.
    fn numbered(w: usize, h: usize, bands: usize) -> Raster {
        let mut r = Raster::filled(utm(1000.0, 2000.0, 1.0, w, h), bands, 0.0, SampleType::U8);
        for b in 0..bands {
            for (i, v) in r.band_mut(b).iter_mut().enumerate() {
                *v = (b * 100 + 10 * (i / w) + i % w) as f32;
            }
        }
        r
    }

    #[test]
    fn whole_pixel_shift_with_nearest_copies_pixels_and_reports_the_gap() {
        let src = numbered(8, 6, 2);
        // Destination starts 2 pixels right and 1 down of the source, and runs past its edge.
        let dst = utm(1002.0, 1999.0, 1.0, 8, 6);
        let out = warp(&src, &dst, Resampling::Nearest, &WarpOptions::default()).unwrap();
        for b in 0..2 {
            for r in 0..6 {
                for c in 0..8 {
                    let inside = c + 2 < 8 && r + 1 < 6;
                    let expect = if inside {
                        src.get(b, c + 2, r + 1)
                    } else {
                        0.0
                    };
                    assert_eq!(out.raster.get(b, c, r), expect, "band {b} at {c},{r}");
                    assert_eq!(out.covered[r * 8 + c], inside);
                }
            }
        }
        assert_eq!(out.uncovered_count(), 8 * 6 - 6 * 5);
    }

    #[test]
    fn blocks_do_not_change_the_result() {
        let src = numbered(40, 30, 1);
        let dst = utm(1003.3, 1997.1, 0.7, 50, 35);
        let whole = WarpOptions {
            block_size: 1000,
            ..Default::default()
        };
        let small = WarpOptions {
            block_size: 7,
            ..Default::default()
        };
        for method in [Resampling::Nearest, Resampling::Bilinear, Resampling::Cubic] {
            let a = warp(&src, &dst, method, &whole).unwrap();
            let b = warp(&src, &dst, method, &small).unwrap();
            assert_eq!(a.raster.data, b.raster.data, "{method:?}");
        }
    }

    #[test]
    fn half_pixel_shift_bilinear_averages_neighbours_and_rounds_half_up() {
        let src = numbered(6, 6, 1);
        let dst = utm(1000.5, 2000.0, 1.0, 5, 5);
        let out = warp(&src, &dst, Resampling::Bilinear, &WarpOptions::default()).unwrap();
        // Halfway between x and x + 1 of row y: 10y + x + 0.5, rounded up.
        assert_eq!(out.raster.get(0, 2, 3), 33.0);
        assert_eq!(out.raster.sample_type, SampleType::U8);
    }

    #[test]
    fn a_correction_is_applied_in_the_same_resampling() {
        let src = numbered(10, 10, 1);
        let dst = utm(1000.0, 2000.0, 1.0, 10, 10);
        let shift = AffineCorrection::shift(2.0, 1.0);
        let options = WarpOptions {
            correction: &shift,
            ..Default::default()
        };
        let out = warp(&src, &dst, Resampling::Nearest, &options).unwrap();
        assert_eq!(out.raster.get(0, 3, 4), src.get(0, 5, 5));
        let as_closure = |c: f64, r: f64| (c + 2.0, r + 1.0);
        let options = WarpOptions {
            correction: &as_closure,
            ..Default::default()
        };
        let by_closure = warp(&src, &dst, Resampling::Nearest, &options).unwrap();
        assert_eq!(by_closure.raster.data, out.raster.data);
        // Same as warping onto a grid shifted by the correction.
        let moved = utm(1002.0, 1999.0, 1.0, 10, 10);
        let direct = warp(&src, &moved, Resampling::Nearest, &WarpOptions::default()).unwrap();
        assert_eq!(out.raster.data, direct.raster.data);
    }

    #[test]
    fn nodata_never_contributes_and_valid_values_avoid_it() {
        let mut src = numbered(6, 6, 1);
        src.nodata = Some(0.0);
        src.band_mut(0)[3 * 6 + 3] = 0.0;
        let dst = utm(1000.0, 2000.0, 1.0, 6, 6);
        let near = warp(&src, &dst, Resampling::Nearest, &WarpOptions::default()).unwrap();
        assert!(!near.covered[3 * 6 + 3] && !near.covered[0]);
        assert_eq!(near.raster.nodata, Some(0.0));
        let shifted = utm(1000.5, 2000.0, 1.0, 5, 5);
        let bil = warp(
            &src,
            &shifted,
            Resampling::Bilinear,
            &WarpOptions::default(),
        )
        .unwrap();
        // Between pixel (3,3) (nodata) and (4,3) = 34, only 34 is left.
        assert_eq!(bil.raster.get(0, 3, 3), 34.0);
        // Between (0,0) (nodata) and (1,0) = 1: 1 is a value, not a hole.
        assert!(bil.covered[0]);
        assert_eq!(bil.raster.get(0, 0, 0), 1.0);
        assert_eq!(avoid_nodata(0.0, Some(0.0), SampleType::U8), 1.0);
        assert_eq!(avoid_nodata(255.0, Some(255.0), SampleType::U8), 254.0);
        assert_eq!(
            avoid_nodata(-32768.0, Some(-32768.0), SampleType::I16),
            -32767.0
        );
        let nudged = avoid_nodata(-9999.0, Some(-9999.0), SampleType::F32);
        assert!(nudged > -9999.0 && nudged < -9998.99);
        assert!(avoid_nodata(-0.0, Some(0.0), SampleType::F32) > 0.0);
        assert_eq!(avoid_nodata(7.0, Some(0.0), SampleType::F32), 7.0);
    }

    #[test]
    fn downsampling_widens_the_kernel() {
        // A checkerboard averaged 4:1 is flat grey with a widened kernel; the 2 x 2 formula
        // would alias it.
        let mut src = numbered(64, 64, 1);
        for (i, v) in src.band_mut(0).iter_mut().enumerate() {
            *v = if (i / 64 + i % 64) % 2 == 0 {
                0.0
            } else {
                200.0
            };
        }
        let dst = utm(1000.0, 2000.0, 4.0, 16, 16);
        let out = warp(&src, &dst, Resampling::Bilinear, &WarpOptions::default()).unwrap();
        let inner: Vec<f32> = (4..12).map(|i| out.raster.get(0, i, i)).collect();
        assert!(inner.iter().all(|&v| v == 100.0), "{inner:?}");
    }

    #[test]
    fn integer_results_are_clamped_and_rounded() {
        assert_eq!(to_sample(-3.2, SampleType::U8), 0.0);
        assert_eq!(to_sample(255.7, SampleType::U8), 255.0);
        assert_eq!(to_sample(12.5, SampleType::U16), 13.0);
        assert_eq!(to_sample(-12.5, SampleType::I16), -12.0);
        assert_eq!(to_sample(0.25, SampleType::F32), 0.25);
    }
}
