//! Where a destination pixel comes from: destination pixel space -> destination map space ->
//! source map space -> source pixel space, computed exactly for every point (like GDAL's
//! `GenImgProjTransformer` with `-et 0`), in the same order of operations as GDAL so that
//! nearest-neighbour picks agree with `gdalwarp` to the last bit wherever PROJ and proj4rs do.

use crate::grid::{GeoTransform, Grid};
use crate::transform::CoordTransform;

use super::{PixelCorrection, WarpError};

/// Maps destination pixel coordinates to source pixel coordinates.
#[derive(Debug, Clone)]
pub struct SourceMapping {
    dst_transform: GeoTransform,
    dst_to_src: CoordTransform,
    src_inverse: GeoTransform,
}

/// The inverse of a geotransform the way GDAL's `GDALInvGeoTransform` computes it: north-up
/// transforms are inverted term by term (no determinant), which keeps pixel boundaries exact.
fn gdal_inverse(t: &GeoTransform) -> Option<GeoTransform> {
    let g = t.0;
    if g[2] == 0.0 && g[4] == 0.0 && g[1] != 0.0 && g[5] != 0.0 {
        return Some(GeoTransform([
            -g[0] / g[1],
            1.0 / g[1],
            0.0,
            -g[3] / g[5],
            0.0,
            1.0 / g[5],
        ]));
    }
    t.inverse()
}

impl SourceMapping {
    /// The mapping from pixels of `dst` to pixels of `src`.
    pub fn new(src: &Grid, dst: &Grid) -> Result<SourceMapping, WarpError> {
        let src_inverse = gdal_inverse(&src.transform).ok_or(WarpError::SingularTransform)?;
        Ok(SourceMapping {
            dst_transform: dst.transform,
            dst_to_src: CoordTransform::new(&dst.crs, &src.crs)?,
            src_inverse,
        })
    }

    /// The source pixel coordinates `(u, v)` of the destination pixel-space point
    /// `(col, row)` (pixel centres are at `.5`), or `None` where the CRS transform fails.
    pub fn source_pixel(&self, col: f64, row: f64) -> Option<(f64, f64)> {
        let (x, y) = self.dst_transform.apply(col, row);
        let (sx, sy) = self.dst_to_src.try_point(x, y)?;
        Some(self.src_inverse.apply(sx, sy))
    }
}

/// Round a downsampling scale to 1/n when it is within 0.05 of that in reciprocal, as GDAL
/// does, so that a 2:1 reduction uses exactly a 2:1 kernel.
fn snap_reciprocal(scale: f64) -> f64 {
    if scale < 1.0 {
        let reciprocal = 1.0 / scale;
        let n = (reciprocal + 0.5) as i64;
        if (reciprocal - n as f64).abs() < 0.05 {
            return 1.0 / n as f64;
        }
    }
    scale
}

/// The resampling scale (destination pixels per source pixel) along x and y, estimated like
/// GDAL's `GDALWarpKernel::PerformWarp`: unit squares at up to 10 x 10 points of the
/// destination are mapped to the source, and their side lengths averaged (outliers below 10% of
/// the largest dropped). Below 1 the warp is downsampling and kernels are widened.
pub(super) fn resampling_scale(
    mapping: &SourceMapping,
    correction: &dyn PixelCorrection,
    width: usize,
    height: usize,
) -> (f64, f64) {
    const MAX_POINTS: usize = 10;
    const TAN_MODEST_ANGLE: f64 = 0.35;
    const LENGTH_TOLERANCE: f64 = 0.1;
    const EPSILON: f64 = 1e-10;
    let nx = width.min(MAX_POINTS);
    let ny = height.min(MAX_POINTS);
    let place = |i: usize, n: usize, size: usize| -> f64 {
        let shift = if i > 0 && i == n - 1 { -1.0 } else { 0.0 };
        shift
            + if n == 1 {
                0.0
            } else {
                i as f64 * size as f64 / (n - 1) as f64
            }
    };
    let map = |c: f64, r: f64| {
        let (pc, pr) = correction.correct(c, r);
        mapping.source_pixel(pc, pr)
    };
    let mut scales = Vec::with_capacity(nx * ny);
    for iy in 0..ny {
        let y = place(iy, ny, height);
        for ix in 0..nx {
            let x = place(ix, nx, width);
            let (Some(p0), Some(p1), Some(p2), Some(p3)) = (
                map(x, y),
                map(x + 1.0, y),
                map(x, y + 1.0),
                map(x + 1.0, y + 1.0),
            ) else {
                continue;
            };
            let sq = |a: f64| a * a;
            let (vx01, vy01) = (p1.0 - p0.0, p1.1 - p0.1);
            let (vx23, vy23) = (p3.0 - p2.0, p3.1 - p2.1);
            let (vx02, vy02) = (p2.0 - p0.0, p2.1 - p0.1);
            let (vx13, vy13) = (p3.0 - p1.0, p3.1 - p1.1);
            let len01 = sq(vx01) + sq(vy01);
            let len23 = sq(vx23) + sq(vy23);
            let len02 = sq(vx02) + sq(vy02);
            let len13 = sq(vx13) + sq(vy13);
            let quasi_rectangle = vy01.abs() < TAN_MODEST_ANGLE * vx01
                && vy23.abs() < TAN_MODEST_ANGLE * vx23
                && (len01 - len23).abs() < LENGTH_TOLERANCE * len01.abs()
                && (len02 - len13).abs() < LENGTH_TOLERANCE * len02.abs();
            if quasi_rectangle {
                let xl = (len01 * len23).sqrt().sqrt();
                let yl = (len02 * len13).sqrt().sqrt();
                if xl > EPSILON && yl > EPSILON {
                    scales.push((1.0 / xl, 1.0 / yl));
                }
            } else {
                // Shoelace area of the mapped square p0 p1 p3 p2.
                let poly = [p0, p1, p3, p2];
                let area = 0.5
                    * (0..4)
                        .map(|i| {
                            let (a, b) = (poly[i], poly[(i + 1) % 4]);
                            a.0 * b.1 - b.0 * a.1
                        })
                        .sum::<f64>()
                        .abs();
                let factor = area.sqrt();
                if factor > EPSILON {
                    scales.push((1.0 / factor, 1.0 / factor));
                }
            }
        }
    }
    let x_max = scales.iter().map(|s| s.0).fold(0.0, f64::max);
    let y_max = scales.iter().map(|s| s.1).fold(0.0, f64::max);
    let kept: Vec<(f64, f64)> = scales
        .into_iter()
        .filter(|s| s.0 > 0.1 * x_max && s.1 > 0.1 * y_max)
        .collect();
    let n = kept.len() as f64;
    let (mut sx, mut sy) = if kept.is_empty() {
        (1.0, 1.0)
    } else {
        (
            kept.iter().map(|s| s.0).sum::<f64>() / n,
            kept.iter().map(|s| s.1).sum::<f64>() / n,
        )
    };
    if sx <= 0.0 {
        sx = 1.0;
    }
    if sy <= 0.0 {
        sy = 1.0;
    }
    (snap_reciprocal(sx), snap_reciprocal(sy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::warp::NoCorrection;
    use crate::Crs;

    fn utm_grid(x0: f64, y0: f64, size: f64, w: usize, h: usize) -> Grid {
        Grid::new(
            Crs::from_epsg(32615).unwrap(),
            GeoTransform::north_up(x0, y0, size, size),
            w,
            h,
        )
    }

    #[test]
    fn same_crs_mapping_is_an_affine_in_pixels() {
        let src = utm_grid(1000.0, 2000.0, 1.0, 100, 100);
        let dst = utm_grid(1010.0, 1990.0, 2.0, 10, 10);
        let m = SourceMapping::new(&src, &dst).unwrap();
        assert_eq!(m.source_pixel(0.5, 0.5), Some((11.0, 11.0)));
        assert_eq!(m.source_pixel(3.0, 1.0), Some((16.0, 12.0)));
    }

    #[test]
    fn scale_is_destination_pixels_per_source_pixel() {
        let src = utm_grid(1000.0, 2000.0, 1.0, 100, 100);
        let coarse = utm_grid(1000.0, 2000.0, 3.0, 30, 30);
        let m = SourceMapping::new(&src, &coarse).unwrap();
        let (sx, sy) = resampling_scale(&m, &NoCorrection, 30, 30);
        assert!((sx - 1.0 / 3.0).abs() < 1e-12 && (sy - 1.0 / 3.0).abs() < 1e-12);
        let fine = utm_grid(1000.0, 2000.0, 0.25, 400, 400);
        let m = SourceMapping::new(&src, &fine).unwrap();
        assert_eq!(resampling_scale(&m, &NoCorrection, 400, 400), (4.0, 4.0));
        // 1 / 2.03 is snapped to exactly 1 / 2.
        assert_eq!(snap_reciprocal(1.0 / 2.03), 0.5);
    }
}
