//! Coordinate transforms between two CRSs, in map units (degrees for longitude/latitude CRSs,
//! in longitude, latitude order; metres for projected ones).
//!
//! proj4rs works in radians for geographic CRSs; [`CoordTransform`] converts at the edges so
//! that callers always see the CRS's own units, the way GDAL and `cs2cs` report them.

use geo_types::{Coord, LineString, Polygon};
use proj4rs::Proj;

use crate::crs::{Crs, CrsError};

/// A ready-to-use transform from map coordinates of one CRS to those of another, datum shift
/// included where the PROJ.4 definitions give one (`+towgs84`, `+datum`).
#[derive(Clone)]
pub struct CoordTransform {
    src: Proj,
    dst: Proj,
    src_geographic: bool,
    dst_geographic: bool,
    /// Source and destination are the same CRS: points pass through untouched, bit for bit.
    identity: bool,
    names: (String, String),
}

impl std::fmt::Debug for CoordTransform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CoordTransform({} -> {})", self.names.0, self.names.1)
    }
}

fn proj_of(crs: &Crs) -> Result<Proj, CrsError> {
    Proj::from_proj_string(&crs.proj4).map_err(|e| CrsError::InvalidDefinition {
        definition: crs.proj4.clone(),
        reason: e.to_string(),
    })
}

impl CoordTransform {
    /// The transform from `src` map coordinates to `dst` map coordinates.
    ///
    /// ```
    /// use raster::{CoordTransform, Crs};
    ///
    /// let to_utm = CoordTransform::new(&Crs::wgs84(), &Crs::from_epsg(32615)?)?;
    /// let (x, y) = to_utm.transform_point(-93.0, 0.0)?; // on the central meridian
    /// assert!((x - 500_000.0).abs() < 1e-6 && y.abs() < 1e-6);
    /// # Ok::<(), raster::CrsError>(())
    /// ```
    pub fn new(src: &Crs, dst: &Crs) -> Result<CoordTransform, CrsError> {
        let src_proj = proj_of(src)?;
        let dst_proj = proj_of(dst)?;
        Ok(CoordTransform {
            src_geographic: src_proj.is_latlong(),
            dst_geographic: dst_proj.is_latlong(),
            identity: src.proj4 == dst.proj4,
            src: src_proj,
            dst: dst_proj,
            names: (src.name(), dst.name()),
        })
    }

    /// The transform that undoes this one (destination to source).
    pub fn inverse(&self) -> CoordTransform {
        CoordTransform {
            src: self.dst.clone(),
            dst: self.src.clone(),
            src_geographic: self.dst_geographic,
            dst_geographic: self.src_geographic,
            identity: self.identity,
            names: (self.names.1.clone(), self.names.0.clone()),
        }
    }

    /// True when source and destination are the same CRS.
    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// The point `(x, y)` of the source CRS in the destination CRS.
    pub fn transform_point(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        self.try_point(x, y).ok_or_else(|| {
            CrsError::Transform(format!(
                "({x}, {y}) cannot be transformed from {} to {} (outside the projection's domain)",
                self.names.0, self.names.1
            ))
        })
    }

    /// [`CoordTransform::transform_point`] without the error message, for the warp's inner
    /// loop, where a point off the projection's domain is common and only means "no source".
    pub(crate) fn try_point(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        if self.identity {
            return Some((x, y));
        }
        let mut p = if self.src_geographic {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        };
        proj4rs::transform::transform(&self.src, &self.dst, &mut p).ok()?;
        let out = if self.dst_geographic {
            (p.0.to_degrees(), p.1.to_degrees())
        } else {
            (p.0, p.1)
        };
        (out.0.is_finite() && out.1.is_finite()).then_some(out)
    }

    /// Transforms every point in place; stops at the first point that cannot be transformed
    /// and names it.
    pub fn transform_points(&self, points: &mut [(f64, f64)]) -> Result<(), CrsError> {
        for p in points.iter_mut() {
            *p = self.transform_point(p.0, p.1)?;
        }
        Ok(())
    }

    /// `polygon` with every vertex of every ring transformed (vertices, not edges: a long
    /// edge stays straight in the target CRS).
    ///
    /// ```
    /// use geo_types::polygon;
    /// use raster::{CoordTransform, Crs};
    /// let to_utm = CoordTransform::new(&Crs::wgs84(), &Crs::from_epsg(32633).unwrap()).unwrap();
    /// let square = polygon![(x: 15.0, y: 45.0), (x: 15.001, y: 45.0), (x: 15.001, y: 45.001)];
    /// let utm = to_utm.transform_polygon(&square).unwrap();
    /// assert!((utm.exterior().0[0].x - 500_000.0).abs() < 1e-6); // 15°E is the central meridian
    /// ```
    pub fn transform_polygon(&self, polygon: &Polygon<f64>) -> Result<Polygon<f64>, CrsError> {
        let ring = |ring: &LineString<f64>| -> Result<LineString<f64>, CrsError> {
            ring.coords()
                .map(|c| self.transform_point(c.x, c.y).map(|(x, y)| Coord { x, y }))
                .collect::<Result<Vec<_>, _>>()
                .map(LineString)
        };
        let holes = polygon
            .interiors()
            .iter()
            .map(ring)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Polygon::new(ring(polygon.exterior())?, holes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epsg(code: u32) -> Crs {
        Crs::from_epsg(code).unwrap()
    }

    /// Points around Joplin, Missouri (UTM 15N) and one farther afield in the same zone.
    const LONLAT: [(f64, f64); 4] = [
        (-94.5, 37.08),
        (-94.4812345, 37.0612345),
        (-93.0, 45.0),
        (-95.9, 30.2),
    ];

    /// Runs `gdaltransform` (the GDAL/PROJ referee) on `points`.
    fn gdaltransform(src: &str, dst: &str, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new("gdaltransform")
            .args(["-s_srs", src, "-t_srs", dst, "-output_xy"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("gdaltransform runs (install gdal-bin)");
        let mut stdin = child.stdin.take().unwrap();
        for (x, y) in points {
            writeln!(stdin, "{x:.12} {y:.12}").unwrap();
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let v: Vec<f64> = l.split_whitespace().map(|s| s.parse().unwrap()).collect();
                (v[0], v[1])
            })
            .collect()
    }

    fn assert_agrees_with_gdal(src: u32, dst: u32, points: &[(f64, f64)], tolerance: f64) {
        assert_crs_agree_with_gdal(&epsg(src), &epsg(dst), points, tolerance);
    }

    /// GDAL is given the EPSG code where there is one, else the same PROJ.4 string.
    fn assert_crs_agree_with_gdal(src: &Crs, dst: &Crs, points: &[(f64, f64)], tolerance: f64) {
        let t = CoordTransform::new(src, dst).unwrap();
        let srs = |c: &Crs| {
            c.epsg
                .map_or(c.proj4.clone(), |code| format!("EPSG:{code}"))
        };
        let referee = gdaltransform(&srs(src), &srs(dst), points);
        for (p, r) in points.iter().zip(&referee) {
            let ours = t.transform_point(p.0, p.1).unwrap();
            let (dx, dy) = (ours.0 - r.0, ours.1 - r.1);
            assert!(
                dx.abs() < tolerance && dy.abs() < tolerance,
                "{src} -> {dst} of {p:?}: ours {ours:?}, GDAL {r:?}"
            );
        }
    }

    #[test]
    fn lonlat_to_utm_agrees_with_gdal_to_a_millimetre() {
        assert_agrees_with_gdal(4326, 32615, &LONLAT, 1e-3);
        assert_agrees_with_gdal(4326, 26915, &LONLAT, 1e-3);
        assert_agrees_with_gdal(4326, 3857, &LONLAT, 1e-3);
    }

    #[test]
    fn helmert_datum_shift_agrees_with_gdal() {
        // OSGB 1936 / British National Grid with the EPSG:1314 7-parameter shift (~100 m).
        // (proj4rs's built-in OSGB36 datum rounds the parameters differently, a few mm off.)
        let bng = Crs::from_proj4(
            "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 \
             +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m",
        )
        .unwrap();
        let britain = [(-1.5, 52.5), (-3.2, 55.9), (0.1, 51.5)];
        assert_crs_agree_with_gdal(&Crs::wgs84(), &bng, &britain, 1e-3);
    }

    #[test]
    fn utm_to_lonlat_agrees_with_gdal() {
        let utm: Vec<(f64, f64)> = vec![(361_000.0, 4_105_000.0), (500_000.0, 4_982_950.4)];
        // 1e-8 degrees is about a millimetre.
        assert_agrees_with_gdal(32615, 4326, &utm, 1e-8);
        assert_agrees_with_gdal(26915, 4326, &utm, 1e-8);
        assert_agrees_with_gdal(26915, 32615, &utm, 1e-3);
    }

    #[test]
    fn round_trips_return_the_start_point() {
        let cases = [
            (4326, 32615, (-94.49, 37.07)),
            (26915, 4326, (-94.49, 37.07)),
            (3857, 32615, (-94.49, 37.07)),
            (32633, 32632, (12.2, 45.1)),
        ];
        for (a, b, lonlat) in cases {
            let t = CoordTransform::new(&epsg(a), &epsg(b)).unwrap();
            let to_a = CoordTransform::new(&epsg(4326), &epsg(a)).unwrap();
            let start = to_a.transform_point(lonlat.0, lonlat.1).unwrap();
            let there = t.transform_point(start.0, start.1).unwrap();
            let again = t.inverse().transform_point(there.0, there.1).unwrap();
            let tol = if epsg(a).is_geographic() { 1e-9 } else { 1e-4 };
            assert!(
                (again.0 - start.0).abs() < tol && (again.1 - start.1).abs() < tol,
                "EPSG:{a} -> EPSG:{b} -> back: {start:?} became {again:?}"
            );
        }
    }

    #[test]
    fn batch_matches_single_points() {
        let t = CoordTransform::new(&epsg(4326), &epsg(32615)).unwrap();
        let mut batch = LONLAT.to_vec();
        t.transform_points(&mut batch).unwrap();
        for (p, b) in LONLAT.iter().zip(&batch) {
            assert_eq!(t.transform_point(p.0, p.1).unwrap(), *b);
        }
    }

    #[test]
    fn same_crs_is_exact_identity() {
        let t = CoordTransform::new(&epsg(32615), &epsg(32615)).unwrap();
        assert!(t.is_identity());
        assert_eq!(
            t.transform_point(361_000.123, 4_105_000.456).unwrap(),
            (361_000.123, 4_105_000.456)
        );
    }

    #[test]
    fn utm_zone_of_a_point() {
        assert_eq!(crate::crs::utm_zone(-94.5), 15);
        assert_eq!(crate::crs::utm_zone(179.99), 60);
        assert_eq!(crate::crs::utm_zone(-180.0), 1);
        assert_eq!(Crs::utm_for_lonlat(-94.5, 37.0).epsg, Some(32615));
        assert_eq!(Crs::utm_for_lonlat(151.2, -33.9).epsg, Some(32756));
    }
}
