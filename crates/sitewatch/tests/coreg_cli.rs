//! `sitewatch coreg` as a script uses it: the JSON keys, the sign convention, and refusals.

use std::process::Command;

use raster::coreg::fourier_shift;
use raster::{write_geotiff, GeoTiff, RasterSource, WriteOptions};
use testkit::data_file;

fn coreg(reference: &std::path::Path, target: &std::path::Path) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_sitewatch"))
        .args(["coreg", "--json"])
        .arg(reference)
        .arg(target)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), json)
}

#[test]
fn a_target_moved_east_must_move_west() {
    let dir = tempfile::tempdir().unwrap();
    let reference = data_file("naip-stack/m_4709963_se_14_1_20160816.tif");
    let tif = GeoTiff::open(&reference).unwrap();
    let mut moved = tif.read_window(&tif.grid().full_window()).unwrap();
    let (w, h) = (moved.grid.width, moved.grid.height);
    // Content moved 2.3 px east and 1.4 px north, on the same georeferencing.
    for b in 0..moved.band_count {
        let shifted = fourier_shift(moved.band(b), w, h, 2.3, -1.4);
        moved.band_mut(b).copy_from_slice(&shifted);
    }
    let target = dir.path().join("moved.tif");
    moved.sample_type = raster::SampleType::F32;
    write_geotiff(&target, &moved, &WriteOptions::default()).unwrap();

    let (status, json) = coreg(&reference, &target);
    assert_eq!(status, 0, "{json}");
    let (dx, dy) = (json["dx"].as_f64().unwrap(), json["dy"].as_f64().unwrap());
    assert!(
        (dx + 2.3).abs() < 0.1 && (dy - 1.4).abs() < 0.1,
        "dx {dx}, dy {dy}"
    );
    assert!(json["rmse"].as_f64().unwrap() < 0.5);
    assert!(json["tie_points"].as_u64().unwrap() >= 4);
}

#[test]
fn a_textureless_target_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reference = data_file("naip-stack/m_4709963_se_14_1_20120731.tif");
    let tif = GeoTiff::open(&reference).unwrap();
    let mut flat = tif.read_window(&tif.grid().full_window()).unwrap();
    flat.data.iter_mut().for_each(|v| *v = 120.0);
    let target = dir.path().join("flat.tif");
    write_geotiff(&target, &flat, &WriteOptions::default()).unwrap();

    let (status, json) = coreg(&reference, &target);
    assert_eq!(status, 3);
    assert_eq!(json["refused"], true);
    assert!(
        json["reason"].as_str().unwrap().contains("texture"),
        "{json}"
    );
}

#[test]
fn a_cloud_covered_target_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reference = data_file("naip-stack/m_4709963_se_14_1_20120731.tif");
    let tif = GeoTiff::open(&reference).unwrap();
    let mut cloudy = tif.read_window(&tif.grid().full_window()).unwrap();
    let (w, h) = (cloudy.grid.width, cloudy.grid.height);
    // A bright, nearly uniform deck over all but a thin strip.
    for b in 0..cloudy.band_count {
        for (i, v) in cloudy.band_mut(b).iter_mut().enumerate() {
            if i % w > w / 8 || i / w > h / 8 {
                *v = 250.0 + (i % 3) as f32;
            }
        }
    }
    let target = dir.path().join("cloudy.tif");
    write_geotiff(&target, &cloudy, &WriteOptions::default()).unwrap();
    let (status, json) = coreg(&reference, &target);
    assert_eq!(status, 3, "{json}");
    assert_eq!(json["refused"], true);
}
