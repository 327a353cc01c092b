//! Two-dimensional FFTs of square power-of-two blocks, planned once and shared across threads.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

/// Forward and inverse plans for `size` x `size` complex blocks (row-major). The plans are
/// immutable and `Sync`, so one instance serves every window matched in parallel.
pub struct Fft2 {
    size: usize,
    forward: Arc<dyn Fft<f32>>,
    inverse: Arc<dyn Fft<f32>>,
}

impl Fft2 {
    /// Plans the transforms for `size` x `size` blocks.
    pub fn new(size: usize) -> Self {
        let mut planner = FftPlanner::new();
        Fft2 {
            size,
            forward: planner.plan_fft_forward(size),
            inverse: planner.plan_fft_inverse(size),
        }
    }

    /// The side of the blocks this plan transforms.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The unnormalised forward transform of `block`, in place.
    pub fn forward(&self, block: &mut [Complex32]) {
        self.transform(&self.forward, block);
    }

    /// The inverse transform of `block`, in place, scaled by `1 / size²` so that it undoes
    /// [`Fft2::forward`].
    pub fn inverse(&self, block: &mut [Complex32]) {
        self.transform(&self.inverse, block);
        let scale = 1.0 / (self.size * self.size) as f32;
        block.iter_mut().for_each(|v| *v *= scale);
    }

    /// Rows, transpose, rows, transpose: both axes transformed, orientation kept.
    fn transform(&self, fft: &Arc<dyn Fft<f32>>, block: &mut [Complex32]) {
        let n = self.size;
        assert_eq!(block.len(), n * n, "block is not {n}x{n}");
        let mut scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        fft.process_with_scratch(block, &mut scratch);
        transpose_square(block, n);
        fft.process_with_scratch(block, &mut scratch);
        transpose_square(block, n);
    }
}

/// Transposes an `n` x `n` row-major block in place.
fn transpose_square(block: &mut [Complex32], n: usize) {
    for r in 0..n {
        for c in r + 1..n {
            block.swap(r * n + c, c * n + r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_undoes_forward_and_axes_are_kept() {
        let n = 8;
        let fft = Fft2::new(n);
        // A single frequency along columns only: energy must land in row 0 of the spectrum.
        let original: Vec<Complex32> = (0..n * n)
            .map(|i| {
                let col = (i % n) as f32;
                Complex32::new((std::f32::consts::TAU * col / n as f32).cos(), 0.0)
            })
            .collect();
        let mut block = original.clone();
        fft.forward(&mut block);
        assert!((block[1].re - (n * n) as f32 / 2.0).abs() < 1e-3);
        assert!(block[n].norm() < 1e-3);
        fft.inverse(&mut block);
        for (a, b) in block.iter().zip(&original) {
            assert!((a - b).norm() < 1e-5);
        }
    }
}
