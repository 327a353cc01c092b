//! A catalog made from the Joplin tiles, read by GDAL's `ogrinfo` as QGIS would: the sites and
//! scenes layers with the right footprints.

mod common;
use common::{add_scene_files, run_ok, tiles};

use testkit::run_tool;

/// The lon/lat corners GDAL reports for a file (`wgs84Extent`).
fn gdal_extent(path: &std::path::Path) -> Vec<(f64, f64)> {
    let info: serde_json::Value =
        serde_json::from_str(&run_tool("gdalinfo", &["-json", path.to_str().unwrap()])).unwrap();
    info["wgs84Extent"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

#[test]
fn ogrinfo_lists_sites_and_scenes_with_their_footprints() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("joplin.gpkg");
    run_ok(
        &db,
        &[
            "site",
            "add",
            "Joplin",
            "--bbox=-94.52,37.04,-94.47,37.09",
            "--alias",
            "tornado",
        ],
    );
    let pre = tiles("joplin/pre");
    let post = tiles("joplin/post");
    add_scene_files(&db, &pre, &["--date", "2011-05-20", "--sensor", "aerial"]);
    add_scene_files(&db, &post, &["--date", "2011-06-02", "--sensor", "aerial"]);

    let summary = run_tool("ogrinfo", &["-so", "-al", db.to_str().unwrap()]);
    assert!(summary.contains("Layer name: sites"), "{summary}");
    assert!(summary.contains("Layer name: scenes"), "{summary}");
    assert!(summary.contains("Feature Count: 2"), "{summary}");

    // Each scene's footprint, as GDAL reads the layer, covers the union of its tiles' extents
    // as GDAL reports them, and no more than a pixel beyond.
    let json = run_tool(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            "/vsistdout/",
            db.to_str().unwrap(),
            "scenes",
        ],
    );
    let layer: serde_json::Value = serde_json::from_str(&json).unwrap();
    let features = layer["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    for (feature, files) in features.iter().zip([&pre, &post]) {
        let ring: Vec<(f64, f64)> = feature["geometry"]["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        let bounds = |pts: &[(f64, f64)]| {
            pts.iter()
                .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |b, p| {
                    (b.0.min(p.0), b.1.min(p.1), b.2.max(p.0), b.3.max(p.1))
                })
        };
        let ours = bounds(&ring);
        let gdal: Vec<(f64, f64)> = files.iter().flat_map(|f| gdal_extent(f)).collect();
        let theirs = bounds(&gdal);
        let tolerance = 1e-6; // about 0.1 m, a sixth of a pixel
        for (a, b) in [
            (ours.0, theirs.0),
            (ours.1, theirs.1),
            (ours.2, theirs.2),
            (ours.3, theirs.3),
        ] {
            assert!(
                (a - b).abs() < tolerance,
                "footprint {ours:?} vs GDAL {theirs:?}"
            );
        }
    }
}

#[test]
fn a_scene_warped_onto_its_site_grid_reads_back_in_gdal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("joplin.gpkg");
    run_ok(
        &db,
        &[
            "site",
            "add",
            "Joplin",
            "--bbox=-94.506,37.066,-94.494,37.074",
            "--ring",
            "100",
        ],
    );
    let post = tiles("joplin/post");
    add_scene_files(&db, &post, &["--date", "2011-06-02"]);
    let site: serde_json::Value =
        serde_json::from_str(&run_ok(&db, &["site", "show", "Joplin", "--json"])).unwrap();
    let out = dir.path().join("post.tif");
    let report: serde_json::Value = serde_json::from_str(&run_ok(
        &db,
        &["warp", "1", "-o", out.to_str().unwrap(), "--json"],
    ))
    .unwrap();
    assert_eq!(report["aligned"], false, "no alignment was stored");

    let info: serde_json::Value =
        serde_json::from_str(&run_tool("gdalinfo", &["-json", out.to_str().unwrap()])).unwrap();
    let grid = &site["grid"];
    assert_eq!(info["size"][0], grid["width"]);
    assert_eq!(info["size"][1], grid["height"]);
    let wkt = info["coordinateSystem"]["wkt"].as_str().unwrap();
    assert!(wkt.contains("UTM zone 15N"), "{wkt}");
    let transform: Vec<f64> = grid["transform"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let gdal: Vec<f64> = info["geoTransform"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (a, b) in transform.iter().zip(&gdal) {
        assert!((a - b).abs() < 1e-6, "{transform:?} vs {gdal:?}");
    }
    assert_eq!(info["bands"].as_array().unwrap().len(), 3);
}
