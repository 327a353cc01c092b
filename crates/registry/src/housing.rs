//! The housing heuristic: which buildings look like residential blocks.
//!
//! # The rule
//!
//! A building looks like housing when it is a **block** — its footprint between
//! [`HousingRules::min_area_m2`] and [`HousingRules::max_area_m2`], filling at least
//! [`HousingRules::min_rectangularity`] of its length × width and at most
//! [`HousingRules::max_elongation`] times longer than wide — and **one of a group**: at least
//! [`HousingRules::min_group`] such blocks, each within [`HousingRules::neighbour_m`] (centroid
//! to centroid) of another of the group that is **similar** (areas within a factor
//! [`HousingRules::max_area_ratio`], long axes within [`HousingRules::max_turn_deg`]).
//! Estates are built as repeated blocks of one design in one direction; plants are built as
//! a few halls of different sizes.
//!
//! # Known failures
//!
//! * A row of identical warehouses, garages or barracks is counted as housing (barracks are
//!   housing of a kind; warehouses are not).
//! * A lone apartment block, or houses each of a different design, are not counted.
//! * Detached houses below the smallest block area are not counted.
//! * The use of a building cannot be seen from above: this is a shape heuristic, to point an
//!   analyst at estates, not a land-use map.

use geo::{Centroid, ConvexHull, MinimumRotatedRect};
use serde::Serialize;

use crate::tracking::TrackedBuilding;

/// The thresholds of the housing heuristic (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HousingRules {
    /// The smallest block, m².
    pub min_area_m2: f64,
    /// The largest block, m².
    pub max_area_m2: f64,
    /// The least share of length × width the footprint fills.
    pub min_rectangularity: f64,
    /// The most a block may be longer than wide.
    pub max_elongation: f64,
    /// The fewest similar blocks that make an estate.
    pub min_group: usize,
    /// How far apart (centroids) two blocks of a group may be, m.
    pub neighbour_m: f64,
    /// The most two similar blocks' areas may differ, as a factor.
    pub max_area_ratio: f64,
    /// The most two similar blocks' long axes may differ, degrees.
    pub max_turn_deg: f64,
}

impl Default for HousingRules {
    /// Blocks of 100-3,000 m², 80% of their rectangle, up to 6:1; groups of 3 within 100 m,
    /// areas within 1.5x, directions within 10°.
    fn default() -> Self {
        HousingRules {
            min_area_m2: 100.0,
            max_area_m2: 3000.0,
            min_rectangularity: 0.8,
            max_elongation: 6.0,
            min_group: 3,
            neighbour_m: 100.0,
            max_area_ratio: 1.5,
            max_turn_deg: 10.0,
        }
    }
}

/// A block: its centroid, area and long-axis direction (degrees, 0-180).
struct Block {
    x: f64,
    y: f64,
    area: f64,
    direction_deg: f64,
}

/// Sets each building's `housing` flag by the heuristic.
pub fn mark_housing(buildings: &mut [TrackedBuilding], rules: &HousingRules) {
    let blocks: Vec<Option<Block>> = buildings.iter().map(|b| block(b, rules)).collect();
    let similar = |a: &Block, b: &Block| {
        let turn = (a.direction_deg - b.direction_deg).rem_euclid(180.0);
        (a.x - b.x).hypot(a.y - b.y) <= rules.neighbour_m
            && a.area.max(b.area) <= rules.max_area_ratio * a.area.min(b.area)
            && turn.min(180.0 - turn) <= rules.max_turn_deg
    };
    // Groups: connected components of the "similar neighbour" relation.
    let n = blocks.len();
    let mut group: Vec<usize> = (0..n).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            group[i] = group[group[i]];
            i = group[i];
        }
        i
    }
    for i in 0..n {
        for j in i + 1..n {
            if let (Some(a), Some(b)) = (&blocks[i], &blocks[j]) {
                if similar(a, b) {
                    let (ri, rj) = (root(&mut group, i), root(&mut group, j));
                    group[ri] = rj;
                }
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| root(&mut group, i)).collect();
    for (i, building) in buildings.iter_mut().enumerate() {
        let size = roots.iter().filter(|&&r| r == roots[i]).count();
        building.housing = blocks[i].is_some() && size >= rules.min_group;
    }
}

/// The building as a block, if its footprint is one.
fn block(building: &TrackedBuilding, rules: &HousingRules) -> Option<Block> {
    let f = &building.footprint;
    let (area, length, width) = (f.area_m2.value, f.length_m.value, f.width_m.value);
    let is_block = (rules.min_area_m2..=rules.max_area_m2).contains(&area)
        && width > 0.0
        && area >= rules.min_rectangularity * length * width
        && length <= rules.max_elongation * width;
    if !is_block {
        return None;
    }
    let centre = f.outline.centroid()?;
    let rect = f.outline.convex_hull().minimum_rotated_rect()?;
    let c = &rect.exterior().0;
    let (a, b) = (
        (c[1].x - c[0].x, c[1].y - c[0].y),
        (c[2].x - c[1].x, c[2].y - c[1].y),
    );
    let long = if a.0.hypot(a.1) >= b.0.hypot(b.1) {
        a
    } else {
        b
    };
    Some(Block {
        x: centre.x(),
        y: centre.y(),
        area,
        direction_deg: long.1.atan2(long.0).to_degrees().rem_euclid(180.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footprint::{measure_refined, FootprintMeasure};
    use crate::EqualArea;
    use geo_types::{Coord, LineString, Polygon};
    use raster::{Crs, GeoTransform, Grid};

    fn grid() -> Grid {
        Grid::new(
            Crs::from_epsg(32633).unwrap(),
            GeoTransform::north_up(500_000.0, 5_000_100.0, 0.5, 0.5),
            2000,
            2000,
        )
    }

    /// A building whose footprint is the `l` x `w` rectangle at `(x, y)` (metres from the
    /// grid's corner), turned by `deg`.
    fn building(x: f64, y: f64, l: f64, w: f64, deg: f64) -> TrackedBuilding {
        let (s, c) = deg.to_radians().sin_cos();
        let corner = |u: f64, v: f64| Coord {
            x: 500_000.0 + x + u * c - v * s,
            y: 5_000_000.0 + y + u * s + v * c,
        };
        let (a, b) = (l / 2.0, w / 2.0);
        let outline = Polygon::new(
            LineString(vec![
                corner(-a, -b),
                corner(a, -b),
                corner(a, b),
                corner(-a, b),
                corner(-a, -b),
            ]),
            vec![],
        );
        let grid = grid();
        let basis = EqualArea::for_grid(&grid).unwrap();
        let footprint: FootprintMeasure =
            measure_refined(&outline, l * w, 0.0, &grid, &basis, 0.3).unwrap();
        TrackedBuilding {
            id: String::new(),
            label: None,
            first_seen: 0,
            last_seen: 0,
            standing: true,
            history: vec![],
            footprint,
            outline_lonlat: outline,
            outlines: vec![],
            lon: 0.0,
            lat: 0.0,
            mgrs: String::new(),
            housing: false,
        }
    }

    #[test]
    fn a_row_of_similar_blocks_is_housing_a_plant_is_not() {
        let mut buildings = vec![
            // Three apartment blocks, 70 m apart, one turned by 4°.
            building(100.0, 100.0, 52.0, 13.0, 0.0),
            building(170.0, 100.0, 52.0, 13.0, 4.0),
            building(240.0, 100.0, 50.0, 13.5, 0.0),
            // A plant: halls and a workshop of different sizes.
            building(100.0, 400.0, 96.0, 44.0, 0.0),
            building(200.0, 400.0, 77.0, 35.0, 0.0),
            building(150.0, 330.0, 30.0, 20.0, 0.0),
            // Two similar sheds: too few for an estate.
            building(400.0, 400.0, 20.0, 10.0, 0.0),
            building(430.0, 400.0, 20.0, 10.0, 0.0),
        ];
        mark_housing(&mut buildings, &HousingRules::default());
        let flags: Vec<bool> = buildings.iter().map(|b| b.housing).collect();
        assert_eq!(flags, [true, true, true, false, false, false, false, false]);
        // The same blocks turned across each other are not one design in one direction.
        let mut crossed = vec![
            building(100.0, 100.0, 52.0, 13.0, 0.0),
            building(170.0, 100.0, 52.0, 13.0, 90.0),
            building(240.0, 100.0, 52.0, 13.0, 0.0),
        ];
        mark_housing(&mut crossed, &HousingRules::default());
        assert!(crossed.iter().all(|b| !b.housing));
    }
}
