//! Test fixtures: a catalog in a temporary folder, and sites and scenes to put in it.

use chrono::{DateTime, Utc};
use geo_types::{polygon, Polygon};
use raster::{Crs, GeoTransform, Grid};

use crate::{Catalog, NewScene, NewSite, SceneFile};

/// A new, empty catalog in a temporary folder (kept as long as the `TempDir` lives).
pub(crate) fn temp_catalog() -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(dir.path().join("dossier.gpkg")).unwrap();
    (dir, catalog)
}

/// A rectangle of longitude/latitude, counter-clockwise from the south-west corner.
pub(crate) fn lon_lat_box(west: f64, south: f64, east: f64, north: f64) -> Polygon<f64> {
    polygon![(x: west, y: south), (x: east, y: south), (x: east, y: north), (x: west, y: north)]
}

/// A UTM zone 39N grid of 0.5 m pixels.
pub(crate) fn utm_grid(width: usize, height: usize) -> Grid {
    Grid::new(
        Crs::from_epsg(32639).unwrap(),
        GeoTransform::north_up(566_000.0, 3_737_000.0, 0.5, 0.5),
        width,
        height,
    )
}

/// A site with two aliases around (51.70-51.75 E, 33.70-33.74 N).
pub(crate) fn natanz() -> NewSite {
    NewSite {
        name: "Natanz".into(),
        aliases: vec!["Kashan enrichment plant".into(), "FEP".into()],
        parent: Some("Natanz complex".into()),
        makes: Some("uranium enrichment".into()),
        aoi: lon_lat_box(51.70, 33.70, 51.75, 33.74),
        ring_m: 5000.0,
        grid: utm_grid(9000, 9000),
        gsd_from_scenes: false,
        notes: Some("underground halls".into()),
    }
}

/// A second site with no aliases.
pub(crate) fn fordow() -> NewSite {
    NewSite {
        name: "Fordow".into(),
        aliases: vec![],
        parent: None,
        makes: None,
        aoi: lon_lat_box(50.99, 34.87, 51.00, 34.89),
        ring_m: 2000.0,
        grid: utm_grid(2000, 4000),
        gsd_from_scenes: true,
        notes: None,
    }
}

/// A scene of `site` taken at `acquired` (RFC 3339), covering `footprint`, with two band
/// files whose hashes are made from `seed` (so different seeds are different files).
pub(crate) fn scene(site: &str, acquired: &str, footprint: Polygon<f64>, seed: u8) -> NewScene {
    let file = |band: u8| SceneFile {
        role: format!("B0{band}"),
        path: format!("/imagery/{seed}/B0{band}.tif").into(),
        sha256: format!("{seed:02x}{band:02x}").repeat(16),
    };
    NewScene {
        site: site.into(),
        acquired: acquired.parse::<DateTime<Utc>>().unwrap(),
        sensor: "Sentinel-2A MSI".into(),
        gsd_m: 10.0,
        band_count: 2,
        credit: "Contains modified Copernicus Sentinel data, CC BY-SA 3.0 IGO".into(),
        sun_elevation_deg: Some(61.5),
        sun_azimuth_deg: Some(135.2),
        off_nadir_deg: None,
        cloud_fraction: Some(0.02),
        footprint,
        grid: utm_grid(1098, 1098),
        files: vec![file(4), file(8)],
    }
}

/// The bytes of the file at `path`.
pub(crate) fn bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}
