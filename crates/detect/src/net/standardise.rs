//! Per-image standardisation: each band is shifted and scaled to mean 0 and standard deviation
//! 1 over the image's valid pixels. This removes the sensor's gain, offset and bit depth (8-bit
//! aerial, 11-bit satellite, reflectance), which is the first thing that differs between the
//! sets the network must generalise across.

/// Standardises `planes` (`bands` planes of `n` pixels each) in place. Pixels that
/// `is_valid` rejects (nodata) are left out of the statistics and set to 0, the mean.
pub fn standardise(planes: &mut [f32], n: usize, is_valid: impl Fn(usize) -> bool) {
    for plane in planes.chunks_exact_mut(n) {
        let (mut count, mut sum, mut sum_sq) = (0usize, 0f64, 0f64);
        for (i, &v) in plane.iter().enumerate() {
            if v.is_finite() && is_valid(i) {
                count += 1;
                sum += v as f64;
                sum_sq += (v as f64) * (v as f64);
            }
        }
        let mean = if count > 0 { sum / count as f64 } else { 0.0 };
        let variance = if count > 0 {
            (sum_sq / count as f64 - mean * mean).max(0.0)
        } else {
            0.0
        };
        // A flat band (a blank tile) would divide by zero: keep it flat at 0.
        let scale = 1.0 / variance.sqrt().max(1e-3);
        for (i, v) in plane.iter_mut().enumerate() {
            *v = if v.is_finite() && is_valid(i) {
                ((*v as f64 - mean) * scale) as f32
            } else {
                0.0
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_get_zero_mean_unit_deviation_and_nodata_becomes_zero() {
        let n = 4;
        let mut planes = vec![10.0, 20.0, 30.0, -9999.0, 1.0, 1.0, 1.0, 1.0];
        standardise(&mut planes, n, |i| i != 3);
        let first = &planes[..3];
        let mean: f32 = first.iter().sum::<f32>() / 3.0;
        let var: f32 = first.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 3.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{planes:?}");
        assert_eq!(planes[3], 0.0);
        assert!(
            planes[4..].iter().all(|&v| v == 0.0),
            "flat band stays flat"
        );
    }
}
