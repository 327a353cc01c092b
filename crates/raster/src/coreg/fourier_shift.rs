//! Exact sub-pixel translation of an image by the Fourier shift theorem.

use rustfft::num_complex::Complex32;
use rustfft::FftPlanner;

/// The band `values` (`width` x `height`, row-major) with its content moved `east` columns and
/// `south` rows (fractions allowed): `out(c, r) = in(c - east, r - south)`, band-limited.
///
/// The band is mirrored into a 2w x 2h block before transforming, so the shift does not wrap
/// one border onto the other; samples that come in from beyond a border are that border's
/// mirror image, so callers should ignore a margin of about `|shift| + 2` pixels. Used to make
/// test and benchmark pairs whose true misregistration is known exactly.
pub fn fourier_shift(
    values: &[f32],
    width: usize,
    height: usize,
    east: f64,
    south: f64,
) -> Vec<f32> {
    assert_eq!(values.len(), width * height, "band has the wrong length");
    let (w2, h2) = (2 * width, 2 * height);
    let mirror = |i: usize, n: usize| if i < n { i } else { 2 * n - 1 - i };
    let mut block: Vec<Complex32> = (0..w2 * h2)
        .map(|i| {
            let (c, r) = (mirror(i % w2, width), mirror(i / w2, height));
            Complex32::new(values[r * width + c], 0.0)
        })
        .collect();
    fft_2d(&mut block, w2, h2, false);
    let frequency = |k: usize, n: usize| if k >= n / 2 { k as f64 - n as f64 } else { k as f64 } / n as f64;
    for (i, v) in block.iter_mut().enumerate() {
        let angle =
            -std::f64::consts::TAU * (frequency(i % w2, w2) * east + frequency(i / w2, h2) * south);
        *v *= Complex32::new(angle.cos() as f32, angle.sin() as f32);
    }
    fft_2d(&mut block, w2, h2, true);
    let scale = 1.0 / (w2 * h2) as f32;
    (0..width * height)
        .map(|i| block[(i / width) * w2 + i % width].re * scale)
        .collect()
}

/// An unnormalised 2-D FFT of a `width` x `height` row-major block of any size, in place.
pub(crate) fn fft_2d(block: &mut [Complex32], width: usize, height: usize, inverse: bool) {
    let mut planner = FftPlanner::new();
    let plan = |planner: &mut FftPlanner<f32>, n| {
        if inverse {
            planner.plan_fft_inverse(n)
        } else {
            planner.plan_fft_forward(n)
        }
    };
    plan(&mut planner, width).process(block);
    let mut columns: Vec<Complex32> = (0..width * height)
        .map(|i| block[(i % height) * width + i / height])
        .collect();
    plan(&mut planner, height).process(&mut columns);
    for (i, v) in columns.into_iter().enumerate() {
        block[(i % height) * width + i / height] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_shift_moves_samples_and_fractional_shift_interpolates() {
        let (w, h) = (16, 12);
        let values: Vec<f32> = (0..w * h)
            .map(|i| ((i % w) as f32 * 0.4).sin() * 10.0 + ((i / w) as f32 * 0.3).cos() * 5.0)
            .collect();
        let moved = fourier_shift(&values, w, h, 2.0, -1.0);
        for r in 3..h - 3 {
            for c in 4..w - 4 {
                let expect = values[(r + 1) * w + c - 2];
                assert!((moved[r * w + c] - expect).abs() < 0.05, "({c},{r})");
            }
        }
        let half = fourier_shift(&values, w, h, 0.5, 0.0);
        let back = fourier_shift(&half, w, h, -0.5, 0.0);
        for r in 3..h - 3 {
            for c in 4..w - 4 {
                assert!((back[r * w + c] - values[r * w + c]).abs() < 0.05);
            }
        }
    }
}
