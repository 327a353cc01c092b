//! Areas on a true equal-area basis: a Lambert azimuthal equal-area projection centred on the
//! site.
//!
//! UTM is conformal, not equal-area: its areas are too large by the square of the point scale
//! factor, which is 0.9992 on the central meridian and about 1.0011 at 3° from it (±0.08% to
//! +0.1% in area). A Lambert azimuthal equal-area projection preserves area everywhere, and
//! centred on the site its distortion of lengths and angles across a few kilometres is below
//! 10⁻⁶, so lengths, perimeters and right angles measured in it are true as well.

use geo_types::Polygon;
use raster::{CoordTransform, Crs, Grid};

use crate::error::RegistryError;

/// The site-centred equal-area projection and the transforms into and out of it from the
/// CRS that outlines arrive in (a site grid's UTM zone).
#[derive(Debug)]
pub struct EqualArea {
    source: Crs,
    laea: Crs,
    to_laea: CoordTransform,
    from_laea: CoordTransform,
}

impl EqualArea {
    /// The equal-area projection centred at longitude/latitude `(lon, lat)` (degrees, WGS 84),
    /// for outlines given in `source`.
    pub fn centred(source: &Crs, lon: f64, lat: f64) -> Result<EqualArea, RegistryError> {
        let make = || -> Result<(Crs, CoordTransform), raster::CrsError> {
            let laea = Crs::from_proj4(&format!(
                "+proj=laea +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
            ))?;
            let to_laea = CoordTransform::new(source, &laea)?;
            Ok((laea, to_laea))
        };
        let (laea, to_laea) =
            make().map_err(|source| RegistryError::EqualArea { lon, lat, source })?;
        Ok(EqualArea {
            source: source.clone(),
            laea,
            from_laea: to_laea.inverse(),
            to_laea,
        })
    }

    /// The equal-area projection centred on the middle of `grid`, for outlines in its CRS.
    pub fn for_grid(grid: &Grid) -> Result<EqualArea, RegistryError> {
        let (x, y) = grid
            .transform
            .apply(grid.width as f64 / 2.0, grid.height as f64 / 2.0);
        let (lon, lat) = CoordTransform::new(&grid.crs, &Crs::wgs84())
            .and_then(|t| t.transform_point(x, y))
            .map_err(|source| RegistryError::Projection {
                from: grid.crs.name(),
                to: "EPSG:4326".to_string(),
                source,
            })?;
        EqualArea::centred(&grid.crs, lon, lat)
    }

    /// The CRS outlines are expected in.
    pub fn source_crs(&self) -> &Crs {
        &self.source
    }

    /// The equal-area CRS itself (metres).
    pub fn crs(&self) -> &Crs {
        &self.laea
    }

    /// `polygon` (in the source CRS) in equal-area metres, vertex by vertex.
    pub fn project(&self, polygon: &Polygon<f64>) -> Result<Polygon<f64>, RegistryError> {
        self.to_laea
            .transform_polygon(polygon)
            .map_err(|source| RegistryError::Projection {
                from: self.source.name(),
                to: self.laea.name(),
                source,
            })
    }

    /// `polygon` (in equal-area metres) back in the source CRS.
    pub fn unproject(&self, polygon: &Polygon<f64>) -> Result<Polygon<f64>, RegistryError> {
        self.from_laea
            .transform_polygon(polygon)
            .map_err(|source| RegistryError::Projection {
                from: self.laea.name(),
                to: self.source.name(),
                source,
            })
    }

    /// The true area of `polygon` (in the source CRS), in square metres.
    pub fn area_m2(&self, polygon: &Polygon<f64>) -> Result<f64, RegistryError> {
        use geo::Area;
        Ok(self.project(polygon)?.unsigned_area())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, GeodesicArea};
    use geo_types::{Coord, LineString};

    /// A square of side `side` metres at `(x0, y0)`, with a vertex every `step` metres so that
    /// its edges stay the same curves whichever projection they are drawn in.
    fn dense_square(x0: f64, y0: f64, side: f64, step: f64) -> Polygon<f64> {
        let n = (side / step).round() as usize;
        let corners = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
        let mut ring = Vec::new();
        for k in 0..4 {
            let (a, b) = (corners[k], corners[(k + 1) % 4]);
            for i in 0..n {
                let t = i as f64 / n as f64;
                ring.push(Coord {
                    x: x0 + side * (a.0 + t * (b.0 - a.0)),
                    y: y0 + side * (a.1 + t * (b.1 - a.1)),
                });
            }
        }
        Polygon::new(LineString::new(ring), vec![])
    }

    /// The UTM point scale factor on the WGS 84 ellipsoid (Snyder 1987, eq. 8-11).
    fn utm_scale_factor(lon: f64, lat: f64, central_meridian: f64) -> f64 {
        let e2 = 0.00669437999014_f64;
        let ep2 = e2 / (1.0 - e2);
        let phi = lat.to_radians();
        let t = phi.tan().powi(2);
        let c = ep2 * phi.cos().powi(2);
        let a = (lon - central_meridian).to_radians() * phi.cos();
        0.9996
            * (1.0
                + (1.0 + c) * a.powi(2) / 2.0
                + (5.0 - 4.0 * t + 42.0 * c + 13.0 * c * c - 28.0 * ep2) * a.powi(4) / 24.0
                + (61.0 - 148.0 * t + 16.0 * t * t) * a.powi(6) / 720.0)
    }

    #[test]
    fn utm_area_far_from_the_central_meridian_is_too_large_by_the_scale_factor_squared() {
        // 3° east of UTM 16N's central meridian (87° W), at 34° N: k = 1.0006.
        let utm = Crs::from_epsg(32616).unwrap();
        let to_utm = CoordTransform::new(&Crs::wgs84(), &utm).unwrap();
        let (x, y) = to_utm.transform_point(-84.0, 34.0).unwrap();
        let square = dense_square(x - 2500.0, y - 2500.0, 5000.0, 50.0);
        let basis = EqualArea::centred(&utm, -84.0, 34.0).unwrap();
        let equal_area = basis.area_m2(&square).unwrap();
        let utm_area = square.unsigned_area();
        let k = utm_scale_factor(-84.0, 34.0, -87.0);
        assert!(
            k > 1.0005,
            "the test square must be where UTM distorts: k = {k}"
        );
        let ratio = utm_area / equal_area;
        assert!(
            (ratio - k * k).abs() < 2e-6,
            "UTM / LAEA = {ratio}, k² = {}",
            k * k
        );

        // The equal-area figure is the geodesic area of the same region on the ellipsoid.
        let to_lonlat = CoordTransform::new(&utm, &Crs::wgs84()).unwrap();
        let lonlat = to_lonlat.transform_polygon(&square).unwrap();
        let geodesic = lonlat.geodesic_area_unsigned();
        assert!(
            (equal_area / geodesic - 1.0).abs() < 1e-7,
            "LAEA {equal_area} m², geodesic {geodesic} m²"
        );
    }

    #[test]
    fn projecting_and_back_returns_the_outline() {
        let utm = Crs::from_epsg(32616).unwrap();
        let grid = Grid::new(
            utm,
            raster::GeoTransform::north_up(733_500.0, 3_725_000.0, 0.5, 0.5),
            900,
            900,
        );
        let basis = EqualArea::for_grid(&grid).unwrap();
        let square = dense_square(733_600.0, 3_724_700.0, 40.0, 10.0);
        let back = basis.unproject(&basis.project(&square).unwrap()).unwrap();
        for (a, b) in square.exterior().0.iter().zip(&back.exterior().0) {
            assert!((a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6);
        }
    }
}
