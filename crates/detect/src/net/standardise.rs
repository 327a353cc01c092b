//! Per-image standardisation: each band is shifted and scaled to mean 0 and standard deviation
//! 1 over the image's valid pixels. This removes the sensor's gain, offset and bit depth (8-bit
//! aerial, 11-bit satellite, reflectance), which is the first thing that differs between the
//! sets the network must generalise across.
//!
//! The statistics ([`Standardisation`]) can be gathered from a whole source a strip at a time
//! and then applied to any window of it, so that a scene too large for memory is standardised
//! exactly as it would be whole.

use raster::{Raster, RasterSource, ReadError};

use crate::strips::for_each_strip;

/// The mean and the scale (1 / standard deviation) of each band of an image's valid pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardisation {
    mean: Vec<f64>,
    scale: Vec<f64>,
}

/// Running sums of one band.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    count: usize,
    sum: f64,
    sum_sq: f64,
}

impl Moments {
    fn add_plane(&mut self, plane: &[f32], is_valid: impl Fn(usize) -> bool) {
        for (i, &v) in plane.iter().enumerate() {
            if v.is_finite() && is_valid(i) {
                self.count += 1;
                self.sum += v as f64;
                self.sum_sq += (v as f64) * (v as f64);
            }
        }
    }
}

/// True for the pixels of `raster` where no band is nodata.
fn valid_pixels(raster: &Raster) -> Vec<bool> {
    let n = raster.grid.width * raster.grid.height;
    (0..n)
        .map(|i| (0..raster.band_count).all(|b| !raster.is_nodata(raster.data[b * n + i])))
        .collect()
}

impl Standardisation {
    fn of_moments(moments: &[Moments]) -> Standardisation {
        let (mean, scale) = moments
            .iter()
            .map(|m| {
                let mean = if m.count > 0 {
                    m.sum / m.count as f64
                } else {
                    0.0
                };
                let variance = if m.count > 0 {
                    (m.sum_sq / m.count as f64 - mean * mean).max(0.0)
                } else {
                    0.0
                };
                // A flat band (a blank tile) would divide by zero: keep it flat at 0.
                (mean, 1.0 / variance.sqrt().max(1e-3))
            })
            .unzip();
        Standardisation { mean, scale }
    }

    /// The statistics of `planes` (`n` pixels each) over the pixels `is_valid` accepts.
    fn of_planes(planes: &[f32], n: usize, is_valid: impl Fn(usize) -> bool) -> Standardisation {
        let moments: Vec<Moments> = planes
            .chunks_exact(n)
            .map(|plane| {
                let mut m = Moments::default();
                m.add_plane(plane, &is_valid);
                m
            })
            .collect();
        Standardisation::of_moments(&moments)
    }

    /// The statistics of every valid pixel (no band nodata) of `raster`.
    pub fn of(raster: &Raster) -> Standardisation {
        let valid = valid_pixels(raster);
        Standardisation::of_planes(&raster.data, valid.len(), |i| valid[i])
    }

    /// The statistics of every valid pixel (no band nodata) of `source`, read a strip at a time.
    pub fn of_source(source: &dyn RasterSource) -> Result<Standardisation, ReadError> {
        let mut moments = vec![Moments::default(); source.band_count()];
        for_each_strip(source, |_, strip: &Raster| {
            let valid = valid_pixels(strip);
            let n = valid.len();
            for (m, plane) in moments.iter_mut().zip(strip.data.chunks_exact(n)) {
                m.add_plane(plane, |i| valid[i]);
            }
            Ok::<(), ReadError>(())
        })?;
        Ok(Standardisation::of_moments(&moments))
    }

    /// Standardises `planes` (`n` pixels each) in place; pixels `is_valid` rejects become 0.
    fn apply_planes(&self, planes: &mut [f32], n: usize, is_valid: impl Fn(usize) -> bool) {
        for ((plane, mean), scale) in planes.chunks_exact_mut(n).zip(&self.mean).zip(&self.scale) {
            for (i, v) in plane.iter_mut().enumerate() {
                *v = if v.is_finite() && is_valid(i) {
                    ((*v as f64 - mean) * scale) as f32
                } else {
                    0.0
                };
            }
        }
    }

    /// The standardised bands of `raster` (a window of the image the statistics are of),
    /// band-sequential; pixels where any band is nodata are 0.
    pub fn apply(&self, raster: &Raster) -> Vec<f32> {
        let valid = valid_pixels(raster);
        let mut planes = raster.data.clone();
        self.apply_planes(&mut planes, valid.len(), |i| valid[i]);
        planes
    }
}

/// Standardises `planes` (`bands` planes of `n` pixels each) in place by their own statistics.
/// Pixels that `is_valid` rejects (nodata) are left out of the statistics and set to 0, the
/// mean.
pub fn standardise(planes: &mut [f32], n: usize, is_valid: impl Fn(usize) -> bool) {
    Standardisation::of_planes(planes, n, &is_valid).apply_planes(planes, n, is_valid);
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::{Crs, GeoTransform, Grid, SampleType, Window};

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

    #[test]
    fn statistics_gathered_by_strips_standardise_a_window_as_the_whole() {
        let grid = Grid::new(
            Crs::wgs84(),
            GeoTransform::north_up(0.0, 0.0, 1.0, 1.0),
            40,
            600,
        );
        let mut raster = Raster::filled(grid, 2, 0.0, SampleType::F32);
        for (i, v) in raster.data.iter_mut().enumerate() {
            *v = ((i * 37) % 101) as f32 + (i / 24_000) as f32 * 50.0;
        }
        raster.nodata = Some(7.0);
        let stats = Standardisation::of_source(&raster).unwrap();
        let whole = Standardisation::of(&raster).apply(&raster);
        let window = raster.read_window(&Window::new(5, 300, 10, 20)).unwrap();
        let part = stats.apply(&window);
        for b in 0..2 {
            for r in 0..20 {
                for c in 0..10 {
                    let (p, w) = (
                        part[b * 200 + r * 10 + c],
                        whole[b * 24_000 + (r + 300) * 40 + c + 5],
                    );
                    assert!((p - w).abs() < 1e-5, "{p} vs {w}");
                }
            }
        }
    }
}
