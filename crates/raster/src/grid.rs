//! The grid: the common language of every raster operation.
//!
//! A [`Grid`] is a CRS, an affine [`GeoTransform`] and a size in pixels. Pixel `(col, row)`
//! covers the map-space parallelogram whose top-left corner is `transform.apply(col, row)`;
//! its centre is at `(col + 0.5, row + 0.5)` (GDAL's "pixel is area" convention).

use serde::{Deserialize, Serialize};

use crate::crs::Crs;

/// An affine transform from pixel space (col, row) to map space (x, y), in GDAL order:
/// `x = c0 + col * c1 + row * c2`, `y = c3 + col * c4 + row * c5`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoTransform(pub [f64; 6]);

impl GeoTransform {
    /// A north-up transform with the top-left corner at `(x0, y0)` and square or rectangular
    /// pixels `pixel_width` wide and `pixel_height` tall (both positive).
    pub fn north_up(x0: f64, y0: f64, pixel_width: f64, pixel_height: f64) -> Self {
        GeoTransform([x0, pixel_width, 0.0, y0, 0.0, -pixel_height])
    }

    /// Map coordinates of the pixel-space point `(col, row)` (fractional: 0.5 is a centre).
    pub fn apply(&self, col: f64, row: f64) -> (f64, f64) {
        let t = &self.0;
        (
            t[0] + col * t[1] + row * t[2],
            t[3] + col * t[4] + row * t[5],
        )
    }

    /// The inverse transform (map to pixel space), or `None` when the transform is singular.
    pub fn inverse(&self) -> Option<GeoTransform> {
        let t = &self.0;
        let det = t[1] * t[5] - t[2] * t[4];
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        let (a, b, d, e) = (t[5] / det, -t[2] / det, -t[4] / det, t[1] / det);
        Some(GeoTransform([
            -(a * t[0] + b * t[3]),
            a,
            b,
            -(d * t[0] + e * t[3]),
            d,
            e,
        ]))
    }

    /// True when the transform has no rotation or shear terms.
    pub fn is_north_up(&self) -> bool {
        self.0[2] == 0.0 && self.0[4] == 0.0 && self.0[1] > 0.0 && self.0[5] < 0.0
    }

    /// The size of a pixel along x and y in map units (lengths of the column and row vectors).
    pub fn pixel_size(&self) -> (f64, f64) {
        let t = &self.0;
        (t[1].hypot(t[4]), t[2].hypot(t[5]))
    }
}

/// A rectangle of pixels of a grid: `width` x `height` pixels from `(col_off, row_off)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub col_off: usize,
    pub row_off: usize,
    pub width: usize,
    pub height: usize,
}

impl Window {
    pub fn new(col_off: usize, row_off: usize, width: usize, height: usize) -> Self {
        Window {
            col_off,
            row_off,
            width,
            height,
        }
    }

    /// The number of pixels in the window.
    pub fn len(&self) -> usize {
        self.width * self.height
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The part of this window that both windows cover, if any.
    pub fn intersection(&self, other: &Window) -> Option<Window> {
        let c0 = self.col_off.max(other.col_off);
        let r0 = self.row_off.max(other.row_off);
        let c1 = (self.col_off + self.width).min(other.col_off + other.width);
        let r1 = (self.row_off + self.height).min(other.row_off + other.height);
        (c1 > c0 && r1 > r0).then(|| Window::new(c0, r0, c1 - c0, r1 - r0))
    }

    /// The window around the set cells of `mask` (row-major, `grid_width` cells a row), or
    /// `None` when none is set.
    ///
    /// ```
    /// use raster::Window;
    /// // A 4 x 3 mask with cells set at (col 2, row 0) and (col 1, row 1).
    /// let mask = [false, false, true, false, false, true, false, false, false, false, false, false];
    /// assert_eq!(Window::around(&mask, 4), Some(Window::new(1, 0, 2, 2)));
    /// assert_eq!(Window::around(&[false; 12], 4), None);
    /// ```
    pub fn around(mask: &[bool], grid_width: usize) -> Option<Window> {
        let first = mask.iter().position(|&m| m)?;
        let last = mask.iter().rposition(|&m| m)?;
        let (mut c0, mut c1) = (grid_width, 0);
        for row in mask[first - first % grid_width..=last].chunks(grid_width) {
            if let (Some(left), Some(right)) =
                (row.iter().position(|&m| m), row.iter().rposition(|&m| m))
            {
                c0 = c0.min(left);
                c1 = c1.max(right + 1);
            }
        }
        let (r0, r1) = (first / grid_width, last / grid_width + 1);
        Some(Window::new(c0, r0, c1 - c0, r1 - r0))
    }

    /// This window grown by `margin` cells on every side, clipped to a `grid_width` x
    /// `grid_height` grid.
    pub fn grown(&self, margin: usize, grid_width: usize, grid_height: usize) -> Window {
        let (c0, r0) = (
            self.col_off.saturating_sub(margin),
            self.row_off.saturating_sub(margin),
        );
        let c1 = (self.col_off + self.width + margin).min(grid_width);
        let r1 = (self.row_off + self.height + margin).min(grid_height);
        Window::new(c0, r0, c1 - c0, r1 - r0)
    }

    /// The row-major indices of the window's cells in a grid `grid_width` cells wide.
    pub fn indices(&self, grid_width: usize) -> impl Iterator<Item = usize> + '_ {
        (self.row_off..self.row_off + self.height).flat_map(move |r| {
            let start = r * grid_width + self.col_off;
            start..start + self.width
        })
    }
}

/// A georeferenced pixel grid: a CRS, a transform and a size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub crs: Crs,
    pub transform: GeoTransform,
    pub width: usize,
    pub height: usize,
}

impl Grid {
    pub fn new(crs: Crs, transform: GeoTransform, width: usize, height: usize) -> Self {
        Grid {
            crs,
            transform,
            width,
            height,
        }
    }

    /// The grid of an unreferenced image (a PNG or JPEG, a TIFF whose georeferencing does not
    /// matter): no CRS (an empty definition) and GDAL's default transform, under which map
    /// coordinates are pixel coordinates.
    pub fn unreferenced(width: usize, height: usize) -> Self {
        Grid::new(
            Crs {
                epsg: None,
                proj4: String::new(),
            },
            GeoTransform([0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
            width,
            height,
        )
    }

    /// The window that covers the whole grid.
    pub fn full_window(&self) -> Window {
        Window::new(0, 0, self.width, self.height)
    }

    /// The grid of a window of this grid: same CRS and pixel size, shifted origin.
    pub fn window_grid(&self, window: &Window) -> Grid {
        let (x0, y0) = self
            .transform
            .apply(window.col_off as f64, window.row_off as f64);
        let mut t = self.transform.0;
        t[0] = x0;
        t[3] = y0;
        Grid::new(
            self.crs.clone(),
            GeoTransform(t),
            window.width,
            window.height,
        )
    }

    /// The map coordinates of the centre of pixel `(col, row)`.
    pub fn pixel_center(&self, col: usize, row: usize) -> (f64, f64) {
        self.transform.apply(col as f64 + 0.5, row as f64 + 0.5)
    }

    /// The four corners in map coordinates, clockwise from the top-left.
    pub fn corners(&self) -> [(f64, f64); 4] {
        let (w, h) = (self.width as f64, self.height as f64);
        [
            self.transform.apply(0.0, 0.0),
            self.transform.apply(w, 0.0),
            self.transform.apply(w, h),
            self.transform.apply(0.0, h),
        ]
    }

    /// Map-space bounding box `(min_x, min_y, max_x, max_y)` of the grid.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        let c = self.corners();
        let xs = c.iter().map(|p| p.0);
        let ys = c.iter().map(|p| p.1);
        (
            xs.clone().fold(f64::INFINITY, f64::min),
            ys.clone().fold(f64::INFINITY, f64::min),
            xs.fold(f64::NEG_INFINITY, f64::max),
            ys.fold(f64::NEG_INFINITY, f64::max),
        )
    }

    /// The ground sample distance: the mean of the pixel's two side lengths, in CRS units.
    pub fn gsd(&self) -> f64 {
        let (sx, sy) = self.transform.pixel_size();
        0.5 * (sx + sy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_undoes_apply() {
        let t = GeoTransform([500_000.0, 0.5, 0.1, 4_000_000.0, 0.05, -0.5]);
        let inv = t.inverse().unwrap();
        let (x, y) = t.apply(12.25, 7.5);
        let (c, r) = inv.apply(x, y);
        assert!((c - 12.25).abs() < 1e-9 && (r - 7.5).abs() < 1e-9);
    }

    #[test]
    fn window_grid_shifts_origin() {
        let g = Grid::new(
            Crs::from_epsg(32618).unwrap(),
            GeoTransform::north_up(100.0, 200.0, 2.0, 2.0),
            10,
            10,
        );
        let sub = g.window_grid(&Window::new(3, 4, 2, 2));
        assert_eq!(sub.transform.0[0], 106.0);
        assert_eq!(sub.transform.0[3], 192.0);
        assert_eq!(sub.pixel_center(0, 0), g.pixel_center(3, 4));
    }

    #[test]
    fn window_intersection() {
        let a = Window::new(0, 0, 10, 10);
        let b = Window::new(5, 8, 10, 10);
        assert_eq!(a.intersection(&b), Some(Window::new(5, 8, 5, 2)));
        assert_eq!(a.intersection(&Window::new(10, 0, 3, 3)), None);
    }
}
