//! `sitewatch bench` on a generated 2400 x 2400 pair: the windowed `detect` processes it runs
//! write maps on BEFORE's grid and find the planted roofs.

mod common;
use common::run_ok;
use raster::{GeoTiff, RasterSource};

#[test]
fn bench_runs_windowed_detect_on_a_generated_pair() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let out = dir.path().join("bench");
    let report: serde_json::Value = serde_json::from_str(&run_ok(
        &db,
        &[
            "bench",
            "--side",
            "2400",
            "--dir",
            out.to_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    assert!(report["imad_mpx_per_s"].as_f64().unwrap() > 0.0);
    assert!(report["net_gflop_per_s"].as_f64().unwrap() > 0.0);
    assert!(report["union_mpx_per_s"].as_f64().unwrap() > 0.0);
    let runs = report["large_pair"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let before = GeoTiff::open(out.join("before.tif")).unwrap();
    for run in runs {
        let method = run["method"].as_str().unwrap();
        assert!(run["peak_rss_mb"].as_f64().unwrap() > 1.0, "{run}");
        let maps = out.join(method);
        let probability = GeoTiff::open(maps.join("probability.tif")).unwrap();
        assert_eq!(probability.grid(), before.grid(), "{method}");
        let mask = GeoTiff::open(maps.join("mask.tif")).unwrap();
        let mask = mask.read_window(&mask.grid().full_window()).unwrap();
        assert!(mask.data.iter().all(|&m| m == 0.0 || m == 1.0));
        // 25 roofs of 40 x 30 px, from (100, 100) every 400 px: nearly all of them flagged.
        let planted = run["planted"].as_u64().unwrap() as usize;
        assert_eq!(planted, 25);
        let width = mask.grid.width;
        let on_roofs = (0..25)
            .flat_map(|k| {
                let (col0, row0) = (100 + 400 * (k % 5), 100 + 400 * (k / 5));
                (row0..row0 + 30).flat_map(move |r| (col0..col0 + 40).map(move |c| r * width + c))
            })
            .filter(|&i| mask.data[i] == 1.0)
            .count();
        assert!(
            on_roofs * 10 >= 25 * 1200 * 9,
            "{method}: {on_roofs} roof px flagged"
        );
        let geojson: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(maps.join("changes.geojson")).unwrap())
                .unwrap();
        let features = geojson["features"].as_array().unwrap().len();
        assert_eq!(features, run["changes"].as_u64().unwrap() as usize);
        assert_eq!(features, planted, "{method} finds each roof once");
    }
}
