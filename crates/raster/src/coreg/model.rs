//! The correction model fitted to the tie points: a shift or an affine field, fitted robustly
//! (iteratively reweighted least squares with Tukey's biweight) and chosen by the data (BIC).

use serde::{Deserialize, Serialize};

/// How far TARGET must move, in REF pixels, as a function of the REF pixel position: positive
/// `dx` east (columns), positive `dy` south (rows).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CorrectionModel {
    /// The same correction everywhere.
    Shift { dx: f64, dy: f64 },
    /// A correction that varies linearly over the grid (rotation, scale, shear between the
    /// scenes): `dx = dx[0] + dx[1]·(col - centre.0) + dx[2]·(row - centre.1)`, `dy` alike.
    Affine {
        centre: (f64, f64),
        dx: [f64; 3],
        dy: [f64; 3],
    },
}

impl CorrectionModel {
    /// The correction `(dx, dy)` at the REF pixel-space position `(col, row)`.
    pub fn correction_at(&self, col: f64, row: f64) -> (f64, f64) {
        match self {
            CorrectionModel::Shift { dx, dy } => (*dx, *dy),
            CorrectionModel::Affine { centre, dx, dy } => {
                let (c, r) = (col - centre.0, row - centre.1);
                (dx[0] + dx[1] * c + dx[2] * r, dy[0] + dy[1] * c + dy[2] * r)
            }
        }
    }

    /// How many numbers the model has (for the information criterion).
    fn parameter_count(&self) -> usize {
        match self {
            CorrectionModel::Shift { .. } => 2,
            CorrectionModel::Affine { .. } => 6,
        }
    }
}

/// The model applied inside a warp onto REF's grid: each REF-grid position samples TARGET
/// where TARGET's content lies, the position minus the correction, so that the scene is
/// resampled once.
impl crate::warp::PixelCorrection for CorrectionModel {
    fn correct(&self, col: f64, row: f64) -> (f64, f64) {
        let (dx, dy) = self.correction_at(col, row);
        (col - dx, row - dy)
    }
}

/// One measured correction: at REF position `(col, row)` TARGET must move `(dx, dy)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub col: f64,
    pub row: f64,
    pub dx: f64,
    pub dy: f64,
}

/// A robust fit: the model and which observations it kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub model: CorrectionModel,
    /// One flag per observation: true when it is an inlier.
    pub inliers: Vec<bool>,
    /// Root mean square of the inliers' residual vectors, in pixels.
    pub rmse_px: f64,
}

/// The model shapes that may be fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Shift,
    Affine,
}

/// Tukey biweight tuning constant (95 % efficiency for Gaussian residuals).
const BIWEIGHT_C: f64 = 4.685;
/// Residual scale floor in pixels: below this, matching noise is not worth rejecting points.
const MIN_SCALE_PX: f64 = 0.05;
/// Fewest inliers for an affine model to be considered.
const MIN_AFFINE_POINTS: usize = 8;

/// Fits the correction model to the observations: a robust shift, and an affine field when
/// the points are many and well spread over `extent` (width, height) and it explains them
/// better than the shift by the Bayesian information criterion. `None` with no observations.
pub fn fit_model(observations: &[Observation], extent: (f64, f64)) -> Option<Fit> {
    let shift = robust_fit(observations, Shape::Shift, extent)?;
    let inliers: Vec<Observation> = select(observations, &shift.inliers);
    if inliers.len() < MIN_AFFINE_POINTS || !well_spread(&inliers, extent) {
        return Some(shift);
    }
    let Some(affine) = robust_fit(observations, Shape::Affine, extent) else {
        return Some(shift);
    };
    // Compare both shapes on the same points: the affine fit's inliers.
    let common = select(observations, &affine.inliers);
    let shift_on_common = least_squares(&common, None, Shape::Shift, extent)?;
    if bic(&common, &affine.model) < bic(&common, &shift_on_common) {
        Some(affine)
    } else {
        Some(shift)
    }
}

fn select(observations: &[Observation], keep: &[bool]) -> Vec<Observation> {
    observations
        .iter()
        .zip(keep)
        .filter(|(_, &k)| k)
        .map(|(o, _)| *o)
        .collect()
}

/// The residual vector of an observation under a model.
fn residual(o: &Observation, model: &CorrectionModel) -> (f64, f64) {
    let (dx, dy) = model.correction_at(o.col, o.row);
    (o.dx - dx, o.dy - dy)
}

fn bic(points: &[Observation], model: &CorrectionModel) -> f64 {
    let n = 2.0 * points.len() as f64;
    let rss: f64 = points
        .iter()
        .map(|o| {
            let (rx, ry) = residual(o, model);
            rx * rx + ry * ry
        })
        .sum();
    // The floor keeps a perfect (noise-free) fit from sending the logarithm to -infinity.
    let rss = rss.max(n * 1e-8);
    n * (rss / n).ln() + model.parameter_count() as f64 * n.ln()
}

/// True when the points cover enough of the extent in both directions, and not along a line,
/// for an affine field to be determined.
fn well_spread(points: &[Observation], extent: (f64, f64)) -> bool {
    let n = points.len() as f64;
    let (mc, mr) = (
        points.iter().map(|o| o.col).sum::<f64>() / n,
        points.iter().map(|o| o.row).sum::<f64>() / n,
    );
    let (mut scc, mut srr, mut scr) = (0.0, 0.0, 0.0);
    for o in points {
        scc += (o.col - mc).powi(2);
        srr += (o.row - mr).powi(2);
        scr += (o.col - mc) * (o.row - mr);
    }
    let (sdc, sdr) = ((scc / n).sqrt(), (srr / n).sqrt());
    let correlation = if sdc > 0.0 && sdr > 0.0 {
        scr / n / (sdc * sdr)
    } else {
        1.0
    };
    // A uniform spread over the extent has a deviation of 0.29 of it; half of that suffices.
    sdc >= extent.0 / 7.0 && sdr >= extent.1 / 7.0 && correlation.abs() < 0.9
}

/// Iteratively reweighted least squares with Tukey's biweight, starting from the
/// component-wise median; points beyond the biweight's reach are outliers.
fn robust_fit(observations: &[Observation], shape: Shape, extent: (f64, f64)) -> Option<Fit> {
    if observations.is_empty() {
        return None;
    }
    let mut model = CorrectionModel::Shift {
        dx: median(observations.iter().map(|o| o.dx).collect()),
        dy: median(observations.iter().map(|o| o.dy).collect()),
    };
    let mut weights = vec![1.0; observations.len()];
    let mut scale = MIN_SCALE_PX;
    for _ in 0..20 {
        let distances: Vec<f64> = observations
            .iter()
            .map(|o| {
                let (rx, ry) = residual(o, &model);
                rx.hypot(ry)
            })
            .collect();
        // The median residual distance of a 2-D Gaussian is 1.1774 of its per-axis deviation.
        scale = (median(distances.clone()) / 1.1774).max(MIN_SCALE_PX);
        let new_weights: Vec<f64> = distances
            .iter()
            .map(|d| {
                let u = d / (BIWEIGHT_C * scale);
                if u < 1.0 {
                    (1.0 - u * u).powi(2)
                } else {
                    0.0
                }
            })
            .collect();
        let Some(next) = least_squares(observations, Some(&new_weights), shape, extent) else {
            break;
        };
        let converged = weights
            .iter()
            .zip(&new_weights)
            .all(|(a, b)| (a - b).abs() < 1e-6);
        weights = new_weights;
        model = next;
        if converged {
            break;
        }
    }
    let inliers: Vec<bool> = observations
        .iter()
        .map(|o| {
            let (rx, ry) = residual(o, &model);
            rx.hypot(ry) < BIWEIGHT_C * scale
        })
        .collect();
    let kept = select(observations, &inliers);
    if kept.is_empty() {
        return None;
    }
    let rmse_px = (kept
        .iter()
        .map(|o| {
            let (rx, ry) = residual(o, &model);
            rx * rx + ry * ry
        })
        .sum::<f64>()
        / kept.len() as f64)
        .sqrt();
    Some(Fit {
        model,
        inliers,
        rmse_px,
    })
}

/// Weighted least squares of one shape; `None` when the system is singular.
fn least_squares(
    observations: &[Observation],
    weights: Option<&[f64]>,
    shape: Shape,
    extent: (f64, f64),
) -> Option<CorrectionModel> {
    let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
    match shape {
        Shape::Shift => {
            let total: f64 = (0..observations.len()).map(weight).sum();
            if total <= 0.0 {
                return None;
            }
            let mean = |f: fn(&Observation) -> f64| {
                observations
                    .iter()
                    .enumerate()
                    .map(|(i, o)| weight(i) * f(o))
                    .sum::<f64>()
                    / total
            };
            Some(CorrectionModel::Shift {
                dx: mean(|o| o.dx),
                dy: mean(|o| o.dy),
            })
        }
        Shape::Affine => {
            let centre = (extent.0 / 2.0, extent.1 / 2.0);
            let mut normal = [[0.0; 3]; 3];
            let (mut bx, mut by) = ([0.0; 3], [0.0; 3]);
            for (i, o) in observations.iter().enumerate() {
                let basis = [1.0, o.col - centre.0, o.row - centre.1];
                for a in 0..3 {
                    for b in 0..3 {
                        normal[a][b] += weight(i) * basis[a] * basis[b];
                    }
                    bx[a] += weight(i) * basis[a] * o.dx;
                    by[a] += weight(i) * basis[a] * o.dy;
                }
            }
            Some(CorrectionModel::Affine {
                centre,
                dx: solve3(normal, bx)?,
                dy: solve3(normal, by)?,
            })
        }
    }
}

/// Solves a 3x3 linear system by Cramer's rule; `None` when it is (nearly) singular.
fn solve3(m: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&m);
    let scale = m.iter().flatten().map(|v| v.abs()).fold(0.0, f64::max);
    if d.abs() <= 1e-12 * scale.powi(3) {
        return None;
    }
    let mut x = [0.0; 3];
    for (k, xk) in x.iter_mut().enumerate() {
        let mut mk = m;
        for r in 0..3 {
            mk[r][k] = b[r];
        }
        *xk = det(&mk) / d;
    }
    Some(x)
}

fn median(mut values: Vec<f64>) -> f64 {
    let mid = values.len() / 2;
    values.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    values[mid]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_points(f: impl Fn(f64, f64) -> (f64, f64)) -> Vec<Observation> {
        let mut points = Vec::new();
        for r in 0..6 {
            for c in 0..6 {
                let (col, row) = (100.0 + 200.0 * c as f64, 100.0 + 200.0 * r as f64);
                let (dx, dy) = f(col, row);
                points.push(Observation { col, row, dx, dy });
            }
        }
        points
    }

    #[test]
    fn constant_shift_with_outliers_is_a_shift_and_outliers_are_rejected() {
        let mut points = grid_points(|c, r| {
            // Matching noise of a few hundredths of a pixel.
            let noise = ((c * 7.0 + r * 13.0).sin()) * 0.03;
            (1.3 + noise, -0.7 - noise)
        });
        points[3].dx = 9.0;
        points[17].dy = -5.0;
        let fit = fit_model(&points, (1200.0, 1200.0)).unwrap();
        let CorrectionModel::Shift { dx, dy } = fit.model else {
            panic!("expected a shift, got {:?}", fit.model);
        };
        assert!((dx - 1.3).abs() < 0.02 && (dy + 0.7).abs() < 0.02);
        assert!(!fit.inliers[3] && !fit.inliers[17]);
        assert_eq!(fit.inliers.iter().filter(|&&k| k).count(), 34);
        assert!(fit.rmse_px < 0.06);
    }

    #[test]
    fn rotation_is_affine_but_clustered_points_stay_a_shift() {
        // 0.1 degree rotation about the centre: up to about 1 px at the corners.
        let angle = 0.1f64.to_radians();
        let rotation = |c: f64, r: f64| {
            let (x, y) = (c - 600.0, r - 600.0);
            (
                x * angle.cos() - y * angle.sin() - x + 0.5,
                x * angle.sin() + y * angle.cos() - y,
            )
        };
        let points = grid_points(rotation);
        let fit = fit_model(&points, (1200.0, 1200.0)).unwrap();
        assert!(matches!(fit.model, CorrectionModel::Affine { .. }));
        let (dx, dy) = fit.model.correction_at(1100.0, 100.0);
        let (ex, ey) = rotation(1100.0, 100.0);
        assert!((dx - ex).abs() < 1e-3 && (dy - ey).abs() < 1e-3);
        // The same field seen only by 9 points in one corner cannot determine an affine model.
        let corner: Vec<Observation> = points
            .iter()
            .filter(|o| o.col < 600.0 && o.row < 600.0)
            .copied()
            .collect();
        assert_eq!(corner.len(), 9);
        let fit = fit_model(&corner, (1200.0, 1200.0)).unwrap();
        assert!(matches!(fit.model, CorrectionModel::Shift { .. }));
    }
}
