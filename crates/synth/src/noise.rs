//! Value noise over map coordinates: smooth, seeded, and the same on every date, so that the
//! ground of a synthetic site does not change unless the scenario changes it.

use crate::rng::lattice;

/// Smoothly interpolated lattice noise with a feature size of `scale_m` metres, in `[0, 1)`.
pub fn value_noise(x: f64, y: f64, scale_m: f64, seed: u64) -> f64 {
    let (u, v) = (x / scale_m, y / scale_m);
    let (ix, iy) = (u.floor() as i64, v.floor() as i64);
    let (fx, fy) = (smooth(u - u.floor()), smooth(v - v.floor()));
    let a = lattice(ix, iy, seed);
    let b = lattice(ix + 1, iy, seed);
    let c = lattice(ix, iy + 1, seed);
    let d = lattice(ix + 1, iy + 1, seed);
    let top = a + (b - a) * fx;
    let bottom = c + (d - c) * fx;
    top + (bottom - top) * fy
}

/// Fractal (multi-octave) value noise in `[0, 1)`: coarse shapes with fine texture on top.
pub fn fractal_noise(x: f64, y: f64, scale_m: f64, octaves: u32, seed: u64) -> f64 {
    let (mut sum, mut norm, mut amp, mut scale) = (0.0, 0.0, 1.0, scale_m);
    for o in 0..octaves {
        sum += amp * value_noise(x, y, scale, seed.wrapping_add(o as u64 * 7919));
        norm += amp;
        amp *= 0.5;
        scale *= 0.5;
    }
    sum / norm
}

/// The smoothstep curve, so that noise has no creases at lattice lines.
fn smooth(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_continuous_and_bounded() {
        let mut prev = value_noise(0.0, 0.0, 10.0, 3);
        for i in 1..1000 {
            let v = value_noise(i as f64 * 0.01, 0.0, 10.0, 3);
            assert!((0.0..1.0).contains(&v));
            assert!((v - prev).abs() < 0.01, "jump at {i}");
            prev = v;
        }
    }

    #[test]
    fn fractal_noise_depends_on_seed() {
        let a = fractal_noise(12.3, 45.6, 20.0, 4, 1);
        let b = fractal_noise(12.3, 45.6, 20.0, 4, 2);
        assert_ne!(a, b);
        assert_eq!(a, fractal_noise(12.3, 45.6, 20.0, 4, 1));
    }
}
