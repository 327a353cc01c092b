//! Bilinear interpolation from the four pixels around the sample point, as GDAL's
//! `GWKBilinearResample4Sample`: pixel centres are at `.5`, so the neighbours of `u` are
//! `floor(u - 0.5)` and the one after. Neighbours outside the source or nodata are left out
//! and the remaining weights renormalised; with no weight left there is no value.

use super::BandView;

/// The bilinear sample at window pixel coordinates `(u, v)`.
pub(super) fn bilinear(band: &BandView, u: f64, v: f64) -> Option<f64> {
    let ix = (u - 0.5).floor() as i64;
    let iy = (v - 0.5).floor() as i64;
    let rx = 1.5 - (u - ix as f64);
    let ry = 1.5 - (v - iy as f64);
    let (p00, p10, p01, p11) = (
        band.get(ix, iy),
        band.get(ix + 1, iy),
        band.get(ix, iy + 1),
        band.get(ix + 1, iy + 1),
    );
    if let (Some(p00), Some(p10), Some(p01), Some(p11)) = (p00, p10, p01, p11) {
        // GDAL's no-mask formula, in its order of operations.
        return Some(
            (p00 * rx + p10 * (1.0 - rx)) * ry + (p01 * rx + p11 * (1.0 - rx)) * (1.0 - ry),
        );
    }
    let mut sum = 0.0;
    let mut weight = 0.0;
    for (p, w) in [
        (p00, rx * ry),
        (p10, (1.0 - rx) * ry),
        (p01, rx * (1.0 - ry)),
        (p11, (1.0 - rx) * (1.0 - ry)),
    ] {
        if let Some(p) = p {
            sum += p * w;
            weight += w;
        }
    }
    if weight < 0.00001 {
        None
    } else if weight == 1.0 {
        Some(sum)
    } else {
        Some(sum / weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAMP: [f32; 9] = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0];

    #[test]
    fn interpolates_between_centres() {
        let band = BandView::new(&RAMP, 3, 3, None);
        assert_eq!(bilinear(&band, 1.5, 1.5), Some(40.0));
        assert_eq!(bilinear(&band, 1.0, 1.5), Some(35.0));
        assert!((bilinear(&band, 1.25, 2.0).unwrap() - 52.5).abs() < 1e-12);
    }

    #[test]
    fn edges_and_nodata_renormalise() {
        let band = BandView::new(&RAMP, 3, 3, None);
        // Left of the first centre only column 0 contributes.
        assert!((bilinear(&band, 0.2, 1.5).unwrap() - 30.0).abs() < 1e-12);
        let holes = [0.0, 10.0, 20.0, 30.0, -1.0, 50.0, 60.0, 70.0, 80.0];
        let band = BandView::new(&holes, 3, 3, Some(-1.0));
        // Between pixels 1 and 4 (the hole), only pixel 1 is left.
        assert_eq!(bilinear(&band, 1.5, 1.0), Some(10.0));
        let all_holes = [-1.0_f32; 4];
        let band = BandView::new(&all_holes, 2, 2, Some(-1.0));
        assert_eq!(bilinear(&band, 1.0, 1.0), None);
    }
}
