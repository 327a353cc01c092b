//! Sub-pixel refinement of a phase-correlation peak.

use rustfft::num_complex::Complex64;
use serde::{Deserialize, Serialize};

/// How the integer peak of a correlation surface is refined to a fraction of a pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubpixelMethod {
    /// Guizar-Sicairos et al. (2008): the correlation surface is evaluated exactly, by a
    /// matrix-multiply DFT of the cross-power spectrum, on a grid 1/10 px fine over ±0.6 px
    /// around the integer peak; a parabola through that grid's best sample and its neighbours
    /// gives the last digits. Accurate whatever the peak's shape.
    UpsampledDft,
    /// A parabola through the integer peak and its two neighbours along each axis. Cheap, but
    /// biased towards the integer position because a phase-correlation peak is sinc-shaped.
    Parabola,
}

/// Upsampling factor of the matrix-multiply DFT.
const UPSAMPLING: usize = 10;
/// Half-width in pixels of the region evaluated around the integer peak.
const HALF_REGION: f64 = 0.6;

/// Refines the integer peak `(pcol, prow)` (signed, in pixels) of the correlation surface
/// `surface` (real part, `n` x `n`, row-major) of the cross-power spectrum `cross_power`.
/// Returns the refined `(dx, dy)`.
pub fn refine_peak(
    method: SubpixelMethod,
    cross_power: &[rustfft::num_complex::Complex32],
    surface: &[f32],
    n: usize,
    pcol: isize,
    prow: isize,
) -> (f64, f64) {
    match method {
        SubpixelMethod::Parabola => {
            let at = |dc: isize, dr: isize| {
                let r = (prow + dr).rem_euclid(n as isize) as usize;
                let c = (pcol + dc).rem_euclid(n as isize) as usize;
                surface[r * n + c] as f64
            };
            let centre = at(0, 0);
            (
                pcol as f64 + parabola_vertex(at(-1, 0), centre, at(1, 0)),
                prow as f64 + parabola_vertex(at(0, -1), centre, at(0, 1)),
            )
        }
        SubpixelMethod::UpsampledDft => upsampled_peak(cross_power, n, pcol, prow),
    }
}

/// The offset of the vertex of the parabola through `(-1, left)`, `(0, centre)`, `(1, right)`,
/// clamped to half a sample.
fn parabola_vertex(left: f64, centre: f64, right: f64) -> f64 {
    let curvature = left - 2.0 * centre + right;
    if curvature >= 0.0 {
        return 0.0;
    }
    (0.5 * (left - right) / curvature).clamp(-0.5, 0.5)
}

/// The peak of the correlation surface on a fine grid around `(pcol, prow)`, evaluated by the
/// two matrix products of Guizar-Sicairos' `dftups`: `K_rows · R · K_cols`.
fn upsampled_peak(
    cross_power: &[rustfft::num_complex::Complex32],
    n: usize,
    pcol: isize,
    prow: isize,
) -> (f64, f64) {
    let m = (2.0 * HALF_REGION * UPSAMPLING as f64).round() as usize + 1;
    let step = 1.0 / UPSAMPLING as f64;
    let frequency = |k: usize| {
        if k >= n / 2 {
            k as f64 - n as f64
        } else {
            k as f64
        }
    };
    // kernel(origin)[k * m + j] = exp(2πi · f_k · (origin - HALF_REGION + j·step) / n)
    let kernel = |origin: f64| -> Vec<Complex64> {
        let mut k = Vec::with_capacity(n * m);
        for u in 0..n {
            let f = frequency(u);
            for j in 0..m {
                let position = origin - HALF_REGION + j as f64 * step;
                let angle = std::f64::consts::TAU * f * position / n as f64;
                k.push(Complex64::from_polar(1.0, angle));
            }
        }
        k
    };
    let cols = kernel(pcol as f64);
    let rows = kernel(prow as f64);
    // rows_by_x[u][j] = Σ_v R[u][v] · cols[v][j]
    let mut rows_by_x = vec![Complex64::default(); n * m];
    for u in 0..n {
        let out = &mut rows_by_x[u * m..(u + 1) * m];
        for v in 0..n {
            let r = cross_power[u * n + v];
            let r = Complex64::new(r.re as f64, r.im as f64);
            if r.re == 0.0 && r.im == 0.0 {
                continue;
            }
            let k = &cols[v * m..(v + 1) * m];
            out.iter_mut().zip(k).for_each(|(o, k)| *o += r * k);
        }
    }
    // fine[i][j] = Re Σ_u rows[u][i] · rows_by_x[u][j]
    let mut fine = vec![0.0f64; m * m];
    for u in 0..n {
        let t = &rows_by_x[u * m..(u + 1) * m];
        for i in 0..m {
            let k = rows[u * m + i];
            let out = &mut fine[i * m..(i + 1) * m];
            out.iter_mut().zip(t).for_each(|(o, t)| *o += (k * t).re);
        }
    }
    let best = (0..m * m)
        .max_by(|&a, &b| fine[a].total_cmp(&fine[b]))
        .expect("the fine grid has samples");
    let (i, j) = (best / m, best % m);
    let at = |i: usize, j: usize| fine[i * m + j];
    let refine = |lo: Option<f64>, centre: f64, hi: Option<f64>| match (lo, hi) {
        (Some(lo), Some(hi)) => parabola_vertex(lo, centre, hi),
        _ => 0.0,
    };
    let dj = refine(
        j.checked_sub(1).map(|j| at(i, j)),
        at(i, j),
        (j + 1 < m).then(|| at(i, j + 1)),
    );
    let di = refine(
        i.checked_sub(1).map(|i| at(i, j)),
        at(i, j),
        (i + 1 < m).then(|| at(i + 1, j)),
    );
    (
        pcol as f64 - HALF_REGION + (j as f64 + dj) * step,
        prow as f64 - HALF_REGION + (i as f64 + di) * step,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parabola_vertex_finds_the_top() {
        // y = -(x - 0.3)²: samples at -1, 0, 1.
        let y = |x: f64| -(x - 0.3) * (x - 0.3);
        assert!((parabola_vertex(y(-1.0), y(0.0), y(1.0)) - 0.3).abs() < 1e-12);
        assert_eq!(parabola_vertex(1.0, 0.0, 1.0), 0.0);
    }

    #[test]
    fn upsampled_dft_locates_a_pure_phase_ramp() {
        let n = 32;
        let (sx, sy) = (-3.37, 1.81);
        // The cross-power spectrum of a pure shift is a phase ramp whose surface peaks there.
        let freq = |k: usize| {
            if k >= n / 2 {
                k as f64 - n as f64
            } else {
                k as f64
            }
        };
        let r: Vec<rustfft::num_complex::Complex32> = (0..n * n)
            .map(|i| {
                let a = -std::f64::consts::TAU * (freq(i / n) * sy + freq(i % n) * sx) / n as f64;
                rustfft::num_complex::Complex32::new(a.cos() as f32, a.sin() as f32)
            })
            .collect();
        let (dx, dy) = upsampled_peak(&r, n, -3, 2);
        assert!(
            (dx - sx).abs() < 0.01 && (dy - sy).abs() < 0.01,
            "{dx} {dy}"
        );
    }
}
