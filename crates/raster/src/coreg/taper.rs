//! The apodisation window applied before an FFT, so that a block's borders do not correlate.

/// A separable Tukey (tapered cosine) window for `size` x `size` blocks, row-major: flat in the
/// middle, falling to zero over the outer `taper_fraction / 2` of each side with a cosine.
/// `taper_fraction = 1` is the Hann window; smaller values keep more of the block's signal.
pub fn tukey_2d(size: usize, taper_fraction: f64) -> Vec<f32> {
    let profile = tukey_1d(size, taper_fraction);
    let mut window = Vec::with_capacity(size * size);
    for wr in &profile {
        window.extend(profile.iter().map(|wc| wr * wc));
    }
    window
}

/// The one-dimensional Tukey window of `size` samples.
fn tukey_1d(size: usize, taper_fraction: f64) -> Vec<f32> {
    let alpha = taper_fraction.clamp(0.0, 1.0);
    let edge = alpha * size as f64 / 2.0;
    (0..size)
        .map(|i| {
            // Distance from the nearer end, measured between sample centres.
            let d = (i as f64 + 0.5).min(size as f64 - i as f64 - 0.5);
            if d >= edge {
                1.0
            } else {
                (0.5 - 0.5 * (std::f64::consts::PI * d / edge).cos()) as f32
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tukey_is_flat_inside_and_small_at_the_borders() {
        let w = tukey_2d(64, 0.5);
        assert_eq!(w[32 * 64 + 32], 1.0);
        assert!(w[0] < 0.01);
        assert!(w[32 * 64] < 0.1 && w[32 * 64] == w[32 * 64 + 63]);
        let hann = tukey_1d(64, 1.0);
        assert!(hann[31] > 0.99 && hann[0] < 0.01);
    }
}
