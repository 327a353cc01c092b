//! Exact polygons of raster regions, traced along pixel edges.
//!
//! Every edge between a pixel of a region and a pixel outside it is a polygon edge, directed
//! with the region on its right (image coordinates, y down); chaining the edges gives closed
//! rings whose vertices are pixel corners, and vertices where the ring goes straight on are
//! dropped. The area of a polygon is therefore exactly its region's pixel count.
//!
//! Regions are 4-connected ([`Components`]), so regions touching only at a corner are separate
//! polygons. Within one region, at a corner where two of its pixels touch diagonally (a
//! saddle), the ring turns so as to follow the background pixel: each ring then bounds one
//! background area, no ring touches itself, and a hole that meets the outside at a corner
//! becomes a hole that touches the exterior ring at one point (valid in the OGC model).
//!
//! Orientation: exterior rings have positive signed (shoelace) area and holes negative, i.e.
//! exteriors are anticlockwise in the mathematical sense of their coordinates. In pixel
//! coordinates (y down) that looks clockwise on the image; [`Polygon::transformed`] reverses
//! the rings when the transform flips handedness (every north-up transform does), so polygons
//! in map coordinates have anticlockwise exteriors and clockwise holes, as RFC 7946 asks.

use rayon::prelude::*;

use raster::GeoTransform;

use crate::components::Components;

/// A polygon: one exterior ring and any holes, each closed (last vertex = first vertex).
/// Coordinates are pixel corners `(col, row)` from [`polygonize`], or map coordinates after
/// [`Polygon::transformed`].
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    /// The outer ring.
    pub exterior: Vec<(f64, f64)>,
    /// The inner rings (holes), in no particular order.
    pub holes: Vec<Vec<(f64, f64)>>,
}

impl Polygon {
    /// The enclosed area (exterior minus holes), in squared coordinate units: pixels for a
    /// polygon from [`polygonize`].
    pub fn area(&self) -> f64 {
        signed_area(&self.exterior).abs()
            - self.holes.iter().map(|h| signed_area(h).abs()).sum::<f64>()
    }

    /// The polygon with every vertex mapped through `transform` (pixel to map coordinates),
    /// rings reversed when the transform flips handedness so the orientation rule still holds.
    pub fn transformed(&self, transform: &GeoTransform) -> Polygon {
        let t = &transform.0;
        let flips = t[1] * t[5] - t[2] * t[4] < 0.0;
        let map = |ring: &Vec<(f64, f64)>| -> Vec<(f64, f64)> {
            let mut mapped: Vec<(f64, f64)> =
                ring.iter().map(|&(c, r)| transform.apply(c, r)).collect();
            if flips {
                mapped.reverse();
            }
            mapped
        };
        Polygon {
            exterior: map(&self.exterior),
            holes: self.holes.iter().map(map).collect(),
        }
    }
}

/// The shoelace area of a closed ring: positive for mathematically anticlockwise rings.
fn signed_area(ring: &[(f64, f64)]) -> f64 {
    0.5 * ring
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
}

/// Edge directions, clockwise in y-down coordinates: east, south, west, north.
const STEP: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// A directed pixel edge: its start corner and direction (index into [`STEP`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    row: u32,
    col: u32,
    dir: u8,
}

impl Edge {
    fn end(&self) -> (u32, u32) {
        let (dc, dr) = STEP[self.dir as usize];
        ((self.col as i64 + dc) as u32, (self.row as i64 + dr) as u32)
    }
}

/// The polygon of every region: element `i` is region `i + 1`'s outline in pixel corners.
pub fn polygonize(components: &Components) -> Vec<Polygon> {
    let (w, h) = (components.width, components.height);
    let labels = &components.labels;
    let mut edges: Vec<Vec<Edge>> = vec![Vec::new(); components.count()];
    let label_at = |c: i64, r: i64| -> u32 {
        if c < 0 || r < 0 || c >= w as i64 || r >= h as i64 {
            0
        } else {
            labels[r as usize * w + c as usize]
        }
    };
    for r in 0..h {
        for c in 0..w {
            let label = labels[r * w + c];
            if label == 0 {
                continue;
            }
            let (ci, ri) = (c as i64, r as i64);
            let (cu, ru) = (c as u32, r as u32);
            let list = &mut edges[label as usize - 1];
            if label_at(ci, ri - 1) != label {
                list.push(Edge {
                    row: ru,
                    col: cu,
                    dir: 0,
                });
            }
            if label_at(ci + 1, ri) != label {
                list.push(Edge {
                    row: ru,
                    col: cu + 1,
                    dir: 1,
                });
            }
            if label_at(ci, ri + 1) != label {
                list.push(Edge {
                    row: ru + 1,
                    col: cu + 1,
                    dir: 2,
                });
            }
            if label_at(ci - 1, ri) != label {
                list.push(Edge {
                    row: ru + 1,
                    col: cu,
                    dir: 3,
                });
            }
        }
    }
    edges.into_par_iter().map(trace_region).collect()
}

/// Chains one region's edges into rings and sorts them into exterior and holes.
fn trace_region(mut edges: Vec<Edge>) -> Polygon {
    edges.sort_unstable();
    let mut used = vec![false; edges.len()];
    let mut exterior = Vec::new();
    let mut holes = Vec::new();
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        let mut ring = Vec::new();
        let mut current = start;
        loop {
            used[current] = true;
            let edge = edges[current];
            ring.push(edge);
            current = next_edge(&edges, &edge);
            if current == start {
                break;
            }
        }
        let ring = corners(&ring);
        if signed_area(&ring) > 0.0 {
            exterior = ring;
        } else {
            holes.push(ring);
        }
    }
    Polygon { exterior, holes }
}

/// The edge that continues a ring after `edge`: the only edge leaving its end corner, or at a
/// saddle corner (two leave it) the left turn, which follows the background pixel.
fn next_edge(edges: &[Edge], edge: &Edge) -> usize {
    let (col, row) = edge.end();
    let first = edges.partition_point(|e| (e.row, e.col) < (row, col));
    let leaving = edges[first..]
        .iter()
        .take_while(|e| (e.row, e.col) == (row, col))
        .count();
    match leaving {
        1 => first,
        2 => {
            let left = (edge.dir + 3) % 4;
            if edges[first].dir == left {
                first
            } else {
                first + 1
            }
        }
        n => unreachable!("a pixel corner has {n} outgoing edges of one region"),
    }
}

/// The ring's corner vertices (where its direction changes), closed.
fn corners(ring: &[Edge]) -> Vec<(f64, f64)> {
    let n = ring.len();
    let mut points: Vec<(f64, f64)> = (0..n)
        .filter(|&i| ring[i].dir != ring[(i + n - 1) % n].dir)
        .map(|i| (ring[i].col as f64, ring[i].row as f64))
        .collect();
    points.push(points[0]);
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions(rows: &[&str]) -> Components {
        let mask: Vec<bool> = rows
            .iter()
            .flat_map(|r| r.chars().map(|c| c == '#'))
            .collect();
        Components::label(&mask, rows[0].len(), rows.len())
    }

    #[test]
    fn single_pixel_is_a_unit_square() {
        let p = polygonize(&regions(&["...", ".#.", "..."]));
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].exterior,
            vec![(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0), (1.0, 1.0)]
        );
        assert!(p[0].holes.is_empty());
        assert_eq!(p[0].area(), 1.0);
    }

    #[test]
    fn straight_runs_have_no_intermediate_vertices() {
        let p = polygonize(&regions(&["####", "####", "##.."]));
        // An L-shape: 6 corners plus the closing vertex.
        assert_eq!(p[0].exterior.len(), 7);
        assert_eq!(p[0].area(), 10.0);
    }

    #[test]
    fn holes_are_traced_and_subtracted() {
        let p = polygonize(&regions(&[
            "#####", //
            "#..##", //
            "#####", //
            "##.##", //
            "#####",
        ]));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].holes.len(), 2);
        assert_eq!(p[0].area(), 22.0);
        assert_eq!(p[0].holes[0].len(), 5);
        assert!(p[0].holes.iter().all(|h| signed_area(h) < 0.0));
        assert!(signed_area(&p[0].exterior) > 0.0);
    }

    #[test]
    fn corner_touching_regions_stay_apart() {
        let p = polygonize(&regions(&["##..", "##..", "..##", "..##"]));
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].exterior.len(), 5);
        assert_eq!(p[1].exterior.len(), 5);
        assert_eq!(p[0].area() + p[1].area(), 8.0);
    }

    #[test]
    fn hole_touching_the_outside_at_a_corner_is_a_hole() {
        // The background pixel (1, 1) touches the outside background (2, 2) at one corner.
        let p = polygonize(&regions(&["###", "#.#", "##."]));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].holes.len(), 1);
        assert_eq!(p[0].area(), 7.0);
        // No ring visits a vertex twice.
        for ring in std::iter::once(&p[0].exterior).chain(&p[0].holes) {
            let mut v = ring[..ring.len() - 1].to_vec();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v.dedup();
            assert_eq!(v.len(), ring.len() - 1, "ring {ring:?} touches itself");
        }
    }

    #[test]
    fn area_equals_pixel_count_on_a_random_mask() {
        let (w, h) = (61, 47);
        let mut state = 12345u64;
        let mask: Vec<bool> = (0..w * h)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) % 100 < 55
            })
            .collect();
        let components = Components::label(&mask, w, h);
        let polygons = polygonize(&components);
        for (polygon, &area) in polygons.iter().zip(&components.areas) {
            assert_eq!(polygon.area(), area as f64);
        }
    }

    #[test]
    fn transformed_maps_corners_to_map_coordinates() {
        let p = polygonize(&regions(&["#"]));
        let t = GeoTransform::north_up(500.0, 1000.0, 2.0, 2.0);
        let m = p[0].transformed(&t);
        assert_eq!(m.exterior[0], (500.0, 1000.0));
        assert_eq!(m.exterior[1], (500.0, 998.0));
        assert_eq!(m.exterior[2], (502.0, 998.0));
        assert!(signed_area(&m.exterior) > 0.0, "anticlockwise with y up");
        assert_eq!(m.area(), 4.0);
    }
}
