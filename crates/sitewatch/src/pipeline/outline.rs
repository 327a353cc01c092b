//! Change outlines between the site grid's pixel corners (where detection and the registry
//! work) and longitude/latitude (how the catalog and every GIS store them).

use anyhow::{anyhow, Result};
use geo_types::{Coord, LineString, Polygon};
use raster::{CoordTransform, Crs, Grid};

/// Maps outlines of one grid between pixel corners, map coordinates and longitude/latitude.
pub struct GridOutlines {
    grid: Grid,
    to_lonlat: CoordTransform,
    to_map: CoordTransform,
}

impl GridOutlines {
    pub fn new(grid: &Grid) -> Result<GridOutlines> {
        let to_lonlat = CoordTransform::new(&grid.crs, &Crs::wgs84())?;
        Ok(GridOutlines {
            grid: grid.clone(),
            to_map: to_lonlat.inverse(),
            to_lonlat,
        })
    }

    /// A pixel-corner outline (as detection gives it) in longitude/latitude.
    pub fn to_lonlat(&self, outline: &detect::Polygon) -> Result<Polygon<f64>> {
        let map = outline.transformed(&self.grid.transform);
        let holes = map.holes.into_iter().map(LineString::from).collect();
        self.map_to_lonlat(&Polygon::new(LineString::from(map.exterior), holes))
    }

    /// A map-coordinate outline of the grid's CRS (as the registry gives it) in
    /// longitude/latitude.
    pub fn map_to_lonlat(&self, outline: &Polygon<f64>) -> Result<Polygon<f64>> {
        Ok(self.to_lonlat.transform_polygon(outline)?)
    }

    /// A longitude/latitude outline (as the catalog stores it) in the grid's map coordinates.
    pub fn lonlat_to_map(&self, outline: &Polygon<f64>) -> Result<Polygon<f64>> {
        Ok(self.to_map.transform_polygon(outline)?)
    }

    /// A longitude/latitude outline (as the catalog stores it) in the grid's pixel corners.
    pub fn to_pixels(&self, outline: &Polygon<f64>) -> Result<detect::Polygon> {
        let to_pixel = self
            .grid
            .transform
            .inverse()
            .ok_or_else(|| anyhow!("the site grid's transform cannot be inverted"))?;
        let map = self.lonlat_to_map(outline)?;
        let ring = |line: &LineString<f64>| -> Vec<(f64, f64)> {
            line.coords()
                .map(|&Coord { x, y }| to_pixel.apply(x, y))
                .collect()
        };
        let mut exterior = ring(map.exterior());
        let mut holes: Vec<Vec<(f64, f64)>> = map.interiors().iter().map(ring).collect();
        // Detection's exteriors have positive shoelace area in pixel corners and its holes
        // negative; an outline drawn or imported elsewhere may come either way.
        orient(&mut exterior, true);
        for hole in &mut holes {
            orient(hole, false);
        }
        Ok(detect::Polygon { exterior, holes })
    }
}

/// Reverses `ring` unless its shoelace sign matches `exterior` (positive) or a hole (negative).
fn orient(ring: &mut [(f64, f64)], exterior: bool) {
    let signed: f64 = ring
        .windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum();
    if (signed > 0.0) != exterior {
        ring.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::GeoTransform;

    #[test]
    fn pixel_outlines_survive_the_round_trip_through_lonlat() {
        let grid = Grid::new(
            Crs::from_epsg(32611).unwrap(),
            GeoTransform::north_up(579_500.0, 4_100_500.0, 0.5, 0.5),
            2000,
            2000,
        );
        let outlines = GridOutlines::new(&grid).unwrap();
        let square = detect::Polygon {
            exterior: vec![
                (10.0, 20.0),
                (30.0, 20.0),
                (30.0, 45.0),
                (10.0, 45.0),
                (10.0, 20.0),
            ],
            holes: vec![],
        };
        let lonlat = outlines.to_lonlat(&square).unwrap();
        let lon = lonlat.exterior().0[0].x;
        assert!((-117.0..-116.0).contains(&lon), "{lon}");
        let back = outlines.to_pixels(&lonlat).unwrap();
        assert_eq!(back.exterior.len(), square.exterior.len());
        for (a, b) in back.exterior.iter().zip(&square.exterior) {
            assert!(
                (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6,
                "{a:?} {b:?}"
            );
        }
        assert!((back.area() - square.area()).abs() < 1e-6);
    }
}
