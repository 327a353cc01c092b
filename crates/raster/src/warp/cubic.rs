//! Cubic convolution (Keys, a = -0.5: GDAL's "cubic") over the 4 x 4 pixels around the
//! sample point, as GDAL's `GWKCubicResampleNoMasks4SampleT`. Where the 4 x 4 neighbourhood
//! leaves the source or holds nodata, GDAL falls back to bilinear, and so does this.

use super::bilinear::bilinear;
use super::BandView;

/// The four Keys weights for the pixels at offsets -1, 0, 1, 2 from the one left of (or
/// above) the sample point, `x` being the fractional distance past that pixel's centre.
fn weights(x: f64) -> [f64; 4] {
    let half_x = 0.5 * x;
    let three_x = 3.0 * x;
    let half_x2 = half_x * x;
    [
        half_x * (-1.0 + x * (2.0 - x)),
        1.0 + half_x2 * (-5.0 + three_x),
        half_x * (1.0 + x * (4.0 - three_x)),
        half_x2 * (-1.0 + x),
    ]
}

/// The cubic sample at window pixel coordinates `(u, v)`.
pub(super) fn cubic(band: &BandView, u: f64, v: f64) -> Option<f64> {
    let ix = (u - 0.5).floor() as i64;
    let iy = (v - 0.5).floor() as i64;
    if ix - 1 < 0 || ix + 2 >= band.width as i64 || iy - 1 < 0 || iy + 2 >= band.height as i64 {
        return bilinear(band, u, v);
    }
    let dx = u - 0.5 - ix as f64;
    let dy = v - 0.5 - iy as f64;
    let wx = weights(dx);
    let mut rows = [0.0; 4];
    for (j, row) in rows.iter_mut().enumerate() {
        let y = iy - 1 + j as i64;
        let mut p = [0.0; 4];
        for (i, p) in p.iter_mut().enumerate() {
            match band.get(ix - 1 + i as i64, y) {
                Some(value) => *p = value,
                None => return bilinear(band, u, v),
            }
        }
        *row = wx[0] * p[0] + wx[1] * p[1] + wx[2] * p[2] + wx[3] * p[3];
    }
    let [f0, f1, f2, f3] = rows;
    let (d1, d2) = (dy, dy * dy);
    let d3 = d2 * dy;
    Some(
        f1 + 0.5
            * (d1 * (f2 - f0)
                + d2 * (2.0 * f0 - 5.0 * f1 + 4.0 * f2 - f3)
                + d3 * (3.0 * (f1 - f2) + f3 - f0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 6 x 6 band whose value is the quadratic `x * x + 2 * y`, which cubic convolution
    /// reproduces only approximately, and a linear ramp, which it reproduces exactly.
    fn band_of(f: impl Fn(f64, f64) -> f64) -> Vec<f32> {
        (0..36)
            .map(|i| f((i % 6) as f64 + 0.5, (i / 6) as f64 + 0.5) as f32)
            .collect()
    }

    #[test]
    fn weights_sum_to_one_and_interpolate() {
        for x in [0.0, 0.25, 0.5, 0.9] {
            assert!((weights(x).iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert_eq!(weights(0.0), [0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn reproduces_linear_ramps_exactly_inside() {
        let data = band_of(|x, y| 3.0 * x + 2.0 * y);
        let band = BandView::new(&data, 6, 6, None);
        let value = cubic(&band, 2.8, 3.1).unwrap();
        assert!((value - (3.0 * 2.8 + 2.0 * 3.1)).abs() < 1e-9, "{value}");
    }

    #[test]
    fn overshoots_where_bilinear_cannot() {
        // A step edge: cubic rings, bilinear stays within the data range.
        let data = band_of(|x, _| if x < 3.0 { 0.0 } else { 100.0 });
        let band = BandView::new(&data, 6, 6, None);
        assert!(cubic(&band, 2.25, 3.0).unwrap() < 0.0);
        assert!(bilinear(&band, 2.25, 3.0).unwrap() >= 0.0);
    }

    #[test]
    fn falls_back_to_bilinear_at_edges_and_nodata() {
        let data = band_of(|x, y| x * x + 2.0 * y);
        let band = BandView::new(&data, 6, 6, None);
        assert_eq!(cubic(&band, 1.2, 3.0), bilinear(&band, 1.2, 3.0));
        let mut holes = data.clone();
        holes[2 * 6 + 4] = -9.0;
        let band = BandView::new(&holes, 6, 6, Some(-9.0));
        assert_eq!(cubic(&band, 3.2, 3.0), bilinear(&band, 3.2, 3.0));
    }
}
