//! How the whole scene's brightness changed between two dates, band by band: what a roof or
//! a patch of ground must be compared against before its own change means anything.

use raster::Raster;

/// Per band, the median after/before ratio over a regular sample of the pixels (every
/// seventh) not marked in `changed`: the sensor's gain, bit depth and the illumination. The
/// median follows the bare ground, which most of a site is; a mean would follow the
/// vegetation's season and the brightest roofs' saturation too.
pub(crate) fn scene_gains(before: &Raster, after: &Raster, changed: Option<&[bool]>) -> Vec<f64> {
    let n = after.grid.width * after.grid.height;
    let bands = after.band_count.min(before.band_count);
    (0..bands)
        .map(|b| {
            let (x, y) = (before.band(b), after.band(b));
            let mut ratios: Vec<f64> = (0..n)
                .step_by(7)
                .filter(|&p| x[p] > 0.0 && y[p].is_finite() && !changed.is_some_and(|c| c[p]))
                .map(|p| f64::from(y[p]) / f64::from(x[p]))
                .collect();
            ratios.sort_by(f64::total_cmp);
            ratios.get(ratios.len() / 2).copied().unwrap_or(1.0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::{Crs, GeoTransform, Grid, SampleType};

    #[test]
    fn the_gain_follows_the_ground_not_a_bright_minority() {
        let grid = Grid::new(
            Crs::wgs84(),
            GeoTransform::north_up(0.0, 1.0, 0.01, 0.01),
            50,
            50,
        );
        let mut before = Raster::filled(grid.clone(), 1, 100.0, SampleType::F32);
        let mut after = Raster::filled(grid, 1, 150.0, SampleType::F32);
        // A third of the scene (vegetation in leaf) trebles instead.
        for p in 0..800 {
            before.band_mut(0)[p] = 50.0;
            after.band_mut(0)[p] = 150.0;
        }
        let gains = scene_gains(&before, &after, None);
        assert_eq!(gains, vec![1.5]);
        let _ = &mut after;
    }
}
