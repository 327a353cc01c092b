//! Measures the findings tables at registry scale: one site with 10 scenes, a comparison with
//! N changes, a registry of N buildings (10 outlines and 2 events each) replaced twice, N/10
//! reviews, the timeline, both exports, and an import of N footprints from GeoJSON.
//!
//! `cargo run --release -p catalog --example findings_bench -- [N]` (default 2000).

use std::time::Instant;

use catalog::{
    BuildingOrigin, Catalog, ExportLayer, Interval, NewBuilding, NewBuildingEvent, NewChange,
    NewComparison, NewReview, NewScene, NewSite, ReviewTarget, SceneFile, Verdict,
};
use chrono::{Duration, TimeZone, Utc};
use geo_types::{polygon, Polygon};
use raster::{Crs, GeoTransform, Grid};

fn lon_lat_box(west: f64, south: f64, east: f64, north: f64) -> Polygon<f64> {
    polygon![(x: west, y: south), (x: east, y: south), (x: east, y: north), (x: west, y: north)]
}

/// A small box for item `i` of `count`, spread over the AOI.
fn small_box(i: usize, count: usize) -> Polygon<f64> {
    let side = (count as f64).sqrt().ceil() as usize;
    let (col, row) = (i % side, i / side);
    let step = 0.05 / side as f64;
    let (west, south) = (51.70 + col as f64 * step, 33.70 + row as f64 * step * 0.8);
    lon_lat_box(west, south, west + step * 0.5, south + step * 0.4)
}

/// Runs `work` and prints how long it took.
fn timed<T>(what: &str, work: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = work();
    println!("{what}: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    value
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args().nth(1).map_or(Ok(2000), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.gpkg");
    let grid = Grid::new(
        Crs::from_epsg(32639)?,
        GeoTransform::north_up(566_000.0, 3_737_000.0, 0.5, 0.5),
        9000,
        9000,
    );
    let mut catalog = Catalog::open(&path)?;
    catalog.add_site(NewSite {
        name: "Natanz".into(),
        aliases: vec![],
        parent: None,
        makes: None,
        aoi: lon_lat_box(51.70, 33.70, 51.75, 33.74),
        ring_m: 5000.0,
        grid: grid.clone(),
        gsd_from_scenes: false,
        notes: None,
    })?;
    let first = Utc.with_ymd_and_hms(2016, 1, 1, 7, 0, 0).unwrap();
    let scenes: Vec<i64> = (0..10)
        .map(|i| {
            catalog
                .add_scene(NewScene {
                    site: "Natanz".into(),
                    acquired: first + Duration::days(i * 180),
                    sensor: "WorldView-3".into(),
                    gsd_m: 0.5,
                    band_count: 3,
                    credit: "Maxar".into(),
                    sun_elevation_deg: None,
                    sun_azimuth_deg: None,
                    off_nadir_deg: None,
                    cloud_fraction: None,
                    footprint: lon_lat_box(51.6, 33.6, 51.9, 33.9),
                    grid: grid.clone(),
                    files: vec![SceneFile {
                        role: "image".into(),
                        path: format!("/imagery/{i}.tif").into(),
                        sha256: format!("{i:064x}"),
                    }],
                })
                .map(|s| s.id)
        })
        .collect::<Result<_, _>>()?;

    let changes: Vec<NewChange> = (0..count)
        .map(|i| NewChange {
            outline_lonlat: small_box(i, count),
            area_m2: 400.0,
            mean_prob: 0.8,
            direction: "appeared".into(),
        })
        .collect();
    let comparison = NewComparison {
        before_scene: scenes[0],
        after_scene: scenes[9],
        method: "siamese-unet".into(),
        model_version: None,
        parameters: serde_json::json!({}),
        threshold: 0.5,
    };
    timed(&format!("record a comparison with {count} changes"), || {
        catalog.record_comparison("Natanz", &comparison, &changes)
    })?;
    timed(&format!("replace it (again {count} changes)"), || {
        catalog.record_comparison("Natanz", &comparison, &changes)
    })?;
    let stored = timed("read the changes", || catalog.changes("Natanz", None))?;

    let interval = |value: f64| Interval {
        value,
        low: value * 0.9,
        high: value * 1.1,
        level: 0.95,
    };
    let buildings: Vec<NewBuilding> = (0..count)
        .map(|i| NewBuilding {
            code: format!("B{:04}", i + 1),
            origin: BuildingOrigin::Detected,
            outline_lonlat: small_box(i, count),
            standing: true,
            first_seen_scene: scenes[0],
            last_seen_scene: scenes[9],
            area_m2: interval(400.0),
            length_m: interval(25.0),
            width_m: interval(16.0),
            lon: 51.72,
            lat: 33.72,
            mgrs: "39SWU 7000 3000".into(),
            housing: false,
            history: vec![
                NewBuildingEvent {
                    kind: "appeared".into(),
                    before_scene: scenes[0],
                    after_scene: scenes[1],
                },
                NewBuildingEvent {
                    kind: "expanded".into(),
                    before_scene: scenes[5],
                    after_scene: scenes[6],
                },
            ],
            outlines: scenes.iter().map(|&s| (s, small_box(i, count))).collect(),
        })
        .collect();
    timed(&format!("replace a registry of {count} buildings"), || {
        catalog.replace_buildings("Natanz", &buildings)
    })?;
    timed("replace it again", || {
        catalog.replace_buildings("Natanz", &buildings)
    })?;
    for (i, change) in stored.iter().enumerate().step_by(10) {
        let target = if i % 20 == 0 {
            ReviewTarget::Change(change.id)
        } else {
            ReviewTarget::Building(format!("B{:04}", i + 1))
        };
        catalog.add_review(
            "Natanz",
            &NewReview {
                target,
                verdict: Some(Verdict::Accepted),
                comment: None,
                reviewer: "bench".into(),
            },
        )?;
    }
    let registry = timed("read the registry", || catalog.buildings("Natanz"))?;
    timed("look up one building", || {
        catalog.building("Natanz", "B0001")
    })?;
    let timeline = timed("timeline", || catalog.timeline("Natanz"))?;
    let geojson = timed("export buildings as GeoJSON", || {
        catalog.export_geojson("Natanz", ExportLayer::Buildings)
    })?;
    timed("export a GeoPackage", || {
        catalog.export_geopackage("Natanz", &dir.path().join("export.gpkg"))
    })?;
    let footprints = dir.path().join("footprints.geojson");
    std::fs::write(&footprints, &geojson)?;
    let imported = timed(&format!("import {count} footprints from GeoJSON"), || {
        catalog.import_footprints("Natanz", &footprints)
    })?;
    println!(
        "{} changes, {} buildings, {} timeline entries, {} footprints; GeoJSON {:.1} MB; catalog {:.1} MB",
        stored.len(),
        registry.len(),
        timeline.len(),
        imported.len(),
        geojson.len() as f64 / 1e6,
        std::fs::metadata(&path)?.len() as f64 / 1e6
    );
    Ok(())
}
