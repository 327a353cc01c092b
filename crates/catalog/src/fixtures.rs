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

/// What [`findings_catalog`] stored.
pub(crate) struct Findings {
    /// The earlier scene of Natanz.
    pub before: i64,
    /// The later scene of Natanz.
    pub after: i64,
    /// The comparison of the two.
    pub comparison: i64,
    /// Its two changes, in the order they were given.
    pub change_ids: Vec<i64>,
}

/// A comparison of `before` and `after` by a U-Net change model.
pub(crate) fn comparison(before: i64, after: i64) -> crate::NewComparison {
    crate::NewComparison {
        before_scene: before,
        after_scene: after,
        method: "siamese-unet".into(),
        model_version: Some("unet-2026.1".into()),
        parameters: serde_json::json!({"tile": 256, "overlap": 32}),
        threshold: 0.5,
    }
}

/// A change of 0.002 x 0.002 degrees with its south-west corner at (`west`, 33.71).
pub(crate) fn change(west: f64, direction: &str) -> crate::NewChange {
    crate::NewChange {
        outline_lonlat: lon_lat_box(west, 33.71, west + 0.002, 33.712),
        area_m2: 41_000.0,
        mean_prob: 0.83,
        direction: direction.into(),
    }
}

/// A building with its south-west corner at (`west`, 33.72), seen in `before` (smaller) and
/// `after`, where it had expanded.
pub(crate) fn new_building(code: &str, west: f64, before: i64, after: i64) -> crate::NewBuilding {
    let interval = |value: f64| crate::Interval {
        value,
        low: value * 0.9,
        high: value * 1.1,
        level: 0.95,
    };
    let outline = lon_lat_box(west, 33.72, west + 0.0004, 33.7203);
    crate::NewBuilding {
        code: code.into(),
        origin: crate::BuildingOrigin::Detected,
        outline_lonlat: outline.clone(),
        standing: true,
        first_seen_scene: before,
        last_seen_scene: after,
        area_m2: interval(1240.0),
        length_m: interval(37.1),
        width_m: interval(33.4),
        lon: west + 0.0002,
        lat: 33.72015,
        mgrs: "39SWU 7005 3000".into(),
        housing: false,
        history: vec![crate::NewBuildingEvent {
            kind: "expanded".into(),
            before_scene: before,
            after_scene: after,
        }],
        outlines: vec![
            (before, lon_lat_box(west, 33.72, west + 0.0002, 33.7203)),
            (after, outline),
        ],
    }
}

/// A catalog with site Natanz, two scenes of it, one comparison of them with an "appeared"
/// and a "removed" change, and a registry of buildings B0001 and B0002.
pub(crate) fn findings_catalog() -> (tempfile::TempDir, Catalog, Findings) {
    let (dir, mut catalog) = temp_catalog();
    catalog.add_site(natanz()).unwrap();
    let footprint = lon_lat_box(51.6, 33.6, 51.9, 33.9);
    let before = catalog
        .add_scene(scene(
            "Natanz",
            "2020-06-01T07:00:00Z",
            footprint.clone(),
            1,
        ))
        .unwrap()
        .id;
    let after = catalog
        .add_scene(scene("Natanz", "2021-05-01T07:00:00Z", footprint, 2))
        .unwrap()
        .id;
    let stored = catalog
        .record_comparison(
            "Natanz",
            &comparison(before, after),
            &[change(51.71, "appeared"), change(51.73, "removed")],
        )
        .unwrap();
    let change_ids = catalog
        .changes("Natanz", Some(stored.id))
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    catalog
        .replace_buildings(
            "Natanz",
            &[
                new_building("B0002", 51.725, before, after),
                new_building("B0001", 51.715, before, after),
            ],
        )
        .unwrap();
    (
        dir,
        catalog,
        Findings {
            before,
            after,
            comparison: stored.id,
            change_ids,
        },
    )
}
