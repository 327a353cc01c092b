//! Sub-pixel roof edges: a roughly rectangular outline (a detected change, an imported
//! footprint a metre off) becomes a rotated rectangle whose sides lie on the image's step
//! between roof and ground.
//!
//! # The rule
//!
//! Start from the outline's minimum rotated rectangle. For each of its four sides, cast
//! profiles perpendicular to it, one per pixel along it (leaving out a fifth of the side at
//! each end, where corners and neighbours interfere), sampled bilinearly every quarter pixel
//! over ±[`EdgeRules::search_px`]. Per profile, the roof level is the median of the samples
//! just inside the search range and the outside level the median just beyond it (over
//! [`EdgeRules::level_px`]); every sample is projected onto the line between the two levels
//! (0 outside, 1 roof; all bands at once, so a roof that differs from the ground in colour
//! only is still seen). The edge on that profile is where the projection crosses ½ going
//! outwards, at the crossing with the steepest step (seams and ridges inside a roof cross
//! too, less steeply). Profiles whose two levels differ by less than
//! [`EdgeRules::min_contrast`] of their mean brightness, or without a crossing, are left out.
//! A box-filtered edge (a sensor's pixel, a bilinear resampling) crosses ½ where the edge is,
//! so the crossing is the edge to a fraction of a pixel.
//!
//! The side moves by the median crossing; the slope of the crossings along the side (a least
//! squares line through those within 3 MADs of the median) says how far the side is turned.
//! The first pass moves every side and turns the rectangle by the mean turn of its sides
//! (weighted by profiles and length); a second pass over ±1.5 px moves the sides again. A side
//! with fewer than [`EdgeRules::min_profiles`] edges keeps its place.
//!
//! The uncertainty of each side is the standard error of its median crossing
//! (`1.2533 × 1.4826 × MAD / √n`).
//!
//! # Failures
//!
//! A side against a neighbour with the same roof (an annex wall) has no step and keeps its
//! place; a roof whose edge is in deep shade of its own colour is found at the shade's edge;
//! outlines that are not rectangles (L-shapes, courtyards) are not refined (the caller checks
//! rectangularity first).

use geo::{ConvexHull, MinimumRotatedRect};
use geo_types::{Coord, LineString, Polygon};
use raster::Raster;

/// The settings of the edge search.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EdgeRules {
    /// How far either side of the starting side the edge is looked for, pixels.
    pub search_px: f64,
    /// How deep the roof and outside levels are taken beyond the search range, pixels.
    pub level_px: f64,
    /// The least roof/outside difference, as a share of their mean brightness.
    pub min_contrast: f64,
    /// The fewest profiles with an edge for a side to move.
    pub min_profiles: usize,
}

impl Default for EdgeRules {
    /// ±4 px (an import a metre off at 0.5 m, plus a pixel), 3 px levels, 8% contrast,
    /// 5 profiles.
    fn default() -> Self {
        EdgeRules {
            search_px: 4.0,
            level_px: 3.0,
            min_contrast: 0.08,
            min_profiles: 5,
        }
    }
}

/// A rotated rectangle in a grid's pixel space (columns, rows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelRectangle {
    pub cx: f64,
    pub cy: f64,
    /// Direction of the first axis, radians from the column axis towards the row axis.
    pub angle: f64,
    /// Half the extent along the first axis, pixels.
    pub half_a: f64,
    /// Half the extent along the second axis, pixels.
    pub half_b: f64,
}

impl PixelRectangle {
    /// The minimum rotated rectangle of a polygon in pixel coordinates.
    pub fn enclosing(polygon: &Polygon<f64>) -> Option<PixelRectangle> {
        let rect = polygon.convex_hull().minimum_rotated_rect()?;
        let c = &rect.exterior().0;
        let side = |a: Coord<f64>, b: Coord<f64>| (b.x - a.x, b.y - a.y);
        let (ax, ay) = side(c[0], c[1]);
        let (bx, by) = side(c[1], c[2]);
        let (la, lb) = (ax.hypot(ay), bx.hypot(by));
        if la <= 0.0 || lb <= 0.0 {
            return None;
        }
        Some(PixelRectangle {
            cx: (c[0].x + c[2].x) / 2.0,
            cy: (c[0].y + c[2].y) / 2.0,
            angle: ay.atan2(ax),
            half_a: la / 2.0,
            half_b: lb / 2.0,
        })
    }

    /// Area in square pixels.
    pub fn area(&self) -> f64 {
        4.0 * self.half_a * self.half_b
    }

    /// The two unit axes.
    fn axes(&self) -> ((f64, f64), (f64, f64)) {
        let (s, c) = self.angle.sin_cos();
        ((c, s), (-s, c))
    }

    /// The closed corner ring.
    pub fn polygon(&self) -> Polygon<f64> {
        let ((ax, ay), (bx, by)) = self.axes();
        let corner = |u: f64, v: f64| Coord {
            x: self.cx + u * ax + v * bx,
            y: self.cy + u * ay + v * by,
        };
        let (a, b) = (self.half_a, self.half_b);
        Polygon::new(
            LineString(vec![
                corner(-a, -b),
                corner(a, -b),
                corner(a, b),
                corner(-a, b),
                corner(-a, -b),
            ]),
            vec![],
        )
    }

    /// The four sides: outward normal, half-extent to the side, tangent half-length.
    fn sides(&self) -> [((f64, f64), f64, f64); 4] {
        let ((ax, ay), (bx, by)) = self.axes();
        [
            ((ax, ay), self.half_a, self.half_b),
            ((-ax, -ay), self.half_a, self.half_b),
            ((bx, by), self.half_b, self.half_a),
            ((-bx, -by), self.half_b, self.half_a),
        ]
    }

    /// This rectangle with side `k` (in [`Self::sides`] order) moved outwards by `by` pixels.
    fn moved(&self, k: usize, by: f64) -> PixelRectangle {
        let ((ax, ay), (bx, by_)) = self.axes();
        let (nx, ny) = match k {
            0 => (ax, ay),
            1 => (-ax, -ay),
            2 => (bx, by_),
            _ => (-bx, -by_),
        };
        let mut r = *self;
        r.cx += nx * by / 2.0;
        r.cy += ny * by / 2.0;
        if k < 2 {
            r.half_a += by / 2.0;
        } else {
            r.half_b += by / 2.0;
        }
        r
    }
}

/// One side's edge as the profiles found it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SideEdge {
    /// How far the side moved outwards, pixels (0 where it kept its place).
    pub moved_px: f64,
    /// The standard error of its position, pixels (`None` where it kept its place).
    pub standard_error_px: Option<f64>,
    /// The profiles that found the edge.
    pub profiles: usize,
}

/// A rectangle placed on the image's roof edges.
#[derive(Debug, Clone, PartialEq)]
pub struct RefinedRectangle {
    pub rectangle: PixelRectangle,
    /// The sides in the order: +first axis, -first axis, +second axis, -second axis.
    pub sides: [SideEdge; 4],
    /// How far the rectangle was turned, radians.
    pub turned: f64,
}

impl RefinedRectangle {
    /// The standard error of the rectangle's area from its sides' errors, square pixels
    /// (sides taken as independent; a side that kept its place counts half a pixel).
    pub fn area_standard_error_px2(&self) -> f64 {
        let r = &self.rectangle;
        self.sides
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let length = 2.0 * if k < 2 { r.half_b } else { r.half_a };
                let se = s.standard_error_px.unwrap_or(0.5);
                (length * se).powi(2)
            })
            .sum::<f64>()
            .sqrt()
    }

    /// How many sides found their edge.
    pub fn sides_found(&self) -> usize {
        self.sides
            .iter()
            .filter(|s| s.standard_error_px.is_some())
            .count()
    }
}

/// Places `start` on the roof edges of `image` (on the same grid), or `None` when no side
/// found an edge.
pub fn refine_rectangle(
    start: &PixelRectangle,
    image: &Raster,
    rules: &EdgeRules,
) -> Option<RefinedRectangle> {
    let first = edges(start, image, rules.search_px, rules);
    let mut rect = *start;
    let (mut turn, mut weight) = (0.0, 0.0);
    for (k, (edge, slope)) in first.iter().enumerate() {
        if edge.standard_error_px.is_some() {
            rect = rect.moved(k, edge.moved_px);
            if let Some(slope) = slope {
                let length = if k < 2 { start.half_b } else { start.half_a };
                let w = edge.profiles as f64 * length * length;
                turn += -slope.atan() * w;
                weight += w;
            }
        }
    }
    let turned = if weight > 0.0 { turn / weight } else { 0.0 };
    // A turn of more than ~10° is no tracing error but a misfit: keep the direction.
    let turned = if turned.abs() < 0.18 { turned } else { 0.0 };
    rect.angle += turned;
    let second = edges(&rect, image, 1.5, rules);
    let mut sides = [SideEdge {
        moved_px: 0.0,
        standard_error_px: None,
        profiles: 0,
    }; 4];
    for (k, (edge, _)) in second.iter().enumerate() {
        if edge.standard_error_px.is_some() {
            rect = rect.moved(k, edge.moved_px);
            sides[k] = SideEdge {
                moved_px: edge.moved_px + first[k].0.moved_px,
                ..*edge
            };
        } else {
            sides[k] = first[k].0;
        }
    }
    let refined = RefinedRectangle {
        rectangle: rect,
        sides,
        turned,
    };
    (refined.sides_found() > 0 && rect.half_a > 0.5 && rect.half_b > 0.5).then_some(refined)
}

/// Each side's edge (moved outwards by the median crossing) and the slope of the crossings
/// along it, searching ±`search` pixels.
fn edges(
    rect: &PixelRectangle,
    image: &Raster,
    search: f64,
    rules: &EdgeRules,
) -> [(SideEdge, Option<f64>); 4] {
    rect.sides().map(|((nx, ny), depth, half_len)| {
        let (tx, ty) = (-ny, nx);
        let margin = (0.2 * half_len).max(1.5);
        let mut found: Vec<(f64, f64)> = Vec::new();
        let mut s = -half_len + margin;
        while s <= half_len - margin {
            let base = (rect.cx + tx * s + nx * depth, rect.cy + ty * s + ny * depth);
            if let Some(o) = crossing(image, base, (nx, ny), search, depth, rules) {
                found.push((s, o));
            }
            s += 1.0;
        }
        side_edge(&found, rules)
    })
}

/// The side's edge from the crossings `(position along, offset)` of its profiles.
fn side_edge(found: &[(f64, f64)], rules: &EdgeRules) -> (SideEdge, Option<f64>) {
    if found.len() < rules.min_profiles {
        return (
            SideEdge {
                moved_px: 0.0,
                standard_error_px: None,
                profiles: found.len(),
            },
            None,
        );
    }
    let mut offsets: Vec<f64> = found.iter().map(|f| f.1).collect();
    let middle = median(&mut offsets);
    let mut deviations: Vec<f64> = found.iter().map(|f| (f.1 - middle).abs()).collect();
    let mad = median(&mut deviations);
    let n = found.len() as f64;
    let se = (1.2533 * 1.4826 * mad / n.sqrt()).max(0.02);
    // The slope through the crossings near the median.
    let keep: Vec<&(f64, f64)> = found
        .iter()
        .filter(|f| (f.1 - middle).abs() <= 3.0 * 1.4826 * mad + 0.25)
        .collect();
    let m = keep.len() as f64;
    let (ms, mo) = (
        keep.iter().map(|f| f.0).sum::<f64>() / m,
        keep.iter().map(|f| f.1).sum::<f64>() / m,
    );
    let sxx: f64 = keep.iter().map(|f| (f.0 - ms).powi(2)).sum();
    let sxy: f64 = keep.iter().map(|f| (f.0 - ms) * (f.1 - mo)).sum();
    let slope = (keep.len() >= rules.min_profiles && sxx > 0.0).then(|| sxy / sxx);
    (
        SideEdge {
            moved_px: middle,
            standard_error_px: Some(se),
            profiles: found.len(),
        },
        slope,
    )
}

/// The offset (outwards from `base`, along `normal`) where one profile crosses from roof to
/// outside, or `None`. `depth` is how far inside the roof reaches (the opposite side).
fn crossing(
    image: &Raster,
    base: (f64, f64),
    normal: (f64, f64),
    search: f64,
    depth: f64,
    rules: &EdgeRules,
) -> Option<f64> {
    const STEP: f64 = 0.25;
    let bands = image.band_count;
    let sample = |o: f64| -> Option<Vec<f64>> {
        bilinear(image, base.0 + normal.0 * o, base.1 + normal.1 * o)
    };
    // The roof level inside the search range (never beyond the middle of the building) and the
    // outside level beyond it.
    let inner_end = -search;
    let inner_start = (-search - rules.level_px)
        .max(-2.0 * depth + search + 0.5)
        .min(inner_end - 1.0);
    let level = |from: f64, to: f64| -> Option<Vec<f64>> {
        let mut per_band: Vec<Vec<f64>> = vec![Vec::new(); bands];
        let mut o = from;
        while o <= to + 1e-9 {
            let v = sample(o)?;
            for b in 0..bands {
                per_band[b].push(v[b]);
            }
            o += STEP;
        }
        Some(per_band.iter_mut().map(|v| median(v)).collect())
    };
    let roof = level(inner_start, inner_end)?;
    let outside = level(search, search + rules.level_px)?;
    let d: Vec<f64> = roof.iter().zip(&outside).map(|(r, o)| r - o).collect();
    let d2: f64 = d.iter().map(|x| x * x).sum();
    let brightness: f64 = roof.iter().chain(&outside).map(|x| x.abs()).sum::<f64>() / 2.0;
    if d2.sqrt() < rules.min_contrast * brightness / (bands as f64).sqrt() {
        return None;
    }
    let steps = (2.0 * search / STEP).round() as usize;
    let f: Vec<f64> = (0..=steps)
        .map(|i| {
            let v = sample(-search + i as f64 * STEP)?;
            Some(
                v.iter()
                    .zip(&outside)
                    .zip(&d)
                    .map(|((x, o), d)| (x - o) * d)
                    .sum::<f64>()
                    / d2,
            )
        })
        .collect::<Option<_>>()?;
    let reach = (1.0 / STEP) as usize;
    let mut best: Option<(f64, f64)> = None;
    for i in 0..steps {
        if f[i] >= 0.5 && f[i + 1] < 0.5 {
            let t = (f[i] - 0.5) / (f[i] - f[i + 1]);
            let o = -search + (i as f64 + t) * STEP;
            let step = f[i.saturating_sub(reach)] - f[(i + 1 + reach).min(steps)];
            if best.is_none_or(|(s, _)| step > s) {
                best = Some((step, o));
            }
        }
    }
    best.map(|(_, o)| o)
}

/// All bands at pixel-space point `(x, y)` by bilinear interpolation between pixel centres,
/// or `None` off the image.
fn bilinear(image: &Raster, x: f64, y: f64) -> Option<Vec<f64>> {
    let (w, h) = (image.grid.width, image.grid.height);
    let (fx, fy) = (x - 0.5, y - 0.5);
    if fx < 0.0 || fy < 0.0 || fx >= (w - 1) as f64 || fy >= (h - 1) as f64 {
        return None;
    }
    let (c, r) = (fx.floor() as usize, fy.floor() as usize);
    let (u, v) = (fx - c as f64, fy - r as f64);
    let p = r * w + c;
    Some(
        (0..image.band_count)
            .map(|b| {
                let band = image.band(b);
                let at = |q: usize| f64::from(band[q]);
                (1.0 - v) * ((1.0 - u) * at(p) + u * at(p + 1))
                    + v * ((1.0 - u) * at(p + w) + u * at(p + w + 1))
            })
            .collect(),
    )
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::{Crs, GeoTransform, Grid, SampleType};

    const W: usize = 100;

    /// A 2-band image of a rotated roof (box-filtered: each pixel the mean of 5x5 samples)
    /// over textured ground.
    fn roof_image(truth: &PixelRectangle) -> Raster {
        let grid = Grid::new(
            Crs::from_epsg(32633).unwrap(),
            GeoTransform::north_up(500_000.0, 5_000_000.0, 0.5, 0.5),
            W,
            W,
        );
        let mut r = Raster::filled(grid, 2, 0.0, SampleType::F32);
        let ((ax, ay), (bx, by)) = truth.axes();
        for p in 0..W * W {
            let (c, row) = ((p % W) as f64, (p / W) as f64);
            let mut inside = 0.0;
            for j in 0..5 {
                for i in 0..5 {
                    let (x, y) = (c + (i as f64 + 0.5) / 5.0, row + (j as f64 + 0.5) / 5.0);
                    let (dx, dy) = (x - truth.cx, y - truth.cy);
                    let (u, v) = (dx * ax + dy * ay, dx * bx + dy * by);
                    if u.abs() <= truth.half_a && v.abs() <= truth.half_b {
                        inside += 1.0 / 25.0;
                    }
                }
            }
            let ground = [60.0, 90.0].map(|g: f64| g + ((p * 7919) % 11) as f64);
            let roof = [150.0, 120.0];
            for b in 0..2 {
                r.band_mut(b)[p] = (inside * roof[b] + (1.0 - inside) * ground[b]) as f32;
            }
        }
        r
    }

    #[test]
    fn a_rectangle_traced_off_by_two_pixels_is_placed_on_the_roof_edges() {
        let truth = PixelRectangle {
            cx: 50.3,
            cy: 47.6,
            angle: 0.35,
            half_a: 30.2,
            half_b: 12.7,
        };
        let image = roof_image(&truth);
        // Traced: shifted, too large on one side, turned by 4°.
        let start = PixelRectangle {
            cx: 51.5,
            cy: 46.4,
            angle: 0.35 + 4f64.to_radians(),
            half_a: 31.5,
            half_b: 11.6,
        };
        let refined = refine_rectangle(&start, &image, &EdgeRules::default()).unwrap();
        let r = refined.rectangle;
        assert_eq!(refined.sides_found(), 4);
        assert!(
            (r.area() - truth.area()).abs() < 0.01 * truth.area(),
            "{r:?}"
        );
        assert!((r.angle - truth.angle).abs() < 0.01, "{r:?}");
        assert!(
            (r.cx - truth.cx).abs() < 0.2 && (r.cy - truth.cy).abs() < 0.2,
            "{r:?}"
        );
        assert!(refined.area_standard_error_px2() < 0.01 * truth.area());
    }

    #[test]
    fn a_side_without_a_step_keeps_its_place() {
        let truth = PixelRectangle {
            cx: 50.0,
            cy: 50.0,
            angle: 0.0,
            half_a: 30.0,
            half_b: 12.0,
        };
        let mut image = roof_image(&truth);
        // The roof continues beyond the +first-axis side (an annex of the same roof).
        for p in 0..W * W {
            let (c, row) = (p % W, p / W);
            if c >= 80 && (38..62).contains(&row) {
                image.band_mut(0)[p] = 150.0;
                image.band_mut(1)[p] = 120.0;
            }
        }
        let refined = refine_rectangle(&truth, &image, &EdgeRules::default()).unwrap();
        assert_eq!(refined.sides[0].standard_error_px, None);
        assert_eq!(refined.sides[0].moved_px, 0.0);
        assert!(refined.sides[2].standard_error_px.is_some());
    }
}
