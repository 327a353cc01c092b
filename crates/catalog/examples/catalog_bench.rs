//! Measures how the catalog scales: adds one site and N scenes (each a transaction of its
//! own, as the CLI does), then lists and looks them up.
//!
//! `cargo run --release -p catalog --example catalog_bench -- [N]` (default 1000).

use std::time::Instant;

use catalog::{Catalog, NewScene, NewSite, SceneFile};
use chrono::{Duration, TimeZone, Utc};
use geo_types::{polygon, Polygon};
use raster::{Crs, GeoTransform, Grid};

fn lon_lat_box(west: f64, south: f64, east: f64, north: f64) -> Polygon<f64> {
    polygon![(x: west, y: south), (x: east, y: south), (x: east, y: north), (x: west, y: north)]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args().nth(1).map_or(Ok(1000), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.gpkg");
    let grid = Grid::new(
        Crs::from_epsg(32639)?,
        GeoTransform::north_up(566_000.0, 3_737_000.0, 10.0, 10.0),
        1098,
        1098,
    );

    let start = Instant::now();
    let mut catalog = Catalog::open(&path)?;
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
    println!(
        "create + 1 site: {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    let first = Utc.with_ymd_and_hms(2016, 1, 1, 7, 0, 0).unwrap();
    let start = Instant::now();
    for i in 0..count {
        let shift = i as f64 * 1e-4;
        catalog.add_scene(NewScene {
            site: "FEP".into(),
            acquired: first + Duration::days(i as i64 * 5),
            sensor: "Sentinel-2A MSI".into(),
            gsd_m: 10.0,
            band_count: 4,
            credit: "Contains modified Copernicus Sentinel data".into(),
            sun_elevation_deg: None,
            sun_azimuth_deg: None,
            off_nadir_deg: None,
            cloud_fraction: None,
            footprint: lon_lat_box(51.6 + shift, 33.6, 51.9 + shift, 33.9),
            grid: grid.clone(),
            files: (0..4)
                .map(|band| SceneFile {
                    role: format!("B{band}"),
                    path: format!("/imagery/{i}/B{band}.tif").into(),
                    sha256: format!("{i:032x}{band:032x}"),
                })
                .collect(),
        })?;
    }
    let add = start.elapsed().as_secs_f64();
    println!(
        "add {count} scenes (4 files each): {:.2} s, {:.2} ms per scene",
        add,
        add * 1e3 / count as f64
    );

    let start = Instant::now();
    let scenes = catalog.scenes(Some("natanz"))?;
    println!(
        "list {} scenes: {:.1} ms",
        scenes.len(),
        start.elapsed().as_secs_f64() * 1e3
    );
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
