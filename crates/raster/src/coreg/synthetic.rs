//! Synthetic textures for the co-registration tests: smooth random fields.

use rustfft::num_complex::Complex32;

use super::fourier_shift::fft_2d;

/// A reproducible smooth random field: white noise low-passed by a Gaussian of
/// `correlation_px` pixels, scaled to mean 1000 and standard deviation 200 (like a
/// reflectance band).
pub fn smooth_field(width: usize, height: usize, correlation_px: f64, seed: u64) -> Vec<f32> {
    let mut block: Vec<Complex32> = white_noise(width * height, seed)
        .into_iter()
        .map(|v| Complex32::new(v, 0.0))
        .collect();
    fft_2d(&mut block, width, height, false);
    let frequency = |k: usize, n: usize| if k >= n / 2 { k as f64 - n as f64 } else { k as f64 } / n as f64;
    for (i, v) in block.iter_mut().enumerate() {
        let f2 = frequency(i % width, width).powi(2) + frequency(i / width, height).powi(2);
        let gain = (-2.0 * (std::f64::consts::PI * correlation_px).powi(2) * f2).exp();
        *v *= gain as f32;
    }
    fft_2d(&mut block, width, height, true);
    let field: Vec<f32> = block.iter().map(|v| v.re).collect();
    let n = field.len() as f64;
    let mean = field.iter().map(|&v| v as f64).sum::<f64>() / n;
    let sd = (field
        .iter()
        .map(|&v| (v as f64 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    field
        .iter()
        .map(|&v| (1000.0 + 200.0 * (v as f64 - mean) / sd) as f32)
        .collect()
}

/// Reproducible standard normal samples (splitmix64 and Box-Muller).
pub fn white_noise(count: usize, seed: u64) -> Vec<f32> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| {
            let (u, v) = (uniform().max(f64::MIN_POSITIVE), uniform());
            ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
        })
        .collect()
}
