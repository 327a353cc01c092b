//! Nearest neighbour: the source pixel that holds the sample point.

use super::BandView;

/// The column (or row) index GDAL picks for source coordinate `u` in a source `size` pixels
/// wide: the integer part of `u`, nudged by 1e-10 so that points a rounding error short of a
/// pixel boundary land on the pixel they were meant for, and kept inside the source.
pub(super) fn nearest_index(u: f64, size: usize) -> usize {
    ((u + 1e-10) as usize).min(size - 1)
}

/// The sample of the pixel `(col, row)` of the window, unless it is nodata.
pub(super) fn nearest(band: &BandView, col: usize, row: usize) -> Option<f64> {
    band.get(col as i64, row as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_the_pixel_that_holds_the_point() {
        assert_eq!(nearest_index(0.0, 4), 0);
        assert_eq!(nearest_index(2.999_999_999_99, 4), 3);
        assert_eq!(nearest_index(2.5, 4), 2);
        assert_eq!(nearest_index(4.0, 4), 3);
    }

    #[test]
    fn nodata_pixels_give_nothing() {
        let data = [1.0, 0.0, 3.0, 4.0];
        let band = BandView::new(&data, 2, 2, Some(0.0));
        assert_eq!(nearest(&band, 0, 1), Some(3.0));
        assert_eq!(nearest(&band, 1, 0), None);
    }
}
