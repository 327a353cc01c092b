//! Right-angle regularisation: an outline redrawn with every side parallel or perpendicular to
//! the building's dominant direction, as most buildings are built.
//!
//! The outline is turned so that the dominant direction is the x axis and simplified
//! (Douglas-Peucker), which finds its straight stretches; each stretch is called along
//! (|dx| ≥ |dy|) or across. Each stretch is replaced by the axis-parallel line that keeps the
//! area under the original outline between its ends (`∫y dx / ∫dx` for an along stretch), so
//! a pixel staircase becomes the line through its middle, not through its outer corners.
//! Consecutive stretches of one kind merge into one side (weights: their extents); the new
//! corners are where consecutive sides meet. Sides alternate along/across by construction,
//! so every corner is a right angle.

use geo::SimplifyIdx;
use geo_types::{Coord, LineString, Polygon};

/// `outline` (metres; a pixel-edge outline as it is) with right angles, sides parallel or
/// perpendicular to the direction `angle` (radians from the x axis), its straight stretches
/// found by Douglas-Peucker with `tolerance` (metres). Holes that collapse are dropped.
/// `None` when the exterior does not have at least two sides of each kind (a sliver, or a
/// shape with no corner), which has no right-angle form.
///
/// ```
/// use geo_types::polygon;
/// // A slightly skewed quadrilateral becomes a rectangle.
/// let quad = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.2), (x: 10.1, y: 5.0), (x: -0.1, y: 4.9)];
/// let square = registry::regularise_right_angles(&quad, 0.0, 0.1).unwrap();
/// assert_eq!(square.exterior().0.len(), 5);
/// ```
pub fn regularise_right_angles(
    outline: &Polygon<f64>,
    angle: f64,
    tolerance: f64,
) -> Option<Polygon<f64>> {
    let exterior = right_angle_ring(outline.exterior(), angle, tolerance)?;
    let holes = outline
        .interiors()
        .iter()
        .filter_map(|h| right_angle_ring(h, angle, tolerance))
        .collect();
    Some(Polygon::new(exterior, holes))
}

/// One side of the regularised ring: along the dominant direction (a line of constant turned
/// y) or across it (constant turned x), with its extent-weighted offset.
struct Side {
    along: bool,
    weighted_offset: f64,
    weight: f64,
}

fn right_angle_ring(ring: &LineString<f64>, angle: f64, tolerance: f64) -> Option<LineString<f64>> {
    let (sin, cos) = angle.sin_cos();
    let turned: Vec<Coord<f64>> = ring
        .0
        .iter()
        .map(|c| Coord {
            x: c.x * cos + c.y * sin,
            y: -c.x * sin + c.y * cos,
        })
        .collect();
    let kept = LineString::new(turned.clone()).simplify_idx(tolerance);
    // Each stretch between kept vertices as a side of one segment.
    let stretches: Vec<Side> = kept
        .windows(2)
        .filter_map(|k| {
            let (a, b) = (turned[k[0]], turned[k[1]]);
            let along = (b.x - a.x).abs() >= (b.y - a.y).abs();
            // The area-keeping offset: ∫y dx over the stretch divided by ∫dx (or x and y
            // swapped), as extent-weighted offset = |∫y dx| with the sign of the extent.
            let (mut integral, mut extent) = (0.0, 0.0);
            for w in turned[k[0]..=k[1]].windows(2) {
                let (p, q) = (w[0], w[1]);
                if along {
                    integral += (q.x - p.x) * (p.y + q.y) / 2.0;
                    extent += q.x - p.x;
                } else {
                    integral += (q.y - p.y) * (p.x + q.x) / 2.0;
                    extent += q.y - p.y;
                }
            }
            (extent != 0.0).then(|| Side {
                along,
                weighted_offset: integral * extent.signum(),
                weight: extent.abs(),
            })
        })
        .collect();
    let n = stretches.len();
    // Start at a change of kind so that no side wraps around the ring's start.
    let start = (0..n).find(|&i| stretches[i].along != stretches[(i + n - 1) % n].along)?;
    let mut sides: Vec<Side> = Vec::new();
    for k in 0..n {
        let stretch = &stretches[(start + k) % n];
        match sides.last_mut() {
            Some(side) if side.along == stretch.along => {
                side.weighted_offset += stretch.weighted_offset;
                side.weight += stretch.weight;
            }
            _ => sides.push(Side { ..*stretch }),
        }
    }
    if sides.len() < 4 {
        return None;
    }
    let offsets: Vec<(bool, f64)> = sides
        .iter()
        .map(|s| (s.along, s.weighted_offset / s.weight))
        .collect();
    let mut corners: Vec<Coord<f64>> = (0..offsets.len())
        .map(|i| {
            let (this, next) = (offsets[i], offsets[(i + 1) % offsets.len()]);
            let (x, y) = if this.0 {
                (next.1, this.1)
            } else {
                (this.1, next.1)
            };
            Coord {
                x: x * cos - y * sin,
                y: x * sin + y * cos,
            }
        })
        .collect();
    corners.push(corners[0]);
    Some(LineString::new(corners))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Rotate};
    use geo_types::polygon;

    #[test]
    fn a_rotated_l_shape_with_wobbly_edges_comes_back_square() {
        // An L (30 x 20 with a 10 x 10 notch) whose vertices are moved by up to 0.2 m.
        let wobbly = polygon![
            (x: 0.1, y: -0.1), (x: 30.0, y: 0.2), (x: 29.8, y: 10.1), (x: 20.2, y: 9.9),
            (x: 19.9, y: 20.0), (x: -0.2, y: 19.8)
        ];
        let turned = wobbly.rotate_around_point(25.0, geo_types::Point::new(0.0, 0.0));
        let square = regularise_right_angles(&turned, 25f64.to_radians(), 0.5).unwrap();
        assert_eq!(square.exterior().0.len(), 7);
        let back = square.rotate_around_point(-25.0, geo_types::Point::new(0.0, 0.0));
        for w in back.exterior().0.windows(2) {
            let (dx, dy) = (w[1].x - w[0].x, w[1].y - w[0].y);
            assert!(
                dx.abs() < 1e-9 || dy.abs() < 1e-9,
                "side {dx}, {dy} is not axis-parallel"
            );
        }
        assert!(
            (back.unsigned_area() - 500.0).abs() < 8.0,
            "{}",
            back.unsigned_area()
        );
    }

    #[test]
    fn a_triangle_has_no_right_angle_form() {
        let triangle = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 5.0, y: 1.0)];
        // Every edge runs along the x axis: there is no corner to square.
        assert!(regularise_right_angles(&triangle, 0.0, 0.1).is_none());
    }
}
