//! Where a grid lies on the Earth: its outline in longitude/latitude, and its pixel size in
//! metres whatever the CRS's units.

use crate::crs::{Crs, CrsError};
use crate::grid::Grid;
use crate::transform::CoordTransform;

/// Points per grid edge in the footprint: enough that a UTM grid's edges, curved in
/// longitude/latitude, stay within a fraction of a pixel of the outline.
const POINTS_PER_EDGE: usize = 16;

impl Grid {
    /// The outline of the grid in longitude/latitude (EPSG:4326), clockwise from the top-left
    /// corner, closed (the first point is repeated at the end), each edge densified.
    ///
    /// ```
    /// use raster::{Crs, GeoTransform, Grid};
    /// let grid = Grid::new(Crs::from_epsg(32615)?, GeoTransform::north_up(500_000.0, 4_000_000.0, 1.0, 1.0), 100, 100);
    /// let ring = grid.footprint_lonlat()?;
    /// assert_eq!(ring.first(), ring.last());
    /// assert!((ring[0].0 + 93.0).abs() < 1e-6); // on the zone's central meridian
    /// # Ok::<(), raster::CrsError>(())
    /// ```
    pub fn footprint_lonlat(&self) -> Result<Vec<(f64, f64)>, CrsError> {
        let to_lonlat = CoordTransform::new(&self.crs, &Crs::wgs84())?;
        let (w, h) = (self.width as f64, self.height as f64);
        let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
        let mut ring = Vec::with_capacity(4 * POINTS_PER_EDGE + 1);
        for k in 0..4 {
            let (c0, r0) = corners[k];
            let (c1, r1) = corners[(k + 1) % 4];
            for i in 0..POINTS_PER_EDGE {
                let t = i as f64 / POINTS_PER_EDGE as f64;
                ring.push(self.transform.apply(c0 + (c1 - c0) * t, r0 + (r1 - r0) * t));
            }
        }
        ring.push(ring[0]);
        to_lonlat.transform_points(&mut ring)?;
        Ok(ring)
    }

    /// The ground sample distance in metres at the grid's centre: the mean side of a pixel
    /// there, measured in the local UTM zone (so that grids in degrees get a size in metres).
    pub fn gsd_m(&self) -> Result<f64, CrsError> {
        let (cc, cr) = (self.width as f64 / 2.0, self.height as f64 / 2.0);
        let mut pts = [
            self.transform.apply(cc, cr),
            self.transform.apply(cc + 1.0, cr),
            self.transform.apply(cc, cr + 1.0),
        ];
        CoordTransform::new(&self.crs, &Crs::wgs84())?.transform_points(&mut pts)?;
        let utm = Crs::utm_for_lonlat(pts[0].0, pts[0].1);
        CoordTransform::new(&Crs::wgs84(), &utm)?.transform_points(&mut pts)?;
        let dist = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
        Ok(0.5 * (dist(pts[0], pts[1]) + dist(pts[0], pts[2])))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Crs, GeoTransform, Grid};

    #[test]
    fn gsd_of_a_degree_grid_is_in_metres() {
        // 1e-5 degree pixels at 37 N: ~1.11 m north-south, ~0.89 m east-west.
        let grid = Grid::new(
            Crs::wgs84(),
            GeoTransform::north_up(-94.5, 37.1, 1e-5, 1e-5),
            1000,
            1000,
        );
        let gsd = grid.gsd_m().unwrap();
        assert!(
            (gsd - 0.5 * (1.1132 * 0.7986 + 1.1097)).abs() < 0.01,
            "{gsd}"
        );
    }

    #[test]
    fn gsd_of_a_utm_grid_is_its_pixel_size() {
        let grid = Grid::new(
            Crs::from_epsg(32611).unwrap(),
            GeoTransform::north_up(580_000.0, 4_100_000.0, 0.5, 0.5),
            100,
            100,
        );
        assert!((grid.gsd_m().unwrap() - 0.5).abs() < 1e-3);
    }
}
