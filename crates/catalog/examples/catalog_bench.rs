//! Measures how the catalog scales, in two parts:
//! - **scenes**: one site and N scenes (each a transaction of its own, as the CLI does), then
//!   listing and looking them up;
//! - **findings**: one site with 10 scenes, a comparison with M changes, a registry of M
//!   buildings (10 outlines and 2 events each) replaced twice, M/10 reviews, the timeline, both
//!   exports, and an import of M footprints from GeoJSON.
//!
//! `cargo run --release -p catalog --example catalog_bench -- [N] [M]` (defaults 1000, 2000).

use std::path::Path;
use std::time::Instant;

use catalog::{
    BuildingOrigin, Catalog, ExportLayer, Interval, NewBuilding, NewBuildingEvent, NewChange,
    NewComparison, NewReview, NewScene, NewSite, ReviewTarget, SceneFile, Verdict,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
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

/// A new catalog at `path` holding the site "Natanz" (alias "FEP") on a UTM grid of `gsd_m`.
fn catalog_with_site(
    path: &Path,
    gsd_m: f64,
    side: usize,
) -> Result<(Catalog, Grid), Box<dyn std::error::Error>> {
    let grid = Grid::new(
        Crs::from_epsg(32639)?,
        GeoTransform::north_up(566_000.0, 3_737_000.0, gsd_m, gsd_m),
        side,
        side,
    );
    let mut catalog = Catalog::open(path)?;
    catalog.add_site(NewSite {
        name: "Natanz".into(),
        aliases: vec!["FEP".into()],
        parent: None,
        makes: None,
        aoi: lon_lat_box(51.70, 33.70, 51.75, 33.74),
        ring_m: 5000.0,
        grid: grid.clone(),
        gsd_from_scenes: false,
        notes: None,
    })?;
    Ok((catalog, grid))
}

/// Scene `i` of the site, taken at `acquired`, with `bands` files of one band each.
fn scene(i: usize, acquired: DateTime<Utc>, grid: &Grid, bands: usize, shift: f64) -> NewScene {
    NewScene {
        site: "FEP".into(),
        acquired,
        sensor: "Sentinel-2A MSI".into(),
        gsd_m: grid.gsd(),
        band_count: bands,
        credit: "Contains modified Copernicus Sentinel data".into(),
        sun_elevation_deg: None,
        sun_azimuth_deg: None,
        off_nadir_deg: None,
        cloud_fraction: None,
        footprint: lon_lat_box(51.6 + shift, 33.6, 51.9 + shift, 33.9),
        grid: grid.clone(),
        files: (0..bands)
            .map(|band| SceneFile {
                role: format!("B{band}"),
                path: format!("/imagery/{i}/B{band}.tif").into(),
                sha256: format!("{i:032x}{band:032x}"),
            })
            .collect(),
    }
}

fn scenes_bench(dir: &Path, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let path = dir.join("scenes.gpkg");
    let (mut catalog, grid) = timed("create + 1 site", || catalog_with_site(&path, 10.0, 1098))?;
    let first = Utc.with_ymd_and_hms(2016, 1, 1, 7, 0, 0).unwrap();
    let start = Instant::now();
    for i in 0..count {
        let acquired = first + Duration::days(i as i64 * 5);
        catalog.add_scene(scene(i, acquired, &grid, 4, i as f64 * 1e-4))?;
    }
    let add = start.elapsed().as_secs_f64();
    println!(
        "add {count} scenes (4 files each): {:.2} s, {:.2} ms per scene",
        add,
        add * 1e3 / count as f64
    );
    let scenes = timed(&format!("list {count} scenes"), || {
        catalog.scenes(Some("natanz"))
    })?;
    let start = Instant::now();
    for scene in &scenes {
        catalog.scene(scene.id)?;
    }
    println!(
        "look up each scene by id: {:.3} ms per scene",
        start.elapsed().as_secs_f64() * 1e3 / count as f64
    );
    println!(
        "file size: {:.2} MB",
        std::fs::metadata(&path)?.len() as f64 / 1e6
    );
    Ok(())
}

fn findings_bench(dir: &Path, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let path = dir.join("findings.gpkg");
    let (mut catalog, grid) = catalog_with_site(&path, 0.5, 9000)?;
    let first = Utc.with_ymd_and_hms(2016, 1, 1, 7, 0, 0).unwrap();
    let scenes: Vec<i64> = (0..10)
        .map(|i| {
            let acquired = first + Duration::days(i as i64 * 180);
            catalog
                .add_scene(scene(i, acquired, &grid, 3, 0.0))
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
            measures: serde_json::json!({}),
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
        catalog.export_geopackage("Natanz", &dir.join("export.gpkg"))
    })?;
    let footprints = dir.join("footprints.geojson");
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let scene_count: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    let finding_count: usize = args.next().map_or(Ok(2000), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    println!("scenes:");
    scenes_bench(dir.path(), scene_count)?;
    println!("findings:");
    findings_bench(dir.path(), finding_count)
}
