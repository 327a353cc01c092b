//! Widened kernels for strong downsampling, as GDAL's `GWKResample`: when the destination
//! has at most half the source's pixels along an axis, the bilinear (triangle) or cubic kernel
//! is stretched by 1 / scale so that every source pixel under a destination pixel contributes.
//! Source pixels outside the source or nodata are left out and the weights renormalised.

use super::BandView;

/// The kernel shape of a resampling method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Filter {
    /// The triangle `1 - |x|` (bilinear), radius 1.
    Triangle,
    /// Keys cubic convolution with a = -0.5, radius 2.
    Cubic,
}

impl Filter {
    fn radius(self) -> i64 {
        match self {
            Filter::Triangle => 1,
            Filter::Cubic => 2,
        }
    }

    fn weight(self, x: f64) -> f64 {
        let ax = x.abs();
        match self {
            Filter::Triangle => {
                if ax <= 1.0 {
                    1.0 - ax
                } else {
                    0.0
                }
            }
            Filter::Cubic => {
                let x2 = x * x;
                if ax <= 1.0 {
                    x2 * (1.5 * ax - 2.5) + 1.0
                } else if ax <= 2.0 {
                    x2 * (-0.5 * ax + 2.5) - 4.0 * ax + 2.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// A filter stretched for a resampling scale (destination pixels per source pixel) per axis.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScaledKernel {
    filter: Filter,
    scale: (f64, f64),
    /// The kernel's reach in source pixels: `ceil(radius / scale)` when downsampling.
    reach: (i64, i64),
}

impl ScaledKernel {
    pub(super) fn new(filter: Filter, scale_x: f64, scale_y: f64) -> Self {
        let r = filter.radius();
        let reach = |s: f64| {
            if s < 1.0 {
                (r as f64 / s).ceil() as i64
            } else {
                r
            }
        };
        ScaledKernel {
            filter,
            scale: (scale_x.min(1.0), scale_y.min(1.0)),
            reach: (reach(scale_x), reach(scale_y)),
        }
    }

    /// How many source pixels beyond the sample point the kernel reads.
    pub(super) fn reach(&self) -> usize {
        self.reach.0.max(self.reach.1) as usize
    }

    /// The filtered sample at window pixel coordinates `(u, v)`.
    pub(super) fn sample(&self, band: &BandView, u: f64, v: f64) -> Option<f64> {
        let ix = (u - 0.5).floor() as i64;
        let iy = (v - 0.5).floor() as i64;
        let dx = u - 0.5 - ix as f64;
        let dy = v - 0.5 - iy as f64;
        // Odd-radius kernels start one pixel further left, as GDAL's nFiltInitX.
        let init = (self.filter.radius() + 1) % 2;
        let i_min = (init - self.reach.0).max(-ix);
        let i_max = self.reach.0.min(band.width as i64 - 1 - ix);
        let j_min = (init - self.reach.1).max(-iy);
        let j_max = self.reach.1.min(band.height as i64 - 1 - iy);
        let wx: Vec<f64> = (i_min..=i_max)
            .map(|i| self.filter.weight((i as f64 - dx) * self.scale.0))
            .collect();
        let mut sum = 0.0;
        let mut weight = 0.0;
        for j in j_min..=j_max {
            let wy = self.filter.weight((j as f64 - dy) * self.scale.1);
            let mut row_sum = 0.0;
            let mut row_weight = 0.0;
            for (i, w) in (i_min..=i_max).zip(&wx) {
                if let Some(p) = band.get(ix + i, iy + j) {
                    row_sum += p * w;
                    row_weight += w;
                }
            }
            sum += row_sum * wy;
            weight += row_weight * wy;
        }
        if weight < 0.000001 {
            None
        } else if !(0.99999..=1.00001).contains(&weight) {
            Some(sum / weight)
        } else {
            Some(sum)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_scale_triangle_averages_the_pixels_under_it() {
        // Destination pixel centre at source (2, 2) covers source pixels 1 and 2 fully and
        // 0 and 3 with less weight; a constant band stays constant, a ramp stays a ramp.
        let ramp: Vec<f32> = (0..16).map(|i| (i % 4) as f32 * 10.0).collect();
        let band = BandView::new(&ramp, 4, 4, None);
        let k = ScaledKernel::new(Filter::Triangle, 0.5, 0.5);
        assert_eq!(k.reach(), 2);
        let v = k.sample(&band, 2.0, 2.0).unwrap();
        assert!((v - 15.0).abs() < 1e-9, "{v}");
    }

    #[test]
    fn nodata_is_left_out() {
        let data = [5.0, 5.0, 5.0, -1.0, 5.0, 5.0, 5.0, 5.0, 5.0];
        let band = BandView::new(&data, 3, 3, Some(-1.0));
        let k = ScaledKernel::new(Filter::Cubic, 0.4, 0.4);
        assert!((k.sample(&band, 1.5, 1.5).unwrap() - 5.0).abs() < 1e-12);
        let empty = [-1.0_f32; 4];
        let band = BandView::new(&empty, 2, 2, Some(-1.0));
        assert_eq!(k.sample(&band, 1.0, 1.0), None);
    }
}
