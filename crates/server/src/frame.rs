//! The two frames the API speaks in: longitude/latitude (EPSG:4326, GeoJSON's own) and the
//! site grid's pixels, in which the map page draws so that outlines and imagery (rendered on
//! the same grid) line up exactly.
//!
//! Site-grid pixel coordinates are `[col, row]`: x to the right, y downwards, `[0, 0]` the
//! outer corner of the top-left pixel and `[width, height]` that of the bottom-right one, so a
//! pixel's centre is at `[col + 0.5, row + 0.5]`.

use geo::Buffer;
use geo_types::{Coord, LineString, Polygon};
use raster::{CoordTransform, Crs, GeoTransform, Grid};
use serde::Deserialize;

use crate::error::ApiError;

/// Which frame a request wants geometries in (`?crs=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FrameName {
    /// Longitude/latitude, EPSG:4326 (the default).
    #[default]
    #[serde(alias = "epsg:4326")]
    Lonlat,
    /// The site grid's pixels, `[col, row]`.
    Grid,
}

/// The query part `?crs=lonlat|grid` of a request for geometries.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FrameQuery {
    #[serde(default)]
    pub(crate) crs: FrameName,
}

/// The way between longitude/latitude and one site grid's pixels.
pub(crate) struct SiteFrame {
    to_map: CoordTransform,
    to_lonlat: CoordTransform,
    to_pixel: GeoTransform,
    to_world: GeoTransform,
    gsd_m: f64,
}

impl SiteFrame {
    /// The frame of `grid`; fails when its CRS or transform cannot be inverted.
    pub(crate) fn new(grid: &Grid) -> Result<SiteFrame, ApiError> {
        let to_map = CoordTransform::new(&Crs::wgs84(), &grid.crs)
            .map_err(|e| ApiError::Internal(format!("the site grid's CRS: {e}")))?;
        let to_pixel = grid.transform.inverse().ok_or_else(|| {
            ApiError::Internal("the site grid's transform cannot be inverted".into())
        })?;
        Ok(SiteFrame {
            to_lonlat: to_map.inverse(),
            to_map,
            to_pixel,
            to_world: grid.transform,
            gsd_m: grid.gsd(),
        })
    }

    /// The site grid's pixel size in metres.
    pub(crate) fn gsd_m(&self) -> f64 {
        self.gsd_m
    }

    /// The site-grid pixel coordinates of a longitude/latitude.
    pub(crate) fn pixel(&self, lon: f64, lat: f64) -> Result<(f64, f64), ApiError> {
        let (x, y) = self
            .to_map
            .transform_point(lon, lat)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(self.to_pixel.apply(x, y))
    }

    /// The longitude/latitude of site-grid pixel coordinates.
    pub(crate) fn lonlat(&self, col: f64, row: f64) -> Result<(f64, f64), ApiError> {
        let (x, y) = self.to_world.apply(col, row);
        self.to_lonlat
            .transform_point(x, y)
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    }

    /// A longitude/latitude polygon in site-grid pixels.
    pub(crate) fn polygon_to_pixels(&self, polygon: &Polygon<f64>) -> Result<Polygon, ApiError> {
        map_polygon(polygon, |c| self.pixel(c.x, c.y))
    }

    /// A site-grid pixel polygon in longitude/latitude.
    pub(crate) fn polygon_to_lonlat(&self, polygon: &Polygon<f64>) -> Result<Polygon, ApiError> {
        map_polygon(polygon, |c| self.lonlat(c.x, c.y))
    }

    /// A longitude/latitude polygon in the frame `frame`.
    pub(crate) fn polygon_in(
        &self,
        polygon: &Polygon<f64>,
        frame: FrameName,
    ) -> Result<Polygon, ApiError> {
        match frame {
            FrameName::Lonlat => Ok(polygon.clone()),
            FrameName::Grid => self.polygon_to_pixels(polygon),
        }
    }

    /// The ring around an AOI (longitude/latitude): everything within `ring_m` metres of it,
    /// measured on the site grid's projected plane, as a site-grid pixel polygon.
    pub(crate) fn ring_pixels(&self, aoi: &Polygon<f64>, ring_m: f64) -> Result<Polygon, ApiError> {
        let aoi = self.polygon_to_pixels(aoi)?;
        let buffered = aoi.buffer(ring_m / self.gsd_m);
        buffered
            .0
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::Internal("the ring around the AOI came out empty".into()))
    }
}

fn map_polygon(
    polygon: &Polygon<f64>,
    point: impl Fn(Coord<f64>) -> Result<(f64, f64), ApiError>,
) -> Result<Polygon, ApiError> {
    let line = |ring: &LineString<f64>| -> Result<LineString<f64>, ApiError> {
        ring.coords()
            .map(|&c| point(c).map(Coord::from))
            .collect::<Result<Vec<_>, _>>()
            .map(LineString::new)
    };
    let exterior = line(polygon.exterior())?;
    let interiors = polygon
        .interiors()
        .iter()
        .map(line)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    fn utm_grid() -> Grid {
        // 1 km x 1 km at 0.5 m in UTM zone 11N, near 37 N 116 W.
        Grid::new(
            Crs::from_epsg(32611).unwrap(),
            GeoTransform::north_up(580_000.0, 4_100_000.0, 0.5, -0.5),
            2000,
            2000,
        )
    }

    #[test]
    fn pixels_and_lonlat_go_there_and_back() {
        let frame = SiteFrame::new(&utm_grid()).unwrap();
        let (lon, lat) = frame.lonlat(123.25, 1500.5).unwrap();
        assert!((-117.0..-115.0).contains(&lon) && (36.0..38.0).contains(&lat));
        let (col, row) = frame.pixel(lon, lat).unwrap();
        assert!((col - 123.25).abs() < 1e-6 && (row - 1500.5).abs() < 1e-6);
    }

    #[test]
    fn the_ring_lies_ring_m_outside_the_aoi() {
        let frame = SiteFrame::new(&utm_grid()).unwrap();
        let square = polygon![(x: 800.0, y: 800.0), (x: 1200.0, y: 800.0),
            (x: 1200.0, y: 1200.0), (x: 800.0, y: 1200.0), (x: 800.0, y: 800.0)];
        let aoi = frame.polygon_to_lonlat(&square).unwrap();
        // 100 m at 0.5 m a pixel: 200 pixels out on every side.
        let ring = frame.ring_pixels(&aoi, 100.0).unwrap();
        let xs = ring.exterior().coords().map(|c| c.x);
        let (min, max) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        assert!(
            (min - 600.0).abs() < 0.5 && (max - 1400.0).abs() < 0.5,
            "{min} {max}"
        );
    }
}
