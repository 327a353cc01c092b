//! Intervals against known truth: the footprints of `synth::plant_complex` sites, burnt into
//! 0.5 m grids at random sub-pixel offsets and a random site rotation, polygonized and measured.
//! The 95% intervals must contain the true areas, lengths, widths and area ratios at least 90%
//! of the time, and not be needlessly wide. Two cases: the exact outline (pixel quantisation
//! only) and an outline grown or shrunk by up to half a pixel all round, as a detector's
//! threshold does (each footprint and date its own offset, uniform in ±½ px).
//!
//! `cargo test --release -p registry --test synth_truth -- --ignored --nocapture` runs the
//! benchmark over more seeds and prints the figures.

use detect::{polygonize, Components};
use geo::Rotate;
use geo_types::{Coord, LineString, Point, Polygon};
use raster::{CoordTransform, Crs, GeoTransform, Grid};
use registry::{
    burn, compare, measure_footprint, EqualArea, FootprintMeasure, Measure, OutlineOptions,
    Regularisation,
};
use synth::rng::Rng;

const GSD: f64 = 0.5;

/// Hit counts and width figures over many measurements.
#[derive(Default, Debug)]
struct Tally {
    areas: Hits,
    lengths: Hits,
    widths: Hits,
    ratios: Hits,
    /// Sum of area half-width / (perimeter × GSD / 2 + coreg term).
    half_width_over_bound: f64,
    /// Sum of |area error| / area half-width.
    error_over_half_width: f64,
    /// Sum of |area error| / true area and |regularisation change| / area.
    relative_error: f64,
    relative_change: f64,
}

#[derive(Default, Debug)]
struct Hits {
    inside: usize,
    total: usize,
}

impl Hits {
    fn count(&mut self, measure: &Measure, truth: f64) {
        self.total += 1;
        self.inside += measure.contains(truth) as usize;
    }
    fn rate(&self) -> f64 {
        self.inside as f64 / self.total as f64
    }
}

/// A footprint's parts in map metres, each grown by `grow` metres all round, turned about the
/// site centre.
fn parts(
    footprint: &synth::Footprint,
    grow: f64,
    centre: Point<f64>,
    turn_deg: f64,
) -> Vec<Polygon<f64>> {
    footprint
        .parts
        .iter()
        .map(|rect| {
            let grown = synth::Rect {
                length: rect.length + 2.0 * grow,
                width: rect.width + 2.0 * grow,
                ..*rect
            };
            let ring: Vec<Coord<f64>> = grown
                .corners()
                .iter()
                .map(|&(x, y)| Coord { x, y })
                .collect();
            Polygon::new(LineString::new(ring), vec![]).rotate_around_point(turn_deg, centre)
        })
        .collect()
}

/// Burns `parts` into a 0.5 m grid whose origin is offset by `(u, v)` pixels and measures the
/// largest region.
fn burn_and_measure(
    parts: &[Polygon<f64>],
    crs: &Crs,
    (u, v): (f64, f64),
    basis: &EqualArea,
    options: &OutlineOptions,
) -> FootprintMeasure {
    use geo::BoundingRect;
    let bounds = parts
        .iter()
        .filter_map(|p| p.bounding_rect())
        .reduce(|a, b| {
            geo_types::Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })
        .unwrap();
    let margin = 4.0 * GSD;
    let grid = Grid::new(
        crs.clone(),
        GeoTransform::north_up(
            bounds.min().x - margin - u * GSD,
            bounds.max().y + margin + v * GSD,
            GSD,
            GSD,
        ),
        ((bounds.width() + 2.0 * margin) / GSD).ceil() as usize + 2,
        ((bounds.height() + 2.0 * margin) / GSD).ceil() as usize + 2,
    );
    let mut mask = vec![false; grid.width * grid.height];
    for part in parts {
        burn(part, &grid, &mut mask, true);
    }
    let components = Components::label(&mask, grid.width, grid.height);
    let largest = (0..components.count())
        .max_by_key(|&i| components.areas[i])
        .unwrap();
    let outline = &polygonize(&components)[largest];
    measure_footprint(outline, &grid, basis, 0.0, options).unwrap()
}

/// Measures every building on every date of `seeds` x `draws` turned and offset sites and
/// tallies the intervals against the truth, with outlines drawn as `regularisation` says.
/// `edge_bias_px` is the largest outward or inward offset of the burnt outline.
fn tally(
    seeds: std::ops::Range<u64>,
    draws: u64,
    regularisation: Regularisation,
    edge_bias_px: f64,
) -> Tally {
    let options = OutlineOptions {
        regularisation,
        ..OutlineOptions::default()
    };
    let mut t = Tally::default();
    for seed in seeds {
        let site = synth::plant_complex(seed);
        let crs = Crs::from_epsg(site.epsg).unwrap();
        let (lon, lat) = CoordTransform::new(&crs, &Crs::wgs84())
            .unwrap()
            .transform_point(site.center.0, site.center.1)
            .unwrap();
        let basis = EqualArea::centred(&crs, lon, lat).unwrap();
        let centre = Point::new(site.center.0, site.center.1);
        for draw in 0..draws {
            let mut rng = Rng::new(seed * 1_000 + draw);
            let turn = rng.range(0.0, 90.0);
            // measured[building][date]: the measure and the true area.
            let mut measured: Vec<Vec<Option<(Measure, f64)>>> = Vec::new();
            for building in &site.buildings {
                let mut per_date = Vec::new();
                for state in &building.states {
                    let Some(state) = state else {
                        per_date.push(None);
                        continue;
                    };
                    let truth_parts = parts(&state.footprint, 0.0, centre, turn);
                    let grow = rng.range(-edge_bias_px, edge_bias_px) * GSD;
                    let burnt_parts = parts(&state.footprint, grow, centre, turn);
                    let offset = (rng.unit(), rng.unit());
                    let m = burn_and_measure(&burnt_parts, &crs, offset, &basis, &options);
                    let true_area: f64 =
                        truth_parts.iter().map(|p| basis.area_m2(p).unwrap()).sum();
                    t.areas.count(&m.area_m2, true_area);
                    if let [rect] = state.footprint.parts.as_slice() {
                        t.lengths.count(&m.length_m, rect.length.max(rect.width));
                        t.widths.count(&m.width_m, rect.length.min(rect.width));
                    }
                    let bound =
                        m.perimeter_m * m.gsd_m / 2.0 + m.coreg_rmse_px * m.gsd_m * m.perimeter_m;
                    let error = (m.area_m2.value - true_area).abs();
                    t.half_width_over_bound += m.area_m2.half_width() / bound;
                    t.error_over_half_width += error / m.area_m2.half_width();
                    t.relative_error += error / true_area;
                    t.relative_change += m.regularisation_change_m2.abs() / true_area;
                    per_date.push(Some((m.area_m2, true_area)));
                }
                measured.push(per_date);
            }
            // Ratios: the new hall over the original on each date both stand, and each
            // building over itself on the date before.
            let index = |id: &str| site.buildings.iter().position(|b| b.id == id).unwrap();
            let (new, original) = (index("hall-new"), index("hall-original"));
            for (a, b) in measured[new].iter().zip(&measured[original]) {
                if let (Some(a), Some(b)) = (a, b) {
                    t.ratios.count(&compare(&a.0, &b.0), a.1 / b.1);
                }
            }
            for per_date in &measured {
                for pair in per_date.windows(2) {
                    if let (Some(before), Some(after)) = (&pair[0], &pair[1]) {
                        t.ratios
                            .count(&compare(&after.0, &before.0), after.1 / before.1);
                    }
                }
            }
        }
    }
    t
}

/// At least 90% of every kind of interval holds the truth.
fn check_coverage(t: &Tally) {
    for (name, hits) in [
        ("area", &t.areas),
        ("length", &t.lengths),
        ("width", &t.widths),
        ("ratio", &t.ratios),
    ] {
        assert!(hits.total > 0, "no {name} measured");
        assert!(
            hits.rate() >= 0.90,
            "{name} intervals hold the truth {}/{}",
            hits.inside,
            hits.total
        );
    }
}

/// The area intervals are on average no wider than 1.5 x (perimeter x GSD / 2 + coreg term).
fn check_width(t: &Tally) {
    let n = t.areas.total as f64;
    assert!(
        t.half_width_over_bound / n <= 1.5,
        "mean half-width / bound {}",
        t.half_width_over_bound / n
    );
}

fn report(name: &str, t: &Tally) {
    let n = t.areas.total as f64;
    println!(
        "{name}: areas {}/{} ({:.1}%), lengths {}/{} ({:.1}%), widths {}/{} ({:.1}%), ratios {}/{} ({:.1}%)",
        t.areas.inside, t.areas.total, 100.0 * t.areas.rate(),
        t.lengths.inside, t.lengths.total, 100.0 * t.lengths.rate(),
        t.widths.inside, t.widths.total, 100.0 * t.widths.rate(),
        t.ratios.inside, t.ratios.total, 100.0 * t.ratios.rate(),
    );
    println!(
        "  mean half-width / (P*GSD/2 + coreg) {:.3}, mean |error| / half-width {:.3}, mean |area error| {:.3}%, mean |regularisation change| {:.3}%",
        t.half_width_over_bound / n,
        t.error_over_half_width / n,
        100.0 * t.relative_error / n,
        100.0 * t.relative_change / n,
    );
}

#[test]
fn pixel_edge_and_squared_outlines_hold_the_truth_in_their_intervals() {
    for regularisation in [Regularisation::PixelEdges, Regularisation::RightAngles] {
        for bias in [0.0, 0.5] {
            let t = tally(0..2, 1, regularisation, bias);
            report(&format!("{regularisation:?}, edge bias ±{bias} px"), &t);
            check_coverage(&t);
            check_width(&t);
        }
    }
}

#[test]
#[ignore = "benchmark: many seeds, prints the figures"]
fn benchmark_interval_coverage_over_many_sites() {
    for regularisation in [
        Regularisation::PixelEdges,
        Regularisation::RightAngles,
        Regularisation::MinimumRectangle,
    ] {
        for bias in [0.0, 0.5] {
            let t = tally(0..12, 4, regularisation, bias);
            report(&format!("{regularisation:?}, edge bias ±{bias} px"), &t);
            check_coverage(&t);
            // A rectangle fitted to an L-shaped building changes its area by far more than
            // the edge terms, and says so in its interval.
            if regularisation != Regularisation::MinimumRectangle {
                check_width(&t);
            }
        }
    }
}
